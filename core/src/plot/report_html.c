/* See report_html.h. */
#include "report_html.h"

#include "csv_table.h"
#include "xml_text.h"

#include <libxml/uri.h>
#include <libxml/xmlwriter.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Colours with enough contrast on white and a text label each, so the
 * verdicts differ for readers who do not see the colour. */
static const char style_sheet[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:1.5em auto;max-width:72em;"
    "padding:0 1em;color:#111;line-height:1.4}"
    "h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #999;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:0.5em 0}"
    "th,td{border:1px solid #aaa;padding:0.25em 0.5em;text-align:left;vertical-align:top}"
    "th{background:#eee}"
    "td.num{font-family:'DejaVu Sans Mono',monospace;white-space:nowrap}"
    ".verdict{font-weight:bold;white-space:nowrap}"
    "tr.pass .verdict{background:#d9f2d9;color:#0b5d1e}"
    "tr.fail .verdict{background:#f8d0d0;color:#8b0000}"
    "tr.not-judged .verdict{background:#e6e6e6;color:#444;font-style:italic}"
    "div.figure{margin:1em 0;border:1px solid #ccc;padding:0.5em}"
    "div.figure img{max-width:100%;height:auto}"
    "p.caption{font-weight:bold}"
    "p.skipped{background:#fff4d6;border-left:4px solid #b07d00;padding:0.4em 0.6em}"
    "p.failed{background:#f8d0d0;border-left:4px solid #8b0000;padding:0.4em 0.6em}"
    "td.small{font-size:0.9em}"
    "table.claims{width:100%}"
    "tr.note td{font-size:0.85em;color:#333;border-top:none;padding-bottom:0.6em}"
    "td{overflow-wrap:anywhere}"
    "p.summary{font-size:1.1em}";

static void elem(pb_xw *x, const char *name, const char *content)
{
    pb_xw_start(x, name);
    pb_xw_text(x, content);
    pb_xw_end_full(x);
}

/* An <a href> to a relative path, URI-escaped (a file name may hold spaces,
 * '#', '?' or non-ASCII). */
static void html_link(pb_xw *x, const char *rel, const char *label)
{
    xmlChar *u = xmlURIEscapeStr(BAD_CAST rel, BAD_CAST "/");
    if (!u) {
        x->bad = 1;
        return;
    }
    pb_xw_start(x, "a");
    pb_xw_attr(x, "href", (const char *)u);
    pb_xw_text(x, label);
    pb_xw_end_full(x);
    xmlFree(u);
}

static void img(pb_xw *x, const char *rel, const char *alt)
{
    xmlChar *u = xmlURIEscapeStr(BAD_CAST rel, BAD_CAST "/");
    if (!u) {
        x->bad = 1;
        return;
    }
    pb_xw_start(x, "img");
    pb_xw_attr(x, "src", (const char *)u);
    pb_xw_attr(x, "alt", alt);
    pb_xw_end(x);
    xmlFree(u);
}

/* ------------------------------------------------------------------------ */

/* The heading and one line: battery, backend, dtype, host, status and the
 * data fingerprint when the manifest has them (every key is in the manifest
 * table further down). */
static void summary(pb_xw *x, const char *run_dir)
{
    char path[4200], err[1024];
    snprintf(path, sizeof path, "%s/manifest.csv", run_dir);
    pb_csv_table t;
    int ok = pb_csv_read(path, &t, err, sizeof err) == 0;
    int kc = ok ? pb_csv_col(&t, "key") : -1, vc = ok ? pb_csv_col(&t, "value") : -1;
    static const char *const keys[] = {"battery", "backend", "dtype", "threads", "host",
                                       "platform", "data_fingerprint", "status"};
    const char *val[8] = {0};
    for (size_t i = 0; kc >= 0 && vc >= 0 && i < t.nrows; i++)
        for (size_t k = 0; k < 8; k++)
            if (!val[k] && strcmp(pb_csv_cell(&t, i, (size_t)kc), keys[k]) == 0)
                val[k] = pb_csv_cell(&t, i, (size_t)vc);
    char h1[300];
    snprintf(h1, sizeof h1, "phasebench report: %.100s on %.60s", val[0] ? val[0] : "run",
             val[1] ? val[1] : "unknown backend");
    elem(x, "h1", h1);
    pb_xw_start(x, "p");
    pb_xw_attr(x, "class", "summary");
    int first = 1;
    for (size_t k = 0; k < 8; k++) {
        if (!val[k])
            continue;
        if (!first)
            pb_xw_text(x, " · ");
        pb_xw_start(x, "strong");
        pb_xw_text(x, keys[k]);
        pb_xw_end_full(x);
        pb_xw_text(x, " ");
        pb_xw_text(x, val[k]);
        first = 0;
    }
    if (first)
        pb_xw_text(x, "no manifest.csv in the run folder");
    pb_xw_end_full(x);
    if (ok)
        pb_csv_table_free(&t);
}

static void manifest_section(pb_xw *x, const char *run_dir)
{
    char path[4200], err[1024];
    snprintf(path, sizeof path, "%s/manifest.csv", run_dir);
    pb_csv_table t;
    elem(x, "h2", "Run manifest (manifest.csv)");
    if (pb_csv_read(path, &t, err, sizeof err) != 0) {
        pb_xw_start(x, "p");
        pb_xw_attr(x, "class", "skipped");
        pb_xw_text(x, "No manifest: ");
        pb_xw_text(x, err);
        pb_xw_end_full(x);
        return;
    }
    int kc = pb_csv_col(&t, "key"), vc = pb_csv_col(&t, "value");
    if (kc < 0 || vc < 0) {
        pb_xw_start(x, "p");
        pb_xw_attr(x, "class", "skipped");
        pb_xw_text(x, "manifest.csv has no key,value columns");
        pb_xw_end_full(x);
        pb_csv_table_free(&t);
        return;
    }
    pb_xw_start(x, "table");
    pb_xw_start(x, "tr");
    elem(x, "th", "key");
    elem(x, "th", "value");
    pb_xw_end_full(x);
    for (size_t i = 0; i < t.nrows; i++) {
        pb_xw_start(x, "tr");
        elem(x, "th", pb_csv_cell(&t, i, (size_t)kc));
        pb_xw_start(x, "td");
        pb_xw_attr(x, "class", "small");
        pb_xw_text(x, pb_csv_cell(&t, i, (size_t)vc));
        pb_xw_end_full(x);
        pb_xw_end_full(x);
    }
    pb_xw_end_full(x);
    pb_csv_table_free(&t);
}

static void claims_section(pb_xw *x, const char *run_dir)
{
    char path[4200], err[1024];
    snprintf(path, sizeof path, "%s/claims.csv", run_dir);
    pb_csv_table t;
    elem(x, "h2", "Claims of the paper");
    if (pb_csv_read(path, &t, err, sizeof err) != 0) {
        pb_xw_start(x, "p");
        pb_xw_attr(x, "class", "skipped");
        pb_xw_text(x, "No claims: ");
        pb_xw_text(x, err);
        pb_xw_end_full(x);
        return;
    }
    static const char *const cols[] = {"claim", "experiment", "verdict", "measured",
                                       "expected", "tolerance", "detail"};
    int ci[7];
    for (size_t k = 0; k < 7; k++)
        ci[k] = pb_csv_col(&t, cols[k]);
    size_t n_pass = 0, n_fail = 0, n_nj = 0;
    for (size_t i = 0; ci[2] >= 0 && i < t.nrows; i++) {
        const char *v = pb_csv_cell(&t, i, (size_t)ci[2]);
        n_pass += strcmp(v, "pass") == 0;
        n_fail += strcmp(v, "fail") == 0;
        n_nj += strcmp(v, "not-judged") == 0;
    }
    char line[200];
    snprintf(line, sizeof line, "%zu pass, %zu fail, %zu not judged (of %zu). A claim that "
             "does not reproduce is reported as FAIL with its numbers; tolerances are "
             "stated with each claim.", n_pass, n_fail, n_nj, t.nrows);
    elem(x, "p", line);
    pb_xw_start(x, "table");
    pb_xw_attr(x, "class", "claims");
    pb_xw_start(x, "tr");
    for (size_t k = 0; k < 5; k++)
        elem(x, "th", cols[k]);
    pb_xw_end_full(x);
    for (size_t i = 0; i < t.nrows; i++) {
        const char *v = ci[2] >= 0 ? pb_csv_cell(&t, i, (size_t)ci[2]) : "";
        const char *cls = strcmp(v, "pass") == 0   ? "pass"
                          : strcmp(v, "fail") == 0 ? "fail"
                                                   : "not-judged";
        pb_xw_start(x, "tr");
        pb_xw_attr(x, "class", cls);
        for (size_t k = 0; k < 5; k++) {
            const char *cell = ci[k] >= 0 ? pb_csv_cell(&t, i, (size_t)ci[k]) : "";
            pb_xw_start(x, "td");
            if (k == 2) {
                pb_xw_attr(x, "class", "verdict");
                pb_xw_text(x, strcmp(cls, "pass") == 0   ? "✔ PASS"
                        : strcmp(cls, "fail") == 0 ? "✘ FAIL"
                                                   : "– NOT JUDGED");
            } else if (k == 3) {
                /* four digits on the page; the full value (and the CSV)
                 * for whoever hovers or follows the link */
                double m;
                char buf[40];
                pb_xw_attr(x, "class", "num");
                pb_xw_attr(x, "title", cell);
                if (pb_csv_to_double(cell, &m)) {
                    snprintf(buf, sizeof buf, "%.4g", m);
                    pb_xw_text(x, buf);
                } else {
                    pb_xw_text(x, cell);
                }
            } else {
                pb_xw_text(x, cell);
            }
            pb_xw_end_full(x);
        }
        pb_xw_end_full(x);
        /* the tolerance and the detail on a row of their own, full width */
        pb_xw_start(x, "tr");
        pb_xw_attr(x, "class", "note");
        pb_xw_start(x, "td");
        pb_xw_attr(x, "colspan", "5");
        pb_xw_start(x, "strong");
        pb_xw_text(x, "tolerance: ");
        pb_xw_end_full(x);
        pb_xw_text(x, ci[5] >= 0 ? pb_csv_cell(&t, i, (size_t)ci[5]) : "");
        pb_xw_start(x, "br");
        pb_xw_end(x);
        pb_xw_start(x, "strong");
        pb_xw_text(x, "detail: ");
        pb_xw_end_full(x);
        pb_xw_text(x, ci[6] >= 0 ? pb_csv_cell(&t, i, (size_t)ci[6]) : "");
        pb_xw_end_full(x);
        pb_xw_end_full(x);
    }
    pb_xw_end_full(x);
    pb_csv_table_free(&t);
}

/* fig_dir as a path relative to run_dir when it lies inside it, else its
 * absolute path (the page then links out of the run folder). */
static void fig_prefix(const char *run_dir, const char *fig_dir, char *out, size_t len)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (realpath(run_dir, a) && realpath(fig_dir, b)) {
        size_t n = strlen(a);
        if (strncmp(a, b, n) == 0 && b[n] == '/') {
            snprintf(out, len, "%s/", b + n + 1);
            return;
        }
        if (strcmp(a, b) == 0) {
            out[0] = '\0';
            return;
        }
        snprintf(out, len, "%s/", b);
        return;
    }
    snprintf(out, len, "%s/", fig_dir);
}

static void figures_section(pb_xw *x, const char *run_dir, const char *fig_dir,
                            unsigned formats, const pb_plot_result *res)
{
    elem(x, "h2", "Figures");
    if (res->n == 0) {
        pb_xw_start(x, "p");
        pb_xw_attr(x, "class", "skipped");
        pb_xw_text(x, "No figures were drawn for this page (run `phasebench plot` on the run folder).");
        pb_xw_end_full(x);
        return;
    }
    char pre[PATH_MAX + 2];
    fig_prefix(run_dir, fig_dir, pre, sizeof pre);
    for (size_t i = 0; i < res->n; i++) {
        const pb_figure *f = &res->fig[i];
        char rel[PATH_MAX + 200], label[80];
        if (f->state != PB_FIG_DRAWN) {
            pb_xw_start(x, "p");
            pb_xw_attr(x, "class", f->state == PB_FIG_FAILED ? "failed" : "skipped");
            pb_xw_start(x, "strong");
            pb_xw_text(x, f->name);
            pb_xw_end_full(x);
            pb_xw_text(x, f->state == PB_FIG_FAILED ? " failed: " : " not drawn: ");
            pb_xw_text(x, f->reason);
            pb_xw_text(x, " (");
            pb_xw_text(x, f->title);
            pb_xw_text(x, ")");
            pb_xw_end_full(x);
            continue;
        }
        /* div, not HTML5 figure: the page must also parse as HTML 4 (libxml2's
         * HTML parser, xmllint --html). */
        pb_xw_start(x, "div");
        pb_xw_attr(x, "class", "figure");
        pb_xw_attr(x, "id", f->name);
        snprintf(rel, sizeof rel, "%s%s.%s", pre, f->name,
                 formats & PB_PLOT_SVG ? "svg" : "png");
        img(x, rel, f->title);
        pb_xw_start(x, "p");
        pb_xw_attr(x, "class", "caption");
        pb_xw_text(x, f->title);
        pb_xw_end_full(x);
        pb_xw_start(x, "p");
        static const char *const ext[] = {"png", "svg", "dat", "gp"};
        for (size_t k = 0; k < 4; k++) {
            if ((k == 0 && !(formats & PB_PLOT_PNG)) || (k == 1 && !(formats & PB_PLOT_SVG)))
                continue;
            snprintf(rel, sizeof rel, "%s%s.%s", pre, f->name, ext[k]);
            snprintf(label, sizeof label, "%s.%s", f->name, ext[k]);
            html_link(x, rel, label);
            pb_xw_text(x, " ");
        }
        pb_xw_end_full(x);
        pb_xw_end_full(x);
    }
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files_section(pb_xw *x, const char *run_dir)
{
    elem(x, "h2", "Reports (CSV)");
    DIR *d = opendir(run_dir);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 4 && e->d_name[0] != '.' && strcmp(e->d_name + len - 4, ".csv") == 0)
            if ((names[n] = strdup(e->d_name)) != NULL)
                n++;
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof *names, name_cmp);
    pb_xw_start(x, "ul");
    for (size_t i = 0; i < n; i++) {
        pb_xw_start(x, "li");
        html_link(x, names[i], names[i]);
        pb_xw_end_full(x);
        free(names[i]);
    }
    pb_xw_end_full(x);
}

int pb_report_html_write(const char *run_dir, const char *fig_dir, unsigned formats,
                         const pb_plot_result *res, char *path, size_t path_len,
                         char *err, size_t err_len)
{
    int n = snprintf(path, path_len, "%s/report.html", run_dir);
    if (n < 0 || (size_t)n >= path_len) {
        snprintf(err, err_len, "%.200s: path too long", run_dir);
        return -1;
    }
    pb_xw x;
    if (pb_xw_open(&x, path, "html", err, err_len) != 0)
        return -1;
    pb_xw_start(&x, "html");
    pb_xw_attr(&x, "lang", "en");
    pb_xw_start(&x, "head");
    pb_xw_start(&x, "meta");
    pb_xw_attr(&x, "charset", "utf-8");
    pb_xw_end(&x);
    elem(&x, "title", "phasebench report");
    elem(&x, "style", style_sheet);
    pb_xw_end_full(&x);
    pb_xw_start(&x, "body");
    summary(&x, run_dir);
    pb_xw_start(&x, "p");
    pb_xw_text(&x, "Run folder: ");
    pb_xw_start(&x, "code");
    pb_xw_text(&x, run_dir);
    pb_xw_end_full(&x);
    pb_xw_text(&x, ". Reproduction of M. Geiger, L. Petrini, M. Wyart, Landscape and training "
             "regimes in deep learning, Physics Reports 924 (2021).");
    pb_xw_end_full(&x);
    claims_section(&x, run_dir);
    figures_section(&x, run_dir, fig_dir, formats, res);
    files_section(&x, run_dir);
    manifest_section(&x, run_dir);
    pb_xw_end_full(&x);
    pb_xw_end_full(&x);
    return pb_xw_close(&x, err, err_len);
}
