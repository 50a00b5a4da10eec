/* main.c — the dsesweep program: dispatch to subcommands. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dsesweep/config.h"
#include "dsesweep/version.h"

static void usage(FILE *out)
{
    fprintf(out,
            "dsesweep %s — Diffusion Spectral Entropy and Mutual Information at scale\n"
            "\n"
            "usage: dsesweep COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  score EMBEDDINGS [options]   every quantity for one embeddings file\n"
            "  scan CONFIG                  what a sweep would do, without computing\n"
            "  run CONFIG                   the sweep: every checkpoint, one HDF5 store\n"
            "                               (under mpiexec -n P)\n"
            "  rescore STORE --t T,...      DSE at new t from stored spectra\n"
            "  merge SHARD... -o STORE      merge shard stores into one\n"
            "  report STORE                 per run, the quantities over steps\n"
            "  export STORE --format csv|json  one tidy row per result\n"
            "  config-keys [--markdown]     every sweep config key with type, default, help\n"
            "  version                      print the version\n"
            "\n"
            "Run `dsesweep COMMAND --help` for a command's options.\n",
            DSESWEEP_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    int mpi_cmd = !strcmp(cmd, "score") || !strcmp(cmd, "scan") || !strcmp(cmd, "run") ||
                  !strcmp(cmd, "rescore") || !strcmp(cmd, "merge");
    /* A file-size limit (ulimit -f) must become a write error with a message,
     * not a silent SIGXFSZ death. */
    signal(SIGXFSZ, SIG_IGN);
    if (mpi_cmd) {
        /* Commands that compute run under MPI (a singleton without mpiexec). */
        if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
            fprintf(stderr, "dsesweep: MPI_Init failed\n");
            return 1;
        }
        int status;
        if (!strcmp(cmd, "score"))
            status = dse_cli_score(argc - 1, argv + 1);
        else if (!strcmp(cmd, "rescore"))
            status = dse_cli_rescore(argc - 1, argv + 1);
        else if (!strcmp(cmd, "merge"))
            status = dse_cli_merge(argc - 1, argv + 1);
        else
            status = dse_cli_sweep(cmd, argc - 1, argv + 1);
        MPI_Finalize();
        return status;
    }
    if (strcmp(cmd, "config-keys") == 0) {
        dse_config_print_keys(stdout, argc > 2 && !strcmp(argv[2], "--markdown"));
        return 0;
    }
    if (strcmp(cmd, "export") == 0) return dse_cli_export(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0) return dse_cli_report(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("dsesweep %s\n", DSESWEEP_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "dsesweep: unknown command '%s' (try `dsesweep --help`)\n", cmd);
    return 2;
}
