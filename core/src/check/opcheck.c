/* Op-level cross-backend check.  See opcheck.h for what is checked and why.
 *
 * Layout of this file: the tolerance table, the case list, host-side input
 * generation, running one case on one backend, judging, output, and the
 * driver. */
#include "opcheck.h"
#include "grow.h"
#include "report_table.h"
#include "strutil.h"
#include "tables.h"
#include "text_table.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* ------------------------------------------------------------------------ */
/* Ops and their tolerances                                                 */

typedef enum op_id {
    OP_COPY,
    OP_FILL,
    OP_GEMM,
    OP_AXPBY,
    OP_MUL,
    OP_ACT_FORWARD,
    OP_ACT_BACKWARD,
    OP_LOSS,
    OP_SUM,
    OP_DOT,
    OP_DIST2,
    OP_MAX_ABS_DIFF,
    OP_STEP_SCALARS, /* ABI 1.1, optional: checked when the dut has it */
    OP_COUNT
} op_id;

static const char *const op_names[OP_COUNT] = {
    "copy", "fill", "gemm", "axpby", "mul", "act_forward", "act_backward",
    "loss", "sum", "dot", "dist2", "max_abs_diff", "step_scalars",
};

typedef struct tolerance {
    double nmse;    /* largest NMSE accepted */
    double max_rel; /* largest max|dut - ref| / max|ref| accepted */
    double abs;     /* largest max|dut - ref| when the reference is all 0 */
} tolerance;

/*
 * Reviewed tolerances, indexed [op][dtype].  The reference runs in f64 on
 * the same (dtype-rounded) inputs, so:
 *
 * f64: only evaluation order may differ (another summation order, FMA).
 *   Copy and fill are exact.  GEMM (k <= 65), axpby and mul: per-element
 *   relative errors of a few 1e-16 give NMSE ~1e-31; 1e-24 leaves room for
 *   k-fold accumulation and still fails on any wrong element (one wrong
 *   element of the 257 x 129 GEMM alone gives ~3e-5).  Activations and the
 *   loss use exp/log1p/tanh: a correctly rounded-ish libm differs by ulps,
 *   hence 1e-22.  Reductions are judged against sum |terms| (see judge):
 *   n eps at n = 4099 gives (5e-13)^2, hence 1e-24.
 *
 * f32: the dut computes in float.  Fill rounds the value: relative 2^-24,
 *   NMSE <= 3.6e-15.  axpby/mul: two or three roundings, 1e-12.  GEMM
 *   accumulates k products in float: NMSE ~ k eps^2 ~ 1e-13 at k = 65,
 *   worst element ~ k eps sum|a b| / max|C| ~ 5e-6, hence 1e-10 and 1e-4.
 *   Activations: beta t is rounded before the non-linearity, and 1 - tanh^2
 *   cancels for large arguments (absolute error ~1e-7 where the value is
 *   ~1e-7), hence 1e-10 and 1e-5.  Loss: the margin alpha y o is rounded
 *   before margin - m and the soft hinge's slope beta/4 = 5 multiplies that
 *   error in the gradient, hence 1e-9 and 1e-4.  Reductions: the ABI says
 *   accumulate in double; 1e-12 tolerates float products or differences
 *   but catches float accumulation (typical sqrt(n) eps ~ 4e-6 at n = 4099).
 *
 * step_scalars returns |g1|^2, |g - g1|^2 and max |o - o1| in one call,
 *   each judged against the reference's dot, dist2 and max_abs_diff on the
 *   same inputs: the reductions' tolerances (no term cancels, so each is
 *   normalised by |reference|).
 *
 * Zero references (relu of negatives, satisfied hinge samples, k == 0)
 * must come out exactly zero on every sane implementation: abs = 0.
 *
 * Measured with seed 20210104 (largest NMSE over the cases of each op):
 * blas f64 GEMM 1.2e-31, every other f64 op of ref and blas 0 (shared
 * kernels); f32 (ref and blas alike): gemm 3e-14, act_backward 4e-14,
 * act_forward, axpby, mul, loss 3e-15, fill 4e-16, reductions 0: 1e2 to
 * 1e6 below the tolerances (fill 25x, its bound 3.6e-15 being analytic).
 */
static const tolerance tolerances[OP_COUNT][2] = {
    /*                   f64                    f32 */
    [OP_COPY] = {{0, 0, 0}, {0, 0, 0}},
    [OP_FILL] = {{0, 0, 0}, {1e-14, 1e-7, 0}},
    [OP_GEMM] = {{1e-24, 1e-12, 0}, {1e-10, 1e-4, 0}},
    [OP_AXPBY] = {{1e-24, 1e-12, 0}, {1e-12, 1e-6, 0}},
    [OP_MUL] = {{1e-24, 1e-12, 0}, {1e-12, 1e-6, 0}},
    [OP_ACT_FORWARD] = {{1e-22, 1e-10, 0}, {1e-10, 1e-5, 0}},
    [OP_ACT_BACKWARD] = {{1e-22, 1e-10, 0}, {1e-10, 1e-5, 0}},
    [OP_LOSS] = {{1e-22, 1e-10, 0}, {1e-9, 1e-4, 0}},
    [OP_SUM] = {{1e-24, 1e-12, 0}, {1e-12, 1e-6, 0}},
    [OP_DOT] = {{1e-24, 1e-12, 0}, {1e-12, 1e-6, 0}},
    [OP_DIST2] = {{1e-24, 1e-12, 0}, {1e-12, 1e-6, 0}},
    [OP_MAX_ABS_DIFF] = {{1e-24, 1e-12, 0}, {1e-12, 1e-6, 0}},
    [OP_STEP_SCALARS] = {{1e-24, 1e-12, 0}, {1e-12, 1e-6, 0}},
};

/* Loss counts: a sample whose margin is within this relative distance of
 * the threshold may be counted either way. */
static const double count_rel_eps[2] = {1e-15, 1e-6};

/* ------------------------------------------------------------------------ */
/* Cases                                                                    */

typedef struct check_case {
    op_id op;
    char name[96];
    size_t n;            /* vector length; gemm: columns of C */
    size_t m, k;         /* gemm: rows of C, inner dimension; step_scalars:
                          * m is the length of o and o1 */
    pb_trans ta, tb;
    size_t lda, ldb, ldc; /* gemm leading dimensions, as passed */
    double a, b;         /* gemm alpha/beta, axpby/mul a/b, fill value (a) */
    pb_act act;
    pb_loss loss;
    int with_grad;       /* loss: pass a grad buffer (else NULL) */
    double in_scale;     /* inputs are N(0, in_scale^2) */
    int out_nan;         /* output region starts as NaN ("not read" rules) */
    int alias;           /* act_backward: dz is dout itself */
    int extreme;         /* activation inputs from extreme_values[] */
    size_t nan_at;       /* 1 + index of a NaN planted in input 0; 0: none */
    int expect_invalid;  /* the call must fail with PB_ERR_INVALID */
    size_t bad_off;      /* invalid cases: added to the output offset */
} check_case;

typedef struct case_list {
    check_case *v;
    size_t n, cap;
    int oom;
    check_case scratch; /* written to after an allocation failure */
} case_list;

static check_case *add_case(case_list *l, op_id op, const char *fmt, ...)
{
    check_case *v = l->oom ? NULL : pb_grow(l->v, l->n, &l->cap, sizeof *v, 64);
    if (!v) {
        l->oom = 1;
        return &l->scratch;
    }
    l->v = v;
    check_case *c = &l->v[l->n++];
    memset(c, 0, sizeof *c);
    c->op = op;
    c->in_scale = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->name, sizeof c->name, fmt, ap);
    va_end(ap);
    return c;
}

/* Fixed element offsets of the views, and guard lengths after them. */
enum { IN_OFF0 = 3, IN_OFF1 = 6, OUT_OFF = 4, GUARD_IN = 3, GUARD_OUT = 4 };

static const double extreme_values[] = {
    0.0,  -0.0,  1e-300, -1e-300, 1e-30, -1e-30, 0.5,  -0.5,  3.0,
    -3.0, 40.0,  -40.0,  800.0,   -800.0, 1e30, -1e30, 1e300, -1e300,
};
#define N_EXTREME (sizeof extreme_values / sizeof extreme_values[0])

static check_case *add_gemm(case_list *l, pb_trans ta, pb_trans tb,
                            size_t m, size_t n, size_t k, double alpha,
                            double beta, const size_t pad[3], int c_nan)
{
    check_case *c = add_case(
        l, OP_GEMM, "%c%c m=%zu n=%zu k=%zu alpha=%g beta=%g pad=%zu,%zu,%zu%s",
        ta == PB_TRANS ? 't' : 'n', tb == PB_TRANS ? 't' : 'n', m, n, k,
        alpha, beta, pad[0], pad[1], pad[2], c_nan ? " C=NaN" : "");
    c->ta = ta;
    c->tb = tb;
    c->m = m;
    c->n = n;
    c->k = k;
    c->lda = (ta == PB_TRANS ? m : k) + pad[0];
    c->ldb = (tb == PB_TRANS ? k : n) + pad[1];
    c->ldc = n + pad[2];
    c->a = alpha;
    c->b = beta;
    c->out_nan = c_nan;
    return c;
}

static void add_gemm_cases(case_list *l)
{
    static const pb_trans tr[4][2] = {{PB_NO_TRANS, PB_NO_TRANS},
                                      {PB_NO_TRANS, PB_TRANS},
                                      {PB_TRANS, PB_NO_TRANS},
                                      {PB_TRANS, PB_TRANS}};
    const size_t pad_small[3] = {1, 2, 3}, pad_mid[3] = {0, 1, 2},
                 pad_large[3] = {3, 0, 1}, pad_none[3] = {0, 0, 0},
                 pad_one[3] = {1, 1, 1}, pad_a2[3] = {2, 0, 0};
    for (int t = 0; t < 4; t++)
        add_gemm(l, tr[t][0], tr[t][1], 3, 5, 7, 0.75, -1.25, pad_small, 0);
    for (int t = 0; t < 4; t++) /* beta == 0: C must not be read */
        add_gemm(l, tr[t][0], tr[t][1], 17, 31, 9, 1.0, 0.0, pad_mid, 1);
    for (int t = 0; t < 4; t++)
        add_gemm(l, tr[t][0], tr[t][1], 257, 129, 65, -1.5, 0.25, pad_large,
                 0);
    add_gemm(l, PB_NO_TRANS, PB_NO_TRANS, 37, 1, 65, 1.0, 0.5, pad_none, 0);
    add_gemm(l, PB_NO_TRANS, PB_TRANS, 1, 129, 65, 1.0, 0.5, pad_a2, 0);
    add_gemm(l, PB_NO_TRANS, PB_NO_TRANS, 4, 3, 0, 1.0, 0.5, pad_one, 0);
    add_gemm(l, PB_NO_TRANS, PB_NO_TRANS, 4, 3, 0, 1.0, 0.0, pad_one, 1);
    add_gemm(l, PB_TRANS, PB_NO_TRANS, 5, 6, 7, 0.0, 2.0, pad_none, 0);
    add_gemm(l, PB_NO_TRANS, PB_NO_TRANS, 0, 5, 3, 1.0, 0.5, pad_none, 0);

    check_case *c =
        add_gemm(l, PB_NO_TRANS, PB_NO_TRANS, 4, 3, 5, 1.0, 0.0, pad_none, 0);
    c->lda = 4; /* < k */
    snprintf(c->name, sizeof c->name, "nn m=4 n=3 k=5 lda=4<k");
    c->expect_invalid = 1;
    c = add_gemm(l, PB_NO_TRANS, PB_TRANS, 4, 3, 5, 1.0, 0.0, pad_none, 0);
    c->bad_off = GUARD_OUT + 1; /* C's last element one past the buffer */
    snprintf(c->name, sizeof c->name, "nt m=4 n=3 k=5 C one past the end");
    c->expect_invalid = 1;
    c = add_gemm(l, PB_TRANS, PB_NO_TRANS, 4, 3, 5, 1.0, 0.0, pad_none, 0);
    c->bad_off = SIZE_MAX - 2 * OUT_OFF; /* off + extent wraps around */
    snprintf(c->name, sizeof c->name, "tn m=4 n=3 k=5 C offset near SIZE_MAX");
    c->expect_invalid = 1;
}

static const char *act_name(pb_act_kind k)
{
    switch (k) {
    case PB_ACT_SWISH: return "swish";
    case PB_ACT_RELU: return "relu";
    case PB_ACT_TANH: return "tanh";
    case PB_ACT_SOFTPLUS: return "softplus";
    }
    return "?";
}

static const char *loss_name(pb_loss_kind k)
{
    switch (k) {
    case PB_LOSS_SOFTHINGE: return "softhinge";
    case PB_LOSS_HINGE: return "hinge";
    case PB_LOSS_QHINGE: return "qhinge";
    }
    return "?";
}

static void add_act_cases(case_list *l, op_id op)
{
    static const pb_act_kind kinds[] = {PB_ACT_SWISH, PB_ACT_RELU, PB_ACT_TANH,
                                        PB_ACT_SOFTPLUS};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        pb_act_kind kd = kinds[i];
        const char *kn = act_name(kd);
        check_case *c = add_case(l, op, "%s beta=1 c=1.7 n=4099", kn);
        c->act = (pb_act){kd, 1.0, 1.7};
        c->n = 4099;
        c->in_scale = 3;
        c = add_case(l, op, "%s beta=20 c=1 n=257", kn);
        c->act = (pb_act){kd, 20.0, 1.0};
        c->n = 257;
        c = add_case(l, op, "%s beta=20 c=1.3 extreme inputs", kn);
        c->act = (pb_act){kd, 20.0, 1.3};
        c->n = N_EXTREME;
        c->extreme = 1;
        if (op == OP_ACT_BACKWARD) {
            c = add_case(l, op, "%s beta=5 n=257 dz aliases dout", kn);
            c->act = (pb_act){kd, 5.0, 1.0};
            c->n = 257;
            c->alias = 1;
        }
    }
    check_case *c = add_case(l, op, "swish beta=0 (invalid)");
    c->act = (pb_act){PB_ACT_SWISH, 0.0, 1.0};
    c->n = 13;
    c->expect_invalid = 1;
}

static void add_loss_cases(case_list *l)
{
    static const pb_loss_kind kinds[] = {PB_LOSS_SOFTHINGE, PB_LOSS_HINGE,
                                         PB_LOSS_QHINGE};
    static const double alphas[] = {1.0, 1000.0};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *kn = loss_name(kinds[i]);
        for (size_t a = 0; a < 2; a++)
            for (int g = 1; g >= 0; g--) {
                check_case *c = add_case(l, OP_LOSS, "%s alpha=%g n=257%s", kn,
                                         alphas[a], g ? "" : " grad=NULL");
                c->n = 257;
                c->loss = (pb_loss){kinds[i], alphas[a], 1.0, 20.0, 1.0 / 257};
                c->with_grad = g;
                /* Margins alpha y o ~ N(0, 2^2): a mix of satisfied and not. */
                c->in_scale = 2.0 / alphas[a];
            }
        check_case *c = add_case(l, OP_LOSS, "%s alpha=1 n=4099", kn);
        c->n = 4099;
        c->loss = (pb_loss){kinds[i], 1.0, 1.0, 20.0, 1.0 / 4099};
        c->with_grad = 1;
        c->in_scale = 2.0;
        c = add_case(l, OP_LOSS, "%s alpha=1 n=13 o[5]=NaN", kn);
        c->n = 13;
        c->loss = (pb_loss){kinds[i], 1.0, 1.0, 20.0, 1.0 / 13};
        c->with_grad = 1;
        c->in_scale = 2.0;
        c->nan_at = 6;
    }
    check_case *c = add_case(l, OP_LOSS, "softhinge alpha=0 (invalid)");
    c->n = 13;
    c->loss = (pb_loss){PB_LOSS_SOFTHINGE, 0.0, 1.0, 20.0, 1.0};
    c->with_grad = 1;
    c->expect_invalid = 1;
}

static void build_cases(case_list *l)
{
    static const size_t copy_n[] = {0, 1, 13, 4099};
    for (size_t i = 0; i < 4; i++)
        add_case(l, OP_COPY, "n=%zu", copy_n[i])->n = copy_n[i];

    static const struct { size_t n; double v; } fills[] = {
        {13, 0.375}, {4099, 0.1}, {257, -2.5e10}, {0, 1.0}};
    for (size_t i = 0; i < 4; i++) {
        check_case *c = add_case(l, OP_FILL, "n=%zu value=%g", fills[i].n,
                                 fills[i].v);
        c->n = fills[i].n;
        c->a = fills[i].v;
    }

    add_gemm_cases(l);

    static const size_t vec_n[] = {1, 13, 257, 4099};
    check_case *c;
    for (size_t i = 0; i < 4; i++) {
        c = add_case(l, OP_AXPBY, "n=%zu a=1.5 b=-0.5", vec_n[i]);
        c->n = vec_n[i];
        c->a = 1.5;
        c->b = -0.5;
    }
    for (size_t i = 2; i < 4; i++) {
        c = add_case(l, OP_AXPBY, "n=%zu a=1.5 b=0 y=NaN", vec_n[i]);
        c->n = vec_n[i];
        c->a = 1.5;
        c->out_nan = 1;
    }
    c = add_case(l, OP_AXPBY, "n=13 a=0 b=2");
    c->n = 13;
    c->b = 2;
    c = add_case(l, OP_AXPBY, "n=0 a=1 b=1");
    c->a = c->b = 1;
    c = add_case(l, OP_AXPBY, "n=13 y one past the end");
    c->n = 13;
    c->a = c->b = 1;
    c->bad_off = GUARD_OUT + 1;
    c->expect_invalid = 1;
    c = add_case(l, OP_AXPBY, "n=13 y offset near SIZE_MAX");
    c->n = 13;
    c->a = c->b = 1;
    c->bad_off = SIZE_MAX - 2 * OUT_OFF;
    c->expect_invalid = 1;

    for (size_t i = 1; i < 4; i += 2) {
        c = add_case(l, OP_MUL, "n=%zu a=2 b=0.25", vec_n[i]);
        c->n = vec_n[i];
        c->a = 2;
        c->b = 0.25;
    }
    for (size_t i = 2; i < 4; i++) {
        c = add_case(l, OP_MUL, "n=%zu a=2 b=0 out=NaN", vec_n[i]);
        c->n = vec_n[i];
        c->a = 2;
        c->out_nan = 1;
    }
    c = add_case(l, OP_MUL, "n=1 a=-0.5 b=1");
    c->n = 1;
    c->a = -0.5;
    c->b = 1;

    add_act_cases(l, OP_ACT_FORWARD);
    add_act_cases(l, OP_ACT_BACKWARD);
    add_loss_cases(l);

    static const size_t red_n[] = {0, 1, 13, 4099};
    for (size_t i = 0; i < 4; i++)
        add_case(l, OP_SUM, "n=%zu", red_n[i])->n = red_n[i];
    for (op_id op = OP_DOT; op <= OP_MAX_ABS_DIFF; op++)
        for (size_t i = 1; i < 4; i++)
            add_case(l, op, "n=%zu", red_n[i])->n = red_n[i];
    c = add_case(l, OP_MAX_ABS_DIFF, "n=13 x[7]=NaN");
    c->n = 13;
    c->nan_at = 8;

    /* step_scalars(n, g, g1, m, o, o1): input 0 holds g then o, input 1
     * holds g1 then o1. */
    static const size_t step_nm[][2] = {
        {13, 7}, {1, 1}, {4099, 257}, {257, 4099}, {0, 13}, {13, 0}};
    for (size_t i = 0; i < sizeof step_nm / sizeof step_nm[0]; i++) {
        c = add_case(l, OP_STEP_SCALARS, "n=%zu m=%zu", step_nm[i][0],
                     step_nm[i][1]);
        c->n = step_nm[i][0];
        c->m = step_nm[i][1];
    }
    c = add_case(l, OP_STEP_SCALARS, "n=13 m=7 o[3]=NaN");
    c->n = 13;
    c->m = 7;
    c->nan_at = 13 + 3 + 1;
}

/* ------------------------------------------------------------------------ */
/* Host-side data of one case                                               */

/* A rows x cols block at off with leading dimension ld (a vector is one
 * row). */
typedef struct layout {
    size_t off, rows, cols, ld;
} layout;

static size_t layout_extent(layout L)
{
    return L.rows && L.cols ? (L.rows - 1) * L.ld + L.cols : 0;
}

/* Buffer index of the r-th element of the block, row-major. */
static size_t layout_index(layout L, size_t r)
{
    return L.off + (r / L.cols) * L.ld + r % L.cols;
}

static layout vec_layout(size_t off, size_t n)
{
    return (layout){off, 1, n, n};
}

typedef struct host_data {
    size_t n_in;
    layout in_lay[2];
    double *in[2];      /* whole input buffers: values in the view, NaN around */
    size_t in_len[2];
    int has_out;
    layout out_lay;
    double *out;        /* initial output buffer: sentinel outside the view */
    size_t out_len;
    unsigned char *written; /* per element of out: the op writes it */
    unsigned char *judged;  /* written and compared (planted NaN excluded) */
} host_data;

/* Never produced by a correct op on these inputs; exact in float. */
static const double SENTINEL = -12345.25;

static void host_data_free(host_data *h)
{
    for (size_t i = 0; i < 2; i++)
        free(h->in[i]);
    free(h->out);
    free(h->written);
    free(h->judged);
    memset(h, 0, sizeof *h);
}

/* IEEE round-to-nearest double -> float -> double, without relying on the
 * out-of-range conversion (undefined in ISO C). */
static double round_to_float(double v)
{
    const double overflow = 0x1.ffffffp127;
    if (v >= overflow)
        return INFINITY;
    if (v <= -overflow)
        return -INFINITY;
    return (double)(float)v;
}

static double quantize(double v, pb_dtype dtype)
{
    return dtype == PB_F32 ? round_to_float(v) : v;
}

/* FNV-1a of "op/case": the inputs of a case depend on its name only. */
static uint64_t case_key(const check_case *c)
{
    uint64_t h = 0xcbf29ce484222325ull;
    const char *parts[3] = {op_names[c->op], "/", c->name};
    for (int p = 0; p < 3; p++)
        for (const char *s = parts[p]; *s; s++) {
            h ^= (unsigned char)*s;
            h *= 0x100000001b3ull;
        }
    return h & 0xffffffffu;
}

/* The i-th standard normal of tensor `tensor` of the case. */
static double draw(uint64_t seed, uint64_t key, unsigned tensor, size_t i)
{
    uint64_t index = (key << 32) | ((uint64_t)tensor << 28) | (uint64_t)i;
    return pb_rng_normal(seed, PB_STREAM_CHECK, index);
}

/* Allocates a buffer of the layout plus guard, `fill` everywhere. */
static double *alloc_filled(layout L, size_t guard, double fill, size_t *len)
{
    *len = L.off + layout_extent(L) + guard;
    double *v = malloc((*len ? *len : 1) * sizeof *v);
    if (v)
        for (size_t i = 0; i < *len; i++)
            v[i] = fill;
    return v;
}

/* Input tensor `t`: NaN outside the view, the case's values inside. */
static int make_input(host_data *h, const check_case *c, pb_dtype dtype,
                      uint64_t seed, size_t t, layout L)
{
    uint64_t key = case_key(c);
    h->in_lay[t] = L;
    h->in[t] = alloc_filled(L, GUARD_IN, NAN, &h->in_len[t]);
    if (!h->in[t])
        return -1;
    size_t count = L.rows * L.cols;
    for (size_t r = 0; r < count; r++) {
        double v;
        if (c->op == OP_LOSS && t == 1)
            v = draw(seed, key, (unsigned)t, r) > 0 ? 1.0 : -1.0; /* labels */
        else if (c->extreme && t == 0)
            v = extreme_values[r % N_EXTREME];
        else
            v = c->in_scale * draw(seed, key, (unsigned)t, r);
        if (t == 0 && c->nan_at && r == c->nan_at - 1)
            v = NAN;
        h->in[t][layout_index(L, r)] = quantize(v, dtype);
    }
    return 0;
}

/* Output buffer: sentinel everywhere, the view holds NaN (when the op must
 * not read it) or values the op reads (beta C, b y, ...). */
static int make_output(host_data *h, const check_case *c, pb_dtype dtype,
                       uint64_t seed, layout L)
{
    uint64_t key = case_key(c);
    h->has_out = 1;
    h->out_lay = L;
    h->out = alloc_filled(L, GUARD_OUT, SENTINEL, &h->out_len);
    h->written = calloc(h->out_len ? h->out_len : 1, 1);
    h->judged = calloc(h->out_len ? h->out_len : 1, 1);
    if (!h->out || !h->written || !h->judged)
        return -1;
    size_t count = L.rows * L.cols;
    for (size_t r = 0; r < count; r++) {
        size_t i = layout_index(L, r);
        double v = c->out_nan ? NAN : draw(seed, key, 2, r);
        h->out[i] = quantize(v, dtype);
        if (!c->expect_invalid) {
            h->written[i] = 1;
            h->judged[i] = !(c->nan_at && r == c->nan_at - 1);
        }
    }
    return 0;
}

static int build_host(const check_case *c, pb_dtype dtype, uint64_t seed,
                      host_data *h)
{
    memset(h, 0, sizeof *h);
    int rc = 0;
    switch (c->op) {
    case OP_COPY:
        h->n_in = 1;
        rc |= make_input(h, c, dtype, seed, 0, vec_layout(IN_OFF0, c->n));
        rc |= make_output(h, c, dtype, seed, vec_layout(OUT_OFF, c->n));
        break;
    case OP_FILL:
        rc |= make_output(h, c, dtype, seed, vec_layout(OUT_OFF, c->n));
        break;
    case OP_GEMM: {
        /* Stored shapes; ld at least the row length even when the case
         * passes a smaller (invalid) one. */
        size_t ar = c->ta == PB_TRANS ? c->k : c->m;
        size_t ac = c->ta == PB_TRANS ? c->m : c->k;
        size_t br = c->tb == PB_TRANS ? c->n : c->k;
        size_t bc = c->tb == PB_TRANS ? c->k : c->n;
        h->n_in = 2;
        rc |= make_input(h, c, dtype, seed, 0,
                         (layout){IN_OFF0, ar, ac, c->lda > ac ? c->lda : ac});
        rc |= make_input(h, c, dtype, seed, 1,
                         (layout){IN_OFF1, br, bc, c->ldb > bc ? c->ldb : bc});
        rc |= make_output(h, c, dtype, seed,
                          (layout){OUT_OFF, c->m, c->n, c->ldc});
        break;
    }
    case OP_AXPBY:
    case OP_ACT_FORWARD:
        h->n_in = 1;
        rc |= make_input(h, c, dtype, seed, 0, vec_layout(IN_OFF0, c->n));
        rc |= make_output(h, c, dtype, seed, vec_layout(OUT_OFF, c->n));
        break;
    case OP_MUL:
        h->n_in = 2;
        rc |= make_input(h, c, dtype, seed, 0, vec_layout(IN_OFF0, c->n));
        rc |= make_input(h, c, dtype, seed, 1, vec_layout(IN_OFF1, c->n));
        rc |= make_output(h, c, dtype, seed, vec_layout(OUT_OFF, c->n));
        break;
    case OP_ACT_BACKWARD:
        /* dout is input 1, or (alias) the initial contents of dz. */
        h->n_in = c->alias ? 1 : 2;
        rc |= make_input(h, c, dtype, seed, 0, vec_layout(IN_OFF0, c->n));
        if (!c->alias)
            rc |= make_input(h, c, dtype, seed, 1, vec_layout(IN_OFF1, c->n));
        rc |= make_output(h, c, dtype, seed, vec_layout(OUT_OFF, c->n));
        break;
    case OP_LOSS:
        h->n_in = 2;
        rc |= make_input(h, c, dtype, seed, 0, vec_layout(IN_OFF0, c->n));
        rc |= make_input(h, c, dtype, seed, 1, vec_layout(IN_OFF1, c->n));
        if (c->with_grad)
            rc |= make_output(h, c, dtype, seed, vec_layout(OUT_OFF, c->n));
        break;
    case OP_SUM:
        h->n_in = 1;
        rc |= make_input(h, c, dtype, seed, 0, vec_layout(IN_OFF0, c->n));
        break;
    case OP_DOT:
    case OP_DIST2:
    case OP_MAX_ABS_DIFF:
        h->n_in = 2;
        rc |= make_input(h, c, dtype, seed, 0, vec_layout(IN_OFF0, c->n));
        rc |= make_input(h, c, dtype, seed, 1, vec_layout(IN_OFF1, c->n));
        break;
    case OP_STEP_SCALARS:
        h->n_in = 2;
        rc |= make_input(h, c, dtype, seed, 0,
                         vec_layout(IN_OFF0, c->n + c->m));
        rc |= make_input(h, c, dtype, seed, 1,
                         vec_layout(IN_OFF1, c->n + c->m));
        break;
    case OP_COUNT:
        break;
    }
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* Running one case on one backend                                          */

typedef struct side {
    const pb_backend_vtable *vt;
    pb_backend *be;
    pb_dtype dtype;
    const char *role; /* "reference" or "dut" */
} side;

typedef struct side_result {
    int setup_failed;   /* alloc, upload or download failed (msg says which) */
    pb_status st;       /* status of the op itself */
    int silent_error;   /* st != PB_OK with an empty last_error text */
    char msg[384];
    double *out;        /* output buffer after the op (host_data.out_len) */
    double *in_after[2]; /* input buffers after the op */
    double scalar;      /* reductions */
    double scalars[3];  /* step_scalars */
    pb_loss_stats stats;
} side_result;

static void side_result_free(side_result *r)
{
    free(r->out);
    free(r->in_after[0]);
    free(r->in_after[1]);
    memset(r, 0, sizeof *r);
}

static const char *status_name(pb_status st)
{
    switch (st) {
    case PB_OK: return "PB_OK";
    case PB_ERR_UNSUPPORTED: return "PB_ERR_UNSUPPORTED";
    case PB_ERR_NOMEM: return "PB_ERR_NOMEM";
    case PB_ERR_INVALID: return "PB_ERR_INVALID";
    case PB_ERR_DEVICE: return "PB_ERR_DEVICE";
    case PB_ERR_UNAVAILABLE: return "PB_ERR_UNAVAILABLE";
    }
    return "unknown status";
}

static const char *backend_error(const side *s)
{
    const char *e = s->vt->last_error(s->be);
    return e && *e ? e : "(no message)";
}

/* Member present in the plugin's table (PB_VT_HAS needs an lvalue). */
#define HAS(s, member) PB_VT_HAS((s)->vt, member)

/* Calls the case's op.  bin[] are the input buffers, bout the output. */
static pb_status invoke(const side *s, const check_case *c,
                        const host_data *h, pb_buf *const bin[2], pb_buf *bout,
                        side_result *r)
{
    const pb_backend_vtable *vt = s->vt;
    pb_backend *be = s->be;
    size_t i0 = h->in_lay[0].off, i1 = h->in_lay[1].off;
    size_t oo = h->out_lay.off + c->bad_off;
    switch (c->op) {
    case OP_COPY:
        return HAS(s, copy) ? vt->copy(be, bout, oo, bin[0], i0, c->n)
                            : PB_ERR_UNSUPPORTED;
    case OP_FILL:
        return HAS(s, fill) ? vt->fill(be, bout, oo, c->n, c->a)
                            : PB_ERR_UNSUPPORTED;
    case OP_GEMM:
        return HAS(s, gemm)
                   ? vt->gemm(be, c->ta, c->tb, c->m, c->n, c->k, c->a, bin[0],
                              i0, c->lda, bin[1], i1, c->ldb, c->b, bout, oo,
                              c->ldc)
                   : PB_ERR_UNSUPPORTED;
    case OP_AXPBY:
        return HAS(s, axpby) ? vt->axpby(be, c->n, c->a, bin[0], i0, c->b,
                                         bout, oo)
                             : PB_ERR_UNSUPPORTED;
    case OP_MUL:
        return HAS(s, mul) ? vt->mul(be, c->n, c->a, bin[0], i0, bin[1], i1,
                                     c->b, bout, oo)
                           : PB_ERR_UNSUPPORTED;
    case OP_ACT_FORWARD:
        return HAS(s, act_forward)
                   ? vt->act_forward(be, &c->act, c->n, bin[0], i0, bout, oo)
                   : PB_ERR_UNSUPPORTED;
    case OP_ACT_BACKWARD:
        if (!HAS(s, act_backward))
            return PB_ERR_UNSUPPORTED;
        if (c->alias)
            return vt->act_backward(be, &c->act, c->n, bin[0], i0, bout, oo,
                                    bout, oo);
        return vt->act_backward(be, &c->act, c->n, bin[0], i0, bin[1], i1,
                                bout, oo);
    case OP_LOSS:
        r->stats.struct_size = sizeof r->stats; /* the caller's size (backend.h) */
        return HAS(s, loss) ? vt->loss(be, &c->loss, c->n, bin[0], i0, bin[1],
                                       i1, c->with_grad ? bout : NULL,
                                       c->with_grad ? oo : 0, &r->stats)
                            : PB_ERR_UNSUPPORTED;
    case OP_SUM:
        return HAS(s, sum) ? vt->sum(be, c->n, bin[0], i0, &r->scalar)
                           : PB_ERR_UNSUPPORTED;
    case OP_DOT:
        return HAS(s, dot)
                   ? vt->dot(be, c->n, bin[0], i0, bin[1], i1, &r->scalar)
                   : PB_ERR_UNSUPPORTED;
    case OP_DIST2:
        return HAS(s, dist2)
                   ? vt->dist2(be, c->n, bin[0], i0, bin[1], i1, &r->scalar)
                   : PB_ERR_UNSUPPORTED;
    case OP_MAX_ABS_DIFF:
        return HAS(s, max_abs_diff) ? vt->max_abs_diff(be, c->n, bin[0], i0,
                                                       bin[1], i1, &r->scalar)
                                    : PB_ERR_UNSUPPORTED;
    case OP_STEP_SCALARS:
        /* g = input 0, g1 = input 1, then o and o1 after them.  The
         * reference answers with its three reductions, the dut with
         * step_scalars. */
        if (strcmp(s->role, "reference") == 0) {
            if (!HAS(s, dot) || !HAS(s, dist2) || !HAS(s, max_abs_diff))
                return PB_ERR_UNSUPPORTED;
            pb_status st = vt->dot(be, c->n, bin[1], i1, bin[1], i1,
                                   &r->scalars[0]);
            if (st == PB_OK)
                st = vt->dist2(be, c->n, bin[0], i0, bin[1], i1,
                               &r->scalars[1]);
            if (st == PB_OK)
                st = vt->max_abs_diff(be, c->m, bin[0], i0 + c->n, bin[1],
                                      i1 + c->n, &r->scalars[2]);
            return st;
        }
        return HAS(s, step_scalars)
                   ? vt->step_scalars(be, c->n, bin[0], i0, bin[1], i1, c->m,
                                      bin[0], i0 + c->n, bin[1], i1 + c->n,
                                      r->scalars)
                   : PB_ERR_UNSUPPORTED;
    case OP_COUNT:
        break;
    }
    return PB_ERR_UNSUPPORTED;
}

/* Uploads the case, runs the op, downloads everything back.  Returns -1
 * only when host memory ran out; backend failures are recorded in r. */
static int run_side(const side *s, const check_case *c, const host_data *h,
                    side_result *r)
{
    const pb_backend_vtable *vt = s->vt;
    pb_buf *bin[2] = {NULL, NULL}, *bout = NULL;
    int rc = 0;
    pb_status st;
    memset(r, 0, sizeof *r);
    r->scalar = NAN;
    for (int i = 0; i < 3; i++)
        r->scalars[i] = NAN;

    for (size_t t = 0; t < h->n_in; t++) {
        st = vt->buf_alloc(s->be, h->in_len[t], &bin[t]);
        if (st == PB_OK)
            st = vt->buf_upload(s->be, bin[t], 0, h->in[t], h->in_len[t]);
        if (st != PB_OK) {
            r->setup_failed = 1;
            snprintf(r->msg, sizeof r->msg, "input %zu alloc/upload: %s: %s",
                     t, status_name(st), backend_error(s));
            goto done;
        }
    }
    if (h->has_out) {
        st = vt->buf_alloc(s->be, h->out_len, &bout);
        if (st == PB_OK)
            st = vt->buf_upload(s->be, bout, 0, h->out, h->out_len);
        if (st != PB_OK) {
            r->setup_failed = 1;
            snprintf(r->msg, sizeof r->msg, "output alloc/upload: %s: %s",
                     status_name(st), backend_error(s));
            goto done;
        }
    }

    r->st = invoke(s, c, h, bin, bout, r);
    if (r->st != PB_OK) {
        const char *e = s->vt->last_error(s->be);
        r->silent_error = !e || !*e;
        snprintf(r->msg, sizeof r->msg, "%s: %s", status_name(r->st),
                 backend_error(s));
    }
    /* Synchronise before reading back, for asynchronous backends. */
    if (HAS(s, sync))
        (void)vt->sync(s->be);

    /* Read back even after a failure: a rejected call must not have
     * written anything either. */
    if (h->has_out) {
        r->out = malloc((h->out_len ? h->out_len : 1) * sizeof *r->out);
        if (!r->out) {
            rc = -1;
            goto done;
        }
        st = vt->buf_download(s->be, bout, 0, r->out, h->out_len);
        if (st != PB_OK) {
            r->setup_failed = 1;
            snprintf(r->msg, sizeof r->msg, "output download: %s: %s",
                     status_name(st), backend_error(s));
            goto done;
        }
    }
    for (size_t t = 0; t < h->n_in; t++) {
        r->in_after[t] = malloc((h->in_len[t] ? h->in_len[t] : 1) *
                                sizeof *r->in_after[t]);
        if (!r->in_after[t]) {
            rc = -1;
            goto done;
        }
        st = vt->buf_download(s->be, bin[t], 0, r->in_after[t], h->in_len[t]);
        if (st != PB_OK) {
            r->setup_failed = 1;
            snprintf(r->msg, sizeof r->msg, "input %zu download: %s: %s", t,
                     status_name(st), backend_error(s));
            goto done;
        }
    }

done:
    for (size_t t = 0; t < 2; t++)
        if (bin[t])
            vt->buf_free(s->be, bin[t]);
    if (bout)
        vt->buf_free(s->be, bout);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Judging                                                                  */

typedef enum verdict_status { V_PASS, V_FAIL, V_UNSUPPORTED } verdict_status;

typedef struct verdict {
    verdict_status status;
    double nmse, max_abs; /* of the first failing (else the worst) part */
    char detail[512];
} verdict;

static void fail(verdict *v, const char *fmt, ...)
{
    if (v->status == V_FAIL)
        return; /* the first failure explains the case */
    v->status = V_FAIL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->detail, sizeof v->detail, fmt, ap);
    va_end(ap);
}

/* A failure already found (in the reference, say) stays a failure. */
static void unsupported(verdict *v, const char *why)
{
    if (v->status != V_PASS)
        return;
    v->status = V_UNSUPPORTED;
    snprintf(v->detail, sizeof v->detail, "%s", why);
}

/* Remember the numbers of the worst passing part, or of the first failing
 * one. */
static void record(verdict *v, double nmse, double max_abs, int failing)
{
    if (v->status == V_FAIL)
        return; /* keep the numbers of the failure the detail explains */
    if (failing || isnan(v->nmse) || nmse > v->nmse ||
        (nmse == v->nmse && max_abs > v->max_abs)) {
        v->nmse = nmse;
        v->max_abs = max_abs;
    }
}

/* NaN, +inf, -inf and finite must match one for one. */
static int same_class(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    if (isinf(a) || isinf(b))
        return a == b;
    return 1;
}

/* Identical values (NaN equals NaN): for guards and untouched inputs. */
static int same_value(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* "[i]" for a vector, "[row,col]" for a matrix, of buffer element i. */
static const char *pos_text(layout L, size_t i, char *buf, size_t len)
{
    size_t r = i - L.off;
    if (L.rows > 1)
        snprintf(buf, len, "[%zu,%zu]", r / L.ld, r % L.ld);
    else
        snprintf(buf, len, "[%zu]", r);
    return buf;
}

static void compare_vector(verdict *v, const char *what, const double *ref,
                           const double *dut, const unsigned char *mask,
                           layout L, size_t len, const tolerance *tol)
{
    char pos[48];
    double scale = 0;
    for (size_t i = 0; i < len; i++) {
        if (!mask[i])
            continue;
        if (!same_class(ref[i], dut[i])) {
            record(v, NAN, NAN, 1);
            fail(v, "%s%s: reference %.17g, dut %.17g (NaN/Inf mismatch)",
                 what, pos_text(L, i, pos, sizeof pos), ref[i], dut[i]);
            return;
        }
        if (isfinite(ref[i]) && fabs(ref[i]) > scale)
            scale = fabs(ref[i]);
    }
    double d2 = 0, r2 = 0, max_abs = 0;
    size_t worst = 0;
    for (size_t i = 0; i < len; i++) {
        if (!mask[i] || !isfinite(ref[i]))
            continue;
        double d = dut[i] - ref[i];
        if (fabs(d) > max_abs) {
            max_abs = fabs(d);
            worst = i;
        }
        if (scale > 0) {
            /* Scaled so that values near the double range do not overflow. */
            double ds = isfinite(d) ? d / scale : dut[i] / scale - ref[i] / scale;
            double rs = ref[i] / scale;
            d2 += ds * ds;
            r2 += rs * rs;
        }
    }
    if (scale == 0) {
        double nmse = max_abs > 0 ? INFINITY : 0;
        int bad = !(max_abs <= tol->abs);
        record(v, nmse, max_abs, bad);
        if (bad)
            fail(v, "%s: reference is all zero, max |diff| %.3g at %s > %.3g",
                 what, max_abs, pos_text(L, worst, pos, sizeof pos), tol->abs);
        return;
    }
    double nmse = d2 / r2;
    int bad_nmse = !(nmse <= tol->nmse);
    int bad_max = !(max_abs <= tol->max_rel * scale);
    record(v, nmse, max_abs, bad_nmse || bad_max);
    if (bad_nmse)
        fail(v, "%s: nmse %.3g > %.3g (worst %s: reference %.17g, dut %.17g)",
             what, nmse, tol->nmse, pos_text(L, worst, pos, sizeof pos),
             ref[worst], dut[worst]);
    else if (bad_max)
        fail(v, "%s: max |diff| %.3g > %.3g * max |reference| %.3g at %s",
             what, max_abs, tol->max_rel, scale,
             pos_text(L, worst, pos, sizeof pos));
}

/* A scalar, normalised by cond (cond < 0: by |ref|). */
static void compare_scalar(verdict *v, const char *what, double ref,
                           double dut, double cond, const tolerance *tol)
{
    if (!same_class(ref, dut)) {
        record(v, NAN, NAN, 1);
        fail(v, "%s: reference %.17g, dut %.17g (NaN/Inf mismatch)", what, ref,
             dut);
        return;
    }
    if (!isfinite(ref)) {
        record(v, 0, 0, 0);
        return;
    }
    double err = fabs(dut - ref);
    if (cond < 0)
        cond = fabs(ref);
    if (cond == 0) {
        int bad = !(err <= tol->abs);
        record(v, err > 0 ? INFINITY : 0, err, bad);
        if (bad)
            fail(v, "%s: reference 0, dut %.17g", what, dut);
        return;
    }
    double nmse = (err / cond) * (err / cond);
    int bad = !(nmse <= tol->nmse);
    record(v, nmse, err, bad);
    if (bad)
        fail(v, "%s: reference %.17g, dut %.17g, nmse %.3g > %.3g", what, ref,
             dut, nmse, tol->nmse);
}

static void compare_count(verdict *v, const char *what, int64_t ref,
                          int64_t dut, int64_t slack)
{
    int64_t d = ref > dut ? ref - dut : dut - ref;
    if (d > slack)
        fail(v, "%s: reference %" PRId64 ", dut %" PRId64
                " (%" PRId64 " samples within rounding)",
             what, ref, dut, slack);
}

/* Reductions are compared against sum |terms|, the scale of the rounding
 * error of any summation order; dist2 and max_abs_diff have no
 * cancellation, so |result| is that scale. */
static double reduction_cond(const check_case *c, const host_data *h)
{
    if (c->op != OP_SUM && c->op != OP_DOT)
        return -1;
    double acc = 0;
    for (size_t r = 0; r < c->n; r++) {
        double x = h->in[0][layout_index(h->in_lay[0], r)];
        if (c->op == OP_DOT)
            x *= h->in[1][layout_index(h->in_lay[1], r)];
        acc += fabs(x);
    }
    return acc;
}

/* The ops that return one scalar. */
static int is_reduction(op_id op)
{
    return op >= OP_SUM && op <= OP_MAX_ABS_DIFF;
}

/* Samples whose margin is within rounding of the threshold. */
static int64_t loss_slack(const check_case *c, const host_data *h,
                          pb_dtype dtype)
{
    int64_t slack = 0;
    for (size_t r = 0; r < c->n; r++) {
        double o = h->in[0][layout_index(h->in_lay[0], r)];
        double y = h->in[1][layout_index(h->in_lay[1], r)];
        double m = c->loss.alpha * (y * o);
        double tol = count_rel_eps[dtype] * fmax(fabs(m), fabs(c->loss.margin));
        if (fabs(m - c->loss.margin) <= tol)
            slack++;
    }
    return slack;
}

/* Sentinels outside the output view and inputs must be unchanged. */
static void check_untouched(verdict *v, const char *role, const host_data *h,
                            const side_result *r)
{
    if (h->has_out && r->out)
        for (size_t i = 0; i < h->out_len; i++)
            if (!h->written[i] && !same_value(r->out[i], h->out[i])) {
                fail(v, "%s wrote outside its output view: buffer element "
                        "%zu changed from %.17g to %.17g",
                     role, i, h->out[i], r->out[i]);
                return;
            }
    for (size_t t = 0; t < h->n_in; t++)
        if (r->in_after[t])
            for (size_t i = 0; i < h->in_len[t]; i++)
                if (!same_value(r->in_after[t][i], h->in[t][i])) {
                    fail(v, "%s modified input %zu: buffer element %zu "
                            "changed from %.17g to %.17g",
                         role, t, i, h->in[t][i], r->in_after[t][i]);
                    return;
                }
}

/* The reference must not produce NaN where no NaN was planted. */
static void check_reference_sane(verdict *v, const check_case *c,
                                 const host_data *h, const side_result *ref)
{
    if (c->nan_at)
        return;
    if (h->has_out)
        for (size_t i = 0; i < h->out_len; i++)
            if (h->written[i] && isnan(ref->out[i])) {
                char pos[48];
                fail(v, "reference produced NaN at %s from NaN-free inputs",
                     pos_text(h->out_lay, i, pos, sizeof pos));
                return;
            }
    if (is_reduction(c->op) && isnan(ref->scalar))
        fail(v, "reference produced a NaN result from NaN-free inputs");
    if (c->op == OP_STEP_SCALARS)
        for (int i = 0; i < 3; i++)
            if (isnan(ref->scalars[i])) {
                fail(v, "reference produced a NaN result from NaN-free "
                        "inputs");
                return;
            }
}

static void compare_results(verdict *v, const check_case *c,
                            const host_data *h, const side_result *ref,
                            const side_result *dut, pb_dtype dtype)
{
    const tolerance *tol = &tolerances[c->op][dtype];
    if (h->has_out)
        compare_vector(v, c->op == OP_LOSS ? "grad" : "out", ref->out,
                       dut->out, h->judged, h->out_lay, h->out_len, tol);
    if (c->op == OP_LOSS) {
        const pb_loss_stats *a = &ref->stats, *b = &dut->stats;
        /* With a NaN output, the loss value and the margin extremes are
         * not specified by the ABI; the counts and the other samples'
         * gradients are. */
        if (!c->nan_at) {
            compare_scalar(v, "loss", a->loss, b->loss, -1, tol);
            compare_scalar(v, "min_margin", a->min_margin, b->min_margin, -1,
                           tol);
            compare_scalar(v, "max_margin", a->max_margin, b->max_margin, -1,
                           tol);
        }
        compare_count(v, "n_unsat", a->n_unsat, b->n_unsat,
                      loss_slack(c, h, dtype));
        compare_count(v, "n_err", a->n_err, b->n_err, 0);
        compare_count(v, "n_nan", a->n_nan, b->n_nan, 0);
    }
    if (is_reduction(c->op))
        compare_scalar(v, "result", ref->scalar, dut->scalar,
                       reduction_cond(c, h), tol);
    if (c->op == OP_STEP_SCALARS) {
        static const char *const what[3] = {
            "out[0] |g1|^2", "out[1] |g - g1|^2", "out[2] max |o - o1|"};
        for (int i = 0; i < 3; i++)
            compare_scalar(v, what[i], ref->scalars[i], dut->scalars[i], -1,
                           tol);
    }
}

static void judge(verdict *v, const check_case *c, const host_data *h,
                  const side_result *ref, const side_result *dut,
                  pb_dtype dtype)
{
    v->status = V_PASS;
    v->nmse = v->max_abs = NAN;
    v->detail[0] = '\0';

    if (ref->setup_failed) {
        fail(v, "reference: %s", ref->msg);
        return;
    }
    if (c->expect_invalid) {
        if (ref->st != PB_ERR_INVALID)
            fail(v, "reference returned %s, expected PB_ERR_INVALID",
                 status_name(ref->st));
        if (dut->setup_failed)
            fail(v, "dut: %s", dut->msg);
        else if (dut->st == PB_ERR_UNSUPPORTED)
            unsupported(v, dut->msg);
        else if (dut->st != PB_ERR_INVALID)
            fail(v, "dut returned %s, expected PB_ERR_INVALID",
                 status_name(dut->st));
        else if (dut->silent_error)
            fail(v, "dut returned PB_ERR_INVALID without a last_error text");
    } else {
        if (ref->st != PB_OK) {
            fail(v, "reference failed: %s", ref->msg);
            return;
        }
        check_reference_sane(v, c, h, ref);
        if (dut->setup_failed) {
            fail(v, "dut: %s", dut->msg);
            return;
        }
        if (dut->st == PB_ERR_UNSUPPORTED) {
            unsupported(v, dut->msg);
            return;
        }
        if (dut->st != PB_OK) {
            fail(v, "dut failed: %s", dut->msg);
            return;
        }
        compare_results(v, c, h, ref, dut, dtype);
    }
    check_untouched(v, "reference", h, ref);
    if (!dut->setup_failed)
        check_untouched(v, "dut", h, dut);
}

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static const char *dtype_name(pb_dtype d)
{
    return d == PB_F64 ? "f64" : "f32";
}

static const char *verdict_name(verdict_status s)
{
    return s == V_PASS ? "pass" : s == V_FAIL ? "FAIL" : "unsupported";
}

/* One case as a row of pb_cols_opcheck (report/tables.c): the CSV and the
 * text table are both written from it. */
static void case_row(pb_row *row, const char *backend, pb_dtype dtype, uint64_t seed,
                     const check_case *c, const verdict *v)
{
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%" PRIu64, seed);
    pb_row_init_columns(row, &pb_cols_opcheck);
    pb_row_int(row, "schema_version", PB_OPCHECK_SCHEMA_VERSION);
    pb_row_str(row, "backend", backend);
    pb_row_str(row, "dtype", dtype_name(dtype));
    pb_row_str(row, "seed", seed_text);
    pb_row_str(row, "op", op_names[c->op]);
    pb_row_str(row, "case", c->name);
    pb_row_str(row, "status", verdict_name(v->status));
    pb_row_dbl(row, "nmse", v->nmse);
    pb_row_dbl(row, "max_abs", v->max_abs);
    pb_row_dbl(row, "nmse_tol", tolerances[c->op][dtype].nmse);
    pb_row_str(row, "detail", v->detail);
}

/* ------------------------------------------------------------------------ */
/* Driver                                                                   */

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || err_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

static const char *vt_name(const pb_backend_vtable *vt)
{
    return vt->name ? vt->name : "?";
}

/* The members the checker cannot do without. */
static int vtable_usable(const pb_backend_vtable *vt, const char *role,
                         char *err, size_t err_len)
{
    if (!vt) {
        set_err(err, err_len, "opcheck: %s backend table is NULL", role);
        return 0;
    }
    const char *name = vt_name(vt);
    if (!PB_VT_HAS(vt, probe) || !PB_VT_HAS(vt, create) ||
        !PB_VT_HAS(vt, destroy) || !PB_VT_HAS(vt, last_error) ||
        !PB_VT_HAS(vt, buf_alloc) || !PB_VT_HAS(vt, buf_free) ||
        !PB_VT_HAS(vt, buf_upload) || !PB_VT_HAS(vt, buf_download)) {
        set_err(err, err_len,
                "opcheck: %s backend %s lacks a life-cycle or buffer member",
                role, name);
        return 0;
    }
    return 1;
}

/* probe + create; returns the create status, or -1 for "cannot run". */
static int open_side(side *s, const pb_backend_vtable *vt,
                     const pb_backend_options *opts, const char *role,
                     char *reason, size_t reason_len)
{
    char why[512] = "";
    s->vt = vt;
    s->be = NULL;
    s->dtype = opts->dtype;
    s->role = role;
    pb_status st = vt->probe(why, sizeof why);
    if (st != PB_OK) {
        snprintf(reason, reason_len, "opcheck: %s backend %s unavailable: %s",
                 role, vt_name(vt), why[0] ? why : status_name(st));
        return -1;
    }
    st = vt->create(opts, &s->be, why, sizeof why);
    if (st != PB_OK) {
        s->be = NULL;
        snprintf(reason, reason_len, "%s backend %s cannot create a %s "
                 "instance: %s: %s",
                 role, vt_name(vt), dtype_name(opts->dtype), status_name(st),
                 why[0] ? why : "(no reason)");
        return (int)st;
    }
    return PB_OK;
}

int pb_opcheck_run_opts(const pb_backend_vtable *ref,
                        const pb_backend_vtable *dut,
                        const pb_backend_options *dut_opts, uint64_t seed,
                        FILE *table_out, FILE *csv_out, int *n_failed,
                        int *n_unsupported, char *err, size_t err_len)
{
    set_err(err, err_len, "%s", "");
    if (n_failed)
        *n_failed = 0;
    if (n_unsupported)
        *n_unsupported = 0;
    if (!vtable_usable(ref, "reference", err, err_len) ||
        !vtable_usable(dut, "dut", err, err_len))
        return -1;
    if (!dut_opts || (dut_opts->dtype != PB_F64 && dut_opts->dtype != PB_F32)) {
        set_err(err, err_len, "opcheck: dut options missing or unknown dtype");
        return -1;
    }
    pb_dtype dtype = dut_opts->dtype;

    case_list cases = {0};
    build_cases(&cases);
    if (cases.oom) {
        free(cases.v);
        set_err(err, err_len, "opcheck: out of memory");
        return -1;
    }

    char why[768] = "";
    side rs, ds;
    pb_backend_options ref_opts = {sizeof(pb_backend_options), PB_F64, 0, NULL};
    if (open_side(&rs, ref, &ref_opts, "reference", why, sizeof why) != PB_OK) {
        set_err(err, err_len, "%s", why);
        free(cases.v);
        return -1;
    }
    int dst = open_side(&ds, dut, dut_opts, "dut", why, sizeof why);
    if (dst != PB_OK && dst != PB_ERR_UNSUPPORTED) {
        set_err(err, err_len, "%s", why);
        ref->destroy(rs.be);
        free(cases.v);
        return -1;
    }
    const char *dut_name = vt_name(dut);

    if (table_out) {
        fprintf(table_out,
                "opcheck: reference %s (f64) vs %s (%s), seed %" PRIu64 "\n",
                vt_name(ref), dut_name, dtype_name(dtype), seed);
        pb_text_header(table_out, &pb_cols_opcheck);
    }
    pb_table csv_table;
    if (csv_out) {
        /* header now, rows as they come: appended runs share one header */
        long pos = ftell(csv_out);
        if (pos <= 0)
            pb_columns_write_header(csv_out, &pb_cols_opcheck);
        pb_table_attach(&csv_table, csv_out, &pb_cols_opcheck, 0);
    }

    /* Optional members (ABI minor versions) are checked only where the dut
     * has them: a dut without step_scalars gets a note in the table, no
     * case. */
    int has_step_scalars = PB_VT_HAS(dut, step_scalars);
    if (!has_step_scalars && table_out)
        fprintf(table_out, "opcheck: step_scalars unsupported by %s "
                "(optional, ABI 1.1): its cases are skipped\n", dut_name);

    int rc = 0, failed = 0, unsupported = 0;
    size_t n_run = 0;
    for (size_t i = 0; i < cases.n; i++) {
        const check_case *c = &cases.v[i];
        if (c->op == OP_STEP_SCALARS && !has_step_scalars)
            continue;
        ++n_run;
        verdict v = {V_PASS, NAN, NAN, ""};
        if (dst == PB_ERR_UNSUPPORTED) {
            v.status = V_UNSUPPORTED;
            pb_strcpy_trunc(v.detail, sizeof v.detail, why);
        } else {
            host_data h;
            side_result rr, dr;
            memset(&h, 0, sizeof h);
            memset(&rr, 0, sizeof rr);
            memset(&dr, 0, sizeof dr);
            if (build_host(c, dtype, seed, &h) != 0 ||
                run_side(&rs, c, &h, &rr) != 0) {
                host_data_free(&h);
                side_result_free(&rr);
                set_err(err, err_len, "opcheck: out of memory");
                rc = -1;
                break;
            }
            if (run_side(&ds, c, &h, &dr) != 0) {
                host_data_free(&h);
                side_result_free(&rr);
                side_result_free(&dr);
                set_err(err, err_len, "opcheck: out of memory");
                rc = -1;
                break;
            }
            judge(&v, c, &h, &rr, &dr, dtype);
            host_data_free(&h);
            side_result_free(&rr);
            side_result_free(&dr);
        }
        failed += v.status == V_FAIL;
        unsupported += v.status == V_UNSUPPORTED;
        pb_row row;
        case_row(&row, dut_name, dtype, seed, c, &v);
        if (table_out) {
            pb_text_row(table_out, &pb_cols_opcheck, &row);
            if (v.status == V_FAIL)
                fprintf(table_out, "    -> %s\n", v.detail);
        }
        char werr[256];
        if (csv_out && pb_table_write(&csv_table, &row, werr, sizeof werr) != 0) {
            set_err(err, err_len, "opcheck: %s", werr);
            rc = -1;
        }
        pb_row_free(&row);
        if (rc != 0)
            break;
    }

    if (rc == 0 && table_out)
        fprintf(table_out,
                "opcheck: %s vs %s (%s), seed %" PRIu64 ": %zu cases, %zu "
                "pass, %d FAIL, %d unsupported\n",
                vt_name(ref), dut_name, dtype_name(dtype), seed, n_run,
                n_run - (size_t)failed - (size_t)unsupported, failed,
                unsupported);
    if (n_failed)
        *n_failed = failed;
    if (n_unsupported)
        *n_unsupported = unsupported;
    if (ds.be)
        dut->destroy(ds.be);
    ref->destroy(rs.be);
    free(cases.v);
    return rc;
}

int pb_opcheck_run(const pb_backend_vtable *ref, const pb_backend_vtable *dut,
                   pb_dtype dtype, uint64_t seed, FILE *table_out,
                   FILE *csv_out, int *n_failed, int *n_unsupported, char *err,
                   size_t err_len)
{
    pb_backend_options opts = {sizeof(pb_backend_options), dtype, 0, NULL};
    return pb_opcheck_run_opts(ref, dut, &opts, seed, table_out, csv_out,
                               n_failed, n_unsupported, err, err_len);
}
