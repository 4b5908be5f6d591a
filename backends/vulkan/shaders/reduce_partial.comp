#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "reduce.glsl"

// Stage 1 of a reduction: workgroup g folds the elements g*256 + l +
// s*G*256 (s = 0, 1, ...) of each lane l in order, then the 256 lane values
// in a fixed tree, into part[g].  G depends only on n, so the order of every
// addition is fixed: bitwise repeatable, no atomics.
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer X { REAL x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y { REAL y[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Part { ACC part[]; };
layout(push_constant) uniform Push {
    uint n;
    uint xoff;
    uint yoff;
    uint op;
} pc;

shared ACC lane[PB_WG];

void main()
{
    uint l = gl_LocalInvocationID.x;
    uint stride = gl_NumWorkGroups.x * PB_WG;
    ACC v = ACC(0);
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
        ACC xi = ACC(x[pc.xoff + i]);
        ACC t;
        if (pc.op == PB_RED_SUM) {
            t = xi;
        } else {
            ACC yi = ACC(y[pc.yoff + i]);
            if (pc.op == PB_RED_DOT)
                t = xi * yi;
            else if (pc.op == PB_RED_DIST2)
                t = (xi - yi) * (xi - yi);
            else
                t = abs(xi - yi);
        }
        v = pb_red_combine(pc.op, v, t);
    }
    lane[l] = v;
    barrier();
    for (uint h = PB_WG / 2u; h > 0u; h >>= 1) {
        if (l < h)
            lane[l] = pb_red_combine(pc.op, lane[l], lane[l + h]);
        barrier();
    }
    if (l == 0u)
        part[gl_WorkGroupID.x] = lane[0];
}
