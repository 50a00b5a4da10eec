/* quantity.c — the quantity table expanded, and what reads it. */
#include "dsesweep/quantity.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsesweep/entropy.h"
#include "dsesweep/interval.h"
#include "dsesweep/kernel.h"
#include "dsesweep/measure.h"

/* ---- adapters: the existing measures behind dse_quantity_compute_fn ------ */

/* Kernel computations give one block per bandwidth rule (params.h): with
 * n_rules == 0 (one fixed sigma, the default) the block is the values alone,
 * as before rules existed; with rules, each block is followed by the sigma
 * used (median, min, max). */
static size_t rule_extra(const dse_params_t *p)
{
    return p && p->n_rules > 0 ? 3 : 0;
}

static int kernel_spectra(size_t m, size_t d, const double *z, const dse_params_t *p,
                          dse_kernel_kind_t kind, double *out, dse_err_t *err)
{
    if (!rule_extra(p)) return dse_kernel_spectrum(m, d, z, p->sigma, kind, p->driver, out, err);
    dse_sigma_rule_t rules[DSE_SIGMA_MAX_RULES];
    int n = dse_params_rules(p, rules);
    return dse_kernel_spectra(m, d, z, rules, n, kind, p->driver, out, NULL, err);
}

/* precision = float32: every rule's spectrum becomes a float32 block
 * (interval.h) with the proved radius of its order. */
static void mark_float32(const dse_params_t *p, size_t m, double *out)
{
    if (p->precision != DSE_PRECISION_FLOAT32) return;
    size_t per = m + rule_extra(p);
    for (int r = 0; r < dse_params_rule_count(p); ++r)
        dse_interval_mark_float32(out + (size_t)r * per, m, dse_interval_float32_radius(m));
}

/* DSE's spectra: p->driver, or the float32 driver under precision float32. */
static int dse_q_aniso_spectrum(size_t m, size_t d, const double *z, const dse_params_t *p,
                                double *out, dse_err_t *err)
{
    dse_params_t q = *p;
    DSE_TRY(dse_params_dse_driver(p, &q.driver, err));
    DSE_TRY(kernel_spectra(m, d, z, &q, DSE_KERNEL_ANISOTROPIC, out, err));
    mark_float32(p, m, out);
    return DSE_OK;
}

static int dse_q_gauss_spectrum(size_t m, size_t d, const double *z, const dse_params_t *p,
                                double *out, dse_err_t *err)
{
    return kernel_spectra(m, d, z, p, DSE_KERNEL_GAUSSIAN, out, err);
}

typedef struct {
    double *out;
} entry_ctx_t;

static int entry_one(int r, size_t n, double *K, const dse_sigma_used_t *used, void *ctx,
                     dse_err_t *err)
{
    double *o = ((entry_ctx_t *)ctx)->out + 4 * (size_t)r;
    o[1] = used->median;
    o[2] = used->lo;
    o[3] = used->hi;
    return dse_measure_entry_entropy_lower(n, K, o, err);
}

static int dse_q_matrix_entry(size_t m, size_t d, const double *z, const dse_params_t *p,
                              double *out, dse_err_t *err)
{
    if (!rule_extra(p)) return dse_measure_matrix_entry(m, d, z, p->sigma, out, err);
    entry_ctx_t c = {out};
    dse_sigma_rule_t rules[DSE_SIGMA_MAX_RULES];
    int n = dse_params_rules(p, rules);
    return dse_kernel_for_each_rule(m, d, z, rules, n, DSE_KERNEL_ANISOTROPIC, entry_one, &c, NULL,
                                    err);
}

static int dse_q_cse(size_t m, size_t d, const double *z, const dse_params_t *p, double *out,
                     dse_err_t *err)
{
    return dse_measure_cse(m, d, z, p->cse_bins, out, err);
}

static int dse_q_knn_spectrum(size_t m, size_t d, const double *z, const dse_params_t *p,
                              double *out, dse_err_t *err)
{
    return dse_measure_knn_spectrum(m, d, z, p->knn, out, err);
}

static int dse_q_rankme(size_t m, size_t d, const double *z, const dse_params_t *p, double *out,
                        dse_err_t *err)
{
    (void)p;
    return dse_measure_rankme(m, d, z, out, err);
}

static int dse_q_covariance_spectrum(size_t m, size_t d, const double *z, const dse_params_t *p,
                                     double *out, dse_err_t *err)
{
    (void)p;
    return dse_measure_covariance_spectrum(m, d, z, out, err);
}

static int kernel_spectra_dist(const dse_group_t *g, size_t m, size_t d, dse_row_reader_fn read,
                               void *ctx, const dse_params_t *p, dse_kernel_kind_t kind, int nb,
                               size_t budget, double *out, dse_dist_stats_t *stats, dse_err_t *err)
{
    if (!rule_extra(p))
        return dse_dist_spectrum(g, m, d, read, ctx, p->sigma, kind, p->driver, nb, budget, out,
                                 stats, err);
    dse_sigma_rule_t rules[DSE_SIGMA_MAX_RULES];
    int n = dse_params_rules(p, rules);
    return dse_dist_spectra(g, m, d, read, ctx, rules, n, kind, p->driver, nb, budget, out, stats,
                            err);
}

static int dse_q_aniso_spectrum_dist(const dse_group_t *g, size_t m, size_t d,
                                     dse_row_reader_fn read, void *ctx, const dse_params_t *p,
                                     int nb, size_t budget, double *out, dse_dist_stats_t *stats,
                                     dse_err_t *err)
{
    dse_params_t q = *p;
    DSE_TRY(dse_params_dse_driver(p, &q.driver, err));
    DSE_TRY(kernel_spectra_dist(g, m, d, read, ctx, &q, DSE_KERNEL_ANISOTROPIC, nb, budget, out,
                                stats, err));
    mark_float32(p, m, out);
    return DSE_OK;
}

/* The Gaussian spectrum's phases are not reported (stats: the diffusion's). */
static int dse_q_gauss_spectrum_dist(const dse_group_t *g, size_t m, size_t d,
                                     dse_row_reader_fn read, void *ctx, const dse_params_t *p,
                                     int nb, size_t budget, double *out, dse_dist_stats_t *stats,
                                     dse_err_t *err)
{
    (void)stats;
    return kernel_spectra_dist(g, m, d, read, ctx, p, DSE_KERNEL_GAUSSIAN, nb, budget, out, NULL,
                               err);
}

static int dse_q_matrix_entry_dist(const dse_group_t *g, size_t m, size_t d, dse_row_reader_fn read,
                                   void *ctx, const dse_params_t *p, int nb, size_t budget,
                                   double *out, dse_dist_stats_t *stats, dse_err_t *err)
{
    (void)budget;
    (void)stats;
    if (!rule_extra(p)) return dse_dist_matrix_entry(g, m, d, read, ctx, p->sigma, nb, out, err);
    dse_sigma_rule_t rules[DSE_SIGMA_MAX_RULES];
    int n = dse_params_rules(p, rules);
    return dse_dist_entry_entropies(g, m, d, read, ctx, rules, n, nb, out, err);
}

/* ---- finishers ------------------------------------------------------------ */

static double dse_q_finish_value(const double *v, size_t nv, double t, const dse_params_t *p)
{
    (void)nv;
    (void)t;
    (void)p;
    return v[0];
}

static double dse_q_finish_entropy(const double *v, size_t nv, double t, const dse_params_t *p)
{
    (void)t;
    (void)p;
    return dse_entropy_spectral(v, nv, 1.0);
}

/* DSE at t from the diffusion spectrum, or from a bounded block (interval.h). */
static double dse_q_finish_entropy_t(const double *v, size_t nv, double t, const dse_params_t *p)
{
    if (dse_interval_is_bounded(v, nv)) return dse_interval_value(v, nv, t, p ? p->tol : 0.01);
    return dse_entropy_spectral(v, nv, t);
}

/* ASE_anisotropic: DSE's computation at t = 1. */
static double dse_q_finish_aniso(const double *v, size_t nv, double t, const dse_params_t *p)
{
    (void)t;
    return dse_q_finish_entropy_t(v, nv, 1.0, p);
}

static double dse_q_finish_participation(const double *v, size_t nv, double t,
                                         const dse_params_t *p)
{
    (void)t;
    (void)p;
    return dse_measure_participation_ratio(v, nv);
}

static double dse_q_finish_alpha_req(const double *v, size_t nv, double t, const dse_params_t *p)
{
    (void)t;
    (void)p;
    return dse_measure_alpha_req(v, nv);
}

/* ---- the table ------------------------------------------------------------- */

#define ROW_NAME_X_MI(NAME) NAME "_X"
#define ROW_NAME_X_SPECTRAL(NAME) NULL
#define ROW_NAME_X_CLASSIC(NAME) NULL
#define ROW(ID, NAME, FAMILY, USES_T, NEEDS, FROM, SHAPE, COMPUTE, DIST, FINISH, HELP)             \
    {DSE_QID_##ID,                                                                                 \
     NAME,                                                                                         \
     ROW_NAME_X_##FAMILY(NAME),                                                                    \
     HELP,                                                                                         \
     DSE_QFAMILY_##FAMILY,                                                                         \
     USES_T,                                                                                       \
     DSE_QNEEDS_##NEEDS,                                                                           \
     DSE_QID_##FROM,                                                                               \
     DSE_QSHAPE_##SHAPE,                                                                           \
     COMPUTE,                                                                                      \
     DIST,                                                                                         \
     FINISH},
static const dse_quantity_t rows[] = {DSE_QUANTITY_TABLE(ROW)};
#undef ROW

_Static_assert(sizeof rows / sizeof rows[0] == DSE_QID_COUNT, "one row per id");

static const char *const family_names[] = {"spectral", "classic", "mi", "mi_x"};

const dse_quantity_t *dse_quantity_get(dse_quantity_id_t id)
{
    return (unsigned)id < DSE_QID_COUNT ? &rows[id] : NULL;
}

const char *dse_quantity_name(dse_quantity_id_t id)
{
    return (unsigned)id < DSE_QID_COUNT ? rows[id].name : "?";
}

dse_quantity_id_t dse_quantity_basis(dse_quantity_id_t id)
{
    /* The table has no cycles: FROM points to a row that computes, or to one
     * whose FROM does (at most two steps: ASMI_anisotropic -> ASE_anisotropic
     * -> DSE). The bound guards a bad edit of the table. */
    for (int step = 0; step < DSE_QID_COUNT && !rows[id].compute; ++step)
        id = rows[id].from;
    return id;
}

dse_quantity_id_t dse_quantity_source(dse_quantity_id_t id)
{
    return rows[id].family == DSE_QFAMILY_MI ? rows[id].from : id;
}

const char *dse_quantity_family_name(dse_qfamily_t f)
{
    return (unsigned)f < DSE_QFAMILY_COUNT ? family_names[f] : "?";
}

uint64_t dse_quantity_family_bits(dse_qfamily_t f)
{
    switch (f) {
    case DSE_QFAMILY_SPECTRAL:
        return DSE_Q_SPECTRAL;
    case DSE_QFAMILY_CLASSIC:
        return DSE_Q_CLASSIC;
    case DSE_QFAMILY_MI:
    case DSE_QFAMILY_MI_X:
        return DSE_Q_MI_ALL;
    default:
        return DSE_Q_ALL;
    }
}

dse_quantity_id_t dse_quantity_next(uint64_t bits, dse_qfamily_t f, int from)
{
    uint64_t want = bits & dse_quantity_family_bits(f);
    for (int q = from < 0 ? 0 : from; q < DSE_QID_COUNT; ++q)
        if (want & DSE_Q_BIT(q)) return (dse_quantity_id_t)q;
    return DSE_QID_COUNT;
}

const char *dse_quantity_store_name(dse_quantity_id_t id, dse_qfamily_t f)
{
    if ((unsigned)id >= DSE_QID_COUNT) return "?";
    return f == DSE_QFAMILY_MI_X && rows[id].name_x ? rows[id].name_x : rows[id].name;
}

/* ---- models ------------------------------------------------------------------ */

static dse_qshape_t shape_of(dse_quantity_id_t id)
{
    return rows[dse_quantity_basis(id)].shape;
}

/* The values of one rule's block (without the sigma used). */
static size_t block_length(dse_quantity_id_t id, size_t m, size_t d)
{
    switch (shape_of(id)) {
    case DSE_QSHAPE_KERNEL:
    case DSE_QSHAPE_KNN:
        return m;
    case DSE_QSHAPE_COVARIANCE:
        return m >= 2 ? d : 0;
    default:
        return 1;
    }
}

int dse_quantity_uses_sigma(dse_quantity_id_t id)
{
    dse_qshape_t s = shape_of(id);
    return s == DSE_QSHAPE_KERNEL || s == DSE_QSHAPE_PAIRS;
}

size_t dse_quantity_length(dse_quantity_id_t id, size_t m, size_t d, const dse_params_t *p)
{
    size_t b = block_length(id, m, d);
    if (!dse_quantity_uses_sigma(id) || !p) return b;
    return (size_t)dse_params_rule_count(p) * (b + rule_extra(p));
}

/* The block of rule p->rule in v (nv values): its start and length. */
static const double *rule_block(dse_quantity_id_t id, const double *v, size_t *nv,
                                const dse_params_t *p)
{
    if (!dse_quantity_uses_sigma(id) || !p) return v;
    size_t R = (size_t)dse_params_rule_count(p), per = *nv / R;
    size_t r = p->rule >= 0 && (size_t)p->rule < R ? (size_t)p->rule : 0;
    *nv = per - rule_extra(p);
    return v + r * per;
}

int dse_quantity_interval(dse_quantity_id_t id, const double *v, size_t nv, double t,
                          const dse_params_t *p, dse_interval_info_t *out)
{
    dse_quantity_id_t b = dse_quantity_basis(dse_quantity_source(id));
    if (b != DSE_QID_DSE) return 0;
    size_t nb = nv;
    const double *blk = rule_block(b, v, &nb, p);
    return dse_interval_at(blk, nb, dse_quantity_get(id)->uses_t ? t : 1.0, p ? p->tol : 0.01, out);
}

dse_sigma_used_t dse_quantity_sigma_used(dse_quantity_id_t id, const double *v, size_t nv,
                                         const dse_params_t *p)
{
    dse_quantity_id_t b = dse_quantity_basis(dse_quantity_source(id));
    if (!dse_quantity_uses_sigma(b) || !rule_extra(p)) {
        double s = p ? p->sigma : 0;
        return (dse_sigma_used_t){s, s, s};
    }
    size_t nb = nv;
    const double *blk = rule_block(b, v, &nb, p);
    return (dse_sigma_used_t){blk[nb], blk[nb + 1], blk[nb + 2]};
}

static double shape_cost(dse_qshape_t s, double m, double d)
{
    double r = m < d ? m : d;
    switch (s) {
    case DSE_QSHAPE_KERNEL:
        return m * m * m;
    case DSE_QSHAPE_PAIRS:
        return m * m * d;
    case DSE_QSHAPE_KNN:
        return 10 * m * m * m;
    case DSE_QSHAPE_BINS:
        return 20 * m * d;
    case DSE_QSHAPE_THIN:
        return m * d * r + r * r * r;
    case DSE_QSHAPE_COVARIANCE:
        return m * d * d + d * d * d;
    default:
        return 0;
    }
}

/* Peak bytes of a shape's computation above the process's own footprint
 * (DSE_QUANTITY_BASE_BYTES), fitted to the peak RSS that /usr/bin/time -v
 * measured for `dsesweep score` on one rank, one BLAS thread, D = 64, at
 * N = 3000 and 6000 (bench/bench_memory.sh prints model and measurement):
 *   kernel spectrum: the eigenvalue-only solvers touch the lower triangle of
 *     the m x m kernel (4 m^2), plus the rows (8 md) and per-row workspace
 *     (about 6.4 kB per row: distances block, scalings, the solver's own);
 *   kNN adjacency: a general (dgeev) eigensolve of the full m x m matrix
 *     (8 m^2) plus about 2 kB per row of workspace;
 *   binning: the rows and their bin codes (12 md);
 *   thin and covariance: two copies of the rows plus the small r x r or
 *     d x d problem.
 * An MI task is the kernel model of its largest subset. */
static double shape_bytes(dse_qshape_t s, double m, double d)
{
    double r = m < d ? m : d;
    switch (s) {
    case DSE_QSHAPE_KERNEL:
    case DSE_QSHAPE_PAIRS:
        return 4 * m * m + 8 * m * d + 6400 * m;
    case DSE_QSHAPE_KNN:
        return 8 * m * m + 8 * m * d + 2048 * m;
    case DSE_QSHAPE_BINS:
        return 12 * m * d;
    case DSE_QSHAPE_THIN:
        return 16 * m * d + 8 * r * r;
    case DSE_QSHAPE_COVARIANCE:
        return 16 * m * d + 8 * d * d;
    default:
        return 0;
    }
}

double dse_quantity_cost(uint64_t bits, size_t m, size_t d)
{
    return dse_quantity_cost_params(bits, m, d, NULL);
}

double dse_quantity_cost_params(uint64_t bits, size_t m, size_t d, const dse_params_t *p)
{
    uint64_t done = 0;
    double flops = 0;
    DSE_QUANTITY_FOREACH (q, bits, DSE_QFAMILY_COUNT) {
        dse_quantity_id_t b = dse_quantity_basis(q);
        if (done & DSE_Q_BIT(b)) continue;
        done |= DSE_Q_BIT(b);
        double rules = p && dse_quantity_uses_sigma(b) ? dse_params_rule_count(p) : 1;
        flops += rules * shape_cost(rows[b].shape, (double)m, (double)d);
    }
    return flops;
}

double dse_quantity_bytes(uint64_t bits, size_t m, size_t d)
{
    double peak = 0;
    DSE_QUANTITY_FOREACH (q, bits, DSE_QFAMILY_COUNT) {
        double b = shape_bytes(shape_of(q), (double)m, (double)d);
        if (b > peak) peak = b;
    }
    return peak;
}

int dse_quantity_distributable(uint64_t bits)
{
    DSE_QUANTITY_FOREACH (q, bits, DSE_QFAMILY_COUNT)
        if (rows[dse_quantity_basis(q)].dist) return 1;
    return 0;
}

/* ---- evaluating ---------------------------------------------------------------- */

int dse_quantity_evaluate(dse_quantity_id_t id, size_t m, size_t d, const double *z,
                          const dse_params_t *p, double **values, size_t *nvalues, dse_err_t *err)
{
    *values = NULL;
    *nvalues = 0;
    if ((unsigned)id >= DSE_QID_COUNT)
        return DSE_RAISE(err, DSE_EUSAGE, "unknown quantity id %d", (int)id);
    dse_quantity_id_t b = dse_quantity_basis(id);
    size_t nv = dse_quantity_length(b, m, d, p);
    double *v = DSE_MALLOC(nv + 1, sizeof *v, err);
    if (!v) return err->code;
    int rc = rows[b].compute(m, d, z, p, v, err);
    if (rc != DSE_OK) {
        free(v);
        return rc;
    }
    *values = v;
    *nvalues = nv;
    return DSE_OK;
}

double dse_quantity_finish(dse_quantity_id_t id, const double *v, size_t nv, double t,
                           const dse_params_t *p)
{
    const dse_quantity_t *q = &rows[dse_quantity_source(id)];
    v = rule_block(dse_quantity_basis(q->id), v, &nv, p);
    return q->finish(v, nv, q->uses_t ? t : 1.0, p);
}

/* ---- names in and out -------------------------------------------------------------- */

char *dse_quantity_known(char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "all");
    for (int q = 0; q < DSE_QID_COUNT && len < size; ++q)
        len += (size_t)snprintf(buf + len, size - len, ", %s", rows[q].name);
    return buf;
}

/* Trims blanks around tok in place. */
static char *trim(char *tok)
{
    while (*tok == ' ' || *tok == '\t')
        tok++;
    for (size_t n = strlen(tok); n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'); --n)
        tok[n - 1] = '\0';
    return tok;
}

/* The bits of one name; 0 when unknown. */
static uint64_t bits_of(const char *name)
{
    if (strcasecmp(name, "all") == 0) return DSE_Q_ALL;
    for (int q = 0; q < DSE_QID_COUNT; ++q)
        if (strcasecmp(name, rows[q].name) == 0) return DSE_Q_BIT(q);
    return 0;
}

int dse_quantity_parse(const char *list, uint64_t *bits, dse_err_t *err)
{
    *bits = 0;
    char *copy = DSE_MALLOC(strlen(list) + 1, 1, err), *save = NULL;
    if (!copy) return err->code;
    memcpy(copy, list, strlen(list) + 1);
    int rc = DSE_OK;
    for (char *tok = strtok_r(copy, ",", &save); tok && rc == DSE_OK;
         tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        uint64_t b = bits_of(tok);
        if (b == 0) {
            char known[1024];
            rc = DSE_RAISE(err, DSE_EUSAGE, "unknown quantity '%s' (known: %s)", tok,
                           dse_quantity_known(known, sizeof known));
        }
        *bits |= b;
    }
    free(copy);
    if (rc == DSE_OK && *bits == 0) rc = DSE_RAISE(err, DSE_EUSAGE, "no quantity selected");
    return rc;
}

void dse_quantity_print_help(FILE *out, int indent)
{
    for (int q = 0; q < DSE_QID_COUNT; ++q) {
        const dse_quantity_t *r = &rows[q];
        fprintf(out, "%*s%-20s %-8s %s%s%s\n", indent, "", r->name, family_names[r->family],
                r->help, r->uses_t ? " (per t)" : "",
                r->needs == DSE_QNEEDS_CATEGORIES ? " [needs --labels or --reference]" : "");
    }
}
