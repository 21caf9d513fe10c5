#!/usr/bin/env python3
"""Writes the generated site of benches/build.rs (same pseudo-random sequence, same files) with
any number of events, for timing the whole `sitrep build` as a user runs it:

    python3 benches/generate_site.py DIR [EVENTS] [--no-search]

EVENTS defaults to 10,000; --no-search adds `search: false` to site.yaml (docs/search.md).
"""
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

COMPONENTS = 20
MASK = (1 << 64) - 1


class Lcg:
    def __init__(self, seed):
        self.state = seed

    def next(self, below):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return (self.state >> 33) % below


def generate(root, events, search):
    root.mkdir(parents=True, exist_ok=True)
    site = "title: Big Status\nbase_url: https://status.big.example/\ntime_zone: Europe/Paris\ncomponents:\n"
    for c in range(COMPONENTS):
        site += f"  - id: srv{c}\n    name: Server {c}\n    group: Rack {c % 4}\n"
    if not search:
        site += "search: false\n"
    (root / "site.yaml").write_text(site)
    rng = Lcg(42)
    start = datetime(2016, 11, 25, tzinfo=timezone.utc)
    statuses = ["degraded_performance", "partial_outage", "major_outage"]
    for n in range(events):
        at = start + timedelta(minutes=rng.next(60 * 24 * 365 * 10))
        folder = root / "incidents" / at.strftime("%Y")
        folder.mkdir(parents=True, exist_ok=True)
        status = statuses[rng.next(3)]
        components = "".join(
            f"  srv{(n + k * 7) % COMPONENTS}: {status}\n" for k in range(rng.next(3) + 1)
        )
        timeline = ""
        for k, s in enumerate(["investigating", "identified", "monitoring", "resolved"]):
            t = at + timedelta(minutes=25 * k)
            timeline += (
                f"  - at: {t.strftime('%Y-%m-%dT%H:%M:%SZ')}\n    status: {s}\n"
                f"    message: Update {k} on the **problem**, see [the notes](https://notes.example/{n}).\n"
            )
        text = (
            f"---\ntitle: Incident {n}\ncomponents:\n{components}timeline:\n{timeline}---\n"
            "## Summary\n\nA switch failed.\n\n| When | What |\n|---|---|\n| 10:00 | down |\n\n- [x] replace it\n"
        )
        (folder / f"{at.strftime('%Y-%m-%d')}-incident-{n}.md").write_text(text)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    generate(Path(args[0]), int(args[1]) if len(args) > 1 else 10_000, "--no-search" not in sys.argv)
