// SPDX-License-Identifier: GPL-2.0
/*
 * NtQueryVirtualMemory (MemoryBasicInformation) on the calling process: the
 * regions of an allocation, free holes, a walk over the whole user address
 * space (Linux's own mappings included), and the arguments it refuses. The
 * sources of the expected statuses are listed in vm_util.h.
 *
 * Everything here works unprivileged.
 */
#include "vm_util.h"

/* ------------------------------------------------------------------------ */
/* NtQueryVirtualMemory                                                     */
/* ------------------------------------------------------------------------ */

TEST(query_mixed_reservation)
{
	static const struct {
		uintptr_t offset;
		SIZE_T size;
		ULONG state, protect;
	} regions[] = {
		{ 0x0000, 0x2000, MEM_RESERVE, 0 },
		{ 0x2000, 0x2000, MEM_COMMIT, PAGE_READWRITE },
		{ 0x4000, 0x1000, MEM_COMMIT, PAGE_READONLY },
		{ 0x5000, 0x1000, MEM_RESERVE, 0 },
		{ 0x6000, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD },
		{ 0x7000, 0x1000, MEM_COMMIT, PAGE_READWRITE },
		{ 0x8000, 0x8000, MEM_RESERVE, 0 },
	};
	MEMORY_BASIC_INFORMATION mbi;
	uintptr_t r, a;
	unsigned int i;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_EXECUTE_READWRITE));
	xcommit(cp(r + 0x2000), 0x2000, PAGE_READWRITE);
	xcommit(cp(r + 0x4000), 0x1000, PAGE_READONLY);
	xcommit(cp(r + 0x6000), 0x1000, PAGE_READWRITE | PAGE_GUARD);
	xcommit(cp(r + 0x7000), 0x1000, PAGE_READWRITE);

	/*
	 * Each region is the run of pages with one state and protection, inside
	 * the allocation; AllocationProtect is the reservation's; reserved pages
	 * report Protect 0 (test_VirtualAlloc: "NT reports Protect == 0 for a
	 * not committed memory block").
	 */
	for (a = r, i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		EXPECT_EQ(a, r + regions[i].offset);
		EXPECT_REGION(cp(a), r + regions[i].offset, regions[i].size, regions[i].state,
			      regions[i].protect, r, PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
		a += xquery(cp(a)).RegionSize;
	}
	EXPECT_EQ(a, r + 0x10000);

	/*
	 * In the middle of a run: BaseAddress is the queried address rounded
	 * down to its page and the size runs from there (the WRK's
	 * NtQueryVirtualMemory; ReactOS CheckAdjacentVADs).
	 */
	EXPECT_REGION(cp(r + 0x2abc), r + 0x2000, 0x2000, MEM_COMMIT, PAGE_READWRITE, r,
		      PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0x3010), r + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE, r,
		      PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0x1fff), r + 0x1000, 0x1000, MEM_RESERVE, 0, r,
		      PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0xc000), r + 0xc000, 0x4000, MEM_RESERVE, 0, r,
		      PAGE_EXECUTE_READWRITE, MEM_PRIVATE);

	/* A bigger buffer is fine; only the structure is written. */
	{
		unsigned char buf[sizeof(mbi) + 16];
		SIZE_T len = NTT_POISON64;

		memset(buf, NTT_POISON, sizeof(buf));
		ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), cp(r + 0x4000),
						   MemoryBasicInformation, buf, sizeof(buf), &len),
			      STATUS_SUCCESS);
		EXPECT_EQ(len, sizeof(mbi));
		memcpy(&mbi, buf, sizeof(mbi));
		EXPECT_EQ(pv(mbi.BaseAddress), r + 0x4000);
		EXPECT_EQ(mbi.Protect, PAGE_READONLY);
		for (i = sizeof(mbi); i < sizeof(buf); i++)
			EXPECT_EQ(buf[i], NTT_POISON);
	}
	/* ReturnLength is optional. */
	memset(&mbi, NTT_POISON, sizeof(mbi));
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), cp(r), MemoryBasicInformation,
					   &mbi, sizeof(mbi), NULL), STATUS_SUCCESS);
	EXPECT_EQ(mbi.State, MEM_RESERVE);
	xrelease(cp(r));
}

TEST(query_free_hole)
{
	uintptr_t x;

	vm_setup();
	x = pv(free_range(0x30000));
	xalloc_at(x, 0x10000, 0, PAGE_READWRITE);
	xalloc_at(x + 0x10000, 0x10000, MEM_COMMIT, PAGE_READWRITE);
	xalloc_at(x + 0x20000, 0x10000, 0, PAGE_READWRITE);
	xrelease(cp(x + 0x10000));
	/*
	 * Free memory: MEM_FREE, PAGE_NOACCESS, no allocation, type 0, from the
	 * queried page to the next allocation (the WRK's "size of the hole
	 * starting at the base address").
	 */
	EXPECT_REGION(cp(x + 0x10000), x + 0x10000, 0x10000, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	EXPECT_REGION(cp(x + 0x11234), x + 0x11000, 0xf000, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	EXPECT_REGION(cp(x + 0x1ffff), x + 0x1f000, 0x1000, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	/* The neighbours are not merged into it. */
	EXPECT_REGION(cp(x + 0xffff), x + 0xf000, 0x1000, MEM_RESERVE, 0, x, PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(cp(x + 0x20000), x + 0x20000, 0x10000, MEM_RESERVE, 0, x + 0x20000,
		      PAGE_READWRITE, MEM_PRIVATE);
	xrelease(cp(x));
	xrelease(cp(x + 0x20000));
}

TEST(query_walks_the_whole_address_space)
{
	MEMORY_BASIC_INFORMATION mbi;
	uintptr_t a = 0, r, stack = pv(__builtin_frame_address(0)), text = text_address();
	int found_r = 0, found_stack = 0, found_text = 0, regions = 0;
	NTSTATUS s = STATUS_SUCCESS;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_READWRITE));
	xcommit(cp(r + 0x1000), 0x1000, PAGE_READONLY);

	for (;;) {
		SIZE_T len = NTT_POISON64;

		memset(&mbi, NTT_POISON, sizeof(mbi));
		s = NtQueryVirtualMemory(NtCurrentProcess(), cp(a), MemoryBasicInformation, &mbi,
					 sizeof(mbi), &len);
		if (s != STATUS_SUCCESS)
			break;
		ASSERT_LT(++regions, 1000000);
		ASSERT_EQ(len, sizeof(mbi));
		/* The regions tile the address space. */
		ASSERT_EQ(pv(mbi.BaseAddress), a);
		ASSERT_GT(mbi.RegionSize, 0);
		ASSERT_EQ(mbi.RegionSize % PAGE, 0);
		ASSERT_LE(mbi.RegionSize, 0x800000000000UL - a);
		if (mbi.State == MEM_FREE) {
			EXPECT_EQ(mbi.Protect, PAGE_NOACCESS);
			EXPECT_EQ(pv(mbi.AllocationBase), 0);
			EXPECT_EQ(mbi.AllocationProtect, 0);
			EXPECT_EQ(mbi.Type, 0);
		} else {
			EXPECT_TRUE(mbi.State == MEM_COMMIT || mbi.State == MEM_RESERVE);
			EXPECT_TRUE(mbi.Type == MEM_PRIVATE || mbi.Type == MEM_MAPPED ||
				    mbi.Type == MEM_IMAGE);
			EXPECT_LE(pv(mbi.AllocationBase), a);
			if (mbi.State == MEM_RESERVE)
				EXPECT_EQ(mbi.Protect, 0);
		}
		if (pv(mbi.AllocationBase) == r && mbi.State != MEM_FREE) {
			found_r++;
			EXPECT_EQ(mbi.Type, MEM_PRIVATE);
			EXPECT_EQ(mbi.AllocationProtect, PAGE_READWRITE);
		}
		if (stack >= a && stack - a < mbi.RegionSize) {
			/* This thread's stack: Linux's, private, committed, read-write. */
			found_stack = 1;
			EXPECT_EQ(mbi.State, MEM_COMMIT);
			EXPECT_EQ(mbi.Type, MEM_PRIVATE);
			EXPECT_EQ(mbi.Protect, PAGE_READWRITE);
		}
		if (text >= a && text - a < mbi.RegionSize) {
			/* The program's text: a file mapped read-execute. */
			found_text = 1;
			EXPECT_EQ(mbi.State, MEM_COMMIT);
			EXPECT_EQ(mbi.Type, MEM_MAPPED);
			EXPECT_EQ(mbi.Protect, PAGE_EXECUTE_READ);
		}
		a += mbi.RegionSize;
	}
	/* The walk ends at the top of the user address space, nowhere else. */
	EXPECT_STATUS(s, STATUS_INVALID_PARAMETER);
	EXPECT_GT(a, stack);
	EXPECT_GE(a, HIGHEST_VAD_END);
	EXPECT_EQ(found_r, 3);	/* reserved, committed, reserved */
	EXPECT_TRUE(found_stack);
	EXPECT_TRUE(found_text);
	fprintf(stderr, "# %d regions up to %#lx\n", regions, (unsigned long)a);
	xrelease(cp(r));
}

TEST(query_bad_arguments)
{
	unsigned char buf[sizeof(MEMORY_BASIC_INFORMATION)];
	SIZE_T len;
	unsigned int i;
	char *p;
	static const SIZE_T short_lengths[] = { 0, 1, 24, sizeof(MEMORY_BASIC_INFORMATION) - 1 };
	static const uintptr_t above[] = {
		0x800000000000UL, 0xffff800000000000UL, ~(uintptr_t)0,
	};

	vm_setup();
	p = xalloc(0x1000, PAGE_READWRITE);

	/*
	 * Short buffers: STATUS_INFO_LENGTH_MISMATCH, and the WRK returns
	 * before touching anything, ReturnLength included.
	 */
	for (i = 0; i < sizeof(short_lengths) / sizeof(short_lengths[0]); i++) {
		memset(buf, NTT_POISON, sizeof(buf));
		len = NTT_POISON64;
		EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, MemoryBasicInformation,
						   buf, short_lengths[i], &len),
			      STATUS_INFO_LENGTH_MISMATCH);
		EXPECT_EQ(len, NTT_POISON64);
		EXPECT_EQ(buf[0], NTT_POISON);
		EXPECT_EQ(buf[sizeof(buf) - 1], NTT_POISON);
	}

	/* An unknown class: STATUS_INVALID_INFO_CLASS, checked before the length. */
	len = NTT_POISON64;
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, (MEMORY_INFORMATION_CLASS)100,
					   buf, sizeof(buf), &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, (MEMORY_INFORMATION_CLASS)100,
					   buf, 0, &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, (MEMORY_INFORMATION_CLASS)-1,
					   buf, sizeof(buf), &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_EQ(len, NTT_POISON64);

	/* Above the user address space: STATUS_INVALID_PARAMETER (WRK queryvm.c). */
	for (i = 0; i < sizeof(above) / sizeof(above[0]); i++) {
		memset(buf, NTT_POISON, sizeof(buf));
		len = NTT_POISON64;
		EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), cp(above[i]),
						   MemoryBasicInformation, buf, sizeof(buf), &len),
			      STATUS_INVALID_PARAMETER);
		EXPECT_EQ(len, NTT_POISON64);
		EXPECT_EQ(buf[0], NTT_POISON);
	}

	/* A bad handle. */
	EXPECT_STATUS(NtQueryVirtualMemory(NULL, p, MemoryBasicInformation, buf, sizeof(buf),
					   NULL), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtQueryVirtualMemory((HANDLE)(uintptr_t)0x3fffffc, p,
					   MemoryBasicInformation, buf, sizeof(buf), NULL),
		      STATUS_INVALID_HANDLE);
	xrelease(p);
}
