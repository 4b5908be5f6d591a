/* The phase diagram in the (h, alpha~) plane, drawn as the authors draw
 * theirs (docs/physics.md section 12.2, the authors' `phasespace` figure): h on the x axis and alpha~ on the
 * y axis, both logarithmic; the test error as colour cells centred on the
 * measured grid points (each cell reaches halfway, in log scale, to its
 * neighbours); the jamming line h*(alpha~) with the jammed region left of it
 * filled black; the crossover lines alpha~*(h; c), where the NTK change r
 * crosses c; the regions labelled. */
#include "plot_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct cell {
    double h, a, sum;
    size_t n;
} cell;

typedef struct cells {
    cell *v;
    size_t n, cap;
} cells;

static int cells_add(cells *s, double h, double a, double z)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].h == h && s->v[i].a == a) {
            s->v[i].sum += z;
            s->v[i].n++;
            return 0;
        }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        cell *g = realloc(s->v, cap * sizeof *g);
        if (!g)
            return -1;
        s->v = g;
        s->cap = cap;
    }
    s->v[s->n++] = (cell){h, a, z, 1};
    return 0;
}

/* Cell edges of value v in the sorted distinct list u[0..n): halfway (in
 * log scale) to each neighbour; an outer edge mirrors the inner one, and a
 * lone value spans a factor 2 each way. */
static void edges(const double *u, size_t n, double v, double *lo, double *hi)
{
    size_t k = 0;
    while (k < n && u[k] != v)
        k++;
    double below = k > 0 ? sqrt(u[k - 1] * v) : 0;
    double above = k + 1 < n ? sqrt(u[k + 1] * v) : 0;
    if (!below)
        below = above ? v * v / above : v / 2;
    if (!above)
        above = below ? v * v / below : v * 2;
    *lo = below;
    *hi = above;
}

typedef struct jam_pt {
    double a, hs, h1, h2;
} jam_pt;

static int jam_cmp(const void *x, const void *y)
{
    double a = ((const jam_pt *)x)->a, b = ((const jam_pt *)y)->a;
    return (a > b) - (a < b);
}

typedef struct cross_pt {
    double c, h, a;
} cross_pt;

static int cross_cmp(const void *x, const void *y)
{
    const cross_pt *p = x, *q = y;
    if (p->c != q->c)
        return (p->c > q->c) - (p->c < q->c);
    return (p->h > q->h) - (p->h < q->h);
}

/* Draw the cells with every overlay the run has.  what: the colour bar's
 * label; note: the subtitle (how cells were filtered). */
static int draw_phase(pl_ctx *c, pb_figure *f, cells *s, const char *what,
                      const char *note)
{
    double *hs = malloc((s->n + 1) * sizeof *hs), *as = malloc((s->n + 1) * sizeof *as);
    jam_pt *jam = NULL;
    cross_pt *cross = NULL;
    size_t n_jam = 0, n_cross = 0;
    int rc = -1;
    if (!hs || !as)
        goto oom;
    for (size_t i = 0; i < s->n; i++) {
        hs[i] = s->v[i].h;
        as[i] = s->v[i].a;
    }
    size_t nh = pl_unique(hs, s->n), na = pl_unique(as, s->n);
    if (nh < 2 || na < 2) {
        rc = pl_skip(f, "the grid has %zu width%s and %zu alpha~ value%s: a phase "
                     "diagram needs at least 2 of each", nh, nh == 1 ? "" : "s",
                     na, na == 1 ? "" : "s");
        goto done;
    }
    double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0, zlo = INFINITY, zhi = -INFINITY;
    char name[96];
    FILE *d = pl_open_part(c, f, ".dat", name, sizeof name);
    if (!d)
        goto done;
    fprintf(d, "# h alpha_tilde h_lo h_hi alpha_lo alpha_hi value n_runs\n");
    for (size_t i = 0; i < s->n; i++) {
        const cell *e = &s->v[i];
        double h0, h1, a0, a1, z = e->sum / (double)e->n;
        edges(hs, nh, e->h, &h0, &h1);
        edges(as, na, e->a, &a0, &a1);
        xlo = fmin(xlo, h0), xhi = fmax(xhi, h1), ylo = fmin(ylo, a0), yhi = fmax(yhi, a1);
        zlo = fmin(zlo, z), zhi = fmax(zhi, z);
        fprintf(d, "%.10g %.10g %.10g %.10g %.10g %.10g %.10g %zu\n", e->h, e->a,
                h0, h1, a0, a1, z, e->n);
    }

    /* The jamming line: one point per alpha~ with a bracket. */
    const pb_csv_table *jt = c->jamming.present ? &c->jamming.t : NULL;
    if (jt && !(jam = malloc((jt->nrows + 1) * sizeof *jam)))
        goto oom_d;
    for (size_t i = 0; jt && i < jt->nrows; i++) {
        jam_pt p;
        if (strcmp(pl_str(jt, i, "kind"), "point") == 0 && pl_num(jt, i, "alpha", &p.a) &&
            pl_num(jt, i, "h_star", &p.hs) && pl_num(jt, i, "h1", &p.h1) &&
            pl_num(jt, i, "h2", &p.h2) && p.a > 0 && p.hs > 0)
            jam[n_jam++] = p;
    }
    if (n_jam)
        qsort(jam, n_jam, sizeof *jam, jam_cmp);
    for (size_t i = 0; i < n_jam; i++) {
        xlo = fmin(xlo, jam[i].h1 / 1.5);
        ylo = fmin(ylo, jam[i].a / 2);
        yhi = fmax(yhi, jam[i].a * 2);
    }
    if (n_jam) {
        fprintf(d, "\n\n# jamming: alpha_tilde h_star h1 h2\n");
        for (size_t i = 0; i < n_jam; i++)
            fprintf(d, "%.10g %.10g %.10g %.10g\n", jam[i].a, jam[i].hs, jam[i].h1, jam[i].h2);
        /* The jammed region: left of the line, and over the alpha~ extent of
         * the end points' cells (the grid's resolution, as the colour cells). */
        double lo0, hi0, lo1, hi1;
        double *ja = malloc((na + n_jam) * sizeof *ja);
        if (!ja)
            goto oom_d;
        memcpy(ja, as, na * sizeof *ja);
        for (size_t i = 0; i < n_jam; i++)
            ja[na + i] = jam[i].a;
        size_t nja = pl_unique(ja, na + n_jam);
        edges(ja, nja, jam[0].a, &lo0, &hi0);
        edges(ja, nja, jam[n_jam - 1].a, &lo1, &hi1);
        free(ja);
        ylo = fmin(ylo, lo0), yhi = fmax(yhi, hi1);
        fprintf(d, "\n\n# jammed region (closed polygon): h alpha_tilde\n");
        fprintf(d, "%.10g %.10g\n%.10g %.10g\n", xlo, lo0, jam[0].hs, lo0);
        for (size_t i = 0; i < n_jam; i++)
            fprintf(d, "%.10g %.10g\n", jam[i].hs, jam[i].a);
        fprintf(d, "%.10g %.10g\n%.10g %.10g\n%.10g %.10g\n", jam[n_jam - 1].hs, hi1,
                xlo, hi1, xlo, lo0);
    }

    /* The crossover lines alpha~*(h; c). */
    const pb_csv_table *kt = c->kernel.present ? &c->kernel.t : NULL;
    if (kt && !(cross = malloc((kt->nrows + 1) * sizeof *cross)))
        goto oom_d;
    for (size_t i = 0; kt && i < kt->nrows; i++) {
        cross_pt p;
        if (strcmp(pl_str(kt, i, "kind"), "crossover") == 0 && pl_num(kt, i, "c", &p.c) &&
            pl_num(kt, i, "h", &p.h) && pl_num(kt, i, "alpha_star", &p.a) && p.a > 0)
            cross[n_cross++] = p;
    }
    if (n_cross)
        qsort(cross, n_cross, sizeof *cross, cross_cmp);
    double cs[8];
    size_t n_c = 0;
    double a_star_lo = INFINITY, a_star_hi = 0;
    for (size_t i = 0; i < n_cross; i++) {
        if (n_c == 0 || cs[n_c - 1] != cross[i].c) {
            if (n_c == 8)
                break;
            cs[n_c++] = cross[i].c;
            fprintf(d, "\n\n# crossover c=%.6g: h alpha_tilde_star\n", cross[i].c);
        }
        fprintf(d, "%.10g %.10g\n", cross[i].h, cross[i].a);
        a_star_lo = fmin(a_star_lo, cross[i].a);
        a_star_hi = fmax(a_star_hi, cross[i].a);
    }
    if (pl_close(f, d, name) != 0)
        goto done;
    FILE *g = pl_open_part(c, f, ".body.gp", name, sizeof name);
    if (!g)
        goto done;
    pl_style(g);
    fprintf(g, "set logscale xy\nset xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n",
            xlo, xhi, ylo, yhi);
    {
        /* Ticks at the widths drawn: the cells' and the jamming brackets'. */
        double *tk = malloc((nh + 2 * n_jam + 1) * sizeof *tk);
        if (tk) {
            memcpy(tk, hs, nh * sizeof *tk);
            for (size_t i = 0; i < n_jam; i++)
                tk[nh + 2 * i] = jam[i].h1, tk[nh + 2 * i + 1] = jam[i].h2;
            pl_width_tics(g, "x", tk, pl_unique(tk, nh + 2 * n_jam));
            free(tk);
        } else {
            pl_width_tics(g, "x", hs, nh);
        }
    }
    fprintf(g, "set xlabel 'width h (hidden units per layer)'\n"
               "set ylabel 'output scale α̃ = √h·α'\n"
               "set cblabel '%s'\nset cbrange [%.6g:%.6g]\nset format cb '%%.3g'\n"
               "set title \"%s\" font ',13'\n"
               "set key at screen 0.5, screen 0.015 center bottom horizontal maxrows 2 box opaque\n"
               "set grid back\nset border 15 front\nset tics front\nset xtics mirror\nset ytics mirror\n"
               "set rmargin 14\nset bmargin 9\nset cblabel offset 1.5,0\n"
               "set style textbox opaque fc rgb 'white' margins 3,2 noborder\n",
            what, zlo, zhi > zlo ? zhi : zlo + 1e-3, note);
    /* Region labels where the data put them: lazy above the highest crossover,
     * feature below the lowest, jammed inside the filled region. */
    double xm = n_jam ? sqrt(fmax(jam[n_jam - 1].h2, xlo) * xhi) : sqrt(xlo * xhi);
    if (n_cross && a_star_hi * 3 < yhi)
        fprintf(g, "set label 'lazy' at %.6g,%.6g center font ',18' boxed front\n", xm,
                sqrt(a_star_hi * yhi));
    if (n_cross && a_star_lo / 3 > ylo)
        fprintf(g, "set label 'feature' at %.6g,%.6g center font ',18' boxed front\n", xm,
                sqrt(a_star_lo * ylo));
    if (n_jam)
        fprintf(g, "set label 'jammed' at %.6g,%.6g left tc rgb 'white' font ',16' front\n",
                xlo * 1.06, sqrt(jam[0].a * jam[n_jam - 1].a));
    fprintf(g, "plot '%s.dat' index 0 using 1:2:3:4:5:6:7 with boxxyerror fs solid 1.0 "
               "noborder lc palette notitle", f->name);
    if (n_jam)
        fprintf(g, ", \\\n '%s.dat' index 2 using 1:2 with filledcurves closed "
                   "fc rgb 'black' fs solid 1.0 noborder title 'jammed (h < h*)%s'", f->name,
                n_jam == 1 ? ", one α̃ measured" : "");
    if (n_jam)
        fprintf(g, ", \\\n '%s.dat' index 1 using 2:1:3:4 with xerrorbars lc rgb '#1f9e89' "
                   "dt 1 pt 7 ps 1.6 lw 3 title 'jamming h*(α̃), bracket h_1–h_2', \\\n"
                   " '%s.dat' index 1 using 2:1 with lines lc rgb '#1f9e89' lw 3 dt 1 notitle",
                f->name, f->name);
    /* c = 1 solid, as the authors draw it; the others dashed, each its own
     * dash and point type. */
    static const char *const other[] = {"lc rgb '#7570b3' dt 2 pt 5",
                                        "lc rgb '#1b9e77' dt 4 pt 13",
                                        "lc rgb '#e7298a' dt 5 pt 11"};
    for (size_t k = 0, o = 0; k < n_c; k++)
        fprintf(g, ", \\\n '%s.dat' index %zu using 1:2 with linespoints %s lw 3 "
                   "ps 1.8 title 'crossover α̃*(h) where r = %g'",
                f->name, (n_jam ? 3 : 1) + k,
                cs[k] == 1 ? "lc rgb '#1f5fa8' dt 1 pt 9" : other[o++ % 3], cs[k]);
    fputc('\n', g);
    if (pl_close(f, g, name) != 0)
        goto done;
    rc = pl_render(c, f, 820);
    goto done;
oom_d:
    fclose(d);
oom:
    rc = pl_oom(f);
done:
    free(hs);
    free(as);
    free(jam);
    free(cross);
    return rc;
}

int pl_fig_phase(pl_ctx *c, pb_figure *f)
{
    static const char *const need[] = {"h", "alpha", "test_err", "train_nd", "ptr"};
    int r = pl_require(f, &c->runs, "runs.csv", "no runs.csv in the run folder", need,
                       sizeof need / sizeof *need);
    if (r)
        return r;
    const pb_csv_table *t = &c->runs.t;
    cells s = {0};
    size_t jammed = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        double h, a, e, nd, p;
        if (pl_str(t, i, "error")[0] || !pl_num(t, i, "h", &h) || !pl_num(t, i, "alpha", &a) ||
            !pl_num(t, i, "test_err", &e) || !pl_num(t, i, "train_nd", &nd) ||
            !pl_num(t, i, "ptr", &p) || h <= 0 || a <= 0)
            continue;
        /* The authors' filter: a run enters the colour map only when at most
         * 5 % of the training points are unfitted (docs/physics.md section 12.2). */
        if (nd > 0.05 * p) {
            jammed++;
            continue;
        }
        if (cells_add(&s, h, a, e) != 0) {
            free(s.v);
            return pl_oom(f);
        }
    }
    if (s.n == 0 && jammed) {
        free(s.v);
        return pl_skip(f, "runs.csv: every usable run (%zu) ends with N_Δ > 0.05 P (jammed or "
                       "not fitted within its budget); the colour map takes fitted runs only",
                       jammed);
    }
    char note[200];
    snprintf(note, sizeof note, "single nets, mean over seeds; %zu run%s with N_Δ > 0.05 P left out",
             jammed, jammed == 1 ? "" : "s");
    r = draw_phase(c, f, &s, "test error ε (single net)", note);
    if (r == 1)
        pl_reason_prefix(f, "runs.csv");
    free(s.v);
    return r;
}

int pl_fig_phase_ensemble(pl_ctx *c, pb_figure *f)
{
    int r = pl_require(f, &c->ensemble, "ensemble.csv", PL_NO_ENSEMBLE, NULL, 0);
    if (r)
        return r;
    const pb_csv_table *t = &c->ensemble.t;
    cells s = {0};
    for (size_t i = 0; i < t->nrows; i++) {
        double h, a, e;
        if (strcmp(pl_str(t, i, "kind"), "summary") != 0 || !pl_num(t, i, "h", &h) ||
            !pl_num(t, i, "alpha", &a) || !pl_num(t, i, "ens_err", &e) || h <= 0 || a <= 0)
            continue;
        if (cells_add(&s, h, a, e) != 0) {
            free(s.v);
            return pl_oom(f);
        }
    }
    r = draw_phase(c, f, &s, "test error ε (ensemble of all seeds)",
                   "ensemble-averaged predictor: sign of the mean output over seeds");
    if (r == 1)
        pl_reason_prefix(f, "ensemble.csv summary rows");
    free(s.v);
    return r;
}
