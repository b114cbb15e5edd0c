/* The participant's page (issue #17, item 4; decision 0039). Without this file the page works: its sections
   follow one another and the section menu jumps to them. With it:
   - one section at a time: the one the address names (#contacts, or #outreach-form inside it), else the one
     a form with errors is in, else the first; the menu marks it (aria-current) and keeps the address;
   - a <details> holding the element the address names is opened;
   - a form sent back with errors: its section is shown and the focus goes to the first field with an error
     (announced with its label and error, which aria-describedby names), else to the error summary. */
(function () {
  "use strict";
  var root = document.querySelector("[data-participant-page]");
  if (!root) { return; }
  var panels = Array.prototype.slice.call(root.querySelectorAll("[data-tab]"));
  var links = Array.prototype.slice.call(root.querySelectorAll("[data-tab-link]"));

  function panelOf(el) { return el ? el.closest("[data-tab]") : null; }

  function byHash() {
    var id = decodeURIComponent((window.location.hash || "").slice(1));
    if (!id) { return null; }
    var el = document.getElementById(id);
    return el && root.contains(el) ? el : null;
  }

  function show(panel) {
    if (!panel || panels.length < 2) { return; }
    panels.forEach(function (p) { p.hidden = p !== panel; });
    links.forEach(function (a) {
      if (a.getAttribute("data-tab-link") === panel.id) { a.setAttribute("aria-current", "true"); }
      else { a.removeAttribute("aria-current"); }
    });
  }

  function reveal(target) {
    var details = target.tagName === "DETAILS" ? target : target.closest("details");
    if (details) { details.open = true; }
  }

  function goTo(target, scroll) {
    var panel = panelOf(target);
    show(panel);
    reveal(target);
    if (scroll) { target.scrollIntoView({block: "start"}); }
  }

  function focusError() {
    var summary = root.querySelector(".error-summary");
    var form = summary ? summary.closest("form") : null;
    var scope = form || root;
    var field = scope.querySelector("[aria-invalid='true']");
    var target = field || summary || root.querySelector(".has-error");
    if (!target) { return false; }
    goTo(target, false);
    if (!target.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
    target.scrollIntoView({block: "center"});
    return true;
  }

  if (panels.length > 1) { root.classList.add("tabs-on"); }

  links.forEach(function (a) {
    a.addEventListener("click", function (event) {
      var panel = document.getElementById(a.getAttribute("data-tab-link"));
      if (!panel) { return; }
      event.preventDefault();
      show(panel);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "#" + panel.id);
      }
    });
  });

  // Links inside the page that name a place in it (the next step, "Older", an error pointer).
  root.addEventListener("click", function (event) {
    var a = event.target.closest("a[href^='#']");
    if (!a || a.hasAttribute("data-tab-link")) { return; }
    var target = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
    if (!target || !root.contains(target)) { return; }
    event.preventDefault();
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", a.getAttribute("href"));
    }
    if (a.hasAttribute("data-error-pointer") || a.closest("[data-error-pointer]")) { focusError(); return; }
    goTo(target, true);
    var first = target.querySelector("input:not([type=hidden]), select, textarea");
    if (first && target.tagName !== "SECTION") { first.focus({preventScroll: true}); }
  });

  window.addEventListener("hashchange", function () {
    var target = byHash();
    if (target) { goTo(target, true); }
  });

  if (focusError()) { return; }
  var target = byHash();
  if (target) { goTo(target, true); return; }
  var open = root.getAttribute("data-open-section");
  show((open && document.getElementById(open)) || panels[0]);
})();
