/* Reading a run folder's manifest.csv (key,value) and telling whether the
 * run in it finished: used by `run --resume`, `merge` and `compare`. */
#ifndef PB_RUN_MANIFEST_H
#define PB_RUN_MANIFEST_H

#include "csv_table.h"

#include <stddef.h>

typedef struct pb_manifest {
    pb_csv_table t;
    char path[2100];
} pb_manifest;

/* Returns 0, or -1 with "DIR/manifest.csv: reason" in err. */
int pb_manifest_read(const char *dir, pb_manifest *m, char *err, size_t err_len);
/* The value of key, or NULL when the manifest has no such key. */
const char *pb_manifest_get(const pb_manifest *m, const char *key);
void pb_manifest_free(pb_manifest *m);

/* Whether the run in DIR is unfinished: 0 when its manifest says the run
 * ended (or there is no manifest to tell: an older or hand-made folder),
 * 1 with an explanation in msg when it is still running, was interrupted
 * (status `running` but its process, on this host, is gone; or status
 * `interrupted`), or is a single shard that must be merged first.
 * `alive` (may be NULL) is set to 1 when the process is still running. */
int pb_run_dir_incomplete(const char *dir, char *msg, size_t msg_len, int *alive);

#endif
