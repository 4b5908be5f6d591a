/* Picks the activation kernels for this CPU (see blas_act.h).
 *
 * PB_BLAS_HAVE_AVX2 / PB_BLAS_HAVE_AVX512 are defined by CMake when the
 * x86-64 compiler builds those sources; the CPU is asked at run time with
 * __builtin_cpu_supports (GCC and Clang), which also checks that the OS
 * saves the vector registers.  Any other compiler or CPU gets the portable
 * kernels. */
#include "blas_act.h"

#include <string.h>

extern const pb_blas_act_impl pb_blas_act_portable;
#ifdef PB_BLAS_HAVE_AVX2
extern const pb_blas_act_impl pb_blas_act_avx2;
#endif
#ifdef PB_BLAS_HAVE_AVX512
extern const pb_blas_act_impl pb_blas_act_avx512;
#endif

const pb_blas_act_impl *const pb_blas_act_impls[] = {
#ifdef PB_BLAS_HAVE_AVX512
    &pb_blas_act_avx512,
#endif
#ifdef PB_BLAS_HAVE_AVX2
    &pb_blas_act_avx2,
#endif
    &pb_blas_act_portable,
    NULL,
};

int pb_blas_act_runs_here(const pb_blas_act_impl *impl)
{
    if (!impl)
        return 0;
#if (defined(PB_BLAS_HAVE_AVX2) || defined(PB_BLAS_HAVE_AVX512)) && \
    (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
#endif
#ifdef PB_BLAS_HAVE_AVX512
    if (impl == &pb_blas_act_avx512)
        return __builtin_cpu_supports("avx512f") != 0;
#endif
#ifdef PB_BLAS_HAVE_AVX2
    if (impl == &pb_blas_act_avx2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return impl == &pb_blas_act_portable;
}

const pb_blas_act_impl *pb_blas_act_select(const char *want)
{
    for (size_t i = 0; pb_blas_act_impls[i]; i++) {
        const pb_blas_act_impl *impl = pb_blas_act_impls[i];
        if (want && want[0] && strcmp(want, impl->name) != 0)
            continue;
        if (pb_blas_act_runs_here(impl))
            return impl;
        if (want && want[0])
            return NULL;
    }
    return NULL;
}
