// Read a served sitrep site with the npm `statuspage.io` client, as a Node app would.
//
// usage: node check_client.mjs NODE_PREFIX BASE_URL EXPECT_JSON
//   NODE_PREFIX  the folder `npm install --prefix` put statuspage.io in
//   BASE_URL     where the site is served, e.g. http://127.0.0.1:8123
//   EXPECT_JSON  tests/conformance/expect/SITE.json
//
// Notes on the package (statuspage.io 3.3.8, dist/Endpoints.js and dist/api/):
//   - scheduledMaintenances.getActive() and .getAll() both fetch upcoming.json (a bug
//     in the package), so we assert that, and read active.json through the client's
//     own axios instance, as an app working around it would.
// Prints one PASS/FAIL line per check; exits 1 if any failed.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const [prefix, baseUrl, expectPath] = process.argv.slice(2);
const require = createRequire(resolve(prefix, 'package.json'));
const { Statuspage } = require('statuspage.io');
const expect = JSON.parse(readFileSync(expectPath, 'utf8'));

let failures = 0;
function check(ok, what, detail = '') {
  console.log(ok ? `PASS ${what}` : `FAIL ${what}${detail ? ': ' + detail : ''}`);
  if (!ok) failures++;
  return ok;
}
const ids = list => list.map(x => x.id).sort();
const show = list => (list.length ? list.join(', ') : '(none)');
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const keys = obj => Object.keys(obj).sort();

const sp = new Statuspage('x'); // the page id only builds the default URL, replaced below
sp.setApiUrl(baseUrl);

function checkComponents(where, components) {
  const leaves = ids(components.filter(x => !x.group));
  check(same(leaves, keys(expect.components)), `${where}: the components are ${show(keys(expect.components))}`,
    show(leaves));
  for (const [id, want] of Object.entries(expect.components)) {
    const c = components.find(x => x.id === id);
    if (check(c, `${where}: component ${id} is listed`)) {
      check(c.name === want.name && c.status === want.status,
        `${where}: ${id} is ${want.name} / ${want.status}`, `${c.name} / ${c.status}`);
    }
  }
  // Groups and members must point at each other (docs/feeds-and-api.md: group_id and components).
  for (const g of components.filter(x => x.group)) {
    const members = components.filter(x => x.group_id === g.id).map(x => x.id);
    check(same([...g.components].sort(), members.sort()), `${where}: group ${g.id} lists exactly its members`,
      `${g.components} vs ${members}`);
  }
}

async function main() {
  const summary = await sp.getSummary();
  const page = summary.page;
  check(page.url === expect.base_url, `getSummary: page.url is ${expect.base_url}`, page.url);
  check(page.time_zone === expect.time_zone, `getSummary: page.time_zone is ${expect.time_zone}`, page.time_zone);
  check(Date.parse(page.updated_at) === Date.parse(expect.now), `getSummary: page.updated_at is the build's now`,
    page.updated_at);
  check(summary.status.indicator === expect.indicator, `getSummary: indicator ${expect.indicator}`,
    summary.status.indicator);
  check(summary.status.description === expect.description, `getSummary: "${expect.description}"`,
    summary.status.description);
  checkComponents('getSummary', summary.components);
  check(same(ids(summary.incidents), keys(expect.unresolved)),
    `getSummary: unresolved incidents ${show(keys(expect.unresolved))}`, show(ids(summary.incidents)));
  for (const inc of summary.incidents) {
    check(inc.name === expect.unresolved[inc.id], `getSummary: incident ${inc.id} is "${expect.unresolved[inc.id]}"`,
      inc.name);
  }
  const maints = keys({ ...expect.active, ...expect.upcoming });
  check(same(ids(summary.scheduled_maintenances), maints),
    `getSummary: active and upcoming maintenances ${show(maints)}`, show(ids(summary.scheduled_maintenances)));

  const status = await sp.getStatus();
  check(same(status.status, summary.status), 'getStatus: same status as the summary');

  checkComponents('getComponents', (await sp.getComponents()).components);

  const unresolved = await sp.api.incidents.getUnresolved();
  check(same(ids(unresolved.incidents), keys(expect.unresolved)),
    `incidents.getUnresolved: ${show(keys(expect.unresolved))}`, show(ids(unresolved.incidents)));
  check(unresolved.incidents.every(i => i.resolved_at === null), 'incidents.getUnresolved: none has resolved_at');

  const all = await sp.api.incidents.getAll();
  check(all.incidents.length <= expect.feed_entries, `incidents.getAll: at most feed_entries (${expect.feed_entries})`,
    `${all.incidents.length}`);
  check(keys(expect.unresolved).every(id => all.incidents.some(i => i.id === id)),
    'incidents.getAll: includes the unresolved incidents');

  const upcoming = await sp.api.scheduledMaintenances.getUpcoming();
  check(same(ids(upcoming.scheduled_maintenances), keys(expect.upcoming)),
    `scheduledMaintenances.getUpcoming: ${show(keys(expect.upcoming))}`, show(ids(upcoming.scheduled_maintenances)));

  // The package's getActive() reads upcoming.json (see the note at the top).
  const activeViaPackage = await sp.api.scheduledMaintenances.getActive();
  check(same(activeViaPackage, upcoming), 'scheduledMaintenances.getActive: returns upcoming.json (package bug)');
  const { data: active } = await sp.apiClient.get('/api/v2/scheduled-maintenances/active.json');
  check(same(ids(active.scheduled_maintenances), keys(expect.active)),
    `active.json (via the client's HTTP instance): ${show(keys(expect.active))}`,
    show(ids(active.scheduled_maintenances)));
}

main()
  .catch(err => check(false, 'statuspage.io client calls succeed', String(err && err.stack || err)))
  .finally(() => process.exit(failures ? 1 : 0));
