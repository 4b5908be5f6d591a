/* Instantiates cpu_kernels_body.h for double and for float. */
#include "cpu_kernels.h"

#include "pb_pmath.h"

#include <math.h>
#include <stdint.h>

float pbk_to_float(double v)
{
    /* Half-way between FLT_MAX and 2^128: from here on round-to-nearest
     * gives infinity (ties go to the even 2^128). */
    const double overflow = 0x1.ffffffp127;
    if (v >= overflow)
        return INFINITY;
    if (v <= -overflow)
        return -INFINITY;
    return (float)v;
}

#define PBK_T double
#define PBK_NAME(x) x##_d
#define PBK_PARAM(v) ((double)(v))
#define PBK_EXP pb_pm_exp
#define PBK_LOG1P pb_pm_log1p
#define PBK_TANH pb_pm_tanh
#include "cpu_kernels_body.h"
#undef PBK_T
#undef PBK_NAME
#undef PBK_PARAM
#undef PBK_EXP
#undef PBK_LOG1P
#undef PBK_TANH

/* The float kernels evaluate in double through the portable functions and
 * round once: glibc's expf/log1pf/tanhf have CPU-dependent variants too. */
static float pbk_expf(float x) { return pbk_to_float(pb_pm_exp((double)x)); }
static float pbk_log1pf(float x) { return pbk_to_float(pb_pm_log1p((double)x)); }
static float pbk_tanhf(float x) { return (float)pb_pm_tanh((double)x); }

#define PBK_T float
#define PBK_NAME(x) x##_f
#define PBK_PARAM(v) pbk_to_float(v)
#define PBK_EXP pbk_expf
#define PBK_LOG1P pbk_log1pf
#define PBK_TANH pbk_tanhf
#include "cpu_kernels_body.h"
#undef PBK_T
#undef PBK_NAME
#undef PBK_PARAM
#undef PBK_EXP
#undef PBK_LOG1P
#undef PBK_TANH
