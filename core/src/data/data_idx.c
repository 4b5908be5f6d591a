/* IDX reader (the MNIST file format): gzip'd or plain, validated field by
 * field so that a bad file is reported, never trusted.
 *
 * zlib's gzread reads plain files transparently, so one code path serves
 * both; offsets in messages are offsets in the decompressed stream, which
 * for a plain file are file offsets. */
#include "data_readers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <errno.h>
#include <unistd.h>

#define IDX_MAGIC_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define IDX_MAGIC_LABELS 0x00000801u /* unsigned bytes, 1 dimension */
#define IDX_HEADER_IMAGES 16u
#define IDX_HEADER_LABELS 8u

/* Sizes beyond these are a corrupt header, not a dataset: refusing them
 * early keeps a lying header from provoking a huge allocation. */
#define IDX_MAX_SAMPLES ((uint64_t)1 << 31)
#define IDX_MAX_SIDE ((uint64_t)1 << 16)
#define IDX_MAX_PIXELS ((uint64_t)1 << 24)   /* per image */
#define IDX_MAX_BYTES ((uint64_t)1 << 34)    /* per file */

/* Largest single gzread request: its length argument is an unsigned int. */
#define IDX_READ_BLOCK ((size_t)1 << 24)

typedef struct idx_stream {
    gzFile gz;
    const char *path;
    uint64_t offset; /* bytes delivered so far */
    const char *unit; /* how offsets are counted, for messages */
} idx_stream;

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static int idx_open(idx_stream *s, const char *path, char *err,
                    size_t err_len)
{
    /* gzopen happily opens a directory; a clear message needs the check. */
    if (!pb_data_is_file(path))
        return pb_data_errf(err, err_len, "%s: no such file", path);
    s->path = path;
    s->offset = 0;
    s->gz = gzopen(path, "rb");
    if (!s->gz)
        return pb_data_errf(err, err_len, "%s: cannot open for reading",
                            path);
    gzbuffer(s->gz, 1u << 17);
    s->unit = "";
    return 0;
}

/* Reads up to len bytes; *got says how many came.  Fewer than len means
 * the data ended (the caller words the truncation message).  A zlib
 * failure that is not a plain end of data is an error here. */
static int idx_read(idx_stream *s, unsigned char *buf, size_t len,
                    size_t *got, char *err, size_t err_len)
{
    *got = 0;
    while (*got < len) {
        size_t want = len - *got;
        if (want > IDX_READ_BLOCK)
            want = IDX_READ_BLOCK;
        int r = gzread(s->gz, buf + *got, (unsigned)want);
        /* gzdirect is only meaningful after the first read. */
        s->unit = gzdirect(s->gz) ? "" : " of the decompressed data";
        if (r < 0) {
            int zerr = 0;
            const char *msg = gzerror(s->gz, &zerr);
            /* zlib prefixes its message with the path: drop the repeat. */
            size_t plen = strlen(s->path);
            if (msg && strncmp(msg, s->path, plen) == 0 &&
                strncmp(msg + plen, ": ", 2) == 0)
                msg += plen + 2;
            /* A gzip stream cut short surfaces as a buffer error: that is
             * a truncated file, reported as such by the caller. */
            if (zerr == Z_BUF_ERROR)
                break;
            return pb_data_errf(err, err_len,
                                "%s: byte offset %llu%s: gzip data is "
                                "corrupt (%s)",
                                s->path,
                                (unsigned long long)(s->offset + *got),
                                s->unit, msg ? msg : "unknown zlib error");
        }
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    s->offset += *got;
    return 0;
}

/* Reads exactly header_len bytes and checks the magic.  what names the
 * kind of file for messages ("image", "label"). */
static int idx_read_header(idx_stream *s, unsigned char *hdr,
                           size_t header_len, uint32_t magic,
                           const char *what, char *err, size_t err_len)
{
    size_t got = 0;
    if (idx_read(s, hdr, header_len, &got, err, err_len) != 0)
        return -1;
    if (got == 0)
        return pb_data_errf(err, err_len,
                            "%s: byte offset 0: file is empty, expected a "
                            "%zu-byte IDX %s header",
                            s->path, header_len, what);
    if (got >= 4 && be32(hdr) != magic) {
        uint32_t found = be32(hdr);
        const char *hint = "";
        if (found == IDX_MAGIC_LABELS)
            hint = " (that is the magic of an IDX label file)";
        else if (found == IDX_MAGIC_IMAGES)
            hint = " (that is the magic of an IDX image file)";
        else if ((found >> 16) != 0)
            hint = " (not an IDX file)";
        else if (((found >> 8) & 0xffu) != 0x08u)
            hint = " (element type is not unsigned byte 0x08)";
        else
            hint = " (wrong number of dimensions)";
        return pb_data_errf(err, err_len,
                            "%s: byte offset 0: expected IDX %s magic "
                            "0x%08x (unsigned bytes, %u dimension%s), "
                            "found 0x%08x%s",
                            s->path, what, (unsigned)magic,
                            (unsigned)(magic & 0xffu),
                            (magic & 0xffu) == 1 ? "" : "s",
                            (unsigned)found, hint);
    }
    if (got < header_len)
        return pb_data_errf(err, err_len,
                            "%s: header truncated: data ends at byte "
                            "offset %zu%s, expected %zu header bytes",
                            s->path, got, s->unit, header_len);
    return 0;
}

/* Reads a payload of exactly len bytes, growing the buffer as data really
 * arrives, then checks that nothing follows.  layout describes the
 * expected size for messages. */
static int idx_read_payload(idx_stream *s, size_t len, unsigned char **out,
                            const char *layout, char *err, size_t err_len)
{
    uint64_t start = s->offset;
    size_t cap = len < IDX_READ_BLOCK ? len : IDX_READ_BLOCK;
    size_t have = 0;
    unsigned char *buf = malloc(cap ? cap : 1);
    if (!buf)
        return pb_data_errf(err, err_len, "%s: out of memory (%zu bytes)",
                            s->path, cap);
    while (have < len) {
        if (have == cap) {
            size_t ncap = cap > len / 2 ? len : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return pb_data_errf(err, err_len,
                                    "%s: out of memory (%zu bytes)",
                                    s->path, ncap);
            }
            buf = nb;
            cap = ncap;
        }
        size_t want = cap - have, got = 0;
        if (idx_read(s, buf + have, want, &got, err, err_len) != 0) {
            free(buf);
            return -1;
        }
        have += got;
        if (got < want) /* the data ended */
            break;
    }
    if (have < len) {
        free(buf);
        return pb_data_errf(err, err_len,
                            "%s: data truncated: ends at byte offset "
                            "%llu%s, expected %llu bytes (%llu-byte header "
                            "+ %s)",
                            s->path, (unsigned long long)(start + have),
                            s->unit, (unsigned long long)(start + len),
                            (unsigned long long)start, layout);
    }
    unsigned char extra;
    size_t got = 0;
    if (idx_read(s, &extra, 1, &got, err, err_len) != 0) {
        free(buf);
        return -1;
    }
    if (got != 0) {
        free(buf);
        return pb_data_errf(err, err_len,
                            "%s: unexpected data after byte offset "
                            "%llu%s: the header announces %s",
                            s->path, (unsigned long long)(start + len),
                            s->unit, layout);
    }
    *out = buf;
    return 0;
}

int pb_idx_read_images(const char *path, size_t *n, size_t *rows,
                       size_t *cols, unsigned char **pix, char *err,
                       size_t err_len)
{
    idx_stream s;
    unsigned char hdr[IDX_HEADER_IMAGES];
    *pix = NULL;
    if (idx_open(&s, path, err, err_len) != 0)
        return -1;
    int rc = idx_read_header(&s, hdr, sizeof hdr, IDX_MAGIC_IMAGES, "image",
                             err, err_len);
    if (rc == 0) {
        uint64_t cn = be32(hdr + 4), cr = be32(hdr + 8), cc = be32(hdr + 12);
        uint64_t bytes = cn * cr * cc; /* each factor < 2^32: no overflow
                                          once the bounds below hold */
        if (cn == 0 || cn > IDX_MAX_SAMPLES)
            rc = pb_data_errf(err, err_len,
                              "%s: byte offset 4: image count %llu, expected "
                              "1..%llu",
                              path, (unsigned long long)cn,
                              (unsigned long long)IDX_MAX_SAMPLES);
        else if (cr == 0 || cc == 0 || cr > IDX_MAX_SIDE ||
                 cc > IDX_MAX_SIDE || cr * cc > IDX_MAX_PIXELS)
            rc = pb_data_errf(err, err_len,
                              "%s: byte offset 8: image size %llu x %llu, "
                              "expected 1..%llu pixels per image",
                              path, (unsigned long long)cr,
                              (unsigned long long)cc,
                              (unsigned long long)IDX_MAX_PIXELS);
        else if (bytes > IDX_MAX_BYTES || bytes > SIZE_MAX)
            rc = pb_data_errf(err, err_len,
                              "%s: byte offset 4: %llu images of %llu x %llu "
                              "make %llu bytes, more than the %llu accepted",
                              path, (unsigned long long)cn,
                              (unsigned long long)cr, (unsigned long long)cc,
                              (unsigned long long)bytes,
                              (unsigned long long)IDX_MAX_BYTES);
        else {
            char layout[128];
            snprintf(layout, sizeof layout, "%llu images x %llu x %llu bytes",
                     (unsigned long long)cn, (unsigned long long)cr,
                     (unsigned long long)cc);
            rc = idx_read_payload(&s, (size_t)bytes, pix, layout, err,
                                  err_len);
            *n = (size_t)cn;
            *rows = (size_t)cr;
            *cols = (size_t)cc;
        }
    }
    gzclose(s.gz);
    return rc;
}

int pb_idx_read_labels(const char *path, size_t *n, unsigned char **labels,
                       char *err, size_t err_len)
{
    idx_stream s;
    unsigned char hdr[IDX_HEADER_LABELS];
    *labels = NULL;
    if (idx_open(&s, path, err, err_len) != 0)
        return -1;
    int rc = idx_read_header(&s, hdr, sizeof hdr, IDX_MAGIC_LABELS, "label",
                             err, err_len);
    if (rc == 0) {
        uint64_t cn = be32(hdr + 4);
        if (cn == 0 || cn > IDX_MAX_SAMPLES) {
            rc = pb_data_errf(err, err_len,
                              "%s: byte offset 4: label count %llu, expected "
                              "1..%llu",
                              path, (unsigned long long)cn,
                              (unsigned long long)IDX_MAX_SAMPLES);
        } else {
            char layout[64];
            snprintf(layout, sizeof layout, "%llu labels x 1 byte",
                     (unsigned long long)cn);
            rc = idx_read_payload(&s, (size_t)cn, labels, layout, err,
                                  err_len);
            *n = (size_t)cn;
        }
    }
    for (size_t i = 0; rc == 0 && i < *n; i++) {
        if ((*labels)[i] >= PB_IMAGE_CLASSES)
            rc = pb_data_errf(err, err_len,
                              "%s: byte offset %zu: label %u, expected a "
                              "class index 0..%d",
                              path, IDX_HEADER_LABELS + i,
                              (unsigned)(*labels)[i], PB_IMAGE_CLASSES - 1);
    }
    if (rc != 0) {
        free(*labels);
        *labels = NULL;
    }
    gzclose(s.gz);
    return rc;
}

/* DIR/NAME.gz if it exists, else DIR/NAME; malloc'd, or NULL with err. */
static char *idx_find(const char *dir, const char *name, char *err,
                      size_t err_len)
{
    size_t len = strlen(dir) + strlen(name) + 8;
    char *p = malloc(len);
    if (!p) {
        pb_data_errf(err, err_len, "%s: out of memory", dir);
        return NULL;
    }
    snprintf(p, len, "%s/%s.gz", dir, name);
    if (pb_data_is_file(p))
        return p;
    snprintf(p, len, "%s/%s", dir, name);
    if (pb_data_is_file(p))
        return p;
    pb_data_errf(err, err_len, "%s: found neither %s/%s.gz nor %s/%s", dir,
                 dir, name, dir, name);
    free(p);
    return NULL;
}

/* One images/labels pair, with the counts cross-checked. */
static int idx_read_pair(const char *dir, const char *images_name,
                         const char *labels_name, char **images_path,
                         size_t *n, size_t *rows, size_t *cols,
                         unsigned char **pix, unsigned char **labels,
                         char *err, size_t err_len)
{
    int rc = -1;
    size_t nl = 0;
    char *ip = idx_find(dir, images_name, err, err_len);
    char *lp = ip ? idx_find(dir, labels_name, err, err_len) : NULL;
    *pix = NULL;
    *labels = NULL;
    if (!ip || !lp)
        goto done;
    if (pb_idx_read_images(ip, n, rows, cols, pix, err, err_len) != 0)
        goto done;
    if (pb_idx_read_labels(lp, &nl, labels, err, err_len) != 0)
        goto done;
    if (nl != *n) {
        pb_data_errf(err, err_len,
                     "%s: byte offset 4: header announces %zu labels, but "
                     "%s holds %zu images",
                     lp, nl, ip, *n);
        goto done;
    }
    rc = 0;
done:
    if (rc != 0) {
        free(*pix);
        free(*labels);
        *pix = NULL;
        *labels = NULL;
        free(ip);
        ip = NULL;
    }
    *images_path = ip;
    free(lp);
    return rc;
}

int pb_idx_load_dir(const char *dir, pb_raw_images *out, char *err,
                    size_t err_len)
{
    size_t ntr = 0, rtr = 0, ctr = 0, nte = 0, rte = 0, cte = 0;
    unsigned char *ptr = NULL, *ltr = NULL, *pte = NULL, *lte = NULL;
    char *train_path = NULL, *test_path = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (!pb_data_is_dir(dir))
        return pb_data_errf(err, err_len,
                            "%s: no such directory (expected the IDX files "
                            "train-images-idx3-ubyte[.gz] and friends)",
                            dir);
    if (idx_read_pair(dir, "train-images-idx3-ubyte",
                      "train-labels-idx1-ubyte", &train_path, &ntr, &rtr,
                      &ctr, &ptr, &ltr, err, err_len) != 0)
        goto done;
    if (idx_read_pair(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                      &test_path, &nte, &rte, &cte, &pte, &lte, err,
                      err_len) != 0)
        goto done;
    if (rte != rtr || cte != ctr) {
        pb_data_errf(err, err_len,
                     "%s: byte offset 8: images are %zu x %zu, expected "
                     "%zu x %zu like those of %s",
                     test_path, rte, cte, rtr, ctr, train_path);
        goto done;
    }
    size_t dim = rtr * ctr, n = ntr + nte;
    if (n > SIZE_MAX / dim) {
        pb_data_errf(err, err_len, "%s: pool of %zu images is too large", dir,
                     n);
        goto done;
    }
    unsigned char *pix = realloc(ptr, n * dim);
    int *cls = malloc(n * sizeof *cls);
    if (!pix || !cls) {
        if (pix)
            ptr = pix;
        free(cls);
        pb_data_errf(err, err_len, "%s: out of memory for %zu images", dir,
                     n);
        goto done;
    }
    ptr = NULL;
    memcpy(pix + ntr * dim, pte, nte * dim);
    for (size_t i = 0; i < ntr; i++)
        cls[i] = ltr[i];
    for (size_t i = 0; i < nte; i++)
        cls[ntr + i] = lte[i];
    out->n = n;
    out->dim = dim;
    out->pix = pix;
    out->cls = cls;
    rc = 0;
done:
    free(train_path);
    free(test_path);
    free(ptr);
    free(ltr);
    free(pte);
    free(lte);
    return rc;
}

/* The image header of one file: count and pixels per image, checked with
 * the bounds of pb_idx_read_images. */
static int idx_probe_images(const char *path, size_t *n, size_t *rows,
                            size_t *cols, char *err, size_t err_len)
{
    idx_stream s;
    unsigned char hdr[IDX_HEADER_IMAGES];
    if (idx_open(&s, path, err, err_len) != 0)
        return -1;
    int rc = idx_read_header(&s, hdr, sizeof hdr, IDX_MAGIC_IMAGES, "image",
                             err, err_len);
    gzclose(s.gz);
    if (rc != 0)
        return -1;
    uint64_t cn = be32(hdr + 4), cr = be32(hdr + 8), cc = be32(hdr + 12);
    if (cn == 0 || cn > IDX_MAX_SAMPLES || cr == 0 || cc == 0 ||
        cr > IDX_MAX_SIDE || cc > IDX_MAX_SIDE || cr * cc > IDX_MAX_PIXELS)
        return pb_data_errf(err, err_len,
                            "%s: byte offset 4: header announces %llu images "
                            "of %llu x %llu, outside the accepted sizes",
                            path, (unsigned long long)cn,
                            (unsigned long long)cr, (unsigned long long)cc);
    *n = (size_t)cn;
    *rows = (size_t)cr;
    *cols = (size_t)cc;
    return 0;
}

int pb_idx_probe_dir(const char *dir, size_t *n, size_t *dim, char *err,
                     size_t err_len)
{
    static const char *const names[4] = {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    if (!pb_data_is_dir(dir))
        return pb_data_errf(err, err_len,
                            "%s: no such directory (expected the IDX files "
                            "train-images-idx3-ubyte[.gz] and friends)",
                            dir);
    size_t cnt[2] = {0, 0}, rows[2] = {0, 0}, cols[2] = {0, 0};
    for (int i = 0; i < 4; i++) {
        char *p = idx_find(dir, names[i], err, err_len);
        if (!p)
            return -1;
        int rc = 0;
        if (access(p, R_OK) != 0)
            rc = pb_data_errf(err, err_len, "%s: cannot read: %s", p,
                              strerror(errno));
        else if (i % 2 == 0)
            rc = idx_probe_images(p, &cnt[i / 2], &rows[i / 2], &cols[i / 2],
                                  err, err_len);
        free(p);
        if (rc != 0)
            return -1;
    }
    if (rows[0] != rows[1] || cols[0] != cols[1])
        return pb_data_errf(err, err_len,
                            "%s: the test images are %zu x %zu, the train "
                            "images %zu x %zu",
                            dir, rows[1], cols[1], rows[0], cols[0]);
    *n = cnt[0] + cnt[1];
    *dim = rows[0] * cols[0];
    return 0;
}
