/* store.h — the sweep's results: one HDF5 file plus its journal.
 *
 * In memory a store is three tables (checkpoints, results, spectra) and the
 * reference clustering. On disk:
 *   STORE          HDF5, written collectively with parallel HDF5 (MPI-IO),
 *                  always as STORE.tmp.HOST.PID (unique per writer) then
 *                  renamed over STORE, so the file at STORE is always complete;
 *   STORE.lock     held (fcntl) by the one writer for its whole run: it
 *                  names the writer's host, PID and start time;
 *   STORE.journal  one checksummed record per finished task, appended and
 *                  fsync'd by the coordinator the moment the task reports.
 * The store handle (dse_store_open ... dse_store_close) is the one owner of
 * both files: it reads STORE and replays the journal (cutting a torn tail
 * when opened for writing), commits records (journal first, then memory),
 * and checkpoints (writes STORE anew, then empties the journal). Everything
 * else reads the tables through dse_store_tables(). The schema is in
 * docs/store.md and, for the code, in one column table (store_columns.c).
 */
#ifndef DSESWEEP_STORE_H
#define DSESWEEP_STORE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dsesweep/error.h"
#include "dsesweep/htable.h"

typedef struct dse_store_checkpoint {
    char *path, *run;
    int64_t step;
    uint64_t n, d, n_used, file_size;
    int64_t mtime;
    uint64_t checksum;
} dse_store_checkpoint_t;

typedef struct dse_store_result {
    int64_t checkpoint; /* row in the checkpoints table */
    char quantity[32];  /* "DSE", "DSMI", ... */
    char family[16];    /* task family: "spectral", "classic", "mi" */
    double t;           /* 0 where t does not apply */
    double sigma;
    double value;   /* NaN when status != 0 */
    int32_t status; /* 0 ok, else a DSE_E* code */
    char *error;    /* "" when ok */
    double seconds; /* wall time of the task */
    int32_t ranks;  /* ranks of the group that ran it */
    /* Per entry (issue 17; 0 / "" in stores made before these columns): */
    double se;                   /* standard error: DSE over subsample repeats, MI over
                                    its subset draws; 0 when not estimated */
    char sigma_rule[16];         /* the bandwidth rule ("median", "knn:7", ...); "": the
                                    one fixed `sigma` of the config */
    double sigma_used;           /* the bandwidth the rule gave (knn: median of sigma_i) */
    double sigma_min, sigma_max; /* range of sigma_i (knn); = sigma_used otherwise */
    double median_distance;      /* the checkpoint's median pairwise distance (bandwidth
                                    check; 0: not measured) */
    int32_t attempts;            /* times this task ran for this file content, this one included
                                    (0 in stores made before the column: read as 1) */
    char *failed_before; /* the error of the last failed attempt before this one ("" none) */
    char driver[16];     /* eigensolver of the task's spectrum ("" without one) */
    int32_t threads;     /* BLAS threads per rank that ran it */
    /* Per entry (issue 18; "" / 0 in stores made before these columns: exact): */
    char method[8];      /* "exact" or "bounded" (docs/bounded.md) */
    char interval[12];   /* bounded: "certified" or "statistical"; "" for exact */
    double lower, upper; /* bounded: DSE's interval in bits; NaN for exact */
    int64_t k;           /* bounded: Ritz values in the head */
    int64_t products;    /* bounded: block products with K */
} dse_store_result_t;

/* The per-entry columns of a task record beyond quantity, t and value. */
typedef struct dse_entry_extra {
    double se;
    char sigma_rule[16];
    double sigma_used, sigma_min, sigma_max;
    double median_distance;
    char method[8], interval[12];
    double lower, upper;
    int64_t k, products;
    /* The entry's own failure when its task succeeded otherwise: a bandwidth
     * rule that failed alone (issue 24); 0 and "" else. */
    int32_t status;
    char error[DSE_ERR_MSG_MAX];
} dse_entry_extra_t;

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
/* The task family whose results (DSMI, ...) use the labels file. */
#define DSE_STORE_FAMILY_MI "mi"

typedef struct dse_store {
    dse_store_checkpoint_t *checkpoints;
    size_t n_checkpoints, cap_checkpoints;
    dse_store_result_t *results;
    size_t n_results, cap_results;
    dse_store_spectrum_t *spectra;
    size_t n_spectra, cap_spectra;
    char *config_text;        /* attributes of the file */
    uint64_t fingerprint;     /* dse_config_fingerprint of the config that made it */
    char *labels_path;        /* the labels file the `mi` results were computed with ("" none) */
    uint64_t labels_checksum; /* FNV-1a 64 of its bytes (0: not recorded) */
    char started[32], finished[32];
    dse_store_reference_t reference; /* path NULL: none */
    dse_htable_t by_path;            /* checkpoint path -> row */
    dse_htable_t by_family;          /* (checkpoint row, family) -> result rows */
    dse_htable_t failed;             /* (checkpoint row, family) -> failed result rows */
} dse_store_t;

/* One finished task as the journal and the coordinator see it. */
typedef struct dse_task_record {
    dse_store_checkpoint_t checkpoint; /* borrowed strings */
    const char *family;
    int32_t status;
    const char *error;
    double seconds, sigma;
    int32_t ranks;
    const char *driver; /* eigensolver of the spectrum (NULL or "": none) */
    int32_t threads;    /* BLAS threads per rank */
    size_t n_entries;
    const char **quantities;        /* n_entries */
    const double *t;                /* n_entries */
    const double *values;           /* n_entries */
    const dse_entry_extra_t *extra; /* n_entries, or NULL: se 0, no rule */
    size_t spectrum_length;         /* 0: none */
    const double *spectrum;
    int32_t attempts;          /* the failure history; 0: derived from the rows it replaces */
    const char *failed_before; /* (with attempts > 0) the last failed attempt's error */
} dse_task_record_t;

/* ---- the store handle ------------------------------------------------------
 * Collective calls are collective on the communicator given to open/create.
 * Rank 0 holds the tables; local calls that read or change them are for
 * rank 0 (on other ranks the tables are empty). Failures of collective calls
 * are agreed: every rank returns the same status. */

typedef struct dse_store_handle dse_store_handle_t;

enum {
    DSE_STORE_READ_ONLY = 0,  /* never modifies STORE or its journal */
    DSE_STORE_READ_WRITE = 1, /* may commit, checkpoint; a torn journal tail is cut */
    DSE_STORE_CREATE = 2      /* with READ_WRITE: a missing STORE is an empty store */
};

/* Collective on comm. Opens the store at path: rank 0 reads the HDF5 file
 * (required unless mode has DSE_STORE_CREATE and there is none) and replays
 * STORE.journal. With DSE_STORE_READ_WRITE rank 0 first takes STORE.lock and
 * holds it until dse_store_close: a store another live writer holds is
 * refused at once (DSE_EUSAGE, naming its host, PID and start time); a lock
 * left by a dead writer is taken over with a line on stderr. Readers take no
 * lock and see the last complete STORE plus the journal. comm MPI_COMM_NULL makes a local handle
 * that needs no MPI (export, report; it cannot checkpoint). *out is owned by the caller:
 * dse_store_close. */
int dse_store_open(MPI_Comm comm, const char *path, int mode, dse_store_handle_t **out,
                   dse_err_t *err);

/* Collective on comm. A new, empty store that will replace whatever is at
 * path when checkpointed (its file and journal are not read). Takes
 * STORE.lock as dse_store_open does for writing. */
int dse_store_create(MPI_Comm comm, const char *path, dse_store_handle_t **out, dse_err_t *err);

/* Local. Frees the handle (nothing is written) and releases its lock;
 * accepts NULL, sets *h NULL. */
void dse_store_close(dse_store_handle_t **h);

/* Local. The store's path and its journal's path (owned by the handle). */
const char *dse_store_path(const dse_store_handle_t *h);
const char *dse_store_journal_path(const dse_store_handle_t *h);

/* Local (rank 0 of a writing handle; else nothing). Marks the store's lock
 * as held by a writer that is stopping within grace_seconds: a new writer
 * waits for it instead of being refused (an immediate requeue). */
void dse_store_mark_stopping(dse_store_handle_t *h, double grace_seconds);

/* Local. The tables (owned by the handle; rank 0 only, else empty). */
const dse_store_t *dse_store_tables(const dse_store_handle_t *h);

/* Local (rank 0). Finished-task records replayed from the journal when the
 * store was opened (labels and reference records not counted). */
size_t dse_store_replayed(const dse_store_handle_t *h);

/* Collective. Binds the store to the config that writes it: refuses a store
 * made by a config with another fingerprint (naming each differing key with
 * both values) or another path_regex (dse_config_check_store), else records
 * text and fingerprint and stamps `started`. */
int dse_store_bind_config(dse_store_handle_t *h, const char *text, uint64_t fingerprint,
                          dse_err_t *err);

/* Local (rank 0). 1 if the store holds results of `family` for this
 * checkpoint path with this checksum (hash look-ups). */
int dse_store_has_task(const dse_store_handle_t *h, const char *path, uint64_t checksum,
                       const char *family);

/* Local (rank 0). The store's reference clustering (path NULL: none);
 * owned by the handle. */
const dse_store_reference_t *dse_store_reference(const dse_store_handle_t *h);

/* Local (rank 0, the coordinator). Appends rec to the journal and fsyncs it,
 * THEN applies it to the tables. The record's failure history (attempts,
 * failed_before) is taken from the rows it replaces and journaled with it,
 * so replaying the record again gives the same rows. */
int dse_store_commit(dse_store_handle_t *h, const dse_task_record_t *rec, dse_err_t *err);

/* Local (rank 0). The same for a new reference clustering (copied); when it
 * replaces a different one, *dropped (may be NULL) receives how many mi_x
 * results of the old one were dropped. */
int dse_store_commit_reference(dse_store_handle_t *h, const dse_store_reference_t *ref,
                               size_t *dropped, dse_err_t *err);

/* Local (rank 0). Records that the `mi` results are (to be) computed with
 * the labels file at path whose bytes have this checksum: journaled first,
 * then applied with dse_store_set_labels; *dropped (may be NULL) receives how
 * many mi results of other labels were dropped. */
int dse_store_commit_labels(dse_store_handle_t *h, const char *path, uint64_t checksum,
                            size_t *dropped, dse_err_t *err);

/* Local (rank 0). Stamps `finished` with the time now. */
void dse_store_stamp_finished(dse_store_handle_t *h);

/* Collective. Writes the whole store with parallel HDF5 (STORE.tmp, then a
 * rename over STORE), THEN empties the journal. READ_WRITE handles only. */
int dse_store_checkpoint(dse_store_handle_t *h, dse_err_t *err);

/* Collective. Adds (or updates) DSE at the powers ts to every stored
 * spectrum, no eigensolve; *added (every rank) counts the new rows. The
 * caller checkpoints afterwards. */
int dse_store_rescore(dse_store_handle_t *h, const double *ts, size_t nt, size_t *added,
                      dse_err_t *err);

/* Collective. Merges the store at src_path (file + journal, read-only) into
 * h with dse_store_merge: identical rows once, disagreeing rows fail with
 * "conflict: ..." (h is then unspecified). */
int dse_store_merge_from(dse_store_handle_t *h, const char *src_path, dse_err_t *err);

/* ---- table level: used by the handle; tests call it directly -------------- */

/* Local. Frees every buffer; safe on a zeroed store. */
void dse_store_free(dse_store_t *s);

/* Local. Row of the checkpoint with this path, or -1. */
int64_t dse_store_find_checkpoint(const dse_store_t *s, const char *path);

/* Local. Applies a finished task: adds or updates the checkpoint row (a new
 * checksum drops its old results and spectra), replaces this family's results
 * of that checkpoint, and stores the spectrum. The new rows carry the
 * failure history of the rows they replace: `attempts` one more, and
 * `failed_before` the error of the last failed attempt. */
int dse_store_apply(dse_store_t *s, const dse_task_record_t *rec, dse_err_t *err);

/* Local. Row i of a task record as the store keeps it: the record's
 * columns (strings borrowed from rec, checkpoint 0), then entry i's quantity,
 * t, value (NaN when the task failed) and extra columns; i >= n_entries:
 * the record's columns alone. */
void dse_store_record_row(const dse_task_record_t *rec, size_t i, dse_store_result_t *r);

/* Local. Copies the per-entry columns x (NULL: zeros, no rule) into r. */
void dse_store_result_set_extra(dse_store_result_t *r, const dse_entry_extra_t *x);

/* Local. The per-entry columns of r. Returned by value. */
dse_entry_extra_t dse_store_result_extra(const dse_store_result_t *r);

/* Local. Sets the result (checkpoint row, quantity, t) to an ok value:
 * updates the row if there is one, else appends it with family and sigma;
 * *added (may be NULL) is 1 when a row was appended. */
int dse_store_put_value(dse_store_t *s, int64_t checkpoint, const char *quantity,
                        const char *family, double t, double sigma, double value, int *added,
                        dse_err_t *err);

/* Local. 1 if the store holds results of `family` for this checkpoint path
 * with this checksum. */
int dse_store_has(const dse_store_t *s, const char *path, uint64_t checksum, const char *family);

/* Local. The failure history a new record of rec's task continues: the
 * attempts so far and the last failed attempt's error (borrowed from s, ""
 * when none). */
void dse_store_history(const dse_store_t *s, const dse_task_record_t *rec, int32_t *attempts,
                       const char **failed_before);

/* Local. 1 if the store holds failed results (status != 0) of `family` for
 * this checkpoint path with this checksum: a task the next run retries. */
int dse_store_has_failed(const dse_store_t *s, const char *path, uint64_t checksum,
                         const char *family);

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

/* Local. Sets the labels the store's mi results belong to. When the store
 * recorded other labels (another nonzero checksum), every DSE_STORE_FAMILY_MI
 * result is dropped; *dropped (may be NULL) receives how many. */
int dse_store_set_labels(dse_store_t *s, const char *labels_path, uint64_t checksum,
                         size_t *dropped, dse_err_t *err);

/* Local. Appends a labels record (path, checksum) to the journal at path and
 * fsyncs it (replayed with dse_store_set_labels). */
int dse_journal_append_labels(const char *path, const char *labels_path, uint64_t checksum,
                              dse_err_t *err);

/* Local. Appends the clustering ref to the journal at path and fsyncs it
 * (replayed by dse_journal_replay like a task). */
int dse_journal_append_reference(const char *path, const dse_store_reference_t *ref,
                                 dse_err_t *err);

/* Local. Appends rec to the journal at path and fsyncs it. */
int dse_journal_append(const char *path, const dse_task_record_t *rec, dse_err_t *err);

/* Local. path + ".journal" into buf (cap bytes): the one place the journal's
 * name is made. */
void dse_journal_path(const char *store_path, char *buf, size_t cap);

/* Local. Empties the journal at path: removes it (a missing journal is
 * empty; where it cannot be removed, truncates it). */
int dse_journal_empty(const char *path, dse_err_t *err);

/* Local. Replays the journal at path into s (missing file: nothing to do).
 * Damaged bytes in the middle are skipped (one warning line on stderr: how
 * many bytes, in how many places, how many frames began there) and every
 * intact record after them is applied. Damage after the last intact record
 * is a torn write; with cut_torn it is cut off the file (only the writer
 * that will append next may do that; readers pass 0 and never modify the
 * file). *replayed (may be NULL) receives the number of records applied. */
int dse_journal_replay(const char *path, dse_store_t *s, size_t *replayed, int cut_torn,
                       dse_err_t *err);

/* Local. The replay itself, from an open stream of `size` bytes: applies the
 * intact records and returns in *good the offset after the last one. */
int dse_journal_replay_stream(FILE *f, long size, dse_store_t *s, size_t *replayed, long *good,
                              dse_err_t *err);

/* What a replay skipped: damage followed by intact records (a torn tail is
 * not counted here). */
typedef struct dse_journal_damage {
    long bytes;        /* damaged bytes skipped */
    size_t places;     /* separate damaged stretches */
    size_t frames;     /* frame magics inside them whose frame did not hold */
    size_t kept_after; /* intact records applied after the last damaged stretch */
    size_t tasks;      /* task records among the applied ones (not labels or reference) */
} dse_journal_damage_t;

/* Local. dse_journal_replay that also fills *report (what was skipped, how
 * many of the records were finished tasks). */
int dse_journal_replay_report(const char *path, dse_store_t *s, size_t *replayed, int cut_torn,
                              dse_journal_damage_t *report, dse_err_t *err);

/* Local. dse_journal_replay_stream that also says what it skipped. */
int dse_journal_replay_damaged(FILE *f, long size, dse_store_t *s, size_t *replayed, long *good,
                               dse_journal_damage_t *d, dse_err_t *err);

/* Local. Reads an existing HDF5 store (serial access). */
int dse_store_read(const char *path, dse_store_t *s, dse_err_t *err);

/* Collective on comm. Writes rank root's store to path (through
 * path.tmp.HOST.PID of the root and a rename) with parallel HDF5: every rank writes a slice of
 * every table. */
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

/* Local. "2026-11-23T04:25:00Z" for now into buf (>= 21 bytes). */
void dse_store_timestamp(char *buf, size_t cap);

#endif
