/* `phasebench plot RUN_DIR [--format png,svg] [--out DIR]`: the paper's
 * figures from a run folder's reports, and report.html. */
#include "commands.h"

#include "cli_args.h"
#include "plot.h"
#include "report_html.h"

#include <stdio.h>
#include <string.h>

static const pb_cmd_help plot_help = {
    "plot",
    "usage: phasebench plot RUN_DIR [--format png,svg] [--out DIR]\n\n"
    "Draws the paper's figures from the CSV reports of a run folder alone, with\n"
    "gnuplot (Debian's gnuplot-nox), and writes RUN_DIR/report.html:\n"
    "  phase_diagram           test error over (h, alpha~), jamming line h*(alpha~)\n"
    "                          with the jammed region filled, crossover lines\n"
    "                          alpha~*(h; c), lazy / feature / jammed regions\n"
    "  phase_diagram_ensemble  the same with the ensemble test error\n"
    "  test_error_h            test error and output norm across h, jamming band\n"
    "  ntk_r_alpha             r against alpha~ per h, log-log, fitted lazy slope\n"
    "  ensemble_n              ensemble test error against the number of nets\n"
    "  ensemble_h              single-net and ensemble test error across h\n"
    "  ensemble_deltaF         delta F against h with the fitted exponent\n"
    "  bench_roofline          step time per size and backend vs the GEMM roofline\n"
    "                          (from a `phasebench bench --out` CSV in RUN_DIR)\n"
    "A figure the run has no data for is not drawn: one line on stderr (and in\n"
    "report.html) says which and why.  Next to each figure are NAME.dat and\n"
    "NAME.gp: run `gnuplot NAME.gp` in that folder to redraw it.\n\n",
    "\nExit status: 0 every figure drawn or explained, 1 a figure failed to draw,\n"
    "2 usage or input error (nothing to draw from, gnuplot missing).\n"};

/* Parse "png,svg" into PB_PLOT_* bits; 0 on an unknown name. */
static unsigned parse_formats(const char *s)
{
    unsigned bits = 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    if (strlen(s) >= sizeof buf)
        return 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (strcmp(tok, "png") == 0)
            bits |= PB_PLOT_PNG;
        else if (strcmp(tok, "svg") == 0)
            bits |= PB_PLOT_SVG;
        else
            return 0;
    }
    return bits;
}

int pb_cmd_plot(int argc, char **argv)
{
    char formats_s[64] = "png,svg", out[4096] = "";
    pb_opt opts[] = {
        {"format", PB_OPT_STR, formats_s, sizeof formats_s, 0, 0, "png,svg",
         "image formats, comma-separated (default png,svg)", 0},
        {"out", PB_OPT_STR, out, sizeof out, 0, 0, "DIR",
         "folder for the figures (default RUN_DIR/figures)", 0},
    };
    const char *pos[1];
    size_t n_pos = 0;
    int rc = pb_cmd_parse(&plot_help, opts, 2, argc, argv, pos, 1, &n_pos);
    if (rc >= 0)
        return rc;
    if (n_pos != 1) {
        fprintf(stderr, "phasebench plot: needs RUN_DIR (see --help)\n");
        return 2;
    }
    unsigned formats = parse_formats(formats_s);
    if (!formats) {
        fprintf(stderr, "phasebench plot: --format '%s': expected png, svg or png,svg\n",
                formats_s);
        return 2;
    }
    const char *run_dir = pos[0];
    if (!out[0]) {
        int n = snprintf(out, sizeof out, "%s/figures", run_dir);
        if (n < 0 || (size_t)n >= sizeof out) {
            fprintf(stderr, "phasebench plot: %s: path too long\n", run_dir);
            return 2;
        }
    }
    static pb_plot_result res;
    char err[1024];
    rc = pb_plot_run(run_dir, out, formats, &res, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "phasebench plot: %s\n", err);
        return 2;
    }
    size_t drawn = 0;
    for (size_t i = 0; i < res.n; i++) {
        const pb_figure *f = &res.fig[i];
        if (f->state == PB_FIG_DRAWN) {
            drawn++;
            printf("plot: %-24s %s/%s.%s\n", f->name, out, f->name,
                   formats & PB_PLOT_PNG ? "png" : "svg");
        } else {
            fprintf(stderr, "plot: %s not drawn%s: %s\n", f->name,
                    f->state == PB_FIG_FAILED ? " (FAILED)" : "", f->reason);
        }
    }
    char path[4200];
    if (pb_report_html_write(run_dir, out, formats, &res, path, sizeof path, err,
                             sizeof err) != 0) {
        fprintf(stderr, "phasebench plot: %s\n", err);
        return 2;
    }
    printf("phasebench plot: %zu of %zu figures drawn in %s; report %s\n", drawn, res.n,
           out, path);
    return rc ? 1 : 0;
}
