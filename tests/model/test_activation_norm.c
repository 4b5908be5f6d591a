/* The activation's second moment E[(g(beta z)/beta)^2], z ~ N(0,1), over
 * the whole accepted beta range 1e-6 .. 1e6 (core/src/net/activation.h),
 * against values known in closed form or by an independent integral:
 *   relu:      exactly 1/2 for every beta;
 *   tanh:      small beta: 1 - 2 beta^2 + O(beta^4) (tanh u = u - u^3/3 + ...,
 *              E z^4 = 3); large beta: (1 - E[sech^2(beta z)]) / beta^2 with
 *              E[sech^2(beta z)] integrated in u = beta z, where sech^2
 *              decays on the scale 1 (long double, libm: an accuracy
 *              reference, not a portable one);
 *   swish and softplus at beta = 1e6: relu's 1/2 up to O(1/beta^2). */
#include "activation.h"
#include "pb_test.h"

#include <math.h>

static long double tanh_moment_ref(double beta)
{
    const long n = 800000;
    const long double a = -40.0L, b = 40.0L, h = (b - a) / n;
    const long double sqrt2pi = 2.506628274631000502415765284811L;
    long double s = 0.0L;
    for (long i = 0; i <= n; i++) {
        long double u = a + h * (long double)i;
        long double w = (i == 0 || i == n) ? 1.0L : (i & 1 ? 4.0L : 2.0L);
        long double sech = 1.0L / coshl(u);
        s += w * sech * sech * expl(-0.5L * (u / beta) * (u / beta));
    }
    long double e_sech2 = s * h / 3.0L / (long double)beta / sqrt2pi;
    return (1.0L - e_sech2) / ((long double)beta * beta);
}

int main(void)
{
    const double betas[] = {1e-6, 1e-3, 1.0, 10.0, 1e3, 1e4, 1e5, 1e6};
    for (size_t i = 0; i < sizeof betas / sizeof *betas; i++) {
        double m = pb_act_second_moment(PB_ACT_RELU, betas[i]);
        CHECK_MSG(fabs(m - 0.5) <= 1e-14, "relu beta %g: %.17g", betas[i], m);
    }
    {
        double beta = 1e-6, m = pb_act_second_moment(PB_ACT_TANH, beta);
        CHECK_MSG(fabs(m - (1.0 - 2.0 * beta * beta)) <= 1e-13, "tanh beta 1e-6: %.17g", m);
    }
    for (double beta = 1e3; beta <= 1e6; beta *= 10.0) {
        double m = pb_act_second_moment(PB_ACT_TANH, beta);
        double ref = (double)tanh_moment_ref(beta);
        printf("tanh beta %g: %.15g, reference %.15g, relative %.2e\n", beta, m, ref,
               fabs(m - ref) / ref);
        CHECK_MSG(fabs(m - ref) <= 1e-11 * ref, "tanh beta %g: %.17g vs %.17g", beta, m, ref);
    }
    double ms = pb_act_second_moment(PB_ACT_SWISH, 1e6);
    double mp = pb_act_second_moment(PB_ACT_SOFTPLUS, 1e6);
    CHECK_MSG(fabs(ms - 0.5) <= 1e-10, "swish beta 1e6: %.17g", ms);
    CHECK_MSG(fabs(mp - 0.5) <= 1e-10, "softplus beta 1e6: %.17g", mp);
    return pb_test_done("test_activation_norm");
}
