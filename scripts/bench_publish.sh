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
TIME=(); [[ -x /usr/bin/time ]] && TIME=(/usr/bin/time -f "%e s, %M kB peak" -o "$WORK/time")

timed() { # LABEL COMMAND… → prints wall seconds; output of the command in $WORK/last
  local start end
  start=$(date +%s%N)
  "${TIME[@]}" "$@" >"$WORK/last" 2>&1 || { cat "$WORK/last"; exit 1; }
  end=$(date +%s%N)
  awk "BEGIN{printf \"%.3f\", ($end - $start) / 1e9}"
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
peak() { [[ -f $WORK/time ]] && sed 's/.*, //' "$WORK/time" || echo "peak n/a"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "site: $COUNT incidents"
t=$(timed "$SITREP" publish --root "$SITE")
echo "full first publish: $t s, $(grep -o '[0-9]* uploaded' "$WORK/last") ($(grep -o '[0-9.]* [kM]B in' "$WORK/last" | sed 's/ in//')), $(peak)"

slug=$(basename "$(find "$SITE/incidents" -name '*.md' | sort | sed -n "$((COUNT / 2))p")" .md)
updates=(); builds=(); sent=""
for run in $(seq "$RUNS"); do
  updates+=("$(timed "$SITREP" update "$slug" --root "$SITE" --status monitoring -m "Bench update $run." --publish)")
  sent=$(grep -o '[0-9]* uploaded, [0-9]* deleted' "$WORK/last"); upeak=$(peak)
  builds+=("$(timed "$SITREP" build --root "$SITE" --output "$WORK/floor")")
done
u=$(echo "${updates[*]}" | median); b=$(echo "${builds[*]}" | median)
echo "update --publish (median of $RUNS): $u s end to end, $sent per update, $upeak"
echo "build alone, the floor (median of $RUNS): $b s; ratio update+publish / build: $(awk "BEGIN{printf \"%.2f\", $u / $b}")"
echo "all update runs: ${updates[*]}"
