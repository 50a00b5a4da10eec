#!/usr/bin/env bash
# sanitize.sh — the whole test suite under AddressSanitizer + UBSan.
#
#   tools/sanitize.sh [ctest arguments...]
#
# Builds build-asan/ (gcc, -DDSE_SANITIZE=ON: -fsanitize=address,undefined,
# Debug) and runs every CTest test in it, with the MPI tests at 1 and 2 ranks
# (the *_np3 and *_np4 variants are left out; pass -E '^$' to run them too).
# The pip_* tests are left out as well: each compiles its own copy of the
# tree with pip (setup.py's CMake build, not sanitized) and runs only that
# copy, so nothing sanitized would run; and so is the label `long` (integrity
# with 60 double submits instead of 12). The Python tests run python3 with the
# ASan runtime preloaded (tests/python/run_pytest.sh).
# Any ASan or UBSan report fails the test that made it (UBSan halts on the
# first error). LeakSanitizer suppresses only what Open MPI and the libraries
# it loads, and the Python interpreter, leave allocated:
# tests/sanitizers/lsan.supp, one comment per entry.
# Every issue that changes C code runs this before it is resolved (README.md).
# Not part of tools/test.sh (it takes about 10 minutes on 2 cores).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$("$here/tools/setup.sh" --with-fuzz --build-dir "$here/build-asan" --build-type Debug \
  --cmake-arg -DDSE_SANITIZE=ON)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
# Keep Open MPI's plugins loaded to the end so that leak stacks name them.
export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
# intercept_tls_get_addr=0: GCC 12's runtime (up to GCC 13 / LLVM 16) takes a
# dynamic TLS block whose address is 16 bytes past a page boundary for one
# with glibc 2.19's header, reads a bogus range from the two words before it
# and LeakSanitizer's tracer dies on it ("Tracer caught signal 11", "DTLS ...
# at 0x3b8f-0x400004c91" with LSAN_OPTIONS=verbosity=1:log_threads=1). Where a
# block lands depends on the environment's size, so it hit bad_inputs' run as
# another user and the programs a Python test starts after MPI_Init, not our
# code. Without the interception nothing goes unscanned: since glibc 2.25 the
# blocks are malloc'ed and reachable from the thread's DTV.
export ASAN_OPTIONS=exitcode=86:fast_unwind_on_malloc=0:detect_leaks=1:intercept_tls_get_addr=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$here/tests/sanitizers/lsan.supp:print_suppressions=0
cd "$build"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-E '_np[34]$|^pip_' -LE long)
ctest --output-on-failure --timeout 900 "${args[@]}"
