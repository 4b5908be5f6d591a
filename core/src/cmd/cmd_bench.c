#include "commands.h"

#include "bench.h"
#include "cli_args.h"
#include "session.h"
#include "sysutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const pb_cmd_help bench_help = {
    "bench",
    "usage: phasebench bench [FLAGS]\n\n"
            "Times, for each backend and net size P:d:h:L (P points, input dimension d,\n"
            "width h, L hidden layers):\n"
            "  step  one full-batch gradient-flow step as the flow runs it: tentative\n"
            "        update, loss and gradient on all P points, the step-control\n"
            "        reductions |g'|^2, |g-g'|^2, max|o-o'|, and the backend's sync;\n"
            "  ntk   one NTK Gram matrix on min(P, --ntk-points) points;\n"
            "  gemm  the step's largest GEMM on OpenBLAS (one row per size: the\n"
            "        machine's GEMM speed, backend \"openblas\").\n"
            "Each step and NTK is timed alternately with its roofline: the same list of\n"
            "GEMMs (shapes, transposes) called on OpenBLAS directly with the same threads\n"
            "and dtype.  roofline_ratio = step time / GEMM time (1: the step costs only its\n"
            "GEMMs).  Inputs are Gaussian, labels +-1, weights N(0,1), all from --seed.\n\n",
    "\nOutput: a table on stdout (stderr with --csv), CSV with a fixed column order\n"
            "(schema_version, backend, dtype, threads, P, d, h, L, what, median_s, min_s,\n"
            "stddev_s, cv, reps, flops, gflops, roofline_gflops, roofline_ratio, then\n"
            "context: features, build, cpu, load, timestamp, raw samples) to --out and/or\n"
            "stdout.  Progress and warnings (cv > 10%, debug or sanitizer build) on stderr.\n"
            "The ref backend is plain triple loops: a step at 5000:10:512:2 takes seconds;\n"
            "--ref-repetitions and --ref-warmup shorten it without touching the others.\n"
            "Exit status: 0 all measured, 1 some measurement failed (an error row each),\n"
            "2 usage error.  A benchmark measures; it never judges a time.\n"};

int pb_cmd_bench(int argc, char **argv)
{
    pb_bench_config c;
    pb_bench_config_default(&c);
    char backends[1024] = "", sizes[2048] = "", dtype_s[8] = "f64", what[64] = "step,ntk,gemm";
    char out_path[1024] = "";
    int csv = 0;
    pb_opt opts[] = {
        {"backend", PB_OPT_STR, backends, sizeof backends, 0, 0, "B,B...", "backends to time (default: every available one)", 0},
        {"sizes", PB_OPT_STR, sizes, sizeof sizes, 0, 0, "P:d:h:L,...", "net sizes (default 5000:10:512:2,1000:10:128:2)", 0},
        {"dtype", PB_OPT_STR, dtype_s, sizeof dtype_s, 0, 0, "f64|f32", "precision (default f64)", 0},
        {"threads", PB_OPT_INT, &c.threads, 0, 1, 4096, "T", "backend and OpenBLAS threads (default 1)", 0},
        {"repetitions", PB_OPT_INT, &c.reps, 0, 1, 1e6, "R", "timed repetitions (default 5)", 0},
        {"warmup", PB_OPT_INT, &c.warmup, 0, 0, 1e6, "W", "warm-up runs before them (default 2)", 0},
        {"ref-repetitions", PB_OPT_INT, &c.ref_reps, 0, 1, 1e6, "R", "repetitions for the ref backend (default: --repetitions)", 0},
        {"ref-warmup", PB_OPT_INT, &c.ref_warmup, 0, 0, 1e6, "W", "warm-up runs for the ref backend (default: --warmup)", 0},
        {"what", PB_OPT_STR, what, sizeof what, 0, 0, "step,ntk,gemm", "what to time (default all three)", 0},
        {"ntk-points", PB_OPT_SIZE, &c.ntk_points, 0, 1, 1e6, "N", "NTK Gram on min(P, N) points (default 1000)", 0},
        {"seed", PB_OPT_U64, &c.seed, 0, 0, 0, "S", "seed of data and weights (default 1)", 0},
        {"out", PB_OPT_STR, out_path, sizeof out_path, 0, 0, "FILE.csv", "write the CSV there", 0},
        {"csv", PB_OPT_FLAG, &csv, 0, 0, 0, NULL, "CSV on stdout (the table goes to stderr)", 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t npos;
    char err[1024];
    int prc = pb_cmd_parse(&bench_help, opts, n_opts, argc, argv, pos, 0, &npos);
    if (prc >= 0)
        return prc;
    if (pb_dtype_parse(dtype_s, &c.dtype) != 0) {
        fprintf(stderr, "phasebench bench: --dtype: expected f64 or f32, got '%s'\n", dtype_s);
        return 2;
    }
    if ((backends[0] && pb_bench_parse_backends(backends, &c, err, sizeof err) != 0) ||
        (sizes[0] && pb_bench_parse_sizes(sizes, &c, err, sizeof err) != 0) ||
        pb_bench_parse_what(what, &c.what, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench bench: %s\n", err);
        return 2;
    }
    if (!pb_opts_find(opts, n_opts, "ref-warmup")->seen)
        c.ref_warmup = -1;
    if (!pb_opts_find(opts, n_opts, "ref-repetitions")->seen)
        c.ref_reps = 0;

    FILE *f = NULL;
    pb_outfile of = {0};
    if (out_path[0] && (pb_output_check(out_path, err, sizeof err) != 0 ||
                        !(f = pb_atomic_open(&of, out_path, err, sizeof err)))) {
        fprintf(stderr, "phasebench bench: --out: %s\n", err);
        return 2;
    }
    /* One CSV sink: the file, else stdout with --csv.  With both, the file
     * gets it and stdout too. */
    int rc;
    if (f && csv) {
        /* Write the file, then copy it to stdout: one measurement, two sinks. */
        pb_bench_sinks s = {f, stderr, stderr};
        rc = pb_bench_run(&c, &s);
    } else {
        pb_bench_sinks s = {f ? f : csv ? stdout : NULL, csv ? stderr : stdout, stderr};
        rc = pb_bench_run(&c, &s);
    }
    if (f) {
        if (pb_atomic_close(&of, err, sizeof err) != 0) {
            fprintf(stderr, "phasebench bench: --out: %s\n", err);
            return 2;
        }
        if (csv) {
            FILE *in = fopen(out_path, "r");
            if (in) {
                char buf[4096];
                size_t n;
                while ((n = fread(buf, 1, sizeof buf, in)) > 0)
                    fwrite(buf, 1, n, stdout);
                fclose(in);
            }
        }
        fprintf(stderr, "phasebench bench: wrote %s\n", out_path);
    }
    return rc;
}
