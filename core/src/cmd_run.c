#include "commands.h"

#include "battery_run.h"
#include "build_info.h"
#include "cli_args.h"
#include "loader.h"
#include "session.h"
#include "strutil.h"
#include "sysutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A battery given by name is looked up as benchmarks/NAME.battery in the
 * current folder, the source tree and the installed data folder. */
static int resolve_battery(const char *arg, char *path, size_t len)
{
    if (strchr(arg, '/') || strstr(arg, ".battery")) {
        snprintf(path, len, "%s", arg);
        return 0;
    }
    const char *roots[] = {".", PB_SOURCE_DIR, PB_INSTALL_DATA_DIR};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, len, "%s/%s%s.battery", roots[i], i == 2 ? "" : "benchmarks/", arg);
        if (access(path, R_OK) == 0)
            return 0;
    }
    snprintf(path, len, "benchmarks/%s.battery", arg);
    return -1;
}

static const pb_cmd_help run_help = {
    "run",
    "usage: phasebench run [BATTERY] [FLAGS]\n\n"
               "Runs a battery (a file, or a name in benchmarks/: smoke, standard,\n"
               "paper-mnist, paper-cifar; default smoke) on one backend and writes\n"
               "runs.csv, one table per experiment, claims.csv and manifest.csv into the\n"
               "run folder.  Exit 0 when every experiment ran (claims may still fail: read\n"
               "claims.csv or use `phasebench compare`), 1 when an experiment failed or\n"
               "every run failed, 2 on bad input.  Every setting, the data each experiment\n"
               "needs and the --out folder are checked before the first run (--dry-run\n"
               "makes the same checks but the folder's).\n\n",
    NULL};

int pb_cmd_run(int argc, char **argv)
{
    char backend[64] = "", dtype_s[8] = "f64", out[1024] = "", device[128] = "";
    int threads = 0, dry = 0, quiet = 0;
    double scale = 1.0;
    pb_opt opts[] = {
        {"backend", PB_OPT_STR, backend, sizeof backend, 0, 0, "NAME", "backend plugin (default: best available)", 0},
        {"dtype", PB_OPT_STR, dtype_s, sizeof dtype_s, 0, 0, "f64|f32", "precision (default f64)", 0},
        {"threads", PB_OPT_INT, &threads, 0, 0, 4096, "T", "backend threads (0: backend default)", 0},
        {"device", PB_OPT_STR, device, sizeof device, 0, 0, "SEL", "backend device selector", 0},
        {"out", PB_OPT_STR, out, sizeof out, 0, 0, "DIR", "run folder (default results/runs/BATTERY-BACKEND-TIME); a new or empty folder: one that holds anything is refused, so no file of yours is replaced", 0},
        {"dry-run", PB_OPT_FLAG, &dry, 0, 0, 0, NULL, "print the number of runs and the work, run nothing", 0},
        {"scale", PB_OPT_DBL, &scale, 0, 1e-6, 1e6, "X", "multiply every step/time budget by X (1)", 0},
        {"quiet", PB_OPT_FLAG, &quiet, 0, 0, 0, NULL, "no progress lines", 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1] = {NULL};
    size_t npos;
    char err[2048];
    int prc = pb_cmd_parse(&run_help, opts, n_opts, argc, argv, pos, 1, &npos);
    if (prc >= 0)
        return prc;
    pb_dtype dtype;
    if (pb_dtype_parse(dtype_s, &dtype) != 0) {
        fprintf(stderr, "phasebench run: --dtype: expected f64 or f32, got '%s'\n", dtype_s);
        return 2;
    }
    char path[2048];
    const char *name = npos ? pos[0] : "smoke";
    if (resolve_battery(name, path, sizeof path) != 0) {
        fprintf(stderr, "phasebench run: no battery '%s' (looked for %s and in %s/benchmarks)\n",
                name, path, PB_SOURCE_DIR);
        return 2;
    }
    if (!out[0]) {
        const char *bname = backend;
        pb_registry reg = {0};
        if (!bname[0]) {
            pb_registry_scan(&reg);
            const pb_plugin *p = pb_registry_default(&reg);
            bname = p ? p->name : "none";
        }
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char bat[256];
        pb_strcpy_trunc(bat, sizeof bat, base);
        char *dot = strstr(bat, ".battery");
        if (dot)
            *dot = '\0';
        char stamp[32];
        pb_utc_stamp(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ");
        snprintf(out, sizeof out, "results/runs/%s-%s-%s-%s", bat, bname, dtype_s, stamp);
        pb_registry_free(&reg);
    }
    pb_run_options o = {path, backend, dtype, threads, device[0] ? device : NULL, out, dry, quiet,
                        scale};
    pb_run_summary sum;
    int rc = pb_battery_run(&o, &sum, err, sizeof err);
    if (rc == 2)
        fprintf(stderr, "phasebench run: %s\n", err);
    return rc;
}
