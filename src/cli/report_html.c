/* report_html.c — the data of `dsesweep report`'s HTML page. */
#include "report_html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsesweep/config.h"
#include "dsesweep/version.h"

void report_config_read(const dse_store_t *s, report_config_t *rc)
{
    memset(rc, 0, sizeof *rc);
    if (!s->config_text || !s->config_text[0]) return;
    dse_config_t cfg;
    dse_err_t err;
    memset(&cfg, 0, sizeof cfg);
    if (dse_config_parse(s->config_text, "the store's config", NULL, &cfg, &err) != DSE_OK) return;
    rc->n_rules = cfg.params.n_rules < REPORT_MAX_RULES ? cfg.params.n_rules : REPORT_MAX_RULES;
    for (int r = 0; r < rc->n_rules; ++r)
        dse_sigma_format(&cfg.params.rules[r], rc->rules[r], sizeof rc->rules[r]);
    snprintf(rc->sigma, sizeof rc->sigma, "%g", cfg.params.sigma);
    if (cfg.n_t > 0) snprintf(rc->first_t, sizeof rc->first_t, "%g", cfg.t[0]);
    dse_config_free(&cfg);
}

/* The value of key in a "(k=v,k=v)" list: its length, and *at its start;
 * 0 when absent. */
static size_t param_value(const char *params, const char *key, size_t key_len, const char **at)
{
    for (const char *p = params; p && *p;) {
        const char *end = p + strcspn(p, ",)");
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq && (size_t)(eq - p) == key_len && !strncmp(p, key, key_len)) {
            *at = eq + 1;
            return (size_t)(end - eq - 1);
        }
        p = *end == ',' ? end + 1 : NULL;
    }
    return 0;
}

int report_column_matches(const char *col, const char *item)
{
    size_t qc = strcspn(col, "("), qi = strcspn(item, "(");
    if (qc != qi || strncmp(col, item, qc)) return 0;
    const char *cp = col[qc] ? col + qc + 1 : NULL, *ip = item[qi] ? item + qi + 1 : NULL;
    for (const char *p = ip; p && *p && *p != ')';) {
        const char *end = p + strcspn(p, ",)"), *eq = memchr(p, '=', (size_t)(end - p)), *at;
        if (!eq) return 0;
        size_t key_len = (size_t)(eq - p), want = (size_t)(end - eq - 1);
        size_t have = param_value(cp, p, key_len, &at);
        if (have && (have != want || strncmp(at, eq + 1, want))) return 0;
        p = *end == ',' ? end + 1 : NULL;
    }
    return 1;
}

cJSON *report_json_push(cJSON *arr, cJSON *item, int *oom)
{
    if (!item || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        *oom = 1;
        return NULL;
    }
    return item;
}

cJSON *report_json_add(cJSON *obj, const char *key, cJSON *item, int *oom)
{
    if (!item || !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        *oom = 1;
        return NULL;
    }
    return item;
}

cJSON *report_json_number(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *report_json_coef(double r, double lo, double hi)
{
    cJSON *a = cJSON_CreateArray();
    int oom = 0;
    if (!a) return NULL;
    report_json_push(a, report_json_number(r), &oom);
    report_json_push(a, report_json_number(lo), &oom);
    report_json_push(a, report_json_number(hi), &oom);
    if (oom) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

/* "quantity", "t" (number or null) and "sigma" (the rule or fixed sigma the
 * name gives, else null) of column j. */
static void column_facets(cJSON *c, const char *name, int *oom)
{
    char q[DSE_COLUMN_NAME_MAX];
    size_t ql = strcspn(name, "(");
    snprintf(q, sizeof q, "%.*s", (int)ql, name);
    report_json_add(c, "quantity", cJSON_CreateString(q), oom);
    const char *params = name[ql] ? name + ql + 1 : NULL, *at;
    size_t n = param_value(params, "t", 1, &at);
    report_json_add(c, "t", n ? cJSON_CreateNumber(strtod(at, NULL)) : cJSON_CreateNull(), oom);
    n = param_value(params, "sigma", 5, &at);
    char sig[32];
    snprintf(sig, sizeof sig, "%.*s", (int)(n < 31 ? n : 31), n ? at : "");
    report_json_add(c, "sigma", n ? cJSON_CreateString(sig) : cJSON_CreateNull(), oom);
}

/* One column: facets, values, SE, intervals (when any), errors (when any). */
static cJSON *column_json(const dse_results_table_t *t, size_t j, int *oom)
{
    cJSON *c = cJSON_CreateObject();
    if (!c) return NULL;
    report_json_add(c, "name", cJSON_CreateString(t->cols[j]), oom);
    column_facets(c, t->cols[j], oom);
    cJSON *v = report_json_add(c, "v", cJSON_CreateArray(), oom);
    cJSON *se = report_json_add(c, "se", cJSON_CreateArray(), oom);
    int any_iv = 0, any_err = 0;
    double lo, hi;
    for (size_t r = 0; v && se && r < t->n_rows; ++r) {
        report_json_push(v, report_json_number(dse_results_value(t, r, j)), oom);
        report_json_push(se, report_json_number(dse_results_se(t, r, j)), oom);
        any_iv |= dse_results_interval(t, r, j, &lo, &hi);
        any_err |= t->status[r * t->n_cols + j] > 0;
    }
    if (any_iv) {
        cJSON *l = report_json_add(c, "lo", cJSON_CreateArray(), oom);
        cJSON *h = report_json_add(c, "hi", cJSON_CreateArray(), oom);
        cJSON *st = report_json_add(c, "stat", cJSON_CreateArray(), oom);
        for (size_t r = 0; l && h && st && r < t->n_rows; ++r) {
            report_json_push(l, report_json_number(t->lower[r * t->n_cols + j]), oom);
            report_json_push(h, report_json_number(t->upper[r * t->n_cols + j]), oom);
            report_json_push(st, cJSON_CreateNumber(t->statistical[r * t->n_cols + j]), oom);
        }
    }
    if (any_err) {
        cJSON *e = report_json_add(c, "err", cJSON_CreateArray(), oom);
        for (size_t r = 0; e && r < t->n_rows; ++r) {
            const char *m = t->errors[r * t->n_cols + j];
            report_json_push(e, m ? cJSON_CreateString(m) : cJSON_CreateNull(), oom);
        }
    }
    return c;
}

/* runs, rows {run, step, path}, columns, max_steps. */
static void table_json(cJSON *page, const dse_results_table_t *t, int *oom)
{
    cJSON *runs = report_json_add(page, "runs", cJSON_CreateArray(), oom);
    size_t most = 0;
    for (size_t run = 0; runs && run < t->n_runs; ++run) {
        report_json_push(runs, cJSON_CreateString(t->rows[t->run_begin[run]].run), oom);
        if (t->run_begin[run + 1] - t->run_begin[run] > most)
            most = t->run_begin[run + 1] - t->run_begin[run];
    }
    report_json_add(page, "max_steps", cJSON_CreateNumber((double)most), oom);
    cJSON *rows = report_json_add(page, "rows", cJSON_CreateObject(), oom);
    cJSON *run = rows ? report_json_add(rows, "run", cJSON_CreateArray(), oom) : NULL;
    cJSON *step = rows ? report_json_add(rows, "step", cJSON_CreateArray(), oom) : NULL;
    cJSON *path = rows ? report_json_add(rows, "path", cJSON_CreateArray(), oom) : NULL;
    for (size_t k = 0; run && step && path && k < t->n_runs; ++k)
        for (size_t r = t->run_begin[k]; r < t->run_begin[k + 1]; ++r) {
            report_json_push(run, cJSON_CreateNumber((double)k), oom);
            report_json_push(step, cJSON_CreateNumber((double)t->rows[r].step), oom);
            report_json_push(path, cJSON_CreateString(t->rows[r].path), oom);
        }
    cJSON *cols = report_json_add(page, "columns", cJSON_CreateArray(), oom);
    for (size_t j = 0; cols && j < t->n_cols; ++j)
        report_json_push(cols, column_json(t, j, oom), oom);
}

/* counts, failures (the first 500 failed results, one per task), bounded. */
static void results_json(cJSON *page, const dse_store_t *s, const dse_results_table_t *t, int *oom)
{
    size_t failed = 0, certified = 0, statistical = 0, wide = 0;
    cJSON *fl = report_json_add(page, "failures", cJSON_CreateArray(), oom);
    for (size_t i = 0, shown = 0; fl && i < s->n_results; ++i) {
        const dse_store_result_t *r = &s->results[i];
        failed += r->status != 0;
        if (!r->status && r->interval[0]) {
            certified += !strcmp(r->interval, "certified");
            statistical += !strcmp(r->interval, "statistical");
            wide += !isfinite(r->value);
        }
        if (!r->status || shown >= 500 ||
            (i > 0 && r->checkpoint == s->results[i - 1].checkpoint &&
             !strcmp(r->error, s->results[i - 1].error)))
            continue;
        cJSON *f = report_json_push(fl, cJSON_CreateObject(), oom);
        if (!f) break;
        const dse_store_checkpoint_t *c = &s->checkpoints[r->checkpoint];
        report_json_add(f, "run", cJSON_CreateString(c->run), oom);
        report_json_add(f, "step", cJSON_CreateNumber((double)c->step), oom);
        report_json_add(f, "path", cJSON_CreateString(c->path), oom);
        report_json_add(f, "error", cJSON_CreateString(r->error), oom);
        shown++;
    }
    cJSON *counts = report_json_add(page, "counts", cJSON_CreateObject(), oom);
    if (counts) {
        report_json_add(counts, "checkpoints", cJSON_CreateNumber((double)s->n_checkpoints), oom);
        report_json_add(counts, "runs", cJSON_CreateNumber((double)t->n_runs), oom);
        report_json_add(counts, "results", cJSON_CreateNumber((double)s->n_results), oom);
        report_json_add(counts, "failed", cJSON_CreateNumber((double)failed), oom);
    }
    if (certified + statistical) {
        cJSON *b = report_json_add(page, "bounded", cJSON_CreateObject(), oom);
        if (b) {
            report_json_add(b, "certified", cJSON_CreateNumber((double)certified), oom);
            report_json_add(b, "statistical", cJSON_CreateNumber((double)statistical), oom);
            report_json_add(b, "wide", cJSON_CreateNumber((double)wide), oom);
        }
    }
}

/* The reference clustering behind the *_X columns, when the store has one. */
static void reference_json(cJSON *page, const dse_store_reference_t *r, int *oom)
{
    if (!r->path) return;
    cJSON *o = report_json_add(page, "reference", cJSON_CreateObject(), oom);
    if (!o) return;
    report_json_add(o, "path", cJSON_CreateString(r->path), oom);
    report_json_add(o, "n", cJSON_CreateNumber((double)r->n), oom);
    report_json_add(o, "d", cJSON_CreateNumber((double)r->d), oom);
    report_json_add(o, "knn", cJSON_CreateNumber(r->knn), oom);
    report_json_add(o, "clusters", cJSON_CreateNumber(r->n_clusters), oom);
    report_json_add(o, "components", cJSON_CreateNumber((double)r->components), oom);
    report_json_add(o, "created", cJSON_CreateString(r->created), oom);
    cJSON *sizes = report_json_add(o, "sizes", cJSON_CreateArray(), oom);
    for (int c = 0; sizes && c < r->n_clusters; ++c) {
        size_t n = 0;
        for (uint64_t i = 0; i < r->n; ++i)
            n += r->labels[i] == c;
        report_json_push(sizes, cJSON_CreateNumber((double)n), oom);
    }
}

cJSON *report_html_begin(const dse_store_t *s, const dse_results_table_t *t, const char *store,
                         const report_config_t *rc, const char *show, long rank_col)
{
    cJSON *page = cJSON_CreateObject();
    if (!page) return NULL;
    int oom = 0;
    char now[32];
    time_t clock = time(NULL);
    struct tm tm;
    gmtime_r(&clock, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", &tm);
    report_json_add(page, "store", cJSON_CreateString(store), &oom);
    report_json_add(page, "generated", cJSON_CreateString(now), &oom);
    report_json_add(page, "version", cJSON_CreateString(DSESWEEP_VERSION), &oom);
    report_json_add(page, "started", cJSON_CreateString(s->started), &oom);
    report_json_add(page, "config", cJSON_CreateString(s->config_text ? s->config_text : ""), &oom);
    report_json_add(page, "sigma_fixed", cJSON_CreateString(rc->sigma), &oom);
    cJSON *rules = report_json_add(page, "rules", cJSON_CreateArray(), &oom);
    for (int r = 0; rules && r < rc->n_rules; ++r)
        report_json_push(rules, cJSON_CreateString(rc->rules[r]), &oom);
    results_json(page, s, t, &oom);
    reference_json(page, &s->reference, &oom);
    table_json(page, t, &oom);
    cJSON *def = report_json_add(page, "default_columns", cJSON_CreateArray(), &oom);
    for (size_t j = 0; def && j < t->n_cols; ++j)
        if (show[j]) report_json_push(def, cJSON_CreateNumber((double)j), &oom);
    report_json_add(page, "rank_column", cJSON_CreateNumber((double)rank_col), &oom);
    if (oom) {
        cJSON_Delete(page);
        return NULL;
    }
    return page;
}
