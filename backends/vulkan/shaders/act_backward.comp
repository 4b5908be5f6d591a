#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "math.glsl"
#include "act.glsl"

// dz = dout .* sigma'(z), sigma'(z) = c g'(beta z).  dz may be dout itself:
// each invocation reads its element before writing it.
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer Z { REAL z[]; };
layout(std430, set = 0, binding = 1) readonly buffer DOut { REAL dout[]; };
layout(std430, set = 0, binding = 2) writeonly buffer DZ { REAL dz[]; };
layout(push_constant) uniform Push {
    REAL beta;
    REAL c;
    uint n;
    uint zoff;
    uint doff;
    uint dzoff;
} pc;

// The activation kind (pb_act_kind), one pipeline per kind: with a runtime
// kind a CPU driver runs every kind's code under a mask.
layout(constant_id = 0) const uint KIND = 0u;

void main()
{
    uint stride = gl_NumWorkGroups.x * PB_WG;
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
        REAL g = pb_act_dg(KIND, pc.beta, z[pc.zoff + i]);
        dz[pc.dzoff + i] = dout[pc.doff + i] * (pc.c * g);
    }
}
