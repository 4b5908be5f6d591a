/* Unit tests of the experiment plugins' pure reductions: statistics and
 * fits, the jamming search against a known threshold, the lazy/feature
 * crossover, ensemble errors and delta F, stop-reason tallies and the work
 * estimates of plan(). */
#include "pb_test.h"
#include "pbx_ens.h"
#include "pbx_jam.h"
#include "pbx_lazy.h"
#include "pbx_stats.h"
#include "pbx_tally.h"
#include "pbx_work.h"

#include <math.h>
#include <string.h>

static void test_stats(void)
{
    const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    CHECK_CLOSE(pbx_mean(x, 8), 5.0, 1e-15);
    CHECK_CLOSE(pbx_std(x, 8), sqrt(32.0 / 7.0), 1e-15);
    CHECK_CLOSE(pbx_sem(x, 8), sqrt(32.0 / 7.0) / sqrt(8.0), 1e-15);
    CHECK(isnan(pbx_mean(x, 0)));
    CHECK(isnan(pbx_std(x, 1)));
    CHECK(isnan(pbx_sem(x, 1)));

    const double g[] = {1, 100};
    CHECK_CLOSE(pbx_geomean(g, 2), 10.0, 1e-14);
    const double g0[] = {1, 0};
    CHECK(isnan(pbx_geomean(g0, 2)));
    const double gn[] = {1, NAN};
    CHECK(isnan(pbx_geomean(gn, 2)));
    CHECK(isnan(pbx_geomean(g, 0)));

    const double a[] = {1, 2, 3, 4}, b[] = {2, 4, 6, 8}, c[] = {4, 3, 2, 1}, k[] = {5, 5, 5, 5};
    CHECK_CLOSE(pbx_pearson(a, b, 4), 1.0, 1e-15);
    CHECK_CLOSE(pbx_pearson(a, c, 4), -1.0, 1e-15);
    CHECK(isnan(pbx_pearson(a, k, 4)));
    CHECK(isnan(pbx_pearson(a, b, 1)));

    double v[] = {3, 1, 3, 2, 1};
    CHECK(pbx_sort_unique(v, 5) == 3);
    CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3);
}

static void test_linfit(void)
{
    pbx_fit f;
    /* Worked by hand: slope 4.5 / 5, intercept 1.25 - 1.35, SSR 0.7. */
    const double x[] = {0, 1, 2, 3}, y[] = {0, 1, 1, 3};
    CHECK(pbx_linfit(x, y, 4, &f) == 0);
    CHECK_CLOSE(f.slope, 0.9, 1e-14);
    CHECK_CLOSE(f.intercept, -0.1, 1e-14);
    CHECK_CLOSE(f.slope_se, sqrt(0.07), 1e-14);

    /* delta F = 3 h^-1/2 exactly: slope -0.5, no residual. */
    const double h[] = {16, 32, 64, 128, 256};
    double lx[5], ly[5];
    for (int i = 0; i < 5; i++) {
        lx[i] = log(h[i]);
        ly[i] = log(3.0 / sqrt(h[i]));
    }
    CHECK(pbx_linfit(lx, ly, 5, &f) == 0);
    CHECK_CLOSE(f.slope, -0.5, 1e-13);
    CHECK(f.slope_se < 1e-12);

    CHECK(pbx_linfit(x, y, 2, &f) == 0);
    CHECK_CLOSE(f.slope, 1.0, 1e-15);
    CHECK(isnan(f.slope_se));
    CHECK(pbx_linfit(x, y, 1, &f) == -1 && isnan(f.slope));
    const double same[] = {2, 2, 2};
    CHECK(pbx_linfit(same, y, 3, &f) == -1);
}

static void test_jam_basics(void)
{
    CHECK_CLOSE(pbx_fc_params(10, 2, 100), 100.0 * 100 + 11 * 100, 0);  /* MNIST: h^2 + 11h */
    CHECK_CLOSE(pbx_fc_params(30, 2, 64), 64.0 * 64 + 31 * 64, 0);      /* CIFAR: h^2 + 31h */
    CHECK_CLOSE(pbx_fc_params(10, 2, sqrt(80.0)), 80.0 + 11 * sqrt(80.0), 1e-14);

    /* {ok, stop, N_Delta within the margin tolerance, has T/2, loss(T/2), loss(T)} */
    const pbx_run_end conv = {1, "converged", 0, 1, 1e-3, 1e-25};
    const pbx_run_end conv_early = {1, "converged", 0, 0, NAN, 1e-25}; /* before T/2 */
    /* loss 0.0400 -> 0.0396: fell by 1% of its T/2 value. */
    const pbx_run_end plateau = {1, "max_steps", 30, 1, 0.04, 0.0396};
    /* loss 0.0400 -> 0.0300: fell by 25%: still falling. */
    const pbx_run_end falling = {1, "max_steps", 30, 1, 0.04, 0.03};
    const pbx_run_end rising = {1, "max_steps", 30, 1, 0.04, 0.041};
    const pbx_run_end flat_no_half = {1, "max_time", 30, 0, NAN, 0.04};
    const pbx_run_end zero_grad = {1, "zero_grad", 12, 0, NAN, 0.02};
    const pbx_run_end stalled = {1, "stalled", 3, 1, 0.04, 0.04};
    const pbx_run_end nan_run = {1, "nan", -1, 1, 0.04, NAN};
    const pbx_run_end nan_zero = {1, "nan", 0, 1, 0.04, NAN}; /* never N_Delta = 0 */
    const pbx_run_end failed = {0, "error", 0, 0, NAN, NAN};
    const pbx_run_end no_reason = {1, NULL, 0, 0, NAN, NAN};
    CHECK(pbx_jam_classify_run(&conv, 0.01) == PBX_RUN_UNJAMMED);
    CHECK(pbx_jam_classify_run(&conv_early, 0.01) == PBX_RUN_UNJAMMED);
    CHECK(pbx_jam_classify_run(&plateau, 0.01) == PBX_RUN_JAMMED);     /* 1% <= 1% */
    CHECK(pbx_jam_classify_run(&plateau, 0.009) == PBX_RUN_UNDECIDED); /* 1% > 0.9% */
    CHECK(pbx_jam_classify_run(&falling, 0.01) == PBX_RUN_UNDECIDED);
    CHECK(pbx_jam_classify_run(&falling, 0.26) == PBX_RUN_JAMMED);
    CHECK(pbx_jam_classify_run(&rising, 0.0) == PBX_RUN_JAMMED);
    CHECK(pbx_jam_classify_run(&flat_no_half, 0.5) == PBX_RUN_UNDECIDED);
    CHECK(pbx_jam_classify_run(&zero_grad, 0.0) == PBX_RUN_JAMMED);
    CHECK(pbx_jam_classify_run(&stalled, 0.01) == PBX_RUN_INVALID);
    CHECK(pbx_jam_classify_run(&nan_run, 0.01) == PBX_RUN_INVALID);
    CHECK(pbx_jam_classify_run(&nan_zero, 0.01) == PBX_RUN_INVALID);
    CHECK(pbx_jam_classify_run(&failed, 0.01) == PBX_RUN_INVALID);
    CHECK(pbx_jam_classify_run(&no_reason, 0.01) == PBX_RUN_INVALID);
    CHECK(pbx_jam_stationary(0.04, 0.0396, 0.01) && !pbx_jam_stationary(0.04, 0.0395, 0.01));
    CHECK(!pbx_jam_stationary(NAN, 0.04, 1.0) && !pbx_jam_stationary(0.04, INFINITY, 1.0));
    CHECK(pbx_stop_is_invalid("wall") && pbx_stop_is_invalid("") && !pbx_stop_is_invalid("max_steps"));

    /* (unjammed, jammed, undecided, min_jammed) */
    CHECK(pbx_jam_width_verdict(1, 2, 0, 3) == PBX_WIDTH_UNJAMMED);
    CHECK(pbx_jam_width_verdict(1, 0, 2, 3) == PBX_WIDTH_UNJAMMED);
    CHECK(pbx_jam_width_verdict(0, 3, 0, 3) == PBX_WIDTH_JAMMED);
    CHECK(pbx_jam_width_verdict(0, 2, 1, 3) == PBX_WIDTH_UNDECIDED);
    /* Two jammed, the third excluded (nan): fewer than the authors' 3 runs. */
    CHECK(pbx_jam_width_verdict(0, 2, 0, 3) == PBX_WIDTH_UNDECIDED);
    CHECK(pbx_jam_width_verdict(0, 2, 0, 2) == PBX_WIDTH_JAMMED);
    CHECK(pbx_jam_width_verdict(0, 0, 0, 0) == PBX_WIDTH_UNDECIDED);
    CHECK(strcmp(pbx_jam_state_name(PBX_WIDTH_UNDECIDED), "undecided") == 0);

    /* Budgets: 10k -> 20k -> 40k -> 80k = cap -> stop; a cap off the
     * doubling ladder is reached exactly. */
    CHECK(pbx_jam_next_budget(10000, 80000) == 20000);
    CHECK(pbx_jam_next_budget(40000, 80000) == 80000);
    CHECK(pbx_jam_next_budget(80000, 80000) == 0);
    CHECK(pbx_jam_next_budget(40000, 50000) == 50000);
    CHECK(pbx_jam_next_budget(0, 50000) == 0);

    int inside = 1;
    for (size_t h1 = 1; h1 <= 300; h1++)
        for (size_t h2 = h1 + 2; h2 <= h1 + 400; h2++) {
            size_t m = pbx_jam_midpoint(h1, h2);
            inside &= h1 < m && m < h2;
        }
    CHECK(inside);
    CHECK(pbx_jam_midpoint(8, 16) == 11);
    CHECK(pbx_jam_midpoint(1, 100) == 10);
    CHECK(pbx_jam_refine_max_steps(10, 11) == 0);
    CHECK(pbx_jam_refine_max_steps(10, 12) == 1);
    /* (8,16) -> 11; the wider side (11,16) -> 13 -> (13,16) -> 14 -> (14,16) -> 15:
     * the geometric midpoint leaves the upper side one step longer. */
    CHECK(pbx_jam_refine_max_steps(8, 16) == 4);

    CHECK(pbx_jam_is_sharp(0.2, 0.1));
    CHECK(pbx_jam_is_sharp(0.1, 0.1));
    CHECK(!pbx_jam_is_sharp(0.0148, 0.1));
    CHECK(!pbx_jam_is_sharp(NAN, 0.1));
}

static void test_jam_cusp(void)
{
    /* Widths 2, 3, 4, 6, 8, 16, 32 with h1 = 4 (index 2), h2 = 6 (index 3). */
    const double mean[] = {0.10, 0.11, 0.13, 0.12, 0.09, 0.08, 0.07};
    const double se[] = {0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01};
    double ex;
    size_t k;
    /* Peak 0.13 at h1 (distance 1), 0.13 - 0.07 = 0.06 > 2 sqrt(2) 0.01 = 0.0283. */
    CHECK(pbx_jam_cusp(mean, se, 7, 2, 3, 2, 2.0, &ex, &k) == 1);
    CHECK(k == 2);
    CHECK_CLOSE(ex, 0.06, 1e-15);
    /* With se 0.025: 2 sqrt(2) 0.025 = 0.0707 > 0.06: not significant. */
    const double se_big[] = {0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025};
    CHECK(pbx_jam_cusp(mean, se_big, 7, 2, 3, 2, 2.0, &ex, &k) == 0);
    /* The peak three widths below h*: i1 - k + 1 = 3 > 2. */
    const double far[] = {0.20, 0.11, 0.13, 0.12, 0.09, 0.08, 0.07};
    CHECK(pbx_jam_cusp(far, se, 7, 3, 4, 2, 2.0, &ex, &k) == 0 && k == 0);
    /* ... but within 2 when h1 is at index 1 (distance 2). */
    CHECK(pbx_jam_cusp(far, se, 7, 1, 2, 2, 2.0, &ex, &k) == 1);
    /* The peak at the largest width: no cusp. */
    const double rising[] = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07};
    CHECK(pbx_jam_cusp(rising, se, 7, 2, 3, 2, 2.0, &ex, &k) == 0 && k == 6);
    /* Too few widths, a missing standard error, a bad bracket: not judged. */
    const double two[] = {0.1, NAN, NAN, 0.2, NAN, NAN, NAN};
    CHECK(pbx_jam_cusp(two, se, 7, 2, 3, 2, 2.0, &ex, &k) == -1);
    const double se_nan[] = {0.01, 0.01, NAN, 0.01, 0.01, 0.01, 0.01};
    CHECK(pbx_jam_cusp(mean, se_nan, 7, 2, 3, 2, 2.0, &ex, &k) == -1);
    CHECK(pbx_jam_cusp(mean, se, 7, 3, 3, 2, 2.0, &ex, &k) == -1);
}

/* Runs the search against widths that are jammed exactly below h_true;
 * returns the number of widths tried. */
static size_t search_with_threshold(const size_t *h_desc, size_t n, int refine, size_t h_true,
                                    pbx_jam_search *s, size_t *n_refine)
{
    size_t tried[256], n_tried = 0, h;
    int is_refine;
    *n_refine = 0;
    pbx_jam_search_init(s, h_desc, n, refine, 0);
    while (n_tried < 256 && pbx_jam_search_next(s, tried, n_tried, &h, &is_refine)) {
        tried[n_tried++] = h;
        *n_refine += is_refine != 0;
        pbx_jam_search_report(s, h, h < h_true ? PBX_WIDTH_JAMMED : PBX_WIDTH_UNJAMMED);
    }
    return n_tried;
}

static void test_jam_search(void)
{
    const size_t list[] = {64, 32, 16, 8, 4};
    pbx_jam_search s;
    size_t n_ref;

    /* The example worked by hand: 64, 32, 16 unjammed, 8 jammed, then 11, 9, 10. */
    size_t n = search_with_threshold(list, 5, 1, 11, &s, &n_ref);
    CHECK(pbx_jam_search_has_bracket(&s));
    CHECK(s.h1 == 10 && s.h2 == 11);
    CHECK(n == 7 && n_ref == 3);

    /* Every threshold inside the list's range gives the exact integer bracket,
     * within the worst-case count plan() announces. */
    int all_exact = 1, within_bound = 1;
    for (size_t t = 5; t <= 64; t++) {
        search_with_threshold(list, 5, 1, t, &s, &n_ref);
        all_exact &= pbx_jam_search_has_bracket(&s) && s.h1 == t - 1 && s.h2 == t;
        int bound = 0;
        for (int i = 0; i + 1 < 5; i++) {
            int b = pbx_jam_refine_max_steps(list[i + 1], list[i]);
            bound = b > bound ? b : bound;
        }
        within_bound &= (int)n_ref <= bound;
    }
    CHECK(all_exact);
    CHECK(within_bound);

    /* Without refinement the bracket is two neighbours of the list. */
    n = search_with_threshold(list, 5, 0, 11, &s, &n_ref);
    CHECK(pbx_jam_search_has_bracket(&s) && s.h1 == 8 && s.h2 == 16 && n == 4 && n_ref == 0);

    /* Everything unjammed: the whole list is scanned, no bracket. */
    n = search_with_threshold(list, 5, 1, 2, &s, &n_ref);
    CHECK(!pbx_jam_search_has_bracket(&s) && n == 5 && strstr(s.note, "no jammed width"));

    /* The largest width already jammed: one width tried, no bracket. */
    n = search_with_threshold(list, 5, 1, 100, &s, &n_ref);
    CHECK(!pbx_jam_search_has_bracket(&s) && n == 1 && strstr(s.note, "largest width"));

    /* A gap of one needs no bisection. */
    const size_t tight[] = {12, 11, 10};
    n = search_with_threshold(tight, 3, 1, 11, &s, &n_ref);
    CHECK(pbx_jam_search_has_bracket(&s) && s.h1 == 10 && s.h2 == 11 && n_ref == 0);

    /* An undecided width in the scan is skipped: the bracket comes from the
     * decided widths around it.  In the bisection the bracket found so far
     * stands. */
    size_t h;
    int is_refine;
    size_t tried[8];
    pbx_jam_search_init(&s, list, 5, 1, 0);
    CHECK(pbx_jam_search_next(&s, tried, 0, &h, &is_refine) && h == 64);
    pbx_jam_search_report(&s, 64, PBX_WIDTH_UNJAMMED);
    CHECK(pbx_jam_search_next(&s, tried, 0, &h, &is_refine) && h == 32);
    pbx_jam_search_report(&s, 32, PBX_WIDTH_UNDECIDED);
    CHECK(pbx_jam_search_next(&s, tried, 0, &h, &is_refine) && h == 16);
    pbx_jam_search_report(&s, 16, PBX_WIDTH_JAMMED);
    CHECK(pbx_jam_search_has_bracket(&s) && s.h1 == 16 && s.h2 == 64 && s.n_undecided == 1);
    /* the bisection: round(sqrt(16 * 64)) = 32 was tried: stop */
    const size_t tried32[] = {64, 32, 16};
    CHECK(!pbx_jam_search_next(&s, tried32, 3, &h, &is_refine));

    pbx_jam_search_init(&s, list, 5, 1, 0);
    const pbx_width_verdict v[] = {PBX_WIDTH_UNJAMMED, PBX_WIDTH_UNJAMMED, PBX_WIDTH_UNJAMMED,
                                   PBX_WIDTH_JAMMED, PBX_WIDTH_UNDECIDED};
    size_t k = 0;
    while (k < 5 && pbx_jam_search_next(&s, tried, k, &h, &is_refine)) {
        tried[k] = h;
        pbx_jam_search_report(&s, h, v[k]);
        k++;
    }
    CHECK(k == 5 && tried[4] == 11);
    CHECK(pbx_jam_search_has_bracket(&s) && s.h1 == 8 && s.h2 == 16);
    CHECK(!pbx_jam_search_next(&s, tried, k, &h, &is_refine));

    /* Two widths below the first jammed one (the cusp): 64, 32, 16 unjammed,
     * 8 jammed, then 4 and 2; an unjammed width below h1 moves nothing. */
    const size_t list7[] = {64, 32, 16, 8, 4, 2, 1};
    pbx_jam_search_init(&s, list7, 7, 0, 2);
    const pbx_width_verdict v7[] = {PBX_WIDTH_UNJAMMED, PBX_WIDTH_UNJAMMED, PBX_WIDTH_UNJAMMED,
                                    PBX_WIDTH_JAMMED, PBX_WIDTH_UNJAMMED, PBX_WIDTH_JAMMED};
    k = 0;
    while (k < 7 && pbx_jam_search_next(&s, tried, k, &h, &is_refine)) {
        CHECK(k < 6);
        if (k >= 6)
            break;
        tried[k] = h;
        pbx_jam_search_report(&s, h, v7[k]);
        k++;
    }
    CHECK(k == 6 && tried[5] == 2);
    CHECK(pbx_jam_search_has_bracket(&s) && s.h1 == 8 && s.h2 == 16);
    CHECK(strstr(s.note, "not monotone") != NULL);

    /* A bisection that meets a width already tried stops. */
    pbx_jam_search_init(&s, list, 5, 1, 0);
    for (int i = 0; i < 4; i++) {
        CHECK(pbx_jam_search_next(&s, tried, 0, &h, &is_refine));
        pbx_jam_search_report(&s, h, i < 3 ? PBX_WIDTH_UNJAMMED : PBX_WIDTH_JAMMED);
    }
    const size_t already[] = {11};
    CHECK(!pbx_jam_search_next(&s, already, 1, &h, &is_refine));

    /* An empty list ends at once. */
    pbx_jam_search_init(&s, list, 0, 1, 0);
    CHECK(!pbx_jam_search_next(&s, tried, 0, &h, &is_refine));
}

static void test_crossover(void)
{
    const double alpha[] = {0.01, 0.1, 1, 10, 100};
    const double r[] = {100, 10, 1, 0.1, 0.01};
    double a1, a2, as;
    CHECK(pbx_crossover(alpha, r, 5, 1.0, &a1, &a2, &as) == PBX_CROSS_OK);
    CHECK(a1 == 1 && a2 == 10);
    /* r = 1 exactly at a1: the line through (log 1, log 1), (log 10, log 0.1)
     * meets log c = 0 at alpha = 1. */
    CHECK_CLOSE(as, 1.0, 1e-15);
    /* c = 0.5: log alpha* = (log 0.5 - 0) (log 10) / (log 0.1) = log 10^(log10 2) */
    CHECK(pbx_crossover(alpha, r, 5, 0.5, &a1, &a2, &as) == PBX_CROSS_OK);
    CHECK_CLOSE(as, 2.0, 1e-14);
    /* Between grid points the crossover moves with r: r = 20/alpha crosses 1
     * at 20, on a decade grid bracketed by (10, 100). */
    const double r20[] = {2000, 200, 20, 2, 0.2};
    CHECK(pbx_crossover(alpha, r20, 5, 1.0, &a1, &a2, &as) == PBX_CROSS_OK);
    CHECK(a1 == 10 && a2 == 100);
    CHECK_CLOSE(as, 20.0, 1e-13);
    /* r = 0.01 at the largest alpha is not < 0.01: not lazy there. */
    CHECK(pbx_crossover(alpha, r, 5, 1e-2, &a1, &a2, &as) == PBX_CROSS_NOT_LAZY_AT_MAX);
    CHECK(isnan(as));
    CHECK(pbx_crossover(alpha, r, 5, 1e3, &a1, &a2, &as) == PBX_CROSS_LAZY_AT_MIN);
    CHECK(isnan(as) && isnan(a1) && a2 == 0.01);

    /* r = 1/alpha seen at 0.1 and 10 only: the line in log-log hits 1 at 1. */
    const double r_gap[] = {NAN, 10, NAN, 0.1, NAN};
    CHECK(pbx_crossover(alpha, r_gap, 5, 1.0, &a1, &a2, &as) == PBX_CROSS_OK);
    CHECK(a1 == 0.1 && a2 == 10 && fabs(as - 1.0) < 1e-14);

    const double r_bumpy[] = {10, 0.5, 2, 0.1, 0.01};
    CHECK(pbx_crossover(alpha, r_bumpy, 5, 1.0, &a1, &a2, &as) == PBX_CROSS_NONMONOTONE);
    CHECK(a1 == 1 && a2 == 0.1 && isnan(as));

    const double r_one[] = {NAN, NAN, 3, NAN, NAN};
    CHECK(pbx_crossover(alpha, r_one, 5, 1.0, &a1, &a2, &as) == PBX_CROSS_TOO_FEW);
    CHECK(pbx_cross_note(PBX_CROSS_OK)[0] == '\0');
    CHECK(pbx_cross_note(PBX_CROSS_NONMONOTONE)[0] != '\0');

    const double lm[] = {0, -1, -0.5, -2, NAN, -1.9};
    const double se0[] = {0, 0, 0, 0, 0, 0};
    const double se3[] = {0.3, 0.3, 0.3, 0.3, NAN, 0.3};
    const double se_nan[] = {NAN, NAN, NAN, NAN, NAN, NAN};
    /* Rises: -1 -> -0.5 and -2 -> -1.9 (across the NaN). */
    CHECK(pbx_count_increases(lm, se0, 6, 2.0) == 2);
    /* 2 sqrt(0.3^2 + 0.3^2) = 0.85 hides both. */
    CHECK(pbx_count_increases(lm, se3, 6, 2.0) == 0);
    CHECK(pbx_count_increases(lm, se_nan, 6, 2.0) == 2);
    CHECK(pbx_count_increases(lm, se0, 1, 2.0) == 0);
}

static void test_lazy_slope(void)
{
    pbx_fit f;
    /* r = 20 / alpha: slope -1 over the alphas with r < 0.1 (1e3, 1e4);
     * r at 1e2 is 0.2, outside the lazy decades. */
    const double alpha[] = {1e-1, 1, 10, 1e2, 1e3, 1e4};
    const double r[] = {300, 30, 2, 0.2, 0.02, 0.002};
    CHECK(pbx_lazy_slope(alpha, r, 6, 0.1, &f) == 2);
    CHECK_CLOSE(f.slope, -1.0, 1e-12);
    /* r = 0.3 at 1e2 and 0.02 at 1e3 with r < 0.5: three points, by hand
     * x = 2, 3, 4 (decades), y = log10 0.3, log10 0.02, log10 0.002;
     * slope = (y3 - y1) / 2 for three equally spaced x. */
    const double r2[] = {300, 30, 2, 0.3, 0.02, 0.002};
    CHECK(pbx_lazy_slope(alpha, r2, 6, 0.5, &f) == 3);
    CHECK_CLOSE(f.slope, (log10(0.002) - log10(0.3)) / 2.0, 1e-12);
    /* One lazy point: no slope. */
    CHECK(pbx_lazy_slope(alpha, r, 6, 0.01, &f) == 1 && isnan(f.slope));
    const double rn[] = {NAN, NAN, NAN, NAN, 0.02, NAN};
    CHECK(pbx_lazy_slope(alpha, rn, 6, 0.1, &f) == 1 && isnan(f.slope));
}

static void test_ensemble(void)
{
    /* 3 members on 4 points, y = +1, -1, +1, -1. */
    const double y[] = {1, -1, 1, -1};
    const double F[] = {
        1.0, 1.0, -1.0, -2.0,  /* member 0: wrong on points 1, 2 */
        0.0, -3.0, 3.0, 1.0,   /* member 1: wrong on point 0 (F = 0) and point 3 */
        -2.0, 2.0, -1.0, 1.0,  /* member 2: wrong everywhere */
    };
    CHECK_CLOSE(pbx_single_err(F, y, 4), 0.5, 0);
    CHECK_CLOSE(pbx_single_err(F + 4, y, 4), 0.5, 0);
    CHECK_CLOSE(pbx_single_err(F + 8, y, 4), 1.0, 0);
    double curve[3], work[4];
    pbx_ens_curve(F, 3, y, 4, curve, work);
    /* n = 1: member 0 alone, strict rule: the same 2 errors. */
    CHECK_CLOSE(curve[0], 0.5, 0);
    /* n = 2: sums 1, -2, 2, -1 -> all right. */
    CHECK_CLOSE(curve[1], 0.0, 0);
    /* n = 3: sums -1, 0, 1, 0 -> wrong on point 0 only (a zero mean is not
     * an error under the strict rule). */
    CHECK_CLOSE(curve[2], 0.25, 0);

    /* Two members at +-1 around a zero mean: each RMS is 1. */
    const double G[] = {1, 1, 1, -1, -1, -1};
    CHECK_CLOSE(pbx_delta_f(G, 2, 3, work), 1.0, 1e-15);
    /* Three members: mean (1/3)(1 + 2 + 6) = 3 on one point; RMS 2, 1, 3. */
    const double H[] = {1, 2, 6};
    CHECK_CLOSE(pbx_delta_f(H, 3, 1, work), 2.0, 1e-15);
    CHECK(isnan(pbx_delta_f(G, 1, 3, work)));

    /* Flatness: errors 0.07, 0.073, 0.067 on 1000 points; mean 0.07,
     * se = sqrt(0.07 0.93 / 1000) = 0.008068; 3 se = 0.024205 >= range 0.006. */
    const double e[] = {0.07, 0.073, 0.067, NAN};
    double range, tol;
    CHECK(pbx_ens_flat(e, 4, 1000, 3.0, &range, &tol) == 1);
    CHECK_CLOSE(range, 0.006, 1e-15);
    CHECK_CLOSE(tol, 3.0 * sqrt(0.07 * 0.93 / 1000.0), 1e-15);
    /* 0.07 and 0.11: mean 0.09, 3 sqrt(0.09 0.91 / 1000) = 0.02715 < 0.04. */
    const double e2[] = {0.07, 0.11};
    CHECK(pbx_ens_flat(e2, 2, 1000, 3.0, &range, &tol) == 0);
    CHECK(pbx_ens_flat(e2, 1, 1000, 3.0, &range, &tol) == -1 && isnan(range));
    CHECK(pbx_ens_flat(e2, 2, 0, 3.0, &range, &tol) == -1);
}

static void test_tally(void)
{
    pbx_tally t;
    char buf[256];
    pbx_tally_init(&t);
    pbx_tally_add(&t, "converged");
    pbx_tally_add(&t, "max_steps");
    pbx_tally_add(&t, "converged");
    pbx_tally_add(&t, NULL);
    pbx_tally_format(&t, buf, sizeof buf);
    CHECK(strcmp(buf, "converged=2;max_steps=1;failed=1") == 0);

    char name[16];
    pbx_tally_init(&t);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "r%d", i);
        pbx_tally_add(&t, name);
    }
    CHECK(t.n == PBX_TALLY_MAX);
    CHECK(strcmp(t.name[PBX_TALLY_MAX - 1], "other") == 0);
    CHECK(t.count[PBX_TALLY_MAX - 1] == 40 - (PBX_TALLY_MAX - 1));
    pbx_tally_format(&t, buf, 8); /* truncation is safe */
    CHECK(strlen(buf) < 8);
}

static void test_work(void)
{
    pbx_shape s = {10, 2, 100, 5000, 40000, 2500, 1000};
    double N = 11100;
    double expect = (6 * 5000 * N * 1301 + 2 * N * (2 * 5000 + 2 * 40000)) * 1e-9;
    CHECK_CLOSE(pbx_run_gflop(&s, 0), expect, 1e-12);
    double ntk = 2 * 2 * 2500.0 * 2500.0 * (100 * 2 + 10) * 1e-9;
    CHECK_CLOSE(pbx_run_gflop(&s, 1), expect + ntk, 1e-12);
    CHECK(pbx_km_gflop(&s) > 0);
    s.max_steps = 0;
    CHECK(isinf(pbx_run_gflop(&s, 0)) && isinf(pbx_km_gflop(&s)));
}

int main(void)
{
    test_stats();
    test_linfit();
    test_jam_basics();
    test_jam_cusp();
    test_jam_search();
    test_crossover();
    test_lazy_slope();
    test_ensemble();
    test_tally();
    test_work();
    return pb_test_done("test_plugin_math");
}
