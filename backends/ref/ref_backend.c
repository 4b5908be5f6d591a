/*
 * The reference backend: plain C, one thread, f64 and f32, bitwise
 * deterministic.  It is the oracle every other backend is compared with, so
 * everything here is written to be obviously right rather than fast: a
 * triple-loop GEMM (ref_gemm.c) and the shared element-wise kernels
 * (backends/common), compiled without fast-math or FP contraction.
 */
#include "cpu_host.h"
#include "phasebench/backend.h"
#include "ref_gemm.h"

static const pb_feature ref_features[] = {
    {"impl", "plain C, single thread"},
    {"gemm", "triple loop; f32 accumulates in float"},
    {"compiler", __VERSION__},
    /* What the bits of a run depend on, as feature or manifest keys: here
     * nothing, since every kernel sums in a fixed order and the elementary
     * functions are portable (core/pmath). */
    {"bits_depend_on", "none"},
    {NULL, NULL},
};

static pb_status ref_probe(char *reason, size_t reason_len)
{
    if (reason && reason_len > 0)
        reason[0] = '\0';
    return PB_OK;
}

static pb_status ref_create(const pb_backend_options *opts, pb_backend **out,
                            char *err, size_t err_len)
{
    /* The thread count is accepted and ignored: the oracle is serial. */
    return pb_cpu_create("ref", opts, out, err, err_len);
}

static void ref_destroy(pb_backend *be)
{
    pb_cpu_destroy(be);
}

static pb_status ref_get_caps(pb_backend *be, pb_caps *caps)
{
    const pb_caps full = {
        .struct_size = sizeof(pb_caps),
        .dtypes = (1u << PB_F64) | (1u << PB_F32),
        .determinism = PB_DET_BITWISE,
        .threads = 1,
        .max_threads = 0,
        .features = ref_features,
    };
    return pb_cpu_give_caps(be, caps, &full);
}

static pb_status ref_gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m,
                          size_t n, size_t k, double alpha, const pb_buf *a,
                          size_t aoff, size_t lda, const pb_buf *b,
                          size_t boff, size_t ldb, double beta, pb_buf *c,
                          size_t coff, size_t ldc)
{
    pb_status st = pb_cpu_gemm_check(be, ta, tb, m, n, k, a, aoff, lda, b,
                                     boff, ldb, c, coff, ldc);
    if (st != PB_OK)
        return st;
    if (be->dtype == PB_F64)
        ref_gemm_d(ta, tb, m, n, k, alpha, (const double *)a->data + aoff, lda,
                   (const double *)b->data + boff, ldb, beta,
                   (double *)c->data + coff, ldc);
    else
        ref_gemm_f(ta, tb, m, n, k, alpha, (const float *)a->data + aoff, lda,
                   (const float *)b->data + boff, ldb, beta,
                   (float *)c->data + coff, ldc);
    return PB_OK;
}

static const pb_backend_vtable ref_vtable = {
    .struct_size = sizeof(pb_backend_vtable),
    .name = "ref",
    .description = "reference: plain C, single thread, bitwise deterministic "
                   "(the oracle)",
    .probe = ref_probe,
    .create = ref_create,
    .destroy = ref_destroy,
    .last_error = pb_cpu_last_error,
    .get_caps = ref_get_caps,
    .buf_alloc = pb_cpu_buf_alloc,
    .buf_free = pb_cpu_buf_free,
    .buf_upload = pb_cpu_buf_upload,
    .buf_download = pb_cpu_buf_download,
    .copy = pb_cpu_copy,
    .fill = pb_cpu_fill,
    .gemm = ref_gemm,
    .axpby = pb_cpu_axpby,
    .mul = pb_cpu_mul,
    .act_forward = pb_cpu_act_forward,
    .act_backward = pb_cpu_act_backward,
    .loss = pb_cpu_loss,
    .sum = pb_cpu_sum,
    .dot = pb_cpu_dot,
    .dist2 = pb_cpu_dist2,
    .max_abs_diff = pb_cpu_max_abs_diff,
    .sync = NULL, /* synchronous */
};

PB_EXPORT const pb_backend_abi_desc PB_BACKEND_DESC_SYMBOL =
    PB_BACKEND_DESC_INIT("ref");

PB_EXPORT const pb_backend_vtable *PB_BACKEND_ENTRY_SYMBOL(void)
{
    return &ref_vtable;
}
