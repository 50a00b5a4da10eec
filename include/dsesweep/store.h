/* store.h — the sweep's results: one HDF5 file plus its journal.
 *
 * In memory a store is three tables (checkpoints, results, spectra). On disk:
 *   STORE          HDF5, written collectively with parallel HDF5 (MPI-IO),
 *                  always as STORE.tmp then renamed over STORE, so the file
 *                  at STORE is always complete;
 *   STORE.journal  one checksummed record per finished task, appended and
 *                  fsync'd by the coordinator the moment the task reports.
 * A run loads STORE, replays the journal (dropping a torn last record), and
 * at its end writes STORE anew and empties the journal. The schema is in
 * docs/store.md.
 */
#ifndef DSESWEEP_STORE_H
#define DSESWEEP_STORE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dsesweep/error.h"

typedef struct dse_store_checkpoint {
    char *path, *run;
    int64_t step;
    uint64_t n, d, n_used, file_size;
    int64_t mtime;
    uint64_t checksum;
} dse_store_checkpoint_t;

typedef struct dse_store_result {
    int64_t checkpoint;  /* row in the checkpoints table */
    char quantity[32];   /* "DSE", "DSMI", ... */
    char family[16];     /* task family: "spectral", "classic", "mi" */
    double t;            /* 0 where t does not apply */
    double sigma;
    double value;        /* NaN when status != 0 */
    int32_t status;      /* 0 ok, else a DSE_E* code */
    char *error;         /* "" when ok */
    double seconds;      /* wall time of the task */
    int32_t ranks;       /* ranks of the group that ran it */
} dse_store_result_t;

typedef struct dse_store_spectrum {
    int64_t checkpoint;
    double sigma;
    uint64_t length;
    double *values; /* eigenvalues of K, descending (owned) */
} dse_store_spectrum_t;

/* The clustering of the sweep's vector reference X for DSMI(Z; X): made once
 * per store, reused for every checkpoint and by every later run. */
typedef struct dse_store_reference {
    char *path;        /* X's path as configured; NULL: the store has no clustering */
    uint64_t checksum; /* FNV-1a 64 of X's bytes */
    uint64_t n, d;     /* X is n x d (D') */
    int32_t knn, n_clusters;
    uint64_t components; /* connected components of the kNN graph */
    double seconds;      /* wall time of the clustering */
    int32_t ranks;       /* ranks that built the kNN graph */
    char created[32];    /* UTC time it was made */
    int32_t *labels;     /* n labels 0..n_clusters-1 (owned) */
} dse_store_reference_t;

/* The task family whose results (DSMI_X, ...) use the reference clustering. */
#define DSE_STORE_FAMILY_MI_X "mi_x"

typedef struct dse_store {
    dse_store_checkpoint_t *checkpoints;
    size_t n_checkpoints, cap_checkpoints;
    dse_store_result_t *results;
    size_t n_results, cap_results;
    dse_store_spectrum_t *spectra;
    size_t n_spectra, cap_spectra;
    char *config_text;    /* attributes of the file */
    uint64_t fingerprint; /* dse_config_fingerprint of the config that made it */
    char started[32], finished[32];
    dse_store_reference_t reference; /* path NULL: none */
} dse_store_t;

/* Local. Frees every buffer; safe on a zeroed store. */
void dse_store_free(dse_store_t *s);

/* Local. Row of the checkpoint with this path, or -1. */
int64_t dse_store_find_checkpoint(const dse_store_t *s, const char *path);

/* One finished task as the journal and the coordinator see it. */
typedef struct dse_task_record {
    dse_store_checkpoint_t checkpoint; /* borrowed strings */
    const char *family;
    int32_t status;
    const char *error;
    double seconds, sigma;
    int32_t ranks;
    size_t n_entries;
    const char **quantities; /* n_entries */
    const double *t;         /* n_entries */
    const double *values;    /* n_entries */
    size_t spectrum_length;  /* 0: none */
    const double *spectrum;
} dse_task_record_t;

/* Local. Applies a finished task: adds or updates the checkpoint row (a new
 * checksum drops its old results and spectra), replaces this family's results
 * of that checkpoint, and stores the spectrum. */
int dse_store_apply(dse_store_t *s, const dse_task_record_t *rec, dse_err_t *err);

/* Local. Sets the result (checkpoint row, quantity, t) to an ok value:
 * updates the row if there is one, else appends it with family and sigma;
 * *added (may be NULL) is 1 when a row was appended. */
int dse_store_put_value(dse_store_t *s, int64_t checkpoint, const char *quantity,
                        const char *family, double t, double sigma, double value, int *added,
                        dse_err_t *err);

/* Local. 1 if the store holds results of `family` for this checkpoint path
 * with this checksum. */
int dse_store_has(const dse_store_t *s, const char *path, uint64_t checksum, const char *family);

/* Local. Frees ref's buffers and zeroes it; safe on a zeroed struct. */
void dse_store_reference_free(dse_store_reference_t *ref);

/* Local. 1 if a and b were made from the same file content with the same
 * parameters and hold the same labels. */
int dse_store_reference_equal(const dse_store_reference_t *a, const dse_store_reference_t *b);

/* Local. Replaces the store's clustering with a copy of ref. When the store
 * held a different one, every DSE_STORE_FAMILY_MI_X result is dropped (it
 * belonged to the old clustering); *dropped (may be NULL) receives how many. */
int dse_store_set_reference(dse_store_t *s, const dse_store_reference_t *ref, size_t *dropped,
                            dse_err_t *err);

/* Local. Appends the clustering ref to the journal at path and fsyncs it
 * (replayed by dse_journal_replay like a task). */
int dse_journal_append_reference(const char *path, const dse_store_reference_t *ref,
                                 dse_err_t *err);

/* Local. Appends rec to the journal at path and fsyncs it. */
int dse_journal_append(const char *path, const dse_task_record_t *rec, dse_err_t *err);

/* Local. Replays the journal at path into s (missing file: nothing to do).
 * A torn or corrupt record ends the replay; with cut_torn it is also cut off
 * the file (only the sweep that will append next may do that; readers pass 0
 * and never modify the file). *replayed (may be NULL) receives the number of
 * records applied. */
int dse_journal_replay(const char *path, dse_store_t *s, size_t *replayed, int cut_torn,
                       dse_err_t *err);

/* Local. The replay itself, from an open stream of `size` bytes: applies the
 * intact records and returns in *good the offset after the last one. */
int dse_journal_replay_stream(FILE *f, long size, dse_store_t *s, size_t *replayed, long *good,
                              dse_err_t *err);

/* Local. Reads an existing HDF5 store (serial access). */
int dse_store_read(const char *path, dse_store_t *s, dse_err_t *err);

/* Collective on comm. Writes rank root's store to path (through path.tmp and
 * a rename) with parallel HDF5: every rank writes a slice of every table. */
int dse_store_write(MPI_Comm comm, int root, const char *path, const dse_store_t *s,
                    dse_err_t *err);

/* Local. Merges src (read from the file named src_name) into dst: checkpoints
 * by path, results by (path, family, quantity, t), spectra by (path, sigma).
 * Identical rows are kept once. Rows that disagree (another checksum for the
 * same path, another value or status for the same result) fail with
 * "conflict: ..." naming the path, the quantity and both values; dst is then
 * unspecified. dst_name names what dst holds so far, for messages. */
int dse_store_merge(dse_store_t *dst, const char *dst_name, const dse_store_t *src,
                    const char *src_name, dse_err_t *err);

/* Local. Test hook: sleeps $DSE_TEST_SLOW_IO seconds when that is set
 * (inside journal appends and store writes), else returns at once. */
void dse_test_slow_io(void);

/* Local. "2026-11-23T04:25:00Z" for now into buf (>= 21 bytes). */
void dse_store_timestamp(char *buf, size_t cap);

#endif
