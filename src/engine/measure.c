/* measure.c — the quantities of REFERENCE.md on one rank. */
#include "dsesweep/measure.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/entropy.h"
#include "dsesweep/kernel.h"
#include "dsesweep/rng.h"

static double *alloc_square(size_t n, dse_err_t *err)
{
    if (n > 0 && n > SIZE_MAX / sizeof(double) / n) {
        DSE_RAISE(err, DSE_ENOMEM, "an N = %zu kernel matrix does not fit in memory", n);
        return NULL;
    }
    return DSE_MALLOC(n * n, sizeof(double), err);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int dse_measure_knn_spectrum(size_t n, size_t d, const double *Z, int k, double *eig,
                             dse_err_t *err)
{
    if (k < 1) return DSE_RAISE(err, DSE_EUSAGE, "knn must be >= 1 (got %d)", k);
    size_t kk = (size_t)k < n ? (size_t)k : n;
    double *A = alloc_square(n, err);
    double *row = A ? DSE_MALLOC(n, sizeof *row, err) : NULL;
    double *kth = row ? DSE_MALLOC(n, sizeof *kth, err) : NULL;
    int rc = kth ? DSE_OK : err->code;
    if (rc == DSE_OK) rc = dse_kernel_sqdist_lower(n, d, Z, A, err);
    if (rc == DSE_OK) {
        /* Distances as the reference sees them: sqrt of the clamped squares
         * (so ties after rounding match), symmetric, diagonal 0. */
        for (size_t j = 0; j < n; ++j)
            for (size_t i = j; i < n; ++i) {
                double v = sqrt(A[i + j * n]);
                A[i + j * n] = v;
                A[j + i * n] = v;
            }
        for (size_t i = 0; i < n; ++i) {
            for (size_t j = 0; j < n; ++j)
                row[j] = A[i + j * n];
            kth[i] = dse_kernel_kth_smallest(row, n, kk - 1);
        }
        int symmetric = 1;
        for (size_t j = 0; j < n; ++j)
            for (size_t i = 0; i < n; ++i)
                A[i + j * n] = A[i + j * n] <= kth[i] ? 1.0 : 0.0;
        for (size_t j = 0; j < n && symmetric; ++j)
            for (size_t i = j + 1; i < n; ++i)
                if (A[i + j * n] != A[j + i * n]) {
                    symmetric = 0;
                    break;
                }
        if (symmetric) {
            rc = dse_eigen_symmetric(n, A, eig, DSE_EIGEN_AUTO, err);
            for (size_t i = 0; rc == DSE_OK && i < n; ++i)
                eig[i] = fabs(eig[i]);
            if (rc == DSE_OK) qsort(eig, n, sizeof *eig, cmp_double);
            for (size_t i = 0; rc == DSE_OK && i < n / 2; ++i) {
                double t = eig[i];
                eig[i] = eig[n - 1 - i];
                eig[n - 1 - i] = t;
            }
        } else {
            rc = dse_eigen_general_moduli(n, A, eig, err);
        }
    }
    free(kth);
    free(row);
    free(A);
    return rc;
}

int dse_measure_entry_entropy_lower(size_t n, const double *K, double *out, dse_err_t *err)
{
    double *r = DSE_MALLOC(n + 1, sizeof *r, err);
    if (!r) return err->code;
    /* Row sums of K, then P(i,j) = K(i,j) / r_i for both triangles. */
    dse_kernel_row_sums_lower(n, K, r);
    double total = 0.0;
    for (size_t j = 0; j < n; ++j) {
        total += fabs(K[j + j * n] / r[j]);
        for (size_t i = j + 1; i < n; ++i)
            total += fabs(K[i + j * n] / r[i]) + fabs(K[i + j * n] / r[j]);
    }
    double h = 0.0;
    for (size_t j = 0; j < n; ++j) {
        h += dse_entropy_term(fabs(K[j + j * n] / r[j]) / total);
        for (size_t i = j + 1; i < n; ++i)
            h += dse_entropy_term(fabs(K[i + j * n] / r[i]) / total) +
                 dse_entropy_term(fabs(K[i + j * n] / r[j]) / total);
    }
    *out = h;
    free(r);
    return DSE_OK;
}

int dse_measure_matrix_entry(size_t n, size_t d, const double *Z, double sigma, double *out,
                             dse_err_t *err)
{
    double *K = alloc_square(n, err);
    int rc = K ? DSE_OK : err->code;
    if (rc == DSE_OK) rc = dse_kernel_build_lower(n, d, Z, sigma, K, err);
    if (rc == DSE_OK) rc = dse_measure_entry_entropy_lower(n, K, out, err);
    free(K);
    return rc;
}

/* Lexicographic comparison of bin vectors (rows of a uint16 n x d matrix). */
typedef struct {
    const uint16_t *code;
    size_t d;
} bin_rows_t;

static int cmp_bin_rows(const void *a, const void *b, void *ctx)
{
    const bin_rows_t *br = ctx;
    const uint16_t *x = br->code + *(const size_t *)a * br->d;
    const uint16_t *y = br->code + *(const size_t *)b * br->d;
    for (size_t k = 0; k < br->d; ++k)
        if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
    return 0;
}

int dse_measure_cse(size_t n, size_t d, const double *Z, int bins, double *out, dse_err_t *err)
{
    if (bins < 1 || bins > 65535)
        return DSE_RAISE(err, DSE_EUSAGE, "bins per dimension must be in [1, 65535] (got %d)",
                         bins);
    uint16_t *code = DSE_MALLOC(n * d, sizeof *code, err);
    size_t *order = code ? DSE_MALLOC(n, sizeof *order, err) : NULL;
    size_t *counts = order ? DSE_MALLOC(n, sizeof *counts, err) : NULL;
    if (!counts) {
        free(order);
        free(code);
        return err->code;
    }
    const double step = 1.0 / bins; /* numpy.linspace(0, 1, b + 1)[:-1] is k * (1/b) */
    for (size_t j = 0; j < d; ++j) {
        double lo = Z[j], hi = Z[j];
        for (size_t i = 1; i < n; ++i) {
            double v = Z[i * d + j];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        for (size_t i = 0; i < n; ++i) {
            double x = (Z[i * d + j] - lo) / (hi - lo);
            uint16_t b = 0;
            if (isnan(x))
                b = (uint16_t)bins;
            else
                while (b < bins && (double)b * step <= x)
                    b++;
            code[i * d + j] = b;
        }
    }
    for (size_t i = 0; i < n; ++i)
        order[i] = i;
    bin_rows_t br = {code, d};
    qsort_r(order, n, sizeof *order, cmp_bin_rows, &br);
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i == 0 || cmp_bin_rows(&order[i - 1], &order[i], &br) != 0) counts[k++] = 0;
        counts[k - 1]++;
    }
    *out = dse_entropy_counts(counts, k);
    free(counts);
    free(order);
    free(code);
    return DSE_OK;
}

int dse_measure_rankme(size_t n, size_t d, const double *Z, double *out, dse_err_t *err)
{
    /* Z row-major n x d is column-major d x n: same singular values. */
    double *A = DSE_MALLOC(n * d, sizeof *A, err);
    size_t k = n < d ? n : d;
    double *s = A ? DSE_MALLOC(k, sizeof *s, err) : NULL;
    if (!s) {
        free(A);
        return err->code;
    }
    memcpy(A, Z, n * d * sizeof *A);
    int rc = dse_eigen_singular_values(d, n, A, s, err);
    if (rc == DSE_OK) {
        double sum = 0.0, h = 0.0;
        for (size_t i = 0; i < k; ++i)
            sum += s[i];
        for (size_t i = 0; i < k; ++i) {
            double q = s[i] / sum + 1e-7;
            h -= q * log(q);
        }
        *out = exp(h);
    }
    free(s);
    free(A);
    return rc;
}

int dse_measure_covariance_spectrum(size_t n, size_t d, const double *Z, double *eig,
                                    dse_err_t *err)
{
    if (n < 2)
        return DSE_RAISE(err, DSE_EVALUE, "a covariance needs at least 2 samples (N = %zu)", n);
    int bn, bd;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(dse_to_blas_int(d, &bd, "D", err));
    double *X = DSE_MALLOC(n * d, sizeof *X, err);
    double *C = X ? alloc_square(d, err) : NULL;
    double *mean = C ? DSE_CALLOC(d, sizeof *mean, err) : NULL;
    if (!mean) {
        free(C);
        free(X);
        return err->code;
    }
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < d; ++j)
            mean[j] += Z[i * d + j];
    for (size_t j = 0; j < d; ++j)
        mean[j] /= (double)n;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < d; ++j)
            X[i * d + j] = Z[i * d + j] - mean[j];
    /* X row-major n x d = column-major d x n; C = X^T X / (n-1) is A A^T. */
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, bd, bn, 1.0 / (double)(n - 1), X, bd, 0.0,
                C, bd);
    int rc = dse_eigen_symmetric(d, C, eig, DSE_EIGEN_AUTO, err);
    for (size_t j = 0; rc == DSE_OK && j < d; ++j)
        eig[j] = eig[j] > 0.0 ? eig[j] : 0.0;
    free(mean);
    free(C);
    free(X);
    return rc;
}

/* The Renyi entropy (bits) of order alpha of the eigenvalues w / tr, over
 * those > 0. */
static double renyi_bits(const double *w, size_t r, double tr, double alpha)
{
    double sum = 0.0;
    for (size_t i = 0; i < r; ++i) {
        double l = w[i] / tr;
        if (l <= 0.0) continue;
        sum += alpha == 1.0 ? -l * log2(l) : pow(l, alpha);
    }
    return alpha == 1.0 ? sum : log2(sum) / (1.0 - alpha);
}

int dse_measure_matrix_entropy(size_t n, size_t d, const double *Z, const dse_params_t *p,
                               double *out, dse_err_t *err)
{
    size_t r = n < d ? n : d;
    int bn, bd;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(dse_to_blas_int(d, &bd, "D", err));
    double *G = alloc_square(r, err);
    double *w = G ? DSE_MALLOC(r + 1, sizeof *w, err) : NULL;
    if (!w) {
        free(G);
        return err->code;
    }
    /* Z row-major n x d is A = Z^T column-major d x n (ld d): Z^T Z = A A^T
     * (d x d) when d < n, else Z Z^T = A^T A (n x n); same nonzero spectrum. */
    if (d < n)
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, bd, bn, 1.0, Z, bd, 0.0, G, bd);
    else
        cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, bn, bd, 1.0, Z, bd, 0.0, G, bn);
    double tr = 0.0;
    for (size_t i = 0; i < r; ++i)
        tr += G[i * r + i];
    int rc = dse_eigen_symmetric(r, G, w, p->driver, err);
    if (rc == DSE_OK) *out = tr > 0.0 ? renyi_bits(w, r, tr, p->alpha) : NAN;
    free(w);
    free(G);
    return rc;
}

double dse_measure_participation_ratio(const double *mu, size_t d)
{
    double s = 0.0, s2 = 0.0;
    for (size_t i = 0; i < d; ++i) {
        s += mu[i];
        s2 += mu[i] * mu[i];
    }
    return s2 > 0.0 ? s * s / s2 : NAN;
}

double dse_measure_alpha_req(const double *mu, size_t d)
{
    if (d == 0 || !(mu[0] > 0.0)) return NAN;
    double floor_v = 1e-12 * mu[0];
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t m = 0;
    for (size_t k = 0; k < d && mu[k] > floor_v; ++k, ++m) {
        double x = log((double)(k + 1)), y = log(mu[k]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    if (m < 2) return NAN;
    double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
    return -slope;
}

int dse_measure_subsample_rows(size_t n, size_t max_n, uint64_t seed, uint64_t stream,
                               size_t **rows, size_t *count, dse_err_t *err)
{
    *rows = NULL;
    *count = n;
    if (max_n == 0 || n <= max_n) return DSE_OK;
    size_t *r = DSE_MALLOC(max_n, sizeof *r, err);
    if (!r) return err->code;
    dse_rng_t rng;
    dse_rng_init(&rng, seed, DSE_RNG_SUBSAMPLE, stream, 0);
    int rc = dse_rng_sample(&rng, n, max_n, r, err);
    if (rc != DSE_OK) {
        free(r);
        return rc;
    }
    *rows = r;
    *count = max_n;
    return DSE_OK;
}

int dse_measure_gather_rows(size_t d, const double *Z, const size_t *rows, size_t count,
                            double **out, dse_err_t *err)
{
    double *m = DSE_MALLOC(count * d, sizeof *m, err);
    if (!m) return err->code;
    for (size_t i = 0; i < count; ++i)
        memcpy(m + i * d, Z + rows[i] * d, d * sizeof *m);
    *out = m;
    return DSE_OK;
}
