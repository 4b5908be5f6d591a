#include "cli_args.h"

#include "strutil.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const pb_opt *pb_opts_find(const pb_opt *opts, size_t n_opts, const char *name)
{
    for (size_t i = 0; i < n_opts; i++)
        if (strcmp(opts[i].name, name) == 0)
            return &opts[i];
    return NULL;
}

static int in_range(const pb_opt *o, double v)
{
    if (o->min == 0 && o->max == 0)
        return 1;
    return v >= o->min && v <= o->max;
}

static int set_value(pb_opt *o, const char *v, char *err, size_t err_len)
{
    char *end = NULL;
    errno = 0;
    switch (o->type) {
    case PB_OPT_STR:
        if (strlen(v) >= o->size) {
            snprintf(err, err_len, "--%s: value longer than %zu characters", o->name, o->size - 1);
            return -1;
        }
        pb_strcpy_trunc(o->target, o->size, v);
        return 0;
    case PB_OPT_SIZE:
    case PB_OPT_I64:
    case PB_OPT_INT:
    case PB_OPT_U64: {
        /* Accept integers written as 1e4 too: budgets read better that way. */
        double dv = strtod(v, &end);
        if (end == v || *end || errno || !isfinite(dv) || dv != floor(dv)) {
            snprintf(err, err_len, "--%s: expected an integer, got '%s'", o->name, v);
            return -1;
        }
        if (!in_range(o, dv) || (o->type != PB_OPT_I64 && dv < 0) || fabs(dv) > 9.0e18) {
            snprintf(err, err_len, "--%s: %s is out of range [%.17g, %.17g]", o->name, v, o->min,
                     o->max);
            return -1;
        }
        if (o->type == PB_OPT_SIZE)
            *(size_t *)o->target = (size_t)dv;
        else if (o->type == PB_OPT_I64)
            *(int64_t *)o->target = (int64_t)dv;
        else if (o->type == PB_OPT_INT)
            *(int *)o->target = (int)dv;
        else
            *(uint64_t *)o->target = (uint64_t)dv;
        return 0;
    }
    case PB_OPT_DBL: {
        double dv = strtod(v, &end);
        if (end == v || *end || isnan(dv)) {
            snprintf(err, err_len, "--%s: expected a number, got '%s'", o->name, v);
            return -1;
        }
        if (!in_range(o, dv)) {
            snprintf(err, err_len, "--%s: %s is out of range [%g, %g]", o->name, v, o->min, o->max);
            return -1;
        }
        *(double *)o->target = dv;
        return 0;
    }
    case PB_OPT_FLAG:
        *(int *)o->target = 1;
        return 0;
    }
    return -1;
}

int pb_opts_parse(pb_opt *opts, size_t n_opts, int argc, char **argv, int first,
                  const char **positional, size_t max_positional, size_t *n_positional,
                  int *help, char *err, size_t err_len)
{
    *n_positional = 0;
    *help = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = 1;
            return 0;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (*n_positional >= max_positional) {
                snprintf(err, err_len, "unexpected argument '%s'", a);
                return -1;
            }
            positional[(*n_positional)++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        pb_opt *o = NULL;
        for (size_t k = 0; k < n_opts; k++)
            if (strlen(opts[k].name) == nlen && strncmp(opts[k].name, name, nlen) == 0)
                o = &opts[k];
        if (!o) {
            snprintf(err, err_len, "unknown flag '--%.*s' (see --help)", (int)nlen, name);
            return -1;
        }
        const char *value = NULL;
        if (o->type == PB_OPT_FLAG) {
            if (eq) {
                snprintf(err, err_len, "--%s takes no value", o->name);
                return -1;
            }
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            snprintf(err, err_len, "--%s needs a value (%s)", o->name,
                     o->metavar ? o->metavar : "VALUE");
            return -1;
        }
        if (set_value(o, value ? value : "", err, err_len) != 0)
            return -1;
        o->seen = 1;
    }
    return 0;
}

void pb_opts_usage(FILE *f, const pb_opt *opts, size_t n_opts)
{
    for (size_t i = 0; i < n_opts; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].type == PB_OPT_FLAG ? "" : " ",
                 opts[i].type == PB_OPT_FLAG ? "" : (opts[i].metavar ? opts[i].metavar : "VALUE"));
        fprintf(f, "  %-24s %s\n", left, opts[i].help ? opts[i].help : "");
    }
}

int pb_cmd_parse(const pb_cmd_help *cmd, pb_opt *opts, size_t n_opts, int argc, char **argv,
                 const char **positional, size_t max_positional, size_t *n_positional)
{
    char err[1024];
    int help = 0;
    if (pb_opts_parse(opts, n_opts, argc, argv, 2, positional, max_positional, n_positional, &help,
                      err, sizeof err) != 0) {
        fprintf(stderr, "phasebench %s: %s\n", cmd->name, err);
        return 2;
    }
    if (!help)
        return -1;
    fputs(cmd->about, stdout);
    pb_opts_usage(stdout, opts, n_opts);
    if (cmd->after)
        fputs(cmd->after, stdout);
    return 0;
}
