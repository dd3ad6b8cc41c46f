// A list's district, bank and outlet filters depend on each other (includes/scope_filters.html): when the
// district or the bank changes, the selects that depend on it are refreshed from the server (the user's
// scope only) before the list itself is asked for, so the other filters stay as they are and a choice that
// no longer fits falls back to 全部. Without script, submitting the form narrows the options instead.
// Plain script, no inline code (strict CSP), nothing loaded from elsewhere.
(function () {
  "use strict";
  var DEPENDENTS = { district: ["bank", "outlet"], bank: ["outlet"] };
  var PARENTS = ["district", "bank"];

  function select(form, name) {
    return form.querySelector('select[data-scope-filter="' + name + '"]');
  }

  // Replace the options after the first (全部…); keep the chosen value when it is still offered. A list cut
  // short says so first (a disabled option, and the select's title).
  function fill(sel, data) {
    var keep = sel.value;
    while (sel.options.length > 1) { sel.remove(1); }
    if (data.note) {
      var note = new Option(data.note, "");
      note.disabled = true;
      note.setAttribute("data-scope-note", "");
      sel.add(note);
      sel.title = data.note;
    } else {
      sel.removeAttribute("title");
    }
    var kept = false;
    data.options.forEach(function (o) {
      var opt = new Option(o.label, o.value);
      if (o.value === keep) { opt.selected = true; kept = true; }
      sel.add(opt);
    });
    if (!kept) { sel.options[0].selected = true; }
  }

  // Capture phase: this runs before the form's own handlers (htmx, data-autosubmit), which then see the
  // change again once the dependent selects are refreshed.
  document.addEventListener("change", function (ev) {
    var sel = ev.target;
    if (ev.sheyinScopeDone || !sel.matches || !sel.matches("select[data-scope-filter]") || !sel.form) { return; }
    var form = sel.form;
    var targets = (DEPENDENTS[sel.getAttribute("data-scope-filter")] || [])
      .map(function (name) { return select(form, name); })
      .filter(Boolean);
    if (!targets.length) { return; }
    ev.stopImmediatePropagation();
    var params = new URLSearchParams();
    PARENTS.forEach(function (name) {
      var s = select(form, name);
      if (s && s.value) { params.set(name, s.value); }
    });
    form.setAttribute("aria-busy", "true");
    fetch(sel.getAttribute("data-scope-options") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        targets.forEach(function (t) {
          var d = data[t.getAttribute("data-scope-filter")];
          if (d) { fill(t, d); }
        });
      })
      .catch(function () { /* the list answers for itself: the server checks the choice again */ })
      .then(function () {
        form.removeAttribute("aria-busy");
        var again = new Event("change", { bubbles: true });
        again.sheyinScopeDone = true;
        sel.dispatchEvent(again);
      });
  }, true);
})();
