#!/usr/bin/env bash
# test_scan.sh — `dsesweep scan`: deterministic order, symlink loops, links
# that leave the roots, unreadable files, and the header figures.
# usage: test_scan.sh DSESWEEP DSE_GEN TMPDIR
set -u
bin=$1 gen=$2 tmp=$3
rm -rf "$tmp"; mkdir -p "$tmp/root/b_run" "$tmp/root/a_run/deep/er" "$tmp/outside"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$gen" blobs --n 50 --d 4 --out "$tmp/root/b_run/ep10.npy"
"$gen" blobs --n 60 --d 5 --out "$tmp/root/b_run/ep2.npy"
"$gen" blobs --n 70 --d 6 --out "$tmp/root/a_run/deep/er/ep7.npy"
"$gen" blobs --n 80 --d 7 --out "$tmp/outside/secret.npy"
ln -s "$tmp/outside/secret.npy" "$tmp/root/b_run/ep99.npy"      # leaves the root
ln -s "$tmp/outside" "$tmp/root/b_run/outdir"                     # directory outside
ln -s .. "$tmp/root/a_run/deep/loop"                              # a cycle
ln -s "$tmp/root/b_run/ep2.npy" "$tmp/root/a_run/ep2_link.npy"    # inside: allowed
echo "not npy" > "$tmp/root/b_run/notes.txt"
printf 'garbage' > "$tmp/root/b_run/ep5.npy"
cat > "$tmp/scan.ini" <<EOC
[sweep]
roots = root
store = s.h5
EOC
out=$(timeout 20 "$bin" scan "$tmp/scan.ini"); status=$?
[ "$status" = 0 ] && ok || bad "scan exited $status (a loop would time out: 124)"
again=$(timeout 20 "$bin" scan "$tmp/scan.ini")
[ "$out" = "$again" ] && ok || bad "two scans differ"
# Byte order of paths below the root: a_run/... before b_run/...; ep10 < ep2 < ep5.
listed=$(awk 'NR > 1 && $1 ~ /^[0-9]+$/ && $6 ~ /\.npy$/ { print $6 }' <<<"$out" | tr '\n' ' ')
[ "$listed" = "a_run/deep/er/ep7.npy a_run/ep2_link.npy b_run/ep10.npy b_run/ep2.npy b_run/ep5.npy " ] \
  && ok || bad "listed: $listed"
grep -qE "^[0-9]+ +er +7 +70 +6 +a_run/deep/er/ep7.npy" <<<"$out" && ok || bad "run/step/N/D of ep7: $out"
grep -qE "^[0-9]+ +b_run +10 +50 +4 +b_run/ep10.npy" <<<"$out" && ok || bad "run/step/N/D of ep10"
grep -qF "b_run/ep5.npy  ERROR: $tmp/root/b_run/ep5.npy: truncated header (7 bytes; a .npy needs at least 10)" <<<"$out" \
  && ok || bad "unreadable file not reported: $(grep ep5 <<<"$out")"
grep -qF "b_run/ep99.npy: symlink to a path outside the roots (skipped)" <<<"$out" && ok || bad "link outside not reported"
grep -qF "b_run/outdir: symlink to a path outside the roots (skipped)" <<<"$out" && ok || bad "dir link outside not reported"
grep -q "secret" <<<"$(grep -v 'outside the roots' <<<"$out")" && bad "a file outside the roots was read" || ok
# No labels: DSMI is skipped, one family (spectral) per checkpoint.
grep -qE "^5 checkpoint\(s\) \(1 unreadable\), 5 task\(s\) = checkpoints x 1 family" <<<"$out" && ok || bad "summary: $(tail -3 <<<"$out")"
# A root that cannot be read at all stops the scan with the config named.
cat > "$tmp/none.ini" <<EOC
[sweep]
roots = nowhere
store = s.h5
EOC
err=$("$bin" scan "$tmp/none.ini" 2>&1 >/dev/null); st=$?
[ "$st" = 1 ] && grep -qF "dsesweep scan: error: $tmp/none.ini: none of the 1 root(s) can be read (first: $tmp/nowhere)" <<<"$err" \
  && ok || bad "missing root: status $st, '$err'"
finish "test_scan"
