/* Body of the reference GEMM, included twice by ref_gemm.c with
 *   REF_T        the element type
 *   REF_NAME(x)  x with the type suffix
 *   REF_PARAM(v) an ABI double parameter converted to REF_T
 * No include guard on purpose. */

void REF_NAME(ref_gemm)(pb_trans ta, pb_trans tb, size_t m, size_t n,
                        size_t k, double alpha, const REF_T *a, size_t lda,
                        const REF_T *b, size_t ldb, double beta, REF_T *c,
                        size_t ldc)
{
    if (alpha == 0 || k == 0) {
        REF_NAME(pbk_scale_matrix)(m, n, beta, c, ldc);
        return;
    }
    REF_T talpha = REF_PARAM(alpha), tbeta = REF_PARAM(beta);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            REF_T acc = 0;
            for (size_t p = 0; p < k; p++) {
                /* op(A)[i][p] and op(B)[p][j] */
                REF_T aip = ta == PB_TRANS ? a[p * lda + i] : a[i * lda + p];
                REF_T bpj = tb == PB_TRANS ? b[j * ldb + p] : b[p * ldb + j];
                acc += aip * bpj;
            }
            REF_T *cij = &c[i * ldc + j];
            *cij = beta == 0 ? talpha * acc : talpha * acc + tbeta * *cij;
        }
    }
}
