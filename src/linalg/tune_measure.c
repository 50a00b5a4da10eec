/* tune_measure.c — `dsesweep tune`'s measurements and the tuning file's
 * writer (see tune.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dsesweep/kernel.h"
#include "dsesweep/rng.h"
#include "dsesweep/tune.h"

extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int num_threads);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* n random points in d dimensions (row-major, caller frees). */
static double *random_points(size_t n, size_t d, dse_err_t *err)
{
    double *z = DSE_MALLOC(n * d, sizeof *z, err);
    if (!z) return NULL;
    dse_rng_t rng;
    dse_rng_init(&rng, 1, 0, n, 0);
    for (size_t i = 0; i < n * d; ++i)
        z[i] = (double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0;
    return z;
}

/* One size: the anisotropic kernel of random points (as bench_eigen), then
 * each driver on a fresh copy; the best of `reps` runs for small sizes. */
static int measure_size(size_t n, dse_tune_entry_t *e, size_t slot, FILE *log, dse_err_t *err)
{
    size_t d = 64;
    double *z = random_points(n, d, err);
    double *K = z ? DSE_MALLOC(n * n, sizeof *K, err) : NULL;
    double *A = K ? DSE_MALLOC(n * n, sizeof *A, err) : NULL;
    double *w = A ? DSE_MALLOC(n, sizeof *w, err) : NULL;
    int rc = w ? dse_kernel_build_lower(n, d, z, 1.0, K, err) : err->code;
    int reps = n <= 1000 ? 3 : 1;
    for (int k = 0; rc == DSE_OK && k < DSE_TUNE_DRIVERS; ++k) {
        double best = 0;
        for (int r = 0; rc == DSE_OK && r < reps; ++r) {
            memcpy(A, K, n * n * sizeof *A);
            double t0 = now();
            rc = dse_eigen_symmetric(n, A, w, (dse_eigen_driver_t)(DSE_EIGEN_DSYEVD + k), err);
            double t = now() - t0;
            if (r == 0 || t < best) best = t;
        }
        e->seconds[slot][k] = best > 1e-6 ? best : 1e-6;
    }
    e->n[slot] = n;
    if (rc == DSE_OK && log)
        fprintf(log,
                "  threads %d  N %6zu   dsyevd %8.3f s   dsyevr %8.3f s   dsyevd_2stage %8.3f s\n",
                e->threads, n, e->seconds[slot][0], e->seconds[slot][1], e->seconds[slot][2]);
    if (log) fflush(log);
    free(z);
    free(K);
    free(A);
    free(w);
    return rc;
}

/* The kernel build's rate at n = 2000, d = 512 (n^2 d flops per build). */
static int measure_kernel(dse_tune_entry_t *e, dse_err_t *err)
{
    size_t n = 2000, d = 512;
    double *z = random_points(n, d, err);
    double *K = z ? DSE_MALLOC(n * n, sizeof *K, err) : NULL;
    int rc = K ? DSE_OK : err->code;
    double best = 0;
    for (int r = 0; rc == DSE_OK && r < 2; ++r) {
        double t0 = now();
        rc = dse_kernel_build_lower(n, d, z, 22.6, K, err);
        double t = now() - t0;
        if (r == 0 || t < best) best = t;
    }
    if (rc == DSE_OK)
        e->kernel_gflops =
            ((double)n * (double)n * (double)d + 30.0 * (double)n * (double)n) / best / 1e9;
    free(z);
    free(K);
    return rc;
}

int dse_tune_measure(const size_t *sizes, size_t n_sizes, const int *threads, size_t n_threads,
                     dse_tune_table_t *out, FILE *log, dse_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (n_sizes < 1 || n_sizes > DSE_TUNE_MAX_SIZES || n_threads < 1 ||
        n_threads > DSE_TUNE_MAX_ENTRIES)
        return DSE_RAISE(err, DSE_EUSAGE, "tune: 1 to %d sizes and 1 to %d thread counts",
                         DSE_TUNE_MAX_SIZES, DSE_TUNE_MAX_ENTRIES);
    dse_tune_host_key(out->cpu, sizeof out->cpu, out->blas, sizeof out->blas);
    time_t t = time(NULL);
    strftime(out->created, sizeof out->created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    int saved = openblas_get_num_threads(), rc = DSE_OK;
    for (size_t i = 0; rc == DSE_OK && i < n_threads; ++i) {
        dse_tune_entry_t *e = &out->entries[i];
        e->threads = threads[i];
        e->count = n_sizes;
        openblas_set_num_threads(threads[i]);
        rc = measure_kernel(e, err);
        if (rc == DSE_OK && log)
            fprintf(log, "  threads %d  kernel build %.1f GFLOP/s\n", e->threads, e->kernel_gflops);
        for (size_t s = 0; rc == DSE_OK && s < n_sizes; ++s)
            rc = measure_size(sizes[s], e, s, log, err);
    }
    openblas_set_num_threads(saved);
    out->n_entries = n_threads;
    return rc;
}

static cJSON *entry_json(const dse_tune_entry_t *e)
{
    static const char *names[DSE_TUNE_DRIVERS] = {"dsyevd", "dsyevr", "dsyevd_2stage"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "threads", e->threads);
    cJSON_AddNumberToObject(o, "kernel_gflops", e->kernel_gflops);
    cJSON *sizes = cJSON_AddArrayToObject(o, "sizes");
    for (size_t i = 0; i < e->count; ++i)
        cJSON_AddItemToArray(sizes, cJSON_CreateNumber((double)e->n[i]));
    for (int k = 0; k < DSE_TUNE_DRIVERS; ++k) {
        cJSON *a = cJSON_AddArrayToObject(o, names[k]);
        for (size_t i = 0; i < e->count; ++i)
            cJSON_AddItemToArray(a, cJSON_CreateNumber(e->seconds[i][k]));
    }
    return o;
}

/* mkdir -p of path's directory. */
static int make_dirs(const char *path, dse_err_t *err)
{
    char *copy = DSE_STRDUP(path, err);
    if (!copy) return DSE_ENOMEM;
    char *dir = dirname(copy);
    for (char *p = dir + 1; *p; ++p) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(dir, 0755);
        *p = '/';
    }
    int rc = mkdir(dir, 0755) == 0 || errno == EEXIST
                 ? DSE_OK
                 : DSE_RAISE(err, DSE_EIO, "%s: cannot create %s: %s", path, dir, strerror(errno));
    free(copy);
    return rc;
}

int dse_tune_write(const dse_tune_table_t *t, const char *path, dse_err_t *err)
{
    DSE_TRY(make_dirs(path, err));
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", DSE_TUNE_FORMAT);
    cJSON_AddStringToObject(root, "cpu", t->cpu);
    cJSON_AddStringToObject(root, "blas", t->blas);
    cJSON_AddStringToObject(root, "created", t->created);
    cJSON *entries = cJSON_AddArrayToObject(root, "entries");
    for (size_t i = 0; i < t->n_entries; ++i)
        cJSON_AddItemToArray(entries, entry_json(&t->entries[i]));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return DSE_RAISE(err, DSE_ENOMEM, "cannot encode the tuning file");
    size_t len = strlen(path) + 8;
    char *tmp = DSE_MALLOC(len, 1, err);
    int rc = tmp ? DSE_OK : DSE_ENOMEM;
    FILE *f = NULL;
    if (rc == DSE_OK) {
        snprintf(tmp, len, "%s.tmp", path);
        f = fopen(tmp, "w");
        if (!f) rc = DSE_RAISE(err, DSE_EIO, "%s: %s", tmp, strerror(errno));
    }
    if (rc == DSE_OK) {
        fputs(text, f);
        fputc('\n', f);
        rc = dse_fclose_checked(f, tmp, err);
    }
    if (rc == DSE_OK && rename(tmp, path) != 0)
        rc = DSE_RAISE(err, DSE_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    free(tmp);
    free(text);
    return rc;
}
