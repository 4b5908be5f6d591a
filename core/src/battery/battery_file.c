/* Battery file parser and value helpers.  See battery_file.h for the API and
 * benchmarks/README.md for the format as users see it. */
#include "sysutil.h"
#include "grow.h"
#include "battery_file.h"
#include "suggest.h"
#include "train_params.h"

#include "pb_pmath.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Experiment and battery names end up in report rows and folder names. */
#define NAME_MAX_LEN 63

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || !err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Trim blanks from both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_blank((*s)[*n - 1]))
        (*n)--;
}

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return is_lower(c) || (c >= 'A' && c <= 'Z'); }

/* key: [A-Za-z][A-Za-z0-9_-]*  (upper case for `L`, as the train flag) */
static int valid_key(const char *s, size_t n)
{
    if (n == 0 || !is_alpha(s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

/* name: [A-Za-z_][A-Za-z0-9_-]*, at most NAME_MAX_LEN characters */
static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > NAME_MAX_LEN || !(is_alpha(s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

const char *pb_bat_kind_name(pb_bat_kind k)
{
    switch (k) {
    case PB_BAT_BATTERY: return "battery";
    case PB_BAT_DEFAULTS: return "defaults";
    case PB_BAT_EXPERIMENT: return "experiment";
    }
    return "?";
}

/* "[battery]" or "[experiment jam]" into buf. */
static const char *section_label(const pb_bat_section *s, char *buf, size_t n)
{
    if (s->name && s->name[0])
        snprintf(buf, n, "[%s %s]", pb_bat_kind_name(s->kind), s->name);
    else
        snprintf(buf, n, "[%s]", pb_bat_kind_name(s->kind));
    return buf;
}

void pb_bat_hash_bytes(const void *data, size_t len, char out[17])
{
    const unsigned char *p = data;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016" PRIx64, h);
}

const char *pb_bat_hash(const pb_battery *b) { return b->hash; }

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */

typedef struct parser {
    pb_battery *b;
    size_t cap;          /* capacity of b->sections */
    size_t *entry_cap;   /* capacity of each section's entries */
    const char *path;
    char *err;
    size_t err_len;
} parser;

static int add_section(parser *p, pb_bat_kind kind, const char *name,
                       size_t name_len, int line)
{
    pb_battery *b = p->b;
    /* sections and their entry capacities grow together */
    size_t cap_s = p->cap, cap_e = p->cap;
    pb_bat_section *grown = pb_grow(b->sections, b->n_sections, &cap_s, sizeof *grown, 8);
    if (!grown)
        goto oom;
    b->sections = grown;
    size_t *ec = pb_grow(p->entry_cap, b->n_sections, &cap_e, sizeof *ec, 8);
    if (!ec)
        goto oom;
    p->entry_cap = ec;
    p->cap = cap_e;
    pb_bat_section *s = &b->sections[b->n_sections];
    memset(s, 0, sizeof *s);
    s->name = dup_range(name, name_len);
    if (!s->name)
        goto oom;
    s->path = b->path;
    s->kind = kind;
    s->line = line;
    p->entry_cap[b->n_sections] = 0;
    b->n_sections++;
    return 0;
oom:
    set_err(p->err, p->err_len, "%s:%d: out of memory", p->path, line);
    return -1;
}

static int add_entry(parser *p, const char *key, size_t key_len,
                     const char *val, size_t val_len, int line)
{
    size_t si = p->b->n_sections - 1;
    pb_bat_section *s = &p->b->sections[si];
    pb_bat_entry *grown = pb_grow(s->entries, s->n_entries, &p->entry_cap[si], sizeof *grown, 8);
    if (!grown)
        goto oom;
    s->entries = grown;
    pb_bat_entry *e = &s->entries[s->n_entries];
    e->path = p->b->path;
    e->line = line;
    e->key = dup_range(key, key_len);
    e->value = dup_range(val, val_len);
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        goto oom;
    }
    s->n_entries++;
    return 0;
oom:
    set_err(p->err, p->err_len, "%s:%d: out of memory", p->path, line);
    return -1;
}

static const pb_bat_entry *find_own(const pb_bat_section *s, const char *key,
                                    size_t key_len)
{
    for (size_t i = 0; i < s->n_entries; i++)
        if (strlen(s->entries[i].key) == key_len &&
            memcmp(s->entries[i].key, key, key_len) == 0)
            return &s->entries[i];
    return NULL;
}

static int parse_header(parser *p, const char *s, size_t n, int line)
{
    pb_battery *b = p->b;
    if (n < 2 || s[n - 1] != ']') {
        set_err(p->err, p->err_len,
                "%s:%d: malformed section header '%.*s': expected '[kind]' or "
                "'[kind NAME]' alone on the line",
                p->path, line, (int)(n > 60 ? 60 : n), s);
        return -1;
    }
    const char *in = s + 1;
    size_t in_n = n - 2;
    trim(&in, &in_n);
    size_t kind_n = 0;
    while (kind_n < in_n && !is_blank(in[kind_n]))
        kind_n++;
    const char *name = in + kind_n;
    size_t name_n = in_n - kind_n;
    trim(&name, &name_n);
    for (size_t i = 0; i < name_n; i++)
        if (is_blank(name[i])) {
            set_err(p->err, p->err_len,
                    "%s:%d: malformed section header '%.*s': expected '[kind]' "
                    "or '[kind NAME]' with a one-word NAME",
                    p->path, line, (int)(n > 60 ? 60 : n), s);
            return -1;
        }
    if (kind_n == 0) {
        set_err(p->err, p->err_len,
                "%s:%d: malformed section header '%.*s': expected '[kind]' or "
                "'[kind NAME]'", p->path, line, (int)n, s);
        return -1;
    }

    pb_bat_kind kind;
    if (kind_n == 7 && memcmp(in, "battery", 7) == 0)
        kind = PB_BAT_BATTERY;
    else if (kind_n == 8 && memcmp(in, "defaults", 8) == 0)
        kind = PB_BAT_DEFAULTS;
    else if (kind_n == 10 && memcmp(in, "experiment", 10) == 0)
        kind = PB_BAT_EXPERIMENT;
    else {
        set_err(p->err, p->err_len,
                "%s:%d: unknown section kind '%.*s': expected battery, defaults "
                "or experiment", p->path, line, (int)(kind_n > 40 ? 40 : kind_n),
                in);
        return -1;
    }

    if (kind == PB_BAT_EXPERIMENT && name_n == 0) {
        set_err(p->err, p->err_len,
                "%s:%d: section [experiment] needs a name: [experiment NAME]",
                p->path, line);
        return -1;
    }
    if (kind != PB_BAT_EXPERIMENT && name_n > 0) {
        set_err(p->err, p->err_len,
                "%s:%d: section [%s] takes no name, found '%.*s'", p->path, line,
                pb_bat_kind_name(kind), (int)(name_n > 40 ? 40 : name_n), name);
        return -1;
    }
    if (kind == PB_BAT_EXPERIMENT && !valid_name(name, name_n)) {
        set_err(p->err, p->err_len,
                "%s:%d: bad experiment name '%.*s': expected a letter or '_' "
                "then letters, digits, '_' or '-' (at most %d characters)",
                p->path, line, (int)(name_n > 80 ? 80 : name_n), name,
                NAME_MAX_LEN);
        return -1;
    }

    if (b->n_sections == 0 && kind != PB_BAT_BATTERY) {
        set_err(p->err, p->err_len,
                "%s:%d: the first section must be [battery], found [%s]",
                p->path, line, pb_bat_kind_name(kind));
        return -1;
    }
    for (size_t i = 0; i < b->n_sections; i++) {
        const pb_bat_section *o = &b->sections[i];
        if (o->kind != kind)
            continue;
        if (kind == PB_BAT_EXPERIMENT &&
            (strlen(o->name) != name_n || memcmp(o->name, name, name_n) != 0))
            continue;
        if (kind == PB_BAT_EXPERIMENT)
            set_err(p->err, p->err_len,
                    "%s:%d: duplicate experiment name '%s' (first defined at "
                    "line %d)", p->path, line, o->name, o->line);
        else
            set_err(p->err, p->err_len,
                    "%s:%d: second [%s] section (the first is at line %d)",
                    p->path, line, pb_bat_kind_name(kind), o->line);
        return -1;
    }
    return add_section(p, kind, name, name_n, line);
}

static int parse_key_value(parser *p, const char *s, size_t n, const char *eq,
                           int line)
{
    const char *key = s;
    size_t key_n = (size_t)(eq - s);
    trim(&key, &key_n);
    const char *val = eq + 1;
    size_t val_n = (size_t)(s + n - val);
    trim(&val, &val_n);

    if (!valid_key(key, key_n)) {
        set_err(p->err, p->err_len,
                "%s:%d: bad key '%.*s': keys are a letter then "
                "letters, digits, '_' or '-'", p->path, line,
                (int)(key_n > 60 ? 60 : key_n), key);
        return -1;
    }
    if (p->b->n_sections == 0) {
        set_err(p->err, p->err_len,
                "%s:%d: key '%.*s' outside any section: the file must start "
                "with [battery]", p->path, line, (int)key_n, key);
        return -1;
    }
    const pb_bat_section *cur = &p->b->sections[p->b->n_sections - 1];
    char label[96];
    if (val_n == 0) {
        set_err(p->err, p->err_len,
                "%s:%d: key '%.*s' in %s has no value (empty values are not "
                "allowed: leave the key out instead)", p->path, line, (int)key_n,
                key, section_label(cur, label, sizeof label));
        return -1;
    }
    const pb_bat_entry *old = find_own(cur, key, key_n);
    if (old) {
        set_err(p->err, p->err_len,
                "%s:%d: duplicate key '%s' in %s (first set at line %d)",
                p->path, line, old->key, section_label(cur, label, sizeof label),
                old->line);
        return -1;
    }
    return add_entry(p, key, key_n, val, val_n, line);
}

static int parse_line(parser *p, const char *s, size_t n, int line)
{
    trim(&s, &n);
    if (n == 0 || s[0] == '#' || s[0] == ';')
        return 0;
    if (s[0] == '[')
        return parse_header(p, s, n, line);
    const char *eq = memchr(s, '=', n);
    if (eq)
        return parse_key_value(p, s, n, eq, line);
    set_err(p->err, p->err_len,
            "%s:%d: expected '[section]', 'key = value', a comment or a blank "
            "line, found '%.*s%s'", p->path, line, (int)(n > 60 ? 60 : n), s,
            n > 60 ? "..." : "");
    return -1;
}

/* Checks that need the whole file, and the cross links. */
static int finish(parser *p)
{
    pb_battery *b = p->b;
    if (b->n_sections == 0) {
        set_err(p->err, p->err_len,
                "%s:1: no [battery] section: a battery file starts with "
                "[battery] and its name = ...", p->path);
        return -1;
    }
    b->battery = &b->sections[0];
    const pb_bat_entry *name = find_own(b->battery, "name", 4);
    if (!name) {
        set_err(p->err, p->err_len,
                "%s:%d: the [battery] section has no 'name' key", p->path,
                b->battery->line);
        return -1;
    }
    if (!valid_name(name->value, strlen(name->value))) {
        set_err(p->err, p->err_len,
                "%s:%d: key 'name': expected a letter or '_' then letters, "
                "digits, '_' or '-' (at most %d characters), found '%s'",
                p->path, name->line, NAME_MAX_LEN, name->value);
        return -1;
    }
    b->name = name->value;
    for (size_t i = 0; i < b->n_sections; i++)
        if (b->sections[i].kind == PB_BAT_DEFAULTS)
            b->defaults = &b->sections[i];
    for (size_t i = 0; i < b->n_sections; i++)
        if (b->sections[i].kind == PB_BAT_EXPERIMENT)
            b->sections[i].defaults = b->defaults;
    return 0;
}

int pb_bat_parse(const char *path, const char *text, size_t len, pb_battery *b,
                 char *err, size_t err_len)
{
    memset(b, 0, sizeof *b);
    set_err(err, err_len, "%s", "");
    pb_bat_hash_bytes(text, len, b->hash);
    b->path = dup_range(path, strlen(path));
    if (!b->path) {
        set_err(err, err_len, "%s: out of memory", path);
        return -1;
    }
    parser p = {.b = b, .path = path, .err = err, .err_len = err_len};

    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    int line = 1, rc = 0;
    while (pos < len && rc == 0) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        if (n && text[pos + n - 1] == '\r')
            n--;
        if (memchr(text + pos, '\0', n)) {
            set_err(err, err_len, "%s:%d: NUL byte: a battery file is text",
                    path, line);
            rc = -1;
            break;
        }
        rc = parse_line(&p, text + pos, n, line);
        pos = end + 1;
        line++;
    }
    if (rc == 0)
        rc = finish(&p);
    free(p.entry_cap);
    if (rc != 0) {
        pb_bat_free(b);
        return -1;
    }
    return 0;
}

int pb_bat_read(const char *path, pb_battery *b, char *err, size_t err_len)
{
    memset(b, 0, sizeof *b);
    char *buf;
    size_t len;
    if (pb_read_file(path, &buf, &len, err, err_len) != 0)
        return -1;
    int rc = pb_bat_parse(path, buf, len, b, err, err_len);
    free(buf);
    return rc;
}

void pb_bat_free(pb_battery *b)
{
    for (size_t i = 0; i < b->n_sections; i++) {
        pb_bat_section *s = &b->sections[i];
        for (size_t j = 0; j < s->n_entries; j++) {
            free(s->entries[j].key);
            free(s->entries[j].value);
        }
        free(s->entries);
        free(s->name);
    }
    free(b->sections);
    free(b->path);
    memset(b, 0, sizeof *b);
}

const pb_bat_section *pb_bat_experiment(const pb_battery *b, const char *name)
{
    for (size_t i = 0; i < b->n_sections; i++)
        if (b->sections[i].kind == PB_BAT_EXPERIMENT &&
            strcmp(b->sections[i].name, name) == 0)
            return &b->sections[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */

const pb_bat_entry *pb_bat_get(const pb_bat_section *s, const char *key)
{
    if (!s)
        return NULL;
    const pb_bat_entry *e = find_own(s, key, strlen(key));
    if (!e && s->defaults)
        e = find_own(s->defaults, key, strlen(key));
    return e;
}

/* Look key up; on absence say where it is missing. */
static const pb_bat_entry *lookup(const pb_bat_section *s, const char *key,
                                  char *err, size_t err_len)
{
    const pb_bat_entry *e = pb_bat_get(s, key);
    if (!e) {
        if (!s) {
            set_err(err, err_len, "no section to look up key '%s' in", key);
        } else {
            char label[96];
            set_err(err, err_len, "%s:%d: %s has no key '%s'%s", s->path,
                    s->line, section_label(s, label, sizeof label), key,
                    s->defaults ? " (nor has [defaults])" : "");
        }
    }
    return e;
}

static int value_error(const pb_bat_entry *e, char *err, size_t err_len,
                       const char *fmt, ...)
{
    char expected[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(expected, sizeof expected, fmt, ap);
    va_end(ap);
    set_err(err, err_len, "%s:%d: key '%s': expected %s, found '%s'", e->path,
            e->line, e->key, expected, e->value);
    return PB_BAT_ERROR;
}

int pb_bat_get_string(const pb_bat_section *s, const char *key,
                      const char **out, char *err, size_t err_len)
{
    const pb_bat_entry *e = lookup(s, key, err, err_len);
    if (!e)
        return PB_BAT_MISSING;
    *out = e->value;
    return PB_BAT_OK;
}

/* Whole string as a double (strtod syntax); 1 on success. */
static int parse_double(const char *s, size_t n, double *v)
{
    char buf[128];
    if (n == 0 || n >= sizeof buf || is_blank(s[0]))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double x = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return 0;
    *v = x;
    return 1;
}

static void describe_range(char *buf, size_t n, double min, double max)
{
    if (min == -HUGE_VAL && max == HUGE_VAL)
        snprintf(buf, n, "a finite number");
    else if (min == -HUGE_VAL)
        snprintf(buf, n, "a number <= %.17g", max);
    else if (max == HUGE_VAL)
        snprintf(buf, n, "a number >= %.17g", min);
    else
        snprintf(buf, n, "a number in [%.17g, %.17g]", min, max);
}

int pb_bat_get_double(const pb_bat_section *s, const char *key, double min,
                      double max, double *out, char *err, size_t err_len)
{
    const pb_bat_entry *e = lookup(s, key, err, err_len);
    if (!e)
        return PB_BAT_MISSING;
    double v;
    if (!parse_double(e->value, strlen(e->value), &v) || !isfinite(v) ||
        v < min || v > max) {
        char what[128];
        describe_range(what, sizeof what, min, max);
        return value_error(e, err, err_len, "%s", what);
    }
    *out = v;
    return PB_BAT_OK;
}

/* 2^53: beyond it a double no longer holds every integer. */
#define EXACT_INT_LIMIT 9007199254740992.0

/* An integer written as digits, or as a number whose value is an integer. */
static int parse_int(const char *s, int64_t *v)
{
    if (!*s || is_blank(*s))
        return 0;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end != s && *end == '\0') {
        if (errno == ERANGE)
            return 0;
        *v = (int64_t)x;
        return 1;
    }
    /* strtod would also take hexadecimal; integers here are decimal. */
    double d;
    if (strpbrk(s, "xX") || !parse_double(s, strlen(s), &d) || !isfinite(d) ||
        d != floor(d) ||
        fabs(d) > EXACT_INT_LIMIT)
        return 0;
    *v = (int64_t)d;
    return 1;
}

int pb_bat_get_int(const pb_bat_section *s, const char *key, int64_t min,
                   int64_t max, int64_t *out, char *err, size_t err_len)
{
    const pb_bat_entry *e = lookup(s, key, err, err_len);
    if (!e)
        return PB_BAT_MISSING;
    int64_t v;
    if (!parse_int(e->value, &v) || v < min || v > max)
        return value_error(e, err, err_len, "an integer in [%" PRId64 ", %" PRId64 "]",
                           min, max);
    *out = v;
    return PB_BAT_OK;
}

/* Round to 15 significant digits, so that grids built by multiplication come
 * out as the decimal numbers a person wrote (0.1, not 0.10000000000000001). */
static double snap15(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    return strtod(buf, NULL);
}

typedef struct dlist {
    double *v;
    size_t n, cap;
} dlist;

static int dlist_push(dlist *l, double x)
{
    double *v = pb_grow(l->v, l->n, &l->cap, sizeof *v, 16);
    if (!v)
        return -1;
    l->v = v;
    l->v[l->n++] = x;
    return 0;
}

#define LIST_SYNTAX "a number or a range A..B*F or A..B+S"

/* Expand one list item (already trimmed) onto l. */
static int expand_item(const pb_bat_entry *e, size_t item, const char *s,
                       size_t n, dlist *l, char *err, size_t err_len)
{
    char it[128];
    snprintf(it, sizeof it, "item %zu", item);
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '.' && s[i + 1] == '.') {
            dots = s + i;
            break;
        }
    if (!dots) {
        double v;
        if (!parse_double(s, n, &v) || !isfinite(v))
            goto syntax;
        if (l->n >= PB_BAT_MAX_LIST)
            goto runaway;
        if (dlist_push(l, v) != 0)
            goto oom;
        return 0;
    }

    /* A..B*F or A..B+S */
    const char *a_s = s;
    size_t a_n = (size_t)(dots - s);
    trim(&a_s, &a_n);
    const char *rest = dots + 2;
    size_t rest_n = (size_t)(s + n - rest);
    trim(&rest, &rest_n);
    /* B ends at the operator; a '+' right after 'e' belongs to an exponent. */
    size_t op = 0;
    while (op < rest_n) {
        char c = rest[op];
        if (c == '*' ||
            (c == '+' && op > 0 && rest[op - 1] != 'e' && rest[op - 1] != 'E'))
            break;
        op++;
    }
    if (op == rest_n)
        goto syntax;
    const char *b_s = rest;
    size_t b_n = op;
    trim(&b_s, &b_n);
    const char *f_s = rest + op + 1;
    size_t f_n = rest_n - op - 1;
    trim(&f_s, &f_n);
    double a, b, f;
    if (!parse_double(a_s, a_n, &a) || !parse_double(b_s, b_n, &b) ||
        !parse_double(f_s, f_n, &f) || !isfinite(a) || !isfinite(b) ||
        !isfinite(f))
        goto syntax;
    int geometric = rest[op] == '*';
    if (a > b)
        return value_error(e, err, err_len,
                           "in %s a range whose start A is at most its end B", it);
    if (geometric && !(a > 0))
        return value_error(e, err, err_len,
                           "in %s a geometric range A..B*F with A > 0", it);
    if (geometric && !(f > 1))
        return value_error(e, err, err_len,
                           "in %s a geometric range A..B*F with factor F > 1", it);
    if (!geometric && !(f > 0))
        return value_error(e, err, err_len,
                           "in %s an arithmetic range A..B+S with step S > 0", it);

    double scale = geometric ? fabs(b) : fmax(fmax(fabs(a), fabs(b)), f);
    double tol = 1e-9 * scale;
    for (double k = 0;; k++) {
        double v = geometric ? a * pb_pm_powi(f, (int64_t)k) : a + k * f;
        if (!(v <= b + tol))
            break;
        if (fabs(v - b) <= tol)
            v = b;
        else if (k > 0)
            v = snap15(v);
        if (l->n >= PB_BAT_MAX_LIST)
            goto runaway;
        if (dlist_push(l, v) != 0)
            goto oom;
        if (v == b)
            break;
    }
    return 0;

syntax:
    return value_error(e, err, err_len, "in %s %s", it, LIST_SYNTAX);
runaway:
    return value_error(e, err, err_len,
                       "at most %d values in the list (%s makes it longer)",
                       PB_BAT_MAX_LIST, it);
oom:
    set_err(err, err_len, "%s:%d: key '%s': out of memory", e->path, e->line,
            e->key);
    return PB_BAT_ERROR;
}

static int expand_list(const pb_bat_entry *e, dlist *l, char *err,
                       size_t err_len)
{
    const char *s = e->value;
    size_t item = 1;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        const char *it = s;
        trim(&it, &n);
        if (n == 0)
            return value_error(e, err, err_len, "in item %zu %s (it is empty)",
                               item, LIST_SYNTAX);
        if (expand_item(e, item, it, n, l, err, err_len) != 0)
            return PB_BAT_ERROR;
        if (!comma)
            return PB_BAT_OK;
        s = comma + 1;
        item++;
    }
}

int pb_bat_get_double_list(const pb_bat_section *s, const char *key,
                           double **out, size_t *n, char *err, size_t err_len)
{
    const pb_bat_entry *e = lookup(s, key, err, err_len);
    if (!e)
        return PB_BAT_MISSING;
    dlist l = {0};
    if (expand_list(e, &l, err, err_len) != PB_BAT_OK) {
        free(l.v);
        return PB_BAT_ERROR;
    }
    *out = l.v;
    *n = l.n;
    return PB_BAT_OK;
}

int pb_bat_get_int_list(const pb_bat_section *s, const char *key, int64_t min,
                        int64_t max, int64_t **out, size_t *n, char *err,
                        size_t err_len)
{
    const pb_bat_entry *e = lookup(s, key, err, err_len);
    if (!e)
        return PB_BAT_MISSING;
    dlist l = {0};
    if (expand_list(e, &l, err, err_len) != PB_BAT_OK) {
        free(l.v);
        return PB_BAT_ERROR;
    }
    int64_t *v = malloc((l.n ? l.n : 1) * sizeof *v);
    if (!v) {
        free(l.v);
        set_err(err, err_len, "%s:%d: key '%s': out of memory", e->path,
                e->line, e->key);
        return PB_BAT_ERROR;
    }
    for (size_t i = 0; i < l.n; i++) {
        double d = l.v[i];
        if (d != floor(d) || fabs(d) > EXACT_INT_LIMIT || d < (double)min ||
            d > (double)max) {
            int rc = value_error(e, err, err_len,
                                 "integers in [%" PRId64 ", %" PRId64
                                 "], but value %zu of the list is %.17g",
                                 min, max, i + 1, d);
            free(v);
            free(l.v);
            return rc;
        }
        v[i] = (int64_t)d;
    }
    free(l.v);
    *out = v;
    *n = l.n;
    return PB_BAT_OK;
}

int pb_bat_get_string_list(const pb_bat_section *s, const char *key,
                           char ***out, size_t *n, char *err, size_t err_len)
{
    const pb_bat_entry *e = lookup(s, key, err, err_len);
    if (!e)
        return PB_BAT_MISSING;
    size_t count = 1;
    for (const char *c = e->value; *c; c++)
        count += *c == ',';
    size_t len = strlen(e->value);
    /* One block: the pointer array, then the words with their NULs. */
    char **words = malloc(count * sizeof *words + len + 1);
    if (!words) {
        set_err(err, err_len, "%s:%d: key '%s': out of memory", e->path,
                e->line, e->key);
        return PB_BAT_ERROR;
    }
    char *text = (char *)(words + count);
    const char *src = e->value;
    for (size_t i = 0; i < count; i++) {
        const char *comma = strchr(src, ',');
        size_t w = comma ? (size_t)(comma - src) : strlen(src);
        const char *word = src;
        trim(&word, &w);
        if (w == 0) {
            free(words);
            return value_error(e, err, err_len,
                               "a comma-separated list of words, but item %zu "
                               "is empty", i + 1);
        }
        memcpy(text, word, w);
        text[w] = '\0';
        words[i] = text;
        text += w + 1;
        src = comma ? comma + 1 : src + strlen(src);
    }
    *out = words;
    *n = count;
    return PB_BAT_OK;
}

int pb_bat_check_keys(const pb_bat_section *s, const char *const *known,
                      char *err, size_t err_len)
{
    for (size_t i = 0; i < s->n_entries; i++) {
        const pb_bat_entry *e = &s->entries[i];
        int ok = 0;
        for (size_t k = 0; known[k]; k++)
            if (strcmp(known[k], e->key) == 0)
                ok = 1;
        if (ok)
            continue;
        char list[512] = "";
        size_t used = 0;
        for (size_t k = 0; known[k] && used < sizeof list; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     k ? ", " : "", known[k]);
        char label[96], hint[96] = "";
        const char *near = pb_closest_word(e->key, known);
        if (near)
            snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
        set_err(err, err_len, "%s:%d: unknown key '%s' in %s (%sknown keys: %s)",
                e->path, e->line, e->key, section_label(s, label, sizeof label), hint,
                known[0] ? list : "none");
        return -1;
    }
    return 0;
}
