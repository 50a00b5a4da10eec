/* capi_internal.h — what the C API's files share (not installed). */
#ifndef DSESWEEP_CAPI_INTERNAL_H
#define DSESWEEP_CAPI_INTERNAL_H

#include <mpi.h>
#include <pthread.h>

#include "dsesweep/capi.h"
#include "dsesweep/categories.h"
#include "dsesweep/dtype.h"
#include "dsesweep/error.h"
#include "dsesweep/params.h"

/* A caller's array checked and ready to be read row by row. */
typedef struct capi_rows {
    const dse_capi_array_t *a;
    dse_dtype_t dt;
    size_t n, d; /* a 1-D array is n x 1 */
} capi_rows_t;

/* Held around whole calls that must not overlap: every call when MPI gave
 * less than MPI_THREAD_MULTIPLE, and every call that reads files (HDF5 is
 * not thread-safe). */
extern pthread_mutex_t capi_call_lock;

/* Local. Checks a's description (dtype, shape, strides) and fills r; a must
 * be 2-D unless allow_1d. Fails with "<name>: ..." naming the problem. */
int capi_rows_init(const dse_capi_array_t *a, int allow_1d, capi_rows_t *r, dse_err_t *err);

/* Local. dse_row_reader_fn over a capi_rows_t: converts the rows at pos to
 * float64 in place of a copy, and fails on NaN or Inf with "<name>: NaN at
 * row R, column C". */
int capi_rows_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err);

/* Local. 1 when r's dtype is an integer or bool kind. */
int capi_rows_is_integer(const capi_rows_t *r);

/* Collective on comm (every rank the same arguments). The categories of the
 * target for the n rows of embeddings named emb; cat->n == 0 when the target
 * names nothing. cat is owned by the caller (dse_categories_free). */
int capi_target_categories(MPI_Comm comm, const dse_capi_target_t *t, size_t n, const char *emb,
                           const dse_params_t *p, dse_categories_t *cat, dse_err_t *err);

#endif
