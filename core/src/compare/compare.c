/* Report comparison: tolerance table, backend class, row join, verdicts.
 * See compare.h for the rules. */
#include "compare.h"
#include "grow.h"

#include "run_manifest.h"

#include "csv_table.h"
#include "report_table.h"
#include "tables.h"
#include "text_table.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PATH_LEN 4096

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || !err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

static int join_path(char *out, const char *dir, const char *name, char *err,
                     size_t err_len)
{
    int n = snprintf(out, PATH_LEN, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_LEN) {
        set_err(err, err_len, "%s/%s: path too long", dir, name);
        return -1;
    }
    return 0;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ------------------------------------------------------------------------ */
/* Tolerance table                                                           */

typedef enum tol_kind {
    TOL_KEY, TOL_IGNORE, TOL_EXACT, TOL_ABS, TOL_REL, TOL_STAT, TOL_N_KINDS
} tol_kind;

static const char *const tol_kind_names[TOL_N_KINDS] = {
    "key", "ignore", "exact", "abs", "rel", "stat"};

typedef struct tol_rule {
    const char *table;   /* file stem or "*" */
    const char *column;
    const char *cls;     /* "*", "same", "f64" or "f32" */
    tol_kind kind;
    double value;        /* abs, rel, stat; 0 otherwise */
    size_t line;
} tol_rule;

typedef struct tol_table {
    pb_csv_table csv;    /* owns the strings the rules point to */
    tol_rule *rules;
    size_t n;
} tol_table;

/* The file is written by hand, so blanks around fields are not meaningful. */
static void trim_in_place(char *s)
{
    size_t n = strlen(s), a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

static void tol_free(tol_table *t)
{
    pb_csv_table_free(&t->csv);
    free(t->rules);
    memset(t, 0, sizeof *t);
}

static int tol_load(const char *path, tol_table *t, char *err, size_t err_len)
{
    static const char *const columns[] = {"table", "column", "kind", "value",
                                          "backend_class", "note"};
    memset(t, 0, sizeof *t);
    if (pb_csv_read(path, &t->csv, err, err_len) != 0)
        return -1;
    pb_csv_table *c = &t->csv;
    for (size_t j = 0; j < c->ncols; j++) {
        trim_in_place(c->header[j]);
        int known = 0;
        for (size_t k = 0; k < 6; k++)
            known |= strcmp(c->header[j], columns[k]) == 0;
        if (!known) {
            set_err(err, err_len,
                    "%s:%zu: unknown column '%s': expected table, column, kind, "
                    "value, backend_class, note", path, c->header_line,
                    c->header[j]);
            goto fail;
        }
    }
    int col[6];
    for (size_t k = 0; k < 6; k++) {
        col[k] = pb_csv_col(c, columns[k]);
        if (col[k] < 0 && k != 5) {
            set_err(err, err_len, "%s:%zu: the header has no '%s' column", path,
                    c->header_line, columns[k]);
            goto fail;
        }
    }
    for (size_t i = 0; i < c->nrows * c->ncols; i++)
        trim_in_place(c->cells[i]);

    t->rules = calloc(c->nrows ? c->nrows : 1, sizeof *t->rules);
    if (!t->rules) {
        set_err(err, err_len, "%s: out of memory", path);
        goto fail;
    }
    for (size_t i = 0; i < c->nrows; i++) {
        tol_rule *r = &t->rules[i];
        size_t line = c->line[i];
        r->table = pb_csv_cell(c, i, (size_t)col[0]);
        r->column = pb_csv_cell(c, i, (size_t)col[1]);
        const char *kind = pb_csv_cell(c, i, (size_t)col[2]);
        const char *value = pb_csv_cell(c, i, (size_t)col[3]);
        r->cls = pb_csv_cell(c, i, (size_t)col[4]);
        r->line = line;

        size_t tl = strlen(r->table);
        if (tl == 0 || (tl > 4 && strcmp(r->table + tl - 4, ".csv") == 0)) {
            set_err(err, err_len,
                    "%s:%zu: table '%s': expected a report's file stem such as "
                    "'runs', or '*'", path, line, r->table);
            goto fail;
        }
        if (!r->column[0] || strcmp(r->column, "*") == 0) {
            set_err(err, err_len,
                    "%s:%zu: column '%s': expected a column name (no wildcard)",
                    path, line, r->column);
            goto fail;
        }
        r->kind = TOL_N_KINDS;
        for (int k = 0; k < TOL_N_KINDS; k++)
            if (strcmp(kind, tol_kind_names[k]) == 0)
                r->kind = (tol_kind)k;
        if (r->kind == TOL_N_KINDS) {
            set_err(err, err_len,
                    "%s:%zu: kind '%s': expected key, ignore, exact, abs, rel or "
                    "stat", path, line, kind);
            goto fail;
        }
        if (r->kind == TOL_ABS || r->kind == TOL_REL || r->kind == TOL_STAT) {
            if (!pb_csv_to_double(value, &r->value) || !isfinite(r->value) ||
                r->value < 0) {
                set_err(err, err_len,
                        "%s:%zu: value '%s' for kind %s: expected a finite "
                        "number >= 0", path, line, value, kind);
                goto fail;
            }
        } else if (value[0]) {
            set_err(err, err_len,
                    "%s:%zu: value '%s': kind %s takes no value (leave it empty)",
                    path, line, value, kind);
            goto fail;
        }
        if (strcmp(r->cls, "*") != 0 && strcmp(r->cls, "same") != 0 &&
            strcmp(r->cls, "f64") != 0 && strcmp(r->cls, "f32") != 0) {
            set_err(err, err_len,
                    "%s:%zu: backend_class '%s': expected *, same, f64 or f32",
                    path, line, r->cls);
            goto fail;
        }
        for (size_t k = 0; k < i; k++) {
            const tol_rule *o = &t->rules[k];
            if (strcmp(o->table, r->table) == 0 &&
                strcmp(o->column, r->column) == 0 && strcmp(o->cls, r->cls) == 0) {
                set_err(err, err_len,
                        "%s:%zu: second rule for table %s, column %s, class %s "
                        "(the first is at line %zu)", path, line, r->table,
                        r->column, r->cls, o->line);
                goto fail;
            }
        }
        t->n++;
    }
    return 0;
fail:
    tol_free(t);
    return -1;
}

/* The rule for (table, column) under class cls, or NULL (compare exactly).
 * An exact table beats '*'; then an exact class beats '*'. */
static const tol_rule *tol_resolve(const tol_table *t, const char *table,
                                   const char *column, const char *cls)
{
    const tol_rule *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < t->n; i++) {
        const tol_rule *r = &t->rules[i];
        if (strcmp(r->column, column) != 0)
            continue;
        int table_exact = strcmp(r->table, table) == 0;
        int cls_exact = strcmp(r->cls, cls) == 0;
        if (!table_exact && strcmp(r->table, "*") != 0)
            continue;
        if (!cls_exact && strcmp(r->cls, "*") != 0)
            continue;
        int score = 2 * table_exact + cls_exact;
        if (score > best_score) {
            best = r;
            best_score = score;
        }
    }
    return best;
}

static tol_kind rule_kind(const tol_rule *r) { return r ? r->kind : TOL_EXACT; }

/* ------------------------------------------------------------------------ */
/* Listing what moved                                                        */

typedef struct item {
    char *table, *key, *column, *ref, *run, *diff, *tol;
    const char *verdict;
} item;

typedef struct ctx {
    const char *run_dir, *ref_dir, *cls;
    const pb_cmp_options *opt;
    FILE *out;
    tol_table tol;
    item *items;
    size_t n_items, cap_items;
    pb_cmp_summary *sum;
    char *err;
    size_t err_len;
} ctx;

static int add_item(ctx *c, const char *table, const char *key,
                    const char *column, const char *ref, const char *run,
                    const char *diff, const char *tol, const char *verdict)
{
    item *grown = pb_grow(c->items, c->n_items, &c->cap_items, sizeof *grown, 64);
    if (!grown)
        goto oom;
    c->items = grown;
    item *it = &c->items[c->n_items];
    it->table = strdup(table);
    it->key = strdup(key);
    it->column = strdup(column);
    it->ref = strdup(ref);
    it->run = strdup(run);
    it->diff = strdup(diff);
    it->tol = strdup(tol);
    it->verdict = verdict;
    c->n_items++; /* counted first so that a partial item is freed too */
    if (!it->table || !it->key || !it->column || !it->ref || !it->run ||
        !it->diff || !it->tol)
        goto oom;
    return 0;
oom:
    set_err(c->err, c->err_len, "out of memory listing differences");
    return -1;
}

static void free_items(ctx *c)
{
    for (size_t i = 0; i < c->n_items; i++) {
        item *it = &c->items[i];
        free(it->table);
        free(it->key);
        free(it->column);
        free(it->ref);
        free(it->run);
        free(it->diff);
        free(it->tol);
    }
    free(c->items);
    c->items = NULL;
    c->n_items = c->cap_items = 0;
}

/* Column widths are capped so that one long value does not push every other
 * row off the screen; longer cells are printed whole, unaligned. */
#define WIDTH_CAP 72

/* The differences as rows of pb_cols_compare (report/tables.c): a text
 * table on the output, and the same rows as CSV with --csv. */
static void print_items(ctx *c)
{
    pb_row *rows = calloc(c->n_items ? c->n_items : 1, sizeof *rows);
    if (!rows) {
        fprintf(c->out, "compare: out of memory listing %zu differences\n", c->n_items);
        return;
    }
    for (size_t i = 0; i < c->n_items; i++) {
        const item *it = &c->items[i];
        pb_row *r = &rows[i];
        pb_row_init_columns(r, &pb_cols_compare);
        pb_row_str(r, "table", it->table);
        pb_row_str(r, "key", it->key);
        pb_row_str(r, "column", it->column);
        pb_row_str(r, "ref", it->ref);
        pb_row_str(r, "run", it->run);
        pb_row_str(r, "abs_diff", it->diff);
        pb_row_str(r, "tolerance", it->tol);
        pb_row_str(r, "verdict", it->verdict);
    }
    if (c->n_items == 0)
        fprintf(c->out, "compare: nothing moved\n");
    else
        pb_text_table(c->out, &pb_cols_compare, rows, c->n_items, WIDTH_CAP);
    if (c->opt->csv) {
        pb_table t;
        char err[256];
        pb_columns_write_header(c->opt->csv, &pb_cols_compare); /* even when nothing moved */
        pb_table_attach(&t, c->opt->csv, &pb_cols_compare, 0);
        for (size_t i = 0; i < c->n_items; i++)
            if (pb_table_write(&t, &rows[i], err, sizeof err) != 0) {
                fprintf(c->out, "compare: --csv: %s\n", err);
                break;
            }
        pb_table_close(&t);
    }
    for (size_t i = 0; i < c->n_items; i++)
        pb_row_free(&rows[i]);
    free(rows);
}

/* ------------------------------------------------------------------------ */
/* Judging one value                                                         */

/* Whether ref value a and run value b (already known to differ as strings)
 * hold under rule r; fills the |diff| and tolerance texts.  sa, sb are the
 * standard-error fields for a stat rule. */
static int value_holds(const tol_rule *r, const char *a, const char *b,
                       const char *sa, const char *sb, char *diff,
                       size_t diff_len, char *tol, size_t tol_len)
{
    tol_kind kind = rule_kind(r);
    double x, y;
    int numeric = pb_csv_to_double(a, &x) && pb_csv_to_double(b, &y);
    snprintf(diff, diff_len, "-");
    if (numeric) {
        double d = fabs(x - y);
        if (x == y)
            d = 0; /* equal infinities */
        if (isnan(x) || isnan(y))
            snprintf(diff, diff_len, "nan");
        else
            snprintf(diff, diff_len, "%.3g", d);
    }
    if (kind == TOL_EXACT) {
        snprintf(tol, tol_len, "exact");
        return 0; /* the strings differ */
    }
    if (!numeric) {
        snprintf(tol, tol_len, "%s %g (not numbers: exact)",
                 tol_kind_names[kind], r->value);
        return 0;
    }
    if (isnan(x) || isnan(y)) {
        snprintf(tol, tol_len, "%s %g", tol_kind_names[kind], r->value);
        return isnan(x) && isnan(y);
    }
    if (x == y) {
        snprintf(tol, tol_len, "%s %g", tol_kind_names[kind], r->value);
        return 1; /* e.g. 1.0 and 1 */
    }
    if (isinf(x) || isinf(y)) {
        snprintf(tol, tol_len, "%s %g", tol_kind_names[kind], r->value);
        return 0;
    }
    double d = fabs(x - y);
    switch (kind) {
    case TOL_ABS:
        snprintf(tol, tol_len, "abs %g", r->value);
        return d <= r->value;
    case TOL_REL:
        snprintf(tol, tol_len, "rel %g", r->value);
        return d <= r->value * fmax(fabs(x), fabs(y));
    case TOL_STAT: {
        double ea, eb;
        if (!pb_csv_to_double(sa, &ea) || !pb_csv_to_double(sb, &eb) ||
            !isfinite(ea) || !isfinite(eb) || ea < 0 || eb < 0) {
            snprintf(tol, tol_len, "stat %g (se '%s' '%s' unusable)", r->value,
                     sa, sb);
            return 0;
        }
        double se = sqrt(ea * ea + eb * eb);
        snprintf(tol, tol_len, "stat %g (se %.3g)", r->value, se);
        return d <= r->value * se;
    }
    default:
        snprintf(tol, tol_len, "exact");
        return 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Joining and comparing one table                                           */

typedef struct keyed_row {
    char *key;   /* key values joined by '\x1f' */
    size_t row;
} keyed_row;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed_row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return (x->row > y->row) - (x->row < y->row);
}

/* Human-readable key of row i: "col=value col=value". */
static char *display_key(const pb_csv_table *t, size_t i, const int *cols,
                         size_t n_cols)
{
    if (n_cols == 0) {
        char buf[48];
        snprintf(buf, sizeof buf, "row %zu", i + 1);
        return strdup(buf);
    }
    size_t len = 1;
    for (size_t k = 0; k < n_cols; k++)
        len += strlen(t->header[cols[k]]) + strlen(pb_csv_cell(t, i, (size_t)cols[k])) + 2;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (size_t k = 0; k < n_cols; k++)
        p += sprintf(p, "%s%s=%s", k ? " " : "", t->header[cols[k]],
                     pb_csv_cell(t, i, (size_t)cols[k]));
    *p = '\0';
    return s;
}

static keyed_row *build_keys(const pb_csv_table *t, const int *cols,
                             size_t n_cols)
{
    keyed_row *k = calloc(t->nrows ? t->nrows : 1, sizeof *k);
    if (!k)
        return NULL;
    for (size_t i = 0; i < t->nrows; i++) {
        size_t len = 1;
        for (size_t c = 0; c < n_cols; c++)
            len += strlen(pb_csv_cell(t, i, (size_t)cols[c])) + 1;
        char *s = malloc(len), *p = s;
        if (!s) {
            for (size_t j = 0; j < i; j++)
                free(k[j].key);
            free(k);
            return NULL;
        }
        for (size_t c = 0; c < n_cols; c++) {
            const char *v = pb_csv_cell(t, i, (size_t)cols[c]);
            size_t n = strlen(v);
            memcpy(p, v, n);
            p += n;
            *p++ = '\x1f';
        }
        *p = '\0';
        k[i].key = s;
        k[i].row = i;
    }
    qsort(k, t->nrows, sizeof *k, keyed_cmp);
    return k;
}

static void free_keys(keyed_row *k, size_t n)
{
    if (!k)
        return;
    for (size_t i = 0; i < n; i++)
        free(k[i].key);
    free(k);
}

static int check_unique(ctx *c, const pb_csv_table *t, const keyed_row *k,
                        const int *cols, size_t n_cols)
{
    for (size_t i = 1; i < t->nrows; i++)
        if (strcmp(k[i - 1].key, k[i].key) == 0) {
            char *shown = display_key(t, k[i].row, cols, n_cols);
            set_err(c->err, c->err_len,
                    "%s:%zu: duplicate key (%s): the same key is on line %zu",
                    t->path, t->line[k[i].row], shown ? shown : "?",
                    t->line[k[i - 1].row]);
            free(shown);
            return -1;
        }
    return 0;
}

typedef struct table_plan {
    size_t ncols;
    const tol_rule **rule; /* per reference column */
    int *run_col;          /* run column of each reference column, or -1 */
    int *se_ref, *se_run;  /* stat rules: the _se columns */
    int *key_ref, *key_run;
    size_t n_keys;
} table_plan;

static void plan_free(table_plan *p)
{
    free(p->rule);
    free(p->run_col);
    free(p->se_ref);
    free(p->se_run);
    free(p->key_ref);
    free(p->key_run);
}

static int make_plan(ctx *c, const char *stem, const pb_csv_table *ref,
                     const pb_csv_table *run, table_plan *p)
{
    size_t n = ref->ncols;
    memset(p, 0, sizeof *p);
    p->ncols = n;
    p->rule = calloc(n, sizeof *p->rule);
    p->run_col = calloc(n, sizeof *p->run_col);
    p->se_ref = calloc(n, sizeof *p->se_ref);
    p->se_run = calloc(n, sizeof *p->se_run);
    p->key_ref = calloc(n, sizeof *p->key_ref);
    p->key_run = calloc(n, sizeof *p->key_run);
    if (!p->rule || !p->run_col || !p->se_ref || !p->se_run || !p->key_ref ||
        !p->key_run) {
        set_err(c->err, c->err_len, "out of memory");
        return -1;
    }
    /* A key named for this very table must exist, or the join is wrong. */
    for (size_t i = 0; i < c->tol.n; i++) {
        const tol_rule *r = &c->tol.rules[i];
        if (r->kind == TOL_KEY && strcmp(r->table, stem) == 0 &&
            (strcmp(r->cls, "*") == 0 || strcmp(r->cls, c->cls) == 0) &&
            pb_csv_col(ref, r->column) < 0) {
            set_err(c->err, c->err_len,
                    "%s:%zu: key column '%s' of table %s is not in %s",
                    c->tol.csv.path, r->line, r->column, stem, ref->path);
            return -1;
        }
    }
    for (size_t j = 0; j < n; j++) {
        const char *name = ref->header[j];
        const tol_rule *r = tol_resolve(&c->tol, stem, name, c->cls);
        p->rule[j] = r;
        p->run_col[j] = pb_csv_col(run, name);
        p->se_ref[j] = p->se_run[j] = -1;
        tol_kind kind = rule_kind(r);
        if (kind == TOL_KEY) {
            if (p->run_col[j] < 0) {
                set_err(c->err, c->err_len,
                        "%s: key column '%s' is missing (it is in %s)",
                        run->path, name, ref->path);
                return -1;
            }
            p->key_ref[p->n_keys] = (int)j;
            p->key_run[p->n_keys] = p->run_col[j];
            p->n_keys++;
        }
        if (kind == TOL_STAT) {
            char se[512];
            snprintf(se, sizeof se, "%s_se", name);
            p->se_ref[j] = pb_csv_col(ref, se);
            p->se_run[j] = pb_csv_col(run, se);
            const pb_csv_table *lacking =
                p->se_ref[j] < 0 ? ref : p->se_run[j] < 0 && p->run_col[j] >= 0 ? run : NULL;
            if (lacking) {
                set_err(c->err, c->err_len,
                        "%s: no column '%s', which the stat tolerance on column "
                        "'%s' needs (%s:%zu)", lacking->path, se, name,
                        c->tol.csv.path, r->line);
                return -1;
            }
        }
    }
    return 0;
}

static int compare_rows(ctx *c, const char *stem, const pb_csv_table *ref,
                        size_t i, const pb_csv_table *run, size_t m,
                        const table_plan *p, const char *key)
{
    for (size_t j = 0; j < p->ncols; j++) {
        const tol_rule *r = p->rule[j];
        tol_kind kind = rule_kind(r);
        if (kind == TOL_KEY || kind == TOL_IGNORE)
            continue;
        c->sum->checked++;
        if (p->run_col[j] < 0) {
            c->sum->failed++; /* listed once for the whole column */
            continue;
        }
        const char *a = pb_csv_cell(ref, i, j);
        const char *b = pb_csv_cell(run, m, (size_t)p->run_col[j]);
        if (strcmp(a, b) == 0)
            continue;
        const char *sa = kind == TOL_STAT ? pb_csv_cell(ref, i, (size_t)p->se_ref[j]) : "";
        const char *sb = kind == TOL_STAT ? pb_csv_cell(run, m, (size_t)p->se_run[j]) : "";
        char diff[32], tol[160];
        int ok = value_holds(r, a, b, sa, sb, diff, sizeof diff, tol, sizeof tol);
        if (!ok)
            c->sum->failed++;
        if ((!ok || !c->opt->quiet) &&
            add_item(c, stem, key, ref->header[j], a, b, diff, tol,
                     ok ? "ok" : "FAIL") != 0)
            return -1;
    }
    return 0;
}

static int compare_tables(ctx *c, const char *stem, const pb_csv_table *ref,
                          const pb_csv_table *run)
{
    table_plan p;
    keyed_row *rk = NULL, *uk = NULL;
    size_t *match = NULL;
    unsigned char *used = NULL;
    int rc = -1;
    if (make_plan(c, stem, ref, run, &p) != 0)
        goto done;

    for (size_t j = 0; j < run->ncols; j++)
        if (pb_csv_col(ref, run->header[j]) < 0)
            fprintf(c->out, "note: %s.csv: column '%s' is only in the run "
                    "(not compared)\n", stem, run->header[j]);
    for (size_t j = 0; j < p.ncols; j++) {
        tol_kind kind = rule_kind(p.rule[j]);
        if (p.run_col[j] < 0 && kind != TOL_IGNORE) {
            char tol[64];
            snprintf(tol, sizeof tol, "%s", tol_kind_names[kind]);
            if (add_item(c, stem, "(every row)", ref->header[j], "(column)",
                         "(missing)", "-", tol, "FAIL") != 0)
                goto done;
        }
    }

    match = malloc((ref->nrows ? ref->nrows : 1) * sizeof *match);
    used = calloc(run->nrows ? run->nrows : 1, 1);
    if (!match || !used) {
        set_err(c->err, c->err_len, "out of memory");
        goto done;
    }
    const size_t none = (size_t)-1;
    if (p.n_keys > 0) {
        rk = build_keys(ref, p.key_ref, p.n_keys);
        uk = build_keys(run, p.key_run, p.n_keys);
        if (!rk || !uk) {
            set_err(c->err, c->err_len, "out of memory");
            goto done;
        }
        if (check_unique(c, ref, rk, p.key_ref, p.n_keys) != 0 ||
            check_unique(c, run, uk, p.key_run, p.n_keys) != 0)
            goto done;
        for (size_t s = 0; s < ref->nrows; s++) {
            keyed_row probe = {rk[s].key, 0};
            size_t lo = 0, hi = run->nrows;
            while (lo < hi) { /* first run key >= probe */
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(uk[mid].key, probe.key) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            int found = lo < run->nrows && strcmp(uk[lo].key, probe.key) == 0;
            match[rk[s].row] = found ? uk[lo].row : none;
        }
    } else {
        fprintf(c->out, "note: %s.csv: the tolerance table names no key "
                "columns for it; rows are joined by their order\n", stem);
        for (size_t i = 0; i < ref->nrows; i++)
            match[i] = i < run->nrows ? i : none;
    }

    for (size_t i = 0; i < ref->nrows; i++) {
        char *key = display_key(ref, i, p.key_ref, p.n_keys);
        if (!key) {
            set_err(c->err, c->err_len, "out of memory");
            goto done;
        }
        int r;
        if (match[i] == none) {
            c->sum->missing_rows++;
            r = add_item(c, stem, key, "-", "(row)", "(missing)", "-", "-",
                         "MISSING");
        } else {
            used[match[i]] = 1;
            r = compare_rows(c, stem, ref, i, run, match[i], &p, key);
        }
        free(key);
        if (r != 0)
            goto done;
    }
    for (size_t m = 0; m < run->nrows; m++) {
        if (used[m])
            continue;
        c->sum->extra_rows++;
        char *key = display_key(run, m, p.key_run, p.n_keys);
        if (!key) {
            set_err(c->err, c->err_len, "out of memory");
            goto done;
        }
        int r = add_item(c, stem, key, "-", "(missing)", "(row)", "-", "-",
                         "EXTRA");
        free(key);
        if (r != 0)
            goto done;
    }
    rc = 0;
done:
    free_keys(rk, ref->nrows);
    free_keys(uk, run->nrows);
    free(match);
    free(used);
    plan_free(&p);
    return rc;
}

static int compare_file(ctx *c, const char *name)
{
    char stem[256];
    snprintf(stem, sizeof stem, "%.*s", (int)(strlen(name) - 4), name);
    char ref_path[PATH_LEN], run_path[PATH_LEN];
    if (join_path(ref_path, c->ref_dir, name, c->err, c->err_len) != 0 ||
        join_path(run_path, c->run_dir, name, c->err, c->err_len) != 0)
        return -1;
    pb_csv_table ref, run;
    if (pb_csv_read(ref_path, &ref, c->err, c->err_len) != 0)
        return -1;
    if (!file_exists(run_path)) {
        c->sum->missing_files++;
        c->sum->missing_rows += ref.nrows;
        char rows[48];
        snprintf(rows, sizeof rows, "(whole file: %zu row%s)", ref.nrows,
                 ref.nrows == 1 ? "" : "s");
        int r = add_item(c, stem, rows, "-", name, "(missing)", "-", "-",
                         "MISSING");
        pb_csv_table_free(&ref);
        return r;
    }
    if (pb_csv_read(run_path, &run, c->err, c->err_len) != 0) {
        pb_csv_table_free(&ref);
        return -1;
    }
    int r = compare_tables(c, stem, &ref, &run);
    pb_csv_table_free(&ref);
    pb_csv_table_free(&run);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Folders and manifests                                                     */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The *.csv names of dir (hidden files left out), sorted. */
static int list_csv(const char *dir, char ***out, size_t *n_out, char *err,
                    size_t err_len)
{
    DIR *d = opendir(dir);
    if (!d) {
        set_err(err, err_len, "%s: cannot open folder: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || e->d_name[0] == '.' ||
            strcmp(e->d_name + len - 4, ".csv") != 0)
            continue;
        char **grown = pb_grow(names, n, &cap, sizeof *grown, 16);
        if (!grown)
            goto oom;
        names = grown;
        if (!(names[n] = strdup(e->d_name)))
            goto oom;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    *out = names;
    *n_out = n;
    return 0;
oom:
    closedir(d);
    free_names(names, n);
    set_err(err, err_len, "%s: out of memory listing the folder", dir);
    return -1;
}

/* A run folder's manifest (run_manifest.h), with the two keys the backend
 * class needs. */
typedef struct manifest_info {
    pb_manifest m;
    const char *backend, *dtype;
} manifest_info;

static const char *manifest_get(const manifest_info *m, const char *key)
{
    return pb_manifest_get(&m->m, key);
}

/* A fact the bits may depend on: a manifest key, else a key of the
 * backend's feature list ("k=v;k=v"); NULL when neither names it. */
static const char *manifest_fact(const manifest_info *m, const char *key, char *buf,
                                 size_t len)
{
    const char *v = manifest_get(m, key);
    if (v)
        return v;
    const char *f = manifest_get(m, "features");
    size_t kl = strlen(key);
    for (const char *p = f; p && *p;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            snprintf(buf, len, "%.*s", (int)(n - kl - 1), p + kl + 1);
            return buf;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

static void manifest_free(manifest_info *m)
{
    pb_manifest_free(&m->m);
    memset(m, 0, sizeof *m);
}

static int read_manifest(const char *dir, manifest_info *m, char *err,
                         size_t err_len)
{
    memset(m, 0, sizeof *m);
    if (pb_manifest_read(dir, &m->m, err, err_len) != 0)
        return -1;
    m->backend = manifest_get(m, "backend");
    m->dtype = manifest_get(m, "dtype");
    if (!m->backend || !m->dtype) {
        set_err(err, err_len, "%s: no '%s' row: the backend class needs the "
                "backend and the dtype", m->m.path, m->backend ? "dtype" : "backend");
        manifest_free(m);
        return -1;
    }
    return 0;
}

/* The class for a run of the same backend and dtype as the reference:
 * "same" unless a fact its bits depend on (the reference manifest's
 * bits_depend_on: manifest or feature keys; "none" for a portable backend)
 * differs between the two, in which case the dtype's class, with the
 * reason in why.  A reference without bits_depend_on keeps "same". */
static const char *same_backend_class(const manifest_info *ref, const manifest_info *run,
                                      char *why, size_t why_len)
{
    why[0] = '\0';
    const char *deps = manifest_get(ref, "bits_depend_on");
    if (!deps || !*deps || strcmp(deps, "none") == 0)
        return "same";
    char keys[512];
    snprintf(keys, sizeof keys, "%s", deps);
    size_t used = 0;
    for (char *save = NULL, *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        char ba[256], bb[256];
        const char *a = manifest_fact(ref, k, ba, sizeof ba);
        const char *b = manifest_fact(run, k, bb, sizeof bb);
        if (a && b && strcmp(a, b) == 0)
            continue;
        if (used < why_len)
            used += (size_t)snprintf(why + used, why_len - used, "%s%s (reference %s, run %s)",
                                     used ? ", " : "", k, a ? a : "not recorded",
                                     b ? b : "not recorded");
    }
    if (!why[0])
        return "same";
    return strcmp(run->dtype, "f32") == 0 ? "f32" : "f64";
}

/* Where the tolerance table is when none is given: the reference folder,
 * else its parent (results/reference/ serves every battery). */
static int find_tolerances(const char *ref_dir, char *out, char *err,
                           size_t err_len)
{
    if (join_path(out, ref_dir, "tolerances.csv", err, err_len) != 0)
        return -1;
    if (file_exists(out))
        return 0;
    char here[PATH_LEN];
    snprintf(here, sizeof here, "%s", out);

    char parent[PATH_LEN];
    snprintf(parent, sizeof parent, "%s", ref_dir);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    const char *last = slash ? slash + 1 : parent;
    if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0 || n == 0 ||
        strcmp(parent, "/") == 0) {
        if (join_path(out, ref_dir, "../tolerances.csv", err, err_len) != 0)
            return -1;
    } else if (!slash) {
        snprintf(out, PATH_LEN, "tolerances.csv");
    } else {
        if (slash == parent)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (join_path(out, strcmp(parent, "/") == 0 ? "" : parent,
                      "tolerances.csv", err, err_len) != 0)
            return -1;
    }
    if (file_exists(out))
        return 0;
    set_err(err, err_len, "no tolerance table: neither %s nor %s exists (give "
            "one with --tolerances FILE)", here, out);
    return -1;
}

int pb_compare_dirs(const char *run_dir, const char *ref_dir,
                    const pb_cmp_options *opt, pb_cmp_summary *sum, char *err,
                    size_t err_len)
{
    static const pb_cmp_options defaults = {0};
    if (!opt)
        opt = &defaults;
    memset(sum, 0, sizeof *sum);
    set_err(err, err_len, "%s", "");
    ctx c = {.run_dir = run_dir, .ref_dir = ref_dir, .opt = opt,
             .out = opt->out ? opt->out : stdout, .sum = sum, .err = err,
             .err_len = err_len};
    char **ref_names = NULL, **run_names = NULL;
    size_t n_ref = 0, n_run = 0;
    int rc = -1;

    manifest_info mref = {0}, mrun = {0};
    char why[1024] = "";
    if (read_manifest(ref_dir, &mref, err, err_len) != 0 ||
        read_manifest(run_dir, &mrun, err, err_len) != 0)
        goto done;
    if (strcmp(mrun.dtype, "f64") != 0 && strcmp(mrun.dtype, "f32") != 0) {
        set_err(err, err_len, "%s/manifest.csv: dtype '%s': expected f64 or f32",
                run_dir, mrun.dtype);
        goto done;
    }
    if (strcmp(mref.backend, mrun.backend) == 0 && strcmp(mref.dtype, mrun.dtype) == 0)
        snprintf(sum->backend_class, sizeof sum->backend_class, "%s",
                 same_backend_class(&mref, &mrun, why, sizeof why));
    else
        snprintf(sum->backend_class, sizeof sum->backend_class, "%s", mrun.dtype);
    /* Different inputs explain every difference below: say it first. */
    const char *fref = manifest_get(&mref, "data_fingerprint");
    const char *frun = manifest_get(&mrun, "data_fingerprint");
    sum->data_differ = fref && frun && strcmp(fref, frun) != 0;
    if (sum->data_differ) {
        const char *nref = manifest_get(&mref, "data_splits"), *nrun = manifest_get(&mrun, "data_splits");
        fprintf(c.out, "data differ: the run trained on other inputs than the reference "
                "(data_fingerprint %.16s... of %s splits vs %.16s... of %s splits); no value "
                "below is expected to agree\n", frun, nrun ? nrun : "?", fref,
                nref ? nref : "?");
    }
    c.cls = sum->backend_class;

    char tol_path[PATH_LEN];
    if (opt->tolerances)
        snprintf(tol_path, sizeof tol_path, "%s", opt->tolerances);
    else if (find_tolerances(ref_dir, tol_path, err, err_len) != 0)
        goto done;
    if (tol_load(tol_path, &c.tol, err, err_len) != 0)
        goto done;

    if (list_csv(ref_dir, &ref_names, &n_ref, err, err_len) != 0 ||
        list_csv(run_dir, &run_names, &n_run, err, err_len) != 0)
        goto done;

    fprintf(c.out, "compare: run %s against reference %s\n", run_dir, ref_dir);
    fprintf(c.out, "compare: backend class %s (reference %s/%s, run %s/%s), "
            "tolerances %s\n", c.cls, mref.backend, mref.dtype, mrun.backend,
            mrun.dtype, tol_path);
    if (why[0])
        fprintf(c.out, "compare: %s's bits depend on the platform and it differs: %s; "
                "class %s instead of same\n", mrun.backend, why, c.cls);
    for (size_t i = 0; i < n_run; i++) {
        if (strcmp(run_names[i], "tolerances.csv") == 0)
            continue;
        if (!bsearch(&run_names[i], ref_names, n_ref, sizeof *ref_names, name_cmp))
            fprintf(c.out, "note: %s is only in the run (not compared)\n",
                    run_names[i]);
    }
    /* A rule for a table the reference lacks is likely a misspelt stem. */
    for (size_t i = 0; i < c.tol.n; i++) {
        const tol_rule *r = &c.tol.rules[i];
        char file[300];
        snprintf(file, sizeof file, "%s.csv", r->table);
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(c.tol.rules[k].table, r->table) != 0;
        const char *key = file;
        if (first && strcmp(r->table, "*") != 0 &&
            !bsearch(&key, ref_names, n_ref, sizeof *ref_names, name_cmp))
            fprintf(c.out, "note: %s:%zu: the reference has no %s (rules for "
                    "table %s unused)\n", tol_path, r->line, file, r->table);
    }
    for (size_t i = 0; i < n_ref; i++) {
        if (strcmp(ref_names[i], "tolerances.csv") == 0 ||
            strcmp(ref_names[i], "manifest.csv") == 0)
            continue;
        size_t checked0 = sum->checked, failed0 = sum->failed;
        if (compare_file(&c, ref_names[i]) != 0)
            goto done;
        if (opt->on_table) {
            char stem[256];
            snprintf(stem, sizeof stem, "%.*s", (int)(strlen(ref_names[i]) - 4),
                     ref_names[i]);
            opt->on_table(opt->user, stem, sum->checked - checked0,
                          sum->failed - failed0);
        }
    }

    sum->pass = sum->failed == 0 && sum->missing_rows == 0 &&
                sum->extra_rows == 0 && sum->missing_files == 0;
    print_items(&c);
    for (size_t i = 0; opt->on_item && i < c.n_items; i++) {
        const item *it = &c.items[i];
        const pb_cmp_item view = {it->table, it->key, it->column, it->ref,
                                  it->run, it->diff, it->tol, it->verdict};
        opt->on_item(opt->user, &view);
    }
    fprintf(c.out, "compare: %zu values checked, %zu failed, %zu missing rows, "
            "%zu extra rows\n%s\n", sum->checked, sum->failed, sum->missing_rows,
            sum->extra_rows, sum->pass ? "PASS" : "FAIL");
    rc = 0;
done:
    manifest_free(&mref);
    manifest_free(&mrun);
    free_items(&c);
    tol_free(&c.tol);
    free_names(ref_names, n_ref);
    free_names(run_names, n_run);
    if (rc != 0)
        sum->pass = 0;
    return rc;
}
