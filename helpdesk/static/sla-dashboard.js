/* The SLA dashboard's charts (templates/sla/dashboard.html), drawn with the
 * vendored Chart.js beside this file. Their data comes from the page's
 * <script type="application/json" id="sla-chart-data"> block: the Content
 * Security Policy runs no inline code. (Here rather than in an sla static
 * folder, which would be a new route for the permission matrices.)
 */
(function () {
  if (!window.Chart) return;
  var data = JSON.parse(document.getElementById("sla-chart-data").textContent);
  var percentAxis = {y: {min: 0, max: 100, ticks: {callback: function (v) { return v + " %"; }}}};
  function compliance(id, type, series) {
    new Chart(document.getElementById(id), {
      type: type,
      data: {labels: series.labels, datasets: [{label: data.texts.compliance, data: series.values,
             backgroundColor: "rgba(25, 118, 210, 0.5)", borderColor: "#1976d2", spanGaps: true}]},
      options: {scales: percentAxis, plugins: {legend: {display: false}}, animation: false}
    });
  }
  compliance("chart-period", "line", data.period);
  compliance("chart-line", "bar", data.line);
  compliance("chart-priority", "bar", data.priority);
  compliance("chart-policy", "bar", data.policy);
  var lines = [1, 2, 3], colours = {new: "#1976d2", open: "#f9a825", pending: "#8e24aa", reopened: "#e53935",
                                   waiting_line3: "#5e35b1", confirm_fix: "#00897b"};
  new Chart(document.getElementById("chart-backlog"), {
    type: "bar",
    data: {
      labels: lines.map(function (l) { return data.texts.line + l; }),
      datasets: Object.keys(data.statuses).map(function (status) {
        return {label: data.statuses[status], backgroundColor: colours[status],
                data: lines.map(function (l) {
                  var row = data.backlog.find(function (b) { return b.line === l && b.status === status; });
                  return row ? row.tickets : 0;
                })};
      })
    },
    options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true}}, animation: false}
  });
})();
