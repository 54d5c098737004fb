// Volunteer Hub: small progressive enhancements. Pages work without this file.
document.addEventListener("htmx:responseError", function (event) {
  var target = event.detail.target;
  if (target) { target.setAttribute("aria-busy", "false"); }
});
