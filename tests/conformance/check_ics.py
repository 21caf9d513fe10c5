#!/usr/bin/env python3
"""Read a built sitrep site's maintenance.ics the way calendar apps do: with icalendar.

usage: check_ics.py SITE_DIR

Expectations come from api/v2/scheduled-maintenances.json (every maintenance):
one VEVENT each, UID `SLUG@HOST` (HOST of page.url), DTSTART/DTEND in UTC equal to
scheduled_for/scheduled_until, SUMMARY = name, URL = shortlink (docs/feeds-and-api.md), and
the RFC 5545 framing that strict clients insist on: CRLF line endings and lines
of at most 75 octets. Prints one PASS/FAIL line per check; exits 1 if any failed.
"""
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from icalendar import Calendar

from checks import check, finish

site = Path(sys.argv[1])


doc = json.loads((site / "api/v2/scheduled-maintenances.json").read_text())
host = urlsplit(doc["page"]["url"]).hostname
maintenances = doc["scheduled_maintenances"]
raw = (site / "maintenance.ics").read_bytes()

# RFC 5545 3.1: lines end in CRLF and are folded at 75 octets (not characters).
lines = raw.split(b"\r\n")
check(raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b""),
      "maintenance.ics uses CRLF line endings only")
long = [i + 1 for i, line in enumerate(lines) if len(line) > 75]
check(not long, "maintenance.ics has no line over 75 octets", f"lines {long}")

cal = Calendar.from_ical(raw)
check(cal.name == "VCALENDAR", "maintenance.ics is a VCALENDAR")
check(str(cal.get("VERSION")) == "2.0" and bool(cal.get("PRODID")), "VCALENDAR has VERSION:2.0 and PRODID")
vevents = cal.walk("VEVENT")
check(len(vevents) == len(maintenances), f"one VEVENT per maintenance ({len(maintenances)})",
      f"{len(vevents)} VEVENTs")
by_uid = {}
for ev in vevents:
    by_uid.setdefault(str(ev.get("UID")), []).append(ev)
check(all(len(v) == 1 for v in by_uid.values()), "VEVENT UIDs are unique")


def utc(prop):
    """A DATE-TIME property's value, if it is written in UTC (the `Z` form)."""
    value = prop.dt if prop is not None else None
    if isinstance(value, datetime) and value.utcoffset() == timedelta(0) and prop.to_ical().endswith(b"Z"):
        return value
    return None


for m in maintenances:
    uid = f"{m['id']}@{host}"
    found = by_uid.get(uid, [])
    if not check(len(found) == 1, f"VEVENT with UID {uid}"):
        continue
    ev = found[0]
    for prop, key in (("DTSTART", "scheduled_for"), ("DTEND", "scheduled_until")):
        value = utc(ev.get(prop))
        want = datetime.fromisoformat(m[key].replace("Z", "+00:00"))
        check(value is not None and value == want, f"{uid} {prop} is {key} ({m[key]}) in UTC",
              str(ev.get(prop).to_ical() if ev.get(prop) is not None else None))
    check(str(ev.get("SUMMARY")) == m["name"], f"{uid} SUMMARY is the name", str(ev.get("SUMMARY")))
    check(str(ev.get("URL")) == m["shortlink"], f"{uid} URL is the shortlink", str(ev.get("URL")))
    check(bool(str(ev.get("DESCRIPTION") or "")), f"{uid} has a DESCRIPTION")
    check(utc(ev.get("DTSTAMP")) is not None, f"{uid} has a UTC DTSTAMP (required by RFC 5545)")

finish()
