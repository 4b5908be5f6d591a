/* csv_table: reading (fields, line numbers, every error path) and the writer
 * helpers (quoting, doubles that read back bit for bit). */
#include "csv_table.h"
#include "pb_test.h"
#include "tmp_tree.h"

#include <math.h>
#include <string.h>

static char dir[4096];
static char err[1024];

/* Write text to a file called name in the scratch folder and read it. */
static int read_text(const char *name, const char *text, pb_csv_table *t)
{
    tmp_write(dir, name, text);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    err[0] = '\0';
    return pb_csv_read(path, t, err, sizeof err);
}

static void test_good_table(void)
{
    pb_csv_table t;
    /* blank line, quoted comma, doubled quote, a field over two lines, CRLF,
     * leading space kept, no final newline */
    const char *text = "a,b,c\n"
                       "1,\"x,y\",\" q\"\"uote\"\n"
                       "\n"
                       "2,\"two\nlines\",z\r\n"
                       "3, sp ,\n"
                       "4,,last";
    CHECK(read_text("good.csv", text, &t) == 0);
    CHECK_MSG(err[0] == '\0', "%s", err);
    CHECK(t.ncols == 3);
    CHECK(t.nrows == 4);
    CHECK(pb_csv_col(&t, "b") == 1);
    CHECK(pb_csv_col(&t, "nope") == -1);
    if (t.nrows == 4) {
        CHECK(strcmp(pb_csv_cell(&t, 0, 1), "x,y") == 0);
        CHECK(strcmp(pb_csv_cell(&t, 0, 2), " q\"uote") == 0);
        CHECK(strcmp(pb_csv_cell(&t, 1, 1), "two\nlines") == 0);
        CHECK(strcmp(pb_csv_cell(&t, 1, 2), "z") == 0);
        CHECK(strcmp(pb_csv_cell(&t, 2, 1), " sp ") == 0);
        CHECK(strcmp(pb_csv_cell(&t, 2, 2), "") == 0);
        CHECK(strcmp(pb_csv_cell(&t, 3, 2), "last") == 0);
        CHECK_MSG(t.line[0] == 2 && t.line[1] == 4 && t.line[2] == 6 &&
                      t.line[3] == 7,
                  "lines %zu %zu %zu %zu", t.line[0], t.line[1], t.line[2],
                  t.line[3]);
    }
    pb_csv_table_free(&t);
    CHECK(t.nrows == 0 && t.cells == NULL);

    /* A byte order mark is not part of the first column's name. */
    CHECK(read_text("bom.csv", "\xEF\xBB\xBFkey,value\nx,1\n", &t) == 0);
    CHECK(pb_csv_col(&t, "key") == 0);
    pb_csv_table_free(&t);

    /* Header only: a valid table with no rows. */
    CHECK(read_text("header.csv", "a,b\n", &t) == 0);
    CHECK(t.ncols == 2 && t.nrows == 0);
    pb_csv_table_free(&t);
}

static void expect_error(const char *name, const char *text, const char *want1,
                         const char *want2)
{
    pb_csv_table t;
    CHECK_MSG(read_text(name, text, &t) == -1, "%s read without error", name);
    CHECK_MSG(strstr(err, want1) != NULL, "'%s' not in: %s", want1, err);
    CHECK_MSG(strstr(err, want2) != NULL, "'%s' not in: %s", want2, err);
    CHECK(t.nrows == 0 && t.header == NULL);
    pb_csv_table_free(&t);
}

static void test_errors(void)
{
    expect_error("count.csv", "a,b,c\n1,2,3\n\n4,5\n", "count.csv:4:",
                 "expected 3 fields (as in the header), found 2");
    expect_error("more.csv", "a\n1\n2,3\n", "more.csv:3:", "found 2");
    expect_error("quote.csv", "a,b\n1,2\n3,x\"y\n", "quote.csv:3:",
                 "syntax error");
    expect_error("after.csv", "a,b\n\"1\"x,2\n", "after.csv:2:", "syntax error");
    expect_error("open.csv", "a,b\n1,2\n3,\"never\nclosed\n", "open.csv:3:",
                 "unterminated");
    expect_error("empty.csv", "", "empty.csv:1:", "empty file");
    expect_error("blank.csv", "\n\n", "blank.csv:1:", "empty file");
    expect_error("dup.csv", "a,b,a\n1,2,3\n", "dup.csv:1:",
                 "column 'a' appears twice");

    pb_csv_table t;
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/no-such.csv", dir);
    CHECK(pb_csv_read(missing, &t, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "no-such.csv") && strstr(err, "No such file"), "%s",
              err);
    pb_csv_table_free(&t);
}

static void test_to_double(void)
{
    double v = 0;
    CHECK(pb_csv_to_double("1.5", &v) && v == 1.5);
    CHECK(pb_csv_to_double("-2e-3", &v) && v == -2e-3);
    CHECK(pb_csv_to_double("nan", &v) && isnan(v));
    CHECK(pb_csv_to_double("-inf", &v) && isinf(v) && v < 0);
    CHECK(!pb_csv_to_double("", &v));
    CHECK(!pb_csv_to_double(" 1", &v));
    CHECK(!pb_csv_to_double("1 ", &v));
    CHECK(!pb_csv_to_double("1x", &v));
    CHECK(!pb_csv_to_double("abc", &v));
}

static void test_writer_round_trip(void)
{
    const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines",
                            " lead", "trail ", "", "tab\tinside"};
    const size_t nf = sizeof fields / sizeof fields[0];
    const double values[] = {0.1, 1.0 / 3.0, -0.0, 1e-300, 6.02214076e23,
                             NAN, INFINITY, -INFINITY, 4.9406564584124654e-324};
    const size_t nv = sizeof values / sizeof values[0];

    char path[4200];
    snprintf(path, sizeof path, "%s/written.csv", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    for (size_t i = 0; i < nf; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%zu", i);
        fprintf(f, "%s,", name);
    }
    for (size_t i = 0; i < nv; i++)
        fprintf(f, "v%zu%s", i, i + 1 < nv ? "," : "\n");
    for (size_t i = 0; i < nf; i++) {
        pb_csv_write_field(f, fields[i]);
        fputc(',', f);
    }
    for (size_t i = 0; i < nv; i++) {
        pb_csv_write_double(f, values[i]);
        fputc(i + 1 < nv ? ',' : '\n', f);
    }
    CHECK(!ferror(f));
    fclose(f);

    /* Quoting only where needed keeps the file readable. */
    FILE *r = fopen(path, "rb");
    char raw[1024] = "";
    size_t got = r ? fread(raw, 1, sizeof raw - 1, r) : 0;
    raw[got] = '\0';
    if (r)
        fclose(r);
    CHECK(strstr(raw, "\nplain,\"a,b\",\"say \"\"hi\"\"\",") != NULL);
    CHECK(strstr(raw, ",tab\tinside,") != NULL);
    CHECK(strstr(raw, ",nan,inf,-inf,") != NULL);

    pb_csv_table t;
    CHECK(pb_csv_read(path, &t, err, sizeof err) == 0);
    CHECK_MSG(t.nrows == 1 && t.ncols == nf + nv, "%s", err);
    if (t.nrows == 1 && t.ncols == nf + nv) {
        for (size_t i = 0; i < nf; i++)
            CHECK_MSG(strcmp(pb_csv_cell(&t, 0, i), fields[i]) == 0,
                      "field %zu read back as '%s'", i, pb_csv_cell(&t, 0, i));
        for (size_t i = 0; i < nv; i++) {
            double v;
            CHECK(pb_csv_to_double(pb_csv_cell(&t, 0, nf + i), &v));
            if (isnan(values[i]))
                CHECK(isnan(v));
            else
                CHECK_MSG(memcmp(&v, &values[i], sizeof v) == 0,
                          "value %zu: wrote %.17g, read %.17g", i, values[i], v);
        }
    }
    pb_csv_table_free(&t);
}

int main(void)
{
    if (tmp_make_dir(dir, sizeof dir, "pb_csv_") != 0) {
        perror("mkdtemp");
        return 1;
    }
    test_good_table();
    test_errors();
    test_to_double();
    test_writer_round_trip();
    tmp_remove_tree(dir);
    return pb_test_done("test_compare_csv_table");
}
