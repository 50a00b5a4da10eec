/* quantity.h — the one table of quantities (REFERENCE.md).
 *
 * Every quantity is one row of DSE_QUANTITY_TABLE below. The enum of ids, the
 * selection bits (DSE_Q_ALL and the family masks), the names, the parse
 * errors' "known:" list, the help of `dsesweep score`, the sweep's task
 * families and their store strings all come from it. Adding a quantity is
 * one row here and, when it brings a new computation, one function with the
 * dse_quantity_compute_fn signature (declared where it lives).
 *
 * Columns of X(ID, NAME, FAMILY, USES_T, NEEDS, FROM, SHAPE, COMPUTE, DIST, FINISH, HELP):
 *   ID      the enum suffix: DSE_QID_<ID>, bit DSE_Q(<ID>)
 *   NAME    the name in outputs and stores (mi_x adds "_X")
 *   FAMILY  the sweep task family: SPECTRAL, CLASSIC or MI (MI rows also run
 *           in the mi_x family, against the reference clustering)
 *   USES_T  1: one value per diffusion power t, 0: one value (t reported 0)
 *   NEEDS   NOTHING or CATEGORIES (labels or the reference clustering)
 *   FROM    the row it derives from: itself when it owns its computation,
 *           the owner of a shared computation ("basis"; DSE's diffusion
 *           spectrum serves ASE_anisotropic, the covariance spectrum serves
 *           alpha_ReQ), or for MI rows the entropy they are built from
 *   SHAPE   the cost / memory / result-length model of its own computation
 *           (SHARED when FROM is another row)
 *   COMPUTE single-rank computation (dse_quantity_compute_fn), NULL when shared;
 *           the dse_q_* adapters are static in quantity.c, others are declared
 *           in a header quantity.c includes
 *   DIST    the same on a group of ranks (ScaLAPACK; dse_quantity_dist_fn), or
 *           NULL when the computation only runs on one rank
 *   FINISH  turns the computation's values into the quantity at power t
 *           (dse_quantity_finish_fn); NULL for MI rows (FROM's finish is used
 *           per subset, then the MI formula)
 *   HELP    one line for --help
 * Row order is bit order and report order (label-free rows first, then the
 * MI rows, each in row order). Append new rows at the end: the bit
 * positions are part of the sweep's configuration fingerprint.
 */
#ifndef DSESWEEP_QUANTITY_H
#define DSESWEEP_QUANTITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dsesweep/dist.h"
#include "dsesweep/error.h"
#include "dsesweep/group.h"
#include "dsesweep/interval.h"
#include "dsesweep/params.h"

/* clang-format off */
#define DSE_QUANTITY_TABLE(X)                                                                      \
    X(DSE, "DSE", SPECTRAL, 1, NOTHING, DSE, KERNEL, dse_q_aniso_spectrum, dse_q_aniso_spectrum_dist, \
      dse_q_finish_entropy_t, "diffusion spectral entropy of the anisotropic kernel K, power t")   \
    X(MATRIX_ENTRY, "DSE_matrix_entry", SPECTRAL, 0, NOTHING, MATRIX_ENTRY, PAIRS,                 \
      dse_q_matrix_entry, dse_q_matrix_entry_dist, dse_q_finish_value,                             \
      "entropy of the entries of the diffusion operator P = diag(1/rowsum K) K")                   \
    X(CSE, "CSE", CLASSIC, 0, NOTHING, CSE, BINS, dse_q_cse, NULL, dse_q_finish_value,             \
      "classic Shannon entropy of the min-max scaled, binned rows")                                \
    X(ASE_GAUSSIAN, "ASE_gaussian", SPECTRAL, 0, NOTHING, ASE_GAUSSIAN, KERNEL,                    \
      dse_q_gauss_spectrum, dse_q_gauss_spectrum_dist, dse_q_finish_entropy,                       \
      "adjacency spectral entropy of the Gaussian kernel G")                                      \
    X(ASE_ANISOTROPIC, "ASE_anisotropic", SPECTRAL, 0, NOTHING, DSE, SHARED, NULL, NULL,           \
      dse_q_finish_aniso, "adjacency spectral entropy of K (DSE's spectrum, no power)")            \
    X(ASE_KNN, "ASE_knn", CLASSIC, 0, NOTHING, ASE_KNN, KNN, dse_q_knn_spectrum, NULL,             \
      dse_q_finish_entropy, "adjacency spectral entropy of the binarised kNN adjacency")           \
    X(RANKME, "RankMe", CLASSIC, 0, NOTHING, RANKME, THIN, dse_q_rankme, NULL, dse_q_finish_value, \
      "RankMe: exp of the entropy (nats) of the normalised singular values of Z")                  \
    X(PARTICIPATION, "participation_ratio", CLASSIC, 0, NOTHING, PARTICIPATION, COVARIANCE,        \
      dse_q_covariance_spectrum, NULL, dse_q_finish_participation,                                 \
      "participation ratio (sum mu)^2 / sum mu^2 of the covariance spectrum")                     \
    X(ALPHA_REQ, "alpha_ReQ", CLASSIC, 0, NOTHING, PARTICIPATION, SHARED, NULL, NULL,              \
      dse_q_finish_alpha_req, "alpha-ReQ: minus the slope of log mu_k vs log k (covariance)")      \
    X(DSMI, "DSMI", MI, 1, CATEGORIES, DSE, SHARED, NULL, NULL, NULL,                              \
      "diffusion spectral mutual information with the labels, power t")                           \
    X(CSMI, "CSMI", MI, 0, CATEGORIES, CSE, SHARED, NULL, NULL, NULL,                              \
      "classic (binned) mutual information with the labels")                                      \
    X(ASMI_GAUSSIAN, "ASMI_gaussian", MI, 0, CATEGORIES, ASE_GAUSSIAN, SHARED, NULL, NULL, NULL,   \
      "adjacency spectral mutual information, Gaussian kernel")                                   \
    X(ASMI_ANISOTROPIC, "ASMI_anisotropic", MI, 0, CATEGORIES, ASE_ANISOTROPIC, SHARED, NULL,      \
      NULL, NULL, "adjacency spectral mutual information, anisotropic kernel")                     \
    X(ASMI_KNN, "ASMI_knn", MI, 0, CATEGORIES, ASE_KNN, SHARED, NULL, NULL, NULL,                  \
      "adjacency spectral mutual information, kNN adjacency")                                     \
    X(MATRIX_ENTROPY, "MatrixEntropy", CLASSIC, 0, NOTHING, MATRIX_ENTROPY, THIN,                  \
      dse_measure_matrix_entropy, NULL, dse_q_finish_value,                                        \
      "Renyi entropy of order alpha of the trace-normalised Gram matrix Z Z^T / tr")
/* clang-format on */

/* ---- ids and selection bits (compile-time constants) ------------------- */

#define DSE_Q_ENUM_(ID, ...) DSE_QID_##ID,
typedef enum dse_quantity_id { DSE_QUANTITY_TABLE(DSE_Q_ENUM_) DSE_QID_COUNT } dse_quantity_id_t;
#undef DSE_Q_ENUM_

/* The bit of a quantity by table ID (DSE_Q(DSE)) or by runtime id. */
#define DSE_Q(ID) (UINT64_C(1) << DSE_QID_##ID)
#define DSE_Q_BIT(id) (UINT64_C(1) << (unsigned)(id))

typedef enum dse_qfamily {
    DSE_QFAMILY_SPECTRAL, /* store string "spectral" */
    DSE_QFAMILY_CLASSIC,  /* "classic" */
    DSE_QFAMILY_MI,       /* "mi": MI rows against the labels */
    DSE_QFAMILY_MI_X,     /* "mi_x": MI rows against the reference clustering, names + "_X" */
    DSE_QFAMILY_COUNT     /* as a filter: every family */
} dse_qfamily_t;

typedef enum dse_qneeds { DSE_QNEEDS_NOTHING, DSE_QNEEDS_CATEGORIES } dse_qneeds_t;

/* Cost, memory and result-length models of a computation on m rows of d
 * dimensions (r = min(m, d)); see dse_quantity_cost/_bytes/_length. */
typedef enum dse_qshape {
    DSE_QSHAPE_SHARED,     /* derives from another row's computation */
    DSE_QSHAPE_KERNEL,     /* m x m kernel spectrum: m values, m^3 flops, 4m^2 + 8md + 6.4 kB m */
    DSE_QSHAPE_PAIRS,      /* m x m kernel, one value: m^2 d flops */
    DSE_QSHAPE_KNN,        /* m x m kNN adjacency, general eigensolve: m values, 10 m^3, 8m^2 */
    DSE_QSHAPE_BINS,       /* one pass of binning: one value, 20 md flops */
    DSE_QSHAPE_THIN,       /* the r x r problem of Z (SVD or Gram): one value, mdr + r^3 */
    DSE_QSHAPE_COVARIANCE, /* d x d covariance spectrum: d values, m d^2 + d^3; needs m >= 2 */
    DSE_QSHAPE_COUNT
} dse_qshape_t;

#define DSE_Q_ALL_(ID, ...) | DSE_Q(ID)
#define DSE_Q_IN_(FAM, ID, NAME, FAMILY, ...) | (DSE_QFAMILY_##FAMILY == (FAM) ? DSE_Q(ID) : 0)
#define DSE_Q_SPECTRAL_(...) DSE_Q_IN_(DSE_QFAMILY_SPECTRAL, __VA_ARGS__)
#define DSE_Q_CLASSIC_(...) DSE_Q_IN_(DSE_QFAMILY_CLASSIC, __VA_ARGS__)
#define DSE_Q_MI_(...) DSE_Q_IN_(DSE_QFAMILY_MI, __VA_ARGS__)
/* Every quantity; those of each family (mi_x selects the same bits as mi). */
#define DSE_Q_ALL ((uint64_t)0 DSE_QUANTITY_TABLE(DSE_Q_ALL_))
#define DSE_Q_SPECTRAL ((uint64_t)0 DSE_QUANTITY_TABLE(DSE_Q_SPECTRAL_))
#define DSE_Q_CLASSIC ((uint64_t)0 DSE_QUANTITY_TABLE(DSE_Q_CLASSIC_))
#define DSE_Q_MI_ALL ((uint64_t)0 DSE_QUANTITY_TABLE(DSE_Q_MI_))

_Static_assert(DSE_QID_COUNT <= 64, "the selection mask holds at most 64 quantities");

/* ---- the row -------------------------------------------------------------- */

/* Local. Computes on the m x d row-major rows z into out
 * (dse_quantity_length(id, m, d) values, caller-owned). */
typedef int (*dse_quantity_compute_fn)(size_t m, size_t d, const double *z, const dse_params_t *p,
                                       double *out, dse_err_t *err);

/* Collective on g: the same computation with the rows read through `read`
 * (positions 0..m-1); every rank of g gets out. stats may be NULL. */
typedef int (*dse_quantity_dist_fn)(const dse_group_t *g, size_t m, size_t d,
                                    dse_row_reader_fn read, void *ctx, const dse_params_t *p,
                                    int nb, size_t budget_bytes, double *out,
                                    dse_dist_stats_t *stats, dse_err_t *err);

/* Local. The quantity from its computation's nv values at power t (t is 1
 * for rows that do not use t). */
typedef double (*dse_quantity_finish_fn)(const double *v, size_t nv, double t,
                                         const dse_params_t *p);

typedef struct dse_quantity {
    dse_quantity_id_t id;
    const char *name;   /* "DSE", ...: the name in outputs and stores */
    const char *name_x; /* "DSMI_X", ...: the mi_x name (MI rows), else NULL */
    const char *help;
    dse_qfamily_t family; /* SPECTRAL, CLASSIC or MI */
    int uses_t;
    dse_qneeds_t needs;
    dse_quantity_id_t from; /* see FROM above */
    dse_qshape_t shape;
    dse_quantity_compute_fn compute;
    dse_quantity_dist_fn dist;
    dse_quantity_finish_fn finish;
} dse_quantity_t;

/* Local. The row of id, or NULL when id is out of range. Static storage. */
const dse_quantity_t *dse_quantity_get(dse_quantity_id_t id);

/* Local. The name of id ("?" when out of range). Static string. */
const char *dse_quantity_name(dse_quantity_id_t id);

/* Local. The row that owns the computation id derives from (follows FROM
 * until a row with its own computation: DSE for ASE_anisotropic and DSMI,
 * participation_ratio for alpha_ReQ). */
dse_quantity_id_t dse_quantity_basis(dse_quantity_id_t id);

/* Local. The entropy an MI row is built from (DSE for DSMI); id itself for
 * the others. */
dse_quantity_id_t dse_quantity_source(dse_quantity_id_t id);

/* ---- families (what the sweep iterates) ---------------------------------- */

/* Local. The store string of a family: "spectral", "classic", "mi", "mi_x".
 * Static string; "?" when out of range. */
const char *dse_quantity_family_name(dse_qfamily_t f);

/* Local. The bits of a family (mi_x: the MI bits, as mi). */
uint64_t dse_quantity_family_bits(dse_qfamily_t f);

/* Local. The first id >= from whose bit is in bits and whose row runs in
 * family f (DSE_QFAMILY_COUNT: any family); DSE_QID_COUNT when none. Iterate
 * with DSE_QUANTITY_FOREACH. */
dse_quantity_id_t dse_quantity_next(uint64_t bits, dse_qfamily_t f, int from);

#define DSE_QUANTITY_FOREACH(q, bits, fam)                                                         \
    for (dse_quantity_id_t q = dse_quantity_next((bits), (fam), 0); q < DSE_QID_COUNT;             \
         q = dse_quantity_next((bits), (fam), (int)q + 1))

/* Local. The name of id as stored by family f: name_x in mi_x, else name.
 * Static string. */
const char *dse_quantity_store_name(dse_quantity_id_t id, dse_qfamily_t f);

/* ---- models ----------------------------------------------------------------- */

/* Local. Number of values the computation of id's basis gives for m rows of
 * d dimensions under p (NULL: one fixed sigma); 0 when it does not apply
 * (covariance with m < 2). Computations that use the bandwidth (kernel
 * spectra, matrix entry) give one block per rule of p; with p->n_rules > 0
 * each block is followed by the sigma used (median, min, max). */
size_t dse_quantity_length(dse_quantity_id_t id, size_t m, size_t d, const dse_params_t *p);

/* Local. 1 when id's own computation uses the Gaussian bandwidth. */
int dse_quantity_uses_sigma(dse_quantity_id_t id);

/* Local. The sigma rule p->rule used in the values v (nv) of id's basis:
 * for adaptive rules the median, minimum and maximum over the samples; p's
 * fixed sigma when the values carry none. */
dse_sigma_used_t dse_quantity_sigma_used(dse_quantity_id_t id, const double *v, size_t nv,
                                         const dse_params_t *p);

/* Local. Estimated flops of computing every quantity in bits on m rows of d
 * dimensions, each shared computation counted once. For MI bits this is one
 * evaluation of their entropy's computation on m rows; the caller multiplies
 * by the subsets (classes x (repetitions + 1)) at their sizes. */
double dse_quantity_cost(uint64_t bits, size_t m, size_t d);

/* Local. dse_quantity_cost under p's bandwidth rules: a computation that
 * uses sigma runs once per rule (one eigensolve each); p NULL: one rule. */
double dse_quantity_cost_params(uint64_t bits, size_t m, size_t d, const dse_params_t *p);

/* The process's own peak RSS before any quantity's memory (MPI, OpenBLAS,
 * HDF5 and the program), measured with /usr/bin/time -v on `dsesweep score`
 * of a 20 x 64 file: 24.1 MiB. Add it to dse_quantity_bytes to compare with
 * a measured peak RSS (bench/bench_memory.sh); the budget check compares a
 * task's own bytes with the budget. */
#define DSE_QUANTITY_BASE_BYTES (24.1 * 1048576.0)

/* Local. Peak bytes one rank needs to compute any one quantity in bits on m
 * rows of d dimensions on one rank (the largest single computation; the
 * distributed path has its own model, dse_dist_bytes_per_rank). */
double dse_quantity_bytes(uint64_t bits, size_t m, size_t d);

/* Local. 1 when some computation of bits can run on a group of ranks. */
int dse_quantity_distributable(uint64_t bits);

/* ---- evaluating ------------------------------------------------------------ */

/* Local. Runs the computation of id's basis on the m x d row-major rows z.
 * *values (dse_quantity_length values) is malloc'd and owned by the caller. */
int dse_quantity_evaluate(dse_quantity_id_t id, size_t m, size_t d, const double *z,
                          const dse_params_t *p, double **values, size_t *nvalues, dse_err_t *err);

/* Local. The value of id (for MI rows: of their entropy) from its basis'
 * values at power t (ignored unless the row uses t), for bandwidth rule
 * p->rule (the block of that rule when the basis uses sigma). */
double dse_quantity_finish(dse_quantity_id_t id, const double *v, size_t nv, double t,
                           const dse_params_t *p);

/* Local. When id's value (for MI rows: their entropy's) comes from a
 * bounded DSE computation (interval.h), its interval at power t for rule
 * p->rule into *out and 1; else 0. */
int dse_quantity_interval(dse_quantity_id_t id, const double *v, size_t nv, double t,
                          const dse_params_t *p, dse_interval_info_t *out);

/* ---- names in and out ------------------------------------------------------- */

/* Local. Parses a comma list of names ("DSE,DSMI,CSE", "all"),
 * case-insensitive, into bits. Fails with "unknown quantity 'x' (known: all,
 * DSE, ...)" or "no quantity selected". */
int dse_quantity_parse(const char *list, uint64_t *bits, dse_err_t *err);

/* Local. Writes "all, DSE, DSE_matrix_entry, ..." into buf (truncated to
 * size). Returns buf. */
char *dse_quantity_known(char *buf, size_t size);

/* Local. Prints one line per quantity (name, family, t, needs, help) to out,
 * each indented by indent spaces. */
void dse_quantity_print_help(FILE *out, int indent);

#endif
