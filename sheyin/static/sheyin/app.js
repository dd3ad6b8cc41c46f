// Shell behaviour (no inline scripts: strict CSP).
(function () {
  "use strict";
  // Confirm dangerous actions: <button data-confirm="...">
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  });
  // Auto-submit filter selects: <select data-autosubmit>
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("select[data-autosubmit]")) {
      ev.target.form.submit();
    }
  });
})();
