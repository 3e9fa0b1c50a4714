// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: NT page protections and the NtAllocateVirtualMemory and
 * NtFreeVirtualMemory argument rules (ntmm/protect.c). The expectations
 * come from Wine's conformance tests where those pin Windows' answer; the
 * row comments name them.
 */
#include <kunit/test.h>
#include <linux/mm.h>

#include "../ntmm/protect.h"

#define RO	NT_PAGE_READONLY
#define RW	NT_PAGE_READWRITE
#define WC	NT_PAGE_WRITECOPY
#define X	NT_PAGE_EXECUTE
#define XR	NT_PAGE_EXECUTE_READ
#define XRW	NT_PAGE_EXECUTE_READWRITE
#define XWC	NT_PAGE_EXECUTE_WRITECOPY
#define NA	NT_PAGE_NOACCESS
#define GUARD	NT_PAGE_GUARD
#define NOCACHE	NT_PAGE_NOCACHE
#define WCOMB	NT_PAGE_WRITECOMBINE
#define BAD	STATUS_INVALID_PAGE_PROTECTION

struct protect_case {
	u32 protect;
	/* Expected status for allocate, private protect, mapped protect. */
	ntstatus_t alloc, priv, mapped;
	u32 canonical;
};

static const struct protect_case protect_cases[] = {
	/* test_VirtualProtect / test_VirtualAlloc_protection rows. */
	{ 0, BAD, BAD, BAD },
	{ NA, 0, 0, 0, NA },
	{ RO, 0, 0, 0, RO },
	{ RO | NA, BAD, BAD, BAD },
	{ RW, 0, 0, 0, RW },
	{ RW | NA, BAD, BAD, BAD },
	{ RW | RO, BAD, BAD, BAD },
	{ RW | RO | NA, BAD, BAD, BAD },
	/* Write-copy is for views only. */
	{ WC, BAD, BAD, 0, WC },
	{ WC | NA, BAD, BAD, BAD },
	{ WC | RO, BAD, BAD, BAD },
	{ WC | RW, BAD, BAD, BAD },
	{ WC | RW | RO | NA, BAD, BAD, BAD },
	{ X, 0, 0, 0, X },
	{ XR, 0, 0, 0, XR },
	{ XR | X, BAD, BAD, BAD },
	{ XRW, 0, 0, 0, XRW },
	{ XRW | X, BAD, BAD, BAD },
	{ XRW | XR, BAD, BAD, BAD },
	{ XWC, BAD, BAD, 0, XWC },
	{ XWC | X, BAD, BAD, BAD },
	{ XWC | XRW | XR | X, BAD, BAD, BAD },
	/* test_VirtualAlloc: PAGE_READONLY | PAGE_EXECUTE, RW | EXECUTE_WRITECOPY. */
	{ RO | X, BAD, BAD, BAD },
	{ RW | XWC, BAD, BAD, BAD },
	{ RW | XRW, BAD, BAD, BAD },
	/* Modifiers (MiMakeProtectionMask, Memory Protection Constants). */
	{ RW | GUARD, 0, 0, 0, RW | GUARD },
	{ XR | GUARD, 0, 0, 0, XR | GUARD },
	{ NA | GUARD, BAD, BAD, BAD },
	{ RW | NOCACHE, 0, 0, 0, RW | NOCACHE },
	{ NA | NOCACHE, BAD, BAD, BAD },
	{ RW | WCOMB, 0, 0, 0, RW | WCOMB },
	{ NA | WCOMB, BAD, BAD, BAD },
	{ RW | GUARD | NOCACHE, BAD, BAD, BAD },
	{ RW | GUARD | WCOMB, BAD, BAD, BAD },
	{ RW | NOCACHE | WCOMB, BAD, BAD, BAD },
	{ GUARD, BAD, BAD, BAD },
	{ NOCACHE, BAD, BAD, BAD },
	/* CFG and enclave bits accepted and dropped (kernelbase WriteProcessMemory). */
	{ XRW | NT_PAGE_TARGETS_INVALID, 0, 0, 0, XRW },
	{ XRW | NT_PAGE_TARGETS_NO_UPDATE | NT_PAGE_ENCLAVE_NO_CHANGE, 0, 0, 0, XRW },
	{ XWC | NT_PAGE_TARGETS_NO_UPDATE | NT_PAGE_ENCLAVE_NO_CHANGE, BAD, BAD, 0, XWC },
	/* Anything else above PAGE_WRITECOMBINE. */
	{ RW | 0x800, BAD, BAD, BAD },
	{ RW | 0x1000, BAD, BAD, BAD },
	{ RW | 0x10000000, BAD, BAD, BAD },
	{ RW | 0x80000000, BAD, BAD, BAD },
	{ 0x100 | 0x200 | 0x400, BAD, BAD, BAD },
};

static void protect_case_desc(const struct protect_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "protect %#x", c->protect);
}

KUNIT_ARRAY_PARAM(protect, protect_cases, protect_case_desc);

static void protect_validation(struct kunit *test)
{
	const struct protect_case *c = test->param_value;
	const ntstatus_t want[] = { c->alloc, c->priv, c->mapped };
	const enum mm_protect_use use[] = {
		MM_PROTECT_ALLOCATE, MM_PROTECT_PRIVATE, MM_PROTECT_MAPPED,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(use); i++) {
		u32 canonical = 0xdeadbeef;

		KUNIT_EXPECT_EQ_MSG(test, mm_check_protect(c->protect, use[i], &canonical),
				    want[i], "use %u", i);
		if (!want[i])
			KUNIT_EXPECT_EQ_MSG(test, canonical, c->canonical, "use %u", i);
		else
			KUNIT_EXPECT_EQ_MSG(test, canonical, 0xdeadbeefu, "use %u", i);
	}
}

struct vm_flags_case {
	u32 protect;
	unsigned long flags;
	bool writecopy;
};

static const struct vm_flags_case vm_flags_cases[] = {
	{ NA, 0 },
	{ RO, VM_READ },
	{ RW, VM_READ | VM_WRITE },
	{ WC, VM_READ | VM_WRITE, true },
	{ X, VM_EXEC },
	{ XR, VM_READ | VM_EXEC },
	{ XRW, VM_READ | VM_WRITE | VM_EXEC },
	{ XWC, VM_READ | VM_WRITE | VM_EXEC, true },
	{ RW | GUARD, 0 },
	{ XRW | GUARD, 0 },
	{ RW | NOCACHE, VM_READ | VM_WRITE },
	{ XR | WCOMB, VM_READ | VM_EXEC },
	{ 0, 0 },
	{ RO | RW, 0 },
};

static void vm_flags_case_desc(const struct vm_flags_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "protect %#x", c->protect);
}

KUNIT_ARRAY_PARAM(vm_flags, vm_flags_cases, vm_flags_case_desc);

static void protect_vm_flags(struct kunit *test)
{
	const struct vm_flags_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, mm_protect_to_vm_flags(c->protect), c->flags);
	KUNIT_EXPECT_EQ(test, mm_protect_is_writecopy(c->protect), c->writecopy);
}

/* test_VirtualAlloc: "PAGE_NOCACHE cannot be set per page in recent Windows". */
static void protect_cache_follows_allocation(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mm_protect_for_allocation(RW | NOCACHE, RW), RW | NOCACHE);
	KUNIT_EXPECT_EQ(test, mm_protect_for_allocation(RW | NOCACHE, RO), RO | NOCACHE);
	KUNIT_EXPECT_EQ(test, mm_protect_for_allocation(RW, RO | NOCACHE), RO);
	KUNIT_EXPECT_EQ(test, mm_protect_for_allocation(RW | WCOMB, XR), XR | WCOMB);
	KUNIT_EXPECT_EQ(test, mm_protect_for_allocation(RW | NOCACHE, NA), NA);
	KUNIT_EXPECT_EQ(test, mm_protect_for_allocation(RW | NOCACHE, RW | GUARD), RW | GUARD);
	KUNIT_EXPECT_EQ(test, mm_protect_for_allocation(RW | GUARD, RO), RO);
}

struct zero_bits_case {
	unsigned long zero_bits;
	ntstatus_t status;
	unsigned long highest;
};

static const struct zero_bits_case zero_bits_cases[] = {
	{ 0, 0, ULONG_MAX },
	/* test_NtAllocateVirtualMemory: address >> (32 - zero_bits) == 0. */
	{ 1, 0, 0x7fffffffUL },
	{ 2, 0, 0x3fffffffUL },
	{ 12, 0, 0xfffffUL },
	{ 15, 0, 0x1ffffUL },
	{ 20, 0, 0xfffUL },
	/* 21 "never succeeds": 2 KiB is below the first usable address. */
	{ 21, 0, 0x7ffUL },
	/* 22 "is invalid"; 24 too (..._address_requirements). */
	{ 22, STATUS_INVALID_PARAMETER_3 },
	{ 24, STATUS_INVALID_PARAMETER_3 },
	{ 31, STATUS_INVALID_PARAMETER_3 },
	/* Masks from 32 up: only the leading zero bits count. */
	{ 32, STATUS_INVALID_PARAMETER_3 },
	{ 0x3ff, STATUS_INVALID_PARAMETER_3 },
	{ 0x400, 0, 0x7ffUL },
	{ 0xffff, 0, 0xffffUL },
	{ 0x1aaaaaaa, 0, 0x1fffffffUL },
	{ 0x7fffffff, 0, 0x7fffffffUL },
	{ 0xffffffff, 0, 0xffffffffUL },
	{ 0x7fffffffffffUL, 0, 0x7fffffffffffUL },
	{ ULONG_MAX, 0, ULONG_MAX },
};

static void zero_bits_case_desc(const struct zero_bits_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "zero_bits %#lx", c->zero_bits);
}

KUNIT_ARRAY_PARAM(zero_bits, zero_bits_cases, zero_bits_case_desc);

static void protect_zero_bits(struct kunit *test)
{
	const struct zero_bits_case *c = test->param_value;
	unsigned long highest = 0xdeadbeef;

	KUNIT_EXPECT_EQ(test, mm_zero_bits_limit(c->zero_bits, &highest), c->status);
	if (!c->status)
		KUNIT_EXPECT_EQ(test, highest, c->highest);
}

#define B	0x7f0000000000UL	/* a 64 KiB-aligned user address */
#define HVAD	NT_HIGHEST_VAD_ADDRESS
#define RES	NT_MEM_RESERVE
#define COM	NT_MEM_COMMIT

struct alloc_case {
	const char *name;
	struct mm_alloc_args args;
	ntstatus_t status;
	/* Expected plan, when status is 0. */
	enum mm_alloc_op op;
	bool fixed, commit;
	unsigned long start, end, size;
	u32 protect;
};

static const struct alloc_case alloc_cases[] = {
	{ "reserve+commit anywhere",
	  { 0, 0x1000, 0, RES | COM, RW }, 0, MM_ALLOC_RESERVE, false, true, 0, 0, 0x1000, RW },
	{ "size rounds up to pages (test_VirtualAlloc 0xFFFC)",
	  { 0, 0xfffc, 0, RES, NA }, 0, MM_ALLOC_RESERVE, false, false, 0, 0, 0x10000, NA },
	{ "commit without base reserves too",
	  { 0, 1, 0, COM, RO }, 0, MM_ALLOC_RESERVE, false, true, 0, 0, 0x1000, RO },
	{ "reset without base reserves (WRK, Wine)",
	  { 0, 0x2000, 0, NT_MEM_RESET, NA }, 0, MM_ALLOC_RESERVE, false, false, 0, 0, 0x2000, NA },
	{ "fixed reserve rounds base down to 64 KiB",
	  { B + 0x1000, 0x1000, 0, RES | COM, XRW }, 0, MM_ALLOC_RESERVE, true, true,
	  B, B + 0x2000, 0x2000, XRW },
	{ "fixed reserve ignores zero bits (\"it should conflict\")",
	  { B + 0x1000, 0x1000, 12, RES | COM, XRW }, 0, MM_ALLOC_RESERVE, true, true,
	  B, B + 0x2000, 0x2000, XRW },
	{ "commit rounds out to pages",
	  { B + 0x1fff, 2, 0, COM, RW }, 0, MM_ALLOC_COMMIT, true, true,
	  B + 0x1000, B + 0x3000, 0x2000, RW },
	{ "commit of write-copy is left to the VAD",
	  { B, 0x1000, 0, COM, WC }, 0, MM_ALLOC_COMMIT, true, true, B, B + 0x1000, 0x1000, WC },
	{ "reset of a range",
	  { B + 0x1000, 0x1000, 0, NT_MEM_RESET, NA }, 0, MM_ALLOC_RESET, true, false,
	  B + 0x1000, B + 0x2000, 0x1000, NA },
	{ "reset undo of a range",
	  { B + 0x10, 0x1000, 0, NT_MEM_RESET_UNDO, RW }, 0, MM_ALLOC_RESET_UNDO, true, false,
	  B, B + 0x2000, 0x2000, RW },
	{ "last page below the VAD limit",
	  { HVAD + 1 - 0x1000, 0x1000, 0, COM, RW }, 0, MM_ALLOC_COMMIT, true, true,
	  HVAD + 1 - 0x1000, HVAD + 1, 0x1000, RW },
	{ "guard page reserve",
	  { 0, 0x3000, 0, RES | COM | NT_MEM_TOP_DOWN, RW | GUARD }, 0, MM_ALLOC_RESERVE,
	  false, true, 0, 0, 0x3000, RW | GUARD },
	{ "write watch with reserve",
	  { 0, 0x1000, 0, RES | NT_MEM_WRITE_WATCH, RW }, 0, MM_ALLOC_RESERVE,
	  false, false, 0, 0, 0x1000, RW },
	{ "mask zero bits",
	  { 0, 0x1000, 0x1aaaaaaa, RES | COM, RW }, 0, MM_ALLOC_RESERVE, false, true,
	  0, 0, 0x1000, RW },

	/* ZeroBits first (test_NtAllocateVirtualMemory: 22 is invalid). */
	{ "zero bits 22", { 0, 0x1000, 22, RES | COM, XRW }, STATUS_INVALID_PARAMETER_3 },
	{ "zero bits 22 before a bad type", { 0, 0x1000, 22, 0, 0 }, STATUS_INVALID_PARAMETER_3 },
	{ "zero bits 21 is valid", { 0, 0x1000, 21, RES | COM, XRW }, 0,
	  MM_ALLOC_RESERVE, false, true, 0, 0, 0x1000, XRW },

	/* AllocationType. */
	{ "type 0", { 0, 0x1000, 0, 0, RW }, STATUS_INVALID_PARAMETER_5 },
	{ "type 0 before protect 0", { 0, 0x1000, 0, 0, 0 }, STATUS_INVALID_PARAMETER_5 },
	{ "AT_ROUND_TO_PAGE", { B + 0x1000, 0x1000, 0, RES | COM | 0x40000000, XRW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "unknown bit", { 0, 0x1000, 0, RES | 0x800, RW }, STATUS_INVALID_PARAMETER_5 },
	{ "every bit (Windows: 0xFFFFFFFF)", { 0, 0x1000, 0, 0xffffffff, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "MEM_FREE", { 0, 0x1000, 0, RES | NT_MEM_FREE, RW }, STATUS_INVALID_PARAMETER_5 },
	{ "MEM_RELEASE", { 0, 0x1000, 0, RES | NT_MEM_RELEASE, RW }, STATUS_INVALID_PARAMETER_5 },
	{ "placeholder (test_NtAllocateVirtualMemoryEx)",
	  { 0, 0x10000, 0, RES | NT_MEM_RESERVE_PLACEHOLDER, NA }, STATUS_INVALID_PARAMETER },
	{ "replace placeholder", { B, 0x10000, 0, RES | NT_MEM_REPLACE_PLACEHOLDER, RW },
	  STATUS_INVALID_PARAMETER },
	{ "top down alone", { 0, 0x1000, 0, NT_MEM_TOP_DOWN, RW }, STATUS_INVALID_PARAMETER_5 },
	{ "reset with commit", { B, 0x1000, 0, NT_MEM_RESET | COM, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "reset with top down", { B, 0x1000, 0, NT_MEM_RESET | NT_MEM_TOP_DOWN, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "reset undo with reserve", { B, 0x1000, 0, NT_MEM_RESET_UNDO | RES, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "reset with reset undo", { B, 0x1000, 0, NT_MEM_RESET_UNDO | NT_MEM_RESET, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "write watch without reserve", { B, 0x1000, 0, COM | NT_MEM_WRITE_WATCH, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "large pages without commit", { 0, 0x200000, 0, RES | NT_MEM_LARGE_PAGES, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "large pages with write watch",
	  { 0, 0x200000, 0, RES | COM | NT_MEM_LARGE_PAGES | NT_MEM_WRITE_WATCH, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "large pages need the privilege", { 0, 0x200000, 0, RES | COM | NT_MEM_LARGE_PAGES, RW },
	  STATUS_PRIVILEGE_NOT_HELD },
	{ "physical without reserve", { 0, 0x1000, 0, NT_MEM_PHYSICAL | COM, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "physical with commit", { 0, 0x1000, 0, NT_MEM_PHYSICAL | RES | COM, RW },
	  STATUS_INVALID_PARAMETER_5 },
	{ "physical not read-write", { 0, 0x1000, 0, NT_MEM_PHYSICAL | RES, RO },
	  STATUS_INVALID_PARAMETER_6 },
	{ "physical (AWE) unsupported", { 0, 0x1000, 0, NT_MEM_PHYSICAL | RES | NT_MEM_TOP_DOWN, RW },
	  STATUS_NOT_SUPPORTED },

	/* Protect (test_VirtualAlloc "invalid protection values"). */
	{ "reserve protect 0", { 0, 0x1000, 0, RES, 0 }, BAD },
	{ "commit protect 0", { 0, 0x1000, 0, COM, 0 }, BAD },
	{ "read-only and execute", { B, 0x1000, 0, COM, RO | X }, BAD },
	{ "reset still needs a valid protect", { B, 0x1000, 0, NT_MEM_RESET, 0 }, BAD },
	{ "protect 0 before a zero size", { 0, 0, 0, RES, 0 }, BAD },
	{ "reserve write-copy", { 0, 0x1000, 0, RES, WC }, BAD },
	{ "reserve execute write-copy at an address", { B, 0x1000, 0, RES | COM, XWC }, BAD },
	{ "commit write-copy without base", { 0, 0x1000, 0, COM, WC }, BAD },

	/* Addresses and sizes. */
	{ "zero size (test_VirtualAlloc)", { 0, 0, 0, RES, NA }, STATUS_INVALID_PARAMETER_4 },
	{ "zero size at an address", { B, 0, 0, COM, RW }, STATUS_INVALID_PARAMETER_4 },
	{ "base above the VAD limit", { HVAD + 1, 0x1000, 0, RES, RW }, STATUS_INVALID_PARAMETER_2 },
	{ "kernel base", { 0xffff800000000000UL, 0x1000, 0, RES, RW }, STATUS_INVALID_PARAMETER_2 },
	{ "base below 64 KiB", { 0x1000, 0x1000, 0, RES, RW }, STATUS_INVALID_PARAMETER_2 },
	{ "base 1", { 1, 0x1000, 0, RES | COM, RW }, STATUS_INVALID_PARAMETER_2 },
	{ "size past the VAD limit", { HVAD + 1 - 0x1000, 0x1001, 0, COM, RW },
	  STATUS_INVALID_PARAMETER_4 },
	{ "size wraps", { B, ULONG_MAX - B + 2, 0, COM, RW }, STATUS_INVALID_PARAMETER_4 },
	{ "huge size", { 0, ULONG_MAX, 0, RES, RW }, STATUS_INVALID_PARAMETER_4 },
	{ "whole address space", { 0, HVAD + 1, 0, RES, RW }, 0, MM_ALLOC_RESERVE, false, false,
	  0, 0, HVAD + 1, RW },
	{ "a smaller space", { 0x7ff000000000UL, 0x1000, 0, RES, RW, 0x7fefffffffffUL },
	  STATUS_INVALID_PARAMETER_2 },
};

static void alloc_case_desc(const struct alloc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alloc, alloc_cases, alloc_case_desc);

static void protect_allocate_args(struct kunit *test)
{
	const struct alloc_case *c = test->param_value;
	struct mm_alloc_plan plan;

	memset(&plan, 0xcc, sizeof(plan));
	KUNIT_ASSERT_EQ(test, mm_check_allocate(&c->args, &plan), c->status);
	if (c->status)
		return;
	KUNIT_EXPECT_EQ(test, plan.op, c->op);
	KUNIT_EXPECT_EQ(test, plan.fixed, c->fixed);
	KUNIT_EXPECT_EQ(test, plan.commit, c->commit);
	KUNIT_EXPECT_EQ(test, plan.size, c->size);
	KUNIT_EXPECT_EQ(test, plan.protect, c->protect);
	KUNIT_EXPECT_EQ(test, plan.top_down, !!(c->args.type & NT_MEM_TOP_DOWN));
	KUNIT_EXPECT_EQ(test, plan.write_watch, !!(c->args.type & NT_MEM_WRITE_WATCH));
	if (c->fixed) {
		KUNIT_EXPECT_EQ(test, plan.start, c->start);
		KUNIT_EXPECT_EQ(test, plan.end, c->end);
		KUNIT_EXPECT_EQ(test, plan.end - plan.start, plan.size);
	} else {
		KUNIT_EXPECT_EQ(test, plan.min, NT_LOWEST_USER_ADDRESS);
		KUNIT_EXPECT_EQ(test, plan.max, (c->args.highest ?: HVAD) + 1);
		KUNIT_EXPECT_EQ(test, plan.zero_bits, c->args.zero_bits);
	}
}

#define HU	NT_HIGHEST_USER_ADDRESS

struct free_case {
	const char *name;
	unsigned long base, size;
	u32 type;
	ntstatus_t status;
	bool release, whole;
	unsigned long start, end;
};

static const struct free_case free_cases[] = {
	/* test_NtAllocateVirtualMemory, "NtFreeVirtualMemory tests". */
	{ "decommit 2 bytes across a page boundary", B + 0x1fff, 2, NT_MEM_DECOMMIT, 0,
	  false, false, B + 0x1000, B + 0x3000 },
	{ "decommit size 0", B + 0x1001, 0, NT_MEM_DECOMMIT, 0, false, true, B + 0x1000 },
	{ "decommit size 0 inside the first page", B + 0xffe, 0, NT_MEM_DECOMMIT, 0,
	  false, true, B },
	{ "release size 0", B + 0xfff, 0, NT_MEM_RELEASE, 0, true, true, B },
	/* test_NtFreeVirtualMemory: partial releases. */
	{ "release page 1", B + 0x1001, 0xfff, NT_MEM_RELEASE, 0, true, false,
	  B + 0x1000, B + 0x2000 },
	{ "release page 0", B + 1, 0xfff, NT_MEM_RELEASE, 0, true, false, B, B + 0x1000 },
	{ "release past the allocation (checked on the VAD)", B + 0x1001, 0xffff,
	  NT_MEM_RELEASE, 0, true, false, B + 0x1000, B + 0x11000 },

	{ "type 0 (test_VirtualAlloc)", B, 0x10000, 0, STATUS_INVALID_PARAMETER_4 },
	{ "MEM_FREE", B, 0, NT_MEM_FREE, STATUS_INVALID_PARAMETER_4 },
	{ "MEM_RESERVE", B, 0, NT_MEM_RESERVE, STATUS_INVALID_PARAMETER_4 },
	{ "decommit and release", B, 0, NT_MEM_DECOMMIT | NT_MEM_RELEASE,
	  STATUS_INVALID_PARAMETER_4 },
	{ "coalesce alone (test_NtAllocateVirtualMemoryEx)", B, 0x10000,
	  NT_MEM_COALESCE_PLACEHOLDERS, STATUS_INVALID_PARAMETER_4 },
	{ "release preserving a placeholder", B, 0x10000,
	  NT_MEM_RELEASE | NT_MEM_PRESERVE_PLACEHOLDER, STATUS_INVALID_PARAMETER_4 },
	{ "NULL", 0, 0, NT_MEM_RELEASE, STATUS_MEMORY_NOT_ALLOCATED },
	{ "NULL page", 0xfff, 0x1000, NT_MEM_DECOMMIT, STATUS_MEMORY_NOT_ALLOCATED },
	{ "base at the user limit", HU, 0, NT_MEM_RELEASE, STATUS_INVALID_PARAMETER_2 },
	{ "kernel base", 0xffff800000000000UL, 0, NT_MEM_RELEASE, STATUS_INVALID_PARAMETER_2 },
	{ "size past the user limit", HU - 0x1000, 0x1001, NT_MEM_DECOMMIT,
	  STATUS_INVALID_PARAMETER_3 },
	{ "size up to the user limit", HU - 0xfff, 0xfff, NT_MEM_DECOMMIT, 0, false, false,
	  HU - 0xfff, HU + 1 },
};

static void free_case_desc(const struct free_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(free, free_cases, free_case_desc);

static void protect_free_args(struct kunit *test)
{
	const struct free_case *c = test->param_value;
	struct mm_free_plan plan;

	memset(&plan, 0xcc, sizeof(plan));
	KUNIT_ASSERT_EQ(test, mm_check_free(c->base, c->size, c->type, 0, &plan), c->status);
	if (c->status)
		return;
	KUNIT_EXPECT_EQ(test, plan.release, c->release);
	KUNIT_EXPECT_EQ(test, plan.whole, c->whole);
	KUNIT_EXPECT_EQ(test, plan.start, c->start);
	if (!c->whole)
		KUNIT_EXPECT_EQ(test, plan.end, c->end);
}

static struct kunit_case protect_test_cases[] = {
	KUNIT_CASE_PARAM(protect_validation, protect_gen_params),
	KUNIT_CASE_PARAM(protect_vm_flags, vm_flags_gen_params),
	KUNIT_CASE(protect_cache_follows_allocation),
	KUNIT_CASE_PARAM(protect_zero_bits, zero_bits_gen_params),
	KUNIT_CASE_PARAM(protect_allocate_args, alloc_gen_params),
	KUNIT_CASE_PARAM(protect_free_args, free_gen_params),
	{}
};

static struct kunit_suite protect_test_suite = {
	.name = "ntexec_protect",
	.test_cases = protect_test_cases,
};
kunit_test_suite(protect_test_suite);
