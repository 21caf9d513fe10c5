// The browser half of tests/browser/run.sh: drives Debian's chromium with playwright-core.
//
// usage: node check_browser.mjs NODE_PREFIX CONFIG_JSON
//   NODE_PREFIX  the folder `npm install --prefix` put playwright-core & co. in
//   CONFIG_JSON  written by run.sh: {chromium, screenshots, report_dir, failures_file,
//                sites: [{name, dir, src, origin, base, weight}], widget: {url, summary}}
//                `base` is the site's root URL as served (its base_url's path on 127.0.0.1).
//
// Per site, for every page type (index, incident, maintenance, notice, component, history,
// month, 404) at 375×800 and 1280×900, light and dark: axe-core (WCAG 2.0/2.1 A and AA)
// finds nothing, no horizontal scrolling at 375 px, no console/page error or failed request,
// no request to another host, and a full-page screenshot. Then: every HTML page once at
// 375×800 (errors, other hosts, scrolling); the index with JavaScript off; uptime-bar day
// cells showing date and uptime on hover, keyboard focus and tap; maintenance states, the
// banner and the page-age note with the browser's clock set before, in and after a window;
// the example's front-page weight; Atlassian's status widget reading the example's summary.json.
//
// Prints check groups like tests/conformance/run.sh (VERBOSE=1 lists passes too), appends
// one line per failure to failures_file, and ends with `RESULT passed failed`.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { subscribeChecks } from './check_subscribe.mjs';

const [prefix, configPath] = process.argv.slice(2);
const require = createRequire(path.resolve(prefix, 'package.json'));
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');
const cfg = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const VERBOSE = !!process.env.VERBOSE;

const SIZES = [{ width: 375, height: 800 }, { width: 1280, height: 900 }];
const SCHEMES = ['light', 'dark'];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const WEIGHT_LIMIT = 60_000; // bytes, uncompressed: index.html + the CSS and JS it loads
const LAUNCH = {
  executablePath: cfg.chromium,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
};

// ---- checks and groups -----------------------------------------------------------------
let passed = 0, failed = 0, grp = null;
function group(name) { endGroup(); grp = { name, pass: 0, fail: 0 }; }
function endGroup() {
  if (!grp) return;
  if (grp.fail) console.log(`  FAIL ${grp.name}: ${grp.fail} of ${grp.pass + grp.fail} checks failed`);
  else console.log(`  ok   ${grp.name}: ${grp.pass} checks`);
  grp = null;
}
function check(ok, what, details = []) {
  if (ok) {
    passed++; grp.pass++;
    if (VERBOSE) console.log(`       PASS ${what}`);
  } else {
    failed++; grp.fail++;
    console.log(`       FAIL ${what}`);
    for (const d of details) console.log(`         | ${d}`);
    fs.appendFileSync(cfg.failures_file, `[browser] ${grp.name}: ${what}\n`);
  }
  return ok;
}
const clip = (s, n = 220) => { s = String(s).replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
const list = xs => (xs.length ? xs.join(', ') : '(none)');

// ---- which pages to load ----------------------------------------------------------------
// One page of each type, found in the built site; of several candidates the largest file
// (the most content). Event kinds come from data-kind="…" (or class kind-…) on the page.
function findPages(site) {
  const rel = p => path.relative(site.dir, p).split(path.sep).join('/');
  const walk = d => fs.readdirSync(d, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.html') ? [path.join(d, e.name)] : []);
  const all = walk(site.dir).map(rel).sort();
  const size = f => fs.statSync(path.join(site.dir, f)).size;
  const largest = fs_ => fs_.sort((a, b) => size(b) - size(a) || a.localeCompare(b))[0];
  const pages = [], missing = [];
  const add = (name, file) => (file ? pages.push({ name, file }) : missing.push(name));
  add('index', all.includes('index.html') ? 'index.html' : null);
  const events = all.filter(f => /^incidents\/[^/]+\/index\.html$/.test(f));
  const kindOf = f => {
    const html = fs.readFileSync(path.join(site.dir, f), 'utf8');
    return (html.match(/data-kind="([a-z]+)"/) || html.match(/\bkind-([a-z]+)\b/) || [])[1];
  };
  for (const kind of ['incident', 'maintenance', 'notice']) {
    const file = largest(events.filter(f => kindOf(f) === kind));
    if (file) pages.push({ name: kind, file });
    else if (site.kinds.includes(kind)) missing.push(`${kind} (the site has one, no page has data-kind="${kind}")`);
  }
  add('component', largest(all.filter(f => /^components\/[^/]+\/index\.html$/.test(f))));
  add('history', all.includes('history/index.html') ? 'history/index.html' : null);
  add('month', largest(all.filter(f => /^history\/\d{4}\/\d{2}\/index\.html$/.test(f))));
  add('404', all.includes('404.html') ? '404.html' : null);
  // Only sites that keep search on (`search: false` has no such page).
  if (all.includes('search/index.html')) pages.push({ name: 'search', file: 'search/index.html' });
  add('subscribe', all.includes('subscribe/index.html') ? 'subscribe/index.html' : null);
  return { pages, missing, all };
}
// The URL a reader uses: directories end in `/`, as links on the site do.
const urlOf = (site, file) => site.base + file.replace(/(^|\/)index\.html$/, '$1');

// ---- watching a page: errors, failed requests, other hosts ----------------------------------
// context.route sees every request of every page of the context (axe opens a blank page);
// requests to any origin but the site's are recorded and aborted, never sent.
async function guard(context, origin) {
  const w = { errors: [], external: [] };
  await context.route('**/*', route => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    w.external.push(url);
    return route.abort('blockedbyclient');
  });
  w.watch = page => {
    page.on('console', m => {
      if (m.type() === 'error') {
        const loc = m.location();
        w.errors.push(`console error: ${clip(m.text())}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
      }
    });
    page.on('pageerror', e => w.errors.push(`page error: ${clip(e.message)}`));
    // net::ERR_ABORTED is the browser dropping a request when the page moves on (the
    // favicon, when the next page is loaded at once); a missing file shows as an HTTP 404.
    page.on('requestfailed', r => {
      const why = r.failure()?.errorText || '';
      if (new URL(r.url()).origin === origin && why !== 'net::ERR_ABORTED') w.errors.push(`request failed: ${r.url()} (${why})`);
    });
    page.on('response', r => { if (r.status() >= 400) w.errors.push(`HTTP ${r.status()} for ${r.url()}`); });
  };
  w.reset = () => { w.errors = []; w.external = []; };
  return w;
}

// What makes the page wider than the viewport: the outermost elements reaching past it.
async function overflow(page) {
  return page.evaluate(() => {
    const vw = window.innerWidth, out = [];
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      [...e.classList].slice(0, 3).map(c => '.' + c).join('');
    for (const e of document.body.querySelectorAll('*')) {
      const r = e.getBoundingClientRect();
      if (r.right > vw + 1 && r.width > 0 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > vw + 1)) {
        const chain = []; for (let a = e; a && a !== document.body; a = a.parentElement) chain.unshift(name(a));
        out.push(`${chain.slice(-4).join(' > ')} reaches x=${Math.round(r.right)} (width ${Math.round(r.width)})`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, culprits: out.slice(0, 6) };
  });
}

// ---- axe ----------------------------------------------------------------------------------
const axeSeen = new Map(); // site/page → Map(violation key → first variant), to shorten repeats
function axeDetails(site, pageName, variant, violations) {
  const seen = axeSeen.get(`${site}/${pageName}`) || new Map();
  axeSeen.set(`${site}/${pageName}`, seen);
  const out = [];
  for (const v of violations) {
    const key = v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join('|');
    if (seen.has(key)) {
      out.push(`${v.id} (${v.impact}): same ${v.nodes.length} node(s) as at ${seen.get(key)}`);
      continue;
    }
    seen.set(key, variant);
    out.push(`${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s)  [${v.helpUrl}]`);
    for (const n of v.nodes.slice(0, 6)) {
      out.push(`    at ${n.target.join(' ')}`);
      out.push(`       ${clip(n.html, 200)}`);
      const why = (n.any[0] || n.all[0] || n.none[0] || {}).message;
      if (why) out.push(`       why: ${clip(why, 200)}`);
    }
    if (v.nodes.length > 6) out.push(`    … and ${v.nodes.length - 6} more node(s) (all in axe.json)`);
  }
  return out;
}

// ---- visible text (for the uptime-bar tooltips) ---------------------------------------------
// In the page: the text a sighted reader can see. A text node counts when its element is
// rendered (display, visibility, opacity ≥ 0.1 all the way up), is not clipped to a speck
// (the usual visually-hidden pattern: 1×1 px with overflow hidden or clip), and has a box
// of at least 2×4 px inside the viewport. ::before/::after content counts the same way.
// mode 'mark' remembers what is visible now; mode 'diff' returns what became visible since,
// plus the visible text inside `cell` and inside its aria-describedby targets.
function visibleTextInPage({ mode, cell }) {
  const vw = innerWidth, vh = innerHeight;
  const hiddenBox = e => {
    for (let a = e; a && a.nodeType === 1; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.display === 'none' || parseFloat(s.opacity) < 0.1 || s.contentVisibility === 'hidden') return true;
      const r = a.getBoundingClientRect();
      const clips = s.overflowX !== 'visible' || s.overflowY !== 'visible' || (s.clip && s.clip !== 'auto') || s.clipPath !== 'none';
      if (clips && (r.width < 4 || r.height < 4)) return true;
    }
    return false;
  };
  const inView = r => r.width >= 2 && r.height >= 4 && r.right > 0 && r.left < vw && r.bottom > 0 && r.top < vh;
  const big = r => r.width >= 2 && r.height >= 4;
  const textShown = (t, anywhere = false) => {
    const el = t.parentElement;
    if (!el || !t.data.trim() || getComputedStyle(el).visibility !== 'visible' || hiddenBox(el)) return null;
    const range = document.createRange(); range.selectNodeContents(t);
    const rects = [...range.getClientRects()].filter(anywhere ? big : inView);
    return rects.length ? rects : null;
  };
  const pseudoText = el => {
    const out = [];
    for (const p of ['::before', '::after']) {
      const s = getComputedStyle(el, p);
      if (!s.content || s.content === 'none' || s.content === 'normal' || s.display === 'none' ||
          s.visibility !== 'visible' || parseFloat(s.opacity) < 0.1) continue;
      let text = '';
      for (const m of s.content.matchAll(/"((?:[^"\\]|\\.)*)"|attr\(\s*([\w-]+)\s*\)/g))
        text += m[1] !== undefined ? m[1] : (el.getAttribute(m[2]) || '');
      if (text.trim() && !hiddenBox(el)) out.push(text);
    }
    return out;
  };
  const all = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) all.push(t);
  if (mode === 'mark') {
    window.__shownBefore = new Set(all.filter(t => textShown(t)));
    window.__renderedBefore = new Set(all.filter(t => textShown(t, true)));
    window.__pseudoBefore = new Set([...document.body.querySelectorAll('*')].filter(e => pseudoText(e).length));
    return null;
  }
  const before = window.__shownBefore || new Set(), pBefore = window.__pseudoBefore || new Set();
  const related = [cell, ...(cell.getAttribute('aria-describedby') || '').split(/\s+/)
    .filter(Boolean).map(id => document.getElementById(id)).filter(Boolean)];
  const texts = [], rects = [], outside = [];
  for (const t of all) {
    const r = textShown(t);
    if (r && (!before.has(t) || related.some(x => x.contains(t)))) { texts.push(t.data); rects.push(...r); }
    else if (!r && !(window.__renderedBefore || new Set()).has(t)) {
      const r2 = textShown(t, true); // rendered, but outside the viewport
      if (r2) outside.push(`"${t.data.trim().slice(0, 60)}" at x ${Math.round(r2[0].left)}..${Math.round(r2[0].right)}, ` +
        `y ${Math.round(r2[0].top)}..${Math.round(r2[0].bottom)} (viewport ${vw}×${vh})`);
    }
  }
  for (const e of document.body.querySelectorAll('*')) {
    if (!pBefore.has(e) || related.some(x => x.contains(e))) texts.push(...pseudoText(e));
  }
  return {
    text: texts.join(' ').replace(/\s+/g, ' ').trim(), outside: outside.slice(0, 3),
    left: rects.length ? Math.min(...rects.map(r => r.left)) : null,
    right: rects.length ? Math.max(...rects.map(r => r.right)) : null,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: vw,
    lang: document.documentElement.lang || 'en',
  };
}

function mentionsDate(text, iso, lang) {
  const t = text.toLowerCase();
  if (t.includes(iso)) return true;
  const [y, m, d] = iso.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const months = new Set();
  for (const l of [lang, 'en']) for (const month of ['long', 'short']) {
    try { months.add(new Intl.DateTimeFormat(l, { month, timeZone: 'UTC' }).format(date).toLowerCase().replace(/\.$/, '')); } catch {}
  }
  const day = new RegExp(`(^|\\D)0?${d}(\\D|$)`);
  const numeric = new RegExp(`(^|\\D)(0?${d}[./]0?${m}|0?${m}/0?${d})(\\D|$)`);
  return ([...months].some(n => t.includes(n)) && day.test(t)) || numeric.test(t);
}
function mentionsUptime(text, uptime) {
  if (uptime == null) return /%/.test(text) || /no data/i.test(text);
  const n = Number(uptime);
  const forms = new Set([uptime, String(n), n.toFixed(1), n.toFixed(2), n.toFixed(3)]);
  for (const f of [...forms]) forms.add(f.replace('.', ','));
  const esc = [...forms].map(f => f.replace(/[.]/g, '\\.')).join('|');
  return new RegExp(`(^|[^\\d.,])(${esc})\\s*%`).test(text);
}

// Describes what a day cell offers now, for the failure message.
const TABBABLE = 'a[href],button,input,select,textarea,[tabindex]';
async function describeCell(cell) {
  return cell.evaluate((el, sel) => {
    const parts = [];
    const stop = (el.matches(sel) && el.tabIndex >= 0) ? el : [...el.querySelectorAll(sel)].find(x => x.tabIndex >= 0);
    parts.push(stop ? `a Tab stop (${stop.tagName.toLowerCase()})` : `no Tab stop (tabindex ${el.getAttribute('tabindex') ?? 'unset'})`);
    if (el.title) parts.push(`title="${el.title}" (the browser's native tooltip: delayed, mouse only, never on focus or tap)`);
    for (const a of ['data-tip', 'aria-describedby', 'aria-label']) if (el.hasAttribute(a)) parts.push(`${a}="${el.getAttribute(a)}"`);
    const hidden = [...el.querySelectorAll('*')].find(e => {
      const r = e.getBoundingClientRect(); return e.textContent.trim() && (r.width <= 2 || r.height <= 2);
    });
    if (hidden) parts.push(`hidden text "${hidden.textContent.trim().slice(0, 80)}" (${hidden.tagName.toLowerCase()}.${hidden.className || '-'})`);
    return parts.join('; ');
  }, TABBABLE);
}

// Hover, keyboard focus or tap one day cell; the visible text must name its date and uptime.
async function tooltipCheck(page, label, baseUrl, cell, mode, phone, shot) {
  const info = await cell.evaluate(el => ({
    date: el.dataset.date, uptime: el.dataset.uptime ?? null,
    width: Math.round(el.getBoundingClientRect().width * 10) / 10, link: el.querySelector('a[href]')?.href || null,
  }));
  const what = `${label}: ${mode} on the day cell ${info.date}${info.uptime != null ? ` (${info.uptime} %)` : ''} shows its date and uptime`;
  try {
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.activeElement && document.activeElement.blur && document.activeElement.blur());
    await cell.evaluate(el => el.scrollIntoView({ block: 'center', inline: 'center' })); // room above and below
    const cellHandle = await cell.elementHandle();
    await page.evaluate(visibleTextInPage, { mode: 'mark', cell: cellHandle });
    let note = '';
    if (mode === 'hover') await cell.hover({ timeout: 5000 });
    else if (mode === 'tap') await cell.tap({ timeout: 5000 });
    else {
      // A Tab stop in the cell (a link, a button, tabindex ≥ 0), or else the composite-widget
      // pattern: Tab to a day of the same bar that is a Tab stop, then arrow keys to this one.
      const plan = await cellHandle.evaluate((el, sel) => {
        const stop = c => (c.matches(sel) && c.tabIndex >= 0 ? c : [...c.querySelectorAll(sel)].find(x => x.tabIndex >= 0)) || null;
        const cells = [...el.parentElement.children], i = cells.indexOf(el);
        let best = null;
        cells.forEach((c, j) => { if (stop(c) && (best === null || Math.abs(j - i) < Math.abs(best - i))) best = j; });
        if (best === null) return null;
        window.__tabStop = stop(cells[best]);
        return { steps: i - best, from: cells[best].dataset.date || `#${best + 1}` };
      }, TABBABLE);
      if (!plan) {
        return check(false, what, [`keyboard users cannot reach this day: it is no Tab stop, and no day of its bar is one ` +
          `(arrow keys need a focused day to start from)`, `the cell: ${await describeCell(cell)}`,
          `html: ${clip(await cell.evaluate(el => el.outerHTML), 300)}`]);
      }
      // Keyboard modality (for :focus-visible): focus the Tab stop, step back with Shift+Tab,
      // Tab forward onto it, then arrow keys.
      await page.evaluate(() => window.__tabStop.focus());
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      if (!(await page.evaluate(() => document.activeElement === window.__tabStop))) {
        note = `Tab from the previous element does not land on the day ${plan.from}; focused it with .focus()`;
        await page.evaluate(() => window.__tabStop.focus());
      }
      for (let k = 0; k < Math.abs(plan.steps); k++) await page.keyboard.press(plan.steps > 0 ? 'ArrowRight' : 'ArrowLeft');
      if (!(await cellHandle.evaluate(el => el.contains(document.activeElement)))) {
        const at = await page.evaluate(() => { const a = document.activeElement; return a ? a.outerHTML.slice(0, 120) : '(nothing)'; });
        return check(false, what, [`Tab to the day ${plan.from}, then ${Math.abs(plan.steps)} × ${plan.steps > 0 ? 'ArrowRight' : 'ArrowLeft'} ` +
          `does not reach this day; focus is on ${at}`, `the cell: ${await describeCell(cell)}`]);
      }
      if (plan.steps) note = `reached by Tab to the day ${plan.from} and ${Math.abs(plan.steps)} arrow key press(es)`;
    }
    let res;
    for (let i = 0; i < 15; i++) { // up to 1.5 s for a fade-in
      await page.waitForTimeout(100);
      if (page.url() !== baseUrl) {
        await page.waitForLoadState('load');
        return check(false, what, [`the ${mode} left the page for ${page.url()} instead of showing the day`,
          `the cell is ${info.width} px wide and ${info.link ? `links to ${info.link}` : 'has no link: the tap went to a ' +
          'neighbouring day\'s link (Chromium snaps a tap to a nearby link when the target is this small)'}`]);
      }
      res = await page.evaluate(visibleTextInPage, { mode: 'diff', cell: cellHandle });
      if (mentionsDate(res.text, info.date, res.lang) && mentionsUptime(res.text, info.uptime)) break;
    }
    const okDate = mentionsDate(res.text, info.date, res.lang), okUp = mentionsUptime(res.text, info.uptime);
    const details = [];
    if (!okDate || !okUp) {
      details.push(`missing: ${[!okDate && 'the date', !okUp && 'the uptime'].filter(Boolean).join(' and ')}; ` +
        `text that became visible: ${res.text ? `"${clip(res.text, 160)}"` : '(none)'}`);
      if (res.outside.length) details.push(`text shown outside the viewport: ${res.outside.join('; ')}`);
      details.push(`the cell now: ${await describeCell(cell)}`);
    }
    if (phone && res.left != null && (res.left < 0 || res.right > res.innerWidth))
      details.push(`the tooltip sticks out of the ${res.innerWidth} px viewport: x from ${Math.round(res.left)} to ${Math.round(res.right)}`);
    if (phone && res.scrollWidth > res.innerWidth) details.push(`the page scrolls sideways while it shows (scrollWidth ${res.scrollWidth})`);
    if (note) details.push(note);
    if (shot) await page.screenshot({ path: shot }); // the viewport, with the tooltip (if any)
    return check(okDate && okUp && !details.some(d => /sticks out|sideways/.test(d)), what, details);
  } catch (e) {
    return check(false, what, [clip(e.message, 300)]);
  }
}

// ---- search (issue 11) ------------------------------------------------------------------------
// Words are picked from the built pages, not written into the test: a word of one incident's
// post-mortem that no other event page has (the "held-back" text, not shown in any list), and,
// on a site in another language, a word of its own language (one with a diacritic if possible).
const EVENT_PAGE = /^incidents\/[^/]+\/index\.html$/;
const plain = html => html.replace(/<(script|style|template)\b[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ')
  .replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&#x27;|&#39;/g, "'").replace(/&[a-z#0-9]+;/gi, ' ');
const wordsOf = text => [...new Set(text.toLowerCase().match(/\p{L}{5,}/gu) || [])];
function eventPages(site, all) {
  return all.filter(f => EVENT_PAGE.test(f)).map(file => {
    const html = fs.readFileSync(path.join(site.dir, file), 'utf8');
    const section = html.match(/<section class="postmortem"[^>]*>([\s\S]*?)<\/section>/);
    const postmortem = section ? section[1] : '';
    const messages = [...html.matchAll(/<div class="msg">([\s\S]*?)<\/div>/g)].map(m => m[1]).join(' ');
    return { file, path: file.replace(/index\.html$/, ''), html: html.toLowerCase(), postmortem: plain(postmortem), text: plain(postmortem + ' ' + messages),
      rest: (section ? html.replace(section[0], '') : html).toLowerCase(),
      kind: (html.match(/data-kind="([a-z]+)"/) || [])[1] };
  });
}
// The first event (by path) with a word of `field` that no other event page contains; its
// longest such word (with a diacritic first when `accented`).
function distinctiveWord(events, field, accented) {
  for (const e of events) {
    const others = events.filter(o => o !== e);
    const words = wordsOf(e[field]).filter(w => !others.some(o => o.html.includes(w)) && (field !== 'postmortem' || !e.rest.includes(w)));
    if (!words.length) continue;
    const score = w => [accented && /[^a-z]/.test(w) ? 1 : 0, w.length];
    words.sort((a, b) => { const [x, y] = [score(a), score(b)]; return y[0] - x[0] || y[1] - x[1] || a.localeCompare(b); });
    return { word: words[0], event: e };
  }
  return null;
}
// Words in the text of several events, most widespread first: candidates for narrowing.
function sharedWords(events) {
  const df = new Map();
  for (const e of events) for (const w of wordsOf(e.text)) df.set(w, (df.get(w) || 0) + 1);
  return [...df].filter(([, n]) => n >= 2 && n < events.length).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([w]) => w);
}
// Requests http.server has logged since `from` (a byte offset), as paths.
// The favicon is left out: Chromium asks for it on its own schedule, not the page's.
const loggedSince = (log, from) => fs.readFileSync(log, 'utf8').slice(from)
  .split('\n').map(l => (l.match(/"GET (\S+) HTTP/) || [])[1]).filter(Boolean).map(p => decodeURIComponent(p.split('?')[0]))
  .filter(p => !p.endsWith('/favicon.svg'));
const logSize = log => fs.statSync(log).size;
const bytesOf = (site, paths) => paths.reduce((sum, p) => {
  const rel = p.slice(new URL(site.base).pathname.length).replace(/(^|\/)$/, '$1index.html');
  try { return sum + fs.statSync(path.join(site.dir, rel)).size; } catch { return sum; }
}, 0);

async function searchFor(page, term) {
  await page.fill('#search-q', term);
  await page.press('#search-q', 'Enter');
  await page.waitForFunction(() => document.querySelector('#search-results').getAttribute('aria-busy') === 'false', null, { timeout: 15_000 });
  return results(page);
}
async function results(page) {
  return page.$$eval('#search-results li', items => items.map(li => ({
    href: li.querySelector('h2 a')?.href || '', title: li.querySelector('h2 a')?.textContent || '',
    components: li.querySelector('.names')?.textContent || '', marks: [...li.querySelectorAll('.excerpt mark')].map(m => m.textContent.toLowerCase()),
    date: li.querySelector('time')?.textContent || '', status: li.querySelector('.result-status')?.textContent || '',
  })));
}

async function searchChecks(site, all) {
  const events = eventPages(site, all);
  const english = /^en\b/.test(fs.readFileSync(path.join(site.dir, 'index.html'), 'utf8').match(/<html lang="([^"]+)"/)?.[1] || 'en');
  const lang = fs.readFileSync(path.join(site.dir, 'search/index.html'), 'utf8').match(/<html lang="([^"]+)"/)?.[1] || '';
  const held = distinctiveWord(events.filter(e => e.postmortem.trim()), 'postmortem', false);
  // A site in another language, or one without post-mortems: a word of an event's own text.
  const local = english && held ? null : distinctiveWord(events, 'text', !english);
  const searchUrl = site.base + 'search/';
  const report = { site: site.name };

  group(`${site.name}: search page (${lang}): finds, filters, announces, loads only its own files`);
  const context = await browser.newContext({ viewport: SIZES[1] });
  const w = await guard(context, site.origin);
  const page = await context.newPage();
  w.watch(page);
  try {
    let mark = logSize(site.log);
    await page.goto(searchUrl, { waitUntil: 'networkidle' });
    const onLoad = loggedSince(site.log, mark);
    report.page_load = { files: onLoad, bytes: bytesOf(site, onLoad) };
    check(!onLoad.some(p => p.includes('/pagefind/')), `opening the page loads nothing of Pagefind yet (${onLoad.length} files, ${report.page_load.bytes} B)`, onLoad);
    check(await page.locator('form#search').isVisible(), 'with JavaScript the search form is shown');
    check(await page.locator('#search-status').evaluate(e => e.getAttribute('role') === 'status' || !!e.getAttribute('aria-live')),
      'the result count is in a live region (role="status"), so screen readers announce it');

    const probe = held || local;
    if (!check(probe !== null, held ? `a word held back in one post-mortem: "${held.word}" (${held.event.path})` :
      local ? `a word only one event has: "${local.word}" (${local.event.path})` : 'a distinctive word to search for')) return;
    mark = logSize(site.log);
    const found = await searchFor(page, probe.word);
    await page.waitForLoadState('networkidle');
    const first = loggedSince(site.log, mark);
    report.first_search = { term: probe.word, files: first, bytes: bytesOf(site, first) };
    const target = found.find(r => new URL(r.href).pathname === new URL(site.base + probe.event.path).pathname);
    check(!!target, `"${probe.word}" finds ${probe.event.path} (${found.length} result(s))`, found.map(r => r.href));
    if (target) {
      check(target.marks.some(m => m.startsWith(probe.word.slice(0, 4))), `its excerpt highlights the word (<mark>: ${list(target.marks)})`);
      check(target.title.trim().length > 0 && target.date.trim().length > 0 && target.status.trim().length > 0,
        `the result shows title, date and status ("${clip(target.title, 60)}", "${target.date}", "${target.status}")`);
    }
    const status = (await page.locator('#search-status').textContent()).trim();
    check(status.includes(probe.word) && /\d|\p{L}/u.test(status), `the status line announces the outcome ("${status}")`);
    check(first.every(p => p.includes('/pagefind/')), `the first search loads only Pagefind's files: ${first.length} files, ${report.first_search.bytes} B`,
      first.filter(p => !p.includes('/pagefind/')));
    const wasm = first.find(p => /wasm\.[a-z-]+\.pagefind$/.test(p)) || '';
    const primary = lang.split('-')[0];
    check(wasm.endsWith(`wasm.${primary}.pagefind`) && first.some(p => p.includes(`pagefind.${primary}_`)),
      `the index of the page's language (${lang}) is the one loaded (${wasm.split('/').pop() || 'no wasm'})`);
    check(!first.some(p => /-ui\.|highlight/.test(p)), 'none of Pagefind\'s ready-made UI files is loaded');

    if (local && held) {
      const got = await searchFor(page, local.word);
      check(got.some(r => new URL(r.href).pathname.endsWith(local.event.path)), `the word "${local.word}" finds ${local.event.path}`);
    }

    // Narrowing by component: a word several events share, then one component of some results.
    let narrowed = false;
    for (const word of sharedWords(events).slice(0, 25)) {
      const before = await searchFor(page, word);
      const names = [...new Set(before.flatMap(r => r.components.split(', ').filter(Boolean)))];
      const name = names.find(n => before.some(r => !r.components.split(', ').includes(n)));
      if (before.length < 2 || !name) continue;
      await page.selectOption('#search-component', { label: name });
      await page.waitForFunction(() => document.querySelector('#search-results').getAttribute('aria-busy') === 'false', null, { timeout: 15_000 });
      const after = await results(page);
      check(after.length > 0 && after.length < before.length && after.every(r => r.components.split(', ').includes(name)),
        `the component filter "${name}" narrows "${word}" from ${before.length} to ${after.length} result(s), all affecting it`,
        after.map(r => `${r.title}: ${r.components}`));
      const address = new URL(page.url());
      check(address.searchParams.get('q') === word && address.searchParams.get('component') === name, `the search is kept in the address (${address.search})`);
      await page.selectOption('#search-component', { value: '' });
      narrowed = true;
      break;
    }
    // Required on the example site (several components, many shared words); a small fixture
    // may have no word whose results differ in components.
    if (site.weight) check(narrowed, 'a shared word and a component to narrow it by were found');
    else if (!narrowed) console.log(`       (no shared word with results that differ in components on ${site.name})`);

    // Filters alone list the events they allow, newest first, across the index's bundles (older
    // years have one of their own, docs/search.md).
    const kinds = await page.$$eval('#search-kind option', os => os.map(o => o.textContent).filter((t, i) => i > 0));
    if (kinds.length) {
      await page.fill('#search-q', '');
      await page.press('#search-q', 'Enter');
      await page.waitForFunction(() => document.querySelector('#search-results').getAttribute('aria-busy') === 'false', null, { timeout: 15_000 });
      await page.selectOption('#search-kind', { label: kinds[0] });
      await page.waitForFunction(() => document.querySelector('#search-results').getAttribute('aria-busy') === 'false', null, { timeout: 15_000 });
      const listed = await results(page);
      const startOf = e => Date.parse(((e.html.match(/<time datetime="([^"]+)"[^>]*data-pagefind-sort/) || [])[1] || '').toUpperCase());
      const ofKind = events.filter(e => (e.html.match(/data-pagefind-filter="kind">([^<]+)</) || [])[1] === kinds[0].toLowerCase());
      const root = new URL(site.base).pathname;
      const times = listed.map(r => {
        const event = events.find(e => e.path === new URL(r.href).pathname.slice(root.length));
        return event ? startOf(event) : NaN;
      });
      const newest = Math.max(...ofKind.map(startOf));
      check(listed.length === Math.min(10, ofKind.length) && times[0] === newest && times.every((t, i) => i === 0 || t <= times[i - 1]),
        `the kind filter "${kinds[0]}" alone lists ${listed.length} of its ${ofKind.length} events, newest first`,
        listed.map((r, i) => `${new Date(times[i]).toISOString()} ${r.title}`));
      await page.selectOption('#search-kind', { value: '' });
    }
    check(w.errors.length === 0 && w.external.length === 0, 'no errors, no request to another host', [...w.errors, ...w.external]);
  } catch (e) {
    check(false, 'the search page works', [clip(e.message, 300)]);
  } finally {
    await context.close();
  }

  // axe with results on screen, at both sizes, light and dark.
  const probe = held || local;
  if (probe) {
    for (const size of SIZES) for (const scheme of SCHEMES) {
      const ctx = await browser.newContext({ viewport: size, colorScheme: scheme });
      const p = await ctx.newPage();
      try {
        await p.goto(searchUrl, { waitUntil: 'load' });
        await searchFor(p, probe.word);
        const axe = await new AxeBuilder({ page: p }).withTags(AXE_TAGS).analyze();
        axeReport.push({ site: site.name, page: 'search-results', width: size.width, scheme, violations: axe.violations });
        check(axe.violations.length === 0, `with results at ${size.width} ${scheme}: ${axe.violations.length} axe violation(s)`,
          axeDetails(site.name, 'search-results', `${size.width} ${scheme}`, axe.violations));
        const o = await overflow(p);
        if (size.width < 600) check(o.scrollWidth <= o.innerWidth, `with results at ${size.width}: no sideways scrolling`, o.culprits);
        await p.screenshot({ path: path.join(cfg.screenshots, `${site.name}-search-results-${size.width}-${scheme}.png`), fullPage: true });
      } catch (e) { check(false, `with results at ${size.width} ${scheme}`, [clip(e.message, 300)]); }
      await ctx.close();
    }
  }

  // Without JavaScript: says so, and links to the history archive.
  const ctx = await browser.newContext({ viewport: SIZES[0], javaScriptEnabled: false });
  const p = await ctx.newPage();
  try {
    await p.goto(searchUrl, { waitUntil: 'load' });
    const note = p.locator('noscript, .search-off').filter({ visible: true }).first();
    const text = (await p.locator('main').textContent()) || '';
    const link = await p.locator('main a[href$="history/"]').filter({ visible: true }).count();
    check(/javascript/i.test(text) && link > 0 && !(await p.locator('form#search').isVisible()),
      'without JavaScript the page says search needs it and links to the history', [clip(text, 200)]);
    await note.count();
  } catch (e) { check(false, 'search page without JavaScript', [clip(e.message, 300)]); }
  await ctx.close();

  // Nothing of the search on any other page.
  const others = all.filter(f => f !== 'search/index.html');
  const leaks = others.filter(f => /pagefind\/|assets\/search\.(js|css)/.test(fs.readFileSync(path.join(site.dir, f), 'utf8')));
  check(leaks.length === 0, `no other page (${others.length}) refers to Pagefind or the search assets`, leaks.slice(0, 10));
  endGroup();
  fs.writeFileSync(path.join(cfg.report_dir, `search-${site.name}.json`), JSON.stringify(report, null, 1));
  if (report.first_search) console.log(`       search weight: page ${report.page_load.bytes} B (${report.page_load.files.length} files), ` +
    `first search "${report.first_search.term}" ${report.first_search.bytes} B in ${report.first_search.files.length} files: ${report.first_search.files.map(f => f.split('/').pop()).join(', ')}`);
}

// ---- between builds: the reader's clock -------------------------------------------------------
// The page's script moves a maintenance from Scheduled to In progress to Completed as the
// reader's clock passes its window, keeps the front-page banner in step, and says how old a
// page built over an hour ago is (docs/templates.md, "Between builds"). Each case loads a page
// with the browser's clock set (Playwright's clock API, installed before the page loads) and
// compares what a reader sees with what a build at that moment says; `advance` lets the page's
// own once-a-minute timer move it on. Times are UTC. The expectations are the fixtures' facts:
//   example (built 2026-11-25 12:00 EST = 17:00Z): the cPanel and email upgrade, 2026-12-09
//     06:00–07:30 EST = 11:00Z–12:30Z, upcoming at build, nothing else current;
//   basic (built 2026-04-20 12:00Z, an ongoing major incident): the DNS upgrade in its window
//     (11:00Z–13:00Z, `in_progress` posted), the mail move upcoming (2026-04-25 02:00Z–04:00Z);
//   component pages list a maintenance only once it has begun;
//   window (the example built 2026-12-09 06:30 EST = 11:30Z, in the upgrade's window, whose latest
//     update is still `scheduled`): the banner says "Service Under Maintenance";
//   french (built 2026-04-20 12:00 CEST = 10:00Z): no maintenance, the note in French.
const UPGRADE = '2026-12-09-dashboard-and-email-upgrade';
const CLOCK_CASES = {
  example: [
    { what: 'just after the build', file: 'index.html', at: '2026-11-25T17:01:00Z',
      labels: { [UPGRADE]: 'Scheduled' }, banner: 'All Systems Operational', colour: 's-operational', note: null },
    { what: '59 min after the build (no note yet)', file: 'index.html', at: '2026-11-25T17:59:00Z', note: null },
    { what: '3 h after the build', file: 'index.html', at: '2026-11-25T20:00:00Z',
      labels: { [UPGRADE]: 'Scheduled' }, note: 'This page was last updated 3 hours ago.' },
    { what: 'in the window', file: 'index.html', at: '2026-12-09T11:45:00Z',
      labels: { [UPGRADE]: 'In progress' }, updateTime: false, banner: 'Service Under Maintenance',
      colour: 's-under_maintenance', note: 'This page was last updated 14 days ago.' },
    { what: 'after the window', file: 'index.html', at: '2026-12-09T12:31:00Z',
      labels: { [UPGRADE]: 'Completed' }, updateTime: false, banner: 'All Systems Operational', colour: 's-operational' },
    { what: '30 s before the window, then the page\'s timer a minute on', file: 'index.html',
      at: '2026-12-09T10:59:30Z', advance: 60_000,
      labels: { [UPGRADE]: 'In progress' }, banner: 'Service Under Maintenance', colour: 's-under_maintenance' },
    { what: 'in the window, JavaScript off: what the build said', file: 'index.html', at: '2026-12-09T11:45:00Z', js: false,
      labels: { [UPGRADE]: 'Scheduled' }, updateTime: true, banner: 'All Systems Operational', colour: 's-operational', note: null },
    { what: 'before the window', file: `incidents/${UPGRADE}/index.html`, at: '2026-11-25T17:01:00Z', ended: 'Not started' },
    { what: 'in the window', file: `incidents/${UPGRADE}/index.html`, at: '2026-12-09T11:45:00Z', ended: 'Ongoing' },
    { what: 'after the window', file: `incidents/${UPGRADE}/index.html`, at: '2026-12-09T12:31:00Z',
      ended: 'Dec 9, 2026 07:30 EST' },
    { what: '3 h after the build', file: 'components/panel/index.html', at: '2026-11-25T20:00:00Z',
      note: 'This page was last updated 3 hours ago.' },
  ],
  basic: [
    { what: 'at the build', file: 'index.html', at: '2026-04-20T12:00:30Z',
      labels: { 'maint-active': 'In progress', 'maint-upcoming': 'Scheduled' }, banner: 'Partial System Outage', note: null },
    { what: 'after the DNS window: an incident keeps the banner', file: 'index.html', at: '2026-04-20T13:30:00Z',
      labels: { 'maint-active': 'Completed', 'maint-upcoming': 'Scheduled' }, banner: 'Partial System Outage',
      colour: 's-partial_outage', note: 'This page was last updated 2 hours ago.' },
    { what: 'in the mail window', file: 'index.html', at: '2026-04-25T03:00:00Z',
      labels: { 'maint-active': 'Completed', 'maint-upcoming': 'In progress' }, banner: 'Partial System Outage' },
    { what: 'after the DNS window', file: 'components/dns/index.html', at: '2026-04-20T13:30:00Z',
      labels: { 'maint-active': 'Completed' }, updateTime: false, note: 'This page was last updated 2 hours ago.' },
    { what: 'a clock behind the build\'s never undoes it', file: 'index.html', at: '2026-04-20T10:00:00Z',
      labels: { 'maint-active': 'In progress', 'maint-upcoming': 'Scheduled' }, note: null },
  ],
  window: [
    { what: 'at the build: the label says what the window means', file: 'index.html', at: '2026-12-09T11:30:30Z',
      labels: { [UPGRADE]: 'In progress' }, updateTime: false, banner: 'Service Under Maintenance',
      colour: 's-under_maintenance', note: null },
    { what: 'a clock behind the build\'s never undoes it', file: 'index.html', at: '2026-12-09T10:00:00Z',
      labels: { [UPGRADE]: 'In progress' }, banner: 'Service Under Maintenance', colour: 's-under_maintenance', note: null },
    { what: 'after the window: the banner drops the maintenance', file: 'index.html', at: '2026-12-09T12:31:00Z',
      labels: { [UPGRADE]: 'Completed' }, banner: 'All Systems Operational', colour: 's-operational',
      note: 'This page was last updated 1 hour ago.' },
    { what: 'after the window, JavaScript off: what the build said', file: 'index.html', at: '2026-12-09T12:31:00Z', js: false,
      labels: { [UPGRADE]: 'Scheduled' }, updateTime: true, banner: 'Service Under Maintenance', colour: 's-under_maintenance', note: null },
    { what: 'after the window', file: 'components/panel/index.html', at: '2026-12-09T12:31:00Z',
      labels: { [UPGRADE]: 'Completed' } },
    { what: 'after the window', file: `incidents/${UPGRADE}/index.html`, at: '2026-12-09T12:31:00Z',
      ended: 'Dec 9, 2026 07:30 EST', duration: '1 h 30 min' },
  ],
  french: [
    { what: '3 h after the build', file: 'index.html', at: '2026-04-20T13:00:00Z',
      note: 'Cette page a été mise à jour pour la dernière fois il y a 3 heures.' },
  ],
};

// What a reader sees of the clock-driven parts of the page.
function clockView() {
  const text = el => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null);
  const labels = {}, updateTimes = {};
  for (const item of document.querySelectorAll('[data-event]')) {
    const label = item.querySelector('.st strong');
    if (!label) continue;
    (labels[item.dataset.event] ||= []).push(text(label));
    const beside = label.parentElement.querySelector('time');
    (updateTimes[item.dataset.event] ||= []).push(!!beside && beside.checkVisibility());
  }
  const note = document.querySelector('.stale');
  const fact = name => [...document.querySelectorAll('.facts div')].find(d => text(d.querySelector('dt')) === name);
  const ended = fact('Ended'), duration = fact('Duration');
  const banner = document.querySelector('.banner');
  return {
    labels, updateTimes,
    banner: text(document.querySelector('#overall')),
    colour: banner ? [...banner.classList].find(c => c.startsWith('s-')) : null,
    note: note && note.checkVisibility() ? text(note) : null,
    ended: ended ? text(ended.querySelector('dd')) : null,
    duration: duration ? text(duration.querySelector('dd')) : null,
  };
}

async function clockChecks(site) {
  const cases = CLOCK_CASES[site.name];
  if (!cases) return;
  group(`${site.name}: maintenance states, banner and page age follow the reader's clock`);
  for (const c of cases) {
    const where = `${c.file} at ${c.at}${c.advance ? ` + ${c.advance / 1000} s` : ''}${c.js === false ? ' (JavaScript off)' : ''}: ${c.what}`;
    const context = await browser.newContext({ viewport: SIZES[1], javaScriptEnabled: c.js !== false });
    const w = await guard(context, site.origin);
    try {
      await context.clock.install({ time: new Date(c.at) });
      const page = await context.newPage();
      w.watch(page);
      await page.goto(urlOf(site, c.file), { waitUntil: 'load' });
      if (c.advance) await page.clock.runFor(c.advance);
      const seen = await page.evaluate(clockView);
      for (const [slug, want] of Object.entries(c.labels || {})) {
        const got = seen.labels[slug] || [];
        check(got.length > 0 && got.every(t => t === want), `${where}: "${slug}" says "${want}"`, [`it says: ${list(got.map(t => `"${t}"`))}`]);
        if (c.updateTime !== undefined) {
          const shown = seen.updateTimes[slug] || [];
          check(shown.length > 0 && shown.every(v => v === c.updateTime),
            `${where}: "${slug}" ${c.updateTime ? 'shows' : 'no longer shows'} its latest update's time`, [`shown: ${list(shown.map(String))}`]);
        }
      }
      if ('banner' in c) check(seen.banner === c.banner, `${where}: the banner says "${c.banner}"`, [`it says: "${seen.banner}"`]);
      if ('colour' in c) check(seen.colour === c.colour, `${where}: the banner is ${c.colour}`, [`it is: ${seen.colour}`]);
      if ('note' in c) check(seen.note === c.note, `${where}: ${c.note === null ? 'no age note' : `the note "${c.note}"`}`,
        [`note: ${seen.note === null ? '(none shown)' : `"${seen.note}"`}`]);
      if ('duration' in c) check(seen.duration === c.duration, `${where}: "Duration" says "${c.duration}"`, [`it says: "${seen.duration}"`]);
      if ('ended' in c) check(seen.ended === c.ended, `${where}: "Ended" says "${c.ended}"`, [`it says: "${seen.ended}"`]);
      check(w.errors.length === 0 && w.external.length === 0, `${where}: no errors, no other host`, [...w.errors, ...w.external]);
    } catch (e) { check(false, `${where}: loads`, [clip(e.message, 300)]); }
    await context.close();
  }
  endGroup();
}

// ---- main ---------------------------------------------------------------------------------
const browser = await chromium.launch(LAUNCH);
console.log(`chromium ${browser.version()} (${cfg.chromium}), playwright-core ${require('playwright-core/package.json').version}, ` +
  `axe-core ${require('axe-core/package.json').version}`);
const axeReport = [];
fs.mkdirSync(cfg.screenshots, { recursive: true });

try {
  for (const site of cfg.sites) {
    const { pages, missing, all } = findPages(site);
    console.log(`\n== ${site.name}: browser (served at ${site.base}; pages: ${pages.map(p => `${p.name}=${p.file}`).join(' ')})`);
    const summary = JSON.parse(fs.readFileSync(path.join(site.dir, 'api/v2/summary.json'), 'utf8'));

    group(`${site.name}: page types found`);
    check(missing.length === 0, `one page of each type (index, incident, maintenance, notice, component, history, month, 404, subscribe)`,
      missing.map(m => `no ${m}`));
    endGroup();

    // Every page type × size × scheme.
    const results = [];
    for (const size of SIZES) for (const scheme of SCHEMES) {
      const context = await browser.newContext({ viewport: size, colorScheme: scheme });
      const w = await guard(context, site.origin);
      const page = await context.newPage();
      w.watch(page);
      for (const p of pages) {
        const variant = `${size.width} ${scheme}`;
        const r = { page: p.name, file: p.file, variant, width: size.width };
        w.reset();
        try {
          const resp = await page.goto(urlOf(site, p.file), { waitUntil: 'load' });
          r.status = resp ? resp.status() : 0;
          await page.evaluate(() => document.fonts.ready);
          const axe = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
          r.violations = axe.violations;
          axeReport.push({ site: site.name, page: p.name, file: p.file, width: size.width, scheme, violations: axe.violations });
          r.overflow = await overflow(page);
          const shot = path.join(cfg.screenshots, `${site.name}-${p.name}-${size.width}-${scheme}.png`);
          await page.screenshot({ path: shot, fullPage: true });
        } catch (e) {
          r.crash = clip(e.message, 300);
        }
        r.errors = [...w.errors];
        r.external = [...w.external];
        results.push(r);
      }
      await context.close();
    }
    const label = r => `${r.page} (${r.file}) at ${r.variant}`;
    group(`${site.name}: axe-core ${AXE_TAGS.join(' ')}`);
    for (const r of results) {
      if (r.crash) { check(false, `${label(r)}: loads and is analysed`, [r.crash]); continue; }
      check(r.status === 200 && r.violations.length === 0,
        `${label(r)}: HTTP ${r.status}, ${r.violations.length} violation(s)${r.violations.length ? ': ' + r.violations.map(v => v.id).join(', ') : ''}`,
        axeDetails(site.name, r.page, r.variant, r.violations));
    }
    endGroup();
    group(`${site.name}: no horizontal scrolling at 375 px`);
    for (const r of results.filter(r => r.width === 375 && r.overflow)) {
      check(r.overflow.scrollWidth <= r.overflow.innerWidth,
        `${label(r)}: scrollWidth ${r.overflow.scrollWidth} <= innerWidth ${r.overflow.innerWidth}`, r.overflow.culprits);
    }
    endGroup();
    group(`${site.name}: no console error, page error or failed request`);
    for (const r of results) check(r.errors.length === 0, `${label(r)}: ${r.errors.length} error(s)`, r.errors.slice(0, 10));
    endGroup();
    group(`${site.name}: no request to another host`);
    for (const r of results) check(r.external.length === 0, `${label(r)}: ${r.external.length} request(s) elsewhere`, r.external.slice(0, 10));
    endGroup();

    // Every HTML page once, at the phone size: the cheap checks.
    group(`${site.name}: every page (${all.length}) at 375 light: loads, no errors, no other host, no sideways scroll`);
    {
      const context = await browser.newContext({ viewport: SIZES[0], colorScheme: 'light' });
      const w = await guard(context, site.origin);
      const page = await context.newPage();
      w.watch(page);
      for (const file of all) {
        w.reset();
        try {
          const resp = await page.goto(urlOf(site, file), { waitUntil: 'load' });
          const o = await overflow(page);
          const details = [...w.errors, ...w.external.map(u => `request to another host: ${u}`)];
          if (resp.status() !== 200) details.unshift(`HTTP ${resp.status()}`);
          if (o.scrollWidth > o.innerWidth) details.push(`scrollWidth ${o.scrollWidth} > ${o.innerWidth}`, ...o.culprits.slice(0, 3));
          check(details.length === 0, `${file}`, details.slice(0, 10));
        } catch (e) { check(false, `${file} loads`, [clip(e.message, 300)]); }
      }
      await context.close();
    }
    endGroup();

    // The index with JavaScript off: the status banner and every component are there.
    group(`${site.name}: index with JavaScript off`);
    {
      const context = await browser.newContext({ viewport: SIZES[0], javaScriptEnabled: false });
      const w = await guard(context, site.origin);
      const page = await context.newPage();
      w.watch(page);
      try {
        const resp = await page.goto(site.base, { waitUntil: 'load' });
        check(resp.status() === 200, `index loads (HTTP ${resp.status()})`);
        // The banner speaks the page's language; the API always speaks Statuspage's English.
        // What must agree is the indicator, and the banner must show a description.
        const indicator = await page.locator('[data-indicator]').first().getAttribute('data-indicator');
        const banner = (await page.locator('#overall').filter({ visible: true }).textContent() || '').trim();
        check(indicator === summary.status.indicator && banner.length > 0,
          `the status banner shows the indicator "${summary.status.indicator}" (api/v2/summary.json) with a description ("${banner}")`);
        // A folded group (a site of many components, output.md) opens without JavaScript: a
        // reader taps its summary, as here.
        const folded = page.locator('details:not([open]) > summary');
        for (let left = await folded.count(); left > 0; left--) await folded.first().click();
        for (const c of summary.components.filter(c => !c.group)) {
          const n = await page.getByText(c.name, { exact: true }).filter({ visible: true }).count();
          check(n > 0, `component "${c.name}" is shown`);
        }
        await page.screenshot({ path: path.join(cfg.screenshots, `${site.name}-index-375-light-nojs.png`), fullPage: true });
        check(w.errors.length === 0 && w.external.length === 0, `no errors, no other host`, [...w.errors, ...w.external]);
      } catch (e) { check(false, 'index with JavaScript off loads', [clip(e.message, 300)]); }
      await context.close();
    }
    endGroup();

    // Uptime-bar day cells: date and uptime on hover and keyboard focus (and tap on a phone).
    group(`${site.name}: uptime-bar day cells show date and uptime (hover, focus, tap)`);
    for (const size of SIZES) {
      const phone = size.width < 600;
      const context = await browser.newContext({ viewport: size, colorScheme: 'light', hasTouch: phone });
      const w = await guard(context, site.origin);
      const page = await context.newPage();
      w.watch(page);
      const where = `index at ${size.width}`, baseUrl = new URL(site.base).href;
      try {
        await page.goto(site.base, { waitUntil: 'load' });
        const cells = page.locator('[data-date]');
        const n = await cells.count();
        if (!check(n > 0, `${where}: the uptime bars have day cells ([data-date])`)) { await context.close(); continue; }
        const idx = await cells.evaluateAll(els => {
          const withUp = els.map((e, i) => [e, i]).filter(([e]) => e.dataset.uptime !== undefined);
          const ev = withUp.find(([e]) => e.querySelector('a[href]'));
          const plain = withUp.filter(([e]) => !e.querySelector('a[href]'));
          const bar = els[0].parentElement;
          const inBar = withUp.filter(([e]) => e.parentElement === bar);
          return {
            event: ev ? ev[1] : null, plain: plain.length ? plain[plain.length - 1][1] : null,
            first: inBar.length ? inBar[0][1] : null, last: inBar.length ? inBar[inBar.length - 1][1] : null,
          };
        });
        const picks = phone
          ? [['focus', idx.first], ['focus', idx.last], ['tap', idx.plain]]
          : [['hover', idx.event], ['focus', idx.event], ['hover', idx.plain], ['focus', idx.plain]];
        for (const [mode, i] of picks) {
          if (i == null) continue;
          const date = await cells.nth(i).getAttribute('data-date');
          await tooltipCheck(page, where, baseUrl, cells.nth(i), mode, phone,
            path.join(cfg.screenshots, `${site.name}-tooltip-${size.width}-${mode}-${date}.png`));
          if (page.url() !== baseUrl) await page.goto(site.base, { waitUntil: 'load' });
        }
        if (idx.event == null && !phone) console.log(`       (no day cell with an event link on ${site.name}'s index)`);
      } catch (e) { check(false, `${where}: day cells`, [clip(e.message, 300)]); }
      await context.close();
    }
    endGroup();

    // The front page's weight: index.html and every CSS and JS file it loads.
    if (site.weight) {
      group(`${site.name}: front page weight < ${WEIGHT_LIMIT / 1000} KB, no web fonts, nothing from other hosts`);
      const context = await browser.newContext({ viewport: SIZES[1] });
      const w = await guard(context, site.origin);
      const page = await context.newPage();
      const got = [];
      page.on('response', r => got.push(r.body().then(b => ({ url: r.url(), type: r.request().resourceType(), bytes: b.length }), () => ({ url: r.url(), type: r.request().resourceType(), bytes: 0 }))));
      await page.goto(site.base, { waitUntil: 'networkidle' });
      const files = await Promise.all(got);
      const counted = files.filter(f => ['document', 'stylesheet', 'script'].includes(f.type));
      const total = counted.reduce((s, f) => s + f.bytes, 0);
      const fonts = files.filter(f => f.type === 'font');
      const lines = files.map(f => `${String(f.bytes).padStart(8)} B  ${f.type.padEnd(10)} ${f.url.replace(site.origin, '')}`);
      console.log(`       weight: ${total} B (${(total / 1024).toFixed(1)} KiB) in ${counted.length} file(s); everything the page loaded:`);
      for (const l of lines) console.log(`         ${l}`);
      check(total < WEIGHT_LIMIT, `index.html + CSS + JS = ${total} B < ${WEIGHT_LIMIT} B`,
        counted.map(f => `${f.bytes} B ${f.url.replace(site.origin, '')}`));
      check(fonts.length === 0, `no web fonts (${fonts.length})`, fonts.map(f => f.url));
      check(w.external.length === 0, `no file from another host (${w.external.length})`, w.external);
      fs.writeFileSync(path.join(cfg.report_dir, `weight-${site.name}.json`), JSON.stringify({ total, files }, null, 1));
      await context.close();
      endGroup();
    }
    await clockChecks(site);
    if (all.includes('search/index.html')) await searchChecks(site, all);
    site.lang = fs.readFileSync(path.join(site.dir, 'subscribe/index.html'), 'utf8').match(/<html lang="([^"]+)"/)?.[1];
    if (fs.readFileSync(path.join(site.dir, 'subscribe/index.html'), 'utf8').includes('<form id="email"'))
      await subscribeChecks(site, { browser, guard, group, check, endGroup, clip, SIZES });
  }

  // Atlassian's status widget, embedded in a page of our own, reading the example's summary.json.
  if (cfg.widget) {
    console.log(`\n== @statuspage/status-widget (${cfg.widget.url})`);
    group('status widget renders the example site\'s status');
    const summary = JSON.parse(fs.readFileSync(cfg.widget.summary, 'utf8'));
    const origin = new URL(cfg.widget.url).origin;
    const context = await browser.newContext({ viewport: SIZES[1] });
    const w = await guard(context, origin);
    const page = await context.newPage();
    w.watch(page);
    const fetched = [];
    page.on('request', r => fetched.push(r.url().replace(origin, '')));
    try {
      await page.goto(cfg.widget.url, { waitUntil: 'load' });
      // basic: the description in .status-text; badge: the `title` in .status-text and the
      // description in .status-indicator (shown lowercased by CSS, hence textContent).
      for (const [appearance, sel, where] of [['basic', '#basic', '.status-text'], ['badge', '#badge', '.status-indicator']]) {
        const text = page.locator(`${sel} ${where}`);
        let got = null;
        try { await text.waitFor({ timeout: 10_000 }); got = (await text.textContent()).trim(); } catch {}
        check(got === summary.status.description,
          `appearance="${appearance}" shows "${summary.status.description}"`,
          [`it shows: ${got === null ? '(nothing rendered)' : `"${got}"`}`]);
        const ind = await page.locator(`${sel} .status-indicator`).getAttribute('class', { timeout: 2000 }).catch(() => null);
        check(ind !== null && ind.split(/\s+/).includes(summary.status.indicator),
          `appearance="${appearance}" indicator is "${summary.status.indicator}"`, [`class="${ind}"`]);
      }
      await page.screenshot({ path: path.join(cfg.screenshots, 'widget-1280-light.png'), fullPage: true });
      check(fetched.includes('/api/v2/summary.json'), 'the widget fetched /api/v2/summary.json', [`requests: ${list(fetched)}`]);
      check(w.errors.length === 0 && w.external.length === 0, 'no errors, no other host', [...w.errors, ...w.external]);
    } catch (e) { check(false, 'widget page loads', [clip(e.message, 300)]); }
    await context.close();
    endGroup();
  }
} finally {
  endGroup();
  fs.writeFileSync(path.join(cfg.report_dir, 'axe.json'), JSON.stringify(axeReport, null, 1));
  await browser.close();
}
console.log(`\nscreenshots: ${cfg.screenshots}`);
console.log(`axe report: ${path.join(cfg.report_dir, 'axe.json')}`);
console.log(`RESULT ${passed} ${failed}`);
process.exit(failed ? 1 : 0);
