"""Small helpers for tests/browser/run.sh (standard library only).

  helpers.py base-path SITE_YAML        the path of site.yaml's base_url, ending in `/`
  helpers.py kinds SITE_ROOT             the event kinds the site's non-draft events use
  helpers.py vnu REPORT_JSON SITES_DIR HTML_FILE…
                                         one `PASS`/`FAIL` line per HTML file from vnu's JSON
  helpers.py lychee REPORT_JSON SITE_DIR HTML_FILE…
                                         one `PASS`/`FAIL` line per HTML file from lychee's JSON
A FAIL line is followed by `  | …` detail lines.
"""
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse


def base_path(site_yaml):
    text = Path(site_yaml).read_text(encoding="utf-8")
    m = re.search(r"^base_url:\s*['\"]?([^'\"\s#]+)", text, re.M)
    path = urlparse(m.group(1)).path if m else "/"
    return path.rstrip("/") + "/"


def kinds(root):
    found = set()
    for md in sorted(Path(root, "incidents").rglob("*.md")):
        text = md.read_text(encoding="utf-8")
        m = re.match(r"---\n(.*?)\n---", text, re.S)
        if not m:
            continue
        front = m.group(1)
        if re.search(r"^draft:\s*true\s*$", front, re.M):
            continue
        k = re.search(r"^kind:\s*(\w+)", front, re.M)
        found.add(k.group(1) if k else "incident")
    return sorted(found)


def vnu(report, sites_dir, files):
    try:
        messages = json.loads(Path(report).read_text(encoding="utf-8"))["messages"]
    except Exception as e:  # noqa: BLE001 — any unreadable report is a failure
        print(f"FAIL vnu wrote a readable JSON report ({e})")
        return
    by_file = {}
    other = []
    for m in messages:
        if m.get("type") not in ("error", "non-document-error"):
            continue
        url = m.get("url", "")
        path = os.path.realpath(unquote(urlparse(url).path)) if url.startswith("file:") else url
        by_file.setdefault(path, []).append(m)
    for f in files:
        real = os.path.realpath(f)
        rel = os.path.relpath(f, sites_dir)
        errs = by_file.pop(real, [])
        if not errs:
            print(f"PASS {rel}")
            continue
        print(f"FAIL {rel}: {len(errs)} error(s)")
        for m in errs:
            print(f"  | {rel}:{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))}: {m.get('message')}")
            if m.get("extract"):
                print(f"  |     {m['extract'].strip()!r}")
    for path, errs in by_file.items():
        other.extend(errs)
    if other:
        print(f"FAIL vnu reported {len(other)} error(s) about something else")
        for m in other:
            print(f"  | {m.get('url', '?')}: {m.get('message')}")


def lychee(report, site_dir, files):
    try:
        data = json.loads(Path(report).read_text(encoding="utf-8"))
    except Exception as e:  # noqa: BLE001
        print(f"FAIL lychee wrote a readable JSON report ({e})")
        return
    errors = {}
    for key in ("error_map", "fail_map", "timeout_map"):
        for src, items in (data.get(key) or {}).items():
            errors.setdefault(os.path.realpath(src), []).extend(items)
    checked = set()
    for f in files:
        real = os.path.realpath(f)
        checked.add(real)
        rel = os.path.relpath(f, site_dir)
        errs = errors.pop(real, [])
        if not errs:
            print(f"PASS {rel}")
            continue
        print(f"FAIL {rel}: {len(errs)} broken link(s)")
        for e in errs:
            span = e.get("span") or {}
            status = e.get("status") or {}
            text = status.get("text", status) if isinstance(status, dict) else status
            print(f"  | {rel}:{span.get('line', '?')}:{span.get('column', '?')}: {e.get('url')} — {text}")
    for src, errs in errors.items():
        print(f"FAIL {src}: {len(errs)} broken link(s) (an input not in the list)")
    print(f"INFO lychee: {data.get('total')} links, {data.get('successful')} ok, "
          f"{data.get('excludes')} excluded (other hosts: --offline), {data.get('errors')} errors, "
          f"{data.get('unsupported')} unsupported")


def main():
    cmd, *args = sys.argv[1:]
    if cmd == "base-path":
        print(base_path(args[0]))
    elif cmd == "kinds":
        print(" ".join(kinds(args[0])))
    elif cmd == "vnu":
        vnu(args[0], args[1], args[2:])
    elif cmd == "lychee":
        lychee(args[0], args[1], args[2:])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
