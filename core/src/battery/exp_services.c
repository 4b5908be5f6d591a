#include "exp_ctx.h"

#include "activation.h"
#include "kernel_machine.h"
#include "strutil.h"
#include "suggest.h"
#include "sysutil.h"
#include "tables.h"
#include "train.h"
#include "train_params.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pb_exp_fail(pb_exp_ctx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!x->failed) /* the first error is the cause; keep it */
        vsnprintf(x->error, sizeof x->error, fmt, ap);
    va_end(ap);
    x->failed = 1;
}

void pb_exp_ctx_init(pb_exp_ctx *x, pb_bat_runner *run, const pb_bat_section *sec,
                     unsigned abi_minor)
{
    memset(x, 0, sizeof *x);
    x->abi_minor = abi_minor;
    x->run = run;
    x->sec = sec;
    x->name = sec->name;
    pb_row_init(&x->row);
}

void pb_exp_ctx_free(pb_exp_ctx *x)
{
    for (size_t i = 0; i < x->n_lists; i++)
        free(x->lists[i]);
    pb_row_free(&x->row);
    free(x->test_out);
    free(x->test_y);
    free(x->km_out);
    x->n_lists = 0;
    x->test_out = x->test_y = x->km_out = NULL;
}

static void mark_read(pb_exp_ctx *x, const char *key)
{
    size_t a = 0;
    while (a < x->n_asked && strcmp(x->asked[a], key) != 0)
        a++;
    if (a == x->n_asked && x->n_asked < sizeof x->asked / sizeof *x->asked)
        x->asked[x->n_asked++] = key;
    for (size_t i = 0; i < x->n_accessed; i++)
        if (strcmp(x->accessed[i], key) == 0)
            return;
    const pb_bat_entry *e = pb_bat_get(x->sec, key);
    if (e && x->n_accessed < sizeof x->accessed / sizeof *x->accessed)
        x->accessed[x->n_accessed++] = e->key; /* lives as long as the battery */
}

int pb_exp_check_unread(pb_exp_ctx *x, char *err, size_t err_len)
{
    for (size_t i = 0; i < x->sec->n_entries; i++) {
        const pb_bat_entry *e = &x->sec->entries[i];
        size_t k = 0;
        while (k < x->n_accessed && strcmp(x->accessed[k], e->key) != 0)
            k++;
        if (k == x->n_accessed) {
            const char *cand[256 + 1];
            size_t n = 0;
            for (size_t a = 0; a < x->n_asked; a++)
                cand[n++] = x->asked[a];
            cand[n] = NULL;
            const char *near = pb_closest_word(e->key, cand);
            char hint[128] = " (a typo?)";
            if (near)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
            snprintf(err, err_len, "%s:%d: unknown key '%s': experiment '%s' does not use it%s",
                     e->path, e->line, e->key, x->name, hint);
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- keys */

static int svc_get_string(pb_exp_ctx *x, const char *key, const char *def, const char **out)
{
    char err[512];
    mark_read(x, key);
    *out = def;
    return pb_bat_get_string(x->sec, key, out, err, sizeof err) == PB_BAT_OK ? 0 : 1;
}

static int svc_get_double(pb_exp_ctx *x, const char *key, double def, double min, double max,
                          double *out)
{
    char err[512];
    mark_read(x, key);
    *out = def;
    int st = pb_bat_get_double(x->sec, key, min, max, out, err, sizeof err);
    if (st == PB_BAT_ERROR) {
        pb_exp_fail(x, "%s", err);
        return -1;
    }
    return st == PB_BAT_OK ? 0 : 1;
}

static int svc_get_int(pb_exp_ctx *x, const char *key, int64_t def, int64_t min, int64_t max,
                       int64_t *out)
{
    char err[512];
    mark_read(x, key);
    *out = def;
    int st = pb_bat_get_int(x->sec, key, min, max, out, err, sizeof err);
    if (st == PB_BAT_ERROR) {
        pb_exp_fail(x, "%s", err);
        return -1;
    }
    return st == PB_BAT_OK ? 0 : 1;
}

static int svc_get_list(pb_exp_ctx *x, const char *key, const double **out, size_t *n)
{
    char err[512];
    mark_read(x, key);
    *out = NULL;
    *n = 0;
    double *v = NULL;
    int st = pb_bat_get_double_list(x->sec, key, &v, n, err, sizeof err);
    if (st == PB_BAT_ERROR) {
        pb_exp_fail(x, "%s", err);
        return -1;
    }
    if (st == PB_BAT_MISSING)
        return 1;
    const pb_param *p = pb_param_by_key(key);
    if (p) {
        /* A training key the experiment varies: every value must be one the
         * key accepts, exactly as a single value would be checked. */
        size_t pi = (size_t)(p - pb_params);
        const pb_bat_entry *e = pb_bat_get(x->sec, key);
        for (size_t i = 0; i < *n; i++) {
            if (pb_param_check_number(p, v[i], err, sizeof err) != 0) {
                pb_exp_fail(x, "%s:%d: key '%s': value %zu of the list: %s", e->path, e->line, key,
                            i + 1, err);
                free(v);
                return -1;
            }
            if (x->listed[pi] == 0 || v[i] > x->list_max[pi])
                x->list_max[pi] = v[i];
        }
        x->listed[pi] = 2;
    }
    if (x->n_lists == sizeof x->lists / sizeof *x->lists) {
        free(v);
        pb_exp_fail(x, "experiment '%s' asked for too many lists", x->name);
        return -1;
    }
    x->lists[x->n_lists++] = v;
    *out = v;
    return 0;
}

static void svc_error(pb_exp_ctx *x, const char *message)
{
    pb_exp_fail(x, "%s", message);
}

static void svc_log(pb_exp_ctx *x, const char *message)
{
    /* the other passes see placeholder results: their lines would mislead */
    if (!x->run->opt->quiet && x->run->pass == PB_PASS_REPORT)
        fprintf(stderr, "[%s] %s\n", x->name, message);
}

/* ------------------------------------------------------------ training */

static int is_synthetic(const char *spec);

/* A value with a comma or a range is a list: only an experiment that varies
 * the key may take it (it reads it with get_list). */
static int is_list(const char *v) { return strchr(v, ',') || strstr(v, ".."); }

/* run_defaults into the core's own (full) spec; svc_run_defaults hands it over. */
static void defaults_full(pb_exp_ctx *x, pb_run_spec *s)
{
    pb_train_config c;
    pb_train_config_default(&c);
    for (size_t i = 0; i < pb_n_params; i++) {
        const pb_param *p = &pb_params[i];
        if (!p->key)
            continue;
        mark_read(x, p->key);
        const pb_bat_entry *e = pb_bat_get(x->sec, p->key);
        if (!e)
            continue;
        if (is_list(e->value) && p->type != PB_PARAM_STR && p->type != PB_PARAM_ENUM) {
            if (x->listed[i] == 0)
                x->listed[i] = 1;
            continue;
        }
        char why[512];
        if (pb_param_set(p, &c, e->value, why, sizeof why) != 0)
            pb_exp_fail(x, "%s:%d: key '%s': %s", e->path, e->line, p->key, why);
    }
    x->base = c;
    x->have_base = 1;
    memset(s, 0, sizeof *s);
    s->struct_size = sizeof *s;
    pb_params_to_spec(&c, s);
    /* --scale stretches the budgets */
    s->max_steps = (int64_t)ceil((double)c.max_steps * x->run->opt->scale);
    s->max_time = c.max_time * x->run->opt->scale;
}

/* The line to blame for a data problem: the key's own line, else the
 * section header. */
static void blame(const pb_exp_ctx *x, const char *key, const char **path, int *line)
{
    const pb_bat_entry *e = pb_bat_get(x->sec, key);
    *path = e ? e->path : x->sec->path;
    *line = e ? e->line : x->sec->line;
}

int pb_exp_check_plan(pb_exp_ctx *x, char *err, size_t err_len)
{
    for (size_t i = 0; i < pb_n_params; i++) {
        if (x->listed[i] != 1)
            continue;
        const pb_bat_entry *e = pb_bat_get(x->sec, pb_params[i].key);
        snprintf(err, err_len,
                 "%s:%d: key '%s' = %s: experiment '%s' does not vary %s, so it takes one "
                 "value, not a list",
                 e->path, e->line, e->key, e->value, x->name, e->key);
        return -1;
    }
    if (!x->have_base)
        return 0;
    /* The largest of each size the experiment may ask for. */
    pb_train_config c = x->base;
    size_t *sizes[4] = {&c.d, &c.ptr, &c.pte, &c.ptk};
    const char *keys[4] = {"d", "ptr", "pte", "ptk"};
    for (size_t k = 0; k < 4; k++) {
        const pb_param *p = pb_param_by_key(keys[k]);
        size_t pi = (size_t)(p - pb_params);
        if (x->listed[pi] == 2)
            *sizes[k] = (size_t)x->list_max[pi];
    }
    char why[1024];
    const char *path;
    int line;
    /* Dataset alone, then with d, then with the sizes: the first failure
     * says which key to blame. */
    const char *key = "dataset";
    int synthetic = is_synthetic(c.dataset);
    int rc = pb_data_check(c.dataset, synthetic ? 1 : 0, 0, why, sizeof why);
    if (rc == 0) {
        key = "d";
        rc = pb_data_check(c.dataset, c.d, 0, why, sizeof why);
    }
    if (rc == 0) {
        key = "ptr";
        rc = pb_data_check(c.dataset, c.d, c.ptr + c.pte + c.ptk, why, sizeof why);
    }
    if (rc == 0)
        return 0;
    blame(x, key, &path, &line);
    snprintf(err, err_len, "%s:%d: [experiment %s]: %s", path, line, x->name, why);
    return -1;
}

/* pb_run_spec (public, strings) -> pb_train_config (internal, enums). */
static int spec_to_config(const pb_run_spec *s, pb_train_config *c, char *err, size_t err_len)
{
    pb_train_config_default(c);
    /* only the members the plugin's struct_size covers (ABI 1.0 has no
     * margin_tol): the others keep their default */
    if (pb_params_from_spec(s, c, err, err_len) != 0)
        return -1;
    c->compute_ntk = s->want_ntk;
    c->keep_test_outputs = s->want_test_outputs;
    return 0;
}

static int is_synthetic(const char *spec)
{
    return !strcmp(spec, "random") || !strcmp(spec, "stripe") || !strcmp(spec, "sphere");
}

/* The split of a config, loading the pool only when it changed. */
static const pb_split *get_split(pb_bat_runner *r, const pb_train_config *c, char *err,
                                 size_t err_len)
{
    size_t n = c->ptr + c->pte + c->ptk;
    char pkey[512], skey[640];
    if (is_synthetic(c->dataset))
        snprintf(pkey, sizeof pkey, "%s|%zu|%zu|%llu", c->dataset, c->d, n,
                 (unsigned long long)c->seed_data);
    else
        snprintf(pkey, sizeof pkey, "%s|%zu", c->dataset, c->d);
    if (!r->have_pool || strcmp(pkey, r->pool_key) != 0) {
        if (r->have_split)
            pb_split_free(&r->split);
        if (r->have_pool)
            pb_pool_free(&r->pool);
        r->have_split = r->have_pool = 0;
        if (pb_pool_load(c->dataset, c->d, n, c->seed_data, &r->pool, err, err_len) != 0)
            return NULL;
        r->have_pool = 1;
        pb_strcpy_trunc(r->pool_key, sizeof r->pool_key, pkey);
    }
    snprintf(skey, sizeof skey, "%s|%zu|%zu|%zu|%llu", pkey, c->ptr, c->pte, c->ptk,
             (unsigned long long)c->seed_data);
    if (!r->have_split || strcmp(skey, r->split_key) != 0) {
        if (r->have_split)
            pb_split_free(&r->split);
        r->have_split = 0;
        if (pb_split_make(&r->pool, c->ptr, c->pte, c->ptk, c->seed_data, &r->split, err,
                          err_len) != 0)
            return NULL;
        r->have_split = 1;
        pb_strcpy_trunc(r->split_key, sizeof r->split_key, skey);
        pb_split_fingerprint(&r->split, r->split_fp);
    }
    return &r->split;
}

/* The discovery pass, which sees every call the plan holds before any is
 * computed, records the fingerprint of every split they use (platform.h):
 * the manifest's data_fingerprint is then the same for --jobs, for every
 * shard of a battery (so merge can compare them), for a resumed run and for
 * the merged report.  Data that cannot be loaded here leave no fingerprint
 * (the manifest's data_splits says how many were taken); a dry run loads
 * nothing. */
static void note_data(pb_bat_runner *r, const pb_run_spec *s)
{
    if (r->pass != PB_PASS_DISCOVER || r->opt->dry_run)
        return;
    pb_train_config c;
    char err[1024];
    if (spec_to_config(s, &c, err, sizeof err) != 0 || !get_split(r, &c, err, sizeof err))
        return;
    pb_data_prints_add(&r->prints, r->split_fp);
}

/* One line per computed call: which unit, which run. */
static void progress(pb_exp_ctx *x, const char *what, const pb_run_spec *s, const pb_unit *u)
{
    pb_bat_runner *r = x->run;
    if (r->opt->quiet)
        return;
    if (u)
        fprintf(stderr, "  unit %zu/%zu %s: %s h=%zu alpha=%g seed=%llu\n",
                (size_t)(u - r->units.u) + 1, r->units.n, u->id, what, s->h, s->alpha,
                (unsigned long long)s->seed_init);
    else
        fprintf(stderr, "  (outside the plan) %s %s h=%zu alpha=%g seed=%llu\n", x->name, what,
                s->h, s->alpha, (unsigned long long)s->seed_init);
}

static int copy_outputs(double **dst, const double *src, size_t n, double scale)
{
    free(*dst);
    *dst = malloc((n ? n : 1) * sizeof **dst);
    if (!*dst)
        return -1;
    for (size_t i = 0; i < n; i++)
        (*dst)[i] = scale * src[i];
    return 0;
}

int pb_exp_preload(pb_bat_runner *r, const pb_run_spec *spec, char *err, size_t err_len)
{
    pb_train_config c;
    if (spec_to_config(spec, &c, err, err_len) != 0)
        return -1;
    return get_split(r, &c, err, err_len) ? 0 : -1;
}

/* The unit a call belongs to: the one the plugin declared, else the call's
 * own.  The discovery pass adds it to the plan and adds up its work. */
static pb_unit *unit_of(pb_exp_ctx *x, pb_call_kind kind, const char *role, const pb_run_spec *s,
                        const char *key)
{
    pb_bat_runner *r = x->run;
    char declared[200];
    const char *dp = NULL;
    if (x->unit_key[0]) {
        snprintf(declared, sizeof declared, "%.60s-%.130s", x->name, x->unit_key);
        dp = declared;
    }
    pb_unit *u = pb_units_find(&r->units, x->section, dp, key);
    if (!u && r->pass == PB_PASS_DISCOVER) {
        char desc[200];
        if (dp)
            snprintf(desc, sizeof desc, "%s", dp);
        else
            snprintf(desc, sizeof desc, "%s-%s-h%zu-a%g-s%llu", x->name,
                     kind == PB_CALL_TRAIN ? role : "km", s->h, s->alpha,
                     (unsigned long long)s->seed_init);
        u = pb_units_add(&r->units, x->section, dp, key, desc, s);
        if (!u)
            pb_exp_fail(x, "out of memory planning the units");
    }
    if (u && r->pass == PB_PASS_DISCOVER)
        u->weight += pb_units_call_weight(kind, s);
    return u;
}

/* A work pass has nothing left to do once the plugin, having made the
 * target unit's calls, asks for another unit: the experiment is stopped
 * there (its rows are not written anyway), which spares a plan of thousands
 * of units a walk through every later call for every unit. */
static int work_pass_over(pb_exp_ctx *x, const pb_unit *u)
{
    pb_bat_runner *r = x->run;
    if (r->pass != PB_PASS_WORK)
        return 0;
    if (u == r->target) {
        x->target_seen = 1;
        return 0;
    }
    if (!x->target_seen)
        return 0;
    pb_exp_fail(x, "unit %s computed", r->target->id);
    return 1;
}

/* What the discovery and work passes hand back for a call they do not
 * compute: a plausible converged run, so that the plugin walks every branch
 * that follows a successful run (and asks for every unit).  Nothing derived
 * from it is written anywhere. */
static int placeholder_run(pb_exp_ctx *x, const pb_run_spec *s, pb_run_result *res)
{
    double d = s->d ? (double)s->d : 1.0, h = (double)s->h, L = (double)s->L;
    res->ok = 1;
    pb_strcpy_trunc(res->stop_reason, sizeof res->stop_reason, "converged");
    res->N = (size_t)(d * h + (L - 1.0) * h * h + h);
    res->steps = 1;
    res->t = 1.0;
    res->train_min_margin = s->loss_margin;
    res->test_err = 0.5;
    res->test_loss = 1.0;
    res->w_norm = 1.0;
    res->dw_norm = res->dw_rel = 0.01;
    res->out_norm = 1.0;
    res->ntk_r = s->want_ntk ? 0.01 : NAN;
    if (s->want_test_outputs && x->placeholder_n == s->pte && x->test_out && x->test_y) {
        res->n_test = s->pte; /* the same zeros and labels as last time */
        res->test_out = x->test_out;
        res->test_y = x->test_y;
    } else if (s->want_test_outputs) {
        size_t n = s->pte;
        x->placeholder_n = n;
        free(x->test_out);
        free(x->test_y);
        x->test_out = calloc(n ? n : 1, sizeof *x->test_out);
        x->test_y = malloc((n ? n : 1) * sizeof *x->test_y);
        if (!x->test_out || !x->test_y) {
            pb_exp_fail(x, "out of memory for test outputs");
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            x->test_y[i] = (i % 2) ? -1.0 : 1.0;
        res->n_test = n;
        res->test_out = x->test_out;
        res->test_y = x->test_y;
    }
    return 0;
}

/* Trains one net; fills the runs.csv row and the result handed back. */
static int train_now(pb_exp_ctx *x, const pb_run_spec *s, const char *role, const char *dead,
                     pb_row *row, pb_run_result *res)
{
    pb_bat_runner *r = x->run;
    pb_train_config c;
    pb_train_result tr;
    memset(&tr, 0, sizeof tr);
    const pb_split *split = NULL;
    char err[512] = "";
    int cfg_ok = spec_to_config(s, &c, err, sizeof err) == 0 &&
                 pb_train_config_check(&c, err, sizeof err) == 0;
    if (dead)
        snprintf(err, sizeof err, "%s", dead);
    else if (cfg_ok && pb_bat_need_session(r, err, sizeof err) == 0)
        split = get_split(r, &c, err, sizeof err);
    if (split) {
        c.d = split->train.d;
        pb_train_run(&c, split, r->session.plugin->vt, r->session.be, &r->session.info, NULL, &tr);
    } else {
        snprintf(tr.error, sizeof tr.error, "%s", err);
        tr.ok = 0;
    }
    pb_backend_info info = {r->ident.backend, r->ident.dtype, r->ident.features, r->ident.threads};
    pb_row_str(row, "experiment", x->name);
    pb_row_str(row, "role", role);
    pb_train_row(&c, &info, &tr, row);

    res->ok = tr.ok;
    pb_strcpy_trunc(res->error, sizeof res->error, tr.error);
    pb_strcpy_trunc(res->stop_reason, sizeof res->stop_reason,
                    tr.ok ? pb_stop_name(tr.stop) : "error");
    res->N = tr.n_params;
    if (!tr.ok) {
        pb_train_result_free(&tr);
        return 0;
    }
    res->steps = tr.flow.step;
    res->t = tr.flow.t;
    res->train_loss = tr.train.loss;
    res->train_err = tr.train_err;
    res->train_nd = tr.stop == PB_STOP_NAN ? -1 : tr.train.n_unsat;
    res->train_nd_tol = tr.stop == PB_STOP_NAN ? -1 : tr.train_nd_tol;
    res->has_half = tr.flow.mark_reached;
    res->half_steps = tr.flow.mark_reached ? c.max_steps / 2 : 0;
    res->half_train_loss = tr.flow.mark_reached ? tr.flow.mark_stats.loss : NAN;
    res->half_train_nd = tr.flow.mark_reached ? tr.flow.mark_stats.n_unsat : -1;
    res->train_min_margin = tr.train.min_margin;
    res->test_err = tr.test_err;
    res->test_loss = tr.test.loss;
    res->w_norm = tr.w_norm;
    res->dw_norm = tr.dw_norm;
    res->dw_rel = tr.dw_norm / tr.w0_norm;
    res->out_norm = tr.test_out_rms;
    res->ntk_r = tr.ntk_r;
    if (tr.test_out) {
        x->placeholder_n = (size_t)-1;
        if (copy_outputs(&x->test_out, tr.test_out, c.pte, c.alpha) != 0 ||
            copy_outputs(&x->test_y, split->test.y, c.pte, 1.0) != 0) {
            pb_exp_fail(x, "out of memory for test outputs");
            pb_train_result_free(&tr);
            return -1;
        }
        res->n_test = c.pte;
        res->test_out = x->test_out;
        res->test_y = x->test_y;
    }
    pb_train_result_free(&tr);
    return 0;
}

static void count_run(pb_bat_runner *r, const pb_run_result *res)
{
    r->runs_done++;
    r->sum->runs++;
    if (!res->ok) {
        r->runs_failed++;
        r->sum->failed_runs++;
    }
}

/* svc->train on the core's own (full) structs; svc_train does the handoff. */
static int train_full(pb_exp_ctx *x, const pb_run_spec *s, const char *role, pb_run_result *res)
{
    pb_bat_runner *r = x->run;
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
    res->ntk_r = NAN;
    if (x->planning) {
        pb_exp_fail(x, "training requested during planning");
        return -1;
    }
    char key[1536];
    if (pb_unit_call_key(key, sizeof key, PB_CALL_TRAIN, x->name, role, s) != 0) {
        pb_exp_fail(x, "run spec too long to key (dataset name?)");
        return -1;
    }
    pb_unit *u = unit_of(x, PB_CALL_TRAIN, role, s, key);
    if (x->failed && r->pass == PB_PASS_DISCOVER)
        return -1;
    note_data(r, s);
    if (work_pass_over(x, u))
        return -1;
    if (r->pass == PB_PASS_DISCOVER || (r->pass == PB_PASS_WORK && u != r->target))
        return placeholder_run(x, s, res);

    const pb_call_rec *rec = u ? pb_unit_rec_find(&u->rec, PB_CALL_TRAIN, key) : NULL;
    pb_row fresh;
    pb_row_init_columns(&fresh, &r->runs_cols);
    const pb_row *row = &fresh;
    if (rec) {
        /* recorded: the row and the result as they were computed */
        *res = rec->res;
        row = &rec->row;
    } else {
        progress(x, role, s, u);
        const char *dead = u && u->state == PB_UNIT_DEAD ? u->why : NULL;
        if (!u && r->pass == PB_PASS_REPORT)
            r->inline_calls++;
        if (train_now(x, s, role, dead, &fresh, res) != 0) {
            pb_row_free(&fresh);
            return -1;
        }
        if (r->pass == PB_PASS_WORK) {
            if (pb_unit_rec_add_train(&u->rec, key, &fresh, res, res->test_out, res->test_y,
                                      res->test_out ? res->n_test : 0) != 0) {
                pb_row_free(&fresh);
                pb_exp_fail(x, "out of memory recording unit %s", u->id);
                return -1;
            }
            const pb_call_rec *c = &u->rec.calls[u->rec.n - 1];
            res->test_out = c->out;
            res->test_y = c->y;
        }
    }
    int rc = 0;
    if (r->pass == PB_PASS_REPORT) {
        char werr[512];
        if (pb_table_write(&r->runs, row, werr, sizeof werr) != 0) {
            pb_exp_fail(x, "%s", werr);
            rc = -1;
        }
        count_run(r, res);
    }
    pb_row_free(&fresh);
    return rc;
}

static int km_now(pb_exp_ctx *x, const pb_run_spec *s, const char *dead, pb_km_result *res)
{
    pb_bat_runner *r = x->run;
    pb_train_config c;
    char err[512] = "";
    const pb_split *split = NULL;
    if (dead)
        snprintf(err, sizeof err, "%s", dead);
    else if (spec_to_config(s, &c, err, sizeof err) == 0 &&
             pb_bat_need_session(r, err, sizeof err) == 0)
        split = get_split(r, &c, err, sizeof err);
    if (!split) {
        pb_strcpy_trunc(res->error, sizeof res->error, err);
        pb_strcpy_trunc(res->stop_reason, sizeof res->stop_reason, "error");
        return 0;
    }
    pb_km_run km;
    pb_kernel_machine_run(&c, split, r->session.plugin->vt, r->session.be, &km);
    res->ok = km.ok;
    pb_strcpy_trunc(res->error, sizeof res->error, km.error);
    pb_strcpy_trunc(res->stop_reason, sizeof res->stop_reason,
                    km.ok ? pb_stop_name(km.stop) : "error");
    if (km.ok) {
        res->steps = km.flow.step;
        res->t = km.flow.t;
        res->train_err = km.train_err;
        res->train_nd = km.train_nd;
        res->test_err = km.test_err;
        if (copy_outputs(&x->km_out, km.test_out, split->test.n, 1.0) != 0) {
            pb_km_run_free(&km);
            pb_exp_fail(x, "out of memory for test outputs");
            return -1;
        }
        res->n_test = split->test.n;
        res->test_out = x->km_out;
    }
    pb_km_run_free(&km);
    return 0;
}

/* svc->kernel_machine on the core's own (full) structs; svc_kernel_machine
 * does the handoff. */
static int km_full(pb_exp_ctx *x, const pb_run_spec *s, pb_km_result *res)
{
    pb_bat_runner *r = x->run;
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
    if (x->planning) {
        pb_exp_fail(x, "kernel machine requested during planning");
        return -1;
    }
    char key[1536];
    if (pb_unit_call_key(key, sizeof key, PB_CALL_KM, x->name, "", s) != 0) {
        pb_exp_fail(x, "run spec too long to key (dataset name?)");
        return -1;
    }
    pb_unit *u = unit_of(x, PB_CALL_KM, "", s, key);
    if (x->failed && r->pass == PB_PASS_DISCOVER)
        return -1;
    note_data(r, s);
    if (work_pass_over(x, u))
        return -1;
    if (r->pass == PB_PASS_DISCOVER || (r->pass == PB_PASS_WORK && u != r->target)) {
        /* a machine that converged, with outputs of the right length */
        res->ok = 1;
        pb_strcpy_trunc(res->stop_reason, sizeof res->stop_reason, "converged");
        res->test_err = 0.5;
        free(x->km_out);
        x->km_out = calloc(s->pte ? s->pte : 1, sizeof *x->km_out);
        if (!x->km_out) {
            pb_exp_fail(x, "out of memory for test outputs");
            return -1;
        }
        res->n_test = s->pte;
        res->test_out = x->km_out;
        return 0;
    }
    const pb_call_rec *rec = u ? pb_unit_rec_find(&u->rec, PB_CALL_KM, key) : NULL;
    if (rec) {
        *res = rec->km;
    } else {
        progress(x, "kernel_machine", s, u);
        if (!u && r->pass == PB_PASS_REPORT)
            r->inline_calls++;
        if (km_now(x, s, u && u->state == PB_UNIT_DEAD ? u->why : NULL, res) != 0)
            return -1;
        if (r->pass == PB_PASS_WORK) {
            if (pb_unit_rec_add_km(&u->rec, key, res, res->test_out, res->test_out ? res->n_test : 0) != 0) {
                pb_exp_fail(x, "out of memory recording unit %s", u->id);
                return -1;
            }
            res->test_out = u->rec.calls[u->rec.n - 1].out;
        }
    }
    if (r->pass == PB_PASS_REPORT)
        r->runs_done++;
    return 0;
}

/* ------------------------------------------- struct_size at the ABI edge
 *
 * The plugin is the caller of run_defaults, train and kernel_machine: the
 * core reads from its spec and writes into its results no byte beyond the
 * size the plugin declared (experiment.h, docs/architecture.md section 6.3).
 * Inside, the core works on full structs of its own; these functions copy
 * in and out at the edge. */

/* The sizes of ABI 1.0 and 1.1 (1.1 appended margin_tol to the spec and
 * five members to the run result; 1.2 changed none of them). */
#define SPEC_SIZE_1_0 offsetof(pb_run_spec, margin_tol)
#define SPEC_SIZE_1_1 (offsetof(pb_run_spec, margin_tol) + sizeof(double))
#define RES_SIZE_1_0 offsetof(pb_run_result, train_nd_tol)
#define RES_SIZE_1_1 (offsetof(pb_run_result, half_train_nd) + sizeof(int64_t))
#define KM_SIZE_1_0 (offsetof(pb_km_result, test_out) + sizeof(const double *))

/* The size of the plugin's struct: the struct_size it set (ABI 1.2 on), or
 * for a plugin of ABI 1.0 or 1.1, whose contract had the core fill
 * struct_size, the size of the minor version it declared.  0 after
 * pb_exp_fail when the struct is missing or shorter than ABI 1.0's. */
static size_t plugin_size(pb_exp_ctx *x, const char *type, const void *p, size_t v1_0,
                          size_t v1_1)
{
    if (!p) {
        pb_exp_fail(x, "experiment '%s' passed no %s", x->name, type);
        return 0;
    }
    if (x->abi_minor < 2)
        return x->abi_minor == 0 ? v1_0 : v1_1;
    uint32_t set;
    memcpy(&set, p, sizeof set);
    if (set < v1_0) {
        pb_exp_fail(x,
                    "experiment '%s': %s.struct_size is %u, below ABI 1.0's %zu (the plugin "
                    "must set it to sizeof(%s) before the call)",
                    x->name, type, (unsigned)set, v1_0, type);
        return 0;
    }
    return set;
}

/* Copy the members both sides know from the core's full struct `src` into
 * the plugin's struct of `n` bytes.  struct_size stays the plugin's; for a
 * plugin of ABI 1.0 or 1.1 the core writes it, as those versions said. */
static void give(const pb_exp_ctx *x, void *dst, size_t n, const void *src, size_t src_size)
{
    size_t k = n < src_size ? n : src_size;
    memcpy((char *)dst + sizeof(uint32_t), (const char *)src + sizeof(uint32_t),
           k - sizeof(uint32_t));
    if (x->abi_minor < 2) {
        uint32_t size = (uint32_t)n;
        memcpy(dst, &size, sizeof size);
    }
}

/* The plugin's spec as a full spec of the core: the members it does not
 * have are zero (margin_tol 0: strict, as in ABI 1.0) and struct_size says
 * how much came from the plugin. */
static int spec_in(pb_exp_ctx *x, const pb_run_spec *ps, pb_run_spec *s)
{
    size_t n = plugin_size(x, "pb_run_spec", ps, SPEC_SIZE_1_0, SPEC_SIZE_1_1);
    if (!n)
        return -1;
    memset(s, 0, sizeof *s);
    memcpy(s, ps, n < sizeof *s ? n : sizeof *s);
    s->struct_size = (uint32_t)(n < sizeof *s ? n : sizeof *s);
    return 0;
}

static void svc_run_defaults(pb_exp_ctx *x, pb_run_spec *ps)
{
    size_t n = plugin_size(x, "pb_run_spec", ps, SPEC_SIZE_1_0, SPEC_SIZE_1_1);
    if (!n)
        return;
    pb_run_spec s;
    defaults_full(x, &s);
    give(x, ps, n, &s, sizeof s);
}

static int svc_train(pb_exp_ctx *x, const pb_run_spec *ps, const char *role, pb_run_result *pres)
{
    pb_run_spec s;
    size_t n = plugin_size(x, "pb_run_result", pres, RES_SIZE_1_0, RES_SIZE_1_1);
    if (!n || spec_in(x, ps, &s) != 0)
        return -1;
    pb_run_result res;
    int rc = train_full(x, &s, role, &res);
    give(x, pres, n, &res, sizeof res);
    return rc;
}

static int svc_kernel_machine(pb_exp_ctx *x, const pb_run_spec *ps, pb_km_result *pres)
{
    pb_run_spec s;
    size_t n = plugin_size(x, "pb_km_result", pres, KM_SIZE_1_0, KM_SIZE_1_0);
    if (!n || spec_in(x, ps, &s) != 0)
        return -1;
    pb_km_result res;
    int rc = km_full(x, &s, &res);
    give(x, pres, n, &res, sizeof res);
    return rc;
}

/* svc->unit: the calls until the next svc->unit belong together. */
static int svc_unit(pb_exp_ctx *x, const char *key)
{
    if (!key || !*key) {
        x->unit_key[0] = '\0';
        return 0;
    }
    if (strlen(key) > 130) {
        pb_exp_fail(x, "unit key '%.60s...' is too long", key);
        return -1;
    }
    pb_strcpy_trunc(x->unit_key, sizeof x->unit_key, key);
    return 0;
}

/* -------------------------------------------------------------- tables */

static void svc_cell_str(pb_exp_ctx *x, const char *col, const char *v)
{
    pb_row_str(&x->row, col, v);
}
static void svc_cell_int(pb_exp_ctx *x, const char *col, int64_t v)
{
    pb_row_int(&x->row, col, v);
}
static void svc_cell_dbl(pb_exp_ctx *x, const char *col, double v)
{
    pb_row_dbl(&x->row, col, v);
}
static void svc_cell_empty(pb_exp_ctx *x, const char *col)
{
    pb_row_empty(&x->row, col);
}

static int svc_row_end(pb_exp_ctx *x)
{
    char err[512];
    int rc = 0;
    if (x->run->pass != PB_PASS_REPORT) {
        pb_row_free(&x->row);
        pb_row_init(&x->row);
        return 0;
    }
    if (!x->table.f) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s.csv", x->run->opt->out_dir, x->name);
        if (pb_table_open(&x->table, path) != 0) {
            pb_exp_fail(x, "cannot write %s: %s", path, strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0 && pb_table_write(&x->table, &x->row, err, sizeof err) != 0) {
        pb_exp_fail(x, "%s", err);
        rc = -1;
    }
    pb_row_free(&x->row);
    pb_row_init(&x->row);
    return rc;
}

static const char *verdict_name(pb_verdict v)
{
    return v == PB_VERDICT_PASS ? "pass" : v == PB_VERDICT_FAIL ? "fail" : "not-judged";
}

static int svc_claim(pb_exp_ctx *x, const char *claim, double measured, const char *expected,
                     const char *tolerance, pb_verdict verdict, const char *detail)
{
    pb_run_summary *sum = x->run->sum;
    if (x->run->pass != PB_PASS_REPORT)
        return 0;
    pb_row row;
    pb_row_init_columns(&row, &pb_cols_claims);
    pb_row_str(&row, "claim", claim);
    pb_row_str(&row, "experiment", x->name);
    if (!isnan(measured)) /* nothing measured: the cell stays empty */
        pb_row_dbl(&row, "measured", measured);
    pb_row_str(&row, "expected", expected);
    pb_row_str(&row, "tolerance", tolerance);
    pb_row_str(&row, "verdict", verdict_name(verdict));
    pb_row_str(&row, "detail", detail ? detail : "");
    char err[512];
    int rc = pb_table_write(&x->run->claims, &row, err, sizeof err);
    pb_row_free(&row);
    if (rc != 0) {
        pb_exp_fail(x, "%s", err);
        return -1;
    }
    if (verdict == PB_VERDICT_PASS)
        sum->claims_pass++;
    else if (verdict == PB_VERDICT_FAIL)
        sum->claims_fail++;
    else
        sum->claims_not_judged++;
    return 0;
}

static double svc_scale(pb_exp_ctx *x)
{
    return x->run->opt->scale;
}

const pb_services pb_exp_services = {
    .struct_size = sizeof(pb_services),
    .get_string = svc_get_string,
    .get_double = svc_get_double,
    .get_int = svc_get_int,
    .get_list = svc_get_list,
    .error = svc_error,
    .log = svc_log,
    .run_defaults = svc_run_defaults,
    .train = svc_train,
    .kernel_machine = svc_kernel_machine,
    .cell_str = svc_cell_str,
    .cell_int = svc_cell_int,
    .cell_dbl = svc_cell_dbl,
    .cell_empty = svc_cell_empty,
    .row_end = svc_row_end,
    .claim = svc_claim,
    .scale = svc_scale,
    .unit = svc_unit,
};
