/* mi.c — mutual information as a list of independent subset tasks. */
#include "dsesweep/mi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/entropy.h"
#include "dsesweep/measure.h"
#include "dsesweep/rng.h"

size_t dse_mi_task_count(const dse_categories_t *cat, const dse_params_t *p)
{
    return cat->n_classes * (size_t)(p->repetitions + 1);
}

size_t dse_mi_task_size(const dse_categories_t *cat, const dse_params_t *p, size_t task)
{
    size_t nc = cat->counts[task / ((size_t)p->repetitions + 1)];
    return dse_params_rows_used(p, nc);
}

int dse_mi_task_rows(const dse_categories_t *cat, const dse_params_t *p, size_t task, size_t *rows,
                     size_t *count, dse_err_t *err)
{
    size_t per = (size_t)p->repetitions + 1;
    size_t c = task / per, r = task % per;
    if (c >= cat->n_classes) return DSE_RAISE(err, DSE_EUSAGE, "MI task %zu out of range", task);
    size_t nc = cat->counts[c], m = 0;
    if (r == 0) {
        for (size_t i = 0; i < cat->n; ++i)
            if (cat->class_of[i] == c) rows[m++] = i;
    } else {
        dse_rng_t rng;
        dse_rng_init(&rng, p->seed, DSE_RNG_MI_SUBSET, c, r - 1);
        DSE_TRY(dse_rng_sample(&rng, cat->n, nc, rows, err));
        m = nc;
    }
    /* The reference caps every entropy call at max_N rows as well. */
    size_t *pick = NULL, kept = m;
    DSE_TRY(dse_measure_subsample_rows(m, p->max_n, p->seed, 1 + task, &pick, &kept, err));
    if (pick) {
        for (size_t i = 0; i < kept; ++i)
            rows[i] = rows[pick[i]];
        free(pick);
    }
    *count = kept;
    return DSE_OK;
}

/* The bounds of one subset's entropy: its interval when bounded, else its
 * value twice. */
static void subset_bounds(dse_quantity_id_t q, const double *v, size_t nv, double t,
                          const dse_params_t *p, double *lo, double *hi, dse_mi_result_t *out)
{
    dse_interval_info_t in;
    if (dse_quantity_interval(q, v, nv, t, p, &in)) {
        *lo = in.lower;
        *hi = in.upper;
        out->bounded = 1;
        out->statistical |= in.statistical;
        out->lanczos |= !in.float32;
        return;
    }
    *lo = *hi = dse_quantity_finish(q, v, nv, t, p);
}

/* MI's interval: sum_c p_c (mean_r H(subset r) - H(class c)) is smallest
 * with the subsets' lower and the classes' upper bounds, and the reverse. */
static void mi_interval(const dse_categories_t *cat, const dse_params_t *p, dse_quantity_id_t q,
                        double t, double *const *values, const size_t *nvalues,
                        dse_mi_result_t *out)
{
    size_t per = (size_t)p->repetitions + 1;
    double lo = 0, hi = 0;
    for (size_t c = 0; c < cat->n_classes; ++c) {
        double pc = (double)cat->counts[c] / (double)cat->n, clo, chi, slo = 0, shi = 0;
        subset_bounds(q, values[c * per], nvalues[c * per], t, p, &clo, &chi, out);
        for (size_t r = 1; r < per; ++r) {
            double a, b;
            subset_bounds(q, values[c * per + r], nvalues[c * per + r], t, p, &a, &b, out);
            slo += a / (double)(per - 1);
            shi += b / (double)(per - 1);
        }
        lo += pc * (slo - chi);
        hi += pc * (shi - clo);
    }
    out->lower = out->bounded ? lo : NAN;
    out->upper = out->bounded ? hi : NAN;
}

int dse_mi_combine(const dse_categories_t *cat, const dse_params_t *p, dse_quantity_id_t q,
                   double t, double *const *values, const size_t *nvalues, dse_mi_result_t *out,
                   dse_err_t *err)
{
    memset(out, 0, sizeof *out);
    size_t k = cat->n_classes, per = (size_t)p->repetitions + 1;
    out->n_classes = k;
    out->conditional = DSE_MALLOC(k, sizeof(double), err);
    out->subset_mean = out->conditional ? DSE_MALLOC(k, sizeof(double), err) : NULL;
    out->subset_std = out->subset_mean ? DSE_MALLOC(k, sizeof(double), err) : NULL;
    if (!out->subset_std) {
        dse_mi_result_free(out);
        return err->code;
    }
    double mi = 0.0, var_mi = 0.0;
    for (size_t c = 0; c < k; ++c) {
        size_t base = c * per;
        double cond = dse_quantity_finish(q, values[base], nvalues[base], t, p);
        double sum = 0.0, sum2 = 0.0;
        for (size_t r = 1; r < per; ++r) {
            double h = dse_quantity_finish(q, values[base + r], nvalues[base + r], t, p);
            sum += h;
            sum2 += h * h;
        }
        double R = (double)(per - 1);
        double mean = sum / R;
        double var = R > 1 ? (sum2 - R * mean * mean) / (R - 1) : 0.0;
        out->conditional[c] = cond;
        out->subset_mean[c] = mean;
        out->subset_std[c] = var > 0 ? sqrt(var) : 0.0;
        double pc = (double)cat->counts[c] / (double)cat->n;
        mi += pc * (mean - cond);
        var_mi += pc * pc * (var > 0 ? var : 0.0) / R;
    }
    out->value = mi;
    out->se = sqrt(var_mi);
    mi_interval(cat, p, q, t, values, nvalues, out);
    return DSE_OK;
}

int dse_mi_compute(dse_quantity_id_t q, size_t n, size_t d, const double *Z,
                   const dse_categories_t *cat, const dse_params_t *p, const double *ts, size_t nt,
                   dse_mi_result_t *out, dse_err_t *err)
{
    if (cat->n != n) return DSE_RAISE(err, DSE_EVALUE, "%zu labels for %zu samples", cat->n, n);
    if (p->repetitions < 1)
        return DSE_RAISE(err, DSE_EUSAGE, "repetitions must be >= 1 (got %d)", p->repetitions);
    size_t ntask = dse_mi_task_count(cat, p);
    double **values = DSE_CALLOC(ntask, sizeof *values, err);
    size_t *nvalues = values ? DSE_CALLOC(ntask, sizeof *nvalues, err) : NULL;
    size_t *rows = nvalues ? DSE_MALLOC(n, sizeof *rows, err) : NULL;
    int rc = rows ? DSE_OK : err->code;
    for (size_t task = 0; rc == DSE_OK && task < ntask; ++task) {
        size_t count = 0;
        rc = dse_mi_task_rows(cat, p, task, rows, &count, err);
        double *sub = NULL;
        if (rc == DSE_OK) rc = dse_measure_gather_rows(d, Z, rows, count, &sub, err);
        if (rc == DSE_OK)
            rc = dse_quantity_evaluate(q, count, d, sub, p, &values[task], &nvalues[task], err);
        free(sub);
    }
    for (size_t i = 0; rc == DSE_OK && i < nt; ++i)
        rc = dse_mi_combine(cat, p, q, ts[i], values, nvalues, &out[i], err);
    for (size_t task = 0; values && task < ntask; ++task)
        free(values[task]);
    free(values);
    free(nvalues);
    free(rows);
    return rc;
}

void dse_mi_result_free(dse_mi_result_t *r)
{
    if (!r) return;
    free(r->conditional);
    free(r->subset_mean);
    free(r->subset_std);
    memset(r, 0, sizeof *r);
}
