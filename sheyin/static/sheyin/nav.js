// The workbench menu: collapsible groups whose open/closed state is remembered in this browser
// (localStorage), the current page's group always open, and a search box that filters the entries as
// one types. Plain script, no inline code (strict CSP), nothing loaded from elsewhere.
(function () {
  "use strict";
  var root = document.querySelector("[data-nav]");
  if (!root) { return; }
  var KEY = "sheyin.nav.open";
  var groups = Array.prototype.slice.call(root.querySelectorAll("[data-nav-group]"));
  var search = root.querySelector("[data-nav-search]");
  var empty = root.querySelector("[data-nav-empty]");
  var status = root.querySelector("[data-nav-status]");

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return saved && typeof saved === "object" ? saved : {};
    } catch (e) {
      return {};
    }
  }
  function save(state) {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: not kept */ }
  }
  var state = load();

  // Without a remembered choice a group is closed; the current page's group is always open.
  function restore() {
    groups.forEach(function (g) {
      var key = g.getAttribute("data-nav-group");
      g.open = g.hasAttribute("data-nav-current") || state[key] === true;
    });
  }
  restore();

  // Remember what the person chose (a click or Enter/Space on the group's title), not what the search
  // opened for them.
  groups.forEach(function (g) {
    g.querySelector("summary").addEventListener("click", function () {
      if (search && search.value.trim()) { return; }
      state[g.getAttribute("data-nav-group")] = !g.open;
      save(state);
    });
  });

  function normal(text) { return String(text || "").replace(/\s+/g, "").toLowerCase(); }

  function filter() {
    var q = normal(search.value);
    var shown = 0;
    if (!q) {
      groups.forEach(function (g) {
        g.hidden = false;
        Array.prototype.forEach.call(g.querySelectorAll("li"), function (li) { li.hidden = false; });
      });
      restore();
      if (empty) { empty.hidden = true; }
      if (status) { status.textContent = ""; }
      return;
    }
    groups.forEach(function (g) {
      var title = normal(g.querySelector("summary").textContent);
      var inGroup = 0;
      Array.prototype.forEach.call(g.querySelectorAll("li"), function (li) {
        var hit = normal(li.textContent).indexOf(q) !== -1 || title.indexOf(q) !== -1;
        li.hidden = !hit;
        if (hit) { inGroup += 1; }
      });
      g.hidden = inGroup === 0;
      g.open = inGroup > 0;
      shown += inGroup;
    });
    if (empty) { empty.hidden = shown > 0; }
    if (status) {
      status.textContent = shown ? status.getAttribute("data-some") + shown : status.getAttribute("data-none");
    }
  }

  function visibleEntries() {
    return Array.prototype.filter.call(root.querySelectorAll("#nav-groups [data-nav-entry]"), function (a) {
      return a.offsetParent !== null;
    });
  }

  if (search) {
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && search.value) {
        search.value = "";
        filter();
        ev.preventDefault();
      } else if ((ev.key === "ArrowDown" || ev.key === "Enter") && search.value.trim()) {
        var first = visibleEntries()[0];
        if (first) {
          ev.preventDefault();
          if (ev.key === "Enter") { first.click(); } else { first.focus(); }
        }
      }
    });
  }

  // Arrow keys move between the visible entries and group titles of the menu.
  root.addEventListener("keydown", function (ev) {
    if ((ev.key !== "ArrowDown" && ev.key !== "ArrowUp") || ev.target === search) { return; }
    var items = Array.prototype.filter.call(root.querySelectorAll("summary, [data-nav-entry]"), function (el) {
      return el.offsetParent !== null;
    });
    var i = items.indexOf(ev.target);
    if (i === -1) { return; }
    ev.preventDefault();
    var next = ev.key === "ArrowDown" ? items[i + 1] : items[i - 1];
    if (next) { next.focus(); } else if (ev.key === "ArrowUp" && search) { search.focus(); }
  });

  // The current entry in view when the menu is longer than the screen.
  var current = root.querySelector("[aria-current=page]");
  if (current && current.scrollIntoView && current.getBoundingClientRect().bottom > window.innerHeight) {
    current.scrollIntoView({ block: "center" });
  }
})();
