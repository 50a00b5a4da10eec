/* cli_common.c — what every subcommand shares: who prints, and usage errors. */
#include <mpi.h>
#include <stdio.h>

#include "cli.h"

int dse_cli_rank0(void)
{
    int up = 0, r = 0;
    MPI_Initialized(&up);
    if (up) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r == 0;
}

int dse_cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
    if (dse_cli_rank0()) {
        fprintf(stderr, "dsesweep %s: ", cmd);
        fprintf(stderr, fmt, arg);
        fprintf(stderr, " (see `dsesweep %s --help`)\n", cmd);
    }
    return 2;
}
