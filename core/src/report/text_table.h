/* The fixed-width text table of the terminal, from the same declaration as
 * the CSV (report.h): the columns with a text format, in declared order,
 * under their labels.  A column of width w > 0 is right-aligned in w
 * characters, w < 0 left-aligned in -w, w == 0 as wide as its widest cell
 * (pb_text_table only; the last such column is not padded).  A cell wider
 * than its column is printed whole.  PB_TEXT_TAIL columns follow the
 * aligned ones, as label + text, only when the cell is not empty. */
#ifndef PB_TEXT_TABLE_H
#define PB_TEXT_TABLE_H

#include "report.h"

#include <stdio.h>

/* The text of one cell under column col (NULL cell: empty): "-" when empty
 * or NaN, otherwise by col->text.  buf of at least 32 bytes holds short
 * values; strings longer than len are cut. */
void pb_text_cell(char *buf, size_t len, const pb_column *col, const pb_cell *cell);

/* Header line of the fixed-width columns (widths as declared). */
void pb_text_header(FILE *f, const pb_columns *cols);
/* One row (its cells looked up by the declared names), widths as declared. */
void pb_text_row(FILE *f, const pb_columns *cols, const pb_row *row);

/* A whole table: header and rows, width-0 columns fitted to their widest
 * cell or label, but to at most cap characters (longer cells are printed
 * whole, unaligned). */
void pb_text_table(FILE *f, const pb_columns *cols, const pb_row *rows, size_t n, size_t cap);

#endif
