/*
 * jamming: the jamming transition of docs/physics.md section 8.
 *
 * For each alpha the widths are scanned from the largest down, as the
 * authors' jamming.py does.  Each run is classified by stationarity, not by
 * its budget: unjammed when every margin is met within margin_tol, jammed
 * when N_Delta > 0 and its loss fell by at most loss_rtol between T/2 and T,
 * undecided otherwise, in which case its budget is doubled up to
 * max_steps_cap.  A width is unjammed when any seed is, jammed when every
 * valid seed is jammed, undecided otherwise; runs that did not finish (nan,
 * stalled, failed) are excluded and counted.  The scan goes on a few widths
 * below the first jammed one (the cusp), the bracket h1 (jammed) < h2
 * (unjammed), both decided, is bisected on the integers, and the jamming
 * point is h* = sqrt(h1 h2), N* = N(h*).
 *
 * The default loss is the quadratic hinge of the jamming papers (docs/physics.md
 * section 8), whose jammed states are stationary; with the soft hinge the
 * scan reports N_Delta / N without judging the sharpness of the transition.
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

/* The nn_jamming scans call a width jammed once N_Delta > 0.1 N
 * (docs/physics.md section 11): the finite jump the claim checks. */
#define JAM_SHARP_FRACTION 0.1

/* The authors require at least 3 runs per width before calling it jammed
 * (njam = 3, docs/physics.md section 8). */
#define JAM_MIN_SEEDS 3

/* The cusp of the test error at N* (docs/physics.md section 11): the argmax of the
 * mean test error over the widths within this many widths of h*, above the
 * largest width's value by more than JAM_CUSP_SE standard errors. */
#define JAM_CUSP_WITHIN 2
#define JAM_CUSP_SE 2.0

/* An increase of log |F| along h counts against the rise towards N* only
 * beyond this many standard errors of the difference (seed scatter). */
#define JAM_NORM_SE 2.0

/* Defaults of the protocol (battery keys margin_tol, loss_rtol,
 * max_steps_cap, below_h1): see README.md for why these values. */
#define JAM_DEFAULT_MARGIN_TOL 1e-6
#define JAM_DEFAULT_LOSS_RTOL 1e-2
#define JAM_DEFAULT_CAP_FACTOR 8
#define JAM_DEFAULT_BELOW_H1 2

typedef struct jam_config {
    pb_run_spec base;
    double *alpha;
    size_t n_alpha;
    size_t *h_desc; /* strictly decreasing */
    size_t n_h;
    uint64_t *seeds;
    size_t n_seeds;
    int refine;
    int soft;             /* soft hinge: sharpness reported, not judged */
    double loss_rtol;     /* stationarity: largest relative fall of the loss over [T/2, T] */
    int64_t cap;          /* largest step budget of an undecided run */
    size_t below_h1;      /* widths scanned below the first jammed one */
} jam_config;

/* What the seeds of one width gave. */
typedef struct width_stats {
    size_t h;
    int is_refine;
    double N;
    size_t n_unjammed, n_jammed, n_undecided, n_invalid;
    int64_t nd_min, budget; /* budget: the largest step budget any seed used */
    double nd_mean, test_err_mean, test_err_std, test_err_sem, out_norm_mean;
    double log_norm_mean, log_norm_sem, loss_fall_max;
    pbx_width_verdict verdict;
    char stops[160];
} width_stats;

static const char *const jam_columns[] = {
    "kind", "alpha", "stage", "h", "N", "P", "n_seeds", "n_unjammed", "n_jammed", "n_undecided",
    "n_invalid", "nd_min", "nd_mean", "nd_over_N_min", "nd_over_N_mean", "test_err_mean",
    "test_err_std", "out_norm_mean", "state", "jammed", "loss_fall_max", "stops", "h1", "h2",
    "h_star", "N_star", "N_star_over_P", "out_norm_exponent", "n_undecided_widths",
    "budget_steps", "max_steps_cap", "margin_tol", "loss_rtol", "loss", "note", NULL};

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
    /* The jamming experiment defaults to the quadratic hinge of the jamming
     * papers; a `loss` key (section or [defaults]) still decides. */
    const char *loss = NULL;
    if (svc->get_string(ctx, "loss", NULL, &loss) != 0 || !loss)
        snprintf(cfg->base.loss, sizeof cfg->base.loss, "qhinge");
    cfg->soft = strcmp(cfg->base.loss, "softhinge") == 0;
    double tol = 0.0;
    int64_t below = JAM_DEFAULT_BELOW_H1, cap = 0;
    /* The service readers return 0 when a key is present, 1 when absent. */
    int has_tol = svc->get_double(ctx, "margin_tol", 0.0, 0.0, 1.0, &tol);
    int has_cap = svc->get_int(ctx, "max_steps_cap", 0, 1, (int64_t)1 << 52, &cap);
    int has_below = svc->get_int(ctx, "below_h1", JAM_DEFAULT_BELOW_H1, 0, 1000000, &below);
    if (has_tol < 0 || has_cap < 0 || has_below < 0 ||
        pbx_get_alphas(svc, ctx, cfg->base.alpha, &cfg->alpha, &cfg->n_alpha) < 0 ||
        pbx_get_widths(svc, ctx, cfg->base.h, &cfg->h_desc, &cfg->n_h) < 0 ||
        pbx_get_seeds(svc, ctx, &cfg->seeds, &cfg->n_seeds) < 0 ||
        pbx_get_flag(svc, ctx, "refine", 1, &cfg->refine) < 0 ||
        pbx_get_number(svc, ctx, "loss_rtol", JAM_DEFAULT_LOSS_RTOL, 0.0, 1.0, &cfg->loss_rtol) < 0) {
        if (has_tol < 0 || has_cap < 0 || has_below < 0)
            pbx_errorf(svc, ctx, "margin_tol must be a number in [0, 1], max_steps_cap and "
                       "below_h1 integers >= 1 and >= 0");
        free_config(cfg);
        return -1;
    }
    cfg->base.margin_tol = has_tol == 0 ? tol : cfg->soft ? 0.0 : JAM_DEFAULT_MARGIN_TOL;
    cfg->below_h1 = (size_t)below;
    double scale = PB_HAS(svc, pb_services, scale) ? svc->scale(ctx) : 1.0;
    /* The soft hinge has no stationary jammed state to wait for: by default
     * its runs are not extended (undecided stays undecided). */
    cfg->cap = has_cap == 0 ? (int64_t)ceil((double)cap * scale)
               : cfg->soft  ? cfg->base.max_steps
                            : JAM_DEFAULT_CAP_FACTOR * cfg->base.max_steps;
    if (cfg->base.max_steps <= 0) {
        pbx_errorf(svc, ctx, "jamming needs a step budget (max_steps > 0): the stationarity test "
                   "compares the loss at max_steps / 2 and max_steps");
        free_config(cfg);
        return -1;
    }
    if (cfg->cap < cfg->base.max_steps)
        cfg->cap = cfg->base.max_steps;
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

/* The budgets one run may get: max_steps, then doubled up to the cap. */
static size_t n_budgets(const jam_config *cfg)
{
    size_t n = 1;
    for (int64_t b = cfg->base.max_steps; (b = pbx_jam_next_budget(b, cfg->cap)) > 0;)
        n++;
    return n;
}

/* The work of one seed at width h, every extension included. */
static double seed_gflop(const jam_config *cfg, size_t h)
{
    pbx_shape s = pbx_shape_of(&cfg->base, h);
    double g = pbx_run_gflop(&s, 0);
    for (int64_t b = cfg->base.max_steps; (b = pbx_jam_next_budget(b, cfg->cap)) > 0;) {
        s.max_steps = b;
        g += pbx_run_gflop(&s, 0);
    }
    return g;
}

static int jamming_plan(const pb_services *svc, pb_exp_ctx *ctx, int64_t *n_runs, double *gflop)
{
    jam_config cfg;
    if (read_config(svc, ctx, &cfg) < 0)
        return -1;
    size_t pair_top = 0;
    int refine_steps = max_refine_steps(&cfg, &pair_top);
    double per_alpha = 0.0;
    for (size_t i = 0; i < cfg.n_h; i++)
        per_alpha += seed_gflop(&cfg, cfg.h_desc[i]);
    /* Every bisected width lies below the top of its bracket, so the top's
     * cost bounds them all. */
    if (refine_steps > 0)
        per_alpha += refine_steps * seed_gflop(&cfg, pair_top);
    *n_runs = (int64_t)(cfg.n_alpha * cfg.n_seeds * (cfg.n_h + (size_t)refine_steps) *
                        n_budgets(&cfg));
    *gflop = per_alpha * (double)cfg.n_seeds * (double)cfg.n_alpha;
    free_config(&cfg);
    return 0;
}

/* One seed at one width, as far as the protocol took it. */
typedef struct seed_state {
    pbx_run_class cls;
    int64_t budget, nd;
    double test_err, out_norm, loss_fall;
    const char *stop;
    char stop_buf[16];
} seed_state;

/* Trains one seed with a budget and classifies it. */
static int train_seed(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg,
                      double alpha, size_t h, uint64_t seed, int64_t budget, const char *role,
                      seed_state *st, double *N)
{
    pb_run_spec spec = cfg->base;
    spec.h = h;
    spec.alpha = alpha;
    spec.seed_init = seed;
    spec.max_steps = budget;
    pb_run_result res;
    if (pbx_train(svc, ctx, &spec, role, &res) < 0)
        return -1;
    memset(st, 0, sizeof *st);
    st->budget = budget;
    snprintf(st->stop_buf, sizeof st->stop_buf, "%s", res.ok ? res.stop_reason : "failed");
    st->stop = st->stop_buf;
    if (res.ok && res.N > 0)
        *N = (double)res.N;
    /* N_Delta within the margin tolerance: the count the protocol decides on. */
    pbx_run_end end = {res.ok, res.stop_reason, res.train_nd_tol, res.has_half,
                       res.half_train_loss, res.train_loss};
    st->cls = pbx_jam_classify_run(&end, cfg->loss_rtol);
    st->nd = res.train_nd_tol;
    st->test_err = res.test_err;
    st->out_norm = res.out_norm;
    st->loss_fall = res.has_half && res.half_train_loss > 0
                        ? (res.half_train_loss - res.train_loss) / res.half_train_loss
                        : NAN;
    return 0;
}

/* Trains every seed at (alpha, h), extends the undecided ones while no seed
 * is unjammed, and reduces them to w. */
static int measure_width(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg,
                         double alpha, size_t h, int is_refine, width_stats *w)
{
    size_t n = cfg->n_seeds;
    seed_state *st = calloc(n, sizeof *st);
    double *buf = malloc(4 * n * sizeof *buf);
    if (!st || !buf) {
        free(st);
        free(buf);
        pbx_errorf(svc, ctx, "out of memory for %zu seeds", n);
        return -1;
    }
    double *nd = buf, *err = buf + n, *norm = err + n, *lognorm = norm + n;
    memset(w, 0, sizeof *w);
    w->h = h;
    w->is_refine = is_refine;
    w->N = NAN;
    w->nd_min = -1;
    int rc = 0, any_unjammed = 0;
    const char *role = is_refine ? "refine" : "scan";
    for (size_t k = 0; k < n && rc == 0; k++) {
        rc = train_seed(svc, ctx, cfg, alpha, h, cfg->seeds[k], cfg->base.max_steps, role, &st[k],
                        &w->N);
        any_unjammed |= rc == 0 && st[k].cls == PBX_RUN_UNJAMMED;
    }
    /* An unjammed seed decides the width (the authors' rule): the undecided
     * ones are extended only while none is. */
    for (int more = 1; rc == 0 && more && !any_unjammed;) {
        more = 0;
        for (size_t k = 0; k < n && rc == 0 && !any_unjammed; k++) {
            int64_t b = st[k].cls == PBX_RUN_UNDECIDED ? pbx_jam_next_budget(st[k].budget, cfg->cap)
                                                       : 0;
            if (b == 0)
                continue;
            rc = train_seed(svc, ctx, cfg, alpha, h, cfg->seeds[k], b, "extend", &st[k], &w->N);
            any_unjammed |= rc == 0 && st[k].cls == PBX_RUN_UNJAMMED;
            more = 1;
        }
    }
    if (rc != 0) {
        free(st);
        free(buf);
        return -1;
    }
    pbx_tally stops;
    pbx_tally_init(&stops);
    size_t n_valid = 0, n_norm = 0;
    w->loss_fall_max = NAN;
    for (size_t k = 0; k < n; k++) {
        pbx_tally_add(&stops, st[k].stop);
        if (st[k].budget > w->budget)
            w->budget = st[k].budget;
        if (st[k].cls == PBX_RUN_INVALID) {
            w->n_invalid++;
            continue;
        }
        w->n_unjammed += st[k].cls == PBX_RUN_UNJAMMED;
        w->n_jammed += st[k].cls == PBX_RUN_JAMMED;
        w->n_undecided += st[k].cls == PBX_RUN_UNDECIDED;
        if (st[k].nd > 0 && isfinite(st[k].loss_fall) &&
            !(st[k].loss_fall <= w->loss_fall_max))
            w->loss_fall_max = st[k].loss_fall;
        if (w->nd_min < 0 || st[k].nd < w->nd_min)
            w->nd_min = st[k].nd;
        nd[n_valid] = (double)st[k].nd;
        err[n_valid] = st[k].test_err;
        if (isfinite(st[k].out_norm) && st[k].out_norm > 0.0) {
            norm[n_norm] = st[k].out_norm;
            lognorm[n_norm] = pb_pm_log(st[k].out_norm);
            n_norm++;
        }
        n_valid++;
    }
    w->nd_mean = pbx_mean(nd, n_valid);
    w->test_err_mean = pbx_mean(err, n_valid);
    w->test_err_std = pbx_std(err, n_valid);
    w->test_err_sem = pbx_sem(err, n_valid);
    w->out_norm_mean = pbx_mean(norm, n_norm);
    w->log_norm_mean = pbx_mean(lognorm, n_norm);
    w->log_norm_sem = pbx_sem(lognorm, n_norm);
    size_t min_jammed = n < JAM_MIN_SEEDS ? n : JAM_MIN_SEEDS;
    w->verdict = pbx_jam_width_verdict(w->n_unjammed, w->n_jammed, w->n_undecided, min_jammed);
    pbx_tally_format(&stops, w->stops, sizeof w->stops);
    free(st);
    free(buf);
    pbx_logf(svc, ctx,
             "alpha=%g h=%zu%s: %s (unjammed %zu, jammed %zu, undecided %zu, excluded %zu of %zu; "
             "budget up to %lld steps; %s)",
             alpha, h, is_refine ? " (bisection)" : "", pbx_jam_state_name(w->verdict),
             w->n_unjammed, w->n_jammed, w->n_undecided, w->n_invalid, n, (long long)w->budget,
             w->stops);
    return 0;
}

/* The columns every row carries: the protocol's settings. */
static void protocol_cells(pbx_row *r, const jam_config *cfg)
{
    pbx_row_int(r, "P", (int64_t)cfg->base.ptr);
    pbx_row_int(r, "n_seeds", (int64_t)cfg->n_seeds);
    pbx_row_int(r, "max_steps_cap", cfg->cap);
    pbx_row_dbl(r, "margin_tol", cfg->base.margin_tol);
    pbx_row_dbl(r, "loss_rtol", cfg->loss_rtol);
    pbx_row_str(r, "loss", cfg->base.loss);
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
    protocol_cells(&r, cfg);
    pbx_row_int(&r, "n_unjammed", (int64_t)w->n_unjammed);
    pbx_row_int(&r, "n_jammed", (int64_t)w->n_jammed);
    pbx_row_int(&r, "n_undecided", (int64_t)w->n_undecided);
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
    pbx_row_str(&r, "state", pbx_jam_state_name(w->verdict));
    if (w->verdict != PBX_WIDTH_UNDECIDED)
        pbx_row_int(&r, "jammed", w->verdict == PBX_WIDTH_JAMMED);
    pbx_row_dbl(&r, "loss_fall_max", w->loss_fall_max);
    pbx_row_str(&r, "stops", w->stops);
    pbx_row_int(&r, "budget_steps", w->budget);
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

/* The widths tried, ascending (a copy of the pointers). */
static int cmp_width(const void *a, const void *b)
{
    size_t x = (*(const width_stats *const *)a)->h, y = (*(const width_stats *const *)b)->h;
    return (x > y) - (x < y);
}

/* What one alpha's search gives beyond the bracket. */
typedef struct alpha_summary {
    double h_star, N_star;
    double norm_exponent, norm_exponent_se;
    size_t norm_points, norm_increases;
    int64_t budget_max; /* the largest budget any width used */
} alpha_summary;

/* The output norm above jamming: its rise towards N* (increases of log |F|
 * along ascending h over the decided unjammed widths h >= h2) and the
 * exponent of |F| ~ (N - N*)^-a fitted there (docs/physics.md section 11). */
static void norm_rise(const jam_config *cfg, const pbx_jam_search *s, const width_stats **asc,
                      size_t n, alpha_summary *out)
{
    double *buf = malloc(4 * (n ? n : 1) * sizeof *buf);
    out->norm_exponent = out->norm_exponent_se = NAN;
    out->norm_points = out->norm_increases = 0;
    if (!buf || !pbx_jam_search_has_bracket(s)) {
        free(buf);
        return;
    }
    double *lm = buf, *se = buf + n, *x = se + n, *y = x + n;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const width_stats *w = asc[i];
        if (w->h < s->h2 || w->verdict != PBX_WIDTH_UNJAMMED || !isfinite(w->log_norm_mean))
            continue;
        lm[m] = w->log_norm_mean;
        se[m] = w->log_norm_sem;
        double dN = params_at(cfg, w, (double)w->h) - out->N_star;
        x[m] = dN > 0 ? pb_pm_log(dN) : NAN;
        y[m] = w->log_norm_mean;
        m++;
    }
    out->norm_points = m;
    out->norm_increases = pbx_count_increases(lm, se, m, JAM_NORM_SE);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (isfinite(x[i])) {
            x[k] = x[i];
            y[k] = y[i];
            k++;
        }
    pbx_fit fit;
    pbx_linfit(x, y, k, &fit);
    out->norm_exponent = -fit.slope;
    out->norm_exponent_se = fit.slope_se;
    free(buf);
}

static int write_point_row(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg,
                           double alpha, const pbx_jam_search *s, const alpha_summary *sum)
{
    pbx_row r;
    pbx_row_init(&r, jam_columns);
    pbx_row_str(&r, "kind", "point");
    pbx_row_dbl(&r, "alpha", alpha);
    protocol_cells(&r, cfg);
    pbx_row_int(&r, "budget_steps", sum->budget_max);
    pbx_row_int(&r, "n_undecided_widths", (int64_t)s->n_undecided);
    if (pbx_jam_search_has_bracket(s)) {
        pbx_row_int(&r, "h1", (int64_t)s->h1);
        pbx_row_int(&r, "h2", (int64_t)s->h2);
        pbx_row_dbl(&r, "h_star", sum->h_star);
        pbx_row_dbl(&r, "N_star", sum->N_star);
        pbx_row_dbl(&r, "N_star_over_P", sum->N_star / (double)cfg->base.ptr);
        pbx_row_dbl(&r, "out_norm_exponent", sum->norm_exponent);
        pbx_row_str(&r, "note", s->note);
    } else {
        pbx_row_str(&r, "note", s->note[0] ? s->note : "no bracket found");
    }
    return pbx_row_write(svc, ctx, &r);
}

/* "h=4: 0.31 (3), h=3: 0.45 (3)": N_Delta / N at the decided jammed widths. */
static void jammed_fractions(char *buf, size_t len, const width_stats **asc, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = n; i-- > 0 && used < len;) {
        const width_stats *w = asc[i];
        if (w->verdict != PBX_WIDTH_JAMMED)
            continue;
        int k = snprintf(buf + used, len - used, "%sh=%zu: %.3g (%zu runs)", used ? ", " : "", w->h,
                         w->nd_mean / w->N, w->n_jammed);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

/* Claim (a): N_Delta jumps from 0 at h2 to a finite fraction of N at h1,
 * judged on decided widths, across seeds. */
static int judge_sharpness(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg,
                           double alpha, const pbx_jam_search *s, const width_stats **asc,
                           size_t n, const width_stats *w1)
{
    char name[96], detail[700], tolerance[400], fr[400];
    static const char expected[] = "mean N_Delta/N >= 0.1 at h1 (jammed), 0 at h2 (unjammed)";
    snprintf(tolerance, sizeof tolerance,
             "none: 0.1 N is the jamming criterion of the nn_jamming scans (docs/physics.md section 8); decided "
             "widths only: jammed = N_Delta > 0 (margins below 1 - %g) with the loss falling by at "
             "most %g over [T/2, T], unjammed = every margin within %g of 1",
             cfg->base.margin_tol, cfg->loss_rtol, cfg->base.margin_tol);
    snprintf(name, sizeof name, "jamming_sharp[alpha=%g]", alpha);
    jammed_fractions(fr, sizeof fr, asc, n);
    if (!pbx_jam_search_has_bracket(s) || !w1) {
        snprintf(detail, sizeof detail, "no bracket of decided widths: %s; %zu undecided width(s)",
                 s->note[0] ? s->note : "not found", s->n_undecided);
        return svc->claim(ctx, name, NAN, expected, tolerance, PB_VERDICT_NOT_JUDGED, detail);
    }
    double measured = w1->nd_mean / w1->N;
    snprintf(detail, sizeof detail,
             "h1=%zu, h2=%zu; N_Delta/N mean over the jammed runs of each decided jammed width: %s; "
             "%zu run(s) excluded at h1; budget up to %lld steps%s",
             s->h1, s->h2, fr, w1->n_invalid, (long long)w1->budget,
             cfg->soft ? "; soft hinge: no stationary jammed state, reported only" : "");
    pb_verdict v = cfg->soft ? PB_VERDICT_NOT_JUDGED
                             : pbx_jam_is_sharp(measured, JAM_SHARP_FRACTION) ? PB_VERDICT_PASS
                                                                              : PB_VERDICT_FAIL;
    return svc->claim(ctx, name, measured, expected, tolerance, v, detail);
}

/* Claim: the test error has a cusp at N* (docs/physics.md section 11). */
static int judge_cusp(const pb_services *svc, pb_exp_ctx *ctx, double alpha,
                      const pbx_jam_search *s, const width_stats **asc, size_t n)
{
    char name[96], detail[600], expected[160];
    snprintf(name, sizeof name, "test_error_cusp[alpha=%g]", alpha);
    snprintf(expected, sizeof expected,
             "argmax of the mean test error within %d widths of h*, above the largest width's",
             JAM_CUSP_WITHIN);
    static const char tolerance[] =
        "the peak must exceed the largest width's mean test error by more than 2 standard "
        "errors of the difference (seed scatter); runs that did not finish excluded";
    double *buf = malloc(2 * (n ? n : 1) * sizeof *buf);
    if (!buf) {
        pbx_errorf(svc, ctx, "out of memory");
        return -1;
    }
    double *mean = buf, *se = buf + n;
    size_t i1 = n, i2 = n;
    for (size_t i = 0; i < n; i++) {
        mean[i] = asc[i]->test_err_mean;
        se[i] = asc[i]->test_err_sem;
        if (pbx_jam_search_has_bracket(s) && asc[i]->h == s->h1)
            i1 = i;
        if (pbx_jam_search_has_bracket(s) && asc[i]->h == s->h2)
            i2 = i;
    }
    double excess = NAN;
    size_t k = 0;
    int st = pbx_jam_search_has_bracket(s)
                 ? pbx_jam_cusp(mean, se, n, i1, i2, JAM_CUSP_WITHIN, JAM_CUSP_SE, &excess, &k)
                 : -1;
    size_t used = 0;
    detail[0] = '\0';
    if (!pbx_jam_search_has_bracket(s))
        used = (size_t)snprintf(detail, sizeof detail, "no bracket: no h*; ");
    else if (st >= 0)
        used = (size_t)snprintf(detail, sizeof detail, "peak at h=%zu; h*=%.4g; ", asc[k]->h,
                                sqrt((double)s->h1 * (double)s->h2));
    for (size_t i = 0; i < n && used < sizeof detail; i++) {
        int w = snprintf(detail + used, sizeof detail - used, "%sh=%zu: %.4g +- %.2g",
                         i ? ", " : "test error ", asc[i]->h, mean[i], se[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    free(buf);
    pb_verdict v = st < 0 ? PB_VERDICT_NOT_JUDGED : st ? PB_VERDICT_PASS : PB_VERDICT_FAIL;
    return svc->claim(ctx, name, excess, expected, tolerance, v, detail);
}

/* Claim: the output norm rises as h falls towards h* (docs/physics.md section 11). */
static int judge_norm(const pb_services *svc, pb_exp_ctx *ctx, double alpha,
                      const pbx_jam_search *s, const alpha_summary *sum)
{
    char name[96], detail[400];
    snprintf(name, sizeof name, "out_norm_rises_to_jamming[alpha=%g]", alpha);
    static const char tolerance[] =
        "an increase of log |F| with h smaller than 2 standard errors of the difference (seed "
        "scatter) does not count; at least 3 decided unjammed widths >= h2";
    snprintf(detail, sizeof detail,
             "%zu unjammed width(s) >= h2=%zu; exponent a of |F| ~ (N - N*)^-a: %.3g +- %.2g "
             "(reported, not judged; 1 argued in 1901.01608)",
             sum->norm_points, pbx_jam_search_has_bracket(s) ? s->h2 : 0, sum->norm_exponent,
             sum->norm_exponent_se);
    pb_verdict v = sum->norm_points < 3 ? PB_VERDICT_NOT_JUDGED
                   : sum->norm_increases == 0 ? PB_VERDICT_PASS
                                              : PB_VERDICT_FAIL;
    return svc->claim(ctx, name, sum->norm_points < 3 ? NAN : (double)sum->norm_increases,
                      "0 increases of |F| with h above h2", tolerance, v, detail);
}

static int run_alpha(const pb_services *svc, pb_exp_ctx *ctx, const jam_config *cfg, double alpha)
{
    size_t pair_top;
    size_t cap = cfg->n_h + (size_t)max_refine_steps(cfg, &pair_top) + 1;
    width_stats *tried = malloc(cap * sizeof *tried);
    size_t *tried_h = malloc(cap * sizeof *tried_h);
    const width_stats **asc = malloc(cap * sizeof *asc);
    if (!tried || !tried_h || !asc) {
        free(tried);
        free(tried_h);
        free(asc);
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
    pbx_jam_search_init(&s, cfg->h_desc, cfg->n_h, cfg->refine, cfg->below_h1);
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
    alpha_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.h_star = sum.N_star = NAN;
    for (size_t i = 0; i < n_tried; i++) {
        asc[i] = &tried[i];
        if (tried[i].budget > sum.budget_max)
            sum.budget_max = tried[i].budget;
    }
    qsort(asc, n_tried, sizeof *asc, cmp_width);
    const width_stats *w1 = NULL;
    if (pbx_jam_search_has_bracket(&s)) {
        sum.h_star = sqrt((double)s.h1 * (double)s.h2);
        w1 = find_width(tried, n_tried, s.h1);
        sum.N_star = params_at(cfg, w1, sum.h_star);
    }
    norm_rise(cfg, &s, asc, n_tried, &sum);
    if (rc == 0)
        rc = write_point_row(svc, ctx, cfg, alpha, &s, &sum);
    if (rc == 0)
        rc = judge_sharpness(svc, ctx, cfg, alpha, &s, asc, n_tried, w1);
    if (rc == 0)
        rc = judge_cusp(svc, ctx, alpha, &s, asc, n_tried);
    if (rc == 0)
        rc = judge_norm(svc, ctx, alpha, &s, &sum);
    /* The scan of this alpha is over: the unit of work ends here. */
    if (PB_HAS(svc, pb_services, unit))
        svc->unit(ctx, NULL);
    if (rc == 0 && pbx_jam_search_has_bracket(&s))
        pbx_logf(svc, ctx, "alpha=%g: jamming between h1=%zu (jammed) and h2=%zu, h*=%.4g", alpha,
                 s.h1, s.h2, sum.h_star);
    free(tried);
    free(tried_h);
    free(asc);
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
    pbx_logf(svc, ctx, "%zu alpha(s), widths %zu..%zu (%zu), %zu seeds, loss %s (margin_tol %g), "
             "budget %lld steps doubled up to %lld while undecided (loss_rtol %g)",
             cfg.n_alpha, cfg.h_desc[cfg.n_h - 1], cfg.h_desc[0], cfg.n_h, cfg.n_seeds,
             cfg.base.loss, cfg.base.margin_tol, (long long)cfg.base.max_steps,
             (long long)cfg.cap, cfg.loss_rtol);
    int rc = 0;
    for (size_t a = 0; a < cfg.n_alpha && rc == 0; a++)
        rc = run_alpha(svc, ctx, &cfg, cfg.alpha[a]);
    free_config(&cfg);
    return rc;
}

/* The closing summary of `phasebench run`: each point, with h* and N*, then
 * with its budget and the output-norm exponent. */
static const char *const summary_point[] = {"alpha", "h1", "h2", "h_star", "N_star",
                                            "N_star_over_P", "note", NULL};
static const char *const summary_budget[] = {"alpha", "budget_steps", "n_undecided_widths",
                                             "out_norm_exponent", NULL};
static const pb_summary_line jamming_summary[] = {
    {"point", summary_point},
    {"point", summary_budget},
    {NULL, NULL},
};

static const pb_experiment_vtable jamming_vtable = {
    .struct_size = sizeof(pb_experiment_vtable),
    .name = "jamming",
    .description = "jamming transition: downward scan in h by stationary states, bisection of "
                   "the bracket, h* and N*/P per alpha, sharpness, test-error cusp and output norm",
    .plan = jamming_plan,
    .run = jamming_run,
    .summary = jamming_summary,
};

PB_EXPORT const pb_experiment_abi_desc pb_experiment_desc = PB_EXPERIMENT_DESC_INIT("jamming");

PB_EXPORT const pb_experiment_vtable *pb_experiment_entry(void)
{
    return &jamming_vtable;
}
