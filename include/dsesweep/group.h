/* group.h — a process group: an MPI communicator with a BLACS grid over it.
 *
 * The distributed engine takes a group explicitly for everything collective.
 * dse_group_create / dse_group_destroy are a pair; the group owns its
 * communicator (a dup or split of the parent) and its BLACS context.
 *
 * Failure agreement (the HPL habit): before any rank branches on a local
 * failure, dse_group_agree() makes all ranks agree, so no rank is left
 * waiting in a collective. The first failing rank's message reaches everyone.
 */
#ifndef DSESWEEP_GROUP_H
#define DSESWEEP_GROUP_H

#include <mpi.h>

#include "dsesweep/error.h"

typedef struct dse_group {
    MPI_Comm comm;     /* owned */
    int rank, size;    /* in comm */
    int world_rank;    /* in MPI_COMM_WORLD, for messages */
    int ctxt;          /* BLACS context */
    int nprow, npcol;  /* grid shape: nprow * npcol == size */
    int myrow, mycol;  /* this rank's grid coordinates */
    MPI_Comm row_comm; /* ranks with the same myrow (owned) */
    MPI_Comm col_comm; /* ranks with the same mycol (owned) */
    int node_size;     /* the group's ranks on this rank's node (shared memory) */
} dse_group_t;

/* Local. The near-square grid for p ranks: nprow <= npcol, nprow the largest
 * divisor of p not above sqrt(p). */
void dse_group_grid_shape(int p, int *nprow, int *npcol);

/* Collective on parent. Creates a group over all ranks of parent (a dup),
 * with a row-major BLACS grid of nprow x npcol (0, 0: near-square). The grid
 * must use every rank. *out is owned by the caller: dse_group_destroy. */
int dse_group_create(MPI_Comm parent, int nprow, int npcol, dse_group_t **out, dse_err_t *err);

/* Collective on the group. Frees the BLACS context and the communicators;
 * accepts NULL and sets *g to NULL. */
void dse_group_destroy(dse_group_t **g);

/* Collective on comm. Every rank passes its local status rc and err; returns
 * the lowest-ranked failure's status (DSE_OK if none) on every rank, and on
 * failure every rank's err holds that rank's message prefixed "rank R: " and
 * its call chain, plus the caller's file:line (the macro passes them).
 * Never leaves a rank behind: all ranks call it the same number of times. */
int dse_comm_agree_at(MPI_Comm comm, int rc, dse_err_t *err, const char *src_file, int src_line);
#define dse_comm_agree(comm, rc, err) dse_comm_agree_at((comm), (rc), (err), __FILE__, __LINE__)

/* Collective on the group: dse_comm_agree over g->comm. */
int dse_group_agree_at(const dse_group_t *g, int rc, dse_err_t *err, const char *src_file,
                       int src_line);
#define dse_group_agree(g, rc, err) dse_group_agree_at((g), (rc), (err), __FILE__, __LINE__)

/* The MPI error policy (one for the whole program): MPI errors are fatal.
 * After an MPI error the state of a communicator is undefined in MPI-3, so no
 * rank could safely take part in the next collective; instead of return
 * codes checked at each of the calls, dse_mpi_set_error_policy() installs on
 * MPI_COMM_WORLD and MPI_COMM_SELF (inherited by every communicator made from
 * them) a handler that prints "dsesweep: rank R: fatal MPI error: <MPI's
 * text>" on one line and aborts the job with exit status 1. MPI calls are
 * therefore not checked one by one. MPI-IO file errors are not covered: they
 * return codes, which HDF5 checks and reports (sweep/store_hdf5.c).
 *
 * Local (call once, right after MPI_Init). */
void dse_mpi_set_error_policy(void);

#endif
