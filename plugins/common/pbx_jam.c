#include "pbx_jam.h"

#include <math.h>
#include <string.h>

double pbx_fc_params(double d, double L, double h)
{
    return d * h + (L - 1.0) * h * h + h;
}

pbx_run_class pbx_jam_classify_run(const pbx_run_end *e, double nd_tol)
{
    if (!e->ok || !e->stop_reason)
        return PBX_RUN_INVALID;
    /* A diverged or broken flow says nothing about the landscape. */
    if (strcmp(e->stop_reason, "nan") == 0 || strcmp(e->stop_reason, "error") == 0)
        return PBX_RUN_INVALID;
    if (e->train_nd < 0)
        return PBX_RUN_INVALID;
    if (e->train_nd == 0)
        return PBX_RUN_UNJAMMED;
    if (nd_tol > 0.0 && isfinite(e->min_margin) && e->min_margin >= e->margin - nd_tol)
        return PBX_RUN_UNJAMMED;
    return PBX_RUN_JAMMED;
}

pbx_width_verdict pbx_jam_width_verdict(size_t n_unjammed, size_t n_jammed, size_t n_invalid)
{
    if (n_unjammed > 0)
        return PBX_WIDTH_UNJAMMED;
    if (n_jammed > 0 && n_invalid == 0)
        return PBX_WIDTH_JAMMED;
    return PBX_WIDTH_UNDECIDED;
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

void pbx_jam_search_init(pbx_jam_search *s, const size_t *h_desc, size_t n_h, int refine)
{
    memset(s, 0, sizeof *s);
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
        if (s->next_idx < s->n_h) {
            *h = s->h_desc[s->next_idx++];
            *is_refine = 0;
            return 1;
        }
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
        /* Failed runs leave the width unknown.  In the scan no bracket can be
         * built across it; in the bisection the bracket found so far stands,
         * only less narrow. */
        s->note = s->phase == PBX_JAM_SCAN
                      ? "scan stopped at an undecided width (runs failed, none reached N_Delta = 0)"
                      : "bisection stopped at an undecided width (runs failed, none reached N_Delta = 0)";
        s->phase = PBX_JAM_DONE;
        return;
    }
    if (v == PBX_WIDTH_UNJAMMED) {
        if (!s->has_h2 || h < s->h2) {
            s->h2 = h;
            s->has_h2 = 1;
        }
        return;
    }
    if (!s->has_h1 || h > s->h1) {
        s->h1 = h;
        s->has_h1 = 1;
    }
    if (s->phase == PBX_JAM_SCAN)
        end_scan(s); /* the downward scan stops at the first jammed width */
}

int pbx_jam_search_has_bracket(const pbx_jam_search *s)
{
    return s->has_h1 && s->has_h2 && s->h1 < s->h2;
}

int pbx_jam_is_sharp(double nd_over_N_min_h1, int64_t nd_min_h2, double threshold)
{
    return isfinite(nd_over_N_min_h1) && nd_over_N_min_h1 >= threshold && nd_min_h2 == 0;
}
