/* Datasets: raw readers, the authors' preprocessing (PAPER.md section 3) and
 * class-balanced splits.
 *
 * A pool is the whole preprocessed dataset (train and test files merged,
 * centred, each input scaled to norm sqrt(D), optionally PCA-reduced);
 * a split cuts a pool into test, kernel and train sets by seed.  A battery
 * loads a pool once and splits it many times. */
#ifndef PB_DATA_H
#define PB_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct pb_pool {
    char name[64];      /* dataset spec as given, e.g. "fashion" */
    size_t n;           /* samples */
    size_t d;           /* features after preprocessing */
    size_t raw_dim;     /* D before PCA */
    int n_classes;      /* 10 for the image sets, 2 for the synthetic ones */
    double *x;          /* n x d row-major */
    int *cls;           /* class index per sample, 0..n_classes-1 */
    int synthetic;      /* 1 when generated, not read from files */
} pb_pool;

typedef struct pb_set {
    size_t n, d;
    double *x;          /* n x d row-major */
    double *y;          /* +1 for even class index, -1 for odd */
} pb_set;

typedef struct pb_split {
    pb_set train, test, kernel;
} pb_split;

/* Load and preprocess a pool.  spec is one of
 *   random | stripe | sphere              synthetic, needs d > 0 and n_synth
 *   fashion                               /usr/share/datasets/fashion-mnist
 *   fashion:DIR | mnist:DIR               IDX files, .gz or plain
 *   cifar10:DIR                           CIFAR-10 binary batches
 * d > 0 requests PCA to d components (image sets) or the input dimension
 * (synthetic sets); d == 0 keeps the raw dimension.  n_synth is the number
 * of samples generated for a synthetic set (ignored for files); seed drives
 * the synthetic generator.  On failure returns -1 and writes a message that
 * names the file, the byte offset and what was expected. */
int pb_pool_load(const char *spec, size_t d, size_t n_synth, uint64_t seed,
                 pb_pool *out, char *err, size_t err_len);
void pb_pool_free(pb_pool *pool);

/* Class-balanced split: test (pte), kernel (ptk), then train (ptr) samples,
 * disjoint, chosen by seed.  Fails with a message when the pool is too
 * small. */
int pb_split_make(const pb_pool *pool, size_t ptr, size_t pte, size_t ptk,
                  uint64_t seed, pb_split *out, char *err, size_t err_len);
void pb_split_free(pb_split *split);

#endif
