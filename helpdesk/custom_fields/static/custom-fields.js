// Custom fields on the request form and the phone console: show only the
// chosen category's group of fields. Without this script every group is
// shown and the server reads only the chosen category's. Hidden groups are
// disabled, so the browser neither checks nor sends them; a group's
// required fields become required while it is shown.
(function () {
  "use strict";

  function setUp(container) {
    var select = document.getElementById(container.getAttribute("data-cf-for"));
    if (!select) {
      return;
    }
    if (container.hasAttribute("data-cf-move")) {
      // Right after the category select (and its error message, if any).
      var anchor = select.closest("label") || select;
      while (anchor.nextElementSibling && anchor.nextElementSibling.matches(".field-error")) {
        anchor = anchor.nextElementSibling;
      }
      anchor.insertAdjacentElement("afterend", container);
    }
    var groups = container.querySelectorAll("[data-cf-category]");

    function show() {
      groups.forEach(function (group) {
        var chosen = group.getAttribute("data-cf-category") === select.value;
        group.hidden = !chosen;
        group.disabled = !chosen;
        group.querySelectorAll("[data-cf-required]").forEach(function (input) {
          input.required = chosen;
        });
      });
    }

    select.addEventListener("change", show);
    show();
  }

  function start() {
    document.querySelectorAll("[data-cf-for]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
