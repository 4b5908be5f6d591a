/* Datasets: raw readers, the authors' preprocessing (docs/physics.md section 6) and
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
    char name[64];      /* dataset spec as given, e.g. "fashion" (cut to
                           63 characters) */
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
    int *cls;           /* class index of each sample, for per-class stats */
    size_t *idx;        /* pool index of each sample: which inputs were used */
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
 * names the file, the byte offset and what was expected.
 *
 * Image sets (n_classes 10, class = the file's label):
 *   IDX: DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte, each NAME.gz if
 *   present, else NAME.  CIFAR-10: DIR/data_batch_{1..5}.bin and
 *   DIR/test_batch.bin, or the same under DIR/cifar-10-batches-bin/; any
 *   whole number of 3073-byte records per file.  The pool is the train
 *   file(s) then the test file.  Pixels (0..255) are centred per pixel over
 *   the pool and each sample is scaled to norm sqrt(D) (a zero vector stays
 *   zero); with d > 0 the pool is then re-centred, projected on the top-d
 *   eigenvectors of its covariance (largest first; each eigenvector's
 *   largest-magnitude entry is made positive, so the signs are fixed)
 *   and scaled by 1/sqrt(mean of the top-d eigenvalues), which makes the pool mean of ||x||^2 exactly d.  d > D is an error.
 *   Cost: one D x D covariance (~21 GFLOP for Fashion-MNIST) and a
 *   Householder tridiagonalisation, in a fixed summation order
 *   (core/src/data/symeig.h): about 3 s of one core for Fashion-MNIST with
 *   d = 10.  The result has the same bits on every x86-64 CPU, whatever
 *   OpenBLAS core type, thread count or libm variant is in use.
 *   d above the numerical rank of the covariance is an error naming the
 *   rank (those inputs would be identically zero).
 *
 * Synthetic sets (n_classes 2, raw_dim = d) are used as generated: no
 * centring, no normalisation, no PCA.  x ~ N(0, I_d), element (i, j) being
 * draw i*d + j of stream PB_STREAM_DATA_X, so sample i does not depend on
 * n_synth.  Class 0 (y = +1) is:
 *   random   a fair coin per sample (stream PB_STREAM_DATA_Y, index i);
 *   stripe   -0.3 < x_0 < 1.18549 (the authors' bounds; P = 1/2).  The
 *            authors' code gives +1 to the outside instead: the two are
 *            the same problem up to y -> -y, a symmetry of the model;
 *   sphere   ||x||^2 < pb_chi2_median(d) (P = 1/2; the authors use the
 *            approximation d - 2/3). */
int pb_pool_load(const char *spec, size_t d, size_t n_synth, uint64_t seed,
                 pb_pool *out, char *err, size_t err_len);
void pb_pool_free(pb_pool *pool);

/* 1 + the index of a synthetic set (random, stripe, sphere) when spec
 * names one, 0 for any other spec (a file set, NULL). */
int pb_data_is_synthetic(const char *spec);

/* The check `train` and `run` (and `run --dry-run`) make before any work:
 * spec is a known dataset, its folder exists and is readable, its files
 * announce (headers and sizes only, nothing is decoded) at least n_needed
 * samples (ptr + pte + ptk) and a raw dimension D >= d; a synthetic set
 * needs d > 0 and must fit in memory (pb_memory_limit) together with the
 * split cut from it.  Returns 0, or -1 with the reason, naming the file,
 * the sizes and the limit, in err. */
int pb_data_check(const char *spec, size_t d, size_t n_needed, char *err, size_t err_len);

/* Bytes this process may allocate at most: the physical memory, or a lower
 * RLIMIT_AS / RLIMIT_DATA. */
double pb_memory_limit(void);

/* Class-balanced split: test (pte), kernel (ptk), then train (ptr) samples,
 * disjoint, chosen by seed.  Fails with a message when the pool is too
 * small.
 *
 * Scheme: the pool indices of each class c are shuffled with
 * pb_rng_shuffle(seed, PB_STREAM_SPLIT + c), then dealt round robin
 * (class 0, 1, ..., n_classes-1, 0, 1, ...; a class that has run out is
 * skipped) into one order, which is cut into the first pte (test), the next
 * ptk (kernel) and the next ptr (train) samples.  Every cut therefore holds
 * each class to within one sample while no class is exhausted, the sets
 * are disjoint, and the result is a pure function of (pool, seed, sizes).
 * Within a set, samples keep the interleaved order.
 *
 * The authors (docs/physics.md section 6.6) also interleave the classes, but permute
 * the pool with seed_testset + pte and reshuffle within class for each cut
 * with seed_kernelset + ptk and seed_trainset + ptr, using torch's RNG.
 * This scheme has the same properties (class-balanced, disjoint, seeded)
 * but is not bit-identical to theirs, and one seed drives all three cuts:
 * with a fixed seed, changing ptr alone keeps the test and kernel sets and
 * extends the train set. */
int pb_split_make(const pb_pool *pool, size_t ptr, size_t pte, size_t ptk,
                  uint64_t seed, pb_split *out, char *err, size_t err_len);
void pb_split_free(pb_split *split);

/* Median of the chi-square distribution with d degrees of freedom (0 for
 * d == 0): the root of P(d/2, m/2) = 1/2, P the regularised lower
 * incomplete gamma function (series / continued fraction to double
 * precision), found by bisection down to adjacent doubles.  The rounding
 * of the log-prefactor (terms of size d log d) sets the error: relative
 * error below 1e-15 for d <= 100, 2e-14 at d = 3072 and 1e-12 at d = 10^6
 * (checked against 40-digit arithmetic). */
double pb_chi2_median(size_t d);

#endif
