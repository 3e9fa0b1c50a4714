#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ntexec under DKMS (dkms.conf).
#
#   dkms.sh install        copy the module sources to /usr/src/ntexec-VERSION,
#                          register them and build and install the module for
#                          every kernel whose headers are installed (root)
#   dkms.sh check KVER KDIR
#                          build with DKMS against the headers in KDIR (kernel
#                          release KVER) in a private DKMS tree: nothing is
#                          installed; any compiler warning fails
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

# The module's sources, as DKMS wants them: dkms.conf and Kbuild at the top.
copy_sources() {
	mkdir -p "$1"
	cp "$top/dkms.conf" "$top/Kbuild" "$1/"
	for d in ntexec ntob ntmm ntps uapi kunit; do
		mkdir -p "$1/$d"
		cp "$top/$d"/*.[chS] "$1/$d/" 2>/dev/null || true
	done
}

case "${1:-}" in
install)
	[ "$(id -u)" -eq 0 ] || { echo "dkms.sh install: run as root" >&2; exit 1; }
	command -v dkms >/dev/null || { echo "dkms.sh: install dkms (apt-get install dkms)" >&2; exit 1; }
	dkms remove -m ntexec -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "/usr/src/ntexec-$ver"
	copy_sources "/usr/src/ntexec-$ver"
	dkms add -m ntexec -v "$ver"
	n=0
	for b in /lib/modules/*/build; do
		[ -d "$b" ] || continue
		k=$(basename "$(dirname "$b")")
		dkms install -m ntexec -v "$ver" -k "$k"
		n=$((n + 1))
	done
	echo "ntexec $ver: installed for $n kernel(s); dkms status:"
	dkms status -m ntexec
	;;
check)
	kver=$2
	kdir=$3
	command -v dkms >/dev/null || { echo "dkms.sh: install dkms (apt-get install dkms)" >&2; exit 1; }
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	copy_sources "$tmp/src/ntexec-$ver"
	mkdir -p "$tmp/tree" "$tmp/install"
	opts="--dkmstree $tmp/tree --sourcetree $tmp/src --installtree $tmp/install"
	# shellcheck disable=SC2086
	dkms add -m ntexec -v "$ver" $opts >/dev/null
	# shellcheck disable=SC2086
	if ! dkms build -m ntexec -v "$ver" -k "$kver" --kernelsourcedir "$kdir" $opts \
		> "$tmp/out" 2>&1; then
		cat "$tmp/out"
		find "$tmp/tree" -name make.log -exec cat {} +
		exit 1
	fi
	log=$(find "$tmp/tree/ntexec/$ver" -name make.log | head -n 1)
	[ -n "$log" ] || { echo "dkms.sh: no make.log from DKMS" >&2; cat "$tmp/out"; exit 1; }
	if grep -E 'warning:|error:' "$log"; then
		echo "dkms.sh: the DKMS build against $kver has warnings" >&2
		exit 1
	fi
	ko=$(find "$tmp/tree/ntexec/$ver/$kver" -name 'ntexec.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "dkms.sh: no ntexec.ko from DKMS" >&2; cat "$log"; exit 1; }
	echo "dkms: ntexec $ver built for $kver ($(basename "$ko"))"
	;;
*)
	echo "usage: $0 install | check KVER KDIR" >&2
	exit 2
	;;
esac
