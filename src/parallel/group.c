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

static void on_mpi_error(MPI_Comm *comm, int *code, ...)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0, world = 0;
    MPI_Error_string(*code, text, &len);
    MPI_Comm_rank(MPI_COMM_WORLD, &world);
    fprintf(stderr, "dsesweep: rank %d: fatal MPI error: %s\n", world, text);
    fflush(stderr);
    MPI_Abort(*comm == MPI_COMM_NULL ? MPI_COMM_WORLD : *comm, 1);
}

void dse_mpi_set_error_policy(void)
{
    MPI_Errhandler h;
    MPI_Comm_create_errhandler(on_mpi_error, &h);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, h);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, h);
    MPI_Errhandler_free(&h);
}

int dse_comm_agree_at(MPI_Comm comm, int rc, dse_err_t *err, const char *src_file, int src_line)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    /* The lowest failing rank wins; its status and message go to everyone. */
    int mine = rc != DSE_OK ? rank : size, first = size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size) return DSE_OK;
    struct {
        int code, line, agreed, world;
        char msg[DSE_ERR_MSG_MAX];
        char trace[DSE_ERR_TRACE_MAX];
    } packet;
    memset(&packet, 0, sizeof packet);
    if (rank == first) {
        packet.code = rc;
        packet.line = err ? err->src_line : 0;
        packet.agreed = err ? err->agreed : 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &packet.world);
        snprintf(packet.msg, sizeof packet.msg, "%s", err ? err->msg : "failed");
        snprintf(packet.trace, sizeof packet.trace, "%s", err ? err->trace : "");
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
        /* The failing rank's chain, then where this rank learned of it. */
        memcpy(err->trace, packet.trace, sizeof err->trace);
        dse_err_pass(err, packet.code, src_file, src_line);
    }
    return packet.code;
}

int dse_group_agree_at(const dse_group_t *g, int rc, dse_err_t *err, const char *src_file,
                       int src_line)
{
    return dse_comm_agree_at(g->comm, rc, err, src_file, src_line);
}

int dse_group_create(MPI_Comm parent, int nprow, int npcol, dse_group_t **out, dse_err_t *err)
{
    *out = NULL;
    int size;
    MPI_Comm_size(parent, &size);
    if (nprow <= 0 || npcol <= 0) dse_group_grid_shape(size, &nprow, &npcol);
    if (nprow * npcol != size)
        return DSE_RAISE(err, DSE_EUSAGE, "a %d x %d grid does not use the %d ranks of the group",
                         nprow, npcol, size);
    dse_group_t *g = DSE_CALLOC(1, sizeof *g, err);
    if (!g) return err->code;
    g->row_comm = g->col_comm = MPI_COMM_NULL;
    MPI_Comm_dup(parent, &g->comm);
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
    MPI_Comm node;
    MPI_Comm_split_type(g->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &g->node_size);
    MPI_Comm_free(&node);
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
