/* The table of training parameters (train_params.c) and the output helpers
 * (sysutil.c): one parser for every source, values used exactly as written
 * or refused, safe replacement of output files. */
#include "pb_test.h"

#include "suggest.h"
#include "sysutil.h"
#include "train_params.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int set(const char *key, const char *text, pb_train_config *c, char *err, size_t n)
{
    const pb_param *p = pb_param_by_key(key);
    return p ? pb_param_set(p, c, text, err, n) : -2;
}

static void test_table(void)
{
    pb_train_config c;
    pb_train_config_default(&c);
    char err[256];
    CHECK(pb_train_config_check(&c, err, sizeof err) == 0);
    for (size_t i = 0; i < pb_n_params; i++) {
        const pb_param *p = &pb_params[i];
        CHECK_MSG(p->flag && pb_param_by_flag(p->flag) == p, "%s: flag", p->name);
        if (p->key)
            CHECK_MSG(pb_param_by_key(p->key) == p, "%s: key", p->name);
        CHECK_MSG(p->help && *p->help, "%s: help", p->name);
        /* the default, written as text, reads back to itself */
        char text[300];
        pb_param_format(p, &c, text, sizeof text);
        pb_train_config d = c;
        CHECK_MSG(pb_param_set(p, &d, text, err, sizeof err) == 0, "%s: default '%s': %s",
                  p->name, text, err);
        CHECK_MSG(memcmp(&d, &c, sizeof c) == 0, "%s: default changed on re-reading", p->name);
        for (size_t j = 0; j < i; j++)
            if (p->column && pb_params[j].column)
                CHECK_MSG(strcmp(p->column, pb_params[j].column) != 0, "column %s twice", p->column);
    }
    /* the report columns, in the order runs.csv has always had */
    pb_row row;
    pb_row_init(&row);
    pb_params_row(&c, &row);
    static const char *const cols[] = {"dataset", "d", "ptr", "pte", "ptk", "L", "h", "act",
                                       "act_beta", "alpha", "loss", "loss_beta", "loss_margin", "margin_tol",
                                       "tau", "seed_init", "seed_data", "max_steps", "max_time"};
    CHECK(row.n == sizeof cols / sizeof *cols);
    for (size_t i = 0; i < row.n && i < sizeof cols / sizeof *cols; i++)
        CHECK_MSG(strcmp(row.cells[i].name, cols[i]) == 0, "column %zu is %s, expected %s", i,
                  row.cells[i].name, cols[i]);
    pb_row_free(&row);
}

static void test_values(void)
{
    pb_train_config c;
    pb_train_config_default(&c);
    char err[256];
    CHECK(set("ptr", "40", &c, err, sizeof err) == 0 && c.ptr == 40);
    CHECK(set("ptr", "1e4", &c, err, sizeof err) == 0 && c.ptr == 10000);
    CHECK(set("ptr", "40.7", &c, err, sizeof err) == -1 && strstr(err, "found '40.7'"));
    CHECK(c.ptr == 10000); /* a refused value changes nothing */
    CHECK(set("ptr", "40, 80", &c, err, sizeof err) == -1);
    CHECK(set("ptr", "40..80+40", &c, err, sizeof err) == -1);
    CHECK(set("ptr", "0", &c, err, sizeof err) == -1);
    CHECK(set("ptr", " 40", &c, err, sizeof err) == -1);
    CHECK(set("ptr", "0x10", &c, err, sizeof err) == -1);
    CHECK(set("max_steps", "20.9", &c, err, sizeof err) == -1);
    CHECK(set("max_steps", "9e18", &c, err, sizeof err) == 0 && c.max_steps == 9000000000000000000LL);
    CHECK(set("L", "0", &c, err, sizeof err) == -1 && strstr(err, "[1, 16]"));
    CHECK(set("L", "17", &c, err, sizeof err) == -1);
    CHECK(set("L", "16", &c, err, sizeof err) == 0 && c.L == 16);
    CHECK(set("seed_init", "9007199254740993", &c, err, sizeof err) == -1);
    CHECK(set("seed_init", "12345678901", &c, err, sizeof err) == 0 && c.seed_init == 12345678901ULL);
    CHECK(set("alpha", "1e-3", &c, err, sizeof err) == 0 && c.alpha == 1e-3);
    CHECK(set("alpha", "0", &c, err, sizeof err) == -1);
    CHECK(set("alpha", "nan", &c, err, sizeof err) == -1);
    CHECK(set("alpha", "inf", &c, err, sizeof err) == -1);
    CHECK(set("alpha", "1e999", &c, err, sizeof err) == -1);
    CHECK(set("act", "relu", &c, err, sizeof err) == 0 && c.act == PB_ACT_RELU);
    CHECK(set("act", "Relu", &c, err, sizeof err) == -1);
    CHECK(set("loss", "hinge", &c, err, sizeof err) == 0 && c.loss == PB_LOSS_HINGE);
    CHECK(set("dataset", "random, fashion", &c, err, sizeof err) == -1);
    CHECK(set("dataset", "mnist:/a/../b", &c, err, sizeof err) == 0 &&
          strcmp(c.dataset, "mnist:/a/../b") == 0);
    CHECK(set("max_wall", "1", &c, err, sizeof err) == -2); /* no battery key: never a budget */
    const pb_param *h = pb_param_by_key("h");
    CHECK(pb_param_check_number(h, 4.5, err, sizeof err) == -1);
    CHECK(pb_param_check_number(h, 4, err, sizeof err) == 0);
    c.L = 0;
    CHECK(pb_train_config_check(&c, err, sizeof err) == -1 && strstr(err, "key 'L'"));
}

static void test_suggestions(void)
{
    static const char *const words[] = {"max_steps", "max_time", "ptr", "pte", NULL};
    CHECK(pb_closest_word("max_step", words) && strcmp(pb_closest_word("max_step", words), "max_steps") == 0);
    CHECK(pb_closest_word("frobnicate", words) == NULL);
    CHECK(pb_closest_word("x", words) == NULL);
    CHECK(pb_edit_distance("kitten", "sitting", 5) == 3);
    CHECK(pb_edit_distance("abc", "abc", 2) == 0);
    CHECK(pb_edit_distance("a", "abcdef", 2) == 3); /* capped */
}

static void test_outputs(const char *dir)
{
    char a[512], b[512], l[512], err[512];
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/./a.csv", dir);
    snprintf(l, sizeof l, "%s/l.csv", dir);
    remove(a);
    remove(l);
    CHECK(pb_output_check(a, err, sizeof err) == 0);
    CHECK(pb_same_file(a, b)); /* not existing yet: by path */
    pb_outfile o;
    CHECK(pb_atomic_open(&o, a, err, sizeof err) != NULL);
    fputs("one\n", o.f);
    CHECK(access(a, F_OK) != 0); /* nothing in place before the close */
    CHECK(pb_atomic_close(&o, err, sizeof err) == 0);
    CHECK(access(a, F_OK) == 0);
    CHECK(symlink(a, l) == 0);
    CHECK(pb_same_file(l, b)); /* existing: by inode */
    CHECK(pb_atomic_open(&o, l, err, sizeof err) != NULL);
    fputs("two\n", o.f);
    CHECK(pb_atomic_close(&o, err, sizeof err) == 0);
    struct stat st;
    CHECK(lstat(l, &st) == 0 && S_ISLNK(st.st_mode));
    char buf[16] = "";
    FILE *f = fopen(a, "r");
    CHECK(f && fgets(buf, sizeof buf, f) && strcmp(buf, "two\n") == 0);
    if (f)
        fclose(f);
    /* an aborted write keeps the old file and leaves no temporary */
    CHECK(pb_atomic_open(&o, a, err, sizeof err) != NULL);
    fputs("three\n", o.f);
    char tmp[sizeof o.tmp];
    snprintf(tmp, sizeof tmp, "%s", o.tmp);
    pb_atomic_abort(&o);
    CHECK(access(tmp, F_OK) != 0);
    f = fopen(a, "r");
    CHECK(f && fgets(buf, sizeof buf, f) && strcmp(buf, "two\n") == 0);
    if (f)
        fclose(f);
    /* a write error is reported with the errno text */
    if (access("/dev/full", W_OK) == 0) {
        CHECK(pb_atomic_open(&o, "/dev/full", err, sizeof err) != NULL && !o.atomic);
        if (o.f) {
            fputs("x\n", o.f);
            CHECK(pb_atomic_close(&o, err, sizeof err) == -1 && strstr(err, "No space left"));
        }
    }
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/x.csv", dir);
    CHECK(pb_output_check(missing, err, sizeof err) == -1 && strstr(err, "No such file"));
    CHECK(pb_output_check(dir, err, sizeof err) == -1 && strstr(err, "is a folder"));
    CHECK(pb_output_check("", err, sizeof err) == -1);
    remove(l);
    remove(a);
}

int main(int argc, char **argv)
{
    test_table();
    test_values();
    test_suggestions();
    test_outputs(argc > 1 ? argv[1] : ".");
    return pb_test_done("test_train_params");
}
