/* report_cmd.c — `dsesweep export` and `dsesweep report`: reading a store. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dsesweep/store.h"

/* The store as a sweep left it: file plus any journal not yet folded in. */
static int load(const char *path, dse_store_t *s, dse_err_t *err)
{
    int rc = dse_store_read(path, s, err);
    if (rc != DSE_OK) return rc;
    char journal[4096];
    snprintf(journal, sizeof journal, "%s.journal", path);
    return dse_journal_replay(journal, s, NULL, 0, err); /* read-only */
}

/* RFC 4180 field: quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; ++s) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static int cmp_rows(const void *a, const void *b, void *ctx)
{
    const dse_store_t *s = ctx;
    const dse_store_result_t *x = &s->results[*(const size_t *)a], *y = &s->results[*(const size_t *)b];
    const dse_store_checkpoint_t *cx = &s->checkpoints[x->checkpoint], *cy = &s->checkpoints[y->checkpoint];
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

int dse_cli_export(int argc, char **argv)
{
    const char *store = NULL, *format = "csv", *outpath = NULL;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--format") && i + 1 < argc) format = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) outpath = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: dsesweep export STORE [--format csv|json] [--out FILE]\n\n"
                   "One tidy row per (checkpoint, quantity, t): run, step, path, quantity, sigma,\n"
                   "t, value, status, error. Failed tasks are rows with status != 0, an empty\n"
                   "value and their error. Rows are sorted by run, step, path, quantity, t.\n");
            return 0;
        } else if (!store && argv[i][0] != '-') store = argv[i];
        else {
            fprintf(stderr, "dsesweep export: unknown argument '%s' (see `dsesweep export --help`)\n", argv[i]);
            return 2;
        }
    }
    if (!store || (strcmp(format, "csv") && strcmp(format, "json"))) {
        fprintf(stderr, "dsesweep export: needs STORE and --format csv or json (see `dsesweep export --help`)\n");
        return 2;
    }
    dse_err_t err;
    dse_store_t s;
    if (load(store, &s, &err) != DSE_OK) {
        fprintf(stderr, "dsesweep export: error: %s\n", err.msg);
        return 1;
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
            csv_field(out, c->run);
            fprintf(out, ",%lld,", (long long)c->step);
            csv_field(out, c->path);
            fprintf(out, ",%s,%.17g,", r->quantity, r->sigma);
            if (r->t > 0) fprintf(out, "%g", r->t);
            fputc(',', out);
            if (r->status == 0) fprintf(out, "%.17g", r->value);
            fprintf(out, ",%s,", r->status == 0 ? "ok" : "error");
            csv_field(out, r->error);
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
            cJSON_AddNumberToObject(o, "sigma", r->sigma);
            if (r->t > 0) cJSON_AddNumberToObject(o, "t", r->t);
            else cJSON_AddNullToObject(o, "t");
            if (r->status == 0 && isfinite(r->value)) cJSON_AddNumberToObject(o, "value", r->value);
            else cJSON_AddNullToObject(o, "value");
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
    if (outpath) fclose(out);
    dse_store_free(&s);
    return 0;
}

/* "DSE(t=2)" or "CSE": the report's column of a result. */
static void column_name(const dse_store_result_t *r, char *buf, size_t cap)
{
    if (r->t > 0)
        snprintf(buf, cap, "%s(t=%g)", r->quantity, r->t);
    else
        snprintf(buf, cap, "%s", r->quantity);
}

int dse_cli_report(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        FILE *o = argc == 2 ? stdout : stderr;
        fprintf(o, "usage: dsesweep report STORE\n\n"
                   "Per run, a table of the quantities over steps (sorted by step) with the change\n"
                   "from the first to the last step. Failed tasks show as ERR.\n");
        return argc == 2 ? 0 : 2;
    }
    dse_err_t err;
    dse_store_t s;
    if (load(argv[1], &s, &err) != DSE_OK) {
        fprintf(stderr, "dsesweep report: error: %s\n", err.msg);
        return 1;
    }
    size_t *order = sorted_rows(&s);
    /* Columns: distinct (quantity, t) in sorted order. */
    char cols[64][64];
    size_t ncol = 0;
    for (size_t k = 0; k < s.n_results && ncol < 64; ++k) {
        char name[64];
        column_name(&s.results[order[k]], name, sizeof name);
        size_t j = 0;
        while (j < ncol && strcmp(cols[j], name)) j++;
        if (j == ncol) snprintf(cols[ncol++], sizeof cols[0], "%s", name);
    }
    /* Runs in order, then their checkpoints by step. */
    size_t nrows = 0;
    const char *run = NULL;
    double *first = calloc(ncol, sizeof *first), *last = calloc(ncol, sizeof *last);
    for (size_t k = 0; k <= s.n_results; ++k) {
        const dse_store_result_t *r = k < s.n_results ? &s.results[order[k]] : NULL;
        const dse_store_checkpoint_t *c = r ? &s.checkpoints[r->checkpoint] : NULL;
        if (!c || !run || strcmp(c->run, run)) {
            if (run && nrows > 1) {
                printf("%-8s", "change");
                for (size_t j = 0; j < ncol; ++j)
                    printf(" %+14.5f", last[j] - first[j]);
                printf("\n");
            }
            if (!c) break;
            run = c->run;
            nrows = 0;
            printf("\nrun %s\n%-8s", run, "step");
            for (size_t j = 0; j < ncol; ++j)
                printf(" %14s", cols[j]);
            printf("\n");
        }
        /* One line per checkpoint: gather its values. */
        size_t end = k;
        while (end < s.n_results && s.results[order[end]].checkpoint == r->checkpoint)
            end++;
        printf("%-8lld", (long long)c->step);
        for (size_t j = 0; j < ncol; ++j) {
            const dse_store_result_t *hit = NULL;
            for (size_t m = k; m < end; ++m) {
                const dse_store_result_t *x = &s.results[order[m]];
                char name[64];
                column_name(x, name, sizeof name);
                if (!strcmp(name, cols[j])) hit = x;
            }
            if (!hit) printf(" %14s", "-");
            else if (hit->status) printf(" %14s", "ERR");
            else {
                printf(" %14.5f", hit->value);
                if (nrows == 0) first[j] = hit->value;
                last[j] = hit->value;
            }
        }
        printf("\n");
        nrows++;
        k = end - 1;
    }
    size_t failed = 0;
    for (size_t i = 0; i < s.n_results; ++i)
        failed += s.results[i].status != 0;
    printf("\n%zu checkpoint(s), %zu result(s), %zu failed\n", s.n_checkpoints, s.n_results, failed);
    for (size_t i = 0, shown = 0; i < s.n_results && shown < 10; ++i)
        if (s.results[i].status && (i == 0 || s.results[i].checkpoint != s.results[i - 1].checkpoint ||
                                    strcmp(s.results[i].error, s.results[i - 1].error))) {
            printf("  ERR %s: %s\n", s.checkpoints[s.results[i].checkpoint].path, s.results[i].error);
            shown++;
        }
    free(first);
    free(last);
    free(order);
    dse_store_free(&s);
    return 0;
}
