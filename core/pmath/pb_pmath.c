/* Portable elementary functions (pb_pmath.h has the method and the
 * accuracy).  Every constant below is either an exact power of two, an
 * exact rational folded by the compiler with correct rounding (1.0 / 720.0
 * and the like), or a split of ln 2 whose high part has 32 significant
 * bits, so that k * LN2_HI is exact for |k| < 2^21. */
#include "pb_pmath.h"

#include <math.h>
#include <string.h>

#define LN2_HI 6.93147180369123816490e-01  /* 0x3fe62e42fee00000 */
#define LN2_LO 1.90821492927058770002e-10  /* ln 2 - LN2_HI */
#define INV_LN2 1.44269504088896338700e+00 /* 1 / ln 2, rounded */
#define INV_LN10 4.34294481903251827651e-01
#define SQRT2 1.41421356237309504880
#define PI_HI 3.14159265358979311600e+00 /* pi rounded to double */
#define PI_LO 1.22464679914735317723e-16 /* pi - PI_HI */

static uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static double of_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* 2^k for -1022 <= k <= 1023, exactly. */
static double pow2i(int k)
{
    return of_bits((uint64_t)(k + 1023) << 52);
}

/* y * 2^k for any k the callers produce (-1100 < k < 1100): one rounding
 * at most, in the last multiplication, so a subnormal result is rounded
 * once. */
static double scale2(double y, int k)
{
    if (k > 1023)
        return y * pow2i(1023) * pow2i(k - 1023);
    if (k < -1022)
        return y * pow2i(k + 64) * pow2i(-64);
    return y * pow2i(k);
}

/* e^r - 1 for |r| <= ln 2 by its Taylor series through r^18 (the first
 * omitted term is below 3e-19 relative).  Written r + r^2 q(r) so that the
 * leading term is exact and the rounding of the correction is small. */
static double expm1_core(double r)
{
    static const double c[] = {
        1.0 / 2.0,          1.0 / 6.0,           1.0 / 24.0,
        1.0 / 120.0,        1.0 / 720.0,         1.0 / 5040.0,
        1.0 / 40320.0,      1.0 / 362880.0,      1.0 / 3628800.0,
        1.0 / 39916800.0,   1.0 / 479001600.0,   1.0 / 6227020800.0,
        1.0 / 87178291200.0, 1.0 / 1307674368000.0, 1.0 / 20922789888000.0,
        1.0 / 355687428096000.0, 1.0 / 6402373705728000.0};
    const int n = (int)(sizeof c / sizeof c[0]);
    double q = c[n - 1];
    for (int i = n - 2; i >= 0; i--)
        q = c[i] + r * q;
    return r + (r * r) * q;
}

/* Cody-Waite reduction: x = k ln 2 + r with |r| <= ln2/2 (plus rounding).
 * k * LN2_HI is exact and x - k * LN2_HI is exact (the two are within a
 * factor 2 of each other or the difference is below ulp-size), so the only
 * rounding is in r = hi - k * LN2_LO. */
static double reduce_ln2(double x, int *k)
{
    double kd = floor(x * INV_LN2 + 0.5);
    *k = (int)kd;
    double hi = x - kd * LN2_HI;
    return hi - kd * LN2_LO;
}

double pb_pm_exp(double x)
{
    if (x != x)
        return x;
    if (x > 709.782712893383973096)
        return HUGE_VAL;
    if (x < -745.133219101941108420)
        return 0.0;
    int k;
    double r = reduce_ln2(x, &k);
    return scale2(1.0 + expm1_core(r), k);
}

double pb_pm_expm1(double x)
{
    if (x != x)
        return x;
    if (x > 709.782712893383973096)
        return HUGE_VAL;
    if (x < -40.0) /* e^-40 < 2^-57: the result rounds to -1 */
        return -1.0;
    if (fabs(x) < 0x1p-54)
        return x;
    /* Below ln 2 the series on x itself is accurate; a reduction there
     * would cancel in (2^k - 1) + 2^k e. */
    if (fabs(x) < LN2_HI)
        return expm1_core(x);
    int k;
    double r = reduce_ln2(x, &k);
    double e = expm1_core(r);
    if (k > 56) /* the -1 is below half an ulp of e^x */
        return scale2(1.0 + e, k);
    /* e^x - 1 = 2^k (1 + e) - 1 = (2^k - 1) + 2^k e; 2^k - 1 is exact for
     * -57 < k <= 56 and 2^k e is exact, so one rounding remains. */
    double t = pow2i(k);
    return (t - 1.0) + t * e;
}

/* log(1 + f) - f for f = m - 1, m in [sqrt(2)/2, sqrt(2)), in the
 * arrangement log(1+f) = f - hfsq + s (hfsq + R), s = f / (2 + f),
 * hfsq = f^2 / 2, R = sum_{n>=1} 2 s^(2n) / (2n + 1), which is exact
 * algebra (2 atanh s = log(1+f)); the series is summed through s^24
 * (|s| <= 0.1716: the first omitted term is below 1e-20 relative). */
static void log1p_tail(double f, double *hfsq_out, double *s_r)
{
    static const double c[] = {2.0 / 3.0,  2.0 / 5.0,  2.0 / 7.0,  2.0 / 9.0,
                               2.0 / 11.0, 2.0 / 13.0, 2.0 / 15.0, 2.0 / 17.0,
                               2.0 / 19.0, 2.0 / 21.0, 2.0 / 23.0, 2.0 / 25.0};
    const int n = (int)(sizeof c / sizeof c[0]);
    double s = f / (2.0 + f);
    double z = s * s;
    double q = c[n - 1];
    for (int i = n - 2; i >= 0; i--)
        q = c[i] + z * q;
    double hfsq = 0.5 * f * f;
    *hfsq_out = hfsq;
    *s_r = s * (hfsq + z * q);
}

/* x = 2^k m with m in [sqrt(2)/2, sqrt(2)) for finite x > 0. */
static double split_sqrt2(double x, int *k)
{
    int adj = 0;
    if (x < 0x1p-1022) { /* subnormal: scale into the normal range */
        x *= 0x1p54;
        adj = -54;
    }
    uint64_t u = bits_of(x);
    int e = (int)((u >> 52) & 0x7ff) - 1023;
    double m = of_bits((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
    if (m >= SQRT2) {
        m *= 0.5;
        e += 1;
    }
    *k = e + adj;
    return m;
}

double pb_pm_log(double x)
{
    if (x != x)
        return x;
    if (x < 0.0)
        return NAN;
    if (x == 0.0)
        return -HUGE_VAL;
    if (x == HUGE_VAL)
        return x;
    int k;
    double f = split_sqrt2(x, &k) - 1.0; /* exact (Sterbenz) */
    double hfsq, sr;
    log1p_tail(f, &hfsq, &sr);
    double kd = (double)k;
    return kd * LN2_HI - ((hfsq - (sr + kd * LN2_LO)) - f);
}

double pb_pm_log1p(double x)
{
    if (x != x)
        return x;
    if (x < -1.0)
        return NAN;
    if (x == -1.0)
        return -HUGE_VAL;
    if (x == HUGE_VAL)
        return x;
    if (fabs(x) < 0x1p-54)
        return x;
    double u = 1.0 + x;
    int k = 0;
    double f, c = 0.0;
    if (u >= SQRT2 / 2.0 && u < SQRT2) {
        f = x; /* 1 + f = 1 + x exactly: no rounding to correct */
    } else {
        f = split_sqrt2(u, &k) - 1.0;
        /* u = fl(1 + x) lost (1 + x) - u; log(1+x) = log u + c with
         * c = ((1 + x) - u) / u to first order.  The differences below are
         * exact in their ranges (x > 0.41: u - x; x < -0.29: u - 1). */
        if (k < 54) {
            c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
            c /= u;
        }
    }
    double hfsq, sr;
    log1p_tail(f, &hfsq, &sr);
    double kd = (double)k;
    return kd * LN2_HI - ((hfsq - (sr + (kd * LN2_LO + c))) - f);
}

double pb_pm_log10(double x)
{
    return pb_pm_log(x) * INV_LN10;
}

double pb_pm_tanh(double x)
{
    if (x != x)
        return x;
    double ax = fabs(x), z;
    if (ax > 22.0) /* 1 - tanh < 2^-63 */
        z = 1.0;
    else if (ax < 0x1p-28) /* x^3/3 below half an ulp of x */
        return x;
    else if (ax < 1.0) {
        double t = pb_pm_expm1(-2.0 * ax);
        z = -t / (t + 2.0);
    } else {
        double t = pb_pm_expm1(2.0 * ax);
        z = 1.0 - 2.0 / (t + 2.0);
    }
    return x < 0.0 ? -z : z;
}

/* cos(t) and sin(t) for |t| <= pi/4 by their Taylor series through t^16
 * and t^17 (the first omitted terms are below 3e-18). */
static double cos_core(double t)
{
    static const double c[] = {-1.0 / 2.0,
                               1.0 / 24.0,
                               -1.0 / 720.0,
                               1.0 / 40320.0,
                               -1.0 / 3628800.0,
                               1.0 / 479001600.0,
                               -1.0 / 87178291200.0,
                               1.0 / 20922789888000.0};
    const int n = (int)(sizeof c / sizeof c[0]);
    double z = t * t, q = c[n - 1];
    for (int i = n - 2; i >= 0; i--)
        q = c[i] + z * q;
    return 1.0 + z * q;
}

static double sin_core(double t)
{
    static const double c[] = {-1.0 / 6.0,
                               1.0 / 120.0,
                               -1.0 / 5040.0,
                               1.0 / 362880.0,
                               -1.0 / 39916800.0,
                               1.0 / 6227020800.0,
                               -1.0 / 1307674368000.0,
                               1.0 / 355687428096000.0};
    const int n = (int)(sizeof c / sizeof c[0]);
    double z = t * t, q = c[n - 1];
    for (int i = n - 2; i >= 0; i--)
        q = c[i] + z * q;
    return t + t * (z * q);
}

double pb_pm_cospi(double x)
{
    if (x != x || fabs(x) == HUGE_VAL)
        return NAN;
    double ax = fabs(x);
    if (ax >= 0x1p53) /* every such double is an even integer */
        return 1.0;
    /* y = ax mod 2 and v = y - n/2 are exact: integers and half-integers
     * below 2^53 are representable and the differences are smaller than
     * their operands' ulp allows to lose. */
    double y = ax - 2.0 * floor(ax * 0.5);
    double n = floor(2.0 * y + 0.5);
    double v = y - 0.5 * n;
    double t = v * PI_HI + v * PI_LO;
    switch ((int)n & 3) {
    case 0:
        return cos_core(t);
    case 1:
        return -sin_core(t);
    case 2:
        return -cos_core(t);
    default:
        return sin_core(t);
    }
}

double pb_pm_powi(double x, int64_t k)
{
    uint64_t n = k < 0 ? (uint64_t)0 - (uint64_t)k : (uint64_t)k;
    double r = 1.0, b = x;
    while (n) {
        if (n & 1u)
            r *= b;
        n >>= 1;
        if (n)
            b *= b;
    }
    return k < 0 ? 1.0 / r : r;
}

double pb_pm_pow(double x, double y)
{
    if (x != x || y != y)
        return NAN;
    if (x < 0.0)
        return NAN;
    if (x == 0.0)
        return y > 0.0 ? 0.0 : (y == 0.0 ? 1.0 : HUGE_VAL);
    if (y == floor(y) && fabs(y) < 0x1p31)
        return pb_pm_powi(x, (int64_t)y);
    return pb_pm_exp(y * pb_pm_log(x));
}
