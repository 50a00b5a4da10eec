"""score, dse, dsmi and spectrum: thin calls of dse_capi_score (capi.h)."""
import numpy as np

from ._capi import MSG_CAP, ffi, lib


class Error(Exception):
    """A failure of the engine, with its one-line message."""


def version():
    """The C library's version string."""
    return ffi.string(lib.dse_capi_version()).decode()


def _setting_text(value):
    """A keyword's value as the config writes it: lists comma-separated."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ",".join(_setting_text(v) for v in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


class _Array:
    """A numpy array described for the C API (the array is kept alive here)."""

    def __init__(self, value, name):
        self.array = np.asarray(value)
        a = self.array
        self.name = ffi.new("char[]", name.encode())
        self.typestr = ffi.new("char[]", a.dtype.str.encode())
        self.c = ffi.new("dse_capi_array_t *")
        self.c.data = ffi.cast("const void *", a.ctypes.data)
        self.c.typestr = self.typestr
        self.c.ndim = a.ndim
        for axis in range(min(a.ndim, 2)):
            self.c.shape[axis] = a.shape[axis]
            self.c.strides[axis] = a.strides[axis]
        self.c.name = self.name


def _target(labels, reference, keep):
    """The dse_capi_target_t for labels or reference (arrays or file specs)."""
    t = ffi.new("dse_capi_target_t *")
    for value, name in ((labels, "labels"), (reference, "reference")):
        if value is None:
            continue
        if isinstance(value, (str, bytes)) or hasattr(value, "__fspath__"):
            spec = ffi.new("char[]", str(value).encode() if not isinstance(value, bytes) else value)
            keep.append(spec)
            setattr(t, name + "_spec", spec)
        else:
            arr = _Array(value, name)
            keep.append(arr)
            setattr(t, name, arr.c)
    return t


def _run(Z, labels, reference, settings):
    """Calls the engine; returns the dse_capi_result_t (caller frees it)."""
    keep = []
    z = _Array(Z, "Z")
    target = _target(labels, reference, keep)
    keys = [ffi.new("char[]", str(k).encode()) for k in settings]
    values = [ffi.new("char[]", _setting_text(v).encode()) for v in settings.values()]
    c_keys = ffi.new("const char *[]", keys + [ffi.NULL])
    c_values = ffi.new("const char *[]", values + [ffi.NULL])
    out = ffi.new("dse_capi_result_t **")
    msg = ffi.new("char[]", MSG_CAP)
    rc = lib.dse_capi_score(z.c, target, c_keys, c_values, len(keys), out, msg, MSG_CAP)
    if rc != 0:
        raise Error(ffi.string(msg).decode(errors="replace"))
    return out


def _collect(out):
    """(values, result fields, spectrum) of a result, then frees it."""
    r = out[0]
    try:
        values = [(ffi.string(r.values[i].quantity).decode(), r.values[i].t, r.values[i].value)
                  for i in range(r.n_values)]
        spec = None
        if r.spectrum_length:
            spec = np.frombuffer(ffi.buffer(r.spectrum, 8 * r.spectrum_length),
                                 dtype=np.float64).copy()
        info = {"sigma": r.sigma, "n": r.n, "d": r.d, "n_used": r.n_used,
                "n_classes": r.n_classes, "seconds": r.seconds}
    finally:
        lib.dse_capi_result_free(out)
    return values, info, spec


def _column(quantity, t):
    """The report's column name: DSE(t=1), CSE."""
    return "%s(t=%g)" % (quantity, t) if t > 0 else quantity


def score(Z, quantities="all", labels=None, reference=None, **settings):
    """Every quantity in `quantities` (a comma list or a list of names, as the
    config's `compute`; default all) for the N x D array Z.

    labels: N integer classes, or N floats binned into n_clusters bins.
    reference: input vectors X (N x D'), clustered into n_clusters groups for
    the MI quantities. Either may also be a file spec, as in a config.
    settings: any config key (sigma=10, t=[1, 2], max_n=10000, seed=0, ...).

    Returns a dict of floats keyed as the report's columns ("DSE(t=1)", "CSE",
    "DSMI(t=2)", ...) plus "sigma" (the bandwidth used) and "n_used" (rows
    after the max_n subsample). The GIL is released while the engine runs."""
    if not isinstance(quantities, str):
        quantities = ",".join(quantities)
    settings = dict(settings, compute=quantities)
    values, info, _ = _collect(_run(Z, labels, reference, settings))
    result = {_column(q, t): v for q, t, v in values}
    result["sigma"] = info["sigma"]
    result["n_used"] = float(info["n_used"])
    return result


def _by_t(values, quantity, t):
    got = {tt: v for q, tt, v in values if q == quantity}
    if np.ndim(t) == 0:
        return got[float(t)]
    return {float(tt): got[float(tt)] for tt in t}


def dse(Z, sigma=10, t=1, max_n=10000, seed=0, **settings):
    """Diffusion Spectral Entropy of Z (N x D) in bits: a float for one t,
    a dict {t: value} for a list of t. Any config key may be added."""
    settings = dict(settings, compute="DSE", sigma=sigma, t=t, max_n=max_n, seed=seed)
    values, _, _ = _collect(_run(Z, None, None, settings))
    return _by_t(values, "DSE", t)


def dsmi(Z, labels=None, reference=None, sigma=10, t=1, max_n=10000, seed=0, **settings):
    """Diffusion Spectral Mutual Information between Z and the labels (or the
    clusters of the reference X) in bits: a float for one t, a dict for a
    list of t. Any config key may be added (repetitions, n_clusters, knn...)."""
    settings = dict(settings, compute="DSMI", sigma=sigma, t=t, max_n=max_n, seed=seed)
    values, _, _ = _collect(_run(Z, labels, reference, settings))
    return _by_t(values, "DSMI", t)


def spectrum(Z, sigma=10, max_n=10000, seed=0, **settings):
    """The eigenvalues of the diffusion matrix K of Z (descending), as a
    float64 numpy array: the spectrum DSE is computed from."""
    settings = dict(settings, compute="DSE", sigma=sigma, max_n=max_n, seed=seed)
    _, _, spec = _collect(_run(Z, None, None, settings))
    return spec
