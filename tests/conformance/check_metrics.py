#!/usr/bin/env python3
"""Check what statuspage-prometheus-exporter made of a served sitrep site.

usage: check_metrics.py METRICS_TEXTFILE EXPECT_JSON SERVICE_NAME

The exporter (RUN_MODE=once) fetches SITE/api/v2/summary.json and writes a
Prometheus textfile; it exits 0 even when the fetch or the parse failed, so the
metrics themselves are the evidence. The textfile is read with prometheus_client's
own parser. Mapping, from the package's service_checker.py:
  - statuspage_service_status: 1 when the indicator is `none` and every component
    is operational, else 0;
  - statuspage_component_status{component_name=NAME}: 1 for operational, 0 for
    anything else (under_maintenance included);
  - statuspage_incident_info{incident_id,incident_name,…} = 1 per unresolved
    incident, or a single {incident_id="none"} = 0;
  - statuspage_maintenance_info{maintenance_id,…} = 1 per maintenance in the summary
    that is not completed, i.e. active AND upcoming ones, or {maintenance_id="none"} = 0.
Prints one PASS/FAIL line per check; exits 1 if any failed.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

from checks import check, finish

path, expect_path, service = sys.argv[1:4]
expect = json.load(open(expect_path, encoding="utf-8"))


samples = {}  # metric name -> [(labels, value)] for our service
for family in text_string_to_metric_families(open(path, encoding="utf-8").read()):
    for s in family.samples:
        if s.labels.get("service_name") == service:
            samples.setdefault(s.name, []).append((s.labels, s.value))


def value(name, **labels):
    got = [v for lab, v in samples.get(name, []) if all(lab.get(k) == x for k, x in labels.items())]
    return got[0] if len(got) == 1 else None


# Without this the rest would only be testing the exporter's empty defaults.
check(value("statuspage_probe_check") == 1, "exporter fetched and parsed summary.json (probe_check 1)",
      f"probe_check {value('statuspage_probe_check')}")

all_operational = all(c["status"] == "operational" for c in expect["components"].values())
want = 1 if expect["indicator"] == "none" and all_operational else 0
check(value("statuspage_service_status") == want, f"service status gauge {want} (indicator {expect['indicator']})",
      f"got {value('statuspage_service_status')}")

for cid, c in expect["components"].items():
    want = 1 if c["status"] == "operational" else 0
    got = value("statuspage_component_status", component_name=c["name"])
    check(got == want, f"component gauge {c['name']!r} ({cid}, {c['status']}) is {want}", f"got {got}")

active = {lab["incident_id"]: lab for lab, v in samples.get("statuspage_incident_info", []) if v == 1}
check(set(active) == set(expect["unresolved"]), f"open incidents reported: {sorted(expect['unresolved'])}",
      f"got {sorted(active)}")
for iid, name in expect["unresolved"].items():
    if iid in active:
        check(active[iid]["incident_name"] == name, f"incident {iid} reported as {name!r}",
              active[iid]["incident_name"])
if not expect["unresolved"]:
    check(value("statuspage_incident_info", incident_id="none") == 0, "no-incident placeholder reported")

maint = {lab["maintenance_id"] for lab, v in samples.get("statuspage_maintenance_info", []) if v == 1}
want = set(expect["active"]) | set(expect["upcoming"])
check(maint == want, f"maintenances reported (active and upcoming): {sorted(want)}", f"got {sorted(maint)}")

finish()
