#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the benchmark programs (tests/bench/) in a VM with the module loaded,
# native Linux figures beside ntexec's in the same run. By default the VM
# runs the benchmark kernel (scripts/kernel/bench.config: the test kernel
# without KASAN, lockdep and kmemleak, built and cached once); --debug runs
# the debug test kernel instead.
# Usage: scripts/bench.sh [--debug]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
config=bench
[ "${1:-}" = "--debug" ] && config=ntexec
scripts/deps.sh
kdir=$(scripts/kernel.sh --config "$config")
scripts/build-module.sh "$kdir" "build/k-$config"
make -s user
# bench_vm creates 100,000 allocations, one VMA each.
cmd="echo 262144 >/proc/sys/vm/max_map_count
insmod '$top/build/k-$config/ntexec.ko' || exit 1; s=0
for b in '$top'/build/bench/*; do \"\$b\" || s=1; done
rmmod ntexec; exit \$s"
exec scripts/vm.sh --quiet --kernel "$kdir/arch/x86/boot/bzImage" -- sh -c "$cmd"
