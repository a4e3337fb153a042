/* fiches: every table that scrolls sideways (Material wraps Markdown tables in a scroller) can be reached with
   the keyboard and has a name of its own (its caption or the heading above it); scrollable regions that share
   a name get a number. Runs on every page, offline. */
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
  if (typeof document$ !== "undefined" && document$.subscribe) document$.subscribe(prepare);
  else document.addEventListener("DOMContentLoaded", prepare);
})();
