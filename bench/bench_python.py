#!/usr/bin/python3
"""bench_python.py -- the Python package against the command line, same engine.

    PYTHONPATH=build/python OPENBLAS_NUM_THREADS=1 bench/bench_python.py \
        [--cli build/dsesweep] [--n 2000] [--d 512] [--repeats 3]

Times dsesweep.dse(Z) in this process (float64 C order, float32 C order,
float64 Fortran order, float16) and `dsesweep score Z.npy --quantities DSE
--json` as a subprocess on the same matrix (random normal, sigma 10, t 1),
one rank. Prints the best of --repeats wall times and each ratio to the
command line's, and checks that every value equals the command line's.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np

import dsesweep


def best(fn, repeats):
    times, value = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", default="build/dsesweep")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--d", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    Z = np.random.default_rng(0).normal(size=(a.n, a.d))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "z.npy")
        np.save(path, Z)

        def cli():
            out = subprocess.run([a.cli, "score", path, "--quantities", "DSE", "--json"],
                                 check=True, capture_output=True, text=True).stdout
            return json.loads(out)["results"][0]["value"]

        t_cli, v_cli = best(cli, a.repeats)
    print("N = %d, D = %d, 1 rank, OPENBLAS_NUM_THREADS=%s, best of %d" %
          (a.n, a.d, os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"), a.repeats))
    print("%-34s %8.3f s  ratio 1.00  DSE %.15g" % ("dsesweep score (subprocess)", t_cli, v_cli))
    cases = [("dse(), float64 C order", Z), ("dse(), float32 C order", Z.astype(np.float32)),
             ("dse(), float64 Fortran order", np.asfortranarray(Z)),
             ("dse(), float16", Z.astype(np.float16))]
    for name, arr in cases:
        t, v = best(lambda: dsesweep.dse(arr), a.repeats)
        want = v_cli if arr.dtype == np.float64 else dsesweep.dse(arr.astype(np.float64))
        print("%-34s %8.3f s  ratio %.2f  DSE %.15g%s" % (name, t, t / t_cli, v,
                                                          "" if v == want else "  MISMATCH"))


if __name__ == "__main__":
    main()
