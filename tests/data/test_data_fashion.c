/* The real Fashion-MNIST pool from Debian's dataset-fashion-mnist, with
 * PCA to 10 components as in the paper's MNIST runs.  A visible skip when
 * the package is not installed. */
#include "data.h"
#include "data_readers.h"
#include "pb_test.h"

#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    if (!pb_data_is_dir(PB_FASHION_DEFAULT_DIR)) {
        printf("skip: %s not present (install dataset-fashion-mnist)\n",
               PB_FASHION_DEFAULT_DIR);
        return 77;
    }
    pb_pool pool;
    char err[512] = "";
    double t0 = now();
    int rc = pb_pool_load("fashion", 10, 0, 0, &pool, err, sizeof err);
    double t1 = now();
    CHECK_MSG(rc == 0, "%s", err);
    if (rc != 0)
        return pb_test_done("test_data_fashion");
    printf("fashion, d = 10: loaded and preprocessed in %.2f s\n", t1 - t0);

    CHECK(pool.n == 70000 && pool.d == 10 && pool.raw_dim == 784);
    CHECK(pool.n_classes == 10 && pool.synthetic == 0);
    /* First label of each file: both are 9 (ankle boot). */
    CHECK(pool.cls[0] == 9 && pool.cls[60000] == 9);
    size_t pos = 0, per_class[10] = {0};
    double ss = 0, first = 0;
    int finite = 1;
    for (size_t i = 0; i < pool.n; i++) {
        pos += pool.cls[i] % 2 == 0;
        per_class[pool.cls[i]]++;
        for (size_t k = 0; k < pool.d; k++) {
            double v = pool.x[i * pool.d + k];
            finite &= isfinite(v);
            ss += v * v;
            if (k == 0)
                first += v * v;
        }
    }
    CHECK(finite);
    /* A fingerprint of the pool, to compare builds and thread counts. */
    double fp = 0;
    for (size_t i = 0; i < pool.n * pool.d; i++)
        fp += pool.x[i] * (double)(i % 7 + 1);
    printf("fingerprint sum_i x_i (i %% 7 + 1) = %.17g\n", fp);
    CHECK(pos == 35000);
    for (int c = 0; c < 10; c++)
        CHECK(per_class[c] == 7000);
    CHECK_CLOSE(ss / (double)pool.n, 10.0, 1e-9);
    /* The first component carries the most variance: more than the
     * average 1 per component. */
    CHECK(first / (double)pool.n > 1.0);

    /* The paper's split sizes. */
    pb_split s;
    rc = pb_split_make(&pool, 5000, 40000, 2500, 0, &s, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc == 0) {
        double ysum = 0;
        for (size_t i = 0; i < s.train.n; i++)
            ysum += s.train.y[i];
        CHECK(s.train.n == 5000 && s.test.n == 40000 && s.kernel.n == 2500);
        CHECK(ysum == 0.0);
        pb_split_free(&s);
    }
    pb_pool_free(&pool);
    return pb_test_done("test_data_fashion");
}
