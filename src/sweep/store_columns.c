/* store_columns.c — the one description of the store's schema (docs/store.md)
 * and the generic row operations that every reader and writer uses. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define COL(type, field, name, ctype, h5, merge, j, jkey, jlevel)                                  \
    {                                                                                              \
        name, ctype, offsetof(type, field), sizeof(((type *)0)->field), h5, merge, j, jkey, jlevel \
    }

/* /checkpoints. Journal: "path", "run", "nums": step n d n_used file_size mtime checksum. */
#define CK(field, ctype, merge, j, jkey)                                                           \
    COL(dse_store_checkpoint_t, field, #field, ctype, DSE_H5_DATASET, merge, j, jkey, DSE_JL_RECORD)
static const dse_column_t checkpoint_cols[] = {
    CK(path, DSE_COL_STR, DSE_M_KEY, DSE_J_STRING, "path"),
    CK(run, DSE_COL_STR, DSE_M_INFO, DSE_J_STRING, "run"),
    CK(step, DSE_COL_I64, DSE_M_INFO, DSE_J_NUMS, NULL),
    CK(n, DSE_COL_U64, DSE_M_INFO, DSE_J_NUMS, NULL),
    CK(d, DSE_COL_U64, DSE_M_INFO, DSE_J_NUMS, NULL),
    CK(n_used, DSE_COL_U64, DSE_M_INFO, DSE_J_NUMS, NULL),
    CK(file_size, DSE_COL_U64, DSE_M_INFO, DSE_J_NUMS, NULL),
    CK(mtime, DSE_COL_I64, DSE_M_INFO, DSE_J_NUMS, NULL),
    CK(checksum, DSE_COL_U64, DSE_M_AGREE, DSE_J_NUMS, NULL),
};

/* /results. Journal: the task's columns once per record, then per entry
 * "q", "t" and "v" (the checkpoint row is implied by the record). */
#define RS(field, ctype, merge, j, jkey, level)                                                    \
    COL(dse_store_result_t, field, #field, ctype, DSE_H5_DATASET, merge, j, jkey, level)
static const dse_column_t result_cols[] = {
    RS(checkpoint, DSE_COL_I64, DSE_M_KEY, DSE_J_NONE, NULL, DSE_JL_RECORD),
    RS(quantity, DSE_COL_CHARS, DSE_M_KEY, DSE_J_STRING, "q", DSE_JL_ENTRY),
    RS(family, DSE_COL_CHARS, DSE_M_KEY, DSE_J_STRING, "family", DSE_JL_RECORD),
    RS(t, DSE_COL_F64, DSE_M_KEY, DSE_J_NUMBER, "t", DSE_JL_ENTRY),
    RS(sigma, DSE_COL_F64, DSE_M_INFO, DSE_J_NUMBER, "sigma", DSE_JL_RECORD),
    RS(value, DSE_COL_F64, DSE_M_AGREE, DSE_J_HEX, "v", DSE_JL_ENTRY),
    /* Per entry: a bandwidth rule fails alone (journals before issue 24
     * have them once per record: journal.c reads those too). */
    RS(status, DSE_COL_I32, DSE_M_AGREE, DSE_J_NUMBER, "status", DSE_JL_ENTRY),
    RS(error, DSE_COL_STR, DSE_M_INFO, DSE_J_STRING, "error", DSE_JL_ENTRY),
    RS(seconds, DSE_COL_F64, DSE_M_INFO, DSE_J_NUMBER, "seconds", DSE_JL_RECORD),
    RS(ranks, DSE_COL_I32, DSE_M_INFO, DSE_J_NUMBER, "ranks", DSE_JL_RECORD),
    RS(se, DSE_COL_F64, DSE_M_AGREE, DSE_J_HEX, "se", DSE_JL_ENTRY),
    RS(sigma_rule, DSE_COL_CHARS, DSE_M_KEY, DSE_J_STRING, "sr", DSE_JL_ENTRY),
    RS(sigma_used, DSE_COL_F64, DSE_M_AGREE, DSE_J_HEX, "su", DSE_JL_ENTRY),
    RS(sigma_min, DSE_COL_F64, DSE_M_INFO, DSE_J_HEX, "smin", DSE_JL_ENTRY),
    RS(sigma_max, DSE_COL_F64, DSE_M_INFO, DSE_J_HEX, "smax", DSE_JL_ENTRY),
    RS(median_distance, DSE_COL_F64, DSE_M_INFO, DSE_J_HEX, "md", DSE_JL_ENTRY),
    /* The failure history, journaled with the record so that replaying a
     * record twice gives the same rows (absent in older journals: derived). */
    RS(attempts, DSE_COL_I32, DSE_M_INFO, DSE_J_NUMBER, "attempts", DSE_JL_RECORD),
    RS(failed_before, DSE_COL_STR, DSE_M_INFO, DSE_J_STRING, "failed_before", DSE_JL_RECORD),
    RS(driver, DSE_COL_CHARS, DSE_M_INFO, DSE_J_STRING, "driver", DSE_JL_RECORD),
    RS(threads, DSE_COL_I32, DSE_M_INFO, DSE_J_NUMBER, "threads", DSE_JL_RECORD),
    /* How DSE's spectrum was obtained, and the bounded method's interval. */
    RS(method, DSE_COL_CHARS, DSE_M_INFO, DSE_J_STRING, "me", DSE_JL_ENTRY),
    RS(interval, DSE_COL_CHARS, DSE_M_INFO, DSE_J_STRING, "iv", DSE_JL_ENTRY),
    RS(lower, DSE_COL_F64, DSE_M_AGREE, DSE_J_HEX, "lo", DSE_JL_ENTRY),
    RS(upper, DSE_COL_F64, DSE_M_AGREE, DSE_J_HEX, "hi", DSE_JL_ENTRY),
    RS(k, DSE_COL_I64, DSE_M_INFO, DSE_J_NUMBER, "k", DSE_JL_ENTRY),
    RS(products, DSE_COL_I64, DSE_M_INFO, DSE_J_NUMBER, "pr", DSE_JL_ENTRY),
};

/* /spectra (besides its ragged `offset` and `values`, written by store_hdf5.c;
 * journaled as the record's binary payload). */
#define SP(field, ctype, merge)                                                                    \
    COL(dse_store_spectrum_t, field, #field, ctype, DSE_H5_DATASET, merge, DSE_J_NONE, NULL,       \
        DSE_JL_RECORD)
static const dse_column_t spectrum_cols[] = {
    SP(checkpoint, DSE_COL_I64, DSE_M_KEY),
    SP(sigma, DSE_COL_F64, DSE_M_KEY),
    SP(length, DSE_COL_U64, DSE_M_INFO),
};

/* Attributes of /reference (its `labels` dataset is the journal payload).
 * Journal: "path", "nums": checksum n d knn n_clusters components ranks,
 * "seconds", "created". */
#define RF(field, ctype, h5, merge, j, jkey)                                                       \
    COL(dse_store_reference_t, field, #field, ctype, h5, merge, j, jkey, DSE_JL_RECORD)
static const dse_column_t reference_cols[] = {
    RF(path, DSE_COL_STR, DSE_H5_ATTR, DSE_M_INFO, DSE_J_STRING, "path"),
    RF(checksum, DSE_COL_U64, DSE_H5_ATTR_HEX, DSE_M_AGREE, DSE_J_NUMS, NULL),
    RF(n, DSE_COL_U64, DSE_H5_ATTR, DSE_M_AGREE, DSE_J_NUMS, NULL),
    RF(d, DSE_COL_U64, DSE_H5_ATTR, DSE_M_AGREE, DSE_J_NUMS, NULL),
    RF(knn, DSE_COL_I32, DSE_H5_ATTR, DSE_M_AGREE, DSE_J_NUMS, NULL),
    RF(n_clusters, DSE_COL_I32, DSE_H5_ATTR, DSE_M_AGREE, DSE_J_NUMS, NULL),
    RF(components, DSE_COL_U64, DSE_H5_ATTR, DSE_M_INFO, DSE_J_NUMS, NULL),
    RF(ranks, DSE_COL_I32, DSE_H5_ATTR, DSE_M_INFO, DSE_J_NUMS, NULL),
    RF(seconds, DSE_COL_F64, DSE_H5_ATTR, DSE_M_INFO, DSE_J_NUMBER, "seconds"),
    RF(created, DSE_COL_CHARS, DSE_H5_ATTR, DSE_M_INFO, DSE_J_STRING, "created"),
};

/* Attributes of the file (after `format` and `dsesweep_version`). */
#define FA(field, name, ctype, h5)                                                                 \
    COL(dse_store_t, field, name, ctype, h5, DSE_M_INFO, DSE_J_NONE, NULL, DSE_JL_RECORD)
static const dse_column_t file_cols[] = {
    FA(config_text, "config", DSE_COL_STR, DSE_H5_ATTR),
    FA(fingerprint, "config_fingerprint", DSE_COL_U64, DSE_H5_ATTR_HEX),
    FA(started, "started", DSE_COL_CHARS, DSE_H5_ATTR),
    FA(finished, "finished", DSE_COL_CHARS, DSE_H5_ATTR_WRITE),
    FA(labels_path, "labels_path", DSE_COL_STR, DSE_H5_ATTR),
    FA(labels_checksum, "labels_checksum", DSE_COL_U64, DSE_H5_ATTR_HEX),
};

#define TABLE(group, type, cols)                                                                   \
    {                                                                                              \
        group, sizeof(type), cols, sizeof cols / sizeof cols[0]                                    \
    }
const dse_table_desc_t dse_checkpoint_table =
    TABLE("checkpoints", dse_store_checkpoint_t, checkpoint_cols);
const dse_table_desc_t dse_result_table = TABLE("results", dse_store_result_t, result_cols);
const dse_table_desc_t dse_spectrum_table = TABLE("spectra", dse_store_spectrum_t, spectrum_cols);
const dse_table_desc_t dse_reference_table =
    TABLE("reference", dse_store_reference_t, reference_cols);
const dse_table_desc_t dse_file_table = TABLE("", dse_store_t, file_cols);

void *dse_col_ptr(const dse_column_t *c, const void *row)
{
    return (char *)row + c->offset;
}

const char *dse_col_str(const dse_column_t *c, const void *row)
{
    if (c->type == DSE_COL_CHARS) return (const char *)dse_col_ptr(c, row);
    const char *s = *(char **)dse_col_ptr(c, row);
    return s ? s : "";
}

int dse_col_set_str(const dse_column_t *c, void *row, const char *text, dse_err_t *err)
{
    if (c->type == DSE_COL_CHARS) {
        snprintf((char *)dse_col_ptr(c, row), c->size, "%s", text ? text : "");
        return DSE_OK;
    }
    char *copy = DSE_STRDUP(text, err);
    if (!copy) return DSE_ENOMEM;
    char **slot = dse_col_ptr(c, row);
    free(*slot);
    *slot = copy;
    return DSE_OK;
}

int dse_col_equal(const dse_column_t *c, const void *a, const void *b)
{
    if (c->type == DSE_COL_STR || c->type == DSE_COL_CHARS)
        return !strcmp(dse_col_str(c, a), dse_col_str(c, b));
    if (c->type == DSE_COL_F64) {
        double x = *(double *)dse_col_ptr(c, a), y = *(double *)dse_col_ptr(c, b);
        return x == y || (isnan(x) && isnan(y));
    }
    return !memcmp(dse_col_ptr(c, a), dse_col_ptr(c, b), c->size);
}

void dse_row_free(const dse_table_desc_t *t, void *row)
{
    for (size_t i = 0; i < t->n_cols; ++i)
        if (t->cols[i].type == DSE_COL_STR) {
            char **slot = dse_col_ptr(&t->cols[i], row);
            free(*slot);
            *slot = NULL;
        }
}

int dse_row_copy(const dse_table_desc_t *t, void *dst, const void *src, dse_err_t *err)
{
    memcpy(dst, src, t->row_size);
    for (size_t i = 0; i < t->n_cols; ++i)
        if (t->cols[i].type == DSE_COL_STR) *(char **)dse_col_ptr(&t->cols[i], dst) = NULL;
    for (size_t i = 0; i < t->n_cols; ++i)
        if (t->cols[i].type == DSE_COL_STR &&
            dse_col_set_str(&t->cols[i], dst, dse_col_str(&t->cols[i], src), err) != DSE_OK) {
            dse_row_free(t, dst);
            return DSE_ENOMEM;
        }
    return DSE_OK;
}

int dse_row_agree(const dse_table_desc_t *t, const void *a, const void *b)
{
    for (size_t i = 0; i < t->n_cols; ++i)
        if (t->cols[i].merge == DSE_M_AGREE && !dse_col_equal(&t->cols[i], a, b)) return 0;
    return 1;
}

size_t dse_row_key(const dse_table_desc_t *t, const void *row, unsigned char *buf, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < t->n_cols; ++i) {
        const dse_column_t *c = &t->cols[i];
        if (c->merge != DSE_M_KEY) continue;
        const void *p = dse_col_ptr(c, row);
        size_t n = c->size;
        double zeroed;
        if (c->type == DSE_COL_STR || c->type == DSE_COL_CHARS) {
            p = dse_col_str(c, row);
            n = strlen(p) + 1;
        } else if (c->type == DSE_COL_F64) {
            zeroed = *(const double *)p + 0.0; /* -0 and +0 are the same key */
            p = &zeroed;
        }
        if (len + n > cap) return 0;
        memcpy(buf + len, p, n);
        len += n;
    }
    return len;
}

/* Text of an integer column for "nums". */
static void int_text(const dse_column_t *c, const void *row, char *buf, size_t cap)
{
    const void *p = dse_col_ptr(c, row);
    if (c->type == DSE_COL_I32)
        snprintf(buf, cap, "%d", (int)*(const int32_t *)p);
    else if (c->type == DSE_COL_I64)
        snprintf(buf, cap, "%lld", (long long)*(const int64_t *)p);
    else
        snprintf(buf, cap, "%llu", (unsigned long long)*(const uint64_t *)p);
}

static double num_value(const dse_column_t *c, const void *row)
{
    const void *p = dse_col_ptr(c, row);
    switch (c->type) {
    case DSE_COL_I32:
        return *(const int32_t *)p;
    case DSE_COL_I64:
        return (double)*(const int64_t *)p;
    case DSE_COL_U64:
        return (double)*(const uint64_t *)p;
    default:
        return *(const double *)p;
    }
}

static void set_num(const dse_column_t *c, void *row, double v)
{
    void *p = dse_col_ptr(c, row);
    switch (c->type) {
    case DSE_COL_I32:
        *(int32_t *)p = (int32_t)v;
        break;
    case DSE_COL_I64:
        *(int64_t *)p = (int64_t)v;
        break;
    case DSE_COL_U64:
        *(uint64_t *)p = (uint64_t)v;
        break;
    default:
        *(double *)p = v;
    }
}

int dse_row_to_json(const dse_table_desc_t *t, dse_j_level_t level, const void *row, cJSON *o,
                    dse_err_t *err)
{
    char nums[512] = "";
    int nums_at = 0;
    for (size_t i = 0; i < t->n_cols; ++i) {
        const dse_column_t *c = &t->cols[i];
        if (c->journal == DSE_J_NONE || c->jlevel != level) continue;
        cJSON *added = (cJSON *)1;
        char text[64];
        switch (c->journal) {
        case DSE_J_STRING:
            added = cJSON_AddStringToObject(o, c->jkey, dse_col_str(c, row));
            break;
        case DSE_J_NUMBER:
            added = cJSON_AddNumberToObject(o, c->jkey, num_value(c, row));
            break;
        case DSE_J_HEX:
            /* Exact text of the double: JSON numbers would round-trip too, but NaN cannot. */
            snprintf(text, sizeof text, "%a", *(const double *)dse_col_ptr(c, row));
            added = cJSON_AddStringToObject(o, c->jkey, text);
            break;
        default: /* DSE_J_NUMS: one string, placed where its first column is */
            int_text(c, row, text, sizeof text);
            if (nums[0]) strcat(nums, " ");
            strcat(nums, text);
            if (!nums_at) added = cJSON_AddStringToObject(o, "nums", "");
            nums_at = 1;
        }
        if (!added) return DSE_RAISE(err, DSE_ENOMEM, "cannot encode a journal record");
    }
    if (nums_at) {
        cJSON *v = cJSON_CreateString(nums);
        if (!v || !cJSON_ReplaceItemInObjectCaseSensitive(o, "nums", v)) {
            cJSON_Delete(v);
            return DSE_RAISE(err, DSE_ENOMEM, "cannot encode a journal record");
        }
    }
    return DSE_OK;
}

static const char *json_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double json_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

/* Parses the next integer of "nums" at *p into column c of row. */
static int parse_int(const dse_column_t *c, void *row, const char **p)
{
    char *end;
    void *dst = dse_col_ptr(c, row);
    if (c->type == DSE_COL_U64) {
        unsigned long long v = strtoull(*p, &end, 10);
        *(uint64_t *)dst = v;
    } else {
        long long v = strtoll(*p, &end, 10);
        if (c->type == DSE_COL_I32)
            *(int32_t *)dst = (int32_t)v;
        else
            *(int64_t *)dst = v;
    }
    if (end == *p) return 0;
    *p = end;
    return 1;
}

int dse_row_from_json(const dse_table_desc_t *t, dse_j_level_t level, const cJSON *o, void *row,
                      dse_err_t *err)
{
    const char *nums = json_str(o, "nums");
    int ok = 1;
    for (size_t i = 0; i < t->n_cols; ++i) {
        const dse_column_t *c = &t->cols[i];
        if (c->journal == DSE_J_NONE || c->jlevel != level) continue;
        switch (c->journal) {
        case DSE_J_STRING:
            DSE_TRY(dse_col_set_str(c, row, json_str(o, c->jkey), err));
            break;
        case DSE_J_NUMBER:
            set_num(c, row, json_num(o, c->jkey));
            break;
        case DSE_J_HEX:
            set_num(c, row, strtod(json_str(o, c->jkey), NULL));
            break;
        default:
            ok = ok && parse_int(c, row, &nums);
        }
    }
    return ok ? DSE_OK : DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
}

double dse_table_bytes(const dse_table_desc_t *t, const void *rows, size_t n)
{
    double b = 0;
    for (size_t i = 0; i < t->n_cols; ++i) {
        const dse_column_t *c = &t->cols[i];
        size_t width = c->size;
        if (c->type == DSE_COL_STR) {
            width = 1;
            for (size_t r = 0; r < n; ++r) {
                size_t w = strlen(dse_col_str(c, (const char *)rows + r * t->row_size)) + 1;
                if (w > width) width = w;
            }
        }
        b += (double)n * (double)width;
    }
    return b;
}
