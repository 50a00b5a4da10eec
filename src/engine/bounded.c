/* bounded.c — DSE from a partial spectrum with a certified interval. */
#include "dsesweep/bounded.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/group.h"
#include "dsesweep/kernel.h"
#include "dsesweep/lanczos.h"
#include "dsesweep/memory.h"
#include "dsesweep/slq.h"

/* ---- the interval (docs/bounded.md) ---------------------------------------- */

/* H of a distribution whose unnormalised weights have sum S + T and
 * sum x log2 x = A + B. */
static double entropy_of(double S, double A, double T, double B)
{
    double Z = S + T;
    return log2(Z) - (A + B) / Z;
}

/* Upper bound: the tail (x-mass T in [tlo, thi], nt values) spread evenly
 * (B >= T log2(T/nt), Jensen), maximised over T: quasi-concave with its
 * peak at T = nt 2^(A/S). */
static double upper_over_tail(double S, double A, double tlo, double thi, double nt)
{
    double ts = nt * exp2(A / S);
    ts = ts < tlo ? tlo : ts > thi ? thi : ts;
    return entropy_of(S, A, ts, ts > 0 ? ts * log2(ts / nt) : 0);
}

/* The tail's largest B for x-mass T: kind 0: t T log2(P/T) (Jensen on the
 * weights x/T, P >= sum mu^(t+1)); kind 1: T log2 v (every x <= v); kind 2:
 * 0 (every x <= 1). */
static double tail_b(int kind, double T, double t, double P, double logv)
{
    if (T <= 0) return 0;
    return kind == 0 ? t * T * log2(P / T) : kind == 1 ? T * logv : 0;
}

/* The sign of dH/dT for B = tail_b(kind, T): increasing in T for every kind
 * (docs/bounded.md), so H(T) is quasi-convex. */
static double slope_sign(int kind, double S, double A, double T, double t, double P, double logv)
{
    double Z = S + T;
    if (kind == 0) return (1 + t) * Z / log(2.0) + A - t * S * log2(P / T);
    if (kind == 1) return Z / log(2.0) + A - S * logv;
    return Z / log(2.0) + A;
}

/* min over T in [tlo, thi] of H(S, A, T, tail_b(kind, T)): the endpoints, or
 * the root of the increasing slope (bisection). */
static double min_over_tail(int kind, double S, double A, double tlo, double thi, double t,
                            double P, double logv)
{
    double lo = tlo > 0 ? tlo : thi * 1e-300, hi = thi;
    if (hi <= 0) return entropy_of(S, A, 0, 0);
    double best = entropy_of(S, A, hi, tail_b(kind, hi, t, P, logv));
    double h = entropy_of(S, A, tlo, tail_b(kind, tlo, t, P, logv));
    best = h < best ? h : best;
    if (slope_sign(kind, S, A, lo, t, P, logv) < 0 && slope_sign(kind, S, A, hi, t, P, logv) > 0) {
        for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; ++it) {
            double mid = 0.5 * (lo + hi);
            *(slope_sign(kind, S, A, mid, t, P, logv) < 0 ? &lo : &hi) = mid;
        }
        for (int e = 0; e < 2; ++e) {
            double T = e ? hi : lo;
            h = entropy_of(S, A, T, tail_b(kind, T, t, P, logv));
            best = h < best ? h : best;
        }
    }
    return best;
}

/* Binary entropy in bits. */
static double h2(double p)
{
    return p <= 0 || p >= 1 ? 0 : -p * log2(p) - (1 - p) * log2(1 - p);
}

/* The tail's x-mass range [*tlo, *thi] from its lambda-mass in [mlo, mhi],
 * its square-sum q and its largest value c (docs/bounded.md). */
static void tail_mass(double mlo, double mhi, double q, double c, double nt, double t, double *tlo,
                      double *thi)
{
    if (t == 1) {
        *tlo = mlo;
        *thi = mhi;
    } else if (t > 1) {
        *tlo = nt * pow(mlo / nt, t);
        *thi = t <= 2 ? pow(mhi, 2 - t) * pow(q, t - 1) : pow(c, t - 2) * q;
        double cap = mhi * pow(c, t - 1);
        *thi = cap < *thi ? cap : *thi;
    } else {
        *tlo = c > 0 ? mlo * pow(c, t - 1) : 0;
        *thi = nt * pow(mhi / nt, t);
    }
    if (*tlo > *thi) *tlo = *thi;
}

dse_bounded_interval_t dse_bounded_interval(size_t n, size_t k, const double *theta,
                                            const double *rho, double trace, double frob2, double t)
{
    double S = 0, A = 0, sum_th = 0, sum_th2 = 0, eps2 = 0, logn = log2((double)n);
    for (size_t i = 0; i < k; ++i) {
        double th = theta[i] < 0 ? 0 : theta[i] > 1 ? 1 : theta[i];
        double x = pow(th, t);
        S += x;
        A += x > 0 ? x * log2(x) : 0;
        sum_th += th;
        sum_th2 += th * th;
        eps2 += rho[i] * rho[i];
    }
    dse_bounded_interval_t out = {0, logn + 1, 1};
    if (!(S > 0)) return out;
    /* The tail: the n - k eigenvalues mu of W = Y_perp^T K Y_perp, all in
     * [0, 1], with sum mu = tr K - sum theta and sum mu^2 <= |K|_F^2 - sum
     * theta^2 (exact up to the rounding of the sums, added here). */
    double nt = (double)(n - k), u = 0x1.0p-53;
    double round1 = 2.0 * (double)(n + k) * u * (trace + sum_th);
    double round2 = 2.0 * ((double)n * (double)n + (double)k) * u * (frob2 + sum_th2);
    double mhi = trace - sum_th + round1, mlo = trace - sum_th - round1;
    double q = frob2 - sum_th2 + round2;
    mhi = mhi > 0 ? mhi : 0;
    mlo = mlo > 0 ? mlo : 0;
    q = q > 0 ? q : 0;
    double c = sqrt(q);
    c = c < 1 ? c : 1;
    c = c < mhi ? c : mhi;
    out.consistent = nt <= 0 || q * nt * (1 + 1e-9) + 1e-300 >= mlo * mlo;
    double tlo = 0, thi = 0;
    if (nt > 0) tail_mass(mlo, mhi, q, c, nt, t, &tlo, &thi);
    double hi = nt > 0 ? upper_over_tail(S, A, tlo, thi, nt) : entropy_of(S, A, 0, 0);
    /* P >= sum mu^(t+1): c^(t-1) q for t >= 1, Hoelder between 1 and 2 below. */
    double P = t >= 1 ? pow(c, t - 1) * q : pow(mhi, 1 - t) * pow(q, t);
    double lo = min_over_tail(2, S, A, tlo, thi, t, P, 0);
    if (P > 0) {
        double l0 = min_over_tail(0, S, A, tlo, thi, t, P, 0);
        lo = l0 > lo ? l0 : lo;
    }
    if (c > 0) {
        double l1 = min_over_tail(1, S, A, tlo, thi, t, P, t * log2(c));
        lo = l1 > lo ? l1 : lo;
    }
    /* K - diag(Theta, W) = [[0, R^T], [R, 0]] has trace norm 2 |R|_tr <=
     * 2 sqrt(k) eps, eps = |R|_F = sqrt(sum rho^2): by Lidskii-Mirsky the
     * sorted eigenvalues differ by at most that in l1, and each by at most
     * eps (Weyl). So the x = lambda^t differ by at most l1x in l1 and the
     * distributions by eta in total variation; H moves by at most
     * eta log2(n-1) + h2(eta). */
    double eps = sqrt(eps2), l1 = 2.0 * sqrt((double)k) * eps, zmin = 0;
    double l1x = t >= 1 ? t * l1 : pow((double)n, 1 - t) * pow(l1, t);
    for (size_t i = 0; i < k; ++i) {
        double th = theta[i] < 1 ? theta[i] : 1;
        zmin += th > eps ? pow(th - eps, t) : 0;
    }
    double eta = zmin > 0 ? l1x / zmin : 1;
    if (!(eta < 0.5)) return (dse_bounded_interval_t){0, logn + 1, out.consistent};
    /* The reference's +eps moves the value by at most about 60 n 2^-52; 1e-9
     * bits covers the rounding of the bounds themselves. */
    double slack = eta * log2((double)n) + h2(eta) + 60.0 * (double)n * 0x1.0p-52 + 1e-9;
    out.lower = lo - slack > 0 ? lo - slack : 0;
    out.upper = hi + slack;
    return out;
}

/* ---- the operator: row panels of K ----------------------------------------- */

typedef struct {
    MPI_Comm comm;
    int rank, size;
    size_t n, d, panel, r0, r1; /* this rank's rows [r0, r1): whole panels */
    const double *Z;
    double sigma;
    double *norms, *s; /* |z_i|^2; 1 / sqrt(r_i) (every row) */
    size_t *gidx;      /* 0..n-1 */
    double *kept;      /* (r1 - r0) x n: each panel's transpose n x m column-major, or NULL */
    float *kept32;     /* the same in float32, or NULL */
    double *tile;      /* panel x n work */
    double *yrows;     /* n x b row-major: the product's rows */
    int *counts, *displs;
} op_t;

/* Rows of panel p: [p * panel, min(n, (p + 1) * panel)). */
static size_t panel_rows(const op_t *o, size_t i0)
{
    return i0 + o->panel <= o->n ? o->panel : o->n - i0;
}

/* G (scale = 0) or K (scale = 1) rows i0..i0+m-1 into out, stored as
 * their transposes (n x m, ld n: column a is row i0 + a; K is symmetric),
 * so that the products read them without a transposed copy. */
static int build_panel(const op_t *o, size_t i0, size_t m, int scale, double *out, dse_err_t *err)
{
    DSE_TRY(dse_kernel_sqdist_block(o->n, m, o->d, o->Z, o->norms, o->gidx, o->Z + i0 * o->d,
                                    o->norms + i0, o->gidx + i0, out, o->n, err));
    dse_kernel_gaussian_block(o->n, m, out, o->n, o->sigma);
    if (scale) dse_kernel_scale_block(o->n, m, out, o->n, o->s, o->s + i0);
    return DSE_OK;
}

/* G rows i0..i0+m-1, columns [c0, c1) into out (n x m, ld n: those rows). */
static int build_columns(const op_t *o, size_t i0, size_t m, size_t c0, size_t c1, double *out,
                         dse_err_t *err)
{
    if (c1 <= c0) return DSE_OK;
    DSE_TRY(dse_kernel_sqdist_block(c1 - c0, m, o->d, o->Z + c0 * o->d, o->norms + c0, o->gidx + c0,
                                    o->Z + i0 * o->d, o->norms + i0, o->gidx + i0, out + c0, o->n,
                                    err));
    dse_kernel_gaussian_block(c1 - c0, m, out + c0, o->n, o->sigma);
    return DSE_OK;
}

/* G's panel at i0 into the kept float64 panels, using symmetry: the
 * entries in the columns of this rank's earlier panels [r0, i0) are those
 * panels' own entries transposed (copied, 64 at a time); the rest is
 * built. Half the kernel flops on one rank. */
static int build_kept_panel(const op_t *o, size_t i0, size_t m, double *P, dse_err_t *err)
{
    size_t n = o->n;
    DSE_TRY(build_columns(o, i0, m, 0, o->r0, P, err));
    DSE_TRY(build_columns(o, i0, m, i0, n, P, err));
    for (size_t q0 = o->r0; q0 < i0; q0 += o->panel) {
        size_t mq = panel_rows(o, q0);
        const double *Q = o->kept + (q0 - o->r0) * n; /* n x mq, ld n */
        for (size_t c0 = 0; c0 < mq; c0 += 64)
            for (size_t a = 0; a < m; ++a)
                for (size_t c = c0; c < mq && c < c0 + 64; ++c)
                    P[(q0 + c) + a * n] = Q[(i0 + a) + c * n];
    }
    return DSE_OK;
}

/* Collective on o->comm: every rank gets the n values v whose rows [r0, r1)
 * it computed (b values per row, row-major). */
static int gather_rows(op_t *o, double *v, size_t b, dse_err_t *err)
{
    for (int r = 0; r < o->size; ++r) {
        size_t np = (o->n + o->panel - 1) / o->panel;
        size_t a = (size_t)r * np / (size_t)o->size * o->panel;
        size_t z = (size_t)(r + 1) * np / (size_t)o->size * o->panel;
        z = z > o->n ? o->n : z;
        DSE_TRY(dse_to_blas_int((z - a) * b, &o->counts[r], "gathered values", err));
        DSE_TRY(dse_to_blas_int(a * b, &o->displs[r], "gathered offset", err));
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, v, o->counts, o->displs, MPI_DOUBLE, o->comm);
    return DSE_OK;
}

/* Rows of a panel's K_p^T converted from float32 per product: a chunk of
 * the panel stays in cache between the conversion and the product. */
#define CHUNK_ROWS 1024

/* out (b x m, ld b) = (K_p X)^T = X^T K_p^T for the panel of rows
 * i0..i0+m-1 (held as K_p^T, n x m): kept in float64 (one dgemm), kept in
 * float32 (converted CHUNK_ROWS rows of K_p^T at a time into the double
 * tile, which stays in cache for its dgemm), or rebuilt into the tile. */
static int panel_product(op_t *o, size_t i0, size_t m, size_t b, const double *X, double *out,
                         dse_err_t *err)
{
    size_t n = o->n;
    if (!o->kept32) {
        const double *P = o->kept ? o->kept + (i0 - o->r0) * n : o->tile;
        if (!o->kept) DSE_TRY(build_panel(o, i0, m, 1, o->tile, err));
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)b, (int)m, (int)n, 1.0, X, (int)n,
                    P, (int)n, 0.0, out, (int)b);
        return DSE_OK;
    }
    const float *P = o->kept32 + (i0 - o->r0) * n;
    for (size_t c0 = 0; c0 < n; c0 += CHUNK_ROWS) {
        size_t w = c0 + CHUNK_ROWS <= n ? CHUNK_ROWS : n - c0;
        for (size_t a = 0; a < m; ++a)
            for (size_t c = 0; c < w; ++c)
                o->tile[c + a * w] = (double)P[c0 + c + a * n];
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)b, (int)m, (int)w, 1.0, X + c0,
                    (int)n, o->tile, (int)w, c0 ? 1.0 : 0.0, out, (int)b);
    }
    return DSE_OK;
}

/* Y = K X (n x b, column-major): this rank's rows from its panels (kept or
 * rebuilt), then every rank gets all rows. */
static int apply_k(void *ctx, size_t b, const double *X, double *Y, dse_err_t *err)
{
    op_t *o = ctx;
    int rc = DSE_OK;
    for (size_t i0 = o->r0; rc == DSE_OK && i0 < o->r1; i0 += o->panel)
        rc = panel_product(o, i0, panel_rows(o, i0), b, X, o->yrows + i0 * b, err);
    rc = dse_comm_agree(o->comm, rc, err);
    if (rc == DSE_OK) rc = gather_rows(o, o->yrows, b, err);
    for (size_t i = 0; rc == DSE_OK && i < o->n; ++i)
        for (size_t j = 0; j < b; ++j)
            Y[i + j * o->n] = o->yrows[i * b + j];
    return rc;
}

/* |K|_F^2 and the sum of the 2-norms of K's columns (*total) from this
 * rank's panels (kept, or rebuilt): partial sums per panel, gathered and
 * added in panel order, so they do not depend on the rank count. sums: two
 * doubles per panel. */
static int frobenius(op_t *o, double *sums, double *frob2, double *total, dse_err_t *err)
{
    int rc = DSE_OK;
    size_t np = (o->n + o->panel - 1) / o->panel;
    for (size_t i0 = o->r0; rc == DSE_OK && i0 < o->r1; i0 += o->panel) {
        size_t m = panel_rows(o, i0), at = (i0 - o->r0) * o->n;
        const double *P = o->kept ? o->kept + at : o->tile;
        if (!o->kept && !o->kept32) rc = build_panel(o, i0, m, 1, o->tile, err);
        double s = 0, a = 0;
        for (size_t c = 0; rc == DSE_OK && c < m; ++c) {
            double col = 0; /* column c of K_p^T: row i0 + c of K, a column by symmetry */
            for (size_t e = c * o->n; e < (c + 1) * o->n; ++e) {
                double v = o->kept32 ? (double)o->kept32[at + e] : P[e];
                col += v * v;
            }
            s += col;
            a += sqrt(col);
        }
        sums[2 * (i0 / o->panel)] = s;
        sums[2 * (i0 / o->panel) + 1] = a;
    }
    rc = dse_comm_agree(o->comm, rc, err);
    for (int r = 0; rc == DSE_OK && r < o->size; ++r) {
        o->counts[r] =
            (int)(2 * ((size_t)(r + 1) * np / (size_t)o->size - (size_t)r * np / (size_t)o->size));
        o->displs[r] = (int)(2 * ((size_t)r * np / (size_t)o->size));
    }
    if (rc == DSE_OK)
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, sums, o->counts, o->displs, MPI_DOUBLE,
                       o->comm);
    *frob2 = *total = 0;
    for (size_t p = 0; rc == DSE_OK && p < np; ++p) {
        *frob2 += sums[2 * p];
        *total += sums[2 * p + 1];
    }
    return rc;
}

/* Row sums of this rank's rows of G, each panel built once: into the kept
 * float64 panels, or into the tile and then its float32 copy, or (K
 * rebuilt per product) into the tile only. */
static int row_sums(op_t *o, dse_err_t *err)
{
    for (size_t i0 = o->r0; i0 < o->r1; i0 += o->panel) {
        size_t m = panel_rows(o, i0), at = (i0 - o->r0) * o->n;
        double *P = o->kept ? o->kept + at : o->tile;
        if (o->kept)
            DSE_TRY(build_kept_panel(o, i0, m, P, err));
        else
            DSE_TRY(build_panel(o, i0, m, 0, P, err));
        for (size_t a = 0; a < m; ++a) {
            double sum = 0;
            for (size_t c = 0; c < o->n; ++c)
                sum += P[c + a * o->n];
            o->s[i0 + a] = sum;
        }
        for (size_t e = 0; o->kept32 && e < m * o->n; ++e)
            o->kept32[at + e] = (float)P[e];
    }
    return DSE_OK;
}

/* The kept panels of G become K's in place: K(j,i) = (s_j G(j,i)) s_i, the
 * arithmetic of build_panel (float32: of the rounded G, rounded again). */
static void scale_kept(op_t *o)
{
    for (size_t i0 = o->r0; i0 < o->r1; i0 += o->panel) {
        size_t m = panel_rows(o, i0), at = (i0 - o->r0) * o->n;
        if (o->kept) dse_kernel_scale_block(o->n, m, o->kept + at, o->n, o->s, o->s + i0);
        for (size_t a = 0; o->kept32 && a < m; ++a) {
            float *col = o->kept32 + at + a * o->n;
            for (size_t c = 0; c < o->n; ++c)
                col[c] = (float)((o->s[c] * (double)col[c]) * o->s[i0 + a]);
        }
    }
}

/* Row sums of G for this rank's rows, gathered; s = 1/sqrt(r), the trace
 * sum 1/r_i (same order on every rank; of the float32 copy when K is kept
 * so), K's panels when kept, |K|_F^2, and for float32 the l1 bound between
 * the spectra of K and of its copy (*round32). */
static int prepare_operator(op_t *o, double *trace, double *frob2, double *round32, dse_err_t *err)
{
    int rc = row_sums(o, err);
    rc = dse_comm_agree(o->comm, rc, err);
    if (rc == DSE_OK) rc = gather_rows(o, o->s, 1, err);
    if (rc != DSE_OK) return rc;
    *trace = 0;
    for (size_t i = 0; i < o->n; ++i) {
        o->s[i] = 1.0 / sqrt(o->s[i]);
        /* K(i,i) = s_i G(i,i) s_i with G(i,i) = 1, as build_panel computes it */
        double kii = (o->s[i] * 1.0) * o->s[i];
        *trace += o->kept32 ? (double)(float)kii : kii;
    }
    scale_kept(o);
    double *sums = rc == DSE_OK ? DSE_CALLOC(2 * (o->n / o->panel + 2), sizeof *sums, err) : NULL;
    if (rc == DSE_OK && !sums) rc = err->code;
    rc = dse_comm_agree(o->comm, rc, err);
    double total = 0;
    if (rc == DSE_OK) rc = frobenius(o, sums, frob2, &total, err);
    free(sums);
    /* float32: K32 = K + E with |E_ij| <= 2^-23 |K_ij| (G rounded to
     * nearest, then K: two roundings of 2^-24), so |E|_tr <= sum_j |E e_j|_2
     * <= 2^-23 sum_j |K e_j|_2 (the trace norm is at most the sum of the
     * column norms; tighter than sum |K_ij| and than sqrt(n) |K|_F);
     * Lidskii-Mirsky bounds the l1 distance of the spectra by it. */
    *round32 = o->kept32 ? 0x1.0p-23 * (1 + 1e-6) * total : 0;
    return rc;
}

/* ---- the driver --------------------------------------------------------------- */

/* Panel rows: 256, fewer for large n so that a panel stays near 64 MB. */
static size_t panel_size(size_t n)
{
    size_t p = (size_t)8e6 / (n ? n : 1);
    return p < 16 ? 16 : p > 256 ? 256 : p;
}

/* The statistical tail's defaults: steps per probe, and its probe bases
 * (steps x block vectors of n). */
#define SLQ_STEPS 32
/* SLQ probes per block product: 16 halves a product's cost against 32 and
 * already met tol = 0.01 a hundredfold on every measured case (docs/bounded.md). */
#define SLQ_BATCH 16

double dse_bounded_bytes_per_rank(size_t n, size_t d, size_t max_k, size_t block, int ranks,
                                  int keep)
{
    double N = (double)n, b = (double)(block ? block : 32), P = ranks > 0 ? ranks : 1;
    double basis = 8 * N * ((double)max_k + 2 * b) + 8 * (double)max_k * (double)max_k;
    double ritz = 16 * (double)max_k * (double)max_k;     /* the Ritz problem and its vectors */
    double slq = 8 * N * (SLQ_STEPS * b + (double)max_k); /* probe bases and the head */
    double per_row = 8 * N * (double)panel_size(n);
    double kept = keep ? 8 * N * ceil(N / P) + 8 * N * (double)panel_size(n) : 0;
    return 8 * N * (double)d + basis + ritz + slq + per_row + 24 * N + 8 * N * b + kept;
}

dse_bounded_storage_t dse_bounded_storage(size_t n, size_t d, size_t max_k, size_t block, int ranks,
                                          size_t budget, double *bytes)
{
    double P = ranks > 0 ? ranks : 1, N = (double)n;
    double b64 = dse_bounded_bytes_per_rank(n, d, max_k, block, ranks, 1);
    double none = dse_bounded_bytes_per_rank(n, d, max_k, block, ranks, 0);
    double b32 = none + 4 * N * ceil(N / P);
    dse_bounded_storage_t s = !budget || b64 <= (double)budget ? DSE_BOUNDED_KEPT64
                              : b32 <= (double)budget          ? DSE_BOUNDED_KEPT32
                                                               : DSE_BOUNDED_REBUILT;
    if (bytes) *bytes = s == DSE_BOUNDED_KEPT64 ? b64 : s == DSE_BOUNDED_KEPT32 ? b32 : none;
    return s;
}

const char *dse_bounded_storage_name(dse_bounded_storage_t s)
{
    return s == DSE_BOUNDED_KEPT64 ? "float64" : s == DSE_BOUNDED_KEPT32 ? "float32" : "rebuilt";
}

static void op_free(op_t *o)
{
    free(o->norms);
    free(o->s);
    free(o->gidx);
    free(o->kept);
    free(o->kept32);
    free(o->tile);
    free(o->yrows);
    free(o->counts);
    free(o->displs);
}

/* This rank's panels and buffers; keeps K's rows as `storage` says. */
static int op_init(op_t *o, MPI_Comm comm, size_t n, size_t d, const double *Z, double sigma,
                   dse_bounded_storage_t storage, size_t b, dse_err_t *err)
{
    memset(o, 0, sizeof *o);
    o->comm = comm;
    MPI_Comm_rank(comm, &o->rank);
    MPI_Comm_size(comm, &o->size);
    o->n = n;
    o->d = d;
    o->Z = Z;
    o->sigma = sigma;
    o->panel = panel_size(n);
    size_t np = (n + o->panel - 1) / o->panel;
    o->r0 = (size_t)o->rank * np / (size_t)o->size * o->panel;
    o->r1 = (size_t)(o->rank + 1) * np / (size_t)o->size * o->panel;
    o->r0 = o->r0 > n ? n : o->r0;
    o->r1 = o->r1 > n ? n : o->r1;
    DSE_TRY(dse_to_blas_int(n * o->panel, &(int){0}, "panel size", err));
    DSE_TRY(dse_to_blas_int(n * b, &(int){0}, "block size", err));
    o->norms = DSE_MALLOC(n, sizeof *o->norms, err);
    o->s = o->norms ? DSE_MALLOC(n, sizeof *o->s, err) : NULL;
    o->gidx = o->s ? DSE_MALLOC(n, sizeof *o->gidx, err) : NULL;
    o->tile = o->gidx ? DSE_MALLOC(n * o->panel, sizeof *o->tile, err) : NULL;
    o->yrows = o->tile ? DSE_MALLOC(n * b, sizeof *o->yrows, err) : NULL;
    o->counts = o->yrows ? DSE_MALLOC((size_t)o->size, sizeof *o->counts, err) : NULL;
    o->displs = o->counts ? DSE_MALLOC((size_t)o->size, sizeof *o->displs, err) : NULL;
    size_t own = (o->r1 - o->r0) * n;
    if (o->displs && own && storage == DSE_BOUNDED_KEPT64)
        o->kept = DSE_MALLOC(own, sizeof *o->kept, err);
    if (o->displs && own && storage == DSE_BOUNDED_KEPT32)
        o->kept32 = DSE_MALLOC(own, sizeof *o->kept32, err);
    if (!o->displs || (own && storage != DSE_BOUNDED_REBUILT && !o->kept && !o->kept32))
        return err->code;
    dse_kernel_row_norms(n, d, Z, o->norms);
    for (size_t i = 0; i < n; ++i)
        o->gidx[i] = i;
    return DSE_OK;
}

double dse_bounded_waterfill_upper(size_t n, size_t m, const double *theta, double trace)
{
    /* lambda_i(K) >= theta_i for all m Ritz values (interlacing), sum lambda
     * = tr K: sum lambda log2 lambda is smallest at lambda_i = max(theta_i, w)
     * (KKT of a separable convex problem), with the level w set by the trace. */
    double head = 0, w = 0;
    size_t j = 0;
    for (j = 0; j < m; ++j) {
        double th = theta[j] < 0 ? 0 : theta[j] > 1 ? 1 : theta[j];
        w = (trace - head) / (double)(n - j);
        if (w >= th) break;
        head += th;
    }
    if (j == m) w = (trace - head) / (double)(n - m);
    if (!(w >= 0)) w = 0;
    double phi = 0;
    for (size_t i = 0; i < j; ++i) {
        double th = theta[i] > 1 ? 1 : theta[i];
        phi += th > 0 ? th * log2(th) : 0;
    }
    phi += w > 0 ? (double)(n - j) * w * log2(w) : 0;
    return log2(trace) - phi / trace + 60.0 * (double)n * 0x1.0p-52 + 1e-9;
}

/* Thresholds on the residual norms that pick candidate heads (every Ritz
 * pair at or below one): the interval of each is rigorous, so their
 * intersection is too. */
static const double head_thresholds[] = {1e-14, 1e-12, 1e-10, 1e-9, 1e-8,
                                         1e-7,  1e-6,  1e-5,  1e-4, 1e-3};
#define N_THRESHOLDS (sizeof head_thresholds / sizeof head_thresholds[0])

/* The float32 copy's term at t: its spectrum is within l1 distance round32
 * of K's (prepare_operator), so the x = lambda^t move by at most l1x and
 * the entropy by the continuity bound (docs/bounded.md Step 6). Z is at
 * least tr K - round32 at t = 1, and for t > 1 the larger of sum (theta_i -
 * round32)^t over any m Ritz values (interlacing: the j-th largest of them
 * is at most lambda_j of K32; Weyl: K's are within |E|_2 <= round32) and
 * n ((tr K - round32) / n)^t (the power mean). trace is K32's. */
static double round32_slack(size_t n, double round32, double trace, const double *theta, size_t m,
                            double t)
{
    if (round32 <= 0) return 0;
    double l1x = t >= 1 ? t * round32 : pow((double)n, 1 - t) * pow(round32, t);
    double z1 = trace - round32, N = (double)n, zmin = 0;
    for (size_t i = 0; i < m; ++i) {
        double th = theta[i] > 1 ? 1 : theta[i];
        zmin += th > round32 ? pow(th - round32, t) : 0;
    }
    double zmean = z1 > 0 ? N * pow(z1 / N, t) : 0;
    zmin = t == 1 ? z1 : t > 1 && zmean > zmin ? zmean : zmin;
    double eta = zmin > 0 ? l1x / zmin : 1;
    return eta < 0.5 ? eta * log2(N - 1) + h2(eta) : log2(N) + 1;
}

/* The intervals at every t from m Ritz pairs (sel: work, 2m); *done when
 * all are within tol. */
static void evaluate(dse_bounded_result_t *r, const double *theta, const double *rho, size_t m,
                     double *sel, double tol, int *done)
{
    *done = 1;
    /* Without a head: 0 <= DSE <= log2 n (+ the reference's eps). */
    for (size_t j = 0; j < r->nt; ++j) {
        r->lower[j] = 0;
        r->upper[j] = log2((double)r->n) + 60.0 * (double)r->n * 0x1.0p-52 + 1e-9;
    }
    r->k = 0;
    r->consistent = 1;
    for (size_t h = 0; h < N_THRESHOLDS; ++h) {
        size_t k = 0;
        for (size_t i = 0; i < m; ++i)
            if (rho[i] <= head_thresholds[h]) {
                sel[k] = theta[i];
                sel[m + k++] = rho[i];
            }
        if (k == 0) continue;
        if (k > r->k) r->k = k;
        for (size_t j = 0; j < r->nt; ++j) {
            dse_bounded_interval_t iv =
                dse_bounded_interval(r->n, k, sel, sel + m, r->trace, r->frob2, r->t[j]);
            r->consistent &= iv.consistent;
            if (iv.lower > r->lower[j]) r->lower[j] = iv.lower;
            if (iv.upper < r->upper[j]) r->upper[j] = iv.upper;
        }
    }
    /* t = 1: the water-filled spectrum over all m Ritz values (Ritz values
     * sorted descending) bounds H from above without any residual. */
    double wf = dse_bounded_waterfill_upper(r->n, m, theta, r->trace);
    for (size_t j = 0; j < r->nt; ++j) {
        if (r->t[j] == 1 && wf < r->upper[j]) r->upper[j] = wf;
        double slack = round32_slack(r->n, r->round32, r->trace, theta, m, r->t[j]);
        r->lower[j] = r->lower[j] - slack > 0 ? r->lower[j] - slack : 0;
        r->upper[j] += slack;
        if (!(r->upper[j] - r->lower[j] <= 2 * tol)) *done = 0;
    }
}

/* The widest half-width among the t not yet within tol (0: none). */
static double widest(const dse_bounded_result_t *r, double tol)
{
    double w = 0;
    for (size_t j = 0; j < r->nt; ++j) {
        double h = (r->upper[j] - r->lower[j]) / 2;
        if (!(h <= tol) && !(h <= w)) w = h;
    }
    return w;
}

/* A stalled interval: with a statistical tail, the basis stops growing once
 * the widest open half-width shrank by less than this factor while the
 * basis grew by a quarter (docs/bounded.md, "when to switch"). */
#define STALL_RATIO 0.8

/* Grows the basis, checking the intervals each time it has grown by a
 * quarter, until every t is within tol, the basis is full, or (stall) the
 * intervals stopped narrowing. */
static int iterate(op_t *o, dse_lanczos_t *L, double tol, int stall, dse_bounded_result_t *r,
                   dse_err_t *err)
{
    double *theta = DSE_MALLOC(L->max_dim + 1, sizeof *theta, err);
    double *rho = theta ? DSE_MALLOC(L->max_dim + 1, sizeof *rho, err) : NULL;
    double *sel = rho ? DSE_MALLOC(2 * L->max_dim + 1, sizeof *sel, err) : NULL;
    if (!sel) {
        free(theta);
        free(rho);
        return err->code;
    }
    size_t next = 4 * L->b;
    int rc = DSE_OK, done = 0;
    double last = INFINITY;
    while (rc == DSE_OK && !done) {
        rc = dse_lanczos_extend(L, apply_k, o, err);
        size_t m = L->dim - L->b;
        int full = L->dim > L->max_dim;
        if (rc != DSE_OK || (m < next && !full)) continue;
        rc = dse_lanczos_ritz(L, theta, rho, &m, err);
        if (rc == DSE_OK) evaluate(r, theta, rho, m, sel, tol, &done);
        next = m + m / 4;
        double w = widest(r, tol);
        if (full || (stall && !done && w > STALL_RATIO * last)) break;
        last = w;
    }
    r->certified = done && r->consistent;
    r->products = L->products;
    free(theta);
    free(rho);
    free(sel);
    return rc;
}

/* The head that deflates the SLQ probes: the Ritz pairs below the largest
 * residual threshold whose bias allowance (dse_slq_head_bias) stays below
 * tol / 8 at every t, judged with the head's own mass as Z. */
static int slq_head(const dse_lanczos_t *L, const dse_bounded_result_t *r, double tol,
                    dse_lanczos_head_t *head, dse_err_t *err)
{
    static const double th[] = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10, 1e-12};
    for (size_t h = 0; h < sizeof th / sizeof th[0]; ++h) {
        DSE_TRY(dse_lanczos_ritz_vectors(L, th[h], L->max_dim, head, err));
        dse_slq_head_t hd = {head->k, head->Y, head->theta, head->rho};
        double worst = 0;
        for (size_t j = 0; j < r->nt; ++j) {
            double t = r->t[j], S = 0, A = 0, bz, ba;
            for (size_t i = 0; i < head->k; ++i) {
                double x = pow(head->theta[i] > 0 ? head->theta[i] : 0, t);
                S += x;
                A += x > 0 ? x * log2(x) : 0;
            }
            dse_slq_head_bias(&hd, t, &bz, &ba);
            double a = S > 0 ? fabs(1 / (S * log(2.0)) + A / (S * S)) * bz + ba / S : 0;
            worst = a > worst ? a : worst;
        }
        if (worst <= tol / 8 || head->k == 0) return DSE_OK;
        dse_lanczos_head_free(head);
    }
    return DSE_OK;
}

/* The statistical tail: SLQ for the t still wider than tol, from the same
 * probes for all; each such t gets the intersection of its SLQ interval
 * and its certified one (an empty intersection keeps the certified one). */
static int statistical_tail(op_t *o, const dse_lanczos_t *L, const dse_bounded_opts_t *opt,
                            dse_bounded_result_t *r, dse_err_t *err)
{
    int *want = DSE_CALLOC(r->nt, sizeof *want, err);
    if (!want) return err->code;
    int any = 0;
    for (size_t j = 0; j < r->nt; ++j)
        any |= want[j] = !((r->upper[j] - r->lower[j]) / 2 <= opt->tol);
    dse_lanczos_head_t head = {0};
    dse_slq_result_t s = {0};
    int rc = any ? slq_head(L, r, opt->tol, &head, err) : DSE_OK;
    dse_slq_head_t hd = {head.k, head.Y, head.theta, head.rho};
    dse_slq_opts_t so = {.tol = opt->tol,
                         .steps = opt->slq_steps ? opt->slq_steps : SLQ_STEPS,
                         .batch = opt->slq_batch ? opt->slq_batch : SLQ_BATCH,
                         .max_probes = opt->slq_probes ? opt->slq_probes : 128,
                         .seed = opt->seed,
                         .trace = r->trace,
                         .frob2 = r->frob2};
    if (so.steps >= r->n) so.steps = r->n - 1;
    if (so.batch > L->b) so.batch = L->b; /* the operator's buffers hold `block` vectors */
    if (any && rc == DSE_OK)
        rc = dse_slq_dse(r->n, apply_k, o, &hd, r->t, r->nt, want, &so, &s, err);
    int done = 1;
    for (size_t j = 0; any && rc == DSE_OK && j < r->nt; ++j) {
        double slack = round32_slack(r->n, r->round32, r->trace, head.theta, head.k, r->t[j]);
        double lo = s.lower[j] - slack, hi = s.upper[j] + slack;
        lo = lo > r->lower[j] ? lo : r->lower[j];
        hi = hi < r->upper[j] ? hi : r->upper[j];
        if (want[j] && lo <= hi) {
            r->lower[j] = lo;
            r->upper[j] = hi;
            r->statistical[j] = 1;
        }
        done &= (r->upper[j] - r->lower[j]) / 2 <= opt->tol;
    }
    if (any && rc == DSE_OK) {
        r->certified = done && r->consistent;
        r->probes = s.probes;
        r->slq_products = s.products;
        r->slq_head = head.k;
    }
    dse_slq_result_free(&s);
    dse_lanczos_head_free(&head);
    free(want);
    return rc;
}

/* Where the statistical tail left some t wider than tol: grows the basis
 * on (no stall rule) to the k budget and keeps, per t, the narrower of the
 * new certified interval and the one it had (a certified one on a tie). */
static int resume_certified(op_t *o, dse_lanczos_t *L, double tol, dse_bounded_result_t *r,
                            dse_err_t *err)
{
    size_t nt = r->nt;
    double *keep = DSE_MALLOC(2 * nt + 1, sizeof *keep, err);
    int *stat = keep ? DSE_MALLOC(nt + 1, sizeof *stat, err) : NULL;
    if (!stat) {
        free(keep);
        return err->code;
    }
    for (size_t j = 0; j < nt; ++j) {
        keep[2 * j] = r->lower[j];
        keep[2 * j + 1] = r->upper[j];
        stat[j] = r->statistical[j];
    }
    int rc = iterate(o, L, tol, 0, r, err);
    int done = 1;
    for (size_t j = 0; rc == DSE_OK && j < nt; ++j) {
        r->statistical[j] = 0;
        if (keep[2 * j + 1] - keep[2 * j] < r->upper[j] - r->lower[j]) {
            r->lower[j] = keep[2 * j];
            r->upper[j] = keep[2 * j + 1];
            r->statistical[j] = stat[j];
        }
        done &= (r->upper[j] - r->lower[j]) / 2 <= tol;
    }
    if (rc == DSE_OK) r->certified = done && r->consistent;
    free(keep);
    free(stat);
    return rc;
}

/* Refuses bad settings in one line; fills *o with the effective options. */
static int check_opts(size_t n, size_t d, const dse_bounded_opts_t *opts, dse_bounded_opts_t *o,
                      size_t b, dse_err_t *err)
{
    *o = *opts;
    if (!(o->tol > 0) || !isfinite(o->tol))
        return DSE_RAISE(err, DSE_EUSAGE, "tol must be a number of bits > 0 (got %g)", o->tol);
    if (n < 4 * b)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "the bounded method needs N >= %zu (4 x the block of %zu); N = %zu: "
                         "use method = exact",
                         4 * b, b, n);
    if (o->max_k > n - b) o->max_k = n - b;
    if (o->max_k < 2 * b)
        return DSE_RAISE(err, DSE_EUSAGE, "max_k must be at least %zu (2 x the block); got %zu",
                         2 * b, o->max_k);
    double need = dse_bounded_bytes_per_rank(n, d, o->max_k, b, 1, 0);
    if (o->budget_bytes && need > (double)o->budget_bytes) {
        char a[32], c[32];
        return DSE_RAISE(err, DSE_ENOMEM,
                         "the bounded method at N = %zu, max_k = %zu needs %s per rank (the "
                         "embeddings and the Lanczos basis on every rank); the budget is %s per "
                         "rank (use a smaller max_k or max_N)",
                         n, o->max_k, dse_format_bytes(need, a, sizeof a),
                         dse_format_bytes((double)o->budget_bytes, c, sizeof c));
    }
    return DSE_OK;
}

int dse_bounded_dse(MPI_Comm comm, size_t n, size_t d, const double *Z, double sigma,
                    const double *ts, size_t nt, const dse_bounded_opts_t *opts,
                    dse_bounded_result_t *out, dse_err_t *err)
{
    double t0 = MPI_Wtime();
    memset(out, 0, sizeof *out);
    dse_bounded_opts_t o;
    size_t b = opts->block ? opts->block : 32;
    DSE_TRY(check_opts(n, d, opts, &o, b, err));
    int size;
    MPI_Comm_size(comm, &size);
    out->n = n;
    out->block = b;
    out->nt = nt;
    out->storage = (int)dse_bounded_storage(n, d, o.max_k, b, size, o.budget_bytes, NULL);
    out->t = DSE_MALLOC(nt + 1, sizeof *out->t, err);
    out->lower = out->t ? DSE_MALLOC(nt + 1, sizeof *out->lower, err) : NULL;
    out->upper = out->lower ? DSE_MALLOC(nt + 1, sizeof *out->upper, err) : NULL;
    out->statistical = out->upper ? DSE_CALLOC(nt + 1, sizeof *out->statistical, err) : NULL;
    int rc = out->statistical ? DSE_OK : err->code;
    if (rc == DSE_OK) memcpy(out->t, ts, nt * sizeof *ts);
    op_t op = {0};
    if (rc == DSE_OK)
        rc = op_init(&op, comm, n, d, Z, sigma, (dse_bounded_storage_t)out->storage, b, err);
    dse_lanczos_t L = {0};
    if (rc == DSE_OK) rc = dse_lanczos_init(&L, n, b, o.max_k, o.seed, err);
    rc = dse_comm_agree(comm, rc, err);
    out->kept_kernel = rc == DSE_OK && (op.kept != NULL || op.kept32 != NULL);
    double t1 = MPI_Wtime();
    if (rc == DSE_OK) rc = prepare_operator(&op, &out->trace, &out->frob2, &out->round32, err);
    double t2 = MPI_Wtime();
    if (rc == DSE_OK) rc = iterate(&op, &L, o.tol, o.statistical_tail, out, err);
    double t3 = MPI_Wtime();
    if (rc == DSE_OK && o.statistical_tail) rc = statistical_tail(&op, &L, &o, out, err);
    if (rc == DSE_OK && o.statistical_tail && !out->certified && L.dim <= L.max_dim)
        rc = resume_certified(&op, &L, o.tol, out, err);
    out->phase[0] = t2 - t1;
    out->phase[1] = t3 - t2;
    out->phase[2] = MPI_Wtime() - t3;
    rc = dse_comm_agree(comm, rc, err);
    dse_lanczos_free(&L);
    op_free(&op);
    out->seconds = MPI_Wtime() - t0;
    if (rc != DSE_OK) dse_bounded_result_free(out);
    return rc;
}

void dse_bounded_result_free(dse_bounded_result_t *out)
{
    if (!out) return;
    free(out->t);
    free(out->lower);
    free(out->upper);
    free(out->statistical);
    memset(out, 0, sizeof *out);
}
