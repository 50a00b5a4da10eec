/* mi.h — DSMI, CSMI and ASMI (REFERENCE.md, "Mutual information").
 *
 * MI(Z; Y) = sum_c p(c) [ H(Z*_c) - H(Z | Y = c) ], where H(Z*_c) is the mean
 * over R random subsets of n_c rows. The work is a list of independent tasks
 * so ranks can share it: task c*(R+1) is the class-c subset, tasks
 * c*(R+1)+1..c*(R+1)+R are its random subsets. A task's rows depend only on
 * (seed, c, r), never on which rank evaluates it. A spectral task keeps its
 * spectrum, so one set of eigensolves serves every t.
 *
 * Which entropy an MI quantity is built from is a column of the quantity
 * table (quantity.h): the functions below take an MI id (DSE_QID_DSMI) or
 * the entropy's id (DSE_QID_DSE) alike; a task's values are those of
 * dse_quantity_evaluate for that id.
 */
#ifndef DSESWEEP_MI_H
#define DSESWEEP_MI_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/categories.h"
#include "dsesweep/eigen.h"
#include "dsesweep/error.h"
#include "dsesweep/params.h"
#include "dsesweep/quantity.h"

/* Local. Rows task `task` will have (its subset size after the max_N cap),
 * without drawing them. */
size_t dse_mi_task_size(const dse_categories_t *cat, const dse_params_t *p, size_t task);

/* Local. Number of tasks: n_classes * (R + 1). */
size_t dse_mi_task_count(const dse_categories_t *cat, const dse_params_t *p);

/* Local. The ascending rows of task `task` into rows (caller-owned, capacity
 * cat->n), including the max_N subsample of a large subset. */
int dse_mi_task_rows(const dse_categories_t *cat, const dse_params_t *p, size_t task, size_t *rows,
                     size_t *count, dse_err_t *err);

typedef struct dse_mi_result {
    size_t n_classes;
    double value;        /* the mutual information, bits */
    double se;           /* its standard error over the R subset draws:
                            sqrt(sum_c p(c)^2 s_c^2 / R), s_c = subset_std[c] */
    double *conditional; /* n_classes: H(Z | Y = c) */
    double *subset_mean; /* n_classes: mean of H over the R subsets */
    double *subset_std;  /* n_classes: their sample standard deviation */
    int bounded;         /* 1 when some subset's entropy came from the bounded method */
    double lower, upper; /* bounded: the MI's interval from its subsets' intervals (an
                            exact subset counts as [h, h]); NaN otherwise */
    int statistical;     /* bounded: 1 when a subset's interval is statistical */
    int lanczos;         /* bounded: 1 when a subset's interval came from the bounded
                            method (0: all from float32 spectra, precision = float32) */
} dse_mi_result_t;

/* Local. Combines evaluated tasks (values[task], nvalues[task]) of quantity
 * q at power t (ignored unless q uses t). out's arrays are malloc'd; release
 * with dse_mi_result_free. */
int dse_mi_combine(const dse_categories_t *cat, const dse_params_t *p, dse_quantity_id_t q,
                   double t, double *const *values, const size_t *nvalues, dse_mi_result_t *out,
                   dse_err_t *err);

/* Local. Single-rank driver: evaluates every task once and combines it at
 * each of the nt powers ts into out[0..nt) (caller-owned array). */
int dse_mi_compute(dse_quantity_id_t q, size_t n, size_t d, const double *Z,
                   const dse_categories_t *cat, const dse_params_t *p, const double *ts, size_t nt,
                   dse_mi_result_t *out, dse_err_t *err);

/* Local. Frees out's arrays; safe on a zeroed result. */
void dse_mi_result_free(dse_mi_result_t *r);

#endif
