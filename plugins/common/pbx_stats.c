#include "pbx_stats.h"

#include "pb_pmath.h"

#include <math.h>
#include <stdlib.h>

double pbx_mean(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

double pbx_std(const double *x, size_t n)
{
    if (n < 2)
        return NAN;
    /* Two passes: the sums of squares around the mean do not cancel. */
    double m = pbx_mean(x, n), ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    return sqrt(ss / (double)(n - 1));
}

double pbx_sem(const double *x, size_t n)
{
    return n < 2 ? NAN : pbx_std(x, n) / sqrt((double)n);
}

double pbx_geomean(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(x[i]) && x[i] > 0.0))
            return NAN;
        s += pb_pm_log(x[i]);
    }
    return pb_pm_exp(s / (double)n);
}

double pbx_pearson(const double *a, const double *b, size_t n)
{
    if (n < 2)
        return NAN;
    double ma = pbx_mean(a, n), mb = pbx_mean(b, n);
    double sab = 0.0, saa = 0.0, sbb = 0.0;
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    if (!(saa > 0.0 && sbb > 0.0))
        return NAN;
    return sab / sqrt(saa * sbb);
}

int pbx_linfit(const double *x, const double *y, size_t n, pbx_fit *fit)
{
    fit->slope = fit->intercept = fit->slope_se = NAN;
    fit->n = n;
    if (n < 2)
        return -1;
    double mx = pbx_mean(x, n), my = pbx_mean(y, n), sxx = 0.0, sxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    if (!(sxx > 0.0))
        return -1;
    fit->slope = sxy / sxx;
    fit->intercept = my - fit->slope * mx;
    if (n >= 3) {
        double ssr = 0.0;
        for (size_t i = 0; i < n; i++) {
            double e = y[i] - fit->intercept - fit->slope * x[i];
            ssr += e * e;
        }
        /* Residual variance with n - 2 degrees of freedom (two fitted
         * parameters), the textbook standard error of an OLS slope. */
        fit->slope_se = sqrt(ssr / (double)(n - 2) / sxx);
    }
    return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

size_t pbx_sort_unique(double *x, size_t n)
{
    if (n == 0)
        return 0;
    qsort(x, n, sizeof *x, cmp_double);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (x[i] != x[k - 1])
            x[k++] = x[i];
    return k;
}
