#!/usr/bin/env bash
# test_extraction.sh — PyTorch checkpoints to a dsesweep store, on a real
# (small) training run.
# usage: test_extraction.sh MPIEXEC DSESWEEP TMPDIR
#  - trains a 32-64-32-4 MLP for 5 epochs on synthetic data twice: with the
#    true labels and with shuffled labels, saving a checkpoint per epoch
#    (tools/examples/train_mlp.py);
#  - extracts the penultimate layer of every checkpoint
#    (tools/extract_embeddings.py): 12 files of 800 x 32 float32 with their
#    .json records; a second pass skips all 12; a changed checkpoint is
#    extracted again alone; a corrupt checkpoint is reported on one line naming
#    it while the others are skipped (exit 3); float16 output on request;
#  - runs `dsesweep run` on 2 ranks (configs/mlp_example.ini's quantities) and
#    reads the store: 12 checkpoints of n = 800, d = 32; DSMI(Z;Y) of the
#    true-label run rises from epoch 0 to epoch 5 (by more than 0.5 bits), and
#    the shuffled-label run's stays below the true run's final value at every
#    epoch.
# Exits 77 (skipped) when /usr/bin/python3 cannot import torch.
set -u
mpiexec=$1 bin=$2 tmp=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=/usr/bin/python3
if ! "$py" -c "import torch, numpy" 2>/dev/null; then
  echo "SKIPPED: python3-torch is not installed (tools/setup.sh --with-torch installs it)"
  exit 77
fi
rm -rf "$tmp"; mkdir -p "$tmp"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

train="$py $here/tools/examples/train_mlp.py --data $tmp/data --epochs 5"
$train --make-data --out "$tmp/runs/true" > "$tmp/train.log" 2>&1 || bad "training (true labels): $(tail -3 "$tmp/train.log")"
$train --shuffle-labels --out "$tmp/runs/shuffled" >> "$tmp/train.log" 2>&1 || bad "training (shuffled)"
check_eq "checkpoints saved" 12 "$(ls "$tmp"/runs/*/epoch_*.pt | wc -l)"

extract() {
  "$py" "$here/tools/extract_embeddings.py" --model mlp_model:make_model --model-path "$here/tools/examples" \
    --checkpoints "$tmp/runs/*/epoch_*.pt" --samples "$tmp/data/inputs.npy" --labels "$tmp/data/labels.npy" "$@"
}
extract --batch-size 100 --write-labels "$tmp/labels.npy" > "$tmp/extract1.log" 2>&1
check_eq "first extraction status" 0 $?
check_eq "first extraction summary" "extracted 12, up to date 0, failed 0 (of 12 checkpoints)" "$(tail -1 "$tmp/extract1.log")"
"$py" - "$tmp" > "$tmp/shapes.log" 2>&1 <<'EOP'
import glob, json, sys, numpy as np
tmp = sys.argv[1]
files = sorted(glob.glob(tmp + "/runs/*/epoch_*.emb.npy"))
assert len(files) == 12, files
for f in files:
    z = np.load(f)
    assert z.shape == (800, 32) and z.dtype == np.float32, (f, z.shape, z.dtype)
    meta = json.load(open(f[:-4] + ".json"))
    assert meta["shape"] == [800, 32] and meta["layer"] == "penultimate" and len(meta["checkpoint_sha256"]) == 64, meta
labels = np.load(tmp + "/labels.npy")
assert labels.shape == (800,) and labels.dtype == np.int64 and sorted(set(labels.tolist())) == [0, 1, 2, 3]
print("12 files of 800 x 32 float32")
EOP
[ $? = 0 ] && ok || bad "embedding files: $(cat "$tmp/shapes.log")"

extract > "$tmp/extract2.log" 2>&1
check_eq "second extraction summary" "extracted 0, up to date 12, failed 0 (of 12 checkpoints)" "$(tail -1 "$tmp/extract2.log")"
# Changed weights: epoch 3 of the true run becomes a copy of epoch 4.
cp "$tmp/runs/true/epoch_004.pt" "$tmp/runs/true/epoch_003.pt"
extract > "$tmp/extract3.log" 2>&1
check_eq "changed checkpoint summary" "extracted 1, up to date 11, failed 0 (of 12 checkpoints)" "$(tail -1 "$tmp/extract3.log")"
grep -q "runs/true/epoch_003.pt -> " "$tmp/extract3.log" && ok || bad "the changed checkpoint was not the one extracted"
# A corrupt checkpoint: reported on one line, the rest skipped, exit 3.
mkdir -p "$tmp/bad"; cp -r "$tmp/runs/true" "$tmp/bad/"; head -c 100 "$tmp/runs/true/epoch_001.pt" > "$tmp/bad/true/epoch_001.pt"
"$py" "$here/tools/extract_embeddings.py" --model mlp_model:make_model --model-path "$here/tools/examples" \
  --checkpoints "$tmp/bad/true/epoch_*.pt" --samples "$tmp/data/inputs.npy" --force --quiet > "$tmp/extract4.log" 2>"$tmp/extract4.err"
check_eq "corrupt checkpoint status" 3 $?
check_eq "corrupt checkpoint: one error line" 1 "$(wc -l < "$tmp/extract4.err")"
grep -q "^\[2/6\] FAILED $tmp/bad/true/epoch_001.pt: cannot load: " "$tmp/extract4.err" && ok || bad "corrupt message: $(cat "$tmp/extract4.err")"
check_eq "corrupt checkpoint summary" "extracted 5, up to date 0, failed 1 (of 6 checkpoints)" "$(tail -1 "$tmp/extract4.log")"
# float16 on request, under another suffix.
"$py" "$here/tools/extract_embeddings.py" --model mlp_model:make_model --model-path "$here/tools/examples" \
  --checkpoints "$tmp/runs/true/epoch_005.pt" --samples "$tmp/data/inputs.npy" --dtype float16 --suffix .half --quiet \
  > /dev/null 2>&1 && ok || bad "float16 extraction"
"$py" -c "import numpy as np, sys; z = np.load(sys.argv[1]); assert z.dtype == np.float16 and z.shape == (800, 32)" \
  "$tmp/runs/true/epoch_005.half.npy" && ok || bad "float16 file"
rm -f "$tmp"/runs/true/epoch_005.half.*

# The sweep on 2 ranks.
sed -e "s|^roots = .*|roots = $tmp/runs|" -e "s|^labels = .*|labels = $tmp/labels.npy|" \
    -e "s|^store = .*|store = $tmp/mlp.h5|" "$here/configs/mlp_example.ini" > "$tmp/sweep.ini"
"$mpiexec" --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 -n 2 "$bin" run -q "$tmp/sweep.ini" \
  > "$tmp/run.log" 2>&1
check_eq "sweep status" 0 $?
check_eq "store checkpoints n" "$(printf '800 %.0s' $(seq 12))" "$(h5dump -y -w 0 -d /checkpoints/n "$tmp/mlp.h5" | sed -n '/DATA {/,/}/p' | tr -d ' ,\n' | sed 's/DATA{//; s/}//' | sed 's/800/800 /g')"
check_eq "store checkpoints d" "$(printf '32 %.0s' $(seq 12))" "$(h5dump -y -w 0 -d /checkpoints/d "$tmp/mlp.h5" | sed -n '/DATA {/,/}/p' | tr -d ' ,\n' | sed 's/DATA{//; s/}//' | sed 's/32/32 /g')"
"$bin" export "$tmp/mlp.h5" --out "$tmp/mlp.csv" || bad "export"
"$py" - "$tmp/mlp.csv" > "$tmp/dsmi.log" 2>&1 <<'EOP'
import csv, sys
dsmi = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["quantity"] == "DSMI":
        assert r["status"] == "ok", r
        dsmi[(r["run"], int(r["step"]))] = float(r["value"])
true = [dsmi[("true", e)] for e in range(6)]
shuf = [dsmi[("shuffled", e)] for e in range(6)]
print("DSMI true:", " ".join("%.3f" % v for v in true))
print("DSMI shuffled:", " ".join("%.3f" % v for v in shuf))
assert true[5] > true[0] + 0.5, "true-label DSMI does not rise"
assert max(shuf) < true[5], "shuffled-label DSMI reaches the true run's final value"
EOP
[ $? = 0 ] && ok || bad "DSMI over training: $(cat "$tmp/dsmi.log")"
cat "$tmp/dsmi.log"

finish "extraction"
