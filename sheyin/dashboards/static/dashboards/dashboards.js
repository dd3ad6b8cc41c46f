/* Dashboards: ECharts drawn from json_script#dashboard-data (no inline script: strict CSP).
   Every name shown in a tooltip is escaped (text, never markup); labels are drawn on the canvas.
   Each chart has its figures as a table beside it (toggle), and exports as PNG (getDataURL). */
(function () {
  "use strict";
  var holder = document.getElementById("dashboard-data");
  if (!holder || !window.echarts) { return; }
  var d = JSON.parse(holder.textContent);
  var L = d.labels || {};
  var PALETTE = ["#1f5fbf", "#d9730d", "#2e8b57", "#8e44ad", "#b83227", "#127a72", "#5f6b7a"];
  var STATUS_COLORS = { operating: "#2e8b57", accepted: "#127a72", applying: "#1f5fbf", suspended: "#d9480f" };
  var charts = {};

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function num(value, percent) {
    if (value === null || value === undefined || value === "") { return "—"; }
    if (percent) { return Number(value).toFixed(1) + "%"; }
    return Number(value).toLocaleString();
  }
  // Series markers by class: ECharts' own marker is markup with a style attribute, which the CSP refuses.
  function dot(index) {
    return '<span class="dash-dot dash-dot-' + (Number(index) % PALETTE.length) + '" aria-hidden="true"></span>';
  }
  // A channel keeps its colour on every chart (window, terminal, online counter); others go in order.
  function colourOf(s, i) {
    return (typeof s.colour === "number" ? s.colour : i) % PALETTE.length;
  }
  function safeUrl(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }
  function go(url) {
    var u = safeUrl(url);
    if (u) { window.location.assign(u); }
  }
  function shorten(text) {
    text = String(text);
    return text.length > 12 ? text.slice(0, 11) + "…" : text;
  }

  function axisOption(c) {
    var axes = c.axes && c.axes.length ? c.axes : [{}];
    var percentOf = function (i) { return !!(axes[i] && axes[i].percent); };
    var category = {
      type: "category", data: c.categories || [],
      axisLabel: { interval: 0, rotate: c.horizontal ? 0 : ((c.categories || []).length > 8 ? 35 : 0), formatter: shorten }
    };
    var values = axes.map(function (a, i) {
      return {
        type: "value", name: a.name || "", max: a.max, minInterval: a.percent ? undefined : 1,
        nameLocation: c.horizontal ? "middle" : "end", nameGap: c.horizontal ? 28 : 15,
        splitLine: { show: i === 0 }, axisLabel: a.percent ? { formatter: "{value}%" } : {}
      };
    });
    var series = (c.series || []).map(function (s, i) {
      var out = {
        name: s.name, type: s.type || "bar", stack: s.stack, data: s.data, connectNulls: true, barMaxWidth: 40,
        emphasis: { focus: "series" }, color: PALETTE[colourOf(s, i)]
      };
      if (c.horizontal) { out.xAxisIndex = s.axis || 0; } else { out.yAxisIndex = s.axis || 0; }
      if (c.target && i === 0) {
        out.markLine = { silent: true, symbol: "none", lineStyle: { color: "#b83227", type: "dashed" },
          label: { formatter: c.targetLabel || "{c}%", position: "insideEndTop" },
          data: [c.horizontal ? { xAxis: c.target } : { yAxis: c.target }] };
      }
      return out;
    });
    var axisOfSeries = (c.series || []).map(function (s) { return s.axis || 0; });
    var colourOfSeries = (c.series || []).map(colourOf);
    return {
      color: PALETTE,
      grid: { left: 8, right: c.horizontal ? 28 : 16, top: 40, bottom: c.horizontal ? 30 : 8, containLabel: true },
      legend: { type: "scroll", top: 0 },
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
        formatter: function (params) {
          if (!params.length) { return ""; }
          var lines = [esc(params[0].name)];
          params.forEach(function (p) {
            lines.push(dot(colourOfSeries[p.seriesIndex]) + esc(p.seriesName) + ": " + esc(num(p.value, percentOf(axisOfSeries[p.seriesIndex]))));
          });
          return lines.join("<br>");
        }
      },
      xAxis: c.horizontal ? values : category,
      yAxis: c.horizontal ? Object.assign({}, category, { inverse: true }) : values,
      series: series
    };
  }

  function pieOption(c) {
    return {
      color: PALETTE,
      tooltip: { trigger: "item", confine: true, formatter: function (p) {
        return dot(p.dataIndex) + esc(p.name) + ": " + esc(num(p.value)) + " (" + esc(p.percent) + "%)";
      } },
      legend: { type: "scroll", bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: c.data || [],
        label: { formatter: "{b}: {c}" } }]
    };
  }

  function mapChart(el, c) {
    window.sheyinMaps.boundaries(c.mapUrl).then(function (geo) {
      var name = "beijing";
      if (c.only && c.only.length) {
        geo = { type: geo.type, features: geo.features.filter(function (f) { return c.only.indexOf(f.properties.adcode) >= 0; }) };
        name = "beijing-" + c.only.join("-");
      }
      window.echarts.registerMap(name, geo);
      var chart = window.echarts.init(el);
      charts[c.id] = chart;
      chart.on("finished", function () { el.setAttribute("data-ready", "1"); });
      var max = 1;
      (c.regions || []).forEach(function (r) { max = Math.max(max, r.value || 0); });
      var byStatus = {};
      (c.points || []).forEach(function (p) {
        (byStatus[p[2]] = byStatus[p[2]] || []).push({ name: p[1], value: [p[3], p[4]], id: p[0], status: p[2] });
      });
      var series = [{
        type: "map", geoIndex: 0, name: c.valueName,
        data: (c.regions || []).map(function (r) { return { name: r.name, value: r.value, url: r.url }; })
      }];
      Object.keys(L.statuses || {}).forEach(function (st) {
        if (!byStatus[st]) { return; }
        series.push({ type: "scatter", coordinateSystem: "geo", name: L.statuses[st], data: byStatus[st],
          symbolSize: c.only && c.only.length ? 10 : 6, itemStyle: { color: STATUS_COLORS[st] || "#5f6b7a", borderColor: "#fff", borderWidth: 1 } });
      });
      chart.setOption({
        tooltip: { trigger: "item", confine: true, formatter: function (p) {
          if (p.seriesType === "scatter") {
            return '<span class="dash-dot dash-dot-' + esc(p.data.status) + '" aria-hidden="true"></span>' +
              esc(p.data.name) + "<br>" + esc(p.seriesName);
          }
          return esc(p.name) + "<br>" + esc(c.valueName) + ": " + esc(num(p.value));
        } },
        legend: { top: 0, left: 0, orient: "vertical", data: series.slice(1).map(function (s) { return s.name; }) },
        visualMap: { min: 0, max: max, seriesIndex: 0, left: 0, bottom: 0, calculable: false, itemHeight: 80,
          inRange: { color: ["#eef3fb", "#a9c4ee"] }, text: [String(max), "0"] },
        geo: { map: name, roam: true, layoutCenter: ["55%", "52%"], layoutSize: "95%", label: { show: true, fontSize: 10, color: "#3c4450" },
          itemStyle: { areaColor: "#eef3fb", borderColor: "#7a95c2" }, emphasis: { itemStyle: { areaColor: "#cfe0fb" } } },
        series: series
      });
      chart.on("click", function (p) {
        if (p.seriesType === "scatter" && p.data && p.data.id) {
          go(String(c.outletUrl).replace("outlet=0", "outlet=" + Number(p.data.id)));
        } else if (p.seriesType === "map" && p.data) {
          go(p.data.url);
        }
      });
    });
  }

  (d.charts || []).forEach(function (c) {
    var el = document.getElementById("chart-" + c.id);
    if (!el) { return; }
    if (c.kind === "map") { mapChart(el, c); return; }
    var chart = window.echarts.init(el);
    charts[c.id] = chart;
    chart.on("finished", function () { el.setAttribute("data-ready", "1"); });
    chart.setOption(c.kind === "pie" ? pieOption(c) : axisOption(c));
    if (c.links && c.links.length) {
      chart.on("click", function (p) { go(c.links[p.dataIndex]); });
      chart.getZr().on("mousemove", function () { el.classList.add("dash-clickable"); });
    }
  });

  document.addEventListener("click", function (ev) {
    var toggle = ev.target.closest("[data-dash-toggle]");
    if (toggle) {
      var id = toggle.getAttribute("data-dash-toggle");
      var table = document.getElementById("table-" + id);
      var chartEl = document.getElementById("chart-" + id);
      var showTable = table.classList.contains("visually-hidden");
      table.classList.toggle("visually-hidden", !showTable);
      chartEl.classList.toggle("d-none", showTable);
      toggle.setAttribute("aria-pressed", showTable ? "true" : "false");
      toggle.querySelector("span").textContent = showTable ? L.chart : L.table;
      if (!showTable && charts[id]) { charts[id].resize(); }
      return;
    }
    var png = ev.target.closest("[data-dash-png]");
    if (png) {
      var chart = charts[png.getAttribute("data-dash-png")];
      if (!chart) { return; }
      var a = document.createElement("a");
      a.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
      a.download = png.getAttribute("data-filename") || "chart.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
  });
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  window.sheyinDashboards = { charts: charts };
})();
