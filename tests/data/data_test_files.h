/* Helpers for the dataset tests: a private temporary directory, IDX and
 * CIFAR-10 files built byte by byte (so that a test can corrupt any
 * field), written gzip'd or plain, and removed at the end. */
#ifndef PB_DATA_TEST_FILES_H
#define PB_DATA_TEST_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define TF_MAX_PATHS 256
#define TF_PATH 1024

/* Everything created, removed in reverse order by tf_cleanup. */
static char tf_paths[TF_MAX_PATHS][TF_PATH];
static int tf_is_dir[TF_MAX_PATHS];
static int tf_count;
static char tf_root[TF_PATH];

static inline void tf_remember(const char *path, int is_dir)
{
    for (int i = 0; i < tf_count; i++)
        if (strcmp(tf_paths[i], path) == 0)
            return;
    if (tf_count < TF_MAX_PATHS) {
        snprintf(tf_paths[tf_count], TF_PATH, "%s", path);
        tf_is_dir[tf_count++] = is_dir;
    }
}

/* Creates the private root directory; returns 0 on success. */
static inline int tf_init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tf_root, sizeof tf_root, "%s/pb_data_test_XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tf_root)) {
        perror("mkdtemp");
        return -1;
    }
    tf_remember(tf_root, 1);
    return 0;
}

static inline void tf_cleanup(void)
{
    for (int i = tf_count - 1; i >= 0; i--) {
        if (tf_is_dir[i])
            rmdir(tf_paths[i]);
        else
            unlink(tf_paths[i]);
    }
    tf_count = 0;
}

/* root/rel into a static buffer of the caller (out, TF_PATH bytes). */
static inline const char *tf_join(char *out, const char *dir, const char *rel)
{
    int len = snprintf(out, TF_PATH, "%s/%s", dir, rel);
    if (len < 0 || len >= TF_PATH) {
        fprintf(stderr, "test path too long: %s/%s\n", dir, rel);
        exit(1);
    }
    return out;
}

/* Makes root/rel (one level) and returns its path in out. */
static inline const char *tf_mkdir(char *out, const char *rel)
{
    tf_join(out, tf_root, rel);
    mkdir(out, 0700);
    tf_remember(out, 1);
    return out;
}

/* Writes b[0..len) to path, through gzip when gz. */
static inline int tf_write(const char *path, const unsigned char *b,
                           size_t len, int gz)
{
    tf_remember(path, 0);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        if (!f)
            return -1;
        int ok = len == 0 || gzwrite(f, b, (unsigned)len) == (int)len;
        return gzclose(f) == Z_OK && ok ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(b, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static inline void tf_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* An IDX image file in memory: 16-byte header + pixels.  malloc'd. */
static inline unsigned char *tf_idx_images(uint32_t n, uint32_t rows,
                                           uint32_t cols,
                                           const unsigned char *pix,
                                           size_t *len)
{
    size_t payload = (size_t)n * rows * cols;
    unsigned char *b = malloc(16 + payload);
    tf_be32(b, 0x00000803u);
    tf_be32(b + 4, n);
    tf_be32(b + 8, rows);
    tf_be32(b + 12, cols);
    memcpy(b + 16, pix, payload);
    *len = 16 + payload;
    return b;
}

/* An IDX label file in memory: 8-byte header + labels.  malloc'd. */
static inline unsigned char *tf_idx_labels(uint32_t n,
                                           const unsigned char *lab,
                                           size_t *len)
{
    unsigned char *b = malloc(8 + (size_t)n);
    tf_be32(b, 0x00000801u);
    tf_be32(b + 4, n);
    memcpy(b + 8, lab, n);
    *len = 8 + (size_t)n;
    return b;
}

/* Deterministic test pixels and labels: sample i of a set. */
static inline unsigned char tf_pixel(size_t i, size_t j)
{
    return (unsigned char)((i * 37u + j * 11u + (i * j) % 7u + 3u) % 256u);
}
static inline unsigned char tf_label(size_t i)
{
    return (unsigned char)((i * 3u + 1u) % 10u);
}

/* Writes a full IDX set (train ntr, t10k nte samples of rows x cols) to
 * dir; pixels of the test file continue the sample numbering.  Returns 0
 * on success. */
static inline int tf_write_idx_set(const char *dir, size_t ntr, size_t nte,
                                   uint32_t rows, uint32_t cols, int gz)
{
    const char *suffix = gz ? ".gz" : "";
    size_t dim = (size_t)rows * cols;
    int rc = 0;
    for (int part = 0; part < 2; part++) {
        size_t n = part == 0 ? ntr : nte, first = part == 0 ? 0 : ntr;
        unsigned char *pix = malloc(n * dim + 1), *lab = malloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            lab[i] = tf_label(first + i);
            for (size_t j = 0; j < dim; j++)
                pix[i * dim + j] = tf_pixel(first + i, j);
        }
        size_t li, ll;
        unsigned char *bi = tf_idx_images((uint32_t)n, rows, cols, pix, &li);
        unsigned char *bl = tf_idx_labels((uint32_t)n, lab, &ll);
        char p[TF_PATH], name[128];
        const char *pre = part == 0 ? "train" : "t10k";
        snprintf(name, sizeof name, "%s-images-idx3-ubyte%s", pre, suffix);
        rc |= tf_write(tf_join(p, dir, name), bi, li, gz);
        snprintf(name, sizeof name, "%s-labels-idx1-ubyte%s", pre, suffix);
        rc |= tf_write(tf_join(p, dir, name), bl, ll, gz);
        free(bi);
        free(bl);
        free(pix);
        free(lab);
    }
    return rc;
}

/* CIFAR-10 record stream: `records` records starting at sample `first`,
 * label of sample i = i % 10, pixels tf_pixel.  malloc'd. */
static inline unsigned char *tf_cifar_bytes(size_t first, size_t records,
                                            size_t *len)
{
    unsigned char *b = malloc(records * 3073 + 1);
    for (size_t r = 0; r < records; r++) {
        unsigned char *rec = b + r * 3073;
        rec[0] = (unsigned char)((first + r) % 10);
        for (size_t j = 0; j < 3072; j++)
            rec[1 + j] = tf_pixel(first + r, j);
    }
    *len = records * 3073;
    return b;
}

/* Substring check on an error message, reporting the message on failure. */
#define CHECK_HAS(msg, sub)                                                  \
    CHECK_MSG(strstr((msg), (sub)) != NULL, "message \"%s\" lacks \"%s\"",   \
              (msg), (sub))

#endif
