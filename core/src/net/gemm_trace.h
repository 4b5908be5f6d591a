/* The GEMMs the net issues, read off the code that issues them.
 *
 * The step benchmark's roofline (bench/bench.c, docs/architecture.md
 * section 10) times "the GEMMs of one step" on OpenBLAS.  Rather than keep a
 * second description of model.c's matrix products, the list is traced: the
 * very code of a step (pb_flow_step with pb_net_eval) or of an NTK Gram
 * (pb_model_ntk) runs on a recording backend that does no arithmetic and
 * holds no device memory, and every gemm call it receives is written down.
 * model.c has no branch on values, so the trace is the list any backend
 * receives for that shape, in the same order; a change to the model changes
 * the list with it. */
#ifndef PB_GEMM_TRACE_H
#define PB_GEMM_TRACE_H

#include "phasebench/backend.h"

#include <stddef.h>

/* One gemm call as the backend ABI states it (row-major; C = alpha op(A)
 * op(B) + beta C, op(A) m x k, op(B) k x n; leading dimensions in elements). */
typedef struct pb_gemm_call {
    pb_trans ta, tb;
    size_t m, n, k;
    double alpha;
    size_t lda, ldb, ldc;
    double beta;
} pb_gemm_call;

/* A list of calls, in call order (malloc'd; free with pb_gemm_list_free). */
typedef struct pb_gemm_list {
    pb_gemm_call *call;
    size_t n, cap;
} pb_gemm_list;

void pb_gemm_list_free(pb_gemm_list *l);

/* Append one call; -1 when host memory runs out. */
int pb_gemm_list_add(pb_gemm_list *l, const pb_gemm_call *c);

/* The GEMMs of one tentative step of the gradient flow (docs/physics.md
 * section 5.2; pb_flow_step on pb_net_eval) of a net of input dimension d,
 * width h and L hidden layers on P training points.  out is overwritten.
 * Returns 0, or -1 with a message (invalid shape, host memory). */
int pb_gemm_trace_step(size_t d, size_t h, size_t L, size_t P, pb_gemm_list *out, char *err,
                       size_t err_len);

/* The GEMMs of one NTK Gram (docs/physics.md section 7.4; pb_model_ntk) on
 * n points.  As pb_gemm_trace_step. */
int pb_gemm_trace_ntk(size_t d, size_t h, size_t L, size_t n, pb_gemm_list *out, char *err,
                      size_t err_len);

/* sum over the list of 2 m n k: the GEMM flops. */
double pb_gemm_list_flops(const pb_gemm_call *c, size_t count);

#endif
