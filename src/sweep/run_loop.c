/* run_loop.c — the coordinator/worker protocol (see run_loop.h). */
#include "run_loop.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsesweep/hooks.h"
#include "dsesweep/group.h"
#include "dsesweep/score.h"
#include "dsesweep/source.h"
#include "dsesweep/tune.h"

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

typedef struct {
    int status;
    char error[DSE_ERR_MSG_MAX];
    double seconds;
    int ranks;
    size_t n_used;
    size_t n_entries;
    char driver[16];    /* eigensolver of the task's spectrum ("" without one) */
    int threads;        /* BLAS threads per rank */
    double values[256]; /* in family_entries order */
    dse_entry_extra_t extra[256];
    double *spectrum; /* n_used values (spectral family), owned */
    size_t spectrum_length;
} task_outcome_t;

/* One score entry as the store keeps it: the value, its SE and, under
 * bandwidth rules, the rule and the bandwidth it gave. */
static void sweep_entry_outcome(const dse_params_t *p, const dse_score_t *s,
                                const dse_score_entry_t *e, double *value, dse_entry_extra_t *x)
{
    *value = e->value;
    memset(x, 0, sizeof *x);
    x->se = e->se;
    snprintf(x->method, sizeof x->method, "%s", dse_method_name(e->method));
    x->lower = e->lower;
    x->upper = e->upper;
    snprintf(x->interval, sizeof x->interval, "%s", dse_score_interval_kind(e));
    if (dse_score_has_interval(e)) {
        x->k = (int64_t)e->k;
        x->products = (int64_t)e->products;
    }
    int uses_sigma = dse_quantity_uses_sigma(dse_quantity_basis(dse_quantity_source(e->quantity)));
    if (uses_sigma && isfinite(s->median_distance)) x->median_distance = s->median_distance;
    if (p->n_rules == 0 || !uses_sigma) return;
    dse_sigma_rule_t r = dse_params_rule_at(p, e->rule);
    dse_sigma_format(&r, x->sigma_rule, sizeof x->sigma_rule);
    x->sigma_used = e->sigma.median;
    x->sigma_min = e->sigma.lo;
    x->sigma_max = e->sigma.hi;
}

/* Local. Records this rank's BLAS threads for the task (the driver that
 * computed the spectrum is recorded from the score: dse_score_driver_name). */
static void fix_driver(task_outcome_t *o)
{
    o->threads = dse_tune_blas_threads();
}

/* 1 when entry i of a family is computed under a bandwidth rule. */
static int entry_uses_rule(const dse_config_t *cfg, dse_quantity_id_t q)
{
    return cfg->params.n_rules > 0 &&
           dse_quantity_uses_sigma(dse_quantity_basis(dse_quantity_source(q)));
}

/* Rank 0: copies the score s's entries into the family's list (same order by
 * construction). only < 0: s ran every rule of p; else s ran rule `only`
 * alone (with parameters sp, its entries say rule 0) and fills that rule's
 * entries, and the rule-free ones when `free_too`. */
static void take_entries(const dse_config_t *cfg, const dse_params_t *sp, const dse_score_t *s,
                         const dse_quantity_id_t *ids, const double *ts, const int *rules,
                         size_t ne, int only, int free_too, task_outcome_t *o)
{
    for (size_t i = 0; i < ne; ++i) {
        int ruled = entry_uses_rule(cfg, ids[i]);
        if (only >= 0 && (ruled ? rules[i] != only : !free_too)) continue;
        int want = only >= 0 && ruled ? 0 : rules[i];
        o->values[i] = NAN;
        for (size_t j = 0; j < s->n_entries; ++j)
            if (s->entries[j].quantity == ids[i] && s->entries[j].t == ts[i] &&
                s->entries[j].rule == want)
                sweep_entry_outcome(sp, s, &s->entries[j], &o->values[i], &o->extra[i]);
    }
}

/* Rank 0: marks entry i failed with its rule named (a failed row keeps its
 * rule: the rule is part of the row's key). */
static void fail_entry(const dse_config_t *cfg, int rule, int status, const char *error,
                       dse_entry_extra_t *x)
{
    memset(x, 0, sizeof *x);
    dse_sigma_rule_t r = dse_params_rule_at(&cfg->params, rule);
    dse_sigma_format(&r, x->sigma_rule, sizeof x->sigma_rule);
    x->sigma_used = x->sigma_min = x->sigma_max = x->median_distance = NAN;
    x->lower = x->upper = NAN;
    x->status = status;
    snprintf(x->error, sizeof x->error, "%s", error);
}

/* Collective on g_comm. After a failed score under several rules: each rule
 * scored alone, so that a rule that fails (median or knn:K on duplicate
 * rows) fails only its own entries. The rule-free entries come from the
 * first rule that succeeds; rule 0's run keeps the spectrum. Returns the
 * number of rules that failed (all of them: the task fails as a whole). */
static int score_rules_alone(MPI_Comm g_comm, const dse_config_t *cfg, const dse_score_input_t *in,
                             uint64_t bits, const dse_score_opts_t *so, const sweep_task_t *t,
                             const dse_quantity_id_t *ids, const double *ts, const int *rules,
                             size_t ne, task_outcome_t *o, dse_err_t *first)
{
    int rank, R = dse_params_rule_count(&cfg->params), failed = 0, any_ok = 0;
    MPI_Comm_rank(g_comm, &rank);
    for (int r = 0; r < R; ++r) {
        dse_params_t pr = cfg->params;
        pr.rules[0] = dse_params_rule_at(&cfg->params, r);
        pr.n_rules = 1;
        pr.rule = 0;
        dse_err_t err;
        dse_err_clear(&err);
        dse_score_t s = {0};
        int rc = dse_score_run(g_comm, in, &pr, bits, cfg->t, (size_t)cfg->n_t, so, &s, &err);
        if (rc == DSE_OK && rank == 0) {
            take_entries(cfg, &pr, &s, ids, ts, rules, ne, r, !any_ok, o);
            o->n_used = s.n_used;
            if (r == 0 && t->family == FAM_SPECTRAL && s.spectrum)
                snprintf(o->driver, sizeof o->driver, "%s", dse_score_driver_name(&pr, &s));
            if (r == 0 && s.spectrum && (cfg->quantities & DSE_Q(DSE)) &&
                t->family == (int)dse_quantity_get(DSE_QID_DSE)->family) {
                o->spectrum = s.spectrum;
                o->spectrum_length = s.n_used;
                s.spectrum = NULL;
            }
        } else if (rc != DSE_OK) {
            if (!failed++) *first = err;
            const char *msg = o->ranks == 1 ? sweep_without_rank(err.msg) : err.msg;
            for (size_t i = 0; rank == 0 && i < ne; ++i)
                if (entry_uses_rule(cfg, ids[i]) && rules[i] == r)
                    fail_entry(cfg, r, rc, msg, &o->extra[i]);
        }
        any_ok |= rc == DSE_OK;
        dse_score_free(&s);
    }
    return failed;
}

/* Collective on g_comm: scores one checkpoint for one family. */
static void run_task(MPI_Comm g_comm, const dse_config_t *cfg, const dse_scan_t *scan,
                     const mi_categories_t *mi, const sweep_task_t *t, task_outcome_t *o)
{
    memset(o, 0, sizeof *o);
    double t0 = MPI_Wtime();
    MPI_Comm_size(g_comm, &o->ranks);
    const dse_checkpoint_t *c = &scan->items[t->checkpoint];
    dse_hook_task_start();
    dse_err_t err;
    dse_err_clear(&err);
    const char *names[256];
    dse_quantity_id_t ids[256];
    double ts[256];
    int rules[256];
    size_t ne = family_entries(cfg, t->family, names, ts, ids, rules);
    o->n_entries = ne;
    int is_mi = family_is_mi(t->family);
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
    int rank;
    MPI_Comm_rank(g_comm, &rank);
    dse_score_t s = {0};
    dse_params_t params = cfg->params;
    int rules_failed = 0;
    if (rc == DSE_OK) {
        dse_source_rows_t reader = {src, NULL};
        dse_score_input_t in = {dse_source_rows(src), dse_source_cols(src), dse_source_rows_read,
                                &reader, cat};
        dse_score_opts_t so = {cfg->group_size, 64, cfg->memory_budget};
        uint64_t bits = family_bits(cfg, t->family);
        fix_driver(o);
        rc = dse_score_run(g_comm, &in, &params, bits, cfg->t, (size_t)cfg->n_t, &so, &s, &err);
        int ruled = 0;
        for (size_t i = 0; i < ne; ++i)
            ruled |= entry_uses_rule(cfg, ids[i]);
        if (rc != DSE_OK && ruled && dse_params_rule_count(&params) > 1) {
            /* Every rank took this branch: dse_score_run's status is agreed. */
            rules_failed =
                score_rules_alone(g_comm, cfg, &in, bits, &so, t, ids, ts, rules, ne, o, &err);
            if (rules_failed < dse_params_rule_count(&params)) rc = DSE_OK;
        } else if (rc == DSE_OK && rank == 0) {
            take_entries(cfg, &params, &s, ids, ts, rules, ne, -1, 0, o);
            o->n_used = s.n_used;
            if (t->family == FAM_SPECTRAL && s.spectrum)
                snprintf(o->driver, sizeof o->driver, "%s", dse_score_driver_name(&params, &s));
            /* The diffusion spectrum is stored once per checkpoint: by DSE's own
             * family (the MI families' scores compute it too, for nothing). */
            if (s.spectrum && (cfg->quantities & DSE_Q(DSE)) &&
                t->family == (int)dse_quantity_get(DSE_QID_DSE)->family) {
                o->spectrum = s.spectrum;
                o->spectrum_length = s.n_used;
                s.spectrum = NULL;
            }
        }
    }
    dse_source_close(&src);
    if (rc != DSE_OK) {
        /* One rank already named: drop the "rank 0: " of a one-rank group. */
        o->status = rc;
        snprintf(o->error, sizeof o->error, "%s",
                 o->ranks == 1 ? sweep_without_rank(err.msg) : err.msg);
        /* Every failed row keeps its rule (part of the row's key). */
        for (size_t i = 0; rank == 0 && i < ne; ++i) {
            if (entry_uses_rule(cfg, ids[i])) fail_entry(cfg, rules[i], 0, "", &o->extra[i]);
            o->values[i] = NAN;
        }
    }
    dse_score_free(&s);
    o->seconds = MPI_Wtime() - t0;
}

/* The first entry of o that failed alone (a bandwidth rule's), or -1. */
static long failed_entry(const task_outcome_t *o)
{
    for (size_t i = 0; i < o->n_entries; ++i)
        if (o->extra[i].status) return (long)i;
    return -1;
}

/* ---- coordinator bookkeeping ---------------------------------------------- */

typedef struct {
    const dse_config_t *cfg;
    const dse_scan_t *scan;
    dse_store_handle_t *store;
    const char *journal;
    int verbose;
    size_t done, total, failed;
    size_t not_recorded; /* finished but not journaled: not done */
    double t_start;
} coordinator_t;

static void progress(coordinator_t *co, const sweep_task_t *t, const task_outcome_t *o,
                     int first_rank)
{
    co->done++;
    long fe = failed_entry(o);
    if (o->status || fe >= 0) co->failed++;
    if (co->verbose < 0) return;
    double elapsed = MPI_Wtime() - co->t_start;
    double eta = co->done ? elapsed / (double)co->done * (double)(co->total - co->done) : 0;
    const dse_checkpoint_t *c = &co->scan->items[t->checkpoint];
    char rules_failed[128] = "";
    for (size_t i = 0; fe >= 0 && i < o->n_entries; ++i) /* each failed rule, once */
        if (o->extra[i].status && !strstr(rules_failed, o->extra[i].sigma_rule)) {
            size_t used = strlen(rules_failed);
            snprintf(rules_failed + used, sizeof rules_failed - used, "%s%s", used ? ", " : "",
                     o->extra[i].sigma_rule);
        }
    char note[DSE_ERR_MSG_MAX + sizeof rules_failed + 64] = ""; /* the longest line fits */
    if (o->status)
        snprintf(note, sizeof note, "  FAILED: %s", o->error);
    else if (fe >= 0)
        snprintf(note, sizeof note, "  FAILED under sigma %s (the other rules' rows are kept): %s",
                 rules_failed, o->extra[fe].error);
    printf("[%*zu/%zu] %-32s %-8s %7.2f s  ranks %d-%d  ETA %d:%02d%s\n",
           (int)(co->total >= 100 ? 3 : 2), co->done, co->total, c->rel, family_name(t->family),
           o->seconds, first_rank, first_rank + o->ranks - 1, (int)(eta / 60), (int)eta % 60, note);
    if (co->verbose > 0 && !o->status) {
        const char *names[256];
        double ts[256];
        size_t ne = family_entries(co->cfg, t->family, names, ts, NULL, NULL);
        for (size_t i = 0; i < ne; ++i)
            printf("        %-22s t=%-3g %.10g\n", names[i], ts[i], o->values[i]);
    }
    fflush(stdout);
}

/* A finished task whose journal record could not be written: it is not
 * done (the next run computes it again), and says so on stderr whatever
 * the verbosity. Only recorded tasks are printed as finished (progress). */
static void not_done(coordinator_t *co, const sweep_task_t *t, const dse_err_t *why)
{
    const dse_checkpoint_t *c = &co->scan->items[t->checkpoint];
    co->not_recorded++;
    fprintf(stderr, "dsesweep: not done (its journal record could not be written: %s): %s %s\n",
            sweep_without_rank(why->msg), c->rel, family_name(t->family));
}

/* Commits a finished task through the store: journal first, then memory. */
static int record(coordinator_t *co, const sweep_task_t *t, const task_outcome_t *o, dse_err_t *err)
{
    const dse_checkpoint_t *c = &co->scan->items[t->checkpoint];
    const char *names[256];
    double ts[256];
    size_t ne = family_entries(co->cfg, t->family, names, ts, NULL, NULL);
    dse_task_record_t rec = {
        .checkpoint = {c->path, c->run, c->step, c->n, c->d,
                       o->n_used ? o->n_used : dse_params_rows_used(&co->cfg->params, c->n),
                       c->file_size, c->mtime, c->checksum},
        .family = family_name(t->family),
        .status = o->status,
        .error = o->error,
        .seconds = o->seconds,
        .sigma = co->cfg->params.sigma,
        .ranks = o->ranks,
        .driver = o->driver,
        .threads = o->threads,
        .n_entries = ne,
        .quantities = names,
        .t = ts,
        .values = o->values,
        .extra = o->extra,
        .spectrum_length = o->spectrum_length,
        .spectrum = o->spectrum};
    return dse_store_commit(co->store, &rec, err);
}

/* ---- messages between the coordinator and group leaders ------------------ */

static void send_outcome(const task_outcome_t *o, int dest, MPI_Comm comm)
{
    MPI_Send(o, (int)offsetof(task_outcome_t, spectrum), MPI_BYTE, dest, TAG_RESULT, comm);
    unsigned long long n = o->spectrum_length;
    MPI_Send(&n, 1, MPI_UNSIGNED_LONG_LONG, dest, TAG_SPECTRUM, comm);
    if (n) MPI_Send(o->spectrum, (int)n, MPI_DOUBLE, dest, TAG_SPECTRUM, comm);
}

/* Receives a group leader's outcome; the coordinator cannot go on without
 * room for its spectrum, so it then ends the job (finished tasks are in the
 * journal). */
static void recv_outcome(task_outcome_t *o, int src, MPI_Comm comm)
{
    memset(o, 0, sizeof *o);
    MPI_Recv(o, (int)offsetof(task_outcome_t, spectrum), MPI_BYTE, src, TAG_RESULT, comm,
             MPI_STATUS_IGNORE);
    unsigned long long n = 0;
    MPI_Recv(&n, 1, MPI_UNSIGNED_LONG_LONG, src, TAG_SPECTRUM, comm, MPI_STATUS_IGNORE);
    o->spectrum_length = (size_t)n;
    if (n) {
        dse_err_t err;
        o->spectrum = DSE_MALLOC((size_t)n, sizeof(double), &err);
        if (!o->spectrum) {
            fprintf(stderr, "dsesweep: error: coordinator: %s for a spectrum\n", err.msg);
            MPI_Abort(comm, 1);
        }
        MPI_Recv(o->spectrum, (int)n, MPI_DOUBLE, src, TAG_SPECTRUM, comm, MPI_STATUS_IGNORE);
    }
}

/* Waits for a task result without spinning a core (Open MPI's blocking
 * receive busy-polls; the coordinator shares its node with workers). After a
 * stop signal, waits only `grace` seconds. Returns 0 when the grace ran out. */
static int wait_for_result(MPI_Comm comm, MPI_Status *st, double *signalled_at, double grace,
                           int busy, const char *journal, dse_store_handle_t *store)
{
    int flag = 0;
    struct timespec nap = {0, 2000000};
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, comm, &flag, st);
        if (flag) return 1;
        if (stop_signal && *signalled_at == 0) {
            *signalled_at = MPI_Wtime();
            dse_store_mark_stopping(store, grace + 5.0); /* + writing the store */
            printf("dsesweep: %s received: no new tasks; waiting up to %.0f s for %d in-flight "
                   "task(s) (finished ones are journaled in %s)\n",
                   stop_signal == SIGTERM ? "SIGTERM" : "SIGUSR1", grace, busy, journal);
            fflush(stdout);
        }
        if (*signalled_at > 0 && MPI_Wtime() - *signalled_at > grace) return 0;
        nanosleep(&nap, NULL);
    }
}

/* ---- the loops ------------------------------------------------------------ */

/* One rank: runs every task itself. */
static int run_alone(MPI_Comm g_comm, const sweep_plan_t *plan, const mi_categories_t *mi,
                     coordinator_t *co, dse_err_t *err)
{
    int fatal = DSE_OK;
    for (size_t i = 0; i < plan->ntask && fatal == DSE_OK && !stop_signal; ++i) {
        task_outcome_t out;
        run_task(g_comm, co->cfg, &plan->scan, mi, &plan->tasks[i], &out);
        /* Journal (write + fsync), THEN print: a printed task is on disk. */
        fatal = record(co, &plan->tasks[i], &out, err);
        if (fatal == DSE_OK)
            progress(co, &plan->tasks[i], &out, 0);
        else
            not_done(co, &plan->tasks[i], err);
        free(out.spectrum);
    }
    if (stop_signal) dse_store_mark_stopping(co->store, 5.0); /* writing the store */
    return fatal;
}

/* Rank 0 of several: hands the next task (or -1: stop) to a group leader. */
static void hand_out(MPI_Comm comm, int leader, size_t *next, const sweep_plan_t *plan, int go,
                     int *leader_task, int *busy)
{
    long long msg = *next < plan->ntask && go ? (long long)*next : -1;
    MPI_Send(&msg, 1, MPI_LONG_LONG, leader, TAG_TASK, comm);
    if (msg < 0) return;
    leader_task[leader] = (int)(*next)++;
    (*busy)++;
}

/* The coordinator: first one task per group, then one per returned result. */
static int coordinate(MPI_Comm comm, const dse_sweep_opts_t *o, const sweep_plan_t *plan,
                      coordinator_t *co, dse_sweep_summary_t *summary, dse_err_t *err)
{
    int size;
    MPI_Comm_size(comm, &size);
    int *leader_task = DSE_CALLOC((size_t)size, sizeof *leader_task, err);
    if (!leader_task) MPI_Abort(comm, 1); /* the workers wait for their first message */
    size_t next = 0;
    int busy = 0, fatal = DSE_OK;
    for (int gi = 0; gi < plan->ngroups; ++gi)
        hand_out(comm, plan->first + gi * plan->gsize, &next, plan, 1, leader_task, &busy);
    double signalled_at = 0;
    double grace = o->grace_seconds > 0 ? o->grace_seconds : 60.0;
    while (busy > 0) {
        MPI_Status st;
        if (!wait_for_result(comm, &st, &signalled_at, grace, busy, co->journal, co->store)) {
            /* Grace expired: every finished task is journaled; abandon the rest. */
            summary->tasks_left = plan->ntask - co->done;
            printf("dsesweep: grace period of %.0f s over; abandoning %d in-flight task(s) "
                   "(recomputed next run); finished tasks are in %s\n",
                   grace, busy, co->journal);
            fflush(stdout);
            MPI_Abort(comm, 4);
        }
        task_outcome_t out;
        recv_outcome(&out, st.MPI_SOURCE, comm);
        busy--;
        const sweep_task_t *t = &plan->tasks[leader_task[st.MPI_SOURCE]];
        /* Journal (write + fsync), THEN print; after a failed append no
         * record is attempted and the tasks still arriving are not done. */
        int recorded = fatal == DSE_OK && (fatal = record(co, t, &out, err)) == DSE_OK;
        if (recorded)
            progress(co, t, &out, st.MPI_SOURCE);
        else
            not_done(co, t, err);
        free(out.spectrum);
        hand_out(comm, st.MPI_SOURCE, &next, plan, fatal == DSE_OK && !stop_signal, leader_task,
                 &busy);
        if (stop_signal) dse_store_mark_stopping(co->store, grace + 5.0); /* once */
    }
    if (stop_signal) dse_store_mark_stopping(co->store, 5.0); /* writing the store */
    free(leader_task);
    return fatal;
}

/* A worker: the leader takes tasks and shares them with its group. */
static void work(MPI_Comm comm, MPI_Comm g_comm, const dse_config_t *cfg, const sweep_plan_t *plan,
                 const mi_categories_t *mi)
{
    int grank;
    MPI_Comm_rank(g_comm, &grank);
    for (;;) {
        long long msg = -1;
        if (grank == 0) MPI_Recv(&msg, 1, MPI_LONG_LONG, 0, TAG_TASK, comm, MPI_STATUS_IGNORE);
        MPI_Bcast(&msg, 1, MPI_LONG_LONG, 0, g_comm);
        if (msg < 0) break;
        task_outcome_t out;
        run_task(g_comm, cfg, &plan->scan, mi, &plan->tasks[msg], &out);
        if (grank == 0) send_outcome(&out, 0, comm);
        free(out.spectrum);
    }
}

/* Collective on comm. The communicator of this rank's group: ranks first..
 * in groups of plan->gsize, leftovers joining the last group (MPI_COMM_NULL
 * on a rank 0 that only coordinates, first = 1). */
static MPI_Comm split_groups(MPI_Comm comm, const sweep_plan_t *plan)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int color =
        size == 1 ? 0 : (rank < plan->first ? MPI_UNDEFINED : (rank - plan->first) / plan->gsize);
    if (size > 1 && rank >= plan->first && color >= plan->ngroups) color = plan->ngroups - 1;
    MPI_Comm g_comm = MPI_COMM_NULL;
    MPI_Comm_split(comm, color, rank, &g_comm);
    return g_comm;
}

/* The coordinator as a thread of rank 0 (whose main thread computes). */
typedef struct {
    MPI_Comm comm;
    const dse_sweep_opts_t *o;
    const sweep_plan_t *plan;
    coordinator_t *co;
    dse_sweep_summary_t *summary;
    dse_err_t err;
    int fatal;
} coordinator_thread_t;

static void *coordinator_main(void *arg)
{
    coordinator_thread_t *ct = arg;
    ct->fatal = coordinate(ct->comm, ct->o, ct->plan, ct->co, ct->summary, &ct->err);
    return NULL;
}

/* Rank 0 of several: the coordinator in a thread while this thread computes
 * as the leader of group 0 (MPI_THREAD_MULTIPLE); else coordinates only. */
static int run_rank0(MPI_Comm comm, MPI_Comm g_comm, const dse_config_t *cfg,
                     const dse_sweep_opts_t *o, const sweep_plan_t *plan, const mi_categories_t *mi,
                     coordinator_t *co, dse_sweep_summary_t *summary, dse_err_t *err)
{
    if (plan->first == 1) return coordinate(comm, o, plan, co, summary, err);
    coordinator_thread_t ct = {comm, o, plan, co, summary, {0}, DSE_OK};
    dse_err_clear(&ct.err);
    pthread_t th;
    if (pthread_create(&th, NULL, coordinator_main, &ct) != 0) {
        fprintf(stderr, "dsesweep: error: cannot start the coordinator thread\n");
        MPI_Abort(comm, 1); /* the other ranks wait for their first task */
    }
    work(comm, g_comm, cfg, plan, mi);
    pthread_join(th, NULL);
    if (ct.fatal != DSE_OK) *err = ct.err;
    return ct.fatal;
}

/* Collective on comm. Rank 0's counts on every rank. */
static void share_summary(MPI_Comm comm, const sweep_plan_t *plan, const coordinator_t *co,
                          dse_sweep_summary_t *summary)
{
    summary->tasks_run = co->done;
    summary->tasks_failed = co->failed;
    summary->tasks_left = plan->ntask - co->done;
    summary->stop_signal = summary->tasks_left ? stop_signal : 0;
    unsigned long counts[3] = {summary->tasks_run, summary->tasks_failed, summary->tasks_left};
    MPI_Bcast(counts, 3, MPI_UNSIGNED_LONG, 0, comm);
    MPI_Bcast(&summary->stop_signal, 1, MPI_INT, 0, comm);
    summary->tasks_run = counts[0];
    summary->tasks_failed = counts[1];
    summary->tasks_left = counts[2];
}

/* Collective on comm. Many single-rank tasks at once is the throughput
 * setting: caps each rank's BLAS threads so that ranks x threads <= cores on
 * its node (e.g. --bind-to none without OPENBLAS_NUM_THREADS=1). Returns the
 * count before the cap on rank 0 if any rank was capped, else 0. */
static int cap_blas_threads(MPI_Comm comm)
{
    MPI_Comm node;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int local = 1;
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int cap = cores / local >= 1 ? (int)(cores / local) : 1;
    int before = dse_tune_blas_threads(), capped = 0;
    if (local > 1 && before > cap) {
        dse_tune_set_blas_threads(cap);
        capped = before;
    }
    MPI_Allreduce(MPI_IN_PLACE, &capped, 1, MPI_INT, MPI_MAX, comm);
    return capped;
}

/* Rank 0: the run's first lines: the tasks, the ranks that compute, the
 * eigensolver table in use. */
static void announce(int size, const sweep_plan_t *plan, const dse_sweep_summary_t *summary,
                     const dse_store_handle_t *store)
{
    printf("dsesweep: %zu checkpoint(s), %zu task(s) to run, %zu already in %s; %d rank(s), "
           "%d computing in %d group(s) of %d\n",
           summary->checkpoints, plan->ntask, summary->tasks_skipped, dse_store_path(store), size,
           size - plan->first, plan->ngroups, plan->gsize);
    if (size > 1 && plan->first)
        printf("dsesweep: MPI gives less than MPI_THREAD_MULTIPLE: rank 0 only coordinates\n");
    printf("dsesweep: %s\n", dse_tune_note());
    fflush(stdout);
}

int sweep_run_loop(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                   const sweep_plan_t *plan, const mi_categories_t *mi, dse_store_handle_t *store,
                   dse_sweep_summary_t *summary, dse_err_t *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    MPI_Comm g_comm = split_groups(comm, plan);
    coordinator_t co = {cfg,        &plan->scan, store,       dse_store_journal_path(store),
                        o->verbose, 0,           plan->ntask, 0,
                        0,          MPI_Wtime()};
    int capped = cap_blas_threads(comm);
    if (rank == 0 && o->verbose >= 0) announce(size, plan, summary, store);
    if (rank == 0 && o->verbose >= 0 && capped)
        printf("dsesweep: %d BLAS threads per rank would oversubscribe the cores: %d per rank "
               "(set OPENBLAS_NUM_THREADS=1 for a sweep)\n",
               capped, dse_tune_blas_threads());
    int fatal = DSE_OK;
    if (size == 1)
        fatal = run_alone(g_comm, plan, mi, &co, err);
    else if (rank == 0)
        fatal = run_rank0(comm, g_comm, cfg, o, plan, mi, &co, summary, err);
    else
        work(comm, g_comm, cfg, plan, mi);
    if (g_comm != MPI_COMM_NULL) MPI_Comm_free(&g_comm);
    if (fatal != DSE_OK && co.not_recorded) {
        char msg[DSE_ERR_MSG_MAX + 200];
        snprintf(msg, sizeof msg,
                 "%.800s; %zu finished task(s) could not be journaled and are not done "
                 "(listed above); the %zu journaled one(s) are kept",
                 err->msg, co.not_recorded, co.done);
        memcpy(err->msg, msg, sizeof err->msg - 1);
        err->msg[sizeof err->msg - 1] = '\0';
    }
    fatal = dse_comm_agree(comm, fatal, err);
    share_summary(comm, plan, &co, summary);
    return fatal;
}
