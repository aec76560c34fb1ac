// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // ARIA tabs: arrow keys, Home and End move between tabs; only the selected tab is in the Tab order.
  var bound = new WeakSet();

  function setupTabs(root) {
    if (bound.has(root)) return;
    bound.add(root);
    var tabs = Array.prototype.slice.call(root.querySelectorAll('[role="tab"]'));
    tabs.forEach(function (tab) {
      tab.setAttribute("tabindex", tab.getAttribute("aria-selected") === "true" ? "0" : "-1");
    });
    root.addEventListener("keydown", function (event) {
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) return;
      var next = null;
      if (event.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
      else if (event.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
      else if (event.key === "Home") next = tabs[0];
      else if (event.key === "End") next = tabs[tabs.length - 1];
      else if (event.key === " ") { event.preventDefault(); tabs[i].click(); return; }
      if (next) { event.preventDefault(); next.focus(); }
    });
  }

  function init(scope) {
    scope.querySelectorAll('[role="tablist"]').forEach(setupTabs);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt;
    if (!root || !root.isConnected) root = document;
    init(root.parentNode || document);
    // Tabs: the title follows the panel, and focus stays on the selected tab.
    var panel = document.querySelector("[data-page-title]");
    if (panel && root.contains(panel)) {
      document.title = panel.getAttribute("data-page-title");
      var selected = document.querySelector('[role="tab"][aria-selected="true"]');
      if (selected) selected.focus();
    }
    // A swapped part may name the page's new title (a list's page 2 of 3, say).
    var titled = (root.matches && root.matches("[data-jnt-title]")) ? root : root.querySelector && root.querySelector("[data-jnt-title]");
    if (titled) document.title = titled.getAttribute("data-jnt-title");
    // A link may say where focus goes once its content is in (pagination: the results, not <body>).
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var after = source && source.getAttribute && source.getAttribute("data-jnt-focus-after");
    if (after && document.querySelector(after)) document.querySelector(after).focus();
    // Forms and messages: focus what the visitor must read next (errors, confirmation).
    var target = (root.matches && root.matches("[data-jnt-focus]")) ? root : root.querySelector && root.querySelector("[data-jnt-focus]");
    if (target) target.focus();
  });

  // Back/forward restores htmx's snapshot: bind the tabs again.
  document.addEventListener("htmx:historyRestore", function () { init(document); });
})();
