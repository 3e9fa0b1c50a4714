#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM for make demo (scripts/demo.sh), as root: load the module,
# run the demo, unload. Exits with the demo's status (insmod's if that failed).
#
# Usage: scripts/guest/demo.sh BUILD
#   BUILD    the build directory (k6.12/ntexec.ko, examples/demo)

build=$1
insmod "$build/k6.12/ntexec.ko" && "$build/examples/demo"
s=$?
rmmod ntexec
exit $s
