/* Instantiates ref_gemm_body.h for double and for float. */
#include "ref_gemm.h"

#include "cpu_kernels.h"

#define REF_T double
#define REF_NAME(x) x##_d
#define REF_PARAM(v) ((double)(v))
#include "ref_gemm_body.h"
#undef REF_T
#undef REF_NAME
#undef REF_PARAM

#define REF_T float
#define REF_NAME(x) x##_f
#define REF_PARAM(v) pbk_to_float(v)
#include "ref_gemm_body.h"
#undef REF_T
#undef REF_NAME
#undef REF_PARAM
