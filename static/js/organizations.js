// Organizations: with htmx loaded, the district → street → community picker refreshes itself when a
// select changes, so the button that does it without JavaScript ([data-no-js]) is hidden.
(function () {
  "use strict";
  function hideFallbacks(root) {
    if (!window.htmx || !root || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-no-js]").forEach(function (el) { el.hidden = true; });
  }
  document.addEventListener("DOMContentLoaded", function () { hideFallbacks(document); });
  document.addEventListener("htmx:load", function (event) { hideFallbacks(event.detail.elt); });
})();
