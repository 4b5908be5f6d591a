/* The fully connected net of docs/physics.md section 1, written against the
 * backend ABI only.
 *
 *   z_0 = x,  z_{i+1} = sigma(W_i z_i / sqrt(fan_in_i))  (i = 0..L-1)
 *   f(w, x) = W_L z_L / h
 *
 * No biases; W_0 is h x d, W_1..W_{L-1} are h x h, W_L is 1 x h.  All
 * weights live in one flat buffer, layer after layer, each row-major, so
 * that norms, updates and step control are single ops on one buffer. */
#ifndef PB_MODEL_H
#define PB_MODEL_H

#include "phasebench/backend.h"

#include <stddef.h>
#include <stdint.h>

#define PB_MAX_LAYERS 16

typedef struct pb_model {
    const pb_backend_vtable *vt;
    pb_backend *be;
    size_t d, h, L;
    pb_act act;
    size_t n_params;                    /* N = d h + (L-1) h^2 + h */
    size_t off[PB_MAX_LAYERS + 1];      /* offset of W_i in the flat buffer */
    size_t rows[PB_MAX_LAYERS + 1];     /* h for hidden layers, 1 for the output */
    size_t fan_in[PB_MAX_LAYERS + 1];
} pb_model;

/* Activations kept for one data set of n points (forward state for the
 * backward pass and the NTK). */
typedef struct pb_batch {
    size_t n;
    pb_buf *x;       /* n x d inputs */
    pb_buf *y;       /* n labels */
    pb_buf *f0;      /* n: f(w0, x) */
    pb_buf *z;       /* L blocks of n x h pre-activations */
    pb_buf *a;       /* L blocks of n x h activations */
    pb_buf *out;     /* n outputs (f, or o = f - f0 after pb_model_outputs) */
    pb_buf *go;      /* n: dLoss/do */
    pb_buf *da[2];   /* n x h back-propagated signals (ping-pong) */
} pb_batch;

/* Fill the layout of a net.  Returns -1 with a message when the shape is
 * invalid (L < 1 or > PB_MAX_LAYERS, zero sizes). */
int pb_model_init(pb_model *m, const pb_backend_vtable *vt, pb_backend *be, size_t d,
                  size_t h, size_t L, pb_act act, char *err, size_t err_len);

/* Initial weights: W_i[j] = N(0,1) drawn from (seed, PB_STREAM_WEIGHTS + i, j)
 * in double, so every backend starts from the same numbers. */
void pb_model_init_weights(const pb_model *m, uint64_t seed, double *w);

/* Allocate the buffers of a batch and upload x (n x d) and y (n). */
pb_status pb_batch_create(const pb_model *m, size_t n, const double *x, const double *y,
                          pb_batch *b);
void pb_batch_destroy(const pb_model *m, pb_batch *b);

/* Forward pass: b->out = f(w, x). */
pb_status pb_model_forward(const pb_model *m, const pb_buf *w, pb_batch *b);

/* Forward pass minus the initial outputs: b->out = f(w, x) - f0. */
pb_status pb_model_outputs(const pb_model *m, const pb_buf *w, pb_batch *b);

/* Backward pass after a forward pass on the same w: grad (n_params) =
 * sum_mu b->go[mu] * d f(w, x_mu) / dw. */
pb_status pb_model_backward(const pb_model *m, const pb_buf *w, pb_batch *b, pb_buf *grad);

/* Loss, its gradient with respect to w, and the stats, at w:
 * forward, outputs, loss op, backward. */
pb_status pb_model_loss_grad(const pb_model *m, const pb_buf *w, pb_batch *b,
                             const pb_loss *loss, pb_buf *grad, pb_loss_stats *stats);

/* NTK Gram of the raw f over all parameters on the batch's points, at w:
 * theta (n x n buffer, overwritten).  Per layer (backprop-signal Gram) .*
 * (input Gram) / fan_in; no per-sample Jacobian.  Uses b's scratch and
 * temporaries allocated here. */
pb_status pb_model_ntk(const pb_model *m, const pb_buf *w, pb_batch *b, pb_buf *theta);

/* Cross Gram between two point sets: theta (na x nb) = Theta(x_a, x_b).
 * ba may equal bb. */
pb_status pb_model_ntk_cross(const pb_model *m, const pb_buf *w, pb_batch *ba, pb_batch *bb,
                             pb_buf *theta);

/* Text of the backend's last error (for messages). */
const char *pb_model_error(const pb_model *m);

#endif
