/* score.h — every applicable quantity for one embeddings matrix.
 *
 * The unit of work of `dsesweep score` and of a sweep task on one rank:
 * subsample (seeded), one diffusion eigensolve that serves DSE at every t and
 * ASE-anisotropic, the other quantities, and MI against labels when given.
 */
#ifndef DSESWEEP_SCORE_H
#define DSESWEEP_SCORE_H

#include <stddef.h>

#include "dsesweep/categories.h"
#include "dsesweep/error.h"
#include "dsesweep/mi.h"

/* Quantity selection bits. */
enum {
    DSE_Q_DSE = 1u << 0,
    DSE_Q_MATRIX_ENTRY = 1u << 1,
    DSE_Q_CSE = 1u << 2,
    DSE_Q_ASE_GAUSSIAN = 1u << 3,
    DSE_Q_ASE_ANISOTROPIC = 1u << 4,
    DSE_Q_ASE_KNN = 1u << 5,
    DSE_Q_RANKME = 1u << 6,
    DSE_Q_PARTICIPATION = 1u << 7,
    DSE_Q_ALPHA_REQ = 1u << 8,
    DSE_Q_DSMI = 1u << 9,
    DSE_Q_CSMI = 1u << 10,
    DSE_Q_ASMI_GAUSSIAN = 1u << 11,
    DSE_Q_ASMI_ANISOTROPIC = 1u << 12,
    DSE_Q_ASMI_KNN = 1u << 13,
    DSE_Q_ALL = (1u << 14) - 1
};

/* Local. Parses a comma list of quantity names ("dse,dsmi,cse", "all") into
 * bits. Names are those of dse_quantity_name, case-insensitive. */
int dse_quantity_parse(const char *list, unsigned *bits, dse_err_t *err);

/* Local. Name of one quantity bit ("DSE", "DSE_matrix_entry", ...). Static. */
const char *dse_quantity_name(unsigned bit);

typedef struct dse_score_entry {
    const char *quantity; /* static name */
    double t;             /* the power t, or 0 where t does not apply */
    double value;
} dse_score_entry_t;

typedef struct dse_score {
    size_t n, d;          /* shape of the input */
    size_t n_used;        /* rows after the max_N subsample */
    size_t n_entries;
    dse_score_entry_t *entries; /* owned */
    double *spectrum;     /* n_used eigenvalues of K, descending (NULL if not computed); owned */
    size_t n_classes;     /* categories of the labels (0 without labels) */
} dse_score_t;

/* Local. Scores Z (row-major n x d) for the quantities in `bits` at the nt
 * powers ts. cat may be NULL (MI quantities are then skipped). out's buffers
 * are owned by out: release with dse_score_free. */
int dse_score_matrix(size_t n, size_t d, const double *Z, const dse_categories_t *cat,
                     const dse_params_t *p, unsigned bits, const double *ts, size_t nt,
                     dse_score_t *out, dse_err_t *err);

/* Local. Frees out's buffers; safe on a zeroed struct. */
void dse_score_free(dse_score_t *out);

/* Local. Reads labels from spec and turns them into categories for n samples:
 * an integer dtype gives discrete labels, a float N x 1 array is binned into
 * p->n_clusters bins. Fails with "<labels>: N labels but <embeddings> has M
 * rows" on a count mismatch. cat is owned by the caller (dse_categories_free). */
int dse_score_load_categories(const char *spec, size_t n, const char *embeddings_name,
                              const dse_params_t *p, dse_categories_t *cat, dse_err_t *err);

#endif
