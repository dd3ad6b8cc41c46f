// Site picker (R8.4): Beijing's district lines (served by this site; no tiles, no CDN), the outlets and SI
// offices near the site, the district's minimum-distance circle, and the layout check live as the site moves.
// Strict CSP: no inline script or style; every name is shown as text, never as HTML.
(function () {
  "use strict";
  var el = document.getElementById("site-map");
  var cfgEl = document.getElementById("site-picker-config");
  if (!el || !cfgEl || !window.echarts || !window.sheyinMaps) { return; }
  var cfg = JSON.parse(cfgEl.textContent);
  var L = cfg.labels;
  var out = document.getElementById("site-result");
  var lonEl = document.getElementById("id_lon");
  var latEl = document.getElementById("id_lat");
  var districtEl = document.getElementById("id_district");
  var readonly = !!cfg.site;
  var chart = null;
  var state = { lon: null, lat: null, result: null, seq: 0, timer: null };
  var CENTRE = [116.40, 40.05];

  function node(tag, text, cls) {
    var n = document.createElement(tag);
    if (text !== undefined && text !== null) { n.textContent = String(text); }
    if (cls) { n.className = cls; }
    return n;
  }
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] === undefined ? "" : String(values[k]); });
  }
  function num(v) {
    var x = parseFloat(v);
    return isFinite(x) ? x : null;
  }
  function site() {
    if (readonly) { return { lon: cfg.site.lon, lat: cfg.site.lat }; }
    return { lon: lonEl ? num(lonEl.value) : null, lat: latEl ? num(latEl.value) : null };
  }
  function district() {
    if (cfg.district) { return String(cfg.district); }
    return districtEl ? districtEl.value : "";
  }

  var ring = window.sheyinMaps.ring;
  function circleSeries(name, rings, stroke, dashed) {
    return {
      type: "custom", coordinateSystem: "geo", name: name, silent: true, z: 2,
      data: rings.map(function (r) { return { value: r[0] }; }),
      renderItem: function (params, api) {
        var pts = rings[params.dataIndex].map(function (c) { return api.coord(c); });
        var style = { fill: dashed ? "rgba(0,0,0,0)" : "rgba(247,103,7,0.08)", stroke: stroke, lineWidth: 1.5 };
        if (dashed) { style.lineDash = [6, 4]; }
        return { type: "polygon", shape: { points: pts }, style: style };
      }
    };
  }

  function tooltip(p) {
    if (!p.data || p.seriesType === "custom" || p.seriesType === "lines") { return ""; }
    var box = node("div");
    box.appendChild(node("div", p.seriesName, "fw-semibold"));
    box.appendChild(node("div", p.data.name));
    if (p.data.detail) { box.appendChild(node("div", p.data.detail)); }
    if (p.data.d !== undefined) { box.appendChild(node("div", p.data.d + " " + L.meters)); }
    return box;
  }

  function series() {
    var s = [], r = state.result, here = site();
    if (r && r.checked && here.lon !== null) {
      s.push(circleSeries(L.circle, [ring(here.lon, here.lat, r.min_outlet_m)], "#f76707", false));
      if (r.min_office_m !== r.min_outlet_m) {
        s.push(circleSeries(L.circle, [ring(here.lon, here.lat, r.min_office_m)], "#2f9e44", true));
      }
      s.push({
        type: "lines", coordinateSystem: "geo", silent: true, z: 3,
        lineStyle: { color: "#d63939", width: 2 },
        data: r.outlets.concat(r.offices).filter(function (n) { return n.bad; })
          .map(function (n) { return { coords: [[here.lon, here.lat], [n.lon, n.lat]] }; })
      });
      s.push({
        type: "scatter", coordinateSystem: "geo", name: L.outlet, symbolSize: 10, z: 4,
        itemStyle: { color: "#206bc4", borderColor: "#fff", borderWidth: 1 },
        data: r.outlets.map(function (n) {
          return { name: n.name, detail: n.bank, d: n.d, value: [n.lon, n.lat], itemStyle: n.bad ? { color: "#d63939" } : undefined, symbolSize: n.bad ? 14 : 10 };
        })
      });
      s.push({
        type: "scatter", coordinateSystem: "geo", name: L.office, symbol: "rect", symbolSize: 12, z: 4,
        itemStyle: { color: "#2f9e44", borderColor: "#fff", borderWidth: 1 },
        data: r.offices.map(function (n) {
          return { name: n.name, d: n.d, value: [n.lon, n.lat], itemStyle: n.bad ? { color: "#d63939" } : undefined };
        })
      });
    }
    if (here.lon !== null && here.lat !== null) {
      s.push({
        type: "scatter", coordinateSystem: "geo", name: L.site, symbol: "pin", symbolSize: 32, z: 5,
        itemStyle: { color: "#f76707" }, data: [{ name: L.site, value: [here.lon, here.lat] }]
      });
    }
    return s;
  }

  function draw(recentre) {
    if (!chart) { return; }
    var here = site(), opt = { series: series() };
    if (recentre && here.lon !== null && here.lat !== null) {
      var r = state.result && state.result.min_outlet_m ? state.result.min_outlet_m : 3000;
      opt.geo = { center: [here.lon, here.lat], zoom: Math.min(60, Math.max(2, 160000 / (r * 7))) };
    }
    chart.setOption(opt, { replaceMerge: ["series"] });
  }

  function say(nodes) {
    if (out) { out.replaceChildren.apply(out, nodes); }
  }

  function show(r) {
    if (!out) { return; }  // the view-only map (the page states the result itself)
    out.replaceChildren();
    if (!r) { return; }
    var errors = r.errors || {};
    Object.keys(errors).forEach(function (k) { out.appendChild(node("div", errors[k], "alert alert-danger py-1 px-2 mb-1")); });
    if (r.district) {
      out.appendChild(node("div", fmt(L.rule, { district: r.district, outlet: r.min_outlet_m, office: r.min_office_m }), "text-body-secondary mb-1"));
    }
    if (!r.checked) { return; }
    if (!r.violations.length) {
      out.appendChild(node("div", L.ok, "alert alert-success py-1 px-2 mb-0"));
      return;
    }
    var box = node("div", null, "alert alert-danger py-1 px-2 mb-0");
    box.appendChild(node("strong", L.bad));
    var ul = node("ul", null, "mb-0");
    r.violations.forEach(function (v) { ul.appendChild(node("li", v)); });
    box.appendChild(ul);
    box.appendChild(node("div", L.badNote, "small"));
    out.appendChild(box);
  }

  function check(recentre) {
    var here = site(), d = district();
    state.seq += 1;
    var seq = state.seq;
    state.result = null;  // a result for the previous site is stale the moment the site moves
    draw(false);
    if (here.lon === null || here.lat === null || !d) { show(null); return; }
    say([node("div", L.checking, "text-body-secondary")]);
    var q = new URLSearchParams({ lon: String(here.lon), lat: String(here.lat), district: d });
    if (cfg.exclude) { q.set("outlet", String(cfg.exclude)); }
    fetch(cfg.checkUrl + "?" + q.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (resp) { if (!resp.ok) { throw new Error(String(resp.status)); } return resp.json(); })
      .then(function (r) {
        if (seq !== state.seq) { return; }  // the site moved again meanwhile
        state.result = r;
        show(r);
        draw(recentre && r.checked);  // a site outside Beijing keeps the city in view
      })
      .catch(function () {
        if (seq !== state.seq) { return; }
        say([node("div", L.failed, "alert alert-warning py-1 px-2 mb-0")]);
      });
  }

  function later(recentre) {
    window.clearTimeout(state.timer);
    state.result = null;
    say([]);
    draw(false);
    state.timer = window.setTimeout(function () { check(recentre); }, 400);
  }

  var load = window.sheyinMaps.boundaries(cfg.boundariesUrl);
  load.then(function (geo) {
    echarts.registerMap("beijing", geo);
    chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: tooltip },
      legend: { bottom: 4, data: [L.site, L.outlet, L.office] },
      geo: {
        map: "beijing", roam: true, center: CENTRE, zoom: 1.1,
        itemStyle: { areaColor: "#eef3fb", borderColor: "#7a95c2" },
        label: { show: true, fontSize: 11, color: "#5a6270" },
        emphasis: { disabled: true }
      },
      series: series()
    });
    if (!readonly) {
      chart.getZr().on("click", function (e) {
        var c = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
        if (!c || !isFinite(c[0]) || !isFinite(c[1])) { return; }
        lonEl.value = c[0].toFixed(6);
        latEl.value = c[1].toFixed(6);
        check(false);
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
    var here = site();
    if (here.lon !== null && here.lat !== null) { check(true); }
  });
  if (!readonly) {
    [lonEl, latEl].forEach(function (input) {
      if (input) { input.addEventListener("input", function () { later(true); }); }
    });
    if (districtEl) { districtEl.addEventListener("change", function () { check(false); }); }
  }
})();
