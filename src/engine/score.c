/* score.c — all quantities for one embeddings matrix on one rank. */
#include "dsesweep/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsesweep/entropy.h"
#include "dsesweep/measure.h"
#include "dsesweep/source.h"

static const struct {
    unsigned bit;
    const char *name;
} quantity_names[] = {
    {DSE_Q_DSE, "DSE"},
    {DSE_Q_MATRIX_ENTRY, "DSE_matrix_entry"},
    {DSE_Q_CSE, "CSE"},
    {DSE_Q_ASE_GAUSSIAN, "ASE_gaussian"},
    {DSE_Q_ASE_ANISOTROPIC, "ASE_anisotropic"},
    {DSE_Q_ASE_KNN, "ASE_knn"},
    {DSE_Q_RANKME, "RankMe"},
    {DSE_Q_PARTICIPATION, "participation_ratio"},
    {DSE_Q_ALPHA_REQ, "alpha_ReQ"},
    {DSE_Q_DSMI, "DSMI"},
    {DSE_Q_CSMI, "CSMI"},
    {DSE_Q_ASMI_GAUSSIAN, "ASMI_gaussian"},
    {DSE_Q_ASMI_ANISOTROPIC, "ASMI_anisotropic"},
    {DSE_Q_ASMI_KNN, "ASMI_knn"},
};
#define N_QUANTITIES (sizeof quantity_names / sizeof quantity_names[0])

const char *dse_quantity_name(unsigned bit)
{
    for (size_t i = 0; i < N_QUANTITIES; ++i)
        if (quantity_names[i].bit == bit) return quantity_names[i].name;
    return "?";
}

int dse_quantity_parse(const char *list, unsigned *bits, dse_err_t *err)
{
    *bits = 0;
    char *copy = strdup(list), *save = NULL;
    if (!copy) return DSE_RAISE(err, DSE_ENOMEM, "cannot allocate");
    int rc = DSE_OK;
    for (char *tok = strtok_r(copy, ",", &save); tok && rc == DSE_OK;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (strcasecmp(tok, "all") == 0) {
            *bits |= DSE_Q_ALL;
            continue;
        }
        size_t i = 0;
        while (i < N_QUANTITIES && strcasecmp(tok, quantity_names[i].name) != 0)
            i++;
        if (i == N_QUANTITIES)
            rc = DSE_RAISE(err, DSE_EUSAGE,
                           "unknown quantity '%s' (known: all, DSE, DSE_matrix_entry, CSE, "
                           "ASE_gaussian, ASE_anisotropic, ASE_knn, RankMe, participation_ratio, "
                           "alpha_ReQ, DSMI, CSMI, ASMI_gaussian, ASMI_anisotropic, ASMI_knn)",
                           tok);
        else
            *bits |= quantity_names[i].bit;
    }
    free(copy);
    if (rc == DSE_OK && *bits == 0) rc = DSE_RAISE(err, DSE_EUSAGE, "no quantity selected");
    return rc;
}

typedef struct {
    dse_score_t *out;
    size_t cap;
    dse_err_t *err;
} entries_t;

static int push(entries_t *e, const char *quantity, double t, double value)
{
    if (e->out->n_entries == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 32;
        dse_score_entry_t *grown = realloc(e->out->entries, cap * sizeof *grown);
        if (!grown) return DSE_RAISE(e->err, DSE_ENOMEM, "cannot grow the result list");
        e->out->entries = grown;
        e->cap = cap;
    }
    e->out->entries[e->out->n_entries++] = (dse_score_entry_t){quantity, t, value};
    return DSE_OK;
}

/* MI families in the order the results are reported. */
static const struct {
    unsigned bit;
    dse_family_t family;
} mi_families[] = {{DSE_Q_DSMI, DSE_FAMILY_DSE},
                   {DSE_Q_CSMI, DSE_FAMILY_CSE},
                   {DSE_Q_ASMI_GAUSSIAN, DSE_FAMILY_ASE_GAUSSIAN},
                   {DSE_Q_ASMI_ANISOTROPIC, DSE_FAMILY_ASE_ANISOTROPIC},
                   {DSE_Q_ASMI_KNN, DSE_FAMILY_ASE_KNN}};

static int score_single(size_t n, size_t d, const double *Z, const dse_params_t *p, unsigned bits,
                        const double *ts, size_t nt, entries_t *e, dse_err_t *err)
{
    dse_score_t *out = e->out;
    double *eig = NULL;
    int rc = DSE_OK;
    if (bits & (DSE_Q_DSE | DSE_Q_ASE_ANISOTROPIC)) {
        out->spectrum = DSE_MALLOC(n, sizeof *out->spectrum, err);
        if (!out->spectrum) return err->code;
        DSE_TRY(dse_measure_kernel_spectrum(n, d, Z, p->sigma, DSE_KERNEL_ANISOTROPIC, p->driver,
                                            out->spectrum, err));
        for (size_t i = 0; (bits & DSE_Q_DSE) && i < nt; ++i)
            DSE_TRY(push(e, "DSE", ts[i], dse_entropy_spectral(out->spectrum, n, ts[i])));
    }
    if (bits & DSE_Q_MATRIX_ENTRY) {
        double v;
        DSE_TRY(dse_measure_matrix_entry(n, d, Z, p->sigma, &v, err));
        DSE_TRY(push(e, "DSE_matrix_entry", 0, v));
    }
    if (bits & DSE_Q_CSE) {
        double v;
        DSE_TRY(dse_measure_cse(n, d, Z, p->cse_bins, &v, err));
        DSE_TRY(push(e, "CSE", 0, v));
    }
    if (bits & (DSE_Q_ASE_GAUSSIAN | DSE_Q_ASE_KNN)) {
        eig = DSE_MALLOC(n, sizeof *eig, err);
        if (!eig) return err->code;
    }
    if (bits & DSE_Q_ASE_GAUSSIAN) {
        rc = dse_measure_kernel_spectrum(n, d, Z, p->sigma, DSE_KERNEL_GAUSSIAN, p->driver, eig,
                                         err);
        if (rc == DSE_OK) rc = push(e, "ASE_gaussian", 0, dse_entropy_spectral(eig, n, 1.0));
    }
    if (rc == DSE_OK && (bits & DSE_Q_ASE_ANISOTROPIC))
        rc = push(e, "ASE_anisotropic", 0, dse_entropy_spectral(out->spectrum, n, 1.0));
    if (rc == DSE_OK && (bits & DSE_Q_ASE_KNN)) {
        rc = dse_measure_knn_spectrum(n, d, Z, p->knn, eig, err);
        if (rc == DSE_OK) rc = push(e, "ASE_knn", 0, dse_entropy_spectral(eig, n, 1.0));
    }
    free(eig);
    DSE_TRY(rc);
    if (bits & DSE_Q_RANKME) {
        double v;
        DSE_TRY(dse_measure_rankme(n, d, Z, &v, err));
        DSE_TRY(push(e, "RankMe", 0, v));
    }
    if ((bits & (DSE_Q_PARTICIPATION | DSE_Q_ALPHA_REQ)) && n >= 2) {
        double *mu = DSE_MALLOC(d, sizeof *mu, err);
        if (!mu) return err->code;
        rc = dse_measure_covariance_spectrum(n, d, Z, mu, err);
        if (rc == DSE_OK && (bits & DSE_Q_PARTICIPATION))
            rc = push(e, "participation_ratio", 0, dse_measure_participation_ratio(mu, d));
        if (rc == DSE_OK && (bits & DSE_Q_ALPHA_REQ))
            rc = push(e, "alpha_ReQ", 0, dse_measure_alpha_req(mu, d));
        free(mu);
    }
    return rc;
}

int dse_score_matrix(size_t n, size_t d, const double *Z, const dse_categories_t *cat,
                     const dse_params_t *p, unsigned bits, const double *ts, size_t nt,
                     dse_score_t *out, dse_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->d = d;
    entries_t e = {out, 0, err};
    size_t *rows = NULL, used = n;
    DSE_TRY(dse_measure_subsample_rows(n, p->max_n, p->seed, 0, &rows, &used, err));
    out->n_used = used;
    const double *Zs = Z;
    double *gathered = NULL;
    int rc = DSE_OK;
    if (rows) {
        rc = dse_measure_gather_rows(d, Z, rows, used, &gathered, err);
        Zs = gathered;
    }
    free(rows);
    if (rc == DSE_OK) rc = score_single(used, d, Zs, p, bits, ts, nt, &e, err);
    free(gathered);
    if (rc == DSE_OK && cat) {
        out->n_classes = cat->n_classes;
        dse_mi_result_t *res = DSE_CALLOC(nt, sizeof *res, err);
        if (!res) rc = err->code;
        for (size_t m = 0; rc == DSE_OK && m < sizeof mi_families / sizeof mi_families[0]; ++m) {
            if (!(bits & mi_families[m].bit)) continue;
            dse_family_t f = mi_families[m].family;
            size_t nts = dse_family_uses_t(f) ? nt : 1;
            static const double one = 1.0;
            rc = dse_mi_compute(f, n, d, Z, cat, p, nts == nt ? ts : &one, nts, res, err);
            for (size_t i = 0; rc == DSE_OK && i < nts; ++i)
                rc = push(&e, dse_family_mi_name(f), dse_family_uses_t(f) ? ts[i] : 0,
                          res[i].value);
            for (size_t i = 0; i < nts; ++i)
                dse_mi_result_free(&res[i]);
        }
        free(res);
    }
    if (rc != DSE_OK) dse_score_free(out);
    return rc;
}

void dse_score_free(dse_score_t *out)
{
    if (!out) return;
    free(out->entries);
    free(out->spectrum);
    memset(out, 0, sizeof *out);
}

int dse_score_load_categories(const char *spec, size_t n, const char *embeddings_name,
                              const dse_params_t *p, dse_categories_t *cat, dse_err_t *err)
{
    memset(cat, 0, sizeof *cat);
    dse_matrix_t y;
    DSE_TRY(dse_matrix_load(spec, &y, err));
    int rc = DSE_OK;
    if (y.rows != n)
        rc = DSE_RAISE(err, DSE_EVALUE, "%s: %zu labels but %s has %zu rows", spec, y.rows,
                       embeddings_name, n);
    else if (y.cols != 1)
        rc = DSE_RAISE(err, DSE_EUSAGE,
                       "%s: labels must be N or N x 1 (got N x %zu); vector references need "
                       "spectral clustering, which `score` does not do yet",
                       spec, y.cols);
    else if (y.is_integer)
        rc = dse_categories_from_labels(y.data, n, spec, cat, err);
    else
        rc = dse_categories_from_scalars(y.data, n, p->n_clusters, cat, err);
    dse_matrix_free(&y);
    return rc;
}
