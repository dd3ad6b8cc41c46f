/* 好差评 charts: data comes from json_script#ratings-chart-data (no inline script, strict CSP). */
(function () {
  "use strict";
  var el = document.getElementById("ratings-chart-data");
  if (!el || !window.echarts) { return; }
  var d = JSON.parse(el.textContent);
  var esc = window.sheyin.escapeHtml;  // names are text (app.js)
  var charts = [];
  // Axis tooltips name an outlet, a bank or a district: every piece of data is escaped.
  function axisTip(params) {
    var rows = [].concat(params);
    if (!rows.length) { return ""; }
    return esc(rows[0].axisValueLabel) + rows.map(function (p) {
      var v = p.value === null || p.value === undefined ? "—" : p.value;
      return "<br>" + esc(p.seriesName) + "：" + esc(v);  // no marker: its inline style breaks the CSP
    }).join("");
  }
  function make(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var c = window.echarts.init(node);
    c.setOption(option);
    charts.push(c);
  }
  var pct = { type: "value", name: d.labels.satisfaction, min: 0, max: 100 };
  make("ratings-bar", {
    tooltip: { trigger: "axis", className: "sheyin-chart-tip", formatter: axisTip },
    legend: { data: [d.labels.ratings, d.labels.satisfaction] },
    grid: { left: 50, right: 50, bottom: 90 },
    xAxis: { type: "category", data: d.names || [], axisLabel: { rotate: 40, interval: 0 } },
    yAxis: [{ type: "value", name: d.labels.ratings, minInterval: 1 }, pct],
    series: [
      { name: d.labels.ratings, type: "bar", data: d.ratings || [] },
      { name: d.labels.satisfaction, type: "line", yAxisIndex: 1, data: d.satisfaction || [] }
    ]
  });
  var trend = {
    tooltip: { trigger: "axis", className: "sheyin-chart-tip", formatter: axisTip },
    grid: { left: 50, right: 20, bottom: 40 },
    xAxis: { type: "category", data: d.months || [] },
    yAxis: pct,
    series: [{ name: d.labels.satisfaction, type: "line", data: d.trend || d.satisfaction || [], connectNulls: true, label: { show: true } }]
  };
  make("ratings-trend", trend);
  make("ratings-public", trend);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
