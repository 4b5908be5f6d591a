/* The ops of the ABI, with the exact signatures of pb_backend_vtable. */
#ifndef PB_VK_OPS_H
#define PB_VK_OPS_H

#include "phasebench/backend.h"

/* vk_ops.c */
pb_status pb_vk_copy(pb_backend *be, pb_buf *dst, size_t doff,
                     const pb_buf *src, size_t soff, size_t n);
pb_status pb_vk_fill(pb_backend *be, pb_buf *x, size_t off, size_t n,
                     double value);
pb_status pb_vk_gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m,
                     size_t n, size_t k, double alpha, const pb_buf *a,
                     size_t aoff, size_t lda, const pb_buf *b, size_t boff,
                     size_t ldb, double beta, pb_buf *c, size_t coff,
                     size_t ldc);
pb_status pb_vk_axpby(pb_backend *be, size_t n, double a, const pb_buf *x,
                      size_t xoff, double b, pb_buf *y, size_t yoff);
pb_status pb_vk_mul(pb_backend *be, size_t n, double a, const pb_buf *x,
                    size_t xoff, const pb_buf *y, size_t yoff, double b,
                    pb_buf *out, size_t ooff);
pb_status pb_vk_act_forward(pb_backend *be, const pb_act *act, size_t n,
                            const pb_buf *z, size_t zoff, pb_buf *out,
                            size_t ooff);
pb_status pb_vk_act_backward(pb_backend *be, const pb_act *act, size_t n,
                             const pb_buf *z, size_t zoff, const pb_buf *dout,
                             size_t doff, pb_buf *dz, size_t dzoff);

/* vk_reduce.c */
pb_status pb_vk_loss(pb_backend *be, const pb_loss *loss, size_t n,
                     const pb_buf *o, size_t ooff, const pb_buf *y,
                     size_t yoff, pb_buf *grad, size_t goff,
                     pb_loss_stats *stats);
pb_status pb_vk_sum(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                    double *result);
pb_status pb_vk_dot(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                    const pb_buf *y, size_t yoff, double *result);
pb_status pb_vk_dist2(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                      const pb_buf *y, size_t yoff, double *result);
pb_status pb_vk_max_abs_diff(pb_backend *be, size_t n, const pb_buf *x,
                             size_t xoff, const pb_buf *y, size_t yoff,
                             double *result);
pb_status pb_vk_step_scalars(pb_backend *be, size_t n, const pb_buf *g,
                             size_t goff, const pb_buf *g1, size_t g1off,
                             size_t m, const pb_buf *o, size_t ooff,
                             const pb_buf *o1, size_t o1off, double out[3]);

#endif
