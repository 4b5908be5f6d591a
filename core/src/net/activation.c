#include "activation.h"

#include "pb_pmath.h"

#include <math.h>
#include <string.h>

static const char *const act_names[] = {"swish", "relu", "tanh", "softplus"};

int pb_act_parse(const char *name, pb_act_kind *out)
{
    for (int k = 0; k < 4; k++)
        if (strcmp(name, act_names[k]) == 0) {
            *out = (pb_act_kind)k;
            return 0;
        }
    return -1;
}

const char *pb_act_name(pb_act_kind kind)
{
    return (unsigned)kind < 4 ? act_names[kind] : "?";
}

double pb_act_g(pb_act_kind kind, double t)
{
    switch (kind) {
    case PB_ACT_SWISH:
        return t >= 0 ? t / (1.0 + pb_pm_exp(-t)) : t * pb_pm_exp(t) / (1.0 + pb_pm_exp(t));
    case PB_ACT_RELU:
        return t > 0 ? t : 0.0;
    case PB_ACT_TANH:
        return pb_pm_tanh(t);
    case PB_ACT_SOFTPLUS:
        return (t > 0 ? t : 0.0) + pb_pm_log1p(pb_pm_exp(-fabs(t)));
    }
    return NAN;
}

static double weighted_square(pb_act_kind kind, double beta, double z)
{
    double s = pb_act_g(kind, beta * z) / beta;
    return s * s * pb_pm_exp(-0.5 * z * z);
}

/* Composite Simpson over sign * [a, b] (0 <= a < b) with n (even)
 * intervals, summed with Kahan compensation into (acc, comp): 1e6 terms
 * would otherwise cost about 1e-13 relative. */
static void simpson_panel(pb_act_kind kind, double beta, double sign, double a, double b,
                          long n, double *acc, double *comp)
{
    double hstep = (b - a) / (double)n;
    for (long i = 0; i <= n; i++) {
        double w = (i == 0 || i == n) ? 1.0 : (i & 1 ? 4.0 : 2.0);
        double z = sign * (a + hstep * (double)i);
        double term = w * hstep / 3.0 * weighted_square(kind, beta, z);
        double y = term - *comp;
        double t = *acc + y;
        *comp = (t - *acc) - y;
        *acc = t;
    }
}

/* Panels per side: [0, s], [s, 2s], [2s, 4s], ... up to ZMAX, with
 * s = min(1, 1/beta) the shortest length on which the integrand changes
 * (the activation's kink width 1/beta, or the Gaussian's 1).  On a panel
 * [a, 2a] the integrand varies on a scale >= a, so a fixed number of
 * Simpson intervals per panel gives the same relative accuracy (about
 * PANEL_N^-4) for every beta; at beta = 1e6 that is 27 panels. */
#define ZMAX 40.0 /* the Gaussian weight is below 1e-300 past |z| = 37 */
#define PANEL_N 4000

double pb_act_second_moment(pb_act_kind kind, double beta)
{
    double s = beta > 1.0 ? 1.0 / beta : 1.0;
    double acc = 0.0, comp = 0.0;
    for (int side = 0; side < 2; side++) {
        double sign = side ? -1.0 : 1.0;
        for (double a = 0.0, b = s; a < ZMAX; a = b, b = 2.0 * b) {
            double hi = b < ZMAX ? b : ZMAX;
            simpson_panel(kind, beta, sign, a, hi, PANEL_N, &acc, &comp);
            if (b >= ZMAX)
                break;
        }
    }
    return acc / sqrt(2.0 * 3.14159265358979323846);
}

pb_act pb_act_make(pb_act_kind kind, double beta)
{
    pb_act a = {kind, beta, 1.0 / sqrt(pb_act_second_moment(kind, beta))};
    return a;
}
