#include "commands.h"

#include "cli_args.h"
#include "loader.h"
#include "report_table.h"
#include "session.h"
#include "tables.h"
#include "text_table.h"

#include <stdio.h>
#include <string.h>

static void dtypes_text(uint32_t mask, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s", mask & (1u << PB_F64) ? "f64" : "",
             (mask & (1u << PB_F64)) && (mask & (1u << PB_F32)) ? "," : "",
             mask & (1u << PB_F32) ? "f32" : "");
}

/* Caps of an available plugin, from a short-lived instance (f64 first). */
static int describe(const pb_plugin *p, char *dtypes, size_t dl, char *det, size_t tl,
                    int *threads, char *features, size_t fl)
{
    for (int k = 0; k < 2; k++) {
        pb_backend_options o = {sizeof o, k == 0 ? PB_F64 : PB_F32, 0, NULL};
        pb_backend *be = NULL;
        char why[256];
        if (p->vt->create(&o, &be, why, sizeof why) != PB_OK || !be)
            continue;
        pb_caps caps = PB_CAPS_INIT;
        if (p->vt->get_caps(be, &caps) == PB_OK) {
            dtypes_text(caps.dtypes, dtypes, dl);
            snprintf(det, tl, "%s", caps.determinism == PB_DET_BITWISE ? "bitwise" : "tolerance");
            *threads = caps.threads;
            features[0] = '\0';
            for (const pb_feature *f = caps.features; f && f->key; f++) {
                size_t u = strlen(features);
                snprintf(features + u, fl - u, "%s%s=%s", u ? ";" : "", f->key,
                         f->value ? f->value : "");
            }
        }
        p->vt->destroy(be);
        return 0;
    }
    return -1;
}

static const pb_cmd_help backends_help = {
    "backends",
    "usage: phasebench backends [--csv]\n\n"
               "Lists every backend plugin found on the search path, whether it loaded,\n"
               "its ABI version, and the reason when it was refused or is unavailable.\n"
               "Search path: $PHASEBENCH_PLUGIN_PATH, the build tree, <exe>/../lib/phasebench,\n"
               "the installed plugin folder.\n\n",
    NULL};

int pb_cmd_backends(int argc, char **argv)
{
    int csv = 0;
    pb_opt opts[] = {{"csv", PB_OPT_FLAG, &csv, 0, 0, 0, NULL, "machine-readable CSV on stdout", 0}};
    const char *pos[1];
    size_t npos;
    int prc = pb_cmd_parse(&backends_help, opts, 1, argc, argv, pos, 0, &npos);
    if (prc >= 0)
        return prc;
    pb_registry reg = {0};
    pb_registry_scan(&reg);
    pb_registry_probe_all(&reg);
    pb_table t;
    if (csv) {
        pb_columns_write_header(stdout, &pb_cols_backends); /* even with no plugin */
        pb_table_attach(&t, stdout, &pb_cols_backends, 0);
    } else {
        char dirs[16][1024];
        size_t nd = pb_plugin_search_path(dirs, 16);
        printf("search path:");
        for (size_t i = 0; i < nd; i++)
            printf(" %s", dirs[i]);
        printf("%s\n\n", nd ? "" : " (no folder exists)");
        pb_text_header(stdout, &pb_cols_backends);
    }
    for (size_t i = 0; i < reg.count; i++) {
        const pb_plugin *p = &reg.plugins[i];
        char abi[32] = "-", dtypes[32] = "", det[32] = "", features[1024] = "";
        int threads = 0;
        if (p->abi_major || p->abi_minor)
            snprintf(abi, sizeof abi, "%u.%u", p->abi_major, p->abi_minor);
        if (p->state == PB_PLUGIN_AVAILABLE &&
            describe(p, dtypes, sizeof dtypes, det, sizeof det, &threads, features,
                     sizeof features) != 0)
            snprintf(features, sizeof features, "instance creation failed");
        pb_row row;
        pb_row_init_columns(&row, &pb_cols_backends);
        pb_row_int(&row, "schema_version", 1);
        pb_row_str(&row, "name", p->name);
        pb_row_str(&row, "state", pb_plugin_state_name(p->state));
        pb_row_str(&row, "abi", abi);
        if (dtypes[0]) /* empty: "-" in the text table */
            pb_row_str(&row, "dtypes", dtypes);
        if (det[0])
            pb_row_str(&row, "determinism", det);
        pb_row_int(&row, "threads", threads);
        pb_row_str(&row, "path", p->path);
        pb_row_str(&row, "reason", p->reason);
        pb_row_str(&row, "features", features);
        if (csv) {
            char err[256];
            if (pb_table_write(&t, &row, err, sizeof err) != 0)
                fprintf(stderr, "phasebench backends: %s\n", err);
        } else {
            pb_text_row(stdout, &pb_cols_backends, &row);
            if (p->reason[0])
                printf("%38s reason: %s\n", "", p->reason);
            if (features[0])
                printf("%38s threads=%d %s\n", "", threads, features);
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

static const pb_cmd_help experiments_help = {
    "experiments",
    "usage: phasebench experiments [--csv]\n\n"
               "Lists every experiment plugin found on the search path (the names a battery's\n"
               "[experiment NAME] sections may use), whether it loaded, its ABI version and\n"
               "the reason when it was refused.  Each plugin's README lists its keys.\n"
               "Search path: $PHASEBENCH_PLUGIN_PATH, the build tree, <exe>/../lib/phasebench,\n"
               "the installed plugin folder.\n\n",
    NULL};

int pb_cmd_experiments(int argc, char **argv)
{
    int csv = 0;
    pb_opt opts[] = {{"csv", PB_OPT_FLAG, &csv, 0, 0, 0, NULL, "machine-readable CSV on stdout", 0}};
    const char *pos[1];
    size_t npos;
    int prc = pb_cmd_parse(&experiments_help, opts, 1, argc, argv, pos, 0, &npos);
    if (prc >= 0)
        return prc;
    pb_registry reg = {0};
    reg.kind = &pb_experiment_kind;
    pb_registry_scan(&reg);
    pb_table t;
    if (csv) {
        pb_columns_write_header(stdout, &pb_cols_experiments); /* even with no plugin */
        pb_table_attach(&t, stdout, &pb_cols_experiments, 0);
    } else {
        char dirs[16][1024];
        size_t nd = pb_plugin_search_path(dirs, 16);
        printf("search path:");
        for (size_t i = 0; i < nd; i++)
            printf(" %s", dirs[i]);
        printf("%s\n\n", nd ? "" : " (no folder exists)");
        pb_text_header(stdout, &pb_cols_experiments);
    }
    for (size_t i = 0; i < reg.count; i++) {
        const pb_plugin *p = &reg.plugins[i];
        char abi[32] = "-";
        if (p->abi_major || p->abi_minor)
            snprintf(abi, sizeof abi, "%u.%u", p->abi_major, p->abi_minor);
        pb_row row;
        pb_row_init_columns(&row, &pb_cols_experiments);
        pb_row_int(&row, "schema_version", 1);
        pb_row_str(&row, "name", p->name);
        pb_row_str(&row, "state", pb_plugin_state_name(p->state));
        pb_row_str(&row, "abi", abi);
        pb_row_str(&row, "path", p->path);
        pb_row_str(&row, "sha256", p->sha256);
        pb_row_str(&row, "reason", p->reason);
        if (csv) {
            char err[256];
            if (pb_table_write(&t, &row, err, sizeof err) != 0)
                fprintf(stderr, "phasebench experiments: %s\n", err);
        } else {
            pb_text_row(stdout, &pb_cols_experiments, &row);
            if (p->reason[0])
                printf("%31s reason: %s\n", "", p->reason);
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
