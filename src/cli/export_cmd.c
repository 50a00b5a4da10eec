/* export_cmd.c — `dsesweep export`: a store as tidy CSV or JSON rows (the
 * rows, their order and both writers are the library's, export.h), or its
 * reference clustering as .npy. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dsesweep/cluster.h"
#include "dsesweep/export.h"
#include "dsesweep/store.h"

typedef struct {
    const char *store, *format, *outpath, *clusters;
    dse_export_format_t fmt; /* format, parsed */
    int history;             /* --history: CSV rows end with attempts, failed_before */
} export_opts_t;

/* Parses the arguments: 0 to go on, else the exit status (-1: help shown). */
static int parse_export_args(int argc, char **argv, export_opts_t *o)
{
    *o = (export_opts_t){NULL, "csv", NULL, NULL, DSE_EXPORT_CSV, 0};
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc)
            o->format = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            o->outpath = argv[++i];
        else if (!strcmp(argv[i], "--clusters") && i + 1 < argc)
            o->clusters = argv[++i];
        else if (!strcmp(argv[i], "--history"))
            o->history = 1;
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: dsesweep export STORE [--format csv|json] [--out FILE] [--history]\n"
                   "       dsesweep export STORE --clusters LABELS.npy\n\n"
                   "One tidy row per (checkpoint, quantity, t, sigma rule): run, step, path,\n"
                   "quantity, sigma (the one fixed sigma; empty under bandwidth rules), t,\n"
                   "value, status, error, then se (the value's standard\n"
                   "error: DSE over subsample repeats, MI over its subset draws; 0 when not\n"
                   "estimated), sigma_rule (empty for the one fixed sigma), sigma_used,\n"
                   "sigma_min and sigma_max (the bandwidth the rule gave; knn: median and range\n"
                   "of sigma_i) and median_distance (the checkpoint's median pairwise distance,\n"
                   "for kernel quantities).\n"
                   "Failed tasks are rows with status != 0, an empty value and their error;\n"
                   "under several rules each rule fails on its own (its rows keep the rule).\n"
                   "The failure history (JSON always, CSV with --history, after the columns\n"
                   "above): attempts counts the runs of the task, failed_before keeps the\n"
                   "error of the last failed one (a retried task).\n"
                   "Rows are sorted by run, step, path, quantity, t, sigma rule.\n"
                   "--clusters writes the store's reference clustering (the categories of\n"
                   "DSMI_X, ...) as an int64 .npy of N labels instead.\n");
            return -1;
        } else if (!o->store && argv[i][0] != '-')
            o->store = argv[i];
        else {
            fprintf(stderr,
                    "dsesweep export: unknown argument '%s' (see `dsesweep export --help`)\n",
                    argv[i]);
            return 2;
        }
    }
    dse_err_t err;
    if (!o->store || dse_export_format_parse(o->format, &o->fmt, &err) != DSE_OK) {
        fprintf(stderr, "dsesweep export: needs STORE and --format csv or json (see `dsesweep "
                        "export --help`)\n");
        return 2;
    }
    return 0;
}

/* --clusters: the store's reference labels as an int64 .npy. */
static int export_clusters(const export_opts_t *o, const dse_store_t *s, dse_err_t *err)
{
    if (!s->reference.path)
        return DSE_RAISE(err, DSE_EUSAGE, "%s: the store has no reference clustering", o->store);
    return dse_cluster_labels_write(o->clusters, s->reference.labels, (size_t)s->reference.n, err);
}

/* The rows as CSV or JSON (export.h) to --out or standard output; the exit
 * status. */
static int export_rows(const export_opts_t *o, const dse_store_t *s)
{
    dse_err_t err;
    FILE *out = o->outpath ? fopen(o->outpath, "w") : stdout;
    if (!out) {
        fprintf(stderr, "dsesweep export: error: %s: cannot create\n", o->outpath);
        return 1;
    }
    int rc = dse_export_write(out, s, o->fmt, o->history, &err);
    int closed = o->outpath ? fclose(out) : fflush(out);
    if (rc != DSE_OK && rc != DSE_EIO) {
        dse_err_report(stderr, "dsesweep export", &err);
        return 1;
    }
    if (rc == DSE_EIO || closed != 0) {
        fprintf(stderr, "dsesweep export: error: %s: write failed\n",
                o->outpath ? o->outpath : "standard output");
        return 1;
    }
    return 0;
}

int dse_cli_export(int argc, char **argv)
{
    export_opts_t o;
    int status = parse_export_args(argc, argv, &o);
    if (status) return status < 0 ? 0 : status;
    dse_err_t err;
    dse_store_handle_t *h = NULL;
    if (dse_store_open(MPI_COMM_NULL, o.store, DSE_STORE_READ_ONLY, &h, &err) != DSE_OK) {
        dse_err_report(stderr, "dsesweep export", &err);
        return 1;
    }
    const dse_store_t *s = dse_store_tables(h);
    if (o.clusters) {
        int rc = export_clusters(&o, s, &err);
        if (rc != DSE_OK) dse_err_report(stderr, "dsesweep export", &err);
        status = rc == DSE_OK ? 0 : 1;
    } else {
        status = export_rows(&o, s);
    }
    dse_store_close(&h);
    return status;
}
