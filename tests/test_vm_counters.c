// SPDX-License-Identifier: GPL-2.0
/*
 * The memory manager's accounting: ProcessVmCounters of the calling process
 * and of another one as memory is committed, touched and released. The
 * helpers and the sources of the expected statuses are in vm_handle_util.h.
 */
#include "vm_handle_util.h"

/* ------------------------------------------------------------------------ */
/* Accounting: ProcessVmCounters                                            */
/* ------------------------------------------------------------------------ */

static VM_COUNTERS_EX vm_counters(HANDLE h)
{
	VM_COUNTERS_EX vm;
	ULONG len = NTT_POISON32;

	memset(&vm, NTT_POISON, sizeof(vm));
	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessVmCounters, &vm, sizeof(vm), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(vm));
	return vm;
}

static int64_t grew(SIZE_T after, SIZE_T before)
{
	return (int64_t)after - (int64_t)before;
}

static void dump_counters(const char *when, const VM_COUNTERS_EX *c)
{
	fprintf(stderr, "# %s: VirtualSize %zu WorkingSet %zu (peak %zu) Pagefile %zu (peak %zu) "
		"Private %zu Faults %u\n", when, (size_t)c->VirtualSize,
		(size_t)c->WorkingSetSize, (size_t)c->PeakWorkingSetSize,
		(size_t)c->PagefileUsage, (size_t)c->PeakPagefileUsage, (size_t)c->PrivateUsage,
		c->PageFaultCount);
}

/*
 * Windows' accounting of private memory: committing charges the commit
 * (PagefileUsage, PrivateUsage) at once, but adds nothing to the working
 * set until the pages are touched, each first touch a demand-zero fault;
 * releasing gives the charge back while the peaks stay. Allocates in the
 * process @h names, reads the counters through @counted, and @touch touches
 * [base, base + size) there.
 */
typedef void touch_fn(void *ctx, char *base, SIZE_T size);

static void check_accounting(HANDLE h, HANDLE counted, touch_fn *touch, void *ctx)
{
	const SIZE_T size = 64 * MIB;
	VM_COUNTERS_EX c0, c1, c2, c3;
	char *base;

	c0 = vm_counters(counted);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	c1 = vm_counters(counted);
	EXPECT_GE(grew(c1.PagefileUsage, c0.PagefileUsage), (int64_t)size);
	EXPECT_GE(grew(c1.PrivateUsage, c0.PrivateUsage), (int64_t)size);
	EXPECT_GE(grew(c1.VirtualSize, c0.VirtualSize), (int64_t)size);
	EXPECT_GE(c1.PeakVirtualSize, c1.VirtualSize);
	EXPECT_GE(c1.PeakPagefileUsage, c1.PagefileUsage);
	EXPECT_LT(grew(c1.WorkingSetSize, c0.WorkingSetSize), (int64_t)MIB);

	touch(ctx, base, size);
	c2 = vm_counters(counted);
	EXPECT_GE(grew(c2.WorkingSetSize, c0.WorkingSetSize), (int64_t)(60 * MIB));
	EXPECT_GE(c2.PeakWorkingSetSize, c2.WorkingSetSize);
	EXPECT_GE((uint32_t)(c2.PageFaultCount - c0.PageFaultCount), size / PAGE);
	/* Touching does not charge again. */
	EXPECT_LT(grew(c2.PagefileUsage, c1.PagefileUsage), (int64_t)MIB);

	xrelease(h, base, size);
	c3 = vm_counters(counted);
	EXPECT_LT(grew(c3.PagefileUsage, c0.PagefileUsage), (int64_t)MIB);
	EXPECT_LT(grew(c3.PrivateUsage, c0.PrivateUsage), (int64_t)MIB);
	EXPECT_GE(grew(c3.PeakPagefileUsage, c0.PagefileUsage), (int64_t)size);
	EXPECT_LT(grew(c3.WorkingSetSize, c0.WorkingSetSize), (int64_t)MIB);
	EXPECT_GE(c3.PeakWorkingSetSize, c2.WorkingSetSize);
	EXPECT_LT(grew(c3.VirtualSize, c0.VirtualSize), (int64_t)MIB);
	dump_counters("before", &c0);
	dump_counters("committed", &c1);
	dump_counters("touched", &c2);
	dump_counters("released", &c3);
}

static void touch_local(void *ctx, char *base, SIZE_T size)
{
	SIZE_T i;

	(void)ctx;
	for (i = 0; i < size; i += PAGE)
		((volatile char *)base)[i] = 1;
}

static void touch_kid(void *ctx, char *base, SIZE_T size)
{
	vmk_ok(ctx, VMK_TOUCH, 1, base, size);
}

TEST(vm_counters_follow_commit_touch_release)
{
	nt_setup();
	check_accounting(NtCurrentProcess(), NtCurrentProcess(), touch_local, NULL);
}

/* Memory allocated in the kid through a handle is the kid's, not the caller's. */
TEST(vm_counters_of_remote_allocation)
{
	VM_COUNTERS_EX self0, self1;
	struct vmk k;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	self0 = vm_counters(NtCurrentProcess());
	check_accounting(h, h, touch_kid, &k);
	self1 = vm_counters(NtCurrentProcess());
	EXPECT_LT(grew(self1.PeakPagefileUsage, self0.PeakPagefileUsage), (int64_t)(16 * MIB));
	EXPECT_LT(grew(self1.PeakWorkingSetSize, self0.PeakWorkingSetSize), (int64_t)(16 * MIB));
	xclose(h);
	vmk_kill(&k);
}
