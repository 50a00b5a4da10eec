/* median.h — the exact median pairwise distance of N rows without the
 * N x N matrix, for the bounded method's `median` bandwidth rule.
 *
 * The dense path takes the median over all pairs i < j from the full matrix
 * of squared distances (kernel.h). Beyond the dense limit that matrix is
 * what the bounded method avoids, yet the bandwidth must be the same, or the
 * certified interval would hold DSE at another sigma. This module selects
 * the same value from distance blocks computed twice, streamed and shared
 * over the ranks: a first pass counts the pairs below a bracket and buckets
 * those inside it (65536 buckets), a second collects the one or two buckets
 * that hold the middle pair(s) and selects in them. A bracket that misses
 * (a bad guess) is widened to every distance, and a bucket too full is
 * bracketed again, each at the cost of one more pass.
 */
#ifndef DSESWEEP_MEDIAN_H
#define DSESWEEP_MEDIAN_H

#include <mpi.h>
#include <stddef.h>

#include "dsesweep/error.h"

/* Collective on comm. The median of d(i,j) over the n(n-1)/2 pairs i < j of
 * the n x d row-major rows Z (every rank holds all of them), as
 * dse_kernel_median_distance_lower computes it from the full matrix (the
 * mean of the two middle distances when their count is even). guess: a
 * median distance from a sample (> 0), which sets the first bracket
 * [guess / 2, 2 guess]; any guess gives the exact result, a good one in two
 * passes of n^2 d flops spread over the ranks. gather_cap (0: the default)
 * bounds the values the ranks gather to select from; fuller buckets are
 * bracketed again. Memory: 0.5 MB of counts, a 256 x 2048 block of
 * distances and up to gather_cap doubles per rank. Every rank gets *median. */
int dse_median_distance_stream(MPI_Comm comm, size_t n, size_t d, const double *Z, double guess,
                               size_t gather_cap, double *median, dse_err_t *err);

/* The default gather_cap: 2^24 values (128 MB). */
#define DSE_MEDIAN_GATHER_CAP ((size_t)1 << 24)

#endif
