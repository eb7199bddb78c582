// The import page's progress bar: polls the job's status until it is done,
// then reloads the page for the final report. A static file: the CSP allows
// no inline script.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) { return; }
  var counter = document.getElementById("import-done");
  function poll() {
    fetch(bar.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        // While rows are checked their number is unknown: the bar stays
        // indeterminate (no max) and only the counter moves.
        if (bar.hasAttribute("max")) { bar.value = status.done_rows; }
        if (counter) { counter.textContent = status.done_rows; }
        if (status.status === "running" || status.status === "checking") {
          window.setTimeout(poll, 500);
        } else {
          window.location.assign(bar.dataset.doneUrl);
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
}());
