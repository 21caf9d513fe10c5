// Optional: times in the reader's own zone and as relative times, maintenances and the page's
// age by the reader's clock, and uptime bars that a tap, the mouse or the keyboard (Tab, then
// arrow keys) can explore. The page is complete without it: it says what the build saw.
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
  // Between builds (docs/templates.md): a maintenance's words and the banner move on, never back,
  // as the clock passes its window; a page built over an hour ago says how old it is.
  const PHASES = ["upcoming", "active", "past"];
  const items = [...document.querySelectorAll("[data-clock-start]")];
  const phase = (m, now) => PHASES[Math.max(PHASES.indexOf(m.dataset.phase),
    (now >= Date.parse(m.dataset.clockStart)) + (now >= Date.parse(m.dataset.clockEnd)))];
  const banner = document.querySelector("[data-clock-banner]"), box = banner?.closest(".banner");
  const built = banner && [banner.textContent, box.className, items.some((m) => m.dataset.phase === "active")];
  const tick = () => {
    const now = Date.now();
    for (const m of items) for (const el of m.querySelectorAll("[data-clock-text]")) {
      const p = phase(m, now);
      if (PHASES.indexOf(p) <= PHASES.indexOf(el.dataset.clockText) || !el.dataset[p]) continue;
      el.textContent = el.dataset[p];
      el.dataset.clockText = p;
      while (el.nextSibling) el.nextSibling.remove(); // the time of the update it no longer is
    }
    if (banner) {
      const on = items.some((m) => phase(m, now) === "active"), flip = on !== built[2];
      const colours = on ? ["s-operational", "s-under_maintenance"] : ["s-under_maintenance", "s-operational"];
      banner.textContent = flip ? banner.dataset.clockBanner : built[0];
      box.className = flip ? built[1].replace(...colours) : built[1];
    }
    const note = document.querySelector("[data-built]"), age = note && now - Date.parse(note.dataset.built);
    if (age > 36e5) [note.textContent, note.hidden] = [note.dataset.text.replace("{age}", ago(age)), false];
  };
  tick();
  setInterval(tick, 6e4);
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
