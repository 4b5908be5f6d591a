/* Reductions of the ensemble experiment (docs/physics.md section 10).  Outputs of
 * K members on the same n test points are stored member after member:
 * F[k * n_test + i]. */
#ifndef PBX_ENS_H
#define PBX_ENS_H

#include <stddef.h>

/* Single-net error: fraction of points with y F <= 0 (the authors' rule,
 * so an output exactly 0 counts as an error). */
double pbx_single_err(const double *F, const double *y, size_t n_test);

/* Ensemble error of the first n members for n = 1..K: curve[n - 1] is the
 * fraction of points with (mean of F) y < 0 (strict, as the authors'
 * enserr).  work: n_test doubles. */
void pbx_ens_curve(const double *F, size_t K, const double *y, size_t n_test, double *curve,
                   double *work);

/* delta F: for each member the RMS over the test points of F_k - mean_k F,
 * averaged over the K members.  NaN when K < 2.  work: n_test doubles. */
double pbx_delta_f(const double *F, size_t K, size_t n_test, double *work);

/* Whether the ensemble error is flat in h (docs/physics.md section 10: averaging
 * members of any width above jamming reaches the same error).  err[0..n):
 * ensemble errors on the same n_test points (NaN skipped).  *range = max -
 * min; *tol = k sqrt(e (1 - e) / n_test) with e their mean: k binomial
 * standard errors of a test error measured on n_test points.  Returns 1
 * (range <= tol), 0 (not flat), -1 (fewer than 2 errors or n_test = 0). */
int pbx_ens_flat(const double *err, size_t n, size_t n_test, double k, double *range,
                 double *tol);

#endif
