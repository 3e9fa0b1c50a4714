#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: install what is missing, build the test kernel (cached), the
# module and the demo, boot a VM with the module loaded and run the demo.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh
kdir=$(scripts/kernel.sh)
scripts/build-module.sh "$kdir" build/k6.12
make -s user
exec scripts/vm.sh --quiet --append "pci=noacpi" -- sh -c \
	"insmod '$top/build/k6.12/ntexec.ko' && '$top/build/examples/demo'; s=\$?; rmmod ntexec; exit \$s"
