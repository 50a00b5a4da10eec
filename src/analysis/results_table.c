/* results_table.c — a store's results, one row per checkpoint. */
#include "dsesweep/results_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char quantity[32];
    double t, sigma; /* sigma: the fixed sigma; 0 under a rule (it varies by checkpoint) */
    char rule[16];
} column_key_t;

static int cmp_keys(const void *a, const void *b)
{
    const column_key_t *x = a, *y = b;
    int c = strcmp(x->quantity, y->quantity);
    if (c) return c;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    if ((c = strcmp(x->rule, y->rule))) return c;
    return (x->sigma > y->sigma) - (x->sigma < y->sigma);
}

static column_key_t key_of(const dse_store_result_t *r)
{
    column_key_t k = {.t = r->t, .sigma = r->sigma_rule[0] ? 0 : r->sigma};
    snprintf(k.quantity, sizeof k.quantity, "%s", r->quantity);
    snprintf(k.rule, sizeof k.rule, "%s", r->sigma_rule);
    return k;
}

/* "DSE(t=1)", with ",sigma=..." when the table holds the same quantity and t
 * under several sigmas or rules. */
static void column_name(const column_key_t *k, int several, char *out, size_t size)
{
    char sig[32] = "", params[64] = "";
    if (several && k->rule[0])
        snprintf(sig, sizeof sig, "sigma=%s", k->rule);
    else if (several)
        snprintf(sig, sizeof sig, "sigma=%g", k->sigma);
    if (k->t > 0)
        snprintf(params, sizeof params, "(t=%g%s%s)", k->t, sig[0] ? "," : "", sig);
    else if (sig[0])
        snprintf(params, sizeof params, "(%s)", sig);
    snprintf(out, size, "%s%s", k->quantity, params);
}

static int cmp_checkpoints(const void *a, const void *b, void *ctx)
{
    const dse_store_t *s = ctx;
    const dse_store_checkpoint_t *x = &s->checkpoints[*(const size_t *)a],
                                 *y = &s->checkpoints[*(const size_t *)b];
    int c = strcmp(x->run, y->run);
    if (c) return c;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    return strcmp(x->path, y->path);
}

int dse_results_table_build(const dse_store_t *s, dse_results_table_t *t, dse_err_t *err)
{
    memset(t, 0, sizeof *t);
    column_key_t *keys = DSE_MALLOC(s->n_results + 1, sizeof *keys, err);
    size_t *order = DSE_MALLOC(s->n_checkpoints + 1, sizeof *order, err);
    int64_t *row_of = DSE_MALLOC(s->n_checkpoints + 1, sizeof *row_of, err);
    if (!keys || !order || !row_of) goto fail;
    /* Distinct (quantity, t, sigma). */
    size_t nk = 0;
    for (size_t i = 0; i < s->n_results; ++i)
        keys[nk++] = key_of(&s->results[i]);
    qsort(keys, nk, sizeof *keys, cmp_keys);
    size_t ncol = 0;
    for (size_t i = 0; i < nk; ++i)
        if (ncol == 0 || cmp_keys(&keys[ncol - 1], &keys[i])) keys[ncol++] = keys[i];
    /* A column names its sigma (or rule) when another column has the same
     * quantity and t under another one; sorted keys put those side by side. */
    char *several = DSE_CALLOC(ncol + 1, 1, err);
    if (!several) goto fail;
    for (size_t i = 1; i < ncol; ++i)
        if (!strcmp(keys[i].quantity, keys[i - 1].quantity) && keys[i].t == keys[i - 1].t)
            several[i] = several[i - 1] = 1;
    t->n_cols = ncol;
    t->n_rows = s->n_checkpoints;
    t->cols = DSE_CALLOC(ncol + 1, sizeof *t->cols, err);
    t->rows = DSE_CALLOC(t->n_rows + 1, sizeof *t->rows, err);
    size_t cells = t->n_rows * ncol + 1;
    t->values = DSE_MALLOC(cells, sizeof *t->values, err);
    t->se = DSE_CALLOC(cells, sizeof *t->se, err);
    t->sigma_used = DSE_CALLOC(cells, sizeof *t->sigma_used, err);
    t->lower = DSE_MALLOC(cells, sizeof *t->lower, err);
    t->upper = DSE_MALLOC(cells, sizeof *t->upper, err);
    t->statistical = DSE_CALLOC(cells, sizeof *t->statistical, err);
    t->status = DSE_MALLOC(cells, sizeof *t->status, err);
    t->errors = DSE_CALLOC(cells, sizeof *t->errors, err);
    t->run_begin = DSE_MALLOC(t->n_rows + 1, sizeof *t->run_begin, err);
    if (!t->cols || !t->rows || !t->values || !t->se || !t->sigma_used || !t->status ||
        !t->errors || !t->run_begin || !t->lower || !t->upper || !t->statistical) {
        free(several);
        goto fail;
    }
    for (size_t j = 0; j < ncol; ++j)
        column_name(&keys[j], several[j], t->cols[j], sizeof t->cols[j]);
    free(several);
    for (size_t i = 0; i < t->n_rows * ncol; ++i) {
        t->values[i] = t->lower[i] = t->upper[i] = NAN;
        t->status[i] = -1;
    }
    for (size_t i = 0; i < s->n_checkpoints; ++i)
        order[i] = i;
    qsort_r(order, s->n_checkpoints, sizeof *order, cmp_checkpoints, (void *)s);
    for (size_t r = 0; r < s->n_checkpoints; ++r) {
        const dse_store_checkpoint_t *c = &s->checkpoints[order[r]];
        t->rows[r] = (dse_results_row_t){
            .run = c->run, .path = c->path, .step = c->step, .checkpoint = (int64_t)order[r]};
        row_of[order[r]] = (int64_t)r;
        if (r == 0 || strcmp(c->run, t->rows[r - 1].run)) t->run_begin[t->n_runs++] = r;
    }
    t->run_begin[t->n_runs] = t->n_rows;
    for (size_t i = 0; i < s->n_results; ++i) {
        const dse_store_result_t *res = &s->results[i];
        if (res->checkpoint < 0 || (size_t)res->checkpoint >= s->n_checkpoints) continue;
        column_key_t k = key_of(res);
        column_key_t *hit = bsearch(&k, keys, ncol, sizeof *keys, cmp_keys);
        size_t cell = (size_t)row_of[res->checkpoint] * ncol + (size_t)(hit - keys);
        t->status[cell] = res->status;
        t->values[cell] = res->status == 0 ? res->value : NAN;
        t->se[cell] = res->status == 0 ? res->se : NAN;
        t->sigma_used[cell] = res->sigma_used;
        t->errors[cell] = res->status == 0 ? NULL : res->error;
        if (res->status == 0 && res->interval[0]) {
            t->lower[cell] = res->lower;
            t->upper[cell] = res->upper;
            t->statistical[cell] = !strcmp(res->interval, "statistical");
        }
    }
    free(keys);
    free(order);
    free(row_of);
    return DSE_OK;
fail:
    free(keys);
    free(order);
    free(row_of);
    dse_results_table_free(t);
    return err->code;
}

void dse_results_table_free(dse_results_table_t *t)
{
    free(t->cols);
    free(t->rows);
    free(t->values);
    free(t->se);
    free(t->sigma_used);
    free(t->lower);
    free(t->upper);
    free(t->statistical);
    free(t->status);
    free(t->errors);
    free(t->run_begin);
    memset(t, 0, sizeof *t);
}

long dse_results_table_column(const dse_results_table_t *t, const char *name)
{
    for (size_t j = 0; j < t->n_cols; ++j)
        if (!strcmp(t->cols[j], name)) return (long)j;
    size_t len = strlen(name);
    for (size_t j = 0; j < t->n_cols; ++j)
        if (!strncmp(t->cols[j], name, len) && (t->cols[j][len] == '(' || t->cols[j][len] == '\0'))
            return (long)j;
    return -1;
}
