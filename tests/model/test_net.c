/* pb_net_open (core/src/net/net.h) on the ref backend: the weights are the
 * host draw of pb_model_init_weights, w0 is kept when asked, every set with
 * points holds its inputs, labels and f0 = f(w0), a set of 0 points is left
 * empty; refused shapes and set counts come back as messages; pb_net_close
 * is safe twice.  Then pb_net_eval gives o = f - f0 = 0 at w0. */
#include "activation.h"
#include "net.h"
#include "pb_test.h"
#include "pb_test_backend.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

enum { D = 4, H = 6, LAYERS = 2, P = 9, T = 5, N = D * H + (LAYERS - 1) * H * H + H };

int main(void)
{
    pb_registry reg = {0};
    pb_backend *be = NULL;
    const pb_backend_vtable *vt = pb_test_open_backend(&reg, "ref", PB_F64, &be);
    if (!vt)
        return 1;
    double x[P * D], y[P];
    pb_rng_normal_fill(5, PB_STREAM_DATA_X, 0, x, P * D);
    for (size_t i = 0; i < P; i++)
        y[i] = i % 2 ? 1.0 : -1.0;
    char err[512];
    pb_net net;
    pb_net_spec spec = {.d = D, .h = H, .L = LAYERS, .act = pb_act_make(PB_ACT_SWISH, 10.0),
                        .seed = 7, .keep_w0 = 1, .n_sets = 3,
                        .sets = {{"training set", P, x, y},
                                 {"test set", T, x, y},
                                 {"kernel set", 0, NULL, NULL}}};
    int rc = pb_net_open(&net, vt, be, &spec, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc != 0)
        return pb_test_done("test_net");
    CHECK(net.m.n_params == N);
    double host[N], got[N], got0[N];
    pb_model_init_weights(&net.m, 7, host);
    CHECK(vt->buf_download(be, net.w, 0, got, N) == PB_OK);
    CHECK(vt->buf_download(be, net.w0, 0, got0, N) == PB_OK);
    CHECK(memcmp(host, got, sizeof got) == 0);
    CHECK(memcmp(host, got0, sizeof got0) == 0);
    CHECK(net.set[0].n == P && net.set[1].n == T);
    CHECK(net.set[2].n == 0 && net.set[2].x == NULL);

    /* f0 on each set is f(w0), and not all zero. */
    for (size_t s = 0; s < 2; s++) {
        pb_batch *b = &net.set[s];
        double f0[P], f[P], yy[P];
        CHECK(vt->buf_download(be, b->f0, 0, f0, b->n) == PB_OK);
        CHECK(pb_model_forward(&net.m, net.w, b) == PB_OK);
        CHECK(vt->buf_download(be, b->out, 0, f, b->n) == PB_OK);
        CHECK(vt->buf_download(be, b->y, 0, yy, b->n) == PB_OK);
        CHECK(memcmp(f0, f, b->n * sizeof *f) == 0);
        CHECK(memcmp(yy, y, b->n * sizeof *yy) == 0);
        int nonzero = 0;
        for (size_t i = 0; i < b->n; i++)
            nonzero |= f0[i] != 0.0;
        CHECK(nonzero);
    }

    /* The objective at w0: o = f - f0 = 0, every margin 0, a gradient. */
    pb_net_fit fit = {&net.m, &net.set[0], {PB_LOSS_SOFTHINGE, 1.0, 1.0, 20.0, 1.0 / P}};
    pb_flow_problem pr;
    pb_net_flow_problem(&fit, &pr);
    CHECK(pr.n_params == N && pr.n_out == P && pr.eval == pb_net_eval && pr.ctx == &fit);
    pb_buf *o = NULL, *g = NULL;
    CHECK(vt->buf_alloc(be, P, &o) == PB_OK && vt->buf_alloc(be, N, &g) == PB_OK);
    pb_loss_stats st;
    CHECK(pr.eval(pr.ctx, net.w, o, g, &st) == PB_OK);
    double oh[P], gg = 0.0;
    CHECK(vt->buf_download(be, o, 0, oh, P) == PB_OK);
    for (size_t i = 0; i < P; i++)
        CHECK(oh[i] == 0.0);
    CHECK(st.min_margin == 0.0 && st.max_margin == 0.0 && st.n_unsat == P);
    CHECK(vt->dot(be, N, g, 0, g, 0, &gg) == PB_OK && gg > 0);
    vt->buf_free(be, o);
    vt->buf_free(be, g);
    pb_net_close(&net);
    pb_net_close(&net);

    /* Refusals, each with a message and nothing held. */
    spec.L = 0;
    err[0] = '\0';
    CHECK(pb_net_open(&net, vt, be, &spec, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "L = 0") != NULL, "%s", err);
    CHECK(net.w == NULL && net.m.n_params == 0);
    spec.L = LAYERS;
    spec.n_sets = PB_NET_MAX_SETS + 1;
    err[0] = '\0';
    CHECK(pb_net_open(&net, vt, be, &spec, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "data sets") != NULL, "%s", err);
    pb_net_close(&net);

    vt->destroy(be);
    pb_registry_free(&reg);
    return pb_test_done("test_net");
}
