"""`python -m dsesweep ARGS` and the console script `dsesweep ARGS`: the
dsesweep program the package carries (bin/dsesweep, built by the same CMake
as the library), run with ARGS.

    python -m dsesweep --version
    python -m dsesweep score emb.npy --labels y.npy --json
    mpiexec -n 4 dsesweep run sweep.ini         # the console script, on PATH in a venv

The program replaces this Python process (exec), so its exit code, its
signals (SIGUSR1 under SLURM), its output and mpiexec's environment are the
program's own; nothing runs in Python after it starts.
"""
import os
import sys


def program():
    """The path of the program inside the package."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "dsesweep")


def main(argv=None):
    """Runs the program with argv (default: this process's arguments); returns
    only when it cannot be started."""
    args = sys.argv[1:] if argv is None else list(argv)
    path = program()
    if not os.access(path, os.X_OK):
        sys.stderr.write("dsesweep: the package has no program at %s; install the package "
                         "with `pip install .` from a clone (docs/python.md)\n" % path)
        return 1
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(path, ["dsesweep"] + args)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
