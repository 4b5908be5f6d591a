#include "kernel_machine.h"

#include "activation.h"
#include "net.h"
#include "sysutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct km_ctx {
    const pb_backend_vtable *vt;
    pb_backend *be;
    size_t P;
    pb_buf *k_train;   /* P x P */
    pb_buf *y;
    pb_loss loss;
} km_ctx;

/* o = K a;  g = dLoss/do (the functional gradient: da/dt = -g). */
static pb_status km_eval(void *vctx, const pb_buf *a, pb_buf *o, pb_buf *g, pb_loss_stats *st)
{
    km_ctx *k = vctx;
    // o (P x 1) = K(train, train) (P x P) @ a (P x 1)
    pb_status s = k->vt->gemm(k->be, PB_NO_TRANS, PB_NO_TRANS, k->P, 1, k->P, 1.0, k->k_train, 0,
                              k->P, a, 0, 1, 0.0, o, 0, 1);
    st->struct_size = sizeof *st; /* the ABI's struct_size rule: the caller's size */
    if (s == PB_OK)
        s = k->vt->loss(k->be, &k->loss, k->P, o, 0, k->y, 0, g, 0, st);
    return s;
}

#define FAIL(...)                                                            \
    do {                                                                     \
        snprintf(r->error, sizeof r->error, __VA_ARGS__);                    \
        goto out;                                                            \
    } while (0)
#define DEV(call, what)                                                      \
    do {                                                                     \
        if ((call) != PB_OK)                                                 \
            FAIL("%s: %s", what, pb_model_error(&net.m));                    \
    } while (0)

int pb_kernel_machine_run(const pb_train_config *c, const pb_split *split,
                          const pb_backend_vtable *vt, pb_backend *be, pb_km_run *r)
{
    double t0 = pb_now_s();
    size_t P = split->train.n, T = split->test.n;
    pb_net net;
    pb_buf *a = NULL, *k_test = NULL, *out = NULL;
    double *host = NULL;
    km_ctx k = {vt, be, P, NULL, NULL, {c->loss, c->alpha, c->loss_margin, c->loss_beta, 1.0 / (double)P}};
    memset(r, 0, sizeof *r);
    memset(&net, 0, sizeof net);
    r->stop = PB_STOP_ERROR;
    char err[256];
    pb_net_spec spec = {.d = split->train.d, .h = c->h, .L = c->L,
                        .act = pb_act_make(c->act, c->act_beta), .seed = c->seed_init,
                        .n_sets = 2,
                        .sets = {{"training set", P, split->train.x, split->train.y},
                                 {"test set", T, split->test.x, split->test.y}}};
    if (pb_net_open(&net, vt, be, &spec, err, sizeof err) != 0)
        FAIL("%s", err);
    if (P == 0 || T == 0)
        FAIL("the kernel machine needs a training and a test set (ptr = %zu, pte = %zu)", P, T);
    host = malloc(T * sizeof *host);
    if (!host)
        FAIL("out of host memory");
    pb_batch *tr = &net.set[0], *te = &net.set[1];
    DEV(vt->buf_alloc(be, P * P, &k.k_train), "allocating K(train, train)");
    DEV(vt->buf_alloc(be, T * P, &k_test), "allocating K(test, train)");
    DEV(pb_model_ntk_cross(&net.m, net.w, tr, tr, k.k_train), "NTK on the training set");
    DEV(pb_model_ntk_cross(&net.m, net.w, te, tr, k_test), "NTK between test and training sets");
    k.y = tr->y;

    DEV(vt->buf_alloc(be, P, &a), "allocating the coefficients");
    DEV(vt->fill(be, a, 0, P, 0.0), "clearing the coefficients");
    pb_flow_params fp;
    pb_flow_params_default(&fp);
    fp.alpha = c->alpha;
    fp.stop_margin = c->loss_margin;
    fp.margin_tol = c->margin_tol;
    fp.max_steps = c->max_steps;
    fp.max_time = c->max_time;
    fp.max_wall = c->max_wall;
    pb_flow_problem pr = {vt, be, P, P, km_eval, &k, NULL, NULL};
    char ferr[512];
    r->stop = pb_flow_run(&pr, &fp, a, &r->flow, ferr, sizeof ferr);
    if (r->stop == PB_STOP_ERROR)
        FAIL("%s", ferr);
    r->train_nd = r->flow.stats.n_unsat;
    r->train_err = (double)r->flow.stats.n_err / (double)P;

    DEV(vt->buf_alloc(be, T, &out), "allocating the test outputs");
    // out (T x 1) = K(test, train) (T x P) @ a (P x 1)
    DEV(vt->gemm(be, PB_NO_TRANS, PB_NO_TRANS, T, 1, P, 1.0, k_test, 0, P, a, 0, 1, 0.0, out, 0, 1),
        "test outputs");
    DEV(vt->buf_download(be, out, 0, host, T), "downloading the test outputs");
    r->test_out = malloc(T * sizeof *r->test_out);
    if (!r->test_out)
        FAIL("out of host memory");
    size_t wrong = 0;
    for (size_t i = 0; i < T; i++) {
        r->test_out[i] = c->alpha * host[i];
        wrong += r->test_out[i] * split->test.y[i] <= 0;
    }
    r->test_err = (double)wrong / (double)T;
    r->ok = 1;
out:
    r->wall_s = pb_now_s() - t0;
    pb_buf *bufs[] = {a, k_test, out, k.k_train};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
        if (bufs[i])
            vt->buf_free(be, bufs[i]);
    pb_net_close(&net);
    free(host);
    return r->ok ? 0 : -1;
}

void pb_km_run_free(pb_km_run *r)
{
    free(r->test_out);
    r->test_out = NULL;
}
