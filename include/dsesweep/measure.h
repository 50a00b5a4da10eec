/* measure.h — every single-matrix quantity of REFERENCE.md on one rank.
 *
 * Inputs are row-major N x D float64 matrices in memory (caller-owned). Each
 * function allocates its own N x N work matrix (8 N^2 bytes) and frees it.
 * Spectra come back sorted descending in caller-owned arrays, so one
 * eigensolve serves DSE at every t and ASE-anisotropic.
 */
#ifndef DSESWEEP_MEASURE_H
#define DSESWEEP_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/eigen.h"
#include "dsesweep/error.h"
#include "dsesweep/kernel.h"
#include "dsesweep/params.h"

/* Local. Moduli of the eigenvalues of the binarised kNN adjacency
 * A(i,j) = [d(i,j) <= k-th smallest distance of row i] (self included, ties
 * included, not symmetrised) into eig (n), descending. k is clamped to n. */
int dse_measure_knn_spectrum(size_t n, size_t d, const double *Z, int k, double *eig,
                             dse_err_t *err);

/* Local. Matrix-entry DSE from the lower triangle of K (n x n, ld n): the
 * entropy of the entries of P = diag(1/rowsum K) K. */
int dse_measure_entry_entropy_lower(size_t n, const double *K, double *out, dse_err_t *err);

/* Local. Entropy of the entries of P = diag(1/rowsum K) K, K of Z at sigma. */
int dse_measure_matrix_entry(size_t n, size_t d, const double *Z, double sigma, double *out,
                             dse_err_t *err);

/* Local. Classic Shannon entropy of the b-bins-per-dimension histogram after
 * min-max scaling (numpy.digitize semantics; a constant dimension scales to
 * NaN in the reference and lands in bin b, as here). */
int dse_measure_cse(size_t n, size_t d, const double *Z, int bins, double *out, dse_err_t *err);

/* Local. RankMe (Garrido et al. 2023): exp(-sum q ln q), q = s/sum(s) + 1e-7. */
int dse_measure_rankme(size_t n, size_t d, const double *Z, double *out, dse_err_t *err);

/* Local. Eigenvalues of the sample covariance (1/(n-1), centred) into eig
 * (d), descending, clamped at 0. n >= 2. */
int dse_measure_covariance_spectrum(size_t n, size_t d, const double *Z, double *eig,
                                    dse_err_t *err);

/* Local. MatrixEntropy (Giraldo, Rao & Principe 2014): the Renyi entropy of
 * order p->alpha, in bits, of the eigenvalues of Z Z^T / tr(Z Z^T) (rows as
 * given, not centred), from the min(n, d)-sized Gram matrix (dsyrk, then
 * eigenvalues only with p->driver). alpha = 1: -sum l log2 l over l > 0.
 * *out is NaN for an all-zero Z. A dse_quantity_compute_fn. */
int dse_measure_matrix_entropy(size_t n, size_t d, const double *Z, const dse_params_t *p,
                               double *out, dse_err_t *err);

/* Local. Participation ratio (sum mu)^2 / sum mu^2 of a covariance spectrum. */
double dse_measure_participation_ratio(const double *mu, size_t d);

/* Local. alpha-ReQ (Agrawal et al. 2022): the decay coefficient alpha of
 * mu_k ~ k^-alpha, i.e. minus the least-squares slope of log mu_k on log k
 * over the eigenvalues above 1e-12 * mu_1. NaN with fewer than 2 of them. */
double dse_measure_alpha_req(const double *mu, size_t d);

/* Local. When n > max_n, draws max_n rows uniformly without replacement from
 * the stream (seed, DSE_RNG_SUBSAMPLE, stream, 0) and returns them ascending
 * in *rows (malloc'd, caller frees); otherwise *rows = NULL and *count = n.
 * Depends on the seed and stream only, never on ranks or layout. */
int dse_measure_subsample_rows(size_t n, size_t max_n, uint64_t seed, uint64_t stream,
                               size_t **rows, size_t *count, dse_err_t *err);

/* Local. Copies the given rows of Z (row-major n x d) into a new matrix
 * (*out malloc'd, caller frees). */
int dse_measure_gather_rows(size_t d, const double *Z, const size_t *rows, size_t count,
                            double **out, dse_err_t *err);

#endif
