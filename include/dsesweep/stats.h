/* stats.h — correlation coefficients, bootstrap intervals and a line fit for
 * `dsesweep report`: how a quantity relates to a target such as top-1 accuracy.
 *
 * All functions are local (no MPI) and allocate nothing the caller must free.
 * Pairs with a non-finite x or y must be removed by the caller.
 */
#ifndef DSESWEEP_STATS_H
#define DSESWEEP_STATS_H
#include <stddef.h>
#include <stdint.h>

/* The three coefficients the report prints, in this order. */
typedef enum {
    DSE_PEARSON = 0,
    DSE_SPEARMAN = 1,
    DSE_KENDALL = 2,
    DSE_N_CORRELATIONS = 3
} dse_correlation_t;

/* Local. "pearson", "spearman" or "kendall". */
const char *dse_correlation_name(dse_correlation_t kind);

/* Local. Pearson's r of n pairs (two-pass, centred sums). NaN when n < 2 or
 * either side is constant. */
double dse_pearson(const double *x, const double *y, size_t n);

/* Local. Spearman's rho: Pearson's r of the ranks, ties given their average
 * rank. NaN as for dse_pearson. */
double dse_spearman(const double *x, const double *y, size_t n);

/* Local. Kendall's tau-b, which corrects for ties in either variable
 * (the variant scipy.stats.kendalltau returns). O(n^2) pair count. NaN when
 * n < 2 or either side is constant. */
double dse_kendall(const double *x, const double *y, size_t n);

/* Local. One of the three coefficients by kind. */
double dse_correlation(dse_correlation_t kind, const double *x, const double *y, size_t n);

/* Local. Average ranks (1-based; ties share the mean of their ranks) of
 * x[0..n) into ranks[0..n). Uses n size_t of stack-free heap scratch; returns
 * -1 if that allocation fails, else 0. */
int dse_average_ranks(const double *x, size_t n, double *ranks);

/* Local. Percentile bootstrap interval of a coefficient: `resamples` draws of
 * n pairs with replacement from the stream (seed, DSE_RNG_BOOTSTRAP, kind, n),
 * the coefficient of each, and the (1-level)/2 and (1+level)/2 quantiles of
 * those that are finite (a resample with a constant side has none). Writes
 * NaN to both ends when n < 5 (too few pairs for resampling to mean much)
 * or fewer than half the resamples are finite.
 * Returns -1 if scratch allocation fails, else 0. */
int dse_bootstrap_interval(dse_correlation_t kind, const double *x, const double *y, size_t n,
                           size_t resamples, double level, uint64_t seed, double *lo, double *hi);

/* Local. Least-squares line y = intercept + slope * x. NaN for both when
 * n < 2 or x is constant. */
void dse_line_fit(const double *x, const double *y, size_t n, double *slope, double *intercept);

#endif
