#include "rng.h"

#include "pb_pmath.h"

#include <math.h>

/* SplitMix64's finaliser: a bijection with full avalanche. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t pb_rng_bits(uint64_t seed, uint64_t stream, uint64_t index)
{
    /* Chained mixing keeps the three keys independent: (s, t, i) and
     * (s, t', i') never collide by simple arithmetic. */
    uint64_t k = mix64(seed ^ 0x243f6a8885a308d3ull);
    k = mix64(k ^ stream);
    return mix64(k ^ mix64(index));
}

double pb_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t b = pb_rng_bits(seed, stream, index) >> 11; /* 53 bits */
    return ((double)b + 0.5) * 0x1.0p-53;
}

double pb_rng_normal(uint64_t seed, uint64_t stream, uint64_t index)
{
    double u1 = pb_rng_uniform(seed, stream, 2 * index);
    double u2 = pb_rng_uniform(seed, stream, 2 * index + 1);
    /* Box-Muller with the portable log and cos(pi x): 2 u2 is exact. */
    return sqrt(-2.0 * pb_pm_log(u1)) * pb_pm_cospi(2.0 * u2);
}

void pb_rng_normal_fill(uint64_t seed, uint64_t stream, uint64_t first,
                        double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = pb_rng_normal(seed, stream, first + i);
}

uint64_t pb_rng_below(uint64_t seed, uint64_t stream, uint64_t index,
                      uint64_t bound)
{
    /* Rejection on the top of the range; the retry counter extends the
     * index space deterministically. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    for (uint64_t attempt = 0;; attempt++) {
        uint64_t r = pb_rng_bits(seed, stream, index + (attempt << 48));
        if (r < limit)
            return r % bound;
    }
}

void pb_rng_shuffle(uint64_t seed, uint64_t stream, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)pb_rng_below(seed, stream, i, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
