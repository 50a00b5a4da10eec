#!/usr/bin/env bash
# run_pytest.sh PYTHON TEST_FILE... — the Python tests under CTest.
# The environment (PYTHONPATH=build/python, DSESWEEP_CLI, DSE_GEN,
# DSE_MPIEXEC, DSE_ORACLE_DIR, DSE_SOURCE_DIR, and in the sanitizer build
# DSE_ASAN_PRELOAD) comes from tests/CMakeLists.txt.
# Exits 77 (reported as skipped) only when the Python has no numpy
# (tools/setup.sh could not install python3-numpy); anything else missing fails.
set -uo pipefail
python=$1
shift
if ! "$python" -c "import numpy" 2>/dev/null; then
  echo "SKIPPED: $python has no numpy (install python3-numpy)"
  exit 77
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
# The sanitizer build (tools/sanitize.sh): the package's library is sanitized
# and python3 is not, so the ASan runtime must be the first library of the
# interpreter (and of the Pythons it starts, which inherit LD_PRELOAD).
# PYTHONMALLOC=malloc: objects in pymalloc's arenas (mmap'ed, which
# LeakSanitizer does not scan) would make the blocks they point to look
# leaked; with malloc every object is a block LeakSanitizer follows.
# malloc_context_size=80: a stack deep enough to reach the interpreter's start
# (Py_InitializeFromConfig, tests/sanitizers/lsan.supp) from what site.py runs.
if [ -n "${DSE_ASAN_PRELOAD:-}" ]; then
  export LD_PRELOAD=$DSE_ASAN_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD} PYTHONMALLOC=malloc
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}malloc_context_size=80
fi
exec "$python" -m pytest -q -p no:cacheprovider "$@"
