/* Small system helpers shared by the core: clocks, timestamps, whole-file
 * reads and files replaced atomically. */
#ifndef PB_SYSUTIL_H
#define PB_SYSUTIL_H

#include <stddef.h>
#include <stdio.h>

/* Monotonic seconds, for durations only. */
double pb_now_s(void);

/* The current UTC time with strftime's fmt (e.g. "%Y-%m-%dT%H:%M:%SZ");
 * "unknown" when the clock cannot be read. */
void pb_utc_stamp(char *out, size_t len, const char *fmt);

/* Read the whole file into a malloc'd buffer (not NUL-terminated).
 * Returns 0, or -1 with "PATH: reason" in err. */
int pb_read_file(const char *path, char **out, size_t *out_len, char *err, size_t err_len);

/* Write a file through a temporary beside it, renamed over the target only
 * when everything was written: a failed run never leaves half a file in
 * place of a good one.  pb_atomic_close returns -1 (and removes the
 * temporary) when anything failed. */
FILE *pb_atomic_open(const char *path, char *tmp, size_t tmp_len);
int pb_atomic_close(FILE *f, const char *tmp, const char *path);

#endif
