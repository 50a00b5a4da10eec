/* test_cluster.c — spectral clustering of a vector reference (run at 1, 2 and
 * 4 ranks):
 *  - the distributed kNN graph equals the single-rank one bitwise, and every
 *    row's neighbour set equals a brute-force search written here;
 *  - well-separated blobs (N = 1000, D' = 50; 5, 8 and 10 clusters) are
 *    recovered exactly: adjusted Rand index 1.0 (computed here) on both the
 *    dense (dsyevr) and the sparse (ARPACK) path;
 *  - cluster_qr on a hand-built embedding; the refusals (too few samples per
 *    cluster, more graph components than clusters, n_clusters < 2). */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_mpi.h"
#include "dsesweep/cluster.h"
#include "dsesweep/rng.h"

static double gaussian(dse_rng_t *r)
{
    double u = ((double)(dse_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    double v = ((double)(dse_rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n points in d dims around c centres (spread `sep`, unit noise); truth[i] = i % c. */
static double *blobs(size_t n, size_t d, size_t c, double sep, uint64_t seed, int *truth)
{
    dse_rng_t r;
    dse_rng_init(&r, seed, 99, 0, 0);
    double *centres = malloc(c * d * sizeof *centres), *x = malloc(n * d * sizeof *x);
    for (size_t i = 0; i < c * d; ++i)
        centres[i] = sep * gaussian(&r);
    for (size_t i = 0; i < n; ++i) {
        truth[i] = (int)(i % c);
        for (size_t j = 0; j < d; ++j)
            x[i * d + j] = centres[(size_t)truth[i] * d + j] + gaussian(&r);
    }
    free(centres);
    return x;
}

/* Adjusted Rand index (Hubert & Arabie) from the contingency table. */
static double ari(const int *a, const int32_t *b, size_t n, size_t ka, size_t kb)
{
    double *t = calloc(ka * kb, sizeof *t), *ra = calloc(ka, sizeof *ra),
           *rb = calloc(kb, sizeof *rb);
    for (size_t i = 0; i < n; ++i) {
        t[(size_t)a[i] * kb + (size_t)b[i]] += 1;
        ra[a[i]] += 1;
        rb[b[i]] += 1;
    }
    double sum_ij = 0, sum_a = 0, sum_b = 0;
    for (size_t i = 0; i < ka * kb; ++i)
        sum_ij += t[i] * (t[i] - 1) / 2;
    for (size_t i = 0; i < ka; ++i)
        sum_a += ra[i] * (ra[i] - 1) / 2;
    for (size_t i = 0; i < kb; ++i)
        sum_b += rb[i] * (rb[i] - 1) / 2;
    double pairs = (double)n * (double)(n - 1) / 2, expected = sum_a * sum_b / pairs;
    free(t);
    free(ra);
    free(rb);
    return (sum_ij - expected) / (0.5 * (sum_a + sum_b) - expected);
}

/* Brute force: is `got` (k indices) the k nearest of row i (self first)? */
static int knn_brute_ok(const double *x, size_t n, size_t d, size_t i, size_t k, const int64_t *got)
{
    double *dist = malloc(n * sizeof *dist);
    for (size_t j = 0; j < n; ++j) {
        double s = 0;
        for (size_t m = 0; m < d; ++m)
            s += (x[i * d + m] - x[j * d + m]) * (x[i * d + m] - x[j * d + m]);
        dist[j] = j == i ? -1 : s;
    }
    /* the k-th smallest distance; every returned index must be within it (1e-9 slack) */
    int ok = got[0] == (int64_t)i;
    double kth = -INFINITY;
    for (size_t m = 0; m < k; ++m)
        kth = fmax(kth, dist[got[m]]);
    size_t below = 0;
    for (size_t j = 0; j < n; ++j)
        below += dist[j] < kth - 1e-9 * (1 + fabs(kth));
    ok = ok && below <= k - 1;
    for (size_t m = 1; m < k; ++m)
        ok = ok && got[m] != got[m - 1] &&
             dist[got[m]] >= dist[got[m - 1]] - 1e-9 * (1 + fabs(dist[got[m]]));
    free(dist);
    return ok;
}

static void test_knn(int rank)
{
    size_t n = 700, d = 20, k = 10; /* 700: two full 256-row blocks and a partial one */
    int *truth = malloc(n * sizeof *truth);
    double *x = blobs(n, d, 4, 3.0, 11, truth);
    int64_t *dist_knn = malloc(n * k * sizeof *dist_knn), *serial = malloc(n * k * sizeof *serial);
    dse_err_t err;
    CHECK(dse_knn_graph(MPI_COMM_WORLD, x, n, d, k, dist_knn, &err) == DSE_OK, "knn graph: %s",
          err.msg);
    CHECK(dse_knn_rows(x, n, d, 0, n, k, serial, &err) == DSE_OK, "knn rows: %s", err.msg);
    CHECK(memcmp(dist_knn, serial, n * k * sizeof *serial) == 0,
          "distributed kNN lists equal the serial ones");
    size_t bad = 0;
    for (size_t i = rank == 0 ? 0 : n; i < n; ++i)
        bad += !knn_brute_ok(x, n, d, i, k, serial + i * k);
    CHECK(bad == 0, "%zu rows whose kNN lists differ from brute force", bad);
    /* the lists are the same on every rank */
    unsigned long long sum = 0, lo, hi; /* unsigned: the hash wraps by design */
    for (size_t i = 0; i < n * k; ++i)
        sum = sum * 31u + (unsigned long long)dist_knn[i];
    MPI_Allreduce(&sum, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&sum, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    CHECK(lo == hi, "every rank holds the same lists");
    free(truth);
    free(x);
    free(dist_knn);
    free(serial);
}

static void test_blobs(size_t n, size_t c, int rank)
{
    size_t d = 50, k = 10;
    int *truth = malloc(n * sizeof *truth);
    double *x = blobs(n, d, c, 4.0, 1000 + c, truth);
    int64_t *knn = malloc(n * k * sizeof *knn);
    int32_t *labels = malloc(n * sizeof *labels);
    dse_err_t err;
    CHECK(dse_knn_graph(MPI_COMM_WORLD, x, n, d, k, knn, &err) == DSE_OK, "%s", err.msg);
    if (rank == 0) {
        int rc = dse_spectral_labels(knn, n, k, c, "blobs", labels, &err);
        CHECK(rc == DSE_OK, "blobs N = %zu, %zu clusters: %s", n, c, err.msg);
        if (rc == DSE_OK) {
            double r = ari(truth, labels, n, c, c);
            CHECK(fabs(r - 1.0) < 1e-12, "N = %zu, %zu clusters (%s path): ARI %.6f, want 1", n, c,
                  n <= DSE_CLUSTER_DENSE_MAX ? "dense" : "ARPACK", r);
        }
    }
    free(truth);
    free(x);
    free(knn);
    free(labels);
}

static void test_cluster_qr_and_refusals(void)
{
    /* Rows of an orthogonal-ish 6 x 2 embedding: the first three point along e1. */
    const double emb[12] = {1, 0.1, 0.9, -0.1, 1.1, 0, 0.05, 1, -0.1, 0.8, 0, 1.2};
    int32_t lab[6];
    dse_err_t err;
    CHECK(dse_cluster_qr(emb, 6, 2, lab, &err) == DSE_OK, "%s", err.msg);
    CHECK(lab[0] == lab[1] && lab[1] == lab[2] && lab[3] == lab[4] && lab[4] == lab[5] &&
              lab[0] != lab[3],
          "cluster_qr groups: %d %d %d | %d %d %d", lab[0], lab[1], lab[2], lab[3], lab[4], lab[5]);

    size_t n = 300, d = 10, k = 5;
    int *truth = malloc(n * sizeof *truth);
    double *x = blobs(n, d, 3, 50.0, 7, truth); /* 3 far-apart blobs: 3 components */
    int64_t *knn = malloc(n * k * sizeof *knn);
    int32_t *labels = malloc(n * sizeof *labels);
    CHECK(dse_knn_rows(x, n, d, 0, n, k, knn, &err) == DSE_OK, "%s", err.msg);
    CHECK(dse_knn_components(knn, n, k) == 3, "3 components, got %zu",
          dse_knn_components(knn, n, k));
    CHECK(dse_spectral_labels(knn, n, k, 2, "X.npy", labels, &err) == DSE_EVALUE,
          "more components than clusters");
    CHECK(!strcmp(err.msg, "X.npy: the 5-nearest-neighbour graph has 3 connected components, more "
                           "than n_clusters = "
                           "2; raise knn or lower n_clusters"),
          "message '%s'", err.msg);
    CHECK(dse_spectral_labels(knn, n, k, 3, "X.npy", labels, &err) == DSE_OK,
          "3 components, 3 clusters: %s", err.msg);
    CHECK(fabs(ari(truth, labels, n, 3, 3) - 1) < 1e-12, "one cluster per component");
    CHECK(dse_spectral_labels(knn, n, k, 200, "X.npy", labels, &err) == DSE_EVALUE,
          "too many clusters");
    CHECK(!strcmp(err.msg, "X.npy: 300 samples for 200 clusters; need at least 2 per cluster"),
          "message '%s'", err.msg);
    CHECK(dse_spectral_labels(knn, n, k, 1, "X.npy", labels, &err) == DSE_EUSAGE,
          "one cluster refused");
    CHECK(!strcmp(err.msg, "X.npy: n_clusters must be at least 2"), "message '%s'", err.msg);
    CHECK(dse_knn_rows(x, n, d, 0, n, n + 1, knn, &err) == DSE_EUSAGE, "k > N refused");
    free(truth);
    free(x);
    free(knn);
    free(labels);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    test_knn(rank);
    test_blobs(450, 5, rank);  /* up to DSE_CLUSTER_DENSE_MAX: dense dsyevr */
    test_blobs(1000, 5, rank); /* above: ARPACK */
    test_blobs(1000, 8, rank);
    test_blobs(1000, 10, rank);
    test_blobs(3500, 6, rank);
    if (rank == 0) test_cluster_qr_and_refusals();
    int status = check_summary_mpi("cluster");
    MPI_Finalize();
    return status;
}
