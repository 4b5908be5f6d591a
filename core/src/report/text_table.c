#include "text_table.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void pb_text_cell(char *buf, size_t len, const pb_column *col, const pb_cell *cell)
{
    if (!cell || cell->type == PB_CELL_EMPTY || (cell->type == PB_CELL_DBL && isnan(cell->d))) {
        snprintf(buf, len, "-");
        return;
    }
    if (cell->type == PB_CELL_STR) {
        snprintf(buf, len, "%s", cell->s ? cell->s : "");
        return;
    }
    double v = cell->type == PB_CELL_INT ? (double)cell->i : cell->d;
    switch (col->text) {
    case PB_TEXT_FIX2: snprintf(buf, len, "%.2f", v); return;
    case PB_TEXT_SCI2: snprintf(buf, len, "%.2e", v); return;
    case PB_TEXT_PCT1: snprintf(buf, len, "%.1f%%", 100.0 * v); return;
    case PB_TEXT_SECONDS:
        if (v >= 1.0)
            snprintf(buf, len, "%.3f s", v);
        else if (v >= 1e-3)
            snprintf(buf, len, "%.3f ms", v * 1e3);
        else
            snprintf(buf, len, "%.1f us", v * 1e6);
        return;
    default: break;
    }
    if (cell->type == PB_CELL_INT)
        snprintf(buf, len, "%" PRId64, cell->i);
    else
        snprintf(buf, len, "%g", cell->d);
}

static int shown(const pb_column *c)
{
    return c->text != PB_TEXT_NONE && c->text != PB_TEXT_TAIL;
}

static const char *label(const pb_column *c)
{
    return c->label ? c->label : c->name;
}

/* The last aligned column (its fitted width is not padded). */
static size_t last_shown(const pb_columns *cols)
{
    size_t last = cols->n;
    for (size_t i = 0; i < cols->n; i++)
        if (shown(&cols->col[i]))
            last = i;
    return last;
}

static void put(FILE *f, const pb_columns *cols, size_t i, int width, int first, const char *s)
{
    if (!first)
        fputs(cols->sep ? cols->sep : " ", f);
    if (width == 0 && i == last_shown(cols))
        fputs(s, f);
    else if (width < 0)
        fprintf(f, "%-*s", -width, s);
    else
        fprintf(f, "%*s", width, s);
}

static void line(FILE *f, const pb_columns *cols, const pb_row *row, const int *widths)
{
    int first = 1;
    char buf[4096];
    for (size_t i = 0; i < cols->n; i++) {
        const pb_column *c = &cols->col[i];
        if (!shown(c))
            continue;
        const char *s = buf;
        if (row)
            pb_text_cell(buf, sizeof buf, c, pb_row_get(row, c->name));
        else
            s = label(c);
        put(f, cols, i, widths ? widths[i] : c->width, first, s);
        first = 0;
    }
    for (size_t i = 0; row && i < cols->n; i++) {
        const pb_column *c = &cols->col[i];
        const pb_cell *cell = pb_row_get(row, c->name);
        if (c->text == PB_TEXT_TAIL && cell && cell->type == PB_CELL_STR && cell->s && *cell->s)
            fprintf(f, "%s%s", c->label ? c->label : "  ", cell->s);
    }
    fputc('\n', f);
}

void pb_text_header(FILE *f, const pb_columns *cols)
{
    line(f, cols, NULL, NULL);
}

void pb_text_row(FILE *f, const pb_columns *cols, const pb_row *row)
{
    line(f, cols, row, NULL);
}

void pb_text_table(FILE *f, const pb_columns *cols, const pb_row *rows, size_t n, size_t cap)
{
    int *w = calloc(cols->n ? cols->n : 1, sizeof *w);
    if (!w)
        return;
    char buf[4096];
    for (size_t i = 0; i < cols->n; i++) {
        const pb_column *c = &cols->col[i];
        w[i] = c->width;
        if (c->width != 0 || !shown(c))
            continue;
        size_t m = strlen(label(c));
        for (size_t r = 0; r < n; r++) {
            pb_text_cell(buf, sizeof buf, c, pb_row_get(&rows[r], c->name));
            size_t k = strlen(buf);
            if (k > m)
                m = k > cap ? cap : k;
        }
        /* fitted columns are left-aligned */
        w[i] = -(int)m;
        if (i == last_shown(cols))
            w[i] = 0;
    }
    line(f, cols, NULL, w);
    for (size_t r = 0; r < n; r++)
        line(f, cols, &rows[r], w);
    free(w);
}
