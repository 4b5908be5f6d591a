/* Internal: the state behind the experiment service table, shared by the
 * battery driver (battery_run.c) and the services (exp_services.c). */
#ifndef PB_EXP_CTX_H
#define PB_EXP_CTX_H

#include "phasebench/experiment.h"

#include "battery_file.h"
#include "battery_run.h"
#include "battery_units.h"
#include "data.h"
#include "platform.h"
#include "loader.h"
#include "report.h"
#include "report_table.h"
#include "session.h"
#include "train.h"

#include <stdint.h>

/* The passes the driver makes over the experiment plugins (battery_run.c):
 * the report pass writes the run folder's tables from recorded unit results
 * (computing whatever is missing); the discovery pass finds the units, every
 * call answered by a placeholder; the work pass computes one unit (others
 * answered by placeholders) and writes nothing but its unit file. */
typedef enum pb_pass { PB_PASS_REPORT = 0, PB_PASS_DISCOVER = 1, PB_PASS_WORK = 2 } pb_pass;

/* The backend a run's rows and manifest name, kept apart from the session
 * (which a parent with worker processes does not hold open). */
typedef struct pb_run_ident {
    char backend[64];
    char dtype[8];
    char features[1024];
    int threads;
    int have;
} pb_run_ident;

/* What lives for the whole battery. */
typedef struct pb_bat_runner {
    const pb_run_options *opt;
    pb_battery bat;
    pb_session session;       /* not opened in a dry run */
    int have_session;
    pb_table runs, claims;
    pb_columns runs_cols;     /* runs.csv's declared columns (pb_train_columns) */
    /* the last pool and split, reused while the key matches */
    pb_pool pool;
    char pool_key[512];
    int have_pool;
    pb_split split;
    char split_key[640];
    int have_split;
    char split_fp[65];        /* SHA-256 of split (platform.h) */
    pb_data_prints prints;    /* fingerprints of every split used (report pass) */
    /* progress */
    int64_t runs_total, runs_done, runs_failed;
    /* keys any experiment asked for during planning (for the [defaults]
     * check and "did you mean"); the strings belong to the plugins */
    const char *asked[512];
    size_t n_asked;
    /* the experiment plugins of the battery, for the manifest */
    const pb_plugin *exp_plugins[64];
    size_t n_exp_plugins;
    double t_start;
    pb_run_summary *sum;
    /* units of work */
    pb_pass pass;
    pb_units units;
    pb_unit *target;          /* PB_PASS_WORK: the unit being computed */
    pb_run_ident ident;
    int jobs;                 /* worker processes in use */
    int inline_calls;         /* report pass: calls computed outside any planned unit */
} pb_bat_runner;

/* Opens r->session (r->opt's backend, dtype, threads, device) if it is not
 * open, and fills r->ident.  Returns 0, or -1 with a message. */
int pb_bat_need_session(pb_bat_runner *r, char *err, size_t err_len);

/* Loads the dataset and split of `spec` into r's cache (before forking
 * workers, so that they share it).  Returns 0 or -1 with a message. */
int pb_exp_preload(pb_bat_runner *r, const pb_run_spec *spec, char *err, size_t err_len);

/* What lives for one experiment section. */
struct pb_exp_ctx {
    pb_bat_runner *run;
    const pb_bat_section *sec;
    const char *name;
    unsigned abi_minor;       /* the plugin's declared minor version */
    size_t section;           /* index among the battery's experiment sections */
    char unit_key[200];       /* the unit the plugin declared (svc->unit), or "" */
    int planning;             /* plan(): training is refused */
    int failed;
    char error[1024];
    const char *accessed[256];/* keys read so far (for the unknown-key check) */
    size_t n_accessed;
    const char *asked[256];   /* keys asked for, present or not ("did you mean") */
    size_t n_asked;
    /* run_defaults' training config, for the plan-time check of the data */
    pb_train_config base;
    int have_base;
    /* per entry of pb_params: 1 when the section (or [defaults]) holds a
     * list there, 2 once the experiment read it as a list (it varies it);
     * the largest value read, for the plan-time check of the data */
    unsigned char listed[64];
    double list_max[64];
    double *lists[64];        /* lists handed out, freed at the end */
    size_t n_lists;
    pb_table table;           /* <name>.csv */
    pb_row row;               /* the row being filled */
    double *test_out, *test_y;/* last run's test outputs */
    size_t placeholder_n;     /* test_out/test_y hold placeholder outputs of this length */
    int target_seen;          /* work pass: the target unit's calls have begun */
    double *km_out;
};

/* The service table (exp_services.c). */
extern const pb_services pb_exp_services;

/* abi_minor: the minor version the experiment plugin declared, which says
 * how the services read its structs' struct_size (exp_services.c). */
void pb_exp_ctx_init(pb_exp_ctx *x, pb_bat_runner *run, const pb_bat_section *sec,
                     unsigned abi_minor);
void pb_exp_ctx_free(pb_exp_ctx *x);
/* Keys of the section itself that nobody read: FILE:LINE message, or 0. */
int pb_exp_check_unread(pb_exp_ctx *x, char *err, size_t err_len);
void pb_exp_fail(pb_exp_ctx *x, const char *fmt, ...);
/* After plan(): every training key that holds several values is varied by
 * the experiment, and the data of its runs exists and is large enough
 * (pb_data_check).  FILE:LINE message, or 0. */
int pb_exp_check_plan(pb_exp_ctx *x, char *err, size_t err_len);

#endif
