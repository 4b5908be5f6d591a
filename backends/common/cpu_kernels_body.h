/*
 * Body of the CPU kernels, written once and included twice by
 * cpu_kernels.c: once for double, once for float.  The includer defines
 *
 *   PBK_T          the element type
 *   PBK_NAME(x)    x with the type suffix (x##_d or x##_f)
 *   PBK_PARAM(v)   an ABI double parameter converted to PBK_T
 *   PBK_EXP, PBK_LOG1P, PBK_TANH   the math functions of that type
 *
 * No include guard on purpose.
 */

/* ---- scalar helpers ---------------------------------------------------- */

/* 1 / (1 + exp(-x)) evaluated so that exp never overflows. */
static PBK_T PBK_NAME(sigmoid)(PBK_T x)
{
    if (x >= 0)
        return 1 / (1 + PBK_EXP(-x));
    PBK_T e = PBK_EXP(x); /* x < 0 or NaN: e <= 1 */
    return e / (1 + e);
}

/* log1p(exp(-|x|)): the part of softplus(x) = max(x, 0) + log1p(exp(-|x|))
 * that is never large. */
static PBK_T PBK_NAME(softplus_tail)(PBK_T x)
{
    PBK_T ax = x < 0 ? -x : x;
    return PBK_LOG1P(PBK_EXP(-ax));
}

/* t when x > 0, 0 when x <= 0, NaN when x is NaN.  With x = beta t this is
 * max(x, 0) / beta without the division (exact, and no overflow when beta t
 * is infinite). */
static PBK_T PBK_NAME(pos_over_beta)(PBK_T x, PBK_T t)
{
    if (x > 0)
        return t;
    return isnan(x) ? x : 0;
}

/* Unit step: 1 for x > 0, 0 for x <= 0, NaN for NaN. */
static PBK_T PBK_NAME(step)(PBK_T x)
{
    if (x > 0)
        return 1;
    return isnan(x) ? x : 0;
}

/* g(beta t) / beta */
static PBK_T PBK_NAME(act_g_over_beta)(pb_act_kind kind, PBK_T beta, PBK_T t)
{
    PBK_T x = beta * t;
    switch (kind) {
    case PB_ACT_SWISH:
        /* beta t sigmoid(beta t) / beta = t sigmoid(beta t); the limit at
         * x = -inf is 0 even when t itself is -inf. */
        if (isinf(x) && x < 0)
            return 0;
        return t * PBK_NAME(sigmoid)(x);
    case PB_ACT_RELU:
        return PBK_NAME(pos_over_beta)(x, t);
    case PB_ACT_TANH:
        return PBK_TANH(x) / beta;
    case PB_ACT_SOFTPLUS:
        return PBK_NAME(pos_over_beta)(x, t) + PBK_NAME(softplus_tail)(x) / beta;
    }
    return (PBK_T)NAN; /* unreachable: the kind was validated */
}

/* g'(beta t) */
static PBK_T PBK_NAME(act_dg)(pb_act_kind kind, PBK_T beta, PBK_T t)
{
    PBK_T x = beta * t;
    switch (kind) {
    case PB_ACT_SWISH: {
        /* g'(x) = s(x) (1 + x s(-x)); at x = +-inf the product x s(-x)
         * would be inf * 0, so take the limits 1 and 0 directly. */
        if (isinf(x))
            return x > 0 ? 1 : 0;
        PBK_T s = PBK_NAME(sigmoid)(x);
        return s * (1 + x * PBK_NAME(sigmoid)(-x));
    }
    case PB_ACT_RELU:
        return PBK_NAME(step)(x);
    case PB_ACT_TANH: {
        PBK_T th = PBK_TANH(x);
        return 1 - th * th;
    }
    case PB_ACT_SOFTPLUS:
        return PBK_NAME(sigmoid)(x);
    }
    return (PBK_T)NAN;
}

/* ---- conversions and simple element-wise ops ---------------------------- */

void PBK_NAME(pbk_from_host)(size_t n, const double *src, PBK_T *dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = PBK_PARAM(src[i]);
}

void PBK_NAME(pbk_to_host)(size_t n, const PBK_T *src, double *dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (double)src[i];
}

void PBK_NAME(pbk_copy)(size_t n, const PBK_T *src, PBK_T *dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

void PBK_NAME(pbk_fill)(size_t n, double value, PBK_T *x)
{
    PBK_T v = PBK_PARAM(value);
    for (size_t i = 0; i < n; i++)
        x[i] = v;
}

void PBK_NAME(pbk_axpby)(size_t n, double a, const PBK_T *x, double b,
                         PBK_T *y)
{
    PBK_T ta = PBK_PARAM(a), tb = PBK_PARAM(b);
    if (b == 0) {
        for (size_t i = 0; i < n; i++)
            y[i] = ta * x[i];
        return;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = ta * x[i] + tb * y[i];
}

void PBK_NAME(pbk_mul)(size_t n, double a, const PBK_T *x, const PBK_T *y,
                       double b, PBK_T *out)
{
    PBK_T ta = PBK_PARAM(a), tb = PBK_PARAM(b);
    if (b == 0) {
        for (size_t i = 0; i < n; i++)
            out[i] = ta * (x[i] * y[i]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = tb * out[i] + ta * (x[i] * y[i]);
}

void PBK_NAME(pbk_scale_matrix)(size_t m, size_t n, double beta, PBK_T *c,
                                size_t ldc)
{
    PBK_T tb = PBK_PARAM(beta);
    for (size_t i = 0; i < m; i++) {
        PBK_T *row = c + i * ldc;
        for (size_t j = 0; j < n; j++)
            row[j] = beta == 0 ? 0 : tb * row[j];
    }
}

/* ---- activation --------------------------------------------------------- */

void PBK_NAME(pbk_act_forward)(const pb_act *act, size_t n, const PBK_T *z,
                               PBK_T *out)
{
    PBK_T beta = PBK_PARAM(act->beta), c = PBK_PARAM(act->c);
    for (size_t i = 0; i < n; i++)
        out[i] = c * PBK_NAME(act_g_over_beta)(act->kind, beta, z[i]);
}

void PBK_NAME(pbk_act_backward)(const pb_act *act, size_t n, const PBK_T *z,
                                const PBK_T *dout, PBK_T *dz)
{
    PBK_T beta = PBK_PARAM(act->beta), c = PBK_PARAM(act->c);
    for (size_t i = 0; i < n; i++)
        dz[i] = dout[i] * (c * PBK_NAME(act_dg)(act->kind, beta, z[i]));
}

/* ---- loss ---------------------------------------------------------------- */

void PBK_NAME(pbk_loss)(const pb_loss *loss, size_t n, const PBK_T *o,
                        const PBK_T *y, PBK_T *grad, pb_loss_stats *stats)
{
    PBK_T alpha = PBK_PARAM(loss->alpha), margin = PBK_PARAM(loss->margin);
    PBK_T beta = PBK_PARAM(loss->beta), scale = PBK_PARAM(loss->scale);
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    int64_t n_unsat = 0, n_err = 0, n_nan = 0, n_defined = 0;

    for (size_t i = 0; i < n; i++) {
        /* Read the sample first: grad may alias o or y exactly. */
        PBK_T oi = o[i], yi = y[i];
        PBK_T yo = yi * oi;
        PBK_T m = alpha * yo;    /* the margin alpha y o */
        PBK_T z = margin - m;    /* argument of phi */
        PBK_T phi, dphi;
        switch (loss->kind) {
        case PB_LOSS_SOFTHINGE: {
            PBK_T bz = beta * z;
            phi = PBK_NAME(pos_over_beta)(bz, z) +
                  PBK_NAME(softplus_tail)(bz) / beta;
            dphi = PBK_NAME(sigmoid)(bz);
            break;
        }
        case PB_LOSS_HINGE:
            phi = PBK_NAME(pos_over_beta)(z, z);
            dphi = PBK_NAME(step)(z);
            break;
        case PB_LOSS_QHINGE:
        default: {
            PBK_T p = PBK_NAME(pos_over_beta)(z, z);
            phi = p * p / 2;
            dphi = p;
            break;
        }
        }
        sum += (double)(phi / alpha);
        if (grad)
            grad[i] = scale * (-yi * dphi);

        if (isnan(oi))
            n_nan++;
        if (!isnan(m)) {
            double md = (double)m;
            lo = md < lo ? md : lo;
            hi = md > hi ? md : hi;
            n_defined++;
        }
        if (m < margin)
            n_unsat++;
        if (yo <= 0)
            n_err++;
    }

    stats->loss = loss->scale * sum;
    stats->min_margin = n_defined ? lo : NAN;
    stats->max_margin = n_defined ? hi : NAN;
    stats->n_unsat = n_unsat;
    stats->n_err = n_err;
    stats->n_nan = n_nan;
}

/* ---- reductions ---------------------------------------------------------- */

double PBK_NAME(pbk_sum)(size_t n, const PBK_T *x)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)x[i];
    return acc;
}

double PBK_NAME(pbk_dot)(size_t n, const PBK_T *x, const PBK_T *y)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)x[i] * (double)y[i];
    return acc;
}

double PBK_NAME(pbk_dist2)(size_t n, const PBK_T *x, const PBK_T *y)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)x[i] - (double)y[i];
        acc += d * d;
    }
    return acc;
}

double PBK_NAME(pbk_max_abs_diff)(size_t n, const PBK_T *x, const PBK_T *y)
{
    double best = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)x[i] - (double)y[i]);
        if (isnan(d))
            return d;
        if (d > best)
            best = d;
    }
    return best;
}
