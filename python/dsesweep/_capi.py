"""The C library behind the package: include/dsesweep/capi.h through cffi.

The declarations below mirror capi.h (cffi's ABI mode reads no headers).
cffi releases the GIL around every call into the library, so other Python
threads run while the engine computes.

The library needs Debian's Open MPI, OpenBLAS, parallel HDF5, ScaLAPACK and a
few smaller libraries at run time (RUNTIME_PACKAGES); when one is missing,
the import fails with one line naming its Debian package (RuntimeLibraryError,
an ImportError), not with the loader's OSError.
"""
import os
import re

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

# OpenBLAS's own thread setting (libopenblas.so.0, which the library links):
# the package caps it beside PyTorch (_threads.py).
OPENBLAS_CDEF = """
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
"""

LIBRARY_NAME = "libdsesweep_capi.so"
MSG_CAP = 1024

# The libraries libdsesweep_capi.so needs (`ldd`), by their name up to ".so":
# what they are and the Debian 12 package that holds them. docs/python.md
# lists the same packages.
RUNTIME_PACKAGES = (
    ("libmpi", "Open MPI", "libopenmpi3"),
    ("libopen-rte", "Open MPI", "libopenmpi3"),
    ("libopen-pal", "Open MPI", "libopenmpi3"),
    ("libopenblas", "OpenBLAS", "libopenblas0"),
    ("libblas", "OpenBLAS", "libopenblas0"),
    ("liblapack", "OpenBLAS", "libopenblas0"),
    ("libhdf5_openmpi", "parallel HDF5", "libhdf5-openmpi-103-1"),
    ("libscalapack-openmpi", "ScaLAPACK", "libscalapack-openmpi2.2"),
    ("liblapacke", "LAPACKE", "liblapacke"),
    ("libarpack", "ARPACK", "libarpack2"),
    ("libcjson", "cJSON", "libcjson1"),
    ("libinih", "inih", "libinih1"),
    ("libcsv", "libcsv", "libcsv3"),
    ("libgfortran", "the GNU Fortran runtime", "libgfortran5"),
)


class RuntimeLibraryError(ImportError):
    """A library the package needs cannot be loaded (one line: which, and the
    Debian package to install)."""


def _missing_message(path, error):
    """The one-line message for the loader's error text about path."""
    if not os.path.exists(path):
        return ("dsesweep: the package has no %s at %s; install it with `pip install .` from a "
                "clone (docs/python.md)" % (os.path.basename(path), path))
    found = re.search(r"(lib[A-Za-z0-9_.+-]*?\.so[0-9.]*): ([^:.]+)", error)
    if found and os.path.basename(path) != found.group(1):
        name, reason = found.group(1), found.group(2).strip()
        if reason == "cannot open shared object file":
            reason = "not found"
        for base, what, package in RUNTIME_PACKAGES:
            if name == base + ".so" or name.startswith(base + ".so.") or name.startswith(base + "-"):
                return ("dsesweep needs %s: %s cannot be loaded (%s); install the Debian package "
                        "%s: apt-get install %s" % (what, name, reason, package, package))
        return ("dsesweep: %s, which %s needs, cannot be loaded (%s); `ldd %s` lists what is "
                "missing" % (name, os.path.basename(path), reason, path))
    return "dsesweep: %s cannot be loaded: %s" % (path, error)


def _load():
    """The library next to this file, or the one $DSESWEEP_LIBRARY names.

    RTLD_GLOBAL: Open MPI loads its components as plugins that need the MPI
    library's symbols to be global."""
    path = os.environ.get("DSESWEEP_LIBRARY") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), LIBRARY_NAME)
    try:
        return ffi.dlopen(path, ffi.RTLD_NOW | ffi.RTLD_GLOBAL)
    except OSError as e:
        raise RuntimeLibraryError(_missing_message(path, str(e))) from None


ffi = cffi.FFI()
ffi.cdef(CDEF)
ffi.cdef(OPENBLAS_CDEF)


lib = _load()
