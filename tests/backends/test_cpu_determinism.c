/* Backends whose caps claim PB_DET_BITWISE must give the same bits for the
 * same inputs, run after run.  The workload is one forward/backward pass of
 * a small two-layer net (every op of the ABI), done twice on fresh
 * instances; all outputs and scalars are compared bit for bit.  Arguments:
 * the plugins to test; the blas backend is run with one thread (its
 * bitwise configuration). */
#include <math.h>
#include <string.h>

#include "backend_loader.h"
#include "pb_test.h"
#include "rng.h"

enum { P = 37, D = 23, H = 29 };

/* Everything one pass produces, in a fixed order. */
typedef struct pass_out {
    double z[P * H], a[P * H], o[P], g[P], dz[P * H], dw[H * D], w1[H * D];
    double prod[P];
    double scalars[10];
} pass_out;

static void one_pass(const pb_backend_vtable *vt, pb_dtype dtype, int threads,
                     pass_out *out)
{
    memset(out, 0, sizeof *out);
    pb_backend *be = create_backend(vt, dtype, threads);
    CHECK(be != NULL);
    if (!be)
        return;
    pb_caps caps = PB_CAPS_INIT;
    CHECK(vt->get_caps(be, &caps) == PB_OK);
    CHECK_MSG(caps.determinism == PB_DET_BITWISE,
              "%s with %d threads does not claim bitwise determinism",
              vt->name, threads);

    double x[P * D], w1[H * D], w2[H], y[P];
    pb_rng_normal_fill(5, 1000, 0, x, P * D);
    pb_rng_normal_fill(5, 1001, 0, w1, H * D);
    pb_rng_normal_fill(5, 1002, 0, w2, H);
    for (int i = 0; i < P; i++)
        y[i] = pb_rng_uniform(5, 1003, (uint64_t)i) < 0.5 ? -1 : 1;

    pb_buf *X, *W1, *W2, *Y, *Z, *A, *O, *G, *DA, *DZ, *DW;
    size_t sizes[] = {P * D, H * D, H, P, P * H, P * H, P, P, P * H, P * H,
                      H * D};
    pb_buf **bufs[] = {&X, &W1, &W2, &Y, &Z, &A, &O, &G, &DA, &DZ, &DW};
    for (int i = 0; i < 11; i++)
        CHECK(vt->buf_alloc(be, sizes[i], bufs[i]) == PB_OK);
    CHECK(vt->buf_upload(be, X, 0, x, P * D) == PB_OK);
    CHECK(vt->buf_upload(be, W1, 0, w1, H * D) == PB_OK);
    CHECK(vt->buf_upload(be, W2, 0, w2, H) == PB_OK);
    CHECK(vt->buf_upload(be, Y, 0, y, P) == PB_OK);

    pb_act act = {PB_ACT_SWISH, 5.0, 1.2};
    pb_loss loss = {PB_LOSS_SOFTHINGE, 3.0, 1.0, 20.0, 1.0 / P};
    pb_loss_stats st = PB_LOSS_STATS_INIT;
    /* forward */
    CHECK(vt->gemm(be, PB_NO_TRANS, PB_TRANS, P, H, D, 1 / sqrt(D), X, 0, D,
                   W1, 0, D, 0, Z, 0, H) == PB_OK);
    CHECK(vt->act_forward(be, &act, P * H, Z, 0, A, 0) == PB_OK);
    CHECK(vt->gemm(be, PB_NO_TRANS, PB_NO_TRANS, P, 1, H, 1.0 / H, A, 0, H,
                   W2, 0, 1, 0, O, 0, 1) == PB_OK);
    CHECK(vt->loss(be, &loss, P, O, 0, Y, 0, G, 0, &st) == PB_OK);
    /* backward */
    CHECK(vt->gemm(be, PB_NO_TRANS, PB_TRANS, P, H, 1, 1.0 / H, G, 0, 1, W2,
                   0, 1, 0, DA, 0, H) == PB_OK);
    CHECK(vt->act_backward(be, &act, P * H, Z, 0, DA, 0, DZ, 0) == PB_OK);
    CHECK(vt->gemm(be, PB_TRANS, PB_NO_TRANS, H, D, P, 1 / sqrt(D), DZ, 0, H,
                   X, 0, D, 0, DW, 0, D) == PB_OK);
    CHECK(vt->axpby(be, H * D, -0.1, DW, 0, 1.0, W1, 0) == PB_OK);
    CHECK(vt->mul(be, P, 2.0, O, 0, G, 0, 0.0, DA, 0) == PB_OK);
    /* reductions */
    CHECK(vt->sum(be, P * H, A, 0, &out->scalars[0]) == PB_OK);
    CHECK(vt->dot(be, H * D, DW, 0, DW, 0, &out->scalars[1]) == PB_OK);
    CHECK(vt->dist2(be, P * H, Z, 0, A, 0, &out->scalars[2]) == PB_OK);
    CHECK(vt->max_abs_diff(be, P * H, Z, 0, A, 0, &out->scalars[3]) == PB_OK);
    out->scalars[4] = st.loss;
    out->scalars[5] = st.min_margin;
    out->scalars[6] = st.max_margin;
    out->scalars[7] = (double)st.n_unsat;
    out->scalars[8] = (double)st.n_err;
    out->scalars[9] = (double)st.n_nan;

    CHECK(vt->buf_download(be, Z, 0, out->z, P * H) == PB_OK);
    CHECK(vt->buf_download(be, A, 0, out->a, P * H) == PB_OK);
    CHECK(vt->buf_download(be, O, 0, out->o, P) == PB_OK);
    CHECK(vt->buf_download(be, G, 0, out->g, P) == PB_OK);
    CHECK(vt->buf_download(be, DZ, 0, out->dz, P * H) == PB_OK);
    CHECK(vt->buf_download(be, DW, 0, out->dw, H * D) == PB_OK);
    CHECK(vt->buf_download(be, W1, 0, out->w1, H * D) == PB_OK);
    CHECK(vt->buf_download(be, DA, 0, out->prod, P) == PB_OK);
    for (int i = 0; i < 11; i++)
        vt->buf_free(be, *bufs[i]);
    vt->destroy(be);
}

/* Rejects a degenerate pass (all zero or NaN), which would compare equal
 * for the wrong reason. */
static int plausible(const pass_out *p)
{
    double s = 0;
    for (int i = 0; i < H * D; i++)
        s += fabs(p->dw[i]);
    return isfinite(s) && s > 0 && isfinite(p->scalars[4]) &&
           p->scalars[4] > 0;
}

static void check_plugin(const pb_backend_vtable *vt, int threads)
{
    static pass_out first, second;
    for (int d = 0; d < 2; d++) {
        pb_dtype dtype = d ? PB_F32 : PB_F64;
        one_pass(vt, dtype, threads, &first);
        one_pass(vt, dtype, threads, &second);
        CHECK_MSG(plausible(&first), "%s: degenerate pass", vt->name);
        CHECK_MSG(memcmp(&first, &second, sizeof first) == 0,
                  "%s %s: two runs differ", vt->name, d ? "f32" : "f64");
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        loaded_backend lb;
        int rc = load_backend(argv[i], &lb);
        if (rc == PB_TEST_SKIP)
            return PB_TEST_SKIP;
        CHECK_MSG(rc == 0, "cannot load %s", argv[i]);
        if (rc == 0)
            check_plugin(lb.vt, 1);
    }
    CHECK(argc > 1);
    return pb_test_done("test_cpu_determinism");
}
