/* lanczos.h — block Lanczos with full reorthogonalisation, for the top
 * eigenvalues of a symmetric positive semi-definite operator that is known
 * only through products with a block of vectors.
 *
 * The state is replicated: every rank that calls these functions with the
 * same operator results holds the same basis, so the Ritz values are the
 * same on every rank. Only the operator (dse_lanczos_apply_fn) may be
 * collective; everything here is local dense linear algebra (BLAS-3 for the
 * reorthogonalisation, LAPACK dsyevd for the Ritz values).
 *
 * After `dim` basis columns, the projected matrix T = V^T A V of the first
 * m = dim - b columns is complete; its eigenvalues theta_1 >= ... >= theta_m
 * are the Ritz values (Cauchy interlacing: theta_i <= lambda_i(A) for every
 * i) and rho_i = |B s_i(last b rows)| their residual norms |A y_i - theta_i
 * y_i| (exact arithmetic; full reorthogonalisation keeps it so to rounding).
 */
#ifndef DSESWEEP_LANCZOS_H
#define DSESWEEP_LANCZOS_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"

/* Y = A X for the n x b column-major blocks X and Y (leading dimension n).
 * May be collective (the caller's operator); must give the same Y on every
 * rank that runs the iteration. */
typedef int (*dse_lanczos_apply_fn)(void *ctx, size_t b, const double *X, double *Y,
                                    dse_err_t *err);

typedef struct dse_lanczos {
    size_t n, b, max_dim; /* order, block size, most basis columns */
    size_t dim;           /* basis columns so far (a multiple of b) */
    size_t products;      /* blocks multiplied by the operator */
    uint64_t seed;
    double *V; /* n x (max_dim + b) basis, column-major (owned) */
    double *T; /* max_dim x max_dim projected matrix, lower part (owned) */
    double *B; /* b x b upper-triangular factor of the last remainder (owned) */
    double *W; /* n x b work block (owned) */
    double *H; /* (max_dim + b) x b projection work (owned) */
} dse_lanczos_t;

/* Local. A seeded, orthonormal n x b start block (the same for a seed on
 * every rank and machine: xoshiro256** draws, no BLAS). max_dim is rounded
 * down to a multiple of b and must leave room: 2b <= max_dim + b <= n.
 * Release with dse_lanczos_free. */
int dse_lanczos_init(dse_lanczos_t *L, size_t n, size_t b, size_t max_dim, uint64_t seed,
                     dse_err_t *err);

/* Collective when apply is. One block step: multiplies the newest block,
 * projects, reorthogonalises twice against the whole basis and appends the
 * next block (a rank-deficient remainder is completed with seeded random
 * directions). Fails with DSE_EVALUE when the basis is full (dim = max_dim + b). */
int dse_lanczos_extend(dse_lanczos_t *L, dse_lanczos_apply_fn apply, void *ctx, dse_err_t *err);

/* Local. The m = dim - b Ritz values, descending, into theta (m, caller-owned)
 * and their residual norms into rho (m, caller-owned). *m receives m. */
int dse_lanczos_ritz(const dse_lanczos_t *L, double *theta, double *rho, size_t *m, dse_err_t *err);

/* A head of Ritz pairs with their vectors. */
typedef struct dse_lanczos_head {
    size_t k;      /* pairs */
    double *Y;     /* n x k column-major Ritz vectors, orthonormal to rounding (owned) */
    double *theta; /* k Ritz values, descending (owned) */
    double *rho;   /* k residual norms (owned) */
} dse_lanczos_head_t;

/* Local. The Ritz pairs whose residual norm is at most max_rho (at most
 * max_k of them, the largest Ritz values first) with their vectors
 * Y = V S. head's arrays are owned by the caller (dse_lanczos_head_free);
 * k = 0 and no arrays when no pair qualifies. */
int dse_lanczos_ritz_vectors(const dse_lanczos_t *L, double max_rho, size_t max_k,
                             dse_lanczos_head_t *head, dse_err_t *err);

/* Local. Frees head's arrays; safe on a zeroed struct. */
void dse_lanczos_head_free(dse_lanczos_head_t *head);

/* Local. Frees the buffers; safe on a zeroed struct. */
void dse_lanczos_free(dse_lanczos_t *L);

#endif
