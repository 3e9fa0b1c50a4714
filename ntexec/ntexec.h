/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ntexec internal interfaces shared by the device (ntexec/), the memory
 * manager (ntmm/) and the process manager (ntps/).
 */
#ifndef _NTEXEC_NTEXEC_H
#define _NTEXEC_NTEXEC_H

#include <linux/types.h>
#include <linux/mm_types.h>
#include <kunit/visibility.h>

#include "../uapi/ntexec.h"
#include "status.h"

/* The features this build of the module implements (NTEXEC_IOC_VERSION). */
#define NTEXEC_FEATURES		0ULL

#define NTEXEC_ALLOCATION_GRANULARITY	(64 * 1024)

/**
 * struct ntexec_file - one open of /dev/ntexec
 * @mm: the address space of the opener (grabbed, not pinned). Every ioctl
 *	from another mm is refused with -EIO, as KVM refuses a VM descriptor
 *	used from another process: a descriptor inherited over fork(), passed
 *	with SCM_RIGHTS or kept across execve() gives no access to the
 *	opener's objects.
 */
struct ntexec_file {
	struct mm_struct *mm;
};

long ntexec_ioctl_version(struct ntexec_version *ver);

#endif /* _NTEXEC_NTEXEC_H */
