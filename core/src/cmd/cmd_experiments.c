#include "commands.h"

#include "cmd_plugin_list.h"
#include "tables.h"

#include <stdio.h>

static const pb_cmd_help experiments_help = {
    "experiments",
    "usage: phasebench experiments [--csv]\n\n"
               "Lists every experiment plugin found on the search path (the names a battery's\n"
               "[experiment NAME] sections may use), whether it loaded, its ABI version and\n"
               "the reason when it was refused.  Each plugin's README lists its keys.\n"
               "Search path: $PHASEBENCH_PLUGIN_PATH, the build tree, <exe>/../lib/phasebench,\n"
               "the installed plugin folder.\n\n",
    NULL};

static void experiment_row(const pb_plugin *p, pb_row *row, char *notes, size_t len)
{
    char abi[32] = "-";
    if (p->abi_major || p->abi_minor)
        snprintf(abi, sizeof abi, "%u.%u", p->abi_major, p->abi_minor);
    pb_row_str(row, "name", p->name);
    pb_row_str(row, "state", pb_plugin_state_name(p->state));
    pb_row_str(row, "abi", abi);
    pb_row_str(row, "path", p->path);
    pb_row_str(row, "sha256", p->sha256);
    pb_row_str(row, "reason", p->reason);
    if (p->reason[0])
        snprintf(notes, len, "%31s reason: %s\n", "", p->reason);
}

int pb_cmd_experiments(int argc, char **argv)
{
    return pb_cmd_plugin_list(&experiments_help, argc, argv, &pb_experiment_kind, 0,
                              &pb_cols_experiments, experiment_row);
}
