/* The reference backend against values computed by hand: GEMM with
 * transposes, offsets and padding; the loss and its stats for each kind on
 * three samples; activations at known points and at extreme inputs; and the
 * error paths (invalid views, bad parameters, impossible allocations). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "backend_loader.h"
#include "pb_test.h"

static const pb_backend_vtable *vt;

/* A buffer holding vals[0..n) at offset off (zeros before it). */
static pb_buf *make_buf(pb_backend *be, const double *vals, size_t n,
                        size_t off)
{
    pb_buf *b = NULL;
    CHECK(vt->buf_alloc(be, off + n, &b) == PB_OK);
    if (!b)
        return NULL;
    CHECK(vt->fill(be, b, 0, off + n, 0.0) == PB_OK);
    if (n)
        CHECK(vt->buf_upload(be, b, off, vals, n) == PB_OK);
    return b;
}

static void get(pb_backend *be, const pb_buf *b, size_t off, double *out,
                size_t n)
{
    CHECK(vt->buf_download(be, b, off, out, n) == PB_OK);
}

/* ---- GEMM ------------------------------------------------------------- */

/* A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12]: A B = [58 64; 139 154]. */
static void test_gemm(pb_dtype dtype)
{
    pb_backend *be = create_backend(vt, dtype, 0);
    CHECK(be != NULL);
    if (!be)
        return;
    /* Stored with padding (ld = row length + 1) at offset 2. */
    const double a_nt[] = {1, 2, 3, -99, 4, 5, 6};        /* A, lda 4 */
    const double a_t[] = {1, 4, -99, 2, 5, -99, 3, 6};    /* A^T, lda 3 */
    const double b_nt[] = {7, 8, -99, 9, 10, -99, 11, 12}; /* B, ldb 3 */
    const double b_t[] = {7, 9, 11, -99, 8, 10, 12};       /* B^T, ldb 4 */
    const double ab[] = {58, 64, 139, 154};
    pb_buf *A[2] = {make_buf(be, a_nt, 7, 2), make_buf(be, a_t, 8, 2)};
    pb_buf *B[2] = {make_buf(be, b_nt, 8, 2), make_buf(be, b_t, 7, 2)};
    const size_t lda[2] = {4, 3}, ldb[2] = {3, 4};

    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            /* C (2 x 2, ldc 3) = 2 A B + 0.5 C with C = 1, and the padding
             * column holds -5, which must survive. */
            const double c0[] = {1, 1, -5, 1, 1, -5};
            pb_buf *C = make_buf(be, c0, 6, 1);
            CHECK(vt->gemm(be, (pb_trans)ta, (pb_trans)tb, 2, 2, 3, 2.0, A[ta],
                           2, lda[ta], B[tb], 2, ldb[tb], 0.5, C, 1,
                           3) == PB_OK);
            double c[7];
            get(be, C, 0, c, 7);
            CHECK(c[0] == 0);
            CHECK_MSG(c[1] == 2 * ab[0] + 0.5 && c[2] == 2 * ab[1] + 0.5 &&
                          c[4] == 2 * ab[2] + 0.5 && c[5] == 2 * ab[3] + 0.5,
                      "ta %d tb %d: %g %g %g %g", ta, tb, c[1], c[2], c[4],
                      c[5]);
            CHECK(c[3] == -5 && c[6] == -5);

            /* beta = 0: C is not read, NaN in it does not survive. */
            const double cn[] = {NAN, NAN, NAN, NAN};
            pb_buf *Cn = make_buf(be, cn, 4, 0);
            CHECK(vt->gemm(be, (pb_trans)ta, (pb_trans)tb, 2, 2, 3, 1.0, A[ta],
                           2, lda[ta], B[tb], 2, ldb[tb], 0.0, Cn, 0,
                           2) == PB_OK);
            get(be, Cn, 0, c, 4);
            CHECK(c[0] == 58 && c[1] == 64 && c[2] == 139 && c[3] == 154);
            vt->buf_free(be, C);
            vt->buf_free(be, Cn);
        }

    /* k == 0 and alpha == 0: C = beta C, A and B not read (NaN in A). */
    const double nan_a[] = {NAN, NAN, NAN, NAN, NAN, NAN};
    pb_buf *An = make_buf(be, nan_a, 6, 0);
    const double c2[] = {3, -4};
    pb_buf *C = make_buf(be, c2, 2, 0);
    CHECK(vt->gemm(be, PB_NO_TRANS, PB_NO_TRANS, 1, 2, 3, 0.0, An, 0, 3, B[0],
                   2, 3, 0.5, C, 0, 2) == PB_OK);
    double c[2];
    get(be, C, 0, c, 2);
    CHECK(c[0] == 1.5 && c[1] == -2);
    CHECK(vt->gemm(be, PB_NO_TRANS, PB_NO_TRANS, 1, 2, 0, 1.0, An, 0, 0, B[0],
                   0, 2, 0.0, C, 0, 2) == PB_OK);
    get(be, C, 0, c, 2);
    CHECK(c[0] == 0 && c[1] == 0);

    vt->buf_free(be, An);
    vt->buf_free(be, C);
    for (int i = 0; i < 2; i++) {
        vt->buf_free(be, A[i]);
        vt->buf_free(be, B[i]);
    }
    vt->destroy(be);
}

/* ---- loss --------------------------------------------------------------- */

/* o = (0.5, -2, 0.1), y = (1, 1, -1), alpha 2, margin 1, scale 0.5:
 * margins alpha y o = (1, -4, -0.2), z = margin - margin_i = (0, 5, 1.2);
 * unsatisfied: 2 (the first sits exactly on the margin), misclassified: 2. */
static void test_loss(pb_dtype dtype)
{
    pb_backend *be = create_backend(vt, dtype, 0);
    CHECK(be != NULL);
    if (!be)
        return;
    const double o[] = {0.5, -2, 0.1}, y[] = {1, 1, -1};
    const double z[] = {0, 5, 1.2};
    pb_buf *O = make_buf(be, o, 3, 1), *Y = make_buf(be, y, 3, 4);
    pb_buf *G = make_buf(be, NULL, 0, 3);
    const double tol = dtype == PB_F64 ? 1e-14 : 1e-6;

    for (int kind = 0; kind < 3; kind++) {
        double phi[3], dphi[3];
        for (int i = 0; i < 3; i++) {
            if (kind == PB_LOSS_SOFTHINGE) { /* the textbook formula */
                phi[i] = log(1 + exp(20 * z[i])) / 20;
                dphi[i] = 1 / (1 + exp(-20 * z[i]));
            } else if (kind == PB_LOSS_HINGE) {
                phi[i] = z[i] > 0 ? z[i] : 0;
                dphi[i] = z[i] > 0 ? 1 : 0;
            } else {
                phi[i] = z[i] > 0 ? z[i] * z[i] / 2 : 0;
                dphi[i] = z[i] > 0 ? z[i] : 0;
            }
        }
        pb_loss L = {(pb_loss_kind)kind, 2.0, 1.0, 20.0, 0.5};
        pb_loss_stats st = PB_LOSS_STATS_INIT;
        CHECK(vt->loss(be, &L, 3, O, 1, Y, 4, G, 0, &st) == PB_OK);
        double want = 0.5 * (phi[0] + phi[1] + phi[2]) / 2;
        CHECK_CLOSE(st.loss, want, tol);
        CHECK_CLOSE(st.min_margin, -4, tol);
        CHECK_CLOSE(st.max_margin, 1, tol);
        CHECK(st.n_unsat == 2);
        CHECK(st.n_err == 2);
        CHECK(st.n_nan == 0);
        double g[3];
        get(be, G, 0, g, 3);
        for (int i = 0; i < 3; i++)
            CHECK_CLOSE(g[i], 0.5 * (-y[i] * dphi[i]), tol);

        /* grad == NULL: same stats, nothing written. */
        pb_loss_stats st2 = PB_LOSS_STATS_INIT;
        CHECK(vt->loss(be, &L, 3, O, 1, Y, 4, NULL, 0, &st2) == PB_OK);
        CHECK(st2.loss == st.loss && st2.n_unsat == st.n_unsat);
    }
    /* Hand values of the hinge, as a guard against a shared mistake in
     * the formulas above: loss = 0.5 (0 + 5 + 1.2) / 2. */
    pb_loss H = {PB_LOSS_HINGE, 2.0, 1.0, 0.0, 0.5};
    pb_loss_stats st = PB_LOSS_STATS_INIT;
    CHECK(vt->loss(be, &H, 3, O, 1, Y, 4, G, 0, &st) == PB_OK);
    CHECK_CLOSE(st.loss, 1.55, tol);
    double g[3];
    get(be, G, 0, g, 3);
    CHECK(g[0] == 0 && g[1] == -0.5 && g[2] == 0.5);

    /* A NaN output is counted, and stays NaN in its gradient only. */
    const double on[] = {NAN};
    pb_buf *On = make_buf(be, on, 1, 0);
    CHECK(vt->loss(be, &H, 1, On, 0, Y, 4, G, 0, &st) == PB_OK);
    CHECK(st.n_nan == 1 && st.n_unsat == 0 && st.n_err == 0);
    CHECK(isnan(st.loss) && isnan(st.min_margin));
    vt->buf_free(be, On);

    vt->buf_free(be, O);
    vt->buf_free(be, Y);
    vt->buf_free(be, G);
    vt->destroy(be);
}

/* ---- activations ----------------------------------------------------------- */

static double act1(pb_backend *be, pb_act act, double t, double *deriv)
{
    pb_buf *Z = make_buf(be, &t, 1, 0), *O = make_buf(be, NULL, 0, 1);
    const double one = 1;
    pb_buf *D = make_buf(be, &one, 1, 0);
    CHECK(vt->act_forward(be, &act, 1, Z, 0, O, 0) == PB_OK);
    /* dz written over dout: the aliasing the ABI allows. */
    CHECK(vt->act_backward(be, &act, 1, Z, 0, D, 0, D, 0) == PB_OK);
    double v, d;
    get(be, O, 0, &v, 1);
    get(be, D, 0, &d, 1);
    vt->buf_free(be, Z);
    vt->buf_free(be, O);
    vt->buf_free(be, D);
    *deriv = d;
    return v;
}

static void test_activations(pb_dtype dtype)
{
    pb_backend *be = create_backend(vt, dtype, 0);
    CHECK(be != NULL);
    if (!be)
        return;
    const double tol = dtype == PB_F64 ? 1e-15 : 1e-7;
    double d;
    /* relu, beta 2, c 1.5: sigma(t) = 1.5 max(0, t). */
    pb_act relu = {PB_ACT_RELU, 2.0, 1.5};
    CHECK(act1(be, relu, -1, &d) == 0 && d == 0);
    CHECK(act1(be, relu, 2, &d) == 3 && d == 1.5);
    CHECK(act1(be, relu, 0, &d) == 0 && d == 0);
    /* swish, beta 1: sigma(1) = sigmoid(1), sigma'(0) = 1/2. */
    pb_act swish = {PB_ACT_SWISH, 1.0, 1.0};
    CHECK(act1(be, swish, 0, &d) == 0 && d == 0.5);
    CHECK_CLOSE(act1(be, swish, 1, &d), 0.7310585786300049, tol);
    /* g'(1) = s(1) (1 + 1 - s(1)) */
    CHECK_CLOSE(d, 0.7310585786300049 * (2 - 0.7310585786300049), tol);
    /* swish, beta 2, c 3: sigma(1) = 3 sigmoid(2). */
    pb_act swish2 = {PB_ACT_SWISH, 2.0, 3.0};
    CHECK_CLOSE(act1(be, swish2, 1, &d), 3 * 0.8807970779778823, tol);
    /* tanh, beta 2: sigma(0.5) = tanh(1)/2, sigma' = 1 - tanh(1)^2. */
    pb_act th = {PB_ACT_TANH, 2.0, 1.0};
    CHECK_CLOSE(act1(be, th, 0.5, &d), 0.3807970779778824, tol);
    CHECK_CLOSE(d, 0.41997434161402614, tol);
    /* softplus, beta 1: sigma(0) = log 2, sigma'(0) = 1/2. */
    pb_act sp = {PB_ACT_SOFTPLUS, 1.0, 1.0};
    CHECK_CLOSE(act1(be, sp, 0, &d), 0.6931471805599453, tol);
    CHECK(d == 0.5);
    pb_act sp20 = {PB_ACT_SOFTPLUS, 20.0, 1.0};
    CHECK_CLOSE(act1(be, sp20, 0.1, &d), log1p(exp(2.0)) / 20, tol);

    /* Extreme inputs: no NaN, the right limits (in f32 1e300 uploads as
     * inf, and the limits are the same). */
    const double big = 1e300;
    CHECK(act1(be, swish, -big, &d) == 0 && d == 0);
    CHECK(act1(be, swish, big, &d) == (dtype == PB_F64 ? big : INFINITY));
    CHECK(d == 1);
    CHECK(act1(be, sp, -big, &d) == 0 && d == 0);
    CHECK(act1(be, sp, big, &d) == (dtype == PB_F64 ? big : INFINITY));
    CHECK(d == 1);
    CHECK(act1(be, th, big, &d) == 0.5 && d == 0);
    CHECK(act1(be, relu, -big, &d) == 0 && d == 0);
    /* beta t overflows while t is finite: the limits still hold. */
    pb_act steep = {PB_ACT_SWISH, 1e10, 1.0};
    CHECK(act1(be, steep, -1e300, &d) == 0 && d == 0);
    CHECK(act1(be, steep, 1e300, &d) ==
          (dtype == PB_F64 ? 1e300 : INFINITY));
    CHECK(d == 1);
    vt->destroy(be);
}

/* ---- errors ------------------------------------------------------------------ */

static int mentions(pb_backend *be, const char *a, const char *b)
{
    const char *e = vt->last_error(be);
    return e && strstr(e, a) && (!b || strstr(e, b));
}

static void test_errors(void)
{
    pb_backend *be = create_backend(vt, PB_F64, 0);
    pb_backend *other = create_backend(vt, PB_F64, 0);
    CHECK(be && other);
    if (!be || !other)
        return;
    pb_buf *x = make_buf(be, NULL, 0, 10), *y = make_buf(be, NULL, 0, 10);
    pb_buf *foreign = make_buf(other, NULL, 0, 10);
    double r;

    CHECK(vt->axpby(be, 8, 1, x, 3, 1, y, 0) == PB_ERR_INVALID);
    CHECK_MSG(mentions(be, "axpby", "x view"), "%s", vt->last_error(be));
    CHECK(vt->axpby(be, 5, 1, x, 0, 1, y, SIZE_MAX - 2) == PB_ERR_INVALID);
    CHECK(mentions(be, "axpby", "y view"));
    CHECK(vt->axpby(be, 5, 1, NULL, 0, 1, y, 0) == PB_ERR_INVALID);
    CHECK(mentions(be, "axpby", "x is NULL"));
    CHECK(vt->axpby(be, 5, 1, foreign, 0, 1, y, 0) == PB_ERR_INVALID);
    CHECK(mentions(be, "another backend instance", NULL));
    CHECK(vt->axpby(be, 5, 1, x, 0, 1, x, 2) == PB_ERR_INVALID);
    CHECK(mentions(be, "axpby", "overlaps"));
    CHECK(vt->axpby(be, 5, 1, x, 0, 1, x, 0) == PB_OK); /* exact alias */
    CHECK(strcmp(vt->last_error(be), "") == 0);
    CHECK(vt->copy(be, x, 0, x, 4, 5) == PB_ERR_INVALID);
    CHECK(mentions(be, "copy", "overlaps"));
    CHECK(vt->copy(be, y, 0, x, 5, 5) == PB_OK);
    CHECK(vt->sum(be, 11, x, 0, &r) == PB_ERR_INVALID);
    CHECK(mentions(be, "sum", "x view"));
    CHECK(vt->sum(be, 10, x, 0, NULL) == PB_ERR_INVALID);
    CHECK(vt->dot(be, 3, x, 0, y, 8, &r) == PB_ERR_INVALID);
    CHECK(mentions(be, "dot", "y view"));
    CHECK(vt->fill(be, x, 11, 0, 1.0) == PB_ERR_INVALID);
    CHECK(vt->fill(be, x, 10, 0, 1.0) == PB_OK); /* empty view at the end */
    double host[10];
    CHECK(vt->buf_upload(be, x, 0, NULL, 3) == PB_ERR_INVALID);
    CHECK(vt->buf_download(be, x, 8, host, 3) == PB_ERR_INVALID);
    CHECK(mentions(be, "buf_download", "src view"));

    /* GEMM: A 2 x 3 in x needs lda >= 3, B 3 x 2 in y, C 2 x 2. */
    CHECK(vt->gemm(be, PB_NO_TRANS, PB_NO_TRANS, 2, 2, 3, 1, x, 0, 2, y, 0, 2,
                   0, y, 6, 2) == PB_ERR_INVALID);
    CHECK_MSG(mentions(be, "gemm", "lda 2 < 3"), "%s", vt->last_error(be));
    CHECK(vt->gemm(be, PB_TRANS, PB_NO_TRANS, 2, 2, 3, 1, x, 5, 2, y, 0, 2, 0,
                   y, 6, 2) == PB_ERR_INVALID); /* A^T 3 x 2 from 5: 5+6 > 10 */
    CHECK(mentions(be, "gemm", "A view"));
    CHECK(vt->gemm(be, PB_NO_TRANS, PB_NO_TRANS, 2, 2, 3, 1, x, 0, 3, y, 0, 2,
                   0, y, SIZE_MAX - 1, 2) == PB_ERR_INVALID);
    CHECK(mentions(be, "gemm", "C offset"));
    CHECK(vt->gemm(be, (pb_trans)5, PB_NO_TRANS, 2, 2, 3, 1, x, 0, 3, y, 0, 2,
                   0, y, 6, 2) == PB_ERR_INVALID);
    CHECK(vt->gemm(be, PB_NO_TRANS, PB_NO_TRANS, 2, 2, 3, 1, x, 0, 3, NULL, 0,
                   2, 0, y, 6, 2) == PB_ERR_INVALID);
    CHECK(mentions(be, "gemm", "B is NULL"));

    /* Parameters. */
    pb_act bad_act = {PB_ACT_SWISH, 0.0, 1.0};
    CHECK(vt->act_forward(be, &bad_act, 2, x, 0, y, 0) == PB_ERR_INVALID);
    CHECK(mentions(be, "act_forward", "beta"));
    bad_act = (pb_act){(pb_act_kind)9, 1.0, 1.0};
    CHECK(vt->act_backward(be, &bad_act, 2, x, 0, y, 0, y, 0) ==
          PB_ERR_INVALID);
    CHECK(mentions(be, "act_backward", "kind"));
    CHECK(vt->act_forward(be, NULL, 2, x, 0, y, 0) == PB_ERR_INVALID);
    pb_loss L = {PB_LOSS_SOFTHINGE, 1.0, 1.0, 0.0, 1.0};
    pb_loss_stats st = PB_LOSS_STATS_INIT;
    CHECK(vt->loss(be, &L, 2, x, 0, y, 0, NULL, 0, &st) == PB_ERR_INVALID);
    CHECK(mentions(be, "loss", "beta"));
    L = (pb_loss){PB_LOSS_HINGE, 0.0, 1.0, 0.0, 1.0};
    CHECK(vt->loss(be, &L, 2, x, 0, y, 0, NULL, 0, &st) == PB_ERR_INVALID);
    CHECK(mentions(be, "loss", "alpha"));
    L.alpha = 1;
    CHECK(vt->loss(be, &L, 2, x, 0, y, 0, NULL, 0, NULL) == PB_ERR_INVALID);
    CHECK(mentions(be, "loss", "stats"));
    CHECK(vt->loss(be, &L, 2, x, 0, y, 0, x, 1, &st) == PB_ERR_INVALID);

    /* Creation. */
    pb_backend *none = NULL;
    char err[256] = "";
    CHECK(vt->create(NULL, &none, err, sizeof err) == PB_ERR_INVALID);
    CHECK(none == NULL && strstr(err, "ref") && strstr(err, "NULL"));
    pb_backend_options o = {sizeof(pb_backend_options), (pb_dtype)7, 0, NULL};
    CHECK(vt->create(&o, &none, err, sizeof err) == PB_ERR_UNSUPPORTED);
    CHECK(strstr(err, "dtype") != NULL);
    o = (pb_backend_options){4, PB_F64, 0, NULL};
    CHECK(vt->create(&o, &none, err, sizeof err) == PB_ERR_INVALID);

    vt->buf_free(be, x);
    vt->buf_free(be, y);
    vt->buf_free(be, foreign); /* not its buffer: ignored */
    vt->buf_free(other, foreign);
    vt->destroy(other);
    vt->destroy(be);
}

static void test_alloc(pb_dtype dtype)
{
    pb_backend *be = create_backend(vt, dtype, 0);
    CHECK(be != NULL);
    if (!be)
        return;
    pb_buf *b = (pb_buf *)&b;
    /* Element count times element size overflows size_t. */
    CHECK(vt->buf_alloc(be, SIZE_MAX / 2, &b) == PB_ERR_NOMEM);
    CHECK(b == NULL);
    CHECK(mentions(be, "buf_alloc", NULL));
    /* Representable but impossible: 2^60 elements. */
    CHECK(vt->buf_alloc(be, (size_t)1 << 60, &b) == PB_ERR_NOMEM);
    CHECK(mentions(be, "buf_alloc", "out of memory"));
    CHECK(vt->buf_alloc(be, 4, NULL) == PB_ERR_INVALID);

    /* Size 0 is legal, and so are empty ops on it. */
    CHECK(vt->buf_alloc(be, 0, &b) == PB_OK && b != NULL);
    double r = -1;
    CHECK(vt->sum(be, 0, b, 0, &r) == PB_OK && r == 0);
    CHECK(vt->max_abs_diff(be, 0, b, 0, b, 0, &r) == PB_OK && r == 0);
    CHECK(vt->buf_upload(be, b, 0, NULL, 0) == PB_OK);
    CHECK(vt->copy(be, b, 0, b, 0, 0) == PB_OK);
    vt->buf_free(be, b);
    vt->buf_free(be, NULL);
    vt->destroy(be);
}

/* Reductions by hand, and NaN in max_abs_diff. */
static void test_reductions(pb_dtype dtype)
{
    pb_backend *be = create_backend(vt, dtype, 0);
    CHECK(be != NULL);
    if (!be)
        return;
    const double xv[] = {1, -2, 3.5, 0.25}, yv[] = {2, 2, -1, 0.25};
    pb_buf *x = make_buf(be, xv, 4, 2), *y = make_buf(be, yv, 4, 0);
    double r;
    CHECK(vt->sum(be, 4, x, 2, &r) == PB_OK && r == 2.75);
    CHECK(vt->dot(be, 4, x, 2, y, 0, &r) == PB_OK && r == 2 - 4 - 3.5 + 0.0625);
    CHECK(vt->dist2(be, 4, x, 2, y, 0, &r) == PB_OK && r == 1 + 16 + 20.25);
    CHECK(vt->max_abs_diff(be, 4, x, 2, y, 0, &r) == PB_OK && r == 4.5);
    const double nanv = NAN;
    CHECK(vt->buf_upload(be, y, 1, &nanv, 1) == PB_OK);
    CHECK(vt->max_abs_diff(be, 4, x, 2, y, 0, &r) == PB_OK && isnan(r));

    /* axpby and mul with b == 0 ignore NaN in the output. */
    const double nans[] = {NAN, NAN, NAN, NAN};
    pb_buf *out = make_buf(be, nans, 4, 0);
    CHECK(vt->axpby(be, 4, 2.0, x, 2, 0.0, out, 0) == PB_OK);
    double o[4];
    get(be, out, 0, o, 4);
    CHECK(o[0] == 2 && o[1] == -4 && o[2] == 7 && o[3] == 0.5);
    CHECK(vt->buf_upload(be, out, 0, nans, 4) == PB_OK);
    CHECK(vt->mul(be, 4, 0.5, x, 2, x, 2, 0.0, out, 0) == PB_OK);
    get(be, out, 0, o, 4);
    CHECK(o[0] == 0.5 && o[1] == 2 && o[2] == 6.125 && o[3] == 0.03125);
    CHECK(vt->mul(be, 4, 1.0, x, 2, x, 2, -1.0, out, 0) == PB_OK);
    get(be, out, 0, o, 4);
    CHECK(o[0] == 0.5 && o[1] == 2 && o[2] == 6.125 && o[3] == 0.03125);
    vt->buf_free(be, x);
    vt->buf_free(be, y);
    vt->buf_free(be, out);
    vt->destroy(be);
}

int main(void)
{
    loaded_backend ref;
    int rc = load_backend("ref", &ref);
    if (rc == PB_TEST_SKIP)
        return PB_TEST_SKIP;
    CHECK(rc == 0);
    if (rc != 0)
        return pb_test_done("test_ref_unit");
    vt = ref.vt;
    for (int d = 0; d < 2; d++) {
        pb_dtype dtype = d ? PB_F32 : PB_F64;
        test_gemm(dtype);
        test_loss(dtype);
        test_activations(dtype);
        test_alloc(dtype);
        test_reductions(dtype);
    }
    test_errors();
    return pb_test_done("test_ref_unit");
}
