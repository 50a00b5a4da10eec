/* store.c — the in-memory tables of a store and their hash indexes. */
#include "dsesweep/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsesweep/quantity.h"
#include "store_internal.h"

void dse_store_timestamp(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void dse_store_free(dse_store_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_checkpoints; ++i)
        dse_row_free(&dse_checkpoint_table, &s->checkpoints[i]);
    for (size_t i = 0; i < s->n_results; ++i)
        dse_row_free(&dse_result_table, &s->results[i]);
    for (size_t i = 0; i < s->n_spectra; ++i)
        free(s->spectra[i].values);
    free(s->checkpoints);
    free(s->results);
    free(s->spectra);
    free(s->config_text);
    free(s->labels_path);
    dse_store_reference_free(&s->reference);
    dse_htable_free(&s->by_path);
    dse_htable_free(&s->by_family);
    dse_htable_free(&s->failed);
    memset(s, 0, sizeof *s);
}

void dse_store_reference_free(dse_store_reference_t *ref)
{
    if (!ref) return;
    dse_row_free(&dse_reference_table, ref);
    free(ref->labels);
    memset(ref, 0, sizeof *ref);
}

int dse_store_reference_equal(const dse_store_reference_t *a, const dse_store_reference_t *b)
{
    if (!a->path || !b->path) return !a->path && !b->path;
    return dse_row_agree(&dse_reference_table, a, b) &&
           (a->n == 0 || !memcmp(a->labels, b->labels, (size_t)a->n * sizeof *a->labels));
}

size_t dse_store_family_key(int64_t k, const char *family, unsigned char *buf, size_t cap)
{
    size_t n = strlen(family) + 1;
    if (sizeof k + n > cap) return 0;
    memcpy(buf, &k, sizeof k);
    memcpy(buf + sizeof k, family, n);
    return sizeof k + n;
}

/* Adds one to the count under key in table t. */
static int count_key(dse_htable_t *t, const unsigned char *key, size_t len, dse_err_t *err)
{
    int64_t *count = dse_htable_find(t, key, len);
    if (count) {
        (*count)++;
        return DSE_OK;
    }
    return dse_htable_put(t, key, len, 1, err);
}

/* Counts result row r in the (checkpoint, family) indexes. */
static int index_result(dse_store_t *s, const dse_store_result_t *r, dse_err_t *err)
{
    unsigned char key[64];
    size_t len = dse_store_family_key(r->checkpoint, r->family, key, sizeof key);
    DSE_TRY(count_key(&s->by_family, key, len, err));
    return r->status != 0 ? count_key(&s->failed, key, len, err) : DSE_OK;
}

int dse_store_reindex(dse_store_t *s, dse_err_t *err)
{
    dse_htable_clear(&s->by_path);
    dse_htable_clear(&s->by_family);
    dse_htable_clear(&s->failed);
    for (size_t i = 0; i < s->n_checkpoints; ++i) {
        const char *p = s->checkpoints[i].path;
        DSE_TRY(dse_htable_put(&s->by_path, p, strlen(p), (int64_t)i, err));
    }
    for (size_t i = 0; i < s->n_results; ++i)
        DSE_TRY(index_result(s, &s->results[i], err));
    return DSE_OK;
}

/* Drops every result of `family` (all checkpoints); counts them in *dropped.
 * The caller reindexes. */
static void drop_family(dse_store_t *s, const char *family, size_t *dropped)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_results; ++i) {
        dse_store_result_t *r = &s->results[i];
        if (!strcmp(r->family, family)) {
            dse_row_free(&dse_result_table, r);
            if (dropped) (*dropped)++;
        } else {
            s->results[w++] = *r;
        }
    }
    s->n_results = w;
}

int dse_store_set_labels(dse_store_t *s, const char *labels_path, uint64_t checksum,
                         size_t *dropped, dse_err_t *err)
{
    if (dropped) *dropped = 0;
    char *copy = DSE_STRDUP(labels_path ? labels_path : "", err);
    if (!copy) return DSE_ENOMEM;
    free(s->labels_path);
    s->labels_path = copy;
    if (s->labels_checksum && s->labels_checksum != checksum) {
        /* Results of other labels describe other classes: drop them. */
        drop_family(s, DSE_STORE_FAMILY_MI, dropped);
        s->labels_checksum = checksum;
        return dse_store_reindex(s, err);
    }
    s->labels_checksum = checksum;
    return DSE_OK;
}

int dse_store_set_reference(dse_store_t *s, const dse_store_reference_t *ref, size_t *dropped,
                            dse_err_t *err)
{
    if (dropped) *dropped = 0;
    dse_store_reference_t copy;
    if (dse_row_copy(&dse_reference_table, &copy, ref, err) != DSE_OK) return DSE_ENOMEM;
    copy.labels = DSE_MALLOC((size_t)ref->n, sizeof *copy.labels, err);
    if (!copy.labels) {
        dse_row_free(&dse_reference_table, &copy);
        return DSE_RAISE(err, DSE_ENOMEM, "cannot store the reference clustering");
    }
    memcpy(copy.labels, ref->labels, (size_t)ref->n * sizeof *copy.labels);
    if (s->reference.path && !dse_store_reference_equal(&s->reference, ref))
        drop_family(s, DSE_STORE_FAMILY_MI_X, dropped);
    dse_store_reference_free(&s->reference);
    s->reference = copy;
    return dse_store_reindex(s, err);
}

int64_t dse_store_find_checkpoint(const dse_store_t *s, const char *path)
{
    return dse_htable_get(&s->by_path, path, strlen(path));
}

int dse_store_add_checkpoint(dse_store_t *s, const dse_store_checkpoint_t *c, int64_t *k,
                             dse_err_t *err)
{
    DSE_TRY(DSE_GROW(&s->checkpoints, s->n_checkpoints, &s->cap_checkpoints, err));
    dse_store_checkpoint_t *row = &s->checkpoints[s->n_checkpoints];
    DSE_TRY(dse_row_copy(&dse_checkpoint_table, row, c, err));
    *k = (int64_t)s->n_checkpoints++;
    return dse_htable_put(&s->by_path, row->path, strlen(row->path), *k, err);
}

int dse_store_add_result(dse_store_t *s, const dse_store_result_t *r, dse_err_t *err)
{
    DSE_TRY(DSE_GROW(&s->results, s->n_results, &s->cap_results, err));
    DSE_TRY(dse_row_copy(&dse_result_table, &s->results[s->n_results], r, err));
    s->n_results++;
    return index_result(s, r, err);
}

int dse_store_add_spectrum(dse_store_t *s, const dse_store_spectrum_t *sp, dse_err_t *err)
{
    DSE_TRY(DSE_GROW(&s->spectra, s->n_spectra, &s->cap_spectra, err));
    double *values = DSE_MALLOC((size_t)sp->length, sizeof *values, err);
    if (!values) return DSE_RAISE(err, DSE_ENOMEM, "cannot store a spectrum");
    memcpy(values, sp->values, (size_t)sp->length * sizeof *values);
    s->spectra[s->n_spectra] = *sp;
    s->spectra[s->n_spectra++].values = values;
    return DSE_OK;
}

int dse_store_put_value(dse_store_t *s, int64_t checkpoint, const char *quantity,
                        const char *family, double t, double sigma, double value, int *added,
                        dse_err_t *err)
{
    if (added) *added = 0;
    dse_store_result_t *row = NULL;
    for (size_t i = 0; i < s->n_results && !row; ++i)
        if (s->results[i].checkpoint == checkpoint && s->results[i].t == t &&
            !strcmp(s->results[i].quantity, quantity))
            row = &s->results[i];
    if (!row) {
        dse_store_result_t r = {
            .checkpoint = checkpoint, .t = t, .sigma = sigma, .ranks = 1, .attempts = 1};
        snprintf(r.quantity, sizeof r.quantity, "%s", quantity);
        snprintf(r.family, sizeof r.family, "%s", family);
        DSE_TRY(dse_store_add_result(s, &r, err));
        row = &s->results[s->n_results - 1];
        if (added) *added = 1;
    }
    row->value = value;
    row->status = 0;
    return DSE_OK;
}

int dse_store_has(const dse_store_t *s, const char *path, uint64_t checksum, const char *family)
{
    int64_t k = dse_store_find_checkpoint(s, path);
    if (k < 0 || s->checkpoints[k].checksum != checksum) return 0;
    unsigned char key[64];
    size_t len = dse_store_family_key(k, family, key, sizeof key);
    return dse_htable_get(&s->by_family, key, len) > 0;
}

int dse_store_has_failed(const dse_store_t *s, const char *path, uint64_t checksum,
                         const char *family)
{
    int64_t k = dse_store_find_checkpoint(s, path);
    if (k < 0 || s->checkpoints[k].checksum != checksum) return 0;
    unsigned char key[64];
    size_t len = dse_store_family_key(k, family, key, sizeof key);
    return dse_htable_get(&s->failed, key, len) > 0;
}

/* The failure history a new result of (checkpoint k, family) continues:
 * attempts so far and the error of the last failed one (borrowed, "" none). */
static void history(const dse_store_t *s, int64_t k, const char *family, int32_t *attempts,
                    const char **failed)
{
    *attempts = 0;
    *failed = "";
    int seen = 0;
    for (size_t i = 0; i < s->n_results; ++i) {
        const dse_store_result_t *r = &s->results[i];
        if (r->checkpoint != k || strcmp(r->family, family)) continue;
        if (!seen++) {
            *attempts = r->attempts > 0 ? r->attempts : 1;
            *failed = r->failed_before ? r->failed_before : "";
        }
        if (r->status != 0) { /* the task, or one of its rules, failed */
            *failed = r->error ? r->error : "";
            return;
        }
    }
}

void dse_store_history(const dse_store_t *s, const dse_task_record_t *rec, int32_t *attempts,
                       const char **failed_before)
{
    *attempts = 0;
    *failed_before = "";
    int64_t k = dse_store_find_checkpoint(s, rec->checkpoint.path);
    if (k >= 0 && dse_store_has(s, rec->checkpoint.path, rec->checkpoint.checksum, rec->family))
        history(s, k, rec->family, attempts, failed_before);
}

/* The family whose tasks store the diffusion spectrum: DSE's. */
static const char *spectrum_family(void)
{
    return dse_quantity_family_name(dse_quantity_get(DSE_QID_DSE)->family);
}

/* Drops rows of checkpoint k: results of `family` (NULL: all) and, when
 * family is NULL or "spectral", its spectra. Linear, so only called when the
 * index says there is something to drop. */
static int drop_rows(dse_store_t *s, int64_t k, const char *family, dse_err_t *err)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_results; ++i) {
        dse_store_result_t *r = &s->results[i];
        if (r->checkpoint == k && (!family || !strcmp(r->family, family)))
            dse_row_free(&dse_result_table, r);
        else
            s->results[w++] = *r;
    }
    s->n_results = w;
    if (!family || !strcmp(family, spectrum_family())) {
        w = 0;
        for (size_t i = 0; i < s->n_spectra; ++i) {
            if (s->spectra[i].checkpoint == k)
                free(s->spectra[i].values);
            else
                s->spectra[w++] = s->spectra[i];
        }
        s->n_spectra = w;
    }
    return dse_store_reindex(s, err);
}

/* The checkpoint row of rec: added, or updated in place (a new checksum
 * drops the old rows of the changed file). */
static int upsert_checkpoint(dse_store_t *s, const dse_store_checkpoint_t *c, int64_t *k,
                             dse_err_t *err)
{
    *k = dse_store_find_checkpoint(s, c->path);
    if (*k < 0) return dse_store_add_checkpoint(s, c, k, err);
    dse_store_checkpoint_t *row = &s->checkpoints[*k];
    if (row->checksum != c->checksum) DSE_TRY(drop_rows(s, *k, NULL, err));
    dse_store_checkpoint_t copy;
    DSE_TRY(dse_row_copy(&dse_checkpoint_table, &copy, c, err));
    dse_row_free(&dse_checkpoint_table, row);
    *row = copy;
    return DSE_OK;
}

/* The bandwidth of a record's spectrum. The task's score keeps the first
 * bandwidth rule's diffusion spectrum (score.h), and the first DSE entry is
 * that rule's (families.c orders entries by quantity, rule, t): with rules,
 * its sigma_used; without, the record's one sigma. */
static double spectrum_sigma(const dse_task_record_t *rec)
{
    const char *dse = dse_quantity_name(DSE_QID_DSE);
    for (size_t i = 0; rec->extra && i < rec->n_entries; ++i)
        if (!strcmp(rec->quantities[i], dse))
            return rec->extra[i].sigma_rule[0] && rec->extra[i].sigma_used > 0
                       ? rec->extra[i].sigma_used
                       : rec->sigma;
    return rec->sigma;
}

int dse_store_apply(dse_store_t *s, const dse_task_record_t *rec, dse_err_t *err)
{
    int64_t k;
    DSE_TRY(upsert_checkpoint(s, &rec->checkpoint, &k, err));
    /* The failure history: the record's own (journaled), else derived from
     * the rows it replaces (records of older journals). */
    int32_t attempts = rec->attempts > 0 ? rec->attempts - 1 : 0;
    const char *failed = rec->attempts > 0 && rec->failed_before ? rec->failed_before : "";
    int has = dse_store_has(s, rec->checkpoint.path, rec->checkpoint.checksum, rec->family);
    if (has && rec->attempts <= 0) history(s, k, rec->family, &attempts, &failed);
    char *kept = DSE_STRDUP(failed, err); /* outlives the rows it may come from */
    if (!kept) return DSE_ENOMEM;
    if (has) {
        int rc = drop_rows(s, k, rec->family, err);
        if (rc != DSE_OK) {
            free(kept);
            return rc;
        }
    }
    dse_store_result_t r;
    for (size_t i = 0; i < rec->n_entries; ++i) {
        dse_store_record_row(rec, i, &r);
        r.checkpoint = k;
        r.attempts = attempts + 1;
        r.failed_before = kept;
        int rc = dse_store_add_result(s, &r, err);
        if (rc != DSE_OK) {
            free(kept);
            return rc;
        }
    }
    free(kept);
    if (rec->spectrum_length) {
        dse_store_spectrum_t sp = {k, spectrum_sigma(rec), rec->spectrum_length,
                                   (double *)rec->spectrum};
        DSE_TRY(dse_store_add_spectrum(s, &sp, err));
    }
    return DSE_OK;
}

void dse_store_record_row(const dse_task_record_t *rec, size_t i, dse_store_result_t *r)
{
    *r = (dse_store_result_t){.sigma = rec->sigma,
                              .status = rec->status,
                              .error = (char *)(rec->error ? rec->error : ""),
                              .seconds = rec->seconds,
                              .ranks = rec->ranks,
                              .attempts = rec->attempts,
                              .failed_before =
                                  (char *)(rec->failed_before ? rec->failed_before : ""),
                              .threads = rec->threads};
    snprintf(r->family, sizeof r->family, "%s", rec->family);
    snprintf(r->driver, sizeof r->driver, "%s", rec->driver ? rec->driver : "");
    int entry = i < rec->n_entries;
    if (entry) {
        snprintf(r->quantity, sizeof r->quantity, "%s", rec->quantities[i]);
        r->t = rec->t[i];
        if (r->status == 0 && rec->extra && rec->extra[i].status) { /* its rule failed alone */
            r->status = rec->extra[i].status;
            r->error = (char *)rec->extra[i].error;
        }
        r->value = r->status == 0 ? rec->values[i] : NAN;
    }
    dse_store_result_set_extra(r, entry && rec->extra ? &rec->extra[i] : NULL);
}

void dse_store_result_set_extra(dse_store_result_t *r, const dse_entry_extra_t *x)
{
    dse_entry_extra_t none = {0};
    if (!x) x = &none;
    r->se = x->se;
    snprintf(r->sigma_rule, sizeof r->sigma_rule, "%s", x->sigma_rule);
    r->sigma_used = x->sigma_used;
    r->sigma_min = x->sigma_min;
    r->sigma_max = x->sigma_max;
    r->median_distance = x->median_distance;
    snprintf(r->method, sizeof r->method, "%s", x->method);
    snprintf(r->interval, sizeof r->interval, "%s", x->interval);
    r->lower = x->method[0] ? x->lower : NAN;
    r->upper = x->method[0] ? x->upper : NAN;
    r->k = x->k;
    r->products = x->products;
}

dse_entry_extra_t dse_store_result_extra(const dse_store_result_t *r)
{
    dse_entry_extra_t x = {.se = r->se,
                           .sigma_used = r->sigma_used,
                           .sigma_min = r->sigma_min,
                           .sigma_max = r->sigma_max,
                           .median_distance = r->median_distance,
                           .lower = r->lower,
                           .upper = r->upper,
                           .k = r->k,
                           .products = r->products};
    snprintf(x.sigma_rule, sizeof x.sigma_rule, "%s", r->sigma_rule);
    x.status = r->status;
    snprintf(x.error, sizeof x.error, "%s", r->status && r->error ? r->error : "");
    snprintf(x.method, sizeof x.method, "%s", r->method);
    snprintf(x.interval, sizeof x.interval, "%s", r->interval);
    return x;
}
