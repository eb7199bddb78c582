/* The managers' reports' charts (templates/reports/report.html), drawn with
 * the vendored Chart.js. Each chart's labels and datasets come from the
 * page's <script type="application/json" id="report-chart-data"> block: the
 * Content Security Policy runs no inline code. Beside sla-dashboard.js, in
 * the core's static folder (a reports static folder would be a new route).
 */
(function () {
  if (!window.Chart) return;
  var block = document.getElementById("report-chart-data");
  if (!block) return;
  var colours = ["#1976d2", "#43a047", "#f9a825", "#e53935", "#8e24aa", "#00897b"];
  JSON.parse(block.textContent).forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) return;
    var y = {beginAtZero: true, stacked: spec.stacked};
    if (spec.scale.min !== undefined) y.min = spec.scale.min;
    if (spec.scale.max !== undefined) y.max = spec.scale.max;
    canvas.chart = new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          var colour = colours[i % colours.length];
          return {label: d.label, data: d.data, borderColor: colour, spanGaps: true,
                  backgroundColor: spec.type === "line" ? colour : colour + "99"};
        })
      },
      options: {animation: false, scales: {x: {stacked: spec.stacked}, y: y},
                plugins: {legend: {display: spec.datasets.length > 1}}}
    });
    canvas.setAttribute("data-drawn", "true");
  });
})();
