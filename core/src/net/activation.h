/* Activation functions of the FC net, and their normalisation.
 *
 * sigma(t) = c * g(beta t) / beta, with c chosen so that E[sigma(z)^2] = 1
 * for z ~ N(0, 1) (docs/physics.md section 2).  The authors estimate c by Monte
 * Carlo; we integrate, which is exact to rounding. */
#ifndef PB_ACTIVATION_H
#define PB_ACTIVATION_H

#include "phasebench/backend.h"

/* Parse "swish" | "relu" | "tanh" | "softplus"; -1 if unknown. */
int pb_act_parse(const char *name, pb_act_kind *out);
const char *pb_act_name(pb_act_kind kind);

/* g(t) for one kind, in double (host side; the backends have their own). */
double pb_act_g(pb_act_kind kind, double t);

/* E[(g(beta z)/beta)^2] for z ~ N(0,1), by composite Simpson quadrature on
 * panels [0, s], [s, 2s], [2s, 4s], ... up to |z| = 40 on each side, with
 * s = min(1, 1/beta): the same relative accuracy (below 1e-13, checked in
 * tests/model/test_activation_norm.c) over the accepted range
 * 1e-6 <= beta <= 1e6.  The kink of relu sits on the split point z = 0.
 * Portable: only pb_pmath functions, so c has the same bits everywhere. */
double pb_act_second_moment(pb_act_kind kind, double beta);

/* The normalised activation: kind, beta and c = 1/sqrt(second moment). */
pb_act pb_act_make(pb_act_kind kind, double beta);

#endif
