#!/usr/bin/env python3
"""Prove that the schema has teeth: check-jsonschema must reject broken documents.

usage: schema_selftest.py CHECK_JSONSCHEMA SCHEMA SUMMARY_JSON WORK_DIR

Writes variants of a real summary.json, each broken in one way that docs/feeds-and-api.md or
Statuspage's API forbids, and runs check-jsonschema once over all of them (plus the
untouched original, which must pass). The `format` cases also prove that format
checking is switched on (date-time, date, and uri, which needs rfc3986-validator).
Prints one PASS/FAIL line per case; exits 1 if any failed.
"""
import copy
import json
import subprocess
import sys
from pathlib import Path

tool, schema, summary, work = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
doc = json.loads(summary.read_text())
work.mkdir(parents=True, exist_ok=True)


def first_group(d):
    return next(c for c in d["components"] if c.get("group"))


def first_incident(d):
    return (d["incidents"] or d["scheduled_maintenances"])[0]


BROKEN = {  # name -> how to break a copy of summary.json
    "indicator-bad": lambda d: d["status"].update(indicator="bad"),
    "page-missing": lambda d: d.pop("page"),
    "description-unpaired": lambda d: d["status"].update(
        description="Major System Outage" if d["status"]["indicator"] != "critical" else "Minor Service Outage"),
    "extra-top-level-key": lambda d: d.update(extra=1),
    "summary-without-incidents": lambda d: d.pop("incidents"),
    "component-status-bad": lambda d: d["components"][0].update(status="down"),
    "position-zero": lambda d: d["components"][0].update(position=0),
    "created_at-not-date-time": lambda d: d["components"][0].update(created_at="yesterday"),
    "updated_at-without-offset": lambda d: d["page"].update(updated_at="2026-04-20T12:00:00"),
    "start_date-not-date": lambda d: d["components"][0].update(start_date="2026-13-45"),
    "shortlink-not-uri": lambda d: first_incident(d).update(shortlink="https://exa mple.com/x"),
    "group-without-members": lambda d: first_group(d).pop("components"),
    "update-missing-display_at": lambda d: first_incident(d)["incident_updates"][0].pop("display_at"),
    "impact-bad": lambda d: first_incident(d).update(impact="huge"),
}

files = {}
for name, breaker in BROKEN.items():
    broken = copy.deepcopy(doc)
    try:
        breaker(broken)
    except (StopIteration, IndexError):  # this summary has no group / no event to break
        continue
    files[name] = work / f"{name}.json"
    files[name].write_text(json.dumps(broken))
original = work / "original-summary.json"
original.write_text(json.dumps(doc))

run = subprocess.run([tool, "-o", "json", "--schemafile", schema, str(original), *map(str, files.values())],
                     capture_output=True, text=True)
try:
    report = json.loads(run.stdout)
except json.JSONDecodeError:
    print(f"FAIL check-jsonschema ran: {run.stdout}{run.stderr}")
    sys.exit(1)
rejected = {Path(e["filename"]).name for e in report["errors"] + report["parse_errors"]}

failures = 0
for label, path, should_fail in [("the unbroken summary.json", original, False)] + \
        [(f"broken summary.json ({n})", p, True) for n, p in files.items()]:
    ok = (path.name in rejected) == should_fail
    print(f"{'PASS' if ok else 'FAIL'} schema {'rejects' if should_fail else 'accepts'} {label}")
    failures += not ok
sys.exit(1 if failures else 0)
