#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: a long run of the ioctl fuzzer (tests/fuzz_ioctl.c) in a VM, by
# default on the debug test kernel (KASAN, lockdep, kmemleak). Builds what is
# missing first, as make check does.
#
# Usage: scripts/fuzz.sh [SEED [CALLS [SECONDS [USER [KERNEL]]]]]
#   (make fuzz SEED=0x1234 CALLS=1000000 SECONDS=3600 AS=nobody KERNEL=6.12)
#   SEED     the fuzzer's seed (default 1)
#   CALLS    calls to make (default 100000)
#   SECONDS  a time cap (default 3000)
#   USER     root (default) or nobody
#   KERNEL   debug (default), or 6.1 / 6.12 for Debian's stock kernels
# Fails on a fuzzer failure (a leak of objects or pages, an unexpected errno,
# a hang), a failed rmmod, a kmemleak report or any splat in the kernel log.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=$top/build
seed=${1:-1}
calls=${2:-100000}
secs=${3:-3000}
who=${4:-root}
kern=${5:-debug}
case "$who" in
root|nobody) ;;
*) echo "ntexec-fuzz: USER is root or nobody, not '$who'" >&2; exit 2 ;;
esac

scripts/helpers/deps.sh || exit 1
make -s user >"$B/user.log" 2>&1 || { cat "$B/user.log"; exit 1; }
vmargs=(--quiet)
if [ "$kern" = debug ]; then
	kdir=$(scripts/helpers/kernel.sh) || exit 1
	moddir=$B/k6.12
	vmargs+=(--append "kmemleak=on")
else
	sdir=$(scripts/helpers/stock-kernel.sh "$kern") || exit 1
	kdir=$sdir/kdir
	moddir=$B/stock-$kern
	vmargs+=(--stock "$kern")
fi
scripts/helpers/build-module.sh "$kdir" "$moddir" || exit 1

out=$(mktemp -d "${TMPDIR:-/tmp}/ntexec-fuzz.XXXXXX")
echo "ntexec-fuzz: seed $seed, $calls calls (at most ${secs}s) as $who on the $kern kernel; results in $out"
NTEXEC_FUZZ_SEED=$seed NTEXEC_FUZZ_CALLS=$calls NTEXEC_FUZZ_SECONDS=$secs \
	scripts/helpers/vm.sh "${vmargs[@]}" --out "$out" --timeout $((secs + 900)) -- \
	env NTEXEC_FUZZ_SEED="$seed" NTEXEC_FUZZ_CALLS="$calls" NTEXEC_FUZZ_SECONDS="$secs" \
	"$top/scripts/guest/fuzz.sh" "$moddir" "$B/tests/fuzz_ioctl" "$out/results" "$who"
vmrc=$?
res=$out/results
bad=0
if [ "$vmrc" -ne 0 ] || [ ! -f "$res/dmesg.txt" ]; then
	echo "FAIL: VM run (status $vmrc; console: $out/console.log)"
	grep -m 5 -E 'Kernel panic|BUG:|Oops|general protection' "$out/console.log"
	exit 1
fi
grep -q '^ok 1 fuzz' "$res/fuzz.tap" || { echo "FAIL: the fuzzer (see $res/fuzz.tap)"; bad=1; }
[ -f "$res/rmmod.failed" ] && { echo "FAIL: rmmod"; bad=1; }
if [ -s "$res/kmemleak.txt" ]; then
	head -n 40 "$res/kmemleak.txt"
	echo "FAIL: kmemleak"
	bad=1
fi
splat='BUG:|WARNING:|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|held lock freed|lock held when returning|refcount_t|general protection fault|Oops|kernel BUG|list_add corruption|list_del corruption|ODEBUG|INFO: task .* blocked|Call Trace:|unreferenced object'
if grep -nE "$splat" "$res/dmesg.txt" | head -n 40; then
	echo "FAIL: splats in the kernel log ($res/dmesg.txt)"
	bad=1
fi
[ "$bad" = 0 ] && echo "PASS: fuzz seed $seed, $(grep -o '[0-9]* calls in [0-9.]* s ([0-9]* calls/s)' "$res/fuzz.tap")"
exit "$bad"
