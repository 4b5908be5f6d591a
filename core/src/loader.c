#include "loader.h"

#include "build_info.h"
#include "strutil.h"

#include <dirent.h>
#include <stdarg.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PB_PREFIX "pb_backend_"
#define PB_SUFFIX ".so"

/* The size of the table as ABI 1.0 defined it: a plugin built against 1.0
 * must provide at least this much. */
#define PB_VTABLE_1_0_SIZE (offsetof(pb_backend_vtable, sync) + sizeof(void (*)(void)))

const char *pb_plugin_state_name(pb_plugin_state s)
{
    switch (s) {
    case PB_PLUGIN_AVAILABLE: return "available";
    case PB_PLUGIN_UNAVAILABLE: return "unavailable";
    case PB_PLUGIN_REFUSED: return "refused";
    case PB_PLUGIN_SHADOWED: return "shadowed";
    }
    return "?";
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static size_t add_dir(char dirs[][1024], size_t n, size_t max, const char *d)
{
    if (n >= max || !d || !*d || !is_dir(d))
        return n;
    char real[4096];
    const char *key = realpath(d, real) ? real : d;
    for (size_t i = 0; i < n; i++)
        if (strcmp(dirs[i], key) == 0)
            return n;
    pb_strcpy_trunc(dirs[n], 1024, key);
    return n + 1;
}

size_t pb_plugin_search_path(char dirs[][1024], size_t max_dirs)
{
    size_t n = 0;
    const char *env = getenv("PHASEBENCH_PLUGIN_PATH");
    if (env) {
        char *copy = strdup(env);
        if (copy) {
            char *save = NULL;
            for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
                n = add_dir(dirs, n, max_dirs, tok);
            free(copy);
        }
    }
    n = add_dir(dirs, n, max_dirs, PB_BUILD_PLUGIN_DIR);
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 64);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            strcpy(slash, "/../lib/phasebench");
            n = add_dir(dirs, n, max_dirs, exe);
        }
    }
    n = add_dir(dirs, n, max_dirs, PB_INSTALL_PLUGIN_DIR);
    return n;
}

static pb_plugin *push(pb_registry *reg)
{
    if (reg->count == reg->cap) {
        size_t cap = reg->cap ? 2 * reg->cap : 8;
        pb_plugin *p = realloc(reg->plugins, cap * sizeof *p);
        if (!p)
            return NULL;
        reg->plugins = p;
        reg->cap = cap;
    }
    pb_plugin *p = &reg->plugins[reg->count++];
    memset(p, 0, sizeof *p);
    return p;
}

static void name_from_file(const char *path, char *name, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, PB_PREFIX, strlen(PB_PREFIX)) == 0)
        base += strlen(PB_PREFIX);
    snprintf(name, len, "%s", base);
    char *dot = strstr(name, PB_SUFFIX);
    if (dot)
        *dot = '\0';
}

static void refuse(pb_plugin *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->state = PB_PLUGIN_REFUSED;
    vsnprintf(p->reason, sizeof p->reason, fmt, ap);
    va_end(ap);
    if (p->handle) {
        dlclose(p->handle);
        p->handle = NULL;
    }
    p->vt = NULL;
}

/* Everything the core checks before it runs any code of the plugin. */
static int check_descriptor(pb_plugin *p, const pb_backend_abi_desc *d)
{
    if (d->magic != PB_BACKEND_ABI_MAGIC) {
        refuse(p, "not a phasebench backend: descriptor magic 0x%08lx, expected 0x%08lx", (unsigned long)d->magic, (unsigned long)PB_BACKEND_ABI_MAGIC);
        return -1;
    }
    p->abi_major = d->abi_major;
    p->abi_minor = d->abi_minor;
    if (d->abi_major != PB_BACKEND_ABI_MAJOR) {
        refuse(p, "ABI major version %lu, this phasebench speaks %lu", (unsigned long)d->abi_major, (unsigned long)PB_BACKEND_ABI_MAJOR);
        return -1;
    }
    if (d->desc_size < sizeof(pb_backend_abi_desc)) {
        refuse(p, "descriptor too short: %lu bytes, expected at least %lu", (unsigned long)d->desc_size, (unsigned long)sizeof(pb_backend_abi_desc));
        return -1;
    }
    if (d->vtable_size < PB_VTABLE_1_0_SIZE) {
        refuse(p, "function table too short: %lu bytes, ABI 1.0 needs %lu", (unsigned long)d->vtable_size, (unsigned long)PB_VTABLE_1_0_SIZE);
        return -1;
    }
    if (d->sizeof_float != sizeof(float) || d->sizeof_double != sizeof(double) ||
        d->sizeof_size_t != sizeof(size_t) || d->sizeof_pointer != sizeof(void *)) {
        refuse(p, "numeric fingerprint mismatch: sizeof float/double/size_t/pointer are "
                  "%u/%u/%u/%u in the plugin, %u/%u/%u/%u in the core",
               d->sizeof_float, d->sizeof_double, d->sizeof_size_t, d->sizeof_pointer,
               (unsigned)sizeof(float), (unsigned)sizeof(double), (unsigned)sizeof(size_t),
               (unsigned)sizeof(void *));
        return -1;
    }
    if (!d->name || !*d->name) {
        refuse(p, "descriptor has no name");
        return -1;
    }
    snprintf(p->name, sizeof p->name, "%s", d->name);
    return 0;
}

void pb_registry_add_file(pb_registry *reg, const char *path)
{
    pb_plugin *p = push(reg);
    if (!p)
        return;
    snprintf(p->path, sizeof p->path, "%s", path);
    name_from_file(path, p->name, sizeof p->name);

    dlerror();
    p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        const char *e = dlerror();
        refuse(p, "dlopen failed: %s", e ? e : "unknown error");
        return;
    }
    const pb_backend_abi_desc *desc = dlsym(p->handle, PB_BACKEND_DESC_NAME);
    if (!desc) {
        refuse(p, "missing symbol %s: not a phasebench backend", PB_BACKEND_DESC_NAME);
        return;
    }
    if (check_descriptor(p, desc) != 0)
        return;
    /* dlsym returns a data pointer; POSIX guarantees the conversion. */
    pb_backend_entry_fn entry;
    void *sym = dlsym(p->handle, PB_BACKEND_ENTRY_NAME);
    if (!sym) {
        refuse(p, "missing symbol %s", PB_BACKEND_ENTRY_NAME);
        return;
    }
    memcpy(&entry, &sym, sizeof entry);
    const pb_backend_vtable *vt = entry();
    if (!vt) {
        refuse(p, "%s returned no function table", PB_BACKEND_ENTRY_NAME);
        return;
    }
    if (vt->struct_size < PB_VTABLE_1_0_SIZE || vt->struct_size != desc->vtable_size) {
        refuse(p, "function table size %lu disagrees with the descriptor or ABI 1.0 (%lu)", (unsigned long)vt->struct_size, (unsigned long)desc->vtable_size);
        return;
    }
    if (!vt->probe || !vt->create || !vt->destroy || !vt->last_error || !vt->get_caps ||
        !vt->buf_alloc || !vt->buf_free || !vt->buf_upload || !vt->buf_download) {
        refuse(p, "function table lacks a mandatory member (probe, create, destroy, last_error, "
                  "get_caps or a buffer function)");
        return;
    }
    p->vt = vt;
    for (size_t i = 0; i + 1 < reg->count; i++)
        if (reg->plugins[i].state != PB_PLUGIN_REFUSED &&
            reg->plugins[i].state != PB_PLUGIN_SHADOWED &&
            strcmp(reg->plugins[i].name, p->name) == 0) {
            p->state = PB_PLUGIN_SHADOWED;
            pb_strcpy_trunc(p->reason, sizeof p->reason, "shadowed by ");
            pb_strcpy_trunc(p->reason + strlen(p->reason), sizeof p->reason - strlen(p->reason),
                            reg->plugins[i].path);
            dlclose(p->handle);
            p->handle = NULL;
            p->vt = NULL;
            return;
        }
    char why[sizeof p->reason] = "";
    pb_status st = vt->probe(why, sizeof why);
    why[sizeof why - 1] = '\0';
    if (st != PB_OK) {
        p->state = PB_PLUGIN_UNAVAILABLE;
        snprintf(p->reason, sizeof p->reason, "%s", why[0] ? why : "probe failed without a reason");
    } else {
        p->state = PB_PLUGIN_AVAILABLE;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_dir(pb_registry *reg, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, PB_PREFIX, strlen(PB_PREFIX)) == 0 && l > strlen(PB_SUFFIX) &&
            strcmp(e->d_name + l - strlen(PB_SUFFIX), PB_SUFFIX) == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    /* Sorted, so the listing and the shadowing do not depend on readdir. */
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        pb_registry_add_file(reg, path);
        free(names[i]);
    }
}

void pb_registry_scan(pb_registry *reg)
{
    char dirs[16][1024];
    size_t n = pb_plugin_search_path(dirs, 16);
    for (size_t i = 0; i < n; i++)
        scan_dir(reg, dirs[i]);
}

void pb_registry_free(pb_registry *reg)
{
    /* Handles stay open on purpose: a backend may own threads (OpenBLAS,
     * the Vulkan driver) whose teardown at dlclose time is not safe. */
    free(reg->plugins);
    memset(reg, 0, sizeof *reg);
}

const pb_plugin *pb_registry_find(const pb_registry *reg, const char *name, char *err,
                                  size_t err_len)
{
    const pb_plugin *refused = NULL;
    for (size_t i = 0; i < reg->count; i++) {
        const pb_plugin *p = &reg->plugins[i];
        if (strcmp(p->name, name) != 0)
            continue;
        if (p->state == PB_PLUGIN_AVAILABLE)
            return p;
        if (p->state == PB_PLUGIN_UNAVAILABLE) {
            snprintf(err, err_len, "backend '%s' is unavailable here: %s", name, p->reason);
            return NULL;
        }
        if (p->state == PB_PLUGIN_REFUSED && !refused)
            refused = p;
    }
    if (refused)
        snprintf(err, err_len, "backend '%s' (%s) was refused: %s", name, refused->path,
                 refused->reason);
    else
        snprintf(err, err_len, "no backend named '%s' (see `phasebench backends`)", name);
    return NULL;
}

const pb_plugin *pb_registry_default(const pb_registry *reg)
{
    static const char *const order[] = {"blas", "ref"};
    char err[16];
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        const pb_plugin *p = pb_registry_find(reg, order[i], err, sizeof err);
        if (p)
            return p;
    }
    for (size_t i = 0; i < reg->count; i++)
        if (reg->plugins[i].state == PB_PLUGIN_AVAILABLE)
            return &reg->plugins[i];
    return NULL;
}
