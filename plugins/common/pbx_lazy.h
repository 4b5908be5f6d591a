/* Reductions of the kernel (lazy) limit experiment (docs/physics.md section 9):
 * where r = |Theta_T - Theta_0| / |Theta_0| crosses a threshold c as alpha
 * grows, and whether r falls with alpha. */
#ifndef PBX_LAZY_H
#define PBX_LAZY_H

#include <stddef.h>

typedef enum pbx_cross_status {
    PBX_CROSS_OK = 0,
    PBX_CROSS_TOO_FEW = 1,         /* fewer than two alphas with a measured r */
    PBX_CROSS_NOT_LAZY_AT_MAX = 2, /* r >= c at the largest alpha */
    PBX_CROSS_LAZY_AT_MIN = 3,     /* r < c already at the smallest alpha */
    PBX_CROSS_NONMONOTONE = 4      /* r crosses c more than once */
} pbx_cross_status;

/* alpha ascending; r[i] NaN where nothing was measured (skipped).
 * a1 = largest alpha with r >= c, a2 = smallest alpha with r < c, and
 * alpha* = sqrt(a1 a2), kept only when the largest alpha is lazy, the
 * smallest is not, and a1 < a2 (one crossing).  Outputs NaN when not kept
 * (a1, a2 are still set when they exist). */
pbx_cross_status pbx_crossover(const double *alpha, const double *r, size_t n, double c,
                               double *a1, double *a2, double *alpha_star);

/* A short sentence for a status (for the table's note column). */
const char *pbx_cross_note(pbx_cross_status st);

/* Number of increases of log_mean along the array (NaN entries skipped; each
 * valid entry compared with the previous valid one).  An increase counts only
 * when it exceeds k times the standard error of the difference,
 * sqrt(se_i^2 + se_j^2); a NaN se (a single seed) counts as 0. */
size_t pbx_count_increases(const double *log_mean, const double *se, size_t n, double k);

#endif
