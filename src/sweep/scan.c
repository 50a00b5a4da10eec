/* scan.c — deterministic, loop-safe walks of checkpoint trees. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "dsesweep/scan.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dsesweep/group.h"
#include "dsesweep/hash.h"
#include "dsesweep/source.h"

typedef struct {
    dev_t dev;
    ino_t ino;
} dir_id_t;

typedef struct {
    const dse_config_t *cfg;
    dse_scan_t *scan;
    size_t cap, wcap;
    char *root_real[DSE_CONFIG_MAX_ROOTS];
    dir_id_t *visited;
    size_t n_visited, vcap;
    pcre2_code *re;
    pcre2_match_data *md;
    size_t rejected;        /* files the include glob matched and path_regex did not */
    char rejected_one[512]; /* the first of them (below its root) */
    dse_err_t *err;
    int rc;
} walk_t;

static void warn(walk_t *w, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char *copy = DSE_STRDUP(line, w->err);
    if (!copy || DSE_GROW(&w->scan->warnings, w->scan->n_warnings, &w->wcap, w->err) != DSE_OK) {
        free(copy);
        w->rc = DSE_ENOMEM;
        return;
    }
    w->scan->warnings[w->scan->n_warnings++] = copy;
}

/* 1 if real (a resolved path) lies inside one of the resolved roots. */
static int inside_roots(const walk_t *w, const char *real)
{
    for (int i = 0; i < w->cfg->n_roots; ++i) {
        const char *r = w->root_real[i];
        if (!r) continue;
        size_t n = strlen(r);
        if (strncmp(real, r, n) == 0 && (real[n] == '/' || real[n] == '\0' || n == 1)) return 1;
    }
    return 0;
}

static int visit_dir_once(walk_t *w, const struct stat *st)
{
    for (size_t i = 0; i < w->n_visited; ++i)
        if (w->visited[i].dev == st->st_dev && w->visited[i].ino == st->st_ino) return 0;
    if (DSE_GROW(&w->visited, w->n_visited, &w->vcap, w->err) != DSE_OK) {
        w->rc = DSE_ENOMEM;
        return 0;
    }
    w->visited[w->n_visited++] = (dir_id_t){st->st_dev, st->st_ino};
    return 1;
}

/* A NUL-terminated copy of n bytes of text; NULL when out of memory (the
 * caller reports it). */
static char *dup_n(const char *text, size_t n)
{
    dse_err_t err;
    char *p = DSE_MALLOC(n + 1, 1, &err);
    if (!p) return NULL;
    memcpy(p, text, n);
    p[n] = '\0';
    return p;
}

/* Run and step from the path below the root; warnings go to w (may be NULL). */
static void parts_from(pcre2_code *re, pcre2_match_data *md, walk_t *w, const char *rel, char **run,
                       int64_t *step, int *matched)
{
    *matched = 1;
    *step = -1;
    *run = NULL;
    if (re) {
        int rc = pcre2_match(re, (PCRE2_SPTR)rel, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
        if (rc < 0) {
            *matched = 0;
            return;
        }
        PCRE2_UCHAR *buf = NULL;
        PCRE2_SIZE len;
        if (pcre2_substring_get_byname(md, (PCRE2_SPTR) "run", &buf, &len) == 0) {
            *run = dup_n((const char *)buf, len);
            pcre2_substring_free(buf);
        }
        if (pcre2_substring_get_byname(md, (PCRE2_SPTR) "step", &buf, &len) == 0) {
            char *end;
            errno = 0;
            long long v = len ? strtoll((const char *)buf, &end, 10) : 0;
            if (len && !errno && end != (char *)buf && (size_t)(end - (char *)buf) == len)
                *step = v;
            else if (w)
                warn(w, "%s: step '%.*s' is not an integer; using -1", rel, (int)len, buf);
            pcre2_substring_free(buf);
        }
    }
    if (!*run) {
        const char *slash = strrchr(rel, '/');
        if (slash) {
            const char *prev = slash;
            while (prev > rel && prev[-1] != '/')
                prev--;
            *run = dup_n(prev, (size_t)(slash - prev));
        } else {
            *run = dup_n(".", 1);
        }
    }
    /* With a path_regex the step comes from its (?<step>...) group only: a
     * regex without one means one checkpoint per run (a cross-model sweep),
     * the step is absent (-1), never another number of the path. */
    if (*step == -1 && !re) {
        /* The last run of digits in the file name (saturating, never overflowing). */
        const char *base = strrchr(rel, '/');
        base = base ? base + 1 : rel;
        const char *last = NULL;
        for (const char *p = base; *p; ++p)
            if (isdigit((unsigned char)*p) && (p == base || !isdigit((unsigned char)p[-1])))
                last = p;
        if (last) {
            errno = 0;
            long long v = strtoll(last, NULL, 10);
            *step = errno ? -1 : v;
        }
    }
}

static void name_parts(walk_t *w, const char *rel, char **run, int64_t *step, int *matched)
{
    parts_from(w->re, w->md, w, rel, run, step, matched);
}

int dse_scan_name_parts(const char *regex, const char *rel, char **run, int64_t *step, int *matched,
                        dse_err_t *err)
{
    pcre2_code *re = NULL;
    pcre2_match_data *md = NULL;
    if (regex && *regex) {
        int code;
        PCRE2_SIZE off;
        re = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            return DSE_RAISE(err, DSE_EUSAGE, "path_regex: %s at offset %zu", (const char *)msg,
                             (size_t)off);
        }
        md = pcre2_match_data_create_from_pattern(re, NULL);
    }
    parts_from(re, md, NULL, rel, run, step, matched);
    if (md) pcre2_match_data_free(md);
    if (re) pcre2_code_free(re);
    if (!*matched) {
        free(*run);
        *run = NULL;
    } else if (!*run)
        return DSE_RAISE(err, DSE_ENOMEM, "%s: out of memory for the run name", rel);
    return DSE_OK;
}

static int add_item(walk_t *w, const char *root, const char *rel)
{
    char *run;
    int64_t step;
    int matched;
    name_parts(w, rel, &run, &step, &matched);
    if (!matched) {
        if (!w->rejected++) snprintf(w->rejected_one, sizeof w->rejected_one, "%s", rel);
        free(run);
        return DSE_OK;
    }
    if (!run || DSE_GROW(&w->scan->items, w->scan->count, &w->cap, w->err) != DSE_OK) {
        free(run);
        return DSE_RAISE(w->err, DSE_ENOMEM, "cannot grow the checkpoint list");
    }
    dse_checkpoint_t *c = &w->scan->items[w->scan->count++];
    memset(c, 0, sizeof *c);
    c->run = run;
    c->step = step;
    size_t n = strlen(root) + strlen(rel) + 2;
    const char *ds = w->cfg->dataset;
    size_t m = n + (ds && *ds ? strlen(ds) + 1 : 0);
    c->path = DSE_MALLOC(n, 1, w->err);
    c->rel = DSE_STRDUP(rel, w->err);
    c->spec = DSE_MALLOC(m, 1, w->err);
    if (!c->path || !c->rel || !c->spec) return DSE_ENOMEM; /* freed with the scan */
    snprintf(c->path, n, "%s/%s", root, rel);
    if (ds && *ds)
        snprintf(c->spec, m, "%s:%s", c->path, ds);
    else
        snprintf(c->spec, m, "%s", c->path);
    struct stat st;
    if (stat(c->path, &st) == 0) {
        c->file_size = (uint64_t)st.st_size;
        c->mtime = (int64_t)st.st_mtime;
    }
    dse_source_t *src = NULL;
    dse_err_t e;
    dse_err_clear(&e);
    if (dse_source_open(c->spec, &src, &e) == DSE_OK) {
        c->n = dse_source_rows(src);
        c->d = dse_source_cols(src);
        if (dse_source_check_embeddings(src, &e) != DSE_OK) c->error = DSE_STRDUP(e.msg, w->err);
        dse_source_close(&src);
    } else {
        c->error = DSE_STRDUP(e.msg, w->err);
    }
    return e.code != DSE_OK && !c->error ? DSE_ENOMEM : DSE_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(walk_t *w, const char *root, const char *rel, int depth)
{
    if (w->rc != DSE_OK) return;
    char dir[2 * PATH_MAX + 2];
    snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
    if (depth > 64) {
        warn(w, "%s: deeper than 64 levels, skipped", dir);
        return;
    }
    DIR *dp = opendir(dir);
    if (!dp) {
        warn(w, "%s: cannot read directory: %s (skipped)", dir, strerror(errno));
        return;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (DSE_GROW(&names, count, &cap, w->err) != DSE_OK ||
            !(names[count] = DSE_STRDUP(de->d_name, w->err))) {
            w->rc = DSE_ENOMEM;
            break;
        }
        count++;
    }
    closedir(dp);
    if (count > 1)
        qsort(names, count, sizeof *names,
              cmp_names); /* names is NULL when the directory is empty */
    for (size_t i = 0; i < count && w->rc == DSE_OK; ++i) {
        char childrel[PATH_MAX], child[2 * PATH_MAX + 2];
        int len = snprintf(childrel, sizeof childrel, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        if (len < 0 || (size_t)len >= sizeof childrel) {
            warn(w, "%s/%s: path too long (skipped)", dir, names[i]);
            continue;
        }
        snprintf(child, sizeof child, "%s/%s", root, childrel);
        struct stat lst, st;
        if (lstat(child, &lst) != 0) continue;
        if (stat(child, &st) != 0) {
            if (S_ISLNK(lst.st_mode)) warn(w, "%s: broken or looping symlink (skipped)", child);
            continue;
        }
        if (S_ISLNK(lst.st_mode)) {
            char real[PATH_MAX];
            if (!realpath(child, real) || !inside_roots(w, real)) {
                warn(w, "%s: symlink to a path outside the roots (skipped)", child);
                continue;
            }
        }
        if (S_ISDIR(st.st_mode)) {
            if (visit_dir_once(w, &st)) walk_dir(w, root, childrel, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            if (fnmatch(w->cfg->include, childrel, 0) == 0) {
                if (access(child, R_OK) != 0) {
                    /* Recorded as an item so the sweep reports it as a failed task. */
                    w->rc = add_item(w, root, childrel);
                    continue;
                }
                w->rc = add_item(w, root, childrel);
            }
        }
    }
    for (size_t i = 0; i < count; ++i)
        free(names[i]);
    free(names);
}

typedef struct {
    const char *run;
    int64_t step;
    size_t index;
} named_t;

static int cmp_named(const void *a, const void *b)
{
    const named_t *x = a, *y = b;
    int c = strcmp(x->run, y->run);
    if (c) return c;
    if (x->step != y->step) return x->step < y->step ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Items k and first (same run and step): k's error names first. */
static int mark_duplicate(walk_t *w, dse_checkpoint_t *k, const dse_checkpoint_t *other)
{
    char step[32], line[4096];
    if (k->step < 0)
        snprintf(step, sizeof step, "(no step)");
    else
        snprintf(step, sizeof step, "step %lld", (long long)k->step);
    snprintf(line, sizeof line,
             "%s and %s are both run '%s' %s; two checkpoints cannot share a run and step: name "
             "them apart with path_regex (a (?<step>...) group, or a run per file)",
             k->rel, other->rel, k->run, step);
    k->error = DSE_STRDUP(line, w->err);
    return k->error ? DSE_OK : DSE_ENOMEM;
}

/* Two readable files with the same (run, step) are an error that names both
 * (on each of them); the other checkpoints go on. */
static int check_duplicates(walk_t *w)
{
    dse_scan_t *s = w->scan;
    named_t *v = DSE_MALLOC(s->count + 1, sizeof *v, w->err);
    if (!v) return DSE_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < s->count; ++i)
        if (!s->items[i].error) v[n++] = (named_t){s->items[i].run, s->items[i].step, i};
    qsort(v, n, sizeof *v, cmp_named);
    int rc = DSE_OK;
    for (size_t a = 0; a < n && rc == DSE_OK;) {
        size_t b = a + 1;
        while (b < n && !strcmp(v[b].run, v[a].run) && v[b].step == v[a].step)
            b++;
        for (size_t k = a; b - a > 1 && k < b && rc == DSE_OK; ++k)
            rc = mark_duplicate(w, &s->items[v[k].index], &s->items[v[k == a ? a + 1 : a].index]);
        a = b;
    }
    free(v);
    return rc;
}

/* rel with regex metacharacters escaped into out. */
static void regex_escape(const char *rel, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 < cap; ++i) {
        if (strchr("\\.^$|?*+()[]{}", rel[i])) out[o++] = '\\';
        out[o++] = rel[i];
    }
    out[o] = '\0';
}

/* For run/epoch_3/model.emb.npy: ^(?<run>[^/]+)/epoch_(?<step>[0-9]+)/model\.emb\.npy$
 * (the parent's last number becomes the step). 0 when rel does not fit. */
static int suggest_regex(const char *rel, char *out, size_t cap)
{
    const char *first = strchr(rel, '/'), *base = strrchr(rel, '/');
    if (!first || first == base) return 0;
    const char *parent = base - 1;
    while (parent > rel && parent[-1] != '/')
        parent--;
    const char *digits = NULL;
    for (const char *p = parent; p < base; ++p)
        if (isdigit((unsigned char)*p) && (p == parent || !isdigit((unsigned char)p[-1])))
            digits = p;
    if (!digits) return 0;
    const char *end = digits;
    while (isdigit((unsigned char)*end))
        end++;
    char mid[1024], head[512], tail[512], name[1024];
    regex_escape(parent, (size_t)(digits - parent), head, sizeof head);
    regex_escape(end, (size_t)(base - end), tail, sizeof tail);
    regex_escape(base + 1, strlen(base + 1), name, sizeof name);
    snprintf(mid, sizeof mid, "%s", parent > first + 1 ? "(?:[^/]+/)*" : "");
    snprintf(out, cap, "^(?<run>[^/]+)/%s%s(?<step>[0-9]+)%s/%s$", mid, head, tail, name);
    return 1;
}

/* Default naming (no path_regex) takes the step from the file name. Files
 * with no number in their name but one in their directory are a
 * directory-per-checkpoint tree, which the default would name by directory:
 * warn, with the regex to write. */
static void check_default_naming(walk_t *w)
{
    size_t count = 0;
    const dse_checkpoint_t *example = NULL;
    for (size_t i = 0; i < w->scan->count; ++i) {
        const dse_checkpoint_t *c = &w->scan->items[i];
        char regex[4096];
        if (c->step < 0 && suggest_regex(c->rel, regex, sizeof regex)) {
            count++;
            example = example ? example : c;
        }
    }
    char regex[4096];
    if (count && suggest_regex(example->rel, regex, sizeof regex))
        warn(w,
             "%zu checkpoint(s) have no number in their file name but one in their directory "
             "(e.g. %s: run '%s', no step); the default naming does not read steps from "
             "directories: if each directory is one checkpoint, write path_regex = %s",
             count, example->rel, example->run, regex);
}

int dse_scan_tree(const dse_config_t *cfg, dse_scan_t *scan, dse_err_t *err)
{
    memset(scan, 0, sizeof *scan);
    walk_t w = {cfg, scan, 0, 0, {0}, NULL, 0, 0, NULL, NULL, 0, "", err, DSE_OK};
    if (cfg->path_regex && *cfg->path_regex) {
        int code;
        PCRE2_SIZE off;
        w.re =
            pcre2_compile((PCRE2_SPTR)cfg->path_regex, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
        if (!w.re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            return DSE_RAISE(err, DSE_EUSAGE, "%s: path_regex: %s at offset %zu", cfg->path,
                             (const char *)msg, (size_t)off);
        }
        w.md = pcre2_match_data_create_from_pattern(w.re, NULL);
    }
    int readable = 0;
    for (int i = 0; i < cfg->n_roots; ++i) {
        char real[PATH_MAX];
        w.root_real[i] = realpath(cfg->roots[i], real) ? DSE_STRDUP(real, err) : NULL;
    }
    for (int i = 0; i < cfg->n_roots && w.rc == DSE_OK; ++i) {
        struct stat st;
        if (stat(cfg->roots[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
            warn(&w, "%s: root is not a readable directory (%s)", cfg->roots[i],
                 errno ? strerror(errno) : "not a directory");
            continue;
        }
        readable++;
        visit_dir_once(&w, &st);
        /* Paths in the store are canonical: the resolved root plus the path below it. */
        walk_dir(&w, w.root_real[i] ? w.root_real[i] : cfg->roots[i], "", 0);
    }
    for (int i = 0; i < cfg->n_roots; ++i)
        free(w.root_real[i]);
    free(w.visited);
    if (w.md) pcre2_match_data_free(w.md);
    if (w.re) pcre2_code_free(w.re);
    if (w.rc == DSE_OK && readable == 0)
        w.rc = DSE_RAISE(err, DSE_EIO, "%s: none of the %d root(s) can be read (first: %s)",
                         cfg->path, cfg->n_roots, cfg->roots[0]);
    /* A regex that names none of the files the glob matched is a typo, not
     * an empty sweep: refused with a file it fails on. */
    if (w.rc == DSE_OK && scan->count == 0 && w.rejected)
        w.rc = DSE_RAISE(err, DSE_EUSAGE,
                         "%s: path_regex '%s' matches none of the %zu file(s) that include = '%s' "
                         "matched; it fails on %s (below its root); nothing was computed",
                         cfg->path, cfg->path_regex, w.rejected, cfg->include, w.rejected_one);
    if (w.rc == DSE_OK && !(cfg->path_regex && *cfg->path_regex)) check_default_naming(&w);
    if (w.rc == DSE_OK) w.rc = check_duplicates(&w);
    if (w.rc != DSE_OK) dse_scan_free(scan);
    return w.rc;
}

/* Files this large say how far their checksum has got (stderr). */
#define PROGRESS_BYTES (1ULL << 30)
#define PROGRESS_SECONDS 10.0

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define GIB 1073741824.0 /* sizes print in binary units (dse_format_bytes) */

int dse_file_checksum(const char *path, uint64_t *out, dse_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return DSE_RAISE(err, DSE_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    double size = fstat(fd, &st) == 0 ? (double)st.st_size : 0, done = 0;
    int progress = size >= (double)PROGRESS_BYTES;
    double start = now_seconds(), last = start;
    if (progress)
        fprintf(stderr, "dsesweep: checksumming %s (%.1f GiB; a line every %.0f s)\n", path,
                size / GIB, PROGRESS_SECONDS);
    uint64_t h = DSE_FNV_OFFSET;
    static unsigned char buf[1 << 20];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0) {
        h = dse_fnv1a(h, buf, (size_t)got);
        done += (double)got;
        if (progress && now_seconds() - last >= PROGRESS_SECONDS) {
            last = now_seconds();
            fprintf(stderr, "dsesweep: checksumming %s: %.1f of %.1f GiB (%.0f%%) in %.0f s\n",
                    path, done / GIB, size / GIB, 100 * done / size, last - start);
        }
    }
    int e = errno;
    close(fd);
    if (got < 0) return DSE_RAISE(err, DSE_EIO, "%s: read failed: %s", path, strerror(e));
    *out = h;
    return DSE_OK;
}

int dse_scan_checksums(MPI_Comm comm, dse_scan_t *scan, dse_err_t *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    uint64_t *sums = DSE_CALLOC(scan->count + 1, sizeof *sums, err);
    DSE_TRY(dse_comm_agree(comm, sums ? DSE_OK : DSE_ENOMEM, err));
    for (size_t i = (size_t)rank; i < scan->count; i += (size_t)size) {
        dse_err_t e;
        if (scan->items[i].error || dse_file_checksum(scan->items[i].path, &sums[i], &e) != DSE_OK)
            sums[i] = 0;
    }
    MPI_Allreduce(MPI_IN_PLACE, sums, (int)scan->count, MPI_UINT64_T, MPI_SUM, comm);
    for (size_t i = 0; i < scan->count; ++i)
        scan->items[i].checksum = sums[i];
    free(sums);
    return DSE_OK;
}

static char *dupnull(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    dse_err_t err; /* a missing copy of a string that was there is caught by the caller */
    return cJSON_IsString(v) ? DSE_STRDUP(v->valuestring, &err) : NULL;
}

int dse_scan_bcast(MPI_Comm comm, int root, dse_scan_t *scan, dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    char *text = NULL;
    long long len = 0;
    if (rank == root) {
        cJSON *arr = cJSON_CreateArray(), *warns = cJSON_CreateArray(), *top = cJSON_CreateObject();
        for (size_t i = 0; i < scan->count; ++i) {
            const dse_checkpoint_t *c = &scan->items[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "path", c->path);
            cJSON_AddStringToObject(o, "rel", c->rel);
            cJSON_AddStringToObject(o, "spec", c->spec);
            cJSON_AddStringToObject(o, "run", c->run);
            char nums[160];
            snprintf(nums, sizeof nums, "%lld %llu %llu %llu %lld %llu", (long long)c->step,
                     (unsigned long long)c->n, (unsigned long long)c->d,
                     (unsigned long long)c->file_size, (long long)c->mtime,
                     (unsigned long long)c->checksum);
            cJSON_AddStringToObject(o, "nums", nums);
            if (c->error) cJSON_AddStringToObject(o, "error", c->error);
            cJSON_AddItemToArray(arr, o);
        }
        for (size_t i = 0; i < scan->n_warnings; ++i)
            cJSON_AddItemToArray(warns, cJSON_CreateString(scan->warnings[i]));
        cJSON_AddItemToObject(top, "items", arr);
        cJSON_AddItemToObject(top, "warnings", warns);
        text = cJSON_PrintUnformatted(top);
        cJSON_Delete(top);
        len = text ? (long long)strlen(text) + 1 : 0;
    }
    MPI_Bcast(&len, 1, MPI_LONG_LONG, root, comm);
    if (len == 0 || len > INT_MAX) return DSE_RAISE(err, DSE_EINTERNAL, "cannot share the scan");
    if (rank != root) text = DSE_MALLOC((size_t)len, 1, err);
    int rc = dse_comm_agree(comm, text ? DSE_OK : DSE_ENOMEM, err);
    if (rc != DSE_OK) {
        free(text);
        return rc;
    }
    MPI_Bcast(text, (int)len, MPI_CHAR, root, comm);
    if (rank != root) {
        dse_scan_free(scan);
        cJSON *top = cJSON_Parse(text);
        const cJSON *arr = cJSON_GetObjectItem(top, "items"),
                    *warns = cJSON_GetObjectItem(top, "warnings");
        scan->count = (size_t)cJSON_GetArraySize(arr);
        scan->items = DSE_CALLOC(scan->count + 1, sizeof *scan->items, err);
        if (!scan->items) scan->count = 0;
        size_t i = 0;
        const cJSON *o;
        cJSON_ArrayForEach(o, arr)
        {
            if (i >= scan->count) break;
            dse_checkpoint_t *c = &scan->items[i++];
            c->path = dupnull(o, "path");
            c->rel = dupnull(o, "rel");
            c->spec = dupnull(o, "spec");
            c->run = dupnull(o, "run");
            c->error = dupnull(o, "error");
            long long step, mtime;
            unsigned long long n, d, size, sum;
            sscanf(cJSON_GetObjectItem(o, "nums")->valuestring, "%lld %llu %llu %llu %lld %llu",
                   &step, &n, &d, &size, &mtime, &sum);
            c->step = step;
            c->n = n;
            c->d = d;
            c->file_size = size;
            c->mtime = mtime;
            c->checksum = sum;
        }
        scan->n_warnings = (size_t)cJSON_GetArraySize(warns);
        scan->warnings = DSE_CALLOC(scan->n_warnings + 1, sizeof *scan->warnings, err);
        if (!scan->warnings) scan->n_warnings = 0;
        i = 0;
        cJSON_ArrayForEach(o, warns)
        {
            if (i < scan->n_warnings) scan->warnings[i++] = DSE_STRDUP(o->valuestring, err);
        }
        for (size_t k = 0; k < scan->count; ++k)
            if (!scan->items[k].path || !scan->items[k].rel || !scan->items[k].spec ||
                !scan->items[k].run)
                rc = DSE_ENOMEM;
        for (size_t k = 0; k < scan->n_warnings; ++k)
            if (!scan->warnings[k]) rc = DSE_ENOMEM;
        if (!scan->items || !scan->warnings) rc = DSE_ENOMEM;
        cJSON_Delete(top);
    }
    free(text);
    return dse_comm_agree(comm, rc, err);
}

void dse_scan_free(dse_scan_t *scan)
{
    if (!scan) return;
    for (size_t i = 0; i < scan->count; ++i) {
        dse_checkpoint_t *c = &scan->items[i];
        free(c->path);
        free(c->rel);
        free(c->spec);
        free(c->run);
        free(c->error);
    }
    free(scan->items);
    for (size_t i = 0; i < scan->n_warnings; ++i)
        free(scan->warnings[i]);
    free(scan->warnings);
    memset(scan, 0, sizeof *scan);
}
