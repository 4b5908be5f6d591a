/* The one declaration of every training parameter: its name, its flag of
 * `phasebench train`, its battery key, its type, its accepted range, its
 * default (pb_train_config_default), its help text and its column in
 * runs.csv.  The command line (cmd_train.c), the battery reader
 * (exp_services.c), the plan-time check of `run` and `run --dry-run`
 * (battery_run.c), the report row (train.c), the run spec handed to and
 * taken from experiment plugins and the key of a stored result
 * (exp_services.c, unit_store.c) all go through this table, so they cannot
 * disagree on what a value means or which values are valid, and a new
 * parameter cannot be forgotten in one of them.
 *
 * A value is used exactly as written or refused: an integer parameter takes
 * digits or a number whose value is an exact integer (1e4), never a fraction
 * and never a list; a real parameter takes one finite number in its range. */
#ifndef PB_TRAIN_PARAMS_H
#define PB_TRAIN_PARAMS_H

#include "phasebench/experiment.h"
#include "report.h"
#include "train.h"

#include <stddef.h>

typedef enum pb_param_type {
    PB_PARAM_STR,   /* char[] of the config (dataset) */
    PB_PARAM_ENUM,  /* one of a list of names (act, loss) */
    PB_PARAM_SIZE,  /* size_t */
    PB_PARAM_I64,   /* int64_t */
    PB_PARAM_U64,   /* uint64_t (seeds) */
    PB_PARAM_DBL    /* double */
} pb_param_type;

/* How the parameter appears in runs.csv. */
typedef enum pb_param_column {
    PB_COLUMN_NONE,   /* not a column (a safety cap, or part of a derived one) */
    PB_COLUMN_VALUE,  /* its value, under `column` */
    PB_COLUMN_TAU     /* the derived momentum time tau = pb_train_tau(c) */
} pb_param_column;

typedef struct pb_param {
    const char *name;    /* canonical name, as in messages */
    const char *flag;    /* `phasebench train --FLAG`, without dashes; NULL: none */
    const char *key;     /* battery key; NULL: not settable from a battery */
    pb_param_type type;
    double min, max;     /* numeric types: the accepted closed range */
    size_t offset;       /* of the field in pb_train_config */
    size_t size;         /* PB_PARAM_STR: the field's size */
    /* Its member of pb_run_spec (experiment.h), of the same name: offset and
     * size; spec_size 0: the parameter does not reach experiment plugins.
     * PB_PARAM_STR and PB_PARAM_ENUM are char[spec_size] there (an enum as
     * its name), the numeric types the same C type as in the config. */
    size_t spec_offset, spec_size;
    const char *metavar;
    const char *help;    /* without the default, which is printed from the config */
    pb_param_column column_kind;
    const char *column;  /* runs.csv column name */
} pb_param;

/* The table, in runs.csv column order. */
extern const pb_param pb_params[];
extern const size_t pb_n_params;

/* By battery key / by flag; NULL when there is none. */
const pb_param *pb_param_by_key(const char *key);
const pb_param *pb_param_by_flag(const char *flag);

/* Parse text as the value of p and store it in c.  Returns 0, or -1 with
 * "expected an integer in [1, 16], found '0'" (no prefix: the caller says
 * where the value came from, a flag or FILE:LINE). */
int pb_param_set(const pb_param *p, pb_train_config *c, const char *text, char *err,
                 size_t err_len);

/* Whether the number v is a valid value of the numeric parameter p (an
 * integer type needs an exact integer).  Returns 0, or -1 with the reason
 * in the same words as pb_param_set. */
int pb_param_check_number(const pb_param *p, double v, char *err, size_t err_len);

/* The value of p in c as text (the default, when c is the default config). */
void pb_param_format(const pb_param *p, const pb_train_config *c, char *buf, size_t len);

/* Whether a plugin's pb_run_spec of struct_size bytes holds p's member
 * (PB_SIZE_COVERS for the member the row names); 0 when p has none. */
int pb_param_in_spec(const pb_param *p, size_t struct_size);

/* Every parameter member of the spec s from c (enums as their names); the
 * other members of s (struct_size, want_ntk, want_test_outputs) are left
 * as they are.  No scaling: the caller applies `--scale` to the budgets. */
void pb_params_to_spec(const pb_train_config *c, pb_run_spec *s);

/* The parameter members of s that s->struct_size covers into c; the others
 * keep their value in c (the caller starts from pb_train_config_default, so
 * a plugin of an older minor version gets the defaults of the members it
 * does not have).  Returns 0, or -1 with "spec member 'act': expected one
 * of ..., found 'x'" when an enum name is unknown (c is then partly set). */
int pb_params_from_spec(const pb_run_spec *s, pb_train_config *c, char *err, size_t err_len);

/* The value of p's member of s as exact text (doubles as C99 hex floats,
 * strings up to the member's size), or, when s->struct_size does not cover
 * it, the default's: the value a run made from s uses.  p must have a spec
 * member. */
void pb_param_spec_format(const pb_param *p, const pb_run_spec *s, char *buf, size_t len);

/* Check every parameter of c against its range (a config assembled by an
 * experiment plugin).  Returns 0, or -1 with "key 'L': ..." in err. */
int pb_train_config_check(const pb_train_config *c, char *err, size_t err_len);

/* The parameter columns of a runs.csv row, in table order. */
void pb_params_row(const pb_train_config *c, pb_row *row);
/* Their declarations (report.h), in the same order, into out (cap entries;
 * pb_n_params always suffice): name, type, help as the meaning.  Returns
 * how many. */
size_t pb_params_columns(pb_column *out, size_t cap);

#endif
