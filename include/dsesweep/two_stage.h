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
 * module calls the same three routines with the same arguments as
 * dsyevd_2stage (the same arithmetic: the eigenvalues agree to the
 * rounding of the threaded first step) and runs the second at one thread.
 * Float64 (dsyevd_2stage's steps) and float32 (ssyevd_2stage's). */
#ifndef DSESWEEP_TWO_STAGE_H
#define DSESWEEP_TWO_STAGE_H

#include <stddef.h>

#include "dsesweep/error.h"

/* Local. All eigenvalues, ascending, of the symmetric n x n matrix whose
 * lower triangle is in A (column-major, ld n; destroyed) into w (n,
 * caller-owned): doubles when single is 0, floats when it is 1. The first
 * step runs at this process's OpenBLAS thread count, the second at one
 * thread: the process-wide OpenBLAS thread count is set to 1 for it and
 * restored, so no other thread of the process may call BLAS meanwhile.
 * LAPACK's info is reported with the step and the matrix size. */
int dse_two_stage_eigenvalues(size_t n, void *A, void *w, int single, dse_err_t *err);

/* Local. Bytes of workspace dse_two_stage_eigenvalues allocates for order n
 * (the band, the Householder scalars, the tridiagonal and LAPACK's work
 * arrays), doubles or floats as single says. */
int dse_two_stage_workspace_bytes(size_t n, int single, size_t *bytes, dse_err_t *err);

#endif
