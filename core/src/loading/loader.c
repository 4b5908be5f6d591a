#include "loader.h"
#include "grow.h"

#include "abi_compat.h"
#include "build_info.h"
#include "elf_peek.h"
#include "strutil.h"
#include "sysutil.h"
#include "suggest.h"

#include <dirent.h>
#include <stdarg.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Table sizes of the first minor version of each ABI: a plugin built
 * against it must provide at least this much. */
#define PB_VTABLE_1_0_SIZE (offsetof(pb_backend_vtable, sync) + sizeof(void (*)(void)))
#define PB_EXP_VTABLE_1_0_SIZE (offsetof(pb_experiment_vtable, run) + sizeof(void (*)(void)))

static const char *check_backend_table(const void *table, const void *desc)
{
    const pb_backend_vtable *vt = table;
    const pb_backend_abi_desc *d = desc;
    if (vt->struct_size < PB_VTABLE_1_0_SIZE || vt->struct_size != d->vtable_size)
        return "function table size disagrees with the descriptor or is below ABI 1.0's";
    /* Every ABI 1.0 member but sync is mandatory: the core calls them
     * without a NULL check. */
#define PB_REQUIRE(member)                                                   \
    if (!vt->member)                                                         \
        return "function table lacks the mandatory ABI 1.0 member " #member;
    PB_REQUIRE(name) PB_REQUIRE(probe) PB_REQUIRE(create) PB_REQUIRE(destroy)
    PB_REQUIRE(last_error) PB_REQUIRE(get_caps) PB_REQUIRE(buf_alloc) PB_REQUIRE(buf_free)
    PB_REQUIRE(buf_upload) PB_REQUIRE(buf_download) PB_REQUIRE(copy) PB_REQUIRE(fill)
    PB_REQUIRE(gemm) PB_REQUIRE(axpby) PB_REQUIRE(mul) PB_REQUIRE(act_forward)
    PB_REQUIRE(act_backward) PB_REQUIRE(loss) PB_REQUIRE(sum) PB_REQUIRE(dot)
    PB_REQUIRE(dist2) PB_REQUIRE(max_abs_diff)
#undef PB_REQUIRE
    return NULL;
}

static int probe_backend(const void *table, char *reason, size_t len)
{
    return ((const pb_backend_vtable *)table)->probe(reason, len);
}

static const char *check_experiment_table(const void *table, const void *desc)
{
    const pb_experiment_vtable *vt = table;
    const pb_experiment_abi_desc *d = desc;
    if (vt->struct_size < PB_EXP_VTABLE_1_0_SIZE || vt->struct_size != d->vtable_size)
        return "function table size disagrees with the descriptor or is below ABI 1.0's";
    if (d->services_size > sizeof(pb_services))
        return "built against a newer service table than this phasebench provides";
    if (!vt->plan || !vt->run)
        return "function table lacks plan or run";
    return NULL;
}

const pb_plugin_kind pb_backend_kind = {
    .what = "backend",
    .prefix = "pb_backend_",
    .desc_symbol = PB_BACKEND_DESC_NAME,
    .entry_symbol = PB_BACKEND_ENTRY_NAME,
    .magic = PB_BACKEND_ABI_MAGIC,
    .major = PB_BACKEND_ABI_MAJOR,
    .desc_size = sizeof(pb_backend_abi_desc),
    .fingerprint_offset = offsetof(pb_backend_abi_desc, sizeof_float),
    .name_offset = offsetof(pb_backend_abi_desc, name),
    .min_table_size = PB_VTABLE_1_0_SIZE,
    .check_table = check_backend_table,
    .probe = probe_backend,
};

const pb_plugin_kind pb_experiment_kind = {
    .what = "experiment",
    .prefix = "pb_experiment_",
    .desc_symbol = PB_EXPERIMENT_DESC_NAME,
    .entry_symbol = PB_EXPERIMENT_ENTRY_NAME,
    .magic = PB_EXPERIMENT_ABI_MAGIC,
    .major = PB_EXPERIMENT_ABI_MAJOR,
    .desc_size = sizeof(pb_experiment_abi_desc),
    .fingerprint_offset = offsetof(pb_experiment_abi_desc, sizeof_float),
    .name_offset = offsetof(pb_experiment_abi_desc, name),
    .min_table_size = PB_EXP_VTABLE_1_0_SIZE,
    .check_table = check_experiment_table,
    .probe = NULL, /* experiments have no probe */
};

/* The fields both descriptors start with. */
typedef struct desc_head {
    uint32_t magic;
    uint16_t abi_major, abi_minor;
    uint32_t desc_size, vtable_size;
} desc_head;

static const pb_plugin_kind *kind_of(const pb_registry *reg)
{
    return reg->kind ? reg->kind : &pb_backend_kind;
}

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
    pb_plugin *grown = pb_grow(reg->plugins, reg->count, &reg->cap, sizeof *grown, 8);
    if (!grown)
        return NULL;
    reg->plugins = grown;
    pb_plugin *p = &reg->plugins[reg->count++];
    memset(p, 0, sizeof *p);
    return p;
}

static void name_from_file(const pb_plugin_kind *k, const char *path, char *name, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, k->prefix, strlen(k->prefix)) == 0)
        base += strlen(k->prefix);
    snprintf(name, len, "%s", base);
    char *dot = strstr(name, ".so");
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

/* The descriptor's plain-data fields: checked on the bytes read from the
 * file before it is loaded, and again in memory after. */
static int check_descriptor_fields(const pb_plugin_kind *k, pb_plugin *p, const void *desc)
{
    const desc_head *d = desc;
    if (d->magic != k->magic) {
        refuse(p, "not a phasebench %s: descriptor magic 0x%08lx, expected 0x%08lx", k->what,
               (unsigned long)d->magic, (unsigned long)k->magic);
        return -1;
    }
    p->abi_major = d->abi_major;
    p->abi_minor = d->abi_minor;
    if (d->abi_major != k->major) {
        refuse(p, "ABI major version %u, this phasebench speaks %u", (unsigned)d->abi_major,
               k->major);
        return -1;
    }
    if (d->desc_size < k->desc_size) {
        refuse(p, "descriptor too short: %lu bytes, expected at least %lu",
               (unsigned long)d->desc_size, (unsigned long)k->desc_size);
        return -1;
    }
    if (d->vtable_size < k->min_table_size) {
        refuse(p, "function table too short: %lu bytes, ABI %u.0 needs %lu",
               (unsigned long)d->vtable_size, k->major, (unsigned long)k->min_table_size);
        return -1;
    }
    const uint8_t *fp = (const uint8_t *)desc + k->fingerprint_offset;
    if (fp[0] != sizeof(float) || fp[1] != sizeof(double) || fp[2] != sizeof(size_t) ||
        fp[3] != sizeof(void *)) {
        refuse(p, "numeric fingerprint mismatch: sizeof float/double/size_t/pointer are "
                  "%u/%u/%u/%u in the plugin, %u/%u/%u/%u in the core",
               fp[0], fp[1], fp[2], fp[3], (unsigned)sizeof(float), (unsigned)sizeof(double),
               (unsigned)sizeof(size_t), (unsigned)sizeof(void *));
        return -1;
    }
    return 0;
}

/* Everything the core checks before it calls any function of the plugin. */
static int check_descriptor(const pb_plugin_kind *k, pb_plugin *p, const void *desc)
{
    if (check_descriptor_fields(k, p, desc) != 0)
        return -1;
    const char *name;
    memcpy(&name, (const char *)desc + k->name_offset, sizeof name);
    if (!name || !*name) {
        refuse(p, "descriptor has no name");
        return -1;
    }
    snprintf(p->name, sizeof p->name, "%s", name);
    return 0;
}

/* Who may write st besides root and us: a reason, or NULL. */
static const char *foreign_writer(const struct stat *st, int is_folder_above)
{
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return "owned by another user";
    if (is_folder_above && (st->st_mode & S_ISVTX))
        return NULL; /* others may add files there, not rename ours */
    if (st->st_mode & S_IWOTH)
        return "writable by every user";
    if (st->st_mode & S_IWGRP)
        return "writable by its group";
    return NULL;
}

int pb_plugin_path_safe(const char *path, int *insecure, char *why, size_t why_len)
{
    *insecure = 0;
    char real[4096];
    struct stat st;
    if (!realpath(path, real) || stat(real, &st) != 0) {
        snprintf(why, why_len, "cannot resolve %s", path);
        return -1;
    }
    const char *bad = foreign_writer(&st, 0);
    char where[4096];
    pb_strcpy_trunc(where, sizeof where, real);
    /* The file's folder: anyone who can write it can replace the file; the
     * folders above: anyone who can write them can rename the folder. */
    for (int level = 0; !bad;) {
        char *slash = strrchr(real, '/');
        if (!slash)
            break;
        if (slash == real)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (stat(real, &st) != 0)
            break;
        bad = foreign_writer(&st, level > 0);
        if (bad)
            pb_strcpy_trunc(where, sizeof where, real);
        level++;
        if (strcmp(real, "/") == 0)
            break;
    }
    if (!bad)
        return 0;
    const char *allow = getenv("PHASEBENCH_ALLOW_INSECURE_PLUGINS");
    if (allow && strcmp(allow, "1") == 0) {
        *insecure = 1;
        snprintf(why, why_len, "%s is %s (loaded anyway: PHASEBENCH_ALLOW_INSECURE_PLUGINS=1)",
                 where, bad);
        return 0;
    }
    snprintf(why, why_len,
             "insecure: %s is %s, so another user could change the code it runs (fix the "
             "permissions, or set PHASEBENCH_ALLOW_INSECURE_PLUGINS=1 to load it anyway)",
             where, bad);
    return -1;
}

void pb_registry_add_file(pb_registry *reg, const char *path)
{
    const pb_plugin_kind *k = kind_of(reg);
    pb_plugin *p = push(reg);
    if (!p)
        return;
    snprintf(p->path, sizeof p->path, "%s", path);
    name_from_file(k, path, p->name, sizeof p->name);

    /* The descriptor's plain fields, read from the file: a foreign or
     * incompatible object is refused before dlopen() runs any of its code
     * (constructors included).  The name pointer needs relocation, so it is
     * read after loading. */
    char why[1024];
    int insecure = 0;
    if (pb_plugin_path_safe(path, &insecure, why, sizeof why) != 0) {
        refuse(p, "%s", why);
        return;
    }
    if (insecure)
        fprintf(stderr, "phasebench: warning: %s plugin %s: %s\n", k->what, path, why);
    unsigned char head[64];
    size_t peek = k->fingerprint_offset + 4;
    int pr = pb_elf_peek_symbol(path, k->desc_symbol, head, peek, why, sizeof why);
    if (pr < 0) {
        refuse(p, "%s", why);
        return;
    }
    if (pr == 1) {
        refuse(p, "missing symbol %s: not a phasebench %s", k->desc_symbol, k->what);
        return;
    }
    if (check_descriptor_fields(k, p, head) != 0)
        return;

    dlerror();
    p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        const char *e = dlerror();
        refuse(p, "dlopen failed: %s", e ? e : "unknown error");
        return;
    }
    const void *desc = dlsym(p->handle, k->desc_symbol);
    if (!desc) {
        refuse(p, "missing symbol %s: not a phasebench %s", k->desc_symbol, k->what);
        return;
    }
    if (check_descriptor(k, p, desc) != 0)
        return;
    /* dlsym returns a data pointer; POSIX guarantees the conversion. */
    const void *(*entry)(void);
    void *sym = dlsym(p->handle, k->entry_symbol);
    if (!sym) {
        refuse(p, "missing symbol %s", k->entry_symbol);
        return;
    }
    memcpy(&entry, &sym, sizeof entry);
    const void *table = entry();
    if (!table) {
        refuse(p, "%s returned no function table", k->entry_symbol);
        return;
    }
    const char *bad = k->check_table(table, desc);
    if (bad) {
        refuse(p, "%s", bad);
        return;
    }
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
            return;
        }
    char herr[256];
    if (pb_sha256_file(path, p->sha256, herr, sizeof herr) != 0) {
        refuse(p, "%s", herr);
        return;
    }
    if (k == &pb_backend_kind) {
        /* An older backend gets the converting table (abi_compat.h). */
        table = pb_abi_compat_backend(table, p->abi_minor, why, sizeof why);
        if (!table) {
            refuse(p, "%s", why);
            return;
        }
    }
    p->table = table;
    if (k == &pb_backend_kind)
        p->vt = table;
    else
        p->exp = table;
    p->state = PB_PLUGIN_AVAILABLE;
    p->probed = k->probe == NULL;
}

pb_plugin_state pb_registry_probe(pb_registry *reg, size_t i)
{
    pb_plugin *p = &reg->plugins[i];
    const pb_plugin_kind *k = kind_of(reg);
    if (p->probed || p->state != PB_PLUGIN_AVAILABLE)
        return p->state;
    p->probed = 1;
    char why[sizeof p->reason] = "";
    if (k->probe(p->table, why, sizeof why) != PB_OK) {
        why[sizeof why - 1] = '\0';
        p->state = PB_PLUGIN_UNAVAILABLE;
        snprintf(p->reason, sizeof p->reason, "%s", why[0] ? why : "probe failed without a reason");
    }
    return p->state;
}

void pb_registry_probe_all(pb_registry *reg)
{
    for (size_t i = 0; i < reg->count; i++)
        pb_registry_probe(reg, i);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_dir(pb_registry *reg, const char *dir)
{
    const char *prefix = kind_of(reg)->prefix;
    DIR *d = opendir(dir);
    if (!d)
        return;
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && l > 3 &&
            strcmp(e->d_name + l - 3, ".so") == 0 && (names[n] = strdup(e->d_name)) != NULL)
            n++;
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
    const pb_plugin_kind *k = reg->kind;
    free(reg->plugins);
    memset(reg, 0, sizeof *reg);
    reg->kind = k;
}

const pb_plugin *pb_registry_find(pb_registry *reg, const char *name, char *err,
                                  size_t err_len)
{
    const pb_plugin *refused = NULL;
    for (size_t i = 0; i < reg->count; i++) {
        const pb_plugin *p = &reg->plugins[i];
        if (strcmp(p->name, name) != 0)
            continue;
        pb_registry_probe(reg, i);
        if (p->state == PB_PLUGIN_AVAILABLE) {
            /* A refused plugin of the same name earlier on the path: the user
             * probably meant that one, so say which one runs instead. */
            for (size_t j = 0; j < reg->count; j++) {
                pb_plugin *q = &reg->plugins[j];
                if (q->state == PB_PLUGIN_REFUSED && !q->warned && strcmp(q->name, name) == 0) {
                    q->warned = 1;
                    fprintf(stderr, "phasebench: warning: %s plugin %s was refused (%s); using %s\n",
                            kind_of(reg)->what, q->path, q->reason, p->path);
                }
            }
            return p;
        }
        if (p->state == PB_PLUGIN_UNAVAILABLE) {
            snprintf(err, err_len, "%s '%s' is unavailable here: %s", kind_of(reg)->what, name,
                     p->reason);
            return NULL;
        }
        if (p->state == PB_PLUGIN_REFUSED && !refused)
            refused = p;
    }
    if (refused)
        snprintf(err, err_len, "%s '%s' (%s) was refused: %s", kind_of(reg)->what, name,
                 refused->path, refused->reason);
    else {
        const char *names[257];
        size_t n = 0;
        for (size_t i = 0; i < reg->count && n < 256; i++)
            names[n++] = reg->plugins[i].name;
        names[n] = NULL;
        const char *near = pb_closest_word(name, names);
        char hint[128] = "";
        if (near)
            snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
        snprintf(err, err_len, "no %s named '%s' (%ssee `phasebench %ss`)", kind_of(reg)->what,
                 name, hint, kind_of(reg)->what);
    }
    return NULL;
}

const pb_plugin *pb_registry_default(pb_registry *reg)
{
    static const char *const order[] = {"blas", "ref"};
    char err[16];
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        const pb_plugin *p = pb_registry_find(reg, order[i], err, sizeof err);
        if (p)
            return p;
    }
    for (size_t i = 0; i < reg->count; i++)
        if (pb_registry_probe(reg, i) == PB_PLUGIN_AVAILABLE)
            return &reg->plugins[i];
    return NULL;
}
