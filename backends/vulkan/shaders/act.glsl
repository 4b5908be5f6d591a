// The activations of pb_act_kind, in the forms of the reference backend so
// that both round alike.  Kind codes: 0 swish, 1 relu, 2 tanh, 3 softplus.

// g(beta t) / beta
REAL pb_act_g_over_beta(uint kind, REAL beta, REAL t)
{
    REAL x = beta * t;
    if (kind == 0u) {
        // beta t sigmoid(beta t) / beta = t sigmoid(beta t); its limit at
        // x = -inf is 0 even when t is -inf.
        if (pb_isinf(x) && x < REAL(0))
            return REAL(0);
        return t * pb_sigmoid(x);
    }
    if (kind == 1u)
        return pb_pos_over_beta(x, t);
    if (kind == 2u)
        return pb_tanh(x) / beta;
    return pb_pos_over_beta(x, t) + pb_softplus_tail(x) / beta;
}

// g'(beta t)
REAL pb_act_dg(uint kind, REAL beta, REAL t)
{
    REAL x = beta * t;
    if (kind == 0u) {
        // g'(x) = s(x) (1 + x s(-x)); at x = +-inf take the limits 1 and 0
        // rather than inf * 0.
        if (pb_isinf(x))
            return x > REAL(0) ? REAL(1) : REAL(0);
        return pb_sigmoid(x) * (REAL(1) + x * pb_sigmoid(-x));
    }
    if (kind == 1u)
        return pb_step(x);
    if (kind == 2u) {
        REAL h = pb_tanh(x);
        return REAL(1) - h * h;
    }
    return pb_sigmoid(x);
}
