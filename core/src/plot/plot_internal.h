/* Shared by the figure modules of plot.c: the tables of a run folder and the
 * helpers that write a figure's data file and gnuplot script. */
#ifndef PB_PLOT_INTERNAL_H
#define PB_PLOT_INTERNAL_H

#include "csv_table.h"
#include "plot.h"

#include <stdio.h>

typedef struct pl_table {
    pb_csv_table t;
    int present;           /* the file exists and was read */
} pl_table;

typedef struct pl_ctx {
    const char *run_dir, *out_dir;
    unsigned formats;
    pl_table runs, jamming, kernel, ensemble, bench;
    char bench_name[256];  /* file name of the bench CSV found, if any */
} pl_ctx;

/* A numeric cell: 1 and *v when row i of t has a finite number in column
 * `name`, else 0 (missing column, empty or non-numeric field). */
int pl_num(const pb_csv_table *t, size_t i, const char *name, double *v);

/* The text of a cell ("" when the column is missing). */
const char *pl_str(const pb_csv_table *t, size_t i, const char *name);

/* Open out_dir/name for writing; NULL with f->reason set. */
FILE *pl_open(pl_ctx *c, pb_figure *f, const char *name);

/* Open the figure's own file out_dir/<f->name><suffix> (suffix ".dat",
 * ".body.gp"); its name is left in name[len] for pl_close.  NULL with
 * f->reason set. */
FILE *pl_open_part(pl_ctx *c, pb_figure *f, const char *suffix, char *name, size_t len);

/* Close a data or script file; -1 with f->reason set on a write error. */
int pl_close(pb_figure *f, FILE *fp, const char *name);

/* Mark f skipped with a printf-style reason; returns 1 (the figure
 * functions' "skipped" result). */
int pl_skip(pb_figure *f, const char *fmt, ...);

/* Mark f failed for want of memory; returns -1 (the "failed" result). */
int pl_oom(pb_figure *f);

/* 0 when tab was read and has every column of cols[0..n); else marks f
 * skipped and returns 1: `absent` is the reason when the file is missing,
 * "FILE has no column 'C'" when a column is. */
int pl_require(pb_figure *f, const pl_table *tab, const char *file, const char *absent,
               const char *const *cols, size_t n);

/* The reason of a figure that needs ensemble.csv when the run has none. */
#define PL_NO_ENSEMBLE \
    "no ensemble.csv in the run folder (the battery has no ensemble experiment)"

/* Prefix f->reason with "PREFIX: " (a skipped figure says which table). */
void pl_reason_prefix(pb_figure *f, const char *prefix);

/* The colours of line types 1..6 set by pl_style (index 0 is lt 1). */
extern const char *const pl_lt_colour[6];

/* Write the common style (fonts, line types distinguishable in greyscale
 * by dash and point type) to a body script. */
void pl_style(FILE *g);

/* Write NAME.gp (one terminal and output per format, then `load` of
 * NAME.body.gp) and run gnuplot on it in out_dir.  height is the figure's
 * height in pixels at width 1000.  0 when drawn, -1 with f->reason. */
int pl_render(pl_ctx *c, pb_figure *f, int height);

/* Tick marks for a logarithmic width axis (`axis` is "x" or "y"): at the
 * measured widths when there are at most 14, else at 1, 2, 5 times powers
 * of ten; labels as plain numbers.  A log axis spanning less than a decade
 * would otherwise show one tick or none. */
void pl_width_tics(FILE *g, const char *axis, const double *v, size_t n);

/* The key under the plot, below the x label, with room for `rows` lines
 * (gnuplot's own `outside below` lets the key overlap the x label). */
void pl_key_below(FILE *g, int rows, int maxcols);

/* Tick marks for a logarithmic value axis over [lo, hi]: 1, 2, 5 times
 * powers of ten, plain numbers, minor ticks between. */
void pl_log_tics(FILE *g, const char *axis, double lo, double hi);

/* Least-squares line y = a + b x over n points; 0 and *a, *b, or -1 with
 * fewer than 2 distinct x. */
int pl_fit_line(const double *x, const double *y, size_t n, double *a, double *b);

/* Distinct sorted values of an array (in place); returns the count. */
size_t pl_unique(double *v, size_t n);

/* The figures (plot_phase.c, plot_figs.c).  Each returns 0 drawn, 1
 * skipped, -1 failed, with f->reason set unless drawn. */
int pl_fig_phase(pl_ctx *c, pb_figure *f);
int pl_fig_phase_ensemble(pl_ctx *c, pb_figure *f);
int pl_fig_test_error_h(pl_ctx *c, pb_figure *f);
int pl_fig_ntk_r(pl_ctx *c, pb_figure *f);
int pl_fig_ensemble_n(pl_ctx *c, pb_figure *f);
int pl_fig_ensemble_h(pl_ctx *c, pb_figure *f);
int pl_fig_ensemble_deltaF(pl_ctx *c, pb_figure *f);
int pl_fig_bench(pl_ctx *c, pb_figure *f);

#endif
