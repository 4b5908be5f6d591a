/* Every op of the Vulkan backend, in f64 (where the device has it) and f32,
 * against straightforward double-precision C written here.  Inputs are
 * rounded to the instance's dtype before the reference sees them, so only
 * the device's arithmetic is measured.
 *
 *   test_vulkan_ops               ops, determinism, batching, error paths
 *   test_vulkan_ops --validation  the same, and asserts that the Khronos
 *                                 validation layer (PB_VULKAN_VALIDATE=1)
 *                                 reported nothing
 *
 * Exit 77 (skip) when probe() says Vulkan is unavailable here. */
#include "vk_test_util.h"

typedef struct ctx {
    const pb_backend_vtable *vt;
    pb_backend *be;
    pb_dtype dtype;
    const char *dname;
    double tol; /* relative tolerance of the dtype */
} ctx;

#define OK(T, call)                                                          \
    do {                                                                     \
        pb_status st_ = (call);                                              \
        CHECK_MSG(st_ == PB_OK, "%s [%s] -> %d: %s", #call, (T)->dname,      \
                  (int)st_, (T)->vt->last_error((T)->be));                   \
    } while (0)

/* The value the device stores for v. */
static double stored(const ctx *T, double v)
{
    return T->dtype == PB_F32 ? (double)(float)v : v;
}

static double *random_array(const ctx *T, size_t n, double lo, double hi)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; ++i)
        v[i] = stored(T, lo + (hi - lo) * 0.5 * (vk_uniform() + 1.0));
    return v;
}

static double *filled(size_t n, double value)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; ++i)
        v[i] = value;
    return v;
}

static pb_buf *upload(const ctx *T, const double *host, size_t n)
{
    pb_buf *b = NULL;
    OK(T, T->vt->buf_alloc(T->be, n, &b));
    if (b && n)
        OK(T, T->vt->buf_upload(T->be, b, 0, host, n));
    return b;
}

static double *download(const ctx *T, const pb_buf *b, size_t n)
{
    double *v = filled(n, -12345.0);
    OK(T, T->vt->buf_download(T->be, b, 0, v, n));
    return v;
}

/* ---- buffers, fill, copy ---- */

static void test_transfer_fill_copy(const ctx *T)
{
    const size_t n = 1000;
    double *h = random_array(T, n, -3, 3);
    pb_buf *a = upload(T, h, n);
    double *back = download(T, a, n);
    vk_check_array("upload/download round trip", back, h, NULL, n, 0.0);

    /* Partial download at an offset. */
    double part[10];
    OK(T, T->vt->buf_download(T->be, a, 123, part, 10));
    vk_check_array("download at offset", part, h + 123, NULL, 10, 0.0);

    /* fill a middle slice; copy a slice to another buffer at an offset. */
    double *want = malloc(n * sizeof *want);
    memcpy(want, h, n * sizeof *want);
    OK(T, T->vt->fill(T->be, a, 100, 333, 0.25));
    for (size_t i = 100; i < 433; ++i)
        want[i] = 0.25;
    free(back);
    back = download(T, a, n);
    vk_check_array("fill", back, want, NULL, n, 0.0);

    double *h2 = filled(n, 7.0);
    pb_buf *b = upload(T, h2, n);
    OK(T, T->vt->copy(T->be, b, 17, a, 90, 517));
    for (size_t i = 0; i < 517; ++i)
        h2[17 + i] = want[90 + i];
    free(back);
    back = download(T, b, n);
    vk_check_array("copy", back, h2, NULL, n, 0.0);

    /* Non-overlapping copy inside one buffer. */
    OK(T, T->vt->copy(T->be, b, 600, b, 0, 300));
    for (size_t i = 0; i < 300; ++i)
        h2[600 + i] = h2[i];
    free(back);
    back = download(T, b, n);
    vk_check_array("copy within a buffer", back, h2, NULL, n, 0.0);

    T->vt->buf_free(T->be, a);
    T->vt->buf_free(T->be, b);
    free(h);
    free(h2);
    free(want);
    free(back);
}

/* ---- GEMM ---- */

static void ref_gemm(int ta, int tb, size_t m, size_t n, size_t k,
                     double alpha, const double *a, size_t aoff, size_t lda,
                     const double *b, size_t boff, size_t ldb, double beta,
                     double *c, size_t coff, size_t ldc, double *mag)
{
    for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < n; ++j) {
            double s = 0.0, sa = 0.0;
            for (size_t p = 0; p < k; ++p) {
                double av = ta ? a[aoff + p * lda + i] : a[aoff + i * lda + p];
                double bv = tb ? b[boff + j * ldb + p] : b[boff + p * ldb + j];
                s += av * bv;
                sa += fabs(av * bv);
            }
            size_t ci = coff + i * ldc + j;
            double v = alpha * s;
            double vm = fabs(alpha) * sa;
            if (beta != 0.0) {
                v += beta * c[ci];
                vm += fabs(beta * c[ci]);
            }
            c[ci] = v;
            mag[ci] = vm;
        }
}

static void gemm_case(const ctx *T, int ta, int tb, size_t m, size_t n,
                      size_t k, double alpha, double beta)
{
    const size_t aoff = 3, boff = 5, coff = 7;
    size_t arows = ta ? k : m, acols = ta ? m : k;
    size_t brows = tb ? n : k, bcols = tb ? k : n;
    size_t lda = acols + 2, ldb = bcols + 1, ldc = n + 3;
    size_t na = aoff + arows * lda + 4, nb = boff + brows * ldb + 2;
    size_t nc = coff + m * ldc + 5;
    double *ha = random_array(T, na, -1, 1);
    double *hb = random_array(T, nb, -1, 1);
    /* beta == 0: C starts as NaN, which must not leak into the result. */
    double *hc = beta == 0.0 ? filled(nc, NAN) : random_array(T, nc, -1, 1);
    double *want = malloc(nc * sizeof *want);
    double *mag = calloc(nc, sizeof *mag);
    memcpy(want, hc, nc * sizeof *want);
    ref_gemm(ta, tb, m, n, k, alpha, ha, aoff, lda, hb, boff, ldb, beta, want,
             coff, ldc, mag);

    pb_buf *a = upload(T, ha, na), *b = upload(T, hb, nb), *c = upload(T, hc, nc);
    OK(T, T->vt->gemm(T->be, ta ? PB_TRANS : PB_NO_TRANS,
                      tb ? PB_TRANS : PB_NO_TRANS, m, n, k, alpha, a, aoff, lda,
                      b, boff, ldb, beta, c, coff, ldc));
    double *got = download(T, c, nc);
    char what[128];
    snprintf(what, sizeof what, "gemm %s%s m=%zu n=%zu k=%zu beta=%g",
             ta ? "T" : "N", tb ? "T" : "N", m, n, k, beta);
    /* Elements outside the C view keep their old value (NaN included). */
    vk_check_array(what, got, want, mag, nc, T->tol);

    T->vt->buf_free(T->be, a);
    T->vt->buf_free(T->be, b);
    T->vt->buf_free(T->be, c);
    free(ha);
    free(hb);
    free(hc);
    free(want);
    free(mag);
    free(got);
}

/* alpha == 0 (or k == 0) gives beta C without reading A or B, as the
 * reference backend does: NaN there must not leak. */
static void test_gemm_alpha_zero(const ctx *T)
{
    const size_t m = 19, n = 23, k = 7;
    double *hab = filled(m * k + k * n, NAN);
    double *hc = random_array(T, m * n, -1, 1);
    double *want = malloc(m * n * sizeof *want);
    pb_buf *ab = upload(T, hab, m * k + k * n), *c = upload(T, hc, m * n);
    OK(T, T->vt->gemm(T->be, PB_NO_TRANS, PB_TRANS, m, n, k, 0.0, ab, 0, k, ab,
                      m * k, k, stored(T, 0.5), c, 0, n));
    for (size_t i = 0; i < m * n; ++i)
        want[i] = stored(T, 0.5) * hc[i];
    double *got = download(T, c, m * n);
    vk_check_array("gemm alpha=0 over NaN A, B", got, want, NULL, m * n,
                   T->tol);
    free(got);
    OK(T, T->vt->fill(T->be, c, 0, m * n, NAN));
    OK(T, T->vt->gemm(T->be, PB_NO_TRANS, PB_TRANS, m, n, k, 0.0, ab, 0, k, ab,
                      m * k, k, 0.0, c, 0, n));
    for (size_t i = 0; i < m * n; ++i)
        want[i] = 0.0;
    got = download(T, c, m * n);
    vk_check_array("gemm alpha=0 beta=0 over NaN C", got, want, NULL, m * n,
                   0.0);
    T->vt->buf_free(T->be, ab);
    T->vt->buf_free(T->be, c);
    free(hab);
    free(hc);
    free(want);
    free(got);
}

static void test_gemm(const ctx *T)
{
    test_gemm_alpha_zero(T);
    /* All but the last take the small-shape kernel by default; 150 x 140
     * x 120 (2.5M multiply-adds, tiles half full) takes the tiled one. */
    static const size_t shapes[][3] = {
        {33, 17, 45}, {1, 1, 1}, {64, 64, 16}, {70, 130, 37}, {5, 3, 0},
        {129, 2, 3}, {150, 140, 120},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s)
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb) {
                gemm_case(T, ta, tb, shapes[s][0], shapes[s][1], shapes[s][2],
                          1.3, 0.0);
                gemm_case(T, ta, tb, shapes[s][0], shapes[s][1], shapes[s][2],
                          -0.7, 0.45);
            }
}

/* The two GEMM kernels, the 64 x 64 tiled one and the one-invocation-per-
 * element one that small and skinny shapes take, must give the same bits:
 * which one runs depends on the shape, and results must not.  One instance
 * is forced to each (PB_VULKAN_GEMM); the inputs mix random values with
 * exact zeros of both signs, small integers (exact cancellations) and an
 * infinity. */
static double mixed_value(const ctx *T, size_t i)
{
    if (i % 97 == 13)
        return INFINITY;
    if (i % 7 == 0)
        return i % 2 ? -0.0 : 0.0;
    if (i % 5 == 0)
        return (double)((int)(i % 9) - 4);
    return stored(T, vk_uniform());
}

static void test_gemm_kernels(const pb_backend_vtable *vt, pb_dtype dtype)
{
    ctx K[2] = {{vt, NULL, dtype, "tiled", 0.0}, {vt, NULL, dtype, "small", 0.0}};
    pb_backend_options opts = {sizeof opts, dtype, 0, NULL};
    char err[1024] = "";
    for (int i = 0; i < 2; ++i) {
        setenv("PB_VULKAN_GEMM", K[i].dname, 1);
        pb_status st = vt->create(&opts, &K[i].be, err, sizeof err);
        CHECK_MSG(st == PB_OK, "create (PB_VULKAN_GEMM=%s): %s", K[i].dname, err);
    }
    unsetenv("PB_VULKAN_GEMM");
    if (!K[0].be || !K[1].be) {
        vt->destroy(K[0].be);
        vt->destroy(K[1].be);
        return;
    }
    static const size_t shapes[][3] = {
        {33, 17, 45}, {1, 1, 1}, {64, 64, 16}, {70, 130, 37}, {5, 3, 0},
        {129, 2, 3}, {200, 1, 12}, {1, 12, 200}, {12, 10, 200},
        {200, 12, 10}, {65, 65, 17}, {3, 70, 33}, {16, 16, 32},
    };
    size_t bad = 0, cases = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s)
        for (int t = 0; t < 8; ++t) {
            int ta = t & 1, tb = (t >> 1) & 1;
            double alpha = 0.75, beta = (t >> 2) ? -0.5 : 0.0;
            size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            size_t lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n;
            size_t na = (ta ? k : m) * lda + 1, nb = (tb ? n : k) * ldb + 1;
            size_t nc = m * n;
            double *h = malloc((na + nb + nc) * sizeof *h);
            for (size_t i = 0; i < na + nb + nc; ++i)
                h[i] = mixed_value(&K[0], i);
            double *got[2];
            for (int i = 0; i < 2; ++i) {
                pb_buf *a = upload(&K[i], h, na), *b = upload(&K[i], h + na, nb);
                pb_buf *c = upload(&K[i], h + na + nb, nc);
                OK(&K[i], vt->gemm(K[i].be, ta ? PB_TRANS : PB_NO_TRANS,
                                   tb ? PB_TRANS : PB_NO_TRANS, m, n, k, alpha,
                                   a, 0, lda, b, 0, ldb, beta, c, 0, ldc));
                got[i] = download(&K[i], c, nc);
                vt->buf_free(K[i].be, a);
                vt->buf_free(K[i].be, b);
                vt->buf_free(K[i].be, c);
            }
            ++cases;
            if (memcmp(got[0], got[1], nc * sizeof(double)) != 0) {
                if (!bad)
                    fprintf(stderr, "gemm kernels differ: %s%s m=%zu n=%zu "
                            "k=%zu beta=%g\n", ta ? "T" : "N", tb ? "T" : "N",
                            m, n, k, beta);
                ++bad;
            }
            free(got[0]);
            free(got[1]);
            free(h);
        }
    CHECK_MSG(bad == 0, "[%s] tiled and small-shape GEMM kernels differ in "
              "%zu of %zu cases", dtype == PB_F64 ? "f64" : "f32", bad, cases);
    vt->destroy(K[0].be);
    vt->destroy(K[1].be);
}

/* ---- axpby, mul ---- */

static void test_axpby_mul(const ctx *T)
{
    const size_t n = 777, off = 11;
    const size_t len = n + 2 * off;
    double *hx = random_array(T, len, -2, 2);
    double *hy = random_array(T, len, -2, 2);
    double *hz = random_array(T, len, -2, 2);
    double *want = malloc(len * sizeof *want);
    pb_buf *x = upload(T, hx, len), *y = upload(T, hy, len);

    /* y = a x + b y */
    const double a = stored(T, 1.75), b = stored(T, -0.5);
    OK(T, T->vt->axpby(T->be, n, a, x, off, b, y, 2 * off));
    memcpy(want, hy, len * sizeof *want);
    for (size_t i = 0; i < n; ++i)
        want[2 * off + i] = a * hx[off + i] + b * hy[2 * off + i];
    double *got = download(T, y, len);
    vk_check_array("axpby", got, want, NULL, len, T->tol);
    free(got);

    /* b == 0 must not read y: NaN there must vanish. */
    double *nan_y = filled(len, NAN);
    pb_buf *yn = upload(T, nan_y, len);
    OK(T, T->vt->axpby(T->be, n, a, x, 0, 0.0, yn, 0));
    for (size_t i = 0; i < len; ++i)
        want[i] = i < n ? a * hx[i] : NAN;
    got = download(T, yn, len);
    vk_check_array("axpby b=0 over NaN", got, want, NULL, len, T->tol);
    free(got);

    /* out = b out + a x .* y */
    pb_buf *z = upload(T, hz, len);
    OK(T, T->vt->mul(T->be, n, a, x, 0, y, off, b, z, 2 * off));
    double *hy_now = download(T, y, len);
    memcpy(want, hz, len * sizeof *want);
    for (size_t i = 0; i < n; ++i)
        want[2 * off + i] = b * hz[2 * off + i] + a * (hx[i] * hy_now[off + i]);
    got = download(T, z, len);
    vk_check_array("mul", got, want, NULL, len, T->tol);
    free(got);

    /* mul with b == 0 over the NaN tail left in yn */
    OK(T, T->vt->mul(T->be, n, a, x, off, x, off, 0.0, yn, off));
    for (size_t i = 0; i < len; ++i)
        want[i] = i < off       ? a * hx[i]
                  : i < off + n ? a * (hx[i] * hx[i])
                                : NAN;
    got = download(T, yn, len);
    vk_check_array("mul b=0 over NaN", got, want, NULL, len, T->tol);
    free(got);

    T->vt->buf_free(T->be, x);
    T->vt->buf_free(T->be, y);
    T->vt->buf_free(T->be, z);
    T->vt->buf_free(T->be, yn);
    free(hx);
    free(hy);
    free(hz);
    free(nan_y);
    free(hy_now);
    free(want);
}

/* ---- activations ---- */

/* The activation and loss references follow the ABI's reference backend
 * (backends/common/cpu_kernels_body.h) in form, special cases included:
 * max(x, 0) / beta is t, NaN stays NaN, and the infinite limits of swish
 * are taken directly. */
static double ref_sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

static double ref_pos_over_beta(double x, double t)
{
    return x > 0 ? t : isnan(x) ? x : 0.0;
}

static double ref_step(double x)
{
    return x > 0 ? 1.0 : isnan(x) ? x : 0.0;
}

/* g(beta t) / beta */
static double ref_g_over_beta(pb_act_kind kind, double beta, double t)
{
    double x = beta * t;
    switch (kind) {
    case PB_ACT_SWISH: return isinf(x) && x < 0 ? 0.0 : t * ref_sigmoid(x);
    case PB_ACT_RELU: return ref_pos_over_beta(x, t);
    case PB_ACT_TANH: return tanh(x) / beta;
    default:
        return ref_pos_over_beta(x, t) + log1p(exp(-fabs(x))) / beta;
    }
}

/* g'(beta t) */
static double ref_dg(pb_act_kind kind, double beta, double t)
{
    double x = beta * t;
    switch (kind) {
    case PB_ACT_SWISH:
        if (isinf(x))
            return x > 0 ? 1.0 : 0.0;
        return ref_sigmoid(x) * (1.0 + x * ref_sigmoid(-x));
    case PB_ACT_RELU: return ref_step(x);
    case PB_ACT_TANH: {
        double h = tanh(x);
        return 1.0 - h * h;
    }
    default: return ref_sigmoid(x);
    }
}

static void test_activations(const ctx *T)
{
    /* Random points plus the edges of the math: tiny, large, overflowing. */
    static const double edges[] = {
        0.0,   1e-300, -1e-300, 1e-12,  -1e-12, 1e-5,     -1e-5,
        0.3,   -0.3,   0.693,   -0.693, 5.0,    -5.0,     17.0,
        -17.0, 30.0,   -30.0,   44.0,   -44.0,  700.0,    -700.0,
        800.0, -800.0, 1e30,    -1e30,  NAN,    INFINITY, -INFINITY};
    const size_t n_edges = sizeof edges / sizeof edges[0];
    const size_t n = 1500 + n_edges, off = 9;
    double *hz = malloc((n + off) * sizeof *hz);
    for (size_t i = 0; i < n + off; ++i)
        hz[i] = stored(T, i < off + n_edges && i >= off ? edges[i - off]
                                                        : 8.0 * vk_uniform());
    double *hd = random_array(T, n + off, -1, 1);
    pb_buf *z = upload(T, hz, n + off), *d = upload(T, hd, n + off);
    pb_buf *out = NULL;
    OK(T, T->vt->buf_alloc(T->be, n + 2 * off, &out));
    double *want = malloc((n + 2 * off) * sizeof *want);
    double *scale = malloc((n + 2 * off) * sizeof *scale);

    static const pb_act_kind kinds[] = {PB_ACT_SWISH, PB_ACT_RELU, PB_ACT_TANH,
                                        PB_ACT_SOFTPLUS};
    static const char *names[] = {"swish", "relu", "tanh", "softplus"};
    static const double betas[] = {1.0, 2.5};
    for (int ki = 0; ki < 4; ++ki)
        for (int bi = 0; bi < 2; ++bi) {
            pb_act act = {kinds[ki], betas[bi], stored(T, 1.6765)};
            double beta = stored(T, act.beta), c = act.c;
            char what[96];

            OK(T, T->vt->act_forward(T->be, &act, n, z, off, out, 2 * off));
            double *got = download(T, out, n + 2 * off);
            for (size_t i = 0; i < n; ++i) {
                want[i] = c * ref_g_over_beta(act.kind, beta, hz[off + i]);
                scale[i] = fabs(want[i]);
            }
            snprintf(what, sizeof what, "act_forward %s beta=%g", names[ki],
                     act.beta);
            /* f32 evaluates beta*z in float: allow for its rounding. */
            if (T->dtype == PB_F32)
                for (size_t i = 0; i < n; ++i)
                    if (isfinite(hz[off + i]))
                        scale[i] += fabs(c * hz[off + i]);
            vk_check_array(what, got + 2 * off, want, scale, n, T->tol);
            /* f64: relative accuracy also for tiny values. */
            if (T->dtype == PB_F64) {
                size_t bad = 0;
                for (size_t i = 0; i < n; ++i)
                    if (fabs(got[2 * off + i] - want[i]) >
                        1e-12 * fabs(want[i]) + 1e-300)
                        ++bad;
                CHECK_MSG(bad == 0, "%s: %zu values not within 1e-12 "
                          "relative", what, bad);
            }
            free(got);

            OK(T, T->vt->act_backward(T->be, &act, n, z, off, d, off, out,
                                      2 * off));
            got = download(T, out, n + 2 * off);
            for (size_t i = 0; i < n; ++i) {
                want[i] = hd[off + i] * (c * ref_dg(act.kind, beta, hz[off + i]));
                double bz = isfinite(hz[off + i]) ? fabs(beta * hz[off + i]) : 0;
                scale[i] = fabs(hd[off + i] * c) *
                           (1.0 + (T->dtype == PB_F32 ? bz : 0));
            }
            snprintf(what, sizeof what, "act_backward %s beta=%g", names[ki],
                     act.beta);
            vk_check_array(what, got + 2 * off, want, scale, n, T->tol);
            free(got);
        }

    /* dz may be dout itself. */
    pb_act act = {PB_ACT_SWISH, 1.0, 1.0};
    OK(T, T->vt->act_backward(T->be, &act, n, z, off, d, off, d, off));
    double *got = download(T, d, n + off);
    for (size_t i = 0; i < n; ++i)
        want[i] = hd[off + i] * ref_dg(PB_ACT_SWISH, 1.0, hz[off + i]);
    vk_check_array("act_backward in place", got + off, want, NULL, n, T->tol);
    free(got);

    T->vt->buf_free(T->be, z);
    T->vt->buf_free(T->be, d);
    T->vt->buf_free(T->be, out);
    free(hz);
    free(hd);
    free(want);
    free(scale);
}

/* ---- reductions ---- */

static void test_reductions(const ctx *T)
{
    static const size_t sizes[] = {1, 255, 256, 257, 1000, 300001};
    const size_t off = 5;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
        size_t n = sizes[s];
        double *hx = random_array(T, n + 2 * off, -1, 1);
        double *hy = random_array(T, n + 2 * off, -1, 1);
        pb_buf *x = upload(T, hx, n + 2 * off), *y = upload(T, hy, n + 2 * off);
        double sum = 0, sum_abs = 0, dot = 0, dot_abs = 0, d2 = 0, mad = 0;
        for (size_t i = 0; i < n; ++i) {
            double xi = hx[off + i], yi = hy[2 * off + i];
            sum += xi;
            sum_abs += fabs(xi);
            dot += xi * yi;
            dot_abs += fabs(xi * yi);
            d2 += (xi - yi) * (xi - yi);
            if (fabs(xi - yi) > mad)
                mad = fabs(xi - yi);
        }
        double r = NAN, r2 = NAN;
        char what[64];
        snprintf(what, sizeof what, "n=%zu", n);

        OK(T, T->vt->sum(T->be, n, x, off, &r));
        CHECK_MSG(vk_same_or_close(r, sum, T->tol, sum_abs),
                  "sum %s: %.17g vs %.17g", what, r, sum);
        OK(T, T->vt->sum(T->be, n, x, off, &r2));
        CHECK_MSG(memcmp(&r, &r2, sizeof r) == 0,
                  "sum %s not bitwise repeatable: %.17g vs %.17g", what, r, r2);

        OK(T, T->vt->dot(T->be, n, x, off, y, 2 * off, &r));
        CHECK_MSG(vk_same_or_close(r, dot, T->tol, dot_abs),
                  "dot %s: %.17g vs %.17g", what, r, dot);
        OK(T, T->vt->dot(T->be, n, x, off, y, 2 * off, &r2));
        CHECK_MSG(memcmp(&r, &r2, sizeof r) == 0,
                  "dot %s not bitwise repeatable", what);

        OK(T, T->vt->dist2(T->be, n, x, off, y, 2 * off, &r));
        CHECK_MSG(vk_same_or_close(r, d2, T->tol, d2),
                  "dist2 %s: %.17g vs %.17g", what, r, d2);

        OK(T, T->vt->max_abs_diff(T->be, n, x, off, y, 2 * off, &r));
        CHECK_MSG(vk_same_or_close(r, mad, T->tol, mad),
                  "max_abs_diff %s: %.17g vs %.17g", what, r, mad);

        T->vt->buf_free(T->be, x);
        T->vt->buf_free(T->be, y);
        free(hx);
        free(hy);
    }

    /* n == 0 gives 0; a NaN anywhere makes max_abs_diff NaN. */
    double h[600];
    for (size_t i = 0; i < 600; ++i)
        h[i] = stored(T, 0.001 * (double)i);
    pb_buf *x = upload(T, h, 600);
    double r = 1.0;
    OK(T, T->vt->sum(T->be, 0, x, 0, &r));
    CHECK(r == 0.0);
    h[457] = NAN;
    pb_buf *y = upload(T, h, 600);
    OK(T, T->vt->max_abs_diff(T->be, 600, x, 0, y, 0, &r));
    CHECK_MSG(isnan(r), "max_abs_diff with a NaN gave %g", r);
    OK(T, T->vt->max_abs_diff(T->be, 600, y, 0, x, 0, &r));
    CHECK_MSG(isnan(r), "max_abs_diff with a NaN (swapped) gave %g", r);
    OK(T, T->vt->max_abs_diff(T->be, 457, x, 0, y, 0, &r));
    CHECK_MSG(r == 0.0, "max_abs_diff of equal prefixes gave %g", r);
    T->vt->buf_free(T->be, x);
    T->vt->buf_free(T->be, y);
}

/* step_scalars (ABI 1.1) gives the bits of dot(g1, g1), dist2(g, g1) and
 * max_abs_diff(o, o1) called one by one, whatever the sizes (one partial or
 * many), with work recorded before it in the same batch, with zeros of
 * both signs and with a NaN. */
static void step_scalars_case(const ctx *T, size_t n, size_t m, int special)
{
    const size_t off = 3;
    double *hg = random_array(T, n + m + off, -1, 1);
    double *hg1 = random_array(T, n + m + off, -1, 1);
    if (special == 1) /* -0 everywhere: sums of zeros */
        for (size_t i = 0; i < n + m + off; ++i)
            hg[i] = hg1[i] = -0.0;
    if (special == 2 && m > 2)
        hg1[off + n + m / 2] = NAN;
    pb_buf *g = upload(T, hg, n + m + off);
    pb_buf *src = upload(T, hg1, n + m + off);
    pb_buf *g1 = NULL;
    OK(T, T->vt->buf_alloc(T->be, n + m + off, &g1));
    /* Recorded, not yet submitted: step_scalars must see it. */
    OK(T, T->vt->copy(T->be, g1, 0, src, 0, n + m + off));
    double got[3] = {-1, -1, -1}, want[3];
    OK(T, T->vt->step_scalars(T->be, n, g, off, g1, off, m, g, off + n, g1,
                              off + n, got));
    OK(T, T->vt->dot(T->be, n, g1, off, g1, off, &want[0]));
    OK(T, T->vt->dist2(T->be, n, g, off, g1, off, &want[1]));
    OK(T, T->vt->max_abs_diff(T->be, m, g, off + n, g1, off + n, &want[2]));
    for (int i = 0; i < 3; ++i)
        CHECK_MSG(memcmp(&got[i], &want[i], sizeof got[i]) == 0 ||
                      (isnan(got[i]) && isnan(want[i])),
                  "[%s] step_scalars n=%zu m=%zu special=%d: out[%d] %.17g, "
                  "separate op %.17g", T->dname, n, m, special, i, got[i],
                  want[i]);
    if (special == 2 && m > 2)
        CHECK_MSG(isnan(got[2]), "step_scalars: NaN in o1 gave %g", got[2]);
    T->vt->buf_free(T->be, g);
    T->vt->buf_free(T->be, g1);
    T->vt->buf_free(T->be, src);
    free(hg);
    free(hg1);
}

static void test_step_scalars(const ctx *T)
{
    CHECK(PB_VT_HAS(T->vt, step_scalars));
    if (!PB_VT_HAS(T->vt, step_scalars))
        return;
    static const size_t nm[][2] = {{1, 1},     {276, 200}, {257, 1000},
                                   {300001, 5}, {0, 7},     {7, 0},
                                   {0, 0},      {256, 256}, {5000, 70000}};
    for (size_t i = 0; i < sizeof nm / sizeof nm[0]; ++i)
        step_scalars_case(T, nm[i][0], nm[i][1], 0);
    step_scalars_case(T, 100, 100, 1);
    step_scalars_case(T, 1000, 1000, 1);
    step_scalars_case(T, 13, 7, 2);
    step_scalars_case(T, 13, 700, 2);

    /* Argument checks. */
    pb_buf *b = NULL;
    OK(T, T->vt->buf_alloc(T->be, 10, &b));
    double out[3];
    CHECK(T->vt->step_scalars(T->be, 5, b, 0, b, 0, 5, b, 0, b, 0, NULL) ==
          PB_ERR_INVALID);
    CHECK(T->vt->step_scalars(T->be, 5, b, 6, b, 0, 5, b, 0, b, 0, out) ==
          PB_ERR_INVALID);
    CHECK(strstr(T->vt->last_error(T->be), "step_scalars") != NULL);
    CHECK(T->vt->step_scalars(T->be, 5, b, 0, b, 0, 11, b, 0, b, 0, out) ==
          PB_ERR_INVALID);
    T->vt->buf_free(T->be, b);
}

/* ---- loss ---- */

static void ref_loss(const pb_loss *L, size_t n, const double *o,
                     const double *y, double *grad, pb_loss_stats *st,
                     double *loss_mag)
{
    double sum = 0, mag = 0, lo = INFINITY, hi = -INFINITY;
    int64_t defined = 0;
    *st = (pb_loss_stats)PB_LOSS_STATS_INIT;
    for (size_t i = 0; i < n; ++i) {
        double yo = y[i] * o[i];
        double m = L->alpha * yo;
        double z = L->margin - m, phi, dphi;
        if (L->kind == PB_LOSS_SOFTHINGE) {
            double bz = L->beta * z;
            phi = ref_pos_over_beta(bz, z) + log1p(exp(-fabs(bz))) / L->beta;
            dphi = ref_sigmoid(bz);
        } else if (L->kind == PB_LOSS_HINGE) {
            phi = ref_pos_over_beta(z, z);
            dphi = ref_step(z);
        } else {
            double p = ref_pos_over_beta(z, z);
            phi = p * p / 2;
            dphi = p;
        }
        grad[i] = L->scale * (-y[i] * dphi);
        sum += phi / L->alpha;
        if (!isnan(phi))
            mag += fabs(phi / L->alpha) + fabs(L->margin / L->alpha) +
                   fabs(m / L->alpha);
        st->n_nan += isnan(o[i]);
        if (!isnan(m)) {
            lo = m < lo ? m : lo;
            hi = m > hi ? m : hi;
            ++defined;
        }
        st->n_unsat += m < L->margin;
        st->n_err += yo <= 0;
    }
    st->loss = L->scale * sum;
    st->min_margin = defined ? lo : NAN;
    st->max_margin = defined ? hi : NAN;
    *loss_mag = fabs(L->scale) * mag;
}

static void loss_case(const ctx *T, pb_loss_kind kind, size_t n, int with_nan)
{
    const size_t off = 6;
    pb_loss L = {kind, stored(T, 8.0), 1.0, stored(T, 20.0), 1.0 / (double)n};
    double *ho = random_array(T, n + off, -0.4, 0.4);
    double *hy = malloc((n + off) * sizeof *hy);
    for (size_t i = 0; i < n + off; ++i)
        hy[i] = vk_uniform() < 0 ? -1.0 : 1.0;
    if (with_nan)
        for (size_t i = off; i < n + off; i += 97)
            ho[i] = NAN;
    double *want_grad = malloc(n * sizeof *want_grad);
    pb_loss_stats want = PB_LOSS_STATS_INIT, got = PB_LOSS_STATS_INIT, again = PB_LOSS_STATS_INIT;
    double mag;
    ref_loss(&L, n, ho + off, hy, want_grad, &want, &mag);

    pb_buf *o = upload(T, ho, n + off), *y = upload(T, hy, n + off);
    pb_buf *g = NULL;
    OK(T, T->vt->buf_alloc(T->be, n + 3, &g));
    OK(T, T->vt->loss(T->be, &L, n, o, off, y, 0, g, 3, &got));
    char what[96];
    snprintf(what, sizeof what, "loss kind=%d n=%zu%s", (int)kind, n,
             with_nan ? " with NaN" : "");
    /* With NaN outputs the sum is NaN; n_nan counts them. */
    CHECK_MSG(vk_same_or_close(got.loss, want.loss, T->tol, mag),
              "%s: loss %.17g vs %.17g", what, got.loss, want.loss);
    double mscale = L.alpha * 0.4;
    CHECK_MSG(vk_same_or_close(got.min_margin, want.min_margin, T->tol, mscale),
              "%s: min margin %.17g vs %.17g", what, got.min_margin,
              want.min_margin);
    CHECK_MSG(vk_same_or_close(got.max_margin, want.max_margin, T->tol, mscale),
              "%s: max margin %.17g vs %.17g", what, got.max_margin,
              want.max_margin);
    CHECK_MSG(got.n_unsat == want.n_unsat && got.n_err == want.n_err &&
                  got.n_nan == want.n_nan,
              "%s: counts unsat/err/nan %lld/%lld/%lld vs %lld/%lld/%lld", what,
              (long long)got.n_unsat, (long long)got.n_err,
              (long long)got.n_nan, (long long)want.n_unsat,
              (long long)want.n_err, (long long)want.n_nan);
    double *hg = download(T, g, n + 3);
    vk_check_array(what, hg + 3, want_grad, NULL, n, T->tol);

    /* Without a gradient buffer; and bitwise repeatable. */
    OK(T, T->vt->loss(T->be, &L, n, o, off, y, 0, NULL, 0, &again));
    CHECK_MSG(memcmp(&got.loss, &again.loss, sizeof got.loss) == 0 &&
                  memcmp(&got.min_margin, &again.min_margin, sizeof(double)) == 0 &&
                  got.n_unsat == again.n_unsat,
              "%s: not bitwise repeatable (%.17g vs %.17g)", what, got.loss,
              again.loss);

    T->vt->buf_free(T->be, o);
    T->vt->buf_free(T->be, y);
    T->vt->buf_free(T->be, g);
    free(ho);
    free(hy);
    free(want_grad);
    free(hg);
}

static void test_loss(const ctx *T)
{
    for (int kind = 0; kind < 3; ++kind) {
        loss_case(T, (pb_loss_kind)kind, 1000, 0);
        loss_case(T, (pb_loss_kind)kind, 1000, 1);
    }
    loss_case(T, PB_LOSS_SOFTHINGE, 300007, 0);

    pb_loss_stats st = PB_LOSS_STATS_INIT;
    pb_loss L = {PB_LOSS_HINGE, 1.0, 1.0, 0.0, 1.0};
    pb_buf *o = NULL;
    OK(T, T->vt->buf_alloc(T->be, 4, &o));
    OK(T, T->vt->loss(T->be, &L, 0, o, 0, o, 0, NULL, 0, &st));
    CHECK(st.loss == 0.0 && st.n_unsat == 0 && st.n_nan == 0);
    CHECK(isnan(st.min_margin) && isnan(st.max_margin));

    /* Only NaN outputs: no margin is defined. */
    double nans[4] = {NAN, NAN, NAN, NAN}, ones[4] = {1, -1, 1, -1};
    pb_buf *y = upload(T, ones, 4);
    OK(T, T->vt->buf_upload(T->be, o, 0, nans, 4));
    OK(T, T->vt->loss(T->be, &L, 4, o, 0, y, 0, NULL, 0, &st));
    CHECK(isnan(st.loss) && st.n_nan == 4 && st.n_unsat == 0 && st.n_err == 0);
    CHECK(isnan(st.min_margin) && isnan(st.max_margin));
    T->vt->buf_free(T->be, y);
    T->vt->buf_free(T->be, o);
}

/* ---- batching: long dependent chains recorded before any flush ---- */

static void test_batching(const ctx *T)
{
    const size_t n = 513;
    const int steps = 600; /* more dispatches than one descriptor pool holds */
    double *hx = filled(n, 0.5), *hy = filled(n, 1.0);
    pb_buf *x = upload(T, hx, n), *y = upload(T, hy, n), *z = NULL;
    OK(T, T->vt->buf_alloc(T->be, n, &z));
    for (int s = 0; s < steps; ++s) {
        OK(T, T->vt->axpby(T->be, n, 1.0, x, 0, 1.0, y, 0)); /* y += x */
        if (s % 50 == 0)
            OK(T, T->vt->copy(T->be, z, 0, y, 0, n)); /* read after write */
    }
    OK(T, T->vt->mul(T->be, n, 2.0, z, 0, x, 0, 0.0, x, 0)); /* x = z x 2 */
    OK(T, T->vt->sync(T->be));
    double *gy = download(T, y, n), *gx = download(T, x, n);
    double *wy = filled(n, 1.0 + 0.5 * steps);
    double *wx = filled(n, 2.0 * 0.5 * (1.0 + 0.5 * 551));
    vk_check_array("batched axpby chain", gy, wy, NULL, n, 0.0);
    vk_check_array("batched copy/mul after chain", gx, wx, NULL, n, 0.0);
    T->vt->buf_free(T->be, x);
    T->vt->buf_free(T->be, y);
    T->vt->buf_free(T->be, z);
    free(hx);
    free(hy);
    free(gy);
    free(gx);
    free(wy);
    free(wx);
}

/* ---- refusals: each is an error status with text, never a crash ---- */

static void test_errors(const ctx *T)
{
    pb_buf *b = NULL;
    double h[8] = {0};
    OK(T, T->vt->buf_alloc(T->be, 8, &b));
    CHECK(T->vt->buf_upload(T->be, b, 4, h, 5) == PB_ERR_INVALID);
    CHECK(T->vt->last_error(T->be)[0] != '\0');
    CHECK(T->vt->fill(T->be, b, 9, 0, 1.0) == PB_ERR_INVALID);
    CHECK(T->vt->axpby(T->be, 8, 1.0, b, 1, 0.0, b, 0) == PB_ERR_INVALID);
    CHECK(T->vt->copy(T->be, b, 0, b, 2, 4) == PB_ERR_INVALID); /* overlap */
    CHECK(T->vt->copy(T->be, b, 2, b, 2, 4) == PB_ERR_INVALID); /* itself */
    CHECK(T->vt->axpby(T->be, 4, 1.0, b, 0, 1.0, b, 2) == PB_ERR_INVALID);
    CHECK(T->vt->mul(T->be, 4, 1.0, b, 0, b, 0, 0.0, b, 1) == PB_ERR_INVALID);
    OK(T, T->vt->mul(T->be, 4, 1.0, b, 0, b, 4, 0.0, b, 0)); /* exact alias */
    pb_act inf_c = {PB_ACT_TANH, 1.0, INFINITY};
    CHECK(T->vt->act_forward(T->be, &inf_c, 4, b, 0, b, 4) == PB_ERR_INVALID);
    pb_loss bad_loss = {PB_LOSS_SOFTHINGE, 1.0, 1.0, -1.0, 1.0};
    pb_loss_stats ls = PB_LOSS_STATS_INIT;
    CHECK(T->vt->loss(T->be, &bad_loss, 4, b, 0, b, 4, NULL, 0, &ls) ==
          PB_ERR_INVALID);
    bad_loss.kind = PB_LOSS_HINGE;
    bad_loss.alpha = INFINITY;
    CHECK(T->vt->loss(T->be, &bad_loss, 4, b, 0, b, 4, NULL, 0, &ls) ==
          PB_ERR_INVALID);
    bad_loss.alpha = 1.0;
    CHECK(T->vt->loss(T->be, &bad_loss, 4, b, 0, b, 4, b, 2, &ls) ==
          PB_ERR_INVALID); /* grad partially overlaps o */
    CHECK(T->vt->gemm(T->be, PB_NO_TRANS, PB_NO_TRANS, 2, 2, 3, 1.0, b, 0, 2,
                      b, 0, 2, 0.0, b, 0, 2) == PB_ERR_INVALID); /* lda < k */
    CHECK(T->vt->gemm(T->be, PB_NO_TRANS, PB_NO_TRANS, 3, 3, 3, 1.0, b, 0, 3,
                      b, 0, 3, 0.0, b, 0, 3) == PB_ERR_INVALID); /* too big */
    pb_act bad_act = {PB_ACT_SWISH, 0.0, 1.0};
    CHECK(T->vt->act_forward(T->be, &bad_act, 8, b, 0, b, 0) == PB_ERR_INVALID);
    double r;
    CHECK(T->vt->sum(T->be, 8, NULL, 0, &r) == PB_ERR_INVALID);

    /* Larger than one binding can address: refused, not truncated. */
    pb_caps caps = PB_CAPS_INIT;
    OK(T, T->vt->get_caps(T->be, &caps));
    const char *max_bytes = vk_feature(&caps, "max_buffer_bytes");
    CHECK(max_bytes != NULL);
    if (max_bytes) {
        size_t elem = T->dtype == PB_F64 ? 8 : 4;
        size_t too_many = (size_t)strtoull(max_bytes, NULL, 10) / elem + 1;
        pb_buf *big = NULL;
        pb_status st = T->vt->buf_alloc(T->be, too_many, &big);
        CHECK_MSG(st == PB_ERR_NOMEM && big == NULL,
                  "oversized alloc gave %d", (int)st);
        CHECK(strstr(T->vt->last_error(T->be), "maxStorageBufferRange") != NULL);
        CHECK(T->vt->buf_alloc(T->be, SIZE_MAX, &big) == PB_ERR_NOMEM);
    }
    /* The instance still works after refusals. */
    OK(T, T->vt->fill(T->be, b, 0, 8, 2.0));
    OK(T, T->vt->sum(T->be, 8, b, 0, &r));
    CHECK(r == 16.0);
    T->vt->buf_free(T->be, b);

    /* Zero-length buffers are allowed. */
    pb_buf *empty = NULL;
    OK(T, T->vt->buf_alloc(T->be, 0, &empty));
    CHECK(empty != NULL);
    T->vt->buf_free(T->be, empty);
}

/* The struct_size rule (backend.h): a caller struct longer than the
 * backend's keeps its extra bytes, one shorter than ABI 1.2's is refused. */
static void test_struct_size(const ctx *T)
{
    enum { GUARD = 32 };
    union {
        pb_caps c;
        unsigned char b[sizeof(pb_caps) + GUARD];
    } cm;
    memset(cm.b, 0xA5, sizeof cm.b);
    memset(&cm.c, 0, sizeof cm.c);
    cm.c.struct_size = sizeof cm.b;
    OK(T, T->vt->get_caps(T->be, &cm.c));
    CHECK(cm.c.struct_size == sizeof cm.b && cm.c.features != NULL);
    for (size_t i = sizeof(pb_caps); i < sizeof cm.b; i++)
        CHECK_MSG(cm.b[i] == 0xA5, "get_caps wrote byte %zu past the backend's pb_caps", i);
    pb_caps zero = {0};
    CHECK(T->vt->get_caps(T->be, &zero) == PB_ERR_INVALID);

    double o[2] = {0.5, -0.5}, y[2] = {1.0, 1.0};
    pb_buf *bo = upload(T, o, 2), *by = upload(T, y, 2);
    pb_loss L = {PB_LOSS_HINGE, 1.0, 1.0, 0.0, 1.0};
    union {
        pb_loss_stats s;
        unsigned char b[sizeof(pb_loss_stats) + GUARD];
    } sm;
    memset(sm.b, 0xA5, sizeof sm.b);
    memset(&sm.s, 0, sizeof sm.s);
    sm.s.struct_size = sizeof sm.b;
    OK(T, T->vt->loss(T->be, &L, 2, bo, 0, by, 0, NULL, 0, &sm.s));
    CHECK(sm.s.n_unsat == 2 && sm.s.n_err == 1);
    for (size_t i = sizeof(pb_loss_stats); i < sizeof sm.b; i++)
        CHECK_MSG(sm.b[i] == 0xA5, "loss wrote byte %zu past the backend's pb_loss_stats", i);
    pb_loss_stats none = {0};
    CHECK(T->vt->loss(T->be, &L, 2, bo, 0, by, 0, NULL, 0, &none) == PB_ERR_INVALID);
    /* bo and by are left to destroy(), which frees them (backend.h) */
}

static void test_caps(const ctx *T)
{
    pb_caps caps = PB_CAPS_INIT;
    OK(T, T->vt->get_caps(T->be, &caps));
    CHECK(caps.dtypes & (1u << PB_F32));
    if (T->dtype == PB_F64)
        CHECK(caps.dtypes & (1u << PB_F64));
    CHECK(caps.determinism == PB_DET_BITWISE);
    static const char *keys[] = {"device", "driver", "driver_info",
                                 "api_version", "vendor_id", "device_type",
                                 "f64", "subgroup_size"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
        CHECK_MSG(vk_feature(&caps, keys[i]) && *vk_feature(&caps, keys[i]),
                  "feature %s missing", keys[i]);
    const char *staging = getenv("PB_VULKAN_STAGING");
    const char *transfers = vk_feature(&caps, "transfers");
    if (staging && strcmp(staging, "1") == 0)
        CHECK_MSG(transfers && strcmp(transfers, "staged") == 0,
                  "PB_VULKAN_STAGING=1 but transfers=%s", transfers);
    printf("[%s]", T->dname);
    for (const pb_feature *f = caps.features; f && f->key; ++f)
        printf(" %s=\"%s\"", f->key, f->value);
    printf("\n");
}

/* ---- device choice: options.device, then PB_VULKAN_DEVICE ---- */

static pb_status create_on(const pb_backend_vtable *vt, const char *device,
                           char *name, size_t name_len, char *err,
                           size_t err_len)
{
    pb_backend_options opts = {sizeof opts, PB_F32, 0, device};
    pb_backend *be = NULL;
    err[0] = '\0';
    pb_status st = vt->create(&opts, &be, err, err_len);
    if (st == PB_OK) {
        pb_caps caps = PB_CAPS_INIT;
        vt->get_caps(be, &caps);
        snprintf(name, name_len, "%s", vk_feature(&caps, "device"));
        vt->destroy(be);
    }
    return st;
}

static void test_device_choice(const pb_backend_vtable *vt)
{
    char def[256] = "", name[256] = "", err[1024];
    pb_status st = create_on(vt, NULL, def, sizeof def, err, sizeof err);
    CHECK_MSG(st == PB_OK, "default device: %s", err);

    /* A substring of the name, in another case, picks that device. */
    char upper[256];
    size_t len = strlen(def) < 6 ? strlen(def) : 6;
    for (size_t i = 0; i < len; ++i)
        upper[i] = (char)(def[i] >= 'a' && def[i] <= 'z' ? def[i] - 32 : def[i]);
    upper[len] = '\0';
    st = create_on(vt, upper, name, sizeof name, err, sizeof err);
    CHECK_MSG(st == PB_OK && strcmp(name, def) == 0,
              "device \"%s\": %d %s (%s)", upper, (int)st, name, err);

    st = create_on(vt, "0", name, sizeof name, err, sizeof err);
    CHECK_MSG(st == PB_OK, "device \"0\": %s", err);

    st = create_on(vt, "no-such-device-xyz", name, sizeof name, err, sizeof err);
    CHECK_MSG(st == PB_ERR_INVALID && strstr(err, "no-such-device-xyz") &&
                  strstr(err, "0: "),
              "unknown device name gave %d: %s", (int)st, err);
    st = create_on(vt, "99", name, sizeof name, err, sizeof err);
    CHECK_MSG(st == PB_ERR_INVALID, "device index 99 gave %d: %s", (int)st,
              err);

    /* The environment applies only when the option is not given. */
    setenv("PB_VULKAN_DEVICE", "no-such-device-xyz", 1);
    st = create_on(vt, NULL, name, sizeof name, err, sizeof err);
    CHECK_MSG(st == PB_ERR_INVALID, "PB_VULKAN_DEVICE ignored: %d", (int)st);
    st = create_on(vt, "0", name, sizeof name, err, sizeof err);
    CHECK_MSG(st == PB_OK, "option should win over PB_VULKAN_DEVICE: %s", err);
    unsetenv("PB_VULKAN_DEVICE");
}

/* A buffer of one instance is refused by another. */
static void test_foreign_buffer(const pb_backend_vtable *vt)
{
    pb_backend_options opts = {sizeof opts, PB_F32, 0, NULL};
    pb_backend *a = NULL, *b = NULL;
    char err[1024];
    if (vt->create(&opts, &a, err, sizeof err) != PB_OK ||
        vt->create(&opts, &b, err, sizeof err) != PB_OK) {
        CHECK_MSG(0, "create: %s", err);
        vt->destroy(a);
        return;
    }
    pb_buf *x = NULL;
    CHECK(vt->buf_alloc(a, 16, &x) == PB_OK);
    CHECK(vt->fill(b, x, 0, 16, 1.0) == PB_ERR_INVALID);
    CHECK(strstr(vt->last_error(b), "another backend instance") != NULL);
    vt->buf_free(b, x); /* ignored: not b's */
    CHECK(vt->fill(a, x, 0, 16, 1.0) == PB_OK);
    vt->buf_free(a, x);
    vt->destroy(b);
    vt->destroy(a);
}

/* 0 = fine, 77 = validation layer missing. */
static int check_validation(const ctx *T, int before_ops)
{
    pb_caps caps = PB_CAPS_INIT;
    OK(T, T->vt->get_caps(T->be, &caps));
    const char *layer = vk_feature(&caps, "validation");
    if (!layer || strcmp(layer, "VK_LAYER_KHRONOS_validation") != 0) {
        printf("SKIP: validation layer not active (%s); install "
               "vulkan-validationlayers\n", layer ? layer : "PB_VULKAN_VALIDATE unset");
        return 77;
    }
    const char *errors = vk_feature(&caps, "validation_errors");
    const char *warnings = vk_feature(&caps, "validation_warnings");
    CHECK_MSG(errors && strcmp(errors, "0") == 0 && warnings &&
                  strcmp(warnings, "0") == 0,
              "[%s] validation %s: %s errors, %s warnings; first: %s", T->dname,
              before_ops ? "at create" : "after the ops",
              errors ? errors : "?", warnings ? warnings : "?",
              vk_feature(&caps, "validation_first_message"));
    return 0;
}

int main(int argc, char **argv)
{
    int validation = argc > 1 && strcmp(argv[1], "--validation") == 0;
    vk_plugin plugin;
    if (vk_plugin_open(&plugin) != 0)
        return 1;
    const pb_backend_vtable *vt = plugin.vt;
    char why[1024];
    if (vt->probe(why, sizeof why) != PB_OK) {
        printf("SKIP: vulkan backend unavailable: %s\n", why);
        vk_plugin_close(&plugin);
        return 77;
    }

    static const pb_dtype dtypes[] = {PB_F64, PB_F32};
    for (int di = 0; di < 2; ++di) {
        ctx T = {vt, NULL, dtypes[di], di == 0 ? "f64" : "f32",
                 di == 0 ? 1e-12 : 1e-5};
        pb_backend_options opts = {sizeof opts, T.dtype, 0, NULL};
        char err[1024] = "";
        pb_status st = vt->create(&opts, &T.be, err, sizeof err);
        if (st == PB_ERR_UNSUPPORTED && T.dtype == PB_F64) {
            CHECK(err[0] != '\0');
            printf("note: f64 not tested: %s\n", err);
            continue;
        }
        CHECK_MSG(st == PB_OK, "create %s: %d %s", T.dname, (int)st, err);
        if (st != PB_OK)
            continue;
        if (validation && check_validation(&T, 1) == 77) {
            vt->destroy(T.be);
            vk_plugin_close(&plugin);
            return 77;
        }
        test_caps(&T);
        test_transfer_fill_copy(&T);
        test_gemm(&T);
        test_gemm_kernels(vt, T.dtype);
        test_axpby_mul(&T);
        test_activations(&T);
        test_reductions(&T);
        test_step_scalars(&T);
        test_loss(&T);
        test_batching(&T);
        test_errors(&T);
        test_struct_size(&T);
        if (validation)
            check_validation(&T, 0);
        vt->destroy(T.be);
    }
    test_device_choice(vt);
    test_foreign_buffer(vt);
    vk_plugin_close(&plugin);
    return pb_test_done(validation ? "vulkan_ops_validation" : "vulkan_ops");
}
