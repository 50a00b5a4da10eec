/* two_stage.c — dsyevd_2stage's three steps, the second at one thread (see
 * two_stage.h). */
#include "dsesweep/two_stage.h"

#include <stdlib.h>

#include "dsesweep/tune.h"
#include "lapack_two_stage.h"

/* The sizes dsytrd_2stage (ssytrd_2stage) derives for order n: band width,
 * Householder storage and work, in elements. */
typedef struct {
    int kd, ldab, lhous, lwork;
} plan_t;

static int make_plan(int n, int single, void *A, plan_t *p, dse_err_t *err)
{
    const char *name = single ? "SSYTRD_2STAGE" : "DSYTRD_2STAGE";
    int one = 1, two = 2, three = 3, four = 4, none = -1, info = 0, query = -1;
    p->kd = ilaenv2stage_(&one, name, "N", &n, &none, &none, &none, 13, 1);
    int ib = ilaenv2stage_(&two, name, "N", &n, &p->kd, &none, &none, 13, 1);
    p->lhous = ilaenv2stage_(&three, name, "N", &n, &p->kd, &ib, &none, 13, 1);
    p->lwork = ilaenv2stage_(&four, name, "N", &n, &p->kd, &ib, &none, 13, 1);
    p->ldab = p->kd + 1;
    if (p->lhous < 1) p->lhous = 1;
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
    int q = single ? (int)qf + 1 : (int)qd + 1;
    if (q > p->lwork) p->lwork = q;
    return DSE_OK;
}

/* Elements of the band, tau, d, e, hous and work arrays together. */
static size_t plan_elements(const plan_t *p, size_t n)
{
    return (size_t)p->ldab * n + 3 * n + (size_t)p->lhous + (size_t)p->lwork;
}

int dse_two_stage_workspace_bytes(size_t n, int single, size_t *bytes, dse_err_t *err)
{
    int bn;
    plan_t p;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    DSE_TRY(make_plan(bn, single, NULL, &p, err));
    *bytes = plan_elements(&p, n) * (single ? sizeof(float) : sizeof(double));
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
    /* One block: band | tau | e | hous | work; the diagonal d is w itself. */
    void *ab = mem, *tau = mem + (size_t)p.ldab * n * elem, *e = (char *)tau + n * elem;
    void *hous = (char *)e + 2 * n * elem, *work = (char *)hous + (size_t)p.lhous * elem;
    const char *step = "sytrd_sy2sb";
    if (single)
        ssytrd_sy2sb_("L", &bn, &p.kd, A, &bn, ab, &p.ldab, tau, work, &p.lwork, &info, 1);
    else
        dsytrd_sy2sb_("L", &bn, &p.kd, A, &bn, ab, &p.ldab, tau, work, &p.lwork, &info, 1);
    if (info == 0) {
        int threads = dse_tune_blas_threads();
        dse_tune_set_blas_threads(1); /* the bulge chasing: fastest alone (two_stage.h) */
        step = "sytrd_sb2st";
        if (single)
            ssytrd_sb2st_("Y", "N", "L", &bn, &p.kd, ab, &p.ldab, w, e, hous, &p.lhous, work,
                          &p.lwork, &info, 1, 1, 1);
        else
            dsytrd_sb2st_("Y", "N", "L", &bn, &p.kd, ab, &p.ldab, w, e, hous, &p.lhous, work,
                          &p.lwork, &info, 1, 1, 1);
        dse_tune_set_blas_threads(threads);
    }
    if (info == 0) {
        step = "sterf";
        if (single)
            ssterf_(&bn, w, e, &info);
        else
            dsterf_(&bn, w, e, &info);
    }
    free(mem);
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "%c%s failed on an N = %zu matrix (info = %d%s)",
                         single ? 's' : 'd', step, n, info,
                         info > 0 ? ": eigenvalues did not converge" : ": bad argument (a bug)");
    return DSE_OK;
}
