/* bench_bounded.c — the bounded DSE (engine/bounded) against the exact solve
 * on generated data; a program, never a timed test (docs/performance.md).
 *
 * Usage: bench_bounded KIND N D [exact] [max_k] [budget_bytes] [stat]
 *   exact: also the dense solve in the same run ("no" to skip);
 *   budget_bytes: per rank, decides float64 / float32 / rebuilt K (0: no limit);
 *   stat: the statistical tail (SLQ) for t that miss tol ("cert" for certified only);
 *   slq_batch: SLQ probes per block product (0: the Lanczos block, 32).
 *   KIND: blobs (10 blobs, spread 1, centres in [-10,10]^D, sigma 10),
 *         slow (200 classes, spread 0.3, sigma sqrt(D/32)), embedding (a 3-d manifold
 *         in D dims, sigma 10: low entropy, like a trained network's layer).
 * Prints one line per t: interval, half-width, k, products, seconds.
 *
 * Usage: bench_bounded model N D RANKS BUDGET
 *   the per-rank bytes of each way to hold K and the one the budget picks. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dsesweep/bounded.h"
#include "dsesweep/entropy.h"
#include "dsesweep/kernel.h"
#include "dsesweep/rng.h"

static double uni(dse_rng_t *r)
{
    return ((double)(dse_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

static double gauss(dse_rng_t *r)
{
    return sqrt(-2 * log(uni(r))) * cos(6.283185307179586 * uni(r));
}

static double *make(const char *kind, size_t n, size_t d, double *sigma)
{
    dse_rng_t r;
    dse_rng_init(&r, 1234, 99, kind[0], n);
    double *Z = malloc(n * d * sizeof *Z), *W = malloc(3 * d * sizeof *W);
    int blobs = !strcmp(kind, "blobs"), emb = !strcmp(kind, "embedding");
    size_t classes = blobs ? 10 : 200;
    double *c = malloc(classes * d * sizeof *c);
    for (size_t i = 0; i < classes * d; ++i)
        c[i] = blobs ? 20 * uni(&r) - 10 : 2 * gauss(&r);
    for (size_t i = 0; i < 3 * d; ++i)
        W[i] = gauss(&r) * sqrt(64.0 / (double)d);
    for (size_t i = 0; i < n; ++i) {
        double u[3] = {3 * uni(&r), 3 * uni(&r), 3 * uni(&r)};
        for (size_t j = 0; j < d; ++j)
            Z[i * d + j] =
                emb ? W[j] * u[0] + W[d + j] * u[1] + W[2 * d + j] * u[2] + 0.05 * gauss(&r)
                    : c[(i % classes) * d + j] + (blobs ? 1.0 : 0.3) * gauss(&r);
    }
    /* slow: sigma grows with sqrt(D) so that within-class distances stay
     * comparable to sigma (at D = 32: sigma 1, as in tests/test_bounded.c) */
    *sigma = !strcmp(kind, "slow") ? sqrt((double)d / 32) : 10;
    free(c);
    free(W);
    return Z;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 4) {
        if (rank == 0)
            fprintf(stderr,
                    "usage: bench_bounded KIND N D [exact] [max_k] [budget] [stat] [slq_batch]\n");
        MPI_Finalize();
        return 2;
    }
    size_t n = strtoull(argv[2], NULL, 10), d = strtoull(argv[3], NULL, 10);
    if (!strcmp(argv[1], "model")) {
        int ranks = argc > 4 ? atoi(argv[4]) : 1;
        size_t budget = argc > 5 ? strtoull(argv[5], NULL, 10) : 0, k = 1000;
        double b64 = dse_bounded_bytes_per_rank(n, d, k, 32, ranks, 1);
        double none = dse_bounded_bytes_per_rank(n, d, k, 32, ranks, 0), pick = 0;
        dse_bounded_storage_t s = dse_bounded_storage(n, d, k, 32, ranks, budget, &pick);
        if (rank == 0)
            printf("model N=%zu D=%zu ranks=%d max_k=%zu: float64 %.2f GB/rank, float32 %.2f "
                   "GB/rank, rebuilt %.2f GB/rank; budget %.2f GB/rank picks %s (%.2f GB); one "
                   "rebuilt product rebuilds %.3g kernel entries per rank (%.3g flops)\n",
                   n, d, ranks, k, b64 / 1e9,
                   (none + 4.0 * (double)n * ceil((double)n / ranks)) / 1e9, none / 1e9,
                   (double)budget / 1e9, dse_bounded_storage_name(s), pick / 1e9,
                   (double)n * (double)n / ranks, 2.0 * (double)n * (double)n * (double)d / ranks);
        MPI_Finalize();
        return 0;
    }
    int exact = argc > 4 && !strcmp(argv[4], "exact");
    size_t max_k = argc > 5 ? strtoull(argv[5], NULL, 10) : 2000;
    size_t budget = argc > 6 ? strtoull(argv[6], NULL, 10) : 0;
    int stat = argc > 7 && !strcmp(argv[7], "stat");
    size_t slq_batch = argc > 8 ? strtoull(argv[8], NULL, 10) : 0;
    double sigma, ts[3] = {1, 2, 5};
    double *Z = make(argv[1], n, d, &sigma);
    dse_bounded_opts_t o = {
        .tol = 0.01, .max_k = max_k, .block = 32, .budget_bytes = budget, .seed = 5};
    o.statistical_tail = stat;
    o.slq_batch = slq_batch;
    dse_bounded_result_t r;
    dse_err_t err = {0};
    int rc = dse_bounded_dse(MPI_COMM_WORLD, n, d, Z, sigma, ts, 3, &o, &r, &err);
    if (rc != DSE_OK) {
        if (rank == 0) fprintf(stderr, "bench_bounded: %s\n", err.msg);
        MPI_Finalize();
        return 1;
    }
    double ex[3] = {NAN, NAN, NAN}, tex = 0;
    if (exact && rank == 0) {
        double *eig = malloc(n * sizeof *eig), t0 = MPI_Wtime();
        if (dse_kernel_spectrum(n, d, Z, sigma, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_AUTO, eig,
                                &err) == DSE_OK)
            for (int j = 0; j < 3; ++j)
                ex[j] = dse_entropy_spectral(eig, n, ts[j]);
        tex = MPI_Wtime() - t0;
        free(eig);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
    if (rank == 0) {
        double bytes = 0;
        dse_bounded_storage(n, d, max_k, 32, size, budget, &bytes);
        for (int j = 0; j < 3; ++j)
            printf("%s N=%zu D=%zu ranks=%d t=%g [%.6f, %.6f] half-width %.3g %s k %zu products "
                   "%zu probes %zu (head %zu, %zu products) certified %d K %s bounded %.1f s "
                   "(rank 0 cpu %.1f s incl. exact) model %.2f GB/rank peak %.2f GB exact %.6f "
                   "(%.1f s) inside %s phases build %.1f lanczos %.1f slq %.1f s\n",
                   argv[1], n, d, size, ts[j], r.lower[j], r.upper[j],
                   (r.upper[j] - r.lower[j]) / 2, r.statistical[j] ? "statistical" : "certified",
                   r.k, r.products, r.probes, r.slq_head, r.slq_products, r.certified,
                   dse_bounded_storage_name((dse_bounded_storage_t)r.storage), r.seconds, cpu,
                   bytes / 1e9, (double)ru.ru_maxrss / 1e6, ex[j], tex,
                   isnan(ex[j])                                 ? "-"
                   : r.lower[j] <= ex[j] && ex[j] <= r.upper[j] ? "yes"
                                                                : "NO",
                   r.phase[0], r.phase[1], r.phase[2]);
    }
    dse_bounded_result_free(&r);
    free(Z);
    MPI_Finalize();
    return 0;
}
