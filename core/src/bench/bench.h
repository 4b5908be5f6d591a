/* The step benchmark behind `phasebench bench`.
 *
 * It times, per backend and net size, the two costs that decide how long a
 * battery takes:
 *
 *   step  one tentative step of the adaptive gradient flow: pb_flow_step on
 *         pb_net_eval, the call pb_flow_run makes in training, on a net set
 *         up by pb_net_open (net.h): tentative update (copy + axpby), one
 *         full-batch loss and gradient (pb_model_loss_grad), the copy of the
 *         outputs, and the step-control scalars |g'|^2, |g - g'|^2,
 *         max|o - o'|, then the backend's sync() when it has one;
 *   ntk   one NTK Gram matrix (pb_model_ntk) on min(P, ntk_points) points;
 *   gemm  the largest single GEMM of the step, called on OpenBLAS directly
 *         (the machine's GEMM speed at that shape; one row per size).
 *
 * Each step and NTK measurement is paired with its roofline: the very list
 * of GEMMs (shapes, transposes, leading dimensions, alphas) that the model
 * issues for it, traced from the model's own code (gemm_trace.h) and called
 * on OpenBLAS directly with the same thread count and dtype.  The two are
 * timed alternately, repetition by repetition, so that a noisy neighbour
 * hits both alike.  roofline_ratio = step time / GEMM-list time: 1 means the
 * step costs no more than its GEMMs at OpenBLAS speed.
 *
 * A benchmark measures; it never judges a time. */
#ifndef PB_BENCH_H
#define PB_BENCH_H

#include "gemm_trace.h"
#include "model.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PB_BENCH_SCHEMA_VERSION 1
#define PB_BENCH_MAX_BACKENDS 16
#define PB_BENCH_MAX_SIZES 64

typedef struct pb_bench_size {
    size_t P, d, h, L;
} pb_bench_size;

/* One GEMM as the backend ABI states it (row-major). */
typedef pb_gemm_call pb_bench_gemm;

/* The GEMMs of one tentative flow step (pb_flow_step on pb_net_eval: a
 * full-batch loss and gradient) of the net s on s->P points, in the order
 * the model issues them, traced (pb_gemm_trace_step).  0, or -1 with a
 * message. */
int pb_bench_step_gemms(const pb_bench_size *s, pb_gemm_list *out, char *err, size_t err_len);
/* The GEMMs of one NTK Gram (pb_model_ntk) on n points, traced. */
int pb_bench_ntk_gemms(const pb_bench_size *s, size_t n, pb_gemm_list *out, char *err,
                       size_t err_len);
/* sum of 2 m n k over the list. */
double pb_bench_gemm_flops(const pb_bench_gemm *g, size_t count);
/* Closed forms of the GEMM flops of a step and of an NTK Gram, worked out by
 * hand from docs/physics.md section 1.1 (bench.c); the tests check them
 * against the traced lists, so a change to the model's products shows. */
double pb_bench_step_flops(const pb_bench_size *s);
double pb_bench_ntk_flops(const pb_bench_size *s, size_t n);

/* Summary of n timing samples (seconds).  stddev is the sample standard
 * deviation (n - 1, two-pass, in double; 0 when n == 1); cv = stddev /
 * median. */
typedef struct pb_bench_stats {
    size_t n;
    double median, min, max, mean, stddev, cv;
} pb_bench_stats;
void pb_bench_stats_of(const double *x, size_t n, pb_bench_stats *s);

enum { PB_BENCH_STEP = 1u, PB_BENCH_NTK = 2u, PB_BENCH_GEMM = 4u };

typedef struct pb_bench_config {
    char backends[PB_BENCH_MAX_BACKENDS][64]; /* n_backends 0: every available */
    size_t n_backends;
    pb_bench_size sizes[PB_BENCH_MAX_SIZES];
    size_t n_sizes;
    pb_dtype dtype;
    int threads;        /* >= 1: backend threads and OpenBLAS threads of the roofline */
    int reps, warmup;   /* timed repetitions, warm-up runs */
    int ref_reps, ref_warmup; /* the same for the ref backend (slow at large sizes) */
    unsigned what;      /* PB_BENCH_STEP | PB_BENCH_NTK | PB_BENCH_GEMM */
    size_t ntk_points;  /* NTK on min(P, ntk_points) points */
    uint64_t seed;      /* data and weights */
    double cv_warn;     /* warn on stderr above this cv (0.1) */
} pb_bench_config;

void pb_bench_config_default(pb_bench_config *c);

/* "P:d:h:L,P:d:h:L,..." -> c->sizes.  -1 with a message. */
int pb_bench_parse_sizes(const char *text, pb_bench_config *c, char *err, size_t err_len);
/* "blas,ref" -> c->backends.  -1 with a message. */
int pb_bench_parse_backends(const char *text, pb_bench_config *c, char *err, size_t err_len);
/* "step,ntk,gemm" -> c->what.  -1 with a message. */
int pb_bench_parse_what(const char *text, unsigned *what, char *err, size_t err_len);

/* Where the results go.  Any may be NULL. */
typedef struct pb_bench_sinks {
    FILE *csv;    /* header + one row per measurement (fixed column order) */
    FILE *table;  /* the human table */
    FILE *log;    /* progress, warnings, skips */
} pb_bench_sinks;

/* Run every (size, backend, what) of c.  Returns 0 when every measurement
 * ran, 1 when some failed (each failure is an error row and a message). */
int pb_bench_run(const pb_bench_config *c, const pb_bench_sinks *out);

/* Describes the build: "optimized", "debug", "optimized+asan", ...; sets
 * *suspect when the numbers of this build do not represent the code. */
const char *pb_bench_build_type(int *suspect);

#endif
