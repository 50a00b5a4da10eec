/* test_sigma_rules.c — the bandwidth rules of params.h on one rank and on a
 * group.
 *
 * usage: mpiexec -n P test_sigma_rules
 *   - parsing: every rule form, the canonical text, and the error message;
 *   - one rank: the median of dse_kernel_median_distance_lower equals a sort
 *     of every pairwise distance (exactly, odd and even pair counts); the
 *     kNN bandwidths equal an explicit neighbour loop; several rules in one
 *     dse_kernel_spectra call compute the distances ONCE (the counter) and
 *     give, rule by rule, the same eigenvalues bit for bit as one call per
 *     rule;
 *   - a group of all P ranks (block size 8, N not a multiple of 8): every
 *     rule's eigenvalues equal the one-rank ones within 1e-10 absolute, the
 *     sigma used within 1e-12 relative, and the group also computes the
 *     distances once (stats.distance_passes == 1).
 *   - the streamed median (median.h) on all P ranks equals the one-rank
 *     median of the full matrix to 1e-14 relative (the same pair is selected;
 *     its square comes from dgemm blocks instead of one dsyrk, which rounds
 *     differently in the last bits), for odd and even pair counts,
 *     a good guess, guesses far too small and too large (the bracket
 *     misses), a gather cap of 1 value (buckets bracketed again), and rows
 *     that are all the same point (every distance 0).
 * Data: seeded uniform points with duplicated rows (ties in the kNN rule).
 */
#include <math.h>
#include <stdlib.h>

#include "check_mpi.h"
#include "dsesweep/dist.h"
#include "dsesweep/kernel.h"
#include "dsesweep/median.h"
#include "dsesweep/params.h"
#include "dsesweep/rng.h"

static int world_rank, world_size;

typedef struct {
    const double *z;
    size_t d;
} memory_rows_t;

static int memory_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err)
{
    (void)err;
    memory_rows_t *m = ctx;
    for (size_t i = 0; i < count; ++i)
        memcpy(out + i * m->d, m->z + pos[i] * m->d, m->d * sizeof *out);
    return DSE_OK;
}

static double *make_points(size_t n, size_t d, uint64_t seed)
{
    double *z = malloc(n * d * sizeof *z);
    dse_rng_t rng;
    dse_rng_init(&rng, seed, 99, 0, 0);
    for (size_t i = 0; i < n * d; ++i)
        z[i] = (double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0 * (1.0 + (double)(i % 3));
    /* A few exact duplicates: ties for the kNN rule and zero distances. */
    for (size_t i = 0; i + 7 < n; i += 11)
        memcpy(z + (i + 7) * d, z + i * d, d * sizeof *z);
    return z;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_parse(void)
{
    dse_err_t err;
    dse_params_t p = dse_params_default();
    char buf[32];
    CHECK(dse_sigma_parse_list("4", &p, &err) == DSE_OK && p.n_rules == 0 && p.sigma == 4,
          "one fixed number keeps the default path");
    CHECK(dse_sigma_parse_list(" sqrt_d , MEDIAN,median*0.5,knn:7,2.5", &p, &err) == DSE_OK &&
              p.n_rules == 5,
          "a list of five rules: %s", err.msg);
    const char *want[] = {"sqrt_d", "median", "median*0.5", "knn:7", "2.5"};
    for (int r = 0; r < 5; ++r)
        CHECK_STR(dse_sigma_format(&p.rules[r], buf, sizeof buf), want[r], "rule text");
    CHECK(dse_sigma_is_adaptive(&p.rules[1]) && dse_sigma_is_adaptive(&p.rules[3]) &&
              !dse_sigma_is_adaptive(&p.rules[0]) && !dse_sigma_is_adaptive(&p.rules[4]),
          "adaptive rules");
    const char *bad[] = {"0", "-1", "knn:0", "median*", "median*-2", "wide", "knn:x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i)
        CHECK(dse_sigma_parse_list(bad[i], &p, &err) == DSE_EUSAGE, "'%s' refused", bad[i]);
    dse_sigma_parse_list("wide", &p, &err);
    CHECK_STR(err.msg,
              "bad sigma rule 'wide' (expected a number > 0, sqrt_d, median, median*C or knn:K)",
              "message");
    CHECK(dse_sigma_parse_list("1,2,3,4,5,6,7,8,9", &p, &err) == DSE_EUSAGE, "at most 8 rules");
}

/* Median and kNN bandwidths against the plain definitions. */
static void test_serial_rules(size_t n, size_t d)
{
    dse_err_t err;
    double *z = make_points(n, d, n);
    double *D2 = malloc(n * n * sizeof *D2), *all = malloc(n * n * sizeof *all);
    CHECK(dse_kernel_sqdist_lower(n, d, z, D2, &err) == DSE_OK, "%s", err.msg);
    size_t c = 0;
    for (size_t j = 0; j < n; ++j)
        for (size_t i = j + 1; i < n; ++i)
            all[c++] = sqrt(D2[i + j * n]);
    qsort(all, c, sizeof *all, cmp_double);
    double want = c % 2 ? all[c / 2] : 0.5 * (all[c / 2 - 1] + all[c / 2]), got = -1;
    CHECK(dse_kernel_median_distance_lower(n, D2, &got, &err) == DSE_OK, "%s", err.msg);
    char what[96];
    snprintf(what, sizeof what, "median distance, N = %zu (%zu pairs)", n, c);
    CHECK(got == want, "%s: %.17g vs %.17g", what, got, want);
    /* kNN: an explicit loop over each row's other points, sorted. */
    int k = 5;
    double *sig = malloc(n * sizeof *sig), *row = malloc(n * sizeof *row);
    CHECK(dse_kernel_knn_sigma_lower(n, D2, k, sig, &err) == DSE_OK, "%s", err.msg);
    int same = 1;
    for (size_t i = 0; i < n; ++i) {
        size_t m = 0;
        for (size_t j = 0; j < n; ++j)
            if (j != i) row[m++] = sqrt(i > j ? D2[i + j * n] : D2[j + i * n]);
        qsort(row, m, sizeof *row, cmp_double);
        same &= sig[i] == row[k - 1];
    }
    CHECK(same, "kNN sigma_i equals the explicit neighbour loop, N = %zu", n);
    CHECK(dse_kernel_knn_sigma_lower(n, D2, (int)n, sig, &err) == DSE_EVALUE, "k >= N refused");
    free(sig);
    free(row);
    free(all);
    free(D2);
    free(z);
}

/* Several rules: one distance pass, each block equal to its own call. */
static void test_shared_distances(const double *z, size_t n, size_t d, const dse_params_t *p)
{
    dse_err_t err;
    int R = dse_params_rule_count(p);
    double *all = malloc((size_t)R * (n + 3) * sizeof *all), *one = malloc((n + 3) * sizeof *one);
    size_t passes = 0;
    CHECK(dse_kernel_spectra(n, d, z, p->rules, R, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_AUTO, all,
                             &passes, &err) == DSE_OK,
          "%s", err.msg);
    CHECK(passes == 1, "%d rules computed the distances %zu times, want once", R, passes);
    for (int r = 0; r < R; ++r) {
        size_t p1 = 0;
        CHECK(dse_kernel_spectra(n, d, z, &p->rules[r], 1, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_AUTO,
                                 one, &p1, &err) == DSE_OK,
              "%s", err.msg);
        CHECK(memcmp(one, all + (size_t)r * (n + 3), (n + 3) * sizeof *one) == 0,
              "rule %d: shared-distance spectrum differs from its own call", r);
    }
    free(all);
    free(one);
}

/* Every rule on a group of all ranks against one rank. */
static void test_group(const double *z, size_t n, size_t d, const dse_params_t *p)
{
    dse_err_t err;
    dse_err_clear(&err);
    int R = dse_params_rule_count(p);
    size_t len = (size_t)R * (n + 3);
    double *ref = malloc(len * sizeof *ref), *w = malloc(len * sizeof *w);
    CHECK(dse_kernel_spectra(n, d, z, p->rules, R, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_AUTO, ref,
                             NULL, &err) == DSE_OK,
          "%s", err.msg);
    dse_group_t *g = NULL;
    CHECK(dse_group_create(MPI_COMM_WORLD, 0, 0, &g, &err) == DSE_OK, "%s", err.msg);
    memory_rows_t rows = {z, d};
    dse_dist_stats_t st;
    int rc = dse_dist_spectra(g, n, d, memory_read, &rows, p->rules, R, DSE_KERNEL_ANISOTROPIC,
                              DSE_EIGEN_AUTO, 8, 0, w, &st, &err);
    CHECK(rc == DSE_OK, "%s", err.msg);
    CHECK(st.distance_passes == 1, "group of %d: distances computed %zu times", world_size,
          st.distance_passes);
    for (int r = 0; rc == DSE_OK && r < R; ++r) {
        const double *a = ref + (size_t)r * (n + 3), *b = w + (size_t)r * (n + 3);
        double worst = 0;
        for (size_t i = 0; i < n; ++i)
            worst = fmax(worst, fabs(a[i] - b[i]));
        char what[128], buf[32];
        snprintf(what, sizeof what, "rule %s, N = %zu on %d rank(s), nb 8: max |eig diff|",
                 dse_sigma_format(&p->rules[r], buf, sizeof buf), n, world_size);
        CHECK_ABS(worst, 0.0, 1e-10, what);
        for (int s = 0; s < 3; ++s)
            CHECK_REL(b[n + s], a[n + s], 1e-12, "sigma used (median, min, max)");
        if (world_rank == 0) printf("  %-64s %.2e\n", what, worst);
    }
    dse_group_destroy(&g);
    free(ref);
    free(w);
}

/* The streamed median on every rank against the one-rank full-matrix median. */
static void test_streamed_median(size_t n, size_t d, uint64_t seed, int same_point)
{
    double *z = make_points(n, d, seed);
    for (size_t i = 1; same_point && i < n; ++i)
        memcpy(z + i * d, z, d * sizeof *z);
    double *D2 = malloc(n * n * sizeof *D2), want = -1;
    dse_err_t err;
    CHECK(dse_kernel_sqdist_lower(n, d, z, D2, &err) == DSE_OK, "%s", err.msg);
    CHECK(dse_kernel_median_distance_lower(n, D2, &want, &err) == DSE_OK, "%s", err.msg);
    const double guesses[] = {want > 0 ? want * 1.03 : 1.0, 1e-9, 1e9, 0.0};
    const size_t caps[] = {0, 0, 0, 1}; /* 1: the even middle pair never fits: bracketed again */
    for (int g = 0; g < 4; ++g) {
        double got = -1;
        int rc =
            dse_median_distance_stream(MPI_COMM_WORLD, n, d, z, guesses[g], caps[g], &got, &err);
        CHECK(rc == DSE_OK, "streamed median: %s", err.msg);
        CHECK(fabs(got - want) <= 1e-14 * want,
              "streamed median n=%zu guess %g cap %zu on %d ranks: %.17g, want %.17g", n,
              guesses[g], caps[g], world_size, got, want);
    }
    free(D2);
    free(z);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    if (world_rank == 0) {
        test_parse();
        test_serial_rules(97, 6);  /* 4656 pairs: even */
        test_serial_rules(100, 3); /* 4950 pairs: even */
        test_serial_rules(99, 4);  /* 4851 pairs: odd */
    }
    dse_err_t err;
    dse_params_t p = dse_params_default();
    CHECK(dse_sigma_parse_list("0.7,sqrt_d,median,median*0.5,knn:7", &p, &err) == DSE_OK, "%s",
          err.msg);
    size_t n = 203, d = 9;
    double *z = make_points(n, d, 5);
    if (world_rank == 0) test_shared_distances(z, n, d, &p);
    test_group(z, n, d, &p);
    free(z);
    test_streamed_median(700, 5, 21, 0); /* 244650 pairs: even */
    test_streamed_median(699, 7, 22, 0); /* 243951 pairs: odd */
    test_streamed_median(300, 4, 23, 1); /* one point: every distance 0 */
    int status = check_summary_mpi("test_sigma_rules");
    MPI_Finalize();
    return status;
}
