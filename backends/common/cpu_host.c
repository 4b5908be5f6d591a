/* Host-memory buffers, argument validation and the element-wise vtable
 * members shared by the CPU backends.  See cpu_host.h for the rules. */
#include "cpu_host.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_kernels.h"

/* ---- instance and errors ----------------------------------------------- */

static size_t elem_size(pb_dtype dtype)
{
    return dtype == PB_F64 ? sizeof(double) : sizeof(float);
}

pb_status pb_cpu_fail(pb_backend *be, pb_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(be->error, sizeof be->error, fmt, ap);
    va_end(ap);
    return st;
}

/* Starts a call: the last error describes the latest call only. */
static void begin(pb_backend *be)
{
    be->error[0] = '\0';
}

pb_status pb_cpu_create(const char *name, const pb_backend_options *opts,
                        pb_backend **out, char *err, size_t err_len)
{
    char dummy[1];
    if (!err || err_len == 0) {
        err = dummy;
        err_len = sizeof dummy;
    }
    err[0] = '\0';
    if (!out) {
        snprintf(err, err_len, "%s: create: out is NULL", name);
        return PB_ERR_INVALID;
    }
    *out = NULL;
    if (!opts) {
        snprintf(err, err_len, "%s: create: options are NULL", name);
        return PB_ERR_INVALID;
    }
    /* The core's options may be shorter or longer than ours: read only the
     * members both know (all of ABI 1.0's are required). */
    if (!PB_SIZE_COVERS(opts->struct_size, pb_backend_options, device)) {
        snprintf(err, err_len,
                 "%s: create: options struct_size %u is below ABI 1.0's %zu", name,
                 (unsigned)opts->struct_size,
                 offsetof(pb_backend_options, device) + sizeof(const char *));
        return PB_ERR_INVALID;
    }
    if (opts->dtype != PB_F64 && opts->dtype != PB_F32) {
        snprintf(err, err_len, "%s: create: unknown dtype %d", name,
                 (int)opts->dtype);
        return PB_ERR_UNSUPPORTED;
    }
    if (opts->threads < 0) {
        snprintf(err, err_len, "%s: create: threads %d < 0", name,
                 opts->threads);
        return PB_ERR_INVALID;
    }
    pb_backend *be = calloc(1, sizeof *be);
    if (!be) {
        snprintf(err, err_len, "%s: create: out of memory", name);
        return PB_ERR_NOMEM;
    }
    be->dtype = opts->dtype;
    *out = be;
    return PB_OK;
}

void pb_cpu_destroy(pb_backend *be)
{
    if (!be)
        return;
    while (be->live)
        pb_cpu_buf_free(be, be->live);
    free(be);
}

const char *pb_cpu_last_error(const pb_backend *be)
{
    return be ? be->error : "no backend instance";
}

/* ---- validation ------------------------------------------------------------ */

static pb_status check_buf(pb_backend *be, const char *op, const char *arg,
                           const pb_buf *buf)
{
    if (!buf)
        return pb_cpu_fail(be, PB_ERR_INVALID, "%s: %s is NULL", op, arg);
    if (buf->owner != be)
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "%s: %s belongs to another backend instance", op,
                           arg);
    return PB_OK;
}

/* Elements [off, off + n) must lie in the buffer. */
static pb_status check_vec(pb_backend *be, const char *op, const char *arg,
                           const pb_buf *buf, size_t off, size_t n)
{
    pb_status st = check_buf(be, op, arg, buf);
    if (st != PB_OK)
        return st;
    if (off > buf->n || n > buf->n - off)
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "%s: %s view [offset %zu, %zu elements] exceeds the "
                           "buffer of %zu elements",
                           op, arg, off, n, buf->n);
    return PB_OK;
}

/* A rows x cols row-major block with leading dimension ld at off. */
static pb_status check_mat(pb_backend *be, const char *op, const char *arg,
                           const char *ld_name, const pb_buf *buf, size_t off,
                           size_t rows, size_t cols, size_t ld)
{
    pb_status st = check_buf(be, op, arg, buf);
    if (st != PB_OK)
        return st;
    if (ld < cols)
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "%s: %s %zu < %zu, the row length of %s", op,
                           ld_name, ld, cols, arg);
    if (off > buf->n)
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "%s: %s offset %zu exceeds the buffer of %zu "
                           "elements",
                           op, arg, off, buf->n);
    if (rows == 0 || cols == 0)
        return PB_OK;
    /* Extent (rows - 1) ld + cols, checked without overflow (ld >= 1). */
    size_t room = buf->n - off;
    if (cols > room || rows - 1 > (room - cols) / ld)
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "%s: %s view [offset %zu, %zu x %zu, %s %zu] "
                           "exceeds the buffer of %zu elements",
                           op, arg, off, rows, cols, ld_name, ld, buf->n);
    return PB_OK;
}

/* Regions [o1, o1 + n) and [o2, o2 + n) of the same buffer. */
static int regions_overlap(const pb_buf *b1, size_t o1, const pb_buf *b2,
                           size_t o2, size_t n)
{
    if (b1 != b2 || n == 0)
        return 0;
    size_t gap = o1 > o2 ? o1 - o2 : o2 - o1;
    return gap < n;
}

/* An output may be the same region as an input, or disjoint from it. */
static pb_status check_alias(pb_backend *be, const char *op, const char *in,
                             const pb_buf *bi, size_t oi, const char *out,
                             const pb_buf *bo, size_t oo, size_t n)
{
    if (oi != oo && regions_overlap(bi, oi, bo, oo, n))
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "%s: %s [offset %zu] partially overlaps %s [offset "
                           "%zu] (%zu elements)",
                           op, out, oo, in, oi, n);
    return PB_OK;
}

static pb_status check_act(pb_backend *be, const char *op, const pb_act *act)
{
    if (!act)
        return pb_cpu_fail(be, PB_ERR_INVALID, "%s: act is NULL", op);
    if (act->kind != PB_ACT_SWISH && act->kind != PB_ACT_RELU &&
        act->kind != PB_ACT_TANH && act->kind != PB_ACT_SOFTPLUS)
        return pb_cpu_fail(be, PB_ERR_INVALID, "%s: unknown activation kind %d",
                           op, (int)act->kind);
    if (!isfinite(act->beta) || act->beta == 0)
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "%s: act beta %g must be finite and non-zero", op,
                           act->beta);
    if (!isfinite(act->c))
        return pb_cpu_fail(be, PB_ERR_INVALID, "%s: act c %g must be finite",
                           op, act->c);
    return PB_OK;
}

static pb_status check_loss(pb_backend *be, const pb_loss *loss)
{
    if (!loss)
        return pb_cpu_fail(be, PB_ERR_INVALID, "loss: loss is NULL");
    if (loss->kind != PB_LOSS_SOFTHINGE && loss->kind != PB_LOSS_HINGE &&
        loss->kind != PB_LOSS_QHINGE)
        return pb_cpu_fail(be, PB_ERR_INVALID, "loss: unknown loss kind %d",
                           (int)loss->kind);
    if (!isfinite(loss->alpha) || loss->alpha == 0)
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "loss: alpha %g must be finite and non-zero",
                           loss->alpha);
    if (!isfinite(loss->margin))
        return pb_cpu_fail(be, PB_ERR_INVALID, "loss: margin %g must be finite",
                           loss->margin);
    if (!isfinite(loss->scale))
        return pb_cpu_fail(be, PB_ERR_INVALID, "loss: scale %g must be finite",
                           loss->scale);
    if (loss->kind == PB_LOSS_SOFTHINGE &&
        (!isfinite(loss->beta) || !(loss->beta > 0)))
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "loss: soft hinge beta %g must be finite and > 0",
                           loss->beta);
    return PB_OK;
}

pb_status pb_cpu_gemm_check(pb_backend *be, pb_trans ta, pb_trans tb,
                            size_t m, size_t n, size_t k, const pb_buf *a,
                            size_t aoff, size_t lda, const pb_buf *b,
                            size_t boff, size_t ldb, const pb_buf *c,
                            size_t coff, size_t ldc)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    if ((ta != PB_NO_TRANS && ta != PB_TRANS) ||
        (tb != PB_NO_TRANS && tb != PB_TRANS))
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "gemm: transpose flags %d, %d must be PB_NO_TRANS "
                           "or PB_TRANS",
                           (int)ta, (int)tb);
    /* Stored shapes: A is m x k (k x m when transposed), B k x n (n x k). */
    pb_status st = check_mat(be, "gemm", "A", "lda", a, aoff,
                             ta == PB_TRANS ? k : m, ta == PB_TRANS ? m : k,
                             lda);
    if (st == PB_OK)
        st = check_mat(be, "gemm", "B", "ldb", b, boff, tb == PB_TRANS ? n : k,
                       tb == PB_TRANS ? k : n, ldb);
    if (st == PB_OK)
        st = check_mat(be, "gemm", "C", "ldc", c, coff, m, n, ldc);
    return st;
}

/* ---- buffers ------------------------------------------------------------------ */

/* Typed element pointers at an offset. */
static double *f64(const pb_buf *b, size_t off)
{
    return (double *)b->data + off;
}

static float *f32(const pb_buf *b, size_t off)
{
    return (float *)b->data + off;
}

pb_status pb_cpu_buf_alloc(pb_backend *be, size_t n, pb_buf **out)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    if (!out)
        return pb_cpu_fail(be, PB_ERR_INVALID, "buf_alloc: out is NULL");
    *out = NULL;
    size_t es = elem_size(be->dtype);
    if (n > SIZE_MAX / es)
        return pb_cpu_fail(be, PB_ERR_NOMEM,
                           "buf_alloc: %zu elements of %zu bytes exceed the "
                           "address space",
                           n, es);
    pb_buf *buf = malloc(sizeof *buf);
    /* malloc(0) may return NULL; one byte keeps "NULL means failure". */
    void *data = malloc(n ? n * es : 1);
    if (!buf || !data) {
        free(buf);
        free(data);
        return pb_cpu_fail(be, PB_ERR_NOMEM,
                           "buf_alloc: out of memory allocating %zu elements "
                           "(%zu bytes)",
                           n, n * es);
    }
    buf->owner = be;
    buf->n = n;
    buf->data = data;
    buf->prev = NULL;
    buf->next = be->live;
    if (be->live)
        be->live->prev = buf;
    be->live = buf;
    *out = buf;
    return PB_OK;
}

void pb_cpu_buf_free(pb_backend *be, pb_buf *buf)
{
    /* A foreign buffer is left alone: freeing it here would corrupt its
     * owner. */
    if (!be || !buf || buf->owner != be)
        return;
    if (buf->prev)
        buf->prev->next = buf->next;
    else
        be->live = buf->next;
    if (buf->next)
        buf->next->prev = buf->prev;
    free(buf->data);
    free(buf);
}

pb_status pb_cpu_buf_upload(pb_backend *be, pb_buf *dst, size_t off,
                            const double *src, size_t n)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_vec(be, "buf_upload", "dst", dst, off, n);
    if (st != PB_OK)
        return st;
    if (!src && n > 0)
        return pb_cpu_fail(be, PB_ERR_INVALID, "buf_upload: src is NULL");
    if (be->dtype == PB_F64)
        pbk_from_host_d(n, src, f64(dst, off));
    else
        pbk_from_host_f(n, src, f32(dst, off));
    return PB_OK;
}

pb_status pb_cpu_buf_download(pb_backend *be, const pb_buf *src, size_t off,
                              double *dst, size_t n)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_vec(be, "buf_download", "src", src, off, n);
    if (st != PB_OK)
        return st;
    if (!dst && n > 0)
        return pb_cpu_fail(be, PB_ERR_INVALID, "buf_download: dst is NULL");
    if (be->dtype == PB_F64)
        pbk_to_host_d(n, f64(src, off), dst);
    else
        pbk_to_host_f(n, f32(src, off), dst);
    return PB_OK;
}

/* ---- element-wise ops ------------------------------------------------------------ */

pb_status pb_cpu_copy(pb_backend *be, pb_buf *dst, size_t doff,
                      const pb_buf *src, size_t soff, size_t n)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_vec(be, "copy", "src", src, soff, n);
    if (st == PB_OK)
        st = check_vec(be, "copy", "dst", dst, doff, n);
    if (st != PB_OK)
        return st;
    if (regions_overlap(src, soff, dst, doff, n))
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "copy: dst [offset %zu] overlaps src [offset %zu] "
                           "(%zu elements) in the same buffer",
                           doff, soff, n);
    if (be->dtype == PB_F64)
        pbk_copy_d(n, f64(src, soff), f64(dst, doff));
    else
        pbk_copy_f(n, f32(src, soff), f32(dst, doff));
    return PB_OK;
}

pb_status pb_cpu_fill(pb_backend *be, pb_buf *x, size_t off, size_t n,
                      double value)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_vec(be, "fill", "x", x, off, n);
    if (st != PB_OK)
        return st;
    if (be->dtype == PB_F64)
        pbk_fill_d(n, value, f64(x, off));
    else
        pbk_fill_f(n, value, f32(x, off));
    return PB_OK;
}

pb_status pb_cpu_axpby(pb_backend *be, size_t n, double a, const pb_buf *x,
                       size_t xoff, double b, pb_buf *y, size_t yoff)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_vec(be, "axpby", "x", x, xoff, n);
    if (st == PB_OK)
        st = check_vec(be, "axpby", "y", y, yoff, n);
    if (st == PB_OK)
        st = check_alias(be, "axpby", "x", x, xoff, "y", y, yoff, n);
    if (st != PB_OK)
        return st;
    if (be->dtype == PB_F64)
        pbk_axpby_d(n, a, f64(x, xoff), b, f64(y, yoff));
    else
        pbk_axpby_f(n, a, f32(x, xoff), b, f32(y, yoff));
    return PB_OK;
}

pb_status pb_cpu_mul(pb_backend *be, size_t n, double a, const pb_buf *x,
                     size_t xoff, const pb_buf *y, size_t yoff, double b,
                     pb_buf *out, size_t ooff)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_vec(be, "mul", "x", x, xoff, n);
    if (st == PB_OK)
        st = check_vec(be, "mul", "y", y, yoff, n);
    if (st == PB_OK)
        st = check_vec(be, "mul", "out", out, ooff, n);
    if (st == PB_OK)
        st = check_alias(be, "mul", "x", x, xoff, "out", out, ooff, n);
    if (st == PB_OK)
        st = check_alias(be, "mul", "y", y, yoff, "out", out, ooff, n);
    if (st != PB_OK)
        return st;
    if (be->dtype == PB_F64)
        pbk_mul_d(n, a, f64(x, xoff), f64(y, yoff), b, f64(out, ooff));
    else
        pbk_mul_f(n, a, f32(x, xoff), f32(y, yoff), b, f32(out, ooff));
    return PB_OK;
}

pb_status pb_cpu_act_forward_check(pb_backend *be, const pb_act *act, size_t n,
                                   const pb_buf *z, size_t zoff,
                                   const pb_buf *out, size_t ooff)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_act(be, "act_forward", act);
    if (st == PB_OK)
        st = check_vec(be, "act_forward", "z", z, zoff, n);
    if (st == PB_OK)
        st = check_vec(be, "act_forward", "out", out, ooff, n);
    if (st == PB_OK)
        st = check_alias(be, "act_forward", "z", z, zoff, "out", out, ooff, n);
    return st;
}

pb_status pb_cpu_act_forward(pb_backend *be, const pb_act *act, size_t n,
                             const pb_buf *z, size_t zoff, pb_buf *out,
                             size_t ooff)
{
    pb_status st = pb_cpu_act_forward_check(be, act, n, z, zoff, out, ooff);
    if (st != PB_OK)
        return st;
    if (be->dtype == PB_F64)
        pbk_act_forward_d(act, n, f64(z, zoff), f64(out, ooff));
    else
        pbk_act_forward_f(act, n, f32(z, zoff), f32(out, ooff));
    return PB_OK;
}

pb_status pb_cpu_act_backward_check(pb_backend *be, const pb_act *act,
                                    size_t n, const pb_buf *z, size_t zoff,
                                    const pb_buf *dout, size_t doff,
                                    const pb_buf *dz, size_t dzoff)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    const char *op = "act_backward";
    pb_status st = check_act(be, op, act);
    if (st == PB_OK)
        st = check_vec(be, op, "z", z, zoff, n);
    if (st == PB_OK)
        st = check_vec(be, op, "dout", dout, doff, n);
    if (st == PB_OK)
        st = check_vec(be, op, "dz", dz, dzoff, n);
    if (st == PB_OK)
        st = check_alias(be, op, "z", z, zoff, "dz", dz, dzoff, n);
    if (st == PB_OK)
        st = check_alias(be, op, "dout", dout, doff, "dz", dz, dzoff, n);
    return st;
}

pb_status pb_cpu_act_backward(pb_backend *be, const pb_act *act, size_t n,
                              const pb_buf *z, size_t zoff, const pb_buf *dout,
                              size_t doff, pb_buf *dz, size_t dzoff)
{
    pb_status st = pb_cpu_act_backward_check(be, act, n, z, zoff, dout, doff,
                                             dz, dzoff);
    if (st != PB_OK)
        return st;
    if (be->dtype == PB_F64)
        pbk_act_backward_d(act, n, f64(z, zoff), f64(dout, doff),
                           f64(dz, dzoff));
    else
        pbk_act_backward_f(act, n, f32(z, zoff), f32(dout, doff),
                           f32(dz, dzoff));
    return PB_OK;
}

pb_status pb_cpu_loss(pb_backend *be, const pb_loss *loss, size_t n,
                      const pb_buf *o, size_t ooff, const pb_buf *y,
                      size_t yoff, pb_buf *grad, size_t goff,
                      pb_loss_stats *stats)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_loss(be, loss);
    if (st == PB_OK && !stats)
        st = pb_cpu_fail(be, PB_ERR_INVALID, "loss: stats is NULL");
    if (st == PB_OK && stats->struct_size < PB_LOSS_STATS_MIN_SIZE)
        st = pb_cpu_fail(be, PB_ERR_INVALID,
                         "loss: stats struct_size %u is below ABI 1.2's %zu (set it: "
                         "PB_LOSS_STATS_INIT)",
                         (unsigned)stats->struct_size, (size_t)PB_LOSS_STATS_MIN_SIZE);
    if (st == PB_OK)
        st = check_vec(be, "loss", "o", o, ooff, n);
    if (st == PB_OK)
        st = check_vec(be, "loss", "y", y, yoff, n);
    if (st == PB_OK && grad) {
        st = check_vec(be, "loss", "grad", grad, goff, n);
        if (st == PB_OK)
            st = check_alias(be, "loss", "o", o, ooff, "grad", grad, goff, n);
        if (st == PB_OK)
            st = check_alias(be, "loss", "y", y, yoff, "grad", grad, goff, n);
    }
    if (st != PB_OK)
        return st;
    /* Computed in our own struct, handed over as far as the caller's goes. */
    pb_loss_stats full = PB_LOSS_STATS_INIT;
    if (be->dtype == PB_F64)
        pbk_loss_d(loss, n, f64(o, ooff), f64(y, yoff),
                   grad ? f64(grad, goff) : NULL, &full);
    else
        pbk_loss_f(loss, n, f32(o, ooff), f32(y, yoff),
                   grad ? f32(grad, goff) : NULL, &full);
    pb_struct_give(stats, &full, sizeof full);
    return PB_OK;
}

pb_status pb_cpu_give_caps(pb_backend *be, pb_caps *caps, const pb_caps *full)
{
    if (!be)
        return PB_ERR_INVALID;
    if (!caps)
        return pb_cpu_fail(be, PB_ERR_INVALID, "get_caps: caps is NULL");
    if (caps->struct_size < PB_CAPS_MIN_SIZE)
        return pb_cpu_fail(be, PB_ERR_INVALID,
                           "get_caps: caps struct_size %u is below ABI 1.2's %zu (set it: "
                           "PB_CAPS_INIT)",
                           (unsigned)caps->struct_size, (size_t)PB_CAPS_MIN_SIZE);
    pb_struct_give(caps, full, sizeof *full);
    return PB_OK;
}

/* ---- reductions ---------------------------------------------------------------- */

/* Shared checks of the two-operand reductions. */
static pb_status check_pair(pb_backend *be, const char *op, size_t n,
                            const pb_buf *x, size_t xoff, const pb_buf *y,
                            size_t yoff, const double *result)
{
    pb_status st = check_vec(be, op, "x", x, xoff, n);
    if (st == PB_OK)
        st = check_vec(be, op, "y", y, yoff, n);
    if (st == PB_OK && !result)
        st = pb_cpu_fail(be, PB_ERR_INVALID, "%s: result is NULL", op);
    return st;
}

pb_status pb_cpu_sum(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                     double *result)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_vec(be, "sum", "x", x, xoff, n);
    if (st == PB_OK && !result)
        st = pb_cpu_fail(be, PB_ERR_INVALID, "sum: result is NULL");
    if (st != PB_OK)
        return st;
    *result = be->dtype == PB_F64 ? pbk_sum_d(n, f64(x, xoff))
                                  : pbk_sum_f(n, f32(x, xoff));
    return PB_OK;
}

pb_status pb_cpu_dot(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                     const pb_buf *y, size_t yoff, double *result)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_pair(be, "dot", n, x, xoff, y, yoff, result);
    if (st != PB_OK)
        return st;
    *result = be->dtype == PB_F64 ? pbk_dot_d(n, f64(x, xoff), f64(y, yoff))
                                  : pbk_dot_f(n, f32(x, xoff), f32(y, yoff));
    return PB_OK;
}

pb_status pb_cpu_dist2(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                       const pb_buf *y, size_t yoff, double *result)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_pair(be, "dist2", n, x, xoff, y, yoff, result);
    if (st != PB_OK)
        return st;
    *result = be->dtype == PB_F64 ? pbk_dist2_d(n, f64(x, xoff), f64(y, yoff))
                                  : pbk_dist2_f(n, f32(x, xoff), f32(y, yoff));
    return PB_OK;
}

pb_status pb_cpu_max_abs_diff(pb_backend *be, size_t n, const pb_buf *x,
                              size_t xoff, const pb_buf *y, size_t yoff,
                              double *result)
{
    if (!be)
        return PB_ERR_INVALID;
    begin(be);
    pb_status st = check_pair(be, "max_abs_diff", n, x, xoff, y, yoff, result);
    if (st != PB_OK)
        return st;
    *result = be->dtype == PB_F64
                  ? pbk_max_abs_diff_d(n, f64(x, xoff), f64(y, yoff))
                  : pbk_max_abs_diff_f(n, f32(x, xoff), f32(y, yoff));
    return PB_OK;
}
