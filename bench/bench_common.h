/* bench_common.h — what the one-node benchmark programs share: a monotonic
 * clock, the load average printed beside every figure, and the node's
 * dgemm/sgemm rate (the floor of a dense eigensolve). Header-only: each
 * benchmark is one program. */
#ifndef DSESWEEP_BENCH_COMMON_H
#define DSESWEEP_BENCH_COMMON_H

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

#endif
