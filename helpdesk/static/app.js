/* The core's few behaviours, wired by data attributes (the Content Security
 * Policy allows no inline handlers):
 *
 * <input type="checkbox" data-select-all="ticket_ids">  ticks every box named so
 * <input data-select-on-click>                          selects its text on a click
 * <form class="undo-offer" data-undo-seconds="30">       counts down, then goes away
 * <div id="presence" data-presence-url="...">            the ticket page's heartbeat:
 *   who else is viewing or replying, and whether the ticket changed meanwhile
 * <form data-confirm="Question?" data-confirm-button="Yes, do it">
 *   (or on a submit button; data-confirm-if="field:value" asks only then,
 *   a checkbox's value being "" while unticked)
 *                   asks in the page's <dialog id="confirm-dialog"> before an
 *                   action that cannot be undone, and submits with confirm=1;
 *                   without script the server asks on a page instead.
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
    document.addEventListener("submit", askFirst, true);
    // Back to a page whose form was confirmed (the browser's page cache):
    // its next submit asks again.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-confirmed]").forEach(function (form) {
        delete form.dataset.confirmed;
        form.querySelectorAll("input[name=confirm]").forEach(function (f) { f.remove(); });
      });
    });
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

  // The element that asks for this submit: the button pressed, else the form.
  function asker(form, submitter) {
    var candidates = [submitter, form];
    for (var i = 0; i < candidates.length; i++) {
      var el = candidates[i];
      if (!el || !el.dataset || !el.dataset.confirm) continue;
      var only = el.dataset.confirmIf;
      if (only) {
        var parts = only.split(":"), field = form.elements.namedItem(parts[0]);
        if (!field) continue;
        // A checkbox counts as its value when ticked, as "" when not.
        var value = field.type === "checkbox" ? (field.checked ? field.value : "") : field.value;
        if (value !== parts[1]) continue;
      }
      return el;
    }
    return null;
  }

  function askFirst(event) {
    var form = event.target, dialog = document.getElementById("confirm-dialog");
    if (!(form instanceof HTMLFormElement) || !dialog || !dialog.showModal) return;
    var el = asker(form, event.submitter);
    if (!el || form.dataset.confirmed === "1") return;
    event.preventDefault();
    var submitter = event.submitter;
    document.getElementById("confirm-dialog-text").textContent = el.dataset.confirm;
    var ok = dialog.querySelector("[data-confirm-ok]");
    var cancel = dialog.querySelector("[data-confirm-cancel]");
    ok.textContent = el.dataset.confirmButton || ok.textContent;
    function close(yes) {
      ok.removeEventListener("click", onOk);
      cancel.removeEventListener("click", onCancel);
      dialog.close();
      if (!yes) return;
      var flag = document.createElement("input");
      flag.type = "hidden"; flag.name = "confirm"; flag.value = "1";
      form.appendChild(flag);
      form.dataset.confirmed = "1";
      // requestSubmit keeps the pressed button's name and value.
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
    }
    function onOk() { close(true); }
    function onCancel() { close(false); }
    ok.addEventListener("click", onOk);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", function () { close(false); }, {once: true});
    dialog.showModal();
    cancel.focus();  // the safe answer is the default one
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
