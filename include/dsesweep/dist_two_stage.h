/* dist_two_stage.h — the group driver "dist_2stage": eigenvalues only, in
 * two stages like ELPA2, with the first on the group's grid and the second
 * on one rank's threads.
 *
 * Step 1 (O(N^3), BLAS-3, distributed): the block-cyclic matrix is reduced
 * to a symmetric band of width kd = the layout's block size nb by
 * orthogonal similarities, one panel of kd columns at a time: a ScaLAPACK
 * QR of the panel below the band (pdgeqrf, on the process column that owns
 * it), its block reflector Q = I - V T V^T (V replicated over the group, T
 * from V^T V), and the two-sided update A22 <- Q^T A22 Q as
 * A22 - V W^T - W V^T with Y = A22 V, X = Y T, W = X - V (T^T V^T X) / 2.
 * Y and the update run on each rank's own lower-triangle blocks with
 * local BLAS-3 (dsymm/dsyr2k on diagonal blocks, dgemm below them) and one
 * summation of Y over the group per panel: 4 m^2 kd flops for an m x m
 * trailing matrix, (4/3) N^3 in all, as dsytrd_sy2sb does on one rank.
 * ScaLAPACK has no such reduction of its own: pdsytrd goes straight to
 * tridiagonal form, half of its flops BLAS-2, the reason pdsyev is slow.
 * Step 2 (O(N^2 kd)): the band, N (kd + 1) numbers, is summed onto the
 * group's rank 0, which chases it to tridiagonal form and takes dsterf's
 * eigenvalues (two_stage.h) on as many threads as its node has group ranks
 * (times their BLAS threads, within its CPU affinity), while the others
 * wait for the broadcast of the eigenvalues asleep, not polling, so their
 * cores are free for those threads.
 *
 * Accuracy: orthogonal similarities throughout, backward stable like
 * dsyevd; `dsesweep tune` checks it against dsyevd like every driver, and
 * tests/test_dist_eigen.c at 1-4 ranks. */
#ifndef DSESWEEP_DIST_TWO_STAGE_H
#define DSESWEEP_DIST_TWO_STAGE_H

#include <stddef.h>

#include "dsesweep/dist.h"
#include "dsesweep/group.h"

/* Collective on g. All eigenvalues of the distributed symmetric matrix A
 * (layout L; the lower triangle is read; destroyed) into w (n, every rank,
 * ascending, caller-owned). *bytes_out (may be NULL) receives the bytes
 * this rank allocated. Failures (allocation, ScaLAPACK info, dsterf) are
 * agreed on by all ranks. */
int dse_dist_two_stage_eigenvalues(const dse_group_t *g, const dse_layout_t *L, double *A,
                                   double *w, size_t *bytes_out, dse_err_t *err);

/* Local. Bytes the group's rank 0 (the largest) allocates beside its local
 * matrix (mloc rows) for order n and block size nb: the panel's
 * distributed and replicated factors (about 5 mloc nb + 4 n nb doubles),
 * pdgeqrf's work, the band's sum ((nb + 1) n), and the band with the
 * chasing's room ((2 nb + 2) n) and the chasing's workspace on `threads`
 * threads. Other ranks need all but the last two. This is what
 * dse_dist_two_stage_eigenvalues reports in *bytes_out on rank 0. */
double dse_dist_two_stage_workspace_bytes(size_t n, int nb, int mloc, int threads);

#endif
