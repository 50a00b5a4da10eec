/* score.c — all quantities for one embeddings matrix, on any number of ranks. */
#include "dsesweep/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/bounded.h"
#include "dsesweep/interval.h"
#include "dsesweep/kernel.h"
#include "dsesweep/measure.h"
#include "dsesweep/median.h"
#include "dsesweep/group.h"
#include "dsesweep/mi.h"
#include "dsesweep/source.h"
#include "dsesweep/tune.h"

/* ---- the task list ------------------------------------------------------ */

/* One computation: a basis row of the quantity table on the subsample rows,
 * or on one MI subset. */
typedef struct {
    dse_quantity_id_t basis; /* the row that owns the computation */
    int mi;                  /* 1: an MI subset task */
    size_t mi_task;          /* mi: index in the MI task list */
    int rep;                 /* subsample repeat (0: the max_N subsample; >0: DSE repeats) */
    size_t rows;             /* rows the task works on */
    size_t offset, len;      /* its slot in the flat result buffer */
    double cost;             /* estimated flops, for largest-first assignment */
    int big;                 /* runs on the big group */
    int bounded;             /* DSE by the bounded method: on every rank of the communicator
                                (the input's) or on its owner alone (an MI subset) */
    int owner;               /* rank that runs it (single-rank tasks) */
} task_t;

typedef struct {
    task_t *t;
    size_t count, cap;
} task_list_t;

static const task_t *find_rep(const task_list_t *tl, dse_quantity_id_t basis, int mi,
                              size_t mi_task, int rep)
{
    for (size_t i = 0; i < tl->count; ++i)
        if (tl->t[i].basis == basis && tl->t[i].mi == mi && tl->t[i].mi_task == mi_task &&
            tl->t[i].rep == rep)
            return &tl->t[i];
    return NULL;
}

static const task_t *find_task(const task_list_t *tl, dse_quantity_id_t basis, int mi,
                               size_t mi_task)
{
    return find_rep(tl, basis, mi, mi_task, 0);
}

/* Adds the computation of q's basis on `rows` rows (subsample repeat rep)
 * unless it is listed already (shared bases run once) or does not apply
 * (length 0). Computations that use sigma cost one eigensolve per rule. */
static int add_task(task_list_t *tl, const dse_params_t *p, dse_quantity_id_t q, int mi,
                    size_t mi_task, int rep, size_t rows, size_t d, dse_err_t *err)
{
    dse_quantity_id_t b = dse_quantity_basis(q);
    size_t len = dse_quantity_length(b, rows, d, p);
    if (find_rep(tl, b, mi, mi_task, rep) || (len == 0 && !mi)) return DSE_OK;
    DSE_TRY(DSE_GROW(&tl->t, tl->count, &tl->cap, err));
    tl->t[tl->count++] = (task_t){.basis = b,
                                  .mi = mi,
                                  .mi_task = mi_task,
                                  .rep = rep,
                                  .rows = rows,
                                  .len = len,
                                  .cost = dse_quantity_cost_params(DSE_Q_BIT(b), rows, d, p)};
    return DSE_OK;
}

/* 1 when MI runs with an adaptive rule: its subsets then use the bandwidth
 * resolved on the whole (subsampled) input, read from DSE's computation when
 * DSE is scored too, else from a distances-only pass (resolve_bandwidths). */
static int mi_needs_resolution(const dse_score_input_t *in, const dse_params_t *p, uint64_t bits)
{
    if (!in->cat || !(bits & DSE_Q_MI_ALL)) return 0;
    for (int r = 0; r < p->n_rules; ++r)
        if (dse_sigma_is_adaptive(&p->rules[r])) return 1;
    return 0;
}

/* The tasks of bits in table order: first the quantities on the subsample,
 * then DSE's subsample repeats, then every subset of every MI quantity. */
static int build_tasks(const dse_score_input_t *in, const dse_params_t *p, uint64_t bits,
                       size_t n_used, int reps, task_list_t *tl, dse_err_t *err)
{
    DSE_QUANTITY_FOREACH (q, bits & ~DSE_Q_MI_ALL, DSE_QFAMILY_COUNT)
        DSE_TRY(add_task(tl, p, q, 0, 0, 0, n_used, in->d, err));
    for (int b = 1; b < reps && (bits & DSE_Q(DSE)); ++b)
        DSE_TRY(add_task(tl, p, DSE_QID_DSE, 0, 0, b, n_used, in->d, err));
    if (!in->cat) return DSE_OK;
    size_t ntask = dse_mi_task_count(in->cat, p);
    DSE_QUANTITY_FOREACH (q, bits, DSE_QFAMILY_MI)
        for (size_t k = 0; k < ntask; ++k)
            DSE_TRY(add_task(tl, p, q, 1, k, 0, dse_mi_task_size(in->cat, p, k), in->d, err));
    return DSE_OK;
}

/* 1 for a task every rank of the score's communicator runs together (the
 * bounded DSE of the input: its products are shared by all ranks). */
static int on_all_ranks(const task_t *t)
{
    return t->bounded && !t->mi;
}

/* Largest-first assignment of the single-rank tasks to the least loaded
 * rank (ties: lowest rank). Deterministic in the task list and size. */
static int assign_owners(task_list_t *tl, int size, dse_err_t *err)
{
    size_t *order = DSE_MALLOC(tl->count + 1, sizeof *order, err);
    double *load = order ? DSE_CALLOC((size_t)size, sizeof *load, err) : NULL;
    if (!load) {
        free(order);
        return err->code;
    }
    size_t k = 0;
    for (size_t i = 0; i < tl->count; ++i)
        if (!tl->t[i].big && !on_all_ranks(&tl->t[i])) order[k++] = i;
    /* Stable insertion sort by cost, descending (task lists are small). */
    for (size_t i = 1; i < k; ++i) {
        size_t v = order[i], j = i;
        while (j > 0 && tl->t[order[j - 1]].cost < tl->t[v].cost) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    for (size_t i = 0; i < k; ++i) {
        int best = 0;
        for (int r = 1; r < size; ++r)
            if (load[r] < load[best]) best = r;
        tl->t[order[i]].owner = best;
        load[best] += tl->t[order[i]].cost + 1.0;
    }
    free(order);
    free(load);
    return DSE_OK;
}

/* ---- running tasks ------------------------------------------------------ */

/* Reads the given input rows into a new buffer. */
static int gather(const dse_score_input_t *in, const size_t *rows, size_t count, double **out,
                  dse_err_t *err)
{
    *out = DSE_MALLOC(count * in->d + 1, sizeof **out, err);
    if (!*out) return err->code;
    int rc = in->read(in->ctx, rows, count, *out, err);
    if (rc != DSE_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Refuses, with the figures, a single-rank task over the per-rank budget. */
static int check_budget(const task_t *t, size_t d, const dse_params_t *p, size_t budget,
                        dse_err_t *err)
{
    double need = dse_quantity_bytes(DSE_Q_BIT(t->basis), t->rows, d);
    /* Several rules keep the distances beside the kernel. */
    if (dse_params_rule_count(p) > 1 && dse_quantity_uses_sigma(t->basis))
        need += 8.0 * (double)t->rows * (double)t->rows;
    if (!budget || need <= (double)budget) return DSE_OK;
    char a[32], b[32];
    return DSE_RAISE(err, DSE_ENOMEM,
                     "a %zu-sample single-rank task needs %s but the budget is %s per rank",
                     t->rows, dse_format_bytes(need, a, sizeof a),
                     dse_format_bytes((double)budget, b, sizeof b));
}

/* Reads a task's rows (the subsample's, or an MI subset's) into a new buffer. */
static int task_rows(const dse_score_input_t *in, const dse_params_t *p, size_t *const *subs,
                     const task_t *t, double **z, dse_err_t *err)
{
    const size_t *sub = subs[t->rep];
    size_t *rows = DSE_MALLOC(in->n + 1, sizeof *rows, err);
    if (!rows) return err->code;
    size_t count = t->rows;
    int rc = DSE_OK;
    if (t->mi) {
        rc = dse_mi_task_rows(in->cat, p, t->mi_task, rows, &count, err);
    } else {
        for (size_t i = 0; i < count; ++i)
            rows[i] = sub ? sub[i] : i;
    }
    if (rc == DSE_OK && count != t->rows)
        rc = DSE_RAISE(err, DSE_EUSAGE, "task of %zu rows read %zu", t->rows, count);
    if (rc == DSE_OK) rc = gather(in, rows, count, z, err);
    free(rows);
    return rc;
}

static int run_bounded(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p,
                       size_t *const *subs, const task_t *t, const double *ts, size_t nt,
                       double median, size_t budget, double *res, dse_err_t *err);

/* Runs one single-rank task and writes its result into res[t->offset ...]. */
static int run_single(const dse_score_input_t *in, const dse_params_t *p, size_t *const *subs,
                      const task_t *t, const double *ts, size_t nt, size_t budget, double *res,
                      dse_err_t *err)
{
    if (t->bounded)
        return run_bounded(MPI_COMM_SELF, in, p, subs, t, ts, nt, NAN, budget, res, err);
    DSE_TRY(check_budget(t, in->d, p, budget, err));
    double *z = NULL;
    DSE_TRY(task_rows(in, p, subs, t, &z, err));
    int rc = dse_quantity_get(t->basis)->compute(t->rows, in->d, z, p, res + t->offset, err);
    free(z);
    return rc;
}

/* Runs one big task on the group; comm rank 0 keeps the result. */
static int run_big(const dse_group_t *g, const dse_score_input_t *in, const dse_params_t *p,
                   size_t *const *subs, const task_t *t, const dse_score_opts_t *o, size_t budget,
                   double *res, dse_dist_stats_t *stats, dse_err_t *err)
{
    dse_mapped_rows_t mr = {in->read, in->ctx, subs[t->rep]};
    double *w = DSE_MALLOC(t->len + 1, sizeof *w, err);
    int rc = dse_group_agree(g, w ? DSE_OK : err->code, err);
    if (rc != DSE_OK) {
        free(w);
        return rc;
    }
    rc = dse_quantity_get(t->basis)->dist(g, t->rows, in->d, dse_mapped_rows_read, &mr, p, o->nb,
                                          budget, w, stats, err);
    if (rc == DSE_OK && g->rank == 0) memcpy(res + t->offset, w, t->len * sizeof *w);
    free(w);
    return rc;
}

/* ---- DSE by the bounded method (docs/bounded.md) ---------------------------- */

dse_method_t dse_score_dse_method(const dse_params_t *p, size_t m, size_t d, int nb, size_t budget,
                                  int group_size, int ranks)
{
    if (p->method != DSE_METHOD_AUTO) return p->method;
    if (m < DSE_METHOD_BOUNDED_MIN_N) return DSE_METHOD_EXACT; /* its budget refusal stands */
    if (m > DSE_METHOD_AUTO_MAX_N) return DSE_METHOD_BOUNDED;
    int g;
    dse_err_t ignored;
    return dse_dist_choose_group(m, d, nb ? nb : 64, budget, group_size, ranks, &g, &ignored) ==
                   DSE_OK
               ? DSE_METHOD_EXACT
               : DSE_METHOD_BOUNDED;
}

/* 1 when task t's DSE is to come from the bounded method: the input's as
 * dse_score_dse_method says, an MI subset's the same on one rank, but
 * subsets under DSE_METHOD_BOUNDED_MIN_N rows stay exact. */
static int use_bounded(const dse_params_t *p, const task_t *t, size_t d, int nb, size_t budget,
                       int group_size, int size)
{
    if (t->basis != DSE_QID_DSE || (t->mi && t->rows < DSE_METHOD_BOUNDED_MIN_N)) return 0;
    return dse_score_dse_method(p, t->rows, d, nb, budget, t->mi ? 1 : group_size,
                                t->mi ? 1 : size) == DSE_METHOD_BOUNDED;
}

/* The powers a bounded run evaluates: the score's t and 1 (ASE_anisotropic). */
static size_t bounded_powers(const double *ts, size_t nt, double *out)
{
    size_t m = 0;
    int has1 = 0;
    for (size_t i = 0; i < nt; ++i) {
        out[m++] = ts[i];
        has1 |= ts[i] == 1.0;
    }
    if (!has1) out[m++] = 1.0;
    return m;
}

/* 1 when a rule of p is median*C. */
static int needs_median(const dse_params_t *p)
{
    for (int r = 0; r < p->n_rules; ++r)
        if (p->rules[r].kind == DSE_SIGMA_MEDIAN) return 1;
    return 0;
}

/* The scalar bandwidth of rule r for the bounded operator: fixed, sqrt_d,
 * or median*C with the median over every pair (the same as the dense
 * path's, streamed: median.h; for MI subsets adaptive rules arrive
 * resolved). knn:K has one bandwidth per sample, which the operator lacks. */
static int bounded_sigma(const dse_params_t *p, int r, size_t d, double median, double *sigma,
                         dse_err_t *err)
{
    dse_sigma_rule_t rule = dse_params_rule_at(p, r);
    if (rule.kind == DSE_SIGMA_KNN)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "the bounded method takes fixed, sqrt_d and median bandwidths, not "
                         "knn:%d (use method exact)",
                         rule.k);
    return dse_kernel_rule_sigma(&rule, d, median, sigma, err);
}

/* Collective on comm (the input's communicator, or MPI_COMM_SELF for an MI
 * subset): DSE of task t's rows by the bounded method, once per bandwidth
 * rule, at every power t and 1; comm's rank 0 encodes each rule's result
 * into its block of res (interval.h) followed by the sigma it used. */
static int run_bounded(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p,
                       size_t *const *subs, const task_t *t, const double *ts, size_t nt,
                       double median, size_t budget, double *res, dse_err_t *err)
{
    double powers[DSE_MAX_T + 1];
    if (nt > DSE_MAX_T)
        return DSE_RAISE(err, DSE_EUSAGE, "the bounded method takes at most %d powers t",
                         DSE_MAX_T);
    size_t np = bounded_powers(ts, nt, powers);
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    double *z = NULL;
    int rc = task_rows(in, p, subs, t, &z, err);
    rc = dse_comm_agree(comm, rc, err);
    if (rc == DSE_OK && needs_median(p)) /* the dense path's median, exactly */
        rc = dse_median_distance_stream(comm, t->rows, in->d, z, median, 0, &median, err);
    int R = dse_params_rule_count(p);
    size_t per = t->len / (size_t)R;
    for (int r = 0; rc == DSE_OK && r < R; ++r) {
        double sigma = 0;
        rc = bounded_sigma(p, r, in->d, median, &sigma, err);
        dse_bounded_opts_t bo = {.tol = p->tol,
                                 .max_k = p->max_k,
                                 .block = 32,
                                 .budget_bytes = budget,
                                 .seed = p->seed,
                                 .statistical_tail = 1};
        dse_bounded_result_t br = {0};
        if (rc == DSE_OK)
            rc = dse_bounded_dse(comm, t->rows, in->d, z, sigma, powers, np, &bo, &br, err);
        double *blk = res + t->offset + (size_t)r * per;
        if (rc == DSE_OK && rank == 0) {
            rc = dse_interval_encode(&br, p->tol, size, blk, t->rows, err);
            for (size_t x = t->rows; x < per; ++x) /* the sigma used: median, min, max */
                blk[x] = sigma;
        }
        dse_bounded_result_free(&br);
        rc = dse_comm_agree(comm, rc, err);
    }
    free(z);
    return rc;
}

/* ---- results ------------------------------------------------------------- */

typedef struct {
    dse_score_t *out;
    size_t cap;
    dse_err_t *err;
} entries_t;

/* An entry of an exact computation (no interval). */
static dse_score_entry_t exact_entry(dse_quantity_id_t q, double t, double value, double se,
                                     int rule, dse_sigma_used_t su)
{
    return (dse_score_entry_t){.quantity = q,
                               .t = t,
                               .value = value,
                               .se = se,
                               .rule = rule,
                               .sigma = su,
                               .method = DSE_METHOD_EXACT,
                               .lower = NAN,
                               .upper = NAN};
}

/* A DSE-based entry q from bounded tasks: the interval at `power` (the mean
 * of the subsample repeats' bounds), how it was obtained, and, when one of
 * them is statistical, statistical. Leaves e alone for exact tasks. */
static void add_interval(const task_list_t *tl, const double *res, const dse_params_t *pr,
                         dse_quantity_id_t q, double power, dse_score_entry_t *e)
{
    double lo = 0, hi = 0;
    size_t B = 0;
    int float32 = 0;
    for (const task_t *k; (k = find_rep(tl, DSE_QID_DSE, 0, 0, (int)B)); ++B) {
        dse_interval_info_t in;
        if (!dse_quantity_interval(q, res + k->offset, k->len, power, pr, &in)) return;
        lo += in.lower;
        hi += in.upper;
        e->statistical |= in.statistical;
        e->k = in.k;
        e->products += in.products;
        float32 = in.float32;
    }
    if (!B) return;
    if (float32) { /* the dense solve in float32: exact method, proved interval */
        e->float32 = 1;
        e->k = e->products = 0;
    } else {
        e->method = DSE_METHOD_BOUNDED;
    }
    e->lower = lo / (double)B;
    e->upper = hi / (double)B;
}

static int push(entries_t *e, dse_score_entry_t entry)
{
    dse_err_t *err = e->err;
    DSE_TRY(DSE_GROW(&e->out->entries, e->out->n_entries, &e->cap, err));
    e->out->entries[e->out->n_entries++] = entry;
    return DSE_OK;
}

/* Mean and standard error of DSE at power t over the subsample repeats. */
static void dse_over_reps(const task_list_t *tl, const double *res, const dse_params_t *pr,
                          double t, double *mean, double *se)
{
    double sum = 0, sum2 = 0;
    size_t B = 0;
    for (const task_t *k; (k = find_rep(tl, DSE_QID_DSE, 0, 0, (int)B)); ++B) {
        double v = dse_quantity_finish(DSE_QID_DSE, res + k->offset, k->len, t, pr);
        sum += v;
        sum2 += v * v;
    }
    *mean = sum / (double)B;
    double var = B > 1 ? (sum2 - (double)B * *mean * *mean) / (double)(B - 1) : 0.0;
    *se = B > 1 && var > 0 ? sqrt(var / (double)B) : 0.0;
}

/* Rank 0: the quantities on the subsample, in table order, one entry per
 * rule (for those that use sigma) and per t (for those that use t); DSE's
 * spectrum (rule 0, repeat 0) is kept in out->spectrum. */
static int report_plain(const dse_params_t *p, uint64_t bits, const double *ts, size_t nt,
                        const task_list_t *tl, const double *res, entries_t *e, dse_err_t *err)
{
    const task_t *t = find_task(tl, DSE_QID_DSE, 0, 0);
    dse_interval_info_t in;
    if (t && t->bounded && dse_quantity_interval(DSE_QID_DSE, res + t->offset, t->len, 1.0, p, &in))
        e->out->bounded_storage = in.storage;
    if (t && !t->bounded) {
        size_t n = e->out->n_used;
        e->out->spectrum = DSE_MALLOC(n + 1, sizeof *e->out->spectrum, err);
        if (!e->out->spectrum) return err->code;
        memcpy(e->out->spectrum, res + t->offset, n * sizeof *res);
        if (dse_interval_is_bounded(e->out->spectrum, n)) /* float32: the top is 1 exactly */
            e->out->spectrum[0] = 1.0;
    }
    DSE_QUANTITY_FOREACH (q, bits & ~DSE_Q_MI_ALL, DSE_QFAMILY_COUNT) {
        if (!(t = find_task(tl, dse_quantity_basis(q), 0, 0))) continue;
        int uses_t = dse_quantity_get(q)->uses_t;
        int R = dse_quantity_uses_sigma(dse_quantity_basis(q)) ? dse_params_rule_count(p) : 1;
        for (int r = 0; r < R; ++r) {
            dse_params_t pr = *p;
            pr.rule = r;
            dse_sigma_used_t su = dse_quantity_sigma_used(q, res + t->offset, t->len, &pr);
            for (size_t i = 0; i < (uses_t ? nt : 1); ++i) {
                double power = uses_t ? ts[i] : 1.0, se = 0.0;
                double v = dse_quantity_finish(q, res + t->offset, t->len, power, &pr);
                if (q == DSE_QID_DSE) dse_over_reps(tl, res, &pr, power, &v, &se);
                dse_score_entry_t entry = exact_entry(q, uses_t ? ts[i] : 0, v, se, r, su);
                add_interval(tl, res, &pr, q, power, &entry); /* bounded or float32 */
                DSE_TRY(push(e, entry));
            }
        }
    }
    return DSE_OK;
}

/* Rank 0: one MI quantity at every rule and t it takes, from its subset
 * tasks; the standard error is that of the R subset draws. pm: the MI
 * parameters (adaptive rules resolved to the whole input's bandwidth). */
static int report_mi_one(const dse_score_input_t *in, const dse_params_t *pm, dse_quantity_id_t q,
                         const double *ts, size_t nt, const task_list_t *tl, const double *res,
                         double **values, size_t *nvalues, entries_t *e, dse_err_t *err)
{
    size_t ntask = dse_mi_task_count(in->cat, pm);
    for (size_t k = 0; k < ntask; ++k) {
        const task_t *t = find_task(tl, dse_quantity_basis(q), 1, k);
        values[k] = (double *)res + t->offset;
        nvalues[k] = t->len;
    }
    int uses_t = dse_quantity_get(q)->uses_t, rc = DSE_OK;
    int R = dse_quantity_uses_sigma(dse_quantity_basis(q)) ? dse_params_rule_count(pm) : 1;
    for (int r = 0; r < R; ++r) {
        dse_params_t pr = *pm;
        pr.rule = r;
        dse_sigma_used_t su = dse_quantity_sigma_used(q, values[0], nvalues[0], &pr);
        for (size_t i = 0; rc == DSE_OK && i < (uses_t ? nt : 1); ++i) {
            dse_mi_result_t m;
            rc = dse_mi_combine(in->cat, &pr, q, uses_t ? ts[i] : 1.0, values, nvalues, &m, err);
            dse_score_entry_t entry = exact_entry(q, uses_t ? ts[i] : 0, m.value, m.se, r, su);
            if (rc == DSE_OK && m.bounded) {
                entry.method = m.lanczos ? DSE_METHOD_BOUNDED : DSE_METHOD_EXACT;
                entry.float32 = !m.lanczos;
                entry.lower = m.lower;
                entry.upper = m.upper;
                entry.statistical = m.statistical;
            }
            if (rc == DSE_OK) rc = push(e, entry);
            dse_mi_result_free(&m);
        }
    }
    return rc;
}

/* Rank 0: turns the flat results into report entries, in table order. */
static int report(const dse_score_input_t *in, const dse_params_t *p, const dse_params_t *pm,
                  uint64_t bits, const double *ts, size_t nt, const task_list_t *tl,
                  const double *res, dse_score_t *out, dse_err_t *err)
{
    entries_t e = {out, 0, err};
    DSE_TRY(report_plain(p, bits, ts, nt, tl, res, &e, err));
    if (!in->cat) return DSE_OK;
    size_t ntask = dse_mi_task_count(in->cat, pm);
    double **values = DSE_CALLOC(ntask + 1, sizeof *values, err);
    size_t *nvalues = values ? DSE_CALLOC(ntask + 1, sizeof *nvalues, err) : NULL;
    int rc = nvalues ? DSE_OK : err->code;
    DSE_QUANTITY_FOREACH (q, bits, DSE_QFAMILY_MI)
        if (rc == DSE_OK) rc = report_mi_one(in, pm, q, ts, nt, tl, res, values, nvalues, &e, err);
    free(values);
    free(nvalues);
    return rc;
}

/* ---- the bandwidth check -------------------------------------------------- */

const char *dse_score_interval_kind(const dse_score_entry_t *e)
{
    if (e->method != DSE_METHOD_BOUNDED) return e->float32 ? "float32" : "";
    return e->statistical ? "statistical" : "certified";
}

int dse_score_has_interval(const dse_score_entry_t *e)
{
    return e->method == DSE_METHOD_BOUNDED || e->float32;
}

int dse_score_sigma_check(double sigma, double median_distance)
{
    if (!(sigma > 0) || !(median_distance > 0) || !isfinite(sigma)) return 0;
    if (sigma > 20.0 * median_distance) return 1;
    if (sigma < 0.05 * median_distance) return -1;
    return 0;
}

const char *dse_score_sigma_warning(int check)
{
    if (check > 0)
        return "sigma > 20 x the median pairwise distance: the kernel is nearly constant "
               "(K ~ rank one, DSE near 0)";
    if (check < 0)
        return "sigma < 0.05 x the median pairwise distance: the kernel is nearly diagonal "
               "(K ~ I, DSE near log2 N)";
    return "";
}

/* The median pairwise distance of the input's rows `rows` (m of them). */
static int median_of_rows(const dse_score_input_t *in, const size_t *rows, size_t m, double *median,
                          dse_err_t *err)
{
    double *z = NULL, *D2 = NULL;
    int rc = gather(in, rows, m, &z, err);
    if (rc == DSE_OK && !(D2 = DSE_MALLOC(m * m + 1, sizeof *D2, err))) rc = err->code;
    if (rc == DSE_OK) rc = dse_kernel_sqdist_lower(m, in->d, z, D2, err);
    if (rc == DSE_OK) rc = dse_kernel_median_distance_lower(m, D2, median, err);
    free(z);
    free(D2);
    return rc;
}

/* The positions of a seeded draw of up to `rows` of n samples (all when
 * there are fewer), mapped through sub (NULL: identity); *m receives their
 * count and *out (caller-owned) the positions. */
static int median_rows(size_t n, const size_t *sub, size_t rows, uint64_t seed, size_t **out,
                       size_t *m, dse_err_t *err)
{
    size_t *pick = NULL;
    *m = n;
    DSE_TRY(dse_measure_subsample_rows(n, rows, seed, UINT64_C(1) << 33, &pick, m, err));
    *out = DSE_MALLOC(*m + 1, sizeof **out, err);
    for (size_t i = 0; *out && i < *m; ++i) {
        size_t k = pick ? pick[i] : i;
        (*out)[i] = sub ? sub[k] : k;
    }
    free(pick);
    return *out ? DSE_OK : err->code;
}

/* Collective on comm. The median pairwise distance of the kernels' rows (the
 * subsample, or a seeded DSE_SCORE_MEDIAN_ROWS of them), computed on rank 0
 * and broadcast; rows depend on the seed only. */
static int median_distance(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p,
                           const size_t *sub, size_t n_used, double *out, dse_err_t *err)
{
    int rank, rc = DSE_OK;
    MPI_Comm_rank(comm, &rank);
    *out = NAN;
    if (rank == 0) {
        size_t *rows = NULL, m = 0;
        rc = median_rows(n_used, sub, DSE_SCORE_MEDIAN_ROWS, p->seed, &rows, &m, err);
        if (rc == DSE_OK) rc = median_of_rows(in, rows, m, out, err);
        free(rows);
    }
    rc = dse_comm_agree(comm, rc, err);
    if (rc == DSE_OK) MPI_Bcast(out, 1, MPI_DOUBLE, 0, comm);
    return rc;
}

int dse_score_sample_median(const char *spec, size_t rows, uint64_t seed, double *median, size_t *n,
                            size_t *d, dse_err_t *err)
{
    dse_source_t *src = NULL;
    *median = NAN;
    DSE_TRY(dse_source_open(spec, &src, err));
    int rc = dse_source_check_embeddings(src, err);
    dse_source_rows_t reader = {src, NULL};
    dse_score_input_t in = {dse_source_rows(src), dse_source_cols(src), dse_source_rows_read,
                            &reader, NULL};
    if (n) *n = in.n;
    if (d) *d = in.d;
    size_t *pos = NULL, m = 0;
    if (rc == DSE_OK) rc = median_rows(in.n, NULL, rows, seed, &pos, &m, err);
    if (rc == DSE_OK) rc = median_of_rows(&in, pos, m, median, err);
    free(pos);
    dse_source_close(&src);
    return rc;
}

/* ---- the run --------------------------------------------------------------- */

/* Everything dse_score_run sets up before computing (same on every rank). */
typedef struct {
    task_list_t tl;
    size_t *subs[1 + 64]; /* per subsample repeat: the rows (NULL: all) */
    int reps;
    size_t total, mi_offset; /* result slots; the first MI task's slot */
    int g;                   /* ranks of the big group */
    double *res;
} plan_t;

static void plan_free(plan_t *pl)
{
    free(pl->tl.t);
    for (int b = 0; b < pl->reps; ++b)
        free(pl->subs[b]);
    free(pl->res);
}

/* Subsamples, task list, big group, result slots and owners. */
static int plan_score(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p,
                      uint64_t bits, const dse_score_opts_t *o, size_t budget, plan_t *pl,
                      dse_score_t *out, dse_err_t *err)
{
    int size;
    MPI_Comm_size(comm, &size);
    size_t n_used = in->n;
    pl->reps = 1;
    DSE_TRY(dse_measure_subsample_rows(in->n, p->max_n, p->seed, 0, &pl->subs[0], &n_used, err));
    out->n_used = n_used;
    if (pl->subs[0] && p->subsample_repeats > 1) {
        if (p->subsample_repeats > 64)
            return DSE_RAISE(err, DSE_EUSAGE, "subsample_repeats must be 1..64 (got %d)",
                             p->subsample_repeats);
        for (; pl->reps < p->subsample_repeats; ++pl->reps) {
            uint64_t stream = (UINT64_C(1) << 32) | (uint64_t)pl->reps;
            DSE_TRY(dse_measure_subsample_rows(in->n, p->max_n, p->seed, stream,
                                               &pl->subs[pl->reps], &n_used, err));
        }
    }
    DSE_TRY(build_tasks(in, p, bits, n_used, pl->reps, &pl->tl, err));
    /* The big group: who computes the n_used x n_used spectra. Only tasks
     * that have such a spectrum are held to its memory model; the others
     * (CSE, RankMe, ... and the MI subsets) to their own (check_budget). */
    int any_big = 0;
    for (size_t i = 0; i < pl->tl.count; ++i) {
        task_t *t = &pl->tl.t[i];
        t->bounded = use_bounded(p, t, in->d, o->nb, budget, o->group_size, size);
        if (on_all_ranks(t) && t->rows < DSE_METHOD_BOUNDED_MIN_N)
            return DSE_RAISE(err, DSE_EUSAGE,
                             "the bounded method needs N >= %d (N = %zu): use method = exact",
                             DSE_METHOD_BOUNDED_MIN_N, t->rows);
        any_big |= !t->mi && !t->bounded && dse_quantity_get(t->basis)->dist != NULL;
    }
    pl->g = 1;
    if (any_big)
        DSE_TRY(
            dse_dist_choose_group(n_used, in->d, o->nb, budget, o->group_size, size, &pl->g, err));
    pl->mi_offset = SIZE_MAX;
    for (size_t i = 0; i < pl->tl.count; ++i) {
        task_t *t = &pl->tl.t[i];
        t->big = pl->g > 1 && !t->mi && !t->bounded && dse_quantity_get(t->basis)->dist != NULL;
        t->offset = pl->total;
        if (t->mi && pl->mi_offset == SIZE_MAX) pl->mi_offset = pl->total;
        pl->total += t->len;
    }
    if (pl->mi_offset == SIZE_MAX) pl->mi_offset = pl->total;
    DSE_TRY(assign_owners(&pl->tl, size, err));
    pl->res = DSE_CALLOC(pl->total + 1, sizeof *pl->res, err);
    return pl->res ? DSE_OK : err->code;
}

/* Collective on comm. Runs the tasks whose mi flag is `mi` (-1: all), then
 * sums their result slots [lo, hi) onto rank 0 (every rank when all_ranks). */
static int run_phase(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p,
                     const double *ts, size_t nt, const dse_score_opts_t *o, size_t budget,
                     plan_t *pl, int mi, size_t lo, size_t hi, int all_ranks, dse_score_t *out,
                     dse_err_t *err)
{
    int rank, size, rc = DSE_OK;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    task_list_t *tl = &pl->tl;
    if (pl->g > 1 && mi != 1) { /* big tasks on ranks 0..g-1 */
        MPI_Comm sub_comm = MPI_COMM_NULL;
        MPI_Comm_split(comm, rank < pl->g ? 0 : MPI_UNDEFINED, rank, &sub_comm);
        if (sub_comm != MPI_COMM_NULL) {
            dse_group_t *grp = NULL;
            rc = dse_group_create(sub_comm, 0, 0, &grp, err);
            rc = dse_comm_agree(sub_comm, rc, err);
            for (size_t i = 0; rc == DSE_OK && i < tl->count; ++i)
                if (tl->t[i].big)
                    rc = run_big(grp, in, p, pl->subs, &tl->t[i], o, budget, pl->res, &out->stats,
                                 err);
            dse_group_destroy(&grp);
            MPI_Comm_free(&sub_comm);
        }
    }
    /* The bounded DSE of the input, on every rank (agreed first: a failed
     * group must not leave the others waiting in its collectives). */
    rc = dse_comm_agree(comm, rc, err);
    for (size_t i = 0; rc == DSE_OK && mi != 1 && i < tl->count; ++i)
        if (on_all_ranks(&tl->t[i])) {
            rc = run_bounded(comm, in, p, pl->subs, &tl->t[i], ts, nt, out->median_distance, budget,
                             pl->res, err);
            out->bounded_ranks = size;
        }
    for (size_t i = 0; rc == DSE_OK && i < tl->count; ++i)
        if (!tl->t[i].big && !on_all_ranks(&tl->t[i]) && tl->t[i].owner == rank &&
            (mi < 0 || tl->t[i].mi == mi))
            rc = run_single(in, p, pl->subs, &tl->t[i], ts, nt, budget, pl->res, err);
    rc = dse_comm_agree(comm, rc, err);
    /* Every slot was written by exactly one rank: a sum of zeros and one value is exact. */
    int bt;
    if (rc == DSE_OK && size > 1 && hi > lo) {
        rc = dse_to_blas_int(hi - lo, &bt, "result count", err);
        double *r = pl->res + lo;
        if (rc == DSE_OK && all_ranks)
            MPI_Allreduce(MPI_IN_PLACE, r, bt, MPI_DOUBLE, MPI_SUM, comm);
        else if (rc == DSE_OK)
            MPI_Reduce(rank == 0 ? MPI_IN_PLACE : r, r, bt, MPI_DOUBLE, MPI_SUM, 0, comm);
    }
    return rc;
}

/* The MI parameters: each adaptive rule replaced by the fixed bandwidth it
 * gave on the whole (subsampled) input — median: that sigma; knn: the
 * median of sigma_i — so every MI subset uses one bandwidth per rule. */
static dse_params_t mi_params(const dse_params_t *p, const plan_t *pl)
{
    dse_params_t pm = *p;
    const task_t *t = find_task(&pl->tl, DSE_QID_DSE, 0, 0);
    for (int r = 0; t && r < p->n_rules; ++r) {
        if (!dse_sigma_is_adaptive(&p->rules[r])) continue;
        dse_params_t pr = *p;
        pr.rule = r;
        dse_sigma_used_t su =
            dse_quantity_sigma_used(DSE_QID_DSE, pl->res + t->offset, t->len, &pr);
        pm.rules[r] = (dse_sigma_rule_t){DSE_SIGMA_FIXED, su.median, 0};
    }
    return pm;
}

/* Collective on comm. The MI parameters without DSE's computation: what
 * each adaptive rule gives on the subsample's rows. When their n^2
 * distances fit the budget, rank 0 measures every rule from them
 * (dse_kernel_rule_bandwidths); beyond it (the bounded method's sizes) every
 * rank streams the exact median (median.h; `guess` starts it) and knn:K is
 * refused, as the bounded DSE does. */
static int resolve_bandwidths(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p,
                              const plan_t *pl, size_t n, double guess, size_t budget,
                              dse_params_t *pm, dse_err_t *err)
{
    int rank, R = dse_params_rule_count(p), rc = DSE_OK;
    MPI_Comm_rank(comm, &rank);
    int dense = !budget || 8.0 * (double)n * (double)n <= (double)budget;
    double sigma[DSE_SIGMA_MAX_RULES] = {0}, *z = NULL;
    task_t all = {.rows = n};
    if (!dense || rank == 0) rc = task_rows(in, p, pl->subs, &all, &z, err);
    if (dense && rank == 0 && rc == DSE_OK) {
        dse_sigma_rule_t rules[DSE_SIGMA_MAX_RULES];
        dse_sigma_used_t used[DSE_SIGMA_MAX_RULES];
        dse_params_rules(p, rules);
        rc = dse_kernel_rule_bandwidths(n, in->d, z, rules, R, used, err);
        for (int r = 0; rc == DSE_OK && r < R; ++r)
            sigma[r] = used[r].median;
    }
    rc = dse_comm_agree(comm, rc, err);
    double median = guess;
    if (rc == DSE_OK && !dense && needs_median(p))
        rc = dse_median_distance_stream(comm, n, in->d, z, guess, 0, &median, err);
    for (int r = 0; rc == DSE_OK && !dense && r < R; ++r)
        rc = bounded_sigma(p, r, in->d, median, &sigma[r], err);
    free(z);
    if (rc != DSE_OK) return rc;
    MPI_Bcast(sigma, R, MPI_DOUBLE, 0, comm);
    for (int r = 0; r < p->n_rules; ++r)
        if (dse_sigma_is_adaptive(&p->rules[r]))
            pm->rules[r] = (dse_sigma_rule_t){DSE_SIGMA_FIXED, sigma[r], 0};
    return DSE_OK;
}

int dse_score_run(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p, uint64_t bits,
                  const double *ts, size_t nt, const dse_score_opts_t *opts, dse_score_t *out,
                  dse_err_t *err)
{
    double t_start = MPI_Wtime();
    memset(out, 0, sizeof *out);
    int rank;
    MPI_Comm_rank(comm, &rank);
    dse_score_opts_t o = opts ? *opts : (dse_score_opts_t){0, 0, 0};
    size_t budget = dse_memory_budget(o.budget_bytes, comm);
    out->n = in->n;
    out->d = in->d;
    if (in->cat && in->cat->n != in->n)
        return DSE_RAISE(err, DSE_EVALUE, "%zu labels for %zu samples", in->cat->n, in->n);
    if (!in->cat) bits &= ~DSE_Q_MI_ALL;
    if (in->cat) out->n_classes = in->cat->n_classes;

    plan_t pl = {0};
    int rc = plan_score(comm, in, p, bits, &o, budget, &pl, out, err);
    out->big_group_size = pl.g;
    rc = dse_comm_agree(comm, rc, err);
    int uses_sigma = 0;
    DSE_QUANTITY_FOREACH (q, bits, DSE_QFAMILY_COUNT)
        uses_sigma |= dse_quantity_uses_sigma(dse_quantity_basis(dse_quantity_source(q)));
    out->median_distance = NAN;
    if (rc == DSE_OK && uses_sigma)
        rc = median_distance(comm, in, p, pl.subs[0], out->n_used, &out->median_distance, err);
    dse_params_t pm = *p;
    int resolve = mi_needs_resolution(in, p, bits);
    if (rc == DSE_OK && resolve && !find_task(&pl.tl, DSE_QID_DSE, 0, 0)) {
        rc = resolve_bandwidths(comm, in, p, &pl, out->n_used, out->median_distance, budget, &pm,
                                err);
        if (rc == DSE_OK)
            rc = run_phase(comm, in, &pm, ts, nt, &o, budget, &pl, -1, 0, pl.total, 0, out, err);
    } else if (rc == DSE_OK && resolve) {
        /* Two phases: DSE (and its bandwidths) first, then the MI subsets with them. */
        rc = run_phase(comm, in, p, ts, nt, &o, budget, &pl, 0, 0, pl.mi_offset, 1, out, err);
        pm = mi_params(p, &pl);
        if (rc == DSE_OK)
            rc = run_phase(comm, in, &pm, ts, nt, &o, budget, &pl, 1, pl.mi_offset, pl.total, 0,
                           out, err);
    } else if (rc == DSE_OK) {
        rc = run_phase(comm, in, p, ts, nt, &o, budget, &pl, -1, 0, pl.total, 0, out, err);
    }
    if (rc == DSE_OK && rank == 0) rc = report(in, p, &pm, bits, ts, nt, &pl.tl, pl.res, out, err);
    rc = dse_comm_agree(comm, rc, err);
    plan_free(&pl);
    out->seconds = MPI_Wtime() - t_start;
    if (rc != DSE_OK) {
        size_t n = out->n, d = out->d;
        dse_score_free(out);
        out->n = n;
        out->d = d;
    }
    return rc;
}

const char *dse_score_driver_name(const dse_params_t *p, const dse_score_t *out)
{
    if (!out->spectrum) return "";
    int scope = out->big_group_size > 1 ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK;
    if (p->precision == DSE_PRECISION_FLOAT32)
        return dse_eigen_driver_name(
            dse_eigen_float32_driver(DSE_EIGEN_FLOAT32_AUTO, out->n_used,
                                     out->big_group_size > 1 ? out->big_group_size : 1));
    if (p->driver != DSE_EIGEN_AUTO && (dse_eigen_driver_scope(p->driver) & scope))
        return dse_eigen_driver_name(p->driver);
    if (out->big_group_size > 1)
        return dse_eigen_driver_name(dse_tune_driver(out->n_used, out->big_group_size, 1));
    return dse_eigen_driver_name(dse_eigen_choose(out->n_used));
}

void dse_score_free(dse_score_t *out)
{
    if (!out) return;
    free(out->entries);
    free(out->spectrum);
    memset(out, 0, sizeof *out);
}
