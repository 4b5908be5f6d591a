#include "commands.h"

#include "cmd_plugin_list.h"
#include "session.h"
#include "tables.h"

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

static void backend_row(const pb_plugin *p, pb_row *row, char *notes, size_t len)
{
    char abi[32] = "-", dtypes[32] = "", det[32] = "", features[1024] = "";
    int threads = 0;
    if (p->abi_major || p->abi_minor)
        snprintf(abi, sizeof abi, "%u.%u", p->abi_major, p->abi_minor);
    if (p->state == PB_PLUGIN_AVAILABLE &&
        describe(p, dtypes, sizeof dtypes, det, sizeof det, &threads, features,
                 sizeof features) != 0)
        snprintf(features, sizeof features, "instance creation failed");
    pb_row_str(row, "name", p->name);
    pb_row_str(row, "state", pb_plugin_state_name(p->state));
    pb_row_str(row, "abi", abi);
    if (dtypes[0]) /* empty: "-" in the text table */
        pb_row_str(row, "dtypes", dtypes);
    if (det[0])
        pb_row_str(row, "determinism", det);
    pb_row_int(row, "threads", threads);
    pb_row_str(row, "path", p->path);
    pb_row_str(row, "reason", p->reason);
    pb_row_str(row, "features", features);
    size_t u = 0;
    if (p->reason[0])
        u += (size_t)snprintf(notes, len, "%38s reason: %s\n", "", p->reason);
    if (features[0] && u < len)
        snprintf(notes + u, len - u, "%38s threads=%d %s\n", "", threads, features);
}

int pb_cmd_backends(int argc, char **argv)
{
    return pb_cmd_plugin_list(&backends_help, argc, argv, &pb_backend_kind, 1, &pb_cols_backends,
                              backend_row);
}
