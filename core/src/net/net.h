/* A net on a backend: the layout of model.h, the initial weights w0 on the
 * device and the data sets it is evaluated on, each as a batch that holds
 * f(w0) (docs/physics.md sections 1.1 and 1.2; o = f - f0 is section 3).
 * Training (train.c), the kernel machine (kernel_machine.c), the trajectory
 * check (check/trajcheck.c) and the step benchmark (bench/bench.c) all set
 * their net up here, so they start from the same numbers by construction.
 *
 * Also here: the net's objective on one batch as the flow evaluates it
 * (pb_net_eval), the one evaluation that training runs at every step and
 * that the benchmark times. */
#ifndef PB_NET_H
#define PB_NET_H

#include "flow.h"
#include "model.h"

#include <stddef.h>
#include <stdint.h>

/* train.c: training, test and kernel set. */
#define PB_NET_MAX_SETS 3

/* One data set of the net. */
typedef struct pb_net_data {
    const char *name;   /* for messages: "training set" */
    size_t n;           /* points; 0 leaves the set out (its batch stays empty) */
    const double *x;    /* n x d inputs, row-major, in the units of the preprocessed data */
    const double *y;    /* n labels, +-1 */
} pb_net_data;

/* What pb_net_open sets up. */
typedef struct pb_net_spec {
    size_t d, h, L;      /* input dimension, width, hidden layers (1..PB_MAX_LAYERS) */
    pb_act act;          /* the normalised activation (activation.h) */
    uint64_t seed;       /* seed_init: w0 = pb_model_init_weights(seed) */
    int keep_w0;         /* also keep a copy of w0 on the device (net->w0) */
    size_t n_sets;       /* <= PB_NET_MAX_SETS */
    pb_net_data sets[PB_NET_MAX_SETS];
} pb_net_spec;

typedef struct pb_net {
    pb_model m;
    pb_buf *w;          /* N = m.n_params weights: w0 after pb_net_open */
    pb_buf *w0;         /* N: w0, kept (keep_w0), else NULL */
    size_t n_sets;
    pb_batch set[PB_NET_MAX_SETS]; /* batch i: spec set i, f0 = f(w0) stored; n = 0 if left out */
} pb_net;

/* Lay out the net (pb_model_init), draw w0 in double on the host
 * (pb_model_init_weights: the same numbers on every backend and dtype),
 * upload it to w (and w0), upload every set with n > 0 into its batch
 * (pb_batch_create) and store f0 = f(w0, x) on it (pb_model_forward).
 * Returns 0, or -1 with a message in err naming the step and the set (an
 * invalid shape, more than PB_NET_MAX_SETS sets, host memory, the backend's
 * error text).  On failure no buffer stays allocated; net->m keeps the
 * layout when the shape was valid (m.n_params = N, for the run's row; 0
 * otherwise), and pb_net_close is still safe.  The backend (vt, be) must
 * outlive the net. */
int pb_net_open(pb_net *net, const pb_backend_vtable *vt, pb_backend *be,
                const pb_net_spec *spec, char *err, size_t err_len);

/* Free every buffer of the net; safe on a zeroed or failed net, and twice. */
void pb_net_close(pb_net *net);

/* The net's objective on one batch b (P points): the loss of
 * docs/physics.md section 4 with loss.scale = 1/P for the mean. */
typedef struct pb_net_fit {
    const pb_model *m;
    pb_batch *b;
    pb_loss loss;
} pb_net_fit;

/* pb_flow_problem.eval of the net (ctx: a pb_net_fit): at weights w (N),
 * the outputs o = f(w) - f0 (P) into o, the gradient of the loss (N) into g
 * and the loss stats, by pb_model_loss_grad.  Returns the backend's status. */
pb_status pb_net_eval(void *fit, const pb_buf *w, pb_buf *o, pb_buf *g, pb_loss_stats *stats);

/* The flow problem of fitting the net's weights on fit's batch: n_params = N,
 * n_out = P, eval = pb_net_eval; no checkpoint hook (set one after). */
void pb_net_flow_problem(pb_net_fit *fit, pb_flow_problem *pr);

#endif
