// Optional: shows times in the reader's own zone and as relative times, and lets a tap or the
// keyboard show an uptime day's details. The page is complete without it.
(() => {
  const lang = document.documentElement.lang || "en";
  const full = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const day = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const ago = (ms) => {
    const units = [["day", 864e5], ["hour", 36e5], ["minute", 6e4]];
    for (const [unit, size] of units) if (Math.abs(ms) >= size || unit === "minute") return relative.format(-Math.round(ms / size), unit);
  };
  for (const t of document.querySelectorAll("time[datetime*='T']")) {
    const when = new Date(t.getAttribute("datetime"));
    if (isNaN(when)) continue;
    t.title = full.format(when);
    const age = Date.now() - when;
    if (t.hasAttribute("data-relative") || (age >= 0 && age < 7 * 864e5)) t.append(" (" + ago(age) + ")");
  }
  for (const cell of document.querySelectorAll(".bar li")) {
    cell.tabIndex = -1; // focusable by tap, so the tooltip shows on phones too
    if (cell.querySelector(".tip")) continue;
    const date = new Date(cell.dataset.date + "T00:00:00Z");
    const uptime = cell.dataset.uptime ? " · " + cell.dataset.uptime + " %" : "";
    cell.dataset.tip = day.format(date) + uptime;
  }
  document.addEventListener("keydown", (e) => {
    const cell = document.activeElement.closest && document.activeElement.closest(".bar li");
    if (!cell || (e.key !== "ArrowLeft" && e.key !== "ArrowRight")) return;
    const next = e.key === "ArrowLeft" ? cell.previousElementSibling : cell.nextElementSibling;
    if (next) { (next.querySelector("a") || next).focus(); e.preventDefault(); }
  });
})();
