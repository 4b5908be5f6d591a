#include "commands.h"

#include "cli_args.h"
#include "sysutil.h"
#include "opcheck.h"
#include "session.h"
#include "strutil.h"
#include "trajcheck.h"

#include <stdio.h>
#include <string.h>

/* Exit code for "this backend cannot run here": CTest's conventional skip. */
#define PB_EXIT_SKIP 77

static int check_one(const pb_plugin *ref, const pb_plugin *dut, pb_dtype dtype, int threads,
                     const char *device, uint64_t seed, int steps, FILE *csv_ops,
                     FILE *csv_traj, int *skipped)
{
    char err[1024];
    pb_backend_options o = {sizeof o, dtype, threads, device};
    int failed = 0, unsupported = 0;
    printf("== %s %s against ref f64 (seed %llu)\n", dut->name, pb_dtype_name(dtype),
           (unsigned long long)seed);
    if (pb_opcheck_run_opts(ref->vt, dut->vt, &o, seed, stdout, csv_ops, &failed, &unsupported,
                            err, sizeof err) != 0) {
        printf("op check could not run: %s\n", err);
        return 1;
    }
    pb_backend *rb = NULL, *db = NULL;
    pb_backend_options ro = {sizeof ro, PB_F64, 1, NULL};
    if (ref->vt->create(&ro, &rb, err, sizeof err) != PB_OK) {
        printf("trajectory check: ref could not start: %s\n", err);
        return 1;
    }
    pb_status st = dut->vt->create(&o, &db, err, sizeof err);
    if (st == PB_ERR_UNSUPPORTED) {
        printf("trajectory check: %s does not support %s here: %s\n", dut->name,
               pb_dtype_name(dtype), err);
        ref->vt->destroy(rb);
        *skipped = 1;
        return failed ? 1 : 0;
    }
    if (st != PB_OK) {
        printf("trajectory check: %s could not start: %s\n", dut->name, err);
        ref->vt->destroy(rb);
        return 1;
    }
    pb_trajcheck_summary ts;
    int rc = pb_trajcheck_run(ref->vt, rb, dut->vt, db, dtype, dut->name, steps, seed, stdout,
                              csv_traj, &ts, err, sizeof err);
    if (rc != 0)
        printf("trajectory check could not run: %s\n", err);
    dut->vt->destroy(db);
    ref->vt->destroy(rb);
    return (failed || rc != 0 || ts.failed) ? 1 : 0;
}

static const pb_cmd_help check_help = {
    "check",
    "usage: phasebench check [FLAGS]\n\n"
               "Checks a backend against the reference backend `ref` in f64: every op of\n"
               "the ABI on seeded inputs (NaN/Inf first, then NMSE and max-abs error\n"
               "against a reviewed tolerance table, guard regions around every output),\n"
               "then K gradient-flow steps of a small net from the same weights.\n"
               "Exit 0 when everything passes, 1 on any failure, 2 on bad input, 77 when\n"
               "the backend is unavailable on this machine (a visible skip).\n\n",
    NULL};

int pb_cmd_check(int argc, char **argv)
{
    char backend[64] = "", dtype_s[16] = "f64,f32", out[1024] = "", device[128] = "";
    int threads = 0, steps = 30;
    uint64_t seed = 20210101;
    pb_opt opts[] = {
        {"backend", PB_OPT_STR, backend, sizeof backend, 0, 0, "NAME", "backend to check (default: every available one but ref)", 0},
        {"dtype", PB_OPT_STR, dtype_s, sizeof dtype_s, 0, 0, "f64|f32|f64,f32", "precisions to check (default both)", 0},
        {"threads", PB_OPT_INT, &threads, 0, 0, 4096, "T", "backend threads (0: backend default)", 0},
        {"device", PB_OPT_STR, device, sizeof device, 0, 0, "SEL", "backend device selector", 0},
        {"seed", PB_OPT_U64, &seed, 0, 0, 0, "S", "input seed (printed and recorded; default 20210101)", 0},
        {"steps", PB_OPT_INT, &steps, 0, 1, 100000, "K", "gradient-flow steps of the trajectory check (30)", 0},
        {"out", PB_OPT_STR, out, sizeof out, 0, 0, "FILE.csv", "op rows as CSV; trajectory rows go to FILE.csv.trajectory.csv", 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t npos;
    char err[1024];
    int prc = pb_cmd_parse(&check_help, opts, n_opts, argc, argv, pos, 0, &npos);
    if (prc >= 0)
        return prc;
    int want64 = strstr(dtype_s, "f64") != NULL, want32 = strstr(dtype_s, "f32") != NULL;
    if (!want64 && !want32) {
        fprintf(stderr, "phasebench check: --dtype: expected f64, f32 or f64,f32, got '%s'\n", dtype_s);
        return 2;
    }
    pb_registry reg = {0};
    pb_registry_scan(&reg);
    const pb_plugin *ref = pb_registry_find(&reg, "ref", err, sizeof err);
    if (!ref) {
        fprintf(stderr, "phasebench check: the reference backend is needed: %s\n", err);
        pb_registry_free(&reg);
        return 2;
    }
    FILE *csv_ops = NULL, *csv_traj = NULL;
    pb_outfile ops_out = {0}, traj_out = {0};
    if (out[0]) {
        char tpath[1100];
        snprintf(tpath, sizeof tpath, "%s.trajectory.csv", out);
        if (pb_output_check(out, err, sizeof err) != 0 ||
            pb_output_check(tpath, err, sizeof err) != 0 ||
            !(csv_ops = pb_atomic_open(&ops_out, out, err, sizeof err)) ||
            !(csv_traj = pb_atomic_open(&traj_out, tpath, err, sizeof err))) {
            fprintf(stderr, "phasebench check: --out: %s\n", err);
            pb_atomic_abort(&ops_out);
            pb_registry_free(&reg);
            return 2;
        }
    }
    int rc = 0, checked = 0, skipped = 0;
    for (size_t i = 0; i < reg.count; i++) {
        const pb_plugin *p = &reg.plugins[i];
        if (backend[0] ? strcmp(p->name, backend) != 0 : strcmp(p->name, "ref") == 0)
            continue;
        pb_registry_probe(&reg, i);
        if (p->state == PB_PLUGIN_SHADOWED)
            continue;
        if (p->state != PB_PLUGIN_AVAILABLE) {
            printf("== %s: %s: %s\n", p->name, pb_plugin_state_name(p->state), p->reason);
            if (backend[0] && p->state == PB_PLUGIN_UNAVAILABLE)
                skipped++;
            else if (backend[0])
                rc = 1;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            if (!(k == 0 ? want64 : want32))
                continue;
            int sk = 0;
            if (check_one(ref, p, k == 0 ? PB_F64 : PB_F32, threads, device[0] ? device : NULL,
                          seed, steps, csv_ops, csv_traj, &sk) != 0)
                rc = 1;
            if (sk)
                skipped++; /* that dtype is not supported here: a skip, not a pass */
            else
                checked++;
        }
    }
    if (backend[0] && checked == 0 && skipped == 0 && rc == 0) {
        fprintf(stderr, "phasebench check: no backend named '%s' (see `phasebench backends`)\n",
                backend);
        rc = 2;
    }
    if (csv_ops && pb_atomic_close(&ops_out, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench check: --out: %s\n", err);
        rc = 2;
    }
    if (csv_traj && pb_atomic_close(&traj_out, err, sizeof err) != 0) {
        fprintf(stderr, "phasebench check: --out: %s\n", err);
        rc = 2;
    }
    pb_registry_free(&reg);
    if (rc == 0 && checked == 0 && skipped)
        return PB_EXIT_SKIP;
    printf("\ncheck: %s\n", rc == 0 ? "PASS" : "FAIL");
    return rc;
}
