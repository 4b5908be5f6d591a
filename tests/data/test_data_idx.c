/* IDX reader: good files (gzip'd, plain, mixed) read back exactly, and
 * every kind of bad file fails with a message naming the file and where. */
#include "data.h"
#include "data_readers.h"
#include "pb_test.h"

#include "data_test_files.h"

#define ROWS 3u
#define COLS 5u
#define DIM (ROWS * COLS)
#define NTR 6u
#define NTE 4u

static char msg[1024];

/* Loads spec expecting failure; returns the message (msg). */
static const char *load_fails(const char *spec)
{
    pb_pool pool;
    msg[0] = '\0';
    int rc = pb_pool_load(spec, 0, 0, 0, &pool, msg, sizeof msg);
    CHECK_MSG(rc == -1, "%s loaded but should not", spec);
    CHECK(pool.x == NULL && pool.cls == NULL && pool.n == 0);
    if (rc == 0)
        pb_pool_free(&pool);
    printf("expected failure: %s\n", msg);
    return msg;
}

/* A fresh directory holding a good set; returns its path in dir. */
static const char *good_dir(char *dir, const char *name, int gz)
{
    tf_mkdir(dir, name);
    CHECK(tf_write_idx_set(dir, NTR, NTE, ROWS, COLS, gz) == 0);
    return dir;
}

static void check_raw(const char *dir)
{
    pb_raw_images raw;
    char err[512] = "";
    int rc = pb_idx_load_dir(dir, &raw, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc != 0)
        return;
    CHECK(raw.n == NTR + NTE);
    CHECK(raw.dim == DIM);
    int same = 1;
    for (size_t i = 0; i < raw.n; i++) {
        same &= raw.cls[i] == tf_label(i);
        for (size_t j = 0; j < DIM; j++)
            same &= raw.pix[i * DIM + j] == tf_pixel(i, j);
    }
    CHECK_MSG(same, "pixels or labels of %s differ from what was written",
              dir);
    pb_raw_images_free(&raw);
}

/* Centre over the pool, scale each sample to norm sqrt(D), by hand. */
static void expected_x(double *x)
{
    const size_t n = NTR + NTE;
    double mean[DIM] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < DIM; j++)
            mean[j] += tf_pixel(i, j) / (double)n;
    for (size_t i = 0; i < n; i++) {
        double ss = 0;
        for (size_t j = 0; j < DIM; j++) {
            x[i * DIM + j] = tf_pixel(i, j) - mean[j];
            ss += x[i * DIM + j] * x[i * DIM + j];
        }
        for (size_t j = 0; j < DIM; j++)
            x[i * DIM + j] *= sqrt((double)DIM / ss);
    }
}

static void test_good(void)
{
    char a[TF_PATH], b[TF_PATH], c[TF_PATH], spec[TF_PATH + 16];
    good_dir(a, "gz", 1);
    good_dir(b, "plain", 0);
    check_raw(a);
    check_raw(b);

    /* .gz wins over the plain name: the plain files here hold other
     * (smaller) sets. */
    good_dir(c, "both", 1);
    CHECK(tf_write_idx_set(c, 2, 1, ROWS, COLS, 0) == 0);
    check_raw(c);

    double want[(NTR + NTE) * DIM];
    expected_x(want);
    const char *specs[2] = {"mnist:", "fashion:"};
    const char *dirs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        pb_pool pool;
        char err[512] = "";
        snprintf(spec, sizeof spec, "%s%s", specs[k], dirs[k]);
        int rc = pb_pool_load(spec, 0, 0, 0, &pool, err, sizeof err);
        CHECK_MSG(rc == 0, "%s: %s", spec, err);
        if (rc != 0)
            continue;
        CHECK(pool.n == NTR + NTE && pool.d == DIM && pool.raw_dim == DIM);
        CHECK(pool.n_classes == 10 && pool.synthetic == 0);
        CHECK(strncmp(pool.name, spec, sizeof pool.name - 1) == 0);
        double maxdiff = 0;
        for (size_t i = 0; i < pool.n * DIM; i++)
            maxdiff = fmax(maxdiff, fabs(pool.x[i] - want[i]));
        CHECK_MSG(maxdiff < 1e-12, "preprocessed pixels off by %g", maxdiff);
        for (size_t i = 0; i < pool.n; i++)
            CHECK(pool.cls[i] == tf_label(i));
        pb_pool_free(&pool);
        CHECK(pool.x == NULL && pool.n == 0);
    }
}

/* Overwrites dir/name with bytes b[0..len). */
static void put(const char *dir, const char *name, const unsigned char *b,
                size_t len, int gz)
{
    char p[TF_PATH];
    CHECK(tf_write(tf_join(p, dir, name), b, len, gz) == 0);
}

static void test_bad(int gz)
{
    const char *sfx = gz ? ".gz" : "";
    char dir[TF_PATH], spec[TF_PATH + 16], name[64], lname[64], tname[64];
    char sub[64];
    unsigned char pix[NTR * DIM], lab[NTR];
    for (size_t i = 0; i < NTR; i++) {
        lab[i] = tf_label(i);
        for (size_t j = 0; j < DIM; j++)
            pix[i * DIM + j] = tf_pixel(i, j);
    }
    size_t li, ll;
    unsigned char *img = tf_idx_images(NTR, ROWS, COLS, pix, &li);
    unsigned char *labf = tf_idx_labels(NTR, lab, &ll);
    snprintf(name, sizeof name, "train-images-idx3-ubyte%s", sfx);
    snprintf(lname, sizeof lname, "train-labels-idx1-ubyte%s", sfx);
    snprintf(tname, sizeof tname, "t10k-images-idx3-ubyte%s", sfx);
#define CASE(tag)                                                            \
    snprintf(sub, sizeof sub, "%s_%s", tag, gz ? "gz" : "plain");            \
    good_dir(dir, sub, gz);                                                  \
    snprintf(spec, sizeof spec, "mnist:%s", dir)

    /* Wrong magic: a label file where the images should be. */
    CASE("magic");
    img[3] = 0x01;
    put(dir, name, img, li, gz);
    img[3] = 0x03;
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "byte offset 0");
    CHECK_HAS(msg, "expected IDX image magic 0x00000803");
    CHECK_HAS(msg, "found 0x00000801");

    /* Pixel data cut inside the sixth image: 16 + 5*15 + 7 = 98 of 106. */
    CASE("trunc_data");
    put(dir, name, img, 98, gz);
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "byte offset 98");
    CHECK_HAS(msg, "expected 106 bytes");

    /* Header cut after 10 bytes. */
    CASE("trunc_header");
    put(dir, name, img, 10, gz);
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "byte offset 10");
    CHECK_HAS(msg, "expected 16 header bytes");

    /* Five labels for six images. */
    CASE("count");
    {
        size_t l5;
        unsigned char *b = tf_idx_labels(NTR - 1, lab, &l5);
        put(dir, lname, b, l5, gz);
        free(b);
    }
    load_fails(spec);
    CHECK_HAS(msg, lname);
    CHECK_HAS(msg, "5 labels");
    CHECK_HAS(msg, "6 images");

    /* Empty image file. */
    CASE("empty");
    put(dir, name, img, 0, gz);
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "byte offset 0");
    CHECK_HAS(msg, "empty");

    /* A label that is not a class 0..9, at byte 8 + 2. */
    CASE("label");
    labf[10] = 12;
    put(dir, lname, labf, ll, gz);
    labf[10] = lab[2];
    load_fails(spec);
    CHECK_HAS(msg, lname);
    CHECK_HAS(msg, "byte offset 10");
    CHECK_HAS(msg, "label 12");

    /* Absurd sizes in the header. */
    CASE("absurd_n");
    tf_be32(img + 4, 0xffffffffu);
    put(dir, name, img, li, gz);
    tf_be32(img + 4, NTR);
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "image count 4294967295");
    CASE("zero_rows");
    tf_be32(img + 8, 0);
    put(dir, name, img, li, gz);
    tf_be32(img + 8, ROWS);
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "byte offset 8");

    /* Bytes beyond what the header announces. */
    CASE("trailing");
    {
        unsigned char *b = malloc(li + 3);
        memcpy(b, img, li);
        memset(b + li, 7, 3);
        put(dir, name, b, li + 3, gz);
        free(b);
    }
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "unexpected data after byte offset 106");

    /* Test images of another shape than the train images. */
    CASE("shape");
    {
        size_t lt;
        unsigned char *b = tf_idx_images(NTE, COLS, ROWS, pix, &lt);
        put(dir, tname, b, lt, gz);
        free(b);
    }
    load_fails(spec);
    CHECK_HAS(msg, tname);
    CHECK_HAS(msg, "5 x 3");

    /* One of the four files missing. */
    CASE("missing");
    {
        char p[TF_PATH];
        snprintf(name, sizeof name, "t10k-labels-idx1-ubyte%s", sfx);
        unlink(tf_join(p, dir, name));
        snprintf(name, sizeof name, "train-images-idx3-ubyte%s", sfx);
    }
    load_fails(spec);
    CHECK_HAS(msg, dir);
    CHECK_HAS(msg, "t10k-labels-idx1-ubyte");
#undef CASE
    free(img);
    free(labf);
}

/* gzip-specific damage: a compressed stream cut short, and garbage in
 * the deflate data. */
static void test_bad_gzip(void)
{
    char dir[TF_PATH], spec[TF_PATH + 16], p[TF_PATH];
    const char *name = "train-images-idx3-ubyte.gz";
    enum { N = 200 };
    static unsigned char pix[N * DIM];
    for (size_t i = 0; i < N * DIM; i++)
        pix[i] = (unsigned char)((i * 2654435761u) >> 13);
    size_t li;
    unsigned char *img = tf_idx_images(N, ROWS, COLS, pix, &li);

    /* Compress to memory, then write only half of the compressed bytes. */
    uLongf clen = compressBound(li) + 64;
    unsigned char *tmp = malloc(clen);
    tf_mkdir(dir, "gz_cut");
    CHECK(tf_write_idx_set(dir, NTR, NTE, ROWS, COLS, 1) == 0);
    CHECK(tf_write(tf_join(p, dir, name), img, li, 1) == 0);
    FILE *f = fopen(p, "rb");
    size_t got = f ? fread(tmp, 1, clen, f) : 0;
    if (f)
        fclose(f);
    CHECK(got > 40);
    CHECK(tf_write(p, tmp, got / 2, 0) == 0);
    snprintf(spec, sizeof spec, "mnist:%s", dir);
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "truncated");

    /* Same length, garbage after the gzip header. */
    for (size_t i = 20; i < got - 8; i++)
        tmp[i] ^= 0x5a;
    CHECK(tf_write(p, tmp, got, 0) == 0);
    load_fails(spec);
    CHECK_HAS(msg, name);
    CHECK_HAS(msg, "byte offset");
    free(tmp);
    free(img);
}

static void test_bad_specs(void)
{
    load_fails("mnist:/nonexistent/pb_no_such_dir");
    CHECK_HAS(msg, "/nonexistent/pb_no_such_dir");
    CHECK_HAS(msg, "no such directory");
    load_fails("fashion:/nonexistent/pb_other");
    CHECK_HAS(msg, "/nonexistent/pb_other");
    load_fails("mnist:");
    CHECK_HAS(msg, "mnist:");
    load_fails("kmnist:/tmp");
    CHECK_HAS(msg, "kmnist:/tmp");
    load_fails("");
    CHECK(msg[0] != '\0');
    pb_pool pool;
    CHECK(pb_pool_load(NULL, 0, 0, 0, &pool, NULL, 0) == -1);
}

int main(void)
{
    if (tf_init() != 0)
        return 1;
    test_good();
    test_bad(0);
    test_bad(1);
    test_bad_gzip();
    test_bad_specs();
    tf_cleanup();
    return pb_test_done("test_data_idx");
}
