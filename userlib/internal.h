/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libntexec internals: one descriptor of /dev/ntexec per process, opened on
 * first use (without a lock: async-signal-safe) and reopened in a fork()ed
 * child (which is a new NT process).
 */
#ifndef NTEXEC_USERLIB_INTERNAL_H
#define NTEXEC_USERLIB_INTERNAL_H

#include <ntexec/nt.h>
#include "uapi/ntexec.h"

#define NTX_EXPORT __attribute__((visibility("default")))

/*
 * The descriptor, opening the device on first use; -1 (errno set) when it
 * is absent. Async-signal-safe.
 */
int ntx_fd(void);

/*
 * Issue one ioctl. The module returns an NTSTATUS (as an unsigned value) or
 * a transport error, which is mapped to the closest NTSTATUS here.
 */
NTSTATUS ntx_ioctl(unsigned long cmd, void *arg);

/* The NTSTATUS for an errno of the transport. */
NTSTATUS ntx_errno_status(int err);

#endif
