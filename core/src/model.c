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
        TRY(vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, n, h, fi, 1.0 / sqrt((double)fi), in, in_off,
                     fi, w, m->off[i], fi, 0.0, b->z, blk, h));
        TRY(vt->act_forward(m->be, &m->act, n * h, b->z, blk, b->a, blk));
    }
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
    return m->vt->gemm(m->be, PB_TRANS, PB_NO_TRANS, m->h, fi, b->n, 1.0 / sqrt((double)fi),
                       b->da[cur], 0, m->h, in, in_off, fi, 0.0, grad, m->off[i], fi);
}

pb_status pb_model_backward(const pb_model *m, const pb_buf *w, pb_batch *b, pb_buf *grad)
{
    const pb_backend_vtable *vt = m->vt;
    size_t n = b->n, h = m->h;
    double s = 1.0 / (double)h;
    /* output layer: dW_L = go^T A_{L-1} / h;  dA_{L-1} = go W_L / h */
    TRY(vt->gemm(m->be, PB_TRANS, PB_NO_TRANS, 1, h, n, s, b->go, 0, 1, b->a, (m->L - 1) * n * h,
                 h, 0.0, grad, m->off[m->L], h));
    TRY(vt->gemm(m->be, PB_NO_TRANS, PB_NO_TRANS, n, h, 1, s, b->go, 0, 1, w, m->off[m->L], h,
                 0.0, b->da[0], 0, h));
    return backprop_hidden(m, w, b, 0, grad_visit, grad);
}

pb_status pb_model_loss_grad(const pb_model *m, const pb_buf *w, pb_batch *b,
                             const pb_loss *loss, pb_buf *grad, pb_loss_stats *stats)
{
    TRY(pb_model_outputs(m, w, b));
    TRY(m->vt->loss(m->be, loss, b->n, b->out, 0, b->y, 0, b->go, 0, stats));
    return pb_model_backward(m, w, b, grad);
}

typedef struct ntk_ctx {
    pb_buf *theta, *g1, *g2;
} ntk_ctx;

static pb_status ntk_visit(const pb_model *m, const pb_buf *w, pb_batch *b, size_t i, int cur,
                           void *vctx)
{
    (void)w;
    ntk_ctx *c = vctx;
    const pb_backend_vtable *vt = m->vt;
    size_t n = b->n, h = m->h, in_off;
    const pb_buf *in = layer_input(m, b, i, &in_off);
    size_t fi = m->fan_in[i];
    TRY(vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, n, n, h, 1.0, b->da[cur], 0, h, b->da[cur], 0, h,
                 0.0, c->g1, 0, n));
    TRY(vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, n, n, fi, 1.0, in, in_off, fi, in, in_off, fi, 0.0,
                 c->g2, 0, n));
    return vt->mul(m->be, n * n, 1.0 / (double)fi, c->g1, 0, c->g2, 0, 1.0, c->theta, 0);
}

pb_status pb_model_ntk(const pb_model *m, const pb_buf *w, pb_batch *b, pb_buf *theta)
{
    const pb_backend_vtable *vt = m->vt;
    size_t n = b->n, h = m->h;
    ntk_ctx c = {theta, NULL, NULL};
    pb_status st;
    TRY(pb_model_forward(m, w, b));
    if ((st = alloc(m, n * n, &c.g1)) != PB_OK)
        return st;
    if ((st = alloc(m, n * n, &c.g2)) != PB_OK) {
        vt->buf_free(m->be, c.g1);
        return st;
    }
    /* Output layer: df/dW_L = A_{L-1} / h. */
    st = vt->gemm(m->be, PB_NO_TRANS, PB_TRANS, n, n, h, 1.0 / ((double)h * (double)h), b->a,
                  (m->L - 1) * n * h, h, b->a, (m->L - 1) * n * h, h, 0.0, theta, 0, n);
    /* Per-sample signal: df/dA_{L-1} = W_L / h for every sample. */
    if (st == PB_OK)
        st = vt->fill(m->be, b->go, 0, n, 1.0);
    if (st == PB_OK)
        st = vt->gemm(m->be, PB_NO_TRANS, PB_NO_TRANS, n, h, 1, 1.0 / (double)h, b->go, 0, 1, w,
                      m->off[m->L], h, 0.0, b->da[0], 0, h);
    if (st == PB_OK)
        st = backprop_hidden(m, w, b, 0, ntk_visit, &c);
    vt->buf_free(m->be, c.g1);
    vt->buf_free(m->be, c.g2);
    return st;
}
