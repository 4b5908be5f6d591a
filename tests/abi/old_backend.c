/*
 * A backend plugin as an author would have written it against ABI 1.1: built
 * with the frozen 1.1 headers of tests/abi/v1_1 (pb_caps and pb_loss_stats
 * without struct_size), f64 only, plain loops.  It does what the CPU backends
 * did at destroy() when 1.1 came out, before the destroy contract was stated:
 * frees the instance and leaves the buffers still allocated to their owner;
 * the core's converting table (core/src/loading/abi_compat.c) must free them.  pb_abi11_live_buffers counts the buffers
 * allocated and not freed, for the tests to read.
 */
#include "phasebench/backend.h"

#if PB_BACKEND_ABI_MINOR != 1
#error "old_backend.c must be built against the frozen ABI 1.1 headers (tests/abi/v1_1)"
#endif

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PB_EXPORT long pb_abi11_live_buffers;

struct pb_backend {
    char err[256];
};

struct pb_buf {
    size_t n;
    double *d;
};

static const pb_feature features[] = {{"impl", "ABI 1.1 test backend, plain loops"},
                                      {NULL, NULL}};

static pb_status fail(pb_backend *be, pb_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(be->err, sizeof be->err, fmt, ap);
    va_end(ap);
    return st;
}

/* Every view must lie inside its buffer. */
#define VIEW(buf, off, len)                                                  \
    do {                                                                     \
        if (!(buf) || (off) > (buf)->n || (len) > (buf)->n - (off))          \
            return fail(be, PB_ERR_INVALID, "%s: view out of range", __func__); \
    } while (0)

static pb_status probe(char *reason, size_t len)
{
    if (reason && len)
        reason[0] = '\0';
    return PB_OK;
}

static pb_status create(const pb_backend_options *o, pb_backend **out, char *err, size_t len)
{
    if (!o || !out || o->struct_size < sizeof *o) {
        snprintf(err, len, "abi11: create: bad options");
        return PB_ERR_INVALID;
    }
    if (o->dtype != PB_F64) {
        snprintf(err, len, "abi11: create: f64 only");
        return PB_ERR_UNSUPPORTED;
    }
    *out = calloc(1, sizeof **out);
    return *out ? PB_OK : PB_ERR_NOMEM;
}

/* As the CPU backends of ABI 1.1: the instance only. */
static void destroy(pb_backend *be) { free(be); }

static const char *last_error(const pb_backend *be) { return be ? be->err : "no instance"; }

static pb_status get_caps(pb_backend *be, pb_caps *c)
{
    if (!be)
        return PB_ERR_INVALID;
    if (!c)
        return fail(be, PB_ERR_INVALID, "get_caps: caps is NULL");
    c->dtypes = 1u << PB_F64;
    c->determinism = PB_DET_BITWISE;
    c->threads = 1;
    c->max_threads = 7; /* a value the tests recognise */
    c->features = features;
    return PB_OK;
}

static pb_status buf_alloc(pb_backend *be, size_t n, pb_buf **out)
{
    pb_buf *b = malloc(sizeof *b);
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!b || !d) {
        free(b);
        free(d);
        return fail(be, PB_ERR_NOMEM, "buf_alloc: out of memory");
    }
    b->n = n;
    b->d = d;
    *out = b;
    pb_abi11_live_buffers++;
    return PB_OK;
}

static void buf_free(pb_backend *be, pb_buf *b)
{
    (void)be;
    if (!b)
        return;
    free(b->d);
    free(b);
    pb_abi11_live_buffers--;
}

static pb_status upload(pb_backend *be, pb_buf *dst, size_t off, const double *src, size_t n)
{
    VIEW(dst, off, n);
    memcpy(dst->d + off, src, n * sizeof *src);
    return PB_OK;
}

static pb_status download(pb_backend *be, const pb_buf *src, size_t off, double *dst, size_t n)
{
    VIEW(src, off, n);
    memcpy(dst, src->d + off, n * sizeof *dst);
    return PB_OK;
}

static pb_status copy(pb_backend *be, pb_buf *dst, size_t doff, const pb_buf *src, size_t soff,
                      size_t n)
{
    VIEW(dst, doff, n);
    VIEW(src, soff, n);
    memmove(dst->d + doff, src->d + soff, n * sizeof(double));
    return PB_OK;
}

static pb_status fill(pb_backend *be, pb_buf *x, size_t off, size_t n, double v)
{
    VIEW(x, off, n);
    for (size_t i = 0; i < n; i++)
        x->d[off + i] = v;
    return PB_OK;
}

static pb_status gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m, size_t n, size_t k,
                      double alpha, const pb_buf *a, size_t aoff, size_t lda, const pb_buf *b,
                      size_t boff, size_t ldb, double beta, pb_buf *c, size_t coff, size_t ldc)
{
    if (!a || !b || !c)
        return fail(be, PB_ERR_INVALID, "gemm: NULL buffer");
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t p = 0; p < k; p++) {
                double av = ta ? a->d[aoff + p * lda + i] : a->d[aoff + i * lda + p];
                double bv = tb ? b->d[boff + j * ldb + p] : b->d[boff + p * ldb + j];
                s += av * bv;
            }
            double *cv = &c->d[coff + i * ldc + j];
            *cv = beta == 0.0 ? alpha * s : alpha * s + beta * *cv;
        }
    return PB_OK;
}

static pb_status axpby(pb_backend *be, size_t n, double a, const pb_buf *x, size_t xoff, double b,
                       pb_buf *y, size_t yoff)
{
    VIEW(x, xoff, n);
    VIEW(y, yoff, n);
    for (size_t i = 0; i < n; i++)
        y->d[yoff + i] = b == 0.0 ? a * x->d[xoff + i] : a * x->d[xoff + i] + b * y->d[yoff + i];
    return PB_OK;
}

static pb_status mul(pb_backend *be, size_t n, double a, const pb_buf *x, size_t xoff,
                     const pb_buf *y, size_t yoff, double b, pb_buf *out, size_t ooff)
{
    VIEW(x, xoff, n);
    VIEW(y, yoff, n);
    VIEW(out, ooff, n);
    for (size_t i = 0; i < n; i++) {
        double p = a * (x->d[xoff + i] * y->d[yoff + i]);
        out->d[ooff + i] = b == 0.0 ? p : b * out->d[ooff + i] + p;
    }
    return PB_OK;
}

static double sigm(double t) { return 1.0 / (1.0 + exp(-t)); }

/* g and g' of the four activations (backend.h). */
static double g_of(pb_act_kind k, double t, double *dg)
{
    switch (k) {
    case PB_ACT_SWISH: *dg = sigm(t) * (1.0 + t * (1.0 - sigm(t))); return t * sigm(t);
    case PB_ACT_RELU: *dg = t > 0 ? 1.0 : 0.0; return t > 0 ? t : 0.0;
    case PB_ACT_TANH: *dg = 1.0 - tanh(t) * tanh(t); return tanh(t);
    case PB_ACT_SOFTPLUS: *dg = sigm(t); return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
    }
    *dg = NAN;
    return NAN;
}

static pb_status act_forward(pb_backend *be, const pb_act *act, size_t n, const pb_buf *z,
                             size_t zoff, pb_buf *out, size_t ooff)
{
    VIEW(z, zoff, n);
    VIEW(out, ooff, n);
    for (size_t i = 0; i < n; i++) {
        double dg;
        out->d[ooff + i] = act->c * g_of(act->kind, act->beta * z->d[zoff + i], &dg) / act->beta;
    }
    return PB_OK;
}

static pb_status act_backward(pb_backend *be, const pb_act *act, size_t n, const pb_buf *z,
                              size_t zoff, const pb_buf *dout, size_t doff, pb_buf *dz,
                              size_t dzoff)
{
    VIEW(z, zoff, n);
    VIEW(dout, doff, n);
    VIEW(dz, dzoff, n);
    for (size_t i = 0; i < n; i++) {
        double dg;
        g_of(act->kind, act->beta * z->d[zoff + i], &dg);
        dz->d[dzoff + i] = dout->d[doff + i] * act->c * dg;
    }
    return PB_OK;
}

/* The 1.1 layout of pb_loss_stats: no struct_size, every member written. */
static pb_status loss(pb_backend *be, const pb_loss *l, size_t n, const pb_buf *o, size_t ooff,
                      const pb_buf *y, size_t yoff, pb_buf *grad, size_t goff,
                      pb_loss_stats *st)
{
    if (!l || !st)
        return fail(be, PB_ERR_INVALID, "loss: NULL %s", l ? "stats" : "loss");
    VIEW(o, ooff, n);
    VIEW(y, yoff, n);
    if (grad)
        VIEW(grad, goff, n);
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    int64_t unsat = 0, err = 0, nan = 0;
    for (size_t i = 0; i < n; i++) {
        double yi = y->d[yoff + i], oi = o->d[ooff + i];
        double m = l->alpha * yi * oi, z = l->margin - m, phi, dphi;
        if (isnan(oi))
            nan++;
        else {
            lo = m < lo ? m : lo;
            hi = m > hi ? m : hi;
        }
        unsat += m < l->margin;
        err += yi * oi <= 0.0;
        if (l->kind == PB_LOSS_SOFTHINGE) {
            double bz = l->beta * z;
            phi = (bz > 0 ? bz + log1p(exp(-bz)) : log1p(exp(bz))) / l->beta;
            dphi = sigm(bz);
        } else if (l->kind == PB_LOSS_HINGE) {
            phi = z > 0 ? z : 0.0;
            dphi = z > 0 ? 1.0 : 0.0;
        } else {
            phi = z > 0 ? z * z / 2 : 0.0;
            dphi = z > 0 ? z : 0.0;
        }
        sum += phi / l->alpha;
        if (grad)
            grad->d[goff + i] = -l->scale * yi * dphi;
    }
    st->loss = l->scale * sum;
    st->min_margin = n > (size_t)nan ? lo : NAN;
    st->max_margin = n > (size_t)nan ? hi : NAN;
    st->n_unsat = unsat;
    st->n_err = err;
    st->n_nan = nan;
    return PB_OK;
}

static pb_status reduce(pb_backend *be, int what, size_t n, const pb_buf *x, size_t xoff,
                        const pb_buf *y, size_t yoff, double *r)
{
    VIEW(x, xoff, n);
    if (what)
        VIEW(y, yoff, n);
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = x->d[xoff + i], b = what ? y->d[yoff + i] : 0.0;
        if (what == 0)
            s += a;
        else if (what == 1)
            s += a * b;
        else if (what == 2)
            s += (a - b) * (a - b);
        else if (isnan(a - b) || isnan(s))
            s = NAN;
        else
            s = fabs(a - b) > s ? fabs(a - b) : s;
    }
    *r = s;
    return PB_OK;
}

static pb_status sum(pb_backend *be, size_t n, const pb_buf *x, size_t xoff, double *r)
{
    return reduce(be, 0, n, x, xoff, NULL, 0, r);
}
static pb_status dot(pb_backend *be, size_t n, const pb_buf *x, size_t xoff, const pb_buf *y,
                     size_t yoff, double *r)
{
    return reduce(be, 1, n, x, xoff, y, yoff, r);
}
static pb_status dist2(pb_backend *be, size_t n, const pb_buf *x, size_t xoff, const pb_buf *y,
                       size_t yoff, double *r)
{
    return reduce(be, 2, n, x, xoff, y, yoff, r);
}
static pb_status max_abs_diff(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                              const pb_buf *y, size_t yoff, double *r)
{
    return reduce(be, 3, n, x, xoff, y, yoff, r);
}

static const pb_backend_vtable table = {
    .struct_size = sizeof(pb_backend_vtable),
    .name = "abi11",
    .description = "test backend built against the frozen ABI 1.1 headers",
    .probe = probe,
    .create = create,
    .destroy = destroy,
    .last_error = last_error,
    .get_caps = get_caps,
    .buf_alloc = buf_alloc,
    .buf_free = buf_free,
    .buf_upload = upload,
    .buf_download = download,
    .copy = copy,
    .fill = fill,
    .gemm = gemm,
    .axpby = axpby,
    .mul = mul,
    .act_forward = act_forward,
    .act_backward = act_backward,
    .loss = loss,
    .sum = sum,
    .dot = dot,
    .dist2 = dist2,
    .max_abs_diff = max_abs_diff,
    .sync = NULL,
    .step_scalars = NULL, /* optional in 1.1: the core computes the three scalars itself */
};

PB_EXPORT const pb_backend_abi_desc PB_BACKEND_DESC_SYMBOL = PB_BACKEND_DESC_INIT("abi11");

PB_EXPORT const pb_backend_vtable *PB_BACKEND_ENTRY_SYMBOL(void) { return &table; }
