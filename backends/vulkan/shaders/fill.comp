#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

// x[off + i] = value
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) writeonly buffer X { REAL x[]; };
layout(push_constant) uniform Push {
    REAL value;
    uint n;
    uint off;
} pc;

void main()
{
    uint stride = gl_NumWorkGroups.x * PB_WG;
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride)
        x[pc.off + i] = pc.value;
}
