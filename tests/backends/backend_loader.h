/* Test helper: load a backend plugin straight from the build tree with
 * dlopen (no core loader involved), so the plugin is tested on its own. */
#ifndef PB_TEST_BACKEND_LOADER_H
#define PB_TEST_BACKEND_LOADER_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phasebench/backend.h"

typedef struct loaded_backend {
    void *handle;
    const pb_backend_abi_desc *desc;
    const pb_backend_vtable *vt;
} loaded_backend;

/* Exit code for CTest's visible skip. */
#define PB_TEST_SKIP 77

/* Opens $PHASEBENCH_PLUGIN_DIR/pb_backend_<name>.so and resolves the two ABI
 * symbols.  Returns 0, PB_TEST_SKIP when the plugin folder is not set
 * (binary run by hand outside CTest), or -1 with a message on stderr.
 * The handle is never closed: OpenBLAS keeps worker threads running inside
 * the process, and unloading it under them is not safe. */
static inline int load_backend(const char *name, loaded_backend *out)
{
    memset(out, 0, sizeof *out);
    const char *dir = getenv("PHASEBENCH_PLUGIN_DIR");
    if (!dir || !*dir) {
        fprintf(stderr, "PHASEBENCH_PLUGIN_DIR is not set: run through ctest\n");
        return PB_TEST_SKIP;
    }
    char path[2048];
    snprintf(path, sizeof path, "%s/pb_backend_%s.so", dir, name);
    out->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!out->handle) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return -1;
    }
    out->desc = (const pb_backend_abi_desc *)dlsym(out->handle,
                                                   PB_BACKEND_DESC_NAME);
    void *entry_sym = dlsym(out->handle, PB_BACKEND_ENTRY_NAME);
    if (!out->desc || !entry_sym) {
        fprintf(stderr, "%s: missing %s or %s\n", path, PB_BACKEND_DESC_NAME,
                PB_BACKEND_ENTRY_NAME);
        return -1;
    }
    /* ISO C has no object-to-function pointer conversion; copy the bits. */
    pb_backend_entry_fn entry;
    memcpy(&entry, &entry_sym, sizeof entry);
    out->vt = entry();
    if (!out->vt) {
        fprintf(stderr, "%s: entry returned NULL\n", path);
        return -1;
    }
    return 0;
}

/* Creates an instance or reports why not (NULL). */
static inline pb_backend *create_backend(const pb_backend_vtable *vt, pb_dtype dtype,
                                  int threads)
{
    pb_backend_options opts = {sizeof(pb_backend_options), dtype, threads,
                               NULL};
    pb_backend *be = NULL;
    char err[512] = "";
    pb_status st = vt->create(&opts, &be, err, sizeof err);
    if (st != PB_OK) {
        fprintf(stderr, "%s: create failed (%d): %s\n", vt->name, (int)st, err);
        return NULL;
    }
    return be;
}

#endif
