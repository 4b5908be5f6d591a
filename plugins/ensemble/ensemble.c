/*
 * ensemble: ensemble averaging, docs/physics.md section 10.
 *
 * At each (h, alpha) the nets of several seed_init values (same data seed,
 * hence the same test set) are trained and their test outputs F averaged:
 * the ensemble error of the first n members, the single-net error, and the
 * fluctuation delta F of the members around their mean.  Per alpha, the
 * slope of log delta F against log h is fitted and compared with the
 * predicted -1/2 (|f_N - mean f_N| ~ N^-1/4 ~ h^-1/2).
 */
#include "phasebench/experiment.h"
#include "pbx_ens.h"
#include "pbx_jam.h"
#include "pbx_stats.h"
#include "pbx_svc.h"
#include "pbx_tally.h"
#include "pbx_work.h"

#include "pb_pmath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The predicted exponent of delta F against h (1901.01608, 1906.08034). */
#define ENS_EXPONENT (-0.5)
/* A fit needs a residual to give a standard error: 3 widths at least. */
#define ENS_MIN_FIT_POINTS 3
/* The ensemble error is flat in h when its range over the widths above
 * jamming is within this many binomial standard errors of a test error
 * measured on n_test points (the scatter of the test set itself). */
#define ENS_FLAT_SE 3.0

typedef struct ens_config {
    pb_run_spec base;
    size_t *h; /* ascending */
    size_t n_h;
    double *alpha;
    size_t n_alpha;
    uint64_t *seeds;
    size_t n_seeds;
    int judge_exponent;
    double exponent_tol;
} ens_config;

/* The members trained at one (h, alpha). */
typedef struct members {
    size_t n_test, K;      /* K: members with test outputs */
    double *F;             /* K x n_test */
    double *y;             /* n_test labels, identical for every member */
    double *single_err;    /* K */
    size_t n_converged, n_excluded; /* n_excluded: did not finish (failed, nan, stalled) */
    double N;
    char stops[160];
} members;

/* The reduction of one (h, alpha). */
typedef struct cell_stats {
    double single_mean, single_std, ens_err, delta_f;
    int all_converged;
} cell_stats;

static const char *const ens_columns[] = {
    "kind", "h", "alpha", "n", "N", "n_seeds", "n_members", "n_converged", "single_err_mean",
    "single_err_std", "ens_err", "gain", "deltaF", "slope", "slope_se", "n_points", "h_min",
    "h_max", "n_excluded", "range", "range_tol", "stops", "note", NULL};

static void free_config(ens_config *cfg)
{
    free(cfg->h);
    free(cfg->alpha);
    free(cfg->seeds);
    memset(cfg, 0, sizeof *cfg);
}

static int read_config(const pb_services *svc, pb_exp_ctx *ctx, ens_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    pbx_base_spec(svc, ctx, &cfg->base);
    if (pbx_get_widths(svc, ctx, cfg->base.h, &cfg->h, &cfg->n_h) < 0 ||
        pbx_get_alphas(svc, ctx, cfg->base.alpha, &cfg->alpha, &cfg->n_alpha) < 0 ||
        pbx_get_seeds(svc, ctx, &cfg->seeds, &cfg->n_seeds) < 0 ||
        pbx_get_flag(svc, ctx, "judge_exponent", 1, &cfg->judge_exponent) < 0 ||
        pbx_get_number(svc, ctx, "exponent_tol", 0.25, 0.0, 10.0, &cfg->exponent_tol) < 0) {
        free_config(cfg);
        return -1;
    }
    return 0;
}

static int ensemble_plan(const pb_services *svc, pb_exp_ctx *ctx, int64_t *n_runs, double *gflop)
{
    ens_config cfg;
    if (read_config(svc, ctx, &cfg) < 0)
        return -1;
    double work = 0.0;
    for (size_t i = 0; i < cfg.n_h; i++) {
        pbx_shape s = pbx_shape_of(&cfg.base, cfg.h[i]);
        work += pbx_run_gflop(&s, 0);
    }
    *gflop = work * (double)(cfg.n_seeds * cfg.n_alpha);
    *n_runs = (int64_t)(cfg.n_h * cfg.n_alpha * cfg.n_seeds);
    free_config(&cfg);
    return 0;
}

static void free_members(members *m)
{
    free(m->F);
    free(m->y);
    free(m->single_err);
    memset(m, 0, sizeof *m);
}

/* Stores one member's outputs; the first member fixes the test set.
 * Returns 0, or -1 after svc->error. */
static int add_member(const pb_services *svc, pb_exp_ctx *ctx, const ens_config *cfg,
                      const pb_run_result *res, members *m)
{
    if (m->K == 0) {
        m->n_test = res->n_test;
        m->F = malloc(cfg->n_seeds * m->n_test * sizeof *m->F);
        m->y = malloc(m->n_test * sizeof *m->y);
        if (!m->F || !m->y) {
            pbx_errorf(svc, ctx, "out of memory for %zu x %zu test outputs", cfg->n_seeds,
                       m->n_test);
            return -1;
        }
        memcpy(m->y, res->test_y, m->n_test * sizeof *m->y);
    } else if (res->n_test != m->n_test ||
               memcmp(res->test_y, m->y, m->n_test * sizeof *m->y) != 0) {
        /* Averaging outputs is meaningless unless every member saw the same
         * test points: the data seed must not vary within an ensemble. */
        pbx_errorf(svc, ctx, "members do not share the test set (n_test %zu vs %zu or other labels)",
                   res->n_test, m->n_test);
        return -1;
    }
    memcpy(m->F + m->K * m->n_test, res->test_out, m->n_test * sizeof *m->F);
    m->single_err[m->K] = res->test_err;
    m->K++;
    return 0;
}

/* Trains every seed at (h, alpha) with its test outputs. */
static int train_members(const pb_services *svc, pb_exp_ctx *ctx, const ens_config *cfg, size_t h,
                         double alpha, members *m)
{
    memset(m, 0, sizeof *m);
    m->N = NAN;
    m->single_err = malloc(cfg->n_seeds * sizeof *m->single_err);
    if (!m->single_err) {
        pbx_errorf(svc, ctx, "out of memory for %zu seeds", cfg->n_seeds);
        return -1;
    }
    pbx_tally stops;
    pbx_tally_init(&stops);
    for (size_t k = 0; k < cfg->n_seeds; k++) {
        pb_run_spec spec = cfg->base;
        spec.h = h;
        spec.alpha = alpha;
        spec.seed_init = cfg->seeds[k];
        spec.want_test_outputs = 1;
        pb_run_result res;
        if (pbx_train(svc, ctx, &spec, "member", &res) < 0)
            return -1;
        pbx_tally_add(&stops, res.ok ? res.stop_reason : "failed");
        /* A run that did not finish has no outputs worth averaging (a NaN
         * run's are meaningless): excluded and counted. */
        if (!res.ok || pbx_stop_is_invalid(res.stop_reason)) {
            m->n_excluded++;
            continue;
        }
        m->n_converged += pbx_run_converged(&res);
        if (res.N > 0)
            m->N = (double)res.N;
        if (!res.test_out || !res.test_y || res.n_test == 0) {
            pbx_logf(svc, ctx, "h=%zu alpha=%g seed=%llu: no test outputs, left out", h, alpha,
                     (unsigned long long)cfg->seeds[k]);
            continue;
        }
        if (add_member(svc, ctx, cfg, &res, m) < 0)
            return -1;
    }
    pbx_tally_format(&stops, m->stops, sizeof m->stops);
    return 0;
}

static int write_curve(const pb_services *svc, pb_exp_ctx *ctx, size_t h, double alpha,
                       const double *curve, size_t K)
{
    for (size_t n = 1; n <= K; n++) {
        pbx_row r;
        pbx_row_init(&r, ens_columns);
        pbx_row_str(&r, "kind", "curve");
        pbx_row_int(&r, "h", (int64_t)h);
        pbx_row_dbl(&r, "alpha", alpha);
        pbx_row_int(&r, "n", (int64_t)n);
        pbx_row_dbl(&r, "ens_err", curve[n - 1]);
        if (pbx_row_write(svc, ctx, &r) < 0)
            return -1;
    }
    return 0;
}

static int write_summary(const pb_services *svc, pb_exp_ctx *ctx, const ens_config *cfg, size_t h,
                         double alpha, const members *m, const cell_stats *cs)
{
    pbx_row r;
    pbx_row_init(&r, ens_columns);
    pbx_row_str(&r, "kind", "summary");
    pbx_row_int(&r, "h", (int64_t)h);
    pbx_row_dbl(&r, "alpha", alpha);
    pbx_row_int(&r, "n", (int64_t)m->K);
    pbx_row_dbl(&r, "N", m->N);
    pbx_row_int(&r, "n_seeds", (int64_t)cfg->n_seeds);
    pbx_row_int(&r, "n_members", (int64_t)m->K);
    pbx_row_int(&r, "n_converged", (int64_t)m->n_converged);
    pbx_row_int(&r, "n_excluded", (int64_t)m->n_excluded);
    pbx_row_dbl(&r, "single_err_mean", cs->single_mean);
    pbx_row_dbl(&r, "single_err_std", cs->single_std);
    pbx_row_dbl(&r, "ens_err", cs->ens_err);
    pbx_row_dbl(&r, "gain", cs->single_mean - cs->ens_err);
    pbx_row_dbl(&r, "deltaF", cs->delta_f);
    pbx_row_str(&r, "stops", m->stops);
    if (m->K < 2)
        pbx_row_str(&r, "note", "fewer than two members: no ensemble");
    return pbx_row_write(svc, ctx, &r);
}

/* Claim (d): above jamming the ensemble beats the average single net. */
static int judge_ensemble(const pb_services *svc, pb_exp_ctx *ctx, const ens_config *cfg, size_t h,
                          double alpha, const members *m, const cell_stats *cs)
{
    char name[96], detail[400];
    snprintf(name, sizeof name, "ensemble_beats_single[h=%zu,alpha=%g]", h, alpha);
    double measured = cs->ens_err - cs->single_mean;
    static const char tolerance[] =
        "none: strict; judged only when every member finished and reached N_Delta = 0 (above "
        "jamming)";
    if (m->K < 2) {
        snprintf(detail, sizeof detail, "fewer than two valid members with test outputs; %zu "
                 "excluded (%s)", m->n_excluded, m->stops);
        return svc->claim(ctx, name, measured, "< 0", tolerance, PB_VERDICT_NOT_JUDGED, detail);
    }
    if (!cs->all_converged) {
        snprintf(detail, sizeof detail, "%zu of %zu members reached N_Delta = 0, %zu excluded (%s)",
                 m->n_converged, cfg->n_seeds, m->n_excluded, m->stops);
        return svc->claim(ctx, name, measured, "< 0", tolerance, PB_VERDICT_NOT_JUDGED, detail);
    }
    snprintf(detail, sizeof detail,
             "ens_err %.6g over %zu members, single_err %.6g +- %.3g (std over seeds), %zu test points",
             cs->ens_err, m->K, cs->single_mean, cs->single_std, m->n_test);
    return svc->claim(ctx, name, measured, "< 0", tolerance,
                      measured < 0.0 ? PB_VERDICT_PASS : PB_VERDICT_FAIL, detail);
}

/* Trains and reduces one (h, alpha); *delta_f, *ens_err, *n_test and
 * *above_jamming feed the fit and the flatness claim. */
static int run_cell(const pb_services *svc, pb_exp_ctx *ctx, const ens_config *cfg, size_t h,
                    double alpha, double *delta_f, double *ens_err, size_t *n_test,
                    int *above_jamming)
{
    members m;
    int rc = train_members(svc, ctx, cfg, h, alpha, &m);
    double *curve = NULL, *work = NULL;
    if (rc == 0) {
        curve = malloc((m.K ? m.K : 1) * sizeof *curve);
        work = malloc((m.n_test ? m.n_test : 1) * sizeof *work);
        if (!curve || !work) {
            pbx_errorf(svc, ctx, "out of memory for the ensemble of h=%zu", h);
            rc = -1;
        }
    }
    cell_stats cs = {NAN, NAN, NAN, NAN, 0};
    if (rc == 0) {
        pbx_ens_curve(m.F, m.K, m.y, m.n_test, curve, work);
        cs.single_mean = pbx_mean(m.single_err, m.K);
        cs.single_std = pbx_std(m.single_err, m.K);
        cs.ens_err = m.K >= 2 ? curve[m.K - 1] : NAN;
        cs.delta_f = pbx_delta_f(m.F, m.K, m.n_test, work);
        cs.all_converged = m.K >= 2 && m.K == cfg->n_seeds && m.n_converged == cfg->n_seeds;
        pbx_logf(svc, ctx, "h=%zu alpha=%g: single %.4g, ensemble of %zu %.4g, deltaF %.4g (%s)",
                 h, alpha, cs.single_mean, m.K, cs.ens_err, cs.delta_f, m.stops);
        rc = write_curve(svc, ctx, h, alpha, curve, m.K);
    }
    if (rc == 0)
        rc = write_summary(svc, ctx, cfg, h, alpha, &m, &cs);
    if (rc == 0)
        rc = judge_ensemble(svc, ctx, cfg, h, alpha, &m, &cs);
    *delta_f = cs.delta_f;
    *ens_err = cs.ens_err;
    *n_test = m.n_test;
    *above_jamming = cs.all_converged;
    free(curve);
    free(work);
    free_members(&m);
    return rc;
}

/* The fit of log delta F against log h over the widths above jamming (the
 * N^-1/4 law concerns over-parametrised nets; near jamming delta F
 * diverges instead), its row and claim (e). */
static int fit_exponent(const pb_services *svc, pb_exp_ctx *ctx, const ens_config *cfg,
                        double alpha, const double *delta_f, const int *above)
{
    double *x = calloc(2 * cfg->n_h, sizeof *x);
    if (!x) {
        pbx_errorf(svc, ctx, "out of memory for the fit");
        return -1;
    }
    double *y = x + cfg->n_h;
    size_t n = 0, h_min = 0, h_max = 0;
    for (size_t i = 0; i < cfg->n_h; i++) {
        if (!above[i] || !(isfinite(delta_f[i]) && delta_f[i] > 0.0))
            continue;
        if (n == 0)
            h_min = cfg->h[i];
        h_max = cfg->h[i];
        x[n] = pb_pm_log((double)cfg->h[i]);
        y[n] = pb_pm_log(delta_f[i]);
        n++;
    }
    pbx_fit fit;
    pbx_linfit(x, y, n, &fit);
    free(x);

    pbx_row r;
    pbx_row_init(&r, ens_columns);
    pbx_row_str(&r, "kind", "fit");
    pbx_row_dbl(&r, "alpha", alpha);
    pbx_row_dbl(&r, "slope", fit.slope);
    pbx_row_dbl(&r, "slope_se", fit.slope_se);
    pbx_row_int(&r, "n_points", (int64_t)n);
    if (n > 0) {
        pbx_row_int(&r, "h_min", (int64_t)h_min);
        pbx_row_int(&r, "h_max", (int64_t)h_max);
    }
    if (n < 2)
        pbx_row_str(&r, "note", "fewer than two widths above jamming with delta F");
    if (pbx_row_write(svc, ctx, &r) < 0)
        return -1;

    char name[96], tolerance[256], detail[256];
    snprintf(name, sizeof name, "deltaF_exponent[alpha=%g]", alpha);
    snprintf(tolerance, sizeof tolerance,
             "+-%g (exponent_tol): an asymptotic large-h law fitted on a few finite widths", 
             cfg->exponent_tol);
    if (n < 2)
        snprintf(detail, sizeof detail, "%zu width(s) above jamming with delta F: no fit", n);
    else
        snprintf(detail, sizeof detail,
                 "slope %.4g +- %.2g (standard error) over %zu widths %zu..%zu above jamming",
                 fit.slope, fit.slope_se, n, h_min, h_max);
    pb_verdict v;
    if (!cfg->judge_exponent || n < ENS_MIN_FIT_POINTS)
        v = PB_VERDICT_NOT_JUDGED;
    else
        v = fabs(fit.slope - ENS_EXPONENT) <= cfg->exponent_tol ? PB_VERDICT_PASS : PB_VERDICT_FAIL;
    if (!cfg->judge_exponent)
        snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "; judge_exponent = 0");
    return svc->claim(ctx, name, fit.slope, "-0.5", tolerance, v, detail);
}

/* Claim (f): above jamming the ensemble error is flat in h (docs/physics.md
 * section 10: averaging nets of any width above N* reaches the error of the
 * infinitely wide net).  Its row (kind flat) and its claim. */
static int judge_flat(const pb_services *svc, pb_exp_ctx *ctx, const ens_config *cfg,
                      double alpha, const double *ens_err, const size_t *n_test, const int *above)
{
    double *e = calloc(cfg->n_h ? cfg->n_h : 1, sizeof *e);
    if (!e) {
        pbx_errorf(svc, ctx, "out of memory");
        return -1;
    }
    char values[400] = "";
    size_t m = 0, used = 0, nt = 0, h_min = 0, h_max = 0;
    for (size_t i = 0; i < cfg->n_h; i++) {
        if (!above[i] || !isfinite(ens_err[i]))
            continue;
        if (m == 0)
            h_min = cfg->h[i];
        h_max = cfg->h[i];
        e[m++] = ens_err[i];
        nt = n_test[i];
        int w = snprintf(values + used, sizeof values - used, "%sh=%zu: %.4g", used ? ", " : "",
                         cfg->h[i], ens_err[i]);
        if (w > 0 && (size_t)w < sizeof values - used)
            used += (size_t)w;
    }
    double range, tol;
    int st = pbx_ens_flat(e, m, nt, ENS_FLAT_SE, &range, &tol);
    free(e);
    pbx_row r;
    pbx_row_init(&r, ens_columns);
    pbx_row_str(&r, "kind", "flat");
    pbx_row_dbl(&r, "alpha", alpha);
    pbx_row_int(&r, "n_points", (int64_t)m);
    if (m > 0) {
        pbx_row_int(&r, "h_min", (int64_t)h_min);
        pbx_row_int(&r, "h_max", (int64_t)h_max);
    }
    pbx_row_dbl(&r, "range", range);
    pbx_row_dbl(&r, "range_tol", tol);
    if (m < 2)
        pbx_row_str(&r, "note", "fewer than two widths above jamming with an ensemble error");
    if (pbx_row_write(svc, ctx, &r) < 0)
        return -1;
    char name[96], detail[600], tolerance[240];
    snprintf(name, sizeof name, "ensemble_error_flat_in_h[alpha=%g]", alpha);
    snprintf(tolerance, sizeof tolerance,
             "max - min of the ensemble error over the widths above jamming <= %g binomial "
             "standard errors sqrt(e (1 - e) / n_test) of the mean error e", ENS_FLAT_SE);
    if (st < 0)
        snprintf(detail, sizeof detail, "%zu width(s) above jamming (every member finished and "
                 "at N_Delta = 0): fewer than two; %s", m, values);
    else
        snprintf(detail, sizeof detail, "%zu width(s) above jamming (every member finished and "
                 "at N_Delta = 0); allowed range %.3g; %s", m, tol, values);
    pb_verdict v = st < 0 ? PB_VERDICT_NOT_JUDGED : st ? PB_VERDICT_PASS : PB_VERDICT_FAIL;
    return svc->claim(ctx, name, range, "range within the tolerance", tolerance, v, detail);
}

static int run_alpha(const pb_services *svc, pb_exp_ctx *ctx, const ens_config *cfg, double alpha)
{
    double *delta_f = malloc(cfg->n_h * sizeof *delta_f);
    double *ens_err = malloc(cfg->n_h * sizeof *ens_err);
    size_t *n_test = malloc(cfg->n_h * sizeof *n_test);
    int *above = malloc(cfg->n_h * sizeof *above);
    if (!delta_f || !ens_err || !n_test || !above) {
        free(delta_f);
        free(ens_err);
        free(n_test);
        free(above);
        pbx_errorf(svc, ctx, "out of memory for %zu widths", cfg->n_h);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < cfg->n_h && rc == 0; i++)
        rc = run_cell(svc, ctx, cfg, cfg->h[i], alpha, &delta_f[i], &ens_err[i], &n_test[i],
                      &above[i]);
    if (rc == 0)
        rc = fit_exponent(svc, ctx, cfg, alpha, delta_f, above);
    if (rc == 0)
        rc = judge_flat(svc, ctx, cfg, alpha, ens_err, n_test, above);
    free(delta_f);
    free(ens_err);
    free(n_test);
    free(above);
    return rc;
}

static int ensemble_run(const pb_services *svc, pb_exp_ctx *ctx)
{
    ens_config cfg;
    if (read_config(svc, ctx, &cfg) < 0)
        return -1;
    if (cfg.n_seeds < 2)
        pbx_logf(svc, ctx, "only %zu seed: no ensemble can be formed", cfg.n_seeds);
    pbx_logf(svc, ctx, "%zu width(s) %zu..%zu, %zu alpha(s), %zu members, budget %lld steps",
             cfg.n_h, cfg.h[0], cfg.h[cfg.n_h - 1], cfg.n_alpha, cfg.n_seeds,
             (long long)cfg.base.max_steps);
    int rc = 0;
    for (size_t a = 0; a < cfg.n_alpha && rc == 0; a++)
        rc = run_alpha(svc, ctx, &cfg, cfg.alpha[a]);
    free_config(&cfg);
    return rc;
}

/* The closing summary of `phasebench run`: ensemble vs single net per (h,
 * alpha), the fit of delta F against h, the flatness of the error. */
static const char *const summary_summary[] = {"h", "alpha", "single_err_mean", "ens_err",
                                              "gain", "deltaF", NULL};
static const char *const summary_fit[] = {"alpha", "slope", "slope_se", "n_points", NULL};
static const char *const summary_flat[] = {"alpha", "range", "range_tol", "n_points", NULL};
static const pb_summary_line ensemble_summary[] = {
    {"summary", summary_summary},
    {"fit", summary_fit},
    {"flat", summary_flat},
    {NULL, NULL},
};

static const pb_experiment_vtable ensemble_vtable = {
    .struct_size = sizeof(pb_experiment_vtable),
    .name = "ensemble",
    .description = "ensemble averaging: ensemble vs single-net error, output fluctuations "
                   "delta F vs h",
    .plan = ensemble_plan,
    .run = ensemble_run,
    .summary = ensemble_summary,
};

PB_EXPORT const pb_experiment_abi_desc pb_experiment_desc = PB_EXPERIMENT_DESC_INIT("ensemble");

PB_EXPORT const pb_experiment_vtable *pb_experiment_entry(void)
{
    return &ensemble_vtable;
}
