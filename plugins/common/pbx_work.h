/* Upper bounds of the work of training runs, for plan() (--dry-run and the
 * progress line).  Units: GFLOP.  A budget without a step limit
 * (max_steps <= 0) has no bound: the result is then +infinity. */
#ifndef PBX_WORK_H
#define PBX_WORK_H

#include <stdint.h>

typedef struct pbx_shape {
    double d, L, h;          /* input dimension, hidden layers, width */
    double P, pte, ptk;      /* train, test and kernel set sizes */
    int64_t max_steps;       /* accepted-step budget of the flow */
} pbx_shape;

/* Input dimension to assume when d = 0 (raw image dimension, unknown before
 * the file is read): the largest raw dimension phasebench reads, CIFAR-10's
 * 3 x 32 x 32, so the estimate stays an upper bound. */
#define PBX_MAX_RAW_DIM 3072.0

/* One training run: every gradient evaluation costs about 6 P N flop (forward,
 * backward and the weight gradient), at most 1.3 evaluations per accepted
 * step (rejected steps re-evaluate), plus the forward passes on the train
 * and test sets at w0 and at the end; with want_ntk two NTK Gram matrices on
 * the kernel set, 2 ptk^2 (h L + d) each. */
double pbx_run_gflop(const pbx_shape *s, int want_ntk);

/* One kernel machine at the initial NTK: the train x train and test x train
 * Gram matrices, then 2 P^2 flop per evaluation of K a. */
double pbx_km_gflop(const pbx_shape *s);

#endif
