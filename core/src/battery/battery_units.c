#define _GNU_SOURCE /* tdestroy */
#include "battery_units.h"
#include "grow.h"

#include "strutil.h"

#include <math.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

/* An entry of the lookup tree (a balanced tree of libc's tsearch: the plans
 * of the paper's grids hold thousands of units). */
typedef struct unit_ref {
    size_t section;
    int declared;
    const char *text;
    size_t idx;
} unit_ref;

static int ref_cmp(const void *a, const void *b)
{
    const unit_ref *x = a, *y = b;
    if (x->section != y->section)
        return x->section < y->section ? -1 : 1;
    if (x->declared != y->declared)
        return x->declared - y->declared;
    return strcmp(x->text, y->text);
}

static void ref_free(void *r)
{
    free((void *)((unit_ref *)r)->text);
    free(r);
}

void pb_units_free(pb_units *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->u[i].key);
        pb_unit_rec_free(&p->u[i].rec);
    }
    free(p->u);
    if (p->index)
        tdestroy(p->index, ref_free);
    memset(p, 0, sizeof *p);
}

pb_unit *pb_units_find(pb_units *p, size_t section, const char *declared, const char *key)
{
    unit_ref want = {section, declared != NULL, declared ? declared : key, 0};
    unit_ref **hit = tfind(&want, &p->index, ref_cmp);
    return hit ? &p->u[(*hit)->idx] : NULL;
}

/* File names stay portable: anything but [A-Za-z0-9._+=-] becomes '_'. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("._+=-", *s)))
            *s = '_';
}

pb_unit *pb_units_add(pb_units *p, size_t section, const char *declared, const char *key,
                      const char *desc, const pb_run_spec *first)
{
    pb_unit *g = pb_grow(p->u, p->n, &p->cap, sizeof *g, 64);
    if (!g)
        return NULL;
    p->u = g;
    pb_unit *u = &p->u[p->n];
    memset(u, 0, sizeof *u);
    if (!declared && !(u->key = strdup(key)))
        return NULL;
    if (declared)
        pb_strcpy_trunc(u->declared, sizeof u->declared, declared);
    unit_ref *ref = malloc(sizeof *ref);
    char *text = strdup(declared ? declared : key);
    if (ref && text)
        *ref = (unit_ref){section, declared != NULL, text, p->n};
    if (!ref || !text || !tsearch(ref, &p->index, ref_cmp)) {
        free(ref);
        free(text);
        free(u->key);
        return NULL;
    }
    snprintf(u->id, sizeof u->id, "%04zu-%.180s", p->n + 1, desc);
    sanitize(u->id);
    u->section = section;
    u->first = *first;
    pb_unit_rec_init(&u->rec, u->id);
    p->n++;
    return u;
}

double pb_units_call_weight(pb_call_kind kind, const pb_run_spec *s)
{
    double d = s->d ? (double)s->d : 3072.0, h = (double)s->h, L = (double)s->L;
    double P = (double)s->ptr, steps = s->max_steps > 0 ? (double)s->max_steps : 1e5;
    double evals = 1.3 * steps + 1.0;
    if (kind == PB_CALL_KM)
        return 2.0 * (P * P + (double)s->pte * P) * (h * L + d) + 2.0 * P * P * evals;
    double N = d * h + (L - 1.0) * h * h + h;
    double w = 6.0 * P * N * evals + 2.0 * N * (2.0 * P + 2.0 * (double)s->pte);
    if (s->want_ntk)
        w += 4.0 * (double)s->ptk * (double)s->ptk * (h * L + d);
    return w;
}

static const pb_units *sort_units;

static int by_work_desc(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double wi = sort_units->u[i].gflop, wj = sort_units->u[j].gflop;
    if (wi != wj)
        return wi > wj ? -1 : 1;
    return i < j ? -1 : i > j;
}

int pb_units_assign_shards(pb_units *p, int n, double *shard_gflop)
{
    if (n < 1)
        return -1;
    double *load = calloc((size_t)n, sizeof *load);
    size_t *order = malloc((p->n ? p->n : 1) * sizeof *order);
    if (!load || !order) {
        free(load);
        free(order);
        return -1;
    }
    for (size_t i = 0; i < p->n; i++)
        order[i] = i;
    sort_units = p;
    qsort(order, p->n, sizeof *order, by_work_desc);
    for (size_t k = 0; k < p->n; k++) {
        int best = 0;
        for (int s = 1; s < n; s++)
            if (load[s] < load[best])
                best = s;
        pb_unit *u = &p->u[order[k]];
        u->shard = best + 1;
        load[best] += isfinite(u->gflop) ? u->gflop : 1e30;
    }
    if (shard_gflop)
        memcpy(shard_gflop, load, (size_t)n * sizeof *load);
    free(load);
    free(order);
    return 0;
}
