#!/usr/bin/env bash
# Conformance suite: checks built sitrep sites with software nobody on this project
# wrote — xmllint, check-jsonschema, feedparser, icalendar, the Prometheus exporter
# statuspage-prometheus-exporter and the npm client statuspage.io — against
# docs/feeds-and-api.md and Statuspage's public v2 API.
#
#   usage (from anywhere): tests/conformance/run.sh PATH/TO/sitrep
#   VERBOSE=1 lists every single check, not only the failures.
#
# Everything it installs or writes lives under target/conformance/ (git-ignored):
#   venv/ node/   the tools (installed on the first run, reused afterwards)
#   sites/NAME/   the three sites it builds     run/   logs and scratch files
# It ends with the line `N passed, M failed` and exits non-zero on any failure.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 PATH/TO/sitrep" >&2; exit 2; }
SITREP=$(realpath "$1")
[[ -x $SITREP ]] || { echo "conformance: $1 is not an executable" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/../.."   # the repository root
ROOT=$PWD
HERE=tests/conformance
SCHEMA=tests/schema/statuspage-v2.schema.json
WORK=$ROOT/target/conformance
VENV=$WORK/venv
NODE_DIR=$WORK/node
RUN=$WORK/run
start=$SECONDS
# The sites are served on 127.0.0.1: never send those requests (python's requests,
# axios in the npm client, urllib) to a proxy that the environment may name.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# Pinned, so that a new release of a checker cannot change what "conformant" means
# overnight. rfc3986-validator makes check-jsonschema enforce `format: uri`.
PY_PKGS=(feedparser==6.0.14 icalendar==7.3.2 check-jsonschema==0.39.0 rfc3986-validator==0.1.1
         statuspage-prometheus-exporter==2.6.0)
NPM_PKG=statuspage.io@3.3.8

die() { echo "conformance: ERROR: $*" >&2; exit 2; }
# Runs an install step with its output in install.log, shown only when the step fails.
quietly() { "$@" >>"$WORK/install.log" 2>&1 || { tail -n 20 "$WORK/install.log" | sed 's/^/  | /' >&2; return 1; }; }

# ---- tools ---------------------------------------------------------------------
# A stamp records what was installed; when it matches (and the tools answer), the
# install is skipped. Any tool that cannot be installed stops the suite: a check that
# silently does not run would read as a pass.
setup_tools() {
  local stamp=$WORK/tools.stamp want="${PY_PKGS[*]} $NPM_PKG"
  local py=$VENV/bin/python
  for t in python3 node npm; do command -v $t >/dev/null || die "$t is not installed (need Python 3.11+, Node 20+)"; done
  if [[ -f $stamp && $(<"$stamp") == "$want" ]] && command -v xmllint >/dev/null \
     && "$py" -c 'import feedparser, icalendar, prometheus_client, rfc3986_validator' 2>/dev/null \
     && [[ -x $VENV/bin/check-jsonschema && -x $VENV/bin/statuspage-prometheus-exporter \
           && -f $NODE_DIR/node_modules/statuspage.io/package.json ]]; then
    echo "tools: reusing $WORK (remove $stamp to reinstall)"
    return
  fi
  echo "tools: installing into $WORK (log: $WORK/install.log)"
  mkdir -p "$WORK"
  rm -f "$stamp"
  : >"$WORK/install.log"
  if ! command -v xmllint >/dev/null; then
    { quietly apt-get update && quietly env DEBIAN_FRONTEND=noninteractive apt-get install -y libxml2-utils; } \
      || die "xmllint is missing and 'apt-get install libxml2-utils' failed (run as root, or install it)"
  fi
  [[ -x $py ]] || quietly python3 -m venv "$VENV" || die "python3 -m venv $VENV failed (Debian: apt-get install python3-venv)"
  quietly "$py" -m pip install --disable-pip-version-check "${PY_PKGS[@]}" || die "pip could not install: ${PY_PKGS[*]}"
  quietly npm install --prefix "$NODE_DIR" --no-audit --no-fund "$NPM_PKG" || die "npm could not install $NPM_PKG"
  quietly "$py" -c 'import feedparser, icalendar, prometheus_client, rfc3986_validator' \
    || die "the Python tools do not import after installing"
  quietly node -e "require('$NODE_DIR/node_modules/statuspage.io')" || die "statuspage.io does not load after installing"
  echo "$want" >"$stamp"
}

# ---- counting --------------------------------------------------------------------
# Checks are grouped; each group prints one line (and every failure in full).
passed=0 failed=0 g_pass=0 g_fail=0 g_name=""
failures=()
group() { g_name=$1 g_pass=0 g_fail=0; }
end_group() {
  if ((g_fail)); then printf '  FAIL %s: %d of %d checks failed\n' "$g_name" "$g_fail" $((g_pass + g_fail))
  else printf '  ok   %s: %d checks\n' "$g_name" "$g_pass"; fi
}
ok() { ((++passed, ++g_pass)); [[ -z ${VERBOSE:-} ]] || echo "       PASS $*"; }
ko() { ((++failed, ++g_fail)); failures+=("[$site] $g_name: $*"); echo "       FAIL $*"; }

indent() { sed 's/^/         | /'; }

# One check: the command must exit 0; its output is shown when it does not.
check_cmd() {
  local what=$1 out; shift
  if out=$("$@" 2>&1); then ok "$what"; else ko "$what"; head -n 30 <<<"$out" | indent; fi
}

# A checker script printing `PASS …`/`FAIL …` lines: each line is one check.
check_lines() {
  local what=$1 out rc=0 line n=0 nfail=0; shift
  out=$("$@" 2>&1) || rc=$?
  while IFS= read -r line; do
    case $line in
      "PASS "*) ok "${line#PASS }"; n=$((n + 1)) ;;
      "FAIL "*) ko "${line#FAIL }"; n=$((n + 1)) nfail=$((nfail + 1)) ;;
    esac
  done <<<"$out"
  if ((rc != 0 && nfail == 0)) || ((n == 0)); then   # crashed, or checked nothing
    ko "$what exited $rc after $n checks"; tail -n 30 <<<"$out" | indent
  fi
}

# ---- a local web server per site -----------------------------------------------------
server_pid=""
stop_server() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# serve DIR: starts python's http.server on 127.0.0.1 and sets $url once it answers.
serve() {
  local port
  port=$(free_port)
  python3 -m http.server --bind 127.0.0.1 "$port" --directory "$1" >"$RUN/$site/http.log" 2>&1 &
  server_pid=$!
  url=http://127.0.0.1:$port
  for _ in $(seq 100); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      "$url/api/v2/summary.json" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

expect() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$HERE/expect/$site.json" "$1"; }

# ---- the checks for one site ---------------------------------------------------------
API_FILES=(summary status components incidents incidents/unresolved scheduled-maintenances
           scheduled-maintenances/upcoming scheduled-maintenances/active)

check_site() {   # check_site NAME ROOT NOW
  site=$1
  local root=$2 now=$3 dir=$WORK/sites/$1 f
  echo
  echo "== $site: sitrep build --root $root --now \"$now\""
  rm -rf "$dir" "${RUN:?}/$site"
  mkdir -p "$RUN/$site"
  group "build"
  check_cmd "sitrep build" "$SITREP" build --root "$root" --output "$dir" --now "$now"
  end_group
  ((g_fail == 0)) || return 0

  group "xmllint --noout (.atom .rss .xml .svg)"
  while IFS= read -r f; do check_cmd "${f#"$dir"/} is well-formed XML" xmllint --noout "$f"; done \
    < <(find "$dir" -type f \( -name '*.atom' -o -name '*.rss' -o -name '*.xml' -o -name '*.svg' \) | sort)
  end_group

  group "check-jsonschema $SCHEMA (api/v2)"
  local files=()
  for f in "${API_FILES[@]}"; do
    if [[ -f $dir/api/v2/$f.json ]]; then ok "api/v2/$f.json exists"; files+=("$dir/api/v2/$f.json")
    else ko "api/v2/$f.json exists"; fi
  done
  ((${#files[@]} == 0)) || check_cmd "api/v2 files valid against the schema" \
    "$VENV/bin/check-jsonschema" --schemafile "$SCHEMA" "${files[@]}"
  end_group

  group "feeds (feedparser)"
  check_lines "check_feeds.py" "$VENV/bin/python" "$HERE/check_feeds.py" "$dir" \
    "$(expect base_url)" "$(expect host)" "$(expect feed_entries)"
  end_group

  group "maintenance.ics (icalendar)"
  check_lines "check_ics.py" "$VENV/bin/python" "$HERE/check_ics.py" "$dir"
  end_group

  group "served on 127.0.0.1"
  if serve "$dir"; then ok "http.server answers at $url"; else ko "http.server answers (see $RUN/$site/http.log)"; fi
  end_group
  if ((g_fail == 0)); then
    # The exporter reads services.json and writes cache/ in its working folder; a
    # fresh folder per run means no cache to fall back on when the fetch fails.
    local ew=$RUN/$site/exporter
    mkdir -p "$ew"
    printf '{"sitrep": {"name": "sitrep", "url": "%s/api/v2/summary.json"}}\n' "$url" >"$ew/services.json"
    group "statuspage-prometheus-exporter (RUN_MODE=once)"
    check_cmd "exporter runs" env -C "$ew" -u SLACK_WEBHOOK_URL -u SERVICES_JSON_PATH RUN_MODE=once \
      METRICS_TEXTFILE_PATH="$ew/metrics.prom" "$VENV/bin/statuspage-prometheus-exporter"
    if [[ -f $ew/metrics.prom ]]; then
      check_lines "check_metrics.py" "$VENV/bin/python" "$HERE/check_metrics.py" "$ew/metrics.prom" \
        "$HERE/expect/$site.json" sitrep
    else
      ko "exporter wrote $ew/metrics.prom"
    fi
    end_group

    group "statuspage.io client (node)"
    check_lines "check_client.mjs" node "$HERE/check_client.mjs" "$NODE_DIR" "$url" "$HERE/expect/$site.json"
    end_group
  fi
  stop_server
}

# ---- main ----------------------------------------------------------------------------
setup_tools
rm -rf "$RUN"
mkdir -p "$RUN"
echo "sitrep: $SITREP"

check_site example "$ROOT" "2026-11-25 12:00"
check_site basic "$ROOT/tests/fixtures/basic" "2026-04-20T12:00:00Z"
check_site dst "$ROOT/tests/fixtures/dst" "2026-11-03 12:00"

# `sitrep check --format json` on sites broken in many ways: every line valid against its schema.
site=check-json
echo
echo "== sitrep check --format json"
group "check-jsonschema tests/schema/check-output.schema.json"
check_json_dir=$RUN/check-json
mkdir -p "$check_json_dir"
n=0
for broken in "$HERE"/broken/*/; do
  n=$((n + 1))
  "$SITREP" check --root "$broken" --now "2026-11-25 12:00" --format json >"$check_json_dir/out.jsonl" || true
  [[ -s $check_json_dir/out.jsonl ]] || { ko "$(basename "$broken"): no output"; continue; }
  i=0
  while IFS= read -r line; do
    i=$((i + 1))
    printf '%s\n' "$line" >"$check_json_dir/$(basename "$broken")-$i.json"
  done <"$check_json_dir/out.jsonl"
  check_cmd "$(basename "$broken"): $i lines valid" "$VENV/bin/check-jsonschema" \
    --schemafile tests/schema/check-output.schema.json "$check_json_dir/$(basename "$broken")"-*.json
done
((n > 0)) || ko "no broken sites under $HERE/broken"
end_group

# The schema must reject what docs/feeds-and-api.md forbids, or its passes above mean nothing.
site=schema
echo
echo "== schema self-test"
group "check-jsonschema rejects broken documents"
if [[ -f $WORK/sites/basic/api/v2/summary.json ]]; then
  check_lines "schema_selftest.py" "$VENV/bin/python" "$HERE/schema_selftest.py" "$VENV/bin/check-jsonschema" \
    "$SCHEMA" "$WORK/sites/basic/api/v2/summary.json" "$RUN/schema-selftest"
else
  ko "needs the basic site's summary.json, which was not built"
fi
end_group

echo
if ((failed)); then
  echo "Failures:"
  printf '  %s\n' "${failures[@]}"
fi
echo "Conformance suite finished in $((SECONDS - start)) s."
echo "$passed passed, $failed failed"
((failed == 0))
