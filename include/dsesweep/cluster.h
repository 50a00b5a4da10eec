/* cluster.h — spectral clustering of a vector reference X (N x D') into
 * n_clusters categories for DSMI(Z; X) (REFERENCE.md, "Mutual information"),
 * as scikit-learn's SpectralClustering(affinity="nearest_neighbors",
 * assign_labels="cluster_qr") defines it:
 *   1. the k-nearest-neighbour connectivity A (the point itself counts as one
 *      of its k, as kneighbors_graph(include_self=True)), symmetrised as
 *      W = (A + A^T) / 2;
 *   2. the normalised Laplacian L = I - D^-1/2 W D^-1/2 and the eigenvectors
 *      of its n_clusters smallest eigenvalues (the largest of D^-1/2 W D^-1/2),
 *      each row scaled by D^-1/2 (the spectral embedding);
 *   3. labels by column-pivoted QR (dgeqp3) of the embedding's transpose, an
 *      SVD (dgesdd) of the pivot rows, and the arg-max of |V U Vt|.
 * The kNN lists come from BLAS-3 distance blocks spread over the ranks.
 */
#ifndef DSESWEEP_CLUSTER_H
#define DSESWEEP_CLUSTER_H
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "dsesweep/categories.h"
#include "dsesweep/error.h"

/* Rows per distance block. Blocks, not ranks, fix the arithmetic, so the kNN
 * lists are bitwise the same at every rank count. */
#define DSE_KNN_BLOCK 256

/* Local. The k nearest rows of rows [begin, end) of X (n x d, row-major),
 * nearest first, ties to the lower index; a row is its own nearest. Squared
 * distances |x_i|^2 + |x_j|^2 - 2 x_i.x_j from dgemm blocks of at most
 * DSE_KNN_BLOCK x 4096. out ((end - begin) x k) is caller-owned. Needs
 * 1 <= k <= n. Scratch: 8 * DSE_KNN_BLOCK * 4096 bytes + 8 n bytes. */
int dse_knn_rows(const double *X, size_t n, size_t d, size_t begin, size_t end, size_t k,
                 int64_t *out, dse_err_t *err);

/* Collective on comm. Every rank holds all of X; the DSE_KNN_BLOCK-row blocks
 * are split into contiguous ranges over the ranks and the lists are gathered
 * on every rank into out (n x k, caller-owned). Identical at any rank count.
 * Fails on every rank if it fails on one. */
int dse_knn_graph(MPI_Comm comm, const double *X, size_t n, size_t d, size_t k, int64_t *out,
                  dse_err_t *err);

/* Local. Number of connected components of the symmetrised kNN graph. */
size_t dse_knn_components(const int64_t *knn, size_t n, size_t k);

/* Local. Spectral clustering labels (0..n_clusters-1, caller-owned, n) from
 * the kNN lists. Refuses, naming `name`: n_clusters < 2, fewer samples than
 * 2 n_clusters, and a graph with more connected components than n_clusters
 * (the embedding would then be an arbitrary choice among them; raise k or
 * lower n_clusters). Dense path (dsyevr, eigenvectors of the n_clusters
 * largest eigenvalues only): O(n^2) memory and O(n^3) time, used up to
 * DSE_CLUSTER_DENSE_MAX samples; above it the sparse Lanczos path (ARPACK
 * dsaupd on the kNN graph, O(n k) memory). The crossover is measured by
 * bench/bench_cluster.sh: at N = 2000 the dense path took 1.1 s, ARPACK 0.7 s
 * (whole command); at 2900 dense 2.1 s, at 3100 ARPACK 0.6 s. */
#define DSE_CLUSTER_DENSE_MAX 500
int dse_spectral_labels(const int64_t *knn, size_t n, size_t k, size_t n_clusters, const char *name,
                        int32_t *labels, dse_err_t *err);

/* Local. The cluster_qr assignment alone: labels (n) of an n x c embedding
 * (row-major). */
int dse_cluster_qr(const double *embedding, size_t n, size_t c, int32_t *labels, dse_err_t *err);

/* Local. The categories of cluster labels (n, 0-based), checked to carry
 * mutual information (dse_categories_check), named `name` in messages. cat
 * is owned by the caller (dse_categories_free). */
int dse_cluster_categories(const int32_t *labels, size_t n, const char *name, dse_categories_t *cat,
                           dse_err_t *err);

/* Local. Writes cluster labels (n) to path as an int64 .npy. */
int dse_cluster_labels_write(const char *path, const int32_t *labels, size_t n, dse_err_t *err);

/* Local. Peak bytes on the busiest rank (rank 0) to cluster an n x d
 * reference: X as float64 (8 n d, on every rank), the kNN lists (8 n k), one
 * distance block, the symmetrised graph (up to 2 n k entries), the dense
 * matrix (n <= DSE_CLUSTER_DENSE_MAX) or ARPACK's Lanczos vectors, and the
 * embedding. */
size_t dse_cluster_bytes_per_rank(size_t n, size_t d, size_t k, size_t n_clusters);

/* What a reference clustering was made from. */
typedef struct dse_cluster_info {
    size_t n, d;       /* rows and columns (D') of X */
    size_t components; /* connected components of the kNN graph */
    double seconds;    /* wall time of load + graph + labels */
} dse_cluster_info_t;

/* Collective on comm. Reads the reference X from spec on every rank (N x D',
 * any dtype the readers take, finite values), checks D' >= 1 and, when
 * n_expected > 0, that X has n_expected rows (else "<spec>: N' rows but
 * <emb_name> has N rows"), builds the kNN graph over the ranks, clusters it
 * on rank 0 and broadcasts the labels. *labels (info->n values, malloc'd,
 * owned by the caller) holds them on every rank. Fails on every rank if it
 * fails on one, with the first failing rank's message. Memory per rank: X as
 * float64 (8 N D' bytes) + the lists (8 N k bytes) + one distance block. */
int dse_cluster_reference(MPI_Comm comm, const char *spec, size_t n_expected, const char *emb_name,
                          size_t k, size_t n_clusters, int32_t **labels, dse_cluster_info_t *info,
                          dse_err_t *err);

#endif
