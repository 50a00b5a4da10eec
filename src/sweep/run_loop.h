/* run_loop.h — the coordinator/worker protocol of `dsesweep run` (private to
 * src/sweep/). Rank 0 hands tasks out largest first to worker groups as they
 * come free and commits each finished task through the store handle
 * (journal + fsync) before that group's next task. */
#ifndef DSESWEEP_SWEEP_RUN_LOOP_H
#define DSESWEEP_SWEEP_RUN_LOOP_H

#include <mpi.h>

#include "dsesweep/store.h"
#include "dsesweep/sweep.h"
#include "plan.h"
#include "reference.h"

/* Collective on comm. Runs plan's tasks (mi: the categories per family);
 * summary's run counts and stop signal are set on every rank. Returns an
 * error (agreed) only when a finished task could not be committed. */
int sweep_run_loop(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                   const sweep_plan_t *plan, const mi_categories_t *mi, dse_store_handle_t *store,
                   dse_sweep_summary_t *summary, dse_err_t *err);

#endif
