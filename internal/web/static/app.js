// mamori's small progressive enhancements. Every page works without this
// file; it only adds confirmations and conveniences.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var msg = form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
    }
  });
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn) return;
    var target = document.getElementById(btn.getAttribute("data-copy"));
    if (target && navigator.clipboard) {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        btn.textContent = btn.getAttribute("data-copied") || btn.textContent;
      });
    }
  });
})();

// The wholesale question only matters for JSIC industry I (wholesale and
// retail trade); show it only when that industry is chosen.
(function () {
  "use strict";
  var field = document.getElementById("wholesale-field");
  var industry = document.getElementById("industry");
  if (!field || !industry) return;
  function sync() {
    field.hidden = industry.value !== field.getAttribute("data-industry");
  }
  industry.addEventListener("change", sync);
  sync();
})();

// Print buttons (no inline handlers under our CSP).
document.addEventListener("click", function (ev) {
  if (ev.target.closest("[data-print]")) window.print();
});

// Self-diagnosis forms: remember choices in this tab so a reload keeps
// them before the part is sent, and on narrow screens show one question
// at a time. Without script the whole part shows and still works.
(function () {
  "use strict";
  var form = document.querySelector("form[data-stepper]");
  if (!form) return;
  var key = form.getAttribute("data-storage");
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }
  if (store && key) {
    var saved = {};
    try { saved = JSON.parse(store.getItem(key) || "{}"); } catch (e) { saved = {}; }
    Object.keys(saved).forEach(function (name) {
      var already = form.querySelector('input[name="' + name + '"]:checked');
      var input = form.querySelector('input[name="' + name + '"][value="' + saved[name] + '"]');
      if (!already && input) input.checked = true;
    });
    form.addEventListener("change", function (ev) {
      if (ev.target.type !== "radio") return;
      saved[ev.target.name] = ev.target.value;
      store.setItem(key, JSON.stringify(saved));
    });
    form.addEventListener("submit", function () { store.removeItem(key); });
  }
  if (!window.matchMedia || !window.matchMedia("(max-width: 40rem)").matches) return;
  var items = Array.prototype.slice.call(form.querySelectorAll("fieldset.item"));
  if (items.length < 2) return;
  var submit = form.querySelector('button[type="submit"]');
  var nav = document.createElement("div");
  nav.className = "stepper-buttons";
  var prev = document.createElement("button");
  prev.type = "button"; prev.className = "secondary"; prev.textContent = "←";
  var next = document.createElement("button");
  next.type = "button"; next.textContent = "→";
  var count = document.createElement("span");
  count.className = "muted";
  nav.appendChild(prev); nav.appendChild(count); nav.appendChild(next);
  form.insertBefore(nav, submit.parentNode);
  var first = items.findIndex(function (f) { return !f.querySelector("input:checked"); });
  var at = first < 0 ? items.length - 1 : first;
  function show() {
    items.forEach(function (f, i) { f.hidden = i !== at; });
    prev.disabled = at === 0;
    next.hidden = at === items.length - 1;
    submit.hidden = at !== items.length - 1;
    count.textContent = (at + 1) + " / " + items.length;
  }
  prev.addEventListener("click", function () { if (at > 0) { at--; show(); } });
  next.addEventListener("click", function () { if (at < items.length - 1) { at++; show(); } });
  form.addEventListener("change", function (ev) {
    if (ev.target.type === "radio" && at < items.length - 1) { at++; show(); }
  });
  form.addEventListener("invalid", function (ev) {
    var i = items.indexOf(ev.target.closest("fieldset.item"));
    if (i >= 0) { at = i; show(); }
  }, true);
  show();
})();
