#!/usr/bin/env bash
# bench_report_html.sh — how long the report's HTML page of a large store takes
# to render in headless chromium, and how big the file is.
#
#   bench/bench_report_html.sh [RUNS] [STEPS]    (default 24 runs and the shuffled one,
#                                                 x 8 steps = 200 checkpoints)
#
# Generates the checkpoints (tools/dse_gen tree, N = 200, D = 16; RUNS <= 25), sweeps
# DSE, DSMI, CSE and RankMe at t = 1,2 under sigma = 4, median on RANKS ranks
# (default 2), writes a metadata CSV with a made-up top1 per run and param_count,
# runs `dsesweep report --metadata ... --control param_count --html`, then opens
# the page in chromium (the browser test's flags, network off) REPS times
# (default 3) and prints, best of REPS:
#   - load: navigation start to the laid-out page with its default panels
#     (file read, parse, d3, the page's script, style and layout);
#   - all panels: the time to redraw and lay out with every column shown
#     (click "all");
# and the page's size in bytes (d3 is about 242 KB of it).
# Environment: BUILD (default build/), RANKS, REPS. Needs chromium,
# chromium-driver and python3-selenium (tools/setup.sh --with-browser).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$here/build}
runs=${1:-24} steps=${2:-8} RANKS=${RANKS:-2} REPS=${REPS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
"$build/dse_gen" tree --out "$tmp/tree" --runs "$runs" --steps "$steps" --n 200 --d 16 >/dev/null
source "$here/tests/lib.sh"  # sweep_config: the tests' sweep config
sweep_config "$tmp/sweep.ini" "$tmp/tree" "$tmp/s.h5" DSE,DSMI,CSE,RankMe "4, median" "" "t = 1,2"
mpiexec -n "$RANKS" -x OPENBLAS_NUM_THREADS=1 "$build/dsesweep" run -q "$tmp/sweep.ini"
ls "$tmp/tree" | grep '^run_' | awk 'BEGIN { srand(1); print "model,top1,param_count" }
  { printf "%s,%.3f,%.2f\n", $1, 50 + 40 * rand(), 10 + 500 * rand() }' > "$tmp/meta.csv"
t0=$(date +%s.%N)
"$build/dsesweep" report "$tmp/s.h5" --metadata "$tmp/meta.csv" --control param_count \
  --html "$tmp/page.html" >/dev/null
t1=$(date +%s.%N)
/usr/bin/python3 - "$tmp/page.html" "$REPS" "$tmp" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" <<'EOP'
import os, sys, time
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
page, reps, tmp, write_s = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
opts = webdriver.ChromeOptions()
for f in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-dev-shm-usage", "--window-size=1280,1000", "--user-data-dir=" + tmp + "/profile"):
    opts.add_argument(f)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
d.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
load, everything, marks = [], [], 0
for _ in range(reps):
    d.get("file://" + page)
    while d.execute_script("return document.body.getAttribute('data-ready')") != "1":
        time.sleep(0.02)
    # navigation start to a laid-out page (reading offsetHeight forces the layout)
    load.append(d.execute_script("document.body.offsetHeight; return performance.now() / 1000"))
    everything.append(d.execute_script(
        "var t = performance.now(); document.getElementById('show-all').click();"
        "document.body.offsetHeight; return (performance.now() - t) / 1000"))
    marks = len(d.find_elements(By.CSS_SELECTOR, ".mark"))
errors = [l for l in d.get_log("browser") if l.get("level") == "SEVERE"]
d.quit()
n = d = None
print("report --html wrote the page in %.2f s" % write_s)
print("page: %d bytes (%.0f KB)" % (os.path.getsize(page), os.path.getsize(page) / 1024))
print("load, draw and lay out, default panels: best %.2f s of %d (all: %s)" % (min(load), reps, " ".join("%.2f" % v for v in load)))
print("redraw with every panel: best %.2f s (%d marks on the page)" % (min(everything), marks))
print("console errors: %d" % len(errors))
EOP
