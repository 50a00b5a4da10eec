/* bench_two_stage.c — where LAPACK's two-stage eigensolve spends its time.
 *
 *   bench_two_stage [N ...]      (default 4000 8000)
 *
 * dsyevd_2stage with JOBZ='N' is three steps; this times each on the
 * anisotropic kernel of N random points in 64 dimensions (the minimum of
 * REPEATS runs, environment, default 1), at whatever OPENBLAS_NUM_THREADS
 * says:
 *   1. dsytrd_sy2sb: dense to band (width kd, dsesweep's choice): BLAS-3,
 *      (4/3) N^3 flops, threaded by OpenBLAS;
 *   2. dsytrd_sb2st: band to tridiagonal (bulge chasing): O(N^2 kd) flops,
 *      memory-bound, and in Debian's pthread OpenBLAS build not threaded:
 *      timed at the thread count given (what dsyevd_2stage does), on a
 *      copy of the band at one thread (column sb2st_1thr), and as dsesweep
 *      runs it: its own threads, as many as OPENBLAS_NUM_THREADS, each
 *      chasing every T-th sweep (column chase, bulge_chase.h);
 *   3. dsterf: the tridiagonal eigenvalues, O(N^2).
 * It prints each step's seconds, step 1's rate against this node's dgemm
 * rate (N = 3000, best of 3), and the floor that rate sets for the whole
 * reduction, (4/3) N^3 / dgemm rate: the "flops of the reduction
 * against the node's measured dgemm rate". The load average is printed
 * beside each row. Nothing is written. KD (environment) sets the band
 * width instead of dsesweep's choice (two_stage.h), to try others; SB2ST=0
 * skips LAPACK's own bulge chasing (its two columns print 0), which at
 * N = 20000 takes minutes.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "lapack_two_stage.h"
#include "dsesweep/bulge_chase.h"
#include "dsesweep/tune.h"
#include "dsesweep/two_stage.h"

/* One two-stage solve of K (copied into A), each step timed into t[5]:
 * sy2sb, sb2st at the caller's threads, sb2st at one thread, dsesweep's
 * threaded bulge chasing at the caller's threads, dsterf. */
static int solve(int n, const double *K, double *A, double *t, int *kd_out)
{
    int two = 2, three = 3, four = 4, m1 = -1, info = 0;
    int kd = dse_two_stage_band_width((size_t)n);
    const char *kd_env = getenv("KD"); /* a band width to try instead of LAPACK's */
    if (kd_env && atoi(kd_env) > 0) kd = atoi(kd_env);
    int ib = ilaenv2stage_(&two, "DSYTRD_2STAGE", "N", &n, &kd, &m1, &m1, 13, 1);
    int lhous = ilaenv2stage_(&three, "DSYTRD_2STAGE", "N", &n, &kd, &ib, &m1, 13, 1);
    int lwork2 = ilaenv2stage_(&four, "DSYTRD_2STAGE", "N", &n, &kd, &ib, &m1, 13, 1);
    int ldab = dse_bulge_chase_ld(kd), lwork1 = -1;
    size_t band_bytes = (size_t)ldab * n * sizeof(double);
    double q = 0;
    memcpy(A, K, (size_t)n * n * sizeof *A);
    double *ab = malloc(band_bytes), *tau = malloc((size_t)n * sizeof *tau);
    double *ab1 = malloc(band_bytes), *ab2 = malloc(band_bytes);
    double *d = malloc((size_t)n * sizeof *d), *e = malloc((size_t)n * sizeof *e);
    double *hous = malloc((size_t)(lhous > 1 ? lhous : 1) * sizeof *hous);
    dsytrd_sy2sb_("L", &n, &kd, A, &n, ab, &ldab, tau, &q, &lwork1, &info, 1);
    lwork1 = (int)q + 1;
    int lwork = lwork1 > lwork2 ? lwork1 : lwork2;
    double *work = malloc((size_t)lwork * sizeof *work);
    double t0 = now();
    dsytrd_sy2sb_("L", &n, &kd, A, &n, ab, &ldab, tau, work, &lwork, &info, 1);
    double t1 = now();
    memcpy(ab1, ab, band_bytes);
    memcpy(ab2, ab, band_bytes);
    double t1b = now();
    int lapack_chase = !getenv("SB2ST") || atoi(getenv("SB2ST")) != 0;
    if (info == 0 && lapack_chase)
        dsytrd_sb2st_("Y", "N", "L", &n, &kd, ab, &ldab, d, e, hous, &lhous, work, &lwork, &info, 1,
                      1, 1);
    double t2 = now();
    int threads = dse_tune_blas_threads();
    dse_tune_set_blas_threads(1);
    if (info == 0 && lapack_chase)
        dsytrd_sb2st_("Y", "N", "L", &n, &kd, ab1, &ldab, d, e, hous, &lhous, work, &lwork, &info,
                      1, 1, 1);
    double t2b = now();
    dse_err_t err;
    if (info == 0 && dse_bulge_chase((size_t)n, kd, ab2, d, e, threads, 0, &err) != DSE_OK) {
        fprintf(stderr, "%s\n", err.msg);
        info = -100;
    }
    dse_tune_set_blas_threads(threads);
    double t2c = now();
    if (info == 0) dsterf_(&n, d, e, &info);
    double t3 = now();
    t[0] = t1 - t0;
    t[1] = t2 - t1b;
    t[2] = t2b - t2;
    t[3] = t2c - t2b;
    t[4] = t3 - t2c;
    *kd_out = kd;
    free(ab);
    free(ab1);
    free(ab2);
    free(tau);
    free(d);
    free(e);
    free(hous);
    free(work);
    return info;
}

int main(int argc, char **argv)
{
    size_t defaults[] = {4000, 8000};
    size_t count = argc > 1 ? (size_t)(argc - 1) : sizeof defaults / sizeof defaults[0];
    const char *threads = getenv("OPENBLAS_NUM_THREADS"), *rep = getenv("REPEATS");
    int repeats = rep ? atoi(rep) : 1;
    if (repeats < 1) repeats = 1;
    double dg = gemm_rate(3000, 0);
    printf("# OPENBLAS_NUM_THREADS=%s; seconds per step of dsyevd_2stage (JOBZ='N'), min of %d; "
           "dgemm %.1f GFLOP/s (N = 3000)\n",
           threads ? threads : "(unset)", repeats, dg);
    printf("%6s %4s %10s %10s %10s %10s %10s %12s %12s %12s %10s %s\n", "N", "kd", "sy2sb", "sb2st",
           "sb2st_1thr", "chase", "dsterf", "total_lapack", "total_dse", "sy2sb_GF/s", "floor",
           "load");
    for (size_t c = 0; c < count; ++c) {
        size_t n = argc > 1 ? strtoul(argv[c + 1], NULL, 10) : defaults[c], dim = 64;
        double *K = malloc(n * n * sizeof *K), *A = malloc(n * n * sizeof *A);
        if (random_kernel_lower(n, dim, K)) return 1;
        double best[5] = {0, 0, 0, 0, 0}, load = load_average();
        int kd = 0;
        for (int r = 0; r < repeats; ++r) {
            double t[5];
            int info = solve((int)n, K, A, t, &kd);
            if (info != 0) {
                fprintf(stderr, "bench_two_stage: LAPACK info = %d at N = %zu\n", info, n);
                return 1;
            }
            for (int k = 0; k < 5; ++k)
                if (r == 0 || t[k] < best[k]) best[k] = t[k];
        }
        double flops = 4.0 / 3.0 * (double)n * (double)n * (double)n;
        printf("%6zu %4d %10.3f %10.3f %10.3f %10.3f %10.3f %12.3f %12.3f %12.1f %10.3f %.2f\n", n,
               kd, best[0], best[1], best[2], best[3], best[4], best[0] + best[1] + best[4],
               best[0] + best[3] + best[4], flops / best[0] / 1e9, flops / dg / 1e9, load);
        fflush(stdout);
        free(K);
        free(A);
    }
    return 0;
}
