/* The declared columns of every core table (core/src/report/tables.c) and
 * the row, table and text-table writers built on them (report.h,
 * report_table.h, text_table.h). */
#include "csv_table.h"
#include "model.h"
#include "pb_test.h"
#include "report_table.h"
#include "tables.h"
#include "text_table.h"
#include "train.h"
#include "train_params.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Everything written to f so far (f is rewound and truncated after). */
static char *slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    char *s = calloc((size_t)(n > 0 ? n : 0) + 1, 1);
    rewind(f);
    if (s && n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    return s;
}

static char *header_text(const pb_columns *c)
{
    size_t len = 1;
    for (size_t i = 0; i < c->n; i++)
        len += strlen(c->col[i].name) + 1;
    char *s = calloc(len, 1);
    for (size_t i = 0; s && i < c->n; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, c->col[i].name);
    }
    if (s)
        strcat(s, "\n");
    return s;
}

/* First line of a file of the repository, with its newline. */
static char *first_line(const char *rel)
{
    const char *src = getenv("PB_SOURCE_DIR");
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *line = calloc(8192, 1);
    if (line && !fgets(line, 8192, f))
        line[0] = '\0';
    fclose(f);
    return line;
}

/* A value of the column's type, so that any declared table takes a full row. */
static void set_any(pb_row *r, const pb_column *c)
{
    switch (c->type) {
    case PB_COL_STR: pb_row_str(r, c->name, "x,y"); break;
    case PB_COL_INT: pb_row_int(r, c->name, 7); break;
    case PB_COL_DBL: pb_row_dbl(r, c->name, 0.5); break;
    }
}

/* Every declared table: sound declaration; the table writer's header is the
 * declaration, and a full row reads back with the header's field count. */
static void test_declared_headers(void)
{
    size_t n_tables = 0;
    for (const pb_columns *const *t = pb_declared_tables; *t; t++, n_tables++) {
        const pb_columns *c = *t;
        CHECK_MSG(c->table && *c->table && c->n > 0, "table %zu has no name or columns", n_tables);
        for (size_t i = 0; i < c->n; i++) {
            const pb_column *col = &c->col[i];
            CHECK_MSG(col->name && *col->name && strpbrk(col->name, ",\" \n") == NULL,
                      "%s: column %zu has no plain name", c->table, i);
            CHECK_MSG(col->meaning && *col->meaning, "%s: %s has no meaning", c->table, col->name);
            CHECK_MSG(pb_columns_find(c, col->name) == (int)i, "%s: %s declared twice", c->table,
                      col->name);
            CHECK_MSG(col->text != PB_TEXT_TAIL || i + 1 == c->n || col->label,
                      "%s: tail column %s without a prefix", c->table, col->name);
        }
        FILE *f = tmpfile();
        CHECK(f != NULL);
        if (!f)
            continue;
        pb_table tab;
        pb_table_attach(&tab, f, c, 1);
        pb_row row;
        pb_row_init_columns(&row, c);
        for (size_t i = 0; i < c->n; i++)
            set_any(&row, &c->col[i]);
        char err[256] = "";
        CHECK_MSG(pb_table_write(&tab, &row, err, sizeof err) == 0, "%s: %s", c->table, err);
        pb_row_free(&row);
        pb_table_close(&tab);
        char *text = slurp(f);
        char *want = header_text(c);
        CHECK_MSG(text && want && strncmp(text, want, strlen(want)) == 0,
                  "%s: header is not the declaration:\n%s", c->table, text ? text : "");
        free(want);
        free(text);
        fclose(f);
    }
    CHECK(n_tables >= 14);
    /* one dw_norm_l column for every weight layer a net can have */
    CHECK(pb_cols_dyn_layers.n == PB_MAX_LAYERS + 1);
}

/* runs.csv, claims.csv and manifest.csv as the stored smoke reference has
 * them: the declarations did not change a byte of the headers. */
static void test_reference_headers(void)
{
    char err[256];
    pb_columns runs;
    CHECK(pb_train_columns(&runs, 1, err, sizeof err) == 0);
    char *want = header_text(&runs);
    char *have = first_line("results/reference/smoke/runs.csv");
    CHECK_MSG(want && have && strcmp(want, have) == 0, "runs.csv header\n  declared %s  stored   %s",
              want ? want : "", have ? have : "");
    free(want);
    free(have);

    pb_columns train;
    CHECK(pb_train_columns(&train, 0, err, sizeof err) == 0);
    CHECK(train.n + 2 == runs.n);
    CHECK(strcmp(train.col[0].name, "schema_version") == 0);
    CHECK(strcmp(runs.col[0].name, "experiment") == 0 && strcmp(runs.col[1].name, "role") == 0);
    /* the training parameters' columns sit inside, in their table's order */
    pb_column params[64];
    size_t np = pb_params_columns(params, 64);
    int at = pb_columns_find(&runs, params[0].name);
    CHECK(at > 0);
    for (size_t i = 0; at > 0 && i < np; i++)
        CHECK_MSG(strcmp(runs.col[(size_t)at + i].name, params[i].name) == 0, "param column %zu",
                  i);
    pb_columns_free(&train);
    pb_columns_free(&runs);

    want = header_text(&pb_cols_claims);
    have = first_line("results/reference/smoke/claims.csv");
    CHECK_MSG(want && have && strcmp(want, have) == 0, "claims.csv header %s", have ? have : "");
    free(want);
    free(have);
    want = header_text(&pb_cols_manifest);
    have = first_line("results/reference/smoke/manifest.csv");
    CHECK_MSG(want && have && strcmp(want, have) == 0, "manifest.csv header %s", have ? have : "");
    free(want);
    free(have);
}

/* A finished and a failed run write rows of the one declaration: same
 * columns, and the failed run's results empty. */
static void test_runs_rows(void)
{
    char err[256];
    pb_columns cols;
    CHECK(pb_train_columns(&cols, 1, err, sizeof err) == 0);
    pb_train_config c;
    pb_train_config_default(&c);
    pb_backend_info info = {"ref", "f64", "k=v", 1};
    pb_train_result ok, bad;
    memset(&ok, 0, sizeof ok);
    memset(&bad, 0, sizeof bad);
    ok.ok = 1;
    ok.n_params = 100;
    ok.stop = PB_STOP_CONVERGED;
    ok.ntk_r = NAN;
    ok.w0_norm = 1;
    snprintf(bad.error, sizeof bad.error, "no data");
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    pb_table t;
    pb_table_attach(&t, f, &cols, 1);
    const pb_train_result *rs[] = {&bad, &ok};
    for (int k = 0; k < 2; k++) {
        pb_row row;
        pb_row_init_columns(&row, &cols);
        pb_row_str(&row, "experiment", "jamming");
        pb_row_str(&row, "role", "scan");
        pb_train_row(&c, &info, rs[k], &row);
        CHECK_MSG(pb_row_check(&row, err, sizeof err) == 0, "%s", err);
        CHECK(pb_table_write(&t, &row, err, sizeof err) == 0);
        pb_row_free(&row);
    }
    pb_table_close(&t);
    char *text = slurp(f);
    fclose(f);
    /* read back: three lines, every one with the header's field count */
    char path[] = "/tmp/pb_test_runs_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *g = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (g && text) {
        fputs(text, g);
        fclose(g);
        pb_csv_table tab;
        CHECK_MSG(pb_csv_read(path, &tab, err, sizeof err) == 0, "%s", err);
        CHECK(tab.ncols == cols.n && tab.nrows == 2);
        int se = pb_csv_col(&tab, "stop_reason"), st = pb_csv_col(&tab, "steps");
        int ee = pb_csv_col(&tab, "error"), nd = pb_csv_col(&tab, "train_nd_tol");
        CHECK(se >= 0 && st >= 0 && ee >= 0 && nd >= 0);
        if (tab.nrows == 2 && se >= 0 && st >= 0 && ee >= 0 && nd >= 0) {
            CHECK(strcmp(pb_csv_cell(&tab, 0, (size_t)se), "error") == 0);
            CHECK(strcmp(pb_csv_cell(&tab, 0, (size_t)st), "") == 0);
            CHECK(strcmp(pb_csv_cell(&tab, 0, (size_t)nd), "") == 0);
            CHECK(strcmp(pb_csv_cell(&tab, 0, (size_t)ee), "no data") == 0);
            CHECK(strcmp(pb_csv_cell(&tab, 1, (size_t)se), "converged") == 0);
            CHECK(strcmp(pb_csv_cell(&tab, 1, (size_t)st), "0") == 0);
            CHECK(strcmp(pb_csv_cell(&tab, 1, (size_t)nd), "0") == 0);
        }
        pb_csv_table_free(&tab);
    }
    if (fd >= 0)
        remove(path);
    free(text);
    pb_columns_free(&cols);
}

/* A column the declaration lacks, or a value of another type, is refused:
 * the row is marked, and the table writes nothing of it. */
static void test_unknown_column_refused(void)
{
    char err[256] = "";
    pb_row row;
    pb_row_init_columns(&row, &pb_cols_claims);
    CHECK(pb_row_check(&row, err, sizeof err) == 0);
    CHECK(pb_row_str(&row, "claim", "c") == 0);
    CHECK(pb_row_dbl(&row, "measurd", 1.0) == -1); /* a typo */
    CHECK(pb_row_check(&row, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "claims.csv") && strstr(err, "'measurd'"), "message: %s", err);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (f) {
        pb_table t;
        pb_table_attach(&t, f, &pb_cols_claims, 1);
        CHECK(pb_table_write(&t, &row, err, sizeof err) == -1);
        CHECK(strstr(err, "measurd") != NULL);
        pb_table_close(&t);
        CHECK(ftell(f) == 0); /* not even the header */
        fclose(f);
    }
    pb_row_free(&row);

    /* declared type */
    pb_row_init_columns(&row, &pb_cols_claims);
    CHECK(pb_row_int(&row, "measured", 3) == -1);
    CHECK(pb_row_check(&row, err, sizeof err) == -1 && strstr(err, "measured"));
    pb_row_free(&row);

    /* a free row (a restored unit's record) written into a declared table */
    pb_row free_row;
    pb_row_init(&free_row);
    pb_row_str(&free_row, "claim", "c");
    pb_row_str(&free_row, "verdict", "pass");
    f = tmpfile();
    if (f) {
        pb_table t;
        pb_table_attach(&t, f, &pb_cols_claims, 1);
        CHECK(pb_table_write(&t, &free_row, err, sizeof err) == 0);
        pb_row_str(&free_row, "not_a_claim_column", "v");
        CHECK(pb_table_write(&t, &free_row, err, sizeof err) == -1);
        CHECK(strstr(err, "not_a_claim_column") != NULL);
        pb_table_close(&t);
        char *text = slurp(f);
        CHECK_MSG(text && strcmp(text, "claim,experiment,measured,expected,tolerance,verdict,"
                                      "detail\nc,,,,,pass,\n") == 0,
                  "%s", text ? text : "");
        free(text);
        fclose(f);
    }
    pb_row_free(&free_row);

    /* a declaration with a name twice is refused when joined */
    const pb_columns *twice[] = {&pb_cols_claims, &pb_cols_claims};
    pb_columns j;
    CHECK(pb_columns_join(&j, "x", twice, 2, err, sizeof err) == -1);
    CHECK(strstr(err, "declared twice") != NULL);
}

/* NaN of either sign, the infinities and -0: one spelling, whichever writer. */
static void test_double_spelling(void)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {{NAN, "nan"}, {-NAN, "nan"}, {INFINITY, "inf"}, {-INFINITY, "-inf"},
                 {-0.0, "-0"}, {0.0, "0"},    {0.1, "0.10000000000000001"},
                 {1e300, "1.0000000000000001e+300"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[64];
        pb_csv_format_double(buf, sizeof buf, cases[i].v);
        CHECK_MSG(strcmp(buf, cases[i].text) == 0, "format %zu: %s", i, buf);
        FILE *f = tmpfile();
        if (!f)
            continue;
        pb_csv_write_double(f, cases[i].v);
        char *a = slurp(f);
        CHECK_MSG(a && strcmp(a, cases[i].text) == 0, "write %zu: %s", i, a ? a : "");
        free(a);
        /* through a row of a declared table, as every report writes it */
        rewind(f);
        pb_row row;
        pb_row_init_columns(&row, &pb_cols_trajcheck);
        pb_row_dbl(&row, "nmse", cases[i].v);
        pb_cell_write(f, pb_row_get(&row, "nmse"));
        pb_row_free(&row);
        fflush(f);
        char *b = slurp(f);
        CHECK_MSG(b && strncmp(b, cases[i].text, strlen(cases[i].text)) == 0, "cell %zu: %s", i,
                  b ? b : "");
        free(b);
        fclose(f);
        /* and it reads back (NaN as NaN, -0 with its sign) */
        double back;
        CHECK(pb_csv_to_double(cases[i].text, &back));
        CHECK_MSG(isnan(cases[i].v) ? isnan(back)
                                    : back == cases[i].v && signbit(back) == signbit(cases[i].v),
                  "read back %zu", i);
    }
    /* the text tables: NaN and empty as "-" */
    char buf[64];
    pb_cell nan_cell = {"nmse", PB_CELL_DBL, NULL, 0, NAN};
    pb_text_cell(buf, sizeof buf, &pb_cols_opcheck.col[pb_columns_find(&pb_cols_opcheck, "nmse")],
                 &nan_cell);
    CHECK(strcmp(buf, "-") == 0);
    pb_text_cell(buf, sizeof buf, &pb_cols_bench.col[0], NULL);
    CHECK(strcmp(buf, "-") == 0);
}

/* Split a text line on runs of blanks (the labels hold single spaces:
 * "roof GF/s", so they are matched against the header as printed). */
static void test_bench_text_matches_csv(void)
{
    /* the text columns are CSV columns, in the CSV's order */
    int last = -1;
    size_t shown = 0;
    for (size_t i = 0; i < pb_cols_bench.n; i++) {
        const pb_column *c = &pb_cols_bench.col[i];
        if (c->text == PB_TEXT_NONE)
            continue;
        CHECK_MSG((int)i > last, "text column %s out of the CSV's order", c->name);
        last = (int)i;
        shown++;
    }
    CHECK(shown == 14); /* 13 aligned and the failure tail */
    /* the header and a row line up, label by label */
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    pb_text_header(f, &pb_cols_bench);
    char *head = slurp(f);
    fclose(f);
    CHECK_MSG(head && strcmp(head, "backend    dtype thr       P     d      h   L what        "
                                   "median      cv   GFLOP/s roof GF/s   ratio\n") == 0,
              "header: '%s'", head ? head : "");
    size_t pos = 0;
    for (size_t i = 0; head && i < pb_cols_bench.n; i++) {
        const pb_column *c = &pb_cols_bench.col[i];
        if (c->text == PB_TEXT_NONE || c->text == PB_TEXT_TAIL)
            continue;
        const char *label = c->label ? c->label : c->name;
        const char *at = strstr(head + pos, label);
        CHECK_MSG(at != NULL, "label %s missing or out of order", label);
        if (at)
            pos = (size_t)(at - head) + strlen(label);
    }
    free(head);

    pb_row row;
    pb_row_init_columns(&row, &pb_cols_bench);
    pb_row_str(&row, "backend", "ref");
    pb_row_str(&row, "dtype", "f64");
    pb_row_int(&row, "threads", 1);
    pb_row_int(&row, "P", 64);
    pb_row_int(&row, "d", 5);
    pb_row_int(&row, "h", 8);
    pb_row_int(&row, "L", 2);
    pb_row_str(&row, "what", "step");
    pb_row_dbl(&row, "median_s", 88.0e-6);
    pb_row_dbl(&row, "cv", 0.005);
    pb_row_dbl(&row, "gflops", 0.434);
    f = tmpfile();
    if (f) {
        pb_text_row(f, &pb_cols_bench, &row);
        pb_row_str(&row, "error", "out of memory");
        pb_text_row(f, &pb_cols_bench, &row);
        char *text = slurp(f);
        CHECK_MSG(text && strcmp(text,
                                 "ref        f64     1      64     5      8   2 step       88.0 us "
                                 "   0.5%      0.43         -       -\n"
                                 "ref        f64     1      64     5      8   2 step       88.0 us "
                                 "   0.5%      0.43         -       -  FAILED: out of memory\n") == 0,
                  "rows:\n%s", text ? text : "");
        free(text);
        fclose(f);
    }
    pb_row_free(&row);
}

/* Fitted widths (compare's differences): as wide as the widest cell, capped,
 * the last column unpadded. */
static void test_fitted_text_table(void)
{
    pb_row rows[2];
    static const char *const v[2][8] = {
        {"jamming", "h=16", "test_err_mean", "0.1", "0.2", "0.1", "exact", "FAIL"},
        {"kernel", "kind=run_mean h=16", "r", "1", "1", "0", "rel 1e-9", "ok"}};
    for (int r = 0; r < 2; r++) {
        pb_row_init_columns(&rows[r], &pb_cols_compare);
        for (size_t k = 0; k < 8; k++)
            pb_row_str(&rows[r], pb_cols_compare.col[k].name, v[r][k]);
    }
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (f) {
        pb_text_table(f, &pb_cols_compare, rows, 2, 72);
        char *text = slurp(f);
        CHECK_MSG(text && strcmp(text,
                                 "table    key                 column         ref  run  |diff|  "
                                 "tolerance  verdict\n"
                                 "jamming  h=16                test_err_mean  0.1  0.2  0.1     "
                                 "exact      FAIL\n"
                                 "kernel   kind=run_mean h=16  r              1    1    0       "
                                 "rel 1e-9   ok\n") == 0,
                  "table:\n%s", text ? text : "");
        free(text);
        fclose(f);
    }
    for (int r = 0; r < 2; r++)
        pb_row_free(&rows[r]);
}

int main(void)
{
    test_declared_headers();
    test_reference_headers();
    test_runs_rows();
    test_unknown_column_refused();
    test_double_spelling();
    test_bench_text_matches_csv();
    test_fitted_text_table();
    return pb_test_done("test_report_columns");
}
