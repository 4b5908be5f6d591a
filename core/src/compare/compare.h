/* Comparing a run's reports with stored reference reports.
 *
 * A run folder and a reference folder each hold report CSVs and a
 * manifest.csv (key,value pairs).  Every *.csv of the reference except
 * tolerances.csv must exist in the run; manifest.csv is not compared row by
 * row, its backend and dtype choose the backend class of the comparison:
 * "same" when both are equal in the two folders, else the run's dtype
 * ("f64" or "f32").
 *
 * The tolerance table (columns table, column, kind, value, backend_class,
 * note) is reviewed data.  For a column of a table under a class, the rule
 * that applies is the most specific one: an exact table name beats '*', then
 * an exact class beats '*'.  Kinds:
 *   key     the column is part of the join key of its table
 *   ignore  not compared (wall time, build commit, host, ...)
 *   exact   string equality (also what unlisted columns get)
 *   abs     |a - b| <= value
 *   rel     |a - b| <= value * max(|a|, |b|)
 *   stat    |a - b| <= value * sqrt(se_a^2 + se_b^2), se from the columns
 *           named <column>_se of the two rows
 * Numeric kinds compare as strings when a field is not a number; NaN holds
 * only against NaN, an infinity only against the same infinity.
 *
 * Rows are joined on their key columns (by row order, with a note, when a
 * table has none).  What moved is listed, then a summary line
 *     compare: N values checked, M failed, K missing rows, E extra rows
 * and PASS or FAIL. */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

/* One listed difference, as the report prints it: verdict "ok" (moved within
 * tolerance), "FAIL", "MISSING" or "EXTRA"; the strings live only for the
 * duration of the call that receives them. */
typedef struct pb_cmp_item {
    const char *table, *key, *column, *ref, *run, *diff, *tol, *verdict;
} pb_cmp_item;

typedef struct pb_cmp_options {
    /* Tolerance table; NULL: REF_DIR/tolerances.csv, else the one in
     * REF_DIR's parent folder. */
    const char *tolerances;
    int quiet;      /* list only what fails, not what moved within tolerance */
    FILE *out;      /* the report; stdout when NULL */
    FILE *csv;      /* when set, also every listed item as CSV */
    /* Optional consumers of the results (e.g. the JUnit writer, junit.h):
     * on_table once per reference table in name order after it is compared
     * (file stem; values checked and failed in it), then on_item once per
     * listed item in report order, both after a comparison that could be
     * made.  `user` is passed through. */
    void (*on_table)(void *user, const char *table, size_t checked,
                     size_t failed);
    void (*on_item)(void *user, const pb_cmp_item *item);
    void *user;
} pb_cmp_options;

typedef struct pb_cmp_summary {
    size_t checked;       /* values compared (keys and ignored columns not) */
    size_t failed;        /* values out of tolerance or missing */
    size_t missing_rows;  /* reference rows absent from the run (a missing
                             file counts all its rows) */
    size_t extra_rows;    /* run rows absent from the reference */
    size_t missing_files; /* reference tables absent from the run */
    char backend_class[8];/* "same", "f64" or "f32" */
    int data_differ;      /* both manifests have data_fingerprint, and they differ */
    int pass;             /* 1 when everything holds */
} pb_cmp_summary;

/* Compare the reports of run_dir with those of ref_dir, writing the report to
 * opt->out.  Returns 0 when the comparison could be made (the verdict is
 * sum->pass), or -1 with a message in err for usage and input errors: a
 * folder, manifest or tolerance table that cannot be read or is malformed,
 * a malformed report, a key duplicated within one file, a stat rule without
 * its _se column. */
int pb_compare_dirs(const char *run_dir, const char *ref_dir,
                    const pb_cmp_options *opt, pb_cmp_summary *sum, char *err,
                    size_t err_len);

/* The `phasebench compare RUN_DIR REF_DIR [--tolerances FILE] [--quiet]
 * [--csv FILE]` command.  Takes the full argv, as every subcommand does
 * (commands.h): argv[1] is "compare", the arguments follow.  Returns
 * the process exit code: 0 everything holds, 1 something moved beyond its
 * tolerance or is missing, 2 usage or input error. */
int pb_cmd_compare(int argc, char **argv);

#endif
