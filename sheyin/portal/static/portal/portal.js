// Public portal behaviour: "use my location" and the outlet map. The pages work without it.
(function () {
  "use strict";

  // --- "Use my location": asked only when the person presses the button. -------------------------
  // navigator.geolocation gives WGS-84 (GPS) coordinates; outlets and the map are in GCJ-02. The page
  // sends datum=wgs84 and the server converts (sheyin/portal/coords.py, the standard public formula;
  // the two datums differ by ~500 m in Beijing).
  function statusFor(btn) {
    var box = btn.closest("section, main") || document;
    return box.querySelector("[data-locate-status]") || document.querySelector("[data-locate-status]");
  }
  function locate(btn) {
    var status = statusFor(btn);
    var say = function (msg) { if (status) { status.textContent = msg || ""; } };
    if (!("geolocation" in navigator)) { say(btn.dataset.msgUnsupported); return; }
    say(btn.dataset.msgWait);
    btn.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var p = new URLSearchParams({
        lon: pos.coords.longitude.toFixed(6), lat: pos.coords.latitude.toFixed(6), datum: "wgs84"
      });
      if (btn.dataset.service) { p.set("service", btn.dataset.service); }
      window.location.assign(btn.dataset.nearestUrl + "?" + p.toString());
    }, function () {
      btn.disabled = false;
      say(btn.dataset.msgDenied);
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
  }
  document.querySelectorAll("[data-locate]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () { locate(btn); });
  });

  // --- The map: Beijing's district boundaries served by this site (GCJ-02), outlets as points. -----
  var el = document.getElementById("portal-map");
  if (!el || !window.echarts || el.offsetParent === null) { return; }  // hidden in elderly mode

  function json(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
  }
  function inline(id) {
    var node = id && document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var esc = window.sheyin.escapeHtml;  // names are text (app.js)
  var names = inline("map-names") || {};
  var data = inline(el.dataset.inline);
  var pointsReady = data ? Promise.resolve(data)
    : (el.dataset.pointsUrl ? json(el.dataset.pointsUrl) : Promise.resolve({ points: [] }));

  Promise.all([json(el.dataset.geoUrl), pointsReady]).then(function (res) {
    var geo = res[0], d = res[1] || {}, pts = d.points || [];
    // On touch screens a one-finger drag scrolls the page, not the map (pinch still zooms it).
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    echarts.registerMap("beijing", geo);
    var chart = echarts.init(el);
    var view = { center: [116.40, 40.20], zoom: 1.15 };
    var focus = d.here ? pts.concat([d.here]) : pts;
    if ((d.here || d.zoom) && focus.length) {
      var lons = focus.map(function (p) { return p[0]; }), lats = focus.map(function (p) { return p[1]; });
      var minX = Math.min.apply(null, lons), maxX = Math.max.apply(null, lons);
      var minY = Math.min.apply(null, lats), maxY = Math.max.apply(null, lats);
      var span = Math.max((maxX - minX) * 1.5, (maxY - minY) * 2.0, 0.03);
      view = { center: d.here || [(minX + maxX) / 2, (minY + maxY) / 2], zoom: Math.min(d.zoom || 40, Math.max(1.2, 2.0 / span)) };
    }
    var series = [{
      name: "outlets", type: "scatter", coordinateSystem: "geo", symbolSize: pts.length > 500 ? 6 : 11,
      large: pts.length > 2000, itemStyle: { color: "#c2410c", borderColor: "#fff", borderWidth: 1 },
      data: pts.map(function (p) { return { name: p[3], value: [p[0], p[1]], code: p[2] }; })
    }];
    if (d.here) {
      series.push({
        name: "here", type: "effectScatter", coordinateSystem: "geo", symbol: "pin", symbolSize: 28,
        itemStyle: { color: "#0a58ca" }, data: [{ name: el.dataset.hereLabel, value: d.here }]
      });
    }
    chart.setOption({
      // confine: no tooltip arrow (ECharts draws it as markup with an inline style, which the CSP refuses)
      tooltip: { trigger: "item", confine: true, className: "sheyin-chart-tip", formatter: function (p) { return esc(p.name); } },
      geo: {
        map: "beijing", roam: coarse ? "scale" : true, center: view.center, zoom: view.zoom, nameMap: names,
        scaleLimit: { min: 1, max: 80 },
        itemStyle: { areaColor: "#f7f9fc", borderColor: "#6b84ad" },
        label: { show: true, fontSize: 10, color: "#3d444c" },
        emphasis: { itemStyle: { areaColor: "#e3ecfa" }, label: { color: "#1b1f24" } }
      },
      series: series
    });
    var pointClicked = false, downAt = null;
    chart.getZr().on("mousedown", function (e) { downAt = [e.offsetX, e.offsetY]; });
    chart.on("click", function (p) {
      if (p.seriesName === "outlets" && p.data && p.data.code) {
        pointClicked = true;
        window.location.assign(el.dataset.detailUrl + encodeURIComponent(p.data.code) + "/");
      }
    });
    // A click anywhere else on the map picks a point: show the outlets nearest to it (already GCJ-02).
    chart.getZr().on("click", function (e) {
      window.setTimeout(function () {
        if (pointClicked) { return; }
        if (downAt && Math.abs(downAt[0] - e.offsetX) + Math.abs(downAt[1] - e.offsetY) > 6) { return; }  // a pan
        var ll = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
        if (!ll || !isFinite(ll[0]) || !isFinite(ll[1])) { return; }
        var q = new URLSearchParams({ lon: ll[0].toFixed(6), lat: ll[1].toFixed(6), datum: "gcj02" });
        if (el.dataset.service) { q.set("service", el.dataset.service); }
        window.location.assign(el.dataset.nearestUrl + "?" + q.toString());
      }, 0);
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }).catch(function () { el.hidden = true; });
})();
