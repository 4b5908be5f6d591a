/*
 * jamming: the jamming transition of PAPER.md section 4.
 *
 * For each alpha the widths are scanned from the largest down, as the
 * authors' jamming.py does: a width is unjammed when any seed reaches
 * N_Delta = 0 within the step budget, jammed when every seed ends with
 * N_Delta > 0, and the scan stops at the first jammed width.  The bracket
 * h1 (jammed) < h2 (unjammed) is then bisected on the integers, and the
 * jamming point is reported at h* = sqrt(h1 h2) with N* = N(h*).
 *
 * Jammed / unjammed always means "within this step budget" (PAPER.md
 * section 10, caution 3): every row carries the budget.
 */
#include "phasebench/experiment.h"
#include "pbx_jam.h"
#include "pbx_stats.h"
#include "pbx_svc.h"
#include "pbx_tally.h"
#include "pbx_work.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The nn_jamming scans call a width jammed once N_Delta > 0.1 N
 * (PAPER.md section 4.1): the finite jump the claim checks. */
#define JAM_SHARP_FRACTION 0.1

/* The authors require at least 3 runs per width before calling it jammed
 * (njam = 3, PAPER.md section 4.2). */
#define JAM_MIN_SEEDS 3

typedef struct jam_config {
    pb_run_spec base;
    double *alpha;
    size_t n_alpha;
    size_t *h_desc; /* strictly decreasing */
    size_t n_h;
    uint64_t *seeds;
    size_t n_seeds;
    int refine;
    double nd_tol; /* margin tolerance of "N_Delta = 0" (0: strict) */
} jam_config;

/* What the seeds of one width gave. */
typedef struct width_stats {
    size_t h;
    int is_refine;
    double N;
    size_t n_unjammed, n_jammed, n_invalid;
    int64_t nd_min;
    double nd_mean, test_err_mean, test_err_std, out_norm_mean;
    pbx_width_verdict verdict;
    char stops[160];
} width_stats;

static const char *const jam_columns[] = {
    "kind", "alpha", "stage", "h", "N", "P", "n_seeds", "n_unjammed", "n_invalid",
    "nd_min", "nd_mean", "nd_over_N_min", "nd_over_N_mean", "test_err_mean", "test_err_std",
    "out_norm_mean", "jammed", "stops", "h1", "h2", "h_star", "N_star", "N_star_over_P",
    "budget_steps", "nd_tol", "note", NULL};

static void free_config(jam_config *cfg)
{
    free(cfg->alpha);
    free(cfg->h_desc);
    free(cfg->seeds);
    memset(cfg, 0, sizeof *cfg);
}

static void reverse_sizes(size_t *v, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        size_t t = v[i];
        v[i] = v[n - 1 - i];
        v[n - 1 - i] = t;
    }
}

static int read_config(const pb_services *svc, pb_exp_ctx *ctx, jam_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    pbx_base_spec(svc, ctx, &cfg->base);
    if (pbx_get_alphas(svc, ctx, cfg->base.alpha, &cfg->alpha, &cfg->n_alpha) < 0 ||
        pbx_get_widths(svc, ctx, cfg->base.h, &cfg->h_desc, &cfg->n_h) < 0 ||
        pbx_get_seeds(svc, ctx, &cfg->seeds, &cfg->n_seeds) < 0 ||
        pbx_get_flag(svc, ctx, "refine", 1, &cfg->refine) < 0 ||
        pbx_get_number(svc, ctx, "nd_tol", 0.0, 0.0, 1.0, &cfg->nd_tol) < 0) {
        free_config(cfg);
        return -1;
    }
    reverse_sizes(cfg->h_desc, cfg->n_h); /* the scan goes downwards */
    return 0;
}

/* The worst number of bisection steps over the brackets the scan can end
 * with: two consecutive widths of the list. */
static int max_refine_steps(const jam_config *cfg, size_t *pair_top)
{
    int worst = 0;
    *pair_top = cfg->n_h ? cfg->h_desc[0] : 0;
    for (size_t i = 0; i + 1 < cfg->n_h; i++) {
        int s = pbx_jam_refine_max_steps(cfg->h_desc[i + 1], cfg->h_desc[i]);
        if (s > worst) {
            worst = s;
            *pair_top = cfg->h_desc[i];
        }
    }
    return cfg->refine ? worst : 0;
}

static int jamming_plan(const pb_services *svc, pb_exp_ctx *ctx, int64_t *n_runs, double *gflop)
{
    jam_config cfg;
    if (read_config(svc, ctx, &cfg) < 0)
        return -1;
    size_t pair_top = 0;
    int refine_steps = max_refine_steps(&cfg, &pair_top);
    double per_alpha = 0.0;
    for (size_t i = 0; i < cfg.n_h; i++) {
        pbx_shape s = pbx_shape_of(&cfg.base, cfg.h_desc[i]);
        per_alpha += pbx_run_gflop(&s, 0);
    }
    /* Every bisected width lies below the top of its bracket, so the top's
     * cost bounds them all. */
    if (refine_steps > 0) {
        pbx_shape top = pbx_shape_of(&cfg.base, pair_top);
        per_alpha += refine_steps * pbx_run_gflop(&top, 0);
    }
    *n_runs = (int64_t)(cfg.n_alpha * cfg.n_seeds * (cfg.n_h + (size_t)refine_steps));
    *gflop = per_alpha * (double)cfg.n_seeds * (double)cfg.n_alpha;
    free_config(&cfg);
    return 0;
}

/* Trains every seed at (alpha, h) and reduces them to w. */
static int measure_width(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg,
                         double alpha, size_t h, int is_refine, width_stats *w)
{
    double *nd = malloc(3 * cfg->n_seeds * sizeof *nd);
    if (!nd) {
        pbx_errorf(svc, ctx, "out of memory for %zu seeds", cfg->n_seeds);
        return -1;
    }
    double *err = nd + cfg->n_seeds, *out_norm = err + cfg->n_seeds;
    pbx_tally stops;
    pbx_tally_init(&stops);
    memset(w, 0, sizeof *w);
    w->h = h;
    w->is_refine = is_refine;
    w->N = NAN;
    w->nd_min = -1;
    size_t n_valid = 0;
    for (size_t k = 0; k < cfg->n_seeds; k++) {
        pb_run_spec spec = cfg->base;
        spec.h = h;
        spec.alpha = alpha;
        spec.seed_init = cfg->seeds[k];
        pb_run_result res;
        if (pbx_train(svc, ctx, &spec, is_refine ? "refine" : "scan", &res) < 0) {
            free(nd);
            return -1;
        }
        pbx_tally_add(&stops, res.ok ? res.stop_reason : "failed");
        if (res.ok && res.N > 0)
            w->N = (double)res.N;
        pbx_run_end end = {res.ok, res.stop_reason, res.train_nd, res.train_min_margin,
                           spec.loss_margin};
        pbx_run_class c = pbx_jam_classify_run(&end, cfg->nd_tol);
        if (c == PBX_RUN_INVALID) {
            w->n_invalid++;
            continue;
        }
        /* Unjammed within nd_tol means no margin below loss_margin - nd_tol:
         * N_Delta counted at that threshold is 0.  Jammed runs keep the
         * strict count (an upper bound of the tolerant one). */
        int64_t nd_run = c == PBX_RUN_UNJAMMED ? 0 : res.train_nd;
        if (c == PBX_RUN_UNJAMMED)
            w->n_unjammed++;
        else
            w->n_jammed++;
        if (w->nd_min < 0 || nd_run < w->nd_min)
            w->nd_min = nd_run;
        nd[n_valid] = (double)nd_run;
        err[n_valid] = res.test_err;
        out_norm[n_valid] = res.out_norm;
        n_valid++;
    }
    w->nd_mean = pbx_mean(nd, n_valid);
    w->test_err_mean = pbx_mean(err, n_valid);
    w->test_err_std = pbx_std(err, n_valid);
    w->out_norm_mean = pbx_mean(out_norm, n_valid);
    w->verdict = pbx_jam_width_verdict(w->n_unjammed, w->n_jammed, w->n_invalid);
    pbx_tally_format(&stops, w->stops, sizeof w->stops);
    free(nd);
    static const char *const verdict_names[] = {"unjammed", "jammed", "undecided"};
    char nd_min[32] = "none";
    if (w->nd_min >= 0)
        snprintf(nd_min, sizeof nd_min, "%lld", (long long)w->nd_min);
    pbx_logf(svc, ctx, "alpha=%g h=%zu%s: %s (%zu/%zu seeds at N_Delta = 0, N_Delta min %s; %s)",
             alpha, h, is_refine ? " (bisection)" : "", verdict_names[w->verdict], w->n_unjammed,
             cfg->n_seeds, nd_min, w->stops);
    return 0;
}

static int write_scan_row(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg,
                          double alpha, const width_stats *w)
{
    pbx_row r;
    pbx_row_init(&r, jam_columns);
    pbx_row_str(&r, "kind", "scan");
    pbx_row_dbl(&r, "alpha", alpha);
    pbx_row_str(&r, "stage", w->is_refine ? "refine" : "scan");
    pbx_row_int(&r, "h", (int64_t)w->h);
    pbx_row_dbl(&r, "N", w->N);
    pbx_row_int(&r, "P", (int64_t)cfg->base.ptr);
    pbx_row_int(&r, "n_seeds", (int64_t)cfg->n_seeds);
    pbx_row_int(&r, "n_unjammed", (int64_t)w->n_unjammed);
    pbx_row_int(&r, "n_invalid", (int64_t)w->n_invalid);
    if (w->nd_min >= 0) {
        pbx_row_int(&r, "nd_min", w->nd_min);
        pbx_row_dbl(&r, "nd_over_N_min", (double)w->nd_min / w->N);
    }
    pbx_row_dbl(&r, "nd_mean", w->nd_mean);
    pbx_row_dbl(&r, "nd_over_N_mean", w->nd_mean / w->N);
    pbx_row_dbl(&r, "test_err_mean", w->test_err_mean);
    pbx_row_dbl(&r, "test_err_std", w->test_err_std);
    pbx_row_dbl(&r, "out_norm_mean", w->out_norm_mean);
    if (w->verdict != PBX_WIDTH_UNDECIDED)
        pbx_row_int(&r, "jammed", w->verdict == PBX_WIDTH_JAMMED);
    pbx_row_str(&r, "stops", w->stops);
    pbx_row_int(&r, "budget_steps", cfg->base.max_steps);
    pbx_row_dbl(&r, "nd_tol", cfg->nd_tol);
    return pbx_row_write(svc, ctx, &r);
}

static const width_stats *find_width(const width_stats *tried, size_t n, size_t h)
{
    for (size_t i = 0; i < n; i++)
        if (tried[i].h == h)
            return &tried[i];
    return NULL;
}

/* N(h) with the real-valued formula.  The input dimension is read back from
 * a measured N when there is one, since d = 0 (raw images) is only known to
 * the core. */
static double params_at(const jam_config *cfg, const width_stats *w, double h)
{
    double L = (double)cfg->base.L, d = (double)cfg->base.d;
    if (w && isfinite(w->N)) {
        double hw = (double)w->h;
        d = (w->N - (L - 1.0) * hw * hw - hw) / hw;
    }
    return d > 0.0 ? pbx_fc_params(d, L, h) : NAN;
}

static int write_point_row(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg,
                           double alpha, const pbx_jam_search *s, const width_stats *tried,
                           size_t n_tried)
{
    pbx_row r;
    pbx_row_init(&r, jam_columns);
    pbx_row_str(&r, "kind", "point");
    pbx_row_dbl(&r, "alpha", alpha);
    pbx_row_int(&r, "P", (int64_t)cfg->base.ptr);
    pbx_row_int(&r, "n_seeds", (int64_t)cfg->n_seeds);
    pbx_row_int(&r, "budget_steps", cfg->base.max_steps);
    pbx_row_dbl(&r, "nd_tol", cfg->nd_tol);
    if (pbx_jam_search_has_bracket(s)) {
        double h_star = sqrt((double)s->h1 * (double)s->h2);
        double N_star = params_at(cfg, find_width(tried, n_tried, s->h1), h_star);
        pbx_row_int(&r, "h1", (int64_t)s->h1);
        pbx_row_int(&r, "h2", (int64_t)s->h2);
        pbx_row_dbl(&r, "h_star", h_star);
        pbx_row_dbl(&r, "N_star", N_star);
        pbx_row_dbl(&r, "N_star_over_P", N_star / (double)cfg->base.ptr);
        pbx_row_str(&r, "note", s->note);
    } else {
        pbx_row_str(&r, "note", s->note[0] ? s->note : "no bracket found");
    }
    return pbx_row_write(svc, ctx, &r);
}

/* Claim (a): N_Delta jumps from 0 at h2 to a finite fraction of N at h1. */
static int judge_sharpness(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg,
                           double alpha, const pbx_jam_search *s, const width_stats *tried,
                           size_t n_tried)
{
    char name[96], detail[512], tolerance[320];
    static const char expected[] = ">= 0.1 at h1 and 0 at h2";
    snprintf(tolerance, sizeof tolerance,
             "none: 0.1 N is the jamming criterion of the nn_jamming scans (PAPER 4.1); h2 needs "
             "a seed at N_Delta = 0 (nd_tol = %g on the margin); jammed means within budget_steps",
             cfg->nd_tol);
    snprintf(name, sizeof name, "jamming_sharp[alpha=%g]", alpha);
    if (!pbx_jam_search_has_bracket(s)) {
        snprintf(detail, sizeof detail, "no bracket: %s", s->note[0] ? s->note : "not found");
        return svc->claim(ctx, name, NAN, expected, tolerance, PB_VERDICT_NOT_JUDGED, detail);
    }
    const width_stats *w1 = find_width(tried, n_tried, s->h1);
    const width_stats *w2 = find_width(tried, n_tried, s->h2);
    double measured = w1 ? (double)w1->nd_min / w1->N : NAN;
    int64_t nd2 = w2 ? w2->nd_min : -1;
    int sharp = pbx_jam_is_sharp(measured, nd2, JAM_SHARP_FRACTION);
    snprintf(detail, sizeof detail,
             "h1=%zu: N_Delta min %lld of N=%.0f over %zu seeds; h2=%zu: N_Delta min %lld "
             "(%zu/%zu seeds at 0); budget %lld steps%s",
             s->h1, (long long)(w1 ? w1->nd_min : -1), w1 ? w1->N : NAN, cfg->n_seeds, s->h2,
             (long long)nd2, w2 ? w2->n_unjammed : 0, cfg->n_seeds, (long long)cfg->base.max_steps,
             cfg->n_seeds < JAM_MIN_SEEDS ? "; fewer seeds than the authors' 3 per width" : "");
    return svc->claim(ctx, name, measured, expected, tolerance,
                      sharp ? PB_VERDICT_PASS : PB_VERDICT_FAIL, detail);
}

static int run_alpha(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg, double alpha)
{
    size_t pair_top;
    size_t cap = cfg->n_h + (size_t)max_refine_steps(cfg, &pair_top) + 1;
    width_stats *tried = malloc(cap * sizeof *tried);
    size_t *tried_h = malloc(cap * sizeof *tried_h);
    if (!tried || !tried_h) {
        free(tried);
        free(tried_h);
        pbx_errorf(svc, ctx, "out of memory for %zu widths", cap);
        return -1;
    }
    /* The scan of one alpha is sequential (each width depends on the last):
     * one unit of work for the core's --jobs, --shard and --resume. */
    char unit[64];
    snprintf(unit, sizeof unit, "alpha=%.17g", alpha);
    if (PB_HAS(svc, pb_services, unit) && svc->unit(ctx, unit) < 0) {
        free(tried);
        free(tried_h);
        return -1;
    }
    pbx_jam_search s;
    pbx_jam_search_init(&s, cfg->h_desc, cfg->n_h, cfg->refine);
    size_t n_tried = 0, h;
    int is_refine, rc = 0;
    while (rc == 0 && n_tried < cap && pbx_jam_search_next(&s, tried_h, n_tried, &h, &is_refine)) {
        width_stats *w = &tried[n_tried];
        rc = measure_width(svc, ctx, cfg, alpha, h, is_refine, w);
        if (rc == 0)
            rc = write_scan_row(svc, ctx, cfg, alpha, w);
        if (rc == 0) {
            tried_h[n_tried++] = h;
            pbx_jam_search_report(&s, h, w->verdict);
        }
    }
    if (rc == 0)
        rc = write_point_row(svc, ctx, cfg, alpha, &s, tried, n_tried);
    if (rc == 0)
        rc = judge_sharpness(svc, ctx, cfg, alpha, &s, tried, n_tried);
    if (PB_HAS(svc, pb_services, unit))
        svc->unit(ctx, NULL);
    if (rc == 0 && pbx_jam_search_has_bracket(&s))
        pbx_logf(svc, ctx, "alpha=%g: jamming between h1=%zu (jammed) and h2=%zu, h*=%.4g", alpha,
                 s.h1, s.h2, sqrt((double)s.h1 * (double)s.h2));
    free(tried);
    free(tried_h);
    return rc;
}

static int jamming_run(const pb_services *svc, pb_exp_ctx *ctx)
{
    jam_config cfg;
    if (read_config(svc, ctx, &cfg) < 0)
        return -1;
    if (cfg.n_seeds < JAM_MIN_SEEDS)
        pbx_logf(svc, ctx, "%zu seed(s) per width: the authors call a width jammed only with at "
                 "least %d runs", cfg.n_seeds, JAM_MIN_SEEDS);
    pbx_logf(svc, ctx, "%zu alpha(s), widths %zu..%zu (%zu), %zu seeds, loss %s, budget %lld steps",
             cfg.n_alpha, cfg.h_desc[cfg.n_h - 1], cfg.h_desc[0], cfg.n_h, cfg.n_seeds,
             cfg.base.loss, (long long)cfg.base.max_steps);
    int rc = 0;
    for (size_t a = 0; a < cfg.n_alpha && rc == 0; a++)
        rc = run_alpha(svc, ctx, &cfg, cfg.alpha[a]);
    free_config(&cfg);
    return rc;
}

static const pb_experiment_vtable jamming_vtable = {
    sizeof(pb_experiment_vtable),
    "jamming",
    "jamming transition: downward scan in h, bisection of the bracket, h* and N*/P per alpha",
    jamming_plan,
    jamming_run,
};

PB_EXPORT const pb_experiment_abi_desc pb_experiment_desc = PB_EXPERIMENT_DESC_INIT("jamming");

PB_EXPORT const pb_experiment_vtable *pb_experiment_entry(void)
{
    return &jamming_vtable;
}
