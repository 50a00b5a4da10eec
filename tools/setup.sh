#!/usr/bin/env bash
# setup.sh — install what dsesweep needs (Debian 12) and build it.
#
#   tools/setup.sh [--with-bench] [--with-slurm] [--with-fuzz] [--with-torch] [--with-browser]
#                  [--build-dir DIR]
#                  [--build-type TYPE]
#                  [--cmake-arg ARG]... [--no-build]
#
# Installs only the missing Debian packages (non-interactive; safe to run any
# number of times), the Python package's included, then configures and builds
# with CMake (build/python holds the Python package). Prints the build
# directory on its last line. Needs root or sudo for the install step.
# --no-build: the packages only (before `pip install .`, docs/python.md).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=$here/build
build_type=Release
extra_pkgs=()
optional_pkgs=()
cmake_args=()
no_build=0
while [ $# -gt 0 ]; do
  case $1 in
    --with-bench) extra_pkgs+=(python3-numpy python3-sklearn); shift ;;
    --with-slurm) optional_pkgs+=(slurmctld slurmd slurm-client); shift ;;
    --with-fuzz) optional_pkgs+=(clang libclang-rt-14-dev); shift ;;
    --with-torch) optional_pkgs+=(python3-torch python3-numpy); shift ;;
    # the browser test of the report's HTML page (and bench/bench_report_html.sh)
    --with-browser) optional_pkgs+=(chromium chromium-driver python3-selenium); shift ;;
    --with-packages) read -r -a more <<<"$2"; extra_pkgs+=("${more[@]}"); shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --build-type) build_type=$2; shift 2 ;;
    --cmake-arg) cmake_args+=("$2"); shift 2 ;;
    --no-build) no_build=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

# The project's Debian packages: compiler and build, MPI, ScaLAPACK, parallel
# HDF5, OpenBLAS + LAPACKE, cJSON (JSON), inih (config files), PCRE2 (path regex),
# clang-format (the style check is a test), gnuplot (the report's PNGs), d3 (the
# report's HTML page embeds it at build time), ELPA (the two-stage eigensolver).
pkgs=(build-essential cmake pkgconf openmpi-bin libopenmpi-dev libscalapack-openmpi-dev
      libhdf5-openmpi-dev hdf5-tools libopenblas-dev liblapacke-dev libcjson-dev libinih-dev
      libpcre2-dev libcsv-dev gnuplot-nox libarpack2-dev clang-format libjs-d3 libelpa-dev
      "${extra_pkgs[@]}")

updated=0
apt_update() {  # once per run: a fresh machine has no package lists
  [ "$updated" = 1 ] && return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq && updated=1
}
# install_missing KIND PKG...: installs the packages that are not installed.
# KIND required: a failure stops setup. KIND optional (the SLURM test cluster,
# clang for the fuzzers): a failure is reported and the tests needing them
# report themselves as skipped.
install_missing() {
  local kind=$1 p sudo=""
  shift
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup.sh: installing $kind ${missing[*]}" >&2
  if apt_update >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
       --no-install-recommends "${missing[@]}" >&2; then
    return 0
  fi
  if [ "$kind" = required ]; then
    echo "setup.sh: error: could not install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup.sh: warning: could not install ${missing[*]}; the tests needing them will be skipped" >&2
}
install_missing required "${pkgs[@]}"
# The Python package (python/dsesweep) and its tests: Debian's python3 with
# cffi, numpy, pandas, matplotlib and pytest, and for `pip install .` into a
# venv (pyproject.toml) venv, pip, setuptools and wheel. Optional: without
# them the Python tests report themselves as skipped.
install_missing optional python3 python3-cffi python3-numpy python3-pandas python3-matplotlib \
  python3-pytest python3-venv python3-pip python3-setuptools python3-wheel
[ ${#optional_pkgs[@]} -eq 0 ] || install_missing optional "${optional_pkgs[@]}"
[ "$no_build" = 0 ] || exit 0

cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" "${cmake_args[@]}" >&2
cmake --build "$build_dir" -j "$(nproc)" >&2
echo "$build_dir"
