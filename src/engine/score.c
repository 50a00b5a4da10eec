/* score.c — all quantities for one embeddings matrix on one rank. */
#include "dsesweep/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsesweep/entropy.h"
#include "dsesweep/measure.h"
#include "dsesweep/group.h"
#include "dsesweep/source.h"

static const struct {
    unsigned bit;
    const char *name;
} quantity_names[] = {
    {DSE_Q_DSE, "DSE"},
    {DSE_Q_MATRIX_ENTRY, "DSE_matrix_entry"},
    {DSE_Q_CSE, "CSE"},
    {DSE_Q_ASE_GAUSSIAN, "ASE_gaussian"},
    {DSE_Q_ASE_ANISOTROPIC, "ASE_anisotropic"},
    {DSE_Q_ASE_KNN, "ASE_knn"},
    {DSE_Q_RANKME, "RankMe"},
    {DSE_Q_PARTICIPATION, "participation_ratio"},
    {DSE_Q_ALPHA_REQ, "alpha_ReQ"},
    {DSE_Q_DSMI, "DSMI"},
    {DSE_Q_CSMI, "CSMI"},
    {DSE_Q_ASMI_GAUSSIAN, "ASMI_gaussian"},
    {DSE_Q_ASMI_ANISOTROPIC, "ASMI_anisotropic"},
    {DSE_Q_ASMI_KNN, "ASMI_knn"},
};
#define N_QUANTITIES (sizeof quantity_names / sizeof quantity_names[0])

const char *dse_quantity_name(unsigned bit)
{
    for (size_t i = 0; i < N_QUANTITIES; ++i)
        if (quantity_names[i].bit == bit) return quantity_names[i].name;
    return "?";
}

int dse_quantity_parse(const char *list, unsigned *bits, dse_err_t *err)
{
    *bits = 0;
    char *copy = strdup(list), *save = NULL;
    if (!copy) return DSE_RAISE(err, DSE_ENOMEM, "cannot allocate");
    int rc = DSE_OK;
    for (char *tok = strtok_r(copy, ",", &save); tok && rc == DSE_OK;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        for (size_t n = strlen(tok); n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'); --n)
            tok[n - 1] = '\0';
        if (strcasecmp(tok, "all") == 0) {
            *bits |= DSE_Q_ALL;
            continue;
        }
        size_t i = 0;
        while (i < N_QUANTITIES && strcasecmp(tok, quantity_names[i].name) != 0)
            i++;
        if (i == N_QUANTITIES)
            rc = DSE_RAISE(err, DSE_EUSAGE,
                           "unknown quantity '%s' (known: all, DSE, DSE_matrix_entry, CSE, "
                           "ASE_gaussian, ASE_anisotropic, ASE_knn, RankMe, participation_ratio, "
                           "alpha_ReQ, DSMI, CSMI, ASMI_gaussian, ASMI_anisotropic, ASMI_knn)",
                           tok);
        else
            *bits |= quantity_names[i].bit;
    }
    free(copy);
    if (rc == DSE_OK && *bits == 0) rc = DSE_RAISE(err, DSE_EUSAGE, "no quantity selected");
    return rc;
}

/* ---- the task list ------------------------------------------------------ */

typedef enum {
    T_SPECTRUM_ANISO, /* eigenvalues of K: DSE at every t, ASE_anisotropic */
    T_SPECTRUM_GAUSS, /* eigenvalues of G: ASE_gaussian */
    T_MATRIX_ENTRY,
    T_CSE,
    T_KNN,
    T_RANKME,
    T_COVARIANCE, /* covariance spectrum: participation ratio, alpha-ReQ */
    T_MI          /* one subset of one MI family */
} task_kind_t;

typedef struct {
    task_kind_t kind;
    dse_family_t family; /* T_MI */
    size_t mi_task;      /* T_MI: index in the family's task list */
    size_t rows;         /* rows the task works on */
    size_t offset, len;  /* its slot in the flat result buffer */
    double cost;         /* estimated flops, for largest-first assignment */
    int big;             /* runs on the big group */
    int owner;           /* rank that runs it (single-rank tasks) */
} task_t;

typedef struct {
    task_t *t;
    size_t count, cap;
} task_list_t;

static int add_task(task_list_t *tl, task_t t, dse_err_t *err)
{
    if (tl->count == tl->cap) {
        size_t cap = tl->cap ? 2 * tl->cap : 64;
        task_t *grown = realloc(tl->t, cap * sizeof *grown);
        if (!grown) return DSE_RAISE(err, DSE_ENOMEM, "cannot grow the task list");
        tl->t = grown;
        tl->cap = cap;
    }
    tl->t[tl->count++] = t;
    return DSE_OK;
}

static double cube(size_t n)
{
    return (double)n * (double)n * (double)n;
}

/* MI families in the order the results are reported. */
static const struct {
    unsigned bit;
    dse_family_t family;
} mi_families[] = {{DSE_Q_DSMI, DSE_FAMILY_DSE},
                   {DSE_Q_CSMI, DSE_FAMILY_CSE},
                   {DSE_Q_ASMI_GAUSSIAN, DSE_FAMILY_ASE_GAUSSIAN},
                   {DSE_Q_ASMI_ANISOTROPIC, DSE_FAMILY_ASE_ANISOTROPIC},
                   {DSE_Q_ASMI_KNN, DSE_FAMILY_ASE_KNN}};
#define N_MI_FAMILIES (sizeof mi_families / sizeof mi_families[0])

static int build_tasks(const dse_score_input_t *in, const dse_params_t *p, unsigned bits,
                       size_t n_used, task_list_t *tl, dse_err_t *err)
{
    size_t d = in->d, m = n_used;
    task_t t;
#define ADD(kind_, len_, cost_)                                                                        do {                                                                                                   memset(&t, 0, sizeof t);                                                                           t.kind = (kind_);                                                                                  t.rows = m;                                                                                        t.len = (len_);                                                                                    t.cost = (cost_);                                                                                  DSE_TRY(add_task(tl, t, err));                                                                 } while (0)
    if (bits & (DSE_Q_DSE | DSE_Q_ASE_ANISOTROPIC)) ADD(T_SPECTRUM_ANISO, m, cube(m));
    if (bits & DSE_Q_ASE_GAUSSIAN) ADD(T_SPECTRUM_GAUSS, m, cube(m));
    if (bits & DSE_Q_MATRIX_ENTRY) ADD(T_MATRIX_ENTRY, 1, (double)m * m * d);
    if (bits & DSE_Q_CSE) ADD(T_CSE, 1, (double)m * d * 20);
    if (bits & DSE_Q_ASE_KNN) ADD(T_KNN, m, 10 * cube(m));
    if (bits & DSE_Q_RANKME) ADD(T_RANKME, 1, (double)m * d * d);
    if ((bits & (DSE_Q_PARTICIPATION | DSE_Q_ALPHA_REQ)) && m >= 2)
        ADD(T_COVARIANCE, d, (double)m * d * d + cube(d));
#undef ADD
    if (!in->cat) return DSE_OK;
    for (size_t f = 0; f < N_MI_FAMILIES; ++f) {
        if (!(bits & mi_families[f].bit)) continue;
        size_t ntask = dse_mi_task_count(in->cat, p);
        for (size_t k = 0; k < ntask; ++k) {
            memset(&t, 0, sizeof t);
            t.kind = T_MI;
            t.family = mi_families[f].family;
            t.mi_task = k;
            t.rows = dse_mi_task_size(in->cat, p, k);
            t.len = dse_family_result_length(t.family, t.rows);
            t.cost = t.family == DSE_FAMILY_CSE ? (double)t.rows * d * 20
                                                : (t.family == DSE_FAMILY_ASE_KNN ? 10 : 1) * cube(t.rows);
            DSE_TRY(add_task(tl, t, err));
        }
    }
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

/* Runs one single-rank task and writes its result into res[t->offset ...]. */
static int run_single(const dse_score_input_t *in, const dse_params_t *p, const size_t *sub,
                      const task_t *t, size_t budget, double *res, dse_err_t *err)
{
    size_t d = in->d, m = t->rows;
    double need = 8.0 * (double)m * (double)m + 8.0 * (double)m * (double)d;
    if (t->kind != T_CSE && t->kind != T_RANKME && t->kind != T_COVARIANCE && budget &&
        need > (double)budget) {
        char a[32], b[32];
        return DSE_RAISE(err, DSE_ENOMEM, "a %zu-sample single-rank task needs %s but the budget is %s per rank",
                         m, dse_format_bytes(need, a, sizeof a), dse_format_bytes((double)budget, b, sizeof b));
    }
    size_t *rows = DSE_MALLOC(in->n + 1, sizeof *rows, err);
    if (!rows) return err->code;
    size_t count = m;
    int rc = DSE_OK;
    if (t->kind == T_MI) {
        rc = dse_mi_task_rows(in->cat, p, t->mi_task, rows, &count, err);
    } else {
        for (size_t i = 0; i < m; ++i)
            rows[i] = sub ? sub[i] : i;
    }
    double *z = NULL;
    if (rc == DSE_OK) rc = gather(in, rows, count, &z, err);
    free(rows);
    if (rc != DSE_OK) return rc;
    double *out = res + t->offset;
    switch (t->kind) {
    case T_SPECTRUM_ANISO:
    case T_SPECTRUM_GAUSS:
        rc = dse_kernel_spectrum(count, d, z, p->sigma,
                                         t->kind == T_SPECTRUM_ANISO ? DSE_KERNEL_ANISOTROPIC
                                                                     : DSE_KERNEL_GAUSSIAN,
                                         p->driver, out, err);
        break;
    case T_MATRIX_ENTRY: rc = dse_measure_matrix_entry(count, d, z, p->sigma, out, err); break;
    case T_CSE: rc = dse_measure_cse(count, d, z, p->cse_bins, out, err); break;
    case T_KNN: rc = dse_measure_knn_spectrum(count, d, z, p->knn, out, err); break;
    case T_RANKME: rc = dse_measure_rankme(count, d, z, out, err); break;
    case T_COVARIANCE: rc = dse_measure_covariance_spectrum(count, d, z, out, err); break;
    case T_MI: {
        double *v = NULL;
        size_t nv = 0;
        rc = dse_family_evaluate(t->family, count, d, z, p, &v, &nv, err);
        if (rc == DSE_OK) memcpy(out, v, nv * sizeof *v);
        free(v);
        break;
    }
    }
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
    if (t->kind == T_MATRIX_ENTRY)
        rc = dse_dist_matrix_entry(g, t->rows, in->d, dse_mapped_rows_read, &mr, p->sigma, o->nb, w, err);
    else
        rc = dse_dist_spectrum(g, t->rows, in->d, dse_mapped_rows_read, &mr, p->sigma,
                               t->kind == T_SPECTRUM_ANISO ? DSE_KERNEL_ANISOTROPIC
                                                           : DSE_KERNEL_GAUSSIAN,
                               p->driver, o->nb, budget, w,
                               t->kind == T_SPECTRUM_ANISO ? stats : NULL, err);
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

static int push(entries_t *e, const char *quantity, double t, double value)
{
    if (e->out->n_entries == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 32;
        dse_score_entry_t *grown = realloc(e->out->entries, cap * sizeof *grown);
        if (!grown) return DSE_RAISE(e->err, DSE_ENOMEM, "cannot grow the result list");
        e->out->entries = grown;
        e->cap = cap;
    }
    e->out->entries[e->out->n_entries++] = (dse_score_entry_t){quantity, t, value};
    return DSE_OK;
}

static const task_t *find_task(const task_list_t *tl, task_kind_t kind)
{
    for (size_t i = 0; i < tl->count; ++i)
        if (tl->t[i].kind == kind) return &tl->t[i];
    return NULL;
}

/* Rank 0: turns the flat results into report entries. */
static int report(const dse_score_input_t *in, const dse_params_t *p, unsigned bits,
                  const double *ts, size_t nt, const task_list_t *tl, const double *res,
                  dse_score_t *out, dse_err_t *err)
{
    entries_t e = {out, 0, err};
    const task_t *t;
    if ((t = find_task(tl, T_SPECTRUM_ANISO))) {
        out->spectrum = DSE_MALLOC(t->len, sizeof *out->spectrum, err);
        if (!out->spectrum) return err->code;
        memcpy(out->spectrum, res + t->offset, t->len * sizeof *res);
        for (size_t i = 0; (bits & DSE_Q_DSE) && i < nt; ++i)
            DSE_TRY(push(&e, "DSE", ts[i], dse_entropy_spectral(res + t->offset, t->len, ts[i])));
    }
    if ((t = find_task(tl, T_MATRIX_ENTRY))) DSE_TRY(push(&e, "DSE_matrix_entry", 0, res[t->offset]));
    if ((t = find_task(tl, T_CSE))) DSE_TRY(push(&e, "CSE", 0, res[t->offset]));
    if ((t = find_task(tl, T_SPECTRUM_GAUSS)))
        DSE_TRY(push(&e, "ASE_gaussian", 0, dse_entropy_spectral(res + t->offset, t->len, 1.0)));
    if ((bits & DSE_Q_ASE_ANISOTROPIC) && (t = find_task(tl, T_SPECTRUM_ANISO)))
        DSE_TRY(push(&e, "ASE_anisotropic", 0, dse_entropy_spectral(res + t->offset, t->len, 1.0)));
    if ((t = find_task(tl, T_KNN)))
        DSE_TRY(push(&e, "ASE_knn", 0, dse_entropy_spectral(res + t->offset, t->len, 1.0)));
    if ((t = find_task(tl, T_RANKME))) DSE_TRY(push(&e, "RankMe", 0, res[t->offset]));
    if ((t = find_task(tl, T_COVARIANCE))) {
        if (bits & DSE_Q_PARTICIPATION)
            DSE_TRY(push(&e, "participation_ratio", 0,
                         dse_measure_participation_ratio(res + t->offset, t->len)));
        if (bits & DSE_Q_ALPHA_REQ)
            DSE_TRY(push(&e, "alpha_ReQ", 0, dse_measure_alpha_req(res + t->offset, t->len)));
    }
    if (!in->cat) return DSE_OK;
    size_t ntask = dse_mi_task_count(in->cat, p);
    double **values = DSE_CALLOC(ntask, sizeof *values, err);
    size_t *nvalues = values ? DSE_CALLOC(ntask, sizeof *nvalues, err) : NULL;
    int rc = nvalues ? DSE_OK : err->code;
    for (size_t f = 0; rc == DSE_OK && f < N_MI_FAMILIES; ++f) {
        if (!(bits & mi_families[f].bit)) continue;
        dse_family_t fam = mi_families[f].family;
        for (size_t i = 0; i < tl->count; ++i)
            if (tl->t[i].kind == T_MI && tl->t[i].family == fam) {
                values[tl->t[i].mi_task] = (double *)res + tl->t[i].offset;
                nvalues[tl->t[i].mi_task] = tl->t[i].len;
            }
        size_t nts = dse_family_uses_t(fam) ? nt : 1;
        for (size_t i = 0; rc == DSE_OK && i < nts; ++i) {
            dse_mi_result_t r;
            rc = dse_mi_combine(in->cat, p, fam, dse_family_uses_t(fam) ? ts[i] : 1.0, values,
                                nvalues, &r, err);
            if (rc == DSE_OK)
                rc = push(&e, dse_family_mi_name(fam), dse_family_uses_t(fam) ? ts[i] : 0, r.value);
            dse_mi_result_free(&r);
        }
    }
    free(values);
    free(nvalues);
    return rc;
}

static double now_seconds(void)
{
    return MPI_Wtime();
}

int dse_score_run(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p, unsigned bits,
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
    if (!in->cat) bits &= ~(unsigned)DSE_Q_MI_ALL;
    if (in->cat) out->n_classes = in->cat->n_classes;

    /* The subsample (same on every rank: it depends on the seed only). */
    size_t *sub = NULL, n_used = in->n;
    int rc = dse_measure_subsample_rows(in->n, p->max_n, p->seed, 0, &sub, &n_used, err);
    out->n_used = n_used;
    task_list_t tl = {0};
    if (rc == DSE_OK) rc = build_tasks(in, p, bits, n_used, &tl, err);
    /* The big group: who computes the n_used x n_used spectra. */
    int g = 1;
    if (rc == DSE_OK)
        rc = dse_dist_choose_group(n_used, in->d, o.nb, budget, o.group_size, size, &g, err);
    out->big_group_size = g;
    size_t total = 0;
    for (size_t i = 0; rc == DSE_OK && i < tl.count; ++i) {
        task_t *t = &tl.t[i];
        t->big = g > 1 && (t->kind == T_SPECTRUM_ANISO || t->kind == T_SPECTRUM_GAUSS ||
                           t->kind == T_MATRIX_ENTRY);
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
    else if (y.is_integer)
        rc = dse_categories_from_labels(y.data, n, spec, cat, err);
    else
        rc = dse_categories_from_scalars(y.data, n, p->n_clusters, cat, err);
    if (rc == DSE_OK) rc = dse_categories_check(cat, spec, err);
    dse_matrix_free(&y);
    return rc;
}
