/* mi.h — DSMI, CSMI and ASMI (REFERENCE.md, "Mutual information").
 *
 * MI(Z; Y) = sum_c p(c) [ H(Z*_c) - H(Z | Y = c) ], where H(Z*_c) is the mean
 * over R random subsets of n_c rows. The work is a list of independent tasks
 * so ranks can share it: task c*(R+1) is the class-c subset, tasks
 * c*(R+1)+1..c*(R+1)+R are its random subsets. A task's rows depend only on
 * (seed, c, r), never on which rank evaluates it. A spectral task keeps its
 * spectrum, so one set of eigensolves serves every t.
 */
#ifndef DSESWEEP_MI_H
#define DSESWEEP_MI_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/categories.h"
#include "dsesweep/eigen.h"
#include "dsesweep/error.h"

typedef enum dse_family {
    DSE_FAMILY_DSE,             /* diffusion spectral entropy (power t) */
    DSE_FAMILY_CSE,             /* classic binned Shannon entropy */
    DSE_FAMILY_ASE_GAUSSIAN,    /* adjacency spectral entropy of G */
    DSE_FAMILY_ASE_ANISOTROPIC, /* ... of K */
    DSE_FAMILY_ASE_KNN,         /* ... of the binarised kNN adjacency */
    DSE_FAMILY_COUNT
} dse_family_t;

typedef struct dse_params {
    double sigma;       /* Gaussian bandwidth, > 0 (default 10) */
    size_t max_n;       /* subsample above this many rows (default 10000; 0 = never) */
    uint64_t seed;      /* every random draw derives from it (default 0) */
    int repetitions;    /* R random subsets per class (default 5) */
    int cse_bins;       /* CSE bins per dimension (default 2) */
    int knn;            /* kNN adjacency k (default 10) */
    int n_clusters;     /* bins for continuous scalar references (default 10) */
    dse_eigen_driver_t driver;
} dse_params_t;

/* Local. The defaults of REFERENCE.md. */
dse_params_t dse_params_default(void);

/* Local. Entropy name ("DSE", "CSE", "ASE_gaussian", ...) and MI name
 * ("DSMI", "CSMI", "ASMI_gaussian", ...). Static strings. */
const char *dse_family_entropy_name(dse_family_t f);
const char *dse_family_mi_name(dse_family_t f);

/* Local. 1 if the family's task values are a spectrum whose entropy takes t. */
int dse_family_uses_t(dse_family_t f);

/* Local. Evaluates the family on the rows of Zsub (row-major count x d):
 * spectral families give the spectrum (count values), CSE one value.
 * *values is malloc'd and owned by the caller. */
int dse_family_evaluate(dse_family_t f, size_t count, size_t d, const double *Zsub,
                        const dse_params_t *p, double **values, size_t *nvalues, dse_err_t *err);

/* Local. Number of values dse_family_evaluate returns for `count` rows. */
size_t dse_family_result_length(dse_family_t f, size_t count);

/* Local. Rows task `task` will have (its subset size after the max_N cap),
 * without drawing them. */
size_t dse_mi_task_size(const dse_categories_t *cat, const dse_params_t *p, size_t task);

/* Local. The entropy of one task's values at power t (t ignored for ASE/CSE). */
double dse_family_entropy(dse_family_t f, const double *values, size_t nvalues, double t);

/* Local. Number of tasks: n_classes * (R + 1). */
size_t dse_mi_task_count(const dse_categories_t *cat, const dse_params_t *p);

/* Local. The ascending rows of task `task` into rows (caller-owned, capacity
 * cat->n), including the max_N subsample of a large subset. */
int dse_mi_task_rows(const dse_categories_t *cat, const dse_params_t *p, size_t task, size_t *rows,
                     size_t *count, dse_err_t *err);

typedef struct dse_mi_result {
    size_t n_classes;
    double value;        /* the mutual information, bits */
    double *conditional; /* n_classes: H(Z | Y = c) */
    double *subset_mean; /* n_classes: mean of H over the R subsets */
    double *subset_std;  /* n_classes: their sample standard deviation */
} dse_mi_result_t;

/* Local. Combines evaluated tasks (values[task], nvalues[task]) at power t.
 * out's arrays are malloc'd; release with dse_mi_result_free. */
int dse_mi_combine(const dse_categories_t *cat, const dse_params_t *p, dse_family_t f, double t,
                   double *const *values, const size_t *nvalues, dse_mi_result_t *out,
                   dse_err_t *err);

/* Local. Single-rank driver: evaluates every task once and combines it at
 * each of the nt powers ts into out[0..nt) (caller-owned array). */
int dse_mi_compute(dse_family_t f, size_t n, size_t d, const double *Z, const dse_categories_t *cat,
                   const dse_params_t *p, const double *ts, size_t nt, dse_mi_result_t *out,
                   dse_err_t *err);

/* Local. Frees out's arrays; safe on a zeroed result. */
void dse_mi_result_free(dse_mi_result_t *r);

#endif
