/* Full-batch gradient flow with the authors' adaptive Euler step
 * (docs/physics.md section 5).
 *
 * At weights w with outputs o and gradient g, a tentative step w' (plain:
 * w - dt g; with momentum tau > 0: v' = e v - (1 - e) g, w' = w + dt v',
 * e = exp(-dt / tau)) is evaluated.  With
 *   dout  = max_mu |o'_mu - o_mu| / (max_dout / alpha)
 *   dgrad = |g' - g|^2 / (|g| |g'|) / max_dgrad   (0 if a norm is 0)
 * the step is accepted when both are below 1, and dt grows by `grow` when
 * both are below 1/2; otherwise dt is divided by `shrink` and the step is
 * retried from w.  t is the sum of accepted dt.
 *
 * The same loop trains the net (parameters = weights) and the kernel machine
 * (parameters = the dual coefficients): the caller supplies the evaluation. */
#ifndef PB_FLOW_H
#define PB_FLOW_H

#include "phasebench/backend.h"

#include <stdint.h>

typedef struct pb_flow_params {
    double alpha;       /* output scale: max_dout is divided by it */
    double tau;         /* momentum time; 0 = plain gradient flow */
    double dt0;         /* initial dt (1) */
    double max_dout;    /* 0.1 */
    double max_dgrad;   /* 1e-4 */
    double grow;        /* 1.1 */
    double shrink;      /* 10 */
    double stop_margin; /* stop when every alpha y o > stop_margin (1) */
    double margin_tol;  /* also stop (converged) when every alpha y o >= stop_margin - margin_tol;
                         * 0: the strict rule.  The quadratic hinge needs it: its gradient vanishes
                         * at the margin, so satisfied margins approach it from below */
    int64_t frozen_steps; /* stop `stalled` after this many consecutive accepted steps that left
                           * every parameter bit-identical (50); <= 0: never */
    int64_t mark_step;  /* record the state at this accepted step (pb_flow_state.mark_*); <= 0: none */
    int64_t max_steps;  /* accepted steps; <= 0: no limit */
    double max_time;    /* flow time; <= 0: no limit */
    double max_wall;    /* seconds, safety cap only; <= 0: no limit */
    int64_t ckpt_step;  /* checkpoint schedule (500) */
    double ckpt_tau;    /* (1e4) */
} pb_flow_params;

void pb_flow_params_default(pb_flow_params *p);

/* Where the flow stands; handed to the checkpoint hook. */
typedef struct pb_flow_state {
    int64_t step;        /* accepted steps */
    int64_t grad_evals;  /* evaluations of loss and gradient */
    int64_t rejected;    /* rejected tentative steps */
    double t;            /* flow time: the sum of accepted dt */
    double dt;           /* the last accepted dt (0 before the first step) */
    double dt_next;      /* the dt the next tentative step will try */
    double dout, dgrad;  /* ratios (to their limits) of the last accepted step */
    double grad_norm;
    double wall;         /* seconds since the start */
    pb_loss_stats stats; /* of the current weights on the training set */
    int64_t frozen;      /* consecutive accepted steps that changed no parameter */
    int mark_reached;    /* the flow passed mark_step; mark_stats, mark_t hold that state */
    pb_loss_stats mark_stats;
    double mark_t;
    const pb_buf *w;     /* current parameters (valid during the hook) */
    const pb_buf *o;     /* current outputs o on the training set */
    int final;           /* 1 for the last call */
} pb_flow_state;

/* Why the flow stopped. */
typedef enum pb_stop {
    PB_STOP_CONVERGED = 0, PB_STOP_MAX_STEPS, PB_STOP_MAX_TIME, PB_STOP_WALL, PB_STOP_NAN,
    PB_STOP_ZERO_GRAD, PB_STOP_STALLED, PB_STOP_ERROR
} pb_stop;
const char *pb_stop_name(pb_stop s);

/* The problem being flowed.  eval computes, at parameters w, the outputs
 * into o, the gradient of the loss into g and the loss stats. */
typedef struct pb_flow_problem {
    const pb_backend_vtable *vt;
    pb_backend *be;
    size_t n_params;
    size_t n_out;
    pb_status (*eval)(void *ctx, const pb_buf *w, pb_buf *o, pb_buf *g, pb_loss_stats *stats);
    void *ctx;
    /* Called at step 0, on the checkpoint schedule, at each margin crossing
     * (0, 0.5, 1, ...) and at the end (final = 1).  Non-zero return stops
     * the flow with PB_STOP_ERROR. */
    int (*checkpoint)(void *ctx, const pb_flow_state *s);
    void *checkpoint_ctx;
} pb_flow_problem;

/* The flow's state on the device: the accepted point (w, g, o, v) and the
 * tentative one (w1, g1, o1, v1).  w, g, w1, g1 (and v, v1) hold n_params
 * values, o and o1 n_out; v and v1 exist with momentum only (else NULL). */
typedef struct pb_flow_bufs {
    pb_buf *w, *g, *o, *v;
    pb_buf *w1, *g1, *o1, *v1;
} pb_flow_bufs;

/* Allocate the state of pr on its backend (v = 0 with momentum).  A failure
 * returns the backend's status; what was allocated is freed by
 * pb_flow_bufs_free, which takes partial states and NULL handles. */
pb_status pb_flow_bufs_alloc(const pb_flow_problem *pr, int momentum, pb_flow_bufs *b);
void pb_flow_bufs_free(const pb_flow_problem *pr, pb_flow_bufs *b);

/* The accepted state at parameters w (n_params): w copied into b->w, then
 * (b->o, b->g, stats) = pr->eval there and *gg = |g|^2.  This evaluation
 * starts every flow (it is its first grad_eval).  A backend failure returns
 * its status. */
pb_status pb_flow_start(const pb_flow_problem *pr, pb_flow_bufs *b, const pb_buf *w,
                        pb_loss_stats *stats, double *gg);

/* What one tentative step measured (docs/physics.md section 5.2, point 3). */
typedef struct pb_flow_trial {
    pb_loss_stats stats;  /* loss stats at w1 */
    double gg1;           /* |g1|^2 */
    double dist;          /* |g - g1|^2 */
    double dmax;          /* max_mu |o_mu - o1_mu| */
    double dout;          /* dmax / (max_dout / alpha) */
    double dgrad;         /* dist / (|g| |g1|) / max_dgrad; 0 if a norm is 0 */
} pb_flow_trial;

/* One tentative step of the adaptive Euler rule (docs/physics.md section
 * 5.2, points 2 and 3; section 5.3 with momentum): from the accepted state
 * in b and the step size dt (flow time), w1 (and v1) as in the header above,
 * (o1, g1, stats) = pr->eval at w1, then the step-control scalars
 * (pb_flow_step_scalars) and the two ratios.  gg = |g|^2 of the accepted
 * state.  It decides nothing: pb_flow_run accepts the step (swaps the two
 * states) or retries it with a smaller dt, and `phasebench bench` times
 * exactly this call.  A backend failure returns its status; b's tentative
 * half is then undefined. */
pb_status pb_flow_step(const pb_flow_problem *pr, const pb_flow_params *p, pb_flow_bufs *b,
                       double dt, double gg, pb_flow_trial *out);

/* Run the flow from w (updated in place to the final parameters).  Returns
 * the stop reason; *final holds the last state.  A backend failure gives
 * PB_STOP_ERROR with the message in err.
 *
 * Stop rules, checked before every step in this order (docs/physics.md section 5.4
 * plus the guards of a run that cannot finish):
 *   nan        the loss, the gradient norm or a margin is NaN or infinite;
 *   converged  every margin alpha y o > stop_margin, or >= stop_margin - margin_tol;
 *   zero_grad  the gradient is exactly 0;
 *   stalled    frozen_steps accepted steps in a row left the parameters
 *              bit-identical (the step is below the dtype's resolution: at
 *              very large alpha, max_dout / alpha is below one ulp of the
 *              outputs, so only steps too small to move anything are accepted);
 *   max_steps, max_time, wall: the budgets;
 *   stalled    dt underflowed (every tentative step was rejected). */
pb_stop pb_flow_run(const pb_flow_problem *pr, const pb_flow_params *p, pb_buf *w,
                    pb_flow_state *final, char *err, size_t err_len);

/* The step-control scalars |g1|^2, |g - g1|^2 (n parameters) and
 * max |o - o1| (m outputs): one device round trip when the backend offers
 * step_scalars (ABI 1.1), else dot, dist2 and max_abs_diff. */
pb_status pb_flow_step_scalars(const pb_backend_vtable *vt, pb_backend *be, size_t n,
                               const pb_buf *g, const pb_buf *g1, size_t m, const pb_buf *o,
                               const pb_buf *o1, double *gg1, double *dist, double *dmax);

/* The checkpoint schedule: t_{k+1} = floor(t_k + 1 + step (1 - exp(-t_k / tau))). */
int64_t pb_ckpt_next(int64_t t, int64_t step, double tau);

#endif
