#!/usr/bin/env bash
# test_pip.sh MODE SOURCE_DIR PYTHON ORACLE_DIR TMPDIR [BUILD_DIR] — `pip install`
# of the package (pyproject.toml, setup.py) into fresh venvs made by PYTHON
# (Debian's /usr/bin/python3) with --system-site-packages, offline
# (PIP_NO_INDEX=1: numpy, cffi, setuptools and wheel are Debian's).
#
#   install   a copy of the tree (no build directory): `pip install
#             --no-build-isolation .` into venv1, which compiles the library and
#             the program with CMake from nothing; then `pip wheel
#             --no-build-isolation .` from the same copy (setuptools reuses that
#             CMake build, as it does for a user running both), the copy is
#             deleted, and the wheel goes into venv2. Both venvs: one version
#             everywhere, dse()/score() equal to `dsesweep score --json` (the
#             console script and `python -m dsesweep`) to 1e-12, the console
#             script under mpiexec, and a hidden Debian library gives one line
#             naming its package. venv1 stays for the torch test.
#   editable  `pip install -e .` from another copy: the package is the copy's
#             python/dsesweep (an edit there is live), the library and the
#             program are put beside it; DSESWEEP_CMAKE_BUILD_DIR=BUILD_DIR
#             takes them from an existing CMake build instead.
#   torch     OpenBLAS threads x torch threads <= cores in venv1 with Debian's
#             torch (tests/pip_torch_threads.py); skipped (77) without torch.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
mode=$1 src=$2 python=$3 oracle=$4 tmp=$5 build=${6:-}
here=$(cd "$(dirname "$0")" && pwd)

if ! "$python" -c "import numpy, cffi, setuptools, wheel, venv, ensurepip" 2>/dev/null; then
  echo "SKIPPED: $python lacks numpy, cffi, setuptools, wheel or venv (Debian: python3-numpy" \
       "python3-cffi python3-setuptools python3-wheel python3-venv)"
  exit 77
fi
# Offline and independent of the caller's pip settings.
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_REQUIRE_VIRTUALENV PYTHONPATH
export PIP_NO_INDEX=1 PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OPENBLAS_NUM_THREADS=1
version=$(head -1 "$src/VERSION")

# copy_tree DEST: the source tree as a clone has it (tracked and untracked,
# not ignored files: no build directory, no editable leftovers).
copy_tree() {
  mkdir -p "$1"
  if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$src" && git ls-files -co --exclude-standard -z | tar --null -cf - -T -) | tar -xf - -C "$1"
  else
    tar -C "$src" --exclude='./build*' --exclude=./python/dsesweep/libdsesweep_capi.so \
      --exclude=./python/dsesweep/bin --exclude='*.egg-info' -cf - . | tar -xf - -C "$1"
  fi
}

# make_venv DIR: a fresh venv that sees Debian's packages.
make_venv() {
  "$python" -m venv --system-site-packages "$1" >"$1.log" 2>&1 \
    && ok || bad "python -m venv $1: $(tail -3 "$1.log")"
}

# vpy VENV ARGS...: the venv's python, from an empty directory, with only the
# venv's bin and the system's on PATH.
vpy() {
  local venv=$1
  shift
  (cd "$tmp/empty" && env PATH="$venv/bin:/usr/bin:/bin" "$venv/bin/python" "$@")
}

# check_venv VENV LABEL: the installed package and program in VENV.
check_venv() {
  local venv=$1 label=$2 site
  site=$(vpy "$venv" -c "import sysconfig; print(sysconfig.get_path('platlib'))")
  local where
  where=$(vpy "$venv" -c "import dsesweep; print(dsesweep.__file__)" 2>&1)
  case $where in "$site"/dsesweep/__init__.py) ok ;;
    *) bad "$label: dsesweep imported from '$where', not from $site" ;; esac
  [ -x "$site/dsesweep/bin/dsesweep" ] && [ -f "$site/dsesweep/libdsesweep_capi.so" ] \
    && ok || bad "$label: no bin/dsesweep or libdsesweep_capi.so in $site/dsesweep"
  # One version: VERSION, the C library, the package metadata, the console
  # script and python -m.
  check_eq "$label: __version__" "$version" "$(vpy "$venv" -c "import dsesweep; print(dsesweep.__version__)")"
  check_eq "$label: metadata version" "$version" \
    "$(vpy "$venv" -c "import importlib.metadata as m; print(m.version('dsesweep'))")"
  check_eq "$label: dsesweep --version" "dsesweep $version" \
    "$(cd "$tmp/empty" && env PATH="$venv/bin:/usr/bin:/bin" dsesweep --version 2>&1)"
  check_eq "$label: python -m dsesweep --version" "dsesweep $version" \
    "$(vpy "$venv" -m dsesweep --version 2>&1)"
  check_eq "$label: the console script on PATH" "$venv/bin/dsesweep" \
    "$(env PATH="$venv/bin:/usr/bin:/bin" sh -c 'command -v dsesweep')"
  # The same numbers from the package, the console script and python -m.
  local z=$oracle/blobs_z.npy y=$oracle/blobs_y.npy
  (cd "$tmp/empty" && env PATH="$venv/bin:/usr/bin:/bin" dsesweep score "$z" --labels "$y" \
     --t 1,2 --sigma 10,median --json >"$tmp/$label-script.json" 2>&1) \
    && ok || bad "$label: dsesweep score: $(tail -3 "$tmp/$label-script.json")"
  vpy "$venv" -m dsesweep score "$z" --labels "$y" --t 1,2 --sigma 10,median --json \
    >"$tmp/$label-m.json" 2>&1 && ok || bad "$label: python -m dsesweep score: $(tail -3 "$tmp/$label-m.json")"
  local out
  out=$(vpy "$venv" - "$z" "$y" "$tmp/$label-script.json" "$tmp/$label-m.json" <<'EOF' 2>&1
import json, sys
import numpy as np
import dsesweep
z, y = np.load(sys.argv[1]), np.load(sys.argv[2])
got = dsesweep.score(z, labels=y, t=[1, 2], sigma="10,median")
dse = dsesweep.dse(z, t=[1, 2], sigma=10)
checked = 0
for path in sys.argv[3:]:
    doc = json.load(open(path))
    for r in doc["results"]:
        name = "%s(t=%g,sigma=%s)" % (r["quantity"], r["t"], r["sigma_rule"])
        assert abs(got[name] - r["value"]) <= 1e-12, (path, name, got[name], r["value"])
        assert abs(got[name + " se"] - r["se"]) <= 1e-12, (path, name)
        if r["quantity"] == "DSE" and r["sigma_rule"] == "10":
            assert abs(dse[float(r["t"])] - r["value"]) <= 1e-12, (path, "dse()", r["t"])
            checked += 1
        checked += 1
assert checked == 2 * (8 + 2), checked  # DSE and DSMI x 2 t x 2 rules, dse() at 2 t; 2 documents
print("equal", checked)
EOF
)
  case $out in "equal 20") ok ;; *) bad "$label: package vs program: $out" ;; esac
  # The console script under mpiexec: 2 ranks give the 1-rank DSE.
  local two
  two=$(cd "$tmp/empty" && env PATH="$venv/bin:/usr/bin:/bin" mpiexec -n 2 dsesweep score "$z" \
        --quantities DSE --json 2>&1 | "$python" -c \
        "import json,sys; print(repr(json.load(sys.stdin)['results'][0]['value']))" 2>&1)
  local one
  one=$(vpy "$venv" -c "import numpy as np, dsesweep; print(repr(dsesweep.dse(np.load('$z'))))")
  "$python" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-9)" \
    "$two" "$one" 2>/dev/null && ok || bad "$label: mpiexec -n 2 dsesweep score: '$two' vs dse() '$one'"
  check_missing "$venv" "$label"
}

# check_missing VENV LABEL: a Debian library hidden from the process (a private
# mount namespace: an empty directory over OpenBLAS's, an empty file over Open
# MPI's library) makes import fail with one line naming the package; python -m
# and the console script print only that line. Without unshare (no
# CAP_SYS_ADMIN), a library that needs a missing ScaLAPACK takes its place
# through DSESWEEP_LIBRARY.
check_missing() {
  local venv=$1 label=$2 lib=/usr/lib/x86_64-linux-gnu
  mkdir -p "$tmp/hide-dir" && : >"$tmp/hide-file"
  if unshare -m true 2>/dev/null && [ -d "$lib/openblas-pthread" ]; then
    local mpi
    mpi=$(readlink -f "$lib/libmpi.so.40")
    run_hidden() {  # run_hidden MOUNT_SOURCE MOUNT_TARGET COMMAND...
      local from=$1 to=$2
      shift 2
      (cd "$tmp/empty" && unshare -m sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' \
         "$from" "$to" env PATH="$venv/bin:/usr/bin:/bin" "$@")
    }
    local err rc
    err=$(run_hidden "$tmp/hide-dir" "$lib/openblas-pthread" "$venv/bin/python" -m dsesweep --version 2>&1)
    rc=$?
    check_eq "$label: python -m without OpenBLAS" \
      "dsesweep needs OpenBLAS: liblapack.so.3 cannot be loaded (not found); install the Debian package libopenblas0: apt-get install libopenblas0" \
      "$err"
    [ "$rc" = 1 ] && ok || bad "$label: python -m without OpenBLAS exits $rc"
    err=$(run_hidden "$tmp/hide-file" "$mpi" dsesweep --version 2>&1)
    check_eq "$label: the console script without Open MPI" \
      "dsesweep needs Open MPI: libmpi.so.40 cannot be loaded (file too short); install the Debian package libopenmpi3: apt-get install libopenmpi3" \
      "$err"
    err=$(run_hidden "$tmp/hide-dir" "$lib/openblas-pthread" "$venv/bin/python" -c \
          "import dsesweep" 2>&1)
    case $err in *"RuntimeLibraryError: dsesweep needs OpenBLAS"*libopenblas0) ok ;;
      *) bad "$label: import without OpenBLAS: $err" ;; esac
    case $err in *OSError*) bad "$label: an OSError leaks: $err" ;; *) ok ;; esac
  else
    echo "note: no private mount namespace here; a stub library with a missing ScaLAPACK instead"
    printf 'void f(void);\nvoid f(void) {}\n' >"$tmp/stub.c"
    cc -shared -fPIC -o "$tmp/libscalapack-openmpi.so.0" -Wl,-soname,libscalapack-openmpi.so.0 \
      "$tmp/stub.c" && cc -shared -fPIC -o "$tmp/libneeds.so" "$tmp/stub.c" -L"$tmp" \
      -l:libscalapack-openmpi.so.0 && rm "$tmp/libscalapack-openmpi.so.0" && ok || bad "stub build"
    local err
    err=$(cd "$tmp/empty" && DSESWEEP_LIBRARY=$tmp/libneeds.so "$venv/bin/python" -m dsesweep --version 2>&1)
    check_eq "$label: python -m without ScaLAPACK" \
      "dsesweep needs ScaLAPACK: libscalapack-openmpi.so.0 cannot be loaded (not found); install the Debian package libscalapack-openmpi2.2: apt-get install libscalapack-openmpi2.2" \
      "$err"
  fi
}

# check_ignored LABEL PATH...: what pip wrote into the copy $tmp/src exists and
# is ignored by the project's .gitignore (a clone stays clean).
check_ignored() {
  local label=$1 p
  shift
  [ -d "$tmp/src/.git" ] || git -C "$tmp/src" init -q
  for p in "$@"; do
    [ -e "$tmp/src/$p" ] && git -C "$tmp/src" check-ignore -q "$p" \
      && ok || bad "$label: $p missing or not in .gitignore"
  done
}

case $mode in
install)
  rm -rf "$tmp" && mkdir -p "$tmp/empty"
  copy_tree "$tmp/src"
  [ -f "$tmp/src/pyproject.toml" ] && [ ! -e "$tmp/src/build" ] && ok || bad "the copy of the tree"
  make_venv "$tmp/venv1"
  (cd "$tmp/src" && "$tmp/venv1/bin/pip" install --no-build-isolation . >"$tmp/pip-install.log" 2>&1) \
    && ok || bad "pip install --no-build-isolation .: $(tail -20 "$tmp/pip-install.log")"
  # It compiled from nothing, with the project's CMake, in the copy.
  objects=$(find "$tmp/src/build/pip/cmake" -name '*.c.o' 2>/dev/null | wc -l)
  [ "$objects" -ge 40 ] && ok || bad "pip install compiled $objects objects in build/pip/cmake"
  check_venv "$tmp/venv1" venv1

  (cd "$tmp/src" && "$tmp/venv1/bin/pip" wheel --no-build-isolation --no-deps -w "$tmp/wheels" . \
     >"$tmp/pip-wheel.log" 2>&1) && ok || bad "pip wheel: $(tail -20 "$tmp/pip-wheel.log")"
  wheels=("$tmp"/wheels/dsesweep-"$version"-py3-none-linux_*.whl)
  [ ${#wheels[@]} = 1 ] && [ -f "${wheels[0]}" ] && ok || bad "wheels: $(ls "$tmp/wheels")"
  "$python" - "${wheels[0]}" <<'EOF' && ok || bad "the wheel's files"
import stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = {i.filename: i for i in z.infolist()}
prog = names["dsesweep/bin/dsesweep"]
assert "dsesweep/libdsesweep_capi.so" in names and "dsesweep/__main__.py" in names, names
assert (prog.external_attr >> 16) & stat.S_IXUSR, oct(prog.external_attr >> 16)
meta = z.read([n for n in names if n.endswith(".dist-info/METADATA")][0]).decode()
assert "Requires-Dist: numpy" in meta and "Requires-Dist: cffi" in meta, meta[:500]
assert "Requires-Dist: pandas ; extra == 'pandas'" in meta, meta[:800]
EOF
  check_ignored install python/dsesweep.egg-info build/pip/cmake build/pip/bdist.linux-x86_64
  rm -rf "$tmp/src"  # the wheel alone
  make_venv "$tmp/venv2"
  "$tmp/venv2/bin/pip" install "${wheels[0]}" >"$tmp/pip-wheel-install.log" 2>&1 \
    && ok || bad "pip install the wheel: $(tail -20 "$tmp/pip-wheel-install.log")"
  check_venv "$tmp/venv2" venv2
  # Debian's python3 outside the venvs does not see them.
  (cd "$tmp/empty" && "$python" -c "import dsesweep; print(dsesweep.__file__)" 2>/dev/null) \
    | grep -q "$tmp" && bad "the system python imports a venv's package" || ok
  finish pip_install
  ;;
editable)
  rm -rf "$tmp" && mkdir -p "$tmp/empty"
  copy_tree "$tmp/src"
  make_venv "$tmp/venv"
  (cd "$tmp/src" && "$tmp/venv/bin/pip" install --no-build-isolation -e . >"$tmp/pip-e.log" 2>&1) \
    && ok || bad "pip install -e .: $(tail -20 "$tmp/pip-e.log")"
  check_eq "editable: imported from the copy" "$tmp/src/python/dsesweep/__init__.py" \
    "$(vpy "$tmp/venv" -c "import dsesweep; print(dsesweep.__file__)" 2>&1)"
  [ -x "$tmp/src/python/dsesweep/bin/dsesweep" ] && [ -f "$tmp/src/python/dsesweep/libdsesweep_capi.so" ] \
    && ok || bad "editable: no library or program beside the sources"
  check_ignored editable python/dsesweep/libdsesweep_capi.so python/dsesweep/bin/dsesweep build/pip/cmake
  echo 'EDITED = "live"' >>"$tmp/src/python/dsesweep/__init__.py"
  check_eq "editable: an edit is live" "live $version" "$(vpy "$tmp/venv" -c \
    "import dsesweep; print(dsesweep.EDITED, dsesweep.__version__)" 2>&1)"
  check_eq "editable: python -m" "dsesweep $version" "$(vpy "$tmp/venv" -m dsesweep --version 2>&1)"
  check_eq "editable: console script" "dsesweep $version" \
    "$(env PATH="$tmp/venv/bin:/usr/bin:/bin" dsesweep --version 2>&1)"
  if [ -n "$build" ]; then  # the library and program from an existing CMake build
    (cd "$tmp/src" && DSESWEEP_CMAKE_BUILD_DIR=$build "$tmp/venv/bin/pip" install \
       --no-build-isolation -e . >"$tmp/pip-e2.log" 2>&1) \
      && ok || bad "pip install -e . with DSESWEEP_CMAKE_BUILD_DIR: $(tail -20 "$tmp/pip-e2.log")"
    cmp -s "$build/python/dsesweep/libdsesweep_capi.so" "$tmp/src/python/dsesweep/libdsesweep_capi.so" \
      && cmp -s "$build/python/dsesweep/bin/dsesweep" "$tmp/src/python/dsesweep/bin/dsesweep" \
      && ok || bad "DSESWEEP_CMAKE_BUILD_DIR: the files are not $build's"
  fi
  finish pip_editable
  ;;
torch)
  venv=$tmp/venv1
  if ! "$python" -c "import torch" 2>/dev/null; then
    echo "SKIPPED: $python has no torch (Debian: python3-torch; tools/setup.sh --with-torch)"
    exit 77
  fi
  [ -x "$venv/bin/python" ] || { bad "no $venv: the pip_install test makes it"; finish pip_torch; }
  mkdir -p "$tmp/empty"
  out=$(cd "$tmp/empty" && env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS "$venv/bin/python" \
        "$here/pip_torch_threads.py" "$oracle" 2>&1)
  echo "$out"
  case $out in *"torch threads: all checks passed"*) ok ;; *) bad "pip_torch_threads.py" ;; esac
  finish pip_torch
  ;;
*)
  echo "test_pip.sh: unknown mode $mode" >&2
  exit 2
  ;;
esac
