/* kernel.c — Gaussian diffusion kernels with BLAS-3 distances. */
#include "dsesweep/kernel.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void dse_kernel_row_norms(size_t n, size_t d, const double *Z, double *norms)
{
    for (size_t i = 0; i < n; ++i) {
        const double *z = Z + i * d;
        double s = 0.0;
        for (size_t k = 0; k < d; ++k)
            s += z[k] * z[k];
        norms[i] = s;
    }
}

int dse_kernel_sqdist_lower(size_t n, size_t d, const double *Z, double *D2, dse_err_t *err)
{
    int bn, bd;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(dse_to_blas_int(d, &bd, "D", err));
    DSE_TRY(dse_to_blas_int(n * n, &(int){0}, "N*N", err));
    /* Z row-major n x d is column-major d x n (lda = d): Gram = Z Z^T via trans='T'. */
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, bn, bd, 1.0, Z, bd, 0.0, D2, bn);
    double *norms = DSE_MALLOC(n, sizeof *norms, err);
    if (!norms) return err->code;
    for (size_t i = 0; i < n; ++i)
        norms[i] = D2[i + i * n];
    for (size_t j = 0; j < n; ++j) {
        double *col = D2 + j * n;
        col[j] = 0.0;
        for (size_t i = j + 1; i < n; ++i) {
            double v = norms[i] + norms[j] - 2.0 * col[i];
            col[i] = v > 0.0 ? v : 0.0;
        }
    }
    free(norms);
    return DSE_OK;
}

int dse_kernel_sqdist_block(size_t m, size_t k, size_t d, const double *ZI, const double *normsI,
                            const size_t *gi, const double *ZJ, const double *normsJ,
                            const size_t *gj, double *out, size_t ld, dse_err_t *err)
{
    if (m == 0 || k == 0) return DSE_OK;
    int bm, bk, bd, bld;
    DSE_TRY(dse_to_blas_int(m, &bm, "block rows", err));
    DSE_TRY(dse_to_blas_int(k, &bk, "block columns", err));
    DSE_TRY(dse_to_blas_int(d, &bd, "D", err));
    DSE_TRY(dse_to_blas_int(ld, &bld, "leading dimension", err));
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, bm, bk, bd, -2.0, ZI, bd, ZJ, bd, 0.0, out,
                bld);
    for (size_t b = 0; b < k; ++b) {
        double *col = out + b * ld;
        for (size_t a = 0; a < m; ++a) {
            double v = col[a] + normsI[a] + normsJ[b];
            col[a] = (v > 0.0 && gi[a] != gj[b]) ? v : 0.0;
        }
    }
    return DSE_OK;
}

void dse_kernel_gaussian_block(size_t m, size_t k, double *a, size_t ld, double sigma)
{
    const double scale = -1.0 / (2.0 * sigma * sigma);
    for (size_t b = 0; b < k; ++b) {
        double *col = a + b * ld;
        for (size_t i = 0; i < m; ++i)
            col[i] = exp(col[i] * scale);
    }
}

void dse_kernel_gaussian_lower(size_t n, double *a, double sigma)
{
    const double scale = -1.0 / (2.0 * sigma * sigma);
    for (size_t j = 0; j < n; ++j) {
        double *col = a + j * n;
        for (size_t i = j; i < n; ++i)
            col[i] = exp(col[i] * scale);
    }
}

void dse_kernel_row_sums_lower(size_t n, const double *G, double *rowsum)
{
    memset(rowsum, 0, n * sizeof *rowsum);
    for (size_t j = 0; j < n; ++j) {
        const double *col = G + j * n;
        double colsum = col[j];
        for (size_t i = j + 1; i < n; ++i) {
            colsum += col[i];
            rowsum[i] += col[i];
        }
        rowsum[j] += colsum;
    }
}

void dse_kernel_scale_block(size_t m, size_t k, double *a, size_t ld, const double *si,
                            const double *sj)
{
    for (size_t b = 0; b < k; ++b) {
        double *col = a + b * ld;
        for (size_t i = 0; i < m; ++i)
            col[i] = (si[i] * col[i]) * sj[b];
    }
}

void dse_kernel_scale_lower(size_t n, double *a, const double *s)
{
    for (size_t j = 0; j < n; ++j) {
        double *col = a + j * n;
        for (size_t i = j; i < n; ++i)
            col[i] = (s[i] * col[i]) * s[j];
    }
}

int dse_kernel_build_lower(size_t n, size_t d, const double *Z, double sigma, double *K,
                           double *G_out, double *rowsum, dse_err_t *err)
{
    DSE_TRY(dse_kernel_sqdist_lower(n, d, Z, K, err));
    dse_kernel_gaussian_lower(n, K, sigma);
    if (G_out) memcpy(G_out, K, n * n * sizeof *K);
    double *r = DSE_MALLOC(n, sizeof *r, err);
    if (!r) return err->code;
    dse_kernel_row_sums_lower(n, K, r);
    if (rowsum) memcpy(rowsum, r, n * sizeof *r);
    for (size_t i = 0; i < n; ++i)
        r[i] = 1.0 / sqrt(r[i]);
    dse_kernel_scale_lower(n, K, r);
    free(r);
    return DSE_OK;
}

int dse_kernel_spectrum(size_t n, size_t d, const double *Z, double sigma, dse_kernel_kind_t kind,
                        dse_eigen_driver_t driver, double *eig, dse_err_t *err)
{
    double *K = DSE_MALLOC(n * n + 1, sizeof *K, err);
    if (!K) return err->code;
    int rc;
    if (kind == DSE_KERNEL_ANISOTROPIC) {
        rc = dse_kernel_build_lower(n, d, Z, sigma, K, NULL, NULL, err);
    } else {
        rc = dse_kernel_sqdist_lower(n, d, Z, K, err);
        if (rc == DSE_OK) dse_kernel_gaussian_lower(n, K, sigma);
    }
    if (rc == DSE_OK) rc = dse_eigen_symmetric(n, K, eig, driver, err);
    free(K);
    return rc;
}
