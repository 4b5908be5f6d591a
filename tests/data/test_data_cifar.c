/* CIFAR-10 reader: small batches read back exactly from DIR and from
 * DIR/cifar-10-batches-bin, and bad batches fail with clear messages. */
#include "data.h"
#include "data_readers.h"
#include "pb_test.h"

#include "data_test_files.h"

/* Records per file: data_batch_1..5, test_batch. */
static const size_t per_file[6] = {3, 2, 2, 1, 2, 4};
static const char *const names[6] = {
    "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
    "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
#define NTOTAL 14u

static char msg[1024];

static void write_batches(const char *dir)
{
    size_t first = 0;
    char p[TF_PATH];
    for (int f = 0; f < 6; f++) {
        size_t len;
        unsigned char *b = tf_cifar_bytes(first, per_file[f], &len);
        CHECK(tf_write(tf_join(p, dir, names[f]), b, len, 0) == 0);
        free(b);
        first += per_file[f];
    }
}

static const char *load_fails(const char *spec)
{
    pb_pool pool;
    msg[0] = '\0';
    int rc = pb_pool_load(spec, 0, 0, 0, &pool, msg, sizeof msg);
    CHECK_MSG(rc == -1, "%s loaded but should not", spec);
    CHECK(pool.x == NULL && pool.n == 0);
    if (rc == 0)
        pb_pool_free(&pool);
    printf("expected failure: %s\n", msg);
    return msg;
}

static void test_good(void)
{
    char top[TF_PATH], inner[TF_PATH], spec[TF_PATH + 16];
    tf_mkdir(top, "cifar");
    tf_mkdir(inner, "cifar/cifar-10-batches-bin");
    write_batches(inner);

    /* Both the folder above and the batches folder itself work. */
    const char *dirs[2] = {top, inner};
    for (int k = 0; k < 2; k++) {
        pb_raw_images raw;
        char err[512] = "";
        int rc = pb_cifar10_load_dir(dirs[k], &raw, err, sizeof err);
        CHECK_MSG(rc == 0, "%s", err);
        if (rc != 0)
            continue;
        CHECK(raw.n == NTOTAL && raw.dim == 3072);
        int same = 1;
        for (size_t i = 0; i < raw.n; i++) {
            same &= raw.cls[i] == (int)(i % 10);
            for (size_t j = 0; j < 3072; j++)
                same &= raw.pix[i * 3072 + j] == tf_pixel(i, j);
        }
        CHECK_MSG(same, "CIFAR pixels or labels differ from what was written");
        pb_raw_images_free(&raw);
    }

    /* Through the spec, raw and with PCA. */
    pb_pool pool;
    char err[512] = "";
    snprintf(spec, sizeof spec, "cifar10:%s", top);
    int rc = pb_pool_load(spec, 0, 0, 0, &pool, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc == 0) {
        CHECK(pool.n == NTOTAL && pool.d == 3072 && pool.raw_dim == 3072);
        CHECK(pool.n_classes == 10);
        for (size_t i = 0; i < pool.n; i++) {
            double ss = 0;
            for (size_t j = 0; j < pool.d; j++)
                ss += pool.x[i * pool.d + j] * pool.x[i * pool.d + j];
            CHECK_CLOSE(ss, 3072.0, 1e-12);
        }
        pb_pool_free(&pool);
    }
    rc = pb_pool_load(spec, 5, 0, 0, &pool, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc == 0) {
        CHECK(pool.n == NTOTAL && pool.d == 5 && pool.raw_dim == 3072);
        double ss = 0;
        for (size_t i = 0; i < pool.n * pool.d; i++)
            ss += pool.x[i] * pool.x[i];
        CHECK_CLOSE(ss / (double)pool.n, 5.0, 1e-10);
        pb_pool_free(&pool);
    }
    rc = pb_pool_load(spec, 3073, 0, 0, &pool, err, sizeof err);
    CHECK(rc == -1);
    CHECK_HAS(err, "3073");
    CHECK_HAS(err, "3072");
}

static void test_bad(void)
{
    char dir[TF_PATH], spec[TF_PATH + 16], p[TF_PATH];
    size_t len;
    unsigned char *b = tf_cifar_bytes(0, 2, &len);

    /* A partial record at the end: 2 * 3073 + 100 bytes. */
    tf_mkdir(dir, "cifar_size");
    write_batches(dir);
    {
        unsigned char *c = malloc(len + 100);
        memcpy(c, b, len);
        memset(c + len, 1, 100);
        CHECK(tf_write(tf_join(p, dir, "data_batch_3.bin"), c, len + 100, 0)
              == 0);
        free(c);
    }
    snprintf(spec, sizeof spec, "cifar10:%s", dir);
    load_fails(spec);
    CHECK_HAS(msg, "data_batch_3.bin");
    CHECK_HAS(msg, "not a multiple of 3073");
    CHECK_HAS(msg, "byte offset 6146");
    CHECK_HAS(msg, "expected 9219");

    /* A label of 10 in the second record (byte offset 3073). */
    tf_mkdir(dir, "cifar_label");
    write_batches(dir);
    b[3073] = 10;
    CHECK(tf_write(tf_join(p, dir, "test_batch.bin"), b, len, 0) == 0);
    b[3073] = 1;
    snprintf(spec, sizeof spec, "cifar10:%s", dir);
    load_fails(spec);
    CHECK_HAS(msg, "test_batch.bin");
    CHECK_HAS(msg, "byte offset 3073");
    CHECK_HAS(msg, "label 10");

    /* Empty batch. */
    tf_mkdir(dir, "cifar_empty");
    write_batches(dir);
    CHECK(tf_write(tf_join(p, dir, "data_batch_5.bin"), b, 0, 0) == 0);
    snprintf(spec, sizeof spec, "cifar10:%s", dir);
    load_fails(spec);
    CHECK_HAS(msg, "data_batch_5.bin");
    CHECK_HAS(msg, "empty");

    /* Missing test batch. */
    tf_mkdir(dir, "cifar_missing");
    write_batches(dir);
    unlink(tf_join(p, dir, "test_batch.bin"));
    snprintf(spec, sizeof spec, "cifar10:%s", dir);
    load_fails(spec);
    CHECK_HAS(msg, "test_batch.bin");

    /* No batches at all, and no directory. */
    tf_mkdir(dir, "cifar_none");
    snprintf(spec, sizeof spec, "cifar10:%s", dir);
    load_fails(spec);
    CHECK_HAS(msg, "data_batch_1.bin");
    CHECK_HAS(msg, "cifar-10-batches-bin");
    load_fails("cifar10:/nonexistent/pb_cifar");
    CHECK_HAS(msg, "/nonexistent/pb_cifar");
    free(b);
}

int main(void)
{
    if (tf_init() != 0)
        return 1;
    test_good();
    test_bad();
    tf_cleanup();
    return pb_test_done("test_data_cifar");
}
