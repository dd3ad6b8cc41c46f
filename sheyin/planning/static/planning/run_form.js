// Plan-run form: show the import / grid fields only for the source that needs them.
(function () {
  "use strict";
  var form = document.getElementById("run-form");
  if (!form) { return; }
  function update() {
    form.querySelectorAll("[data-show-when]").forEach(function (box) {
      var rule = box.getAttribute("data-show-when").split("=");
      var checked = form.querySelector('input[name="' + rule[0] + '"]:checked');
      box.hidden = !(checked && checked.value === rule[1]);
    });
  }
  form.addEventListener("change", update);
  update();
})();
