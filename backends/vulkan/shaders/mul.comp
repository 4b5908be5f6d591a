#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

// out = b out + a (x .* y); read_out == 0 (b == 0 on the host) leaves out
// unread.
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer X { REAL x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y { REAL y[]; };
layout(std430, set = 0, binding = 2) buffer Out { REAL o[]; };
layout(push_constant) uniform Push {
    REAL a;
    REAL b;
    uint n;
    uint xoff;
    uint yoff;
    uint ooff;
    uint read_out;
} pc;

void main()
{
    uint stride = gl_NumWorkGroups.x * PB_WG;
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
        REAL v = pc.a * (x[pc.xoff + i] * y[pc.yoff + i]);
        if (pc.read_out != 0u)
            v = pc.b * o[pc.ooff + i] + v;
        o[pc.ooff + i] = v;
    }
}
