/* Test helper: read back the op checker's CSV with libcsv (strict mode), so
 * the tests check that the output is valid CSV and can look at its rows. */
#ifndef PB_TEST_CSV_ROWS_H
#define PB_TEST_CSV_ROWS_H

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_ROWS_MAX_FIELDS 16
#define CSV_ROWS_FIELD_LEN 320

typedef struct csv_row {
    int nfields;
    char field[CSV_ROWS_MAX_FIELDS][CSV_ROWS_FIELD_LEN];
} csv_row;

typedef struct csv_rows {
    csv_row *rows; /* rows[0] is the header */
    size_t n, cap;
    csv_row cur;
    int overflow; /* too many fields in a row, or out of memory */
} csv_rows;

static inline void csv_rows_on_field(void *s, size_t len, void *data)
{
    csv_rows *r = data;
    if (r->cur.nfields >= CSV_ROWS_MAX_FIELDS) {
        r->overflow = 1;
        return;
    }
    if (len >= CSV_ROWS_FIELD_LEN)
        len = CSV_ROWS_FIELD_LEN - 1;
    memcpy(r->cur.field[r->cur.nfields], s, len);
    r->cur.field[r->cur.nfields][len] = '\0';
    r->cur.nfields++;
}

static inline void csv_rows_on_row(int c, void *data)
{
    (void)c;
    csv_rows *r = data;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        csv_row *v = realloc(r->rows, cap * sizeof *v);
        if (!v) {
            r->overflow = 1;
            return;
        }
        r->rows = v;
        r->cap = cap;
    }
    r->rows[r->n++] = r->cur;
    memset(&r->cur, 0, sizeof r->cur);
}

/* Parses the whole stream from its start.  Returns 0 or -1 (message on
 * stderr). */
static inline int csv_rows_read(FILE *f, csv_rows *r)
{
    memset(r, 0, sizeof *r);
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return -1;
    rewind(f);
    char buf[4096];
    size_t got;
    int rc = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, got, csv_rows_on_field, csv_rows_on_row, r) !=
            got) {
            fprintf(stderr, "CSV parse error: %s\n",
                    csv_strerror(csv_error(&p)));
            rc = -1;
            break;
        }
    if (rc == 0 && csv_fini(&p, csv_rows_on_field, csv_rows_on_row, r) != 0) {
        fprintf(stderr, "CSV parse error at the end: %s\n",
                csv_strerror(csv_error(&p)));
        rc = -1;
    }
    csv_free(&p);
    if (r->overflow) {
        fprintf(stderr, "CSV row too wide or out of memory\n");
        rc = -1;
    }
    return rc;
}

static inline void csv_rows_free(csv_rows *r)
{
    free(r->rows);
    memset(r, 0, sizeof *r);
}

#endif
