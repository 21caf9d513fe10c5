#!/usr/bin/env python3
"""Read a built sitrep site's feeds the way feed readers and bots do: with feedparser.

usage: check_feeds.py SITE_DIR BASE_URL HOST [FEED_ENTRIES]

BASE_URL and HOST come from the site's site.yaml (not from the output), so that a
base_url mangled consistently everywhere is still caught. FEED_ENTRIES is the
site's `feed_entries` (default 50, as in docs/format.md).

What the feeds should hold is computed from the rest of the output, never from
the feeds themselves:
  - the events: one page incidents/SLUG/index.html per non-draft event;
  - their updates and affected components: the `update-…` anchors (the targets of
    updates.atom's links) and `data-component` blocks of each event page, checked
    against api/v2 for every incident and maintenance the API lists;
  - titles, first and latest update times: api/v2 (incidents and maintenances).
Prints one PASS/FAIL line per check; exits 1 if any failed.
"""
import calendar
import json
import re
import sys
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser

from checks import check, finish

site, base, host = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
feed_entries = int(sys.argv[4]) if len(sys.argv) > 4 else 50
if not base.endswith("/"):
    base += "/"  # links are BASE_URL + "incidents/SLUG/" whether or not site.yaml has the slash


def instant(text):
    """An RFC 3339 string as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parsed(struct):
    """feedparser's *_parsed (a UTC struct_time) as an aware datetime."""
    return datetime.fromtimestamp(calendar.timegm(struct), timezone.utc)


class EventPage(HTMLParser):
    """Collects an event page's update anchors and affected-component blocks."""

    def __init__(self, text):
        super().__init__()
        self.anchors, self.components = [], set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (a.get("id") or "").startswith("update-"):
            self.anchors.append(a["id"])
        if a.get("data-component"):
            self.components.add(a["data-component"])


# ---- the expectations ------------------------------------------------------
events = {p.parent.name: EventPage(p.read_text(encoding="utf-8"))
          for p in sorted((site / "incidents").glob("*/index.html"))}
api_dir = site / "api" / "v2"
tz = ZoneInfo(json.loads((api_dir / "status.json").read_text())["page"]["time_zone"])
api = {}
for name, key in (("incidents.json", "incidents"),
                  ("scheduled-maintenances.json", "scheduled_maintenances")):
    for ev in json.loads((api_dir / name).read_text())[key]:
        api[ev["id"]] = ev

# The event pages are only an oracle if they agree with the API where both speak.
for slug, ev in api.items():
    page = events.get(slug)
    if not check(page is not None, f"api event {slug} has a page"):
        continue
    check(len(page.anchors) == len(ev["incident_updates"]),
          f"page of {slug} shows each of its {len(ev['incident_updates'])} API updates",
          f"page has {len(page.anchors)} update anchors")
    check(page.components == {c["id"] for c in ev["components"]},
          f"page of {slug} names the API's affected components",
          f"page {sorted(page.components)}, API {sorted(c['id'] for c in ev['components'])}")


def event_year(slug, published):
    """YYYY of the event's id: its first update's year in the site's time zone,
    or scheduled.start's when it has no update (docs/feeds-and-api.md)."""
    ev = api.get(slug)
    if ev is not None and not ev["incident_updates"]:
        return instant(ev["scheduled_for"]).astimezone(tz).year
    return published.astimezone(tz).year


def newest_first(times):
    return all(a >= b for a, b in zip(times, times[1:]))


# ---- event feeds: feed.atom/.rss and components/ID/feed.atom/.rss ----------
def check_event_feeds(stem, candidates):
    """stem: path without extension; candidates: slugs that belong in the feed."""
    want = min(feed_entries, len(candidates))
    atom = feedparser.parse(site / f"{stem}.atom")
    rss = feedparser.parse(site / f"{stem}.rss")
    for label, d in ((f"{stem}.atom", atom), (f"{stem}.rss", rss)):
        check(d.bozo == 0, f"{label} parses cleanly (bozo 0)", repr(d.get("bozo_exception")))
        check(len(d.entries) == want, f"{label} has {want} entries", f"it has {len(d.entries)}")
        # the elements each format requires of a feed (RFC 4287 4.1.1, RSS 2.0 <channel>)
        required = ("title", "id", "updated") if d is atom else ("title", "link", "description")
        check(all(d.feed.get(k) for k in required), f"{label} has its {', '.join(required)}")

    slugs, updated = [], []
    for e in atom.entries:
        m = re.fullmatch(rf"tag:{re.escape(host)},(\d{{4}}):([a-z0-9][a-z0-9-]*)", e.get("id", ""))
        if not check(m and m[2] in candidates, f"{stem}.atom id {e.get('id')!r} is tag:{host},YYYY:SLUG "
                     "of an event that belongs here"):
            continue
        slug = m[2]
        slugs.append(slug)
        where = f"{stem}.atom entry {slug}"
        check(e.get("link") == f"{base}incidents/{slug}/", f"{where} links to its page", e.get("link"))
        has_dates = check(bool(e.get("published_parsed") and e.get("updated_parsed")),
                          f"{where} has parsed published and updated dates")
        summary = e.get("summary", "")
        check(0 < len(summary) <= 280, f"{where} has a summary of 1-280 chars", f"{len(summary)} chars")
        terms = {t.get("term") for t in e.get("tags", [])}
        check(terms == events[slug].components, f"{where} has one category per affected component",
              f"{sorted(terms)} vs {sorted(events[slug].components)}")
        # Statuspage's content markup, one <p><small>TIME</small>… per update, as consumers parse it
        body = (e.get("content") or [{}])[0].get("value", "")
        n = len(events[slug].anchors)
        check(body.count("<small>") == n, f"{where} content lists its {n} updates",
              f"{body.count('<small>')} <small> times")
        if not has_dates:
            continue
        published, upd = parsed(e.published_parsed), parsed(e.updated_parsed)
        updated.append(upd)
        check(published <= upd, f"{where} published (first update) <= updated (latest)")
        check(int(m[1]) == event_year(slug, published),
              f"{where} id year is its first update's year in {tz.key}",
              f"{m[1]} vs {event_year(slug, published)}")
        ev = api.get(slug)
        if ev:
            check(e.get("title") == ev["name"], f"{where} title is the event's", e.get("title"))
            check(upd == instant(ev["updated_at"]), f"{where} updated = the API's updated_at",
                  f"{upd} vs {ev['updated_at']}")
            if ev["incident_updates"]:
                first = min(instant(u["created_at"]) for u in ev["incident_updates"])
                check(published == first, f"{where} published = its first update", f"{published} vs {first}")
    check(newest_first(updated), f"{stem}.atom is newest-updated first")
    if want == len(candidates):
        check(set(slugs) == set(candidates), f"{stem}.atom holds every event that belongs here",
              f"missing {sorted(set(candidates) - set(slugs))}")
    elif updated:  # capped: nothing the API knows to be newer than the oldest entry may be missing
        missed = [s for s in candidates if s in api and s not in slugs
                  and instant(api[s]["updated_at"]) > min(updated)]
        check(not missed, f"{stem}.atom keeps the newest {want} events", f"missing newer {missed}")
    if updated:  # "A feed's own updated is its newest entry's, never the build time."
        own = atom.feed.get("updated_parsed")
        check(own is not None and parsed(own) == max(updated),
              f"{stem}.atom's own updated is its newest entry's", atom.feed.get("updated"))

    # RSS: the same items (same guids, in the same order) and links as the Atom feed.
    check([e.get("id") for e in rss.entries] == [e.get("id") for e in atom.entries],
          f"{stem}.rss guids equal {stem}.atom ids, in order")
    check([e.get("link") for e in rss.entries] == [e.get("link") for e in atom.entries],
          f"{stem}.rss links equal {stem}.atom's")
    check([sorted(t.get("term") for t in e.get("tags", [])) for e in rss.entries]
          == [sorted(t.get("term") for t in e.get("tags", [])) for e in atom.entries],
          f"{stem}.rss categories equal {stem}.atom's")
    check(all(e.get("published_parsed") for e in rss.entries), f"{stem}.rss items have a parsed pubDate")
    # pubDate is an event's first update (docs/feeds-and-api.md: published); lastBuildDate is the newest
    # entry's last update, as the Atom feed's own updated, never the build time.
    check([e.get("published_parsed") for e in rss.entries] == [e.get("published_parsed") for e in atom.entries],
          f"{stem}.rss pubDates are the events' first updates (Atom published)")
    if rss.entries and atom.feed.get("updated_parsed"):
        own = rss.feed.get("updated_parsed")
        check(own is None or parsed(own) == parsed(atom.feed.updated_parsed),
              f"{stem}.rss lastBuildDate, if any, is its newest entry's update (Atom's own updated)",
              rss.feed.get("updated"))
    for e in rss.entries:
        if e.get("id"):
            check(e.get("guidislink") is False, f"{stem}.rss guid {e.id} has isPermaLink=\"false\"")


check_event_feeds("feed", set(events))
components = [c["id"] for c in json.loads((api_dir / "components.json").read_text())["components"]
              if not c["group"]]
for cid in components:
    check_event_feeds(f"components/{cid}/feed", {s for s, p in events.items() if cid in p.components})

# ---- updates.atom: one entry per timeline update -------------------------
total = sum(len(p.anchors) for p in events.values())
want = min(feed_entries, total)
d = feedparser.parse(site / "updates.atom")
check(d.bozo == 0, "updates.atom parses cleanly (bozo 0)", repr(d.get("bozo_exception")))
check(len(d.entries) == want, f"updates.atom has {want} entries (of {total} updates)", f"it has {len(d.entries)}")
event_ids = {}  # slug -> the event's own tag id, from feed.atom, when it is there
for e in feedparser.parse(site / "feed.atom").entries:
    event_ids[e.get("id", "").rpartition(":")[2]] = e.get("id")
times, seen = [], set()
for e in d.entries:
    m = re.fullmatch(rf"(tag:{re.escape(host)},(\d{{4}}):([a-z0-9][a-z0-9-]*))"
                     r"/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", e.get("id", ""))
    if not check(m and m[3] in events, f"updates.atom id {e.get('id')!r} is tag:{host},YYYY:SLUG/<RFC 3339 UTC>"):
        continue
    event_id, slug, at = m[1], m[3], instant(m[4])
    where = f"updates.atom entry {slug}/{m[4]}"
    link, _, fragment = e.get("link", "").partition("#")
    check(link == f"{base}incidents/{slug}/" and fragment.startswith("update-"),
          f"{where} links to its event page with an #update-… fragment", e.get("link"))
    check(fragment in events[slug].anchors, f"{where} fragment #{fragment} exists on the page")
    if not check(bool(e.get("published_parsed") and e.get("updated_parsed")),
                 f"{where} has parsed published and updated dates"):
        continue
    times.append(at)
    seen.add((slug, at))
    check(parsed(e.published_parsed) == at == parsed(e.updated_parsed),
          f"{where} published = updated = the time in its id")
    check(0 < len(e.get("summary", "")) <= 280, f"{where} has a summary of 1-280 chars")
    if slug in event_ids:
        check(event_id == event_ids[slug], f"{where} id extends its event's id {event_ids[slug]}")
    ev = api.get(slug)
    if ev:
        label, _, title = e.get("title", "").partition(": ")
        check(title == ev["name"], f"{where} title is 'STATUS LABEL: {ev['name']}'", e.get("title"))
        match = [u for u in ev["incident_updates"] if instant(u["created_at"]) == at]
        if check(len(match) == 1, f"{where} is one of the API's updates of {slug}"):
            check(label.lower().replace(" ", "_") == match[0]["status"],
                  f"{where} label {label!r} is its status {match[0]['status']!r}")
        if ev["incident_updates"]:
            first = min(instant(u["created_at"]) for u in ev["incident_updates"])
            check(int(m[2]) == first.astimezone(tz).year, f"{where} id year is its event's")
check(newest_first(times), "updates.atom is newest first")
if times and want < total:
    missed = [f"{s}@{u['created_at']}" for s, ev in api.items() for u in ev["incident_updates"]
              if instant(u["created_at"]) > min(times) and (s, instant(u["created_at"])) not in seen]
    check(not missed, f"updates.atom keeps the newest {want} updates", f"missing newer {missed}")
if times:
    own = d.feed.get("updated_parsed")
    check(own is not None and parsed(own) == max(times),
          "updates.atom's own updated is its newest entry's", d.feed.get("updated"))

finish()
