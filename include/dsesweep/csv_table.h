/* csv_table.h — a metadata CSV read whole with libcsv (RFC 4180: quoted
 * fields, doubled quotes, commas and newlines inside quotes), for joining
 * sweep results with per-model facts such as timm's results-imagenet.csv.
 *
 * All functions are local. The table owns every string in it.
 */
#ifndef DSESWEEP_CSV_TABLE_H
#define DSESWEEP_CSV_TABLE_H
#include <stddef.h>
#include <stdio.h>

#include "dsesweep/error.h"

typedef struct dse_csv_table {
    size_t n_cols; /* columns, from the header row */
    size_t n_rows; /* data rows (header excluded, blank lines skipped) */
    char **header; /* n_cols names, surrounding spaces trimmed */
    char **cells;  /* n_rows * n_cols values, row-major */
} dse_csv_table_t;

/* Local. Reads FILE; the first record is the header. Refuses, naming the
 * file: a file that cannot be read, malformed quoting (with the byte offset),
 * an empty file, duplicate or empty column names, and a row whose field count
 * differs from the header's (with its line number). On success the caller
 * owns *t and frees it with dse_csv_free. */
int dse_csv_read(const char *path, dse_csv_table_t *t, dse_err_t *err);

/* Local. Frees everything in t (safe on a zeroed or freed table). */
void dse_csv_free(dse_csv_table_t *t);

/* Local. Index of the column named `name`, or -1. */
long dse_csv_column(const dse_csv_table_t *t, const char *name);

/* Local. The cell at (row, col); borrowed. */
const char *dse_csv_cell(const dse_csv_table_t *t, size_t row, size_t col);

/* Local. Parses a numeric cell as people write them: surrounding spaces, a
 * leading '+', thousands separators ("1,014.45", as timm quotes param_count)
 * and a trailing '%' are accepted. Returns 0 and sets *out, or -1 when the
 * cell is empty or not a finite number. */
int dse_parse_number(const char *cell, double *out);

/* Local. Writes one CSV field, quoted (RFC 4180) when it holds a comma, a
 * quote or a line break. */
void dse_csv_write_field(FILE *out, const char *s);

#endif
