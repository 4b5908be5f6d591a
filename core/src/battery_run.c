#include "battery_run.h"

#include "build_info.h"
#include "csv_table.h"
#include "exp_ctx.h"
#include "loader.h"
#include "strutil.h"
#include "sysutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p; an existing folder is fine unless it already holds a run. */
static int make_out_dir(const char *dir, char *err, size_t err_len)
{
    char path[2048];
    pb_strcpy_trunc(path, sizeof path, dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
                return -1;
            }
            *p = '/';
        }
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    char probe[2100];
    snprintf(probe, sizeof probe, "%s/runs.csv", path);
    if (access(probe, F_OK) == 0) {
        snprintf(err, err_len, "%s already holds a run (runs.csv); choose a new --out folder", dir);
        return -1;
    }
    return 0;
}

static void manifest_kv(FILE *f, const char *k, const char *v)
{
    pb_csv_write_field(f, k);
    fputc(',', f);
    pb_csv_write_field(f, v);
    fputc('\n', f);
}

static int write_manifest(const pb_bat_runner *r, const char *start, const char *end,
                          const char *status)
{
    char path[2100];
    snprintf(path, sizeof path, "%s/manifest.csv", r->opt->out_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    char buf[64], host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    fputs("key,value\n", f);
    snprintf(buf, sizeof buf, "%d", PB_SCHEMA_VERSION);
    manifest_kv(f, "schema_version", buf);
    manifest_kv(f, "battery", r->bat.name);
    manifest_kv(f, "battery_path", r->bat.path);
    manifest_kv(f, "battery_hash", r->bat.hash);
    manifest_kv(f, "backend", r->have_session ? r->session.info.name : "");
    manifest_kv(f, "dtype", r->have_session ? r->session.info.dtype : "");
    snprintf(buf, sizeof buf, "%d", r->have_session ? r->session.info.threads : 0);
    manifest_kv(f, "threads", buf);
    manifest_kv(f, "features", r->have_session ? r->session.features : "");
    snprintf(buf, sizeof buf, "%.17g", r->opt->scale);
    manifest_kv(f, "scale", buf);
    manifest_kv(f, "phasebench_version", PB_VERSION);
    manifest_kv(f, "build_commit", PB_BUILD_COMMIT);
    manifest_kv(f, "host", host);
    manifest_kv(f, "start_time", start);
    manifest_kv(f, "end_time", end);
    snprintf(buf, sizeof buf, "%lld", (long long)r->sum->runs);
    manifest_kv(f, "runs", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)r->sum->failed_runs);
    manifest_kv(f, "failed_runs", buf);
    manifest_kv(f, "status", status);
    int bad = ferror(f);
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

/* Plan every experiment: loads its plugin, checks its keys, counts work. */
typedef struct planned {
    const pb_bat_section *sec;
    const pb_plugin *plugin;
    int64_t runs;
    double gflop;
} planned;

static int plan_all(pb_bat_runner *r, pb_registry *exps, planned *pl, size_t max_pl,
                    size_t *n_pl, char *err, size_t err_len)
{
    *n_pl = 0;
    for (size_t i = 0; i < r->bat.n_sections; i++) {
        const pb_bat_section *sec = &r->bat.sections[i];
        if (sec->kind != PB_BAT_EXPERIMENT)
            continue;
        if (*n_pl == max_pl) {
            snprintf(err, err_len, "%s: more than %zu experiment sections", r->bat.path, max_pl);
            return -1;
        }
        char why[1024];
        const pb_plugin *p = pb_registry_find(exps, sec->name, why, sizeof why);
        if (!p) {
            snprintf(err, err_len, "%s:%d: [experiment %s]: %s", sec->path, sec->line, sec->name,
                     why);
            return -1;
        }
        pb_exp_ctx x;
        pb_exp_ctx_init(&x, r, sec);
        x.planning = 1;
        int64_t runs = 0;
        double gflop = 0;
        int rc = p->exp->plan(&pb_exp_services, &x, &runs, &gflop);
        if (rc != 0 || x.failed) {
            snprintf(err, err_len, "[experiment %s]: %s", sec->name,
                     x.failed ? x.error : "plan failed without a reason");
            pb_exp_ctx_free(&x);
            return -1;
        }
        if (pb_exp_check_unread(&x, why, sizeof why) != 0) {
            snprintf(err, err_len, "%s", why);
            pb_exp_ctx_free(&x);
            return -1;
        }
        pb_exp_ctx_free(&x);
        pl[*n_pl] = (planned){sec, p, runs, gflop};
        (*n_pl)++;
        r->runs_total += runs;
    }
    if (*n_pl == 0) {
        snprintf(err, err_len, "%s: the battery has no [experiment NAME] section", r->bat.path);
        return -1;
    }
    return 0;
}

/* The derived rows worth a line in the closing summary: per table, which
 * kinds of rows and which of their columns. */
typedef struct summary_rows {
    const char *table, *kind;
    const char *cols[7];
} summary_rows;

static const summary_rows summary_spec[] = {
    {"jamming", "point", {"alpha", "h1", "h2", "h_star", "N_star", "N_star_over_P", "note"}},
    {"kernel", "crossover", {"h", "c", "alpha_star", "note", NULL, NULL, NULL}},
    {"ensemble", "summary", {"h", "alpha", "single_err_mean", "ens_err", "gain", "deltaF", NULL}},
    {"ensemble", "fit", {"alpha", "slope", "slope_se", "n_points", NULL, NULL, NULL}},
    {"jamming", "point", {"alpha", "budget_steps", "n_undecided_widths", "out_norm_exponent", NULL, NULL, NULL}},
    {"kernel", "crossover_fit", {"c", "slope", "slope_se", "n_points", NULL, NULL, NULL}},
    {"ensemble", "flat", {"alpha", "range", "range_tol", "n_points", NULL, NULL, NULL}},
};

static void print_cell(const char *name, const char *v)
{
    double d;
    if (!*v)
        return;
    if (pb_csv_to_double(v, &d))
        fprintf(stderr, " %s=%.4g", name, d);
    else
        fprintf(stderr, " %s=%s", name, v);
}

static void print_derived(const char *out_dir)
{
    for (size_t k = 0; k < sizeof summary_spec / sizeof *summary_spec; k++) {
        const summary_rows *sp = &summary_spec[k];
        char path[2100], err[512];
        snprintf(path, sizeof path, "%s/%s.csv", out_dir, sp->table);
        pb_csv_table t;
        if (pb_csv_read(path, &t, err, sizeof err) != 0)
            continue;
        int ck = pb_csv_col(&t, "kind");
        for (size_t i = 0; ck >= 0 && i < t.nrows; i++) {
            if (strcmp(pb_csv_cell(&t, i, (size_t)ck), sp->kind) != 0)
                continue;
            fprintf(stderr, "%-9s %-10s", sp->table, sp->kind);
            for (size_t c = 0; c < 7 && sp->cols[c]; c++) {
                int j = pb_csv_col(&t, sp->cols[c]);
                if (j >= 0)
                    print_cell(sp->cols[c], pb_csv_cell(&t, i, (size_t)j));
            }
            fputc('\n', stderr);
        }
        pb_csv_table_free(&t);
    }
}

static void print_claims(const char *out_dir)
{
    char path[2100], err[512];
    snprintf(path, sizeof path, "%s/claims.csv", out_dir);
    pb_csv_table t;
    if (pb_csv_read(path, &t, err, sizeof err) != 0)
        return;
    int cc = pb_csv_col(&t, "claim"), cm = pb_csv_col(&t, "measured"),
        ce = pb_csv_col(&t, "expected"), cv = pb_csv_col(&t, "verdict");
    if (cc < 0 || cm < 0 || ce < 0 || cv < 0) {
        pb_csv_table_free(&t);
        return;
    }
    fprintf(stderr, "\n%-11s %-44s %-12s %s\n", "verdict", "claim", "measured", "expected");
    for (size_t i = 0; i < t.nrows; i++) {
        double m;
        char mtext[32] = "";
        if (pb_csv_to_double(pb_csv_cell(&t, i, (size_t)cm), &m))
            snprintf(mtext, sizeof mtext, "%.4g", m);
        fprintf(stderr, "%-11s %-44s %-12s %s\n", pb_csv_cell(&t, i, (size_t)cv),
                pb_csv_cell(&t, i, (size_t)cc), mtext, pb_csv_cell(&t, i, (size_t)ce));
    }
    pb_csv_table_free(&t);
}

int pb_battery_run(const pb_run_options *o, pb_run_summary *sum, char *err, size_t err_len)
{
    pb_bat_runner r;
    memset(&r, 0, sizeof r);
    memset(sum, 0, sizeof *sum);
    r.opt = o;
    r.sum = sum;
    r.t_start = pb_now_s();
    pb_registry exps = {0};
    exps.kind = &pb_experiment_kind;
    planned pl[64];
    size_t n_pl = 0;
    int rc = 2;
    char start[32];
    pb_utc_stamp(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ");

    if (pb_bat_read(o->battery_path, &r.bat, err, err_len) != 0)
        goto out;
    pb_registry_scan(&exps);
    if (plan_all(&r, &exps, pl, sizeof pl / sizeof *pl, &n_pl, err, err_len) != 0)
        goto out;

    if (o->dry_run) {
        double total = 0;
        printf("battery %s (%s, hash %s)\n%-12s %10s %14s\n", r.bat.name, r.bat.path, r.bat.hash,
               "experiment", "runs<=", "GFLOP<=");
        for (size_t i = 0; i < n_pl; i++) {
            printf("%-12s %10lld %14.4g\n", pl[i].sec->name, (long long)pl[i].runs, pl[i].gflop);
            total += pl[i].gflop;
        }
        printf("%-12s %10lld %14.4g\n", "total", (long long)r.runs_total, total);
        printf("(upper bounds: adaptive searches stop early; at ~40 GFLOP/s one core of BLAS "
               "needs about %.0f s)\n", total / 40.0);
        rc = 0;
        goto out;
    }

    if (pb_session_open(&r.session, o->backend, o->dtype, o->threads, o->device, err, err_len) != 0)
        goto out;
    r.have_session = 1;
    if (make_out_dir(o->out_dir, err, err_len) != 0)
        goto out;
    char path[2100];
    snprintf(path, sizeof path, "%s/runs.csv", o->out_dir);
    if (pb_table_open(&r.runs, path) != 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    snprintf(path, sizeof path, "%s/claims.csv", o->out_dir);
    if (pb_table_open(&r.claims, path) != 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    if (write_manifest(&r, start, "", "running") != 0) {
        snprintf(err, err_len, "cannot write %s/manifest.csv", o->out_dir);
        rc = 2;
        goto out;
    }
    if (!o->quiet)
        fprintf(stderr, "phasebench run: battery %s on %s/%s, %lld runs at most, into %s\n",
                r.bat.name, r.session.info.name, r.session.info.dtype, (long long)r.runs_total,
                o->out_dir);

    rc = 0;
    for (size_t i = 0; i < n_pl; i++) {
        pb_exp_ctx x;
        pb_exp_ctx_init(&x, &r, pl[i].sec);
        int erc = pl[i].plugin->exp->run(&pb_exp_services, &x);
        if (erc != 0 || x.failed) {
            const char *why = x.failed ? x.error : "the experiment failed without a reason";
            fprintf(stderr, "phasebench run: experiment %s failed: %s\n", x.name, why);
            char claim[128];
            snprintf(claim, sizeof claim, "experiment_completed[%s]", x.name);
            x.failed = 0;
            pb_exp_services.claim(&x, claim, NAN, "completed", "", PB_VERDICT_FAIL, why);
            sum->experiments_failed++;
            rc = 1;
        }
        if (x.table.f && pb_table_close(&x.table) != 0) {
            fprintf(stderr, "phasebench run: writing %s.csv failed\n", x.name);
            rc = 1;
        }
        pb_exp_ctx_free(&x);
    }
    if (pb_table_close(&r.runs) != 0 || pb_table_close(&r.claims) != 0) {
        snprintf(err, err_len, "writing the reports in %s failed", o->out_dir);
        rc = 2;
    }
    char end[32];
    pb_utc_stamp(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ");
    pb_session_refresh(&r.session);
    if (write_manifest(&r, start, end,
                       rc == 0 ? "complete" : rc == 1 ? "experiment failed" : "report write error") != 0) {
        snprintf(err, err_len, "writing %s/manifest.csv failed", o->out_dir);
        rc = 2;
    }
    if (!o->quiet) {
        fputc('\n', stderr);
        print_derived(o->out_dir);
        print_claims(o->out_dir);
        fprintf(stderr,
                "\nphasebench run: %lld runs (%lld failed) in %.1f s; claims: %d pass, %d fail, "
                "%d not judged; reports in %s\n",
                (long long)sum->runs, (long long)sum->failed_runs, pb_now_s() - r.t_start,
                sum->claims_pass, sum->claims_fail, sum->claims_not_judged, o->out_dir);
    }
out:
    if (r.runs.f)
        pb_table_close(&r.runs);
    if (r.claims.f)
        pb_table_close(&r.claims);
    if (r.have_split)
        pb_split_free(&r.split);
    if (r.have_pool)
        pb_pool_free(&r.pool);
    if (r.have_session)
        pb_session_close(&r.session);
    pb_registry_free(&exps);
    pb_bat_free(&r.bat);
    return rc;
}
