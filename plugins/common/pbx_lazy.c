#include "pbx_lazy.h"

#include "pbx_stats.h"

#include "pb_pmath.h"

#include <math.h>
#include <stdlib.h>

pbx_cross_status pbx_crossover(const double *alpha, const double *r, size_t n, double c,
                               double *a1, double *a2, double *alpha_star)
{
    *a1 = *a2 = *alpha_star = NAN;
    size_t n_valid = 0, first = 0, last = 0, i1 = 0, i2 = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(r[i]))
            continue;
        if (n_valid == 0)
            first = i;
        last = i;
        n_valid++;
        if (r[i] >= c) {
            *a1 = alpha[i]; /* ascending: the last one wins */
            i1 = i;
        } else if (isnan(*a2)) {
            *a2 = alpha[i];
            i2 = i;
        }
    }
    if (n_valid < 2)
        return PBX_CROSS_TOO_FEW;
    if (r[last] >= c)
        return PBX_CROSS_NOT_LAZY_AT_MAX;
    if (r[first] < c)
        return PBX_CROSS_LAZY_AT_MIN;
    if (!(*a1 < *a2))
        return PBX_CROSS_NONMONOTONE;
    double l1 = pb_pm_log(r[i1]), l2 = pb_pm_log(r[i2]);
    if (!(r[i1] > 0 && r[i2] > 0) || !(l1 > l2)) {
        *alpha_star = sqrt(*a1 * *a2); /* r = 0 has no logarithm: the geometric midpoint */
        return PBX_CROSS_OK;
    }
    double la1 = pb_pm_log(*a1), la2 = pb_pm_log(*a2);
    *alpha_star = pb_pm_exp(la1 + (pb_pm_log(c) - l1) * (la2 - la1) / (l2 - l1));
    return PBX_CROSS_OK;
}

const char *pbx_cross_note(pbx_cross_status st)
{
    switch (st) {
    case PBX_CROSS_OK:
        return "";
    case PBX_CROSS_TOO_FEW:
        return "fewer than two alphas with a measured r";
    case PBX_CROSS_NOT_LAZY_AT_MAX:
        return "not lazy at the largest alpha (r >= c): crossover above the grid";
    case PBX_CROSS_LAZY_AT_MIN:
        return "already lazy at the smallest alpha (r < c): crossover below the grid";
    case PBX_CROSS_NONMONOTONE:
        return "r crosses c more than once: no single crossover";
    }
    return "?";
}

size_t pbx_count_increases(const double *log_mean, const double *se, size_t n, double k)
{
    size_t count = 0;
    int have_prev = 0;
    double prev = 0.0, prev_se = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(log_mean[i]))
            continue;
        double s = isfinite(se[i]) ? se[i] : 0.0;
        if (have_prev && log_mean[i] - prev > k * sqrt(prev_se * prev_se + s * s))
            count++;
        prev = log_mean[i];
        prev_se = s;
        have_prev = 1;
    }
    return count;
}

size_t pbx_lazy_slope(const double *alpha, const double *r, size_t n, double r_lazy,
                      pbx_fit *fit)
{
    double *x = malloc(2 * (n ? n : 1) * sizeof *x);
    if (!x) {
        pbx_linfit(NULL, NULL, 0, fit);
        return 0;
    }
    double *y = x + n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(r[i]) && r[i] > 0.0 && r[i] < r_lazy) || !(alpha[i] > 0.0))
            continue;
        x[m] = pb_pm_log(alpha[i]);
        y[m] = pb_pm_log(r[i]);
        m++;
    }
    pbx_linfit(x, y, m, fit);
    free(x);
    return m;
}
