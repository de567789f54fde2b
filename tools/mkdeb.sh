#!/bin/sh
# mkdeb.sh BIN OBJ: builds build/labpass_VERSION_ARCH.deb from the programs in
# BIN with dpkg-deb: `make install DESTDIR=... PREFIX=/usr` into a staging
# root, stripped programs, Depends from the libraries they link
# (dpkg-shlibdeps) plus what they load or use at run time, the settings file
# as a conffile, and the maintainer scripts of packaging/debian.
set -eu
bin=${1:-bin}
obj=${2:-build/obj}
version=$(sed -n 's/.*LP_VERSION "\(.*\)".*/\1/p' core/version.h)
arch=$(dpkg --print-architecture)
work=build/deb
root=$work/root
rm -rf "$work"
mkdir -p "$root" "$work/debian"
make --no-print-directory install DESTDIR="$(pwd)/$root" PREFIX=/usr BIN="$bin" B="$obj" > "$work/install.log"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
  "$root/usr/sbin/labpassd" "$root/usr/sbin/labpass-door" "$root/usr/bin/labpassctl"
# dpkg-shlibdeps reads debian/control of the folder it runs in.
printf 'Source: labpass\n\nPackage: labpass\nArchitecture: any\n' > "$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O root/usr/sbin/labpassd root/usr/sbin/labpass-door root/usr/bin/labpassctl \
         2> shlibdeps.log | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { cat "$work/shlibdeps.log" >&2; echo "mkdeb: dpkg-shlibdeps found nothing" >&2; exit 1; }
# libcurl is loaded with dlopen by the door's network helper; time zones and
# the invoice font are read at run time; the users are made with adduser.
depends="$shlibs"
case "$depends" in *libcurl4*) ;; *) depends="$depends, libcurl4" ;; esac
depends="$depends, tzdata, fonts-dejavu-core, adduser"
mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: labpass
Version: $version
Architecture: $arch
Maintainer: labpass developers <dev@labpass.example>
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Description: booking, billing and lab access for shared research facilities
 labpass books shared labs and equipment by the hour without double bookings,
 bills them (UBL e-invoices), checks safety trainings, and issues signed passes
 that NFC door controllers verify offline. One server (labpassd, SQLite
 embedded), a command line (labpassctl) and the door controller
 (labpass-door), with systemd units, a nightly backup timer and man pages.
CONTROL
echo /etc/labpass/labpassd.conf > "$root/DEBIAN/conffiles"
install -m 755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) \
  > "$root/DEBIAN/md5sums"
out=build/labpass_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" > /dev/null
echo "built $out ($(du -k "$out" | cut -f1) KiB, installed $size KiB)"
echo "Depends: $depends"
