#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what ntexec needs to build, test and demo, from Debian's archive.
# As root it runs apt-get; otherwise it prints the command and fails.
#
# Usage: scripts/helpers/deps.sh [--print]
set -eu

PKGS="build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils
zstd rsync python3 pkg-config libnl-3-dev libnl-genl-3-dev qemu-system-x86
linux-source-6.12 linux-headers-amd64 perl e2fsprogs mount pahole dkms linux-perf"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0
[ "${1:-}" = "--print" ] && { echo "$missing"; exit 0; }

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "ntexec: missing packages:$missing" >&2
	echo "ntexec: run as root: apt-get update && $cmd" >&2
	exit 1
fi

echo "ntexec: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# A package list older than a day (or none) is refreshed first.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n 1)" ]; then
	apt-get update -q
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || {
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
}
