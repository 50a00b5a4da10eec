/* two_stage.h — LAPACK's two-stage symmetric eigensolve (eigenvalues only),
 * step by step, so that each step runs at the thread count it is fastest at.
 *
 * dsyevd_2stage with JOBZ = 'N' is three steps: dsytrd_sy2sb (dense to band
 * of width kd: BLAS-3, threaded by OpenBLAS), dsytrd_sb2st (band to
 * tridiagonal, "bulge chasing": small memory-bound kernels) and dsterf (the
 * tridiagonal eigenvalues). Debian's pthread OpenBLAS does not parallelise
 * the second step, and with a second BLAS thread alive it runs slower, not
 * faster: at N = 8000 on the project's 2-core VM 3.6 to 9.3 s at 2 threads
 * against 1.9 s at 1 (bench/bench_two_stage.c, docs/performance.md). This
 * module runs the first and third steps as dsyevd_2stage does and the
 * second with bulge_chase.h: LAPACK's own kernels on this process's thread
 * count of POSIX threads, OpenBLAS at one thread meanwhile (the tridiagonal
 * is bitwise LAPACK's; the eigenvalues agree with dsyevd_2stage's to the
 * rounding of the threaded first step). The band width kd is
 * dse_two_stage_band_width's, not LAPACK's fixed 32: with the second step
 * threaded a wider band pays at large N (docs/performance.md).
 * Float64 (dsyevd_2stage's steps) and float32 (ssyevd_2stage's). */
#ifndef DSESWEEP_TWO_STAGE_H
#define DSESWEEP_TWO_STAGE_H

#include <stddef.h>

#include "dsesweep/error.h"

/* Local; the second step starts threads (bulge_chase.h). All eigenvalues,
 * ascending, of the symmetric n x n matrix whose lower triangle is in A
 * (column-major, ld n; destroyed) into w (n, caller-owned): doubles when
 * single is 0, floats when it is 1. The first step runs at this process's
 * OpenBLAS thread count, the second on as many threads of its own, with the
 * process-wide OpenBLAS thread count set to 1 and restored after, so no
 * other thread of the process may call BLAS meanwhile. LAPACK's info is
 * reported with the step and the matrix size. */
int dse_two_stage_eigenvalues(size_t n, void *A, void *w, int single, dse_err_t *err);

/* Local; starts threads - 1 POSIX threads (bulge_chase.h). The last two
 * steps alone: the eigenvalues, ascending, of the symmetric band of order n
 * and width kd in `band` (lower storage, ld dse_bulge_chase_ld(kd);
 * destroyed) into w (n), with e (n) as scratch, all caller-owned; doubles or
 * floats as single says. The chasing runs on `threads` threads with the
 * process-wide OpenBLAS thread count at 1 (restored after). The group
 * driver dist_2stage (dist_two_stage.h) ends with it. */
int dse_two_stage_band_eigenvalues(size_t n, int kd, void *band, void *w, void *e, int threads,
                                   int single, dse_err_t *err);

/* Local. The band width kd the first step reduces an order-n matrix to:
 * LAPACK's 32 up to N = 6000, 64 up to 10000, 96 above (measured,
 * two_stage.c). */
int dse_two_stage_band_width(size_t n);

/* Local. Bytes of workspace dse_two_stage_eigenvalues allocates for order n
 * (the band, the Householder scalars, the tridiagonal and LAPACK's work
 * arrays), doubles or floats as single says. */
int dse_two_stage_workspace_bytes(size_t n, int single, size_t *bytes, dse_err_t *err);

#endif
