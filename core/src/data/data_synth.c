/* Synthetic sets of the authors: Gaussian inputs, labels by a rule.
 * They are used as generated: no centring, no normalisation, no PCA. */
#include "data_readers.h"
#include "rng.h"

#include "pb_pmath.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The authors' stripe: class 0 inside (-0.3, 1.18549) on the first axis.
 * The bounds make both classes have probability 1/2 under N(0,1). */
#define STRIPE_LO (-0.3)
#define STRIPE_HI 1.18549

/* log Gamma(a) for a = n / 2 (the chi-square's only shape): a sum of
 * logarithms by Gamma(a + 1) = a Gamma(a) down to Gamma(1) = 1 or
 * Gamma(1/2) = sqrt(pi), with the portable log so the bits of the sphere
 * set's threshold do not depend on the CPU. */
static double lgamma_half(double a)
{
    double s = 0.0, t = a;
    while (t > 1.0) {
        t -= 1.0;
        s += pb_pm_log(t);
    }
    if (t == 0.5)
        s += 0.5 * pb_pm_log(3.14159265358979323846);
    return s;
}

/* exp(a log x - x - lgamma(a)): the common prefactor of both expansions
 * of the incomplete gamma function. */
static double gamma_prefactor(double a, double x)
{
    return pb_pm_exp(a * pb_pm_log(x) - x - lgamma_half(a));
}

/* Regularised lower incomplete gamma P(a, x), a > 0, x >= 0.  Series for
 * x < a + 1, continued fraction of Q = 1 - P (modified Lentz) otherwise:
 * both converge to relative precision DBL_EPSILON in that range. */
static double gamma_p(double a, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int k = 1; k < 1000000; k++) {
            term *= x / (a + k);
            sum += term;
            if (fabs(term) < fabs(sum) * DBL_EPSILON)
                break;
        }
        return sum * gamma_prefactor(a, x);
    }
    const double tiny = DBL_MIN / DBL_EPSILON;
    double b = x + 1.0 - a, c = 1.0 / tiny, dd = 1.0 / b, h = dd;
    for (int k = 1; k < 1000000; k++) {
        double an = -k * (k - a);
        b += 2.0;
        dd = an * dd + b;
        if (fabs(dd) < tiny)
            dd = tiny;
        c = b + an / c;
        if (fabs(c) < tiny)
            c = tiny;
        dd = 1.0 / dd;
        double delta = dd * c;
        h *= delta;
        if (fabs(delta - 1.0) < DBL_EPSILON)
            break;
    }
    return 1.0 - gamma_prefactor(a, x) * h;
}

double pb_chi2_median(size_t d)
{
    if (d == 0)
        return 0.0;
    /* The chi-square CDF is P(d/2, m/2).  The median lies below the mean
     * d, so [0, d] brackets it; bisection runs until the bracket is two
     * adjacent doubles. */
    double a = 0.5 * (double)d, lo = 0.0, hi = (double)d;
    for (int it = 0; it < 2000; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        if (gamma_p(a, 0.5 * mid) < 0.5)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The synthetic sets, in the order of their rules below. */
enum { RANDOM, STRIPE, SPHERE };
static const char *const synth_names[] = {"random", "stripe", "sphere"};

int pb_data_is_synthetic(const char *spec)
{
    for (size_t i = 0; spec && i < sizeof synth_names / sizeof *synth_names; i++)
        if (strcmp(spec, synth_names[i]) == 0)
            return (int)i + 1;
    return 0;
}

int pb_synth_make(const char *kind, size_t d, size_t n, uint64_t seed,
                  pb_pool *out, char *err, size_t err_len)
{
    int rule = pb_data_is_synthetic(kind) - 1;
    if (rule < 0)
        return pb_data_errf(err, err_len,
                            "unknown synthetic set '%s': expected random, "
                            "stripe or sphere",
                            kind);
    if (d == 0)
        return pb_data_errf(err, err_len,
                            "%s: the input dimension d must be > 0", kind);
    if (n == 0)
        return pb_data_errf(err, err_len,
                            "%s: the number of samples must be > 0", kind);
    if (n > SIZE_MAX / sizeof(double) / d)
        return pb_data_errf(err, err_len, "%s: %zu samples x d = %zu is too "
                            "large", kind, n, d);
    double *x = malloc(n * d * sizeof *x);
    int *cls = malloc(n * sizeof *cls);
    if (!x || !cls) {
        free(x);
        free(cls);
        return pb_data_errf(err, err_len, "%s: out of memory for %zu x %zu",
                            kind, n, d);
    }
    /* Element (i, j) is draw i*d + j of the stream: sample i does not
     * depend on n, so a larger pool extends a smaller one. */
    pb_rng_normal_fill(seed, PB_STREAM_DATA_X, 0, x, n * d);
    double threshold = rule == SPHERE ? pb_chi2_median(d) : 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * d;
        int c;
        if (rule == RANDOM) {
            c = (int)pb_rng_below(seed, PB_STREAM_DATA_Y, i, 2);
        } else if (rule == STRIPE) {
            c = (row[0] > STRIPE_LO && row[0] < STRIPE_HI) ? 0 : 1;
        } else {
            double r2 = 0.0;
            for (size_t j = 0; j < d; j++)
                r2 += row[j] * row[j];
            c = r2 < threshold ? 0 : 1;
        }
        cls[i] = c;
    }
    out->n = n;
    out->d = d;
    out->raw_dim = d;
    out->n_classes = 2;
    out->x = x;
    out->cls = cls;
    out->synthetic = 1;
    return 0;
}
