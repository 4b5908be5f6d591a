/* What decides the bits of a run, for the manifest (docs/architecture.md,
 * "Determinism").
 *
 * The `ref` path depends on nothing here: its kernels sum in a fixed order
 * and its elementary functions are portable (core/pmath).  Other backends
 * name the manifest or feature keys their bits depend on in their
 * `bits_depend_on` feature; `compare` reads both manifests and, when one of
 * those differs, compares with the backend's f64 (or f32) tolerances
 * instead of exactly.  The prepared data are fingerprinted so that a
 * comparison of runs on different data says so first. */
#ifndef PB_PLATFORM_H
#define PB_PLATFORM_H

#include <stddef.h>
#include <stdio.h>

#include "data.h"

/* The platform facts, as text, each "unknown" when it cannot be read. */
typedef struct pb_platform {
    char cpu_model[128];      /* /proc/cpuinfo "model name" */
    char cpu_simd[64];        /* avx512f,avx2,fma as the CPU reports them */
    char glibc_version[32];   /* gnu_get_libc_version() */
    char glibc_tunables[256]; /* $GLIBC_TUNABLES, or "unset" */
    char openblas_core[64];   /* the kernel OpenBLAS chose in this process */
    char openblas_coretype[64]; /* $OPENBLAS_CORETYPE, or "unset" */
    char compiler[128];       /* compiler id and version of this build */
    char compiler_flags[256]; /* the flags every source was built with */
} pb_platform;

/* Fill p for this process.  Never fails: an unreadable fact is "unknown". */
void pb_platform_read(pb_platform *p);

/* The manifest rows of p (key,value CSV lines, keys as in pb_platform),
 * written with put(key, value, ctx). */
void pb_platform_rows(const pb_platform *p, void (*put)(const char *key, const char *value,
                                                        void *ctx),
                      void *ctx);

/* SHA-256 (lowercase hex) of a split's arrays exactly as the backends get
 * them: for train, test and kernel in that order, the sample count and
 * dimension as 64-bit little-endian integers, then x (n x d doubles) and
 * y (n doubles) as IEEE-754 little-endian bytes.  Two runs whose splits
 * have the same fingerprint trained and were measured on the same bits. */
void pb_split_fingerprint(const pb_split *s, char out[65]);

/* The distinct split fingerprints a battery used, combined: the SHA-256 of
 * their sorted, newline-separated hex strings, so the result does not
 * depend on the order the runs were executed in.  n == 0 gives "none". */
typedef struct pb_data_prints {
    char (*hex)[65];
    size_t n, cap;
} pb_data_prints;

/* Add one split fingerprint (duplicates ignored).  -1 on out of memory. */
int pb_data_prints_add(pb_data_prints *d, const char hex[65]);
void pb_data_prints_combined(const pb_data_prints *d, char out[65]);
void pb_data_prints_free(pb_data_prints *d);

#endif
