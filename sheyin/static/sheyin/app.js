// Shell behaviour (no inline scripts: strict CSP).
(function () {
  "use strict";
  // Names are text. Every script that puts data into HTML — ECharts tooltip and label formatters, markup
  // built in JS — passes it through sheyin.escapeHtml (CSP stops scripts, not markup such as <img> or <a>).
  // Prefer textContent where no markup is needed at all.
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };
  window.sheyin = window.sheyin || {};
  window.sheyin.escapeHtml = function (value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"'`]/g, function (c) {
      return ENTITIES[c];
    });
  };
  // Confirm dangerous actions: <button data-confirm="...">
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  });
  // Reveal dialogs (accounts/_reveal.html): once closed, a revealed value leaves the page and the form
  // comes back, so seeing it again needs a new reason.
  var revealForms = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-reveal] .modal-body"), function (body) {
    revealForms[body.id] = body.innerHTML;
  });
  document.addEventListener("hidden.bs.modal", function (ev) {
    var body = ev.target.matches("[data-reveal]") ? ev.target.querySelector(".modal-body") : null;
    if (body && revealForms[body.id] !== undefined && body.querySelector("[data-revealed], .is-invalid, .invalid-feedback")) {
      body.innerHTML = revealForms[body.id];
      if (window.htmx) { window.htmx.process(body); }
    }
  });
  // Auto-submit filter selects: <select data-autosubmit>
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("select[data-autosubmit]")) {
      ev.target.form.submit();
    }
  });
})();
