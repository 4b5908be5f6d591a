/* Portable elementary functions: the same bits on every x86-64 CPU.
 *
 * glibc picks its exp, log, sin, cos, pow and tanh code at load time from
 * the CPU's features (FMA/AVX2 variants, with GLIBC_TUNABLES able to mask
 * them), and the variants round differently in the last bit.  phasebench
 * promises that a reference run reproduces bit for bit on any machine
 * (docs/architecture.md section 11), so every number on the `ref`
 * path that goes through an elementary function goes through these.
 *
 * Method: only IEEE-754 double additions, multiplications, divisions and
 * sqrt (each correctly rounded, so identical everywhere), compiled with
 * -ffp-contract=off so that no fused multiply-add can change a rounding,
 * and no table lookups.  Exponentials use Cody-Waite reduction by ln 2
 * (k = nearest integer to x / ln 2, r = x - k ln2_hi - k ln2_lo, with
 * ln2_hi exact in 32 bits) and a Taylor polynomial on |r| <= ln 2 / 2;
 * logarithms reduce x = 2^k m with m in [sqrt(2)/2, sqrt(2)) and sum
 * log(1+f) = 2 atanh(f / (2 + f)) in the arrangement of Sun's fdlibm
 * (e_log.c, s_log1p.c); cos(pi x) reduces exactly to |x| <= 1/4 by
 * half-integers.  (J. M. Muller, "Elementary Functions: Algorithms and
 * Implementation", 3rd ed., Birkhauser 2016, chapters 6 and 11.)
 *
 * Accuracy, checked against an 80-bit long double reference on 200 000
 * random arguments per range in tests/pmath/test_pmath.c (worst seen in
 * brackets): exp 1 ulp (0.93), expm1 1.5 (1.24), log 1 (0.81), log1p 2
 * (1.93), log10 2 (1.59), tanh 2.5 (2.22), cospi 2 (1.77), over their
 * whole finite ranges, subnormal results included.  glibc's own functions
 * are within 1 ulp too, but not with the same bits everywhere.  Special values follow C99 Annex F (exp(-inf) = 0,
 * log(0) = -inf, log(x < 0) = NaN, NaN in gives NaN out).  None of these
 * functions sets errno or raises traps. */
#ifndef PB_PMATH_H
#define PB_PMATH_H

#include <stdint.h>

/* e^x.  Overflows to +inf above 709.78; 0 below -745.14. */
double pb_pm_exp(double x);

/* e^x - 1, accurate for small |x| (no cancellation). */
double pb_pm_expm1(double x);

/* Natural logarithm; x = 0 gives -inf, x < 0 NaN. */
double pb_pm_log(double x);

/* log(1 + x), accurate for small |x|; x = -1 gives -inf, x < -1 NaN. */
double pb_pm_log1p(double x);

/* log10(x) = log(x) / ln 10 (at most 2 ulp). */
double pb_pm_log10(double x);

/* Hyperbolic tangent. */
double pb_pm_tanh(double x);

/* cos(pi x), with the reduction by half-integers done exactly, for
 * |x| < 2^52 (larger doubles are even integers: the result is 1). */
double pb_pm_cospi(double x);

/* x^k for an integer k by binary powering: a fixed sequence of
 * correctly rounded products (about log2|k| + 1 roundings), so it is
 * portable; used for geometric grids.  k < 0 gives 1 / x^|k|. */
double pb_pm_powi(double x, int64_t k);

/* x^y = exp(y log x) for x > 0 (relative error about |y log x| ulp);
 * x = 0 gives 0 for y > 0; x < 0 NaN. */
double pb_pm_pow(double x, double y);

#endif
