// SPDX-License-Identifier: GPL-2.0
/*
 * Write watch: NtGetWriteWatch and NtResetWriteWatch on MEM_WRITE_WATCH
 * memory of the calling process and of another one, what counts as a
 * write, and what the calls refuse. The helpers and the sources of the
 * expected statuses are in vm_handle_util.h.
 */
#include <sys/mman.h>

#include "vm_handle_util.h"

/* ------------------------------------------------------------------------ */
/* Write watch                                                              */
/* ------------------------------------------------------------------------ */

/* The watch of [base, base + size) reports exactly the pages listed (page numbers, ascending). */
#define EXPECT_WATCH(h, flags, base, size, ...)					\
	expect_watch(h, flags, base, size, (const unsigned int[]){ __VA_ARGS__ },	\
		     sizeof((const unsigned int[]){ __VA_ARGS__ }) / sizeof(unsigned int), \
		     __LINE__)
/* ... reports nothing. */
#define EXPECT_NO_WATCH(h, flags, base, size)					\
	expect_watch(h, flags, base, size, NULL, 0, __LINE__)

static void expect_watch(HANDLE h, ULONG flags, char *base, SIZE_T size,
			 const unsigned int *pages, size_t n, int line)
{
	void *out[64];
	ULONG_PTR count = ww_get(h, flags, base, size, out, 64), i;

	for (i = 0; i < count && i < n; i++)
		if (out[i] != base + pages[i] * PAGE)
			break;
	if (count != n || i < n) {
		fprintf(stderr, "# line %d: %lu pages reported, expected %zu:", line,
			(unsigned long)count, n);
		for (i = 0; i < count; i++)
			fprintf(stderr, " %lu", (unsigned long)(((char *)out[i] - base) / PAGE));
		fprintf(stderr, "\n");
	}
	EXPECT_EQ(count, n);
	for (i = 0; i < count && i < n; i++)
		EXPECT_EQ(pv(out[i]), pv(base + pages[i] * PAGE));
}

/*
 * test_write_watch (kernel32): a fresh MEM_WRITE_WATCH allocation reports
 * nothing; written pages are reported in address order with the page size
 * as granularity; WRITE_WATCH_FLAG_RESET reports and then forgets them;
 * changing protections does not affect the watch. Reads are not writes.
 */
TEST(write_watch_reports_written_pages)
{
	const SIZE_T size = 64 * 1024;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size,
		      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);

	poke(base, 5);
	poke(base, 1);
	poke(base, 3);
	(void)peek(base, 7);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 1, 3, 5);
	/* Without the reset flag, nothing is forgotten. */
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 1, 3, 5);
	EXPECT_WATCH(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, 1, 3, 5);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	EXPECT_NO_WATCH(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size);

	/* Written again after the reset: reported again. */
	poke(base, 3);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 3);
	/* A second write to a page already written counts once. */
	poke(base, 3);
	poke(base, 15);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 3, 15);

	/* Changing the protection forgets nothing and reports nothing. */
	EXPECT_EQ(xprotect(NtCurrentProcess(), base, 4 * PAGE, PAGE_READONLY), PAGE_READWRITE);
	EXPECT_EQ(xprotect(NtCurrentProcess(), base, 4 * PAGE, PAGE_READWRITE), PAGE_READONLY);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 3, 15);

	/* A sub-range reports only its own pages (numbered from its start). */
	EXPECT_WATCH(NtCurrentProcess(), 0, base + 2 * PAGE, 2 * PAGE, 1);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base + 4 * PAGE, 11 * PAGE);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * A short array gets the first entries; with WRITE_WATCH_FLAG_RESET only
 * those are reset, and the rest are reported next time (test_write_watch:
 * count = 1 with three pages written returns the first and leaves the
 * other two).
 */
TEST(write_watch_short_array_resets_only_what_it_returns)
{
	const SIZE_T size = 64 * 1024;
	void *out[4];
	ULONG_PTR count;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size,
		      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	poke(base, 1);
	poke(base, 3);
	poke(base, 5);

	/* Without reset: the first two, and nothing forgotten. */
	count = ww_get(NtCurrentProcess(), 0, base, size, out, 2);
	EXPECT_EQ(count, 2);
	EXPECT_EQ(pv(out[0]), pv(base + 1 * PAGE));
	EXPECT_EQ(pv(out[1]), pv(base + 3 * PAGE));
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 1, 3, 5);

	/* With reset: the first two, reset; the third is still there. */
	count = ww_get(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, out, 2);
	EXPECT_EQ(count, 2);
	EXPECT_EQ(pv(out[0]), pv(base + 1 * PAGE));
	EXPECT_EQ(pv(out[1]), pv(base + 3 * PAGE));
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 5);
	count = ww_get(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, out, 1);
	EXPECT_EQ(count, 1);
	EXPECT_EQ(pv(out[0]), pv(base + 5 * PAGE));
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	xrelease(NtCurrentProcess(), base, size);
}

/* test_write_watch: ResetWriteWatch(base, 3 pages) forgets pages 0-2 only. */
TEST(write_watch_reset)
{
	const SIZE_T size = 64 * 1024;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size,
		      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	poke(base, 1);
	poke(base, 3);
	poke(base, 5);
	EXPECT_STATUS(NtResetWriteWatch(NtCurrentProcess(), base, 3 * PAGE), STATUS_SUCCESS);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 3, 5);
	EXPECT_STATUS(NtResetWriteWatch(NtCurrentProcess(), base, size), STATUS_SUCCESS);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	poke(base, 0);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 0);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * test_write_watch: "initial protect doesn't matter": a MEM_RESERVE |
 * MEM_WRITE_WATCH reservation may be PAGE_NOACCESS; pages committed later
 * are watched from their first write.
 */
TEST(write_watch_pages_committed_later)
{
	const SIZE_T size = 64 * 1024;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_WRITE_WATCH,
		      PAGE_NOACCESS);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	xcommit(NtCurrentProcess(), base + 4 * PAGE, 4 * PAGE, PAGE_READWRITE);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	poke(base, 6);
	EXPECT_WATCH(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, 6);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * Write watch is a property of the allocation, chosen when it is reserved.
 * NtGetWriteWatch and NtResetWriteWatch on other memory fail: kernel32's
 * test_write_watch gets ERROR_INVALID_PARAMETER for the main module, which
 * Wine's NtGetWriteWatch returns as STATUS_INVALID_PARAMETER (the mapping
 * cannot tell which of the INVALID_PARAMETER statuses Windows uses).
 * MEM_WRITE_WATCH without MEM_RESERVE is STATUS_INVALID_PARAMETER_5 (the
 * WRK's AllocationType check; ERROR_INVALID_PARAMETER in test_write_watch).
 */
TEST(write_watch_needs_write_watch_memory)
{
	const SIZE_T size = 64 * 1024;
	void *out[16], *p;
	ULONG_PTR count;
	ULONG gran;
	SIZE_T s;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	poke(base, 1);
	count = 16;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, base, size, out, &count, &gran),
		      STATUS_INVALID_PARAMETER);
	count = 16;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, PAGE, out,
				      &count, &gran), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtResetWriteWatch(NtCurrentProcess(), base, size), STATUS_INVALID_PARAMETER);
	xrelease(NtCurrentProcess(), base, size);

	/* Ordinary Linux memory is not watched either. */
	count = 16;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, vmk_static, PAGE, out, &count, &gran),
		      STATUS_INVALID_PARAMETER);

	p = NULL;
	s = size;
	EXPECT_STATUS(vm_alloc(NtCurrentProcess(), &p, &s, MEM_COMMIT | MEM_WRITE_WATCH,
			       PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
	EXPECT_EQ(p, NULL);
	p = NULL;
	s = size;
	EXPECT_STATUS(vm_alloc(NtCurrentProcess(), &p, &s, MEM_WRITE_WATCH, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_5);
	EXPECT_EQ(p, NULL);
}

/*
 * The parent watches the kid: pages the kid writes are reported to the
 * parent, and so are pages the parent writes with NtWriteVirtualMemory (a
 * write by the kernel on the target's behalf is a write: test_write_watch
 * sees ReadFile's writes).
 */
TEST(write_watch_remote)
{
	const SIZE_T size = 64 * 1024;
	unsigned char buf[32];
	struct vmk k;
	SIZE_T n;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	EXPECT_NO_WATCH(h, 0, base, size);

	vmk_ok(&k, VMK_TOUCH, 1, base + 1 * PAGE, 1);
	vmk_ok(&k, VMK_TOUCH, 1, base + 3 * PAGE, 1);
	vmk_ok(&k, VMK_TOUCH, 1, base + 5 * PAGE, 1);
	/* Reading is not writing, for the kid or the parent. */
	vmk_ok(&k, VMK_HASH, 0, base + 8 * PAGE, PAGE);
	EXPECT_STATUS(rd(h, base + 9 * PAGE, buf, sizeof(buf), &n), STATUS_SUCCESS);
	EXPECT_WATCH(h, 0, base, size, 1, 3, 5);
	EXPECT_WATCH(h, WRITE_WATCH_FLAG_RESET, base, size, 1, 3, 5);
	EXPECT_NO_WATCH(h, 0, base, size);

	memset(buf, 2, sizeof(buf));
	EXPECT_STATUS(wr(h, base + 10 * PAGE + 4090, buf, 10, &n), STATUS_SUCCESS);
	vmk_ok(&k, VMK_FILL, 3, base + 2 * PAGE, 1);
	EXPECT_WATCH(h, 0, base, size, 2, 10, 11);
	EXPECT_STATUS(NtResetWriteWatch(h, base, 3 * PAGE), STATUS_SUCCESS);
	EXPECT_WATCH(h, 0, base, size, 10, 11);
	EXPECT_STATUS(NtResetWriteWatch(h, base, size), STATUS_SUCCESS);
	EXPECT_NO_WATCH(h, 0, base, size);

	xrelease(h, base, size);
	xclose(h);
	vmk_kill(&k);
}

/* NtGetWriteWatch with room for no address: STATUS_INVALID_PARAMETER. */
TEST(write_watch_zero_capacity)
{
	const SIZE_T size = 64 * 1024;
	ULONG_PTR count = 0;
	ULONG gran;
	void *out[1];
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
		      PAGE_READWRITE);
	poke(base, 1);
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, base, size, out, &count, &gran),
		      STATUS_INVALID_PARAMETER);
	count = 0;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, out,
				      &count, &gran), STATUS_INVALID_PARAMETER);
	/* Nothing was reset: the write is still there. */
	EXPECT_EQ(ww_get(NtCurrentProcess(), 0, base, size, out, 1), 1);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * A NtGetWriteWatch whose array cannot be written fails with
 * STATUS_ACCESS_VIOLATION and resets nothing, even with
 * WRITE_WATCH_FLAG_RESET: the pages are reported by the next call.
 */
TEST(write_watch_bad_array_resets_nothing)
{
	const SIZE_T size = 64 * 1024;
	ULONG_PTR count = 8;
	ULONG gran;
	char *base;
	void *ro;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size,
		      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	poke(base, 2);
	poke(base, 9);
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size,
				      ro, &count, &gran), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(count, 8);
	EXPECT_WATCH(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, 2, 9);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	munmap(ro, PAGE);
	xrelease(NtCurrentProcess(), base, size);
}
