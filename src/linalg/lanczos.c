/* lanczos.c — block Lanczos with full reorthogonalisation (replicated state). */
#include "dsesweep/lanczos.h"

#include <cblas.h>
#include <lapack.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/rng.h"

/* The stream family of the start block and of completing directions
 * ("LANC"); a = basis column, b = 0. */
#define LANCZOS_RNG_PURPOSE UINT64_C(0x4C414E43)

/* One column of seeded uniform draws in [-1, 1). */
static void random_column(uint64_t seed, size_t col, size_t n, double *v)
{
    dse_rng_t rng;
    dse_rng_init(&rng, seed, LANCZOS_RNG_PURPOSE, col, 0);
    for (size_t i = 0; i < n; ++i)
        v[i] = (double)(dse_rng_next(&rng) >> 11) * 0x1.0p-52 - 1.0;
}

/* Projects w (n) out of the first `cols` basis columns, twice; returns |w|
 * before and after in *before and *after. coef (cols) receives V^T w summed
 * over both passes when not NULL. */
static void project_out(const dse_lanczos_t *L, size_t cols, double *w, double *coef,
                        double *before, double *after)
{
    int n = (int)L->n, c = (int)cols;
    *before = cblas_dnrm2(n, w, 1);
    for (int pass = 0; pass < 2 && c > 0; ++pass) {
        double *h = L->H + (size_t)pass * (L->max_dim + L->b);
        cblas_dgemv(CblasColMajor, CblasTrans, n, c, 1.0, L->V, n, w, 1, 0.0, h, 1);
        cblas_dgemv(CblasColMajor, CblasNoTrans, n, c, -1.0, L->V, n, h, 1, 1.0, w, 1);
        if (coef)
            for (int i = 0; i < c; ++i)
                coef[i] = (pass ? coef[i] : 0.0) + h[i];
    }
    *after = cblas_dnrm2(n, w, 1);
}

/* Appends w as basis column L->dim (normalised), or a seeded random
 * direction orthogonal to the basis when w has (numerically) no new
 * direction. Returns the norm that scaled w (0 for a random direction). */
static double append_column(dse_lanczos_t *L, double *w, double *coef)
{
    double before, after;
    project_out(L, L->dim, w, coef, &before, &after);
    double beta = after;
    if (!(after > 1e-10 * before) || after == 0.0) {
        beta = 0.0;
        for (int tries = 0; tries < 4; ++tries) {
            random_column(L->seed, L->dim + (size_t)tries * L->n, L->n, w);
            project_out(L, L->dim, w, NULL, &before, &after);
            if (after > 1e-3 * before) break;
        }
    }
    double *v = L->V + L->dim * L->n;
    for (size_t i = 0; i < L->n; ++i)
        v[i] = w[i] / after;
    L->dim++;
    return beta;
}

int dse_lanczos_init(dse_lanczos_t *L, size_t n, size_t b, size_t max_dim, uint64_t seed,
                     dse_err_t *err)
{
    memset(L, 0, sizeof *L);
    if (b == 0 || max_dim < b || max_dim + b > n)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "block Lanczos needs 1 <= block %zu <= basis %zu <= N - block (N = %zu)",
                         b, max_dim, n);
    max_dim -= max_dim % b;
    DSE_TRY(dse_to_blas_int(n * (max_dim + b), &(int){0}, "Lanczos basis size", err));
    L->n = n;
    L->b = b;
    L->max_dim = max_dim;
    L->seed = seed;
    L->V = DSE_MALLOC(n * (max_dim + b), sizeof *L->V, err);
    L->T = L->V ? DSE_CALLOC(max_dim * max_dim, sizeof *L->T, err) : NULL;
    L->B = L->T ? DSE_CALLOC(b * b, sizeof *L->B, err) : NULL;
    L->W = L->B ? DSE_MALLOC(n * b, sizeof *L->W, err) : NULL;
    L->H = L->W ? DSE_MALLOC(2 * (max_dim + b) * b, sizeof *L->H, err) : NULL;
    if (!L->H) {
        dse_lanczos_free(L);
        return err->code;
    }
    for (size_t j = 0; j < b; ++j) {
        random_column(seed, j, n, L->W);
        append_column(L, L->W, NULL);
    }
    return DSE_OK;
}

/* W <- W - V(:, 0:cols) (V^T W), twice; C (cols x b, ld cols) receives the
 * sum of both projections. BLAS-3. */
static void project_block(const dse_lanczos_t *L, size_t cols, double *W, double *C)
{
    int n = (int)L->n, c = (int)cols, b = (int)L->b;
    double *C2 = L->H;
    for (int pass = 0; pass < 2; ++pass) {
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, c, b, n, 1.0, L->V, n, W, n, 0.0,
                    pass ? C2 : C, c);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, b, c, -1.0, L->V, n,
                    pass ? C2 : C, c, 1.0, W, n);
    }
    for (size_t i = 0; i < cols * L->b; ++i)
        C[i] += C2[i];
}

/* W = Q B for the n x b remainder (already orthogonal to the basis):
 * modified Gram-Schmidt, twice, inside the block; Q is appended to the
 * basis, B (upper triangular) kept in L->B. norms[j] is |A v_j| before any
 * projection: a column that keeps less than 1e-10 of it is replaced by a
 * seeded random direction with a zero diagonal in B. */
static void block_qr(dse_lanczos_t *L, const double *norms)
{
    size_t n = L->n, b = L->b, dim = L->dim;
    memset(L->B, 0, b * b * sizeof *L->B);
    for (size_t j = 0; j < b; ++j) {
        double *w = L->W + j * n;
        for (int pass = 0; pass < 2; ++pass)
            for (size_t r = 0; r < j; ++r) {
                const double *q = L->V + (dim + r) * n;
                double h = cblas_ddot((int)n, q, 1, w, 1);
                cblas_daxpy((int)n, -h, q, 1, w, 1);
                L->B[r + j * b] += h;
            }
        double beta = cblas_dnrm2((int)n, w, 1);
        if (beta > 1e-10 * norms[j] && beta > 0.0) {
            double *v = L->V + L->dim * n;
            for (size_t i = 0; i < n; ++i)
                v[i] = w[i] / beta;
            L->dim++;
            L->B[j + j * b] = beta;
        } else {
            append_column(L, w, NULL); /* a random direction: B(j,j) stays 0 */
        }
    }
}

int dse_lanczos_extend(dse_lanczos_t *L, dse_lanczos_apply_fn apply, void *ctx, dse_err_t *err)
{
    size_t n = L->n, b = L->b, dim = L->dim, first = dim - b;
    if (dim > L->max_dim)
        return DSE_RAISE(err, DSE_EVALUE, "the Lanczos basis is full (%zu columns)", dim);
    DSE_TRY(apply(ctx, b, L->V + first * n, L->W, err));
    L->products++;
    double *C = DSE_MALLOC(dim * b + b, sizeof *C, err);
    if (!C) return err->code;
    double *norms = C + dim * b;
    for (size_t j = 0; j < b; ++j)
        norms[j] = cblas_dnrm2((int)n, L->W + j * n, 1);
    project_block(L, dim, L->W, C);
    block_qr(L, norms);
    /* Column block `first` of T, lower part: the projections of A V_last on
     * the basis (rows >= the column), then the next block's factor B. */
    for (size_t j = 0; j < b; ++j) {
        size_t col = first + j;
        for (size_t r = col; r < dim; ++r)
            L->T[r + col * L->max_dim] = C[r + j * dim];
        for (size_t r = dim; r < dim + b && r < L->max_dim; ++r)
            L->T[r + col * L->max_dim] = L->B[(r - dim) + j * b];
    }
    free(C);
    return DSE_OK;
}

/* The m x m Ritz problem: eigenvalues ascending into w and eigenvectors
 * into S (m x m, column-major), both allocated here (caller frees). */
static int ritz_solve(const dse_lanczos_t *L, size_t m, double **S_out, double **w_out,
                      dse_err_t *err)
{
    int bm;
    DSE_TRY(dse_to_blas_int(m, &bm, "Ritz problem order", err));
    DSE_TRY(dse_to_blas_int(m * m, &(int){0}, "Ritz problem size", err));
    double *S = DSE_MALLOC(m * m, sizeof *S, err);
    double *w = S ? DSE_MALLOC(m, sizeof *w, err) : NULL;
    if (!w) {
        free(S);
        return err->code;
    }
    for (size_t j = 0; j < m; ++j)
        for (size_t i = j; i < m; ++i)
            S[i + j * m] = L->T[i + j * L->max_dim];
    char jobz = 'V', uplo = 'L';
    int lwork = -1, liwork = -1, info = 0, iwq = 0;
    double wq = 0;
    LAPACK_dsyevd(&jobz, &uplo, &bm, S, &bm, w, &wq, &lwork, &iwq, &liwork, &info);
    lwork = (int)wq + 1;
    liwork = iwq;
    double *work = info == 0 ? DSE_MALLOC((size_t)lwork, sizeof *work, err) : NULL;
    int *iwork = work ? DSE_MALLOC((size_t)liwork, sizeof *iwork, err) : NULL;
    int rc = iwork ? DSE_OK : (info ? DSE_ELAPACK : err->code);
    if (rc == DSE_OK)
        LAPACK_dsyevd(&jobz, &uplo, &bm, S, &bm, w, work, &lwork, iwork, &liwork, &info);
    if (rc == DSE_OK && info != 0)
        rc = DSE_RAISE(err, DSE_ELAPACK, "dsyevd failed on the %zu x %zu Ritz problem (info = %d)",
                       m, m, info);
    free(work);
    free(iwork);
    if (rc != DSE_OK) {
        free(S);
        free(w);
        return rc;
    }
    *S_out = S;
    *w_out = w;
    return DSE_OK;
}

/* rho of the Ritz vector s (m): |B s(last b rows)|, B upper triangular. */
static double ritz_residual(const dse_lanczos_t *L, size_t m, const double *s)
{
    size_t b = L->b;
    double sum = 0.0;
    for (size_t r = 0; r < b; ++r) {
        double v = 0.0;
        for (size_t c = r; c < b; ++c)
            v += L->B[r + c * b] * s[m - b + c];
        sum += v * v;
    }
    return sqrt(sum);
}

int dse_lanczos_ritz(const dse_lanczos_t *L, double *theta, double *rho, size_t *m_out,
                     dse_err_t *err)
{
    size_t m = L->dim - L->b;
    *m_out = m;
    if (m == 0) return DSE_OK;
    double *S = NULL, *w = NULL;
    DSE_TRY(ritz_solve(L, m, &S, &w, err));
    for (size_t i = 0; i < m; ++i) {
        size_t src = m - 1 - i; /* descending */
        theta[i] = w[src];
        rho[i] = ritz_residual(L, m, S + src * m);
    }
    free(w);
    free(S);
    return DSE_OK;
}

int dse_lanczos_ritz_vectors(const dse_lanczos_t *L, double max_rho, size_t max_k,
                             dse_lanczos_head_t *head, dse_err_t *err)
{
    memset(head, 0, sizeof *head);
    size_t m = L->dim - L->b, n = L->n, k = 0;
    if (m == 0) return DSE_OK;
    double *S = NULL, *w = NULL;
    DSE_TRY(ritz_solve(L, m, &S, &w, err));
    /* The selected columns of S go to P (descending theta). */
    size_t cap = m < max_k ? m : max_k;
    double *P = DSE_MALLOC(m * cap + 1, sizeof *P, err);
    head->theta = P ? DSE_MALLOC(m, sizeof *head->theta, err) : NULL;
    head->rho = head->theta ? DSE_MALLOC(m, sizeof *head->rho, err) : NULL;
    int rc = head->rho ? DSE_OK : err->code;
    for (size_t i = 0; rc == DSE_OK && i < m && k < max_k; ++i) {
        size_t src = m - 1 - i;
        double r = ritz_residual(L, m, S + src * m);
        if (!(r <= max_rho)) continue;
        head->theta[k] = w[src];
        head->rho[k] = r;
        memcpy(P + k * m, S + src * m, m * sizeof *S);
        ++k;
    }
    if (rc == DSE_OK && k > 0) {
        rc = dse_to_blas_int(n * k, &(int){0}, "Ritz vectors", err);
        head->Y = rc == DSE_OK ? DSE_MALLOC(n * k, sizeof *head->Y, err) : NULL;
        if (rc == DSE_OK && !head->Y) rc = err->code;
    }
    if (rc == DSE_OK && k > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k, (int)m, 1.0, L->V,
                    (int)n, P, (int)m, 0.0, head->Y, (int)n);
    head->k = k;
    free(P);
    free(S);
    free(w);
    if (rc != DSE_OK) dse_lanczos_head_free(head);
    return rc;
}

void dse_lanczos_head_free(dse_lanczos_head_t *head)
{
    if (!head) return;
    free(head->Y);
    free(head->theta);
    free(head->rho);
    memset(head, 0, sizeof *head);
}

void dse_lanczos_free(dse_lanczos_t *L)
{
    if (!L) return;
    free(L->V);
    free(L->T);
    free(L->B);
    free(L->W);
    free(L->H);
    memset(L, 0, sizeof *L);
}
