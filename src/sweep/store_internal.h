/* store_internal.h — the store's column tables, shared by its files (private
 * to src/sweep/store*.c and journal.c).
 *
 * Every table of the store (checkpoints, results, spectra), the attributes of
 * /reference and of the file are described ONCE, as an array of column
 * descriptors: name, C type, offset in the row struct, how HDF5 holds it, how
 * the journal encodes it and what merge does with it. The HDF5 writer and
 * reader, the journal encoder and decoder, merge's comparisons and the
 * identity keys of the hash indexes are all loops over these arrays.
 */
#ifndef DSESWEEP_STORE_INTERNAL_H
#define DSESWEEP_STORE_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "dsesweep/store.h"

/* C type of a column; the HDF5 type follows from it (store_hdf5.c):
 * int32/int64/uint64/float64 native, strings fixed-length NUL-padded. */
typedef enum {
    DSE_COL_I32,
    DSE_COL_I64,
    DSE_COL_U64,
    DSE_COL_F64,
    DSE_COL_STR,  /* char * (owned by the row) */
    DSE_COL_CHARS /* char[size] inside the row */
} dse_col_type_t;

/* Where HDF5 keeps a column. */
typedef enum {
    DSE_H5_DATASET,   /* a 1-D dataset of the table's group */
    DSE_H5_ATTR,      /* a scalar attribute of the group (or of the file) */
    DSE_H5_ATTR_HEX,  /* a uint64 as a 16-hex-digit string attribute */
    DSE_H5_ATTR_WRITE /* an attribute written but not read back (`finished`) */
} dse_h5_place_t;

/* How the journal encodes a column (JSON via cJSON). */
typedef enum {
    DSE_J_NONE,   /* not journaled */
    DSE_J_STRING, /* "jkey": "text" */
    DSE_J_NUMBER, /* "jkey": number */
    DSE_J_NUMS,   /* one of the integers of the record's "nums": "a b c" (table order) */
    DSE_J_HEX     /* "jkey": "%a" text of the double (exact, NaN too) */
} dse_j_kind_t;

/* Which JSON object of a task record holds it. */
typedef enum { DSE_JL_RECORD, DSE_JL_ENTRY } dse_j_level_t;

/* What merge does with a column. */
typedef enum {
    DSE_M_INFO, /* taken from the first store that has the row */
    DSE_M_KEY,  /* part of the row's identity */
    DSE_M_AGREE /* two stores with the same row must agree, else "conflict: ..." */
} dse_merge_role_t;

typedef struct dse_column {
    const char *name; /* HDF5 dataset or attribute name */
    dse_col_type_t type;
    size_t offset; /* in the row struct */
    size_t size;   /* bytes of the field (the capacity of a DSE_COL_CHARS) */
    dse_h5_place_t h5;
    dse_merge_role_t merge;
    dse_j_kind_t journal;
    const char *jkey; /* JSON key (DSE_J_STRING/NUMBER/HEX) */
    dse_j_level_t jlevel;
} dse_column_t;

typedef struct dse_table_desc {
    const char *group; /* HDF5 group ("" for the file's own attributes) */
    size_t row_size;
    const dse_column_t *cols;
    size_t n_cols;
} dse_table_desc_t;

extern const dse_table_desc_t dse_checkpoint_table; /* dse_store_checkpoint_t */
extern const dse_table_desc_t dse_result_table;     /* dse_store_result_t */
extern const dse_table_desc_t dse_spectrum_table;   /* dse_store_spectrum_t (not values) */
extern const dse_table_desc_t dse_reference_table;  /* dse_store_reference_t (not labels) */
extern const dse_table_desc_t dse_file_table;       /* dse_store_t's file attributes */

/* Local. Address of column c in row. */
void *dse_col_ptr(const dse_column_t *c, const void *row);

/* Local. Text of a string column (never NULL). */
const char *dse_col_str(const dse_column_t *c, const void *row);

/* Local. Sets a string column to a copy of text (DSE_COL_STR: owned copy,
 * the old one freed; DSE_COL_CHARS: truncated to the field). */
int dse_col_set_str(const dse_column_t *c, void *row, const char *text, dse_err_t *err);

/* Local. 1 if column c of a and b holds the same value (NaN equals NaN). */
int dse_col_equal(const dse_column_t *c, const void *a, const void *b);

/* Local. Frees the owned strings of row. */
void dse_row_free(const dse_table_desc_t *t, void *row);

/* Local. dst = a deep copy of src (owned strings duplicated). */
int dse_row_copy(const dse_table_desc_t *t, void *dst, const void *src, dse_err_t *err);

/* Local. 1 if a and b agree on every DSE_M_AGREE column. */
int dse_row_agree(const dse_table_desc_t *t, const void *a, const void *b);

/* Local. The identity key of row (its DSE_M_KEY columns, in table order)
 * into buf (cap bytes); returns its length, or 0 when it does not fit. */
size_t dse_row_key(const dse_table_desc_t *t, const void *row, unsigned char *buf, size_t cap);

/* Local. Adds row's journaled columns of `level` to the JSON object o. */
int dse_row_to_json(const dse_table_desc_t *t, dse_j_level_t level, const void *row, cJSON *o,
                    dse_err_t *err);

/* Local. Fills row's journaled columns of `level` from the JSON object o
 * (missing keys: "" and 0). DSE_EFORMAT when "nums" does not parse. */
int dse_row_from_json(const dse_table_desc_t *t, dse_j_level_t level, const cJSON *o, void *row,
                      dse_err_t *err);

/* Local. Bytes n rows take in the file (a DSE_COL_STR at its longest + 1, a
 * DSE_COL_CHARS at its capacity): for the disk pre-check. */
double dse_table_bytes(const dse_table_desc_t *t, const void *rows, size_t n);

/* Local. Rebuilds s's hash indexes from its tables. */
int dse_store_reindex(dse_store_t *s, dse_err_t *err);

/* Local. The index key of (checkpoint row k, family) into buf; its length. */
size_t dse_store_family_key(int64_t k, const char *family, unsigned char *buf, size_t cap);

/* Local. Appends a copy of checkpoint row c to s and indexes it; *k its row. */
int dse_store_add_checkpoint(dse_store_t *s, const dse_store_checkpoint_t *c, int64_t *k,
                             dse_err_t *err);

/* Local. Appends a copy of result row r to s and indexes it. */
int dse_store_add_result(dse_store_t *s, const dse_store_result_t *r, dse_err_t *err);

/* Local. Appends a copy of spectrum sp (values copied) to s. */
int dse_store_add_spectrum(dse_store_t *s, const dse_store_spectrum_t *sp, dse_err_t *err);

/* Local. Sets DSE at each of the nt powers ts for every spectrum of s (a
 * hash look-up per row; appended when missing); *added counts new rows. */
int dse_store_rescore_tables(dse_store_t *s, const double *ts, size_t nt, size_t *added,
                             dse_err_t *err);

/* Local. STORE.lock into buf: the one place the lock file's name is made. */
void dse_store_lock_path(const char *store_path, char *buf, size_t cap);

/* Local. The temporary store file of the writer (host, pid) into buf:
 * STORE.tmp.HOST.PID, unique per writer. */
void dse_store_tmp_path(const char *store_path, const char *host, long pid, char *buf, size_t cap);

/* Local (the writer's rank 0). Takes the exclusive lock STORE.lock and
 * writes this process's host, PID and start time into it. Held by another
 * live process: DSE_EUSAGE naming the holder, at once (a holder that is
 * stopping is waited for until its grace ends). Left by a dead one:
 * taken over, with a line on stderr (its temporary store is removed).
 * *fd_out (the caller's): dse_store_unlock. */
int dse_store_lock(const char *store_path, int *fd_out, dse_err_t *err);

/* Local (the lock's holder). Says in the lock file that its writer is
 * stopping, for about grace_seconds: a new writer waits for it then rather
 * than refusing (store_lock.c). Accepts -1. */
void dse_store_lock_mark_stopping(int fd, double grace_seconds);

/* Local. Empties and releases a lock taken by dse_store_lock; accepts -1,
 * sets *fd -1. */
void dse_store_unlock(int *fd);

#endif
