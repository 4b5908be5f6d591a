/*
 * The OpenBLAS backend: GEMM through CBLAS (row-major), the activations
 * through its own vectorised kernels (blas_act.h: AVX-512, AVX2 + FMA or
 * portable, picked at create() from what the CPU supports; the environment
 * variable PHASEBENCH_BLAS_SIMD=avx512|avx2|portable asks for one, for
 * tests and comparisons), everything else through the shared CPU kernels,
 * which are single fused loops, so the time of a training step is close to
 * the time of its GEMMs.  The chosen kernels are reported in the features
 * as "simd".
 *
 * Threads: OpenBLAS has one process-wide thread count.  Each instance keeps
 * its own count and re-applies it before each GEMM when another instance
 * changed it, so instances do not disturb each other's results (but two
 * instances must not run GEMMs from two threads at the same time).  With
 * more than one thread the partition of the work may change the rounding,
 * hence determinism class "tolerance" unless threads == 1.
 */
#include <cblas.h> /* first: openblas_config.h defines _GNU_SOURCE */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "blas_act.h"
#include "cpu_host.h"
#include "cpu_kernels.h"
#include "phasebench/backend.h"

/* Per-instance state (pb_backend.plugin). */
typedef struct blas_state {
    int threads;
    char threads_text[16];
    char config[256];
    char corename[64];
    const pb_blas_act_impl *act; /* activation kernels for this CPU */
    pb_feature features[8];
} blas_state;

/* Processors OpenBLAS will use for "all cores"; at least 1. */
static int blas_procs(void)
{
    int n = openblas_get_num_procs();
    return n > 0 ? n : 1;
}

/* The thread count when --threads is 0: what OpenBLAS itself would take,
 * OPENBLAS_NUM_THREADS, else OMP_NUM_THREADS, else every core.  OpenBLAS
 * reads these variables only when it is loaded; the backend sets its count
 * explicitly, so it must honour them itself. */
static int blas_default_threads(void)
{
    static const char *const vars[] = {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (!v || !*v)
            continue;
        char *end;
        long n = strtol(v, &end, 10);
        if (*end == '\0' && n > 0)
            return n < blas_procs() ? (int)n : blas_procs();
    }
    return blas_procs();
}

static pb_status blas_probe(char *reason, size_t reason_len)
{
    int n = openblas_get_num_procs();
    if (reason && reason_len > 0) {
        if (n < 1)
            snprintf(reason, reason_len,
                     "OpenBLAS reports %d processors; running with 1 thread",
                     n);
        else
            reason[0] = '\0';
    }
    return PB_OK;
}

/* Copies an OpenBLAS string (static storage in the library) into dst. */
static void copy_text(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "unknown");
}

static pb_status blas_create(const pb_backend_options *opts, pb_backend **out,
                             char *err, size_t err_len)
{
    pb_status st = pb_cpu_create("blas", opts, out, err, err_len);
    if (st != PB_OK)
        return st;
    blas_state *s = calloc(1, sizeof *s);
    if (!s) {
        pb_cpu_destroy(*out);
        *out = NULL;
        if (err && err_len > 0)
            snprintf(err, err_len, "blas: create: out of memory");
        return PB_ERR_NOMEM;
    }
    const char *want = getenv("PHASEBENCH_BLAS_SIMD");
    s->act = pb_blas_act_select(want);
    if (!s->act) {
        free(s);
        pb_cpu_destroy(*out);
        *out = NULL;
        if (err && err_len > 0)
            snprintf(err, err_len,
                     "blas: create: PHASEBENCH_BLAS_SIMD=%s: no such kernels, "
                     "or this CPU cannot run them (avx512, avx2, portable)",
                     want ? want : "");
        return PB_ERR_UNAVAILABLE;
    }
    openblas_set_num_threads(opts->threads > 0 ? opts->threads : blas_default_threads());
    /* OpenBLAS may cap the request (MAX_THREADS): report what it uses. */
    s->threads = openblas_get_num_threads();
    snprintf(s->threads_text, sizeof s->threads_text, "%d", s->threads);
    copy_text(s->config, sizeof s->config, openblas_get_config());
    copy_text(s->corename, sizeof s->corename, openblas_get_corename());
    s->features[0] = (pb_feature){"impl", "OpenBLAS CBLAS GEMM, vectorised activations, shared C kernels"};
    s->features[1] = (pb_feature){"openblas_config", s->config};
    s->features[2] = (pb_feature){"openblas_core", s->corename};
    s->features[3] = (pb_feature){"threads", s->threads_text};
    s->features[4] = (pb_feature){"simd", s->act->name};
    s->features[5] = (pb_feature){"compiler", __VERSION__};
    /* OpenBLAS's GEMM kernels (chosen by CPU or OPENBLAS_CORETYPE) and its
     * thread count set the summation order; the activation kernels' ISA
     * sets the exp code path. */
    s->features[6] = (pb_feature){"bits_depend_on", "openblas_core,threads,simd"};
    s->features[7] = (pb_feature){NULL, NULL};
    (*out)->plugin = s;
    return PB_OK;
}

static void blas_destroy(pb_backend *be)
{
    if (!be)
        return;
    free(be->plugin);
    pb_cpu_destroy(be);
}

static pb_status blas_get_caps(pb_backend *be, pb_caps *caps)
{
    if (!be)
        return PB_ERR_INVALID;
    const blas_state *s = be->plugin;
    const pb_caps full = {
        .struct_size = sizeof(pb_caps),
        .dtypes = (1u << PB_F64) | (1u << PB_F32),
        .determinism = s->threads == 1 ? PB_DET_BITWISE : PB_DET_TOLERANCE,
        .threads = s->threads,
        .max_threads = blas_procs(),
        .features = s->features,
    };
    return pb_cpu_give_caps(be, caps, &full);
}

static enum CBLAS_TRANSPOSE cblas_trans(pb_trans t)
{
    return t == PB_TRANS ? CblasTrans : CblasNoTrans;
}

static pb_status blas_gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m,
                           size_t n, size_t k, double alpha, const pb_buf *a,
                           size_t aoff, size_t lda, const pb_buf *b,
                           size_t boff, size_t ldb, double beta, pb_buf *c,
                           size_t coff, size_t ldc)
{
    pb_status st = pb_cpu_gemm_check(be, ta, tb, m, n, k, a, aoff, lda, b,
                                     boff, ldb, c, coff, ldc);
    if (st != PB_OK)
        return st;
    if (m == 0 || n == 0)
        return PB_OK;
    /* Done here rather than in OpenBLAS: with k == 0 a leading dimension
     * may legally be 0, which CBLAS rejects with a message on stderr. */
    if (alpha == 0 || k == 0) {
        if (be->dtype == PB_F64)
            pbk_scale_matrix_d(m, n, beta, (double *)c->data + coff, ldc);
        else
            pbk_scale_matrix_f(m, n, beta, (float *)c->data + coff, ldc);
        return PB_OK;
    }
    /* The CBLAS of Debian's libopenblas takes int sizes. */
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX || lda > INT_MAX ||
        ldb > INT_MAX || ldc > INT_MAX)
        return pb_cpu_fail(be, PB_ERR_UNSUPPORTED,
                           "gemm: sizes (m %zu, n %zu, k %zu, lda %zu, ldb "
                           "%zu, ldc %zu) exceed the 32-bit CBLAS interface",
                           m, n, k, lda, ldb, ldc);
    const blas_state *s = be->plugin;
    if (openblas_get_num_threads() != s->threads)
        openblas_set_num_threads(s->threads);
    if (be->dtype == PB_F64)
        cblas_dgemm(CblasRowMajor, cblas_trans(ta), cblas_trans(tb), (int)m,
                    (int)n, (int)k, alpha, (const double *)a->data + aoff,
                    (int)lda, (const double *)b->data + boff, (int)ldb, beta,
                    (double *)c->data + coff, (int)ldc);
    else
        cblas_sgemm(CblasRowMajor, cblas_trans(ta), cblas_trans(tb), (int)m,
                    (int)n, (int)k, pbk_to_float(alpha),
                    (const float *)a->data + aoff, (int)lda,
                    (const float *)b->data + boff, (int)ldb,
                    pbk_to_float(beta), (float *)c->data + coff, (int)ldc);
    return PB_OK;
}

/* The activations: the shared argument checks, then this instance's
 * kernels. */
static pb_status blas_act_forward(pb_backend *be, const pb_act *act, size_t n,
                                  const pb_buf *z, size_t zoff, pb_buf *out,
                                  size_t ooff)
{
    pb_status st = pb_cpu_act_forward_check(be, act, n, z, zoff, out, ooff);
    if (st != PB_OK)
        return st;
    const pb_blas_act_impl *k = ((const blas_state *)be->plugin)->act;
    if (be->dtype == PB_F64)
        k->forward_d(act, n, (const double *)z->data + zoff,
                     (double *)out->data + ooff);
    else
        k->forward_f(act, n, (const float *)z->data + zoff,
                     (float *)out->data + ooff);
    return PB_OK;
}

static pb_status blas_act_backward(pb_backend *be, const pb_act *act, size_t n,
                                   const pb_buf *z, size_t zoff,
                                   const pb_buf *dout, size_t doff, pb_buf *dz,
                                   size_t dzoff)
{
    pb_status st = pb_cpu_act_backward_check(be, act, n, z, zoff, dout, doff,
                                             dz, dzoff);
    if (st != PB_OK)
        return st;
    const pb_blas_act_impl *k = ((const blas_state *)be->plugin)->act;
    if (be->dtype == PB_F64)
        k->backward_d(act, n, (const double *)z->data + zoff,
                      (const double *)dout->data + doff,
                      (double *)dz->data + dzoff);
    else
        k->backward_f(act, n, (const float *)z->data + zoff,
                      (const float *)dout->data + doff,
                      (float *)dz->data + dzoff);
    return PB_OK;
}

static const pb_backend_vtable blas_vtable = {
    .struct_size = sizeof(pb_backend_vtable),
    .name = "blas",
    .description = "OpenBLAS: CBLAS GEMM, threaded; vectorised activations; element-wise ops in C",
    .probe = blas_probe,
    .create = blas_create,
    .destroy = blas_destroy,
    .last_error = pb_cpu_last_error,
    .get_caps = blas_get_caps,
    .buf_alloc = pb_cpu_buf_alloc,
    .buf_free = pb_cpu_buf_free,
    .buf_upload = pb_cpu_buf_upload,
    .buf_download = pb_cpu_buf_download,
    .copy = pb_cpu_copy,
    .fill = pb_cpu_fill,
    .gemm = blas_gemm,
    .axpby = pb_cpu_axpby,
    .mul = pb_cpu_mul,
    .act_forward = blas_act_forward,
    .act_backward = blas_act_backward,
    .loss = pb_cpu_loss,
    .sum = pb_cpu_sum,
    .dot = pb_cpu_dot,
    .dist2 = pb_cpu_dist2,
    .max_abs_diff = pb_cpu_max_abs_diff,
    .sync = NULL, /* synchronous */
};

PB_EXPORT const pb_backend_abi_desc PB_BACKEND_DESC_SYMBOL =
    PB_BACKEND_DESC_INIT("blas");

PB_EXPORT const pb_backend_vtable *PB_BACKEND_ENTRY_SYMBOL(void)
{
    return &blas_vtable;
}
