/* eigen.c — LAPACK eigenvalue drivers, chosen by measurement (tune.h). */
#include "dsesweep/eigen.h"

#include <lapack.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/elpa.h"
#include "dsesweep/tune.h"
#include "dsesweep/two_stage.h"

/* The driver for AUTO: the fastest at this order and this process's BLAS
 * thread count, from the node's tuning file when there is one, else from the
 * built-in table (tune.h; measured, never guessed). */
dse_eigen_driver_t dse_eigen_choose(size_t n)
{
    return dse_tune_driver(n, 1, dse_tune_blas_threads());
}

/* The drivers: one row each (the enum's order), where each runs. */
static const struct {
    const char *name;
    int scope;
} drivers[DSE_EIGEN_ALL_DRIVERS] = {
    [DSE_EIGEN_AUTO] = {"auto", DSE_EIGEN_ONE_RANK | DSE_EIGEN_GROUP},
    [DSE_EIGEN_DSYEVD] = {"dsyevd", DSE_EIGEN_ONE_RANK},
    [DSE_EIGEN_DSYEVR] = {"dsyevr", DSE_EIGEN_ONE_RANK},
    [DSE_EIGEN_DSYEVD_2STAGE] = {"dsyevd_2stage", DSE_EIGEN_ONE_RANK},
    [DSE_EIGEN_ELPA1] = {"elpa1", DSE_EIGEN_ONE_RANK | DSE_EIGEN_GROUP},
    [DSE_EIGEN_ELPA2] = {"elpa2", DSE_EIGEN_ONE_RANK | DSE_EIGEN_GROUP},
    [DSE_EIGEN_PDSYEV] = {"pdsyev", DSE_EIGEN_GROUP},
    [DSE_EIGEN_PDSYEVD] = {"pdsyevd", DSE_EIGEN_GROUP},
    [DSE_EIGEN_DIST_2STAGE] = {"dist_2stage", DSE_EIGEN_GROUP},
    [DSE_EIGEN_FLOAT32_AUTO] = {"float32",
                                DSE_EIGEN_ONE_RANK | DSE_EIGEN_GROUP | DSE_EIGEN_FLOAT32},
    [DSE_EIGEN_SSYEVD] = {"ssyevd", DSE_EIGEN_ONE_RANK | DSE_EIGEN_FLOAT32},
    [DSE_EIGEN_SSYEVD_2STAGE] = {"ssyevd_2stage", DSE_EIGEN_ONE_RANK | DSE_EIGEN_FLOAT32},
    [DSE_EIGEN_PSSYEV] = {"pssyev", DSE_EIGEN_GROUP | DSE_EIGEN_FLOAT32},
};

const char *dse_eigen_driver_name(dse_eigen_driver_t driver)
{
    return driver >= 0 && driver < DSE_EIGEN_ALL_DRIVERS ? drivers[driver].name : "?";
}

int dse_eigen_driver_scope(dse_eigen_driver_t driver)
{
    return driver >= 0 && driver < DSE_EIGEN_ALL_DRIVERS ? drivers[driver].scope : 0;
}

dse_eigen_driver_t dse_eigen_float32_driver(dse_eigen_driver_t driver, size_t n, int ranks)
{
    int scope = ranks > 1 ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK;
    if (driver != DSE_EIGEN_FLOAT32_AUTO && (dse_eigen_driver_scope(driver) & DSE_EIGEN_FLOAT32) &&
        (dse_eigen_driver_scope(driver) & scope))
        return driver;
    return dse_tune_float32_driver(n, ranks, ranks > 1 ? 1 : dse_tune_blas_threads());
}

const char *dse_eigen_driver_list(int scope)
{
    static char lists[4][160];
    char *b = lists[scope & 3];
    if (!b[0])
        for (int d = DSE_EIGEN_AUTO + 1; d < DSE_EIGEN_DRIVERS; ++d)
            if (drivers[d].scope & scope)
                snprintf(b + strlen(b), sizeof lists[0] - strlen(b), "%s%s", b[0] ? ", " : "",
                         drivers[d].name);
    return b;
}

int dse_eigen_driver_parse(const char *name, dse_eigen_driver_t *out)
{
    for (int d = DSE_EIGEN_AUTO; d < DSE_EIGEN_DRIVERS; ++d)
        if (strcmp(name, drivers[d].name) == 0) {
            *out = (dse_eigen_driver_t)d;
            return DSE_OK;
        }
    return DSE_EUSAGE;
}

int dse_eigen_elpa_kernel(void)
{
    return dse_tune_elpa_kernel(1, dse_tune_blas_threads());
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static void reverse(double *w, size_t n)
{
    for (size_t i = 0; i < n / 2; ++i) {
        double t = w[i];
        w[i] = w[n - 1 - i];
        w[n - 1 - i] = t;
    }
}

/* Workspace query for one driver: lwork/liwork in elements. */
static int query(dse_eigen_driver_t driver, int n, double *A, double *w, int *lwork, int *liwork,
                 dse_err_t *err)
{
    double wq = 0;
    int iwq = 0, info = 0, m = 0, lw = -1, liw = -1;
    char jobz = 'N', uplo = 'L', range = 'A';
    double vl = 0, vu = 0, abstol = 0;
    int il = 0, iu = 0, one = 1,
        lda = n > 1 ? n : 1; /* LAPACK needs LDA >= max(1, N), also at N = 0 */
    switch (driver) {
    case DSE_EIGEN_DSYEVD:
        LAPACK_dsyevd(&jobz, &uplo, &n, A, &lda, w, &wq, &lw, &iwq, &liw, &info);
        break;
    default:
        LAPACK_dsyevr(&jobz, &range, &uplo, &n, A, &lda, &vl, &vu, &il, &iu, &abstol, &m, w, NULL,
                      &one, NULL, &wq, &lw, &iwq, &liw, &info);
    }
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "%s workspace query failed for N = %d (info = %d)",
                         dse_eigen_driver_name(driver), n, info);
    *lwork = (int)wq + 1;
    *liwork = iwq > 1 ? iwq : 1;
    return DSE_OK;
}

/* ssyevd's workspace query: lwork/liwork in elements. */
static int query_float(int n, float *A, float *w, int *lwork, int *liwork, dse_err_t *err)
{
    int info = 0, lw = -1, liw = -1, iwq = 0, lda = n > 1 ? n : 1;
    char jobz = 'N', uplo = 'L';
    float wq = 0;
    LAPACK_ssyevd(&jobz, &uplo, &n, A, &lda, w, &wq, &lw, &iwq, &liw, &info);
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "ssyevd workspace query failed for N = %d (info = %d)",
                         n, info);
    *lwork = (int)wq + 1;
    *liwork = iwq > 1 ? iwq : 1;
    return DSE_OK;
}

int dse_eigen_workspace_bytes(size_t n, dse_eigen_driver_t driver, size_t *bytes, dse_err_t *err)
{
    int bn, lwork = 0, liwork = 0;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    if (dse_eigen_driver_scope(driver) & DSE_EIGEN_FLOAT32) { /* and the float32 eigenvalues */
        float dummy = 0, w = 0;
        if (dse_eigen_float32_driver(driver, n, 1) == DSE_EIGEN_SSYEVD_2STAGE) {
            DSE_TRY(dse_two_stage_workspace_bytes(n, 1, bytes, err));
        } else {
            DSE_TRY(query_float(bn, &dummy, &w, &lwork, &liwork, err));
            *bytes = (size_t)lwork * sizeof(float) + (size_t)liwork * sizeof(int);
        }
        *bytes += n * sizeof(float);
        return DSE_OK;
    }
    if (driver == DSE_EIGEN_AUTO || !(dse_eigen_driver_scope(driver) & DSE_EIGEN_ONE_RANK))
        driver = dse_eigen_choose(n);
    if (driver == DSE_EIGEN_ELPA1 || driver == DSE_EIGEN_ELPA2) {
        *bytes =
            (size_t)dse_elpa_workspace_bytes(bn, 64, bn, bn, driver == DSE_EIGEN_ELPA1 ? 1 : 2);
        return DSE_OK;
    }
    if (driver == DSE_EIGEN_DSYEVD_2STAGE) return dse_two_stage_workspace_bytes(n, 0, bytes, err);
    double dummy = 0, w = 0;
    DSE_TRY(query(driver, bn, &dummy, &w, &lwork, &liwork, err));
    *bytes = (size_t)lwork * sizeof(double) + (size_t)liwork * sizeof(int);
    if (driver == DSE_EIGEN_DSYEVR) *bytes += 2 * n * sizeof(int); /* isuppz */
    return DSE_OK;
}

float *dse_eigen_round_to_float(double *A, size_t count)
{
    /* Forward in chunks through memcpy: chunk k's floats land on bytes
     * already read (4 k < 8 k), and no pointer of one type reads the other's. */
    enum { CHUNK = 512 };
    double in[CHUNK];
    float out[CHUNK];
    char *bytes = (char *)A;
    for (size_t k = 0; k < count; k += CHUNK) {
        size_t m = count - k < CHUNK ? count - k : CHUNK;
        memcpy(in, bytes + k * sizeof(double), m * sizeof(double));
        for (size_t i = 0; i < m; ++i)
            out[i] = (float)in[i];
        memcpy(bytes + k * sizeof(float), out, m * sizeof(float));
    }
    return (float *)(void *)A;
}

/* A float32 driver on the float32 rounding of A, made in A's memory. */
static int symmetric_float32(size_t n, double *A, double *w, dse_eigen_driver_t driver,
                             dse_err_t *err)
{
    float *wf = DSE_MALLOC(n, sizeof *wf, err);
    if (!wf) return err->code;
    int rc = dse_eigen_symmetric_float(n, dse_eigen_round_to_float(A, n * n), wf, driver, err);
    for (size_t i = 0; rc == DSE_OK && i < n; ++i)
        w[i] = wf[i];
    free(wf);
    return rc;
}

int dse_eigen_symmetric(size_t n, double *A, double *w, dse_eigen_driver_t driver, dse_err_t *err)
{
    if (n == 0) return DSE_OK;
    int bn, lwork, liwork;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(dse_to_blas_int(n * n, &(int){0}, "N*N", err));
    if (dse_eigen_driver_scope(driver) & DSE_EIGEN_FLOAT32)
        return symmetric_float32(n, A, w, driver, err);
    /* AUTO, or a group-only driver asked for a one-rank solve (an MI subset
     * of a sweep whose big spectra run on a group): the tuned one-rank choice. */
    if (!(dse_eigen_driver_scope(driver) & DSE_EIGEN_ONE_RANK) || driver == DSE_EIGEN_AUTO)
        driver = dse_eigen_choose(n);
    if (driver == DSE_EIGEN_ELPA1 || driver == DSE_EIGEN_ELPA2) {
        int stage = driver == DSE_EIGEN_ELPA1 ? 1 : 2;
        DSE_TRY(dse_elpa_eigenvalues_local(bn, A, w, stage, dse_eigen_elpa_kernel(), err));
        reverse(w, n); /* ELPA returns ascending */
        return DSE_OK;
    }
    if (driver == DSE_EIGEN_DSYEVD_2STAGE) { /* its steps, the second threaded (two_stage.h) */
        DSE_TRY(dse_two_stage_eigenvalues(n, A, w, 0, err));
        reverse(w, n);
        return DSE_OK;
    }
    DSE_TRY(query(driver, bn, A, w, &lwork, &liwork, err));
    double *work = DSE_MALLOC((size_t)lwork, sizeof *work, err);
    int *iwork = work ? DSE_MALLOC((size_t)liwork + 2 * n, sizeof *iwork, err) : NULL;
    if (!iwork) {
        free(work);
        return err->code;
    }
    int info = 0, m = 0;
    char jobz = 'N', uplo = 'L', range = 'A';
    double vl = 0, vu = 0, abstol = 0;
    int il = 0, iu = 0, one = 1;
    switch (driver) {
    case DSE_EIGEN_DSYEVD:
        LAPACK_dsyevd(&jobz, &uplo, &bn, A, &bn, w, work, &lwork, iwork, &liwork, &info);
        break;
    default:
        LAPACK_dsyevr(&jobz, &range, &uplo, &bn, A, &bn, &vl, &vu, &il, &iu, &abstol, &m, w, NULL,
                      &one, iwork + liwork, work, &lwork, iwork, &liwork, &info);
    }
    free(work);
    free(iwork);
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "%s failed on an N = %zu matrix (info = %d%s)",
                         dse_eigen_driver_name(driver), n, info,
                         info > 0 ? ": eigenvalues did not converge" : ": bad argument (a bug)");
    reverse(w, n); /* LAPACK returns ascending */
    return DSE_OK;
}

int dse_eigen_general_moduli(size_t n, double *A, double *w, dse_err_t *err)
{
    if (n == 0) return DSE_OK;
    int bn, info = 0, lwork = -1, one = 1;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(dse_to_blas_int(n * n, &(int){0}, "N*N", err));
    char no = 'N';
    double *wi = DSE_MALLOC(n, sizeof *wi, err);
    if (!wi) return err->code;
    double wq = 0, dummy = 0;
    LAPACK_dgeev(&no, &no, &bn, A, &bn, w, wi, &dummy, &one, &dummy, &one, &wq, &lwork, &info);
    lwork = (int)wq + 1;
    double *work = info == 0 ? DSE_MALLOC((size_t)lwork, sizeof *work, err) : NULL;
    if (info == 0 && !work) {
        free(wi);
        return err->code;
    }
    if (info == 0)
        LAPACK_dgeev(&no, &no, &bn, A, &bn, w, wi, &dummy, &one, &dummy, &one, work, &lwork, &info);
    free(work);
    if (info == 0)
        for (size_t i = 0; i < n; ++i)
            w[i] = hypot(w[i], wi[i]);
    free(wi);
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "dgeev failed on an N = %zu matrix (info = %d)", n,
                         info);
    qsort(w, n, sizeof *w, cmp_desc);
    return DSE_OK;
}

int dse_eigen_singular_values(size_t m, size_t n, double *A, double *s, dse_err_t *err)
{
    if (m == 0 || n == 0) return DSE_OK;
    int bm, bn, info = 0, lwork = -1;
    DSE_TRY(dse_to_blas_int(m, &bm, "rows", err));
    DSE_TRY(dse_to_blas_int(n, &bn, "columns", err));
    DSE_TRY(dse_to_blas_int(m * n, &(int){0}, "rows*columns", err));
    size_t k = m < n ? m : n;
    int *iwork = DSE_MALLOC(8 * k, sizeof *iwork, err);
    if (!iwork) return err->code;
    char no = 'N';
    double wq = 0, dummy = 0;
    int one = 1;
    LAPACK_dgesdd(&no, &bm, &bn, A, &bm, s, &dummy, &one, &dummy, &one, &wq, &lwork, iwork, &info);
    lwork = (int)wq + 1;
    double *work = info == 0 ? DSE_MALLOC((size_t)lwork, sizeof *work, err) : NULL;
    if (info == 0 && !work) {
        free(iwork);
        return err->code;
    }
    if (info == 0)
        LAPACK_dgesdd(&no, &bm, &bn, A, &bm, s, &dummy, &one, &dummy, &one, work, &lwork, iwork,
                      &info);
    free(work);
    free(iwork);
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "dgesdd failed on a %zu x %zu matrix (info = %d)", m, n,
                         info);
    return DSE_OK;
}

/* Reverses n floats (LAPACK's ascending order to descending). */
static void reverse_float(float *w, size_t n)
{
    for (size_t i = 0; i < n / 2; ++i) {
        float t = w[i];
        w[i] = w[n - 1 - i];
        w[n - 1 - i] = t;
    }
}

int dse_eigen_symmetric_float(size_t n, float *A, float *w, dse_eigen_driver_t driver,
                              dse_err_t *err)
{
    if (n == 0) return DSE_OK;
    int bn, info = 0, lwork = 0, liwork = 0;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(dse_to_blas_int(n * n, &(int){0}, "N*N", err));
    driver = dse_eigen_float32_driver(driver, n, 1);
    if (driver == DSE_EIGEN_SSYEVD_2STAGE) { /* its steps, the second threaded (two_stage.h) */
        DSE_TRY(dse_two_stage_eigenvalues(n, A, w, 1, err));
        reverse_float(w, n);
        return DSE_OK;
    }
    DSE_TRY(query_float(bn, A, w, &lwork, &liwork, err));
    float *work = DSE_MALLOC((size_t)lwork, sizeof *work, err);
    int *iwork = work ? DSE_MALLOC((size_t)liwork, sizeof *iwork, err) : NULL;
    if (!iwork) {
        free(work);
        return err->code;
    }
    char jobz = 'N', uplo = 'L';
    LAPACK_ssyevd(&jobz, &uplo, &bn, A, &bn, w, work, &lwork, iwork, &liwork, &info);
    free(work);
    free(iwork);
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "ssyevd failed on an N = %zu matrix (info = %d%s)", n,
                         info,
                         info > 0 ? ": eigenvalues did not converge" : ": bad argument (a bug)");
    reverse_float(w, n);
    return DSE_OK;
}
