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
  var nav = form.querySelector("[data-stepper-nav]");
  if (items.length < 2 || !nav) return;
  var submit = form.querySelector('button[type="submit"]');
  var prev = nav.querySelector("#step-prev");
  var next = nav.querySelector("#step-next");
  var count = nav.querySelector("#step-count");
  var status = nav.querySelector("#step-status");
  nav.hidden = false;
  // A legend takes focus only from this script, so that moving to a
  // question can put focus on something the user sees.
  items.forEach(function (f) {
    var legend = f.querySelector("legend");
    if (legend) legend.tabIndex = -1;
  });
  var first = items.findIndex(function (f) { return !f.querySelector("input:checked"); });
  var at = first < 0 ? items.length - 1 : first;
  function show() {
    items.forEach(function (f, i) { f.hidden = i !== at; });
    prev.disabled = at === 0;
    next.hidden = at === items.length - 1;
    submit.hidden = at !== items.length - 1;
    count.textContent = (at + 1) + " / " + items.length;
    status.textContent = items[at].getAttribute("data-position") || "";
  }
  // Moving hides the control that has focus (a radio, or ← on the first
  // question and → on the last); focus would fall to the page's top and
  // a screen reader would go silent. The question's legend takes it and
  // the status line says where the user now is.
  function go(i) {
    at = i;
    show();
    var legend = items[at].querySelector("legend");
    if (legend) legend.focus();
  }
  prev.addEventListener("click", function () { if (at > 0) go(at - 1); });
  next.addEventListener("click", function () { if (at < items.length - 1) go(at + 1); });
  // Only a pointer's choice moves on by itself: arrow keys in a radio
  // group (and a screen reader's virtual cursor) change the checked
  // radio too, and moving then would take the user away from a question
  // they are still answering. pointed is the question a pointer pressed a
  // radio or its label in; a key or the end of the click clears it.
  var pointed = null;
  form.addEventListener("pointerdown", function (ev) {
    pointed = ev.target.closest("label.choice, input[type=radio]") ? ev.target.closest("fieldset.item") : null;
  });
  form.addEventListener("keydown", function () { pointed = null; });
  form.addEventListener("change", function (ev) {
    var item = ev.target.closest("fieldset.item");
    var byPointer = pointed !== null && pointed === item;
    pointed = null;
    if (ev.target.type !== "radio" || !byPointer) return;
    var i = items.indexOf(item);
    if (i >= 0 && i < items.length - 1) go(i + 1);
  });
  // change follows click, so the clearing waits until after it.
  form.addEventListener("click", function () { setTimeout(function () { pointed = null; }, 0); });
  // Sending with questions open fires invalid on each of their radios in
  // document order, then the browser focuses the first one: show that
  // question, not the last one reported, or the focus lands on a hidden
  // radio and the browser's message never shows. The other questions'
  // radios stay hidden, so their invalid is handled here; left to the
  // browser, each would only log that it cannot be focused.
  var reported = false;
  form.addEventListener("invalid", function (ev) {
    var i = items.indexOf(ev.target.closest("fieldset.item"));
    if (i < 0) return;
    if (reported) {
      if (i !== at) ev.preventDefault();
      return;
    }
    reported = true;
    setTimeout(function () { reported = false; }, 0);
    at = i;
    show();
  }, true);
  show();
})();

// Long forms saved a section at a time (form[data-unsaved]): a form whose
// fields changed shows its "not saved" line, and leaving the page while
// one has changes asks first. Sending a form clears its own mark only, so
// saving one section still warns about changes left in another. Without
// script every section still saves with its own button.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-unsaved]");
  if (!forms.length) return;
  function mark(form, dirty) {
    if (dirty) form.setAttribute("data-dirty", "");
    else form.removeAttribute("data-dirty");
    var line = form.querySelector(".unsaved");
    if (line) line.hidden = !dirty;
  }
  forms.forEach(function (form) {
    form.addEventListener("input", function () { mark(form, true); });
    form.addEventListener("change", function () { mark(form, true); });
    form.addEventListener("submit", function () { mark(form, false); });
  });
  // A link to a section, or to an item inside one, opens the closed
  // <details> it sits in.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    for (; el; el = el.parentElement) {
      if (el.tagName === "DETAILS" && !el.open) el.open = true;
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  window.addEventListener("beforeunload", function (ev) {
    if (!document.querySelector("form[data-unsaved][data-dirty]")) return;
    ev.preventDefault();
    ev.returnValue = "";
  });
})();
