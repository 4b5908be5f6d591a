/* A CSV report file whose header is fixed by its first row: later rows are
 * written in the header's order (absent columns empty), and a row naming a
 * column the header lacks is refused.  Rows are flushed as written, so an
 * interrupted run keeps every finished row. */
#ifndef PB_REPORT_TABLE_H
#define PB_REPORT_TABLE_H

#include "report.h"

#include <stdio.h>

typedef struct pb_table {
    FILE *f;
    char *path;
    char **cols;
    size_t ncols;
    size_t rows;
} pb_table;

/* Create (truncate) the file.  Returns -1 with errno set on failure. */
int pb_table_open(pb_table *t, const char *path);
/* Returns 0, or -1 with a message (unknown column, write error). */
int pb_table_write(pb_table *t, const pb_row *row, char *err, size_t err_len);
/* Returns -1 (errno says why) if anything failed to reach the file. */
int pb_table_close(pb_table *t);

#endif
