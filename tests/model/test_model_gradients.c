/* Gradients of every loss x activation against central finite differences
 * on the reference backend in f64 (relative error of the whole gradient
 * below 1e-6). */
#include "activation.h"
#include "model.h"
#include "pb_test.h"
#include "pb_test_backend.h"
#include "rng.h"
#include "train.h"

enum { D = 3, H = 5, LAYERS = 3, P = 7 };

static const pb_backend_vtable *vt;
static pb_backend *be;

static double loss_at(pb_model *m, pb_batch *b, pb_buf *wb, pb_buf *gb, const double *w,
                      const pb_loss *loss)
{
    pb_loss_stats st = PB_LOSS_STATS_INIT;
    vt->buf_upload(be, wb, 0, w, m->n_params);
    if (pb_model_loss_grad(m, wb, b, loss, gb, &st) != PB_OK)
        return NAN;
    return st.loss;
}

int main(void)
{
    pb_registry reg = {0};
    vt = pb_test_open_backend(&reg, "ref", PB_F64, &be);
    if (!vt)
        return 1;
    double x[P * D], y[P];
    pb_rng_normal_fill(7, 1000, 0, x, P * D);
    for (size_t i = 0; i < P; i++)
        y[i] = (i % 2) ? 1.0 : -1.0;
    char err[256];
    for (int a = 0; a < 4; a++)
        for (int l = 0; l < 3; l++) {
            pb_model m;
            pb_act act = pb_act_make((pb_act_kind)a, a == PB_ACT_SWISH ? 3.0 : 1.0);
            CHECK(pb_model_init(&m, vt, be, D, H, LAYERS, act, err, sizeof err) == 0);
            size_t n = m.n_params;
            double w0[128], w[128], g[128], wp[128];
            pb_model_init_weights(&m, 11, w0);
            pb_batch b;
            pb_buf *wb, *gb;
            CHECK(pb_batch_create(&m, P, x, y, &b) == PB_OK);
            vt->buf_alloc(be, n, &wb);
            vt->buf_alloc(be, n, &gb);
            vt->buf_upload(be, wb, 0, w0, n);
            pb_model_forward(&m, wb, &b);
            vt->copy(be, b.f0, 0, b.out, 0, P);
            /* move away from w0 so the outputs o = f - f0 are not all 0 */
            for (size_t i = 0; i < n; i++)
                w[i] = w0[i] + 0.3 * pb_rng_normal(5, 1001, i);
            /* alpha 2 keeps the margins off the hinge's kink at 1 */
            pb_loss loss = {(pb_loss_kind)l, 2.0, 1.0, 20.0, 1.0 / P};
            loss_at(&m, &b, wb, gb, w, &loss);
            vt->buf_download(be, gb, 0, g, n);
            double num = 0, den = 0;
            const double eps = 1e-6;
            for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < n; k++)
                    wp[k] = w[k];
                wp[i] = w[i] + eps;
                double up = loss_at(&m, &b, wb, gb, wp, &loss);
                wp[i] = w[i] - eps;
                double dn = loss_at(&m, &b, wb, gb, wp, &loss);
                double fd = (up - dn) / (2 * eps);
                num += (fd - g[i]) * (fd - g[i]);
                den += g[i] * g[i];
            }
            double rel = sqrt(num / den);
            CHECK_MSG(den > 0 && rel < 1e-6, "act %s loss %s: gradient vs finite differences rel err %g",
                      pb_act_name((pb_act_kind)a), pb_loss_name((pb_loss_kind)l), rel);
            vt->buf_free(be, wb);
            vt->buf_free(be, gb);
            pb_batch_destroy(&m, &b);
        }
    vt->destroy(be);
    pb_registry_free(&reg);
    return pb_test_done("test_model_gradients");
}
