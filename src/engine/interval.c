/* interval.c — a bounded DSE result in a computation's value slots. */
#include "dsesweep/interval.h"

#include <math.h>

enum { HEAD = 8, PER_T = 4 };
#define MARK (-1.0)

size_t dse_interval_length(size_t nt)
{
    return HEAD + PER_T * nt;
}

/* A float32 spectrum's first slot: -(2 + delta), delta < 1. */
static int is_float32(const double *v, size_t nv)
{
    return nv >= 2 && v[0] <= -2.0 && v[0] > -3.0;
}

int dse_interval_is_bounded(const double *v, size_t nv)
{
    return (nv >= HEAD && v[0] == MARK) || is_float32(v, nv);
}

double dse_interval_float32_radius(size_t n)
{
    double p = DSE_FLOAT32_SOLVER_FACTOR * (double)n, u32 = 0x1.0p-24, u64 = 0x1.0p-53;
    return (u32 + p * u32 * (1 + u32) + p * u64) * (1 + 1e-6);
}

void dse_interval_mark_float32(double *w, size_t n, double delta)
{
    for (size_t i = 1; i < n; ++i)
        w[i] = w[i] < 0 ? 0 : w[i] > 1 ? 1 : w[i];
    if (n) w[0] = -(2.0 + delta);
}

/* -x log2 x on [0, 1]. */
static double xlogx(double x)
{
    return x > 0 ? -x * log2(x) : 0;
}

/* The range of -x log2 x over [a, b] in [0, 1] (concave, largest at 1/e). */
static void xlogx_range(double a, double b, double *lo, double *hi)
{
    double fa = xlogx(a), fb = xlogx(b), top = exp(-1.0);
    *lo = fmin(fa, fb);
    *hi = a <= top && top <= b ? xlogx(top) : fmax(fa, fb);
}

static double h2(double e)
{
    return e <= 0 || e >= 1 ? 0 : xlogx(e) + xlogx(1 - e);
}

/* DSE's interval at t > 0 from a float32 spectrum: every eigenvalue lambda_i
 * of the float64 solve is in [mu_i - delta, mu_i + delta] (Weyl, sorted)
 * and in [0, 1], lambda_1 = 1. Two proved enclosures, intersected:
 * (a) interval arithmetic on H = log2 Z + G / Z, Z = sum x_i, G = sum
 * -x_i log2 x_i, x_i = lambda_i^t; (b) the continuity bound around H(mu):
 * the x move by at most l1 in l1, so the distributions by eta = l1 / Z_min
 * in total variation and H by eta log2(n - 1) + h2(eta) (docs/bounded.md).
 * Both widened by the reference's +eps (60 n 2^-52) and 1e-9 for rounding. */
static void float32_interval(const double *v, size_t n, double t, double *lower, double *upper)
{
    double delta = -v[0] - 2.0 + 0x1.0p-50;
    double zlo = 1, zhi = 1, glo = 0, ghi = 0, z = 1, gz = 0, l1 = 0;
    for (size_t i = 1; i < n; ++i) {
        double mu = v[i], a = pow(fmax(mu - delta, 0), t), b = pow(fmin(mu + delta, 1), t);
        double x = pow(mu, t), lo, hi;
        zlo += a;
        zhi += b;
        xlogx_range(a, b, &lo, &hi);
        glo += lo;
        ghi += hi;
        z += x;
        gz += xlogx(x);
        l1 += fmax(b - x, x - a);
    }
    double lo_a = log2(zlo) + glo / zhi, hi_a = log2(zhi) + ghi / zlo;
    double h = log2(z) + gz / z, eta = l1 / zlo;
    double w = eta < 0.5 ? eta * log2(n > 2 ? (double)(n - 1) : 2.0) + h2(eta) : INFINITY;
    double slack = 60.0 * (double)n * 0x1.0p-52 + 1e-9;
    *lower = fmax(fmax(lo_a, h - w), 0) - slack;
    *upper = fmin(fmin(hi_a, h + w), log2((double)n)) + slack;
}

int dse_interval_encode(const dse_bounded_result_t *r, double tol, int ranks, double *v, size_t nv,
                        dse_err_t *err)
{
    if (nv < dse_interval_length(r->nt))
        return DSE_RAISE(err, DSE_EUSAGE,
                         "the bounded method needs N >= %zu for %zu powers t (N = %zu)",
                         dse_interval_length(r->nt), r->nt, nv);
    v[0] = MARK;
    v[1] = (double)r->k;
    v[2] = (double)(r->products + r->slq_products); /* Lanczos and SLQ block products */
    v[3] = (double)r->storage;
    v[4] = tol;
    v[5] = (double)r->nt;
    v[6] = r->seconds;
    v[7] = (double)ranks;
    for (size_t i = 0; i < r->nt; ++i) {
        double *s = v + HEAD + PER_T * i;
        s[0] = r->t[i];
        s[1] = r->lower[i];
        s[2] = r->upper[i];
        s[3] = r->statistical && r->statistical[i] ? 1.0 : 0.0;
    }
    return DSE_OK;
}

int dse_interval_at(const double *v, size_t nv, double t, double tol, dse_interval_info_t *out)
{
    if (is_float32(v, nv)) {
        double lo, hi;
        float32_interval(v, nv, t, &lo, &hi);
        *out = (dse_interval_info_t){.lower = lo,
                                     .upper = hi,
                                     .within_tol = 0.5 * (hi - lo) <= tol * (1 + 1e-12),
                                     .k = nv,
                                     .tol = tol,
                                     .float32 = 1};
        return 1;
    }
    if (!dse_interval_is_bounded(v, nv)) return 0;
    size_t nt = (size_t)v[5];
    if (nt > (nv - HEAD) / PER_T) return 0;
    for (size_t i = 0; i < nt; ++i) {
        const double *s = v + HEAD + PER_T * i;
        if (s[0] != t) continue;
        double tol = v[4];
        *out = (dse_interval_info_t){.lower = s[1],
                                     .upper = s[2],
                                     .statistical = s[3] != 0,
                                     .within_tol = 0.5 * (s[2] - s[1]) <= tol * (1 + 1e-12),
                                     .k = (size_t)v[1],
                                     .products = (size_t)v[2],
                                     .storage = (int)v[3],
                                     .ranks = (int)v[7],
                                     .tol = tol,
                                     .seconds = v[6]};
        return 1;
    }
    return 0;
}

double dse_interval_value(const double *v, size_t nv, double t, double tol)
{
    dse_interval_info_t in;
    if (!dse_interval_at(v, nv, t, tol, &in) || !in.within_tol) return NAN;
    return 0.5 * (in.lower + in.upper);
}

const char *dse_interval_storage_text(int storage)
{
    return storage == DSE_BOUNDED_KEPT64   ? "kept in float64"
           : storage == DSE_BOUNDED_KEPT32 ? "kept in float32"
                                           : "rebuilt at every product";
}
