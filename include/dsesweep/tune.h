/* tune.h — the eigensolver choice and the time model, measured on the node
 * that runs them ("wisdom", as FFTW keeps it).
 *
 * `dsesweep tune` times the eigenvalue-only drivers (dsyevd, dsyevr,
 * dsyevd_2stage) at a few sizes with 1 and all BLAS threads, and the kernel
 * build, and writes a small JSON file keyed by CPU model, BLAS library
 * (openblas_get_config) and thread count. Every rank of `run` and `score`
 * reads it (dse_tune_load); without one, or when it is corrupt or was made on
 * another node, the built-in table (measured on the project's 2-core VM,
 * docs/performance.md) is used. The loaded table is the process's one piece
 * of tuning state: set once before any computation, read-only afterwards
 * (safe to read from several threads). */
#ifndef DSESWEEP_TUNE_H
#define DSESWEEP_TUNE_H

#include <stddef.h>
#include <stdio.h>

#include "dsesweep/eigen.h"
#include "dsesweep/error.h"

#define DSE_TUNE_MAX_SIZES 8
#define DSE_TUNE_MAX_ENTRIES 4
#define DSE_TUNE_DRIVERS 3 /* dsyevd, dsyevr, dsyevd_2stage: driver - DSE_EIGEN_DSYEVD */
#define DSE_TUNE_FORMAT "dsesweep-tuning 1"

/* The timings of one BLAS thread count. */
typedef struct dse_tune_entry {
    int threads;
    size_t count;                                         /* sizes measured */
    size_t n[DSE_TUNE_MAX_SIZES];                         /* ascending */
    double seconds[DSE_TUNE_MAX_SIZES][DSE_TUNE_DRIVERS]; /* eigenvalues only */
    double kernel_gflops; /* rate of the distance + kernel build (n^2 d flops) */
} dse_tune_entry_t;

typedef struct dse_tune_table {
    char cpu[128], blas[256]; /* the node's key (dse_tune_host_key) */
    char created[32];
    size_t n_entries;
    dse_tune_entry_t entries[DSE_TUNE_MAX_ENTRIES];
} dse_tune_table_t;

/* Local. BLAS threads this process's OpenBLAS will use now. */
int dse_tune_blas_threads(void);

/* Local. Sets this process's OpenBLAS thread count (>= 1). */
void dse_tune_set_blas_threads(int threads);

/* Local. This node's key: the CPU model (/proc/cpuinfo) and the BLAS
 * library's configuration string, into caller-owned buffers. */
void dse_tune_host_key(char *cpu, size_t cpu_len, char *blas, size_t blas_len);

/* Local. The tuning file's path into buf: $DSESWEEP_TUNING if set, else
 * $XDG_CACHE_HOME (or ~/.cache)/dsesweep/tuning-HOSTNAME.json. Returns buf. */
const char *dse_tune_default_path(char *buf, size_t len);

/* Local. Loads the tuning file at path (NULL: dse_tune_default_path) as the
 * process's table. Returns 1 if the file is in use, 0 if the built-in table
 * is (no file, or a corrupt or foreign one); note (caller-owned, may be NULL)
 * receives the one line to print either way. Call before any computation and
 * before starting threads. */
int dse_tune_load(const char *path, char *note, size_t note_len);

/* Local. The last dse_tune_load's one-line note (static buffer). */
const char *dse_tune_note(void);

/* Local. Where the current choice comes from: "built-in table" or the
 * tuning file's path (static or owned by the module). */
const char *dse_tune_source(void);

/* Local. Parses a tuning file's text into *t; fails (one line in err) on
 * anything malformed. Does not check the node's key. */
int dse_tune_parse(const char *text, const char *path, dse_tune_table_t *t, dse_err_t *err);

/* Local. The driver the current table picks for order n at `threads` BLAS
 * threads (the entry with the nearest thread count). */
dse_eigen_driver_t dse_tune_driver(size_t n, int threads);

/* Local. Predicted seconds of that driver's eigensolve of order n. */
double dse_tune_eigen_seconds(size_t n, int threads);

/* Local. Predicted seconds of building an n x n kernel from d dimensions. */
double dse_tune_kernel_seconds(size_t n, size_t d, int threads);

/* Local. Measures every driver at the given sizes for each thread count
 * (OpenBLAS's thread count is set for the duration, then restored) into
 * *out, keyed by this node; progress lines go to `log` (may be NULL). */
int dse_tune_measure(const size_t *sizes, size_t n_sizes, const int *threads, size_t n_threads,
                     dse_tune_table_t *out, FILE *log, dse_err_t *err);

/* Local. Writes t as JSON to path (created with its directory; replaced
 * whole through a temporary file and rename). */
int dse_tune_write(const dse_tune_table_t *t, const char *path, dse_err_t *err);

#endif
