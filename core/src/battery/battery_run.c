#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "battery_run.h"

#include "build_info.h"
#include "csv_table.h"
#include "exp_ctx.h"
#include "loader.h"
#include "strutil.h"
#include "suggest.h"
#include "sysutil.h"
#include "tables.h"
#include "train_params.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* mkdir -p.  A new run takes only a new or empty folder (check_out_dir);
 * with keep, the folder is the run being resumed or merged into. */
static int make_out_dir(const char *dir, int keep, char *err, size_t err_len)
{
    if (!keep && check_out_dir(dir, err, err_len) != 0)
        return -1;
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
    snprintf(probe, sizeof probe, "%s/manifest.csv", path);
    if (!keep && access(probe, F_OK) == 0) {
        snprintf(err, err_len,
                 "%s already holds a run (manifest.csv); choose a new --out folder, or continue "
                 "an interrupted run with --resume %s", dir, dir);
        return -1;
    }
    snprintf(probe, sizeof probe, "%s/runs.csv", path);
    if (!keep && access(probe, F_OK) == 0) {
        snprintf(err, err_len, "%s already holds a run (runs.csv); choose a new --out folder", dir);
        return -1;
    }
    snprintf(probe, sizeof probe, "%s/units", path);
    if (mkdir(probe, 0777) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", probe, strerror(errno));
        return -1;
    }
    return 0;
}

/* One key,value row of manifest.csv.  A write error is seen when the file
 * is closed (pb_atomic_close checks the stream). */
static void manifest_kv(pb_table *t, const char *k, const char *v)
{
    pb_row row;
    pb_row_init_columns(&row, &pb_cols_manifest);
    pb_row_str(&row, "key", k);
    pb_row_str(&row, "value", v);
    char err[256];
    pb_table_write(t, &row, err, sizeof err);
    pb_row_free(&row);
}

static void manifest_put(const char *k, const char *v, void *t)
{
    manifest_kv(t, k, v);
}

/* A key of the backend's feature list ("k=v;k=v"), "unknown" when absent. */
static void manifest_feature(const pb_bat_runner *r, const char *key, char *out, size_t len)
{
    snprintf(out, len, "unknown");
    size_t kl = strlen(key);
    for (const char *p = r->ident.features; p && *p;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            snprintf(out, len, "%.*s", (int)(n - kl - 1), p + kl + 1);
            return;
        }
        p = end ? end + 1 : NULL;
    }
}

/* Path and SHA-256 of every plugin that ran: the backend, then each
 * experiment, keys plugin_backend_* and plugin_experiment_NAME_*. */
static void manifest_plugins(pb_table *f, const pb_bat_runner *r)
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
    char path[2100], err[512];
    snprintf(path, sizeof path, "%s/manifest.csv", r->opt->out_dir);
    /* replaced whole: a kill never leaves half a manifest */
    pb_outfile out = {0};
    FILE *f = pb_atomic_open(&out, path, err, sizeof err);
    if (!f)
        return -1;
    const pb_run_ident *id = &r->ident;
    char buf[64], host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    pb_table mt;
    pb_table_attach(&mt, f, &pb_cols_manifest, 1);
    snprintf(buf, sizeof buf, "%d", PB_SCHEMA_VERSION);
    manifest_kv(&mt, "schema_version", buf);
    manifest_kv(&mt, "battery", r->bat.name);
    manifest_kv(&mt, "battery_path", r->bat.path);
    manifest_kv(&mt, "battery_hash", r->bat.hash);
    manifest_kv(&mt, "backend", id->backend);
    manifest_kv(&mt, "dtype", id->dtype);
    snprintf(buf, sizeof buf, "%d", id->threads);
    manifest_kv(&mt, "threads", buf);
    manifest_kv(&mt, "features", id->features);
    pb_csv_format_double(buf, sizeof buf, r->opt->scale);
    manifest_kv(&mt, "scale", buf);
    manifest_kv(&mt, "phasebench_version", PB_VERSION);
    manifest_kv(&mt, "build_commit", PB_BUILD_COMMIT);
    manifest_kv(&mt, "host", host);
    manifest_kv(&mt, "start_time", start);
    manifest_kv(&mt, "end_time", end);
    snprintf(buf, sizeof buf, "%lld", (long long)r->sum->runs);
    manifest_kv(&mt, "runs", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)r->sum->failed_runs);
    manifest_kv(&mt, "failed_runs", buf);
    manifest_kv(&mt, "status", status);
    /* scale-out: the plan, how far it got, and who is running it */
    size_t done = 0, mine = 0;
    for (size_t i = 0; i < r->units.n; i++)
        if (!r->opt->shard_n || r->units.u[i].shard == r->opt->shard_k) {
            mine++;
            done += r->units.u[i].state == PB_UNIT_DONE;
        }
    snprintf(buf, sizeof buf, "%zu", mine);
    manifest_kv(&mt, "units", buf);
    snprintf(buf, sizeof buf, "%zu", done);
    manifest_kv(&mt, "units_done", buf);
    snprintf(buf, sizeof buf, "%zu", r->units.n);
    manifest_kv(&mt, "units_planned", buf);
    if (r->opt->shard_n)
        snprintf(buf, sizeof buf, "%d/%d", r->opt->shard_k, r->opt->shard_n);
    else
        buf[0] = '\0';
    manifest_kv(&mt, "shard", buf);
    snprintf(buf, sizeof buf, "%d", r->jobs);
    manifest_kv(&mt, "jobs", buf);
    snprintf(buf, sizeof buf, "%ld", (long)getpid());
    manifest_kv(&mt, "pid", buf);
    manifest_plugins(&mt, r);
    /* What decides the bits (platform.h): compare reads these.  The data
     * fingerprint is taken in the discovery pass, over every split the plan
     * uses, so it is the same however and wherever the units are computed. */
    char fp[65], deps[256];
    pb_data_prints_combined(&r->prints, fp);
    manifest_kv(&mt, "data_fingerprint", fp);
    snprintf(buf, sizeof buf, "%zu", r->prints.n);
    manifest_kv(&mt, "data_splits", buf);
    manifest_feature(r, "bits_depend_on", deps, sizeof deps);
    manifest_kv(&mt, "bits_depend_on", deps);
    pb_platform plat;
    pb_platform_read(&plat);
    pb_platform_rows(&plat, manifest_put, &mt);
    pb_table_close(&mt); /* flushes; the stream is closed below */
    return pb_atomic_close(&out, err, sizeof err);
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
        pb_exp_ctx_init(&x, r, sec, p->abi_minor);
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

/* The derived rows worth a line in the closing summary, as each
 * experiment plugin declares them (pb_experiment_vtable.summary, ABI 1.2):
 * the core names no plugin's table.  Plugins in the order of the battery. */
static void print_derived(const pb_bat_runner *r, const char *out_dir)
{
    for (size_t p = 0; p < r->n_exp_plugins; p++) {
        const pb_plugin *pl = r->exp_plugins[p];
        size_t q = 0;
        while (q < p && r->exp_plugins[q] != pl)
            q++;
        if (q < p || !PB_HAS(pl->exp, pb_experiment_vtable, summary))
            continue; /* said already, or nothing to say */
        char path[2100], err[512];
        snprintf(path, sizeof path, "%s/%s.csv", out_dir, pl->name);
        pb_csv_table t;
        if (pb_csv_read(path, &t, err, sizeof err) != 0)
            continue;
        int ck = pb_csv_col(&t, "kind");
        for (const pb_summary_line *sl = pl->exp->summary; ck >= 0 && sl->kind; sl++)
            for (size_t i = 0; i < t.nrows; i++) {
                if (strcmp(pb_csv_cell(&t, i, (size_t)ck), sl->kind) != 0)
                    continue;
                fprintf(stderr, "%-9s %-10s", pl->name, sl->kind);
                for (size_t c = 0; sl->columns && sl->columns[c]; c++) {
                    int j = pb_csv_col(&t, sl->columns[c]);
                    if (j >= 0)
                        print_cell(sl->columns[c], pb_csv_cell(&t, i, (size_t)j));
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

int pb_bat_need_session(pb_bat_runner *r, char *err, size_t err_len)
{
    const pb_run_options *o = r->opt;
    if (r->have_session && r->session.be)
        return 0;
    if (r->have_session) {
        /* a worker: the plugins are loaded (inherited), the instance is its own */
        const pb_backend_vtable *vt = r->session.plugin->vt;
        pb_backend_options bo = {sizeof bo, o->dtype, o->threads, o->device};
        char why[512] = "";
        if (vt->create(&bo, &r->session.be, why, sizeof why) != PB_OK || !r->session.be) {
            why[sizeof why - 1] = '\0';
            r->session.be = NULL;
            snprintf(err, err_len, "backend '%s' could not start: %s", r->session.plugin->name,
                     why[0] ? why : "no reason given");
            return -1;
        }
        return 0;
    }
    if (pb_session_open(&r->session, o->backend, o->dtype, o->threads, o->device, err, err_len) != 0)
        return -1;
    r->have_session = 1;
    if (!r->ident.have) {
        pb_strcpy_trunc(r->ident.backend, sizeof r->ident.backend, r->session.info.name);
        pb_strcpy_trunc(r->ident.dtype, sizeof r->ident.dtype, r->session.info.dtype);
        pb_strcpy_trunc(r->ident.features, sizeof r->ident.features, r->session.features);
        r->ident.threads = r->session.info.threads;
        r->ident.have = 1;
    }
    return 0;
}

/* ------------------------------------------------------------- units */

/* Runs every experiment with placeholder results: the units, in the order
 * the plugins ask for them, and each unit's share of its section's work. */
static void discover_units(pb_bat_runner *r, const planned *pl, size_t n_pl)
{
    r->pass = PB_PASS_DISCOVER;
    for (size_t i = 0; i < n_pl; i++) {
        pb_exp_ctx x;
        pb_exp_ctx_init(&x, r, pl[i].sec, pl[i].plugin->abi_minor);
        x.section = i;
        /* a plugin that fails here fails again in the report pass, where
         * its failure is reported; the units found so far stand */
        pl[i].plugin->exp->run(&pb_exp_services, &x);
        pb_exp_ctx_free(&x);
        double wsum = 0.0;
        for (size_t k = 0; k < r->units.n; k++)
            if (r->units.u[k].section == i)
                wsum += r->units.u[k].weight;
        for (size_t k = 0; k < r->units.n; k++) {
            pb_unit *u = &r->units.u[k];
            if (u->section != i)
                continue;
            if (isfinite(pl[i].gflop) && pl[i].gflop > 0 && wsum > 0)
                u->gflop = pl[i].gflop * u->weight / wsum;
            else
                u->gflop = u->weight * 1e-9;
        }
    }
    r->pass = PB_PASS_REPORT;
}

static int in_my_shard(const pb_bat_runner *r, const pb_unit *u)
{
    return !r->opt->shard_n || u->shard == r->opt->shard_k;
}

static void print_plan(const pb_bat_runner *r, const planned *pl)
{
    const pb_run_options *o = r->opt;
    printf("\n%zu units of work (a run or a kernel machine; a sequence the plugin declared "
           "dependent, e.g. the jamming scan of one alpha)\n",
           r->units.n);
    printf("%-48s %-10s %12s%s\n", "unit", "experiment", "GFLOP<=", o->shard_n ? "  shard" : "");
    for (size_t i = 0; i < r->units.n; i++) {
        const pb_unit *u = &r->units.u[i];
        printf("%-48s %-10s %12.4g", u->id, pl[u->section].sec->name, u->gflop);
        if (o->shard_n)
            printf("  %d", u->shard);
        putchar('\n');
    }
    if (!o->shard_n)
        return;
    printf("\nshards of %d (balanced by estimated work; this is shard %d)\n%-8s %8s %14s\n",
           o->shard_n, o->shard_k, "shard", "units", "GFLOP<=");
    for (int k = 1; k <= o->shard_n; k++) {
        size_t n = 0;
        double g = 0.0;
        for (size_t i = 0; i < r->units.n; i++)
            if (r->units.u[i].shard == k) {
                n++;
                g += r->units.u[i].gflop;
            }
        printf("%-8d %8zu %14.4g\n", k, n, g);
    }
}

static void units_dir(const pb_bat_runner *r, char *out, size_t len)
{
    snprintf(out, len, "%s/units", r->opt->out_dir);
}

/* Leftover temporaries of units that were being written when a run died. */
static void remove_stale_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".unit.tmp.")) {
            char path[2400];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    closedir(d);
}

/* Reads back the units already finished in out_dir/units. */
static void load_finished_units(pb_bat_runner *r)
{
    char dir[2100], err[1024];
    units_dir(r, dir, sizeof dir);
    remove_stale_temporaries(dir);
    for (size_t i = 0; i < r->units.n; i++) {
        pb_unit *u = &r->units.u[i];
        if (!in_my_shard(r, u))
            continue;
        pb_unit_rec_free(&u->rec);
        int rc = pb_unit_rec_read(dir, u->id, &u->rec, err, sizeof err);
        if (rc == 0) {
            u->state = PB_UNIT_DONE;
        } else if (rc < 0) {
            fprintf(stderr, "phasebench run: %s; the unit is computed again\n", err);
            char path[2400];
            snprintf(path, sizeof path, "%s/%s.unit", dir, u->id);
            remove(path);
        }
    }
}

/* Computes unit u in this process and writes its file. */
static int compute_unit(pb_bat_runner *r, const planned *pl, pb_unit *u, char *err, size_t err_len)
{
    r->pass = PB_PASS_WORK;
    r->target = u;
    pb_exp_ctx x;
    pb_exp_ctx_init(&x, r, pl[u->section].sec, pl[u->section].plugin->abi_minor);
    x.section = u->section;
    pl[u->section].plugin->exp->run(&pb_exp_services, &x);
    pb_exp_ctx_free(&x);
    r->target = NULL;
    r->pass = PB_PASS_REPORT;
    char dir[2100];
    units_dir(r, dir, sizeof dir);
    return pb_unit_rec_write(dir, &u->rec, err, err_len);
}

/* Progress of the units: done/total over the whole plan (or shard), and the
 * time left at the rate the work of this session went. */
typedef struct unit_progress {
    size_t done, total;
    double work_done, work_left, t0;
} unit_progress;

static void unit_finished(const pb_bat_runner *r, unit_progress *p, const pb_unit *u, double secs,
                          const char *what)
{
    p->done++;
    p->work_done += u->gflop;
    p->work_left -= u->gflop;
    if (r->opt->quiet)
        return;
    double el = pb_now_s() - p->t0;
    char eta[48] = "";
    if (p->work_done > 0 && p->done < p->total)
        snprintf(eta, sizeof eta, ", ETA %.0f s", el / p->work_done * (p->work_left > 0 ? p->work_left : 0));
    fprintf(stderr, "[%zu/%zu units] %s %s in %.1f s | %.0f s elapsed%s\n", p->done, p->total,
            u->id, what, secs, el, eta);
}

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

typedef struct worker {
    pid_t pid;
    pb_unit *u;
    double t0;
} worker;

/* Computes the units todo[0..n) with `jobs` worker processes, one fork per
 * unit; results come back as unit files.  Returns 0, or -1 when interrupted
 * (SIGINT/SIGTERM: the workers are stopped) or when fork fails. */
static int run_workers(pb_bat_runner *r, const planned *pl, pb_unit **todo, size_t n, int jobs,
                       unit_progress *prog, const char *start, char *err, size_t err_len)
{
    worker *w = calloc((size_t)jobs, sizeof *w);
    if (!w) {
        snprintf(err, err_len, "out of memory for %d workers", jobs);
        return -1;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    size_t next = 0;
    int running = 0, rc = 0;
    char dir[2100];
    units_dir(r, dir, sizeof dir);
    while (next < n || running > 0) {
        while (!stop_signal && rc == 0 && running < jobs && next < n) {
            pb_unit *u = todo[next++];
            char perr[512];
            /* loaded once here, shared copy-on-write by every worker; a
             * failure is met again, and reported, by the worker */
            pb_exp_preload(r, &u->first, perr, sizeof perr);
            fflush(stdout);
            fflush(stderr);
            pid_t parent = getpid();
            pid_t pid = fork();
            if (pid == 0) {
                /* a worker does not outlive its parent (kill -9 included):
                 * --resume redoes its unit */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                    _exit(4);
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                char cerr[1024];
                int crc = compute_unit(r, pl, u, cerr, sizeof cerr) == 0 ? 0 : 3;
                if (crc)
                    fprintf(stderr, "phasebench run: unit %s: %s\n", u->id, cerr);
                if (r->have_session)
                    pb_session_close(&r->session);
                fflush(stderr);
                fflush(stdout);
                _exit(crc);
            }
            if (pid < 0) {
                snprintf(err, err_len, "cannot start a worker process: %s", strerror(errno));
                rc = -1;
                break;
            }
            int slot = 0;
            while (w[slot].pid)
                slot++;
            w[slot] = (worker){pid, u, pb_now_s()};
            running++;
        }
        if (running == 0)
            break;
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno != EINTR)
                break;
            if (stop_signal)
                for (int k = 0; k < jobs; k++)
                    if (w[k].pid)
                        kill(w[k].pid, SIGTERM);
            continue;
        }
        int slot = 0;
        while (slot < jobs && w[slot].pid != pid)
            slot++;
        if (slot == jobs)
            continue;
        pb_unit *u = w[slot].u;
        double secs = pb_now_s() - w[slot].t0;
        w[slot].pid = 0;
        running--;
        char rerr[1024];
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            pb_unit_rec_free(&u->rec);
            if (pb_unit_rec_read(dir, u->id, &u->rec, rerr, sizeof rerr) == 0) {
                u->state = PB_UNIT_DONE;
                unit_finished(r, prog, u, secs, "done");
            } else {
                u->state = PB_UNIT_DEAD;
                snprintf(u->why, sizeof u->why, "its result could not be read back");
                fprintf(stderr, "phasebench run: %s\n", rerr);
            }
        } else if (!stop_signal) {
            u->state = PB_UNIT_DEAD;
            if (WIFSIGNALED(st))
                snprintf(u->why, sizeof u->why, "unit %s: its worker process died (signal %d)",
                         u->id, WTERMSIG(st));
            else
                snprintf(u->why, sizeof u->why, "unit %s: its worker process failed (exit %d)",
                         u->id, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            fprintf(stderr, "phasebench run: %s\n", u->why);
            unit_finished(r, prog, u, secs, "FAILED");
        }
        if (!stop_signal)
            write_manifest(r, start, "", "running");
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(w);
    if (stop_signal && rc == 0) {
        snprintf(err, err_len, "interrupted by signal %d: finished units are kept; continue with "
                 "`phasebench run --resume %s`", (int)stop_signal, r->opt->out_dir);
        rc = -1;
    }
    return rc;
}

static int online_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* --jobs 0: as many workers as the cores hold backends of the thread count
 * in use (ref: one thread each; blas: all cores, so one worker); a backend
 * that does not run on host threads (vulkan) gets one. */
static int resolve_jobs(const pb_bat_runner *r, size_t n_todo)
{
    int cores = online_cores();
    int j = r->opt->jobs;
    if (j <= 0)
        j = r->ident.threads > 0 ? (cores / r->ident.threads > 1 ? cores / r->ident.threads : 1) : 1;
    if ((size_t)j > n_todo)
        j = n_todo ? (int)n_todo : 1;
    return j;
}

/* Estimated work, descending; plan order among equals. */
static int by_work_desc(const void *a, const void *b)
{
    const pb_unit *x = *(const pb_unit *const *)a, *y = *(const pb_unit *const *)b;
    if (x->gflop != y->gflop)
        return x->gflop > y->gflop ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Computes the units of this run (or shard) that are not finished. */
static int compute_missing(pb_bat_runner *r, const planned *pl, const char *start, char *err,
                           size_t err_len)
{
    size_t n_todo = 0;
    unit_progress prog = {0, 0, 0.0, 0.0, pb_now_s()};
    pb_unit **todo = malloc((r->units.n ? r->units.n : 1) * sizeof *todo);
    if (!todo) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->units.n; i++) {
        pb_unit *u = &r->units.u[i];
        if (!in_my_shard(r, u))
            continue;
        prog.total++;
        if (u->state == PB_UNIT_DONE) {
            prog.done++;
        } else {
            todo[n_todo++] = u;
            prog.work_left += u->gflop;
        }
    }
    r->jobs = resolve_jobs(r, n_todo);
    int cores = online_cores();
    if (!r->opt->quiet) {
        fprintf(stderr, "phasebench run: %zu of %zu units to compute, %d job%s x %d backend "
                "thread%s on %d core%s\n", n_todo, prog.total, r->jobs, r->jobs == 1 ? "" : "s",
                r->ident.threads, r->ident.threads == 1 ? "" : "s", cores, cores == 1 ? "" : "s");
        if (r->jobs > 1 && r->jobs * r->ident.threads > cores)
            fprintf(stderr, "phasebench run: note: %d jobs x %d threads exceed the %d cores "
                    "(--threads sets the backend threads per job)\n", r->jobs, r->ident.threads,
                    cores);
    }
    int rc = 0;
    if (r->jobs <= 1) {
        for (size_t k = 0; k < n_todo && rc == 0; k++) {
            double t0 = pb_now_s();
            rc = compute_unit(r, pl, todo[k], err, err_len);
            if (rc == 0) {
                todo[k]->state = PB_UNIT_DONE;
                unit_finished(r, &prog, todo[k], pb_now_s() - t0, "done");
                write_manifest(r, start, "", "running");
            }
        }
    } else if (n_todo > 0) {
        /* the longest first, so that no long unit starts last */
        qsort(todo, n_todo, sizeof *todo, by_work_desc);
        /* No backend instance is held across fork (threads, devices): the
         * workers create their own from the plugins loaded here. */
        if (r->have_session && r->session.be) {
            r->session.plugin->vt->destroy(r->session.be);
            r->session.be = NULL;
        }
        rc = run_workers(r, pl, todo, n_todo, r->jobs, &prog, start, err, err_len);
    }
    free(todo);
    return rc;
}

/* The report: every experiment replayed over the units' results. */
static int report_pass(pb_bat_runner *r, const planned *pl, size_t n_pl, char *err, size_t err_len)
{
    const pb_run_options *o = r->opt;
    pb_run_summary *sum = r->sum;
    memset(sum, 0, sizeof *sum);
    r->runs_done = r->runs_failed = 0;
    r->pass = PB_PASS_REPORT;
    char path[2100];
    snprintf(path, sizeof path, "%s/runs.csv", o->out_dir);
    if (pb_table_open_columns(&r->runs, path, &r->runs_cols) != 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        return 2;
    }
    snprintf(path, sizeof path, "%s/claims.csv", o->out_dir);
    if (pb_table_open_columns(&r->claims, path, &pb_cols_claims) != 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < n_pl; i++) {
        pb_exp_ctx x;
        pb_exp_ctx_init(&x, r, pl[i].sec, pl[i].plugin->abi_minor);
        x.section = i;
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
    if (pb_table_close(&r->runs) != 0 || pb_table_close(&r->claims) != 0) {
        snprintf(err, err_len, "writing the reports in %s failed: %s", o->out_dir, strerror(errno));
        rc = 2;
    }
    if (r->inline_calls > 0)
        fprintf(stderr, "phasebench run: note: %d call(s) were outside the planned units and "
                "computed while writing the report\n", r->inline_calls);
    return rc;
}

int pb_battery_run(const pb_run_options *o, pb_run_summary *sum, char *err, size_t err_len)
{
    pb_bat_runner r;
    memset(&r, 0, sizeof r);
    memset(sum, 0, sizeof *sum);
    r.opt = o;
    r.sum = sum;
    r.t_start = pb_now_s();
    r.jobs = o->jobs;
    pb_registry exps = {0};
    exps.kind = &pb_experiment_kind;
    planned pl[64];
    size_t n_pl = 0;
    int rc = 2;
    char start[32];
    pb_utc_stamp(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ");

    if (pb_train_columns(&r.runs_cols, 1, err, err_len) != 0)
        goto out;
    if (o->shard_n && (o->shard_k < 1 || o->shard_k > o->shard_n)) {
        snprintf(err, err_len, "--shard %d/%d: K must be within 1..N", o->shard_k, o->shard_n);
        goto out;
    }
    if (pb_bat_read(o->battery_path, &r.bat, err, err_len) != 0)
        goto out;
    if (o->merge_battery_hash && strcmp(o->merge_battery_hash, r.bat.hash) != 0) {
        snprintf(err, err_len, "%s has changed since the run was planned (hash %s, the run's %s)",
                 r.bat.path, r.bat.hash, o->merge_battery_hash);
        goto out;
    }
    pb_registry_scan(&exps);
    if (plan_all(&r, &exps, pl, sizeof pl / sizeof *pl, &n_pl, err, err_len) != 0)
        goto out;
    if (!o->dry_run && !o->resume && !o->merging && check_out_dir(o->out_dir, err, err_len) != 0)
        goto out;
    discover_units(&r, pl, n_pl);
    if (o->shard_n && pb_units_assign_shards(&r.units, o->shard_n, NULL) != 0) {
        snprintf(err, err_len, "out of memory splitting the units into shards");
        goto out;
    }

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
        print_plan(&r, pl);
        rc = 0;
        goto out;
    }

    if (o->merging) {
        pb_strcpy_trunc(r.ident.backend, sizeof r.ident.backend, o->backend ? o->backend : "");
        pb_strcpy_trunc(r.ident.dtype, sizeof r.ident.dtype, pb_dtype_name(o->dtype));
        pb_strcpy_trunc(r.ident.features, sizeof r.ident.features,
                        o->merge_features ? o->merge_features : "");
        r.ident.threads = o->threads;
        r.ident.have = 1;
    } else if (pb_bat_need_session(&r, err, err_len) != 0) {
        goto out;
    }
    if (make_out_dir(o->out_dir, o->resume || o->merging, err, err_len) != 0)
        goto out;
    load_finished_units(&r);
    if (write_manifest(&r, start, "", "running") != 0) {
        snprintf(err, err_len, "cannot write %s/manifest.csv", o->out_dir);
        goto out;
    }
    if (!o->quiet)
        fprintf(stderr, "phasebench run: battery %s on %s/%s, %zu units of work (%lld runs at "
                "most)%s, into %s\n", r.bat.name, r.ident.backend, r.ident.dtype, r.units.n,
                (long long)r.runs_total, o->shard_n ? " split into shards" : "", o->out_dir);
    if (o->merging) {
        for (size_t i = 0; i < r.units.n; i++)
            if (r.units.u[i].state != PB_UNIT_DONE) {
                snprintf(err, err_len, "unit %s is in none of the shard folders", r.units.u[i].id);
                goto out;
            }
    } else if (compute_missing(&r, pl, start, err, err_len) != 0) {
        char end[32];
        pb_utc_stamp(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ");
        write_manifest(&r, start, end, "interrupted");
        goto out;
    }

    if (o->shard_n) {
        size_t dead = 0, mine = 0;
        for (size_t i = 0; i < r.units.n; i++)
            if (in_my_shard(&r, &r.units.u[i])) {
                mine++;
                dead += r.units.u[i].state != PB_UNIT_DONE;
            }
        char end[32];
        pb_utc_stamp(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ");
        rc = dead ? 1 : 0;
        if (write_manifest(&r, start, end, dead ? "interrupted" : "complete") != 0) {
            snprintf(err, err_len, "writing %s/manifest.csv failed", o->out_dir);
            rc = 2;
        }
        if (!o->quiet)
            fprintf(stderr, "phasebench run: shard %d/%d: %zu of %zu units finished in %.1f s in "
                    "%s%s\n", o->shard_k, o->shard_n, mine - dead, mine, pb_now_s() - r.t_start,
                    o->out_dir, dead ? "; rerun the failed ones with --resume" :
                    "; join the shards with `phasebench merge`");
        goto out;
    }

    rc = report_pass(&r, pl, n_pl, err, err_len);
    char end[32];
    pb_utc_stamp(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ");
    if (r.have_session) {
        /* counters such as Vulkan validation messages grow while it runs */
        pb_session_refresh(&r.session);
        pb_strcpy_trunc(r.ident.features, sizeof r.ident.features, r.session.features);
    }
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
        print_derived(&r, o->out_dir);
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
    pb_columns_free(&r.runs_cols);
    if (r.have_split)
        pb_split_free(&r.split);
    if (r.have_pool)
        pb_pool_free(&r.pool);
    pb_data_prints_free(&r.prints);
    if (r.have_session)
        pb_session_close(&r.session);
    pb_units_free(&r.units);
    pb_registry_free(&exps);
    pb_bat_free(&r.bat);
    return rc;
}
