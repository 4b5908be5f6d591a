/* libFuzzer harness: the IDX reader (data_idx.c), plain and gzip'd.  The
 * first byte chooses: bit 0 gzip the rest, bit 1 read it as labels rather
 * than images; then the rest is also read through the folder loader and the
 * plan-time probe, as a train images file beside fixed small files. */
#include "data_readers.h"

#include "fuzz_util.h"

#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_gz(const char *path, const uint8_t *data, size_t n)
{
    gzFile g = gzopen(path, "wb1");
    if (!g || (n && gzwrite(g, data, (unsigned)n) != (int)n) || gzclose(g) != Z_OK)
        abort();
}

/* A valid two-sample 2x2 image file and its label file. */
static const uint8_t images[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2,
                                 1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t labels[] = {0, 0, 8, 1, 0, 0, 0, 2, 3, 4};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    int gz = data[0] & 1, as_labels = data[0] & 2;
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    char path[512], err[512], other[512];
    /* one folder per flavour, so a .gz never shadows the plain file */
    const char *sub = gz ? "gz" : "raw";
    const char *name = as_labels ? "train-labels-idx1-ubyte" : "train-images-idx3-ubyte";
    char file[128];
    snprintf(file, sizeof file, "%s%s", name, gz ? ".gz" : "");
    fuzz_path(path, sizeof path, sub, file);
    if (gz)
        write_gz(path, body, n);
    else
        fuzz_write(path, body, n);

    size_t cnt = 0, rows = 0, cols = 0;
    unsigned char *buf = NULL;
    if (as_labels) {
        if (pb_idx_read_labels(path, &cnt, &buf, err, sizeof err) == 0)
            free(buf);
        fuzz_write(fuzz_path(other, sizeof other, sub, "train-images-idx3-ubyte"), images, sizeof images);
    } else {
        if (pb_idx_read_images(path, &cnt, &rows, &cols, &buf, err, sizeof err) == 0)
            free(buf);
        fuzz_write(fuzz_path(other, sizeof other, sub, "train-labels-idx1-ubyte"), labels, sizeof labels);
    }
    fuzz_write(fuzz_path(other, sizeof other, sub, "t10k-images-idx3-ubyte"), images, sizeof images);
    fuzz_write(fuzz_path(other, sizeof other, sub, "t10k-labels-idx1-ubyte"), labels, sizeof labels);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", fuzz_dir(), sub);
    size_t dim = 0;
    pb_idx_probe_dir(dir, &cnt, &dim, err, sizeof err);
    pb_raw_images raw;
    if (pb_idx_load_dir(dir, &raw, err, sizeof err) == 0)
        pb_raw_images_free(&raw);
    remove(path);
    return 0;
}
