#!/usr/bin/env bash
# test_traceback.sh — an error carries its call chain (error.h): one line by
# default; with DSE_TRACEBACK=1 the same line, then "  at FILE:LINE" from the
# raise site up, also when the failure is agreed across ranks.
# usage: test_traceback.sh MPIEXEC DSESWEEP TMPDIR
set -u
mpiexec=$1 bin=$2 tmp=$3
mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
printf 'x' >"$tmp/short.npy"
want="dsesweep score: error: $tmp/short.npy: truncated header (1 bytes; a .npy needs at least 10)"

# Default: exactly the one line.
out=$(DSE_TRACEBACK= "$bin" score "$tmp/short.npy" 2>&1 >/dev/null)
check_eq "one line without DSE_TRACEBACK" "$want" "$out"

# DSE_TRACEBACK=1: the line, then the chain from the raise site in the .npy
# header parser up through the reader.
out=$(DSE_TRACEBACK=1 "$bin" score "$tmp/short.npy" 2>&1 >/dev/null)
check_eq "first line with DSE_TRACEBACK=1" "$want" "$(head -n 1 <<<"$out")"
frames=$(tail -n +2 <<<"$out")
[ "$(grep -c '^  at src/[a-z]*/[a-z_0-9]*\.c:[0-9][0-9]*$' <<<"$frames")" -ge 2 ] && ok ||
  bad "expected at least 2 '  at src/DIR/FILE.c:LINE' frames, got: $frames"
grep -q '^  at src/io/npy_header.c:' <<<"$(head -n 1 <<<"$frames")" && ok ||
  bad "the first frame is not the raise site in src/io/npy_header.c: $frames"
[ "$(grep -vc '^  at ' <<<"$frames")" = 0 ] && ok || bad "non-frame lines in the chain: $frames"

# Two ranks: rank 0 reads the file and fails; the agreement adds a frame and
# the message names the rank once.
out=$(DSE_TRACEBACK=1 "$mpiexec" --oversubscribe --allow-run-as-root -x DSE_TRACEBACK -n 2 \
  "$bin" score "$tmp/short.npy" 2>&1 >/dev/null | grep -e '^dsesweep' -e '^  at ')
check_eq "2-rank first line" "dsesweep score: error: rank 0: ${want#dsesweep score: error: }" \
  "$(head -n 1 <<<"$out")"
grep -q '^  at src/io/npy_header.c:' <<<"$out" && ok || bad "2 ranks: no raise-site frame: $out"
finish "test_traceback"
