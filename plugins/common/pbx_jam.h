/* The logic of the jamming search (docs/physics.md section 8), free of training:
 * how one run and one width are classified, and which width to try next.
 * The search is the authors' downward scan in h, stopped at the first
 * jammed width, then (optionally) an integer bisection of the bracket. */
#ifndef PBX_JAM_H
#define PBX_JAM_H

#include <stddef.h>
#include <stdint.h>

/* Parameters of the FC net without biases, N = d h + (L - 1) h^2 + h
 * (docs/physics.md section 1.3), for a real-valued h (used for N(h*)). */
double pbx_fc_params(double d, double L, double h);

/* One finished run, as the jamming protocol reads it. */
typedef enum pbx_run_class {
    PBX_RUN_UNJAMMED = 0,  /* every margin met within the tolerance: N_Delta(T) = 0 */
    PBX_RUN_JAMMED = 1,    /* N_Delta(T) > 0 and stationary: the loss stopped falling */
    PBX_RUN_INVALID = 2,   /* did not finish (failed, refused, nan, stalled): excluded */
    PBX_RUN_UNDECIDED = 3  /* N_Delta(T) > 0 but the loss still falls: the budget decides */
} pbx_run_class;

/* The end state of a run.  nd is N_Delta counted at loss_margin - margin_tol
 * (the run's train_nd_tol; -1 when not counted).  loss_half is the training
 * loss at T/2 = max_steps / 2 (has_half = 0 when the run stopped before). */
typedef struct pbx_run_end {
    int ok;
    const char *stop_reason;
    int64_t nd;
    int has_half;
    double loss_half, loss_end;
} pbx_run_end;

/* Whether a stop reason means the run did not finish (nan, stalled, error,
 * wall, empty): such a run is no evidence of anything. */
int pbx_stop_is_invalid(const char *stop_reason);

/* The stationarity test: the loss fell by at most loss_rtol of its value at
 * T/2 between T/2 and T, i.e. (loss_half - loss_end) <= loss_rtol * loss_half.
 * A loss that rose also counts as stationary. */
int pbx_jam_stationary(double loss_half, double loss_end, double loss_rtol);

/* unjammed when nd = 0; jammed when nd > 0 and the run is stationary
 * (pbx_jam_stationary), or stopped on an exactly zero gradient; undecided
 * when nd > 0 and the loss still falls (or no T/2 state); invalid when it
 * did not finish. */
pbx_run_class pbx_jam_classify_run(const pbx_run_end *e, double loss_rtol);

/* One width, from its runs: unjammed when any valid run is unjammed (the
 * authors' rule, docs/physics.md section 8); jammed when no valid run is
 * unjammed or undecided and at least min_jammed runs are jammed (the
 * authors' njam = 3); undecided otherwise. */
typedef enum pbx_width_verdict {
    PBX_WIDTH_UNJAMMED = 0,
    PBX_WIDTH_JAMMED = 1,
    PBX_WIDTH_UNDECIDED = 2
} pbx_width_verdict;

pbx_width_verdict pbx_jam_width_verdict(size_t n_unjammed, size_t n_jammed, size_t n_undecided,
                                        size_t min_jammed);

/* The next budget of an undecided run: twice the budget, clipped to cap;
 * 0 when the budget already is the cap (the run stays undecided). */
int64_t pbx_jam_next_budget(int64_t budget, int64_t cap);

/* The name of a run class or width verdict ("unjammed", "jammed", ...). */
const char *pbx_jam_state_name(int width_verdict);

/* An integer strictly between h1 and h2 (needs h2 - h1 >= 2): the geometric
 * midpoint rounded to the nearest integer, because widths (and the jamming
 * point h* = sqrt(h1 h2)) live on a log scale. */
size_t pbx_jam_midpoint(size_t h1, size_t h2);

/* The largest number of bisection steps the bracket (h1, h2) can take. */
int pbx_jam_refine_max_steps(size_t h1, size_t h2);

/* The search state.  h_desc: the candidate widths, strictly decreasing. */
typedef enum pbx_jam_phase { PBX_JAM_SCAN = 0, PBX_JAM_REFINE = 1, PBX_JAM_DONE = 2 } pbx_jam_phase;

typedef struct pbx_jam_search {
    const size_t *h_desc;
    size_t n_h, next_idx;
    int refine;
    pbx_jam_phase phase;
    int has_h1, has_h2;     /* h1: largest jammed width; h2: smallest unjammed one above it */
    size_t h1, h2;
    size_t n_below;         /* widths of the list still scanned below the first jammed one */
    size_t below_left;
    size_t n_undecided;     /* undecided widths met (skipped: h* comes from decided widths) */
    const char *note;       /* why the search ended without a bracket, or "" */
} pbx_jam_search;

/* n_below: after the first jammed width the scan goes on for this many
 * widths of the list (the test-error cusp needs widths on both sides of h*);
 * they never move h1 up nor h2 below h1. */
void pbx_jam_search_init(pbx_jam_search *s, const size_t *h_desc, size_t n_h, int refine,
                         size_t n_below);

/* The next width to train, or 0 when the search is over.  tried[0..n_tried)
 * are the widths already trained: a bisection that meets one of them stops.
 * *is_refine says whether the width comes from the bisection. */
int pbx_jam_search_next(pbx_jam_search *s, const size_t *tried, size_t n_tried, size_t *h,
                        int *is_refine);

/* Feed the verdict of the width returned by the last call of _next.  An
 * undecided width is skipped by the scan (h* comes from decided widths
 * only) and ends a bisection (the bracket stands, less narrow). */
void pbx_jam_search_report(pbx_jam_search *s, size_t h, pbx_width_verdict v);

/* Whether the search found a bracket h1 (jammed) < h2 (unjammed). */
int pbx_jam_search_has_bracket(const pbx_jam_search *s);

/* Claim (a), judged on decided widths only: the jump of N_Delta is sharp
 * when the mean over the jammed runs at h1 of N_Delta / N (within the margin
 * tolerance) is >= threshold. */
int pbx_jam_is_sharp(double nd_over_N_mean_h1, double threshold);

/* The test-error cusp at N* (docs/physics.md section 11).  For the widths tried,
 * ascending, the mean test error and its standard error over seeds (NaN: no valid
 * run, skipped); i1, i2: the indices of h1 and h2.  k = argmax of the mean;
 * its distance in widths from h* is i1 - k + 1 below h*, k - i2 + 1 above.
 * The cusp holds when that distance is <= within and the peak exceeds the
 * value at the largest width by more than n_se standard errors of the
 * difference.  Returns 1 (holds), 0 (does not), -1 (cannot be judged: fewer
 * than 3 widths with an error, or the peak or the largest width without a
 * standard error); *excess = peak - largest-width value, *k_out = argmax. */
int pbx_jam_cusp(const double *mean, const double *se, size_t n, size_t i1, size_t i2, int within, double n_se, double *excess, size_t *k_out);

#endif
