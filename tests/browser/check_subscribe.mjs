// The subscribe page's own checks (docs/announcing.md, "Subscribe page"), for check_browser.mjs:
// with JavaScript off the page shows its feeds, calendar and form; every form field has a
// label; nothing is requested from another host before the form is submitted; submitting
// posts the address (and the hidden fields) to the form's action, and only then (the request
// is recorded and aborted by the guard, never sent).
export async function subscribeChecks(site, h) {
  const { browser, guard, group, check, endGroup, clip, SIZES } = h;
  const url = site.base + 'subscribe/';
  const lang = site.lang || '';
  group(`${site.name}: subscribe page (${lang}) with JavaScript off: feeds, calendar, labelled form, nothing from another host before submit`);
  const context = await browser.newContext({ viewport: SIZES[0], javaScriptEnabled: false });
  const w = await guard(context, site.origin);
  const page = await context.newPage();
  w.watch(page);
  const posted = [];
  page.on('request', r => { if (new URL(r.url()).origin !== site.origin) posted.push({ url: r.url(), method: r.method(), body: r.postData() || '' }); });
  try {
    const resp = await page.goto(url, { waitUntil: 'load' });
    check(resp.status() === 200, `subscribe/ loads (HTTP ${resp.status()})`);
    const feeds = await page.locator('main a[href$="feed.atom"], main a[href$="feed.rss"], main a[href$="updates.atom"]').filter({ visible: true }).count();
    const perComponent = await page.locator('#component-feeds a').filter({ visible: true }).count();
    check(feeds >= 3 && perComponent >= 2, `the site's feeds and each component's are shown (${feeds} feed links, ${perComponent} per component)`);
    check(await page.locator('main a[href$="maintenance.ics"]').filter({ visible: true }).count() >= 2,
      'the maintenance calendar is shown, as a file and as a webcal: subscription');
    const header = await page.locator('header.top a.subscribe[aria-current="page"]').count();
    check(header === 1, 'the header links to the page and marks it as the current one');
    const form = page.locator('form#email');
    if (!check(await form.isVisible(), 'the signup form is shown without JavaScript')) return;
    // Every field a reader fills in has a visible label that names it.
    const unlabelled = await form.evaluate(f => [...f.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter(i => !(i.labels && [...i.labels].some(l => l.textContent.trim() && l.offsetParent !== null)))
      .map(i => i.outerHTML));
    check(unlabelled.length === 0, 'every form field has a visible label', unlabelled);
    const action = await form.getAttribute('action');
    const field = await form.locator('input[type=email]').getAttribute('name');
    const hidden = await form.locator('input[type=hidden]').evaluateAll(xs => xs.map(x => [x.name, x.value]));
    check(w.external.length === 0 && posted.length === 0, `nothing is requested from another host before submitting (${w.external.length})`, w.external);
    await page.fill('form#email input[type=email]', 'reader@example.net');
    await Promise.all([page.waitForEvent('requestfailed', { timeout: 5000 }).catch(() => null), page.click('form#email button[type=submit]')]);
    const sent = posted.find(p => p.url === action);
    const body = new URLSearchParams(sent ? sent.body : '');
    check(!!sent && sent.method === 'POST' && body.get(field) === 'reader@example.net' && hidden.every(([n, v]) => body.get(n) === v),
      `submitting posts ${field} and ${hidden.length} hidden field(s) to ${action}, and that is the only other host asked`,
      [`requests to other hosts: ${posted.map(p => `${p.method} ${p.url} ${clip(p.body, 120)}`).join('; ') || '(none)'}`]);
    check(posted.every(p => p.url === action), 'no other host than the form\'s is asked', posted.map(p => p.url));
    check(w.errors.length === 0, 'no errors', w.errors);
  } catch (e) { check(false, 'subscribe page with JavaScript off', [clip(e.message, 300)]); }
  finally { await context.close(); endGroup(); }
}
