#!/bin/bash
# package-test.sh: the Debian package on a fresh Debian 12 root. Builds a
# minimal root with mmdebstrap, installs build/labpass_*.deb there with apt
# (which must pull every library through Depends), checks what the
# maintainer scripts made (users, folders, the database), starts labpassd
# from the package as the labpass user on 127.0.0.1 and signs in, then
# removes and purges the package and checks what is left. Prints the
# installed size, labpassd's idle memory and its time from start to serving.
# Needs root and the Debian archive. Usage: tools/package-test.sh [DEB]
set -euo pipefail
deb=${1:-$(ls -t build/labpass_*.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || { echo "package-test: no package; run make deb" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "package-test: run as root (it builds a root file system)" >&2; exit 1; }
command -v mmdebstrap > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap > /dev/null
root=$(mktemp -d /var/tmp/labpass-pkgtest.XXXXXX)
trap 'umount "$root/dev/pts" "$root/proc" 2> /dev/null || true; [ -n "${KEEP_ROOT:-}" ] || rm -rf "$root"' EXIT
echo "package-test: minimal Debian 12 root"
mmdebstrap --quiet --variant=apt bookworm "$root" > "$root.log" 2>&1 || { cat "$root.log" >&2; exit 1; }
rm -f "$root.log"
cp "$deb" "$root/tmp/labpass.deb"
mount -t proc proc "$root/proc"
mount -t devpts devpts "$root/dev/pts" 2> /dev/null || true
in_root() { chroot "$root" /bin/bash -euo pipefail -c "$1"; }
echo "package-test: apt install ./$(basename "$deb")"
in_root 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y /tmp/labpass.deb > /tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }'
in_root '
  fail() { echo "package-test: $*" >&2; exit 1; }
  id labpass > /dev/null || fail "no labpass user"
  id labpass-door > /dev/null || fail "no labpass-door user"
  [ "$(stat -c %U:%a /var/lib/labpass)" = labpass:750 ] || fail "/var/lib/labpass: $(stat -c %U:%a /var/lib/labpass)"
  [ "$(stat -c %U /var/backups/labpass)" = labpass ] || fail "no backup folder"
  [ -s /var/lib/labpass/labpass.db ] || fail "no database"
  [ "$(stat -c %G:%a /etc/labpass/labpassd.conf)" = labpass:640 ] || fail "settings file rights"
  for f in /usr/sbin/labpassd /usr/sbin/labpass-door /usr/bin/labpassctl /usr/share/labpass/web/index.html \
           /usr/lib/systemd/system/labpassd.service /usr/lib/systemd/system/labpass-door@.service \
           /usr/share/man/man8/labpassd.8.gz /usr/share/man/man1/labpassctl.1.gz; do
    [ -e "$f" ] || fail "missing $f"
  done
  /usr/sbin/labpassd --check-config > /dev/null || fail "check-config"
  labpass-door --help > /dev/null || fail "labpass-door does not run"
  echo "labpass-staff-pkg" | runuser -u labpass -- labpassctl --db /var/lib/labpass/labpass.db user add \
    --email staff@pkg.example --name "Package Test" --staff > /dev/null || fail "user add"
  t0=$(date +%s%N)
  setpriv --reuid=labpass --regid=labpass --init-groups /usr/sbin/labpassd --listen 127.0.0.1:18480 \
    > /tmp/labpassd.log 2>&1 &
  pid=$!
  ready=""
  for i in $(seq 1 500); do
    if { exec 3<> /dev/tcp/127.0.0.1/18480; } 2> /dev/null; then
      printf "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" >&3
      head -1 <&3 | grep -q " 200 " && ready=$(( ($(date +%s%N) - t0) / 1000000 ))
      exec 3>&-
      [ -n "$ready" ] && break
    fi
    sleep 0.02
  done
  [ -n "$ready" ] || { cat /tmp/labpassd.log; fail "labpassd did not serve"; }
  body="{\"email\":\"staff@pkg.example\",\"password\":\"labpass-staff-pkg\"}"
  exec 3<> /dev/tcp/127.0.0.1/18480
  printf "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" "${#body}" "$body" >&3
  head -1 <&3 | grep -q " 200 " || fail "sign-in refused"
  exec 3>&-
  sleep 2
  rss=$(awk "/VmRSS/ {print \$2}" /proc/$pid/status)
  kill $pid; wait $pid || true
  echo "package-test: labpassd served in ${ready} ms after start; idle resident memory ${rss} KiB"
  echo "package-test: installed size $(dpkg-query -W -f="\${Installed-Size}" labpass) KiB"
'
echo "package-test: remove, then purge"
in_root '
  fail() { echo "package-test: $*" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq labpass > /dev/null
  [ ! -e /usr/sbin/labpassd ] || fail "programs left after remove"
  [ -e /etc/labpass/labpassd.conf ] || fail "remove took the settings"
  [ -s /var/lib/labpass/labpass.db ] || fail "remove took the database"
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq labpass > /dev/null
  [ ! -e /etc/labpass ] || fail "settings left after purge"
  [ -z "$(dpkg-query -W -f="\${Status}" labpass 2> /dev/null | grep installed || true)" ] || fail "still installed"
  left=$(find / -xdev \( -path /proc -o -path /var/lib/labpass -o -path /var/backups/labpass -o -path /var/lib/dpkg -o -path /var/cache -o -path /var/log -o -path /tmp \) -prune -o -name "*labpass*" -print)
  [ -z "$left" ] || fail "left behind: $left"
  [ -s /var/lib/labpass/labpass.db ] || fail "purge took the database"
'
echo "package-test: passed"
