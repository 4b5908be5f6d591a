/* Counter-based random numbers: every value is a pure function of
 * (seed, stream, index), so a tensor is the same whatever order, thread or
 * backend draws it. */
#ifndef PB_RNG_H
#define PB_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Streams used by the core; experiment code may use others above 1000. */
enum {
    PB_STREAM_WEIGHTS = 1,   /* + layer index */
    PB_STREAM_DATA_X = 100,
    PB_STREAM_DATA_Y = 101,
    PB_STREAM_SPLIT = 200,   /* + class index */
    PB_STREAM_CHECK = 900    /* op-check inputs */
};

/* 64 uniformly random bits for (seed, stream, index). */
uint64_t pb_rng_bits(uint64_t seed, uint64_t stream, uint64_t index);
/* Uniform in (0, 1): never 0, never 1. */
double pb_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);
/* Standard normal (Box-Muller on the counter pair (2 index, 2 index + 1)). */
double pb_rng_normal(uint64_t seed, uint64_t stream, uint64_t index);
/* Fill out[0..n) with pb_rng_normal(seed, stream, first + i). */
void pb_rng_normal_fill(uint64_t seed, uint64_t stream, uint64_t first,
                        double *out, size_t n);
/* Uniform integer in [0, bound), bound > 0, without modulo bias. */
uint64_t pb_rng_below(uint64_t seed, uint64_t stream, uint64_t index,
                      uint64_t bound);
/* Fisher-Yates shuffle of idx[0..n) driven by (seed, stream). */
void pb_rng_shuffle(uint64_t seed, uint64_t stream, size_t *idx, size_t n);

#endif
