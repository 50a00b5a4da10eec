/* reference.c — the categories of the MI families: the labels Y, and the
 * clustering of the reference X, made once per store (see reference.h). */
#include "reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/cluster.h"
#include "dsesweep/memory.h"
#include "dsesweep/group.h"
#include "dsesweep/scan.h"
#include "dsesweep/score.h"
#include "dsesweep/source.h"

const char *sweep_without_rank(const char *msg)
{
    if (strncmp(msg, "rank ", 5)) return msg;
    const char *colon = strstr(msg, ": ");
    return colon ? colon + 2 : msg;
}

void sweep_drop_rank(dse_err_t *err)
{
    const char *rest = sweep_without_rank(err->msg);
    memmove(err->msg, rest, strlen(rest) + 1);
}

/* Local (every rank reads the small labels file). The categories of the
 * labels Y, or in labels_error why there are none. */
static void load_labels(const dse_config_t *cfg, dse_categories_t *cat, int *have,
                        char *labels_error, size_t cap)
{
    *have = 0;
    labels_error[0] = '\0';
    if (!cfg->labels || !*cfg->labels || !(cfg->quantities & DSE_Q_MI_ALL)) return;
    dse_err_t err;
    int rc = dse_categories_load(cfg->labels, 0, NULL, cfg->params.n_clusters, cat, &err);
    if (rc == DSE_OK)
        *have = 1;
    else
        snprintf(labels_error, cap, "%s", err.msg);
}

/* Rank 0: what to do with the configured reference given the store's
 * clustering: 0 cluster X now, 1 reuse the store's, 2 refuse (X changed). */
static int reference_action(const dse_config_t *cfg, const dse_sweep_opts_t *o,
                            const dse_store_reference_t *r, uint64_t *checksum, char *why,
                            size_t cap)
{
    dse_err_t e;
    int readable = dse_file_checksum(cfg->reference, checksum, &e) == DSE_OK;
    if (!r->path || o->recluster) return 0;
    if (!readable) {
        /* The labels are in the store: X itself is no longer needed. */
        fprintf(stderr, "dsesweep: warning: %s; using the store's clustering of it (made %s)\n",
                e.msg, r->created);
        return 1;
    }
    if (*checksum == r->checksum && r->knn == cfg->params.knn &&
        r->n_clusters == cfg->params.n_clusters)
        return 1;
    size_t n = 0, d = 0;
    dse_source_t *src = NULL;
    if (dse_source_open(cfg->reference, &src, &e) == DSE_OK) {
        n = dse_source_rows(src);
        d = dse_source_cols(src);
    }
    dse_source_close(&src);
    char shape[160];
    if (d != r->d)
        snprintf(shape, sizeof shape,
                 "D' = %zu, but the store's clustering was made from D' = %llu", d,
                 (unsigned long long)r->d);
    else if (n != r->n)
        snprintf(shape, sizeof shape, "%zu rows, but the store's clustering was made from %llu", n,
                 (unsigned long long)r->n);
    else
        snprintf(shape, sizeof shape,
                 "same shape %zu x %zu, other content (checksum %016llx, the store's %016llx)", n,
                 d, (unsigned long long)*checksum, (unsigned long long)r->checksum);
    snprintf(why, cap,
             "%s: the reference changed since the store's clustering (%s); its mi_x results are "
             "kept and none is computed: run with --recluster to cluster it again and recompute "
             "them, or use another store",
             cfg->reference, shape);
    return 2;
}

/* Collective on comm. Refuses, before X is loaded, a clustering that does
 * not fit the per-rank memory budget (every rank holds all of X). */
static int reference_fits(MPI_Comm comm, const dse_config_t *cfg, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    size_t budget = dse_memory_budget(cfg->memory_budget, comm);
    int rc = DSE_OK;
    if (rank == 0) {
        dse_source_t *src = NULL;
        if (dse_source_open(cfg->reference, &src, err) == DSE_OK) {
            size_t n = dse_source_rows(src), d = dse_source_cols(src);
            size_t need = dse_cluster_bytes_per_rank(n, d, (size_t)cfg->params.knn,
                                                     (size_t)cfg->params.n_clusters);
            char a[32], b[32];
            if (need > budget)
                rc = DSE_RAISE(err, DSE_ENOMEM,
                               "%s: clustering this %zu x %zu reference needs %s per rank (X is "
                               "held by every rank), over the budget of %s per rank; raise "
                               "memory_budget or run fewer ranks per node",
                               cfg->reference, n, d, dse_format_bytes((double)need, a, sizeof a),
                               dse_format_bytes((double)budget, b, sizeof b));
        }
        /* An unreadable X is reported by the clustering itself. */
        dse_source_close(&src);
    }
    return dse_comm_agree(comm, rc, err);
}

/* Collective on comm. The store's labels (rank 0) on every rank, in a new
 * array the caller frees; *n their count. */
static int share_stored_labels(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                               const dse_store_reference_t *r, int32_t **labels,
                               unsigned long long *n, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    *n = rank == 0 ? r->n : 0;
    MPI_Bcast(n, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
    *labels = DSE_MALLOC((size_t)*n, sizeof **labels, err);
    DSE_TRY(dse_comm_agree(comm, *labels ? DSE_OK : DSE_ENOMEM, err));
    if (rank == 0) memcpy(*labels, r->labels, (size_t)*n * sizeof **labels);
    MPI_Bcast(*labels, (int)*n, MPI_INT32_T, 0, comm);
    if (rank == 0 && o->verbose >= 0)
        printf("dsesweep: reference %s: the store's clustering (%llu x %llu, %d clusters, "
               "made %s) is reused\n",
               cfg->reference, *n, (unsigned long long)r->d, (int)r->n_clusters, r->created);
    return DSE_OK;
}

/* Rank 0: journals the new clustering through the store and says so. */
static int commit_clustering(dse_store_handle_t *store, const dse_config_t *cfg,
                             const dse_sweep_opts_t *o, const dse_cluster_info_t *info,
                             uint64_t checksum, int32_t *labels, int size, dse_err_t *err)
{
    dse_store_reference_t ref = {0};
    ref.path = cfg->reference;
    ref.checksum = checksum;
    ref.n = info->n;
    ref.d = info->d;
    ref.knn = cfg->params.knn;
    ref.n_clusters = cfg->params.n_clusters;
    ref.components = info->components;
    ref.seconds = info->seconds;
    ref.ranks = size;
    ref.labels = labels;
    dse_store_timestamp(ref.created, sizeof ref.created);
    size_t dropped = 0;
    DSE_TRY(dse_store_commit_reference(store, &ref, &dropped, err));
    if (o->verbose < 0) return DSE_OK;
    printf("dsesweep: reference %s (%zu x %zu): %d clusters (k = %d, %zu graph "
           "component(s)) in %.2f s on %d rank(s)",
           cfg->reference, info->n, info->d, cfg->params.n_clusters, cfg->params.knn,
           info->components, info->seconds, size);
    if (dropped) printf("; %zu mi_x result(s) of the old clustering dropped", dropped);
    printf("\n");
    return DSE_OK;
}

/* Collective on comm. Clusters X over all ranks and commits the labels.
 * A failure of X itself sets mi->ref_state REF_FAILED (not an error). */
static int cluster_new(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                       dse_store_handle_t *store, uint64_t checksum, sweep_mi_t *mi,
                       int32_t **labels, unsigned long long *n, dse_err_t *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    dse_cluster_info_t info;
    dse_err_t e;
    dse_err_clear(&e);
    int crc = reference_fits(comm, cfg, &e);
    if (crc == DSE_OK)
        crc = dse_cluster_reference(comm, cfg->reference, 0, "", (size_t)cfg->params.knn,
                                    (size_t)cfg->params.n_clusters, labels, &info, &e);
    if (crc != DSE_OK) {
        mi->ref_state = REF_FAILED; /* the same X fails on every rank: no rank to name */
        snprintf(mi->ref_error, sizeof mi->ref_error, "%s", sweep_without_rank(e.msg));
        if (rank == 0 && o->verbose >= 0)
            fprintf(stderr, "dsesweep: error: %s (every mi_x task fails with this)\n",
                    mi->ref_error);
        return DSE_OK;
    }
    *n = info.n;
    int rc =
        rank == 0 ? commit_clustering(store, cfg, o, &info, checksum, *labels, size, err) : DSE_OK;
    return dse_comm_agree(comm, rc, err);
}

/* Collective on comm. Makes the categories of the reference X: the store's
 * clustering when it was made from the same file, else a new distributed
 * clustering, journaled (durable) and put in the store before any task runs.
 * Returns an error only when the journal cannot be written; problems with X
 * itself set mi->ref_state (REF_FAILED / REF_REFUSED) and mi->ref_error. */
static int prepare_reference(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                             dse_store_handle_t *store, sweep_mi_t *mi, dse_err_t *err)
{
    mi->ref_state = REF_NONE;
    mi->ref_error[0] = '\0';
    if (!cfg->reference || !*cfg->reference || !(cfg->quantities & DSE_Q_MI_ALL)) return DSE_OK;
    int rank;
    MPI_Comm_rank(comm, &rank);
    uint64_t checksum = 0;
    int action = rank == 0 ? reference_action(cfg, o, dse_store_reference(store), &checksum,
                                              mi->ref_error, sizeof mi->ref_error)
                           : 0;
    MPI_Bcast(&action, 1, MPI_INT, 0, comm);
    if (action == 2) {
        mi->ref_state = REF_REFUSED;
        if (rank == 0 && o->verbose >= 0) fprintf(stderr, "dsesweep: error: %s\n", mi->ref_error);
        return DSE_OK;
    }
    int32_t *labels = NULL;
    unsigned long long n = 0;
    int rc = action == 1
                 ? share_stored_labels(comm, cfg, o, dse_store_reference(store), &labels, &n, err)
                 : cluster_new(comm, cfg, o, store, checksum, mi, &labels, &n, err);
    if (rc == DSE_OK && mi->ref_state != REF_FAILED) {
        dse_err_t e;
        int crc = dse_cluster_categories(labels, (size_t)n, cfg->reference, &mi->reference, &e);
        mi->ref_state = crc == DSE_OK ? REF_READY : REF_FAILED;
        if (crc != DSE_OK) snprintf(mi->ref_error, sizeof mi->ref_error, "%s", e.msg);
    }
    free(labels);
    return rc;
}

/* Rank 0: what to do with the labels file given the labels the store's mi
 * results were computed with: 0 nothing, 1 record (journal) these labels,
 * 2 refuse (they changed; why in `why`). */
static int labels_action(const dse_config_t *cfg, const dse_sweep_opts_t *o, const dse_store_t *s,
                         uint64_t *checksum, char *why, size_t cap)
{
    dse_err_t e;
    /* An unreadable file fails every mi task with its own message. */
    if (dse_file_checksum(cfg->labels, checksum, &e) != DSE_OK) return 0;
    if (*checksum == s->labels_checksum) return 0;
    if (!s->labels_checksum || o->relabel) return 1;
    size_t kept = 0;
    for (size_t i = 0; i < s->n_results; ++i)
        kept += !strcmp(s->results[i].family, DSE_STORE_FAMILY_MI);
    if (!kept) return 1; /* nothing computed with the old labels */
    snprintf(why, cap,
             "%s: the labels changed since the store's mi results were computed (checksum "
             "%016llx, the store's %016llx from %s); its %zu mi result(s) are kept and none is "
             "computed: run with --relabel to recompute them with these labels, or use another "
             "store",
             cfg->labels, (unsigned long long)*checksum, (unsigned long long)s->labels_checksum,
             s->labels_path && *s->labels_path ? s->labels_path : "an unnamed file", kept);
    return 2;
}

/* Collective on comm. Tracks the labels by content: journals the labels
 * file's checksum (a changed file with --relabel drops the old mi results),
 * or refuses a changed file (summary->labels_error, every rank): no mi task
 * runs then and the stored ones stay. */
static int prepare_labels(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                          dse_store_handle_t *store, dse_sweep_summary_t *summary, dse_err_t *err)
{
    if (!cfg->labels || !*cfg->labels || !(cfg->quantities & DSE_Q_MI_ALL)) return DSE_OK;
    int rank;
    MPI_Comm_rank(comm, &rank);
    uint64_t checksum = 0;
    int action = rank == 0 ? labels_action(cfg, o, dse_store_tables(store), &checksum,
                                           summary->labels_error, sizeof summary->labels_error)
                           : 0;
    MPI_Bcast(&action, 1, MPI_INT, 0, comm);
    MPI_Bcast(summary->labels_error, (int)sizeof summary->labels_error, MPI_CHAR, 0, comm);
    if (action == 2 && rank == 0 && o->verbose >= 0)
        fprintf(stderr, "dsesweep: error: %s\n", summary->labels_error);
    if (action != 1) return DSE_OK;
    int rc = DSE_OK;
    if (rank == 0) {
        size_t dropped = 0;
        rc = dse_store_commit_labels(store, cfg->labels, checksum, &dropped, err);
        if (rc == DSE_OK && dropped && o->verbose >= 0)
            printf("dsesweep: labels %s changed: %zu mi result(s) of the old labels dropped, "
                   "recomputed now (--relabel)\n",
                   cfg->labels, dropped);
    }
    return dse_comm_agree(comm, rc, err);
}

int sweep_mi_prepare(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                     dse_store_handle_t *store, sweep_mi_t *mi, dse_sweep_summary_t *summary,
                     dse_err_t *err)
{
    memset(mi, 0, sizeof *mi);
    load_labels(cfg, &mi->labels, &mi->have_labels, mi->labels_error, sizeof mi->labels_error);
    DSE_TRY(prepare_labels(comm, cfg, o, store, summary, err));
    DSE_TRY(prepare_reference(comm, cfg, o, store, mi, err));
    if (mi->ref_state == REF_REFUSED)
        snprintf(summary->reference_error, sizeof summary->reference_error, "%s", mi->ref_error);
    MPI_Bcast(summary->reference_error, (int)sizeof summary->reference_error, MPI_CHAR, 0, comm);
    int mi_wanted = (cfg->quantities & DSE_Q_MI_ALL) && cfg->labels && *cfg->labels &&
                    !summary->labels_error[0];
    int ref_wanted = mi->ref_state == REF_READY || mi->ref_state == REF_FAILED;
    int wanted[N_FAMILIES] = {1, 1, mi_wanted, ref_wanted};
    memcpy(mi->wanted, wanted, sizeof wanted);
    mi->fam[FAM_MI] = (mi_categories_t){mi->have_labels ? &mi->labels : NULL, mi->labels_error,
                                        cfg->labels, "labels"};
    mi->fam[FAM_MI_X] = (mi_categories_t){mi->ref_state == REF_READY ? &mi->reference : NULL,
                                          mi->ref_error, cfg->reference, "rows"};
    return DSE_OK;
}

void sweep_mi_free(sweep_mi_t *mi)
{
    dse_categories_free(&mi->labels);
    dse_categories_free(&mi->reference);
}
