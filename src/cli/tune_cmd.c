/* tune_cmd.c — `dsesweep tune`: measures the eigensolvers on this node (one
 * rank, or the group of all ranks under mpiexec) and writes its tuning file
 * (tune.h). Collective on MPI_COMM_WORLD; rank 0 prints and writes. */
#include <getopt.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dsesweep/elpa.h"
#include "dsesweep/tune.h"

static void tune_help(void)
{
    char path[4096];
    printf(
        "usage: [mpiexec -n P] dsesweep tune [--sizes N,N,...] [--threads T,T,...] [--out FILE]\n"
        "                                    [--show]\n\n"
        "Measures every eigenvalue-only candidate on diffusion kernels of a few sizes\n"
        "(default 500,1000,2000,3000,4000) and writes the node's tuning file, keyed by\n"
        "CPU model and BLAS library:\n"
        "  one rank (no mpiexec):   %s\n"
        "                           at 1 and all BLAS threads (default 1,<cores>);\n"
        "  P ranks (mpiexec -n P):  %s on the P ranks,\n"
        "                           one BLAS thread each.\n"
        "The float32 drivers of `precision = float32` are timed too: ssyevd and\n"
        "ssyevd_2stage on one rank, pssyev on a group; they are chosen among themselves.\n"
        "First every candidate solves check matrices (the singular kernel of a duplicated\n"
        "sample among them); one whose eigenvalues differ from dsyevd's by more than %.0e\n"
        "(relative to the largest; a float32 driver: the proved radius of docs/bounded.md)\n"
        "is rejected and never chosen. ELPA2's kernel is the\n"
        "fastest of those this ELPA has. A run replaces only the entries it measured, so\n"
        "`dsesweep tune` then `mpiexec -n 2 dsesweep tune` make one file.\n"
        "`run` and `score` read it on every rank and use the fastest driver it measured\n"
        "for each size and rank count; `scan`'s time estimates use its timings. Without\n"
        "one, or when it is corrupt or from another node, the built-in table is a\n"
        "fallback (they say so).\n"
        "--show prints the file in use, every candidate's time per size and rank count,\n"
        "the one chosen and why, and the rejected ones, without measuring.\n\n"
        "Default file: %s\n"
        "($DSESWEEP_TUNING overrides it; so does --out.)\n",
        dse_eigen_driver_list(DSE_EIGEN_ONE_RANK), dse_eigen_driver_list(DSE_EIGEN_GROUP),
        DSE_TUNE_CHECK_TOL, dse_tune_default_path(path, sizeof path));
}

/* Parses "a,b,c" into up to max ascending integers >= min; 0 on a bad list. */
static size_t parse_list(const char *s, size_t *out, size_t max, long min)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(tok, &end, 10);
        if (end == tok || *end || v < min || v > 200000 || n == max) return 0;
        if (n > 0 && (size_t)v <= out[n - 1]) return 0;
        out[n++] = (size_t)v;
    }
    return n;
}

/* 1 when driver k is a column of the table for this scope. */
static int shown(int k, int scope)
{
    return k != DSE_EIGEN_FLOAT32_AUTO && (dse_eigen_driver_scope((dse_eigen_driver_t)k) & scope);
}

/* " |" before the first float32 column shown (*bar: printed yet). */
static const char *float32_bar(int k, int *bar)
{
    if (k < DSE_EIGEN_FLOAT32_AUTO || *bar) return "";
    *bar = 1;
    return " |";
}

/* One setting's candidates per size: predicted seconds, the chosen float64
 * driver and the chosen float32 one (precision = float32) marked with '*'. */
static void show_setting(const size_t *sizes, size_t n_sizes, int ranks, int threads)
{
    int scope = ranks > 1 ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK;
    printf("\n%s, %d BLAS thread(s)%s; seconds, measured at the tuned sizes and interpolated "
           "between and beyond them (log-log, N^3) (* = chosen: the fastest; float32 "
           "drivers after '|', chosen among themselves)%s:\n",
           ranks > 1 ? "a group" : "one rank", threads, ranks > 1 ? " per rank" : "",
           dse_tune_setting_is_builtin(ranks, threads)
               ? " [built-in fallback: not measured on this node]"
               : "");
    if (ranks > 1) printf("  ranks %d\n", ranks);
    printf("%8s", "N");
    int bar = 0;
    for (int k = DSE_EIGEN_AUTO + 1; k < DSE_EIGEN_ALL_DRIVERS; ++k)
        if (shown(k, scope))
            printf("%s %14s", float32_bar(k, &bar), dse_eigen_driver_name((dse_eigen_driver_t)k));
    printf("\n");
    for (size_t i = 0; i < n_sizes; ++i) {
        dse_eigen_driver_t best = dse_tune_driver(sizes[i], ranks, threads);
        dse_eigen_driver_t best32 = dse_tune_float32_driver(sizes[i], ranks, threads);
        printf("%8zu", sizes[i]);
        bar = 0;
        for (int k = DSE_EIGEN_AUTO + 1; k < DSE_EIGEN_ALL_DRIVERS; ++k) {
            if (!shown(k, scope)) continue;
            double s = dse_tune_driver_seconds((dse_eigen_driver_t)k, sizes[i], ranks, threads);
            char cell[32] = "-";
            if (s > 0)
                snprintf(cell, sizeof cell, "%s%.3f", k == (int)best || k == (int)best32 ? "*" : "",
                         s);
            printf("%s %14s", float32_bar(k, &bar), cell);
        }
        printf("\n");
    }
    printf("  ELPA2 kernel: %s\n", dse_elpa_kernel_name(dse_tune_elpa_kernel(ranks, threads)));
}

/* The table in use: its source, every setting it measured and the rejected. */
static void show(const size_t *sizes, size_t n_sizes, int world)
{
    const dse_tune_table_t *t = dse_tune_table();
    int builtin = strcmp(dse_tune_source(), "built-in table") == 0;
    printf("%s\n", dse_tune_note());
    if (builtin)
        printf("(the built-in table is only a fallback, measured on the project's 2-core VM; "
               "`dsesweep tune` measures this node)\n");
    else
        printf("measured %s on CPU \"%s\"\n", t->created, t->cpu);
    int th = dse_tune_blas_threads(), group_shown = 0;
    show_setting(sizes, n_sizes, 1, th);
    for (size_t i = 0; i < t->n_entries; ++i)
        if (t->entries[i].ranks > 1) {
            show_setting(sizes, n_sizes, t->entries[i].ranks, 1);
            group_shown = 1;
        }
    if (!group_shown) show_setting(sizes, n_sizes, world > 1 ? world : 2, 1);
    if (t->n_rejected) printf("\nrejected by the accuracy check (never chosen):\n");
    for (size_t i = 0; i < t->n_rejected; ++i)
        printf("  %-14s on %d rank(s): %s\n",
               dse_eigen_driver_name((dse_eigen_driver_t)t->rejected[i].driver),
               t->rejected[i].ranks, t->rejected[i].reason);
    if (!builtin && !t->n_rejected)
        printf("\nevery candidate passed the accuracy check (%.0e relative to dsyevd)\n",
               DSE_TUNE_CHECK_TOL);
}

int dse_cli_tune(int argc, char **argv)
{
    size_t sizes[DSE_TUNE_MAX_SIZES] = {500, 1000, 2000, 3000, 4000}, n_sizes = 5;
    size_t thr[DSE_TUNE_MAX_ENTRIES] = {1, 0}, n_thr = 0;
    const char *out = NULL;
    int show_only = 0, rank = 0, world = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    static const struct option opts[] = {
        {"sizes", required_argument, 0, 's'}, {"threads", required_argument, 0, 't'},
        {"out", required_argument, 0, 'o'},   {"show", no_argument, 0, 'w'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 's' && !(n_sizes = parse_list(optarg, sizes, DSE_TUNE_MAX_SIZES, 2)))
            return dse_cli_usage_error(
                "tune", "--sizes takes up to 8 ascending orders >= 2 (got '%s')", optarg);
        if (c == 't' && !(n_thr = parse_list(optarg, thr, DSE_TUNE_MAX_ENTRIES, 1)))
            return dse_cli_usage_error(
                "tune", "--threads takes up to 8 ascending counts >= 1 (got '%s')", optarg);
        if (c == 'o') out = optarg;
        if (c == 'w') show_only = 1;
        if (c == 'h') {
            if (rank == 0) tune_help();
            return 0;
        }
        if (c == '?' || c == ':')
            return dse_cli_usage_error("tune", "unknown or incomplete option '%s'",
                                       argv[optind - 1]);
    }
    if (optind != argc)
        return dse_cli_usage_error("tune", "takes no operand (got '%s')", argv[optind]);
    if (show_only) {
        dse_tune_load(out, NULL, 0);
        if (rank == 0) show(sizes, n_sizes, world);
        return 0;
    }
    int threads[DSE_TUNE_MAX_ENTRIES];
    if (n_thr == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        thr[n_thr++] = 1;
        if (cores > 1) thr[n_thr++] = (size_t)cores;
    }
    for (size_t i = 0; i < n_thr; ++i)
        threads[i] = (int)thr[i];
    char path[4096];
    if (!out) out = dse_tune_default_path(path, sizeof path);
    dse_tune_table_t t;
    dse_err_t err;
    dse_err_clear(&err);
    if (rank == 0) {
        double guess = 0;
        for (size_t i = 0; i < (world > 1 ? 1 : n_thr); ++i)
            for (size_t k = 0; k < n_sizes; ++k)
                guess += 6.0 * dse_tune_eigen_seconds(sizes[k], world, world > 1 ? 1 : threads[i]);
        printf("dsesweep tune: measuring on %d rank(s): %zu size(s)%s (about %.0f s)\n", world,
               n_sizes, world > 1 ? ", one BLAS thread per rank" : "", guess + 5);
        fflush(stdout);
    }
    int rc = dse_tune_measure(MPI_COMM_WORLD, sizes, n_sizes, threads, n_thr, &t,
                              rank == 0 ? stdout : NULL, &err);
    if (rc == DSE_OK && rank == 0) {
        /* Keep what an earlier run measured at other settings on this node. */
        char note[64];
        if (dse_tune_load(out, note, sizeof note)) {
            dse_tune_table_t merged = *dse_tune_table();
            dse_tune_merge(&merged, &t);
            t = merged;
        }
        rc = dse_tune_write(&t, out, &err);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc != DSE_OK) {
        if (rank == 0) dse_err_report(stderr, "dsesweep tune", &err);
        return 1;
    }
    dse_tune_load(out, NULL, 0);
    if (rank == 0) {
        printf("dsesweep tune: wrote %s (CPU \"%s\"; BLAS \"%.60s\")\n", out, t.cpu, t.blas);
        show(sizes, n_sizes, world);
    }
    return 0;
}
