/* kernel.h — squared distances, Gaussian affinities and the anisotropic
 * (symmetric) normalisation, all float64 and all BLAS-3 for the distances.
 *
 * Matrices are column-major with a leading dimension. The single-rank builder
 * fills only the lower triangle (what the LAPACK 'L' drivers read) and uses
 * dsyrk; the block builder serves the distributed engine's local blocks and
 * uses dgemm. Normalisation is an O(N^2) scaling, never a matrix product.
 */
#ifndef DSESWEEP_KERNEL_H
#define DSESWEEP_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/eigen.h"
#include "dsesweep/error.h"

typedef enum dse_kernel_kind {
    DSE_KERNEL_ANISOTROPIC, /* K = D^-1/2 G D^-1/2: the diffusion spectrum */
    DSE_KERNEL_GAUSSIAN     /* G itself (ASE "gaussian") */
} dse_kernel_kind_t;

/* Local. norms[i] = |z_i|^2 for the n rows of Z (row-major n x d). */
void dse_kernel_row_norms(size_t n, size_t d, const double *Z, double *norms);

/* Local. Lower triangle of the n x n squared-distance matrix of the rows of Z
 * (row-major n x d) into D2 (column-major, ld n, caller-owned, n*n doubles):
 * one dsyrk, then d2 = |zi|^2 + |zj|^2 - 2 zi.zj clamped at 0, diagonal 0. */
int dse_kernel_sqdist_lower(size_t n, size_t d, const double *Z, double *D2, dse_err_t *err);

/* Local. One m x k block of squared distances between rows ZI (m x d,
 * row-major) and ZJ (k x d, row-major) into out (column-major, ld >= m), with
 * precomputed norms. gi/gj are the global sample indices of the rows; entries
 * with gi[a] == gj[b] are set to exactly 0. One dgemm. */
int dse_kernel_sqdist_block(size_t m, size_t k, size_t d, const double *ZI, const double *normsI,
                            const size_t *gi, const double *ZJ, const double *normsJ,
                            const size_t *gj, double *out, size_t ld, dse_err_t *err);

/* Local. In place: a <- exp(-a / (2 sigma^2)) for the m x k block. The
 * reference's 1/(sigma sqrt(2 pi)) factor cancels in every quantity. */
void dse_kernel_gaussian_block(size_t m, size_t k, double *a, size_t ld, double sigma);

/* Local. Lower triangle: a <- exp(-a / (2 sigma^2)) for the n x n matrix. */
void dse_kernel_gaussian_lower(size_t n, double *a, double sigma);

/* Local. Row sums of the symmetric matrix whose lower triangle is in G. */
void dse_kernel_row_sums_lower(size_t n, const double *G, double *rowsum);

/* Local. In place on a block: a(i,j) <- a(i,j) * si[i] * sj[j] where
 * s = 1/sqrt(rowsum). This is K = D^-1/2 G D^-1/2 as an O(mk) scaling. */
void dse_kernel_scale_block(size_t m, size_t k, double *a, size_t ld, const double *si,
                            const double *sj);

/* Local. The same scaling on the lower triangle of an n x n matrix. */
void dse_kernel_scale_lower(size_t n, double *a, const double *s);

/* Local. Convenience: K (lower triangle, column-major n x n, caller-owned)
 * from Z. */
int dse_kernel_build_lower(size_t n, size_t d, const double *Z, double sigma, double *K,
                           dse_err_t *err);

/* Local. Eigenvalues of K (or of G) of the n rows of Z (row-major n x d) into
 * eig (n, caller-owned), descending: the kernel in an n x n work matrix
 * (allocated and freed here, 8 n^2 bytes), then the LAPACK driver. */
int dse_kernel_spectrum(size_t n, size_t d, const double *Z, double sigma, dse_kernel_kind_t kind,
                        dse_eigen_driver_t driver, double *eig, dse_err_t *err);

/* ---- bandwidth rules ------------------------------------------------------
 * The rule types live here, with the builders that apply them; params.h
 * parses and formats them and holds a sweep's list. */

/* How the Gaussian bandwidth is chosen (REFERENCE.md "Bandwidth rules"). */
typedef enum dse_sigma_kind {
    DSE_SIGMA_FIXED,  /* sigma = value */
    DSE_SIGMA_SQRT_D, /* sigma = sqrt(D) */
    DSE_SIGMA_MEDIAN, /* sigma = value x the median of d(i,j) over i < j */
    DSE_SIGMA_KNN     /* sigma_i = distance to the k-th nearest other point;
                         G(i,j) = exp(-d2 / (2 sigma_i sigma_j)) */
} dse_sigma_kind_t;

typedef struct dse_sigma_rule {
    dse_sigma_kind_t kind;
    double value; /* FIXED: sigma; MEDIAN: the factor (1 for "median") */
    int k;        /* KNN: the neighbour */
} dse_sigma_rule_t;

/* The bandwidth a rule gave on one point set: for scalar rules median = lo =
 * hi = sigma; for knn the median, minimum and maximum of sigma_i. */
typedef struct dse_sigma_used {
    double median, lo, hi;
} dse_sigma_used_t;

/* Local. One pass of an exact radix selection over the squared distances of
 * an m x k block (column-major, ld) whose rows and columns are the global
 * samples gi, gj: only entries with gi[a] > gj[b] (each pair i < j once)
 * count. Pass p (0..7) adds to hist[256] the count of every entry whose top
 * 8p bits equal `prefix` (squared distances are >= 0, so their IEEE bit
 * patterns sort like their values), bucketed by the next 8 bits. */
void dse_kernel_radix_hist(size_t m, size_t k, const double *a, size_t ld, const size_t *gi,
                           const size_t *gj, int pass, uint64_t prefix, uint64_t hist[256]);

/* Local. After a pass: the bucket holding the entry of 0-based rank *rank
 * (updated to its rank inside the bucket); returns the longer prefix. */
uint64_t dse_kernel_radix_pick(const uint64_t hist[256], uint64_t *rank, uint64_t prefix);

/* Local. The median of d(i,j) over the n(n-1)/2 pairs i < j (the mean of
 * the two middle distances when their count is even, as numpy.median), from
 * the lower triangle of squared distances D2 (n x n, ld n); 0 when n < 2.
 * Exact: 8 radix passes per middle rank, no copy of D2. */
int dse_kernel_median_distance_lower(size_t n, const double *D2, double *median, dse_err_t *err);

/* Local. sigma[i] = the distance from i to its k-th nearest other point
 * (ties counted), from the lower triangle of squared distances D2. Fails when
 * k >= n. sigma is caller-owned (n values). */
int dse_kernel_knn_sigma_lower(size_t n, const double *D2, int k, double *sigma, dse_err_t *err);

/* Local. The 0-based kth smallest of v[0..n) (kth < n). v is reordered so
 * that v[0..kth] hold the kth + 1 smallest, ascending. */
double dse_kernel_kth_smallest(double *v, size_t n, size_t kth);

/* Local. In place on a block: a(i,j) <- exp(-a(i,j) / (2 si[i] sj[j])). */
void dse_kernel_gaussian_pp_block(size_t m, size_t k, double *a, size_t ld, const double *si,
                                  const double *sj);

/* Local. The median, minimum and maximum of the n values s (n >= 1). */
dse_sigma_used_t dse_kernel_sigma_summary(size_t n, const double *s, dse_err_t *err);

/* Called by dse_kernel_for_each_rule with rule r's kernel (lower triangle of
 * an n x n column-major matrix, which the callee may destroy) and the
 * bandwidth it used. */
typedef int (*dse_kernel_rule_fn)(int r, size_t n, double *K, const dse_sigma_used_t *used,
                                  void *ctx, dse_err_t *err);

/* Local. Computes the squared distances of the rows of Z once, then for each
 * of the nrules (>= 1) rules builds the kernel of `kind` with that rule and
 * hands it to fn. Memory: 8 n^2 bytes with one rule, 16 n^2 with several
 * (the distances are kept). *distance_passes (may be NULL) is incremented
 * once per distance computation. */
int dse_kernel_for_each_rule(size_t n, size_t d, const double *Z, const dse_sigma_rule_t *rules,
                             int nrules, dse_kernel_kind_t kind, dse_kernel_rule_fn fn, void *ctx,
                             size_t *distance_passes, dse_err_t *err);

/* Local. The spectrum of the kernel of `kind` for each of the nrules rules,
 * from one distance computation (LAPACK driver `driver`): out (nrules (n + 3)
 * values, caller-owned) holds per rule the n eigenvalues (descending), then
 * the sigma used (median, min, max). */
int dse_kernel_spectra(size_t n, size_t d, const double *Z, const dse_sigma_rule_t *rules,
                       int nrules, dse_kernel_kind_t kind, dse_eigen_driver_t driver, double *out,
                       size_t *distance_passes, dse_err_t *err);

/* Local. The bandwidth each of the nrules rules gives on the n x d rows Z
 * (median, min and max; knn: of sigma_i) into used (nrules, caller-owned),
 * from one distance computation and no kernel: what an adaptive rule
 * resolves to before the MI subsets use it. Memory: 8 n^2 bytes. */
int dse_kernel_rule_bandwidths(size_t n, size_t d, const double *Z, const dse_sigma_rule_t *rules,
                               int nrules, dse_sigma_used_t *used, dse_err_t *err);

/* Local. The bandwidth of a non-adaptive rule (a number, sqrt_d, median*c)
 * for d dimensions and the median pairwise distance `median`; raises
 * DSE_EVALUE when it is not > 0 (all distances 0). */
int dse_kernel_rule_sigma(const dse_sigma_rule_t *rule, size_t d, double median, double *sigma,
                          dse_err_t *err);

#endif
