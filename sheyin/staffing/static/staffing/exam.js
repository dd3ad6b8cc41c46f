// Exam page: countdown to the server-side deadline, then hand in automatically (strict CSP: no inline JS).
(function () {
  "use strict";
  var timer = document.getElementById("exam-timer");
  var form = document.getElementById("exam-form");
  if (!timer || !form) return;
  var deadline = parseInt(timer.getAttribute("data-deadline"), 10);
  // Correct for the difference between this computer's clock and the server's.
  var skew = parseInt(timer.getAttribute("data-now"), 10) - Date.now();
  var submitted = false;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.floor((deadline - (Date.now() + skew)) / 1000));
    timer.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
    timer.classList.toggle("is-low", left <= 60);
    if (left === 0 && !submitted) {
      submitted = true;
      form.submit();  // the server ignores answers after the deadline and scores what was saved before it
      return;
    }
    window.setTimeout(tick, 500);
  }
  form.addEventListener("submit", function () { submitted = true; });
  tick();
})();
