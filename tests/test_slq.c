/* test_slq.c — the statistical tail of the bounded engine (engine/slq.h):
 * the Student-t quantile, SLQ on an operator with a known spectrum, and the
 * coverage of the statistical intervals on real diffusion operators: the
 * exact DSE inside in at least 95 of 100 seeded trials.
 *
 * Usage: test_slq   (one rank; the same interval on 1-4 ranks is
 * test_bounded's check)
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_mpi.h"
#include "dsesweep/bounded.h"
#include "dsesweep/entropy.h"
#include "dsesweep/kernel.h"
#include "dsesweep/rng.h"
#include "test_random.h"
#include "dsesweep/slq.h"

static const double TS[] = {1, 2, 5};
#define NT 3

/* n x d row-major blobs (classes centres in [-c, c]^d, spread s). */
static double *blobs(size_t n, size_t d, size_t classes, double c, double s, uint64_t key)
{
    dse_rng_t r;
    dse_rng_init(&r, 4321, 97, key, n);
    double *Z = malloc(n * d * sizeof *Z), *ctr = malloc(classes * d * sizeof *ctr);
    for (size_t i = 0; i < classes * d; ++i)
        ctr[i] = c * (2 * uniform(&r) - 1);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < d; ++j)
            Z[i * d + j] = ctr[(i % classes) * d + j] + s * gauss(&r);
    free(ctr);
    return Z;
}

static void test_quantile(void)
{
    /* Reference values of Student's t (two-sided 95% and 99%). */
    CHECK_ABS(dse_slq_quantile(10, 0.95), 2.228, 1e-3, "t quantile, 10 dof");
    CHECK_ABS(dse_slq_quantile(30, 0.95), 2.0423, 1e-3, "t quantile, 30 dof");
    CHECK_ABS(dse_slq_quantile(60, 0.95), 2.0003, 1e-3, "t quantile, 60 dof");
    CHECK_ABS(dse_slq_quantile(100000, 0.95), 1.95998, 1e-4, "t quantile, many dof");
    CHECK_ABS(dse_slq_quantile(29, 0.99), 2.7564, 2e-3, "t 99%% quantile, 29 dof");
    CHECK_ABS(dse_slq_quantile(120, 0.99), 2.6174, 1e-3, "t 99%% quantile, 120 dof");
    CHECK(dse_slq_quantile(11, 0.95) < dse_slq_quantile(10, 0.95) &&
              dse_slq_quantile(11, 0.99) < dse_slq_quantile(10, 0.99),
          "t quantile decreases with the degrees of freedom");
}

/* A rotated diagonal operator A = H diag(lam) H with the Householder
 * reflection H = I - 2 u u^T (|u| = 1): known spectrum, dense eigenvectors
 * (a diagonal one would give Rademacher probes zero variance). */
typedef struct {
    size_t n;
    const double *lam, *u;
} diag_t;

static void reflect(const double *u, size_t n, double *x)
{
    double dot = 0;
    for (size_t i = 0; i < n; ++i)
        dot += u[i] * x[i];
    for (size_t i = 0; i < n; ++i)
        x[i] -= 2 * dot * u[i];
}

static int apply_diag(void *ctx, size_t b, const double *X, double *Y, dse_err_t *err)
{
    (void)err;
    const diag_t *D = ctx;
    for (size_t j = 0; j < b; ++j) {
        double *y = Y + j * D->n;
        memcpy(y, X + j * D->n, D->n * sizeof *y);
        reflect(D->u, D->n, y);
        for (size_t i = 0; i < D->n; ++i)
            y[i] *= D->lam[i];
        reflect(D->u, D->n, y);
    }
    return DSE_OK;
}

/* SLQ on diag(lambda) with a slowly decaying spectrum and no head: the
 * interval holds the exact entropy, shrinks with more probes, and the same
 * seed gives the same interval; a different seed gives a different one. */
static void test_diagonal(void)
{
    size_t n = 1500;
    double *lam = malloc(n * sizeof *lam), *u = malloc(n * sizeof *u), trace = 0, frob2 = 0;
    double nu = 0;
    for (size_t i = 0; i < n; ++i) {
        lam[i] = 1.0 / (1.0 + 0.01 * (double)i);
        trace += lam[i];
        frob2 += lam[i] * lam[i];
        u[i] = 1.0 + (double)(i % 7); /* not a multiple of a probe's pattern */
        nu += u[i] * u[i];
    }
    for (size_t i = 0; i < n; ++i)
        u[i] /= sqrt(nu);
    diag_t D = {n, lam, u};
    dse_slq_opts_t o = {.tol = 1e-9, .steps = 30, .batch = 16, .max_probes = 32, .seed = 3};
    dse_slq_result_t a, b, c, more;
    dse_err_t err = {0};
    int rc = dse_slq_dse(n, apply_diag, &D, NULL, TS, NT, NULL, &o, &a, &err);
    rc |= dse_slq_dse(n, apply_diag, &D, NULL, TS, NT, NULL, &o, &b, &err);
    o.seed = 4;
    rc |= dse_slq_dse(n, apply_diag, &D, NULL, TS, NT, NULL, &o, &c, &err);
    o.max_probes = 128;
    rc |= dse_slq_dse(n, apply_diag, &D, NULL, TS, NT, NULL, &o, &more, &err);
    CHECK(rc == DSE_OK, "SLQ on a diagonal operator: %s", err.msg);
    for (size_t j = 0; rc == DSE_OK && j < NT; ++j) {
        double exact = dse_entropy_spectral(lam, n, TS[j]);
        CHECK(a.lower[j] <= exact && exact <= a.upper[j], "t=%g: exact %.9f in [%.9f, %.9f]", TS[j],
              exact, a.lower[j], a.upper[j]);
        CHECK(a.lower[j] == b.lower[j] && a.upper[j] == b.upper[j], "same seed, same interval");
        CHECK(a.value[j] != c.value[j], "another seed, another estimate");
        CHECK(more.upper[j] - more.lower[j] < a.upper[j] - a.lower[j],
              "t=%g: 128 probes narrower than 32 (%g vs %g)", TS[j], more.upper[j] - more.lower[j],
              a.upper[j] - a.lower[j]);
        /* Two batches of 16; each stops at 12..30 steps (early once converged). */
        CHECK(a.probes == 32 && more.probes == 128 && a.products >= 2 * 12 &&
                  a.products <= 2 * 30 && a.steps >= 12 && a.steps <= 30,
              "probes %zu/%zu, products %zu, steps %zu", a.probes, more.probes, a.products,
              a.steps);
    }
    /* Known traces as control variates: much narrower at t = 1 (Z exact). */
    dse_slq_result_t cv;
    o.max_probes = 32;
    o.seed = 3;
    o.trace = trace;
    o.frob2 = frob2;
    rc = dse_slq_dse(n, apply_diag, &D, NULL, TS, NT, NULL, &o, &cv, &err);
    CHECK(rc == DSE_OK && cv.se[0] < 0.2 * a.se[0] && cv.lower[0] <= cv.value[0],
          "control variates: se %g vs %g", rc == DSE_OK ? cv.se[0] : -1.0, a.se[0]);
    for (size_t j = 0; rc == DSE_OK && j < NT; ++j) {
        double exact = dse_entropy_spectral(lam, n, TS[j]);
        CHECK(cv.lower[j] <= exact && exact <= cv.upper[j],
              "control variates t=%g: %.9f in [%.9f, %.9f]", TS[j], exact, cv.lower[j],
              cv.upper[j]);
    }
    /* Bad options: one line. */
    dse_slq_result_free(&c);
    dse_slq_result_free(&more);
    o.tol = 0;
    rc = dse_slq_dse(n, apply_diag, &D, NULL, TS, NT, NULL, &o, &c, &err);
    CHECK(rc == DSE_EUSAGE && !strchr(err.msg, '\n'), "tol = 0: rc %d '%s'", rc, err.msg);
    dse_slq_result_free(&a);
    dse_slq_result_free(&b);
    dse_slq_result_free(&cv);
    dse_slq_result_free(&more);
    free(lam);
    free(u);
}

/* 100 seeded runs (seeds 1000..1099: the Lanczos start and the probes) of
 * the bounded engine with its statistical tail on one data set: every
 * statistical interval is counted; the exact DSE must lie inside at least
 * 95% of them at every t that went statistical in most runs, and every
 * certified interval must hold it. */
static void coverage(const char *name, size_t n, size_t d, const double *Z, double sigma,
                     size_t max_k, double tol, size_t probes)
{
    double *eig = malloc(n * sizeof *eig), exact[NT];
    dse_err_t err = {0};
    int rc = dse_kernel_spectrum(n, d, Z, sigma, DSE_KERNEL_ANISOTROPIC, DSE_EIGEN_AUTO, eig, &err);
    CHECK(rc == DSE_OK, "exact spectrum: %s", err.msg);
    for (size_t j = 0; j < NT; ++j)
        exact[j] = dse_entropy_spectral(eig, n, TS[j]);
    int stat[NT] = {0}, inside[NT] = {0}, certified_miss = 0;
    double width[NT] = {0};
    for (int trial = 0; rc == DSE_OK && trial < 100; ++trial) {
        dse_bounded_opts_t o = {.tol = tol, .max_k = max_k, .block = 32, .seed = 1000 + trial};
        o.statistical_tail = 1;
        o.slq_probes = probes; /* the interval of at most this many probes, whatever it gives */
        dse_bounded_result_t r;
        rc = dse_bounded_dse(MPI_COMM_SELF, n, d, Z, sigma, TS, NT, &o, &r, &err);
        CHECK(rc == DSE_OK, "%s trial %d: %s", name, trial, err.msg);
        for (size_t j = 0; rc == DSE_OK && j < NT; ++j) {
            int in = r.lower[j] <= exact[j] && exact[j] <= r.upper[j];
            if (r.statistical[j]) {
                stat[j]++;
                inside[j] += in;
                width[j] += (r.upper[j] - r.lower[j]) / 2;
            } else {
                certified_miss += !in;
            }
        }
        dse_bounded_result_free(&r);
    }
    CHECK(certified_miss == 0, "%s: %d certified intervals miss the exact value", name,
          certified_miss);
    int any = 0;
    for (size_t j = 0; j < NT; ++j) {
        printf("%s (<= %zu probes) N=%zu t=%g exact %.6f: statistical in %d of 100 trials, exact "
               "inside %d, mean "
               "half-width %.3g\n",
               name, probes, n, TS[j], exact[j], stat[j], inside[j],
               stat[j] ? width[j] / stat[j] : 0.0);
        if (stat[j] < 50) continue;
        any = 1;
        CHECK(inside[j] * 100 >= 95 * stat[j], "%s t=%g: exact inside %d of %d statistical", name,
              TS[j], inside[j], stat[j]);
    }
    CHECK(any, "%s: some t went statistical in most trials", name);
    free(eig);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        test_quantile();
        test_diagonal();
        size_t n = 800, d = 32;
        double *Z = blobs(n, d, 10, 3, 1, 1);
        coverage("blobs", n, d, Z, 4, 160, 0.002, 32);
        coverage("blobs", n, d, Z, 4, 160, 0.002, 16); /* one batch of the default 16 */
        free(Z);
        Z = blobs(n, d, 100, 1, 0.3, 2);
        coverage("slow decay", n, d, Z, 1, 160, 0.002, 32);
        free(Z);
    }
    int status = check_summary_mpi("test_slq");
    MPI_Finalize();
    return status;
}
