#include "flow.h"

#include "sysutil.h"

#include "pb_pmath.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void pb_flow_params_default(pb_flow_params *p)
{
    memset(p, 0, sizeof *p);
    p->alpha = 1.0;
    p->dt0 = 1.0;
    p->max_dout = 0.1;
    p->max_dgrad = 1e-4;
    p->grow = 1.1;
    p->shrink = 10.0;
    p->stop_margin = 1.0;
    p->frozen_steps = 50;
    p->ckpt_step = 500;
    p->ckpt_tau = 1e4;
}

const char *pb_stop_name(pb_stop s)
{
    static const char *const names[] = {"converged", "max_steps", "max_time", "wall",
                                        "nan",       "zero_grad", "stalled",  "error"};
    return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

int64_t pb_ckpt_next(int64_t t, int64_t step, double tau)
{
    return (int64_t)floor((double)t + 1.0 + (double)step * (1.0 - pb_pm_exp(-(double)t / tau)));
}

/* The stop rules of docs/physics.md section 5.4, checked before every step. */
static int should_stop(const pb_flow_state *s, const pb_flow_params *p, double gg, pb_stop *why)
{
    /* An infinite output makes the margins and the next steps meaningless
     * as surely as a NaN does: both end the run as `nan`. */
    if (s->stats.n_nan > 0 || !isfinite(s->stats.loss) || !isfinite(gg) ||
        !isfinite(s->stats.min_margin) || !isfinite(s->stats.max_margin))
        *why = PB_STOP_NAN;
    else if (s->stats.min_margin > p->stop_margin ||
             (p->margin_tol > 0 && s->stats.min_margin >= p->stop_margin - p->margin_tol))
        *why = PB_STOP_CONVERGED;
    else if (gg == 0.0)
        *why = PB_STOP_ZERO_GRAD;
    else if (p->frozen_steps > 0 && s->frozen >= p->frozen_steps)
        *why = PB_STOP_STALLED;
    else if (p->max_steps > 0 && s->step >= p->max_steps)
        *why = PB_STOP_MAX_STEPS;
    else if (p->max_time > 0 && s->t >= p->max_time)
        *why = PB_STOP_MAX_TIME;
    else if (p->max_wall > 0 && s->wall >= p->max_wall)
        *why = PB_STOP_WALL;
    else if (!(s->dt_next > 1e-300))
        *why = PB_STOP_STALLED; /* dt underflowed: every step was rejected */
    else
        return 0;
    return 1;
}

void pb_flow_bufs_free(const pb_flow_problem *pr, pb_flow_bufs *b)
{
    pb_buf *all[] = {b->w, b->g, b->o, b->v, b->w1, b->g1, b->o1, b->v1};
    for (size_t i = 0; i < 8; i++)
        if (all[i])
            pr->vt->buf_free(pr->be, all[i]);
    memset(b, 0, sizeof *b);
}

pb_status pb_flow_bufs_alloc(const pb_flow_problem *pr, int momentum, pb_flow_bufs *b)
{
    const pb_backend_vtable *vt = pr->vt;
    pb_status st;
    memset(b, 0, sizeof *b);
    if ((st = vt->buf_alloc(pr->be, pr->n_params, &b->w)) ||
        (st = vt->buf_alloc(pr->be, pr->n_params, &b->g)) ||
        (st = vt->buf_alloc(pr->be, pr->n_out, &b->o)) ||
        (st = vt->buf_alloc(pr->be, pr->n_params, &b->w1)) ||
        (st = vt->buf_alloc(pr->be, pr->n_params, &b->g1)) ||
        (st = vt->buf_alloc(pr->be, pr->n_out, &b->o1)))
        return st;
    if (momentum) {
        if ((st = vt->buf_alloc(pr->be, pr->n_params, &b->v)) ||
            (st = vt->buf_alloc(pr->be, pr->n_params, &b->v1)))
            return st;
        if ((st = vt->fill(pr->be, b->v, 0, pr->n_params, 0.0)))
            return st;
    }
    return PB_OK;
}

#define SWAP(a, b)                                                           \
    do {                                                                     \
        pb_buf *t_ = (a);                                                    \
        (a) = (b);                                                           \
        (b) = t_;                                                            \
    } while (0)

/* w1 (and v1) from w, v, g and dt. */
static pb_status tentative_step(const pb_flow_problem *pr, const pb_flow_params *p,
                                pb_flow_bufs *b, double dt)
{
    const pb_backend_vtable *vt = pr->vt;
    size_t n = pr->n_params;
    pb_status st = vt->copy(pr->be, b->w1, 0, b->w, 0, n);
    if (st)
        return st;
    if (p->tau > 0) {
        double e = pb_pm_exp(-dt / p->tau);
        if ((st = vt->axpby(pr->be, n, -(1.0 - e), b->g, 0, 0.0, b->v1, 0)) ||
            (st = vt->axpby(pr->be, n, e, b->v, 0, 1.0, b->v1, 0)))
            return st;
        return vt->axpby(pr->be, n, dt, b->v1, 0, 1.0, b->w1, 0);
    }
    return vt->axpby(pr->be, n, -dt, b->g, 0, 1.0, b->w1, 0);
}

pb_status pb_flow_step_scalars(const pb_backend_vtable *vt, pb_backend *be, size_t n,
                               const pb_buf *g, const pb_buf *g1, size_t m, const pb_buf *o,
                               const pb_buf *o1, double *gg1, double *dist, double *dmax)
{
    if (PB_VT_HAS(vt, step_scalars)) {
        double out[3] = {0, 0, 0};
        pb_status st = vt->step_scalars(be, n, g, 0, g1, 0, m, o, 0, o1, 0, out);
        *gg1 = out[0];
        *dist = out[1];
        *dmax = out[2];
        return st;
    }
    pb_status st = vt->dot(be, n, g1, 0, g1, 0, gg1);
    if (st == PB_OK)
        st = vt->dist2(be, n, g, 0, g1, 0, dist);
    if (st == PB_OK)
        st = vt->max_abs_diff(be, m, o, 0, o1, 0, dmax);
    return st;
}

pb_status pb_flow_start(const pb_flow_problem *pr, pb_flow_bufs *b, const pb_buf *w,
                        pb_loss_stats *stats, double *gg)
{
    pb_status st;
    if ((st = pr->vt->copy(pr->be, b->w, 0, w, 0, pr->n_params)) != PB_OK ||
        (st = pr->eval(pr->ctx, b->w, b->o, b->g, stats)) != PB_OK)
        return st;
    return pr->vt->dot(pr->be, pr->n_params, b->g, 0, b->g, 0, gg);
}

pb_status pb_flow_step(const pb_flow_problem *pr, const pb_flow_params *p, pb_flow_bufs *b,
                       double dt, double gg, pb_flow_trial *out)
{
    const double max_dout = p->max_dout / p->alpha;
    pb_status st;
    if ((st = tentative_step(pr, p, b, dt)) != PB_OK ||
        (st = pr->eval(pr->ctx, b->w1, b->o1, b->g1, &out->stats)) != PB_OK ||
        (st = pb_flow_step_scalars(pr->vt, pr->be, pr->n_params, b->g, b->g1, pr->n_out, b->o,
                                   b->o1, &out->gg1, &out->dist, &out->dmax)) != PB_OK)
        return st;
    out->dout = out->dmax / max_dout;
    out->dgrad = (gg > 0 && out->gg1 > 0) ? out->dist / sqrt(gg * out->gg1) / p->max_dgrad : 0.0;
    return PB_OK;
}

static pb_stop fail(const pb_flow_problem *pr, char *err, size_t err_len, const char *what)
{
    const char *e = pr->vt->last_error(pr->be);
    snprintf(err, err_len, "%s: %s", what, e && *e ? e : "backend error without a message");
    return PB_STOP_ERROR;
}

pb_stop pb_flow_run(const pb_flow_problem *pr, const pb_flow_params *p, pb_buf *w,
                    pb_flow_state *s, char *err, size_t err_len)
{
    const pb_backend_vtable *vt = pr->vt;
    const size_t n = pr->n_params;
    const double t_start = pb_now_s();
    pb_flow_bufs b;
    pb_stop stop = PB_STOP_ERROR;
    double gg = 0.0;

    memset(s, 0, sizeof *s);
    err[0] = '\0';
    if (pb_flow_bufs_alloc(pr, p->tau > 0, &b) != PB_OK) {
        stop = fail(pr, err, err_len, "allocating the flow state");
        goto done;
    }
    if (pb_flow_start(pr, &b, w, &s->stats, &gg) != PB_OK) {
        stop = fail(pr, err, err_len, "evaluating the initial state");
        goto done;
    }
    s->grad_evals = 1;
    s->dt_next = p->dt0;
    s->grad_norm = sqrt(gg);

    int64_t next_ckpt = 0;
    double next_margin = 0.0;
    for (;;) {
        s->w = b.w;
        s->o = b.o;
        s->wall = pb_now_s() - t_start;
        if (should_stop(s, p, gg, &stop))
            break;

        int save = 0;
        if (s->step >= next_ckpt) {
            save = 1;
            while (next_ckpt <= s->step)
                next_ckpt = pb_ckpt_next(next_ckpt, p->ckpt_step, p->ckpt_tau);
        }
        if (s->stats.min_margin > next_margin) {
            save = 1;
            while (s->stats.min_margin > next_margin)
                next_margin += 0.5;
        }
        if (save && pr->checkpoint && pr->checkpoint(pr->checkpoint_ctx, s) != 0) {
            snprintf(err, err_len, "checkpoint hook failed at step %lld", (long long)s->step);
            stop = PB_STOP_ERROR;
            goto done;
        }

        /* One accepted step: shrink dt until the tentative step passes. */
        for (;;) {
            pb_flow_trial tr;
            if (pb_flow_step(pr, p, &b, s->dt_next, gg, &tr) != PB_OK) {
                stop = fail(pr, err, err_len, "evaluating a step");
                goto done;
            }
            s->grad_evals++;
            if (tr.dout < 1.0 && tr.dgrad < 1.0) {
                /* Unchanged outputs are necessary for unchanged weights: only
                 * then is the (rare) comparison of the weights paid for. */
                double dw_max = 1.0;
                if (tr.dmax == 0.0 &&
                    vt->max_abs_diff(pr->be, n, b.w, 0, b.w1, 0, &dw_max) != PB_OK) {
                    stop = fail(pr, err, err_len, "comparing the weights of a step");
                    goto done;
                }
                s->frozen = dw_max == 0.0 ? s->frozen + 1 : 0;
                SWAP(b.w, b.w1);
                SWAP(b.g, b.g1);
                SWAP(b.o, b.o1);
                SWAP(b.v, b.v1);
                s->stats = tr.stats;
                gg = tr.gg1;
                s->grad_norm = sqrt(tr.gg1);
                s->t += s->dt_next;
                s->dt = s->dt_next;
                s->step++;
                s->dout = tr.dout;
                s->dgrad = tr.dgrad;
                if (tr.dout < 0.5 && tr.dgrad < 0.5)
                    s->dt_next *= p->grow;
                if (p->mark_step > 0 && s->step == p->mark_step) {
                    s->mark_reached = 1;
                    s->mark_stats = s->stats;
                    s->mark_t = s->t;
                }
                break;
            }
            s->rejected++;
            s->dt_next /= p->shrink;
            if (!(s->dt_next > 1e-300))
                break;
        }
    }

    s->final = 1;
    s->w = b.w;
    s->o = b.o;
    s->wall = pb_now_s() - t_start;
    if (pr->checkpoint && pr->checkpoint(pr->checkpoint_ctx, s) != 0) {
        snprintf(err, err_len, "checkpoint hook failed at the final step %lld", (long long)s->step);
        stop = PB_STOP_ERROR;
        goto done;
    }
    if (vt->copy(pr->be, w, 0, b.w, 0, n) != PB_OK)
        stop = fail(pr, err, err_len, "copying the final weights");
done:
    s->w = NULL;
    s->o = NULL;
    pb_flow_bufs_free(pr, &b);
    return stop;
}
