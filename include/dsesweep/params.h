/* params.h — the numerical parameters every quantity reads (REFERENCE.md):
 * bandwidth rules, subsample size and repeats, seed, MI repetitions, CSE
 * bins, kNN k, clusters of a continuous reference, the eigensolver and the
 * Renyi order alpha. */
#ifndef DSESWEEP_PARAMS_H
#define DSESWEEP_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/eigen.h"
#include "dsesweep/error.h"
#include "dsesweep/kernel.h" /* the rule types */

#define DSE_SIGMA_MAX_RULES 8

/* Most diffusion powers t one score or one config takes. */
#define DSE_MAX_T 32

/* How DSE's diffusion spectrum is obtained (docs/bounded.md):
 *   EXACT    the dense eigensolve (every eigenvalue);
 *   BOUNDED  the top of the spectrum by block Lanczos and an interval for
 *            DSE at every t that contains the exact value (certified), or,
 *            where the tail stays too heavy for tol, a statistical interval
 *            by stochastic Lanczos quadrature;
 *   AUTO     EXACT for N <= DSE_METHOD_AUTO_MAX_N when the dense solve fits
 *            the memory budget, else BOUNDED. */
typedef enum dse_method { DSE_METHOD_AUTO, DSE_METHOD_EXACT, DSE_METHOD_BOUNDED } dse_method_t;

/* AUTO's crossover: up to this N the dense solve takes at most about a
 * minute on one 2-core node (N = 8000: 20-30 s) and gives every eigenvalue;
 * above it the bounded method is faster (docs/performance.md). */
#define DSE_METHOD_AUTO_MAX_N 10000

/* The bounded method needs this many rows (4 Lanczos blocks and room for
 * the interval slots); smaller DSE computations (MI subsets) are exact. */
#define DSE_METHOD_BOUNDED_MIN_N 512

/* The arithmetic of DSE's dense eigensolve (docs/bounded.md):
 *   FLOAT64  the default: the value to the reference's precision;
 *   FLOAT32  the kernel rounded to float32 and solved in float32 (about
 *            twice as fast); DSE at every t gets an interval proved to
 *            contain the float64 value, and the value is its midpoint once
 *            the half-width is within tol, else NaN. */
typedef enum dse_precision { DSE_PRECISION_FLOAT64, DSE_PRECISION_FLOAT32 } dse_precision_t;

typedef struct dse_params {
    double sigma;    /* fixed Gaussian bandwidth when n_rules == 0, > 0 (default 10) */
    size_t max_n;    /* subsample above this many rows (default 10000; 0 = never) */
    uint64_t seed;   /* every random draw derives from it (default 0) */
    int repetitions; /* R random subsets per class (default 5) */
    int cse_bins;    /* CSE bins per dimension (default 2) */
    int knn;         /* kNN adjacency k (default 10) */
    int n_clusters;  /* bins for continuous scalar references (default 10) */
    dse_eigen_driver_t driver;
    double alpha; /* Renyi order of MatrixEntropy, > 0 (default 1: von Neumann) */
    /* Bandwidth rules: n_rules == 0 means the one fixed rule `sigma` (the
     * default). Kernel computations give one result block per rule, sharing
     * one distance computation; `rule` selects the block a finisher reads. */
    int n_rules;
    int rule;
    dse_sigma_rule_t rules[DSE_SIGMA_MAX_RULES];
    int subsample_repeats;     /* B seeded subsamples for DSE when N > max_n (default 1) */
    dse_method_t method;       /* DSE's spectrum: auto, exact or bounded (default auto) */
    double tol;                /* bounded: target half-width of the DSE interval, bits (0.01) */
    size_t max_k;              /* bounded: most Lanczos basis vectors, the k budget (2000) */
    dse_precision_t precision; /* of DSE's dense eigensolve (default float64) */
} dse_params_t;

/* Local. The defaults of REFERENCE.md. Returned by value. */
dse_params_t dse_params_default(void);

/* Local. "auto", "exact" or "bounded" (case-insensitive) into *out; fails
 * with "method must be auto, exact or bounded (got 'x')". */
int dse_method_parse(const char *text, dse_method_t *out, dse_err_t *err);

/* Local. The name of a method ("auto", "exact", "bounded"; "?" out of
 * range). Static string. */
const char *dse_method_name(dse_method_t m);

/* Local. "float64" or "float32" (case-insensitive) into *out; fails with
 * "precision must be float64 or float32 (got 'x')". */
int dse_precision_parse(const char *text, dse_precision_t *out, dse_err_t *err);

/* Local. "float64" or "float32" ("?" out of range). Static string. */
const char *dse_precision_name(dse_precision_t p);

/* Local. The eigensolver DSE's kernel spectra take under p: p->driver under
 * float64; the float32 driver under float32 (eigen.h maps it to the one-rank
 * or group solver). Fails when p->driver names a float64 driver under
 * float32 ("--driver X is float64; precision float32 solves with
 * ssyevd_2stage on one rank and pssyev on a group"). */
int dse_params_dse_driver(const dse_params_t *p, dse_eigen_driver_t *out, dse_err_t *err);

/* Local. Rows a computation on n samples uses: n, or max_n when max_n is
 * set and smaller (the seeded subsample of REFERENCE.md). */
size_t dse_params_rows_used(const dse_params_t *p, size_t n);

/* Local. Number of bandwidth rules in p (at least 1). */
int dse_params_rule_count(const dse_params_t *p);

/* Local. Rule r of p (r < dse_params_rule_count(p)); with n_rules == 0 the
 * fixed rule p->sigma. Returned by value. */
dse_sigma_rule_t dse_params_rule_at(const dse_params_t *p, int r);

/* Local. Every rule of p into out (DSE_SIGMA_MAX_RULES, caller-owned), as
 * the kernel builders take them; returns their count (at least 1). */
int dse_params_rules(const dse_params_t *p, dse_sigma_rule_t *out);

/* Local. Parses one rule: a number > 0, "sqrt_d", "median", "median*C"
 * (C > 0) or "knn:K" (K >= 1), case-insensitive, blanks around ignored.
 * Fails with "bad sigma rule 'x' (expected a number > 0, sqrt_d, median,
 * median*C or knn:K)". */
int dse_sigma_parse_rule(const char *text, dse_sigma_rule_t *rule, dse_err_t *err);

/* Local. Parses a comma list of rules into p->rules / p->n_rules. A list of
 * exactly one fixed number also sets p->sigma and leaves n_rules 0, so the
 * default path (and its outputs) stay as they were. Fails as
 * dse_sigma_parse_rule, or with "at most 8 sigma rules". */
int dse_sigma_parse_list(const char *text, dse_params_t *p, dse_err_t *err);

/* Local. The canonical text of a rule ("10", "sqrt_d", "median",
 * "median*0.5", "knn:7") into buf (truncated to size). Returns buf. */
char *dse_sigma_format(const dse_sigma_rule_t *rule, char *buf, size_t size);

/* Local. 1 when the rule depends on the data beyond D (median, knn). */
int dse_sigma_is_adaptive(const dse_sigma_rule_t *rule);

#endif
