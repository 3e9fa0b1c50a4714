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
#     and reads guest.env from it: NTEXEC_OUT, the directory's host path, where it is
#     mounted again for the command; NTEXEC_CWD, the host's working directory
#   - runs run.sh from the share in NTEXEC_CWD, as root, with PATH, HOME=/tmp,
#     TERM=dumb, NTEXEC_OUT and NTEXEC_VM=1 in the environment, stdin /dev/null, and
#     its output on the console and in output.log
#   - writes the exit status to status and the kernel log to dmesg.txt, then powers off
# Whatever fails, it powers the machine off so that qemu exits.
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
	# The share has no write cache (9p cache=none): nothing to sync. A sleep started
	# before the power-off, as its binary may not load once the 9p root is gone.
	sleep 10 &
	echo o >/proc/sysrq-trigger 2>/dev/null || true
	wait $! 2>/dev/null || true
	# Still here: reboot instead; qemu runs with -no-reboot and exits.
	sleep 10 &
	echo b >/proc/sysrq-trigger 2>/dev/null || true
	wait $! 2>/dev/null || true
	# Last resort: PID 1 exiting panics the kernel, and panic=-1 reboots at once.
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

mount -t proc -o nosuid,nodev,noexec proc /proc
# mount -a skips what is mounted already (the kernel mounts devtmpfs on /dev).
# /run/ntexec/host: the host's /, before tmpfs hides its /tmp and /var/tmp.
mount -a --fstab /proc/self/fd/3 3<<'EOF'
sysfs      /sys                sysfs    nosuid,nodev,noexec                          0 0
devtmpfs   /dev                devtmpfs mode=0755,nosuid                             0 0
devpts     /dev/pts            devpts   X-mount.mkdir,gid=5,mode=0620,ptmxmode=0666,nosuid,noexec 0 0
tmpfs      /dev/shm            tmpfs    X-mount.mkdir,mode=1777,nosuid,nodev         0 0
debugfs    /sys/kernel/debug   debugfs  mode=0700,nofail                             0 0
tracefs    /sys/kernel/tracing tracefs  mode=0700,nofail                             0 0
cgroup2    /sys/fs/cgroup      cgroup2  nosuid,nodev,noexec,nsdelegate,nofail        0 0
tmpfs      /run                tmpfs    mode=0755,nosuid,nodev                       0 0
/          /run/ntexec/host    none     bind,X-mount.mkdir                           0 0
tmpfs      /tmp                tmpfs    mode=1777,nosuid,nodev                       0 0
tmpfs      /var/tmp            tmpfs    mode=1777,nosuid,nodev                       0 0
ntexec-out /run/ntexec/out     9p       X-mount.mkdir,trans=virtio,version=9p2000.L,access=any,msize=512000 0 0
EOF

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
# A background process still holding the output open delays the end by 5 s at most.
(sleep 5 && kill "$tee_pid") 2>/dev/null &
wait "$tee_pid" 2>/dev/null || true

read -r up _ </proc/uptime
say "command exited with status $status (uptime ${up}s)"
echo "$status" >"$share/status"
dmesg >"$share/dmesg.txt" || true
# Leftover processes of the command.
kill -KILL -1 2>/dev/null || true
exit 0
