#include "pbx_jam.h"

#include <math.h>
#include <string.h>

double pbx_fc_params(double d, double L, double h)
{
    return d * h + (L - 1.0) * h * h + h;
}

int pbx_stop_is_invalid(const char *r)
{
    return !r || !r[0] || strcmp(r, "nan") == 0 || strcmp(r, "stalled") == 0 ||
           strcmp(r, "error") == 0 || strcmp(r, "wall") == 0;
}

int pbx_jam_stationary(double loss_half, double loss_end, double loss_rtol)
{
    if (!isfinite(loss_half) || !isfinite(loss_end))
        return 0;
    return loss_half - loss_end <= loss_rtol * loss_half;
}

pbx_run_class pbx_jam_classify_run(const pbx_run_end *e, double loss_rtol)
{
    /* A diverged, frozen or broken flow says nothing about the landscape. */
    if (!e->ok || pbx_stop_is_invalid(e->stop_reason) || e->nd < 0)
        return PBX_RUN_INVALID;
    if (e->nd == 0)
        return PBX_RUN_UNJAMMED;
    if (strcmp(e->stop_reason, "zero_grad") == 0)
        return PBX_RUN_JAMMED; /* an exact stationary point */
    if (e->has_half && pbx_jam_stationary(e->loss_half, e->loss_end, loss_rtol))
        return PBX_RUN_JAMMED;
    return PBX_RUN_UNDECIDED;
}

pbx_width_verdict pbx_jam_width_verdict(size_t n_unjammed, size_t n_jammed, size_t n_undecided,
                                        size_t min_jammed)
{
    if (n_unjammed > 0)
        return PBX_WIDTH_UNJAMMED;
    if (n_undecided == 0 && n_jammed > 0 && n_jammed >= min_jammed)
        return PBX_WIDTH_JAMMED;
    return PBX_WIDTH_UNDECIDED;
}

int64_t pbx_jam_next_budget(int64_t budget, int64_t cap)
{
    if (budget <= 0 || budget >= cap)
        return 0;
    return budget > cap / 2 ? cap : 2 * budget;
}

const char *pbx_jam_state_name(int v)
{
    static const char *const names[] = {"unjammed", "jammed", "undecided"};
    return v >= 0 && v < 3 ? names[v] : "?";
}

size_t pbx_jam_midpoint(size_t h1, size_t h2)
{
    double g = floor(sqrt((double)h1 * (double)h2) + 0.5);
    size_t m = (size_t)g;
    /* For h2 - h1 >= 2 the rounded geometric mean is already strictly inside;
     * the clamps only guard against misuse. */
    if (m <= h1)
        m = h1 + 1;
    if (m >= h2)
        m = h2 - 1;
    return m;
}

int pbx_jam_refine_max_steps(size_t h1, size_t h2)
{
    if (h2 <= h1 + 1)
        return 0;
    size_t m = pbx_jam_midpoint(h1, h2);
    int a = pbx_jam_refine_max_steps(h1, m), b = pbx_jam_refine_max_steps(m, h2);
    return 1 + (a > b ? a : b);
}

void pbx_jam_search_init(pbx_jam_search *s, const size_t *h_desc, size_t n_h, int refine,
                         size_t n_below)
{
    memset(s, 0, sizeof *s);
    s->n_below = n_below;
    s->h_desc = h_desc;
    s->n_h = n_h;
    s->refine = refine;
    s->phase = n_h > 0 ? PBX_JAM_SCAN : PBX_JAM_DONE;
    s->note = n_h > 0 ? "" : "no width to scan";
}

static int was_tried(const size_t *tried, size_t n_tried, size_t h)
{
    for (size_t i = 0; i < n_tried; i++)
        if (tried[i] == h)
            return 1;
    return 0;
}

/* Called when the scan ends: decide whether to bisect. */
static void end_scan(pbx_jam_search *s)
{
    if (!s->has_h1) {
        s->note = "no jammed width in the list: every width reached N_Delta = 0";
        s->phase = PBX_JAM_DONE;
    } else if (!s->has_h2) {
        s->note = "the largest width is already jammed: no unjammed width in the list";
        s->phase = PBX_JAM_DONE;
    } else {
        s->phase = s->refine ? PBX_JAM_REFINE : PBX_JAM_DONE;
    }
}

int pbx_jam_search_next(pbx_jam_search *s, const size_t *tried, size_t n_tried, size_t *h,
                        int *is_refine)
{
    if (s->phase == PBX_JAM_SCAN) {
        if (s->has_h1 && s->below_left == 0)
            end_scan(s);
        else if (s->next_idx < s->n_h) {
            if (s->has_h1)
                s->below_left--;
            *h = s->h_desc[s->next_idx++];
            *is_refine = 0;
            return 1;
        } else
            end_scan(s);
    }
    if (s->phase == PBX_JAM_REFINE) {
        if (s->h2 - s->h1 <= 1) {
            s->phase = PBX_JAM_DONE;
            return 0;
        }
        size_t m = pbx_jam_midpoint(s->h1, s->h2);
        if (was_tried(tried, n_tried, m)) {
            s->phase = PBX_JAM_DONE;
            return 0;
        }
        *h = m;
        *is_refine = 1;
        return 1;
    }
    return 0;
}

void pbx_jam_search_report(pbx_jam_search *s, size_t h, pbx_width_verdict v)
{
    if (v == PBX_WIDTH_UNDECIDED) {
        /* Undecided widths give no evidence: the scan goes past them (h*
         * comes from decided widths only); a bisection stops there, its
         * bracket standing, only less narrow. */
        s->n_undecided++;
        if (s->phase == PBX_JAM_REFINE) {
            s->note = "bisection stopped at an undecided width";
            s->phase = PBX_JAM_DONE;
        }
        return;
    }
    if (v == PBX_WIDTH_UNJAMMED) {
        /* An unjammed width below h1 (a non-monotone scan) does not move h2. */
        if (s->has_h1 && h < s->h1) {
            s->note = "an unjammed width below h1: the scan is not monotone";
            return;
        }
        if (!s->has_h2 || h < s->h2) {
            s->h2 = h;
            s->has_h2 = 1;
        }
        return;
    }
    if (!s->has_h1) {
        s->below_left = s->n_below; /* the scan goes on for n_below widths */
        s->h1 = h;
        s->has_h1 = 1;
    } else if (h > s->h1) {
        s->h1 = h;
    }
}

int pbx_jam_search_has_bracket(const pbx_jam_search *s)
{
    return s->has_h1 && s->has_h2 && s->h1 < s->h2;
}

int pbx_jam_is_sharp(double nd_over_N_mean_h1, double threshold)
{
    return isfinite(nd_over_N_mean_h1) && nd_over_N_mean_h1 >= threshold;
}

int pbx_jam_cusp(const double *mean, const double *se, size_t n, size_t i1,
                 size_t i2, int within, double n_se, double *excess, size_t *k_out)
{
    *excess = NAN;
    *k_out = 0;
    size_t n_valid = 0, k = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(mean[i]))
            continue;
        if (n_valid == 0 || mean[i] > mean[k])
            k = i;
        last = i;
        n_valid++;
    }
    if (n_valid < 3 || i1 >= n || i2 >= n || i1 >= i2)
        return -1;
    *k_out = k;
    *excess = mean[k] - mean[last];
    long dist = k <= i1 ? (long)(i1 - k) + 1 : k >= i2 ? (long)(k - i2) + 1 : 0;
    if (dist > within || k == last)
        return 0;
    if (!isfinite(se[k]) || !isfinite(se[last]))
        return -1;
    return *excess > n_se * sqrt(se[k] * se[k] + se[last] * se[last]) ? 1 : 0;
}
