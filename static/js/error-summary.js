// The error summary above a refused form (templates/_error_summary.html): focus it on load so
// a screen reader reads it first and a keyboard starts there; a link in it moves focus to its
// field (a plain #fragment only scrolls), with the field's label in view. Without JavaScript
// the links still jump to the fields. A file, not an inline script: our CSP is script-src 'self'.
(function () {
  "use strict";

  function labelFor(field) {
    return field.closest("label") || document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
  }

  function start() {
    const summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      if (!link) return;
      const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!field) return;
      event.preventDefault();
      (labelFor(field) || field).scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
