#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (once) and locate one of Debian's own stock kernels for the test VM:
# the kernel image, its modules and its headers, from Debian's archive, plus a
# small busybox initramfs that loads the 9p and virtio modules (the stock
# kernels have them as modules) and mounts the host's / as the guest's root the
# way scripts/guest/init.sh expects (scripts/helpers/vm.sh --stock).
#
# Usage: scripts/helpers/stock-kernel.sh [--dir] VERSION
#   VERSION  6.1   Debian 12's default kernel (linux-image-amd64)
#            6.12  the 6.12 kernel Debian 12 also packages (linux-image-6.12-amd64)
# Prints the directory on stdout, which holds:
#   vmlinuz      the kernel         initrd.img   the initramfs
#   kdir         its headers (for scripts/helpers/build-module.sh)
#   modules      its lib/modules directory (depmod run), which the initramfs
#                bind-mounts on the guest's /lib/modules so that modprobe works
#   release      the kernel release (uname -r)
# With --dir only prints the directory (fetched or not).
#
# The packages are downloaded with `apt-get download` and unpacked with
# `dpkg-deb -x` under ${NTEXEC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ntexec}/stock-<release>/,
# not installed: installing a linux-image package would register a kernel to
# boot on the host and pull in initramfs-tools and udev. What is unpacked is
# exactly Debian's: linux-image-<release>, linux-headers-<release> with its
# -common and linux-kbuild packages, and busybox-static. Needs network once
# (and `apt-get update` within the day, which this script runs as root).
set -eu

only_dir=0
if [ "${1:-}" = "--dir" ]; then
	only_dir=1
	shift
fi
[ $# -eq 1 ] || { sed -n '/^# Usage:/,/^# Prints/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
case "$1" in
6.1) meta=linux-image-amd64 ;;
6.12) meta=linux-image-6.12-amd64 ;;
*) echo "ntexec: no stock kernel '$1' (6.1 or 6.12)" >&2; exit 2 ;;
esac
cache=${NTEXEC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ntexec}

# A package list older than a day (or none) is refreshed first, as deps.sh does.
if [ "$(id -u)" -eq 0 ] &&
	[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
	apt-get update -q >&2
fi

# The first package a package depends on whose name matches a pattern.
dep() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n "s/^ *|\{0,1\}Depends: \($2\)\$/\1/p" | head -n 1
}
image=$(dep "$meta" 'linux-image-[0-9][^ ]*')
[ -n "$image" ] || { echo "ntexec: apt knows no $meta (apt-get update?)" >&2; exit 1; }
release=${image#linux-image-}
dir="$cache/stock-$release"
if [ "$only_dir" = 1 ]; then
	echo "$dir"
	exit 0
fi
if [ -f "$dir/.ntexec-ready" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.stock.lock"
flock 9
[ -f "$dir/.ntexec-ready" ] && { echo "$dir"; exit 0; }

headers=linux-headers-$release
common=$(dep "$headers" 'linux-headers-[^ ]*-common')
kbuild=$(dep "$headers" 'linux-kbuild-[^ ]*')
[ -n "$common" ] && [ -n "$kbuild" ] ||
	{ echo "ntexec: cannot resolve what $headers depends on" >&2; exit 1; }

echo "ntexec: fetching Debian's $release kernel into $dir" >&2
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/debs" "$dir.tmp/root"
(cd "$dir.tmp/debs" && apt-get download -q "$image" "$headers" "$common" "$kbuild" busybox-static >&2)
for d in "$dir.tmp"/debs/*.deb; do
	dpkg-deb -x "$d" "$dir.tmp/root"
done
rm -rf "$dir.tmp/debs"
r=$dir.tmp/root
[ -f "$r/boot/vmlinuz-$release" ] && [ -d "$r/lib/modules/$release" ] &&
	[ -f "$r/usr/src/linux-headers-$release/Makefile" ] ||
	{ echo "ntexec: $image or $headers did not unpack as expected" >&2; exit 1; }
# The headers' Makefile includes the -common package's by its absolute path.
sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" "$r/usr/src/linux-headers-$release/Makefile"
# build and source point at the host's /usr/src: at the unpacked headers instead.
ln -sfn "../../../usr/src/linux-headers-$release" "$r/lib/modules/$release/build"
rm -f "$r/lib/modules/$release/source"
# Debian's postinst runs depmod; the packages ship no modules.dep.
depmod -b "$r" "$release"

# The initramfs: busybox, the modules that reach the 9p root (in load order,
# uncompressed: busybox's insmod takes plain .ko), and init.
ir=$dir.tmp/initramfs
mkdir -p "$ir/bin" "$ir/mods" "$ir/dev" "$ir/proc" "$ir/sys" "$ir/newroot"
cp "$r/bin/busybox" "$ir/bin/busybox"
ln -s busybox "$ir/bin/sh"
moddir=$r/lib/modules/$release
: >"$ir/mods/order"
# modules.dep: "path: dep1 dep2 ..." where each dep's own deps follow it;
# loading in reverse of a depth-first walk puts every dependency first.
want="9p 9pnet_virtio virtio_pci"
seen=" "
walk() {
	# $1: a module's path relative to $moddir
	case "$seen" in *" $1 "*) return 0 ;; esac
	seen="$seen$1 "
	for d in $(sed -n "s|^$1: *||p" "$moddir/modules.dep"); do
		walk "$d"
	done
	n=$(basename "$1")
	n=${n%.xz}
	n=${n%.zst}
	n=${n%.gz}
	case "$1" in
	*.xz) xz -dc "$moddir/$1" >"$ir/mods/$n" ;;
	*.zst) zstd -qdc "$moddir/$1" >"$ir/mods/$n" ;;
	*.gz) gzip -dc "$moddir/$1" >"$ir/mods/$n" ;;
	*) cp "$moddir/$1" "$ir/mods/$n" ;;
	esac
	echo "$n" >>"$ir/mods/order"
}
for m in $want; do
	p=$(grep -E "(^|/)$m\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | cut -d: -f1 | head -n 1)
	if [ -z "$p" ]; then
		# Built in (modules.builtin), nothing to load.
		grep -qE "/$m\.ko\$" "$moddir/modules.builtin" ||
			{ echo "ntexec: $release has no module $m" >&2; exit 1; }
		continue
	fi
	walk "$p"
done
cat >"$ir/init" <<'EOF'
#!/bin/sh
# PID 1 of scripts/helpers/stock-kernel.sh's initramfs: load the modules that
# reach the 9p root, mount it as the kernel command line says (root=,
# rootflags=, ntexec_modules=: the unpacked lib/modules on the host), hand
# over to init=.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods/order); do
	insmod "/mods/$m" || echo "initramfs: insmod $m failed"
done
root=/dev/root rootflags= init=/sbin/init mods=
for a in $(cat /proc/cmdline); do
	case "$a" in
	root=*) root=${a#root=} ;;
	rootflags=*) rootflags=${a#rootflags=} ;;
	init=*) init=${a#init=} ;;
	ntexec_modules=*) mods=${a#ntexec_modules=} ;;
	esac
done
# virtio devices probe asynchronously: the 9p tag appears within moments.
i=0
until mount -t 9p -o "ro,$rootflags" "$root" /newroot 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "initramfs: cannot mount $root"; echo b >/proc/sysrq-trigger; }
	sleep 0.1
done
[ -z "$mods" ] || mount --bind "/newroot$mods" /newroot/lib/modules ||
	echo "initramfs: cannot bind $mods on /lib/modules"
umount /sys
umount /proc
mount --move /dev /newroot/dev
exec switch_root /newroot "$init"
EOF
chmod +x "$ir/init"
(cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$dir.tmp/initrd.img"
rm -rf "$ir"

ln -s "root/boot/vmlinuz-$release" "$dir.tmp/vmlinuz"
ln -s "root/usr/src/linux-headers-$release" "$dir.tmp/kdir"
ln -s "root/lib/modules" "$dir.tmp/modules"
echo "$release" >"$dir.tmp/release"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
touch "$dir/.ntexec-ready"
echo "$dir"
