#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

// C = alpha op(A) op(B) + beta C, row-major, op(A) m x k, op(B) k x n.
//
// One 16x16 workgroup computes a 64x64 tile of C; each invocation holds a
// 4x4 block of accumulators.  K is walked in slices of 16 staged through
// shared memory.  The summation order over k is fixed, so results are
// bitwise repeatable on one device.
#define TM 64u
#define TN 64u
#define TK 16u
// A padding column staggers the transposed tile stores over the banks; in
// double it would take the tiles (2 x 16 x 64 x 8 bytes) past the 16 KiB of
// shared memory every Vulkan device guarantees, so f64 goes without.
#ifdef PB_F64
#define PAD 0u
#else
#define PAD 1u
#endif

layout(local_size_x = 16, local_size_y = 16) in;
layout(std430, set = 0, binding = 0) readonly buffer A { REAL a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { REAL b[]; };
layout(std430, set = 0, binding = 2) buffer C { REAL c[]; };
layout(push_constant) uniform Push {
    REAL alpha;
    REAL beta;
    uint m, n, k;
    uint lda, ldb, ldc;
    uint aoff, boff, coff;
    uint trans_a, trans_b;
    uint read_c; // 0 when beta == 0: C is not read
    uint use_ab; // 0 when alpha == 0 or k == 0: C = beta C, A and B unread
} pc;

shared REAL As[TK][TM + PAD]; // As[kk][i] = op(A)[row0 + i][k0 + kk]
shared REAL Bs[TK][TN + PAD]; // Bs[kk][j] = op(B)[k0 + kk][col0 + j]

void main()
{
    uint tx = gl_LocalInvocationID.x;
    uint ty = gl_LocalInvocationID.y;
    uint tid = ty * 16u + tx;
    uint row0 = gl_WorkGroupID.y * TM;
    uint col0 = gl_WorkGroupID.x * TN;

    REAL acc[4][4];
    for (uint r = 0u; r < 4u; ++r)
        for (uint q = 0u; q < 4u; ++q)
            acc[r][q] = REAL(0);

    uint k_end = pc.use_ab != 0u ? pc.k : 0u;
    for (uint k0 = 0u; k0 < k_end; k0 += TK) {
        // Each tile has 1024 elements, 4 per invocation.  Neighbouring
        // invocations take neighbouring addresses of the stored matrix, so
        // the index split depends on the transpose flag.
        for (uint s = 0u; s < 4u; ++s) {
            uint idx = tid + s * 256u;
            uint i, kk;
            if (pc.trans_a == 0u) { kk = idx % TK; i = idx / TK; }
            else                  { i = idx % TM; kk = idx / TM; }
            uint gi = row0 + i, gk = k0 + kk;
            REAL v = REAL(0);
            if (gi < pc.m && gk < pc.k)
                v = pc.trans_a == 0u ? a[pc.aoff + gi * pc.lda + gk]
                                     : a[pc.aoff + gk * pc.lda + gi];
            As[kk][i] = v;
        }
        for (uint s = 0u; s < 4u; ++s) {
            uint idx = tid + s * 256u;
            uint j, kk;
            if (pc.trans_b == 0u) { j = idx % TN; kk = idx / TN; }
            else                  { kk = idx % TK; j = idx / TK; }
            uint gj = col0 + j, gk = k0 + kk;
            REAL v = REAL(0);
            if (gj < pc.n && gk < pc.k)
                v = pc.trans_b == 0u ? b[pc.boff + gk * pc.ldb + gj]
                                     : b[pc.boff + gj * pc.ldb + gk];
            Bs[kk][j] = v;
        }
        barrier();

        for (uint kk = 0u; kk < TK; ++kk) {
            REAL av[4], bv[4];
            for (uint r = 0u; r < 4u; ++r)
                av[r] = As[kk][ty + 16u * r];
            for (uint q = 0u; q < 4u; ++q)
                bv[q] = Bs[kk][tx + 16u * q];
            for (uint r = 0u; r < 4u; ++r)
                for (uint q = 0u; q < 4u; ++q)
                    acc[r][q] += av[r] * bv[q];
        }
        barrier();
    }

    for (uint r = 0u; r < 4u; ++r) {
        uint i = row0 + ty + 16u * r;
        if (i >= pc.m)
            continue;
        for (uint q = 0u; q < 4u; ++q) {
            uint j = col0 + tx + 16u * q;
            if (j >= pc.n)
                continue;
            uint ci = pc.coff + i * pc.ldc + j;
            REAL v = REAL(0);
            if (pc.use_ab != 0u)
                v = pc.alpha * acc[r][q];
            if (pc.read_c != 0u)
                v = pc.use_ab != 0u ? v + pc.beta * c[ci] : pc.beta * c[ci];
            c[ci] = v;
        }
    }
}
