/* The units of work of a battery (issue 10: jobs, shards, resume).
 *
 * A unit is what one process computes on its own: one training run (or one
 * kernel machine) of an experiment, or a sequence of runs the plugin
 * declared dependent (svc->unit, e.g. the jamming scan of one alpha, where
 * each width depends on the last).  Units are found by running every
 * experiment plugin once with placeholder results (the discovery pass of
 * battery_run.c) and numbered in the order the plugins ask for them, so the
 * plan and its ids depend on the battery alone.  Reports never depend on
 * which process ran a unit, or when: they are written by replaying the
 * plugins over the units' recorded results in the plan's order. */
#ifndef PB_BATTERY_UNITS_H
#define PB_BATTERY_UNITS_H

#include "phasebench/experiment.h"

#include "unit_store.h"

#include <stddef.h>

typedef enum pb_unit_state { PB_UNIT_TODO = 0, PB_UNIT_DONE = 1, PB_UNIT_DEAD = 2 } pb_unit_state;

typedef struct pb_unit {
    char id[200];         /* "0007-kernel-lazy_scan-h32-a10-s1": stable for a battery */
    char *key;            /* a one-call unit: the call key; a declared unit: NULL */
    char declared[200];   /* a declared unit: "<experiment>-<plugin's key>" */
    size_t section;       /* index of its experiment section among the planned ones */
    double weight;        /* relative work of the calls seen while planning */
    double gflop;         /* estimated work: its share of the section's plan() bound */
    int shard;            /* 1..N under --shard K/N, else 0 */
    pb_run_spec first;    /* its first call (the data to load before forking) */
    pb_unit_rec rec;      /* the results, once computed or read back */
    pb_unit_state state;
    char why[320];        /* PB_UNIT_DEAD: what happened to its process */
} pb_unit;

typedef struct pb_units {
    pb_unit *u;
    size_t n, cap;
    void *index;          /* tsearch tree: (section, key or declared name) -> unit */
} pb_units;

void pb_units_free(pb_units *p);

/* The unit of a call of section `section`: the declared one (declared !=
 * NULL) or the one-call unit of `key`; NULL when the plan has none. */
pb_unit *pb_units_find(pb_units *p, size_t section, const char *declared, const char *key);

/* Add a unit (discovery).  desc: the readable part of the id.  Returns the
 * unit or NULL (memory). */
pb_unit *pb_units_add(pb_units *p, size_t section, const char *declared, const char *key,
                      const char *desc, const pb_run_spec *first);

/* Relative work of one call (flop up to a constant): 6 P N per gradient
 * evaluation over the step budget for a run (plus two NTK Grams with
 * want_ntk), the Gram matrices and P^2 per step for a kernel machine; the
 * model of plugins/common/pbx_work.h. */
double pb_units_call_weight(pb_call_kind kind, const pb_run_spec *s);

/* Split the units into n shards balanced by estimated work: longest unit
 * first onto the least loaded shard (ties: lower unit index, lower shard),
 * deterministic.  shard_gflop[0..n) receives each shard's total (may be
 * NULL).  Returns -1 when n < 1. */
int pb_units_assign_shards(pb_units *p, int n, double *shard_gflop);

#endif
