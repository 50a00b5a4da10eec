"""open_store and open_spectra: a store read through the C library's
read-only store handle (the HDF5 file and its journal, as `dsesweep export`
reads them, so a store that a run is writing can be read). The rows are
written by the library's export module from that one open handle."""
import csv
import math
import os
import tempfile

import numpy as np

from ._api import Error
from ._capi import MSG_CAP, ffi, lib

# Columns of `dsesweep export --format csv` that hold text; every other
# column holds numbers (empty: NaN).
_TEXT_COLUMNS = {"run", "path", "quantity", "status", "error", "sigma_rule", "method", "interval",
                 "failed_before"}


class _Handle:
    """A dse_capi_store_t, optionally with the export rows in csv_path."""

    def __init__(self, path, csv_path=None):
        self.out = ffi.new("dse_capi_store_t **")
        msg = ffi.new("char[]", MSG_CAP)
        rc = lib.dse_capi_store_open(os.fsencode(path), os.fsencode(csv_path)
                                     if csv_path else ffi.NULL, self.out, msg, MSG_CAP)
        if rc != 0:
            raise Error(ffi.string(msg).decode(errors="replace"))

    def close(self):
        lib.dse_capi_store_close(self.out)


def _number(text):
    return float(text) if text != "" else math.nan


def _columns(header, records):
    """The CSV's columns: text as str, step as int, the rest as float."""
    import pandas as pd

    data = {}
    for j, name in enumerate(header):
        col = [r[j] for r in records]
        if name in _TEXT_COLUMNS:
            data[name] = pd.Series(col, dtype=object)
        elif name == "step":
            data[name] = pd.Series([int(v) for v in col], dtype="int64")
        else:
            try:
                data[name] = pd.Series([_number(v) for v in col], dtype="float64")
            except ValueError:
                data[name] = pd.Series(col, dtype=object)
    return pd.DataFrame(data, columns=header)


def open_store(path):
    """The store at path as a pandas DataFrame: one row per (checkpoint,
    quantity, t, sigma rule), the same rows, order and values as `dsesweep
    export --format csv`: run, step, path, quantity, sigma, t, value, status,
    error, se (standard error, 0 when not estimated), sigma_rule ("" for the
    one fixed sigma), sigma_used, sigma_min, sigma_max (the bandwidth the rule
    gave; NaN without a rule), median_distance (NaN where not measured),
    method ("exact" or "bounded"), interval ("certified", "statistical", "float32" or ""),
    lower and upper (the bounded method's interval; NaN for exact rows), k
    and products, and any column export adds. t is NaN where t does not apply; a failed task
    has status "error", value and se NaN and its one-line error."""
    fd, csv_path = tempfile.mkstemp(prefix="dsesweep-", suffix=".csv")
    os.close(fd)
    try:
        _Handle(path, csv_path).close()
        with open(csv_path, newline="") as f:
            rows = list(csv.reader(f))
    finally:
        os.unlink(csv_path)
    df = _columns(rows[0], rows[1:])
    df.attrs["store"] = os.fspath(path)
    return df


def open_spectra(path):
    """The stored spectra of the store at path as a pandas DataFrame: run,
    step, path, sigma and eigenvalues (a float64 numpy array per row,
    descending: the eigenvalues of the diffusion matrix K)."""
    import pandas as pd

    h = _Handle(path)
    try:
        store = h.out[0]
        run, step, cpath = ffi.new("const char **"), ffi.new("int64_t *"), ffi.new("const char **")
        sigma, values, length = ffi.new("double *"), ffi.new("const double **"), ffi.new("uint64_t *")
        rows = []
        for i in range(lib.dse_capi_store_spectra(store)):
            lib.dse_capi_store_spectrum(store, i, run, step, cpath, sigma, values, length)
            eig = np.frombuffer(ffi.buffer(values[0], 8 * length[0]), dtype=np.float64).copy()
            rows.append((ffi.string(run[0]).decode(), int(step[0]),
                         ffi.string(cpath[0]).decode(), float(sigma[0]), eig))
    finally:
        h.close()
    df = pd.DataFrame(rows, columns=["run", "step", "path", "sigma", "eigenvalues"])
    return df.sort_values(["run", "step", "path"], kind="stable").reset_index(drop=True)
