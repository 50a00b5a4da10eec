/* capi.h — a small C API for other languages (the Python package `dsesweep`
 * calls it through cffi): score an array that lives in the caller's memory,
 * and read a store.
 *
 * No MPI knowledge is needed by the caller. The first call initialises MPI
 * (MPI_Init_thread asking for MPI_THREAD_MULTIPLE) unless the process already
 * did, and finalises it at exit if it initialised it. Every score runs on a
 * communicator of its own, duplicated from MPI_COMM_SELF, so calls from
 * several threads at once are safe: with MPI_THREAD_MULTIPLE they run
 * concurrently; with a lower thread level they are serialised by a lock.
 * The engine has no other global state.
 *
 * Parameters come as the config's keys and values ("sigma" = "10",
 * "compute" = "DSE,DSMI", "t" = "1,2"), parsed by the config key table
 * (config.h), so every key the config knows is reachable by the same name.
 *
 * Arrays are described as numpy describes them (pointer, typestr, shape,
 * byte strides) and read in place through a row reader: float16/32/64 (and
 * the integer kinds for labels), either byte order, C or Fortran order, any
 * strides. Nothing is copied but the rows the engine asks for.
 *
 * Errors: every function returns DSE_OK (0) or a DSE_E* code and writes the
 * one-line message (no prefix, no newline) into msg (msg_cap bytes). */
#ifndef DSESWEEP_CAPI_H
#define DSESWEEP_CAPI_H

#include <stddef.h>
#include <stdint.h>

/* An array in the caller's memory (borrowed for the duration of a call). */
typedef struct dse_capi_array {
    const void *data;
    const char *typestr; /* numpy's dtype.str: "<f8", "<f4", "<f2", ">f8", "<i8", "|u1", "|b1" */
    int ndim;            /* 1 or 2 (anything else is refused) */
    int64_t shape[2];
    int64_t strides[2]; /* bytes between consecutive elements along each axis */
    const char *name;   /* for messages: "Z", "labels", "reference" */
} dse_capi_array_t;

/* One value, as a row of `dsesweep score --json` (and of the store).
 * quantity: the name as in outputs ("DSE", "CSE"; the MI rows over a
 * reference are named as in a sweep, "DSMI_X", ...). sigma_rule: the text of
 * the bandwidth rule the value was computed with ("10", "median",
 * "median*0.5", "knn:7"); "" when the quantity does not use sigma. sigma,
 * sigma_min, sigma_max: the bandwidth that rule gave on this input (a fixed
 * rule: its number three times; median: the median distance; knn: the median,
 * least and largest sigma_i; MI: the whole input's, used by every subset);
 * NaN when the quantity does not use sigma. se: the standard error (DSE over
 * its subsample_repeats subsamples, MI over its R subset draws), 0 when it is
 * not estimated. The rest: see the fields. */
typedef struct dse_capi_value {
    char quantity[32];
    char sigma_rule[32];
    double t;     /* the power t, 0 where t does not apply */
    double value; /* NaN where it could not be computed */
    double se;
    double sigma, sigma_min, sigma_max;
    /* How the value was obtained (docs/bounded.md): method "exact" or
     * "bounded"; bounded: interval "certified" or "statistical", the interval
     * [lower, upper] in bits (value: its midpoint, NaN when wider than tol),
     * k Ritz values and the block products; exact: interval "", NaN bounds. */
    char method[8];
    char interval[12];
    double lower, upper;
    uint64_t k, products;
} dse_capi_value_t;

typedef struct dse_capi_result {
    uint64_t n, d, n_used, n_classes;
    int n_rules;            /* bandwidth rules given (1: one fixed sigma or one rule) */
    double sigma;           /* with one rule: the bandwidth it gave (a knn rule: the median
                               sigma_i; NaN when no quantity used it); several: NaN */
    double median_distance; /* the input's median pairwise distance (the bandwidth check of
                               `score`); NaN when no quantity uses sigma */
    double seconds;         /* wall time of the scoring */
    size_t n_values;
    dse_capi_value_t *values;
    size_t spectrum_length; /* eigenvalues of K under the first rule, descending (0: not
                               computed) */
    double *spectrum;
} dse_capi_result_t;

/* What to score against (at most one of the four may be set): labels as an
 * array or a file spec (integer: classes, float N x 1: binned into
 * n_clusters), or a vector reference X (N x D') as an array or a file spec,
 * clustered into n_clusters groups with a knn graph (the config's keys). */
typedef struct dse_capi_target {
    const dse_capi_array_t *labels;
    const char *labels_spec;
    const dse_capi_array_t *reference;
    const char *reference_spec;
} dse_capi_target_t;

/* Local (collective on a private duplicate of MPI_COMM_SELF; thread-safe).
 * Scores z (N x D) for the config keys keys[i] = values[i] (i < n_keys; any
 * key of `dsesweep config-keys`, "compute" selects the quantities: "all", or
 * a list; by default what `dsesweep score` computes by default, DSE, and
 * DSMI as well when target names labels or a reference). target may be
 * NULL. The values come in the order of `dsesweep score --json`. *out is allocated here and owned
 * by the caller: release with dse_capi_result_free. */
int dse_capi_score(const dse_capi_array_t *z, const dse_capi_target_t *target,
                   const char *const *keys, const char *const *values, size_t n_keys,
                   dse_capi_result_t **out, char *msg, size_t msg_cap);

/* Local. Frees *r; accepts NULL and sets *r NULL. */
void dse_capi_result_free(dse_capi_result_t **r);

/* ---- the store, read-only ------------------------------------------------- */

typedef struct dse_capi_store dse_capi_store_t;

/* Local. Opens the store at path read-only (the file and its journal, as
 * `dsesweep export` does; safe while a sweep writes it) and, when csv_path is
 * not NULL, writes the open handle's tidy rows to csv_path with the export
 * module (export.h), byte for byte what `dsesweep export --format csv`
 * writes; the rows and the spectra (dse_capi_store_spectrum) are of the same
 * moment. *out is owned by the caller: dse_capi_store_close. */
int dse_capi_store_open(const char *path, const char *csv_path, dse_capi_store_t **out, char *msg,
                        size_t msg_cap);

/* Local. Frees the handle; accepts NULL and sets *s NULL. */
void dse_capi_store_close(dse_capi_store_t **s);

/* Local. Number of stored spectra. */
size_t dse_capi_store_spectra(const dse_capi_store_t *s);

/* Local. Spectrum i (< dse_capi_store_spectra): its checkpoint's run, step
 * and path, sigma, and its eigenvalues (length values, descending). Strings
 * and values are owned by the handle. Returns DSE_OK, or DSE_EUSAGE for an i
 * out of range. */
int dse_capi_store_spectrum(const dse_capi_store_t *s, size_t i, const char **run, int64_t *step,
                            const char **path, double *sigma, const double **values,
                            uint64_t *length);

/* Local. The library's version string ("0.1.0"). Static string. */
const char *dse_capi_version(void);

#endif
