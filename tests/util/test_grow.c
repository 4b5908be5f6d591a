/* pb_grow (core/src/util/grow.h): room for one more element by doubling,
 * the first capacity when empty, and on failure the array and its capacity
 * left as they were, so the caller's error path frees what it had. */
#include "grow.h"
#include "pb_test.h"

#include <stdint.h>
#include <stdlib.h>

int main(void)
{
    /* Growth: the capacity runs first, 2 first, 4 first, ... and every
     * element written so far survives each reallocation. */
    int *v = NULL;
    size_t n = 0, cap = 0, grows = 0, last_cap = 0;
    for (int k = 0; k < 1000; k++) {
        int *g = pb_grow(v, n, &cap, sizeof *g, 3);
        CHECK(g != NULL);
        if (!g)
            break;
        v = g;
        if (cap != last_cap) {
            CHECK(cap == (last_cap ? 2 * last_cap : 3));
            last_cap = cap;
            grows++;
        }
        CHECK(n < cap);
        v[n++] = k;
    }
    CHECK(n == 1000 && cap == 1536 && grows == 10);
    int intact = 1;
    for (size_t i = 0; i < n; i++)
        intact &= v[i] == (int)i;
    CHECK(intact);

    /* No reallocation while there is room: the same pointer back. */
    size_t cap_before = cap;
    CHECK(pb_grow(v, 10, &cap, sizeof *v, 3) == v && cap == cap_before);

    /* A size that overflows: NULL, and the array and capacity untouched. */
    size_t huge = SIZE_MAX / 8;
    CHECK(pb_grow(v, huge, &huge, 64, 3) == NULL);
    CHECK(huge == SIZE_MAX / 8);
    CHECK(v[999] == 999);
    free(v);
    return pb_test_done("test_grow");
}
