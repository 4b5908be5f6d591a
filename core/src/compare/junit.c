/* JUnit XML from a comparison and the run's claims.  See junit.h. */
#include "junit.h"

#include "csv_table.h"
#include "xml_text.h"


#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jt_table {
    char *name;
    size_t checked, failed;
} jt_table;

typedef struct jt_item {
    char *table, *key, *column, *ref, *run, *diff, *tol, *verdict;
} jt_item;

struct pb_junit {
    jt_table *tables;
    size_t n_tables, cap_tables;
    jt_item *items;
    size_t n_items, cap_items;
    int oom;
};

pb_junit *pb_junit_new(void) { return calloc(1, sizeof(pb_junit)); }

static void on_table(void *user, const char *table, size_t checked,
                     size_t failed)
{
    pb_junit *j = user;
    if (j->n_tables == j->cap_tables) {
        size_t cap = j->cap_tables ? 2 * j->cap_tables : 16;
        jt_table *g = realloc(j->tables, cap * sizeof *g);
        if (!g) {
            j->oom = 1;
            return;
        }
        j->tables = g;
        j->cap_tables = cap;
    }
    jt_table *t = &j->tables[j->n_tables];
    if (!(t->name = strdup(table))) {
        j->oom = 1;
        return;
    }
    t->checked = checked;
    t->failed = failed;
    j->n_tables++;
}

static void on_item(void *user, const pb_cmp_item *it)
{
    pb_junit *j = user;
    if (j->n_items == j->cap_items) {
        size_t cap = j->cap_items ? 2 * j->cap_items : 64;
        jt_item *g = realloc(j->items, cap * sizeof *g);
        if (!g) {
            j->oom = 1;
            return;
        }
        j->items = g;
        j->cap_items = cap;
    }
    jt_item *c = &j->items[j->n_items++];
    c->table = strdup(it->table);
    c->key = strdup(it->key);
    c->column = strdup(it->column);
    c->ref = strdup(it->ref);
    c->run = strdup(it->run);
    c->diff = strdup(it->diff);
    c->tol = strdup(it->tol);
    c->verdict = strdup(it->verdict);
    if (!c->table || !c->key || !c->column || !c->ref || !c->run || !c->diff ||
        !c->tol || !c->verdict)
        j->oom = 1;
}

void pb_junit_attach(pb_junit *j, pb_cmp_options *opt)
{
    opt->on_table = on_table;
    opt->on_item = on_item;
    opt->user = j;
}

void pb_junit_free(pb_junit *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n_tables; i++)
        free(j->tables[i].name);
    for (size_t i = 0; i < j->n_items; i++) {
        jt_item *c = &j->items[i];
        free(c->table);
        free(c->key);
        free(c->column);
        free(c->ref);
        free(c->run);
        free(c->diff);
        free(c->tol);
        free(c->verdict);
    }
    free(j->tables);
    free(j->items);
    free(j);
}

/* ------------------------------------------------------------------------ */

/* A growing string for failure bodies. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        b->oom = 1;
        return;
    }
    if (b->n + (size_t)need + 1 > b->cap) {
        size_t cap = (b->cap ? 2 * b->cap : 256) + (size_t)need;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

static void write_claims(pb_xw *x, const pb_csv_table *t, const char *err_text)
{
    size_t tests = 0, failures = 0, skipped = 0, errors = 0;
    int cc = -1, ce = -1, cm = -1, cx = -1, ct = -1, cv = -1, cd = -1;
    if (err_text) {
        tests = errors = 1;
    } else {
        cc = pb_csv_col(t, "claim");
        ce = pb_csv_col(t, "experiment");
        cm = pb_csv_col(t, "measured");
        cx = pb_csv_col(t, "expected");
        ct = pb_csv_col(t, "tolerance");
        cv = pb_csv_col(t, "verdict");
        cd = pb_csv_col(t, "detail");
        tests = t->nrows;
        for (size_t i = 0; i < t->nrows; i++) {
            const char *v = pb_csv_cell(t, i, (size_t)cv);
            if (strcmp(v, "pass") == 0)
                continue;
            if (strcmp(v, "fail") == 0)
                failures++;
            else if (strcmp(v, "not-judged") == 0)
                skipped++;
            else
                errors++;
        }
    }
    pb_xw_start(x, "testsuite");
    pb_xw_attr(x, "name", "claims");
    pb_xw_attr_n(x, "tests", tests);
    pb_xw_attr_n(x, "failures", failures);
    pb_xw_attr_n(x, "errors", errors);
    pb_xw_attr_n(x, "skipped", skipped);
    if (err_text) {
        pb_xw_start(x, "testcase");
        pb_xw_attr(x, "name", "claims.csv");
        pb_xw_attr(x, "classname", "phasebench.claims");
        pb_xw_start(x, "error");
        pb_xw_attr(x, "message", err_text);
        pb_xw_attr(x, "type", "unreadable");
        pb_xw_end(x);
        pb_xw_end(x);
        pb_xw_end(x);
        return;
    }
    for (size_t i = 0; i < t->nrows; i++) {
        const char *claim = pb_csv_cell(t, i, (size_t)cc);
        const char *exp = ce >= 0 ? pb_csv_cell(t, i, (size_t)ce) : "";
        const char *measured = cm >= 0 ? pb_csv_cell(t, i, (size_t)cm) : "";
        const char *expected = cx >= 0 ? pb_csv_cell(t, i, (size_t)cx) : "";
        const char *tol = ct >= 0 ? pb_csv_cell(t, i, (size_t)ct) : "";
        const char *verdict = pb_csv_cell(t, i, (size_t)cv);
        const char *detail = cd >= 0 ? pb_csv_cell(t, i, (size_t)cd) : "";
        char cls[256];
        snprintf(cls, sizeof cls, "phasebench.claims.%s", exp[0] ? exp : "unknown");
        pb_xw_start(x, "testcase");
        pb_xw_attr(x, "name", claim);
        pb_xw_attr(x, "classname", cls);
        sbuf b = {0};
        sb_printf(&b, "measured %s, expected %s, tolerance: %s", measured,
                  expected, tol[0] ? tol : "(none stated)");
        if (strcmp(verdict, "fail") == 0) {
            pb_xw_start(x, "failure");
            pb_xw_attr(x, "message", b.oom ? "measured outside expected" : b.s);
            pb_xw_attr(x, "type", "claim");
            pb_xw_text(x, detail);
            pb_xw_end(x);
        } else if (strcmp(verdict, "not-judged") == 0) {
            pb_xw_start(x, "skipped");
            pb_xw_attr(x, "message", detail[0] ? detail : "not judged");
            pb_xw_end(x);
        } else if (strcmp(verdict, "pass") != 0) {
            char m[160];
            snprintf(m, sizeof m, "claims.csv line %zu: verdict '%.60s' is not "
                     "pass, fail or not-judged", t->line[i], verdict);
            pb_xw_start(x, "error");
            pb_xw_attr(x, "message", m);
            pb_xw_attr(x, "type", "verdict");
            pb_xw_end(x);
        }
        if (!b.oom && b.s) {
            pb_xw_start(x, "system-out");
            pb_xw_text(x, b.s);
            if (detail[0]) {
                pb_xw_text(x, "\n");
                pb_xw_text(x, detail);
            }
            pb_xw_end(x);
        }
        if (b.oom)
            x->bad = 1;
        free(b.s);
        pb_xw_end(x);
    }
    pb_xw_end(x);
}

static void write_compare(pb_xw *x, const pb_junit *j)
{
    size_t failures = 0;
    for (size_t t = 0; t < j->n_tables; t++)
        for (size_t i = 0; i < j->n_items; i++)
            if (strcmp(j->items[i].table, j->tables[t].name) == 0 &&
                strcmp(j->items[i].verdict, "ok") != 0) {
                failures++;
                break;
            }
    pb_xw_start(x, "testsuite");
    pb_xw_attr(x, "name", "compare");
    pb_xw_attr_n(x, "tests", j->n_tables);
    pb_xw_attr_n(x, "failures", failures);
    pb_xw_attr_n(x, "errors", 0);
    pb_xw_attr_n(x, "skipped", 0);
    for (size_t t = 0; t < j->n_tables; t++) {
        const jt_table *tb = &j->tables[t];
        char name[300];
        snprintf(name, sizeof name, "%s.csv", tb->name);
        pb_xw_start(x, "testcase");
        pb_xw_attr(x, "name", name);
        pb_xw_attr(x, "classname", "phasebench.compare");
        sbuf bad = {0}, moved = {0};
        size_t n_fail = 0, n_missing = 0, n_extra = 0;
        for (size_t i = 0; i < j->n_items; i++) {
            const jt_item *it = &j->items[i];
            if (strcmp(it->table, tb->name) != 0)
                continue;
            int ok = strcmp(it->verdict, "ok") == 0;
            if (strcmp(it->verdict, "MISSING") == 0)
                n_missing++;
            else if (strcmp(it->verdict, "EXTRA") == 0)
                n_extra++;
            else if (!ok)
                n_fail++;
            sb_printf(ok ? &moved : &bad,
                      "%s: column %s, key %s: reference %s, run %s, |diff| %s, "
                      "tolerance %s\n", it->verdict, it->column, it->key,
                      it->ref, it->run, it->diff, it->tol);
        }
        if (bad.n) {
            char m[200];
            snprintf(m, sizeof m, "%zu of %zu values beyond tolerance, %zu "
                     "missing (rows or whole file), %zu extra rows", tb->failed, tb->checked,
                     n_missing, n_extra);
            (void)n_fail;
            pb_xw_start(x, "failure");
            pb_xw_attr(x, "message", m);
            pb_xw_attr(x, "type", "compare");
            pb_xw_text(x, bad.s);
            pb_xw_end(x);
        }
        pb_xw_start(x, "system-out");
        char head[120];
        snprintf(head, sizeof head, "%zu values checked\n", tb->checked);
        pb_xw_text(x, head);
        if (moved.n) {
            pb_xw_text(x, "moved within tolerance:\n");
            pb_xw_text(x, moved.s);
        }
        pb_xw_end(x);
        if (bad.oom || moved.oom)
            x->bad = 1;
        free(bad.s);
        free(moved.s);
        pb_xw_end(x);
    }
    pb_xw_end(x);
}

int pb_junit_write(const pb_junit *j, const char *path, const char *run_dir,
                   const char *ref_dir, const pb_cmp_summary *sum, char *err,
                   size_t err_len)
{
    if (j->oom) {
        snprintf(err, err_len, "%s: out of memory collecting the results", path);
        return -1;
    }
    char claims_path[4096], claims_err[4200] = "";
    pb_csv_table claims;
    memset(&claims, 0, sizeof claims);
    snprintf(claims_path, sizeof claims_path, "%s/claims.csv", run_dir);
    int have_claims = pb_csv_read(claims_path, &claims, claims_err,
                                  sizeof claims_err) == 0;
    if (have_claims && (pb_csv_col(&claims, "claim") < 0 ||
                        pb_csv_col(&claims, "verdict") < 0)) {
        snprintf(claims_err, sizeof claims_err,
                 "%s: no 'claim' or 'verdict' column", claims_path);
        have_claims = 0;
    }

    pb_xw x;
    if (pb_xw_open(&x, path, NULL, err, err_len) != 0) {
        pb_csv_table_free(&claims);
        return -1;
    }

    size_t claim_tests = have_claims ? claims.nrows : 1;
    pb_xw_start(&x, "testsuites");
    pb_xw_attr(&x, "name", "phasebench compare");
    pb_xw_attr_n(&x, "tests", claim_tests + j->n_tables);
    {
        /* Totals over both suites, for consumers that read only the root. */
        size_t f = 0, s = 0, e = have_claims ? 0 : 1;
        int cv = have_claims ? pb_csv_col(&claims, "verdict") : -1;
        for (size_t i = 0; have_claims && i < claims.nrows; i++) {
            const char *v = pb_csv_cell(&claims, i, (size_t)cv);
            f += strcmp(v, "fail") == 0;
            s += strcmp(v, "not-judged") == 0;
            e += strcmp(v, "pass") != 0 && strcmp(v, "fail") != 0 &&
                 strcmp(v, "not-judged") != 0;
        }
        for (size_t t = 0; t < j->n_tables; t++)
            for (size_t i = 0; i < j->n_items; i++)
                if (strcmp(j->items[i].table, j->tables[t].name) == 0 &&
                    strcmp(j->items[i].verdict, "ok") != 0) {
                    f++;
                    break;
                }
        pb_xw_attr_n(&x, "failures", f);
        pb_xw_attr_n(&x, "errors", e);
        pb_xw_attr_n(&x, "skipped", s);
    }
    pb_xw_start(&x, "properties");
    const char *props[][2] = {{"run", run_dir}, {"reference", ref_dir},
                              {"backend_class", sum->backend_class},
                              {"verdict", sum->pass ? "PASS" : "FAIL"}};
    for (size_t i = 0; i < sizeof props / sizeof *props; i++) {
        pb_xw_start(&x, "property");
        pb_xw_attr(&x, "name", props[i][0]);
        pb_xw_attr(&x, "value", props[i][1]);
        pb_xw_end(&x);
    }
    pb_xw_end(&x);
    write_claims(&x, &claims, have_claims ? NULL : claims_err);
    write_compare(&x, j);
    pb_xw_end(&x);
    pb_csv_table_free(&claims);
    if (pb_xw_close(&x, err, err_len) != 0)
        return -1;
    return 0;
}
