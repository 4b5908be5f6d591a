#include "report.h"
#include "grow.h"

#include "csv_table.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int pb_columns_find(const pb_columns *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->col[i].name, name) == 0)
            return (int)i;
    return -1;
}

int pb_columns_join(pb_columns *out, const char *table, const pb_columns *const *parts,
                    size_t n_parts, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    size_t n = 0;
    for (size_t p = 0; p < n_parts; p++)
        n += parts[p]->n;
    pb_column *col = calloc(n ? n : 1, sizeof *col);
    if (!col) {
        snprintf(err, err_len, "%s: out of memory", table);
        return -1;
    }
    size_t k = 0;
    for (size_t p = 0; p < n_parts; p++)
        for (size_t i = 0; i < parts[p]->n; i++) {
            for (size_t j = 0; j < k; j++)
                if (strcmp(col[j].name, parts[p]->col[i].name) == 0) {
                    snprintf(err, err_len, "%s: column '%s' is declared twice", table,
                             col[j].name);
                    free(col);
                    return -1;
                }
            col[k++] = parts[p]->col[i];
        }
    out->table = table;
    out->col = col;
    out->n = n;
    out->sep = n_parts ? parts[0]->sep : NULL;
    out->owned = 1;
    return 0;
}

void pb_columns_free(pb_columns *c)
{
    if (c->owned)
        free((void *)c->col);
    memset(c, 0, sizeof *c);
}

void pb_columns_write_header(FILE *f, const pb_columns *c)
{
    for (size_t i = 0; i < c->n; i++) {
        if (i)
            fputc(',', f);
        pb_csv_write_field(f, c->col[i].name);
    }
    fputc('\n', f);
}

static void mark_bad(pb_row *r, const char *fmt, ...)
{
    if (r->bad[0])
        return; /* the first refusal is the one worth reading */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->bad, sizeof r->bad, fmt, ap);
    va_end(ap);
    if (!r->bad[0])
        snprintf(r->bad, sizeof r->bad, "refused cell");
}

void pb_row_init(pb_row *r)
{
    memset(r, 0, sizeof *r);
}

void pb_row_init_columns(pb_row *r, const pb_columns *cols)
{
    memset(r, 0, sizeof *r);
    r->cols = cols;
    r->cells = calloc(cols->n ? cols->n : 1, sizeof *r->cells);
    if (!r->cells) {
        mark_bad(r, "%s: out of memory", cols->table);
        return;
    }
    r->n = r->cap = cols->n;
    for (size_t i = 0; i < cols->n; i++)
        r->cells[i].name = cols->col[i].name;
}

void pb_row_free(pb_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->cells[i].s);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

static const char *type_name(pb_cell_type t)
{
    return t == PB_CELL_STR ? "text" : t == PB_CELL_INT ? "integer" : "number";
}

/* The cell for name, emptied, or NULL (refused: the row is marked bad). */
static pb_cell *slot(pb_row *r, const char *name, pb_cell_type type)
{
    if (r->cols) {
        int k = pb_columns_find(r->cols, name);
        if (k < 0 || !r->cells) {
            mark_bad(r, "%s: column '%s' is not declared (declare it in the table's column list)",
                     r->cols->table, name);
            return NULL;
        }
        pb_col_type want = r->cols->col[k].type;
        if (type != PB_CELL_EMPTY &&
            !((want == PB_COL_STR && type == PB_CELL_STR) ||
              (want == PB_COL_INT && type == PB_CELL_INT) ||
              (want == PB_COL_DBL && type == PB_CELL_DBL))) {
            mark_bad(r, "%s: column '%s' is declared %s, set as %s", r->cols->table, name,
                     want == PB_COL_STR ? "text" : want == PB_COL_INT ? "integer" : "number",
                     type_name(type));
            return NULL;
        }
        pb_cell *c = &r->cells[k];
        free(c->s);
        c->s = NULL;
        return c;
    }
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->cells[i].name, name) == 0) {
            free(r->cells[i].s);
            r->cells[i].s = NULL;
            return &r->cells[i];
        }
    pb_cell *grown = pb_grow(r->cells, r->n, &r->cap, sizeof *grown, 64);
    if (!grown) {
        mark_bad(r, "out of memory for column '%s'", name);
        return NULL;
    }
    r->cells = grown;
    pb_cell *c = &r->cells[r->n++];
    memset(c, 0, sizeof *c);
    c->name = name;
    return c;
}

int pb_row_str(pb_row *r, const char *name, const char *value)
{
    pb_cell *c = slot(r, name, PB_CELL_STR);
    if (!c)
        return -1;
    c->type = PB_CELL_STR;
    c->s = strdup(value ? value : "");
    if (!c->s) {
        c->type = PB_CELL_EMPTY;
        mark_bad(r, "out of memory for column '%s'", name);
        return -1;
    }
    return 0;
}

int pb_row_int(pb_row *r, const char *name, int64_t value)
{
    pb_cell *c = slot(r, name, PB_CELL_INT);
    if (!c)
        return -1;
    c->type = PB_CELL_INT;
    c->i = value;
    return 0;
}

int pb_row_dbl(pb_row *r, const char *name, double value)
{
    pb_cell *c = slot(r, name, PB_CELL_DBL);
    if (!c)
        return -1;
    c->type = PB_CELL_DBL;
    c->d = value;
    return 0;
}

int pb_row_empty(pb_row *r, const char *name)
{
    pb_cell *c = slot(r, name, PB_CELL_EMPTY);
    if (!c)
        return -1;
    c->type = PB_CELL_EMPTY;
    return 0;
}

const pb_cell *pb_row_get(const pb_row *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->cells[i].name, name) == 0)
            return &r->cells[i];
    return NULL;
}

int pb_row_check(const pb_row *r, char *err, size_t err_len)
{
    if (!r->bad[0])
        return 0;
    snprintf(err, err_len, "%s", r->bad);
    return -1;
}

void pb_row_write_header(FILE *f, const pb_row *r)
{
    if (r->cols) {
        pb_columns_write_header(f, r->cols);
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            fputc(',', f);
        pb_csv_write_field(f, r->cells[i].name);
    }
    fputc('\n', f);
}

void pb_cell_write(FILE *f, const pb_cell *c)
{
    switch (c->type) {
    case PB_CELL_EMPTY: break;
    case PB_CELL_STR: pb_csv_write_field(f, c->s); break;
    case PB_CELL_INT: fprintf(f, "%" PRId64, c->i); break;
    case PB_CELL_DBL: pb_csv_write_double(f, c->d); break;
    }
}

void pb_row_write(FILE *f, const pb_row *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            fputc(',', f);
        pb_cell_write(f, &r->cells[i]);
    }
    fputc('\n', f);
}
