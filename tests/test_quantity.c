/* test_quantity.c — the quantity table keeps its invariants.
 *
 * - the families partition DSE_Q_ALL, and DSE_Q_ALL has one bit per row;
 * - names are unique, parse back to their own bit, and the "known:" list
 *   names every row; mi_x names are the MI names with "_X";
 * - every MI row is built from a label-free entropy of the same t use, and
 *   shares its basis; every basis owns a computation and a finish;
 * - shared bases count once in the cost; the subsample path and MI agree
 *   through dse_quantity_evaluate / dse_quantity_finish.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dsesweep/mi.h"
#include "dsesweep/quantity.h"

static void test_families(void)
{
    uint64_t all = 0;
    for (int f = DSE_QFAMILY_SPECTRAL; f <= DSE_QFAMILY_MI; ++f) {
        uint64_t b = dse_quantity_family_bits((dse_qfamily_t)f);
        CHECK((all & b) == 0, "family %s overlaps another", dse_quantity_family_name(f));
        all |= b;
    }
    CHECK(all == DSE_Q_ALL, "the families cover every quantity");
    CHECK(DSE_Q_ALL == (DSE_QID_COUNT == 64 ? ~UINT64_C(0) : (UINT64_C(1) << DSE_QID_COUNT) - 1),
          "one bit per row");
    CHECK(dse_quantity_family_bits(DSE_QFAMILY_MI_X) == DSE_Q_MI_ALL, "mi_x runs the MI rows");
    const char *want[] = {"spectral", "classic", "mi", "mi_x"};
    for (int f = 0; f < DSE_QFAMILY_COUNT; ++f)
        CHECK(!strcmp(dse_quantity_family_name(f), want[f]), "store string of family %d", f);
    int n = 0;
    DSE_QUANTITY_FOREACH (q, DSE_Q_ALL, DSE_QFAMILY_COUNT)
        n++;
    CHECK(n == DSE_QID_COUNT, "iteration visits every row (%d of %d)", n, (int)DSE_QID_COUNT);
}

static void test_names(void)
{
    char known[2048];
    dse_quantity_known(known, sizeof known);
    for (int q = 0; q < DSE_QID_COUNT; ++q) {
        const dse_quantity_t *r = dse_quantity_get(q);
        CHECK(r && r->id == (dse_quantity_id_t)q, "row %d is at its id", q);
        uint64_t bits = 0;
        dse_err_t err;
        CHECK(dse_quantity_parse(r->name, &bits, &err) == DSE_OK && bits == DSE_Q_BIT(q),
              "%s parses to its own bit", r->name);
        CHECK(strstr(known, r->name) != NULL, "known list names %s", r->name);
        for (int o = 0; o < q; ++o)
            CHECK(strcmp(dse_quantity_name(o), r->name) != 0, "%s is unique", r->name);
        if (r->family == DSE_QFAMILY_MI) {
            char x[64];
            snprintf(x, sizeof x, "%s_X", r->name);
            CHECK(!strcmp(dse_quantity_store_name(q, DSE_QFAMILY_MI_X), x), "%s", x);
        } else {
            CHECK(r->name_x == NULL, "%s has no mi_x name", r->name);
        }
    }
    CHECK(dse_quantity_get(DSE_QID_COUNT) == NULL, "out of range: NULL");
}

static void test_sources_and_bases(void)
{
    for (int q = 0; q < DSE_QID_COUNT; ++q) {
        const dse_quantity_t *r = dse_quantity_get(q);
        const dse_quantity_t *b = dse_quantity_get(dse_quantity_basis(q));
        CHECK(b->compute != NULL && b->shape != DSE_QSHAPE_SHARED, "%s has a basis", r->name);
        if (r->family == DSE_QFAMILY_MI) {
            const dse_quantity_t *s = dse_quantity_get(dse_quantity_source(q));
            CHECK(s->family != DSE_QFAMILY_MI && s->finish, "%s is built from an entropy", r->name);
            CHECK(s->uses_t == r->uses_t, "%s uses t as %s does", r->name, s->name);
            CHECK(r->needs == DSE_QNEEDS_CATEGORIES, "%s needs categories", r->name);
        } else {
            CHECK(r->finish != NULL && r->needs == DSE_QNEEDS_NOTHING, "%s finishes", r->name);
        }
    }
    CHECK(dse_quantity_basis(DSE_QID_ASE_ANISOTROPIC) == DSE_QID_DSE, "ASE_anisotropic <- DSE");
    CHECK(dse_quantity_basis(DSE_QID_ASMI_ANISOTROPIC) == DSE_QID_DSE, "ASMI_anisotropic <- DSE");
    CHECK(dse_quantity_basis(DSE_QID_ALPHA_REQ) == DSE_QID_PARTICIPATION, "alpha_ReQ <- PR");
    double one = dse_quantity_cost(DSE_Q(DSE), 100, 10);
    CHECK(dse_quantity_cost(DSE_Q(DSE) | DSE_Q(ASE_ANISOTROPIC), 100, 10) == one,
          "a shared basis costs once");
    CHECK(dse_quantity_bytes(DSE_Q(DSE), 100, 10) >= 8.0 * 100 * 100, "kernel bytes");
    CHECK(dse_quantity_distributable(DSE_Q(DSE)) && !dse_quantity_distributable(DSE_Q(CSE)),
          "the kernel spectrum distributes, CSE does not");
}

static void test_evaluate(void)
{
    size_t m = 30, d = 4;
    double *z = malloc(m * d * sizeof *z);
    for (size_t i = 0; i < m * d; ++i)
        z[i] = sin(0.7 * (double)i) + 0.1 * (double)(i % 5);
    dse_params_t p = dse_params_default();
    p.sigma = 1.0;
    double *v = NULL;
    size_t nv = 0;
    dse_err_t err;
    CHECK(dse_quantity_evaluate(DSE_QID_DSMI, m, d, z, &p, &v, &nv, &err) == DSE_OK && nv == m,
          "DSMI evaluates DSE's spectrum");
    double h2 = dse_quantity_finish(DSE_QID_DSMI, v, nv, 2.0, &p);
    CHECK(h2 == dse_quantity_finish(DSE_QID_DSE, v, nv, 2.0, &p), "DSMI finishes as DSE");
    CHECK(dse_quantity_finish(DSE_QID_ASE_ANISOTROPIC, v, nv, 2.0, &p) ==
              dse_quantity_finish(DSE_QID_DSE, v, nv, 1.0, &p),
          "ASE_anisotropic is DSE at t = 1");
    free(v);
    free(z);
}

/* Bandwidth rules in the table: one block of (values, sigma used) per rule,
 * each finished as its own; the cost counts one computation per rule; and
 * DSMI's standard error is sqrt(sum_c p_c^2 s_c^2 / R) of its subset draws. */
static void test_rules_and_se(void)
{
    size_t m = 40, d = 3;
    double *z = malloc(m * d * sizeof *z), y[40];
    for (size_t i = 0; i < m * d; ++i)
        z[i] = cos(0.3 * (double)i) + (double)((i / d) % 4);
    for (size_t i = 0; i < m; ++i)
        y[i] = (double)(i % 4);
    dse_params_t p = dse_params_default(), one = p;
    dse_err_t err;
    CHECK(dse_sigma_parse_list("2,median", &p, &err) == DSE_OK && p.n_rules == 2, "rules");
    CHECK(dse_quantity_length(DSE_QID_DSE, m, d, &p) == 2 * (m + 3), "two blocks of m + 3");
    CHECK(dse_quantity_length(DSE_QID_CSE, m, d, &p) == 1, "CSE has no rule blocks");
    CHECK(dse_quantity_cost_params(DSE_Q(DSE) | DSE_Q(CSE), m, d, &p) ==
              2 * dse_quantity_cost(DSE_Q(DSE), m, d) + dse_quantity_cost(DSE_Q(CSE), m, d),
          "one eigensolve per rule in the cost");
    double *v = NULL, *w = NULL;
    size_t nv = 0, nw = 0;
    CHECK(dse_quantity_evaluate(DSE_QID_DSE, m, d, z, &p, &v, &nv, &err) == DSE_OK, "%s", err.msg);
    one.sigma = 2;
    CHECK(dse_quantity_evaluate(DSE_QID_DSE, m, d, z, &one, &w, &nw, &err) == DSE_OK && nw == m,
          "%s", err.msg);
    CHECK(dse_quantity_finish(DSE_QID_DSE, v, nv, 1.0, &p) ==
              dse_quantity_finish(DSE_QID_DSE, w, nw, 1.0, &one),
          "rule 0 (sigma 2) equals the fixed-sigma path bit for bit");
    p.rule = 1;
    dse_sigma_used_t su = dse_quantity_sigma_used(DSE_QID_DSE, v, nv, &p);
    CHECK(su.median > 0 && su.lo == su.median && su.hi == su.median, "the median rule's sigma");
    p.rule = 0;
    dse_categories_t cat;
    dse_mi_result_t r;
    double t = 1.0;
    CHECK(dse_categories_from_labels(y, m, "y", &cat, &err) == DSE_OK, "%s", err.msg);
    CHECK(dse_mi_compute(DSE_QID_DSMI, m, d, z, &cat, &one, &t, 1, &r, &err) == DSE_OK, "%s",
          err.msg);
    double var = 0;
    for (size_t c = 0; c < r.n_classes; ++c) {
        double pc = (double)cat.counts[c] / (double)m;
        var += pc * pc * r.subset_std[c] * r.subset_std[c] / one.repetitions;
    }
    CHECK(r.se > 0, "DSMI has a standard error");
    CHECK_REL(r.se, sqrt(var), 1e-12, "DSMI se = sqrt(sum p_c^2 s_c^2 / R)");
    dse_mi_result_free(&r);
    dse_categories_free(&cat);
    free(v);
    free(w);
    free(z);
}

int main(void)
{
    test_families();
    test_names();
    test_sources_and_bases();
    test_evaluate();
    test_rules_and_se();
    return check_summary("test_quantity");
}
