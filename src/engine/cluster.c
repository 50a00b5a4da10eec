/* cluster.c — kNN graph, normalised-Laplacian embedding, cluster_qr labels. */
#include "dsesweep/cluster.h"

#include <arpack/arpack.h>
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/group.h"
#include "dsesweep/npy.h"
#include "dsesweep/source.h"

#define KNN_PANEL 4096 /* columns per distance panel */

int dse_knn_rows(const double *X, size_t n, size_t d, size_t begin, size_t end, size_t k,
                 int64_t *out, dse_err_t *err)
{
    if (k < 1 || k > n || begin > end || end > n)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "kNN: need 1 <= k <= N and a row range inside [0, N) (k = %zu, N = %zu)",
                         k, n);
    int bd, bpanel;
    DSE_TRY(dse_to_blas_int(d, &bd, "D'", err));
    DSE_TRY(dse_to_blas_int(KNN_PANEL, &bpanel, "panel", err));
    double *norms = DSE_MALLOC(n + 1, sizeof *norms, err);
    double *G = DSE_MALLOC((size_t)DSE_KNN_BLOCK * KNN_PANEL, sizeof *G, err);
    double *best = DSE_MALLOC((size_t)DSE_KNN_BLOCK * k, sizeof *best, err);
    if (!norms || !G || !best) {
        free(norms);
        free(G);
        free(best);
        return err->code;
    }
    for (size_t i = 0; i < n; ++i) {
        double s = 0;
        for (size_t j = 0; j < d; ++j)
            s += X[i * d + j] * X[i * d + j];
        norms[i] = s;
    }
    for (size_t b0 = begin; b0 < end; b0 += DSE_KNN_BLOCK) {
        size_t rows = end - b0 < DSE_KNN_BLOCK ? end - b0 : DSE_KNN_BLOCK;
        int64_t *idx = out + (b0 - begin) * k;
        for (size_t r = 0; r < rows * k; ++r) {
            best[r] = INFINITY;
            idx[r] = -1;
        }
        for (size_t p0 = 0; p0 < n; p0 += KNN_PANEL) {
            size_t cols = n - p0 < KNN_PANEL ? n - p0 : KNN_PANEL;
            /* G = X[b0 .. b0+rows) X[p0 .. p0+cols)^T */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, bd, 1.0,
                        X + b0 * d, bd, X + p0 * d, bd, 0.0, G, (int)cols);
            for (size_t r = 0; r < rows; ++r) {
                size_t i = b0 + r;
                double *bd_r = best + r * k;
                int64_t *bi_r = idx + r * k;
                for (size_t c = 0; c < cols; ++c) {
                    size_t j = p0 + c;
                    double dist = j == i ? -1.0 : norms[i] + norms[j] - 2.0 * G[r * cols + c];
                    if (!(dist < bd_r[k - 1]))
                        continue; /* ties keep the lower index (seen first) */
                    size_t pos = k - 1;
                    while (pos > 0 && dist < bd_r[pos - 1]) {
                        bd_r[pos] = bd_r[pos - 1];
                        bi_r[pos] = bi_r[pos - 1];
                        pos--;
                    }
                    bd_r[pos] = dist;
                    bi_r[pos] = (int64_t)j;
                }
            }
        }
    }
    free(norms);
    free(G);
    free(best);
    return DSE_OK;
}

int dse_knn_graph(MPI_Comm comm, const double *X, size_t n, size_t d, size_t k, int64_t *out,
                  dse_err_t *err)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    size_t blocks = (n + DSE_KNN_BLOCK - 1) / DSE_KNN_BLOCK;
    int *counts = DSE_MALLOC((size_t)size, sizeof *counts, err);
    int *displs = DSE_MALLOC((size_t)size, sizeof *displs, err);
    int rc = counts && displs ? DSE_OK : err->code;
    if (rc == DSE_OK && n * k > (size_t)INT32_MAX)
        rc = DSE_RAISE(err, DSE_ENOMEM, "kNN graph of N = %zu, k = %zu exceeds 2^31 entries", n, k);
    size_t my_begin = 0, my_end = 0;
    for (int r = 0; rc == DSE_OK && r < size; ++r) {
        size_t b0 = blocks * (size_t)r / (size_t)size, b1 = blocks * (size_t)(r + 1) / (size_t)size;
        size_t begin = b0 * DSE_KNN_BLOCK < n ? b0 * DSE_KNN_BLOCK : n;
        size_t end = b1 * DSE_KNN_BLOCK < n ? b1 * DSE_KNN_BLOCK : n;
        counts[r] = (int)((end - begin) * k);
        displs[r] = (int)(begin * k);
        if (r == rank) {
            my_begin = begin;
            my_end = end;
        }
    }
    if (rc == DSE_OK) rc = dse_knn_rows(X, n, d, my_begin, my_end, k, out + my_begin * k, err);
    rc = dse_comm_agree(comm, rc, err);
    if (rc == DSE_OK) {
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, out, counts, displs, MPI_INT64_T, comm);
    }
    free(counts);
    free(displs);
    return rc;
}

static size_t find_root(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

size_t dse_knn_components(const int64_t *knn, size_t n, size_t k)
{
    size_t *parent = malloc((n ? n : 1) * sizeof *parent), count = n;
    if (!parent) return 0;
    for (size_t i = 0; i < n; ++i)
        parent[i] = i;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < k; ++j) {
            size_t a = find_root(parent, i), b = find_root(parent, (size_t)knn[i * k + j]);
            if (a != b) {
                parent[a < b ? b : a] = a < b ? a : b;
                count--;
            }
        }
    free(parent);
    return count;
}

int dse_cluster_qr(const double *embedding, size_t n, size_t c, int32_t *labels, dse_err_t *err)
{
    int bn, bc;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(dse_to_blas_int(c, &bc, "n_clusters", err));
    double *vt = DSE_MALLOC(n * c, sizeof *vt, err), *tau = DSE_MALLOC(c, sizeof *tau, err);
    double *B = DSE_MALLOC(c * c, sizeof *B, err), *s = DSE_MALLOC(c, sizeof *s, err);
    double *U = DSE_MALLOC(c * c, sizeof *U, err), *Vt = DSE_MALLOC(c * c, sizeof *Vt, err);
    double *R = DSE_MALLOC(c * c, sizeof *R, err);
    lapack_int *jpvt = DSE_CALLOC(n, sizeof *jpvt, err);
    int rc = vt && tau && B && s && U && Vt && R && jpvt ? DSE_OK : err->code;
    if (rc == DSE_OK) {
        /* The row-major n x c embedding is its transpose (c x n) in column-major. */
        memcpy(vt, embedding, n * c * sizeof *vt);
        lapack_int info = LAPACKE_dgeqp3(LAPACK_COL_MAJOR, bc, bn, vt, bc, jpvt, tau);
        if (info != 0)
            rc = DSE_RAISE(err, DSE_ELAPACK, "cluster_qr: dgeqp3 failed (info = %d)", (int)info);
    }
    if (rc == DSE_OK) {
        /* B = V[piv[0..c), :]^T, column-major c x c: B(a, b) = V[piv[b], a]. */
        for (size_t b = 0; b < c; ++b)
            for (size_t a = 0; a < c; ++a)
                B[a + b * c] = embedding[(size_t)(jpvt[b] - 1) * c + a];
        lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'A', bc, bc, B, bc, s, U, bc, Vt, bc);
        if (info != 0)
            rc = DSE_RAISE(err, DSE_ELAPACK, "cluster_qr: dgesdd failed (info = %d)", (int)info);
    }
    if (rc == DSE_OK) {
        /* R = U Vt (column-major); label = argmax_j |(V R)_ij|, first on ties. */
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, bc, bc, bc, 1.0, U, bc, Vt, bc, 0.0,
                    R, bc);
        for (size_t i = 0; i < n; ++i) {
            double top = -1;
            int32_t arg = 0;
            for (size_t j = 0; j < c; ++j) {
                double v = 0;
                for (size_t a = 0; a < c; ++a)
                    v += embedding[i * c + a] * R[a + j * c];
                if (fabs(v) > top) {
                    top = fabs(v);
                    arg = (int32_t)j;
                }
            }
            labels[i] = arg;
        }
    }
    free(vt);
    free(tau);
    free(B);
    free(s);
    free(U);
    free(Vt);
    free(R);
    free(jpvt);
    return rc;
}

/* The symmetrised graph in CSR with self-loops dropped (scipy's normed
 * Laplacian ignores the diagonal): W_ij = (A_ij + A_ji) / 2. */
typedef struct {
    size_t *start; /* n + 1 */
    size_t *col;
    double *w;
    double *degree;
} sym_graph_t;

static void sym_graph_free(sym_graph_t *g)
{
    free(g->start);
    free(g->col);
    free(g->w);
    free(g->degree);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static int sym_graph_build(const int64_t *knn, size_t n, size_t k, sym_graph_t *g, dse_err_t *err)
{
    memset(g, 0, sizeof *g);
    /* Directed edges both ways, sorted per row, then merged: weight 0.5 per direction. */
    size_t *cnt = DSE_CALLOC(n + 1, sizeof *cnt, err);
    size_t *tmp = DSE_MALLOC(2 * n * k + 1, sizeof *tmp, err);
    g->start = DSE_CALLOC(n + 1, sizeof *g->start, err);
    g->col = DSE_MALLOC(2 * n * k + 1, sizeof *g->col, err);
    g->w = DSE_MALLOC(2 * n * k + 1, sizeof *g->w, err);
    g->degree = DSE_CALLOC(n + 1, sizeof *g->degree, err);
    if (!cnt || !tmp || !g->start || !g->col || !g->w || !g->degree) {
        free(cnt);
        free(tmp);
        sym_graph_free(g);
        return err->code;
    }
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < k; ++j) {
            size_t t = (size_t)knn[i * k + j];
            if (t == i) continue;
            cnt[i]++;
            cnt[t]++;
        }
    size_t *fill = DSE_CALLOC(n + 1, sizeof *fill, err);
    if (!fill) {
        free(cnt);
        free(tmp);
        sym_graph_free(g);
        return err->code;
    }
    for (size_t i = 0; i < n; ++i)
        fill[i + 1] = fill[i] + cnt[i];
    size_t *pos = cnt; /* reuse as write cursor */
    for (size_t i = 0; i < n; ++i)
        pos[i] = fill[i];
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < k; ++j) {
            size_t t = (size_t)knn[i * k + j];
            if (t == i) continue;
            tmp[pos[i]++] = t;
            tmp[pos[t]++] = i;
        }
    size_t nnz = 0;
    for (size_t i = 0; i < n; ++i) {
        g->start[i] = nnz;
        qsort(tmp + fill[i], fill[i + 1] - fill[i], sizeof *tmp, cmp_size);
        for (size_t e = fill[i]; e < fill[i + 1]; ++e) {
            if (nnz > g->start[i] && g->col[nnz - 1] == tmp[e])
                g->w[nnz - 1] += 0.5;
            else {
                g->col[nnz] = tmp[e];
                g->w[nnz++] = 0.5;
            }
        }
        for (size_t e = g->start[i]; e < nnz; ++e)
            g->degree[i] += g->w[e];
    }
    g->start[n] = nnz;
    free(fill);
    free(cnt);
    free(tmp);
    return DSE_OK;
}

/* y = D^-1/2 W D^-1/2 x */
static void apply_normalised(const sym_graph_t *g, const double *isd, size_t n, const double *x,
                             double *y)
{
    for (size_t i = 0; i < n; ++i) {
        double s = 0;
        for (size_t e = g->start[i]; e < g->start[i + 1]; ++e)
            s += g->w[e] * isd[g->col[e]] * x[g->col[e]];
        y[i] = isd[i] * s;
    }
}

/* Dense path: the c largest eigenpairs of M with dsyevr (eigenvectors of the
 * selected ones only). V is n x c row-major. */
static int top_vectors_dense(const sym_graph_t *g, const double *isd, size_t n, size_t c, double *V,
                             dse_err_t *err)
{
    double *M = DSE_CALLOC(n * n, sizeof *M, err), *w = DSE_MALLOC(n, sizeof *w, err);
    lapack_int *isuppz = DSE_MALLOC(2 * c, sizeof *isuppz, err);
    int rc = M && w && isuppz ? DSE_OK : err->code;
    if (rc == DSE_OK) {
        for (size_t i = 0; i < n; ++i)
            for (size_t e = g->start[i]; e < g->start[i + 1]; ++e)
                M[i * n + g->col[e]] = isd[i] * g->w[e] * isd[g->col[e]];
        lapack_int found = 0, bn = (lapack_int)n, bc = (lapack_int)c;
        lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'L', bn, M, bn, 0, 0,
                                         bn - bc + 1, bn, 0.0, &found, w, V, bc, isuppz);
        if (info != 0 || found != bc)
            rc = DSE_RAISE(err, DSE_ELAPACK,
                           "spectral clustering: dsyevr failed (info = %d, %d of %d vectors)",
                           (int)info, (int)found, (int)bc);
    }
    free(M);
    free(w);
    free(isuppz);
    return rc;
}

/* Sparse path: ARPACK's implicitly restarted Lanczos (dsaupd/dseupd) for the
 * c largest algebraic eigenvalues of M, from a fixed start vector so that the
 * result does not depend on ARPACK's internal random state. */
static int top_vectors_arpack(const sym_graph_t *g, const double *isd, size_t n, size_t c,
                              double *V, dse_err_t *err)
{
    a_int ncv = (a_int)(2 * c + 1 > 20 ? 2 * c + 1 : 20);
    if ((size_t)ncv > n) ncv = (a_int)n;
    a_int lworkl = ncv * (ncv + 8), ido = 0, info = 1, nn = (a_int)n, nev = (a_int)c;
    a_int iparam[11] = {0}, ipntr[11] = {0};
    iparam[0] = 1;     /* exact shifts */
    iparam[2] = 20000; /* maximum restarts */
    iparam[6] = 1;     /* standard problem, regular mode */
    double *resid = DSE_MALLOC(n, sizeof *resid, err),
           *v = DSE_MALLOC(n * (size_t)ncv, sizeof *v, err);
    double *workd = DSE_MALLOC(3 * n, sizeof *workd, err),
           *workl = DSE_MALLOC((size_t)lworkl, sizeof *workl, err);
    double *d = DSE_MALLOC((size_t)ncv, sizeof *d, err), *z = DSE_MALLOC(n * c, sizeof *z, err);
    a_int *select = DSE_CALLOC((size_t)ncv, sizeof *select, err);
    int rc = resid && v && workd && workl && d && z && select ? DSE_OK : err->code;
    for (size_t i = 0; rc == DSE_OK && i < n;
         ++i) /* deterministic, not orthogonal to any indicator */
        resid[i] = 1.0 + 0.5 * sin(0.7 * (double)i + 0.3);
    while (rc == DSE_OK) {
        dsaupd_c(&ido, "I", nn, "LA", nev, 0.0, resid, ncv, v, nn, iparam, ipntr, workd, workl,
                 lworkl, &info);
        if (ido == -1 || ido == 1)
            apply_normalised(g, isd, n, workd + ipntr[0] - 1, workd + ipntr[1] - 1);
        else
            break;
    }
    if (rc == DSE_OK && info < 0)
        rc = DSE_RAISE(err, DSE_ELAPACK, "spectral clustering: ARPACK dsaupd failed (info = %d)",
                       (int)info);
    if (rc == DSE_OK && info == 1)
        rc = DSE_RAISE(err, DSE_ELAPACK,
                       "spectral clustering: ARPACK did not converge in %d restarts (%d of %zu "
                       "eigenvalues)",
                       (int)iparam[2], (int)iparam[4], c);
    if (rc == DSE_OK) {
        dseupd_c(1, "A", select, d, z, nn, 0.0, "I", nn, "LA", nev, 0.0, resid, ncv, v, nn, iparam,
                 ipntr, workd, workl, lworkl, &info);
        if (info != 0)
            rc = DSE_RAISE(err, DSE_ELAPACK,
                           "spectral clustering: ARPACK dseupd failed (info = %d)", (int)info);
    }
    for (size_t i = 0; rc == DSE_OK && i < n; ++i) /* column-major n x c -> row-major */
        for (size_t j = 0; j < c; ++j)
            V[i * c + j] = z[j * n + i];
    free(resid);
    free(v);
    free(workd);
    free(workl);
    free(d);
    free(z);
    free(select);
    return rc;
}

int dse_spectral_labels(const int64_t *knn, size_t n, size_t k, size_t n_clusters, const char *name,
                        int32_t *labels, dse_err_t *err)
{
    if (n_clusters < 2)
        return DSE_RAISE(err, DSE_EUSAGE, "%s: n_clusters must be at least 2", name);
    if (k < 2)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "%s: the kNN graph needs k >= 2 (a point is its own neighbour)", name);
    if (n < 2 * n_clusters)
        return DSE_RAISE(err, DSE_EVALUE,
                         "%s: %zu samples for %zu clusters; need at least 2 per cluster", name, n,
                         n_clusters);
    size_t comps = dse_knn_components(knn, n, k);
    if (comps > n_clusters)
        return DSE_RAISE(err, DSE_EVALUE,
                         "%s: the %zu-nearest-neighbour graph has %zu connected components, more "
                         "than n_clusters = "
                         "%zu; raise knn or lower n_clusters",
                         name, k, comps, n_clusters);
    sym_graph_t g;
    DSE_TRY(sym_graph_build(knn, n, k, &g, err));
    double *isd = DSE_MALLOC(n, sizeof *isd, err), *V = DSE_MALLOC(n * n_clusters, sizeof *V, err);
    int rc = isd && V ? DSE_OK : err->code;
    for (size_t i = 0; rc == DSE_OK && i < n; ++i)
        isd[i] = 1.0 /
                 sqrt(g.degree[i]); /* degree >= 0.5: every point has k - 1 >= 1 other neighbours */
    if (rc == DSE_OK)
        rc = n <= DSE_CLUSTER_DENSE_MAX ? top_vectors_dense(&g, isd, n, n_clusters, V, err)
                                        : top_vectors_arpack(&g, isd, n, n_clusters, V, err);
    if (rc == DSE_OK) {
        for (size_t i = 0; i < n; ++i) /* the spectral embedding: rows scaled by D^-1/2 */
            for (size_t j = 0; j < n_clusters; ++j)
                V[i * n_clusters + j] *= isd[i];
        rc = dse_cluster_qr(V, n, n_clusters, labels, err);
    }
    if (rc != DSE_OK) dse_err_prefix(err, "%s: ", name);
    free(isd);
    free(V);
    sym_graph_free(&g);
    return rc;
}

/* The labels as the doubles that the categories and the .npy writer take. */
static double *labels_as_doubles(const int32_t *labels, size_t n, dse_err_t *err)
{
    double *y = DSE_MALLOC(n + 1, sizeof *y, err);
    for (size_t i = 0; y && i < n; ++i)
        y[i] = labels[i];
    return y;
}

int dse_cluster_categories(const int32_t *labels, size_t n, const char *name, dse_categories_t *cat,
                           dse_err_t *err)
{
    double *y = labels_as_doubles(labels, n, err);
    if (!y) return err->code;
    int rc = dse_categories_from_labels(y, n, name, cat, err);
    if (rc == DSE_OK) rc = dse_categories_check(cat, name, err);
    free(y);
    return rc;
}

int dse_cluster_labels_write(const char *path, const int32_t *labels, size_t n, dse_err_t *err)
{
    double *y = labels_as_doubles(labels, n, err);
    if (!y) return err->code;
    dse_dtype_t i64 = {DSE_DT_I64, 8, 0};
    uint64_t shape[1] = {n};
    int rc = dse_npy_write(path, i64, 1, shape, 0, y, err);
    free(y);
    return rc;
}

size_t dse_cluster_bytes_per_rank(size_t n, size_t d, size_t k, size_t n_clusters)
{
    double c = (double)n_clusters, N = (double)n;
    double ncv = 2 * c + 1 > 20 ? 2 * c + 1 : 20;
    double bytes =
        8.0 * N * (double)d                                       /* X */
        + 8.0 * N * (double)k                                     /* kNN lists */
        + 8.0 * DSE_KNN_BLOCK * (KNN_PANEL + (double)k) + 8.0 * N /* block, norms */
        + 2.0 * N * (double)k * (8 + 8 + 8) + 8.0 * N             /* graph + build scratch */
        + (n <= DSE_CLUSTER_DENSE_MAX ? 8.0 * N * N : 8.0 * N * (ncv + 3) + 8.0 * ncv * (ncv + 8)) +
        3 * 8.0 * N * c + 4.0 * N; /* embedding, QR copy, labels */
    return bytes > (double)SIZE_MAX ? SIZE_MAX : (size_t)bytes;
}

int dse_cluster_reference(MPI_Comm comm, const char *spec, size_t n_expected, const char *emb_name,
                          size_t k, size_t n_clusters, int32_t **labels, dse_cluster_info_t *info,
                          dse_err_t *err)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    double t0 = MPI_Wtime();
    memset(info, 0, sizeof *info);
    *labels = NULL;
    dse_matrix_t x = {0};
    int64_t *knn = NULL;
    int rc = dse_matrix_load(spec, &x, err);
    size_t n = x.rows;
    if (rc == DSE_OK && n_expected && n != n_expected)
        rc = DSE_RAISE(err, DSE_EVALUE, "%s: %zu rows but %s has %zu rows", spec, n, emb_name,
                       n_expected);
    if (rc == DSE_OK && x.cols == 0)
        rc = DSE_RAISE(err, DSE_EVALUE, "%s: no features (D' = 0)", spec);
    if (rc == DSE_OK && k > n)
        rc = DSE_RAISE(err, DSE_EVALUE, "%s: %zu samples for a %zu-nearest-neighbour graph", spec,
                       n, k);
    if (rc == DSE_OK && n > (size_t)INT32_MAX)
        rc = DSE_RAISE(err, DSE_ENOMEM, "%s: too many rows to broadcast", spec);
    if (rc == DSE_OK && !(knn = DSE_MALLOC(n * k, sizeof *knn, err))) rc = err->code;
    if (rc == DSE_OK && !(*labels = DSE_MALLOC(n + 1, sizeof **labels, err))) rc = err->code;
    rc = dse_comm_agree(comm, rc, err);
    if (rc == DSE_OK) rc = dse_knn_graph(comm, x.data, n, x.cols, k, knn, err);
    if (rc == DSE_OK && rank == 0) {
        rc = dse_spectral_labels(knn, n, k, n_clusters, spec, *labels, err);
        info->components = dse_knn_components(knn, n, k);
    }
    rc = dse_comm_agree(comm, rc, err);
    unsigned long long comps = info->components;
    if (rc == DSE_OK) {
        MPI_Bcast(*labels, (int)n, MPI_INT32_T, 0, comm);
        MPI_Bcast(&comps, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
    }
    if (rc == DSE_OK) {
        info->n = n;
        info->d = x.cols;
        info->components = (size_t)comps;
        info->seconds = MPI_Wtime() - t0;
    } else {
        free(*labels);
        *labels = NULL;
    }
    free(knn);
    dse_matrix_free(&x);
    return rc;
}
