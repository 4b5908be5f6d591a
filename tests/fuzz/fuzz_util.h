/* Shared by the libFuzzer harnesses: the readers under test take file
 * paths, so each input is written to a private scratch folder (in memory
 * under /dev/shm when it exists) and read back from there. */
#ifndef PB_FUZZ_UTIL_H
#define PB_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The scratch folder, made once per process (mkdtemp). */
static inline const char *fuzz_dir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof dir, "%s/pb-fuzz-XXXXXX", base);
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return dir;
}

/* dir/name, made in out[len]. */
static inline const char *fuzz_path(char *out, size_t len, const char *sub, const char *name)
{
    if (sub) {
        snprintf(out, len, "%s/%s", fuzz_dir(), sub);
        mkdir(out, 0700);
        snprintf(out, len, "%s/%s/%s", fuzz_dir(), sub, name);
    } else {
        snprintf(out, len, "%s/%s", fuzz_dir(), name);
    }
    return out;
}

/* Write data[0..n) to path; aborts on failure (a harness bug, not a find). */
static inline void fuzz_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Split data at the first occurrence of sep (a byte string): the part
 * before in [*a, *a + *an), the part after in [*b, *b + *bn).  Without sep
 * everything is the first part. */
static inline void fuzz_split(const uint8_t *data, size_t n, const char *sep, const uint8_t **a,
                       size_t *an, const uint8_t **b, size_t *bn)
{
    size_t sl = strlen(sep);
    *a = data;
    *an = n;
    *b = data + n;
    *bn = 0;
    for (size_t i = 0; sl && i + sl <= n; i++)
        if (memcmp(data + i, sep, sl) == 0) {
            *an = i;
            *b = data + i + sl;
            *bn = n - i - sl;
            return;
        }
}

#endif
