/* interval.c — a bounded DSE result in a computation's value slots. */
#include "dsesweep/interval.h"

#include <math.h>

enum { HEAD = 8, PER_T = 4 };
#define MARK (-1.0)

size_t dse_interval_length(size_t nt)
{
    return HEAD + PER_T * nt;
}

int dse_interval_is_bounded(const double *v, size_t nv)
{
    return nv >= HEAD && v[0] == MARK;
}

int dse_interval_encode(const dse_bounded_result_t *r, double tol, int ranks, double *v, size_t nv,
                        dse_err_t *err)
{
    if (nv < dse_interval_length(r->nt))
        return DSE_RAISE(err, DSE_EUSAGE,
                         "the bounded method needs N >= %zu for %zu powers t (N = %zu)",
                         dse_interval_length(r->nt), r->nt, nv);
    v[0] = MARK;
    v[1] = (double)r->k;
    v[2] = (double)(r->products + r->slq_products); /* Lanczos and SLQ block products */
    v[3] = (double)r->storage;
    v[4] = tol;
    v[5] = (double)r->nt;
    v[6] = r->seconds;
    v[7] = (double)ranks;
    for (size_t i = 0; i < r->nt; ++i) {
        double *s = v + HEAD + PER_T * i;
        s[0] = r->t[i];
        s[1] = r->lower[i];
        s[2] = r->upper[i];
        s[3] = r->statistical && r->statistical[i] ? 1.0 : 0.0;
    }
    return DSE_OK;
}

int dse_interval_at(const double *v, size_t nv, double t, dse_interval_info_t *out)
{
    if (!dse_interval_is_bounded(v, nv)) return 0;
    size_t nt = (size_t)v[5];
    if (nt > (nv - HEAD) / PER_T) return 0;
    for (size_t i = 0; i < nt; ++i) {
        const double *s = v + HEAD + PER_T * i;
        if (s[0] != t) continue;
        double tol = v[4];
        *out = (dse_interval_info_t){.lower = s[1],
                                     .upper = s[2],
                                     .statistical = s[3] != 0,
                                     .within_tol = 0.5 * (s[2] - s[1]) <= tol * (1 + 1e-12),
                                     .k = (size_t)v[1],
                                     .products = (size_t)v[2],
                                     .storage = (int)v[3],
                                     .ranks = (int)v[7],
                                     .tol = tol,
                                     .seconds = v[6]};
        return 1;
    }
    return 0;
}

double dse_interval_value(const double *v, size_t nv, double t)
{
    dse_interval_info_t in;
    if (!dse_interval_at(v, nv, t, &in) || !in.within_tol) return NAN;
    return 0.5 * (in.lower + in.upper);
}

const char *dse_interval_storage_text(int storage)
{
    return storage == DSE_BOUNDED_KEPT64   ? "kept in float64"
           : storage == DSE_BOUNDED_KEPT32 ? "kept in float32"
                                           : "rebuilt at every product";
}
