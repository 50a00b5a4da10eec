/* two_stage.c — dsyevd_2stage's three steps (see two_stage.h), the second
 * on this process's threads (bulge_chase.h). */
#include "dsesweep/two_stage.h"

#include <stdlib.h>

#include "dsesweep/bulge_chase.h"
#include "dsesweep/tune.h"
#include "lapack_two_stage.h"

/* The band width for order n, the band's leading
 * dimension (room for the bulge chasing, bulge_chase.h) and sy2sb's work,
 * in elements. */
typedef struct {
    int kd, ldab, lwork;
} plan_t;

/* The band width by size: the fastest measured on the project's 2-core VM
 * at 2 threads (`KD=.. SB2ST=0 build/bench/bench_two_stage N`, 2026-12-06,
 * docs/performance.md): N = 4000: kd 32 1.80 s, 64 1.82 s, 128 1.96 s;
 * N = 8000: 32 12.12 s, 64 10.68 s, 96 10.68 s, 128 10.87 s; N = 12000: 64
 * 34.16 s, 96 31.55 s, 128 32.42 s; N = 20000: 96 135.2 s, 128 136.5 s,
 * 160 134.9 s. A wider band moves flops from the memory-bound bulge chasing
 * into the BLAS-3 first step, so the best width grows with N. */
static const struct {
    size_t below; /* orders under this use kd */
    int kd;
} band_widths[] = {{6000, 32}, {10000, 64}, {(size_t)-1, 96}};

int dse_two_stage_band_width(size_t n)
{
    size_t k = 0;
    while (n >= band_widths[k].below)
        ++k;
    return band_widths[k].kd;
}

static int make_plan(int n, int single, void *A, plan_t *p, dse_err_t *err)
{
    int info = 0, query = -1;
    p->kd = dse_two_stage_band_width((size_t)n);
    p->ldab = dse_bulge_chase_ld(p->kd);
    /* sy2sb's own query (with A: it only reads n and kd). */
    double qd = 0;
    float qf = 0, dummy = 0;
    if (single)
        ssytrd_sy2sb_("L", &n, &p->kd, A ? A : &dummy, &n, &dummy, &p->ldab, &dummy, &qf, &query,
                      &info, 1);
    else
        dsytrd_sy2sb_("L", &n, &p->kd, A ? A : (void *)&qd, &n, &qd, &p->ldab, &qd, &qd, &query,
                      &info, 1);
    if (info != 0 || p->kd < 1)
        return DSE_RAISE(err, DSE_ELAPACK,
                         "%csytrd_sy2sb workspace query failed for N = %d "
                         "(info = %d, kd = %d)",
                         single ? 's' : 'd', n, info, p->kd);
    /* The float query rounds; a little over it is safe. */
    p->lwork = (int)((single ? (double)qf : qd) * (1 + 1e-6)) + 1;
    return DSE_OK;
}

/* Elements of the band, tau, e and sy2sb's work array together. */
static size_t plan_elements(const plan_t *p, size_t n)
{
    return (size_t)p->ldab * n + 2 * n + (size_t)p->lwork;
}

int dse_two_stage_workspace_bytes(size_t n, int single, size_t *bytes, dse_err_t *err)
{
    int bn;
    plan_t p;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(make_plan(bn, single, NULL, &p, err));
    *bytes = plan_elements(&p, n) * (single ? sizeof(float) : sizeof(double)) +
             dse_bulge_chase_workspace_bytes(n, p.kd, dse_tune_blas_threads(), single);
    return DSE_OK;
}

int dse_two_stage_eigenvalues(size_t n, void *A, void *w, int single, dse_err_t *err)
{
    if (n == 0) return DSE_OK;
    int bn, info = 0;
    plan_t p;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(make_plan(bn, single, A, &p, err));
    size_t elem = single ? sizeof(float) : sizeof(double);
    char *mem = DSE_MALLOC(plan_elements(&p, n), elem, err);
    if (!mem) return err->code;
    /* One block: band | tau | e | work; the diagonal d is w itself. */
    void *ab = mem, *tau = mem + (size_t)p.ldab * n * elem, *e = (char *)tau + n * elem;
    void *work = (char *)e + n * elem;
    if (single)
        ssytrd_sy2sb_("L", &bn, &p.kd, A, &bn, ab, &p.ldab, tau, work, &p.lwork, &info, 1);
    else
        dsytrd_sy2sb_("L", &bn, &p.kd, A, &bn, ab, &p.ldab, tau, work, &p.lwork, &info, 1);
    if (info != 0) {
        free(mem);
        return DSE_RAISE(err, DSE_ELAPACK, "%csytrd_sy2sb failed on an N = %zu matrix (info = %d)",
                         single ? 's' : 'd', n, info);
    }
    int rc =
        dse_two_stage_band_eigenvalues(n, p.kd, ab, w, e, dse_tune_blas_threads(), single, err);
    free(mem);
    return rc;
}

int dse_two_stage_band_eigenvalues(size_t n, int kd, void *band, void *w, void *e, int threads,
                                   int single, dse_err_t *err)
{
    if (n == 0) return DSE_OK;
    int bn, info = 0;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    /* The bulge chasing on its own threads, OpenBLAS at one thread
     * meanwhile (its kernels' BLAS calls are small). */
    int blas_threads = dse_tune_blas_threads();
    dse_tune_set_blas_threads(1);
    int rc = dse_bulge_chase(n, kd, band, w, e, threads, single, err);
    dse_tune_set_blas_threads(blas_threads);
    if (rc == DSE_OK) {
        if (single)
            ssterf_(&bn, w, e, &info);
        else
            dsterf_(&bn, w, e, &info);
        if (info != 0)
            rc = DSE_RAISE(err, DSE_ELAPACK, "%csterf failed on an N = %zu matrix (info = %d%s)",
                           single ? 's' : 'd', n, info,
                           info > 0 ? ": eigenvalues did not converge" : ": bad argument (a bug)");
    }
    return rc;
}
