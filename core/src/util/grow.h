/* The growing array of the core: amortised doubling, the one way every
 * list, table and registry of the harness makes room for one more element. */
#ifndef PB_GROW_H
#define PB_GROW_H

#include <stdint.h>
#include <stdlib.h>

/* Room for element n of the array arr (capacity *cap elements of elem
 * bytes each): arr itself when n < *cap, else arr reallocated to twice its
 * capacity (`first` elements when empty) with *cap updated.  NULL when out
 * of memory or the size overflows; arr is then still valid and *cap
 * unchanged, so the caller's error path frees what it had.  Usage:
 *     T *g = pb_grow(l->v, l->n, &l->cap, sizeof *g, 16);
 *     if (!g) return -1;
 *     l->v = g; */
static inline void *pb_grow(void *arr, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return arr;
    size_t c = *cap ? 2 * *cap : first;
    if (c <= n || c > SIZE_MAX / elem)
        return NULL;
    void *g = realloc(arr, c * elem);
    if (g)
        *cap = c;
    return g;
}

#endif
