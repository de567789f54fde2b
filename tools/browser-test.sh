#!/bin/sh
# browser-test.sh: the browser tests of the labpass web app.
# Starts its own labpassd (127.0.0.1, a free port, a fresh temporary database
# with --demo) on the injected clock (tests/clock.sh: LABPASS_TEST_DATE, a
# fixed default) and stops it at the end; the pages run at the same instant
# (Playwright's clock). Drives Debian's chromium through
# playwright-core (installed from package-lock.json with npm ci when
# node_modules is missing); writes screenshots to build/screenshots/ and
# "browser PASSED FAILED" to build/results-browser. Ends with the line
# "N passed, N failed"; exits non-zero when anything failed.
# Environment: LABPASS_BIN (default bin), CHROMIUM (default /usr/bin/chromium).
set -u
cd "$(dirname "$0")/.."
. tests/clock.sh
bin=${LABPASS_BIN:-bin}
chromium=${CHROMIUM:-/usr/bin/chromium}
shots=build/screenshots
results=build/results-browser
mkdir -p build "$shots"

fail() {
  echo "browser-test: $*" >&2
  echo "browser 0 1" > "$results"
  echo "0 passed, 1 failed"
  exit 1
}

[ -x "$bin/labpassd" ] || fail "$bin/labpassd is missing: build it first (make all)"
command -v node > /dev/null 2>&1 || fail "node is missing: apt-get install -y nodejs npm"
# playwright-core (package.json) is pinned to a release that runs on Debian 12's Node.js 18.
# axe-core (package.json) checks every page for accessibility problems (a11y.test.mjs).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2> /dev/null || echo 0)
[ "$node_major" -ge 18 ] 2> /dev/null || fail "Node.js $(node --version 2>&1) is too old: the browser tests need 18 or newer"
[ -x "$chromium" ] || fail "$chromium is missing: apt-get install -y chromium"
if [ ! -d node_modules/playwright-core ] || [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -d node_modules/oidc-provider ]; then
  command -v npm > /dev/null 2>&1 || fail "npm is missing: apt-get install -y npm"
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/labpass-browser.XXXXXX") || fail "mktemp failed"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$bin/labpassd" --listen 127.0.0.1:0 --db "$tmp/labpass.db" --demo --web web --log-level warn \
  > "$tmp/labpassd.out" 2> "$tmp/labpassd.err" &
pid=$!
url=""
i=0
while [ $i -lt 100 ]; do
  url=$(sed -n 's/^labpassd listening on //p' "$tmp/labpassd.out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
  i=$((i + 1))
done
[ -n "$url" ] || { cat "$tmp/labpassd.err" >&2; fail "labpassd did not start"; }

rm -f "$shots"/*.png
start=$(date +%s)
echo "browser tests: node $(node --version), playwright-core $(node -p 'require("playwright-core/package.json").version'), $("$chromium" --version 2> /dev/null), at $LABPASS_TEST_DATE"
# One file at a time, in name order (Node 18 has no --test-concurrency).
p=0
f=0
for file in ${BROWSER_TESTS:-tests/browser/*.test.mjs}; do   # BROWSER_TESTS: a chosen few
  LABPASS_URL=$url CHROMIUM=$chromium SCREENSHOTS=$shots timeout 480 node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tmp/tap" "$file"
  rc=$?
  fp=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$tmp/tap" | tail -n 1)
  ff=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$tmp/tap" | tail -n 1)
  fp=${fp:-0}
  ff=${ff:-0}
  if [ "$rc" -ne 0 ] && [ "$ff" -eq 0 ]; then ff=1; fi   # crashed or timed out
  if [ "$fp" -eq 0 ] && [ "$ff" -eq 0 ]; then ff=1; fi   # ran nothing
  if [ "$ff" -gt 0 ] && [ -s "$tmp/labpassd.err" ]; then   # what the server warned of, for the failure
    echo "labpassd's warnings so far (last 30 lines):"
    tail -n 30 "$tmp/labpassd.err" | sed 's/^/  | /'
  fi
  p=$((p + fp))
  f=$((f + ff))
done
took=$(( $(date +%s) - start ))
echo "browser $p $f" > "$results"
echo "browser tests took ${took}s; screenshots in $shots/"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
