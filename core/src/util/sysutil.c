#include "sysutil.h"

#include "strutil.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double pb_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void pb_utc_stamp(char *out, size_t len, const char *fmt)
{
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, len, fmt, &tm) == 0)
        pb_strcpy_trunc(out, len, "unknown");
}

int pb_read_file(const char *path, char **out, size_t *out_len, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            char *grown = realloc(buf, 2 * cap);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (!buf) {
        snprintf(err, err_len, "%s: out of memory reading the file", path);
        fclose(f);
        return -1;
    }
    if (ferror(f)) {
        snprintf(err, err_len, "%s: read error: %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *out = buf;
    *out_len = len;
    return 0;
}

/* The folder part of path ("." when there is none). */
static void dir_of(const char *path, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        pb_strcpy_trunc(out, len, ".");
    else if (slash == path)
        pb_strcpy_trunc(out, len, "/");
    else
        snprintf(out, len, "%.*s", (int)(slash - path), path);
}

int pb_output_check(const char *path, char *err, size_t err_len)
{
    struct stat lst, st;
    if (!path[0]) {
        snprintf(err, err_len, "empty output path");
        return -1;
    }
    if (lstat(path, &lst) == 0) {
        if (stat(path, &st) != 0) {
            snprintf(err, err_len, "%s: a symbolic link to nothing (%s)", path, strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, err_len, "%s: is a folder, expected a file", path);
            return -1;
        }
        if (access(path, W_OK) != 0) {
            snprintf(err, err_len, "%s: cannot write: %s", path, strerror(errno));
            return -1;
        }
        if (!S_ISREG(st.st_mode))
            return 0; /* a device or FIFO is written in place */
        char real[PATH_MAX], dir[PATH_MAX];
        if (!realpath(path, real)) {
            snprintf(err, err_len, "%s: cannot resolve: %s", path, strerror(errno));
            return -1;
        }
        dir_of(real, dir, sizeof dir);
        if (access(dir, W_OK | X_OK) != 0) {
            snprintf(err, err_len,
                     "%s: cannot replace it: its folder %s is not writable (%s); the file is "
                     "replaced whole, through a temporary beside it",
                     path, dir, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0) {
        snprintf(err, err_len, "%s: its folder %s: %s", path, dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "%s: %s is not a folder", path, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, err_len, "%s: cannot create a file in %s: %s", path, dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* path with its folder resolved (the file itself may not exist yet). */
static void normalised(const char *path, char *out, size_t len)
{
    char real[PATH_MAX], dir[PATH_MAX];
    if (realpath(path, real)) {
        pb_strcpy_trunc(out, len, real);
        return;
    }
    dir_of(path, dir, sizeof dir);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (realpath(dir, real))
        snprintf(out, len, "%s/%s", real, base);
    else
        pb_strcpy_trunc(out, len, path);
}

int pb_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char na[PATH_MAX + 256], nb[PATH_MAX + 256];
    normalised(a, na, sizeof na);
    normalised(b, nb, sizeof nb);
    return strcmp(na, nb) == 0;
}

FILE *pb_atomic_open(pb_outfile *o, const char *path, char *err, size_t err_len)
{
    memset(o, 0, sizeof *o);
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, err_len, "%s: is a folder, expected a file", path);
            return NULL;
        }
        /* A device, FIFO or pipe: written in place, never replaced. */
        pb_strcpy_trunc(o->path, sizeof o->path, path);
        o->f = fopen(path, "w");
        if (!o->f)
            snprintf(err, err_len, "%s: cannot open for writing: %s", path, strerror(errno));
        return o->f;
    }
    /* A regular file (through any symbolic link) or a new one. */
    if (exists && realpath(path, o->path) == NULL) {
        snprintf(err, err_len, "%s: cannot resolve: %s", path, strerror(errno));
        return NULL;
    }
    if (!exists)
        pb_strcpy_trunc(o->path, sizeof o->path, path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.XXXXXX", o->path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        snprintf(err, err_len, "%s: cannot create a temporary beside it: %s", path,
                 strerror(errno));
        o->tmp[0] = '\0';
        return NULL;
    }
    /* The new file keeps the old one's permissions, or gets the usual ones. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, exists ? (st.st_mode & 07777) : (0666 & ~mask)) != 0) {
        /* Not fatal: mkstemp's 0600 is the safe side. */
    }
    o->atomic = 1;
    o->f = fdopen(fd, "w");
    if (!o->f) {
        snprintf(err, err_len, "%s: %s", o->tmp, strerror(errno));
        close(fd);
        unlink(o->tmp);
        o->tmp[0] = '\0';
    }
    return o->f;
}

int pb_atomic_close(pb_outfile *o, char *err, size_t err_len)
{
    if (!o->f) {
        snprintf(err, err_len, "%s: not open", o->path);
        return -1;
    }
    int rc = 0;
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) {
        snprintf(err, err_len, "%s: write failed: %s", o->path,
                 errno ? strerror(errno) : "I/O error");
        rc = -1;
    }
    if (rc == 0 && o->atomic && fsync(fileno(o->f)) != 0) {
        snprintf(err, err_len, "%s: fsync failed: %s", o->path, strerror(errno));
        rc = -1;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        snprintf(err, err_len, "%s: close failed: %s", o->path, strerror(errno));
        rc = -1;
    }
    o->f = NULL;
    if (o->atomic) {
        if (rc == 0 && rename(o->tmp, o->path) != 0) {
            snprintf(err, err_len, "%s: cannot rename %s over it: %s", o->path, o->tmp,
                     strerror(errno));
            rc = -1;
        }
        if (rc != 0)
            unlink(o->tmp);
    }
    return rc;
}

void pb_atomic_abort(pb_outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->atomic && o->tmp[0])
        unlink(o->tmp);
}

int pb_sha256_file(const char *path, char out[65], char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open to hash it: %s", path, strerror(errno));
        return -1;
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&ctx, n, buf);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, err_len, "%s: read error while hashing it", path);
        return -1;
    }
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    return 0;
}
