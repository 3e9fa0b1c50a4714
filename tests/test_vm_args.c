// SPDX-License-Identifier: GPL-2.0
/*
 * What every memory service refuses before it does anything: pointer
 * arguments it cannot write through (STATUS_ACCESS_VIOLATION), and, below
 * libntexec, ioctl argument structs with fields the call does not take,
 * non-zero padding or an unreadable address (-EINVAL, -EFAULT). The
 * sources of the expected statuses are listed in vm_util.h.
 *
 * Everything here works unprivileged.
 */
#include <sys/ioctl.h>

#include "vm_util.h"
#include "uapi/ntexec.h"

/* ------------------------------------------------------------------------ */
/* Pointer arguments                                                        */
/* ------------------------------------------------------------------------ */

TEST(null_pointer_arguments)
{
	PVOID base, got;
	SIZE_T size;
	ULONG old = NTT_POISON32;
	IO_STATUS_BLOCK iosb;
	MEMORY_BASIC_INFORMATION mbi;
	ULONG_PTR count = 4;
	ULONG granularity = NTT_POISON32;
	NTSTATUS code = (NTSTATUS)NTT_POISON32;
	char *p;

	vm_setup();
	/* The pointers the services write through are probed: an access violation. */
	size = 0x1000;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), NULL, 0, &size, MEM_RESERVE,
					      PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(size, 0x1000);
	base = NULL;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, NULL, MEM_RESERVE,
					      PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(pv(base), 0);

	p = xalloc(0x1000, PAGE_READWRITE);
	base = p;
	size = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), NULL, &size, MEM_RELEASE),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, NULL, MEM_RELEASE),
		      STATUS_ACCESS_VIOLATION);

	/* OldProtect is not optional (the WRK probes it with the others). */
	size = 0x1000;
	EXPECT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_READONLY,
					     NULL), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), NULL, &size, PAGE_READONLY,
					     &old), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, NULL, PAGE_READONLY,
					     &old), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(old, NTT_POISON32);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x1000);

	EXPECT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), NULL, &size, MAP_PROCESS),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtUnlockVirtualMemory(NtCurrentProcess(), &base, NULL, MAP_PROCESS),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, NULL),
		      STATUS_ACCESS_VIOLATION);
	memset(&iosb, NTT_POISON, sizeof(iosb));
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), NULL, &size, &iosb),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_EQ((uint32_t)iosb.Status, NTT_POISON32);
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, p, 0x1000, &got, NULL,
				      &granularity), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, p, 0x1000, &got, &count, NULL),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(count, 4);
	EXPECT_EQ(granularity, NTT_POISON32);

	/* The buffer is probed before anything else (WRK queryvm.c). */
	size = NTT_POISON64;
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, MemoryBasicInformation, NULL,
					   sizeof(mbi), &size), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(size, NTT_POISON64);

	EXPECT_STATUS(NtxGetLastException(NULL, NULL, NULL), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtxGetLastException(&code, NULL, NULL), STATUS_SUCCESS);
	EXPECT_EQ(code, 0);

	/* Nothing happened to the memory. */
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* The ioctl transport                                                      */
/* ------------------------------------------------------------------------ */

/* One raw ioctl: the transport's answer (-errno) or the NTSTATUS. */
static long raw_ioctl(unsigned long cmd, void *arg)
{
	int ret = ioctl(NtxDeviceFd(), cmd, arg);

	/* An NTSTATUS comes back as an int: only -1 is the transport's. */
	return ret == -1 ? -errno : (long)(NTSTATUS)ret;
}

/*
 * The transport refuses fields a call does not take, non-zero padding and
 * bad pointers with -EINVAL / -EFAULT, before anything happens.
 */
TEST(vm_ioctls_refuse_bad_fields)
{
	struct ntexec_vm_range r;
	struct ntexec_vm_query q;
	struct ntexec_write_watch w;
	char *p;

	vm_setup();
	p = xalloc_type(0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	p[0] = 1;

	memset(&r, 0, sizeof(r));
	r.process = (uint64_t)-1;
	r.base = pv(p);
	r.type = MEM_RELEASE;
	r.zero_bits = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_FREE_VM, &r), -EINVAL);
	r.zero_bits = 0;
	r.protect = PAGE_READWRITE;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_FREE_VM, &r), -EINVAL);
	EXPECT_EQ(xquery(p).State, MEM_COMMIT);

	memset(&r, 0, sizeof(r));
	r.process = (uint64_t)-1;
	r.base = pv(p);
	r.size = PAGE;
	r.protect = PAGE_READONLY;
	r.type = MEM_COMMIT;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_PROTECT_VM, &r), -EINVAL);
	r.type = 0;
	r.zero_bits = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_PROTECT_VM, &r), -EINVAL);
	EXPECT_EQ(xquery(p).Protect, PAGE_READWRITE);
	r.zero_bits = 0;
	r.protect = 0;
	r.type = 0;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_FLUSH_VM, &r), STATUS_NOT_MAPPED_VIEW);
	r.type = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_FLUSH_VM, &r), -EINVAL);
	r.type = MAP_PROCESS;
	r.protect = PAGE_READWRITE;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_LOCK_VM, &r), -EINVAL);
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_UNLOCK_VM, &r), -EINVAL);

	memset(&q, 0, sizeof(q));
	q.process = (uint64_t)-1;
	q.address = pv(p);
	q.buffer = pv(&q);
	q.length = 0;
	q.pad = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_QUERY_VM, &q), -EINVAL);

	memset(&w, 0, sizeof(w));
	w.process = (uint64_t)-1;
	w.base = pv(p);
	w.size = 0x10000;
	w.granularity = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_GET_WRITE_WATCH, &w), -EINVAL);
	w.granularity = 0;
	w.flags = WRITE_WATCH_FLAG_RESET;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_RESET_WRITE_WATCH, &w), -EINVAL);
	w.flags = 0;
	w.count = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_RESET_WRITE_WATCH, &w), -EINVAL);
	/* Nothing was reset by the refused calls. */
	{
		PVOID got[4];
		ULONG_PTR n = 4;
		ULONG g;

		EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, p, 0x10000, got, &n, &g),
			      STATUS_SUCCESS);
		EXPECT_EQ(n, 1);
	}

	/* Unreadable argument structs. */
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_ALLOCATE_VM, NULL), -EFAULT);
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_QUERY_VM, (void *)-4096L), -EFAULT);
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_READ_VM, (void *)8), -EFAULT);
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_GET_EXCEPTION, NULL), -EFAULT);
	xrelease(p);
}
