/* `phasebench plot`: reading a run folder, the figure list, and the helpers
 * every figure uses.  See plot.h. */
#include "plot.h"

#include "gnuplot.h"
#include "plot_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int pl_num(const pb_csv_table *t, size_t i, const char *name, double *v)
{
    int c = pb_csv_col(t, name);
    if (c < 0)
        return 0;
    double x;
    if (!pb_csv_to_double(pb_csv_cell(t, i, (size_t)c), &x) || !isfinite(x))
        return 0;
    *v = x;
    return 1;
}

const char *pl_str(const pb_csv_table *t, size_t i, const char *name)
{
    int c = pb_csv_col(t, name);
    return c < 0 ? "" : pb_csv_cell(t, i, (size_t)c);
}

FILE *pl_open(pl_ctx *c, pb_figure *f, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", c->out_dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        f->state = PB_FIG_FAILED;
        snprintf(f->reason, sizeof f->reason, "%.400s: cannot write: %s", path,
                 strerror(errno));
    }
    return fp;
}

FILE *pl_open_part(pl_ctx *c, pb_figure *f, const char *suffix, char *name, size_t len)
{
    snprintf(name, len, "%s%s", f->name, suffix);
    return pl_open(c, f, name);
}

int pl_oom(pb_figure *f)
{
    f->state = PB_FIG_FAILED;
    snprintf(f->reason, sizeof f->reason, "out of memory");
    return -1;
}

int pl_require(pb_figure *f, const pl_table *tab, const char *file, const char *absent,
               const char *const *cols, size_t n)
{
    if (!tab->present)
        return pl_skip(f, "%s", absent);
    for (size_t k = 0; k < n; k++)
        if (pb_csv_col(&tab->t, cols[k]) < 0)
            return pl_skip(f, "%s has no column '%s'", file, cols[k]);
    return 0;
}

void pl_reason_prefix(pb_figure *f, const char *prefix)
{
    char why[sizeof f->reason];
    snprintf(why, sizeof why, "%s: %.500s", prefix, f->reason);
    snprintf(f->reason, sizeof f->reason, "%s", why);
}

int pl_close(pb_figure *f, FILE *fp, const char *name)
{
    int bad = ferror(fp);
    if (fclose(fp) != 0)
        bad = 1;
    if (bad) {
        f->state = PB_FIG_FAILED;
        snprintf(f->reason, sizeof f->reason, "%s: write error", name);
        return -1;
    }
    return 0;
}

int pl_skip(pb_figure *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->reason, sizeof f->reason, fmt, ap);
    va_end(ap);
    f->state = PB_FIG_SKIPPED;
    return 1;
}

const char *const pl_lt_colour[6] = {"#000000", "#d95f02", "#1f5fa8",
                                     "#7f7f7f", "#66a61e", "#7570b3"};

void pl_style(FILE *g)
{
    /* Colours differ in lightness as well as hue, and every series also has
     * its own dash type and point shape, so a greyscale print keeps them
     * apart.  Palette for heat maps: light yellow to dark brown (the
     * authors' YlOrBr), monotone in lightness. */
    fputs("set encoding utf8\n"
          "set linetype 1 lc rgb '#000000' lw 2 dt 1 pt 7 ps 1.3\n"
          "set linetype 2 lc rgb '#d95f02' lw 2 dt 2 pt 5 ps 1.3\n"
          "set linetype 3 lc rgb '#1f5fa8' lw 2 dt 4 pt 9 ps 1.5\n"
          "set linetype 4 lc rgb '#7f7f7f' lw 2 dt 5 pt 13 ps 1.5\n"
          "set linetype 5 lc rgb '#66a61e' lw 2 dt 3 pt 11 ps 1.5\n"
          "set linetype 6 lc rgb '#7570b3' lw 2 dt (12,4,2,4) pt 3 ps 1.5\n"
          "set linetype cycle 6\n"
          "set palette defined (0 '#ffffe5', 0.2 '#fee391', 0.4 '#fec44f', "
          "0.6 '#fe9929', 0.8 '#cc4c02', 1 '#662506')\n"
          "set key box opaque samplen 3 spacing 1.1\n"
          "set grid lc rgb '#d0d0d0' lw 1 dt 3\n"
          "set tics out nomirror\n"
          "set border 3 lw 1.2\n"
          "set format x '10^{%T}'\nset format y '10^{%T}'\n",
          g);
}

int pl_render(pl_ctx *c, pb_figure *f, int height)
{
    char name[80];
    snprintf(name, sizeof name, "%s.gp", f->name);
    FILE *g = pl_open(c, f, name);
    if (!g)
        return -1;
    fprintf(g, "# Draws %s from %s.body.gp; written by phasebench plot.\n",
            f->name, f->name);
    if (c->formats & PB_PLOT_PNG)
        fprintf(g, "set terminal pngcairo size 1000,%d enhanced font 'DejaVu Sans,15' "
                "linewidth 1.3 background rgb 'white'\nset output '%s.png'\n"
                "load '%s.body.gp'\nunset output\nreset\n",
                height, f->name, f->name);
    if (c->formats & PB_PLOT_SVG)
        fprintf(g, "set terminal svg size 1000,%d enhanced font 'DejaVu Sans,15' "
                "linewidth 1.3 background rgb 'white'\nset output '%s.svg'\n"
                "load '%s.body.gp'\nunset output\n",
                height, f->name, f->name);
    if (pl_close(f, g, name) != 0)
        return -1;
    char err[600];
    if (pb_gnuplot_run(c->out_dir, name, err, sizeof err) != 0) {
        f->state = PB_FIG_FAILED;
        snprintf(f->reason, sizeof f->reason, "%s", err);
        return -1;
    }
    return 0;
}

void pl_width_tics(FILE *g, const char *axis, const double *v, size_t n)
{
    /* the measured widths when they are few, else 1, 2, 5 per decade */
    fprintf(g, "set format %s '%%g'\nset m%stics default\n", axis, axis);
    if (n == 0)
        return;
    fprintf(g, "set %stics (", axis);
    if (n <= 14) {
        /* a tick closer than a factor 1.2 to the previous one would print
         * over it: leave it out */
        double last = 0;
        for (size_t i = 0; i < n; i++)
            if (i == 0 || v[i] >= 1.2 * last) {
                fprintf(g, "%s%g", i ? ", " : "", v[i]);
                last = v[i];
            }
    } else {
        const char *sep = "";
        for (double dec = 1; dec <= 1e7; dec *= 10)
            for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) {
                double t = m * dec;
                if (t >= v[0] / 2 && t <= v[n - 1] * 2) {
                    fprintf(g, "%s%g", sep, t);
                    sep = ", ";
                }
            }
    }
    fprintf(g, ")\n");
}

void pl_key_below(FILE *g, int rows, int maxcols)
{
    fprintf(g, "set key at screen 0.5, screen 0.012 center bottom %s maxcols %d box opaque\n"
               "set bmargin %d\n",
            maxcols > 1 ? "horizontal" : "vertical", maxcols, (int)(rows * 1.25 + 4.5));
}

void pl_log_tics(FILE *g, const char *axis, double lo, double hi)
{
    fprintf(g, "set format %s '%%g'\nset m%stics default\nset %stics (", axis, axis, axis);
    const char *sep = "";
    for (int e = -12; e <= 12; e++)
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) {
            double t = m * pow(10, e);
            if (t >= lo && t <= hi) {
                fprintf(g, "%s%g", sep, t);
                sep = ", ";
            }
        }
    fprintf(g, ")\n");
}

int pl_fit_line(const double *x, const double *y, size_t n, double *a, double *b)
{
    if (n < 2)
        return -1;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    if (!(sxx > 0))
        return -1;
    *b = sxy / sxx;
    *a = my - *b * mx;
    return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

size_t pl_unique(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, dbl_cmp);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

/* ------------------------------------------------------------------------ */

static int read_table(const char *dir, const char *name, pl_table *t,
                      char *err, size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    memset(t, 0, sizeof *t);
    struct stat st;
    if (stat(path, &st) != 0)
        return 0; /* absent: the figures that need it say so */
    if (pb_csv_read(path, &t->t, err, err_len) != 0)
        return -1;
    t->present = 1;
    return 0;
}

/* A `phasebench bench` CSV: any other *.csv with these columns. */
static int find_bench(pl_ctx *c, char *err, size_t err_len)
{
    static const char *const reports[] = {"runs.csv", "jamming.csv", "kernel.csv",
                                          "ensemble.csv", "claims.csv", "manifest.csv"};
    DIR *d = opendir(c->run_dir);
    if (!d) {
        snprintf(err, err_len, "%s: cannot open folder: %s", c->run_dir,
                 strerror(errno));
        return -1;
    }
    struct dirent *e;
    char best[256] = "";
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 4 || e->d_name[0] == '.' || strcmp(e->d_name + n - 4, ".csv") != 0 ||
            n >= sizeof best)
            continue;
        int known = 0;
        for (size_t k = 0; k < sizeof reports / sizeof *reports; k++)
            known |= strcmp(e->d_name, reports[k]) == 0;
        if (known)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", c->run_dir, e->d_name);
        FILE *fp = fopen(path, "r");
        if (!fp)
            continue;
        char head[2048] = "";
        if (!fgets(head, sizeof head, fp))
            head[0] = '\0';
        fclose(fp);
        /* the first one in name order, so the choice does not depend on
         * the folder's listing order */
        if (strstr(head, ",what,") && strstr(head, ",median_s,") &&
            strstr(head, ",roofline_median_s,") &&
            (!best[0] || strcmp(e->d_name, best) < 0))
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    if (best[0]) {
        snprintf(c->bench_name, sizeof c->bench_name, "%s", best);
        return read_table(c->run_dir, best, &c->bench, err, err_len);
    }
    return 0;
}

static void free_ctx(pl_ctx *c)
{
    pl_table *t[] = {&c->runs, &c->jamming, &c->kernel, &c->ensemble, &c->bench};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        pb_csv_table_free(&t[i]->t);
}

static int make_dir(const char *path, char *err, size_t err_len)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        snprintf(err, err_len, "--out %s: exists and is not a folder", path);
        return -1;
    }
    snprintf(err, err_len, "--out %s: cannot create the folder: %s", path,
             strerror(errno));
    return -1;
}

typedef struct fig_def {
    const char *name, *title;
    int (*draw)(pl_ctx *, pb_figure *);
} fig_def;

static const fig_def figures[] = {
    {"phase_diagram", "Phase diagram: single-net test error over (h, α̃), jamming line, lazy/feature crossover",
     pl_fig_phase},
    {"phase_diagram_ensemble", "Phase diagram: ensemble test error over (h, α̃)",
     pl_fig_phase_ensemble},
    {"test_error_h", "Test error and output norm across h (jamming scan; the cusp at N*)",
     pl_fig_test_error_h},
    {"ntk_r_alpha", "NTK change r against α̃ per width h, with the fitted lazy slope",
     pl_fig_ntk_r},
    {"ensemble_n", "Ensemble test error against the number of nets n", pl_fig_ensemble_n},
    {"ensemble_h", "Single-net and ensemble test error across h", pl_fig_ensemble_h},
    {"ensemble_deltaF", "Output fluctuation δF against h with the fitted exponent",
     pl_fig_ensemble_deltaF},
    {"bench_roofline", "Step time per size and backend next to the GEMM roofline",
     pl_fig_bench},
};

int pb_plot_run(const char *run_dir, const char *out_dir, unsigned formats,
                pb_plot_result *res, char *err, size_t err_len)
{
    memset(res, 0, sizeof *res);
    pl_ctx c;
    memset(&c, 0, sizeof c);
    c.run_dir = run_dir;
    c.out_dir = out_dir;
    c.formats = formats;
    int rc = -1;
    struct stat st;
    if (stat(run_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "%s: not a folder", run_dir);
        return -1;
    }
    if (read_table(run_dir, "runs.csv", &c.runs, err, err_len) != 0 ||
        read_table(run_dir, "jamming.csv", &c.jamming, err, err_len) != 0 ||
        read_table(run_dir, "kernel.csv", &c.kernel, err, err_len) != 0 ||
        read_table(run_dir, "ensemble.csv", &c.ensemble, err, err_len) != 0 ||
        find_bench(&c, err, err_len) != 0)
        goto done;
    if (!c.runs.present && !c.jamming.present && !c.kernel.present &&
        !c.ensemble.present && !c.bench.present) {
        snprintf(err, err_len, "%s: no report to draw from (runs.csv, jamming.csv, "
                 "kernel.csv, ensemble.csv or a `phasebench bench` CSV)", run_dir);
        goto done;
    }
    if (pb_gnuplot_check(err, err_len) != 0 || make_dir(out_dir, err, err_len) != 0)
        goto done;

    int failed = 0;
    for (size_t i = 0; i < sizeof figures / sizeof *figures; i++) {
        pb_figure *f = &res->fig[res->n++];
        snprintf(f->name, sizeof f->name, "%s", figures[i].name);
        snprintf(f->title, sizeof f->title, "%s", figures[i].title);
        f->state = PB_FIG_DRAWN;
        int r = figures[i].draw(&c, f);
        if (r < 0) {
            f->state = PB_FIG_FAILED;
            failed = 1;
        } else if (r > 0) {
            f->state = PB_FIG_SKIPPED;
        }
    }
    rc = failed;
done:
    free_ctx(&c);
    return rc;
}
