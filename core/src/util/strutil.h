/* Small string helpers shared by the core. */
#ifndef PB_STRUTIL_H
#define PB_STRUTIL_H

#include <stddef.h>
#include <string.h>

/* Copy src into dst[size], truncating; dst is always NUL-terminated. */
static inline void pb_strcpy_trunc(char *dst, size_t size, const char *src)
{
    if (size == 0)
        return;
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

#endif
