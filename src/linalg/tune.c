/* tune.c — the measured eigensolver choice and time model (see tune.h). */
#include "dsesweep/tune.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* OpenBLAS's own entry points (libopenblas; no header in Debian's -dev). */
extern char *openblas_get_config(void);
extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int num_threads);

/* The built-in table: `dsesweep tune` and bench/bench_eigen on the project's
 * 2-core VM (AMD EPYC, OpenBLAS 0.3.21), shared with other jobs: medians of
 * 2-3 runs per point (docs/performance.md); N = 8000 at 2 threads also from
 * issue 15's measurement. A default, not a law: a tuning file overrides it. */
static const dse_tune_table_t builtin = {.cpu = "built-in",
                                         .blas = "built-in",
                                         .n_entries = 2,
                                         .entries = {{.threads = 1,
                                                      .count = 6,
                                                      .n = {500, 1000, 2000, 3000, 4000, 8000},
                                                      .seconds = {{0.012, 0.011, 0.019},
                                                                  {0.066, 0.065, 0.094},
                                                                  {0.57, 0.61, 0.59},
                                                                  {3.2, 3.5, 2.1},
                                                                  {10.5, 11.6, 8.6},
                                                                  {61.0, 69.5, 31.2}},
                                                      .kernel_gflops = 28.0},
                                                     {.threads = 2,
                                                      .count = 6,
                                                      .n = {500, 1000, 2000, 3000, 4000, 8000},
                                                      .seconds = {{0.050, 0.023, 0.053},
                                                                  {0.096, 0.092, 0.239},
                                                                  {1.58, 1.30, 1.66},
                                                                  {2.02, 2.01, 2.50},
                                                                  {8.4, 12.5, 8.05},
                                                                  {63.9, 76.2, 29.6}},
                                                      .kernel_gflops = 22.0}}};

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

/* The entry with the nearest thread count (ties: the smaller). */
static const dse_tune_entry_t *entry_for(const dse_tune_table_t *t, int threads)
{
    const dse_tune_entry_t *best = &t->entries[0];
    for (size_t i = 1; i < t->n_entries; ++i) {
        int d = abs(t->entries[i].threads - threads), b = abs(best->threads - threads);
        if (d < b || (d == b && t->entries[i].threads < best->threads)) best = &t->entries[i];
    }
    return best;
}

/* Seconds of driver k at order n: log-log interpolation between the measured
 * sizes, n^3 scaling outside them. */
static double predict(const dse_tune_entry_t *e, int k, size_t n)
{
    if (n == 0) return 0;
    size_t i = 0;
    while (i + 1 < e->count && e->n[i + 1] < n)
        i++;
    double x = (double)n;
    if (e->count == 1 || x <= (double)e->n[0])
        return e->seconds[0][k] * pow(x / (double)e->n[0], 3);
    if (i + 1 >= e->count || x >= (double)e->n[e->count - 1]) {
        size_t last = e->count - 1;
        return e->seconds[last][k] * pow(x / (double)e->n[last], 3);
    }
    double x0 = log((double)e->n[i]), x1 = log((double)e->n[i + 1]);
    double y0 = log(e->seconds[i][k]), y1 = log(e->seconds[i + 1][k]);
    return exp(y0 + (y1 - y0) * (log(x) - x0) / (x1 - x0));
}

/* The fastest driver at order n, and its predicted seconds; scaled by the
 * ratio of thread counts when the entry was measured at another count. */
static int fastest(size_t n, int threads, double *seconds)
{
    const dse_tune_entry_t *e = entry_for(table(), threads);
    int best = 0;
    double t = predict(e, 0, n);
    for (int k = 1; k < DSE_TUNE_DRIVERS; ++k) {
        double s = predict(e, k, n);
        if (s < t) best = k, t = s;
    }
    if (seconds) *seconds = t * (double)e->threads / (double)(threads > 0 ? threads : 1);
    return best;
}

dse_eigen_driver_t dse_tune_driver(size_t n, int threads)
{
    return (dse_eigen_driver_t)(DSE_EIGEN_DSYEVD + fastest(n, threads, NULL));
}

double dse_tune_eigen_seconds(size_t n, int threads)
{
    double s = 0;
    fastest(n, threads, &s);
    return s;
}

double dse_tune_kernel_seconds(size_t n, size_t d, int threads)
{
    const dse_tune_entry_t *e = entry_for(table(), threads);
    double rate = e->kernel_gflops > 0 ? e->kernel_gflops * 1e9 : 5e9;
    rate *= (double)(threads > 0 ? threads : 1) / (double)e->threads;
    /* dsyrk (n^2 d) plus the exp and the two scalings (~30 n^2). */
    return ((double)n * (double)n * (double)d + 30.0 * (double)n * (double)n) / rate;
}

/* ---- the file ------------------------------------------------------------- */

static int parse_sizes(const cJSON *e, dse_tune_entry_t *out, const char *path, dse_err_t *err)
{
    static const char *names[DSE_TUNE_DRIVERS] = {"dsyevd", "dsyevr", "dsyevd_2stage"};
    const cJSON *sizes = cJSON_GetObjectItemCaseSensitive(e, "sizes");
    int count = cJSON_GetArraySize(sizes);
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
    for (int k = 0; k < DSE_TUNE_DRIVERS; ++k) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, names[k]);
        if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != count)
            return DSE_RAISE(err, DSE_EFORMAT, "%s: \"%s\" must hold %d timings", path, names[k],
                             count);
        for (int i = 0; i < count; ++i) {
            double s = cJSON_GetNumberValue(cJSON_GetArrayItem(a, i));
            if (!(s > 0 && s < 1e7))
                return DSE_RAISE(err, DSE_EFORMAT, "%s: \"%s\" holds a bad timing", path, names[k]);
            out->seconds[i][k] = s;
        }
    }
    return DSE_OK;
}

static int parse_entry(const cJSON *e, dse_tune_entry_t *out, const char *path, dse_err_t *err)
{
    double th = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "threads"));
    double gf = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "kernel_gflops"));
    if (!(th >= 1 && th <= 4096) || th != floor(th))
        return DSE_RAISE(err, DSE_EFORMAT, "%s: an entry's \"threads\" is not a count", path);
    if (!(gf > 0 && gf < 1e6))
        return DSE_RAISE(err, DSE_EFORMAT, "%s: an entry's \"kernel_gflops\" is not a rate", path);
    out->threads = (int)th;
    out->kernel_gflops = gf;
    return parse_sizes(e, out, path, err);
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
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: \"entries\" must hold 1 to %d thread counts", path,
                       DSE_TUNE_MAX_ENTRIES);
    if (rc == DSE_OK) rc = copy_string(root, "cpu", t->cpu, sizeof t->cpu, path, err);
    if (rc == DSE_OK) rc = copy_string(root, "blas", t->blas, sizeof t->blas, path, err);
    for (int i = 0; rc == DSE_OK && i < count; ++i)
        rc = parse_entry(cJSON_GetArrayItem(entries, i), &t->entries[i], path, err);
    if (rc == DSE_OK) t->n_entries = (size_t)count;
    const char *created = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "created"));
    snprintf(t->created, sizeof t->created, "%s", created ? created : "");
    cJSON_Delete(root);
    return rc;
}

/* The whole file as a string (caller frees); at most 1 MB. */
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
        return DSE_RAISE(err, DSE_EFORMAT, "%s: unreadable or larger than 1 MB", path);
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
