/* median.c — the exact median pairwise distance, streamed (median.h). */
#include "dsesweep/median.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/group.h"
#include "dsesweep/kernel.h"

enum { PANEL = 256, CHUNK = 2048, NBUCKET = 65536 };

typedef struct {
    MPI_Comm comm;
    int rank, size;
    size_t n, d;
    const double *Z;
    double *norms; /* n: |z_i|^2 */
    size_t *idx;   /* n: 0 .. n-1, the global sample of each row */
    double *block; /* PANEL x CHUNK squared distances */
} stream_t;

/* What a pass does with one block: rows i0 + a, columns j0 + b, only the
 * pairs j < i (each pair once). */
typedef void (*block_fn)(void *ctx, const double *blk, size_t m, size_t k, size_t i0, size_t j0);

/* This rank's share of the pairs: row panels p = rank, rank + size, ...,
 * each against the columns before its end, in chunks of CHUNK columns. */
static int for_each_block(stream_t *s, block_fn fn, void *ctx, dse_err_t *err)
{
    size_t np = (s->n + PANEL - 1) / PANEL;
    for (size_t p = (size_t)s->rank; p < np; p += (size_t)s->size) {
        size_t i0 = p * PANEL, i1 = i0 + PANEL < s->n ? i0 + PANEL : s->n, m = i1 - i0;
        for (size_t j0 = 0; j0 < i1; j0 += CHUNK) {
            size_t j1 = j0 + CHUNK < i1 ? j0 + CHUNK : i1, k = j1 - j0;
            DSE_TRY(dse_kernel_sqdist_block(m, k, s->d, s->Z + i0 * s->d, s->norms + i0,
                                            s->idx + i0, s->Z + j0 * s->d, s->norms + j0,
                                            s->idx + j0, s->block, m, err));
            fn(ctx, s->block, m, k, i0, j0);
        }
    }
    return DSE_OK;
}

/* The first row a of a block starting at row i0 whose pair with column j is
 * counted (j < i0 + a). */
static size_t first_row(size_t i0, size_t j)
{
    return j < i0 ? 0 : j - i0 + 1;
}

/* ---- pass 1: counts below, inside (bucketed) and above a bracket ---------- */

typedef struct {
    double lo, hi, scale;        /* the bracket [lo, hi) and NBUCKET / (hi - lo) */
    uint64_t below, above;       /* pairs under lo, at or over hi */
    uint64_t *hist;              /* NBUCKET counts inside */
    double vmax, in_min, in_max; /* largest of all; smallest and largest inside */
} count_t;

static size_t bucket_of(const count_t *c, double v)
{
    double b = (v - c->lo) * c->scale;
    return b < 0 ? 0 : b >= NBUCKET ? NBUCKET - 1 : (size_t)b;
}

static void count_block(void *ctx, const double *blk, size_t m, size_t k, size_t i0, size_t j0)
{
    count_t *c = ctx;
    for (size_t b = 0; b < k; ++b)
        for (size_t a = first_row(i0, j0 + b); a < m; ++a) {
            double v = blk[a + b * m];
            c->vmax = v > c->vmax ? v : c->vmax;
            if (v < c->lo) {
                c->below++;
            } else if (v >= c->hi) {
                c->above++;
            } else {
                c->hist[bucket_of(c, v)]++;
                c->in_min = v < c->in_min ? v : c->in_min;
                c->in_max = v > c->in_max ? v : c->in_max;
            }
        }
}

/* Collective. Pass 1 over [lo, hi), summed over the ranks. */
static int count_pass(stream_t *s, count_t *c, dse_err_t *err)
{
    c->below = c->above = 0;
    c->vmax = 0;
    c->in_min = INFINITY;
    c->in_max = -INFINITY;
    c->scale = c->hi > c->lo ? NBUCKET / (c->hi - c->lo) : 0;
    memset(c->hist, 0, NBUCKET * sizeof *c->hist);
    int rc = for_each_block(s, count_block, c, err);
    rc = dse_comm_agree(s->comm, rc, err);
    if (rc != DSE_OK) return rc;
    uint64_t n2[2] = {c->below, c->above};
    double mm[3] = {c->vmax, -c->in_min, c->in_max};
    MPI_Allreduce(MPI_IN_PLACE, n2, 2, MPI_UINT64_T, MPI_SUM, s->comm);
    MPI_Allreduce(MPI_IN_PLACE, c->hist, NBUCKET, MPI_UINT64_T, MPI_SUM, s->comm);
    MPI_Allreduce(MPI_IN_PLACE, mm, 3, MPI_DOUBLE, MPI_MAX, s->comm);
    c->below = n2[0];
    c->above = n2[1];
    c->vmax = mm[0];
    c->in_min = -mm[1];
    c->in_max = mm[2];
    return DSE_OK;
}

/* ---- pass 2: the values of buckets b1..b2, gathered on every rank --------- */

typedef struct {
    const count_t *c;
    size_t b1, b2;
    double *v;
    size_t nv, cap;
    int failed;
    dse_err_t *err;
} collect_t;

static void collect_block(void *ctx, const double *blk, size_t m, size_t k, size_t i0, size_t j0)
{
    collect_t *x = ctx;
    for (size_t b = 0; b < k && !x->failed; ++b)
        for (size_t a = first_row(i0, j0 + b); a < m; ++a) {
            double v = blk[a + b * m];
            if (v < x->c->lo || v >= x->c->hi) continue;
            size_t q = bucket_of(x->c, v);
            if (q < x->b1 || q > x->b2) continue;
            if (DSE_GROW(&x->v, x->nv, &x->cap, x->err) != DSE_OK) {
                x->failed = 1;
                return;
            }
            x->v[x->nv++] = v;
        }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Collective. Every value of buckets b1..b2 on every rank, sorted, into
 * *all (caller frees) and *count. */
static int collect_pass(stream_t *s, const count_t *c, size_t b1, size_t b2, double **all,
                        size_t *count, dse_err_t *err)
{
    collect_t x = {c, b1, b2, NULL, 0, 0, 0, err};
    int rc = for_each_block(s, collect_block, &x, err);
    if (rc == DSE_OK && x.failed) rc = err->code;
    int *counts = rc == DSE_OK ? DSE_MALLOC((size_t)s->size, sizeof *counts, err) : NULL;
    int *displs = counts ? DSE_MALLOC((size_t)s->size, sizeof *displs, err) : NULL;
    int mine = 0;
    if (rc == DSE_OK && !displs) rc = err->code;
    if (rc == DSE_OK) rc = dse_to_blas_int(x.nv, &mine, "median candidates", err);
    rc = dse_comm_agree(s->comm, rc, err);
    if (rc == DSE_OK) MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, s->comm);
    size_t total = 0;
    for (int r = 0; rc == DSE_OK && r < s->size; ++r) {
        displs[r] = (int)total;
        total += (size_t)counts[r];
    }
    *all = rc == DSE_OK ? DSE_MALLOC(total + 1, sizeof **all, err) : NULL;
    if (rc == DSE_OK && !*all) rc = err->code;
    rc = dse_comm_agree(s->comm, rc, err);
    if (rc == DSE_OK) {
        MPI_Allgatherv(x.v, mine, MPI_DOUBLE, *all, counts, displs, MPI_DOUBLE, s->comm);
        qsort(*all, total, sizeof **all, cmp_double);
        *count = total;
    }
    free(x.v);
    free(counts);
    free(displs);
    return rc;
}

/* ---- the selection ----------------------------------------------------------- */

/* The bucket holding the pair of 0-based rank r (>= c->below) and the count
 * of pairs before that bucket. */
static size_t bucket_of_rank(const count_t *c, uint64_t r, uint64_t *before)
{
    uint64_t seen = c->below;
    size_t b = 0;
    while (b + 1 < NBUCKET && seen + c->hist[b] <= r)
        seen += c->hist[b++];
    *before = seen;
    return b;
}

/* Collective. The squared distances of 0-based ranks r1 <= r2 (adjacent)
 * into v[0], v[1]. */
static int select_pair(stream_t *s, double guess, uint64_t cap, uint64_t r1, uint64_t r2,
                       double v[2], dse_err_t *err)
{
    uint64_t pairs = (uint64_t)s->n * (uint64_t)(s->n - 1) / 2;
    count_t c = {.lo = 0.25 * guess * guess, .hi = 4 * guess * guess};
    if (!(guess > 0) || !isfinite(guess)) c.hi = INFINITY;
    c.hist = DSE_MALLOC(NBUCKET, sizeof *c.hist, err);
    if (!c.hist) return err->code;
    int rc = DSE_OK;
    for (int iter = 0; rc == DSE_OK; ++iter) {
        if (!isfinite(c.hi)) { /* every distance: first learn the largest */
            c.lo = 0;
            c.hi = DBL_MAX;
            rc = count_pass(s, &c, err);
            c.hi = nextafter(c.vmax, INFINITY);
            if (rc != DSE_OK) break;
        }
        rc = count_pass(s, &c, err);
        if (rc != DSE_OK) break;
        if (r1 < c.below || r2 >= pairs - c.above) { /* the guess missed: all of them */
            c.hi = INFINITY;
            continue;
        }
        if (c.in_min == c.in_max) { /* everything inside is one value */
            v[0] = v[1] = c.in_min;
            break;
        }
        uint64_t before1, before2;
        size_t b1 = bucket_of_rank(&c, r1, &before1), b2 = bucket_of_rank(&c, r2, &before2);
        uint64_t inside = before2 - before1 + c.hist[b2];
        if (inside > cap && iter < 16) { /* too many: bracket those buckets again */
            double w = (c.hi - c.lo) / NBUCKET, lo = c.lo + (double)b1 * w;
            c.hi = c.lo + (double)(b2 + 1) * w;
            c.lo = lo;
            continue;
        }
        double *all = NULL;
        size_t count = 0;
        rc = collect_pass(s, &c, b1, b2, &all, &count, err);
        if (rc == DSE_OK && (r2 - before1 >= count))
            rc = DSE_RAISE(err, DSE_EINTERNAL, "median selection lost pairs (%zu of %llu)", count,
                           (unsigned long long)inside);
        if (rc == DSE_OK) {
            v[0] = all[r1 - before1];
            v[1] = all[r2 - before1];
        }
        free(all);
        break;
    }
    free(c.hist);
    return rc;
}

int dse_median_distance_stream(MPI_Comm comm, size_t n, size_t d, const double *Z, double guess,
                               size_t gather_cap, double *median, dse_err_t *err)
{
    *median = 0.0;
    if (n < 2) return DSE_OK;
    stream_t s = {.comm = comm, .n = n, .d = d, .Z = Z};
    MPI_Comm_rank(comm, &s.rank);
    MPI_Comm_size(comm, &s.size);
    s.norms = DSE_MALLOC(n, sizeof *s.norms, err);
    s.idx = s.norms ? DSE_MALLOC(n, sizeof *s.idx, err) : NULL;
    s.block = s.idx ? DSE_MALLOC((size_t)PANEL * CHUNK, sizeof *s.block, err) : NULL;
    int rc = dse_comm_agree(comm, s.block ? DSE_OK : err->code, err);
    if (rc == DSE_OK) {
        dse_kernel_row_norms(n, d, Z, s.norms);
        for (size_t i = 0; i < n; ++i)
            s.idx[i] = i;
        uint64_t pairs = (uint64_t)n * (uint64_t)(n - 1) / 2;
        uint64_t r2 = pairs / 2, r1 = pairs % 2 ? r2 : r2 - 1;
        double v[2] = {0, 0};
        uint64_t cap = gather_cap ? (uint64_t)gather_cap : DSE_MEDIAN_GATHER_CAP;
        rc = select_pair(&s, guess, cap, r1, r2, v, err);
        if (rc == DSE_OK) *median = pairs % 2 ? sqrt(v[1]) : 0.5 * (sqrt(v[0]) + sqrt(v[1]));
    }
    free(s.norms);
    free(s.idx);
    free(s.block);
    return rc;
}
