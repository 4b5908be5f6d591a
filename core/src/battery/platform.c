#include "platform.h"
#include "grow.h"

#include "build_info.h"

#include <cblas.h>
#include <gnu/libc-version.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void set(char *dst, size_t len, const char *v)
{
    snprintf(dst, len, "%s", v && *v ? v : "unknown");
}

/* The value of "key : value" lines of /proc/cpuinfo (first CPU). */
static int cpuinfo_field(const char *key, char *out, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    char line[4096];
    int rc = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) != 0 || (line[kl] != ' ' && line[kl] != '\t' && line[kl] != ':'))
            continue;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        v[strcspn(v, "\n")] = '\0';
        snprintf(out, len, "%s", v);
        rc = 0;
        break;
    }
    fclose(f);
    return rc;
}

static int has_flag(const char *flags, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = flags; (p = strstr(p, name)) != NULL; p += n)
        if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

void pb_platform_read(pb_platform *p)
{
    memset(p, 0, sizeof *p);
    char model[256] = "";
    set(p->cpu_model, sizeof p->cpu_model,
        cpuinfo_field("model name", model, sizeof model) == 0 ? model : NULL);
    static char flags[8192];
    if (cpuinfo_field("flags", flags, sizeof flags) == 0) {
        const char *names[] = {"avx512f", "avx2", "fma", "avx"};
        p->cpu_simd[0] = '\0';
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (has_flag(flags, names[i])) {
                size_t u = strlen(p->cpu_simd);
                snprintf(p->cpu_simd + u, sizeof p->cpu_simd - u, "%s%s", u ? "," : "", names[i]);
            }
        if (!p->cpu_simd[0])
            snprintf(p->cpu_simd, sizeof p->cpu_simd, "none");
    } else {
        set(p->cpu_simd, sizeof p->cpu_simd, NULL);
    }
    set(p->glibc_version, sizeof p->glibc_version, gnu_get_libc_version());
    const char *t = getenv("GLIBC_TUNABLES");
    snprintf(p->glibc_tunables, sizeof p->glibc_tunables, "%s", t && *t ? t : "unset");
    set(p->openblas_core, sizeof p->openblas_core, openblas_get_corename());
    const char *c = getenv("OPENBLAS_CORETYPE");
    snprintf(p->openblas_coretype, sizeof p->openblas_coretype, "%s", c && *c ? c : "unset");
    set(p->compiler, sizeof p->compiler, PB_COMPILER);
    set(p->compiler_flags, sizeof p->compiler_flags, PB_COMPILER_FLAGS);
}

void pb_platform_rows(const pb_platform *p,
                      void (*put)(const char *key, const char *value, void *ctx), void *ctx)
{
    put("cpu_model", p->cpu_model, ctx);
    put("cpu_simd", p->cpu_simd, ctx);
    put("glibc_version", p->glibc_version, ctx);
    put("glibc_tunables", p->glibc_tunables, ctx);
    put("openblas_core", p->openblas_core, ctx);
    put("openblas_coretype", p->openblas_coretype, ctx);
    put("compiler", p->compiler, ctx);
    put("compiler_flags", p->compiler_flags, ctx);
}

static void put_u64(struct sha256_ctx *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    sha256_update(h, sizeof b, b);
}

static void put_doubles(struct sha256_ctx *h, const double *x, size_t n)
{
    uint8_t buf[4096];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &x[i], sizeof u);
        for (int k = 0; k < 8; k++)
            buf[used++] = (uint8_t)(u >> (8 * k));
        if (used == sizeof buf) {
            sha256_update(h, used, buf);
            used = 0;
        }
    }
    if (used)
        sha256_update(h, used, buf);
}

static void hex_digest(struct sha256_ctx *h, char out[65])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(h, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void pb_split_fingerprint(const pb_split *s, char out[65])
{
    struct sha256_ctx h;
    sha256_init(&h);
    const pb_set *sets[3] = {&s->train, &s->test, &s->kernel};
    for (int k = 0; k < 3; k++) {
        const pb_set *t = sets[k];
        put_u64(&h, t->n);
        put_u64(&h, t->d);
        if (t->n && t->x)
            put_doubles(&h, t->x, t->n * t->d);
        if (t->n && t->y)
            put_doubles(&h, t->y, t->n);
    }
    hex_digest(&h, out);
}

int pb_data_prints_add(pb_data_prints *d, const char hex[65])
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->hex[i], hex) == 0)
            return 0;
    char(*grown)[65] = pb_grow(d->hex, d->n, &d->cap, sizeof *grown, 8);
    if (!grown)
        return -1;
    d->hex = grown;
    memcpy(d->hex[d->n++], hex, 65);
    return 0;
}

static int hex_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

void pb_data_prints_combined(const pb_data_prints *d, char out[65])
{
    if (d->n == 0) {
        snprintf(out, 65, "none");
        return;
    }
    char(*sorted)[65] = malloc(d->n * sizeof *sorted);
    if (!sorted) {
        snprintf(out, 65, "unknown");
        return;
    }
    memcpy(sorted, d->hex, d->n * sizeof *sorted);
    qsort(sorted, d->n, sizeof *sorted, hex_cmp);
    struct sha256_ctx h;
    sha256_init(&h);
    for (size_t i = 0; i < d->n; i++) {
        sha256_update(&h, 64, (const uint8_t *)sorted[i]);
        sha256_update(&h, 1, (const uint8_t *)"\n");
    }
    free(sorted);
    hex_digest(&h, out);
}

void pb_data_prints_free(pb_data_prints *d)
{
    free(d->hex);
    memset(d, 0, sizeof *d);
}
