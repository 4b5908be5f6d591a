/*
 * Element-wise kernels and reductions shared by the CPU backends (ref, blas).
 *
 * Every kernel exists for double (suffix _d) and float (suffix _f).  The
 * float versions compute in float: the coefficients and activation/loss
 * parameters, given in double by the ABI, are rounded to float first (see
 * pbk_to_float).  Reductions accumulate in double in index order, so the
 * result depends only on the inputs, never on threads or build flags.
 *
 * The kernels do no argument checking: the caller (cpu_host.c) has already
 * validated views, activation and loss parameters.  Plain C, no fast-math,
 * deterministic.
 *
 * Numerical conventions (identical for both types):
 *   sigma(t)  = c * g(beta t) / beta, sigma'(t) = c * g'(beta t), written so
 *               that neither overflows when beta t is huge or infinite
 *               (t * sigmoid(beta t) for swish, never (beta t) / beta);
 *   sigmoid   = 1 / (1 + exp(-x)) for x >= 0, exp(x) / (1 + exp(x)) else;
 *   softplus  = max(x, 0) + log1p(exp(-|x|));
 *   NaN in gives NaN out (relu and the hinges propagate NaN, they do not
 *   turn it into 0).
 */
#ifndef PB_CPU_KERNELS_H
#define PB_CPU_KERNELS_H

#include <stddef.h>

#include "phasebench/backend.h"

/* Round a double to float without undefined behaviour: values beyond the
 * float range become +-inf as IEEE round-to-nearest does, instead of relying
 * on the (undefined in ISO C) out-of-range conversion. */
float pbk_to_float(double v);

/* Host <-> buffer conversion. */
void pbk_from_host_d(size_t n, const double *src, double *dst);
void pbk_from_host_f(size_t n, const double *src, float *dst);
void pbk_to_host_d(size_t n, const double *src, double *dst);
void pbk_to_host_f(size_t n, const float *src, double *dst);

/* dst[i] = src[i]; the regions must not overlap. */
void pbk_copy_d(size_t n, const double *src, double *dst);
void pbk_copy_f(size_t n, const float *src, float *dst);

/* x[i] = value */
void pbk_fill_d(size_t n, double value, double *x);
void pbk_fill_f(size_t n, double value, float *x);

/* y = a x + b y; with b == 0, y is only written (NaN in y does not
 * propagate). */
void pbk_axpby_d(size_t n, double a, const double *x, double b, double *y);
void pbk_axpby_f(size_t n, double a, const float *x, double b, float *y);

/* out = b out + a (x .* y); with b == 0, out is only written. */
void pbk_mul_d(size_t n, double a, const double *x, const double *y, double b,
               double *out);
void pbk_mul_f(size_t n, double a, const float *x, const float *y, double b,
               float *out);

/* out = sigma(z) (out may alias z exactly). */
void pbk_act_forward_d(const pb_act *act, size_t n, const double *z,
                       double *out);
void pbk_act_forward_f(const pb_act *act, size_t n, const float *z,
                       float *out);

/* dz = dout .* sigma'(z) (dz may alias dout or z exactly). */
void pbk_act_backward_d(const pb_act *act, size_t n, const double *z,
                        const double *dout, double *dz);
void pbk_act_backward_f(const pb_act *act, size_t n, const float *z,
                        const float *dout, float *dz);

/* The loss op of the ABI (see pb_loss, pb_loss_stats).  grad may be NULL
 * or alias o or y exactly.
 * The loss sum is accumulated in double in index order and multiplied by
 * the double scale.  min_margin / max_margin ignore samples whose margin is
 * NaN and are NaN when no sample has a defined margin (n == 0 included);
 * a NaN sample is counted in n_nan only (a comparison with NaN is false, so
 * it is neither unsatisfied nor misclassified). */
void pbk_loss_d(const pb_loss *loss, size_t n, const double *o,
                const double *y, double *grad, pb_loss_stats *stats);
void pbk_loss_f(const pb_loss *loss, size_t n, const float *o, const float *y,
                float *grad, pb_loss_stats *stats);

/* Reductions, accumulated in double in index order; 0 for n == 0. */
double pbk_sum_d(size_t n, const double *x);
double pbk_sum_f(size_t n, const float *x);
double pbk_dot_d(size_t n, const double *x, const double *y);
double pbk_dot_f(size_t n, const float *x, const float *y);
/* sum (x_i - y_i)^2 */
double pbk_dist2_d(size_t n, const double *x, const double *y);
double pbk_dist2_f(size_t n, const float *x, const float *y);
/* max |x_i - y_i|; NaN as soon as one difference is NaN. */
double pbk_max_abs_diff_d(size_t n, const double *x, const double *y);
double pbk_max_abs_diff_f(size_t n, const float *x, const float *y);

/* C = beta C on an m x n row-major block with leading dimension ldc; with
 * beta == 0, C is only written.  This is GEMM when alpha == 0 or k == 0
 * (both CPU backends follow BLAS there: A and B are not read). */
void pbk_scale_matrix_d(size_t m, size_t n, double beta, double *c,
                        size_t ldc);
void pbk_scale_matrix_f(size_t m, size_t n, double beta, float *c,
                        size_t ldc);

#endif /* PB_CPU_KERNELS_H */
