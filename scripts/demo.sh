#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: install what is missing, build the test kernel (cached), the
# module and the demo, boot a VM and run scripts/guest/demo.sh there (load
# the module, run the demo, unload).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/helpers/deps.sh
kdir=$(scripts/helpers/kernel.sh)
scripts/helpers/build-module.sh "$kdir" build/k6.12
make -s user
exec scripts/helpers/vm.sh --quiet --append "pci=noacpi" -- \
	"$top/scripts/guest/demo.sh" "$top/build"
