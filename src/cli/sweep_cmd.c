/* sweep_cmd.c — `dsesweep scan`, `dsesweep run`, `dsesweep rescore`, `dsesweep merge`. */
#include <errno.h>
#include <getopt.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dsesweep/quantity.h"
#include "dsesweep/config.h"
#include "dsesweep/store.h"
#include "dsesweep/sweep.h"

static void run_help(FILE *out, const char *cmd)
{
    if (!strcmp(cmd, "scan"))
        fprintf(out,
                "usage: dsesweep scan CONFIG [--shard I/N]\n\n"
                "Lists what `run` would do without computing: the checkpoints found with their\n"
                "run, step, N and D, unreadable files and directories, the task count, and the\n"
                "estimated memory and time.\n\n"
                "It refuses (one line, exit 2) what `run` would refuse before any work: a labels\n"
                "or reference file that cannot be read or whose length is not every\n"
                "checkpoint's N (one label per row of the file; max_n subsamples rows with\n"
                "their labels), and a path_regex that names none of the files `include`\n"
                "matched. Exit status: 0 fine, 2 bad usage or refused inputs, 1 other errors.\n");
    else
        fprintf(out,
                "usage: mpiexec -n P dsesweep run CONFIG [--quiet|--verbose] [--shard I/N]\n"
                "                                 [--store PATH] [--grace SECONDS]\n"
                "                                 [--recluster] [--relabel] [--no-retry]\n\n"
                "Scores every checkpoint of the config's tree with every requested quantity and\n"
                "writes one HDF5 store (schema: docs/store.md). All P ranks compute (rank 0's\n"
                "coordinator is a thread); each task runs on one rank, or on a group when it\n"
                "needs more than one rank's memory. Running again computes only what is missing or "
                "whose\n"
                "file changed. --shard I/N does checkpoints I, I+N, I+2N, ... only; --store\n"
                "writes another store (one per shard, then `dsesweep merge`).\n\n"
                "With `reference = X.npy` the input vectors X are clustered once, over all\n"
                "ranks, before any task (kNN graph with k = knn, n_clusters spectral\n"
                "clusters); the labels go to the store's /reference group and every later run\n"
                "reuses them. DSMI_X, CSMI_X, ... are MI against those clusters, beside DSMI\n"
                "against the labels. If X changes, its mi_x results are kept and none is\n"
                "computed until --recluster clusters X again (and recomputes them).\n\n"
                "The labels file is tracked by content: if it changes, its mi results are\n"
                "kept and none is computed until --relabel drops and recomputes them.\n"
                "A failed task is run again by the next run; --no-retry keeps failures as\n"
                "they are. The store keeps each result's attempts and the last error\n"
                "before it. --quiet drops the progress lines, not the final summary.\n\n"
                "On SIGUSR1 or SIGTERM (SLURM's warning before the time limit) no new task is\n"
                "handed out; in-flight tasks finish, or are abandoned after --grace seconds\n"
                "(default 60); the store is written and every rank exits with status 4.\n"
                "Under mpiexec, send SIGUSR1 to mpiexec: it passes the signal on and returns\n"
                "the ranks' 4. SIGTERM to mpiexec (or to its process group) makes Open MPI's\n"
                "mpiexec end the ranks itself and return 1: the tasks printed as finished are\n"
                "in the journal and a new run resumes from it (jobs/*.sbatch turn SLURM's TERM\n"
                "into SIGUSR1). A new run started while a stopping one still holds the store's\n"
                "lock waits for it (until its grace ends) instead of being refused.\n\n"
                "Exit status: 0 all tasks done, 3 the sweep finished but some tasks failed\n"
                "(their errors are in the store) or the labels or the reference X changed,\n"
                "4 stopped by SIGUSR1 or SIGTERM with work left (run again to resume), 1 the\n"
                "sweep could not run (or mpiexec was sent SIGTERM: see above),\n"
                "2 bad usage or inputs refused before any work (the checks of `scan`; the\n"
                "store is not touched).\n");
    fprintf(out, "\nConfig keys (docs/config.md):\n");
    dse_config_print_keys(out, 0);
}

static int parse_shard(const char *s, int *index, int *count)
{
    char *end;
    errno = 0;
    long i = strtol(s, &end, 10);
    if (errno || end == s || *end != '/') return 0;
    const char *rest = end + 1;
    long n = strtol(rest, &end, 10);
    if (errno || end == rest || *end || n < 1 || i < 0 || i >= n || n > 1000000) return 0;
    *index = (int)i;
    *count = (int)n;
    return 1;
}

/* "dsesweep CMD: error: ..." (with the call chain under DSE_TRACEBACK=1). */
static void report_error(const char *cmd, const dse_err_t *err)
{
    char prog[64];
    snprintf(prog, sizeof prog, "dsesweep %s", cmd);
    dse_err_report(stderr, prog, err);
}

int dse_cli_sweep(const char *cmd, int argc, char **argv)
{
    dse_sweep_opts_t o = {.shard_count = 1};
    static const struct option opts[] = {
        {"quiet", no_argument, 0, 'q'},       {"verbose", no_argument, 0, 'v'},
        {"shard", required_argument, 0, 's'}, {"store", required_argument, 0, 'o'},
        {"grace", required_argument, 0, 'g'}, {"recluster", no_argument, 0, 'r'},
        {"no-retry", no_argument, 0, 'n'},    {"relabel", no_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'q':
            o.verbose = -1;
            break;
        case 'v':
            o.verbose = 1;
            break;
        case 's':
            if (!parse_shard(optarg, &o.shard_index, &o.shard_count))
                return dse_cli_usage_error(cmd, "--shard takes I/N with 0 <= I < N (got '%s')",
                                           optarg);
            break;
        case 'o':
            o.store_override = optarg;
            break;
        case 'r':
            o.recluster = 1;
            break;
        case 'n':
            o.no_retry = 1;
            break;
        case 'l':
            o.relabel = 1;
            break;
        case 'g': {
            char *end;
            o.grace_seconds = strtod(optarg, &end);
            if (end == optarg || *end || !(o.grace_seconds > 0))
                return dse_cli_usage_error(cmd, "--grace takes seconds > 0 (got '%s')", optarg);
            break;
        }
        case 'h':
            if (dse_cli_rank0()) run_help(stdout, cmd);
            return 0;
        default:
            return dse_cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return dse_cli_usage_error(cmd, "%s", "needs exactly one CONFIG file");
    dse_err_t err;
    dse_err_clear(&err);
    dse_config_t cfg;
    int rc = dse_config_load(argv[optind], &cfg, &err);
    if (rc != DSE_OK) {
        if (dse_cli_rank0()) report_error(cmd, &err);
        return rc == DSE_EUSAGE ? 2 : 1;
    }
    int status = 0;
    if (!strcmp(cmd, "scan")) {
        rc = dse_sweep_scan_report(MPI_COMM_WORLD, &cfg, &o, &err);
        status = rc == DSE_OK ? 0 : rc == DSE_EUSAGE ? 2 : 1; /* 2: refused inputs */
    } else {
        dse_sweep_summary_t sum;
        dse_sweep_install_signal_handlers();
        rc = dse_sweep_run(MPI_COMM_WORLD, &cfg, &o, &sum, &err);
        /* The summary line stays under --quiet: it is the result. */
        if (rc == DSE_OK && dse_cli_rank0())
            printf("dsesweep: done in %.1f s: %zu task(s) run, %zu failed, %zu already in the "
                   "store; store %s\n",
                   sum.seconds, sum.tasks_run, sum.tasks_failed, sum.tasks_skipped,
                   o.store_override ? o.store_override : cfg.store);
        if (rc == DSE_OK && dse_cli_rank0() && sum.stop_signal)
            printf("dsesweep: stopped by %s with %zu task(s) left; run again to resume\n",
                   sum.stop_signal == SIGTERM ? "SIGTERM" : "SIGUSR1", sum.tasks_left);
        if (rc == DSE_OK && dse_cli_rank0() && sum.reference_error[0])
            fprintf(stderr, "dsesweep %s: error: no mi_x task run: %s\n", cmd, sum.reference_error);
        if (rc == DSE_OK && dse_cli_rank0() && sum.labels_error[0])
            fprintf(stderr, "dsesweep %s: error: no mi task run: %s\n", cmd, sum.labels_error);
        int ref_refused = sum.reference_error[0] != '\0' || sum.labels_error[0] != '\0';
        status = rc != DSE_OK      ? (sum.refused ? 2 : 1)
                 : sum.stop_signal ? 4
                                   : (sum.tasks_failed || ref_refused ? 3 : 0);
    }
    if (rc != DSE_OK && dse_cli_rank0()) report_error(cmd, &err);
    dse_config_free(&cfg);
    return status;
}

/* Rank 0: the checkpoints whose DSE rows came from the bounded method (no
 * spectrum to rescore from): their count, and the first few named on stdout. */
static size_t report_bounded_checkpoints(const dse_store_t *s)
{
    char *seen = calloc(s->n_checkpoints + 1, 1);
    size_t count = 0;
    for (size_t i = 0; seen && i < s->n_results; ++i) {
        const dse_store_result_t *r = &s->results[i];
        if (strcmp(r->method, "bounded") || seen[r->checkpoint] ||
            strcmp(r->quantity, dse_quantity_name(DSE_QID_DSE)))
            continue;
        seen[r->checkpoint] = 1;
        if (count++ < 5)
            printf("  no spectrum (bounded method): %s\n", s->checkpoints[r->checkpoint].path);
    }
    if (count > 5) printf("  ... and %zu more\n", count - 5);
    free(seen);
    return count;
}

int dse_cli_rescore(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        if (dse_cli_rank0())
            printf("usage: dsesweep rescore STORE --t T[,T...]\n\n"
                   "Adds DSE at new powers t to every checkpoint of the store from its stored\n"
                   "spectrum, with no eigensolve, and rewrites the store.\n");
        return 0;
    }
    if (argc != 4 || strcmp(argv[2], "--t"))
        return dse_cli_usage_error("rescore", "%s", "takes STORE --t T[,T...]");
    double ts[64];
    size_t nt = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", argv[3]);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(tok, &end, 10);
        if (end == tok || *end || v < 1 || nt == 64)
            return dse_cli_usage_error("rescore", "--t takes integers >= 1 (got '%s')", argv[3]);
        ts[nt++] = (double)v;
    }
    dse_err_t err;
    dse_err_clear(&err);
    size_t added = 0;
    dse_store_handle_t *h = NULL;
    int rc = dse_store_open(MPI_COMM_WORLD, argv[1], DSE_STORE_READ_WRITE, &h, &err);
    if (rc == DSE_OK) rc = dse_store_rescore(h, ts, nt, &added, &err);
    if (rc == DSE_OK) rc = dse_store_checkpoint(h, &err);
    size_t bounded =
        rc == DSE_OK && dse_cli_rank0() ? report_bounded_checkpoints(dse_store_tables(h)) : 0;
    dse_store_close(&h);
    if (dse_cli_rank0()) {
        if (rc == DSE_OK)
            printf("dsesweep rescore: %zu DSE value(s) added to %s (no eigensolve)\n", added,
                   argv[1]);
        else
            dse_err_report(stderr, "dsesweep rescore", &err);
        if (bounded)
            printf("dsesweep rescore: %zu checkpoint(s) were scored by the bounded method and "
                   "have no stored spectrum (listed above): DSE at new t for them needs `dsesweep "
                   "run` of a config with those t into another store (t is part of a store's "
                   "configuration)\n",
                   bounded);
    }
    /* Nothing added where something was asked: not a success. */
    return rc == DSE_OK && !(added == 0 && bounded > 0) ? 0 : 1;
}

int dse_cli_merge(int argc, char **argv)
{
    const char *out = NULL;
    char **shards = calloc((size_t)argc + 1, sizeof *shards);
    if (!shards) {
        fprintf(stderr, "dsesweep merge: error: out of memory\n");
        return 1;
    }
    int n = 0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            if (dse_cli_rank0())
                printf("usage: dsesweep merge SHARD.h5... -o STORE.h5\n\n"
                       "Merges shard stores (e.g. from a job array with --shard I/N) into one,\n"
                       "without duplicates. Shards that disagree about the same checkpoint and\n"
                       "quantity are an error, never a silent pick; nothing is written then.\n");
            free(shards);
            return 0;
        } else if (argv[i][0] == '-') {
            free(shards);
            return dse_cli_usage_error("merge", "unknown option '%s'", argv[i]);
        } else
            shards[n++] = argv[i];
    }
    if (!out || n == 0) {
        free(shards);
        return dse_cli_usage_error("merge", "%s", "needs SHARD... and -o STORE");
    }
    dse_err_t err;
    dse_err_clear(&err);
    dse_store_handle_t *h = NULL;
    int rc = dse_store_create(MPI_COMM_WORLD, out, &h, &err);
    for (int i = 0; rc == DSE_OK && i < n; ++i)
        rc = dse_store_merge_from(h, shards[i], &err);
    if (rc == DSE_OK) {
        if (dse_cli_rank0()) dse_store_stamp_finished(h);
        rc = dse_store_checkpoint(h, &err);
    }
    dse_store_close(&h);
    if (dse_cli_rank0()) {
        if (rc == DSE_OK)
            printf("dsesweep merge: %d shard(s) merged into %s\n", n, out);
        else
            dse_err_report(stderr, "dsesweep merge", &err);
    }
    free(shards);
    return rc == DSE_OK ? 0 : 1;
}
