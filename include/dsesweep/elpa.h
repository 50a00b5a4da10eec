/* elpa.h — eigenvalues only with ELPA (Debian's libelpa, 2022.11), one-stage
 * (ELPA1) or two-stage (ELPA2), on a block-cyclic matrix over an MPI
 * communicator: a group's BLACS grid, or one rank (MPI_COMM_SELF).
 *
 * ELPA is initialised once per process (elpa_init) on first use. ELPA2's
 * compute kernel is a per-call argument: `dsesweep tune` times every kernel
 * this build of ELPA has and records the fastest (tune.h); -1 takes ELPA's
 * default. Only float64: Debian's build refuses float32 at once
 * (ELPA_ERROR_DURING_COMPUTATION), so the float32 path uses LAPACK and
 * ScaLAPACK (eigen.h, dist.h). */
#ifndef DSESWEEP_ELPA_H
#define DSESWEEP_ELPA_H

#include <mpi.h>

#include "dsesweep/error.h"

/* A block-cyclic layout as ELPA takes it (ScaLAPACK's, with the grid
 * coordinates of this rank). All global except the local sizes. */
typedef struct dse_elpa_layout {
    int n, nb;        /* order, square block size */
    int mloc, nloc;   /* local rows (also the leading dimension) and columns */
    int nprow, npcol; /* grid shape */
    int myrow, mycol; /* this rank's coordinates */
} dse_elpa_layout_t;

/* Local. Number of ELPA2 real kernels this build offers, and the i-th one's
 * ELPA id and short name ("generic", "generic_simple", ...; static). */
int dse_elpa_kernel_count(void);
int dse_elpa_kernel_id(int i);
const char *dse_elpa_kernel_name(int id);

/* Local. The ELPA id of a kernel name; -1 when this build has none of that name. */
int dse_elpa_kernel_parse(const char *name);

/* Collective on comm. All eigenvalues of the symmetric matrix whose local
 * block is A (BOTH triangles set, as ELPA requires; column-major with leading
 * dimension mloc; destroyed) into w (n, every rank), ascending, as ELPA
 * returns them. stage is 1 or 2; kernel an ELPA2 kernel id or -1. ELPA's
 * errors become one line with the order and the grid; the ranks agree on
 * failure (every rank returns the same status). */
int dse_elpa_eigenvalues(MPI_Comm comm, const dse_elpa_layout_t *lay, double *A, double *w,
                         int stage, int kernel, dse_err_t *err);

/* Local. Eigenvalues on this rank alone (MPI_COMM_SELF, a 1 x 1 grid) of the
 * n x n column-major matrix A (ld n) whose LOWER triangle is set: the upper
 * is filled in (O(n^2)), then as dse_elpa_eigenvalues. Serialised by a
 * process-wide lock, so threads may call it (one ELPA solve at a time).
 * Needs MPI initialised (the CLI and the C API both do it). */
int dse_elpa_eigenvalues_local(int n, double *A, double *w, int stage, int kernel, dse_err_t *err);

/* Local. Bytes ELPA allocates beyond A and w for a local block of mloc x
 * nloc (a model from measured peaks: stage 1 about 2.5 copies of the local
 * block, stage 2 about 3, plus O(n nb) panels and ELPA2's band matrix,
 * n (2 nb + 1) values on every rank). Used by the memory model (dist.h). */
double dse_elpa_workspace_bytes(int n, int nb, int mloc, int nloc, int stage);

#endif
