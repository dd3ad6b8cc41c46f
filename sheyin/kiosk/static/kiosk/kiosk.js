// Self-service terminal behaviour (strict CSP: no inline scripts).
// - back to the start page after `data-idle-seconds` without a touch, with a 10-second warning;
// - an on-screen keypad for fields marked data-keypad.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var resetUrl = body.getAttribute("data-reset-url");
  var banner = document.getElementById("kiosk-idle");
  var counter = banner ? banner.querySelector("[data-countdown]") : null;
  var last = Date.now();

  function touched() {
    last = Date.now();
    if (banner) { banner.classList.add("d-none"); }
  }
  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true });
  });
  if (idle > 0 && resetUrl) {
    window.setInterval(function () {
      var left = idle - Math.floor((Date.now() - last) / 1000);
      if (left <= 0) {
        window.location.assign(resetUrl);
      } else if (left <= 10 && banner) {
        banner.classList.remove("d-none");
        if (counter) { counter.textContent = String(left); }
      }
    }, 1000);
  }

  // On-screen keypad: the last focused field marked data-keypad receives the keys.
  var target = document.querySelector("[data-keypad]");
  document.addEventListener("focusin", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-keypad]")) { target = ev.target; }
  });
  document.addEventListener("click", function (ev) {
    var key = ev.target.closest ? ev.target.closest("[data-key]") : null;
    if (!key || !target) { return; }
    ev.preventDefault();
    var k = key.getAttribute("data-key");
    if (k === "back") {
      target.value = target.value.slice(0, -1);
    } else if (k === "clear") {
      target.value = "";
    } else if (!target.maxLength || target.maxLength < 0 || target.value.length < target.maxLength) {
      target.value += k;
    }
    target.focus();
  });
})();
