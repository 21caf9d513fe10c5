// Optional: times in the reader's own zone and as relative times, and uptime bars that a tap,
// the mouse or the keyboard (Tab, then arrow keys) can explore. The page is complete without it.
(() => {
  const lang = document.documentElement.lang || "en";
  const full = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const day = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const ago = (ms) => {
    for (const [unit, size] of [["day", 864e5], ["hour", 36e5], ["minute", 6e4]])
      if (Math.abs(ms) >= size || unit === "minute") return relative.format(-Math.round(ms / size), unit);
  };
  for (const t of document.querySelectorAll("time[datetime*='T']")) {
    const when = new Date(t.getAttribute("datetime"));
    if (isNaN(when)) continue;
    t.title = full.format(when);
    const age = Date.now() - when;
    if (t.hasAttribute("data-relative") || (age >= 0 && age < 7 * 864e5)) t.append(" (" + ago(age) + ")");
  }
  // Each bar becomes one stop in the tab order (today); arrows move along it.
  const target = (cell) => cell.querySelector("a") || cell;
  for (const bar of document.querySelectorAll(".bar")) {
    const name = bar.closest("[data-component]")?.querySelector("h1,h3")?.textContent || "";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", name);
    for (const cell of bar.children) {
      // In a group, a day is an image named by its date and uptime, or (with events) its link.
      cell.setAttribute("role", "none");
      if (!cell.querySelector("a")) {
        const uptime = cell.dataset.uptime ? " · " + cell.dataset.uptime + " %" : "";
        cell.dataset.tip = day.format(new Date(cell.dataset.date + "T00:00:00Z")) + uptime;
        cell.setAttribute("role", "img");
        cell.setAttribute("aria-label", cell.dataset.tip);
      }
      target(cell).tabIndex = cell === bar.lastElementChild ? 0 : -1;
    }
  }
  document.addEventListener("keydown", (e) => {
    const cell = document.activeElement?.closest?.(".bar > li");
    const step = { ArrowLeft: "previousElementSibling", ArrowRight: "nextElementSibling" }[e.key];
    const next = cell && step && cell[step];
    if (!next) return;
    target(cell).tabIndex = -1;
    target(next).tabIndex = 0;
    target(next).focus();
    e.preventDefault();
  });
})();
