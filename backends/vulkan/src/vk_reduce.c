/* Reductions and the loss op.  Both run in two dispatches (per-workgroup
 * partials, then one workgroup folding them, see reduce_partial.comp) and
 * flush, so that only the final scalars cross to the host.  The number of
 * partials depends only on n, which fixes the order of every addition:
 * the same inputs give the same bits on the same device. */
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
    uint32_t parts = parts_for(n);
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_u32(&p, (uint32_t)n);
    pb_vk_push_u32(&p, (uint32_t)xoff);
    pb_vk_push_u32(&p, (uint32_t)(op == PB_VK_RED_SUM ? 0 : yoff));
    pb_vk_push_u32(&p, (uint32_t)op);
    /* sum reads no y: x stands in for the binding. */
    const pb_vk_binding stage1[] = {
        {x, 0}, {op == PB_VK_RED_SUM ? x : y, 0}, {be->parts, 1}};
    st = pb_vk_dispatch(be, PB_VK_REDUCE_PARTIAL, stage1, 3, &p, parts, 1);
    if (st != PB_OK)
        return st;
    pb_vk_push_init(&p, be);
    pb_vk_push_u32(&p, parts);
    pb_vk_push_u32(&p, (uint32_t)op);
    const pb_vk_binding stage2[] = {{be->parts, 0}, {be->readback, 1}};
    st = pb_vk_dispatch(be, PB_VK_REDUCE_FINAL, stage2, 2, &p, 1, 1);
    if (st == PB_OK)
        st = pb_vk_flush(be);
    if (st == PB_OK)
        *result = read_acc(be, be->readback->mapped);
    return st;
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

/* LossPart of loss.glsl in std430: three ACC, then four uint. */
static void read_loss_part(const pb_backend *be, const unsigned char *p,
                           double scale, pb_loss_stats *stats)
{
    size_t a = acc_size(be);
    uint32_t counts[3];
    memcpy(counts, p + 3 * a, sizeof counts);
    stats->loss = scale * read_acc(be, p);
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

pb_status pb_vk_loss(pb_backend *be, const pb_loss *loss, size_t n,
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
        *stats = (pb_loss_stats){0.0, NAN, NAN, 0, 0, 0};
        return PB_OK;
    }

    uint32_t parts = parts_for(n);
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
    pb_vk_push_u32(&p, (uint32_t)loss->kind);
    pb_vk_push_u32(&p, grad != NULL);
    /* Without grad, o stands in for its binding and is not written. */
    const pb_vk_binding stage1[] = {
        {o, 0}, {y, 0}, {grad ? grad : o, grad != NULL}, {be->parts, 1}};
    st = pb_vk_dispatch(be, PB_VK_LOSS_PARTIAL, stage1, 4, &p, parts, 1);
    if (st != PB_OK)
        return st;
    pb_vk_push_init(&p, be);
    pb_vk_push_u32(&p, parts);
    const pb_vk_binding stage2[] = {{be->parts, 0}, {be->readback, 1}};
    st = pb_vk_dispatch(be, PB_VK_LOSS_FINAL, stage2, 2, &p, 1, 1);
    if (st == PB_OK)
        st = pb_vk_flush(be);
    if (st == PB_OK)
        read_loss_part(be, be->readback->mapped, loss->scale, stats);
    return st;
}
