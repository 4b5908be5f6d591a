/* The adaptive step on a toy problem whose accept/reject sequence is known
 * by hand: one parameter w, output o = w, gradient g = w (loss w^2/2),
 * w(0) = 1, alpha = 1, so max_dout = 0.1.
 *
 * From dt = 1:  w' = 0      -> dout = 10        reject, dt = 0.1
 *               w' = 0.9    -> dout = 1         reject (not < 1), dt = 0.01
 *               w' = 0.99   -> dgrad = 1e-4/0.99 / 1e-4 = 1.0101  reject, dt = 1e-3
 *               w' = 0.999  -> dout = 0.01, dgrad = 0.01001: accept, both < 1/2: dt = 1.1e-3
 * Then every step is accepted: dgrad = dt^2 / (1 - dt) / 1e-4 stays below
 * 1/2 (dt grows by 1.1) up to dt = 1e-3 * 1.1^20 = 6.73e-3, whose dgrad is
 * 0.4556; the next dt = 7.40e-3 gives dgrad = 0.5518: accepted without
 * growth, and dt stays there.  So after 30 steps: 3 rejections, 33 gradient
 * evaluations after the initial one, dt = 1e-3 * 1.1^21, t = 1e-3 (sum_{k<21} 1.1^k) + 9 dt. */
#include "flow.h"
#include "pb_test.h"
#include "pb_test_backend.h"

static const pb_backend_vtable *vt;
static pb_backend *be;

static pb_status eval(void *ctx, const pb_buf *w, pb_buf *o, pb_buf *g, pb_loss_stats *st)
{
    (void)ctx;
    pb_status s = vt->copy(be, o, 0, w, 0, 1);
    if (s == PB_OK)
        s = vt->copy(be, g, 0, w, 0, 1);
    double v = 0;
    if (s == PB_OK)
        s = vt->dot(be, 1, w, 0, w, 0, &v);
    st->loss = 0.5 * v;
    st->min_margin = -1.0; /* never converged */
    st->max_margin = -1.0;
    st->n_unsat = 1;
    st->n_err = 0;
    st->n_nan = 0;
    return s;
}

static int checkpoints;
static int on_ckpt(void *ctx, const pb_flow_state *s)
{
    (void)ctx;
    (void)s;
    checkpoints++;
    return 0;
}

int main(void)
{
    pb_registry reg = {0};
    vt = pb_test_open_backend(&reg, "ref", PB_F64, &be);
    if (!vt)
        return 1;
    pb_buf *w;
    vt->buf_alloc(be, 1, &w);
    double one = 1.0;
    vt->buf_upload(be, w, 0, &one, 1);
    pb_flow_problem pr = {vt, be, 1, 1, eval, NULL, on_ckpt, NULL};
    pb_flow_params p;
    pb_flow_params_default(&p);
    p.max_steps = 30;
    pb_flow_state s;
    char err[256];
    pb_stop stop = pb_flow_run(&pr, &p, w, &s, err, sizeof err);
    CHECK(stop == PB_STOP_MAX_STEPS);
    CHECK(s.step == 30);
    CHECK_MSG(s.rejected == 3, "rejected %lld", (long long)s.rejected);
    CHECK(s.grad_evals == 34); /* the initial evaluation + 33 tentative steps */
    double dt = 1e-3, t = 0;
    for (int k = 0; k < 21; k++) {
        t += dt;
        dt *= 1.1;
    }
    for (int k = 21; k < 30; k++)
        t += dt;
    CHECK_CLOSE(s.dt, dt, 1e-14);      /* the last accepted dt */
    CHECK_CLOSE(s.dt_next, dt, 1e-14); /* dgrad > 1/2 there: no further growth */
    CHECK_CLOSE(s.t, t, 1e-15);
    double wf = 0;
    vt->buf_download(be, w, 0, &wf, 1);
    CHECK_CLOSE(wf, exp(-t), 1e-3); /* Euler on dw/dt = -w */
    /* steps 0, 1, 2, ... follow the checkpoint schedule, plus the final */
    CHECK(checkpoints > 2);

    /* The schedule itself: dense at first, then every ~501 steps. */
    CHECK(pb_ckpt_next(0, 500, 1e4) == 1);
    CHECK(pb_ckpt_next(1, 500, 1e4) == 2);
    CHECK(pb_ckpt_next(100000, 500, 1e4) == 100500); /* floor(100001 + 499.977) */

    /* A budget in flow time stops on time. */
    vt->buf_upload(be, w, 0, &one, 1);
    p.max_steps = 0;
    p.max_time = 0.05;
    stop = pb_flow_run(&pr, &p, w, &s, err, sizeof err);
    CHECK(stop == PB_STOP_MAX_TIME);
    CHECK(s.t >= 0.05 && s.t < 0.05 + 0.0075);

    vt->buf_free(be, w);
    vt->destroy(be);
    pb_registry_free(&reg);
    return pb_test_done("test_flow_steps");
}
