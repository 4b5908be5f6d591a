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
 * and again for the projection, so CIFAR-10 needs tens of MB, not 1.5 GB. */
#include "data_readers.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* About 32 MB of doubles per chunk: large enough for dsyrk to run near
 * peak, small next to the byte pool.  Depends only on D, so results do
 * not depend on anything but the data. */
static size_t chunk_rows(size_t dim)
{
    size_t rows = ((size_t)32 << 20) / (dim * sizeof(double));
    return rows < 256 ? 256 : rows;
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

/* The eigenvector's sign is arbitrary and LAPACK builds disagree on it:
 * make the component of largest magnitude (first one on ties) positive. */
static void fix_sign(double *v, size_t dim)
{
    size_t at = 0;
    for (size_t j = 1; j < dim; j++)
        if (fabs(v[j]) > fabs(v[at]))
            at = j;
    if (v[at] < 0.0)
        for (size_t j = 0; j < dim; j++)
            v[j] = -v[j];
}

/* Top-d eigenpairs of the covariance (upper triangle of the row-major
 * cov), largest first, into comps (d x dim) and vals (d). */
static int top_eigen(double *cov, size_t dim, size_t d, double *comps,
                     double *vals, char *err, size_t err_len)
{
    /* Row-major upper is column-major lower: handing LAPACK the
     * column-major view avoids LAPACKE's transposed copies. */
    double *w = malloc(dim * sizeof *w);
    double *z = malloc(dim * d * sizeof *z);
    lapack_int *isuppz = malloc(2 * d * sizeof *isuppz);
    lapack_int m = 0;
    int rc = -1;
    if (!w || !z || !isuppz) {
        pb_data_errf(err, err_len, "PCA: out of memory for %zu x %zu "
                     "eigenvectors", dim, d);
        goto done;
    }
    lapack_int n = (lapack_int)dim;
    lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'L', n, cov,
                                     n, 0.0, 0.0, n - (lapack_int)d + 1, n,
                                     0.0, &m, w, z, n, isuppz);
    if (info != 0 || (size_t)m != d) {
        pb_data_errf(err, err_len,
                     "PCA: LAPACKE_dsyevr failed (info %d, %d of %zu "
                     "eigenvalues found) on the %zu x %zu covariance",
                     (int)info, (int)m, d, dim, dim);
        goto done;
    }
    /* dsyevr returns ascending eigenvalues, column k of z for w[k]. */
    for (size_t k = 0; k < d; k++) {
        size_t src = d - 1 - k;
        vals[k] = w[src];
        memcpy(comps + k * dim, z + src * dim, dim * sizeof *comps);
        fix_sign(comps + k * dim, dim);
    }
    rc = 0;
done:
    free(w);
    free(z);
    free(isuppz);
    return rc;
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
    double *vals = malloc(d * sizeof *vals);
    double *x = malloc(n * d * sizeof *x);
    int rc = -1;
    int blas_threads = 0;
    if (!mu || !z || !cov || !comps || !vals || !x) {
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

    /* One OpenBLAS thread for the whole PCA: the partial sums, and so the
     * last bits of every input, would otherwise depend on the core count,
     * and a reference run must give the same bytes on any machine. */
    blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);

    /* cov = Z^T Z / n, upper triangle, accumulated over chunks. */
    for (size_t i0 = 0; i0 < n; i0 += ch) {
        size_t k = n - i0 < ch ? n - i0 : ch;
        build_chunk(raw, mean, mu, i0, k, z);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)dim,
                    (blasint)k, 1.0 / (double)n, z, (blasint)dim, 1.0, cov,
                    (blasint)dim);
    }

    if (top_eigen(cov, dim, d, comps, vals, err, err_len) != 0)
        goto done;
    double mean_val = 0.0;
    for (size_t k = 0; k < d; k++)
        mean_val += vals[k];
    mean_val /= (double)d;
    if (!(mean_val > 0.0)) {
        pb_data_errf(err, err_len,
                     "PCA: the top %zu eigenvalues of the covariance have "
                     "mean %g; the pool has no variance to project",
                     d, mean_val);
        goto done;
    }
    double scale = 1.0 / sqrt(mean_val);

    for (size_t i0 = 0; i0 < n; i0 += ch) {
        size_t k = n - i0 < ch ? n - i0 : ch;
        build_chunk(raw, mean, mu, i0, k, z);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)k,
                    (blasint)d, (blasint)dim, scale, z, (blasint)dim, comps,
                    (blasint)dim, 0.0, x + i0 * d, (blasint)d);
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
    if (blas_threads > 0)
        openblas_set_num_threads(blas_threads);
    free(mu);
    free(z);
    free(cov);
    free(comps);
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
    /* LAPACK and BLAS take 32-bit sizes here. */
    if (raw->dim > (size_t)1 << 20 || raw->n > (size_t)1 << 30)
        return pb_data_errf(err, err_len,
                            "preprocessing: pool of %zu x %zu exceeds the "
                            "supported 2^30 samples x 2^20 features",
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
