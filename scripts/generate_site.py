#!/usr/bin/env python3
"""Writes a large sitrep site for benchmarks and publish tests: N incidents over ten years on
20 components, deterministic (the same N gives the same site), shaped like benches/build.rs's.

    usage: scripts/generate_site.py DIR N [PUBLISH_YAML]

PUBLISH_YAML, when given, is appended to site.yaml under `publish:`.
"""
import datetime
import os
import sys


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    root, count = sys.argv[1], int(sys.argv[2])
    publish = sys.argv[3] if len(sys.argv) == 4 else ""
    components = 20
    site = ["title: Big Status", "base_url: https://status.big.example/",
            "time_zone: Europe/Paris", "components:"]
    for c in range(components):
        site += [f"  - id: srv{c}", f"    name: Server {c}", f"    group: Rack {c % 4}"]
    if publish:
        site += ["publish:", publish.rstrip()]
    os.makedirs(os.path.join(root, "incidents"), exist_ok=True)
    with open(os.path.join(root, "site.yaml"), "w") as f:
        f.write("\n".join(site) + "\n")

    state = 42

    def rand(below):
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (state >> 33) % below

    start = datetime.datetime(2016, 1, 1, tzinfo=datetime.timezone.utc)
    statuses = ["degraded_performance", "partial_outage", "major_outage"]
    for n in range(count):
        at = start + datetime.timedelta(minutes=rand(60 * 24 * 365 * 10))
        folder = os.path.join(root, "incidents", at.strftime("%Y"))
        os.makedirs(folder, exist_ok=True)
        status = statuses[rand(3)]
        comps = "".join(f"  srv{(n + k * 7) % components}: {status}\n" for k in range(rand(3) + 1))
        timeline = ""
        for k, s in enumerate(["investigating", "identified", "monitoring", "resolved"]):
            t = at + datetime.timedelta(minutes=25 * k)
            timeline += (f"  - at: {t.strftime('%Y-%m-%dT%H:%M:%SZ')}\n    status: {s}\n"
                         f"    message: Update {k} on the **problem**, see [the notes](https://notes.example/{n}).\n")
        text = (f"---\ntitle: Incident {n}\ncomponents:\n{comps}timeline:\n{timeline}---\n"
                "## Summary\n\nA switch failed.\n\n| When | What |\n|---|---|\n| 10:00 | down |\n\n- [x] replace it\n")
        with open(os.path.join(folder, f"{at.strftime('%Y-%m-%d')}-incident-{n}.md"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
