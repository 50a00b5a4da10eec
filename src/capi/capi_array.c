/* capi_array.c — the C API's arrays: numpy-style descriptions read in place
 * through a row reader, and labels or a vector reference as categories. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "capi_internal.h"
#include "dsesweep/cluster.h"
#include "dsesweep/group.h"
#include "dsesweep/score.h"

/* numpy's typestr ("<f4", "|u1", ">i8", "|b1") as a dse_dtype_t; 0 if unknown. */
static int parse_typestr(const char *s, dse_dtype_t *dt)
{
    if (!s || strlen(s) < 3 || !strchr("<>|=", s[0])) return 0;
    char *end;
    long size = strtol(s + 2, &end, 10);
    if (*end || size < 1 || size > 8) return 0;
    static const struct {
        char kind;
        int size;
        dse_dtype_kind_t k;
    } map[] = {{'f', 2, DSE_DT_F16}, {'f', 4, DSE_DT_F32}, {'f', 8, DSE_DT_F64},
               {'i', 1, DSE_DT_I8},  {'i', 2, DSE_DT_I16}, {'i', 4, DSE_DT_I32},
               {'i', 8, DSE_DT_I64}, {'u', 1, DSE_DT_U8},  {'u', 2, DSE_DT_U16},
               {'u', 4, DSE_DT_U32}, {'u', 8, DSE_DT_U64}, {'b', 1, DSE_DT_BOOL}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; ++i)
        if (map[i].kind == s[1] && map[i].size == size) {
            dt->kind = map[i].k;
            dt->size = (int)size;
            dt->big_endian = s[0] == '>';
            return 1;
        }
    return 0;
}

int capi_rows_init(const dse_capi_array_t *a, int allow_1d, capi_rows_t *r, dse_err_t *err)
{
    memset(r, 0, sizeof *r);
    const char *name = a->name ? a->name : "array";
    if (!parse_typestr(a->typestr, &r->dt))
        return DSE_RAISE(err, DSE_EDTYPE,
                         "%s: dtype '%s' is not supported (float16, float32, float64, integers "
                         "or bool)",
                         name, a->typestr ? a->typestr : "?");
    if (a->ndim == 1 && !allow_1d)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "%s: a 1-D array of shape (%lld,); embeddings must be 2-D, N samples x "
                         "D features (reshape(-1, 1) for one feature)",
                         name, (long long)a->shape[0]);
    if (a->ndim != 1 && a->ndim != 2)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "%s: a %d-D array; it must be 2-D, N samples x D features", name, a->ndim);
    if (a->shape[0] < 0 || (a->ndim == 2 && a->shape[1] < 0))
        return DSE_RAISE(err, DSE_EUSAGE, "%s: negative shape", name);
    r->a = a;
    r->n = (size_t)a->shape[0];
    r->d = a->ndim == 2 ? (size_t)a->shape[1] : 1;
    if (r->n == 0) return DSE_RAISE(err, DSE_EVALUE, "%s: no samples (N = 0)", name);
    if (r->d == 0) return DSE_RAISE(err, DSE_EVALUE, "%s: no features (D = 0)", name);
    if (!a->data) return DSE_RAISE(err, DSE_EUSAGE, "%s: no data pointer", name);
    return DSE_OK;
}

int capi_rows_is_integer(const capi_rows_t *r)
{
    return dse_dtype_is_integer(r->dt);
}

int capi_rows_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err)
{
    const capi_rows_t *r = ctx;
    const dse_capi_array_t *a = r->a;
    int64_t s0 = a->strides[0], s1 = a->ndim == 2 ? a->strides[1] : 0;
    int packed = r->d == 1 || s1 == r->dt.size;
    for (size_t i = 0; i < count; ++i) {
        const uint8_t *row = (const uint8_t *)a->data + (int64_t)pos[i] * s0;
        double *o = out + i * r->d;
        if (packed)
            dse_dtype_to_double(r->dt, row, r->d, o, 1);
        else
            for (size_t j = 0; j < r->d; ++j)
                dse_dtype_to_double(r->dt, row + (int64_t)j * s1, 1, o + j, 1);
        for (size_t j = 0; j < r->d; ++j)
            if (!isfinite(o[j]))
                return DSE_RAISE(err, DSE_EVALUE, "%s: %s at row %zu, column %zu", a->name,
                                 isnan(o[j]) ? "NaN" : "Inf", pos[i], j);
    }
    return DSE_OK;
}

/* Reads every row of r into a malloc'd row-major buffer (*out, caller-owned). */
static int read_all(const capi_rows_t *r, double **out, dse_err_t *err)
{
    *out = NULL;
    size_t *all = DSE_MALLOC(r->n, sizeof *all, err);
    double *buf = all ? DSE_MALLOC(r->n, r->d * sizeof *buf, err) : NULL;
    int rc = buf ? DSE_OK : err->code;
    for (size_t i = 0; rc == DSE_OK && i < r->n; ++i)
        all[i] = i;
    if (rc == DSE_OK) rc = capi_rows_read((void *)r, all, r->n, buf, err);
    free(all);
    if (rc != DSE_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    return DSE_OK;
}

/* Labels in memory: integer kinds are classes, float N or N x 1 values are
 * binned into p->n_clusters bins (as `dsesweep score --labels`). */
static int labels_categories(const dse_capi_array_t *a, size_t n, const char *emb,
                             const dse_params_t *p, dse_categories_t *cat, dse_err_t *err)
{
    capi_rows_t r;
    DSE_TRY(capi_rows_init(a, 1, &r, err));
    if (r.n != n)
        return DSE_RAISE(err, DSE_EVALUE, "%s: %zu labels but %s has %zu rows", a->name, r.n, emb,
                         n);
    if (r.d != 1)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "%s: labels must be N or N x 1 (got N x %zu); pass a vector reference "
                         "as reference=",
                         a->name, r.d);
    int rc;
    if (capi_rows_is_integer(&r)) { /* exact: never through the doubles */
        uint64_t *keys = DSE_MALLOC(n + 1, sizeof *keys, err);
        if (!keys) return err->code;
        for (size_t i = 0; i < n; ++i)
            dse_dtype_to_int_keys(r.dt, (const uint8_t *)a->data + (int64_t)i * a->strides[0], 1,
                                  &keys[i]);
        rc = dse_categories_from_keys(keys, dse_dtype_is_signed(r.dt), n, cat, err);
        free(keys);
    } else {
        double *y = NULL;
        DSE_TRY(read_all(&r, &y, err));
        rc = dse_categories_from_scalars(y, n, p->n_clusters, cat, err);
        free(y);
    }
    if (rc == DSE_OK) rc = dse_categories_check(cat, a->name, err);
    return DSE_PASS(rc, err);
}

/* A vector reference X in memory: spectral clustering into p->n_clusters
 * groups on a kNN graph with k = p->knn (the same steps as
 * dse_cluster_reference, which reads X from a file). */
static int reference_categories(MPI_Comm comm, const dse_capi_array_t *a, size_t n, const char *emb,
                                const dse_params_t *p, dse_categories_t *cat, dse_err_t *err)
{
    capi_rows_t r;
    DSE_TRY(capi_rows_init(a, 1, &r, err));
    size_t k = (size_t)p->knn;
    if (r.n != n)
        return DSE_RAISE(err, DSE_EVALUE, "%s: %zu rows but %s has %zu rows", a->name, r.n, emb, n);
    if (k > n)
        return DSE_RAISE(err, DSE_EVALUE, "%s: %zu samples for a %zu-nearest-neighbour graph",
                         a->name, n, k);
    double *x = NULL;
    DSE_TRY(read_all(&r, &x, err));
    int64_t *knn = DSE_MALLOC(n, k * sizeof *knn, err);
    int32_t *labels = knn ? DSE_MALLOC(n + 1, sizeof *labels, err) : NULL;
    int rc = labels ? DSE_OK : err->code;
    if (rc == DSE_OK) rc = dse_knn_graph(comm, x, n, r.d, k, knn, err);
    if (rc == DSE_OK)
        rc = dse_spectral_labels(knn, n, k, (size_t)p->n_clusters, a->name, labels, err);
    if (rc == DSE_OK) rc = dse_cluster_categories(labels, n, a->name, cat, err);
    free(labels);
    free(knn);
    free(x);
    return DSE_PASS(rc, err);
}

/* A reference X in a file (dse_cluster_reference). */
static int reference_file_categories(MPI_Comm comm, const char *spec, size_t n, const char *emb,
                                     const dse_params_t *p, dse_categories_t *cat, dse_err_t *err)
{
    int32_t *labels = NULL;
    dse_cluster_info_t info;
    DSE_TRY(dse_cluster_reference(comm, spec, n, emb, (size_t)p->knn, (size_t)p->n_clusters,
                                  &labels, &info, err));
    int rc = dse_cluster_categories(labels, n, spec, cat, err);
    free(labels);
    return DSE_PASS(rc, err);
}

int capi_target_categories(MPI_Comm comm, const dse_capi_target_t *t, size_t n, const char *emb,
                           const dse_params_t *p, dse_categories_t *cat, dse_err_t *err)
{
    memset(cat, 0, sizeof *cat);
    if (!t) return DSE_OK;
    int given = !!t->labels + !!t->labels_spec + !!t->reference + !!t->reference_spec;
    if (given > 1)
        return DSE_RAISE(err, DSE_EUSAGE, "labels and reference are alternatives; give one");
    if (t->labels) return DSE_PASS(labels_categories(t->labels, n, emb, p, cat, err), err);
    if (t->labels_spec)
        return DSE_PASS(dse_categories_load(t->labels_spec, n, emb, p->n_clusters, cat, err), err);
    if (t->reference)
        return DSE_PASS(reference_categories(comm, t->reference, n, emb, p, cat, err), err);
    if (t->reference_spec)
        return DSE_PASS(reference_file_categories(comm, t->reference_spec, n, emb, p, cat, err),
                        err);
    return DSE_OK;
}
