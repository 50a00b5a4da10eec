/* dist.h — the distributed engine: kernels in 2D block-cyclic layout and
 * eigenvalues with the group driver the tuning table picks (tune.h):
 * ScaLAPACK pdsyev (JOBZ='N') or pdsyevd, or ELPA1/ELPA2 (elpa.h).
 *
 * Problem positions 0..n-1 index the samples of one problem (after any
 * subsample). Each rank asks a row reader for exactly the positions its
 * local columns need (kept) and then its local rows in panels of 128 (its
 * sample shard), computes its local block of squared distances with dgemm,
 * then the Gaussian; row sums are reduced
 * over the grid's row and column communicators and the anisotropic scaling
 * is applied locally. With more than one rank no rank holds the N x N matrix
 * or the N x D embeddings. A one-rank group uses the serial LAPACK path.
 */
#ifndef DSESWEEP_DIST_H
#define DSESWEEP_DIST_H

#include <stddef.h>

#include "dsesweep/group.h"
#include "dsesweep/kernel.h"
#include "dsesweep/memory.h"
#include "dsesweep/source.h"

/* Local block-cyclic layout of an n x n matrix on a group's grid. */
typedef struct dse_layout {
    int n, nb;
    int mloc, nloc; /* local rows and columns */
    int desc[9];    /* ScaLAPACK descriptor */
    size_t *grow;   /* mloc global row indices (owned) */
    size_t *gcol;   /* nloc global column indices (owned) */
} dse_layout_t;

/* Local (needs the group's grid). Fills L for order n, block size nb;
 * release with dse_layout_free. */
int dse_layout_init(const dse_group_t *g, size_t n, int nb, dse_layout_t *L, dse_err_t *err);
void dse_layout_free(dse_layout_t *L);

/* Per-phase wall times (seconds) and bytes this rank sent in our own
 * collectives (the eigensolver's internal traffic is modelled in docs/scaling.md). */
typedef struct dse_dist_stats {
    double t_read, t_kernel, t_reduce, t_eigen;
    double bytes_reduced;
    size_t bytes_local;     /* local matrix + workspace + shard bytes actually allocated */
    size_t shard_rows_peak; /* most embeddings rows held at once while building */
    int nprow, npcol, nb;
    size_t distance_passes;    /* squared-distance computations (one per checkpoint, however
                                  many sigma rules) */
    dse_eigen_driver_t driver; /* the eigensolver that ran (AUTO resolved) */
} dse_dist_stats_t;

/* Collective on g. Builds the local part A (mloc x nloc, column-major, ld
 * max(1,mloc), caller-owned) of the kernel of kind `kind` with bandwidth
 * sigma. If rowsum_out is given (length mloc), it receives the row sums of
 * the returned matrix for the local rows. Failures are agreed on by all ranks. */
int dse_dist_kernel(const dse_group_t *g, const dse_layout_t *L, size_t d, dse_row_reader_fn read,
                    void *ctx, double sigma, dse_kernel_kind_t kind, double *A,
                    dse_dist_stats_t *stats, dse_err_t *err);

/* Collective on g. All eigenvalues of the distributed symmetric matrix A
 * (both triangles set; destroyed) into w (n, every rank), descending, with
 * a group driver: pdsyev, pdsyevd, elpa1, elpa2 or dist_2stage (a one-rank driver
 * means AUTO: dse_dist_choose_driver); AUTO is the tuning table's choice for n on g->size ranks,
 * made by the group's rank 0 and broadcast, so the ranks never disagree. ELPA2 takes the table's
 * kernel. info > 0 is reported with the matrix size. */
int dse_dist_eigvals(const dse_group_t *g, const dse_layout_t *L, double *A, double *w,
                     dse_eigen_driver_t driver, dse_dist_stats_t *stats, dse_err_t *err);

/* Collective on g. As dse_dist_eigvals with ELPA2's kernel given (elpa.h
 * id; -1: ELPA's default); `dsesweep tune` times the kernels with it. */
int dse_dist_eigvals_kernel(const dse_group_t *g, const dse_layout_t *L, double *A, double *w,
                            dse_eigen_driver_t driver, int elpa_kernel, dse_dist_stats_t *stats,
                            dse_err_t *err);

/* Collective on g. The group driver for order n: `driver` itself when it
 * runs on a group; for AUTO, or a one-rank driver, the tuning table's choice
 * on rank 0, broadcast. */
dse_eigen_driver_t dse_dist_choose_driver(const dse_group_t *g, size_t n,
                                          dse_eigen_driver_t driver);

/* Collective on g. The spectrum of the kernel of n positions (read through
 * `read`) into w (n, every rank). One rank: the serial path (LAPACK driver
 * p->driver); more: block-cyclic with block size nb (0: 64) and pdsyev.
 * Refuses up front, with the figures, a problem over budget_bytes per rank
 * (0: no check). */
int dse_dist_spectrum(const dse_group_t *g, size_t n, size_t d, dse_row_reader_fn read, void *ctx,
                      double sigma, dse_kernel_kind_t kind, dse_eigen_driver_t driver, int nb,
                      size_t budget_bytes, double *w, dse_dist_stats_t *stats, dse_err_t *err);

/* Collective on g. Matrix-entry DSE of the kernel: the entropy of the entries
 * of P = diag(1/rowsum K) K, from the local blocks (same value on every rank). */
int dse_dist_matrix_entry(const dse_group_t *g, size_t n, size_t d, dse_row_reader_fn read,
                          void *ctx, double sigma, int nb, double *out, dse_err_t *err);

/* Local. Bytes one rank needs for the spectrum of an n-sample, d-dimension
 * problem on an nprow x npcol grid with block size nb: the local matrix,
 * the eigensolver workspace (LAPACK query on one rank; the ScaLAPACK formula
 * of docs/scaling.md otherwise), the sample shard and the eigenvalues. */
size_t dse_dist_bytes_per_rank(size_t n, size_t d, int nprow, int npcol, int nb);

/* Local. As dse_dist_bytes_per_rank with the eigensolver named (AUTO: the
 * tuning table's choice for that rank count): each driver's workspace
 * (LAPACK's query, ScaLAPACK's model, pdsyevd's eigenvector matrix, ELPA's
 * model in elpa.h). */
size_t dse_dist_bytes_per_rank_driver(size_t n, size_t d, int nprow, int npcol, int nb,
                                      dse_eigen_driver_t driver);

/* Local. The eigensolver for an n-sample problem on an nprow x npcol grid
 * within budget bytes per rank (0: no limit): the tuning table's choice when
 * it fits, else the fastest measured candidate that fits, else the one that
 * needs least (the budget check then refuses with the figures). */
dse_eigen_driver_t dse_dist_driver_for_budget(size_t n, size_t d, int nprow, int npcol, int nb,
                                              size_t budget);

/* Local. The smallest group size p in 1..max_ranks whose near-square grid
 * fits budget bytes per rank with some measured driver; 0 when none does. */
int dse_dist_group_size(size_t n, size_t d, int nb, size_t budget, int max_ranks);

/* Local. The one group-sizing rule, used by `score` and by the sweep: how many
 * of `available` ranks compute the spectrum of an n x d problem.
 * requested > 0: exactly that many (clamped to available); requested < 0: all
 * of them; 0: 1 when one rank fits the budget, else the fewest that fit.
 * Raises DSE_ENOMEM "N = n needs X per rank even on all P ranks; the budget
 * is Y per rank (use more ranks or a smaller max_N)" when none fits. */
int dse_dist_choose_group(size_t n, size_t d, int nb, size_t budget, int requested, int available,
                          int *ranks, dse_err_t *err);

/* Collective on g. The spectrum of the kernel of `kind` for each of the R =
 * nrules bandwidth rules, from ONE distance computation: out
 * (R (n + 3) values, every rank, caller-owned) holds per rule the n
 * eigenvalues, descending, then the sigma used (median, min, max). One rank:
 * the serial path (dse_kernel_spectra); more: block-cyclic with block size
 * nb (0: 64), the median by an exact radix selection over the local blocks,
 * kNN bandwidths from each row's k smallest gathered over the row
 * communicator, then pdsyev per rule. With several rules the distances are
 * kept beside the kernel (twice the local matrix). Refuses up front, with
 * the figures, a problem over budget_bytes per rank (0: no check). */
int dse_dist_spectra(const dse_group_t *g, size_t n, size_t d, dse_row_reader_fn read, void *ctx,
                     const dse_sigma_rule_t *rules, int nrules, dse_kernel_kind_t kind,
                     dse_eigen_driver_t driver, int nb, size_t budget, double *out,
                     dse_dist_stats_t *stats, dse_err_t *err);

/* Collective on g. Matrix-entry DSE for each of the nrules rules from one distance
 * computation: out (4 R values, every rank) holds per rule the value, then
 * the sigma used (median, min, max). Needs a group of 2 or more ranks. */
int dse_dist_entry_entropies(const dse_group_t *g, size_t n, size_t d, dse_row_reader_fn read,
                             void *ctx, const dse_sigma_rule_t *rules, int nrules, int nb,
                             double *out, dse_err_t *err);

#endif
