"""OpenBLAS threads beside PyTorch (docs/python.md, "Threads beside PyTorch").

The engine's BLAS is OpenBLAS, one thread pool per process, the same one that
Debian's PyTorch calls for its matrix products. Left alone, OpenBLAS starts
one thread per core, and with torch's own intra-op threads (its OpenMP pool)
the process can run torch threads x OpenBLAS threads on as many cores.

So while dse(), dsmi(), score() or spectrum() runs in a process that has
imported torch, OpenBLAS gets at most cores // torch.get_num_threads()
threads (at least 1): OpenBLAS threads x torch threads <= cores, where cores
are the CPUs this process may run on (its affinity mask, as taskset, SLURM and
cgroups set it). A lower OpenBLAS setting (OPENBLAS_NUM_THREADS) is kept.
The setting before the call is restored when the last running call returns,
so torch's own products are not slowed down after it.
"""
import contextlib
import os
import sys
import threading

from ._capi import lib

_lock = threading.Lock()
_running = 0  # calls inside blas_limit()
_saved = 0  # OpenBLAS's setting before the first of them


def cores():
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _torch_threads():
    """torch.get_num_threads() when the process has imported torch, else 0."""
    torch = sys.modules.get("torch")
    try:
        return int(torch.get_num_threads()) if torch is not None else 0
    except Exception:  # a half-imported or stub torch: leave OpenBLAS alone
        return 0


def _limit(own):
    torch_threads = _torch_threads()
    if torch_threads <= 0:
        return own
    return max(1, min(own, cores() // torch_threads))


def blas_threads():
    """The OpenBLAS threads a call of dse/dsmi/score/spectrum uses now: OpenBLAS's
    own setting (OPENBLAS_NUM_THREADS, else one per core), at most
    cores // torch.get_num_threads() when torch is imported."""
    with _lock:
        own = _saved if _running else lib.openblas_get_num_threads()
    return _limit(max(own, 1))


@contextlib.contextmanager
def blas_limit():
    """Around one call into the engine: caps OpenBLAS's threads beside torch,
    restores them when the last concurrent call returns."""
    global _running, _saved
    with _lock:
        if _running == 0:
            _saved = max(lib.openblas_get_num_threads(), 1)
            want = _limit(_saved)
            if want != _saved:
                lib.openblas_set_num_threads(want)
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and lib.openblas_get_num_threads() != _saved:
                lib.openblas_set_num_threads(_saved)
