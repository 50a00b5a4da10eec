/* eigen.h — eigenvalues only, through the LAPACK driver that is fastest for
 * the size and the BLAS thread count on this node: the choice lives in one
 * place, the tuning table (tune.h: a `dsesweep tune` file, else built-in). */
#ifndef DSESWEEP_EIGEN_H
#define DSESWEEP_EIGEN_H

#include <stddef.h>

#include "dsesweep/error.h"

typedef enum dse_eigen_driver {
    DSE_EIGEN_AUTO = 0,
    DSE_EIGEN_DSYEVD,
    DSE_EIGEN_DSYEVR,
    DSE_EIGEN_DSYEVD_2STAGE
} dse_eigen_driver_t;

/* Local. The driver AUTO picks for order n (dse_tune_driver at this
 * process's BLAS thread count). */
dse_eigen_driver_t dse_eigen_choose(size_t n);

/* Local. Name of a driver ("dsyevd", ...). Static string. */
const char *dse_eigen_driver_name(dse_eigen_driver_t driver);

/* Local. Parses a driver name ("auto", "dsyevd", "dsyevr", "dsyevd_2stage"). */
int dse_eigen_driver_parse(const char *name, dse_eigen_driver_t *out);

/* Local. All eigenvalues of the symmetric n x n matrix whose lower triangle is
 * in A (column-major, ld n; destroyed) into w (n, caller-owned), sorted
 * descending. LAPACK's info > 0 is reported with the matrix size. */
int dse_eigen_symmetric(size_t n, double *A, double *w, dse_eigen_driver_t driver, dse_err_t *err);

/* Local. Moduli |lambda| of all eigenvalues of the general n x n matrix A
 * (column-major, ld n; destroyed) into w, sorted descending (dgeev). */
int dse_eigen_general_moduli(size_t n, double *A, double *w, dse_err_t *err);

/* Local. Singular values of the m x n column-major matrix A (ld m; destroyed)
 * into s (min(m,n)), descending (dgesdd, no vectors). */
int dse_eigen_singular_values(size_t m, size_t n, double *A, double *s, dse_err_t *err);

/* Local. Bytes of workspace dse_eigen_symmetric needs beyond A and w for order
 * n with this driver (from the LAPACK workspace query). */
int dse_eigen_workspace_bytes(size_t n, dse_eigen_driver_t driver, size_t *bytes, dse_err_t *err);

#endif
