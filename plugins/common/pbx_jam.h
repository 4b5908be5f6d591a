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

/* One finished run. */
typedef enum pbx_run_class {
    PBX_RUN_UNJAMMED = 0, /* reached N_Delta = 0 */
    PBX_RUN_JAMMED = 1,   /* ended within the budget with N_Delta > 0 */
    PBX_RUN_INVALID = 2   /* failed, diverged (nan) or errored: no evidence either way */
} pbx_run_class;

/* The end state of a run, as the jamming search reads it. */
typedef struct pbx_run_end {
    int ok;
    const char *stop_reason;
    int64_t train_nd;        /* #{y F < margin} */
    double min_margin;       /* min y F over the training set */
    double margin;           /* the loss margin (1) */
} pbx_run_end;

/* Unjammed when N_Delta = 0; with nd_tol > 0 also when every y F is within
 * nd_tol of the margin (min_margin >= margin - nd_tol), i.e. when N_Delta
 * counted at the margin minus nd_tol is 0.  The quadratic hinge needs this:
 * its gradient vanishes at the margin, so gradient flow brings satisfied
 * constraints to y F = 1 from below and the strict count never reaches 0. */
pbx_run_class pbx_jam_classify_run(const pbx_run_end *e, double nd_tol);

/* One width, from its runs: unjammed when any run is unjammed (the authors'
 * rule), jammed when every run is jammed, undecided when no run is
 * unjammed but some are invalid (or there are none). */
typedef enum pbx_width_verdict {
    PBX_WIDTH_UNJAMMED = 0,
    PBX_WIDTH_JAMMED = 1,
    PBX_WIDTH_UNDECIDED = 2
} pbx_width_verdict;

pbx_width_verdict pbx_jam_width_verdict(size_t n_unjammed, size_t n_jammed, size_t n_invalid);

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
    int has_h1, has_h2;     /* h1: largest jammed width; h2: smallest unjammed one */
    size_t h1, h2;
    const char *note;       /* why the search ended without a bracket, or "" */
} pbx_jam_search;

void pbx_jam_search_init(pbx_jam_search *s, const size_t *h_desc, size_t n_h, int refine);

/* The next width to train, or 0 when the search is over.  tried[0..n_tried)
 * are the widths already trained: a bisection that meets one of them stops.
 * *is_refine says whether the width comes from the bisection. */
int pbx_jam_search_next(pbx_jam_search *s, const size_t *tried, size_t n_tried, size_t *h,
                        int *is_refine);

/* Feed the verdict of the width returned by the last call of _next. */
void pbx_jam_search_report(pbx_jam_search *s, size_t h, pbx_width_verdict v);

/* Whether the search found a bracket h1 (jammed) < h2 (unjammed). */
int pbx_jam_search_has_bracket(const pbx_jam_search *s);

/* Claim (a): the jump of N_Delta is sharp when the least jammed seed at h1
 * still has N_Delta / N >= threshold while some seed at h2 reaches 0. */
int pbx_jam_is_sharp(double nd_over_N_min_h1, int64_t nd_min_h2, double threshold);

#endif
