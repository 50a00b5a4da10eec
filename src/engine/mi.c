/* mi.c — mutual information as a list of independent subset tasks. */
#include "dsesweep/mi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/entropy.h"
#include "dsesweep/measure.h"
#include "dsesweep/rng.h"

dse_params_t dse_params_default(void)
{
    dse_params_t p = {.sigma = 10.0,
                      .max_n = 10000,
                      .seed = 0,
                      .repetitions = 5,
                      .cse_bins = 2,
                      .knn = 10,
                      .n_clusters = 10,
                      .driver = DSE_EIGEN_AUTO};
    return p;
}

const char *dse_family_entropy_name(dse_family_t f)
{
    static const char *names[] = {"DSE", "CSE", "ASE_gaussian", "ASE_anisotropic", "ASE_knn"};
    return f < DSE_FAMILY_COUNT ? names[f] : "?";
}

const char *dse_family_mi_name(dse_family_t f)
{
    static const char *names[] = {"DSMI", "CSMI", "ASMI_gaussian", "ASMI_anisotropic", "ASMI_knn"};
    return f < DSE_FAMILY_COUNT ? names[f] : "?";
}

int dse_family_uses_t(dse_family_t f)
{
    return f == DSE_FAMILY_DSE;
}

size_t dse_family_result_length(dse_family_t f, size_t count)
{
    return f == DSE_FAMILY_CSE ? 1 : count;
}

int dse_family_evaluate(dse_family_t f, size_t count, size_t d, const double *sub,
                        const dse_params_t *p, double **values, size_t *nvalues, dse_err_t *err)
{
    *values = NULL;
    *nvalues = 0;
    size_t nv = dse_family_result_length(f, count);
    double *v = DSE_MALLOC(nv, sizeof *v, err);
    if (!v) return err->code;
    int rc;
    switch (f) {
    case DSE_FAMILY_DSE:
    case DSE_FAMILY_ASE_ANISOTROPIC:
        rc = dse_kernel_spectrum(count, d, sub, p->sigma, DSE_KERNEL_ANISOTROPIC, p->driver,
                                         v, err);
        break;
    case DSE_FAMILY_ASE_GAUSSIAN:
        rc = dse_kernel_spectrum(count, d, sub, p->sigma, DSE_KERNEL_GAUSSIAN, p->driver, v,
                                         err);
        break;
    case DSE_FAMILY_ASE_KNN: rc = dse_measure_knn_spectrum(count, d, sub, p->knn, v, err); break;
    case DSE_FAMILY_CSE: rc = dse_measure_cse(count, d, sub, p->cse_bins, v, err); break;
    default: rc = DSE_RAISE(err, DSE_EUSAGE, "unknown quantity family %d", (int)f);
    }
    if (rc != DSE_OK) {
        free(v);
        return rc;
    }
    *values = v;
    *nvalues = nv;
    return DSE_OK;
}

double dse_family_entropy(dse_family_t f, const double *values, size_t nvalues, double t)
{
    if (f == DSE_FAMILY_CSE) return values[0];
    return dse_entropy_spectral(values, nvalues, dse_family_uses_t(f) ? t : 1.0);
}

size_t dse_mi_task_count(const dse_categories_t *cat, const dse_params_t *p)
{
    return cat->n_classes * (size_t)(p->repetitions + 1);
}

size_t dse_mi_task_size(const dse_categories_t *cat, const dse_params_t *p, size_t task)
{
    size_t nc = cat->counts[task / ((size_t)p->repetitions + 1)];
    return p->max_n && nc > p->max_n ? p->max_n : nc;
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

int dse_mi_combine(const dse_categories_t *cat, const dse_params_t *p, dse_family_t f, double t,
                   double *const *values, const size_t *nvalues, dse_mi_result_t *out,
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
    double mi = 0.0;
    for (size_t c = 0; c < k; ++c) {
        size_t base = c * per;
        double cond = dse_family_entropy(f, values[base], nvalues[base], t);
        double sum = 0.0, sum2 = 0.0;
        for (size_t r = 1; r < per; ++r) {
            double h = dse_family_entropy(f, values[base + r], nvalues[base + r], t);
            sum += h;
            sum2 += h * h;
        }
        double R = (double)(per - 1);
        double mean = sum / R;
        double var = R > 1 ? (sum2 - R * mean * mean) / (R - 1) : 0.0;
        out->conditional[c] = cond;
        out->subset_mean[c] = mean;
        out->subset_std[c] = var > 0 ? sqrt(var) : 0.0;
        mi += (double)cat->counts[c] / (double)cat->n * (mean - cond);
    }
    out->value = mi;
    return DSE_OK;
}

int dse_mi_compute(dse_family_t f, size_t n, size_t d, const double *Z, const dse_categories_t *cat,
                   const dse_params_t *p, const double *ts, size_t nt, dse_mi_result_t *out,
                   dse_err_t *err)
{
    if (cat->n != n)
        return DSE_RAISE(err, DSE_EVALUE, "%zu labels for %zu samples", cat->n, n);
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
            rc = dse_family_evaluate(f, count, d, sub, p, &values[task], &nvalues[task], err);
        free(sub);
    }
    for (size_t i = 0; rc == DSE_OK && i < nt; ++i)
        rc = dse_mi_combine(cat, p, f, ts[i], values, nvalues, &out[i], err);
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
