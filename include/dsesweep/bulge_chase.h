/* bulge_chase.h — band to tridiagonal (the second step of the two-stage
 * eigensolve) on several threads.
 *
 * LAPACK's dsytrd_sb2st reduces a symmetric band of width kd to tridiagonal
 * form by "bulge chasing": N - 1 sweeps, each a chain of small tasks
 * (dsb2st_kernels) that walk down the band. Task m of sweep s may run once
 * task m - 1 of sweep s and task m + 2 of sweep s - 1 are done (the
 * dependencies of LAPACK's OpenMP build, which Debian's pthread OpenBLAS and
 * its reference LAPACK are not compiled with: there it runs on one thread).
 * This module runs the same tasks with the same arguments on `threads` POSIX
 * threads, each owning one stretch of every sweep (bulge_chase.c says why
 * not whole sweeps) and waiting only where a dependency is another
 * thread's. Every task sees the inputs it sees in the serial order, so d
 * and e are bitwise those of dsytrd_sb2st at any thread count
 * (tests/test_properties.c checks 1 to 4 threads).
 *
 * Cost: about 6 n^2 kd flops in tasks of about kd x kd, memory-bound. On the
 * project's 2-core VM, N = 20000, kd = 128: 37.0 s on one thread, 16.8 s on
 * two; N = 8000, kd = 32: 1.79 s and 1.16 s (docs/performance.md). */
#ifndef DSESWEEP_BULGE_CHASE_H
#define DSESWEEP_BULGE_CHASE_H

#include <stddef.h>

#include "dsesweep/error.h"

/* The leading dimension the band must have: 2 kd + 1 (rows kd + 1 .. 2 kd
 * are the bulge's room). */
int dse_bulge_chase_ld(int kd);

/* Local; starts threads - 1 POSIX threads and joins them before it returns
 * (threads = 1 runs in the caller). The symmetric band of order n and width
 * kd, lower storage as dsytrd_sy2sb leaves it (column j's diagonal at
 * band[j * ld], its subdiagonals below, ld = dse_bulge_chase_ld(kd)), is
 * reduced to the tridiagonal d (n) and e (n - 1), all caller-owned; the band
 * is destroyed. Doubles when single is 0, floats when 1. Rows kd + 1 .. 2 kd
 * of the band need not be set. The kernels call BLAS: the caller keeps
 * OpenBLAS at one thread meanwhile (two_stage.c does). */
int dse_bulge_chase(size_t n, int kd, void *band, void *d, void *e, int threads, int single,
                    dse_err_t *err);

/* Local. Bytes dse_bulge_chase allocates besides the band (the Householder
 * vectors and scalars, each thread's scratch) when given `threads` (clamped
 * to 1..64 as it does). */
size_t dse_bulge_chase_workspace_bytes(size_t n, int kd, int threads, int single);

#endif
