/* export.c — a store's results as tidy CSV or JSON rows (export.h). */
#include "dsesweep/export.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/csv_table.h"

int dse_export_format_parse(const char *name, dse_export_format_t *format, dse_err_t *err)
{
    if (name && !strcmp(name, "csv"))
        *format = DSE_EXPORT_CSV;
    else if (name && !strcmp(name, "json"))
        *format = DSE_EXPORT_JSON;
    else
        return DSE_RAISE(err, DSE_EUSAGE, "unknown export format '%s' (csv or json)",
                         name ? name : "(null)");
    return DSE_OK;
}

int dse_export_json_exact(cJSON *o, const char *name, double v)
{
    char text[32];
    snprintf(text, sizeof text, "%.17g", v);
    return cJSON_AddRawToObject(o, name, text) != NULL;
}

/* Row order: run, step, path, quantity, t, sigma rule. */
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

/* The result rows' indexes in export order (caller frees), or NULL. */
static size_t *sorted_rows(const dse_store_t *s, dse_err_t *err)
{
    size_t *order = DSE_MALLOC(s->n_results + 1, sizeof *order, err);
    for (size_t i = 0; order && i < s->n_results; ++i)
        order[i] = i;
    if (order) qsort_r(order, s->n_results, sizeof *order, cmp_rows, (void *)s);
    return order;
}

static void write_csv_row(FILE *out, const dse_store_t *s, const dse_store_result_t *r, int history)
{
    const dse_store_checkpoint_t *c = &s->checkpoints[r->checkpoint];
    dse_csv_write_field(out, c->run);
    fprintf(out, ",%lld,", (long long)c->step);
    dse_csv_write_field(out, c->path);
    /* sigma: the one fixed bandwidth; under rules each row's rule and
     * sigma_used say it (the config's default sigma was never used). */
    fprintf(out, ",%s,", r->quantity);
    if (!r->sigma_rule[0]) fprintf(out, "%.17g", r->sigma);
    fputc(',', out);
    if (r->t > 0) fprintf(out, "%g", r->t);
    fputc(',', out);
    if (r->status == 0) fprintf(out, "%.17g", r->value);
    fprintf(out, ",%s,", r->status == 0 ? "ok" : "error");
    dse_csv_write_field(out, r->error);
    fputc(',', out);
    if (r->status == 0) fprintf(out, "%.17g", r->se);
    fprintf(out, ",%s,", r->sigma_rule);
    if (r->sigma_rule[0] && r->status == 0)
        fprintf(out, "%.17g,%.17g,%.17g", r->sigma_used, r->sigma_min, r->sigma_max);
    else
        fputs(",,", out);
    fputc(',', out);
    if (r->median_distance > 0) fprintf(out, "%.17g", r->median_distance);
    fprintf(out, ",%s,%s,", r->method, r->interval);
    if (r->interval[0])
        fprintf(out, "%.17g,%.17g,%lld,%lld", r->lower, r->upper, (long long)r->k,
                (long long)r->products);
    else
        fputs(",,,", out);
    if (history) {
        fprintf(out, ",%d,", r->attempts > 0 ? (int)r->attempts : 1);
        dse_csv_write_field(out, r->failed_before ? r->failed_before : "");
    }
    fputc('\n', out);
}

static void write_csv(FILE *out, const dse_store_t *s, const size_t *order, int history)
{
    /* The later columns come after `error`, so scripts that read the first
     * nine by position keep working; the failure history last. */
    fprintf(out,
            "run,step,path,quantity,sigma,t,value,status,error,se,sigma_rule,sigma_used,"
            "sigma_min,sigma_max,median_distance,method,interval,lower,upper,k,products%s\n",
            history ? ",attempts,failed_before" : "");
    for (size_t k = 0; k < s->n_results; ++k)
        write_csv_row(out, s, &s->results[order[k]], history);
}

/* One row as a JSON object, or NULL when cJSON could not allocate. */
static cJSON *json_row(const dse_store_t *s, const dse_store_result_t *r)
{
    const dse_store_checkpoint_t *c = &s->checkpoints[r->checkpoint];
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "run", c->run) &&
             cJSON_AddNumberToObject(o, "step", (double)c->step) &&
             cJSON_AddStringToObject(o, "path", c->path) &&
             cJSON_AddStringToObject(o, "quantity", r->quantity) &&
             (r->sigma_rule[0] ? !!cJSON_AddNullToObject(o, "sigma")
                               : dse_export_json_exact(o, "sigma", r->sigma));
    if (ok) ok = r->t > 0 ? dse_export_json_exact(o, "t", r->t) : !!cJSON_AddNullToObject(o, "t");
    if (ok)
        ok = r->status == 0 && isfinite(r->value) ? dse_export_json_exact(o, "value", r->value)
                                                  : !!cJSON_AddNullToObject(o, "value");
    ok = ok && cJSON_AddStringToObject(o, "status", r->status == 0 ? "ok" : "error") &&
         cJSON_AddStringToObject(o, "error", r->error);
    if (ok)
        ok = r->status == 0 ? dse_export_json_exact(o, "se", r->se)
                            : !!cJSON_AddNullToObject(o, "se");
    ok = ok && cJSON_AddStringToObject(o, "sigma_rule", r->sigma_rule);
    if (ok && r->sigma_rule[0] && r->status == 0)
        ok = dse_export_json_exact(o, "sigma_used", r->sigma_used) &&
             dse_export_json_exact(o, "sigma_min", r->sigma_min) &&
             dse_export_json_exact(o, "sigma_max", r->sigma_max);
    if (ok && r->median_distance > 0)
        ok = dse_export_json_exact(o, "median_distance", r->median_distance);
    if (ok && r->method[0]) ok = !!cJSON_AddStringToObject(o, "method", r->method);
    if (ok && r->interval[0])
        ok = cJSON_AddStringToObject(o, "interval", r->interval) &&
             dse_export_json_exact(o, "lower", r->lower) &&
             dse_export_json_exact(o, "upper", r->upper) &&
             cJSON_AddNumberToObject(o, "k", (double)r->k) &&
             cJSON_AddNumberToObject(o, "products", (double)r->products);
    ok = ok && cJSON_AddNumberToObject(o, "attempts", r->attempts > 0 ? r->attempts : 1) &&
         cJSON_AddStringToObject(o, "failed_before", r->failed_before ? r->failed_before : "");
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int write_json(FILE *out, const dse_store_t *s, const size_t *order, dse_err_t *err)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t k = 0; arr && k < s->n_results; ++k) {
        cJSON *o = json_row(s, &s->results[order[k]]);
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    char *text = arr ? cJSON_Print(arr) : NULL;
    cJSON_Delete(arr);
    if (!text) return DSE_RAISE(err, DSE_ENOMEM, "cannot build the JSON of %zu rows", s->n_results);
    fprintf(out, "%s\n", text);
    free(text);
    return DSE_OK;
}

int dse_export_write(FILE *out, const dse_store_t *tables, dse_export_format_t format, int history,
                     dse_err_t *err)
{
    size_t *order = sorted_rows(tables, err);
    if (!order) return err->code;
    int rc = DSE_OK;
    if (format == DSE_EXPORT_CSV)
        write_csv(out, tables, order, history);
    else
        rc = write_json(out, tables, order, err);
    free(order);
    if (rc != DSE_OK) return DSE_PASS(rc, err);
    if (ferror(out)) return DSE_RAISE(err, DSE_EIO, "write failed");
    return DSE_OK;
}
