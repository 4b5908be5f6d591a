#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "loss.glsl"

// Stage 2 of the loss op: one workgroup folds the G parts into result[0].
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer Part { LossPart part[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Result {
    LossPart result[];
};
layout(push_constant) uniform Push {
    uint count;
} pc;

shared LossPart lane[PB_WG];

void main()
{
    uint l = gl_LocalInvocationID.x;
    LossPart v = pb_loss_identity();
    for (uint i = l; i < pc.count; i += PB_WG)
        v = pb_loss_combine(v, part[i]);
    lane[l] = v;
    barrier();
    for (uint h = PB_WG / 2u; h > 0u; h >>= 1) {
        if (l < h)
            lane[l] = pb_loss_combine(lane[l], lane[l + h]);
        barrier();
    }
    if (l == 0u)
        result[0] = lane[0];
}
