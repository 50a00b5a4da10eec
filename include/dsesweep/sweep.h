/* sweep.h — `dsesweep run`: every checkpoint x quantity family, on all ranks.
 *
 * Rank 0 is the coordinator: it scans the tree, loads the store and its
 * journal, builds the task list (checkpoint x family: "spectral" = DSE,
 * matrix-entry and ASE from N x N kernels; "classic" = CSE, ASE-kNN, RankMe,
 * participation ratio, alpha-ReQ; "mi" = DSMI, CSMI, ASMI against the labels;
 * "mi_x" = the same against the spectral clusters of the reference X, named
 * DSMI_X, ...), skips what the store already holds for the same file
 * content, and hands tasks out largest first to worker groups as they come
 * free. The reference X is clustered once per store, over all ranks, before
 * any task; the labels are journaled, stored in /reference and reused. Each
 * finished task is committed through the store handle (journal + fsync)
 * before the next one is handed out. At the end all ranks checkpoint the
 * store together with parallel HDF5. With one rank, rank 0 does it all.
 */
#ifndef DSESWEEP_SWEEP_H
#define DSESWEEP_SWEEP_H

#include <mpi.h>
#include <stddef.h>

#include "dsesweep/config.h"
#include "dsesweep/error.h"

typedef struct dse_sweep_opts {
    int verbose;     /* -1 quiet, 0 normal, 1 verbose */
    int shard_index; /* this run does checkpoints with index % shard_count == shard_index */
    int shard_count; /* 1: no sharding */
    const char *store_override; /* NULL: cfg->store */
    double grace_seconds;       /* after SIGUSR1/SIGTERM: wait this long for in-flight tasks
                                   (0: 60 s), then abandon them (they are recomputed next run) */
    int recluster;              /* cluster the reference X again even if the store holds a
                                   clustering; its mi_x results are then recomputed */
    int no_retry;               /* keep failed tasks as they are (default: run them again) */
    int relabel;                /* the labels file changed: drop and recompute the mi rows */
} dse_sweep_opts_t;

typedef struct dse_sweep_summary {
    size_t checkpoints;   /* found by the scan (in this shard) */
    size_t tasks_total;   /* checkpoint x family pairs */
    size_t tasks_skipped; /* already in the store */
    size_t tasks_retried; /* of the tasks run, failed before and run again */
    size_t tasks_run;     /* computed now */
    size_t tasks_failed;  /* of those, failed (recorded with their error) */
    size_t tasks_left;    /* not run because a stop signal came (0 normally) */
    int stop_signal;      /* SIGUSR1 or SIGTERM if one stopped the sweep early, else 0 */
    char reference_error[DSE_ERR_MSG_MAX]; /* why no mi_x task ran although a reference
                                              is configured ("" otherwise) */
    char labels_error[DSE_ERR_MSG_MAX];    /* why no mi task ran: the labels file changed
                                              since the store's mi results ("" otherwise) */
    int refused; /* 1: the inputs were refused before any work (pre-flight checks:
                    labels or reference unreadable or of the wrong length, a
                    path_regex that names no file, a bad regex): exit 2 */
    double seconds;
} dse_sweep_summary_t;

/* Local. Installs the SIGUSR1/SIGTERM handlers that ask a running sweep to
 * stop handing out tasks (a flag; the only process-wide state besides
 * logging). Call once, before dse_sweep_run. */
void dse_sweep_install_signal_handlers(void);

/* Collective on comm. Runs the sweep of cfg (identical on every rank).
 * Returns DSE_OK when the sweep ran to the end (tasks may have failed:
 * see summary->tasks_failed); an error only when the sweep itself could not
 * go on (no readable root, store not writable, a different config's store). */
int dse_sweep_run(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *opts,
                  dse_sweep_summary_t *summary, dse_err_t *err);

/* Collective on comm. Prints what `run` would do (rank 0): checkpoints with
 * run, step, N, D, the task count and estimated memory and time. Refuses,
 * before printing anything, what `run` would refuse before any work (the
 * pre-flight checks: labels and reference readable and one per row of every
 * checkpoint; a path_regex that names at least one file): DSE_EUSAGE, one
 * line (the program exits 2). */
int dse_sweep_scan_report(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *opts,
                          dse_err_t *err);

/* Rescoring and merging stores are store operations: dse_store_rescore and
 * dse_store_merge_from (dsesweep/store.h). */

#endif
