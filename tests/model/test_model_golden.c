/* The model against known answers computed independently with PyTorch
 * autograd in float64 (tests/data/golden_fc.csv): normalisation constants,
 * forward pass, NTK, the three losses and their gradients. */
#include "activation.h"
#include "csv_table.h"
#include "model.h"
#include "pb_test.h"
#include "pb_test_backend.h"
#include "train.h"

#include <stdlib.h>
#include <string.h>

enum { D = 5, H = 4, LAYERS = 2, P = 6 };

static pb_csv_table golden;
static int c_case, c_act, c_beta, c_loss, c_alpha, c_q, c_i, c_j, c_v;

/* Gather a quantity into out (row-major by i, j); returns the count. */
static size_t fetch(const char *cs, const char *act, const char *beta, const char *loss,
                    const char *alpha, const char *q, double *out, size_t ncols)
{
    size_t n = 0;
    for (size_t r = 0; r < golden.nrows; r++) {
        if (strcmp(pb_csv_cell(&golden, r, c_case), cs) || strcmp(pb_csv_cell(&golden, r, c_q), q) ||
            strcmp(pb_csv_cell(&golden, r, c_act), act) ||
            strcmp(pb_csv_cell(&golden, r, c_beta), beta) ||
            strcmp(pb_csv_cell(&golden, r, c_loss), loss) ||
            strcmp(pb_csv_cell(&golden, r, c_alpha), alpha))
            continue;
        size_t i = (size_t)atoi(pb_csv_cell(&golden, r, c_i));
        size_t j = (size_t)atoi(pb_csv_cell(&golden, r, c_j));
        out[i * ncols + j] = strtod(pb_csv_cell(&golden, r, c_v), NULL);
        n++;
    }
    return n;
}

static double rel_err(const double *a, const double *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

int main(void)
{
    const char *dir = getenv("PB_TESTDATA");
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/golden_fc.csv", dir ? dir : ".");
    if (pb_csv_read(path, &golden, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    c_case = pb_csv_col(&golden, "case");
    c_act = pb_csv_col(&golden, "act");
    c_beta = pb_csv_col(&golden, "act_beta");
    c_loss = pb_csv_col(&golden, "loss");
    c_alpha = pb_csv_col(&golden, "alpha");
    c_q = pb_csv_col(&golden, "quantity");
    c_i = pb_csv_col(&golden, "i");
    c_j = pb_csv_col(&golden, "j");
    c_v = pb_csv_col(&golden, "value");

    pb_registry reg = {0};
    pb_backend *be = NULL;
    const pb_backend_vtable *vt = pb_test_open_backend(&reg, "ref", PB_F64, &be);
    if (!vt)
        return 1;

    /* Inputs: w0, w - w0, x, y. */
    pb_model m;
    CHECK(pb_model_init(&m, vt, be, D, H, LAYERS, pb_act_make(PB_ACT_SWISH, 1.0), err, sizeof err) == 0);
    CHECK(m.n_params == (size_t)(D * H + (LAYERS - 1) * H * H + H));
    double w0[64], dw[64], w[64], x[P * D], y[P];
    const char *wn[] = {"W0_0", "W0_1", "W0_2"}, *dn[] = {"W_minus_W0_0", "W_minus_W0_1", "W_minus_W0_2"};
    for (size_t l = 0; l <= LAYERS; l++) {
        CHECK(fetch("inputs", "", "", "", "", wn[l], w0 + m.off[l], m.fan_in[l]) == m.rows[l] * m.fan_in[l]);
        CHECK(fetch("inputs", "", "", "", "", dn[l], dw + m.off[l], m.fan_in[l]) == m.rows[l] * m.fan_in[l]);
    }
    for (size_t i = 0; i < m.n_params; i++)
        w[i] = w0[i] + dw[i];
    CHECK(fetch("inputs", "", "", "", "", "x", x, D) == P * D);
    CHECK(fetch("inputs", "", "", "", "", "y", y, 1) == P);

    struct { const char *name, *beta; } acts[] = {{"swish", "1.0"}, {"swish", "10.0"}, {"relu", "1.0"},
                                                  {"tanh", "1.0"}, {"softplus", "1.0"}, {"softplus", "5.0"}};
    const char *losses[] = {"softhinge", "hinge", "qhinge"};
    const char *alphas[] = {"0.5", "7.0"};
    for (size_t a = 0; a < sizeof acts / sizeof *acts; a++) {
        pb_act_kind kind;
        CHECK(pb_act_parse(acts[a].name, &kind) == 0);
        pb_act act = pb_act_make(kind, strtod(acts[a].beta, NULL));
        double c_ref = NAN;
        CHECK(fetch("norm", acts[a].name, acts[a].beta, "", "", "c", &c_ref, 1) == 1);
        CHECK_MSG(fabs(act.c - c_ref) <= 1e-13 * c_ref, "c(%s %s) = %.17g, golden %.17g",
                  acts[a].name, acts[a].beta, act.c, c_ref);

        CHECK(pb_model_init(&m, vt, be, D, H, LAYERS, act, err, sizeof err) == 0);
        pb_batch b;
        pb_buf *wb = NULL, *w0b = NULL, *gb = NULL;
        CHECK(pb_batch_create(&m, P, x, y, &b) == PB_OK);
        CHECK(vt->buf_alloc(be, m.n_params, &wb) == PB_OK);
        CHECK(vt->buf_alloc(be, m.n_params, &w0b) == PB_OK);
        CHECK(vt->buf_alloc(be, m.n_params, &gb) == PB_OK);
        vt->buf_upload(be, wb, 0, w, m.n_params);
        vt->buf_upload(be, w0b, 0, w0, m.n_params);

        double f[P], fref[P];
        CHECK(pb_model_forward(&m, w0b, &b) == PB_OK);
        vt->buf_download(be, b.out, 0, f, P);
        CHECK(fetch("forward", acts[a].name, acts[a].beta, "", "", "f_w0", fref, 1) == P);
        CHECK_MSG(rel_err(f, fref, P) < 1e-12, "f_w0 %s %s rel err %g", acts[a].name, acts[a].beta,
                  rel_err(f, fref, P));
        CHECK(vt->copy(be, b.f0, 0, b.out, 0, P) == PB_OK);
        CHECK(pb_model_forward(&m, wb, &b) == PB_OK);
        vt->buf_download(be, b.out, 0, f, P);
        CHECK(fetch("forward", acts[a].name, acts[a].beta, "", "", "f_w", fref, 1) == P);
        CHECK_MSG(rel_err(f, fref, P) < 1e-12, "f_w %s %s rel err %g", acts[a].name, acts[a].beta,
                  rel_err(f, fref, P));

        double theta_ref[P * P];
        if (fetch("ntk", acts[a].name, acts[a].beta, "", "", "theta", theta_ref, P) == P * P) {
            pb_buf *tb = NULL;
            double theta[P * P];
            CHECK(vt->buf_alloc(be, P * P, &tb) == PB_OK);
            vt->fill(be, tb, 0, P * P, 0.0);
            CHECK(pb_model_ntk(&m, wb, &b, tb) == PB_OK);
            vt->buf_download(be, tb, 0, theta, P * P);
            CHECK_MSG(rel_err(theta, theta_ref, P * P) < 1e-12, "ntk %s rel err %g", acts[a].name,
                      rel_err(theta, theta_ref, P * P));
            vt->buf_free(be, tb);
        }

        for (size_t l = 0; l < 3; l++)
            for (size_t al = 0; al < 2; al++) {
                pb_loss_kind lk;
                CHECK(pb_loss_parse(losses[l], &lk) == 0);
                double alpha = strtod(alphas[al], NULL);
                pb_loss loss = {lk, alpha, 1.0, 20.0, 1.0 / P};
                pb_loss_stats st = PB_LOSS_STATS_INIT;
                CHECK(pb_model_loss_grad(&m, wb, &b, &loss, gb, &st) == PB_OK);
                double Fref[P], lref = NAN, g[64], gref[64], o[P];
                CHECK(fetch("loss", acts[a].name, acts[a].beta, losses[l], alphas[al], "F", Fref, 1) == P);
                vt->buf_download(be, b.out, 0, o, P);
                for (size_t i = 0; i < P; i++)
                    o[i] *= alpha;
                CHECK_MSG(rel_err(o, Fref, P) < 1e-12, "F %s/%s/%s", acts[a].name, losses[l], alphas[al]);
                CHECK(fetch("loss", acts[a].name, acts[a].beta, losses[l], alphas[al], "loss", &lref, 1) == 1);
                CHECK_MSG(fabs(st.loss - lref) <= 1e-12 * fabs(lref), "loss %s %s %s %s: %.17g vs %.17g",
                          acts[a].name, acts[a].beta, losses[l], alphas[al], st.loss, lref);
                const char *gn[] = {"grad_W0", "grad_W1", "grad_W2"};
                for (size_t k = 0; k <= LAYERS; k++)
                    CHECK(fetch("loss", acts[a].name, acts[a].beta, losses[l], alphas[al], gn[k],
                                gref + m.off[k], m.fan_in[k]) == m.rows[k] * m.fan_in[k]);
                vt->buf_download(be, gb, 0, g, m.n_params);
                double e = rel_err(g, gref, m.n_params);
                CHECK_MSG(e < 1e-12, "grad %s %s %s %s rel err %g", acts[a].name, acts[a].beta,
                          losses[l], alphas[al], e);
            }
        vt->buf_free(be, wb);
        vt->buf_free(be, w0b);
        vt->buf_free(be, gb);
        pb_batch_destroy(&m, &b);
    }
    vt->destroy(be);
    pb_registry_free(&reg);
    pb_csv_table_free(&golden);
    return pb_test_done("test_model_golden");
}
