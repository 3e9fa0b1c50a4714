// SPDX-License-Identifier: GPL-2.0
/*
 * NtAllocateVirtualMemory and NtFreeVirtualMemory on the calling process:
 * reserving (placement, alignment, ZeroBits, conflicts with what is there),
 * committing, decommitting and releasing (part of an allocation included),
 * the arguments each refuses, MEM_RESET and MEM_RESET_UNDO, and the system
 * commit limit. The sources of the expected statuses are listed in
 * vm_util.h.
 *
 * Everything here works unprivileged but the commit limit, which needs root
 * to set the module parameter (skipped otherwise).
 */
#include <sys/mman.h>

#include "vm_util.h"

/* ------------------------------------------------------------------------ */
/* NtAllocateVirtualMemory: reservations                                    */
/* ------------------------------------------------------------------------ */

/*
 * Windows, as its conformance tests see it: every AllocationType bit set is
 * STATUS_INVALID_PARAMETER_5 (before the placeholder rules), and freeing at
 * a NULL base is STATUS_MEMORY_NOT_ALLOCATED.
 */
TEST(allocate_every_type_bit_and_free_null)
{
	SIZE_T size = 0x1000;
	PVOID p = NULL;

	nt_setup();
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &p, 0, &size, 0xffffffff,
					      PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
	EXPECT_EQ(p, NULL);
	size = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &p, &size, MEM_RELEASE),
		      STATUS_MEMORY_NOT_ALLOCATED);
	size = 0x1000;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &p, &size, MEM_DECOMMIT),
		      STATUS_MEMORY_NOT_ALLOCATED);
}

TEST(reserve_anywhere_is_bottom_up_and_64k_aligned)
{
	PVOID base = NULL, base2 = NULL;
	SIZE_T size = 0xfffc, size2 = 0x1001;
	uintptr_t gap = 0;

	vm_setup();
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS), STATUS_SUCCESS);
	/* test_VirtualAlloc: 0xfffc bytes reserve one 64 KiB region. */
	EXPECT_EQ(size, 0x10000);
	ASSERT_EQ(pv(base) % GRANULE, 0);
	EXPECT_GE(pv(base), lowest_usable());
	EXPECT_REGION(base, pv(base), 0x10000, MEM_RESERVE, 0, pv(base), PAGE_NOACCESS,
		      MEM_PRIVATE);
	/* Bottom-up: no free, aligned hole below it could have held it. */
	if (free_gap(0, pv(base), 0x10000, &gap)) {
		fprintf(stderr, "# %#lx was free below %p\n", (unsigned long)gap, base);
		ntt_fail();
	}

	/* Without a base the size is rounded up to pages, the base to 64 KiB. */
	ASSERT_STATUS(vm_alloc(&base2, &size2, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(size2, 0x2000);
	EXPECT_EQ(pv(base2) % GRANULE, 0);
	EXPECT_NE(pv(base2), pv(base));
	EXPECT_REGION(base2, pv(base2), 0x2000, MEM_RESERVE, 0, pv(base2), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(base2);
	xrelease(base);
}

TEST(reserve_top_down_is_above_bottom_up)
{
	PVOID top = NULL, top2 = NULL;
	SIZE_T size = 0x10000, size2 = 0x3000;
	uintptr_t gap = 0;
	char *bottom;

	vm_setup();
	bottom = xreserve(0x10000, PAGE_READWRITE);
	ASSERT_STATUS(vm_alloc(&top, &size, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x10000);
	EXPECT_EQ(pv(top) % GRANULE, 0);
	EXPECT_GT(pv(top), pv(bottom));
	/* Top-down starts from the top of the address space, above the program. */
	EXPECT_GT(pv(top), text_address());
	EXPECT_LE(pv(top) + size, HIGHEST_VAD_END);
	if (free_gap(pv(top) + size, HIGHEST_VAD_END, 0x10000, &gap)) {
		fprintf(stderr, "# %#lx was free above %p\n", (unsigned long)gap, top);
		ntt_fail();
	}
	EXPECT_REGION(top, pv(top), 0x10000, MEM_RESERVE, 0, pv(top), PAGE_READWRITE,
		      MEM_PRIVATE);

	/* With MEM_COMMIT the memory is usable at once. */
	ASSERT_STATUS(vm_alloc(&top2, &size2, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
			       PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(size2, 0x3000);
	EXPECT_GT(pv(top2), pv(bottom));
	EXPECT_NO_FAULT(PROBE_WRITE, cp(pv(top2) + 0x2fff), 7);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, cp(pv(top2) + 0x2fff), 0), 7);
	xrelease(top2);
	xrelease(top);
	xrelease(bottom);
}

TEST(reserve_at_base_rounds_base_down_and_size_up)
{
	/* ReactOS NtAllocateVirtualMemory apitest, CheckAlignment (run on Windows). */
	static const struct {
		uintptr_t offset;
		SIZE_T size, expect;
	} cases[] = {
		{ 0x0000, 0x0001, 0x1000 },
		{ 0x8000, 0x0001, 0x9000 },
		{ 0x0010, 0x1000, 0x2000 },
		{ 0x10000, 0x2000, 0x2000 },
		{ 0xffff, 0x3000, 0x13000 },
		{ 0x1010, 0x7000, 0x9000 },
		{ 0x1010, 0xc000, 0xe000 },
	};
	uintptr_t x;
	unsigned int i;

	vm_setup();
	x = pv(free_range(0x40000));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uintptr_t want = round_down(x + cases[i].offset, GRANULE);
		PVOID base = cp(x + cases[i].offset);
		SIZE_T size = cases[i].size;

		ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS), STATUS_SUCCESS);
		EXPECT_EQ(pv(base), want);
		EXPECT_EQ(size, cases[i].expect);
		EXPECT_REGION(cp(want), want, cases[i].expect, MEM_RESERVE, 0, want,
			      PAGE_NOACCESS, MEM_PRIVATE);
		size = 0;
		ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
		EXPECT_EQ(pv(base), want);
		EXPECT_EQ(size, cases[i].expect);
	}

	/* Reserve and commit at once, unaligned: every byte asked for is usable. */
	{
		PVOID base = cp(x + 0x4080);
		SIZE_T size = 0x1000;

		ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
			      STATUS_SUCCESS);
		EXPECT_EQ(pv(base), x);
		EXPECT_EQ(size, 0x6000);
		EXPECT_REGION(cp(x), x, 0x6000, MEM_COMMIT, PAGE_READWRITE, x, PAGE_READWRITE,
			      MEM_PRIVATE);
		EXPECT_NO_FAULT(PROBE_WRITE, cp(x), 1);
		EXPECT_NO_FAULT(PROBE_WRITE, cp(x + 0x5080), 1);
		xrelease(base);
	}
}

TEST(zero_bits_limit_the_address)
{
	ULONG_PTR zero_bits;
	PVOID base;
	SIZE_T size;
	NTSTATUS s;

	vm_setup();
	/*
	 * test_NtAllocateVirtualMemory: ZeroBits 1..20 keep the address below
	 * 2^(32 - ZeroBits), or fail with STATUS_NO_MEMORY when nothing fits.
	 */
	for (zero_bits = 1; zero_bits <= 20; zero_bits++) {
		base = NULL;
		size = 0x1000;
		s = NtAllocateVirtualMemory(NtCurrentProcess(), &base, zero_bits, &size,
					    MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE);
		if (zero_bits == 1)	/* below 2 GiB there is room on Linux */
			ASSERT_STATUS(s, STATUS_SUCCESS);
		if (s == STATUS_NO_MEMORY)
			continue;
		ASSERT_STATUS(s, STATUS_SUCCESS);
		EXPECT_EQ((pv(base) + size - 1) >> (32 - zero_bits), 0);
		EXPECT_NO_FAULT(PROBE_WRITE, base, 1);
		xrelease(base);
	}

	/* Bottom-up too. */
	base = NULL;
	size = 0x10000;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 1, &size, MEM_RESERVE,
					      PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_LT(pv(base) + size - 1, 0x80000000UL);
	xrelease(base);

	/* Above 31, ZeroBits is a mask whose leading zeros count: below 4 GiB. */
	base = NULL;
	size = 0x10000;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0xffffffffUL, &size,
					      MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_LE(pv(base) + size - 1, 0xffffffffUL);
	xrelease(base);

	/* "only the leading zeroes matter": 0x1aaaaaaa means below 512 MiB. */
	base = NULL;
	size = 0x1000;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0x1aaaaaaaUL, &size,
					      MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
					      PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_LE(pv(base) + size - 1, 0x1fffffffUL);
	xrelease(base);

	/*
	 * 21 leaves 2 KiB, below the lowest usable address: "21 zero bits
	 * never succeeds" (test_NtAllocateVirtualMemory; the WRK's
	 * STATUS_NO_MEMORY, which the test accepts).
	 */
	base = NULL;
	size = 0x1000;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 21, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_NO_MEMORY);
	EXPECT_EQ(pv(base), 0);
	EXPECT_EQ(size, 0x1000);
}

TEST(zero_bits_invalid)
{
	/*
	 * 22 ("22 zero bits is invalid", test_NtAllocateVirtualMemory; also 24 in
	 * test_NtAllocateVirtualMemoryEx_address_requirements), 31, and a mask
	 * with more than 53 leading zeros: the WRK's STATUS_INVALID_PARAMETER_3.
	 */
	static const ULONG_PTR bad[] = { 22, 24, 31, 0x3ff };
	unsigned int i;

	vm_setup();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PVOID base = NULL;
		SIZE_T size = 0x1000;

		EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, bad[i], &size,
						      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
			      STATUS_INVALID_PARAMETER_3);
		EXPECT_EQ(pv(base), 0);
		EXPECT_EQ(size, 0x1000);
		/* ZeroBits is the first argument checked (the WRK's order). */
		EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, bad[i], &size, 0,
						      0), STATUS_INVALID_PARAMETER_3);
	}
}

TEST(reserve_conflicts_with_existing_memory)
{
	uintptr_t a, text, m_aligned;
	unsigned int i;
	char *m;
	static const struct {
		uintptr_t offset;
		SIZE_T size;
	} cases[] = {
		{ 0x0000, 0x1000 },
		{ 0x1000, 0x1000 },	/* rounds down onto the reservation */
		{ 0x1f000, 0x2000 },	/* runs past its end */
		{ 0x10000, 0x10000 },
	};

	vm_setup();
	a = pv(xreserve(0x20000, PAGE_NOACCESS));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		PVOID base = cp(a + cases[i].offset);
		SIZE_T size = cases[i].size;

		EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
		EXPECT_EQ(pv(base), a + cases[i].offset);
		EXPECT_EQ(size, cases[i].size);
		/* "it should conflict, even when zero_bits is explicitly set" */
		EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 12, &size,
						      MEM_RESERVE, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
	}
	EXPECT_REGION(cp(a), a, 0x20000, MEM_RESERVE, 0, a, PAGE_NOACCESS, MEM_PRIVATE);

	/* Linux's own mappings are taken too: the program's text ... */
	text = round_down(text_address(), GRANULE);
	{
		PVOID base = cp(text);
		SIZE_T size = GRANULE;

		EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
		EXPECT_EQ(pv(base), text);
	}
	EXPECT_EQ(text_marker(2), 7);

	/* ... and anonymous memory, which keeps its contents. */
	m = mmap(NULL, 0x30000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	memset(m, 0x5a, 0x30000);
	m_aligned = round_up(pv(m), GRANULE);
	{
		PVOID base = cp(m_aligned);
		SIZE_T size = GRANULE;

		EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
	}
	for (i = 0; i < 0x30000; i += PAGE)
		EXPECT_EQ(m[i], 0x5a);
	munmap(m, 0x30000);

	/* Below 64 KiB nothing can be allocated (ReactOS apitest, on Windows). */
	{
		PVOID base = cp(0xf000);
		SIZE_T size = 0x1000;

		EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_READWRITE),
			      STATUS_INVALID_PARAMETER_2);
		EXPECT_EQ(pv(base), 0xf000);
	}
	xrelease(cp(a));
}

/* ------------------------------------------------------------------------ */
/* NtAllocateVirtualMemory: commit                                          */
/* ------------------------------------------------------------------------ */

TEST(commit_inside_reservation)
{
	PVOID base;
	SIZE_T size;
	uintptr_t r;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_NOACCESS));

	base = cp(r + 0x2000);
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), r + 0x2000);
	EXPECT_EQ(size, 0x1000);
	EXPECT_REGION(cp(r), r, 0x2000, MEM_RESERVE, 0, r, PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0x2000), r + 0x2000, 0x1000, MEM_COMMIT, PAGE_READWRITE, r,
		      PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0x3000), r + 0x3000, 0xd000, MEM_RESERVE, 0, r, PAGE_NOACCESS,
		      MEM_PRIVATE);
	memset(cp(r + 0x2000), 0x77, 0x1000);

	/*
	 * Committing committed pages again succeeds and sets the new protection
	 * (ReactOS CheckAlignment, "Commit the same address again with a
	 * different protection"; CheckAdjacentVADs); the data stays.
	 */
	base = cp(r + 0x2000);
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READONLY), STATUS_SUCCESS);
	EXPECT_REGION(cp(r + 0x2000), r + 0x2000, 0x1000, MEM_COMMIT, PAGE_READONLY, r,
		      PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_EQ(cp(r)[0x2fff], 0x77);
	EXPECT_FAULT(PROBE_WRITE, cp(r + 0x2010), STATUS_ACCESS_VIOLATION, 1);

	/* A range mixing committed and reserved pages commits the lot. */
	base = cp(r + 0x1000);
	size = 0x3000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_REGION(cp(r + 0x1000), r + 0x1000, 0x3000, MEM_COMMIT, PAGE_READWRITE, r,
		      PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_EQ(cp(r)[0x2000], 0x77);
	EXPECT_EQ(cp(r)[0x1000], 0);

	/* An unaligned range commits every page it touches. */
	base = cp(r + 0x6010);
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_EXECUTE_READ), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), r + 0x6000);
	EXPECT_EQ(size, 0x2000);
	EXPECT_REGION(cp(r + 0x6000), r + 0x6000, 0x2000, MEM_COMMIT, PAGE_EXECUTE_READ, r,
		      PAGE_NOACCESS, MEM_PRIVATE);
	xrelease(cp(r));

	/* MEM_COMMIT without a base reserves as well (VirtualAlloc's usual call). */
	base = NULL;
	size = 0x2001;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base) % GRANULE, 0);
	EXPECT_EQ(size, 0x3000);
	EXPECT_REGION(base, pv(base), 0x3000, MEM_COMMIT, PAGE_READWRITE, pv(base),
		      PAGE_READWRITE, MEM_PRIVATE);
	xrelease(base);
}

TEST(commit_outside_one_reservation_conflicts)
{
	static const struct {
		uintptr_t offset;
		SIZE_T size;
	} cases[] = {
		/* Across two reservations (ReactOS CheckAdjacentVADs). */
		{ 0x4000, 0x10000 },
		/* Past the end of the second one. */
		{ 0x1f000, 0x2000 },
		/* Where nothing is reserved (the WRK and ReactOS: no VAD). */
		{ 0x20000, 0x1000 },
	};
	PVOID base;
	SIZE_T size;
	uintptr_t x;
	unsigned int i;

	vm_setup();
	x = pv(free_range(0x30000));
	xalloc_at(x, 0x10000, 0, PAGE_NOACCESS);
	xalloc_at(x + 0x10000, 0x10000, 0, PAGE_NOACCESS);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		base = cp(x + cases[i].offset);
		size = cases[i].size;
		EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
		EXPECT_EQ(pv(base), x + cases[i].offset);
		EXPECT_EQ(size, cases[i].size);
	}
	/* Nothing was committed. */
	EXPECT_REGION(cp(x), x, 0x10000, MEM_RESERVE, 0, x, PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_REGION(cp(x + 0x10000), x + 0x10000, 0x10000, MEM_RESERVE, 0, x + 0x10000,
		      PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_EQ(xquery(cp(x + 0x20000)).State, MEM_FREE);
	xrelease(cp(x));
	xrelease(cp(x + 0x10000));

	/*
	 * A reservation smaller than 64 KiB ends where it ends, not at the
	 * granule: committing just past it fails (ReactOS CheckAlignment,
	 * "Commit memory at a too high address").
	 */
	xalloc_at(x, 0x3000, 0, PAGE_NOACCESS);
	base = cp(x + 0x3000);
	size = 0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_NOACCESS),
		      STATUS_CONFLICTING_ADDRESSES);
	xrelease(cp(x));
}

TEST(allocation_type_invalid)
{
	static const struct {
		ULONG type;
		NTSTATUS status;
	} cases[] = {
		/* No action at all: the WRK's STATUS_INVALID_PARAMETER_5. */
		{ 0, STATUS_INVALID_PARAMETER_5 },
		{ MEM_TOP_DOWN, STATUS_INVALID_PARAMETER_5 },
		{ MEM_WRITE_WATCH, STATUS_INVALID_PARAMETER_5 },
		/* Unknown bits: AT_ROUND_TO_PAGE (test_NtAllocateVirtualMemory). */
		{ MEM_RESERVE | MEM_COMMIT | 0x40000000, STATUS_INVALID_PARAMETER_5 },
		{ MEM_COMMIT | 0x10, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RELEASE, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RESERVE | MEM_FREE, STATUS_INVALID_PARAMETER_5 },
		/* MEM_WRITE_WATCH needs MEM_RESERVE (the WRK; VirtualAlloc's doc). */
		{ MEM_COMMIT | MEM_WRITE_WATCH, STATUS_INVALID_PARAMETER_5 },
		/* MEM_RESET and MEM_RESET_UNDO go alone (VirtualAlloc's doc). */
		{ MEM_RESET | MEM_COMMIT, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RESET | MEM_RESERVE, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RESET_UNDO | MEM_COMMIT, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RESET | MEM_RESET_UNDO, STATUS_INVALID_PARAMETER_5 },
		/*
		 * MEM_DECOMMIT is 0x4000, MEM_REPLACE_PLACEHOLDER, and
		 * MEM_RESERVE_PLACEHOLDER is 0x40000: placeholder flags, which
		 * NtAllocateVirtualMemory refuses with STATUS_INVALID_PARAMETER
		 * (test_NtAllocateVirtualMemoryEx, "Placeholder functionality").
		 */
		{ MEM_DECOMMIT, STATUS_INVALID_PARAMETER },
		{ MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, STATUS_INVALID_PARAMETER },
	};
	uintptr_t r;
	unsigned int i;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_NOACCESS));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		PVOID base = NULL;
		SIZE_T size = 0x1000;
		NTSTATUS s;

		s = vm_alloc(&base, &size, cases[i].type, PAGE_READWRITE);
		if (s != cases[i].status)
			fprintf(stderr, "# AllocationType %#x\n", cases[i].type);
		EXPECT_STATUS(s, cases[i].status);
		EXPECT_EQ(pv(base), 0);
		EXPECT_EQ(size, 0x1000);

		/* The same inside a reservation. */
		base = cp(r);
		s = vm_alloc(&base, &size, cases[i].type, PAGE_READWRITE);
		if (s != cases[i].status)
			fprintf(stderr, "# AllocationType %#x at a reservation\n", cases[i].type);
		EXPECT_STATUS(s, cases[i].status);
		EXPECT_EQ(pv(base), r);
		EXPECT_EQ(size, 0x1000);
	}
	EXPECT_REGION(cp(r), r, 0x10000, MEM_RESERVE, 0, r, PAGE_NOACCESS, MEM_PRIVATE);
	xrelease(cp(r));
}

TEST(allocation_protection_invalid)
{
	/*
	 * Exactly one base protection, no PAGE_GUARD/PAGE_NOCACHE/
	 * PAGE_WRITECOMBINE with PAGE_NOACCESS or each other, and no write-copy
	 * for private memory (test_VirtualAlloc, test_VirtualAlloc_protection;
	 * "Memory Protection Constants"; STATUS_INVALID_PAGE_PROTECTION as in
	 * the WRK and ReactOS).
	 */
	static const ULONG bad[] = {
		0,
		PAGE_READONLY | PAGE_EXECUTE,
		PAGE_READONLY | PAGE_NOACCESS,
		PAGE_READWRITE | PAGE_EXECUTE_READWRITE,
		PAGE_WRITECOPY,
		PAGE_EXECUTE_WRITECOPY,
		PAGE_GUARD,
		PAGE_NOCACHE,
		PAGE_NOACCESS | PAGE_GUARD,
		PAGE_NOACCESS | PAGE_NOCACHE,
		PAGE_NOACCESS | PAGE_WRITECOMBINE,
		PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
		PAGE_READWRITE | PAGE_GUARD | PAGE_WRITECOMBINE,
		PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE,
		PAGE_READWRITE | 0x800,
	};
	static const ULONG types[] = { MEM_RESERVE, MEM_RESERVE | MEM_COMMIT, MEM_COMMIT };
	uintptr_t r;
	unsigned int i, t;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_NOACCESS));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			PVOID base = NULL;
			SIZE_T size = 0x1000;
			NTSTATUS s = vm_alloc(&base, &size, types[t], bad[i]);

			if (s != STATUS_INVALID_PAGE_PROTECTION)
				fprintf(stderr, "# Protect %#x, AllocationType %#x\n", bad[i],
					types[t]);
			EXPECT_STATUS(s, STATUS_INVALID_PAGE_PROTECTION);
			EXPECT_EQ(pv(base), 0);
		}
		/* Committing inside a reservation checks the same way. */
		{
			PVOID base = cp(r);
			SIZE_T size = 0x1000;

			EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, bad[i]),
				      STATUS_INVALID_PAGE_PROTECTION);
		}
	}
	EXPECT_REGION(cp(r), r, 0x10000, MEM_RESERVE, 0, r, PAGE_NOACCESS, MEM_PRIVATE);
	xrelease(cp(r));

	/* The modifiers alone on a base protection are fine. */
	{
		static const ULONG good[] = {
			PAGE_READWRITE | PAGE_GUARD,
			PAGE_READWRITE | PAGE_NOCACHE,	/* test_VirtualAlloc */
			PAGE_EXECUTE_READWRITE | PAGE_WRITECOMBINE,
		};

		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			char *p = xalloc(0x2000, good[i]);

			EXPECT_REGION(p, pv(p), 0x2000, MEM_COMMIT, good[i], pv(p), good[i],
				      MEM_PRIVATE);
			xrelease(p);
		}
	}
}

TEST(allocation_size_and_base_out_of_range)
{
	PVOID base;
	SIZE_T size;
	uintptr_t r;

	vm_setup();
	/* A zero size fails (test_VirtualAlloc; the WRK's STATUS_INVALID_PARAMETER_4). */
	base = NULL;
	size = 0;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_4);
	EXPECT_EQ(pv(base), 0);
	EXPECT_EQ(size, 0);
	r = pv(xreserve(0x10000, PAGE_NOACCESS));
	base = cp(r);
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_4);
	EXPECT_EQ(pv(base), r);
	EXPECT_EQ(xquery(cp(r)).State, MEM_RESERVE);

	/* More than the user address space. */
	base = NULL;
	size = 0x800000000000UL;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_4);
	EXPECT_EQ(size, 0x800000000000UL);
	size = (SIZE_T)-0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_4);
	base = cp(r);
	size = 0x800000000000UL - r;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_4);

	/* A base above MM_HIGHEST_VAD_ADDRESS: the WRK's STATUS_INVALID_PARAMETER_2. */
	base = cp(HIGHEST_VAD_END);
	size = 0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_2);
	EXPECT_EQ(pv(base), HIGHEST_VAD_END);
	base = cp(0x800000000000UL);
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_2);
	base = cp(0xffff800000000000UL);
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_2);
	xrelease(cp(r));
}

/* ------------------------------------------------------------------------ */
/* NtFreeVirtualMemory                                                      */
/* ------------------------------------------------------------------------ */

TEST(decommit_then_recommit_reads_zero)
{
	PVOID base;
	SIZE_T size;
	char *p;
	unsigned int i;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	memset(p, 0xa5, 0x10000);

	base = p + 0x2000;
	size = 0x3000;
	ASSERT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p) + 0x2000);
	EXPECT_EQ(size, 0x3000);
	EXPECT_REGION(p + 0x2000, pv(p) + 0x2000, 0x3000, MEM_RESERVE, 0, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(p + 0x5000, pv(p) + 0x5000, 0xb000, MEM_COMMIT, PAGE_READWRITE, pv(p),
		      PAGE_READWRITE, MEM_PRIVATE);
	/* Decommitted pages are gone from the page tables. */
	EXPECT_FAULT(PROBE_READ, p + 0x2000, STATUS_ACCESS_VIOLATION, 0);
	EXPECT_FAULT(PROBE_WRITE, p + 0x4ffc, STATUS_ACCESS_VIOLATION, 1);
	/* Their neighbours keep their data. */
	EXPECT_EQ((unsigned char)p[0x1fff], 0xa5);
	EXPECT_EQ((unsigned char)p[0x5000], 0xa5);

	xcommit(p + 0x2000, 0x3000, PAGE_READWRITE);
	for (i = 0x2000; i < 0x5000; i += 8)
		if (*(uint64_t *)(p + i)) {
			fprintf(stderr, "# %p is not zero after a recommit\n", p + i);
			ntt_fail();
			break;
		}

	/*
	 * Two bytes straddling a page boundary decommit both pages, and the
	 * rounded range is reported (test_NtAllocateVirtualMemory).
	 */
	base = p + 0x1fff;
	size = 2;
	ASSERT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p) + 0x1000);
	EXPECT_EQ(size, 0x2000);
	EXPECT_EQ(xquery(p + 0x1000).State, MEM_RESERVE);
	EXPECT_EQ(xquery(p + 0x2000).State, MEM_RESERVE);

	/*
	 * Size 0 decommits the whole allocation from its base (any address in
	 * its first page), reporting 0 bytes: test_NtAllocateVirtualMemory
	 * accepts 0x10000 only as broken, from Windows 10 1709 and older.
	 */
	base = p + 0xffe;
	size = 0;
	ASSERT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0);
	EXPECT_REGION(p, pv(p), 0x10000, MEM_RESERVE, 0, pv(p), PAGE_READWRITE, MEM_PRIVATE);
	xrelease(p);
}

TEST(decommit_reserved_pages_is_allowed)
{
	PVOID base;
	SIZE_T size;
	char *p;

	vm_setup();
	/* ReactOS CheckAlignment: "Decommit the memory, even those pages that were not committed". */
	p = xreserve(0x10000, PAGE_NOACCESS);
	xcommit(p + 0x1000, 0x1000, PAGE_READWRITE);
	base = p;
	size = 0x3000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x3000);
	EXPECT_REGION(p, pv(p), 0x10000, MEM_RESERVE, 0, pv(p), PAGE_NOACCESS, MEM_PRIVATE);
	/* Reserved-only pages, none committed at all (ReactOS NtFreeVirtualMemory). */
	base = p + 0x8000;
	size = 0x1000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	xrelease(p);
}

TEST(release_whole_allocation)
{
	PVOID base;
	SIZE_T size;
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	xprotect(p + 0x3000, 0x1000, PAGE_READONLY);
	p[0] = 1;

	/* Any address in the first page with size 0 is the base (test_NtAllocateVirtualMemory). */
	base = p + 0xfff;
	size = 0;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x10000);
	EXPECT_REGION(p, pv(p), xquery(p).RegionSize, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	EXPECT_GE(xquery(p).RegionSize, 0x10000);
	EXPECT_ANY_FAULT(PROBE_READ, p);
	EXPECT_ANY_FAULT(PROBE_WRITE, p + 0xffff);

	/* The address is free again, even for a reservation at that base. */
	xrelease(xalloc_at(pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE));
}

TEST(release_needs_the_base_or_a_size)
{
	PVOID base;
	SIZE_T size;
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);

	/* test_NtAllocateVirtualMemory and test_NtFreeVirtualMemory. */
	base = p + 0x1001;
	size = 0;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
	EXPECT_EQ(pv(base), pv(p) + 0x1001);
	EXPECT_EQ(size, 0);
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_FREE_VM_NOT_AT_BASE);
	EXPECT_EQ(pv(base), pv(p) + 0x1001);
	EXPECT_EQ(size, 0);

	/* A range running past the allocation: STATUS_UNABLE_TO_FREE_VM. */
	base = p;
	size = 0x11000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	EXPECT_EQ(size, 0x11000);
	base = p + 0x1001;
	size = 0xffff;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	EXPECT_EQ(pv(base), pv(p) + 0x1001);
	EXPECT_EQ(size, 0xffff);
	base = p;
	size = 0x10001;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_UNABLE_TO_FREE_VM);

	/* Still all there. */
	EXPECT_REGION(p, pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x1001, 1);
	xrelease(p);
}

TEST(release_part_of_an_allocation)
{
	PVOID base;
	SIZE_T size;
	uintptr_t a;

	vm_setup();
	/* The sequence of test_NtFreeVirtualMemory. */
	a = pv(xalloc(0x10000, PAGE_READWRITE));

	/* Page 1, from an unaligned address and size. */
	base = cp(a + 0x1001);
	size = 0xfff;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), a + 0x1000);
	EXPECT_EQ(size, 0x1000);
	EXPECT_NO_FAULT(PROBE_WRITE, cp(a), 1);
	EXPECT_NO_FAULT(PROBE_WRITE, cp(a + 0x2000), 1);
	EXPECT_ANY_FAULT(PROBE_READ, cp(a + 0x1000));
	/* Page 0 and pages 2..15 are now allocations of their own. */
	EXPECT_REGION(cp(a), a, 0x1000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(cp(a + 0x1000), a + 0x1000, 0x1000, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	EXPECT_REGION(cp(a + 0x2000), a + 0x2000, 0xe000, MEM_COMMIT, PAGE_READWRITE, a + 0x2000,
		      PAGE_READWRITE, MEM_PRIVATE);

	/* Page 0. */
	base = cp(a + 1);
	size = 0xfff;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), a);
	EXPECT_EQ(size, 0x1000);
	EXPECT_NO_FAULT(PROBE_WRITE, cp(a + 0x2000), 1);

	/* Page 0 can be allocated again. */
	base = cp(a);
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_EQ(pv(base), a);
	EXPECT_EQ(size, 0x1000);

	/* The ranges are per allocation now. */
	base = cp(a);
	size = 0x10000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_UNABLE_TO_FREE_VM);
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	base = cp(a + 0x1000);
	size = 0;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
	size = 0x1000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_MEMORY_NOT_ALLOCATED);

	/* Pages 2..15 go with size 0 from their own base. */
	base = cp(a + 0x2000);
	size = 0;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(size, 0xe000);
	base = cp(a);
	size = 0x1000;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(xquery(cp(a)).State, MEM_FREE);
	EXPECT_GE(xquery(cp(a)).RegionSize, 0x10000);
}

TEST(free_unallocated_memory)
{
	PVOID base;
	SIZE_T size;
	uintptr_t x;

	vm_setup();
	x = pv(free_range(0x10000));
	base = cp(x);
	size = 0;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
	EXPECT_EQ(pv(base), x);
	EXPECT_EQ(size, 0);
	size = 0x1000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_MEMORY_NOT_ALLOCATED);
	EXPECT_EQ(size, 0x1000);

	/*
	 * In the same 64 KiB granule as a smaller allocation, past its end
	 * (ReactOS CheckAlignment, "Release the memory in the same 64k region
	 * at a different address").
	 */
	xalloc_at(x, 0x3000, 0, PAGE_NOACCESS);
	base = cp(x + 0x8000);
	size = 0x1000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
	/* And with the right base but the wrong size. */
	base = cp(x);
	size = 0x4000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	size = 0x3000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);

	/*
	 * Linux's own memory is not the module's to free. Which error depends
	 * on how it is filed: no allocation (STATUS_MEMORY_NOT_ALLOCATED) or,
	 * as the text is reported MEM_MAPPED, a view (the WRK's
	 * STATUS_UNABLE_TO_DELETE_SECTION); either way it fails.
	 */
	{
		NTSTATUS s;

		base = cp(round_down(text_address(), PAGE));
		size = 0;
		s = vm_free(&base, &size, MEM_RELEASE);
		EXPECT_TRUE(NT_ERROR(s));
		EXPECT_EQ(pv(base), round_down(text_address(), PAGE));
		if (!NT_ERROR(s))
			fprintf(stderr, "# releasing the text gave %s\n", NtxStatusName(s));
		EXPECT_EQ(text_marker(1), 4);
	}
}

TEST(free_type_invalid)
{
	/*
	 * FreeType is exactly MEM_DECOMMIT or MEM_RELEASE (the WRK's
	 * STATUS_INVALID_PARAMETER_4; test_VirtualAlloc refuses 0 and MEM_FREE).
	 */
	static const ULONG bad[] = {
		0, MEM_DECOMMIT | MEM_RELEASE, MEM_RELEASE | 0x10, MEM_DECOMMIT | 0x100000,
		MEM_FREE, MEM_RESERVE, MEM_COMMIT, MEM_RESET, 0x80000000,
	};
	unsigned int i;
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PVOID base = p;
		SIZE_T size = 0;
		NTSTATUS s = vm_free(&base, &size, bad[i]);

		if (s != STATUS_INVALID_PARAMETER_4)
			fprintf(stderr, "# FreeType %#x\n", bad[i]);
		EXPECT_STATUS(s, STATUS_INVALID_PARAMETER_4);
		EXPECT_EQ(pv(base), pv(p));
		EXPECT_EQ(size, 0);
	}
	EXPECT_REGION(p, pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* MEM_RESET, MEM_RESET_UNDO                                                */
/* ------------------------------------------------------------------------ */

TEST(mem_reset_keeps_pages_committed)
{
	PVOID base;
	SIZE_T size;
	uint32_t v;
	char *p;

	vm_setup();
	/* The sequence of test_VirtualAlloc. */
	p = xreserve(0x10000, PAGE_NOACCESS);
	xcommit(p, 0x1000, PAGE_READWRITE);
	memset(p, 0x55, 20);

	/* The protection is ignored but must be valid (VirtualAlloc's doc). */
	base = p;
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESET, PAGE_NOACCESS), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x1000);
	/* The contents may or may not survive; the page stays what it was. */
	memcpy(&v, p, sizeof(v));
	EXPECT_TRUE(v == 0x55555555 || v == 0);
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_NOACCESS,
		      MEM_PRIVATE);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x10, 0x66);
	EXPECT_EQ(p[0x10], 0x66);

	/* Reserved pages may be reset; they stay reserved. */
	base = p + 0x1000;
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESET, PAGE_NOACCESS), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p) + 0x1000);
	EXPECT_REGION(p + 0x1000, pv(p) + 0x1000, 0xf000, MEM_RESERVE, 0, pv(p), PAGE_NOACCESS,
		      MEM_PRIVATE);

	/*
	 * Past the allocation: fails (test_VirtualAlloc, ERROR_INVALID_ADDRESS;
	 * the commit path's "does not fit into the VAD" in ReactOS).
	 */
	base = p + 0xf000;
	size = 0x2000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESET, PAGE_NOACCESS),
		      STATUS_CONFLICTING_ADDRESSES);
	EXPECT_EQ(pv(base), pv(p) + 0xf000);
	EXPECT_EQ(size, 0x2000);

	/* An invalid protection is still refused. */
	base = p;
	size = 0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESET, 0), STATUS_INVALID_PAGE_PROTECTION);
	xrelease(p);
}

TEST(mem_reset_undo)
{
	PVOID base;
	SIZE_T size;
	NTSTATUS s;
	unsigned int i, intact = 1;
	char *p;

	vm_setup();
	p = xalloc(0x8000, PAGE_READWRITE);
	for (i = 0; i < 0x8000; i++)
		p[i] = (char)(i * 7 + 1);
	base = p;
	size = 0x8000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESET, PAGE_READWRITE), STATUS_SUCCESS);
	base = p;
	size = 0x8000;
	s = vm_alloc(&base, &size, MEM_RESET_UNDO, PAGE_READWRITE);
	for (i = 0; i < 0x8000; i++)
		if (p[i] != (char)(i * 7 + 1)) {
			intact = 0;
			break;
		}
	/*
	 * VirtualAlloc's doc: success means every byte of the range is intact;
	 * failure means some of it was replaced with zeros.
	 */
	if (s == STATUS_SUCCESS) {
		EXPECT_TRUE(intact);
		EXPECT_EQ(pv(base), pv(p));
		EXPECT_EQ(size, 0x8000);
	} else {
		EXPECT_TRUE(NT_ERROR(s));
		EXPECT_FALSE(intact);
		fprintf(stderr, "# MEM_RESET_UNDO: %s\n", NtxStatusName(s));
	}
	/* Either way the pages are committed and usable. */
	EXPECT_REGION(p, pv(p), 0x8000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x7fff, 3);
	EXPECT_EQ(p[0x7fff], 3);
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* The system commit limit                                                  */
/* ------------------------------------------------------------------------ */

/*
 * The system commit limit (module parameter commit_limit, in pages): a
 * commit that would pass it fails with STATUS_COMMITMENT_LIMIT and changes
 * nothing; reserving costs no commit. Needs root to set the parameter.
 */
TEST(commit_limit_gives_commitment_limit)
{
	static const char param[] = "/sys/module/ntexec/parameters/commit_limit";
	PVOID base = NULL;
	SIZE_T size = 0x100000;
	char *r;
	FILE *f;

	vm_setup();
	f = fopen(param, "w");
	if (!f)
		SKIP("cannot set %s (not root)", param);
	r = xreserve(0x200000, PAGE_READWRITE);
	xcommit(r, 0x1000, PAGE_READWRITE);
	/* 1 page: nothing more can be committed by anyone. */
	fprintf(f, "1\n");
	fclose(f);

	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(base, NULL);
	EXPECT_EQ(size, 0x100000);
	base = r + 0x10000;
	size = 0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE),
		      STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(xquery(r + 0x10000).State, MEM_RESERVE);
	/* Re-committing committed pages costs nothing, reserving neither. */
	xcommit(r, 0x1000, PAGE_READONLY);
	xrelease(xreserve(0x10000, PAGE_READWRITE));

	f = fopen(param, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "0\n");
	fclose(f);
	xcommit(r + 0x10000, 0x1000, PAGE_READWRITE);
	xrelease(r);
}
