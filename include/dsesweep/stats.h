/* stats.h — correlation coefficients, bootstrap intervals and a line fit for
 * `dsesweep report`: how a quantity relates to a target such as top-1 accuracy.
 *
 * All functions are local (no MPI); only dse_families allocates what the
 * caller frees. Pairs with a non-finite x or y must be removed by the caller.
 */
#ifndef DSESWEEP_STATS_H
#define DSESWEEP_STATS_H
#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"

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

/* ---- partial correlation ------------------------------------------------ */

/* Local. The partial correlation of x and y given k covariates (cov: k
 * arrays of n values, cov[c][i]): Pearson's r of the residuals of x and of
 * y after least squares on [1, cov_1 .. cov_k] (the "residual method";
 * Baba, Shibata & Sibuya 2004). DSE_SPEARMAN does the same on the average
 * ranks of x, y and every covariate (partial Spearman). Kendall has no
 * residual form: NaN. NaN when n < k + 3 or a residual is constant (up to
 * rounding: a residual below 1e-12 of its input's spread counts as
 * constant, so an exact function of the covariates gives NaN, not noise).
 * With k = 0 this is the plain coefficient. */
double dse_partial_correlation(dse_correlation_t kind, const double *x, const double *y,
                               const double *const *cov, size_t k, size_t n);

/* Local. Percentile bootstrap interval of dse_partial_correlation: each of
 * `resamples` draws takes n rows (x, y and the covariates together) with
 * replacement from the stream (seed, DSE_RNG_BOOTSTRAP, 16 + kind, n).
 * The same NaN rules as dse_bootstrap_interval. Returns -1 if scratch
 * allocation fails, else 0. */
int dse_partial_bootstrap_interval(dse_correlation_t kind, const double *x, const double *y,
                                   const double *const *cov, size_t k, size_t n, size_t resamples,
                                   double level, uint64_t seed, double *lo, double *hi);

/* ---- ranking ---------------------------------------------------------------- */

/* Local. Whether two adjacent scores differ by more than their combined
 * standard errors: |a - b| > sqrt(se_a^2 + se_b^2). 0 when both SEs are 0
 * and a == b; -1 when an SE is not known (NaN). */
int dse_differs_beyond_se(double a, double se_a, double b, double se_b);

/* ---- families -------------------------------------------------------------- */

/* Local. Groups n names by a POSIX extended regular expression: a name's
 * family is the text of the pattern's first capture group in its first
 * match (the whole match when the pattern has no group); names that do not
 * match form the family "(other)". family_of[i] (caller-owned, n values)
 * indexes *families, in order of first appearance; *families (malloc'd
 * strings in a malloc'd array) is released with dse_families_free. Fails
 * with "bad family regex '<re>': <reason>". */
int dse_families(const char *regex, const char *const *names, size_t n, size_t *family_of,
                 char ***families, size_t *n_families, dse_err_t *err);

/* Local. Frees what dse_families returned; safe on NULL. */
void dse_families_free(char **families, size_t n);

#endif
