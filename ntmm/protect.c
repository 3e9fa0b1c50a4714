// SPDX-License-Identifier: GPL-2.0
/*
 * NT page protections and the argument rules of NtAllocateVirtualMemory and
 * NtFreeVirtualMemory.
 *
 * Everything here is a pure function of its arguments. The rules are
 * Windows' as far as they can be established without a Windows machine; the
 * sources, cited by name at each rule, are:
 *
 *  - Wine's conformance tests, which encode what Windows returns:
 *    dlls/ntdll/tests/virtual.c (test_NtAllocateVirtualMemory,
 *    test_NtAllocateVirtualMemoryEx, test_NtFreeVirtualMemory,
 *    test_NtMapViewOfSection) and dlls/kernel32/tests/virtual.c
 *    (test_VirtualAlloc, test_VirtualProtect, test_VirtualAlloc_protection).
 *  - Microsoft's documentation: "Memory Protection Constants", VirtualAlloc,
 *    NtAllocateVirtualMemory ("when ZeroBits is larger than 32, it becomes
 *    a bitmask").
 *  - The Windows Research Kernel's NtAllocateVirtualMemory, whose argument
 *    checks ReactOS reproduces in ntoskrnl/mm/ARM3/virtual.c, and ReactOS'
 *    MiMakeProtectionMask (ntoskrnl/mm/ARM3/section.c) and
 *    NtFreeVirtualMemory.
 *  - Wine's own implementation (dlls/ntdll/unix/virtual.c) where it settles
 *    a case the tests leave open.
 *
 * Where the sources disagree or say nothing, the choice is marked "ntexec:".
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <kunit/visibility.h>

#include "protect.h"

/*
 * Protection bits accepted and ignored. PAGE_TARGETS_INVALID (allocate) and
 * PAGE_TARGETS_NO_UPDATE (protect) share 0x40000000 and only concern CFG,
 * which ntexec does not implement. PAGE_ENCLAVE_NO_CHANGE is passed by
 * kernelbase's WriteProcessMemory together with PAGE_TARGETS_NO_UPDATE when
 * it makes a page writable for the copy (Wine's dlls/kernelbase/memory.c
 * does the same); refusing it would break WriteProcessMemory. ntexec: other
 * bits above PAGE_WRITECOMBINE are refused, as MiMakeProtectionMask does
 * for everything at or above 0x800.
 */
#define MM_PROTECT_IGNORED	(NT_PAGE_TARGETS_INVALID | NT_PAGE_ENCLAVE_NO_CHANGE)

/*
 * Combinations MiMakeProtectionMask refuses, each a set of bits that may not
 * all be present; the base protection is a single bit by then, so a row
 * naming PAGE_NOACCESS means "this modifier on a no-access page". The
 * documentation of the constants says the same: PAGE_GUARD "cannot be used
 * with PAGE_NOACCESS", PAGE_NOCACHE "cannot be used with the PAGE_GUARD,
 * PAGE_NOACCESS, or PAGE_WRITECOMBINE flags", PAGE_WRITECOMBINE "cannot be
 * specified with the PAGE_NOACCESS, PAGE_GUARD, and PAGE_NOCACHE flags".
 */
static const u32 mm_protect_forbidden[] = {
	NT_PAGE_NOACCESS | NT_PAGE_GUARD,
	NT_PAGE_NOACCESS | NT_PAGE_NOCACHE,
	NT_PAGE_NOACCESS | NT_PAGE_WRITECOMBINE,
	NT_PAGE_GUARD | NT_PAGE_NOCACHE,
	NT_PAGE_GUARD | NT_PAGE_WRITECOMBINE,
	NT_PAGE_NOCACHE | NT_PAGE_WRITECOMBINE,
};

/**
 * mm_check_protect() - validate a PAGE_* value
 * @protect: the caller's Protect or NewProtect
 * @use: the service and the kind of memory it is for
 * @canonical: on success, @protect without the ignored bits
 *
 * Exactly one base protection is required: test_VirtualProtect and
 * test_VirtualAlloc_protection refuse 0 and every combination of two or
 * more of the eight bits. PAGE_WRITECOPY and PAGE_EXECUTE_WRITECOPY are
 * refused for private memory: test_VirtualAlloc_protection (allocation) and
 * test_VirtualProtect (protection change) expect failure; Wine returns
 * STATUS_INVALID_PAGE_PROTECTION for both (allocate_virtual_memory,
 * set_protection), as ReactOS does for allocation and commit.
 *
 * Return: STATUS_SUCCESS or STATUS_INVALID_PAGE_PROTECTION.
 */
ntstatus_t mm_check_protect(u32 protect, enum mm_protect_use use,
			    u32 *canonical)
{
	u32 base = protect & NT_PAGE_BASE_MASK;
	unsigned int i;

	if (protect & ~(NT_PAGE_PROT_MASK | MM_PROTECT_IGNORED))
		return STATUS_INVALID_PAGE_PROTECTION;
	if (hweight32(base) != 1)
		return STATUS_INVALID_PAGE_PROTECTION;
	for (i = 0; i < ARRAY_SIZE(mm_protect_forbidden); i++)
		if ((protect & mm_protect_forbidden[i]) == mm_protect_forbidden[i])
			return STATUS_INVALID_PAGE_PROTECTION;
	if (use != MM_PROTECT_MAPPED && mm_protect_is_writecopy(protect))
		return STATUS_INVALID_PAGE_PROTECTION;
	*canonical = protect & NT_PAGE_PROT_MASK;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_check_protect);

/**
 * mm_protect_for_allocation() - the protection a page of an allocation gets
 * @allocation_protect: the allocation's protection (its AllocationProtect)
 * @protect: a valid, canonical protection asked by a commit or by
 *	NtProtectVirtualMemory
 *
 * In recent Windows the cache attribute belongs to the allocation, not to
 * the page (test_VirtualAlloc, "PAGE_NOCACHE cannot be set per page in
 * recent Windows"): protecting a page of a PAGE_NOCACHE allocation as
 * PAGE_READWRITE reports PAGE_READWRITE | PAGE_NOCACHE, and asking
 * PAGE_READONLY | PAGE_NOCACHE on a cached allocation reports PAGE_READONLY.
 * ntexec: PAGE_WRITECOMBINE is treated the same way, and the attribute is
 * not added where it would make an invalid combination (no-access and
 * guard pages).
 *
 * Return: the protection to record for the page.
 */
u32 mm_protect_for_allocation(u32 allocation_protect, u32 protect)
{
	u32 cache = allocation_protect & NT_PAGE_CACHE_MASK;

	protect &= NT_PAGE_PROT_MASK & ~NT_PAGE_CACHE_MASK;
	if (!(protect & (NT_PAGE_NOACCESS | NT_PAGE_GUARD)))
		protect |= cache;
	return protect;
}
EXPORT_SYMBOL_IF_KUNIT(mm_protect_for_allocation);

/* Linux access for each base protection, indexed by its bit number. */
static const unsigned long mm_protect_vm_flags[8] = {
	[0] = 0,					/* PAGE_NOACCESS */
	[1] = VM_READ,					/* PAGE_READONLY */
	[2] = VM_READ | VM_WRITE,			/* PAGE_READWRITE */
	[3] = VM_READ | VM_WRITE,			/* PAGE_WRITECOPY */
	[4] = VM_EXEC,					/* PAGE_EXECUTE */
	[5] = VM_READ | VM_EXEC,			/* PAGE_EXECUTE_READ */
	[6] = VM_READ | VM_WRITE | VM_EXEC,		/* PAGE_EXECUTE_READWRITE */
	[7] = VM_READ | VM_WRITE | VM_EXEC,		/* PAGE_EXECUTE_WRITECOPY */
};

/**
 * mm_protect_to_vm_flags() - the accesses a protection permits
 * @protect: a page's protection
 *
 * For the fault path. PAGE_NOACCESS and guard pages permit nothing (a guard
 * page's first access raises STATUS_GUARD_PAGE_VIOLATION instead). The
 * write-copy protections permit writes, but the page must be made private
 * first (mm_protect_is_writecopy()). x86 cannot map execute-only: a
 * PAGE_EXECUTE PTE is readable, as on Windows.
 *
 * Return: VM_READ, VM_WRITE and VM_EXEC as permitted; 0 for an invalid value.
 */
unsigned long mm_protect_to_vm_flags(u32 protect)
{
	u32 base = protect & NT_PAGE_BASE_MASK;

	if ((protect & NT_PAGE_GUARD) || hweight32(base) != 1)
		return 0;
	return mm_protect_vm_flags[__ffs(base)];
}
EXPORT_SYMBOL_IF_KUNIT(mm_protect_to_vm_flags);

/**
 * mm_protect_is_writecopy() - whether a protection is copy-on-write
 * @protect: a protection
 *
 * Return: true for PAGE_WRITECOPY and PAGE_EXECUTE_WRITECOPY.
 */
bool mm_protect_is_writecopy(u32 protect)
{
	return protect & (NT_PAGE_WRITECOPY | NT_PAGE_EXECUTE_WRITECOPY);
}
EXPORT_SYMBOL_IF_KUNIT(mm_protect_is_writecopy);

/* MM_MAXIMUM_ZERO_BITS of the x64 WRK. */
#define MM_MAX_ZERO_BITS	53

/**
 * mm_zero_bits_limit() - the highest address ZeroBits allows
 * @zero_bits: NtAllocateVirtualMemory's ZeroBits
 * @highest: on success, the highest address an allocation may cover
 *
 * The WRK's x64 rule: a value below 32 counts the leading zero bits of a
 * 32-bit address, so 64-bit counts 32 more; a value of 32 or more is a mask
 * whose leading zero bits are counted. The count may not exceed 53, and the
 * allocation must lie at or below ~0UL >> count. That gives the behaviour
 * test_NtAllocateVirtualMemory expects: 1..20 keep the address below
 * 2^(32 - ZeroBits); 21 leaves 2 KiB, below the first usable address, so it
 * "never succeeds" (STATUS_NO_MEMORY); 22 is STATUS_INVALID_PARAMETER_3
 * (also 24, test_NtAllocateVirtualMemoryEx_address_requirements); the mask
 * 0x1aaaaaaa keeps the address within 0x1fffffff ("only the leading zeroes
 * matter"), 0xffffffff within 4 GiB. ntexec: masks below 0x400 (fewer than
 * 11 significant bits) are STATUS_INVALID_PARAMETER_3 by the WRK rule; Wine
 * refuses every mask below 0xffff with that status and lets 32 through to
 * STATUS_NO_MEMORY. No test tells them apart; both are failures.
 *
 * Return: STATUS_SUCCESS (with *@highest = ULONG_MAX for 0) or
 * STATUS_INVALID_PARAMETER_3.
 */
ntstatus_t mm_zero_bits_limit(unsigned long zero_bits, unsigned long *highest)
{
	unsigned int count;

	if (!zero_bits) {
		*highest = ULONG_MAX;
		return STATUS_SUCCESS;
	}
	if (zero_bits < 32)
		count = zero_bits + 32;
	else
		count = BITS_PER_LONG - 1 - __fls(zero_bits);
	if (count > MM_MAX_ZERO_BITS)
		return STATUS_INVALID_PARAMETER_3;
	*highest = ULONG_MAX >> count;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_zero_bits_limit);

#define MM_ALLOC_TYPE_VALID	(NT_MEM_COMMIT | NT_MEM_RESERVE | NT_MEM_RESET | \
				 NT_MEM_RESET_UNDO | NT_MEM_TOP_DOWN | \
				 NT_MEM_WRITE_WATCH | NT_MEM_PHYSICAL | \
				 NT_MEM_LARGE_PAGES)
#define MM_ALLOC_TYPE_ACTION	(NT_MEM_COMMIT | NT_MEM_RESERVE | NT_MEM_RESET | \
				 NT_MEM_RESET_UNDO)

/**
 * struct mm_alloc_type_rule - a constraint on AllocationType
 * @when: the rule applies when all of these bits are set
 * @need: then all of these must be set too
 * @allow: and no bit outside these may be set
 */
struct mm_alloc_type_rule {
	u32 when;
	u32 need;
	u32 allow;
};

/*
 * The WRK's checks (ReactOS' NtAllocateVirtualMemory), all failing with
 * STATUS_INVALID_PARAMETER_5, plus MEM_RESET_UNDO, which postdates the WRK
 * and which VirtualAlloc's documentation says "cannot be used with any
 * other value", like MEM_RESET.
 */
static const struct mm_alloc_type_rule mm_alloc_type_rules[] = {
	{ NT_MEM_RESET, NT_MEM_RESET, NT_MEM_RESET },
	{ NT_MEM_RESET_UNDO, NT_MEM_RESET_UNDO, NT_MEM_RESET_UNDO },
	{ NT_MEM_LARGE_PAGES, NT_MEM_COMMIT,
	  MM_ALLOC_TYPE_VALID & ~(NT_MEM_PHYSICAL | NT_MEM_WRITE_WATCH) },
	{ NT_MEM_WRITE_WATCH, NT_MEM_RESERVE, MM_ALLOC_TYPE_VALID },
	{ NT_MEM_PHYSICAL, NT_MEM_RESERVE,
	  NT_MEM_RESERVE | NT_MEM_TOP_DOWN | NT_MEM_PHYSICAL },
};

static ntstatus_t mm_check_alloc_type(u32 type)
{
	unsigned int i;

	const u32 placeholder = NT_MEM_RESERVE_PLACEHOLDER | NT_MEM_REPLACE_PLACEHOLDER;

	/*
	 * Unknown bits first (Windows: 0xFFFFFFFF is
	 * STATUS_INVALID_PARAMETER_5, placeholder bits and all), then the
	 * placeholder flags, which belong to NtAllocateVirtualMemoryEx and are
	 * STATUS_INVALID_PARAMETER through NtAllocateVirtualMemory
	 * (test_NtAllocateVirtualMemoryEx, "Placeholder functionality"), then
	 * no action at all: the WRK's STATUS_INVALID_PARAMETER_5, which
	 * test_NtAllocateVirtualMemory accepts for AT_ROUND_TO_PAGE.
	 */
	if (type & ~(MM_ALLOC_TYPE_VALID | placeholder))
		return STATUS_INVALID_PARAMETER_5;
	if (type & placeholder)
		return STATUS_INVALID_PARAMETER;
	if (!(type & MM_ALLOC_TYPE_ACTION))
		return STATUS_INVALID_PARAMETER_5;
	for (i = 0; i < ARRAY_SIZE(mm_alloc_type_rules); i++) {
		const struct mm_alloc_type_rule *r = &mm_alloc_type_rules[i];

		if ((type & r->when) != r->when)
			continue;
		if ((type & r->need) != r->need || (type & ~r->allow))
			return STATUS_INVALID_PARAMETER_5;
	}
	return STATUS_SUCCESS;
}

/**
 * mm_check_allocate() - validate and round NtAllocateVirtualMemory's arguments
 * @args: the captured arguments
 * @plan: on success, what to do
 *
 * The checks run in the WRK's order, first failure wins:
 *
 *  1. ZeroBits (mm_zero_bits_limit()): STATUS_INVALID_PARAMETER_3.
 *  2. AllocationType: STATUS_INVALID_PARAMETER for the placeholder flags,
 *     STATUS_INVALID_PARAMETER_5 for unknown bits, for no action, for
 *     MEM_RESET or MEM_RESET_UNDO with anything else, MEM_LARGE_PAGES
 *     without MEM_COMMIT or with MEM_PHYSICAL or MEM_WRITE_WATCH,
 *     MEM_WRITE_WATCH without MEM_RESERVE, MEM_PHYSICAL with anything but
 *     MEM_RESERVE and MEM_TOP_DOWN; then STATUS_INVALID_PARAMETER_6 for
 *     MEM_PHYSICAL with a protection other than PAGE_READWRITE.
 *  3. Protect (mm_check_protect(); checked even for MEM_RESET, which
 *     ignores it but "you must still set flProtect to a valid protection
 *     value"): STATUS_INVALID_PAGE_PROTECTION.
 *  4. BaseAddress above the highest VAD address: STATUS_INVALID_PARAMETER_2.
 *     ntexec: also a non-zero base below 64 KiB, which the WRK leaves to
 *     its VAD lookup and Wine refuses with STATUS_INVALID_PARAMETER.
 *  5. RegionSize reaching past the highest VAD address, or 0:
 *     STATUS_INVALID_PARAMETER_4 (test_VirtualAlloc: a zero size fails).
 *  6. ntexec: MEM_LARGE_PAGES is STATUS_PRIVILEGE_NOT_HELD, what Windows
 *     answers a process without SeLockMemoryPrivilege; MEM_PHYSICAL (AWE)
 *     is STATUS_NOT_SUPPORTED.
 *
 * A NULL base or MEM_RESERVE creates an allocation (the WRK, and Wine's
 * allocate_virtual_memory: "(type & MEM_RESERVE) || !base"), so MEM_COMMIT
 * or even MEM_RESET with a NULL base reserves; write-copy protections are
 * refused there with STATUS_INVALID_PAGE_PROTECTION. A given base is
 * rounded down to 64 KiB and the size up to cover [base, base + size) in
 * whole pages (VirtualAlloc: "a 2-byte range straddling a page boundary
 * causes both pages to be included"); ZeroBits is then ignored
 * (test_NtAllocateVirtualMemory: "it should conflict, even when zero_bits
 * is explicitly set"). Without a base the size is rounded up to pages and
 * the caller finds the place. Otherwise the call works on an existing
 * allocation, on [base, base + size) rounded out to pages.
 *
 * Return: STATUS_SUCCESS or the status above.
 */
ntstatus_t mm_check_allocate(const struct mm_alloc_args *args,
			     struct mm_alloc_plan *plan)
{
	unsigned long highest = args->highest ?: NT_HIGHEST_VAD_ADDRESS;
	unsigned long base = args->base, size = args->size, limit;
	u32 type = args->type, protect;
	ntstatus_t status;

	status = mm_zero_bits_limit(args->zero_bits, &limit);
	if (status)
		return status;
	status = mm_check_alloc_type(type);
	if (status)
		return status;
	if ((type & NT_MEM_PHYSICAL) && args->protect != NT_PAGE_READWRITE)
		return STATUS_INVALID_PARAMETER_6;
	status = mm_check_protect(args->protect, MM_PROTECT_MAPPED, &protect);
	if (status)
		return status;

	/* Only whole pages are ever handed out. */
	if (WARN_ON_ONCE(highest < NT_LOWEST_USER_ADDRESS || highest == ULONG_MAX))
		return STATUS_INVALID_PARAMETER;
	highest = ((highest + 1) & PAGE_MASK) - 1;
	if (base > highest || (base && base < NT_LOWEST_USER_ADDRESS))
		return STATUS_INVALID_PARAMETER_2;
	if (highest + 1 - base < size || !size)
		return STATUS_INVALID_PARAMETER_4;
	if (type & NT_MEM_LARGE_PAGES)
		return STATUS_PRIVILEGE_NOT_HELD;
	if (type & NT_MEM_PHYSICAL)
		return STATUS_NOT_SUPPORTED;

	memset(plan, 0, sizeof(*plan));
	plan->protect = protect;
	plan->commit = type & NT_MEM_COMMIT;
	plan->top_down = type & NT_MEM_TOP_DOWN;
	plan->write_watch = type & NT_MEM_WRITE_WATCH;

	if (!base || (type & NT_MEM_RESERVE)) {
		if (mm_protect_is_writecopy(protect))
			return STATUS_INVALID_PAGE_PROTECTION;
		plan->op = MM_ALLOC_RESERVE;
		if (!base) {
			plan->size = PAGE_ALIGN(size);
			plan->min = NT_LOWEST_USER_ADDRESS;
			plan->max = highest + 1;
			plan->zero_bits = args->zero_bits;
			return STATUS_SUCCESS;
		}
		plan->fixed = true;
		plan->start = ALIGN_DOWN(base, NT_ALLOCATION_GRANULARITY);
	} else {
		if (type & NT_MEM_RESET)
			plan->op = MM_ALLOC_RESET;
		else if (type & NT_MEM_RESET_UNDO)
			plan->op = MM_ALLOC_RESET_UNDO;
		else
			plan->op = MM_ALLOC_COMMIT;
		plan->fixed = true;
		plan->start = base & PAGE_MASK;
	}
	plan->end = PAGE_ALIGN(base + size);
	plan->size = plan->end - plan->start;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_check_allocate);

/**
 * mm_check_free() - validate and round NtFreeVirtualMemory's arguments
 * @base: *BaseAddress
 * @size: *RegionSize
 * @type: FreeType
 * @highest: the highest user address; 0 for NT_HIGHEST_USER_ADDRESS
 * @plan: on success, the pages to free
 *
 * FreeType must be exactly MEM_DECOMMIT or MEM_RELEASE, else
 * STATUS_INVALID_PARAMETER_4 (the WRK; Windows answers MEM_RESERVE so, and
 * test_NtAllocateVirtualMemoryEx expects it for MEM_COALESCE_PLACEHOLDERS
 * alone). ntexec: the placeholder flags MEM_PRESERVE_PLACEHOLDER and
 * MEM_COALESCE_PLACEHOLDERS with MEM_RELEASE are refused the same way, as
 * ntexec has no placeholders. A base at or above the highest user address
 * is STATUS_INVALID_PARAMETER_2 and a size reaching past it
 * STATUS_INVALID_PARAMETER_3 (ReactOS). A base in the first page is
 * STATUS_MEMORY_NOT_ALLOCATED, what Windows answers for a NULL base: no
 * allocation can be there.
 *
 * The base is rounded down to a page and a non-zero size up to cover
 * [base, base + size) (test_NtAllocateVirtualMemory: decommitting 2 bytes
 * at page + 0xfff frees two pages). A zero size means the whole
 * allocation, and the rounded base must be the allocation's base
 * (test_NtFreeVirtualMemory; checked by mm_vad_resolve_free()). Releasing a
 * sub-range of an allocation is allowed: see mm_vad_resolve_free().
 *
 * Return: STATUS_SUCCESS or the status above.
 */
ntstatus_t mm_check_free(unsigned long base, unsigned long size, u32 type,
			 unsigned long highest, struct mm_free_plan *plan)
{
	if (type != NT_MEM_DECOMMIT && type != NT_MEM_RELEASE)
		return STATUS_INVALID_PARAMETER_4;
	highest = highest ?: NT_HIGHEST_USER_ADDRESS;
	if (base >= highest)
		return STATUS_INVALID_PARAMETER_2;
	if (highest - base < size)
		return STATUS_INVALID_PARAMETER_3;
	if (!(base & PAGE_MASK))
		return STATUS_MEMORY_NOT_ALLOCATED;

	plan->release = type == NT_MEM_RELEASE;
	plan->whole = !size;
	plan->start = base & PAGE_MASK;
	plan->end = size ? PAGE_ALIGN(base + size) : 0;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_check_free);
