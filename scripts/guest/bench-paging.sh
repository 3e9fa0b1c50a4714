#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM for scripts/bench.sh --paging, as root: a swap device on
# /dev/vda and an ext4 file system on /dev/vdb for the paging file (the same
# kind of disk for both), the module loaded, bench_paging run, all undone.
#
# Usage: scripts/guest/bench-paging.sh MODULE BENCHES
#   MODULE   the ntexec.ko to load
#   BENCHES  the directory of benchmark programs (build/bench)

ko=$1
benches=$2
# Debian's stock kernels have these as modules.
modprobe -a -q virtio_blk ext4 2>/dev/null || true
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -b /dev/vda ] && [ -b /dev/vdb ] || { echo "bench-paging: no /dev/vda and /dev/vdb"; exit 1; }
mkswap -q /dev/vda >/dev/null && swapon /dev/vda || exit 1
mkfs.ext4 -q -F /dev/vdb && mkdir -p /run/ntexec-pf && mount /dev/vdb /run/ntexec-pf || exit 1
insmod "$ko" || exit 1
NTEXEC_BENCH_PAGEFILE=/run/ntexec-pf/pagefile "$benches/bench_paging"
s=$?
rmmod ntexec
swapoff /dev/vda
umount /run/ntexec-pf
exit $s
