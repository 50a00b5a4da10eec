/* bench_dist_eigen.c — one eigenvalues-only solve of a diffusion kernel on
 * all ranks: the serial path (rank 0 alone, its tuned driver) or a group
 * driver on all ranks.
 *
 *   mpiexec -n P bench_dist_eigen N [D] [solver] [nb] [repeats]
 *
 * solver: lapack (rank 0 alone), auto (the tuned group driver), or a group
 * driver: pdsyev, pdsyevd, elpa1, elpa2, dist_2stage, pssyev (float32). repeats (default
 * 1): the eigensolve is timed that many times on fresh copies of the same
 * kernel and the minimum is printed. Prints one line: solver, N, D, ranks,
 * grid, the load average, seconds per phase.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/dist.h"
#include "dsesweep/rng.h"

typedef struct {
    size_t d;
} gen_ctx_t;

/* Rows are generated from their index: no rank needs the others' data. */
static int gen_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err)
{
    (void)err;
    gen_ctx_t *g = ctx;
    for (size_t i = 0; i < count; ++i) {
        dse_rng_t rng;
        dse_rng_init(&rng, 1, 5, pos[i], 0);
        for (size_t k = 0; k < g->d; ++k)
            out[i * g->d + k] = (double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0 +
                                (double)(pos[i] % 10) * (k % 10 == 0);
    }
    return DSE_OK;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000;
    size_t d = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
    const char *solver = argc > 3 ? argv[3] : "auto";
    int nb = argc > 4 ? atoi(argv[4]) : 64, repeats = argc > 5 ? atoi(argv[5]) : 1;
    dse_eigen_driver_t driver = DSE_EIGEN_AUTO;
    if (!strcmp(solver, "pssyev"))
        driver = DSE_EIGEN_PSSYEV;
    else if (strcmp(solver, "lapack") && dse_eigen_driver_parse(solver, &driver) != DSE_OK) {
        if (rank == 0) fprintf(stderr, "bench_dist_eigen: unknown solver %s\n", solver);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    double load = 0;
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf", &load) != 1) load = -1;
        fclose(la);
    }
    dse_err_t err;
    dse_group_t *g;
    if (dse_group_create(MPI_COMM_WORLD, 0, 0, &g, &err) != DSE_OK) MPI_Abort(MPI_COMM_WORLD, 1);
    gen_ctx_t ctx = {d};
    double *w = malloc(n * sizeof *w);
    dse_dist_stats_t st;
    memset(&st, 0, sizeof st);
    double t0 = MPI_Wtime();
    int rc;
    if (!strcmp(solver, "lapack")) {
        dse_group_t *one;
        MPI_Comm self;
        MPI_Comm_split(MPI_COMM_WORLD, rank, 0, &self);
        dse_group_create(self, 1, 1, &one, &err);
        rc = rank == 0 ? dse_dist_spectrum(one, n, d, gen_read, &ctx, 4.0, DSE_KERNEL_ANISOTROPIC,
                                           DSE_EIGEN_AUTO, nb, 0, w, &st, &err)
                       : DSE_OK;
        dse_group_destroy(&one);
        MPI_Comm_free(&self);
    } else {
        dse_layout_t L;
        rc = dse_layout_init(g, n, nb, &L, &err);
        size_t ld = L.mloc > 1 ? (size_t)L.mloc : 1;
        double *A = malloc(ld * (size_t)(L.nloc ? L.nloc : 1) * sizeof *A);
        if (rc == DSE_OK)
            rc = dse_dist_kernel(g, &L, d, gen_read, &ctx, 4.0, DSE_KERNEL_ANISOTROPIC, A, &st,
                                 &err);
        size_t bytes = ld * (size_t)(L.nloc ? L.nloc : 1) * sizeof *A;
        double *copy = malloc(bytes);
        memcpy(copy, A, bytes);
        dse_dist_stats_t es;
        for (int r = 0; rc == DSE_OK && r < (repeats > 0 ? repeats : 1); ++r) {
            memcpy(A, copy, bytes);
            MPI_Barrier(MPI_COMM_WORLD);
            double te = MPI_Wtime();
            memset(&es, 0, sizeof es);
            rc = dse_dist_eigvals(g, &L, A, w, driver, &es, &err);
            double t = MPI_Wtime() - te;
            MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            if (r == 0 || t < st.t_eigen) st.t_eigen = t;
            solver = dse_eigen_driver_name(es.driver);
        }
        free(copy);
        free(A);
        dse_layout_free(&L);
    }
    double total = MPI_Wtime() - t0;
    if (rc != DSE_OK) fprintf(stderr, "rank %d: %s\n", rank, err.msg);
    if (rank == 0)
        printf("solver=%s N=%zu D=%zu ranks=%d grid=%dx%d nb=%d load=%.2f read=%.3f kernel=%.3f "
               "reduce=%.3f eigen=%.3f (min of %d) total=%.3f lambda1=%.15f lambda_n=%.3e\n",
               solver, n, d, size, g->nprow, g->npcol, nb, load, st.t_read, st.t_kernel,
               st.t_reduce, st.t_eigen, repeats > 0 ? repeats : 1, total, w[0], w[n - 1]);
    free(w);
    dse_group_destroy(&g);
    MPI_Finalize();
    return rc == DSE_OK ? 0 : 1;
}
