/* Report rows: an ordered list of named, typed cells, written as CSV with a
 * fixed column order.  Every report table of phasebench is built this way, so
 * the header and the row can never disagree. */
#ifndef PB_REPORT_H
#define PB_REPORT_H

#include <stdint.h>
#include <stdio.h>

#define PB_SCHEMA_VERSION 1

typedef enum pb_cell_type { PB_CELL_EMPTY, PB_CELL_STR, PB_CELL_INT, PB_CELL_DBL } pb_cell_type;

typedef struct pb_cell {
    const char *name;   /* static string: column names are literals */
    pb_cell_type type;
    char *s;            /* owned copy for strings */
    int64_t i;
    double d;
} pb_cell;

typedef struct pb_row {
    size_t n, cap;
    pb_cell *cells;
} pb_row;

void pb_row_init(pb_row *r);
void pb_row_free(pb_row *r);
/* Setting a name already present replaces its value in place. */
void pb_row_str(pb_row *r, const char *name, const char *value);
void pb_row_int(pb_row *r, const char *name, int64_t value);
void pb_row_dbl(pb_row *r, const char *name, double value);
void pb_row_empty(pb_row *r, const char *name);
/* Cell by name, or NULL. */
const pb_cell *pb_row_get(const pb_row *r, const char *name);

void pb_row_write_header(FILE *f, const pb_row *r);
/* One cell's CSV text (no separator). */
void pb_cell_write(FILE *f, const pb_cell *c);
void pb_row_write(FILE *f, const pb_row *r);

#endif
