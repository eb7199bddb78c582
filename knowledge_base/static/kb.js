/* Knowledge base widgets: search as you type, and canned-reply insertion.
 *
 * <div data-kb-search data-input="subject" data-endpoint="/api/v1/kb/suggestions" ...>
 *   <ul class="kb-results"></ul>
 * </div>
 * watches the input, asks the endpoint (debounced, stale answers dropped) and
 * lists the hits. The server escapes titles and snippets and only adds <mark>,
 * so they are inserted as HTML; everything else goes in as text.
 * A hit's action button builds its own form on <body> and submits it: panels
 * may sit inside a page's form, and forms cannot nest. Inside a block that
 * app.js swaps in place (data-swap-root, the phone console) the form goes at
 * the end of that block and is sent the same way, without leaving the page.
 * data-follow="subject description": the search box follows what is typed in
 * those fields (the first one not empty) until someone types in the box.
 * Widgets in a block app.js swapped in are set up when it says so
 * ("helpdesk:swapped" on the document).
 */
(function () {
  "use strict";
  if (window.kbWidgets) return; // included once per page, even if twice
  window.kbWidgets = true;

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function postForm(action, fields, near) {
    var form = el("form", { method: "post", action: action, hidden: "" });
    Object.keys(fields).forEach(function (name) {
      form.appendChild(el("input", { type: "hidden", name: name, value: fields[name] }));
    });
    var root = near && near.closest("[data-swap-root]");
    (root || document.body).appendChild(form);
    // requestSubmit fires "submit", which app.js answers in place in a root.
    if (root && form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function valueOf(id) {
    var node = document.getElementById(id);
    return node ? node.value : "";
  }

  function setUp(box) {
    var d = box.dataset;
    var input = document.getElementById(d.input);
    var list = box.querySelector(".kb-results");
    var status = box.querySelector(".kb-status");
    if (!input || !list || d.kbReady) return;
    d.kbReady = "1";
    var minChars = parseInt(d.min || "2", 10);
    var sequence = 0;
    var controller = null;

    function render(items) {
      list.textContent = "";
      box.hidden = d.hideEmpty === "true" && items.length === 0;
      if (status) status.textContent = items.length ? "" : (d.empty || "");
      items.forEach(function (item) {
        var li = el("li", { "class": "kb-hit" });
        var href = item.url;
        if (d.linkSubject === "true") href += "?subject=" + encodeURIComponent(input.value);
        var link = el("a", { href: href });
        if (d.target) link.setAttribute("target", d.target);
        link.innerHTML = item.title_html;
        li.appendChild(link);
        if (item.visibility === "internal" && d.internal) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("span", { "class": "badge internal" }, d.internal));
        }
        var snippet = el("small", { "class": "kb-snippet" });
        snippet.innerHTML = item.snippet;
        li.appendChild(snippet);
        if (d.action) {
          var button = el("button", { type: "button", "class": "outline kb-action" }, d.button);
          button.addEventListener("click", function () {
            var fields = JSON.parse(d.fields || "{}");
            var copy = JSON.parse(d.copy || "{}");
            Object.keys(copy).forEach(function (name) { fields[name] = valueOf(copy[name]); });
            fields.article_id = String(item.id);
            fields.csrf_token = d.csrf;
            button.disabled = true; // one click, one ticket
            postForm(d.action.replace("__ID__", String(item.id)), fields, box);
          });
          li.appendChild(button);
        }
        list.appendChild(li);
      });
    }

    function lookUp() {
      var q = input.value.trim();
      var mine = ++sequence;
      if (controller) controller.abort();
      if (q.length < minChars) { render([]); return; }
      controller = new AbortController();
      var url = d.endpoint + "?q=" + encodeURIComponent(q) + "&limit=" + (d.limit || "5");
      fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal
      })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) { if (mine === sequence) render(body.items || []); })
        .catch(function () { /* aborted or offline: the next keystroke retries */ });
    }

    var later = debounce(lookUp, parseInt(d.delay || "200", 10));
    input.addEventListener("input", function () {
      input.dataset.typed = input.value ? "1" : "";
      later();
    });
    follow((d.follow || "").split(/\s+/).filter(Boolean), input, later);
    if (input.value.trim().length >= minChars) lookUp();
  }

  // The box repeats what is typed in the followed fields (the first one not
  // empty) until someone types in the box itself.
  function follow(ids, input, later) {
    var fields = ids.map(function (id) { return document.getElementById(id); })
      .filter(Boolean);
    fields.forEach(function (field) {
      field.addEventListener("input", function () {
        if (input.dataset.typed) return;
        var words = "";
        fields.some(function (f) { words = f.value.trim(); return words !== ""; });
        input.value = words.split("\n")[0].slice(0, 200);
        later();
      });
    });
  }

  function insertCanned(button) {
    var target = document.getElementById(button.dataset.target || "body");
    if (!target) return;
    var text = button.dataset.text;
    var start = target.selectionStart || 0;
    var end = target.selectionEnd || 0;
    target.value = target.value.slice(0, start) + text + target.value.slice(end);
    target.focus();
    target.selectionStart = target.selectionEnd = start + text.length;
  }

  function init(root) {
    (root || document).querySelectorAll("[data-kb-search]").forEach(setUp);
    (root || document).querySelectorAll("[data-kb-insert]").forEach(function (button) {
      if (button.dataset.kbReady) return;
      button.dataset.kbReady = "1";
      button.addEventListener("click", function () { insertCanned(button); });
    });
  }

  document.addEventListener("helpdesk:swapped", function (event) {
    init(event.detail && event.detail.root);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
})();
