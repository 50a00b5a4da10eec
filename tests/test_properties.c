/* test_properties.c — mathematical properties the engine must keep.
 *
 * - eigenvalues of K lie in [0, 1] (to 1e-12) and the largest is 1 to 1e-12;
 * - every LAPACK driver gives the same spectrum (1e-10 absolute);
 * - DSE is invariant to permuting the samples (1e-10 relative);
 * - the dgemm block kernel equals the dsyrk kernel entry by entry;
 * - seeded draws are reproducible, distinct, ascending and roughly uniform;
 * - entropy identities: uniform spectrum of n gives ~log2 n; a single
 *   non-zero eigenvalue gives ~0;
 * - precision = float32: the eigenvalues within the proved radius and DSE's
 *   interval holding the float64 value on a flat and a decaying spectrum;
 * - the two-stage drivers, which run their bulge chasing with OpenBLAS at
 *   one thread (two_stage.h), give the process its BLAS thread count back;
 * - the threaded bulge chasing (bulge_chase.h) gives bitwise LAPACK's
 *   dsytrd_sb2st tridiagonal at 1 to 4 threads, float64 and float32, N 1
 *   to 701, kd 0 to 32 (kd >= N too), the bulge's room NaN beforehand.
 */
#include <mpi.h>
#include <stdlib.h>

#include <string.h>

#include "check.h"
#include "lapack_two_stage.h"
#include "dsesweep/bulge_chase.h"
#include "dsesweep/entropy.h"
#include "dsesweep/interval.h"
#include "dsesweep/kernel.h"
#include "dsesweep/measure.h"
#include "dsesweep/rng.h"
#include "dsesweep/tune.h"

static double *random_matrix(size_t n, size_t d, uint64_t seed, double scale)
{
    dse_rng_t rng;
    dse_rng_init(&rng, seed, 99, 0, 0);
    double *z = malloc(n * d * sizeof *z);
    for (size_t i = 0; i < n * d; ++i)
        z[i] = scale * ((double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0 - 0.5);
    return z;
}

static void test_spectrum_bounds_and_drivers(void)
{
    const size_t sizes[] = {1, 2, 7, 130, 257};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
        size_t n = sizes[s], d = 9;
        double *z = random_matrix(n, d, 10 + n, 6.0);
        double *ref = malloc(n * sizeof *ref), *eig = malloc(n * sizeof *eig);
        dse_err_t err;
        CHECK(dse_kernel_spectrum(n, d, z, 1.5, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_DSYEVD, ref,
                                  &err) == DSE_OK,
              "%s", err.msg);
        CHECK_ABS(ref[0], 1.0, 1e-12, "largest eigenvalue of K is 1");
        double lo = 1, hi = 0;
        for (size_t i = 0; i < n; ++i) {
            lo = fmin(lo, ref[i]);
            hi = fmax(hi, ref[i]);
            if (i) CHECK(ref[i] <= ref[i - 1], "eigenvalues sorted descending");
        }
        CHECK(lo >= -1e-12 && hi <= 1 + 1e-12, "N=%zu: eigenvalues in [%g, %g]", n, lo, hi);
        for (int drv = DSE_EIGEN_DSYEVR; drv <= DSE_EIGEN_ELPA2;
             ++drv) { /* every one-rank driver */
            CHECK(dse_kernel_spectrum(n, d, z, 1.5, DSE_KERNEL_ANISOTROPIC, (dse_eigen_driver_t)drv,
                                      eig, &err) == DSE_OK,
                  "%s", err.msg);
            double worst = 0;
            for (size_t i = 0; i < n; ++i)
                worst = fmax(worst, fabs(eig[i] - ref[i]));
            char what[64];
            snprintf(what, sizeof what, "N=%zu %s vs dsyevd", n,
                     dse_eigen_driver_name((dse_eigen_driver_t)drv));
            CHECK_ABS(worst, 0.0, 1e-10, what);
        }
        free(z);
        free(ref);
        free(eig);
    }
}

static void test_permutation_invariance(void)
{
    size_t n = 300, d = 16;
    double *z = random_matrix(n, d, 7, 8.0), *zp = malloc(n * d * sizeof *zp);
    size_t perm[300];
    for (size_t i = 0; i < n; ++i)
        perm[i] = i;
    dse_rng_t rng;
    dse_rng_init(&rng, 5, 99, 1, 0);
    for (size_t i = n; i > 1; --i) {
        size_t j = (size_t)dse_rng_below(&rng, i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; ++i)
        memcpy(zp + i * d, z + perm[i] * d, d * sizeof *z);
    double *e1 = malloc(n * sizeof *e1), *e2 = malloc(n * sizeof *e2);
    dse_err_t err;
    CHECK(dse_kernel_spectrum(n, d, z, 2.0, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_AUTO, e1, &err) ==
              DSE_OK,
          "%s", err.msg);
    CHECK(dse_kernel_spectrum(n, d, zp, 2.0, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_AUTO, e2, &err) ==
              DSE_OK,
          "%s", err.msg);
    for (double t = 1; t <= 3; ++t)
        CHECK_REL(dse_entropy_spectral(e1, n, t), dse_entropy_spectral(e2, n, t), 1e-10,
                  "DSE invariant to permuting samples");
    double c1, c2;
    CHECK(dse_measure_cse(n, d, z, 3, &c1, &err) == DSE_OK, "%s", err.msg);
    CHECK(dse_measure_cse(n, d, zp, 3, &c2, &err) == DSE_OK, "%s", err.msg);
    CHECK_REL(c1, c2, 1e-12, "CSE invariant to permuting samples");
    free(z);
    free(zp);
    free(e1);
    free(e2);
}

static void test_block_kernel_matches(void)
{
    size_t n = 37, d = 5;
    double *z = random_matrix(n, d, 3, 4.0);
    double *full = malloc(n * n * sizeof *full), *blk = malloc(n * n * sizeof *blk);
    double norms[37];
    size_t idx[37];
    for (size_t i = 0; i < n; ++i)
        idx[i] = i;
    dse_kernel_row_norms(n, d, z, norms);
    dse_err_t err;
    CHECK(dse_kernel_sqdist_lower(n, d, z, full, &err) == DSE_OK, "%s", err.msg);
    /* Build the whole matrix from four uneven blocks. */
    size_t cut = 13;
    for (int bi = 0; bi < 2; ++bi)
        for (int bj = 0; bj < 2; ++bj) {
            size_t i0 = bi ? cut : 0, m = bi ? n - cut : cut;
            size_t j0 = bj ? cut : 0, k = bj ? n - cut : cut;
            CHECK(dse_kernel_sqdist_block(m, k, d, z + i0 * d, norms + i0, idx + i0, z + j0 * d,
                                          norms + j0, idx + j0, blk + i0 + j0 * n, n,
                                          &err) == DSE_OK,
                  "%s", err.msg);
        }
    double worst = 0;
    for (size_t j = 0; j < n; ++j) {
        CHECK(blk[j + j * n] == 0.0, "block diagonal is exactly 0");
        for (size_t i = j; i < n; ++i)
            worst =
                fmax(worst, fabs(full[i + j * n] - blk[i + j * n]) / fmax(1.0, full[i + j * n]));
    }
    CHECK_ABS(worst, 0.0, 1e-12, "dgemm block kernel equals dsyrk kernel");
    free(z);
    free(full);
    free(blk);
}

static void test_rng_sampling(void)
{
    size_t a[50], b[50];
    dse_rng_t r1, r2;
    dse_err_t err;
    for (int dense = 0; dense < 2; ++dense) {
        size_t n = dense ? 60 : 100000;
        dse_rng_init(&r1, 42, DSE_RNG_SUBSAMPLE, 0, 0);
        dse_rng_init(&r2, 42, DSE_RNG_SUBSAMPLE, 0, 0);
        CHECK(dse_rng_sample(&r1, n, 50, a, &err) == DSE_OK, "%s", err.msg);
        CHECK(dse_rng_sample(&r2, n, 50, b, &err) == DSE_OK, "%s", err.msg);
        CHECK(memcmp(a, b, sizeof a) == 0, "same stream, same draw");
        int ok = 1;
        for (int i = 1; i < 50; ++i)
            ok &= a[i] > a[i - 1];
        CHECK(ok && a[49] < n, "draw is distinct, ascending and in range");
    }
    dse_rng_init(&r2, 42, DSE_RNG_SUBSAMPLE, 1, 0);
    CHECK(dse_rng_sample(&r2, 100000, 50, b, &err) == DSE_OK && memcmp(a, b, sizeof a) != 0,
          "different streams differ");
    /* Uniformity: 20000 draws of 10 out of 20; each index ~ 10000 times. */
    size_t hits[20] = {0}, pick[10];
    dse_rng_init(&r1, 1, 7, 0, 0);
    for (int rep = 0; rep < 20000; ++rep) {
        dse_rng_sample(&r1, 20, 10, pick, &err);
        for (int i = 0; i < 10; ++i)
            hits[pick[i]]++;
    }
    for (int i = 0; i < 20; ++i)
        CHECK(hits[i] > 9500 && hits[i] < 10500, "index %d drawn %zu times (want ~10000)", i,
              hits[i]);
    size_t *rows, count;
    CHECK(dse_measure_subsample_rows(500, 1000, 3, 0, &rows, &count, &err) == DSE_OK &&
              rows == NULL && count == 500,
          "no subsample at or below max_N");
    CHECK(dse_measure_subsample_rows(5000, 1000, 3, 0, &rows, &count, &err) == DSE_OK &&
              rows != NULL && count == 1000,
          "subsample to max_N");
    free(rows);
}

static void test_entropy_identities(void)
{
    double flat[64], spike[64];
    for (int i = 0; i < 64; ++i) {
        flat[i] = 0.3;
        spike[i] = i == 0 ? 1.0 : 0.0;
    }
    CHECK_ABS(dse_entropy_spectral(flat, 64, 1), 6.0, 1e-12, "uniform spectrum: log2 64");
    CHECK_ABS(dse_entropy_spectral(flat, 64, 3), 6.0, 1e-12, "uniform spectrum at t = 3");
    CHECK_ABS(dse_entropy_spectral(spike, 64, 1), 0.0, 1e-12, "single eigenvalue: ~0 bits");
    size_t counts[4] = {5, 5, 5, 5};
    CHECK_ABS(dse_entropy_counts(counts, 4), 2.0, 1e-12, "four equal bins: 2 bits");
}

/* precision = float32 on a flat spectrum (sigma small against the
 * distances: K near I, every eigenvalue near 1) and a decaying one (sigma
 * large: a few eigenvalues carry K), with each float32 driver of one rank
 * (ssyevd, ssyevd_2stage): every float32 eigenvalue is within the proved
 * radius of the float64 one, and DSE's interval at t = 1, 2, 5 holds the
 * float64 value. Prints how much of the radius the error used. */
static void test_float32_intervals(void)
{
    const struct {
        const char *name;
        double sigma;
    } shapes[] = {{"flat", 0.05}, {"decaying", 20.0}, {"middle", 1.5}};
    const dse_eigen_driver_t solvers[] = {DSE_EIGEN_SSYEVD, DSE_EIGEN_SSYEVD_2STAGE};
    const double ts[] = {1, 2, 5};
    size_t n = 600, d = 9;
    double *z = random_matrix(n, d, 77, 6.0);
    double *ref = malloc(n * sizeof *ref), *eig = malloc(n * sizeof *eig);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
        dse_err_t err;
        CHECK(dse_kernel_spectrum(n, d, z, shapes[s].sigma, DSE_KERNEL_ANISOTROPIC,
                                  DSE_EIGEN_DSYEVD, ref, &err) == DSE_OK,
              "%s", err.msg);
        for (size_t v = 0; v < sizeof solvers / sizeof solvers[0]; ++v) {
            const char *solver = dse_eigen_driver_name(solvers[v]);
            CHECK(dse_kernel_spectrum(n, d, z, shapes[s].sigma, DSE_KERNEL_ANISOTROPIC, solvers[v],
                                      eig, &err) == DSE_OK,
                  "%s", err.msg);
            double delta = dse_interval_float32_radius(n), worst = 0;
            for (size_t i = 0; i < n; ++i)
                worst = fmax(worst, fabs(eig[i] - ref[i]));
            CHECK(worst <= delta, "%s %s: float32 eigenvalues within the radius (%.3g > %.3g)",
                  shapes[s].name, solver, worst, delta);
            printf("  %-8s %-13s N = %zu: max |mu - lambda| = %.2e = %.1f u32 (radius %.2e); top "
                   "%.3f, 10th %.3g\n",
                   shapes[s].name, solver, n, worst, worst / 0x1.0p-24, delta, ref[0], ref[9]);
            dse_interval_mark_float32(eig, n, delta);
            for (size_t k = 0; k < sizeof ts / sizeof ts[0]; ++k) {
                dse_interval_info_t in;
                double h64 = dse_entropy_spectral(ref, n, ts[k]);
                CHECK(dse_interval_at(eig, n, ts[k], 0.01, &in), "%s: interval", shapes[s].name);
                CHECK(in.lower <= h64 && h64 <= in.upper, "%s %s t %g: %.12f in [%.12f, %.12f]",
                      shapes[s].name, solver, ts[k], h64, in.lower, in.upper);
                printf("           t = %g: DSE %.6f, interval width %.2e bits\n", ts[k], h64,
                       in.upper - in.lower);
            }
        }
    }
    CHECK(ref[0] > 0.999999, "the decaying spectrum's top is 1");
    free(z);
    free(ref);
    free(eig);
}

/* dsyevd_2stage and ssyevd_2stage set OpenBLAS to one thread for their
 * second step: the caller's count (2, and then 1) is back afterwards, and the
 * spectrum at 2 threads equals dsyevd's. */
static void test_two_stage_threads(void)
{
    size_t n = 700, d = 9;
    double *z = random_matrix(n, d, 5, 6.0);
    double *ref = malloc(n * sizeof *ref), *eig = malloc(n * sizeof *eig);
    dse_err_t err;
    CHECK(dse_kernel_spectrum(n, d, z, 1.5, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_DSYEVD, ref, &err) ==
              DSE_OK,
          "%s", err.msg);
    const dse_eigen_driver_t drivers[] = {DSE_EIGEN_DSYEVD_2STAGE, DSE_EIGEN_SSYEVD_2STAGE};
    for (int threads = 2; threads >= 1; --threads)
        for (size_t k = 0; k < 2; ++k) {
            dse_tune_set_blas_threads(threads);
            CHECK(dse_kernel_spectrum(n, d, z, 1.5, DSE_KERNEL_ANISOTROPIC, drivers[k], eig,
                                      &err) == DSE_OK,
                  "%s", err.msg);
            CHECK(dse_tune_blas_threads() == threads, "%s left %d BLAS threads, not %d",
                  dse_eigen_driver_name(drivers[k]), dse_tune_blas_threads(), threads);
            double worst = 0;
            for (size_t i = 0; i < n; ++i)
                worst = fmax(worst, fabs(eig[i] - ref[i]));
            double tol = k == 0 ? 1e-10 : dse_interval_float32_radius(n);
            CHECK(worst <= tol, "%s at %d threads: %.3g from dsyevd (allowed %.3g)",
                  dse_eigen_driver_name(drivers[k]), threads, worst, tol);
        }
    free(z);
    free(ref);
    free(eig);
}

/* LAPACK's dsytrd_sb2st (ssytrd_sb2st) on a copy of the band: the reference
 * tridiagonal. */
static void lapack_sb2st(int n, int kd, const void *band, int ld, void *d, void *e, int single)
{
    int info = 0, query = -1;
    double qh = 0, qw = 0;
    float qhf = 0, qwf = 0;
    size_t elem = single ? sizeof(float) : sizeof(double);
    void *ab = malloc((size_t)ld * n * elem);
    memcpy(ab, band, (size_t)ld * n * elem);
    if (single)
        ssytrd_sb2st_("N", "N", "L", &n, &kd, ab, &ld, d, e, &qhf, &query, &qwf, &query, &info, 1,
                      1, 1);
    else
        dsytrd_sb2st_("N", "N", "L", &n, &kd, ab, &ld, d, e, &qh, &query, &qw, &query, &info, 1, 1,
                      1);
    int lhous = single ? (int)qhf : (int)qh, lwork = single ? (int)qwf : (int)qw;
    void *hous = malloc((size_t)(lhous + 1) * elem), *work = malloc((size_t)(lwork + 1) * elem);
    if (single)
        ssytrd_sb2st_("N", "N", "L", &n, &kd, ab, &ld, d, e, hous, &lhous, work, &lwork, &info, 1,
                      1, 1);
    else
        dsytrd_sb2st_("N", "N", "L", &n, &kd, ab, &ld, d, e, hous, &lhous, work, &lwork, &info, 1,
                      1, 1);
    CHECK(info == 0, "LAPACK sb2st info %d (n %d, kd %d)", info, n, kd);
    free(ab);
    free(hous);
    free(work);
}

static void test_bulge_chase_threads(void)
{
    const int sizes[] = {1, 2, 3, 9, 37, 300, 701}, widths[] = {0, 1, 2, 3, 16, 32};
    dse_rng_t rng;
    dse_rng_init(&rng, 11, 3, 0, 0);
    int saved = dse_tune_blas_threads(), compared = 0;
    dse_tune_set_blas_threads(1);
    for (int single = 0; single <= 1; ++single)
        for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; ++a)
            for (size_t b = 0; b < sizeof widths / sizeof widths[0]; ++b) {
                int n = sizes[a], kd = widths[b], ld = dse_bulge_chase_ld(kd);
                size_t elem = single ? sizeof(float) : sizeof(double);
                char *band = calloc((size_t)ld * n, elem), *work = malloc((size_t)ld * n * elem);
                for (int j = 0; j < n; ++j)
                    for (int i = 0; i <= kd && i + j < n; ++i) { /* kd >= n: all of it */
                        double x = (double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0 - 0.5;
                        size_t at = (size_t)j * ld + i;
                        if (single)
                            ((float *)band)[at] = (float)x;
                        else
                            ((double *)band)[at] = x;
                    }
                char *d_ref = calloc(n, elem), *e_ref = calloc(n, elem);
                char *d = malloc(n * elem), *e = malloc(n * elem);
                lapack_sb2st(n, kd, band, ld, d_ref, e_ref, single);
                for (int threads = 1; threads <= 4; ++threads) {
                    memcpy(work, band, (size_t)ld * n * elem);
                    for (int j = 0; j < n;
                         ++j) /* NaN in the bulge's room: the chase must clear it */
                        for (int i = kd + 1; i < ld; ++i) {
                            size_t at = (size_t)j * ld + i;
                            if (single)
                                ((float *)work)[at] = NAN;
                            else
                                ((double *)work)[at] = NAN;
                        }
                    memset(d, 0x7f, n * elem);
                    memset(e, 0x7f, n * elem);
                    dse_err_t err;
                    CHECK(dse_bulge_chase(n, kd, work, d, e, threads, single, &err) == DSE_OK, "%s",
                          err.msg);
                    CHECK(memcmp(d, d_ref, n * elem) == 0 && memcmp(e, e_ref, (n - 1) * elem) == 0,
                          "%s n %d kd %d at %d threads: the tridiagonal differs from LAPACK's",
                          single ? "float32" : "float64", n, kd, threads);
                    ++compared;
                }
                free(band);
                free(work);
                free(d_ref);
                free(e_ref);
                free(d);
                free(e);
            }
    dse_tune_set_blas_threads(saved);
    CHECK(compared == 2 * 4 * 42, "%d comparisons (expected 336)", compared);
    printf("  bulge chasing: %d tridiagonals bitwise equal to LAPACK's at 1-4 threads\n", compared);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv); /* ELPA on one rank runs on MPI_COMM_SELF */
    test_spectrum_bounds_and_drivers();
    test_permutation_invariance();
    test_block_kernel_matches();
    test_rng_sampling();
    test_entropy_identities();
    test_float32_intervals();
    test_two_stage_threads();
    test_bulge_chase_threads();
    int status = check_summary("test_properties");
    MPI_Finalize();
    return status;
}
