#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (as root): load the module, run the ioctl fuzzer
# (tests/fuzz_ioctl.c) as root or as nobody, unload, scan for leaks. The
# host judges (scripts/fuzz.sh).
#
# Usage: scripts/guest/fuzz.sh MODDIR FUZZER RESULTS [root|nobody]
#   NTEXEC_FUZZ_SEED, _CALLS, _SECONDS, _WORKERS pass through to the fuzzer.
set -u

moddir=$1
fuzzer=$2
res=$3
who=${4:-root}
mkdir -p "$res"
step() { echo "ntexec-fuzz: $*"; }

if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
fi
uname -r >"$res/uname.txt"
insmod "$moddir/ntexec.ko" || { echo "insmod failed" >"$res/insmod.failed"; exit 1; }
step "fuzzer as $who: seed ${NTEXEC_FUZZ_SEED:-default}, ${NTEXEC_FUZZ_CALLS:-default} calls"
if [ "$who" = nobody ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$fuzzer" >"$res/fuzz.tap" 2>&1
else
	"$fuzzer" >"$res/fuzz.tap" 2>&1
fi
echo "$?" >"$res/fuzz.status"
cat "$res/fuzz.tap"
i=0
while [ "$(cat /sys/module/ntexec/refcnt 2>/dev/null || echo 0)" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
rmmod ntexec || { echo "rmmod ntexec failed" >"$res/rmmod.failed"; lsmod >>"$res/rmmod.failed"; }
if [ -w /sys/kernel/debug/kmemleak ]; then
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$res/kmemleak.txt"
fi
dmesg >"$res/dmesg.txt"
step "done"
exit 0
