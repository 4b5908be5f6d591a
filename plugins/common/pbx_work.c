#include "pbx_work.h"

#include "pbx_jam.h"

#include <math.h>

/* Accepted steps plus rejections: the step-size control rejects rarely once
 * dt has settled, 30% is the margin the project estimates with. */
static double grad_evals(int64_t max_steps)
{
    return 1.3 * (double)max_steps + 1.0;
}

double pbx_run_gflop(const pbx_shape *s, int want_ntk)
{
    if (s->max_steps <= 0)
        return INFINITY;
    double N = pbx_fc_params(s->d, s->L, s->h);
    double flop = 6.0 * s->P * N * grad_evals(s->max_steps);
    flop += 2.0 * N * (2.0 * s->P + 2.0 * s->pte); /* f(w0) and f(w_T) on train and test */
    if (want_ntk)
        flop += 2.0 * (2.0 * s->ptk * s->ptk * (s->h * s->L + s->d));
    return flop * 1e-9;
}

double pbx_km_gflop(const pbx_shape *s)
{
    if (s->max_steps <= 0)
        return INFINITY;
    double gram = 2.0 * (s->P * s->P + s->pte * s->P) * (s->h * s->L + s->d);
    double flow = 2.0 * s->P * s->P * grad_evals(s->max_steps) + 2.0 * s->pte * s->P;
    return (gram + flow) * 1e-9;
}
