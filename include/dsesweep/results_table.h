/* results_table.h — a store's results as a wide table: one row per
 * checkpoint (sorted by run, step, path), one column per (quantity, t,
 * sigma rule or fixed sigma), for the report's per-run tables, rankings and
 * correlations.
 *
 * All functions are local. The table owns its arrays; strings it holds
 * (run, path, error) are borrowed from the store, which must outlive it.
 */
#ifndef DSESWEEP_RESULTS_TABLE_H
#define DSESWEEP_RESULTS_TABLE_H
#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"
#include "dsesweep/store.h"

#define DSE_COLUMN_NAME_MAX 96

typedef struct dse_results_row {
    const char *run, *path; /* borrowed from the store */
    int64_t step;
    int64_t checkpoint; /* row in the store's checkpoints table */
} dse_results_row_t;

typedef struct dse_results_table {
    size_t n_cols, n_rows;
    char (*cols)[DSE_COLUMN_NAME_MAX]; /* "DSE(t=1)", "CSE", "DSMI(t=2,sigma=4)" when sigmas
                                          differ, "DSE(t=1,sigma=median)" when rules differ */
    dse_results_row_t *rows;
    double *values;      /* n_rows * n_cols; NaN where missing or failed */
    double *se;          /* n_rows * n_cols; the value's standard error (0: not estimated) */
    double *sigma_used;  /* n_rows * n_cols; the bandwidth a rule gave (0: fixed sigma) */
    double *lower;       /* n_rows * n_cols; the bounded method's interval (docs/bounded.md), */
    double *upper;       /*   NaN where the value is exact */
    char *statistical;   /* n_rows * n_cols; 1 where that interval is statistical */
    int32_t *status;     /* n_rows * n_cols; -1 missing, 0 ok, else the DSE_E* code */
    const char **errors; /* n_rows * n_cols; the failed task's message, else NULL */
    size_t n_runs;
    size_t *run_begin; /* n_runs + 1: run i is rows [run_begin[i], run_begin[i + 1]) */
} dse_results_table_t;

/* Local. Builds the table from a loaded store. Columns are in the order of
 * (quantity, t, sigma) sorted by name. The caller owns *t and frees it with
 * dse_results_table_free. */
int dse_results_table_build(const dse_store_t *s, dse_results_table_t *t, dse_err_t *err);

/* Local. Frees the table's arrays (safe on a zeroed table). */
void dse_results_table_free(dse_results_table_t *t);

/* Local. Column index of a name ("DSMI(t=1)"; a bare quantity such as "DSMI"
 * matches its first column), or -1. */
long dse_results_table_column(const dse_results_table_t *t, const char *name);

/* Local. Value at (row, col). */
static inline double dse_results_value(const dse_results_table_t *t, size_t row, size_t col)
{
    return t->values[row * t->n_cols + col];
}

/* Local. Standard error at (row, col): 0 when not estimated, NaN when failed. */
static inline double dse_results_se(const dse_results_table_t *t, size_t row, size_t col)
{
    return t->se[row * t->n_cols + col];
}

/* Local. The bounded method's interval at (row, col): 1 and *lo, *hi when
 * the value came from a partial spectrum, else 0. */
static inline int dse_results_interval(const dse_results_table_t *t, size_t row, size_t col,
                                       double *lo, double *hi)
{
    size_t cell = row * t->n_cols + col;
    *lo = t->lower[cell];
    *hi = t->upper[cell];
    return *lo == *lo && *hi == *hi; /* both not NaN */
}

#endif
