// Dashboard charts: ECharts (vendored) drawn from the JSON block #dashboard-data that the page
// embeds (no inline script: the site runs under a Content-Security-Policy). Every chart has a
// data table next to it, so the charts are decoration for sighted users (aria-hidden).
(function () {
  "use strict";

  function readData() {
    var el = document.getElementById("dashboard-data");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function bar(names, values, label) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      xAxis: { type: "category", data: names },
      yAxis: { type: "value" },
      series: [{ name: label, type: "bar", data: values }]
    };
  }

  var builders = {
    trend: function (d) {
      var labels = d.labels;
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 56, right: 56, top: 36, bottom: 32 },
        xAxis: { type: "category", data: d.trend.months },
        yAxis: [{ type: "value", name: labels.hours }, { type: "value", name: labels.person_times }],
        series: [
          { name: labels.hours, type: "bar", data: d.trend.hours },
          { name: labels.person_times, type: "line", yAxisIndex: 1, data: d.trend.person_times },
          { name: labels.volunteers, type: "line", yAxisIndex: 1, data: d.trend.volunteers }
        ]
      };
    },
    categories: function (d) {
      return {
        tooltip: { trigger: "item" },
        series: [{ name: d.labels.hours, type: "pie", radius: ["35%", "70%"], data: d.categories }]
      };
    },
    stars: function (d) { return bar(d.stars.names, d.stars.values, d.labels.star_volunteers); },
    funnel: function (d) { return bar(d.funnel.names, d.funnel.values, d.labels.orders); }
  };

  function draw() {
    if (!window.echarts) { return; }
    var data = readData();
    if (!data) { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      if (!build) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(build(data));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
