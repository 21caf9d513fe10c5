#!/usr/bin/env bash
# Ingest suite: the real thing. Debian's Prometheus scrapes a tiny target (Python's
# http.server) every second, a rule `up == 0` with `for: 1s` fires, Alertmanager
# (group_wait 1s, group_interval 2s) sends its webhook to `sitrep receive`:
#
#   usage: tests/ingest/run.sh PATH/TO/sitrep
#
#   1. the target stops answering → a draft incident for its component appears on disk
#      (the seconds from the target's stop to the file are printed)
#   2. the target answers again → the rule's on_resolve update is appended, once
#   3. the site still passes `sitrep check`, and the receiver logged one line per decision
# Everything listens on 127.0.0.1, every wait is bounded, everything started is stopped on
# exit. Without the prometheus and prometheus-alertmanager packages it says so and skips
# (.ci/run installs them). Everything it writes lives under target/ingest-suite/.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 PATH/TO/sitrep" >&2; exit 2; }
SITREP=$(realpath "$1")
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
WORK=$ROOT/target/ingest-suite
PROMETHEUS=$(command -v prometheus || true)
ALERTMANAGER=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [[ -z $PROMETHEUS || -z $ALERTMANAGER ]]; then
  echo "SKIP ingest suite: prometheus and prometheus-alertmanager are not installed (apt-get install prometheus prometheus-alertmanager)"
  # On CI the suite must run: .ci/run installs the packages, so their absence is a failure.
  [[ -n ${CI:-} ]] && { echo "CI is set: failing instead of skipping" >&2; exit 1; }
  exit 0
fi
command -v python3 >/dev/null || { echo "SKIP ingest suite: python3 is not installed"; exit 0; }
unset SOURCE_DATE_EPOCH
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
failures=0
PIDS=()
TARGET_PID=

cleanup() {
  for pid in "${PIDS[@]}" $TARGET_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

fail() { echo "  FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "  ok: $*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }
# wait_for SECONDS DESCRIPTION COMMAND...: polls every 0.1 s until COMMAND succeeds.
wait_for() {
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then echo "  gave up after ${limit} s waiting for $what" >&2; return 1; fi
    sleep 0.1
  done
}
http_ok() { python3 -c "import urllib.request,sys; urllib.request.urlopen('$1', timeout=1)"; }
# The value of up{job="demo"} Prometheus reports, or nothing.
up_is() {
  python3 - "$PROM_PORT" "$1" <<'PY'
import json, sys, urllib.request, urllib.parse
q = urllib.parse.quote('up{job="demo"}')
r = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/query?query={q}", timeout=1))
values = [v["value"][1] for v in r["data"]["result"]]
sys.exit(0 if values == [sys.argv[2]] else 1)
PY
}
show_logs() {
  for log in receive prometheus alertmanager; do
    echo "---- $log (last lines)"; tail -n 15 "$WORK/$log.log" || true
  done
}

rm -rf "$WORK" && mkdir -p "$WORK/site/incidents" "$WORK/target"
TARGET_PORT=$(free_port) PROM_PORT=$(free_port) AM_PORT=$(free_port) RECEIVE_PORT=$(free_port)
TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
export SITREP_INGEST_TOKEN=$TOKEN

printf 'demo_up 1\n' > "$WORK/target/metrics"
start_target() {
  # http.server serves the folder; Prometheus 2 reads an unknown content type as its text format.
  python3 -m http.server --bind 127.0.0.1 --directory "$WORK/target" "$TARGET_PORT" >>"$WORK/target.log" 2>&1 &
  TARGET_PID=$!
  wait_for 10 "the target" http_ok "http://127.0.0.1:$TARGET_PORT/metrics"
}

cat > "$WORK/site/site.yaml" <<YAML
title: Ingest suite
base_url: https://status.example.com/
components:
  - { id: demo, name: Demo service }
  - { id: other, name: Other service }
ingest:
  token_env: SITREP_INGEST_TOKEN
  rules:
    - match: { alertname: TargetDown, instance: "127.0.0.1:$TARGET_PORT" }
      component: demo
      status: major_outage
      title: "The demo service is unreachable"
      on_resolve: monitoring
YAML
cat > "$WORK/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms }
alerting:
  alertmanagers:
    - static_configs: [{ targets: ["127.0.0.1:$AM_PORT"] }]
rule_files: [rules.yml]
scrape_configs:
  - job_name: demo
    static_configs: [{ targets: ["127.0.0.1:$TARGET_PORT"] }]
YAML
cat > "$WORK/rules.yml" <<'YAML'
groups:
  - name: demo
    interval: 1s
    rules:
      - alert: TargetDown
        expr: up{job="demo"} == 0
        for: 1s
        annotations: { summary: "The demo target does not answer" }
YAML
cat > "$WORK/alertmanager.yml" <<YAML
route:
  receiver: sitrep
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: sitrep
    webhook_configs:
      - url: http://127.0.0.1:$RECEIVE_PORT/alertmanager
        send_resolved: true
        http_config:
          authorization: { type: Bearer, credentials: "$TOKEN" }
YAML

echo "== start the target, sitrep receive, Alertmanager and Prometheus (all on 127.0.0.1)"
start_target
"$SITREP" receive --root "$WORK/site" --bind 127.0.0.1 --port "$RECEIVE_PORT" >"$WORK/receive.log" 2>&1 &
PIDS+=($!)
wait_for 20 "sitrep receive" http_ok "http://127.0.0.1:$RECEIVE_PORT/healthz" || { show_logs; exit 1; }
"$ALERTMANAGER" --config.file="$WORK/alertmanager.yml" --storage.path="$WORK/am-data" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= >"$WORK/alertmanager.log" 2>&1 &
PIDS+=($!)
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prom-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
wait_for 30 "Alertmanager" http_ok "http://127.0.0.1:$AM_PORT/-/ready" || { show_logs; exit 1; }
wait_for 30 "Prometheus to see the target up" up_is 1 || { show_logs; exit 1; }
pass "Prometheus scrapes the target (up == 1); no incident yet: $(ls "$WORK/site/incidents" | wc -l) files"

draft_written() { grep -lsx 'draft: true' "$WORK"/site/incidents/*.md | xargs -r grep -lx '  demo: major_outage'; }
resolve_written() { grep -sq 'status: monitoring' "$WORK"/site/incidents/*.md; }

echo "== 1. the target stops answering"
kill "$TARGET_PID"; wait "$TARGET_PID" 2>/dev/null || true; TARGET_PID=
stopped=$(now)
if wait_for 120 "a draft incident" draft_written; then
  pass "a draft incident for the demo component is on disk $(since "$stopped") s after the target stopped"
  file=$(draft_written)
  echo "---- $file"; sed -n '1,/^---$/{p}' "$file" | sed -n '1,20p'
else
  fail "no draft incident appeared"; show_logs
fi

echo "== 2. the target answers again"
start_target
restarted=$(now)
if wait_for 120 "the on_resolve update" resolve_written; then
  pass "the monitoring update was appended $(since "$restarted") s after the target came back"
else
  fail "no on_resolve update appeared"; show_logs
fi
sleep 3 # a group_interval and more: a resend must not append again
count=$(grep -shc 'status: monitoring' "$WORK"/site/incidents/*.md | paste -sd+ | bc)
[[ $count == 1 ]] && pass "the update is there once" || fail "the monitoring update is there $count times"
incidents=$(ls "$WORK"/site/incidents/*.md | wc -l)
[[ $incidents == 1 ]] && pass "one incident file" || fail "$incidents incident files, expected 1"

echo "== 3. the site checks, the receiver logged its decisions"
if "$SITREP" check --root "$WORK/site" >/dev/null; then pass "sitrep check passes"; else fail "sitrep check fails"; fi
grep -q 'rule 1 matched; wrote incidents/' "$WORK/receive.log" && pass "receive logged the new draft" || fail "no log line for the draft"
grep -q 'appended a `monitoring` update' "$WORK/receive.log" && pass "receive logged the update" || fail "no log line for the update"
status=$(python3 -c "
import urllib.request, urllib.error
req = urllib.request.Request('http://127.0.0.1:$RECEIVE_PORT/alertmanager', data=b'{}', headers={'Authorization': 'Bearer wrong'})
try: urllib.request.urlopen(req, timeout=2); print(200)
except urllib.error.HTTPError as e: print(e.code)")
[[ $status == 401 ]] && pass "a wrong token gets 401" || fail "a wrong token got $status"
echo "---- receive.log"; cat "$WORK/receive.log"

if (( failures > 0 )); then echo "ingest suite: $failures failure(s)"; exit 1; fi
echo "ingest suite: all passed"
