/* The paper's figures from a run folder's CSV reports (`phasebench plot`).
 *
 * Every figure is drawn by gnuplot (gnuplot.h) from data files and a script
 * that phasebench writes next to the figure (NAME.dat, NAME.gp), so a figure
 * can be restyled by editing its script and running gnuplot again.  The
 * figures (Geiger, Petrini, Wyart, Phys. Rep. 924 (2021); the layout of the
 * authors' phasespace and overfitting figures):
 *   phase_diagram           mean single-net test error over (h, alpha~), log
 *                           axes; jamming line h*(alpha~) with the jammed
 *                           region filled; crossover lines alpha~*(h; c);
 *                           lazy / feature / jammed labels   (runs, jamming,
 *                           kernel)
 *   phase_diagram_ensemble  the same coloured by the ensemble test error
 *                           (ensemble summary rows)
 *   test_error_h            test error across h per alpha~ with the jamming
 *                           band shaded, and the output norm across h
 *                           (jamming scan rows, runs)
 *   ntk_r_alpha             r = |Theta_T - Theta_0| / |Theta_0| against
 *                           alpha~ per h, log-log, with the fitted lazy slope
 *                           (kernel run_mean rows)
 *   ensemble_n              ensemble test error against the number n of nets
 *   ensemble_h              single-net and ensemble test error across h
 *   ensemble_deltaF         delta F against h with the fitted exponent
 *   bench_roofline          step time per size and backend next to the GEMM
 *                           roofline (a `phasebench bench` CSV in the folder)
 * A figure whose data the run lacks is not drawn; its reason says which
 * table or grid is missing. */
#ifndef PB_PLOT_H
#define PB_PLOT_H

#include <stddef.h>

#define PB_PLOT_PNG 1u
#define PB_PLOT_SVG 2u

typedef enum pb_fig_state { PB_FIG_DRAWN, PB_FIG_SKIPPED, PB_FIG_FAILED } pb_fig_state;

typedef struct pb_figure {
    char name[48];      /* file stem in the output folder */
    char title[160];    /* one line for a reader */
    pb_fig_state state;
    char reason[600];   /* why not drawn (skipped or failed) */
} pb_figure;

#define PB_PLOT_MAX_FIGS 12

typedef struct pb_plot_result {
    pb_figure fig[PB_PLOT_MAX_FIGS];
    size_t n;
} pb_plot_result;

/* Draw every figure the reports of run_dir allow into out_dir (created when
 * missing), in each format of `formats` (PB_PLOT_PNG | PB_PLOT_SVG), and
 * fill res with one entry per figure (drawn, skipped with its reason, or
 * failed).  Returns 0 when every figure is drawn or skipped, 1 when some
 * figure failed, -1 with a message in err before any work when the folder
 * holds no report phasebench knows, a report is malformed, out_dir cannot
 * be created, or gnuplot is missing (the message names the package). */
int pb_plot_run(const char *run_dir, const char *out_dir, unsigned formats,
                pb_plot_result *res, char *err, size_t err_len);

#endif
