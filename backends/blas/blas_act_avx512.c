/* The AVX-512F activation kernels (see blas_act.h).  Compiled with
 * -mavx512f on x86-64 only; called only after the runtime check. */
#define PB_BLAS_SIMD_AVX512 1
#define PB_BLAS_ACT_TABLE pb_blas_act_avx512
#include "blas_act_impl.h"
