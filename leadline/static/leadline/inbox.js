// The inbox's live parts (issue #17): the menu's count (every 20 s) and the home page's urgent section
// (every 5 s) are htmx polls marked data-poll. While the tab is hidden they ask nothing (the request is
// cancelled before it leaves); when the tab comes back they ask at once.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail && event.detail.elt;
    if (document.hidden && element && element.hasAttribute("data-poll")) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) {
      return;
    }
    document.querySelectorAll("[data-poll]").forEach(function (element) {
      window.htmx.trigger(element, "leadline-visible");
    });
  });
})();
