#!/bin/sh
# browser-test.sh: the browser tests of the labpass web app.
# Starts its own labpassd (127.0.0.1, a free port, a fresh temporary database
# with --demo) and stops it at the end; drives Debian's chromium through
# playwright-core (installed from package-lock.json with npm ci when
# node_modules is missing); writes screenshots to build/screenshots/ and
# "browser PASSED FAILED" to build/results-browser. Ends with the line
# "N passed, N failed"; exits non-zero when anything failed.
# Environment: LABPASS_BIN (default bin), CHROMIUM (default /usr/bin/chromium).
set -u
cd "$(dirname "$0")/.."
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
[ -x "$chromium" ] || fail "$chromium is missing: apt-get install -y chromium"
if [ ! -d node_modules/playwright-core ]; then
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
LABPASS_URL=$url CHROMIUM=$chromium SCREENSHOTS=$shots timeout 240 node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tmp/tap" \
  tests/browser/*.test.mjs
rc=$?
took=$(( $(date +%s) - start ))
p=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$tmp/tap" | tail -n 1)
f=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$tmp/tap" | tail -n 1)
p=${p:-0}
f=${f:-0}
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or timed out
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; fi    # ran nothing
echo "browser $p $f" > "$results"
echo "browser tests took ${took}s; screenshots in $shots/"
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
