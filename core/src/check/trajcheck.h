/* Trajectory-level cross-backend check: K gradient-flow steps of the same
 * net from the same initial weights on the reference backend (f64) and on a
 * backend under test, comparing the training outputs o = f - f0, the flow
 * time t and dt at every step both reach.
 *
 * Tolerance: NMSE(o_dut, o_ref) <= base * (1 + k) at step k, where base is
 * 1e-20 in f64 (a few ulps of reordering, growing slowly along the
 * trajectory) and 1e-7 in f32 (the first, large step already gives NMSE
 * about 3e-9 on ref and blas in f32: float rounding of a step of size 1;
 * the margin leaves room for a GPU's different summation order).  The number
 * of rejections up to each step must agree in f64; in f32 a different
 * accept/reject decision is reported ("diverged-path"), not failed, since a
 * ratio sitting on its limit can tip either way.  t and dt are recorded in
 * the CSV for inspection. */
#ifndef PB_TRAJCHECK_H
#define PB_TRAJCHECK_H

#include "phasebench/backend.h"

#include <stdint.h>
#include <stdio.h>

/* The trajectory CSV's schema_version: bumped when a column changes meaning
 * or is removed (adding a column keeps it; readers go by name). */
#define PB_TRAJCHECK_SCHEMA_VERSION 1

typedef struct pb_trajcheck_summary {
    int steps_compared;
    double worst_nmse;
    int worst_step;
    int failed;
    char detail[512];
} pb_trajcheck_summary;

/* ref and dut are open instances (ref in f64, dut in dut_dtype).  Table to
 * table_out, one CSV row per compared step to csv_out (either may be NULL; the
 * columns are pb_cols_trajcheck, report/tables.c).
 * Returns 0 when it ran, -1 with err when it could not. */
int pb_trajcheck_run(const pb_backend_vtable *ref_vt, pb_backend *ref_be,
                     const pb_backend_vtable *dut_vt, pb_backend *dut_be, pb_dtype dut_dtype,
                     const char *dut_name, int steps, uint64_t seed, FILE *table_out,
                     FILE *csv_out, pb_trajcheck_summary *sum, char *err, size_t err_len);

#endif
