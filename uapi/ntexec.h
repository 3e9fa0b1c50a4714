/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ntexec: Windows NT process, thread and memory semantics for Linux.
 *
 * The ioctl ABI of /dev/ntexec. libntexec (userlib/) is the supported caller;
 * this header is what it marshals to.
 *
 * Conventions, for every ioctl:
 *  - Arguments are one fixed-width struct; user pointers travel as __u64;
 *    every pad and reserved field must be zero, every flags word may only
 *    carry the bits its mask names. Anything else is -EINVAL.
 *  - A return value >= 0 is the NTSTATUS of the NT-level outcome, as an
 *    unsigned 32-bit value (so STATUS_ACCESS_DENIED comes back as
 *    0xC0000022). Out fields are written only when the status is a success
 *    or a documented warning (STATUS_PARTIAL_COPY and the like).
 *  - A return value < 0 is a transport error (-EFAULT, -EINVAL, -ENOTTY,
 *    -EIO for a descriptor used by a process other than its opener, ...).
 *  - NTEXEC_IOC_VERSION is the handshake: user space states the API version
 *    it speaks and the features it needs; the module answers with its own
 *    features and the ioctls it implements, as UFFDIO_API does.
 */
#ifndef _UAPI_NTEXEC_H
#define _UAPI_NTEXEC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define NTEXEC_DEVICE_NAME	"ntexec"
#define NTEXEC_API_VERSION	1

/* Feature bits, reported by NTEXEC_IOC_VERSION. */
#define NTEXEC_FEATURE_OBJECTS		(1ULL << 0) /* processes, threads, handles, waits */
#define NTEXEC_FEATURE_VIRTUAL_MEMORY	(1ULL << 1) /* Nt*VirtualMemory */
#define NTEXEC_FEATURE_WRITE_WATCH	(1ULL << 2)
#define NTEXEC_FEATURE_SECTIONS		(1ULL << 3)
#define NTEXEC_FEATURE_THREAD_CONTROL	(1ULL << 4) /* create, suspend, context, APC */
#define NTEXEC_FEATURE_JOBS		(1ULL << 5)
#define NTEXEC_FEATURE_NETLINK		(1ULL << 6)

/**
 * struct ntexec_version - the handshake
 * @api: in: the API version the caller speaks (NTEXEC_API_VERSION);
 *	out: the module's API version.
 * @flags: in: must be 0.
 * @features: in: features the caller cannot do without; out: every feature
 *	the module offers. The call fails with -EOPNOTSUPP (after writing the
 *	struct back) when @api differs or a required feature is missing.
 * @ioctls: out: bit n set when the ioctl with number NTEXEC_IOC_BASE + n is
 *	implemented.
 * @page_size: out: the page size protections apply to.
 * @allocation_granularity: out: the alignment of reservations (64 KiB).
 * @reserved: must be zero; written as zero.
 */
struct ntexec_version {
	__u32 api;
	__u32 flags;
	__u64 features;
	__u64 ioctls;
	__u32 page_size;
	__u32 allocation_granularity;
	__u64 reserved[4];
};

#define NTEXEC_IOC_MAGIC	'N'
#define NTEXEC_IOC_BASE		0xA0

#define NTEXEC_IOC_VERSION	_IOWR(NTEXEC_IOC_MAGIC, NTEXEC_IOC_BASE + 0, struct ntexec_version)

#endif /* _UAPI_NTEXEC_H */
