"""tools/examples/train_and_watch.py for 3 epochs: its CSV has a row per run
and epoch with DSMI rising for the true labels only, and its PNG is a real
plot. Skipped without python3-torch or python3-matplotlib."""
import csv
import os
import subprocess
import sys

import pytest

from conftest import SOURCE

pytest.importorskip("torch")
pytest.importorskip("matplotlib")


def test_train_and_watch(tmp_path):
    script = os.path.join(SOURCE, "tools", "examples", "train_and_watch.py")
    out = subprocess.run([sys.executable, script, "--out", str(tmp_path), "--epochs", "3"],
                         check=True, capture_output=True, text=True).stdout
    assert "wrote" in out
    with open(tmp_path / "train_and_watch.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["run"], int(r["epoch"])) for r in rows] == [
        (run, e) for run in ("true", "shuffled") for e in range(4)]
    dsmi = {(r["run"], int(r["epoch"])): float(r["DSMI"]) for r in rows}
    assert dsmi[("true", 0)] == dsmi[("shuffled", 0)]  # same initial weights
    assert dsmi[("true", 3)] > 1.0
    assert dsmi[("shuffled", 3)] < 0.1
    png = subprocess.run([sys.executable, os.path.join(SOURCE, "tests", "png_check.py"),
                          str(tmp_path / "train_and_watch.png")], capture_output=True, text=True)
    assert png.returncode == 0, png.stdout + png.stderr
