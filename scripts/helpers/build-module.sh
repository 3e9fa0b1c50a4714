#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build ntexec.ko (and the KUnit module when the kernel has KUnit) against a
# kernel tree in a build directory of its own, so that builds for several
# kernels do not share objects. Fails on any compiler warning.
#
# Usage: scripts/helpers/build-module.sh KDIR OUTDIR
#   NTEXEC_COVERAGE=1 in the environment builds the module instrumented for
#   kcov (Kbuild; the kernel needs CONFIG_KCOV): give it an OUTDIR of its own.
set -eu

kdir=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)

# Copy only the module sources, and only those that changed: a copy gets the
# time of copying, so make rebuilds exactly what changed (keeping the source's
# time could leave an object newer than a source edited while it was built).
for d in ntexec ntob ntmm ntps uapi kunit; do
	mkdir -p "$out/$d"
	for f in "$top/$d"/*.[chS]; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$out/$d/$(basename "$f")" || cp "$f" "$out/$d/"
	done
	# Drop sources that no longer exist in the tree.
	for f in "$out/$d"/*.[chS]; do
		[ -e "$f" ] || continue
		[ -e "$top/$d/$(basename "$f")" ] || rm -f "$f" "${f%.[cS]}.o"
	done
done
cmp -s "$top/Kbuild" "$out/Kbuild" || cp "$top/Kbuild" "$out/Kbuild"

log="$out/build.log"
if ! make -C "$kdir" M="$out" NTEXEC_COVERAGE="${NTEXEC_COVERAGE:-0}" modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "ntexec: module build against $kdir failed" >&2
	exit 1
fi
if grep -E 'warning:|WARNING:' "$log" >&2; then
	echo "ntexec: module build against $kdir has warnings" >&2
	exit 1
fi
