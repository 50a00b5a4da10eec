/* kernel.c — Gaussian diffusion kernels with BLAS-3 distances. */
#include "dsesweep/kernel.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
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

/* Turns the Gaussian's lower triangle into K = D^-1/2 G D^-1/2 in place. */
static int normalise_lower(size_t n, double *K, dse_err_t *err)
{
    double *r = DSE_MALLOC(n + 1, sizeof *r, err);
    if (!r) return err->code;
    dse_kernel_row_sums_lower(n, K, r);
    for (size_t i = 0; i < n; ++i)
        r[i] = 1.0 / sqrt(r[i]);
    dse_kernel_scale_lower(n, K, r);
    free(r);
    return DSE_OK;
}

int dse_kernel_build_lower(size_t n, size_t d, const double *Z, double sigma, double *K,
                           dse_err_t *err)
{
    DSE_TRY(dse_kernel_sqdist_lower(n, d, Z, K, err));
    dse_kernel_gaussian_lower(n, K, sigma);
    return normalise_lower(n, K, err);
}

int dse_kernel_spectrum(size_t n, size_t d, const double *Z, double sigma, dse_kernel_kind_t kind,
                        dse_eigen_driver_t driver, double *eig, dse_err_t *err)
{
    double *K = DSE_MALLOC(n * n + 1, sizeof *K, err);
    if (!K) return err->code;
    int rc;
    if (kind == DSE_KERNEL_ANISOTROPIC) {
        rc = dse_kernel_build_lower(n, d, Z, sigma, K, err);
    } else {
        rc = dse_kernel_sqdist_lower(n, d, Z, K, err);
        if (rc == DSE_OK) dse_kernel_gaussian_lower(n, K, sigma);
    }
    if (rc == DSE_OK) rc = dse_eigen_symmetric(n, K, eig, driver, err);
    free(K);
    return rc;
}

/* ---- bandwidth rules ------------------------------------------------------ */

static uint64_t bits_of(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double value_of(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

void dse_kernel_radix_hist(size_t m, size_t k, const double *a, size_t ld, const size_t *gi,
                           const size_t *gj, int pass, uint64_t prefix, uint64_t hist[256])
{
    const int shift = 56 - 8 * pass;
    for (size_t b = 0; b < k; ++b) {
        const double *col = a + b * ld;
        for (size_t i = 0; i < m; ++i) {
            if (gi[i] <= gj[b]) continue;
            uint64_t u = bits_of(col[i] > 0.0 ? col[i] : 0.0);
            if (pass > 0 && (u >> (shift + 8)) != prefix) continue;
            hist[(u >> shift) & 255u]++;
        }
    }
}

uint64_t dse_kernel_radix_pick(const uint64_t hist[256], uint64_t *rank, uint64_t prefix)
{
    unsigned b = 0;
    while (b < 255 && *rank >= hist[b]) {
        *rank -= hist[b];
        b++;
    }
    return (prefix << 8) | b;
}

/* The squared distance of 0-based rank `rank` among the pairs i < j. */
static double select_sq_lower(size_t n, const double *D2, const size_t *idx, uint64_t rank)
{
    uint64_t prefix = 0;
    for (int pass = 0; pass < 8; ++pass) {
        uint64_t hist[256] = {0};
        dse_kernel_radix_hist(n, n, D2, n, idx, idx, pass, prefix, hist);
        prefix = dse_kernel_radix_pick(hist, &rank, prefix);
    }
    return value_of(prefix);
}

int dse_kernel_median_distance_lower(size_t n, const double *D2, double *median, dse_err_t *err)
{
    *median = 0.0;
    if (n < 2) return DSE_OK;
    size_t *idx = DSE_MALLOC(n, sizeof *idx, err);
    if (!idx) return err->code;
    for (size_t i = 0; i < n; ++i)
        idx[i] = i;
    uint64_t pairs = (uint64_t)n * (uint64_t)(n - 1) / 2;
    double hi = sqrt(select_sq_lower(n, D2, idx, pairs / 2));
    if (pairs % 2 == 0)
        *median = 0.5 * (sqrt(select_sq_lower(n, D2, idx, pairs / 2 - 1)) + hi);
    else
        *median = hi;
    free(idx);
    return DSE_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The 0-based kth smallest of v[0..n) (kth < n; v is reordered): a sorted
 * window of the kth + 1 smallest for small kth, a sort otherwise. */
double dse_kernel_kth_smallest(double *v, size_t n, size_t kth)
{
    if (kth >= 64) {
        qsort(v, n, sizeof *v, cmp_double);
        return v[kth];
    }
    size_t w = 0; /* v[0..w) holds the smallest seen, ascending */
    for (size_t i = 0; i < n; ++i) {
        double x = v[i];
        if (w == kth + 1 && x >= v[kth]) continue;
        size_t j = w < kth + 1 ? w++ : kth;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    return v[kth];
}

int dse_kernel_knn_sigma_lower(size_t n, const double *D2, int k, double *sigma, dse_err_t *err)
{
    if (k < 1 || (size_t)k >= n)
        return DSE_RAISE(err, DSE_EVALUE, "knn:%d needs more than %d samples (got %zu)", k, k, n);
    double *row = DSE_MALLOC(n, sizeof *row, err);
    if (!row) return err->code;
    for (size_t i = 0; i < n; ++i) {
        size_t c = 0;
        for (size_t j = 0; j < i; ++j)
            row[c++] = D2[i + j * n];
        for (size_t j = i + 1; j < n; ++j)
            row[c++] = D2[j + i * n];
        double v = dse_kernel_kth_smallest(row, c, (size_t)k - 1);
        sigma[i] = sqrt(v > 0.0 ? v : 0.0);
    }
    free(row);
    return DSE_OK;
}

void dse_kernel_gaussian_pp_block(size_t m, size_t k, double *a, size_t ld, const double *si,
                                  const double *sj)
{
    for (size_t b = 0; b < k; ++b) {
        double *col = a + b * ld;
        for (size_t i = 0; i < m; ++i)
            col[i] = exp(-col[i] / (2.0 * si[i] * sj[b]));
    }
}

dse_sigma_used_t dse_kernel_sigma_summary(size_t n, const double *s, dse_err_t *err)
{
    dse_sigma_used_t u = {s[0], s[0], s[0]};
    double *v = DSE_MALLOC(n, sizeof *v, err);
    if (!v) return (dse_sigma_used_t){NAN, NAN, NAN};
    memcpy(v, s, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    u.lo = v[0];
    u.hi = v[n - 1];
    u.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    free(v);
    return u;
}

int dse_kernel_rule_sigma(const dse_sigma_rule_t *rule, size_t d, double median, double *sigma,
                          dse_err_t *err)
{
    *sigma = rule->value;
    if (rule->kind == DSE_SIGMA_SQRT_D) *sigma = sqrt((double)d);
    if (rule->kind == DSE_SIGMA_MEDIAN) *sigma = rule->value * median;
    if (!(*sigma > 0.0))
        return DSE_RAISE(err, DSE_EVALUE,
                         "sigma rule gives sigma = %g (all distances are 0?); use a fixed sigma",
                         *sigma);
    return DSE_OK;
}

int dse_kernel_rule_bandwidths(size_t n, size_t d, const double *Z, const dse_sigma_rule_t *rules,
                               int nrules, dse_sigma_used_t *used, dse_err_t *err)
{
    double *D2 = DSE_MALLOC(n * n + 1, sizeof *D2, err);
    double *s = D2 ? DSE_MALLOC(n + 1, sizeof *s, err) : NULL;
    int rc = s ? dse_kernel_sqdist_lower(n, d, Z, D2, err) : err->code;
    int need_median = 0;
    for (int r = 0; r < nrules; ++r)
        need_median |= rules[r].kind == DSE_SIGMA_MEDIAN;
    double median = 0.0;
    if (rc == DSE_OK && need_median) rc = dse_kernel_median_distance_lower(n, D2, &median, err);
    for (int r = 0; rc == DSE_OK && r < nrules; ++r) {
        if (rules[r].kind == DSE_SIGMA_KNN) {
            rc = dse_kernel_knn_sigma_lower(n, D2, rules[r].k, s, err);
            if (rc == DSE_OK) used[r] = dse_kernel_sigma_summary(n, s, err);
        } else {
            double sigma = 0;
            rc = dse_kernel_rule_sigma(&rules[r], d, median, &sigma, err);
            used[r] = (dse_sigma_used_t){sigma, sigma, sigma};
        }
    }
    free(s);
    free(D2);
    return rc;
}

/* Rule r's Gaussian on K (which holds the squared distances D2's lower
 * triangle on entry); `median` is the data's median distance (computed once
 * by the caller when some rule needs it). */
static int apply_rule_lower(size_t n, size_t d, const double *D2, const dse_sigma_rule_t *rule,
                            double median, double *K, dse_sigma_used_t *used, dse_err_t *err)
{
    if (rule->kind == DSE_SIGMA_KNN) {
        double *s = DSE_MALLOC(n, sizeof *s, err);
        if (!s) return err->code;
        int rc = dse_kernel_knn_sigma_lower(n, D2, rule->k, s, err);
        if (rc == DSE_OK) *used = dse_kernel_sigma_summary(n, s, err);
        if (rc == DSE_OK && !(used->lo > 0.0))
            rc = DSE_RAISE(err, DSE_EVALUE,
                           "knn:%d gives sigma = 0 for some sample (more than %d duplicates)",
                           rule->k, rule->k);
        for (size_t j = 0; rc == DSE_OK && j < n; ++j)
            dse_kernel_gaussian_pp_block(n - j, 1, K + j + j * n, n, s + j, s + j);
        free(s);
        return rc;
    }
    double sigma;
    DSE_TRY(dse_kernel_rule_sigma(rule, d, median, &sigma, err));
    *used = (dse_sigma_used_t){sigma, sigma, sigma};
    dse_kernel_gaussian_lower(n, K, sigma);
    return DSE_OK;
}

int dse_kernel_for_each_rule(size_t n, size_t d, const double *Z, const dse_sigma_rule_t *rules,
                             int nrules, dse_kernel_kind_t kind, dse_kernel_rule_fn fn, void *ctx,
                             size_t *distance_passes, dse_err_t *err)
{
    int R = nrules, need_median = 0;
    for (int r = 0; r < R; ++r)
        need_median |= rules[r].kind == DSE_SIGMA_MEDIAN;
    double *D2 = DSE_MALLOC(n * n + 1, sizeof *D2, err);
    double *K = D2 && R > 1 ? DSE_MALLOC(n * n + 1, sizeof *K, err) : D2;
    int rc = K ? DSE_OK : err->code;
    if (rc == DSE_OK) rc = dse_kernel_sqdist_lower(n, d, Z, D2, err);
    if (rc == DSE_OK && distance_passes) ++*distance_passes;
    double median = 0.0;
    if (rc == DSE_OK && need_median) rc = dse_kernel_median_distance_lower(n, D2, &median, err);
    for (int r = 0; rc == DSE_OK && r < R; ++r) {
        dse_sigma_used_t used;
        if (K != D2) memcpy(K, D2, n * n * sizeof *K);
        rc = apply_rule_lower(n, d, D2, &rules[r], median, K, &used, err);
        if (rc == DSE_OK && kind == DSE_KERNEL_ANISOTROPIC) rc = normalise_lower(n, K, err);
        if (rc == DSE_OK) rc = fn(r, n, K, &used, ctx, err);
    }
    if (K != D2) free(K);
    free(D2);
    return rc;
}

typedef struct {
    double *out;
    dse_eigen_driver_t driver;
} spectra_ctx_t;

static int spectra_one(int r, size_t n, double *K, const dse_sigma_used_t *used, void *ctx,
                       dse_err_t *err)
{
    spectra_ctx_t *c = ctx;
    double *block = c->out + (size_t)r * (n + 3);
    block[n] = used->median;
    block[n + 1] = used->lo;
    block[n + 2] = used->hi;
    return dse_eigen_symmetric(n, K, block, c->driver, err);
}

int dse_kernel_spectra(size_t n, size_t d, const double *Z, const dse_sigma_rule_t *rules,
                       int nrules, dse_kernel_kind_t kind, dse_eigen_driver_t driver, double *out,
                       size_t *distance_passes, dse_err_t *err)
{
    spectra_ctx_t c = {out, driver};
    return dse_kernel_for_each_rule(n, d, Z, rules, nrules, kind, spectra_one, &c, distance_passes,
                                    err);
}
