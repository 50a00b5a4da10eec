/* slq.h — stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017) for DSE:
 * a statistical interval where the certified one (bounded.h) stays wide.
 *
 * For the power t of a symmetric positive semi-definite operator K with
 * eigenvalues in [0, 1], DSE_t = log2 Z - A / Z with Z = tr K^t and
 * A = tr(K^t log2 K^t). Both traces are estimated from the same Rademacher
 * probes g: g^T f(K) g is approximated by m-point Gauss quadrature from m
 * Lanczos steps started at g (Golub & Meurant). A converged head of Ritz
 * pairs (theta_i, y_i) deflates K: its part of Z and A is sum f(theta_i),
 * and the probes see only P K P with P = I - Y Y^T (Hutch++-style variance
 * reduction: the head is what makes Hutchinson's variance large).
 *
 * The interval at t is estimate +- q SE + quad + defl: SE the delta-method
 * standard error of log2 Z - A/Z over the probes, q the two-sided 95%
 * Student-t quantile with probes - 1 degrees of freedom, quad the change of
 * the estimate between m and 3m/4 quadrature nodes (a stated allowance for
 * the quadrature error, not a proof), defl the effect of the head's
 * residuals (Lidskii-Mirsky plus the entropy's continuity bound, as in
 * docs/bounded.md Step 5). Probes are added a batch at a time until every
 * wanted t has half-width <= tol or the probe budget is spent.
 *
 * Known traces (tr K, |K|_F^2) serve as control variates: every probe's
 * g^T P K P g and g^T (P K P)^2 g are exact (Gauss quadrature with >= 2
 * nodes), and their known means regress the noise out of the estimates of
 * Z and A (the degrees of freedom drop by one per control).
 *
 * Reproducible: probe j is the Rademacher vector of the stream (seed, "SLQ",
 * j) and the products are the operator's, so the same seed gives the same
 * interval on every rank count whose operator gives the same products.
 */
#ifndef DSESWEEP_SLQ_H
#define DSESWEEP_SLQ_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"
#include "dsesweep/lanczos.h"

typedef struct dse_slq_opts {
    double tol;        /* target half-width in bits, > 0 */
    size_t steps;      /* Lanczos steps (quadrature nodes) per probe (0: 40) */
    size_t batch;      /* probes per block product (0: 16) */
    size_t max_probes; /* probe budget, rounded up to whole batches (0: 128) */
    uint64_t seed;     /* the probes' streams */
    double trace;      /* tr K when known exactly (0: unknown): a control variate */
    double frob2;      /* |K|_F^2 when known exactly (0: unknown): a control variate */
} dse_slq_opts_t;

/* A converged head that deflates the operator (k = 0: none). */
typedef struct dse_slq_head {
    size_t k;
    const double *Y;     /* n x k column-major, orthonormal Ritz vectors */
    const double *theta; /* k Ritz values */
    const double *rho;   /* k residual norms |K y_i - theta_i y_i| */
} dse_slq_head_t;

typedef struct dse_slq_result {
    size_t probes;   /* Rademacher probes used */
    size_t steps;    /* Lanczos steps per probe */
    size_t products; /* block products with the operator (each `batch` vectors) */
    size_t nt;
    double *value; /* nt estimates of DSE_t, bits (owned) */
    double *lower; /* nt lower ends, bits (owned) */
    double *upper; /* nt upper ends, bits (owned) */
    double *se;    /* nt delta-method standard errors (owned) */
    double *quad;  /* nt quadrature allowances (owned) */
} dse_slq_result_t;

/* Collective when apply is (the operator's products are the only
 * communication; every rank must get the same products). Estimates DSE of
 * the n x n operator at the nt powers ts (> 0) with probes added until every
 * t with want[j] != 0 (want NULL: every t) has half-width <= o->tol or the
 * budget is spent. out's arrays are owned by the caller
 * (dse_slq_result_free). Fails with one line for bad options or an
 * allocation or operator failure. */
int dse_slq_dse(size_t n, dse_lanczos_apply_fn apply, void *ctx, const dse_slq_head_t *head,
                const double *ts, size_t nt, const int *want, const dse_slq_opts_t *o,
                dse_slq_result_t *out, dse_err_t *err);

/* Local. The two-sided 95% quantile of Student's t with dof degrees of
 * freedom (Cornish-Fisher expansion; 1.96 for large dof). */
double dse_slq_t95(size_t dof);

/* Local. Frees out's arrays; safe on a zeroed struct. */
void dse_slq_result_free(dse_slq_result_t *out);

#endif
