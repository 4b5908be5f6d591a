/* The listing shared by `phasebench backends` and `phasebench experiments`:
 * the plugins of one kind on the search path, as a text table with notes
 * under each row or, with --csv, as the CSV of the same declared columns. */
#ifndef PB_CMD_PLUGIN_LIST_H
#define PB_CMD_PLUGIN_LIST_H

#include "cli_args.h"
#include "loader.h"
#include "report.h"

#include <stddef.h>

/* Fill row (declared by the listing's columns) for plugin p, and the text
 * shown under the row in the terminal table (notes, "" for none). */
typedef void (*pb_plugin_row_fn)(const pb_plugin *p, pb_row *row, char *notes, size_t len);

/* Parse argv (--csv, --help), scan the search path for `kind` (probing each
 * backend when probe is set), print one row per plugin, free the registry.
 * Returns the exit code (0, or 2 on a usage error). */
int pb_cmd_plugin_list(const pb_cmd_help *help, int argc, char **argv,
                       const pb_plugin_kind *kind, int probe, const pb_columns *cols,
                       pb_plugin_row_fn fill);

#endif
