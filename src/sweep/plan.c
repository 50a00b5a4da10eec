/* plan.c — the scan, the task list and its order, the worker groups, and
 * `dsesweep scan`'s report of all that (see plan.h). */
#include "plan.h"
#include "preflight.h"
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/bounded.h"
#include "dsesweep/interval.h"
#include "dsesweep/cluster.h"
#include "dsesweep/dist.h"
#include "dsesweep/group.h"
#include "dsesweep/memory.h"
#include "dsesweep/score.h"
#include "dsesweep/source.h"
#include "dsesweep/tune.h"

/* Seconds of the quantities `bits` on m samples: the table's cost under the
 * bandwidth rules (one eigensolve per rule) in units of one kernel problem
 * (m^3), times one kernel problem's measured time (the kernel build and the
 * tuned eigensolver, tune.h). */
static double bits_seconds(const dse_params_t *p, uint64_t bits, size_t m, size_t d, int threads)
{
    if (m < 2) return 0;
    double cube = (double)m * (double)m * (double)m;
    double one = dse_tune_eigen_seconds(m, 1, threads) + dse_tune_kernel_seconds(m, d, threads);
    return dse_quantity_cost_params(bits, m, d, p) / cube * one;
}

/* Local. Ranks for a bounded DSE of n x d rows: the fewest (up to `most`)
 * on which K's panels can be kept (float64 or float32) within the budget,
 * else `most` (all share the rebuilt panels); *storage and *bytes (may be
 * NULL) receive how K is then held and the bytes per rank. */
static int bounded_group(const dse_params_t *p, size_t n, size_t d, size_t budget, int most,
                         dse_bounded_storage_t *storage, double *bytes)
{
    size_t k = n > 32 && p->max_k > n - 32 ? n - 32 : p->max_k; /* as the engine caps it */
    double b = 0;
    dse_bounded_storage_t st = DSE_BOUNDED_REBUILT;
    int g = 1;
    for (; g <= most; ++g)
        if ((st = dse_bounded_storage(n, d, k, 32, g, budget, &b)) != DSE_BOUNDED_REBUILT) break;
    if (g > most) g = most > 0 ? most : 1;
    if (storage) *storage = st;
    if (bytes) *bytes = b;
    return g;
}

/* Seconds of DSE by the bounded method on m samples on one rank
 * (docs/bounded.md): K built once (the measured kernel time: 2 m^2 d flops
 * and m^2 exponentials) and about BOUNDED_MODEL_PRODUCTS products with
 * blocks of 32 vectors (2 m^2 32 flops each, at the kernel build's rate);
 * when K cannot be kept within the budget every product rebuilds it. Per
 * bandwidth rule. */
#define BOUNDED_MODEL_PRODUCTS 40.0
static double bounded_seconds(const dse_params_t *p, size_t m, size_t d, size_t budget, int threads)
{
    double build = dse_tune_kernel_seconds(m, d, threads), per = 32.0 / (double)d;
    dse_bounded_storage_t st;
    bounded_group(p, m, d, budget, 1, &st, NULL);
    double one = st == DSE_BOUNDED_REBUILT ? BOUNDED_MODEL_PRODUCTS * build * (1.0 + per)
                                           : build * (1.0 + BOUNDED_MODEL_PRODUCTS * per);
    return dse_params_rule_count(p) * one;
}

double sweep_task_seconds(const dse_config_t *cfg, uint64_t n, uint64_t d, int family, int threads,
                          size_t budget)
{
    const dse_params_t *p = &cfg->params;
    size_t m = dse_params_rows_used(p, (size_t)n);
    uint64_t bits = family_bits(cfg, family);
    if (!family_is_mi(family) && (bits & DSE_Q(DSE)) &&
        dse_score_dse_method(p, m, (size_t)d, 64, budget, 1, 1) == DSE_METHOD_BOUNDED) {
        uint64_t rest = bits & ~(DSE_Q(DSE) | DSE_Q(ASE_ANISOTROPIC));
        return 0.01 + 4.0 * (double)n * (double)d / 1e9 +
               bounded_seconds(p, m, (size_t)d, budget, threads) +
               (rest ? bits_seconds(p, rest, m, (size_t)d, threads) : 0);
    }
    /* Reading and checking the file (float32 at ~1 GB/s) and the task's messages. */
    double fixed = 0.01 + 4.0 * (double)n * (double)d / 1e9;
    if (!family_is_mi(family)) { /* each sigma rule and each DSE subsample repeat: an eigensolve */
        double repeats =
            m < n && p->subsample_repeats > 1 && (bits & DSE_Q(DSE))
                ? (p->subsample_repeats - 1) * bits_seconds(p, DSE_Q(DSE), m, (size_t)d, threads)
                : 0;
        return fixed + bits_seconds(p, bits, m, (size_t)d, threads) + repeats;
    }
    /* MI: per class, its own subset and R random subsets of the same size.
     * The classes are not known here: n_clusters equal classes are assumed. */
    size_t classes = p->n_clusters > 1 ? (size_t)p->n_clusters : 1;
    size_t per_class = m / classes > 1 ? m / classes : 2;
    return fixed + (double)classes * (p->repetitions + 1) *
                       bits_seconds(p, bits, per_class, (size_t)d, threads);
}

int sweep_plan_scan(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                    sweep_plan_t *plan, dse_err_t *err)
{
    memset(plan, 0, sizeof *plan);
    int rank;
    MPI_Comm_rank(comm, &rank);
    DSE_TRY(dse_comm_agree(comm, rank == 0 ? dse_scan_tree(cfg, &plan->scan, err) : DSE_OK, err));
    DSE_TRY(dse_scan_bcast(comm, 0, &plan->scan, err));
    if (rank == 0 && o->verbose >= 0)
        for (size_t i = 0; i < plan->scan.n_warnings; ++i)
            fprintf(stderr, "dsesweep: warning: %s\n", plan->scan.warnings[i]);
    return DSE_OK;
}

int sweep_plan_checksums(MPI_Comm comm, sweep_plan_t *plan, dse_err_t *err)
{
    return dse_scan_checksums(comm, &plan->scan, err);
}

/* Rank 0: marks in todo[i * N_FAMILIES + f] the tasks of this shard that the
 * store does not hold, or holds as failed (retried unless --no-retry);
 * counts them in summary. */
static void mark_todo(const dse_config_t *cfg, const dse_sweep_opts_t *o,
                      const dse_store_handle_t *store, const int *wanted, const dse_scan_t *scan,
                      unsigned char *todo, dse_sweep_summary_t *summary)
{
    const dse_store_t *s = dse_store_tables(store);
    size_t kept_failed = 0;
    for (size_t i = 0; i < scan->count; ++i) {
        if ((int)(i % (size_t)o->shard_count) != o->shard_index) continue;
        summary->checkpoints++;
        const dse_checkpoint_t *c = &scan->items[i];
        for (int f = 0; f < N_FAMILIES; ++f) {
            if (!wanted[f] || !family_bits(cfg, f)) continue;
            summary->tasks_total++;
            if (dse_store_has_task(store, c->path, c->checksum, family_name(f))) {
                int failed = dse_store_has_failed(s, c->path, c->checksum, family_name(f));
                if (!failed || o->no_retry) {
                    summary->tasks_skipped++;
                    kept_failed += (size_t)failed;
                    continue;
                }
                summary->tasks_retried++;
            }
            todo[i * N_FAMILIES + (size_t)f] = 1;
        }
    }
    if (o->verbose >= 0 && summary->tasks_retried)
        printf("dsesweep: %zu failed task(s) run again (--no-retry keeps them as they are)\n",
               summary->tasks_retried);
    if (o->verbose >= 0 && kept_failed)
        printf("dsesweep: %zu failed task(s) kept as they are (--no-retry)\n", kept_failed);
}

static int cmp_task(const void *a, const void *b)
{
    const sweep_task_t *x = a, *y = b;
    if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
    if (x->checkpoint != y->checkpoint) return x->checkpoint < y->checkpoint ? -1 : 1;
    return x->family - y->family;
}

/* Collective on comm. Computing groups of the size dse_dist_choose_group
 * gives the largest problem: every rank computes when MPI gives
 * MPI_THREAD_MULTIPLE (rank 0's coordinator runs in a thread), else ranks
 * 1.. do and rank 0 only coordinates. */
static void plan_groups(MPI_Comm comm, const dse_config_t *cfg, sweep_plan_t *plan)
{
    int size, level = MPI_THREAD_SINGLE;
    MPI_Comm_size(comm, &size);
    MPI_Query_thread(&level);
    plan->gsize = 1;
    plan->ngroups = 1;
    plan->first = 0;
    if (size == 1) return;
    plan->first = level == MPI_THREAD_MULTIPLE ? 0 : 1;
    int workers = size - plan->first, p;
    size_t budget = dse_memory_budget(cfg->memory_budget, comm);
    dse_err_t e; /* a problem no group fits fails as its own task */
    if (cfg->group_size != 0 &&
        dse_dist_choose_group(0, 0, 64, budget, cfg->group_size, workers, &p, &e) == DSE_OK)
        plan->gsize = p;
    for (size_t i = 0; cfg->group_size == 0 && i < plan->ntask; ++i) {
        const dse_checkpoint_t *c = &plan->scan.items[plan->tasks[i].checkpoint];
        size_t n = dse_params_rows_used(&cfg->params, (size_t)c->n);
        int g = 0;
        if (plan->tasks[i].family == FAM_SPECTRAL && (cfg->quantities & DSE_Q(DSE)) &&
            dse_score_dse_method(&cfg->params, n, c->d, 64, budget, 0, workers) ==
                DSE_METHOD_BOUNDED)
            g = bounded_group(&cfg->params, n, c->d, budget, workers, NULL, NULL);
        else if (dse_dist_choose_group(n, c->d, 64, budget, 0, workers, &p, &e) == DSE_OK)
            g = p;
        if (g > plan->gsize) plan->gsize = g;
    }
    if (plan->gsize > workers) plan->gsize = workers;
    plan->ngroups = workers / plan->gsize;
}

int sweep_plan_tasks(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                     const dse_store_handle_t *store, const int *wanted, sweep_plan_t *plan,
                     dse_sweep_summary_t *summary, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    const dse_scan_t *scan = &plan->scan;
    size_t slots = scan->count * N_FAMILIES;
    int threads = dse_tune_blas_threads();
    MPI_Bcast(&threads, 1, MPI_INT, 0, comm);                    /* one order on every rank */
    size_t budget = dse_memory_budget(cfg->memory_budget, comm); /* as plan_groups */
    plan->tasks = DSE_CALLOC(slots + 1, sizeof *plan->tasks, err);
    unsigned char *todo = DSE_CALLOC(slots + 1, 1, err);
    int rc = dse_comm_agree(comm, plan->tasks && todo ? DSE_OK : DSE_ENOMEM, err);
    if (rc == DSE_OK && rank == 0) mark_todo(cfg, o, store, wanted, scan, todo, summary);
    if (rc == DSE_OK) MPI_Bcast(todo, (int)slots, MPI_UNSIGNED_CHAR, 0, comm);
    for (size_t i = 0; rc == DSE_OK && i < slots; ++i)
        if (todo[i]) {
            const dse_checkpoint_t *c = &scan->items[i / N_FAMILIES];
            int f = (int)(i % N_FAMILIES);
            plan->tasks[plan->ntask++] = (sweep_task_t){
                i / N_FAMILIES, f, sweep_task_seconds(cfg, c->n, c->d, f, threads, budget)};
        }
    free(todo);
    if (rc != DSE_OK) return rc;
    qsort(plan->tasks, plan->ntask, sizeof *plan->tasks, cmp_task); /* largest first */
    plan_groups(comm, cfg, plan);
    return DSE_OK;
}

void sweep_plan_free(sweep_plan_t *plan)
{
    dse_scan_free(&plan->scan);
    free(plan->tasks);
    memset(plan, 0, sizeof *plan);
}

/* Rank 0: the reference X's line of the scan report. */
static void report_reference(const dse_config_t *cfg)
{
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

/* Rank 0: the bandwidth check of `scan` (docs/report.md): the first and the
 * last checkpoint of each run (at most 16), 500 seeded rows each, against
 * every rule whose sigma does not adapt to the data; warnings only. */
static void report_bandwidth(const dse_config_t *cfg, const dse_scan_t *scan)
{
    const dse_params_t *p = &cfg->params;
    for (size_t i = 0, checked = 0; i < scan->count && checked < 16; ++i) {
        const dse_checkpoint_t *c = &scan->items[i];
        int first = i == 0 || strcmp(c->run, scan->items[i - 1].run);
        int last = i + 1 == scan->count || strcmp(c->run, scan->items[i + 1].run);
        if (c->error || !(first || last)) continue;
        checked++;
        double med;
        size_t d;
        dse_err_t e;
        if (dse_score_sample_median(c->spec, 500, p->seed, &med, NULL, &d, &e) != DSE_OK) continue;
        for (int r = 0; r < dse_params_rule_count(p); ++r) {
            dse_sigma_rule_t rule = dse_params_rule_at(p, r);
            double sigma = rule.kind == DSE_SIGMA_SQRT_D ? sqrt((double)d) : rule.value * med;
            if (rule.kind == DSE_SIGMA_FIXED) sigma = rule.value;
            int check = rule.kind == DSE_SIGMA_KNN ? 0 : dse_score_sigma_check(sigma, med);
            char text[32];
            if (check)
                printf("warning: %s step %lld: sigma %s = %.4g, median distance %.4g (500 rows): "
                       "%s\n",
                       c->run, (long long)c->step, dse_sigma_format(&rule, text, sizeof text),
                       sigma, med, dse_score_sigma_warning(check));
        }
    }
}

/* Local. The families `scan` counts: those with quantities and their input. */
static void scan_families(const dse_config_t *cfg, int *counted)
{
    int with_ref = cfg->reference && *cfg->reference;
    for (int f = 0; f < N_FAMILIES; ++f)
        counted[f] = family_bits(cfg, f) &&
                     (f < FAM_MI || (f == FAM_MI ? cfg->labels && *cfg->labels : with_ref));
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* Local. Wall time of tasks of these durations handed out largest first to
 * `slots` computing ranks as each comes free (what the run loop does). */
static double makespan(double *secs, size_t n, int slots)
{
    qsort(secs, n, sizeof *secs, cmp_desc);
    double load[256] = {0}, end = 0;
    if (slots < 1) slots = 1;
    if (slots > 256) slots = 256;
    for (size_t i = 0; i < n; ++i) {
        int best = 0;
        for (int r = 1; r < slots; ++r)
            if (load[r] < load[best]) best = r;
        load[best] += secs[i];
        if (load[best] > end) end = load[best];
    }
    return end;
}

/* Rank 0: the eigensolver per problem size (distinct sizes, up to 8). */
static void report_drivers(const dse_config_t *cfg, const dse_scan_t *scan, int threads,
                           size_t budget, int ranks)
{
    size_t seen[8], k = 0;
    const dse_params_t *p = &cfg->params;
    int f32 = p->precision == DSE_PRECISION_FLOAT32;
    printf("eigensolver per size (%s; %d BLAS thread(s) per rank; precision %s):\n",
           dse_tune_source(), threads, dse_precision_name(p->precision));
    for (size_t i = 0; i < scan->count && k < 8; ++i) {
        const dse_checkpoint_t *c = &scan->items[i];
        size_t m = dse_params_rows_used(p, (size_t)c->n);
        int dup = c->error != NULL || m < 2;
        for (size_t j = 0; j < k && !dup; ++j)
            dup = seen[j] == m;
        if (dup) continue;
        seen[k++] = m;
        /* The rank count run would give it (a group when one rank's budget is short). */
        int g = 1, r = 1, q = 1;
        dse_err_t ignored;
        if (dse_dist_choose_group(m, (size_t)c->d, 64, budget, cfg->group_size, ranks, &g,
                                  &ignored) != DSE_OK)
            g = ranks;
        dse_group_grid_shape(g, &r, &q);
        dse_eigen_driver_t drv =
            f32 ? dse_eigen_float32_driver(DSE_EIGEN_FLOAT32_AUTO, m, g)
                : dse_dist_driver_for_budget(m, (size_t)c->d, r, q, 64, budget);
        char mem[32];
        dse_format_bytes((double)dse_dist_bytes_per_rank_driver(m, (size_t)c->d, r, q, 64, drv),
                         mem, sizeof mem);
        printf("  N = %-7zu %-14s on %d rank(s), %s per rank", m, dse_eigen_driver_name(drv), g,
               mem);
        if (!f32)
            printf(", %.2f s per spectrum", g > 1 ? dse_tune_driver_seconds(drv, m, g, 1)
                                                  : dse_tune_eigen_seconds(m, 1, threads));
        printf("\n");
    }
}

/* Rank 0: how DSE's spectrum is obtained (method, score.h): how many
 * checkpoints get the dense solve and how many the bounded method, and for
 * the largest bounded one how K is held and the bytes per rank. */
static void report_method(const dse_config_t *cfg, const dse_scan_t *scan, int shards, int shard,
                          size_t budget)
{
    const dse_params_t *p = &cfg->params;
    if (!(cfg->quantities & DSE_Q(DSE))) return;
    size_t exact = 0, bounded = 0, small = 0, big_n = 0, big_d = 0;
    for (size_t i = 0; i < scan->count; ++i) {
        const dse_checkpoint_t *c = &scan->items[i];
        if ((int)(i % (size_t)shards) != shard || c->error) continue;
        size_t m = dse_params_rows_used(p, (size_t)c->n);
        if (dse_score_dse_method(p, m, (size_t)c->d, 64, budget, 1, 1) == DSE_METHOD_EXACT) {
            exact++;
        } else {
            bounded++;
            small += m < DSE_METHOD_BOUNDED_MIN_N;
            if (m > big_n) big_n = m, big_d = (size_t)c->d;
        }
    }
    printf("DSE method %s: %zu checkpoint(s) by the dense solve, %zu by the bounded method "
           "(tol %g bits, max_k %zu)\n",
           dse_method_name(p->method), exact, bounded, p->tol, p->max_k);
    if (!bounded) return;
    if (small)
        printf("warning: %zu of them have fewer than %d rows, too few for the bounded method: "
               "their spectral tasks will fail (method exact or auto scores them)\n",
               small, DSE_METHOD_BOUNDED_MIN_N);
    for (int r = 0; r < p->n_rules; ++r)
        if (p->rules[r].kind == DSE_SIGMA_KNN)
            printf("warning: sigma knn:%d: the bounded method takes fixed, sqrt_d and median "
                   "bandwidths; the bounded checkpoints' spectral tasks will fail\n",
                   p->rules[r].k);
    double bytes;
    char a[32];
    dse_bounded_storage_t st;
    int g = bounded_group(p, big_n, big_d, budget, 1, &st, &bytes);
    printf("  largest bounded problem N = %zu, D = %zu on %d rank: K %s, %s per rank\n", big_n,
           big_d, g, dse_interval_storage_text(st), dse_format_bytes(bytes, a, sizeof a));
    if (st == DSE_BOUNDED_REBUILT) {
        g = bounded_group(p, big_n, big_d, budget, 4096, &st, &bytes);
        if (st != DSE_BOUNDED_REBUILT)
            printf("  (K %s from %d ranks per group, %s per rank: `run` forms such groups when "
                   "it has the ranks)\n",
                   dse_interval_storage_text(st), g, dse_format_bytes(bytes, a, sizeof a));
    }
}

/* Rank 0: the estimate: every task's predicted seconds, spread over the
 * ranks that compute, plus start-up and the store's write. */
static void report_estimate(const dse_config_t *cfg, const dse_scan_t *scan, const int *counted,
                            int shards, int shard, int size, int threads, size_t budget)
{
    double *secs = malloc((scan->count * N_FAMILIES + 1) * sizeof *secs), total = 0;
    size_t n = 0;
    for (size_t i = 0; secs && i < scan->count; ++i) {
        const dse_checkpoint_t *c = &scan->items[i];
        if ((int)(i % (size_t)shards) != shard || c->error) continue;
        for (int f = 0; f < N_FAMILIES; ++f)
            if (counted[f])
                total += secs[n++] = sweep_task_seconds(cfg, c->n, c->d, f, threads, budget);
    }
    int level = MPI_THREAD_SINGLE;
    MPI_Query_thread(&level);
    int computing = size == 1 || level == MPI_THREAD_MULTIPLE ? size : size - 1;
    double wall = secs ? makespan(secs, n, computing) : total / computing;
    /* MPI start-up and shut-down (~0.6 s measured with mpiexec -n 2), scan,
     * checksums, journal, store write (~0.5 s on the demo). */
    double fixed = 1.1 + 0.002 * (double)n;
    printf("estimated time on %d rank(s) (%d computing, %d BLAS thread(s) each): %.1f s "
           "(%.1f s of tasks in all; model: docs/performance.md)\n",
           size, computing, threads, wall + fixed, total);
    free(secs);
}

/* Local (rank 0). The pre-flight checks as `run` makes them: a reference X
 * that cannot be read passes when the store holds a clustering of it. */
static int scan_preflight(const dse_config_t *cfg, const char *store, const dse_scan_t *scan,
                          int shard, int shards, dse_err_t *err)
{
    int rc = sweep_preflight(cfg, scan, shard, shards, NULL, err);
    if (rc == DSE_OK || !cfg->reference || !*cfg->reference) return rc;
    dse_store_handle_t *h = NULL;
    dse_err_t e;
    if (dse_store_open(MPI_COMM_NULL, store, DSE_STORE_READ_ONLY, &h, &e) != DSE_OK) return rc;
    rc = sweep_preflight(cfg, scan, shard, shards, dse_store_reference(h), err);
    dse_store_close(&h);
    return rc;
}

int dse_sweep_scan_report(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *opts,
                          dse_err_t *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    dse_scan_t scan = {0};
    int shards = opts && opts->shard_count > 1 ? opts->shard_count : 1;
    int shard = opts ? opts->shard_index : 0;
    int rc = rank == 0 ? dse_scan_tree(cfg, &scan, err) : DSE_OK;
    const char *store = opts && opts->store_override ? opts->store_override : cfg->store;
    if (rc == DSE_OK && rank == 0) rc = scan_preflight(cfg, store, &scan, shard, shards, err);
    rc = dse_comm_agree(comm, rc, err);
    if (rc != DSE_OK) sweep_drop_rank(err);
    if (rc != DSE_OK || rank != 0) {
        dse_scan_free(&scan);
        return rc;
    }
    size_t budget = dse_memory_budget(cfg->memory_budget, MPI_COMM_SELF);
    printf("%-4s %-16s %8s %8s %6s  %s\n", "#", "run", "step", "N", "D", "path");
    size_t count = 0, fams = 0, max_n = 0, max_d = 0, bad = 0;
    int counted[N_FAMILIES], threads = dse_tune_blas_threads();
    scan_families(cfg, counted);
    for (int f = 0; f < N_FAMILIES; ++f)
        fams += (size_t)counted[f];
    for (size_t i = 0; i < scan.count; ++i) {
        if ((int)(i % (size_t)shards) != shard) continue;
        const dse_checkpoint_t *c = &scan.items[i];
        count++;
        char step[24] = "-"; /* no step: one checkpoint per run */
        if (c->step >= 0) snprintf(step, sizeof step, "%lld", (long long)c->step);
        printf("%-4zu %-16s %8s %8llu %6llu  %s%s%s\n", i, c->run, step, (unsigned long long)c->n,
               (unsigned long long)c->d, c->rel, c->error ? "  ERROR: " : "",
               c->error ? c->error : "");
        size_t n = dse_params_rows_used(&cfg->params, (size_t)c->n);
        if (c->error)
            bad++;
        else if (n > max_n)
            max_n = n, max_d = c->d;
    }
    for (size_t i = 0; i < scan.n_warnings; ++i)
        printf("warning: %s\n", scan.warnings[i]);
    if (cfg->reference && *cfg->reference) report_reference(cfg);
    report_bandwidth(cfg, &scan);
    char a[32], b[32];
    size_t need = dse_dist_bytes_per_rank(max_n, max_d, 1, 1, 64);
    printf("\n%zu checkpoint(s) (%zu unreadable), %zu task(s) = checkpoints x %zu famil%s\n", count,
           bad, count * fams, fams, fams == 1 ? "y" : "ies");
    printf("largest problem N = %zu, D = %zu: %s per rank on one rank (budget %s per rank)\n",
           max_n, max_d, dse_format_bytes((double)need, a, sizeof a),
           dse_format_bytes((double)budget, b, sizeof b));
    report_method(cfg, &scan, shards, shard, budget);
    report_drivers(cfg, &scan, threads, budget, size);
    report_estimate(cfg, &scan, counted, shards, shard, size, threads, budget);
    dse_scan_free(&scan);
    return DSE_OK;
}
