#include "gemm_trace.h"

#include "activation.h"
#include "flow.h"
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pb_gemm_list_free(pb_gemm_list *l)
{
    free(l->call);
    memset(l, 0, sizeof *l);
}

int pb_gemm_list_add(pb_gemm_list *l, const pb_gemm_call *c)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        pb_gemm_call *p = realloc(l->call, cap * sizeof *p);
        if (!p)
            return -1;
        l->call = p;
        l->cap = cap;
    }
    l->call[l->n++] = *c;
    return 0;
}

double pb_gemm_list_flops(const pb_gemm_call *c, size_t count)
{
    double f = 0.0;
    for (size_t i = 0; i < count; i++)
        f += 2.0 * (double)c[i].m * (double)c[i].n * (double)c[i].k;
    return f;
}

/* ------------------------------------------------------------------------ */
/* The recording backend: every op succeeds without computing; buffers are
 * handles without storage; gemm appends its arguments to the list.        */

struct pb_backend {
    pb_gemm_list *list;  /* NULL: not recording */
    int nomem;           /* the list could not grow */
};

struct pb_buf {
    size_t n;
};

static const char *tr_last_error(const pb_backend *be)
{
    return be->nomem ? "out of host memory for the GEMM trace" : "";
}

static pb_status tr_buf_alloc(pb_backend *be, size_t n, pb_buf **out)
{
    (void)be;
    *out = malloc(sizeof **out);
    if (!*out)
        return PB_ERR_NOMEM;
    (*out)->n = n;
    return PB_OK;
}

static void tr_buf_free(pb_backend *be, pb_buf *buf)
{
    (void)be;
    free(buf);
}

static pb_status tr_buf_upload(pb_backend *be, pb_buf *dst, size_t off, const double *src,
                               size_t n)
{
    (void)be, (void)dst, (void)off, (void)src, (void)n;
    return PB_OK;
}

static pb_status tr_buf_download(pb_backend *be, const pb_buf *src, size_t off, double *dst,
                                 size_t n)
{
    (void)be, (void)src, (void)off;
    memset(dst, 0, n * sizeof *dst);
    return PB_OK;
}

static pb_status tr_copy(pb_backend *be, pb_buf *dst, size_t doff, const pb_buf *src,
                         size_t soff, size_t n)
{
    (void)be, (void)dst, (void)doff, (void)src, (void)soff, (void)n;
    return PB_OK;
}

static pb_status tr_fill(pb_backend *be, pb_buf *x, size_t off, size_t n, double value)
{
    (void)be, (void)x, (void)off, (void)n, (void)value;
    return PB_OK;
}

static pb_status tr_gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m, size_t n, size_t k,
                         double alpha, const pb_buf *a, size_t aoff, size_t lda, const pb_buf *b,
                         size_t boff, size_t ldb, double beta, pb_buf *c, size_t coff, size_t ldc)
{
    (void)a, (void)aoff, (void)b, (void)boff, (void)c, (void)coff;
    if (!be->list)
        return PB_OK;
    pb_gemm_call g = {ta, tb, m, n, k, alpha, lda, ldb, ldc, beta};
    if (pb_gemm_list_add(be->list, &g) != 0) {
        be->nomem = 1;
        return PB_ERR_NOMEM;
    }
    return PB_OK;
}

static pb_status tr_axpby(pb_backend *be, size_t n, double a, const pb_buf *x, size_t xoff,
                          double b, pb_buf *y, size_t yoff)
{
    (void)be, (void)n, (void)a, (void)x, (void)xoff, (void)b, (void)y, (void)yoff;
    return PB_OK;
}

static pb_status tr_mul(pb_backend *be, size_t n, double a, const pb_buf *x, size_t xoff,
                        const pb_buf *y, size_t yoff, double b, pb_buf *out, size_t ooff)
{
    (void)be, (void)n, (void)a, (void)x, (void)xoff, (void)y, (void)yoff, (void)b, (void)out,
        (void)ooff;
    return PB_OK;
}

static pb_status tr_act_forward(pb_backend *be, const pb_act *act, size_t n, const pb_buf *z,
                                size_t zoff, pb_buf *out, size_t ooff)
{
    (void)be, (void)act, (void)n, (void)z, (void)zoff, (void)out, (void)ooff;
    return PB_OK;
}

static pb_status tr_act_backward(pb_backend *be, const pb_act *act, size_t n, const pb_buf *z,
                                 size_t zoff, const pb_buf *dout, size_t doff, pb_buf *dz,
                                 size_t dzoff)
{
    (void)be, (void)act, (void)n, (void)z, (void)zoff, (void)dout, (void)doff, (void)dz,
        (void)dzoff;
    return PB_OK;
}

static pb_status tr_loss(pb_backend *be, const pb_loss *loss, size_t n, const pb_buf *o,
                         size_t ooff, const pb_buf *y, size_t yoff, pb_buf *grad, size_t goff,
                         pb_loss_stats *stats)
{
    (void)be, (void)loss, (void)n, (void)o, (void)ooff, (void)y, (void)yoff, (void)grad,
        (void)goff;
    memset(stats, 0, sizeof *stats);
    return PB_OK;
}

static pb_status tr_reduce(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                           const pb_buf *y, size_t yoff, double *result)
{
    (void)be, (void)n, (void)x, (void)xoff, (void)y, (void)yoff;
    *result = 0.0;
    return PB_OK;
}

static pb_status tr_sum(pb_backend *be, size_t n, const pb_buf *x, size_t xoff, double *result)
{
    (void)be, (void)n, (void)x, (void)xoff;
    *result = 0.0;
    return PB_OK;
}

/* Never loaded: only the ops the net and the flow call, and no step_scalars
 * (the flow then asks dot, dist2 and max_abs_diff; neither is a GEMM). */
static const pb_backend_vtable trace_vt = {
    .struct_size = sizeof(pb_backend_vtable),
    .name = "gemm-trace",
    .description = "records the GEMMs of the net's code, computes nothing",
    .last_error = tr_last_error,
    .buf_alloc = tr_buf_alloc,
    .buf_free = tr_buf_free,
    .buf_upload = tr_buf_upload,
    .buf_download = tr_buf_download,
    .copy = tr_copy,
    .fill = tr_fill,
    .gemm = tr_gemm,
    .axpby = tr_axpby,
    .mul = tr_mul,
    .act_forward = tr_act_forward,
    .act_backward = tr_act_backward,
    .loss = tr_loss,
    .sum = tr_sum,
    .dot = tr_reduce,
    .dist2 = tr_reduce,
    .max_abs_diff = tr_reduce,
};

/* ------------------------------------------------------------------------ */

typedef enum { TRACE_STEP, TRACE_NTK } trace_what;

/* The net's layout and one batch of n points on the recording backend, no
 * data (the trace backend reads no host array), then the step or the Gram
 * with recording on. */
static int trace(trace_what what, size_t d, size_t h, size_t L, size_t n, pb_gemm_list *out,
                 char *err, size_t err_len)
{
    struct pb_backend be = {NULL, 0};
    const pb_backend_vtable *vt = &trace_vt;
    pb_model m;
    pb_batch b;
    pb_buf *w = NULL, *theta = NULL;
    pb_flow_problem pr;
    pb_flow_bufs fb;
    int rc = -1;
    memset(out, 0, sizeof *out);
    memset(&b, 0, sizeof b);
    memset(&fb, 0, sizeof fb);
    memset(&pr, 0, sizeof pr);
    if (pb_model_init(&m, vt, &be, d, h, L, pb_act_make(PB_ACT_SWISH, 10.0), err, err_len) != 0)
        return -1;
    if (n == 0) {
        snprintf(err, err_len, "tracing the GEMMs on 0 points");
        return -1;
    }
    pb_net_fit fit = {&m, &b, {PB_LOSS_SOFTHINGE, 1.0, 1.0, 20.0, 1.0 / (double)n}};
    pb_net_flow_problem(&fit, &pr);
    pb_status st = pb_batch_create(&m, n, NULL, NULL, &b);
    if (st == PB_OK)
        st = vt->buf_alloc(&be, m.n_params, &w);
    if (what == TRACE_STEP) {
        pb_flow_params p;
        pb_flow_params_default(&p);
        pb_loss_stats stats;
        pb_flow_trial tr;
        double gg = 0.0;
        if (st == PB_OK)
            st = pb_flow_bufs_alloc(&pr, p.tau > 0, &fb);
        if (st == PB_OK)
            st = pb_flow_start(&pr, &fb, w, &stats, &gg);
        be.list = out;
        if (st == PB_OK)
            st = pb_flow_step(&pr, &p, &fb, p.dt0, gg, &tr);
    } else {
        if (st == PB_OK)
            st = vt->buf_alloc(&be, n * n, &theta);
        be.list = out;
        if (st == PB_OK)
            st = pb_model_ntk(&m, w, &b, theta);
    }
    be.list = NULL;
    if (st != PB_OK)
        snprintf(err, err_len, "tracing the GEMMs of the %s: out of host memory",
                 what == TRACE_STEP ? "step" : "NTK");
    else
        rc = 0;
    pb_flow_bufs_free(&pr, &fb);
    if (theta)
        vt->buf_free(&be, theta);
    if (w)
        vt->buf_free(&be, w);
    if (b.x)
        pb_batch_destroy(&m, &b);
    if (rc != 0)
        pb_gemm_list_free(out);
    return rc;
}

int pb_gemm_trace_step(size_t d, size_t h, size_t L, size_t P, pb_gemm_list *out, char *err,
                       size_t err_len)
{
    return trace(TRACE_STEP, d, h, L, P, out, err, err_len);
}

int pb_gemm_trace_ntk(size_t d, size_t h, size_t L, size_t n, pb_gemm_list *out, char *err,
                      size_t err_len)
{
    return trace(TRACE_NTK, d, h, L, n, out, err, err_len);
}
