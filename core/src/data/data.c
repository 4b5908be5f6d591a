/* Dataset specs, pools and class-balanced splits (see data.h). */
#include "data_readers.h"
#include "rng.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static int synth_fits(const char *spec, size_t d, size_t n, char *err,
                      size_t err_len);

int pb_data_errf(char *err, size_t err_len, const char *fmt, ...)
{
    if (err && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int pb_data_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int pb_data_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void pb_raw_images_free(pb_raw_images *raw)
{
    if (!raw)
        return;
    free(raw->pix);
    free(raw->cls);
    memset(raw, 0, sizeof *raw);
}

/* "kind:DIR" -> DIR when spec starts with kind followed by ':'. */
static const char *spec_dir(const char *spec, const char *kind)
{
    size_t len = strlen(kind);
    if (strncmp(spec, kind, len) == 0 && spec[len] == ':')
        return spec + len + 1;
    return NULL;
}

/* The folder and format of an image-set spec (fashion, fashion:DIR,
 * mnist:DIR, cifar10:DIR): 0, or -1 with the reason (an unknown spec, an
 * empty folder name, Debian's Fashion-MNIST not installed). */
static int image_spec(const char *spec, const char **dir, int *cifar, char *err,
                      size_t err_len)
{
    *cifar = 0;
    if (strcmp(spec, "fashion") == 0) {
        *dir = PB_FASHION_DEFAULT_DIR;
        if (!pb_data_is_dir(*dir))
            return pb_data_errf(err, err_len,
                                "fashion: %s: no such directory (install Debian's "
                                "dataset-fashion-mnist, or give fashion:DIR)",
                                *dir);
        return 0;
    }
    if ((*dir = spec_dir(spec, "fashion")) == NULL && (*dir = spec_dir(spec, "mnist")) == NULL) {
        if ((*dir = spec_dir(spec, "cifar10")) == NULL)
            return pb_data_errf(err, err_len,
                                "unknown dataset spec '%s': expected random, "
                                "stripe, sphere, fashion, fashion:DIR, mnist:DIR "
                                "or cifar10:DIR",
                                spec);
        *cifar = 1;
    }
    if (!**dir)
        return pb_data_errf(err, err_len,
                            "dataset spec '%s': the directory after ':' is "
                            "empty", spec);
    return 0;
}

int pb_pool_load(const char *spec, size_t d, size_t n_synth, uint64_t seed,
                 pb_pool *out, char *err, size_t err_len)
{
    if (!out)
        return pb_data_errf(err, err_len, "pb_pool_load: no output pool");
    memset(out, 0, sizeof *out);
    if (!spec || !*spec)
        return pb_data_errf(err, err_len, "pb_pool_load: empty dataset spec");

    if (pb_data_is_synthetic(spec)) {
        /* Refused before a byte is generated: a set that cannot fit would
         * otherwise end in the kernel's OOM killer, not in a message. */
        if (d > 0 && synth_fits(spec, d, n_synth, err, err_len) != 0)
            return -1;
        if (pb_synth_make(spec, d, n_synth, seed, out, err, err_len) != 0)
            return -1;
        snprintf(out->name, sizeof out->name, "%s", spec);
        return 0;
    }

    const char *dir = NULL;
    int cifar = 0;
    if (image_spec(spec, &dir, &cifar, err, err_len) != 0)
        return -1;

    pb_raw_images raw;
    int rc = cifar ? pb_cifar10_load_dir(dir, &raw, err, err_len)
                   : pb_idx_load_dir(dir, &raw, err, err_len);
    if (rc != 0)
        return -1;
    double *x = NULL;
    if (pb_prep_images(&raw, d, &x, NULL, err, err_len) != 0) {
        pb_raw_images_free(&raw);
        return -1;
    }
    snprintf(out->name, sizeof out->name, "%s", spec);
    out->n = raw.n;
    out->d = d > 0 ? d : raw.dim;
    out->raw_dim = raw.dim;
    out->n_classes = PB_IMAGE_CLASSES;
    out->x = x;
    out->cls = raw.cls; /* ownership moves to the pool */
    out->synthetic = 0;
    raw.cls = NULL;
    pb_raw_images_free(&raw);
    return 0;
}

void pb_pool_free(pb_pool *pool)
{
    if (!pool)
        return;
    free(pool->x);
    free(pool->cls);
    memset(pool, 0, sizeof *pool);
}

static void set_free(pb_set *s)
{
    free(s->x);
    free(s->y);
    free(s->cls);
    free(s->idx);
    memset(s, 0, sizeof *s);
}

void pb_split_free(pb_split *split)
{
    if (!split)
        return;
    set_free(&split->train);
    set_free(&split->test);
    set_free(&split->kernel);
}

/* Copies the pool samples order[0..n) into s. */
static int set_fill(pb_set *s, const pb_pool *pool, const size_t *order,
                    size_t n)
{
    s->n = n;
    s->d = pool->d;
    if (n == 0)
        return 0;
    s->x = malloc(n * pool->d * sizeof *s->x);
    s->y = malloc(n * sizeof *s->y);
    s->cls = malloc(n * sizeof *s->cls);
    s->idx = malloc(n * sizeof *s->idx);
    if (!s->x || !s->y || !s->cls || !s->idx)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t p = order[i];
        memcpy(s->x + i * pool->d, pool->x + p * pool->d,
               pool->d * sizeof *s->x);
        s->cls[i] = pool->cls[p];
        s->y[i] = pool->cls[p] % 2 == 0 ? 1.0 : -1.0;
        s->idx[i] = p;
    }
    return 0;
}

int pb_split_make(const pb_pool *pool, size_t ptr, size_t pte, size_t ptk,
                  uint64_t seed, pb_split *out, char *err, size_t err_len)
{
    if (!out)
        return pb_data_errf(err, err_len, "pb_split_make: no output split");
    memset(out, 0, sizeof *out);
    if (!pool || !pool->x || !pool->cls || pool->n == 0 || pool->d == 0 ||
        pool->n_classes < 1)
        return pb_data_errf(err, err_len, "pb_split_make: empty pool");
    const char *name = pool->name;
    if (pte > SIZE_MAX - ptk || pte + ptk > SIZE_MAX - ptr ||
        pte + ptk + ptr > pool->n)
        return pb_data_errf(err, err_len,
                            "%s: split asks for test %zu + kernel %zu + "
                            "train %zu samples, but the pool holds %zu",
                            name, pte, ptk, ptr, pool->n);
    const size_t total = pte + ptk + ptr;
    const size_t nc = (size_t)pool->n_classes;

    size_t *count = calloc(nc, sizeof *count);
    size_t *start = calloc(nc + 1, sizeof *start);
    size_t *fill = calloc(nc, sizeof *fill);
    size_t *byclass = malloc(pool->n * sizeof *byclass);
    size_t *order = malloc((total ? total : 1) * sizeof *order);
    int rc = -1;
    if (!count || !start || !fill || !byclass || !order) {
        pb_data_errf(err, err_len, "%s: split: out of memory", name);
        goto done;
    }
    for (size_t i = 0; i < pool->n; i++) {
        int c = pool->cls[i];
        if (c < 0 || c >= pool->n_classes) {
            pb_data_errf(err, err_len,
                         "%s: sample %zu has class %d, expected 0..%d", name,
                         i, c, pool->n_classes - 1);
            goto done;
        }
        count[c]++;
    }
    for (size_t c = 0; c < nc; c++)
        start[c + 1] = start[c] + count[c];
    for (size_t i = 0; i < pool->n; i++) {
        size_t c = (size_t)pool->cls[i];
        byclass[start[c] + fill[c]++] = i;
    }
    for (size_t c = 0; c < nc; c++)
        pb_rng_shuffle(seed, PB_STREAM_SPLIT + (uint64_t)c, byclass + start[c],
                       count[c]);

    /* Round robin over the classes: any contiguous cut of this order is
     * class-balanced (to within one sample) while no class has run out. */
    size_t filled = 0;
    for (size_t r = 0; filled < total; r++)
        for (size_t c = 0; c < nc && filled < total; c++)
            if (r < count[c])
                order[filled++] = byclass[start[c] + r];

    if (set_fill(&out->test, pool, order, pte) != 0 ||
        set_fill(&out->kernel, pool, order + pte, ptk) != 0 ||
        set_fill(&out->train, pool, order + pte + ptk, ptr) != 0) {
        pb_data_errf(err, err_len, "%s: split: out of memory", name);
        pb_split_free(out);
        goto done;
    }
    rc = 0;
done:
    free(count);
    free(start);
    free(fill);
    free(byclass);
    free(order);
    return rc;
}

double pb_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    double lim = pages > 0 && page > 0 ? (double)pages * (double)page : 1e300;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (double)rl.rlim_cur < lim)
        lim = (double)rl.rlim_cur;
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (double)rl.rlim_cur < lim)
        lim = (double)rl.rlim_cur;
    return lim;
}

/* A synthetic pool of n x d doubles and the split cut from it (a copy of
 * the same size) must fit, with its labels and indices. */
static int synth_fits(const char *spec, size_t d, size_t n, char *err,
                      size_t err_len)
{
    double bytes = 2.0 * (double)n * ((double)d * sizeof(double) +
                                      sizeof(double) + sizeof(int) +
                                      sizeof(size_t));
    double lim = pb_memory_limit();
    if (bytes > lim)
        return pb_data_errf(err, err_len,
                            "%s: %zu samples x d = %zu need %.3g GB (pool "
                            "and split), more than the %.3g GB of memory "
                            "this process may use; lower ptr + pte + ptk or d",
                            spec, n, d, bytes / 1e9, lim / 1e9);
    return 0;
}

int pb_data_check(const char *spec, size_t d, size_t n_needed, char *err,
                  size_t err_len)
{
    if (!spec || !*spec)
        return pb_data_errf(err, err_len, "empty dataset spec");
    if (pb_data_is_synthetic(spec)) {
        if (d == 0)
            return pb_data_errf(err, err_len,
                                "%s: a synthetic set needs d > 0 (its input "
                                "dimension)", spec);
        return synth_fits(spec, d, n_needed, err, err_len);
    }
    const char *dir = NULL;
    int cifar = 0;
    if (image_spec(spec, &dir, &cifar, err, err_len) != 0)
        return -1;
    if (pb_data_is_dir(dir) && access(dir, R_OK | X_OK) != 0)
        return pb_data_errf(err, err_len, "%s: cannot read the folder: %s",
                            dir, strerror(errno));
    size_t n = 0, dim = PB_CIFAR_PIXELS;
    if ((cifar ? pb_cifar10_probe_dir(dir, &n, err, err_len)
               : pb_idx_probe_dir(dir, &n, &dim, err, err_len)) != 0)
        return -1;
    if (d > dim)
        return pb_data_errf(err, err_len,
                            "%s: d = %zu is more than the %zu pixels of its "
                            "images (PCA cannot make more components than "
                            "inputs)", spec, d, dim);
    /* The covariance of n centred samples has rank at most n - 1: the
     * bound known from the headers (the exact rank, which constant pixels
     * lower further, is checked when the pool is prepared). */
    if (d > 0 && n > 0 && d > n - 1)
        return pb_data_errf(err, err_len,
                            "%s: d = %zu PCA components, but the covariance of "
                            "its %zu samples has rank at most %zu", spec, d, n,
                            n - 1);
    if (n_needed > n)
        return pb_data_errf(err, err_len,
                            "%s: ptr + pte + ptk = %zu samples, but its pool "
                            "holds %zu", spec, n_needed, n);
    return 0;
}
