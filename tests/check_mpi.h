/* check_mpi.h — check.h for MPI test programs: every rank's checks count. */
#ifndef DSESWEEP_TEST_CHECK_MPI_H
#define DSESWEEP_TEST_CHECK_MPI_H

#include <mpi.h>

#include "check.h"

/* Collective on MPI_COMM_WORLD. Sums passes and failures over all ranks,
 * prints the summary on rank 0 and returns the same exit status on every rank. */
static inline int check_summary_mpi(const char *name)
{
    int counts[2] = {check_passed, check_failed}, rank = 0, status = 0;
    MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    check_passed = counts[0];
    check_failed = counts[1];
    if (rank == 0) status = check_summary(name);
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return status;
}

#endif
