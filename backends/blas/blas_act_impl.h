/*
 * One instruction set's activation kernels (see blas_act.h).  Included once
 * by each of blas_act_portable.c, blas_act_avx2.c and blas_act_avx512.c,
 * which define the vector layer's selector (PB_BLAS_SIMD_*, see
 * blas_simd.h) and PB_BLAS_ACT_TABLE, the name of the pb_blas_act_impl this
 * file defines.  Everything else is static.
 *
 * Layout: the scalar math on vectors (exp, expm1 of a non-positive
 * argument, log1p on [0, 1]) for double and float, then the activations
 * written once for both types (blas_act_body.h, included twice), then the
 * table.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "blas_act.h"
#include "blas_simd.h"
#include "cpu_kernels.h" /* pbk_to_float: parameters rounded as ref does */

#ifndef PB_BLAS_ACT_TABLE
#error "define PB_BLAS_ACT_TABLE before including blas_act_impl.h"
#endif

/* ---- constants ---------------------------------------------------------- */

/* log2(e); ln 2 split Cody-Waite style: LN2_HI has 20 significant bits
 * (double) / 12 (float), so n * LN2_HI is exact for every n the clamps
 * below allow (|n| <= 1076 / 151) even without a fused multiply-add, and
 * LN2_LO is the rounded rest. */
#define LOG2E_D 0x1.71547652b82fep+0
#define LN2_HI_D 0x1.62e42p-1
#define LN2_LO_D 0x1.fdf473de6af28p-22
#define LOG2E_F 0x1.715476p+0f
#define LN2_HI_F 0x1.62ep-1f
#define LN2_LO_F 0x1.0bfbe8p-15f

/* 1/k!: Taylor coefficients of exp.  On |r| <= ln2 / 2 the first term left
 * out is below 2^-57 relative (degree 13, double) and 2^-27 (degree 7,
 * float). */
#define INV_FACT_2 0.5
#define INV_FACT_3 0x1.5555555555555p-3
#define INV_FACT_4 0x1.5555555555555p-5
#define INV_FACT_5 0x1.1111111111111p-7
#define INV_FACT_6 0x1.6c16c16c16c17p-10
#define INV_FACT_7 0x1.a01a01a01a01ap-13
#define INV_FACT_8 0x1.a01a01a01a01ap-16
#define INV_FACT_9 0x1.71de3a556c734p-19
#define INV_FACT_10 0x1.27e4fb7789f5cp-22
#define INV_FACT_11 0x1.ae64567f544e4p-26
#define INV_FACT_12 0x1.1eed8eff8d898p-29
#define INV_FACT_13 0x1.6124613a86d09p-33

/* Arguments beyond these give exp = inf or 0 (the clamp keeps the range
 * reduction exact and n inside the range vX_scale2 accepts). */
#define EXP_LO_D (-746.0)
#define EXP_HI_D 710.0
#define EXP_LO_F (-104.0f)
#define EXP_HI_F 89.0f
/* Below these expm1 is -1 to the last bit. */
#define EXPM1_LO_D (-40.0)
#define EXPM1_LO_F (-20.0f)

/* ---- double ------------------------------------------------------------- */

/* Range reduction shared by exp and expm1: x = n ln2 + r, |r| <= ln2 / 2 (a
 * hair more when the rounding to n is not exact); k is n in the form
 * vd_scale2 and vd_pow2 take.  Returns (e^r - 1) / r as a polynomial. */
static inline vd exm1_over_r_d(vd x, vd *k, vd *r)
{
    *k = vd_fma(x, vd_set(LOG2E_D), vd_set(PB_SHIFT_D));
    vd n = vd_sub(*k, vd_set(PB_SHIFT_D));
    vd rr = vd_fma(n, vd_set(-LN2_HI_D), x);
    rr = vd_fma(n, vd_set(-LN2_LO_D), rr);
    *r = rr;
    /* Estrin's scheme: depth 5 instead of Horner's 12, so that few
     * elements in flight (the portable version, no fused multiply-add)
     * still hide the latency. */
    vd r2 = vd_mul(rr, rr), r4 = vd_mul(r2, r2), r8 = vd_mul(r4, r4);
    vd p01 = vd_fma(vd_set(INV_FACT_2), rr, vd_set(1.0));
    vd p23 = vd_fma(vd_set(INV_FACT_4), rr, vd_set(INV_FACT_3));
    vd p45 = vd_fma(vd_set(INV_FACT_6), rr, vd_set(INV_FACT_5));
    vd p67 = vd_fma(vd_set(INV_FACT_8), rr, vd_set(INV_FACT_7));
    vd p89 = vd_fma(vd_set(INV_FACT_10), rr, vd_set(INV_FACT_9));
    vd pab = vd_fma(vd_set(INV_FACT_12), rr, vd_set(INV_FACT_11));
    vd p03 = vd_fma(p23, r2, p01);
    vd p47 = vd_fma(p67, r2, p45);
    vd p8c = vd_fma(vd_set(INV_FACT_13), r4, vd_fma(pab, r2, p89));
    return vd_fma(p8c, r8, vd_fma(p47, r4, p03));
}

/* exp(x) for every double: inf above 709.78, subnormals, 0 below -745.13,
 * NaN for NaN. */
static inline vd exp_d(vd x)
{
    vd k, r;
    x = vd_clamp(x, EXP_LO_D, EXP_HI_D);
    vd q = exm1_over_r_d(x, &k, &r);
    return vd_scale2(vd_fma(q, r, vd_set(1.0)), k);
}

/* expm1(a) for a <= 0 (or NaN): 2^n expm1(r) + (2^n - 1), one rounding, so
 * small |a| keeps its relative accuracy. */
static inline vd expm1_neg_d(vd a)
{
    vd k, r;
    a = vd_clamp(a, EXPM1_LO_D, 0.0);
    vd q = exm1_over_r_d(a, &k, &r);
    vd s = vd_pow2(k); /* 2^n, n in [-58, 0] */
    return vd_fma(s, vd_mul(q, r), vd_sub(s, vd_set(1.0)));
}

/* log1p(e) for e in [0, 1] (or NaN): with s = e / (2 + e) in [0, 1/3],
 * log1p(e) = 2 atanh(s) = 2s (1 + s^2/3 + s^4/5 + ...); the first term left
 * out (s^34/35) is below 2^-56 relative. */
static inline vd log1p01_d(vd e)
{
    vd s = vd_div(e, vd_add(vd_set(2.0), e));
    vd w = vd_mul(s, s);
    vd q = vd_set(1.0 / 33);
    q = vd_fma(q, w, vd_set(1.0 / 31));
    q = vd_fma(q, w, vd_set(1.0 / 29));
    q = vd_fma(q, w, vd_set(1.0 / 27));
    q = vd_fma(q, w, vd_set(1.0 / 25));
    q = vd_fma(q, w, vd_set(1.0 / 23));
    q = vd_fma(q, w, vd_set(1.0 / 21));
    q = vd_fma(q, w, vd_set(1.0 / 19));
    q = vd_fma(q, w, vd_set(1.0 / 17));
    q = vd_fma(q, w, vd_set(1.0 / 15));
    q = vd_fma(q, w, vd_set(1.0 / 13));
    q = vd_fma(q, w, vd_set(1.0 / 11));
    q = vd_fma(q, w, vd_set(1.0 / 9));
    q = vd_fma(q, w, vd_set(1.0 / 7));
    q = vd_fma(q, w, vd_set(1.0 / 5));
    q = vd_fma(q, w, vd_set(1.0 / 3));
    vd t = vd_add(s, s);
    return vd_fma(vd_mul(t, w), q, t);
}

/* ---- float -------------------------------------------------------------- */

static inline vf exm1_over_r_f(vf x, vf *k, vf *r)
{
    *k = vf_fma(x, vf_set(LOG2E_F), vf_set(PB_SHIFT_F));
    vf n = vf_sub(*k, vf_set(PB_SHIFT_F));
    vf rr = vf_fma(n, vf_set(-LN2_HI_F), x);
    rr = vf_fma(n, vf_set(-LN2_LO_F), rr);
    *r = rr;
    vf r2 = vf_mul(rr, rr), r4 = vf_mul(r2, r2);
    vf p01 = vf_fma(vf_set((float)INV_FACT_2), rr, vf_set(1.0f));
    vf p23 = vf_fma(vf_set((float)INV_FACT_4), rr, vf_set((float)INV_FACT_3));
    vf p45 = vf_fma(vf_set((float)INV_FACT_6), rr, vf_set((float)INV_FACT_5));
    vf p46 = vf_fma(vf_set((float)INV_FACT_7), r2, p45);
    return vf_fma(p46, r4, vf_fma(p23, r2, p01));
}

static inline vf exp_f(vf x)
{
    vf k, r;
    x = vf_clamp(x, EXP_LO_F, EXP_HI_F);
    vf q = exm1_over_r_f(x, &k, &r);
    return vf_scale2(vf_fma(q, r, vf_set(1.0f)), k);
}

static inline vf expm1_neg_f(vf a)
{
    vf k, r;
    a = vf_clamp(a, EXPM1_LO_F, 0.0f);
    vf q = exm1_over_r_f(a, &k, &r);
    vf s = vf_pow2(k);
    return vf_fma(s, vf_mul(q, r), vf_sub(s, vf_set(1.0f)));
}

/* First term left out: s^18/19, below 2^-30 relative. */
static inline vf log1p01_f(vf e)
{
    vf s = vf_div(e, vf_add(vf_set(2.0f), e));
    vf w = vf_mul(s, s);
    vf q = vf_set(1.0f / 17);
    q = vf_fma(q, w, vf_set(1.0f / 15));
    q = vf_fma(q, w, vf_set(1.0f / 13));
    q = vf_fma(q, w, vf_set(1.0f / 11));
    q = vf_fma(q, w, vf_set(1.0f / 9));
    q = vf_fma(q, w, vf_set(1.0f / 7));
    q = vf_fma(q, w, vf_set(1.0f / 5));
    q = vf_fma(q, w, vf_set(1.0f / 3));
    vf t = vf_add(s, s);
    return vf_fma(vf_mul(t, w), q, t);
}

/* ---- the activations, once per type -------------------------------------- */

#define PBA_T double
#define PBA_V vd
#define PBA_M md
#define PBA_OP(x) vd_##x
#define PBA_MOP(x) md_##x
#define PBA_LANES VD_LANES
#define PBA_FN(x) x##_d
#define PBA_PARAM(v) ((double)(v))
/* Past this |x| the swish derivative is 0 or 1 to the last bit. */
#define PBA_DG_CLAMP 750.0
#include "blas_act_body.h"
#undef PBA_T
#undef PBA_V
#undef PBA_M
#undef PBA_OP
#undef PBA_MOP
#undef PBA_LANES
#undef PBA_FN
#undef PBA_PARAM
#undef PBA_DG_CLAMP

#define PBA_T float
#define PBA_V vf
#define PBA_M mf
#define PBA_OP(x) vf_##x
#define PBA_MOP(x) mf_##x
#define PBA_LANES VF_LANES
#define PBA_FN(x) x##_f
#define PBA_PARAM(v) pbk_to_float(v)
#define PBA_DG_CLAMP 120.0f
#include "blas_act_body.h"
#undef PBA_T
#undef PBA_V
#undef PBA_M
#undef PBA_OP
#undef PBA_MOP
#undef PBA_LANES
#undef PBA_FN
#undef PBA_PARAM
#undef PBA_DG_CLAMP

const pb_blas_act_impl PB_BLAS_ACT_TABLE = {
    PB_SIMD_NAME, act_forward_d, act_forward_f, act_backward_d,
    act_backward_f, exp_array_d, exp_array_f,
};
