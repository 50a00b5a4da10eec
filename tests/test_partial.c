/* test_partial.c — prints the report's partial and per-family statistics of
 * a CSV, for test_partial.sh to compare with numpy.
 *
 * usage: test_partial FILE.csv FAMILY_REGEX COVARIATE...
 * The CSV has the columns name, x, y and the named covariates (numbers as
 * the metadata reader takes them: "1,014.45" is 1014.45). Prints
 *   partial KIND VALUE LO HI      (KIND pearson or spearman; 2000 resamples, seed 0)
 *   plain KIND VALUE
 *   family NAME N PEARSON SPEARMAN
 * one per line, %.17g. Exit 1 with the error on stderr. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "dsesweep/csv_table.h"
#include "dsesweep/stats.h"

static int column_values(const dse_csv_table_t *t, const char *name, double *out)
{
    long c = dse_csv_column(t, name);
    if (c < 0) return fprintf(stderr, "no column %s\n", name), -1;
    for (size_t i = 0; i < t->n_rows; ++i)
        if (dse_parse_number(dse_csv_cell(t, i, (size_t)c), &out[i]) != 0)
            return fprintf(stderr, "row %zu: %s is not a number\n", i, name), -1;
    return 0;
}

static void print_families(const dse_csv_table_t *t, const char *regex, const double *x,
                           const double *y)
{
    size_t n = t->n_rows, nf = 0, *fam = malloc((n + 1) * sizeof *fam);
    const char **names = malloc((n + 1) * sizeof *names);
    double *fx = malloc((n + 1) * sizeof *fx), *fy = malloc((n + 1) * sizeof *fy);
    char **families = NULL;
    dse_err_t err;
    for (size_t i = 0; i < n; ++i)
        names[i] = dse_csv_cell(t, i, (size_t)dse_csv_column(t, "name"));
    if (dse_families(regex, names, n, fam, &families, &nf, &err) != DSE_OK)
        fprintf(stderr, "%s\n", err.msg);
    for (size_t f = 0; f < nf; ++f) {
        size_t m = 0;
        for (size_t i = 0; i < n; ++i)
            if (fam[i] == f) {
                fx[m] = x[i];
                fy[m++] = y[i];
            }
        printf("family %s %zu %.17g %.17g\n", families[f], m, dse_pearson(fx, fy, m),
               dse_spearman(fx, fy, m));
    }
    dse_families_free(families, nf);
    free(fam);
    free(names);
    free(fx);
    free(fy);
}

int main(int argc, char **argv)
{
    if (argc < 3) return fprintf(stderr, "usage: test_partial FILE.csv REGEX COV...\n"), 2;
    dse_csv_table_t t;
    dse_err_t err;
    if (dse_csv_read(argv[1], &t, &err) != DSE_OK) return fprintf(stderr, "%s\n", err.msg), 1;
    size_t n = t.n_rows, k = (size_t)argc - 3;
    double *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
    double **cov = malloc((k + 1) * sizeof *cov);
    int bad = column_values(&t, "x", x) || column_values(&t, "y", y);
    for (size_t c = 0; c < k; ++c) {
        cov[c] = malloc((n + 1) * sizeof **cov);
        bad = bad || column_values(&t, argv[3 + c], cov[c]);
    }
    for (int kind = 0; !bad && kind < 2; ++kind) {
        double lo, hi,
            r = dse_partial_correlation((dse_correlation_t)kind, x, y, (const double *const *)cov,
                                        k, n);
        dse_partial_bootstrap_interval((dse_correlation_t)kind, x, y, (const double *const *)cov, k,
                                       n, 2000, 0.95, 0, &lo, &hi);
        printf("partial %s %.17g %.17g %.17g\n", dse_correlation_name((dse_correlation_t)kind), r,
               lo, hi);
        printf("plain %s %.17g\n", dse_correlation_name((dse_correlation_t)kind),
               dse_correlation((dse_correlation_t)kind, x, y, n));
    }
    if (!bad) print_families(&t, argv[2], x, y);
    for (size_t c = 0; c < k; ++c)
        free(cov[c]);
    free(cov);
    free(x);
    free(y);
    dse_csv_free(&t);
    return bad;
}
