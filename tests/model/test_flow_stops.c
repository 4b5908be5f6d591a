/* The stop rules of the flow that guard a run which cannot finish, and the
 * margin tolerance, on one-parameter problems whose outcome is known by hand
 * (output o = w, alpha = 1, max_dout = 0.1):
 *
 *   margin   loss (1 - w)^2 / 2 for w < 1, margin y F = w: gradient flow brings
 *            w to 1 from below and never past it, so the strict rule (every
 *            margin > 1) never fires: the run ends frozen a few ulps below 1
 *            (a step of one ulp changes the tiny gradient by a fraction above
 *            max_dgrad and is rejected; only steps that change nothing pass)
 *            and stops `stalled`; with margin_tol = 1e-6 it stops `converged`
 *            once w >= 1 - 1e-6;
 *   nan      loss w^2 / 2 from w = 1, but NaN once w < 0.5: the run stops
 *            `nan` at the first accepted step below 0.5, and an infinite
 *            loss at w0 stops it at step 0;
 *   frozen   w = 1e20 with gradient 1: an ulp of 1e20 is 16384, so w + dt g
 *            rounds back to w while dt < 8192.  dt starts at 1 and grows by
 *            1.1 per accepted step (dout = dgrad = 0): 1.1^50 = 117 < 8192,
 *            so 50 accepted steps change nothing and the run stops `stalled`
 *            at step 50 (frozen_steps = 50);
 *   mark     the state at mark_step equals the final state of the same flow
 *            stopped at that step.
 * pb_train_check_alpha is checked on the values of the issue (f32 cannot
 * hold 1e39; alpha * max|f0| beyond the dtype). */
#include "flow.h"
#include "pb_test.h"
#include "pb_test_backend.h"
#include "train.h"

#include <math.h>
#include <string.h>

static const pb_backend_vtable *vt;
static pb_backend *be;

typedef enum { PROB_MARGIN, PROB_NAN, PROB_INF0, PROB_FROZEN } prob_kind;

static pb_status eval(void *ctx, const pb_buf *w, pb_buf *o, pb_buf *g, pb_loss_stats *st)
{
    prob_kind k = *(const prob_kind *)ctx;
    double x = 0;
    pb_status s = vt->buf_download(be, w, 0, &x, 1);
    double grad = 0, loss = 0;
    switch (k) {
    case PROB_MARGIN:
        grad = x < 1 ? -(1 - x) : 0;
        loss = x < 1 ? 0.5 * (1 - x) * (1 - x) : 0;
        break;
    case PROB_NAN:
        grad = x;
        loss = x < 0.5 ? NAN : 0.5 * x * x;
        break;
    case PROB_INF0:
        grad = x;
        loss = INFINITY;
        break;
    case PROB_FROZEN:
        grad = 1.0;
        loss = x;
        break;
    }
    if (s == PB_OK)
        s = vt->copy(be, o, 0, w, 0, 1);
    if (s == PB_OK)
        s = vt->buf_upload(be, g, 0, &grad, 1);
    st->loss = loss;
    st->min_margin = k == PROB_MARGIN ? x : -1.0;
    st->max_margin = st->min_margin;
    st->n_unsat = st->min_margin < 1.0;
    st->n_err = 0;
    st->n_nan = 0;
    return s;
}

static pb_stop flow(prob_kind k, double w0, const pb_flow_params *p, pb_flow_state *s, double *wf)
{
    pb_buf *w;
    vt->buf_alloc(be, 1, &w);
    vt->buf_upload(be, w, 0, &w0, 1);
    pb_flow_problem pr = {vt, be, 1, 1, eval, &k, NULL, NULL};
    char err[256];
    pb_stop stop = pb_flow_run(&pr, p, w, s, err, sizeof err);
    vt->buf_download(be, w, 0, wf, 1);
    vt->buf_free(be, w);
    return stop;
}

static void test_margin_tol(void)
{
    pb_flow_params p;
    pb_flow_state s;
    double wf;
    pb_flow_params_default(&p);
    p.max_steps = 20000;
    pb_stop st = flow(PROB_MARGIN, 0.0, &p, &s, &wf);
    CHECK_MSG(st == PB_STOP_STALLED, "stop %s at step %lld, w = %.17g", pb_stop_name(st),
              (long long)s.step, wf);
    CHECK(wf < 1.0 && wf > 1.0 - 1e-12 && s.stats.min_margin < 1.0 && s.step < 20000);
    p.margin_tol = 1e-6;
    CHECK(flow(PROB_MARGIN, 0.0, &p, &s, &wf) == PB_STOP_CONVERGED);
    CHECK_MSG(wf >= 1.0 - 1e-6 && wf < 1.0, "w = %.17g", wf);
    CHECK(s.step < 20000);
    /* The step before the last was still outside the tolerance: the rule
     * stops at the first state inside it, not later. */
    pb_flow_params q = p;
    q.margin_tol = 0.0;
    q.max_steps = s.step - 1;
    double w_prev;
    pb_flow_state s2;
    flow(PROB_MARGIN, 0.0, &q, &s2, &w_prev);
    CHECK(w_prev < 1.0 - 1e-6);
}

static void test_nan_inf(void)
{
    pb_flow_params p;
    pb_flow_state s;
    double wf;
    pb_flow_params_default(&p);
    p.max_steps = 100000;
    CHECK(flow(PROB_NAN, 1.0, &p, &s, &wf) == PB_STOP_NAN);
    CHECK(s.step > 0 && wf < 0.5);
    CHECK(flow(PROB_INF0, 1.0, &p, &s, &wf) == PB_STOP_NAN);
    CHECK(s.step == 0 && wf == 1.0);
}

static void test_frozen(void)
{
    pb_flow_params p;
    pb_flow_state s;
    double wf;
    pb_flow_params_default(&p);
    p.max_steps = 60;
    CHECK(p.frozen_steps == 50);
    CHECK(flow(PROB_FROZEN, 1e20, &p, &s, &wf) == PB_STOP_STALLED);
    CHECK_MSG(s.step == 50 && s.frozen == 50 && wf == 1e20, "step %lld", (long long)s.step);
    /* Without the rule the budget ends it, every step a no-op. */
    p.frozen_steps = 0;
    CHECK(flow(PROB_FROZEN, 1e20, &p, &s, &wf) == PB_STOP_MAX_STEPS);
    CHECK(s.step == 60 && wf == 1e20 && s.frozen == 60);
    /* A moving parameter never counts. */
    pb_flow_params_default(&p);
    p.max_steps = 60;
    CHECK(flow(PROB_FROZEN, 1.0, &p, &s, &wf) == PB_STOP_MAX_STEPS && s.frozen == 0);
}

static void test_mark(void)
{
    pb_flow_params p;
    pb_flow_state s, s_half;
    double wf;
    pb_flow_params_default(&p);
    p.max_steps = 400;
    p.mark_step = 200;
    flow(PROB_MARGIN, 0.0, &p, &s, &wf);
    CHECK(s.mark_reached);
    p.max_steps = 200;
    p.mark_step = 0;
    flow(PROB_MARGIN, 0.0, &p, &s_half, &wf);
    CHECK(!s_half.mark_reached);
    CHECK(s.mark_stats.loss == s_half.stats.loss && s.mark_t == s_half.t);
    CHECK(s.stats.loss < s.mark_stats.loss);
}

static void test_alpha_check(void)
{
    char err[256];
    CHECK(pb_train_check_alpha(1e39, "f32", 0, err, sizeof err) == -1 && strstr(err, "f32"));
    CHECK(pb_train_check_alpha(1e39, "f64", 0, err, sizeof err) == 0);
    CHECK(pb_train_check_alpha(1e-39, "f32", 0, err, sizeof err) == -1);
    /* 1/1e38 is below the smallest normal f32, 1.18e-38 */
    CHECK(pb_train_check_alpha(1e38, "f32", 0, err, sizeof err) == -1);
    CHECK(pb_train_check_alpha(1e37, "f32", 0, err, sizeof err) == 0);
    /* alpha max|f0| = 1e37 * 100 > 3.4e38 */
    CHECK(pb_train_check_alpha(1e37, "f32", 100, err, sizeof err) == -1 && strstr(err, "overflows"));
    CHECK(pb_train_check_alpha(1e37, "f32", 10, err, sizeof err) == 0);
    CHECK(pb_train_check_alpha(1e300, "f64", 1e10, err, sizeof err) == -1);
    CHECK(pb_train_check_alpha(1e300, "f64", 1.0, err, sizeof err) == 0);
    CHECK(pb_train_check_alpha(-1, "f64", 0, err, sizeof err) == -1);
    CHECK(pb_train_check_alpha(INFINITY, "f64", 0, err, sizeof err) == -1);
}

int main(void)
{
    pb_registry reg = {0};
    vt = pb_test_open_backend(&reg, "ref", PB_F64, &be);
    if (!vt)
        return 1;
    test_margin_tol();
    test_nan_inf();
    test_frozen();
    test_mark();
    test_alpha_check();
    vt->destroy(be);
    pb_registry_free(&reg);
    return pb_test_done("test_flow_stops");
}
