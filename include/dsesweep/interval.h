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
 *
 * A DSE task solved in float32 (precision = float32) keeps its spectrum with
 * a proved per-eigenvalue radius delta (Weyl; docs/bounded.md): the top
 * eigenvalue of the diffusion operator is exactly 1, so its slot carries
 * the mark -(2 + delta) instead, and the rest are the float32 eigenvalues,
 * descending, clamped to [0, 1]. Its interval at any t is computed on
 * reading.
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
    int float32;         /* 1: from a float32 spectrum (k = N, no products) */
} dse_interval_info_t;

/* Local. Values a bounded block needs for nt powers. */
size_t dse_interval_length(size_t nt);

/* Local. 1 when the nv values v are a bounded block or a float32 spectrum
 * (not a float64 spectrum). */
int dse_interval_is_bounded(const double *v, size_t nv);

/* Local. The proved radius of every eigenvalue of the n x n diffusion
 * operator S (eigenvalues in [0, 1]) solved in float32 against the float64
 * solve's: the rounding of S to float32, |E| <= 2^-24 |S| elementwise, so
 * |E|_2 <= 2^-24 |S|_2 = 2^-24 (S >= 0); the float32 solver's backward
 * error p(n) 2^-24 |S32|_2; the float64 solver's p(n) 2^-53; with
 * p(n) = DSE_FLOAT32_SOLVER_FACTOR n (docs/bounded.md states the model). */
double dse_interval_float32_radius(size_t n);

/* The backward-error factor p(n) / n of the LAPACK and ScaLAPACK drivers'
 * Householder reduction and tridiagonal solve (docs/bounded.md). */
#define DSE_FLOAT32_SOLVER_FACTOR 1.0

/* Local. Turns a float32 spectrum w (n values, descending) in place into a
 * float32 block with radius delta (see above). */
void dse_interval_mark_float32(double *w, size_t n, double delta);

/* Local. Writes r (its nt powers), tol and the ranks into v (nv values,
 * nv >= dse_interval_length(r->nt)). Fails with DSE_EUSAGE when v is too
 * short. */
int dse_interval_encode(const dse_bounded_result_t *r, double tol, int ranks, double *v, size_t nv,
                        dse_err_t *err);

/* Local. The interval of DSE at power t from a bounded block or a float32
 * spectrum into *out; returns 0 (out untouched) when v is neither or a
 * bounded block lacks t. tol: the half-width asked for (a bounded block
 * carries its own). */
int dse_interval_at(const double *v, size_t nv, double t, double tol, dse_interval_info_t *out);

/* Local. DSE at power t from a bounded block or a float32 spectrum: the
 * interval's midpoint when its half-width is within tol, else NaN (an
 * interval wider than asked has no value; never a silent midpoint). NaN
 * when t is not in a bounded block. */
double dse_interval_value(const double *v, size_t nv, double t, double tol);

/* Local. How the bounded run held K, in words: "kept in float64", "kept in
 * float32" or "rebuilt at every product". Static string. */
const char *dse_interval_storage_text(int storage);

#endif
