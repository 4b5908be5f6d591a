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

typedef struct hw {
    xmlTextWriterPtr w;
    int bad;
} hw;

static void start(hw *x, const char *name)
{
    if (!x->bad && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
        x->bad = 1;
}

/* End with an explicit end tag: HTML has no self-closing <td/>. */
static void end(hw *x)
{
    if (!x->bad && xmlTextWriterFullEndElement(x->w) < 0)
        x->bad = 1;
}

/* End a void element (<meta>, <img>): libxml2 writes it self-closed, which
 * HTML5 parsers accept. */
static void end_void(hw *x)
{
    if (!x->bad && xmlTextWriterEndElement(x->w) < 0)
        x->bad = 1;
}

static void attr(hw *x, const char *name, const char *value)
{
    if (x->bad)
        return;
    char *v = pb_xml_clean(value);
    if (!v || xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST v) < 0)
        x->bad = 1;
    free(v);
}

static void text(hw *x, const char *s)
{
    if (x->bad)
        return;
    char *v = pb_xml_clean(s);
    if (!v || xmlTextWriterWriteString(x->w, BAD_CAST v) < 0)
        x->bad = 1;
    free(v);
}

static void elem(hw *x, const char *name, const char *content)
{
    start(x, name);
    text(x, content);
    end(x);
}

/* An <a href> to a relative path, URI-escaped (a file name may hold spaces,
 * '#', '?' or non-ASCII). */
static void html_link(hw *x, const char *rel, const char *label)
{
    xmlChar *u = xmlURIEscapeStr(BAD_CAST rel, BAD_CAST "/");
    if (!u) {
        x->bad = 1;
        return;
    }
    start(x, "a");
    attr(x, "href", (const char *)u);
    text(x, label);
    end(x);
    xmlFree(u);
}

static void img(hw *x, const char *rel, const char *alt)
{
    xmlChar *u = xmlURIEscapeStr(BAD_CAST rel, BAD_CAST "/");
    if (!u) {
        x->bad = 1;
        return;
    }
    start(x, "img");
    attr(x, "src", (const char *)u);
    attr(x, "alt", alt);
    end_void(x);
    xmlFree(u);
}

/* ------------------------------------------------------------------------ */

/* The heading and one line: battery, backend, dtype, host, status and the
 * data fingerprint when the manifest has them (every key is in the manifest
 * table further down). */
static void summary(hw *x, const char *run_dir)
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
    start(x, "p");
    attr(x, "class", "summary");
    int first = 1;
    for (size_t k = 0; k < 8; k++) {
        if (!val[k])
            continue;
        if (!first)
            text(x, " · ");
        start(x, "strong");
        text(x, keys[k]);
        end(x);
        text(x, " ");
        text(x, val[k]);
        first = 0;
    }
    if (first)
        text(x, "no manifest.csv in the run folder");
    end(x);
    if (ok)
        pb_csv_table_free(&t);
}

static void manifest_section(hw *x, const char *run_dir)
{
    char path[4200], err[1024];
    snprintf(path, sizeof path, "%s/manifest.csv", run_dir);
    pb_csv_table t;
    elem(x, "h2", "Run manifest (manifest.csv)");
    if (pb_csv_read(path, &t, err, sizeof err) != 0) {
        start(x, "p");
        attr(x, "class", "skipped");
        text(x, "No manifest: ");
        text(x, err);
        end(x);
        return;
    }
    int kc = pb_csv_col(&t, "key"), vc = pb_csv_col(&t, "value");
    if (kc < 0 || vc < 0) {
        start(x, "p");
        attr(x, "class", "skipped");
        text(x, "manifest.csv has no key,value columns");
        end(x);
        pb_csv_table_free(&t);
        return;
    }
    start(x, "table");
    start(x, "tr");
    elem(x, "th", "key");
    elem(x, "th", "value");
    end(x);
    for (size_t i = 0; i < t.nrows; i++) {
        start(x, "tr");
        elem(x, "th", pb_csv_cell(&t, i, (size_t)kc));
        start(x, "td");
        attr(x, "class", "small");
        text(x, pb_csv_cell(&t, i, (size_t)vc));
        end(x);
        end(x);
    }
    end(x);
    pb_csv_table_free(&t);
}

static void claims_section(hw *x, const char *run_dir)
{
    char path[4200], err[1024];
    snprintf(path, sizeof path, "%s/claims.csv", run_dir);
    pb_csv_table t;
    elem(x, "h2", "Claims of the paper");
    if (pb_csv_read(path, &t, err, sizeof err) != 0) {
        start(x, "p");
        attr(x, "class", "skipped");
        text(x, "No claims: ");
        text(x, err);
        end(x);
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
    start(x, "table");
    attr(x, "class", "claims");
    start(x, "tr");
    for (size_t k = 0; k < 5; k++)
        elem(x, "th", cols[k]);
    end(x);
    for (size_t i = 0; i < t.nrows; i++) {
        const char *v = ci[2] >= 0 ? pb_csv_cell(&t, i, (size_t)ci[2]) : "";
        const char *cls = strcmp(v, "pass") == 0   ? "pass"
                          : strcmp(v, "fail") == 0 ? "fail"
                                                   : "not-judged";
        start(x, "tr");
        attr(x, "class", cls);
        for (size_t k = 0; k < 5; k++) {
            const char *cell = ci[k] >= 0 ? pb_csv_cell(&t, i, (size_t)ci[k]) : "";
            start(x, "td");
            if (k == 2) {
                attr(x, "class", "verdict");
                text(x, strcmp(cls, "pass") == 0   ? "✔ PASS"
                        : strcmp(cls, "fail") == 0 ? "✘ FAIL"
                                                   : "– NOT JUDGED");
            } else if (k == 3) {
                /* four digits on the page; the full value (and the CSV)
                 * for whoever hovers or follows the link */
                double m;
                char buf[40];
                attr(x, "class", "num");
                attr(x, "title", cell);
                if (pb_csv_to_double(cell, &m)) {
                    snprintf(buf, sizeof buf, "%.4g", m);
                    text(x, buf);
                } else {
                    text(x, cell);
                }
            } else {
                text(x, cell);
            }
            end(x);
        }
        end(x);
        /* the tolerance and the detail on a row of their own, full width */
        start(x, "tr");
        attr(x, "class", "note");
        start(x, "td");
        attr(x, "colspan", "5");
        start(x, "strong");
        text(x, "tolerance: ");
        end(x);
        text(x, ci[5] >= 0 ? pb_csv_cell(&t, i, (size_t)ci[5]) : "");
        start(x, "br");
        end_void(x);
        start(x, "strong");
        text(x, "detail: ");
        end(x);
        text(x, ci[6] >= 0 ? pb_csv_cell(&t, i, (size_t)ci[6]) : "");
        end(x);
        end(x);
    }
    end(x);
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

static void figures_section(hw *x, const char *run_dir, const char *fig_dir,
                            unsigned formats, const pb_plot_result *res)
{
    elem(x, "h2", "Figures");
    if (res->n == 0) {
        start(x, "p");
        attr(x, "class", "skipped");
        text(x, "No figures were drawn for this page (run `phasebench plot` on the run folder).");
        end(x);
        return;
    }
    char pre[PATH_MAX + 2];
    fig_prefix(run_dir, fig_dir, pre, sizeof pre);
    for (size_t i = 0; i < res->n; i++) {
        const pb_figure *f = &res->fig[i];
        char rel[PATH_MAX + 200], label[80];
        if (f->state != PB_FIG_DRAWN) {
            start(x, "p");
            attr(x, "class", f->state == PB_FIG_FAILED ? "failed" : "skipped");
            start(x, "strong");
            text(x, f->name);
            end(x);
            text(x, f->state == PB_FIG_FAILED ? " failed: " : " not drawn: ");
            text(x, f->reason);
            text(x, " (");
            text(x, f->title);
            text(x, ")");
            end(x);
            continue;
        }
        /* div, not HTML5 figure: the page must also parse as HTML 4 (libxml2's
         * HTML parser, xmllint --html). */
        start(x, "div");
        attr(x, "class", "figure");
        attr(x, "id", f->name);
        snprintf(rel, sizeof rel, "%s%s.%s", pre, f->name,
                 formats & PB_PLOT_SVG ? "svg" : "png");
        img(x, rel, f->title);
        start(x, "p");
        attr(x, "class", "caption");
        text(x, f->title);
        end(x);
        start(x, "p");
        static const char *const ext[] = {"png", "svg", "dat", "gp"};
        for (size_t k = 0; k < 4; k++) {
            if ((k == 0 && !(formats & PB_PLOT_PNG)) || (k == 1 && !(formats & PB_PLOT_SVG)))
                continue;
            snprintf(rel, sizeof rel, "%s%s.%s", pre, f->name, ext[k]);
            snprintf(label, sizeof label, "%s.%s", f->name, ext[k]);
            html_link(x, rel, label);
            text(x, " ");
        }
        end(x);
        end(x);
    }
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files_section(hw *x, const char *run_dir)
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
    start(x, "ul");
    for (size_t i = 0; i < n; i++) {
        start(x, "li");
        html_link(x, names[i], names[i]);
        end(x);
        free(names[i]);
    }
    end(x);
}

int pb_report_html_write(const char *run_dir, const char *fig_dir, unsigned formats,
                         const pb_plot_result *res, char *path, size_t path_len,
                         char *err, size_t err_len)
{
    int n = snprintf(path, path_len, "%s/report.html", run_dir);
    char tmp[4300];
    if (n < 0 || (size_t)n >= path_len ||
        (size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        snprintf(err, err_len, "%.200s: path too long", run_dir);
        return -1;
    }
    hw x = {xmlNewTextWriterFilename(tmp, 0), 0};
    if (!x.w) {
        snprintf(err, err_len, "%s: cannot write: %s", tmp, strerror(errno));
        return -1;
    }
    if (xmlTextWriterSetIndent(x.w, 1) < 0 ||
        xmlTextWriterWriteDTD(x.w, BAD_CAST "html", NULL, NULL, NULL) < 0)
        x.bad = 1;
    start(&x, "html");
    attr(&x, "lang", "en");
    start(&x, "head");
    start(&x, "meta");
    attr(&x, "charset", "utf-8");
    end_void(&x);
    elem(&x, "title", "phasebench report");
    elem(&x, "style", style_sheet);
    end(&x);
    start(&x, "body");
    summary(&x, run_dir);
    start(&x, "p");
    text(&x, "Run folder: ");
    start(&x, "code");
    text(&x, run_dir);
    end(&x);
    text(&x, ". Reproduction of M. Geiger, L. Petrini, M. Wyart, Landscape and training "
             "regimes in deep learning, Physics Reports 924 (2021).");
    end(&x);
    claims_section(&x, run_dir);
    figures_section(&x, run_dir, fig_dir, formats, res);
    files_section(&x, run_dir);
    manifest_section(&x, run_dir);
    end(&x);
    end(&x);
    if (!x.bad && (xmlTextWriterEndDocument(x.w) < 0 || xmlTextWriterFlush(x.w) < 0))
        x.bad = 1;
    xmlFreeTextWriter(x.w);
    if (x.bad) {
        snprintf(err, err_len, "%s: write error (libxml2 writer)", tmp);
        remove(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, err_len, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
