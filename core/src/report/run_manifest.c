#include "run_manifest.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int pb_manifest_read(const char *dir, pb_manifest *m, char *err, size_t err_len)
{
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s/manifest.csv", dir);
    if (pb_csv_read(m->path, &m->t, err, err_len) != 0)
        return -1;
    if (pb_csv_col(&m->t, "key") != 0 || pb_csv_col(&m->t, "value") != 1) {
        snprintf(err, err_len, "%s: expected the columns key,value", m->path);
        pb_csv_table_free(&m->t);
        return -1;
    }
    return 0;
}

const char *pb_manifest_get(const pb_manifest *m, const char *key)
{
    for (size_t i = 0; i < m->t.nrows; i++)
        if (strcmp(pb_csv_cell(&m->t, i, 0), key) == 0)
            return pb_csv_cell(&m->t, i, 1);
    return NULL;
}

void pb_manifest_free(pb_manifest *m)
{
    pb_csv_table_free(&m->t);
}

int pb_run_dir_incomplete(const char *dir, char *msg, size_t msg_len, int *alive)
{
    if (alive)
        *alive = 0;
    pb_manifest m;
    char err[512];
    if (pb_manifest_read(dir, &m, err, sizeof err) != 0)
        return 0;
    const char *status = pb_manifest_get(&m, "status");
    const char *shard = pb_manifest_get(&m, "shard");
    const char *pid_s = pb_manifest_get(&m, "pid");
    const char *host = pb_manifest_get(&m, "host");
    const char *done = pb_manifest_get(&m, "units_done");
    const char *total = pb_manifest_get(&m, "units");
    char units[96] = "";
    if (done && total && *total)
        snprintf(units, sizeof units, " (%s of %s units of work finished)", done, total);
    int rc = 0;
    if (status && strcmp(status, "running") == 0) {
        char here[256] = "";
        gethostname(here, sizeof here - 1);
        long pid = pid_s ? strtol(pid_s, NULL, 10) : 0;
        int same_host = host && strcmp(host, here) == 0;
        int is_alive = same_host && pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
        if (alive)
            *alive = is_alive;
        if (is_alive)
            snprintf(msg, msg_len, "%s is incomplete: its run is still going (process %ld)%s",
                     dir, pid, units);
        else if (same_host)
            snprintf(msg, msg_len,
                     "%s is incomplete: interrupted (status running, process %ld is gone)%s; "
                     "continue it with `phasebench run --resume %s`",
                     dir, pid, units, dir);
        else
            snprintf(msg, msg_len,
                     "%s is incomplete: status running on host %s (still going or interrupted)%s; "
                     "continue an interrupted run with `phasebench run --resume %s`",
                     dir, host ? host : "?", units, dir);
        rc = 1;
    } else if (status && strcmp(status, "interrupted") == 0) {
        snprintf(msg, msg_len,
                 "%s is incomplete: interrupted%s; continue it with `phasebench run --resume %s`",
                 dir, units, dir);
        rc = 1;
    } else if (shard && *shard) {
        snprintf(msg, msg_len,
                 "%s holds shard %s of a run, not a report: join the shards with "
                 "`phasebench merge OUT SHARD_DIR...`", dir, shard);
        rc = 1;
    }
    pb_manifest_free(&m);
    return rc;
}
