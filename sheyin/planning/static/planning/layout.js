// Outlet layout map (布局图): ECharts on Beijing's district boundaries, no tiles, no CDN (strict CSP).
// Layers: demand heat, coverage circles (32-gons computed on the server), uncovered areas, rule
// violations, outlets by status, SI offices, neighbouring districts' outlets, recommended sites;
// what-if mode adds/removes outlets hypothetically and asks the server for the new coverage.
(function () {
  "use strict";
  var el = document.getElementById("layout-map");
  var cfgEl = document.getElementById("map-config");
  if (!el || !cfgEl) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  var L = cfg.labels;
  var COLOURS = { operating: "#2b8a3e", accepted: "#1971c2", applying: "#e8590c", suspended: "#868e96", terminated: "#343a40" };
  var STAR = "path://M50,0 L61,35 L98,35 L68,57 L79,91 L50,70 L21,91 L32,57 L2,35 L39,35 Z";
  var chart = null;
  var data = null;
  var whatif = { on: false, added: [], removed: {}, result: null, seq: 0 };

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function num(v) { return v == null ? "—" : Math.round(v).toLocaleString(); }
  function pct(v) { return v == null ? "—" : (v * 100).toFixed(1) + "%"; }
  function setText(id, text) { var n = document.getElementById(id); if (n) { n.textContent = text; } }

  // Polygons in geo coordinates, re-projected on every roam by ECharts (custom series).
  function polygons(name, rings, fill, stroke, opts) {
    opts = opts || {};
    return {
      type: "custom", coordinateSystem: "geo", name: name, silent: !!opts.silent, z: opts.z || 2,
      itemStyle: { color: stroke },
      data: rings.map(function (r, i) { return { value: r.ring[0], idx: i, tip: r.tip || "" }; }),
      renderItem: function (params, api) {
        var ring = rings[params.dataIndex].ring;
        var pts = ring.map(function (c) { return api.coord(c); });
        return { type: "polygon", shape: { points: pts }, style: { fill: fill, stroke: stroke, lineWidth: opts.lineWidth || 1 } };
      },
      tooltip: { formatter: function (p) { return p.data.tip; } }
    };
  }

  function outletItem(o) {
    return { name: o.name, value: [o.lon, o.lat], o: o };
  }

  function heatMax(heat) {
    // The 95th percentile, but at least 1.6 x the median so that a uniform field shows mid-scale.
    if (!heat.length) { return 1; }
    var w = heat.map(function (h) { return h[2]; }).sort(function (a, b) { return a - b; });
    var p95 = w[Math.floor(w.length * 0.95)] || w[w.length - 1] || 1;
    return Math.max(p95, 2.5 * w[Math.floor(w.length / 2)]);
  }

  function heatPointSize() {
    // The heat cell in pixels at the current zoom: two points one cell apart, converted.
    if (!chart || !data || !data.heat.length || !chart.getModel() || !chart.getOption().geo) { return 10; }
    var h = data.heat[0];
    var dlat = data.heat_cell_m / 111320;
    var a = chart.convertToPixel({ geoIndex: 0 }, [h[0], h[1]]);
    var b = chart.convertToPixel({ geoIndex: 0 }, [h[0], h[1] + dlat]);
    if (!a || !b) { return 10; }
    return Math.max(3, Math.abs(a[1] - b[1]) * 1.1);
  }

  function series() {
    var s = [];
    var px = heatPointSize();
    s.push({ type: "heatmap", coordinateSystem: "geo", name: L.heat, data: data.heat, pointSize: px, blurSize: px * 0.6, silent: true, z: 1, itemStyle: { color: "#748ffc" } });
    s.push(polygons(L.coverage, data.circles.map(function (c) { return { ring: c.ring }; }), "rgba(43,138,62,0.07)", "rgba(43,138,62,0.55)", { silent: true, z: 2 }));
    var unc = [];
    data.uncovered.forEach(function (u) {
      u.rings.forEach(function (r) {
        unc.push({ ring: r, tip: esc(L.uncovered) + " #" + u.rank + "<br>" + esc(u.district) + " · " + esc(L.population) + " " + num(u.population) + "<br>" + esc(L.area) + " " + u.area_km2 + " " + esc(L.km2) });
      });
    });
    s.push(polygons(L.uncovered, unc, "rgba(224,49,49,0.28)", "rgba(201,42,42,0.45)", { z: 3, lineWidth: 0.6 }));
    s.push({
      type: "lines", coordinateSystem: "geo", name: L.violations, z: 4, polyline: false,
      lineStyle: { color: "#e03131", width: 2, type: "dashed", opacity: 0.9 },
      data: data.violations.map(function (v) {
        return { coords: [v.a, v.b], tip: esc(v.a_name) + " — " + esc(v.b_name) + "<br>" + esc(L.distance) + " " + num(v.distance) + " " + esc(L.metres) + " &lt; " + num(v.limit) };
      }),
      tooltip: { formatter: function (p) { return p.data.tip; } }
    });
    s.push({
      type: "scatter", coordinateSystem: "geo", name: L.neighbours, symbolSize: 5, z: 5,
      itemStyle: { color: "#adb5bd" }, data: data.neighbours.map(outletItem)
    });
    ["operating", "accepted", "applying", "suspended", "terminated"].forEach(function (st) {
      var items = data.outlets.filter(function (o) { return o.status === st; });
      if (st === "terminated" && !items.length) { return; }
      s.push({
        type: "scatter", coordinateSystem: "geo", name: L.status[st], symbolSize: 9, z: 6,
        itemStyle: { color: COLOURS[st], borderColor: "#fff", borderWidth: 1 }, data: items.map(outletItem)
      });
    });
    if (data.planned && data.planned.length) {
      s.push(polygons(L.planned, (data.planned_circles || []).map(function (c) { return { ring: c.ring }; }), "rgba(112,72,232,0.06)", "rgba(112,72,232,0.7)", { silent: true, z: 2, lineWidth: 1 }));
      s.push({
        type: "scatter", coordinateSystem: "geo", name: L.planned, symbol: "rect", symbolSize: 11, z: 8,
        itemStyle: { color: "#7048e8", borderColor: "#fff", borderWidth: 1 },
        data: data.planned.map(function (p) { return { name: p.name, value: [p.lon, p.lat], planned: p }; })
      });
    }
    if (data.activity && data.activity.length) {
      var maxCases = Math.max.apply(null, data.activity.map(function (a) { return a[2]; }));
      s.push({
        type: "scatter", coordinateSystem: "geo", name: L.activity, z: 4,
        symbolSize: function (v) { return 6 + 22 * Math.sqrt(v[2] / (maxCases || 1)); },
        itemStyle: { color: "rgba(245,159,0,0.45)", borderColor: "#f59f00", borderWidth: 1 },
        data: data.activity.map(function (a) { return { name: a[3], value: [a[0], a[1], a[2]], cases: a }; })
      });
    }
    s.push({
      type: "scatter", coordinateSystem: "geo", name: L.offices, symbol: "diamond", symbolSize: 14, z: 7,
      itemStyle: { color: "#c92a2a", borderColor: "#fff", borderWidth: 1 },
      data: data.offices.map(function (o) { return { name: o.name, value: [o.lon, o.lat], office: o }; })
    });
    var rec = cfg.recommended;
    if (rec) {
      if (rec.circles && rec.circles.length) {
        s.push(polygons(L.recommendedCoverage, rec.circles.map(function (r) { return { ring: r }; }), "rgba(194,37,92,0.08)", "rgba(194,37,92,0.8)", { silent: true, z: 3, lineWidth: 1.5 }));
      }
      if (rec.greedy && rec.greedy.length && rec.showGreedy) {
        s.push({
          type: "scatter", coordinateSystem: "geo", name: L.greedy, symbol: STAR, symbolSize: 16, z: 8,
          itemStyle: { color: "rgba(255,255,255,0.2)", borderColor: "#c2255c", borderWidth: 1.5 },
          data: rec.greedy.map(function (g) { return { name: g[2], value: [g[0], g[1]], rec: g }; })
        });
      }
      if (rec.final && rec.final.length) {
        s.push({
          type: "scatter", coordinateSystem: "geo", name: L.recommended, symbol: STAR, symbolSize: 20, z: 9,
          itemStyle: { color: "#c2255c", borderColor: "#fff", borderWidth: 1 },
          data: rec.final.map(function (g) { return { name: g[2], value: [g[0], g[1]], rec: g }; })
        });
      }
    }
    s.push(polygons(L.addedCoverage, (whatif.result ? whatif.result.added : []).map(function (a) { return { ring: a.ring }; }), "rgba(112,72,232,0.10)", "rgba(112,72,232,0.9)", { silent: true, z: 3, lineWidth: 1.5 }));
    s.push({
      type: "scatter", coordinateSystem: "geo", name: L.added, symbol: "pin", symbolSize: 26, z: 10,
      itemStyle: { color: "#7048e8" },
      data: whatif.added.map(function (a, i) { return { name: L.added + " " + (i + 1), value: [a[0], a[1]], addedIndex: i }; })
    });
    s.push({
      type: "scatter", coordinateSystem: "geo", name: L.removed, symbol: "path://M0,0 L10,10 M10,0 L0,10", symbolSize: 14, z: 10,
      itemStyle: { color: "#000", borderColor: "#e03131", borderWidth: 3 },
      data: data.outlets.filter(function (o) { return whatif.removed[o.id]; }).map(function (o) { return { name: o.name, value: [o.lon, o.lat], o: o }; })
    });
    return s;
  }

  function option() {
    var codes = {};
    data.district_names.forEach(function (n) { codes[n] = true; });
    var b = data.bbox;
    var legendNames = series().map(function (x) { return x.name; });
    return {
      animation: false,
      tooltip: {
        trigger: "item", confine: true,
        formatter: function (p) {
          if (p.data && p.data.o) {
            var o = p.data.o;
            return esc(o.name) + "<br>" + esc(o.bank || "") + " " + esc(o.status_label || L.neighbours);
          }
          if (p.data && p.data.office) { return esc(L.offices) + "<br>" + esc(p.data.office.name); }
          if (p.data && p.data.planned) { return esc(L.planned) + "<br>" + esc(p.data.planned.name) + "<br>" + esc(p.data.planned.district); }
          if (p.data && p.data.cases) { return esc(L.activity) + "<br>" + esc(p.data.cases[3]) + "<br>" + num(p.data.cases[2]) + " " + esc(L.cases); }
          if (p.data && p.data.rec) { return esc(p.seriesName) + " #" + p.data.rec[4] + "<br>" + esc(p.data.rec[2]) + "<br>" + esc(L.newCovered) + " " + num(p.data.rec[3]); }
          return esc(p.name || p.seriesName);
        }
      },
      legend: { type: "scroll", top: 4, left: 8, right: 8, data: legendNames, selected: (function () { var sel = {}; sel[L.neighbours] = true; sel[L.activity] = false; return sel; })() },
      visualMap: {
        type: "continuous", seriesIndex: 0, min: 0, max: heatMax(data.heat), calculable: false, left: 10, bottom: 10,
        itemWidth: 12, itemHeight: 90, text: [L.high, L.low], textStyle: { fontSize: 11 },
        inRange: { color: ["rgba(219,228,255,0)", "rgba(145,167,255,0.3)", "rgba(92,124,250,0.45)", "rgba(59,91,219,0.6)"] }
      },
      geo: {
        map: "beijing", roam: true, scaleLimit: { min: 0.8, max: 40 },
        boundingCoords: [[b[0], b[3]], [b[2], b[1]]],
        itemStyle: { areaColor: "#f1f3f5", borderColor: "#adb5bd" },
        label: { show: true, fontSize: 11, color: "#5a6270" },
        emphasis: { disabled: true },
        select: { disabled: true },
        regions: data.district_names.map(function (n) {
          return { name: n, itemStyle: { areaColor: "#eef3fb", borderColor: "#3b5bdb", borderWidth: 1.5 } };
        })
      },
      series: series()
    };
  }

  function redraw(keepView) {
    if (!keepView) { chart.setOption(option(), true); return; }
    chart.setOption({ series: series() }, { replaceMerge: ["series"] });
  }

  function showFigures(f) {
    setText("fig-share", pct(f.share));
    setText("fig-population", num(f.population));
    setText("fig-covered", num(f.covered));
    setText("fig-outlets", num(f.outlets));
    setText("fig-areas", num(f.areas));
    setText("fig-violations", num(f.violations));
    setText("fig-planned", num((data.planned || []).length));
    var note = document.getElementById("uncovered-note");
    if (note && data.uncovered_total > data.uncovered.length) {
      note.textContent = L.uncoveredShown.replace("%(shown)s", data.uncovered.length).replace("%(total)s", data.uncovered_total);
      note.hidden = false;
    }
    var box = document.getElementById("fig-districts");
    if (box && f.districts.length > 1) {
      box.textContent = "";
      var table = document.createElement("table");
      table.className = "table table-sm mb-0";
      f.districts.forEach(function (d) {
        var tr = table.insertRow();
        tr.insertCell().textContent = d.name;
        var c = tr.insertCell();
        c.className = "text-end";
        c.textContent = pct(d.share);
      });
      box.appendChild(table);
    }
  }

  function showCard(o) {
    var card = document.getElementById("point-card");
    if (!card) { return; }
    setText("card-name", o.name);
    setText("card-bank", o.bank || "—");
    setText("card-status", o.status_label || L.neighbours);
    setText("card-district", o.district || "—");
    setText("card-coords", o.lon.toFixed(5) + ", " + o.lat.toFixed(5));
    var link = document.getElementById("card-link");
    if (o.url) { link.href = o.url; link.hidden = false; } else { link.hidden = true; }
    card.hidden = false;
  }

  function renderWhatif() {
    var box = document.getElementById("whatif-result");
    var reset = document.getElementById("whatif-reset");
    if (reset) { reset.disabled = !whatif.added.length && !Object.keys(whatif.removed).length; }
    if (!box) { return; }
    box.textContent = "";
    var r = whatif.result;
    if (!r) { return; }
    var dl = document.createElement("dl");
    dl.className = "row mb-1";
    function row(label, value, cls) {
      var dt = document.createElement("dt"); dt.className = "col-6"; dt.textContent = label;
      var dd = document.createElement("dd"); dd.className = "col-6 text-end " + (cls || ""); dd.textContent = value;
      dl.appendChild(dt); dl.appendChild(dd);
    }
    var delta = r.after.share - r.before.share;
    row(L.before, pct(r.before.share));
    row(L.after, pct(r.after.share), "fw-semibold");
    row(L.change, (delta >= 0 ? "+" : "") + (delta * 100).toFixed(2) + "%", delta >= 0 ? "text-success" : "text-danger");
    row(L.newCovered, (r.after.covered - r.before.covered >= 0 ? "+" : "") + num(r.after.covered - r.before.covered));
    box.appendChild(dl);
    box.setAttribute("data-after-share", String(r.after.share));
    if (r.outside) {
      var p0 = document.createElement("p"); p0.className = "text-warning mb-1"; p0.textContent = r.outside + " " + L.outside; box.appendChild(p0);
    }
    if (r.violations.length) {
      var h = document.createElement("div"); h.className = "text-danger fw-semibold"; h.textContent = L.newViolations; box.appendChild(h);
      var ul = document.createElement("ul"); ul.className = "text-danger ps-3 mb-0";
      r.violations.forEach(function (v) {
        var li = document.createElement("li");
        li.textContent = v.name + " — " + v.other + "：" + num(v.distance) + " " + L.metres + " < " + num(v.limit);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
  }

  function recompute() {
    var seq = ++whatif.seq;
    var params = new URLSearchParams();
    params.set("scope", data.scope);
    params.set("add", whatif.added.map(function (a) { return a[0].toFixed(6) + "," + a[1].toFixed(6); }).join(";"));
    params.set("remove", Object.keys(whatif.removed).join(","));
    fetch(cfg.whatifUrl + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (res) {
        if (seq !== whatif.seq) { return; }
        whatif.result = (whatif.added.length || Object.keys(whatif.removed).length) ? res : null;
        renderWhatif();
        redraw(true);
      })
      .catch(function () { setText("whatif-result", L.errorLoad); });
  }

  function onClick(p) {
    if (whatif.on) {
      if (p.componentType === "series" && p.data && p.data.o && p.data.o.url && p.data.o.status === "operating") {
        if (whatif.removed[p.data.o.id]) { delete whatif.removed[p.data.o.id]; } else { whatif.removed[p.data.o.id] = true; }
        recompute(); return;
      }
      if (p.componentType === "series" && p.data && typeof p.data.addedIndex === "number") {
        whatif.added.splice(p.data.addedIndex, 1); recompute(); return;
      }
      if (p.componentType === "geo" || (p.componentType === "series" && p.seriesType === "custom")) {
        var ev = p.event;
        var pt = chart.convertFromPixel({ geoIndex: 0 }, [ev.offsetX, ev.offsetY]);
        if (pt) { whatif.added.push([pt[0], pt[1]]); recompute(); }
        return;
      }
    }
    if (p.data && p.data.o) { showCard(p.data.o); }
  }

  function bindControls() {
    var toggle = document.getElementById("whatif-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        whatif.on = !whatif.on;
        toggle.setAttribute("aria-pressed", whatif.on ? "true" : "false");
        toggle.classList.toggle("active", whatif.on);
        toggle.querySelector("span").textContent = whatif.on ? L.whatifOn : L.whatifOff;
        el.classList.toggle("planning-map-whatif", whatif.on);
      });
    }
    var reset = document.getElementById("whatif-reset");
    if (reset) {
      reset.addEventListener("click", function () {
        whatif.added = []; whatif.removed = {}; whatif.result = null; whatif.seq++;
        renderWhatif(); redraw(true);
      });
    }
    var png = document.getElementById("export-png");
    if (png) {
      png.addEventListener("click", function () {
        if (!chart) { return; }
        var a = document.createElement("a");
        a.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
        a.download = "layout-" + data.scope + ".png";
        document.body.appendChild(a); a.click(); a.remove();
      });
    }
    var close = document.getElementById("card-close");
    if (close) { close.addEventListener("click", function () { document.getElementById("point-card").hidden = true; }); }
  }

  // Filters: navigate on scope change; auto-submit the checkbox (selects use app.js data-autosubmit).
  document.querySelectorAll("select[data-navigate]").forEach(function (s) {
    s.addEventListener("change", function () { window.location.href = s.value; });
  });
  document.querySelectorAll("input[data-autosubmit-check]").forEach(function (c) {
    c.addEventListener("change", function () { c.form.submit(); });
  });

  bindControls();
  Promise.all([
    window.sheyinMaps.boundaries(cfg.boundariesUrl),
    fetch(cfg.dataUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); } return r.json();
    })
  ]).then(function (res) {
    echarts.registerMap("beijing", res[0]);
    data = res[1];
    chart = echarts.init(el);
    chart.setOption(option(), true);
    function fitHeat() {
      var px = heatPointSize();
      chart.setOption({ series: [{ pointSize: px, blurSize: px * 0.6 }] });
    }
    fitHeat();
    chart.on("click", onClick);
    chart.on("georoam", fitHeat);
    showFigures(data.figures);
    var loading = document.getElementById("map-loading");
    if (loading) { loading.remove(); }
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }).catch(function (err) {
    setText("map-loading", L.errorLoad);
    if (window.console) { window.console.error(err); }
  });
})();
