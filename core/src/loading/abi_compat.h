/* Backends of ABI 1.0 and 1.1 under the rules of ABI 1.2.
 *
 * ABI 1.2 put a struct_size at the head of pb_caps and pb_loss_stats and
 * stated the destroy() contract (destroy frees every live buffer).  A plugin
 * built against 1.0 or 1.1 knows neither: it fills the old layouts and may
 * leak the buffers still allocated at destroy().  The loader therefore hands
 * the core, for such a plugin, a copy of its vtable in which get_caps and
 * loss convert between the old layouts and the caller's struct (honouring
 * the caller's struct_size), and buf_alloc, buf_free and destroy keep the
 * list of live buffers and free them before the plugin's destroy().  Every
 * other member is the plugin's own function, so the ops of a step run
 * without an extra call.  docs/architecture.md section 5.2. */
#ifndef PB_ABI_COMPAT_H
#define PB_ABI_COMPAT_H

#include "phasebench/backend.h"

#include <stddef.h>

/* The layouts of ABI 1.0 and 1.1, frozen (never change them). */
typedef struct pb_caps_v1_0 {
    uint32_t dtypes;
    pb_determinism determinism;
    int threads;
    int max_threads;
    const pb_feature *features;
} pb_caps_v1_0;

typedef struct pb_loss_stats_v1_0 {
    double loss;
    double min_margin;
    double max_margin;
    int64_t n_unsat;
    int64_t n_err;
    int64_t n_nan;
} pb_loss_stats_v1_0;

/* How many distinct backends of ABI 1.0/1.1 one process can load. */
#define PB_COMPAT_SLOTS 8

/* The table the core uses for the plugin table `orig` of declared minor
 * version `minor`: `orig` itself when minor >= 2, else the converting copy
 * described above (the same copy for the same `orig`).  NULL, with the
 * reason in why, when every slot is taken. */
const pb_backend_vtable *pb_abi_compat_backend(const pb_backend_vtable *orig, unsigned minor,
                                               char *why, size_t why_len);

#endif
