#include "battery_run.h"

#include "build_info.h"
#include "csv_table.h"
#include "exp_ctx.h"
#include "loader.h"
#include "strutil.h"
#include "sysutil.h"
#include "train_params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* The run folder, checked before any work: a new folder whose nearest
 * existing parent is writable, or an existing empty folder.  A folder that
 * holds anything is refused: `run` never replaces a file it did not write. */
static int check_out_dir(const char *dir, char *err, size_t err_len)
{
    struct stat st;
    if (!dir[0]) {
        snprintf(err, err_len, "--out: empty folder name");
        return -1;
    }
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, err_len, "--out %s: exists and is not a folder", dir);
            return -1;
        }
        if (access(dir, W_OK | X_OK) != 0) {
            snprintf(err, err_len, "--out %s: cannot write into it: %s", dir, strerror(errno));
            return -1;
        }
        DIR *dh = opendir(dir);
        if (!dh) {
            snprintf(err, err_len, "--out %s: cannot list it: %s", dir, strerror(errno));
            return -1;
        }
        struct dirent *de;
        const char *found = NULL;
        char name[256] = "";
        while ((de = readdir(dh)) != NULL)
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
                pb_strcpy_trunc(name, sizeof name, de->d_name);
                found = name;
                break;
            }
        closedir(dh);
        char probe[2100];
        snprintf(probe, sizeof probe, "%s/runs.csv", dir);
        if (found && access(probe, F_OK) == 0) {
            snprintf(err, err_len, "--out %s: the folder already holds a run (runs.csv); choose "
                     "a new --out folder", dir);
            return -1;
        }
        if (found) {
            snprintf(err, err_len,
                     "--out %s: the folder is not empty (it holds %s): a run writes only into "
                     "a new or empty folder, so that no file of yours is replaced",
                     dir, found);
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(err, err_len, "--out %s: %s", dir, strerror(errno));
        return -1;
    }
    /* The nearest existing ancestor must let us create the rest. */
    char path[2048];
    pb_strcpy_trunc(path, sizeof path, dir);
    for (;;) {
        char *slash = strrchr(path, '/');
        while (slash && slash > path && slash[1] == '\0') {
            *slash = '\0';
            slash = strrchr(path, '/');
        }
        if (!slash) {
            pb_strcpy_trunc(path, sizeof path, ".");
        } else if (slash == path) {
            path[1] = '\0';
        } else {
            *slash = '\0';
        }
        if (stat(path, &st) == 0)
            break;
        if (errno != ENOENT || strcmp(path, ".") == 0 || strcmp(path, "/") == 0) {
            snprintf(err, err_len, "--out %s: %s: %s", dir, path, strerror(errno));
            return -1;
        }
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "--out %s: %s is not a folder", dir, path);
        return -1;
    }
    if (access(path, W_OK | X_OK) != 0) {
        snprintf(err, err_len, "--out %s: cannot create it in %s: %s", dir, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* mkdir -p, after check_out_dir said the folder is new or empty. */
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
    return check_out_dir(dir, err, err_len);
}

static void manifest_kv(FILE *f, const char *k, const char *v)
{
    pb_csv_write_field(f, k);
    fputc(',', f);
    pb_csv_write_field(f, v);
    fputc('\n', f);
}

static void manifest_put(const char *k, const char *v, void *f)
{
    manifest_kv((FILE *)f, k, v);
}

/* A backend feature's value, "unknown" when the backend does not name it. */
static const char *manifest_feature(const pb_bat_runner *r, const char *key)
{
    for (const pb_feature *x = r->session.caps.features; x && x->key; x++)
        if (strcmp(x->key, key) == 0)
            return x->value ? x->value : "";
    return "unknown";
}

/* Path and SHA-256 of every plugin that ran: the backend, then each
 * experiment, keys plugin_backend_* and plugin_experiment_NAME_*. */
static void manifest_plugins(FILE *f, const pb_bat_runner *r)
{
    char key[160];
    if (r->have_session) {
        manifest_kv(f, "plugin_backend_path", r->session.plugin->path);
        manifest_kv(f, "plugin_backend_sha256", r->session.plugin->sha256);
    }
    for (size_t i = 0; i < r->n_exp_plugins; i++) {
        const pb_plugin *p = r->exp_plugins[i];
        snprintf(key, sizeof key, "plugin_experiment_%s_path", p->name);
        manifest_kv(f, key, p->path);
        snprintf(key, sizeof key, "plugin_experiment_%s_sha256", p->name);
        manifest_kv(f, key, p->sha256);
    }
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
    manifest_plugins(f, r);
    /* What decides the bits (platform.h): compare reads these. */
    char fp[65];
    pb_data_prints_combined(&r->prints, fp);
    manifest_kv(f, "data_fingerprint", fp);
    snprintf(buf, sizeof buf, "%zu", r->prints.n);
    manifest_kv(f, "data_splits", buf);
    manifest_kv(f, "bits_depend_on", r->have_session ? manifest_feature(r, "bits_depend_on") : "");
    pb_platform plat;
    pb_platform_read(&plat);
    pb_platform_rows(&plat, manifest_put, f);
    int bad = ferror(f);
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

/* Every key of [defaults] is a training key or a key some experiment of
 * the battery asked for: a typo there would otherwise fall back to the
 * built-in default without a word. */
static int check_defaults_keys(const pb_bat_runner *r, char *err, size_t err_len)
{
    static const char *const battery_keys[] = {"name", "description", NULL};
    if (pb_bat_check_keys(r->bat.battery, battery_keys, err, err_len) != 0)
        return -1;
    const pb_bat_section *d = r->bat.defaults;
    for (size_t i = 0; d && i < d->n_entries; i++) {
        const pb_bat_entry *e = &d->entries[i];
        int known = pb_param_by_key(e->key) != NULL;
        for (size_t a = 0; !known && a < r->n_asked; a++)
            known = strcmp(r->asked[a], e->key) == 0;
        if (known)
            continue;
        const char *cand[512 + 64 + 1];
        size_t n = 0;
        for (size_t k = 0; k < pb_n_params; k++)
            if (pb_params[k].key)
                cand[n++] = pb_params[k].key;
        for (size_t a = 0; a < r->n_asked; a++)
            cand[n++] = r->asked[a];
        cand[n] = NULL;
        const char *near = pb_closest_word(e->key, cand);
        char hint[128] = "";
        if (near)
            snprintf(hint, sizeof hint, "; did you mean '%s'?", near);
        snprintf(err, err_len,
                 "%s:%d: unknown key '%s' in [defaults]: neither a training parameter nor a key "
                 "of any experiment of this battery%s",
                 e->path, e->line, e->key, hint);
        return -1;
    }
    return 0;
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
            if (x.failed && strncmp(x.error, sec->path, strlen(sec->path)) == 0)
                snprintf(err, err_len, "%s", x.error); /* already FILE:LINE: ... */
            else
                snprintf(err, err_len, "%s:%d: [experiment %s]: %s", sec->path, sec->line,
                         sec->name, x.failed ? x.error : "plan failed without a reason");
            pb_exp_ctx_free(&x);
            return -1;
        }
        if (pb_exp_check_unread(&x, why, sizeof why) != 0 ||
            pb_exp_check_plan(&x, why, sizeof why) != 0) {
            snprintf(err, err_len, "%s", why);
            pb_exp_ctx_free(&x);
            return -1;
        }
        for (size_t a = 0; a < x.n_asked && r->n_asked < sizeof r->asked / sizeof *r->asked; a++)
            r->asked[r->n_asked++] = x.asked[a];
        pb_exp_ctx_free(&x);
        pl[*n_pl] = (planned){sec, p, runs, gflop};
        if (r->n_exp_plugins < sizeof r->exp_plugins / sizeof *r->exp_plugins)
            r->exp_plugins[r->n_exp_plugins++] = p;
        (*n_pl)++;
        r->runs_total += runs;
    }
    if (*n_pl == 0) {
        snprintf(err, err_len, "%s: the battery has no [experiment NAME] section", r->bat.path);
        return -1;
    }
    return check_defaults_keys(r, err, err_len);
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
    if (!o->dry_run && check_out_dir(o->out_dir, err, err_len) != 0)
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
        snprintf(err, err_len, "cannot write %s/manifest.csv: %s", o->out_dir, strerror(errno));
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
            fprintf(stderr, "phasebench run: writing %s.csv failed: %s\n", x.name, strerror(errno));
            rc = 1;
        }
        pb_exp_ctx_free(&x);
    }
    if (sum->runs > 0 && sum->failed_runs == sum->runs && rc == 0) {
        fprintf(stderr, "phasebench run: every run failed (%lld of %lld): see the error column "
                "of runs.csv\n", (long long)sum->failed_runs, (long long)sum->runs);
        rc = 1;
    }
    if (pb_table_close(&r.runs) != 0 || pb_table_close(&r.claims) != 0) {
        snprintf(err, err_len, "writing the reports in %s failed: %s", o->out_dir, strerror(errno));
        rc = 2;
    }
    char end[32];
    pb_utc_stamp(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ");
    pb_session_refresh(&r.session);
    if (write_manifest(&r, start, end,
                       rc == 0 ? "complete"
                       : rc == 1 ? (sum->runs > 0 && sum->failed_runs == sum->runs
                                        ? "every run failed"
                                        : "experiment failed")
                                 : "report write error") != 0) {
        snprintf(err, err_len, "writing %s/manifest.csv failed: %s", o->out_dir, strerror(errno));
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
    pb_data_prints_free(&r.prints);
    if (r.have_session)
        pb_session_close(&r.session);
    pb_registry_free(&exps);
    pb_bat_free(&r.bat);
    return rc;
}
