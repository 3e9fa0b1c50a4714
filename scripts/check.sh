#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: dependencies -> test kernel (cached) -> module for 6.12 and
# Debian's stock 6.1 headers (warning-free) -> libntexec, tests -> VM:
# insmod, KUnit, user tests as root and nobody, rmmod, kmemleak -> verdict.
# Ends with one line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail

# make check-long: NTEXEC_LONG=1 reaches every guest run, and the tests that
# have a long variant run it.
long_env=""
[ "${NTEXEC_LONG:-0}" = 1 ] && long_env="NTEXEC_LONG=1"

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=$top/build
passed=0
failed=0
skipped=0
t0=$(date +%s)
tstage=$t0

pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
stage() {
	local now
	now=$(date +%s)
	echo "ntexec-check: [$((now - tstage))s] $1 done"
	tstage=$now
}
# A long step says every minute how long it has run and about how long is
# left (from what it usually takes on this project's 2-core machine).
ticker=""
progress_start() {
	local what=$1 expect=$2 start
	start=$(date +%s)
	echo "ntexec-check: $what (usually about $(( (expect + 59) / 60 )) min)"
	(
		# Its sleep goes with it, so that no stray process holds stdout.
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		while :; do
			sleep 60 &
			s=$!
			wait "$s"
			el=$(( $(date +%s) - start ))
			if [ "$el" -lt "$expect" ]; then
				echo "ntexec-check: $what: ${el}s, about $((expect - el))s left"
			else
				echo "ntexec-check: $what: ${el}s, longer than usual"
			fi
		done
	) &
	ticker=$!
}
progress_stop() {
	[ -n "$ticker" ] || return 0
	kill "$ticker" 2>/dev/null
	wait "$ticker" 2>/dev/null
	ticker=""
}
trap progress_stop EXIT
finish() {
	progress_stop
	echo "ntexec-check: total $(( $(date +%s) - t0 ))s"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit $?
}

# User-space tests of one VM run: every TAP line counts. $2 prefixes the names.
judge_tests() {
	local t n k p f
	for t in "$1"/tests/*.tap; do
		[ -f "$t" ] || continue
		n=$2$(basename "$t" .tap)
		k=$(grep -cE '^ok [0-9]+ .*# SKIP' "$t")
		p=$(( $(grep -cE '^ok [0-9]+ ' "$t") - k ))
		f=$(grep -cE '^not ok [0-9]+ ' "$t")
		skipped=$((skipped + k))
		if ! grep -qE '^# [0-9]+ passed' "$t"; then
			echo "$n: did not finish"
			tail -n 20 "$t"
			f=$((f + 1))
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		echo "$n: $p passed, $f failed, $k skipped"
		[ "$f" -gt 0 ] && grep -B8 -E '^not ok' "$t" | head -n 60
	done
}

judge_rmmod() {
	if [ -f "$1/rmmod.failed" ]; then
		cat "$1/rmmod.failed"
		fail "${2}rmmod"
	else
		pass "${2}rmmod ntexec after use"
	fi
}

# Any BUG, WARNING, KASAN, lockdep, ... report in a guest's kernel log.
splat='BUG:|WARNING:|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|held lock freed|lock held when returning|refcount_t|general protection fault|Oops|kernel BUG|list_add corruption|list_del corruption|ODEBUG|INFO: task .* blocked|Call Trace:|unreferenced object'
judge_dmesg() {
	if grep -nE "$splat" "$1/dmesg.txt" >"$3/splats.txt"; then
		head -n 80 "$3/splats.txt"
		grep -n -A30 -E "$splat" "$1/dmesg.txt" | head -n 120
		fail "${2}guest dmesg has splats (see $1/dmesg.txt)"
	else
		pass "${2}guest dmesg clean"
	fi
}

scripts/helpers/deps.sh || { fail "dependencies"; finish; }
stage deps
kdir=$(scripts/helpers/kernel.sh) || { fail "test kernel build"; finish; }
stage "test kernel"

if scripts/helpers/build-module.sh "$kdir" "$B/k6.12"; then
	pass "module builds warning-free on $(make -s -C "$kdir" kernelversion)"
else
	fail "module build on 6.12"
	finish
fi
# Debian's own stock kernels (image, modules, headers from Debian's archive,
# unpacked once into the cache by stock-kernel.sh): the module must build
# warning-free against each, and the user-space suite runs on each below.
stocks="6.1 6.12"
stock_ok=""
for v in $stocks; do
	if ! sdir=$(scripts/helpers/stock-kernel.sh "$v"); then
		fail "fetch Debian's stock $v kernel (linux-image, linux-headers)"
	elif scripts/helpers/build-module.sh "$sdir/kdir" "$B/stock-$v"; then
		pass "module builds warning-free on Debian's stock $(cat "$sdir/release") headers"
		stock_ok="$stock_ok $v"
	else
		fail "module build on Debian's stock $v headers"
	fi
done
# DKMS (dkms.conf, make dkms-install): the build DKMS runs on a user's
# kernel update, against Debian's stock 6.1 headers, in a private DKMS tree.
case " $stock_ok " in
*" 6.1 "*)
	sdir=$(scripts/helpers/stock-kernel.sh 6.1)
	progress_start "DKMS build" 90
	scripts/helpers/dkms.sh check "$(cat "$sdir/release")" "$sdir/kdir" >"$B/dkms.log" 2>&1
	dkms_rc=$?
	progress_stop
	if [ "$dkms_rc" -eq 0 ]; then
		pass "DKMS builds the module warning-free for Debian's stock $(cat "$sdir/release")"
	else
		cat "$B/dkms.log"
		fail "DKMS build against Debian's stock 6.1 headers"
	fi
	;;
esac
if make -s user >"$B/user.log" 2>&1; then
	pass "libntexec, tests and examples build with -Werror"
else
	cat "$B/user.log"
	fail "user-space build"
	finish
fi
cp_out=$(make -s checkpatch 2>&1)
if [ -z "$cp_out" ]; then
	pass "checkpatch clean"
else
	echo "$cp_out"
	fail "checkpatch"
fi
stage build

out=$(mktemp -d "${TMPDIR:-/tmp}/ntexec-check.XXXXXX")
# The guest takes about 15 minutes under emulation; allow a loaded machine
# three times that before calling it hung.
progress_start "VM run (KUnit and every test as root and nobody)" 1500
scripts/helpers/vm.sh --quiet --out "$out" --append "kmemleak=on" --timeout 2700 -- \
	env $long_env "$top/scripts/guest/check.sh" "$B" "$out/results"
vmrc=$?
progress_stop
res=$out/results
stage "VM run"
if [ "$vmrc" -ne 0 ] || [ ! -f "$res/dmesg.txt" ]; then
	fail "VM run (status $vmrc; console: $out/console.log)"
	tail -n 40 "$out/console.log" 2>/dev/null
	finish
fi

[ -f "$res/insmod.failed" ] && fail "insmod ntexec.ko"

# KUnit: each case counts; the kernel tree's own parser judges.
kunit_py=$kdir/tools/testing/kunit/kunit.py
if [ -f "$res/kunit.failed" ]; then
	fail "KUnit module load"
fi
if ls "$res"/kunit-*.ktap >/dev/null 2>&1; then
	for k in "$res"/kunit-*.ktap; do
		s=$(basename "$k" .ktap)
		s=${s#kunit-}
		p=$(grep -cE '^ +ok [0-9]+ ' "$k")
		f=$(grep -cE '^ +not ok [0-9]+ ' "$k")
		passed=$((passed + p))
		failed=$((failed + f))
		echo "KUnit $s: $p passed, $f failed"
		[ "$f" -gt 0 ] && grep -E '^ +(not ok|#)' "$k" | head -n 40
	done
	sed -n '/ntexec-check: kunit start/,$p' "$res/dmesg.txt" >"$out/kunit-dmesg.txt"
	if ! dmesg_ktap=$(python3 "$kunit_py" parse "$out/kunit-dmesg.txt" 2>&1) ||
		echo "$dmesg_ktap" | grep -q '\[ERROR\]'; then
		echo "$dmesg_ktap" | tail -n 30
		fail "kunit.py parse reports failures"
	else
		echo "$dmesg_ktap" | grep -E 'Testing complete|Ran [0-9]+ tests'
	fi
else
	fail "no KUnit results"
fi

judge_tests "$res" ""
judge_rmmod "$res" ""
if [ -f "$res/times.txt" ]; then
	echo "ntexec-check: the slowest tests (seconds as root, as nobody):"
	awk '{ print $2 + $3, $0 }' "$res/times.txt" | sort -nr | head -n 8 |
		awk '{ print "  " $2 ": " $3 " s, " $4 " s" }'
fi

if [ -s "$res/kmemleak.txt" ]; then
	head -n 60 "$res/kmemleak.txt"
	fail "kmemleak reports leaks"
elif [ -f "$res/kmemleak.txt" ]; then
	pass "kmemleak clean"
else
	fail "kmemleak did not run"
fi

judge_dmesg "$res" "" "$out"

# The same user-space suite on Debian's stock kernels (no KUnit: they have it
# off; no KASAN, lockdep or kmemleak: the kernel log is still judged).
for v in $stocks; do
	case " $stock_ok " in *" $v "*) ;; *) continue ;; esac
	sout=$out/stock-$v
	progress_start "VM run on stock $v" 240
	scripts/helpers/vm.sh --quiet --stock "$v" --out "$sout" --timeout 1800 -- \
		env $long_env "$top/scripts/guest/check.sh" --module-dir "$B/stock-$v" --no-kunit \
		"$B" "$sout/results"
	vmrc=$?
	progress_stop
	sres=$sout/results
	stage "VM run on stock $v"
	if [ "$vmrc" -ne 0 ] || [ ! -f "$sres/dmesg.txt" ]; then
		fail "[stock $v] VM run (status $vmrc; console: $sout/console.log)"
		tail -n 40 "$sout/console.log" 2>/dev/null
		continue
	fi
	if [ -f "$sres/insmod.failed" ]; then
		fail "[stock $v] insmod ntexec.ko"
		continue
	fi
	judge_tests "$sres" "[stock $(cat "$sres/uname.txt")] "
	judge_rmmod "$sres" "[stock $v] "
	judge_dmesg "$sres" "[stock $v] " "$sout"
done

# More NT memory than RAM (tests/test_pressure.c, which skips in the guests
# above): a 512 MiB guest on Debian's stock 6.12 kernel writes and reads back
# 1 GiB of NT memory, with a paging file on the out share (the host's disk).
if case " $stock_ok " in *" 6.12 "*) true ;; *) false ;; esac; then
	pout=$out/pressure
	progress_start "VM run with 512 MiB (test_pressure)" 180
	scripts/helpers/vm.sh --quiet --stock 6.12 --mem 512M --out "$pout" --timeout 1200 -- \
		env NTEXEC_TESTS=test_pressure NTEXEC_PAGEFILE_DIR="$pout" \
		"$top/scripts/guest/check.sh" --module-dir "$B/stock-6.12" --no-kunit \
		"$B" "$pout/results"
	vmrc=$?
	progress_stop
	pres=$pout/results
	stage "VM run with 512 MiB"
	if [ "$vmrc" -ne 0 ] || [ ! -f "$pres/dmesg.txt" ]; then
		fail "[512 MiB] VM run (status $vmrc; console: $pout/console.log)"
		tail -n 40 "$pout/console.log" 2>/dev/null
	else
		[ -f "$pres/insmod.failed" ] && fail "[512 MiB] insmod ntexec.ko"
		judge_tests "$pres" "[512 MiB] "
		judge_rmmod "$pres" "[512 MiB] "
		judge_dmesg "$pres" "[512 MiB] " "$pout"
		grep -h '^# .*MiB in' "$pres"/tests/test_pressure.*.tap 2>/dev/null
	fi
fi

# The same guest run through virtme-ng, the runner kernel developers use,
# whenever vng is installed (scripts/helpers/vm.sh --vng).
if command -v vng >/dev/null 2>&1; then
	vout=$out/vng
	progress_start "VM run through vng" 1000
	scripts/helpers/vm.sh --vng --quiet --out "$vout" --timeout 2700 -- \
		env $long_env "$top/scripts/guest/check.sh" "$B" "$vout/results"
	vmrc=$?
	progress_stop
	vres=$vout/results
	stage "VM run through vng"
	if [ "$vmrc" -ne 0 ] || [ ! -f "$vres/dmesg.txt" ]; then
		fail "[vng] VM run (status $vmrc; console: $vout/console.log)"
		tail -n 40 "$vout/console.log" 2>/dev/null
	else
		[ -f "$vres/insmod.failed" ] && fail "[vng] insmod ntexec.ko"
		judge_tests "$vres" "[vng] "
		judge_rmmod "$vres" "[vng] "
		judge_dmesg "$vres" "[vng] " "$vout"
	fi
else
	echo "ntexec-check: vng (virtme-ng) not installed: its run is skipped"
fi

echo "ntexec-check: results in $out"
finish
