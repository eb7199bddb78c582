/* Keyboard shortcuts for the staff's pages; "?" lists them in an accessible
 * dialog (<dialog id="shortcuts-dialog">, helpdesk/_shortcuts.html).
 *
 *   r  reply            n  internal note       a  assign to me
 *   m  choose a macro   j / k  next / previous ticket (or row, in a queue)
 *   o  open the row     x  tick the row        /  search tickets
 *
 * Keys do nothing while one types in a field (Escape leaves it), with Ctrl,
 * Alt or Meta held, or while a dialog is open. A queue remembers its order
 * (sessionStorage), so j and k on a ticket's page go on to the queue's next
 * or previous ticket. Everything a key does is also a control on the page.
 */
(function () {
  "use strict";
  var ORDER = "helpdesk.queueOrder";

  function typing(el) {
    if (!el || el === document.body) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type));
  }

  function dialogOpen() {
    return !!document.querySelector("dialog[open]");
  }

  // --- the queue ------------------------------------------------------------

  function queueRows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr[data-ticket-id]"));
  }

  function rememberOrder() {
    var rows = queueRows();
    if (!rows.length) return;
    try {
      window.sessionStorage.setItem(ORDER, JSON.stringify({
        ids: rows.map(function (row) { return row.dataset.ticketId; }),
        links: rows.map(function (row) { return row.querySelector("a[href]").getAttribute("href"); })
      }));
    } catch (e) { /* storage off: j and k stay on the queue */ }
  }

  function currentRow(rows) {
    var active = document.activeElement;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].contains(active)) return i;
    }
    return -1;
  }

  function moveRow(step) {
    var rows = queueRows();
    if (!rows.length) return false;
    var at = currentRow(rows);
    var next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(Math.max(at + step, 0), rows.length - 1);
    var link = rows[next].querySelector("a[href]");
    if (link) link.focus();
    return true;
  }

  function onRow(action) {
    var rows = queueRows();
    var at = currentRow(rows);
    if (at < 0) return false;
    if (action === "open") rows[at].querySelector("a[href]").click();
    if (action === "tick") {
      var box = rows[at].querySelector("input[type=checkbox]");
      if (box) box.click();
    }
    return true;
  }

  // --- the ticket page --------------------------------------------------------

  function neighbour(step) {
    var head = document.querySelector("[data-ticket-id]:not(tr)");
    if (!head) return false;
    var order;
    try { order = JSON.parse(window.sessionStorage.getItem(ORDER) || "null"); } catch (e) { order = null; }
    if (!order) return false;
    var at = order.ids.indexOf(head.dataset.ticketId);
    var next = order.links[at + step];
    if (at < 0 || !next) return false;
    window.location.assign(next);
    return true;
  }

  function reply(internal) {
    var form = document.querySelector("form[data-reply]");
    if (!form) return false;
    var box = form.querySelector("input[name=internal]");
    if (box) box.checked = internal;
    else if (internal) return false;
    var text = form.querySelector("textarea[name=body]");
    text.focus();
    return true;
  }

  function press(selector) {
    var el = document.querySelector(selector);
    if (!el) return false;
    if (el.tagName === "SELECT" || el.tagName === "INPUT") el.focus(); else el.click();
    return true;
  }

  // --- keys -------------------------------------------------------------------

  var KEYS = {
    "?": function () { return openHelp(); },
    "/": function () { return press("nav.top input[type=search]"); },
    r: function () { return reply(false); },
    n: function () { return reply(true); },
    a: function () { return press("#assign-to-me button"); },
    m: function () {
      var macros = document.getElementById("side-macros");
      if (macros) macros.open = true;
      return press("#side-macros select");
    },
    j: function () { return queueRows().length ? moveRow(1) : neighbour(1); },
    k: function () { return queueRows().length ? moveRow(-1) : neighbour(-1); },
    o: function () { return onRow("open"); },
    x: function () { return onRow("tick"); }
  };

  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event.target) && !dialogOpen()) {
      event.target.blur();
      return;
    }
    if (typing(event.target) || dialogOpen()) return;
    var action = KEYS[event.key];
    if (action && action()) event.preventDefault();
  }

  // --- the "?" dialog -----------------------------------------------------------

  function openHelp() {
    var dialog = document.getElementById("shortcuts-dialog");
    if (!dialog || !dialog.showModal) return false;
    dialog.showModal();
    return true;
  }

  function setUp() {
    document.addEventListener("keydown", onKey);
    var dialog = document.getElementById("shortcuts-dialog");
    if (dialog) {
      dialog.querySelectorAll("[data-shortcuts-close]").forEach(function (button) {
        button.addEventListener("click", function () { dialog.close(); });
      });
      // A click on the backdrop (outside the dialog's box) closes it too.
      dialog.addEventListener("click", function (event) {
        if (event.target === dialog) dialog.close();
      });
    }
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.hidden = false; // without script there are no shortcuts to list
      button.addEventListener("click", openHelp);
    });
    rememberOrder();
    document.addEventListener("helpdesk:swapped", rememberOrder);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
