/* JUnit XML for `phasebench compare --junit FILE`: what a CI dashboard reads.
 *
 * The file has the elements every JUnit consumer requires (the Ant/Jenkins
 * schema): a <testsuites> root with two <testsuite> children, each with
 * name, tests, failures, errors and skipped counts that match its
 * <testcase> children:
 *   - "claims": one test case per row of the run's claims.csv (name = the
 *     claim, classname = phasebench.claims.EXPERIMENT); verdict pass is a
 *     passed case, fail carries a <failure> giving measured, expected and
 *     tolerance, not-judged a <skipped> with the claim's detail;
 *   - "compare": one test case per reference table compared (name =
 *     TABLE.csv); a table with values beyond tolerance, missing or extra
 *     rows carries one <failure> listing, per item, column, key, reference
 *     and run values, |diff| and tolerance.  Values that moved within
 *     tolerance are listed in the case's <system-out>.
 * A run without a readable claims.csv gets one "claims.csv" case with an
 * <error>.  The XML is written with libxml2's xmlTextWriter (escaping is
 * libxml2's), to FILE.tmp and renamed over FILE only when complete, so an
 * earlier file is never left half-written. */
#ifndef PB_JUNIT_H
#define PB_JUNIT_H

#include "compare.h"

#include <stddef.h>

typedef struct pb_junit pb_junit;

/* A collector with nothing in it, or NULL when out of memory. */
pb_junit *pb_junit_new(void);

/* Install the collector's hooks into opt (on_table, on_item, user) so that
 * pb_compare_dirs feeds it. */
void pb_junit_attach(pb_junit *j, pb_cmp_options *opt);

/* Write the JUnit file at path for the comparison of run_dir with ref_dir
 * whose results the collector received (sum is its summary; claims are read
 * from run_dir/claims.csv).  Returns 0, or -1 with a message naming the
 * file in err (the file at path is then untouched). */
int pb_junit_write(const pb_junit *j, const char *path, const char *run_dir,
                   const char *ref_dir, const pb_cmp_summary *sum, char *err,
                   size_t err_len);

/* Release the collector (NULL is fine). */
void pb_junit_free(pb_junit *j);

#endif
