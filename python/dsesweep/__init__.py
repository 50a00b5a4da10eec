"""dsesweep from Python: Diffusion Spectral Entropy and Mutual Information on
dsesweep's C engine, and a sweep's store as a pandas DataFrame.

    import numpy as np, dsesweep
    Z = np.random.default_rng(0).normal(size=(500, 32))
    dsesweep.dse(Z)                                   # DSE at t = 1, sigma = 10
    dsesweep.dsmi(Z, labels=np.arange(500) % 4, t=[1, 2])
    dsesweep.dse(Z, sigma="median")                   # a bandwidth rule, as in the config
    dsesweep.score(Z, quantities="DSE,CSE")           # {"DSE(t=1)": ..., "DSE(t=1) se": ...,
                                                      #  "DSE(t=1) sigma": 10.0, "CSE": ..., ...}
    dsesweep.open_store("demo-out/demo.h5")           # one row per (checkpoint, quantity, t)

Parameters are the sweep config's keys under the same names and take the same
values (`dsesweep config-keys`): sigma (a number, sqrt_d, median, median*C,
knn:K, or a list of them), t, max_n, seed, subsample_repeats, repetitions, bins,
knn, n_clusters, alpha, ...; any key the config knows can be passed as a
keyword and is parsed by the C library, as in a config file. Inputs are numpy
arrays (float16/32/64, any order or strides, read in place); a PyTorch tensor
goes in as tensor.detach().cpu().numpy(). Every failure raises
dsesweep.Error with the engine's one-line message.
"""
import os
import sys

# The C library first, before numpy (which needs OpenBLAS too): a missing
# Debian library is named in one line (RuntimeLibraryError, an ImportError);
# for the program (`python -m dsesweep`, the console script) that line is all.
try:
    from ._capi import RuntimeLibraryError
except ImportError as e:
    if type(e).__name__ == "RuntimeLibraryError" and (
            sys.argv[:1] == ["-m"] or os.path.basename(sys.argv[0]) == "dsesweep"):
        sys.exit(str(e))
    raise

from ._api import Error, dse, dsmi, score, spectrum, version
from ._store import open_spectra, open_store
from ._threads import blas_threads

__all__ = ["Error", "dse", "dsmi", "score", "spectrum", "open_store", "open_spectra", "version",
           "blas_threads", "RuntimeLibraryError"]
__version__ = version()
