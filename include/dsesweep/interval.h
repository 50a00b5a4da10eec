/* interval.h — a bounded DSE result as a computation's values.
 *
 * The score's tasks write their results into one flat buffer of doubles
 * (score.h). A DSE task computed by the bounded method (bounded.h) has no
 * spectrum; it writes its interval at every power t into the slots the
 * spectrum would have used, marked by a first value of -1 (a spectrum of K
 * starts at its eigenvalue 1). The finishers of DSE and ASE_anisotropic read
 * it back through this module, so subsample repeats, MI and the report need
 * no second path. Layout (one rule's block of at least
 * dse_interval_length(nt) values):
 *   [0] -1  [1] k  [2] products  [3] storage  [4] tol  [5] nt  [6] seconds
 *   [7] ranks, then per power: t, lower, upper, statistical (0 or 1).
 */
#ifndef DSESWEEP_INTERVAL_H
#define DSESWEEP_INTERVAL_H

#include <stddef.h>

#include "dsesweep/bounded.h"
#include "dsesweep/error.h"

/* What is known of DSE at one t from a bounded block. */
typedef struct dse_interval_info {
    double lower, upper; /* bits */
    int statistical;     /* 1: stochastic Lanczos quadrature, 95% confidence; 0: certified */
    int within_tol;      /* 1: half-width <= tol (the value is the midpoint) */
    size_t k;            /* Ritz values in the head */
    size_t products;     /* block products with K: Lanczos and SLQ */
    int storage;         /* dse_bounded_storage_t */
    int ranks;           /* ranks that shared the products */
    double tol;          /* the half-width asked for */
    double seconds;      /* wall time of the bounded run */
} dse_interval_info_t;

/* Local. Values a bounded block needs for nt powers. */
size_t dse_interval_length(size_t nt);

/* Local. 1 when the nv values v are a bounded block (not a spectrum). */
int dse_interval_is_bounded(const double *v, size_t nv);

/* Local. Writes r (its nt powers), tol and the ranks into v (nv values,
 * nv >= dse_interval_length(r->nt)). Fails with DSE_EUSAGE when v is too
 * short. */
int dse_interval_encode(const dse_bounded_result_t *r, double tol, int ranks, double *v, size_t nv,
                        dse_err_t *err);

/* Local. The interval of DSE at power t from a bounded block into *out;
 * returns 0 (out untouched) when v is not a bounded block or lacks t. */
int dse_interval_at(const double *v, size_t nv, double t, dse_interval_info_t *out);

/* Local. DSE at power t from a bounded block: the interval's midpoint when
 * its half-width is within tol, else NaN (an interval wider than asked has
 * no value; never a silent midpoint). NaN when t is not in the block. */
double dse_interval_value(const double *v, size_t nv, double t);

/* Local. How the bounded run held K, in words: "kept in float64", "kept in
 * float32" or "rebuilt at every product". Static string. */
const char *dse_interval_storage_text(int storage);

#endif
