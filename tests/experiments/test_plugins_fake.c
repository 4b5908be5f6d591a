/* The three experiment plugins, loaded as the core loads them, driven by a
 * fake service table whose "training" follows known laws:
 *   jamming   N_Delta = 0 from h_true up (seed 0) or h_true + 1 (others),
 *             0.3 N below: the bracket must be (h_true - 1, h_true); the
 *             loss of a jammed run is stationary (0.05 at T/2 and T) except
 *             at alpha = 100, where it halves over [T/2, T] until the budget
 *             reaches 4000 steps (undecided, then extended); the test error
 *             peaks at h_true - 1/2 (the cusp), |F| = 1 + 5/h;
 *             seed 99 always ends on NaN (excluded, never N_Delta = 0);
 *   kernel    r = 3 / alpha: the c = 1 crossover is at sqrt(1 * 10);
 *   ensemble  F = y m + (noise of std 1/sqrt(h)): delta F ~ h^-1/2.
 * Checked: the tables (every row of a table has the same columns), the
 * claims and their verdicts, plan()'s bounds, and that bad keys end in
 * svc->error rather than a crash.  Output buffers are freed and reallocated
 * at every call, as the core's lifetime rule allows, so a plugin that kept
 * a stale pointer shows up under AddressSanitizer. */
#include "pb_test.h"
#include "phasebench/experiment.h"

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 16
#define MAX_COLS 48
#define MAX_CLAIMS 64
#define N_TEST 400
#define H_TRUE 11

typedef struct claim_rec {
    char name[96];
    double measured;
    pb_verdict verdict;
} claim_rec;

struct pb_exp_ctx {
    const char *keys[MAX_KEYS][2];
    double *lists[MAX_KEYS];
    size_t n_lists;
    char errors[2048];
    int n_errors;
    /* table */
    char header[MAX_COLS][32];
    size_t n_header;
    char row_cols[MAX_COLS][32];
    char row_kind[32];
    size_t n_row;
    int bad_rows;
    int rows_by_kind[10];
    /* claims */
    claim_rec claims[MAX_CLAIMS];
    size_t n_claims;
    /* training */
    int64_t n_train, n_km, max_seen_h, n_extend, n_invalid_cells;
    double *out, *yv, *km_out;
    /* for checking the jamming point row */
    double point_h1, point_h2, point_hstar;
    double km_corr_min;
    double cross_astar_c1;
};

static const char *kinds[] = {"scan", "point", "run_mean", "crossover", "kernel_machine",
                              "curve", "summary", "fit", "crossover_fit", "flat"};

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static double unif(uint64_t a, uint64_t b)
{
    return ((double)(splitmix(a * 1000003u + b) >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(uint64_t a, uint64_t b)
{
    return sqrt(-2.0 * log(unif(a, 2 * b))) * cos(6.283185307179586 * unif(a, 2 * b + 1));
}

static const char *find_key(pb_exp_ctx *x, const char *key)
{
    for (size_t i = 0; i < MAX_KEYS && x->keys[i][0]; i++)
        if (strcmp(x->keys[i][0], key) == 0)
            return x->keys[i][1];
    return NULL;
}

static void fail_key(pb_exp_ctx *x, const char *key, const char *why)
{
    char m[256];
    snprintf(m, sizeof m, "test.battery: key '%s': %s", key, why);
    size_t used = strlen(x->errors);
    snprintf(x->errors + used, sizeof x->errors - used, "%s\n", m);
    x->n_errors++;
}

static int f_get_string(pb_exp_ctx *x, const char *key, const char *def, const char **out)
{
    const char *v = find_key(x, key);
    *out = v ? v : def;
    return v ? 0 : 1;
}

static int f_get_double(pb_exp_ctx *x, const char *key, double def, double min, double max,
                        double *out)
{
    const char *v = find_key(x, key);
    *out = def;
    if (!v)
        return 1;
    char *end;
    double d = strtod(v, &end);
    if (*end || !(d >= min && d <= max)) {
        fail_key(x, key, "bad number");
        return -1;
    }
    *out = d;
    return 0;
}

static int f_get_int(pb_exp_ctx *x, const char *key, int64_t def, int64_t min, int64_t max,
                     int64_t *out)
{
    double d;
    int rc = f_get_double(x, key, (double)def, (double)min, (double)max, &d);
    if (rc == 0 && d != floor(d)) {
        fail_key(x, key, "not an integer");
        return -1;
    }
    *out = rc == 0 ? (int64_t)d : def;
    return rc;
}

/* Plain comma-separated numbers (the core's ranges are not needed here). */
static int f_get_list(pb_exp_ctx *x, const char *key, const double **out, size_t *n)
{
    const char *v = find_key(x, key);
    *out = NULL;
    *n = 0;
    if (!v)
        return 1;
    double *l = malloc(64 * sizeof *l);
    size_t k = 0;
    const char *p = v;
    while (*p && k < 64) {
        char *end;
        l[k++] = strtod(p, &end);
        if (end == p) {
            free(l);
            fail_key(x, key, "bad list");
            return -1;
        }
        p = end;
        while (*p == ',' || *p == ' ')
            p++;
    }
    x->lists[x->n_lists++] = l;
    *out = l;
    *n = k;
    return 0;
}

static void f_error(pb_exp_ctx *x, const char *m)
{
    size_t used = strlen(x->errors);
    snprintf(x->errors + used, sizeof x->errors - used, "%s\n", m);
    x->n_errors++;
}

static void f_log(pb_exp_ctx *x, const char *m)
{
    (void)x;
    if (getenv("PB_TEST_VERBOSE"))
        fprintf(stderr, "  log: %s\n", m);
}

static void f_run_defaults(pb_exp_ctx *x, pb_run_spec *s)
{
    (void)x;
    /* ABI 1.2: the plugin, the caller, sets struct_size first. */
    CHECK(s->struct_size == sizeof *s);
    memset(s, 0, sizeof *s);
    s->struct_size = sizeof *s;
    snprintf(s->dataset, sizeof s->dataset, "stripe");
    s->d = 5;
    s->ptr = 100;
    s->pte = N_TEST;
    s->ptk = 20;
    s->L = 2;
    s->h = 10;
    snprintf(s->act, sizeof s->act, "swish");
    s->act_beta = 10;
    s->alpha = 1;
    snprintf(s->loss, sizeof s->loss, "softhinge");
    s->loss_beta = 20;
    s->loss_margin = 1;
    s->max_steps = 1000;
}

static double n_params(const pb_run_spec *s)
{
    double h = (double)s->h;
    return (double)s->d * h + ((double)s->L - 1) * h * h + h;
}

/* The signal each test point carries, always on the right side: every
 * error is a fluctuation, which averaging members removes. */
static double signal_of(size_t i)
{
    return unif(777, i);
}

static void fill_outputs(pb_exp_ctx *x, const pb_run_spec *s, int with_noise)
{
    free(x->out);
    free(x->yv);
    x->out = malloc(N_TEST * sizeof *x->out);
    x->yv = malloc(N_TEST * sizeof *x->yv);
    for (size_t i = 0; i < N_TEST; i++) {
        x->yv[i] = i % 2 ? -1.0 : 1.0;
        double noise = with_noise ? 2.0 / sqrt((double)s->h) * gauss(s->seed_init + 1, i) : 0.0;
        x->out[i] = x->yv[i] * signal_of(i) + noise;
    }
}

static double err_of(const double *F, const double *y)
{
    size_t wrong = 0;
    for (size_t i = 0; i < N_TEST; i++)
        wrong += F[i] * y[i] <= 0;
    return (double)wrong / N_TEST;
}

static int f_train(pb_exp_ctx *x, const pb_run_spec *s, const char *role, pb_run_result *r)
{
    CHECK(s->struct_size == sizeof *s);
    CHECK(r->struct_size == sizeof *r);
    CHECK(role && role[0]);
    memset(r, 0, sizeof *r);
    r->struct_size = sizeof *r;
    x->n_train++;
    if ((int64_t)s->h > x->max_seen_h)
        x->max_seen_h = (int64_t)s->h;
    r->ok = 1;
    r->N = (size_t)n_params(s);
    x->n_extend += strcmp(role, "extend") == 0;
    size_t h_ok = H_TRUE + (s->seed_init > 0 ? 1 : 0);
    r->train_nd = s->h >= h_ok ? 0 : (int64_t)(0.3 * (double)r->N);
    r->train_nd_tol = r->train_nd;
    snprintf(r->stop_reason, sizeof r->stop_reason, "%s", r->train_nd ? "max_steps" : "converged");
    r->steps = r->train_nd ? s->max_steps : 100;
    r->has_half = r->train_nd > 0;
    r->half_steps = s->max_steps / 2;
    r->train_loss = r->train_nd ? 0.05 : 0.0;
    r->half_train_loss = r->train_nd ? (s->alpha == 100 && s->max_steps < 4000 ? 0.1 : 0.05) : NAN;
    r->ntk_r = s->want_ntk ? 3.0 / s->alpha * (1.0 + 0.05 * (double)s->seed_init) : NAN;
    r->dw_rel = 0.1 / s->alpha;
    r->out_norm = 1.0 + 5.0 / (double)s->h;
    fill_outputs(x, s, 1);
    r->test_err = err_of(x->out, x->yv);
    if (strcmp(role, "member") != 0 && !s->want_ntk)
        r->test_err = 0.1 + 0.05 / (1.0 + fabs((double)s->h - (H_TRUE - 0.5))) +
                      0.001 * (double)s->seed_init;
    if (s->seed_init == 99) { /* diverged: no count of N_Delta */
        snprintf(r->stop_reason, sizeof r->stop_reason, "nan");
        r->train_nd = r->train_nd_tol = -1;
    }
    if (s->want_test_outputs) {
        r->n_test = N_TEST;
        r->test_out = x->out;
        r->test_y = x->yv;
    }
    return 0;
}

static int f_kernel_machine(pb_exp_ctx *x, const pb_run_spec *s, pb_km_result *r)
{
    CHECK(r->struct_size == sizeof *r);
    memset(r, 0, sizeof *r);
    r->struct_size = sizeof *r;
    x->n_km++;
    /* The machine: the same outputs up to a small, seed-dependent deviation. */
    fill_outputs(x, s, 1);
    free(x->km_out);
    x->km_out = malloc(N_TEST * sizeof *x->km_out);
    for (size_t i = 0; i < N_TEST; i++)
        x->km_out[i] = x->out[i] * 1.01 + 1e-3;
    r->ok = 1;
    snprintf(r->stop_reason, sizeof r->stop_reason, "converged");
    r->steps = 50;
    r->test_err = err_of(x->km_out, x->yv);
    r->n_test = N_TEST;
    r->test_out = x->km_out;
    return 0;
}

static int col_index(pb_exp_ctx *x, const char *col)
{
    for (size_t i = 0; i < x->n_header; i++)
        if (strcmp(x->header[i], col) == 0)
            return (int)i;
    return -1;
}

static void add_cell(pb_exp_ctx *x, const char *col)
{
    if (x->n_row < MAX_COLS)
        snprintf(x->row_cols[x->n_row++], 32, "%s", col);
}

static void f_cell_str(pb_exp_ctx *x, const char *col, const char *v)
{
    add_cell(x, col);
    if (strcmp(col, "kind") == 0)
        snprintf(x->row_kind, sizeof x->row_kind, "%s", v);
}
static void f_cell_int(pb_exp_ctx *x, const char *col, int64_t v)
{
    add_cell(x, col);
    if (strcmp(x->row_kind, "scan") == 0 && strcmp(col, "n_invalid") == 0)
        x->n_invalid_cells += v;
    if (strcmp(x->row_kind, "point") == 0 && strcmp(col, "h1") == 0)
        x->point_h1 = (double)v;
    if (strcmp(x->row_kind, "point") == 0 && strcmp(col, "h2") == 0)
        x->point_h2 = (double)v;
}
static void f_cell_dbl(pb_exp_ctx *x, const char *col, double v)
{
    add_cell(x, col);
    CHECK_MSG(isfinite(v), "column %s got a non-finite value", col);
    if (strcmp(x->row_kind, "point") == 0 && strcmp(col, "h_star") == 0)
        x->point_hstar = v;
    if (strcmp(x->row_kind, "kernel_machine") == 0 && strcmp(col, "output_corr") == 0 &&
        v < x->km_corr_min)
        x->km_corr_min = v;
    if (strcmp(x->row_kind, "crossover") == 0 && strcmp(col, "alpha_star") == 0)
        x->cross_astar_c1 = v; /* the last crossover row of a width is c = 1 */
}
static void f_cell_empty(pb_exp_ctx *x, const char *col)
{
    add_cell(x, col);
}

static int f_row_end(pb_exp_ctx *x)
{
    if (x->n_header == 0) {
        for (size_t i = 0; i < x->n_row; i++)
            snprintf(x->header[i], 32, "%s", x->row_cols[i]);
        x->n_header = x->n_row;
    }
    int same = x->n_row == x->n_header;
    for (size_t i = 0; same && i < x->n_row; i++)
        same = col_index(x, x->row_cols[i]) == (int)i;
    x->bad_rows += !same;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (strcmp(x->row_kind, kinds[k]) == 0)
            x->rows_by_kind[k]++;
    x->n_row = 0;
    x->row_kind[0] = '\0';
    return 0;
}

static int f_claim(pb_exp_ctx *x, const char *claim, double measured, const char *expected,
                   const char *tolerance, pb_verdict verdict, const char *detail)
{
    CHECK(expected && expected[0] && tolerance && tolerance[0] && detail);
    if (x->n_claims < MAX_CLAIMS) {
        claim_rec *c = &x->claims[x->n_claims++];
        snprintf(c->name, sizeof c->name, "%s", claim);
        c->measured = measured;
        c->verdict = verdict;
    }
    if (getenv("PB_TEST_VERBOSE"))
        fprintf(stderr, "  claim %s = %g (%d): %s\n", claim, measured, (int)verdict, detail);
    return 0;
}

static double f_scale(pb_exp_ctx *x)
{
    (void)x;
    return 1.0;
}

static const pb_services fake = {
    .struct_size = sizeof(pb_services),
    .get_string = f_get_string,
    .get_double = f_get_double,
    .get_int = f_get_int,
    .get_list = f_get_list,
    .error = f_error,
    .log = f_log,
    .run_defaults = f_run_defaults,
    .train = f_train,
    .kernel_machine = f_kernel_machine,
    .cell_str = f_cell_str,
    .cell_int = f_cell_int,
    .cell_dbl = f_cell_dbl,
    .cell_empty = f_cell_empty,
    .row_end = f_row_end,
    .claim = f_claim,
    .scale = f_scale,
    .unit = NULL, /* the fake core has no units of work */
};

static void ctx_init(pb_exp_ctx *x, const char *const keys[][2])
{
    memset(x, 0, sizeof *x);
    x->km_corr_min = 2.0;
    x->cross_astar_c1 = NAN;
    for (size_t i = 0; i < MAX_KEYS && keys[i][0]; i++) {
        x->keys[i][0] = keys[i][0];
        x->keys[i][1] = keys[i][1];
    }
}

static void ctx_free(pb_exp_ctx *x)
{
    for (size_t i = 0; i < x->n_lists; i++)
        free(x->lists[i]);
    free(x->out);
    free(x->yv);
    free(x->km_out);
}

static const claim_rec *find_claim(const pb_exp_ctx *x, const char *name)
{
    for (size_t i = 0; i < x->n_claims; i++)
        if (strcmp(x->claims[i].name, name) == 0)
            return &x->claims[i];
    return NULL;
}

static int kind_rows(const pb_exp_ctx *x, const char *kind)
{
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (strcmp(kinds[k], kind) == 0)
            return x->rows_by_kind[k];
    return -1;
}

static const pb_experiment_vtable *load(const char *name, void **handle)
{
    const char *dir = getenv("PHASEBENCH_PLUGIN_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/pb_experiment_%s.so", dir ? dir : ".", name);
    *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!*handle) {
        fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
        return NULL;
    }
    const pb_experiment_abi_desc *d = dlsym(*handle, PB_EXPERIMENT_DESC_NAME);
    void *sym = dlsym(*handle, PB_EXPERIMENT_ENTRY_NAME);
    CHECK(d && sym);
    if (!d || !sym)
        return NULL;
    CHECK(d->magic == PB_EXPERIMENT_ABI_MAGIC && d->abi_major == PB_EXPERIMENT_ABI_MAJOR);
    CHECK(d->services_size == sizeof(pb_services) && d->vtable_size == sizeof(pb_experiment_vtable));
    CHECK(strcmp(d->name, name) == 0);
    pb_experiment_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* object to function pointer, as POSIX allows */
    const pb_experiment_vtable *vt = entry();
    CHECK(vt && vt->struct_size == sizeof *vt && vt->plan && vt->run);
    return vt;
}

static void test_jamming(void)
{
    void *h;
    const pb_experiment_vtable *vt = load("jamming", &h);
    if (!vt)
        return;
    static const char *const keys[][2] = {
        {"h", "4, 8, 16, 32, 64"}, {"alpha", "1, 100"}, {"seeds", "0, 1, 2"}, {NULL, NULL}};
    pb_exp_ctx x;
    ctx_init(&x, keys);
    int64_t runs = 0;
    double gflop = 0;
    CHECK(vt->plan(&fake, &x, &runs, &gflop) == 0);
    /* 5 widths + at most 4 bisection steps (the bracket (32, 64) or (8, 16)). */
    CHECK_MSG(runs >= 2 * 3 * (5 + 4), "plan: %lld runs", (long long)runs);
    CHECK(gflop > 0 && isfinite(gflop));
    CHECK(vt->run(&fake, &x) == 0);
    CHECK_MSG(x.n_errors == 0, "%s", x.errors);
    CHECK(x.n_train <= runs);
    CHECK(x.bad_rows == 0);
    /* 64, 32, 16, 8 scanned, 4 below h1 (below_h1 = 2, one left in the
     * list); then 11, 9, 10 bisected (per alpha). */
    CHECK_MSG(kind_rows(&x, "scan") == 2 * 8, "%d scan rows", kind_rows(&x, "scan"));
    CHECK(kind_rows(&x, "point") == 2);
    CHECK(x.point_h1 == H_TRUE - 1 && x.point_h2 == H_TRUE);
    CHECK_CLOSE(x.point_hstar, sqrt((double)(H_TRUE - 1) * H_TRUE), 1e-12);
    /* alpha = 100: each jammed seed is undecided at 1000 and 2000 steps and
     * jammed at 4000: 2 extensions x 3 seeds x 5 jammed widths (8, 4, 9, 10
     * and h1 = 10 counted once: 8, 4, 9, 10) = 24. */
    CHECK_MSG(x.n_extend == 2 * 3 * 4, "%lld extensions", (long long)x.n_extend);
    const claim_rec *c = find_claim(&x, "jamming_sharp[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_PASS && fabs(c->measured - 0.3) < 0.01);
    CHECK(find_claim(&x, "jamming_sharp[alpha=100]") != NULL);
    /* The cusp: mean test error peaks at h = 10 = h1, 0.1343 against
     * 0.1010 at h = 64, with a seed spread of 0.001. */
    c = find_claim(&x, "test_error_cusp[alpha=1]");
    CHECK_MSG(c && c->verdict == PB_VERDICT_PASS, "cusp %g", c ? c->measured : NAN);
    CHECK(c && fabs(c->measured - (0.05 / 1.5 - 0.05 / 54.5)) < 1e-9);
    /* |F| = 1 + 5/h falls with h at 11, 16, 32, 64: no increase. */
    c = find_claim(&x, "out_norm_rises_to_jamming[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_PASS && c->measured == 0);
    ctx_free(&x);

    /* A seed that always ends on NaN is excluded: the verdicts stand on the
     * three others, and every width says it excluded one run. */
    static const char *const keys_nan[][2] = {
        {"h", "8, 16, 32"}, {"alpha", "1"}, {"seeds", "0, 1, 2, 99"}, {"refine", "0"},
        {NULL, NULL}};
    ctx_init(&x, keys_nan);
    CHECK(vt->run(&fake, &x) == 0 && x.n_errors == 0);
    CHECK(x.point_h1 == 8 && x.point_h2 == 16);
    CHECK_MSG(x.n_invalid_cells == 3, "%lld excluded", (long long)x.n_invalid_cells);
    c = find_claim(&x, "jamming_sharp[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_PASS);
    ctx_free(&x);

    /* The soft hinge: N_Delta / N reported, sharpness not judged. */
    static const char *const keys_soft[][2] = {
        {"h", "8, 16"}, {"alpha", "1"}, {"loss", "softhinge"}, {"refine", "0"}, {NULL, NULL}};
    ctx_init(&x, keys_soft);
    CHECK(vt->run(&fake, &x) == 0 && x.n_errors == 0);
    c = find_claim(&x, "jamming_sharp[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED && fabs(c->measured - 0.3) < 0.01);
    ctx_free(&x);

    /* Without refinement the bracket is (8, 16); everything unjammed gives
     * no bracket and a not-judged claim. */
    static const char *const keys2[][2] = {
        {"h", "16, 32"}, {"alpha", "1"}, {"seeds", "0, 1, 2"}, {"refine", "0"}, {NULL, NULL}};
    ctx_init(&x, keys2);
    CHECK(vt->run(&fake, &x) == 0);
    c = find_claim(&x, "jamming_sharp[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED && isnan(c->measured));
    c = find_claim(&x, "test_error_cusp[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED);
    CHECK(kind_rows(&x, "point") == 1 && x.bad_rows == 0);
    ctx_free(&x);

    /* Bad keys end in svc->error, never a crash. */
    static const char *const bad[][2] = {{"h", "16, 3.5"}, {NULL, NULL}};
    static const char *const bad2[][2] = {{"alpha", "1, -2"}, {NULL, NULL}};
    static const char *const bad3[][2] = {{"refine", "2"}, {NULL, NULL}};
    static const char *const bad4[][2] = {{"seeds", "0, x"}, {NULL, NULL}};
    static const char *const bad5[][2] = {{"max_steps_cap", "0"}, {NULL, NULL}};
    static const char *const bad6[][2] = {{"loss_rtol", "-0.1"}, {NULL, NULL}};
    static const char *const bad7[][2] = {{"margin_tol", "2"}, {NULL, NULL}};
    const char *const (*bads[])[2] = {bad, bad2, bad3, bad4, bad5, bad6, bad7};
    for (size_t i = 0; i < 7; i++) {
        ctx_init(&x, bads[i]);
        CHECK(vt->plan(&fake, &x, &runs, &gflop) == -1);
        CHECK(vt->run(&fake, &x) == -1);
        CHECK(x.n_errors > 0 && x.n_train == 0);
        ctx_free(&x);
    }
    dlclose(h);
}

static void test_kernel(void)
{
    void *h;
    const pb_experiment_vtable *vt = load("kernel", &h);
    if (!vt)
        return;
    static const char *const keys[][2] = {{"h", "32, 64"},
                                          {"alpha", "1000, 0.1, 1, 10, 100"},
                                          {"seeds", "0, 1, 2"},
                                          {NULL, NULL}};
    pb_exp_ctx x;
    ctx_init(&x, keys);
    int64_t runs = 0;
    double gflop = 0;
    CHECK(vt->plan(&fake, &x, &runs, &gflop) == 0);
    CHECK(runs == 2 * 3 * (5 + 1));
    CHECK(vt->run(&fake, &x) == 0);
    CHECK_MSG(x.n_errors == 0, "%s", x.errors);
    CHECK(x.n_train + x.n_km == runs);
    CHECK(x.bad_rows == 0);
    CHECK(kind_rows(&x, "run_mean") == 10 && kind_rows(&x, "crossover") == 4 &&
          kind_rows(&x, "kernel_machine") == 6 && kind_rows(&x, "crossover_fit") == 2);
    /* r = 3 g / alpha with g = (1 * 1.05 * 1.1)^(1/3), the geometric mean of
     * the seed factors: a power law, so the line in log-log between the
     * grid points 1 and 10 hits 1 exactly at 3 g. */
    CHECK_CLOSE(x.cross_astar_c1, 3.0 * cbrt(1.05 * 1.1), 1e-12);
    const claim_rec *c = find_claim(&x, "ntk_r_monotone[h=32]");
    CHECK(c && c->verdict == PB_VERDICT_PASS && c->measured == 0);
    /* r < 0.1 at alpha 100 and 1000: slope -1. */
    c = find_claim(&x, "ntk_r_lazy_slope[h=64]");
    CHECK(c && c->verdict == PB_VERDICT_PASS && fabs(c->measured + 1.0) < 1e-12);
    /* alpha* is the same at h = 32 and 64: slope 0. */
    c = find_claim(&x, "crossover_h_slope[c=1]");
    CHECK(c && c->verdict == PB_VERDICT_PASS && fabs(c->measured) < 1e-12);
    c = find_claim(&x, "crossover_h_slope[c=0.01]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED);
    c = find_claim(&x, "net_matches_kernel_machine[h=64]");
    CHECK(c && c->verdict == PB_VERDICT_PASS && c->measured <= 0.01);
    CHECK(x.km_corr_min > 0.999);
    ctx_free(&x);

    /* kernel_machine = 0: no machine trained, claim (c) not judged. */
    static const char *const keys2[][2] = {
        {"h", "32"}, {"alpha", "1, 10"}, {"kernel_machine", "0"}, {NULL, NULL}};
    ctx_init(&x, keys2);
    CHECK(vt->run(&fake, &x) == 0);
    CHECK(x.n_km == 0);
    c = find_claim(&x, "net_matches_kernel_machine[h=32]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED);
    c = find_claim(&x, "ntk_r_lazy_slope[h=32]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED); /* r >= 0.1 everywhere */
    c = find_claim(&x, "crossover_h_slope[c=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED); /* one width */
    ctx_free(&x);

    static const char *const bad[][2] = {{"km_tol_err", "-1"}, {NULL, NULL}};
    ctx_init(&x, bad);
    CHECK(vt->run(&fake, &x) == -1 && x.n_errors > 0);
    ctx_free(&x);
    dlclose(h);
}

static void test_ensemble(void)
{
    void *h;
    const pb_experiment_vtable *vt = load("ensemble", &h);
    if (!vt)
        return;
    static const char *const keys[][2] = {{"h", "16, 32, 64, 128, 256"},
                                          {"alpha", "1"},
                                          {"seeds", "0, 1, 2, 3, 4, 5, 6, 7"},
                                          {NULL, NULL}};
    pb_exp_ctx x;
    ctx_init(&x, keys);
    int64_t runs = 0;
    double gflop = 0;
    CHECK(vt->plan(&fake, &x, &runs, &gflop) == 0 && runs == 5 * 8);
    CHECK(vt->run(&fake, &x) == 0);
    CHECK_MSG(x.n_errors == 0, "%s", x.errors);
    CHECK(x.bad_rows == 0);
    CHECK(kind_rows(&x, "curve") == 5 * 8 && kind_rows(&x, "summary") == 5 &&
          kind_rows(&x, "fit") == 1 && kind_rows(&x, "flat") == 1);
    const claim_rec *c = find_claim(&x, "ensemble_error_flat_in_h[alpha=1]");
    CHECK(c && c->verdict != PB_VERDICT_NOT_JUDGED && isfinite(c->measured));
    c = find_claim(&x, "deltaF_exponent[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_PASS);
    CHECK_MSG(c && fabs(c->measured + 0.5) < 0.05, "slope %g", c ? c->measured : NAN);
    /* Every width is above H_TRUE + 1: every member converged, all judged. */
    static const char *const cells[] = {"ensemble_beats_single[h=16,alpha=1]",
                                        "ensemble_beats_single[h=64,alpha=1]",
                                        "ensemble_beats_single[h=256,alpha=1]"};
    for (size_t i = 0; i < 3; i++) {
        c = find_claim(&x, cells[i]);
        CHECK_MSG(c && c->verdict == PB_VERDICT_PASS && c->measured < 0, "%s", cells[i]);
    }
    ctx_free(&x);

    /* Below jamming (h = 8) the claim is not judged and the width stays out
     * of the fit; judge_exponent = 0 leaves the exponent not judged. */
    static const char *const keys2[][2] = {{"h", "8, 16, 32, 64"},
                                           {"seeds", "0, 1, 2"},
                                           {"judge_exponent", "0"},
                                           {NULL, NULL}};
    ctx_init(&x, keys2);
    CHECK(vt->run(&fake, &x) == 0);
    c = find_claim(&x, "ensemble_beats_single[h=8,alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED);
    c = find_claim(&x, "deltaF_exponent[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED && isfinite(c->measured));
    ctx_free(&x);

    /* A member that ends on NaN (case 01: its outputs are meaningless) is
     * excluded: the claim is not judged, never passed. */
    static const char *const keys_nan[][2] = {{"h", "16, 32"}, {"seeds", "0, 99"}, {NULL, NULL}};
    ctx_init(&x, keys_nan);
    CHECK(vt->run(&fake, &x) == 0 && x.bad_rows == 0 && x.n_errors == 0);
    c = find_claim(&x, "ensemble_beats_single[h=16,alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED);
    c = find_claim(&x, "ensemble_error_flat_in_h[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED);
    ctx_free(&x);

    /* One seed: no ensemble, nothing judged, nothing non-finite written. */
    static const char *const keys3[][2] = {{"h", "16, 32, 64"}, {"seeds", "3"}, {NULL, NULL}};
    ctx_init(&x, keys3);
    CHECK(vt->run(&fake, &x) == 0 && x.bad_rows == 0);
    c = find_claim(&x, "deltaF_exponent[alpha=1]");
    CHECK(c && c->verdict == PB_VERDICT_NOT_JUDGED);
    ctx_free(&x);
    dlclose(h);
}

int main(void)
{
    test_jamming();
    test_kernel();
    test_ensemble();
    return pb_test_done("test_plugins_fake");
}
