#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "reduce.glsl"

// Stage 2: workgroup w folds the count[w] partials of one reduction that
// start at part[base[w]] (lane l takes l, l+256, ... in order, then the
// fixed tree of reduce.glsl) into result[slot[w]].  One dispatch finishes
// up to four reductions recorded together (step_scalars).
layout(local_size_x = PB_RED_INV) in;
layout(std430, set = 0, binding = 0) readonly buffer Part { ACC part[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Result { ACC result[]; };
layout(push_constant) uniform Push {
    uvec4 count;
    uvec4 base;
    uvec4 op;
    uvec4 slot;
} pc;

shared ACC lane[PB_RED_INV];

void main()
{
    uint t = gl_LocalInvocationID.x;
    uint w = gl_WorkGroupID.x;
    uint count = pc.count[w], base = pc.base[w], op = pc.op[w];
    // Lanes t, t + 64, t + 128, t + 192.
    ACC v0 = ACC(0), v1 = ACC(0), v2 = ACC(0), v3 = ACC(0);
    for (uint i = t; i < count; i += PB_WG) {
        v0 = pb_red_combine(op, v0, part[base + i]);
        if (i + PB_RED_INV < count)
            v1 = pb_red_combine(op, v1, part[base + i + PB_RED_INV]);
        if (i + 2u * PB_RED_INV < count)
            v2 = pb_red_combine(op, v2, part[base + i + 2u * PB_RED_INV]);
        if (i + 3u * PB_RED_INV < count)
            v3 = pb_red_combine(op, v3, part[base + i + 3u * PB_RED_INV]);
    }
    v0 = pb_red_combine(op, v0, v2); // level 128
    v1 = pb_red_combine(op, v1, v3);
    v0 = pb_red_combine(op, v0, v1); // level 64
    lane[t] = v0;
    barrier();
    if (t == 0u) {
        for (uint h = PB_RED_INV / 2u; h > 0u; h >>= 1)
            for (uint l = 0u; l < h; ++l)
                lane[l] = pb_red_combine(op, lane[l], lane[l + h]);
        result[pc.slot[w]] = lane[0];
    }
}
