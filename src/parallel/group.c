/* group.c — process groups, BLACS grids and failure agreement. */
#include "dsesweep/group.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blacs.h"

void dse_group_grid_shape(int p, int *nprow, int *npcol)
{
    int r = (int)sqrt((double)p);
    while (r > 1 && p % r != 0)
        r--;
    if (r < 1) r = 1;
    *nprow = r;
    *npcol = p / r;
}

int dse_mpi_error(int mpi_rc, const char *call, const char *src_file, int src_line,
                  dse_err_t *err)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(mpi_rc, text, &len);
    return dse_err_set(err, DSE_EMPI, src_file, src_line, "MPI call %s failed: %s", call, text);
}

int dse_comm_agree(MPI_Comm comm, int rc, dse_err_t *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    /* The lowest failing rank wins; its status and message go to everyone. */
    int mine = rc != DSE_OK ? rank : size, first = size;
    if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
        return DSE_RAISE(err, DSE_EMPI, "MPI_Allreduce failed while agreeing on a failure");
    if (first == size) return DSE_OK;
    struct {
        int code, line, agreed, world;
        char msg[DSE_ERR_MSG_MAX];
    } packet;
    memset(&packet, 0, sizeof packet);
    if (rank == first) {
        packet.code = rc;
        packet.line = err ? err->src_line : 0;
        packet.agreed = err ? err->agreed : 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &packet.world);
        snprintf(packet.msg, sizeof packet.msg, "%s", err ? err->msg : "failed");
    }
    MPI_Bcast(&packet, (int)sizeof packet, MPI_BYTE, first, comm);
    int world_size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    if (err) {
        /* Name the rank once, however many times the failure is agreed on,
         * and not at all when the job has one rank. */
        if (packet.agreed || world_size == 1)
            dse_err_set(err, packet.code, err->src_file, packet.line, "%s", packet.msg);
        else
            dse_err_set(err, packet.code, err->src_file, packet.line, "rank %d: %s", packet.world,
                        packet.msg);
        err->agreed = 1;
    }
    return packet.code;
}

int dse_group_agree(const dse_group_t *g, int rc, dse_err_t *err)
{
    return dse_comm_agree(g->comm, rc, err);
}

int dse_group_create(MPI_Comm parent, int nprow, int npcol, dse_group_t **out, dse_err_t *err)
{
    *out = NULL;
    int size;
    DSE_MPI_CHECK(MPI_Comm_size(parent, &size), err);
    if (nprow <= 0 || npcol <= 0) dse_group_grid_shape(size, &nprow, &npcol);
    if (nprow * npcol != size)
        return DSE_RAISE(err, DSE_EUSAGE, "a %d x %d grid does not use the %d ranks of the group",
                         nprow, npcol, size);
    dse_group_t *g = calloc(1, sizeof *g);
    if (!g) return DSE_RAISE(err, DSE_ENOMEM, "cannot allocate a process group");
    g->comm = g->row_comm = g->col_comm = MPI_COMM_NULL;
    int rc = MPI_Comm_dup(parent, &g->comm);
    if (rc != MPI_SUCCESS) {
        free(g);
        return dse_mpi_error(rc, "MPI_Comm_dup", __FILE__, __LINE__, err);
    }
    MPI_Comm_rank(g->comm, &g->rank);
    MPI_Comm_rank(MPI_COMM_WORLD, &g->world_rank);
    g->size = size;
    g->nprow = nprow;
    g->npcol = npcol;
    /* BLACS over exactly this communicator, row-major rank order. */
    g->ctxt = Csys2blacs_handle(g->comm);
    Cblacs_gridinit(&g->ctxt, "Row", nprow, npcol);
    int pr, pc;
    Cblacs_gridinfo(g->ctxt, &pr, &pc, &g->myrow, &g->mycol);
    if (pr != nprow || pc != npcol || g->myrow < 0) {
        MPI_Comm_free(&g->comm);
        free(g);
        return DSE_RAISE(err, DSE_EINTERNAL, "BLACS could not make a %d x %d grid", nprow, npcol);
    }
    MPI_Comm_split(g->comm, g->myrow, g->mycol, &g->row_comm);
    MPI_Comm_split(g->comm, g->mycol, g->myrow, &g->col_comm);
    *out = g;
    return DSE_OK;
}

void dse_group_destroy(dse_group_t **gp)
{
    if (!gp || !*gp) return;
    dse_group_t *g = *gp;
    Cblacs_gridexit(g->ctxt);
    if (g->row_comm != MPI_COMM_NULL) MPI_Comm_free(&g->row_comm);
    if (g->col_comm != MPI_COMM_NULL) MPI_Comm_free(&g->col_comm);
    if (g->comm != MPI_COMM_NULL) MPI_Comm_free(&g->comm);
    free(g);
    *gp = NULL;
}
