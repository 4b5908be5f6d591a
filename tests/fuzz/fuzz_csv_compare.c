/* libFuzzer harness: the CSV reader (csv_table.c) and `compare`
 * (compare.c).  The input is cut at "\n@@\n" into up to four parts: a run
 * table, the reference table of the same name, the tolerance table and the
 * run's manifest; each is read alone, then the two folders are compared. */
#include "compare.h"
#include "csv_table.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ref_manifest[] = "key,value\nbackend,ref\ndtype,f64\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[4], *rest = data;
    size_t len[4], rest_n = size;
    for (int i = 0; i < 4; i++) {
        const uint8_t *next;
        size_t next_n;
        fuzz_split(rest, rest_n, "\n@@\n", &part[i], &len[i], &next, &next_n);
        rest = next;
        rest_n = next_n;
    }
    char run_t[512], ref_t[512], tol[512], run_m[512], ref_m[512], run_dir[512], ref_dir[512];
    fuzz_path(run_t, sizeof run_t, "run", "t.csv");
    fuzz_path(ref_t, sizeof ref_t, "ref", "t.csv");
    fuzz_path(tol, sizeof tol, NULL, "tolerances.csv");
    fuzz_path(run_m, sizeof run_m, "run", "manifest.csv");
    fuzz_path(ref_m, sizeof ref_m, "ref", "manifest.csv");
    fuzz_write(run_t, part[0], len[0]);
    fuzz_write(ref_t, part[1], len[1]);
    fuzz_write(tol, part[2], len[2]);
    if (len[3])
        fuzz_write(run_m, part[3], len[3]);
    else
        fuzz_write(run_m, ref_manifest, sizeof ref_manifest - 1);
    fuzz_write(ref_m, ref_manifest, sizeof ref_manifest - 1);

    const char *files[] = {run_t, ref_t, tol, run_m};
    char err[1024];
    for (int i = 0; i < 4; i++) {
        pb_csv_table t;
        if (pb_csv_read(files[i], &t, err, sizeof err) == 0) {
            for (size_t r = 0; r < t.nrows; r++)
                for (size_t c = 0; c < t.ncols; c++) {
                    double v;
                    pb_csv_to_double(pb_csv_cell(&t, r, c), &v);
                }
            pb_csv_col(&t, "h");
            pb_csv_table_free(&t);
        }
    }
    fuzz_path(run_dir, sizeof run_dir, "run", "");
    fuzz_path(ref_dir, sizeof ref_dir, "ref", "");
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    pb_cmp_options opt = {.tolerances = tol, .quiet = 0, .out = sink, .csv = sink};
    pb_cmp_summary sum;
    pb_compare_dirs(run_dir, ref_dir, &opt, &sum, err, sizeof err);
    return 0;
}
