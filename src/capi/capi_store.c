/* capi_store.c — the C API's read-only store: one open store handle whose
 * tables give both the tidy rows (export.h, exactly as `dsesweep export
 * --format csv` writes them) and the spectra, so both come from one moment
 * of a store that a run may be writing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi_internal.h"
#include "dsesweep/export.h"
#include "dsesweep/store.h"

struct dse_capi_store {
    dse_store_handle_t *h;
};

/* The handle's rows as export's CSV into the file csv_path. */
static int write_rows(const dse_capi_store_t *s, const char *csv_path, dse_err_t *err)
{
    FILE *out = fopen(csv_path, "w");
    if (!out) return DSE_RAISE(err, DSE_EIO, "%s: cannot create", csv_path);
    int rc = dse_export_write(out, dse_store_tables(s->h), DSE_EXPORT_CSV, 0, err);
    if (rc != DSE_OK) {
        fclose(out);
        return rc == DSE_EIO ? DSE_RAISE(err, DSE_EIO, "%s: write failed", csv_path)
                             : DSE_PASS(rc, err);
    }
    return DSE_PASS(dse_fclose_checked(out, csv_path, err), err);
}

int dse_capi_store_open(const char *path, const char *csv_path, dse_capi_store_t **out, char *msg,
                        size_t msg_cap)
{
    dse_err_t e;
    dse_err_clear(&e);
    dse_err_t *err = &e;
    *out = NULL;
    dse_capi_store_t *s = DSE_CALLOC(1, sizeof *s, err);
    int rc = s ? DSE_OK : err->code;
    pthread_mutex_lock(&capi_call_lock);
    if (rc == DSE_OK) rc = dse_store_open(MPI_COMM_NULL, path, DSE_STORE_READ_ONLY, &s->h, err);
    if (rc == DSE_OK && csv_path) rc = write_rows(s, csv_path, err);
    pthread_mutex_unlock(&capi_call_lock);
    if (rc != DSE_OK) {
        dse_capi_store_close(&s);
        if (msg && msg_cap) snprintf(msg, msg_cap, "%s", e.msg);
        return rc;
    }
    *out = s;
    return DSE_OK;
}

void dse_capi_store_close(dse_capi_store_t **s)
{
    if (!s || !*s) return;
    dse_store_close(&(*s)->h);
    free(*s);
    *s = NULL;
}

size_t dse_capi_store_spectra(const dse_capi_store_t *s)
{
    return dse_store_tables(s->h)->n_spectra;
}

int dse_capi_store_spectrum(const dse_capi_store_t *s, size_t i, const char **run, int64_t *step,
                            const char **path, double *sigma, const double **values,
                            uint64_t *length)
{
    const dse_store_t *t = dse_store_tables(s->h);
    if (i >= t->n_spectra) return DSE_EUSAGE;
    const dse_store_spectrum_t *sp = &t->spectra[i];
    const dse_store_checkpoint_t *c = &t->checkpoints[sp->checkpoint];
    *run = c->run;
    *step = c->step;
    *path = c->path;
    *sigma = sp->sigma;
    *values = sp->values;
    *length = sp->length;
    return DSE_OK;
}
