/*
 * The blas backend's own activation kernels: vectorised, branch-free loops
 * with an inline exponential, one implementation per instruction set
 * (blas_act_impl.h compiled three times), chosen once per instance.
 *
 * Same contracts and numerical conventions as pbk_act_forward_* and
 * pbk_act_backward_* in backends/common/cpu_kernels.h (the ref kernels):
 * sigma(t) = c g(beta t) / beta computed as t * sigmoid(beta t) for swish,
 * NaN in gives NaN out, no overflow for huge or infinite beta t, out / dz
 * may alias an input exactly.  Results agree with ref to a few ulps, not
 * bit for bit:
 *   exp           range reduction by ln 2 (Cody-Waite) and a degree-13
 *                 Taylor polynomial (degree 7 for float); within 1 ulp of
 *                 libm over the whole range in tests/backends/test_blas_act
 *                 (equal in ~95% of 1e6 points); overflow to inf, gradual
 *                 underflow to 0, NaN in NaN out;
 *   swish         one exp per element in forward and backward:
 *                 e = exp(-|x|), sigmoid(|x|) = 1 / (1 + e), sigmoid(-|x|)
 *                 = e / (1 + e);
 *   tanh          forward from expm1(-2|x|) (no cancellation near 0),
 *                 backward as 4e / (1 + e)^2 with e = exp(-2|x|) (no
 *                 cancellation in 1 - tanh^2 for large |x|);
 *   softplus      log1p(e) = 2 atanh(e / (2 + e)) as a series;
 *   relu          selects.
 * The AVX2 and AVX-512 versions give the same bits (same operations, fused
 * multiply-adds, p * 2^n rounded once); the portable one rounds a * b + c
 * twice and may differ from them by an ulp.
 */
#ifndef PB_BLAS_ACT_H
#define PB_BLAS_ACT_H

#include <stddef.h>

#include "phasebench/backend.h"

typedef struct pb_blas_act_impl {
    const char *name; /* "avx512", "avx2", "portable" */
    void (*forward_d)(const pb_act *act, size_t n, const double *z,
                      double *out);
    void (*forward_f)(const pb_act *act, size_t n, const float *z,
                      float *out);
    void (*backward_d)(const pb_act *act, size_t n, const double *z,
                       const double *dout, double *dz);
    void (*backward_f)(const pb_act *act, size_t n, const float *z,
                       const float *dout, float *dz);
    /* y[i] = exp(x[i]) with the kernels' exponential (for the tests) */
    void (*exp_d)(size_t n, const double *x, double *y);
    void (*exp_f)(size_t n, const float *x, float *y);
} pb_blas_act_impl;

/* Every implementation built into this binary, best first, NULL-terminated
 * (the last one is always the portable one).  An entry may still need
 * instructions this CPU lacks: see pb_blas_act_runs_here. */
extern const pb_blas_act_impl *const pb_blas_act_impls[];

/* 1 when the CPU (and OS) support the instructions impl needs. */
int pb_blas_act_runs_here(const pb_blas_act_impl *impl);

/* The implementation to use: the best one that runs here, or, when `want`
 * is not NULL or empty, the one of that name if it runs here (NULL if it
 * does not exist or cannot run here). */
const pb_blas_act_impl *pb_blas_act_select(const char *want);

#endif /* PB_BLAS_ACT_H */
