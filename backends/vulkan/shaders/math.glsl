// Transcendental functions for the activation and loss kernels.
//
// GLSL has exp/log/tanh for float only, so the f64 variant brings its own
// exp, expm1 and log, built from + - * / and bit manipulation, accurate to a
// few ulp (the tests hold them to 1e-12 relative).  The f32 variant uses the
// hardware exp/log.  On top of these primitives, sigmoid, softplus, tanh and
// log1p are written once, in forms that neither overflow nor cancel.
// Literals in double code carry the LF suffix: a bare literal is a float.
// Steps whose rounding errors are the point (Cody-Waite reduction,
// Goldberg's log1p) are `precise`: without it a driver may fold
// (1 + u) - 1 into u, as Mesa does.

#ifdef PB_F64

// 1/j! for j = 0..15.  The Horner steps below that use it are written
// out, each with a constant index: as a loop over the table, lavapipe
// indexed the array per invocation and the f64 activations ran 5x slower
// (same operations in the same order either way, so the same bits).
const double PB_INV_FACT[16] = double[](
    1.0LF, 1.0LF, 0.5LF, 0.16666666666666666LF, 0.041666666666666664LF,
    0.008333333333333333LF, 0.001388888888888889LF, 0.0001984126984126984LF,
    2.48015873015873e-05LF, 2.7557319223985893e-06LF, 2.755731922398589e-07LF,
    2.505210838544172e-08LF, 2.08767569878681e-09LF, 1.6059043836821613e-10LF,
    1.1470745597729725e-11LF, 7.647163731819816e-13LF);

// ln 2 split so that k * PB_LN2_HI is exact for |k| < 2^11 (fdlibm's split).
const double PB_LN2_HI = 6.93147180369123816490e-01LF;
const double PB_LN2_LO = 1.90821492927058770002e-10LF;
const double PB_LOG2E = 1.4426950408889634LF;

// 2^k for k in [-1022, 1023], straight from the exponent bits.
double pb_pow2i(int k)
{
    return packDouble2x32(uvec2(0u, uint(k + 1023) << 20));
}

double pb_exp(double x)
{
    if (pb_isnan(x))
        return x;
    if (x > 709.782712893384LF)
        return pb_inf_d();
    if (x < -745.2LF)
        return 0.0LF;
    // x = k ln2 + r with |r| <= ln2/2; Taylor to degree 13 is below 1e-17
    // relative there.
    double kd = floor(x * PB_LOG2E + 0.5LF);
    int k = int(kd);
    precise double r_hi = x - kd * PB_LN2_HI;
    precise double r = r_hi - kd * PB_LN2_LO;
    double p = PB_INV_FACT[13];
    p = p * r + PB_INV_FACT[12];
    p = p * r + PB_INV_FACT[11];
    p = p * r + PB_INV_FACT[10];
    p = p * r + PB_INV_FACT[9];
    p = p * r + PB_INV_FACT[8];
    p = p * r + PB_INV_FACT[7];
    p = p * r + PB_INV_FACT[6];
    p = p * r + PB_INV_FACT[5];
    p = p * r + PB_INV_FACT[4];
    p = p * r + PB_INV_FACT[3];
    p = p * r + PB_INV_FACT[2];
    p = p * r + PB_INV_FACT[1];
    p = p * r + PB_INV_FACT[0];
    // k ranges over [-1075, 1024]: two factors keep each power in range.
    int k1 = k / 2;
    return p * pb_pow2i(k1) * pb_pow2i(k - k1);
}

double pb_expm1(double x)
{
    if (abs(x) < 0.5LF) {
        // sum_{j=1..15} x^j / j!: the first omitted term is below 1e-17 x.
        double p = PB_INV_FACT[15];
        p = p * x + PB_INV_FACT[14];
        p = p * x + PB_INV_FACT[13];
        p = p * x + PB_INV_FACT[12];
        p = p * x + PB_INV_FACT[11];
        p = p * x + PB_INV_FACT[10];
        p = p * x + PB_INV_FACT[9];
        p = p * x + PB_INV_FACT[8];
        p = p * x + PB_INV_FACT[7];
        p = p * x + PB_INV_FACT[6];
        p = p * x + PB_INV_FACT[5];
        p = p * x + PB_INV_FACT[4];
        p = p * x + PB_INV_FACT[3];
        p = p * x + PB_INV_FACT[2];
        p = p * x + PB_INV_FACT[1];
        return p * x;
    }
    return pb_exp(x) - 1.0LF;
}

double pb_log(double x)
{
    if (pb_isnan(x) || x < 0.0LF)
        return pb_nan_d();
    if (x == 0.0LF)
        return -pb_inf_d();
    if (pb_isinf(x))
        return x;
    int e = 0;
    uvec2 w = unpackDouble2x32(x);
    if (w.y < 0x00100000u) { // subnormal: scale by 2^54 first
        x *= 18014398509481984.0LF;
        w = unpackDouble2x32(x);
        e = -54;
    }
    e += int(w.y >> 20) - 1023;
    double m = packDouble2x32(uvec2(w.x, (w.y & 0x000fffffu) | 0x3ff00000u));
    if (m > 1.4142135623730951LF) {
        m *= 0.5LF;
        e += 1;
    }
    // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716: 12 odd terms.
    double f = m - 1.0LF;
    double s = f / (2.0LF + f);
    double s2 = s * s;
    double p = 0.043478260869565216LF; // 1/23
    p = p * s2 + 0.047619047619047616LF;
    p = p * s2 + 0.05263157894736842LF;
    p = p * s2 + 0.058823529411764705LF;
    p = p * s2 + 0.06666666666666667LF;
    p = p * s2 + 0.07692307692307693LF;
    p = p * s2 + 0.09090909090909091LF;
    p = p * s2 + 0.1111111111111111LF;
    p = p * s2 + 0.14285714285714285LF;
    p = p * s2 + 0.2LF;
    p = p * s2 + 0.3333333333333333LF;
    p = p * s2 + 1.0LF;
    double ed = double(e);
    return ed * PB_LN2_HI + (ed * PB_LN2_LO + 2.0LF * s * p);
}

#else

float pb_exp(float x) { return exp(x); }
float pb_log(float x) { return log(x); }

float pb_expm1(float x)
{
    if (abs(x) < 0.5) {
        // sum_{j=1..9} x^j / j!
        float p = 2.7557319e-06;
        p = p * x + 2.4801587e-05;
        p = p * x + 1.9841270e-04;
        p = p * x + 1.3888889e-03;
        p = p * x + 8.3333333e-03;
        p = p * x + 4.1666667e-02;
        p = p * x + 1.6666667e-01;
        p = p * x + 0.5;
        p = p * x + 1.0;
        return p * x;
    }
    return exp(x) - 1.0;
}

#endif

// log(1 + u) without losing u when u is small (Goldberg's correction).
REAL pb_log1p(REAL u)
{
    precise REAL w = REAL(1) + u;
    precise REAL w_minus_1 = w - REAL(1);
    if (w == REAL(1))
        return u;
    return pb_log(w) * (u / w_minus_1);
}

// 1 / (1 + e^-t) for t >= 0, e^t / (1 + e^t) below.  Both branches use
// e^-|t|, computed once and before the branch: a CPU device runs both
// branches of a divergent if, and sigmoid(t) next to sigmoid(-t) (swish's
// derivative) or next to softplus_tail(t) (the soft hinge) then shares it.
REAL pb_sigmoid(REAL t)
{
    REAL e = pb_exp(-abs(t));
    if (t >= REAL(0))
        return REAL(1) / (REAL(1) + e);
    return e / (REAL(1) + e);
}

// log1p(e^-|x|): the part of softplus(x) = max(x, 0) + log1p(e^-|x|) that
// is never large.
REAL pb_softplus_tail(REAL x)
{
    return pb_log1p(pb_exp(-abs(x)));
}

// With x = beta t: t when x > 0, 0 when x <= 0, NaN when x is NaN; that is
// max(x, 0) / beta without the division (exact, and no overflow when x is
// infinite).  The same form as the reference backend's.
REAL pb_pos_over_beta(REAL x, REAL t)
{
    if (pb_isnan(x))
        return x;
    return x > REAL(0) ? t : REAL(0);
}

// Unit step: 1 for x > 0, 0 for x <= 0, NaN for NaN.
REAL pb_step(REAL x)
{
    if (pb_isnan(x))
        return x;
    return x > REAL(0) ? REAL(1) : REAL(0);
}

REAL pb_tanh(REAL t)
{
    REAL a = abs(t);
    REAL r;
    if (a > REAL(20)) {
        r = REAL(1);
    } else {
        REAL e = pb_expm1(REAL(2) * a);
        r = e / (e + REAL(2));
    }
    return t < REAL(0) ? -r : r;
}
