/* cli.h — subcommands of the dsesweep program (private to src/cli). */
#ifndef DSESWEEP_CLI_H
#define DSESWEEP_CLI_H

#include "dsesweep/error.h"
#include "dsesweep/export.h"
#include "dsesweep/store.h"

/* Each returns the process exit status: 0 ok, 1 a computation failed,
 * 2 bad usage. */
int dse_cli_score(int argc, char **argv);
int dse_cli_sweep(const char *cmd, int argc, char **argv); /* scan, run */
int dse_cli_rescore(int argc, char **argv);
int dse_cli_merge(int argc, char **argv);
int dse_cli_export(int argc, char **argv); /* local, no MPI */
int dse_cli_report(int argc, char **argv); /* local, no MPI */
int dse_cli_tune(int argc, char **argv);   /* collective on MPI_COMM_WORLD */

/* Local. 1 on rank 0 of MPI_COMM_WORLD, and in a process without MPI: the
 * rank that prints. */
int dse_cli_rank0(void);

/* Local. On rank 0: "dsesweep CMD: <fmt with arg> (see `dsesweep CMD
 * --help`)" on stderr. Returns 2, the bad-usage exit status. */
int dse_cli_usage_error(const char *cmd, const char *fmt, const char *arg);

#endif
