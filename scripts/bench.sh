#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the benchmark programs (tests/bench/) in a VM with the module loaded,
# native Linux figures beside ntexec's in the same run. By default the VM
# runs the benchmark kernel (scripts/helpers/kernel/bench.config: the test
# kernel without KASAN, lockdep and kmemleak, built and cached once); --debug
# runs the debug test kernel instead. In the VM, scripts/guest/bench.sh loads
# the module and runs every program of build/bench/.
# Usage: scripts/bench.sh [--debug]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
config=bench
[ "${1:-}" = "--debug" ] && config=ntexec
scripts/helpers/deps.sh
kdir=$(scripts/helpers/kernel.sh --config "$config")
scripts/helpers/build-module.sh "$kdir" "build/k-$config"
make -s user
exec scripts/helpers/vm.sh --quiet --kernel "$kdir/arch/x86/boot/bzImage" -- \
	"$top/scripts/guest/bench.sh" "$top/build/k-$config/ntexec.ko" "$top/build/bench"
