#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "loss.glsl"
#include "reduce.glsl"

// Stage 2 of the loss op: one workgroup folds the G parts (lane l takes l,
// l+256, ... in order, then the fixed tree of reduce.glsl) into result[0].
layout(local_size_x = PB_RED_INV) in;
layout(std430, set = 0, binding = 0) readonly buffer Part { LossPart part[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Result {
    LossPart result[];
};
layout(push_constant) uniform Push {
    uint count;
} pc;

shared LossPart lane[PB_RED_INV];

void main()
{
    uint t = gl_LocalInvocationID.x;
    // Lanes t, t + 64, t + 128, t + 192.
    LossPart v0 = pb_loss_identity(), v1 = v0, v2 = v0, v3 = v0;
    for (uint i = t; i < pc.count; i += PB_WG) {
        v0 = pb_loss_combine(v0, part[i]);
        if (i + PB_RED_INV < pc.count)
            v1 = pb_loss_combine(v1, part[i + PB_RED_INV]);
        if (i + 2u * PB_RED_INV < pc.count)
            v2 = pb_loss_combine(v2, part[i + 2u * PB_RED_INV]);
        if (i + 3u * PB_RED_INV < pc.count)
            v3 = pb_loss_combine(v3, part[i + 3u * PB_RED_INV]);
    }
    v0 = pb_loss_combine(v0, v2); // level 128
    v1 = pb_loss_combine(v1, v3);
    v0 = pb_loss_combine(v0, v1); // level 64
    lane[t] = v0;
    barrier();
    if (t == 0u) {
        for (uint h = PB_RED_INV / 2u; h > 0u; h >>= 1)
            for (uint l = 0u; l < h; ++l)
                lane[l] = pb_loss_combine(lane[l], lane[l + h]);
        result[0] = lane[0];
    }
}
