#include "pbx_svc.h"

#include "pbx_jam.h"

#include "pbx_stats.h"

#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pbx_logf(const pb_services *svc, pb_exp_ctx *ctx, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    svc->log(ctx, buf);
}

void pbx_errorf(const pb_services *svc, pb_exp_ctx *ctx, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    svc->error(ctx, buf);
}

/* The list under key as a malloc'd copy: 1 when the key is absent (nothing
 * allocated), 0 when read, -1 after svc->error. */
static int read_list(const pb_services *svc, pb_exp_ctx *ctx, const char *key, double **out,
                     size_t *n)
{
    const double *vals = NULL;
    size_t nv = 0;
    int rc = svc->get_list(ctx, key, &vals, &nv);
    *out = NULL;
    *n = 0;
    if (rc < 0) {
        pbx_errorf(svc, ctx, "key '%s': not a valid list", key);
        return -1;
    }
    if (rc == 1)
        return 1;
    if (nv == 0 || !vals) {
        pbx_errorf(svc, ctx, "key '%s': the list is empty", key);
        return -1;
    }
    *out = malloc(nv * sizeof **out);
    if (!*out) {
        pbx_errorf(svc, ctx, "key '%s': out of memory for %zu values", key, nv);
        return -1;
    }
    memcpy(*out, vals, nv * sizeof **out);
    *n = nv;
    return 0;
}

static int is_integer_in(double v, double lo, double hi)
{
    return isfinite(v) && v == floor(v) && v >= lo && v <= hi;
}

int pbx_get_seeds(const pb_services *svc, pb_exp_ctx *ctx, uint64_t **out, size_t *n)
{
    static const double def[] = {0, 1, 2};
    double *v = NULL;
    size_t nv = 0;
    int rc = read_list(svc, ctx, "seeds", &v, &nv);
    if (rc < 0)
        return -1;
    const double *src = rc == 1 ? def : v;
    size_t ns = rc == 1 ? sizeof def / sizeof *def : nv;
    *out = malloc(ns * sizeof **out);
    *n = 0;
    if (!*out) {
        free(v);
        pbx_errorf(svc, ctx, "key 'seeds': out of memory");
        return -1;
    }
    for (size_t i = 0; i < ns; i++) {
        /* 2^53: the largest range where every integer is a double. */
        if (!is_integer_in(src[i], 0.0, 9007199254740992.0)) {
            pbx_errorf(svc, ctx, "key 'seeds': %g is not an integer in [0, 2^53]", src[i]);
            free(v);
            free(*out);
            *out = NULL;
            return -1;
        }
        uint64_t s = (uint64_t)src[i];
        int dup = 0;
        for (size_t j = 0; j < *n; j++)
            dup |= (*out)[j] == s;
        if (dup)
            pbx_logf(svc, ctx, "key 'seeds': seed %llu repeated, used once", (unsigned long long)s);
        else
            (*out)[(*n)++] = s;
    }
    free(v);
    return 0;
}

int pbx_get_widths(const pb_services *svc, pb_exp_ctx *ctx, size_t fallback, size_t **out,
                   size_t *n)
{
    double *v = NULL;
    size_t nv = 0;
    int rc = read_list(svc, ctx, "h", &v, &nv);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        v = malloc(sizeof *v);
        if (!v) {
            pbx_errorf(svc, ctx, "key 'h': out of memory");
            return -1;
        }
        v[0] = (double)fallback;
        nv = 1;
    }
    for (size_t i = 0; i < nv; i++) {
        /* 1e6 bounds N ~ h^2 far beyond any machine, and keeps the
         * bisection's worst-case count in plan() cheap to compute. */
        if (!is_integer_in(v[i], 1.0, 1e6)) {
            pbx_errorf(svc, ctx, "key 'h': %g is not an integer width in [1, 1e6]", v[i]);
            free(v);
            return -1;
        }
    }
    size_t nu = pbx_sort_unique(v, nv);
    if (nu < nv)
        pbx_logf(svc, ctx, "key 'h': %zu repeated width(s) dropped", nv - nu);
    *out = malloc(nu * sizeof **out);
    if (!*out) {
        free(v);
        pbx_errorf(svc, ctx, "key 'h': out of memory");
        return -1;
    }
    for (size_t i = 0; i < nu; i++)
        (*out)[i] = (size_t)v[i];
    *n = nu;
    free(v);
    return 0;
}

int pbx_get_alphas(const pb_services *svc, pb_exp_ctx *ctx, double fallback, double **out,
                   size_t *n)
{
    double *v = NULL;
    size_t nv = 0;
    int rc = read_list(svc, ctx, "alpha", &v, &nv);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        v = malloc(sizeof *v);
        if (!v) {
            pbx_errorf(svc, ctx, "key 'alpha': out of memory");
            return -1;
        }
        v[0] = fallback;
        nv = 1;
    }
    for (size_t i = 0; i < nv; i++) {
        if (!(isfinite(v[i]) && v[i] > 0.0)) {
            pbx_errorf(svc, ctx, "key 'alpha': %g is not a finite value > 0", v[i]);
            free(v);
            return -1;
        }
    }
    size_t nu = pbx_sort_unique(v, nv);
    if (nu < nv)
        pbx_logf(svc, ctx, "key 'alpha': %zu repeated value(s) dropped", nv - nu);
    *out = v;
    *n = nu;
    return 0;
}

int pbx_get_flag(const pb_services *svc, pb_exp_ctx *ctx, const char *key, int def, int *out)
{
    int64_t v = def;
    if (svc->get_int(ctx, key, def, 0, 1, &v) < 0) {
        pbx_errorf(svc, ctx, "key '%s': expected 0 or 1", key);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int pbx_get_number(const pb_services *svc, pb_exp_ctx *ctx, const char *key, double def,
                   double min, double max, double *out)
{
    double v = def;
    if (svc->get_double(ctx, key, def, min, max, &v) < 0) {
        pbx_errorf(svc, ctx, "key '%s': expected a number in [%g, %g]", key, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

void pbx_base_spec(const pb_services *svc, pb_exp_ctx *ctx, pb_run_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->struct_size = (uint32_t)sizeof *spec;
    svc->run_defaults(ctx, spec);
    spec->struct_size = (uint32_t)sizeof *spec;
    spec->want_ntk = 0;
    spec->want_test_outputs = 0;
}

pbx_shape pbx_shape_of(const pb_run_spec *spec, size_t h)
{
    pbx_shape s;
    s.d = spec->d > 0 ? (double)spec->d : PBX_MAX_RAW_DIM;
    s.L = (double)spec->L;
    s.h = (double)h;
    s.P = (double)spec->ptr;
    s.pte = (double)spec->pte;
    s.ptk = (double)spec->ptk;
    s.max_steps = spec->max_steps;
    return s;
}

int pbx_train(const pb_services *svc, pb_exp_ctx *ctx, const pb_run_spec *spec,
              const char *role, pb_run_result *res)
{
    memset(res, 0, sizeof *res);
    res->struct_size = (uint32_t)sizeof *res;
    res->ntk_r = NAN;
    return svc->train(ctx, spec, role, res);
}

int pbx_run_converged(const pb_run_result *res)
{
    if (!res->ok || pbx_stop_is_invalid(res->stop_reason) || res->train_nd < 0)
        return 0;
    /* Within the margin tolerance (quadratic hinge) when the core counts it. */
    int has_tol = res->struct_size >= offsetof(pb_run_result, train_nd_tol) + sizeof res->train_nd_tol;
    return res->train_nd == 0 || (has_tol && res->train_nd_tol == 0);
}

void pbx_row_init(pbx_row *r, const char *const *cols)
{
    memset(r, 0, sizeof *r);
    r->cols = cols;
    while (cols[r->n_cols] && r->n_cols < PBX_ROW_MAX_COLS)
        r->n_cols++;
    if (cols[r->n_cols])
        r->bad_col = cols[r->n_cols]; /* a header longer than the row can hold */
}

static pbx_cell *cell_of(pbx_row *r, const char *col)
{
    for (size_t i = 0; i < r->n_cols; i++)
        if (strcmp(r->cols[i], col) == 0)
            return &r->cell[i];
    if (!r->bad_col)
        r->bad_col = col;
    return NULL;
}

void pbx_row_str(pbx_row *r, const char *col, const char *v)
{
    pbx_cell *c = cell_of(r, col);
    if (!c)
        return;
    c->kind = PBX_CELL_STR;
    snprintf(c->s, sizeof c->s, "%s", v ? v : "");
}

void pbx_row_int(pbx_row *r, const char *col, int64_t v)
{
    pbx_cell *c = cell_of(r, col);
    if (!c)
        return;
    c->kind = PBX_CELL_INT;
    c->i = v;
}

void pbx_row_dbl(pbx_row *r, const char *col, double v)
{
    pbx_cell *c = cell_of(r, col);
    if (!c)
        return;
    c->kind = isfinite(v) ? PBX_CELL_DBL : PBX_CELL_EMPTY;
    c->d = v;
}

int pbx_row_write(const pb_services *svc, pb_exp_ctx *ctx, const pbx_row *r)
{
    if (r->bad_col) {
        pbx_errorf(svc, ctx, "internal: column '%s' is not in the table's header", r->bad_col);
        return -1;
    }
    for (size_t i = 0; i < r->n_cols; i++) {
        const pbx_cell *c = &r->cell[i];
        switch (c->kind) {
        case PBX_CELL_STR:
            svc->cell_str(ctx, r->cols[i], c->s);
            break;
        case PBX_CELL_INT:
            svc->cell_int(ctx, r->cols[i], c->i);
            break;
        case PBX_CELL_DBL:
            svc->cell_dbl(ctx, r->cols[i], c->d);
            break;
        case PBX_CELL_EMPTY:
            svc->cell_empty(ctx, r->cols[i]);
            break;
        }
    }
    return svc->row_end(ctx);
}
