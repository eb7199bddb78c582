/* The core's few behaviours, wired by data attributes (the Content Security
 * Policy allows no inline handlers):
 *
 * <input type="checkbox" data-select-all="ticket_ids">  ticks every box named so
 * <input data-select-on-click>                          selects its text on a click
 * <form class="undo-offer" data-undo-seconds="30">       counts down, then goes away
 * <div id="presence" data-presence-url="...">            the ticket page's heartbeat:
 *   who else is viewing or replying, and whether the ticket changed meanwhile
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
    document.querySelectorAll("form.undo-offer[data-undo-seconds]").forEach(countDown);
    var presence = document.getElementById("presence");
    if (presence && presence.dataset.presenceUrl) watchPresence(presence);
  }

  // The undo window as the server counted it at render time.
  function countDown(form) {
    var left = parseInt(form.dataset.undoSeconds, 10) || 0;
    var label = form.querySelector(".undo-left");
    function tick() {
      if (left <= 0) { form.remove(); return; }
      if (label) label.textContent = form.dataset.textLeft.replace("{n}", String(left));
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function watchPresence(box) {
    var every = (parseInt(box.dataset.interval, 10) || 15) * 1000;
    var reply = document.querySelector("form[data-reply] textarea[name=body]");
    var people = box.querySelector(".presence-people");
    var stale = box.querySelector(".presence-stale");
    var sent = null;

    function activity() {
      return reply && reply.value.trim() ? "replying" : "viewing";
    }

    function show(items, version) {
      var names = items.map(function (v) {
        var doing = v.activity === "replying" ? box.dataset.textReplying : box.dataset.textViewing;
        return v.user.name + " (" + doing + ")";
      });
      // textContent: a name is never markup.
      people.querySelector("span").textContent = names.join(", ");
      people.hidden = names.length === 0;
      if (version && version !== box.dataset.version) stale.hidden = false;
    }

    function beat() {
      sent = activity();
      window.fetch(box.dataset.presenceUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
        body: JSON.stringify({ activity: sent })
      }).then(function (response) {
        if (!response.ok) return;
        var version = (response.headers.get("ETag") || "").replace(/"/g, "");
        return response.json().then(function (body) { show(body.items || [], version); });
      }).catch(function () { /* offline for a moment: the next beat tells */ });
    }

    beat();
    window.setInterval(beat, every);
    if (reply) {
      reply.addEventListener("input", function () {
        if (activity() !== sent) beat();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
