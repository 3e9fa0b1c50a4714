#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM for scripts/bench.sh, as root: load the module, run every
# benchmark program, unload. Exits 1 if the module did not load or any
# benchmark failed.
#
# Usage: scripts/guest/bench.sh MODULE BENCHES
#   MODULE   the ntexec.ko to load
#   BENCHES  the directory of benchmark programs (build/bench)

ko=$1
benches=$2
# bench_vm creates 100,000 allocations, one VMA each.
echo 262144 >/proc/sys/vm/max_map_count
insmod "$ko" || exit 1
s=0
for b in "$benches"/*; do "$b" || s=1; done
rmmod ntexec
exit $s
