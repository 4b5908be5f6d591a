/*
 * Op-level cross-backend check: every op of the backend ABI, run on a
 * reference backend and on a backend under test (the "dut") with the same
 * seeded inputs, and judged against a reviewed tolerance table.
 *
 * What is checked, case by case (a fixed list: copy, fill, gemm in all four
 * transpose combinations with padded leading dimensions, offsets, alpha and
 * beta including beta == 0 over a NaN-filled C, k == 0, alpha == 0, a
 * 257 x 129 x 65 product; axpby and mul including b == 0 over NaN; the
 * activation forward and backward for every kind, two betas, extreme inputs
 * and dz aliasing dout; the loss for every kind with and without grad and
 * with a NaN output; sum, dot, dist2, max_abs_diff; sizes that are not
 * multiples of 4, 8 or 16; a few invalid arguments that must give
 * PB_ERR_INVALID):
 *
 *   1. status: PB_ERR_UNSUPPORTED from the dut is "unsupported", not a
 *      failure; any other error (or success where PB_ERR_INVALID is
 *      expected) fails the case;
 *   2. NaN/Inf: the pattern of NaN, +inf and -inf must be the same;
 *   3. NMSE = sum (dut - ref)^2 / sum ref^2 over the finite elements, and
 *      max |dut - ref| / max |ref|, each against the table; when the
 *      reference is all zeros the case is judged by max |dut - ref| alone.
 *      Scalar reductions (sum, dot) are normalised by sum |terms| instead of
 *      |result|, so a correct result of a sum that cancels is not failed;
 *   4. loss counts must agree exactly, except for samples whose margin lies
 *      within rounding of the threshold;
 *   5. guards: outputs are allocated with extra elements before and after
 *      (and between rows when ld > n) holding a sentinel that must survive,
 *      and inputs (padded with NaN, so reading outside a view shows up) must
 *      be unchanged after the op.
 *
 * The reference always runs in f64.  Inputs are drawn in double from
 * pb_rng_normal(seed, PB_STREAM_CHECK, ...) keyed by the case name (adding
 * a case does not change the inputs of the others) and rounded to the dut's
 * dtype, so both backends see exactly the same values.  The seed is printed
 * and written in every CSV row: any failure can be replayed.
 *
 * Tolerances are data (one row per op and dtype in opcheck.c, with the
 * reasoning next to them): f64 allows reordering-level differences only;
 * f32 allows what float arithmetic on float inputs costs against the f64
 * reference.
 */
#ifndef PB_OPCHECK_H
#define PB_OPCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "phasebench/backend.h"

#define PB_OPCHECK_SCHEMA_VERSION 1

/* Runs every case on an instance of `ref` (created in f64) and an instance
 * of `dut` (created with dut_opts; dut_opts->dtype is the dtype checked).
 *
 * table_out (may be NULL) gets a human table: dtype, op, case, status
 * (pass / FAIL / unsupported), nmse, max_abs, tolerance, with the reason
 * under each failed row, then a summary line.
 *
 * csv_out (may be NULL) gets one row per case with the columns
 *   schema_version, backend, dtype, seed, op, case, status, nmse, max_abs,
 *   nmse_tol, detail
 * Both are declared once, pb_cols_opcheck in report/tables.c (doubles
 * as every report writes them: %.17g, nan where not measured; text fields
 * quoted only where CSV needs it).  The header row is written when the stream is at position 0 or
 * cannot tell its position, so several runs appended to one file share one
 * header.
 *
 * *n_failed and *n_unsupported (may be NULL) receive the counts.
 * Returns 0 when the check ran (whatever its verdicts), -1 with a message
 * in err when it could not run: a backend missing a required member, probe
 * or create failing (a dut that cannot create dut_opts->dtype with
 * PB_ERR_UNSUPPORTED still runs: every case is then "unsupported"), or host
 * memory exhausted.  Callers that want a visible skip for an unavailable
 * backend call its probe() first. */
int pb_opcheck_run_opts(const pb_backend_vtable *ref,
                        const pb_backend_vtable *dut,
                        const pb_backend_options *dut_opts, uint64_t seed,
                        FILE *table_out, FILE *csv_out, int *n_failed,
                        int *n_unsupported, char *err, size_t err_len);

/* pb_opcheck_run_opts with default options (threads 0, device NULL) and the
 * given dtype. */
int pb_opcheck_run(const pb_backend_vtable *ref, const pb_backend_vtable *dut,
                   pb_dtype dtype, uint64_t seed, FILE *table_out,
                   FILE *csv_out, int *n_failed, int *n_unsupported, char *err,
                   size_t err_len);

#endif /* PB_OPCHECK_H */
