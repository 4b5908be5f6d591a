/*
 * The activation kernels written once for double and float; included twice
 * by blas_act_impl.h, which defines
 *
 *   PBA_T, PBA_V, PBA_M   element, vector and mask types
 *   PBA_OP(x), PBA_MOP(x) vector and mask operation names (vd_x / vf_x ...)
 *   PBA_LANES             lanes per vector
 *   PBA_FN(x)             x with the type suffix (x_d / x_f); also picks
 *                         exp_d / exp_f etc. of blas_act_impl.h
 *   PBA_PARAM(v)          an ABI double parameter converted to PBA_T
 *   PBA_DG_CLAMP          a |beta t| past which the swish derivative is 0
 *                         or 1 to the last bit
 *
 * Each activation is a per-vector function of t (the pre-activation) and
 * x = beta t, with the same formulas as the ref kernels
 * (backends/common/cpu_kernels_body.h) but no branches: special cases are
 * selects.  One loop per kind; the kind switch runs once per call.  A tail
 * shorter than a vector goes through a zero-padded stack copy.
 *
 * No include guard on purpose.
 */

/* ---- per-vector functions ------------------------------------------------ */

/* g(x) / beta with x = beta t. */

/* t sigmoid(x), sigmoid from e = exp(-|x|): 1 / (1 + e) for x >= 0, e / (1 +
 * e) else.  The limit at x = -inf is 0 even when t is -inf (t * 0 would be
 * NaN); NaN propagates through t and e. */
static inline PBA_V PBA_FN(g_swish)(PBA_V t, PBA_V x, PBA_V beta)
{
    (void)beta;
    const PBA_V zero = PBA_OP(set)(0), one = PBA_OP(set)(1);
    PBA_V e = PBA_FN(exp)(PBA_OP(sub)(zero, PBA_OP(abs)(x)));
    PBA_V num = PBA_OP(sel)(PBA_MOP(ge)(x, zero), one, e);
    PBA_V g = PBA_OP(mul)(t, PBA_OP(div)(num, PBA_OP(add)(one, e)));
    return PBA_OP(sel)(PBA_MOP(eq)(x, PBA_OP(set)(-(PBA_T)INFINITY)), zero, g);
}

/* t for x > 0, 0 for x <= 0, NaN for NaN (max(x, 0) / beta). */
static inline PBA_V PBA_FN(pos_over_beta)(PBA_V t, PBA_V x)
{
    const PBA_V zero = PBA_OP(set)(0);
    PBA_V low = PBA_OP(sel)(PBA_MOP(isnan)(x), x, zero);
    return PBA_OP(sel)(PBA_MOP(gt)(x, zero), t, low);
}

static inline PBA_V PBA_FN(g_relu)(PBA_V t, PBA_V x, PBA_V beta)
{
    (void)beta;
    return PBA_FN(pos_over_beta)(t, x);
}

/* tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)) with the sign of x. */
static inline PBA_V PBA_FN(g_tanh)(PBA_V t, PBA_V x, PBA_V beta)
{
    (void)t;
    PBA_V em = PBA_FN(expm1_neg)(PBA_OP(mul)(PBA_OP(set)(-2), PBA_OP(abs)(x)));
    PBA_V th = PBA_OP(abs)(PBA_OP(div)(em, PBA_OP(add)(PBA_OP(set)(2), em)));
    return PBA_OP(div)(PBA_OP(copysign)(th, x), beta);
}

/* max(x, 0) / beta + log1p(exp(-|x|)) / beta. */
static inline PBA_V PBA_FN(g_softplus)(PBA_V t, PBA_V x, PBA_V beta)
{
    PBA_V e = PBA_FN(exp)(PBA_OP(sub)(PBA_OP(set)(0), PBA_OP(abs)(x)));
    PBA_V tail = PBA_OP(div)(PBA_FN(log1p01)(e), beta);
    return PBA_OP(add)(PBA_FN(pos_over_beta)(t, x), tail);
}

/* g'(x). */

/* s(x) (1 + x s(-x)) with s(|x|) = 1 / (1 + e), s(-|x|) = e / (1 + e), one
 * exponential.  x is clamped in the product so that x = +-inf gives the
 * limits 1 and 0 instead of inf * 0. */
static inline PBA_V PBA_FN(dg_swish)(PBA_V x)
{
    const PBA_V zero = PBA_OP(set)(0), one = PBA_OP(set)(1);
    PBA_V e = PBA_FN(exp)(PBA_OP(sub)(zero, PBA_OP(abs)(x)));
    PBA_V big = PBA_OP(div)(one, PBA_OP(add)(one, e)); /* s(|x|) */
    PBA_V small = PBA_OP(mul)(e, big);                  /* s(-|x|) */
    PBA_M pos = PBA_MOP(ge)(x, zero);
    PBA_V s = PBA_OP(sel)(pos, big, small);
    PBA_V sm = PBA_OP(sel)(pos, small, big);
    PBA_V xc = PBA_OP(clamp)(x, -PBA_DG_CLAMP, PBA_DG_CLAMP);
    return PBA_OP(mul)(s, PBA_OP(fma)(xc, sm, one));
}

/* 1 for x > 0, 0 for x <= 0, NaN for NaN. */
static inline PBA_V PBA_FN(dg_relu)(PBA_V x)
{
    const PBA_V zero = PBA_OP(set)(0);
    PBA_V low = PBA_OP(sel)(PBA_MOP(isnan)(x), x, zero);
    return PBA_OP(sel)(PBA_MOP(gt)(x, zero), PBA_OP(set)(1), low);
}

/* 1 - tanh(x)^2 = 4e / (1 + e)^2 with e = exp(-2|x|). */
static inline PBA_V PBA_FN(dg_tanh)(PBA_V x)
{
    PBA_V e = PBA_FN(exp)(PBA_OP(mul)(PBA_OP(set)(-2), PBA_OP(abs)(x)));
    PBA_V d = PBA_OP(add)(PBA_OP(set)(1), e);
    return PBA_OP(div)(PBA_OP(mul)(PBA_OP(set)(4), e), PBA_OP(mul)(d, d));
}

/* sigmoid(x). */
static inline PBA_V PBA_FN(dg_softplus)(PBA_V x)
{
    const PBA_V zero = PBA_OP(set)(0), one = PBA_OP(set)(1);
    PBA_V e = PBA_FN(exp)(PBA_OP(sub)(zero, PBA_OP(abs)(x)));
    PBA_V num = PBA_OP(sel)(PBA_MOP(ge)(x, zero), one, e);
    return PBA_OP(div)(num, PBA_OP(add)(one, e));
}

/* ---- loops ------------------------------------------------------------------ */

/* out = c * g(beta t) / beta */
#define PBA_DEFINE_FORWARD(KIND)                                                \
    static void PBA_FN(fwd_##KIND)(PBA_T beta, PBA_T c, size_t n,              \
                                   const PBA_T *z, PBA_T *out)                 \
    {                                                                          \
        const PBA_V vb = PBA_OP(set)(beta), vc = PBA_OP(set)(c);               \
        size_t i = 0;                                                          \
        for (; n - i >= PBA_LANES; i += PBA_LANES) {                           \
            PBA_V t = PBA_OP(load)(z + i);                                     \
            PBA_V g = PBA_FN(g_##KIND)(t, PBA_OP(mul)(vb, t), vb);            \
            PBA_OP(store)(out + i, PBA_OP(mul)(vc, g));                        \
        }                                                                      \
        if (i < n) {                                                           \
            PBA_T zt[PBA_LANES] = {0}, ot[PBA_LANES];                          \
            memcpy(zt, z + i, (n - i) * sizeof *zt);                           \
            PBA_V t = PBA_OP(load)(zt);                                        \
            PBA_V g = PBA_FN(g_##KIND)(t, PBA_OP(mul)(vb, t), vb);            \
            PBA_OP(store)(ot, PBA_OP(mul)(vc, g));                             \
            memcpy(out + i, ot, (n - i) * sizeof *ot);                         \
        }                                                                      \
    }

/* dz = dout * (c * g'(beta t)) */
#define PBA_DEFINE_BACKWARD(KIND)                                               \
    static void PBA_FN(bwd_##KIND)(PBA_T beta, PBA_T c, size_t n,              \
                                   const PBA_T *z, const PBA_T *dout,          \
                                   PBA_T *dz)                                  \
    {                                                                          \
        const PBA_V vb = PBA_OP(set)(beta), vc = PBA_OP(set)(c);               \
        size_t i = 0;                                                          \
        for (; n - i >= PBA_LANES; i += PBA_LANES) {                           \
            PBA_V dg = PBA_FN(dg_##KIND)(PBA_OP(mul)(vb, PBA_OP(load)(z + i))); \
            PBA_V d = PBA_OP(load)(dout + i);                                  \
            PBA_OP(store)(dz + i, PBA_OP(mul)(d, PBA_OP(mul)(vc, dg)));        \
        }                                                                      \
        if (i < n) {                                                           \
            PBA_T zt[PBA_LANES] = {0}, dt[PBA_LANES] = {0}, ot[PBA_LANES];     \
            memcpy(zt, z + i, (n - i) * sizeof *zt);                           \
            memcpy(dt, dout + i, (n - i) * sizeof *dt);                        \
            PBA_V dg = PBA_FN(dg_##KIND)(PBA_OP(mul)(vb, PBA_OP(load)(zt)));   \
            PBA_V d = PBA_OP(load)(dt);                                        \
            PBA_OP(store)(ot, PBA_OP(mul)(d, PBA_OP(mul)(vc, dg)));            \
            memcpy(dz + i, ot, (n - i) * sizeof *ot);                          \
        }                                                                      \
    }

PBA_DEFINE_FORWARD(swish)
PBA_DEFINE_FORWARD(relu)
PBA_DEFINE_FORWARD(tanh)
PBA_DEFINE_FORWARD(softplus)
PBA_DEFINE_BACKWARD(swish)
PBA_DEFINE_BACKWARD(relu)
PBA_DEFINE_BACKWARD(tanh)
PBA_DEFINE_BACKWARD(softplus)
#undef PBA_DEFINE_FORWARD
#undef PBA_DEFINE_BACKWARD

/* ---- entry points -------------------------------------------------------------- */

static void PBA_FN(act_forward)(const pb_act *act, size_t n, const PBA_T *z,
                                PBA_T *out)
{
    PBA_T beta = PBA_PARAM(act->beta), c = PBA_PARAM(act->c);
    switch (act->kind) {
    case PB_ACT_SWISH:
        PBA_FN(fwd_swish)(beta, c, n, z, out);
        break;
    case PB_ACT_RELU:
        PBA_FN(fwd_relu)(beta, c, n, z, out);
        break;
    case PB_ACT_TANH:
        PBA_FN(fwd_tanh)(beta, c, n, z, out);
        break;
    case PB_ACT_SOFTPLUS:
        PBA_FN(fwd_softplus)(beta, c, n, z, out);
        break;
    }
}

static void PBA_FN(act_backward)(const pb_act *act, size_t n, const PBA_T *z,
                                 const PBA_T *dout, PBA_T *dz)
{
    PBA_T beta = PBA_PARAM(act->beta), c = PBA_PARAM(act->c);
    switch (act->kind) {
    case PB_ACT_SWISH:
        PBA_FN(bwd_swish)(beta, c, n, z, dout, dz);
        break;
    case PB_ACT_RELU:
        PBA_FN(bwd_relu)(beta, c, n, z, dout, dz);
        break;
    case PB_ACT_TANH:
        PBA_FN(bwd_tanh)(beta, c, n, z, dout, dz);
        break;
    case PB_ACT_SOFTPLUS:
        PBA_FN(bwd_softplus)(beta, c, n, z, dout, dz);
        break;
    }
}

static void PBA_FN(exp_array)(size_t n, const PBA_T *x, PBA_T *y)
{
    size_t i = 0;
    for (; n - i >= PBA_LANES; i += PBA_LANES)
        PBA_OP(store)(y + i, PBA_FN(exp)(PBA_OP(load)(x + i)));
    if (i < n) {
        PBA_T xt[PBA_LANES] = {0}, yt[PBA_LANES];
        memcpy(xt, x + i, (n - i) * sizeof *xt);
        PBA_OP(store)(yt, PBA_FN(exp)(PBA_OP(load)(xt)));
        memcpy(y + i, yt, (n - i) * sizeof *yt);
    }
}
