/* dist_two_stage.c — distributed dense-to-band reduction, then the band's
 * eigenvalues on one rank's threads (see dist_two_stage.h). */
#include "dsesweep/dist_two_stage.h"

#include <cblas.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blacs.h"
#include "dsesweep/bulge_chase.h"
#include "dsesweep/tune.h"
#include "dsesweep/two_stage.h"

/* The state of the reduction. The panel's QR runs on the process column
 * that owns the panel, in Vd (mloc x kd, the matrix's row distribution; its
 * descriptor's source column follows the panel, so copies between the panel
 * and Vd are local). The update runs on every rank's local blocks, from
 * replicated m x k factors (m rows below the band, k reflectors):
 *   Vg  V, then tau as row m (ld m + 1), summed over the group;
 *   G   [W | V] (ld m), W = X - V (T^T V^T X) / 2, X = Y T;
 *   Yg  Y = A22 V (ld m), summed over the group;
 * and k x k T, S = V^T V, M; per local row (ld mloc): Vl = V, Yl (this
 * rank's part of A22 V over its rows) and Pl = [V | W]. */
typedef struct {
    const dse_group_t *g;
    const dse_layout_t *L;
    int kd, ldv, vdesc[9], lwork;
    double *Vd, *tau, *work;
    double *Vg, *G, *Yg, *T, *S, *M;
    double *Vl, *Yl, *Pl;
} panel_t;

/* First local row (column) whose global (0-based) index is at least `global`. */
static int first_local(const size_t *idx, int count, size_t global)
{
    int lo = 0, hi = count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (idx[mid] < global)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The band's width for order n and block size nb: nb, at most n - 1. */
static int band_width(int n, int nb)
{
    return n > 1 ? (nb < n - 1 ? nb : n - 1) : 0;
}

/* Collective on g. Replicates the panel's V (m x k, made unit lower
 * trapezoidal: pdgeqrf leaves R above its diagonal) and tau in Vg, and
 * forms T of Q = H(1)...H(k) = I - V T V^T from S = V^T V: T(j,j) = tau(j),
 * T(0:j, j) = -tau(j) T(0:j, 0:j) S(0:j, j), LAPACK's dlarft by columns.
 * Every rank computes T from the same numbers the same way. */
static void replicate_reflectors(panel_t *p, int r0, int m, int k, int lo, int mine)
{
    const dse_layout_t *L = p->L;
    size_t ldg = (size_t)m + 1, base = (size_t)r0 - 1;
    memset(p->Vg, 0, sizeof *p->Vg * ldg * (size_t)k);
    if (mine) {
        for (int c = 0; c < k; ++c)
            for (int l = lo; l < L->mloc; ++l)
                p->Vg[(L->grow[l] - base) + c * ldg] = p->Vd[l + (size_t)c * p->ldv];
        if (lo < L->mloc && L->grow[lo] == base) /* tau: from the row that owns row r0 */
            for (int c = 0; c < k; ++c)
                p->Vg[(size_t)m + c * ldg] = p->tau[c];
    }
    MPI_Allreduce(MPI_IN_PLACE, p->Vg, (int)(ldg * (size_t)k), MPI_DOUBLE, MPI_SUM, p->g->comm);
    for (int c = 0; c < k; ++c)
        for (int q = 0; q <= c; ++q)
            p->Vg[q + c * ldg] = q == c ? 1.0 : 0.0;
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, k, m, 1.0, p->Vg, (int)ldg, 0.0, p->S, k);
    for (int j = 0; j < k; ++j) {
        double *tj = p->T + (size_t)j * k, tau = p->Vg[(size_t)m + j * ldg];
        for (int r = 0; r < j; ++r)
            tj[r] = -tau * p->S[r + (size_t)j * k];
        if (j > 0)
            cblas_dtrmv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, j, p->T, k, tj, 1);
        tj[j] = tau;
        for (int r = j + 1; r < k; ++r)
            tj[r] = 0.0;
    }
    for (int c = 0; c < k; ++c) /* V by local row */
        for (int l = lo; l < L->mloc; ++l)
            p->Vl[l + (size_t)c * p->ldv] = p->Vg[(L->grow[l] - base) + c * ldg];
}

/* One local block column of A22: its first local column, width, global
 * column (0-based, relative to A22's first), and its local rows: the
 * diagonal block's first (ld_row; -1 when another process row owns it) and
 * the first below it (tail). */
typedef struct {
    int jl, width, diag, tail;
    size_t col;
} block_col_t;

static block_col_t block_col(const dse_layout_t *L, int jl, size_t base)
{
    block_col_t b = {.jl = jl, .width = L->nloc - jl < L->nb ? L->nloc - jl : L->nb};
    size_t c0 = L->gcol[jl];
    b.col = c0 - base;
    b.diag = first_local(L->grow, L->mloc, c0);
    b.tail = b.diag;
    if (b.diag < L->mloc && L->grow[b.diag] == c0)
        b.tail += b.width; /* the diagonal block is this process row's */
    else
        b.diag = -1;
    return b;
}

/* Collective on g. Y = A22 V from this rank's lower-triangle blocks: each
 * tail block B (below the diagonal) adds B V(cols) to its rows and B^T
 * V(rows) to its columns; each diagonal block its symmetric product. The
 * row parts are gathered by local row (Yl), then everything is summed into
 * Yg over the group. */
static void multiply_trailing(panel_t *p, const double *A, int r0, int m, int k, int lo)
{
    const dse_layout_t *L = p->L;
    size_t lda = L->mloc > 1 ? (size_t)L->mloc : 1, base = (size_t)r0 - 1, ldg = (size_t)m + 1;
    memset(p->Yg, 0, sizeof *p->Yg * (size_t)m * (size_t)k);
    for (int c = 0; c < k; ++c)
        memset(p->Yl + (size_t)c * p->ldv + lo, 0, sizeof *p->Yl * (size_t)(L->mloc - lo));
    for (int jl = first_local(L->gcol, L->nloc, base); jl < L->nloc; jl += L->nb) {
        block_col_t b = block_col(L, jl, base);
        const double *Acol = A + (size_t)jl * lda;
        int rows = L->mloc - b.tail;
        if (b.diag >= 0)
            cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, b.width, k, 1.0, Acol + b.diag,
                        (int)lda, p->Vg + b.col, (int)ldg, 1.0, p->Yg + b.col, m);
        if (rows <= 0) continue;
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, k, b.width, 1.0, Acol + b.tail,
                    (int)lda, p->Vg + b.col, (int)ldg, 1.0, p->Yl + b.tail, p->ldv);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, b.width, k, rows, 1.0, Acol + b.tail,
                    (int)lda, p->Vl + b.tail, p->ldv, 1.0, p->Yg + b.col, m);
    }
    for (int c = 0; c < k; ++c)
        for (int l = lo; l < L->mloc; ++l)
            p->Yg[(L->grow[l] - base) + (size_t)c * m] += p->Yl[l + (size_t)c * p->ldv];
    MPI_Allreduce(MPI_IN_PLACE, p->Yg, m * k, MPI_DOUBLE, MPI_SUM, p->g->comm);
}

/* Local (every rank the same): G = [W | V] with X = Y T, M = T^T V^T X,
 * W = X - V M / 2; then Pl = [V | W] by local row. */
static void form_update(panel_t *p, int r0, int m, int k, int lo)
{
    const dse_layout_t *L = p->L;
    size_t ldg = (size_t)m + 1, base = (size_t)r0 - 1;
    double *W = p->G, *V = p->G + (size_t)m * k;
    cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, m, k, 1.0, p->T,
                k, p->Yg, m);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, m, 1.0, p->Vg, (int)ldg, p->Yg, m,
                0.0, p->M, k);
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, k, k, 1.0, p->T, k,
                p->M, k);
    for (int c = 0; c < k; ++c) {
        memcpy(W + (size_t)c * m, p->Yg + (size_t)c * m, sizeof *W * (size_t)m);
        memcpy(V + (size_t)c * m, p->Vg + (size_t)c * ldg, sizeof *V * (size_t)m);
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, k, k, -0.5, p->Vg, (int)ldg, p->M, k,
                1.0, W, m);
    size_t ldl = (size_t)p->ldv;
    for (int c = 0; c < k; ++c)
        for (int l = lo; l < L->mloc; ++l) {
            size_t q = L->grow[l] - base;
            p->Pl[l + c * ldl] = V[q + (size_t)c * m];
            p->Pl[l + (size_t)(k + c) * ldl] = W[q + (size_t)c * m];
        }
}

/* Local. A22 <- A22 - V W^T - W V^T on this rank's lower-triangle blocks:
 * dsyr2k on a diagonal block, one dgemm of inner size 2k ([V | W] by
 * row times [W | V] by column) below it. */
static void update_trailing(panel_t *p, double *A, int r0, int m, int k)
{
    const dse_layout_t *L = p->L;
    size_t lda = L->mloc > 1 ? (size_t)L->mloc : 1, base = (size_t)r0 - 1;
    const double *W = p->G, *V = p->G + (size_t)m * k;
    for (int jl = first_local(L->gcol, L->nloc, base); jl < L->nloc; jl += L->nb) {
        block_col_t b = block_col(L, jl, base);
        double *Acol = A + (size_t)jl * lda;
        int rows = L->mloc - b.tail;
        if (b.diag >= 0)
            cblas_dsyr2k(CblasColMajor, CblasLower, CblasNoTrans, b.width, k, -1.0, V + b.col, m,
                         W + b.col, m, 1.0, Acol + b.diag, (int)lda);
        if (rows > 0)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, rows, b.width, 2 * k, -1.0,
                        p->Pl + b.tail, p->ldv, p->G + b.col, m, 1.0, Acol + b.tail, (int)lda);
    }
}

/* Collective on g. Reduces A to a band of width kd = nb, panel by panel
 * (the header's step 1); ScaLAPACK's info is returned (0: success). */
static int reduce_to_band(panel_t *p, double *A)
{
    const dse_layout_t *L = p->L;
    const int one = 1, n = L->n, kd = p->kd;
    for (int i = 1; i + kd < n; i += kd) {
        int r0 = i + kd, m = n - r0 + 1, k = m < kd ? m : kd, info = 0;
        int lo = first_local(L->grow, L->mloc, (size_t)(r0 - 1));
        p->vdesc[7] = (i - 1) / L->nb % p->g->npcol; /* CSRC: the panel's process column */
        int mine = p->g->mycol == p->vdesc[7];
        pdlacpy_("A", &m, &kd, A, &r0, &i, L->desc, p->Vd, &r0, &one, p->vdesc, 1);
        pdgeqrf_(&m, &kd, p->Vd, &r0, &one, p->vdesc, p->tau, p->work, &p->lwork, &info);
        if (info != 0) return info;
        pdlacpy_("U", &k, &kd, p->Vd, &r0, &one, p->vdesc, A, &r0, &i, L->desc, 1);
        replicate_reflectors(p, r0, m, k, lo, mine);
        multiply_trailing(p, A, r0, m, k, lo);
        form_update(p, r0, m, k, lo);
        update_trailing(p, A, r0, m, k);
    }
    return 0;
}

/* Local. This rank's entries of the band (rows j..j+kd of column j) into
 * the compact band cb (column j at cb[j (kd + 1)]), zero elsewhere. */
static void pack_band(const dse_layout_t *L, const double *A, int kd, double *cb)
{
    size_t ld = L->mloc > 1 ? (size_t)L->mloc : 1, w = (size_t)kd + 1;
    memset(cb, 0, sizeof *cb * w * (size_t)L->n);
    for (int jl = 0; jl < L->nloc; ++jl) {
        size_t c = L->gcol[jl];
        for (int l = first_local(L->grow, L->mloc, c); l < L->mloc && L->grow[l] <= c + (size_t)kd;
             ++l)
            cb[c * w + (L->grow[l] - c)] = A[l + jl * ld];
    }
}

/* Local. Threads for rank 0's chasing: the group's ranks on its node times
 * their BLAS threads, within rank 0's CPU affinity. */
static int chase_threads(const dse_group_t *g)
{
    int threads = g->node_size * dse_tune_blas_threads();
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < threads)
        threads = CPU_COUNT(&set);
    return threads < 1 ? 1 : threads;
}

/* Collective on g. Broadcasts w from rank 0; the other ranks wait asleep
 * (1 ms naps) so that rank 0's chasing threads have their cores. */
static void broadcast_asleep(const dse_group_t *g, double *w, int n)
{
    MPI_Request req;
    MPI_Ibcast(w, n, MPI_DOUBLE, 0, g->comm, &req);
    int done = 0;
    const struct timespec nap = {0, 1000000};
    for (;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done) break;
        nanosleep(&nap, NULL);
    }
}

/* Doubles every rank allocates for panel width nb (the layout's block
 * size): Vd, Vl, Yl (ld mloc, nb columns each) and Pl (2 nb), tau,
 * pdgeqrf's work (its documented bound NB (Mp0 + Nq0 + NB) at its largest
 * over the panels: Mp0 <= mloc + nb, Nq0 <= kd + nb; its own query answers
 * for one position only), Vg ((n + 1) x nb), G (n x 2 nb), Yg (n x nb), T,
 * S, M (nb x nb) and the compact band ((kd + 1) x n). */
static int geqrf_lwork(int nb, int mloc)
{
    return nb * (mloc + 4 * nb) + 1;
}

static size_t shared_elems(int n, int nb, int mloc)
{
    size_t ldv = mloc > 1 ? (size_t)mloc : 1, kd = (size_t)nb, w1 = (size_t)band_width(n, nb) + 1;
    return 5 * ldv * kd + kd + (size_t)geqrf_lwork(nb, mloc) + 4 * kd * (size_t)n + kd +
           3 * kd * kd + w1 * (size_t)n;
}

/* Bytes rank 0 adds: the band with the chasing's room, the off-diagonal,
 * and the chasing's workspace on `threads` threads. */
static size_t root_bytes(int n, int kd, int threads)
{
    return ((size_t)dse_bulge_chase_ld(kd) + 1) * (size_t)n * sizeof(double) +
           dse_bulge_chase_workspace_bytes((size_t)n, kd, threads, 0);
}

double dse_dist_two_stage_workspace_bytes(size_t n, int nb, int mloc, int threads)
{
    if (nb <= 0) nb = 64;
    return (double)shared_elems((int)n, nb, mloc) * sizeof(double) +
           (double)root_bytes((int)n, band_width((int)n, nb), threads);
}

int dse_dist_two_stage_eigenvalues(const dse_group_t *g, const dse_layout_t *L, double *A,
                                   double *w, size_t *bytes_out, dse_err_t *err)
{
    const int n = L->n, zero = 0;
    const int kd = band_width(n, L->nb);
    panel_t p = {.g = g, .L = L, .kd = L->nb, .ldv = L->mloc > 1 ? L->mloc : 1};
    int info = 0, rc = DSE_OK, threads = chase_threads(g);
    size_t ldv = (size_t)p.ldv, kk = (size_t)p.kd * (size_t)p.kd, w1 = (size_t)kd + 1;
    descinit_(p.vdesc, &L->n, &p.kd, &L->nb, &p.kd, &zero, &zero, &g->ctxt, &p.ldv, &info);
    if (info != 0) rc = DSE_RAISE(err, DSE_EINTERNAL, "descinit failed (info = %d)", info);
    p.lwork = geqrf_lwork(L->nb, L->mloc);
    double *mem = NULL, *band = NULL, *e = NULL;
    size_t kdn = (size_t)p.kd * (size_t)n, elems = shared_elems(n, L->nb, L->mloc);
    if (rc == DSE_OK) mem = DSE_MALLOC(elems, sizeof *mem, err);
    if (rc == DSE_OK && !mem) rc = err->code;
    if (rc == DSE_OK && g->rank == 0) {
        band =
            DSE_MALLOC((size_t)dse_bulge_chase_ld(kd) * (size_t)n + (size_t)n, sizeof *band, err);
        if (!band) rc = err->code;
    }
    rc = dse_group_agree(g, rc, err);
    if (rc == DSE_OK) {
        p.Vd = mem;
        p.Vl = p.Vd + ldv * (size_t)p.kd;
        p.Yl = p.Vl + ldv * (size_t)p.kd;
        p.Pl = p.Yl + ldv * (size_t)p.kd; /* 2 kd columns */
        p.tau = p.Pl + 2 * ldv * (size_t)p.kd;
        p.work = p.tau + p.kd;
        p.Vg = p.work + p.lwork; /* (n + 1) x kd */
        p.G = p.Vg + kdn + (size_t)p.kd;
        p.Yg = p.G + 2 * kdn;
        p.T = p.Yg + kdn;
        p.S = p.T + kk;
        p.M = p.S + kk;
        double *cb = p.M + kk;
        info = reduce_to_band(&p, A);
        if (info != 0)
            rc = DSE_RAISE(err, DSE_ELAPACK, "pdgeqrf failed on an N = %d matrix (info = %d)", n,
                           info);
        rc = dse_group_agree(g, rc, err);
        if (rc == DSE_OK) {
            pack_band(L, A, kd, cb);
            MPI_Reduce(g->rank == 0 ? MPI_IN_PLACE : cb, cb, (int)(w1 * (size_t)n), MPI_DOUBLE,
                       MPI_SUM, 0, g->comm);
            if (g->rank == 0) {
                size_t ldb = (size_t)dse_bulge_chase_ld(kd);
                e = band + ldb * (size_t)n;
                for (size_t j = 0; j < (size_t)n; ++j)
                    memcpy(band + j * ldb, cb + j * w1, sizeof *band * w1);
                rc = dse_two_stage_band_eigenvalues((size_t)n, kd, band, w, e, threads, 0, err);
            }
            broadcast_asleep(g, w, n);
            rc = dse_group_agree(g, rc, err);
        }
    }
    if (bytes_out) /* what was allocated (the chasing's own workspace counted with the band) */
        *bytes_out = (mem ? elems * sizeof(double) : 0) + (band ? root_bytes(n, kd, threads) : 0);
    free(band);
    free(mem);
    return rc;
}
