#include "train.h"

#include "activation.h"
#include "build_info.h"
#include "net.h"
#include "strutil.h"
#include "sysutil.h"
#include "tables.h"
#include "train_params.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const loss_names[] = {"softhinge", "hinge", "qhinge"};

const char *pb_loss_name(pb_loss_kind k)
{
    return (unsigned)k < 3 ? loss_names[k] : "?";
}

int pb_loss_parse(const char *name, pb_loss_kind *out)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, loss_names[k]) == 0) {
            *out = (pb_loss_kind)k;
            return 0;
        }
    return -1;
}

void pb_train_config_default(pb_train_config *c)
{
    memset(c, 0, sizeof *c);
    pb_strcpy_trunc(c->dataset, sizeof c->dataset, "fashion");
    c->d = 10;
    c->ptr = 5000;
    c->pte = 40000;
    c->ptk = 2500;
    c->L = 2;
    c->h = 100;
    c->act = PB_ACT_SWISH;
    c->act_beta = 10.0;
    c->alpha = 1.0;
    c->loss = PB_LOSS_SOFTHINGE;
    c->loss_beta = 20.0;
    c->loss_margin = 1.0;
    c->tau_over_h = 0.0;
    c->tau_alpha_crit = 1e3;
    c->max_steps = 1000000;
}

double pb_train_tau(const pb_train_config *c)
{
    double r = c->tau_alpha_crit / c->alpha;
    return c->tau_over_h * (double)c->h * (r < 1.0 ? r : 1.0);
}

int pb_train_check_alpha(double alpha, const char *dtype, double f0_max, char *err,
                         size_t err_len)
{
    int f32 = dtype && strcmp(dtype, "f32") == 0;
    double big = f32 ? (double)FLT_MAX : DBL_MAX, tiny = f32 ? (double)FLT_MIN : DBL_MIN;
    const char *name = f32 ? "f32" : "f64";
    if (!(alpha > 0) || !isfinite(alpha)) {
        snprintf(err, err_len, "alpha = %g: must be a positive finite number", alpha);
        return -1;
    }
    if (alpha > big || alpha < tiny || 1.0 / alpha > big || 1.0 / alpha < tiny) {
        snprintf(err, err_len,
                 "refused: alpha = %g (or 1/alpha, by which the loss is divided) is not a finite "
                 "normal %s number (range %g..%g)", alpha, name, tiny, big);
        return -1;
    }
    if (f0_max > 0 && !(alpha * f0_max <= big)) {
        snprintf(err, err_len,
                 "refused: alpha * max|f(w0)| = %g * %g overflows %s (largest finite %g)", alpha,
                 f0_max, name, big);
        return -1;
    }
    return 0;
}

/* Everything one run holds on the device. */
typedef struct run_ctx {
    const pb_train_config *c;
    pb_net net;
    const pb_model *m;              /* &net.m */
    pb_net_fit fit;                 /* the training objective */
    pb_loss loss_test;
    pb_batch *train, *test, *kernel; /* net.set[0..2] */
    pb_buf *w, *w0;                 /* net.w, net.w0 */
    FILE *dyn;
    pb_row dyn_row;         /* declared by dyn_cols, made at the first checkpoint */
    pb_columns dyn_cols;
    int dyn_header_done;
    char hook_error[256];   /* why a checkpoint row could not be written */
} run_ctx;

/* Test outputs o = f - f0 at w into test.out, and their loss stats. */
static pb_status eval_test(run_ctx *x, const pb_buf *w, pb_loss_stats *stats)
{
    pb_status st = pb_model_outputs(x->m, w, x->test);
    stats->struct_size = sizeof *stats; /* the ABI's struct_size rule: the caller's size */
    if (st == PB_OK)
        st = x->m->vt->loss(x->m->be, &x->loss_test, x->test->n, x->test->out, 0, x->test->y, 0, NULL,
                           0, stats);
    return st;
}

static pb_status weight_norms(run_ctx *x, const pb_buf *w, double *wn, double *dwn,
                              double *dw_layer)
{
    const pb_backend_vtable *vt = x->m->vt;
    double a = 0, b = 0;
    pb_status st = vt->dot(x->m->be, x->m->n_params, w, 0, w, 0, &a);
    if (st == PB_OK)
        st = vt->dist2(x->m->be, x->m->n_params, w, 0, x->w0, 0, &b);
    *wn = sqrt(a);
    *dwn = sqrt(b);
    for (size_t i = 0; st == PB_OK && dw_layer && i <= x->m->L; i++) {
        double dl = 0;
        st = vt->dist2(x->m->be, x->m->rows[i] * x->m->fan_in[i], w, x->m->off[i], x->w0,
                       x->m->off[i], &dl);
        dw_layer[i] = sqrt(dl);
    }
    return st;
}

/* The dynamics file's columns (report/tables.c): one dw_norm_l per weight
 * layer of this net, l = 0..L. */
static int dyn_columns(run_ctx *x)
{
    pb_columns layers = pb_cols_dyn_layers;
    if (layers.n < x->m->L + 1) {
        snprintf(x->hook_error, sizeof x->hook_error,
                 "the dynamics CSV declares %zu dw_norm_l columns, the net has %zu layers",
                 layers.n, x->m->L + 1);
        return -1;
    }
    layers.n = x->m->L + 1;
    const pb_columns *parts[] = {&pb_cols_dyn_head, &layers, &pb_cols_dyn_tail};
    if (pb_columns_join(&x->dyn_cols, "dynamics CSV", parts, 3, x->hook_error,
                        sizeof x->hook_error) != 0)
        return -1;
    pb_row_init_columns(&x->dyn_row, &x->dyn_cols);
    return 0;
}

static int dynamics_row(void *vctx, const pb_flow_state *s)
{
    run_ctx *x = vctx;
    if (!x->dyn)
        return 0;
    pb_loss_stats te = {.struct_size = sizeof te, .loss = NAN, .min_margin = NAN, .max_margin = NAN};
    double wn, dwn, dwl[PB_MAX_LAYERS + 1];
    if ((x->test->n && eval_test(x, s->w, &te) != PB_OK) ||
        weight_norms(x, s->w, &wn, &dwn, dwl) != PB_OK) {
        snprintf(x->hook_error, sizeof x->hook_error, "checkpoint at step %lld: %s",
                 (long long)s->step, pb_model_error(x->m));
        return -1;
    }
    double P = (double)x->train->n, Pt = (double)x->test->n;
    if (!x->dyn_header_done && dyn_columns(x) != 0)
        return -1;
    pb_row *r = &x->dyn_row;
    pb_row_int(r, "step", s->step);
    pb_row_dbl(r, "t", s->t);
    pb_row_dbl(r, "dt", s->dt);
    pb_row_dbl(r, "dout", s->dout);
    pb_row_dbl(r, "dgrad", s->dgrad);
    pb_row_int(r, "grad_evals", s->grad_evals);
    pb_row_dbl(r, "wall_s", s->wall);
    pb_row_dbl(r, "grad_norm", s->grad_norm);
    pb_row_dbl(r, "w_norm", wn);
    pb_row_dbl(r, "dw_norm", dwn);
    for (size_t i = 0; i <= x->m->L && i < pb_cols_dyn_layers.n; i++)
        pb_row_dbl(r, pb_cols_dyn_layers.col[i].name, dwl[i]);
    pb_row_dbl(r, "train_loss", s->stats.loss);
    pb_row_dbl(r, "train_aloss", s->stats.loss * x->c->alpha);
    pb_row_dbl(r, "train_err", (double)s->stats.n_err / P);
    pb_row_int(r, "train_nd", s->stats.n_unsat);
    pb_row_dbl(r, "train_min_margin", s->stats.min_margin);
    pb_row_dbl(r, "train_max_margin", s->stats.max_margin);
    if (x->test->n) {
        pb_row_dbl(r, "test_loss", te.loss);
        pb_row_dbl(r, "test_err", (double)te.n_err / Pt);
        pb_row_int(r, "test_nd", te.n_unsat);
        pb_row_dbl(r, "test_min_margin", te.min_margin);
    }
    pb_row_int(r, "final", s->final);
    if (pb_row_check(r, x->hook_error, sizeof x->hook_error) != 0)
        return -1;
    if (!x->dyn_header_done) {
        pb_row_write_header(x->dyn, r);
        x->dyn_header_done = 1;
    }
    pb_row_write(x->dyn, r);
    if (ferror(x->dyn)) {
        snprintf(x->hook_error, sizeof x->hook_error, "writing the dynamics file failed");
        return -1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define FAIL(...)                                                            \
    do {                                                                     \
        snprintf(r->error, sizeof r->error, __VA_ARGS__);                    \
        goto out;                                                            \
    } while (0)

#define DEV(call, what)                                                      \
    do {                                                                     \
        if ((call) != PB_OK)                                                 \
            FAIL("%s: %s", what, pb_model_error(x.m));                      \
    } while (0)

int pb_train_run(const pb_train_config *c, const pb_split *split, const pb_backend_vtable *vt,
                 pb_backend *be, const pb_backend_info *info, FILE *dyn, pb_train_result *r)
{
    double t0 = pb_now_s();
    run_ctx x;
    double *obuf = NULL;
    pb_buf *theta0 = NULL, *theta = NULL;
    memset(&x, 0, sizeof x);
    memset(r, 0, sizeof *r);
    r->stop = PB_STOP_ERROR;
    r->ntk_r = NAN;
    r->ntk0_norm = NAN;
    x.c = c;
    x.dyn = dyn;
    pb_row_init(&x.dyn_row);

    if (split->train.n != c->ptr || split->test.n != c->pte || split->kernel.n != c->ptk)
        FAIL("split sizes %zu/%zu/%zu differ from ptr/pte/ptk %zu/%zu/%zu", split->train.n,
             split->test.n, split->kernel.n, c->ptr, c->pte, c->ptk);
    if (c->ptr == 0)
        FAIL("ptr = 0: the training set is empty");
    char err[256];
    if (pb_train_check_alpha(c->alpha, info ? info->dtype : NULL, 0.0, err, sizeof err) != 0)
        FAIL("%s", err);
    pb_net_spec spec = {.d = split->train.d, .h = c->h, .L = c->L,
                        .act = pb_act_make(c->act, c->act_beta), .seed = c->seed_init,
                        .keep_w0 = 1, .n_sets = 3,
                        .sets = {{"training set", c->ptr, split->train.x, split->train.y},
                                 {"test set", c->pte, split->test.x, split->test.y},
                                 {"kernel set", c->compute_ntk ? c->ptk : 0, split->kernel.x,
                                  split->kernel.y}}};
    int opened = pb_net_open(&x.net, vt, be, &spec, err, sizeof err);
    r->n_params = x.net.m.n_params;
    if (opened != 0)
        FAIL("%s", err);
    x.m = &x.net.m;
    x.w = x.net.w;
    x.w0 = x.net.w0;
    x.train = &x.net.set[0];
    x.test = &x.net.set[1];
    x.kernel = &x.net.set[2];
    x.fit = (pb_net_fit){x.m, x.train,
                         {c->loss, c->alpha, c->loss_margin, c->loss_beta, 1.0 / (double)c->ptr}};
    x.loss_test = x.fit.loss;
    x.loss_test.scale = c->pte ? 1.0 / (double)c->pte : 0.0;

    {
        /* The margins alpha y f are formed in the dtype: refuse before the
         * flow when their scale overflows it. */
        double f0_max = 0.0;
        pb_buf *zero = NULL;
        DEV(vt->buf_alloc(be, c->ptr, &zero), "allocating a scratch buffer");
        pb_status st0 = vt->fill(be, zero, 0, c->ptr, 0.0);
        if (st0 == PB_OK)
            st0 = vt->max_abs_diff(be, c->ptr, x.train->f0, 0, zero, 0, &f0_max);
        vt->buf_free(be, zero);
        DEV(st0, "max |f(w0)|");
        if (pb_train_check_alpha(c->alpha, info ? info->dtype : NULL, f0_max, err, sizeof err))
            FAIL("%s", err);
    }
    if (c->compute_ntk && c->ptk) {
        DEV(vt->buf_alloc(be, c->ptk * c->ptk, &theta0), "allocating the NTK");
        DEV(vt->buf_alloc(be, c->ptk * c->ptk, &theta), "allocating the NTK");
        DEV(pb_model_ntk(x.m, x.w0, x.kernel, theta0), "NTK at w0");
        double n0 = 0;
        DEV(vt->dot(be, c->ptk * c->ptk, theta0, 0, theta0, 0, &n0), "NTK norm");
        r->ntk0_norm = sqrt(n0);
    }

    pb_flow_params fp;
    pb_flow_params_default(&fp);
    fp.alpha = c->alpha;
    fp.tau = pb_train_tau(c);
    fp.stop_margin = c->loss_margin;
    fp.margin_tol = c->margin_tol;
    fp.mark_step = c->max_steps > 1 ? c->max_steps / 2 : 0;
    fp.max_steps = c->max_steps;
    fp.max_time = c->max_time;
    fp.max_wall = c->max_wall;
    pb_flow_problem pr;
    pb_net_flow_problem(&x.fit, &pr);
    pr.checkpoint = dyn ? dynamics_row : NULL;
    pr.checkpoint_ctx = &x;
    char ferr[512];
    r->stop = pb_flow_run(&pr, &fp, x.w, &r->flow, ferr, sizeof ferr);
    if (r->stop == PB_STOP_ERROR)
        FAIL("%s", x.hook_error[0] ? x.hook_error : ferr); /* the hook's reason is the cause */
    r->train = r->flow.stats;
    r->train_err = (double)r->train.n_err / (double)c->ptr;

    /* Median margin of the final training outputs: one download at the end. */
    obuf = malloc((c->ptr > c->pte ? c->ptr : c->pte) * sizeof *obuf);
    if (!obuf)
        FAIL("out of host memory");
    DEV(pb_model_outputs(x.m, x.w, x.train), "final outputs (train)");
    DEV(vt->buf_download(be, x.train->out, 0, obuf, c->ptr), "downloading outputs");
    for (size_t i = 0; i < c->ptr; i++)
        obuf[i] *= c->alpha * split->train.y[i];
    qsort(obuf, c->ptr, sizeof *obuf, cmp_double);
    {
        double thr = c->loss_margin - c->margin_tol;
        size_t k = 0;
        while (k < c->ptr && obuf[k] < thr)
            k++;
        r->train_nd_tol = (int64_t)k;
    }
    r->train_median_margin = c->ptr % 2 ? obuf[c->ptr / 2]
                                        : 0.5 * (obuf[c->ptr / 2 - 1] + obuf[c->ptr / 2]);

    if (c->pte) {
        DEV(eval_test(&x, x.w, &r->test), "final outputs (test)");
        r->test_err = (double)r->test.n_err / (double)c->pte;
        double ss = 0;
        DEV(vt->dot(be, c->pte, x.test->out, 0, x.test->out, 0, &ss), "test output norm");
        r->test_out_rms = c->alpha * sqrt(ss / (double)c->pte);
        if (c->keep_test_outputs) {
            r->test_out = malloc(c->pte * sizeof *r->test_out);
            if (!r->test_out)
                FAIL("out of host memory");
            DEV(vt->buf_download(be, x.test->out, 0, r->test_out, c->pte), "downloading outputs");
        }
    } else {
        r->test_err = NAN;
        r->test_out_rms = NAN;
        r->test.loss = NAN;
        r->test.min_margin = NAN;
    }
    DEV(weight_norms(&x, x.w, &r->w_norm, &r->dw_norm, r->dw_layer), "weight norms");
    double w0n = 0;
    DEV(vt->dot(be, x.m->n_params, x.w0, 0, x.w0, 0, &w0n), "weight norms");
    r->w0_norm = sqrt(w0n);

    if (theta) {
        DEV(pb_model_ntk(x.m, x.w, x.kernel, theta), "final NTK");
        double d2 = 0;
        DEV(vt->dist2(be, c->ptk * c->ptk, theta, 0, theta0, 0, &d2), "NTK change");
        r->ntk_r = sqrt(d2) / r->ntk0_norm;
    }
    r->ok = 1;
out:
    r->wall_s = pb_now_s() - t0;
    if (theta0)
        vt->buf_free(be, theta0);
    if (theta)
        vt->buf_free(be, theta);
    pb_net_close(&x.net);
    pb_row_free(&x.dyn_row);
    pb_columns_free(&x.dyn_cols);
    free(obuf);
    return r->ok ? 0 : -1;
}

void pb_train_result_free(pb_train_result *r)
{
    free(r->test_out);
    r->test_out = NULL;
}

int pb_train_columns(pb_columns *out, int battery, char *err, size_t err_len)
{
    pb_column params[64];
    pb_columns pc = {"runs.csv", params, pb_params_columns(params, 64), NULL, 0};
    const pb_columns *parts[] = {&pb_cols_runs_lead, &pb_cols_train_head, &pc,
                                 &pb_cols_train_result};
    return battery ? pb_columns_join(out, "runs.csv", parts, 4, err, err_len)
                   : pb_columns_join(out, "train row", parts + 1, 3, err, err_len);
}

/* A declared row starts empty: a column left unset (a failed run's
 * results, a test set's columns when pte = 0) is written as an empty
 * cell. */
void pb_train_row(const pb_train_config *c, const pb_backend_info *info,
                  const pb_train_result *r, pb_row *row)
{
    pb_row_int(row, "schema_version", PB_SCHEMA_VERSION);
    pb_row_str(row, "backend", info->name);
    pb_row_str(row, "dtype", info->dtype);
    pb_row_int(row, "threads", info->threads);
    pb_params_row(c, row); /* the parameter columns, from the one table */
    pb_row_int(row, "N", (int64_t)r->n_params);
    pb_row_str(row, "stop_reason", r->ok ? pb_stop_name(r->stop) : "error");
    pb_row_dbl(row, "wall_s", r->wall_s);
    if (r->ok) {
        pb_row_int(row, "steps", r->flow.step);
        pb_row_int(row, "grad_evals", r->flow.grad_evals);
        pb_row_int(row, "rejected", r->flow.rejected);
        pb_row_dbl(row, "t", r->flow.t);
        pb_row_dbl(row, "dt", r->flow.dt);
        pb_row_dbl(row, "train_loss", r->train.loss);
        pb_row_dbl(row, "train_aloss", r->train.loss * c->alpha);
        pb_row_dbl(row, "train_err", r->train_err);
        /* A run that ended on NaN/Inf has no count of unsatisfied margins
         * (NaN margins compare false): never write it as N_Delta = 0. */
        if (r->stop != PB_STOP_NAN) {
            pb_row_int(row, "train_nd", r->train.n_unsat);
            pb_row_dbl(row, "train_nd_frac_N", (double)r->train.n_unsat / (double)r->n_params);
            pb_row_int(row, "train_nd_tol", r->train_nd_tol);
        }
        pb_row_dbl(row, "train_min_margin", r->train.min_margin);
        pb_row_dbl(row, "train_median_margin", r->train_median_margin);
        pb_row_dbl(row, "train_max_margin", r->train.max_margin);
        /* pte = 0: there is no test set, and its columns stay empty (never nan). */
        if (c->pte) {
            pb_row_dbl(row, "test_err", r->test_err);
            pb_row_dbl(row, "test_loss", r->test.loss);
            pb_row_int(row, "test_nd", r->test.n_unsat);
        }
        pb_row_dbl(row, "w_norm", r->w_norm);
        pb_row_dbl(row, "dw_norm", r->dw_norm);
        pb_row_dbl(row, "dw_rel", r->dw_norm / r->w0_norm);
        if (c->pte)
            pb_row_dbl(row, "out_norm", r->test_out_rms);
        if (!isnan(r->ntk_r))
            pb_row_dbl(row, "ntk_r", r->ntk_r);
        if (r->flow.mark_reached) {
            pb_row_int(row, "half_step", c->max_steps / 2);
            pb_row_dbl(row, "half_train_loss", r->flow.mark_stats.loss);
            pb_row_int(row, "half_train_nd", r->flow.mark_stats.n_unsat);
        }
    }
    pb_row_str(row, "error", r->ok ? "" : r->error);
    pb_row_str(row, "features", info->features);
    pb_row_str(row, "build_commit", PB_BUILD_COMMIT);
}
