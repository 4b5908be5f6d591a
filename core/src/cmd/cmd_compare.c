/* `phasebench compare`: argument handling around pb_compare_dirs. */
#include "compare.h"
#include "junit.h"
#include "sysutil.h"
#include "run_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs(
        "usage: phasebench compare RUN_DIR REF_DIR [--tolerances FILE] [--quiet]\n"
        "                          [--csv FILE] [--junit FILE]\n"
        "\n"
        "Compare the report CSVs of a run folder with a reference folder.\n"
        "Every *.csv of REF_DIR (but tolerances.csv) must be in RUN_DIR; rows\n"
        "are joined on the key columns of the tolerance table and each value\n"
        "is checked with its column's rule (key, ignore, exact, abs, rel,\n"
        "stat; unlisted columns must match exactly).  The backend class is\n"
        "'same' when manifest.csv gives the same backend and dtype in both\n"
        "folders, else the run's dtype (f64 or f32).\n"
        "\n"
        "  --tolerances FILE  tolerance table (default: REF_DIR/tolerances.csv,\n"
        "                     else the one in REF_DIR's parent folder)\n"
        "  --quiet            list only failures, not values that moved within\n"
        "                     tolerance\n"
        "  --csv FILE         also write the listed differences as CSV\n"
        "  --junit FILE       also write JUnit XML for CI dashboards: one test\n"
        "                     case per claim of RUN_DIR/claims.csv (fail is a\n"
        "                     failure, not-judged is skipped) and one per table\n"
        "                     compared (a failure lists column, key, values and\n"
        "                     tolerance of everything beyond tolerance)\n"
        "  --help             this text\n"
        "\n"
        "Exit status: 0 everything holds, 1 something moved beyond tolerance or\n"
        "is missing, 2 usage or input error.\n",
        f);
}

int pb_cmd_compare(int argc, char **argv)
{
    const char *dirs[2] = {NULL, NULL};
    int n_dirs = 0;
    const char *csv_path = NULL;
    const char *junit_path = NULL;
    pb_cmp_options opt = {0};

    /* argv[0] is the program, argv[1] the subcommand (commands.h). */
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            opt.quiet = 1;
        } else if (strcmp(a, "--tolerances") == 0 || strcmp(a, "--csv") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "phasebench compare: %s needs a file\n", a);
                usage(stderr);
                return 2;
            }
            if (a[2] == 't')
                opt.tolerances = argv[++i];
            else
                csv_path = argv[++i];
        } else if (strncmp(a, "--tolerances=", 13) == 0) {
            opt.tolerances = a + 13;
        } else if (strncmp(a, "--csv=", 6) == 0) {
            csv_path = a + 6;
        } else if (strcmp(a, "--junit") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "phasebench compare: --junit needs a file\n");
                usage(stderr);
                return 2;
            }
            junit_path = argv[++i];
        } else if (strncmp(a, "--junit=", 8) == 0) {
            junit_path = a + 8;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "phasebench compare: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (n_dirs < 2) {
            dirs[n_dirs++] = a;
        } else {
            fprintf(stderr, "phasebench compare: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (n_dirs != 2) {
        fprintf(stderr, "phasebench compare: needs RUN_DIR and REF_DIR\n");
        usage(stderr);
        return 2;
    }

    if (junit_path && !junit_path[0]) {
        fprintf(stderr, "phasebench compare: --junit needs a file\n");
        return 2;
    }
    char incomplete[1024];
    if (pb_run_dir_incomplete(dirs[0], incomplete, sizeof incomplete, NULL)) {
        fprintf(stderr, "phasebench compare: %s\n", incomplete);
        return 2;
    }

    FILE *csv = NULL;
    pb_outfile csv_out = {0};
    char err[1024];
    if (csv_path) {
        /* compare reads every *.csv of both folders: its own report must
         * not land among them, nor replace one of them. */
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", csv_path);
        char *slash = strrchr(parent, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(parent, sizeof parent, ".");
        for (int i = 0; i < 2; i++)
            if (pb_same_file(parent, dirs[i])) {
                fprintf(stderr,
                        "phasebench compare: --csv %s: inside %s, whose reports are being "
                        "compared; write it elsewhere\n",
                        csv_path, dirs[i]);
                return 2;
            }
        if (pb_output_check(csv_path, err, sizeof err) != 0 ||
            !(csv = pb_atomic_open(&csv_out, csv_path, err, sizeof err))) {
            fprintf(stderr, "phasebench compare: --csv: %s\n", err);
            return 2;
        }
        opt.csv = csv;
    }
    pb_junit *junit = NULL;
    if (junit_path) {
        if (!(junit = pb_junit_new())) {
            fprintf(stderr, "phasebench compare: out of memory\n");
            if (csv)
                pb_atomic_abort(&csv_out);
            return 2;
        }
        pb_junit_attach(junit, &opt);
    }
    pb_cmp_summary sum;
    int rc = pb_compare_dirs(dirs[0], dirs[1], &opt, &sum, err, sizeof err);
    if (rc == 0 && junit) {
        char jerr[1024];
        if (pb_junit_write(junit, junit_path, dirs[0], dirs[1], &sum, jerr,
                           sizeof jerr) != 0) {
            fprintf(stderr, "phasebench compare: %s\n", jerr);
            pb_junit_free(junit);
            junit = NULL;
            rc = 1;
            snprintf(err, sizeof err, "JUnit file not written");
        }
    }
    pb_junit_free(junit);
    int io_failed = 0;
    if (csv) {
        char werr[1024];
        if (pb_atomic_close(&csv_out, werr, sizeof werr) != 0) {
            fprintf(stderr, "phasebench compare: --csv: %s\n", werr);
            io_failed = 1;
        }
    }
    fflush(stdout);
    if (rc != 0) {
        fprintf(stderr, "phasebench compare: %s\n", err);
        return 2;
    }
    if (io_failed)
        return 2;
    return sum.pass ? 0 : 1;
}
