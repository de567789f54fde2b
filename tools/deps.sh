#!/bin/sh
# deps.sh: makes sure the Debian packages labpass needs are installed.
# As root it installs what is missing with apt-get; otherwise it prints the
# exact apt-get line and fails. Usage: tools/deps.sh [run|test|bench]
set -eu
what=${1:-run}
pkgs="build-essential pkg-config tzdata sqlite3 libsqlite3-dev libmicrohttpd-dev libsodium-dev
libjansson-dev libcurl4-openssl-dev libcbor-dev libfido2-dev libical-dev libxml2-dev libinih-dev libgpiod-dev
libnfc-dev libnfc-bin libssl-dev libcairo2-dev libsystemd-dev libjose-dev fonts-dejavu-core"
case "$what" in
  test) pkgs="$pkgs libcmocka-dev libfreefare-dev python3-aiosmtpd openssl libclang-rt-14-dev clang libxml2-utils python3-jsonschema systemd default-jre-headless libsaxonhe-java chromium fonts-liberation poppler-utils"
        command -v npm > /dev/null 2>&1 || pkgs="$pkgs nodejs npm" ;;
  bench) pkgs="$pkgs wrk clang libclang-rt-14-dev" ;;
esac
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
else
  echo "deps: missing Debian packages. Run as root:" >&2
  echo "  apt-get install -y$missing" >&2
  exit 1
fi
