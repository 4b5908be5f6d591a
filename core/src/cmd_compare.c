/* `phasebench compare`: argument handling around pb_compare_dirs. */
#include "compare.h"
#include "run_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs(
        "usage: phasebench compare RUN_DIR REF_DIR [--tolerances FILE] [--quiet]\n"
        "                          [--csv FILE]\n"
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

    char incomplete[1024];
    if (pb_run_dir_incomplete(dirs[0], incomplete, sizeof incomplete, NULL)) {
        fprintf(stderr, "phasebench compare: %s\n", incomplete);
        return 2;
    }

    FILE *csv = NULL;
    if (csv_path) {
        csv = fopen(csv_path, "w");
        if (!csv) {
            fprintf(stderr, "phasebench compare: %s: cannot write: %s\n",
                    csv_path, strerror(errno));
            return 2;
        }
        opt.csv = csv;
    }
    pb_cmp_summary sum;
    char err[1024];
    int rc = pb_compare_dirs(dirs[0], dirs[1], &opt, &sum, err, sizeof err);
    int io_failed = 0;
    if (csv) {
        io_failed = ferror(csv);
        if (fclose(csv) != 0)
            io_failed = 1;
        if (io_failed)
            fprintf(stderr, "phasebench compare: %s: write error\n", csv_path);
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
