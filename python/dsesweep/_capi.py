"""The C library behind the package: include/dsesweep/capi.h through cffi.

The declarations below mirror capi.h (cffi's ABI mode reads no headers).
cffi releases the GIL around every call into the library, so other Python
threads run while the engine computes.
"""
import os

import cffi

CDEF = """
typedef struct dse_capi_array {
    const void *data;
    const char *typestr;
    int ndim;
    int64_t shape[2];
    int64_t strides[2];
    const char *name;
} dse_capi_array_t;

typedef struct dse_capi_value {
    char quantity[32];
    char sigma_rule[32];
    double t;
    double value;
    double se;
    double sigma, sigma_min, sigma_max;
    char method[8];
    char interval[12];
    double lower, upper;
    uint64_t k, products;
} dse_capi_value_t;

typedef struct dse_capi_result {
    uint64_t n, d, n_used, n_classes;
    int n_rules;
    double sigma;
    double median_distance;
    double seconds;
    size_t n_values;
    dse_capi_value_t *values;
    size_t spectrum_length;
    double *spectrum;
} dse_capi_result_t;

typedef struct dse_capi_target {
    const dse_capi_array_t *labels;
    const char *labels_spec;
    const dse_capi_array_t *reference;
    const char *reference_spec;
} dse_capi_target_t;

int dse_capi_score(const dse_capi_array_t *z, const dse_capi_target_t *target,
                   const char *const *keys, const char *const *values, size_t n_keys,
                   dse_capi_result_t **out, char *msg, size_t msg_cap);
void dse_capi_result_free(dse_capi_result_t **r);

typedef struct dse_capi_store dse_capi_store_t;
int dse_capi_store_open(const char *path, const char *csv_path, dse_capi_store_t **out,
                        char *msg, size_t msg_cap);
void dse_capi_store_close(dse_capi_store_t **s);
size_t dse_capi_store_spectra(const dse_capi_store_t *s);
int dse_capi_store_spectrum(const dse_capi_store_t *s, size_t i, const char **run,
                            int64_t *step, const char **path, double *sigma,
                            const double **values, uint64_t *length);
const char *dse_capi_version(void);
"""

LIBRARY_NAME = "libdsesweep_capi.so"
MSG_CAP = 1024

ffi = cffi.FFI()
ffi.cdef(CDEF)


def _load():
    """The library next to this file, or the one $DSESWEEP_LIBRARY names.

    RTLD_GLOBAL: Open MPI loads its components as plugins that need the MPI
    library's symbols to be global."""
    path = os.environ.get("DSESWEEP_LIBRARY") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), LIBRARY_NAME)
    return ffi.dlopen(path, ffi.RTLD_NOW | ffi.RTLD_GLOBAL)


lib = _load()
