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
    dse_store_reference_free(&s->reference);
    dse_htable_free(&s->by_path);
    dse_htable_free(&s->by_family);
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

/* Counts result row r in the (checkpoint, family) index. */
static int index_result(dse_store_t *s, const dse_store_result_t *r, dse_err_t *err)
{
    unsigned char key[64];
    size_t len = dse_store_family_key(r->checkpoint, r->family, key, sizeof key);
    int64_t *count = dse_htable_find(&s->by_family, key, len);
    if (count) {
        (*count)++;
        return DSE_OK;
    }
    return dse_htable_put(&s->by_family, key, len, 1, err);
}

int dse_store_reindex(dse_store_t *s, dse_err_t *err)
{
    dse_htable_clear(&s->by_path);
    dse_htable_clear(&s->by_family);
    for (size_t i = 0; i < s->n_checkpoints; ++i) {
        const char *p = s->checkpoints[i].path;
        DSE_TRY(dse_htable_put(&s->by_path, p, strlen(p), (int64_t)i, err));
    }
    for (size_t i = 0; i < s->n_results; ++i)
        DSE_TRY(index_result(s, &s->results[i], err));
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
    if (s->reference.path && !dse_store_reference_equal(&s->reference, ref)) {
        /* The old clustering's results describe other categories: drop them. */
        size_t w = 0;
        for (size_t i = 0; i < s->n_results; ++i) {
            dse_store_result_t *r = &s->results[i];
            if (!strcmp(r->family, DSE_STORE_FAMILY_MI_X)) {
                dse_row_free(&dse_result_table, r);
                if (dropped) (*dropped)++;
            } else {
                s->results[w++] = *r;
            }
        }
        s->n_results = w;
    }
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
        dse_store_result_t r = {.checkpoint = checkpoint, .t = t, .sigma = sigma, .ranks = 1};
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

int dse_store_apply(dse_store_t *s, const dse_task_record_t *rec, dse_err_t *err)
{
    int64_t k;
    DSE_TRY(upsert_checkpoint(s, &rec->checkpoint, &k, err));
    if (dse_store_has(s, rec->checkpoint.path, rec->checkpoint.checksum, rec->family))
        DSE_TRY(drop_rows(s, k, rec->family, err));
    dse_store_result_t r = {.checkpoint = k,
                            .sigma = rec->sigma,
                            .status = rec->status,
                            .error = (char *)(rec->error ? rec->error : ""),
                            .seconds = rec->seconds,
                            .ranks = rec->ranks,
                            .threads = rec->threads};
    snprintf(r.family, sizeof r.family, "%s", rec->family);
    snprintf(r.driver, sizeof r.driver, "%s", rec->driver ? rec->driver : "");
    for (size_t i = 0; i < rec->n_entries; ++i) {
        snprintf(r.quantity, sizeof r.quantity, "%s", rec->quantities[i]);
        r.t = rec->t[i];
        r.value = rec->status == 0 ? rec->values[i] : NAN;
        DSE_TRY(dse_store_add_result(s, &r, err));
    }
    if (rec->spectrum_length) {
        dse_store_spectrum_t sp = {k, rec->sigma, rec->spectrum_length, (double *)rec->spectrum};
        DSE_TRY(dse_store_add_spectrum(s, &sp, err));
    }
    return DSE_OK;
}
