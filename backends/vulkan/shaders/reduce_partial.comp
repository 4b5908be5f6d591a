#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "reduce.glsl"

// Stage 1 of a reduction: workgroup g folds the elements g*256 + l +
// s*G*256 (s = 0, 1, ...) of each lane l in order, then the 256 lane values
// in the fixed tree of reduce.glsl, into part[base + g].  G depends only on
// n, so the order of every addition is fixed: bitwise repeatable, no
// atomics.  With G = 1 the host binds its readback buffer as Part and
// finishes the fold itself (vk_reduce.c), which saves the second dispatch.
layout(local_size_x = PB_RED_INV) in;
layout(std430, set = 0, binding = 0) readonly buffer X { REAL x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y { REAL y[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Part { ACC part[]; };
layout(push_constant) uniform Push {
    uint n;
    uint xoff;
    uint yoff;
    uint op;
    uint base;
} pc;

shared ACC lane[PB_RED_INV];

// Element i's term.
ACC term(uint i)
{
    ACC xi = ACC(x[pc.xoff + i]);
    if (pc.op == PB_RED_SUM)
        return xi;
    ACC yi = ACC(y[pc.yoff + i]);
    if (pc.op == PB_RED_DOT)
        return xi * yi;
    if (pc.op == PB_RED_DIST2)
        return (xi - yi) * (xi - yi);
    return abs(xi - yi);
}

// Folds element i into v when it exists.
ACC fold(ACC v, uint i)
{
    return i < pc.n ? pb_red_combine(pc.op, v, term(i)) : v;
}

void main()
{
    uint t = gl_LocalInvocationID.x;
    uint stride = gl_NumWorkGroups.x * PB_WG;
    // Lanes t, t + 64, t + 128, t + 192.
    ACC v0 = ACC(0), v1 = ACC(0), v2 = ACC(0), v3 = ACC(0);
    for (uint i = gl_WorkGroupID.x * PB_WG + t; i < pc.n; i += stride) {
        v0 = pb_red_combine(pc.op, v0, term(i));
        v1 = fold(v1, i + PB_RED_INV);
        v2 = fold(v2, i + 2u * PB_RED_INV);
        v3 = fold(v3, i + 3u * PB_RED_INV);
    }
    v0 = pb_red_combine(pc.op, v0, v2); // level 128
    v1 = pb_red_combine(pc.op, v1, v3);
    v0 = pb_red_combine(pc.op, v0, v1); // level 64
    lane[t] = v0;
    barrier();
    if (t == 0u) {
        for (uint h = PB_RED_INV / 2u; h > 0u; h >>= 1)
            for (uint l = 0u; l < h; ++l)
                lane[l] = pb_red_combine(pc.op, lane[l], lane[l + h]);
        part[pc.base + gl_WorkGroupID.x] = lane[0];
    }
}
