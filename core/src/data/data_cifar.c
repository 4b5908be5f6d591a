/* CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, each row-major 32 x 32).  The pixels
 * are kept in that channel-major order, which is also how the authors'
 * torchvision tensors flatten. */
#include "data_readers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CIFAR_FILES 6
static const char *const cifar_names[CIFAR_FILES] = {
    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
    "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};

/* Size checks happen before anything is allocated, so a wrong file costs
 * no memory. */
static int cifar_records(const char *path, size_t *records, char *err,
                         size_t err_len)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return pb_data_errf(err, err_len, "%s: cannot open: %s", path,
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return pb_data_errf(err, err_len, "%s: not a regular file", path);
    unsigned long long size = (unsigned long long)st.st_size;
    if (size == 0)
        return pb_data_errf(err, err_len,
                            "%s: byte offset 0: file is empty, expected "
                            "records of %d bytes (1 label + %d pixels)",
                            path, PB_CIFAR_RECORD, PB_CIFAR_PIXELS);
    if (size % PB_CIFAR_RECORD != 0) {
        unsigned long long whole = size / PB_CIFAR_RECORD;
        return pb_data_errf(err, err_len,
                            "%s: file size %llu bytes is not a multiple of "
                            "%d (1 label + %d pixels per record): record "
                            "%llu starts at byte offset %llu and is cut at "
                            "byte offset %llu, expected %llu",
                            path, size, PB_CIFAR_RECORD, PB_CIFAR_PIXELS,
                            whole, whole * PB_CIFAR_RECORD, size,
                            (whole + 1) * PB_CIFAR_RECORD);
    }
    if (size / PB_CIFAR_RECORD > (unsigned long long)SIZE_MAX / PB_CIFAR_RECORD)
        return pb_data_errf(err, err_len, "%s: file of %llu bytes is too large",
                            path, size);
    *records = (size_t)(size / PB_CIFAR_RECORD);
    return 0;
}

/* Reads `records` records of one file into pix/cls, checking each label. */
static int cifar_read_file(const char *path, size_t records,
                           unsigned char *pix, int *cls, char *err,
                           size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pb_data_errf(err, err_len, "%s: cannot open: %s", path,
                            strerror(errno));
    unsigned char rec[PB_CIFAR_RECORD];
    int rc = 0;
    for (size_t r = 0; r < records && rc == 0; r++) {
        unsigned long long off = (unsigned long long)r * PB_CIFAR_RECORD;
        size_t got = fread(rec, 1, sizeof rec, f);
        if (got != sizeof rec) {
            /* The size was checked: this is a read error or a file that
             * shrank under us. */
            rc = pb_data_errf(err, err_len,
                              "%s: data ends at byte offset %llu, expected "
                              "%llu bytes%s%s",
                              path, off + got,
                              (unsigned long long)records * PB_CIFAR_RECORD,
                              ferror(f) ? ": " : "",
                              ferror(f) ? strerror(errno) : "");
        } else if (rec[0] >= PB_IMAGE_CLASSES) {
            rc = pb_data_errf(err, err_len,
                              "%s: byte offset %llu (record %zu): label %u, "
                              "expected a class index 0..%d",
                              path, off, r, (unsigned)rec[0],
                              PB_IMAGE_CLASSES - 1);
        } else {
            cls[r] = rec[0];
            memcpy(pix + r * PB_CIFAR_PIXELS, rec + 1, PB_CIFAR_PIXELS);
        }
    }
    fclose(f);
    return rc;
}

static char *join_path(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* The six files of dir (or of dir/cifar-10-batches-bin) and their record
 * counts, checked; paths[] are malloc'd (free them even on failure). */
static int cifar_locate(const char *dir, char *paths[CIFAR_FILES],
                        size_t records[CIFAR_FILES], size_t *n_out, char *err,
                        size_t err_len)
{
    char *base = NULL;
    int rc = -1;
    if (!pb_data_is_dir(dir))
        return pb_data_errf(err, err_len,
                            "%s: no such directory (expected the CIFAR-10 "
                            "binary batches data_batch_1.bin ... "
                            "test_batch.bin)",
                            dir);

    /* The official tarball unpacks into cifar-10-batches-bin/: accept the
     * folder above it too. */
    char *probe = join_path(dir, cifar_names[0]);
    if (!probe)
        return pb_data_errf(err, err_len, "%s: out of memory", dir);
    if (pb_data_is_file(probe)) {
        size_t len = strlen(dir) + 1;
        base = malloc(len);
        if (base)
            memcpy(base, dir, len);
    } else {
        base = join_path(dir, "cifar-10-batches-bin");
        char *probe2 = base ? join_path(base, cifar_names[0]) : NULL;
        int found = probe2 && pb_data_is_file(probe2);
        free(probe2);
        if (base && !found) {
            pb_data_errf(err, err_len,
                         "%s: found neither %s nor %s/%s", dir, probe, base,
                         cifar_names[0]);
            free(probe);
            free(base);
            return -1;
        }
    }
    free(probe);
    if (!base)
        return pb_data_errf(err, err_len, "%s: out of memory", dir);

    size_t n = 0;
    for (int i = 0; i < CIFAR_FILES; i++) {
        paths[i] = join_path(base, cifar_names[i]);
        if (!paths[i]) {
            pb_data_errf(err, err_len, "%s: out of memory", dir);
            goto done;
        }
        if (cifar_records(paths[i], &records[i], err, err_len) != 0)
            goto done;
        if (access(paths[i], R_OK) != 0) {
            pb_data_errf(err, err_len, "%s: cannot read: %s", paths[i],
                         strerror(errno));
            goto done;
        }
        n += records[i];
    }
    *n_out = n;
    rc = 0;
done:
    free(base);
    return rc;
}

int pb_cifar10_probe_dir(const char *dir, size_t *n, char *err,
                         size_t err_len)
{
    char *paths[CIFAR_FILES] = {0};
    size_t records[CIFAR_FILES] = {0};
    int rc = cifar_locate(dir, paths, records, n, err, err_len);
    for (int i = 0; i < CIFAR_FILES; i++)
        free(paths[i]);
    return rc;
}

int pb_cifar10_load_dir(const char *dir, pb_raw_images *out, char *err,
                        size_t err_len)
{
    char *paths[CIFAR_FILES] = {0};
    size_t records[CIFAR_FILES] = {0};
    char *base = NULL;
    int rc = -1;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (cifar_locate(dir, paths, records, &n, err, err_len) != 0)
        goto done;
    out->pix = malloc(n * PB_CIFAR_PIXELS);
    out->cls = malloc(n * sizeof *out->cls);
    if (!out->pix || !out->cls) {
        pb_data_errf(err, err_len, "%s: out of memory for %zu images", dir,
                     n);
        goto done;
    }
    size_t at = 0;
    for (int i = 0; i < CIFAR_FILES; i++) {
        if (cifar_read_file(paths[i], records[i],
                            out->pix + at * PB_CIFAR_PIXELS, out->cls + at,
                            err, err_len) != 0)
            goto done;
        at += records[i];
    }
    out->n = n;
    out->dim = PB_CIFAR_PIXELS;
    rc = 0;
done:
    if (rc != 0)
        pb_raw_images_free(out);
    for (int i = 0; i < CIFAR_FILES; i++)
        free(paths[i]);
    free(base);
    return rc;
}
