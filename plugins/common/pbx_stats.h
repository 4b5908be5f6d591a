/* Small statistics shared by the experiment plugins.  Every function is pure
 * and returns NaN (never crashes) when the input cannot give a number, so a
 * plugin can write the result straight into a table, where NaN becomes an
 * empty cell. */
#ifndef PBX_STATS_H
#define PBX_STATS_H

#include <stddef.h>

/* Arithmetic mean; NaN when n == 0. */
double pbx_mean(const double *x, size_t n);

/* Sample standard deviation (divisor n - 1); NaN when n < 2. */
double pbx_std(const double *x, size_t n);

/* Standard error of the mean, std / sqrt(n); NaN when n < 2. */
double pbx_sem(const double *x, size_t n);

/* Geometric mean; NaN when n == 0 or any value is not finite and > 0. */
double pbx_geomean(const double *x, size_t n);

/* Pearson correlation of a and b; NaN when n < 2 or either has no variance. */
double pbx_pearson(const double *a, const double *b, size_t n);

/* Least-squares line y = intercept + slope x. */
typedef struct pbx_fit {
    double slope, intercept;
    double slope_se;  /* standard error of the slope; NaN when n < 3 */
    size_t n;
} pbx_fit;

/* Returns 0, or -1 (fit all NaN) when n < 2 or all x are equal. */
int pbx_linfit(const double *x, const double *y, size_t n, pbx_fit *fit);

/* Sort ascending and drop exact duplicates; returns the new count. */
size_t pbx_sort_unique(double *x, size_t n);

#endif
