#include "commands.h"

#include "battery_run.h"
#include "build_info.h"
#include "cli_args.h"
#include "loader.h"
#include "run_manifest.h"
#include "session.h"
#include "strutil.h"
#include "sysutil.h"

#include <stdio.h>
#include <stdlib.h>
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
    "\nScale-out: a battery is planned as units of work (a run or a kernel\n"
    "machine; the jamming scan of one alpha), each written to RUN/units/ when it\n"
    "ends.  --jobs N computes N units at once in worker processes, each with\n"
    "--threads backend threads (default: as many jobs as the cores hold backends\n"
    "of the thread count in use: ref 1 thread, so one job per core; blas all\n"
    "cores, so one job; vulkan one job).  --shard K/N computes only shard K of N\n"
    "(balanced by estimated work; `phasebench merge` joins the shards), and\n"
    "--resume DIR continues an interrupted run, keeping its finished units.  The\n"
    "reports are the same bytes whatever the jobs, shards or interruptions, but\n"
    "the wall-time column (wall_s).  --dry-run lists the units (and, with\n"
    "--shard K/N, the work of each shard).\n"};

/* "K/N" with 1 <= K <= N. */
static int parse_shard(const char *s, int *k, int *n)
{
    char *a, *b;
    long kk = strtol(s, &a, 10);
    if (a == s || *a != '/')
        return -1;
    long nn = strtol(a + 1, &b, 10);
    if (b == a + 1 || *b || nn < 1 || nn > 100000 || kk < 1 || kk > nn)
        return -1;
    *k = (int)kk;
    *n = (int)nn;
    return 0;
}

/* --resume DIR: the battery, backend, dtype, threads, scale and shard are the
 * interrupted run's, read from its manifest. */
static int resume_options(const char *dir, char *path, size_t path_len, char *backend,
                          size_t backend_len, char *dtype, size_t dtype_len, int *threads,
                          double *scale, int *shard_k, int *shard_n, char *hash,
                          size_t hash_len)
{
    pb_manifest m;
    char err[1024], msg[1024];
    if (pb_manifest_read(dir, &m, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench run: --resume %s: %s\n", dir, err);
        return 2;
    }
    const char *need[] = {"battery_path", "backend", "dtype", "threads", "scale", "status"};
    for (size_t i = 0; i < sizeof need / sizeof *need; i++)
        if (!pb_manifest_get(&m, need[i])) {
            fprintf(stderr, "phasebench run: --resume %s: %s has no '%s' (not a run folder of "
                    "this version)\n", dir, m.path, need[i]);
            pb_manifest_free(&m);
            return 2;
        }
    const char *status = pb_manifest_get(&m, "status");
    const char *commit = pb_manifest_get(&m, "build_commit");
    if (commit && strcmp(commit, PB_BUILD_COMMIT) != 0) {
        fprintf(stderr, "phasebench run: --resume: %s was started by build %s, this is build %s: "
                "its finished units cannot be mixed with this build's; resume it with the same "
                "build\n", dir, commit, PB_BUILD_COMMIT);
        pb_manifest_free(&m);
        return 2;
    }
    const char *bhash = pb_manifest_get(&m, "battery_hash");
    snprintf(hash, hash_len, "%s", bhash ? bhash : "");
    int alive = 0;
    int incomplete = pb_run_dir_incomplete(dir, msg, sizeof msg, &alive);
    int rc = -1;
    if (alive) {
        fprintf(stderr, "phasebench run: --resume: %s\n", msg);
        rc = 2;
    } else if (strcmp(status, "running") != 0 && strcmp(status, "interrupted") != 0) {
        fprintf(stderr, "phasebench run: --resume: %s is already finished (status %s): nothing "
                "to do\n", dir, status);
        rc = 0;
    } else {
        char *hint = strstr(msg, "; continue");
        if (hint)
            *hint = '\0'; /* that is what is being done */
        if (incomplete)
            fprintf(stderr, "phasebench run: resuming: %s\n", msg);
        snprintf(path, path_len, "%s", pb_manifest_get(&m, "battery_path"));
        snprintf(backend, backend_len, "%s", pb_manifest_get(&m, "backend"));
        snprintf(dtype, dtype_len, "%s", pb_manifest_get(&m, "dtype"));
        *threads = atoi(pb_manifest_get(&m, "threads"));
        *scale = strtod(pb_manifest_get(&m, "scale"), NULL);
        const char *shard = pb_manifest_get(&m, "shard");
        if (shard && *shard && parse_shard(shard, shard_k, shard_n) != 0) {
            fprintf(stderr, "phasebench run: --resume: %s: bad shard '%s'\n", m.path, shard);
            rc = 2;
        }
    }
    pb_manifest_free(&m);
    return rc;
}

int pb_cmd_run(int argc, char **argv)
{
    char backend[64] = "", dtype_s[8] = "f64", out[1024] = "", device[128] = "";
    int threads = 0, dry = 0, quiet = 0, jobs = 0;
    char shard[32] = "", resume[1024] = "", resume_hash[64] = "";
    double scale = 1.0;
    pb_opt opts[] = {
        {"backend", PB_OPT_STR, backend, sizeof backend, 0, 0, "NAME", "backend plugin (default: best available)", 0},
        {"dtype", PB_OPT_STR, dtype_s, sizeof dtype_s, 0, 0, "f64|f32", "precision (default f64)", 0},
        {"threads", PB_OPT_INT, &threads, 0, 0, 4096, "T", "backend threads (0: backend default)", 0},
        {"device", PB_OPT_STR, device, sizeof device, 0, 0, "SEL", "backend device selector", 0},
        {"out", PB_OPT_STR, out, sizeof out, 0, 0, "DIR", "run folder (default results/runs/BATTERY-BACKEND-DTYPE-TIME, -shardKofN added under --shard); a new or empty folder: one that holds anything is refused, so no file of yours is replaced", 0},
        {"dry-run", PB_OPT_FLAG, &dry, 0, 0, 0, NULL, "print the number of runs and the work, run nothing", 0},
        {"scale", PB_OPT_DBL, &scale, 0, 1e-6, 1e6, "X", "multiply every step/time budget by X (1)", 0},
        {"quiet", PB_OPT_FLAG, &quiet, 0, 0, 0, NULL, "no progress lines", 0},
        {"jobs", PB_OPT_INT, &jobs, 0, 0, 4096, "N", "units of work at once, in worker processes (0: auto)", 0},
        {"shard", PB_OPT_STR, shard, sizeof shard, 0, 0, "K/N", "compute only shard K of N (then `phasebench merge`)", 0},
        {"resume", PB_OPT_STR, resume, sizeof resume, 0, 0, "DIR", "continue the interrupted run in DIR", 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1] = {NULL};
    size_t npos;
    char err[2048];
    int prc = pb_cmd_parse(&run_help, opts, n_opts, argc, argv, pos, 1, &npos);
    if (prc >= 0)
        return prc;
    int shard_k = 0, shard_n = 0;
    if (shard[0] && parse_shard(shard, &shard_k, &shard_n) != 0) {
        fprintf(stderr, "phasebench run: --shard: expected K/N with 1 <= K <= N, got '%s'\n", shard);
        return 2;
    }
    char path[2048];
    if (resume[0]) {
        static const char *const fixed[] = {"backend", "dtype", "threads", "device", "out",
                                            "scale", "shard", "dry-run"};
        for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
            if (pb_opts_find(opts, n_opts, fixed[i])->seen || npos) {
                fprintf(stderr, "phasebench run: --resume takes the battery and every setting "
                        "from DIR/manifest.csv: drop %s%s\n", npos ? "the battery argument" : "--",
                        npos ? "" : fixed[i]);
                return 2;
            }
        int rrc = resume_options(resume, path, sizeof path, backend, sizeof backend, dtype_s,
                                 sizeof dtype_s, &threads, &scale, &shard_k, &shard_n,
                                 resume_hash, sizeof resume_hash);
        if (rrc >= 0)
            return rrc;
        pb_strcpy_trunc(out, sizeof out, resume);
    }
    pb_dtype dtype;
    if (pb_dtype_parse(dtype_s, &dtype) != 0) {
        fprintf(stderr, "phasebench run: --dtype: expected f64 or f32, got '%s'\n", dtype_s);
        return 2;
    }
    const char *name = npos ? pos[0] : "smoke";
    if (!resume[0] && resolve_battery(name, path, sizeof path) != 0) {
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
        if (shard_n) {
            size_t used = strlen(out);
            snprintf(out + used, sizeof out - used, "-shard%dof%d", shard_k, shard_n);
        }
        pb_registry_free(&reg);
    }
    pb_run_options o = {path, backend, dtype, threads, device[0] ? device : NULL, out, dry, quiet,
                        scale, jobs, shard_k, shard_n, resume[0] != 0, 0, NULL,
                        resume_hash[0] ? resume_hash : NULL};
    pb_run_summary sum;
    int rc = pb_battery_run(&o, &sum, err, sizeof err);
    if (rc == 2)
        fprintf(stderr, "phasebench run: %s\n", err);
    return rc;
}
