#include "pbx_ens.h"

#include <math.h>

double pbx_single_err(const double *F, const double *y, size_t n_test)
{
    if (n_test == 0)
        return NAN;
    size_t wrong = 0;
    for (size_t i = 0; i < n_test; i++)
        wrong += y[i] * F[i] <= 0.0;
    return (double)wrong / (double)n_test;
}

void pbx_ens_curve(const double *F, size_t K, const double *y, size_t n_test, double *curve,
                   double *work)
{
    for (size_t i = 0; i < n_test; i++)
        work[i] = 0.0;
    for (size_t k = 0; k < K; k++) {
        /* The sign of the running sum is the sign of the mean. */
        size_t wrong = 0;
        for (size_t i = 0; i < n_test; i++) {
            work[i] += F[k * n_test + i];
            wrong += work[i] * y[i] < 0.0;
        }
        curve[k] = n_test ? (double)wrong / (double)n_test : NAN;
    }
}

double pbx_delta_f(const double *F, size_t K, size_t n_test, double *work)
{
    if (K < 2 || n_test == 0)
        return NAN;
    for (size_t i = 0; i < n_test; i++) {
        double s = 0.0;
        for (size_t k = 0; k < K; k++)
            s += F[k * n_test + i];
        work[i] = s / (double)K;
    }
    double sum_rms = 0.0;
    for (size_t k = 0; k < K; k++) {
        double ss = 0.0;
        for (size_t i = 0; i < n_test; i++) {
            double e = F[k * n_test + i] - work[i];
            ss += e * e;
        }
        sum_rms += sqrt(ss / (double)n_test);
    }
    return sum_rms / (double)K;
}

int pbx_ens_flat(const double *err, size_t n, size_t n_test, double k, double *range,
                 double *tol)
{
    double lo = INFINITY, hi = -INFINITY, sum = 0.0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(err[i]))
            continue;
        lo = err[i] < lo ? err[i] : lo;
        hi = err[i] > hi ? err[i] : hi;
        sum += err[i];
        m++;
    }
    *range = *tol = NAN;
    if (m < 2 || n_test == 0)
        return -1;
    double e = sum / (double)m;
    *range = hi - lo;
    *tol = k * sqrt(e * (1.0 - e) / (double)n_test);
    return *range <= *tol ? 1 : 0;
}
