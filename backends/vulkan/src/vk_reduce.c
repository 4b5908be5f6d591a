/* Reductions, step_scalars and the loss op.  Each folds in two stages
 * (per-workgroup partials, then one workgroup folding them, see
 * reduce.glsl) and flushes, so that only the final scalars cross to the
 * host.  The number of partials depends only on n, which fixes the order
 * of every addition: the same inputs give the same bits on the same
 * device.  With a single partial (n <= 256) the second stage would only
 * fold it into the identity, so the first writes it straight to the
 * readback buffer and the host does that last step, with the same bits and
 * one dispatch fewer.  step_scalars records its three reductions together
 * and flushes once. */
#include "vk_internal.h"
#include "vk_ops.h"

#include <math.h>
#include <string.h>

/* Codes of reduce.glsl. */
enum pb_vk_reduce_op {
    PB_VK_RED_SUM = 0,
    PB_VK_RED_DOT = 1,
    PB_VK_RED_DIST2 = 2,
    PB_VK_RED_MAXABS = 3
};

static uint32_t parts_for(size_t n)
{
    size_t g = (n + PB_VK_WG - 1) / PB_VK_WG;
    if (g > PB_VK_MAX_PARTS)
        g = PB_VK_MAX_PARTS;
    return g ? (uint32_t)g : 1u;
}

/* Size of one accumulator in the shaders' ACC type. */
static size_t acc_size(const pb_backend *be)
{
    return be->dtype == PB_F64 || be->acc64 ? sizeof(double) : sizeof(float);
}

static double read_acc(const pb_backend *be, const unsigned char *p)
{
    if (acc_size(be) == sizeof(double)) {
        double d;
        memcpy(&d, p, sizeof d);
        return d;
    }
    float f;
    memcpy(&f, p, sizeof f);
    return f;
}

/* One reduction of a batch: op over x (and y) [0, n). */
typedef struct reduction {
    enum pb_vk_reduce_op op;
    size_t n;
    const pb_buf *x;
    size_t xoff;
    const pb_buf *y; /* NULL for sum */
    size_t yoff;
} reduction;

/* Reductions recorded together, one result slot each.  Their partials lie
 * side by side in be->parts (sized for PB_VK_MAX_PARTS loss partials). */
#define MAX_REDUCTIONS 4u
_Static_assert(MAX_REDUCTIONS * PB_VK_MAX_PARTS * sizeof(double) <=
                   PB_VK_MAX_PARTS * PB_VK_LOSS_PART_MAX,
               "the partials of MAX_REDUCTIONS reductions fit be->parts");

/* What reduce_final.comp computes from one partial p (the other lanes hold
 * the identity 0): combine(0, p), then combinations with 0 that change
 * nothing more.  For sums that is 0 + p, which turns -0 into +0; for
 * max-abs, p unless it is NaN (canonical NaN) or not above 0.  The result
 * has the bits the device's second pass would have given. */
static double finish_one_part(enum pb_vk_reduce_op op, double p)
{
    if (op != PB_VK_RED_MAXABS)
        return 0.0 + p;
    if (isnan(p))
        return NAN;
    return p > 0.0 ? p : 0.0;
}

/* Records the reductions (stage 1 each, then one stage 2 for those with
 * more than one partial), flushes once, and reads the results.  Each
 * reduction's partials have their own place, and the order of every
 * addition is the one a reduction recorded alone has: results do not
 * depend on what else is in the batch.  A reduction with one partial (n <=
 * 256) writes it straight into its readback slot and the host finishes it
 * (finish_one_part).  Views have been checked; n > 0 for each. */
static pb_status run_reductions(pb_backend *be, const reduction *r,
                                uint32_t count, double *results)
{
    uint32_t final_count[MAX_REDUCTIONS], final_base[MAX_REDUCTIONS];
    uint32_t final_op[MAX_REDUCTIONS], final_slot[MAX_REDUCTIONS];
    uint32_t n_final = 0, base = 0;
    pb_status st = PB_OK;
    for (uint32_t i = 0; i < count && st == PB_OK; ++i) {
        uint32_t parts = parts_for(r[i].n);
        int direct = parts == 1;
        pb_vk_push p;
        pb_vk_push_init(&p, be);
        pb_vk_push_u32(&p, (uint32_t)r[i].n);
        pb_vk_push_u32(&p, (uint32_t)r[i].xoff);
        pb_vk_push_u32(&p, (uint32_t)(r[i].y ? r[i].yoff : 0));
        pb_vk_push_u32(&p, (uint32_t)r[i].op);
        pb_vk_push_u32(&p, direct ? i : base);
        /* sum reads no y: x stands in for the binding. */
        const pb_vk_binding stage1[] = {
            {r[i].x, 0},
            {r[i].y ? r[i].y : r[i].x, 0},
            {direct ? be->readback : be->parts, 1}};
        st = pb_vk_dispatch(be, PB_VK_REDUCE_PARTIAL, stage1, 3, &p, parts,
                            1);
        if (!direct) {
            final_count[n_final] = parts;
            final_base[n_final] = base;
            final_op[n_final] = (uint32_t)r[i].op;
            final_slot[n_final] = i;
            ++n_final;
            base += parts;
        }
    }
    if (st == PB_OK && n_final > 0) {
        /* Member order of reduce_final.comp's Push block: four uvec4. */
        const uint32_t *fields[] = {final_count, final_base, final_op,
                                    final_slot};
        pb_vk_push p;
        pb_vk_push_init(&p, be);
        for (int f = 0; f < 4; ++f)
            for (uint32_t j = 0; j < MAX_REDUCTIONS; ++j)
                pb_vk_push_u32(&p, j < n_final ? fields[f][j] : 0u);
        const pb_vk_binding stage2[] = {{be->parts, 0}, {be->readback, 1}};
        st = pb_vk_dispatch(be, PB_VK_REDUCE_FINAL, stage2, 2, &p, n_final,
                            1);
    }
    if (st == PB_OK)
        st = pb_vk_flush(be);
    if (st != PB_OK)
        return st;
    const unsigned char *out = be->readback->mapped;
    for (uint32_t i = 0; i < count; ++i) {
        double v = read_acc(be, out + i * acc_size(be));
        results[i] = parts_for(r[i].n) == 1 ? finish_one_part(r[i].op, v) : v;
    }
    return PB_OK;
}

static pb_status reduce(pb_backend *be, enum pb_vk_reduce_op op,
                        const char *name, size_t n, const pb_buf *x,
                        size_t xoff, const pb_buf *y, size_t yoff,
                        double *result)
{
    pb_status st = pb_vk_usable(be);
    if (st != PB_OK)
        return st;
    if (!result)
        return pb_vk_fail(be, PB_ERR_INVALID, "%s: NULL result", name);
    st = pb_vk_check_view(be, x, xoff, n, name);
    if (st == PB_OK && op != PB_VK_RED_SUM)
        st = pb_vk_check_view(be, y, yoff, n, name);
    if (st != PB_OK)
        return st;
    if (n == 0) {
        *result = 0.0;
        return PB_OK;
    }
    const reduction r = {op, n, x, xoff, op == PB_VK_RED_SUM ? NULL : y,
                         yoff};
    return run_reductions(be, &r, 1, result);
}

pb_status pb_vk_sum(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                    double *result)
{
    return reduce(be, PB_VK_RED_SUM, "sum", n, x, xoff, NULL, 0, result);
}

pb_status pb_vk_dot(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                    const pb_buf *y, size_t yoff, double *result)
{
    return reduce(be, PB_VK_RED_DOT, "dot", n, x, xoff, y, yoff, result);
}

pb_status pb_vk_dist2(pb_backend *be, size_t n, const pb_buf *x, size_t xoff,
                      const pb_buf *y, size_t yoff, double *result)
{
    return reduce(be, PB_VK_RED_DIST2, "dist2", n, x, xoff, y, yoff, result);
}

pb_status pb_vk_max_abs_diff(pb_backend *be, size_t n, const pb_buf *x,
                             size_t xoff, const pb_buf *y, size_t yoff,
                             double *result)
{
    return reduce(be, PB_VK_RED_MAXABS, "max_abs_diff", n, x, xoff, y, yoff,
                  result);
}

/* The step control's three reductions in one batch and one flush; each
 * result has the bits dot, dist2 and max_abs_diff give on their own. */
pb_status pb_vk_step_scalars(pb_backend *be, size_t n, const pb_buf *g,
                             size_t goff, const pb_buf *g1, size_t g1off,
                             size_t m, const pb_buf *o, size_t ooff,
                             const pb_buf *o1, size_t o1off, double out[3])
{
    pb_status st = pb_vk_usable(be);
    if (st != PB_OK)
        return st;
    if (!out)
        return pb_vk_fail(be, PB_ERR_INVALID, "step_scalars: NULL out");
    st = pb_vk_check_view(be, g, goff, n, "step_scalars: g");
    if (st == PB_OK)
        st = pb_vk_check_view(be, g1, g1off, n, "step_scalars: g1");
    if (st == PB_OK)
        st = pb_vk_check_view(be, o, ooff, m, "step_scalars: o");
    if (st == PB_OK)
        st = pb_vk_check_view(be, o1, o1off, m, "step_scalars: o1");
    if (st != PB_OK)
        return st;
    const reduction all[3] = {
        {PB_VK_RED_DOT, n, g1, g1off, g1, g1off},
        {PB_VK_RED_DIST2, n, g, goff, g1, g1off},
        {PB_VK_RED_MAXABS, m, o, ooff, o1, o1off},
    };
    /* Empty reductions are 0, as the single ops return them. */
    reduction r[3];
    uint32_t slot_of[3], count = 0;
    for (uint32_t i = 0; i < 3; ++i) {
        out[i] = 0.0;
        if (all[i].n > 0) {
            slot_of[count] = i;
            r[count++] = all[i];
        }
    }
    if (count == 0)
        return PB_OK;
    double res[3];
    st = run_reductions(be, r, count, res);
    if (st == PB_OK)
        for (uint32_t i = 0; i < count; ++i)
            out[slot_of[i]] = res[i];
    return st;
}

/* LossPart of loss.glsl in std430: three ACC, then four uint.  one_part:
 * p is the only stage-1 part, not yet folded into the identity (0 + loss;
 * min and max with +-inf and the count sums change nothing). */
static void read_loss_part(const pb_backend *be, const unsigned char *p,
                           double scale, int one_part, pb_loss_stats *stats)
{
    size_t a = acc_size(be);
    uint32_t counts[3];
    memcpy(counts, p + 3 * a, sizeof counts);
    double sum = read_acc(be, p);
    stats->loss = scale * (one_part ? 0.0 + sum : sum);
    stats->min_margin = read_acc(be, p + a);
    stats->max_margin = read_acc(be, p + 2 * a);
    /* No defined margin leaves the identities +inf > -inf: the reference
     * reports NaN then. */
    if (stats->min_margin > stats->max_margin)
        stats->min_margin = stats->max_margin = NAN;
    stats->n_unsat = counts[0];
    stats->n_err = counts[1];
    stats->n_nan = counts[2];
}

static pb_status loss_full(pb_backend *be, const pb_loss *loss, size_t n,
                           const pb_buf *o, size_t ooff, const pb_buf *y,
                           size_t yoff, pb_buf *grad, size_t goff,
                           pb_loss_stats *stats)
{
    pb_status st = pb_vk_usable(be);
    if (st != PB_OK)
        return st;
    if (!loss || !stats)
        return pb_vk_fail(be, PB_ERR_INVALID, "loss: NULL %s",
                          loss ? "stats" : "loss parameters");
    if ((unsigned)loss->kind > (unsigned)PB_LOSS_QHINGE)
        return pb_vk_fail(be, PB_ERR_INVALID, "loss: unknown loss kind %d",
                          (int)loss->kind);
    if (!isfinite(loss->alpha) || loss->alpha == 0.0)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "loss: alpha %g must be finite and non-zero",
                          loss->alpha);
    if (!isfinite(loss->margin) || !isfinite(loss->scale))
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "loss: margin %g and scale %g must be finite",
                          loss->margin, loss->scale);
    if (loss->kind == PB_LOSS_SOFTHINGE &&
        (!isfinite(loss->beta) || !(loss->beta > 0.0)))
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "loss: soft hinge beta %g must be finite and > 0",
                          loss->beta);
    st = pb_vk_check_view(be, o, ooff, n, "loss: o");
    if (st == PB_OK)
        st = pb_vk_check_view(be, y, yoff, n, "loss: y");
    if (st == PB_OK && grad)
        st = pb_vk_check_view(be, grad, goff, n, "loss: grad");
    if (st == PB_OK && grad)
        st = pb_vk_check_alias(be, o, ooff, grad, goff, n, "loss: o and grad");
    if (st == PB_OK && grad)
        st = pb_vk_check_alias(be, y, yoff, grad, goff, n, "loss: y and grad");
    if (st != PB_OK)
        return st;
    if (n == 0) {
        *stats = (pb_loss_stats){.struct_size = sizeof(pb_loss_stats), .loss = 0.0,
                                 .min_margin = NAN, .max_margin = NAN};
        return PB_OK;
    }

    uint32_t parts = parts_for(n);
    /* One partial (n <= 256) goes straight to the readback buffer, and
     * the host finishes it as loss_final.comp would have: folding it into
     * the identity changes only the sign of a zero loss sum. */
    int direct = parts == 1;
    /* Member order of loss_partial.comp's Push block. */
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_real(&p, loss->alpha);
    pb_vk_push_real(&p, loss->margin);
    pb_vk_push_real(&p, loss->beta);
    pb_vk_push_real(&p, loss->scale);
    pb_vk_push_u32(&p, (uint32_t)n);
    pb_vk_push_u32(&p, (uint32_t)ooff);
    pb_vk_push_u32(&p, (uint32_t)yoff);
    pb_vk_push_u32(&p, (uint32_t)(grad ? goff : 0));
    pb_vk_push_u32(&p, grad != NULL);
    /* Without grad, o stands in for its binding and is not written. */
    const pb_vk_binding stage1[] = {{o, 0},
                                    {y, 0},
                                    {grad ? grad : o, grad != NULL},
                                    {direct ? be->readback : be->parts, 1}};
    st = pb_vk_dispatch_spec(be, PB_VK_LOSS_PARTIAL, (uint32_t)loss->kind,
                             stage1, 4, &p, parts, 1);
    if (st != PB_OK)
        return st;
    if (!direct) {
        pb_vk_push_init(&p, be);
        pb_vk_push_u32(&p, parts);
        const pb_vk_binding stage2[] = {{be->parts, 0}, {be->readback, 1}};
        st = pb_vk_dispatch(be, PB_VK_LOSS_FINAL, stage2, 2, &p, 1, 1);
    }
    if (st == PB_OK)
        st = pb_vk_flush(be);
    if (st == PB_OK)
        read_loss_part(be, be->readback->mapped, loss->scale, direct, stats);
    return st;
}

/* The loss op of the ABI: computed in a full pb_loss_stats, handed over as
 * far as the caller's struct_size goes. */
pb_status pb_vk_loss(pb_backend *be, const pb_loss *loss, size_t n,
                     const pb_buf *o, size_t ooff, const pb_buf *y,
                     size_t yoff, pb_buf *grad, size_t goff,
                     pb_loss_stats *stats)
{
    pb_status st = pb_vk_usable(be);
    if (st != PB_OK)
        return st;
    if (stats && stats->struct_size < PB_LOSS_STATS_MIN_SIZE)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "loss: stats struct_size %u is below ABI 1.2's %zu",
                          (unsigned)stats->struct_size, (size_t)PB_LOSS_STATS_MIN_SIZE);
    pb_loss_stats full = PB_LOSS_STATS_INIT;
    st = loss_full(be, loss, n, o, ooff, y, yoff, grad, goff, stats ? &full : NULL);
    if (st == PB_OK)
        pb_struct_give(stats, &full, sizeof full);
    return st;
}
