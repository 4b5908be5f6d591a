/* Report rows: an ordered list of named, typed cells, written as CSV with a
 * fixed column order.  Every report table of phasebench is built this way, so
 * the header and the row can never disagree.
 *
 * A core table declares its columns once (pb_columns, in tables.c): name,
 * type, meaning and how the column shows in the terminal's text table.  A row
 * bound to a declaration (pb_row_init_columns) holds every declared column in
 * declared order, unset ones empty; setting a column the declaration lacks,
 * or with another type, is refused and marks the row bad, and a bad row is
 * never written (pb_table_write, pb_row_check).  The CSV header and the text
 * table's header both come from the declaration (report_table.h,
 * text_table.h).  A free row (pb_row_init) keeps the columns in the order
 * they are first set: the tables whose columns a plugin names. */
#ifndef PB_REPORT_H
#define PB_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PB_SCHEMA_VERSION 1

typedef enum pb_cell_type { PB_CELL_EMPTY, PB_CELL_STR, PB_CELL_INT, PB_CELL_DBL } pb_cell_type;

/* The type a declared column accepts (an empty cell is accepted by all). */
typedef enum pb_col_type { PB_COL_STR, PB_COL_INT, PB_COL_DBL } pb_col_type;

/* How a column shows in the fixed-width text table of the terminal.  An
 * empty cell or a NaN shows as "-". */
typedef enum pb_text_fmt {
    PB_TEXT_NONE = 0, /* CSV only */
    PB_TEXT_PLAIN,    /* text as is, integers in decimal, doubles %g */
    PB_TEXT_FIX2,     /* %.2f */
    PB_TEXT_SCI2,     /* %.2e */
    PB_TEXT_PCT1,     /* a fraction as a percentage, %.1f%% */
    PB_TEXT_SECONDS,  /* seconds, scaled: "1.234 s", "1.234 ms", "12.3 us" */
    PB_TEXT_TAIL      /* after the aligned columns, label then the text, when not empty */
} pb_text_fmt;

/* One declared column. */
typedef struct pb_column {
    const char *name;    /* the CSV header field */
    pb_col_type type;
    const char *meaning; /* unit and one-line meaning (for readers of the declaration) */
    pb_text_fmt text;    /* PB_TEXT_NONE: not in the text table */
    int width;           /* text width in characters; negative: left-aligned; 0: fit the
                          * widest cell (tables printed whole, text_table.h) */
    const char *label;   /* text header (NULL: the name); PB_TEXT_TAIL: the prefix */
} pb_column;

/* A table's declaration: its columns in file order.  Static tables are a
 * static const array wrapped by PB_COLUMNS; a table made of parts (runs.csv:
 * its own columns around the training parameters' columns) is joined at run
 * time with pb_columns_join. */
typedef struct pb_columns {
    const char *table;   /* for messages: "runs.csv", "bench CSV" */
    const pb_column *col;
    size_t n;
    const char *sep;     /* text table: between columns (NULL: one space) */
    int owned;           /* col was allocated by pb_columns_join */
} pb_columns;

#define PB_COLUMNS(table, array, sep) \
    {(table), (array), sizeof(array) / sizeof((array)[0]), (sep), 0}

/* Index of the column called name, or -1. */
int pb_columns_find(const pb_columns *c, const char *name);

/* out = the parts' columns one after another, under the name table.
 * Returns 0, or -1 when out of memory or when a name appears twice (a
 * declaration error; the message goes to err).  Free with pb_columns_free. */
int pb_columns_join(pb_columns *out, const char *table, const pb_columns *const *parts,
                    size_t n_parts, char *err, size_t err_len);
void pb_columns_free(pb_columns *c);

/* Write the CSV header of the declaration: the names, comma separated. */
void pb_columns_write_header(FILE *f, const pb_columns *c);

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
    const pb_columns *cols; /* NULL: a free row */
    char bad[160];          /* the first refused cell, "" when none */
} pb_row;

/* A free row: columns in the order they are first set. */
void pb_row_init(pb_row *r);
/* A row of the declared table cols (which must outlive the row): every
 * column present, empty, in declared order.  Out of memory marks the row
 * bad. */
void pb_row_init_columns(pb_row *r, const pb_columns *cols);
void pb_row_free(pb_row *r);
/* Setting a name already present replaces its value in place.  Each returns
 * 0, or -1 when the row is declared and the column is not in its
 * declaration or has another type (the row is then marked bad, see
 * pb_row_check), or when out of memory. */
int pb_row_str(pb_row *r, const char *name, const char *value);
int pb_row_int(pb_row *r, const char *name, int64_t value);
int pb_row_dbl(pb_row *r, const char *name, double value);
int pb_row_empty(pb_row *r, const char *name);
/* Cell by name, or NULL. */
const pb_cell *pb_row_get(const pb_row *r, const char *name);
/* 0 when every cell set so far was accepted; -1 with "TABLE: column 'x'
 * is not declared" (or the type mismatch) in err otherwise. */
int pb_row_check(const pb_row *r, char *err, size_t err_len);

/* Header of the row's columns (a declared row: of its declaration). */
void pb_row_write_header(FILE *f, const pb_row *r);
/* One cell's CSV text (no separator): strings quoted only when they must
 * be (pb_csv_write_field), integers in decimal, doubles by the one double
 * writer of every table, pb_csv_write_double (nan, inf, -inf, %.17g). */
void pb_cell_write(FILE *f, const pb_cell *c);
void pb_row_write(FILE *f, const pb_row *r);

#endif
