/* Synthetic sets: generated from the counter RNG exactly as documented,
 * deterministic, balanced, and the chi-square median they rely on. */
#include "data.h"
#include "pb_test.h"
#include "rng.h"

#include <string.h>

static double frac_class0(const pb_pool *p)
{
    size_t c = 0;
    for (size_t i = 0; i < p->n; i++)
        c += p->cls[i] == 0;
    return (double)c / (double)p->n;
}

static void test_set(const char *kind, size_t d)
{
    const size_t n = 20000;
    pb_pool a, b, c, small;
    char err[256] = "";
    CHECK_MSG(pb_pool_load(kind, d, n, 5, &a, err, sizeof err) == 0, "%s",
              err);
    CHECK(pb_pool_load(kind, d, n, 5, &b, err, sizeof err) == 0);
    CHECK(pb_pool_load(kind, d, n, 6, &c, err, sizeof err) == 0);
    CHECK(pb_pool_load(kind, d, 100, 5, &small, err, sizeof err) == 0);
    if (!a.x || !b.x || !c.x || !small.x)
        return;
    CHECK(strcmp(a.name, kind) == 0);
    CHECK(a.n == n && a.d == d && a.raw_dim == d && a.n_classes == 2);
    CHECK(a.synthetic == 1);
    CHECK(memcmp(a.x, b.x, n * d * sizeof *a.x) == 0);
    CHECK(memcmp(a.cls, b.cls, n * sizeof *a.cls) == 0);
    CHECK(memcmp(a.x, c.x, n * d * sizeof *a.x) != 0);
    /* Sample i does not depend on n. */
    CHECK(memcmp(a.x, small.x, 100 * d * sizeof *a.x) == 0);
    CHECK(memcmp(a.cls, small.cls, 100 * sizeof *a.cls) == 0);

    /* Raw Gaussian draws, untouched by any preprocessing. */
    int raw = 1;
    for (size_t i = 0; i < n * d; i += 997)
        raw &= a.x[i] == pb_rng_normal(5, PB_STREAM_DATA_X, i);
    CHECK_MSG(raw, "%s: inputs are not the documented RNG draws", kind);
    double ss = 0;
    for (size_t i = 0; i < n * d; i++)
        ss += a.x[i] * a.x[i];
    CHECK_CLOSE(ss / (double)n, (double)d, 0.03);

    double f = frac_class0(&a);
    CHECK_MSG(fabs(f - 0.5) < 0.03, "%s: class 0 fraction %g", kind, f);

    /* The labelling rule itself. */
    int rule = 1;
    double thr = pb_chi2_median(d);
    for (size_t i = 0; i < n; i++) {
        const double *x = a.x + i * d;
        int want;
        if (strcmp(kind, "stripe") == 0) {
            want = (x[0] > -0.3 && x[0] < 1.18549) ? 0 : 1;
        } else if (strcmp(kind, "sphere") == 0) {
            double r2 = 0;
            for (size_t j = 0; j < d; j++)
                r2 += x[j] * x[j];
            want = r2 < thr ? 0 : 1;
        } else {
            want = (int)pb_rng_below(5, PB_STREAM_DATA_Y, i, 2);
        }
        rule &= a.cls[i] == want;
    }
    CHECK_MSG(rule, "%s: classes do not follow the documented rule", kind);
    pb_pool_free(&a);
    pb_pool_free(&b);
    pb_pool_free(&c);
    pb_pool_free(&small);
}

/* P(k, t) for integer k in closed form: 1 - e^-t sum_{j<k} t^j / j!. */
static double gamma_p_int(int k, double t)
{
    /* Terms in log space: e^-t alone underflows for large d. */
    double sum = 0;
    for (int j = 0; j < k; j++)
        sum += exp(-t + j * log(t) - lgamma(j + 1.0));
    return 1.0 - sum;
}

static void test_chi2_median(void)
{
    CHECK(pb_chi2_median(0) == 0.0);
    /* d = 1: P(1/2, m/2) = erf(sqrt(m/2)). */
    double m1 = pb_chi2_median(1);
    CHECK_CLOSE(erf(sqrt(m1 / 2)), 0.5, 1e-14);
    CHECK_CLOSE(m1, 0.454936423119572, 1e-13);
    /* d = 2: exponential distribution, median 2 ln 2. */
    CHECK_CLOSE(pb_chi2_median(2), 2 * log(2.0), 1e-14);
    /* Even d against the closed form, and against Wilson-Hilferty
     * d (1 - 2/(9d))^3, which is accurate to O(1/d) here. */
    const int ds[] = {4, 10, 30, 100, 784, 2000};
    for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++) {
        int d = ds[k];
        double m = pb_chi2_median((size_t)d);
        CHECK_CLOSE(gamma_p_int(d / 2, m / 2), 0.5, 1e-12);
        double wh = d * pow(1 - 2.0 / (9 * d), 3);
        CHECK_MSG(fabs(m - wh) < 0.02, "d = %d: median %.15g, WH %.15g", d, m,
                  wh);
        CHECK(m < d && m > d - 1);
    }
}

static void test_errors(void)
{
    pb_pool p;
    char err[256] = "";
    CHECK(pb_pool_load("stripe", 0, 10, 1, &p, err, sizeof err) == -1);
    CHECK(strstr(err, "stripe") && strstr(err, "d"));
    CHECK(p.x == NULL);
    CHECK(pb_pool_load("sphere", 3, 0, 1, &p, err, sizeof err) == -1);
    CHECK(strstr(err, "sphere") != NULL);
    CHECK(pb_pool_load("spheres", 3, 10, 1, &p, err, sizeof err) == -1);
    CHECK(strstr(err, "spheres") != NULL);
    CHECK(pb_pool_load("random", (size_t)1 << 40, (size_t)1 << 40, 1, &p, err,
                       sizeof err) == -1);
}

int main(void)
{
    test_set("random", 5);
    test_set("stripe", 5);
    test_set("sphere", 10);
    test_set("sphere", 1);
    test_chi2_median();
    test_errors();
    return pb_test_done("test_data_synth");
}
