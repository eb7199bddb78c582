/* Knowledge base widgets: search as you type, and canned-reply insertion.
 *
 * <div data-kb-search data-input="subject" data-endpoint="/api/v1/kb/suggestions" ...>
 *   <ul class="kb-results"></ul>
 * </div>
 * watches the input, asks the endpoint (debounced, stale answers dropped) and
 * lists the hits. The server escapes titles and snippets and only adds <mark>,
 * so they are inserted as HTML; everything else goes in as text.
 * A hit's action button builds its own form on <body> and submits it: panels
 * may sit inside a page's form, and forms cannot nest.
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

  function postForm(action, fields) {
    var form = el("form", { method: "post", action: action, hidden: "" });
    Object.keys(fields).forEach(function (name) {
      form.appendChild(el("input", { type: "hidden", name: name, value: fields[name] }));
    });
    document.body.appendChild(form);
    form.submit();
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
    if (!input || !list) return;
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
            postForm(d.action.replace("__ID__", String(item.id)), fields);
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

    input.addEventListener("input", debounce(lookUp, parseInt(d.delay || "200", 10)));
    if (input.value.trim().length >= minChars) lookUp();
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

  function init() {
    document.querySelectorAll("[data-kb-search]").forEach(setUp);
    document.querySelectorAll("[data-kb-insert]").forEach(function (button) {
      button.addEventListener("click", function () { insertCanned(button); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
