#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

// C = alpha op(A) op(B) + beta C for small and skinny shapes (vk_ops.c
// chooses it by shape).  Each invocation computes a BM x BN block of C (16
// elements) in registers, with no shared memory and no barrier, so a GEMM
// with n = 1, m = 1 or a tiny m x n does not pay for a 64 x 64 tile, and
// each loaded element of op(A) and op(B) serves several products.  The
// grid's x walks the blocks along the longer side of C (ROWS_X: rows, m >=
// n) and its workgroup rows y the blocks along the shorter side, so that no
// invocation divides to find its place.  Rows and columns past the edge of
// C load a clamped (valid) element and are never stored.
//
// SHAPE (one pipeline each): 0: 4 x 4 blocks, x walks rows; 1: 4 x 4, x
// walks columns; 2: 16 x 1 blocks for n = 1, x walks rows.
//
// It rounds exactly as gemm.comp does: each element's products are added
// to a +0 accumulator in increasing k, one at a time, and alpha, beta and C
// enter in the same expressions.  gemm.comp also adds the +0 products of
// the zero padding of its last 16-deep slice when k is not a multiple of
// 16.  That changes nothing unless the accumulator is -0, which takes a
// device that flushes a negative subnormal sum to -0; pc.pad repeats it
// anyway, with a zero the compiler cannot fold away (pc.zero).
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer A { REAL a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { REAL b[]; };
layout(std430, set = 0, binding = 2) buffer C { REAL c[]; };
layout(push_constant) uniform Push {
    REAL alpha;
    REAL beta;
    REAL zero; // 0, from the host
    uint m, n, k;
    uint lda, ldb, ldc;
    uint aoff, boff, coff;
    uint trans_a, trans_b;
    uint read_c; // 0 when beta == 0: C is not read
    uint use_ab; // 0 when alpha == 0 or k == 0: C = beta C, A and B unread
    uint pad;    // k % 16 != 0
} pc;

layout(constant_id = 0) const uint SHAPE = 0u;
const bool ROWS_X = SHAPE == 0u || SHAPE == 2u;
const uint BM = SHAPE == 2u ? 16u : 4u;
const uint BN = 16u / BM;

void main()
{
    uint mb = (pc.m + BM - 1u) / BM, nb = (pc.n + BN - 1u) / BN;
    uint len = ROWS_X ? mb : nb; // the blocks x walks
    uint stride = gl_NumWorkGroups.x * 64u;
    for (uint x = gl_GlobalInvocationID.x; x < len; x += stride) {
        uint i0 = BM * (ROWS_X ? x : gl_WorkGroupID.y);
        uint j0 = BN * (ROWS_X ? gl_WorkGroupID.y : x);
        REAL acc[16]; // acc[r * BN + q]: C[i0 + r][j0 + q]
        for (uint e = 0u; e < 16u; ++e)
            acc[e] = REAL(0);
        if (pc.use_ab != 0u) {
            // Where row r of op(A) and column q of op(B) start (k = 0),
            // and the step from one k to the next.
            uint ar[16], bq[16];
            for (uint r = 0u; r < BM; ++r) {
                uint i = min(i0 + r, pc.m - 1u);
                ar[r] = pc.aoff + (pc.trans_a == 0u ? i * pc.lda : i);
            }
            for (uint q = 0u; q < BN; ++q) {
                uint j = min(j0 + q, pc.n - 1u);
                bq[q] = pc.boff + (pc.trans_b == 0u ? j : j * pc.ldb);
            }
            uint astep = pc.trans_a == 0u ? 1u : pc.lda;
            uint bstep = pc.trans_b == 0u ? pc.ldb : 1u;
            uint ak = 0u, bk = 0u;
            for (uint kk = 0u; kk < pc.k; ++kk) {
                REAL av[16], bv[16];
                for (uint r = 0u; r < BM; ++r)
                    av[r] = a[ar[r] + ak];
                for (uint q = 0u; q < BN; ++q)
                    bv[q] = b[bq[q] + bk];
                for (uint r = 0u; r < BM; ++r)
                    for (uint q = 0u; q < BN; ++q)
                        acc[r * BN + q] += av[r] * bv[q];
                ak += astep;
                bk += bstep;
            }
            if (pc.pad != 0u)
                for (uint e = 0u; e < 16u; ++e)
                    acc[e] += pc.zero;
        }
        for (uint r = 0u; r < BM; ++r) {
            uint i = i0 + r;
            if (i >= pc.m)
                continue;
            for (uint q = 0u; q < BN; ++q) {
                uint j = j0 + q;
                if (j >= pc.n)
                    continue;
                uint ci = pc.coff + i * pc.ldc + j;
                REAL v = REAL(0);
                if (pc.use_ab != 0u)
                    v = pc.alpha * acc[r * BN + q];
                if (pc.read_c != 0u)
                    v = pc.use_ab != 0u ? v + pc.beta * c[ci] : pc.beta * c[ci];
                c[ci] = v;
            }
        }
    }
}
