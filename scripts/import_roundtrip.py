#!/usr/bin/env python3
"""Compares a Statuspage history with the site `sitrep import` made of it (docs/importing.md).

    usage: scripts/import_roundtrip.py SITE_FOLDER SOURCE.json|SOURCE_DIR...

Every source incident the built site's api/v2/incidents.json lists (set `feed_entries: 1000` in
site.yaml to list up to 1,000) is matched through the import record
(incidents/.sitrep-import.json) and compared on name, impact, status, the text and time (to the
second) of every update, newest first, and the names of its components. Prints one line per
difference and a summary; exits 1 if any.
"""
import glob, json, os, sys
from datetime import datetime, timezone

def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).replace(microsecond=0)

def source_incidents(paths):
    found = {}
    for path in paths:
        files = sorted(glob.glob(os.path.join(path, "**", "*.json"), recursive=True)) if os.path.isdir(path) else [path]
        for f in files:
            doc = json.load(open(f))
            items = doc if isinstance(doc, list) else doc.get("incidents", []) + doc.get("scheduled_maintenances", []) + [doc[k] for k in ("incident", "scheduled_maintenance") if doc.get(k)]
            for i in items:
                if isinstance(i, dict) and "incident_updates" in i:
                    known = found.get(i["id"])
                    if known is None or len(i["incident_updates"]) >= len(known["incident_updates"]):
                        found[i["id"]] = i
    return found

def main():
    site, sources = sys.argv[1], sys.argv[2:]
    record = json.load(open(os.path.join(site, "incidents", ".sitrep-import.json")))["events"]
    slug_of = {key.split(":")[-1]: os.path.splitext(os.path.basename(e["path"]))[0] for key, e in record.items()}
    built = {i["id"]: i for i in json.load(open(os.path.join(site, "public", "api", "v2", "incidents.json")))["incidents"]}
    source = source_incidents(sources)
    problems, compared = [], 0
    for sid, s in source.items():
        b = built.get(slug_of.get(sid, "?"))
        if b is None:
            continue
        compared += 1
        where = f"{sid} ({s['name']})"
        if s["name"].strip() != b["name"]:
            problems.append(f"{where}: name {b['name']!r}")
        impact = s.get("impact_override") or s.get("impact")
        if impact != b["impact"]:
            problems.append(f"{where}: impact {impact} became {b['impact']}")
        if s["status"] != b["status"]:
            problems.append(f"{where}: status {s['status']} became {b['status']}")
        ups = sorted(s["incident_updates"], key=lambda u: u.get("display_at") or u["created_at"], reverse=True)
        bups = b["incident_updates"]
        if len(ups) != len(bups):
            problems.append(f"{where}: {len(ups)} updates became {len(bups)}")
        for u, v in zip(ups, bups):
            if instant(u.get("display_at") or u["created_at"]) != instant(v["display_at"]):
                problems.append(f"{where}: update at {u.get('display_at')} became {v['display_at']}")
            if (u.get("body") or "").strip() and u["body"].strip() != v["body"]:
                problems.append(f"{where}: update text differs at {v['display_at']}")
            if u["status"] != v["status"]:
                problems.append(f"{where}: update status {u['status']} became {v['status']}")
        names = sorted(c["name"] for c in s.get("components", []))
        bnames = sorted(c["name"] for c in b.get("components", []))
        if names and names != bnames:
            problems.append(f"{where}: components {names} became {bnames}")
    for p in problems:
        print(p)
    print(f"{compared} incidents compared, {len(problems)} differences")
    sys.exit(1 if problems or compared == 0 else 0)

main()
