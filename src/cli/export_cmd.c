/* export_cmd.c — `dsesweep export`: a store as tidy CSV or JSON rows. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dsesweep/csv_table.h"
#include "dsesweep/cluster.h"
#include "dsesweep/store.h"

static int cmp_rows(const void *a, const void *b, void *ctx)
{
    const dse_store_t *s = ctx;
    const dse_store_result_t *x = &s->results[*(const size_t *)a],
                             *y = &s->results[*(const size_t *)b];
    const dse_store_checkpoint_t *cx = &s->checkpoints[x->checkpoint],
                                 *cy = &s->checkpoints[y->checkpoint];
    int c = strcmp(cx->run, cy->run);
    if (c) return c;
    if (cx->step != cy->step) return cx->step < cy->step ? -1 : 1;
    if ((c = strcmp(cx->path, cy->path))) return c;
    if ((c = strcmp(x->quantity, y->quantity))) return c;
    if (x->t != y->t) return (x->t > y->t) - (x->t < y->t);
    return strcmp(x->sigma_rule, y->sigma_rule);
}

static size_t *sorted_rows(const dse_store_t *s, dse_err_t *err)
{
    size_t *order = DSE_MALLOC(s->n_results + 1, sizeof *order, err);
    for (size_t i = 0; order && i < s->n_results; ++i)
        order[i] = i;
    if (order) qsort_r(order, s->n_results, sizeof *order, cmp_rows, (void *)s);
    return order;
}

/* cJSON prints 15 significant digits when they read back within an epsilon;
 * export writes %.17g so that every double round-trips exactly. */
void dse_cli_json_exact(cJSON *o, const char *name, double v)
{
    char text[32];
    snprintf(text, sizeof text, "%.17g", v);
    cJSON_AddRawToObject(o, name, text);
}

typedef struct {
    const char *store, *format, *outpath, *clusters;
    int history; /* --history: CSV gains attempts, failed_before */
} export_opts_t;

/* Parses the arguments: 0 to go on, else the exit status (-1: help shown). */
static int parse_export_args(int argc, char **argv, export_opts_t *o)
{
    *o = (export_opts_t){NULL, "csv", NULL, NULL, 0};
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
                   "quantity, sigma, t, value, status, error, then se (the value's standard\n"
                   "error: DSE over subsample repeats, MI over its subset draws; 0 when not\n"
                   "estimated), sigma_rule (empty for the one fixed sigma), sigma_used,\n"
                   "sigma_min and sigma_max (the bandwidth the rule gave; knn: median and range\n"
                   "of sigma_i) and median_distance (the checkpoint's median pairwise distance,\n"
                   "for kernel quantities).\n"
                   "Failed tasks are rows with status != 0, an empty value and their error.\n"
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
    if (!o->store || (strcmp(o->format, "csv") && strcmp(o->format, "json"))) {
        fprintf(stderr, "dsesweep export: needs STORE and --format csv or json (see `dsesweep "
                        "export --help`)\n");
        return 2;
    }
    return 0;
}

static void write_csv(FILE *out, const dse_store_t *s, const size_t *order, int history)
{
    /* The columns of issue 17 come after `error`, so scripts that read the
     * first nine by position keep working; the failure history after them. */
    fprintf(out,
            "run,step,path,quantity,sigma,t,value,status,error,se,sigma_rule,sigma_used,"
            "sigma_min,sigma_max,median_distance%s\n",
            history ? ",attempts,failed_before" : "");
    for (size_t k = 0; k < s->n_results; ++k) {
        const dse_store_result_t *r = &s->results[order[k]];
        const dse_store_checkpoint_t *c = &s->checkpoints[r->checkpoint];
        dse_csv_write_field(out, c->run);
        fprintf(out, ",%lld,", (long long)c->step);
        dse_csv_write_field(out, c->path);
        fprintf(out, ",%s,%.17g,", r->quantity, r->sigma);
        if (r->t > 0) fprintf(out, "%g", r->t);
        fputc(',', out);
        if (r->status == 0) fprintf(out, "%.17g", r->value);
        fprintf(out, ",%s,", r->status == 0 ? "ok" : "error");
        dse_csv_write_field(out, r->error);
        fputc(',', out);
        if (r->status == 0) fprintf(out, "%.17g", r->se);
        fprintf(out, ",%s,", r->sigma_rule);
        if (r->sigma_rule[0])
            fprintf(out, "%.17g,%.17g,%.17g", r->sigma_used, r->sigma_min, r->sigma_max);
        else
            fputs(",,", out);
        fputc(',', out);
        if (r->median_distance > 0) fprintf(out, "%.17g", r->median_distance);
        if (history) {
            fprintf(out, ",%d,", r->attempts > 0 ? (int)r->attempts : 1);
            dse_csv_write_field(out, r->failed_before ? r->failed_before : "");
        }
        fputc('\n', out);
    }
}

static void write_json(FILE *out, const dse_store_t *s, const size_t *order)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t k = 0; k < s->n_results; ++k) {
        const dse_store_result_t *r = &s->results[order[k]];
        const dse_store_checkpoint_t *c = &s->checkpoints[r->checkpoint];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "run", c->run);
        cJSON_AddNumberToObject(o, "step", (double)c->step);
        cJSON_AddStringToObject(o, "path", c->path);
        cJSON_AddStringToObject(o, "quantity", r->quantity);
        dse_cli_json_exact(o, "sigma", r->sigma);
        if (r->t > 0)
            dse_cli_json_exact(o, "t", r->t);
        else
            cJSON_AddNullToObject(o, "t");
        if (r->status == 0 && isfinite(r->value))
            dse_cli_json_exact(o, "value", r->value);
        else
            cJSON_AddNullToObject(o, "value");
        cJSON_AddStringToObject(o, "status", r->status == 0 ? "ok" : "error");
        cJSON_AddStringToObject(o, "error", r->error);
        if (r->status == 0)
            dse_cli_json_exact(o, "se", r->se);
        else
            cJSON_AddNullToObject(o, "se");
        cJSON_AddStringToObject(o, "sigma_rule", r->sigma_rule);
        if (r->sigma_rule[0]) {
            dse_cli_json_exact(o, "sigma_used", r->sigma_used);
            dse_cli_json_exact(o, "sigma_min", r->sigma_min);
            dse_cli_json_exact(o, "sigma_max", r->sigma_max);
        }
        if (r->median_distance > 0) dse_cli_json_exact(o, "median_distance", r->median_distance);
        cJSON_AddNumberToObject(o, "attempts", r->attempts > 0 ? r->attempts : 1);
        cJSON_AddStringToObject(o, "failed_before", r->failed_before ? r->failed_before : "");
        cJSON_AddItemToArray(arr, o);
    }
    char *text = cJSON_Print(arr);
    fprintf(out, "%s\n", text);
    free(text);
    cJSON_Delete(arr);
}

/* --clusters: the store's reference labels as an int64 .npy. */
static int export_clusters(const export_opts_t *o, const dse_store_t *s, dse_err_t *err)
{
    if (!s->reference.path)
        return DSE_RAISE(err, DSE_EUSAGE, "%s: the store has no reference clustering", o->store);
    return dse_cluster_labels_write(o->clusters, s->reference.labels, (size_t)s->reference.n, err);
}

/* The rows as CSV or JSON to --out or standard output; the exit status. */
static int export_rows(const export_opts_t *o, const dse_store_t *s)
{
    dse_err_t err;
    size_t *order = sorted_rows(s, &err);
    if (!order) {
        dse_err_report(stderr, "dsesweep export", &err);
        return 1;
    }
    FILE *out = o->outpath ? fopen(o->outpath, "w") : stdout;
    if (!out) {
        fprintf(stderr, "dsesweep export: error: %s: cannot create\n", o->outpath);
        free(order);
        return 1;
    }
    if (!strcmp(o->format, "csv"))
        write_csv(out, s, order, o->history);
    else
        write_json(out, s, order);
    free(order);
    int bad = ferror(out);
    if ((o->outpath ? fclose(out) : fflush(out)) != 0 || bad) {
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
