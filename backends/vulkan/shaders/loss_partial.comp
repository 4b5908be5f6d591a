#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "math.glsl"
#include "loss.glsl"
#include "reduce.glsl"

// Stage 1 of the loss op.  Per sample, in the reference backend's order:
// yo = y o, margin m = alpha yo, z = margin - m, l = phi(z) / alpha and
// grad = scale (-y phi'(z)).  A NaN output makes phi NaN (the hinges do not
// clip it to 0).  The statistics fold as reduce.glsl describes (fixed
// order, one part per workgroup); min/max and the counts skip NaN as C
// comparisons do.
// Kind codes match pb_loss_kind: 0 soft hinge, 1 hinge, 2 quadratic hinge.
layout(local_size_x = PB_RED_INV) in;
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
    uint write_grad; // 0: no gradient buffer (binding 2 is a stand-in)
} pc;

// The loss kind, one pipeline per kind (see act_forward.comp).
layout(constant_id = 0) const uint KIND = 0u;

shared LossPart lane[PB_RED_INV];

// Sample i: writes its gradient and folds its statistics into v.
void loss_sample(uint i, inout LossPart v)
{
    REAL oi = o[pc.ooff + i];
    REAL yi = y[pc.yoff + i];
    REAL yo = yi * oi;
    REAL m = pc.alpha * yo;
    REAL z = pc.margin - m;
    REAL phi, dphi;
    if (KIND == 0u) {
        REAL bz = pc.beta * z;
        phi = pb_pos_over_beta(bz, z) + pb_softplus_tail(bz) / pc.beta;
        dphi = pb_sigmoid(bz);
    } else if (KIND == 1u) {
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

void main()
{
    uint t = gl_LocalInvocationID.x;
    uint stride = gl_NumWorkGroups.x * PB_WG;
    // Lanes t, t + 64, t + 128, t + 192 (the fold of reduce.glsl).
    LossPart v0 = pb_loss_identity(), v1 = v0, v2 = v0, v3 = v0;
    for (uint i = gl_WorkGroupID.x * PB_WG + t; i < pc.n; i += stride) {
        loss_sample(i, v0);
        if (i + PB_RED_INV < pc.n)
            loss_sample(i + PB_RED_INV, v1);
        if (i + 2u * PB_RED_INV < pc.n)
            loss_sample(i + 2u * PB_RED_INV, v2);
        if (i + 3u * PB_RED_INV < pc.n)
            loss_sample(i + 3u * PB_RED_INV, v3);
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
        part[gl_WorkGroupID.x] = lane[0];
    }
}
