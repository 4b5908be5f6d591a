#include "abi_compat.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One buffer an old plugin handed out and has not been asked to free. */
typedef struct live_buf {
    pb_backend *be;
    pb_buf *buf;
} live_buf;

/* One old plugin: its own table, the table the core sees, its live
 * buffers.  The ABI's context-free function pointers cannot carry which
 * plugin they belong to, so each slot has its own set of small functions
 * (SLOT_FNS below) that pass their slot on. */
typedef struct compat_slot {
    const pb_backend_vtable *orig;
    pb_backend_vtable vt;
    pthread_mutex_t mu;
    live_buf *bufs;
    size_t n, cap;
} compat_slot;

static compat_slot slots[PB_COMPAT_SLOTS];
static size_t n_slots;
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;

static pb_status compat_get_caps(compat_slot *s, pb_backend *be, pb_caps *caps)
{
    if (!caps || caps->struct_size < PB_CAPS_MIN_SIZE)
        return s->orig->get_caps(be, NULL); /* the plugin's own error for a bad argument */
    pb_caps_v1_0 old;
    memset(&old, 0, sizeof old);
    pb_status st = s->orig->get_caps(be, (pb_caps *)(void *)&old);
    if (st != PB_OK)
        return st;
    const pb_caps full = {
        .struct_size = sizeof(pb_caps),
        .dtypes = old.dtypes,
        .determinism = old.determinism,
        .threads = old.threads,
        .max_threads = old.max_threads,
        .features = old.features,
    };
    pb_struct_give(caps, &full, sizeof full);
    return PB_OK;
}

static pb_status compat_loss(compat_slot *s, pb_backend *be, const pb_loss *loss, size_t n,
                             const pb_buf *o, size_t ooff, const pb_buf *y, size_t yoff,
                             pb_buf *grad, size_t goff, pb_loss_stats *stats)
{
    if (!stats || stats->struct_size < PB_LOSS_STATS_MIN_SIZE)
        return s->orig->loss(be, loss, n, o, ooff, y, yoff, grad, goff, NULL);
    pb_loss_stats_v1_0 old;
    memset(&old, 0, sizeof old);
    pb_status st = s->orig->loss(be, loss, n, o, ooff, y, yoff, grad, goff,
                                 (pb_loss_stats *)(void *)&old);
    if (st != PB_OK)
        return st;
    const pb_loss_stats full = {
        .struct_size = sizeof(pb_loss_stats),
        .loss = old.loss,
        .min_margin = old.min_margin,
        .max_margin = old.max_margin,
        .n_unsat = old.n_unsat,
        .n_err = old.n_err,
        .n_nan = old.n_nan,
    };
    pb_struct_give(stats, &full, sizeof full);
    return PB_OK;
}

static pb_status compat_buf_alloc(compat_slot *s, pb_backend *be, size_t n, pb_buf **out)
{
    pb_status st = s->orig->buf_alloc(be, n, out);
    if (st != PB_OK || !out || !*out)
        return st;
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        live_buf *g = realloc(s->bufs, cap * sizeof *g);
        if (!g) {
            pthread_mutex_unlock(&s->mu);
            s->orig->buf_free(be, *out);
            *out = NULL;
            return PB_ERR_NOMEM;
        }
        s->bufs = g;
        s->cap = cap;
    }
    s->bufs[s->n++] = (live_buf){be, *out};
    pthread_mutex_unlock(&s->mu);
    return PB_OK;
}

static void compat_buf_free(compat_slot *s, pb_backend *be, pb_buf *buf)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = s->n; i-- > 0;)
        if (s->bufs[i].be == be && s->bufs[i].buf == buf) {
            s->bufs[i] = s->bufs[--s->n];
            break;
        }
    pthread_mutex_unlock(&s->mu);
    s->orig->buf_free(be, buf);
}

/* The destroy contract of ABI 1.2 for a plugin that may not keep it: its
 * live buffers are freed first, newest first. */
static void compat_destroy(compat_slot *s, pb_backend *be)
{
    if (!be)
        return;
    pthread_mutex_lock(&s->mu);
    for (size_t i = s->n; i-- > 0;)
        if (s->bufs[i].be == be) {
            s->orig->buf_free(be, s->bufs[i].buf);
            s->bufs[i] = s->bufs[--s->n];
        }
    if (s->n == 0) {
        free(s->bufs);
        s->bufs = NULL;
        s->cap = 0;
    }
    pthread_mutex_unlock(&s->mu);
    s->orig->destroy(be);
}

#define SLOT_FNS(i)                                                                              \
    static pb_status get_caps_##i(pb_backend *be, pb_caps *c)                                    \
    {                                                                                            \
        return compat_get_caps(&slots[i], be, c);                                                \
    }                                                                                            \
    static pb_status loss_##i(pb_backend *be, const pb_loss *l, size_t n, const pb_buf *o,       \
                              size_t oo, const pb_buf *y, size_t yo, pb_buf *g, size_t go,       \
                              pb_loss_stats *st)                                                 \
    {                                                                                            \
        return compat_loss(&slots[i], be, l, n, o, oo, y, yo, g, go, st);                        \
    }                                                                                            \
    static pb_status buf_alloc_##i(pb_backend *be, size_t n, pb_buf **out)                       \
    {                                                                                            \
        return compat_buf_alloc(&slots[i], be, n, out);                                          \
    }                                                                                            \
    static void buf_free_##i(pb_backend *be, pb_buf *b) { compat_buf_free(&slots[i], be, b); }   \
    static void destroy_##i(pb_backend *be) { compat_destroy(&slots[i], be); }

SLOT_FNS(0)
SLOT_FNS(1)
SLOT_FNS(2)
SLOT_FNS(3)
SLOT_FNS(4)
SLOT_FNS(5)
SLOT_FNS(6)
SLOT_FNS(7)

typedef struct slot_fns {
    pb_status (*get_caps)(pb_backend *, pb_caps *);
    pb_status (*loss)(pb_backend *, const pb_loss *, size_t, const pb_buf *, size_t,
                      const pb_buf *, size_t, pb_buf *, size_t, pb_loss_stats *);
    pb_status (*buf_alloc)(pb_backend *, size_t, pb_buf **);
    void (*buf_free)(pb_backend *, pb_buf *);
    void (*destroy)(pb_backend *);
} slot_fns;

#define SLOT_ENTRY(i) {get_caps_##i, loss_##i, buf_alloc_##i, buf_free_##i, destroy_##i}
static const slot_fns fns[PB_COMPAT_SLOTS] = {SLOT_ENTRY(0), SLOT_ENTRY(1), SLOT_ENTRY(2),
                                              SLOT_ENTRY(3), SLOT_ENTRY(4), SLOT_ENTRY(5),
                                              SLOT_ENTRY(6), SLOT_ENTRY(7)};

const pb_backend_vtable *pb_abi_compat_backend(const pb_backend_vtable *orig, unsigned minor,
                                               char *why, size_t why_len)
{
    if (minor >= 2)
        return orig;
    pthread_mutex_lock(&slots_mu);
    for (size_t i = 0; i < n_slots; i++)
        if (slots[i].orig == orig) {
            pthread_mutex_unlock(&slots_mu);
            return &slots[i].vt;
        }
    if (n_slots == PB_COMPAT_SLOTS) {
        pthread_mutex_unlock(&slots_mu);
        snprintf(why, why_len,
                 "more than %d backends of ABI 1.0/1.1 in one process: rebuild it against "
                 "ABI 1.%u",
                 PB_COMPAT_SLOTS, (unsigned)PB_BACKEND_ABI_MINOR);
        return NULL;
    }
    compat_slot *s = &slots[n_slots];
    const slot_fns *f = &fns[n_slots];
    s->orig = orig;
    memset(&s->vt, 0, sizeof s->vt);
    /* The plugin's table as far as it goes (the loader has checked that its
     * size covers ABI 1.0 and is no larger than it declared). */
    size_t len = orig->struct_size < sizeof s->vt ? orig->struct_size : sizeof s->vt;
    memcpy(&s->vt, orig, len);
    s->vt.struct_size = sizeof s->vt;
    s->vt.get_caps = f->get_caps;
    s->vt.loss = f->loss;
    s->vt.buf_alloc = f->buf_alloc;
    s->vt.buf_free = f->buf_free;
    s->vt.destroy = f->destroy;
    pthread_mutex_init(&s->mu, NULL);
    n_slots++;
    pthread_mutex_unlock(&slots_mu);
    return &s->vt;
}
