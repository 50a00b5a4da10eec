"""score, dse, dsmi and spectrum: thin calls of dse_capi_score (capi.h)."""
import warnings

import numpy as np

from ._capi import MSG_CAP, ffi, lib
from ._threads import blas_limit


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
    with blas_limit():  # OpenBLAS threads x torch threads <= cores (_threads.py)
        rc = lib.dse_capi_score(z.c, target, c_keys, c_values, len(keys), out, msg, MSG_CAP)
    if rc != 0:
        raise Error(ffi.string(msg).decode(errors="replace"))
    return out


class _Value:
    """One value of the engine (a dse_capi_value_t read into Python)."""
    __slots__ = ("quantity", "rule", "t", "value", "se", "sigma", "sigma_min", "sigma_max",
                 "interval", "lower", "upper")

    def __init__(self, v):
        self.quantity = ffi.string(v.quantity).decode()
        self.rule = ffi.string(v.sigma_rule).decode()  # "" when sigma does not apply
        self.t, self.value, self.se = v.t, v.value, v.se
        self.sigma, self.sigma_min, self.sigma_max = v.sigma, v.sigma_min, v.sigma_max
        self.interval = ffi.string(v.interval).decode()  # "" exact; certified, statistical
        self.lower, self.upper = v.lower, v.upper


def _collect(out):
    """(values, result fields, spectrum) of a result, then frees it."""
    r = out[0]
    try:
        values = [_Value(r.values[i]) for i in range(r.n_values)]
        spec = None
        if r.spectrum_length:
            spec = np.frombuffer(ffi.buffer(r.spectrum, 8 * r.spectrum_length),
                                 dtype=np.float64).copy()
        info = {"sigma": r.sigma, "n": r.n, "d": r.d, "n_used": r.n_used, "n_rules": r.n_rules,
                "median_distance": r.median_distance, "n_classes": r.n_classes,
                "seconds": r.seconds}
    finally:
        lib.dse_capi_result_free(out)
    return values, info, spec


def _column(v, several_rules):
    """The report's column name (docs/report.md): DSE(t=1), CSE, and with
    several sigma rules DSE(t=1,sigma=median), ASE_gaussian(sigma=knn:7)."""
    params = ["t=%g" % v.t] if v.t > 0 else []
    if several_rules and v.rule:
        params.append("sigma=" + v.rule)
    return v.quantity + ("(%s)" % ",".join(params) if params else "")


def _default_quantities(labels, reference):
    """`dsesweep score`'s default: DSE, and DSMI with labels or a reference."""
    return "DSE,DSMI" if labels is not None or reference is not None else "DSE"


def score(Z, quantities=None, labels=None, reference=None, **settings):
    """The quantities in `quantities` for the N x D array Z: a comma list or a
    list of names as the config's `compute`, or "all"; by default what
    `dsesweep score` computes by default, DSE, and DSMI as well with labels or
    a reference.

    labels: N integer classes, or N floats binned into n_clusters bins.
    reference: input vectors X (N x D'), clustered into n_clusters groups for
    the MI quantities (named DSMI_X, CSMI_X, ... as in a sweep). Either may
    also be a file spec, as in a config.
    settings: any config key (sigma=10 or a rule such as "median", "knn:7",
    or a list of rules; t=[1, 2]; max_n=10000; seed=0; subsample_repeats...).

    Returns a plain dict of floats (the interval kinds are strings, within_tol a bool). Per value, keyed by the report's column
    name ("DSE(t=1)", "CSE", "DSMI_X(t=2)"; with several sigma rules the rule
    is in the name: "DSE(t=1,sigma=median)"):
        NAME            the value (bits)
        NAME se         its standard error (DSE over subsample_repeats
                        subsamples, MI over its subset draws; 0 when not
                        estimated)
        NAME sigma, NAME sigma_min, NAME sigma_max
                        for quantities that use the bandwidth: the sigma the
                        rule gave (knn: the median, least and largest sigma_i)
        NAME lower, NAME upper, NAME interval
                        where the value came from the bounded method
                        (method="bounded", or "auto" above N = 10000;
                        docs/bounded.md): its interval in bits and
                        "certified" or "statistical"; or from the float32
                        solve (precision="float32"): its proved interval
                        and "float32"; the value is the midpoint, NaN when
                        the interval is wider than tol
        NAME within_tol whether it is not (a bool); dse() and dsmi() warn
                        (RuntimeWarning) for each such NaN
    and for the call: "n_used" (rows after the max_n subsample),
    "median_distance" (when a quantity uses sigma) and "sigma" (the bandwidth,
    when one rule was given). The GIL is released while the engine runs."""
    if quantities is None:
        quantities = _default_quantities(labels, reference)
    elif not isinstance(quantities, str):
        quantities = ",".join(quantities)
    settings = dict(settings, compute=quantities)
    values, info, _ = _collect(_run(Z, labels, reference, settings))
    several = info["n_rules"] > 1
    result = {}
    for v in values:
        name = _column(v, several)
        result[name] = v.value
        result[name + " se"] = v.se
        if v.rule:
            result[name + " sigma"] = v.sigma
            result[name + " sigma_min"] = v.sigma_min
            result[name + " sigma_max"] = v.sigma_max
        if v.interval:
            result[name + " lower"] = v.lower
            result[name + " upper"] = v.upper
            result[name + " interval"] = v.interval
            result[name + " within_tol"] = not np.isnan(v.value)
    result["n_used"] = float(info["n_used"])
    if np.isfinite(info["median_distance"]):
        result["median_distance"] = info["median_distance"]
    if np.isfinite(info["sigma"]):
        result["sigma"] = info["sigma"]
    return result


def _warn_wide(values):
    """A RuntimeWarning for each value the bounded method or the float32
    solve left without a value: its interval is wider than tol (the number
    is NaN)."""
    for v in values:
        if v.interval and np.isnan(v.value):
            if v.interval == "float32":
                advice = 'raise tol, or use precision="float64"'
                what = "the float32 solve's"
            else:
                advice = 'raise max_k or tol, or use method="exact"'
                what = "the bounded method's %s" % v.interval
            warnings.warn("%s(t=%g): %s interval [%.6f, %.6f] is wider than tol, so there is "
                          "no value (NaN); %s" % (v.quantity, v.t, what, v.lower, v.upper,
                                                  advice),
                          RuntimeWarning, stacklevel=4)


def _by_t(values, quantities, t, n_rules):
    """The values of the first of quantities present: a float for one t and
    one rule; a dict {t: value} for a list of t; with several rules, keyed by
    the rule's text ({"median": ...}) or by (rule, t)."""
    got = [v for v in values if v.quantity in quantities]
    _warn_wide(got)
    ts = [float(t)] if np.ndim(t) == 0 else [float(tt) for tt in t]
    rules = list(dict.fromkeys(v.rule for v in got))
    found = {(v.rule, v.t): v.value for v in got}
    if n_rules == 1:
        out = {tt: found[(rules[0], tt)] for tt in ts}
        return out[ts[0]] if np.ndim(t) == 0 else out
    if np.ndim(t) == 0:
        return {rule: found[(rule, ts[0])] for rule in rules}
    return {(rule, tt): found[(rule, tt)] for rule in rules for tt in ts}


def dse(Z, sigma=10, t=1, max_n=10000, seed=0, **settings):
    """Diffusion Spectral Entropy of Z (N x D) in bits: a float for one t,
    a dict {t: value} for a list of t. sigma: a number or a rule ("median",
    "median*0.5", "sqrt_d", "knn:7"); a list of rules gives a dict keyed by
    rule ({"10": ..., "median": ...}), or by (rule, t) for a list of t. Any
    config key may be added."""
    settings = dict(settings, compute="DSE", sigma=sigma, t=t, max_n=max_n, seed=seed)
    values, info, _ = _collect(_run(Z, None, None, settings))
    return _by_t(values, ("DSE",), t, info["n_rules"])


def dsmi(Z, labels=None, reference=None, sigma=10, t=1, max_n=10000, seed=0, **settings):
    """Diffusion Spectral Mutual Information between Z and the labels (or the
    clusters of the reference X) in bits: a float for one t, a dict for a
    list of t (and keyed by rule for a list of sigma rules, as dse). Any
    config key may be added (repetitions, n_clusters, knn...)."""
    settings = dict(settings, compute="DSMI", sigma=sigma, t=t, max_n=max_n, seed=seed)
    values, info, _ = _collect(_run(Z, labels, reference, settings))
    return _by_t(values, ("DSMI", "DSMI_X"), t, info["n_rules"])


def spectrum(Z, sigma=10, max_n=10000, seed=0, **settings):
    """The eigenvalues of the diffusion matrix K of Z (descending), as a
    float64 numpy array: the spectrum DSE is computed from (under the first
    rule when sigma lists several)."""
    settings = dict(settings, compute="DSE", sigma=sigma, max_n=max_n, seed=seed)
    _, _, spec = _collect(_run(Z, None, None, settings))
    return spec
