#!/usr/bin/env bash
# test_bad_inputs.sh — a table of bad inputs in one sweep: every one gets its exact
# one-line message in the store (or as the sweep's error), and every good
# checkpoint still gets all its results.
# usage: test_bad_inputs.sh MPIEXEC DSESWEEP DSE_GEN TMPDIR
set -u
mpiexec=$1 bin=$2 gen=$3 tmp=$4
rm -rf "$tmp"; mkdir -p "$tmp/tree/good" "$tmp/tree/bad" "$tmp/outside"
tmp=$(cd "$tmp" && pwd -P)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
T=$tmp/tree B=$tmp/tree/bad
npy() {  # NAME DICT DATA_BYTES: a .npy with this header and zero-filled data
  local dict=$2 len=$(( ${#2} + 1 )) pad
  pad=$(( (64 - (10 + len) % 64) % 64 ))
  { printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $(((len + pad) % 256)))\\x$(printf %02x $(((len + pad) / 256)))";
    printf '%s' "$dict"; printf '%*s' "$pad" ''; printf '\n'; head -c "$3" /dev/zero; } > "$B/$1"
}
# Good checkpoints: 300 x 16, labels of 4 classes.
for s in 1 2 3; do "$gen" blobs --n 300 --d 16 --classes 4 --seed $s --spread $s --out "$T/good/step_00$s.npy" --labels "$T/labels.npy"; done
cp "$T/good/step_001.npy" "$tmp/good.npy"
# The table: file, then its message (%s = the file's path).
cases=(
  "c01_truncated.npy|%s: truncated header (header claims 128 bytes, only 50 present)"
  "c02_short_data.npy|%s: shape (300, 16) needs 19200 bytes of data but the file holds 872"
  "c03_2pow40_rows.npy|%s: shape (1099511627776, 16) needs 70368744177664 bytes of data but the file holds 64"
  "c04_n0.npy|%s: no samples (N = 0)"
  "c05_n1.npy|%s: 1 sample; at least 2 are needed"
  "c06_d0.npy|%s: no features (D = 0)"
  "c07_nan.npy|%s: NaN at row 7, column 3"
  "c08_inf.npy|%s: Inf at row 299, column 15"
  "c09_integers.npy|%s: integer dtype '<i8'; embeddings must be floating point (float16/32/64, bfloat16)"
  "c10_not_npy.npy|%s: not a .npy file (bad magic bytes)"
  "c11_complex.npy|%s: unsupported dtype '<c16' (need float16/32/64, int8-64, uint8-64 or bool)"
  "c12_structured.npy|%s: unsupported dtype (structured array); need a plain float or integer array"
  "c13_corrupt_dict.npy|%s: corrupt header (expected ',' or '}')"
  "c14_version9.npy|%s: unsupported .npy format version 9.0"
  "c15_fortran_3d.npy|%s: Fortran-order arrays of more than 2 dimensions are not supported"
  "c16_empty.npy|%s: truncated header (0 bytes; a .npy needs at least 10)"
)
head -c 50 "$tmp/good.npy" > "$B/c01_truncated.npy"
head -c 1000 "$tmp/good.npy" > "$B/c02_short_data.npy"
npy c03_2pow40_rows.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 16), }" 64
npy c04_n0.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 16), }" 0
npy c05_n1.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 16), }" 64
npy c06_d0.npy "{'descr': '<f4', 'fortran_order': False, 'shape': (300, 0), }" 0
cp "$tmp/good.npy" "$B/c07_nan.npy"
printf '\x00\x00\xc0\x7f' | dd of="$B/c07_nan.npy" bs=1 seek=$((128 + (7 * 16 + 3) * 4)) conv=notrunc 2>/dev/null
cp "$tmp/good.npy" "$B/c08_inf.npy"
printf '\x00\x00\x80\x7f' | dd of="$B/c08_inf.npy" bs=1 seek=$((128 + (299 * 16 + 15) * 4)) conv=notrunc 2>/dev/null
npy c09_integers.npy "{'descr': '<i8', 'fortran_order': False, 'shape': (300, 16), }" 38400
echo "embeddings as text, not npy at all" > "$B/c10_not_npy.npy"
npy c11_complex.npy "{'descr': '<c16', 'fortran_order': False, 'shape': (300, 2), }" 9600
npy c12_structured.npy "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (300,), }" 2400
npy c13_corrupt_dict.npy "{'descr': '<f4' 'fortran_order': False, 'shape': (300, 16), }" 19200
{ printf '\x93NUMPY\x09\x00'; head -c 200 /dev/zero; } > "$B/c14_version9.npy"
npy c15_fortran_3d.npy "{'descr': '<f4', 'fortran_order': True, 'shape': (300, 4, 4), }" 19200
: > "$B/c16_empty.npy"
# N mismatch with the labels: refused before any work (issue 24's pre-flight), then moved out.
"$gen" blobs --n 200 --d 16 --classes 4 --out "$B/c17_n_mismatch.npy"
# Scan-level problems: a symlink loop, a link out of the roots, a directory named like a checkpoint.
ln -s c18_loop_b.npy "$B/c18_loop_a.npy"; ln -s c18_loop_a.npy "$B/c18_loop_b.npy"
cp "$tmp/good.npy" "$tmp/outside/secret.npy"; ln -s "$tmp/outside/secret.npy" "$B/c19_outside.npy"
mkdir "$B/c20_directory.npy"

cat > "$tmp/bad.ini" <<EOC
[sweep]
roots = $T
labels = $T/labels.npy
store = $tmp/bad.h5
[quantities]
compute = DSE,DSMI,CSE
sigma = 4
EOC
out=$("$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n 3 "$bin" run "$tmp/bad.ini" 2>"$tmp/stderr"); status=$?
[ "$status" = 2 ] && grep -qF "dsesweep run: error: $T/labels.npy: 300 labels, but $B/c17_n_mismatch.npy has 200 rows" "$tmp/stderr" \
  && [ ! -e "$tmp/bad.h5" ] && ok || bad "c17 N mismatch: exit $status, want 2 before any work: $(grep error: "$tmp/stderr")"
mv "$B/c17_n_mismatch.npy" "$tmp/c17_n_mismatch.npy"
out=$("$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n 3 "$bin" run "$tmp/bad.ini" 2>"$tmp/stderr"); status=$?
[ "$status" = 3 ] && ok || bad "sweep exit $status, want 3: $(tail -3 "$tmp/stderr")"
"$bin" export "$tmp/bad.h5" > "$tmp/bad.csv" || bad "export"
for entry in "${cases[@]}"; do
  file=${entry%%|*}; fmt=${entry#*|}
  want=$(printf "$fmt" "$B/$file")
  # Every result of the file (DSE, DSMI, CSE) failed with exactly this message.
  rows=$(grep -F "$B/$file," "$tmp/bad.csv")
  n_err=$(grep -cF -- "$want" <<<"$rows")
  n_all=$(grep -c . <<<"$rows")
  [ "$n_all" = 3 ] && [ "$n_err" = 3 ] && ok || bad "$file: want 3 rows (DSE, DSMI, CSE) with '$want', got:
$rows"
done
grep -qF "$B/c18_loop_a.npy: broken or looping symlink (skipped)" "$tmp/stderr" && ok || bad "c18 loop not reported"
grep -qF "$B/c19_outside.npy: symlink to a path outside the roots (skipped)" "$tmp/stderr" && ok || bad "c19 not reported"
grep -q "secret\|c20_directory" "$tmp/bad.csv" && bad "c19/c20 became checkpoints" || ok
# The good checkpoints are complete and correct.
good=$(grep -c "^good,.*,ok," "$tmp/bad.csv")
[ "$good" = 9 ] && ok || bad "good checkpoints: $good ok rows, want 9"
ref=$("$bin" score "$T/good/step_002.npy" --sigma 4 --quantities DSE --json | sed -nE 's/^[[:space:]]*"value":[[:space:]]*([-0-9.e+]+).*/\1/p')
got=$(awk -F, '$1 == "good" && $2 == 2 && $4 == "DSE" { print $7 }' "$tmp/bad.csv")
awk -v a="$got" -v b="$ref" 'BEGIN { d = a - b; d = d < 0 ? -d : d; exit !(a != "" && d <= 1e-12 * b) }' && ok || bad "good DSE $got vs $ref"

# Labels problems (the same for every checkpoint): refused by the pre-flight of
# issue 24 before any work, exit 2, one line, no store made.
labels_case() {  # NAME LABELS_PATH MESSAGE
  sed "s|^labels = .*|labels = $2|; s|^store = .*|store = $tmp/$1.h5|; s|^roots = .*|roots = $T/good|" "$tmp/bad.ini" > "$tmp/$1.ini"
  "$mpiexec" --allow-run-as-root -n 2 "$bin" run "$tmp/$1.ini" -q 2> "$tmp/$1.err" > /dev/null; local st=$?
  local line; line=$(grep '^dsesweep run: error: ' "$tmp/$1.err")
  [ "$st" = 2 ] && [ "$line" = "dsesweep run: error: labels: $3; nothing was computed" ] && [ ! -e "$tmp/$1.h5" ] \
    && ok || bad "$1: exit $st, '$line' (want exit 2 and 'labels: $3; nothing was computed', no store)"
}
"$gen" blobs --n 300 --d 2 --classes 1 --out "$tmp/x.npy" --labels "$tmp/one_class.npy"
labels_case single_class "$tmp/one_class.npy" "$tmp/one_class.npy: a single class (all 300 labels are 0); mutual information needs at least 2 classes"
"$gen" blobs --n 300 --d 2 --classes 300 --out "$tmp/x.npy" --labels "$tmp/many.npy"
labels_case distinct_labels "$tmp/many.npy" "$tmp/many.npy: 300 classes for 300 samples; classes need 2 samples or more on average (continuous values stored as integers?)"
mkdir -p "$tmp/labels_dir.npy"
labels_case labels_directory "$tmp/labels_dir.npy" "$tmp/labels_dir.npy: is a directory, expected a file"
# 10^5 distinct labels on a 10^5-sample checkpoint (DSE subsampled to max_n = 300): refused at once.
mkdir -p "$tmp/big"
"$gen" blobs --n 100000 --d 2 --classes 100000 --out "$tmp/big/step_001.npy" --labels "$tmp/big_labels.npy"
cat > "$tmp/big.ini" <<EOC
[sweep]
roots = $tmp/big
labels = $tmp/big_labels.npy
store = $tmp/big.h5
[quantities]
compute = DSE,DSMI
max_n = 300
EOC
"$bin" run "$tmp/big.ini" -q 2>/dev/null; st=$?
[ "$st" = 2 ] && [ ! -e "$tmp/big.h5" ] && ok || bad "10^5 labels: exit $st (want 2, refused before any work)"
"$bin" scan "$tmp/big.ini" 2>&1 | grep -qF "labels: $tmp/big_labels.npy: 100000 classes for 100000 samples; classes need 2 samples or more on average (continuous values stored as integers?); nothing was computed" \
  && ok || bad "10^5 labels: scan does not name the problem"

# Sweep-level problems stop it before any work, with one line.
fatal() {  # LABEL WANT CONFIG
  local err st
  err=$("$bin" run "$3" -q 2>&1 >/dev/null); st=$?
  [ "$st" = 1 ] && [ "$err" = "$2" ] && ok || bad "$1: exit $st, '$err'"
}
sed "s|^store = .*|store = $tmp/missing/dir/s.h5|" "$tmp/bad.ini" > "$tmp/nodir.ini"
fatal "store in a missing directory" "dsesweep run: error: $tmp/missing/dir/s.h5: the store's directory $tmp/missing/dir does not exist" "$tmp/nodir.ini"
mkdir -p "$tmp/store_is_dir.h5"
sed "s|^store = .*|store = $tmp/store_is_dir.h5|" "$tmp/bad.ini" > "$tmp/sdir.ini"
fatal "store is a directory" "dsesweep run: error: $tmp/store_is_dir.h5: is a directory, expected the store file" "$tmp/sdir.ini"
sed "s|^sigma = .*|sigma = 5|" "$tmp/bad.ini" > "$tmp/other.ini"
fatal "store of another config" "dsesweep run: error: $tmp/bad.h5: this store was made by a different configuration (sigma = '4' in the store, '5' in this config); use another store path, or \`dsesweep rescore\` for new t values" "$tmp/other.ini"
fatal "config is a directory" "dsesweep run: error: $tmp: read failed (is it a directory?)" "$tmp"
# Permission denied, as an unprivileged user (root reads everything).
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  mkdir -p "$tmp/perm/tree/r" && chmod 755 "$tmp" "$tmp/perm" "$tmp/perm/tree" "$tmp/perm/tree/r"
  cp "$tmp/good.npy" "$tmp/perm/tree/r/ok.npy"; cp "$tmp/good.npy" "$tmp/perm/tree/r/locked.npy"
  chmod 644 "$tmp/perm/tree/r/ok.npy"; chmod 000 "$tmp/perm/tree/r/locked.npy"
  mkdir -p "$tmp/perm/tree/closed"; cp "$tmp/good.npy" "$tmp/perm/tree/closed/x.npy"; chmod 000 "$tmp/perm/tree/closed"
  mkdir -p "$tmp/perm/out" && chown 65534:65534 "$tmp/perm/out"
  printf '[sweep]\nroots = %s\nstore = %s\n[quantities]\ncompute = DSE\n' "$tmp/perm/tree" "$tmp/perm/out/s.h5" > "$tmp/perm/p.ini"
  chmod 644 "$tmp/perm/p.ini"
  err=$(cd /tmp && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp "$bin" run "$tmp/perm/p.ini" 2>&1); st=$?
  "$bin" export "$tmp/perm/out/s.h5" > "$tmp/perm.csv" 2>/dev/null
  grep -qF "$tmp/perm/tree/r/locked.npy: cannot open: Permission denied" "$tmp/perm.csv" && \
    grep -q "ok.npy,DSE,10,1,[0-9.]*,ok," "$tmp/perm.csv" && [ "$st" = 3 ] && ok || bad "permission denied file: exit $st, $(cat "$tmp/perm.csv") $err"
  grep -qF "$tmp/perm/tree/closed: cannot read directory: Permission denied (skipped)" <<<"$err" && ok || bad "unreadable directory not reported: $err"
  chmod 755 "$tmp/perm/tree/closed"
fi
finish "test_bad_inputs"
