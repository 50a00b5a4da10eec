/* store.c — the in-memory result tables and their journal. */
#include "dsesweep/store.h"

#include "dsesweep/hash.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void dse_store_timestamp(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void free_checkpoint(dse_store_checkpoint_t *c)
{
    free(c->path);
    free(c->run);
}

void dse_store_free(dse_store_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n_checkpoints; ++i)
        free_checkpoint(&s->checkpoints[i]);
    for (size_t i = 0; i < s->n_results; ++i)
        free(s->results[i].error);
    for (size_t i = 0; i < s->n_spectra; ++i)
        free(s->spectra[i].values);
    free(s->checkpoints);
    free(s->results);
    free(s->spectra);
    free(s->config_text);
    dse_store_reference_free(&s->reference);
    memset(s, 0, sizeof *s);
}

void dse_store_reference_free(dse_store_reference_t *ref)
{
    if (!ref) return;
    free(ref->path);
    free(ref->labels);
    memset(ref, 0, sizeof *ref);
}

int dse_store_reference_equal(const dse_store_reference_t *a, const dse_store_reference_t *b)
{
    if (!a->path || !b->path) return !a->path && !b->path;
    return a->checksum == b->checksum && a->n == b->n && a->d == b->d && a->knn == b->knn &&
           a->n_clusters == b->n_clusters &&
           (a->n == 0 || !memcmp(a->labels, b->labels, (size_t)a->n * sizeof *a->labels));
}

int dse_store_set_reference(dse_store_t *s, const dse_store_reference_t *ref, size_t *dropped,
                            dse_err_t *err)
{
    if (dropped) *dropped = 0;
    dse_store_reference_t copy = *ref;
    copy.path = strdup(ref->path ? ref->path : "");
    copy.labels = malloc((size_t)ref->n * sizeof *copy.labels + 1);
    if (!copy.path || !copy.labels) {
        free(copy.path);
        free(copy.labels);
        return DSE_RAISE(err, DSE_ENOMEM, "cannot store the reference clustering");
    }
    memcpy(copy.labels, ref->labels, (size_t)ref->n * sizeof *copy.labels);
    if (s->reference.path && !dse_store_reference_equal(&s->reference, ref)) {
        /* The old clustering's results describe other categories: drop them. */
        size_t w = 0;
        for (size_t i = 0; i < s->n_results; ++i) {
            dse_store_result_t *r = &s->results[i];
            if (!strcmp(r->family, DSE_STORE_FAMILY_MI_X)) {
                free(r->error);
                if (dropped) (*dropped)++;
            } else {
                s->results[w++] = *r;
            }
        }
        s->n_results = w;
    }
    dse_store_reference_free(&s->reference);
    s->reference = copy;
    return DSE_OK;
}

int64_t dse_store_find_checkpoint(const dse_store_t *s, const char *path)
{
    for (size_t i = 0; i < s->n_checkpoints; ++i)
        if (!strcmp(s->checkpoints[i].path, path)) return (int64_t)i;
    return -1;
}

/* Doubles the capacity of the table whose row pointer is at rows_ptr. */
static int grow_table(void *rows_ptr, size_t *cap, size_t elem, dse_err_t *err)
{
    void *rows;
    memcpy(&rows, rows_ptr, sizeof rows);
    size_t c = *cap ? 2 * *cap : 64;
    void *grown = realloc(rows, c * elem);
    if (!grown) return DSE_RAISE(err, DSE_ENOMEM, "cannot grow a store table");
    memcpy(rows_ptr, &grown, sizeof grown);
    *cap = c;
    return DSE_OK;
}

/* Room for one more row in table arr (n rows, capacity cap): DSE_OK or DSE_ENOMEM. */
#define GROW(arr, n, cap, err)                                                                     \
    ((n) < (cap) ? DSE_OK : grow_table(&(arr), &(cap), sizeof *(arr), (err)))

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
        char *none = strdup("");
        int rc = none ? GROW(s->results, s->n_results, s->cap_results, err)
                      : DSE_RAISE(err, DSE_ENOMEM, "cannot add a result");
        if (rc != DSE_OK) {
            free(none);
            return rc;
        }
        row = &s->results[s->n_results++];
        memset(row, 0, sizeof *row);
        row->checkpoint = checkpoint;
        snprintf(row->quantity, sizeof row->quantity, "%s", quantity);
        snprintf(row->family, sizeof row->family, "%s", family);
        row->t = t;
        row->sigma = sigma;
        row->error = none;
        row->ranks = 1;
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
    for (size_t i = 0; i < s->n_results; ++i)
        if (s->results[i].checkpoint == k && !strcmp(s->results[i].family, family)) return 1;
    return 0;
}

/* Drops rows of checkpoint k: results of `family` (NULL: all) and, when
 * family is NULL or "spectral", its spectra. */
static void drop_rows(dse_store_t *s, int64_t k, const char *family)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n_results; ++i) {
        dse_store_result_t *r = &s->results[i];
        if (r->checkpoint == k && (!family || !strcmp(r->family, family)))
            free(r->error);
        else
            s->results[w++] = *r;
    }
    s->n_results = w;
    if (family && strcmp(family, "spectral")) return;
    w = 0;
    for (size_t i = 0; i < s->n_spectra; ++i) {
        if (s->spectra[i].checkpoint == k)
            free(s->spectra[i].values);
        else
            s->spectra[w++] = s->spectra[i];
    }
    s->n_spectra = w;
}

int dse_store_apply(dse_store_t *s, const dse_task_record_t *rec, dse_err_t *err)
{
    const dse_store_checkpoint_t *c = &rec->checkpoint;
    int64_t k = dse_store_find_checkpoint(s, c->path);
    if (k < 0) {
        DSE_TRY(GROW(s->checkpoints, s->n_checkpoints, s->cap_checkpoints, err));
        k = (int64_t)s->n_checkpoints++;
        dse_store_checkpoint_t *row = &s->checkpoints[k];
        *row = *c;
        row->path = strdup(c->path);
        row->run = strdup(c->run ? c->run : "");
    } else {
        dse_store_checkpoint_t *row = &s->checkpoints[k];
        if (row->checksum != c->checksum) drop_rows(s, k, NULL); /* the file changed */
        char *path = row->path, *run = row->run;
        *row = *c;
        row->path = path;
        free(run);
        row->run = strdup(c->run ? c->run : "");
    }
    drop_rows(s, k, rec->family);
    for (size_t i = 0; i < rec->n_entries; ++i) {
        DSE_TRY(GROW(s->results, s->n_results, s->cap_results, err));
        dse_store_result_t *r = &s->results[s->n_results++];
        memset(r, 0, sizeof *r);
        r->checkpoint = k;
        snprintf(r->quantity, sizeof r->quantity, "%s", rec->quantities[i]);
        snprintf(r->family, sizeof r->family, "%s", rec->family);
        r->t = rec->t[i];
        r->sigma = rec->sigma;
        r->value = rec->status == 0 ? rec->values[i] : NAN;
        r->status = rec->status;
        r->error = strdup(rec->error ? rec->error : "");
        r->seconds = rec->seconds;
        r->ranks = rec->ranks;
    }
    if (rec->spectrum_length) {
        DSE_TRY(GROW(s->spectra, s->n_spectra, s->cap_spectra, err));
        dse_store_spectrum_t *sp = &s->spectra[s->n_spectra];
        sp->values = malloc(rec->spectrum_length * sizeof *sp->values);
        if (!sp->values) return DSE_RAISE(err, DSE_ENOMEM, "cannot store a spectrum");
        memcpy(sp->values, rec->spectrum, rec->spectrum_length * sizeof *sp->values);
        sp->checkpoint = k;
        sp->sigma = rec->sigma;
        sp->length = rec->spectrum_length;
        s->n_spectra++;
    }
    return DSE_OK;
}

/* ---- the journal ----------------------------------------------------------
 * Record: "DSEJ" | u32 json bytes | u32 spectrum doubles | u64 FNV-1a of the
 * payload | JSON | doubles. A record whose header, length or checksum does
 * not hold is where the journal ends (a write the kill interrupted). */

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

/* Test hook (tests/test_kill.sh): DSE_TEST_SLOW_IO=SECONDS stretches the
 * journal append and the store write so that a kill can land inside them. */
void dse_test_slow_io(void)
{
    const char *v = getenv("DSE_TEST_SLOW_IO");
    if (!v || !*v) return;
    double s = atof(v);
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Appends one framed record (the JSON object o, consumed, and `count`
 * doubles) to the journal at path and fsyncs it. */
static int append_record(const char *path, cJSON *o, const double *payload, size_t count,
                         dse_err_t *err)
{
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json) return DSE_RAISE(err, DSE_ENOMEM, "cannot encode a journal record");
    if (count > UINT32_MAX) {
        free(json);
        return DSE_RAISE(err, DSE_EVALUE, "%s: a journal record of %zu values is too long", path,
                         count);
    }
    uint32_t jl = (uint32_t)strlen(json), sl = (uint32_t)count;
    uint64_t sum = dse_fnv1a(dse_fnv1a(DSE_FNV_OFFSET, json, jl), payload, sl * sizeof(double));
    unsigned char head[20];
    memcpy(head, "DSEJ", 4);
    memcpy(head + 4, &jl, 4);
    memcpy(head + 8, &sl, 4);
    memcpy(head + 12, &sum, 8);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int rc = DSE_OK;
    if (fd < 0) {
        rc = DSE_RAISE(err, DSE_EIO, "%s: cannot open the journal: %s", path, strerror(errno));
    } else {
        int torn = write_all(fd, head, sizeof head);
        dse_test_slow_io(); /* a kill here leaves a torn record */
        if (torn || write_all(fd, json, jl) ||
            (sl && write_all(fd, payload, sl * sizeof(double))) || fsync(fd) != 0)
            rc = DSE_RAISE(err, DSE_EIO, "%s: journal write failed: %s", path, strerror(errno));
        if (close(fd) != 0 && rc == DSE_OK)
            rc = DSE_RAISE(err, DSE_EIO, "%s: journal close failed: %s", path, strerror(errno));
    }
    free(json);
    return rc;
}

int dse_journal_append(const char *path, const dse_task_record_t *rec, dse_err_t *err)
{
    cJSON *o = cJSON_CreateObject();
    const dse_store_checkpoint_t *c = &rec->checkpoint;
    cJSON_AddStringToObject(o, "path", c->path);
    cJSON_AddStringToObject(o, "run", c->run ? c->run : "");
    char nums[256];
    snprintf(nums, sizeof nums, "%lld %llu %llu %llu %llu %lld %llu", (long long)c->step,
             (unsigned long long)c->n, (unsigned long long)c->d, (unsigned long long)c->n_used,
             (unsigned long long)c->file_size, (long long)c->mtime,
             (unsigned long long)c->checksum);
    cJSON_AddStringToObject(o, "nums", nums);
    cJSON_AddStringToObject(o, "family", rec->family);
    cJSON_AddNumberToObject(o, "status", rec->status);
    cJSON_AddStringToObject(o, "error", rec->error ? rec->error : "");
    cJSON_AddNumberToObject(o, "seconds", rec->seconds);
    cJSON_AddNumberToObject(o, "sigma", rec->sigma);
    cJSON_AddNumberToObject(o, "ranks", rec->ranks);
    cJSON *entries = cJSON_AddArrayToObject(o, "entries");
    for (size_t i = 0; i < rec->n_entries; ++i) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "q", rec->quantities[i]);
        cJSON_AddNumberToObject(e, "t", rec->t[i]);
        /* Exact text of the double: JSON numbers would round-trip too, but NaN cannot. */
        char v[40];
        snprintf(v, sizeof v, "%a", rec->status == 0 ? rec->values[i] : NAN);
        cJSON_AddStringToObject(e, "v", v);
        cJSON_AddItemToArray(entries, e);
    }
    return append_record(path, o, rec->spectrum, rec->spectrum_length, err);
}

int dse_journal_append_reference(const char *path, const dse_store_reference_t *ref, dse_err_t *err)
{
    double *labels = malloc((size_t)ref->n * sizeof *labels + 1);
    if (!labels) return DSE_RAISE(err, DSE_ENOMEM, "cannot encode the reference clustering");
    for (uint64_t i = 0; i < ref->n; ++i)
        labels[i] = ref->labels[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", "reference");
    cJSON_AddStringToObject(o, "path", ref->path);
    char nums[256];
    snprintf(nums, sizeof nums, "%llu %llu %llu %d %d %llu %d", (unsigned long long)ref->checksum,
             (unsigned long long)ref->n, (unsigned long long)ref->d, (int)ref->knn,
             (int)ref->n_clusters, (unsigned long long)ref->components, (int)ref->ranks);
    cJSON_AddStringToObject(o, "nums", nums);
    cJSON_AddNumberToObject(o, "seconds", ref->seconds);
    cJSON_AddStringToObject(o, "created", ref->created);
    int rc = append_record(path, o, labels, (size_t)ref->n, err);
    free(labels);
    return rc;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

/* Applies a decoded reference-clustering record (labels as doubles). */
static int apply_reference(dse_store_t *s, const cJSON *o, const double *labels, uint32_t count,
                           dse_err_t *err)
{
    dse_store_reference_t ref;
    memset(&ref, 0, sizeof ref);
    unsigned long long sum, n, d, comps;
    int knn, nc, ranks;
    if (sscanf(str_of(o, "nums"), "%llu %llu %llu %d %d %llu %d", &sum, &n, &d, &knn, &nc, &comps,
               &ranks) != 7 ||
        n != count)
        return DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    ref.path = (char *)str_of(o, "path");
    ref.checksum = sum;
    ref.n = n;
    ref.d = d;
    ref.knn = knn;
    ref.n_clusters = nc;
    ref.components = comps;
    ref.ranks = ranks;
    ref.seconds = num_of(o, "seconds");
    snprintf(ref.created, sizeof ref.created, "%s", str_of(o, "created"));
    ref.labels = malloc((size_t)n * sizeof *ref.labels + 1);
    if (!ref.labels) return DSE_RAISE(err, DSE_ENOMEM, "cannot replay the reference clustering");
    int rc = nc >= 1 ? DSE_OK : DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    for (size_t i = 0; rc == DSE_OK && i < n; ++i) {
        /* Checked before the conversion: the doubles come from a file. */
        if (!(labels[i] >= 0 && labels[i] < nc && labels[i] == floor(labels[i])))
            rc = DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
        else
            ref.labels[i] = (int32_t)labels[i];
    }
    if (rc == DSE_OK) rc = dse_store_set_reference(s, &ref, NULL, err);
    free(ref.labels);
    return rc;
}

/* Applies one decoded record. */
static int apply_json(dse_store_t *s, const char *json, const double *spectrum, uint32_t sl,
                      dse_err_t *err)
{
    cJSON *o = cJSON_Parse(json);
    if (!o) return DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    if (!strcmp(str_of(o, "kind"), "reference")) {
        int rc = apply_reference(s, o, spectrum, sl, err);
        cJSON_Delete(o);
        return rc;
    }
    dse_task_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.checkpoint.path = (char *)str_of(o, "path");
    rec.checkpoint.run = (char *)str_of(o, "run");
    long long step, mtime;
    unsigned long long n, d, nu, size, sum;
    int ok = sscanf(str_of(o, "nums"), "%lld %llu %llu %llu %llu %lld %llu", &step, &n, &d, &nu,
                    &size, &mtime, &sum) == 7;
    rec.checkpoint.step = step;
    rec.checkpoint.n = n;
    rec.checkpoint.d = d;
    rec.checkpoint.n_used = nu;
    rec.checkpoint.file_size = size;
    rec.checkpoint.mtime = mtime;
    rec.checkpoint.checksum = sum;
    rec.family = str_of(o, "family");
    rec.status = (int32_t)num_of(o, "status");
    rec.error = str_of(o, "error");
    rec.seconds = num_of(o, "seconds");
    rec.sigma = num_of(o, "sigma");
    rec.ranks = (int32_t)num_of(o, "ranks");
    const cJSON *entries = cJSON_GetObjectItem(o, "entries");
    size_t ne = (size_t)cJSON_GetArraySize(entries);
    const char **q = calloc(ne + 1, sizeof *q);
    double *t = calloc(ne + 1, sizeof *t), *v = calloc(ne + 1, sizeof *v);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        q[i] = str_of(e, "q");
        t[i] = num_of(e, "t");
        v[i] = strtod(str_of(e, "v"), NULL);
        i++;
    }
    rec.n_entries = ne;
    rec.quantities = q;
    rec.t = t;
    rec.values = v;
    rec.spectrum_length = sl;
    rec.spectrum = spectrum;
    int rc = ok && q && t && v ? dse_store_apply(s, &rec, err)
                               : DSE_RAISE(err, DSE_EFORMAT, "corrupt journal record");
    free(q);
    free(t);
    free(v);
    cJSON_Delete(o);
    return rc;
}

int dse_journal_replay_stream(FILE *f, long size, dse_store_t *s, size_t *replayed, long *good,
                              dse_err_t *err)
{
    if (replayed) *replayed = 0;
    *good = 0;
    int rc = DSE_OK;
    for (;;) {
        unsigned char head[20];
        if (fread(head, 1, sizeof head, f) != sizeof head || memcmp(head, "DSEJ", 4)) break;
        uint32_t jl, sl;
        uint64_t sum;
        memcpy(&jl, head + 4, 4);
        memcpy(&sl, head + 8, 4);
        memcpy(&sum, head + 12, 8);
        /* Lengths come from the file: check them against the bytes that are
         * really there before allocating anything. */
        long here = ftell(f);
        if (here < 0 || (uint64_t)jl + (uint64_t)sl * sizeof(double) > (uint64_t)(size - here))
            break;
        char *json = malloc((size_t)jl + 1);
        double *spec = malloc((size_t)sl * sizeof(double) + 1);
        int whole = json && spec && fread(json, 1, jl, f) == jl &&
                    fread(spec, sizeof(double), sl, f) == sl;
        if (whole) {
            json[jl] = '\0';
            whole = dse_fnv1a(dse_fnv1a(DSE_FNV_OFFSET, json, jl), spec, (size_t)sl * sizeof(double)) == sum;
        }
        if (whole) rc = apply_json(s, json, spec, sl, err);
        free(json);
        free(spec);
        if (!whole || rc != DSE_OK) break;
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
        return errno == ENOENT ? DSE_OK
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

int dse_store_merge(dse_store_t *dst, const char *dst_name, const dse_store_t *src,
                    const char *src_name, dse_err_t *err)
{
    if (dst->config_text && src->config_text && dst->fingerprint != src->fingerprint)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "%s and %s were made by different configurations (fingerprints %016llx "
                         "and %016llx)",
                         dst_name, src_name, (unsigned long long)dst->fingerprint,
                         (unsigned long long)src->fingerprint);
    if (!dst->config_text && src->config_text) {
        dst->config_text = strdup(src->config_text);
        dst->fingerprint = src->fingerprint;
        memcpy(dst->started, src->started, sizeof dst->started);
    }
    if (src->reference.path) {
        if (dst->reference.path && !dse_store_reference_equal(&dst->reference, &src->reference))
            return DSE_RAISE(err, DSE_EVALUE,
                             "conflict: the reference clustering of %s (%s, checksum %016llx) "
                             "differs from that of %s (%s, checksum %016llx)",
                             dst_name, dst->reference.path,
                             (unsigned long long)dst->reference.checksum, src_name,
                             src->reference.path, (unsigned long long)src->reference.checksum);
        if (!dst->reference.path) DSE_TRY(dse_store_set_reference(dst, &src->reference, NULL, err));
    }
    /* Map src checkpoint rows to dst rows. */
    int64_t *map = malloc((src->n_checkpoints + 1) * sizeof *map);
    if (!map) return DSE_RAISE(err, DSE_ENOMEM, "cannot merge");
    int rc = DSE_OK;
    for (size_t i = 0; rc == DSE_OK && i < src->n_checkpoints; ++i) {
        const dse_store_checkpoint_t *c = &src->checkpoints[i];
        int64_t k = dse_store_find_checkpoint(dst, c->path);
        if (k >= 0 && dst->checkpoints[k].checksum != c->checksum) {
            rc = DSE_RAISE(err, DSE_EVALUE,
                           "conflict: %s has checksum %016llx in %s but %016llx in %s", c->path,
                           (unsigned long long)dst->checkpoints[k].checksum, dst_name,
                           (unsigned long long)c->checksum, src_name);
            break;
        }
        if (k < 0) {
            if ((rc = GROW(dst->checkpoints, dst->n_checkpoints, dst->cap_checkpoints, err))) break;
            k = (int64_t)dst->n_checkpoints++;
            dst->checkpoints[k] = *c;
            dst->checkpoints[k].path = strdup(c->path);
            dst->checkpoints[k].run = strdup(c->run);
        }
        map[i] = k;
    }
    for (size_t i = 0; rc == DSE_OK && i < src->n_results; ++i) {
        const dse_store_result_t *r = &src->results[i];
        int64_t k = map[r->checkpoint];
        const dse_store_result_t *same = NULL;
        for (size_t j = 0; j < dst->n_results && !same; ++j) {
            const dse_store_result_t *x = &dst->results[j];
            if (x->checkpoint == k && x->t == r->t && !strcmp(x->quantity, r->quantity) &&
                !strcmp(x->family, r->family))
                same = x;
        }
        if (same) {
            int equal = same->status == r->status &&
                        (same->value == r->value || (isnan(same->value) && isnan(r->value)));
            if (!equal)
                rc = DSE_RAISE(err, DSE_EVALUE,
                               "conflict: %s %s t=%g is %.17g (status %d) in %s but %.17g "
                               "(status %d) in %s",
                               dst->checkpoints[k].path, r->quantity, r->t, same->value,
                               same->status, dst_name, r->value, r->status, src_name);
            continue;
        }
        if ((rc = GROW(dst->results, dst->n_results, dst->cap_results, err))) break;
        dse_store_result_t *row = &dst->results[dst->n_results++];
        *row = *r;
        row->checkpoint = k;
        row->error = strdup(r->error);
    }
    for (size_t i = 0; rc == DSE_OK && i < src->n_spectra; ++i) {
        const dse_store_spectrum_t *sp = &src->spectra[i];
        int64_t k = map[sp->checkpoint];
        int have = 0;
        for (size_t j = 0; j < dst->n_spectra && !have; ++j)
            have = dst->spectra[j].checkpoint == k && dst->spectra[j].sigma == sp->sigma;
        if (have) continue;
        if ((rc = GROW(dst->spectra, dst->n_spectra, dst->cap_spectra, err))) break;
        dse_store_spectrum_t *row = &dst->spectra[dst->n_spectra++];
        *row = *sp;
        row->checkpoint = k;
        row->values = malloc(sp->length * sizeof(double) + 1);
        memcpy(row->values, sp->values, sp->length * sizeof(double));
    }
    free(map);
    return rc;
}
