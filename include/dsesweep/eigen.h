/* eigen.h — eigenvalues only, through the driver that is fastest for the
 * size, the rank count and the BLAS thread count on this node: the choice
 * lives in one place, the tuning table (tune.h: a `dsesweep tune` file, else
 * built-in). The drivers are one table (eigen.c): LAPACK's dsyevd, dsyevr
 * and dsyevd_2stage run on one rank; ScaLAPACK's pdsyev and pdsyevd on a
 * group (dist.h); ELPA1 and ELPA2 (elpa.h) on either. After them come the
 * float32 drivers of `precision = float32` (docs/bounded.md): LAPACK's
 * ssyevd and ssyevd_2stage on one rank, ScaLAPACK's pssyev on a group
 * (Debian's ELPA refuses float32). AUTO never picks one: a float32 spectrum
 * is only used with its proved interval. FLOAT32_AUTO, what `precision =
 * float32` asks for, is the fastest float32 driver that tune measured (it
 * checks them against the proved radius, not 1e-10). */
#ifndef DSESWEEP_EIGEN_H
#define DSESWEEP_EIGEN_H

#include <stddef.h>

#include "dsesweep/error.h"

typedef enum dse_eigen_driver {
    DSE_EIGEN_AUTO = 0,
    DSE_EIGEN_DSYEVD,
    DSE_EIGEN_DSYEVR,
    DSE_EIGEN_DSYEVD_2STAGE,
    DSE_EIGEN_ELPA1,
    DSE_EIGEN_ELPA2,
    DSE_EIGEN_PDSYEV,
    DSE_EIGEN_PDSYEVD,
    DSE_EIGEN_DIST_2STAGE, /* dist_two_stage.h */
    DSE_EIGEN_DRIVERS,     /* the float64 drivers (AUTO included): what AUTO chooses from */
    DSE_EIGEN_FLOAT32_AUTO = DSE_EIGEN_DRIVERS, /* the tuned float32 driver for the size */
    DSE_EIGEN_SSYEVD,
    DSE_EIGEN_SSYEVD_2STAGE,
    DSE_EIGEN_PSSYEV,
    DSE_EIGEN_ALL_DRIVERS /* every value of the enum, the float32 drivers included */
} dse_eigen_driver_t;

/* Where a driver runs (a mask), and whether it works in float32. */
enum { DSE_EIGEN_ONE_RANK = 1, DSE_EIGEN_GROUP = 2, DSE_EIGEN_FLOAT32 = 4 };

/* Local. The driver AUTO picks for order n on one rank (dse_tune_driver at
 * this process's BLAS thread count). */
dse_eigen_driver_t dse_eigen_choose(size_t n);

/* Local. Name of a driver ("dsyevd", "elpa2", "pdsyev", ...). Static string. */
const char *dse_eigen_driver_name(dse_eigen_driver_t driver);

/* Local. Where a driver runs: DSE_EIGEN_ONE_RANK and/or DSE_EIGEN_GROUP
 * (AUTO: both), with DSE_EIGEN_FLOAT32 for the float32 drivers. */
int dse_eigen_driver_scope(dse_eigen_driver_t driver);

/* Local. The float32 driver FLOAT32_AUTO stands for at order n on `ranks`
 * ranks (1: ssyevd or ssyevd_2stage, the faster in the tuning table at this
 * process's BLAS threads; more: pssyev). A named float32 driver of the
 * right scope is kept. */
dse_eigen_driver_t dse_eigen_float32_driver(dse_eigen_driver_t driver, size_t n, int ranks);

/* Local. The float64 driver names that run where `scope` says,
 * comma-separated ("dsyevd, dsyevr, dsyevd_2stage, elpa1, elpa2"); static
 * string. */
const char *dse_eigen_driver_list(int scope);

/* Local. Parses a driver name ("auto" or a float64 driver of the table;
 * the float32 ones come with `precision = float32`, not by name). */
int dse_eigen_driver_parse(const char *name, dse_eigen_driver_t *out);

/* Local. The ELPA2 kernel (elpa.h id, -1: ELPA's default) that the tuning
 * table chose for one rank; the group solve takes its own (tune.h). */
int dse_eigen_elpa_kernel(void);

/* Local. All eigenvalues of the symmetric n x n matrix whose lower triangle is
 * in A (column-major, ld n; destroyed) into w (n, caller-owned), sorted
 * descending, with a one-rank driver (AUTO, or a group-only driver, means
 * the tuned one-rank choice for n; a float32 driver means that float32
 * solve (dse_eigen_float32_driver) on a float32 copy made in A's memory). LAPACK's info > 0 and
 * ELPA's errors are reported with the matrix size. */
int dse_eigen_symmetric(size_t n, double *A, double *w, dse_eigen_driver_t driver, dse_err_t *err);

/* Local. Moduli |lambda| of all eigenvalues of the general n x n matrix A
 * (column-major, ld n; destroyed) into w, sorted descending (dgeev). */
int dse_eigen_general_moduli(size_t n, double *A, double *w, dse_err_t *err);

/* Local. Singular values of the m x n column-major matrix A (ld m; destroyed)
 * into s (min(m,n)), descending (dgesdd, no vectors). */
int dse_eigen_singular_values(size_t m, size_t n, double *A, double *s, dse_err_t *err);

/* Local. Bytes of workspace dse_eigen_symmetric needs beyond A and w for order
 * n with this driver (LAPACK: its workspace query; ELPA: elpa.h's model). */
int dse_eigen_workspace_bytes(size_t n, dse_eigen_driver_t driver, size_t *bytes, dse_err_t *err);

/* Local. All eigenvalues, descending, of the symmetric n x n matrix whose
 * lower triangle is in the float32 array A (ld n; destroyed) into w, with
 * LAPACK's single-precision driver `driver` (ssyevd or ssyevd_2stage; any
 * other: dse_eigen_float32_driver's choice for n). */
int dse_eigen_symmetric_float(size_t n, float *A, float *w, dse_eigen_driver_t driver,
                              dse_err_t *err);

/* Local. Rounds the count doubles at A to float32 in the same memory (the
 * floats take its first half; A's doubles are destroyed). Returns A as a
 * float array. */
float *dse_eigen_round_to_float(double *A, size_t count);

#endif
