/* The op checker must catch what it claims to catch.  A "faulty" backend is
 * the reference with a few members replaced by broken wrappers; the test
 * runs the checker on it and requires the exact pattern of pass / FAIL /
 * unsupported per op:
 *   axpby        result perturbed by 1e-3 relative        -> FAIL (n > 0)
 *   gemm         writes one element past C, and accepts
 *                invalid views                             -> FAIL
 *   mul          reads out when b == 0                     -> FAIL (b == 0 cases)
 *   sum          result off by 1e-7 relative               -> FAIL in f64 only
 *   act_forward  unsupported                               -> unsupported
 *   loss         n_unsat off by one                        -> FAIL
 * and every other op must still pass. */
#include <string.h>

#include "backend_loader.h"
#include "csv_rows.h"
#include "opcheck.h"
#include "pb_test.h"

static const pb_backend_vtable *g_ref;

static pb_status bad_axpby(pb_backend *be, size_t n, double a, const pb_buf *x,
                           size_t xoff, double b, pb_buf *y, size_t yoff)
{
    pb_status st = g_ref->axpby(be, n, a, x, xoff, b, y, yoff);
    if (st == PB_OK && n > 0) {
        double v;
        g_ref->buf_download(be, y, yoff, &v, 1);
        v = v != 0 ? v * (1 + 1e-3) : 1e-3;
        g_ref->buf_upload(be, y, yoff, &v, 1);
    }
    return st;
}

static pb_status bad_gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m,
                          size_t n, size_t k, double alpha, const pb_buf *a,
                          size_t aoff, size_t lda, const pb_buf *b,
                          size_t boff, size_t ldb, double beta, pb_buf *c,
                          size_t coff, size_t ldc)
{
    pb_status st = g_ref->gemm(be, ta, tb, m, n, k, alpha, a, aoff, lda, b,
                               boff, ldb, beta, c, coff, ldc);
    if (st == PB_ERR_INVALID)
        return PB_OK; /* accepts what it should reject */
    if (st == PB_OK && m > 0 && n > 0)
        (void)g_ref->fill(be, c, coff + (m - 1) * ldc + n, 1, 7.0);
    return st;
}

static pb_status bad_mul(pb_backend *be, size_t n, double a, const pb_buf *x,
                         size_t xoff, const pb_buf *y, size_t yoff, double b,
                         pb_buf *out, size_t ooff)
{
    /* b == 0 must not read out; a tiny b does, and NaN leaks through. */
    return g_ref->mul(be, n, a, x, xoff, y, yoff, b == 0 ? 1e-300 : b, out,
                      ooff);
}

static pb_status bad_sum(pb_backend *be, size_t n, const pb_buf *x,
                         size_t xoff, double *result)
{
    pb_status st = g_ref->sum(be, n, x, xoff, result);
    if (st == PB_OK)
        *result *= 1 + 1e-7;
    return st;
}

static pb_status no_act_forward(pb_backend *be, const pb_act *act, size_t n,
                                const pb_buf *z, size_t zoff, pb_buf *out,
                                size_t ooff)
{
    (void)be, (void)act, (void)n, (void)z, (void)zoff, (void)out, (void)ooff;
    return PB_ERR_UNSUPPORTED;
}

static pb_status bad_loss(pb_backend *be, const pb_loss *loss, size_t n,
                          const pb_buf *o, size_t ooff, const pb_buf *y,
                          size_t yoff, pb_buf *grad, size_t goff,
                          pb_loss_stats *stats)
{
    pb_status st = g_ref->loss(be, loss, n, o, ooff, y, yoff, grad, goff,
                               stats);
    if (st == PB_OK)
        stats->n_unsat++;
    return st;
}

/* Expected status of a row of the faulty backend's report. */
static const char *expected(const char *op, const char *name, int f32)
{
    int invalid = strstr(name, "invalid") || strstr(name, "past the end") ||
                  strstr(name, "SIZE_MAX") || strstr(name, "<k");
    if (strcmp(op, "act_forward") == 0)
        return "unsupported";
    if (strcmp(op, "axpby") == 0)
        return invalid || strncmp(name, "n=0 ", 4) == 0 ? "pass" : "FAIL";
    if (strcmp(op, "gemm") == 0)
        return strncmp(name, "nn m=0 ", 7) == 0 ? "pass" : "FAIL";
    if (strcmp(op, "mul") == 0)
        return strstr(name, "b=0 ") ? "FAIL" : "pass";
    if (strcmp(op, "sum") == 0)
        return f32 || strcmp(name, "n=0") == 0 ? "pass" : "FAIL";
    if (strcmp(op, "loss") == 0)
        return invalid ? "pass" : "FAIL";
    return "pass";
}

static void run_faulty(const pb_backend_vtable *faulty, pb_dtype dtype)
{
    FILE *csv = tmpfile();
    CHECK(csv != NULL);
    if (!csv)
        return;
    int n_failed = 0, n_unsupported = 0;
    char err[512] = "";
    FILE *table = fopen("/dev/null", "w");
    int rc = pb_opcheck_run(g_ref, faulty, dtype, 7, table, csv, &n_failed,
                            &n_unsupported, err, sizeof err);
    if (table)
        fclose(table);
    CHECK_MSG(rc == 0, "opcheck: %s", err);
    CHECK(n_failed > 0);
    CHECK(n_unsupported > 0);

    csv_rows rows;
    CHECK(csv_rows_read(csv, &rows) == 0);
    int fails = 0, unsupported = 0;
    for (size_t r = 1; r < rows.n; r++) {
        const csv_row *row = &rows.rows[r];
        if (row->nfields != 11) {
            CHECK(row->nfields == 11);
            continue;
        }
        const char *want = expected(row->field[4], row->field[5],
                                    dtype == PB_F32);
        CHECK_MSG(strcmp(row->field[6], want) == 0,
                  "%s %s %s: %s, expected %s (%s)",
                  dtype == PB_F64 ? "f64" : "f32", row->field[4],
                  row->field[5], row->field[6], want, row->field[10]);
        fails += strcmp(row->field[6], "FAIL") == 0;
        unsupported += strcmp(row->field[6], "unsupported") == 0;
        /* A failure always says why. */
        if (strcmp(row->field[6], "FAIL") == 0)
            CHECK(row->field[10][0] != '\0');
        if (strcmp(row->field[4], "gemm") == 0 &&
            strcmp(row->field[6], "FAIL") == 0 &&
            !strstr(row->field[5], "<k") && !strstr(row->field[5], "past") &&
            !strstr(row->field[5], "SIZE_MAX"))
            CHECK_MSG(strstr(row->field[10], "outside its output view"),
                      "gemm %s: %s", row->field[5], row->field[10]);
    }
    CHECK(fails == n_failed);
    CHECK(unsupported == n_unsupported);
    csv_rows_free(&rows);
    fclose(csv);
}

int main(void)
{
    loaded_backend ref;
    int rc = load_backend("ref", &ref);
    if (rc == PB_TEST_SKIP)
        return PB_TEST_SKIP;
    CHECK(rc == 0);
    if (rc != 0)
        return pb_test_done("test_opcheck_faults");
    g_ref = ref.vt;

    pb_backend_vtable faulty = *ref.vt;
    faulty.name = "faulty";
    faulty.axpby = bad_axpby;
    faulty.gemm = bad_gemm;
    faulty.mul = bad_mul;
    faulty.sum = bad_sum;
    faulty.act_forward = no_act_forward;
    faulty.loss = bad_loss;
    run_faulty(&faulty, PB_F64);
    run_faulty(&faulty, PB_F32);

    /* A dut that cannot be checked at all is an error, not a pass. */
    pb_backend_vtable broken = *ref.vt;
    broken.buf_alloc = NULL;
    char err[256] = "";
    int n_failed = -1;
    CHECK(pb_opcheck_run(g_ref, &broken, PB_F64, 1, NULL, NULL, &n_failed,
                         NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "buffer member") != NULL);
    return pb_test_done("test_opcheck_faults");
}
