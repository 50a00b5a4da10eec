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
 * from Z. If G_out is not NULL it receives a copy of the unnormalised
 * Gaussian's lower triangle first. rowsum (n, may be NULL) receives r_i. */
int dse_kernel_build_lower(size_t n, size_t d, const double *Z, double sigma, double *K,
                           double *G_out, double *rowsum, dse_err_t *err);

/* Local. Eigenvalues of K (or of G) of the n rows of Z (row-major n x d) into
 * eig (n, caller-owned), descending: the kernel in an n x n work matrix
 * (allocated and freed here, 8 n^2 bytes), then the LAPACK driver. */
int dse_kernel_spectrum(size_t n, size_t d, const double *Z, double sigma, dse_kernel_kind_t kind,
                        dse_eigen_driver_t driver, double *eig, dse_err_t *err);

#endif
