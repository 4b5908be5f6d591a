#include "cmd_plugin_list.h"

#include "report_table.h"
#include "text_table.h"

#include <stdio.h>

int pb_cmd_plugin_list(const pb_cmd_help *help, int argc, char **argv,
                       const pb_plugin_kind *kind, int probe, const pb_columns *cols,
                       pb_plugin_row_fn fill)
{
    int csv = 0;
    pb_opt opts[] = {{"csv", PB_OPT_FLAG, &csv, 0, 0, 0, NULL, "machine-readable CSV on stdout", 0}};
    const char *pos[1];
    size_t npos;
    int prc = pb_cmd_parse(help, opts, 1, argc, argv, pos, 0, &npos);
    if (prc >= 0)
        return prc;
    pb_registry reg = {0};
    reg.kind = kind;
    pb_registry_scan(&reg);
    if (probe)
        pb_registry_probe_all(&reg);
    pb_table t;
    if (csv) {
        pb_columns_write_header(stdout, cols); /* even with no plugin */
        pb_table_attach(&t, stdout, cols, 0);
    } else {
        char dirs[16][1024];
        size_t nd = pb_plugin_search_path(dirs, 16);
        printf("search path:");
        for (size_t i = 0; i < nd; i++)
            printf(" %s", dirs[i]);
        printf("%s\n\n", nd ? "" : " (no folder exists)");
        pb_text_header(stdout, cols);
    }
    for (size_t i = 0; i < reg.count; i++) {
        pb_row row;
        char notes[2048] = "";
        pb_row_init_columns(&row, cols);
        pb_row_int(&row, "schema_version", PB_SCHEMA_VERSION);
        fill(&reg.plugins[i], &row, notes, sizeof notes);
        if (csv) {
            char err[256];
            if (pb_table_write(&t, &row, err, sizeof err) != 0)
                fprintf(stderr, "phasebench %s: %s\n", help->name, err);
        } else {
            pb_text_row(stdout, cols, &row);
            fputs(notes, stdout);
        }
        pb_row_free(&row);
    }
    if (csv)
        pb_table_close(&t);
    if (!csv && reg.count == 0)
        printf("(no plugin found)\n");
    pb_registry_free(&reg);
    return 0;
}
