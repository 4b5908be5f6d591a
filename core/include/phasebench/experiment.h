/*
 * phasebench experiment plugin ABI.
 *
 * An experiment plugin measures one thing of the paper (the jamming
 * transition, the kernel limit, ensemble averaging).  It exports two
 * symbols, checked the same way as a backend's (see backend.h):
 *
 *   const pb_experiment_abi_desc PB_EXPERIMENT_DESC_SYMBOL;   (plain data)
 *   const pb_experiment_vtable *PB_EXPERIMENT_ENTRY_SYMBOL(void);
 *
 * The plugin never sees a backend, a dataset file or a report file: the core
 * hands it a service table (pb_services) to read its battery keys, ask for
 * training runs and kernel machines, write rows of its own table and judge
 * the paper's claims.  A plugin built out of tree against this header (see
 * pkg-config phasebench) works the same as one in the tree.
 *
 * Versioning as for backends: the tables begin with their size, minor
 * versions only append, a member is used only when the table is long enough
 * and the pointer is set (PB_HAS).
 *
 * struct_size, both ways (docs/architecture.md section 6.3): the CALLER sets
 * struct_size to the size it was compiled with and the CALLEE reads and
 * writes only the members that size covers (PB_SIZE_COVERS), never changing
 * struct_size.  The core is the caller of the plugin's vtable (which the
 * plugin fills with its own size) and hands it pb_services with the core's
 * size; the plugin is the caller of run_defaults, train and kernel_machine:
 * it sets struct_size of the pb_run_spec and of the pb_run_result or
 * pb_km_result it passes (pbx_base_spec, pbx_train do), and the core reads
 * and fills no byte beyond.  A struct shorter than ABI 1.0's is refused (the
 * service fails with the reason).  For a plugin of ABI 1.0 or 1.1, whose
 * contract said the core fills struct_size, the core takes the sizes of the
 * plugin's declared minor version instead and writes them into struct_size.
 *
 * Every service that can fail returns 0 on success and -1 on failure; the
 * reason has then been recorded by the core (and shows in the run's report),
 * so the plugin only needs to stop or carry on.  A failed training run is
 * not a failure of the service: it comes back with ok = 0 and its reason.
 */
#ifndef PHASEBENCH_EXPERIMENT_H
#define PHASEBENCH_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_EXPERIMENT_ABI_MAGIC 0x70624558u /* "pbEX" */
#define PB_EXPERIMENT_ABI_MAJOR 1u
#define PB_EXPERIMENT_ABI_MINOR 2u

#define PB_EXPERIMENT_DESC_SYMBOL pb_experiment_desc
#define PB_EXPERIMENT_ENTRY_SYMBOL pb_experiment_entry
#define PB_EXPERIMENT_DESC_NAME "pb_experiment_desc"
#define PB_EXPERIMENT_ENTRY_NAME "pb_experiment_entry"

#ifndef PB_EXPORT
#if defined(_WIN32)
#define PB_EXPORT __declspec(dllexport)
#else
#define PB_EXPORT __attribute__((visibility("default")))
#endif
#endif

typedef struct pb_experiment_abi_desc {
    uint32_t magic;        /* PB_EXPERIMENT_ABI_MAGIC */
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t desc_size;    /* sizeof(pb_experiment_abi_desc) */
    uint32_t vtable_size;  /* sizeof(pb_experiment_vtable) */
    uint32_t services_size;/* sizeof(pb_services) the plugin was built with */
    uint8_t sizeof_float, sizeof_double, sizeof_size_t, sizeof_pointer;
    const char *name;      /* "jamming", "kernel", "ensemble" */
} pb_experiment_abi_desc;

#define PB_EXPERIMENT_DESC_INIT(NAME)                                        \
    {PB_EXPERIMENT_ABI_MAGIC, PB_EXPERIMENT_ABI_MAJOR, PB_EXPERIMENT_ABI_MINOR, \
     (uint32_t)sizeof(pb_experiment_abi_desc), (uint32_t)sizeof(pb_experiment_vtable), \
     (uint32_t)sizeof(pb_services), (uint8_t)sizeof(float), (uint8_t)sizeof(double), \
     (uint8_t)sizeof(size_t), (uint8_t)sizeof(void *), NAME}

/* Opaque handle of one experiment section being run. */
typedef struct pb_exp_ctx pb_exp_ctx;

/* ------------------------------------------------------------------------ */
/* Training runs                                                            */

/* One training run.  Start from svc->run_defaults(), which fills the
 * battery's [defaults] and the experiment section's training keys (every
 * member below but struct_size and the want_ flags: each is the battery key
 * of the same name, declared once in the core's parameter table,
 * docs/architecture.md §7.1), then change what the experiment varies.  Set
 * struct_size before run_defaults (it fills only what that size covers). */
typedef struct pb_run_spec {
    uint32_t struct_size;     /* sizeof(pb_run_spec) of the plugin, set by the plugin */
    char dataset[256];
    size_t d, ptr, pte, ptk;
    size_t L, h;
    char act[16];
    double act_beta;
    double alpha;
    char loss[16];
    double loss_beta, loss_margin;
    double tau_over_h, tau_alpha_crit;
    uint64_t seed_init, seed_data;
    int64_t max_steps;
    double max_time;
    int want_ntk;             /* measure r = |Theta_T - Theta_0| / |Theta_0| on the kernel set */
    int want_test_outputs;    /* return the final test outputs */
    /* ABI 1.1 (read by the core only when struct_size covers it) */
    double margin_tol;        /* converged also when every y F >= loss_margin - margin_tol (0: strict) */
} pb_run_spec;

/* What svc->train hands back: the members struct_size (set by the plugin
 * before the call) covers. */
typedef struct pb_run_result {
    uint32_t struct_size;     /* sizeof(pb_run_result) of the plugin, set by the plugin */
    int ok;                   /* 0: the run failed; `error` says why */
    char error[512];
    char stop_reason[16];     /* converged, max_steps, max_time, wall, nan, zero_grad, stalled, error;
                               * nan: train_nd is -1 (no count), never 0 */
    size_t N;                 /* parameters */
    int64_t steps;
    double t;
    double train_loss, train_err;
    int64_t train_nd;         /* N_Delta: #{y F < margin} */
    double train_min_margin;
    double test_err, test_loss;
    double w_norm, dw_norm, dw_rel;
    double out_norm;          /* RMS of F on the test set */
    double ntk_r;             /* NaN unless want_ntk */
    size_t n_test;
    const double *test_out;   /* n_test values of F = alpha (f - f0) (want_test_outputs); valid until the next train call */
    const double *test_y;     /* n_test labels (+-1), same lifetime */
    /* ABI 1.1 */
    int64_t train_nd_tol;     /* #{y F < loss_margin - margin_tol}; -1 when not counted (nan) */
    int has_half;             /* the run passed half its step budget, max_steps / 2: */
    int64_t half_steps;       /*   that step, */
    double half_train_loss;   /*   the training loss there */
    int64_t half_train_nd;    /*   and N_Delta there (strict) */
} pb_run_result;

/* The kernel machine of docs/physics.md section 7.5 with the NTK at the initial
 * weights of `spec` (same data, seeds, loss, alpha and step rule):
 * out = K(., train) a, da/dt = -l'(out) / P from a = 0.  struct_size as for
 * pb_run_result. */
typedef struct pb_km_result {
    uint32_t struct_size;     /* sizeof(pb_km_result) of the plugin, set by the plugin */
    int ok;
    char error[512];
    char stop_reason[16];
    int64_t steps;
    double t;
    double train_err;
    int64_t train_nd;
    double test_err;
    size_t n_test;
    const double *test_out;   /* F = alpha out on the test set; valid until the next call */
} pb_km_result;

/* ------------------------------------------------------------------------ */
/* The service table the core hands to a plugin                             */

typedef enum pb_verdict { PB_VERDICT_PASS = 0, PB_VERDICT_FAIL = 1, PB_VERDICT_NOT_JUDGED = 2 } pb_verdict;

typedef struct pb_services {
    uint32_t struct_size;     /* sizeof(pb_services) of the core */

    /* Battery keys of this experiment's section.  Each returns 0 and sets
     * *out when the key is present and valid, 1 (out set to the default)
     * when absent, -1 when present but invalid (the error names the file
     * and line).  Lists accept items and ranges A..B*F, A..B+S. */
    int (*get_string)(pb_exp_ctx *ctx, const char *key, const char *def, const char **out);
    int (*get_double)(pb_exp_ctx *ctx, const char *key, double def, double min, double max,
                      double *out);
    int (*get_int)(pb_exp_ctx *ctx, const char *key, int64_t def, int64_t min, int64_t max,
                   int64_t *out);
    /* *out is owned by the core until the experiment returns */
    int (*get_list)(pb_exp_ctx *ctx, const char *key, const double **out, size_t *n);

    /* Record an error of the experiment (configuration or logic); the
     * section is then reported as failed. */
    void (*error)(pb_exp_ctx *ctx, const char *message);
    /* One line of progress or information (stderr, prefixed); printed in
     * the report pass only, and not under --quiet (see run() below). */
    void (*log)(pb_exp_ctx *ctx, const char *message);

    /* Training.  `role` (e.g. "scan", "lazy", "member") goes into runs.csv. */
    void (*run_defaults)(pb_exp_ctx *ctx, pb_run_spec *spec);
    int (*train)(pb_exp_ctx *ctx, const pb_run_spec *spec, const char *role, pb_run_result *res);
    int (*kernel_machine)(pb_exp_ctx *ctx, const pb_run_spec *spec, pb_km_result *res);

    /* Rows of this experiment's table (<name>.csv).  Cells are set by name
     * in a fixed order; the first row fixes the header, later rows must set
     * the same names (a missing one is written empty). */
    void (*cell_str)(pb_exp_ctx *ctx, const char *column, const char *value);
    void (*cell_int)(pb_exp_ctx *ctx, const char *column, int64_t value);
    void (*cell_dbl)(pb_exp_ctx *ctx, const char *column, double value);
    void (*cell_empty)(pb_exp_ctx *ctx, const char *column);
    int (*row_end)(pb_exp_ctx *ctx);

    /* One row of claims.csv (written in the report pass only; elsewhere
     * 0 and nothing written, as for row_end). */
    int (*claim)(pb_exp_ctx *ctx, const char *claim, double measured, const char *expected,
                 const char *tolerance, pb_verdict verdict, const char *detail);

    /* Budget multiplier requested by the user (`phasebench run --scale`):
     * 1 = as written in the battery. */
    double (*scale)(pb_exp_ctx *ctx);

    /* (minor 1) Units of work.  The calls of svc->train and
     * svc->kernel_machine made after unit(ctx, KEY) and before the next
     * unit() call (KEY NULL or "": none) depend on each other's results and
     * form one unit, computed in order by one process; every other call is a
     * unit of its own; the calls of a unit must not depend on the results
     * of calls outside it.  Units are what `phasebench run --jobs/--shard` spread
     * over processes and what `--resume` keeps; KEY must be the same whatever
     * the results (e.g. "alpha=1"), and a plugin must reach the same calls
     * from the same results.  Check PB_HAS before calling it. */
    int (*unit)(pb_exp_ctx *ctx, const char *key);
} pb_services;

#ifndef PB_SIZE_COVERS
/* Whether a struct of `size` bytes (its struct_size) holds `member` of
 * `type` (same definition as in backend.h). */
#define PB_SIZE_COVERS(size, type, member)                                   \
    ((size_t)(size) >= offsetof(type, member) + sizeof(((type *)0)->member))
#endif

/* A table member is usable when the table covers it and it is set. */
#define PB_HAS(table, type, member)                                          \
    (PB_SIZE_COVERS((table)->struct_size, type, member) && (table)->member != NULL)

/* ------------------------------------------------------------------------ */
/* The plugin's table                                                       */

/* (minor 2) One kind of row of the plugin's table (<name>.csv) worth a line
 * in the closing summary of `phasebench run`: every row whose column "kind"
 * is `kind` is printed with the named columns (those present and not
 * empty), in this order. */
typedef struct pb_summary_line {
    const char *kind;
    const char *const *columns; /* terminated by NULL */
} pb_summary_line;

typedef struct pb_experiment_vtable {
    uint32_t struct_size;     /* sizeof(pb_experiment_vtable) of the plugin */
    const char *name;
    const char *description;
    /* Upper bound of the number of training runs (and kernel machines) and
     * of the work in GFLOP, from the keys alone (for --dry-run and the
     * progress line).  Returns 0, or -1 after svc->error. */
    int (*plan)(const pb_services *svc, pb_exp_ctx *ctx, int64_t *n_runs, double *gflop);
    /* Run the experiment: train, reduce, write rows and claims.  Returns 0,
     * or -1 after svc->error (rows already written stay).
     *
     * Called several times per `phasebench run`, each time with a fresh
     * ctx (docs/architecture.md section 4): once to discover the units of
     * work, where every train/kernel_machine returns a placeholder result
     * (a plausible converged run, not a measurement); once per unit of
     * this plugin that is computed, where only that unit's calls train and
     * a call of a later unit fails (stop as after any failed service); and
     * once for the report, where every call returns its recorded result.
     * row_end, claim and log do nothing outside the report pass.  So run()
     * must reach the same calls, in the same order and with the same unit
     * keys, from the same results, and keep no state between calls. */
    int (*run)(const pb_services *svc, pb_exp_ctx *ctx);

    /* ---- ABI 1.2 ---------------------------------------------------- */

    /* The lines of the closing summary, in order, terminated by {NULL, NULL};
     * NULL (or a 1.0/1.1 table): the plugin's rows are not summarised.  The
     * battery layer names no plugin's table: this is where each plugin says
     * which of its rows matter.  (The figures of `phasebench plot` do read
     * jamming.csv, kernel.csv and ensemble.csv by name.) */
    const pb_summary_line *summary;

    /* Later minor versions append members here. */
} pb_experiment_vtable;

typedef const pb_experiment_vtable *(*pb_experiment_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* PHASEBENCH_EXPERIMENT_H */
