#include "commands.h"

#include "activation.h"
#include "cli_args.h"
#include "data.h"
#include "report_table.h"
#include "session.h"
#include "strutil.h"
#include "sysutil.h"
#include "train.h"
#include "train_params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const pb_cmd_help train_help = {
    "train",
    "usage: phasebench train [FLAGS]\n\n"
            "Trains one fully connected net by full-batch gradient flow with the adaptive\n"
            "step of Geiger et al. and prints one CSV row (header + row) of its parameters\n"
            "and final observables.  Defaults (docs/physics.md section 12): Fashion-MNIST\n"
            "reduced to d=10 by PCA, P=5000, pte=40000, ptk=2500, L=2, h=100, swish with\n"
            "beta=10, soft hinge with beta=20, margin 1, alpha=1, no momentum, f64.\n\n"
            "Datasets: random | stripe | sphere (synthetic, no file) | fashion\n"
            "          (/usr/share/datasets/fashion-mnist) | fashion:DIR | mnist:DIR |\n"
            "          cifar10:DIR\n\n",
    "\nStops when every margin alpha*y*(f-f0) > loss-margin (or >= loss-margin - margin-tol),\n"
               "on NaN/Inf, on a zero gradient, when 50 accepted steps in a row change no weight\n"
               "(stalled), or at the budget (--max-steps accepted steps, --max-time flow time).\n"
               "--max-wall is a safety cap only: a run it stops says stop_reason=wall.\n"};

/* The training-parameter flags come from the one table (train_params.c):
 * each is read as text and parsed by pb_param_set, exactly as the battery
 * reader parses the same key. */
#define MAX_TRAIN_OPTS 40

int pb_cmd_train(int argc, char **argv)
{
    pb_train_config c;
    pb_train_config_default(&c);
    char backend[64] = "", dtype_s[8] = "f64";
    char out_path[1024] = "", dyn_path[1024] = "", device[128] = "";
    int threads = 0, ntk = 0;
    static char values[MAX_TRAIN_OPTS][300];
    static char helps[MAX_TRAIN_OPTS][300];
    const pb_param *param_of[MAX_TRAIN_OPTS] = {0};
    pb_opt opts[MAX_TRAIN_OPTS] = {
        {"backend", PB_OPT_STR, backend, sizeof backend, 0, 0, "NAME", "backend plugin (default: best available)", 0},
        {"dtype", PB_OPT_STR, dtype_s, sizeof dtype_s, 0, 0, "f64|f32", "precision (default f64)", 0},
        {"threads", PB_OPT_INT, &threads, 0, 0, 4096, "T", "backend threads (0: backend default)", 0},
        {"device", PB_OPT_STR, device, sizeof device, 0, 0, "SEL", "backend device selector (vulkan: index or name)", 0},
    };
    size_t n_opts = 4;
    for (size_t i = 0; i < pb_n_params && n_opts + 3 < MAX_TRAIN_OPTS; i++) {
        const pb_param *p = &pb_params[i];
        if (!p->flag)
            continue;
        char def[64];
        pb_param_format(p, &c, def, sizeof def);
        snprintf(helps[n_opts], sizeof helps[n_opts], "%s (%s)", p->help, def);
        values[n_opts][0] = '\0';
        param_of[n_opts] = p;
        opts[n_opts] = (pb_opt){p->flag, PB_OPT_STR, values[n_opts], sizeof values[n_opts], 0, 0,
                                p->metavar, helps[n_opts], 0};
        n_opts++;
    }
    opts[n_opts++] = (pb_opt){"ntk", PB_OPT_FLAG, &ntk, 0, 0, 0, NULL, "measure the NTK change r on the kernel set", 0};
    opts[n_opts++] = (pb_opt){"out", PB_OPT_STR, out_path, sizeof out_path, 0, 0, "FILE.csv", "write the row there (default: stdout)", 0};
    opts[n_opts++] = (pb_opt){"dynamics", PB_OPT_STR, dyn_path, sizeof dyn_path, 0, 0, "FILE.csv", "checkpoint rows (authors' schedule, margin crossings)", 0};
    const char *pos[1];
    size_t npos;
    char err[1024];
    int prc = pb_cmd_parse(&train_help, opts, n_opts, argc, argv, pos, 0, &npos);
    if (prc >= 0)
        return prc;
    for (size_t i = 0; i < n_opts; i++) {
        if (!param_of[i] || !opts[i].seen)
            continue;
        if (pb_param_set(param_of[i], &c, values[i], err, sizeof err) != 0) {
            fprintf(stderr, "phasebench train: --%s: %s\n", opts[i].name, err);
            return 2;
        }
    }
    pb_dtype dtype;
    if (pb_dtype_parse(dtype_s, &dtype) != 0) {
        fprintf(stderr, "phasebench train: --dtype: expected f64 or f32, got '%s'\n", dtype_s);
        return 2;
    }
    c.compute_ntk = ntk;

    /* Outputs first: a run is never wasted on a file that cannot be written. */
    if ((out_path[0] && pb_output_check(out_path, err, sizeof err) != 0) ||
        (dyn_path[0] && pb_output_check(dyn_path, err, sizeof err) != 0)) {
        fprintf(stderr, "phasebench train: %s\n", err);
        return 2;
    }
    if (out_path[0] && dyn_path[0] && pb_same_file(out_path, dyn_path)) {
        fprintf(stderr,
                "phasebench train: --out %s and --dynamics %s name the same file: the report "
                "row would replace the checkpoint rows; give two files\n",
                out_path, dyn_path);
        return 2;
    }
    if (pb_data_check(c.dataset, c.d, c.ptr + c.pte + c.ptk, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench train: %s\n", err);
        return 2;
    }

    pb_pool pool;
    if (pb_pool_load(c.dataset, c.d, c.ptr + c.pte + c.ptk, c.seed_data, &pool, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench train: %s\n", err);
        return 2;
    }
    c.d = pool.d;
    pb_split split;
    if (pb_split_make(&pool, c.ptr, c.pte, c.ptk, c.seed_data, &split, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench train: %s\n", err);
        pb_pool_free(&pool);
        return 2;
    }
    pb_pool_free(&pool);

    pb_session s;
    if (pb_session_open(&s, backend, dtype, threads, device[0] ? device : NULL, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench train: %s\n", err);
        pb_split_free(&split);
        return 2;
    }

    pb_outfile dyn = {0};
    if (dyn_path[0] && !pb_atomic_open(&dyn, dyn_path, err, sizeof err)) {
        fprintf(stderr, "phasebench train: %s\n", err);
        pb_session_close(&s);
        pb_split_free(&split);
        return 2;
    }
    pb_train_result r;
    pb_train_run(&c, &split, s.plugin->vt, s.be, &s.info, dyn.f, &r);
    int rc = r.ok ? 0 : 1;
    if (dyn.f && pb_atomic_close(&dyn, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench train: --dynamics: %s\n", err);
        rc = 2;
    }

    pb_columns cols;
    pb_row row;
    if (pb_train_columns(&cols, 0, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench train: %s\n", err);
        pb_train_result_free(&r);
        pb_session_close(&s);
        pb_split_free(&split);
        return 2;
    }
    pb_row_init_columns(&row, &cols);
    pb_train_row(&c, &s.info, &r, &row);
    if (out_path[0]) {
        pb_outfile of;
        if (!pb_atomic_open(&of, out_path, err, sizeof err)) {
            fprintf(stderr, "phasebench train: --out: %s\n", err);
            rc = 2;
        } else {
            pb_table t;
            pb_table_attach(&t, of.f, &cols, 1);
            if (pb_table_write(&t, &row, err, sizeof err) != 0) {
                fprintf(stderr, "phasebench train: --out: %s\n", err);
                rc = 2;
            }
            pb_table_close(&t);
            if (pb_atomic_close(&of, err, sizeof err) != 0) {
                fprintf(stderr, "phasebench train: --out: %s\n", err);
                rc = 2;
            }
        }
    } else {
        pb_table t;
        err[0] = '\0';
        pb_table_attach(&t, stdout, &cols, 1);
        if (pb_table_write(&t, &row, err, sizeof err) != 0 || pb_table_close(&t) != 0) {
            fprintf(stderr, "phasebench train: writing the row to stdout failed: %s\n",
                    err[0] ? err : strerror(errno));
            rc = 2;
        }
    }
    /* A run that ended on NaN/Inf has no count of unsatisfied margins. */
    char nd_text[32] = "none (nan)";
    if (r.stop != PB_STOP_NAN)
        snprintf(nd_text, sizeof nd_text, "%lld", (long long)r.train.n_unsat);
    if (r.ok) {
        char test_err[32] = "none (pte = 0)";
        if (c.pte)
            snprintf(test_err, sizeof test_err, "%.4f", r.test_err);
        fprintf(stderr,
                "phasebench train: %s/%s N=%zu %s after %lld steps (t=%.4g): train_nd=%s "
                "train_err=%.4f test_err=%s dw/w=%.3g (%.2f s)\n",
                s.info.name, s.info.dtype, r.n_params, pb_stop_name(r.stop),
                (long long)r.flow.step, r.flow.t, nd_text, r.train_err,
                test_err, r.dw_norm / r.w0_norm, r.wall_s);
    } else {
        fprintf(stderr, "phasebench train: run failed: %s\n", r.error);
    }
    pb_row_free(&row);
    pb_columns_free(&cols);
    pb_train_result_free(&r);
    pb_session_close(&s);
    pb_split_free(&split);
    return rc;
}
