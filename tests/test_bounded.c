/* test_bounded.c — the certified DSE interval (engine/bounded) against the
 * exact solve, the interval itself on synthetic spectra, the same interval
 * at any rank count, and bad settings.
 *
 * Usage: test_bounded [big]   ("big": also N = 5000, run at one rank count only)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_mpi.h"
#include "dsesweep/bounded.h"
#include "dsesweep/entropy.h"
#include "dsesweep/kernel.h"
#include "dsesweep/rng.h"
#include "test_random.h"

static const double TS[] = {1, 2, 5};
#define NT 3

enum { BLOBS, SLOW, LOWRANK };
static const char *const kind_names[] = {"blobs", "slow decay", "embedding-like"};

/* n x d row-major data of a kind, a function of (kind, n) only. */
static double *make_data(int kind, size_t n, size_t d)
{
    dse_rng_t r;
    dse_rng_init(&r, 1234, 99, (uint64_t)kind, n);
    double *Z = malloc(n * d * sizeof *Z);
    size_t classes = kind == BLOBS ? 10 : 200;
    double spread = kind == BLOBS ? 1.0 : 0.3;
    double *centers = malloc(classes * d * sizeof *centers);
    double W[3 * 64];
    for (size_t i = 0; i < classes * d; ++i)
        centers[i] = kind == BLOBS ? 20 * uniform(&r) - 10 : 2 * gauss(&r);
    for (size_t i = 0; i < 3 * 64; ++i)
        W[i] = gauss(&r);
    for (size_t i = 0; i < n; ++i) {
        double u[3] = {3 * uniform(&r), 3 * uniform(&r), 3 * uniform(&r)};
        for (size_t j = 0; j < d; ++j) {
            if (kind == LOWRANK)
                Z[i * d + j] = W[j % 64] * u[0] + W[64 + j % 64] * u[1] + W[128 + j % 64] * u[2] +
                               0.05 * gauss(&r);
            else
                Z[i * d + j] = centers[(i % classes) * d + j] + spread * gauss(&r);
        }
    }
    free(centers);
    return Z;
}

/* Synthetic spectra (K = diag(lambda), the head's Ritz pairs exact): the
 * interval holds the exact entropy for every k and t, and is narrow when the
 * spectrum decays fast. */
static void test_interval_math(void)
{
    dse_rng_t r;
    dse_rng_init(&r, 7, 98, 0, 0);
    size_t n = 3000;
    double *lam = malloc(n * sizeof *lam), *rho = calloc(n, sizeof *rho);
    const double tt[] = {0.5, 1, 2, 5};
    int inside = 0, total = 0, narrow = 0, wanted = 0;
    for (int trial = 0; trial < 60; ++trial) {
        double decay = trial % 3 == 0 ? 0.999 : trial % 3 == 1 ? 0.98 : 0.7;
        lam[0] = 1;
        for (size_t i = 1; i < n; ++i)
            lam[i] = lam[i - 1] * decay * (0.9 + 0.1 * uniform(&r));
        double trace = 0, frob2 = 0;
        for (size_t i = 0; i < n; ++i) {
            trace += lam[i];
            frob2 += lam[i] * lam[i];
        }
        size_t k = 20 + (size_t)trial * 37 % 900;
        for (size_t j = 0; j < 4; ++j) {
            double exact = dse_entropy_spectral(lam, n, tt[j]);
            dse_bounded_interval_t iv = dse_bounded_interval(n, k, lam, rho, trace, frob2, tt[j]);
            total++;
            if (iv.lower <= exact && exact <= iv.upper && iv.consistent)
                inside++;
            else
                fprintf(stderr, "trial %d k %zu t %g: %.12g not in [%.12g, %.12g] (%d)\n", trial, k,
                        tt[j], exact, iv.lower, iv.upper, iv.consistent);
            if (decay == 0.7 && k >= 100 && tt[j] >= 1) {
                wanted++;
                narrow += iv.upper - iv.lower < 1e-6;
            }
        }
    }
    CHECK(inside == total, "exact entropy inside the interval in %d of %d cases", inside, total);
    /* A fast decaying spectrum (lambda_k < 1e-15) is pinned down by its head at t >= 1. */
    CHECK(wanted > 20 && narrow == wanted, "fast decay: %d of %d intervals narrower than 1e-6 bits",
          narrow, wanted);
    /* Moments that contradict each other (sum mu^2 < (sum mu)^2 / (n - k)) are flagged. */
    dse_bounded_interval_t bad = dse_bounded_interval(100, 10, lam, rho, 95.0, 1.5, 1.0);
    CHECK(!bad.consistent,
          "a tail of mass ~94 in 90 values with square-sum <= 1.5 is inconsistent");
    free(lam);
    free(rho);
}

/* Flags of a case: the statistical tail, K kept in float32. */
enum { STAT = 1, F32 = 2 };

/* A per-rank budget that keeps K in float32 on a `ranks`-rank group. */
static size_t f32_budget(size_t n, size_t d, size_t max_k, int ranks)
{
    double b32 = 0;
    size_t lo = 1, hi = (size_t)1 << 40;
    /* the smallest budget that is not "rebuilt" is the float32 model */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dse_bounded_storage(n, d, max_k, 32, ranks, mid, &b32) == DSE_BOUNDED_REBUILT)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Bounded vs exact on one data set; the same interval on 1 rank and on all. */
static void test_case(int kind, size_t n, size_t d, double sigma, size_t max_k, int flags)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    double *Z = make_data(kind, n, d);
    dse_bounded_opts_t o = {.tol = 0.01, .max_k = max_k, .block = 32, .seed = 5};
    o.statistical_tail = (flags & STAT) != 0;
    if (flags & F32) o.budget_bytes = f32_budget(n, d, max_k, size);
    dse_bounded_result_t all, one;
    dse_err_t err = {0};
    int rc = dse_bounded_dse(MPI_COMM_WORLD, n, d, Z, sigma, TS, NT, &o, &all, &err);
    CHECK(rc == DSE_OK, "%s N=%zu: bounded failed: %s", kind_names[kind], n, err.msg);
    if (rc == DSE_OK && (flags & F32))
        CHECK(all.storage == DSE_BOUNDED_KEPT32 && all.round32 > 0,
              "%s N=%zu: K kept in float32 (%s, rounding term %g)", kind_names[kind], n,
              dse_bounded_storage_name((dse_bounded_storage_t)all.storage), all.round32);
    if (rc == DSE_OK && rank == 0) {
        double *eig = malloc(n * sizeof *eig);
        rc = dse_kernel_spectrum(n, d, Z, sigma, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_AUTO, eig, &err);
        CHECK(rc == DSE_OK, "exact spectrum: %s", err.msg);
        if (flags & F32) o.budget_bytes = f32_budget(n, d, max_k, 1);
        rc = dse_bounded_dse(MPI_COMM_SELF, n, d, Z, sigma, TS, NT, &o, &one, &err);
        CHECK(rc == DSE_OK, "one-rank bounded: %s", err.msg);
        for (size_t j = 0; rc == DSE_OK && j < NT; ++j) {
            double exact = dse_entropy_spectral(eig, n, TS[j]);
            printf("%-14s N=%zu t=%g exact %.6f in [%.6f, %.6f] half-width %.2g %s k %zu products "
                   "%zu probes %zu certified %d K %s\n",
                   kind_names[kind], n, TS[j], exact, all.lower[j], all.upper[j],
                   (all.upper[j] - all.lower[j]) / 2,
                   all.statistical[j] ? "statistical" : "certified", all.k, all.products,
                   all.probes, all.certified,
                   dse_bounded_storage_name((dse_bounded_storage_t)all.storage));
            CHECK(all.lower[j] <= exact && exact <= all.upper[j],
                  "%s N=%zu t=%g: exact %.12g outside [%.12g, %.12g]", kind_names[kind], n, TS[j],
                  exact, all.lower[j], all.upper[j]);
            CHECK(all.certified == 0 || all.upper[j] - all.lower[j] <= 2 * o.tol,
                  "certified but wider than tol");
            CHECK_ABS(all.lower[j], one.lower[j], 1e-10, "lower bound, all ranks vs one");
            CHECK_ABS(all.upper[j], one.upper[j], 1e-10, "upper bound, all ranks vs one");
            CHECK(all.statistical[j] == one.statistical[j], "statistical flag, all ranks vs one");
            CHECK((flags & STAT) || !all.statistical[j], "statistical only when asked");
        }
        if (rc == DSE_OK) {
            CHECK(all.k == one.k && all.products == one.products && all.probes == one.probes,
                  "k %zu/%zu, products %zu/%zu, probes %zu/%zu on all ranks vs one", all.k, one.k,
                  all.products, one.products, all.probes, one.probes);
            /* With the tail every t reaches tol here (flat or slow spectra). */
            if (flags & STAT)
                CHECK(all.certified, "%s N=%zu: every t within tol with the tail", kind_names[kind],
                      n);
            CHECK(all.consistent, "the head's consistency check");
            if (kind == LOWRANK) CHECK(all.certified, "%s N=%zu certified", kind_names[kind], n);
        }
        dse_bounded_result_free(&one);
        free(eig);
    }
    dse_bounded_result_free(&all);
    free(Z);
}

/* tol <= 0 is refused in one line; a k budget that cannot reach tol gives an
 * interval reported as wider than asked (certified = 0), never a narrow one. */
static void test_bad_settings(void)
{
    size_t n = 1200, d = 16;
    double *Z = make_data(BLOBS, n, d);
    dse_err_t err = {0};
    dse_bounded_result_t r;
    dse_bounded_opts_t o = {.tol = 0, .max_k = 200, .block = 32, .seed = 1};
    int rc = dse_bounded_dse(MPI_COMM_WORLD, n, d, Z, 10, TS, NT, &o, &r, &err);
    CHECK(rc == DSE_EUSAGE && strstr(err.msg, "tol must be") && !strchr(err.msg, '\n'),
          "tol = 0: rc %d '%s'", rc, err.msg);
    o.tol = 1e-6;
    o.max_k = 64;
    rc = dse_bounded_dse(MPI_COMM_WORLD, n, d, Z, 10, TS, NT, &o, &r, &err);
    CHECK(rc == DSE_OK && !r.certified && r.upper[0] - r.lower[0] > 2 * o.tol,
          "unreachable k budget: rc %d certified %d width %g", rc, r.certified,
          rc == DSE_OK ? r.upper[0] - r.lower[0] : -1.0);
    dse_bounded_result_free(&r);
    /* Over the budget: refused in one line with the figures. */
    o.tol = 0.01;
    o.budget_bytes = 100000;
    rc = dse_bounded_dse(MPI_COMM_WORLD, n, d, Z, 10, TS, NT, &o, &r, &err);
    CHECK(rc == DSE_ENOMEM && strstr(err.msg, "needs") && strstr(err.msg, "budget is") &&
              !strchr(err.msg, '\n'),
          "over budget: rc %d '%s'", rc, err.msg);
    free(Z);
}

/* The storage model: float64 while it fits, then float32, then rebuilt;
 * each choice's bytes are what the model says, and they are ordered. */
static void test_storage(void)
{
    size_t n = 20000, d = 512, k = 2000;
    double b64, b32, none, b;
    CHECK(dse_bounded_storage(n, d, k, 32, 2, 0, &b64) == DSE_BOUNDED_KEPT64, "no budget: float64");
    CHECK_ABS(b64, dse_bounded_bytes_per_rank(n, d, k, 32, 2, 1), 1, "float64 bytes");
    CHECK(dse_bounded_storage(n, d, k, 32, 2, (size_t)b64, &b) == DSE_BOUNDED_KEPT64,
          "a budget of exactly the float64 model: float64");
    dse_bounded_storage_t s = dse_bounded_storage(n, d, k, 32, 2, (size_t)b64 - 1, &b32);
    CHECK(s == DSE_BOUNDED_KEPT32 && b32 < b64 && b32 > 0.5 * b64,
          "one byte less: float32 (%s, %.0f vs %.0f)", dse_bounded_storage_name(s), b32, b64);
    s = dse_bounded_storage(n, d, k, 32, 2, (size_t)b32 - 1, &none);
    CHECK(s == DSE_BOUNDED_REBUILT && none < b32, "below float32: rebuilt (%s)",
          dse_bounded_storage_name(s));
    CHECK_ABS(none, dse_bounded_bytes_per_rank(n, d, k, 32, 2, 0), 1, "rebuilt bytes");
    /* K's share: 8 N^2 / P in float64, half that in float32. */
    CHECK(b64 - none >= 8.0 * (double)n * (double)n / 2, "float64 share >= 8 N^2 / P");
    CHECK(fabs((b32 - none) - 4.0 * (double)n * (double)n / 2) < 1, "float32 share 4 N^2 / P");
    CHECK(!strcmp(dse_bounded_storage_name(DSE_BOUNDED_KEPT64), "float64") &&
              !strcmp(dse_bounded_storage_name(DSE_BOUNDED_KEPT32), "float32") &&
              !strcmp(dse_bounded_storage_name(DSE_BOUNDED_REBUILT), "rebuilt"),
          "storage names");
}

/* The statistical tail cannot reach an unreachable tol within a small
 * probe budget: the interval is reported wider than asked, flagged
 * statistical, and certified = 0. */
static void test_stat_budget(void)
{
    size_t n = 1200, d = 16;
    double *Z = make_data(BLOBS, n, d);
    dse_err_t err = {0};
    dse_bounded_result_t r;
    dse_bounded_opts_t o = {.tol = 1e-7, .max_k = 200, .block = 32, .seed = 1};
    o.statistical_tail = 1;
    o.slq_probes = 32;
    int rc = dse_bounded_dse(MPI_COMM_WORLD, n, d, Z, 10, TS, NT, &o, &r, &err);
    int wide = 0, stat = 0;
    for (size_t j = 0; rc == DSE_OK && j < NT; ++j) {
        wide += r.upper[j] - r.lower[j] > 2 * o.tol;
        stat += r.statistical[j];
    }
    CHECK(rc == DSE_OK && !r.certified && wide > 0 && stat > 0 && r.probes == 32,
          "tail over its budget: rc %d certified %d wide %d statistical %d probes %zu", rc,
          rc == DSE_OK ? r.certified : -1, wide, stat, rc == DSE_OK ? r.probes : 0);
    if (rc == DSE_OK) dse_bounded_result_free(&r);
    free(Z);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) test_interval_math();
    if (rank == 0) test_storage();
    test_bad_settings();
    test_stat_budget();
    test_case(BLOBS, 2000, 64, 10, 320, 0);
    test_case(SLOW, 2000, 32, 1, 320, 0);
    test_case(LOWRANK, 2000, 64, 10, 600, 0);
    test_case(BLOBS, 2000, 64, 10, 320, STAT);
    test_case(SLOW, 2000, 32, 1, 320, STAT);
    test_case(LOWRANK, 2000, 64, 10, 600, STAT | F32);
    if (argc > 1 && strcmp(argv[1], "big") == 0) {
        test_case(LOWRANK, 5000, 64, 10, 800, 0);
        test_case(BLOBS, 5000, 64, 10, 800, STAT);
        test_case(SLOW, 5000, 32, 1, 800, STAT);
    }
    int status = check_summary_mpi("test_bounded");
    MPI_Finalize();
    return status;
}
