#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "math.glsl"
#include "loss.glsl"

// Stage 1 of the loss op.  Per sample, in the reference backend's order:
// yo = y o, margin m = alpha yo, z = margin - m, l = phi(z) / alpha and
// grad = scale (-y phi'(z)).  A NaN output makes phi NaN (the hinges do not
// clip it to 0).  The statistics fold like reduce_partial (fixed order, one
// part per workgroup); min/max and the counts skip NaN as C comparisons do.
// Kind codes match pb_loss_kind: 0 soft hinge, 1 hinge, 2 quadratic hinge.
layout(local_size_x = PB_WG) in;
layout(std430, set = 0, binding = 0) readonly buffer O { REAL o[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y { REAL y[]; };
layout(std430, set = 0, binding = 2) writeonly buffer G { REAL grad[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Part { LossPart part[]; };
layout(push_constant) uniform Push {
    REAL alpha;
    REAL margin;
    REAL beta;
    REAL scale;
    uint n;
    uint ooff;
    uint yoff;
    uint goff;
    uint kind;
    uint write_grad; // 0: no gradient buffer (binding 2 is a stand-in)
} pc;

shared LossPart lane[PB_WG];

void main()
{
    uint l = gl_LocalInvocationID.x;
    uint stride = gl_NumWorkGroups.x * PB_WG;
    LossPart v = pb_loss_identity();
    for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
        REAL oi = o[pc.ooff + i];
        REAL yi = y[pc.yoff + i];
        REAL yo = yi * oi;
        REAL m = pc.alpha * yo;
        REAL z = pc.margin - m;
        REAL phi, dphi;
        if (pc.kind == 0u) {
            REAL bz = pc.beta * z;
            phi = pb_pos_over_beta(bz, z) + pb_softplus_tail(bz) / pc.beta;
            dphi = pb_sigmoid(bz);
        } else if (pc.kind == 1u) {
            phi = pb_pos_over_beta(z, z);
            dphi = pb_step(z);
        } else {
            REAL p = pb_pos_over_beta(z, z);
            phi = p * p / REAL(2);
            dphi = p;
        }
        if (pc.write_grad != 0u)
            grad[pc.goff + i] = pc.scale * (-yi * dphi);
        v.loss += ACC(phi / pc.alpha);
        if (pb_isnan(oi))
            v.nans += 1u;
        if (!pb_isnan(m)) {
            ACC ma = ACC(m);
            v.mn = ma < v.mn ? ma : v.mn;
            v.mx = ma > v.mx ? ma : v.mx;
            if (m < pc.margin)
                v.unsat += 1u;
        }
        if (!pb_isnan(yo) && yo <= REAL(0))
            v.err += 1u;
    }
    lane[l] = v;
    barrier();
    for (uint h = PB_WG / 2u; h > 0u; h >>= 1) {
        if (l < h)
            lane[l] = pb_loss_combine(lane[l], lane[l + h]);
        barrier();
    }
    if (l == 0u)
        part[gl_WorkGroupID.x] = lane[0];
}
