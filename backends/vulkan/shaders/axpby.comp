#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

// y = a x + b y; read_y == 0 (b == 0 on the host) leaves y unread so that a
// NaN already in y does not propagate.
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer X { REAL x[]; };
layout(std430, set = 0, binding = 1) buffer Y { REAL y[]; };
layout(push_constant) uniform Push {
    REAL a;
    REAL b;
    uint n;
    uint xoff;
    uint yoff;
    uint read_y;
} pc;

void main()
{
    uint stride = gl_NumWorkGroups.x * PB_WG;
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
        REAL v = pc.a * x[pc.xoff + i];
        if (pc.read_y != 0u)
            v += pc.b * y[pc.yoff + i];
        y[pc.yoff + i] = v;
    }
}
