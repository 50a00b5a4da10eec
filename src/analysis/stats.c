/* stats.c — Pearson, Spearman, Kendall tau-b, bootstrap intervals, line fit. */
#include "dsesweep/stats.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- partial correlation ------------------------------------------------ */

/* v <- v minus its least-squares fit on the columns of Q (n x q, orthonormal,
 * column-major); v is centred first (the intercept). */
static void residualise(double *v, const double *Q, size_t q, size_t n)
{
    double mean = 0;
    for (size_t i = 0; i < n; ++i)
        mean += v[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; ++i)
        v[i] -= mean;
    for (int pass = 0; pass < 2; ++pass) /* twice: Gram-Schmidt reorthogonalisation */
        for (size_t c = 0; c < q; ++c) {
            const double *col = Q + c * n;
            double dot = 0;
            for (size_t i = 0; i < n; ++i)
                dot += col[i] * v[i];
            for (size_t i = 0; i < n; ++i)
                v[i] -= dot * col[i];
        }
}

static double norm2(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; ++i)
        s += v[i] * v[i];
    return sqrt(s);
}

/* The centred covariates, orthonormalised into Q (n x q); columns that
 * depend on the earlier ones are dropped. Returns q. */
static size_t orthonormal_basis(const double *const *cov, size_t k, size_t n, double *Q)
{
    size_t q = 0;
    for (size_t c = 0; c < k; ++c) {
        double *col = Q + q * n;
        for (size_t i = 0; i < n; ++i)
            col[i] = cov[c][i];
        double before = 0, mean = 0;
        for (size_t i = 0; i < n; ++i)
            mean += col[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; ++i)
            before += (col[i] - mean) * (col[i] - mean);
        residualise(col, Q, q, n);
        double len = norm2(col, n);
        if (!(len > 1e-12 * sqrt(before)) || len == 0) continue;
        for (size_t i = 0; i < n; ++i)
            col[i] /= len;
        q++;
    }
    return q;
}

/* Pearson's r of the residuals of x and y on Q; NaN when a residual is
 * (numerically) constant. */
static double residual_pearson(const double *x, const double *y, const double *Q, size_t q,
                               size_t n, double *rx, double *ry)
{
    for (size_t i = 0; i < n; ++i) {
        rx[i] = x[i];
        ry[i] = y[i];
    }
    moments_t m = centred_sums(x, y, n);
    residualise(rx, Q, q, n);
    residualise(ry, Q, q, n);
    double nx = norm2(rx, n), ny = norm2(ry, n);
    if (!(nx > 1e-12 * sqrt(m.sxx)) || !(ny > 1e-12 * sqrt(m.syy))) return NAN;
    double dot = 0;
    for (size_t i = 0; i < n; ++i)
        dot += rx[i] * ry[i];
    double r = dot / (nx * ny);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

double dse_partial_correlation(dse_correlation_t kind, const double *x, const double *y,
                               const double *const *cov, size_t k, size_t n)
{
    if (kind == DSE_KENDALL || n < k + 3) return NAN;
    if (k == 0) return dse_correlation(kind, x, y, n);
    /* scratch: Q (n k), rank copies of x, y and the covariates, two residuals */
    double *buf = malloc((n * k + n * (k + 2) + 2 * n + 1) * sizeof *buf);
    const double **cv = malloc((k + 1) * sizeof *cv);
    if (!buf || !cv) {
        free(buf);
        free(cv);
        return NAN;
    }
    double *Q = buf, *ranks = Q + n * k, *rx = ranks + n * (k + 2), *ry = rx + n;
    const double *px = x, *py = y;
    for (size_t c = 0; c < k; ++c)
        cv[c] = cov[c];
    int ok = 1;
    if (kind == DSE_SPEARMAN) {
        ok = dse_average_ranks(x, n, ranks) == 0 && dse_average_ranks(y, n, ranks + n) == 0;
        px = ranks;
        py = ranks + n;
        for (size_t c = 0; ok && c < k; ++c) {
            ok = dse_average_ranks(cov[c], n, ranks + (c + 2) * n) == 0;
            cv[c] = ranks + (c + 2) * n;
        }
    }
    double r = NAN;
    if (ok) {
        size_t q = orthonormal_basis(cv, k, n, Q);
        r = residual_pearson(px, py, Q, q, n, rx, ry);
    }
    free(buf);
    free(cv);
    return r;
}

int dse_partial_bootstrap_interval(dse_correlation_t kind, const double *x, const double *y,
                                   const double *const *cov, size_t k, size_t n, size_t resamples,
                                   double level, uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (n < 5 || resamples == 0) return 0;
    double *buf = malloc(((k + 2) * n + resamples) * sizeof *buf);
    const double **bc = malloc((k + 1) * sizeof *bc);
    if (!buf || !bc) {
        free(buf);
        free(bc);
        return -1;
    }
    double *bx = buf, *by = bx + n, *stat = buf + (k + 2) * n;
    for (size_t c = 0; c < k; ++c)
        bc[c] = by + (c + 1) * n;
    dse_rng_t rng;
    dse_rng_init(&rng, seed, DSE_RNG_BOOTSTRAP, 16 + (uint64_t)kind, n);
    size_t finite = 0;
    for (size_t b = 0; b < resamples; ++b) {
        for (size_t i = 0; i < n; ++i) {
            size_t j = (size_t)dse_rng_below(&rng, n);
            bx[i] = x[j];
            by[i] = y[j];
            for (size_t c = 0; c < k; ++c)
                ((double *)bc[c])[i] = cov[c][j];
        }
        double r = dse_partial_correlation(kind, bx, by, bc, k, n);
        if (isfinite(r)) stat[finite++] = r;
    }
    if (finite * 2 >= resamples) {
        qsort(stat, finite, sizeof *stat, cmp_double);
        *lo = quantile_sorted(stat, finite, 0.5 * (1 - level));
        *hi = quantile_sorted(stat, finite, 0.5 * (1 + level));
    }
    free(buf);
    free(bc);
    return 0;
}

/* ---- ranking ---------------------------------------------------------------- */

int dse_differs_beyond_se(double a, double se_a, double b, double se_b)
{
    if (!isfinite(se_a) || !isfinite(se_b)) return -1;
    return fabs(a - b) > sqrt(se_a * se_a + se_b * se_b);
}

/* ---- families -------------------------------------------------------------- */

/* The family text of one name into buf ("(other)" when re does not match). */
static void family_text(const regex_t *re, const char *name, char *buf, size_t size)
{
    regmatch_t m[2];
    snprintf(buf, size, "(other)");
    if (regexec(re, name, 2, m, 0) != 0) return;
    regmatch_t g = re->re_nsub >= 1 && m[1].rm_so >= 0 ? m[1] : m[0];
    int len = (int)(g.rm_eo - g.rm_so);
    snprintf(buf, size, "%.*s", len, name + g.rm_so);
}

int dse_families(const char *regex, const char *const *names, size_t n, size_t *family_of,
                 char ***families, size_t *n_families, dse_err_t *err)
{
    *families = NULL;
    *n_families = 0;
    regex_t re;
    int code = regcomp(&re, regex, REG_EXTENDED);
    if (code != 0) {
        char why[256];
        regerror(code, &re, why, sizeof why);
        return DSE_RAISE(err, DSE_EUSAGE, "bad family regex '%s': %s", regex, why);
    }
    char **fam = DSE_CALLOC(n + 1, sizeof *fam, err);
    int rc = fam ? DSE_OK : err->code;
    size_t nf = 0;
    for (size_t i = 0; rc == DSE_OK && i < n; ++i) {
        char text[256];
        family_text(&re, names[i], text, sizeof text);
        size_t f = 0;
        while (f < nf && strcmp(fam[f], text))
            f++;
        if (f == nf && !(fam[nf++] = DSE_STRDUP(text, err))) rc = err->code;
        family_of[i] = f;
    }
    regfree(&re);
    if (rc != DSE_OK) {
        dse_families_free(fam, nf);
        return rc;
    }
    *families = fam;
    *n_families = nf;
    return DSE_OK;
}

void dse_families_free(char **families, size_t n)
{
    if (!families) return;
    for (size_t i = 0; i < n; ++i)
        free(families[i]);
    free(families);
}
