#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) and locate the ntexec test kernel: Debian's linux-source-6.12 with
# scripts/helpers/kernel/ntexec.config merged over defconfig. The source and build tree live in
#   ${NTEXEC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ntexec}/linux-<version>-<config hash>/
# and are rebuilt only when the package version or the fragment changes.
#
# Usage: scripts/helpers/kernel.sh [--config NAME] [--dir]
#   builds if needed and prints the tree's path on stdout; with --dir only
#   prints the path (built or not). NAME selects scripts/helpers/kernel/NAME.config:
#   ntexec (default: the debug kernel for tests) or bench (no debugging, for
#   benchmark figures).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
config=ntexec
only_dir=0
while [ $# -gt 0 ]; do
	case "$1" in
	--config) config=$2; shift 2 ;;
	--dir) only_dir=1; shift ;;
	*) echo "usage: $0 [--config NAME] [--dir]" >&2; exit 2 ;;
	esac
done
frag="$here/kernel/$config.config"
[ -f "$frag" ] || { echo "ntexec: no $frag" >&2; exit 2; }
cache=${NTEXEC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ntexec}
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null | tr '~+:' '___')
hash=$(sha256sum <"$frag" | cut -c1-12)
dir="$cache/linux-${version:-none}-$hash"

if [ "$only_dir" = 1 ]; then
	echo "$dir"
	exit 0
fi
if [ -f "$dir/.ntexec-built" ]; then
	echo "$dir"
	exit 0
fi
if [ -z "$tarball" ]; then
	echo "ntexec: linux-source-6.12 is not installed (scripts/helpers/deps.sh)" >&2
	exit 1
fi

# One builder at a time: a second caller waits for the first.
mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -n 9; then
	echo "ntexec: another build of the test kernel is running; waiting" >&2
	flock 9
	[ -f "$dir/.ntexec-built" ] && { echo "$dir"; exit 0; }
fi

start=$(date +%s)
jobs=$(nproc)
log="$dir.log"
echo "ntexec: building test kernel in $dir (log: $log); the first build takes 20+ minutes" >&2
if [ ! -f "$dir/Makefile" ]; then
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xf "$tarball" -C "$dir.tmp" --strip-components=1
	mv "$dir.tmp" "$dir"
fi
cd "$dir"
{
	make defconfig
	make kvm_guest.config
	scripts/kconfig/merge_config.sh -m .config "$frag"
	make olddefconfig
} >"$log" 2>&1

# Every setting of the fragment must have survived olddefconfig (a later
# line of the fragment, or a dependency, may have undone it).
bad=0
for line in $(grep -E '^CONFIG_[A-Z0-9_]+=[ym]$' "$frag"); do
	grep -qx "$line" .config || { echo "ntexec: $line did not stick" >&2; bad=1; }
done
required="NET_9P_VIRTIO 9P_FS MODULES"
[ "$config" = ntexec ] && required="$required KUNIT KASAN PROVE_LOCKING DEBUG_KMEMLEAK SECURITY_YAMA"
for opt in $required; do
	grep -qx "CONFIG_$opt=y" .config || { echo "ntexec: CONFIG_$opt missing" >&2; bad=1; }
done
[ "$bad" = 0 ] || exit 1

make -j"$jobs" bzImage modules >>"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	n=$(grep -c '^  CC ' "$log" || true)
	echo "ntexec: kernel build: $n objects compiled, $(( $(date +%s) - start ))s" >&2
done
if ! wait "$pid"; then
	tail -n 30 "$log" >&2
	echo "ntexec: kernel build failed (log: $log)" >&2
	exit 1
fi
touch .ntexec-built
echo "ntexec: test kernel built in $(( $(date +%s) - start ))s" >&2
echo "$dir"
