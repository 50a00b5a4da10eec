/* source.h — one interface over every embeddings/labels file format.
 *
 * A source is an N x D array in a file: NumPy .npy, an HDF5 dataset, or a
 * safetensors tensor. Arrays of more than two dimensions are viewed as
 * N x (product of the rest); 1-D arrays as N x 1. Opening reads only the
 * header, so callers learn N and D cheaply and then read just the rows they
 * need (a rank reads only its sample shard).
 *
 * Specs: "PATH" or "PATH:NAME", where NAME is the HDF5 dataset path or the
 * safetensors tensor name. A PATH that exists as given is never split.
 * The format comes from the extension (.npy, .h5/.hdf5/.he5, .safetensors).
 *
 * Every error message starts with the path: "emb.npy: NaN at row 3, column 7".
 */
#ifndef DSESWEEP_SOURCE_H
#define DSESWEEP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"

typedef struct dse_source dse_source_t;

/* Local. Opens spec and reads its header. *out is owned by the caller and
 * released with dse_source_close. Fails (no crash) on a missing file, a
 * directory, a truncated or corrupt header, a shape that claims more bytes
 * than the file has, an unsupported dtype, N = 0 or D = 0. */
int dse_source_open(const char *spec, dse_source_t **out, dse_err_t *err);

/* Local. Frees the source; accepts NULL and sets *src to NULL. */
void dse_source_close(dse_source_t **src);

/* Local accessors. name() is the spec as opened (owned by the source). */
size_t dse_source_rows(const dse_source_t *src);
size_t dse_source_cols(const dse_source_t *src);
int dse_source_is_integer(const dse_source_t *src);
const char *dse_source_name(const dse_source_t *src);
const char *dse_source_dtype(const dse_source_t *src);
uint64_t dse_source_file_size(const dse_source_t *src);

/* Local. Reads rows[0..count) (strictly ascending, < rows()) into out, a
 * caller-owned row-major count x cols() float64 buffer. Fails on NaN or Inf,
 * naming the row (in file numbering) and column. */
int dse_source_read_rows(dse_source_t *src, const size_t *rows, size_t count, double *out,
                         dse_err_t *err);

/* Local. Reads every row; *out is malloc'd, owned by the caller (free()). */
int dse_source_read_all(dse_source_t *src, double **out, dse_err_t *err);

/* Local. Checks that an opened source can be a matrix of embeddings: a
 * floating-point dtype and at least 2 samples. Fails with
 * "<spec>: integer dtype '<i8'; embeddings must be floating point ..." or
 * "<spec>: 1 sample; at least 2 are needed". */
int dse_source_check_embeddings(const dse_source_t *src, dse_err_t *err);

/* Local. Reads every element of an integer-dtype source exactly (never
 * through float64) as 64-bit keys whose order is the values' order:
 * unsigned values as they are, signed values with the sign bit flipped
 * (*is_signed says which). out: caller-owned, rows() * cols() keys. */
int dse_source_read_int_keys(dse_source_t *src, uint64_t *out, int *is_signed, dse_err_t *err);

/* An N x D float64 matrix in memory with the name of its source. */
typedef struct dse_matrix {
    size_t rows, cols;
    double *data; /* row-major */
    char *name;
    int is_integer; /* stored as an integer dtype in the file */
} dse_matrix_t;

/* Local. Opens, reads everything and closes. m's buffers are caller-owned:
 * release them with dse_matrix_free. */
int dse_matrix_load(const char *spec, dse_matrix_t *m, dse_err_t *err);

/* Local. Frees m's buffers and zeroes it; safe on a zeroed matrix. */
void dse_matrix_free(dse_matrix_t *m);

/* ---- row readers: how the engine asks for samples ------------------------ */

/* Fills out (count x d, row-major, caller-owned) with the embeddings of the
 * problem positions pos[0..count) (ascending). Local; may fail. */
typedef int (*dse_row_reader_fn)(void *ctx, const size_t *pos, size_t count, double *out,
                                 dse_err_t *err);

/* A reader over a source: position p is file row rows[p] (rows NULL: p).
 * Both borrowed. */
typedef struct dse_source_rows {
    struct dse_source *src;
    const size_t *rows;
} dse_source_rows_t;
/* Local. dse_row_reader_fn over a dse_source_rows_t. */
int dse_source_rows_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err);

/* A reader over an in-memory row-major matrix with d columns (borrowed). */
typedef struct dse_memory_rows {
    const double *z;
    size_t d;
} dse_memory_rows_t;
/* Local. dse_row_reader_fn over a dse_memory_rows_t. */
int dse_memory_rows_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err);

/* A reader that maps positions: position p is position map[p] of the inner
 * reader (map NULL: identity). All borrowed. */
typedef struct dse_mapped_rows {
    dse_row_reader_fn read;
    void *ctx;
    const size_t *map;
} dse_mapped_rows_t;
/* Local. dse_row_reader_fn over a dse_mapped_rows_t. */
int dse_mapped_rows_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err);

#endif
