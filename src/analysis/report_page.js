/* report_page.js — the page of `dsesweep report --html` (docs/report.md).
 * Reads the report's numbers from <script id="report-data"> and draws every
 * plot as SVG with d3 3.5 (Debian libjs-d3, inlined before this script).
 * Every plotted value is one element of class "mark" with data-column and
 * data-row attributes (the browser test counts them). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var app = d3.select("#app").html("");
  var tip = d3.select("#tip");
  var nRows = D.rows.step.length;
  var cols = D.columns;
  var SYMBOLS = ["circle", "square", "triangle-up", "diamond", "triangle-down", "cross"];
  var DASHES = ["", "7,3", "2,3", "9,3,2,3", "4,4", "12,4"];
  var color = (D.runs.length <= 10 ? d3.scale.category10() : d3.scale.category20())
    .domain(D.runs.map(function (_, i) { return i; }));
  var famScale = d3.scale.category10().domain(d3.range(10)); /* families (--family-regex) */

  /* ---- formatting and small helpers ------------------------------------ */
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "\u2013";
    var a = Math.abs(v);
    return a !== 0 && (a >= 1e5 || a < 1e-4) ? v.toPrecision(5) : v.toFixed(5);
  }
  function fmtStep(s) { return s < 0 ? "\u2013" : String(s); }
  function coef(c) {  /* [r, lo, hi] */
    if (!c || c[0] === null) return "n/a";
    var s = (c[0] >= 0 ? "+" : "") + c[0].toFixed(3);
    if (c[1] !== null && c[2] !== null) s += " [" + c[1].toFixed(3) + ", " + c[2].toFixed(3) + "]";
    return s;
  }
  function el(parent, tag, cls, text) {
    var e = parent.append(tag);
    if (cls) e.attr("class", cls);
    if (text !== undefined) e.text(text);
    return e;
  }
  function section(id, title, intro) {
    var s = app.append("section").attr("id", id);
    el(s, "h2", null, title);
    if (intro) el(s, "p", "intro", intro);
    return s;
  }
  function showTip(html) {
    tip.html(html).style("display", "block");
    var e = d3.event, w = tip.node().offsetWidth;
    var x = e.pageX + 14, y = e.pageY + 14;
    if (x + w > window.scrollX + window.innerWidth - 8) x = e.pageX - w - 14;
    tip.style("left", x + "px").style("top", y + "px");
  }
  function hideTip() { tip.style("display", "none"); }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function val(j, r) { return cols[j].v[r]; }
  function se(j, r) { var s = cols[j].se ? cols[j].se[r] : null; return s === null || s === undefined ? 0 : s; }
  function interval(j, r) {
    var c = cols[j];
    if (!c.lo || c.lo[r] === null || c.hi[r] === null) return null;
    return [c.lo[r], c.hi[r], c.stat && c.stat[r] ? "statistical" : "certified"];
  }
  function runOf(r) { return D.runs[D.rows.run[r]]; }
  function valueText(j, r) {
    var s = fmt(val(j, r)), e = se(j, r), iv = interval(j, r);
    if (e > 0) s += " \u00b1 " + fmt(e);
    if (iv) s += " in [" + fmt(iv[0]) + ", " + fmt(iv[1]) + "] (" + iv[2] + ")";
    return s;
  }
  function finite(v) { return v !== null && v !== undefined && isFinite(v); }
  /* Rows the ranking and the correlations use for column j: each run's last
   * step with a value, or every step when the store holds one run (as the
   * text report). */
  function rankingRows(j) {
    var out = [], last = {};
    for (var r = 0; r < nRows; ++r) {
      if (!finite(val(j, r))) continue;
      if (D.runs.length === 1) out.push(r); else last[D.rows.run[r]] = r;
    }
    if (D.runs.length > 1) for (var k in last) out.push(last[k]);
    return out.sort(function (a, b) { return a - b; });
  }
  function marker(sel, run, size) {
    sel.append("path").attr("d", d3.svg.symbol().type(SYMBOLS[run % SYMBOLS.length]).size(size || 56))
      .attr("fill", color(run)).attr("stroke", "#fff").attr("stroke-width", 0.8);
  }

  /* ---- header and overview --------------------------------------------- */
  var head = el(app, "header");
  el(head, "h1", null, "dsesweep report");
  el(head, "p", "sub", D.store.split("/").pop() + " \u00b7 generated " + D.generated + " by dsesweep " + D.version);
  var nav = el(head, "nav");
  [["overview", "Overview"], ["over-steps", "Over training"], ["accuracy", "Against " + (D.metadata ? D.metadata.target : "accuracy")],
    ["ranking", "Ranking"], ["rows", "Every row"], ["bounded", "Bounded method"]].forEach(function (l) {
    if (l[0] === "accuracy" && !D.metadata) return;
    if (l[0] === "bounded" && !D.bounded) return;
    nav.append("a").attr("href", "#" + l[0]).text(l[1]);
  });

  var ov = section("overview", "Overview");
  var ovtop = el(ov, "div", "ovtop");
  var cards = el(ovtop, "div", "cards");
  [["checkpoints", D.counts.checkpoints], ["runs", D.counts.runs], ["results", D.counts.results],
    ["failed", D.counts.failed]].forEach(function (c) {
    var k = el(cards, "div", "card" + (c[0] === "failed" && c[1] > 0 ? " bad" : ""));
    el(k, "div", "num", c[1]).attr("id", "count-" + c[0]);
    el(k, "div", "lbl", c[0]);
  });
  var prov = el(ovtop, "table", "kv");
  [["store", D.store], ["sweep started", D.started || "\u2013"],
    ["columns", cols.length + " (quantity \u00d7 t \u00d7 sigma)"],
    ["sigma", D.rules.length ? D.rules.join(", ") + "  (the first, " + D.rules[0] + ", ranks by default)" : D.sigma_fixed]]
    .forEach(function (p) { var tr = el(prov, "tr"); el(tr, "th", null, p[0]); el(tr, "td", null, p[1]); });
  if (D.reference) {
    var R = D.reference, tr = el(prov, "tr");
    el(tr, "th", null, "*_X reference");
    el(tr, "td", null, R.path + " (" + R.n + " \u00d7 " + R.d + ", " + R.clusters + " spectral clusters, k = " + R.knn +
       ", " + R.components + " graph component(s); sizes " + R.sizes.join(" ") + ")");
  }
  var sc = D.sigma_check;
  var warn = el(ov, "div", "box" + (sc.items.length ? " warn" : " good"));
  if (!sc.items.length) {
    warn.text("Bandwidth check: every (checkpoint, sigma) pair of the " + sc.checked +
              " checked has sigma within [0.05, 20] \u00d7 its median pairwise distance.");
  } else {
    el(warn, "strong", null, "Bandwidth check: " + (sc.diagonal + sc.constant) + " of " + sc.checked +
       " (checkpoint, sigma) pairs are outside [0.05, 20] \u00d7 the median pairwise distance (" +
       sc.diagonal + " nearly diagonal, " + sc.constant + " nearly constant).");
    var wt = el(warn, "table", "small");
    var h = el(wt, "tr");
    ["run", "step", "sigma", "sigma used", "median distance", "what it does"].forEach(function (x) { el(h, "th", null, x); });
    sc.items.forEach(function (w) {
      var r = el(wt, "tr");
      [w.run, fmtStep(w.step), w.rule || "(fixed)", w.sigma.toPrecision(4), w.median.toPrecision(4), w.warning]
        .forEach(function (x) { el(r, "td", null, x); });
    });
  }
  if (D.failures.length) {
    var fb = el(ov, "details", "box bad");
    el(fb, "summary", null, D.counts.failed + " failed result(s); the first " + D.failures.length + " tasks:");
    var ft = el(fb, "table", "small");
    D.failures.forEach(function (f) {
      var r = el(ft, "tr");
      el(r, "td", null, f.run); el(r, "td", null, fmtStep(f.step)); el(r, "td", "err", f.error);
    });
  }
  if (D.config) {
    var cd = el(ov, "details", "box");
    el(cd, "summary", null, "The sweep's config (as stored)");
    el(cd, "pre", null, D.config);
  }

  /* ---- the column chooser ----------------------------------------------- */
  function distinct(key) {
    var seen = {}, out = [];
    cols.forEach(function (c) {
      if (c[key] === null) return;
      var k = String(c[key]);
      if (!seen[k]) { seen[k] = 1; out.push(k); }
    });
    return out;
  }
  var facets = [["quantity", "quantity"], ["t", "t"], ["sigma", "sigma"]].map(function (f) {
    return { key: f[0], label: f[1], values: distinct(f[0]), on: {} };
  }).filter(function (f) { return f.values.length > 1 || f.key === "quantity"; });
  function setDefault() {
    facets.forEach(function (f) { f.values.forEach(function (v) { f.on[v] = false; }); });
    D.default_columns.forEach(function (j) {
      facets.forEach(function (f) { f.on[cols[j][f.key] === null ? "\u2013" : String(cols[j][f.key])] = true; });
    });
  }
  function setAll() { facets.forEach(function (f) { f.values.forEach(function (v) { f.on[v] = true; }); }); }
  function chosen() {
    var out = [];
    cols.forEach(function (c, j) {
      var ok = facets.every(function (f) {
        if (c[f.key] === null && f.key !== "quantity") return true; /* CSE has no t */
        return f.on[c[f.key] === null ? "\u2013" : String(c[f.key])];
      });
      if (ok) out.push(j);
    });
    return out;
  }
  setDefault();
  var bar = el(app, "div", "chooser").attr("id", "chooser");
  el(bar, "span", "lbl", "Show panels for");
  var chips = bar.append("span");
  function drawChooser() {
    chips.html("");
    facets.forEach(function (f) {
      var g = el(chips, "span", "facet");
      el(g, "span", "fname", f.label);
      f.values.forEach(function (v) {
        var lab = el(g, "label", "chip" + (f.on[v] ? " on" : ""));
        lab.append("input").attr("type", "checkbox").attr("data-facet", f.key).attr("value", v)
          .property("checked", !!f.on[v]).on("change", function () { f.on[v] = this.checked; redraw(); });
        lab.append("span").text(v);
      });
    });
  }
  el(bar, "button", null, "default").attr("id", "show-default").on("click", function () { setDefault(); redraw(); });
  el(bar, "button", null, "all").attr("id", "show-all").on("click", function () { setAll(); redraw(); });

  /* ---- the legend (runs) ----------------------------------------------- */
  function legend(parent) {
    var lg = el(parent, "div", "legend");
    D.runs.forEach(function (name, i) {
      var it = el(lg, "span", "item").attr("data-run", i);
      var s = it.append("svg").attr("width", 34).attr("height", 14);
      s.append("line").attr("x1", 1).attr("x2", 33).attr("y1", 7).attr("y2", 7).attr("stroke", color(i))
        .attr("stroke-width", 2).attr("stroke-dasharray", DASHES[i % DASHES.length]);
      marker(s.append("g").attr("transform", "translate(17,7)"), i, 40);
      it.append("span").text(name);
      it.on("mouseover", function () { d3.selectAll(".run-" + i).classed("hl", true); d3.selectAll(".series").classed("dim", true); })
        .on("mouseout", function () { d3.selectAll(".hl").classed("hl", false); d3.selectAll(".dim").classed("dim", false); });
    });
  }

  /* ---- axes ---------------------------------------------------------- */
  var W = 540, H = 300, M = { l: 62, r: 16, t: 10, b: 42 }, clipId = 0;
  function frame(parent, xlab, ylab, x, y, xint) {
    var svg = parent.append("svg").attr("viewBox", "0 0 " + W + " " + H).attr("class", "plot");
    var g = svg.append("g").attr("transform", "translate(" + M.l + "," + M.t + ")");
    var iw = W - M.l - M.r, ih = H - M.t - M.b, id = "clip" + (++clipId);
    svg.append("clipPath").attr("id", id).append("rect").attr("width", iw).attr("height", ih);
    g.attr("data-clip", id);
    var xa = d3.svg.axis().scale(x).orient("bottom").ticks(Math.min(8, iw / 70)).tickSize(-ih, 0);
    if (xint) xa.tickFormat(d3.format("d")).tickValues(xint);
    g.append("g").attr("class", "axis x").attr("transform", "translate(0," + ih + ")").call(xa);
    g.append("g").attr("class", "axis y").call(d3.svg.axis().scale(y).orient("left").ticks(6).tickSize(-iw, 0));
    el(g, "text", "alabel", xlab).attr("x", iw / 2).attr("y", ih + 34).attr("text-anchor", "middle");
    el(g, "text", "alabel", ylab).attr("transform", "rotate(-90)").attr("x", -ih / 2).attr("y", -48).attr("text-anchor", "middle");
    return g;
  }
  function extent(list) {
    var lo = d3.min(list), hi = d3.max(list);
    if (lo === undefined) return [0, 1];
    if (lo === hi) { var d = lo === 0 ? 1 : Math.abs(lo) * 0.05; return [lo - d, hi + d]; }
    var pad = (hi - lo) * 0.06;
    return [lo - pad, hi + pad];
  }

  /* ---- over training -------------------------------------------------- */
  var steps = section("over-steps", "Over training",
    "Each quantity against the step, one line per run (colour, marker and dash tell runs apart), with a band of \u00b1 one " +
    "standard error where the store has one, and the bounded method's intervals as vertical bars. Hover a point for its numbers.");
  legend(steps);
  var stepGrid = el(steps, "div", "grid");

  function drawSteps(j) {
    var panel = el(stepGrid, "div", "panel").attr("data-column", cols[j].name);
    el(panel, "h3", null, cols[j].name);
    var rows = [], ys = [], xs = [];
    for (var r = 0; r < nRows; ++r) {
      var v = val(j, r), iv = interval(j, r);
      if (!finite(v) && !iv) continue;
      rows.push(r);
      xs.push(D.rows.step[r]);
      if (finite(v)) { ys.push(v - se(j, r)); ys.push(v + se(j, r)); }
      if (iv) { ys.push(iv[0]); ys.push(iv[1]); }
    }
    var stepVals = d3.set(xs).values().map(Number).sort(d3.ascending);
    var x = d3.scale.linear().domain(extent(xs)).range([0, W - M.l - M.r]);
    var y = d3.scale.linear().domain(extent(ys)).nice().range([H - M.t - M.b, 0]);
    var g = frame(panel, "step", cols[j].name, x, y, stepVals.length <= 12 ? stepVals : null);
    var byRun = d3.nest().key(function (r) { return D.rows.run[r]; }).entries(rows);
    byRun.forEach(function (grp) {
      var run = +grp.key, rs = grp.values, c = color(run);
      var s = g.append("g").attr("class", "series run-" + run);
      var ok = rs.filter(function (r) { return finite(val(j, r)); });
      if (ok.some(function (r) { return se(j, r) > 0; })) {
        s.append("path").attr("class", "band").attr("fill", c).attr("d", d3.svg.area()
          .x(function (r) { return x(D.rows.step[r]); })
          .y0(function (r) { return y(val(j, r) - se(j, r)); })
          .y1(function (r) { return y(val(j, r) + se(j, r)); })(ok));
      }
      s.append("path").attr("class", "line").attr("stroke", c).attr("stroke-dasharray", DASHES[run % DASHES.length])
        .attr("d", d3.svg.line().x(function (r) { return x(D.rows.step[r]); }).y(function (r) { return y(val(j, r)); })(ok));
      rs.forEach(function (r) {
        var iv = interval(j, r);
        if (iv) {  /* dodged a little per run, so equal intervals stay apart */
          var xx = x(D.rows.step[r]) + Math.max(-12, Math.min(12, (run - (D.runs.length - 1) / 2) * 5));
          s.append("path").attr("class", "interval " + iv[2]).attr("stroke", c)
            .attr("d", "M" + (xx - 4) + "," + y(iv[0]) + "H" + (xx + 4) + "M" + xx + "," + y(iv[0]) + "V" + y(iv[1]) +
                  "M" + (xx - 4) + "," + y(iv[1]) + "H" + (xx + 4));
        }
      });
      ok.forEach(function (r) {
        var m = s.append("g").attr("class", "mark").attr("data-column", cols[j].name).attr("data-row", r)
          .attr("transform", "translate(" + x(D.rows.step[r]) + "," + y(val(j, r)) + ")");
        marker(m, run);
        m.on("mouseover", function () {
          showTip("<b>" + esc(runOf(r)) + "</b> step " + fmtStep(D.rows.step[r]) + "<br>" + esc(cols[j].name) + " = " +
                  valueText(j, r));
        }).on("mouseout", hideTip);
      });
    });
  }

  /* ---- against the metadata target ------------------------------------ */
  var accGrid = null, MD = D.metadata;
  if (MD) {
    var acc = section("accuracy", "Against " + MD.target,
      "Each run (at its last step with a value) joined with " + MD.file + " on " + MD.key + " = run name: " + MD.joined +
      " joined, " + MD.unjoined.length + " without a metadata row" + (MD.unjoined.length ? " (" + MD.unjoined.slice(0, 5).join(", ") + ")" : "") +
      ", " + MD.unused.length + " metadata row(s) without a run" + (MD.not_number.length ? ", " + MD.not_number.length + " target(s) not a number" : "") +
      ". Intervals: 95% percentile bootstrap, " + MD.resamples + " resamples, seed " + MD.seed + " (none below 5 pairs). " +
      "Horizontal bars: \u00b1 one standard error.");
    if (MD.families) legendFamilies(acc);
    accGrid = el(acc, "div", "grid acc");
    correlationTable(acc);
  }
  function familyOf(run) { return MD.families ? MD.families.family_of_run[run] : null; }
  function legendFamilies(parent) {
    var lg = el(parent, "div", "legend");
    el(lg, "span", "lbl", "families (" + MD.families.regex + "):");
    MD.families.rows.forEach(function (f, i) {
      var it = el(lg, "span", "item");
      it.append("svg").attr("width", 14).attr("height", 14).append("circle").attr("cx", 7).attr("cy", 7).attr("r", 5)
        .attr("fill", famScale(i));
      it.append("span").text(f.family);
    });
  }
  function famColor(run) {
    var f = familyOf(run);
    if (f === null) return color(run);
    for (var i = 0; i < MD.families.rows.length; ++i) if (MD.families.rows[i].family === f) return famScale(i);
    return "#777";
  }
  function statRows(tbl, j) {
    var c = MD.correlations[j];
    ["pearson", "spearman", "kendall"].forEach(function (k, i) {
      var r = el(tbl, "tr"); el(r, "th", null, k); el(r, "td", "num", coef(c.r[i]));
    });
    if (MD.partial) {
      var p = MD.partial.rows[j];
      ["pearson", "spearman"].forEach(function (k, i) {
        var r = el(tbl, "tr", "partial"); el(r, "th", null, "partial " + k); el(r, "td", "num", coef(p.r[i]));
      });
      el(el(tbl, "tr", "note"), "td", null, "given " + MD.partial.controls.join(", ") + " (n = " + p.n + ")").attr("colspan", 2);
    }
    if (MD.families && MD.families.column === j) {
      MD.families.rows.forEach(function (f) {
        var r = el(tbl, "tr", "family");
        el(r, "th", null, f.family + " (n = " + f.n + ")");
        el(r, "td", "num", "r " + coef(f.r[0]) + "; \u03c1 " + coef(f.r[1]));
      });
    }
  }
  function drawScatter(j) {
    var pts = rankingRows(j).filter(function (r) { return finite(MD.target_of_run[D.rows.run[r]]); });
    var panel = el(accGrid, "div", "panel scatter").attr("data-column", cols[j].name);
    el(panel, "h3", null, MD.target + " against " + cols[j].name + "  (n = " + pts.length + ")");
    var body = el(panel, "div", "pbody");
    var tx = function (r) { return MD.target_of_run[D.rows.run[r]]; };
    var xs = [], ys = pts.map(tx);
    pts.forEach(function (r) { xs.push(val(j, r) - se(j, r)); xs.push(val(j, r) + se(j, r)); });
    var x = d3.scale.linear().domain(extent(xs)).nice().range([0, W - M.l - M.r]);
    var y = d3.scale.linear().domain(extent(ys)).nice().range([H - M.t - M.b, 0]);
    var g = frame(body, cols[j].name, MD.target, x, y);
    var c = MD.correlations[j];
    if (c.fit && pts.length > 1) {
      var d = x.domain();
      g.append("line").attr("class", "fit").attr("clip-path", "url(#" + g.attr("data-clip") + ")").attr("x1", x(d[0])).attr("x2", x(d[1]))
        .attr("y1", y(c.fit[1] + c.fit[0] * d[0])).attr("y2", y(c.fit[1] + c.fit[0] * d[1]));
    }
    /* labels: every point when few, else the 5 highest and lowest targets */
    var byT = pts.slice().sort(function (a, b) { return tx(a) - tx(b); });
    var labelled = pts.length <= 20 ? pts : byT.slice(0, 5).concat(byT.slice(-5));
    pts.forEach(function (r) {
      var run = D.rows.run[r], xx = x(val(j, r)), yy = y(tx(r)), e = se(j, r);
      if (e > 0) g.append("path").attr("class", "ebar").attr("d", "M" + x(val(j, r) - e) + "," + (yy - 4) + "v8M" + x(val(j, r) - e) +
        "," + yy + "H" + x(val(j, r) + e) + "M" + x(val(j, r) + e) + "," + (yy - 4) + "v8");
      var m = g.append("circle").attr("class", "mark pt").attr("data-column", cols[j].name).attr("data-row", r)
        .attr("cx", xx).attr("cy", yy).attr("r", 5.5).attr("fill", famColor(run));
      m.on("mouseover", function () {
        d3.select(this).classed("hot", true);
        showTip("<b>" + esc(runOf(r)) + "</b>" + (D.runs.length === 1 ? " step " + fmtStep(D.rows.step[r]) : "") + "<br>" + esc(cols[j].name) +
                " = " + valueText(j, r) + "<br>" + esc(MD.target) + " = " + fmt(tx(r)) +
                (familyOf(run) !== null ? "<br>family " + esc(familyOf(run)) : ""));
      }).on("mouseout", function () { d3.select(this).classed("hot", false); hideTip(); });
    });
    placeLabels(g, labelled.map(function (r) {
      return { x: x(val(j, r)), y: y(tx(r)), text: D.runs.length === 1 ? "step " + fmtStep(D.rows.step[r]) : runOf(r) };
    }), W - M.l - M.r);
    statRows(el(body, "table", "stats"), j);
  }
  /* Labels beside their points, moved down where they would overlap an
   * earlier one, and to the left of the point near the right edge. */
  function placeLabels(g, labels, width) {
    var placed = [];
    labels.sort(function (a, b) { return a.y - b.y || a.x - b.x; }).forEach(function (l) {
      var w = l.text.length * 6.2 + 4, left = l.x + 8 + w > width;
      var x0 = left ? l.x - 8 - w : l.x + 8, y = l.y - 6;
      for (var moved = true, k = 0; moved && k < 50; ++k) {
        moved = false;
        placed.forEach(function (p) {
          if (x0 < p.x0 + p.w && p.x0 < x0 + w && Math.abs(y - p.y) < 12) { y = p.y + 12; moved = true; }
        });
      }
      placed.push({ x0: x0, w: w, y: y });
      el(g, "text", "plabel", l.text).attr("x", left ? x0 + w : x0).attr("y", y).attr("text-anchor", left ? "end" : "start");
    });
  }
  function correlationTable(parent) {
    el(parent, "h3", null, "Every column against " + MD.target);
    var t = el(parent, "table", "data corr");
    var h = el(t, "tr");
    ["column", "n", "pearson [95%]", "spearman [95%]", "kendall [95%]"].concat(MD.partial ? ["partial pearson", "partial spearman"] : [])
      .forEach(function (x) { el(h, "th", null, x); });
    MD.correlations.forEach(function (c, j) {
      var r = el(t, "tr");
      el(r, "td", null, cols[j].name); el(r, "td", "num", c.n);
      c.r.forEach(function (k) { el(r, "td", "num", coef(k)); });
      if (MD.partial) MD.partial.rows[j].r.forEach(function (k) { el(r, "td", "num", coef(k)); });
    });
  }

  /* ---- the ranking --------------------------------------------------- */
  var rk = section("ranking", "Ranking",
    "Runs by their last step with a value (the steps of the only run when there is one), highest first, with \u00b1 one standard error. " +
    "\u201capart\u201d: the gap to the next is larger than their combined standard error, sqrt(se\u2081\u00b2 + se\u2082\u00b2).");
  var rankCtl = el(rk, "div", "ctl");
  el(rankCtl, "span", "lbl", "rank by ");
  var rankSel = rankCtl.append("select").attr("id", "rank-by");
  cols.forEach(function (c, j) { rankSel.append("option").attr("value", j).property("selected", j === D.rank_column).text(c.name); });
  rankSel.on("change", drawRanking);
  var rankBox = el(rk, "div", "rankbox");
  function drawRanking() {
    rankBox.html("");
    var j = +rankSel.property("value");
    var rs = rankingRows(j).sort(function (a, b) { return val(j, b) - val(j, a) || a - b; });
    var lim = [];
    rs.forEach(function (r) {
      var iv = interval(j, r);
      lim.push(val(j, r) - se(j, r), val(j, r) + se(j, r));
      if (iv) lim.push(iv[0], iv[1]);
    });
    var rowH = 26, lw = 190, vw = 170, w = 1000, h = Math.max(60, rs.length * rowH + 46);
    var svg = rankBox.append("svg").attr("class", "plot rankplot").attr("viewBox", "0 0 " + w + " " + h).style("max-width", w + "px");
    var g = svg.append("g").attr("transform", "translate(" + lw + ",8)");
    var x = d3.scale.linear().domain(extent(lim)).nice().range([0, w - lw - vw]);
    g.append("g").attr("class", "axis x").attr("transform", "translate(0," + (rs.length * rowH) + ")")
      .call(d3.svg.axis().scale(x).orient("bottom").ticks(8).tickSize(-rs.length * rowH, 0));
    el(g, "text", "alabel", cols[j].name).attr("x", (w - lw - vw) / 2).attr("y", rs.length * rowH + 34).attr("text-anchor", "middle");
    rs.forEach(function (r, i) {
      var yy = i * rowH + rowH / 2, v = val(j, r), e = se(j, r), iv = interval(j, r), run = D.rows.run[r];
      var lab = (i + 1) + ". " + (D.runs.length === 1 ? "step " + fmtStep(D.rows.step[r]) : runOf(r));
      el(g, "text", "rlabel", lab.length > 28 ? lab.slice(0, 27) + "\u2026" : lab).attr("x", -8).attr("y", yy + 4).attr("text-anchor", "end");
      if (iv) g.append("path").attr("class", "interval " + iv[2]).attr("stroke", color(run))
        .attr("d", "M" + x(iv[0]) + "," + (yy - 5) + "v10M" + x(iv[0]) + "," + yy + "H" + x(iv[1]) + "M" + x(iv[1]) + "," + (yy - 5) + "v10");
      if (e > 0) g.append("path").attr("class", "ebar").attr("d", "M" + x(v - e) + "," + (yy - 5) + "v10M" + x(v - e) + "," + yy +
        "H" + x(v + e) + "M" + x(v + e) + "," + (yy - 5) + "v10");
      var m = g.append("g").attr("class", "mark").attr("data-column", cols[j].name).attr("data-row", r)
        .attr("transform", "translate(" + x(v) + "," + yy + ")");
      marker(m, run, 70);
      el(g, "text", "rvalue", fmt(v) + (e > 0 ? " \u00b1 " + fmt(e) : "")).attr("x", w - lw - vw + 14).attr("y", yy + 4);
      var apart = "";
      if (i + 1 < rs.length && (e > 0 || se(j, rs[i + 1]) > 0)) {
        var d = Math.abs(v - val(j, rs[i + 1])), s2 = Math.sqrt(e * e + Math.pow(se(j, rs[i + 1]), 2));
        apart = d > s2 ? "apart from the next" : "not apart from the next (within the combined SE)";
      }
      m.on("mouseover", function () {
        showTip("<b>" + esc(runOf(r)) + "</b> step " + fmtStep(D.rows.step[r]) + "<br>" + esc(cols[j].name) + " = " + valueText(j, r) +
                (apart ? "<br>" + apart : ""));
      }).on("mouseout", hideTip);
    });
  }

  /* ---- every row: a sortable, filterable table ------------------------- */
  var rowsSec = section("rows", "Every row",
    "One row per checkpoint, the columns chosen above. Click a header to sort (again to reverse); pick a run or type to filter.");
  var rctl = el(rowsSec, "div", "ctl");
  el(rctl, "span", "lbl", "run ");
  var runSel = rctl.append("select").attr("id", "run-filter");
  runSel.append("option").attr("value", "").text("all runs");
  D.runs.forEach(function (n, i) { runSel.append("option").attr("value", i).text(n); });
  var textFilter = rctl.append("input").attr("id", "text-filter").attr("type", "search").attr("placeholder", "filter run or path");
  var rowCount = el(rctl, "span", "lbl");
  var tableBox = el(rowsSec, "div", "tablebox");
  var sortKey = null, sortDir = 1;
  runSel.on("change", drawTable);
  textFilter.on("input", drawTable);
  function drawTable() {
    tableBox.html("");
    var shown = chosen(), sel = runSel.property("value"), q = textFilter.property("value").toLowerCase();
    var rows = d3.range(nRows).filter(function (r) {
      return (sel === "" || D.rows.run[r] === +sel) &&
        (!q || runOf(r).toLowerCase().indexOf(q) >= 0 || D.rows.path[r].toLowerCase().indexOf(q) >= 0);
    });
    if (sortKey !== null) {
      var key = sortKey === "run" ? function (r) { return runOf(r); } : sortKey === "step" ? function (r) { return D.rows.step[r]; }
        : function (r) { return val(sortKey, r); };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (!finite(x) && typeof x !== "string") return 1; /* missing values last */
        if (!finite(y) && typeof y !== "string") return -1;
        return (x < y ? -1 : x > y ? 1 : a - b) * sortDir;
      });
    }
    rowCount.text(rows.length + " of " + nRows + " rows");
    var t = el(tableBox, "table", "data sortable").attr("id", "rows-table");
    var h = el(t, "thead").append("tr");
    [["run", "run"], ["step", "step"]].concat(shown.map(function (j) { return [j, cols[j].name]; })).forEach(function (c) {
      el(h, "th", sortKey === c[0] ? (sortDir > 0 ? "asc" : "desc") : null, c[1]).attr("data-key", c[0])
        .on("click", function () { if (sortKey === c[0]) sortDir = -sortDir; else { sortKey = c[0]; sortDir = 1; } drawTable(); });
    });
    var tb = el(t, "tbody");
    rows.forEach(function (r) {
      var tr = el(tb, "tr");
      el(tr, "td", null, runOf(r)).attr("title", D.rows.path[r]);
      el(tr, "td", "num", fmtStep(D.rows.step[r]));
      shown.forEach(function (j) {
        var c = cols[j], td = el(tr, "td", "num");
        if (c.err && c.err[r]) { td.text("ERR").attr("class", "num err").attr("title", c.err[r]); return; }
        td.attr("data-value", finite(val(j, r)) ? val(j, r) : "");
        td.text(fmt(val(j, r)));
        if (se(j, r) > 0) el(td, "span", "se", " \u00b1 " + fmt(se(j, r)));
        var iv = interval(j, r);
        if (iv) el(td, "span", "iv " + iv[2], " [" + fmt(iv[0]) + ", " + fmt(iv[1]) + "]");
      });
    });
  }

  /* ---- the bounded method -------------------------------------------- */
  if (D.bounded) {
    var B = D.bounded, bs = section("bounded", "The bounded method",
      B.certified + B.statistical + " value(s) came from partial spectra (docs/bounded.md): " + B.certified +
      " with a certified interval (the exact value is inside), " + B.statistical + " statistical (95%); " + B.wide +
      " wider than tol, which have no value. Each value is its interval's midpoint; the plots above draw the intervals as bars.");
    var bt = el(el(bs, "div", "tablebox"), "table", "data").attr("id", "intervals-table");
    var bh = el(bt, "tr");
    ["run", "step", "column", "value", "interval", "width", "kind"].forEach(function (x) { el(bh, "th", null, x); });
    cols.forEach(function (c, j) {
      for (var r = 0; r < nRows; ++r) {
        var iv = interval(j, r);
        if (!iv) continue;
        var tr = el(bt, "tr");
        el(tr, "td", null, runOf(r)); el(tr, "td", "num", fmtStep(D.rows.step[r])); el(tr, "td", null, c.name);
        el(tr, "td", "num", fmt(val(j, r)));
        el(tr, "td", "num iv " + iv[2], "[" + fmt(iv[0]) + ", " + fmt(iv[1]) + "]");
        el(tr, "td", "num", (iv[1] - iv[0]).toPrecision(3)); el(tr, "td", null, iv[2]);
      }
    });
  }

  function redraw() {
    drawChooser();
    var shown = chosen();
    stepGrid.html("");
    if (D.max_steps > 1) shown.forEach(drawSteps);
    else el(stepGrid, "p", "intro", "Each run has one checkpoint: nothing to draw over steps.");
    if (accGrid) { accGrid.html(""); shown.forEach(drawScatter); }
    drawTable();
  }
  redraw();
  drawRanking();
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "1");
})();
