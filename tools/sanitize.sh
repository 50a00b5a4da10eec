#!/usr/bin/env bash
# sanitize.sh — the whole test suite under AddressSanitizer + UBSan.
#
#   tools/sanitize.sh [ctest arguments...]
#
# Builds build-asan/ (gcc, -DDSE_SANITIZE=ON: -fsanitize=address,undefined,
# Debug) and runs every CTest test in it, with the MPI tests at 1 and 2 ranks
# (the *_np3 and *_np4 variants are left out; pass -E '^$' to run them too).
# Any ASan or UBSan report fails the test that made it (UBSan halts on the
# first error). LeakSanitizer suppresses only what Open MPI and the libraries
# it loads leave allocated: tests/sanitizers/lsan.supp, one comment per entry.
# Not part of tools/test.sh (it takes about 10 minutes on 2 cores).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$("$here/tools/setup.sh" --with-fuzz --build-dir "$here/build-asan" --build-type Debug \
  --cmake-arg -DDSE_SANITIZE=ON)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
# Keep Open MPI's plugins loaded to the end so that leak stacks name them.
export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
export ASAN_OPTIONS=exitcode=86:fast_unwind_on_malloc=0:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$here/tests/sanitizers/lsan.supp:print_suppressions=0
cd "$build"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-E '_np[34]$')
ctest --output-on-failure --timeout 900 "${args[@]}"
