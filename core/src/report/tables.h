/* Where every table the core writes declares its columns: one pb_columns
 * per table (report.h), defined in tables.c.  The writers build their rows
 * against these declarations and print their CSV header and text table from
 * them.  Adding a column: one line in tables.c, the code that sets it and
 * its test in tests/report; then regenerate the results/reference/ files
 * whose header changes (test_report_columns compares the smoke reference's
 * headers), give a new numeric runs.csv column its rules in
 * results/reference/tolerances.csv (an unlisted column compares exactly,
 * compare/compare.h), bump PB_SCHEMA_VERSION (report.h) when a column is
 * removed, renamed or changes meaning, and for a value plugins see append
 * it to pb_run_result and to unit_store.c's writer and reader.  The full
 * checklist: docs/architecture.md section 7.1.
 *
 * runs.csv and the row of `phasebench train` are joined at run time from
 * the parts below and the training parameters' columns (net/train_params.c
 * declares those, one per parameter): pb_train_columns in net/train.h.  The
 * dynamics file of `phasebench train --dynamics` has one dw_norm_l column
 * per layer of the net: its parts are joined by the writer (net/train.c).
 * The tables of experiment plugins (jamming.csv, kernel.csv, ...) are named
 * by their plugins, through the service table: they are free tables
 * (report_table.h), written by the same cell writer. */
#ifndef PB_TABLES_H
#define PB_TABLES_H

#include "report.h"

/* runs.csv (battery runs): experiment, role; then the train row. */
extern const pb_columns pb_cols_runs_lead;
/* The train row: schema_version, backend, dtype, threads ... */
extern const pb_columns pb_cols_train_head;
/* ... the training parameters' columns ... then N, stop_reason, ... the results. */
extern const pb_columns pb_cols_train_result;

/* claims.csv: one row per claim an experiment judged. */
extern const pb_columns pb_cols_claims;
/* manifest.csv: key,value. */
extern const pb_columns pb_cols_manifest;

/* `phasebench train --dynamics FILE`: one row per checkpoint. */
extern const pb_columns pb_cols_dyn_head;   /* step ... dw_norm */
extern const pb_columns pb_cols_dyn_layers; /* dw_norm_0 ... dw_norm_16: the first L + 1 are used */
extern const pb_columns pb_cols_dyn_tail;   /* train_loss ... final */

/* `phasebench bench`: its CSV and its text table. */
extern const pb_columns pb_cols_bench;
/* `phasebench check`: the op check (CSV and text table) and the trajectory check (CSV). */
extern const pb_columns pb_cols_opcheck;
extern const pb_columns pb_cols_trajcheck;
/* `phasebench backends --csv` and `phasebench experiments --csv` (and their text tables). */
extern const pb_columns pb_cols_backends;
extern const pb_columns pb_cols_experiments;
/* `phasebench compare`: the differences (text table, and --csv). */
extern const pb_columns pb_cols_compare;

/* Every declared table above, for the tests: NULL-terminated. */
extern const pb_columns *const pb_declared_tables[];

#endif
