/* bounded.h — DSE beyond the dense limit: the top of the diffusion spectrum
 * by block Lanczos, and an interval for DSE at every t from that partial
 * spectrum and the exact trace (docs/bounded.md has the proof).
 *
 * K = D^-1/2 G D^-1/2 with G(i,i) = 1, so tr K = sum_i 1/r_i exactly. The
 * operator is never formed whole on one rank unless it fits: each rank owns
 * whole row panels of K (a fixed partition of the N rows into panels of
 * `panel` rows, the same at every rank count), keeps them in memory when the
 * budget allows and otherwise recomputes them from the embeddings at every
 * product. The Lanczos state is replicated, so every rank holds the same
 * interval.
 */
#ifndef DSESWEEP_BOUNDED_H
#define DSESWEEP_BOUNDED_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"

/* The certified interval of DSE at one t from a partial spectrum. */
typedef struct dse_bounded_interval {
    double lower, upper; /* bits; the exact DSE (with the reference's +eps) lies in between */
    int consistent;      /* 0: the moments contradict each other (rounding trouble) */
} dse_bounded_interval_t;

/* Local. The interval of DSE at power t (> 0) of an n x n symmetric
 * positive semi-definite operator K with eigenvalues in [0, 1], trace
 * `trace` and squared Frobenius norm `frob2`, from k of its Ritz pairs
 * (values theta, any order, and residual norms rho; the Ritz vectors
 * orthonormal). Rigorous (docs/bounded.md): K is within sqrt(sum rho^2) of
 * diag(Theta, W) (Weyl), and W's n - k eigenvalues have known sum and
 * bounded square-sum; the tail's entropy is bounded by spreading (Jensen)
 * and by concentrating its mass (Jensen on the mass-weighted logs). */
dse_bounded_interval_t dse_bounded_interval(size_t n, size_t k, const double *theta,
                                            const double *rho, double trace, double frob2,
                                            double t);

/* Local. An upper bound of DSE at t = 1 of an n x n operator with trace
 * `trace` and eigenvalues in [0, 1] from m Ritz values theta (descending,
 * any convergence): interlacing gives lambda_i >= theta_i, and the entropy
 * is largest for the water-filled spectrum max(theta_i, w). */
double dse_bounded_waterfill_upper(size_t n, size_t m, const double *theta, double trace);

typedef struct dse_bounded_opts {
    double tol;           /* target half-width in bits, > 0 */
    size_t max_k;         /* most Lanczos basis columns (the k budget) */
    size_t block;         /* Lanczos block size (0: 32) */
    size_t budget_bytes;  /* per rank; decides how K is held (dse_bounded_storage; 0: float64) */
    uint64_t seed;        /* the start block's and the probes' streams */
    int statistical_tail; /* 1: a t whose certified interval misses tol gets a statistical interval
                             by stochastic Lanczos quadrature (95% confidence) instead */
    size_t slq_steps;     /* most Lanczos steps per SLQ probe (0: 32) */
    size_t slq_probes;    /* SLQ probe budget (0: 128) */
    size_t slq_batch;     /* SLQ probes per block product (0: 16; at most the block) */
} dse_bounded_opts_t;

/* How a group holds K: float64 panels, float32 panels, or none (every
 * product rebuilds its panels from the embeddings). */
typedef enum dse_bounded_storage {
    DSE_BOUNDED_KEPT64,
    DSE_BOUNDED_KEPT32,
    DSE_BOUNDED_REBUILT
} dse_bounded_storage_t;

typedef struct dse_bounded_result {
    size_t n;         /* samples */
    size_t k;         /* eigenvalues in the head of the narrowest interval */
    size_t products;  /* block products with K (each with `block` vectors) */
    size_t block;     /* vectors per product */
    int certified;    /* 1: every t reached tol; 0: reported wider than asked */
    int consistent;   /* 0: the tail's moments contradict each other (rounding trouble) */
    int kept_kernel;  /* 1: K's panels held in memory; 0: recomputed per product */
    double trace;     /* tr K = sum 1/r_i */
    double frob2;     /* |K|_F^2 = sum of squares of K's entries */
    double seconds;   /* wall time */
    double phase[3];  /* of which: building K (row sums, panels, |K|_F), Lanczos, SLQ; seconds */
    size_t nt;        /* powers */
    double *t;        /* nt powers (owned) */
    double *lower;    /* nt lower bounds, bits (owned) */
    double *upper;    /* nt upper bounds, bits (owned) */
    int *statistical; /* nt flags (owned): 1 when t's interval is statistical (SLQ), 0 certified */
    int storage;      /* a dse_bounded_storage_t: how K was held */
    double round32;   /* l1 bound between the spectra of K and its float32 copy (0: float64) */
    size_t probes;    /* SLQ probes (0: no statistical tail was run) */
    size_t slq_products; /* SLQ block products (each with the SLQ batch of vectors) */
    size_t slq_head;     /* Ritz pairs that deflated the SLQ probes */
} dse_bounded_result_t;

/* Local. Bytes one rank of a `ranks`-rank group needs: the embeddings (every
 * rank holds all n x d), the Lanczos basis (n x (max_k + block)), the SLQ
 * probes' bases and head, a panel, and K's own rows in float64 when `keep`. */
double dse_bounded_bytes_per_rank(size_t n, size_t d, size_t max_k, size_t block, int ranks,
                                  int keep);

/* Local. How a `ranks`-rank group holds K within `budget` bytes per rank (0:
 * no limit): float64 panels when they fit, else float32, else rebuilt per
 * product; *bytes receives that choice's bytes per rank. */
dse_bounded_storage_t dse_bounded_storage(size_t n, size_t d, size_t max_k, size_t block, int ranks,
                                          size_t budget, double *bytes);

/* Local. "float64", "float32" or "rebuilt". Static string. */
const char *dse_bounded_storage_name(dse_bounded_storage_t s);

/* Collective on comm. DSE of the n x d row-major embeddings Z (every rank
 * holds all of them) with bandwidth sigma at the nt powers ts, bounded to
 * half-width opts->tol by growing the Lanczos basis up to opts->max_k. With
 * opts->statistical_tail, the basis stops growing once the widest interval
 * stalls, and every t still wider than tol gets a stochastic Lanczos
 * quadrature interval (slq.h) intersected with its certified one
 * (statistical[j] = 1). certified = 1 when every t reached tol (certified
 * or statistical). Every rank gets the same result (owned by the caller:
 * dse_bounded_result_free).
 * Fails with one line for tol <= 0, a basis that does not fit, or N too small. */
int dse_bounded_dse(MPI_Comm comm, size_t n, size_t d, const double *Z, double sigma,
                    const double *ts, size_t nt, const dse_bounded_opts_t *opts,
                    dse_bounded_result_t *out, dse_err_t *err);

/* Local. Frees out's arrays; safe on a zeroed struct. */
void dse_bounded_result_free(dse_bounded_result_t *out);

#endif
