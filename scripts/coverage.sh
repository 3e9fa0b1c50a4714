#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make coverage: which basic blocks of ntexec.ko the ioctl fuzzer's run and
# the whole user-space suite reach. The module is built with NTEXEC_COVERAGE=1
# (Kbuild: kcov instruments its code, and only its code) against the
# benchmark kernel (scripts/helpers/kernel/bench.config: CONFIG_KCOV, the
# kernel itself not instrumented), which a VM boots; there
# scripts/guest/coverage.sh runs the fuzzer (NTEXEC_FUZZ_KCOV) and every
# other test (NTEXEC_TEST_KCOV, tests/harness.c), as root and as nobody, and
# scripts/helpers/coverage.py maps the PCs to the module's blocks.
#
# Usage: scripts/coverage.sh [SEED [CALLS [SECONDS]]]
#   (make coverage SEED=1 CALLS=3000 SECONDS=60 SUITE=1 TIMEOUT=3000)
#   SEED, CALLS, SECONDS  the fuzzer's run (defaults: make check's, 3000
#                         calls, at most 60 s); SUITE=0 skips the other tests;
#                         TIMEOUT caps the VM (seconds, default 3000)
# The report goes to stdout and, with the per-function list
# (functions.txt), to the results directory it names.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=$top/build
seed=${1:-1}
calls=${2:-3000}
secs=${3:-60}

scripts/helpers/deps.sh || exit 1
make -s user >"$B/user.log" 2>&1 || { cat "$B/user.log"; exit 1; }
kdir=$(scripts/helpers/kernel.sh --config bench) || exit 1
NTEXEC_COVERAGE=1 scripts/helpers/build-module.sh "$kdir" "$B/k-cov" || exit 1

out=$(mktemp -d "${TMPDIR:-/tmp}/ntexec-coverage.XXXXXX")
echo "ntexec-coverage: fuzzer seed $seed, $calls calls (at most ${secs}s), suite ${SUITE:-1}; results in $out"
# nokaslr: kcov's PCs are then the addresses the module's sections have.
scripts/helpers/vm.sh --quiet --kernel "$kdir/arch/x86/boot/bzImage" --append nokaslr \
	--out "$out" --timeout "${TIMEOUT:-3000}" -- \
	env NTEXEC_FUZZ_SEED="$seed" NTEXEC_FUZZ_CALLS="$calls" NTEXEC_FUZZ_SECONDS="$secs" \
	NTEXEC_COVERAGE_SUITE="${SUITE:-1}" \
	"$top/scripts/guest/coverage.sh" "$B/k-cov/ntexec.ko" "$B" "$out/results"
vmrc=$?
res=$out/results
if [ "$vmrc" -ne 0 ] || [ ! -s "$res/sections.txt" ]; then
	echo "FAIL: VM run (status $vmrc; console: $out/console.log)"
	exit 1
fi
for who in root nobody; do
	grep -h -o '[0-9]* calls in [0-9.]* s ([0-9]* calls/s)' "$res/fuzz-$who.tap" |
		sed "s/^/fuzzer as $who: /"
	grep -q '^ok 1 fuzz' "$res/fuzz-$who.tap" || echo "note: the fuzzer's run as $who failed ($res/fuzz-$who.tap)"
done
if [ "${SUITE:-1}" != 0 ]; then
	nf=$(grep -l '^not ok' "$res"/tests/*.tap 2>/dev/null | wc -l)
	[ "$nf" = 0 ] || echo "note: $nf test runs failed under kcov ($res/tests)"
fi
python3 scripts/helpers/coverage.py "$B/k-cov" "$res" "$res" | tee "$res/coverage.txt"
