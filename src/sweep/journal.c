/* journal.c — STORE.journal: one framed, checksummed record per finished
 * task (or per new reference clustering).
 *
 * Record: "DSEJ" | u32 json bytes | u32 payload doubles | u64 FNV-1a of the
 * payload | JSON | doubles. The JSON is made from the store's column table
 * (store_columns.c). A record whose header, length or checksum does not hold
 * is where the journal ends (a write the kill interrupted). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsesweep/hooks.h"
#include "dsesweep/hash.h"
#include "store_internal.h"

void dse_journal_path(const char *store_path, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s.journal", store_path);
}

int dse_journal_empty(const char *path, dse_err_t *err)
{
    if (truncate(path, 0) != 0 && errno != ENOENT)
        return DSE_RAISE(err, DSE_EIO, "%s: cannot empty the journal", path);
    return DSE_OK;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Writes one framed record to the journal at path and fsyncs it. */
static int write_record(const char *path, const char *json, const double *payload, uint32_t sl,
                        dse_err_t *err)
{
    uint32_t jl = (uint32_t)strlen(json);
    uint64_t sum = dse_fnv1a(dse_fnv1a(DSE_FNV_OFFSET, json, jl), payload, sl * sizeof(double));
    unsigned char head[20];
    memcpy(head, "DSEJ", 4);
    memcpy(head + 4, &jl, 4);
    memcpy(head + 8, &sl, 4);
    memcpy(head + 12, &sum, 8);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return DSE_RAISE(err, DSE_EIO, "%s: cannot open the journal: %s", path, strerror(errno));
    int rc = DSE_OK;
    int torn = write_all(fd, head, sizeof head);
    dse_hook_slow_io(); /* a kill here leaves a torn record */
    if (torn || write_all(fd, json, jl) || (sl && write_all(fd, payload, sl * sizeof(double))) ||
        fsync(fd) != 0)
        rc = DSE_RAISE(err, DSE_EIO, "%s: journal write failed: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == DSE_OK)
        rc = DSE_RAISE(err, DSE_EIO, "%s: journal close failed: %s", path, strerror(errno));
    return rc;
}

/* Appends the JSON object o (consumed) and `count` doubles as one record. */
static int append_record(const char *path, cJSON *o, const double *payload, size_t count,
                         dse_err_t *err)
{
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json) return DSE_RAISE(err, DSE_ENOMEM, "cannot encode a journal record");
    int rc = count > UINT32_MAX
                 ? DSE_RAISE(err, DSE_EVALUE, "%s: a journal record of %zu values is too long",
                             path, count)
                 : write_record(path, json, payload, (uint32_t)count, err);
    free(json);
    return rc;
}

/* The result row every entry of rec shares (strings borrowed). */
static dse_store_result_t record_row(const dse_task_record_t *rec)
{
    dse_store_result_t r = {.sigma = rec->sigma,
                            .status = rec->status,
                            .error = (char *)(rec->error ? rec->error : ""),
                            .seconds = rec->seconds,
                            .ranks = rec->ranks,
                            .threads = rec->threads};
    snprintf(r.family, sizeof r.family, "%s", rec->family);
    snprintf(r.driver, sizeof r.driver, "%s", rec->driver ? rec->driver : "");
    return r;
}

/* The JSON of a task record: the checkpoint's and the shared result columns,
 * then "entries": one object per (quantity, t, value). */
static int encode_task(const dse_task_record_t *rec, cJSON *o, dse_err_t *err)
{
    dse_store_result_t r = record_row(rec);
    DSE_TRY(dse_row_to_json(&dse_checkpoint_table, DSE_JL_RECORD, &rec->checkpoint, o, err));
    DSE_TRY(dse_row_to_json(&dse_result_table, DSE_JL_RECORD, &r, o, err));
    cJSON *entries = cJSON_AddArrayToObject(o, "entries");
    if (!entries) return DSE_RAISE(err, DSE_ENOMEM, "cannot encode a journal record");
    for (size_t i = 0; i < rec->n_entries; ++i) {
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(entries, e)) {
            cJSON_Delete(e);
            return DSE_RAISE(err, DSE_ENOMEM, "cannot encode a journal record");
        }
        snprintf(r.quantity, sizeof r.quantity, "%s", rec->quantities[i]);
        r.t = rec->t[i];
        r.value = rec->status == 0 ? rec->values[i] : NAN;
        DSE_TRY(dse_row_to_json(&dse_result_table, DSE_JL_ENTRY, &r, e, err));
    }
    return DSE_OK;
}

int dse_journal_append(const char *path, const dse_task_record_t *rec, dse_err_t *err)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return DSE_RAISE(err, DSE_ENOMEM, "cannot encode a journal record");
    int rc = encode_task(rec, o, err);
    if (rc != DSE_OK) {
        cJSON_Delete(o);
        return rc;
    }
    return append_record(path, o, rec->spectrum, rec->spectrum_length, err);
}

int dse_journal_append_reference(const char *path, const dse_store_reference_t *ref, dse_err_t *err)
{
    double *labels = DSE_MALLOC((size_t)ref->n, sizeof *labels, err);
    cJSON *o = cJSON_CreateObject();
    int rc = labels && o && cJSON_AddStringToObject(o, "kind", "reference")
                 ? dse_row_to_json(&dse_reference_table, DSE_JL_RECORD, ref, o, err)
                 : DSE_RAISE(err, DSE_ENOMEM, "cannot encode the reference clustering");
    for (uint64_t i = 0; rc == DSE_OK && i < ref->n; ++i)
        labels[i] = ref->labels[i];
    if (rc == DSE_OK) {
        rc = append_record(path, o, labels, (size_t)ref->n, err);
        o = NULL;
    }
    cJSON_Delete(o);
    free(labels);
    return rc;
}

/* Applies a decoded reference-clustering record (labels as doubles). */
static int apply_reference(dse_store_t *s, const cJSON *o, const double *labels, uint32_t count,
                           dse_err_t *err)
{
    dse_store_reference_t ref;
    memset(&ref, 0, sizeof ref);
    int rc = dse_row_from_json(&dse_reference_table, DSE_JL_RECORD, o, &ref, err);
    if (rc == DSE_OK && (ref.n != count || ref.n_clusters < 1))
        rc = DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    if (rc == DSE_OK) {
        ref.labels = DSE_MALLOC((size_t)ref.n, sizeof *ref.labels, err);
        if (!ref.labels) rc = DSE_RAISE(err, DSE_ENOMEM, "cannot replay the reference clustering");
    }
    for (size_t i = 0; rc == DSE_OK && i < ref.n; ++i) {
        /* Checked before the conversion: the doubles come from a file. */
        if (!(labels[i] >= 0 && labels[i] < ref.n_clusters && labels[i] == floor(labels[i])))
            rc = DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
        else
            ref.labels[i] = (int32_t)labels[i];
    }
    if (rc == DSE_OK) rc = dse_store_set_reference(s, &ref, NULL, err);
    dse_store_reference_free(&ref);
    return rc;
}

/* Decodes the "entries" of a task record into rec's three arrays (owned by
 * the caller, freed with free) and applies it. */
static int apply_entries(dse_store_t *s, const cJSON *o, dse_task_record_t *rec,
                         dse_store_result_t *shared, dse_err_t *err)
{
    const cJSON *entries = cJSON_GetObjectItem(o, "entries");
    size_t ne = (size_t)cJSON_GetArraySize(entries);
    const char **q = DSE_CALLOC(ne + 1, sizeof *q, err);
    double *t = DSE_CALLOC(ne + 1, sizeof *t, err), *v = DSE_CALLOC(ne + 1, sizeof *v, err);
    dse_store_result_t *rows = DSE_CALLOC(ne + 1, sizeof *rows, err);
    int rc = q && t && v && rows ? DSE_OK : DSE_ENOMEM;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        if (rc != DSE_OK || i >= ne) break;
        rows[i] = *shared;
        rows[i].error = NULL;
        rc = dse_row_from_json(&dse_result_table, DSE_JL_ENTRY, e, &rows[i], err);
        q[i] = rows[i].quantity;
        t[i] = rows[i].t;
        v[i] = rows[i].value;
        i++;
    }
    rec->n_entries = ne;
    rec->quantities = q;
    rec->t = t;
    rec->values = v;
    if (rc == DSE_OK) rc = dse_store_apply(s, rec, err);
    free(q);
    free(t);
    free(v);
    free(rows);
    return rc;
}

/* Applies one decoded task record. */
static int apply_task(dse_store_t *s, const cJSON *o, const double *spectrum, uint32_t sl,
                      dse_err_t *err)
{
    dse_store_checkpoint_t c;
    dse_store_result_t shared;
    memset(&c, 0, sizeof c);
    memset(&shared, 0, sizeof shared);
    int rc = dse_row_from_json(&dse_checkpoint_table, DSE_JL_RECORD, o, &c, err);
    if (rc == DSE_OK) rc = dse_row_from_json(&dse_result_table, DSE_JL_RECORD, o, &shared, err);
    if (rc == DSE_OK) {
        dse_task_record_t rec = {.checkpoint = c,
                                 .family = shared.family,
                                 .status = shared.status,
                                 .error = shared.error,
                                 .seconds = shared.seconds,
                                 .sigma = shared.sigma,
                                 .ranks = shared.ranks,
                                 .driver = shared.driver,
                                 .threads = shared.threads,
                                 .spectrum_length = sl,
                                 .spectrum = spectrum};
        rc = apply_entries(s, o, &rec, &shared, err);
    }
    dse_row_free(&dse_checkpoint_table, &c);
    dse_row_free(&dse_result_table, &shared);
    return rc;
}

/* Applies one record's JSON and payload. */
static int apply_json(dse_store_t *s, const char *json, const double *payload, uint32_t sl,
                      dse_err_t *err)
{
    cJSON *o = cJSON_Parse(json);
    if (!o) return DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
    int rc = cJSON_IsString(kind) && !strcmp(kind->valuestring, "reference")
                 ? apply_reference(s, o, payload, sl, err)
                 : apply_task(s, o, payload, sl, err);
    cJSON_Delete(o);
    return rc;
}

/* Reads and applies the record at the stream's position. 1: applied; 0: the
 * journal ends here (torn, corrupt or the end); an error code < 0 never. */
static int replay_one(FILE *f, long size, dse_store_t *s, int *rc, dse_err_t *err)
{
    unsigned char head[20];
    if (fread(head, 1, sizeof head, f) != sizeof head || memcmp(head, "DSEJ", 4)) return 0;
    uint32_t jl, sl;
    uint64_t sum;
    memcpy(&jl, head + 4, 4);
    memcpy(&sl, head + 8, 4);
    memcpy(&sum, head + 12, 8);
    /* Lengths come from the file: check them against the bytes that are
     * really there before allocating anything. */
    long here = ftell(f);
    if (here < 0 || (uint64_t)jl + (uint64_t)sl * sizeof(double) > (uint64_t)(size - here))
        return 0;
    char *json = DSE_MALLOC((size_t)jl + 1, 1, err);
    double *spec = DSE_MALLOC((size_t)sl, sizeof(double), err);
    int whole =
        json && spec && fread(json, 1, jl, f) == jl && fread(spec, sizeof(double), sl, f) == sl;
    if (whole) {
        json[jl] = '\0';
        whole = dse_fnv1a(dse_fnv1a(DSE_FNV_OFFSET, json, jl), spec, (size_t)sl * sizeof(double)) ==
                sum;
    }
    if (whole) *rc = apply_json(s, json, spec, sl, err);
    free(json);
    free(spec);
    return whole && *rc == DSE_OK;
}

int dse_journal_replay_stream(FILE *f, long size, dse_store_t *s, size_t *replayed, long *good,
                              dse_err_t *err)
{
    if (replayed) *replayed = 0;
    *good = 0;
    int rc = DSE_OK;
    while (replay_one(f, size, s, &rc, err)) {
        *good = ftell(f);
        if (replayed) (*replayed)++;
    }
    /* A record that is intact but does not make sense is a torn write too. */
    if (rc == DSE_EFORMAT) rc = DSE_OK;
    return rc;
}

int dse_journal_replay(const char *path, dse_store_t *s, size_t *replayed, int cut_torn,
                       dse_err_t *err)
{
    if (replayed) *replayed = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT
                   ? DSE_OK
                   : DSE_RAISE(err, DSE_EIO, "%s: cannot open: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long end = ftell(f);
    fseek(f, 0, SEEK_SET);
    long good = 0;
    int rc = dse_journal_replay_stream(f, end, s, replayed, &good, err);
    fclose(f);
    /* Cut a torn tail so the next append starts on a record boundary. */
    if (rc == DSE_OK && cut_torn && end > good && truncate(path, good) != 0)
        rc = DSE_RAISE(err, DSE_EIO, "%s: cannot cut a torn record: %s", path, strerror(errno));
    return rc;
}
