#!/usr/bin/env bash
# Publish suite: `sitrep publish` against a real S3 server (s3s-fs), read back with boto3.
#
#   usage: tests/publish/run.sh PATH/TO/sitrep PATH/TO/s3s-fs
#
#   1. publish, update, delete: the bucket holds exactly the built site, headers right,
#      no stale file, the manifest matching (check_s3.py exact)
#   2. two publishers at once: one wins, the other is told to run publish again, and the
#      bucket is always one whole site
#   3. an 18 % lossy link: s3s-fs in a network namespace behind a veth pair whose input
#      chain drops 18 % of packets (nftables); a full publish and an update complete
#   4. kills at random moments (SIGKILL and SIGINT) over that link: after each, every link
#      a reader can follow leads somewhere; the next publish finishes the job
# Sections 3 and 4 need root (ip netns, nft); without it they are skipped, saying so.
# Everything it writes lives under target/publish-suite/. Exits non-zero on any failure.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 PATH/TO/sitrep PATH/TO/s3s-fs" >&2; exit 2; }
SITREP=$(realpath "$1")
S3S=$(realpath "$2")
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
WORK=$ROOT/target/publish-suite
VENV=$WORK/venv
CHECK="$VENV/bin/python $ROOT/tests/publish/check_s3.py"
KILL_ROUNDS=${KILL_ROUNDS:-8}
LOSSY_INCIDENTS=${LOSSY_INCIDENTS:-300}
export AWS_ACCESS_KEY_ID=AKSUITE AWS_SECRET_ACCESS_KEY=SKSUITE-secret-key
export NO_PROXY=127.0.0.1,localhost,169.254.18.2 no_proxy=127.0.0.1,localhost,169.254.18.2
unset SOURCE_DATE_EPOCH
failures=0
PIDS=()
# The lossy link joins two namespaces of our own, neither of them the machine's: whatever rules
# the machine has for its own traffic (a firewall, a proxy, a route for link-local addresses)
# cannot touch it. sitrep and boto3 run in the client's, s3s-fs in the server's.
NS=sitrep-lossy-$$ NS_CLIENT=sitrep-client-$$
VETH_CLIENT=slc$$ VETH_NS=sln$$

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for ns in "$NS" "$NS_CLIENT"; do
    if ip netns list 2>/dev/null | grep -qw "$ns"; then
      ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}
trap cleanup EXIT

fail() { echo "  FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "  ok: $*"; }
free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # HOST PORT [NETNS]
  for _ in $(seq 100); do
    if ${3:+ip netns exec $3} "$VENV/bin/python" -c "import socket,sys; socket.create_connection(('$1',$2),1)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "s3s-fs did not start on $1:$2" >&2; return 1
}
# What a failure needs to be understood: is the server alive, what did it say, can the client
# reach it at all.
explain_server() { # DATA HOST PORT
  echo "  --- s3s-fs ($(kill -0 "${PIDS[-1]}" 2>/dev/null && echo running || echo 'not running')), last lines of $1.log:"
  tail -n 20 "$1.log" | sed 's/^/  | /'
  echo "  --- from the client's namespace:"
  on_client "$VENV/bin/python" -c "import socket; socket.create_connection(('$2',$3),3); print('  connects to $2:$3')" 2>&1 \
    | tail -n 1 | sed 's/^/  | /'
  on_client ip -brief addr | sed 's/^/  | /'
}

# ---- tools: boto3 in a venv (pinned: a new release must not change what "right" means)
mkdir -p "$WORK"
if ! "$VENV/bin/python" -c 'import boto3' 2>/dev/null; then
  echo "tools: installing boto3 into $VENV"
  python3 -m venv "$VENV"
  # 1.35: the last release before default request checksums, which not every S3-compatible
  # server accepts; sitrep's own requests do not depend on it.
  "$VENV/bin/pip" install -q boto3==1.35.99
fi

# A fresh copy of the example site (this repository's root) with an S3 target at $1.
example_site() { # DIR ENDPOINT
  rm -rf "$1"; mkdir -p "$1"
  cp -r "$ROOT/site.yaml" "$ROOT/incidents" "$1/"
  printf '\npublish:\n  - s3: { bucket: status, endpoint: "%s", region: auto }\n' "$2" >>"$1/site.yaml"
}

start_s3() { # DATA HOST PORT [NETNS]
  rm -rf "$1"; mkdir -p "$1/status"
  ${4:+ip netns exec $4} "$S3S" --host "$2" --port "$3" --access-key "$AWS_ACCESS_KEY_ID" \
    --secret-key "$AWS_SECRET_ACCESS_KEY" "$1" >"$1.log" 2>&1 &
  PIDS+=($!)
  wait_port "$2" "$3" "${4:-}"
}

# ---- 1. publish, update, delete --------------------------------------------------
echo "== 1. publish, update and delete against s3s-fs"
PORT=$(free_port); EP=http://127.0.0.1:$PORT
start_s3 "$WORK/data1" 127.0.0.1 "$PORT"
SITE=$WORK/site1
example_site "$SITE" "$EP"
"$SITREP" publish --root "$SITE" >"$WORK/out1" 2>&1 || { cat "$WORK/out1"; fail "first publish"; }
$CHECK exact "$EP" status "$SITE/public" && pass "first publish: the bucket is the site" || fail "first publish read back"
slug=$(basename "$(ls "$SITE"/incidents/2026/*.md | head -1)" .md)
"$SITREP" update "$slug" --root "$SITE" --status monitoring -m "Watching it." --publish >"$WORK/out2" 2>&1 \
  || { cat "$WORK/out2"; fail "update --publish"; }
# Only what changed is sent (pages listing the incident, feeds, api/, the search index).
sent=$(grep -oE '[0-9]+ uploaded' "$WORK/out2" | cut -d' ' -f1)
total=$(find "$SITE/public" -type f | wc -l)
[[ -n $sent && $sent -gt 0 && $sent -lt $((total / 2)) ]] \
  && pass "update --publish: $(grep -oE '[0-9]+ uploaded, [0-9]+ deleted' "$WORK/out2") of $total files" \
  || fail "update --publish output: $(cat "$WORK/out2")"
$CHECK exact "$EP" status "$SITE/public" && pass "after the update" || fail "after the update"
rm "$SITE/incidents/2014/"*switch*.md
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)   # the same "now" for the publish and the dry run after it
"$SITREP" publish --root "$SITE" --now "$NOW" >"$WORK/out3" 2>&1 || { cat "$WORK/out3"; fail "publish after a removal"; }
$CHECK exact "$EP" status "$SITE/public" && pass "a removed incident's files are deleted" || fail "after a removal"
"$SITREP" publish --root "$SITE" --now "$NOW" --dry-run >"$WORK/out4" 2>&1
grep -q "0 to send (0 B), 0 to delete" "$WORK/out4" && pass "nothing changed, nothing to send" || fail "dry run: $(cat "$WORK/out4")"

# ---- 2. two publishers at once ----------------------------------------------------
echo "== 2. two publishers at once"
SITE_B=$WORK/site1b
example_site "$SITE_B" "$EP"
"$SITREP" new "Publisher B's incident" --root "$SITE_B" --component web=major_outage >/dev/null 2>&1 \
  || "$SITREP" new "Publisher B's incident" --root "$SITE_B" --component www=major_outage >/dev/null
for round in 1 2 3 4; do
  "$SITREP" update "$slug" --root "$SITE" --status monitoring -m "A, round $round." >/dev/null
  "$SITREP" update "$(basename "$(ls -t "$SITE_B"/incidents/*.md | head -1)" .md)" --root "$SITE_B" \
    --status identified -m "B, round $round." >/dev/null
  "$SITREP" publish --root "$SITE" >"$WORK/race-a" 2>&1 & a=$!
  "$SITREP" publish --root "$SITE_B" >"$WORK/race-b" 2>&1 & b=$!
  ra=0; rb=0; wait $a || ra=$?; wait $b || rb=$?
  lost=$(cat "$WORK/race-a" "$WORK/race-b" | grep -cE "someone published at|under way since" || true)
  if [[ $ra -eq 0 && $rb -eq 0 ]]; then winner="both, one after the other"
  elif [[ $ra -ne 0 && $rb -ne 0 ]]; then fail "round $round: both publishers failed"; cat "$WORK/race-a" "$WORK/race-b"; continue
  elif [[ $lost -ne 1 ]]; then fail "round $round: the loser was not told why"; cat "$WORK/race-a" "$WORK/race-b"; continue
  else winner=$([[ $ra -eq 0 ]] && echo A || echo B)
  fi
  # The bucket is one whole site: exactly the winner's (the last to finish, if both did).
  if $CHECK exact "$EP" status "$SITE/public" >/dev/null || $CHECK exact "$EP" status "$SITE_B/public" >/dev/null; then
    pass "round $round: won by $winner; the bucket is exactly one publisher's site"
  else
    fail "round $round: the bucket mixes the two sites"
  fi
done
grep -h "someone published at\|under way since" "$WORK/race-a" "$WORK/race-b" | head -1 | sed 's/^/  message: /' || true

# ---- 3 and 4 need a network namespace -----------------------------------------------
on_client() { ip netns exec "$NS_CLIENT" "$@"; }
if [[ $(id -u) -ne 0 ]] || ! command -v nft >/dev/null || ! ip netns add "$NS" 2>/dev/null \
  || ! ip netns add "$NS_CLIENT" 2>/dev/null; then
  echo "== 3, 4 skipped: need root, ip netns and nft (apt-get install nftables)"
else
  echo "== 3. an 18 % lossy link"
  ip link add "$VETH_CLIENT" type veth peer name "$VETH_NS"
  ip link set "$VETH_CLIENT" netns "$NS_CLIENT"
  ip link set "$VETH_NS" netns "$NS"
  # Link-local addresses on our own veth pair between our own namespaces.
  on_client ip addr add 169.254.18.1/30 dev "$VETH_CLIENT"
  on_client ip link set "$VETH_CLIENT" up
  on_client ip link set lo up
  ip netns exec "$NS" ip addr add 169.254.18.2/30 dev "$VETH_NS"
  ip netns exec "$NS" ip link set "$VETH_NS" up
  ip netns exec "$NS" ip link set lo up
  ip netns exec "$NS" nft -f - <<'NFT'
table inet lossy {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname != "lo" numgen random mod 100 < 18 counter drop
  }
}
NFT
  start_s3 "$WORK/data3" 169.254.18.2 9000 "$NS"
  EP=http://169.254.18.2:9000
  SITE=$WORK/site3
  rm -rf "$SITE"
  "$VENV/bin/python" "$ROOT/scripts/generate_site.py" "$SITE" "$LOSSY_INCIDENTS" \
    "  - s3: { bucket: status, endpoint: \"$EP\", region: auto }"
  start=$(date +%s.%N)
  if on_client "$SITREP" publish --root "$SITE" >"$WORK/lossy1" 2>&1; then
    pass "full publish of $(find "$SITE/public" -type f | wc -l) files over the lossy link in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}") s: $(grep -o '[0-9]* requests retried' "$WORK/lossy1" || echo 'no request retried')"
  else
    cat "$WORK/lossy1"; explain_server "$WORK/data3" 169.254.18.2 9000; fail "full publish over the lossy link"
  fi
  on_client $CHECK exact "$EP" status "$SITE/public" && pass "read back over the lossy link: complete" || fail "lossy read back"
  echo "  dropped by the link so far: $(ip netns exec "$NS" nft list chain inet lossy input | grep -o 'packets [0-9]*')"

  echo "== 4. publishes killed at random moments ($KILL_ROUNDS rounds)"
  slug=$(basename "$(ls "$SITE"/incidents/2025/*.md | head -1)" .md)
  # How long one update's publish takes here, to aim the kills inside it.
  "$SITREP" update "$slug" --root "$SITE" --status monitoring -m "Timing run." >/dev/null
  start=$(date +%s%N)
  on_client "$SITREP" publish --root "$SITE" >/dev/null 2>&1 || true
  span=$(( ($(date +%s%N) - start) / 1000000 + 200 ))
  echo "  an update's publish takes about $span ms here"
  previous=""
  for round in $(seq "$KILL_ROUNDS"); do
    [[ -n $previous ]] && rm -f "$previous"
    previous=$("$SITREP" new "Killed round $round" --root "$SITE" --component srv1=major_outage 2>/dev/null | tail -1)
    previous=$SITE/$previous
    "$SITREP" update "$slug" --root "$SITE" --status monitoring -m "Round $round." >/dev/null
    delay=$(( RANDOM % span ))
    signal=$([[ $((round % 2)) -eq 0 ]] && echo INT || echo KILL)
    # ip netns exec execs sitrep in place, so $p is sitrep itself and the signal reaches it.
    ip netns exec "$NS_CLIENT" "$SITREP" publish --root "$SITE" >"$WORK/kill-$round" 2>&1 & p=$!
    sleep "$(printf '0.%03d' "$delay")"
    kill -s "$signal" "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    if on_client $CHECK consistent "$EP" status >"$WORK/consistent-$round" 2>&1; then
      pass "round $round: SIG$signal after $delay ms; the live site is whole ($(grep -o '[0-9]* links checked' "$WORK/consistent-$round"))"
    else
      cat "$WORK/consistent-$round"; fail "round $round: broken links after SIG$signal at $delay ms"
    fi
  done
  on_client "$SITREP" publish --root "$SITE" >"$WORK/kill-final" 2>&1 || { cat "$WORK/kill-final"; fail "the publish after the kills"; }
  on_client $CHECK exact "$EP" status "$SITE/public" && pass "the next publish finished the job: the bucket is exactly the site" \
    || fail "after the kills"
fi

echo "publish suite: $failures failure(s)"
[[ $failures -eq 0 ]]
