/* capi_store.c — the C API's read-only store: the store handle for the
 * spectra, and the rows exactly as `dsesweep export --format csv` writes. */
#include <stdlib.h>
#include <string.h>

#include "../cli/cli.h"
#include "capi_internal.h"
#include "dsesweep/store.h"

struct dse_capi_store {
    dse_store_handle_t *h;
};

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
    if (rc == DSE_OK && csv_path) {
        /* The export command itself, so the rows are its rows. */
        char *argv[] = {"export", (char *)path, "--format", "csv", "--out", (char *)csv_path, NULL};
        if (dse_cli_export(6, argv) != 0)
            rc = DSE_RAISE(err, DSE_EIO, "%s: export to %s failed (its message is on stderr)", path,
                           csv_path);
    }
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
