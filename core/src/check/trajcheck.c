#include "trajcheck.h"

#include "activation.h"
#include "flow.h"
#include "model.h"
#include "net.h"
#include "report_table.h"
#include "rng.h"
#include "strutil.h"
#include "tables.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { TC_P = 48, TC_D = 6, TC_H = 16, TC_L = 2 };

/* The outputs, t, dt and rejections at every step of one trajectory. */
typedef struct trajectory {
    int n, cap;
    double *o;          /* n x TC_P */
    double *t, *dt;
    int64_t *rejected;
    pb_net_fit fit;
} trajectory;

static pb_status eval(void *ctx, const pb_buf *w, pb_buf *o, pb_buf *g, pb_loss_stats *st)
{
    trajectory *tr = ctx;
    pb_status s = pb_net_eval(&tr->fit, w, o, g, st);
    /* never converge: the check wants K steps.  A finite margin, since a
     * non-finite one stops the flow as nan (flow.h, stop rules). */
    st->min_margin = -DBL_MAX;
    return s;
}

static int record(void *ctx, const pb_flow_state *s)
{
    trajectory *tr = ctx;
    if (s->step != tr->n || tr->n >= tr->cap)
        return 0;
    if (tr->fit.m->vt->buf_download(tr->fit.m->be, s->o, 0, tr->o + (size_t)tr->n * TC_P, TC_P) != PB_OK)
        return -1;
    tr->t[tr->n] = s->t;
    tr->dt[tr->n] = s->dt;
    tr->rejected[tr->n] = s->rejected;
    tr->n++;
    return 0;
}

static int run_one(const pb_backend_vtable *vt, pb_backend *be, int steps, uint64_t seed,
                   trajectory *tr, char *err, size_t err_len)
{
    double x[TC_P * TC_D], y[TC_P];
    pb_rng_normal_fill(seed, PB_STREAM_CHECK + 1, 0, x, TC_P * TC_D);
    for (size_t i = 0; i < TC_P; i++)
        y[i] = x[i * TC_D] * x[i * TC_D + 1] > 0 ? 1.0 : -1.0;
    pb_net net;
    pb_net_spec spec = {.d = TC_D, .h = TC_H, .L = TC_L, .act = pb_act_make(PB_ACT_SWISH, 10.0),
                        .seed = seed, .n_sets = 1, .sets = {{"trajectory set", TC_P, x, y}}};
    if (pb_net_open(&net, vt, be, &spec, err, err_len) != 0) {
        char why[256];
        pb_strcpy_trunc(why, sizeof why, err);
        snprintf(err, err_len, "setting up the trajectory: %s", why);
        return -1;
    }
    tr->fit = (pb_net_fit){&net.m, &net.set[0], {PB_LOSS_SOFTHINGE, 1.0, 1.0, 20.0, 1.0 / TC_P}};
    pb_flow_params p;
    pb_flow_params_default(&p);
    p.max_steps = steps;
    p.ckpt_step = 0; /* a checkpoint at every step */
    pb_flow_problem pr;
    pb_net_flow_problem(&tr->fit, &pr);
    pr.eval = eval;
    pr.ctx = tr;
    pr.checkpoint = record;
    pr.checkpoint_ctx = tr;
    pb_flow_state s;
    int rc = pb_flow_run(&pr, &p, net.w, &s, err, err_len) == PB_STOP_ERROR ? -1 : 0;
    pb_net_close(&net);
    memset(&tr->fit, 0, sizeof tr->fit); /* it pointed into net */
    return rc;
}

static int alloc_traj(trajectory *t, int cap)
{
    memset(t, 0, sizeof *t);
    t->cap = cap;
    t->o = calloc((size_t)cap * TC_P, sizeof *t->o);
    t->t = calloc((size_t)cap, sizeof *t->t);
    t->dt = calloc((size_t)cap, sizeof *t->dt);
    t->rejected = calloc((size_t)cap, sizeof *t->rejected);
    return t->o && t->t && t->dt && t->rejected ? 0 : -1;
}

static void free_traj(trajectory *t)
{
    free(t->o);
    free(t->t);
    free(t->dt);
    free(t->rejected);
}

int pb_trajcheck_run(const pb_backend_vtable *ref_vt, pb_backend *ref_be,
                     const pb_backend_vtable *dut_vt, pb_backend *dut_be, pb_dtype dut_dtype,
                     const char *dut_name, int steps, uint64_t seed, FILE *table_out,
                     FILE *csv_out, pb_trajcheck_summary *sum, char *err, size_t err_len)
{
    trajectory a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(sum, 0, sizeof *sum);
    int rc = -1;
    if (alloc_traj(&a, steps + 1) != 0 || alloc_traj(&b, steps + 1) != 0) {
        snprintf(err, err_len, "out of host memory");
        goto out;
    }
    if (run_one(ref_vt, ref_be, steps, seed, &a, err, err_len) != 0 ||
        run_one(dut_vt, dut_be, steps, seed, &b, err, err_len) != 0)
        goto out;
    const double base = dut_dtype == PB_F64 ? 1e-20 : 1e-7;
    const char *dt_name = dut_dtype == PB_F64 ? "f64" : "f32";
    int n = a.n < b.n ? a.n : b.n;
    /* rows of pb_cols_trajcheck (report/tables.c); appended runs share one header */
    pb_table csv_table;
    if (csv_out)
        pb_table_attach(&csv_table, csv_out, &pb_cols_trajcheck, ftell(csv_out) <= 0);
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    sum->worst_nmse = 0;
    for (int k = 0; k < n; k++) {
        double num = 0, den = 0;
        for (int i = 0; i < TC_P; i++) {
            double r = a.o[(size_t)k * TC_P + i], d = b.o[(size_t)k * TC_P + i];
            num += (d - r) * (d - r);
            den += r * r;
        }
        /* at step 0, o = 0 exactly on every backend */
        double nmse = den > 0 ? num / den : num;
        if (isnan(nmse))
            nmse = INFINITY;
        double tol = base * (1.0 + k);
        int same_path = a.rejected[k] == b.rejected[k];
        const char *status = nmse <= tol ? "pass" : "FAIL";
        if (!same_path && dut_dtype == PB_F64)
            status = "FAIL";
        else if (!same_path)
            status = "diverged-path";
        if (strcmp(status, "FAIL") == 0) {
            if (!sum->failed)
                snprintf(sum->detail, sizeof sum->detail,
                         "step %d: nmse %.3g > %.3g or rejections %lld vs %lld", k, nmse, tol,
                         (long long)a.rejected[k], (long long)b.rejected[k]);
            sum->failed++;
        }
        if (nmse > sum->worst_nmse) {
            sum->worst_nmse = nmse;
            sum->worst_step = k;
        }
        if (csv_out) {
            pb_row row;
            pb_row_init_columns(&row, &pb_cols_trajcheck);
            pb_row_int(&row, "schema_version", PB_TRAJCHECK_SCHEMA_VERSION);
            pb_row_str(&row, "backend", dut_name);
            pb_row_str(&row, "dtype", dt_name);
            pb_row_str(&row, "seed", seed_text);
            pb_row_int(&row, "step", k);
            pb_row_dbl(&row, "nmse", nmse);
            pb_row_dbl(&row, "nmse_tol", tol);
            pb_row_dbl(&row, "t_ref", a.t[k]);
            pb_row_dbl(&row, "t_dut", b.t[k]);
            pb_row_dbl(&row, "dt_ref", a.dt[k]);
            pb_row_dbl(&row, "dt_dut", b.dt[k]);
            pb_row_int(&row, "rejected_ref", a.rejected[k]);
            pb_row_int(&row, "rejected_dut", b.rejected[k]);
            pb_row_str(&row, "status", status);
            int wrc = pb_table_write(&csv_table, &row, err, err_len);
            pb_row_free(&row);
            if (wrc != 0)
                goto out;
        }
        if (!same_path && dut_dtype != PB_F64)
            break; /* the two flows now take different steps */
        sum->steps_compared = k + 1;
    }
    if (n < steps + 1 && !sum->failed) {
        snprintf(sum->detail, sizeof sum->detail, "only %d of %d steps recorded (%d ref, %d dut)", n,
                 steps + 1, a.n, b.n);
        sum->failed = 1;
    }
    if (table_out)
        fprintf(table_out, "trajectory  %-10s %-4s %3d steps  worst nmse %.3g at step %d (tol %.3g "
                           "there)  %s%s%s\n",
                dut_name, dt_name, sum->steps_compared, sum->worst_nmse, sum->worst_step,
                base * (1.0 + sum->worst_step), sum->failed ? "FAIL" : "pass",
                sum->detail[0] ? ": " : "", sum->detail);
    rc = 0;
out:
    free_traj(&a);
    free_traj(&b);
    return rc;
}
