/* run_loop.h — the coordinator/worker protocol of `dsesweep run` (private to
 * src/sweep/). Every rank computes: the ranks form groups (one rank each
 * when the problems fit one rank's budget), and rank 0's coordinator, a
 * thread beside rank 0's own tasks (MPI_THREAD_MULTIPLE), hands tasks out
 * largest first to the groups as they come free and commits each finished
 * task through the store handle (journal + fsync) before that group's next
 * task: one journal writer, as before. Without MPI_THREAD_MULTIPLE rank 0
 * only coordinates (plan->first = 1). */
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
