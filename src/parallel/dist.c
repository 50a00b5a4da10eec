/* dist.c — block-cyclic Gaussian kernels and ScaLAPACK eigenvalues. */
#include "dsesweep/dist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blacs.h"
#include "dsesweep/dist_two_stage.h"
#include "dsesweep/elpa.h"
#include "dsesweep/entropy.h"
#include "dsesweep/kernel.h"
#include "dsesweep/tune.h"

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Global index of local index l in a block-cyclic distribution. */
static size_t local_to_global(int l, int nb, int iproc, int nprocs)
{
    return (size_t)((l / nb) * nprocs * nb + iproc * nb + l % nb);
}

int dse_layout_init(const dse_group_t *g, size_t n, int nb, dse_layout_t *L, dse_err_t *err)
{
    memset(L, 0, sizeof *L);
    int bn, zero = 0, info = 0;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    if (nb <= 0) nb = 64;
    L->n = bn;
    L->nb = nb;
    L->mloc = numroc_(&bn, &nb, &g->myrow, &zero, &g->nprow);
    L->nloc = numroc_(&bn, &nb, &g->mycol, &zero, &g->npcol);
    int lld = L->mloc > 1 ? L->mloc : 1;
    DSE_TRY(
        dse_to_blas_int((size_t)L->mloc * (size_t)L->nloc, &(int){0}, "local matrix size", err));
    descinit_(L->desc, &bn, &bn, &nb, &nb, &zero, &zero, &g->ctxt, &lld, &info);
    if (info != 0) return DSE_RAISE(err, DSE_EINTERNAL, "descinit failed (info = %d)", info);
    L->grow = DSE_MALLOC((size_t)L->mloc + 1, sizeof *L->grow, err);
    L->gcol = L->grow ? DSE_MALLOC((size_t)L->nloc + 1, sizeof *L->gcol, err) : NULL;
    if (!L->gcol) {
        dse_layout_free(L);
        return err->code;
    }
    for (int i = 0; i < L->mloc; ++i)
        L->grow[i] = local_to_global(i, nb, g->myrow, g->nprow);
    for (int j = 0; j < L->nloc; ++j)
        L->gcol[j] = local_to_global(j, nb, g->mycol, g->npcol);
    return DSE_OK;
}

void dse_layout_free(dse_layout_t *L)
{
    if (!L) return;
    free(L->grow);
    free(L->gcol);
    memset(L, 0, sizeof *L);
}

/* Rows of the local matrix are built in panels of this many samples, so a
 * rank holds at most (nloc + DSE_ROW_PANEL) x D embeddings at once even on a
 * 1 x P grid, where its local rows are all N samples. */
#define DSE_ROW_PANEL 128

/* Reads the embeddings of `count` positions into a new row-major buffer. */
static int read_positions(dse_row_reader_fn read, void *ctx, const size_t *pos, size_t count,
                          size_t d, double **out, dse_err_t *err)
{
    *out = DSE_MALLOC(count * d + 1, sizeof **out, err);
    if (!*out) return err->code;
    int rc = count ? read(ctx, pos, count, *out, err) : DSE_OK;
    if (rc != DSE_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Sums this rank's partial row sums over the row communicator (giving the
 * full row sums of the local rows) and partial column sums over the column
 * communicator (by symmetry, the row sums of the local columns; skipped
 * when cs is NULL). */
static void reduce_sums(const dse_group_t *g, const dse_layout_t *L, const double *A, double *rs,
                        double *cs, dse_dist_stats_t *st)
{
    size_t m = (size_t)L->mloc, k = (size_t)L->nloc, ld = m > 1 ? m : 1;
    memset(rs, 0, (m + 1) * sizeof *rs);
    if (cs) memset(cs, 0, (k + 1) * sizeof *cs);
    for (size_t j = 0; j < k; ++j)
        for (size_t i = 0; i < m; ++i) {
            rs[i] += A[i + j * ld];
            if (cs) cs[j] += A[i + j * ld];
        }
    double t0 = wall();
    MPI_Allreduce(MPI_IN_PLACE, rs, (int)m, MPI_DOUBLE, MPI_SUM, g->row_comm);
    if (cs) MPI_Allreduce(MPI_IN_PLACE, cs, (int)k, MPI_DOUBLE, MPI_SUM, g->col_comm);
    if (st) {
        st->t_reduce += wall() - t0;
        st->bytes_reduced += 8.0 * (double)(m + (cs ? k : 0));
    }
}

/* Collective on g. The local block of squared distances into A (mloc x nloc,
 * ld max(1, mloc)): the column shard stays for the whole build, row panels
 * stream past it. */
static int dist_sqdist(const dse_group_t *g, const dse_layout_t *L, size_t d,
                       dse_row_reader_fn read, void *ctx, double *A, dse_dist_stats_t *st,
                       dse_err_t *err)
{
    size_t m = (size_t)L->mloc, k = (size_t)L->nloc, ld = m > 1 ? m : 1;
    double *zc = NULL, *zr = NULL, t0 = wall();
    double *nr = DSE_MALLOC(m + 1, sizeof *nr, err);
    double *nc = nr ? DSE_MALLOC(k + 1, sizeof *nc, err) : NULL;
    int rc = nc ? DSE_OK : err->code;
    if (rc == DSE_OK) rc = read_positions(read, ctx, L->gcol, k, d, &zc, err);
    if (st) st->t_read += wall() - t0;
    if (rc == DSE_OK) dse_kernel_row_norms(k, d, zc, nc);
    for (size_t start = 0; rc == DSE_OK && start < m; start += DSE_ROW_PANEL) {
        size_t len = m - start < DSE_ROW_PANEL ? m - start : DSE_ROW_PANEL;
        t0 = wall();
        rc = read_positions(read, ctx, L->grow + start, len, d, &zr, err);
        if (st) st->t_read += wall() - t0;
        t0 = wall();
        if (rc == DSE_OK) {
            dse_kernel_row_norms(len, d, zr, nr + start);
            rc = dse_kernel_sqdist_block(len, k, d, zr, nr + start, L->grow + start, zc, nc,
                                         L->gcol, A + start, ld, err);
        }
        free(zr);
        zr = NULL;
        if (st) st->t_kernel += wall() - t0;
    }
    free(zc);
    free(nr);
    free(nc);
    if (st) {
        st->shard_rows_peak = k + (m < DSE_ROW_PANEL ? m : DSE_ROW_PANEL);
        st->distance_passes++;
    }
    return dse_group_agree(g, rc, err);
}

/* Collective on g. A (the local Gaussian) becomes K = D^-1/2 G D^-1/2. */
static int dist_normalise(const dse_group_t *g, const dse_layout_t *L, double *A,
                          dse_dist_stats_t *st, dse_err_t *err)
{
    size_t m = (size_t)L->mloc, k = (size_t)L->nloc, ld = m > 1 ? m : 1;
    double *nr = DSE_MALLOC(m + 1, sizeof *nr, err);
    double *nc = nr ? DSE_MALLOC(k + 1, sizeof *nc, err) : NULL;
    int rc = dse_group_agree(g, nc ? DSE_OK : err->code, err);
    if (rc == DSE_OK) {
        reduce_sums(g, L, A, nr, nc, st);
        for (size_t i = 0; i < m; ++i)
            nr[i] = 1.0 / sqrt(nr[i]);
        for (size_t j = 0; j < k; ++j)
            nc[j] = 1.0 / sqrt(nc[j]);
        dse_kernel_scale_block(m, k, A, ld, nr, nc);
    }
    free(nr);
    free(nc);
    return rc;
}

int dse_dist_kernel(const dse_group_t *g, const dse_layout_t *L, size_t d, dse_row_reader_fn read,
                    void *ctx, double sigma, dse_kernel_kind_t kind, double *A,
                    dse_dist_stats_t *st, dse_err_t *err)
{
    size_t m = (size_t)L->mloc, k = (size_t)L->nloc, ld = m > 1 ? m : 1;
    DSE_TRY(dist_sqdist(g, L, d, read, ctx, A, st, err));
    dse_kernel_gaussian_block(m, k, A, ld, sigma);
    if (kind == DSE_KERNEL_ANISOTROPIC) DSE_TRY(dist_normalise(g, L, A, st, err));
    return DSE_OK;
}

/* ---- bandwidth rules on a group ------------------------------------------- */

/* Collective on g. The median distance over the pairs i < j from the local
 * squared-distance blocks: the radix passes of kernel.h with the bucket
 * counts summed over the group (each pair lives on exactly one rank). */
static double dist_select_sq(const dse_group_t *g, const dse_layout_t *L, const double *D2,
                             uint64_t rank)
{
    size_t m = (size_t)L->mloc, ld = m > 1 ? m : 1;
    uint64_t prefix = 0;
    for (int pass = 0; pass < 8; ++pass) {
        uint64_t hist[256] = {0};
        dse_kernel_radix_hist(m, (size_t)L->nloc, D2, ld, L->grow, L->gcol, pass, prefix, hist);
        MPI_Allreduce(MPI_IN_PLACE, hist, 256, MPI_UINT64_T, MPI_SUM, g->comm);
        prefix = dse_kernel_radix_pick(hist, &rank, prefix);
    }
    double v;
    memcpy(&v, &prefix, sizeof v);
    return v;
}

static double dist_median(const dse_group_t *g, const dse_layout_t *L, const double *D2)
{
    uint64_t n = (uint64_t)L->n, pairs = n * (n - 1) / 2;
    if (n < 2) return 0.0;
    double hi = sqrt(dist_select_sq(g, L, D2, pairs / 2));
    if (pairs % 2) return hi;
    return 0.5 * (sqrt(dist_select_sq(g, L, D2, pairs / 2 - 1)) + hi);
}

/* Collective on g. sig (n, every rank) = the distance of each sample to its
 * k-th nearest other sample: each rank keeps the k smallest of each local
 * row, the row communicator gathers them, and the ranks of grid column 0
 * publish their rows' k-th value. */
static int dist_knn_sigma(const dse_group_t *g, const dse_layout_t *L, const double *D2, int k,
                          double *sig, dse_err_t *err)
{
    size_t m = (size_t)L->mloc, nl = (size_t)L->nloc, ld = m > 1 ? m : 1, kk = (size_t)k;
    size_t all = kk * (size_t)g->npcol;
    double *mine = DSE_MALLOC(m * kk + 1, sizeof *mine, err);
    double *got = mine ? DSE_MALLOC(m * all + 1, sizeof *got, err) : NULL;
    double *row = got ? DSE_MALLOC(all + nl + 1, sizeof *row, err) : NULL;
    int rc = row ? DSE_OK : err->code;
    if (rc == DSE_OK && (k < 1 || (size_t)k >= (size_t)L->n))
        rc = DSE_RAISE(err, DSE_EVALUE, "knn:%d needs more than %d samples (got %d)", k, k, L->n);
    rc = dse_group_agree(g, rc, err);
    if (rc == DSE_OK) {
        for (size_t i = 0; i < m; ++i) {
            size_t c = 0;
            for (size_t j = 0; j < nl; ++j)
                if (L->grow[i] != L->gcol[j]) row[c++] = D2[i + j * ld];
            size_t have = c < kk ? c : kk;
            if (have) dse_kernel_kth_smallest(row, c, have - 1); /* row[0..have) ascending */
            for (size_t x = 0; x < kk; ++x)
                mine[i * kk + x] = x < have ? row[x] : INFINITY;
        }
        int cnt;
        rc = dse_to_blas_int(m * kk, &cnt, "kNN candidates", err);
        if (rc == DSE_OK) MPI_Allgather(mine, cnt, MPI_DOUBLE, got, cnt, MPI_DOUBLE, g->row_comm);
        memset(sig, 0, (size_t)L->n * sizeof *sig);
        for (size_t i = 0; rc == DSE_OK && g->mycol == 0 && i < m; ++i) {
            for (int q = 0; q < g->npcol; ++q)
                memcpy(row + (size_t)q * kk, got + (size_t)q * m * kk + i * kk, kk * sizeof *row);
            double v = dse_kernel_kth_smallest(row, all, kk - 1);
            sig[L->grow[i]] = sqrt(v > 0.0 ? v : 0.0);
        }
        MPI_Allreduce(MPI_IN_PLACE, sig, L->n, MPI_DOUBLE, MPI_SUM, g->comm);
    }
    free(mine);
    free(got);
    free(row);
    return rc;
}

/* Collective on g. A (a copy of the squared distances) becomes rule's
 * kernel of `kind`; `median` is the data's median distance. */
static int dist_apply_rule(const dse_group_t *g, const dse_layout_t *L, size_t d, const double *D2,
                           const dse_sigma_rule_t *rule, double median, dse_kernel_kind_t kind,
                           double *A, dse_sigma_used_t *used, dse_dist_stats_t *st, dse_err_t *err)
{
    size_t m = (size_t)L->mloc, k = (size_t)L->nloc, ld = m > 1 ? m : 1;
    if (rule->kind == DSE_SIGMA_KNN) {
        double *sig = DSE_MALLOC((size_t)L->n + 1, sizeof *sig, err);
        double *sr = sig ? DSE_MALLOC(m + 1, sizeof *sr, err) : NULL;
        double *sc = sr ? DSE_MALLOC(k + 1, sizeof *sc, err) : NULL;
        int rc = dse_group_agree(g, sc ? DSE_OK : err->code, err);
        if (rc == DSE_OK) rc = dist_knn_sigma(g, L, D2, rule->k, sig, err);
        if (rc == DSE_OK) *used = dse_kernel_sigma_summary((size_t)L->n, sig, err);
        if (rc == DSE_OK && !(used->lo > 0.0))
            rc = DSE_RAISE(err, DSE_EVALUE,
                           "knn:%d gives sigma = 0 for some sample (more than %d duplicates)",
                           rule->k, rule->k);
        for (size_t i = 0; rc == DSE_OK && i < m; ++i)
            sr[i] = sig[L->grow[i]];
        for (size_t j = 0; rc == DSE_OK && j < k; ++j)
            sc[j] = sig[L->gcol[j]];
        if (rc == DSE_OK) dse_kernel_gaussian_pp_block(m, k, A, ld, sr, sc);
        free(sig);
        free(sr);
        free(sc);
        rc = dse_group_agree(g, rc, err);
        if (rc == DSE_OK && kind == DSE_KERNEL_ANISOTROPIC) rc = dist_normalise(g, L, A, st, err);
        return rc;
    }
    double sigma;
    DSE_TRY(dse_kernel_rule_sigma(rule, d, median, &sigma, err));
    *used = (dse_sigma_used_t){sigma, sigma, sigma};
    dse_kernel_gaussian_block(m, k, A, ld, sigma);
    if (kind == DSE_KERNEL_ANISOTROPIC) DSE_TRY(dist_normalise(g, L, A, st, err));
    return DSE_OK;
}

/* Called with rule r's local kernel block A (destroyable). */
typedef int (*dist_rule_fn)(const dse_group_t *g, const dse_layout_t *L, int r, double *A,
                            const dse_sigma_used_t *used, void *ctx, dse_dist_stats_t *st,
                            dse_err_t *err);

/* Collective on g. One distance computation, then each rule of p's kernel
 * handed to fn. Holds two local blocks when p has several rules. */
static int dist_for_each_rule(const dse_group_t *g, const dse_layout_t *L, size_t d,
                              dse_row_reader_fn read, void *ctx, const dse_sigma_rule_t *rules,
                              int nrules, dse_kernel_kind_t kind, dist_rule_fn fn, void *fctx,
                              dse_dist_stats_t *st, dse_err_t *err)
{
    int R = nrules, need_median = 0;
    for (int r = 0; r < R; ++r)
        need_median |= rules[r].kind == DSE_SIGMA_MEDIAN;
    size_t ld = L->mloc > 1 ? (size_t)L->mloc : 1, cells = ld * (size_t)(L->nloc > 0 ? L->nloc : 1);
    double *D2 = DSE_MALLOC(cells, sizeof *D2, err);
    double *A = D2 && R > 1 ? DSE_MALLOC(cells, sizeof *A, err) : D2;
    if (st) st->bytes_local = cells * 8 * (R > 1 ? 2 : 1);
    int rc = dse_group_agree(g, A ? DSE_OK : err->code, err);
    if (rc == DSE_OK) rc = dist_sqdist(g, L, d, read, ctx, D2, st, err);
    double median = rc == DSE_OK && need_median ? dist_median(g, L, D2) : 0.0;
    for (int r = 0; rc == DSE_OK && r < R; ++r) {
        dse_sigma_used_t used;
        if (A != D2) memcpy(A, D2, cells * sizeof *A);
        rc = dist_apply_rule(g, L, d, D2, &rules[r], median, kind, A, &used, st, err);
        if (rc == DSE_OK) rc = fn(g, L, r, A, &used, fctx, st, err);
    }
    if (A != D2) free(A);
    free(D2);
    return rc;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* pdsyev's (JOBZ 'N') or pdsyevd's (JOBZ 'V': it has no eigenvalues-only
 * mode) workspace, from their own queries. */
static int scalapack_query(dse_eigen_driver_t driver, const dse_layout_t *L, double *A, double *w,
                           double *Z, int *lwork, int *liwork, dse_err_t *err)
{
    int one = 1, info = 0, lw = -1, liw = -1, iwq = 0;
    double wq = 0;
    if (driver == DSE_EIGEN_PDSYEVD)
        pdsyevd_("V", "L", &L->n, A, &one, &one, L->desc, w, Z, &one, &one, L->desc, &wq, &lw, &iwq,
                 &liw, &info, 1, 1);
    else
        pdsyev_("N", "L", &L->n, A, &one, &one, L->desc, w, NULL, &one, &one, L->desc, &wq, &lw,
                &info, 1, 1);
    if (info != 0)
        return DSE_RAISE(err, DSE_ELAPACK, "%s workspace query failed for N = %d (info = %d)",
                         dse_eigen_driver_name(driver), L->n, info);
    *lwork = (int)wq + 1;
    *liwork = iwq > 1 ? iwq : 1;
    if (driver == DSE_EIGEN_PDSYEVD) {
        /* pdsyevd's query omits its final sort (pdlasrt) which needs
         * NP * (NB + NQ) past the 2N pdsyevd keeps: a rank whose last column
         * block is narrow (NQ < NB, e.g. N = 203, NB = 64 on 1 x 4) fails
         * with "PDLASRT parameter 9" on the queried size. */
        double sort = (double)L->mloc * (double)(L->nb + L->nloc) + 2.0 * L->n;
        if (sort + 1 > *lwork) *lwork = (int)sort + 1;
        int isort = 3 * L->n + 2 * L->nb; /* N + 2 (NB + NPCOL), NPCOL <= N */
        if (isort > *liwork) *liwork = isort;
    }
    return DSE_OK;
}

/* Collective on g. pdsyev (eigenvalues only: pdsytrd to tridiagonal form,
 * the O(N^3) part, distributed, then the tridiagonal QR iteration, O(N^2),
 * on every rank) or pdsyevd (divide and conquer, which needs eigenvectors:
 * a second local matrix Z). Not pdsyevr: its MRRR stage returned an exactly
 * zero eigenvalue of a singular K (a duplicated sample) as ~1e-9 on a 1 x 2
 * grid with block size 16, which moved DSE by 3e-8 (`dsesweep tune`'s
 * accuracy check holds that matrix). */
static int scalapack_eigvals(const dse_group_t *g, const dse_layout_t *L, double *A, double *w,
                             dse_eigen_driver_t driver, dse_dist_stats_t *st, dse_err_t *err)
{
    int lwork = 0, liwork = 0, vectors = driver == DSE_EIGEN_PDSYEVD;
    size_t ld = L->mloc > 1 ? (size_t)L->mloc : 1, cols = L->nloc > 0 ? (size_t)L->nloc : 1;
    double *Z = vectors ? DSE_MALLOC(ld * cols, sizeof *Z, err) : NULL;
    int rc = vectors && !Z ? err->code : DSE_OK;
    if (rc == DSE_OK) rc = scalapack_query(driver, L, A, w, Z, &lwork, &liwork, err);
    double *work = rc == DSE_OK ? DSE_MALLOC((size_t)lwork, sizeof *work, err) : NULL;
    int *iwork = work ? DSE_MALLOC((size_t)liwork, sizeof *iwork, err) : NULL;
    if (rc == DSE_OK && !iwork) rc = err->code;
    if (st)
        st->bytes_local += (size_t)lwork * 8 + (size_t)liwork * 4 + (vectors ? ld * cols * 8 : 0);
    rc = dse_group_agree(g, rc, err);
    if (rc == DSE_OK) {
        int one = 1, info = 0;
        if (vectors)
            pdsyevd_("V", "L", &L->n, A, &one, &one, L->desc, w, Z, &one, &one, L->desc, work,
                     &lwork, iwork, &liwork, &info, 1, 1);
        else
            pdsyev_("N", "L", &L->n, A, &one, &one, L->desc, w, NULL, &one, &one, L->desc, work,
                    &lwork, &info, 1, 1);
        if (info != 0)
            rc = DSE_RAISE(err, DSE_ELAPACK, "%s failed on an N = %d matrix (info = %d)%s",
                           dse_eigen_driver_name(driver), L->n, info,
                           info < 0 ? ": bad argument (a bug)" : "");
        rc = dse_group_agree(g, rc, err);
    }
    free(work);
    free(iwork);
    free(Z);
    return rc;
}

/* Collective on g. pssyev (JOBZ 'N') on the float32 rounding of the local
 * block, made in A's memory (precision = float32: its interval comes from
 * docs/bounded.md, not from here). */
static int pssyev_eigvals(const dse_group_t *g, const dse_layout_t *L, double *A, double *w,
                          dse_dist_stats_t *st, dse_err_t *err)
{
    size_t ld = L->mloc > 1 ? (size_t)L->mloc : 1, cols = L->nloc > 0 ? (size_t)L->nloc : 1;
    float *Af = dse_eigen_round_to_float(A, ld * cols), wq = 0;
    float *wf = DSE_MALLOC((size_t)L->n, sizeof *wf, err);
    int one = 1, info = 0, lwork = -1, rc = wf ? DSE_OK : err->code;
    if (rc == DSE_OK) {
        pssyev_("N", "L", &L->n, Af, &one, &one, L->desc, wf, NULL, &one, &one, L->desc, &wq,
                &lwork, &info, 1, 1);
        if (info != 0)
            rc = DSE_RAISE(err, DSE_ELAPACK, "pssyev workspace query failed for N = %d (info = %d)",
                           L->n, info);
    }
    lwork = (int)wq + 1;
    float *work = rc == DSE_OK ? DSE_MALLOC((size_t)lwork, sizeof *work, err) : NULL;
    if (rc == DSE_OK && !work) rc = err->code;
    if (st) st->bytes_local += (size_t)lwork * sizeof(float);
    rc = dse_group_agree(g, rc, err);
    if (rc == DSE_OK) {
        pssyev_("N", "L", &L->n, Af, &one, &one, L->desc, wf, NULL, &one, &one, L->desc, work,
                &lwork, &info, 1, 1);
        if (info != 0)
            rc = DSE_RAISE(err, DSE_ELAPACK, "pssyev failed on an N = %d matrix (info = %d)%s",
                           L->n, info, info < 0 ? ": bad argument (a bug)" : "");
        rc = dse_group_agree(g, rc, err);
    }
    for (int i = 0; rc == DSE_OK && i < L->n; ++i)
        w[i] = wf[i];
    free(work);
    free(wf);
    return rc;
}

dse_eigen_driver_t dse_dist_choose_driver(const dse_group_t *g, size_t n, dse_eigen_driver_t driver)
{
    int ranks = g->size > 1 ? g->size : 2, f32 = dse_eigen_driver_scope(driver) & DSE_EIGEN_FLOAT32;
    /* A one-rank driver named for a group solve takes the tuned group choice
     * of its precision, decided by rank 0. */
    if (!(dse_eigen_driver_scope(driver) & DSE_EIGEN_GROUP))
        driver = f32 ? DSE_EIGEN_FLOAT32_AUTO : DSE_EIGEN_AUTO;
    int d = driver, tuned = driver == DSE_EIGEN_AUTO || driver == DSE_EIGEN_FLOAT32_AUTO;
    if (tuned && g->rank == 0)
        d = f32 ? dse_eigen_float32_driver(driver, n, ranks) : dse_tune_driver(n, ranks, 1);
    if (tuned) MPI_Bcast(&d, 1, MPI_INT, 0, g->comm);
    return (dse_eigen_driver_t)d;
}

int dse_dist_eigvals_kernel(const dse_group_t *g, const dse_layout_t *L, double *A, double *w,
                            dse_eigen_driver_t driver, int elpa_kernel, dse_dist_stats_t *st,
                            dse_err_t *err)
{
    double t0 = wall();
    driver = dse_dist_choose_driver(g, (size_t)L->n, driver);
    int rc = DSE_OK;
    if (driver == DSE_EIGEN_ELPA1 || driver == DSE_EIGEN_ELPA2) {
        dse_elpa_layout_t lay = {L->n,     L->nb,    L->mloc,  L->nloc,
                                 g->nprow, g->npcol, g->myrow, g->mycol};
        int stage = driver == DSE_EIGEN_ELPA1 ? 1 : 2;
        if (st)
            st->bytes_local +=
                (size_t)dse_elpa_workspace_bytes(L->n, L->nb, L->mloc, L->nloc, stage);
        rc = dse_elpa_eigenvalues(g->comm, &lay, A, w, stage, elpa_kernel, err);
    } else if (driver == DSE_EIGEN_DIST_2STAGE) {
        size_t bytes = 0;
        rc = dse_dist_two_stage_eigenvalues(g, L, A, w, &bytes, err);
        if (st) st->bytes_local += bytes;
    } else if (driver == DSE_EIGEN_PSSYEV) {
        rc = pssyev_eigvals(g, L, A, w, st, err);
    } else {
        rc = scalapack_eigvals(g, L, A, w, driver, st, err);
    }
    if (rc == DSE_OK) qsort(w, (size_t)L->n, sizeof *w, cmp_desc);
    if (st) {
        st->t_eigen += wall() - t0;
        st->driver = driver;
    }
    return rc;
}

int dse_dist_eigvals(const dse_group_t *g, const dse_layout_t *L, double *A, double *w,
                     dse_eigen_driver_t driver, dse_dist_stats_t *st, dse_err_t *err)
{
    return dse_dist_eigvals_kernel(g, L, A, w, driver, dse_tune_elpa_kernel(g->size, 1), st, err);
}

/* The eigensolver's workspace, in bytes, as the model of docs/scaling.md
 * (calibrated against pdsyevr's query; pdsyev, now used, asks for less, so
 * the model is an upper bound): the local panel (N * NB) plus O(N) terms. */
static double pdsyevr_workspace_model(size_t n, int nprow, int npcol, int nb)
{
    double np0 = ceil((double)n / nb / nprow) * nb, nq0 = ceil((double)n / nb / npcol) * nb;
    double lwork = 2.0 + 5.0 * n + fmax(18.0 * n, np0 * nq0 + 2.0 * nb * nb) + 4.0 * n;
    double liwork = 12.0 * n + 2.0 * n + 2.0 * (nprow * npcol + 1);
    return 8.0 * lwork + 4.0 * liwork;
}

/* The group eigensolver's workspace per rank, bytes: pdsyev's model above
 * (an upper bound of its query), pdsyevd's plus its eigenvector matrix,
 * ELPA's from elpa.h, dist_2stage's from dist_two_stage.h (its rank 0,
 * chasing on at most each group rank's BLAS threads). */
static double group_workspace(dse_eigen_driver_t driver, size_t n, int nprow, int npcol, int nb)
{
    double mloc = fmin(ceil((double)n / nb / nprow) * nb, (double)n);
    double nloc = fmin(ceil((double)n / nb / npcol) * nb, (double)n);
    switch (driver) {
    case DSE_EIGEN_ELPA1:
    case DSE_EIGEN_ELPA2:
        return dse_elpa_workspace_bytes((int)n, nb, (int)mloc, (int)nloc,
                                        driver == DSE_EIGEN_ELPA1 ? 1 : 2);
    case DSE_EIGEN_DIST_2STAGE:
        return dse_dist_two_stage_workspace_bytes(n, nb, (int)mloc,
                                                  nprow * npcol * dse_tune_blas_threads());
    case DSE_EIGEN_PDSYEVD:
        return pdsyevr_workspace_model(n, nprow, npcol, nb) + 8.0 * mloc * nloc;
    case DSE_EIGEN_PSSYEV: /* float32: half of pdsyev's, and the float eigenvalues */
        return 0.5 * pdsyevr_workspace_model(n, nprow, npcol, nb) + 4.0 * n;
    default:
        return pdsyevr_workspace_model(n, nprow, npcol, nb);
    }
}

size_t dse_dist_bytes_per_rank(size_t n, size_t d, int nprow, int npcol, int nb)
{
    return dse_dist_bytes_per_rank_driver(n, d, nprow, npcol, nb, DSE_EIGEN_AUTO);
}

size_t dse_dist_bytes_per_rank_driver(size_t n, size_t d, int nprow, int npcol, int nb,
                                      dse_eigen_driver_t driver)
{
    if (nb <= 0) nb = 64;
    double shard, matrix, work;
    if (nprow * npcol == 1) {
        matrix = 8.0 * (double)n * (double)n;
        size_t ws = 0;
        dse_err_t e;
        if (dse_eigen_workspace_bytes(n, driver, &ws, &e) != DSE_OK) ws = 8 * 64 * n;
        work = (double)ws;
        shard = 8.0 * (double)n * (double)d;
    } else {
        double mloc = ceil((double)n / nb / nprow) * nb, nloc = ceil((double)n / nb / npcol) * nb;
        mloc = fmin(mloc, (double)n);
        nloc = fmin(nloc, (double)n);
        matrix = 8.0 * mloc * nloc;
        if (driver == DSE_EIGEN_AUTO) driver = dse_tune_driver(n, nprow * npcol, 1);
        if (dse_eigen_driver_scope(driver) & DSE_EIGEN_FLOAT32)
            driver = dse_eigen_float32_driver(driver, n, nprow * npcol);
        work = group_workspace(driver, n, nprow, npcol, nb);
        shard = 8.0 * (nloc + 128.0) * (double)d; /* column shard + one row panel */
    }
    double total = matrix + work + shard + 8.0 * 3.0 * (double)n;
    return total > (double)SIZE_MAX ? SIZE_MAX : (size_t)total;
}

dse_eigen_driver_t dse_dist_driver_for_budget(size_t n, size_t d, int nprow, int npcol, int nb,
                                              size_t budget)
{
    int ranks = nprow * npcol;
    dse_eigen_driver_t best = dse_tune_driver(n, ranks, 1);
    if (ranks == 1) best = dse_eigen_choose(n);
    if (!budget || dse_dist_bytes_per_rank_driver(n, d, nprow, npcol, nb, best) <= budget)
        return best;
    /* The fastest measured candidate that fits; else the one needing least. */
    int scope = ranks > 1 ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK, threads = ranks > 1 ? 1 : 0;
    if (!threads) threads = dse_tune_blas_threads();
    dse_eigen_driver_t fit = DSE_EIGEN_AUTO, least = best;
    double fit_s = 0;
    size_t least_b = dse_dist_bytes_per_rank_driver(n, d, nprow, npcol, nb, best);
    for (int k = DSE_EIGEN_AUTO + 1; k < DSE_EIGEN_DRIVERS; ++k) {
        dse_eigen_driver_t dk = (dse_eigen_driver_t)k;
        if (!(dse_eigen_driver_scope(dk) & scope)) continue;
        double secs = dse_tune_driver_seconds(dk, n, ranks, threads);
        size_t b = dse_dist_bytes_per_rank_driver(n, d, nprow, npcol, nb, dk);
        if (secs <= 0) continue; /* not measured, or rejected */
        if (b < least_b) least = dk, least_b = b;
        if (b <= budget && (fit == DSE_EIGEN_AUTO || secs < fit_s)) fit = dk, fit_s = secs;
    }
    return fit != DSE_EIGEN_AUTO ? fit : least;
}

int dse_dist_group_size(size_t n, size_t d, int nb, size_t budget, int max_ranks)
{
    for (int p = 1; p <= max_ranks; ++p) {
        int r, c;
        dse_group_grid_shape(p, &r, &c);
        dse_eigen_driver_t drv = dse_dist_driver_for_budget(n, d, r, c, nb, budget);
        if (dse_dist_bytes_per_rank_driver(n, d, r, c, nb, drv) <= budget) return p;
    }
    return 0;
}

int dse_dist_choose_group(size_t n, size_t d, int nb, size_t budget, int requested, int available,
                          int *ranks, dse_err_t *err)
{
    if (nb <= 0) nb = 64;
    if (requested != 0) {
        *ranks = requested < 0 || requested > available ? available : requested;
        return DSE_OK;
    }
    *ranks = dse_dist_group_size(n, d, nb, budget, available);
    if (*ranks > 0) return DSE_OK;
    char a[32], b[32];
    int r, c;
    dse_group_grid_shape(available, &r, &c);
    return DSE_RAISE(
        err, DSE_ENOMEM,
        "N = %zu needs %s per rank even on all %d ranks; the budget is %s per rank "
        "(use more ranks or a smaller max_N)",
        n,
        dse_format_bytes((double)dse_dist_bytes_per_rank_driver(
                             n, d, r, c, nb, dse_dist_driver_for_budget(n, d, r, c, nb, budget)),
                         a, sizeof a),
        available, dse_format_bytes((double)budget, b, sizeof b));
}

/* Collective on g. AUTO becomes the fastest driver that fits the budget
 * (dse_dist_driver_for_budget), decided by the group's rank 0; a named
 * driver of the wrong scope becomes AUTO's choice the same way. */
static dse_eigen_driver_t budget_driver(const dse_group_t *g, size_t n, size_t d, int nb,
                                        size_t budget, dse_eigen_driver_t driver)
{
    int scope = g->size > 1 ? DSE_EIGEN_GROUP : DSE_EIGEN_ONE_RANK;
    if (dse_eigen_driver_scope(driver) & DSE_EIGEN_FLOAT32) /* float32: its driver for the scope */
        return dse_eigen_float32_driver(driver, n, g->size);
    if (driver != DSE_EIGEN_AUTO && (dse_eigen_driver_scope(driver) & scope)) return driver;
    int dv = dse_dist_driver_for_budget(n, d, g->nprow, g->npcol, nb, budget);
    if (g->size > 1) MPI_Bcast(&dv, 1, MPI_INT, 0, g->comm);
    return (dse_eigen_driver_t)dv;
}

/* Refuses, with the figures, a problem over the per-rank budget. */
static int check_dist_budget(const dse_group_t *g, size_t n, size_t need, size_t budget,
                             dse_err_t *err)
{
    if (!budget || need <= budget) return DSE_OK;
    char a[32], b[32];
    return DSE_RAISE(err, DSE_ENOMEM,
                     "N = %zu needs %s per rank on %d rank(s) (%d x %d grid) but the budget "
                     "is %s per rank",
                     n, dse_format_bytes((double)need, a, sizeof a), g->size, g->nprow, g->npcol,
                     dse_format_bytes((double)budget, b, sizeof b));
}

/* Reads positions 0..n-1 on this rank (the one-rank paths). */
static int read_all(dse_row_reader_fn read, void *ctx, size_t n, size_t d, double **z,
                    dse_err_t *err)
{
    size_t *pos = DSE_MALLOC(n + 1, sizeof *pos, err);
    if (!pos) return err->code;
    for (size_t i = 0; i < n; ++i)
        pos[i] = i;
    int rc = read_positions(read, ctx, pos, n, d, z, err);
    free(pos);
    return rc;
}

/* Zeroes st (may be NULL) and records the grid and block size. */
static void stats_start(dse_dist_stats_t *st, const dse_group_t *g, int nb)
{
    if (!st) return;
    memset(st, 0, sizeof *st);
    st->nprow = g->nprow;
    st->npcol = g->npcol;
    st->nb = nb;
}

int dse_dist_spectrum(const dse_group_t *g, size_t n, size_t d, dse_row_reader_fn read, void *ctx,
                      double sigma, dse_kernel_kind_t kind, dse_eigen_driver_t driver, int nb,
                      size_t budget, double *w, dse_dist_stats_t *st, dse_err_t *err)
{
    if (nb <= 0) nb = 64;
    stats_start(st, g, nb);
    driver = budget_driver(g, n, d, nb, budget, driver);
    size_t need = dse_dist_bytes_per_rank_driver(n, d, g->nprow, g->npcol, nb, driver);
    DSE_TRY(check_dist_budget(g, n, need, budget, err));
    if (g->size == 1) {
        /* Serial path: read everything, the one-rank driver chosen by size. */
        double *z = NULL, t0 = wall();
        int rc = read_all(read, ctx, n, d, &z, err);
        if (st) st->t_read = wall() - t0;
        t0 = wall();
        if (rc == DSE_OK) rc = dse_kernel_spectrum(n, d, z, sigma, kind, driver, w, err);
        if (st) {
            st->t_eigen = wall() - t0;
            st->bytes_local = need;
            st->driver = driver == DSE_EIGEN_AUTO ? dse_eigen_choose(n) : driver;
        }
        free(z);
        return rc;
    }
    dse_layout_t L;
    int rc = dse_layout_init(g, n, nb, &L, err);
    size_t ld = L.mloc > 1 ? (size_t)L.mloc : 1;
    double *A =
        rc == DSE_OK ? DSE_MALLOC(ld * (size_t)(L.nloc > 0 ? L.nloc : 1), sizeof *A, err) : NULL;
    if (rc == DSE_OK && !A) rc = err->code;
    if (st) st->bytes_local = ld * (size_t)L.nloc * 8;
    rc = dse_group_agree(g, rc, err);
    if (rc == DSE_OK) rc = dse_dist_kernel(g, &L, d, read, ctx, sigma, kind, A, st, err);
    if (rc == DSE_OK) rc = dse_dist_eigvals(g, &L, A, w, driver, st, err);
    free(A);
    dse_layout_free(&L);
    return rc;
}

/* Collective on g. The entropy of the entries of P = diag(1/rowsum K) K from
 * the local block A of K and the full row sums rs of its local rows. */
static double entry_entropy(const dse_group_t *g, const dse_layout_t *L, const double *A,
                            const double *rs)
{
    size_t m = (size_t)L->mloc, k = (size_t)L->nloc, ld = m > 1 ? m : 1;
    double total = 0, h = 0;
    for (size_t j = 0; j < k; ++j)
        for (size_t i = 0; i < m; ++i)
            total += fabs(A[i + j * ld] / rs[i]);
    MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, g->comm);
    for (size_t j = 0; j < k; ++j)
        for (size_t i = 0; i < m; ++i)
            h += dse_entropy_term(fabs(A[i + j * ld] / rs[i]) / total);
    MPI_Allreduce(MPI_IN_PLACE, &h, 1, MPI_DOUBLE, MPI_SUM, g->comm);
    return h;
}

int dse_dist_matrix_entry(const dse_group_t *g, size_t n, size_t d, dse_row_reader_fn read,
                          void *ctx, double sigma, int nb, double *out, dse_err_t *err)
{
    dse_layout_t L;
    int rc = dse_layout_init(g, n, nb, &L, err);
    size_t m = (size_t)L.mloc, k = (size_t)L.nloc, ld = m > 1 ? m : 1;
    double *A = rc == DSE_OK ? DSE_MALLOC(ld * (k ? k : 1), sizeof *A, err) : NULL;
    double *rs = A ? DSE_MALLOC(m + 1, sizeof *rs, err) : NULL;
    if (rc == DSE_OK && !rs) rc = err->code;
    rc = dse_group_agree(g, rc, err);
    if (rc == DSE_OK)
        rc = dse_dist_kernel(g, &L, d, read, ctx, sigma, DSE_KERNEL_ANISOTROPIC, A, NULL, err);
    if (rc == DSE_OK) {
        reduce_sums(g, &L, A, rs, NULL, NULL); /* P needs the row sums only */
        *out = entry_entropy(g, &L, A, rs);
    }
    free(A);
    free(rs);
    dse_layout_free(&L);
    return rc;
}

typedef struct {
    double *out;
    size_t stride;
    dse_eigen_driver_t driver;
} spectra_ctx_t;

static int spectra_one(const dse_group_t *g, const dse_layout_t *L, int r, double *A,
                       const dse_sigma_used_t *used, void *ctx, dse_dist_stats_t *st,
                       dse_err_t *err)
{
    spectra_ctx_t *c = ctx;
    double *block = c->out + (size_t)r * c->stride;
    DSE_TRY(dse_dist_eigvals(g, L, A, block, c->driver, st, err));
    block[L->n] = used->median;
    block[L->n + 1] = used->lo;
    block[L->n + 2] = used->hi;
    return DSE_OK;
}

/* Bytes of one rank's local block of an n x n matrix on the grid. */
static double local_matrix_bytes(size_t n, int nprow, int npcol, int nb)
{
    double mloc = fmin(ceil((double)n / nb / nprow) * nb, (double)n);
    double nloc = fmin(ceil((double)n / nb / npcol) * nb, (double)n);
    return 8.0 * mloc * nloc;
}

int dse_dist_spectra(const dse_group_t *g, size_t n, size_t d, dse_row_reader_fn read, void *ctx,
                     const dse_sigma_rule_t *rules, int nrules, dse_kernel_kind_t kind,
                     dse_eigen_driver_t driver, int nb, size_t budget, double *out,
                     dse_dist_stats_t *st, dse_err_t *err)
{
    if (nb <= 0) nb = 64;
    stats_start(st, g, nb);
    driver = budget_driver(g, n, d, nb, budget, driver);
    size_t need = dse_dist_bytes_per_rank_driver(n, d, g->nprow, g->npcol, nb, driver);
    if (nrules > 1) /* the distances are kept beside the kernel */
        need += (size_t)local_matrix_bytes(n, g->nprow, g->npcol, nb);
    DSE_TRY(check_dist_budget(g, n, need, budget, err));
    if (g->size == 1) {
        double *z = NULL, t0 = wall();
        int rc = read_all(read, ctx, n, d, &z, err);
        if (st) st->t_read = wall() - t0;
        t0 = wall();
        size_t passes = 0;
        if (rc == DSE_OK)
            rc = dse_kernel_spectra(n, d, z, rules, nrules, kind, driver, out, &passes, err);
        if (st) {
            st->t_eigen = wall() - t0;
            st->bytes_local = need;
            st->distance_passes = passes;
            st->driver = driver == DSE_EIGEN_AUTO ? dse_eigen_choose(n) : driver;
        }
        free(z);
        return rc;
    }
    dse_layout_t L;
    int rc = dse_group_agree(g, dse_layout_init(g, n, nb, &L, err), err);
    spectra_ctx_t c = {out, n + 3, driver};
    if (rc == DSE_OK)
        rc = dist_for_each_rule(g, &L, d, read, ctx, rules, nrules, kind, spectra_one, &c, st, err);
    dse_layout_free(&L);
    return rc;
}

/* Matrix-entry DSE of one rule's local K block into out[4 r] (then the sigma used). */
static int entry_one(const dse_group_t *g, const dse_layout_t *L, int r, double *A,
                     const dse_sigma_used_t *used, void *ctx, dse_dist_stats_t *st, dse_err_t *err)
{
    (void)st;
    double *rs = DSE_MALLOC((size_t)L->mloc + 1, sizeof *rs, err);
    int rc = dse_group_agree(g, rs ? DSE_OK : err->code, err);
    if (rc == DSE_OK) {
        reduce_sums(g, L, A, rs, NULL, NULL); /* P needs the row sums only */
        double *o = (double *)ctx + 4 * (size_t)r;
        o[0] = entry_entropy(g, L, A, rs);
        o[1] = used->median;
        o[2] = used->lo;
        o[3] = used->hi;
    }
    free(rs);
    return rc;
}

int dse_dist_entry_entropies(const dse_group_t *g, size_t n, size_t d, dse_row_reader_fn read,
                             void *ctx, const dse_sigma_rule_t *rules, int nrules, int nb,
                             double *out, dse_err_t *err)
{
    dse_layout_t L;
    int rc = dse_group_agree(g, dse_layout_init(g, n, nb, &L, err), err);
    if (rc == DSE_OK)
        rc = dist_for_each_rule(g, &L, d, read, ctx, rules, nrules, DSE_KERNEL_ANISOTROPIC,
                                entry_one, out, NULL, err);
    dse_layout_free(&L);
    return rc;
}
