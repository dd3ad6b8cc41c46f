// Batch actions on a list: "select all" ticks the rows' boxes; the bar counts the ticked rows.
(function () {
  function sync(form) {
    var boxes = document.querySelectorAll('input[name="ids"][form="' + form.id + '"]');
    var n = 0;
    boxes.forEach(function (b) { if (b.checked) { n += 1; } });
    var out = form.querySelector("[data-batch-count]");
    if (out) { out.textContent = String(n); }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = n === 0; });
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!(t instanceof HTMLInputElement)) { return; }
    if (t.hasAttribute("data-batch-all")) {
      var formId = t.getAttribute("data-batch-all");
      document.querySelectorAll('input[name="ids"][form="' + formId + '"]').forEach(function (b) { b.checked = t.checked; });
      var f = document.getElementById(formId);
      if (f) { sync(f); }
    } else if (t.name === "ids" && t.form) {
      sync(t.form);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-batch]").forEach(sync);
  });
  document.body && document.body.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("form[data-batch]").forEach(sync);
  });
})();
