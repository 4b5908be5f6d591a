/* `phasebench bench`: that it runs and writes well-formed CSV.  Timings are
 * only checked for being positive numbers: a benchmark never asserts a
 * time.
 *
 *   test_bench              flop counts of the traced GEMM lists against
 *                           their closed forms, the statistics,
 *                           flag parsing, then the command run in process
 *                           (ref, tiny size) and a run with an unknown
 *                           backend (error rows, exit 1)
 *   test_bench --check F    check a CSV written by the phasebench binary */
#include "bench.h"
#include "commands.h"
#include "csv_table.h"
#include "pb_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The leading columns every consumer relies on, in this order. */
static const char *const required[] = {
    "schema_version", "backend", "dtype", "threads", "P", "d", "h", "L", "what",
    "median_s", "min_s", "stddev_s", "cv", "reps", "flops", "gflops",
    "roofline_gflops", "roofline_ratio",
};
#define N_REQUIRED (sizeof required / sizeof *required)

static double num(const pb_csv_table *t, size_t row, const char *col)
{
    int c = pb_csv_col(t, col);
    double v = NAN;
    if (c < 0 || !pb_csv_to_double(pb_csv_cell(t, row, (size_t)c), &v))
        return NAN;
    return v;
}

static const char *str(const pb_csv_table *t, size_t row, const char *col)
{
    int c = pb_csv_col(t, col);
    return c < 0 ? "" : pb_csv_cell(t, row, (size_t)c);
}

/* Header in order; every row that ran has positive timings; step, ntk and
 * gemm rows all present when want_all.  Returns the number of error rows. */
static size_t check_csv(const char *path, int want_all)
{
    pb_csv_table t;
    char err[1024];
    int rc = pb_csv_read(path, &t, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc != 0)
        return 0;
    CHECK(t.ncols > N_REQUIRED);
    for (size_t i = 0; i < N_REQUIRED && i < t.ncols; i++)
        CHECK_MSG(strcmp(t.header[i], required[i]) == 0, "column %zu is '%s', expected '%s'", i,
                  t.header[i], required[i]);
    CHECK(pb_csv_col(&t, "error") >= 0);
    CHECK(pb_csv_col(&t, "seed") >= 0);
    CHECK(pb_csv_col(&t, "build_commit") >= 0);
    int seen[3] = {0, 0, 0};
    size_t errors = 0;
    for (size_t r = 0; r < t.nrows; r++) {
        const char *what = str(&t, r, "what");
        int k = strcmp(what, "step") == 0 ? 0 : strcmp(what, "ntk") == 0 ? 1 : 2;
        CHECK_MSG(k < 2 || strcmp(what, "gemm") == 0, "row %zu: what = '%s'", r, what);
        CHECK(num(&t, r, "schema_version") == PB_BENCH_SCHEMA_VERSION);
        CHECK(num(&t, r, "flops") > 0);
        CHECK(str(&t, r, "backend")[0] != '\0');
        if (str(&t, r, "error")[0]) {
            errors++;
            CHECK(str(&t, r, "median_s")[0] == '\0');
            continue;
        }
        seen[k] = 1;
        double med = num(&t, r, "median_s");
        CHECK_MSG(med > 0, "row %zu (%s %s): median_s = %g", r, str(&t, r, "backend"), what, med);
        CHECK(num(&t, r, "min_s") > 0);
        CHECK(num(&t, r, "min_s") <= med);
        CHECK(num(&t, r, "stddev_s") >= 0);
        CHECK(num(&t, r, "reps") >= 1);
        CHECK(num(&t, r, "gflops") > 0);
        if (k < 2) {
            CHECK_MSG(num(&t, r, "roofline_gflops") > 0, "row %zu: no roofline", r);
            CHECK(num(&t, r, "roofline_ratio") > 0);
        } else {
            CHECK(str(&t, r, "roofline_ratio")[0] == '\0');
            CHECK(str(&t, r, "gemm_shape")[0] != '\0');
        }
    }
    if (want_all) {
        CHECK_MSG(seen[0], "no step row in %s", path);
        CHECK_MSG(seen[1], "no ntk row in %s", path);
        CHECK_MSG(seen[2], "no gemm row in %s", path);
    }
    pb_csv_table_free(&t);
    return errors;
}

static void test_counts(void)
{
    const pb_bench_size sizes[] = {{64, 5, 8, 1}, {64, 5, 8, 2}, {5000, 10, 512, 2},
                                   {100, 784, 30, 5}, {3, 1, 1, PB_MAX_LAYERS}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        const pb_bench_size *s = &sizes[i];
        pb_gemm_list l;
        char err[256];
        CHECK_MSG(pb_bench_step_gemms(s, &l, err, sizeof err) == 0, "%s", err);
        pb_bench_gemm *g = l.call;
        size_t n = l.n;
        CHECK(n == 3 * s->L + 2);
        CHECK_CLOSE(pb_bench_gemm_flops(g, n), pb_bench_step_flops(s), 1e-15);
        for (size_t k = 0; k < n; k++)
            CHECK(g[k].m > 0 && g[k].n > 0 && g[k].k > 0);
        pb_gemm_list_free(&l);
        size_t nn = s->P < 50 ? s->P : 50;
        CHECK_MSG(pb_bench_ntk_gemms(s, nn, &l, err, sizeof err) == 0, "%s", err);
        g = l.call;
        n = l.n;
        CHECK(n == 4 * s->L + 2);
        CHECK_CLOSE(pb_bench_gemm_flops(g, n), pb_bench_ntk_flops(s, nn), 1e-15);
        pb_gemm_list_free(&l);
    }
}

static void test_stats(void)
{
    const double x[] = {4.0, 1.0, 3.0, 2.0};
    pb_bench_stats s;
    pb_bench_stats_of(x, 4, &s);
    CHECK(s.n == 4);
    CHECK_CLOSE(s.median, 2.5, 1e-15);
    CHECK_CLOSE(s.min, 1.0, 0);
    CHECK_CLOSE(s.max, 4.0, 0);
    CHECK_CLOSE(s.mean, 2.5, 1e-15);
    CHECK_CLOSE(s.stddev, sqrt(5.0 / 3.0), 1e-15);
    CHECK_CLOSE(s.cv, sqrt(5.0 / 3.0) / 2.5, 1e-15);
    /* Large offset: the two-pass form keeps the spread. */
    const double y[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
    pb_bench_stats_of(y, 3, &s);
    CHECK_CLOSE(s.stddev, 1.0, 1e-9);
    pb_bench_stats_of(x, 1, &s);
    CHECK(s.stddev == 0.0 && s.median == 4.0);
}

static void test_parse(void)
{
    pb_bench_config c;
    char err[256];
    pb_bench_config_default(&c);
    CHECK(pb_bench_parse_sizes("64:5:8:2,1000:10:128:3", &c, err, sizeof err) == 0);
    CHECK(c.n_sizes == 2 && c.sizes[1].P == 1000 && c.sizes[1].L == 3);
    const char *bad[] = {"64:5:8", "64:5:8:2:1", "0:5:8:2", "64:5:8:17", "a:b:c:d",
                         "64:5:8:2,", ",64:5:8:2", "", "64::8:2", "-1:5:8:2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        CHECK_MSG(pb_bench_parse_sizes(bad[i], &c, err, sizeof err) != 0, "'%s' accepted", bad[i]);
        CHECK(err[0] != '\0');
    }
    unsigned w;
    CHECK(pb_bench_parse_what("ntk,gemm", &w, err, sizeof err) == 0 &&
          w == (PB_BENCH_NTK | PB_BENCH_GEMM));
    CHECK(pb_bench_parse_what("step,bogus", &w, err, sizeof err) != 0);
    CHECK(pb_bench_parse_backends("ref,blas", &c, err, sizeof err) == 0 && c.n_backends == 2);
    CHECK(pb_bench_parse_backends("ref,ref", &c, err, sizeof err) != 0);
}

static int run_cmd(const char *const *args, int n)
{
    char *argv[32];
    for (int i = 0; i < n; i++)
        argv[i] = (char *)args[i];
    argv[n] = NULL;
    return pb_cmd_bench(n, argv);
}

static void test_command(void)
{
    const char *out = "test_bench_inproc.csv";
    const char *args[] = {"phasebench", "bench",     "--backend", "ref",  "--sizes",
                          "64:5:8:2",   "--repetitions", "2",     "--warmup", "1",
                          "--ntk-points", "32",      "--out",     out};
    int rc = run_cmd(args, (int)(sizeof args / sizeof *args));
    CHECK_MSG(rc == 0, "phasebench bench returned %d", rc);
    CHECK(check_csv(out, 1) == 0);
    remove(out);

    /* An unknown backend: error rows, exit 1, the CSV still well formed. */
    const char *out2 = "test_bench_missing.csv";
    const char *args2[] = {"phasebench", "bench", "--backend", "nosuchbackend", "--sizes",
                           "16:2:4:1", "--repetitions", "1", "--warmup", "0",
                           "--what", "step,ntk", "--out", out2};
    rc = run_cmd(args2, (int)(sizeof args2 / sizeof *args2));
    CHECK_MSG(rc == 1, "unknown backend: returned %d", rc);
    CHECK(check_csv(out2, 0) == 2);
    remove(out2);

    /* Usage errors. */
    const char *args3[] = {"phasebench", "bench", "--sizes", "1:2:3"};
    CHECK(run_cmd(args3, 4) == 2);
    const char *args4[] = {"phasebench", "bench", "--repetitions", "0"};
    CHECK(run_cmd(args4, 4) == 2);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--check") == 0) {
        CHECK(check_csv(argv[2], 1) == 0);
        return pb_test_done("test_bench --check");
    }
    test_counts();
    test_stats();
    test_parse();
    test_command();
    return pb_test_done("test_bench");
}
