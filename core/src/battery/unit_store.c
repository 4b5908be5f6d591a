#include "unit_store.h"
#include "grow.h"

#include "strutil.h"
#include "train_params.h"
#include "sysutil.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 2: the result carries the ABI 1.1 fields (N_Delta within margin_tol, the
 * state at half the budget); 3: the call key lists the spec's parameters in
 * the order of the parameter table (train_params.h).  A file of another
 * version is computed again. */
#define UNIT_MAGIC "phasebench-unit 3"

void pb_unit_rec_init(pb_unit_rec *u, const char *id)
{
    memset(u, 0, sizeof *u);
    u->id = strdup(id ? id : "");
}

static void call_free(pb_call_rec *c)
{
    free(c->key);
    pb_row_free(&c->row);
    for (size_t i = 0; i < c->n_names; i++)
        free(c->names[i]);
    free(c->names);
    free(c->out);
    free(c->y);
}

void pb_unit_rec_free(pb_unit_rec *u)
{
    for (size_t i = 0; i < u->n; i++)
        call_free(&u->calls[i]);
    free(u->calls);
    free(u->id);
    memset(u, 0, sizeof *u);
}

static pb_call_rec *new_call(pb_unit_rec *u, pb_call_kind kind, const char *key)
{
    pb_call_rec *g = pb_grow(u->calls, u->n, &u->cap, sizeof *g, 8);
    if (!g)
        return NULL;
    u->calls = g;
    pb_call_rec *c = &u->calls[u->n];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    pb_row_init(&c->row);
    c->key = strdup(key);
    if (!c->key)
        return NULL;
    u->n++;
    return c;
}

static double *copy_doubles(const double *v, size_t n)
{
    if (!v)
        return NULL;
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d && n)
        memcpy(d, v, n * sizeof *d);
    return d;
}

/* A cell of the row under a name the record owns. */
static int add_cell(pb_call_rec *c, const pb_cell *cell)
{
    char **g = realloc(c->names, (c->n_names + 1) * sizeof *g);
    if (!g)
        return -1;
    c->names = g;
    char *name = strdup(cell->name);
    if (!name)
        return -1;
    c->names[c->n_names++] = name;
    switch (cell->type) {
    case PB_CELL_STR: pb_row_str(&c->row, name, cell->s ? cell->s : ""); break;
    case PB_CELL_INT: pb_row_int(&c->row, name, cell->i); break;
    case PB_CELL_DBL: pb_row_dbl(&c->row, name, cell->d); break;
    default: pb_row_empty(&c->row, name); break;
    }
    return 0;
}

int pb_unit_rec_add_train(pb_unit_rec *u, const char *key, const pb_row *row,
                          const pb_run_result *res, const double *out, const double *y, size_t n)
{
    pb_call_rec *c = new_call(u, PB_CALL_TRAIN, key);
    if (!c)
        return -1;
    for (size_t i = 0; row && i < row->n; i++)
        if (add_cell(c, &row->cells[i]) != 0)
            return -1;
    c->res = *res;
    c->n_out = n;
    c->out = copy_doubles(out, n);
    c->y = copy_doubles(y, n);
    if ((out && !c->out) || (y && !c->y))
        return -1;
    c->res.test_out = c->out;
    c->res.test_y = c->y;
    return 0;
}

int pb_unit_rec_add_km(pb_unit_rec *u, const char *key, const pb_km_result *km, const double *out,
                       size_t n)
{
    pb_call_rec *c = new_call(u, PB_CALL_KM, key);
    if (!c)
        return -1;
    c->km = *km;
    c->n_out = n;
    c->out = copy_doubles(out, n);
    if (out && !c->out)
        return -1;
    c->km.test_out = c->out;
    return 0;
}

const pb_call_rec *pb_unit_rec_find(const pb_unit_rec *u, pb_call_kind kind, const char *key)
{
    for (size_t i = 0; i < u->n; i++)
        if (u->calls[i].kind == kind && strcmp(u->calls[i].key, key) == 0)
            return &u->calls[i];
    return NULL;
}

/* Appends to out[*used..len); 0, or -1 when it does not fit. */
static int key_add(char *out, size_t len, size_t *used, const char *name, const char *value)
{
    int n = snprintf(out + *used, len - *used, "|%s=%s", name, value);
    if (n < 0 || (size_t)n >= len - *used)
        return -1;
    *used += (size_t)n;
    return 0;
}

int pb_unit_call_key(char *out, size_t len, pb_call_kind kind, const char *experiment,
                     const char *role, const pb_run_spec *s)
{
    int n = snprintf(out, len, "%s|%s|%s", kind == PB_CALL_TRAIN ? "train" : "km", experiment,
                     role ? role : "");
    if (n < 0 || (size_t)n >= len)
        return -1;
    size_t used = (size_t)n;
    /* every parameter the spec carries, from the one table: a parameter
     * added there cannot be left out of the key */
    for (size_t i = 0; i < pb_n_params; i++) {
        const pb_param *p = &pb_params[i];
        if (!p->spec_size)
            continue;
        char v[300];
        pb_param_spec_format(p, s, v, sizeof v);
        if (key_add(out, len, &used, p->name, v) != 0)
            return -1;
    }
    return key_add(out, len, &used, "ntk", s->want_ntk ? "1" : "0") != 0 ||
                   key_add(out, len, &used, "test_outputs", s->want_test_outputs ? "1" : "0") != 0
               ? -1
               : 0;
}

/* ------------------------------------------------------------ writing */

static void put_str(FILE *f, const char *s)
{
    fprintf(f, " %zu:", strlen(s));
    fputs(s, f);
}

static void put_dbl(FILE *f, double v)
{
    fprintf(f, " %a", v);
}

static void put_int(FILE *f, long long v)
{
    fprintf(f, " %lld", v);
}

static void put_array(FILE *f, const char *tag, const double *v, size_t n)
{
    fprintf(f, "%s %zu", tag, v ? n : (size_t)0);
    if (!v)
        fputs(" none", f);
    for (size_t i = 0; v && i < n; i++)
        put_dbl(f, v[i]);
    fputc('\n', f);
}

static void write_call(FILE *f, const pb_call_rec *c)
{
    fputs(c->kind == PB_CALL_TRAIN ? "call train" : "call km", f);
    put_str(f, c->key);
    fputc('\n', f);
    if (c->kind == PB_CALL_TRAIN) {
        const pb_run_result *r = &c->res;
        fputs("res", f);
        put_int(f, r->ok);
        put_str(f, r->error);
        put_str(f, r->stop_reason);
        put_int(f, (long long)r->N);
        put_int(f, (long long)r->steps);
        put_dbl(f, r->t);
        put_dbl(f, r->train_loss);
        put_dbl(f, r->train_err);
        put_int(f, (long long)r->train_nd);
        put_dbl(f, r->train_min_margin);
        put_dbl(f, r->test_err);
        put_dbl(f, r->test_loss);
        put_dbl(f, r->w_norm);
        put_dbl(f, r->dw_norm);
        put_dbl(f, r->dw_rel);
        put_dbl(f, r->out_norm);
        put_dbl(f, r->ntk_r);
        put_int(f, (long long)r->n_test);
        put_int(f, (long long)r->train_nd_tol);
        put_int(f, r->has_half);
        put_int(f, (long long)r->half_steps);
        put_dbl(f, r->half_train_loss);
        put_int(f, (long long)r->half_train_nd);
        fputc('\n', f);
        fprintf(f, "row %zu", c->row.n);
        for (size_t i = 0; i < c->row.n; i++) {
            const pb_cell *cell = &c->row.cells[i];
            put_str(f, cell->name);
            switch (cell->type) {
            case PB_CELL_STR: fputs(" s", f); put_str(f, cell->s ? cell->s : ""); break;
            case PB_CELL_INT: fputs(" i", f); put_int(f, (long long)cell->i); break;
            case PB_CELL_DBL: fputs(" d", f); put_dbl(f, cell->d); break;
            default: fputs(" e", f); break;
            }
        }
        fputc('\n', f);
        put_array(f, "out", c->out, c->n_out);
        put_array(f, "y", c->y, c->n_out);
    } else {
        const pb_km_result *k = &c->km;
        fputs("km", f);
        put_int(f, k->ok);
        put_str(f, k->error);
        put_str(f, k->stop_reason);
        put_int(f, (long long)k->steps);
        put_dbl(f, k->t);
        put_dbl(f, k->train_err);
        put_int(f, (long long)k->train_nd);
        put_dbl(f, k->test_err);
        put_int(f, (long long)k->n_test);
        fputc('\n', f);
        put_array(f, "out", c->out, c->n_out);
    }
}

static void unit_path(char *out, size_t len, const char *dir, const char *id)
{
    snprintf(out, len, "%s/%s.unit", dir, id);
}

int pb_unit_rec_write(const char *dir, const pb_unit_rec *u, char *err, size_t err_len)
{
    char path[2300];
    unit_path(path, sizeof path, dir, u->id);
    pb_outfile o = {0};
    FILE *f = pb_atomic_open(&o, path, err, err_len);
    if (!f)
        return -1;
    fprintf(f, "%s\nid", UNIT_MAGIC);
    put_str(f, u->id);
    fprintf(f, "\ncalls %zu\n", u->n);
    for (size_t i = 0; i < u->n; i++)
        write_call(f, &u->calls[i]);
    fputs("end\n", f);
    /* The data reach the disk before the name does (pb_atomic_close syncs
     * before it renames): a unit file that exists after a crash is whole. */
    if (pb_atomic_close(&o, err, err_len) != 0)
        return -1;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd); /* the rename itself; a failure here loses only the unit */
        close(dfd);
    }
    return 0;
}

/* ------------------------------------------------------------ reading */

typedef struct cursor {
    const char *p, *end;
    int bad;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n'))
        c->p++;
}

static int get_word(cursor *c, const char *want)
{
    skip_space(c);
    size_t n = strlen(want);
    if (c->bad || (size_t)(c->end - c->p) < n || memcmp(c->p, want, n) != 0) {
        c->bad = 1;
        return -1;
    }
    c->p += n;
    return 0;
}

static char *get_str(cursor *c)
{
    skip_space(c);
    if (c->bad)
        return NULL;
    char *colon = memchr(c->p, ':', (size_t)(c->end - c->p));
    if (!colon || colon == c->p || colon - c->p > 20) {
        c->bad = 1;
        return NULL;
    }
    /* the digits end at the colon, inside the buffer */
    char *stop;
    unsigned long long n = strtoull(c->p, &stop, 10);
    if (stop != colon || n > (unsigned long long)(c->end - colon - 1)) {
        c->bad = 1;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        c->bad = 1;
        return NULL;
    }
    memcpy(s, colon + 1, n);
    s[n] = '\0';
    c->p = colon + 1 + n;
    return s;
}

static void get_str_into(cursor *c, char *dst, size_t len)
{
    char *s = get_str(c);
    if (s)
        pb_strcpy_trunc(dst, len, s);
    free(s);
}

/* Numbers are read from a bounded copy: the buffer is not NUL-terminated. */
static int token(cursor *c, char *buf, size_t len)
{
    skip_space(c);
    size_t n = 0;
    while (c->p + n < c->end && c->p[n] != ' ' && c->p[n] != '\n')
        n++;
    if (c->bad || n == 0 || n >= len) {
        c->bad = 1;
        return -1;
    }
    memcpy(buf, c->p, n);
    buf[n] = '\0';
    c->p += n;
    return 0;
}

static double get_dbl(cursor *c)
{
    char buf[64], *stop;
    if (token(c, buf, sizeof buf) != 0)
        return NAN;
    double v = strtod(buf, &stop);
    if (*stop)
        c->bad = 1;
    return v;
}

static long long get_int(cursor *c)
{
    char buf[32], *stop;
    if (token(c, buf, sizeof buf) != 0)
        return 0;
    long long v = strtoll(buf, &stop, 10);
    if (*stop)
        c->bad = 1;
    return v;
}

static double *get_array(cursor *c, const char *tag, size_t *n)
{
    *n = 0;
    if (get_word(c, tag) != 0)
        return NULL;
    long long k = get_int(c);
    if (c->bad || k < 0 || k > (long long)(c->end - c->p)) {
        c->bad = 1;
        return NULL;
    }
    skip_space(c);
    if (k == 0 && c->end - c->p >= 4 && memcmp(c->p, "none", 4) == 0) {
        c->p += 4;
        return NULL;
    }
    double *v = malloc((size_t)(k ? k : 1) * sizeof *v);
    if (!v) {
        c->bad = 1;
        return NULL;
    }
    for (long long i = 0; i < k; i++)
        v[i] = get_dbl(c);
    *n = (size_t)k;
    return v;
}

static int read_call(cursor *c, pb_unit_rec *u)
{
    if (get_word(c, "call") != 0)
        return -1;
    skip_space(c);
    pb_call_kind kind = PB_CALL_TRAIN;
    if (c->end - c->p >= 2 && memcmp(c->p, "km", 2) == 0) {
        kind = PB_CALL_KM;
        c->p += 2;
    } else if (get_word(c, "train") != 0) {
        return -1;
    }
    char *key = get_str(c);
    if (!key)
        return -1;
    pb_call_rec *rec = new_call(u, kind, key);
    free(key);
    if (!rec) {
        c->bad = 1;
        return -1;
    }
    if (kind == PB_CALL_TRAIN) {
        pb_run_result *r = &rec->res;
        /* A record is the core's own full struct; the plugin gets the part
         * its struct_size covers (exp_services.c, at the ABI edge). */
        r->struct_size = sizeof *r;
        if (get_word(c, "res") != 0)
            return -1;
        r->ok = (int)get_int(c);
        get_str_into(c, r->error, sizeof r->error);
        get_str_into(c, r->stop_reason, sizeof r->stop_reason);
        r->N = (size_t)get_int(c);
        r->steps = get_int(c);
        r->t = get_dbl(c);
        r->train_loss = get_dbl(c);
        r->train_err = get_dbl(c);
        r->train_nd = get_int(c);
        r->train_min_margin = get_dbl(c);
        r->test_err = get_dbl(c);
        r->test_loss = get_dbl(c);
        r->w_norm = get_dbl(c);
        r->dw_norm = get_dbl(c);
        r->dw_rel = get_dbl(c);
        r->out_norm = get_dbl(c);
        r->ntk_r = get_dbl(c);
        r->n_test = (size_t)get_int(c);
        r->train_nd_tol = get_int(c);
        r->has_half = (int)get_int(c);
        r->half_steps = get_int(c);
        r->half_train_loss = get_dbl(c);
        r->half_train_nd = get_int(c);
        if (get_word(c, "row") != 0)
            return -1;
        long long nc = get_int(c);
        for (long long i = 0; !c->bad && i < nc; i++) {
            char *name = get_str(c);
            if (!name)
                return -1;
            pb_cell cell = {name, PB_CELL_EMPTY, NULL, 0, 0.0};
            skip_space(c);
            char t = c->p < c->end ? *c->p++ : '?';
            char *s = NULL;
            if (t == 's') {
                cell.type = PB_CELL_STR;
                cell.s = s = get_str(c);
            } else if (t == 'i') {
                cell.type = PB_CELL_INT;
                cell.i = get_int(c);
            } else if (t == 'd') {
                cell.type = PB_CELL_DBL;
                cell.d = get_dbl(c);
            } else if (t != 'e') {
                c->bad = 1;
            }
            if (!c->bad && add_cell(rec, &cell) != 0)
                c->bad = 1;
            free(name);
            free(s);
        }
        size_t ny = 0;
        rec->out = get_array(c, "out", &rec->n_out);
        rec->y = get_array(c, "y", &ny);
        if (rec->y && ny != rec->n_out)
            c->bad = 1;
        r->test_out = rec->out;
        r->test_y = rec->y;
    } else {
        pb_km_result *k = &rec->km;
        k->struct_size = sizeof *k; /* the core's own full struct, as above */
        if (get_word(c, "km") != 0)
            return -1;
        k->ok = (int)get_int(c);
        get_str_into(c, k->error, sizeof k->error);
        get_str_into(c, k->stop_reason, sizeof k->stop_reason);
        k->steps = get_int(c);
        k->t = get_dbl(c);
        k->train_err = get_dbl(c);
        k->train_nd = get_int(c);
        k->test_err = get_dbl(c);
        k->n_test = (size_t)get_int(c);
        rec->out = get_array(c, "out", &rec->n_out);
        k->test_out = rec->out;
    }
    return c->bad ? -1 : 0;
}

int pb_unit_rec_read(const char *dir, const char *id, pb_unit_rec *u, char *err, size_t err_len)
{
    char path[2300];
    unit_path(path, sizeof path, dir, id);
    pb_unit_rec_init(u, id);
    if (access(path, F_OK) != 0)
        return 1;
    char *buf;
    size_t len;
    if (pb_read_file(path, &buf, &len, err, err_len) != 0)
        return -1;
    cursor c = {buf, buf + len, 0};
    size_t ml = strlen(UNIT_MAGIC);
    if (len < ml || memcmp(buf, UNIT_MAGIC, ml) != 0 || (len > ml && buf[ml] != '\n')) {
        /* name the version found, so a resume across versions says why */
        const char *nl = len ? memchr(buf, '\n', len) : NULL;
        size_t fl = nl ? (size_t)(nl - buf) : len;
        if (fl >= 16 && memcmp(buf, "phasebench-unit ", 16) == 0 && fl < 40)
            snprintf(err, err_len,
                     "%s: written in unit format '%.*s', this phasebench reads '%s' only", path,
                     (int)fl, buf, UNIT_MAGIC);
        else
            snprintf(err, err_len, "%s: not a phasebench unit file of this version", path);
        free(buf);
        return -1;
    }
    c.p += ml;
    char *fid = NULL;
    if (get_word(&c, "id") == 0)
        fid = get_str(&c);
    if (!fid || strcmp(fid, id) != 0) {
        snprintf(err, err_len, "%s: holds unit '%s', expected '%s'", path, fid ? fid : "?", id);
        free(fid);
        free(buf);
        pb_unit_rec_free(u);
        pb_unit_rec_init(u, id);
        return -1;
    }
    free(fid);
    long long n = -1;
    if (get_word(&c, "calls") == 0)
        n = get_int(&c);
    for (long long i = 0; !c.bad && i < n; i++)
        read_call(&c, u);
    if (n < 0 || c.bad || get_word(&c, "end") != 0) {
        snprintf(err, err_len, "%s: damaged unit file", path);
        free(buf);
        pb_unit_rec_free(u);
        pb_unit_rec_init(u, id);
        return -1;
    }
    free(buf);
    return 0;
}
