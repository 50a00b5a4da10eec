/* categories.c — discrete labels and scalar binning into categories. */
#include "dsesweep/categories.h"

#include "dsesweep/source.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double value;
    size_t index;
} keyed_t;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed_t *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int build(const double *y, size_t n, dse_categories_t *cat, dse_err_t *err)
{
    memset(cat, 0, sizeof *cat);
    keyed_t *k = DSE_MALLOC(n, sizeof *k, err);
    if (!k) return err->code;
    for (size_t i = 0; i < n; ++i)
        k[i] = (keyed_t){y[i], i};
    qsort(k, n, sizeof *k, cmp_keyed);
    size_t classes = 0;
    for (size_t i = 0; i < n; ++i)
        if (i == 0 || k[i].value != k[i - 1].value) classes++;
    cat->n = n;
    cat->n_classes = classes;
    cat->class_of = DSE_MALLOC(n, sizeof *cat->class_of, err);
    cat->counts = cat->class_of ? DSE_CALLOC(classes, sizeof *cat->counts, err) : NULL;
    cat->values = cat->counts ? DSE_MALLOC(classes, sizeof *cat->values, err) : NULL;
    if (!cat->values) {
        free(k);
        dse_categories_free(cat);
        return err->code;
    }
    size_t c = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i > 0 && k[i].value != k[i - 1].value) c++;
        cat->values[c] = k[i].value;
        cat->counts[c]++;
        cat->class_of[k[i].index] = c;
    }
    free(k);
    return DSE_OK;
}

typedef struct {
    uint64_t key;
    size_t index;
} int_keyed_t;

static int cmp_int_keyed(const void *a, const void *b)
{
    const int_keyed_t *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

int dse_categories_from_keys(const uint64_t *keys, int is_signed, size_t n, dse_categories_t *cat,
                             dse_err_t *err)
{
    memset(cat, 0, sizeof *cat);
    int_keyed_t *k = DSE_MALLOC(n + 1, sizeof *k, err);
    if (!k) return err->code;
    for (size_t i = 0; i < n; ++i)
        k[i] = (int_keyed_t){keys[i], i};
    qsort(k, n, sizeof *k, cmp_int_keyed);
    size_t classes = 0;
    for (size_t i = 0; i < n; ++i)
        if (i == 0 || k[i].key != k[i - 1].key) classes++;
    cat->n = n;
    cat->n_classes = classes;
    cat->class_of = DSE_MALLOC(n + 1, sizeof *cat->class_of, err);
    cat->counts = cat->class_of ? DSE_CALLOC(classes + 1, sizeof *cat->counts, err) : NULL;
    cat->values = cat->counts ? DSE_MALLOC(classes + 1, sizeof *cat->values, err) : NULL;
    if (!cat->values) {
        free(k);
        dse_categories_free(cat);
        return err->code;
    }
    const uint64_t sign = (uint64_t)1 << 63;
    size_t c = 0;
    for (size_t i = 0; i < n; ++i) {
        if (i > 0 && k[i].key != k[i - 1].key) c++;
        cat->values[c] = is_signed ? (double)(int64_t)(k[i].key ^ sign) : (double)k[i].key;
        cat->counts[c]++;
        cat->class_of[k[i].index] = c;
    }
    free(k);
    return DSE_OK;
}

/* Categories of an open integer-dtype source of n elements, exactly. */
static int from_integer_source(dse_source_t *src, size_t n, dse_categories_t *cat, dse_err_t *err)
{
    uint64_t *keys = DSE_MALLOC(n + 1, sizeof *keys, err);
    int is_signed = 0;
    int rc = keys ? dse_source_read_int_keys(src, keys, &is_signed, err) : DSE_ENOMEM;
    if (rc == DSE_OK) rc = dse_categories_from_keys(keys, is_signed, n, cat, err);
    free(keys);
    return rc;
}

int dse_categories_load(const char *spec, size_t n, const char *what, int n_bins,
                        dse_categories_t *cat, dse_err_t *err)
{
    memset(cat, 0, sizeof *cat);
    dse_source_t *src = NULL;
    DSE_TRY(dse_source_open(spec, &src, err));
    size_t rows = dse_source_rows(src), cols = dse_source_cols(src);
    int rc = DSE_OK;
    double *y = NULL;
    if (n && rows != n)
        rc = DSE_RAISE(err, DSE_EVALUE, "%s: %zu labels but %s has %zu rows", spec, rows,
                       what ? what : "the embeddings", n);
    else if (cols != 1)
        rc = DSE_RAISE(err, DSE_EUSAGE,
                       "%s: labels must be N or N x 1 (got N x %zu); vectors go to the "
                       "reference (spectral clustering)",
                       spec, cols);
    else if (dse_source_is_integer(src)) /* exact: never through the doubles */
        rc = from_integer_source(src, rows, cat, err);
    else if ((rc = dse_source_read_all(src, &y, err)) == DSE_OK)
        rc = dse_categories_from_scalars(y, rows, n_bins, cat, err);
    free(y);
    dse_source_close(&src);
    if (rc == DSE_OK) rc = dse_categories_check(cat, spec, err);
    if (rc != DSE_OK) dse_categories_free(cat);
    return rc;
}

int dse_categories_from_labels(const double *y, size_t n, const char *name, dse_categories_t *cat,
                               dse_err_t *err)
{
    for (size_t i = 0; i < n; ++i)
        if (!isfinite(y[i]) || floor(y[i]) != y[i])
            return DSE_RAISE(err, DSE_EVALUE, "%s: label %zu is %g, not an integer", name, i, y[i]);
    return build(y, n, cat, err);
}

void dse_categories_scalar_bins(const double *y, size_t n, int n_bins, int *bins)
{
    double lo = y[0], hi = y[0];
    for (size_t i = 1; i < n; ++i) {
        lo = y[i] < lo ? y[i] : lo;
        hi = y[i] > hi ? y[i] : hi;
    }
    const double step = 1.0 / n_bins;
    for (size_t i = 0; i < n; ++i) {
        double x = (y[i] - lo) / (hi - lo);
        int b = 0;
        if (isnan(x))
            b = n_bins; /* numpy.digitize puts NaN (constant input) past the last edge */
        else
            while (b < n_bins && (double)b * step <= x)
                b++;
        bins[i] = b;
    }
}

int dse_categories_from_scalars(const double *y, size_t n, int n_bins, dse_categories_t *cat,
                                dse_err_t *err)
{
    if (n_bins < 1) return DSE_RAISE(err, DSE_EUSAGE, "n_clusters must be >= 1 (got %d)", n_bins);
    int *bins = DSE_MALLOC(n, sizeof *bins, err);
    double *as_double = bins ? DSE_MALLOC(n, sizeof *as_double, err) : NULL;
    if (!as_double) {
        free(bins);
        return err->code;
    }
    dse_categories_scalar_bins(y, n, n_bins, bins);
    for (size_t i = 0; i < n; ++i)
        as_double[i] = bins[i];
    int rc = build(as_double, n, cat, err);
    free(as_double);
    free(bins);
    return rc;
}

void dse_categories_free(dse_categories_t *cat)
{
    if (!cat) return;
    free(cat->class_of);
    free(cat->counts);
    free(cat->values);
    memset(cat, 0, sizeof *cat);
}

int dse_categories_check(const dse_categories_t *cat, const char *name, dse_err_t *err)
{
    if (cat->n_classes < 2)
        return DSE_RAISE(err, DSE_EVALUE,
                         "%s: a single class (all %zu labels are %g); mutual information needs at "
                         "least 2 classes",
                         name, cat->n, cat->n_classes ? cat->values[0] : 0.0);
    if (cat->n_classes > cat->n / 2)
        return DSE_RAISE(err, DSE_EVALUE,
                         "%s: %zu classes for %zu samples; classes need 2 samples or more on "
                         "average (continuous values stored as integers?)",
                         name, cat->n_classes, cat->n);
    return DSE_OK;
}
