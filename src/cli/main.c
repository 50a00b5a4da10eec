/* main.c — the dsesweep program: one table of commands, one dispatch. */
#include <mpi.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dsesweep/config.h"
#include "dsesweep/group.h"
#include "dsesweep/tune.h"
#include "dsesweep/version.h"

static int cmd_sweep(int argc, char **argv)
{
    return dse_cli_sweep(argv[0], argc, argv);
}

static int cmd_config_keys(int argc, char **argv)
{
    dse_config_print_keys(stdout, argc > 1 && !strcmp(argv[1], "--markdown"));
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("dsesweep %s\n", DSESWEEP_VERSION);
    return 0;
}

static int cmd_help(int argc, char **argv);

/* The commands: name, usage, summary, whether it runs under MPI, handler
 * (called with argv[0] = the command's name). The usage text, the dispatch
 * and the MPI decision all come from this one table. */
static const struct command {
    const char *name, *args, *summary;
    int uses_mpi;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"score", "EMBEDDINGS [options]", "every quantity for one embeddings file", 1, dse_cli_score},
    {"scan", "CONFIG", "what a sweep would do, without computing", 1, cmd_sweep},
    {"run", "CONFIG", "the sweep: every checkpoint, one HDF5 store (under mpiexec -n P)", 1,
     cmd_sweep},
    {"rescore", "STORE --t T,...", "DSE at new t from stored spectra", 1, dse_cli_rescore},
    {"merge", "SHARD... -o STORE", "merge shard stores into one", 1, dse_cli_merge},
    {"report", "STORE", "per run, the quantities over steps", 0, dse_cli_report},
    {"export", "STORE --format csv|json", "one tidy row per result", 0, dse_cli_export},
    {"config-keys", "[--markdown]", "every sweep config key with type, default, help", 0,
     cmd_config_keys},
    {"tune", "[--sizes N,..] [--show]",
     "measure the eigensolvers on this node (one rank, or a group under mpiexec -n P)", 1,
     dse_cli_tune},
    {"version", "", "print the version", 0, cmd_version},
    {"help", "", "this help", 0, cmd_help},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out,
            "dsesweep %s — Diffusion Spectral Entropy and Mutual Information at scale\n\n"
            "usage: dsesweep COMMAND [ARGS]\n\ncommands:\n",
            DSESWEEP_VERSION);
    for (size_t i = 0; i < N_COMMANDS; ++i) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", commands[i].name, commands[i].args);
        fprintf(out, "  %-30s %s\n", head, commands[i].summary);
    }
    fprintf(out, "\nRun `dsesweep COMMAND --help` for a command's options.\n");
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    usage(stdout);
    return 0;
}

static const struct command *find_command(const char *name)
{
    if (!strcmp(name, "--version")) name = "version";
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) name = "help";
    for (size_t i = 0; i < N_COMMANDS; ++i)
        if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const struct command *cmd = find_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "dsesweep: unknown command '%s' (try `dsesweep --help`)\n", argv[1]);
        return 2;
    }
    /* A file-size limit (ulimit -f) must become a write error with a message,
     * not a silent SIGXFSZ death. */
    signal(SIGXFSZ, SIG_IGN);
    if (!cmd->uses_mpi) return cmd->run(argc - 1, argv + 1);
    /* Commands that compute run under MPI (a singleton without mpiexec).
     * MPI_THREAD_MULTIPLE lets `run` keep its coordinator in a thread of
     * rank 0 while rank 0 computes; with less, `run` says so and rank 0
     * only coordinates (the run loop checks MPI_Query_thread). */
    int provided = MPI_THREAD_SINGLE;
    const char *single = getenv("DSESWEEP_MPI_FUNNELED"); /* 1: ask for less (tests, benches) */
    int want = single && *single == '1' ? MPI_THREAD_FUNNELED : MPI_THREAD_MULTIPLE;
    if (MPI_Init_thread(&argc, &argv, want, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "dsesweep: MPI_Init_thread failed\n");
        return 1;
    }
    dse_mpi_set_error_policy();
    /* Every rank reads the node's tuning file (or keeps the built-in table)
     * before any computation; the commands print its one-line note. */
    dse_tune_load(NULL, NULL, 0);
    int status = cmd->run(argc - 1, argv + 1);
    MPI_Finalize();
    return status;
}
