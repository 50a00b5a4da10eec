/* bench_eigen.c — the one-rank eigenvalues-only drivers on diffusion kernels.
 *
 *   bench_eigen [N ...]      (default 500 1000 2000 4000)
 *
 * Times every one-rank driver of the table (dsyevd, dsyevr, dsyevd_2stage,
 * ELPA1, ELPA2; JOBZ='N') and the float32 ones of precision = float32
 * (ssyevd, ssyevd_2stage) on the anisotropic kernel of N random points in 64
 * dimensions, the minimum of REPEATS runs (environment, default 3), and
 * prints which float64 driver is fastest and which AUTO picks from the table
 * in use (tune.h; `dsesweep tune` measures the same and writes the node's
 * tuning file). Threads: whatever OPENBLAS_NUM_THREADS says. The load
 * average is printed beside each row.
 *
 * First it measures this node's dgemm and sgemm rates (N = 3000, best of 3)
 * and prints, per N, the floor they set: the reduction to tridiagonal form
 * needs (4/3) N^3 flops, so no dense eigensolve can take less than
 * (4/3) N^3 / rate (the "flops of the reduction against the node's
 * measured dgemm rate").
 */
#include <cblas.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "dsesweep/eigen.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv); /* ELPA on one rank runs on MPI_COMM_SELF */
    size_t defaults[] = {500, 1000, 2000, 4000};
    size_t count = argc > 1 ? (size_t)(argc - 1) : sizeof defaults / sizeof defaults[0];
    const char *threads = getenv("OPENBLAS_NUM_THREADS"), *rep = getenv("REPEATS");
    int repeats = rep ? atoi(rep) : 3;
    if (repeats < 1) repeats = 1;
    dse_eigen_driver_t drivers[DSE_EIGEN_ALL_DRIVERS];
    int nd = 0;
    for (int k = DSE_EIGEN_AUTO + 1; k < DSE_EIGEN_ALL_DRIVERS; ++k)
        if (k != DSE_EIGEN_FLOAT32_AUTO &&
            (dse_eigen_driver_scope((dse_eigen_driver_t)k) & DSE_EIGEN_ONE_RANK))
            drivers[nd++] = (dse_eigen_driver_t)k;
    printf("# OPENBLAS_NUM_THREADS=%s; seconds, eigenvalues only, min of %d\n",
           threads ? threads : "(unset)", repeats);
    double dg = gemm_rate(3000, 0), sg = gemm_rate(3000, 1);
    printf("# dgemm %.1f GFLOP/s, sgemm %.1f GFLOP/s (N = 3000, best of 3); floor = (4/3) N^3 / "
           "rate, seconds\n",
           dg, sg);
    printf("%6s %10s %10s", "N", "floor_f64", "floor_f32");
    for (int k = 0; k < nd; ++k)
        printf(" %14s", dse_eigen_driver_name(drivers[k]));
    printf("  %-14s %-14s %s\n", "fastest_f64", "auto_picks", "load");
    int status = 0;
    for (size_t c = 0; c < count && !status; ++c) {
        size_t n = argc > 1 ? strtoul(argv[c + 1], NULL, 10) : defaults[c], d = 64;
        double *K = malloc(n * n * sizeof *K), *A = malloc(n * n * sizeof *A);
        double *w = malloc(n * sizeof *w);
        if (random_kernel_lower(n, d, K)) return 1;
        dse_err_t err;
        double t[DSE_EIGEN_ALL_DRIVERS], load = load_average(), best_t = 0;
        dse_eigen_driver_t best = DSE_EIGEN_AUTO;
        for (int k = 0; k < nd && !status; ++k) {
            t[k] = 0;
            for (int r = 0; r < repeats && !status; ++r) {
                memcpy(A, K, n * n * sizeof *A);
                double t0 = now();
                if (dse_eigen_symmetric(n, A, w, drivers[k], &err) != DSE_OK) {
                    fprintf(stderr, "%s\n", err.msg);
                    status = 1;
                }
                double s = now() - t0;
                if (r == 0 || s < t[k]) t[k] = s;
            }
            int f32 = dse_eigen_driver_scope(drivers[k]) & DSE_EIGEN_FLOAT32;
            if (!f32 && (best == DSE_EIGEN_AUTO || t[k] < best_t)) best = drivers[k], best_t = t[k];
        }
        double red = 4.0 / 3.0 * (double)n * (double)n * (double)n / 1e9;
        printf("%6zu %10.3f %10.3f", n, red / dg, red / sg);
        for (int k = 0; k < nd; ++k)
            printf(" %14.3f", t[k]);
        printf("  %-14s %-14s %.2f\n", dse_eigen_driver_name(best),
               dse_eigen_driver_name(dse_eigen_choose(n)), load);
        fflush(stdout);
        free(K);
        free(A);
        free(w);
    }
    MPI_Finalize();
    return status;
}
