/* The reference GEMM: C = alpha op(A) op(B) + beta C, row-major, one dot
 * product per element of C in increasing k order.  Written for clarity,
 * not speed: it is the oracle the other backends are checked against.
 *
 * The float version accumulates in float, so the f32 reference shows what
 * a plain float implementation gives (the op check compares every backend
 * against the f64 reference; see core/src/check/opcheck.h).
 *
 * As in BLAS, when alpha == 0 or k == 0, A and B are not read and
 * C = beta C; with beta == 0, C is never read (NaN in C does not survive).
 * The arguments must have been validated (pb_cpu_gemm_check). */
#ifndef PB_REF_GEMM_H
#define PB_REF_GEMM_H

#include <stddef.h>

#include "phasebench/backend.h"

void ref_gemm_d(pb_trans ta, pb_trans tb, size_t m, size_t n, size_t k,
                double alpha, const double *a, size_t lda, const double *b,
                size_t ldb, double beta, double *c, size_t ldc);
void ref_gemm_f(pb_trans ta, pb_trans tb, size_t m, size_t n, size_t k,
                double alpha, const float *a, size_t lda, const float *b,
                size_t ldb, double beta, float *c, size_t ldc);

#endif /* PB_REF_GEMM_H */
