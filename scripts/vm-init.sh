#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the ntexec test VM. Not run by hand: scripts/vm.sh boots the kernel with
# init=<this file> and the host's / as a read-only 9p root.
#
# What it does, in order:
#   - mounts proc, sysfs, devtmpfs, devpts, /dev/shm, debugfs, tracefs, cgroup2, and
#     tmpfs on /run, /tmp (1777), /var/tmp (1777); sets the hostname; brings up lo
#   - mounts the 9p share tagged "ntexec-out" (vm.sh's --out directory, read-write)
#     and reads guest.env from it (NTEXEC_OUT: the directory's host path, where it is
#     also mounted in the guest; NTEXEC_CWD: the host's working directory)
#   - runs `sh run.sh` from the share in NTEXEC_CWD with a clean environment
#     (PATH, HOME=/tmp, TERM=dumb, NTEXEC_OUT, NTEXEC_VM=1), stdin /dev/null, and its
#     output on the console and in output.log
#   - writes the exit status to status and the kernel log to dmesg.txt, then powers off
# Whatever fails, it powers the machine off so that qemu exits.
set -eu

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022
share=/run/ntexec/out

say() {
	echo "ntexec-vm: $*"
}

poweroff_now() {
	sync
	# sysrq works without any userspace; powers off through ACPI.
	echo o >/proc/sysrq-trigger 2>/dev/null || true
	sleep 10
	# No power-off: reboot instead, qemu runs with -no-reboot and exits.
	echo b >/proc/sysrq-trigger 2>/dev/null || true
	sleep 10
	# Last resort: returning from PID 1 panics the kernel, and panic=-1 reboots.
	exit 1
}

finish() {
	rc=$?
	trap - EXIT
	set +e
	[ "$rc" -eq 0 ] || say "init failed (status $rc); powering off"
	poweroff_now
}
trap finish EXIT

mnt() { # TYPE SOURCE DIR OPTIONS: mount unless DIR is already a mount point
	mountpoint -q "$3" 2>/dev/null && return 0
	mount -t "$1" -o "$4" "$2" "$3"
}

# /proc first: mountpoint(1) reads /proc/self/mountinfo.
mount -t proc -o nosuid,nodev,noexec proc /proc
mnt sysfs sysfs /sys nosuid,nodev,noexec
mnt devtmpfs devtmpfs /dev mode=0755,nosuid
mkdir -p /dev/pts /dev/shm
mnt devpts devpts /dev/pts gid=5,mode=0620,ptmxmode=0666,nosuid,noexec
mnt tmpfs tmpfs /dev/shm mode=1777,nosuid,nodev
mnt debugfs debugfs /sys/kernel/debug mode=0700
[ -d /sys/kernel/tracing ] && { mnt tracefs tracefs /sys/kernel/tracing mode=0700 || true; }
mnt cgroup2 cgroup2 /sys/fs/cgroup nosuid,nodev,noexec,nsdelegate
mnt tmpfs tmpfs /run mode=0755,nosuid,nodev
mkdir -p /run/ntexec/host "$share"
# The host's view of /, kept reachable before tmpfs hides /tmp and /var/tmp.
mount --bind / /run/ntexec/host
mnt tmpfs tmpfs /tmp mode=1777,nosuid,nodev
mnt tmpfs tmpfs /var/tmp mode=1777,nosuid,nodev

echo ntexec-vm >/proc/sys/kernel/hostname
if command -v ip >/dev/null 2>&1; then
	ip link set lo up || true
fi

mount -t 9p -o trans=virtio,version=9p2000.L,access=any,msize=512000 ntexec-out "$share"
NTEXEC_OUT= NTEXEC_CWD=
. "$share/guest.env"

# A working directory hidden by a tmpfs above (e.g. under /tmp): show the host's,
# read-only. Then the out directory at its host path, read-write.
if [ ! -d "$NTEXEC_CWD" ] && [ -d "/run/ntexec/host$NTEXEC_CWD" ]; then
	mkdir -p "$NTEXEC_CWD"
	mount --bind "/run/ntexec/host$NTEXEC_CWD" "$NTEXEC_CWD"
fi
mkdir -p "$NTEXEC_OUT" 2>/dev/null || true
mount --bind "$share" "$NTEXEC_OUT"
if ! cd "$NTEXEC_CWD" 2>/dev/null; then
	say "working directory $NTEXEC_CWD does not exist in the guest; using /"
	cd /
fi

read -r up _ </proc/uptime
say "running command (uptime ${up}s)"

# The command's output goes to the console and to output.log, through a fifo so
# that its status is not lost in a pipeline. A background process that keeps the
# output open does not hold up the power-off for more than 5 s.
fifo=/run/ntexec/output.fifo
mkfifo "$fifo"
tee "$NTEXEC_OUT/output.log" <"$fifo" &
tee_pid=$!
set +e
env -i PATH="$PATH" HOME=/tmp TERM=dumb USER=root LOGNAME=root LANG=C.UTF-8 \
	NTEXEC_OUT="$NTEXEC_OUT" NTEXEC_VM=1 \
	sh "$share/run.sh" </dev/null >"$fifo" 2>&1
status=$?
set -e
i=0
while kill -0 "$tee_pid" 2>/dev/null && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$tee_pid" 2>/dev/null || true

read -r up _ </proc/uptime
say "command exited with status $status (uptime ${up}s)"
echo "$status" >"$share/status"
dmesg >"$share/dmesg.txt" || true
# Leftover processes of the command.
kill -KILL -1 2>/dev/null || true
exit 0
