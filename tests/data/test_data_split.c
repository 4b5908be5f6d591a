/* Class-balanced splits: sizes, disjointness, balance, determinism, seed
 * dependence and the too-large error. */
#include "data.h"
#include "pb_test.h"

#include <string.h>

/* A 10-class pool whose feature i is the pool index, so copied rows can be
 * traced back.  Class of sample i: i % 10 (balanced), or skewed. */
static pb_pool make_pool(size_t n, int skew)
{
    pb_pool p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", skew ? "skewed" : "balanced");
    p.n = n;
    p.d = 2;
    p.raw_dim = 2;
    p.n_classes = 10;
    p.x = malloc(n * 2 * sizeof *p.x);
    p.cls = malloc(n * sizeof *p.cls);
    for (size_t i = 0; i < n; i++) {
        p.x[2 * i] = (double)i;
        p.x[2 * i + 1] = -(double)i;
        /* skewed: class 0 is rare (1 in 50), the rest round robin */
        p.cls[i] = skew ? (i % 50 == 0 ? 0 : 1 + (int)(i % 9)) : (int)(i % 10);
    }
    return p;
}

/* Each class count within one of the others. */
static int balanced(const pb_set *s, int n_classes)
{
    size_t cnt[16] = {0}, lo = (size_t)-1, hi = 0;
    for (size_t i = 0; i < s->n; i++)
        cnt[s->cls[i]]++;
    for (int c = 0; c < n_classes; c++) {
        lo = cnt[c] < lo ? cnt[c] : lo;
        hi = cnt[c] > hi ? cnt[c] : hi;
    }
    return hi - lo <= 1;
}

static void check_set(const pb_pool *pool, const pb_set *s, size_t n,
                      unsigned char *seen)
{
    CHECK(s->n == n);
    CHECK(s->d == pool->d);
    int ok = 1;
    for (size_t i = 0; i < s->n; i++) {
        size_t p = s->idx[i];
        ok &= p < pool->n;
        if (p >= pool->n)
            continue;
        ok &= seen[p] == 0; /* disjoint within and across sets */
        seen[p] = 1;
        ok &= s->x[2 * i] == (double)p && s->x[2 * i + 1] == -(double)p;
        ok &= s->cls[i] == pool->cls[p];
        ok &= s->y[i] == (pool->cls[p] % 2 == 0 ? 1.0 : -1.0);
    }
    CHECK_MSG(ok, "set rows, classes, labels or disjointness wrong");
}

static int same_set(const pb_set *a, const pb_set *b)
{
    return a->n == b->n &&
           (a->n == 0 || memcmp(a->idx, b->idx, a->n * sizeof *a->idx) == 0);
}

static void test_balanced_pool(void)
{
    pb_pool pool = make_pool(1000, 0);
    pb_split s1, s2, s3, s4;
    char err[256] = "";
    CHECK_MSG(pb_split_make(&pool, 300, 400, 55, 7, &s1, err, sizeof err) == 0,
              "%s", err);
    unsigned char *seen = calloc(pool.n, 1);
    check_set(&pool, &s1.test, 400, seen);
    check_set(&pool, &s1.kernel, 55, seen);
    check_set(&pool, &s1.train, 300, seen);
    CHECK(balanced(&s1.test, 10));
    CHECK(balanced(&s1.kernel, 10));
    CHECK(balanced(&s1.train, 10));

    /* Deterministic in the seed; another seed, another split. */
    CHECK(pb_split_make(&pool, 300, 400, 55, 7, &s2, err, sizeof err) == 0);
    CHECK(same_set(&s1.train, &s2.train) && same_set(&s1.test, &s2.test) &&
          same_set(&s1.kernel, &s2.kernel));
    CHECK(memcmp(s1.train.x, s2.train.x, 300 * 2 * sizeof(double)) == 0);
    CHECK(pb_split_make(&pool, 300, 400, 55, 8, &s3, err, sizeof err) == 0);
    CHECK(!same_set(&s1.train, &s3.train));
    CHECK(!same_set(&s1.test, &s3.test));

    /* One order, cut in turn: a larger train set extends the smaller one
     * and leaves test and kernel alone. */
    CHECK(pb_split_make(&pool, 500, 400, 55, 7, &s4, err, sizeof err) == 0);
    CHECK(same_set(&s1.test, &s4.test) && same_set(&s1.kernel, &s4.kernel));
    CHECK(memcmp(s1.train.idx, s4.train.idx, 300 * sizeof(size_t)) == 0);
    pb_split_free(&s2);
    pb_split_free(&s3);
    pb_split_free(&s4);

    /* The whole pool, and empty sets. */
    CHECK(pb_split_make(&pool, 545, 400, 55, 1, &s2, err, sizeof err) == 0);
    memset(seen, 0, pool.n);
    check_set(&pool, &s2.test, 400, seen);
    check_set(&pool, &s2.kernel, 55, seen);
    check_set(&pool, &s2.train, 545, seen);
    pb_split_free(&s2);
    CHECK(pb_split_make(&pool, 10, 0, 0, 1, &s2, err, sizeof err) == 0);
    CHECK(s2.test.n == 0 && s2.test.x == NULL && s2.kernel.n == 0);
    CHECK(s2.train.n == 10 && balanced(&s2.train, 10));
    pb_split_free(&s2);

    /* Too large: the message gives the numbers. */
    CHECK(pb_split_make(&pool, 600, 400, 1, 1, &s2, err, sizeof err) == -1);
    CHECK(strstr(err, "400") && strstr(err, "600") && strstr(err, "1000"));
    CHECK(s2.train.x == NULL && s2.test.x == NULL);
    CHECK(pb_split_make(&pool, (size_t)-1, 2, 0, 1, &s2, err, sizeof err) ==
          -1);

    pb_split_free(&s1);
    CHECK(s1.train.x == NULL && s1.train.n == 0);
    pb_split_free(&s1); /* idempotent */
    free(seen);
    pb_pool_free(&pool);
}

/* A rare class runs out: the sets stay disjoint and use everything. */
static void test_skewed_pool(void)
{
    pb_pool pool = make_pool(1000, 1);
    pb_split s;
    char err[256] = "";
    CHECK(pb_split_make(&pool, 600, 300, 100, 3, &s, err, sizeof err) == 0);
    unsigned char *seen = calloc(pool.n, 1);
    check_set(&pool, &s.test, 300, seen);
    check_set(&pool, &s.kernel, 100, seen);
    check_set(&pool, &s.train, 600, seen);
    /* The 20 samples of class 0 are dealt first: all in the test set. */
    size_t c0 = 0;
    for (size_t i = 0; i < s.test.n; i++)
        c0 += s.test.cls[i] == 0;
    CHECK(c0 == 20);
    pb_split_free(&s);
    free(seen);

    /* A class index outside 0..n_classes-1 is refused. */
    pool.cls[5] = 10;
    CHECK(pb_split_make(&pool, 1, 1, 1, 3, &s, err, sizeof err) == -1);
    CHECK(strstr(err, "class 10") != NULL);
    pb_pool_free(&pool);
}

/* On a synthetic pool (two classes) the train labels are half +1. */
static void test_synthetic_pool(void)
{
    pb_pool pool;
    char err[256] = "";
    CHECK(pb_pool_load("random", 4, 3000, 11, &pool, err, sizeof err) == 0);
    pb_split s;
    CHECK(pb_split_make(&pool, 1001, 1000, 100, 2, &s, err, sizeof err) == 0);
    double sum = 0;
    for (size_t i = 0; i < s.train.n; i++)
        sum += s.train.y[i];
    CHECK(fabs(sum) <= 1.0);
    pb_split_free(&s);
    pb_pool_free(&pool);
}

int main(void)
{
    test_balanced_pool();
    test_skewed_pool();
    test_synthetic_pool();
    return pb_test_done("test_data_split");
}
