/* csv_table.c — metadata CSV via libcsv. */
#include "dsesweep/csv_table.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parser state shared with libcsv's callbacks. */
typedef struct {
    dse_csv_table_t *t;
    char **row; /* fields of the record being read */
    size_t row_len, row_cap;
    size_t cells_cap;
    size_t line;     /* 1-based line where the current record started */
    size_t newlines; /* newlines seen so far, for line numbers */
    int failed;      /* 0, or the DSE_E* code recorded in err */
    const char *path;
    dse_err_t *err;
} csv_state_t;

static char *trimmed_copy(const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    char *out = malloc(len + 1);
    if (out) {
        memcpy(out, s, len);
        out[len] = '\0';
    }
    return out;
}

static void on_field(void *field, size_t len, void *data)
{
    csv_state_t *st = data;
    if (st->failed) return;
    if (st->row_len == st->row_cap) {
        size_t cap = st->row_cap ? 2 * st->row_cap : 16;
        char **grown = realloc(st->row, cap * sizeof *grown);
        if (!grown) {
            st->failed =
                DSE_RAISE(st->err, DSE_ENOMEM, "%s: out of memory reading the CSV", st->path);
            return;
        }
        st->row = grown;
        st->row_cap = cap;
    }
    char *copy = trimmed_copy(field ? field : "", field ? len : 0);
    if (!copy) {
        st->failed = DSE_RAISE(st->err, DSE_ENOMEM, "%s: out of memory reading the CSV", st->path);
        return;
    }
    st->row[st->row_len++] = copy;
}

static void drop_row(csv_state_t *st)
{
    for (size_t i = 0; i < st->row_len; ++i)
        free(st->row[i]);
    st->row_len = 0;
}

static void on_record(int terminator, void *data)
{
    (void)terminator;
    csv_state_t *st = data;
    dse_csv_table_t *t = st->t;
    if (st->failed) return;
    if (!t->header) { /* the header row */
        for (size_t i = 0; i < st->row_len; ++i) {
            if (!st->row[i][0]) {
                st->failed = DSE_RAISE(st->err, DSE_EFORMAT,
                                       "%s: line %zu: column %zu of the header is empty", st->path,
                                       st->line, i + 1);
                return;
            }
            for (size_t j = 0; j < i; ++j)
                if (!strcmp(st->row[i], st->row[j])) {
                    st->failed = DSE_RAISE(st->err, DSE_EFORMAT,
                                           "%s: line %zu: column '%s' appears twice in the header",
                                           st->path, st->line, st->row[i]);
                    return;
                }
        }
        t->header = st->row;
        t->n_cols = st->row_len;
        st->row = NULL;
        st->row_len = st->row_cap = 0;
        return;
    }
    if (st->row_len != t->n_cols) {
        st->failed =
            DSE_RAISE(st->err, DSE_EFORMAT, "%s: line %zu: %zu fields where the header has %zu",
                      st->path, st->line, st->row_len, t->n_cols);
        drop_row(st);
        return;
    }
    if ((t->n_rows + 1) * t->n_cols > st->cells_cap) {
        size_t cap = st->cells_cap ? 2 * st->cells_cap : 64 * t->n_cols;
        char **grown = realloc(t->cells, cap * sizeof *grown);
        if (!grown) {
            st->failed =
                DSE_RAISE(st->err, DSE_ENOMEM, "%s: out of memory reading the CSV", st->path);
            drop_row(st);
            return;
        }
        t->cells = grown;
        st->cells_cap = cap;
    }
    memcpy(t->cells + t->n_rows * t->n_cols, st->row, t->n_cols * sizeof *st->row);
    t->n_rows++;
    st->row_len = 0;
}

int dse_csv_read(const char *path, dse_csv_table_t *t, dse_err_t *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f) return DSE_RAISE(err, DSE_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fclose(f);
        return DSE_RAISE(err, DSE_ENOMEM, "%s: cannot initialise the CSV parser", path);
    }
    csv_state_t st = {.t = t, .line = 1, .path = path, .err = err};
    char buf[65536];
    size_t got, offset = 0;
    while (!st.failed && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        /* Feed line by line so that errors carry the record's first line. */
        size_t start = 0;
        for (size_t i = 0; i <= got && !st.failed; ++i) {
            if (i < got && buf[i] != '\n') continue;
            size_t len = (i < got ? i + 1 : got) - start;
            if (len && csv_parse(&parser, buf + start, len, on_field, on_record, &st) != len) {
                st.failed = DSE_RAISE(
                    err, DSE_EFORMAT, "%s: line %zu: malformed CSV (%s) near byte %zu", path,
                    st.newlines + 1, csv_strerror(csv_error(&parser)), offset + start);
                break;
            }
            if (i < got) {
                st.newlines++;
                if (st.row_len == 0) st.line = st.newlines + 1;
            }
            start = i + 1;
        }
        offset += got;
    }
    if (!st.failed && ferror(f))
        st.failed = DSE_RAISE(err, DSE_EIO, "%s: read failed: %s", path, strerror(errno));
    if (!st.failed && csv_fini(&parser, on_field, on_record, &st) != 0)
        st.failed =
            DSE_RAISE(err, DSE_EFORMAT, "%s: line %zu: malformed CSV (%s) at the end of the file",
                      path, st.line, csv_strerror(csv_error(&parser)));
    if (!st.failed && !t->header)
        st.failed = DSE_RAISE(err, DSE_EFORMAT, "%s: empty CSV (no header row)", path);
    csv_free(&parser);
    fclose(f);
    drop_row(&st);
    free(st.row);
    if (st.failed) {
        dse_csv_free(t);
        return st.failed;
    }
    return DSE_OK;
}

void dse_csv_free(dse_csv_table_t *t)
{
    if (t->header)
        for (size_t i = 0; i < t->n_cols; ++i)
            free(t->header[i]);
    if (t->cells)
        for (size_t i = 0; i < t->n_rows * t->n_cols; ++i)
            free(t->cells[i]);
    free(t->header);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

long dse_csv_column(const dse_csv_table_t *t, const char *name)
{
    for (size_t i = 0; i < t->n_cols; ++i)
        if (!strcmp(t->header[i], name)) return (long)i;
    return -1;
}

const char *dse_csv_cell(const dse_csv_table_t *t, size_t row, size_t col)
{
    return t->cells[row * t->n_cols + col];
}

int dse_parse_number(const char *cell, double *out)
{
    char clean[128];
    size_t k = 0;
    const char *s = cell;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '+') s++;
    for (; *s && k + 1 < sizeof clean; ++s) {
        /* A thousands separator sits between digits: "1,014.45". */
        if (*s == ',' && k > 0 && isdigit((unsigned char)clean[k - 1]) &&
            isdigit((unsigned char)s[1]))
            continue;
        clean[k++] = *s;
    }
    if (*s) return -1; /* longer than any number */
    while (k && isspace((unsigned char)clean[k - 1]))
        k--;
    if (k && clean[k - 1] == '%') k--;
    clean[k] = '\0';
    if (!k) return -1;
    char *end;
    errno = 0;
    double v = strtod(clean, &end);
    if (*end || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

void dse_csv_write_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; ++s) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}
