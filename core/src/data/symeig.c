/* Fixed-order symmetric linear algebra (symeig.h has the contract and the
 * references).  Every loop that sums runs over its terms in index order;
 * the inner loops that the compiler vectorises run across independent
 * outputs, so the vector width never changes a rounding. */
#include "symeig.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Build the Gram kernel for AVX2 as well as for the x86-64 baseline; the
 * loader picks by CPU.  Both clones compute the same bits (no FMA: the
 * build sets -ffp-contract=off, and avx2 alone does not enable FMA). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define PB_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PB_CLONES
#endif

/* ---- Gram matrix -------------------------------------------------------- */

#define PANEL 8 /* columns per packed panel: one AVX-512 or two AVX2 vectors */
#define JB 4    /* rows of G per micro-tile */

/* Tile of G: rows j0 .. j0+JB-1 (columns jo.. of panel a), columns
 * l0 .. l0+PANEL-1 (panel b).  Each of the JB x PANEL accumulators is
 * loaded from G, receives its k terms in row order, and is stored back:
 * the order of every element's sum is i = 0, 1, ..., k-1. */
PB_CLONES static void gram_tile(const double *a, size_t jo, const double *b, size_t k,
                                double *g, size_t dim, size_t j0, size_t l0)
{
    double acc[JB][PANEL];
    for (size_t r = 0; r < JB; r++)
        for (size_t c = 0; c < PANEL; c++) {
            size_t j = j0 + r, l = l0 + c;
            acc[r][c] = (j < dim && l < dim && l >= j) ? g[j * dim + l] : 0.0;
        }
    for (size_t i = 0; i < k; i++) {
        const double *ai = a + i * PANEL + jo;
        const double *bi = b + i * PANEL;
        for (size_t r = 0; r < JB; r++) {
            double s = ai[r];
            for (size_t c = 0; c < PANEL; c++)
                acc[r][c] += s * bi[c];
        }
    }
    for (size_t r = 0; r < JB; r++)
        for (size_t c = 0; c < PANEL; c++) {
            size_t j = j0 + r, l = l0 + c;
            if (j < dim && l < dim && l >= j)
                g[j * dim + l] = acc[r][c];
        }
}

int pb_gram_upper_add(const double *z, size_t k, size_t dim, double *g)
{
    if (k == 0 || dim == 0)
        return 0;
    const size_t np = (dim + PANEL - 1) / PANEL;
    /* Panel p holds columns [p PANEL, (p+1) PANEL) of all k rows, row by
     * row, zero-padded past dim: both operands of a tile stream
     * contiguously. */
    double *pk = malloc(np * k * PANEL * sizeof *pk);
    if (!pk)
        return -1;
    for (size_t p = 0; p < np; p++) {
        double *dst = pk + p * k * PANEL;
        for (size_t i = 0; i < k; i++)
            for (size_t c = 0; c < PANEL; c++) {
                size_t col = p * PANEL + c;
                dst[i * PANEL + c] = col < dim ? z[i * dim + col] : 0.0;
            }
    }
    for (size_t pj = 0; pj < np; pj++)
        for (size_t jo = 0; jo < PANEL; jo += JB)
            for (size_t pl = pj; pl < np; pl++)
                gram_tile(pk + pj * k * PANEL, jo, pk + pl * k * PANEL, k, g, dim,
                          pj * PANEL + jo, pl * PANEL);
    free(pk);
    return 0;
}

/* ---- Householder tridiagonalisation ------------------------------------- */

/* A (n x n, full symmetric, row-major) = Q T Q^T with T tridiagonal
 * (diagonal dg, off-diagonal e[0..n-2]) and Q = H_0 H_1 ... H_{n-3},
 * H_k = I - tau_k v_k v_k^T acting on indices k+1 .. n-1; v_k is left in
 * row k of A at columns k+1 .. n-1.  w is scratch of n doubles (two
 * halves of a 2n buffer). */
PB_CLONES static void tridiagonalise(double *a, size_t n, double *dg, double *e, double *tau,
                                     double *w)
{
    double *p = w, *q = w + n;
    for (size_t k = 0; k + 2 < n; k++) {
        const size_t m = n - k - 1;
        double *v = a + k * n + k + 1; /* x = A[k][k+1..]: the column, by symmetry */
        dg[k] = a[k * n + k];
        double amax = 0.0;
        for (size_t i = 0; i < m; i++)
            amax = fmax(amax, fabs(v[i]));
        if (amax == 0.0) {
            e[k] = 0.0;
            tau[k] = 0.0;
            continue;
        }
        /* Scaled norm: no overflow or underflow in the squares. */
        double ss = 0.0;
        for (size_t i = 0; i < m; i++) {
            double t = v[i] / amax;
            ss += t * t;
        }
        double norm = amax * sqrt(ss);
        double alpha = v[0] >= 0.0 ? -norm : norm;
        /* v = (x - alpha e_1) / amax: no cancellation by the sign choice,
         * and of order 1 however small x is (H does not depend on the scale
         * of v, but v^T v would underflow in the nearly zero trailing
         * blocks of a low-rank matrix). */
        v[0] -= alpha;
        double vtv = 0.0;
        for (size_t i = 0; i < m; i++) {
            v[i] /= amax;
            vtv += v[i] * v[i];
        }
        double t = 2.0 / vtv;
        tau[k] = t;
        e[k] = alpha;
        double *b = a + (k + 1) * n + (k + 1); /* trailing block, row stride n */
        /* p = t B v, as a sum of rows of B (B is symmetric): element r sums
         * over c in order, and the loop over r vectorises. */
        for (size_t r = 0; r < m; r++)
            p[r] = 0.0;
        for (size_t c = 0; c < m; c++) {
            const double *row = b + c * n;
            double vc = v[c];
            for (size_t r = 0; r < m; r++)
                p[r] += row[r] * vc;
        }
        double pv = 0.0;
        for (size_t r = 0; r < m; r++) {
            p[r] *= t;
            pv += p[r] * v[r];
        }
        double kk = 0.5 * t * pv;
        for (size_t r = 0; r < m; r++)
            q[r] = p[r] - kk * v[r];
        /* B -= v q^T + q v^T: both triangles, each element by the same
         * expression, so B stays exactly symmetric. */
        for (size_t r = 0; r < m; r++) {
            double *row = b + r * n;
            double vr = v[r], qr = q[r];
            for (size_t c = 0; c < m; c++)
                row[c] -= vr * q[c] + qr * v[c];
        }
    }
    if (n >= 2) {
        dg[n - 2] = a[(n - 2) * n + n - 2];
        e[n - 2] = a[(n - 2) * n + n - 1];
        tau[n - 2] = 0.0;
    }
    dg[n - 1] = a[(n - 1) * n + n - 1];
}

/* ---- Eigenvalues by bisection ------------------------------------------- */

/* Number of eigenvalues of T below x (Sturm sequence of the LDL^T
 * factorisation of T - x I); a pivot smaller than pivmin is replaced by
 * -pivmin, which counts it as negative and keeps the recurrence finite. */
static size_t sturm_count(const double *dg, const double *e2, size_t n, double x, double pivmin)
{
    size_t count = 0;
    double q = dg[0] - x;
    if (fabs(q) < pivmin)
        q = -pivmin;
    count += q < 0.0;
    for (size_t i = 1; i < n; i++) {
        q = dg[i] - x - e2[i - 1] / q;
        if (fabs(q) < pivmin)
            q = -pivmin;
        count += q < 0.0;
    }
    return count;
}

/* The m-th smallest eigenvalue (m = 0 .. n-1) by bisection of [lo, hi]
 * down to adjacent doubles. */
static double bisect(const double *dg, const double *e2, size_t n, size_t m, double lo,
                     double hi, double pivmin)
{
    for (int it = 0; it < 2200; it++) {
        double mid = 0.5 * lo + 0.5 * hi;
        if (mid <= lo || mid >= hi)
            break;
        if (sturm_count(dg, e2, n, mid, pivmin) <= m)
            lo = mid; /* at most m eigenvalues below mid: lambda_m >= mid */
        else
            hi = mid;
    }
    return 0.5 * lo + 0.5 * hi;
}

/* ---- Eigenvectors of T by inverse iteration ----------------------------- */

typedef struct tri_lu {
    double *u0, *u1, *u2, *mult;
    unsigned char *swap;
} tri_lu;

/* P (T - lambda I) = L U by Gaussian elimination with partial pivoting;
 * a pivot below tiny becomes tiny (inverse iteration wants the nearly
 * singular system, not a division by zero). */
static void tri_factor(const double *dg, const double *e, size_t n, double lambda, double tiny,
                       tri_lu *f)
{
    double act_a = dg[0] - lambda, act_b = n > 1 ? e[0] : 0.0;
    for (size_t k = 0; k + 1 < n; k++) {
        double c = e[k], a1 = dg[k + 1] - lambda, b1 = k + 2 < n ? e[k + 1] : 0.0;
        if (fabs(act_a) >= fabs(c)) {
            if (fabs(act_a) < tiny)
                act_a = act_a < 0.0 ? -tiny : tiny;
            f->swap[k] = 0;
            f->u0[k] = act_a;
            f->u1[k] = act_b;
            f->u2[k] = 0.0;
            double mu = c / act_a;
            f->mult[k] = mu;
            act_a = a1 - mu * act_b;
            act_b = b1;
        } else {
            f->swap[k] = 1;
            f->u0[k] = c;
            f->u1[k] = a1;
            f->u2[k] = b1;
            double mu = act_a / c;
            f->mult[k] = mu;
            act_a = act_b - mu * a1;
            act_b = -mu * b1;
        }
    }
    if (fabs(act_a) < tiny)
        act_a = act_a < 0.0 ? -tiny : tiny;
    f->u0[n - 1] = act_a;
}

/* x <- (T - lambda I)^{-1} x with the factors of tri_factor. */
static void tri_solve(const tri_lu *f, size_t n, double *x)
{
    double act = x[0];
    for (size_t k = 0; k + 1 < n; k++) {
        double nxt = x[k + 1];
        if (!f->swap[k]) {
            x[k] = act;
            act = nxt - f->mult[k] * act;
        } else {
            x[k] = nxt;
            act = act - f->mult[k] * nxt;
        }
    }
    x[n - 1] = act;
    x[n - 1] /= f->u0[n - 1];
    if (n >= 2)
        x[n - 2] = (x[n - 2] - f->u1[n - 2] * x[n - 1]) / f->u0[n - 2];
    for (size_t k = n >= 2 ? n - 2 : 0; k-- > 0;)
        x[k] = (x[k] - f->u1[k] * x[k + 1] - f->u2[k] * x[k + 2]) / f->u0[k];
}

static void normalise(double *x, size_t n)
{
    double amax = 0.0;
    for (size_t i = 0; i < n; i++)
        amax = fmax(amax, fabs(x[i]));
    if (amax == 0.0)
        return;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        x[i] /= amax;
        ss += x[i] * x[i];
    }
    double s = 1.0 / sqrt(ss);
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* Make the entry of largest magnitude (the first on ties) positive. */
static void fix_sign(double *v, size_t n)
{
    size_t at = 0;
    for (size_t j = 1; j < n; j++)
        if (fabs(v[j]) > fabs(v[at]))
            at = j;
    if (v[at] < 0.0)
        for (size_t j = 0; j < n; j++)
            v[j] = -v[j];
}

int pb_sym_top_eigen(double *a, size_t n, size_t d, double *vals, double *vecs,
                     size_t *rank_out, char *err, size_t err_len)
{
    if (n == 0 || d == 0 || d > n) {
        snprintf(err, err_len, "eigen-decomposition: %zu eigenpairs of a %zu x %zu matrix", d,
                 n, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) /* mirror the upper triangle */
        for (size_t j = 0; j < i; j++)
            a[i * n + j] = a[j * n + i];
    double *dg = malloc(n * sizeof *dg), *e = calloc(n, sizeof *e);
    double *e2 = calloc(n, sizeof *e2), *tau = calloc(n, sizeof *tau);
    double *w = malloc(2 * n * sizeof *w), *ys = malloc(d * n * sizeof *ys);
    tri_lu f = {malloc(n * sizeof(double)), malloc(n * sizeof(double)),
                malloc(n * sizeof(double)), malloc(n * sizeof(double)), malloc(n)};
    int rc = -1;
    if (!dg || !e || !e2 || !tau || !w || !ys || !f.u0 || !f.u1 || !f.u2 || !f.mult ||
        !f.swap) {
        snprintf(err, err_len, "eigen-decomposition: out of memory for n = %zu", n);
        goto done;
    }
    tridiagonalise(a, n, dg, e, tau, w);

    /* Gershgorin interval of T and its norm. */
    double lo = dg[0], hi = dg[0], tnorm = 0.0, emax2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = (i > 0 ? fabs(e[i - 1]) : 0.0) + (i + 1 < n ? fabs(e[i]) : 0.0);
        lo = fmin(lo, dg[i] - r);
        hi = fmax(hi, dg[i] + r);
        tnorm = fmax(tnorm, fabs(dg[i]) + r);
        if (i + 1 < n) {
            e2[i] = e[i] * e[i];
            emax2 = fmax(emax2, e2[i]);
        }
    }
    double pivmin = DBL_MIN * fmax(1.0, emax2);
    double pad = 2.0 * DBL_EPSILON * tnorm * (double)n + pivmin;
    lo -= pad;
    hi += pad;
    for (size_t k = 0; k < d; k++)
        vals[k] = bisect(dg, e2, n, n - 1 - k, lo, hi, pivmin);
    if (rank_out) {
        double lmin = bisect(dg, e2, n, 0, lo, hi, pivmin);
        double tol = (double)n * DBL_EPSILON * fmax(fabs(vals[0]), fabs(lmin));
        *rank_out = n - sturm_count(dg, e2, n, tol, pivmin);
    }

    /* Inverse iteration: a fixed start, three solves, re-orthogonalised
     * against the earlier vectors of eigenvalues within 1e-3 ||T||. */
    const double tiny = DBL_EPSILON * fmax(tnorm, DBL_MIN);
    for (size_t k = 0; k < d; k++) {
        double *y = ys + k * n;
        for (size_t i = 0; i < n; i++)
            y[i] = 1.0 + (double)((i * 7 + k * 3) % 11) / 16.0;
        normalise(y, n);
        tri_factor(dg, e, n, vals[k], tiny, &f);
        for (int it = 0; it < 3; it++) {
            tri_solve(&f, n, y);
            normalise(y, n);
            for (size_t j = 0; j < k; j++)
                if (fabs(vals[j] - vals[k]) <= 1e-3 * tnorm) {
                    double s = dot(y, ys + j * n, n);
                    for (size_t i = 0; i < n; i++)
                        y[i] -= s * ys[j * n + i];
                }
            normalise(y, n);
        }
    }

    /* Back to A's basis: u = H_0 (H_1 (... H_{n-3} y)). */
    for (size_t k = 0; k < d; k++) {
        double *u = vecs + k * n;
        memcpy(u, ys + k * n, n * sizeof *u);
        for (size_t j = n >= 3 ? n - 2 : 0; j-- > 0;) {
            if (tau[j] == 0.0)
                continue;
            const double *v = a + j * n + j + 1;
            double s = tau[j] * dot(v, u + j + 1, n - j - 1);
            for (size_t i = 0; i < n - j - 1; i++)
                u[j + 1 + i] -= s * v[i];
        }
        fix_sign(u, n);
    }
    rc = 0;
done:
    free(dg);
    free(e);
    free(e2);
    free(tau);
    free(w);
    free(ys);
    free(f.u0);
    free(f.u1);
    free(f.u2);
    free(f.mult);
    free(f.swap);
    return rc;
}
