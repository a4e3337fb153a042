/* fiches: every table that scrolls sideways (Material wraps Markdown tables in a scroller) can be reached with
   the keyboard and has a name of its own (its caption or the heading above it); scrollable regions that share
   a name get a number. Under 76.25em the navigation is a drawer: while it is closed its links are out of the
   tab order (inert), and the menu icon is a button of the keyboard (Entrée or Espace opens, Échap closes).
   Runs on every page, offline. */
(function () {
  "use strict";
  function label(scroller) {
    var table = scroller.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (caption && caption.textContent.trim()) return "Tableau : " + caption.textContent.trim();
    for (var node = scroller.closest(".md-typeset__scrollwrap") || scroller; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) return "Tableau : " + node.textContent.trim();
    }
    return "Tableau";
  }
  function prepare() {
    var scrollers = document.querySelectorAll(".md-typeset__scrollwrap");
    for (var i = 0; i < scrollers.length; i++) {
      var s = scrollers[i];
      var style = getComputedStyle(s);
      if (!/(auto|scroll)/.test(style.overflowX) || s.hasAttribute("tabindex")) continue;
      s.setAttribute("tabindex", "0");
      s.setAttribute("role", "region");
      s.setAttribute("aria-label", label(s));
    }
    var seen = {};
    var regions = document.querySelectorAll("article [role=region][aria-label]");
    for (var j = 0; j < regions.length; j++) {
      var name = regions[j].getAttribute("aria-label");
      seen[name] = (seen[name] || 0) + 1;
      if (seen[name] > 1) regions[j].setAttribute("aria-label", name + " (" + seen[name] + ")");
    }
  }
  function drawer() {
    var toggle = document.getElementById("__drawer");
    var nav = document.querySelector(".md-sidebar--primary");
    var button = document.querySelector("label.md-header__button[for='__drawer']");
    if (!toggle || !nav || toggle.hasAttribute("data-fiches")) return;
    toggle.setAttribute("data-fiches", "");
    var wide = window.matchMedia("(min-width: 76.25em)");
    function sync() {
      if (!wide.matches && !toggle.checked) nav.setAttribute("inert", "");
      else nav.removeAttribute("inert");
      if (button) button.setAttribute("aria-expanded", toggle.checked ? "true" : "false");
    }
    if (button) {
      button.setAttribute("tabindex", "0");
      button.setAttribute("role", "button");
      button.setAttribute("aria-label", "Menu de navigation");
      button.setAttribute("aria-controls", "__drawer");
      button.addEventListener("keydown", function (event) {  // Entrée: Material clicks a focused label itself
        if (event.key !== " ") return;
        event.preventDefault();
        toggle.click();
      });
    }
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !toggle.checked) return;
      toggle.click();
      if (button) button.focus();
    });
    toggle.addEventListener("change", sync);
    if (wide.addEventListener) wide.addEventListener("change", sync);
    sync();
  }
  function ready() {
    prepare();
    drawer();
  }
  if (typeof document$ !== "undefined" && document$.subscribe) document$.subscribe(ready);
  else document.addEventListener("DOMContentLoaded", ready);
})();
