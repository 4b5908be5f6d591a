/*
 * kernel: the lazy (kernel) limit of docs/physics.md section 9.
 *
 * For each width h the nets are trained along an ascending alpha grid with
 * the NTK measured on the kernel set at w0 and at the end; the order
 * parameter is r = |Theta_T - Theta_0|_F / |Theta_0|_F.  Per (h, alpha) the
 * table gives the geometric mean of r over seeds (the authors' islazy
 * statistic), per (h, c) the alpha where it crosses c, and at the largest
 * alpha each net is compared with the kernel machine of its initial NTK.
 */
#include "phasebench/experiment.h"
#include "pbx_jam.h"
#include "pbx_lazy.h"
#include "pbx_stats.h"
#include "pbx_svc.h"
#include "pbx_tally.h"
#include "pbx_work.h"

#include "pb_pmath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lazy decades, where r ~ 1/alpha is tested: r < 0.1, one decade below
 * the c = 1 crossover (closer to it r bends towards the feature regime). */
#define KER_LAZY_R 0.1
/* The slope d log r / d log alpha must be -1 within this (docs/physics.md section
 * 9; the next order of r in 1/alpha bends it at the top of the lazy
 * decades, and the seed scatter of r moves it by a few hundredths). */
#define KER_LAZY_SLOPE_TOL 0.2
/* The crossover alpha-tilde*(h; c = 1) is independent of h in the code's
 * convention (docs/physics.md section 9): its slope in log h must be 0 within
 * half the distance to -1/2, the slope the article's convention (alpha*
 * ~ 1/sqrt(h)) would give: the tolerance tells the two apart. */
#define KER_CROSS_SLOPE_TOL 0.25
/* An increase of log10 r along alpha counts only beyond this many standard
 * errors of the difference: smaller ones are seed scatter. */
#define KER_SCATTER_SE 2.0
/* The net's and the machine's test outputs must be this correlated. */
#define KER_MIN_CORR 0.99

static const double ker_thresholds[] = {1e-2, 1.0};

typedef struct ker_config {
    pb_run_spec base;
    size_t *h;
    size_t n_h;
    double *alpha; /* ascending */
    size_t n_alpha;
    uint64_t *seeds;
    size_t n_seeds;
    int kernel_machine, converged_only;
    double km_tol_err;
} ker_config;

/* The reduction of the seeds at one (h, alpha). */
typedef struct alpha_stats {
    size_t n_ok, n_converged, n_used, n_excluded; /* n_excluded: did not finish */
    double r_geomean, log10_r_mean, log10_r_std, log10_r_sem, dw_rel_mean, test_err_mean;
    double N;
    char stops[160];
} alpha_stats;

/* The nets of the largest alpha, kept until their kernel machines ran:
 * results (their pointers cleared) and test outputs, seed after seed. */
typedef struct kept_nets {
    pb_run_spec *spec;
    pb_run_result *res;
    double *out;   /* n_seeds x n_test; a row is valid when res ok and has_out */
    int *has_out;
    size_t n_test, n;
} kept_nets;

/* The net-versus-machine comparisons at the largest alpha of one width. */
typedef struct km_summary {
    size_t n_pairs;
    double sum_abs_diff, min_corr;
} km_summary;

static const char *const ker_columns[] = {
    "kind", "h", "alpha", "seed", "c", "N", "n_seeds", "n_ok", "n_converged", "n_used",
    "r_geomean", "log10_r_mean", "log10_r_std", "dw_rel_mean", "test_err_mean", "stops",
    "a1", "a2", "alpha_star", "km_test_err", "net_test_err", "err_diff", "output_corr",
    "km_stop_reason", "km_steps", "net_stop_reason", "n_excluded", "slope", "slope_se",
    "n_points", "note", NULL};

static void free_config(ker_config *cfg)
{
    free(cfg->h);
    free(cfg->alpha);
    free(cfg->seeds);
    memset(cfg, 0, sizeof *cfg);
}

static int read_config(const pb_services *svc, pb_exp_ctx *ctx, ker_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    pbx_base_spec(svc, ctx, &cfg->base);
    if (pbx_get_widths(svc, ctx, cfg->base.h, &cfg->h, &cfg->n_h) < 0 ||
        pbx_get_alphas(svc, ctx, cfg->base.alpha, &cfg->alpha, &cfg->n_alpha) < 0 ||
        pbx_get_seeds(svc, ctx, &cfg->seeds, &cfg->n_seeds) < 0 ||
        pbx_get_flag(svc, ctx, "kernel_machine", 1, &cfg->kernel_machine) < 0 ||
        pbx_get_flag(svc, ctx, "converged_only", 1, &cfg->converged_only) < 0 ||
        pbx_get_number(svc, ctx, "km_tol_err", 0.01, 0.0, 1.0, &cfg->km_tol_err) < 0) {
        free_config(cfg);
        return -1;
    }
    return 0;
}

static int kernel_plan(const pb_services *svc, pb_exp_ctx *ctx, int64_t *n_runs, double *gflop)
{
    ker_config cfg;
    if (read_config(svc, ctx, &cfg) < 0)
        return -1;
    double work = 0.0;
    for (size_t i = 0; i < cfg.n_h; i++) {
        pbx_shape s = pbx_shape_of(&cfg.base, cfg.h[i]);
        work += (double)cfg.n_alpha * pbx_run_gflop(&s, 1);
        if (cfg.kernel_machine)
            work += pbx_km_gflop(&s);
    }
    *gflop = work * (double)cfg.n_seeds;
    *n_runs = (int64_t)(cfg.n_h * cfg.n_seeds * (cfg.n_alpha + (cfg.kernel_machine ? 1u : 0u)));
    free_config(&cfg);
    return 0;
}

/* A run that did not finish (failed, nan, stalled): excluded and counted. */
static int run_is_excluded(const pb_run_result *res)
{
    return !res->ok || pbx_stop_is_invalid(res->stop_reason);
}

/* A run enters the r statistics when it finished, r was measured and, as
 * the authors filter, when it reached N_Delta = 0 (converged_only = 1). */
static int run_is_used(const ker_config *cfg, const pb_run_result *res)
{
    if (run_is_excluded(res) || !(isfinite(res->ntk_r) && res->ntk_r > 0.0))
        return 0;
    return !cfg->converged_only || pbx_run_converged(res);
}

static int write_km_row(const pb_services *svc, pb_exp_ctx *ctx, size_t h, double alpha,
                        uint64_t seed, const pb_run_result *net, const pb_km_result *km,
                        double corr, const char *note)
{
    pbx_row r;
    pbx_row_init(&r, ker_columns);
    pbx_row_str(&r, "kind", "kernel_machine");
    pbx_row_int(&r, "h", (int64_t)h);
    pbx_row_dbl(&r, "alpha", alpha);
    pbx_row_int(&r, "seed", (int64_t)seed);
    if (net->ok) {
        pbx_row_int(&r, "N", (int64_t)net->N);
        pbx_row_dbl(&r, "net_test_err", net->test_err);
        pbx_row_str(&r, "net_stop_reason", net->stop_reason);
    }
    if (km->ok) {
        pbx_row_dbl(&r, "km_test_err", km->test_err);
        pbx_row_str(&r, "km_stop_reason", km->stop_reason);
        pbx_row_int(&r, "km_steps", km->steps);
    }
    if (net->ok && km->ok) {
        pbx_row_dbl(&r, "err_diff", net->test_err - km->test_err);
        pbx_row_dbl(&r, "output_corr", corr);
    }
    pbx_row_str(&r, "note", note);
    return pbx_row_write(svc, ctx, &r);
}

/* Trains the kernel machine of a kept net (net_out: its test outputs, or
 * NULL), writes its row and adds the comparison to sum. */
static int compare_with_machine(const pb_services *svc, pb_exp_ctx *ctx, const pb_run_spec *spec,
                                const pb_run_result *net, const double *net_out,
                                km_summary *sum)
{
    pb_km_result km;
    memset(&km, 0, sizeof km);
    km.struct_size = (uint32_t)sizeof km;
    /* A failed or unfinished net (nan, stalled) has nothing to be compared
     * with: its machine is not trained. */
    int net_ok = !run_is_excluded(net);
    if (net_ok && svc->kernel_machine(ctx, spec, &km) < 0)
        return -1;
    double corr = NAN;
    char note[600] = "";
    if (!net->ok)
        snprintf(note, sizeof note, "net failed: %s", net->error);
    else if (!net_ok)
        snprintf(note, sizeof note, "net did not finish (%s): excluded", net->stop_reason);
    else if (!km.ok)
        snprintf(note, sizeof note, "kernel machine failed: %s", km.error);
    else if (!net_out || !km.test_out || km.n_test != net->n_test || net->n_test == 0)
        snprintf(note, sizeof note, "test outputs missing or of different sizes (%zu, %zu)",
                 net->n_test, km.n_test);
    else
        corr = pbx_pearson(net_out, km.test_out, net->n_test);
    if (net_ok && km.ok) {
        sum->n_pairs++;
        sum->sum_abs_diff += fabs(net->test_err - km.test_err);
        /* A missing correlation must not look like agreement. */
        double c = isfinite(corr) ? corr : -1.0;
        if (sum->n_pairs == 1 || c < sum->min_corr)
            sum->min_corr = c;
    }
    return write_km_row(svc, ctx, spec->h, spec->alpha, spec->seed_init, net, &km, corr, note);
}

static void free_kept(kept_nets *k)
{
    free(k->spec);
    free(k->res);
    free(k->out);
    free(k->has_out);
    memset(k, 0, sizeof *k);
}

static int alloc_kept(const pb_services *svc, pb_exp_ctx *ctx, size_t n_seeds, kept_nets *k)
{
    memset(k, 0, sizeof *k);
    k->spec = calloc(n_seeds, sizeof *k->spec);
    k->res = calloc(n_seeds, sizeof *k->res);
    k->has_out = calloc(n_seeds, sizeof *k->has_out);
    if (!k->spec || !k->res || !k->has_out) {
        free_kept(k);
        pbx_errorf(svc, ctx, "out of memory for %zu seeds", n_seeds);
        return -1;
    }
    return 0;
}

/* Copies a net's result and test outputs (the next service call would
 * invalidate the outputs).  Returns 0, or -1 after svc->error. */
static int keep_net(const pb_services *svc, pb_exp_ctx *ctx, size_t n_seeds,
                    const pb_run_spec *spec, const pb_run_result *res, kept_nets *k)
{
    size_t i = k->n++;
    k->spec[i] = *spec;
    k->res[i] = *res;
    k->res[i].test_out = k->res[i].test_y = NULL;
    if (!res->ok || !res->test_out || res->n_test == 0)
        return 0;
    if (!k->out) {
        k->n_test = res->n_test;
        k->out = malloc(n_seeds * k->n_test * sizeof *k->out);
        if (!k->out) {
            pbx_errorf(svc, ctx, "out of memory for %zu x %zu test outputs", n_seeds, k->n_test);
            return -1;
        }
    }
    if (res->n_test == k->n_test) {
        memcpy(k->out + i * k->n_test, res->test_out, k->n_test * sizeof *k->out);
        k->has_out[i] = 1;
    }
    return 0;
}

/* Trains every seed at (h, alpha); with `kept` the nets are kept for their
 * kernel machines. */
static int measure_alpha(const pb_services *svc, pb_exp_ctx *ctx, const ker_config *cfg, size_t h,
                         double alpha, alpha_stats *st, kept_nets *kept)
{
    double *buf = malloc(3 * cfg->n_seeds * sizeof *buf);
    if (!buf) {
        pbx_errorf(svc, ctx, "out of memory for %zu seeds", cfg->n_seeds);
        return -1;
    }
    double *logr = buf, *dw = buf + cfg->n_seeds, *err = dw + cfg->n_seeds;
    pbx_tally stops;
    pbx_tally_init(&stops);
    memset(st, 0, sizeof *st);
    st->N = NAN;
    int rc = 0;
    for (size_t k = 0; k < cfg->n_seeds && rc == 0; k++) {
        pb_run_spec spec = cfg->base;
        spec.h = h;
        spec.alpha = alpha;
        spec.seed_init = cfg->seeds[k];
        spec.want_ntk = 1;
        spec.want_test_outputs = kept != NULL;
        pb_run_result res;
        if (pbx_train(svc, ctx, &spec, "lazy_scan", &res) < 0) {
            rc = -1;
            break;
        }
        pbx_tally_add(&stops, res.ok ? res.stop_reason : "failed");
        st->n_ok += res.ok != 0;
        st->n_excluded += run_is_excluded(&res);
        st->n_converged += pbx_run_converged(&res);
        if (res.ok && res.N > 0)
            st->N = (double)res.N;
        if (run_is_used(cfg, &res)) {
            logr[st->n_used] = pb_pm_log10(res.ntk_r);
            dw[st->n_used] = res.dw_rel;
            err[st->n_used] = res.test_err;
            st->n_used++;
        }
        if (kept)
            rc = keep_net(svc, ctx, cfg->n_seeds, &spec, &res, kept);
    }
    st->log10_r_mean = pbx_mean(logr, st->n_used);
    st->log10_r_std = pbx_std(logr, st->n_used);
    st->log10_r_sem = pbx_sem(logr, st->n_used);
    /* The geometric mean of r is 10^(mean of log10 r). */
    st->r_geomean = st->n_used ? pb_pm_pow(10.0, st->log10_r_mean) : NAN;
    st->dw_rel_mean = pbx_mean(dw, st->n_used);
    st->test_err_mean = pbx_mean(err, st->n_used);
    pbx_tally_format(&stops, st->stops, sizeof st->stops);
    free(buf);
    if (rc == 0)
        pbx_logf(svc, ctx, "h=%zu alpha=%g: r geomean %.3g over %zu run(s) (%zu/%zu converged; %s)",
                 h, alpha, st->r_geomean, st->n_used, st->n_converged, cfg->n_seeds, st->stops);
    return rc;
}

/* The kernel machine of every kept net, one row each. */
static int compare_kept(const pb_services *svc, pb_exp_ctx *ctx, const kept_nets *k,
                        km_summary *sum)
{
    for (size_t i = 0; i < k->n; i++) {
        const double *out = k->has_out[i] ? k->out + i * k->n_test : NULL;
        if (compare_with_machine(svc, ctx, &k->spec[i], &k->res[i], out, sum) < 0)
            return -1;
    }
    return 0;
}

static int write_mean_row(const pb_services *svc, pb_exp_ctx *ctx, const ker_config *cfg, size_t h,
                          double alpha, const alpha_stats *st)
{
    pbx_row r;
    pbx_row_init(&r, ker_columns);
    pbx_row_str(&r, "kind", "run_mean");
    pbx_row_int(&r, "h", (int64_t)h);
    pbx_row_dbl(&r, "alpha", alpha);
    pbx_row_dbl(&r, "N", st->N);
    pbx_row_int(&r, "n_seeds", (int64_t)cfg->n_seeds);
    pbx_row_int(&r, "n_ok", (int64_t)st->n_ok);
    pbx_row_int(&r, "n_converged", (int64_t)st->n_converged);
    pbx_row_int(&r, "n_used", (int64_t)st->n_used);
    pbx_row_dbl(&r, "r_geomean", st->r_geomean);
    pbx_row_dbl(&r, "log10_r_mean", st->log10_r_mean);
    pbx_row_dbl(&r, "log10_r_std", st->log10_r_std);
    pbx_row_dbl(&r, "dw_rel_mean", st->dw_rel_mean);
    pbx_row_dbl(&r, "test_err_mean", st->test_err_mean);
    pbx_row_str(&r, "stops", st->stops);
    pbx_row_int(&r, "n_excluded", (int64_t)st->n_excluded);
    if (st->n_used == 0)
        pbx_row_str(&r, "note", cfg->converged_only ? "no run reached N_Delta = 0 with r measured"
                                                    : "no run with r measured");
    return pbx_row_write(svc, ctx, &r);
}

/* The crossover of each threshold c at width h; a_star[i] for
 * ker_thresholds[i] (NaN when not found). */
static int write_crossovers(const pb_services *svc, pb_exp_ctx *ctx, const ker_config *cfg,
                            size_t h, const double *r, double *a_star_out)
{
    for (size_t i = 0; i < sizeof ker_thresholds / sizeof *ker_thresholds; i++) {
        double c = ker_thresholds[i], a1, a2, a_star;
        pbx_cross_status st = pbx_crossover(cfg->alpha, r, cfg->n_alpha, c, &a1, &a2, &a_star);
        a_star_out[i] = a_star;
        pbx_row row;
        pbx_row_init(&row, ker_columns);
        pbx_row_str(&row, "kind", "crossover");
        pbx_row_int(&row, "h", (int64_t)h);
        pbx_row_dbl(&row, "c", c);
        pbx_row_dbl(&row, "a1", a1);
        pbx_row_dbl(&row, "a2", a2);
        pbx_row_dbl(&row, "alpha_star", a_star);
        pbx_row_str(&row, "note", pbx_cross_note(st));
        if (pbx_row_write(svc, ctx, &row) < 0)
            return -1;
        if (st == PBX_CROSS_OK)
            pbx_logf(svc, ctx, "h=%zu: |dTheta| = %g |Theta0| at alpha* = %.4g", h, c, a_star);
    }
    return 0;
}

/* "a, b, c" of up to n values (NaN as "-"), for claim details. */
static void format_values(char *buf, size_t len, const double *v, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int w = isfinite(v[i]) ? snprintf(buf + used, len - used, "%s%.3g", i ? ", " : "", v[i])
                               : snprintf(buf + used, len - used, "%s-", i ? ", " : "");
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Claims (b): r falls with alpha, and r << 1 at the largest alpha. */
static int judge_lazy(const pb_services *svc, pb_exp_ctx *ctx, const ker_config *cfg, size_t h,
                      const double *r, const double *log_mean, const double *log_sem)
{
    char name[96], detail[512], values[400];
    size_t n_valid = 0;
    for (size_t i = 0; i < cfg->n_alpha; i++)
        n_valid += isfinite(r[i]) != 0;
    format_values(values, sizeof values, r, cfg->n_alpha);

    snprintf(name, sizeof name, "ntk_r_monotone[h=%zu]", h);
    size_t ups = pbx_count_increases(log_mean, log_sem, cfg->n_alpha, KER_SCATTER_SE);
    snprintf(detail, sizeof detail, "r_geomean over alpha %g..%g: %s", cfg->alpha[0],
             cfg->alpha[cfg->n_alpha - 1], values);
    pb_verdict v = n_valid < 2 ? PB_VERDICT_NOT_JUDGED : ups == 0 ? PB_VERDICT_PASS : PB_VERDICT_FAIL;
    if (svc->claim(ctx, name, n_valid < 2 ? NAN : (double)ups, "0 increases",
                   "an increase of log10 r smaller than 2 standard errors of the difference "
                   "(seed scatter) does not count; with one seed every increase counts",
                   v, detail) < 0)
        return -1;

    /* r ~ 1/alpha in the lazy regime: the slope over the lazy decades. */
    snprintf(name, sizeof name, "ntk_r_lazy_slope[h=%zu]", h);
    pbx_fit fit;
    size_t m = pbx_lazy_slope(cfg->alpha, r, cfg->n_alpha, KER_LAZY_R, &fit);
    char tol[200];
    snprintf(tol, sizeof tol, "+-%g on the least-squares slope of log r against log alpha over "
             "the alphas with r < %g (the lazy decades)", KER_LAZY_SLOPE_TOL, KER_LAZY_R);
    char se[32] = "- (fewer than 3 points)";
    if (isfinite(fit.slope_se))
        snprintf(se, sizeof se, "%.2g", fit.slope_se);
    snprintf(detail, sizeof detail, "%zu lazy alpha(s), slope se %s; r_geomean over alpha "
             "%g..%g: %s", m, se, cfg->alpha[0], cfg->alpha[cfg->n_alpha - 1], values);
    v = m < 2 ? PB_VERDICT_NOT_JUDGED
              : fabs(fit.slope + 1.0) <= KER_LAZY_SLOPE_TOL ? PB_VERDICT_PASS : PB_VERDICT_FAIL;
    return svc->claim(ctx, name, fit.slope, "-1", tol, v, detail);
}

/* Claim (c): at the largest alpha the net is its initial-NTK kernel machine. */
static int judge_kernel_machine(const pb_services *svc, pb_exp_ctx *ctx, const ker_config *cfg,
                                size_t h, const km_summary *km)
{
    char name[96], expected[96], tolerance[320], detail[400];
    snprintf(name, sizeof name, "net_matches_kernel_machine[h=%zu]", h);
    snprintf(expected, sizeof expected, "<= %g and output correlation >= %g", cfg->km_tol_err,
             KER_MIN_CORR);
    snprintf(tolerance, sizeof tolerance,
             "km_tol_err = %g on the mean |test error difference| (battery key; at finite alpha "
             "the net is only nearly lazy); every seed's Pearson correlation of test outputs "
             ">= %g", cfg->km_tol_err, KER_MIN_CORR);
    if (!cfg->kernel_machine || km->n_pairs == 0) {
        snprintf(detail, sizeof detail, "%s", !cfg->kernel_machine
                                                  ? "kernel_machine = 0"
                                                  : "no seed where both net and machine ran");
        return svc->claim(ctx, name, NAN, expected, tolerance, PB_VERDICT_NOT_JUDGED, detail);
    }
    double mean_diff = km->sum_abs_diff / (double)km->n_pairs;
    int pass = mean_diff <= cfg->km_tol_err && km->min_corr >= KER_MIN_CORR;
    snprintf(detail, sizeof detail, "alpha=%g, %zu seed(s); min output correlation %.6g",
             cfg->alpha[cfg->n_alpha - 1], km->n_pairs, km->min_corr);
    return svc->claim(ctx, name, mean_diff, expected, tolerance,
                      pass ? PB_VERDICT_PASS : PB_VERDICT_FAIL, detail);
}

static int run_width(const pb_services *svc, pb_exp_ctx *ctx, const ker_config *cfg, size_t h,
                     double *a_star)
{
    double *buf = malloc(3 * cfg->n_alpha * sizeof *buf);
    if (!buf) {
        pbx_errorf(svc, ctx, "out of memory for %zu alphas", cfg->n_alpha);
        return -1;
    }
    double *r = buf, *log_mean = buf + cfg->n_alpha, *log_sem = log_mean + cfg->n_alpha;
    km_summary km = {0, 0.0, 1.0};
    kept_nets kept;
    memset(&kept, 0, sizeof kept);
    int rc = cfg->kernel_machine ? alloc_kept(svc, ctx, cfg->n_seeds, &kept) : 0;
    for (size_t a = 0; a < cfg->n_alpha && rc == 0; a++) {
        int is_largest = a + 1 == cfg->n_alpha;
        alpha_stats st;
        rc = measure_alpha(svc, ctx, cfg, h, cfg->alpha[a], &st,
                           cfg->kernel_machine && is_largest ? &kept : NULL);
        if (rc == 0)
            rc = write_mean_row(svc, ctx, cfg, h, cfg->alpha[a], &st);
        r[a] = st.r_geomean;
        log_mean[a] = st.log10_r_mean;
        log_sem[a] = st.log10_r_sem;
    }
    if (rc == 0 && cfg->kernel_machine)
        rc = compare_kept(svc, ctx, &kept, &km);
    free_kept(&kept);
    if (rc == 0)
        rc = write_crossovers(svc, ctx, cfg, h, r, a_star);
    if (rc == 0)
        rc = judge_lazy(svc, ctx, cfg, h, r, log_mean, log_sem);
    if (rc == 0)
        rc = judge_kernel_machine(svc, ctx, cfg, h, &km);
    free(buf);
    return rc;
}

/* The slope of log alpha*(h; c) in log h for each c, its row, and the claim
 * for c = 1 (docs/physics.md section 9: alpha-tilde* = O(1), independent of h). */
static int judge_crossover_slope(const pb_services *svc, pb_exp_ctx *ctx, const ker_config *cfg,
                                 const double *a_star)
{
    size_t n_c = sizeof ker_thresholds / sizeof *ker_thresholds;
    double *x = malloc(2 * (cfg->n_h ? cfg->n_h : 1) * sizeof *x);
    if (!x) {
        pbx_errorf(svc, ctx, "out of memory for the crossover fit");
        return -1;
    }
    double *y = x + cfg->n_h;
    int rc = 0;
    for (size_t i = 0; i < n_c && rc == 0; i++) {
        char values[400] = "", name[96], detail[600], tol[240];
        size_t m = 0, used = 0;
        for (size_t k = 0; k < cfg->n_h; k++) {
            double a = a_star[k * n_c + i];
            int w = isfinite(a) ? snprintf(values + used, sizeof values - used, "%sh=%zu: %.4g",
                                           used ? ", " : "", cfg->h[k], a)
                                : snprintf(values + used, sizeof values - used, "%sh=%zu: -",
                                           used ? ", " : "", cfg->h[k]);
            if (w > 0 && (size_t)w < sizeof values - used)
                used += (size_t)w;
            if (!isfinite(a))
                continue;
            x[m] = pb_pm_log((double)cfg->h[k]);
            y[m] = pb_pm_log(a);
            m++;
        }
        pbx_fit fit;
        pbx_linfit(x, y, m, &fit);
        pbx_row row;
        pbx_row_init(&row, ker_columns);
        pbx_row_str(&row, "kind", "crossover_fit");
        pbx_row_dbl(&row, "c", ker_thresholds[i]);
        pbx_row_dbl(&row, "slope", fit.slope);
        pbx_row_dbl(&row, "slope_se", fit.slope_se);
        pbx_row_int(&row, "n_points", (int64_t)m);
        if (m < 2)
            pbx_row_str(&row, "note", "fewer than two widths with a crossover");
        if ((rc = pbx_row_write(svc, ctx, &row)) < 0)
            break;
        snprintf(name, sizeof name, "crossover_h_slope[c=%g]", ker_thresholds[i]);
        snprintf(tol, sizeof tol, "+-%g on d log alpha*/d log h: half the distance to -1/2, the "
                 "slope of the article's convention alpha* ~ 1/sqrt(h)", KER_CROSS_SLOPE_TOL);
        int judged = ker_thresholds[i] == 1.0;
        char se[32] = "- (fewer than 3 widths)";
        if (isfinite(fit.slope_se))
            snprintf(se, sizeof se, "%.2g", fit.slope_se);
        snprintf(detail, sizeof detail, "alpha* interpolated in log r between grid points: %s; "
                 "slope se %s%s", values, se,
                 judged ? "" : "; reported only: the paper draws the crossover at c = 1");
        pb_verdict v = !judged || m < 2 ? PB_VERDICT_NOT_JUDGED
                       : fabs(fit.slope) <= KER_CROSS_SLOPE_TOL ? PB_VERDICT_PASS
                                                                : PB_VERDICT_FAIL;
        rc = svc->claim(ctx, name, fit.slope, "0 (alpha-tilde* independent of h)", tol, v, detail);
    }
    free(x);
    return rc;
}

static int kernel_run(const pb_services *svc, pb_exp_ctx *ctx)
{
    ker_config cfg;
    if (read_config(svc, ctx, &cfg) < 0)
        return -1;
    pbx_logf(svc, ctx, "%zu width(s), alpha %g..%g (%zu), %zu seeds, kernel machine %s, budget %lld steps",
             cfg.n_h, cfg.alpha[0], cfg.alpha[cfg.n_alpha - 1], cfg.n_alpha, cfg.n_seeds,
             cfg.kernel_machine ? "on" : "off", (long long)cfg.base.max_steps);
    size_t n_c = sizeof ker_thresholds / sizeof *ker_thresholds;
    double *a_star = malloc(cfg.n_h * n_c * sizeof *a_star);
    if (!a_star) {
        free_config(&cfg);
        pbx_errorf(svc, ctx, "out of memory for %zu widths", cfg.n_h);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < cfg.n_h && rc == 0; i++)
        rc = run_width(svc, ctx, &cfg, cfg.h[i], a_star + i * n_c);
    if (rc == 0)
        rc = judge_crossover_slope(svc, ctx, &cfg, a_star);
    free(a_star);
    free_config(&cfg);
    return rc;
}

/* The closing summary of `phasebench run`: the crossover per h, its fit. */
static const char *const summary_crossover[] = {"h", "c", "alpha_star", "note", NULL};
static const char *const summary_fit[] = {"c", "slope", "slope_se", "n_points", NULL};
static const pb_summary_line kernel_summary[] = {
    {"crossover", summary_crossover},
    {"crossover_fit", summary_fit},
    {NULL, NULL},
};

static const pb_experiment_vtable kernel_vtable = {
    .struct_size = sizeof(pb_experiment_vtable),
    .name = "kernel",
    .description = "lazy limit: NTK change r along alpha per h, lazy/feature crossover, net vs "
                   "kernel machine",
    .plan = kernel_plan,
    .run = kernel_run,
    .summary = kernel_summary,
};

PB_EXPORT const pb_experiment_abi_desc pb_experiment_desc = PB_EXPERIMENT_DESC_INIT("kernel");

PB_EXPORT const pb_experiment_vtable *pb_experiment_entry(void)
{
    return &kernel_vtable;
}
