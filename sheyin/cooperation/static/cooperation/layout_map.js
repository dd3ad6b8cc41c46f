// Layout check map (R8.4): the candidate outlet, its nearest outlets and SI offices, on district lines.
(function () {
  "use strict";
  var el = document.getElementById("layout-map");
  var dataEl = document.getElementById("layout-data");
  if (!el || !dataEl || !window.echarts || !window.sheyinMaps) { return; }
  var data = JSON.parse(dataEl.textContent);
  var L = data.labels;
  var c = data.candidate;
  function point(n, extra) {
    return Object.assign({ name: n.name, value: [n.lon, n.lat, n.d] }, extra || {});
  }
  function lines(list) {
    return list.map(function (n) {
      return {
        coords: [[c.lon, c.lat], [n.lon, n.lat]],
        lineStyle: { color: n.bad ? "#d63939" : "#8a94a6", type: n.bad ? "solid" : "dashed", width: n.bad ? 2 : 1 }
      };
    });
  }
  // The district's minimum distance drawn around the candidate (re-projected by ECharts on every roam).
  function circle(r) {
    var ring = window.sheyinMaps.ring(c.lon, c.lat, r);
    return {
      type: "custom", coordinateSystem: "geo", name: L.circle, silent: true, zlevel: 1,
      data: [{ value: ring[0] }],
      renderItem: function (params, api) {
        return { type: "polygon", shape: { points: ring.map(function (pt) { return api.coord(pt); }) },
          style: { fill: "rgba(247,103,7,0.08)", stroke: "#f76707", lineWidth: 1.5 } };
      }
    };
  }
  var load = window.sheyinMaps ? window.sheyinMaps.boundaries(el.dataset.mapUrl)
    : fetch(el.dataset.mapUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); });
  // Zoom so that the nearest few neighbours are spread over the map (Beijing is ~160 km across).
  var near = data.outlets.concat(data.offices).map(function (n) { return n.d; }).sort(function (a, b) { return a - b; });
  var span = Math.max((near.length > 1 ? near[1] : (near[0] || 5000)) * 2.5, 2500);
  var zoom = Math.min(60, Math.max(6, 160000 / span));
  load.then(function (geo) {
    echarts.registerMap("beijing", geo);
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "item",
        className: "sheyin-chart-tip",
        confine: true,  // no tooltip arrow: ECharts draws it with an inline style, which the CSP refuses
        formatter: function (p) {
          // Names are shown as text, never as HTML.
          if (p.seriesType === "lines" || p.seriesType === "custom") { return ""; }
          var box = document.createElement("div");
          [p.seriesName, p.name].forEach(function (t) {
            var line = document.createElement("div");
            line.textContent = t;
            box.appendChild(line);
          });
          if (p.value && p.value.length > 2 && p.value[2] !== undefined) {
            var d = document.createElement("div");
            d.textContent = p.value[2] + " " + L.meters;
            box.appendChild(d);
          }
          return box;
        }
      },
      legend: { bottom: 4, data: [L.candidate, L.outlet, L.office] },
      geo: {
        map: "beijing", roam: true, center: [c.lon, c.lat], zoom: zoom,
        itemStyle: { areaColor: "#eef3fb", borderColor: "#7a95c2" },
        label: { show: true, fontSize: 11, color: "#5a6270" },
        emphasis: { itemStyle: { areaColor: "#dbe7ff" } }
      },
      series: [
        circle(data.min_outlet_m),
        { name: "lines", type: "lines", coordinateSystem: "geo", silent: true, zlevel: 1,
          data: lines(data.outlets.concat(data.offices)) },
        { name: L.outlet, type: "scatter", coordinateSystem: "geo", symbolSize: 10, zlevel: 2,
          itemStyle: { color: "#206bc4" },
          data: data.outlets.map(function (n) {
            return point(n, n.bad ? { symbolSize: 14, itemStyle: { color: "#d63939" } } : null);
          }) },
        { name: L.office, type: "scatter", coordinateSystem: "geo", symbol: "rect", symbolSize: 12, zlevel: 2,
          itemStyle: { color: "#2fb344" },
          data: data.offices.map(function (n) { return point(n, n.bad ? { itemStyle: { color: "#d63939" } } : null); }) },
        { name: L.candidate, type: "scatter", coordinateSystem: "geo", symbol: "pin", symbolSize: 30, zlevel: 3,
          itemStyle: { color: "#f76707" }, data: [{ name: c.name, value: [c.lon, c.lat] }] }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
