/* sweep.c — `dsesweep run` as a straight line: scan, open the store, the MI
 * categories (labels, reference clustering), the plan, the run loop, the
 * checkpoint. The parts: plan.c, reference.c, run_loop.c, families.c. */
#include "dsesweep/sweep.h"

#include <stdio.h>
#include <string.h>

#include "dsesweep/store.h"
#include "plan.h"
#include "preflight.h"
#include "reference.h"
#include "run_loop.h"

/* Collective on comm. The store at path as it stands (file + journal, a torn
 * tail cut), locked; bind_config binds it to this config after the
 * pre-flight checks. */
static int open_store(MPI_Comm comm, const dse_sweep_opts_t *o, const char *path,
                      dse_store_handle_t **store, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    DSE_TRY(dse_store_open(comm, path, DSE_STORE_READ_WRITE | DSE_STORE_CREATE, store, err));
    size_t replayed = dse_store_replayed(*store);
    if (rank == 0 && replayed && o->verbose >= 0)
        printf("dsesweep: recovered %zu finished task(s) from %s\n", replayed,
               dse_store_journal_path(*store));
    return DSE_OK;
}

/* Collective on comm. Binds the store to this config: a different config's
 * store is refused. */
static int bind_config(const dse_config_t *cfg, dse_store_handle_t *store, dse_err_t *err)
{
    return dse_store_bind_config(store, cfg->text ? cfg->text : "", dse_config_fingerprint(cfg),
                                 err);
}

/* Collective on comm. The pre-flight checks (preflight.h) on rank 0, agreed;
 * the one line they fail with, without the "rank 0: " of the agreement. */
static int preflight(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                     const dse_scan_t *scan, dse_store_handle_t *store, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int rc = rank == 0 ? sweep_preflight(cfg, scan, o->shard_index, o->shard_count,
                                         dse_store_reference(store), err)
                       : DSE_OK;
    rc = dse_comm_agree(comm, rc, err);
    if (rc != DSE_OK) sweep_drop_rank(err);
    return rc;
}

/* Collective on comm. Everything lands in the store, written by all ranks. */
static int checkpoint(MPI_Comm comm, dse_store_handle_t *store, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) dse_store_stamp_finished(store);
    return dse_store_checkpoint(store, err);
}

int dse_sweep_run(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *opts,
                  dse_sweep_summary_t *summary, dse_err_t *err)
{
    double t_start = MPI_Wtime();
    memset(summary, 0, sizeof *summary);
    dse_sweep_opts_t o = opts ? *opts : (dse_sweep_opts_t){.shard_count = 1};
    if (o.shard_count < 1) o.shard_count = 1;
    const char *path = o.store_override ? o.store_override : cfg->store;
    sweep_plan_t plan;
    sweep_mi_t mi;
    memset(&mi, 0, sizeof mi);
    dse_store_handle_t *store = NULL;

    /* The store first: its lock refuses a second writer before any work. */
    memset(&plan, 0, sizeof plan);
    int rc = open_store(comm, &o, path, &store, err);
    if (rc == DSE_OK) {
        rc = sweep_plan_scan(comm, cfg, &o, &plan, err);
        summary->refused = rc == DSE_EUSAGE; /* a bad path_regex */
        if (summary->refused) sweep_drop_rank(err);
    }
    /* Pre-flight: what is the same for every checkpoint, before any work. */
    if (rc == DSE_OK) {
        rc = preflight(comm, cfg, &o, &plan.scan, store, err);
        summary->refused = rc != DSE_OK;
    }
    if (rc == DSE_OK) rc = bind_config(cfg, store, err);
    if (rc == DSE_OK) rc = sweep_plan_checksums(comm, &plan, err);
    if (rc == DSE_OK) rc = sweep_mi_prepare(comm, cfg, &o, store, &mi, summary, err);
    if (rc == DSE_OK) rc = sweep_plan_tasks(comm, cfg, &o, store, mi.wanted, &plan, summary, err);
    if (rc == DSE_OK) rc = sweep_run_loop(comm, cfg, &o, &plan, mi.fam, store, summary, err);
    if (rc == DSE_OK) rc = checkpoint(comm, store, err);

    dse_store_close(&store);
    sweep_mi_free(&mi);
    sweep_plan_free(&plan);
    summary->seconds = MPI_Wtime() - t_start;
    return rc;
}
