/* The portable activation kernels: plain C, one lane (see blas_act.h). */
#define PB_BLAS_ACT_TABLE pb_blas_act_portable
#include "blas_act_impl.h"
