/* test_dist_eigen.c — distributed kernels and every group eigensolver
 * (pdsyev, pdsyevd, ELPA1, ELPA2, dist_2stage, AUTO, and float32 pssyev) against the serial
 * path.
 *
 * usage: mpiexec -n P test_dist_eigen ORACLE_DIR TMPDIR
 * For every grid with nprow * npcol == P (1x2, 2x1, 1x3, 3x1, 2x2, 1x4, ...),
 * every driver at block size 64 on the oracle inputs and on generated inputs
 * whose N is not a multiple of the block size, and on the singular K of a
 * duplicated sample (block size 16); AUTO also at block size 8: eigenvalues
 * equal the one-rank dsyevd ones within 1e-10 absolute (pssyev, the float32
 * driver: within the proved radius of docs/bounded.md), and matrix-entry DSE
 * within 1e-9 relative.
 * Also: a problem over the memory budget is refused with the figures on every
 * rank, and a rank that cannot read its shard fails the whole group cleanly.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check_mpi.h"
#include "dsesweep/dist.h"
#include "dsesweep/dist_two_stage.h"
#include "dsesweep/interval.h"
#include "dsesweep/measure.h"
#include "dsesweep/npy.h"
#include "dsesweep/rng.h"
#include "dsesweep/source.h"
#include "dsesweep/tune.h"

static int world_rank, world_size;

typedef struct {
    const double *z;
    size_t d;
    int fail_rank; /* this world rank reports a read failure (-1: none) */
    size_t max_pos_seen;
    size_t max_call; /* most positions asked for in one call */
} memory_rows_t;

static int memory_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err)
{
    memory_rows_t *m = ctx;
    if (world_rank == m->fail_rank)
        return DSE_RAISE(err, DSE_EIO, "shard.npy: cannot read rows %zu..%zu (injected)", pos[0],
                         pos[count - 1]);
    if (count > m->max_call) m->max_call = count;
    for (size_t i = 0; i < count; ++i) {
        memcpy(out + i * m->d, m->z + pos[i] * m->d, m->d * sizeof *out);
        if (pos[i] > m->max_pos_seen) m->max_pos_seen = pos[i];
    }
    return DSE_OK;
}

static void compare_driver(const char *label, const double *z, size_t n, size_t d, double sigma,
                           int nprow, int npcol, int nb, dse_eigen_driver_t driver)
{
    dse_err_t err;
    dse_err_clear(&err);
    double *ref = malloc(n * sizeof *ref), *w = malloc(n * sizeof *w);
    CHECK(dse_kernel_spectrum(n, d, z, sigma, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_DSYEVD, ref,
                              &err) == DSE_OK,
          "%s", err.msg);
    dse_group_t *g;
    CHECK(dse_group_create(MPI_COMM_WORLD, nprow, npcol, &g, &err) == DSE_OK, "%s", err.msg);
    memory_rows_t rows = {z, d, -1, 0, 0};
    dse_layout_t L;
    CHECK(dse_layout_init(g, n, nb, &L, &err) == DSE_OK, "%s", err.msg);
    size_t ld = L.mloc > 1 ? (size_t)L.mloc : 1;
    double *A = malloc(ld * (size_t)(L.nloc > 0 ? L.nloc : 1) * sizeof *A);
    int rc =
        dse_dist_kernel(g, &L, d, memory_read, &rows, sigma, DSE_KERNEL_ANISOTROPIC, A, NULL, &err);
    dse_dist_stats_t st;
    memset(&st, 0, sizeof st);
    if (rc == DSE_OK) rc = dse_dist_eigvals(g, &L, A, w, driver, &st, &err);
    CHECK(rc == DSE_OK, "%s: %s", label, err.msg);
    if (driver != DSE_EIGEN_AUTO)
        CHECK(st.driver == driver, "%s: ran %s, asked %s", label, dse_eigen_driver_name(st.driver),
              dse_eigen_driver_name(driver));
    double worst = 0;
    for (size_t i = 0; i < n; ++i)
        worst = fmax(worst, fabs(w[i] - ref[i]));
    char what[200];
    snprintf(what, sizeof what, "%s N=%zu grid %dx%d nb=%d: max |%s - dsyevd|", label, n, nprow,
             npcol, nb, dse_eigen_driver_name(st.driver));
    /* float32 (pssyev): within the proved radius of precision = float32 */
    double tol =
        dse_eigen_driver_scope(driver) & DSE_EIGEN_FLOAT32 ? dse_interval_float32_radius(n) : 1e-10;
    CHECK_ABS(worst, 0.0, tol, what);
    if (world_rank == 0) printf("  %-60s %.2e\n", what, worst);
    if (st.driver == DSE_EIGEN_DIST_2STAGE) {
        /* The memory model (rank 0's, the largest; its chasing on at most
         * each rank's BLAS threads) bounds every rank's allocation and is
         * rank 0's. */
        double model =
            dse_dist_two_stage_workspace_bytes(n, nb, L.mloc, g->size * dse_tune_blas_threads());
        CHECK((double)st.bytes_local <= model, "%s: rank %d allocated %zu bytes, model %.0f", what,
              world_rank, st.bytes_local, model);
        if (world_rank == 0)
            CHECK((double)st.bytes_local >= 0.99 * model, "%s: rank 0 allocated %zu, model %.0f",
                  what, st.bytes_local, model);
    }
    /* Matrix-entry DSE from the distributed blocks. */
    double me_ref, me;
    CHECK(dse_measure_matrix_entry(n, d, z, sigma, &me_ref, &err) == DSE_OK, "%s", err.msg);
    CHECK(dse_dist_matrix_entry(g, n, d, memory_read, &rows, sigma, nb, &me, &err) == DSE_OK, "%s",
          err.msg);
    snprintf(what, sizeof what, "%s grid %dx%d nb=%d: matrix-entry DSE", label, nprow, npcol, nb);
    CHECK_REL(me, me_ref, 1e-9, what);
    free(A);
    dse_layout_free(&L);
    dse_group_destroy(&g);
    CHECK(g == NULL, "destroy sets the handle to NULL");
    free(ref);
    free(w);
}

/* Every group driver (and AUTO) against the one-rank dsyevd, within 1e-10. */
static void compare_grid(const char *label, const double *z, size_t n, size_t d, double sigma,
                         int nprow, int npcol, int nb)
{
    static const dse_eigen_driver_t drivers[] = {
        DSE_EIGEN_AUTO,  DSE_EIGEN_PDSYEV, DSE_EIGEN_PDSYEVD,    DSE_EIGEN_ELPA1,
        DSE_EIGEN_ELPA2, DSE_EIGEN_PSSYEV, DSE_EIGEN_DIST_2STAGE};
    for (size_t k = 0; k < sizeof drivers / sizeof drivers[0]; ++k)
        compare_driver(label, z, n, d, sigma, nprow, npcol, nb, drivers[k]);
}

/* With more than one rank no rank holds all N samples at once (the largest
 * single read and the peak shard are below N) nor the N x N matrix. */
static void test_shards_are_partial(const double *z, size_t n, size_t d)
{
    if (world_size == 1) return;
    dse_err_t err;
    dse_group_t *g;
    CHECK(dse_group_create(MPI_COMM_WORLD, 0, 0, &g, &err) == DSE_OK, "%s", err.msg);
    dse_layout_t L;
    dse_layout_init(g, n, 8, &L, &err);
    size_t ld = L.mloc > 1 ? (size_t)L.mloc : 1;
    double *A = malloc(ld * (size_t)(L.nloc > 0 ? L.nloc : 1) * sizeof *A);
    memory_rows_t rows = {z, d, -1, 0, 0};
    dse_dist_stats_t st;
    memset(&st, 0, sizeof st);
    CHECK(dse_dist_kernel(g, &L, d, memory_read, &rows, 1.0, DSE_KERNEL_ANISOTROPIC, A, &st,
                          &err) == DSE_OK,
          "%s", err.msg);
    CHECK(rows.max_call < n && st.shard_rows_peak < n,
          "rank %d: largest read %zu, peak shard %zu rows of N = %zu", world_rank, rows.max_call,
          st.shard_rows_peak, n);
    CHECK((size_t)L.mloc * (size_t)L.nloc < n * n, "rank %d holds %d x %d of the %zu x %zu matrix",
          world_rank, L.mloc, L.nloc, n, n);
    free(A);
    dse_layout_free(&L);
    dse_group_destroy(&g);
}

static void test_budget_refusal(void)
{
    dse_err_t err;
    dse_group_t *g;
    CHECK(dse_group_create(MPI_COMM_WORLD, 0, 0, &g, &err) == DSE_OK, "%s", err.msg);
    double w[1];
    memory_rows_t rows = {NULL, 4, -1, 0, 0};
    int rc = dse_dist_spectrum(g, 50000, 2048, memory_read, &rows, 1.0, DSE_KERNEL_ANISOTROPIC,
                               DSE_EIGEN_AUTO, 64, 1000000000, w, NULL, &err);
    CHECK(rc == DSE_ENOMEM, "over-budget problem refused (status %d)", rc);
    char want[256], need[32];
    dse_eigen_driver_t fit =
        dse_dist_driver_for_budget(50000, 2048, g->nprow, g->npcol, 64, 1000000000);
    dse_format_bytes(
        (double)dse_dist_bytes_per_rank_driver(50000, 2048, g->nprow, g->npcol, 64, fit), need,
        sizeof need);
    snprintf(want, sizeof want,
             "N = 50000 needs %s per rank on %d rank(s) (%d x %d grid) but the budget is 953.7 MiB "
             "per rank",
             need, g->size, g->nprow, g->npcol);
    CHECK_STR(err.msg, want, "budget refusal message");
    CHECK(rows.max_pos_seen == 0, "nothing was read before refusing");
    CHECK(dse_dist_group_size(50000, 2048, 64, 1000000000, world_size) == 0,
          "no group size fits 1 GB per rank");
    CHECK(dse_dist_group_size(4000, 64, 64, 200000000, 4) == 1, "N=4000 fits one rank in 200 MB");
    int p = dse_dist_group_size(12000, 64, 64, 600000000, 64);
    CHECK(p > 1 && p < 64, "N=12000 in 600 MB per rank needs a group (%d ranks)", p);
    dse_group_destroy(&g);
}

static void test_shard_failure(const double *z, size_t n, size_t d)
{
    dse_err_t err;
    dse_err_clear(&err);
    dse_group_t *g;
    CHECK(dse_group_create(MPI_COMM_WORLD, 0, 0, &g, &err) == DSE_OK, "%s", err.msg);
    int fail = world_size > 1 ? 1 : 0;
    memory_rows_t rows = {z, d, fail, 0, 0};
    double *w = malloc(n * sizeof *w);
    int rc = dse_dist_spectrum(g, n, d, memory_read, &rows, 2.0, DSE_KERNEL_ANISOTROPIC,
                               DSE_EIGEN_AUTO, 8, 0, w, NULL, &err);
    CHECK(rc == DSE_EIO, "rank %d: failing shard gives DSE_EIO on every rank (got %d)", world_rank,
          rc);
    if (world_size > 1)
        CHECK(strncmp(err.msg, "rank 1: shard.npy: cannot read rows ", 36) == 0 &&
                  strstr(err.msg, "(injected)") != NULL,
              "rank %d message: '%s'", world_rank, err.msg);
    else
        CHECK(strncmp(err.msg, "shard.npy: cannot read rows 0..", 31) == 0, "message: '%s'",
              err.msg);
    /* The group is still usable: every rank got out of the failed collective. */
    int one = 1, sum = 0;
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, g->comm);
    CHECK(sum == world_size, "group usable after a failure");
    free(w);
    dse_group_destroy(&g);
}

static double *generated(size_t n, size_t d, uint64_t seed)
{
    dse_rng_t rng;
    dse_rng_init(&rng, seed, 77, 0, 0);
    double *z = malloc(n * d * sizeof *z);
    for (size_t i = 0; i < n * d; ++i)
        z[i] = 5.0 * ((double)(dse_rng_next(&rng) >> 11) / 9007199254740992.0) + (double)(i % 3);
    return z;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    if (argc < 2) {
        fprintf(stderr, "usage: test_dist_eigen ORACLE_DIR\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/blobs_z.npy", argv[1]);
    dse_matrix_t blobs;
    dse_err_t err;
    CHECK(dse_matrix_load(path, &blobs, &err) == DSE_OK, "%s", err.msg);
    size_t n2 = 203, d2 = 7;
    double *gen = generated(n2, d2, 11);
    /* The singular K of a duplicated sample (it broke pdsyevr): rows 2i and 2i+1 equal. */
    size_t nd = 2 * n2;
    double *dup = malloc(nd * d2 * sizeof *dup);
    for (size_t i = 0; i < nd; ++i)
        memcpy(dup + i * d2, gen + (i / 2) * d2, d2 * sizeof *dup);
    size_t n3 = 700; /* larger than two row panels, so 1 x P grids stream */
    double *big = generated(n3, d2, 12);
    for (int nprow = 1; nprow <= world_size; ++nprow) {
        if (world_size % nprow) continue;
        int npcol = world_size / nprow;
        /* Every driver at nb = 64 (a narrow last block on most grids, the
         * case pdsyevd's own workspace query gets wrong) and on the singular
         * K; AUTO alone at the small block size that exercises many panels. */
        compare_grid("blobs sigma 3", blobs.data, blobs.rows, blobs.cols, 3.0, nprow, npcol, 64);
        compare_grid("generated", gen, n2, d2, 1.0, nprow, npcol, 64);
        compare_driver("generated", gen, n2, d2, 1.0, nprow, npcol, 8, DSE_EIGEN_AUTO);
        compare_driver("blobs sigma 10", blobs.data, blobs.rows, blobs.cols, 10.0, nprow, npcol, 8,
                       DSE_EIGEN_AUTO);
        compare_grid("duplicated (singular K)", dup, nd, d2, 1.0, nprow, npcol, 16);
        /* dsesweep's distributed two-stage with many panels: band width 8
         * (= nb), and 7, which no grid's blocks divide N = 700 by. */
        compare_driver("large", big, n3, d2, 1.0, nprow, npcol, 8, DSE_EIGEN_DIST_2STAGE);
        compare_driver("large", big, n3, d2, 1.0, nprow, npcol, 7, DSE_EIGEN_DIST_2STAGE);
        /* Its edges at nb = 64: N = 1 and 2, no panel at all (N = 65, band
         * width N - 1 = nb), one panel of two rows (66), a last panel
         * narrower than the band (100); on 3-row or 3-column grids a rank
         * with no rows or no columns. */
        static const size_t edges[] = {1, 2, 65, 66, 100};
        for (size_t k = 0; k < sizeof edges / sizeof edges[0]; ++k)
            compare_driver("edge", big, edges[k], d2, 1.0, nprow, npcol, 64, DSE_EIGEN_DIST_2STAGE);
    }
    free(dup);
    test_shards_are_partial(big, n3, d2);
    free(big);
    test_budget_refusal();
    test_shard_failure(gen, n2, d2);
    free(gen);
    dse_matrix_free(&blobs);
    char name[64];
    snprintf(name, sizeof name, "test_dist_eigen (%d ranks)", world_size);
    int status = check_summary_mpi(name);
    MPI_Finalize();
    return status;
}
