#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the benchmark programs (tests/bench/) in the test VM with the module
# loaded, native Linux figures beside ntexec's in the same run.
# Usage: scripts/bench.sh [--append "KERNEL ARGS"]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh
kdir=$(scripts/kernel.sh)
scripts/build-module.sh "$kdir" build/k6.12
make -s user
cmd="insmod '$top/build/k6.12/ntexec.ko' || exit 1; s=0
for b in '$top'/build/bench/*; do \"\$b\" || s=1; done
rmmod ntexec; exit \$s"
exec scripts/vm.sh --quiet --append "pci=noacpi ${1:+$2}" -- sh -c "$cmd"
