/* bench_eigen.c — eigenvalues-only LAPACK drivers on diffusion kernels.
 *
 *   bench_eigen [N ...]      (default 500 1000 1500 2000 3000 4000)
 *
 * Times dsyevd, dsyevr and dsyevd_2stage (JOBZ='N') on the anisotropic
 * kernel of N random points in 64 dimensions and prints which is fastest and
 * which AUTO picks from the table in use (tune.h; `dsesweep tune` measures
 * the same and writes the node's tuning file).
 * Threads: whatever OPENBLAS_NUM_THREADS says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsesweep/eigen.h"
#include "dsesweep/kernel.h"
#include "dsesweep/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t defaults[] = {500, 1000, 1500, 2000, 3000, 4000};
    size_t count = argc > 1 ? (size_t)(argc - 1) : sizeof defaults / sizeof defaults[0];
    const char *threads = getenv("OPENBLAS_NUM_THREADS");
    printf("# OPENBLAS_NUM_THREADS=%s; seconds, eigenvalues only\n", threads ? threads : "(unset)");
    printf("%6s %10s %10s %14s  %s\n", "N", "dsyevd", "dsyevr", "dsyevd_2stage", "fastest");
    for (size_t c = 0; c < count; ++c) {
        size_t n = argc > 1 ? strtoul(argv[c + 1], NULL, 10) : defaults[c], d = 64;
        double *z = malloc(n * d * sizeof *z), *K = malloc(n * n * sizeof *K);
        double *A = malloc(n * n * sizeof *A), *w = malloc(n * sizeof *w);
        dse_rng_t rng;
        dse_rng_init(&rng, 1, 0, n, 0);
        for (size_t i = 0; i < n * d; ++i)
            z[i] = (double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0;
        dse_err_t err;
        if (dse_kernel_build_lower(n, d, z, 1.0, K, &err) != DSE_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double t[3];
        for (int drv = DSE_EIGEN_DSYEVD; drv <= DSE_EIGEN_DSYEVD_2STAGE; ++drv) {
            memcpy(A, K, n * n * sizeof *A);
            double t0 = now();
            if (dse_eigen_symmetric(n, A, w, (dse_eigen_driver_t)drv, &err) != DSE_OK) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            t[drv - 1] = now() - t0;
        }
        int best = t[0] <= t[1] && t[0] <= t[2] ? 0 : (t[1] <= t[2] ? 1 : 2);
        printf("%6zu %10.3f %10.3f %14.3f  %s (auto picks %s)\n", n, t[0], t[1], t[2],
               dse_eigen_driver_name((dse_eigen_driver_t)(best + 1)),
               dse_eigen_driver_name(dse_eigen_choose(n)));
        fflush(stdout);
        free(z);
        free(K);
        free(A);
        free(w);
    }
    return 0;
}
