/* Elementwise ops and GEMM: argument checks, push constants, dispatch.
 * All of them only record work (see vk_stream.c); none waits.  Argument
 * checks follow the reference backend's, so both refuse the same calls. */
#include "vk_internal.h"
#include "vk_ops.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

/* Rows and columns of the GEMM tile one workgroup computes, and the depth
 * of its k slices (gemm.comp). */
#define PB_VK_GEMM_TILE 64u
#define PB_VK_GEMM_SLICE 16u
/* Workgroup size of gemm_small.comp. */
#define PB_VK_GEMM_SMALL_WG 64u
/* Up to this many multiply-adds, a GEMM takes the small-shape kernel
 * whatever its shape (about 128^3): launch costs dominate there. */
#define PB_VK_GEMM_SMALL_WORK ((size_t)1 << 21)

/* Buffer sizes are capped at 4 GiB, so element counts and offsets that
 * passed the view checks fit in 32 bits.  A leading dimension may not (one
 * row, or an empty view), but then the kernel never multiplies by it. */
static uint32_t u32(size_t v)
{
    return (uint32_t)v;
}

pb_status pb_vk_fill(pb_backend *be, pb_buf *x, size_t off, size_t n,
                     double value)
{
    pb_status st = pb_vk_usable(be);
    if (st == PB_OK)
        st = pb_vk_check_view(be, x, off, n, "fill: x");
    if (st != PB_OK || n == 0)
        return st;
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_real(&p, value);
    pb_vk_push_u32(&p, u32(n));
    pb_vk_push_u32(&p, u32(off));
    const pb_vk_binding b[] = {{x, 1}};
    return pb_vk_dispatch(be, PB_VK_FILL, b, 1, &p, pb_vk_groups_1d(be, n), 1);
}

pb_status pb_vk_copy(pb_backend *be, pb_buf *dst, size_t doff,
                     const pb_buf *src, size_t soff, size_t n)
{
    pb_status st = pb_vk_usable(be);
    if (st == PB_OK)
        st = pb_vk_check_view(be, dst, doff, n, "copy: dst");
    if (st == PB_OK)
        st = pb_vk_check_view(be, src, soff, n, "copy: src");
    if (st != PB_OK || n == 0)
        return st;
    if (dst == src && (doff > soff ? doff - soff : soff - doff) < n)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "copy: dst [offset %zu] overlaps src [offset %zu] "
                          "(%zu elements) in the same buffer",
                          doff, soff, n);
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_u32(&p, u32(n));
    pb_vk_push_u32(&p, u32(soff));
    pb_vk_push_u32(&p, u32(doff));
    const pb_vk_binding b[] = {{src, 0}, {dst, 1}};
    return pb_vk_dispatch(be, PB_VK_COPY, b, 2, &p, pb_vk_groups_1d(be, n), 1);
}

pb_status pb_vk_axpby(pb_backend *be, size_t n, double a, const pb_buf *x,
                      size_t xoff, double b, pb_buf *y, size_t yoff)
{
    pb_status st = pb_vk_usable(be);
    if (st == PB_OK)
        st = pb_vk_check_view(be, x, xoff, n, "axpby: x");
    if (st == PB_OK)
        st = pb_vk_check_view(be, y, yoff, n, "axpby: y");
    if (st == PB_OK)
        st = pb_vk_check_alias(be, x, xoff, y, yoff, n, "axpby: x and y");
    if (st != PB_OK || n == 0)
        return st;
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_real(&p, a);
    pb_vk_push_real(&p, b);
    pb_vk_push_u32(&p, u32(n));
    pb_vk_push_u32(&p, u32(xoff));
    pb_vk_push_u32(&p, u32(yoff));
    pb_vk_push_u32(&p, b != 0.0);
    const pb_vk_binding bind[] = {{x, 0}, {y, 1}};
    return pb_vk_dispatch(be, PB_VK_AXPBY, bind, 2, &p, pb_vk_groups_1d(be, n),
                          1);
}

pb_status pb_vk_mul(pb_backend *be, size_t n, double a, const pb_buf *x,
                    size_t xoff, const pb_buf *y, size_t yoff, double b,
                    pb_buf *out, size_t ooff)
{
    pb_status st = pb_vk_usable(be);
    if (st == PB_OK)
        st = pb_vk_check_view(be, x, xoff, n, "mul: x");
    if (st == PB_OK)
        st = pb_vk_check_view(be, y, yoff, n, "mul: y");
    if (st == PB_OK)
        st = pb_vk_check_view(be, out, ooff, n, "mul: out");
    if (st == PB_OK)
        st = pb_vk_check_alias(be, x, xoff, out, ooff, n, "mul: x and out");
    if (st == PB_OK)
        st = pb_vk_check_alias(be, y, yoff, out, ooff, n, "mul: y and out");
    if (st != PB_OK || n == 0)
        return st;
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_real(&p, a);
    pb_vk_push_real(&p, b);
    pb_vk_push_u32(&p, u32(n));
    pb_vk_push_u32(&p, u32(xoff));
    pb_vk_push_u32(&p, u32(yoff));
    pb_vk_push_u32(&p, u32(ooff));
    pb_vk_push_u32(&p, b != 0.0);
    const pb_vk_binding bind[] = {{x, 0}, {y, 0}, {out, 1}};
    return pb_vk_dispatch(be, PB_VK_MUL, bind, 3, &p, pb_vk_groups_1d(be, n),
                          1);
}

static pb_status check_act(pb_backend *be, const pb_act *act, const char *op)
{
    if (!act)
        return pb_vk_fail(be, PB_ERR_INVALID, "%s: NULL activation", op);
    if ((unsigned)act->kind > (unsigned)PB_ACT_SOFTPLUS)
        return pb_vk_fail(be, PB_ERR_INVALID, "%s: unknown activation %d", op,
                          (int)act->kind);
    if (!isfinite(act->beta) || act->beta == 0.0)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "%s: act beta %g must be finite and non-zero", op,
                          act->beta);
    if (!isfinite(act->c))
        return pb_vk_fail(be, PB_ERR_INVALID, "%s: act c %g must be finite",
                          op, act->c);
    return PB_OK;
}

pb_status pb_vk_act_forward(pb_backend *be, const pb_act *act, size_t n,
                            const pb_buf *z, size_t zoff, pb_buf *out,
                            size_t ooff)
{
    pb_status st = pb_vk_usable(be);
    if (st == PB_OK)
        st = check_act(be, act, "act_forward");
    if (st == PB_OK)
        st = pb_vk_check_view(be, z, zoff, n, "act_forward: z");
    if (st == PB_OK)
        st = pb_vk_check_view(be, out, ooff, n, "act_forward: out");
    if (st == PB_OK)
        st = pb_vk_check_alias(be, z, zoff, out, ooff, n,
                               "act_forward: z and out");
    if (st != PB_OK || n == 0)
        return st;
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_real(&p, act->beta);
    pb_vk_push_real(&p, act->c);
    pb_vk_push_u32(&p, u32(n));
    pb_vk_push_u32(&p, u32(zoff));
    pb_vk_push_u32(&p, u32(ooff));
    const pb_vk_binding bind[] = {{z, 0}, {out, 1}};
    return pb_vk_dispatch_spec(be, PB_VK_ACT_FORWARD, (uint32_t)act->kind,
                               bind, 2, &p, pb_vk_groups_1d(be, n), 1);
}

pb_status pb_vk_act_backward(pb_backend *be, const pb_act *act, size_t n,
                             const pb_buf *z, size_t zoff, const pb_buf *dout,
                             size_t doff, pb_buf *dz, size_t dzoff)
{
    pb_status st = pb_vk_usable(be);
    if (st == PB_OK)
        st = check_act(be, act, "act_backward");
    if (st == PB_OK)
        st = pb_vk_check_view(be, z, zoff, n, "act_backward: z");
    if (st == PB_OK)
        st = pb_vk_check_view(be, dout, doff, n, "act_backward: dout");
    if (st == PB_OK)
        st = pb_vk_check_view(be, dz, dzoff, n, "act_backward: dz");
    if (st == PB_OK)
        st = pb_vk_check_alias(be, z, zoff, dz, dzoff, n,
                               "act_backward: z and dz");
    if (st == PB_OK)
        st = pb_vk_check_alias(be, dout, doff, dz, dzoff, n,
                               "act_backward: dout and dz");
    if (st != PB_OK || n == 0)
        return st;
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_real(&p, act->beta);
    pb_vk_push_real(&p, act->c);
    pb_vk_push_u32(&p, u32(n));
    pb_vk_push_u32(&p, u32(zoff));
    pb_vk_push_u32(&p, u32(doff));
    pb_vk_push_u32(&p, u32(dzoff));
    const pb_vk_binding bind[] = {{z, 0}, {dout, 0}, {dz, 1}};
    return pb_vk_dispatch_spec(be, PB_VK_ACT_BACKWARD, (uint32_t)act->kind,
                               bind, 3, &p, pb_vk_groups_1d(be, n), 1);
}

/* A rows x cols row-major view at off with leading dimension ld must lie
 * inside buf: off + (rows-1) ld + cols <= buf->n, computed without
 * overflow.  ld < cols is refused even for an empty view, as the reference
 * backend does. */
static pb_status check_matrix(pb_backend *be, const pb_buf *buf, size_t off,
                              size_t rows, size_t cols, size_t ld,
                              const char *name)
{
    char what[32];
    snprintf(what, sizeof what, "gemm: %s", name);
    pb_status st = pb_vk_check_buf(be, buf, what);
    if (st != PB_OK)
        return st;
    if (ld < cols)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "gemm: ld%s = %zu is less than its %zu columns",
                          name, ld, cols);
    if (off > buf->n)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "gemm: %s offset %zu exceeds its buffer of %zu "
                          "elements", name, off, buf->n);
    if (rows == 0 || cols == 0)
        return PB_OK;
    size_t room = buf->n - off;
    if (cols > room || rows - 1 > (room - cols) / ld)
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "gemm: %s (%zu x %zu, ld %zu, offset %zu) exceeds "
                          "its buffer of %zu elements",
                          name, rows, cols, ld, off, buf->n);
    return PB_OK;
}

static size_t round_up(size_t v, size_t q)
{
    return (v + q - 1) / q * q;
}

/* The block of C one invocation of gemm_small.comp computes (its SHAPE
 * specialization), bm x bn. */
static void small_gemm_blocks(size_t m, size_t n, uint32_t *shape,
                              size_t *bm, size_t *bn)
{
    if (n == 1 && m > 1) {
        *shape = 2, *bm = 16, *bn = 1;
    } else {
        *shape = m >= n ? 0 : 1;
        *bm = *bn = 4;
    }
}

/* Which GEMM kernel runs a shape: a function of (m, n, k) alone, so the
 * same shape always runs the same kernel.  Both kernels round alike (see
 * gemm_small.comp), so the choice only moves time.  The tiled kernel is
 * what a GPU needs for large products; the small-shape kernel (a 4 x 4 or
 * 16 x 1 block of C per invocation, no shared memory) wins when tiles
 * would be mostly padding (the tiled kernel then does at least 4x the
 * useful multiply-adds: skinny shapes such as n = 1, m = 1 or h x d x P
 * with small h, d) or when the product is small.  PB_VULKAN_GEMM=tiled|
 * small overrides the choice (tests). */
static int use_small_gemm(const pb_backend *be, size_t m, size_t n, size_t k)
{
    uint32_t shape;
    size_t bm, bn;
    small_gemm_blocks(m, n, &shape, &bm, &bn);
    size_t blocks_y = shape != 1 ? (n + bn - 1) / bn : (m + bm - 1) / bm;
    if (m * n > UINT32_MAX / 2 || blocks_y > be->info.max_groups[1])
        return 0; /* 32-bit indices of C; a workgroup row per block */
    if (be->gemm_force)
        return be->gemm_force == 2;
    size_t useful = m * n * (k ? k : 1);
    if (useful <= PB_VK_GEMM_SMALL_WORK)
        return 1;
    double tiled = (double)round_up(m, PB_VK_GEMM_TILE) *
                   (double)round_up(n, PB_VK_GEMM_TILE) *
                   (double)round_up(k ? k : 1, PB_VK_GEMM_SLICE);
    return 4.0 * (double)m * (double)n * (double)(k ? k : 1) <= tiled;
}

pb_status pb_vk_gemm(pb_backend *be, pb_trans ta, pb_trans tb, size_t m,
                     size_t n, size_t k, double alpha, const pb_buf *a,
                     size_t aoff, size_t lda, const pb_buf *b, size_t boff,
                     size_t ldb, double beta, pb_buf *c, size_t coff,
                     size_t ldc)
{
    pb_status st = pb_vk_usable(be);
    if (st != PB_OK)
        return st;
    if ((ta != PB_NO_TRANS && ta != PB_TRANS) ||
        (tb != PB_NO_TRANS && tb != PB_TRANS))
        return pb_vk_fail(be, PB_ERR_INVALID, "gemm: bad transpose flag");
    int at = ta == PB_TRANS, bt = tb == PB_TRANS;
    st = check_matrix(be, a, aoff, at ? k : m, at ? m : k, lda, "a");
    if (st == PB_OK)
        st = check_matrix(be, b, boff, bt ? n : k, bt ? k : n, ldb, "b");
    if (st == PB_OK)
        st = check_matrix(be, c, coff, m, n, ldc, "c");
    if (st != PB_OK || m == 0 || n == 0)
        return st;
    if (use_small_gemm(be, m, n, k)) {
        /* Member order of gemm_small.comp's Push block. */
        pb_vk_push p;
        pb_vk_push_init(&p, be);
        pb_vk_push_real(&p, alpha);
        pb_vk_push_real(&p, beta);
        pb_vk_push_real(&p, 0.0);
        pb_vk_push_u32(&p, u32(m));
        pb_vk_push_u32(&p, u32(n));
        pb_vk_push_u32(&p, u32(k));
        pb_vk_push_u32(&p, u32(lda));
        pb_vk_push_u32(&p, u32(ldb));
        pb_vk_push_u32(&p, u32(ldc));
        pb_vk_push_u32(&p, u32(aoff));
        pb_vk_push_u32(&p, u32(boff));
        pb_vk_push_u32(&p, u32(coff));
        pb_vk_push_u32(&p, (uint32_t)at);
        pb_vk_push_u32(&p, (uint32_t)bt);
        pb_vk_push_u32(&p, beta != 0.0);
        pb_vk_push_u32(&p, alpha != 0.0 && k != 0);
        pb_vk_push_u32(&p, k % PB_VK_GEMM_SLICE != 0);
        /* Blocks of 16 elements of C (gemm_small.comp's SHAPE): 16 x 1
         * for n = 1, else 4 x 4.  x walks the blocks along the longer side
         * of C, y those along the shorter one. */
        uint32_t shape;
        size_t bm, bn;
        small_gemm_blocks(m, n, &shape, &bm, &bn);
        int rows_x = shape != 1;
        size_t len = rows_x ? (m + bm - 1) / bm : (n + bn - 1) / bn;
        size_t other = rows_x ? (n + bn - 1) / bn : (m + bm - 1) / bm;
        size_t groups = (len + PB_VK_GEMM_SMALL_WG - 1) / PB_VK_GEMM_SMALL_WG;
        size_t cap = be->info.max_groups[0] < 65535u ? be->info.max_groups[0]
                                                     : 65535u;
        if (groups > cap)
            groups = cap; /* the kernel loops over the rest */
        const pb_vk_binding bind[] = {{a, 0}, {b, 0}, {c, 1}};
        return pb_vk_dispatch_spec(be, PB_VK_GEMM_SMALL, shape,
                                   bind, 3, &p, (uint32_t)groups,
                                   (uint32_t)other);
    }
    size_t gx = (n + PB_VK_GEMM_TILE - 1) / PB_VK_GEMM_TILE;
    size_t gy = (m + PB_VK_GEMM_TILE - 1) / PB_VK_GEMM_TILE;
    if (gx > be->info.max_groups[0] || gy > be->info.max_groups[1])
        return pb_vk_fail(be, PB_ERR_INVALID,
                          "gemm: %zu x %zu exceeds the device's dispatch "
                          "limit (%u x %u tiles of 64)",
                          m, n, be->info.max_groups[1],
                          be->info.max_groups[0]);
    /* Member order of gemm.comp's Push block. */
    pb_vk_push p;
    pb_vk_push_init(&p, be);
    pb_vk_push_real(&p, alpha);
    pb_vk_push_real(&p, beta);
    pb_vk_push_u32(&p, u32(m));
    pb_vk_push_u32(&p, u32(n));
    pb_vk_push_u32(&p, u32(k));
    pb_vk_push_u32(&p, u32(lda));
    pb_vk_push_u32(&p, u32(ldb));
    pb_vk_push_u32(&p, u32(ldc));
    pb_vk_push_u32(&p, u32(aoff));
    pb_vk_push_u32(&p, u32(boff));
    pb_vk_push_u32(&p, u32(coff));
    pb_vk_push_u32(&p, (uint32_t)at);
    pb_vk_push_u32(&p, (uint32_t)bt);
    pb_vk_push_u32(&p, beta != 0.0);
    pb_vk_push_u32(&p, alpha != 0.0 && k != 0); /* else C = beta C */
    const pb_vk_binding bind[] = {{a, 0}, {b, 0}, {c, 1}};
    return pb_vk_dispatch(be, PB_VK_GEMM, bind, 3, &p, (uint32_t)gx,
                          (uint32_t)gy);
}
