/* Whole-file CSV tables (RFC 4180, parsed by libcsv) and the small writer
 * helpers every report uses.
 *
 * Reading keeps fields byte for byte: spaces around unquoted fields are part
 * of the field, as RFC 4180 says (libcsv would trim them by default).  Every
 * data row remembers the 1-based line of the file where it starts, so later
 * checks (compare, tolerance tables) can point at the line.
 *
 * Writing follows the report conventions of docs/architecture.md section 7: a field is quoted only
 * when it has to be, doubles use %.17g in the C locale so they read back
 * bit for bit, and non-finite values are spelled nan, inf and -inf, which
 * strtod reads back. */
#ifndef PB_CSV_TABLE_H
#define PB_CSV_TABLE_H

#include <stddef.h>
#include <stdio.h>

typedef struct pb_csv_table {
    char *path;      /* the file it was read from (copy) */
    size_t ncols;    /* columns, fixed by the header */
    char **header;   /* ncols column names */
    size_t header_line; /* line of the header row (1 unless blank lines lead) */
    size_t nrows;    /* data rows, header excluded */
    char **cells;    /* nrows * ncols NUL-terminated fields, row-major */
    size_t *line;    /* nrows 1-based lines where each row starts */
} pb_csv_table;

/* Read the whole file at path into t (which need not be initialised).
 * Returns 0, or -1 with a message in err naming the file (and the line where
 * one applies): unreadable file, CSV syntax error, empty file, a column name
 * given twice in the header, or a row whose field count differs from the
 * header's.  Blank lines are skipped (libcsv does so).  A leading UTF-8 byte
 * order mark is dropped.  On error t is left empty (safe to free). */
int pb_csv_read(const char *path, pb_csv_table *t, char *err, size_t err_len);

/* Index of the column called name, or -1 when the header has none. */
int pb_csv_col(const pb_csv_table *t, const char *name);

/* Field of data row `row` (0-based, header excluded) in column `col`. */
static inline const char *pb_csv_cell(const pb_csv_table *t, size_t row,
                                      size_t col)
{
    return t->cells[row * t->ncols + col];
}

/* Release everything t holds and leave it empty. */
void pb_csv_table_free(pb_csv_table *t);

/* Parse a whole field as a double with strtod (C locale): returns 1 and sets
 * *v when the field is a number (including nan, inf, -inf), 0 when it is
 * empty or has anything else in it. */
int pb_csv_to_double(const char *s, double *v);

/* Write one field (no separator, no newline).  The field is quoted, with
 * embedded quotes doubled, only when it holds a comma, a quote, CR or LF, or
 * starts or ends with a space or tab (other readers would trim those).
 * NULL writes an empty field.  Check ferror(f) after writing a file. */
void pb_csv_write_field(FILE *f, const char *s);

/* Write a double as %.17g (round-trips through strtod, -0 as -0); NaN of
 * either sign as nan, the infinities as inf and -inf.  This is the one
 * spelling of a double in every report table (report.h's cell writer uses
 * it). */
void pb_csv_write_double(FILE *f, double v);
/* The same text into buf (32 bytes or more hold every value). */
void pb_csv_format_double(char *buf, size_t len, double v);

#endif
