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
 * <select data-submit-on-change>                       sends its form once chosen
 * <label class="file-pick"> (the file_input macro)     its button and the
 *   chosen file's name in the page's language, the native input laid over
 *   them, transparent
 * <div id="queue-rows" data-refresh-url="..." data-etag="...">  a queue's rows:
 *   asked for again every data-refresh-seconds (and when the tab is shown)
 *   with If-None-Match; a 304 changes nothing, new rows are swapped in with
 *   the ticked boxes kept, and the bulk bar shows only when there are rows
 * <div id="phone-console" data-swap-root>                 one screen per job:
 *   its forms (unless data-swap="off") and its a[data-swap] links go by
 *   fetch, and the block and the page's messages are swapped for the same
 *   ones of the answer (the server's own redirects and pages, so without
 *   script nothing changes); the address follows with pushState. Then
 *   "helpdesk:swapped" is sent on the document for other widgets (kb.js).
 */
(function () {
  "use strict";

  function setUp() {
    // Delegated: a queue's rows come and go (refreshed in place).
    document.addEventListener("click", function (event) {
      var all = event.target;
      if (!(all instanceof HTMLInputElement) || !all.dataset.selectAll) return;
      var name = all.dataset.selectAll;
      document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        if (box.name === name) box.checked = all.checked;
      });
    });
    // <select data-submit-on-change>: choosing is enough (the macro preview).
    document.addEventListener("change", function (event) {
      var select = event.target;
      if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-submit-on-change")) return;
      if (select.form && select.value && select.form.requestSubmit) select.form.requestSubmit();
    });
    wire(document);
    var presence = document.getElementById("presence");
    if (presence && presence.dataset.presenceUrl) watchPresence(presence);
    document.addEventListener("submit", askFirst, true);
    if (document.querySelector("[data-swap-root]")) setUpSwaps();
    var rows = document.getElementById("queue-rows");
    if (rows && rows.dataset.refreshUrl && window.fetch) watchQueue(rows);
    // Back to a page whose form was confirmed (the browser's page cache):
    // its next submit asks again.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-confirmed]").forEach(function (form) {
        delete form.dataset.confirmed;
        form.querySelectorAll("input[name=confirm]").forEach(function (f) { f.remove(); });
      });
    });
  }

  // Behaviours of elements that may arrive later (a swapped block): text
  // selected on a click, undo offers counting down, file pickers.
  function wire(root) {
    root.querySelectorAll("input[data-select-on-click]").forEach(function (input) {
      input.addEventListener("click", function () { input.select(); });
    });
    root.querySelectorAll("label.file-pick").forEach(pickFiles);
    root.querySelectorAll("form.undo-offer[data-undo-seconds]").forEach(countDown);
  }

  // A file input's button and file name in the page's language; the native
  // input, laid over them and transparent (app.css), is still what takes the
  // click, the dropped file and the focus.
  function pickFiles(label) {
    var input = label.querySelector("input[type=file]");
    var row = label.querySelector(".file-pick-row");
    var name = label.querySelector(".file-pick-name");
    if (!input || !row || !name) return;
    row.insertBefore(input, row.firstChild);
    row.hidden = false;
    function show() {
      var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
      name.textContent = names.length ? names.join(", ") : name.dataset.none;
    }
    input.addEventListener("change", show);
    show(); // (a page from the browser's cache may keep a chosen file)
  }

  // --- one screen per job: blocks swapped in place -------------------------

  var live = null; // where a swap's messages are read out (the page's own stay)

  function setUpSwaps() {
    if (!window.fetch || !window.DOMParser || !window.history.pushState) return;
    live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    document.body.appendChild(live);
    document.addEventListener("submit", swapSubmit);
    document.addEventListener("click", swapLink);
    window.addEventListener("popstate", function (event) {
      var root = event.state && document.getElementById(event.state.swap);
      if (root) swap(root, window.location.href, { method: "GET" }, null);
    });
  }

  function swapSubmit(event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    var root = form.closest("[data-swap-root]");
    if (!root || form.dataset.swap === "off") return;
    event.preventDefault();
    var submitter = event.submitter || null;
    var data = new FormData(form, submitter);
    var method = ((submitter && submitter.getAttribute("formmethod")) ||
                  form.getAttribute("method") || "get").toUpperCase();
    var url = new URL((submitter && submitter.getAttribute("formaction")) ||
                      form.getAttribute("action") || window.location.href,
                      window.location.href);
    var init = { method: method };
    if (method === "GET") url.search = new URLSearchParams(data).toString();
    else init.body = data;
    swap(root, url.toString(), init, function () { form.submit(); });
  }

  function swapLink(event) {
    var link = event.target.closest && event.target.closest("a[data-swap]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) return;
    var root = link.closest("[data-swap-root]");
    if (!root) return;
    event.preventDefault();
    swap(root, link.href, { method: "GET" }, function () { window.location.assign(link.href); });
  }

  // Fetch ``url`` and put the answer's block of the same id in place of
  // ``root``; ``fallback`` (null: none) when the network fails.
  function swap(root, url, init, fallback) {
    if (root.dataset.swapping) return;
    root.dataset.swapping = "1";
    root.setAttribute("aria-busy", "true");
    init.credentials = "same-origin";
    init.headers = { Accept: "text/html" };
    window.fetch(url, init).then(function (response) {
      return response.text().then(function (html) { put(root, response, html, init); });
    }).catch(function () {
      if (fallback) fallback();
    }).then(function () {
      delete root.dataset.swapping;
      root.removeAttribute("aria-busy");
    });
  }

  function put(root, response, html, init) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById(root.id);
    if (!fresh) {
      // Another page (the login form, a refusal): show it as the browser would.
      if (response.ok && (init.method === "GET" || response.redirected)) {
        window.location.assign(response.url);
      } else {
        document.title = doc.title;
        document.body.innerHTML = doc.body.innerHTML;
      }
      return;
    }
    root.innerHTML = fresh.innerHTML;
    document.title = doc.title;
    putMessages(doc, init.method !== "GET");
    if ((init.method === "GET" || response.redirected) && response.url !== window.location.href) {
      if (!window.history.state) window.history.replaceState({ swap: root.id }, "");
      window.history.pushState({ swap: root.id }, "", response.url);
    }
    wire(root);
    document.dispatchEvent(new CustomEvent("helpdesk:swapped", { detail: { root: root } }));
    var focus = root.querySelector("[autofocus]");
    if (focus) focus.focus();
  }

  // The answer's messages in place of the page's, and its Undo offer; a
  // GET that offers none (a preview) leaves the page's offer running.
  function putMessages(doc, posted) {
    var main = document.querySelector("main");
    if (!main) return;
    var offered = doc.querySelector("main > .undo-offer");
    var old = ":scope > .flash" + (posted || offered ? ", :scope > .undo-offer" : "");
    main.querySelectorAll(old).forEach(function (node) { node.remove(); });
    var fresh = doc.querySelectorAll("main > .flash, main > .undo-offer");
    var first = main.firstChild;
    var said = [];
    fresh.forEach(function (node) {
      var copy = document.importNode(node, true);
      main.insertBefore(copy, first);
      if (copy.classList.contains("flash")) said.push(copy.textContent.trim());
      if (copy.matches("form.undo-offer[data-undo-seconds]")) countDown(copy);
    });
    if (live) live.textContent = said.join(" ");
  }

  // --- a queue that refreshes itself ---------------------------------------

  function watchQueue(box) {
    var every = (parseInt(box.dataset.refreshSeconds, 10) || 15) * 1000;
    var etag = box.dataset.etag || "";
    var asking = false;
    var said = null;

    function ask() {
      if (asking || document.hidden) return;
      asking = true;
      var headers = { Accept: "text/html" };
      if (etag) headers["If-None-Match"] = '"' + etag + '"';
      window.fetch(box.dataset.refreshUrl, {
        credentials: "same-origin", cache: "no-store", headers: headers
      }).then(function (response) {
        if (response.status !== 200) return; // 304: as it was; else next time
        etag = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
        return response.text().then(function (html) { putRows(box, html); });
      }).catch(function () { /* offline for a moment: the next round asks */ })
        .then(function () { asking = false; });
    }

    function putRows(target, html) {
      var ids = function () {
        return Array.prototype.map.call(
          target.querySelectorAll("input[name=ticket_ids]"), function (b) { return b.value; }
        ).join(",");
      };
      var before = ids();
      var ticked = {};
      target.querySelectorAll("input[name=ticket_ids]:checked").forEach(function (b) {
        ticked[b.value] = true;
      });
      var focused = document.activeElement && target.contains(document.activeElement)
        ? document.activeElement.getAttribute("href") : null;
      target.innerHTML = html;
      target.querySelectorAll("input[name=ticket_ids]").forEach(function (b) {
        if (ticked[b.value]) b.checked = true;
      });
      if (focused) {
        var again = target.querySelector('a[href="' + focused + '"]');
        if (again) again.focus();
      }
      var bar = target.closest("form") && target.closest("form").querySelector(".bulk-bar");
      if (bar) bar.hidden = !target.querySelector("input[name=ticket_ids]");
      if (ids() !== before) tell(target.dataset.textUpdated);
      document.dispatchEvent(new CustomEvent("helpdesk:swapped", { detail: { root: target } }));
    }

    // In the page before anything is said in it, so it is read out.
    said = document.createElement("div");
    said.className = "visually-hidden";
    said.setAttribute("aria-live", "polite");
    document.body.appendChild(said);

    function tell(text) { said.textContent = text || ""; }

    window.setInterval(ask, every);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) ask();
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
