#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the ntexec test VM. Not run by hand: scripts/helpers/vm.sh boots the kernel
# with init=<this file> and the host's / as a read-only 9p root.
#
# What it does, in order:
#   - mounts proc, sysfs, devtmpfs, devpts, /dev/shm, debugfs, tracefs, cgroup2, and
#     tmpfs on /run, /tmp (1777), /var/tmp (1777); sets the hostname; brings up lo
#   - mounts the 9p share tagged "ntexec-out" (vm.sh's --out directory, read-write)
#     and reads guest.env from it: NTEXEC_OUT, the directory's host path, where it is
#     mounted again for the command; NTEXEC_CWD, the host's working directory
#   - runs run.sh from the share in NTEXEC_CWD, as root, with PATH, HOME=/tmp,
#     TERM=dumb, NTEXEC_OUT and NTEXEC_VM=1 in the environment, stdin /dev/null, and
#     its output on the console and in output.log
#   - writes the exit status to status and the kernel log to dmesg.txt, then ends the
#     machine (sysrq reset: qemu runs with -no-reboot and exits)
# Whatever fails, it ends the machine so that qemu exits.
#
# Under TCG with a KASAN+lockdep kernel every exec costs about half a second, so this
# script runs as few programs as it can (one `mount -a` for all the file systems).
set -eu

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022
share=/run/ntexec/out
fifo=/run/ntexec/output.fifo

say() {
	echo "ntexec-vm: $*"
}

poweroff_now() {
	# sysrq b resets the machine at once, from this very write: no userspace, no
	# waiting, and with -no-reboot qemu exits. (sysrq o powers off too, through ACPI,
	# but from a work queue: PID 1 would have to wait, and once the 9p root is going
	# away it cannot even start a sleep.) The share has no write cache: no sync.
	echo b >/proc/sysrq-trigger 2>/dev/null || true
	# Still here: PID 1 exiting panics the kernel, and panic=-1 reboots at once.
	exit 1
}

finish() {
	rc=$?
	trap - EXIT
	set +e
	[ "$rc" -eq 0 ] || say "init failed (status $rc); stopping the machine"
	poweroff_now
}
trap finish EXIT

mount -t proc -o nosuid,nodev,noexec proc /proc
# One `mount -a` for the rest; it skips what is mounted already. libmount wants a
# regular file: the fstab goes to /dev, which the kernel mounted (DEVTMPFS_MOUNT).
# /run/ntexec/host: the host's /, before tmpfs hides its /tmp and /var/tmp.
fstab=/dev/.ntexec-fstab
if ! { : >"$fstab"; } 2>/dev/null; then
	mount -t devtmpfs -o mode=0755,nosuid devtmpfs /dev
fi
opts9p=trans=virtio,version=9p2000.L,access=any,msize=512000
printf '%s\n' \
	"sysfs      /sys                sysfs    nosuid,nodev,noexec" \
	"devpts     /dev/pts            devpts   X-mount.mkdir,gid=5,mode=0620,ptmxmode=0666,nosuid,noexec" \
	"tmpfs      /dev/shm            tmpfs    X-mount.mkdir,mode=1777,nosuid,nodev" \
	"debugfs    /sys/kernel/debug   debugfs  mode=0700,nofail" \
	"tracefs    /sys/kernel/tracing tracefs  mode=0700,nofail" \
	"cgroup2    /sys/fs/cgroup      cgroup2  nosuid,nodev,noexec,nsdelegate,nofail" \
	"tmpfs      /run                tmpfs    mode=0755,nosuid,nodev" \
	"/          /run/ntexec/host    none     bind,X-mount.mkdir" \
	"tmpfs      /tmp                tmpfs    mode=1777,nosuid,nodev" \
	"tmpfs      /var/tmp            tmpfs    mode=1777,nosuid,nodev" \
	"ntexec-out $share     9p       X-mount.mkdir,$opts9p" >"$fstab"
mount -a --fstab "$fstab"

echo ntexec-vm >/proc/sys/kernel/hostname
{ ip link set lo up || say "could not bring up lo"; } 2>/dev/null &
mkfifo "$fifo" &

NTEXEC_OUT= NTEXEC_CWD=
. "$share/guest.env"
# A working directory hidden by a tmpfs above (e.g. under /tmp): show the host's,
# read-only. Then the out directory at its host path.
if [ ! -d "$NTEXEC_CWD" ] && [ -d "/run/ntexec/host$NTEXEC_CWD" ]; then
	mount -o bind,X-mount.mkdir "/run/ntexec/host$NTEXEC_CWD" "$NTEXEC_CWD"
fi
mount -o bind,X-mount.mkdir "$share" "$NTEXEC_OUT"
wait
[ -p "$fifo" ]

read -r up _ </proc/uptime
say "running command (uptime ${up}s)"

# The command's output goes to the console and to output.log through a fifo, so
# that its status is not lost in a pipeline.
tee "$NTEXEC_OUT/output.log" <"$fifo" &
tee_pid=$!
set +e
(
	cd "$NTEXEC_CWD" 2>/dev/null || { say "no $NTEXEC_CWD in the guest; running in /"; cd /; }
	HOME=/tmp TERM=dumb USER=root LOGNAME=root LANG=C.UTF-8 NTEXEC_VM=1
	export HOME TERM USER LOGNAME LANG NTEXEC_OUT NTEXEC_VM
	set +eu
	. "$share/run.sh"
) </dev/null >"$fifo" 2>&1
status=$?
set -e
read -r up _ </proc/uptime
dmesg >"$share/dmesg.txt" &
dmesg_pid=$!
# A background process still holding the output open delays the end by 5 s at most.
(sleep 5 && kill "$tee_pid") 2>/dev/null &
wait "$tee_pid" 2>/dev/null || true
say "command exited with status $status (uptime ${up}s)"
wait "$dmesg_pid" || say "dmesg failed"
echo "$status" >"$share/status"
# Leftover processes of the command.
kill -KILL -1 2>/dev/null || true
exit 0
