#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the coverage VM (as root, on the benchmark kernel, which has
# kcov): load the module built with NTEXEC_COVERAGE=1, record where its
# sections are, then collect the kernel PCs reached (kcov) by the ioctl
# fuzzer's run and by every other user-space test, each as root and as
# nobody. The host maps the PCs to the module's code (scripts/coverage.sh).
#
# Usage: scripts/guest/coverage.sh MODULE BUILD RESULTS
#   MODULE   the coverage build's ntexec.ko
#   BUILD    the build directory (BUILD/tests/ binaries)
#   RESULTS  a writable directory: sections.txt, kaslr.txt, fuzz.pcs,
#            suite.pcs, fuzz-*.tap, tests/*.tap
#   NTEXEC_FUZZ_SEED, _CALLS, _SECONDS pass through to the fuzzer;
#   NTEXEC_COVERAGE_SUITE=0 skips the other tests.
set -u

module=$1
build=$2
res=$3
mkdir -p "$res/tests"
step() { echo "ntexec-coverage: $*"; }

# kcov for nobody too (the guest is thrown away after the run).
chmod 0755 /sys/kernel/debug
chmod 0666 /sys/kernel/debug/kcov || { echo "no kcov" >"$res/kcov.missing"; exit 1; }
uname -r >"$res/uname.txt"
# kcov reports PCs less the kernel's KASLR offset: the host needs it.
grep -E ' (_text|_stext)$' /proc/kallsyms >"$res/kaslr.txt"
insmod "$module" || { echo "insmod failed" >"$res/insmod.failed"; exit 1; }
for s in /sys/module/ntexec/sections/.*; do
	[ -f "$s" ] || continue
	echo "$(basename "$s") $(cat "$s")"
done >"$res/sections.txt"

# The PCs are gathered in /tmp (nobody may write there) and copied as
# each program ends, so a run cut short still leaves what it had.
cov=/tmp/ntexec-cov
mkdir -p "$cov"
chmod 1777 "$cov"
for f in fuzz.pcs suite.pcs; do
	: >"$cov/$f"
	chmod 0666 "$cov/$f"
done

fuzzer=$build/tests/fuzz_ioctl
for who in root nobody; do
	step "fuzzer as $who: seed ${NTEXEC_FUZZ_SEED:-default}, ${NTEXEC_FUZZ_CALLS:-default} calls"
	if [ "$who" = nobody ]; then
		NTEXEC_FUZZ_KCOV=$cov/fuzz.pcs setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$fuzzer" >"$res/fuzz-$who.tap" 2>&1
	else
		NTEXEC_FUZZ_KCOV=$cov/fuzz.pcs "$fuzzer" >"$res/fuzz-$who.tap" 2>&1
	fi
	cp "$cov/fuzz.pcs" "$res/fuzz.pcs"
done

if [ "${NTEXEC_COVERAGE_SUITE:-1}" != 0 ]; then
	modprobe -a -q loop ext4 2>/dev/null || true
	for t in "$build"/tests/*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		[ "$n" = fuzz_ioctl ] && continue
		step "$n as root and as nobody"
		NTEXEC_TEST_KCOV=$cov/suite.pcs "$t" >"$res/tests/$n.root.tap" 2>&1
		NTEXEC_TEST_KCOV=$cov/suite.pcs setpriv --reuid=65534 --regid=65534 \
			--clear-groups "$t" >"$res/tests/$n.nobody.tap" 2>&1
		# The helpers append once each test's process is gone.
		sleep 0.2
		cp "$cov/suite.pcs" "$res/suite.pcs"
	done
	sleep 1
	cp "$cov/suite.pcs" "$res/suite.pcs"
fi

i=0
while [ "$(cat /sys/module/ntexec/refcnt 2>/dev/null || echo 0)" != 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
rmmod ntexec || echo "rmmod ntexec failed" >"$res/rmmod.failed"
dmesg >"$res/dmesg.txt"
step "done"
exit 0
