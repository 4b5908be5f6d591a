#include "report_table.h"

#include "csv_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pb_table_open(pb_table *t, const char *path)
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

int pb_table_write(pb_table *t, const pb_row *row, char *err, size_t err_len)
{
    if (!t->f) {
        snprintf(err, err_len, "report table is not open");
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
        pb_row_write_header(t->f, row);
    }
    for (size_t i = 0; i < row->n; i++) {
        size_t k = 0;
        while (k < t->ncols && strcmp(t->cols[k], row->cells[i].name) != 0)
            k++;
        if (k == t->ncols) {
            snprintf(err, err_len, "%s: column '%s' is not in the header fixed by the first row",
                     t->path, row->cells[i].name);
            return -1;
        }
    }
    for (size_t k = 0; k < t->ncols; k++) {
        if (k)
            fputc(',', t->f);
        const pb_cell *c = pb_row_get(row, t->cols[k]);
        if (c)
            pb_cell_write(t->f, c);
    }
    fputc('\n', t->f);
    errno = 0;
    int flushed = fflush(t->f) == 0;
    t->rows++;
    if (!flushed || ferror(t->f)) {
        snprintf(err, err_len, "%s: write error: %s", t->path, errno ? strerror(errno) : "I/O error");
        return -1;
    }
    return 0;
}

int pb_table_close(pb_table *t)
{
    int rc = 0;
    int e = 0;
    if (t->f) {
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
