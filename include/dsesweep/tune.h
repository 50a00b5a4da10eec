/* tune.h — the eigensolver choice and the time model, measured on the node
 * that runs them ("wisdom", as FFTW keeps it).
 *
 * `dsesweep tune` times every eigenvalue-only candidate at a few sizes: on
 * one rank (dsesweep tune) dsyevd, dsyevr, dsyevd_2stage, ELPA1 and ELPA2 at
 * 1 and all BLAS threads; on a group (mpiexec -n P dsesweep tune) pdsyev,
 * pdsyevd, ELPA1 and ELPA2 on P ranks with one thread each. Before timing,
 * each candidate solves check matrices (the singular K of a duplicated
 * sample among them) and is rejected when an eigenvalue differs from
 * dsyevd's by more than DSE_TUNE_CHECK_TOL relative to the largest: a
 * rejected driver is never chosen. The float32 drivers of `precision =
 * float32` (ssyevd and ssyevd_2stage on one rank, pssyev on a group) are
 * timed too, checked against the proved radius of their eigenvalues
 * (dse_interval_float32_radius) instead, and chosen only among themselves.
 * ELPA2's kernel is chosen by timing every
 * kernel this ELPA has. The file (JSON) is keyed by CPU model and BLAS
 * library (openblas_get_config); one entry per (ranks, threads), and a new
 * measurement replaces only the entries it measured, so a one-rank and a
 * group run build one file. Every rank of `run` and `score` reads it
 * (dse_tune_load); without one, or when it is corrupt or was made on another
 * node, the built-in table (measured on the project's 2-core VM,
 * docs/performance.md) is a fallback, and the programs say so. The loaded
 * table is the process's one piece of tuning state: set once before any
 * computation, read-only afterwards (safe to read from several threads). */
#ifndef DSESWEEP_TUNE_H
#define DSESWEEP_TUNE_H

#include <mpi.h>
#include <stddef.h>
#include <stdio.h>

#include "dsesweep/eigen.h"
#include "dsesweep/error.h"

#define DSE_TUNE_MAX_SIZES 8
#define DSE_TUNE_MAX_ENTRIES 8
#define DSE_TUNE_MAX_REJECTED 16
#define DSE_TUNE_FORMAT "dsesweep-tuning 2"
/* `tune` does not time a driver again at larger sizes once it took over a
 * second and more than this many times the fastest (null in the file). */
#define DSE_TUNE_PRUNE 3.0

#define DSE_TUNE_CHECK_TOL 1e-10 /* largest eigenvalue difference from dsyevd / max |lambda| */

/* The timings of one (ranks, BLAS threads per rank) setting. seconds[i][d]
 * is driver d's eigensolve of order n[i]; 0 where d was not measured (wrong
 * scope, or rejected). */
typedef struct dse_tune_entry {
    int ranks, threads;
    size_t count;                                              /* sizes measured */
    size_t n[DSE_TUNE_MAX_SIZES];                              /* ascending */
    double seconds[DSE_TUNE_MAX_SIZES][DSE_EIGEN_ALL_DRIVERS]; /* eigenvalues only */
    double kernel_gflops; /* rate of the distance + kernel build (n^2 d flops); 0: not measured */
    int elpa_kernel;      /* ELPA2 kernel id chosen by timing (-1: ELPA's default) */
} dse_tune_entry_t;

/* A candidate that failed the accuracy check. */
typedef struct dse_tune_rejected {
    int driver, ranks;
    double error;     /* its largest eigenvalue difference from dsyevd, relative */
    char reason[160]; /* which check matrix, or the solver's error */
} dse_tune_rejected_t;

typedef struct dse_tune_table {
    char cpu[128], blas[256]; /* the node's key (dse_tune_host_key) */
    char created[32];
    size_t n_entries;
    dse_tune_entry_t entries[DSE_TUNE_MAX_ENTRIES];
    size_t n_rejected;
    dse_tune_rejected_t rejected[DSE_TUNE_MAX_REJECTED];
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

/* Local. The driver the current table picks for order n on `ranks` ranks
 * (1: a one-rank driver; more: a group driver) at `threads` BLAS threads per
 * rank: the fastest measured one of the entry with these ranks (else the
 * nearest rank count) and the nearest thread count. */
dse_eigen_driver_t dse_tune_driver(size_t n, int ranks, int threads);

/* Local. The float32 driver (scope DSE_EIGEN_FLOAT32) the table picks for
 * order n on `ranks` ranks at `threads` BLAS threads per rank: the fastest
 * measured float32 driver (the built-in table's when the file timed none). */
dse_eigen_driver_t dse_tune_float32_driver(size_t n, int ranks, int threads);

/* Local. Predicted seconds of that driver's eigensolve of order n. */
double dse_tune_eigen_seconds(size_t n, int ranks, int threads);

/* Local. Predicted seconds of `driver` (not AUTO nor FLOAT32_AUTO; a
 * float32 one included) at order n, or 0 when the table has no timing of it
 * for that rank count. */
double dse_tune_driver_seconds(dse_eigen_driver_t driver, size_t n, int ranks, int threads);

/* Local. 1 when the setting (ranks, threads) is answered by the built-in
 * table (no tuning file, or the file has no entry of that kind: one rank or
 * a group), 0 when by this node's measurements. */
int dse_tune_setting_is_builtin(int ranks, int threads);

/* Local. The ELPA2 kernel id (elpa.h; -1 default) of the entry used for
 * `ranks` and `threads`. */
int dse_tune_elpa_kernel(int ranks, int threads);

/* Local. The current table (the loaded file or the built-in one), read-only. */
const dse_tune_table_t *dse_tune_table(void);

/* Local. Predicted seconds of building an n x n kernel from d dimensions. */
double dse_tune_kernel_seconds(size_t n, size_t d, int threads);

/* Collective on comm. Measures on this communicator: with one rank, every
 * one-rank driver at each of the thread counts; with P > 1 ranks, every
 * group driver on the P ranks with one BLAS thread each (threads ignored).
 * First the accuracy check (rejected candidates go to out->rejected and are
 * not timed), then ELPA2's kernels, then the timings at each size, into *out
 * keyed by this node (same on every rank); progress lines go to `log` (may be
 * NULL; rank 0 writes). OpenBLAS's thread count is restored afterwards. */
int dse_tune_measure(MPI_Comm comm, const size_t *sizes, size_t n_sizes, const int *threads,
                     size_t n_threads, dse_tune_table_t *out, FILE *log, dse_err_t *err);

/* Local. Merges the measured table `fresh` into `into` (same node key):
 * entries of the same (ranks, threads) and rejections of the same ranks are
 * replaced, the rest kept. */
void dse_tune_merge(dse_tune_table_t *into, const dse_tune_table_t *fresh);

/* Local. Writes t as JSON to path (created with its directory; replaced
 * whole through a temporary file and rename). */
int dse_tune_write(const dse_tune_table_t *t, const char *path, dse_err_t *err);

#endif
