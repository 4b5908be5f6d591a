/* The ABI's own rules (docs/architecture.md sections 5.2 and 5.4):
 *
 *  - a backend built against the frozen ABI 1.1 headers (pb_backend_abi11,
 *    tests/abi/old_backend.c) loads through the real loader, gets the
 *    converting table, and answers get_caps and loss in the 1.2 layouts with
 *    the values it computed in the 1.1 ones, as the reference backend does;
 *  - every backend writes only what the caller's struct_size covers (guard
 *    bytes after a caller struct declared longer than the backend's stay
 *    intact) and refuses a struct shorter than ABI 1.2's;
 *  - destroy() frees every buffer still allocated: counted for the 1.1
 *    plugin, which leaves them to the core; for ref and blas the sanitizer
 *    build's LeakSanitizer checks it.
 * usage: test_abi_structs DIR_OF_pb_backend_abi11.so */
#include "loader.h"
#include "pb_test.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 32
#define GUARD_BYTE 0x5A

/* A caller "from a later minor version": its struct is GUARD bytes longer
 * than ours, and those bytes must survive the call. */
typedef union caps_mem {
    pb_caps c;
    unsigned char b[sizeof(pb_caps) + GUARD];
} caps_mem;
typedef union stats_mem {
    pb_loss_stats s;
    unsigned char b[sizeof(pb_loss_stats) + GUARD];
} stats_mem;

static void longer(unsigned char *b, size_t size, size_t total)
{
    memset(b, 0, size);
    memset(b + size, GUARD_BYTE, total - size);
    uint32_t s = (uint32_t)total;
    memcpy(b, &s, sizeof s);
}

static int intact(const unsigned char *b, size_t size, size_t total)
{
    for (size_t i = size; i < total; i++)
        if (b[i] != GUARD_BYTE)
            return 0;
    return 1;
}

static const pb_plugin *load(pb_registry *reg, const char *dir, const char *name)
{
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/pb_backend_%s.so", dir, name);
    pb_registry_add_file(reg, path);
    const pb_plugin *p = pb_registry_find(reg, name, err, sizeof err);
    if (!p)
        fprintf(stderr, "%s\n", err);
    return p;
}

static pb_backend *open_be(const pb_plugin *p)
{
    pb_backend_options o = {sizeof o, PB_F64, 1, NULL};
    pb_backend *be = NULL;
    char err[512];
    if (p->vt->create(&o, &be, err, sizeof err) != PB_OK) {
        fprintf(stderr, "create %s: %s\n", p->name, err);
        return NULL;
    }
    return be;
}

/* Four outputs and labels, a soft hinge: the loss stats of plugin p. */
static pb_status loss_of(const pb_plugin *p, pb_backend *be, pb_loss_stats *st)
{
    const double o[4] = {0.5, -1.0, 2.0, 0.1}, y[4] = {1.0, 1.0, -1.0, 1.0};
    pb_buf *bo = NULL, *by = NULL, *bg = NULL;
    const pb_backend_vtable *vt = p->vt;
    pb_loss L = {PB_LOSS_SOFTHINGE, 2.0, 1.0, 5.0, 0.25};
    pb_status s = vt->buf_alloc(be, 4, &bo);
    if (s == PB_OK)
        s = vt->buf_alloc(be, 4, &by);
    if (s == PB_OK)
        s = vt->buf_alloc(be, 4, &bg);
    if (s == PB_OK)
        s = vt->buf_upload(be, bo, 0, o, 4);
    if (s == PB_OK)
        s = vt->buf_upload(be, by, 0, y, 4);
    if (s == PB_OK)
        s = vt->loss(be, &L, 4, bo, 0, by, 0, bg, 0, st);
    /* bo, by, bg are left to destroy() on purpose */
    return s;
}

static void test_old_backend(const char *dir, const pb_plugin *ref)
{
    pb_registry reg = {0};
    const pb_plugin *p = load(&reg, dir, "abi11");
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK(p->abi_major == 1 && p->abi_minor == 1);
    /* The core sees a table of its own size, not the plugin's. */
    const pb_backend_vtable *(*entry)(void);
    void *sym = dlsym(p->handle, PB_BACKEND_ENTRY_NAME);
    memcpy(&entry, &sym, sizeof entry);
    CHECK(sym && p->vt != entry());
    CHECK(p->vt->struct_size == sizeof(pb_backend_vtable));
    CHECK(!PB_VT_HAS(p->vt, step_scalars));
    long *live = dlsym(p->handle, "pb_abi11_live_buffers");
    CHECK(live != NULL);
    if (!live)
        return;

    pb_backend *be = open_be(p);
    CHECK(be != NULL);
    if (!be)
        return;
    caps_mem cm;
    longer(cm.b, sizeof(pb_caps), sizeof cm.b);
    CHECK(p->vt->get_caps(be, &cm.c) == PB_OK);
    CHECK(cm.c.struct_size == sizeof cm.b);
    CHECK(cm.c.dtypes == 1u << PB_F64 && cm.c.determinism == PB_DET_BITWISE);
    CHECK(cm.c.threads == 1 && cm.c.max_threads == 7);
    CHECK(cm.c.features && cm.c.features[0].key && strcmp(cm.c.features[0].key, "impl") == 0);
    CHECK(intact(cm.b, sizeof(pb_caps), sizeof cm.b));
    pb_caps none = {0};
    CHECK(p->vt->get_caps(be, &none) != PB_OK);

    stats_mem sm;
    longer(sm.b, sizeof(pb_loss_stats), sizeof sm.b);
    CHECK(loss_of(p, be, &sm.s) == PB_OK);
    CHECK(intact(sm.b, sizeof(pb_loss_stats), sizeof sm.b));
    CHECK(sm.s.struct_size == sizeof sm.b);
    /* The same numbers as the reference backend. */
    pb_backend *rbe = ref ? open_be(ref) : NULL;
    pb_loss_stats want = PB_LOSS_STATS_INIT;
    CHECK(rbe && loss_of(ref, rbe, &want) == PB_OK);
    CHECK_CLOSE(sm.s.loss, want.loss, 1e-13);
    CHECK(sm.s.min_margin == want.min_margin && sm.s.max_margin == want.max_margin);
    CHECK(sm.s.n_unsat == want.n_unsat && sm.s.n_err == want.n_err && sm.s.n_nan == 0);
    CHECK(want.n_unsat == 3 && want.n_err == 2);
    if (rbe)
        ref->vt->destroy(rbe);

    /* destroy() with three live buffers and one freed: none left. */
    pb_buf *extra = NULL;
    CHECK(p->vt->buf_alloc(be, 8, &extra) == PB_OK);
    p->vt->buf_free(be, extra);
    CHECK(*live == 3);
    p->vt->destroy(be);
    CHECK(*live == 0);
    /* A second registry finds the same converting table. */
    pb_registry again = {0};
    const pb_plugin *q = load(&again, dir, "abi11");
    CHECK(q && q->vt == p->vt);
    pb_registry_free(&again);
    pb_registry_free(&reg);
}

/* A current backend: only what the caller's struct covers, a short struct
 * refused, destroy() with live buffers (LeakSanitizer). */
static void test_current_backend(const pb_plugin *p)
{
    pb_backend *be = open_be(p);
    CHECK(be != NULL);
    if (!be)
        return;
    caps_mem cm;
    longer(cm.b, sizeof(pb_caps), sizeof cm.b);
    CHECK(p->vt->get_caps(be, &cm.c) == PB_OK);
    CHECK(cm.c.struct_size == sizeof cm.b && cm.c.features && cm.c.threads >= 1);
    CHECK(intact(cm.b, sizeof(pb_caps), sizeof cm.b));
    pb_caps shortc = {.struct_size = (uint32_t)PB_CAPS_MIN_SIZE - 1};
    CHECK(p->vt->get_caps(be, &shortc) == PB_ERR_INVALID);
    CHECK(strstr(p->vt->last_error(be), "struct_size") != NULL);

    stats_mem sm;
    longer(sm.b, sizeof(pb_loss_stats), sizeof sm.b);
    CHECK(loss_of(p, be, &sm.s) == PB_OK);
    CHECK(intact(sm.b, sizeof(pb_loss_stats), sizeof sm.b));
    CHECK(sm.s.n_unsat == 3 && sm.s.n_err == 2);
    pb_loss_stats zero = {0};
    CHECK(loss_of(p, be, &zero) == PB_ERR_INVALID);
    p->vt->destroy(be); /* nine buffers still allocated */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_abi_structs DIR\n");
        return 2;
    }
    const char *pdir = getenv("PHASEBENCH_PLUGIN_DIR");
    pb_registry reg = {0};
    const pb_plugin *ref = load(&reg, pdir ? pdir : ".", "ref");
    CHECK(ref != NULL);
    test_old_backend(argv[1], ref);
    if (ref)
        test_current_backend(ref);
    const pb_plugin *blas = load(&reg, pdir ? pdir : ".", "blas");
    if (blas)
        test_current_backend(blas);
    pb_registry_free(&reg);
    return pb_test_done("test_abi_structs");
}
