/* score.h — every applicable quantity for one embeddings matrix, on any
 * number of ranks.
 *
 * The unit of work of `dsesweep score` and of one sweep task. The work is a
 * deterministic task list built identically on every rank:
 *   - one task per shared computation ("basis" in quantity.h: the diffusion
 *     spectrum serves DSE at every t and ASE-anisotropic, the covariance
 *     spectrum participation_ratio and alpha_ReQ), each computed once;
 *     computations with a distributed form (the kernel spectra, matrix-entry
 *     DSE) run on a group of ranks (block-cyclic, pdsyev) when they do not
 *     fit one rank's memory budget or a group is asked for;
 *   - every other computation and every MI subset task (one per subset and
 *     basis, shared by MI quantities of the same basis): on single ranks,
 *     assigned largest first.
 * Each task's rows depend only on the seed and the task, and every task runs
 * the same code whichever rank runs it, so results do not depend on the rank
 * count (single-rank tasks: bit for bit; distributed spectra: to 1e-10).
 */
#ifndef DSESWEEP_SCORE_H
#define DSESWEEP_SCORE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "dsesweep/categories.h"
#include "dsesweep/dist.h"
#include "dsesweep/error.h"
#include "dsesweep/params.h"
#include "dsesweep/quantity.h"

/* What to score: n x d samples behind a row reader (positions 0..n-1). */
typedef struct dse_score_input {
    size_t n, d;
    dse_row_reader_fn read;
    void *ctx;
    const dse_categories_t *cat; /* NULL: no MI quantities */
} dse_score_input_t;

typedef struct dse_score_opts {
    int group_size;      /* ranks for the big spectra: 0 = auto (1 if it fits the budget,
                            else all), -1 = all ranks, k = exactly k (<= size) */
    int nb;              /* ScaLAPACK block size (0: 64) */
    size_t budget_bytes; /* per-rank memory budget (0: dse_memory_default_budget) */
} dse_score_opts_t;

typedef struct dse_score_entry {
    dse_quantity_id_t quantity; /* its row in the quantity table (name: dse_quantity_name) */
    double t;                   /* the power t, or 0 where t does not apply */
    double value;               /* DSE with subsample repeats: their mean */
    double se;                  /* standard error: DSE over the B subsample repeats
                                   (0 when B = 1 or N <= max_N), MI over its R subset
                                   draws; 0 for the other quantities */
    int rule;                   /* the bandwidth rule (index in p->rules; 0 when the
                                   quantity does not use sigma) */
    dse_sigma_used_t sigma;     /* the bandwidth that rule gave (median, min, max; for MI
                                   with an adaptive rule: the input's, used by every subset) */
    /* How the spectrum behind the value was obtained (docs/bounded.md): */
    dse_method_t method; /* EXACT, or BOUNDED for DSE, ASE_anisotropic and DSMI computed
                            (in part) from a partial spectrum */
    double lower, upper; /* BOUNDED: the interval in bits (the value is its midpoint, or
                            NaN when wider than tol); NaN for EXACT */
    int statistical;     /* BOUNDED: 1 when the interval is statistical (stochastic
                            Lanczos quadrature, 95%), 0 when certified */
    size_t k, products;  /* BOUNDED: Ritz values in the head, block products with K */
    int float32;         /* EXACT under precision = float32: [lower, upper] is the proved
                            interval of the float32 solve (the value its midpoint, or NaN
                            when wider than tol) */
} dse_score_entry_t;

typedef struct dse_score {
    size_t n, d;   /* shape of the input */
    size_t n_used; /* rows after the max_N subsample */
    size_t n_entries;
    dse_score_entry_t *entries; /* owned */
    double *spectrum;           /* n_used eigenvalues of K, descending (NULL if not computed) */
    size_t n_classes;           /* categories of the labels (0 without labels) */
    int big_group_size;         /* ranks that computed the big spectra */
    int bounded_ranks;          /* ranks that shared the bounded method's products (0: not
                                   used on the whole input) */
    int bounded_storage;        /* how those ranks held K (dse_bounded_storage_t) */
    dse_dist_stats_t stats;     /* phases of the diffusion spectrum */
    double median_distance;     /* median pairwise distance of the rows the kernels use
                                   (over a seeded DSE_SCORE_MEDIAN_ROWS-row subsample when
                                   there are more), for the bandwidth check; NaN when no
                                   quantity uses sigma */
    double seconds;             /* wall time of the whole scoring */
} dse_score_t;

/* Rows over which dse_score_run measures the median distance for the
 * bandwidth check (all of them up to this many). */
#define DSE_SCORE_MEDIAN_ROWS 2000

/* Local. The kind of an entry's interval as outputs and the store name it:
 * "certified", "statistical", "float32", or "" for an exact float64 entry.
 * Static string. */
const char *dse_score_interval_kind(const dse_score_entry_t *e);

/* Local. 1 when the entry carries an interval (bounded or float32). */
int dse_score_has_interval(const dse_score_entry_t *e);

/* Local. The bandwidth check: for a sigma (or a knn rule's median sigma_i)
 * and the data's median pairwise distance, +1 when sigma > 20 x median (the
 * Gaussian is nearly constant: K ~ rank one, DSE near 0), -1 when sigma <
 * 0.05 x median (nearly diagonal: K ~ I, DSE near log2 N), 0 inside, or when
 * either is not a positive number. */
int dse_score_sigma_check(double sigma, double median_distance);

/* Local. One line describing a check result (static text): "the kernel is
 * nearly constant (sigma > 20 x the median distance)" and so on; "" for 0. */
const char *dse_score_sigma_warning(int check);

/* Local. The median pairwise distance of up to `rows` rows of the
 * embeddings file spec (seeded draw; all rows when it has fewer), for
 * checking a bandwidth before a sweep. *n and *d (may be NULL) receive the
 * file's shape. Reads only those rows. */
int dse_score_sample_median(const char *spec, size_t rows, uint64_t seed, double *median, size_t *n,
                            size_t *d, dse_err_t *err);

/* Local. How DSE's spectrum of an m x d input is obtained under p on `ranks`
 * ranks with a per-rank budget (group_size and nb as in dse_score_opts_t):
 * p->method when it is exact or bounded; for auto, DSE_METHOD_EXACT when
 * m < DSE_METHOD_BOUNDED_MIN_N, or m <= DSE_METHOD_AUTO_MAX_N and the dense
 * solve fits the budget on the allowed ranks, else DSE_METHOD_BOUNDED. MI subsets use the same rule
 * on one rank (exact under DSE_METHOD_BOUNDED_MIN_N rows). */
dse_method_t dse_score_dse_method(const dse_params_t *p, size_t m, size_t d, int nb, size_t budget,
                                  int group_size, int ranks);

/* Collective on comm. Scores the input for the quantities in `bits` at the
 * nt powers ts. On rank 0 out holds everything; on other ranks out is
 * zeroed but for n, d and n_used. Any failure (on any rank) fails every rank
 * with the first failing rank's message. Release with dse_score_free. */
int dse_score_run(MPI_Comm comm, const dse_score_input_t *in, const dse_params_t *p, uint64_t bits,
                  const double *ts, size_t nt, const dse_score_opts_t *opts, dse_score_t *out,
                  dse_err_t *err);

/* Local. Frees out's buffers; safe on a zeroed struct. */
void dse_score_free(dse_score_t *out);

/* Local. The eigensolver that computed out's diffusion spectrum ("" without
 * one): p->driver when named, else the tuning table's choice for n_used on
 * the big group's size (a group driver) or on one rank. Static string. */
const char *dse_score_driver_name(const dse_params_t *p, const dse_score_t *out);

#endif
