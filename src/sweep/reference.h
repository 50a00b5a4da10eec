/* reference.h — the categories of the MI families, made once per run on
 * every rank (private to src/sweep/): the labels Y for "mi", and the
 * clustering of the reference X for "mi_x" (made once per store, journaled
 * through the store handle before any task, reused by later runs). */
#ifndef DSESWEEP_SWEEP_REFERENCE_H
#define DSESWEEP_SWEEP_REFERENCE_H

#include <mpi.h>

#include "dsesweep/categories.h"
#include "dsesweep/store.h"
#include "dsesweep/sweep.h"
#include "families.h"

/* The categories an MI family runs over, on every rank. */
typedef struct {
    const dse_categories_t *cat; /* NULL: not available (see error) */
    const char *error;           /* why not, when the family is wanted */
    const char *file;            /* labels or reference file, for messages */
    const char *unit;            /* "labels" or "rows", for the count mismatch */
} mi_categories_t;

/* The reference clustering's state in one run. */
enum {
    REF_NONE,   /* no reference configured (or no MI quantity) */
    REF_READY,  /* categories available: the mi_x tasks run */
    REF_FAILED, /* X could not be clustered: each mi_x task fails with the reason */
    REF_REFUSED /* X changed since the store's clustering: no mi_x task runs, the
                   stored results stay (--recluster replaces them) */
};

/* Everything the MI families need. Do not copy or move once prepared:
 * fam[] points into it. */
typedef struct sweep_mi {
    dse_categories_t labels, reference; /* owned */
    int have_labels, ref_state;
    char labels_error[DSE_ERR_MSG_MAX], ref_error[DSE_ERR_MSG_MAX];
    int wanted[N_FAMILIES];          /* which families have tasks this run */
    mi_categories_t fam[N_FAMILIES]; /* per family (only FAM_MI, FAM_MI_X set) */
} sweep_mi_t;

/* Collective on comm. Loads the labels and makes (or reuses) the reference
 * clustering; a changed X sets summary->reference_error (every rank). Fails
 * only when the journal cannot be written; problems with the labels or X
 * make the affected tasks fail with the reason. Free with sweep_mi_free. */
int sweep_mi_prepare(MPI_Comm comm, const dse_config_t *cfg, const dse_sweep_opts_t *o,
                     dse_store_handle_t *store, sweep_mi_t *mi, dse_sweep_summary_t *summary,
                     dse_err_t *err);

/* Local. Frees mi's categories; safe on a zeroed struct. */
void sweep_mi_free(sweep_mi_t *mi);

/* Local. msg without the "rank R: " that dse_comm_agree puts before it. */
const char *sweep_without_rank(const char *msg);

/* Local. Drops that "rank R: " from err's message in place (for failures
 * every rank would meet alike, checked on rank 0). */
void sweep_drop_rank(dse_err_t *err);

#endif
