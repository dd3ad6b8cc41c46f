// Idle timeout that never throws work away (等保: sessions end after SHEYIN_IDLE_SECONDS without a request).
// - A minute before the end (half the time for very short settings) a dialog warns, with 继续 (keep working).
// - Someone typing or clicking is not idle: near the end their session is renewed without interrupting them.
// - At the end, or when a form is submitted after it, what the user typed is kept in this tab's
//   sessionStorage (never passwords or files), the user is logged out and sent to the login page; after
//   logging in again they come back to the same page, the fields are filled in again and "已超时" says so.
// Tabs share the last activity through localStorage, so a request in one tab keeps the others alive.
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box || !window.bootstrap) { return; }
  var idle = parseInt(box.getAttribute("data-idle-seconds"), 10) || 600;
  var lead = Math.min(60, Math.floor(idle / 2));
  var owner = box.getAttribute("data-owner") || "";
  var ACTIVITY = "sheyin-last-activity";
  var DRAFT = "sheyin-draft:";
  var DRAFT_MAX_AGE = 2 * 3600 * 1000;
  var countdown = box.querySelector("[data-idle-countdown]");
  var modal = window.bootstrap.Modal.getOrCreateInstance(box);
  var lastServer = Date.now();
  var lastLocal = 0;
  var renewing = false;
  var ending = false;

  function stored() {
    try { return parseInt(window.localStorage.getItem(ACTIVITY) || "0", 10) || 0; } catch (e) { return 0; }
  }
  function served() {  // a request reached the server: the session runs from now
    lastServer = Date.now();
    try { window.localStorage.setItem(ACTIVITY, String(lastServer)); } catch (e) { /* private mode */ }
    if (box.classList.contains("show")) { modal.hide(); }
  }
  function lastActivity() { return Math.max(lastServer, stored()); }
  function here() { return window.location.pathname + window.location.search; }

  function fieldsOf(form) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      var type = (el.type || "").toLowerCase();
      if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken" ||
          ["password", "file", "hidden", "submit", "button", "reset"].indexOf(type) >= 0) { return; }
      if (type === "checkbox" || type === "radio") {
        if (el.checked !== el.defaultChecked) { out.push({ name: el.name, value: el.value, checked: el.checked }); }
      } else if (el.tagName === "SELECT") {
        var changed = Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
        if (changed) {
          out.push({ name: el.name, values: Array.prototype.filter.call(el.options, function (o) { return o.selected; })
            .map(function (o) { return o.value; }) });
        }
      } else if (el.value !== el.defaultValue) {
        out.push({ name: el.name, value: el.value });
      }
    });
    return out;
  }
  function draftForms() {
    return Array.prototype.filter.call(document.querySelectorAll("main form"), function (f) {
      return (f.getAttribute("method") || "get").toLowerCase() === "post" && !f.hasAttribute("data-no-draft") &&
        !f.closest("[data-reveal]");
    });
  }
  function saveDraft() {
    var forms = draftForms().map(function (f, i) {
      return { index: i, action: f.getAttribute("action") || "", fields: fieldsOf(f) };
    }).filter(function (f) { return f.fields.length; });
    if (!forms.length) { return; }
    try {
      window.sessionStorage.setItem(DRAFT + here(), JSON.stringify({ owner: owner, at: Date.now(), forms: forms }));
    } catch (e) { /* storage full or blocked: nothing more we can do */ }
  }
  function restoreDraft() {
    var raw = null;
    try { raw = window.sessionStorage.getItem(DRAFT + here()); } catch (e) { return; }
    if (!raw) { return; }
    try { window.sessionStorage.removeItem(DRAFT + here()); } catch (e) { /* ignore */ }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    if (!draft || draft.owner !== owner || Date.now() - draft.at > DRAFT_MAX_AGE) { return; }  // never another user's
    var forms = draftForms();
    var restored = false;
    draft.forms.forEach(function (saved) {
      var form = forms[saved.index];
      if (!form || (form.getAttribute("action") || "") !== saved.action) { return; }
      saved.fields.forEach(function (f) {
        var els = form.querySelectorAll("[name=\"" + f.name.replace(/"/g, "") + "\"]");
        Array.prototype.forEach.call(els, function (el) {
          if (f.values) {
            Array.prototype.forEach.call(el.options || [], function (o) { o.selected = f.values.indexOf(o.value) >= 0; });
          } else if (typeof f.checked === "boolean") {
            if (el.value === f.value) { el.checked = f.checked; }
          } else {
            el.value = f.value;
          }
          el.dispatchEvent(new Event("change", { bubbles: true }));
          restored = true;
        });
      });
    });
    if (restored) {
      var note = document.createElement("div");
      note.className = "alert alert-warning";
      note.setAttribute("role", "alert");
      note.setAttribute("data-testid", "timeout-restored");
      note.textContent = box.getAttribute("data-restored");
      var main = document.getElementById("main");
      if (main) { main.insertBefore(note, main.firstChild); }
    }
  }

  function end() {
    if (ending) { return; }
    ending = true;
    saveDraft();
    var login = box.getAttribute("data-login") + "?next=" + encodeURIComponent(here()) + "&timeout=1";
    var form = document.getElementById("idle-logout");
    form.querySelector("input[name=next]").value = login;
    form.submit();
  }
  function renew() {
    if (renewing) { return; }
    renewing = true;
    window.fetch(box.getAttribute("data-keepalive"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (r.ok && !r.redirected) { served(); } else { end(); } })
      .catch(function () { /* offline for a moment: the next tick tries again */ })
      .then(function () { renewing = false; });
  }

  function tick() {
    var left = Math.ceil(idle - (Date.now() - lastActivity()) / 1000);
    if (left <= 2) { end(); return; }
    if (left <= lead) {
      if (lastLocal > lastActivity()) { renew(); return; }  // busy typing: not idle
      countdown.textContent = String(left);
      if (!box.classList.contains("show")) { modal.show(); }
    }
  }

  ["keydown", "input", "click", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function (ev) {
      if (!box.contains(ev.target)) { lastLocal = Date.now(); }
    }, { capture: true, passive: true });
  });
  document.addEventListener("submit", function (ev) {
    if ((Date.now() - lastActivity()) / 1000 >= idle - 2) {  // the session has ended: keep the work, log in again
      ev.preventDefault();
      ev.stopPropagation();
      end();
    }
  }, true);
  document.body.addEventListener("htmx:afterRequest", served);
  box.querySelector("[data-idle-continue]").addEventListener("click", renew);
  box.querySelector("[data-idle-logout]").addEventListener("click", function () {
    saveDraft();
    document.getElementById("idle-logout").submit();
  });
  window.addEventListener("storage", function (ev) { if (ev.key === ACTIVITY) { tick(); } });

  served();
  restoreDraft();
  window.setInterval(tick, 1000);
}());
