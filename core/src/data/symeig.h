/* Fixed-order dense symmetric linear algebra for the data preparation.
 *
 * Why our own and not BLAS/LAPACK: OpenBLAS chooses its GEMM/SYRK kernels
 * by CPU (or by OPENBLAS_CORETYPE), and each kernel sums in its own order,
 * so the PCA inputs, and every reference number after them, would change
 * in the last bits from one machine to the next.  Here every reduction
 * runs in one order fixed by the source: vectorisation is across
 * independent outputs only, each output's sum runs over its terms in index
 * order, and no fused multiply-add is used (-ffp-contract=off).  The bits
 * are therefore the same on every x86-64 CPU, whatever its vector width.
 * (docs/architecture.md section 11.)
 *
 * Algorithms (G. H. Golub and C. F. Van Loan, "Matrix Computations", 4th
 * ed., Johns Hopkins 2013: section 8.3.1 Householder tridiagonalisation,
 * 8.4.1 Sturm sequence bisection, 8.2.2 inverse iteration; the bisection
 * and the pivoted tridiagonal solve follow LAPACK's dstebz and dlagtf in
 * spirit, with our own code). */
#ifndef PB_SYMEIG_H
#define PB_SYMEIG_H

#include <stddef.h>

/* G += Z^T Z over the k rows of Z (k x dim, row-major), on the upper
 * triangle of G (dim x dim, row-major; the strict lower triangle is not
 * touched).  Element (j, l) accumulates z_ij z_il for i = 0, 1, ..., k-1 in
 * that order onto its previous value, so calls on consecutive chunks of
 * rows give the same bits as one call on all rows.  Cost: k dim^2
 * multiply-adds; about 20 GFLOP/s on one AVX2 core, 10 with SSE2.
 * Returns 0, or -1 when scratch memory cannot be had (G is then
 * unchanged). */
int pb_gram_upper_add(const double *z, size_t k, size_t dim, double *g);

/* The top-d eigenpairs of the symmetric matrix A (n x n, row-major, the
 * upper triangle is read; A is overwritten).  vals[0] >= vals[1] >= ...
 * >= vals[d-1]; vecs is d x n row-major, row k the unit eigenvector of
 * vals[k] with its largest-magnitude entry positive (first on ties), so
 * the sign is fixed.  Eigenvalues are found to within a few ulp of
 * ||A||; eigenvectors of eigenvalues closer than 1e-3 ||A|| to each other
 * are re-orthogonalised (dstein's rule).  Cost: (4/3) n^3 flops for the
 * tridiagonal form, then O(d n^2).  *rank_out (optional) receives the
 * number of eigenvalues above n eps max|lambda|, the numerical rank.
 * Returns 0; -1 when memory cannot be had or n or d is out of range
 * (d > n, n == 0), with the reason in err. */
int pb_sym_top_eigen(double *a, size_t n, size_t d, double *vals, double *vecs,
                     size_t *rank_out, char *err, size_t err_len);

#endif
