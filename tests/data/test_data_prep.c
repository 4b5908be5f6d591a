/* Preprocessing of image pools (docs/physics.md section 6): centring, per-sample
 * norm sqrt(D), PCA with the authors' scaling, sign convention, and a known
 * dominant direction recovered. */
#include "data.h"
#include "data_readers.h"
#include "pb_test.h"
#include "rng.h"

#include <string.h>

/* A raw pool with malloc'd buffers, for pb_raw_images_free. */
static pb_raw_images make_raw(size_t n, size_t dim)
{
    pb_raw_images r;
    r.n = n;
    r.dim = dim;
    r.pix = calloc(n * dim, 1);
    r.cls = calloc(n, sizeof *r.cls);
    return r;
}

static unsigned char rand_byte(uint64_t seed, uint64_t i)
{
    return (unsigned char)pb_rng_below(seed, 5000, i, 256);
}

/* Samples come in pairs (p, 255 - p): the pool mean is 127.5 and the two
 * centred samples are opposite, so their norms agree and the per-pixel
 * mean stays zero after the per-sample rescaling (in general it does not:
 * each sample gets its own factor). */
static void test_centre_normalise(void)
{
    const size_t n = 40, dim = 12;
    pb_raw_images raw = make_raw(n, dim);
    for (size_t i = 0; i < n; i += 2)
        for (size_t j = 0; j < dim; j++) {
            unsigned char v = rand_byte(1, i * dim + j);
            raw.pix[i * dim + j] = v;
            raw.pix[(i + 1) * dim + j] = (unsigned char)(255 - v);
        }
    double *x = NULL;
    char err[256] = "";
    CHECK_MSG(pb_prep_images(&raw, 0, &x, NULL, err, sizeof err) == 0, "%s",
              err);
    if (x) {
        for (size_t j = 0; j < dim; j++) {
            double m = 0;
            for (size_t i = 0; i < n; i++)
                m += x[i * dim + j];
            CHECK_CLOSE(m / (double)n, 0.0, 1e-13);
        }
        for (size_t i = 0; i < n; i++) {
            double ss = 0;
            for (size_t j = 0; j < dim; j++)
                ss += x[i * dim + j] * x[i * dim + j];
            CHECK_CLOSE(ss, (double)dim, 1e-13);
        }
        /* Direction kept: sample 0 is its centred pixels times a positive
         * factor. */
        double f = x[0] / ((double)raw.pix[0] - 127.5);
        CHECK(f > 0);
        for (size_t j = 0; j < dim; j++)
            CHECK_CLOSE(x[j], f * ((double)raw.pix[j] - 127.5), 1e-12);
    }
    free(x);
    pb_raw_images_free(&raw);
}

/* A sample equal to the pool mean centres to zero and must stay zero, not
 * become NaN. */
static void test_zero_sample(void)
{
    pb_raw_images raw = make_raw(3, 4);
    const unsigned char a[4] = {10, 20, 30, 40}, b[4] = {50, 0, 90, 40};
    for (size_t j = 0; j < 4; j++) {
        raw.pix[j] = a[j];
        raw.pix[4 + j] = b[j];
        raw.pix[8 + j] = (unsigned char)((a[j] + b[j]) / 2);
    }
    double *x = NULL;
    char err[256] = "";
    CHECK(pb_prep_images(&raw, 0, &x, NULL, err, sizeof err) == 0);
    if (x) {
        for (size_t j = 0; j < 4; j++)
            CHECK(x[8 + j] == 0.0);
        double ss = 0;
        for (size_t j = 0; j < 4; j++)
            ss += x[j] * x[j];
        CHECK_CLOSE(ss, 4.0, 1e-13);
    }
    free(x);
    pb_raw_images_free(&raw);
}

static void test_pca_properties(void)
{
    const size_t n = 500, dim = 30, d = 6;
    pb_raw_images raw = make_raw(n, dim);
    /* Correlated pixels: a few random smooth patterns plus noise, so the
     * spectrum has distinct eigenvalues. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++) {
            double v = 128;
            for (int k = 0; k < 4; k++)
                v += (40.0 / (k + 1)) * pb_rng_normal(2, 6000 + k, i) *
                     cos(0.3 * (k + 1) * (double)j + k);
            v += 8 * pb_rng_normal(2, 6100, i * dim + j);
            raw.pix[i * dim + j] =
                (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    double *x = NULL, *x0 = NULL, *again = NULL;
    pb_pca_info info;
    char err[256] = "";
    CHECK_MSG(pb_prep_images(&raw, d, &x, &info, err, sizeof err) == 0, "%s",
              err);
    CHECK(pb_prep_images(&raw, 0, &x0, NULL, err, sizeof err) == 0);
    CHECK(pb_prep_images(&raw, d, &again, NULL, err, sizeof err) == 0);
    if (!x || !x0 || !again)
        goto done;
    CHECK(info.d == d && info.dim == dim);
    CHECK(memcmp(x, again, n * d * sizeof *x) == 0);

    /* E||x||^2 = d, each component centred, components uncorrelated with
     * variances lambda_k / mean(lambda), descending. */
    double lmean = 0;
    for (size_t k = 0; k < d; k++)
        lmean += info.eigvals[k] / (double)d;
    CHECK_CLOSE(info.scale, 1.0 / sqrt(lmean), 1e-14);
    double ss = 0;
    for (size_t i = 0; i < n * d; i++)
        ss += x[i] * x[i];
    CHECK_CLOSE(ss / (double)n, (double)d, 1e-10);
    for (size_t k = 0; k < d; k++) {
        if (k + 1 < d)
            CHECK(info.eigvals[k] >= info.eigvals[k + 1]);
        for (size_t l = 0; l < d; l++) {
            double c = 0, m = 0;
            for (size_t i = 0; i < n; i++) {
                c += x[i * d + k] * x[i * d + l] / (double)n;
                m += x[i * d + k] / (double)n;
            }
            double want = k == l ? info.eigvals[k] / lmean : 0.0;
            CHECK_CLOSE(c, want, 1e-9);
            if (l == 0)
                CHECK_CLOSE(m, 0.0, 1e-12);
        }
    }

    /* Components orthonormal, with the sign convention. */
    for (size_t k = 0; k < d; k++) {
        const double *v = info.components + k * dim;
        size_t at = 0;
        for (size_t j = 1; j < dim; j++)
            if (fabs(v[j]) > fabs(v[at]))
                at = j;
        CHECK(v[at] > 0);
        for (size_t l = 0; l < d; l++) {
            double dot = 0;
            for (size_t j = 0; j < dim; j++)
                dot += v[j] * info.components[l * dim + j];
            CHECK_CLOSE(dot, k == l ? 1.0 : 0.0, 1e-12);
        }
    }

    /* x = scale * (z - mean z) . v, with z the d = 0 output. */
    double mu[30] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++)
            mu[j] += x0[i * dim + j] / (double)n;
    for (size_t i = 0; i < n; i += 97)
        for (size_t k = 0; k < d; k++) {
            double p = 0;
            for (size_t j = 0; j < dim; j++)
                p += (x0[i * dim + j] - mu[j]) * info.components[k * dim + j];
            CHECK_CLOSE(x[i * d + k], info.scale * p, 1e-11);
        }

    /* d == D: a full rotation keeps E||x||^2 = D. */
    free(again);
    again = NULL;
    CHECK(pb_prep_images(&raw, dim, &again, NULL, err, sizeof err) == 0);
    if (again) {
        ss = 0;
        for (size_t i = 0; i < n * dim; i++)
            ss += again[i] * again[i];
        CHECK_CLOSE(ss / (double)n, (double)dim, 1e-10);
    }
done:
    free(x);
    free(x0);
    free(again);
    pb_pca_info_free(&info);
    pb_raw_images_free(&raw);
}

/* Pixels = 128 + t_i u + small noise: the first principal direction is
 * u / |u| and the first component follows the sign of t_i. */
static void test_pca_dominant_direction(void)
{
    const size_t n = 400, dim = 25;
    double u[25], unorm = 0;
    for (size_t j = 0; j < dim; j++) {
        u[j] = 90.0 * sin(0.7 * (double)j + 0.4);
        unorm += u[j] * u[j];
    }
    unorm = sqrt(unorm);
    pb_raw_images raw = make_raw(n, dim);
    double t[400];
    for (size_t i = 0; i < n; i++) {
        double mag = 0.5 + 0.5 * pb_rng_uniform(3, 7000, i);
        t[i] = i % 2 ? -mag : mag;
        for (size_t j = 0; j < dim; j++) {
            double v = 128 + t[i] * u[j] +
                       3 * pb_rng_normal(3, 7001, i * dim + j);
            raw.pix[i * dim + j] =
                (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    double *x = NULL;
    pb_pca_info info;
    char err[256] = "";
    CHECK_MSG(pb_prep_images(&raw, 2, &x, &info, err, sizeof err) == 0, "%s",
              err);
    if (x) {
        double dot = 0;
        for (size_t j = 0; j < dim; j++)
            dot += info.components[j] * u[j] / unorm;
        CHECK_MSG(fabs(dot) > 0.995, "|<v0, u>| = %g", fabs(dot));
        /* The largest |u_j| is well separated: the sign convention makes
         * v0 point along +u there. */
        size_t at = 0;
        for (size_t j = 1; j < dim; j++)
            if (fabs(u[j]) > fabs(u[at]))
                at = j;
        double su = u[at] > 0 ? 1.0 : -1.0;
        CHECK_MSG(su * dot > 0.995, "v0 . u = %g, sign convention", dot);
        CHECK(info.eigvals[0] > 20 * info.eigvals[1]);
        size_t agree = 0;
        for (size_t i = 0; i < n; i++)
            agree += (x[i * 2] * su * t[i] > 0);
        CHECK_MSG(agree == n, "%zu of %zu first components follow t", agree,
                  n);
    }
    free(x);
    pb_pca_info_free(&info);
    pb_raw_images_free(&raw);
}

static void test_errors(void)
{
    pb_raw_images raw = make_raw(10, 8);
    double *x = NULL;
    char err[256] = "";
    CHECK(pb_prep_images(&raw, 9, &x, NULL, err, sizeof err) == -1);
    CHECK(x == NULL);
    CHECK(strstr(err, "d = 9") && strstr(err, "D = 8"));
    /* A constant pool has no variance: an error, not NaNs. */
    memset(raw.pix, 77, 80);
    CHECK(pb_prep_images(&raw, 2, &x, NULL, err, sizeof err) == -1);
    CHECK(x == NULL);
    CHECK(strstr(err, "variance") != NULL);
    pb_raw_images_free(&raw);
    pb_raw_images empty = {0, 0, NULL, NULL};
    CHECK(pb_prep_images(&empty, 0, &x, NULL, err, sizeof err) == -1);
}

/* PCA to more components than the covariance's rank would make inputs that
 * are identically zero: refused with the rank.  The rank is at most n - 1
 * (centring) and is lowered further by pixels that never vary. */
static void test_pca_rank(void)
{
    const size_t n = 20, dim = 16;
    pb_raw_images raw = make_raw(n, dim);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dim; j++)
            raw.pix[i * dim + j] = j < 10 ? rand_byte(11, i * dim + j) : 77; /* 6 constant pixels */
    double *x = NULL;
    char err[512] = "";
    /* Per-sample normalisation keeps a constant pixel constant only up to
     * each sample's scale, which is one more direction: rank <= 10 + 1 - 1. */
    CHECK(pb_prep_images(&raw, 12, &x, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "exceeds the rank") != NULL, "%s", err);
    printf("expected failure: %s\n", err);
    free(x);
    x = NULL;
    CHECK_MSG(pb_prep_images(&raw, 5, &x, NULL, err, sizeof err) == 0, "%s", err);
    free(x);
    pb_raw_images_free(&raw);

    /* Fewer samples than pixels: rank n - 1. */
    raw = make_raw(12, 36);
    for (size_t i = 0; i < 12 * 36; i++)
        raw.pix[i] = rand_byte(12, i);
    x = NULL;
    CHECK(pb_prep_images(&raw, 30, &x, NULL, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "rank 11") != NULL, "%s", err);
    free(x);
    x = NULL;
    CHECK_MSG(pb_prep_images(&raw, 11, &x, NULL, err, sizeof err) == 0, "%s", err);
    free(x);
    pb_raw_images_free(&raw);
}

int main(void)
{
    test_pca_rank();
    test_centre_normalise();
    test_zero_sample();
    test_pca_properties();
    test_pca_dominant_direction();
    test_errors();
    return pb_test_done("test_data_prep");
}
