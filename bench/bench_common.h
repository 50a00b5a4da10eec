/* bench_common.h — what the one-node benchmark programs share: a monotonic
 * clock, the load average printed beside every figure, and the node's
 * dgemm/sgemm rate (the floor of a dense eigensolve), and the benchmark
 * kernel. Header-only: each benchmark is one program. */
#ifndef DSESWEEP_BENCH_COMMON_H
#define DSESWEEP_BENCH_COMMON_H

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dsesweep/kernel.h"
#include "dsesweep/rng.h"

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1) load = -1;
        fclose(f);
    }
    return load;
}

/* GFLOP/s of a square n x n x n gemm in float64 (single = 0) or float32,
 * best of 3. */
static inline double gemm_rate(int n, int single)
{
    size_t nn = (size_t)n * n;
    double *a = malloc(nn * sizeof *a), *c = malloc(nn * sizeof *c), best = 0;
    float *af = malloc(nn * sizeof *af), *cf = malloc(nn * sizeof *cf);
    for (size_t i = 0; i < nn; ++i)
        af[i] = (float)(a[i] = (double)(i % 97) / 97.0);
    for (int r = 0; r < 3; ++r) {
        double t0 = now();
        if (single)
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, af, n, af, n,
                        0.0f, cf, n);
        else
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, a, n, 0.0, c,
                        n);
        double rate = 2.0 * n * (double)n * n / (now() - t0) / 1e9;
        if (rate > best) best = rate;
    }
    free(a);
    free(c);
    free(af);
    free(cf);
    return best;
}

/* The benchmarks' matrix: the anisotropic kernel (sigma 1, lower triangle)
 * of n seeded uniform points in d dimensions into K (n x n, caller-owned).
 * Returns 0, or 1 after printing the error. */
static inline int random_kernel_lower(size_t n, size_t d, double *K)
{
    double *z = malloc(n * d * sizeof *z);
    if (!z) {
        fprintf(stderr, "out of memory for %zu x %zu points\n", n, d);
        return 1;
    }
    dse_rng_t rng;
    dse_rng_init(&rng, 1, 0, n, 0);
    for (size_t i = 0; i < n * d; ++i)
        z[i] = (double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0;
    dse_err_t err;
    int rc = dse_kernel_build_lower(n, d, z, 1.0, K, &err);
    free(z);
    if (rc != DSE_OK) fprintf(stderr, "%s\n", err.msg);
    return rc != DSE_OK;
}

#endif
