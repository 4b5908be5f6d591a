// The activations g of pb_act_kind and their derivatives g'.
// Kind codes match pb_act_kind: 0 swish, 1 relu, 2 tanh, 3 softplus.

REAL pb_act_g(uint kind, REAL t)
{
    if (kind == 0u)
        return t * pb_sigmoid(t);
    if (kind == 1u)
        return t > REAL(0) ? t : REAL(0);
    if (kind == 2u)
        return pb_tanh(t);
    return pb_softplus(t);
}

REAL pb_act_dg(uint kind, REAL t)
{
    if (kind == 0u) {
        REAL s = pb_sigmoid(t);
        return s + t * s * (REAL(1) - s);
    }
    if (kind == 1u)
        return t > REAL(0) ? REAL(1) : REAL(0);
    if (kind == 2u) {
        REAL h = pb_tanh(t);
        return REAL(1) - h * h;
    }
    return pb_sigmoid(t);
}
