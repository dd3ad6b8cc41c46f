// Self-service terminal behaviour (strict CSP: no inline scripts).
// - back to the start page after `data-idle-seconds` without a touch, with a 10-second warning;
// - an on-screen keypad (digits, X, letters) for fields marked data-keypad;
// - a show/hide switch for the masked card number.
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

  // On-screen keypad: the last focused field marked data-keypad receives the keys. The keypad names the
  // field it types into; its letters show for the card number (card numbers start with a letter).
  var target = document.querySelector("[data-keypad]");
  var targetLabel = document.querySelector("[data-keypad-target-label]");
  var letters = document.querySelector("[data-letters]");
  function choose(field) {
    target = field;
    if (!field) { return; }
    var label = document.querySelector("label[for='" + field.id + "']");
    if (targetLabel && label) { targetLabel.textContent = label.textContent.replace("*", "").trim(); }
    if (letters) { letters.hidden = field.getAttribute("data-keypad") !== "card"; }
  }
  choose(target);
  document.addEventListener("focusin", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-keypad]")) { choose(ev.target); }
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

  // Show or hide what was typed in a masked field (the card number): elderly users check what they typed.
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest ? ev.target.closest("[data-reveal]") : null;
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-reveal"));
    if (!field) { return; }
    var shown = field.type === "password";
    field.type = shown ? "text" : "password";
    button.setAttribute("aria-pressed", shown ? "true" : "false");
    var text = button.querySelector("[data-reveal-label]");
    if (text) { text.textContent = button.getAttribute(shown ? "data-hide-text" : "data-show-text"); }
    var icon = button.querySelector(".bi");
    if (icon) { icon.className = shown ? "bi bi-eye-slash" : "bi bi-eye"; }
    choose(field);
    field.focus();
  });
})();
