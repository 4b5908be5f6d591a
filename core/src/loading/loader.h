/* Backend plugin discovery and loading.
 *
 * Search order (first plugin of a name wins; later ones are listed as
 * shadowed): the folders in $PHASEBENCH_PLUGIN_PATH (colon-separated), the
 * build tree's plugin folder, <exe>/../lib/phasebench relative to the running
 * command, and the installed plugin folder.  Every file named
 * pb_backend_*.so (or pb_experiment_*.so) is examined; nothing of a plugin
 * runs before its descriptor has been checked; each refusal keeps its
 * reason.
 *
 * A plugin runs with the rights of whoever runs phasebench, so a plugin file
 * that another user could have written is refused: a file or its folder
 * writable by group or others, or owned by a user other than root and the
 * one running phasebench, or a folder above it that another user could
 * rename (writable by group or others without the sticky bit).  Setting
 * PHASEBENCH_ALLOW_INSECURE_PLUGINS=1 loads such plugins anyway, with a
 * warning on stderr. */
#ifndef PB_LOADER_H
#define PB_LOADER_H

#include "phasebench/backend.h"
#include "phasebench/experiment.h"

#include <stddef.h>
#include <stdint.h>

/* What distinguishes one kind of plugin (backend, experiment) for the
 * loader.  Both descriptors begin with magic, major, minor, desc_size and
 * vtable_size, in that order. */
typedef struct pb_plugin_kind {
    const char *what;          /* "backend", "experiment": for messages */
    const char *prefix;        /* file names are PREFIX*.so */
    const char *desc_symbol;
    const char *entry_symbol;
    uint32_t magic;
    unsigned major;
    size_t desc_size;          /* the descriptor's size in this ABI */
    size_t fingerprint_offset; /* offset of the four sizeof bytes */
    size_t name_offset;        /* offset of the name pointer */
    size_t min_table_size;     /* table size of the first minor version */
    /* NULL when the table is usable, else why not. */
    const char *(*check_table)(const void *table, const void *desc);
    /* Optional: PB_OK or a reason (backends' probe). */
    int (*probe)(const void *table, char *reason, size_t len);
} pb_plugin_kind;

extern const pb_plugin_kind pb_backend_kind;
extern const pb_plugin_kind pb_experiment_kind;

typedef enum pb_plugin_state {
    PB_PLUGIN_AVAILABLE = 0,   /* loaded, checked, probe OK */
    PB_PLUGIN_UNAVAILABLE = 1, /* loaded and checked, probe says no */
    PB_PLUGIN_REFUSED = 2,     /* not loadable or incompatible */
    PB_PLUGIN_SHADOWED = 3     /* same name found earlier in the path */
} pb_plugin_state;

typedef struct pb_plugin {
    char name[64];            /* from the descriptor, else from the file name */
    char path[1024];
    pb_plugin_state state;
    char reason[512];         /* why refused / unavailable; empty when available */
    unsigned abi_major, abi_minor;
    void *handle;             /* dlopen handle, NULL when refused */
    const void *table;        /* the plugin's table once accepted */
    const pb_backend_vtable *vt;        /* table, for backends */
    const pb_experiment_vtable *exp;    /* table, for experiments */
    int probed;               /* availability asked (probe runs on first need) */
    char sha256[65];          /* SHA-256 of the file loaded, lowercase hex; "" when refused */
    int warned;               /* "refused, another used" said on stderr */
} pb_plugin;

/* Zero-initialise; kind NULL means backends. */
typedef struct pb_registry {
    const pb_plugin_kind *kind;
    pb_plugin *plugins;
    size_t count, cap;
} pb_registry;

/* Scan every folder of the search path.  Never fails: problems become
 * refused entries.  Plugins are loaded and checked but not probed: a
 * backend's probe (which may start a Vulkan instance) runs only when that
 * backend is asked for, or by pb_registry_probe_all. */
void pb_registry_scan(pb_registry *reg);
/* Probe plugin i if not done yet; returns its state. */
pb_plugin_state pb_registry_probe(pb_registry *reg, size_t i);
void pb_registry_probe_all(pb_registry *reg);
/* Examine one file (used by the scan and by tests). */
void pb_registry_add_file(pb_registry *reg, const char *path);
void pb_registry_free(pb_registry *reg);

/* The available plugin of that name, or NULL with the reason in err (not
 * found / refused / unavailable, with the plugin's own reason). */
const pb_plugin *pb_registry_find(pb_registry *reg, const char *name,
                                  char *err, size_t err_len);

/* The preferred available backend: the first of "vulkan" on a discrete or
 * integrated GPU is not assumed; order is blas, ref (CPU first, the Vulkan
 * backend is chosen explicitly). */
const pb_plugin *pb_registry_default(pb_registry *reg);

const char *pb_plugin_state_name(pb_plugin_state s);

/* Whether a plugin file may be loaded (see the top of this file): 0, or -1
 * with the reason in why.  Honours PHASEBENCH_ALLOW_INSECURE_PLUGINS=1
 * (returns 0 and sets *insecure). */
int pb_plugin_path_safe(const char *path, int *insecure, char *why, size_t why_len);

/* Fill the folders searched, in order, into dirs (each at most 1024 bytes).
 * Returns the count. */
size_t pb_plugin_search_path(char dirs[][1024], size_t max_dirs);

#endif
