#include "commands.h"

#include "activation.h"
#include "cli_args.h"
#include "data.h"
#include "session.h"
#include "strutil.h"
#include "sysutil.h"
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const pb_cmd_help train_help = {
    "train",
    "usage: phasebench train [FLAGS]\n\n"
            "Trains one fully connected net by full-batch gradient flow with the adaptive\n"
            "step of Geiger et al. and prints one CSV row (header + row) of its parameters\n"
            "and final observables.  Defaults are the authors' (PAPER.md): Fashion-MNIST\n"
            "reduced to d=10 by PCA, P=5000, pte=40000, ptk=2500, L=2, h=100, swish with\n"
            "beta=10, soft hinge with beta=20, margin 1, alpha=1, no momentum, f64.\n\n"
            "Datasets: random | stripe | sphere (synthetic, no file) | fashion\n"
            "          (/usr/share/datasets/fashion-mnist) | fashion:DIR | mnist:DIR |\n"
            "          cifar10:DIR\n\n",
    "\nStops when every margin alpha*y*(f-f0) > loss-margin (or >= loss-margin - margin-tol),\n"
               "on NaN/Inf, on a zero gradient, when 50 accepted steps in a row change no weight\n"
               "(stalled), or at the budget (--max-steps accepted steps, --max-time flow time).\n"
               "--max-wall is a safety cap only: a run it stops says stop_reason=wall.\n"};

int pb_cmd_train(int argc, char **argv)
{
    pb_train_config c;
    pb_train_config_default(&c);
    char backend[64] = "", dtype_s[8] = "f64", act_s[16] = "swish", loss_s[16] = "softhinge";
    char out_path[1024] = "", dyn_path[1024] = "", device[128] = "";
    int threads = 0, ntk = 0;
    const double inf = INFINITY;
    pb_opt opts[] = {
        {"backend", PB_OPT_STR, backend, sizeof backend, 0, 0, "NAME", "backend plugin (default: best available)", 0},
        {"dtype", PB_OPT_STR, dtype_s, sizeof dtype_s, 0, 0, "f64|f32", "precision (default f64)", 0},
        {"threads", PB_OPT_INT, &threads, 0, 0, 4096, "T", "backend threads (0: backend default)", 0},
        {"device", PB_OPT_STR, device, sizeof device, 0, 0, "SEL", "backend device selector (vulkan: index or name)", 0},
        {"dataset", PB_OPT_STR, c.dataset, sizeof c.dataset, 0, 0, "SPEC", "data set (default fashion)", 0},
        {"d", PB_OPT_SIZE, &c.d, 0, 0, 1e6, "D", "input dimension: PCA components, or synthetic dimension (0: raw) (10)", 0},
        {"ptr", PB_OPT_SIZE, &c.ptr, 0, 1, 1e8, "P", "training set size (5000)", 0},
        {"pte", PB_OPT_SIZE, &c.pte, 0, 0, 1e8, "N", "test set size (40000)", 0},
        {"ptk", PB_OPT_SIZE, &c.ptk, 0, 0, 1e8, "N", "kernel set size (2500)", 0},
        {"L", PB_OPT_SIZE, &c.L, 0, 1, PB_MAX_LAYERS, "L", "hidden layers (2)", 0},
        {"h", PB_OPT_SIZE, &c.h, 0, 1, 1e6, "H", "width (100)", 0},
        {"act", PB_OPT_STR, act_s, sizeof act_s, 0, 0, "NAME", "swish|relu|tanh|softplus (swish)", 0},
        {"act-beta", PB_OPT_DBL, &c.act_beta, 0, 1e-6, 1e6, "B", "activation sharpness (10)", 0},
        {"alpha", PB_OPT_DBL, &c.alpha, 0, 1e-300, 1e300, "A", "output scale alpha-tilde (1)", 0},
        {"loss", PB_OPT_STR, loss_s, sizeof loss_s, 0, 0, "NAME", "softhinge|hinge|qhinge (softhinge)", 0},
        {"loss-beta", PB_OPT_DBL, &c.loss_beta, 0, 1e-6, 1e6, "B", "soft hinge sharpness (20)", 0},
        {"loss-margin", PB_OPT_DBL, &c.loss_margin, 0, 0, 1e6, "M", "margin, also the stop margin (1)", 0},
        {"margin-tol", PB_OPT_DBL, &c.margin_tol, 0, 0, 1, "E", "also stop when every margin >= loss-margin - E (0: strict; use with qhinge)", 0},
        {"tau-over-h", PB_OPT_DBL, &c.tau_over_h, 0, 0, 1e12, "X", "momentum: tau = X h min(1, tau_alpha_crit/alpha) (0: plain flow)", 0},
        {"tau-alpha-crit", PB_OPT_DBL, &c.tau_alpha_crit, 0, 1e-300, 1e300, "A", "momentum alpha cut (1e3)", 0},
        {"seed-init", PB_OPT_U64, &c.seed_init, 0, 0, 0, "S", "initial weights seed (0)", 0},
        {"seed-data", PB_OPT_U64, &c.seed_data, 0, 0, 0, "S", "data split / synthetic data seed (0)", 0},
        {"max-steps", PB_OPT_I64, &c.max_steps, 0, 0, 9e18, "N", "budget in accepted steps (1e6; 0: none)", 0},
        {"max-time", PB_OPT_DBL, &c.max_time, 0, 0, inf, "T", "budget in flow time (0: none)", 0},
        {"max-wall", PB_OPT_DBL, &c.max_wall, 0, 0, inf, "S", "safety cap in seconds (0: none)", 0},
        {"ntk", PB_OPT_FLAG, &ntk, 0, 0, 0, NULL, "measure the NTK change r on the kernel set", 0},
        {"out", PB_OPT_STR, out_path, sizeof out_path, 0, 0, "FILE.csv", "write the row there (default: stdout)", 0},
        {"dynamics", PB_OPT_STR, dyn_path, sizeof dyn_path, 0, 0, "FILE.csv", "checkpoint rows (authors' schedule, margin crossings)", 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t npos;
    char err[1024];
    int prc = pb_cmd_parse(&train_help, opts, n_opts, argc, argv, pos, 0, &npos);
    if (prc >= 0)
        return prc;
    pb_dtype dtype;
    if (pb_dtype_parse(dtype_s, &dtype) != 0) {
        fprintf(stderr, "phasebench train: --dtype: expected f64 or f32, got '%s'\n", dtype_s);
        return 2;
    }
    if (pb_act_parse(act_s, &c.act) != 0) {
        fprintf(stderr, "phasebench train: --act: expected swish, relu, tanh or softplus, got '%s'\n",
                act_s);
        return 2;
    }
    if (pb_loss_parse(loss_s, &c.loss) != 0) {
        fprintf(stderr, "phasebench train: --loss: expected softhinge, hinge or qhinge, got '%s'\n",
                loss_s);
        return 2;
    }
    c.compute_ntk = ntk;

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

    FILE *dyn = NULL;
    char dyn_tmp[1100];
    if (dyn_path[0] && !(dyn = pb_atomic_open(dyn_path, dyn_tmp, sizeof dyn_tmp))) {
        fprintf(stderr, "phasebench train: cannot write %s: ", dyn_path);
        perror(NULL);
        pb_session_close(&s);
        pb_split_free(&split);
        return 2;
    }
    pb_train_result r;
    pb_train_run(&c, &split, s.plugin->vt, s.be, &s.info, dyn, &r);
    if (dyn && pb_atomic_close(dyn, dyn_tmp, dyn_path) != 0)
        fprintf(stderr, "phasebench train: writing %s failed\n", dyn_path);

    pb_row row;
    pb_row_init(&row);
    pb_train_row(&c, &s.info, &r, &row);
    int rc = r.ok ? 0 : 1;
    if (out_path[0]) {
        char tmp[1100];
        FILE *f = pb_atomic_open(out_path, tmp, sizeof tmp);
        if (!f) {
            fprintf(stderr, "phasebench train: cannot write %s\n", out_path);
            rc = 2;
        } else {
            pb_row_write_header(f, &row);
            pb_row_write(f, &row);
            if (pb_atomic_close(f, tmp, out_path) != 0) {
                fprintf(stderr, "phasebench train: writing %s failed\n", out_path);
                rc = 2;
            }
        }
    } else {
        pb_row_write_header(stdout, &row);
        pb_row_write(stdout, &row);
    }
    /* A run that ended on NaN/Inf has no count of unsatisfied margins. */
    char nd_text[32] = "none (nan)";
    if (r.stop != PB_STOP_NAN)
        snprintf(nd_text, sizeof nd_text, "%lld", (long long)r.train.n_unsat);
    if (r.ok)
        fprintf(stderr,
                "phasebench train: %s/%s N=%zu %s after %lld steps (t=%.4g): train_nd=%s "
                "train_err=%.4f test_err=%.4f dw/w=%.3g (%.2f s)\n",
                s.info.name, s.info.dtype, r.n_params, pb_stop_name(r.stop),
                (long long)r.flow.step, r.flow.t, nd_text, r.train_err,
                r.test_err, r.dw_norm / r.w0_norm, r.wall_s);
    else
        fprintf(stderr, "phasebench train: run failed: %s\n", r.error);
    pb_row_free(&row);
    pb_train_result_free(&r);
    pb_session_close(&s);
    pb_split_free(&split);
    return rc;
}
