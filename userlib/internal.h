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

/* The ioctl system call itself: -errno on failure, errno untouched. */
long ntx_raw_ioctl(int fd, unsigned long cmd, void *arg);

/* The NTSTATUS for an errno of the transport. */
NTSTATUS ntx_errno_status(int err);

/*
 * Run the calling thread's pending user APCs, oldest first, as ntdll's
 * KiUserApcDispatcher does after an alertable wait returns STATUS_USER_APC.
 */
void ntx_deliver_apcs(void);

/* NtQueueApcThread, for a routine of either calling convention. */
NTSTATUS ntx_queue_apc(HANDLE ThreadHandle, PPS_APC_ROUTINE ApcRoutine, PVOID ApcArgument1,
		       PVOID ApcArgument2, PVOID ApcArgument3, int ms_abi);

/*
 * OBJECT_ATTRIBUTES, as the object manager's capture of it checks it
 * (section.c): the root, the name's buffer and length, the attributes.
 */
NTSTATUS ntx_object_attributes(const OBJECT_ATTRIBUTES *oa, __u64 *root,
			       __u64 *name, __u32 *name_length, __u32 *attributes);

/*
 * An NT timeout as an absolute deadline in @args (ob.c): sets
 * NTEXEC_WAIT_TIMEOUT (and NTEXEC_WAIT_REALTIME) in its flags; NULL is
 * infinite.
 */
void ntx_timeout(const LARGE_INTEGER *timeout, struct ntexec_wait *args);

#endif
