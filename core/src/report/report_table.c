#include "report_table.h"

#include "csv_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int open_file(pb_table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->path = strdup(path);
    t->f = fopen(path, "w");
    if (!t->f || !t->path) {
        int e = errno;
        if (t->f)
            fclose(t->f);
        free(t->path);
        memset(t, 0, sizeof *t);
        errno = e;
        return -1;
    }
    return 0;
}

int pb_table_open(pb_table *t, const char *path)
{
    return open_file(t, path);
}

int pb_table_open_columns(pb_table *t, const char *path, const pb_columns *cols)
{
    if (open_file(t, path) != 0)
        return -1;
    t->decl = cols;
    return 0;
}

void pb_table_attach(pb_table *t, FILE *f, const pb_columns *cols, int header)
{
    memset(t, 0, sizeof *t);
    t->f = f;
    t->decl = cols;
    t->attached = 1;
    t->header_done = !header;
}

static const char *where(const pb_table *t)
{
    return t->path ? t->path : t->decl ? t->decl->table : "report table";
}

/* Every cell of row is a column of the declared table, of its type. */
static int check_declared(const pb_table *t, const pb_row *row, char *err, size_t err_len)
{
    if (row->bad[0]) {
        snprintf(err, err_len, "%s: row refused: %s", where(t), row->bad);
        return -1;
    }
    if (row->cols == t->decl)
        return 0;
    for (size_t i = 0; i < row->n; i++) {
        const pb_cell *c = &row->cells[i];
        int k = pb_columns_find(t->decl, c->name);
        if (k < 0) {
            snprintf(err, err_len, "%s: column '%s' is not declared for %s", where(t), c->name,
                     t->decl->table);
            return -1;
        }
        pb_col_type want = t->decl->col[k].type;
        if (c->type != PB_CELL_EMPTY &&
            (int)c->type != (want == PB_COL_STR ? PB_CELL_STR
                             : want == PB_COL_INT ? PB_CELL_INT
                                                  : PB_CELL_DBL)) {
            snprintf(err, err_len, "%s: column '%s' holds a value of another type than declared",
                     where(t), c->name);
            return -1;
        }
    }
    return 0;
}

/* A free table: the first row fixes the header, later rows must fit it. */
static int check_free(pb_table *t, const pb_row *row, char *err, size_t err_len)
{
    if (row->bad[0]) {
        snprintf(err, err_len, "%s: row refused: %s", where(t), row->bad);
        return -1;
    }
    if (!t->cols) {
        t->cols = calloc(row->n ? row->n : 1, sizeof *t->cols);
        if (!t->cols) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        t->ncols = row->n;
        for (size_t i = 0; i < row->n; i++)
            if (!(t->cols[i] = strdup(row->cells[i].name))) {
                snprintf(err, err_len, "out of memory");
                return -1;
            }
    }
    for (size_t i = 0; i < row->n; i++) {
        size_t k = 0;
        while (k < t->ncols && strcmp(t->cols[k], row->cells[i].name) != 0)
            k++;
        if (k == t->ncols) {
            snprintf(err, err_len, "%s: column '%s' is not in the header fixed by the first row",
                     where(t), row->cells[i].name);
            return -1;
        }
    }
    return 0;
}

int pb_table_write(pb_table *t, const pb_row *row, char *err, size_t err_len)
{
    if (!t->f) {
        snprintf(err, err_len, "report table is not open");
        return -1;
    }
    if ((t->decl ? check_declared(t, row, err, err_len) : check_free(t, row, err, err_len)) != 0)
        return -1;
    size_t n = t->decl ? t->decl->n : t->ncols;
    if (!t->header_done) {
        if (t->decl) {
            pb_columns_write_header(t->f, t->decl);
        } else {
            for (size_t k = 0; k < n; k++) {
                if (k)
                    fputc(',', t->f);
                pb_csv_write_field(t->f, t->cols[k]);
            }
            fputc('\n', t->f);
        }
        t->header_done = 1;
    }
    for (size_t k = 0; k < n; k++) {
        if (k)
            fputc(',', t->f);
        const pb_cell *c = row->cols == t->decl && t->decl ? &row->cells[k]
                           : pb_row_get(row, t->decl ? t->decl->col[k].name : t->cols[k]);
        if (c)
            pb_cell_write(t->f, c);
    }
    fputc('\n', t->f);
    errno = 0;
    int flushed = fflush(t->f) == 0;
    t->rows++;
    if (!flushed || ferror(t->f)) {
        snprintf(err, err_len, "%s: write error: %s", where(t), errno ? strerror(errno) : "I/O error");
        return -1;
    }
    return 0;
}

int pb_table_close(pb_table *t)
{
    int rc = 0;
    int e = 0;
    if (t->f && t->attached) {
        if (fflush(t->f) != 0 || ferror(t->f)) {
            rc = -1;
            e = errno ? errno : EIO;
        }
    } else if (t->f) {
        rc = ferror(t->f) ? -1 : 0;
        if (rc)
            e = EIO;
        if (fclose(t->f) != 0) {
            rc = -1;
            e = errno; /* the reason, for the caller's message */
        }
    }
    for (size_t i = 0; i < t->ncols; i++)
        free(t->cols[i]);
    free(t->cols);
    free(t->path);
    memset(t, 0, sizeof *t);
    if (rc)
        errno = e;
    return rc;
}
