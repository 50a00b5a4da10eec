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

int dse_cli_load_store(const char *path, dse_store_t *s, dse_err_t *err)
{
    int rc = dse_store_read(path, s, err);
    if (rc != DSE_OK) return rc;
    char journal[4096];
    snprintf(journal, sizeof journal, "%s.journal", path);
    return dse_journal_replay(journal, s, NULL, 0, err); /* read-only */
}

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
    return (x->t > y->t) - (x->t < y->t);
}

static size_t *sorted_rows(const dse_store_t *s)
{
    size_t *order = malloc((s->n_results + 1) * sizeof *order);
    for (size_t i = 0; i < s->n_results; ++i)
        order[i] = i;
    qsort_r(order, s->n_results, sizeof *order, cmp_rows, (void *)s);
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

int dse_cli_export(int argc, char **argv)
{
    const char *store = NULL, *format = "csv", *outpath = NULL, *clusters = NULL;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc)
            format = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            outpath = argv[++i];
        else if (!strcmp(argv[i], "--clusters") && i + 1 < argc)
            clusters = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: dsesweep export STORE [--format csv|json] [--out FILE]\n"
                   "       dsesweep export STORE --clusters LABELS.npy\n\n"
                   "One tidy row per (checkpoint, quantity, t): run, step, path, quantity, sigma,\n"
                   "t, value, status, error. Failed tasks are rows with status != 0, an empty\n"
                   "value and their error. Rows are sorted by run, step, path, quantity, t.\n"
                   "--clusters writes the store's reference clustering (the categories of\n"
                   "DSMI_X, ...) as an int64 .npy of N labels instead.\n");
            return 0;
        } else if (!store && argv[i][0] != '-')
            store = argv[i];
        else {
            fprintf(stderr,
                    "dsesweep export: unknown argument '%s' (see `dsesweep export --help`)\n",
                    argv[i]);
            return 2;
        }
    }
    if (!store || (strcmp(format, "csv") && strcmp(format, "json"))) {
        fprintf(stderr, "dsesweep export: needs STORE and --format csv or json (see `dsesweep "
                        "export --help`)\n");
        return 2;
    }
    dse_err_t err;
    dse_store_t s;
    if (dse_cli_load_store(store, &s, &err) != DSE_OK) {
        fprintf(stderr, "dsesweep export: error: %s\n", err.msg);
        return 1;
    }
    if (clusters) {
        int rc = DSE_OK;
        if (!s.reference.path) {
            rc = DSE_RAISE(&err, DSE_EUSAGE, "%s: the store has no reference clustering", store);
        } else {
            rc =
                dse_cluster_labels_write(clusters, s.reference.labels, (size_t)s.reference.n, &err);
        }
        dse_store_free(&s);
        if (rc != DSE_OK) fprintf(stderr, "dsesweep export: error: %s\n", err.msg);
        return rc == DSE_OK ? 0 : 1;
    }
    FILE *out = outpath ? fopen(outpath, "w") : stdout;
    if (!out) {
        fprintf(stderr, "dsesweep export: error: %s: cannot create\n", outpath);
        dse_store_free(&s);
        return 1;
    }
    size_t *order = sorted_rows(&s);
    if (!strcmp(format, "csv")) {
        fprintf(out, "run,step,path,quantity,sigma,t,value,status,error\n");
        for (size_t k = 0; k < s.n_results; ++k) {
            const dse_store_result_t *r = &s.results[order[k]];
            const dse_store_checkpoint_t *c = &s.checkpoints[r->checkpoint];
            dse_csv_write_field(out, c->run);
            fprintf(out, ",%lld,", (long long)c->step);
            dse_csv_write_field(out, c->path);
            fprintf(out, ",%s,%.17g,", r->quantity, r->sigma);
            if (r->t > 0) fprintf(out, "%g", r->t);
            fputc(',', out);
            if (r->status == 0) fprintf(out, "%.17g", r->value);
            fprintf(out, ",%s,", r->status == 0 ? "ok" : "error");
            dse_csv_write_field(out, r->error);
            fputc('\n', out);
        }
    } else {
        cJSON *arr = cJSON_CreateArray();
        for (size_t k = 0; k < s.n_results; ++k) {
            const dse_store_result_t *r = &s.results[order[k]];
            const dse_store_checkpoint_t *c = &s.checkpoints[r->checkpoint];
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
            cJSON_AddItemToArray(arr, o);
        }
        char *text = cJSON_Print(arr);
        fprintf(out, "%s\n", text);
        free(text);
        cJSON_Delete(arr);
    }
    free(order);
    dse_store_free(&s);
    int bad = ferror(out);
    if ((outpath ? fclose(out) : fflush(out)) != 0 || bad) {
        fprintf(stderr, "dsesweep export: error: %s: write failed\n",
                outpath ? outpath : "standard output");
        return 1;
    }
    return 0;
}
