/* The blas backend's own activation kernels (backends/blas/blas_act.h),
 * every instruction-set variant this CPU runs, not only the one the backend
 * picks (`phasebench check --backend blas` covers that one end to end):
 *
 *   - the inline exponential against libm: max ulp error over 1e6 points
 *     spread over the whole double (float) range, subnormals included, and
 *     the edge cases (overflow, underflow, +-inf, NaN, +-0);
 *   - the four activations, forward and backward, f64 and f32, against the
 *     ref kernels (pbk_act_*) on random and extreme inputs, with NaN / inf
 *     in the same places;
 *   - the limits: swish(t) = t for large beta t, 0 for very negative, NaN in
 *     NaN out; relu propagates NaN;
 *   - every length from 0 to 40 (vector tails) and the in-place forms;
 *   - the AVX2 and AVX-512 variants give the same bits. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "blas_act.h"
#include "cpu_kernels.h"
#include "pb_test.h"

/* ---- helpers -------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static double uniform(void)
{
    return (double)(rng_next() >> 11) * 0x1p-53;
}

static double normal(void)
{
    double u = uniform(), v = uniform();
    return sqrt(-2 * log(u + 0x1p-60)) * cos(6.283185307179586 * v);
}

/* Error of a in units in the last place of the reference b (finite b);
 * below the normal range the unit is the subnormal spacing. */
static double ulp_err_d(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b) ? 0 : INFINITY;
    if (isinf(a) || isinf(b))
        return a == b ? 0 : INFINITY;
    int e;
    frexp(b, &e);
    double ulp = ldexp(1.0, (e - 53 < -1074) ? -1074 : e - 53);
    if (b == 0)
        ulp = 0x1p-1074;
    return fabs(a - b) / ulp;
}

static double ulp_err_f(float a, float b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b) ? 0 : INFINITY;
    if (isinf(a) || isinf(b))
        return a == b ? 0 : INFINITY;
    int e;
    frexp(b, &e);
    double ulp = ldexp(1.0, (e - 24 < -149) ? -149 : e - 24);
    if (b == 0)
        ulp = 0x1p-149;
    return fabs((double)a - (double)b) / ulp;
}

/* NaN, +inf, -inf or finite */
static int fp_class(double v)
{
    return isnan(v) ? 0 : isinf(v) ? (v > 0 ? 1 : 2) : 3;
}

static int same_bits_d(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static int same_bits_f(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

#define N_EXP 1000000

/* ---- exp -------------------------------------------------------------------- */

static void test_exp_d(const pb_blas_act_impl *k, double *x, double *y)
{
    size_t n = 0;
    for (; n < 600000; n++) /* the whole range where exp is finite, non-zero */
        x[n] = -745.2 + uniform() * (709.8 + 745.2);
    for (; n < 800000; n++) /* the reduced range and around it */
        x[n] = -2 + 4 * uniform();
    for (; n < 900000; n++) /* tiny to moderate, both signs */
        x[n] = (rng_next() & 1 ? -1 : 1) * exp(-690 * uniform());
    for (; n < N_EXP; n++) /* subnormal results and the overflow edge */
        x[n] = n & 1 ? -745.2 + 37.5 * uniform() : 709 + 0.8 * uniform();
    k->exp_d(n, x, y);
    double worst = 0, at = 0;
    size_t same = 0;
    for (size_t i = 0; i < n; i++) {
        double e = ulp_err_d(y[i], exp(x[i]));
        same += e == 0;
        if (e > worst) {
            worst = e;
            at = x[i];
        }
    }
    printf("  exp_d %-8s max error %.3f ulp (at x = %.17g), %.2f%% equal to "
           "libm\n",
           k->name, worst, at, 100.0 * (double)same / (double)n);
    CHECK_MSG(worst <= 1.0, "%s: exp_d max error %.3f ulp at %.17g", k->name,
              worst, at);

    static const double special[] = {
        0.0, -0.0, 1e-300, -1e-300, 1.0, -1.0, 709.78, 709.79, 710.0, 1e300,
        INFINITY, -745.13, -745.14, -746.0, -1e300, -INFINITY, NAN,
        0x1.62e42fefa39efp+9 /* largest finite exp */};
    size_t ns = sizeof special / sizeof special[0];
    k->exp_d(ns, special, y);
    for (size_t i = 0; i < ns; i++) {
        double ref = exp(special[i]);
        CHECK_MSG(fp_class(y[i]) == fp_class(ref) && ulp_err_d(y[i], ref) <= 1,
                  "%s: exp_d(%.17g) = %.17g, libm %.17g", k->name, special[i],
                  y[i], ref);
    }
    CHECK(y[0] == 1.0 && y[1] == 1.0); /* exp(+-0) = 1 exactly */
}

static void test_exp_f(const pb_blas_act_impl *k, float *x, float *y)
{
    size_t n = 0;
    for (; n < 600000; n++)
        x[n] = (float)(-103.9 + uniform() * (88.7 + 103.9));
    for (; n < 800000; n++)
        x[n] = (float)(-2 + 4 * uniform());
    for (; n < 900000; n++)
        x[n] = (float)((rng_next() & 1 ? -1 : 1) * exp(-87 * uniform()));
    for (; n < N_EXP; n++)
        x[n] = (float)(n & 1 ? -103.9 + 16.6 * uniform() : 88 + 0.72 * uniform());
    k->exp_f(n, x, y);
    double worst = 0, at = 0;
    size_t same = 0;
    for (size_t i = 0; i < n; i++) {
        /* exp in double rounded once to float: the correctly rounded value
         * but for rare double roundings */
        double e = ulp_err_f(y[i], (float)exp((double)x[i]));
        same += e == 0;
        if (e > worst) {
            worst = e;
            at = x[i];
        }
    }
    printf("  exp_f %-8s max error %.3f ulp (at x = %.9g), %.2f%% correctly "
           "rounded\n",
           k->name, worst, at, 100.0 * (double)same / (double)n);
    CHECK_MSG(worst <= 1.0, "%s: exp_f max error %.3f ulp at %.9g", k->name,
              worst, at);

    static const float special[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 88.72f,
                                    88.73f, 89.0f, 1e30f, INFINITY, -103.97f,
                                    -104.0f, -1e30f, -INFINITY, NAN};
    size_t ns = sizeof special / sizeof special[0];
    k->exp_f(ns, special, y);
    for (size_t i = 0; i < ns; i++) {
        float ref = (float)exp((double)special[i]);
        CHECK_MSG(fp_class(y[i]) == fp_class(ref) && ulp_err_f(y[i], ref) <= 1,
                  "%s: exp_f(%.9g) = %.9g, libm %.9g", k->name,
                  (double)special[i], (double)y[i], (double)ref);
    }
    CHECK(y[0] == 1.0f && y[1] == 1.0f);
}

/* ---- activations against ref ---------------------------------------------- */

static const double extremes[] = {
    0.0,   -0.0,   1e-300, -1e-300, 1e-30, -1e-30, 0.5,   -0.5,     3.0,
    -3.0,  40.0,   -40.0,  800.0,   -800.0, 1e30,  -1e30, 1e300,    -1e300,
    INFINITY, -INFINITY, NAN, 36.0, -36.0, 709.0, -709.0, 745.0, -745.0,
};
#define N_EXTREMES (sizeof extremes / sizeof extremes[0])
#define N_ACT 4096

static const char *const kind_names[] = {"swish", "relu", "tanh", "softplus"};

/* Inputs: extremes first, then N(0, s^2) with s such that beta t spans the
 * interesting range, then more extremes scaled by 1/beta. */
static void make_inputs(double *z, size_t n, double beta)
{
    for (size_t i = 0; i < n; i++) {
        if (i < N_EXTREMES)
            z[i] = extremes[i];
        else if (i % 7 == 0)
            z[i] = extremes[i % N_EXTREMES] / beta;
        else
            z[i] = normal() * (i % 3 ? 1.0 : 40.0) / fabs(beta);
    }
}

/* Largest |dut - ref| / max(|ref|, 1) over finite references, and whether
 * NaN / inf sit in the same places. */
static double compare_d(const pb_blas_act_impl *k, const char *what,
                        const double *dut, const double *ref, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (fp_class(dut[i]) != fp_class(ref[i])) {
            CHECK_MSG(0, "%s %s [%zu]: dut %.17g, ref %.17g", k->name, what, i,
                      dut[i], ref[i]);
            continue;
        }
        if (!isfinite(ref[i]))
            continue;
        double e = fabs(dut[i] - ref[i]) / fmax(fabs(ref[i]), 1.0);
        worst = fmax(worst, e);
    }
    return worst;
}

static double compare_f(const pb_blas_act_impl *k, const char *what,
                        const float *dut, const float *ref, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (fp_class(dut[i]) != fp_class(ref[i])) {
            CHECK_MSG(0, "%s %s [%zu]: dut %.9g, ref %.9g", k->name, what, i,
                      (double)dut[i], (double)ref[i]);
            continue;
        }
        if (!isfinite(ref[i]))
            continue;
        double e = fabs((double)dut[i] - (double)ref[i]) /
                   fmax(fabs((double)ref[i]), 1.0);
        worst = fmax(worst, e);
    }
    return worst;
}

static void test_acts(const pb_blas_act_impl *k)
{
    static double z[N_ACT], d[N_ACT], out[N_ACT], ref[N_ACT];
    static float zf[N_ACT], df[N_ACT], outf[N_ACT], reff[N_ACT];
    static const double betas[] = {1.0, 20.0, -5.0, 1e-3};
    /* f64: a few ulps; f32: a few float ulps (float exp and libm's expf /
     * tanhf / log1pf differ by an ulp each, then products) */
    const double tol_d = 1e-14, tol_f = 2e-6;
    double worst_d = 0, worst_f = 0;
    for (int kind = 0; kind < 4; kind++) {
        for (size_t b = 0; b < sizeof betas / sizeof betas[0]; b++) {
            pb_act act = {(pb_act_kind)kind, betas[b], 1.3};
            make_inputs(z, N_ACT, betas[b]);
            for (size_t i = 0; i < N_ACT; i++) {
                d[i] = normal();
                zf[i] = pbk_to_float(z[i]);
                df[i] = (float)d[i];
            }
            char what[64];
            snprintf(what, sizeof what, "%s beta=%g", kind_names[kind],
                     betas[b]);

            k->forward_d(&act, N_ACT, z, out);
            pbk_act_forward_d(&act, N_ACT, z, ref);
            double e = compare_d(k, what, out, ref, N_ACT);
            CHECK_MSG(e <= tol_d, "%s forward_d %s: error %.3g", k->name, what, e);
            worst_d = fmax(worst_d, e);
            k->backward_d(&act, N_ACT, z, d, out);
            pbk_act_backward_d(&act, N_ACT, z, d, ref);
            e = compare_d(k, what, out, ref, N_ACT);
            CHECK_MSG(e <= tol_d, "%s backward_d %s: error %.3g", k->name, what, e);
            worst_d = fmax(worst_d, e);

            k->forward_f(&act, N_ACT, zf, outf);
            pbk_act_forward_f(&act, N_ACT, zf, reff);
            e = compare_f(k, what, outf, reff, N_ACT);
            CHECK_MSG(e <= tol_f, "%s forward_f %s: error %.3g", k->name, what, e);
            worst_f = fmax(worst_f, e);
            k->backward_f(&act, N_ACT, zf, df, outf);
            pbk_act_backward_f(&act, N_ACT, zf, df, reff);
            e = compare_f(k, what, outf, reff, N_ACT);
            CHECK_MSG(e <= tol_f, "%s backward_f %s: error %.3g", k->name, what, e);
            worst_f = fmax(worst_f, e);
        }
    }
    printf("  acts  %-8s max error vs ref: f64 %.3g, f32 %.3g (relative, "
           "floor 1)\n",
           k->name, worst_d, worst_f);
}

/* swish at the limits, exactly. */
static void test_swish_limits(const pb_blas_act_impl *k)
{
    const pb_act act = {PB_ACT_SWISH, 20.0, 1.0};
    const double z[] = {1e3, 1e300, INFINITY, -1e3, -1e300, -INFINITY, NAN, 50.0};
    double out[8], dz[8];
    const double one[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    k->forward_d(&act, 8, z, out);
    CHECK(out[0] == 1e3 && out[1] == 1e300 && out[2] == INFINITY);
    CHECK(out[3] == 0 && out[4] == 0 && out[5] == 0);
    CHECK(isnan(out[6]));
    CHECK(out[7] == 50.0);
    k->backward_d(&act, 8, z, one, dz);
    CHECK(dz[0] == 1 && dz[1] == 1 && dz[2] == 1);
    CHECK(dz[3] == 0 && dz[4] == 0 && dz[5] == 0);
    CHECK(isnan(dz[6]));

    const float zf[] = {1e3f, 1e30f, INFINITY, -1e3f, -1e30f, -INFINITY, NAN, 50.0f};
    float outf[8], dzf[8];
    const float onef[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    k->forward_f(&act, 8, zf, outf);
    CHECK(outf[0] == 1e3f && outf[1] == 1e30f && outf[2] == INFINITY);
    CHECK(outf[3] == 0 && outf[4] == 0 && outf[5] == 0);
    CHECK(isnan(outf[6]));
    CHECK(outf[7] == 50.0f);
    k->backward_f(&act, 8, zf, onef, dzf);
    CHECK(dzf[0] == 1 && dzf[1] == 1 && dzf[2] == 1);
    CHECK(dzf[3] == 0 && dzf[4] == 0 && dzf[5] == 0);
    CHECK(isnan(dzf[6]));

    /* relu keeps NaN and maps -inf to 0 */
    const pb_act relu = {PB_ACT_RELU, 20.0, 1.0};
    k->forward_d(&relu, 8, z, out);
    CHECK(isnan(out[6]) && out[5] == 0 && out[2] == INFINITY && out[0] == 1e3);
    k->backward_d(&relu, 8, z, one, dz);
    CHECK(isnan(dz[6]) && dz[5] == 0 && dz[2] == 1);
}

/* Every length 0..40 (tails of every size for every lane count), in place
 * and out of place, against the same kernel on the full vector: the tail
 * path must give the same bits, and nothing past n may be written. */
static void test_lengths(const pb_blas_act_impl *k)
{
    enum { M = 40, PAD = 4 };
    double z[M], d[M], full[M], fullb[M], buf[M + PAD], inplace[M];
    float zf[M], df[M], fullf[M], fullbf[M], buff[M + PAD];
    for (size_t i = 0; i < M; i++) {
        z[i] = normal();
        d[i] = normal();
        zf[i] = (float)z[i];
        df[i] = (float)d[i];
    }
    for (int kind = 0; kind < 4; kind++) {
        const pb_act act = {(pb_act_kind)kind, 10.0, 1.3};
        k->forward_d(&act, M, z, full);
        k->backward_d(&act, M, z, d, fullb);
        k->forward_f(&act, M, zf, fullf);
        k->backward_f(&act, M, zf, df, fullbf);
        int ok = 1;
        for (size_t n = 0; n <= M; n++) {
            /* out of place, guard values after n */
            for (size_t i = 0; i < M + PAD; i++)
                buf[i] = -99.0;
            k->forward_d(&act, n, z, buf);
            for (size_t i = 0; i < n; i++)
                ok &= same_bits_d(buf[i], full[i]);
            for (size_t i = n; i < M + PAD; i++)
                ok &= buf[i] == -99.0;
            /* backward in place on dout, then forward in place on z */
            memcpy(inplace, d, sizeof inplace);
            k->backward_d(&act, n, z, inplace, inplace);
            for (size_t i = 0; i < n; i++)
                ok &= same_bits_d(inplace[i], fullb[i]);
            memcpy(inplace, z, sizeof inplace);
            k->forward_d(&act, n, inplace, inplace);
            for (size_t i = 0; i < n; i++)
                ok &= same_bits_d(inplace[i], full[i]);

            for (size_t i = 0; i < M + PAD; i++)
                buff[i] = -99.0f;
            k->forward_f(&act, n, zf, buff);
            for (size_t i = 0; i < n; i++)
                ok &= same_bits_f(buff[i], fullf[i]);
            for (size_t i = n; i < M + PAD; i++)
                ok &= buff[i] == -99.0f;
            for (size_t i = 0; i < M + PAD; i++)
                buff[i] = -99.0f;
            k->backward_f(&act, n, zf, df, buff);
            for (size_t i = 0; i < n; i++)
                ok &= same_bits_f(buff[i], fullbf[i]);
            for (size_t i = n; i < M + PAD; i++)
                ok &= buff[i] == -99.0f;
        }
        CHECK_MSG(ok, "%s %s: lengths 0..%d", k->name, kind_names[kind], M);
    }
}

/* The fused-multiply-add variants (all but the portable one) agree bit for
 * bit. */
static void test_same_bits(const pb_blas_act_impl *a, const pb_blas_act_impl *b)
{
    static double z[N_ACT], d[N_ACT], oa[N_ACT], ob[N_ACT];
    static float zf[N_ACT], df[N_ACT], oaf[N_ACT], obf[N_ACT];
    for (int kind = 0; kind < 4; kind++) {
        const pb_act act = {(pb_act_kind)kind, 20.0, 1.3};
        make_inputs(z, N_ACT, 20.0);
        for (size_t i = 0; i < N_ACT; i++) {
            d[i] = normal();
            zf[i] = pbk_to_float(z[i]);
            df[i] = (float)d[i];
        }
        int ok = 1;
        a->forward_d(&act, N_ACT, z, oa);
        b->forward_d(&act, N_ACT, z, ob);
        ok &= memcmp(oa, ob, sizeof oa) == 0;
        a->backward_d(&act, N_ACT, z, d, oa);
        b->backward_d(&act, N_ACT, z, d, ob);
        ok &= memcmp(oa, ob, sizeof oa) == 0;
        a->forward_f(&act, N_ACT, zf, oaf);
        b->forward_f(&act, N_ACT, zf, obf);
        ok &= memcmp(oaf, obf, sizeof oaf) == 0;
        a->backward_f(&act, N_ACT, zf, df, oaf);
        b->backward_f(&act, N_ACT, zf, df, obf);
        ok &= memcmp(oaf, obf, sizeof oaf) == 0;
        CHECK_MSG(ok, "%s and %s differ on %s", a->name, b->name,
                  kind_names[kind]);
    }
}

int main(void)
{
    static double xd[N_EXP], yd[N_EXP];
    static float xf[N_EXP], yf[N_EXP];
    const pb_blas_act_impl *fused[4];
    size_t n_fused = 0;

    const pb_blas_act_impl *best = pb_blas_act_select(NULL);
    CHECK(best != NULL && pb_blas_act_runs_here(best));
    CHECK(pb_blas_act_select("portable") != NULL);
    CHECK(pb_blas_act_select("no-such-kernels") == NULL);
    printf("test_blas_act: the backend picks %s here\n", best ? best->name : "?");

    for (size_t i = 0; pb_blas_act_impls[i]; i++) {
        const pb_blas_act_impl *k = pb_blas_act_impls[i];
        if (!pb_blas_act_runs_here(k)) {
            printf("  %s: not supported by this CPU, skipped\n", k->name);
            continue;
        }
        test_exp_d(k, xd, yd);
        test_exp_f(k, xf, yf);
        test_acts(k);
        test_swish_limits(k);
        test_lengths(k);
        if (strcmp(k->name, "portable") != 0 && n_fused < 4)
            fused[n_fused++] = k;
    }
    for (size_t i = 1; i < n_fused; i++)
        test_same_bits(fused[0], fused[i]);
    return pb_test_done("test_blas_act");
}
