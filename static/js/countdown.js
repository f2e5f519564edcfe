// Accept-by countdowns (partner inbox and lead page). Each <time data-countdown> carries its
// deadline in `datetime` and the seconds left when the server rendered it; the text is
// re-written every second. Counting from the server's figure keeps a wrong clock on the
// partner's computer from showing the wrong time left. Same format as the server's
// `countdown` filter, so nothing jumps when the script starts.
(function () {
  "use strict";

  const loadedAt = Date.now();

  function format(secondsLeft) {
    if (secondsLeft <= 0) return "time is up";
    const hours = Math.floor(secondsLeft / 3600);
    const minutes = Math.floor((secondsLeft % 3600) / 60);
    const seconds = secondsLeft % 60;
    const mm = String(minutes).padStart(2, "0");
    const ss = String(seconds).padStart(2, "0");
    return hours ? `${hours}h ${mm}m ${ss}s left` : `${minutes}m ${ss}s left`;
  }

  function deadlineOf(element) {
    const serverSeconds = Number(element.dataset.secondsLeft);
    if (Number.isFinite(serverSeconds)) return loadedAt + serverSeconds * 1000;
    return Date.parse(element.getAttribute("datetime"));
  }

  function start() {
    const timers = Array.from(document.querySelectorAll("time[data-countdown]")).map(
      (element) => ({ element, deadline: deadlineOf(element) })
    );
    if (!timers.length) return;
    function tick() {
      const now = Date.now();
      for (const { element, deadline } of timers) {
        if (!Number.isFinite(deadline)) continue;
        const secondsLeft = Math.max(0, Math.floor((deadline - now) / 1000));
        element.textContent = format(secondsLeft);
        element.classList.toggle("overdue", secondsLeft <= 0);
        element.classList.toggle("urgent", secondsLeft > 0 && secondsLeft < 3600);
      }
    }
    tick();
    setInterval(tick, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
