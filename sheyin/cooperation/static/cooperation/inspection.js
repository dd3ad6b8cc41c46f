// Inspection form: live count of answered items; a failed item is highlighted.
(function () {
  "use strict";
  var form = document.getElementById("inspection-form");
  if (!form) { return; }
  var out = document.getElementById("coop-answered");
  var bar = document.getElementById("coop-progress");
  function update() {
    var n = 0;
    form.querySelectorAll("[data-item]").forEach(function (row) {
      var checked = row.querySelector("input[type=radio]:checked");
      if (checked) { n += 1; }
      row.classList.toggle("coop-item-fail", !!checked && checked.value === "fail");
    });
    if (out) { out.textContent = n; }
    if (bar) { bar.value = n; }
  }
  form.addEventListener("change", update);
  update();
})();
