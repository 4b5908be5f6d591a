/* The AVX2 + FMA activation kernels (see blas_act.h).  Compiled with
 * -mavx2 -mfma on x86-64 only; called only after the runtime check. */
#define PB_BLAS_SIMD_AVX2 1
#define PB_BLAS_ACT_TABLE pb_blas_act_avx2
#include "blas_act_impl.h"
