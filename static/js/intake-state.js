// Intake form: the company's state. The page has two fields for it (founders/forms.py,
// CompanyForm): a select of US states and territories, and free text for other countries.
// Without JavaScript both show, each labelled with the countries it is for, and the server
// uses the one that fits the country. Here only that one shows; the other is hidden and
// disabled, so it is not sent.
(function () {
  "use strict";

  function start() {
    const country = document.getElementById("id_company-country");
    const usState = document.getElementById("id_company-state");
    const region = document.getElementById("id_company-state_or_region");
    if (!country || !usState || !region) return;

    function show(field, visible) {
      field.disabled = !visible;
      field.closest(".field").hidden = !visible;
    }

    function update() {
      const inUs = country.value === "US";
      show(usState, inUs);
      show(region, !inUs);
    }

    country.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
