// Intake form: picking a use case pre-fills its typical escalation shares (the cheapest tier
// that clears the bar). The presets come from the json_script block #use-case-presets
// (workloads/choices.py: USE_CASE_PRESETS, as fractions); the fields take percents. A file,
// not an inline script, so the page works under our Content-Security-Policy (script-src 'self').
(function () {
  "use strict";

  // 0.03 -> "3", 0.15 -> "15" (not 15.000000000000002).
  function percent(share) {
    return String(Math.round(share * 10000) / 100);
  }

  function start() {
    const presets = JSON.parse(document.getElementById("use-case-presets").textContent);
    const useCase = document.getElementById("id_workload-use_case");
    useCase.addEventListener("change", () => {
      const preset = presets[useCase.value];
      if (!preset) return;
      document.getElementById("id_workload-escalation_sonnet").value = percent(preset.sonnet);
      document.getElementById("id_workload-escalation_opus").value = percent(preset.opus);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
