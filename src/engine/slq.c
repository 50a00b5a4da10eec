/* slq.c — stochastic Lanczos quadrature for DSE (a statistical interval). */
#include "dsesweep/slq.h"

#include <cblas.h>
#include <lapack.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/rng.h"

/* The confidence level of the Student-t quantile (slq.h: 99% nominal, so
 * that the measured coverage stays above 95%). */
#define SLQ_LEVEL 0.99

/* The probes' stream family ("SLQ"); a = probe index, b = 0. */
#define SLQ_RNG_PURPOSE UINT64_C(0x534C51)

/* Work of one batch of p probes, m steps each. V holds step s of probe j at
 * column s p + j (n rows), so the block multiplied at step s is contiguous
 * and probe j's own basis is a matrix with leading dimension p n. */
typedef struct {
    size_t n, p, m;
    double *V;                /* n x (m p) */
    double *W;                /* n x p: the product block */
    double *C;                /* head k x p */
    double *h;                /* m: projection coefficients */
    double *alpha;            /* p x m: tridiagonal diagonals (probe j at j m) */
    double *beta;             /* p x m: off-diagonals */
    double *norm2;            /* p: |P g_j|^2 */
    size_t *used;             /* p: steps taken by probe j (fewer on an invariant subspace) */
    double *T, *E, *S, *work; /* the tridiagonal eigenproblem (m, m, m x m, 2m) */
} batch_t;

double dse_slq_quantile(size_t dof, double level)
{
    static const double t95[] = {12.706, 4.303, 3.182, 2.776, 2.571,
                                 2.447,  2.365, 2.306, 2.262, 2.228};
    static const double t99[] = {63.657, 9.925, 5.841, 4.604, 4.032,
                                 3.707,  3.499, 3.355, 3.250, 3.169};
    int is99 = level > 0.97;
    if (dof == 0) return INFINITY;
    if (dof <= 10) return is99 ? t99[dof - 1] : t95[dof - 1];
    /* Cornish-Fisher expansion of Student's t about the normal quantile. */
    double z = is99 ? 2.5758293035489 : 1.959963984540054, v = (double)dof;
    double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

static void batch_free(batch_t *b)
{
    free(b->V);
    free(b->W);
    free(b->C);
    free(b->h);
    free(b->alpha);
    free(b->beta);
    free(b->norm2);
    free(b->used);
    free(b->T);
    free(b->E);
    free(b->S);
    free(b->work);
    memset(b, 0, sizeof *b);
}

static int batch_init(batch_t *b, size_t n, size_t p, size_t m, size_t k, dse_err_t *err)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    b->p = p;
    b->m = m;
    DSE_TRY(dse_to_blas_int(n * p * m, &(int){0}, "SLQ basis size", err));
    b->V = DSE_MALLOC(n * p * m, sizeof *b->V, err);
    b->W = b->V ? DSE_MALLOC(n * p, sizeof *b->W, err) : NULL;
    b->C = b->W ? DSE_MALLOC(k * p + 1, sizeof *b->C, err) : NULL;
    b->h = b->C ? DSE_MALLOC(m, sizeof *b->h, err) : NULL;
    b->alpha = b->h ? DSE_CALLOC(p * m, sizeof *b->alpha, err) : NULL;
    b->beta = b->alpha ? DSE_CALLOC(p * m, sizeof *b->beta, err) : NULL;
    b->norm2 = b->beta ? DSE_MALLOC(p, sizeof *b->norm2, err) : NULL;
    b->used = b->norm2 ? DSE_MALLOC(p, sizeof *b->used, err) : NULL;
    b->T = b->used ? DSE_MALLOC(m + 1, sizeof *b->T, err) : NULL;
    b->E = b->T ? DSE_MALLOC(m + 1, sizeof *b->E, err) : NULL;
    b->S = b->E ? DSE_MALLOC((m + 1) * (m + 1), sizeof *b->S, err) : NULL;
    b->work = b->S ? DSE_MALLOC(5 * m + 5, sizeof *b->work, err) : NULL;
    if (!b->work) {
        batch_free(b);
        return err->code;
    }
    return DSE_OK;
}

/* W <- (I - Y Y^T) W for the p columns of W (nothing without a head). */
static void deflate(const dse_slq_head_t *hd, size_t n, size_t p, double *W, double *C)
{
    if (!hd || hd->k == 0) return;
    int in = (int)n, ik = (int)hd->k, ip = (int)p;
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ik, ip, in, 1.0, hd->Y, in, W, in, 0.0, C,
                ik);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, in, ip, ik, -1.0, hd->Y, in, C, ik, 1.0,
                W, in);
}

/* The first block: Rademacher probes first..first+p-1, deflated twice and
 * normalised; norm2 keeps their squared norms. */
static void start_block(batch_t *b, const dse_slq_head_t *hd, uint64_t seed, size_t first)
{
    size_t n = b->n;
    for (size_t j = 0; j < b->p; ++j) {
        dse_rng_t rng;
        dse_rng_init(&rng, seed, SLQ_RNG_PURPOSE, first + j, 0);
        double *v = b->V + j * n;
        uint64_t bits = 0;
        for (size_t i = 0; i < n; ++i) {
            if (i % 64 == 0) bits = dse_rng_next(&rng);
            v[i] = (bits >> (i % 64)) & 1 ? 1.0 : -1.0;
        }
    }
    deflate(hd, n, b->p, b->V, b->C);
    deflate(hd, n, b->p, b->V, b->C);
    for (size_t j = 0; j < b->p; ++j) {
        double *v = b->V + j * n, nr = cblas_dnrm2((int)n, v, 1);
        b->norm2[j] = nr * nr;
        b->used[j] = 0;
        for (size_t i = 0; nr > 0 && i < n; ++i)
            v[i] /= nr;
    }
}

/* One Lanczos step of probe j at step s from its product w: the three-term
 * recurrence, then two passes of full reorthogonalisation against the
 * probe's own basis; stores the next vector. Returns 0 when the Krylov
 * space is exhausted (the quadrature is then exact). */
static int probe_step(batch_t *b, size_t j, size_t s, double *w)
{
    size_t n = b->n, m = b->m, ld = b->p * n;
    const double *v = b->V + (s * b->p + j) * n;
    double before = cblas_dnrm2((int)n, w, 1);
    double alpha = cblas_ddot((int)n, v, 1, w, 1);
    cblas_daxpy((int)n, -alpha, v, 1, w, 1);
    if (s > 0) cblas_daxpy((int)n, -b->beta[j * m + s - 1], v - ld, 1, w, 1);
    for (int pass = 0; pass < 2; ++pass) {
        cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)(s + 1), 1.0, b->V + j * n, (int)ld, w,
                    1, 0.0, b->h, 1);
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)(s + 1), -1.0, b->V + j * n, (int)ld,
                    b->h, 1, 1.0, w, 1);
        alpha += pass == 0 ? b->h[s] : 0.0;
    }
    b->alpha[j * m + s] = alpha;
    b->used[j] = s + 1;
    double beta = cblas_dnrm2((int)n, w, 1);
    b->beta[j * m + s] = beta; /* the last one serves the Gauss-Radau rule */
    if (s + 1 == m) return 1;
    if (!(beta > 1e-12 * before) || !(beta > 1e-300)) {
        b->beta[j * m + s] = 0; /* an invariant subspace: both rules are exact */
        return 0;
    }
    double *next = b->V + ((s + 1) * b->p + j) * n;
    for (size_t i = 0; i < n; ++i)
        next[i] = w[i] / beta;
    return 1;
}

/* The last diagonal entry that makes 0 an eigenvalue of the (q+1) x (q+1)
 * Jacobi matrix (Gauss-Radau with the node 0 prescribed, Golub & Meurant):
 * alpha~ = delta_q with T_q delta = beta_q^2 e_q. NaN when T_q is singular. */
static double radau_alpha(batch_t *b, size_t j, size_t q)
{
    double *dl = b->work, *d = dl + q, *du = d + q, *rhs = du + q;
    const double *al = b->alpha + j * b->m, *be = b->beta + j * b->m;
    for (size_t i = 0; i < q; ++i) {
        d[i] = al[i];
        rhs[i] = i + 1 == q ? be[q - 1] * be[q - 1] : 0;
        if (i + 1 < q) dl[i] = du[i] = be[i];
    }
    int iq = (int)q, one = 1, info = 0;
    LAPACK_dgtsv(&iq, &one, dl, d, du, rhs, &iq, &info);
    return info == 0 ? rhs[q - 1] : NAN;
}

/* Quadrature of probe j with its first q steps: z[t] = |g|^2 sum tau_i^2
 * theta_i^t and a[t] = |g|^2 sum tau_i^2 x_i log2 x_i (x = theta^t), by the
 * Gauss rule (radau = 0) or the Gauss-Radau rule with the node 0 (radau =
 * 1; the same as Gauss on an exhausted Krylov space). */
static int quadrature(batch_t *b, size_t j, size_t q, int radau, const double *ts, size_t nt,
                      double *z, double *a, dse_err_t *err)
{
    for (size_t e = 0; e < nt; ++e)
        z[e] = a[e] = 0;
    if (q == 0 || b->norm2[j] <= 0) return DSE_OK;
    double last = radau && b->beta[j * b->m + q - 1] != 0 ? radau_alpha(b, j, q) : 0;
    if (isnan(last)) {
        for (size_t e = 0; e < nt; ++e)
            z[e] = a[e] = NAN; /* no Radau rule: the allowance becomes unbounded */
        return DSE_OK;
    }
    size_t r = radau && b->beta[j * b->m + q - 1] != 0 ? q + 1 : q;
    memcpy(b->T, b->alpha + j * b->m, q * sizeof *b->T);
    memcpy(b->E, b->beta + j * b->m, q * sizeof *b->E);
    if (r > q) b->T[q] = last;
    char jobz = 'V';
    int ir = (int)r, info = 0;
    LAPACK_dstev(&jobz, &ir, b->T, b->E, b->S, &ir, b->work, &info);
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "dstev failed on a %zu-step SLQ tridiagonal (info %d)",
                         r, info);
    for (size_t i = 0; i < r; ++i) {
        double th = b->T[i] < 0 ? 0 : b->T[i] > 1 ? 1 : b->T[i];
        double w = b->S[i * r] * b->S[i * r] * b->norm2[j];
        for (size_t e = 0; e < nt; ++e) {
            double x = pow(th, ts[e]);
            z[e] += w * x;
            a[e] += x > 0 ? w * x * log2(x) : 0;
        }
    }
    return DSE_OK;
}

/* Every live probe's Gauss and Gauss-Radau rules with q steps agree to
 * 1e-10 relative at every t: more steps would change nothing that the
 * interval's quadrature allowance could see. */
static int converged(batch_t *b, size_t q, const double *ts, size_t nt, double *za, dse_err_t *err)
{
    double *z = za, *a = za + nt, *z2 = za + 2 * nt, *a2 = za + 3 * nt;
    for (size_t j = 0; j < b->p; ++j) {
        if (b->used[j] < q) continue; /* an exhausted Krylov space: exact */
        if (quadrature(b, j, q, 0, ts, nt, z, a, err) != DSE_OK ||
            quadrature(b, j, q, 1, ts, nt, z2, a2, err) != DSE_OK)
            return 0;
        for (size_t e = 0; e < nt; ++e)
            if (!(fabs(z[e] - z2[e]) <= 1e-10 * fabs(z[e]) &&
                  fabs(a[e] - a2[e]) <= 1e-10 * (fabs(a[e]) + fabs(z[e]))))
                return 0;
    }
    return 1;
}

/* m Lanczos steps of every probe of the batch, the products with K itself
 * (not P K P: the start P g is what deflates) as one block. */
static int run_batch(batch_t *b, dse_lanczos_apply_fn apply, void *ctx, const double *ts, size_t nt,
                     size_t *products, dse_err_t *err)
{
    size_t n = b->n, p = b->p;
    int *live = DSE_MALLOC(p, sizeof *live, err);
    double *za = live ? DSE_MALLOC(4 * nt, sizeof *za, err) : NULL;
    if (!za) {
        free(live);
        return err->code;
    }
    for (size_t j = 0; j < p; ++j)
        live[j] = b->norm2[j] > 0;
    int rc = DSE_OK;
    for (size_t s = 0; s < b->m && rc == DSE_OK; ++s) {
        rc = apply(ctx, p, b->V + s * p * n, b->W, err);
        if (rc != DSE_OK) break;
        ++*products;
        for (size_t j = 0; j < p; ++j) {
            double *next = s + 1 < b->m ? b->V + ((s + 1) * p + j) * n : NULL;
            if (live[j]) live[j] = probe_step(b, j, s, b->W + j * n);
            if (!live[j] && next) memset(next, 0, n * sizeof *next);
        }
        /* Stop early once the quadrature has converged (checked every 4 steps). */
        if ((s + 1) % 4 == 0 && s + 1 >= 12 && s + 1 < b->m && converged(b, s + 1, ts, nt, za, err))
            break;
    }
    free(live);
    free(za);
    return rc;
}

/* Per-probe samples: zs/as[(e * cap + probe) * 2 + r], r = 0 with m nodes,
 * r = 1 by the Gauss-Radau rule (node 0); cs[c * cap + probe]: the control variates
 * g^T P K^c P g - tr (P K P)^c for c = 1, 2 (exact for m >= 2 nodes), when
 * the traces are known (known[c]). */
typedef struct {
    size_t cap, count, nt;
    double *zs, *as, *cs;
    double target[2];
    int known[2];
} samples_t;

static int collect(batch_t *b, samples_t *sm, const double *ts, dse_err_t *err)
{
    double *z = DSE_MALLOC(2 * sm->nt + 4, sizeof *z, err);
    if (!z) return err->code;
    double *a = z + sm->nt + 2;
    int rc = DSE_OK;
    for (size_t j = 0; j < b->p && rc == DSE_OK; ++j) {
        size_t u = b->used[j];
        for (int r = 0; r < 2 && rc == DSE_OK; ++r) {
            rc = quadrature(b, j, u, r, ts, sm->nt, z, a, err);
            for (size_t e = 0; rc == DSE_OK && e < sm->nt; ++e) {
                sm->zs[(e * sm->cap + sm->count) * 2 + (size_t)r] = z[e];
                sm->as[(e * sm->cap + sm->count) * 2 + (size_t)r] = a[e];
            }
        }
        static const double pw[2] = {1, 2};
        if (rc == DSE_OK) rc = quadrature(b, j, u, 0, pw, 2, z, a, err);
        for (size_t c = 0; rc == DSE_OK && c < 2; ++c)
            sm->cs[c * sm->cap + sm->count] = z[c] - sm->target[c];
        sm->count++;
    }
    free(z);
    return rc;
}

/* |f''| of f(x) = x^t (kind 0) or x^t log2 x^t (kind 1) at x > 0. */
static double f2(int kind, double t, double x)
{
    double p = pow(x, t - 2);
    if (kind == 0) return fabs(t * (t - 1) * p);
    return fabs(t * p * (t * (t - 1) * log2(x) + (2 * t - 1) / log(2.0)));
}

void dse_slq_head_bias(const dse_slq_head_t *hd, double t, double *bz, double *ba)
{
    *bz = *ba = 0;
    for (size_t i = 0; hd && i < hd->k; ++i) {
        double th = hd->theta[i], r2 = hd->rho[i] * hd->rho[i];
        if (!(th > 0)) {
            *bz += INFINITY;
            *ba += INFINITY;
            continue;
        }
        /* |f''| on [th/2, 1] (a grid, f'' is smooth there); the measure's
         * mass below th/2 is at most rho^2 / (th/2)^2 (Chebyshev), where
         * |x^t| <= 1 and |x^t log2 x^t| <= 1 / (e ln 2) < 0.54. */
        double m[2] = {0, 0};
        for (int g = 0; g <= 200; ++g) {
            double x = th / 2 + (1 - th / 2) * g / 200.0;
            for (int kind = 0; kind < 2; ++kind) {
                double v = f2(kind, t, x);
                m[kind] = v > m[kind] ? v : m[kind];
            }
        }
        double tail = 4 * r2 / (th * th);
        *bz += 0.5 * m[0] * r2 * 1.01 + 2 * tail;
        *ba += 0.5 * m[1] * r2 * 1.01 + 2 * 0.54 * tail;
    }
}

/* The head's share of Z and A at t (sum f(theta_i)) and the bounds of
 * its bias (dse_slq_head_bias). */
static void head_terms(const dse_slq_head_t *hd, double t, double *S, double *A, double *bz,
                       double *ba)
{
    *S = *A = 0;
    for (size_t i = 0; hd && i < hd->k; ++i) {
        double th = hd->theta[i] < 0 ? 0 : hd->theta[i] > 1 ? 1 : hd->theta[i];
        double x = pow(th, t);
        *S += x;
        *A += x > 0 ? x * log2(x) : 0;
    }
    dse_slq_head_bias(hd, t, bz, ba);
}

/* Sample means of the k series x[i] (stride 1, count p) and their
 * covariance matrix cov (k x k). */
static void moments(const double *const *x, size_t k, size_t p, double *mean, double *cov)
{
    for (size_t i = 0; i < k; ++i) {
        mean[i] = 0;
        for (size_t j = 0; j < p; ++j)
            mean[i] += x[i][j] / (double)p;
    }
    for (size_t i = 0; i < k; ++i)
        for (size_t l = 0; l < k; ++l) {
            double s = 0;
            for (size_t j = 0; j < p; ++j)
                s += (x[i][j] - mean[i]) * (x[l][j] - mean[l]);
            cov[i * k + l] = s / (double)(p - 1);
        }
}

/* Regression (control-variate) estimates of the means of z and a (series 0
 * and 1 of x) with the q controls in series 2.. (known mean 0): means mu,
 * residual covariance rc (2 x 2). q = 0, 1 or 2. */
static void regress(const double *const *x, size_t q, size_t p, double *mu, double *rc)
{
    double mean[4], cov[16];
    size_t k = 2 + q;
    moments(x, k, p, mean, cov);
    double inv[4] = {0, 0, 0, 0};
    if (q == 1 && cov[2 * k + 2] > 0) inv[0] = 1 / cov[2 * k + 2];
    if (q == 2) {
        double a = cov[2 * k + 2], b = cov[2 * k + 3], d = cov[3 * k + 3], det = a * d - b * b;
        if (det > 1e-12 * a * d) {
            inv[0] = d / det;
            inv[1] = inv[2] = -b / det;
            inv[3] = a / det;
        } else if (a > 0) {
            inv[0] = 1 / a;
        }
    }
    double beta[2][2] = {{0, 0}, {0, 0}};
    for (size_t y = 0; y < 2; ++y)
        for (size_t c = 0; c < q; ++c)
            for (size_t c2 = 0; c2 < q; ++c2)
                beta[y][c] += inv[c * 2 + c2] * cov[(2 + c2) * k + y];
    for (size_t y = 0; y < 2; ++y) {
        mu[y] = mean[y];
        for (size_t c = 0; c < q; ++c)
            mu[y] -= beta[y][c] * mean[2 + c];
        for (size_t y2 = 0; y2 < 2; ++y2) {
            double v = cov[y * k + y2];
            for (size_t c = 0; c < q; ++c)
                v -= beta[y][c] * cov[(2 + c) * k + y2];
            rc[y * 2 + y2] = v;
        }
    }
}

/* The estimate, its standard error and quadrature allowance at power e;
 * *dof receives the degrees of freedom of the standard error. */
static void estimate(size_t n, const samples_t *sm, const dse_slq_head_t *hd, double t, size_t e,
                     double *value, double *se, double *quad, double *defl, size_t *dof)
{
    double S, Ah, bz, ba, H[2], var = 0, Z = 1, A = 0, p = (double)sm->count;
    head_terms(hd, t, &S, &Ah, &bz, &ba);
    size_t cnt = sm->count, q = 0;
    double *col = (double *)malloc(4 * cnt * sizeof *col);
    if (!col) { /* no memory for the regression: report an unbounded interval */
        *value = *se = *quad = *defl = INFINITY;
        *dof = 1;
        return;
    }
    const double *x[4] = {col, col + cnt, NULL, NULL};
    for (size_t c = 0; c < 2; ++c)
        if (sm->known[c] && cnt > 4) x[2 + q++] = sm->cs + c * sm->cap;
    for (int r = 0; r < 2; ++r) {
        for (size_t j = 0; j < cnt; ++j) {
            col[j] = sm->zs[(e * sm->cap + j) * 2 + (size_t)r];
            col[cnt + j] = sm->as[(e * sm->cap + j) * 2 + (size_t)r];
        }
        double mu[2], rc[4];
        regress(x, q, cnt, mu, rc);
        double Zr = S + mu[0], Ar = Ah + mu[1];
        H[r] = Zr > 0 ? log2(Zr) - Ar / Zr : 0;
        if (r == 0) {
            double gz = 1.0 / (Zr * log(2.0)) + Ar / (Zr * Zr), ga = -1.0 / Zr;
            /* rc divides the residual sum of squares by p - 1: make it
             * p - 1 - q, and add the error of the fitted coefficients
             * (a factor 1 + q / (p - q - 2) for Gaussian controls). */
            double fit =
                q ? (p - 1) / (p - 1 - (double)q) * (1 + (double)q / (p - (double)q - 2)) : 1.0;
            var = fit * (gz * gz * rc[0] + 2 * gz * ga * rc[1] + ga * ga * rc[3]) / p;
            Z = Zr;
            A = Ar;
        }
    }
    free(col);
    *dof = cnt - 1 - q;
    *value = H[0];
    *se = var > 0 ? sqrt(var) : 0;
    *quad = fabs(H[0] - H[1]);
    if (!(*quad < log2((double)n))) *quad = log2((double)n); /* no Radau rule */
    /* The head's bias moves H by at most |dH/dZ| bz + |dH/dA| ba. */
    double gz = fabs(1.0 / (Z * log(2.0)) + A / (Z * Z)), ga = 1.0 / Z;
    *defl = Z > 0 ? gz * bz + ga * ba : log2((double)n);
    if (!(*defl < log2((double)n))) *defl = log2((double)n);
}

/* Fills out's intervals from the samples; *done when every wanted t is
 * within tol. */
static void intervals(size_t n, const samples_t *sm, const dse_slq_head_t *hd, const double *ts,
                      const int *want, double tol, dse_slq_result_t *out, int *done)
{
    double logn = log2((double)n);
    *done = 1;
    for (size_t e = 0; e < sm->nt; ++e) {
        double v, se, quad, defl;
        size_t dof;
        estimate(n, sm, hd, ts[e], e, &v, &se, &quad, &defl, &dof);
        double half = dse_slq_quantile(dof, SLQ_LEVEL) * se + quad + defl +
                      60.0 * (double)n * 0x1.0p-52 + 1e-9;
        out->value[e] = v;
        out->se[e] = se;
        out->quad[e] = quad;
        out->lower[e] = v - half > 0 ? v - half : 0;
        out->upper[e] = v + half < logn ? v + half : logn + 60.0 * (double)n * 0x1.0p-52;
        if ((!want || want[e]) && !(half <= tol)) *done = 0;
    }
}

/* The probes' exact means, when K's traces are known: tr(P K P) = tr K -
 * sum y_i^T K y_i = tr K - sum theta, and tr(P K^2 P) = |K|_F^2 - sum
 * |K y_i|^2 = |K|_F^2 - sum (theta^2 + rho^2) (Ritz pairs: y_i^T K y_i =
 * theta_i, and K y_i - theta_i y_i is orthogonal to y_i with norm rho_i). */
static void control_targets(const dse_slq_head_t *hd, const dse_slq_opts_t *o, samples_t *sm)
{
    double st = 0, st2 = 0, sr2 = 0;
    for (size_t i = 0; hd && i < hd->k; ++i) {
        st += hd->theta[i];
        st2 += hd->theta[i] * hd->theta[i];
        sr2 += hd->rho[i] * hd->rho[i];
    }
    sm->known[0] = o->trace > 0;
    sm->known[1] = o->frob2 > 0;
    sm->target[0] = o->trace - st;
    sm->target[1] = o->frob2 - st2 - sr2;
}

static int result_alloc(dse_slq_result_t *out, size_t nt, dse_err_t *err)
{
    out->nt = nt;
    out->value = DSE_MALLOC(nt + 1, sizeof *out->value, err);
    out->lower = out->value ? DSE_MALLOC(nt + 1, sizeof *out->lower, err) : NULL;
    out->upper = out->lower ? DSE_MALLOC(nt + 1, sizeof *out->upper, err) : NULL;
    out->se = out->upper ? DSE_MALLOC(nt + 1, sizeof *out->se, err) : NULL;
    out->quad = out->se ? DSE_MALLOC(nt + 1, sizeof *out->quad, err) : NULL;
    return out->quad ? DSE_OK : err->code;
}

int dse_slq_dse(size_t n, dse_lanczos_apply_fn apply, void *ctx, const dse_slq_head_t *head,
                const double *ts, size_t nt, const int *want, const dse_slq_opts_t *o,
                dse_slq_result_t *out, dse_err_t *err)
{
    memset(out, 0, sizeof *out);
    size_t m = o->steps ? o->steps : 40, p = o->batch ? o->batch : 16;
    size_t maxp = o->max_probes ? o->max_probes : 128;
    maxp = (maxp + p - 1) / p * p;
    if (!(o->tol > 0) || p < 2 || m < 4 || m >= n || nt == 0)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "SLQ needs tol > 0, >= 2 probes a batch and 4 <= steps < N (tol %g, "
                         "batch %zu, steps %zu, N %zu)",
                         o->tol, p, m, n);
    for (size_t e = 0; e < nt; ++e)
        if (!(ts[e] > 0))
            return DSE_RAISE(err, DSE_EUSAGE, "SLQ: every t must be > 0 (got %g)", ts[e]);
    samples_t sm = {.cap = maxp, .nt = nt};
    batch_t b;
    DSE_TRY(batch_init(&b, n, p, m, head ? head->k : 0, err));
    int rc = result_alloc(out, nt, err);
    sm.zs = rc == DSE_OK ? DSE_MALLOC(2 * nt * maxp, sizeof *sm.zs, err) : NULL;
    sm.as = sm.zs ? DSE_MALLOC(2 * nt * maxp, sizeof *sm.as, err) : NULL;
    sm.cs = sm.as ? DSE_MALLOC(2 * maxp, sizeof *sm.cs, err) : NULL;
    if (rc == DSE_OK && !sm.cs) rc = err->code;
    control_targets(head, o, &sm);
    for (int done = 0; rc == DSE_OK && !done && sm.count < maxp;) {
        start_block(&b, head, o->seed, sm.count);
        rc = run_batch(&b, apply, ctx, ts, nt, &out->products, err);
        for (size_t j = 0; rc == DSE_OK && j < p; ++j)
            out->steps = b.used[j] > out->steps ? b.used[j] : out->steps;
        if (rc == DSE_OK) rc = collect(&b, &sm, ts, err);
        if (rc == DSE_OK) intervals(n, &sm, head, ts, want, o->tol, out, &done);
    }
    out->probes = sm.count;
    batch_free(&b);
    free(sm.zs);
    free(sm.as);
    free(sm.cs);
    if (rc != DSE_OK) dse_slq_result_free(out);
    return rc;
}

void dse_slq_result_free(dse_slq_result_t *out)
{
    if (!out) return;
    free(out->value);
    free(out->lower);
    free(out->upper);
    free(out->se);
    free(out->quad);
    memset(out, 0, sizeof *out);
}
