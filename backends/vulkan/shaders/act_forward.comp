#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "math.glsl"
#include "act.glsl"

// out = sigma(z) = c g(beta z) / beta
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer Z { REAL z[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { REAL o[]; };
layout(push_constant) uniform Push {
    REAL beta;
    REAL c;
    uint n;
    uint zoff;
    uint ooff;
} pc;

// The activation kind (pb_act_kind), one pipeline per kind: with a runtime
// kind a CPU driver runs every kind's code under a mask.
layout(constant_id = 0) const uint KIND = 0u;

void main()
{
    uint stride = gl_NumWorkGroups.x * PB_WG;
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
        o[pc.ooff + i] = pc.c * pb_act_g_over_beta(KIND, pc.beta,
                                                    z[pc.zoff + i]);
    }
}
