/* The line figures of `phasebench plot`: the jamming scan (test error and
 * output norm across h), the NTK change against alpha~, the ensemble
 * figures and the step benchmark.  See plot.h for the list. */
#include "plot_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Upper end of the lazy decades (see pl_fig_ntk_r). */
#define PL_LAZY_R 0.1

/* Distinct values of numeric column col over the rows of t whose `kind` is
 * kind (any row when kind is NULL); malloc'd, sorted, count in *n. */
static double *distinct(const pb_csv_table *t, const char *kind, const char *col,
                        size_t *n)
{
    double *v = malloc((t->nrows + 1) * sizeof *v);
    *n = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < t->nrows; i++) {
        double x;
        if ((!kind || strcmp(pl_str(t, i, "kind"), kind) == 0) && pl_num(t, i, col, &x))
            v[(*n)++] = x;
    }
    *n = pl_unique(v, *n);
    return v;
}

/* Rows of t with kind and column key == value, sorted by column by. */
typedef struct rowref {
    size_t i;
    double by;
} rowref;

static int rowref_cmp(const void *a, const void *b)
{
    double x = ((const rowref *)a)->by, y = ((const rowref *)b)->by;
    return (x > y) - (x < y);
}

static size_t select_rows(const pb_csv_table *t, const char *kind, const char *key,
                          double value, const char *by, rowref *out)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        double k, b;
        if (kind && strcmp(pl_str(t, i, "kind"), kind) != 0)
            continue;
        if (!pl_num(t, i, key, &k) || k != value || !pl_num(t, i, by, &b))
            continue;
        out[n++] = (rowref){i, b};
    }
    qsort(out, n, sizeof *out, rowref_cmp);
    return n;
}

/* ------------------------------------------------------------------------ */

int pl_fig_test_error_h(pl_ctx *c, pb_figure *f)
{
    static const char *const need[] = {"kind", "alpha", "h", "test_err_mean", "out_norm_mean"};
    int r = pl_require(f, &c->jamming, "jamming.csv",
                       "no jamming.csv in the run folder (the battery has no jamming experiment)",
                       need, sizeof need / sizeof *need);
    if (r)
        return r;
    const pb_csv_table *t = &c->jamming.t;
    size_t na;
    double *as = distinct(t, "scan", "alpha", &na);
    rowref *rows = malloc((t->nrows + (c->runs.present ? c->runs.t.nrows : 0) + 1) * sizeof *rows);
    size_t hs_cap = t->nrows + (c->ensemble.present ? c->ensemble.t.nrows : 0) + 1;
    double *hs = malloc(hs_cap * sizeof *hs);
    if (!as || !rows || !hs) {
        free(as), free(rows), free(hs);
        return pl_oom(f);
    }
    int rc = -1;
    size_t usable = 0, nh = 0;
    for (size_t k = 0; k < na; k++)
        usable += select_rows(t, "scan", "alpha", as[k], "h", rows) >= 2;
    if (!usable) {
        rc = pl_skip(f, "jamming.csv: no alpha~ has 2 or more scanned widths (the downward "
                        "scan stops at the first jammed width)");
        goto done;
    }
    char name[96];
    FILE *d = pl_open_part(c, f, ".dat", name, sizeof name);
    if (!d)
        goto done;
    /* index 2k: scan rows of alpha k; 2k+1: individual jamming runs. */
    for (size_t k = 0; k < na; k++) {
        size_t n = select_rows(t, "scan", "alpha", as[k], "h", rows);
        fprintf(d, "# alpha_tilde=%g: h test_err_mean test_err_std out_norm_mean jammed\n", as[k]);
        for (size_t r = 0; r < n; r++) {
            double e, s = 0, o = NAN;
            if (!pl_num(t, rows[r].i, "test_err_mean", &e))
                continue;
            pl_num(t, rows[r].i, "test_err_std", &s);
            pl_num(t, rows[r].i, "out_norm_mean", &o);
            fprintf(d, "%.10g %.10g %.10g %.10g %s\n", rows[r].by, e, s, o,
                    pl_str(t, rows[r].i, "jammed"));
            hs[nh++] = rows[r].by;
        }
        fprintf(d, "\n\n# individual runs (runs.csv, experiment jamming): h test_err out_norm\n");
        size_t nr = 0;
        if (c->runs.present) {
            const pb_csv_table *u = &c->runs.t;
            for (size_t i = 0; i < u->nrows; i++) {
                double a, h, e, o = NAN;
                if (strcmp(pl_str(u, i, "experiment"), "jamming") != 0 ||
                    pl_str(u, i, "error")[0] || !pl_num(u, i, "alpha", &a) || a != as[k] ||
                    !pl_num(u, i, "h", &h) || !pl_num(u, i, "test_err", &e))
                    continue;
                pl_num(u, i, "out_norm", &o);
                fprintf(d, "%.10g %.10g %.10g\n", h, e, o);
                nr++;
            }
        }
        if (!nr)
            fprintf(d, "nan nan nan\n");
        fprintf(d, "\n\n");
    }
    /* index 2na: ensemble error across h at the scanned alphas, when the
     * battery measured it (the authors' solid line). */
    size_t n_ens_blocks = 0;
    int ens_index[16];
    if (c->ensemble.present) {
        for (size_t k = 0; k < na && k < 16; k++) {
            size_t n = select_rows(&c->ensemble.t, "summary", "alpha", as[k], "h", rows);
            ens_index[k] = -1;
            if (n < 1)
                continue;
            fprintf(d, "# ensemble error, alpha_tilde=%g: h ens_err\n", as[k]);
            for (size_t r = 0; r < n; r++) {
                double e;
                if (pl_num(&c->ensemble.t, rows[r].i, "ens_err", &e))
                    fprintf(d, "%.10g %.10g\n", rows[r].by, e);
                hs[nh++] = rows[r].by;
            }
            fprintf(d, "\n\n");
            ens_index[k] = (int)(2 * na + n_ens_blocks++);
        }
    }
    if (pl_close(f, d, name) != 0)
        goto done;
    nh = pl_unique(hs, nh);
    FILE *g = pl_open_part(c, f, ".body.gp", name, sizeof name);
    if (!g)
        goto done;
    pl_style(g);
    fprintf(g, "set logscale x\nset xrange [%.6g:%.6g]\n", hs[0] / 1.25, hs[nh - 1] * 1.25);
    pl_width_tics(g, "x", hs, nh);
    fprintf(g, "set offsets 0, 0, graph 0.05, graph 0.05\n");
    /* The jamming band of each alpha~: between the largest jammed width h1
     * and the smallest unjammed one h2. */
    int band = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        double h1, h2, a;
        if (strcmp(pl_str(t, i, "kind"), "point") == 0 && pl_num(t, i, "h1", &h1) &&
            pl_num(t, i, "h2", &h2) && pl_num(t, i, "alpha", &a)) {
            /* framed in the colour of its alpha~, so overlapping bands of
             * several alpha~ stay apart */
            size_t k = 0;
            while (k < na && as[k] != a)
                k++;
            fprintf(g, "set object rect from %.10g, graph 0 to %.10g, graph 1 behind "
                       "fc rgb '#b0b0b0' fs transparent solid 0.35 border lc rgb '%s' lw 2\n",
                    h1, h2, pl_lt_colour[k % 6]);
            band = 1;
        }
    }
    fprintf(g, "set multiplot layout 2,1 margins 0.13,0.97,0.08,0.95 spacing 0,0.11\n"
               "set title 'Test error across h (jamming scan; the cusp at N*)' font ',15'\n"
               "set ylabel 'test error ε'\nset format y '%%.3g'\n"
               "unset xlabel\nset key top right font ',12' spacing 1.0\nset offsets 0, 0, graph 0.8, graph 0.05\nplot ");
    const char *sep = "";
    if (band) {
        fprintf(g, "NaN with boxes fs solid 0.45 fc rgb '#b0b0b0' title 'jamming band h_1–h_2 "
                   "(framed in its α̃ colour)'");
        sep = ", \\\n ";
    }
    for (size_t k = 0; k < na; k++) {
        fprintf(g, "%s'%s.dat' index %zu using 1:2 with points lt %zu pt 6 ps 1.0 lw 1 "
                   "%s, \\\n"
                   " '%s.dat' index %zu using 1:2:3 with yerrorbars lt %zu dt 1 notitle, \\\n"
                   " '%s.dat' index %zu using 1:2 with linespoints lt %zu dt 2 "
                   "title 'mean ± std over seeds, α̃ = %g'",
                sep, f->name, 2 * k + 1, k + 1,
                k == 0 ? "title 'single runs (open circles)'" : "notitle", f->name, 2 * k,
                k + 1, f->name, 2 * k, k + 1, as[k]);
        sep = ", \\\n ";
        if (n_ens_blocks && k < 16 && ens_index[k] >= 0)
            fprintf(g, ", \\\n '%s.dat' index %d using 1:2 with linespoints lt %zu dt 1 "
                       "title 'ensemble of all seeds, α̃ = %g'",
                    f->name, ens_index[k], k + 1, as[k]);
    }
    fprintf(g, "\nset title 'Output norm across h (grows towards jamming)' font ',15'\n"
               "set logscale y\nset format y '%%g'\nset offsets 0, 0, 0, 0\n"
               "set xlabel 'width h (hidden units per layer)'\n"
               "set ylabel 'output norm ‖F‖ (RMS, test set)'\nset key top right\nplot ");
    sep = "";
    for (size_t k = 0; k < na; k++) {
        fprintf(g, "%s'%s.dat' index %zu using 1:3 with points lt %zu pt 6 ps 1.0 lw 1 "
                   "%s, \\\n"
                   " '%s.dat' index %zu using 1:4 with linespoints lt %zu dt 2 "
                   "title 'mean over seeds, α̃ = %g'",
                sep, f->name, 2 * k + 1, k + 1,
                k == 0 ? "title 'single runs (open circles)'" : "notitle", f->name, 2 * k,
                k + 1, as[k]);
        sep = ", \\\n ";
    }
    fprintf(g, "\nunset multiplot\n");
    if (pl_close(f, g, name) != 0)
        goto done;
    rc = pl_render(c, f, 1100);
done:
    free(as);
    free(rows);
    free(hs);
    return rc;
}

/* ------------------------------------------------------------------------ */

int pl_fig_ntk_r(pl_ctx *c, pb_figure *f)
{
    static const char *const need[] = {"kind", "h", "alpha", "r_geomean"};
    int r = pl_require(f, &c->kernel, "kernel.csv",
                       "no kernel.csv in the run folder (the battery has no kernel experiment)",
                       need, sizeof need / sizeof *need);
    if (r)
        return r;
    const pb_csv_table *t = &c->kernel.t;
    size_t nh;
    double *hs = distinct(t, "run_mean", "h", &nh);
    rowref *rows = malloc((t->nrows + 1) * sizeof *rows);
    double *lx = malloc((t->nrows + 1) * sizeof *lx), *ly = malloc((t->nrows + 1) * sizeof *ly);
    if (!hs || !rows || !lx || !ly) {
        free(hs), free(rows), free(lx), free(ly);
        return pl_oom(f);
    }
    int rc = -1;
    size_t usable = 0;
    for (size_t k = 0; k < nh; k++) {
        size_t n = select_rows(t, "run_mean", "h", hs[k], "alpha", rows), m = 0;
        for (size_t r = 0; r < n; r++) {
            double v;
            m += pl_num(t, rows[r].i, "r_geomean", &v) && v > 0;
        }
        usable += m >= 2;
    }
    if (!usable) {
        size_t points = 0, unused = 0;
        for (size_t i = 0; i < t->nrows; i++) {
            double u;
            if (strcmp(pl_str(t, i, "kind"), "run_mean") != 0)
                continue;
            points++;
            unused += pl_num(t, i, "n_used", &u) && u == 0;
        }
        rc = pl_skip(f, "kernel.csv: no width has r measured at 2 or more alpha~ values "
                        "(%zu of %zu (h, alpha~) points have no run in the r statistics, "
                        "n_used = 0: r is kept for runs that reached N_Δ = 0)",
                     unused, points);
        goto done;
    }
    char name[96];
    FILE *d = pl_open_part(c, f, ".dat", name, sizeof name);
    if (!d)
        goto done;
    double slope[64], icpt[64], fit_lo[64], fit_hi[64];
    int has_fit[64] = {0};
    double xlo = INFINITY, xhi = 0;
    for (size_t k = 0; k < nh; k++) {
        size_t n = select_rows(t, "run_mean", "h", hs[k], "alpha", rows), m = 0;
        fprintf(d, "# h=%g: alpha_tilde r_geomean r_low r_high (geometric mean times/over "
                   "10^(std of log10 r))\n", hs[k]);
        double lo = INFINITY, hi = 0;
        for (size_t r = 0; r < n; r++) {
            double v, s = 0;
            if (!pl_num(t, rows[r].i, "r_geomean", &v) || v <= 0)
                continue;
            pl_num(t, rows[r].i, "log10_r_std", &s);
            double fac = pow(10, s);
            fprintf(d, "%.10g %.10g %.10g %.10g\n", rows[r].by, v, v / fac, v * fac);
            xlo = fmin(xlo, rows[r].by), xhi = fmax(xhi, rows[r].by);
            /* The lazy decades, r < 0.1: the rule the ntk_r_lazy_slope claim
             * fits (KER_LAZY_R in plugins/kernel/kernel.c, docs/physics.md
             * section 9), so the drawn slope is the judged one. */
            if (v < PL_LAZY_R) {
                lx[m] = log10(rows[r].by);
                ly[m] = log10(v);
                lo = fmin(lo, rows[r].by), hi = fmax(hi, rows[r].by);
                m++;
            }
        }
        fprintf(d, "\n\n");
        if (k < 64 && m >= 2 && pl_fit_line(lx, ly, m, &icpt[k], &slope[k]) == 0) {
            has_fit[k] = 1;
            fit_lo[k] = lo;
            fit_hi[k] = hi;
        }
    }
    if (pl_close(f, d, name) != 0)
        goto done;
    FILE *g = pl_open_part(c, f, ".body.gp", name, sizeof name);
    if (!g)
        goto done;
    pl_style(g);
    fprintf(g, "set logscale xy\nset xrange [%.6g:%.6g]\n"
               "set xlabel 'output scale α̃ = √h·α'\n"
               "set ylabel 'r = ‖Θ_T − Θ_0‖ / ‖Θ_0‖'\n"
               "set title 'Change of the NTK during training against α̃ (kernel set)' font ',15'\n"
               "set key top right\n"
               "set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#606060' dt 3 lw 1.5\n"
               "set arrow from graph 0, first 0.01 to graph 1, first 0.01 nohead lc rgb '#606060' dt 3 lw 1.5\n"
               "set label 'r = 1' at graph 0.02, first 1.5 left tc rgb '#404040'\n"
               "set label 'r = 10^{-2}' at graph 0.02, first 0.015 left tc rgb '#404040'\n"
               "plot ",
            xlo / 2, xhi * 2);
    for (size_t k = 0; k < nh; k++) {
        fprintf(g, "%s'%s.dat' index %zu using 1:2:3:4 with yerrorbars lt %zu lw 1.5 "
                   "title 'h = %g (geometric mean over seeds)'",
                k ? ", \\\n " : "", f->name, k, k + 1, hs[k]);
        if (k < 64 && has_fit[k])
            fprintf(g, ", \\\n (x >= %.6g && x <= %.6g) ? 10**(%.10g + %.10g*log10(x)) : NaN "
                       "with lines lt %zu dt 1 lw 2.5 title 'fit on the lazy decades r < 0.1, h = %g: slope %.2f'",
                    fit_lo[k], fit_hi[k], icpt[k], slope[k], k + 1, hs[k], slope[k]);
    }
    fprintf(g, "\n");
    if (pl_close(f, g, name) != 0)
        goto done;
    rc = pl_render(c, f, 760);
done:
    free(hs);
    free(rows);
    free(lx);
    free(ly);
    return rc;
}

/* ------------------------------------------------------------------------ */

/* The (h, alpha) pairs of the ensemble summary rows. */
static int ens_check(pl_ctx *c, pb_figure *f)
{
    static const char *const need[] = {"kind", "h", "alpha", "n", "ens_err", "single_err_mean",
                                       "deltaF"};
    return pl_require(f, &c->ensemble, "ensemble.csv", PL_NO_ENSEMBLE, need,
                      sizeof need / sizeof *need);
}

/* The summary rows of ensemble.csv, grouped by alpha~ across h: their
 * distinct alpha~ and h and a row buffer.  A figure needs some alpha~ with
 * 2 or more widths (where column `positive`, when given, is > 0); else it
 * is skipped saying which `what` is missing.  0, 1 skipped, -1 failed. */
typedef struct ens_summary {
    const pb_csv_table *t;
    double *as, *hs;
    size_t na, nh;
    rowref *rows;
} ens_summary;

static void ens_summary_free(ens_summary *e)
{
    free(e->as), free(e->hs), free(e->rows);
}

static int ens_summary_open(pl_ctx *c, pb_figure *f, ens_summary *e, const char *positive,
                            const char *what)
{
    int r = ens_check(c, f);
    if (r)
        return r;
    const pb_csv_table *t = e->t = &c->ensemble.t;
    e->as = distinct(t, "summary", "alpha", &e->na);
    e->hs = distinct(t, "summary", "h", &e->nh);
    e->rows = malloc((t->nrows + 1) * sizeof *e->rows);
    if (!e->as || !e->hs || !e->rows) {
        ens_summary_free(e);
        return pl_oom(f);
    }
    size_t usable = 0;
    for (size_t k = 0; k < e->na; k++) {
        size_t n = select_rows(t, "summary", "alpha", e->as[k], "h", e->rows), m = 0;
        for (size_t j = 0; j < n; j++) {
            double v;
            m += !positive || (pl_num(t, e->rows[j].i, positive, &v) && v > 0);
        }
        usable += m >= 2;
    }
    if (usable)
        return 0;
    ens_summary_free(e);
    return pl_skip(f, "ensemble.csv: no alpha~ has %s at 2 or more widths", what);
}

int pl_fig_ensemble_n(pl_ctx *c, pb_figure *f)
{
    int r = ens_check(c, f);
    if (r)
        return r;
    const pb_csv_table *t = &c->ensemble.t;
    size_t nh, na;
    double *hs = distinct(t, "curve", "h", &nh), *as = distinct(t, "curve", "alpha", &na);
    rowref *rows = malloc((t->nrows + 1) * sizeof *rows);
    if (!hs || !as || !rows) {
        free(hs), free(as), free(rows);
        return pl_oom(f);
    }
    int rc = -1;
    char name[96];
    FILE *d = NULL, *g = NULL;
    size_t blocks = 0, nmax = 0;
    char titles[32][64];
    for (size_t ia = 0; ia < na; ia++)
        for (size_t ih = 0; ih < nh && blocks < 32; ih++) {
            size_t n = 0;
            for (size_t i = 0; i < t->nrows; i++) {
                double h, a, m, e;
                if (strcmp(pl_str(t, i, "kind"), "curve") == 0 && pl_num(t, i, "h", &h) &&
                    h == hs[ih] && pl_num(t, i, "alpha", &a) && a == as[ia] &&
                    pl_num(t, i, "n", &m) && pl_num(t, i, "ens_err", &e))
                    rows[n++] = (rowref){i, m};
            }
            if (n < 2)
                continue;
            qsort(rows, n, sizeof *rows, rowref_cmp);
            if (!d && !(d = pl_open_part(c, f, ".dat", name, sizeof name)))
                goto done;
            fprintf(d, "# h=%g alpha_tilde=%g: n ens_err\n", hs[ih], as[ia]);
            for (size_t k = 0; k < n; k++) {
                double e;
                pl_num(t, rows[k].i, "ens_err", &e);
                fprintf(d, "%.10g %.10g\n", rows[k].by, e);
                if (rows[k].by > (double)nmax)
                    nmax = (size_t)rows[k].by;
            }
            fprintf(d, "\n\n");
            snprintf(titles[blocks], sizeof titles[blocks], "h = %g, α̃ = %g", hs[ih], as[ia]);
            blocks++;
        }
    if (!blocks) {
        rc = pl_skip(f, "ensemble.csv: no (h, alpha~) has curve rows for 2 or more n");
        goto done;
    }
    if (pl_close(f, d, name) != 0) {
        d = NULL;
        goto done;
    }
    d = NULL;
    if (!(g = pl_open_part(c, f, ".body.gp", name, sizeof name)))
        goto done;
    pl_style(g);
    fprintf(g, "set xrange [0.5:%zu.5]\nset xtics 1\nset format x '%%g'\nset format y '%%.3g'\n"
               "set offsets 0, 0, graph 0.08, graph 0.08\n"
               "set xlabel 'number of nets n in the ensemble (members added in seed order)'\n"
               "set ylabel 'test error ε of the ensemble'\n"
               "set title 'Ensemble averaging: sign of the mean output F of n nets' font ',15'\n"
               , nmax);
    pl_key_below(g, (int)(blocks + 2) / 3, 3);
    fprintf(g, "plot ");
    for (size_t b = 0; b < blocks; b++)
        fprintf(g, "%s'%s.dat' index %zu using 1:2 with linespoints lt %zu title '%s'",
                b ? ", \\\n " : "", f->name, b, b + 1, titles[b]);
    fprintf(g, "\n");
    r = pl_close(f, g, name);
    g = NULL;
    if (r != 0)
        goto done;
    rc = pl_render(c, f, 660 + 30 * (int)((blocks + 2) / 3));
done:
    if (d)
        fclose(d);
    free(hs), free(as), free(rows);
    return rc;
}

int pl_fig_ensemble_h(pl_ctx *c, pb_figure *f)
{
    ens_summary e;
    int r = ens_summary_open(c, f, &e, NULL, "summary rows");
    if (r)
        return r;
    const pb_csv_table *t = e.t;
    double *as = e.as, *hs = e.hs;
    size_t na = e.na, nh = e.nh;
    rowref *rows = e.rows;
    int rc = -1;
    char name[96];
    FILE *d = pl_open_part(c, f, ".dat", name, sizeof name);
    if (!d)
        goto done;
    for (size_t k = 0; k < na; k++) {
        size_t n = select_rows(t, "summary", "alpha", as[k], "h", rows);
        fprintf(d, "# alpha_tilde=%g: h single_err_mean single_err_std ens_err\n", as[k]);
        for (size_t j = 0; j < n; j++) {
            double s = NAN, sd = 0, e = NAN;
            pl_num(t, rows[j].i, "single_err_mean", &s);
            pl_num(t, rows[j].i, "single_err_std", &sd);
            pl_num(t, rows[j].i, "ens_err", &e);
            fprintf(d, "%.10g %.10g %.10g %.10g\n", rows[j].by, s, sd, e);
        }
        fprintf(d, "\n\n");
    }
    if (pl_close(f, d, name) != 0)
        goto done;
    FILE *g = pl_open_part(c, f, ".body.gp", name, sizeof name);
    if (!g)
        goto done;
    pl_style(g);
    fprintf(g, "set logscale x\nset xrange [%.6g:%.6g]\n", hs[0] / 1.4, hs[nh - 1] * 1.4);
    pl_width_tics(g, "x", hs, nh);
    fprintf(g, "set format y '%%.3g'\nset offsets 0, 0, graph 0.1, graph 0.1\n"
               "set xlabel 'width h (hidden units per layer)'\nset ylabel 'test error ε'\n"
               "set title 'Single nets against their ensemble across h' font ',15'\n");
    pl_key_below(g, 2 * (int)na, 1);
    fprintf(g, "plot ");
    for (size_t k = 0; k < na; k++)
        fprintf(g, "%s'%s.dat' index %zu using 1:2:3 with yerrorbars lt %zu dt 1 notitle, \\\n"
                   " '%s.dat' index %zu using 1:2 with linespoints lt %zu dt 2 "
                   "title 'single net, mean ± std over seeds, α̃ = %g', \\\n"
                   " '%s.dat' index %zu using 1:4 with linespoints lt %zu dt 1 "
                   "title 'ensemble of all seeds, α̃ = %g'",
                k ? ", \\\n " : "", f->name, k, k + 1, f->name, k, k + 1, as[k], f->name,
                k, k + 1, as[k]);
    fprintf(g, "\n");
    if (pl_close(f, g, name) != 0)
        goto done;
    rc = pl_render(c, f, 640 + 60 * (int)(na < 8 ? na : 8));
done:
    ens_summary_free(&e);
    return rc;
}

int pl_fig_ensemble_deltaF(pl_ctx *c, pb_figure *f)
{
    ens_summary e;
    int r = ens_summary_open(c, f, &e, "deltaF", "delta F");
    if (r)
        return r;
    const pb_csv_table *t = e.t;
    double *as = e.as, *hs = e.hs;
    size_t na = e.na, nh = e.nh;
    rowref *rows = e.rows;
    int rc = -1;
    char name[96];
    FILE *d = pl_open_part(c, f, ".dat", name, sizeof name);
    if (!d)
        goto done;
    double fit_a[32], fit_b[32], fit_lo[32], fit_hi[32];
    int has_fit[32] = {0};
    double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
    for (size_t k = 0; k < na; k++) {
        size_t n = select_rows(t, "summary", "alpha", as[k], "h", rows);
        fprintf(d, "# alpha_tilde=%g: h deltaF all_converged\n", as[k]);
        double sx = 0, sy = 0, lo = 0, hi = 0, slope = NAN;
        size_t m = 0;
        /* The fit row of this alpha: its slope, and the widths it used
         * (those above jamming in [h_min, h_max]). */
        for (size_t i = 0; i < t->nrows; i++) {
            double a;
            if (strcmp(pl_str(t, i, "kind"), "fit") == 0 && pl_num(t, i, "alpha", &a) &&
                a == as[k] && pl_num(t, i, "slope", &slope)) {
                pl_num(t, i, "h_min", &lo);
                pl_num(t, i, "h_max", &hi);
            }
        }
        for (size_t j = 0; j < n; j++) {
            double v, nc = -1, nm = -2;
            if (!pl_num(t, rows[j].i, "deltaF", &v) || v <= 0)
                continue;
            pl_num(t, rows[j].i, "n_converged", &nc);
            pl_num(t, rows[j].i, "n_members", &nm);
            int conv = nc == nm;
            fprintf(d, "%.10g %.10g %d\n", rows[j].by, v, conv);
            xlo = fmin(xlo, rows[j].by), xhi = fmax(xhi, rows[j].by);
            ylo = fmin(ylo, v), yhi = fmax(yhi, v);
            /* The least-squares line passes through the mean of the fitted
             * points in log-log, so the fit row's slope and these points
             * give the line the plugin fitted. */
            if (conv && rows[j].by >= lo && rows[j].by <= hi) {
                sx += log10(rows[j].by);
                sy += log10(v);
                m++;
            }
        }
        fprintf(d, "\n\n");
        if (k < 32 && m >= 2 && isfinite(slope)) {
            has_fit[k] = 1;
            fit_b[k] = slope;
            fit_a[k] = sy / (double)m - slope * sx / (double)m;
            fit_lo[k] = lo;
            fit_hi[k] = hi;
        }
    }
    if (pl_close(f, d, name) != 0)
        goto done;
    FILE *g = pl_open_part(c, f, ".body.gp", name, sizeof name);
    if (!g)
        goto done;
    pl_style(g);
    fprintf(g, "set logscale xy\nset xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n",
            xlo / 1.3, xhi * 1.3, ylo / 1.6, yhi * 2.5);
    pl_width_tics(g, "x", hs, nh);
    pl_log_tics(g, "y", ylo / 1.6, yhi * 2.5);
    fprintf(g, "\n"
               "set xlabel 'width h (hidden units per layer)'\n"
               "set ylabel 'δF (RMS of F − ⟨F⟩ over test points)'\n"
               "set title 'Fluctuations of the output between initialisations' font ',15'\n");
    int key_rows = 0;
    for (size_t k = 0; k < na; k++)
        key_rows += 1 + (k < 32 && has_fit[k]);
    pl_key_below(g, key_rows + 1, 1);
    fprintf(g, "plot ");
    for (size_t k = 0; k < na; k++) {
        fprintf(g, "%s'%s.dat' index %zu using 1:2 with points lt %zu ps 1.8 "
                   "title 'δF, α̃ = %g'",
                k ? ", \\\n " : "", f->name, k, k + 1, as[k]);
        if (k < 32 && has_fit[k])
            fprintf(g, ", \\\n (x >= %.6g && x <= %.6g) ? 10**(%.10g + %.10g*log10(x)) : NaN "
                       "with lines lt %zu dt 1 lw 2.5 title 'fit above jamming, α̃ = %g: "
                       "δF ∝ h^{%.2f} (predicted h^{-1/2})'",
                    fit_lo[k], fit_hi[k], fit_a[k], fit_b[k], k + 1, as[k], fit_b[k]);
        /* The predicted slope through the same centre, for the eye. */
        if (k < 32 && has_fit[k]) {
            double cx = (log10(fit_lo[k]) + log10(fit_hi[k])) / 2;
            double cy = fit_a[k] + fit_b[k] * cx;
            fprintf(g, ", \\\n (x >= %.6g && x <= %.6g) ? 10**(%.10g - 0.5*(log10(x) - %.10g)) : NaN "
                       "with lines lc rgb '#808080' dt 3 lw 2 %s",
                    fit_lo[k], fit_hi[k], cy, cx,
                    k == 0 ? "title 'slope -1/2 (predicted), through each fit''s centre'" : "notitle");
        }
    }
    fprintf(g, "\n");
    if (pl_close(f, g, name) != 0)
        goto done;
    rc = pl_render(c, f, 640 + 90 * (int)(na < 8 ? na : 8));
done:
    ens_summary_free(&e);
    return rc;
}

/* ------------------------------------------------------------------------ */

typedef struct bsize {
    char label[64];
    double flops, roof;
} bsize;

/* "P:d:h:L" of a bench row from its numbers (never raw text: the label goes
 * into a gnuplot data file); -1 when a field is not a number. */
static int size_label(const pb_csv_table *t, size_t i, char *out, size_t len)
{
    double p, d, h, l;
    if (!pl_num(t, i, "P", &p) || !pl_num(t, i, "d", &d) || !pl_num(t, i, "h", &h) ||
        !pl_num(t, i, "L", &l))
        return -1;
    snprintf(out, len, "%g:%g:%g:%g", p, d, h, l);
    return 0;
}

/* A name that can sit inside a gnuplot single-quoted string: letters,
 * digits, '.', '_' and '-' kept, anything else '_'. */
static void script_safe(char *dst, size_t len, const char *src)
{
    size_t k = 0;
    for (; src[k] && k + 1 < len; k++) {
        char ch = src[k];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        dst[k] = ok ? ch : '_';
    }
    dst[k] = '\0';
}

static int backend_is(const pb_csv_table *t, size_t i, const char *safe)
{
    char b[32];
    script_safe(b, sizeof b, pl_str(t, i, "backend"));
    return strcmp(b, safe) == 0;
}

static int bsize_cmp(const void *a, const void *b)
{
    const bsize *x = a, *y = b;
    if (x->flops != y->flops)
        return (x->flops > y->flops) - (x->flops < y->flops);
    return strcmp(x->label, y->label);
}

int pl_fig_bench(pl_ctx *c, pb_figure *f)
{
    static const char *const need[] = {"backend", "P", "d", "h", "L", "what", "median_s",
                                       "roofline_median_s", "flops"};
    int r = pl_require(f, &c->bench, c->bench_name,
                       "no `phasebench bench` CSV in the run folder (write one there with "
                       "`phasebench bench --out RUN_DIR/bench.csv`)",
                       need, sizeof need / sizeof *need);
    if (r)
        return r;
    const pb_csv_table *t = &c->bench.t;
    bsize *sz = calloc(t->nrows + 1, sizeof *sz);
    char (*backs)[32] = calloc(t->nrows + 1, sizeof *backs);
    if (!sz || !backs) {
        free(sz), free(backs);
        return pl_oom(f);
    }
    size_t nsz = 0, nb = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        double m, fl, roof;
        if (strcmp(pl_str(t, i, "what"), "step") != 0 || !pl_num(t, i, "median_s", &m) ||
            !pl_num(t, i, "flops", &fl))
            continue;
        char label[64];
        if (size_label(t, i, label, sizeof label) != 0)
            continue;
        size_t k = 0;
        while (k < nsz && strcmp(sz[k].label, label) != 0)
            k++;
        if (k == nsz) {
            snprintf(sz[nsz].label, sizeof sz[nsz].label, "%s", label);
            sz[nsz].flops = fl;
            sz[nsz].roof = INFINITY;
            nsz++;
        }
        if (pl_num(t, i, "roofline_median_s", &roof) && roof < sz[k].roof)
            sz[k].roof = roof;
        char b[32];
        script_safe(b, sizeof b, pl_str(t, i, "backend"));
        size_t j = 0;
        while (j < nb && strcmp(backs[j], b) != 0)
            j++;
        if (j == nb)
            snprintf(backs[nb++], sizeof *backs, "%s", b);
    }
    int rc = -1;
    if (!nsz) {
        rc = pl_skip(f, "%s has no measured step row", c->bench_name);
        goto done;
    }
    qsort(sz, nsz, sizeof *sz, bsize_cmp);
    char name[96];
    FILE *d = pl_open_part(c, f, ".dat", name, sizeof name);
    if (!d)
        goto done;
    double tlo = INFINITY, thi = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        double m;
        if (strcmp(pl_str(t, i, "what"), "step") == 0 && pl_num(t, i, "median_s", &m) && m > 0)
            tlo = fmin(tlo, m), thi = fmax(thi, m);
    }
    for (size_t k = 0; k < nsz; k++)
        if (isfinite(sz[k].roof) && sz[k].roof > 0)
            tlo = fmin(tlo, sz[k].roof), thi = fmax(thi, sz[k].roof);
    fprintf(d, "# GEMM roofline: size_index label roofline_median_s\n");
    for (size_t k = 0; k < nsz; k++)
        fprintf(d, "%zu %s %.10g\n", k, sz[k].label, isfinite(sz[k].roof) ? sz[k].roof : NAN);
    for (size_t j = 0; j < nb; j++) {
        fprintf(d, "\n\n# backend %s: size_index label median_s min_s\n", backs[j]);
        for (size_t k = 0; k < nsz; k++)
            for (size_t i = 0; i < t->nrows; i++) {
                double m, mn;
                char label[64];
                if (size_label(t, i, label, sizeof label) == 0 &&
                    strcmp(pl_str(t, i, "what"), "step") == 0 &&
                    backend_is(t, i, backs[j]) &&
                    strcmp(label, sz[k].label) == 0 && pl_num(t, i, "median_s", &m)) {
                    if (!pl_num(t, i, "min_s", &mn))
                        mn = m;
                    fprintf(d, "%zu %s %.10g %.10g\n", k, label, m, mn);
                }
            }
    }
    if (pl_close(f, d, name) != 0)
        goto done;
    FILE *g = pl_open_part(c, f, ".body.gp", name, sizeof name);
    if (!g)
        goto done;
    pl_style(g);
    char bench_safe[256];
    script_safe(bench_safe, sizeof bench_safe, c->bench_name);
    fprintf(g, "set yrange [%.6g:%.6g]\n", tlo / 3, thi * 8);
    fprintf(g, "set logscale y\nset format y '10^{%%T}'\nset xrange [-0.5:%zu.5]\n"
               "set xlabel 'net size P:d:h:L (points : input dimension : width : hidden layers)'\n"
               "set ylabel 'time per gradient-flow step (s, median)'\n"
               "set title 'Step time against the GEMM roofline (%s)' font ',15'\n"
               "set key top left\nplot '%s.dat' index 0 using 1:3:xtic(2) with linespoints "
               "lc rgb '#000000' dt 2 pt 2 ps 2 lw 2 title 'GEMM roofline: the step''s GEMMs on OpenBLAS'",
            nsz - 1, bench_safe, f->name);
    for (size_t j = 0; j < nb; j++)
        fprintf(g, ", \\\n '%s.dat' index %zu using 1:3 with linespoints lt %zu ps 1.8 "
                   "title 'step, %s'", f->name, j + 1, j + 2, backs[j]);
    fprintf(g, "\n");
    if (pl_close(f, g, name) != 0)
        goto done;
    rc = pl_render(c, f, 700);
done:
    free(sz), free(backs);
    return rc;
}
