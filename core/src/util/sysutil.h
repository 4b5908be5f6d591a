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

/* An output file of a command.  A regular file (or a new path) is written
 * through a temporary beside it, flushed to disk and renamed over the
 * target only when everything was written: a failed command never leaves
 * half a file in place of a good one.  A symbolic link is followed: the
 * file it points to is replaced, the link stays.  A device, FIFO or pipe
 * (/dev/null, /dev/stdout, a named pipe) is written in place: it is never
 * replaced by a regular file. */
typedef struct pb_outfile {
    FILE *f;
    char path[4096];   /* what is written: the target, symbolic links resolved */
    char tmp[4160];    /* the temporary ("" when written in place) */
    int atomic;        /* 1: temporary + fsync + rename; 0: written in place */
} pb_outfile;

/* Whether path can be written, checked before any work: the folder that
 * will hold it exists and is writable, an existing target is not a folder
 * and is writable, a symbolic link is not dangling.  Returns 0, or -1 with
 * "PATH: reason" (the errno text where there is one) in err. */
int pb_output_check(const char *path, char *err, size_t err_len);

/* 1 when a and b name the same file: the same device and inode when both
 * exist, else the same path once the folders are resolved. */
int pb_same_file(const char *a, const char *b);

/* Open path for writing as described above.  Returns o->f, or NULL with
 * "PATH: reason" in err. */
FILE *pb_atomic_open(pb_outfile *o, const char *path, char *err, size_t err_len);

/* Flush, sync and close (then rename, when atomic).  Returns 0, or -1 with
 * "PATH: reason" in err; the temporary is removed and the old file kept. */
int pb_atomic_close(pb_outfile *o, char *err, size_t err_len);

/* Give up: close and remove the temporary, keep the old file. */
void pb_atomic_abort(pb_outfile *o);

/* SHA-256 of the file's bytes as 64 lowercase hex digits (Nettle's
 * implementation, FIPS 180-4).  Returns 0, or -1 with "PATH: reason". */
int pb_sha256_file(const char *path, char out[65], char *err, size_t err_len);

#endif
