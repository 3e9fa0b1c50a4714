/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NT page protections and the argument rules of NtAllocateVirtualMemory and
 * NtFreeVirtualMemory, as pure functions: no locks, no allocation, no
 * process state. The rules and their sources are listed in protect.c.
 */
#ifndef _NTEXEC_NTMM_PROTECT_H
#define _NTEXEC_NTMM_PROTECT_H

#include <linux/types.h>

#include "../ntob/status.h"

/*
 * Page protections, Windows' values. The NT_ prefix is not decoration:
 * x86 defines its own PAGE_READONLY (a pgprot).
 */
#define NT_PAGE_NOACCESS		0x00000001u
#define NT_PAGE_READONLY		0x00000002u
#define NT_PAGE_READWRITE		0x00000004u
#define NT_PAGE_WRITECOPY		0x00000008u
#define NT_PAGE_EXECUTE			0x00000010u
#define NT_PAGE_EXECUTE_READ		0x00000020u
#define NT_PAGE_EXECUTE_READWRITE	0x00000040u
#define NT_PAGE_EXECUTE_WRITECOPY	0x00000080u
#define NT_PAGE_GUARD			0x00000100u
#define NT_PAGE_NOCACHE			0x00000200u
#define NT_PAGE_WRITECOMBINE		0x00000400u
#define NT_PAGE_ENCLAVE_NO_CHANGE	0x20000000u
#define NT_PAGE_TARGETS_INVALID		0x40000000u
#define NT_PAGE_TARGETS_NO_UPDATE	0x40000000u

/* The base protection: exactly one of the eight bits. */
#define NT_PAGE_BASE_MASK		0x000000ffu
/* The cache attributes: in recent Windows a property of the allocation. */
#define NT_PAGE_CACHE_MASK		(NT_PAGE_NOCACHE | NT_PAGE_WRITECOMBINE)
/* What a page records and NtQueryVirtualMemory reports. */
#define NT_PAGE_PROT_MASK		(NT_PAGE_BASE_MASK | NT_PAGE_GUARD | \
					 NT_PAGE_CACHE_MASK)

/* AllocationType, FreeType, MEMORY_BASIC_INFORMATION State and Type. */
#define NT_MEM_COALESCE_PLACEHOLDERS	0x00000001u
#define NT_MEM_PRESERVE_PLACEHOLDER	0x00000002u
#define NT_MEM_COMMIT			0x00001000u
#define NT_MEM_RESERVE			0x00002000u
#define NT_MEM_REPLACE_PLACEHOLDER	0x00004000u
#define NT_MEM_DECOMMIT			0x00004000u
#define NT_MEM_RELEASE			0x00008000u
#define NT_MEM_FREE			0x00010000u
#define NT_MEM_PRIVATE			0x00020000u
#define NT_MEM_MAPPED			0x00040000u
#define NT_MEM_RESERVE_PLACEHOLDER	0x00040000u
#define NT_MEM_RESET			0x00080000u
#define NT_MEM_TOP_DOWN			0x00100000u
#define NT_MEM_WRITE_WATCH		0x00200000u
#define NT_MEM_PHYSICAL			0x00400000u
#define NT_MEM_RESET_UNDO		0x01000000u
#define NT_MEM_IMAGE			0x01000000u
#define NT_MEM_LARGE_PAGES		0x20000000u

/* NtLockVirtualMemory's MapType, NtGetWriteWatch's flag, a query class. */
#define NT_MAP_PROCESS			1u
#define NT_MAP_SYSTEM			2u
#define NT_WRITE_WATCH_FLAG_RESET	1u
#define NT_MEMORY_BASIC_INFORMATION	0u

/*
 * The x64 user address space as Windows lays it out: nothing below 64 KiB,
 * the highest user address 0x7FFFFFFEFFFF, and VADs end 64 KiB below it
 * (MM_HIGHEST_VAD_ADDRESS). The functions below take the limits as
 * arguments (0 selects these defaults) so that a process can be given a
 * smaller space.
 */
#define NT_ALLOCATION_GRANULARITY	0x10000UL
#define NT_LOWEST_USER_ADDRESS		0x10000UL
#define NT_HIGHEST_USER_ADDRESS		0x7ffffffeffffUL
#define NT_HIGHEST_VAD_ADDRESS		(NT_HIGHEST_USER_ADDRESS - \
					 NT_ALLOCATION_GRANULARITY)

/**
 * enum mm_protect_use - where a protection value comes from
 * @MM_PROTECT_ALLOCATE: NtAllocateVirtualMemory, new private memory
 * @MM_PROTECT_PRIVATE: NtProtectVirtualMemory (or a commit) on private memory
 * @MM_PROTECT_MAPPED: NtProtectVirtualMemory on a view of a section
 */
enum mm_protect_use {
	MM_PROTECT_ALLOCATE,
	MM_PROTECT_PRIVATE,
	MM_PROTECT_MAPPED,
};

ntstatus_t mm_check_protect(u32 protect, enum mm_protect_use use,
			    u32 *canonical);
u32 mm_protect_for_allocation(u32 allocation_protect, u32 protect);
unsigned long mm_protect_to_vm_flags(u32 protect);
bool mm_protect_is_writecopy(u32 protect);
ntstatus_t mm_zero_bits_limit(unsigned long zero_bits, unsigned long *highest);

/**
 * struct mm_alloc_args - NtAllocateVirtualMemory's arguments, captured
 * @base: *BaseAddress
 * @size: *RegionSize
 * @zero_bits: ZeroBits
 * @type: AllocationType
 * @protect: Protect
 * @highest: the highest address a VAD may cover, inclusive (rounded down
 *	to the end of a page), below ULONG_MAX; 0 for NT_HIGHEST_VAD_ADDRESS
 */
struct mm_alloc_args {
	unsigned long base;
	unsigned long size;
	unsigned long zero_bits;
	u32 type;
	u32 protect;
	unsigned long highest;
};

/**
 * enum mm_alloc_op - what a valid NtAllocateVirtualMemory call does
 * @MM_ALLOC_RESERVE: create a new allocation (and commit it with
 *	&mm_alloc_plan.commit)
 * @MM_ALLOC_COMMIT: commit pages inside an existing allocation
 * @MM_ALLOC_RESET: MEM_RESET of pages inside an existing allocation
 * @MM_ALLOC_RESET_UNDO: MEM_RESET_UNDO of pages inside an allocation
 */
enum mm_alloc_op {
	MM_ALLOC_RESERVE,
	MM_ALLOC_COMMIT,
	MM_ALLOC_RESET,
	MM_ALLOC_RESET_UNDO,
};

/**
 * struct mm_alloc_plan - a valid NtAllocateVirtualMemory call, rounded
 * @op: the operation
 * @fixed: the range is [@start, @end); otherwise the caller places @size
 *	bytes at a 64 KiB-aligned free address in [@min, @max) that honours
 *	@zero_bits (mm_vad_find_free()), highest first with @top_down
 * @commit: the new or existing pages end up committed
 * @top_down: MEM_TOP_DOWN
 * @write_watch: MEM_WRITE_WATCH: the new allocation tracks writes
 * @start: with @fixed, the first byte
 * @end: with @fixed, the end (exclusive)
 * @size: @end - @start, or the page-rounded size to place
 * @min: without @fixed, the lowest address to place at
 * @max: without @fixed, the end of the window (exclusive)
 * @zero_bits: without @fixed, ZeroBits, validated
 * @protect: the protection, canonical (mm_check_protect())
 */
struct mm_alloc_plan {
	enum mm_alloc_op op;
	bool fixed;
	bool commit;
	bool top_down;
	bool write_watch;
	unsigned long start;
	unsigned long end;
	unsigned long size;
	unsigned long min;
	unsigned long max;
	unsigned long zero_bits;
	u32 protect;
};

ntstatus_t mm_check_allocate(const struct mm_alloc_args *args,
			     struct mm_alloc_plan *plan);

/**
 * struct mm_free_plan - a valid NtFreeVirtualMemory call, rounded
 * @release: MEM_RELEASE (else MEM_DECOMMIT)
 * @whole: RegionSize was 0: the whole allocation whose base is @start
 *	(mm_vad_resolve_free() checks that @start is the base)
 * @start: the first page
 * @end: without @whole, the end of the last page (exclusive)
 */
struct mm_free_plan {
	bool release;
	bool whole;
	unsigned long start;
	unsigned long end;
};

ntstatus_t mm_check_free(unsigned long base, unsigned long size, u32 type,
			 unsigned long highest, struct mm_free_plan *plan);

#endif /* _NTEXEC_NTMM_PROTECT_H */
