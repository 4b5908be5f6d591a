/* The results of one unit of work of a battery, as a file.
 *
 * A unit (battery_units.h) is a set of training runs and kernel machines
 * that one process computes; its file records, per call the experiment
 * plugin made, the call's key (every parameter of the run spec), the runs.csv
 * row and everything the plugin was handed back (pb_run_result or
 * pb_km_result with the test outputs).  Replaying the plugin from these
 * records gives the rows an uninterrupted run would have written: doubles
 * are stored as C99 hexadecimal floats, so they read back bit for bit.
 *
 * Files are written through a temporary, fsync'd and renamed into place
 * (pb_atomic_open/close): a unit file that exists is whole. */
#ifndef PB_UNIT_STORE_H
#define PB_UNIT_STORE_H

#include "phasebench/experiment.h"

#include "report.h"

#include <stddef.h>

typedef enum pb_call_kind { PB_CALL_TRAIN = 0, PB_CALL_KM = 1 } pb_call_kind;

/* One call of svc->train or svc->kernel_machine and its outcome. */
typedef struct pb_call_rec {
    pb_call_kind kind;
    char *key;                /* the call key (pb_unit_call_key) */
    pb_row row;               /* runs.csv row (train only); cell names owned by `names` */
    char **names;
    size_t n_names;
    /* Full structs of the core's ABI, whatever the plugin's struct_size:
     * exp_services.c copies the covered part in and out at the edge. */
    pb_run_result res;        /* train; test_out/test_y point at out/y */
    pb_km_result km;          /* kernel machine; test_out points at out */
    double *out, *y;          /* n_out values each (y: train only, may be NULL) */
    size_t n_out;
} pb_call_rec;

/* The records of one unit, in call order. */
typedef struct pb_unit_rec {
    char *id;
    pb_call_rec *calls;
    size_t n, cap;
} pb_unit_rec;

void pb_unit_rec_init(pb_unit_rec *u, const char *id);
void pb_unit_rec_free(pb_unit_rec *u);

/* Append a call: copies key, row (names included) and result; out/y (n
 * values; either may be NULL) are copied too.  Returns 0 or -1 (memory). */
int pb_unit_rec_add_train(pb_unit_rec *u, const char *key, const pb_row *row,
                          const pb_run_result *res, const double *out, const double *y,
                          size_t n);
int pb_unit_rec_add_km(pb_unit_rec *u, const char *key, const pb_km_result *km,
                       const double *out, size_t n);

/* The first record with this kind and key, or NULL. */
const pb_call_rec *pb_unit_rec_find(const pb_unit_rec *u, pb_call_kind kind, const char *key);

/* The key of a call: its kind, the experiment, the role, every parameter
 * of the spec in the order of the parameter table (train_params.h; the
 * default for a member the spec's struct_size does not cover, as the run
 * uses it; doubles in hexadecimal) and want_ntk, want_test_outputs.  Two
 * calls with the same key compute the same thing.  Returns 0, or -1 when
 * len is too small. */
int pb_unit_call_key(char *out, size_t len, pb_call_kind kind, const char *experiment,
                     const char *role, const pb_run_spec *s);

/* DIR/<id>.unit, written durably (temporary, fsync, rename, fsync of DIR).
 * Returns 0, or -1 with "PATH: reason" in err. */
int pb_unit_rec_write(const char *dir, const pb_unit_rec *u, char *err, size_t err_len);

/* Read DIR/<id>.unit.  Returns 0; 1 when the file does not exist; -1 with
 * "PATH: reason" when it exists but is not a whole unit file of this id. */
int pb_unit_rec_read(const char *dir, const char *id, pb_unit_rec *u, char *err, size_t err_len);

#endif
