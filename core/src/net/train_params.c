#include "train_params.h"

#include "activation.h"
#include "model.h"
#include "strutil.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2^53: every integer up to it is exact in a double, so a value written as
 * 1e15 means exactly what it says. */
#define EXACT_INT 9007199254740992.0

#define OFF(field) offsetof(pb_train_config, field)
/* Its member of pb_run_spec (same name), or none. */
#define SPEC(field) offsetof(pb_run_spec, field), sizeof(((pb_run_spec *)0)->field)
#define NO_SPEC 0, 0

const pb_param pb_params[] = {
    {"dataset", "dataset", "dataset", PB_PARAM_STR, 0, 0, OFF(dataset),
     sizeof(((pb_train_config *)0)->dataset), SPEC(dataset), "SPEC",
     "data set: random|stripe|sphere|fashion|fashion:DIR|mnist:DIR|cifar10:DIR",
     PB_COLUMN_VALUE, "dataset"},
    {"d", "d", "d", PB_PARAM_SIZE, 0, 1e6, OFF(d), 0, SPEC(d), "D",
     "input dimension: PCA components, or synthetic dimension (0: raw)", PB_COLUMN_VALUE, "d"},
    {"ptr", "ptr", "ptr", PB_PARAM_SIZE, 1, 1e8, OFF(ptr), 0, SPEC(ptr), "P", "training set size P",
     PB_COLUMN_VALUE, "ptr"},
    {"pte", "pte", "pte", PB_PARAM_SIZE, 0, 1e8, OFF(pte), 0, SPEC(pte), "N",
     "test set size (0: no test set; the test columns stay empty)", PB_COLUMN_VALUE, "pte"},
    {"ptk", "ptk", "ptk", PB_PARAM_SIZE, 0, 1e8, OFF(ptk), 0, SPEC(ptk), "N", "kernel set size",
     PB_COLUMN_VALUE, "ptk"},
    {"L", "L", "L", PB_PARAM_SIZE, 1, PB_MAX_LAYERS, OFF(L), 0, SPEC(L), "L", "hidden layers",
     PB_COLUMN_VALUE, "L"},
    {"h", "h", "h", PB_PARAM_SIZE, 1, 1e6, OFF(h), 0, SPEC(h), "H", "width", PB_COLUMN_VALUE, "h"},
    {"act", "act", "act", PB_PARAM_ENUM, 0, 0, OFF(act), 0,
     SPEC(act), "NAME", "swish|relu|tanh|softplus", PB_COLUMN_VALUE, "act"},
    {"act_beta", "act-beta", "act_beta", PB_PARAM_DBL, 1e-6, 1e6, OFF(act_beta), 0,
     SPEC(act_beta), "B", "activation sharpness beta", PB_COLUMN_VALUE, "act_beta"},
    {"alpha", "alpha", "alpha", PB_PARAM_DBL, 1e-300, 1e300, OFF(alpha), 0, SPEC(alpha), "A",
     "output scale alpha-tilde", PB_COLUMN_VALUE, "alpha"},
    {"loss", "loss", "loss", PB_PARAM_ENUM, 0, 0, OFF(loss), 0,
     SPEC(loss), "NAME", "softhinge|hinge|qhinge", PB_COLUMN_VALUE, "loss"},
    {"loss_beta", "loss-beta", "loss_beta", PB_PARAM_DBL, 1e-6, 1e6, OFF(loss_beta), 0,
     SPEC(loss_beta), "B", "soft hinge sharpness", PB_COLUMN_VALUE, "loss_beta"},
    {"loss_margin", "loss-margin", "loss_margin", PB_PARAM_DBL, 0, 1e6, OFF(loss_margin), 0,
     SPEC(loss_margin), "M", "margin, also the stop margin", PB_COLUMN_VALUE, "loss_margin"},
    {"margin_tol", "margin-tol", "margin_tol", PB_PARAM_DBL, 0, 1, OFF(margin_tol), 0,
     SPEC(margin_tol), "E",
     "also stop converged when every margin >= loss_margin - E (0: strict; use with qhinge)",
     PB_COLUMN_VALUE, "margin_tol"},
    {"tau_over_h", "tau-over-h", "tau_over_h", PB_PARAM_DBL, 0, 1e12, OFF(tau_over_h), 0,
     SPEC(tau_over_h), "X",
     "momentum: tau = X h min(1, tau_alpha_crit/alpha) (0: plain flow); reported as `tau`",
     PB_COLUMN_TAU, "tau"},
    {"tau_alpha_crit", "tau-alpha-crit", "tau_alpha_crit", PB_PARAM_DBL, 1e-300, 1e300,
     OFF(tau_alpha_crit), 0, SPEC(tau_alpha_crit), "A", "momentum alpha cut (enters `tau`)",
     PB_COLUMN_NONE, NULL},
    {"seed_init", "seed-init", "seed_init", PB_PARAM_U64, 0, EXACT_INT, OFF(seed_init), 0,
     SPEC(seed_init), "S", "initial weights seed", PB_COLUMN_VALUE, "seed_init"},
    {"seed_data", "seed-data", "seed_data", PB_PARAM_U64, 0, EXACT_INT, OFF(seed_data), 0,
     SPEC(seed_data), "S", "data split / synthetic data seed", PB_COLUMN_VALUE, "seed_data"},
    {"max_steps", "max-steps", "max_steps", PB_PARAM_I64, 0, 9e18, OFF(max_steps), 0,
     SPEC(max_steps), "N", "budget in accepted steps (0: none)", PB_COLUMN_VALUE, "max_steps"},
    {"max_time", "max-time", "max_time", PB_PARAM_DBL, 0, 1e300, OFF(max_time), 0,
     SPEC(max_time), "T", "budget in flow time (0: none)", PB_COLUMN_VALUE, "max_time"},
    /* Wall-clock time is never a budget of a battery (verdicts must not
     * depend on the machine): a command-line safety cap only. */
    {"max_wall", "max-wall", NULL, PB_PARAM_DBL, 0, 1e300, OFF(max_wall), 0, NO_SPEC, "S",
     "safety cap in seconds (0: none; stop_reason=wall)", PB_COLUMN_NONE, NULL},
};
const size_t pb_n_params = sizeof pb_params / sizeof *pb_params;

const pb_param *pb_param_by_key(const char *key)
{
    for (size_t i = 0; i < pb_n_params; i++)
        if (pb_params[i].key && strcmp(pb_params[i].key, key) == 0)
            return &pb_params[i];
    return NULL;
}

const pb_param *pb_param_by_flag(const char *flag)
{
    for (size_t i = 0; i < pb_n_params; i++)
        if (pb_params[i].flag && strcmp(pb_params[i].flag, flag) == 0)
            return &pb_params[i];
    return NULL;
}

static void *field(const pb_param *p, pb_train_config *c) { return (char *)c + p->offset; }
static const void *cfield(const pb_param *p, const pb_train_config *c)
{
    return (const char *)c + p->offset;
}

static int is_integer_type(pb_param_type t)
{
    return t == PB_PARAM_SIZE || t == PB_PARAM_I64 || t == PB_PARAM_U64;
}

static void describe(const pb_param *p, char *buf, size_t len)
{
    if (p->type == PB_PARAM_ENUM)
        snprintf(buf, len, "one of %s", p->help);
    else if (p->type == PB_PARAM_STR)
        snprintf(buf, len, "a non-empty word");
    else if (is_integer_type(p->type))
        snprintf(buf, len, "an integer in [%.17g, %.17g]", p->min, p->max);
    else
        snprintf(buf, len, "a number in [%.17g, %.17g]", p->min, p->max);
}

int pb_param_check_number(const pb_param *p, double v, char *err, size_t err_len)
{
    int ok = isfinite(v) && v >= p->min && v <= p->max;
    if (ok && is_integer_type(p->type))
        ok = v == floor(v) && fabs(v) <= (p->type == PB_PARAM_I64 ? 9.2e18 : 1.8e19);
    if (!ok) {
        char what[96];
        describe(p, what, sizeof what);
        snprintf(err, err_len, "expected %s, found %.17g", what, v);
        return -1;
    }
    return 0;
}

/* Text as one number: the whole text, no blanks, C syntax, decimal. */
static int parse_number(const char *text, double *v)
{
    if (!*text || strpbrk(text, " \t,xX"))
        return 0;
    char *end;
    errno = 0;
    double x = strtod(text, &end);
    if (end == text || *end || errno == ERANGE)
        return 0;
    *v = x;
    return 1;
}

static int set_enum(const pb_param *p, pb_train_config *c, const char *text)
{
    if (strcmp(p->name, "act") == 0) {
        pb_act_kind k;
        if (pb_act_parse(text, &k) != 0)
            return -1;
        c->act = k;
        return 0;
    }
    pb_loss_kind k;
    if (pb_loss_parse(text, &k) != 0)
        return -1;
    c->loss = k;
    return 0;
}

int pb_param_set(const pb_param *p, pb_train_config *c, const char *text, char *err,
                 size_t err_len)
{
    char what[128];
    describe(p, what, sizeof what);
    switch (p->type) {
    case PB_PARAM_STR:
        if (!*text || strlen(text) >= p->size || strchr(text, ',')) {
            snprintf(err, err_len, "expected %s of at most %zu characters, found '%s'", what,
                     p->size - 1, text);
            return -1;
        }
        pb_strcpy_trunc(field(p, c), p->size, text);
        return 0;
    case PB_PARAM_ENUM:
        if (set_enum(p, c, text) != 0) {
            snprintf(err, err_len, "expected %s, found '%s'", what, text);
            return -1;
        }
        return 0;
    case PB_PARAM_SIZE:
    case PB_PARAM_I64:
    case PB_PARAM_U64:
    case PB_PARAM_DBL: {
        double v;
        /* Plain digits are read exactly, not through a double that would
         * round 2^53 + 1 into range. */
        int digits = strspn(text, "0123456789") == strlen(text) && is_integer_type(p->type);
        int exact_ok = 1;
        if (digits) {
            errno = 0;
            unsigned long long u = strtoull(text, NULL, 10);
            exact_ok = errno != ERANGE && (double)u <= p->max &&
                       (p->max >= 1.8e19 || u <= (unsigned long long)p->max);
        }
        if (!exact_ok || !parse_number(text, &v) ||
            pb_param_check_number(p, v, err, err_len) != 0) {
            snprintf(err, err_len, "expected %s, found '%s'", what, text);
            return -1;
        }
        if (p->type == PB_PARAM_SIZE)
            *(size_t *)field(p, c) = digits ? (size_t)strtoull(text, NULL, 10) : (size_t)v;
        else if (p->type == PB_PARAM_I64)
            *(int64_t *)field(p, c) = digits ? (int64_t)strtoll(text, NULL, 10) : (int64_t)v;
        else if (p->type == PB_PARAM_U64)
            *(uint64_t *)field(p, c) = digits ? (uint64_t)strtoull(text, NULL, 10) : (uint64_t)v;
        else
            *(double *)field(p, c) = v;
        return 0;
    }
    }
    return -1;
}

static double numeric_value(const pb_param *p, const pb_train_config *c)
{
    switch (p->type) {
    case PB_PARAM_SIZE: return (double)*(const size_t *)cfield(p, c);
    case PB_PARAM_I64: return (double)*(const int64_t *)cfield(p, c);
    case PB_PARAM_U64: return (double)*(const uint64_t *)cfield(p, c);
    case PB_PARAM_DBL: return *(const double *)cfield(p, c);
    default: return 0;
    }
}

void pb_param_format(const pb_param *p, const pb_train_config *c, char *buf, size_t len)
{
    switch (p->type) {
    case PB_PARAM_STR: snprintf(buf, len, "%s", (const char *)cfield(p, c)); break;
    case PB_PARAM_ENUM:
        snprintf(buf, len, "%s",
                 strcmp(p->name, "act") == 0 ? pb_act_name(c->act) : pb_loss_name(c->loss));
        break;
    case PB_PARAM_SIZE: snprintf(buf, len, "%zu", *(const size_t *)cfield(p, c)); break;
    case PB_PARAM_I64: snprintf(buf, len, "%lld", (long long)*(const int64_t *)cfield(p, c)); break;
    case PB_PARAM_U64:
        snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)cfield(p, c));
        break;
    case PB_PARAM_DBL: snprintf(buf, len, "%.17g", *(const double *)cfield(p, c)); break;
    }
}

int pb_param_in_spec(const pb_param *p, size_t struct_size)
{
    return p->spec_size > 0 && struct_size >= p->spec_offset + p->spec_size;
}

static void *smember(const pb_param *p, pb_run_spec *s) { return (char *)s + p->spec_offset; }
static const void *csmember(const pb_param *p, const pb_run_spec *s)
{
    return (const char *)s + p->spec_offset;
}

/* The numeric types have the same C type in both structs: bytes copy. */
static size_t numeric_size(pb_param_type t)
{
    switch (t) {
    case PB_PARAM_SIZE: return sizeof(size_t);
    case PB_PARAM_I64: return sizeof(int64_t);
    case PB_PARAM_U64: return sizeof(uint64_t);
    case PB_PARAM_DBL: return sizeof(double);
    default: return 0;
    }
}

void pb_params_to_spec(const pb_train_config *c, pb_run_spec *s)
{
    for (size_t i = 0; i < pb_n_params; i++) {
        const pb_param *p = &pb_params[i];
        if (!p->spec_size)
            continue;
        if (p->type == PB_PARAM_STR || p->type == PB_PARAM_ENUM) {
            char text[300];
            pb_param_format(p, c, text, sizeof text);
            pb_strcpy_trunc(smember(p, s), p->spec_size, text);
        } else {
            memcpy(smember(p, s), cfield(p, c), numeric_size(p->type));
        }
    }
}

/* A char[] member of a plugin's spec as a string, even without its NUL. */
static void spec_text(const pb_param *p, const pb_run_spec *s, char *buf, size_t len)
{
    size_t n = strnlen(csmember(p, s), p->spec_size);
    if (n >= len)
        n = len - 1;
    memcpy(buf, csmember(p, s), n);
    buf[n] = '\0';
}

int pb_params_from_spec(const pb_run_spec *s, pb_train_config *c, char *err, size_t err_len)
{
    for (size_t i = 0; i < pb_n_params; i++) {
        const pb_param *p = &pb_params[i];
        if (!pb_param_in_spec(p, s->struct_size))
            continue;
        if (p->type == PB_PARAM_STR || p->type == PB_PARAM_ENUM) {
            char text[300], why[256];
            spec_text(p, s, text, sizeof text);
            if (p->type == PB_PARAM_STR) {
                /* checked with the whole config before the run */
                pb_strcpy_trunc(field(p, c), p->size, text);
            } else if (pb_param_set(p, c, text, why, sizeof why) != 0) {
                snprintf(err, err_len, "spec member '%s': %s", p->name, why);
                return -1;
            }
        } else {
            memcpy(field(p, c), csmember(p, s), numeric_size(p->type));
        }
    }
    return 0;
}

void pb_param_spec_format(const pb_param *p, const pb_run_spec *s, char *buf, size_t len)
{
    pb_run_spec def;
    if (!pb_param_in_spec(p, s->struct_size)) {
        pb_train_config c;
        pb_train_config_default(&c);
        memset(&def, 0, sizeof def);
        pb_params_to_spec(&c, &def);
        s = &def;
    }
    const void *m = csmember(p, s);
    switch (p->type) {
    case PB_PARAM_STR:
    case PB_PARAM_ENUM: spec_text(p, s, buf, len); break;
    case PB_PARAM_SIZE: snprintf(buf, len, "%zu", *(const size_t *)m); break;
    case PB_PARAM_I64: snprintf(buf, len, "%lld", (long long)*(const int64_t *)m); break;
    case PB_PARAM_U64: snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)m); break;
    case PB_PARAM_DBL: snprintf(buf, len, "%a", *(const double *)m); break;
    }
}

int pb_train_config_check(const pb_train_config *c, char *err, size_t err_len)
{
    for (size_t i = 0; i < pb_n_params; i++) {
        const pb_param *p = &pb_params[i];
        char why[256];
        if (p->type == PB_PARAM_STR || p->type == PB_PARAM_ENUM) {
            char text[300];
            pb_param_format(p, c, text, sizeof text);
            pb_train_config tmp = *c;
            if (pb_param_set(p, &tmp, text, why, sizeof why) == 0)
                continue;
        } else if (pb_param_check_number(p, numeric_value(p, c), why, sizeof why) == 0) {
            continue;
        }
        snprintf(err, err_len, "key '%s': %s", p->key ? p->key : p->name, why);
        return -1;
    }
    return 0;
}

void pb_params_row(const pb_train_config *c, pb_row *row)
{
    for (size_t i = 0; i < pb_n_params; i++) {
        const pb_param *p = &pb_params[i];
        if (p->column_kind == PB_COLUMN_TAU) {
            pb_row_dbl(row, p->column, pb_train_tau(c));
            continue;
        }
        if (p->column_kind != PB_COLUMN_VALUE)
            continue;
        switch (p->type) {
        case PB_PARAM_STR: pb_row_str(row, p->column, (const char *)cfield(p, c)); break;
        case PB_PARAM_ENUM: {
            char text[32];
            pb_param_format(p, c, text, sizeof text);
            pb_row_str(row, p->column, text);
            break;
        }
        /* integers exactly, not through a double */
        case PB_PARAM_SIZE: pb_row_int(row, p->column, (int64_t)*(const size_t *)cfield(p, c)); break;
        case PB_PARAM_I64: pb_row_int(row, p->column, *(const int64_t *)cfield(p, c)); break;
        case PB_PARAM_U64: pb_row_int(row, p->column, (int64_t)*(const uint64_t *)cfield(p, c)); break;
        case PB_PARAM_DBL: pb_row_dbl(row, p->column, numeric_value(p, c)); break;
        }
    }
}

size_t pb_params_columns(pb_column *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < pb_n_params && n < cap; i++) {
        const pb_param *p = &pb_params[i];
        if (p->column_kind == PB_COLUMN_NONE)
            continue;
        pb_col_type t = PB_COL_DBL;
        if (p->column_kind == PB_COLUMN_VALUE && (p->type == PB_PARAM_STR || p->type == PB_PARAM_ENUM))
            t = PB_COL_STR;
        else if (p->column_kind == PB_COLUMN_VALUE && p->type != PB_PARAM_DBL)
            t = PB_COL_INT;
        const char *meaning = p->column_kind == PB_COLUMN_TAU
                                  ? "derived momentum time tau = pb_train_tau(config)"
                                  : p->help;
        out[n++] = (pb_column){p->column, t, meaning, PB_TEXT_NONE, 0, NULL};
    }
    return n;
}
