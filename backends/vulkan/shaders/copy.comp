#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

// dst[doff + i] = src[soff + i]
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer Src { REAL src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { REAL dst[]; };
layout(push_constant) uniform Push {
    uint n;
    uint soff;
    uint doff;
} pc;

void main()
{
    uint stride = gl_NumWorkGroups.x * PB_WG;
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride)
        dst[pc.doff + i] = src[pc.soff + i];
}
