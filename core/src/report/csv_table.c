/* Whole-file CSV reading on top of libcsv's streaming parser, and the
 * report writer helpers.  See csv_table.h. */
#include "sysutil.h"
#include "grow.h"
#include "csv_table.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* State shared with libcsv's callbacks, which cannot stop the parser: the
 * first problem is recorded and everything after it is ignored. */
typedef struct csv_reader {
    pb_csv_table *t;
    char **row;          /* fields of the row being assembled */
    size_t row_n, row_cap;
    size_t rows_cap;     /* capacity of t->line; t->cells holds rows_cap*ncols */
    int have_header;
    int in_row;          /* a row has started and not yet ended */
    size_t line;         /* line of the chunk being parsed */
    size_t row_start;    /* line where the current row started */
    int failed;
    char *err;
    size_t err_len;
} csv_reader;

static void reader_fail(csv_reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    if (r->err && r->err_len)
        vsnprintf(r->err, r->err_len, fmt, ap);
    va_end(ap);
}

static void on_field(void *s, size_t len, void *data)
{
    csv_reader *r = data;
    if (r->failed)
        return;
    /* A NUL would silently cut the field short in every C consumer. */
    if (s && memchr(s, '\0', len)) {
        reader_fail(r, "%s:%zu: NUL byte inside field %zu", r->t->path,
                    r->line, r->row_n + 1);
        return;
    }
    char **grown = pb_grow(r->row, r->row_n, &r->row_cap, sizeof *grown, 16);
    if (!grown) {
        reader_fail(r, "%s:%zu: out of memory", r->t->path, r->line);
        return;
    }
    r->row = grown;
    char *copy = malloc(len + 1);
    if (!copy) {
        reader_fail(r, "%s:%zu: out of memory", r->t->path, r->line);
        return;
    }
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    r->row[r->row_n++] = copy;
}

static void drop_row(csv_reader *r)
{
    for (size_t i = 0; i < r->row_n; i++)
        free(r->row[i]);
    r->row_n = 0;
}

static int take_header(csv_reader *r)
{
    pb_csv_table *t = r->t;
    for (size_t i = 0; i < r->row_n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->row[i], r->row[j]) == 0) {
                reader_fail(r, "%s:%zu: column '%s' appears twice in the header "
                            "(columns %zu and %zu)", t->path, r->row_start,
                            r->row[i], j + 1, i + 1);
                return -1;
            }
    t->header = malloc(r->row_n * sizeof *t->header);
    if (!t->header) {
        reader_fail(r, "%s: out of memory", t->path);
        return -1;
    }
    memcpy(t->header, r->row, r->row_n * sizeof *t->header);
    t->ncols = r->row_n;
    t->header_line = r->row_start;
    r->row_n = 0; /* the strings now belong to the header */
    r->have_header = 1;
    return 0;
}

static int take_data_row(csv_reader *r)
{
    pb_csv_table *t = r->t;
    if (r->row_n != t->ncols) {
        reader_fail(r, "%s:%zu: expected %zu fields (as in the header), found %zu",
                    t->path, r->row_start, t->ncols, r->row_n);
        return -1;
    }
    if (t->nrows == r->rows_cap) {
        size_t cap = r->rows_cap ? 2 * r->rows_cap : 64;
        size_t *lines = realloc(t->line, cap * sizeof *lines);
        if (lines)
            t->line = lines;
        char **cells = lines ? realloc(t->cells, cap * t->ncols * sizeof *cells)
                             : NULL;
        if (!cells) {
            reader_fail(r, "%s:%zu: out of memory", t->path, r->row_start);
            return -1;
        }
        t->cells = cells;
        r->rows_cap = cap;
    }
    memcpy(t->cells + t->nrows * t->ncols, r->row, t->ncols * sizeof *r->row);
    t->line[t->nrows++] = r->row_start;
    r->row_n = 0; /* the strings now belong to the table */
    return 0;
}

static void on_row(int c, void *data)
{
    (void)c;
    csv_reader *r = data;
    r->in_row = 0;
    if (r->failed) {
        drop_row(r);
        return;
    }
    if ((!r->have_header ? take_header(r) : take_data_row(r)) != 0)
        drop_row(r);
}

/* Spaces are data (RFC 4180), so nothing counts as trimmable space. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* End of the physical line starting at pos: just past LF, CR LF or a lone CR,
 * or len. */
static size_t line_end(const char *buf, size_t len, size_t pos)
{
    while (pos < len && buf[pos] != '\n' && buf[pos] != '\r')
        pos++;
    if (pos < len) {
        if (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n')
            pos++;
        pos++;
    }
    return pos;
}

int pb_csv_read(const char *path, pb_csv_table *t, char *err, size_t err_len)
{
    memset(t, 0, sizeof *t);
    if (err_len)
        err[0] = '\0';
    t->path = malloc(strlen(path) + 1);
    if (!t->path) {
        snprintf(err, err_len, "%s: out of memory", path);
        return -1;
    }
    strcpy(t->path, path);

    char *buf;
    size_t len;
    if (pb_read_file(path, &buf, &len, err, err_len) != 0) {
        pb_csv_table_free(t);
        return -1;
    }

    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        snprintf(err, err_len, "%s: cannot initialise the CSV parser", path);
        free(buf);
        pb_csv_table_free(t);
        return -1;
    }
    csv_set_space_func(&p, no_space);

    csv_reader r = {.t = t, .err = err, .err_len = err_len, .line = 1};
    size_t pos = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    /* Feeding libcsv one physical line at a time tells the callbacks which
     * line they are on; a row can only start at the beginning of a chunk. */
    while (pos < len && !r.failed) {
        size_t end = line_end(buf, len, pos);
        size_t n = end - pos;
        if (!r.in_row && buf[pos] != '\n' && buf[pos] != '\r') {
            r.in_row = 1;
            r.row_start = r.line;
        }
        size_t used = csv_parse(&p, buf + pos, n, on_field, on_row, &r);
        if (used != n && !r.failed) {
            int code = csv_error(&p);
            if (code == CSV_EPARSE)
                reader_fail(&r, "%s:%zu: CSV syntax error at byte %zu of the line "
                            "(%s): a quote may only open a field, and must be "
                            "doubled inside a quoted field",
                            path, r.line, used + 1, csv_strerror(code));
            else
                reader_fail(&r, "%s:%zu: %s", path, r.line, csv_strerror(code));
        }
        pos = end;
        if (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == '\r'))
            r.line++;
    }
    if (!r.failed && csv_fini(&p, on_field, on_row, &r) != 0 && !r.failed)
        reader_fail(&r, "%s:%zu: unterminated quoted field at end of file "
                    "(the row starts on this line)", path, r.row_start);
    if (!r.failed && !r.have_header)
        reader_fail(&r, "%s:1: empty file: expected a header row", path);
    drop_row(&r);
    free(r.row);
    csv_free(&p);
    free(buf);
    if (r.failed) {
        pb_csv_table_free(t);
        return -1;
    }
    return 0;
}

int pb_csv_col(const pb_csv_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->header[i], name) == 0)
            return (int)i;
    return -1;
}

void pb_csv_table_free(pb_csv_table *t)
{
    if (t->cells)
        for (size_t i = 0; i < t->nrows * t->ncols; i++)
            free(t->cells[i]);
    if (t->header)
        for (size_t i = 0; i < t->ncols; i++)
            free(t->header[i]);
    free(t->cells);
    free(t->header);
    free(t->line);
    free(t->path);
    memset(t, 0, sizeof *t);
}

int pb_csv_to_double(const char *s, double *v)
{
    /* strtod would skip leading blanks; a field with them is not a number. */
    if (!s || !*s || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
        *s == '\f' || *s == '\v')
        return 0;
    char *end;
    double x = strtod(s, &end);
    if (end == s || *end != '\0')
        return 0;
    *v = x;
    return 1;
}

void pb_csv_write_field(FILE *f, const char *s)
{
    if (!s || !*s)
        return;
    size_t n = strlen(s);
    int needs_quotes = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' ||
                       s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t';
    if (needs_quotes)
        csv_fwrite(f, s, n);
    else
        fputs(s, f);
}

void pb_csv_format_double(char *buf, size_t len, double v)
{
    if (isnan(v))
        snprintf(buf, len, "nan"); /* either sign: printf would write -nan */
    else if (isinf(v))
        snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, len, "%.17g", v);
}

void pb_csv_write_double(FILE *f, double v)
{
    char buf[40];
    pb_csv_format_double(buf, sizeof buf, v);
    fputs(buf, f);
}
