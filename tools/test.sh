#!/usr/bin/env bash
# test.sh — README command two: install, build and run the whole test suite.
#
#   tools/test.sh [ctest arguments...]
#
# Runs every CTest test (MPI tests at 1-4 ranks, oversubscribed) and prints
# CTest's summary; exits non-zero if any test failed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Optional extras: SLURM (the jobs/ test), clang + its sanitizer runtime
# (the fuzz harnesses), PyTorch (the extraction test) and chromium with its
# WebDriver and selenium (the report's HTML page in a browser). Where they
# cannot be installed those tests report themselves as skipped.
build=$("$here/tools/setup.sh" --with-slurm --with-fuzz --with-torch --with-browser \
  --build-dir "$here/build")
# Open MPI as root needs both variables; more ranks than cores needs oversubscription.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
cd "$build"
ctest --output-on-failure --timeout 300 "$@"
