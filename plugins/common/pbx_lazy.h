/* Reductions of the kernel (lazy) limit experiment (docs/physics.md section 9):
 * where r = |Theta_T - Theta_0| / |Theta_0| crosses a threshold c as alpha
 * grows, and whether r falls with alpha. */
#ifndef PBX_LAZY_H
#define PBX_LAZY_H

#include <stddef.h>

struct pbx_fit;

typedef enum pbx_cross_status {
    PBX_CROSS_OK = 0,
    PBX_CROSS_TOO_FEW = 1,         /* fewer than two alphas with a measured r */
    PBX_CROSS_NOT_LAZY_AT_MAX = 2, /* r >= c at the largest alpha */
    PBX_CROSS_LAZY_AT_MIN = 3,     /* r < c already at the smallest alpha */
    PBX_CROSS_NONMONOTONE = 4      /* r crosses c more than once */
} pbx_cross_status;

/* alpha ascending; r[i] NaN where nothing was measured (skipped).
 * a1 = largest alpha with r >= c, a2 = smallest alpha with r < c (neighbours
 * among the measured alphas when there is one crossing), and alpha* where
 * the straight line through (log a1, log r1) and (log a2, log r2) meets
 * log c: log alpha* = log a1 + (log c - log r1) (log a2 - log a1) /
 * (log r2 - log r1), so alpha* lies in [a1, a2) and moves with r between
 * grid points (the authors' refinement bisects in log alpha on the same
 * objective, docs/physics.md section 9).  Kept only when the largest alpha is
 * lazy, the smallest is not, and a1 < a2 (one crossing).  Outputs NaN when
 * not kept (a1, a2 are still set when they exist). */
pbx_cross_status pbx_crossover(const double *alpha, const double *r, size_t n, double c,
                               double *a1, double *a2, double *alpha_star);

/* A short sentence for a status (for the table's note column). */
const char *pbx_cross_note(pbx_cross_status st);

/* Number of increases of log_mean along the array (NaN entries skipped; each
 * valid entry compared with the previous valid one).  An increase counts only
 * when it exceeds k times the standard error of the difference,
 * sqrt(se_i^2 + se_j^2); a NaN se (a single seed) counts as 0. */
size_t pbx_count_increases(const double *log_mean, const double *se, size_t n, double k);

/* The lazy slope d log r / d log alpha (docs/physics.md section 9: r ~ 1/alpha
 * once the net is lazy): the least-squares line of log r against log alpha
 * over the alphas with 0 < r < r_lazy (the lazy decades; NaN r skipped).
 * Returns the number of points used; fit is all NaN when fewer than 2. */
size_t pbx_lazy_slope(const double *alpha, const double *r, size_t n, double r_lazy,
                      struct pbx_fit *fit);

#endif
