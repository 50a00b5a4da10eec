/* rows.c — row readers: the engine's one way to ask for samples. */
#include <stdlib.h>
#include <string.h>

#include "dsesweep/source.h"

int dse_source_rows_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err)
{
    dse_source_rows_t *r = ctx;
    if (!r->rows) return dse_source_read_rows(r->src, pos, count, out, err);
    size_t *file_rows = DSE_MALLOC(count ? count : 1, sizeof *file_rows, err);
    if (!file_rows) return err->code;
    for (size_t i = 0; i < count; ++i)
        file_rows[i] = r->rows[pos[i]];
    int rc = dse_source_read_rows(r->src, file_rows, count, out, err);
    free(file_rows);
    return rc;
}

int dse_memory_rows_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err)
{
    (void)err;
    const dse_memory_rows_t *m = ctx;
    for (size_t i = 0; i < count; ++i)
        memcpy(out + i * m->d, m->z + pos[i] * m->d, m->d * sizeof *out);
    return DSE_OK;
}

int dse_mapped_rows_read(void *ctx, const size_t *pos, size_t count, double *out, dse_err_t *err)
{
    dse_mapped_rows_t *m = ctx;
    if (!m->map) return m->read(m->ctx, pos, count, out, err);
    size_t *inner = DSE_MALLOC(count + 1, sizeof *inner, err);
    if (!inner) return err->code;
    for (size_t i = 0; i < count; ++i)
        inner[i] = m->map[pos[i]];
    int rc = m->read(m->ctx, inner, count, out, err);
    free(inner);
    return rc;
}
