/* The authors' preprocessing of image pools (docs/physics.md section 6):
 *   1. subtract the per-pixel mean over the pool, rescale every sample to
 *      Euclidean norm sqrt(D);
 *   2. PCA (d > 0): covariance of the step-1 data over the pool, projection
 *      on the top-d eigenvectors, every component times
 *      1/sqrt(mean of the top-d eigenvalues).
 *
 * After step 1 the pool is no longer exactly centred (each sample was
 * scaled by its own factor), so step 2 subtracts the step-1 mean again,
 * as the authors' pca() does; that is what makes E||x||^2 = d exactly.
 *
 * The double-precision pool is never held whole when d > 0: samples are
 * rebuilt from the bytes chunk by chunk (cheap, O(nD)) for the covariance
 * and again for the projection, so CIFAR-10 needs tens of MB, not 1.5 GB.
 *
 * No BLAS or LAPACK here: the covariance, the eigen-decomposition and the
 * projection run in a fixed summation order (symeig.h), so the prepared
 * inputs have the same bits on every x86-64 CPU, whatever OpenBLAS kernel
 * or thread count the machine would pick. */
#include "data_readers.h"
#include "symeig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* About 2 MB of doubles per chunk, so a chunk and its packed copy stay in
 * the last-level cache.  The chunk size changes no result: every sum runs
 * over the samples in pool order across chunks. */
static size_t chunk_rows(size_t dim)
{
    size_t rows = ((size_t)2 << 20) / (dim * sizeof(double));
    return rows < 64 ? 64 : rows;
}

/* Step 1 for sample i into row[0..dim). */
static void centre_normalise(const pb_raw_images *raw, const double *mean,
                             size_t i, double *row)
{
    const unsigned char *p = raw->pix + i * raw->dim;
    double ss = 0.0;
    for (size_t j = 0; j < raw->dim; j++) {
        row[j] = (double)p[j] - mean[j];
        ss += row[j] * row[j];
    }
    if (ss > 0.0) {
        double s = sqrt((double)raw->dim) / sqrt(ss);
        for (size_t j = 0; j < raw->dim; j++)
            row[j] *= s;
    }
}

/* Step 1 for samples [i0, i0 + k), minus the step-1 pool mean mu. */
static void build_chunk(const pb_raw_images *raw, const double *mean,
                        const double *mu, size_t i0, size_t k, double *z)
{
    for (size_t r = 0; r < k; r++) {
        double *row = z + r * raw->dim;
        centre_normalise(raw, mean, i0 + r, row);
        for (size_t j = 0; j < raw->dim; j++)
            row[j] -= mu[j];
    }
}

/* Per-pixel mean over the pool; integer sums make it exact and
 * independent of the summation order. */
static int pixel_mean(const pb_raw_images *raw, double *mean)
{
    uint64_t *sum = calloc(raw->dim, sizeof *sum);
    if (!sum)
        return -1;
    for (size_t i = 0; i < raw->n; i++) {
        const unsigned char *p = raw->pix + i * raw->dim;
        for (size_t j = 0; j < raw->dim; j++)
            sum[j] += p[j];
    }
    for (size_t j = 0; j < raw->dim; j++)
        mean[j] = (double)sum[j] / (double)raw->n;
    free(sum);
    return 0;
}

void pb_pca_info_free(pb_pca_info *info)
{
    if (!info)
        return;
    free(info->components);
    free(info->eigvals);
    memset(info, 0, sizeof *info);
}

static int prep_raw_only(const pb_raw_images *raw, const double *mean,
                         double **x_out, char *err, size_t err_len)
{
    double *x = malloc(raw->n * raw->dim * sizeof *x);
    if (!x)
        return pb_data_errf(err, err_len,
                            "preprocessing: out of memory for %zu x %zu "
                            "doubles",
                            raw->n, raw->dim);
    for (size_t i = 0; i < raw->n; i++)
        centre_normalise(raw, mean, i, x + i * raw->dim);
    *x_out = x;
    return 0;
}

/* Projection of samples [i0, i0 + k) (rows of z) on the d components,
 * times scale, into x: element (i, c) sums z_ij comps_cj over j in order;
 * the loop over c (comps transposed to ct, dim x d) vectorises. */
static void project_chunk(const double *z, size_t k, size_t dim, const double *ct, size_t d,
                          double scale, double *acc, double *x)
{
    for (size_t r = 0; r < k; r++) {
        const double *zr = z + r * dim;
        for (size_t c = 0; c < d; c++)
            acc[c] = 0.0;
        for (size_t j = 0; j < dim; j++) {
            const double zj = zr[j];
            const double *cj = ct + j * d;
            for (size_t c = 0; c < d; c++)
                acc[c] += zj * cj[c];
        }
        for (size_t c = 0; c < d; c++)
            x[r * d + c] = scale * acc[c];
    }
}

static int prep_pca(const pb_raw_images *raw, const double *mean, size_t d,
                    double **x_out, pb_pca_info *pca, char *err,
                    size_t err_len)
{
    const size_t n = raw->n, dim = raw->dim, ch = chunk_rows(dim);
    const size_t zrows = ch < n ? ch : n;
    double *mu = calloc(dim, sizeof *mu);
    double *z = malloc(zrows * dim * sizeof *z);
    double *cov = calloc(dim * dim, sizeof *cov);
    double *comps = malloc(d * dim * sizeof *comps);
    double *ct = malloc(d * dim * sizeof *ct);
    double *acc = malloc(d * sizeof *acc);
    double *vals = malloc(d * sizeof *vals);
    double *x = malloc(n * d * sizeof *x);
    int rc = -1;
    if (!mu || !z || !cov || !comps || !ct || !acc || !vals || !x) {
        pb_data_errf(err, err_len,
                     "PCA: out of memory (pool %zu x %zu, covariance %zu x "
                     "%zu)",
                     n, dim, dim, dim);
        goto done;
    }

    for (size_t i = 0; i < n; i++) {
        centre_normalise(raw, mean, i, z);
        for (size_t j = 0; j < dim; j++)
            mu[j] += z[j];
    }
    for (size_t j = 0; j < dim; j++)
        mu[j] /= (double)n;

    /* cov = Z^T Z / n, upper triangle, summed over the samples in order. */
    for (size_t i0 = 0; i0 < n; i0 += ch) {
        size_t k = n - i0 < ch ? n - i0 : ch;
        build_chunk(raw, mean, mu, i0, k, z);
        if (pb_gram_upper_add(z, k, dim, cov) != 0) {
            pb_data_errf(err, err_len, "PCA: out of memory for the covariance");
            goto done;
        }
    }
    const double inv_n = 1.0 / (double)n;
    for (size_t j = 0; j < dim; j++)
        for (size_t l = j; l < dim; l++)
            cov[j * dim + l] *= inv_n;

    size_t rank = 0;
    char why[256] = "";
    if (pb_sym_top_eigen(cov, dim, d, vals, comps, &rank, why, sizeof why) != 0) {
        pb_data_errf(err, err_len, "PCA: %s", why);
        goto done;
    }
    if (d > rank) {
        pb_data_errf(err, err_len,
                     "PCA: d = %zu exceeds the rank %zu of the pool's covariance (%zu "
                     "samples of dimension %zu): %zu of the inputs would be identically "
                     "zero; use d <= %zu",
                     d, rank, n, dim, d - rank, rank);
        goto done;
    }
    double mean_val = 0.0;
    for (size_t k = 0; k < d; k++)
        mean_val += vals[k];
    mean_val /= (double)d;
    double scale = 1.0 / sqrt(mean_val);

    for (size_t j = 0; j < dim; j++)
        for (size_t c = 0; c < d; c++)
            ct[j * d + c] = comps[c * dim + j];
    for (size_t i0 = 0; i0 < n; i0 += ch) {
        size_t k = n - i0 < ch ? n - i0 : ch;
        build_chunk(raw, mean, mu, i0, k, z);
        project_chunk(z, k, dim, ct, d, scale, acc, x + i0 * d);
    }

    if (pca) {
        pca->d = d;
        pca->dim = dim;
        pca->components = comps;
        pca->eigvals = vals;
        pca->scale = scale;
        comps = NULL;
        vals = NULL;
    }
    *x_out = x;
    x = NULL;
    rc = 0;
done:
    free(mu);
    free(z);
    free(cov);
    free(comps);
    free(ct);
    free(acc);
    free(vals);
    free(x);
    return rc;
}

int pb_prep_images(const pb_raw_images *raw, size_t d, double **x_out,
                   pb_pca_info *pca, char *err, size_t err_len)
{
    *x_out = NULL;
    if (pca)
        memset(pca, 0, sizeof *pca);
    if (!raw || raw->n == 0 || raw->dim == 0 || !raw->pix)
        return pb_data_errf(err, err_len, "preprocessing: empty pool");
    if (d > raw->dim)
        return pb_data_errf(err, err_len,
                            "PCA: d = %zu exceeds the raw dimension D = %zu",
                            d, raw->dim);
    if (raw->n > SIZE_MAX / sizeof(double) / raw->dim)
        return pb_data_errf(err, err_len, "preprocessing: pool of %zu x %zu "
                            "is too large", raw->n, raw->dim);
    /* The covariance is D x D doubles: 2^15 pixels (8 GiB) is far past any
     * image set phasebench reads. */
    if (raw->dim > (size_t)1 << 15 || raw->n > (size_t)1 << 30)
        return pb_data_errf(err, err_len,
                            "preprocessing: pool of %zu x %zu exceeds the "
                            "supported 2^30 samples x 2^15 features",
                            raw->n, raw->dim);
    double *mean = malloc(raw->dim * sizeof *mean);
    if (!mean || pixel_mean(raw, mean) != 0) {
        free(mean);
        return pb_data_errf(err, err_len, "preprocessing: out of memory");
    }
    int rc = d == 0 ? prep_raw_only(raw, mean, x_out, err, err_len)
                    : prep_pca(raw, mean, d, x_out, pca, err, err_len);
    free(mean);
    return rc;
}
