#!/usr/bin/env bash
# Publish speed on a generated 10,000-incident site, against a local s3s-fs server:
#   - a full first publish (every file sent)
#   - `sitrep update SLUG … --publish` on the published site: what an author waits for during
#     an incident (append the update, build, send what changed), end to end
#   - `sitrep build` of the same site alone, the floor the update cannot go below
# Release binary, output on disk, wall time and peak memory (GNU time when installed).
# Medians of RUNS runs (default 5). Run it by hand, not in CI (the machine is shared):
#
#   usage: scripts/bench_publish.sh PATH/TO/release/sitrep PATH/TO/s3s-fs [INCIDENTS]
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 PATH/TO/sitrep PATH/TO/s3s-fs [INCIDENTS]" >&2; exit 2; }
SITREP=$(realpath "$1"); S3S=$(realpath "$2"); COUNT=${3:-10000}; RUNS=${RUNS:-5}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=$PWD/target/bench-publish
rm -rf "$WORK"; mkdir -p "$WORK/data/status"
export AWS_ACCESS_KEY_ID=AKBENCH AWS_SECRET_ACCESS_KEY=SKBENCH-secret-key NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
unset SOURCE_DATE_EPOCH
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$S3S" --host 127.0.0.1 --port "$PORT" --access-key "$AWS_ACCESS_KEY_ID" --secret-key "$AWS_SECRET_ACCESS_KEY" \
  "$WORK/data" >"$WORK/s3s-fs.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
sleep 1
SITE=$WORK/site
python3 scripts/generate_site.py "$SITE" "$COUNT" "  - s3: { bucket: status, endpoint: \"http://127.0.0.1:$PORT\", region: auto }"
# SEARCH=false measures the same without the search index (docs/search.md).
[[ ${SEARCH:-true} == false ]] && echo "search: false" >>"$SITE/site.yaml"
TIME=(); [[ -x /usr/bin/time ]] && TIME=(/usr/bin/time -f "%U %S %M" -o "$WORK/time")

timed() { # LABEL COMMAND… → prints wall seconds; output of the command in $WORK/last
  local start end
  start=$(date +%s%N)
  "${TIME[@]}" "$@" >"$WORK/last" 2>&1 || { cat "$WORK/last"; exit 1; }
  end=$(date +%s%N)
  awk "BEGIN{printf \"%.3f\", ($end - $start) / 1e9}"
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
# CPU seconds (user + system) and peak memory of the last command: on a shared machine the
# wall time also holds the wait for a core, so both are reported.
cpu() { [[ -f $WORK/time ]] && awk '{printf "%.2f", $1 + $2}' "$WORK/time" || echo "n/a"; }
peak() { [[ -f $WORK/time ]] && awk '{printf "%d MB peak", $3 / 1024}' "$WORK/time" || echo "peak n/a"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "site: $COUNT incidents"
t=$(timed "$SITREP" publish --root "$SITE")
echo "full first publish: $t s wall, $(cpu) s CPU, $(grep -o '[0-9]* uploaded' "$WORK/last") ($(grep -o '[0-9.]* [kM]B in' "$WORK/last" | sed 's/ in//')), $(peak)"

# As during an outage: an incident is opened now, then updated.
"$SITREP" new "Bench outage" --root "$SITE" --component srv3=major_outage --publish >"$WORK/last" 2>&1
slug=$(basename "$(head -1 "$WORK/last")" .md)
updates=(); ucpu=(); builds=(); bcpu=(); sent=""
statuses=(identified monitoring identified monitoring identified monitoring identified)
for run in $(seq "$RUNS"); do
  updates+=("$(timed "$SITREP" update "$slug" --root "$SITE" --status "${statuses[$((run % 7))]}" -m "Bench update $run." --publish)")
  ucpu+=("$(cpu)"); sent=$(grep -o '[0-9]* uploaded, [0-9]* deleted' "$WORK/last"); upeak=$(peak)
  builds+=("$(timed "$SITREP" build --root "$SITE" --output "$WORK/floor")"); bcpu+=("$(cpu)")
done
u=$(echo "${updates[*]}" | median); b=$(echo "${builds[*]}" | median)
uc=$(echo "${ucpu[*]}" | median); bc=$(echo "${bcpu[*]}" | median)
echo "update --publish (median of $RUNS): $u s wall, $uc s CPU; $sent per update; $upeak"
echo "build alone, the floor (median of $RUNS): $b s wall, $bc s CPU"
echo "ratio update+publish / build: $(awk "BEGIN{printf \"%.2f\", $u / $b}") wall, $(awk "BEGIN{printf \"%.2f\", $uc / $bc}") CPU"
echo "all update runs (wall): ${updates[*]}"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"
