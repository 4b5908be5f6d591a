/* Helpers for the Vulkan backend tests: load the plugin straight from the
 * build tree with dlopen (the tests do not depend on the core's loader),
 * a seeded RNG, and array comparisons that report the worst element. */
#ifndef PB_VK_TEST_UTIL_H
#define PB_VK_TEST_UTIL_H

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phasebench/backend.h"
#include "pb_test.h"

typedef struct vk_plugin {
    void *handle;
    const pb_backend_vtable *vt;
} vk_plugin;

/* 0 on success; otherwise prints why and returns -1 (a test failure: the
 * plugin was built with the test, so it must load). */
static inline int vk_plugin_open(vk_plugin *p)
{
    const char *dir = getenv("PHASEBENCH_PLUGIN_DIR");
    char path[4096];
    memset(p, 0, sizeof *p);
    if (!dir || !*dir) {
        fprintf(stderr, "PHASEBENCH_PLUGIN_DIR is not set\n");
        return -1;
    }
    snprintf(path, sizeof path, "%s/pb_backend_vulkan.so", dir);
    p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return -1;
    }
    const pb_backend_abi_desc *desc = dlsym(p->handle, PB_BACKEND_DESC_NAME);
    if (!desc || desc->magic != PB_BACKEND_ABI_MAGIC ||
        desc->abi_major != PB_BACKEND_ABI_MAJOR ||
        desc->vtable_size != sizeof(pb_backend_vtable) ||
        strcmp(desc->name, "vulkan") != 0) {
        fprintf(stderr, "%s: bad or missing ABI descriptor\n", path);
        return -1;
    }
    void *sym = dlsym(p->handle, PB_BACKEND_ENTRY_NAME);
    pb_backend_entry_fn entry;
    if (!sym) {
        fprintf(stderr, "%s: no %s\n", path, PB_BACKEND_ENTRY_NAME);
        return -1;
    }
    memcpy(&entry, &sym, sizeof entry); /* object -> function pointer */
    p->vt = entry();
    if (!p->vt || p->vt->struct_size != sizeof(pb_backend_vtable)) {
        fprintf(stderr, "%s: bad vtable\n", path);
        return -1;
    }
    return 0;
}

static inline void vk_plugin_close(vk_plugin *p)
{
    if (p->handle)
        dlclose(p->handle);
    memset(p, 0, sizeof *p);
}

/* The value of a feature, or NULL. */
static inline const char *vk_feature(const pb_caps *caps, const char *key)
{
    for (const pb_feature *f = caps->features; f && f->key; ++f)
        if (strcmp(f->key, key) == 0)
            return f->value;
    return NULL;
}

/* splitmix64: uniform doubles in [-1, 1). */
static inline double vk_uniform(void)
{
    static uint64_t state = 0x5eed1234abcdULL;
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-52 - 1.0;
}

/* NaN equals NaN here: it checks that a NaN lands where the reference has
 * one and nowhere else. */
static inline int vk_same_or_close(double got, double want, double tol, double scale)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got))
        return got == want;
    return fabs(got - want) <= tol * (scale > 1.0 ? scale : 1.0);
}

/* Compares n values with |got - want| <= tol * max(1, scale_i), where
 * scale_i = scale[i] when given, else |want_i|.  One CHECK for the array. */
static inline void vk_check_array(const char *what, const double *got,
                           const double *want, const double *scale, size_t n,
                           double tol)
{
    size_t bad = 0, worst = 0;
    double worst_err = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double s = scale ? scale[i] : fabs(want[i]);
        if (!vk_same_or_close(got[i], want[i], tol, s)) {
            double e = fabs(got[i] - want[i]) / (s > 1.0 ? s : 1.0);
            if (!bad || e > worst_err || isnan(e)) {
                worst = i;
                worst_err = e;
            }
            ++bad;
        }
    }
    CHECK_MSG(bad == 0, "%s: %zu of %zu differ; worst [%zu] got %.17g want "
              "%.17g (scaled error %.3g, tol %.3g)",
              what, bad, n, worst, n ? got[worst] : 0.0,
              n ? want[worst] : 0.0, worst_err, tol);
}

#endif
