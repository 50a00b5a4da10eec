#!/usr/bin/env python3
"""test_report_html.py — `dsesweep report --html` in a real browser.

usage: test_report_html.py SOURCE_DIR DSESWEEP DSE_GEN MPIEXEC TMPDIR [SCREENSHOT.png]

Builds the demo's store (tools/dse_gen tree, configs/demo.ini's quantities
and rules, `mpiexec -n 2 dsesweep run`), writes the demo's report
(--metadata configs/demo_metadata.csv --out DIR, so DIR/index.html) and opens
it in Debian's chromium (headless, through chromium-driver and
python3-selenium) with the browser's network off. Checks:
  - the page is one file: no request for any other resource, no console error;
  - the overview's counts are the store's (from `dsesweep export`);
  - with every panel shown, each plot over steps has one mark per store row
    of its column (status ok, with a value), each scatter one per run joined
    with the metadata, and the ranking one per run, in ranking.csv's order;
  - hovering a scatter point shows the run's name, its value (5 decimals)
    and its accuracy;
  - sorting the table by a column orders it (both ways); the run filter
    keeps that run's rows only;
  - a second page (a truncated checkpoint, --control, --family-regex, a
    sigma rule listed first) shows the failure, the partial and per-family
    correlations, and ranks by the rule listed first.
Saves a screenshot of the demo's page (SCREENSHOT, default TMPDIR/report.png)
and one of the whole page beside it. Exits 77 (skipped) with the reason only
where chromium cannot run: no chromium, chromium-driver or selenium, or a
browser that does not start.
"""
import csv
import math
import os
import re
import shutil
import subprocess
import sys
import time

src, dsesweep, gen, mpiexec, tmp = sys.argv[1:6]
shot = sys.argv[6] if len(sys.argv) > 6 else os.path.join(tmp, "report.png")
failures = 0


def check(cond, what):
    global failures
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures += 1


def skip(why):
    if failures:  # what was checked before the browser failed: not a skip
        print("%d check(s) failed before the browser part" % failures)
        sys.exit(1)
    print("SKIPPED: " + why + " (the browser test needs Debian's chromium, chromium-driver and "
          "python3-selenium; tools/setup.sh installs them)")
    sys.exit(77)


# --- the stores and reports --------------------------------------------------
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")


def run(*cmd, **kw):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, **kw)
    if p.returncode not in kw.pop("ok", (0,)):
        print("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
        sys.exit(1)
    return p.stdout


demo_ini = open(os.path.join(src, "configs", "demo.ini")).read()
meta = os.path.join(src, "configs", "demo_metadata.csv")


def sweep(name, sigma, extra_file=False):
    tree = os.path.join(tmp, name + "_tree")
    run(gen, "tree", "--out", tree, "--inputs", "20")
    if extra_file:  # a truncated checkpoint: its tasks fail
        with open(os.path.join(tree, "run_a", "step_001.npy"), "rb") as f:
            head = f.read(300)
        with open(os.path.join(tree, "run_a", "step_005.npy"), "wb") as f:
            f.write(head)
    ini = demo_ini.replace("../demo-out/tree", tree).replace("../demo-out/demo.h5",
                                                             os.path.join(tmp, name + ".h5"))
    ini = re.sub(r"(?m)^sigma = .*$", "sigma = " + sigma, ini)
    path = os.path.join(tmp, name + ".ini")
    open(path, "w").write(ini)
    p = subprocess.run([mpiexec, "-n", "2", dsesweep, "run", "-q", path], env=env,
                       capture_output=True, text=True)
    if p.returncode not in (0, 3):
        print("sweep failed: " + p.stdout + p.stderr)
        sys.exit(1)
    return os.path.join(tmp, name + ".h5")


store = sweep("demo", "4, median")
out = os.path.join(tmp, "report")
text = run(dsesweep, "report", store, "--metadata", meta, "--out", out)
page = os.path.join(out, "index.html")
check(os.path.isfile(page) and "page: " + page in text, "the report names its page " + page)
html = open(page, encoding="utf-8").read()
check(not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html),
      "the page refers to no other file or address")
rows = list(csv.DictReader(run(dsesweep, "export", store, "--format", "csv").splitlines()))
target = {r["model"]: float(r["top1"]) for r in csv.DictReader(open(meta))}
ranking = list(csv.DictReader(open(os.path.join(out, "ranking.csv"))))

store2 = sweep("variant", "median, 4", extra_file=True)
page2 = os.path.join(tmp, "variant.html")
text2 = run(dsesweep, "report", store2, "--metadata", meta, "--control", "param_count",
            "--family-regex", "^(run_[a-z])", "--html", page2)
check(re.search(r"(?m)^ranking by DSMI\(t=1,sigma=median\)", text2) is not None,
      "with 'sigma = median, 4' the text report ranks by the rule listed first (median)")

# --- the browser ---------------------------------------------------------------
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
driver_bin = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
if not chromium:
    skip("no chromium on PATH")
if not driver_bin:
    skip("no chromedriver (chromium-driver)")
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError as e:
    skip("python3-selenium is missing (%s)" % e)

opts = webdriver.ChromeOptions()
opts.binary_location = chromium
for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--window-size=1280,1000",
             "--proxy-server=127.0.0.1:9",  # any request for the network would fail
             "--user-data-dir=" + os.path.join(tmp, "chromium-profile")):
    opts.add_argument(flag)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
try:
    driver = webdriver.Chrome(service=Service(driver_bin), options=opts)
except Exception as e:  # the one place a skip is allowed: chromium cannot run here
    skip("chromium did not start: %s" % str(e).strip().splitlines()[0])

try:
    # the network off (DevTools), then the page from disk
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0,
                                  upload_throughput=0)
    t0 = time.time()
    driver.get("file://" + os.path.abspath(page))
    for _ in range(100):
        if driver.execute_script("return document.body.getAttribute('data-ready')") == "1":
            break
        time.sleep(0.1)
    check(driver.execute_script("return document.body.getAttribute('data-ready')") == "1",
          "the page's script ran to its end (%.2f s)" % (time.time() - t0))
    logs = driver.get_log("browser")
    severe = [l for l in logs if l.get("level") == "SEVERE"]
    check(not severe, "no console errors: %s" % severe)
    res = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    check(res == [], "no resource requested beyond the page: %s" % res)
    driver.set_window_size(1280, 1400)  # the overview and the first plots
    driver.save_screenshot(shot)
    check(os.path.getsize(shot) > 20000, "screenshot " + shot)

    # the overview's counts
    runs = sorted({r["run"] for r in rows})
    ckpts = {r["path"] for r in rows}
    failed = sum(r["status"] == "error" for r in rows)
    for key, want in (("checkpoints", len(ckpts)), ("runs", len(runs)), ("results", len(rows)),
                      ("failed", failed)):
        got = driver.find_element(By.ID, "count-" + key).text
        check(got == str(want), "overview: %s %s (store %d)" % (key, got, want))

    # every panel; marks per plot
    driver.find_element(By.ID, "show-all").click()

    def params(name):  # "DSE(t=1,sigma=4)" -> ("DSE", {"t": "1", "sigma": "4"})
        m = re.match(r"^([^(]+)(?:\((.*)\))?$", name)
        return m.group(1), dict(kv.split("=", 1) for kv in (m.group(2) or "").split(",") if kv)

    def store_rows(name):
        q, p = params(name)
        return [r for r in rows if r["quantity"] == q and r["status"] == "ok" and r["value"] != ""
                and ("t" not in p or float(r["t"]) == float(p["t"]))
                and ("sigma" not in p or r["sigma_rule"] == p["sigma"])]

    panels = driver.find_elements(By.CSS_SELECTOR, "#over-steps .panel")
    n_columns = len({(r["quantity"], r["t"], r["sigma_rule"]) for r in rows})
    check(len(panels) == n_columns, "over steps: %d panels for %d columns" % (len(panels), n_columns))
    bad = []
    for p in panels:
        name = p.get_attribute("data-column")
        marks = len(p.find_elements(By.CSS_SELECTOR, ".mark"))
        if marks != len(store_rows(name)) or marks == 0:
            bad.append((name, marks, len(store_rows(name))))
    check(not bad, "over steps: each panel has one mark per store row of its column %s" % bad)

    def last_values(name):  # each run's last step with a value
        last = {}
        for r in sorted(store_rows(name), key=lambda r: int(r["step"])):
            last[r["run"]] = r
        return last

    scat = driver.find_elements(By.CSS_SELECTOR, "#accuracy .panel")
    check(len(scat) == n_columns, "against top1: %d panels" % len(scat))
    bad = []
    for p in scat:
        name = p.get_attribute("data-column")
        want = len([r for r in last_values(name) if r in target])
        marks = len(p.find_elements(By.CSS_SELECTOR, ".mark"))
        if marks != want:
            bad.append((name, marks, want))
    check(not bad, "against top1: one mark per joined run %s" % bad)

    # hover a scatter point
    p = [p for p in scat if p.get_attribute("data-column") == "DSMI(t=1,sigma=4)"][0]
    marks = p.find_elements(By.CSS_SELECTOR, ".mark")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", p)
    # a point no other point covers at its centre (run_a and run_b nearly coincide)
    mark = [m for m in marks if driver.execute_script(
        "var b = arguments[0].getBoundingClientRect();"
        "return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === arguments[0]",
        m)][0]
    row = int(mark.get_attribute("data-row"))
    ActionChains(driver).move_to_element(mark).perform()
    tip = driver.find_element(By.ID, "tip")
    tip_text = tip.text
    run_name = driver.execute_script("var D = JSON.parse(document.getElementById('report-data')"
                                     ".textContent); return D.runs[D.rows.run[%d]]" % row)
    r = last_values("DSMI(t=1,sigma=4)")[run_name]
    want_value = "%.5f" % float(r["value"])
    check(tip.is_displayed() and run_name in tip_text and want_value in tip_text
          and ("%.5f" % target[run_name]) in tip_text,
          "hover shows %s, %s and top1 %.5f: %r" % (run_name, want_value, target[run_name],
                                                   tip_text))

    # the ranking: one mark per run, in ranking.csv's order
    rmarks = driver.find_elements(By.CSS_SELECTOR, "#ranking .mark")
    order = [driver.execute_script("var D = JSON.parse(document.getElementById('report-data')"
                                   ".textContent); return D.runs[D.rows.run[%s]]"
                                   % m.get_attribute("data-row")) for m in rmarks]
    check(order == [r["run"] for r in ranking],
          "ranking: %s, as ranking.csv %s" % (order, [r["run"] for r in ranking]))

    # sort the table by a column, both ways; filter by run
    col = "DSMI(t=1,sigma=median)"

    def column_values():
        table = driver.find_element(By.ID, "rows-table")
        heads = [h.text for h in table.find_elements(By.CSS_SELECTOR, "thead th")]
        k = heads.index(col) + 1
        return [float(c.get_attribute("data-value")) for c in
                table.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(%d)" % k)]

    def header():
        return [h for h in driver.find_elements(By.CSS_SELECTOR, "#rows-table thead th")
                if h.text.startswith(col)][0]

    driver.execute_script("arguments[0].scrollIntoView()", header())
    header().click()
    up = column_values()
    check(len(up) == len(ckpts) and up == sorted(up), "table sorted by %s, ascending" % col)
    header().click()
    down = column_values()
    check(down == sorted(up, reverse=True), "table sorted by %s, descending" % col)
    Select(driver.find_element(By.ID, "run-filter")).select_by_visible_text("run_b")
    cells = driver.find_elements(By.CSS_SELECTOR, "#rows-table tbody tr td:first-child")
    want = sum(1 for c in ckpts if "/run_b/" in c)
    check(len(cells) == want and all(c.text == "run_b" for c in cells),
          "run filter: %d rows of run_b (%d checkpoints)" % (len(cells), want))

    # the whole page, for a reader of the test's output
    full = driver.execute_cdp_cmd("Page.captureScreenshot",
                                  {"captureBeyondViewport": True, "format": "png"})
    import base64
    open(os.path.splitext(shot)[0] + "_full.png", "wb").write(base64.b64decode(full["data"]))

    # the variant: failures, partial and per-family correlations, rank by median
    driver.get("file://" + os.path.abspath(page2))
    time.sleep(0.3)
    severe = [l for l in driver.get_log("browser") if l.get("level") == "SEVERE"]
    check(not severe, "variant: no console errors: %s" % severe)
    body = driver.find_element(By.TAG_NAME, "body").text
    rows2 = list(csv.DictReader(run(dsesweep, "export", store2, "--format", "csv").splitlines()))
    failed2 = sum(r["status"] == "error" for r in rows2)
    check(failed2 > 0 and driver.find_element(By.ID, "count-failed").text == str(failed2),
          "variant: %d failed results (the truncated checkpoint's tasks)" % failed2)
    check("step_005.npy" in driver.page_source and "failed result(s)" in body,
          "variant: the failure is listed with its file")
    check("partial pearson" in body and "given param_count" in body,
          "variant: partial correlations given param_count")
    check("run_a (n = 1)" in body and "run_s (n = 1)" in body,
          "variant: per-family correlations for run_a, run_b, run_s")
    sel = Select(driver.find_element(By.ID, "rank-by")).first_selected_option.text
    check(sel == "DSMI(t=1,sigma=median)", "variant: ranks by the rule listed first: " + sel)
finally:
    driver.quit()

print("%d check(s) failed" % failures if failures else "all checks passed")
sys.exit(1 if failures else 0)
