/* sweep.c — coordinator, worker groups and the task protocol. */
#include "dsesweep/sweep.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "dsesweep/cluster.h"
#include "dsesweep/dist.h"
#include "dsesweep/entropy.h"
#include "dsesweep/group.h"
#include "dsesweep/scan.h"
#include "dsesweep/score.h"
#include "dsesweep/source.h"
#include "dsesweep/store.h"

enum { TAG_TASK = 11, TAG_RESULT = 12, TAG_SPECTRUM = 13 };

/* Set by SIGUSR1/SIGTERM: stop handing out tasks. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

void dse_sweep_install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The four task families and the quantities each one computes. "mi" is MI
 * against the labels Y, "mi_x" the same quantities against the clusters of
 * the reference X (named DSMI_X, CSMI_X, ...). */
static const struct {
    const char *name;
    uint64_t bits;
} families[] = {
    {"spectral", DSE_Q_SPECTRAL}, /* the masks come from the quantity table (quantity.h) */
    {"classic", DSE_Q_CLASSIC},
    {"mi", DSE_Q_MI_ALL},
    {DSE_STORE_FAMILY_MI_X, DSE_Q_MI_ALL},
};
#define N_FAMILIES 4
#define FAM_MI 2
#define FAM_MI_X 3

/* The categories an MI family runs over, on every rank. */
typedef struct {
    const dse_categories_t *cat; /* NULL: not available (see error) */
    const char *error;           /* why not, when the family is wanted */
    const char *file;            /* labels or reference file, for messages */
    const char *unit;            /* "labels" or "rows", for the count mismatch */
} mi_categories_t;

typedef struct {
    size_t checkpoint; /* index in the scan */
    int family;
    double cost;
} sweep_task_t;

/* Quantity names of a family's bits, in report order, with their t; base
 * (may be NULL) receives the names the score gives them. */
static size_t family_entries(const dse_config_t *cfg, int fam, const char **names, double *ts,
                             const char **base)
{
    size_t k = 0;
    uint64_t bits = cfg->quantities & families[fam].bits;
    DSE_QUANTITY_FOREACH (b, bits, DSE_QFAMILY_COUNT) {
        int uses_t = dse_quantity_get(b)->uses_t;
        for (int i = 0; i < (uses_t ? cfg->n_t : 1); ++i) {
            names[k] =
                dse_quantity_store_name(b, fam == FAM_MI_X ? DSE_QFAMILY_MI_X : DSE_QFAMILY_MI);
            if (base) base[k] = dse_quantity_name(b);
            ts[k] = uses_t ? cfg->t[i] : 0;
            k++;
        }
    }
    return k;
}

static double now(void)
{
    return MPI_Wtime();
}

/* ---- running one task on a group ---------------------------------------- */

/* Test hook (tests/test_rank_failure.sh): DSE_TEST_KILL_RANK=R makes world rank
 * R kill itself with SIGKILL at the start of its second task. */
static void test_fail_hook(void)
{
    static int tasks_seen;
    const char *v = getenv("DSE_TEST_KILL_RANK");
    if (!v || !*v) return;
    int me;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    if (me == atoi(v) && ++tasks_seen == 2) raise(SIGKILL);
}

typedef struct {
    int status;
    char error[DSE_ERR_MSG_MAX];
    double seconds;
    int ranks;
    size_t n_used;
    size_t n_entries;
    double values[256]; /* in family_entries order */
    double *spectrum;   /* n_used values (spectral family), owned */
    size_t spectrum_length;
} task_outcome_t;

/* msg without the "rank R: " that dse_comm_agree puts before a message. */
static const char *without_rank(const char *msg)
{
    if (strncmp(msg, "rank ", 5)) return msg;
    const char *colon = strstr(msg, ": ");
    return colon ? colon + 2 : msg;
}

/* Collective on g_comm: scores one checkpoint for one family. */
static void run_task(MPI_Comm g_comm, const dse_config_t *cfg, const dse_scan_t *scan,
                     const mi_categories_t *mi, const sweep_task_t *t, task_outcome_t *o)
{
    memset(o, 0, sizeof *o);
    double t0 = now();
    MPI_Comm_size(g_comm, &o->ranks);
    const dse_checkpoint_t *c = &scan->items[t->checkpoint];
    test_fail_hook();
    dse_err_t err;
    dse_err_clear(&err);
    const char *names[256], *base[256];
    double ts[256];
    size_t ne = family_entries(cfg, t->family, names, ts, base);
    o->n_entries = ne;
    int is_mi = families[t->family].bits == DSE_Q_MI_ALL;
    const dse_categories_t *cat = is_mi ? mi[t->family].cat : NULL;
    int rc = DSE_OK;
    if (c->error) rc = DSE_RAISE(&err, DSE_EFORMAT, "%s", c->error);
    if (rc == DSE_OK && is_mi && !cat)
        rc = DSE_RAISE(&err, DSE_EVALUE, "%s",
                       mi[t->family].error ? mi[t->family].error : "no categories");
    if (rc == DSE_OK && cat && cat->n != c->n)
        rc = DSE_RAISE(&err, DSE_EVALUE, "%s: %zu %s but %s has %llu rows", mi[t->family].file,
                       cat->n, mi[t->family].unit, c->path, (unsigned long long)c->n);
    dse_source_t *src = NULL;
    if (rc == DSE_OK) rc = dse_source_open(c->spec, &src, &err);
    if (rc == DSE_OK) rc = dse_source_check_embeddings(src, &err);
    rc = dse_comm_agree(g_comm, rc, &err);
    dse_score_t s = {0};
    if (rc == DSE_OK) {
        dse_source_rows_t reader = {src, NULL};
        dse_score_input_t in = {dse_source_rows(src), dse_source_cols(src), dse_source_rows_read,
                                &reader, cat};
        dse_score_opts_t so = {cfg->group_size, 64, cfg->memory_budget};
        rc = dse_score_run(g_comm, &in, &cfg->params, cfg->quantities & families[t->family].bits,
                           cfg->t, (size_t)cfg->n_t, &so, &s, &err);
    }
    dse_source_close(&src);
    int rank;
    MPI_Comm_rank(g_comm, &rank);
    if (rc == DSE_OK && rank == 0) {
        /* Match the score's entries to the family's list (same order by construction). */
        for (size_t i = 0; i < ne; ++i) {
            o->values[i] = NAN;
            for (size_t j = 0; j < s.n_entries; ++j)
                if (!strcmp(dse_quantity_name(s.entries[j].quantity), base[i]) &&
                    s.entries[j].t == ts[i])
                    o->values[i] = s.entries[j].value;
        }
        o->n_used = s.n_used;
        if (s.spectrum && (cfg->quantities & DSE_Q_DSE)) {
            o->spectrum = s.spectrum;
            o->spectrum_length = s.n_used;
            s.spectrum = NULL;
        }
    }
    if (rc != DSE_OK) {
        /* One rank already named: drop the "rank 0: " of a one-rank group. */
        o->status = rc;
        snprintf(o->error, sizeof o->error, "%s", o->ranks == 1 ? without_rank(err.msg) : err.msg);
    }
    dse_score_free(&s);
    o->seconds = now() - t0;
}

/* ---- coordinator bookkeeping ---------------------------------------------- */

typedef struct {
    const dse_config_t *cfg;
    const dse_scan_t *scan;
    dse_store_t *store;
    char journal[4096];
    int verbose;
    size_t done, total, failed;
    double t_start;
} coordinator_t;

static void progress(coordinator_t *co, const sweep_task_t *t, const task_outcome_t *o,
                     int first_rank)
{
    co->done++;
    if (o->status) co->failed++;
    if (co->verbose < 0) return;
    double elapsed = now() - co->t_start;
    double eta = co->done ? elapsed / (double)co->done * (double)(co->total - co->done) : 0;
    const dse_checkpoint_t *c = &co->scan->items[t->checkpoint];
    printf("[%*zu/%zu] %-32s %-8s %7.2f s  ranks %d-%d  ETA %d:%02d%s%s\n",
           (int)(co->total >= 100 ? 3 : 2), co->done, co->total, c->rel, families[t->family].name,
           o->seconds, first_rank, first_rank + o->ranks - 1, (int)(eta / 60), (int)eta % 60,
           o->status ? "  FAILED: " : "", o->status ? o->error : "");
    if (co->verbose > 0 && !o->status) {
        const char *names[256];
        double ts[256];
        size_t ne = family_entries(co->cfg, t->family, names, ts, NULL);
        for (size_t i = 0; i < ne; ++i)
            printf("        %-22s t=%-3g %.10g\n", names[i], ts[i], o->values[i]);
    }
    fflush(stdout);
}

/* Journal first (durable), then the in-memory store. */
static int record(coordinator_t *co, const sweep_task_t *t, const task_outcome_t *o,
                  dse_err_t *err)
{
    const dse_checkpoint_t *c = &co->scan->items[t->checkpoint];
    const char *names[256];
    double ts[256];
    size_t ne = family_entries(co->cfg, t->family, names, ts, NULL);
    dse_task_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.checkpoint.path = c->path;
    rec.checkpoint.run = c->run;
    rec.checkpoint.step = c->step;
    rec.checkpoint.n = c->n;
    rec.checkpoint.d = c->d;
    rec.checkpoint.n_used = o->n_used ? o->n_used : (c->n < co->cfg->params.max_n || !co->cfg->params.max_n ? c->n : co->cfg->params.max_n);
    rec.checkpoint.file_size = c->file_size;
    rec.checkpoint.mtime = c->mtime;
    rec.checkpoint.checksum = c->checksum;
    rec.family = families[t->family].name;
    rec.status = o->status;
    rec.error = o->error;
    rec.seconds = o->seconds;
    rec.sigma = co->cfg->params.sigma;
    rec.ranks = o->ranks;
    rec.n_entries = ne;
    rec.quantities = names;
    rec.t = ts;
    rec.values = o->values;
    rec.spectrum_length = o->spectrum_length;
    rec.spectrum = o->spectrum;
    DSE_TRY(dse_journal_append(co->journal, &rec, err));
    return dse_store_apply(co->store, &rec, err);
}

/* ---- messages between the coordinator and group leaders ------------------ */

static void send_outcome(const task_outcome_t *o, int dest, MPI_Comm comm)
{
    MPI_Send(o, (int)offsetof(task_outcome_t, spectrum), MPI_BYTE, dest, TAG_RESULT, comm);
    unsigned long long n = o->spectrum_length;
    MPI_Send(&n, 1, MPI_UNSIGNED_LONG_LONG, dest, TAG_SPECTRUM, comm);
    if (n) MPI_Send(o->spectrum, (int)n, MPI_DOUBLE, dest, TAG_SPECTRUM, comm);
}

static void recv_outcome(task_outcome_t *o, int src, MPI_Comm comm)
{
    memset(o, 0, sizeof *o);
    MPI_Recv(o, (int)offsetof(task_outcome_t, spectrum), MPI_BYTE, src, TAG_RESULT, comm,
             MPI_STATUS_IGNORE);
    unsigned long long n = 0;
    MPI_Recv(&n, 1, MPI_UNSIGNED_LONG_LONG, src, TAG_SPECTRUM, comm, MPI_STATUS_IGNORE);
    o->spectrum_length = (size_t)n;
    if (n) {
        o->spectrum = malloc((size_t)n * sizeof(double));
        MPI_Recv(o->spectrum, (int)n, MPI_DOUBLE, src, TAG_SPECTRUM, comm, MPI_STATUS_IGNORE);
    }
}

/* Waits for a task result without spinning a core (Open MPI's blocking
 * receive busy-polls; the coordinator shares its node with workers). After a
 * stop signal, waits only `grace` seconds. Returns 0 when the grace ran out. */
static int wait_for_result(MPI_Comm comm, MPI_Status *st, double *signalled_at, double grace,
                           int busy, const char *journal)
{
    int flag = 0;
    struct timespec nap = {0, 2000000};
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, comm, &flag, st);
        if (flag) return 1;
        if (stop_signal && *signalled_at == 0) {
            *signalled_at = now();
            printf("dsesweep: %s received: no new tasks; waiting up to %.0f s for %d in-flight "
                   "task(s) (finished ones are journaled in %s)\n",
                   stop_signal == SIGTERM ? "SIGTERM" : "SIGUSR1", grace, busy, journal);
            fflush(stdout);
        }
        if (*signalled_at > 0 && now() - *signalled_at > grace) return 0;
        nanosleep(&nap, NULL);
    }
}

/* ---- the sweep -------------------------------------------------------------- */

static int cmp_task(const void *a, const void *b)
{
    const sweep_task_t *x = a, *y = b;
    if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
    if (x->checkpoint != y->checkpoint) return x->checkpoint < y->checkpoint ? -1 : 1;
    return x->family - y->family;
}

static int load_labels(MPI_Comm comm, const dse_config_t *cfg, dse_categories_t *cat,
                       int *have, char *labels_error, size_t cap)
{
    *have = 0;
    labels_error[0] = '\0';
    if (!cfg->labels || !*cfg->labels || !(cfg->quantities & DSE_Q_MI_ALL)) return DSE_OK;
    dse_err_t err;
    dse_matrix_t y;
    int rc = dse_matrix_load(cfg->labels, &y, &err);
    if (rc == DSE_OK) {
        if (y.cols != 1)
            rc = DSE_RAISE(&err, DSE_EUSAGE, "%s: labels must be N or N x 1 (got N x %zu)",
                           cfg->labels, y.cols);
        else if (y.is_integer)
            rc = dse_categories_from_labels(y.data, y.rows, cfg->labels, cat, &err);
        else
            rc = dse_categories_from_scalars(y.data, y.rows, cfg->params.n_clusters, cat, &err);
        if (rc == DSE_OK) rc = dse_categories_check(cat, cfg->labels, &err);
        dse_matrix_free(&y);
    }
    (void)comm;
    if (rc == DSE_OK)
        *have = 1;
    else
        snprintf(labels_error, cap, "%s", err.msg);
    return DSE_OK;
}

/* The reference clustering's state in one run. */
enum {
    REF_NONE,   /* no reference configured (or no MI quantity) */
    REF_READY,  /* categories available: the mi_x tasks run */
    REF_FAILED, /* X could not be clustered: each mi_x task fails with the reason */
    REF_REFUSED /* X changed since the store's clustering: no mi_x task runs, the
                   stored results stay (--recluster replaces them) */
};

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

/* Collective on comm. Makes the categories of the reference X: the store's
 * clustering when it was made from the same file, else a new distributed
 * clustering, journaled (durable) and put in the store before any task runs.
 * Returns an error only when the journal cannot be written; problems with X
 * itself set *state (REF_FAILED / REF_REFUSED) and why. */
static int prepare_reference(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                             const char *journal, dse_store_t *store, dse_categories_t *cat,
                             int *state, char *why, size_t cap, dse_err_t *err)
{
    *state = REF_NONE;
    why[0] = '\0';
    if (!cfg->reference || !*cfg->reference || !(cfg->quantities & DSE_Q_MI_ALL)) return DSE_OK;
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    uint64_t checksum = 0;
    int action = rank == 0 ? reference_action(cfg, o, &store->reference, &checksum, why, cap) : 0;
    MPI_Bcast(&action, 1, MPI_INT, 0, comm);
    if (action == 2) {
        *state = REF_REFUSED;
        if (rank == 0 && o->verbose >= 0) fprintf(stderr, "dsesweep: error: %s\n", why);
        return DSE_OK;
    }
    int32_t *labels = NULL;
    unsigned long long n = 0;
    dse_err_t e;
    dse_err_clear(&e);
    int rc = DSE_OK;
    if (action == 1) {
        n = rank == 0 ? store->reference.n : 0;
        MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
        labels = malloc((size_t)n * sizeof *labels + 1);
        rc = dse_comm_agree(
            comm, labels ? DSE_OK : DSE_RAISE(err, DSE_ENOMEM, "cannot allocate the labels"), err);
        if (rc != DSE_OK) return rc;
        if (rank == 0) memcpy(labels, store->reference.labels, (size_t)n * sizeof *labels);
        MPI_Bcast(labels, (int)n, MPI_INT32_T, 0, comm);
        if (rank == 0 && o->verbose >= 0)
            printf("dsesweep: reference %s: the store's clustering (%llu x %llu, %d clusters, "
                   "made %s) is reused\n",
                   cfg->reference, n, (unsigned long long)store->reference.d,
                   (int)store->reference.n_clusters, store->reference.created);
    } else {
        dse_cluster_info_t info;
        int crc = reference_fits(comm, cfg, &e);
        if (crc == DSE_OK)
            crc = dse_cluster_reference(comm, cfg->reference, 0, "", (size_t)cfg->params.knn,
                                        (size_t)cfg->params.n_clusters, &labels, &info, &e);
        if (crc != DSE_OK) {
            *state = REF_FAILED; /* the same X fails on every rank: no rank to name */
            snprintf(why, cap, "%s", without_rank(e.msg));
            if (rank == 0 && o->verbose >= 0)
                fprintf(stderr, "dsesweep: error: %s (every mi_x task fails with this)\n", why);
            return DSE_OK;
        }
        n = info.n;
        if (rank == 0) {
            dse_store_reference_t ref = {0};
            ref.path = cfg->reference;
            ref.checksum = checksum;
            ref.n = info.n;
            ref.d = info.d;
            ref.knn = cfg->params.knn;
            ref.n_clusters = cfg->params.n_clusters;
            ref.components = info.components;
            ref.seconds = info.seconds;
            ref.ranks = size;
            ref.labels = labels;
            dse_store_timestamp(ref.created, sizeof ref.created);
            size_t dropped = 0;
            rc = dse_journal_append_reference(journal, &ref, err);
            if (rc == DSE_OK) rc = dse_store_set_reference(store, &ref, &dropped, err);
            if (rc == DSE_OK && o->verbose >= 0) {
                printf("dsesweep: reference %s (%zu x %zu): %d clusters (k = %d, %zu graph "
                       "component(s)) in %.2f s on %d rank(s)",
                       cfg->reference, info.n, info.d, cfg->params.n_clusters, cfg->params.knn,
                       info.components, info.seconds, size);
                if (dropped) printf("; %zu mi_x result(s) of the old clustering dropped", dropped);
                printf("\n");
            }
        }
        rc = dse_comm_agree(comm, rc, err);
    }
    if (rc == DSE_OK) {
        int crc = dse_cluster_categories(labels, (size_t)n, cfg->reference, cat, &e);
        *state = crc == DSE_OK ? REF_READY : REF_FAILED;
        if (crc != DSE_OK) snprintf(why, cap, "%s", e.msg);
    }
    free(labels);
    return rc;
}

static const char *store_path(const dse_config_t *cfg, const dse_sweep_opts_t *o)
{
    return o && o->store_override ? o->store_override : cfg->store;
}

/* Rank 0: the store as it stands (file + journal); refuses a store made by a
 * different config. */
static int load_store(const dse_config_t *cfg, const char *path, dse_store_t *store,
                      size_t *replayed, dse_err_t *err)
{
    struct stat st;
    memset(store, 0, sizeof *store);
    if (stat(path, &st) == 0) DSE_TRY(dse_store_read(path, store, err));
    uint64_t fp = dse_config_fingerprint(cfg);
    if (store->config_text && store->fingerprint != fp)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "%s: this store was made by a different configuration (quantities or "
                         "their parameters differ); use another store path, or `dsesweep "
                         "rescore` for new t values",
                         path);
    char journal[4096];
    snprintf(journal, sizeof journal, "%s.journal", path);
    DSE_TRY(dse_journal_replay(journal, store, replayed, 1, err));
    store->fingerprint = fp;
    free(store->config_text);
    store->config_text = strdup(cfg->text ? cfg->text : "");
    return DSE_OK;
}

int dse_sweep_run(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *opts,
                  dse_sweep_summary_t *summary, dse_err_t *err)
{
    double t_start = now();
    memset(summary, 0, sizeof *summary);
    dse_sweep_opts_t o = opts ? *opts : (dse_sweep_opts_t){0, 0, 1, NULL, 0, 0};
    if (o.shard_count < 1) o.shard_count = 1;
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const char *path = store_path(cfg, &o);

    /* 0. The store's directory must exist before any work is done. */
    int rc = DSE_OK;
    if (rank == 0) {
        char *copy = strdup(path);
        const char *dir = dirname(copy);
        struct stat st;
        if (stat(dir, &st) != 0)
            rc = DSE_RAISE(err, DSE_EIO, "%s: the store's directory %s does not exist", path, dir);
        else if (!S_ISDIR(st.st_mode) || access(dir, W_OK) != 0)
            rc = DSE_RAISE(err, DSE_EIO, "%s: cannot write in the store's directory %s", path, dir);
        else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rc = DSE_RAISE(err, DSE_EIO, "%s: is a directory, expected the store file", path);
        free(copy);
    }
    rc = dse_comm_agree(comm, rc, err);
    if (rc != DSE_OK) return rc;

    /* 1. Scan (rank 0), share, checksum (all ranks). */
    dse_scan_t scan = {0};
    rc = rank == 0 ? dse_scan_tree(cfg, &scan, err) : DSE_OK;
    rc = dse_comm_agree(comm, rc, err);
    if (rc != DSE_OK) return rc;
    if ((rc = dse_scan_bcast(comm, 0, &scan, err)) != DSE_OK) goto out_scan;
    if ((rc = dse_scan_checksums(comm, &scan, err)) != DSE_OK) goto out_scan;
    if (rank == 0 && o.verbose >= 0)
        for (size_t i = 0; i < scan.n_warnings; ++i)
            fprintf(stderr, "dsesweep: warning: %s\n", scan.warnings[i]);

    /* 2. The store as it stands (rank 0). */
    dse_store_t store = {0};
    size_t replayed = 0;
    rc = rank == 0 ? load_store(cfg, path, &store, &replayed, err) : DSE_OK;
    if (rank == 0 && rc == DSE_OK && replayed && o.verbose >= 0)
        printf("dsesweep: recovered %zu finished task(s) from %s.journal\n", replayed, path);
    rc = dse_comm_agree(comm, rc, err);
    if (rc != DSE_OK) goto out_store;
    if (rank == 0) dse_store_timestamp(store.started, sizeof store.started);

    /* 3. Labels on every rank (small, shared by all checkpoints). */
    dse_categories_t cat = {0};
    int have_cat = 0;
    char labels_error[DSE_ERR_MSG_MAX];
    load_labels(comm, cfg, &cat, &have_cat, labels_error, sizeof labels_error);
    int mi_wanted = (cfg->quantities & DSE_Q_MI_ALL) && cfg->labels && *cfg->labels;

    /* 3b. The reference X's clustering, once per store (all ranks). */
    char journal[4096];
    snprintf(journal, sizeof journal, "%s.journal", path);
    dse_categories_t xcat = {0};
    int ref_state = REF_NONE;
    char ref_error[DSE_ERR_MSG_MAX];
    rc = prepare_reference(comm, cfg, &o, journal, &store, &xcat, &ref_state, ref_error,
                           sizeof ref_error, err);
    if (rc != DSE_OK) {
        dse_categories_free(&cat);
        goto out_store;
    }
    if (ref_state == REF_REFUSED && rank == 0)
        snprintf(summary->reference_error, sizeof summary->reference_error, "%s", ref_error);
    int wanted[N_FAMILIES] = {1, 1, mi_wanted, ref_state == REF_READY || ref_state == REF_FAILED};
    mi_categories_t mi[N_FAMILIES] = {{0}};
    mi[FAM_MI] = (mi_categories_t){have_cat ? &cat : NULL, labels_error, cfg->labels, "labels"};
    mi[FAM_MI_X] =
        (mi_categories_t){ref_state == REF_READY ? &xcat : NULL, ref_error, cfg->reference, "rows"};

    /* 4. The task list: every (checkpoint in this shard) x family, minus the done. */
    sweep_task_t *tasks = calloc(scan.count * N_FAMILIES + 1, sizeof *tasks);
    size_t ntask = 0;
    unsigned char *todo = calloc(scan.count * N_FAMILIES + 1, 1);
    if (rank == 0) {
        for (size_t i = 0; i < scan.count; ++i) {
            if ((int)(i % (size_t)o.shard_count) != o.shard_index) continue;
            summary->checkpoints++;
            for (int f = 0; f < N_FAMILIES; ++f) {
                uint64_t bits = cfg->quantities & families[f].bits;
                if (!wanted[f]) bits = 0;
                if (!bits) continue;
                summary->tasks_total++;
                if (dse_store_has(&store, scan.items[i].path, scan.items[i].checksum,
                                  families[f].name)) {
                    summary->tasks_skipped++;
                    continue;
                }
                todo[i * N_FAMILIES + (size_t)f] = 1;
            }
        }
    }
    MPI_Bcast(todo, (int)(scan.count * N_FAMILIES), MPI_UNSIGNED_CHAR, 0, comm);
    for (size_t i = 0; i < scan.count; ++i)
        for (int f = 0; f < N_FAMILIES; ++f)
            if (todo[i * N_FAMILIES + (size_t)f]) {
                double n = (double)scan.items[i].n;
                if (cfg->params.max_n && n > (double)cfg->params.max_n) n = (double)cfg->params.max_n;
                double cost = families[f].bits == DSE_Q_MI_ALL
                                  ? n * n * n * 0.2 * (cfg->params.repetitions + 1)
                                  : n * n * n;
                tasks[ntask++] = (sweep_task_t){i, f, cost};
            }
    qsort(tasks, ntask, sizeof *tasks, cmp_task); /* largest first */
    free(todo);

    /* 5. Groups: rank 0 coordinates; ranks 1.. form groups of gsize. */
    int gsize = 1;
    if (size > 1) {
        int workers = size - 1;
        if (cfg->group_size > 0) gsize = cfg->group_size;
        else if (cfg->group_size < 0) gsize = workers;
        else {
            /* The largest problem decides: fewest ranks that fit the budget. */
            size_t budget = dse_memory_budget(cfg->memory_budget, comm);
            for (size_t i = 0; i < ntask; ++i) {
                size_t n = scan.items[tasks[i].checkpoint].n;
                if (cfg->params.max_n && n > cfg->params.max_n) n = cfg->params.max_n;
                int p = dse_dist_group_size(n, scan.items[tasks[i].checkpoint].d, 64, budget, workers);
                if (p > gsize) gsize = p;
            }
        }
        if (gsize > workers) gsize = workers;
    }
    int color = size == 1 ? 0 : (rank == 0 ? MPI_UNDEFINED : (rank - 1) / gsize);
    int ngroups = size == 1 ? 1 : (size - 1) / gsize;
    if (size > 1 && rank > 0 && color >= ngroups) color = ngroups - 1; /* leftovers join the last */
    MPI_Comm g_comm = MPI_COMM_NULL;
    MPI_Comm_split(comm, color, rank, &g_comm);

    coordinator_t co = {cfg, &scan, &store, "", o.verbose, 0, ntask, 0, now()};
    snprintf(co.journal, sizeof co.journal, "%s", journal);
    int fatal = DSE_OK;
    if (rank == 0 && o.verbose >= 0)
        printf("dsesweep: %zu checkpoint(s), %zu task(s) to run, %zu already in %s; %d rank(s), "
               "%d worker group(s) of %d\n",
               summary->checkpoints, ntask, summary->tasks_skipped, path, size, ngroups, gsize);
    fflush(stdout);

    if (size == 1) {
        for (size_t i = 0; i < ntask && fatal == DSE_OK && !stop_signal; ++i) {
            task_outcome_t out;
            run_task(g_comm, cfg, &scan, mi, &tasks[i], &out);
            fatal = record(&co, &tasks[i], &out, err);
            progress(&co, &tasks[i], &out, 0);
            free(out.spectrum);
        }
    } else if (rank == 0) {
        /* Coordinator: first one task per group, then one per returned result. */
        size_t next = 0;
        int *leader_task = calloc((size_t)size, sizeof *leader_task);
        int busy = 0;
        for (int gi = 0; gi < ngroups; ++gi) {
            int leader = 1 + gi * gsize;
            long long msg = next < ntask ? (long long)next : -1;
            MPI_Send(&msg, 1, MPI_LONG_LONG, leader, TAG_TASK, comm);
            if (msg >= 0) {
                leader_task[leader] = (int)next++;
                busy++;
            }
        }
        double signalled_at = 0;
        double grace = o.grace_seconds > 0 ? o.grace_seconds : 60.0;
        while (busy > 0) {
            MPI_Status st;
            if (!wait_for_result(comm, &st, &signalled_at, grace, busy, co.journal)) {
                /* Grace expired: every finished task is journaled; abandon the rest. */
                summary->tasks_left = ntask - co.done;
                printf("dsesweep: grace period of %.0f s over; abandoning %d in-flight task(s) "
                       "(recomputed next run); finished tasks are in %s\n",
                       grace, busy, co.journal);
                fflush(stdout);
                MPI_Abort(comm, 4);
            }
            task_outcome_t out;
            recv_outcome(&out, st.MPI_SOURCE, comm);
            busy--;
            const sweep_task_t *t = &tasks[leader_task[st.MPI_SOURCE]];
            if (fatal == DSE_OK) fatal = record(&co, t, &out, err);
            progress(&co, t, &out, st.MPI_SOURCE);
            free(out.spectrum);
            long long msg = (next < ntask && fatal == DSE_OK && !stop_signal) ? (long long)next : -1;
            MPI_Send(&msg, 1, MPI_LONG_LONG, st.MPI_SOURCE, TAG_TASK, comm);
            if (msg >= 0) {
                leader_task[st.MPI_SOURCE] = (int)next++;
                busy++;
            }
        }
        free(leader_task);
    } else {
        /* Worker: the leader takes tasks and shares them with its group. */
        int grank;
        MPI_Comm_rank(g_comm, &grank);
        for (;;) {
            long long msg = -1;
            if (grank == 0) MPI_Recv(&msg, 1, MPI_LONG_LONG, 0, TAG_TASK, comm, MPI_STATUS_IGNORE);
            MPI_Bcast(&msg, 1, MPI_LONG_LONG, 0, g_comm);
            if (msg < 0) break;
            task_outcome_t out;
            run_task(g_comm, cfg, &scan, mi, &tasks[msg], &out);
            if (grank == 0) send_outcome(&out, 0, comm);
            free(out.spectrum);
        }
    }
    if (g_comm != MPI_COMM_NULL) MPI_Comm_free(&g_comm);
    fatal = dse_comm_agree(comm, fatal, err);

    /* 6. Everything lands in the store, written by all ranks together. */
    if (rank == 0) dse_store_timestamp(store.finished, sizeof store.finished);
    if (fatal == DSE_OK) fatal = dse_store_write(comm, 0, path, &store, err);
    if (fatal == DSE_OK && rank == 0) {
        /* The store now holds every journaled task: empty the journal. */
        FILE *j = fopen(co.journal, "wb");
        if (j) fclose(j);
    }
    summary->tasks_run = co.done;
    summary->tasks_failed = co.failed;
    summary->tasks_left = ntask - co.done;
    summary->stop_signal = summary->tasks_left ? stop_signal : 0;
    MPI_Bcast(&summary->tasks_run, 1, MPI_UNSIGNED_LONG, 0, comm);
    MPI_Bcast(&summary->tasks_failed, 1, MPI_UNSIGNED_LONG, 0, comm);
    MPI_Bcast(&summary->tasks_left, 1, MPI_UNSIGNED_LONG, 0, comm);
    MPI_Bcast(&summary->stop_signal, 1, MPI_INT, 0, comm);
    MPI_Bcast(summary->reference_error, (int)sizeof summary->reference_error, MPI_CHAR, 0, comm);
    rc = fatal;
    free(tasks);
    dse_categories_free(&cat);
    dse_categories_free(&xcat);
out_store:
    dse_store_free(&store);
out_scan:
    dse_scan_free(&scan);
    summary->seconds = now() - t_start;
    return rc;
}

int dse_sweep_scan_report(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *opts,
                          dse_err_t *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    dse_scan_t scan = {0};
    int rc = rank == 0 ? dse_scan_tree(cfg, &scan, err) : DSE_OK;
    rc = dse_comm_agree(comm, rc, err);
    if (rc != DSE_OK || rank != 0) {
        dse_scan_free(&scan);
        return rc;
    }
    int shards = opts && opts->shard_count > 1 ? opts->shard_count : 1;
    int shard = opts ? opts->shard_index : 0;
    size_t budget = dse_memory_budget(cfg->memory_budget, MPI_COMM_SELF);
    printf("%-4s %-16s %8s %8s %6s  %s\n", "#", "run", "step", "N", "D", "path");
    size_t count = 0, fams = 0, max_n = 0, max_d = 0, bad = 0;
    double flops = 0;
    int with_ref = cfg->reference && *cfg->reference;
    for (int f = 0; f < N_FAMILIES; ++f)
        fams += (cfg->quantities & families[f].bits) &&
                (f < FAM_MI || (f == FAM_MI ? cfg->labels && *cfg->labels : with_ref));
    for (size_t i = 0; i < scan.count; ++i) {
        if ((int)(i % (size_t)shards) != shard) continue;
        const dse_checkpoint_t *c = &scan.items[i];
        count++;
        printf("%-4zu %-16s %8lld %8llu %6llu  %s%s%s\n", i, c->run, (long long)c->step,
               (unsigned long long)c->n, (unsigned long long)c->d, c->rel,
               c->error ? "  ERROR: " : "", c->error ? c->error : "");
        if (c->error) {
            bad++;
            continue;
        }
        size_t n = c->n;
        if (cfg->params.max_n && n > cfg->params.max_n) n = cfg->params.max_n;
        if (n > max_n) max_n = n, max_d = c->d;
        flops += 4.0 / 3.0 * (double)n * n * n + 2.0 * (double)n * n * (double)c->d;
        int mi_families = (cfg->labels && *cfg->labels) + with_ref;
        if (cfg->quantities & DSE_Q_MI_ALL)
            flops +=
                mi_families * 4.0 / 3.0 * (double)n * n * n * (cfg->params.repetitions + 1) / 25.0;
    }
    for (size_t i = 0; i < scan.n_warnings; ++i)
        printf("warning: %s\n", scan.warnings[i]);
    if (with_ref) {
        dse_source_t *src = NULL;
        dse_err_t e;
        if (dse_source_open(cfg->reference, &src, &e) == DSE_OK) {
            size_t n = dse_source_rows(src), d = dse_source_cols(src);
            char m[32];
            size_t need = dse_cluster_bytes_per_rank(n, d, (size_t)cfg->params.knn,
                                                     (size_t)cfg->params.n_clusters);
            printf("reference X: %s (%zu x %zu), clustered once per store into %d groups (k = "
                   "%d), %s per rank\n",
                   cfg->reference, n, d, cfg->params.n_clusters, cfg->params.knn,
                   dse_format_bytes((double)need, m, sizeof m));
        } else
            printf("reference X: ERROR: %s\n", e.msg);
        dse_source_close(&src);
    }
    char a[32], b[32];
    size_t need = dse_dist_bytes_per_rank(max_n, max_d, 1, 1, 64);
    /* Rate model: 2 GFLOP/s per rank effective for the eigensolver (docs/scaling.md). */
    double seconds = flops / 2e9 / (size > 1 ? size - 1 : 1);
    printf("\n%zu checkpoint(s) (%zu unreadable), %zu task(s) = checkpoints x %zu famil%s\n", count,
           bad, count * fams, fams, fams == 1 ? "y" : "ies");
    printf("largest problem N = %zu, D = %zu: %s per rank on one rank (budget %s per rank)\n", max_n,
           max_d, dse_format_bytes((double)need, a, sizeof a), dse_format_bytes((double)budget, b, sizeof b));
    printf("estimated time on %d rank(s): %.0f s (at 2 GFLOP/s per worker rank)\n", size, seconds);
    dse_scan_free(&scan);
    return DSE_OK;
}

int dse_sweep_rescore(MPI_Comm comm, const char *path, const double *ts, size_t nt,
                      size_t *added, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    dse_store_t store = {0};
    *added = 0;
    int rc = DSE_OK;
    if (rank == 0) {
        rc = dse_store_read(path, &store, err);
        char journal[4096];
        snprintf(journal, sizeof journal, "%s.journal", path);
        if (rc == DSE_OK) rc = dse_journal_replay(journal, &store, NULL, 1, err);
        for (size_t s = 0; rc == DSE_OK && s < store.n_spectra; ++s) {
            const dse_store_spectrum_t *sp = &store.spectra[s];
            for (size_t k = 0; k < nt; ++k) {
                double v = dse_entropy_spectral(sp->values, sp->length, ts[k]);
                int appended = 0;
                rc = dse_store_put_value(&store, sp->checkpoint, "DSE", "spectral", ts[k],
                                         sp->sigma, v, &appended, err);
                *added += (size_t)appended;
                if (rc != DSE_OK) break;
            }
        }
    }
    rc = dse_comm_agree(comm, rc, err);
    if (rc == DSE_OK) rc = dse_store_write(comm, 0, path, &store, err);
    if (rc == DSE_OK && rank == 0) {
        /* The journal's records are in the new store: replaying them later
         * would put the old rows back over the rescored ones. */
        char journal[4096];
        snprintf(journal, sizeof journal, "%s.journal", path);
        FILE *j = fopen(journal, "r+b");
        if (j) {
            fclose(j);
            if (truncate(journal, 0) != 0)
                rc = DSE_RAISE(err, DSE_EIO, "%s: cannot empty the journal", journal);
        }
    }
    rc = dse_comm_agree(comm, rc, err);
    MPI_Bcast(added, 1, MPI_UNSIGNED_LONG, 0, comm);
    dse_store_free(&store);
    return rc;
}

int dse_sweep_merge(MPI_Comm comm, char **shards, int n_shards, const char *out, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    dse_store_t merged = {0};
    int rc = DSE_OK;
    if (rank == 0) {
        char names[4096] = "";
        for (int i = 0; rc == DSE_OK && i < n_shards; ++i) {
            dse_store_t s;
            rc = dse_store_read(shards[i], &s, err);
            char journal[4096];
            snprintf(journal, sizeof journal, "%s.journal", shards[i]);
            if (rc == DSE_OK) rc = dse_journal_replay(journal, &s, NULL, 0, err);
            if (rc == DSE_OK)
                rc = dse_store_merge(&merged, i == 0 ? "(none)" : names, &s, shards[i], err);
            if (i == 0) snprintf(names, sizeof names, "%s", shards[i]);
            else if (strlen(names) < 3000) strcat(strcat(names, " + "), shards[i]);
            dse_store_free(&s);
        }
        if (rc == DSE_OK) dse_store_timestamp(merged.finished, sizeof merged.finished);
    }
    rc = dse_comm_agree(comm, rc, err);
    if (rc == DSE_OK) rc = dse_store_write(comm, 0, out, &merged, err);
    dse_store_free(&merged);
    return rc;
}
