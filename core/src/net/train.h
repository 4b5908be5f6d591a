/* One training run: a net of the given shape on a split, trained by gradient
 * flow on one backend, measured at the end (and at checkpoints when a
 * dynamics file is asked for).  The flags of `phasebench train` map one to
 * one onto pb_train_config. */
#ifndef PB_TRAIN_H
#define PB_TRAIN_H

#include "data.h"
#include "flow.h"
#include "model.h"
#include "report.h"

#include <stdint.h>
#include <stdio.h>

typedef struct pb_train_config {
    char dataset[256];
    size_t d, ptr, pte, ptk;
    size_t L, h;
    pb_act_kind act;
    double act_beta;
    double alpha;
    pb_loss_kind loss;
    double loss_beta, loss_margin;
    double margin_tol;    /* converged also when every margin >= loss_margin - margin_tol (0) */
    double tau_over_h, tau_alpha_crit;
    uint64_t seed_init, seed_data;
    int64_t max_steps;
    double max_time, max_wall;
    int compute_ntk;      /* NTK at w0 and at the end on the kernel set */
    int keep_test_outputs;/* keep the final test outputs o = f - f0 */
} pb_train_config;

/* The authors' settings (docs/physics.md section 12). */
void pb_train_config_default(pb_train_config *c);

/* tau = tau_over_h * h * min(1, tau_alpha_crit / alpha) */
double pb_train_tau(const pb_train_config *c);

typedef struct pb_train_result {
    int ok;                /* 0: the run failed, see error */
    char error[512];
    size_t n_params;
    pb_stop stop;
    pb_flow_state flow;    /* final state (pointers cleared) */
    double wall_s;
    /* training set, final */
    pb_loss_stats train;
    double train_err, train_median_margin;
    int64_t train_nd_tol;  /* #{y F < loss_margin - margin_tol}: N_Delta within the tolerance */
    /* test set, final */
    pb_loss_stats test;
    double test_err, test_out_rms;
    /* weights */
    double w_norm, dw_norm, w0_norm;
    double dw_layer[PB_MAX_LAYERS + 1];
    /* NTK on the kernel set (compute_ntk) */
    double ntk_r, ntk0_norm;
    /* test outputs o = f - f0 (keep_test_outputs), pte values, malloc'd */
    double *test_out;
} pb_train_result;

/* Backend identity recorded in each row. */
typedef struct pb_backend_info {
    const char *name;
    const char *dtype;
    const char *features;   /* "key=value;key=value" */
    int threads;
} pb_backend_info;

/* Refuses, before any work, an alpha the run's dtype cannot carry: alpha
 * or 1/alpha (the loss is divided by alpha) not a finite normal number of
 * the dtype, or alpha * max|f(w0)| (the scale of the margins alpha y f the
 * loss op forms) beyond its largest finite value.  f0_max may be 0 (not yet
 * known).  Returns 0, or -1 with the reason in err. */
int pb_train_check_alpha(double alpha, const char *dtype, double f0_max, char *err,
                         size_t err_len);

/* Checkpoint rows go to dyn (may be NULL).  The flow's state at half the
 * step budget (max_steps / 2) is kept in r->flow.mark_* for the
 * stationarity test of the jamming protocol. */
int pb_train_run(const pb_train_config *c, const pb_split *split, const pb_backend_vtable *vt,
                 pb_backend *be, const pb_backend_info *info, FILE *dyn, pb_train_result *r);
void pb_train_result_free(pb_train_result *r);

/* The declared columns of a run's row (report.h), joined from
 * report/tables.c and the training parameters' columns
 * (pb_params_columns): with battery = 1 those of runs.csv (experiment and
 * role first), with 0 those of `phasebench train`'s row.  Returns 0, or -1
 * with the reason in err (out of memory, a column declared twice).  Free
 * with pb_columns_free. */
int pb_train_columns(pb_columns *out, int battery, char *err, size_t err_len);

/* The CSV row of a run: parameters, then results (empty cells for what a
 * failed run could not measure).  row is declared by pb_train_columns. */
void pb_train_row(const pb_train_config *c, const pb_backend_info *info,
                  const pb_train_result *r, pb_row *row);

const char *pb_loss_name(pb_loss_kind k);
int pb_loss_parse(const char *name, pb_loss_kind *out);

#endif
