#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside a throw-away QEMU guest running the ntexec test kernel, with the
# host's / shared read-only over 9p (virtme-style). The command runs as root, in the
# current directory, with PATH=/usr/local/sbin:...:/bin, HOME=/tmp, NTEXEC_VM=1 and
# NTEXEC_OUT=<the out directory>, which the guest can write to at the same path.
# /tmp, /var/tmp, /run are fresh tmpfs in the guest (/tmp mode 1777); the rest of / is
# read-only (a working directory under /tmp is the host's, read-only). The guest stops
# when the command ends; leftover processes are killed.
#
# Usage: scripts/helpers/vm.sh [OPTIONS] -- COMMAND [ARGS...]
#   --kernel PATH    bzImage (default: $(scripts/helpers/kernel.sh --dir)/arch/x86/boot/bzImage)
#   --initrd PATH    an initramfs for --kernel (one that mounts the 9p root as
#                    scripts/helpers/stock-kernel.sh's does)
#   --stock VERSION  boot Debian's stock kernel VERSION (6.1 or 6.12) with its busybox
#                    initramfs, fetched once by scripts/helpers/stock-kernel.sh; its
#                    modules are the guest's /lib/modules
#   --mem SIZE       guest memory (default 2G)
#   --cpus N         guest CPUs (default 2)
#   --out DIR        where to leave the results (default: a fresh mktemp directory)
#   --append ARGS    extra kernel command line, e.g. "kmemleak=on"
#   --disk SIZE      a blank virtio disk of SIZE (e.g. 2G; a sparse file in the out
#                    directory, deleted afterwards); repeatable: /dev/vda, /dev/vdb, ...
#   --timeout SECS   kill the guest and fail after SECS seconds (default 1200)
#   --vng            run through virtme-ng's vng instead (must be on PATH)
#   --quiet          do not echo the guest console; print only the command's output
#
# Files left in the out directory:
#   console.log   everything on the guest's serial console (kernel log and command output)
#   output.log    the command's stdout and stderr only
#   dmesg.txt     the guest kernel log, taken after the command ended
#   status        the command's exit status (absent if the guest died first)
#   run.sh, guest.env   the command and its working directory, as handed to the guest
#                       (and vng-run.sh with --vng)
#
# Exit status: the command's; 124 on timeout; 125 if the guest died or could not be
# started (the tail of console.log is printed) or on a usage error; 130 on Ctrl-C.
# KVM is used when /proc/cpuinfo has vmx or svm and /dev/kvm is usable, TCG otherwise.
set -eu

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
prog="ntexec-vm"

die() {
	echo "$prog: $*" >&2
	exit 125
}
usage() {
	sed -n '/^# Usage:/,/^# KVM/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit "${1:-125}"
}

kernel="" initrd="" stock="" mem=2G cpus=2 out="" append="" timeout=1200 use_vng=0 quiet=0
disks=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) [ $# -ge 2 ] || usage; kernel=$2; shift 2 ;;
	--initrd) [ $# -ge 2 ] || usage; initrd=$2; shift 2 ;;
	--stock) [ $# -ge 2 ] || usage; stock=$2; shift 2 ;;
	--mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
	--cpus) [ $# -ge 2 ] || usage; cpus=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--append) [ $# -ge 2 ] || usage; append=$2; shift 2 ;;
	--disk) [ $# -ge 2 ] || usage; disks+=("$2"); shift 2 ;;
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	--kernel=*) kernel=${1#*=}; shift ;;
	--initrd=*) initrd=${1#*=}; shift ;;
	--stock=*) stock=${1#*=}; shift ;;
	--mem=*) mem=${1#*=}; shift ;;
	--cpus=*) cpus=${1#*=}; shift ;;
	--out=*) out=${1#*=}; shift ;;
	--append=*) append=${1#*=}; shift ;;
	--timeout=*) timeout=${1#*=}; shift ;;
	--vng) use_vng=1; shift ;;
	--quiet) quiet=1; shift ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) echo "$prog: unknown option: $1" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || { echo "$prog: no command given" >&2; usage; }
case "$timeout" in ''|*[!0-9]*) die "--timeout wants whole seconds, not '$timeout'" ;; esac
case "$cpus" in ''|*[!0-9]*) die "--cpus wants a number, not '$cpus'" ;; esac
[ "$timeout" -gt 0 ] && [ "$cpus" -gt 0 ] || die "--timeout and --cpus must be positive"
if [ "$use_vng" = 1 ] && ! command -v vng >/dev/null 2>&1; then
	die "--vng given but vng (virtme-ng) is not on PATH; install virtme-ng or drop --vng"
fi

if [ "${#disks[@]}" -gt 0 ] && [ "$use_vng" = 1 ]; then
	die "--disk is not passed to vng"
fi
stock_modules=""
if [ -n "$stock" ]; then
	[ -z "$kernel" ] && [ -z "$initrd" ] || die "--stock chooses the kernel and initrd itself"
	[ "$use_vng" = 0 ] || die "--stock and --vng do not go together (vng brings its own init)"
	sdir=$("$here/stock-kernel.sh" "$stock") || die "could not fetch Debian's stock $stock kernel"
	sdir=$(cd "$sdir" && pwd -P)
	kernel=$sdir/vmlinuz
	initrd=$sdir/initrd.img
	stock_modules=$(cd "$sdir/modules" && pwd -P)
fi
if [ -n "$initrd" ]; then
	[ -f "$initrd" ] || die "no initrd at $initrd"
	initrd=$(cd "$(dirname "$initrd")" && pwd -P)/$(basename "$initrd")
fi
if [ -z "$kernel" ]; then
	kdir=$("$here/kernel.sh" --dir)
	kernel="$kdir/arch/x86/boot/bzImage"
	[ -f "$kdir/.ntexec-built" ] && [ -f "$kernel" ] ||
		die "the test kernel is not built yet: run scripts/helpers/kernel.sh (tree: $kdir)"
fi
[ -f "$kernel" ] || die "no kernel at $kernel"
kernel=$(cd "$(dirname "$kernel")" && pwd -P)/$(basename "$kernel")

# PID 1 of the guest lives with the other scripts that run in the guest.
init="$(cd "$here/.." && pwd -P)/guest/init.sh"
[ -r "$init" ] || die "missing $init"
case "$init" in
*[[:space:]\"\']*) die "the path of init.sh ($init) must not contain blanks or quotes: it goes on the kernel command line" ;;
esac
[ -x "$init" ] || die "$init is not executable (chmod +x)"

if [ -n "$out" ]; then
	mkdir -p "$out"
	out=$(cd "$out" && pwd -P)
	made_out=0
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/ntexec-vm.XXXXXX")
	out=$(cd "$out" && pwd -P)
	made_out=1
fi
rm -f "$out/console.log" "$out/output.log" "$out/dmesg.txt" "$out/status" \
	"$out/run.sh" "$out/guest.env" "$out/vng-run.sh"

# Single-quote for sh: ' becomes '\''.
shq() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}
cwd=$(pwd -P)
{
	echo "# Generated by scripts/helpers/vm.sh: the command run in the guest."
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(shq "$a")"; done
	echo
} >"$out/run.sh"
{
	echo "# Generated by scripts/helpers/vm.sh, read by scripts/guest/init.sh."
	echo "NTEXEC_OUT=$(shq "$out")"
	echo "NTEXEC_CWD=$(shq "$cwd")"
} >"$out/guest.env"
: >"$out/console.log"
: >"$out/output.log"

have_kvm=0
if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	have_kvm=1
fi

qemu_pid="" tail_pid="" dog_pid="" kill_target=""
stop_all() {
	local p i
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$kill_target" "$qemu_pid" 2>/dev/null || true
		for i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.3
		done
		kill -KILL "$kill_target" "$qemu_pid" 2>/dev/null || true
	fi
	for p in $dog_pid $tail_pid; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	for i in "${!disks[@]}"; do
		rm -f "$out/disk$i.img"
	done
}
on_signal() {
	trap - INT TERM HUP
	echo "$prog: interrupted; stopping the guest (results so far: $out)" >&2
	stop_all
	exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP
trap 'stop_all' EXIT

# Comma is the separator in qemu's option syntax: double it in paths.
qesc() { printf '%s' "${1//,/,,}"; }

start=${EPOCHREALTIME/./}
if [ "$use_vng" = 1 ]; then
	# vng supplies its own init: wrap the command so that it leaves the same files.
	cat >"$out/vng-run.sh" <<-EOF
		# Generated by scripts/helpers/vm.sh for vng.
		cd $(shq "$cwd") 2>/dev/null || cd /
		export HOME=/tmp NTEXEC_OUT=$(shq "$out") NTEXEC_VM=1
		{ sh $(shq "$out/run.sh") </dev/null 2>&1; echo \$? >$(shq "$out/status"); } |
			tee $(shq "$out/output.log")
		dmesg >$(shq "$out/dmesg.txt") 2>/dev/null || true
		sync
	EOF
	vng_args=(--run "$kernel" --cpus "$cpus" --memory "$mem" --rwdir "$out")
	[ "$have_kvm" = 1 ] || vng_args+=(--disable-kvm)
	# pci=noacpi, as the bare runner below passes (see there): without it the
	# debug kernel spends its boot in the ACPI interpreter under TCG and vng
	# seems to hang.
	vng_args+=(--append "pci=noacpi trace_options=norecord-cmd${append:+ $append}")
	[ -z "$initrd" ] || die "--initrd and --vng do not go together"
	vng_args+=(--exec "sh $(shq "$out/vng-run.sh")")
	# In a session of its own, so that stopping it stops the qemu it starts, too.
	setsid -w vng "${vng_args[@]}" </dev/null >>"$out/console.log" 2>&1 &
	qemu_pid=$!
	kill_target="-$qemu_pid"
else
	qemu=(qemu-system-x86_64)
	if [ "$have_kvm" = 1 ]; then
		qemu+=(-accel kvm -cpu host)
	else
		# 5-level paging makes every TLB miss of TCG's soft MMU slower.
		qemu+=(-accel tcg,thread=multi -cpu max,la57=off)
	fi
	cmdline="root=/dev/root rootfstype=9p"
	# cache=loose: the root is read-only and does not change under a test; without
	# page cache every exec reads its libraries over 9p again (3x slower boot).
	cmdline+=" rootflags=version=9p2000.L,trans=virtio,access=any,msize=512000,cache=loose"
	# pci=noacpi: under TCG with lockdep and KASAN the ACPI interpreter is so slow that
	# evaluating the PCI interrupt routing (_PRT) hits its 30 s loop timeout, three
	# times; the BIOS's PIRQ table gives the same routing at once.
	cmdline+=" ro console=ttyS0 panic=-1 pci=noacpi init=$init"
	# norecord-cmd: enabling a trace event would otherwise hook sched_switch and
	# the wakeups, patching the kernel's hottest text while the other vCPU runs
	# it; QEMU's TCG has executed a stale int3 there (Oops: int3 in
	# ttwu_do_activate, stock 6.12, test_trace).
	cmdline+=" trace_options=norecord-cmd"
	# The stock kernels' initramfs bind-mounts their modules on /lib/modules.
	[ -z "$stock_modules" ] || cmdline+=" ntexec_modules=$stock_modules"
	[ -z "$append" ] || cmdline+=" $append"
	[ -z "$initrd" ] || qemu+=(-initrd "$initrd")
	qemu+=(
		-nodefaults -no-user-config -display none -no-reboot
		-machine pc -smp "$cpus" -m "$mem"
		-kernel "$kernel" -append "$cmdline"
		-chardev "file,id=con,path=$(qesc "$out/console.log")"
		-serial chardev:con
		-fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap
		-device virtio-9p-pci,fsdev=r,mount_tag=/dev/root
		-fsdev "local,id=o,path=$(qesc "$out"),security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=o,mount_tag=ntexec-out
		-device virtio-rng-pci
	)
	for i in "${!disks[@]}"; do
		rm -f "$out/disk$i.img"
		truncate -s "${disks[$i]}" "$out/disk$i.img" || die "--disk: cannot make a ${disks[$i]} disk"
		qemu+=(-drive "file=$(qesc "$out/disk$i.img"),if=virtio,format=raw,cache=unsafe")
	done
	"${qemu[@]}" </dev/null >&2 &
	qemu_pid=$!
	kill_target=$qemu_pid
fi

# Echo the console (or with --quiet the command's output only) as it grows.
echo_log="$out/console.log"
[ "$quiet" = 0 ] || echo_log="$out/output.log"
tail -n +1 -s 0.2 --pid="$qemu_pid" -f "$echo_log" &
tail_pid=$!

sleep "$timeout" &
dog_pid=$!
timed_out=0
wait -n "$qemu_pid" "$dog_pid" || true
if kill -0 "$qemu_pid" 2>/dev/null; then
	timed_out=1
	echo "$prog: timed out after ${timeout}s; killing the guest" >&2
	stop_all
else
	kill "$dog_pid" 2>/dev/null || true
	wait "$qemu_pid" 2>/dev/null || true
	# tail notices qemu's end within its 0.2 s poll and prints what is left.
	wait "$tail_pid" 2>/dev/null || true
	# The kernel's last line has no newline yet.
	[ ! -s "$echo_log" ] || [ -z "$(tail -c 1 "$echo_log")" ] || echo
fi
qemu_pid="" tail_pid="" dog_pid=""
ms=$(( (${EPOCHREALTIME/./} - start) / 1000 ))
elapsed="$((ms / 1000)).$((ms % 1000 / 100))"

if [ "$made_out" = 1 ]; then
	echo "$prog: results in $out" >&2
fi
[ ! -s "$out/dmesg.txt" ] || echo "$prog: kernel log: $out/dmesg.txt" >&2
if [ "$timed_out" = 1 ]; then
	echo "$prog: the command did not finish within ${timeout}s; last console lines:" >&2
	tail -n 20 "$out/console.log" >&2
	exit 124
fi
rc=$(cat "$out/status" 2>/dev/null || true)
case "$rc" in
'' | *[!0-9]*)
	echo "$prog: the guest died before the command finished (no status); last console lines:" >&2
	tail -n 30 "$out/console.log" >&2
	if grep -qE 'Kernel panic|BUG:|Oops|general protection' "$out/console.log"; then
		echo "$prog: the kernel crashed:" >&2
		grep -m 5 -E 'Kernel panic|BUG:|Oops|general protection' "$out/console.log" >&2
	fi
	echo "$prog: full console: $out/console.log" >&2
	exit 125
	;;
esac
echo "$prog: exit status $rc after ${elapsed}s" >&2
exit "$rc"
