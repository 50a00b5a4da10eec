#!/usr/bin/env bash
# test_install.sh BUILD_DIR PYTHON ORACLE_DIR TMPDIR — `cmake --install` into a
# temporary prefix, then the program and the Python package from there only.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
build=$1 python=$2 oracle=$3 tmp=$4
rm -rf "$tmp" && mkdir -p "$tmp"
prefix=$tmp/prefix
if ! "$python" -c "import numpy" 2>/dev/null; then
  echo "SKIPPED: $python has no numpy (install python3-numpy)"
  exit 77
fi
log=$tmp/install.log
cmake --install "$build" --prefix "$prefix" >"$log" 2>&1 && ok || bad "cmake --install failed: $(tail -5 "$log")"
[ -x "$prefix/bin/dsesweep" ] && ok || bad "no bin/dsesweep"
[ -f "$prefix/include/dsesweep/capi.h" ] && [ -f "$prefix/include/dsesweep/version.h" ] \
  && ok || bad "headers missing"
[ -f "$prefix/lib/libdsesweep.a" ] && ok || bad "lib/libdsesweep.a missing"
[ -f "$prefix/share/dsesweep/jobs/sweep.sbatch" ] && ok || bad "jobs/ scripts missing"
# The install prints the one line that makes the package importable.
line=$(grep -o 'export PYTHONPATH=[^:]*' "$log" | head -1)
site=${line#export PYTHONPATH=}
[ -n "$site" ] && [ -f "$site/dsesweep/__init__.py" ] && [ -f "$site/dsesweep/libdsesweep_capi.so" ] \
  && ok || bad "no PYTHONPATH line or package in the install log: $(cat "$log")"
case $site in "$prefix"/*) ok ;; *) bad "package outside the prefix: $site" ;; esac
grep -q "export PATH=$prefix/bin" "$log" && ok || bad "no PATH line in the install log"

# The program from the prefix, and the package's copy of it (python -m): the
# one version of VERSION.
want="dsesweep $(head -1 "$(dirname "$0")/../VERSION")"
check_eq "dsesweep --version from the prefix" "$want" \
  "$(env -i PATH="$prefix/bin:/usr/bin:/bin" dsesweep --version 2>&1)"
[ -x "$site/dsesweep/bin/dsesweep" ] && ok || bad "no bin/dsesweep in the installed package"
check_eq "python -m dsesweep --version from the prefix" "$want" \
  "$(cd "$tmp" && env -i PATH=/usr/bin:/bin HOME="$tmp" PYTHONPATH="$site" "$python" -m dsesweep --version 2>&1)"
cli=$(cd "$tmp" && env -i PATH="$prefix/bin:/usr/bin:/bin" HOME="$tmp" dsesweep score \
      "$oracle/blobs_z.npy" --quantities DSE --json | "$python" -c \
      "import json,sys; print(repr(json.load(sys.stdin)['results'][0]['value']))")
# The package from the prefix (not from the build tree), same value.
py=$(cd "$tmp" && env -i PATH=/usr/bin:/bin HOME="$tmp" PYTHONPATH="$site" "$python" -c "
import numpy as np, dsesweep, os
assert dsesweep.__file__.startswith('$site'), dsesweep.__file__
print(repr(dsesweep.dse(np.load('$oracle/blobs_z.npy'))))")
[ -n "$cli" ] && [ "$cli" = "$py" ] && ok || bad "installed dse() '$py' != installed CLI '$cli'"
finish install
