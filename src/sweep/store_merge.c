/* store_merge.c — table-level operations over whole stores: merging one
 * store into another (identity and agreement from the column tables) and
 * adding DSE at new t from the stored spectra. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/entropy.h"
#include "dsesweep/quantity.h"
#include "store_internal.h"

/* File attributes and the reference clustering: src's when dst has none,
 * else they must agree. */
static int merge_header(dse_store_t *dst, const char *dst_name, const dse_store_t *src,
                        const char *src_name, dse_err_t *err)
{
    if (dst->config_text && src->config_text && dst->fingerprint != src->fingerprint)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "%s and %s were made by different configurations (fingerprints %016llx "
                         "and %016llx)",
                         dst_name, src_name, (unsigned long long)dst->fingerprint,
                         (unsigned long long)src->fingerprint);
    if (!dst->config_text && src->config_text) {
        if (!(dst->config_text = DSE_STRDUP(src->config_text, err))) return DSE_ENOMEM;
        dst->fingerprint = src->fingerprint;
        memcpy(dst->started, src->started, sizeof dst->started);
    }
    if (dst->labels_checksum && src->labels_checksum &&
        dst->labels_checksum != src->labels_checksum)
        return DSE_RAISE(err, DSE_EVALUE,
                         "conflict: the mi results of %s were computed with labels %s (checksum "
                         "%016llx), those of %s with labels %s (checksum %016llx)",
                         dst_name, dst->labels_path ? dst->labels_path : "",
                         (unsigned long long)dst->labels_checksum, src_name,
                         src->labels_path ? src->labels_path : "",
                         (unsigned long long)src->labels_checksum);
    if (!dst->labels_checksum && src->labels_checksum) {
        free(dst->labels_path);
        if (!(dst->labels_path = DSE_STRDUP(src->labels_path ? src->labels_path : "", err)))
            return DSE_ENOMEM;
        dst->labels_checksum = src->labels_checksum;
    }
    if (!src->reference.path) return DSE_OK;
    if (dst->reference.path && !dse_store_reference_equal(&dst->reference, &src->reference))
        return DSE_RAISE(err, DSE_EVALUE,
                         "conflict: the reference clustering of %s (%s, checksum %016llx) "
                         "differs from that of %s (%s, checksum %016llx)",
                         dst_name, dst->reference.path, (unsigned long long)dst->reference.checksum,
                         src_name, src->reference.path,
                         (unsigned long long)src->reference.checksum);
    if (!dst->reference.path) DSE_TRY(dse_store_set_reference(dst, &src->reference, NULL, err));
    return DSE_OK;
}

/* src's checkpoint rows into dst (by path); map[i] receives dst's row. */
static int merge_checkpoints(dse_store_t *dst, const char *dst_name, const dse_store_t *src,
                             const char *src_name, int64_t *map, dse_err_t *err)
{
    for (size_t i = 0; i < src->n_checkpoints; ++i) {
        const dse_store_checkpoint_t *c = &src->checkpoints[i];
        int64_t k = dse_store_find_checkpoint(dst, c->path);
        if (k >= 0 && !dse_row_agree(&dse_checkpoint_table, &dst->checkpoints[k], c))
            return DSE_RAISE(err, DSE_EVALUE,
                             "conflict: %s has checksum %016llx in %s but %016llx in %s", c->path,
                             (unsigned long long)dst->checkpoints[k].checksum, dst_name,
                             (unsigned long long)c->checksum, src_name);
        if (k < 0) DSE_TRY(dse_store_add_checkpoint(dst, c, &k, err));
        map[i] = k;
    }
    return DSE_OK;
}

/* An index of rows by their identity key (table t), for merge. */
static int index_rows(const dse_table_desc_t *t, const void *rows, size_t n, dse_htable_t *idx,
                      dse_err_t *err)
{
    unsigned char key[256];
    for (size_t i = 0; i < n; ++i) {
        size_t len = dse_row_key(t, (const char *)rows + i * t->row_size, key, sizeof key);
        DSE_TRY(dse_htable_put(idx, key, len, (int64_t)i, err));
    }
    return DSE_OK;
}

/* src's results into dst: new keys appended, equal ones kept once,
 * disagreeing ones a conflict. */
static int merge_results(dse_store_t *dst, const char *dst_name, const dse_store_t *src,
                         const char *src_name, const int64_t *map, dse_err_t *err)
{
    dse_htable_t idx = {0};
    int rc = index_rows(&dse_result_table, dst->results, dst->n_results, &idx, err);
    unsigned char key[256];
    for (size_t i = 0; rc == DSE_OK && i < src->n_results; ++i) {
        dse_store_result_t r = src->results[i];
        r.checkpoint = map[r.checkpoint];
        size_t len = dse_row_key(&dse_result_table, &r, key, sizeof key);
        int64_t j = dse_htable_get(&idx, key, len);
        if (j < 0) {
            rc = dse_store_add_result(dst, &r, err);
            if (rc == DSE_OK) rc = dse_htable_put(&idx, key, len, (int64_t)dst->n_results - 1, err);
            continue;
        }
        const dse_store_result_t *same = &dst->results[j];
        if (!dse_row_agree(&dse_result_table, same, &r))
            rc = DSE_RAISE(err, DSE_EVALUE,
                           "conflict: %s %s t=%g is %.17g (status %d) in %s but %.17g "
                           "(status %d) in %s",
                           dst->checkpoints[r.checkpoint].path, r.quantity, r.t, same->value,
                           same->status, dst_name, r.value, r.status, src_name);
    }
    dse_htable_free(&idx);
    return rc;
}

/* src's spectra into dst, once per identity key. */
static int merge_spectra(dse_store_t *dst, const dse_store_t *src, const int64_t *map,
                         dse_err_t *err)
{
    dse_htable_t idx = {0};
    int rc = index_rows(&dse_spectrum_table, dst->spectra, dst->n_spectra, &idx, err);
    unsigned char key[256];
    for (size_t i = 0; rc == DSE_OK && i < src->n_spectra; ++i) {
        dse_store_spectrum_t sp = src->spectra[i];
        sp.checkpoint = map[sp.checkpoint];
        size_t len = dse_row_key(&dse_spectrum_table, &sp, key, sizeof key);
        if (dse_htable_get(&idx, key, len) >= 0) continue;
        rc = dse_store_add_spectrum(dst, &sp, err);
        if (rc == DSE_OK) rc = dse_htable_put(&idx, key, len, (int64_t)dst->n_spectra - 1, err);
    }
    dse_htable_free(&idx);
    return rc;
}

int dse_store_merge(dse_store_t *dst, const char *dst_name, const dse_store_t *src,
                    const char *src_name, dse_err_t *err)
{
    DSE_TRY(merge_header(dst, dst_name, src, src_name, err));
    int64_t *map = DSE_MALLOC(src->n_checkpoints + 1, sizeof *map, err);
    if (!map) return DSE_RAISE(err, DSE_ENOMEM, "cannot merge");
    int rc = merge_checkpoints(dst, dst_name, src, src_name, map, err);
    if (rc == DSE_OK) rc = merge_results(dst, dst_name, src, src_name, map, err);
    if (rc == DSE_OK) rc = merge_spectra(dst, src, map, err);
    free(map);
    return rc;
}

/* The stored spectrum is that of the first sigma rule (sweeps with several
 * rules store one): r takes the rule columns of the checkpoint's first DSE
 * row, which is that rule's. */
static void spectrum_rule(const dse_store_t *s, int64_t checkpoint, dse_store_result_t *r)
{
    for (size_t i = 0; i < s->n_results; ++i)
        if (s->results[i].checkpoint == checkpoint &&
            !strcmp(s->results[i].quantity, dse_quantity_name(DSE_QID_DSE))) {
            dse_entry_extra_t x = dse_store_result_extra(&s->results[i]);
            x.se = 0;
            dse_store_result_set_extra(r, &x);
            return;
        }
}

int dse_store_rescore_tables(dse_store_t *s, const double *ts, size_t nt, size_t *added,
                             dse_err_t *err)
{
    *added = 0;
    dse_htable_t idx = {0};
    int rc = index_rows(&dse_result_table, s->results, s->n_results, &idx, err);
    unsigned char key[256];
    for (size_t i = 0; rc == DSE_OK && i < s->n_spectra; ++i) {
        const dse_store_spectrum_t *sp = &s->spectra[i];
        /* The row every t shares: the spectra are the diffusion spectra of
         * DSE's own family, under the rule of the checkpoint's DSE rows. */
        dse_store_result_t proto = {.checkpoint = sp->checkpoint, .sigma = sp->sigma, .ranks = 1};
        snprintf(proto.quantity, sizeof proto.quantity, "%s", dse_quantity_name(DSE_QID_DSE));
        snprintf(proto.family, sizeof proto.family, "%s",
                 dse_quantity_family_name(dse_quantity_get(DSE_QID_DSE)->family));
        spectrum_rule(s, sp->checkpoint, &proto);
        for (size_t k = 0; rc == DSE_OK && k < nt; ++k) {
            dse_store_result_t r = proto;
            r.t = ts[k];
            size_t len = dse_row_key(&dse_result_table, &r, key, sizeof key);
            int64_t j = dse_htable_get(&idx, key, len);
            if (j < 0) {
                rc = dse_store_add_result(s, &r, err);
                j = (int64_t)s->n_results - 1;
                if (rc == DSE_OK) rc = dse_htable_put(&idx, key, len, j, err);
                (*added)++;
            }
            if (rc != DSE_OK) break;
            s->results[j].value = dse_entropy_spectral(sp->values, sp->length, ts[k]);
            s->results[j].status = 0;
        }
    }
    dse_htable_free(&idx);
    return rc;
}
