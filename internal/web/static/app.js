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
