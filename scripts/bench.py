#!/usr/bin/env python3
"""The whole `sitrep build` as a user runs it: release binary, output written to disk.

For generated sites of 1,000 and 10,000 incidents (and 100,000 with --large), prints one
table: the median wall time of a first build into an empty folder, the I/O floor measured in
the same run (reading every input file, then copying the built site: what any tool that reads
the sources and writes the output must at least do), their ratio, peak memory, a rebuild after
one incident gains an update (into the folder that holds the previous build), `sitrep update
SLUG … --publish` to a folder target (`spare: true`), and the largest page. "without search" is the same first
build with `search: false` (docs/search.md).
docs/performance.md records results with the machine.

    scripts/bench.py [--binary target/release/sitrep] [--runs 3] [--large] [--sizes N …] [--work DIR]

Two corpora, both deterministic. The default and the table's main figures: realistic
post-mortem prose written by the shared generator `../shared/bench/gen_incidents.py` (a path
relative to the repository; `--generator` names another), called as `gen_incidents.py sitrep N
DIR` (21 components, ten years, 2.6-6.5 KB of varied text per incident). Without it the script
says so and exits with status 2: figures on the other corpus alone would overstate the speed
(docs/performance.md). The second column, `--corpus both`, is the repetitive corpus generated
here (20 components, the same few words in every incident), kept for comparison with older
figures; `--corpus repetitive` runs it alone.
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMPONENTS = 20
NOW = "2026-11-25 12:00"
STATUSES = ["degraded_performance", "partial_outage", "major_outage"]
WORDS = ("the switch at our provider dropped packets so some sites were slow and others "
         "unreachable we moved traffic to the second uplink and replaced the faulty card").split()


def generate(root: Path, incidents: int) -> None:
    """A deterministic site of `incidents` incidents."""
    rng = random.Random(incidents)
    if root.exists():
        shutil.rmtree(root)
    (root / "incidents").mkdir(parents=True)
    lines = ["title: Big Status", "base_url: https://status.big.example/",
             "time_zone: Europe/Paris", "components:"]
    for c in range(COMPONENTS):
        lines += [f"  - id: srv{c}", f"    name: Server {c}", f"    group: Rack {c % 4}"]
    (root / "site.yaml").write_text("\n".join(lines) + "\n")
    start = 1479945600  # 2016-11-24, ten years before NOW
    for n in range(incidents):
        at = start + rng.randrange(10 * 365 * 86400 - 86400)
        year = time.strftime("%Y", time.gmtime(at))
        folder = root / "incidents" / year
        folder.mkdir(exist_ok=True)
        status = rng.choice(STATUSES)
        touched = sorted({rng.randrange(COMPONENTS) for _ in range(rng.randint(1, 3))})
        components = "".join(f"  srv{c}: {status}\n" for c in touched)
        count = rng.randint(2, 6)
        # investigating, identified, monitoring (as many as fit), resolved, and a post-mortem
        # for the longest ones.
        steps = ["investigating", "identified", "monitoring"][: max(1, min(3, count - 1))]
        steps += ["resolved"] + (["postmortem"] if count > 4 else [])
        timeline = []
        for k, step in enumerate(steps):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at + 1500 * k))
            message = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
            timeline.append(f"  - at: {stamp}\n    status: {step}\n    message: {message.capitalize()}.\n")
        body_words = rng.randint(350, 1050)  # about 2-6 KB
        body = " ".join(rng.choice(WORDS) for _ in range(body_words))
        text = (f"---\ntitle: Incident {n} — {rng.choice(WORDS)} {rng.choice(WORDS)}\n"
                f"components:\n{components}timeline:\n{''.join(timeline)}---\n"
                f"## What happened\n\n{body}\n\n## Action items\n\n- [ ] replace the card\n")
        (folder / f"incident-{n:06}.md").write_text(text)


REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / ".." / "shared" / "bench" / "gen_incidents.py"


def generate_realistic(generator: Path, root: Path, incidents: int) -> None:
    """The realistic corpus of `incidents` incidents, by the shared generator."""
    if root.exists():
        shutil.rmtree(root)
    subprocess.run([sys.executable, str(generator), "sitrep", str(incidents), str(root)],
                   check=True, stdout=subprocess.DEVNULL)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(argv: list, **kwargs) -> tuple:
    """(seconds, peak resident memory in bytes) of one command, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed:\n{stderr}")
    return elapsed, usage.ru_maxrss * 1024


def io_floor(site: Path, output: Path, scratch: Path) -> float:
    """Read every input file, then copy the built site: seconds."""
    if scratch.exists():
        shutil.rmtree(scratch)
    started = time.perf_counter()
    subprocess.run(f"find {site}/incidents {site}/site.yaml -type f -exec cat {{}} + > /dev/null",
                   shell=True, check=True)
    subprocess.run(["cp", "-r", str(output), str(scratch)], check=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(scratch)
    return elapsed


def remove_build(output: Path) -> None:
    """The output folder and what builds keep beside it (the spare: the build before the
    last, docs/reliability.md), so that a first build starts from nothing."""
    for path in [output, *output.parent.glob(f".{output.name}.sitrep-*")]:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def largest_page(output: Path) -> tuple:
    best = (0, "")
    for path in output.rglob("*.html"):
        size = path.stat().st_size
        if size > best[0]:
            best = (size, str(path.relative_to(output)))
    return best


def incident_files(site: Path) -> list:
    """The site's incident files, oldest first by folder and name: not its maintenances or
    notices, which a post-mortem update does not fit."""
    files = sorted((site / "incidents").rglob("*.md"), key=lambda p: (p.parent.name, p.name))
    return [p for p in files if "\nkind: maintenance" not in (text := p.read_text())
            and "\nkind: notice" not in text]


def touch_one_incident(site: Path, n: int, newest: bool) -> None:
    """One incident gains an update, as `sitrep update` would write it: the newest incident (as
    during an outage), or one from the middle of the history (an older post-mortem edited)."""
    files = incident_files(site)
    path = files[-1] if newest else files[len(files) // 2]
    text = path.read_text()
    marker = "\n---\n"
    head, rest = text.split(marker, 1)
    # Before NOW (12:00 in Europe/Paris is 11:00Z): an update dated later would be held back.
    head += f"\n  - at: 2026-11-25T10:{n % 60:02}:00Z\n    status: postmortem\n    message: Post-mortem {n} published."
    path.write_text(head + marker + rest)


def update_and_publish(binary: Path, site: Path, target: Path, runs: int) -> list:
    """Seconds of `sitrep update SLUG … --publish` to a folder target with `spare: true`, as
    during an outage: the newest incident gains an update and the site goes out, its local copy
    in `public/` (holding the previous build) and the target (holding the previous publish, its
    spare beside it) brought up to date (docs/publishing.md, "A folder")."""
    remove_build(target)
    site_yaml = site / "site.yaml"
    settings = site_yaml.read_text()
    site_yaml.write_text(settings + f"publish:\n  - folder: {{ path: {target}, spare: true }}\n")
    root = ["--root", str(site), "--now", NOW]
    # The first publish makes the folder, the second the spare beside it.
    run([str(binary), "publish", *root])
    run([str(binary), "publish", *root])
    slug = incident_files(site)[-1].stem.lower()
    seconds = []
    for n in range(runs):
        update = [str(binary), "update", slug, "--status", "postmortem",
                  "--message", f"Post-mortem {n} published.", "--publish", *root]
        seconds.append(run(update)[0])
    site_yaml.write_text(settings)
    remove_build(target)
    return seconds


def measure(binary: Path, work: Path, incidents: int, runs: int, generator) -> dict:
    """The figures of one corpus: the realistic one by `generator`, or the repetitive one
    generated here when it is None."""
    kind = "realistic" if generator else "repetitive"
    site = work / f"site-{kind}-{incidents}"
    # Inside the site folder, as `public/` is: the build keeps its spare beside it
    # (docs/reliability.md), as for a user.
    output = site / "public"
    print(f"generating {incidents} {kind} incidents in {site}", file=sys.stderr)
    if generator:
        generate_realistic(generator, site, incidents)
    else:
        generate(site, incidents)
    load = load_average()
    build = [str(binary), "build", "--root", str(site), "--output", str(output), "--now", NOW]
    # The same first build without the search index (docs/search.md): what indexing costs.
    site_yaml = site / "site.yaml"
    settings = site_yaml.read_text()
    site_yaml.write_text(settings + "search: false\n")
    unindexed = []
    for _ in range(runs):
        remove_build(output)
        unindexed.append(run(build)[0])
    site_yaml.write_text(settings)
    firsts, floors, memory = [], [], []
    for _ in range(runs):
        remove_build(output)
        seconds, peak = run(build)
        firsts.append(seconds)
        memory.append(peak)
        floors.append(io_floor(site, output, work / "floor-copy"))
    # The search index's older part is carried over when only this year's events change
    # (docs/search.md), so the two kinds of change are timed apart.
    rebuilds, older_rebuilds = [], []
    for n in range(runs):
        touch_one_incident(site, n, newest=True)
        rebuilds.append(run(build)[0])
        touch_one_incident(site, n, newest=False)
        older_rebuilds.append(run(build)[0])
    publishes = update_and_publish(binary, site, work / f"published-{kind}-{incidents}", runs)
    size, page = largest_page(output)
    return {
        "kind": kind,
        "load": f"{load} → {load_average()}",
        "index": sum(p.stat().st_size for p in (output / "pagefind").rglob("*") if p.is_file()),
        "incidents": incidents,
        "first": statistics.median(firsts),
        "unindexed": statistics.median(unindexed),
        "floor": statistics.median(floors),
        "rebuild": statistics.median(rebuilds),
        "older_rebuild": statistics.median(older_rebuilds),
        "publish": statistics.median(publishes),
        "memory": max(memory),
        "largest": (size, page),
        "files": sum(1 for p in output.rglob("*") if p.is_file()),
    }


def print_table(results: list) -> None:
    print("| corpus | incidents | files written | index | first build | without search | with / without | I/O floor | build / floor | rebuild, newest event changed | rebuild, older event changed | `update --publish`, folder target with a spare | peak memory | largest page | load (1, 5, 15 min: before → after) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        size, page = r["largest"]
        print(f"| {r['kind']} | {r['incidents']:,} | {r['files']:,} | {r['index'] / 2**20:.1f} MB "
              f"| {r['first']:.2f} s | {r['unindexed']:.2f} s "
              f"| {r['first'] / r['unindexed']:.2f} | {r['floor']:.2f} s "
              f"| {r['first'] / r['floor']:.2f} | {r['rebuild']:.2f} s | {r['older_rebuild']:.2f} s "
              f"| {r['publish']:.2f} s "
              f"| {r['memory'] / 2**20:.0f} MB "
              f"| {size / 1024:.0f} KB ({page}) | {r['load']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="target/release/sitrep")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="also 100,000 incidents (minutes)")
    parser.add_argument("--work", default="target/bench")
    parser.add_argument("--sizes", type=int, nargs="+",
                        help="only these site sizes, e.g. --sizes 10000 100000 (a single run at 100,000)")
    parser.add_argument("--corpus", choices=["realistic", "both", "repetitive"], default="realistic")
    parser.add_argument("--generator", default=str(GENERATOR),
                        help="the realistic corpus's generator (default ../shared/bench/gen_incidents.py)")
    args = parser.parse_args()
    binary = Path(args.binary).resolve()
    if not binary.exists():
        sys.exit(f"{binary} does not exist: cargo build --release first")
    generator = Path(args.generator).resolve()
    if args.corpus != "repetitive" and not generator.is_file():
        print(f"bench.py: the realistic corpus's generator {generator} is not there.\n"
              "  Give its path with --generator, or run --corpus repetitive for the repetitive "
              "corpus alone (its figures overstate the speed on real text: docs/performance.md).",
              file=sys.stderr)
        sys.exit(2)
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    sizes = args.sizes or [1_000, 10_000] + ([100_000] if args.large else [])
    generators = {"realistic": [generator], "both": [generator, None], "repetitive": [None]}
    results = [measure(binary, work, n, args.runs if n < 100_000 else 1, g)
               for n in sizes for g in generators[args.corpus]]
    print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB; "
          f"medians of {args.runs} runs (one at 100,000)")
    print()
    print_table(results)


if __name__ == "__main__":
    main()
