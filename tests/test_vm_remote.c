// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual memory of another process: a parent operates on a fork()ed
 * child's memory through a process handle (NtAllocateVirtualMemory,
 * NtReadVirtualMemory, NtWriteVirtualMemory, NtProtectVirtualMemory,
 * NtQueryVirtualMemory, NtFreeVirtualMemory), the access each needs, a
 * process that has exited, /proc/<pid>/mem and ptrace on the module's
 * pages, and memory given back at exit and execve. The child ("kid") and
 * the sources of the expected statuses are described in vm_handle_util.h.
 */
#include <sys/ptrace.h>

#include "vm_handle_util.h"

/* ------------------------------------------------------------------------ */
/* Allocation, reading and writing in another process                       */
/* ------------------------------------------------------------------------ */

TEST(remote_allocate_commit_read_write)
{
	const SIZE_T size = 64 * 1024;
	unsigned char *expect, *buf, src[9000];
	struct vmk k;
	SIZE_T n;
	char *base;
	HANDLE h;
	size_t i;

	nt_setup();
	expect = malloc(size);
	buf = malloc(size);
	ASSERT_TRUE(expect && buf);
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	expect_region(h, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, size);
	/* The kid sees demand-zero pages at the address it was given. */
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv_fill(0, size));

	/* What the kid writes, the parent reads. */
	vmk_ok(&k, VMK_PATTERN, 5, base, size);
	fill_pattern(expect, 5, 0, size);
	memset(buf, 0, size);
	EXPECT_STATUS(rd(h, base, buf, size, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, size);
	EXPECT_EQ(memcmp(buf, expect, size), 0);

	/* What the parent writes, the kid sees. */
	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 13 + 1);
	EXPECT_STATUS(wr(h, base + 1000, src, sizeof(src), &n), STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(src));
	memcpy(expect + 1000, src, sizeof(src));
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv(expect, size));
	memset(buf, 0, size);
	EXPECT_STATUS(rd(h, base, buf, size, &n), STATUS_SUCCESS);
	EXPECT_EQ(memcmp(buf, expect, size), 0);

	/* The byte count is optional. */
	EXPECT_STATUS(NtReadVirtualMemory(h, base + 1000, buf, 16, NULL), STATUS_SUCCESS);
	EXPECT_EQ(memcmp(buf, src, 16), 0);
	EXPECT_STATUS(NtWriteVirtualMemory(h, base, src, 16, NULL), STATUS_SUCCESS);
	memcpy(expect, src, 16);

	/* Zero bytes: success, nothing copied (test_VirtualAllocEx, "test 0 length"). */
	EXPECT_STATUS(rd(h, base, buf, 0, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, 0);
	EXPECT_STATUS(wr(h, base, src, 0, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv(expect, size));

	/* Released through the handle: gone for the kid. */
	xrelease(h, base, size);
	vmk_faults(&k, VMK_FILL, 1, base, 1, base);
	expect_free(h, base);

	xclose(h);
	vmk_kill(&k);
	free(expect);
	free(buf);
}

/* NtReadVirtualMemory and NtWriteVirtualMemory reach memory ntexec did not allocate. */
TEST(remote_read_write_linux_memory)
{
	static const char msg[] = "written by the parent into the kid's .bss";
	unsigned char expect[sizeof(vmk_static)], buf[sizeof(vmk_static)];
	struct vmk k;
	SIZE_T n;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	memset(expect, 0, sizeof(expect));
	EXPECT_STATUS(wr(h, vmk_static + 100, msg, sizeof(msg), &n), STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(msg));
	memcpy(expect + 100, msg, sizeof(msg));
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, vmk_static, sizeof(vmk_static)),
		  fnv(expect, sizeof(expect)));
	/* The kid's copy changed, not the parent's. */
	EXPECT_TRUE(is_filled(vmk_static, 0, sizeof(vmk_static)));

	vmk_ok(&k, VMK_FILL, 0x5a, vmk_static, sizeof(vmk_static));
	EXPECT_STATUS(rd(h, vmk_static, buf, sizeof(buf), &n), STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(buf));
	EXPECT_TRUE(is_filled(buf, 0x5a, sizeof(buf)));
	EXPECT_TRUE(is_filled(vmk_static, 0, sizeof(vmk_static)));

	xclose(h);
	vmk_kill(&k);
}

/*
 * A copy that runs from committed into reserved memory stops at the
 * boundary: STATUS_PARTIAL_COPY. test_VirtualAllocEx: NtWriteVirtualMemory
 * over 0x2000 writable bytes followed by read-only ones reports
 * STATUS_PARTIAL_COPY and 0x2000 written: a fault in the destination keeps
 * the exact count. The source of a copy is read 64 KiB at a time into a
 * buffer (MmCopyVirtualMemory), whole or not at all, so a read that runs
 * into reserved memory within one chunk copies nothing.
 */
TEST(remote_partial_copy_at_commit_boundary)
{
	const SIZE_T size = 64 * 1024, committed = 4 * PAGE;
	unsigned char *expect, *buf, src[100];
	struct vmk k;
	SIZE_T n;
	char *base;
	HANDLE h;

	nt_setup();
	expect = malloc(size);
	buf = malloc(size);
	ASSERT_TRUE(expect && buf);
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	base = xalloc(h, NULL, size, MEM_RESERVE, PAGE_READWRITE);
	xcommit(h, base, committed, PAGE_READWRITE);
	vmk_ok(&k, VMK_PATTERN, 9, base, committed);
	fill_pattern(expect, 9, 0, committed);

	/* Small (one page each side): the source chunk fails whole. */
	memset(buf, 0, size);
	EXPECT_STATUS(rd(h, base + committed - 100, buf, 200, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);

	/* Large (the whole reservation, one chunk): nothing either. */
	memset(buf, 0, size);
	EXPECT_STATUS(rd(h, base, buf, size, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);

	/* The committed part alone reads whole. */
	EXPECT_STATUS(rd(h, base, buf, committed, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, committed);
	EXPECT_EQ(memcmp(buf, expect, committed), 0);

	/* Starting in reserved memory: nothing. */
	EXPECT_STATUS(rd(h, base + committed, buf, 100, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);

	/* Writes the same way; the committed part is written. */
	memset(src, 0xa7, sizeof(src));
	EXPECT_STATUS(wr(h, base + committed - 50, src, sizeof(src), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 50);
	memset(expect + committed - 50, 0xa7, 50);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, committed), fnv(expect, committed));
	EXPECT_STATUS(wr(h, base + committed, src, sizeof(src), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	EXPECT_STATUS(wr(h, base + 2 * committed - 1, src, sizeof(src), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	/* Still reserved: the failed write committed nothing. */
	expect_region(h, base + committed, base, PAGE_READWRITE, MEM_RESERVE, 0, size - committed);

	xrelease(h, base, size);
	xclose(h);
	vmk_kill(&k);
	free(expect);
	free(buf);
}

/*
 * Reading or writing where the target has nothing: ReadProcessMemory fails
 * with ERROR_PARTIAL_COPY (the copy faults on its first byte), so
 * NtReadVirtualMemory says STATUS_PARTIAL_COPY with 0 bytes; an exception
 * while copying from the target is always PARTIAL_COPY in MmCopyVirtualMemory
 * (ReactOS MiDoPoolCopy). STATUS_ACCESS_VIOLATION is for addresses that are
 * not user addresses at all: NtReadVirtualMemory checks that BaseAddress +
 * BufferSize neither wraps nor passes MM_HIGHEST_USER_ADDRESS before it
 * copies anything (ReactOS, as the WRK).
 */
TEST(remote_read_unallocated_is_partial_copy)
{
	unsigned char buf[PAGE];
	struct vmk k;
	SIZE_T n;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	/* An address known to be free in the kid: one that was just released. */
	base = xalloc(h, NULL, GRANULE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	xrelease(h, base, GRANULE);
	expect_free(h, base);
	EXPECT_STATUS(rd(h, base, buf, sizeof(buf), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	EXPECT_STATUS(rd(h, base + 10, buf, 1, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	memset(buf, 1, sizeof(buf));
	EXPECT_STATUS(wr(h, base, buf, sizeof(buf), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	/* The write did not allocate anything. */
	expect_free(h, base);

	/* Not user addresses. */
	EXPECT_STATUS(rd(h, (void *)(uintptr_t)0xffff800000000000ull, buf, 16, &n),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(rd(h, (void *)(uintptr_t)0xfffffffffffff000ull, buf, 0x2000, &n),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(wr(h, (void *)(uintptr_t)0xffff800000000000ull, buf, 16, &n),
		      STATUS_ACCESS_VIOLATION);

	xclose(h);
	vmk_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* Protection, query, decommit and release in another process               */
/* ------------------------------------------------------------------------ */

TEST(remote_protect_readonly_faults_the_kid)
{
	const SIZE_T size = 64 * 1024;
	unsigned char buf[PAGE], src[16];
	struct vmk k;
	ULONG old;
	void *p;
	SIZE_T s, n;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_FILL, 0x11, base, 2 * PAGE);

	/* The range is rounded out to the page and written back. */
	p = base + 10;
	s = 100;
	old = NTT_POISON32;
	ASSERT_STATUS(NtProtectVirtualMemory(h, &p, &s, PAGE_READONLY, &old), STATUS_SUCCESS);
	EXPECT_EQ(old, PAGE_READWRITE);
	EXPECT_EQ(p, (void *)base);
	EXPECT_EQ(s, PAGE);

	/* The kid's write to the read-only page faults; its neighbour is writable. */
	vmk_faults(&k, VMK_FILL, 0x22, base + 5, 1, base + 5);
	vmk_ok(&k, VMK_FILL, 0x22, base + PAGE, 1);
	/* Reading it is fine, and the failed write changed nothing. */
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, PAGE), fnv_fill(0x11, PAGE));

	expect_region(h, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READONLY, PAGE);
	expect_region(h, base + PAGE, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE,
		      size - PAGE);

	/* Read-only pages can be read remotely ... */
	EXPECT_STATUS(rd(h, base, buf, PAGE, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, PAGE);
	EXPECT_TRUE(is_filled(buf, 0x11, PAGE));
	/*
	 * ... but not written: NtWriteVirtualMemory does not override the
	 * protection (test_VirtualAllocEx: STATUS_PARTIAL_COPY with 0 bytes
	 * on a PAGE_READONLY target; kernelbase's WriteProcessMemory is what
	 * makes pages writable first).
	 */
	memset(src, 0x33, sizeof(src));
	EXPECT_STATUS(wr(h, base + 8, src, sizeof(src), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, PAGE), fnv_fill(0x11, PAGE));

	/* No access at all: neither the kid nor the parent can read it. */
	EXPECT_EQ(xprotect(h, base, PAGE, PAGE_NOACCESS), PAGE_READONLY);
	vmk_faults(&k, VMK_HASH, 0, base, PAGE, base);
	EXPECT_STATUS(rd(h, base, buf, 16, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	expect_region(h, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_NOACCESS, PAGE);

	/* Back to read-write: the data survived the protection changes. */
	EXPECT_EQ(xprotect(h, base, PAGE, PAGE_READWRITE), PAGE_NOACCESS);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, PAGE), fnv_fill(0x11, PAGE));
	vmk_ok(&k, VMK_FILL, 0x44, base, PAGE);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, PAGE), fnv_fill(0x44, PAGE));
	expect_region(h, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, size);

	/* Reserved pages have no protection to change (ERROR_INVALID_ADDRESS in test_VirtualAllocEx). */
	xrelease(h, base, size);
	base = xalloc(h, NULL, size, MEM_RESERVE, PAGE_READWRITE);
	old = NTT_POISON32;
	EXPECT_STATUS(vm_protect(h, base, PAGE, PAGE_READONLY, &old), STATUS_NOT_COMMITTED);
	xrelease(h, base, size);

	xclose(h);
	vmk_kill(&k);
}

TEST(remote_query)
{
	const SIZE_T size = 64 * 1024;
	MEMORY_BASIC_INFORMATION m;
	struct vmk k;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	/* Reserved, committed read-write, committed read-only, reserved. */
	base = xalloc(h, NULL, size, MEM_RESERVE, PAGE_EXECUTE_READWRITE);
	xcommit(h, base + PAGE, 3 * PAGE, PAGE_READWRITE);
	EXPECT_EQ(xprotect(h, base + 3 * PAGE, PAGE, PAGE_READONLY), PAGE_READWRITE);

	expect_region(h, base, base, PAGE_EXECUTE_READWRITE, MEM_RESERVE, 0, PAGE);
	expect_region(h, base + PAGE + 123, base, PAGE_EXECUTE_READWRITE, MEM_COMMIT,
		      PAGE_READWRITE, 2 * PAGE);
	expect_region(h, base + 3 * PAGE, base, PAGE_EXECUTE_READWRITE, MEM_COMMIT,
		      PAGE_READONLY, PAGE);
	expect_region(h, base + 4 * PAGE, base, PAGE_EXECUTE_READWRITE, MEM_RESERVE, 0,
		      size - 4 * PAGE);
	expect_region(h, base + size - 1, base, PAGE_EXECUTE_READWRITE, MEM_RESERVE, 0, PAGE);

	/* ReturnLength is optional. */
	memset(&m, NTT_POISON, sizeof(m));
	EXPECT_STATUS(NtQueryVirtualMemory(h, base + PAGE, MemoryBasicInformation, &m, sizeof(m),
					   NULL), STATUS_SUCCESS);
	EXPECT_EQ(m.State, MEM_COMMIT);

	/* The kid's view agrees: it can write where the parent says it may. */
	vmk_ok(&k, VMK_FILL, 1, base + PAGE, 2 * PAGE);
	vmk_faults(&k, VMK_FILL, 1, base + 3 * PAGE, 1, base + 3 * PAGE);
	vmk_faults(&k, VMK_FILL, 1, base, 1, base);

	xrelease(h, base, size);
	expect_free(h, base);
	xclose(h);
	vmk_kill(&k);
}

/* MemoryRegionInformation[Ex] of the kid's allocation: the whole of it. */
TEST(remote_query_region)
{
	MEMORY_REGION_INFORMATION info;
	struct vmk k;
	SIZE_T len;
	char *base, *ww;
	HANDLE h, weak;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, 8 * PAGE, MEM_RESERVE, PAGE_READWRITE);
	xcommit(h, base + 2 * PAGE, 3 * PAGE, PAGE_READWRITE);
	ww = xalloc(h, NULL, 4 * PAGE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
		    PAGE_READWRITE);

	memset(&info, NTT_POISON, sizeof(info));
	len = 0;
	ASSERT_STATUS(NtQueryVirtualMemory(h, base + 7 * PAGE, MemoryRegionInformationEx, &info,
					   sizeof(info), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(info));
	EXPECT_EQ(pv(info.AllocationBase), pv(base));
	EXPECT_EQ(info.AllocationProtect, PAGE_READWRITE);
	EXPECT_EQ(info.RegionSize, 8 * PAGE);
	EXPECT_EQ(info.CommitSize, 3 * PAGE);
	EXPECT_EQ(info.RegionType, 0x1);

	ASSERT_STATUS(NtQueryVirtualMemory(h, ww, MemoryRegionInformationEx, &info,
					   sizeof(info), &len), STATUS_SUCCESS);
	EXPECT_EQ(info.RegionType, 0x401);
	EXPECT_EQ(info.CommitSize, 4 * PAGE);
	ASSERT_STATUS(NtQueryVirtualMemory(h, ww, MemoryRegionInformation, &info,
					   sizeof(info), &len), STATUS_SUCCESS);
	EXPECT_EQ(info.RegionType, 0);

	/* PROCESS_QUERY_INFORMATION is needed, as for MemoryBasicInformation. */
	weak = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	EXPECT_STATUS(NtQueryVirtualMemory(weak, base, MemoryRegionInformationEx, &info,
					   sizeof(info), &len), STATUS_ACCESS_DENIED);
	xclose(weak);

	xrelease(h, base, 8 * PAGE);
	xrelease(h, ww, 4 * PAGE);
	EXPECT_STATUS(NtQueryVirtualMemory(h, base, MemoryRegionInformationEx, &info,
					   sizeof(info), &len), STATUS_INVALID_ADDRESS);
	xclose(h);
	vmk_kill(&k);
}

TEST(remote_decommit_and_release)
{
	const SIZE_T size = 64 * 1024;
	struct vmk k;
	void *p;
	SIZE_T s;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_FILL, 0x77, base, size);

	p = base + 3 * PAGE;
	s = PAGE;
	ASSERT_STATUS(NtFreeVirtualMemory(h, &p, &s, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(p, (void *)(base + 3 * PAGE));
	EXPECT_EQ(s, PAGE);
	expect_region(h, base + 3 * PAGE, base, PAGE_READWRITE, MEM_RESERVE, 0, PAGE);
	vmk_faults(&k, VMK_FILL, 1, base + 3 * PAGE, 1, base + 3 * PAGE);
	/* Its neighbours kept their data. */
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, 3 * PAGE), fnv_fill(0x77, 3 * PAGE));
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base + 4 * PAGE, size - 4 * PAGE),
		  fnv_fill(0x77, size - 4 * PAGE));

	/* Committed again: the old contents are gone, the page is zero. */
	xcommit(h, base + 3 * PAGE, PAGE, PAGE_READWRITE);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base + 3 * PAGE, PAGE), fnv_fill(0, PAGE));

	/* Released: every page faults for the kid. */
	xrelease(h, base, size);
	vmk_faults(&k, VMK_HASH, 0, base, 1, base);
	vmk_faults(&k, VMK_TOUCH, 1, base + size - PAGE, 1, base + size - PAGE);
	expect_free(h, base + PAGE);

	xclose(h);
	vmk_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* Access rights                                                            */
/* ------------------------------------------------------------------------ */

/*
 * The rights each service asks of the handle: PROCESS_VM_OPERATION for
 * NtAllocateVirtualMemory, NtFreeVirtualMemory, NtProtectVirtualMemory and
 * NtLockVirtualMemory, PROCESS_VM_READ for NtReadVirtualMemory,
 * PROCESS_VM_WRITE for NtWriteVirtualMemory, PROCESS_QUERY_INFORMATION for
 * NtQueryVirtualMemory (VirtualAllocEx, ReadProcessMemory,
 * WriteProcessMemory and VirtualQueryEx documentation; ReactOS passes the
 * same rights to ObReferenceObjectByHandle). A refused call changes nothing.
 */
TEST(remote_access_checks)
{
	const SIZE_T size = 64 * 1024;
	unsigned char buf[64];
	struct vmk k;
	HANDLE full, h;
	void *p;
	SIZE_T s, n;
	ULONG old;
	MEMORY_BASIC_INFORMATION m;
	char *base;

	nt_setup();
	k = vmk_spawn();
	full = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(full, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_FILL, 0x33, base, size);

	/* Without PROCESS_VM_OPERATION. */
	h = xopen_process(PROCESS_VM_READ | PROCESS_VM_WRITE | PROCESS_QUERY_INFORMATION, k.pid);
	p = NULL;
	s = size;
	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_ACCESS_DENIED);
	EXPECT_EQ(p, NULL);
	EXPECT_EQ(s, size);
	p = base;
	s = PAGE;
	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_DENIED);
	old = NTT_POISON32;
	EXPECT_STATUS(vm_protect(h, base, PAGE, PAGE_READONLY, &old), STATUS_ACCESS_DENIED);
	p = base;
	s = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(h, &p, &s, MEM_RELEASE), STATUS_ACCESS_DENIED);
	p = base;
	s = PAGE;
	EXPECT_STATUS(NtFreeVirtualMemory(h, &p, &s, MEM_DECOMMIT), STATUS_ACCESS_DENIED);
	p = base;
	s = PAGE;
	EXPECT_STATUS(NtLockVirtualMemory(h, &p, &s, MAP_PROCESS), STATUS_ACCESS_DENIED);
	/* Reading, writing and querying are still allowed with this handle. */
	EXPECT_STATUS(rd(h, base, buf, sizeof(buf), &n), STATUS_SUCCESS);
	EXPECT_STATUS(wr(h, base, buf, sizeof(buf), &n), STATUS_SUCCESS);
	m = xquery(h, base);
	EXPECT_EQ(m.State, MEM_COMMIT);
	xclose(h);
	/* Nothing changed. */
	expect_region(full, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, size);

	/* Without PROCESS_VM_READ. */
	h = xopen_process(PROCESS_VM_OPERATION | PROCESS_VM_WRITE | PROCESS_QUERY_INFORMATION,
			  k.pid);
	EXPECT_STATUS(NtReadVirtualMemory(h, base, buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
	xclose(h);

	/* Without PROCESS_VM_WRITE. */
	h = xopen_process(PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,
			  k.pid);
	memset(buf, 0x99, sizeof(buf));
	EXPECT_STATUS(NtWriteVirtualMemory(h, base, buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv_fill(0x33, size));
	xclose(h);

	/* Without PROCESS_QUERY_INFORMATION. */
	h = xopen_process(PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE, k.pid);
	memset(&m, NTT_POISON, sizeof(m));
	EXPECT_STATUS(NtQueryVirtualMemory(h, base, MemoryBasicInformation, &m, sizeof(m), NULL),
		      STATUS_ACCESS_DENIED);
	EXPECT_EQ(m.State, NTT_POISON32);
	xclose(h);

	/* SYNCHRONIZE alone: nothing. */
	h = xopen_process(SYNCHRONIZE, k.pid);
	p = NULL;
	s = size;
	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtReadVirtualMemory(h, base, buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtWriteVirtualMemory(h, base, buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtQueryVirtualMemory(h, base, MemoryBasicInformation, &m, sizeof(m), NULL),
		      STATUS_ACCESS_DENIED);
	EXPECT_STATUS(vm_protect(h, base, PAGE, PAGE_READONLY, &old), STATUS_ACCESS_DENIED);
	xclose(h);

	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv_fill(0x33, size));
	xrelease(full, base, size);
	xclose(full);
	vmk_kill(&k);
}

/*
 * A process whose address space is gone: NtAllocateVirtualMemory,
 * NtFreeVirtualMemory, NtProtectVirtualMemory, NtQueryVirtualMemory and
 * NtLockVirtualMemory check the process's VmDeleted flag under its address
 * space lock and return STATUS_PROCESS_IS_TERMINATING; NtRead/WriteVirtualMemory
 * fail to acquire its rundown protection, which ends with the last thread,
 * and return the same (ReactOS ARM3 virtual.c, after the WRK).
 */
static void expect_terminating(HANDLE h, char *base)
{
	unsigned char buf[16];
	MEMORY_BASIC_INFORMATION m;
	void *p = NULL;
	SIZE_T s = GRANULE;
	ULONG old;

	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_PROCESS_IS_TERMINATING);
	EXPECT_EQ(p, NULL);
	p = base;
	s = PAGE;
	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_COMMIT, PAGE_READWRITE),
		      STATUS_PROCESS_IS_TERMINATING);
	EXPECT_STATUS(vm_protect(h, base, PAGE, PAGE_READONLY, &old),
		      STATUS_PROCESS_IS_TERMINATING);
	EXPECT_STATUS(NtQueryVirtualMemory(h, base, MemoryBasicInformation, &m, sizeof(m), NULL),
		      STATUS_PROCESS_IS_TERMINATING);
	EXPECT_STATUS(NtReadVirtualMemory(h, base, buf, sizeof(buf), NULL),
		      STATUS_PROCESS_IS_TERMINATING);
	memset(buf, 0, sizeof(buf));
	EXPECT_STATUS(NtWriteVirtualMemory(h, base, buf, sizeof(buf), NULL),
		      STATUS_PROCESS_IS_TERMINATING);
	p = base;
	s = PAGE;
	EXPECT_STATUS(NtLockVirtualMemory(h, &p, &s, MAP_PROCESS), STATUS_PROCESS_IS_TERMINATING);
	p = base;
	s = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(h, &p, &s, MEM_RELEASE), STATUS_PROCESS_IS_TERMINATING);
}

TEST(remote_exited_process_is_terminating)
{
	struct vmk k;
	HANDLE h, late;
	char *base;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS | SYNCHRONIZE, k.pid);
	base = xalloc(h, NULL, GRANULE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_FILL, 1, base, PAGE);
	vmk_exit(&k, 0);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);

	/* A handle from before the exit. */
	expect_terminating(h, base);
	/* One opened after it (a zombie can be opened with any access: test_process.c). */
	late = xopen_process(VM_RIGHTS, k.pid);
	expect_terminating(late, base);
	xclose(late);
	/* And after the reap, through the handle that still names the process. */
	vmk_reap(&k);
	expect_terminating(h, base);
	xclose(h);
}

/* ------------------------------------------------------------------------ */
/* /proc/<pid>/mem and exit                                                 */
/* ------------------------------------------------------------------------ */

/* The module's pages implement vm_ops->access: ptrace and /proc/<pid>/mem see them. */
TEST(proc_pid_mem_reads_committed_pages)
{
	const SIZE_T size = 64 * 1024;
	unsigned char expect[2 * PAGE], buf[2 * PAGE];
	char path[64];
	struct vmk k;
	char *base;
	HANDLE h;
	int64_t resident;
	int fd;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_PATTERN, 3, base, 2 * PAGE);
	fill_pattern(expect, 3, 0, 2 * PAGE);

	snprintf(path, sizeof(path), "/proc/%d/mem", k.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "# open %s: %s\n", path, strerror(errno));
	ASSERT_GE(fd, 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(pread(fd, buf, sizeof(buf), (off_t)pv(base)), (ssize_t)sizeof(buf));
	EXPECT_EQ(memcmp(buf, expect, sizeof(buf)), 0);
	/* Across the page boundary, at an odd offset. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(pread(fd, buf, 100, (off_t)pv(base + PAGE - 50)), 100);
	EXPECT_EQ(memcmp(buf, expect + PAGE - 50, 100), 0);
	/* Committed, never touched: zeros, and reading does not make it resident. */
	memset(buf, 0xff, sizeof(buf));
	resident = resident_pages();
	EXPECT_EQ(pread(fd, buf, PAGE, (off_t)pv(base + 8 * PAGE)), (ssize_t)PAGE);
	EXPECT_TRUE(is_filled(buf, 0, PAGE));
	EXPECT_EQ(resident_pages(), resident);
	/* The same through NtReadVirtualMemory. */
	memset(buf, 0xff, sizeof(buf));
	EXPECT_STATUS(NtReadVirtualMemory(h, base + 10 * PAGE, buf, 2 * PAGE, NULL),
		      STATUS_SUCCESS);
	EXPECT_TRUE(is_filled(buf, 0, 2 * PAGE));
	EXPECT_EQ(resident_pages(), resident);
	/* After a write through the handle, the same. */
	memset(buf, 0x6b, 64);
	EXPECT_STATUS(NtWriteVirtualMemory(h, base + 8 * PAGE, buf, 64, NULL), STATUS_SUCCESS);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(pread(fd, buf, 64, (off_t)pv(base + 8 * PAGE)), 64);
	EXPECT_TRUE(is_filled(buf, 0x6b, 64));
	close(fd);

	/* ptrace's PEEKDATA and POKEDATA go the same way (access_process_vm). */
	ASSERT_EQ(ptrace(PTRACE_ATTACH, k.pid, NULL, NULL), 0);
	ASSERT_EQ(waitpid(k.pid, NULL, __WALL), k.pid);
	errno = 0;
	{
		long word = ptrace(PTRACE_PEEKDATA, k.pid, base + 8 * PAGE, NULL);

		EXPECT_EQ(errno, 0);
		EXPECT_EQ((unsigned long)word, 0x6b6b6b6b6b6b6b6bUL);
	}
	EXPECT_EQ(ptrace(PTRACE_POKEDATA, k.pid, base + 9 * PAGE, (void *)0x1122334455667788UL), 0);
	EXPECT_EQ(ptrace(PTRACE_DETACH, k.pid, NULL, NULL), 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_STATUS(NtReadVirtualMemory(h, base + 9 * PAGE, buf, 8, NULL), STATUS_SUCCESS);
	EXPECT_EQ(*(uint64_t *)buf, 0x1122334455667788UL);

	xrelease(h, base, size);
	xclose(h);
	vmk_kill(&k);
}

/*
 * MemFree once it stops moving: earlier tests' processes are still being
 * run down (their memory is freed by a work item after the exit).
 */
static uint64_t settled_memfree(void)
{
	uint64_t a = meminfo_kb("MemFree"), b;
	int i;

	for (i = 0; i < 30; i++) {
		sleep_ms(100);
		b = meminfo_kb("MemFree");
		if ((a > b ? a - b : b - a) < 1024)
			return b;
		a = b;
	}
	return a;
}

/*
 * A process that exits gives its memory back, whoever allocated it and even
 * while a handle to it is open: the kid allocates 32 MiB itself, the parent
 * 32 MiB more in it, the kid touches all of it and exits.
 */
TEST(exit_frees_memory)
{
	const SIZE_T half = 32 * MIB;
	int64_t r0, r1, r2, t0;
	uint64_t m0, m1, m2;
	struct vmk_reply r;
	struct vmk k;
	char *own, *given;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS | SYNCHRONIZE, k.pid);
	/* Earlier tests' processes may still be run down: let that finish. */
	m0 = settled_memfree();
	r0 = resident_pages();

	r = vmk_call(&k, VMK_ALLOC, 0, NULL, half);
	ASSERT_STATUS(r.status, STATUS_SUCCESS);
	own = (char *)(uintptr_t)r.value;
	given = xalloc(h, NULL, half, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_TOUCH, 1, own, half);
	vmk_ok(&k, VMK_TOUCH, 1, given, half);
	r1 = resident_pages();
	m1 = meminfo_kb("MemFree");
	/* The measure works: the pages are there. */
	EXPECT_GE(r1 - r0, (int64_t)(2 * half / PAGE));

	vmk_exit(&k, 0);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	vmk_reap(&k);
	/* Exit unmaps the allocations, which frees their pages at once. */
	t0 = mono_ns();
	do {
		r2 = resident_pages();
		if (r2 <= r0)
			break;
		sleep_ms(50);
	} while (ms_since(t0) < 5000);
	m2 = meminfo_kb("MemFree");
	/* MemFree is only reported: the debug kernel's own caches make it noisy. */
	fprintf(stderr, "# resident pages %lld before, %lld touched, %lld after exit; "
		"MemFree %llu, %llu, %llu kB\n", (long long)r0, (long long)r1, (long long)r2,
		(unsigned long long)m0, (unsigned long long)m1, (unsigned long long)m2);
	EXPECT_LE(r2, r0);
	xclose(h);
}

/*
 * execve() replaces the address space: the NT memory of the old one is
 * freed with it, while the process lives on.
 */
TEST(execve_frees_nt_memory)
{
	int64_t r0, r1, r2, t0;
	int ready[2];
	char c;
	pid_t pid;

	nt_setup();
	ASSERT_EQ(pipe(ready), 0);
	r0 = resident_pages();
	ASSERT_GE(r0, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		PVOID base = NULL;
		SIZE_T size = 64 * PAGE;

		close(ready[0]);
		if (NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					    MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
			_exit(2);
		memset(base, 1, size);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		/* Hold the pipe open across execve so the parent can time it. */
		execl("/bin/sleep", "sleep", "3", (char *)NULL);
		_exit(4);
	}
	close(ready[1]);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	r1 = resident_pages();
	EXPECT_GE(r1 - r0, 64);
	t0 = mono_ns();
	do {
		r2 = resident_pages();
		if (r2 <= r0)
			break;
		sleep_ms(20);
	} while (ms_since(t0) < 2500);
	EXPECT_LE(r2, r0);
	/* Still the same, live process. */
	EXPECT_EQ(kill(pid, 0), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
}
