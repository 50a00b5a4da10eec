/* score.c — all quantities for one embeddings matrix, on any number of ranks. */
#include "dsesweep/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/measure.h"
#include "dsesweep/group.h"
#include "dsesweep/mi.h"
#include "dsesweep/source.h"

/* ---- the task list ------------------------------------------------------ */

/* One computation: a basis row of the quantity table on the subsample rows,
 * or on one MI subset. */
typedef struct {
    dse_quantity_id_t basis; /* the row that owns the computation */
    int mi;                  /* 1: an MI subset task */
    size_t mi_task;          /* mi: index in the MI task list */
    size_t rows;             /* rows the task works on */
    size_t offset, len;      /* its slot in the flat result buffer */
    double cost;             /* estimated flops, for largest-first assignment */
    int big;                 /* runs on the big group */
    int owner;               /* rank that runs it (single-rank tasks) */
} task_t;

typedef struct {
    task_t *t;
    size_t count, cap;
} task_list_t;

static const task_t *find_task(const task_list_t *tl, dse_quantity_id_t basis, int mi,
                               size_t mi_task)
{
    for (size_t i = 0; i < tl->count; ++i)
        if (tl->t[i].basis == basis && tl->t[i].mi == mi && tl->t[i].mi_task == mi_task)
            return &tl->t[i];
    return NULL;
}

/* Adds the computation of q's basis on `rows` rows unless it is listed
 * already (shared bases run once) or does not apply (length 0). */
static int add_task(task_list_t *tl, dse_quantity_id_t q, int mi, size_t mi_task, size_t rows,
                    size_t d, dse_err_t *err)
{
    dse_quantity_id_t b = dse_quantity_basis(q);
    size_t len = dse_quantity_length(b, rows, d);
    if (find_task(tl, b, mi, mi_task) || (len == 0 && !mi)) return DSE_OK;
    if (tl->count == tl->cap) {
        size_t cap = tl->cap ? 2 * tl->cap : 64;
        task_t *grown = realloc(tl->t, cap * sizeof *grown);
        if (!grown) return DSE_RAISE(err, DSE_ENOMEM, "cannot grow the task list");
        tl->t = grown;
        tl->cap = cap;
    }
    tl->t[tl->count++] = (task_t){.basis = b,
                                  .mi = mi,
                                  .mi_task = mi_task,
                                  .rows = rows,
                                  .len = len,
                                  .cost = dse_quantity_cost(DSE_Q_BIT(b), rows, d)};
    return DSE_OK;
}

/* The tasks of bits in table order: first the quantities on the subsample,
 * then every subset of every MI quantity. */
static int build_tasks(const dse_score_input_t *in, const dse_params_t *p, uint64_t bits,
                       size_t n_used, task_list_t *tl, dse_err_t *err)
{
    DSE_QUANTITY_FOREACH (q, bits & ~DSE_Q_MI_ALL, DSE_QFAMILY_COUNT)
        DSE_TRY(add_task(tl, q, 0, 0, n_used, in->d, err));
    if (!in->cat) return DSE_OK;
    size_t ntask = dse_mi_task_count(in->cat, p);
    DSE_QUANTITY_FOREACH (q, bits, DSE_QFAMILY_MI)
        for (size_t k = 0; k < ntask; ++k)
            DSE_TRY(add_task(tl, q, 1, k, dse_mi_task_size(in->cat, p, k), in->d, err));
    return DSE_OK;
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
        if (!tl->t[i].big) order[k++] = i;
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
static int check_budget(const task_t *t, size_t d, size_t budget, dse_err_t *err)
{
    double need = dse_quantity_bytes(DSE_Q_BIT(t->basis), t->rows, d);
    if (!budget || need <= (double)budget) return DSE_OK;
    char a[32], b[32];
    return DSE_RAISE(err, DSE_ENOMEM,
                     "a %zu-sample single-rank task needs %s but the budget is %s per rank",
                     t->rows, dse_format_bytes(need, a, sizeof a),
                     dse_format_bytes((double)budget, b, sizeof b));
}

/* Runs one single-rank task and writes its result into res[t->offset ...]. */
static int run_single(const dse_score_input_t *in, const dse_params_t *p, const size_t *sub,
                      const task_t *t, size_t budget, double *res, dse_err_t *err)
{
    DSE_TRY(check_budget(t, in->d, budget, err));
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
    double *z = NULL;
    if (rc == DSE_OK) rc = gather(in, rows, count, &z, err);
    free(rows);
    if (rc != DSE_OK) return rc;
    rc = dse_quantity_get(t->basis)->compute(count, in->d, z, p, res + t->offset, err);
    free(z);
    return rc;
}

/* Runs one big task on the group; comm rank 0 keeps the result. */
static int run_big(const dse_group_t *g, const dse_score_input_t *in, const dse_params_t *p,
                   const size_t *sub, const task_t *t, const dse_score_opts_t *o, size_t budget,
                   double *res, dse_dist_stats_t *stats, dse_err_t *err)
{
    dse_mapped_rows_t mr = {in->read, in->ctx, sub};
    double *w = DSE_MALLOC(t->rows + 1, sizeof *w, err);
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

/* ---- results ------------------------------------------------------------- */

typedef struct {
    dse_score_t *out;
    size_t cap;
    dse_err_t *err;
} entries_t;

static int push(entries_t *e, dse_quantity_id_t q, double t, double value)
{
    if (e->out->n_entries == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 32;
        dse_score_entry_t *grown = realloc(e->out->entries, cap * sizeof *grown);
        if (!grown) return DSE_RAISE(e->err, DSE_ENOMEM, "cannot grow the result list");
        e->out->entries = grown;
        e->cap = cap;
    }
    e->out->entries[e->out->n_entries++] = (dse_score_entry_t){q, t, value};
    return DSE_OK;
}

/* Rank 0: the quantities on the subsample, in table order, one entry per t
 * for those that use t; DSE's spectrum is kept in out->spectrum. */
static int report_plain(const dse_params_t *p, uint64_t bits, const double *ts, size_t nt,
                        const task_list_t *tl, const double *res, entries_t *e, dse_err_t *err)
{
    const task_t *t = find_task(tl, DSE_QID_DSE, 0, 0);
    if (t) {
        e->out->spectrum = DSE_MALLOC(t->len + 1, sizeof *e->out->spectrum, err);
        if (!e->out->spectrum) return err->code;
        memcpy(e->out->spectrum, res + t->offset, t->len * sizeof *res);
    }
    DSE_QUANTITY_FOREACH (q, bits & ~DSE_Q_MI_ALL, DSE_QFAMILY_COUNT) {
        if (!(t = find_task(tl, dse_quantity_basis(q), 0, 0))) continue;
        int uses_t = dse_quantity_get(q)->uses_t;
        for (size_t i = 0; i < (uses_t ? nt : 1); ++i) {
            double power = uses_t ? ts[i] : 1.0;
            DSE_TRY(push(e, q, uses_t ? ts[i] : 0,
                         dse_quantity_finish(q, res + t->offset, t->len, power, p)));
        }
    }
    return DSE_OK;
}

/* Rank 0: one MI quantity at every t it takes, from its subset tasks. */
static int report_mi_one(const dse_score_input_t *in, const dse_params_t *p, dse_quantity_id_t q,
                         const double *ts, size_t nt, const task_list_t *tl, const double *res,
                         double **values, size_t *nvalues, entries_t *e, dse_err_t *err)
{
    size_t ntask = dse_mi_task_count(in->cat, p);
    for (size_t k = 0; k < ntask; ++k) {
        const task_t *t = find_task(tl, dse_quantity_basis(q), 1, k);
        values[k] = (double *)res + t->offset;
        nvalues[k] = t->len;
    }
    int uses_t = dse_quantity_get(q)->uses_t, rc = DSE_OK;
    for (size_t i = 0; rc == DSE_OK && i < (uses_t ? nt : 1); ++i) {
        dse_mi_result_t r;
        rc = dse_mi_combine(in->cat, p, q, uses_t ? ts[i] : 1.0, values, nvalues, &r, err);
        if (rc == DSE_OK) rc = push(e, q, uses_t ? ts[i] : 0, r.value);
        dse_mi_result_free(&r);
    }
    return rc;
}

/* Rank 0: turns the flat results into report entries, in table order. */
static int report(const dse_score_input_t *in, const dse_params_t *p, uint64_t bits,
                  const double *ts, size_t nt, const task_list_t *tl, const double *res,
                  dse_score_t *out, dse_err_t *err)
{
    entries_t e = {out, 0, err};
    DSE_TRY(report_plain(p, bits, ts, nt, tl, res, &e, err));
    if (!in->cat) return DSE_OK;
    size_t ntask = dse_mi_task_count(in->cat, p);
    double **values = DSE_CALLOC(ntask + 1, sizeof *values, err);
    size_t *nvalues = values ? DSE_CALLOC(ntask + 1, sizeof *nvalues, err) : NULL;
    int rc = nvalues ? DSE_OK : err->code;
    DSE_QUANTITY_FOREACH (q, bits, DSE_QFAMILY_MI)
        if (rc == DSE_OK) rc = report_mi_one(in, p, q, ts, nt, tl, res, values, nvalues, &e, err);
    free(values);
    free(nvalues);
    return rc;
}

static double now_seconds(void)
{
    return MPI_Wtime();
}

int dse_score_run(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p, uint64_t bits,
                  const double *ts, size_t nt, const dse_score_opts_t *opts, dse_score_t *out,
                  dse_err_t *err)
{
    double t_start = now_seconds();
    memset(out, 0, sizeof *out);
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    dse_score_opts_t o = opts ? *opts : (dse_score_opts_t){0, 0, 0};
    size_t budget = dse_memory_budget(o.budget_bytes, comm);
    out->n = in->n;
    out->d = in->d;
    if (in->cat && in->cat->n != in->n)
        return DSE_RAISE(err, DSE_EVALUE, "%zu labels for %zu samples", in->cat->n, in->n);
    if (!in->cat) bits &= ~DSE_Q_MI_ALL;
    if (in->cat) out->n_classes = in->cat->n_classes;

    /* The subsample (same on every rank: it depends on the seed only). */
    size_t *sub = NULL, n_used = in->n;
    int rc = dse_measure_subsample_rows(in->n, p->max_n, p->seed, 0, &sub, &n_used, err);
    out->n_used = n_used;
    task_list_t tl = {0};
    if (rc == DSE_OK) rc = build_tasks(in, p, bits, n_used, &tl, err);
    /* The big group: who computes the n_used x n_used spectra. Only tasks
     * that have such a spectrum are held to its memory model; the others
     * (CSE, RankMe, ... and the MI subsets) to their own (check_budget). */
    int g = 1, any_big = 0;
    for (size_t i = 0; rc == DSE_OK && i < tl.count; ++i)
        any_big |= !tl.t[i].mi && dse_quantity_get(tl.t[i].basis)->dist != NULL;
    if (rc == DSE_OK && any_big)
        rc = dse_dist_choose_group(n_used, in->d, o.nb, budget, o.group_size, size, &g, err);
    out->big_group_size = g;
    size_t total = 0;
    for (size_t i = 0; rc == DSE_OK && i < tl.count; ++i) {
        task_t *t = &tl.t[i];
        t->big = g > 1 && !t->mi && dse_quantity_get(t->basis)->dist != NULL;
        t->offset = total;
        total += t->len;
    }
    if (rc == DSE_OK) rc = assign_owners(&tl, size, err);
    double *res = rc == DSE_OK ? DSE_CALLOC(total + 1, sizeof *res, err) : NULL;
    if (rc == DSE_OK && !res) rc = err->code;
    rc = dse_comm_agree(comm, rc, err);

    /* Big tasks on ranks 0..g-1; everyone else goes straight to its own tasks. */
    if (rc == DSE_OK && g > 1) {
        MPI_Comm sub_comm = MPI_COMM_NULL;
        MPI_Comm_split(comm, rank < g ? 0 : MPI_UNDEFINED, rank, &sub_comm);
        if (sub_comm != MPI_COMM_NULL) {
            dse_group_t *grp = NULL;
            rc = dse_group_create(sub_comm, 0, 0, &grp, err);
            rc = dse_comm_agree(sub_comm, rc, err);
            for (size_t i = 0; rc == DSE_OK && i < tl.count; ++i)
                if (tl.t[i].big)
                    rc = run_big(grp, in, p, sub, &tl.t[i], &o, budget, res, &out->stats, err);
            dse_group_destroy(&grp);
            MPI_Comm_free(&sub_comm);
        }
    }
    for (size_t i = 0; rc == DSE_OK && i < tl.count; ++i)
        if (!tl.t[i].big && tl.t[i].owner == rank)
            rc = run_single(in, p, sub, &tl.t[i], budget, res, err);
    rc = dse_comm_agree(comm, rc, err);
    /* Every slot was written by exactly one rank: a sum of zeros and one value is exact. */
    if (rc == DSE_OK && size > 1) {
        int bt;
        rc = dse_to_blas_int(total + 1, &bt, "result count", err);
        if (rc == DSE_OK)
            MPI_Reduce(rank == 0 ? MPI_IN_PLACE : res, res, bt, MPI_DOUBLE, MPI_SUM, 0, comm);
    }
    if (rc == DSE_OK && rank == 0) rc = report(in, p, bits, ts, nt, &tl, res, out, err);
    rc = dse_comm_agree(comm, rc, err);
    free(res);
    free(tl.t);
    free(sub);
    out->seconds = now_seconds() - t_start;
    if (rc != DSE_OK) {
        size_t n = out->n, d = out->d;
        dse_score_free(out);
        out->n = n;
        out->d = d;
    }
    return rc;
}

void dse_score_free(dse_score_t *out)
{
    if (!out) return;
    free(out->entries);
    free(out->spectrum);
    memset(out, 0, sizeof *out);
}

int dse_score_load_categories(const char *spec, size_t n, const char *embeddings_name,
                              const dse_params_t *p, dse_categories_t *cat, dse_err_t *err)
{
    memset(cat, 0, sizeof *cat);
    dse_matrix_t y;
    DSE_TRY(dse_matrix_load(spec, &y, err));
    int rc = DSE_OK;
    if (y.rows != n)
        rc = DSE_RAISE(err, DSE_EVALUE, "%s: %zu labels but %s has %zu rows", spec, y.rows,
                       embeddings_name, n);
    else if (y.cols != 1)
        rc = DSE_RAISE(err, DSE_EUSAGE,
                       "%s: labels must be N or N x 1 (got N x %zu); vector references need "
                       "spectral clustering, which `score` does not do yet",
                       spec, y.cols);
    else if (y.is_integer) /* exact: never through the doubles */
        rc = dse_categories_from_integer_file(spec, n, cat, err);
    else
        rc = dse_categories_from_scalars(y.data, n, p->n_clusters, cat, err);
    if (rc == DSE_OK) rc = dse_categories_check(cat, spec, err);
    dse_matrix_free(&y);
    return rc;
}
