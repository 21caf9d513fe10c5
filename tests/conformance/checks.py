"""The PASS/FAIL line protocol the conformance scripts share with run.sh: one line per check,
and an exit status that says whether any failed."""

import sys

_failures = 0


def check(ok, what, detail=""):
    """Prints one check's line; returns whether it passed."""
    global _failures
    print(f"PASS {what}" if ok else f"FAIL {what}{': ' + detail if detail else ''}")
    _failures += not ok
    return ok


def finish():
    """Exits 1 if any check failed, else 0."""
    sys.exit(1 if _failures else 0)
