/*
 * A thin vector layer for the blas backend's element-wise kernels: one set of
 * names (vd_* for double lanes, vf_* for float lanes, md / mf for lane masks)
 * over three instruction sets, picked by the macro the including file
 * defines before including this header:
 *
 *   PB_BLAS_SIMD_AVX512    AVX-512F: 8 doubles / 16 floats (compile with
 *                          -mavx512f)
 *   PB_BLAS_SIMD_AVX2      AVX2 + FMA: 4 doubles / 8 floats (compile with
 *                          -mavx2 -mfma)
 *   (neither)              portable C, one lane, no intrinsics
 *
 * Every source that includes this header with an x86 macro is compiled with
 * those flags and is only ever called after the runtime check in
 * blas_act.c, so nothing here runs on a CPU that lacks the instructions.
 *
 * Semantics shared by all three (the kernels rely on them):
 *   vX_fma(a, b, c)     a * b + c, fused on AVX2 / AVX-512 (one rounding);
 *                       the portable version rounds twice (the project
 *                       builds with -ffp-contract=off);
 *   vX_clamp(x, lo, hi) min(max(x, lo), hi) with NaN passed through;
 *   vX_sel(m, a, b)     m ? a : b lane by lane;
 *   mX_* comparisons    ordered (false when a lane is NaN) except mX_isnan;
 *   vX_scale2(p, k)     p * 2^n exactly as one rounded product, for a
 *                       "shifted" k = n + 1.5 * 2^52 (2^23 for float), i.e.
 *                       the value whose low mantissa bits hold the integer
 *                       n; n in [-1076, 1025] ([-151, 129] for float), so
 *                       p * 2^n may overflow to inf or round into the
 *                       subnormals correctly;
 *   vX_pow2(k)          2^n for a shifted k, n in the normal exponent range.
 *
 * GCC extensions and intrinsics stay inside backends/blas.
 */
#ifndef PB_BLAS_SIMD_H
#define PB_BLAS_SIMD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 1.5 * 2^52 and 1.5 * 2^23: adding them rounds to an integer in the low
 * mantissa bits (round to nearest even). */
#define PB_SHIFT_D 0x1.8p52
#define PB_SHIFT_F 0x1.8p23f
#define PB_SHIFT_D_BITS 0x4338000000000000LL
#define PB_SHIFT_F_BITS 0x4B400000

#if defined(PB_BLAS_SIMD_AVX512)
/* ======================================================================== */
#include <immintrin.h>

#define PB_SIMD_NAME "avx512"
#define VD_LANES 8
#define VF_LANES 16
typedef __m512d vd;
typedef __m512 vf;
typedef __mmask8 md;
typedef __mmask16 mf;

static inline vd vd_set(double a) { return _mm512_set1_pd(a); }
static inline vd vd_load(const double *p) { return _mm512_loadu_pd(p); }
static inline void vd_store(double *p, vd a) { _mm512_storeu_pd(p, a); }
static inline vd vd_add(vd a, vd b) { return _mm512_add_pd(a, b); }
static inline vd vd_sub(vd a, vd b) { return _mm512_sub_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm512_mul_pd(a, b); }
static inline vd vd_div(vd a, vd b) { return _mm512_div_pd(a, b); }
static inline vd vd_fma(vd a, vd b, vd c) { return _mm512_fmadd_pd(a, b, c); }
static inline vd vd_abs(vd a) { return _mm512_abs_pd(a); }
/* max/min return their second operand when a lane is NaN. */
static inline vd vd_clamp(vd x, double lo, double hi)
{
    return _mm512_min_pd(_mm512_set1_pd(hi), _mm512_max_pd(_mm512_set1_pd(lo), x));
}
static inline md md_gt(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
static inline md md_ge(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
static inline md md_eq(vd a, vd b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
static inline md md_isnan(vd a) { return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q); }
static inline vd vd_sel(md m, vd a, vd b) { return _mm512_mask_blend_pd(m, b, a); }
/* |mag| with the sign bit of sgn: bitwise sign ? sgn : mag (0xCA). */
static inline vd vd_copysign(vd mag, vd sgn)
{
    const __m512i sign = _mm512_set1_epi64(INT64_MIN);
    return _mm512_castsi512_pd(_mm512_ternarylogic_epi64(
        sign, _mm512_castpd_si512(sgn), _mm512_castpd_si512(mag), 0xCA));
}
static inline vd vd_scale2(vd p, vd k)
{
    return _mm512_scalef_pd(p, _mm512_sub_pd(k, _mm512_set1_pd(PB_SHIFT_D)));
}
static inline vd vd_pow2(vd k)
{
    __m512i e = _mm512_sub_epi64(_mm512_castpd_si512(k),
                                 _mm512_set1_epi64(PB_SHIFT_D_BITS - 1023));
    return _mm512_castsi512_pd(_mm512_slli_epi64(e, 52));
}

static inline vf vf_set(float a) { return _mm512_set1_ps(a); }
static inline vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void vf_store(float *p, vf a) { _mm512_storeu_ps(p, a); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vf_abs(vf a) { return _mm512_abs_ps(a); }
static inline vf vf_clamp(vf x, float lo, float hi)
{
    return _mm512_min_ps(_mm512_set1_ps(hi), _mm512_max_ps(_mm512_set1_ps(lo), x));
}
static inline mf mf_gt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline mf mf_ge(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
static inline mf mf_eq(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
static inline mf mf_isnan(vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
static inline vf vf_sel(mf m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }
static inline vf vf_copysign(vf mag, vf sgn)
{
    const __m512i sign = _mm512_set1_epi32(INT32_MIN);
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(
        sign, _mm512_castps_si512(sgn), _mm512_castps_si512(mag), 0xCA));
}
static inline vf vf_scale2(vf p, vf k)
{
    return _mm512_scalef_ps(p, _mm512_sub_ps(k, _mm512_set1_ps(PB_SHIFT_F)));
}
static inline vf vf_pow2(vf k)
{
    __m512i e = _mm512_sub_epi32(_mm512_castps_si512(k),
                                 _mm512_set1_epi32(PB_SHIFT_F_BITS - 127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}

#elif defined(PB_BLAS_SIMD_AVX2)
/* ======================================================================== */
#include <immintrin.h>

#define PB_SIMD_NAME "avx2"
#define VD_LANES 4
#define VF_LANES 8
typedef __m256d vd;
typedef __m256 vf;
typedef __m256d md; /* all-ones / all-zeros lanes */
typedef __m256 mf;

static inline vd vd_set(double a) { return _mm256_set1_pd(a); }
static inline vd vd_load(const double *p) { return _mm256_loadu_pd(p); }
static inline void vd_store(double *p, vd a) { _mm256_storeu_pd(p, a); }
static inline vd vd_add(vd a, vd b) { return _mm256_add_pd(a, b); }
static inline vd vd_sub(vd a, vd b) { return _mm256_sub_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm256_mul_pd(a, b); }
static inline vd vd_div(vd a, vd b) { return _mm256_div_pd(a, b); }
static inline vd vd_fma(vd a, vd b, vd c) { return _mm256_fmadd_pd(a, b, c); }
static inline vd vd_abs(vd a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
static inline vd vd_clamp(vd x, double lo, double hi)
{
    return _mm256_min_pd(_mm256_set1_pd(hi), _mm256_max_pd(_mm256_set1_pd(lo), x));
}
static inline md md_gt(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
static inline md md_ge(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
static inline md md_eq(vd a, vd b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
static inline md md_isnan(vd a) { return _mm256_cmp_pd(a, a, _CMP_UNORD_Q); }
static inline vd vd_sel(md m, vd a, vd b) { return _mm256_blendv_pd(b, a, m); }
static inline vd vd_copysign(vd mag, vd sgn)
{
    const vd sign = _mm256_set1_pd(-0.0);
    return _mm256_or_pd(_mm256_andnot_pd(sign, mag), _mm256_and_pd(sign, sgn));
}
/* p * 2^n1 * 2^n2 with n1 = floor(n / 2), n2 = n - n1: both factors are
 * normal and p * 2^n1 is exact, so the product is rounded once.  The shifted
 * k is positive as an integer, so a logical shift halves it; the constant
 * offsets cancel into the exponent bias. */
static inline vd vd_scale2(vd p, vd k)
{
    const __m256i off = _mm256_set1_epi64x(PB_SHIFT_D_BITS / 2 - 1023);
    __m256i ki = _mm256_castpd_si256(k);
    __m256i h = _mm256_srli_epi64(ki, 1);
    __m256i e1 = _mm256_sub_epi64(h, off);
    __m256i e2 = _mm256_sub_epi64(_mm256_sub_epi64(ki, h), off);
    vd s1 = _mm256_castsi256_pd(_mm256_slli_epi64(e1, 52));
    vd s2 = _mm256_castsi256_pd(_mm256_slli_epi64(e2, 52));
    return _mm256_mul_pd(_mm256_mul_pd(p, s1), s2);
}
static inline vd vd_pow2(vd k)
{
    __m256i e = _mm256_sub_epi64(_mm256_castpd_si256(k),
                                 _mm256_set1_epi64x(PB_SHIFT_D_BITS - 1023));
    return _mm256_castsi256_pd(_mm256_slli_epi64(e, 52));
}

static inline vf vf_set(float a) { return _mm256_set1_ps(a); }
static inline vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void vf_store(float *p, vf a) { _mm256_storeu_ps(p, a); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vf_abs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
static inline vf vf_clamp(vf x, float lo, float hi)
{
    return _mm256_min_ps(_mm256_set1_ps(hi), _mm256_max_ps(_mm256_set1_ps(lo), x));
}
static inline mf mf_gt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline mf mf_ge(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
static inline mf mf_eq(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
static inline mf mf_isnan(vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
static inline vf vf_sel(mf m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }
static inline vf vf_copysign(vf mag, vf sgn)
{
    const vf sign = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(sign, mag), _mm256_and_ps(sign, sgn));
}
static inline vf vf_scale2(vf p, vf k)
{
    const __m256i off = _mm256_set1_epi32(PB_SHIFT_F_BITS / 2 - 127);
    __m256i ki = _mm256_castps_si256(k);
    __m256i h = _mm256_srli_epi32(ki, 1);
    __m256i e1 = _mm256_sub_epi32(h, off);
    __m256i e2 = _mm256_sub_epi32(_mm256_sub_epi32(ki, h), off);
    vf s1 = _mm256_castsi256_ps(_mm256_slli_epi32(e1, 23));
    vf s2 = _mm256_castsi256_ps(_mm256_slli_epi32(e2, 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}
static inline vf vf_pow2(vf k)
{
    __m256i e = _mm256_sub_epi32(_mm256_castps_si256(k),
                                 _mm256_set1_epi32(PB_SHIFT_F_BITS - 127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}

#else
/* ======================================================================== */
/* Portable C: one lane, plain scalars.  Masks are all-ones / all-zeros
 * integers and selects are bitwise, so the loops have no data-dependent
 * branches (a ternary on doubles often becomes a jump, mispredicted half
 * the time on random signs); the compiler may vectorise what it can.
 * (Arrays of four lanes per "vector" were tried: GCC kept them in memory
 * and ran 1.5-2x slower.) */

#define PB_SIMD_NAME "portable"
#define VD_LANES 1
#define VF_LANES 1
typedef double vd;
typedef float vf;
typedef uint64_t md;
typedef uint32_t mf;

static inline uint64_t pb_bits_d(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static inline double pb_from_bits_d(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}
static inline uint32_t pb_bits_f(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static inline float pb_from_bits_f(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Both types share the code; the per-type parts are the names, the integer
 * type of the bits and the exponent layout (sign bit SB, MANT mantissa
 * bits, exponent BIAS). */
#define PB_PORTABLE_OPS(V, M, U, P, MP, BITS, FROM, SB, MANT, BIAS, SHIFT_BITS) \
    static inline V P##_set(V a) { return a; }                                 \
    static inline V P##_load(const V *p) { return *p; }                        \
    static inline void P##_store(V *p, V a) { *p = a; }                        \
    static inline V P##_add(V a, V b) { return a + b; }                        \
    static inline V P##_sub(V a, V b) { return a - b; }                        \
    static inline V P##_mul(V a, V b) { return a * b; }                        \
    static inline V P##_div(V a, V b) { return a / b; }                        \
    static inline V P##_fma(V a, V b, V c) { return a * b + c; }               \
    static inline V P##_abs(V a) { return FROM(BITS(a) & ~((U)1 << (SB))); }   \
    static inline M MP##_gt(V a, V b) { return (U)0 - (U)(a > b); }            \
    static inline M MP##_ge(V a, V b) { return (U)0 - (U)(a >= b); }           \
    static inline M MP##_eq(V a, V b) { return (U)0 - (U)(a == b); }           \
    static inline M MP##_isnan(V a) { return (U)0 - (U)(a != a); }            \
    static inline V P##_sel(M m, V a, V b)                                     \
    {                                                                          \
        return FROM((BITS(a) & m) | (BITS(b) & ~m));                           \
    }                                                                          \
    static inline V P##_clamp(V x, V lo, V hi)                                 \
    {                                                                          \
        x = P##_sel(MP##_gt(lo, x), lo, x);                                    \
        return P##_sel(MP##_gt(x, hi), hi, x);                                 \
    }                                                                          \
    static inline V P##_copysign(V mag, V sgn)                                 \
    {                                                                          \
        const U sign = (U)1 << (SB);                                           \
        return FROM((BITS(mag) & ~sign) | (BITS(sgn) & sign));                 \
    }                                                                          \
    /* p * 2^n1 * 2^n2 as in the AVX2 version */                               \
    static inline V P##_scale2(V p, V k)                                       \
    {                                                                          \
        const U off = (U)((SHIFT_BITS) / 2 - (BIAS));                          \
        U ki = BITS(k), h = ki >> 1;                                           \
        return p * FROM((h - off) << (MANT)) * FROM((ki - h - off) << (MANT)); \
    }                                                                          \
    static inline V P##_pow2(V k)                                              \
    {                                                                          \
        return FROM((BITS(k) - (U)((SHIFT_BITS) - (BIAS))) << (MANT));         \
    }

PB_PORTABLE_OPS(vd, md, uint64_t, vd, md, pb_bits_d, pb_from_bits_d, 63, 52,
                1023, PB_SHIFT_D_BITS)
PB_PORTABLE_OPS(vf, mf, uint32_t, vf, mf, pb_bits_f, pb_from_bits_f, 31, 23,
                127, PB_SHIFT_F_BITS)
#undef PB_PORTABLE_OPS

#endif

#endif /* PB_BLAS_SIMD_H */
