/* The fully connected net on the backend ABI (model.h).  The equations are
 * docs/physics.md section 1 and section 7.4 (the NTK).
 *
 * Dimensions
 *   P          points of the batch (b->n): the training set, or the test or
 *              kernel set; na, nb for the two sets of a cross Gram
 *   d          input dimension
 *   h          width of every hidden layer
 *   L          hidden layers; layer L is the output layer
 *   N          parameters, d h + (L-1) h^2 + h (m->n_params)
 *   fan_in_i   d for i = 0, h for i = 1..L (m->fan_in[i])
 *   rows_i     h for i = 0..L-1, 1 for i = L (m->rows[i])
 *
 * Weights, one flat buffer w of N values, layer after layer, row-major
 *   W_i        (rows_i x fan_in_i) at w[off_i]: W_0 (h x d), W_i (h x h) for
 *              0 < i < L, W_L (1 x h)
 *
 * Forward state of a batch b, hidden layers i = 0..L-1
 *   X          (P x d)  b->x, the inputs
 *   In_i       (P x fan_in_i) input of layer i: X for i = 0, else A_{i-1}
 *   Z_i        (P x h)  pre-activations, In_i W_i^T / sqrt(fan_in_i); block i
 *                       (offset i P h) of b->z
 *   A_i        (P x h)  activations sigma(Z_i); block i of b->a
 *   f          (P x 1)  A_{L-1} W_L^T / h; b->out (then o = f - f0)
 *   f0         (P)      f at the initial weights; b->f0
 *
 * Backward signals
 *   go         (P x 1)  dLoss/do per point (b->go); 1 for the NTK
 *   dA_i       (P x h)  dLoss/dA_i (or df/dA_i), in b->da[cur]
 *   dZ_i       (P x h)  dA_i .* sigma'(Z_i), overwriting dA_i in place;
 *                       b->da[0] and b->da[1] alternate (ping-pong)
 *   dW_i       (rows_i x fan_in_i) into grad, same layout as w
 *   sig        (L blocks of P x h) the per-point dZ_i kept for the NTK
 *
 * Every GEMM below is row-major, C (m x n) = alpha op(A) op(B) + beta C
 * (beta = 0 throughout), and carries its shapes in a comment of the form
 *   // C (m x n) = A (m x k) @ B (n x k)^T * alpha */
#include "model.h"

#include "rng.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TRY(call)                                                            \
    do {                                                                     \
        pb_status st_ = (call);                                              \
        if (st_ != PB_OK)                                                    \
            return st_;                                                      \
    } while (0)

int pb_model_init(pb_model *m, const pb_backend_vtable *vt, pb_backend *be, size_t d,
                  size_t h, size_t L, pb_act act, char *err, size_t err_len)
{
    memset(m, 0, sizeof *m);
    if (L < 1 || L > PB_MAX_LAYERS) {
        snprintf(err, err_len, "L = %zu: the number of hidden layers must be 1..%d", L,
                 PB_MAX_LAYERS);
        return -1;
    }
    if (d == 0 || h == 0) {
        snprintf(err, err_len, "d = %zu, h = %zu: both must be positive", d, h);
        return -1;
    }
    m->vt = vt;
    m->be = be;
    m->d = d;
    m->h = h;
    m->L = L;
    m->act = act;
    size_t off = 0;
    for (size_t i = 0; i <= L; i++) {
        m->fan_in[i] = i == 0 ? d : h;
        m->rows[i] = i == L ? 1 : h;
        m->off[i] = off;
        off += m->rows[i] * m->fan_in[i];
    }
    m->n_params = off;
    return 0;
}

void pb_model_init_weights(const pb_model *m, uint64_t seed, double *w)
{
    for (size_t i = 0; i <= m->L; i++)
        pb_rng_normal_fill(seed, PB_STREAM_WEIGHTS + i, 0, w + m->off[i],
                           m->rows[i] * m->fan_in[i]);
}

const char *pb_model_error(const pb_model *m)
{
    const char *e = m->vt->last_error(m->be);
    return e ? e : "(no message)";
}

static pb_status alloc(const pb_model *m, size_t n, pb_buf **out)
{
    *out = NULL;
    return m->vt->buf_alloc(m->be, n, out);
}

pb_status pb_batch_create(const pb_model *m, size_t n, const double *x, const double *y,
                          pb_batch *b)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    pb_status st;
    if ((st = alloc(m, n * m->d, &b->x)) || (st = alloc(m, n, &b->y)) ||
        (st = alloc(m, n, &b->f0)) || (st = alloc(m, n * m->h * m->L, &b->z)) ||
        (st = alloc(m, n * m->h * m->L, &b->a)) || (st = alloc(m, n, &b->out)) ||
        (st = alloc(m, n, &b->go)) || (st = alloc(m, n * m->h, &b->da[0])) ||
        (st = alloc(m, n * m->h, &b->da[1])))
        goto fail;
    if ((st = m->vt->buf_upload(m->be, b->x, 0, x, n * m->d)) != PB_OK)
        goto fail;
    if (y && (st = m->vt->buf_upload(m->be, b->y, 0, y, n)) != PB_OK)
        goto fail;
    if ((st = m->vt->fill(m->be, b->f0, 0, n, 0.0)) != PB_OK)
        goto fail;
    return PB_OK;
fail:
    pb_batch_destroy(m, b);
    return st;
}

void pb_batch_destroy(const pb_model *m, pb_batch *b)
{
    pb_buf *all[] = {b->x, b->y, b->f0, b->z, b->a, b->out, b->go, b->da[0], b->da[1]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i])
            m->vt->buf_free(m->be, all[i]);
    memset(b, 0, sizeof *b);
}

/* Input of layer i: the data for i = 0, else the previous activations. */
static const pb_buf *layer_input(const pb_model *m, const pb_batch *b, size_t i, size_t *off)
{
    if (i == 0) {
        *off = 0;
        return b->x;
    }
    *off = (i - 1) * b->n * m->h;
    return b->a;
}

pb_status pb_model_forward(const pb_model *m, const pb_buf *w, pb_batch *b)
{
    const pb_backend_vtable *vt = m->vt;
    size_t n = b->n, h = m->h;
    for (size_t i = 0; i < m->L; i++) {
        size_t in_off;
        const pb_buf *in = layer_input(m, b, i, &in_off);
        size_t fi = m->fan_in[i];
        size_t blk = i * n * h;
        // Z_i (P x h) = In_i (P x fan_in) @ W_i (h x fan_in)^T / sqrt(fan_in)
        TRY(vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, n, h, fi, 1.0 / sqrt((double)fi), in, in_off,
                     fi, w, m->off[i], fi, 0.0, b->z, blk, h));
        TRY(vt->act_forward(m->be, &m->act, n * h, b->z, blk, b->a, blk));
    }
    // f (P x 1) = A_{L-1} (P x h) @ W_L (1 x h)^T / h
    return vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, n, 1, h, 1.0 / (double)h, b->a,
                    (m->L - 1) * n * h, h, w, m->off[m->L], h, 0.0, b->out, 0, 1);
}

pb_status pb_model_outputs(const pb_model *m, const pb_buf *w, pb_batch *b)
{
    TRY(pb_model_forward(m, w, b));
    return m->vt->axpby(m->be, b->n, -1.0, b->f0, 0, 1.0, b->out, 0);
}

/* Back-propagate the per-sample output signal `top` (n x 1 in go, or n x h
 * in da[cur] when `top_is_da`) through the hidden layers.  For every hidden
 * layer i, `visit` receives the signal dZ_i (n x h) at da[*cur]. */
typedef pb_status (*layer_visit)(const pb_model *m, const pb_buf *w, pb_batch *b, size_t i,
                                 int cur, void *ctx);

static pb_status backprop_hidden(const pb_model *m, const pb_buf *w, pb_batch *b, int cur,
                                 layer_visit visit, void *ctx)
{
    const pb_backend_vtable *vt = m->vt;
    size_t n = b->n, h = m->h;
    for (size_t i = m->L; i-- > 0;) {
        size_t blk = i * n * h;
        /* dZ_i = dA_i .* sigma'(Z_i), in place */
        TRY(vt->act_backward(m->be, &m->act, n * h, b->z, blk, b->da[cur], 0, b->da[cur], 0));
        TRY(visit(m, w, b, i, cur, ctx));
        if (i > 0) {
            double s = 1.0 / sqrt((double)m->fan_in[i]);
            // dA_{i-1} (P x h) = dZ_i (P x h) @ W_i (h x h) / sqrt(h)
            TRY(vt->gemm(m->be, PB_NO_TRANS, PB_NO_TRANS, n, h, h, s, b->da[cur], 0, h, w,
                         m->off[i], h, 0.0, b->da[1 - cur], 0, h));
            cur = 1 - cur;
        }
    }
    return PB_OK;
}

static pb_status grad_visit(const pb_model *m, const pb_buf *w, pb_batch *b, size_t i, int cur,
                            void *ctx)
{
    (void)w;
    pb_buf *grad = ctx;
    size_t in_off;
    const pb_buf *in = layer_input(m, b, i, &in_off);
    size_t fi = m->fan_in[i];
    // dW_i (h x fan_in) = dZ_i (P x h)^T @ In_i (P x fan_in) / sqrt(fan_in)
    return m->vt->gemm(m->be, PB_TRANS, PB_NO_TRANS, m->h, fi, b->n, 1.0 / sqrt((double)fi),
                       b->da[cur], 0, m->h, in, in_off, fi, 0.0, grad, m->off[i], fi);
}

pb_status pb_model_backward(const pb_model *m, const pb_buf *w, pb_batch *b, pb_buf *grad)
{
    const pb_backend_vtable *vt = m->vt;
    size_t n = b->n, h = m->h;
    double s = 1.0 / (double)h;
    /* output layer: dW_L = go^T A_{L-1} / h;  dA_{L-1} = go W_L / h */
    // dW_L (1 x h) = go (P x 1)^T @ A_{L-1} (P x h) / h
    TRY(vt->gemm(m->be, PB_TRANS, PB_NO_TRANS, 1, h, n, s, b->go, 0, 1, b->a, (m->L - 1) * n * h,
                 h, 0.0, grad, m->off[m->L], h));
    // dA_{L-1} (P x h) = go (P x 1) @ W_L (1 x h) / h
    TRY(vt->gemm(m->be, PB_NO_TRANS, PB_NO_TRANS, n, h, 1, s, b->go, 0, 1, w, m->off[m->L], h,
                 0.0, b->da[0], 0, h));
    return backprop_hidden(m, w, b, 0, grad_visit, grad);
}

pb_status pb_model_loss_grad(const pb_model *m, const pb_buf *w, pb_batch *b,
                             const pb_loss *loss, pb_buf *grad, pb_loss_stats *stats)
{
    TRY(pb_model_outputs(m, w, b));
    stats->struct_size = sizeof *stats; /* the ABI's struct_size rule: the caller's size */
    TRY(m->vt->loss(m->be, loss, b->n, b->out, 0, b->y, 0, b->go, 0, stats));
    return pb_model_backward(m, w, b, grad);
}

/* Keep each layer's per-sample signal dZ_i (n x h) in block i of ctx. */
static pb_status store_signal(const pb_model *m, const pb_buf *w, pb_batch *b, size_t i, int cur,
                              void *ctx)
{
    (void)w;
    size_t blk = b->n * m->h;
    return m->vt->copy(m->be, ctx, i * blk, b->da[cur], 0, blk);
}

/* Forward pass, then dZ_i = d f / d Z_i for every sample and hidden layer
 * into sig (L blocks of n x h).  The output signal df/dA_{L-1} = W_L / h is
 * the same for every sample. */
static pb_status ntk_signals(const pb_model *m, const pb_buf *w, pb_batch *b, pb_buf *sig)
{
    const pb_backend_vtable *vt = m->vt;
    TRY(pb_model_forward(m, w, b));
    TRY(vt->fill(m->be, b->go, 0, b->n, 1.0));
    // df/dA_{L-1} (P x h) = 1 (P x 1) @ W_L (1 x h) / h: W_L / h in every row
    TRY(vt->gemm(m->be, PB_NO_TRANS, PB_NO_TRANS, b->n, m->h, 1, 1.0 / (double)m->h, b->go, 0, 1,
                 w, m->off[m->L], m->h, 0.0, b->da[0], 0, m->h));
    return backprop_hidden(m, w, b, 0, store_signal, sig);
}

/* theta += s * (A B^T) .* (C D^T) over k columns: one layer's term. */
static pb_status gram_product(const pb_model *m, size_t na, size_t nb, size_t k, double s,
                              const pb_buf *a, size_t aoff, const pb_buf *bb, size_t boff,
                              const pb_buf *c, size_t coff, const pb_buf *d, size_t doff, size_t k2,
                              pb_buf *g1, pb_buf *g2, pb_buf *theta)
{
    const pb_backend_vtable *vt = m->vt;
    // g1 (na x nb) = A (na x k) @ B (nb x k)^T: the dZ_i Gram, k = h
    TRY(vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, na, nb, k, 1.0, a, aoff, k, bb, boff, k, 0.0, g1, 0,
                 nb));
    // g2 (na x nb) = C (na x k2) @ D (nb x k2)^T: the In_i Gram, k2 = fan_in_i
    TRY(vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, na, nb, k2, 1.0, c, coff, k2, d, doff, k2, 0.0, g2,
                 0, nb));
    // theta (na x nb) += s * g1 .* g2, element-wise (not a GEMM)
    return vt->mul(m->be, na * nb, s, g1, 0, g2, 0, 1.0, theta, 0);
}

pb_status pb_model_ntk_cross(const pb_model *m, const pb_buf *w, pb_batch *ba, pb_batch *bb,
                             pb_buf *theta)
{
    const pb_backend_vtable *vt = m->vt;
    size_t na = ba->n, nb = bb->n, h = m->h, L = m->L;
    pb_buf *sa = NULL, *sb = NULL, *g1 = NULL, *g2 = NULL;
    pb_status st;
    if ((st = alloc(m, na * h * L, &sa)) || (ba != bb && (st = alloc(m, nb * h * L, &sb))) ||
        (st = alloc(m, na * nb, &g1)) || (st = alloc(m, na * nb, &g2)))
        goto out;
    if (ba == bb)
        sb = sa;
    if ((st = ntk_signals(m, w, ba, sa)) || (ba != bb && (st = ntk_signals(m, w, bb, sb))))
        goto out;
    /* Output layer: df/dW_L = A_{L-1} / h, so its term is A A'^T / h^2. */
    size_t last_a = (L - 1) * na * h, last_b = (L - 1) * nb * h;
    // theta (na x nb) = A_{L-1}(a) (na x h) @ A_{L-1}(b) (nb x h)^T / h^2
    if ((st = vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, na, nb, h, 1.0 / ((double)h * (double)h),
                       ba->a, last_a, h, bb->a, last_b, h, 0.0, theta, 0, nb)))
        goto out;
    /* Hidden layer i: (dZ_i dZ_i'^T) .* (in_i in_i'^T) / fan_in_i. */
    for (size_t i = 0; i < L; i++) {
        size_t ia, ib;
        const pb_buf *in_a = layer_input(m, ba, i, &ia);
        const pb_buf *in_b = layer_input(m, bb, i, &ib);
        size_t fi = m->fan_in[i];
        if ((st = gram_product(m, na, nb, h, 1.0 / (double)fi, sa, i * na * h, sb, i * nb * h,
                               in_a, ia, in_b, ib, fi, g1, g2, theta)))
            goto out;
    }
out:
    if (sb && sb != sa)
        vt->buf_free(m->be, sb);
    if (sa)
        vt->buf_free(m->be, sa);
    if (g1)
        vt->buf_free(m->be, g1);
    if (g2)
        vt->buf_free(m->be, g2);
    return st;
}

pb_status pb_model_ntk(const pb_model *m, const pb_buf *w, pb_batch *b, pb_buf *theta)
{
    return pb_model_ntk_cross(m, w, b, b, theta);
}
