/* The fixed-order symmetric eigen-solver and Gram kernel (core/src/data/symeig.h)
 * against LAPACK's dsyevr and a plain triple loop, on matrices that stress
 * it: full rank with distinct eigenvalues, low rank (most eigenvalues 0),
 * exactly repeated eigenvalues, already diagonal or tridiagonal, and the
 * sizes 1 and 2.  Eigenvalues must agree with LAPACK within 1e-12 ||A||;
 * eigenvectors must have residual ||A u - lambda u|| <= 1e-11 ||A|| and be
 * orthonormal within 1e-11; the Gram kernel must give the same bits for any
 * split of the rows into chunks. */
#include "pb_test.h"
#include "rng.h"
#include "symeig.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A = sum_k s_k q_k q_k^T over r random vectors q_k (full symmetric). */
static double *make_matrix(size_t n, size_t r, int repeated, uint64_t seed)
{
    double *a = calloc(n * n, sizeof *a);
    double *q = malloc(n * sizeof *q);
    for (size_t k = 0; k < r; k++) {
        double s = repeated ? (k < r / 2 ? 2.0 : 1.0) : 1.0 + (double)k * 0.37;
        for (size_t i = 0; i < n; i++)
            q[i] = pb_rng_normal(seed, 7000 + k, i) / sqrt((double)n);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                a[i * n + j] += s * q[i] * q[j];
    }
    free(q);
    return a;
}

static void check_eigen(const char *what, const double *a, size_t n, size_t d,
                        size_t want_rank)
{
    double *work = malloc(n * n * sizeof *work), *vals = malloc(d * sizeof *vals);
    double *vecs = malloc(d * n * sizeof *vecs);
    char err[256] = "";
    size_t rank = 0;
    memcpy(work, a, n * n * sizeof *work);
    CHECK_MSG(pb_sym_top_eigen(work, n, d, vals, vecs, &rank, err, sizeof err) == 0, "%s: %s",
              what, err);
    double anorm = 0.0;
    for (size_t i = 0; i < n * n; i++)
        anorm = fmax(anorm, fabs(a[i]));
    anorm *= (double)n;
    if (anorm == 0.0)
        anorm = 1.0;
    /* LAPACK as the oracle of the eigenvalues. */
    double *lw = malloc(n * sizeof *lw), *lz = malloc(n * n * sizeof *lz);
    lapack_int *sup = malloc(2 * n * sizeof *sup), m = 0;
    memcpy(work, a, n * n * sizeof *work);
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'A', 'U', (lapack_int)n, work,
                                     (lapack_int)n, 0, 0, 0, 0, 0, &m, lw, lz, (lapack_int)n, sup);
    CHECK(info == 0);
    for (size_t k = 0; k < d; k++) {
        double ref = lw[n - 1 - k];
        CHECK_MSG(fabs(vals[k] - ref) <= 1e-12 * anorm, "%s: lambda_%zu = %.17g, LAPACK %.17g",
                  what, k, vals[k], ref);
        const double *u = vecs + k * n;
        double res = 0.0;
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t j = 0; j < n; j++)
                s += a[i * n + j] * u[j];
            res = fmax(res, fabs(s - vals[k] * u[i]));
        }
        CHECK_MSG(res <= 1e-11 * anorm, "%s: residual of pair %zu is %.3g (|A| %.3g)", what, k,
                  res, anorm);
        for (size_t l = 0; l <= k; l++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += u[i] * vecs[l * n + i];
            CHECK_MSG(fabs(s - (k == l ? 1.0 : 0.0)) <= 1e-11, "%s: <u_%zu, u_%zu> = %.3g", what,
                      k, l, s);
        }
        size_t at = 0;
        for (size_t i = 1; i < n; i++)
            if (fabs(u[i]) > fabs(u[at]))
                at = i;
        CHECK_MSG(u[at] > 0.0, "%s: sign convention of vector %zu", what, k);
    }
    if (want_rank != (size_t)-1)
        CHECK_MSG(rank == want_rank, "%s: rank %zu, expected %zu", what, rank, want_rank);
    free(work);
    free(vals);
    free(vecs);
    free(lw);
    free(lz);
    free(sup);
}

static void test_gram_chunks(void)
{
    const size_t n = 301, dim = 37;
    double *z = malloc(n * dim * sizeof *z);
    for (size_t i = 0; i < n * dim; i++)
        z[i] = pb_rng_normal(3, 7100, i);
    double *g1 = calloc(dim * dim, sizeof *g1), *g2 = calloc(dim * dim, sizeof *g2);
    CHECK(pb_gram_upper_add(z, n, dim, g1) == 0);
    for (size_t i0 = 0; i0 < n; i0 += 64)
        CHECK(pb_gram_upper_add(z + i0 * dim, n - i0 < 64 ? n - i0 : 64, dim, g2) == 0);
    CHECK(memcmp(g1, g2, dim * dim * sizeof *g1) == 0);
    /* Against the plain sum in the same order: the same bits. */
    int same = 1, lower_untouched = 1;
    for (size_t j = 0; j < dim; j++)
        for (size_t l = 0; l < dim; l++) {
            if (l < j) {
                lower_untouched &= g1[j * dim + l] == 0.0;
                continue;
            }
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += z[i * dim + j] * z[i * dim + l];
            same &= s == g1[j * dim + l];
        }
    CHECK_MSG(same, "Gram kernel differs from the ordered sum");
    CHECK(lower_untouched);
    free(z);
    free(g1);
    free(g2);
}

int main(void)
{
    test_gram_chunks();
    double *a = make_matrix(60, 60, 0, 1);
    check_eigen("full rank 60", a, 60, 10, 60);
    free(a);
    a = make_matrix(200, 7, 0, 2);
    check_eigen("rank 7 of 200", a, 200, 7, 7);
    free(a);
    a = make_matrix(80, 12, 1, 3);
    check_eigen("repeated eigenvalues", a, 80, 12, 12);
    free(a);
    a = calloc(50 * 50, sizeof *a);
    for (size_t i = 0; i < 50; i++)
        a[i * 50 + i] = (double)((i * 17) % 50);
    check_eigen("diagonal", a, 50, 50, 49);
    for (size_t i = 0; i + 1 < 50; i++)
        a[i * 50 + i + 1] = a[(i + 1) * 50 + i] = 0.5;
    check_eigen("tridiagonal", a, 50, 20, (size_t)-1);
    free(a);
    double one[1] = {3.0};
    check_eigen("1 x 1", one, 1, 1, 1);
    double two[4] = {2.0, 1.0, 1.0, 2.0};
    check_eigen("2 x 2", two, 2, 2, 2);
    double zero[9] = {0};
    check_eigen("zero", zero, 3, 1, 0);
    char err[128];
    double v[1], u[1];
    CHECK(pb_sym_top_eigen(one, 1, 2, v, u, NULL, err, sizeof err) == -1);
    return pb_test_done("test_symeig");
}
