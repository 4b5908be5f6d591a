/* Helpers over the experiment service table (phasebench/experiment.h) that
 * the three plugins share: formatted log and error lines, validated battery
 * lists, the base run spec, and table rows that always carry every column. */
#ifndef PBX_SVC_H
#define PBX_SVC_H

#include "phasebench/experiment.h"
#include "pbx_work.h"

#include <stddef.h>
#include <stdint.h>

/* printf-style wrappers of svc->log and svc->error (lines truncated at 1 KiB). */
void pbx_logf(const pb_services *svc, pb_exp_ctx *ctx, const char *fmt, ...);
void pbx_errorf(const pb_services *svc, pb_exp_ctx *ctx, const char *fmt, ...);

/* Every reader below returns 0, or -1 after svc->error.  Lists come back
 * malloc'd (free them); a key absent from the section and from [defaults]
 * gives the stated fallback. */

/* "seeds": integers in [0, 2^53], default 0, 1, 2; duplicates dropped (a
 * repeated seed is the same run), order kept. */
int pbx_get_seeds(const pb_services *svc, pb_exp_ctx *ctx, uint64_t **out, size_t *n);

/* "h": integers in [1, 1e6], ascending, duplicates dropped; fallback: the
 * single width of the run defaults. */
int pbx_get_widths(const pb_services *svc, pb_exp_ctx *ctx, size_t fallback, size_t **out,
                   size_t *n);

/* "alpha": finite values > 0, ascending, duplicates dropped; fallback: the
 * single alpha of the run defaults. */
int pbx_get_alphas(const pb_services *svc, pb_exp_ctx *ctx, double fallback, double **out,
                   size_t *n);

/* A 0/1 switch. */
int pbx_get_flag(const pb_services *svc, pb_exp_ctx *ctx, const char *key, int def, int *out);

/* A number within [min, max]. */
int pbx_get_number(const pb_services *svc, pb_exp_ctx *ctx, const char *key, double def,
                   double min, double max, double *out);

/* The battery's run spec with nothing asked beyond the training itself. */
void pbx_base_spec(const pb_services *svc, pb_exp_ctx *ctx, pb_run_spec *spec);

/* The work shape of a spec at width h (d = 0 replaced by PBX_MAX_RAW_DIM). */
pbx_shape pbx_shape_of(const pb_run_spec *spec, size_t h);

/* svc->train with a zeroed, sized result.  Returns the service's status
 * (-1: the experiment must stop; a failed run is res->ok = 0). */
int pbx_train(const pb_services *svc, pb_exp_ctx *ctx, const pb_run_spec *spec,
              const char *role, pb_run_result *res);

/* A run that finished and reached N_Delta = 0 (the paper's "converged"),
 * counted within the margin tolerance when the run has one; never a run
 * that ended on nan or stalled. */
int pbx_run_converged(const pb_run_result *res);

/* One table row.  The column list (NULL-terminated, at most PBX_ROW_MAX_COLS)
 * is the table's fixed header; a cell never set is written empty, so every
 * row has the same columns in the same order. */
#define PBX_ROW_MAX_COLS 40

typedef enum pbx_cell_kind { PBX_CELL_EMPTY = 0, PBX_CELL_STR, PBX_CELL_INT, PBX_CELL_DBL } pbx_cell_kind;

typedef struct pbx_cell {
    pbx_cell_kind kind;
    int64_t i;
    double d;
    char s[200];
} pbx_cell;

typedef struct pbx_row {
    const char *const *cols;
    size_t n_cols;
    pbx_cell cell[PBX_ROW_MAX_COLS];
    const char *bad_col; /* first column name set that is not in cols */
} pbx_row;

void pbx_row_init(pbx_row *r, const char *const *cols);
void pbx_row_str(pbx_row *r, const char *col, const char *v);
void pbx_row_int(pbx_row *r, const char *col, int64_t v);
/* A value that is not finite is written as an empty cell. */
void pbx_row_dbl(pbx_row *r, const char *col, double v);
/* Writes the row; returns 0, or -1 (after svc->error for a bad column). */
int pbx_row_write(const pb_services *svc, pb_exp_ctx *ctx, const pbx_row *r);

#endif
