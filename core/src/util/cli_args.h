/* Table-driven parsing of `--name VALUE` / `--name=VALUE` flags for the
 * subcommands.  Every error names the flag and the offending value. */
#ifndef PB_CLI_ARGS_H
#define PB_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum pb_opt_type {
    PB_OPT_STR,   /* char[size] */
    PB_OPT_SIZE,  /* size_t, within [min, max] */
    PB_OPT_I64,   /* int64_t, within [min, max] */
    PB_OPT_U64,   /* uint64_t seed */
    PB_OPT_INT,   /* int, within [min, max] */
    PB_OPT_DBL,   /* double, finite unless min is -inf; within [min, max] */
    PB_OPT_FLAG   /* int set to 1, takes no value */
} pb_opt_type;

typedef struct pb_opt {
    const char *name;     /* without the leading dashes */
    pb_opt_type type;
    void *target;
    size_t size;          /* for PB_OPT_STR */
    double min, max;      /* for the numeric types (ignored when min == max == 0) */
    const char *metavar;
    const char *help;
    int seen;
} pb_opt;

/* Parse argv[first..argc).  Non-flag arguments are stored in positional
 * (at most max_positional; more is an error).  "--help"/"-h" sets *help.
 * Returns 0, or -1 with a message. */
int pb_opts_parse(pb_opt *opts, size_t n_opts, int argc, char **argv, int first,
                  const char **positional, size_t max_positional, size_t *n_positional,
                  int *help, char *err, size_t err_len);

/* One line per flag: --name METAVAR  help (default shown by the caller's
 * help text). */
void pb_opts_usage(FILE *f, const pb_opt *opts, size_t n_opts);

/* What a subcommand says about itself under --help: `about` before the
 * flag list (starting with its usage line), `after` (may be NULL) after it. */
typedef struct pb_cmd_help {
    const char *name;   /* "train": error messages start "phasebench train: " */
    const char *about;
    const char *after;
} pb_cmd_help;

/* Parse a subcommand's argv (flags from argv[2]).  Returns -1 when the
 * command should go on; otherwise the exit code to return at once: 0 after
 * printing --help on stdout, 2 after printing the error on stderr. */
int pb_cmd_parse(const pb_cmd_help *cmd, pb_opt *opts, size_t n_opts, int argc, char **argv,
                 const char **positional, size_t max_positional, size_t *n_positional);

/* Find a flag by name (to ask whether it was given). */
const pb_opt *pb_opts_find(const pb_opt *opts, size_t n_opts, const char *name);

#endif
