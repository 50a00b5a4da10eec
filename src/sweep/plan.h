/* plan.h — what a sweep will do (private to src/sweep/): the scan of the
 * tree, the task list (checkpoint x family minus what the store holds) in
 * the order of the one cost model, and the worker groups. */
#ifndef DSESWEEP_SWEEP_PLAN_H
#define DSESWEEP_SWEEP_PLAN_H

#include <mpi.h>
#include <stdint.h>

#include "dsesweep/scan.h"
#include "dsesweep/store.h"
#include "dsesweep/sweep.h"
#include "families.h"

typedef struct {
    size_t checkpoint; /* index in the scan */
    int family;
    double cost; /* sweep_task_seconds */
} sweep_task_t;

typedef struct sweep_plan {
    dse_scan_t scan;     /* the same on every rank (owned) */
    sweep_task_t *tasks; /* largest first, the same on every rank (owned) */
    size_t ntask;
    int gsize, ngroups; /* groups of gsize ranks from rank `first` (leftovers join the last) */
    int first;          /* 0: every rank computes (rank 0's coordinator is a thread);
                           1: rank 0 only coordinates (no MPI_THREAD_MULTIPLE) */
} sweep_plan_t;

/* Local. The one cost model: predicted seconds of one task of `family` on an
 * n-sample (before max_n), d-dimension checkpoint on one rank with `threads`
 * BLAS threads, from the quantity table's cost models calibrated by the
 * node's eigensolver and kernel timings (tune.h: the tuning file, else the
 * built-in table). `budget` (bytes per rank) decides whether DSE takes the
 * bounded method and how it holds K. Orders the tasks (largest first) and
 * gives `scan` its time estimate. */
double sweep_task_seconds(const dse_config_t *cfg, uint64_t n, uint64_t d, int family, int threads,
                          size_t budget);

/* Collective on comm. Scans the tree (rank 0) and shares it (N and D from
 * each file's header). (The store's directory was checked when the store was
 * opened and locked, before this.) */
int sweep_plan_scan(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                    sweep_plan_t *plan, dse_err_t *err);

/* Collective on comm. Checksums every file of the scan (each rank a share),
 * after the pre-flight checks and the store's config check passed. */
int sweep_plan_checksums(MPI_Comm comm, sweep_plan_t *plan, dse_err_t *err);

/* Collective on comm. The tasks of this shard that the store (rank 0) does
 * not hold yet, for the families in wanted[], and the worker groups; counts
 * go to summary (rank 0). */
int sweep_plan_tasks(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                     const dse_store_handle_t *store, const int *wanted, sweep_plan_t *plan,
                     dse_sweep_summary_t *summary, dse_err_t *err);

/* Local. Frees the plan's buffers; safe on a zeroed plan. */
void sweep_plan_free(sweep_plan_t *plan);

#endif
