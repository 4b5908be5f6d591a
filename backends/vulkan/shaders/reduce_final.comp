#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "reduce.glsl"

// Stage 2: one workgroup folds the G partials (lane l takes l, l+256, ...
// in order, then the fixed tree) into result[0].
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer Part { ACC part[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Result { ACC result[]; };
layout(push_constant) uniform Push {
    uint count;
    uint op;
} pc;

shared ACC lane[PB_WG];

void main()
{
    uint l = gl_LocalInvocationID.x;
    ACC v = ACC(0);
    for (uint i = l; i < pc.count; i += PB_WG)
        v = pb_red_combine(pc.op, v, part[i]);
    lane[l] = v;
    barrier();
    for (uint h = PB_WG / 2u; h > 0u; h >>= 1) {
        if (l < h)
            lane[l] = pb_red_combine(pc.op, lane[l], lane[l + h]);
        barrier();
    }
    if (l == 0u)
        result[0] = lane[0];
}
