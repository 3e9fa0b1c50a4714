#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the benchmark programs (tests/bench/) in a VM with the module loaded,
# native Linux figures beside ntexec's in the same run. By default the VM
# runs the benchmark kernel (scripts/helpers/kernel/bench.config: the test
# kernel without KASAN, lockdep and kmemleak, built and cached once); --debug
# runs the debug test kernel instead. In the VM, scripts/guest/bench.sh loads
# the module and runs every program of build/bench/.
# --paging instead runs bench_paging (paging against Linux swap) in a
# 512 MiB guest on Debian's stock 6.12 kernel (ext4 and virtio-blk, which the
# benchmark kernel leaves out), with two blank disks: swap and the paging
# file's file system.
# Usage: scripts/bench.sh [--debug | --paging]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
config=bench
[ "${1:-}" = "--debug" ] && config=ntexec
if [ "${1:-}" = "--paging" ]; then
	scripts/helpers/deps.sh
	sdir=$(scripts/helpers/stock-kernel.sh 6.12)
	scripts/helpers/build-module.sh "$sdir/kdir" build/stock-6.12
	make -s user
	exec scripts/helpers/vm.sh --quiet --stock 6.12 --mem 512M --disk 4G --disk 4G \
		--timeout 2400 -- \
		"$top/scripts/guest/bench-paging.sh" "$top/build/stock-6.12/ntexec.ko" \
		"$top/build/bench"
fi
scripts/helpers/deps.sh
kdir=$(scripts/helpers/kernel.sh --config "$config")
scripts/helpers/build-module.sh "$kdir" "build/k-$config"
make -s user
exec scripts/helpers/vm.sh --quiet --kernel "$kdir/arch/x86/boot/bzImage" -- \
	"$top/scripts/guest/bench.sh" "$top/build/k-$config/ntexec.ko" "$top/build/bench"
