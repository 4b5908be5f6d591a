#include "report.h"

#include "csv_table.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void pb_row_init(pb_row *r)
{
    memset(r, 0, sizeof *r);
}

void pb_row_free(pb_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->cells[i].s);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

static pb_cell *slot(pb_row *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->cells[i].name, name) == 0) {
            free(r->cells[i].s);
            r->cells[i].s = NULL;
            return &r->cells[i];
        }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        pb_cell *c = realloc(r->cells, cap * sizeof *c);
        if (!c)
            return NULL;
        r->cells = c;
        r->cap = cap;
    }
    pb_cell *c = &r->cells[r->n++];
    memset(c, 0, sizeof *c);
    c->name = name;
    return c;
}

void pb_row_str(pb_row *r, const char *name, const char *value)
{
    pb_cell *c = slot(r, name);
    if (!c)
        return;
    c->type = PB_CELL_STR;
    c->s = strdup(value ? value : "");
}

void pb_row_int(pb_row *r, const char *name, int64_t value)
{
    pb_cell *c = slot(r, name);
    if (c) {
        c->type = PB_CELL_INT;
        c->i = value;
    }
}

void pb_row_dbl(pb_row *r, const char *name, double value)
{
    pb_cell *c = slot(r, name);
    if (c) {
        c->type = PB_CELL_DBL;
        c->d = value;
    }
}

void pb_row_empty(pb_row *r, const char *name)
{
    pb_cell *c = slot(r, name);
    if (c)
        c->type = PB_CELL_EMPTY;
}

const pb_cell *pb_row_get(const pb_row *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->cells[i].name, name) == 0)
            return &r->cells[i];
    return NULL;
}

void pb_row_write_header(FILE *f, const pb_row *r)
{
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
