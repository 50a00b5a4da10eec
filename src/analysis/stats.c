/* stats.c — Pearson, Spearman, Kendall tau-b, bootstrap intervals, line fit. */
#include "dsesweep/stats.h"

#include <math.h>
#include <stdlib.h>

#include "dsesweep/rng.h"

const char *dse_correlation_name(dse_correlation_t kind)
{
    static const char *names[] = {"pearson", "spearman", "kendall"};
    return (unsigned)kind < DSE_N_CORRELATIONS ? names[kind] : "?";
}

/* Means and centred sums of n pairs (two-pass): sxx = sum (x - mx)^2, and so on. */
typedef struct {
    double mx, my, sxx, syy, sxy;
} moments_t;

static moments_t centred_sums(const double *x, const double *y, size_t n)
{
    moments_t m = {0};
    for (size_t i = 0; i < n; ++i) {
        m.mx += x[i];
        m.my += y[i];
    }
    m.mx /= (double)n;
    m.my /= (double)n;
    for (size_t i = 0; i < n; ++i) {
        double dx = x[i] - m.mx, dy = y[i] - m.my;
        m.sxy += dx * dy;
        m.sxx += dx * dx;
        m.syy += dy * dy;
    }
    return m;
}

double dse_pearson(const double *x, const double *y, size_t n)
{
    if (n < 2) return NAN;
    moments_t m = centred_sums(x, y, n);
    if (m.sxx <= 0 || m.syy <= 0) return NAN;
    double r = m.sxy / sqrt(m.sxx * m.syy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

static int cmp_by_value(const void *a, const void *b, void *ctx)
{
    const double *x = ctx;
    double u = x[*(const size_t *)a], v = x[*(const size_t *)b];
    return (u > v) - (u < v);
}

int dse_average_ranks(const double *x, size_t n, double *ranks)
{
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) return -1;
    for (size_t i = 0; i < n; ++i)
        order[i] = i;
    qsort_r(order, n, sizeof *order, cmp_by_value, (void *)x);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && x[order[j]] == x[order[i]])
            j++;
        double mean_rank = 0.5 * (double)(i + 1 + j); /* ranks i+1 .. j */
        for (size_t k = i; k < j; ++k)
            ranks[order[k]] = mean_rank;
        i = j;
    }
    free(order);
    return 0;
}

double dse_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2) return NAN;
    double *rx = malloc(2 * n * sizeof *rx);
    if (!rx) return NAN;
    double *ry = rx + n, r = NAN;
    if (dse_average_ranks(x, n, rx) == 0 && dse_average_ranks(y, n, ry) == 0)
        r = dse_pearson(rx, ry, n);
    free(rx);
    return r;
}

double dse_kendall(const double *x, const double *y, size_t n)
{
    if (n < 2) return NAN;
    /* tau-b = (C - D) / sqrt((n0 - n1)(n0 - n2)), n1/n2 = pairs tied in x/y. */
    double concordant_minus_discordant = 0, untied_x = 0, untied_y = 0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            int sx = (dx > 0) - (dx < 0), sy = (dy > 0) - (dy < 0);
            concordant_minus_discordant += sx * sy;
            untied_x += sx != 0;
            untied_y += sy != 0;
        }
    if (untied_x == 0 || untied_y == 0) return NAN;
    return concordant_minus_discordant / sqrt(untied_x * untied_y);
}

double dse_correlation(dse_correlation_t kind, const double *x, const double *y, size_t n)
{
    switch (kind) {
    case DSE_PEARSON:
        return dse_pearson(x, y, n);
    case DSE_SPEARMAN:
        return dse_spearman(x, y, n);
    case DSE_KENDALL:
        return dse_kendall(x, y, n);
    default:
        return NAN;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* Linear interpolation between order statistics (numpy's default quantile). */
static double quantile_sorted(const double *v, size_t m, double q)
{
    double pos = q * (double)(m - 1);
    size_t lo = (size_t)floor(pos);
    if (lo + 1 >= m) return v[m - 1];
    double frac = pos - (double)lo;
    return v[lo] + frac * (v[lo + 1] - v[lo]);
}

int dse_bootstrap_interval(dse_correlation_t kind, const double *x, const double *y, size_t n,
                           size_t resamples, double level, uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (n < 5 || resamples == 0) return 0;
    double *bx = malloc((2 * n + resamples) * sizeof *bx);
    if (!bx) return -1;
    double *by = bx + n, *stat = by + n;
    dse_rng_t rng;
    dse_rng_init(&rng, seed, DSE_RNG_BOOTSTRAP, (uint64_t)kind, n);
    size_t finite = 0;
    for (size_t b = 0; b < resamples; ++b) {
        for (size_t i = 0; i < n; ++i) {
            size_t k = (size_t)dse_rng_below(&rng, n);
            bx[i] = x[k];
            by[i] = y[k];
        }
        double r = dse_correlation(kind, bx, by, n);
        if (isfinite(r)) stat[finite++] = r;
    }
    if (finite * 2 >= resamples) {
        qsort(stat, finite, sizeof *stat, cmp_double);
        *lo = quantile_sorted(stat, finite, 0.5 * (1 - level));
        *hi = quantile_sorted(stat, finite, 0.5 * (1 + level));
    }
    free(bx);
    return 0;
}

void dse_line_fit(const double *x, const double *y, size_t n, double *slope, double *intercept)
{
    *slope = *intercept = NAN;
    if (n < 2) return;
    moments_t m = centred_sums(x, y, n);
    if (m.sxx <= 0) return;
    *slope = m.sxy / m.sxx;
    *intercept = m.my - *slope * m.mx;
}
