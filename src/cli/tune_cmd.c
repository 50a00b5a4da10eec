/* tune_cmd.c — `dsesweep tune`: measures the eigensolvers on this node and
 * writes its tuning file (tune.h). Local: no MPI. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dsesweep/tune.h"

static void tune_help(void)
{
    char path[4096];
    printf("usage: dsesweep tune [--sizes N,N,...] [--threads T,T,...] [--out FILE] [--show]\n\n"
           "Times the eigenvalue-only LAPACK drivers (dsyevd, dsyevr, dsyevd_2stage) on\n"
           "diffusion kernels of a few sizes (default 500,1000,2000,3000,4000) with 1 and\n"
           "all BLAS threads (default 1,<cores>), and the kernel build, and writes the\n"
           "node's tuning file, keyed by CPU model, BLAS library and thread count.\n"
           "`run` and `score` read it on every rank and use the fastest driver it measured\n"
           "for each size; their time estimates (`scan`) use its timings. Without one, or\n"
           "when it is corrupt or from another node, the built-in table is used (they say so).\n"
           "--show prints the file in use and the driver per size, without measuring.\n\n"
           "Default file: %s\n"
           "($DSESWEEP_TUNING overrides it; so does --out for writing.)\n",
           dse_tune_default_path(path, sizeof path));
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

/* The driver the table in use picks per size, and its predicted seconds. */
static void show(const size_t *sizes, size_t n_sizes)
{
    int th = dse_tune_blas_threads();
    printf("%s\n", dse_tune_note());
    printf("BLAS threads now: %d\n%8s  %-14s %10s\n", th, "N", "driver", "est. s");
    for (size_t i = 0; i < n_sizes; ++i)
        printf("%8zu  %-14s %10.3f\n", sizes[i],
               dse_eigen_driver_name(dse_tune_driver(sizes[i], th)),
               dse_tune_eigen_seconds(sizes[i], th));
}

int dse_cli_tune(int argc, char **argv)
{
    size_t sizes[DSE_TUNE_MAX_SIZES] = {500, 1000, 2000, 3000, 4000}, n_sizes = 5;
    size_t thr[DSE_TUNE_MAX_ENTRIES] = {1, 0}, n_thr = 0;
    const char *out = NULL;
    int show_only = 0;
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
                "tune", "--threads takes up to 4 ascending counts >= 1 (got '%s')", optarg);
        if (c == 'o') out = optarg;
        if (c == 'w') show_only = 1;
        if (c == 'h') {
            tune_help();
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
        show(sizes, n_sizes);
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
    double guess = 0;
    for (size_t i = 0; i < n_thr; ++i)
        for (size_t k = 0; k < n_sizes; ++k)
            guess += 3.5 * dse_tune_eigen_seconds(sizes[k], threads[i]);
    printf("dsesweep tune: measuring %zu size(s) at %zu thread count(s) (about %.0f s)\n", n_sizes,
           n_thr, guess + 2);
    fflush(stdout);
    int rc = dse_tune_measure(sizes, n_sizes, threads, n_thr, &t, stdout, &err);
    if (rc == DSE_OK) rc = dse_tune_write(&t, out, &err);
    if (rc != DSE_OK) {
        dse_err_report(stderr, "dsesweep tune", &err);
        return 1;
    }
    printf("dsesweep tune: wrote %s (CPU \"%s\"; BLAS \"%s\")\n", out, t.cpu, t.blas);
    dse_tune_load(out, NULL, 0);
    show(sizes, n_sizes);
    return 0;
}
