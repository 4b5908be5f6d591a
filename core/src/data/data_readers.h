/* Internal interface of the dataset layer: raw readers (IDX, CIFAR-10),
 * synthetic generators and the image preprocessing.  Only data*.c and the
 * data tests include this header; everything else goes through data.h. */
#ifndef PB_DATA_READERS_H
#define PB_DATA_READERS_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"

/* Image sets have ten classes (digits, Fashion-MNIST articles, CIFAR-10). */
#define PB_IMAGE_CLASSES 10

/* Where Debian's dataset-fashion-mnist package installs its files. */
#define PB_FASHION_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"

/* A pool as it comes out of the files: unsigned-byte pixels, one class
 * index per sample, train file(s) first, then the test file. */
typedef struct pb_raw_images {
    size_t n;              /* samples */
    size_t dim;            /* bytes (pixels x channels) per sample */
    unsigned char *pix;    /* n x dim */
    int *cls;              /* n class indices, 0..PB_IMAGE_CLASSES-1 */
} pb_raw_images;

void pb_raw_images_free(pb_raw_images *raw);

/* printf-style message into err (truncated to err_len; err may be NULL).
 * Always returns -1 so that callers can write `return pb_data_errf(...)`. */
int pb_data_errf(char *err, size_t err_len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* 1 when path names an existing directory, else 0. */
int pb_data_is_dir(const char *path);
/* 1 when path names an existing regular file, else 0. */
int pb_data_is_file(const char *path);

/* ---- IDX (MNIST format), data_idx.c ---------------------------------- */

/* One IDX image file (magic 0x00000803): n images of rows x cols bytes.
 * *pix is malloc'd (n*rows*cols bytes).  gzip'd or plain. */
int pb_idx_read_images(const char *path, size_t *n, size_t *rows,
                       size_t *cols, unsigned char **pix, char *err,
                       size_t err_len);
/* One IDX label file (magic 0x00000801): n bytes, each checked to be
 * below PB_IMAGE_CLASSES.  *labels is malloc'd. */
int pb_idx_read_labels(const char *path, size_t *n, unsigned char **labels,
                       char *err, size_t err_len);
/* train-{images-idx3,labels-idx1}-ubyte then t10k-..., each DIR/NAME.gz
 * when it exists, else DIR/NAME; the train and test images must have the
 * same shape. */
int pb_idx_load_dir(const char *dir, pb_raw_images *out, char *err,
                    size_t err_len);

/* Headers only: the number of samples of the train and test image files
 * together and their pixels per image, with the same files and checks as
 * pb_idx_load_dir, without reading the pixels. */
int pb_idx_probe_dir(const char *dir, size_t *n, size_t *dim, char *err,
                     size_t err_len);

/* ---- CIFAR-10 binary batches, data_cifar.c --------------------------- */

#define PB_CIFAR_PIXELS 3072              /* 3 channels x 32 x 32, CHW */
#define PB_CIFAR_RECORD (1 + PB_CIFAR_PIXELS)

/* data_batch_1.bin .. data_batch_5.bin then test_batch.bin from DIR, or
 * from DIR/cifar-10-batches-bin when DIR holds no data_batch_1.bin.  Any
 * positive whole number of records per file is accepted (the official
 * files hold 10000 each). */
int pb_cifar10_load_dir(const char *dir, pb_raw_images *out, char *err,
                        size_t err_len);

/* Sizes only: the records of the six files, as pb_cifar10_load_dir finds
 * and checks them, without reading them. */
int pb_cifar10_probe_dir(const char *dir, size_t *n, char *err,
                         size_t err_len);

/* ---- synthetic sets, data_synth.c ------------------------------------ */

/* kind is "random", "stripe" or "sphere"; fills out (name left alone). */
int pb_synth_make(const char *kind, size_t d, size_t n, uint64_t seed,
                  pb_pool *out, char *err, size_t err_len);

/* ---- preprocessing, data_prep.c -------------------------------------- */

/* What the PCA found; all optional outputs of pb_prep_images. */
typedef struct pb_pca_info {
    size_t d, dim;
    double *components;  /* d x dim row-major, unit rows, largest first */
    double *eigvals;     /* d eigenvalues of the covariance, descending */
    double scale;        /* 1/sqrt(mean of eigvals), applied to every
                            component */
} pb_pca_info;

void pb_pca_info_free(pb_pca_info *info);

/* The authors' preprocessing of an image pool (docs/physics.md section 6):
 * centre each pixel over the pool, rescale each sample to norm sqrt(dim)
 * (a zero vector stays zero); then, when d > 0, PCA to d components scaled
 * by 1/sqrt(mean of the top-d eigenvalues).  *x_out is malloc'd, n x d
 * (n x dim when d == 0).  pca may be NULL; when given and d > 0 it receives
 * the components and eigenvalues (free with pb_pca_info_free). */
int pb_prep_images(const pb_raw_images *raw, size_t d, double **x_out,
                   pb_pca_info *pca, char *err, size_t err_len);

#endif
