/*
 * Host-memory backend scaffolding shared by the CPU plugins (ref, blas).
 *
 * Both CPU backends keep their buffers in host memory, validate arguments
 * the same way and run the same element-wise kernels; they differ only in
 * GEMM, thread control and what they report in their caps.  This module is
 * that common part: the instance and buffer structs, argument validation
 * with messages that name the op and the argument, and ready-made
 * implementations of every vtable member except probe, create, destroy,
 * get_caps and gemm.  A plugin fills its vtable with these functions and
 * adds its own five.
 *
 * Validation rules (every violation is PB_ERR_INVALID with a message):
 *   - a buffer argument must be non-NULL and allocated by this instance;
 *   - a vector view (off, n) must lie inside the buffer;
 *   - a matrix view (off, rows, cols, ld) needs ld >= cols and its last
 *     element inside the buffer (an empty matrix needs only off <= size);
 *   - copy: source and destination regions of one buffer must not overlap
 *     (the ABI's rule); other element-wise ops accept an output that
 *     aliases an input exactly, never a partial overlap;
 *   - activation: known kind, finite non-zero beta, finite c;
 *   - loss: known kind, finite non-zero alpha, finite margin and scale,
 *     finite beta > 0 for the soft hinge; stats non-NULL with a
 *     struct_size of at least PB_LOSS_STATS_MIN_SIZE (only the members it
 *     covers are written).
 * GEMM does not check whether C overlaps A or B (an overlap gives
 * undefined results, as in BLAS).
 */
#ifndef PB_CPU_HOST_H
#define PB_CPU_HOST_H

#include <stddef.h>

#include "phasebench/backend.h"

#define PB_CPU_ERROR_LEN 512

/* One buffer: n elements of the owner's dtype in host memory. */
struct pb_buf {
    const pb_backend *owner; /* a buffer is only valid with its own instance */
    size_t n;
    void *data;
    pb_buf *prev, *next;     /* the instance's live buffers, for destroy() */
};

/* One instance.  `plugin` is the plugin's own per-instance state (owned and
 * freed by the plugin); the rest belongs to this module. */
struct pb_backend {
    pb_dtype dtype;
    char error[PB_CPU_ERROR_LEN];
    void *plugin;
    pb_buf *live; /* buffers not yet freed: destroy() frees them */
};

/* Checks the options (non-NULL, struct size, dtype, threads >= 0) and
 * allocates an instance with plugin == NULL.  On failure writes a reason
 * prefixed with `name` into err. */
pb_status pb_cpu_create(const char *name, const pb_backend_options *opts,
                        pb_backend **out, char *err, size_t err_len);
/* Frees the instance itself and every buffer of it still allocated (the
 * destroy() contract of phasebench/backend.h), not be->plugin.  NULL is
 * ignored. */
void pb_cpu_destroy(pb_backend *be);

/* Records a printf-style message as the instance's last error and returns
 * st, so that a failing check reads `return pb_cpu_fail(be, ...)`. */
pb_status pb_cpu_fail(pb_backend *be, pb_status st, const char *fmt, ...);

/* Validates every argument of a GEMM call as described above (op(A) is
 * m x k, op(B) is k x n, C is m x n, row-major) and clears the last error.
 * PB_OK or PB_ERR_INVALID. */
pb_status pb_cpu_gemm_check(pb_backend *be, pb_trans ta, pb_trans tb,
                            size_t m, size_t n, size_t k, const pb_buf *a,
                            size_t aoff, size_t lda, const pb_buf *b,
                            size_t boff, size_t ldb, const pb_buf *c,
                            size_t coff, size_t ldc);

/* The argument checks of act_forward / act_backward (activation
 * parameters, views, aliasing), exactly as pb_cpu_act_forward and
 * pb_cpu_act_backward run them before their kernels; they clear the last
 * error first.  For a plugin with its own activation kernels. */
pb_status pb_cpu_act_forward_check(pb_backend *be, const pb_act *act, size_t n,
                                   const pb_buf *z, size_t zoff,
                                   const pb_buf *out, size_t ooff);
pb_status pb_cpu_act_backward_check(pb_backend *be, const pb_act *act,
                                    size_t n, const pb_buf *z, size_t zoff,
                                    const pb_buf *dout, size_t doff,
                                    const pb_buf *dz, size_t dzoff);

/* The end of a plugin's get_caps(): checks caps (non-NULL, struct_size at
 * least PB_CAPS_MIN_SIZE) and hands it the members of `full` that its
 * struct_size covers.  PB_OK or PB_ERR_INVALID with the reason. */
pb_status pb_cpu_give_caps(pb_backend *be, pb_caps *caps, const pb_caps *full);

/* Vtable members (same contracts as in backend.h). */
const char *pb_cpu_last_error(const pb_backend *be);
pb_status pb_cpu_buf_alloc(pb_backend *be, size_t n, pb_buf **out);
void pb_cpu_buf_free(pb_backend *be, pb_buf *buf);
pb_status pb_cpu_buf_upload(pb_backend *be, pb_buf *dst, size_t off,
                            const double *src, size_t n);
pb_status pb_cpu_buf_download(pb_backend *be, const pb_buf *src, size_t off,
                              double *dst, size_t n);
pb_status pb_cpu_copy(pb_backend *be, pb_buf *dst, size_t doff,
                      const pb_buf *src, size_t soff, size_t n);
pb_status pb_cpu_fill(pb_backend *be, pb_buf *x, size_t off, size_t n,
                      double value);
pb_status pb_cpu_axpby(pb_backend *be, size_t n, double a, const pb_buf *x,
                       size_t xoff, double b, pb_buf *y, size_t yoff);
pb_status pb_cpu_mul(pb_backend *be, size_t n, double a, const pb_buf *x,
                     size_t xoff, const pb_buf *y, size_t yoff, double b,
                     pb_buf *out, size_t ooff);
pb_status pb_cpu_act_forward(pb_backend *be, const pb_act *act, size_t n,
                             const pb_buf *z, size_t zoff, pb_buf *out,
                             size_t ooff);
pb_status pb_cpu_act_backward(pb_backend *be, const pb_act *act, size_t n,
                              const pb_buf *z, size_t zoff, const pb_buf *dout,
                              size_t doff, pb_buf *dz, size_t dzoff);
pb_status pb_cpu_loss(pb_backend *be, const pb_loss *loss, size_t n,
                      const pb_buf *o, size_t ooff, const pb_buf *y,
                      size_t yoff, pb_buf *grad, size_t goff,
                      pb_loss_stats *stats);
pb_status pb_cpu_sum(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                     double *result);
pb_status pb_cpu_dot(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                     const pb_buf *y, size_t yoff, double *result);
pb_status pb_cpu_dist2(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                       const pb_buf *y, size_t yoff, double *result);
pb_status pb_cpu_max_abs_diff(pb_backend *be, size_t n, const pb_buf *x,
                              size_t xoff, const pb_buf *y, size_t yoff,
                              double *result);

#endif /* PB_CPU_HOST_H */
