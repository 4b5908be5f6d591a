/* The traced GEMM lists (core/src/net/gemm_trace.h), which the step
 * benchmark's roofline times, against the GEMMs the net really issues on the
 * ref backend, counted by a wrapper around the backend's gemm entry: for two
 * net shapes, one tentative flow step (pb_flow_step on pb_net_eval, as
 * pb_flow_run makes it) and one NTK Gram (pb_model_ntk) must issue exactly
 * the traced calls, in order, with the same shapes, transposes, leading
 * dimensions and scalars; the benchmark's lists (pb_bench_step_gemms,
 * pb_bench_ntk_gemms) must be those same lists. */
#include "activation.h"
#include "bench.h"
#include "gemm_trace.h"
#include "net.h"
#include "pb_test.h"
#include "pb_test_backend.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

/* The wrapper: every gemm call is appended to `seen`, then forwarded. */
static pb_backend_vtable rec_vt;
static const pb_backend_vtable *real_vt;
static pb_gemm_list seen;

static pb_status rec_gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m, size_t n, size_t k,
                          double alpha, const pb_buf *a, size_t aoff, size_t lda,
                          const pb_buf *b, size_t boff, size_t ldb, double beta, pb_buf *c,
                          size_t coff, size_t ldc)
{
    pb_gemm_call g = {ta, tb, m, n, k, alpha, lda, ldb, ldc, beta};
    CHECK(pb_gemm_list_add(&seen, &g) == 0);
    return real_vt->gemm(be, ta, tb, m, n, k, alpha, a, aoff, lda, b, boff, ldb, beta, c, coff,
                         ldc);
}

static int same_call(const pb_gemm_call *x, const pb_gemm_call *y)
{
    return x->ta == y->ta && x->tb == y->tb && x->m == y->m && x->n == y->n && x->k == y->k &&
           x->alpha == y->alpha && x->lda == y->lda && x->ldb == y->ldb && x->ldc == y->ldc &&
           x->beta == y->beta;
}

static void check_same(const char *what, const pb_gemm_list *traced, const pb_gemm_list *real)
{
    CHECK_MSG(traced->n == real->n, "%s: %zu traced GEMMs, %zu issued", what, traced->n,
              real->n);
    for (size_t i = 0; i < traced->n && i < real->n; i++) {
        const pb_gemm_call *t = &traced->call[i], *r = &real->call[i];
        CHECK_MSG(same_call(t, r),
                  "%s: call %zu traced %c%c %zux%zux%zu alpha %g ld %zu/%zu/%zu, issued "
                  "%c%c %zux%zux%zu alpha %g ld %zu/%zu/%zu",
                  what, i, t->ta ? 'T' : 'N', t->tb ? 'T' : 'N', t->m, t->n, t->k, t->alpha,
                  t->lda, t->ldb, t->ldc, r->ta ? 'T' : 'N', r->tb ? 'T' : 'N', r->m, r->n,
                  r->k, r->alpha, r->lda, r->ldb, r->ldc);
    }
}

/* One shape: a net on the wrapped ref backend, its step and its Gram. */
static void check_shape(pb_backend *be, size_t d, size_t h, size_t L, size_t P, size_t n_ntk)
{
    char err[512], what[96];
    double *x = malloc(P * d * sizeof *x), *y = malloc(P * sizeof *y);
    CHECK(x && y);
    if (!x || !y)
        return;
    pb_rng_normal_fill(3, PB_STREAM_DATA_X, 0, x, P * d);
    for (size_t i = 0; i < P; i++)
        y[i] = x[i * d] > 0 ? 1.0 : -1.0;
    pb_net net;
    pb_net_spec spec = {.d = d, .h = h, .L = L, .act = pb_act_make(PB_ACT_SWISH, 10.0), .seed = 3,
                        .n_sets = 2,
                        .sets = {{"training set", P, x, y}, {"kernel set", n_ntk, x, y}}};
    int rc = pb_net_open(&net, &rec_vt, be, &spec, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc != 0) {
        free(x);
        free(y);
        return;
    }
    /* The setup issued GEMMs (f0 = f(w0) on both sets): not part of a step. */
    CHECK(seen.n > 0);

    pb_net_fit fit = {&net.m, &net.set[0], {PB_LOSS_SOFTHINGE, 1.0, 1.0, 20.0, 1.0 / (double)P}};
    pb_flow_problem pr;
    pb_net_flow_problem(&fit, &pr);
    pb_flow_params fp;
    pb_flow_params_default(&fp);
    pb_flow_bufs fb;
    pb_loss_stats stats;
    pb_flow_trial trial;
    double gg = 0.0;
    CHECK(pb_flow_bufs_alloc(&pr, 0, &fb) == PB_OK);
    CHECK(pb_flow_start(&pr, &fb, net.w, &stats, &gg) == PB_OK);
    CHECK(gg > 0);
    seen.n = 0;
    CHECK(pb_flow_step(&pr, &fp, &fb, fp.dt0, gg, &trial) == PB_OK);
    CHECK(trial.gg1 > 0 && trial.dmax > 0); /* the wrapped backend computed */

    pb_gemm_list traced;
    snprintf(what, sizeof what, "step d=%zu h=%zu L=%zu P=%zu", d, h, L, P);
    CHECK_MSG(pb_gemm_trace_step(d, h, L, P, &traced, err, sizeof err) == 0, "%s", err);
    check_same(what, &traced, &seen);
    pb_gemm_list_free(&traced);
    pb_bench_size bs = {P, d, h, L};
    CHECK_MSG(pb_bench_step_gemms(&bs, &traced, err, sizeof err) == 0, "%s", err);
    check_same(what, &traced, &seen);
    pb_gemm_list_free(&traced);

    pb_buf *theta = NULL;
    CHECK(real_vt->buf_alloc(be, n_ntk * n_ntk, &theta) == PB_OK);
    seen.n = 0;
    CHECK(pb_model_ntk(&net.m, net.w, &net.set[1], theta) == PB_OK);
    snprintf(what, sizeof what, "NTK d=%zu h=%zu L=%zu n=%zu", d, h, L, n_ntk);
    CHECK_MSG(pb_gemm_trace_ntk(d, h, L, n_ntk, &traced, err, sizeof err) == 0, "%s", err);
    check_same(what, &traced, &seen);
    pb_gemm_list_free(&traced);
    CHECK_MSG(pb_bench_ntk_gemms(&bs, n_ntk, &traced, err, sizeof err) == 0, "%s", err);
    check_same(what, &traced, &seen);
    pb_gemm_list_free(&traced);

    real_vt->buf_free(be, theta);
    pb_flow_bufs_free(&pr, &fb);
    pb_net_close(&net);
    seen.n = 0;
    free(x);
    free(y);
}

int main(void)
{
    pb_registry reg = {0};
    pb_backend *be = NULL;
    real_vt = pb_test_open_backend(&reg, "ref", PB_F64, &be);
    if (!real_vt)
        return 1;
    size_t vt_len = real_vt->struct_size < sizeof rec_vt ? real_vt->struct_size : sizeof rec_vt;
    memcpy(&rec_vt, real_vt, vt_len);
    rec_vt.gemm = rec_gemm;

    check_shape(be, 5, 8, 1, 12, 7);    /* one hidden layer: no hidden-to-hidden product */
    check_shape(be, 7, 6, 3, 20, 20);   /* three, d > h, the Gram on the whole set */

    /* A shape the trace refuses, with a message. */
    pb_gemm_list l;
    char err[256] = "";
    CHECK(pb_gemm_trace_step(5, 8, 0, 12, &l, err, sizeof err) == -1);
    CHECK(err[0] != '\0');

    pb_gemm_list_free(&seen);
    real_vt->destroy(be);
    pb_registry_free(&reg);
    return pb_test_done("test_gemm_trace");
}
