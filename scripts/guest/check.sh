#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (as root): load the module and its KUnit suites,
# run every user-space test as root and as an unprivileged user, unload, and
# look for leaks. Results go to RESULTS; the host judges them
# (scripts/check.sh).
#
# Usage: scripts/guest/check.sh [--module-dir DIR] [--no-kunit] BUILD RESULTS
#   BUILD    the build directory (k6.12/ with the modules, tests/ binaries)
#   RESULTS  a writable directory
#   --module-dir DIR  where ntexec.ko is (default BUILD/k6.12): the stock
#                     kernels' builds (BUILD/stock-6.1, ...)
#   --no-kunit        do not load ntexec_kunit.ko (KUnit runs on the debug
#                     kernel only)
# NTEXEC_TESTS="test_a test_b" runs only those test binaries (a quick targeted
# run by hand); each test's seconds as root and nobody go to RESULTS/times.txt.
set -u

moddir="" kunit=1
while [ $# -gt 0 ]; do
	case "$1" in
	--module-dir) moddir=$2; shift 2 ;;
	--no-kunit) kunit=0; shift ;;
	*) break ;;
	esac
done
build=$1
res=$2
[ -n "$moddir" ] || moddir=$build/k6.12
mkdir -p "$res/tests"

step() { echo "ntexec-check: $*"; }

if [ -w /sys/kernel/debug/kmemleak ]; then
	# Forget what boot left behind; only the module's leaks matter.
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
fi

step "insmod ntexec.ko"
uname -r >"$res/uname.txt"
if ! insmod "$moddir/ntexec.ko"; then
	echo "insmod failed" >"$res/insmod.failed"
	exit 1
fi
if [ "$kunit" = 1 ] && [ -f "$moddir/ntexec_kunit.ko" ]; then
	step "KUnit suites"
	# The host hands kunit.py the log from here on (boot prints an empty KTAP).
	echo "ntexec-check: kunit start" >/dev/kmsg
	insmod "$moddir/ntexec_kunit.ko" || echo "kunit insmod failed" >"$res/kunit.failed"
	for r in /sys/kernel/debug/kunit/*/results; do
		[ -f "$r" ] || continue
		s=$(basename "$(dirname "$r")")
		cp "$r" "$res/kunit-$s.ktap"
	done
	rmmod ntexec_kunit || echo "rmmod ntexec_kunit failed" >"$res/rmmod.failed"
fi

# Stock kernels have loop and ext4 as modules, and no udev makes
# /dev/loop-control appear on demand: load them now (test_section_file).
modprobe -a -q loop ext4 2>/dev/null || true

for t in "$build"/tests/*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	case " ${NTEXEC_TESTS:-$n} " in *" $n "*) ;; *) continue ;; esac
	step "$n as root"
	t0=$(date +%s)
	"$t" >"$res/tests/$n.root.tap" 2>&1
	t1=$(date +%s)
	step "$n as nobody"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$t" \
		>"$res/tests/$n.nobody.tap" 2>&1
	echo "$n $((t1 - t0)) $(($(date +%s) - t1))" >>"$res/times.txt"
done

step "rmmod ntexec"
# An exited process's memory is freed by its rundown work, which may still
# be queued right after the last test: give it a moment, no more.
i=0
while [ "$(cat /sys/module/ntexec/refcnt 2>/dev/null || echo 0)" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! rmmod ntexec; then
	echo "rmmod ntexec failed" >>"$res/rmmod.failed"
	lsmod >>"$res/rmmod.failed"
fi

if [ -w /sys/kernel/debug/kmemleak ]; then
	step "kmemleak scan"
	# kmemleak reports objects older than 5 s: let the last frees age.
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$res/kmemleak.txt"
fi
dmesg >"$res/dmesg.txt"
step "done"
exit 0
