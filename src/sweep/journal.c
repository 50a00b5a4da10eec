/* journal.c — STORE.journal: one framed, checksummed record per finished
 * task (or per new reference clustering, or per new labels file).
 *
 * Frame (written): "DSEK" | u32 json bytes | u32 payload doubles | u64 FNV-1a
 * of JSON + payload | u32 FNV-1a of the 20 header bytes before it | JSON |
 * doubles. Frames of the previous format ("DSEJ", the same without the
 * header check) still replay. The JSON is made from the store's column table
 * (store_columns.c).
 *
 * Replay resynchronises: where a frame does not hold (bad magic, header
 * check, length or checksum, or JSON that makes no sense), it searches for
 * the next magic and goes on from there, so damage in the middle loses only
 * the damaged bytes; every intact frame after them is applied. Damage after
 * the last intact frame is a torn write (a kill inside an append): the
 * writer cuts it off. */
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

#define FRAME_MAGIC "DSEK"    /* this format: a header check follows the header */
#define FRAME_MAGIC_V1 "DSEJ" /* the previous format: no header check */
#define FRAME_HEAD 24
#define FRAME_HEAD_V1 20

void dse_journal_path(const char *store_path, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s.journal", store_path);
}

int dse_journal_empty(const char *path, dse_err_t *err)
{
    /* Removed rather than truncated: a clean finish leaves no empty file
     * (the next append creates it; a missing journal is an empty one). */
    if (unlink(path) != 0 && errno != ENOENT && truncate(path, 0) != 0)
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
    unsigned char head[FRAME_HEAD];
    memcpy(head, FRAME_MAGIC, 4);
    memcpy(head + 4, &jl, 4);
    memcpy(head + 8, &sl, 4);
    memcpy(head + 12, &sum, 8);
    uint32_t check = (uint32_t)dse_fnv1a(DSE_FNV_OFFSET, head, 20);
    memcpy(head + 20, &check, 4);
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

/* The JSON of a task record: the checkpoint's and the shared result columns,
 * then "entries": one object per (quantity, t, value). */
static int encode_task(const dse_task_record_t *rec, cJSON *o, dse_err_t *err)
{
    dse_store_result_t r;
    dse_store_record_row(rec, SIZE_MAX, &r);
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
        dse_store_record_row(rec, i, &r);
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

int dse_journal_append_labels(const char *path, const char *labels_path, uint64_t checksum,
                              dse_err_t *err)
{
    char hex[24];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)checksum);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "kind", "labels") ||
        !cJSON_AddStringToObject(o, "path", labels_path ? labels_path : "") ||
        !cJSON_AddStringToObject(o, "checksum", hex)) {
        cJSON_Delete(o);
        return DSE_RAISE(err, DSE_ENOMEM, "cannot encode a labels record");
    }
    return append_record(path, o, NULL, 0, err);
}

/* Applies a decoded labels record. */
static int apply_labels(dse_store_t *s, const cJSON *o, dse_err_t *err)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "path");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "checksum");
    if (!cJSON_IsString(p) || !cJSON_IsString(c))
        return DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    char *end;
    uint64_t sum = strtoull(c->valuestring, &end, 16);
    if (end == c->valuestring || *end) return DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    return dse_store_set_labels(s, p->valuestring, sum, NULL, err);
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
    dse_entry_extra_t *x = DSE_CALLOC(ne + 1, sizeof *x, err);
    int rc = q && t && v && rows && x ? DSE_OK : DSE_ENOMEM;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        if (rc != DSE_OK || i >= ne) break;
        rows[i] = *shared;
        rows[i].error = NULL;
        rc = dse_row_from_json(&dse_result_table, DSE_JL_ENTRY, e, &rows[i], err);
        if (rc == DSE_OK && !cJSON_GetObjectItemCaseSensitive(e, "status")) {
            /* A journal before issue 24: the task's status, once per record. */
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
            const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "error");
            rows[i].status = cJSON_IsNumber(st) ? (int32_t)st->valuedouble : 0;
            free(rows[i].error);
            rows[i].error = DSE_STRDUP(cJSON_IsString(msg) ? msg->valuestring : "", err);
            if (!rows[i].error) rc = err->code;
        }
        q[i] = rows[i].quantity;
        t[i] = rows[i].t;
        v[i] = rows[i].value;
        x[i] = dse_store_result_extra(&rows[i]);
        i++;
    }
    rec->n_entries = ne;
    rec->quantities = q;
    rec->t = t;
    rec->values = v;
    rec->extra = x;
    if (rc == DSE_OK) rc = dse_store_apply(s, rec, err);
    for (size_t k = 0; k < i; ++k)
        free(rows[k].error);
    free(x);
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
                                 .attempts = shared.attempts,
                                 .failed_before = shared.failed_before,
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
                      int *is_task, dse_err_t *err)
{
    cJSON *o = cJSON_Parse(json);
    if (!o) return DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
    const char *k = cJSON_IsString(kind) ? kind->valuestring : "";
    *is_task = strcmp(k, "reference") && strcmp(k, "labels");
    int rc = !strcmp(k, "reference") ? apply_reference(s, o, payload, sl, err)
             : !strcmp(k, "labels")  ? apply_labels(s, o, err)
                                     : apply_task(s, o, payload, sl, err);
    cJSON_Delete(o);
    return rc;
}

/* Reads the frame header at the stream's position: 1 with the lengths and
 * checksum when the magic (and, for this format, the header check) holds
 * and the lengths fit in the `size` bytes of the stream. */
static int read_head(FILE *f, long size, uint32_t *jl, uint32_t *sl, uint64_t *sum)
{
    unsigned char head[FRAME_HEAD];
    if (fread(head, 1, FRAME_HEAD_V1, f) != FRAME_HEAD_V1) return 0;
    int v1 = !memcmp(head, FRAME_MAGIC_V1, 4);
    if (!v1 && memcmp(head, FRAME_MAGIC, 4)) return 0;
    if (!v1) {
        uint32_t check;
        if (fread(head + 20, 1, 4, f) != 4) return 0;
        memcpy(&check, head + 20, 4);
        if (check != (uint32_t)dse_fnv1a(DSE_FNV_OFFSET, head, 20)) return 0;
    }
    memcpy(jl, head + 4, 4);
    memcpy(sl, head + 8, 4);
    memcpy(sum, head + 12, 8);
    /* Lengths come from the file: check them against the bytes that are
     * really there before allocating anything. */
    long here = ftell(f);
    return here >= 0 && (uint64_t)*jl + (uint64_t)*sl * sizeof(double) <= (uint64_t)(size - here);
}

/* Reads and applies the frame at the stream's position. 1: applied; 0: no
 * intact frame here (torn, damaged, or the end). *rc receives an error that
 * must stop the replay (out of memory); a frame whose JSON makes no sense is
 * damage (0), not an error. */
static int replay_one(FILE *f, long size, dse_store_t *s, int *rc, int *is_task, dse_err_t *err)
{
    uint32_t jl, sl;
    uint64_t sum;
    if (!read_head(f, size, &jl, &sl, &sum)) return 0;
    char *json = DSE_MALLOC((size_t)jl + 1, 1, err);
    double *spec = DSE_MALLOC((size_t)sl, sizeof(double), err);
    if (!json || !spec) *rc = DSE_ENOMEM;
    int whole =
        json && spec && fread(json, 1, jl, f) == jl && fread(spec, sizeof(double), sl, f) == sl;
    if (whole) {
        json[jl] = '\0';
        whole = dse_fnv1a(dse_fnv1a(DSE_FNV_OFFSET, json, jl), spec, (size_t)sl * sizeof(double)) ==
                sum;
    }
    int applied = 0;
    if (whole) {
        int arc = apply_json(s, json, spec, sl, is_task, err);
        applied = arc == DSE_OK;
        if (arc != DSE_OK && arc != DSE_EFORMAT) *rc = arc;
    }
    free(json);
    free(spec);
    return applied;
}

/* The offset of the next frame magic (either format) at or after `from`, or
 * `size` when there is none. */
static long find_magic(FILE *f, long from, long size)
{
    unsigned char buf[65536 + 3];
    for (long pos = from; pos < size;) {
        if (fseek(f, pos, SEEK_SET) != 0) return size;
        size_t got = fread(buf, 1, sizeof buf, f);
        if (got < 4) return size;
        for (size_t i = 0; i + 4 <= got; ++i)
            if (buf[i] == 'D' && buf[i + 1] == 'S' && buf[i + 2] == 'E' &&
                (buf[i + 3] == 'K' || buf[i + 3] == 'J'))
                return pos + (long)i;
        pos += (long)got - 3;
    }
    return size;
}

int dse_journal_replay_stream(FILE *f, long size, dse_store_t *s, size_t *replayed, long *good,
                              dse_err_t *err)
{
    dse_journal_damage_t d;
    return dse_journal_replay_damaged(f, size, s, replayed, good, &d, err);
}

int dse_journal_replay_damaged(FILE *f, long size, dse_store_t *s, size_t *replayed, long *good,
                               dse_journal_damage_t *d, dse_err_t *err)
{
    size_t applied = 0;
    memset(d, 0, sizeof *d);
    *good = 0;
    int rc = DSE_OK;
    long pos = 0, bad_from = -1; /* start of the damage not yet followed by a frame */
    size_t bad_frames = 0;
    while (rc == DSE_OK && pos < size) {
        if (fseek(f, pos, SEEK_SET) != 0) break;
        int is_task = 0;
        if (replay_one(f, size, s, &rc, &is_task, err)) {
            d->tasks += (size_t)is_task;
            if (bad_from >= 0) { /* damage with intact frames after it: skipped */
                d->bytes += pos - bad_from;
                d->places++;
                d->frames += bad_frames;
                d->kept_after = 0;
            }
            bad_from = -1;
            bad_frames = 0;
            pos = ftell(f);
            *good = pos;
            applied++;
            d->kept_after++;
            continue;
        }
        if (rc != DSE_OK) break;
        if (bad_from < 0) bad_from = pos;
        unsigned char m[4];
        if (fseek(f, pos, SEEK_SET) == 0 && fread(m, 1, 4, f) == 4 &&
            (!memcmp(m, FRAME_MAGIC, 4) || !memcmp(m, FRAME_MAGIC_V1, 4)))
            bad_frames++; /* a frame began here but does not hold */
        pos = find_magic(f, pos + 1, size);
    }
    if (!d->places) d->kept_after = 0;
    if (replayed) *replayed = applied;
    return rc;
}

int dse_journal_replay(const char *path, dse_store_t *s, size_t *replayed, int cut_torn,
                       dse_err_t *err)
{
    dse_journal_damage_t d;
    return dse_journal_replay_report(path, s, replayed, cut_torn, &d, err);
}

int dse_journal_replay_report(const char *path, dse_store_t *s, size_t *replayed, int cut_torn,
                              dse_journal_damage_t *report, dse_err_t *err)
{
    memset(report, 0, sizeof *report);
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
    int rc = dse_journal_replay_damaged(f, end, s, replayed, &good, report, err);
    fclose(f);
    dse_journal_damage_t d = *report;
    if (rc == DSE_OK && d.places)
        fprintf(stderr,
                "dsesweep: warning: %s: skipped %ld damaged byte(s) in %zu place(s) (%zu record "
                "frame(s) began there and could not be read); the %zu intact record(s) after "
                "them were kept\n",
                path, d.bytes, d.places, d.frames, d.kept_after);
    /* Cut a torn tail so the next append starts on a record boundary. */
    if (rc == DSE_OK && cut_torn && end > good && truncate(path, good) != 0)
        rc = DSE_RAISE(err, DSE_EIO, "%s: cannot cut a torn record: %s", path, strerror(errno));
    return rc;
}
