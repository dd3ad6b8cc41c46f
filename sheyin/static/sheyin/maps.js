// ECharts maps on Beijing's district boundaries (served by this site; no tiles, no CDN).
(function () {
  "use strict";
  var cache = null;
  function boundaries(url) {
    if (!cache) {
      cache = fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    }
    return cache;
  }
  var esc = window.sheyin.escapeHtml;
  function outletMap(el) {
    var lon = parseFloat(el.dataset.lon), lat = parseFloat(el.dataset.lat);
    boundaries(el.dataset.mapUrl).then(function (geo) {
      echarts.registerMap("beijing", geo);
      var chart = echarts.init(el);
      chart.setOption({
        // confine: no tooltip arrow (ECharts draws it as markup with an inline style, which the CSP refuses)
        tooltip: { trigger: "item", confine: true, className: "sheyin-chart-tip", formatter: function (p) { return esc(p.name); } },
        geo: {
          map: "beijing", roam: true, center: [lon, lat], zoom: 6,
          itemStyle: { areaColor: "#eef3fb", borderColor: "#7a95c2" },
          label: { show: true, fontSize: 10, color: "#5a6270" },
          emphasis: { itemStyle: { areaColor: "#dbe7ff" } }
        },
        series: [{
          type: "effectScatter", coordinateSystem: "geo", symbolSize: 12,
          itemStyle: { color: "#d9480f" },
          data: [{ name: el.dataset.name, value: [lon, lat] }]
        }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  // A circle of r metres around a point, as a lon/lat ring (drawn by a custom series, re-projected on roam).
  function ring(lon, lat, r) {
    var pts = [], dLat = r / 111320, dLon = r / (111320 * Math.cos(lat * Math.PI / 180));
    for (var i = 0; i <= 72; i++) {
      var a = 2 * Math.PI * i / 72;
      pts.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
    }
    return pts;
  }
  document.querySelectorAll("#outlet-map").forEach(outletMap);
  window.sheyinMaps = { boundaries: boundaries, ring: ring };
})();
