#!/usr/bin/env bash
# test_cli_score.sh — `dsesweep score`: help, usage errors, bad files, JSON output.
# usage: test_cli_score.sh DSESWEEP JSON_GET ORACLE_DIR TMPDIR
set -u
bin=$1 json_get=$2 oracle=$3 tmp=$4
mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# expect STATUS "STDERR LINE" -- ARGS...: exact exit status and exact one-line stderr.
expect() {
  local want_status=$1 want_err=$2; shift 3
  local err status
  err=$("$bin" "$@" 2>&1 >/dev/null); status=$?
  [ "$status" = "$want_status" ] && ok || bad "dsesweep $* exited $status, want $want_status"
  [ "$err" = "$want_err" ] && ok || bad "dsesweep $*: stderr
    got  '$err'
    want '$want_err'"
}

# --help documents every flag and exits 0.
help=$("$bin" score --help); [ $? = 0 ] && ok || bad "score --help exit status"
for flag in --labels --sigma --t --max-n --seed --repetitions --bins --knn --n-clusters \
            --quantities --driver --json --help; do
  grep -q -- "$flag" <<<"$help" && ok || bad "--help does not document $flag"
done

z=$oracle/blobs_z.npy y=$oracle/blobs_y.npy
hint=" (see \`dsesweep score --help\`)"
expect 2 "dsesweep score: --sigma must be a number > 0, sqrt_d, median, median*C or knn:K, or a comma list of them (got '0')$hint" -- score "$z" --sigma 0
expect 2 "dsesweep score: --sigma must be a number > 0, sqrt_d, median, median*C or knn:K, or a comma list of them (got '-3')$hint" -- score "$z" --sigma -3
expect 2 "dsesweep score: --sigma must be a number > 0, sqrt_d, median, median*C or knn:K, or a comma list of them (got 'abc')$hint" -- score "$z" --sigma abc
expect 2 "dsesweep score: --t takes integers in [1, 1000000] (got '0')$hint" -- score "$z" --t 0
expect 2 "dsesweep score: --t takes integers in [1, 1000000] (got '1,x')$hint" -- score "$z" --t 1,x
expect 2 "dsesweep score: --repetitions must be an integer in [1, 100000] (got '0')$hint" -- score "$z" --repetitions 0
expect 2 "dsesweep score: --max-n must be an integer in [0, 1e+09] (got '-1')$hint" -- score "$z" --max-n -1
expect 2 "dsesweep score: --t takes at most 32 values (got '$(seq -s, 1 33)')$hint" -- score "$z" --t "$(seq -s, 1 33)"
expect 2 "dsesweep score: --tol must be a number > 0 (got '0')$hint" -- score "$z" --tol 0
expect 2 "dsesweep score: --tol must be a number > 0 (got '-0.5')$hint" -- score "$z" --tol -0.5
expect 2 "dsesweep score: --method must be auto, exact or bounded (got 'lanczos')$hint" -- score "$z" --method lanczos
expect 2 "dsesweep score: --max-k must be an integer in [64, 1e+09] (got '10')$hint" -- score "$z" --max-k 10
expect 2 "dsesweep score: --driver must be auto or one of dsyevd, dsyevr, dsyevd_2stage, elpa1, elpa2, pdsyev, pdsyevd, dist_2stage (got 'magma')$hint" -- score "$z" --driver magma
expect 2 "dsesweep score: driver elpa2 is float64; precision float32 solves with the fastest float32 driver tune measured (ssyevd or ssyevd_2stage on one rank, pssyev on a group; leave the driver auto)$hint" -- score "$z" --driver elpa2 --precision float32
expect 2 "dsesweep score: --group-size 2 needs at least 2 ranks; this run has 1 (start it with mpiexec -n 2)$hint" -- score "$z" --group-size 2
# A forced driver that cannot run where the problem runs (a group driver on one
# rank) is said in one warning line, naming the driver that did run.
out=$("$bin" score "$z" --driver dist_2stage --quantities DSE --sigma 3 2>&1); st=$?
check_eq "score --driver dist_2stage on one rank: exit status" 0 "$st"
grep -qE "^warning     --driver dist_2stage is a group driver, but the N x N problem ran on one rank: [a-z_0-9]+ solved it" <<<"$out" \
  && ok || bad "no driver warning on one rank: $out"
out=$("$bin" score "$z" --driver dist_2stage --quantities DSE --sigma 3 --json 2>&1)
grep -qF -- "--driver dist_2stage is a group driver, but the N x N problem ran on one rank: $("$json_get" driver <<<"$out") solved it" <<<"$out" \
  && ok || bad "no driver warning in the JSON: $out"
out=$("$bin" score "$z" --driver dsyevd --quantities DSE --sigma 3 2>&1)
grep -q "^warning     --driver" <<<"$out" && bad "a one-rank driver on one rank warns: $out" || ok
expect 2 "dsesweep score: --precision must be float64 or float32 (got 'float16')$hint" -- score "$z" --precision float16
expect 2 "dsesweep score: unknown or incomplete option '--frobnicate'$hint" -- score "$z" --frobnicate
expect 2 "dsesweep score: needs one EMBEDDINGS file$hint" -- score
expect 2 "dsesweep score: takes exactly one EMBEDDINGS file$hint" -- score "$z" "$z"
expect 1 "dsesweep score: error: $tmp/missing.npy: cannot open: No such file or directory" -- score "$tmp/missing.npy"
head -c 60 "$z" > "$tmp/cut.npy"
expect 1 "dsesweep score: error: $tmp/cut.npy: truncated header (header claims 128 bytes, only 60 present)" -- score "$tmp/cut.npy"
head -c 1000 "$z" > "$tmp/short.npy"
expect 1 "dsesweep score: error: $tmp/short.npy: shape (490, 32) needs 62720 bytes of data but the file holds 872" -- score "$tmp/short.npy"
expect 2 "dsesweep score: unknown quantity 'entropy' (known: all, DSE, DSE_matrix_entry, CSE, ASE_gaussian, ASE_anisotropic, ASE_knn, RankMe, participation_ratio, alpha_ReQ, DSMI, CSMI, ASMI_gaussian, ASMI_anisotropic, ASMI_knn, MatrixEntropy)" -- score "$z" --quantities entropy

# JSON output carries the oracle values.
out=$("$bin" score "$z" --sigma 3 --t 1,2 --labels "$y" --quantities all --json); [ $? = 0 ] && ok || bad "score --json failed"
check_value() {  # PATH EXPECTED REL
  local got; got=$("$json_get" "$1" <<<"$out") || { bad "JSON has no $1"; return; }
  awk -v g="$got" -v e="$2" -v r="$3" 'BEGIN { d = g - e; if (d < 0) d = -d; s = e < 0 ? -e : e; exit !(d <= r * s) }' \
    && ok || bad "$1 = $got, want $2"
}
check_value "n" 490 0
check_value "d" 32 0
check_value "n_classes" 6 0
check_value "params.sigma" 3 0
check_value "results[quantity=DSE,t=1].value" 8.930648690182394 1e-9
check_value "results[quantity=DSE,t=2].value" 8.915234588889517 1e-9
check_value "results[quantity=CSE].value" 8.738638857352992 1e-9
check_value "results[quantity=ASE_knn].value" 8.545868954315644 1e-9
check_value "results[quantity=DSE_matrix_entry].value" 9.913299675702829 1e-9
check_value "results[quantity=DSMI,t=1].value" 0.005241213809284838 0.05

# The human table names every quantity.
table=$("$bin" score "$z" --sigma 3 --labels "$y" --quantities all)
for q in DSE DSE_matrix_entry CSE ASE_gaussian ASE_anisotropic ASE_knn RankMe participation_ratio alpha_ReQ DSMI CSMI ASMI_gaussian; do
  grep -q "^$q " <<<"$table" && ok || bad "table lacks $q"
done

finish "test_cli_score"
