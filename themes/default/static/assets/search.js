// The search page (docs/search.md). Pagefind's search API, from the site's own pagefind/
// folder, is loaded only when the reader starts a search; the form, the result markup
// (<template id="search-result">) and every word (data-* attributes of the form, from the
// theme's translations) come from the page. Pagefind picks the index of the page's `lang`.
const form = document.getElementById("search");
if (form) {
  const input = form.querySelector("#search-q");
  const selects = [...form.querySelectorAll("select[data-filter]")];
  const status = document.getElementById("search-status");
  const section = document.getElementById("search-results");
  const list = section.querySelector("ol");
  const more = document.getElementById("search-more");
  const failure = document.getElementById("search-error");
  const template = document.getElementById("search-result");
  const root = new URL(form.dataset.root, location.href);
  const BATCH = 10;
  let pagefind = null;
  let latest = 0;
  let results = [];
  let shown = 0;

  // A translated message with {count} and {term} filled in.
  const say = (key, values) =>
    form.dataset[key].replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));

  // Older events have an index of their own (docs/search.md), merged with the main one: the
  // list of such indexes comes first, so that a lost connection leaves nothing half set up.
  const mergedIndexes = async () => {
    const listed = await fetch(new URL("pagefind/sitrep-merge.json", root));
    if (!listed.ok) throw new Error(`pagefind/sitrep-merge.json: ${listed.status}`);
    return listed.json();
  };

  // Each index's events carry a filter naming their index, newest index first: Pagefind ranks
  // merged indexes together by score, so a listing by filters alone asks each in turn.
  let indexes = [];

  const load = () => {
    pagefind ??= Promise.all([mergedIndexes(), import(new URL("pagefind/pagefind.js", root).href)])
      .then(async ([merged, api]) => {
        // Result URLs are relative to the site root, wherever the site is served.
        const options = { baseUrl: root.pathname, excerptLength: 24 };
        await api.options({ ...options, mergeFilter: { index: "0" } });
        for (const [i, dir] of merged.entries()) {
          await api.mergeIndex(new URL(dir, root).pathname, { ...options, mergeFilter: { index: `${i + 1}` } });
        }
        indexes = ["0", ...merged.map((_, i) => `${i + 1}`)];
        return api;
      })
      .catch((error) => {
        pagefind = null; // a lost connection: the next search tries again
        throw error;
      });
    return pagefind;
  };

  const chosenFilters = () =>
    Object.fromEntries(selects.filter((s) => s.value).map((s) => [s.dataset.filter, s.value]));

  // The search in the address, so that it can be shared, bookmarked and gone back to.
  const remember = (term, filters) => {
    const params = new URLSearchParams();
    if (term) params.set("q", term);
    for (const [name, value] of Object.entries(filters)) params.set(name, value);
    const query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  };

  const recall = () => {
    const params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    for (const s of selects) {
      const value = params.get(s.dataset.filter);
      if (value && [...s.options].some((o) => o.value === value || o.text === value)) s.value = value;
    }
  };

  // Pagefind's excerpt marks the matching words with <mark>; only text and those marks are kept.
  const excerptInto = (element, html) => {
    const parsed = new DOMParser().parseFromString(html, "text/html").body;
    for (const node of parsed.childNodes) {
      if (node.nodeName === "MARK") {
        const mark = document.createElement("mark");
        mark.textContent = node.textContent;
        element.append(mark);
      } else {
        element.append(node.textContent);
      }
    }
  };

  const card = (data) => {
    const item = template.content.firstElementChild.cloneNode(true);
    const link = item.querySelector("h2 a");
    link.href = data.url;
    link.textContent = data.meta.title;
    const date = document.createElement("time");
    date.dateTime = data.meta.datetime || "";
    date.textContent = data.meta.date || "";
    item.querySelector(".result-date").replaceWith(date);
    item.querySelector(".result-kind").textContent = (data.filters.kind || []).join(", ");
    item.querySelector(".result-status").textContent = data.meta.status || "";
    const components = data.filters.component || [];
    if (components.length) item.querySelector(".names").textContent = components.join(", ");
    else item.querySelector(".result-components").remove();
    excerptInto(item.querySelector(".excerpt"), data.excerpt);
    return item;
  };

  const showMore = async (search, focus) => {
    const batch = results.slice(shown, shown + BATCH);
    const items = (await Promise.all(batch.map((r) => r.data()))).map(card);
    if (search !== latest) return;
    list.append(...items);
    shown += batch.length;
    more.hidden = shown >= results.length;
    if (focus && items.length) items[0].querySelector("h2 a").focus();
  };

  const clear = () => {
    results = [];
    shown = 0;
    list.replaceChildren();
    section.hidden = true;
    status.textContent = "";
  };

  // Busy while a search runs, so that assistive technology (and tests) wait for its outcome.
  const run = async () => {
    const search = ++latest;
    section.setAttribute("aria-busy", "true");
    try {
      await searchFor(search);
    } finally {
      if (search === latest) section.setAttribute("aria-busy", "false");
    }
  };

  const searchFor = async (search) => {
    const term = input.value.trim();
    const filters = chosenFilters();
    remember(term, filters);
    failure.hidden = true;
    if (!term && !Object.keys(filters).length) return clear();
    if (!pagefind) status.textContent = say("loading", {});
    let found;
    try {
      const api = await load();
      if (term) {
        found = await api.search(term, { filters });
      } else {
        // Without words, every event the filters allow, newest first: each index's events in
        // date order, the main index's (the newest events') before the others'.
        const sort = { date: "desc" };
        const parts = await Promise.all(
          indexes.map((index) => api.search(null, { filters: { ...filters, index }, sort })),
        );
        found = { results: parts.flatMap((part) => part.results) };
      }
    } catch {
      if (search === latest) {
        clear();
        failure.hidden = false;
      }
      return;
    }
    if (search !== latest || !found) return;
    results = found.results;
    shown = 0;
    list.replaceChildren();
    await showMore(search, false);
    if (search !== latest) return;
    const n = results.length;
    const key = term
      ? ["zeroResults", "oneResult", "manyResults"][Math.min(n, 2)]
      : ["totalZeroResults", "totalOneResult", "totalManyResults"][Math.min(n, 2)];
    status.textContent = say(key, { count: n, term });
    section.hidden = n === 0;
  };

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  input.addEventListener("focus", () => load().catch(() => {}), { once: true });
  for (const s of selects) s.addEventListener("change", run);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(timer);
    run();
  });
  form.addEventListener("reset", () => setTimeout(run));
  more.addEventListener("click", () => showMore(latest, true));

  form.hidden = false;
  recall();
  if (input.value || selects.some((s) => s.value)) run();
}
