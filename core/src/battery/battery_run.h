/* Running a battery: every [experiment NAME] section through its plugin,
 * training on one backend, writing the run folder (runs.csv, one table per
 * experiment, claims.csv, manifest.csv). */
#ifndef PB_BATTERY_RUN_H
#define PB_BATTERY_RUN_H

#include "phasebench/backend.h"

#include <stddef.h>

typedef struct pb_run_options {
    const char *battery_path;
    const char *backend;     /* NULL or "": the default backend */
    pb_dtype dtype;
    int threads;
    const char *device;
    const char *out_dir;     /* created; must not hold a previous run */
    int dry_run;             /* plan only: runs and work per experiment */
    int quiet;               /* no progress line */
    double scale;            /* budget multiplier (max_steps), 1 = as written */
    /* scale-out (battery_units.h) */
    int jobs;                /* units computed at once by worker processes; 0: auto */
    int shard_k, shard_n;    /* --shard K/N: only the units of shard K (1-based); 0: all */
    int resume;              /* out_dir holds an interrupted run: keep its finished units */
    /* merge: out_dir/units holds every unit; the identity comes from the
     * shards' manifests (a backend is opened only if a unit is missing) */
    int merging;
    const char *merge_features;
    const char *merge_battery_hash; /* merge, resume: refuse a battery file that changed */
} pb_run_options;

typedef struct pb_run_summary {
    int64_t runs, failed_runs;
    int claims_pass, claims_fail, claims_not_judged;
    int experiments_failed;
} pb_run_summary;

/* Plans the battery's units of work, computes those not already in
 * out_dir/units (all, or shard K of N) with o->jobs worker processes, then
 * writes the report by replaying the experiments over the units' results,
 * in plan order: the same bytes whatever the jobs, shards or interruptions
 * (but the wall-time columns).  A shard writes its units and manifest only.
 * Returns 0 when the battery ran (whatever the verdicts), 2 on a usage or
 * input error (message in err), 1 when an experiment failed. */
int pb_battery_run(const pb_run_options *o, pb_run_summary *sum, char *err, size_t err_len);

#endif
