/* A CSV report file.  A declared table (pb_table_open_columns,
 * pb_table_attach) has the header of its declaration (report.h, tables.h);
 * a free one (pb_table_open: the tables whose columns a plugin names) has
 * the header its first row fixes.  Either way later rows are written in the
 * header's order (absent columns empty), and a row naming a column the
 * header lacks, or a declared row that was refused a cell, is not written.
 * Rows are flushed as written, so an interrupted run keeps every finished
 * row. */
#ifndef PB_REPORT_TABLE_H
#define PB_REPORT_TABLE_H

#include "report.h"

#include <stdio.h>

typedef struct pb_table {
    FILE *f;
    char *path;               /* for messages; the declaration's name when attached */
    char **cols;              /* free table: the header its first row fixed */
    size_t ncols;
    size_t rows;
    const pb_columns *decl;   /* declared table: its columns (NULL: free) */
    int header_done;
    int attached;             /* f belongs to the caller: close does not fclose it */
} pb_table;

/* Create (truncate) the file of a free table.  Returns -1 with errno set on
 * failure. */
int pb_table_open(pb_table *t, const char *path);
/* Create (truncate) the file of the declared table cols (which must outlive
 * t).  The header is written with the first row.  Returns -1 with errno
 * set on failure. */
int pb_table_open_columns(pb_table *t, const char *path, const pb_columns *cols);
/* Write the declared table cols into the caller's open stream f (stdout, a
 * file the caller appends to or replaces atomically); the header goes out
 * with the first row when header is 1, never when 0 (rows appended under a
 * header already there). */
void pb_table_attach(pb_table *t, FILE *f, const pb_columns *cols, int header);
/* Returns 0, or -1 with a message (unknown or refused column, write error). */
int pb_table_write(pb_table *t, const pb_row *row, char *err, size_t err_len);
/* Returns -1 (errno says why) if anything failed to reach the file.  An
 * attached stream is flushed, not closed. */
int pb_table_close(pb_table *t);

#endif
