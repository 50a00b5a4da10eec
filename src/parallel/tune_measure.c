/* tune_measure.c — `dsesweep tune`'s measurements (one rank or a group:
 * collective) and the tuning file's writer (see tune.h). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dsesweep/dist.h"
#include "dsesweep/elpa.h"
#include "dsesweep/group.h"
#include "dsesweep/interval.h"
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

/* ---- check matrices and generated problems --------------------------------- */

/* A generated problem: rows from their index, so every rank of a group reads
 * its own shard without the others. dup: rows 2i and 2i+1 are equal (the
 * singular K of a duplicated sample); clustered: 10 clusters along every
 * tenth axis (a decaying spectrum). */
typedef struct {
    size_t d;
    int dup;
    double sigma;
    const char *what;
} problem_t;

static int problem_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err)
{
    (void)err;
    const problem_t *p = ctx;
    for (size_t i = 0; i < count; ++i) {
        size_t row = p->dup ? pos[i] / 2 : pos[i];
        dse_rng_t rng;
        dse_rng_init(&rng, 1, 5, row, 0);
        for (size_t k = 0; k < p->d; ++k)
            out[i * p->d + k] = (double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0 +
                                (double)(row % 10) * (k % 10 == 0);
    }
    return DSE_OK;
}

static const problem_t checks[] = {
    {8, 1, 0.5, "duplicated-sample (singular) kernel, N = 250"},
    {16, 0, 4.0, "clustered kernel (decaying spectrum), N = 300"},
};
static const size_t check_n[] = {250, 300};
static const problem_t timing_problem = {64, 0, 4.0, "clustered kernel"};

/* The n x n anisotropic kernel of p, lower triangle, ld n (caller frees). */
static int local_kernel(const problem_t *p, size_t n, double **K, dse_err_t *err)
{
    double *z = DSE_MALLOC(n * p->d, sizeof *z, err);
    *K = z ? DSE_MALLOC(n * n, sizeof **K, err) : NULL;
    size_t *pos = *K ? DSE_MALLOC(n, sizeof *pos, err) : NULL;
    int rc = pos ? DSE_OK : err->code;
    for (size_t i = 0; rc == DSE_OK && i < n; ++i)
        pos[i] = i;
    if (rc == DSE_OK) rc = problem_read((void *)p, pos, n, z, err);
    if (rc == DSE_OK) rc = dse_kernel_build_lower(n, p->d, z, p->sigma, *K, err);
    free(z);
    free(pos);
    if (rc != DSE_OK) {
        free(*K);
        *K = NULL;
    }
    return rc;
}

/* One solver run: a one-rank driver on a copy of K (ld n), or a group driver
 * on a copy of the local block A0. kernel: ELPA2's kernel (-1 default). */
typedef struct {
    const dse_group_t *g; /* NULL: one rank */
    const dse_layout_t *L;
    const double *A0;
    size_t n, bytes;
    double *A, *w;
} solve_t;

static int solve_once(solve_t *s, dse_eigen_driver_t driver, int kernel, double *seconds,
                      dse_err_t *err)
{
    memcpy(s->A, s->A0, s->bytes);
    int rc;
    if (!s->g) {
        double t0 = now();
        if (driver == DSE_EIGEN_ELPA2) {
            rc = dse_elpa_eigenvalues_local((int)s->n, s->A, s->w, 2, kernel, err);
            for (size_t i = 0; rc == DSE_OK && i < s->n / 2; ++i) {
                double t = s->w[i];
                s->w[i] = s->w[s->n - 1 - i];
                s->w[s->n - 1 - i] = t;
            }
        } else {
            rc = dse_eigen_symmetric(s->n, s->A, s->w, driver, err);
        }
        *seconds = now() - t0;
        return rc;
    }
    MPI_Barrier(s->g->comm);
    double t0 = now();
    rc = dse_dist_eigvals_kernel(s->g, s->L, s->A, s->w, driver, kernel, NULL, err);
    double t = now() - t0;
    MPI_Allreduce(&t, seconds, 1, MPI_DOUBLE, MPI_MAX, s->g->comm);
    return rc;
}

/* Sets up s for problem p at order n: K on one rank, else the local block. */
static int solve_setup(const dse_group_t *g, const problem_t *p, size_t n, solve_t *s,
                       dse_layout_t *L, dse_err_t *err)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    int rc = DSE_OK;
    double *A0 = NULL;
    if (g->size == 1) {
        rc = local_kernel(p, n, &A0, err);
        s->bytes = n * n * sizeof *A0;
    } else {
        rc = dse_group_agree(g, dse_layout_init(g, n, 64, L, err), err);
        if (rc != DSE_OK) return rc;
        size_t ld = L->mloc > 1 ? (size_t)L->mloc : 1, cols = L->nloc > 0 ? (size_t)L->nloc : 1;
        s->bytes = ld * cols * sizeof *A0;
        A0 = DSE_MALLOC(ld * cols, sizeof *A0, err);
        rc = dse_group_agree(g, A0 ? DSE_OK : err->code, err);
        if (rc == DSE_OK)
            rc = dse_dist_kernel(g, L, p->d, problem_read, (void *)p, p->sigma,
                                 DSE_KERNEL_ANISOTROPIC, A0, NULL, err);
        s->g = g;
        s->L = L;
    }
    s->A0 = A0;
    s->A = rc == DSE_OK ? DSE_MALLOC(s->bytes / sizeof *A0, sizeof *A0, err) : NULL;
    s->w = s->A ? DSE_MALLOC(n, sizeof *s->w, err) : NULL;
    if (rc == DSE_OK && !s->w) rc = err->code;
    return g->size == 1 ? rc : dse_group_agree(g, rc, err);
}

static void solve_free(solve_t *s, dse_layout_t *L)
{
    free((void *)s->A0);
    free(s->A);
    free(s->w);
    if (s->g) dse_layout_free(L);
    memset(s, 0, sizeof *s);
}

/* The largest |w - ref| relative to max |ref|. */
static double spectrum_error(const double *w, const double *ref, size_t n)
{
    double e = 0, scale = 0;
    for (size_t i = 0; i < n; ++i) {
        e = fmax(e, fabs(w[i] - ref[i]));
        scale = fmax(scale, fabs(ref[i]));
    }
    return scale > 0 ? e / scale : e;
}

static void add_rejected(dse_tune_table_t *t, dse_eigen_driver_t d, int ranks, double error,
                         const char *reason)
{
    for (size_t i = 0; i < t->n_rejected; ++i)
        if (t->rejected[i].driver == (int)d && t->rejected[i].ranks == ranks) return;
    if (t->n_rejected == DSE_TUNE_MAX_REJECTED) return;
    dse_tune_rejected_t *r = &t->rejected[t->n_rejected++];
    r->driver = d;
    r->ranks = ranks;
    r->error = error;
    snprintf(r->reason, sizeof r->reason, "%s", reason);
}

/* The candidates on this communicator: one-rank drivers, or group drivers. */
static int candidate(dse_eigen_driver_t d, int ranks)
{
    return dse_eigen_driver_scope(d) & (ranks > 1 ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK);
}

/* The accuracy a driver must show against dsyevd on a check matrix of order
 * n: DSE_TUNE_CHECK_TOL for a float64 driver; for a float32 one the proved
 * radius its intervals use (the operator's largest eigenvalue is 1), so the
 * check also tests docs/bounded.md's solver model on this node. */
static double check_tol(dse_eigen_driver_t d, size_t n)
{
    return dse_eigen_driver_scope(d) & DSE_EIGEN_FLOAT32 ? dse_interval_float32_radius(n)
                                                         : DSE_TUNE_CHECK_TOL;
}

/* Runs (driver, kernel) on every check matrix against dsyevd. Returns the
 * worst relative error (HUGE_VAL when the solver failed), with what failed. */
static double check_one(const dse_group_t *g, dse_eigen_driver_t d, int kernel, char *why,
                        size_t why_len, dse_err_t *err)
{
    double worst = 0;
    for (size_t c = 0; c < sizeof checks / sizeof checks[0]; ++c) {
        size_t n = check_n[c];
        double *K = NULL, *ref = DSE_MALLOC(n, sizeof *ref, err);
        int rc = ref ? local_kernel(&checks[c], n, &K, err) : err->code;
        if (rc == DSE_OK) rc = dse_eigen_symmetric(n, K, ref, DSE_EIGEN_DSYEVD, err);
        free(K);
        solve_t s;
        dse_layout_t L;
        rc = g->size == 1 ? rc : dse_group_agree(g, rc, err);
        if (rc == DSE_OK) rc = solve_setup(g, &checks[c], n, &s, &L, err);
        double secs = 0, e = HUGE_VAL;
        if (rc == DSE_OK) rc = solve_once(&s, d, kernel, &secs, err);
        if (rc == DSE_OK) e = spectrum_error(s.w, ref, n);
        if (rc != DSE_OK)
            snprintf(why, why_len, "failed on the %s: %.80s", checks[c].what, err->msg);
        else if (!(e <= check_tol(d, n)) && e > worst)
            snprintf(why, why_len,
                     "eigenvalues differ from dsyevd by %.1e (relative; allowed %.1e) on the %s", e,
                     check_tol(d, n), checks[c].what);
        if (rc != DSE_OK) dse_err_clear(err);
        worst = fmax(worst, e);
        solve_free(&s, &L);
        free(ref);
    }
    return worst;
}

/* 1 when check_one's worst error is within d's tolerance at every check size. */
static int check_passed(dse_eigen_driver_t d, double worst)
{
    /* The tolerance at the smallest check size: the strictest for float32. */
    size_t n = check_n[0];
    for (size_t c = 1; c < sizeof check_n / sizeof check_n[0]; ++c)
        n = check_n[c] < n ? check_n[c] : n;
    return worst <= check_tol(d, n);
}

/* ELPA2's kernels: each that passes the check is timed at order n (best of
 * 2); returns the fastest one's id, or -2 when none passed. */
static int choose_elpa_kernel(const dse_group_t *g, size_t n, FILE *log, dse_err_t *err)
{
    int best = -2;
    double best_t = 0;
    for (int i = 0; i < dse_elpa_kernel_count(); ++i) {
        int id = dse_elpa_kernel_id(i);
        char why[160] = "";
        if (!check_passed(DSE_EIGEN_ELPA2,
                          check_one(g, DSE_EIGEN_ELPA2, id, why, sizeof why, err))) {
            if (log)
                fprintf(log, "  ELPA2 kernel %-22s rejected: %s\n", dse_elpa_kernel_name(id), why);
            continue;
        }
        solve_t s;
        dse_layout_t L;
        double t = 0, secs = 0;
        int rc = solve_setup(g, &timing_problem, n, &s, &L, err);
        for (int r = 0; rc == DSE_OK && r < 2; ++r) {
            rc = solve_once(&s, DSE_EIGEN_ELPA2, id, &secs, err);
            if (r == 0 || secs < t) t = secs;
        }
        solve_free(&s, &L);
        if (rc != DSE_OK) return rc;
        if (log)
            fprintf(log, "  ELPA2 kernel %-22s N %6zu %8.3f s\n", dse_elpa_kernel_name(id), n, t);
        if (best == -2 || t < best_t) best = id, best_t = t;
    }
    return best;
}

/* Times every accepted candidate at one size into e->seconds[slot]. */
static int measure_size(const dse_group_t *g, size_t n, const int *accepted, dse_tune_entry_t *e,
                        size_t slot, FILE *log, dse_err_t *err)
{
    solve_t s;
    dse_layout_t L;
    int rc = solve_setup(g, &timing_problem, n, &s, &L, err), reps = n <= 1000 ? 3 : 1;
    if (log) fprintf(log, "  ranks %d threads %d  N %6zu ", e->ranks, e->threads, n);
    /* The fastest of each precision at the previous size: a driver
     * DSE_TUNE_PRUNE x slower than its precision's fastest there (and over a
     * second) is not timed again (-1: no candidate from here). */
    double prev_best[2] = {0, 0};
    for (int k = DSE_EIGEN_AUTO + 1; slot > 0 && k < DSE_EIGEN_ALL_DRIVERS; ++k) {
        double *b = &prev_best[k > DSE_EIGEN_FLOAT32_AUTO];
        if (e->seconds[slot - 1][k] > 0 && (*b == 0 || e->seconds[slot - 1][k] < *b))
            *b = e->seconds[slot - 1][k];
    }
    for (int k = DSE_EIGEN_AUTO + 1; rc == DSE_OK && k < DSE_EIGEN_ALL_DRIVERS; ++k) {
        if (!accepted[k]) continue;
        double prev = slot > 0 ? e->seconds[slot - 1][k] : 0;
        double fastest = prev_best[k > DSE_EIGEN_FLOAT32_AUTO];
        if (slot > 0 && (prev < 0 || (prev > 1.0 && prev > DSE_TUNE_PRUNE * fastest))) {
            e->seconds[slot][k] = -1;
            if (log) fprintf(log, "  %s -", dse_eigen_driver_name((dse_eigen_driver_t)k));
            continue;
        }
        double best = 0, t = 0;
        for (int r = 0; rc == DSE_OK && r < reps; ++r) {
            rc = solve_once(&s, (dse_eigen_driver_t)k, e->elpa_kernel, &t, err);
            if (r == 0 || t < best) best = t;
        }
        e->seconds[slot][k] = best > 1e-6 ? best : 1e-6;
        if (log) fprintf(log, "  %s %.3f s", dse_eigen_driver_name((dse_eigen_driver_t)k), best);
    }
    if (log) {
        fprintf(log, "\n");
        fflush(log);
    }
    e->n[slot] = n;
    solve_free(&s, &L);
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

/* One entry: (ranks, threads) on g. accepted[d] says which drivers to time. */
static int measure_entry(const dse_group_t *g, int threads, const size_t *sizes, size_t n_sizes,
                         const int *accepted, int elpa_kernel, dse_tune_entry_t *e, FILE *log,
                         dse_err_t *err)
{
    memset(e, 0, sizeof *e);
    e->ranks = g->size;
    e->threads = threads;
    e->count = n_sizes;
    e->elpa_kernel = elpa_kernel;
    openblas_set_num_threads(threads);
    int rc = DSE_OK;
    if (g->size == 1) {
        rc = measure_kernel(e, err);
        if (rc == DSE_OK && log)
            fprintf(log, "  threads %d  kernel build %.1f GFLOP/s\n", threads, e->kernel_gflops);
    }
    for (size_t i = 0; rc == DSE_OK && i < n_sizes; ++i)
        rc = measure_size(g, sizes[i], accepted, e, i, log, err);
    return rc;
}

int dse_tune_measure(MPI_Comm comm, const size_t *sizes, size_t n_sizes, const int *threads,
                     size_t n_threads, dse_tune_table_t *out, FILE *log, dse_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (n_sizes < 1 || n_sizes > DSE_TUNE_MAX_SIZES || n_threads < 1 ||
        n_threads > DSE_TUNE_MAX_ENTRIES)
        return DSE_RAISE(err, DSE_EUSAGE, "tune: 1 to %d sizes and 1 to %d thread counts",
                         DSE_TUNE_MAX_SIZES, DSE_TUNE_MAX_ENTRIES);
    dse_group_t *g = NULL;
    DSE_TRY(dse_group_create(comm, 0, 0, &g, err));
    if (g->rank != 0) log = NULL;
    dse_tune_host_key(out->cpu, sizeof out->cpu, out->blas, sizeof out->blas);
    time_t t = time(NULL);
    strftime(out->created, sizeof out->created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    int saved = openblas_get_num_threads(), rc = DSE_OK;
    int one = 1;
    if (g->size > 1) { /* a group: one BLAS thread per rank */
        threads = &one;
        n_threads = 1;
    }
    openblas_set_num_threads(threads[0]);
    /* 1. The accuracy check of every candidate; ELPA2 through its kernels. */
    int accepted[DSE_EIGEN_ALL_DRIVERS] = {0}, elpa_kernel = -1;
    size_t mid = sizes[0];
    for (size_t i = 0; i < n_sizes; ++i)
        if (sizes[i] <= 2000) mid = sizes[i];
    if (log)
        fprintf(log,
                "  accuracy check: every candidate against dsyevd (%.0e relative; float32: the "
                "proved radius, %.1e at N = %zu)\n",
                DSE_TUNE_CHECK_TOL, dse_interval_float32_radius(check_n[0]), check_n[0]);
    for (int k = DSE_EIGEN_AUTO + 1; rc == DSE_OK && k < DSE_EIGEN_ALL_DRIVERS; ++k) {
        dse_eigen_driver_t d = (dse_eigen_driver_t)k;
        if (d == DSE_EIGEN_FLOAT32_AUTO || !candidate(d, g->size)) continue;
        if (d == DSE_EIGEN_ELPA2) {
            elpa_kernel = choose_elpa_kernel(g, mid, log, err);
            if (elpa_kernel == -2)
                add_rejected(out, d, g->size, HUGE_VAL, "every ELPA2 kernel failed the check");
            accepted[k] = elpa_kernel != -2;
            if (elpa_kernel == -2) elpa_kernel = -1;
            continue;
        }
        char why[160] = "";
        double e = check_one(g, d, -1, why, sizeof why, err);
        accepted[k] = check_passed(d, e);
        if (!accepted[k]) add_rejected(out, d, g->size, e, why);
        if (log)
            fprintf(log, "  %-14s %s\n", dse_eigen_driver_name(d), accepted[k] ? "passed" : why);
    }
    if (log && accepted[DSE_EIGEN_ELPA2])
        fprintf(log, "  ELPA2 kernel chosen: %s (the fastest at N = %zu)\n",
                dse_elpa_kernel_name(elpa_kernel), mid);
    /* 2. The timings per thread count. */
    for (size_t i = 0; rc == DSE_OK && i < n_threads; ++i)
        rc = measure_entry(g, threads[i], sizes, n_sizes, accepted, elpa_kernel, &out->entries[i],
                           log, err);
    openblas_set_num_threads(saved);
    out->n_entries = n_threads;
    rc = dse_group_agree(g, rc, err);
    dse_group_destroy(&g);
    return rc;
}

static cJSON *entry_json(const dse_tune_entry_t *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "ranks", e->ranks);
    cJSON_AddNumberToObject(o, "threads", e->threads);
    cJSON_AddNumberToObject(o, "kernel_gflops", e->kernel_gflops);
    cJSON_AddStringToObject(o, "elpa2_kernel", dse_elpa_kernel_name(e->elpa_kernel));
    cJSON *sizes = cJSON_AddArrayToObject(o, "sizes");
    for (size_t i = 0; i < e->count; ++i)
        cJSON_AddItemToArray(sizes, cJSON_CreateNumber((double)e->n[i]));
    for (int k = DSE_EIGEN_AUTO + 1; k < DSE_EIGEN_ALL_DRIVERS; ++k) {
        if (!(e->count > 0 && e->seconds[0][k] > 0)) continue;
        cJSON *a = cJSON_AddArrayToObject(o, dse_eigen_driver_name((dse_eigen_driver_t)k));
        for (size_t i = 0; i < e->count; ++i) /* null: pruned (not timed from here) */
            cJSON_AddItemToArray(a, e->seconds[i][k] > 0 ? cJSON_CreateNumber(e->seconds[i][k])
                                                         : cJSON_CreateNull());
    }
    return o;
}

static cJSON *rejected_json(const dse_tune_rejected_t *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "driver", dse_eigen_driver_name((dse_eigen_driver_t)r->driver));
    cJSON_AddNumberToObject(o, "ranks", r->ranks);
    cJSON_AddNumberToObject(o, "error", isfinite(r->error) ? r->error : -1);
    cJSON_AddStringToObject(o, "reason", r->reason);
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
    cJSON *rejected = cJSON_AddArrayToObject(root, "rejected");
    for (size_t i = 0; i < t->n_rejected; ++i)
        cJSON_AddItemToArray(rejected, rejected_json(&t->rejected[i]));
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
