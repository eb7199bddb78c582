/* The core's few behaviours, wired by data attributes (the Content Security
 * Policy allows no inline handlers):
 *
 * <input type="checkbox" data-select-all="ticket_ids">  ticks every box named so
 * <input data-select-on-click>                          selects its text on a click
 */
(function () {
  "use strict";

  function setUp() {
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      all.addEventListener("click", function () {
        var name = all.dataset.selectAll;
        document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
          if (box.name === name) box.checked = all.checked;
        });
      });
    });
    document.querySelectorAll("input[data-select-on-click]").forEach(function (input) {
      input.addEventListener("click", function () { input.select(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
