"""OpenBLAS threads x torch threads <= cores while dsesweep computes in a
process that uses torch (run by test_pip.sh torch in a --system-site-packages
venv with the pip-installed package and Debian's python3-torch, with
OPENBLAS_NUM_THREADS unset: OpenBLAS's default is one thread per core).

Two measures per call: the OpenBLAS setting a watcher thread reads while the
call runs, and the threads of the process that used CPU during the call (from
/proc/self/task/*/stat), which counts OpenBLAS's workers that really ran.
With torch at 1 thread the call may use every core, and the count sees the
second BLAS thread; that is the control that shows the count can see it.

    python pip_torch_threads.py ORACLE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import torch

import dsesweep
from dsesweep import _capi

ORACLE = sys.argv[1]
CORES = len(os.sched_getaffinity(0))
OWN = _capi.lib.openblas_get_num_threads()  # OpenBLAS's setting before any call


def cpu_ticks():
    """{thread id: utime + stime in clock ticks} of this process."""
    ticks = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/stat" % tid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks[tid] = int(fields[11]) + int(fields[12])
        except OSError:  # the thread ended
            pass
    return ticks


class Watcher:
    """Reads OpenBLAS's setting every 2 ms in a thread of its own; during()
    gives the readings taken between two moments."""

    def __init__(self):
        self.seen, self.done = [], threading.Event()
        self.thread = threading.Thread(target=self.watch)
        self.thread.start()
        time.sleep(0.01)

    def watch(self):
        while not self.done.is_set():
            now = time.perf_counter()
            self.seen.append((now, _capi.lib.openblas_get_num_threads()))
            time.sleep(0.002)

    def stop(self):
        self.done.set()
        self.thread.join()

    def during(self, start, end):
        inside = [v for t, v in self.seen if start < t < end]
        assert len(inside) >= 3, "too few readings (%d) during the call" % len(inside)
        return inside


def measured(call):
    """(call's result, the largest OpenBLAS setting seen during it, the
    threads that used at least 10% of the busiest thread's CPU during it)."""
    watcher = Watcher()
    before = cpu_ticks()
    start = time.perf_counter()
    result = call()
    end = time.perf_counter()
    after = cpu_ticks()
    watcher.stop()
    used = sorted((after[t] - before.get(t, 0) for t in after), reverse=True)
    busy = [u for u in used if u >= max(2, 0.1 * used[0])]
    # the middle of the call: the setting changes at its very start and end
    margin = 0.05 * (end - start)
    return result, max(watcher.during(start + margin, end - margin)), len(busy)


def main():
    assert OWN == CORES, "OPENBLAS_NUM_THREADS must be unset (OpenBLAS %d, cores %d)" % (OWN, CORES)
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(1800, 64))  # large enough for OpenBLAS to use its threads
    lines = []

    # torch with one thread per core: OpenBLAS gets 1 during the call.
    torch.set_num_threads(CORES)
    assert dsesweep.blas_threads() == max(1, CORES // CORES) == 1
    value_capped, setting, busy = measured(lambda: dsesweep.dse(Z, sigma=8))
    lines.append("torch %d threads: OpenBLAS setting %d, %d busy thread(s) during dse()"
                 % (CORES, setting, busy))
    assert setting == 1, lines[-1]
    assert busy * torch.get_num_threads() <= CORES, lines[-1]
    assert _capi.lib.openblas_get_num_threads() == OWN, "not restored after the call"
    assert torch.get_num_threads() == CORES, "torch's setting changed"

    # Two calls at once from two Python threads: still capped, restored after both.
    # The setting is read while both run: from the later start to the earlier
    # end (a thread may start late under load; before and after, OWN is right).
    results, spans = [], []
    together = threading.Barrier(2)

    def call(scale):
        together.wait()
        t0 = time.perf_counter()
        results.append(dsesweep.dse(Z[:1200] * scale))
        spans.append((t0, time.perf_counter()))

    watcher = Watcher()
    workers = [threading.Thread(target=call, args=(s,)) for s in (1.0, 2.0)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    watcher.stop()
    start, end = max(t0 for t0, _ in spans), min(t1 for _, t1 in spans)
    seen = watcher.during(start + 0.1 * (end - start), end - 0.1 * (end - start))
    lines.append("two calls at once beside torch: OpenBLAS setting at most %d" % max(seen))
    assert len(results) == 2 and max(seen) == 1, lines[-1]
    assert _capi.lib.openblas_get_num_threads() == OWN, "not restored after two calls"

    # torch with 1 thread: OpenBLAS may use every core, and the count sees it.
    torch.set_num_threads(1)
    assert dsesweep.blas_threads() == CORES
    value_free, setting, busy = measured(lambda: dsesweep.dse(Z, sigma=8))
    lines.append("torch 1 thread: OpenBLAS setting %d, %d busy thread(s) during dse()"
                 % (setting, busy))
    assert setting == CORES, lines[-1]
    if CORES > 1:
        assert busy >= 2, lines[-1] + " (the count does not see OpenBLAS's threads)"
    assert busy * torch.get_num_threads() <= CORES + 1, lines[-1]  # + the watcher

    # torch still computes, and the capped value is the command line's
    # (OPENBLAS_NUM_THREADS=1, the same thread count) to 1e-12.
    a = torch.randn(256, 256)
    assert torch.allclose(a @ torch.eye(256), a)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "z.npy")
        np.save(path, Z)
        doc = json.loads(subprocess.run(
            [sys.executable, "-m", "dsesweep", "score", path, "--sigma", "8", "--quantities",
             "DSE", "--json"], check=True, capture_output=True, text=True,
            env=dict(os.environ, OPENBLAS_NUM_THREADS="1")).stdout)
    cli = doc["results"][0]["value"]
    lines.append("dse() beside torch %.15f, dsesweep score %.15f, 2 BLAS threads %.15f"
                 % (value_capped, cli, value_free))
    assert abs(value_capped - cli) <= 1e-12, lines[-1]
    assert abs(value_free - cli) <= 1e-9, lines[-1]
    print("\n".join(lines))
    print("torch threads: all checks passed (cores %d, OpenBLAS default %d, torch %s)"
          % (CORES, OWN, torch.__version__))


main()
