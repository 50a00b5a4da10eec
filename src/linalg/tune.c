/* tune.c — the measured eigensolver choice and time model (see tune.h). */
#include "dsesweep/tune.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsesweep/elpa.h"

/* OpenBLAS's own entry points (libopenblas; no header in Debian's -dev). */
extern char *openblas_get_config(void);
extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int num_threads);

/* The built-in table, a fallback only: `dsesweep tune --sizes
 * 500,1000,2000,4000,8000 --threads 1,2` on one rank and under `mpiexec -n 2`
 * on the project's 2-core VM (AMD EPYC, OpenBLAS 0.3.21, ELPA 2022.11),
 * one rank 2026-12-06T05:15-05:21Z (the two-stage drivers with their bulge
 * chasing threaded and the band width by size, two_stage.h), load under
 * 0.6 before it; the group 17:06-17:09Z with dist_2stage (load 1.14 before
 * it: the previous benchmark's own 2 ranks); copied from the files they
 * wrote, nothing guessed. (That group run chose ELPA2 kernel
 * generic_simple_block6; the kernels are within 7 percent, below.)
 * Columns in the enum's order: auto (unused), dsyevd, dsyevr, dsyevd_2stage,
 * elpa1, elpa2, pdsyev, pdsyevd, dist_2stage, float32 auto (unused), ssyevd,
 * ssyevd_2stage, pssyev; 0 = not a candidate there; -1 = pruned by tune
 * (DSE_TUNE_PRUNE). Above 8000 the times scale as N^3.
 * ELPA2's kernel: the fastest measured on the group (BUILTIN_ELPA2_KERNEL; at
 * N = 2000: generic_simple 0.462 s, generic_simple_block4 0.477 s,
 * generic_simple_block6 0.479 s, generic 0.494 s: within 7 percent). A tuning
 * file made on the node overrides all of it. */
#define BUILTIN_ELPA2_KERNEL "generic_simple"
#define BUILTIN_ROW(a, b, c, e1, e2, p, pd, d2, s, s2, ps)                                         \
    {                                                                                              \
        0, a, b, c, e1, e2, p, pd, d2, 0, s, s2, ps                                                \
    }
static const dse_tune_table_t builtin = {
    .cpu = "built-in",
    .blas = "built-in",
    .n_entries = 3,
    .entries = {
        {.ranks = 1,
         .threads = 1,
         .count = 5,
         .n = {500, 1000, 2000, 4000, 8000},
         .seconds = {BUILTIN_ROW(0.009, 0.009, 0.014, 0.021, 0.025, 0, 0, 0, 0.006, 0.011, 0),
                     BUILTIN_ROW(0.054, 0.053, 0.070, 0.109, 0.119, 0, 0, 0, 0.036, 0.050, 0),
                     BUILTIN_ROW(0.453, 0.409, 0.439, 1.050, 0.760, 0, 0, 0, 0.238, 0.258, 0),
                     BUILTIN_ROW(4.884, 4.598, 2.953, 9.110, 4.989, 0, 0, 0, 2.825, 1.841, 0),
                     BUILTIN_ROW(42.468, 42.153, 19.634, -1, 29.187, 0, 0, 0, 25.531, 11.426, 0)},
         .kernel_gflops = 38.2,
         .elpa_kernel = -1},
        {.ranks = 1,
         .threads = 2,
         .count = 5,
         .n = {500, 1000, 2000, 4000, 8000},
         .seconds = {BUILTIN_ROW(0.009, 0.009, 0.017, 0.030, 0.058, 0, 0, 0, 0.007, 0.014, 0),
                     BUILTIN_ROW(0.046, 0.045, 0.072, 0.157, 0.242, 0, 0, 0, 0.032, 0.055, 0),
                     BUILTIN_ROW(0.251, 0.233, 0.288, 0.794, 0.630, 0, 0, 0, 0.143, 0.199, 0),
                     BUILTIN_ROW(2.690, 2.791, 1.711, 7.349, 3.410, 0, 0, 0, 1.229, 1.257, 0),
                     BUILTIN_ROW(21.437, 21.523, 10.973, -1, 22.670, 0, 0, 0, 14.624, 6.238, 0)},
         .kernel_gflops = 55.8,
         .elpa_kernel = -1},
        {.ranks = 2,
         .threads = 1,
         .count = 5,
         .n = {500, 1000, 2000, 4000, 8000},
         .seconds = {BUILTIN_ROW(0, 0, 0, 0.017, 0.021, 0.020, 0.033, 0.026, 0, 0, 0.014),
                     BUILTIN_ROW(0, 0, 0, 0.082, 0.095, 0.081, 0.132, 0.084, 0, 0, 0.056),
                     BUILTIN_ROW(0, 0, 0, 0.572, 0.548, 0.445, 0.858, 0.386, 0, 0, 0.271),
                     BUILTIN_ROW(0, 0, 0, 5.336, 2.934, 4.180, 7.044, 2.131, 0, 0, 1.748),
                     BUILTIN_ROW(0, 0, 0, 45.754, 21.328, 36.043, -1, 13.676, 0, 0, 17.503)},
         .kernel_gflops = 0.0,
         .elpa_kernel = -1}}};
#undef BUILTIN_ROW

static dse_tune_table_t loaded;
static int have_loaded;
static char loaded_path[4096];
static char last_note[4400] = "the built-in driver table is used";

int dse_tune_blas_threads(void)
{
    int t = openblas_get_num_threads();
    return t > 0 ? t : 1;
}

void dse_tune_set_blas_threads(int threads)
{
    openblas_set_num_threads(threads > 0 ? threads : 1);
}

/* The first "model name" line of /proc/cpuinfo, or "unknown". */
static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) != 0 || !colon) continue;
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        colon[strcspn(colon, "\n")] = '\0';
        snprintf(buf, len, "%s", colon);
        break;
    }
    fclose(f);
}

void dse_tune_host_key(char *cpu, size_t cpu_len, char *blas, size_t blas_len)
{
    cpu_model(cpu, cpu_len);
    const char *conf = openblas_get_config();
    snprintf(blas, blas_len, "%s", conf ? conf : "unknown");
    blas[strcspn(blas, "\n")] = '\0';
    /* Trailing blanks differ between builds of the same library. */
    for (size_t n = strlen(blas); n > 0 && blas[n - 1] == ' '; --n)
        blas[n - 1] = '\0';
}

const char *dse_tune_default_path(char *buf, size_t len)
{
    const char *env = getenv("DSESWEEP_TUNING");
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return buf;
    }
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(buf, len, "%s/dsesweep/tuning-%s.json", xdg, host);
    else
        snprintf(buf, len, "%s/.cache/dsesweep/tuning-%s.json", home && *home ? home : ".", host);
    return buf;
}

const char *dse_tune_note(void)
{
    return last_note;
}

const char *dse_tune_source(void)
{
    return have_loaded ? loaded_path : "built-in table";
}

static const dse_tune_table_t *table(void)
{
    return have_loaded ? &loaded : &builtin;
}

const dse_tune_table_t *dse_tune_table(void)
{
    return table();
}

/* How far an entry is from (ranks, threads): the rank count first. */
static long entry_distance(const dse_tune_entry_t *e, int ranks, int threads)
{
    return 1000L * labs((long)e->ranks - ranks) + labs((long)e->threads - threads);
}

/* The entry of table t for one rank (ranks == 1) or a group (ranks > 1)
 * nearest to (ranks, threads); ties: the smaller. NULL when t has none of
 * that kind. */
static const dse_tune_entry_t *nearest(const dse_tune_table_t *t, int ranks, int threads)
{
    const dse_tune_entry_t *best = NULL;
    for (size_t i = 0; i < t->n_entries; ++i) {
        const dse_tune_entry_t *e = &t->entries[i];
        if ((e->ranks > 1) != (ranks > 1)) continue;
        if (!best || entry_distance(e, ranks, threads) < entry_distance(best, ranks, threads))
            best = e;
    }
    return best;
}

/* The entry used for (ranks, threads): the loaded file's, else the built-in. */
static const dse_tune_entry_t *entry_for(int ranks, int threads)
{
    const dse_tune_entry_t *e = nearest(table(), ranks, threads);
    return e ? e : nearest(&builtin, ranks, threads);
}

int dse_tune_setting_is_builtin(int ranks, int threads)
{
    return entry_for(ranks, threads) == nearest(&builtin, ranks, threads);
}

/* Seconds of driver k at order n: log-log interpolation between the measured
 * sizes, n^3 scaling outside them; 0 when k has no timing in e. */
static double predict(const dse_tune_entry_t *e, int k, size_t n)
{
    /* The sizes k was timed at: a prefix (a driver pruned by `tune` at a
     * size, -1 from there on, is no candidate above its last timed size). */
    size_t count = 0;
    while (count < e->count && e->seconds[count][k] > 0)
        count++;
    if (n == 0 || count == 0) return 0;
    if (count < e->count && n > e->n[count - 1]) return 0;
    size_t i = 0;
    while (i + 1 < count && e->n[i + 1] < n)
        i++;
    double x = (double)n;
    if (count == 1 || x <= (double)e->n[0]) return e->seconds[0][k] * pow(x / (double)e->n[0], 3);
    if (i + 1 >= count || x >= (double)e->n[count - 1]) {
        size_t last = count - 1;
        return e->seconds[last][k] * pow(x / (double)e->n[last], 3);
    }
    double x0 = log((double)e->n[i]), x1 = log((double)e->n[i + 1]);
    double y0 = log(e->seconds[i][k]), y1 = log(e->seconds[i + 1][k]);
    return exp(y0 + (y1 - y0) * (log(x) - x0) / (x1 - x0));
}

/* The entry's time scaled to (ranks, threads) when measured at another
 * setting (perfect scaling: a model, not a measurement). */
static double scaled(const dse_tune_entry_t *e, double t, int ranks, int threads)
{
    double have = (double)e->ranks * e->threads;
    double want = (double)(ranks > 0 ? ranks : 1) * (threads > 0 ? threads : 1);
    return t * have / want;
}

/* 1 when e timed a driver of this precision (float32: the float32 drivers). */
static int times_precision(const dse_tune_entry_t *e, int float32)
{
    for (int k = DSE_EIGEN_AUTO + 1; e && e->count > 0 && k < DSE_EIGEN_ALL_DRIVERS; ++k)
        if (k != DSE_EIGEN_FLOAT32_AUTO && (k > DSE_EIGEN_FLOAT32_AUTO) == float32 &&
            e->seconds[0][k] > 0)
            return 1;
    return 0;
}

/* The fastest driver of the right scope and precision at order n, and its
 * predicted seconds. The float32 drivers are only compared among
 * themselves; a file that timed none of them leaves them to the built-in. */
static dse_eigen_driver_t fastest(size_t n, int ranks, int threads, int float32, double *seconds)
{
    const dse_tune_entry_t *e = entry_for(ranks, threads);
    if (float32 && !times_precision(e, 1)) e = nearest(&builtin, ranks, threads);
    int scope = ranks > 1 ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK;
    dse_eigen_driver_t best = float32 ? (ranks > 1 ? DSE_EIGEN_PSSYEV : DSE_EIGEN_SSYEVD_2STAGE)
                                      : (ranks > 1 ? DSE_EIGEN_PDSYEV : DSE_EIGEN_DSYEVD);
    int first = float32 ? DSE_EIGEN_FLOAT32_AUTO + 1 : DSE_EIGEN_AUTO + 1;
    int end = float32 ? DSE_EIGEN_ALL_DRIVERS : DSE_EIGEN_DRIVERS;
    double t = 0;
    for (int k = first; e && k < end; ++k) {
        if (!(dse_eigen_driver_scope((dse_eigen_driver_t)k) & scope)) continue;
        double s = predict(e, k, n);
        if (s > 0 && (t == 0 || s < t)) best = (dse_eigen_driver_t)k, t = s;
    }
    if (seconds) *seconds = e ? scaled(e, t, ranks, threads) : 0;
    return best;
}

dse_eigen_driver_t dse_tune_driver(size_t n, int ranks, int threads)
{
    return fastest(n, ranks, threads, 0, NULL);
}

dse_eigen_driver_t dse_tune_float32_driver(size_t n, int ranks, int threads)
{
    return fastest(n, ranks, threads, 1, NULL);
}

double dse_tune_eigen_seconds(size_t n, int ranks, int threads)
{
    double s = 0;
    fastest(n, ranks, threads, 0, &s);
    return s;
}

double dse_tune_driver_seconds(dse_eigen_driver_t driver, size_t n, int ranks, int threads)
{
    if (driver <= DSE_EIGEN_AUTO || driver == DSE_EIGEN_FLOAT32_AUTO ||
        driver >= DSE_EIGEN_ALL_DRIVERS)
        return 0;
    int float32 = driver > DSE_EIGEN_FLOAT32_AUTO;
    const dse_tune_entry_t *e = entry_for(ranks, threads);
    if (float32 && !times_precision(e, 1)) e = nearest(&builtin, ranks, threads);
    return e ? scaled(e, predict(e, driver, n), ranks, threads) : 0;
}

int dse_tune_elpa_kernel(int ranks, int threads)
{
    const dse_tune_entry_t *e = entry_for(ranks, threads);
    if (e && e == nearest(&builtin, ranks, threads)) /* ids are ELPA's: named here */
        return dse_elpa_kernel_parse(BUILTIN_ELPA2_KERNEL);
    return e ? e->elpa_kernel : -1;
}

void dse_tune_merge(dse_tune_table_t *into, const dse_tune_table_t *fresh)
{
    dse_tune_table_t out = *fresh;
    for (size_t i = 0; i < into->n_entries && out.n_entries < DSE_TUNE_MAX_ENTRIES; ++i) {
        const dse_tune_entry_t *e = &into->entries[i];
        int replaced = 0;
        for (size_t j = 0; j < fresh->n_entries; ++j)
            replaced |=
                fresh->entries[j].ranks == e->ranks && fresh->entries[j].threads == e->threads;
        if (!replaced) out.entries[out.n_entries++] = *e;
    }
    /* The fresh run's rank kind decides which old rejections it re-checked. */
    int fresh_group = fresh->n_entries > 0 && fresh->entries[0].ranks > 1;
    for (size_t i = 0; i < into->n_rejected && out.n_rejected < DSE_TUNE_MAX_REJECTED; ++i) {
        const dse_tune_rejected_t *r = &into->rejected[i];
        if ((r->ranks > 1) != fresh_group) out.rejected[out.n_rejected++] = *r;
    }
    *into = out;
}

double dse_tune_kernel_seconds(size_t n, size_t d, int threads)
{
    const dse_tune_entry_t *e = entry_for(1, threads);
    if (!(e && e->kernel_gflops > 0)) e = nearest(&builtin, 1, threads);
    double rate = e->kernel_gflops * 1e9;
    rate *= (double)(threads > 0 ? threads : 1) / (double)e->threads;
    /* dsyrk (n^2 d) plus the exp and the two scalings (~30 n^2). */
    return ((double)n * (double)n * (double)d + 30.0 * (double)n * (double)n) / rate;
}

/* ---- the file ------------------------------------------------------------- */

/* The sizes and, per driver of the table, its timings (an absent or null
 * driver was not measured: wrong scope or rejected). */
static int parse_sizes(const cJSON *e, dse_tune_entry_t *out, const char *path, dse_err_t *err)
{
    const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(e, "sizes");
    int count = cJSON_GetArraySize(sizes), measured = 0;
    if (!cJSON_IsArray(sizes) || count < 1 || count > DSE_TUNE_MAX_SIZES)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: \"sizes\" must list 1 to %d sizes", path,
                         DSE_TUNE_MAX_SIZES);
    out->count = (size_t)count;
    for (int i = 0; i < count; ++i) {
        double v = cJSON_GetNumberValue(cJSON_GetArrayItem(sizes, i));
        if (!(v >= 2 && v < 1e7) || (i > 0 && v <= (double)out->n[i - 1]))
            return DSE_RAISE(err, DSE_EFORMAT, "%s: \"sizes\" must be ascending orders >= 2", path);
        out->n[i] = (size_t)v;
    }
    int scope = out->ranks > 1 ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK;
    for (int k = DSE_EIGEN_AUTO + 1; k < DSE_EIGEN_ALL_DRIVERS; ++k) {
        if (k == DSE_EIGEN_FLOAT32_AUTO) continue; /* no driver of its own */
        const char *name = dse_eigen_driver_name((dse_eigen_driver_t)k);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, name);
        if (!a || cJSON_IsNull(a)) continue;
        if (!(dse_eigen_driver_scope((dse_eigen_driver_t)k) & scope))
            return DSE_RAISE(err, DSE_EFORMAT, "%s: \"%s\" does not run on %d rank(s)", path, name,
                             out->ranks);
        if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != count)
            return DSE_RAISE(err, DSE_EFORMAT, "%s: \"%s\" must hold %d timings", path, name,
                             count);
        for (int i = 0; i < count; ++i) {
            const cJSON *item = cJSON_GetArrayItem(a, i);
            double v = -1; /* null: not timed from here on (DSE_TUNE_PRUNE) */
            if (!cJSON_IsNull(item) || i == 0) {
                v = cJSON_GetNumberValue(item);
                if (!(v > 0 && v < 1e7) || (i > 0 && out->seconds[i - 1][k] < 0))
                    return DSE_RAISE(err, DSE_EFORMAT, "%s: \"%s\" holds a bad timing", path, name);
            }
            out->seconds[i][k] = v;
        }
        measured++;
    }
    if (!measured) return DSE_RAISE(err, DSE_EFORMAT, "%s: an entry times no driver", path);
    return DSE_OK;
}

static int parse_entry(const cJSON *e, dse_tune_entry_t *out, const char *path, dse_err_t *err)
{
    double ra = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "ranks"));
    double th = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "threads"));
    double gf = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "kernel_gflops"));
    const char *kernel = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "elpa2_kernel"));
    if (!(ra >= 1 && ra <= 1e6) || ra != floor(ra))
        return DSE_RAISE(err, DSE_EFORMAT, "%s: an entry's \"ranks\" is not a count", path);
    if (!(th >= 1 && th <= 4096) || th != floor(th))
        return DSE_RAISE(err, DSE_EFORMAT, "%s: an entry's \"threads\" is not a count", path);
    if (!(gf >= 0 && gf < 1e6))
        return DSE_RAISE(err, DSE_EFORMAT, "%s: an entry's \"kernel_gflops\" is not a rate", path);
    out->ranks = (int)ra;
    out->threads = (int)th;
    out->kernel_gflops = gf;
    out->elpa_kernel = dse_elpa_kernel_parse(kernel);
    if (kernel && strcmp(kernel, "default") != 0 && out->elpa_kernel < 0)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: ELPA has no kernel \"%s\" here", path, kernel);
    return parse_sizes(e, out, path, err);
}

static int parse_rejected(const cJSON *a, dse_tune_table_t *t, const char *path, dse_err_t *err)
{
    int count = cJSON_GetArraySize(a);
    if (a && !cJSON_IsArray(a))
        return DSE_RAISE(err, DSE_EFORMAT, "%s: \"rejected\" must be a list", path);
    for (int i = 0; i < count && t->n_rejected < DSE_TUNE_MAX_REJECTED; ++i) {
        const cJSON *r = cJSON_GetArrayItem(a, i);
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "driver"));
        const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "reason"));
        dse_eigen_driver_t d;
        if (!name || dse_eigen_driver_parse(name, &d) != DSE_OK || d == DSE_EIGEN_AUTO)
            return DSE_RAISE(err, DSE_EFORMAT, "%s: a rejected driver has no known name", path);
        dse_tune_rejected_t *out = &t->rejected[t->n_rejected++];
        out->driver = d;
        out->ranks = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "ranks"));
        out->error = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "error"));
        snprintf(out->reason, sizeof out->reason, "%s", why ? why : "");
    }
    return DSE_OK;
}

static int copy_string(const cJSON *o, const char *key, char *buf, size_t len, const char *path,
                       dse_err_t *err)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    if (!s || strlen(s) >= len)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: \"%s\" missing or too long", path, key);
    snprintf(buf, len, "%s", s);
    return DSE_OK;
}

int dse_tune_parse(const char *text, const char *path, dse_tune_table_t *t, dse_err_t *err)
{
    memset(t, 0, sizeof *t);
    cJSON *root = cJSON_Parse(text);
    if (!root) return DSE_RAISE(err, DSE_EFORMAT, "%s: not valid JSON", path);
    const char *fmt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "format"));
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(root, "entries");
    int count = cJSON_GetArraySize(entries), rc = DSE_OK;
    if (!fmt || strcmp(fmt, DSE_TUNE_FORMAT) != 0)
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: \"format\" is not \"%s\"", path, DSE_TUNE_FORMAT);
    else if (!cJSON_IsArray(entries) || count < 1 || count > DSE_TUNE_MAX_ENTRIES)
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: \"entries\" must hold 1 to %d settings", path,
                       DSE_TUNE_MAX_ENTRIES);
    if (rc == DSE_OK) rc = copy_string(root, "cpu", t->cpu, sizeof t->cpu, path, err);
    if (rc == DSE_OK) rc = copy_string(root, "blas", t->blas, sizeof t->blas, path, err);
    for (int i = 0; rc == DSE_OK && i < count; ++i)
        rc = parse_entry(cJSON_GetArrayItem(entries, i), &t->entries[i], path, err);
    if (rc == DSE_OK) t->n_entries = (size_t)count;
    if (rc == DSE_OK)
        rc = parse_rejected(cJSON_GetObjectItemCaseSensitive(root, "rejected"), t, path, err);
    const char *created = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "created"));
    snprintf(t->created, sizeof t->created, "%s", created ? created : "");
    cJSON_Delete(root);
    return rc;
}

/* The whole file as a string (caller frees); at most 1 MiB. */
static int read_text(const char *path, char **out, dse_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return DSE_RAISE(err, DSE_EIO, "%s: %s", path, strerror(errno));
    char *buf = DSE_MALLOC(1 << 20, 1, err);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    int bad = buf && (ferror(f) || !feof(f));
    fclose(f);
    if (!buf) return err->code;
    if (bad) {
        free(buf);
        return DSE_RAISE(err, DSE_EFORMAT, "%s: unreadable or larger than 1 MiB", path);
    }
    buf[n] = '\0';
    *out = buf;
    return DSE_OK;
}

/* The note of one load into note (if given) and last_note; returns in_use. */
static int noted(int in_use, char *note, size_t note_len)
{
    if (note && note_len) snprintf(note, note_len, "%s", last_note);
    return in_use;
}

int dse_tune_load(const char *path, char *note, size_t note_len)
{
    char def[4096], cpu[128], blas[256];
    if (!path) path = dse_tune_default_path(def, sizeof def);
    have_loaded = 0;
    if (access(path, F_OK) != 0) {
        snprintf(last_note, sizeof last_note,
                 "no tuning file (%s): the built-in driver table is used; `dsesweep tune` "
                 "measures this node",
                 path);
        return noted(0, note, note_len);
    }
    dse_err_t err;
    char *text = NULL;
    int rc = read_text(path, &text, &err);
    if (rc == DSE_OK) rc = dse_tune_parse(text, path, &loaded, &err);
    free(text);
    dse_tune_host_key(cpu, sizeof cpu, blas, sizeof blas);
    if (rc == DSE_OK && (strcmp(cpu, loaded.cpu) != 0 || strcmp(blas, loaded.blas) != 0))
        rc = DSE_RAISE(&err, DSE_EVALUE, "%s: made on another node (CPU \"%s\", BLAS \"%.40s\")",
                       path, loaded.cpu, loaded.blas);
    if (rc != DSE_OK) {
        snprintf(last_note, sizeof last_note,
                 "tuning file ignored: %s; the built-in driver table is used", err.msg);
        return noted(0, note, note_len);
    }
    have_loaded = 1;
    snprintf(loaded_path, sizeof loaded_path, "%s", path);
    snprintf(last_note, sizeof last_note,
             "tuning file %s: drivers chosen by this node's measurements", path);
    return noted(1, note, note_len);
}
