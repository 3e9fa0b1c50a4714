// SPDX-License-Identifier: GPL-2.0
/*
 * Working sets: ProcessQuotaLimits (the limits, and (SIZE_T)-1 for both to
 * empty the working set), trimming for real (MemoryWorkingSetExInformation
 * proves the pages left, a later access is a soft fault that brings the
 * same contents back), locked pages that stay, a hard maximum, MEM_RESET
 * discarding on trim and MEM_RESET_UNDO reporting it, the queries of
 * another process, and a stress of trimming while threads fault, write,
 * protect, free and copy (NtRead/WriteVirtualMemory). Runs as root and as an unprivileged user: raising the
 * minimum needs CAP_IPC_LOCK (Windows: SeIncreaseWorkingSetPrivilege).
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "vm_handle_util.h"

#define WSX_VALID(b)		((b) & 1)
#define WSX_SHARE_COUNT(b)	(((b) >> 1) & 7)
#define WSX_PROTECTION(b)	(((b) >> 4) & 0x7ff)
#define WSX_SHARED(b)		(((b) >> 15) & 1)
#define WSX_LOCKED(b)		(((b) >> 22) & 1)
#define WSX_LOCATION(b)		(((b) >> 22) & 3)	/* when not valid */
#define WSX_MODIFIED_LIST(b)	(((b) >> 27) & 1)	/* when not valid */

static int have_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return 0;
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

/* The MEMORY_WORKING_SET_EX_BLOCK of each of @n pages from @base in @h. */
static void ws_ex(HANDLE h, const char *base, unsigned int n, ULONG_PTR *blocks)
{
	MEMORY_WORKING_SET_EX_INFORMATION *e = calloc(n, sizeof(*e));
	SIZE_T len = NTT_POISON64;
	unsigned int i;

	ASSERT_NE(e, NULL);
	for (i = 0; i < n; i++) {
		e[i].VirtualAddress = (PVOID)(base + i * PAGE);
		e[i].VirtualAttributes.Flags = NTT_POISON64;
	}
	ASSERT_STATUS(NtQueryVirtualMemory(h, NULL, MemoryWorkingSetExInformation, e,
					   n * sizeof(*e), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, n * sizeof(*e));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(pv(e[i].VirtualAddress), pv(base + i * PAGE));
		blocks[i] = e[i].VirtualAttributes.Flags;
	}
	free(e);
}

static unsigned int count_valid(HANDLE h, const char *base, unsigned int n)
{
	ULONG_PTR *b = calloc(n, sizeof(*b));
	unsigned int i, valid = 0;

	ASSERT_NE(b, NULL);
	ws_ex(h, base, n, b);
	for (i = 0; i < n; i++)
		valid += WSX_VALID(b[i]);
	free(b);
	return valid;
}

static NTSTATUS set_limits(HANDLE h, SIZE_T min, SIZE_T max)
{
	QUOTA_LIMITS q;

	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = min;
	q.MaximumWorkingSetSize = max;
	return NtSetInformationProcess(h, ProcessQuotaLimits, &q, sizeof(q));
}

static NTSTATUS set_limits_ex(HANDLE h, SIZE_T min, SIZE_T max, ULONG flags)
{
	QUOTA_LIMITS_EX q;

	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = min;
	q.MaximumWorkingSetSize = max;
	q.Flags = flags;
	return NtSetInformationProcess(h, ProcessQuotaLimits, &q, sizeof(q));
}

static QUOTA_LIMITS_EX get_limits(HANDLE h)
{
	QUOTA_LIMITS_EX q;
	ULONG len = NTT_POISON32;

	memset(&q, NTT_POISON, sizeof(q));
	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessQuotaLimits, &q, sizeof(q), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(q));
	return q;
}

static NTSTATUS empty_ws(HANDLE h)
{
	return set_limits(h, (SIZE_T)-1, (SIZE_T)-1);
}

static uint64_t ws_size(HANDLE h)
{
	VM_COUNTERS vm;
	ULONG len;

	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessVmCounters, &vm, sizeof(vm), &len),
		      STATUS_SUCCESS);
	return vm.WorkingSetSize;
}

/* A counter of /sys/module/ntexec/parameters, or -1. */
static long long param(const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/ntexec/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* ------------------------------------------------------------------------ */
/* ProcessQuotaLimits                                                       */
/* ------------------------------------------------------------------------ */

/*
 * Windows' defaults: a minimum of 50 pages and a maximum of 345, soft
 * (HARDWS_*_DISABLE), and no pool or paging-file quota.
 */
TEST(quota_limits_defaults)
{
	QUOTA_LIMITS ql;
	QUOTA_LIMITS_EX q;
	ULONG len = NTT_POISON32;

	nt_setup();
	q = get_limits(NtCurrentProcess());
	EXPECT_EQ(q.MinimumWorkingSetSize, 50 * PAGE);
	EXPECT_EQ(q.MaximumWorkingSetSize, 345 * PAGE);
	EXPECT_EQ(q.Flags, QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE);
	EXPECT_EQ(q.PagedPoolLimit, (SIZE_T)-1);
	EXPECT_EQ(q.PagefileLimit, (SIZE_T)-1);
	EXPECT_EQ(q.TimeLimit.QuadPart, -1);
	EXPECT_EQ(q.WorkingSetLimit, 0);
	EXPECT_EQ(q.CpuRateLimit.RateData, 0);

	memset(&ql, NTT_POISON, sizeof(ql));
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &ql,
						sizeof(ql), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(ql));
	EXPECT_EQ(ql.MaximumWorkingSetSize, 345 * PAGE);
	len = NTT_POISON32;
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &ql,
						sizeof(ql) - 1, &len), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &ql,
					      sizeof(ql) + 8), STATUS_INFO_LENGTH_MISMATCH);
}

/*
 * MmAdjustWorkingSetSizeEx's rules: 0 keeps a limit, minimum above maximum
 * is STATUS_BAD_WORKING_SET_LIMIT, a minimum below 20 pages is raised to it
 * with STATUS_WORKING_SET_LIMIT_RANGE, and raising the minimum needs the
 * privilege (CAP_IPC_LOCK here). Lowering never does.
 */
TEST(quota_limits_set)
{
	int priv = have_cap(CAP_IPC_LOCK);
	QUOTA_LIMITS_EX q;

	nt_setup();
	EXPECT_STATUS(set_limits(NtCurrentProcess(), 300 * PAGE, 200 * PAGE),
		      STATUS_BAD_WORKING_SET_LIMIT);
	EXPECT_STATUS(set_limits(NtCurrentProcess(), 30 * PAGE, 400 * PAGE), STATUS_SUCCESS);
	q = get_limits(NtCurrentProcess());
	EXPECT_EQ(q.MinimumWorkingSetSize, 30 * PAGE);
	EXPECT_EQ(q.MaximumWorkingSetSize, 400 * PAGE);
	EXPECT_STATUS(set_limits(NtCurrentProcess(), 5 * PAGE, 400 * PAGE),
		      STATUS_WORKING_SET_LIMIT_RANGE);
	EXPECT_EQ(get_limits(NtCurrentProcess()).MinimumWorkingSetSize, 20 * PAGE);
	/* Raising the minimum. */
	EXPECT_STATUS(set_limits(NtCurrentProcess(), 100 * PAGE, 400 * PAGE),
		      priv ? STATUS_SUCCESS : STATUS_PRIVILEGE_NOT_HELD);
	EXPECT_EQ(get_limits(NtCurrentProcess()).MinimumWorkingSetSize,
		  (priv ? 100 : 20) * PAGE);
	/* Pool quotas alone (a size of 0): SeIncreaseQuotaPrivilege. */
	EXPECT_STATUS(set_limits(NtCurrentProcess(), 0, 500 * PAGE),
		      have_cap(CAP_SYS_RESOURCE) ? STATUS_SUCCESS : STATUS_PRIVILEGE_NOT_HELD);
	EXPECT_EQ(get_limits(NtCurrentProcess()).MaximumWorkingSetSize, 400 * PAGE);
	/* Flags: both of a pair, unknown bits and reserved fields are refused. */
	EXPECT_STATUS(set_limits_ex(NtCurrentProcess(), 30 * PAGE, 400 * PAGE,
				    QUOTA_LIMITS_HARDWS_MAX_ENABLE |
				    QUOTA_LIMITS_HARDWS_MAX_DISABLE), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_limits_ex(NtCurrentProcess(), 30 * PAGE, 400 * PAGE, 0x20),
		      STATUS_INVALID_PARAMETER);
	/* Hard limits must leave room to move. */
	EXPECT_STATUS(set_limits_ex(NtCurrentProcess(), 20 * PAGE, 25 * PAGE,
				    QUOTA_LIMITS_HARDWS_MAX_ENABLE), STATUS_BAD_WORKING_SET_LIMIT);
	EXPECT_STATUS(set_limits_ex(NtCurrentProcess(), 20 * PAGE, 400 * PAGE,
				    QUOTA_LIMITS_HARDWS_MAX_ENABLE), STATUS_SUCCESS);
	q = get_limits(NtCurrentProcess());
	EXPECT_EQ(q.Flags, QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_ENABLE);
	EXPECT_STATUS(set_limits_ex(NtCurrentProcess(), 20 * PAGE, 400 * PAGE,
				    QUOTA_LIMITS_HARDWS_MAX_DISABLE), STATUS_SUCCESS);
	EXPECT_EQ(get_limits(NtCurrentProcess()).Flags,
		  QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE);
}

/* ------------------------------------------------------------------------ */
/* Trimming                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * (SIZE_T)-1 for both limits empties the working set, without privilege
 * and without changing the limits: the pages leave it (not valid, on the
 * modified list: no paging file), WorkingSetSize drops, and touching them
 * again is a soft fault that brings back the same contents, not zeros.
 */
TEST(empty_working_set_and_soft_faults)
{
	const unsigned int n = 64;
	long long modified0 = param("modified_pages"), soft0 = param("transition_faults");
	ULONG_PTR b[64];
	uint64_t ws0, ws1;
	unsigned int i;
	char *p;

	nt_setup();
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	fill_pattern((unsigned char *)p, 7, 0, n * PAGE);
	ws_ex(NtCurrentProcess(), p, n, b);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(WSX_VALID(b[i]));
		EXPECT_EQ(WSX_PROTECTION(b[i]), PAGE_READWRITE);
		EXPECT_FALSE(WSX_SHARED(b[i]));
		EXPECT_FALSE(WSX_LOCKED(b[i]));
	}
	ws0 = ws_size(NtCurrentProcess());

	ASSERT_STATUS(empty_ws(NtCurrentProcess()), STATUS_SUCCESS);
	ws_ex(NtCurrentProcess(), p, n, b);
	for (i = 0; i < n; i++) {
		EXPECT_FALSE(WSX_VALID(b[i]));
		EXPECT_EQ(WSX_LOCATION(b[i]), 1);	/* still in memory */
		EXPECT_TRUE(WSX_MODIFIED_LIST(b[i]));
	}
	ws1 = ws_size(NtCurrentProcess());
	EXPECT_GE(ws0 - ws1, n * PAGE);
	EXPECT_EQ(get_limits(NtCurrentProcess()).MaximumWorkingSetSize, 345 * PAGE);
	if (modified0 >= 0)
		EXPECT_GE(param("modified_pages") - modified0, (long long)n);

	/* The same contents come back, page by page. */
	for (i = 0; i < n; i++)
		EXPECT_EQ(fnv(p + i * PAGE, PAGE), ({
			unsigned char buf[PAGE];

			fill_pattern(buf, 7, (uint64_t)i * PAGE, PAGE);
			fnv(buf, PAGE);
		}));
	EXPECT_EQ(count_valid(NtCurrentProcess(), p, n), n);
	EXPECT_GE(ws_size(NtCurrentProcess()) - ws1, n * PAGE);
	if (soft0 >= 0)
		EXPECT_GE(param("transition_faults") - soft0, (long long)n);
	xrelease(NtCurrentProcess(), p, n * PAGE);
}

/*
 * MemoryWorkingSetInformation lists the pages of the working set; a buffer
 * too small gets STATUS_INFO_LENGTH_MISMATCH and NumberOfEntries.
 */
TEST(working_set_information)
{
	const unsigned int n = 16;
	MEMORY_WORKING_SET_INFORMATION *wsi;
	ULONG_PTR i, found = 0, total;
	SIZE_T len = NTT_POISON64, size = 1 << 20;
	char *p;

	nt_setup();
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	for (i = 0; i < n; i++)
		p[i * PAGE] = 1;
	xprotect(NtCurrentProcess(), p, PAGE, PAGE_READONLY);
	wsi = malloc(size);
	ASSERT_NE(wsi, NULL);
	memset(wsi, NTT_POISON, size);
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), NULL, MemoryWorkingSetInformation,
					   wsi, size, &len), STATUS_SUCCESS);
	total = wsi->NumberOfEntries;
	EXPECT_GE(total, n);
	EXPECT_EQ(len, (total + 1) * sizeof(ULONG_PTR));
	for (i = 0; i < total; i++) {
		uintptr_t va = (uintptr_t)wsi->WorkingSetInfo[i].VirtualPage << 12;

		if (va < pv(p) || va >= pv(p) + n * PAGE)
			continue;
		found++;
		EXPECT_EQ((unsigned int)wsi->WorkingSetInfo[i].Protection, va == pv(p) ? 1u : 4u);
		EXPECT_EQ((unsigned int)wsi->WorkingSetInfo[i].Shared, 0u);
	}
	EXPECT_EQ(found, n);

	/* Too small: the count, and the status. */
	memset(wsi, NTT_POISON, size);
	len = NTT_POISON64;
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), NULL, MemoryWorkingSetInformation,
					   wsi, 2 * sizeof(ULONG_PTR), &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_GE(wsi->NumberOfEntries, n);
	EXPECT_EQ(len, (wsi->NumberOfEntries + 1) * sizeof(ULONG_PTR));
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), NULL, MemoryWorkingSetInformation,
					   wsi, 4, &len), STATUS_INFO_LENGTH_MISMATCH);

	/* After emptying, none of them. */
	ASSERT_STATUS(empty_ws(NtCurrentProcess()), STATUS_SUCCESS);
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), NULL, MemoryWorkingSetInformation,
					   wsi, size, &len), STATUS_SUCCESS);
	for (i = 0, found = 0; i < wsi->NumberOfEntries; i++) {
		uintptr_t va = (uintptr_t)wsi->WorkingSetInfo[i].VirtualPage << 12;

		found += va >= pv(p) && va < pv(p) + n * PAGE;
	}
	EXPECT_EQ(found, 0);
	free(wsi);
	xrelease(NtCurrentProcess(), p, n * PAGE);
}

/* Locked pages are never trimmed. */
TEST(locked_pages_stay)
{
	const unsigned int n = 8;
	ULONG_PTR b[8];
	void *base;
	SIZE_T s = 2 * PAGE;
	unsigned int i;
	char *p;

	nt_setup();
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	for (i = 0; i < n; i++)
		p[i * PAGE] = (char)i;
	base = p + 2 * PAGE;
	ASSERT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &base, &s, MAP_PROCESS),
		      STATUS_SUCCESS);
	ASSERT_STATUS(empty_ws(NtCurrentProcess()), STATUS_SUCCESS);
	ws_ex(NtCurrentProcess(), p, n, b);
	for (i = 0; i < n; i++) {
		int locked = i == 2 || i == 3;

		MEMORY_WORKING_SET_EX_BLOCK blk = { .Flags = b[i] };

		EXPECT_EQ(WSX_VALID(b[i]), (ULONG_PTR)locked);
		if (locked) {
			EXPECT_TRUE(WSX_LOCKED(b[i]));
			/* The header's bit-fields are where the bits are. */
			EXPECT_EQ((unsigned int)blk.Valid, 1u);
			EXPECT_EQ((unsigned int)blk.Locked, 1u);
			EXPECT_EQ((unsigned int)blk.Win32Protection, PAGE_READWRITE);
			EXPECT_EQ((unsigned int)blk.Priority, 5u);
		} else {
			EXPECT_EQ((unsigned int)blk.Invalid.Valid, 0u);
			EXPECT_EQ((unsigned int)blk.Invalid.Location, 1u);
			EXPECT_EQ((unsigned int)blk.Invalid.ModifiedList, 1u);
		}
	}
	for (i = 0; i < n; i++)
		EXPECT_EQ(p[i * PAGE], (char)i);
	xrelease(NtCurrentProcess(), p, n * PAGE);
}

/*
 * A hard maximum (QUOTA_LIMITS_HARDWS_MAX_ENABLE) holds: touching more
 * pages than it allows replaces the oldest, whose contents stay.
 */
TEST(hard_maximum)
{
	const unsigned int n = 256, max = 64;
	unsigned int i;
	char *p;

	nt_setup();
	ASSERT_STATUS(set_limits_ex(NtCurrentProcess(), 20 * PAGE, max * PAGE,
				    QUOTA_LIMITS_HARDWS_MAX_ENABLE), STATUS_SUCCESS);
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	for (i = 0; i < n; i++)
		memset(p + i * PAGE, (int)(i + 1), PAGE);
	EXPECT_LE(count_valid(NtCurrentProcess(), p, n), max);
	for (i = 0; i < n; i++)
		EXPECT_TRUE(is_filled((unsigned char *)p + i * PAGE, (unsigned char)(i + 1), PAGE));
	EXPECT_LE(count_valid(NtCurrentProcess(), p, n), max);
	/*
	 * Locked pages stay in the working set: no more than the hard
	 * maximum can be locked (STATUS_WORKING_SET_QUOTA, nothing locked).
	 */
	{
		PVOID base = p;
		SIZE_T size = (max + 1) * PAGE;

		EXPECT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &base, &size, MAP_PROCESS),
			      STATUS_WORKING_SET_QUOTA);
		size = (max - 8) * PAGE;
		EXPECT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &base, &size, MAP_PROCESS),
			      STATUS_SUCCESS);
		base = p + (max - 8) * PAGE;
		size = 9 * PAGE;
		EXPECT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &base, &size, MAP_PROCESS),
			      STATUS_WORKING_SET_QUOTA);
		base = p;
		size = (max - 8) * PAGE;
		EXPECT_STATUS(NtUnlockVirtualMemory(NtCurrentProcess(), &base, &size,
						    MAP_PROCESS), STATUS_SUCCESS);
	}
	/* A soft maximum lets it grow again. */
	ASSERT_STATUS(set_limits_ex(NtCurrentProcess(), 20 * PAGE, max * PAGE,
				    QUOTA_LIMITS_HARDWS_MAX_DISABLE), STATUS_SUCCESS);
	for (i = 0; i < n; i++)
		p[i * PAGE] = 0;
	EXPECT_EQ(count_valid(NtCurrentProcess(), p, n), n);
	xrelease(NtCurrentProcess(), p, n * PAGE);
}

/* ------------------------------------------------------------------------ */
/* MEM_RESET                                                                */
/* ------------------------------------------------------------------------ */

static NTSTATUS reset(void *p, SIZE_T size, ULONG type)
{
	void *base = p;
	SIZE_T s = size;

	return NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &s, type, PAGE_READWRITE);
}

/*
 * MEM_RESET pages are discarded, not kept, when trimmed: they read back as
 * zeros and MEM_RESET_UNDO says so (STATUS_CONFLICTING_ADDRESSES). A page
 * written after the reset keeps its new contents (the write dirtied it),
 * and MEM_RESET_UNDO of it alone succeeds. Pages trimmed before the
 * MEM_RESET are discarded at once.
 */
TEST(mem_reset_discards_on_trim)
{
	const unsigned int n = 8;
	long long discarded0 = param("discarded_pages");
	ULONG_PTR b[8];
	unsigned int i;
	char *p;

	nt_setup();
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	memset(p, 0x5a, n * PAGE);
	ASSERT_STATUS(reset(p, n * PAGE, MEM_RESET), STATUS_SUCCESS);
	/* Not trimmed yet: intact, and the undo succeeds. */
	EXPECT_TRUE(is_filled((unsigned char *)p, 0x5a, n * PAGE));
	ASSERT_STATUS(reset(p, n * PAGE, MEM_RESET_UNDO), STATUS_SUCCESS);

	ASSERT_STATUS(reset(p, n * PAGE, MEM_RESET), STATUS_SUCCESS);
	p[0] = 0x11;		/* written after the reset: kept */
	ASSERT_STATUS(empty_ws(NtCurrentProcess()), STATUS_SUCCESS);
	ws_ex(NtCurrentProcess(), p, n, b);
	EXPECT_TRUE(WSX_MODIFIED_LIST(b[0]));
	for (i = 1; i < n; i++)
		EXPECT_EQ(b[i], 0);		/* gone: not resident at all */
	if (discarded0 >= 0)
		EXPECT_GE(param("discarded_pages") - discarded0, (long long)(n - 1));
	EXPECT_EQ(p[0], 0x11);
	EXPECT_TRUE(is_filled((unsigned char *)p + 1, 0x5a, PAGE - 1));
	EXPECT_TRUE(is_filled((unsigned char *)p + PAGE, 0, (n - 1) * PAGE));
	EXPECT_STATUS(reset(p, PAGE, MEM_RESET_UNDO), STATUS_SUCCESS);
	EXPECT_STATUS(reset(p, n * PAGE, MEM_RESET_UNDO), STATUS_CONFLICTING_ADDRESSES);
	/* The record went with the failed undo. */
	EXPECT_STATUS(reset(p, n * PAGE, MEM_RESET_UNDO), STATUS_SUCCESS);

	/* Trimmed first, reset after: discarded at once. */
	memset(p, 0x77, n * PAGE);
	ASSERT_STATUS(empty_ws(NtCurrentProcess()), STATUS_SUCCESS);
	ASSERT_STATUS(reset(p, n * PAGE, MEM_RESET), STATUS_SUCCESS);
	ws_ex(NtCurrentProcess(), p, n, b);
	for (i = 0; i < n; i++)
		EXPECT_EQ(b[i], 0);
	EXPECT_STATUS(reset(p, n * PAGE, MEM_RESET_UNDO), STATUS_CONFLICTING_ADDRESSES);
	EXPECT_TRUE(is_filled((unsigned char *)p, 0, n * PAGE));
	xrelease(NtCurrentProcess(), p, n * PAGE);
}

/* ------------------------------------------------------------------------ */
/* Another process                                                          */
/* ------------------------------------------------------------------------ */

/*
 * Emptying another process's working set needs PROCESS_SET_QUOTA; its
 * pages are read and written through NtRead/WriteVirtualMemory while
 * trimmed, and it sees its contents (and the write) afterwards.
 */
TEST(remote_working_set)
{
	const unsigned int n = 16;
	unsigned char buf[PAGE];
	struct vmk k;
	SIZE_T done;
	HANDLE h, hq;
	char *p;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS | PROCESS_SET_QUOTA, k.pid);
	hq = xopen_process(VM_RIGHTS, k.pid);
	p = xalloc(h, NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_PATTERN, 3, p, n * PAGE);
	EXPECT_EQ(count_valid(h, p, n), n);
	EXPECT_STATUS(empty_ws(hq), STATUS_ACCESS_DENIED);
	ASSERT_STATUS(empty_ws(h), STATUS_SUCCESS);
	EXPECT_EQ(count_valid(h, p, n), 0);
	ASSERT_STATUS(rd(h, p + PAGE, buf, PAGE, &done), STATUS_SUCCESS);
	{
		unsigned char want[PAGE];

		fill_pattern(want, 3, PAGE, PAGE);
		EXPECT_EQ(memcmp(buf, want, PAGE), 0);
	}
	memset(buf, 0xab, PAGE);
	ASSERT_STATUS(wr(h, p + 2 * PAGE, buf, PAGE, &done), STATUS_SUCCESS);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, p + 2 * PAGE, PAGE), fnv_fill(0xab, PAGE));
	ASSERT_STATUS(empty_ws(h), STATUS_SUCCESS);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, p + 2 * PAGE, PAGE), fnv_fill(0xab, PAGE));
	xrelease(h, p, n * PAGE);
	xclose(hq);
	xclose(h);
	vmk_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* The page lists as NtQuerySystemInformation shows them                    */
/* ------------------------------------------------------------------------ */

static SYSTEM_MEMORY_LIST_INFORMATION lists(void)
{
	SYSTEM_MEMORY_LIST_INFORMATION l;
	ULONG len = NTT_POISON32;

	memset(&l, NTT_POISON, sizeof(l));
	ASSERT_STATUS(NtQuerySystemInformation(SystemMemoryListInformation, &l, sizeof(l), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(l));
	return l;
}

static ULONG_PTR standby(const SYSTEM_MEMORY_LIST_INFORMATION *l)
{
	ULONG_PTR n = 0;

	for (int i = 0; i < 8; i++)
		n += l->PageCountByPriority[i];
	return n;
}

/*
 * Trimmed private pages go to the modified list (there is no paging file:
 * none is ever clean, so standby stays empty) and leave it when a soft
 * fault brings them back. Linux's free pages are the free list; Linux
 * zeroes pages as it hands them out, so no zeroed list is kept.
 */
TEST(memory_lists_follow_trims)
{
	const unsigned int n = 64;
	SYSTEM_MEMORY_LIST_INFORMATION l0, l1, l2;
	volatile char *p;
	struct sysinfo si;
	unsigned int i;
	long param;
	int tries;

	nt_setup();
	ASSERT_EQ(sysinfo(&si), 0);
	l0 = lists();
	EXPECT_EQ(l0.ZeroPageCount, 0);
	EXPECT_EQ(l0.BadPageCount, 0);
	EXPECT_TRUE(l0.FreePageCount > 0);
	EXPECT_TRUE(l0.FreePageCount * PAGE <= (uint64_t)si.totalram * si.mem_unit);
	/* The module's own counters, read around the query. */
	for (tries = 0; tries < 100; tries++) {
		param = module_param("modified_pages");
		l0 = lists();
		if (module_param("modified_pages") == param)
			break;
	}
	EXPECT_EQ((long)l0.ModifiedPageCount, param);
	EXPECT_EQ((long)standby(&l0), module_param("standby_pages"));

	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	for (i = 0; i < n; i++)
		p[i * PAGE] = (char)i;
	l0 = lists();
	ASSERT_STATUS(empty_ws(NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_EQ(count_valid(NtCurrentProcess(), (char *)p, n), 0);
	l1 = lists();
	EXPECT_TRUE(l1.ModifiedPageCount >= l0.ModifiedPageCount + n);
	EXPECT_EQ(standby(&l1), standby(&l0));
	for (i = 0; i < n; i++)
		EXPECT_EQ(p[i * PAGE], (char)i);
	l2 = lists();
	EXPECT_TRUE(l2.ModifiedPageCount + n <= l1.ModifiedPageCount);
	xrelease(NtCurrentProcess(), (char *)p, n * PAGE);
}

/*
 * NtSetSystemInformation(SystemMemoryListInformation, MemoryEmptyWorkingSets)
 * empties every process's working set (SeProfileSingleProcessPrivilege:
 * CAP_SYS_ADMIN): another process's pages leave too and keep their contents.
 */
TEST(empty_working_sets_of_every_process)
{
	const unsigned int n = 32;
	ULONG cmd = MemoryEmptyWorkingSets;
	unsigned char buf[PAGE], want[PAGE];
	struct vmk k;
	SIZE_T done;
	char *p, *mine;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	p = xalloc(h, NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_PATTERN, 7, p, n * PAGE);
	mine = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT,
		      PAGE_READWRITE);
	memset(mine, 0x5a, n * PAGE);
	EXPECT_EQ(count_valid(h, p, n), n);
	EXPECT_EQ(count_valid(NtCurrentProcess(), mine, n), n);
	if (!have_cap(CAP_SYS_ADMIN)) {
		EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, &cmd,
						     sizeof(cmd)), STATUS_PRIVILEGE_NOT_HELD);
		EXPECT_EQ(count_valid(h, p, n), n);
		EXPECT_EQ(count_valid(NtCurrentProcess(), mine, n), n);
	} else {
		EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, &cmd,
						     sizeof(cmd)), STATUS_SUCCESS);
		EXPECT_EQ(count_valid(h, p, n), 0);
		EXPECT_EQ(count_valid(NtCurrentProcess(), mine, n), 0);
	}
	ASSERT_STATUS(rd(h, p + 5 * PAGE, buf, PAGE, &done), STATUS_SUCCESS);
	fill_pattern(want, 7, 5 * PAGE, PAGE);
	EXPECT_EQ(memcmp(buf, want, PAGE), 0);
	EXPECT_EQ(mine[3 * PAGE + 17], 0x5a);
	xrelease(NtCurrentProcess(), mine, n * PAGE);
	xrelease(h, p, n * PAGE);
	xclose(h);
	vmk_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* Stress                                                                   */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Aging and the balance set manager                                        */
/* ------------------------------------------------------------------------ */

/*
 * Touch a page so that the hardware sets its Accessed bit again. The
 * module clears the bit without a TLB flush (as Linux's own aging does): a
 * CPU that kept the translation cached may access the page without setting
 * the bit. A zap of more than 33 pages flushes this mm's whole TLB on x86,
 * as any large munmap would; the touch after it walks the page tables.
 */
static int check_pattern(const unsigned char *buf, uint32_t seed, uint64_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] != pattern(seed, off + i))
			return 0;
	return 1;
}

static void touch_fresh(volatile char *page, char *flush)
{
	memset(flush, 1, 64 * PAGE);
	madvise(flush, 64 * PAGE, MADV_DONTNEED);
	page[0]++;
}

/* Wait (touching @hot) until @name has grown by @by; false on timeout. */
static int wait_param(const char *name, long long by, volatile char *hot, char *flush,
		      int seconds)
{
	long long start = param(name);
	int i;

	for (i = 0; i < seconds * 50; i++) {
		if (hot)
			touch_fresh(hot, flush);
		if (param(name) >= start + by)
			return 1;
		usleep(20000);
	}
	return 0;
}

/*
 * Aging with the Accessed bit: the balance set manager ages every working
 * set once a second, so a page in use survives a trim that takes the pages
 * left untouched, although it entered the working set first (without
 * aging, it would be the first to go).
 */
TEST(aging_keeps_used_pages)
{
	const unsigned int n = 256;
	unsigned int i, valid = 0;
	ULONG_PTR *b = calloc(n, sizeof(*b));
	char *p, *flush;

	nt_setup();
	ASSERT_NE(b, NULL);
	ASSERT_GE(param("aging_passes"), 0);
	flush = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(flush, MAP_FAILED);
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	fill_pattern((unsigned char *)p, 3, 0, n * PAGE);
	/* Three passes: one that finds every page young, two that age them. */
	ASSERT_TRUE(wait_param("aging_passes", 3, p, flush, 30));
	ASSERT_STATUS(set_limits(NtCurrentProcess(), 20 * PAGE, 128 * PAGE), STATUS_SUCCESS);
	ws_ex(NtCurrentProcess(), p, n, b);
	EXPECT_TRUE(WSX_VALID(b[0]));
	for (i = 0; i < n; i++)
		valid += WSX_VALID(b[i]);
	EXPECT_LE(valid, 128);
	EXPECT_GE(valid, 64);
	/* Contents: every page's pattern, the hot page's first byte aside. */
	p[0] = pattern(3, 0);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(check_pattern((unsigned char *)p + i * PAGE, 3, i * PAGE, PAGE));
	xrelease(NtCurrentProcess(), p, 0);
	munmap(flush, 64 * PAGE);
	free(b);
}

/* Write a module parameter (root only); 0 on success. */
static int set_param(const char *name, long long v)
{
	char path[128];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/module/ntexec/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "%lld\n", v) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/*
 * The balance set manager trims a working set above its minimum while
 * memory is short, over the next seconds: down to the minimum, the pages
 * in use last. Memory is made "short" with bsm_low_pages (root); the
 * pressure test below makes it short for real.
 */
TEST(balance_set_manager_trims_to_minimum)
{
	const unsigned int n = 300;
	long long old = param("bsm_low_pages"), trimmed0 = param("bsm_trimmed_pages");
	ULONG_PTR *b = calloc(n, sizeof(*b));
	unsigned int i, valid = n;
	char *p, *flush;
	int k;

	nt_setup();
	ASSERT_NE(b, NULL);
	if (set_param("bsm_low_pages", 1LL << 40))
		SKIP("bsm_low_pages needs root");
	flush = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	fill_pattern((unsigned char *)p, 5, 0, n * PAGE);
	for (k = 0; k < 30 * 50 && valid > 50; k++) {
		touch_fresh(p, flush);
		usleep(20000);
		if (k % 10 == 0)
			valid = count_valid(NtCurrentProcess(), p, n);
	}
	ASSERT_EQ(set_param("bsm_low_pages", old), 0);
	/* Down to the default minimum of 50, the page in use among them. */
	ws_ex(NtCurrentProcess(), p, n, b);
	for (i = 0, valid = 0; i < n; i++)
		valid += WSX_VALID(b[i]);
	EXPECT_EQ(valid, 50);
	EXPECT_TRUE(WSX_VALID(b[0]));
	EXPECT_GE(param("bsm_trimmed_pages") - trimmed0, 250);
	p[0] = pattern(5, 0);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(check_pattern((unsigned char *)p + i * PAGE, 5, i * PAGE, PAGE));
	xrelease(NtCurrentProcess(), p, 0);
	munmap(flush, 64 * PAGE);
	free(b);
}

static long long meminfo(const char *key)
{
	char line[256];
	long long v = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			v = atoll(line + len + 1);
			break;
		}
	fclose(f);
	return v;
}

/*
 * Linux memory pressure reaches NT working sets: a child takes memory
 * until little is available (it is the OOM killer's first choice); the
 * balance set manager, woken by the shrinker or finding available memory
 * low, trims this process's idle working set down to its minimum.
 */
TEST_TIMEOUT(memory_pressure_trims, 120)
{
	const unsigned int n = 2048;
	long long scans0 = param("shrinker_scans"), need0 = param("bsm_need_pages");
	unsigned int i, valid;
	int status;
	pid_t hog;
	char *p;

	nt_setup();
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	fill_pattern((unsigned char *)p, 9, 0, n * PAGE);
	/* Idle for a few passes: every page old. */
	ASSERT_TRUE(wait_param("aging_passes", 2, NULL, NULL, 30));
	EXPECT_EQ(count_valid(NtCurrentProcess(), p, n), n);
	hog = fork();
	ASSERT_GE(hog, 0);
	if (!hog) {
		FILE *f = fopen("/proc/self/oom_score_adj", "w");
		size_t chunk = 1 << 20;
		long long low;
		char *m;

		if (f) {
			fputs("1000\n", f);
			fclose(f);
		}
		/*
		 * Until the balance set manager has asked for the working set's
		 * worth of pages (or at most down to 16 MiB available): huge
		 * pages while memory is plentiful (fast on the debug kernel),
		 * small ones in the last 128 MiB, and below the bsm's low mark
		 * (RAM / 64) slowly, a pass of its at a time. Near OOM a TCG
		 * guest of Debian's 6.12 stalls for minutes (soft lockups in
		 * compaction and in init_on_alloc's zeroing): Linux's own
		 * behaviour, not what this tests.
		 */
		low = meminfo("MemTotal") / 64;
		for (;;) {
			long long avail = meminfo("MemAvailable");
			int huge = avail > 128 * 1024;

			if (avail <= 16 * 1024 || param("bsm_need_pages") - need0 >= n)
				break;
			if (avail < low)
				usleep(200000);
			chunk = huge ? 8 << 20 : 1 << 20;
			m = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				break;
			if (!huge)
				madvise(m, chunk, MADV_NOHUGEPAGE);
			memset(m, 1, chunk);
		}
		sleep(4);
		_exit(0);
	}
	for (i = 0; i < 100; i++) {
		usleep(100000);
		if (waitpid(hog, &status, WNOHANG) == hog) {
			hog = 0;
			break;
		}
	}
	if (hog)
		waitpid(hog, &status, 0);
	valid = count_valid(NtCurrentProcess(), p, n);
	fprintf(stderr, "# shrinker scans %lld, bsm need %lld pages, %u of %u pages left\n",
		param("shrinker_scans") - scans0, param("bsm_need_pages") - need0, valid, n);
	EXPECT_GT(param("bsm_need_pages") - need0, 0);
	EXPECT_EQ(valid, 50);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(check_pattern((unsigned char *)p + i * PAGE, 9, i * PAGE, PAGE));
	xrelease(NtCurrentProcess(), p, 0);
}

/*
 * Linux's reclaim calls the module's shrinker: dropping the slab caches
 * (vm.drop_caches = 2, root) runs every shrinker as reclaim does
 * (shrink_slab()); ntexec-ws hands the request to the balance set manager,
 * which trims this process's idle working set down to its minimum.
 */
TEST_TIMEOUT(reclaim_calls_the_shrinker, 60)
{
	const unsigned int n = 512;
	long long scans0 = param("shrinker_scans"), asked0 = param("shrinker_pages");
	unsigned int i, valid = n;
	FILE *f;
	char *p;
	int k;

	nt_setup();
	p = xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	fill_pattern((unsigned char *)p, 11, 0, n * PAGE);
	/* Idle for a few passes: every page old, none trimmed yet. */
	ASSERT_TRUE(wait_param("aging_passes", 2, NULL, NULL, 30));
	ASSERT_EQ(count_valid(NtCurrentProcess(), p, n), n);
	f = fopen("/proc/sys/vm/drop_caches", "w");
	if (!f) {
		xrelease(NtCurrentProcess(), p, 0);
		SKIP("vm.drop_caches needs root");
	}
	ASSERT_GT(fputs("2\n", f), 0);
	ASSERT_EQ(fclose(f), 0);
	EXPECT_GT(param("shrinker_scans"), scans0);
	EXPECT_GE(param("shrinker_pages") - asked0, n - 50);
	for (k = 0; k < 10 * 10 && valid > 50; k++) {
		usleep(100000);
		valid = count_valid(NtCurrentProcess(), p, n);
	}
	EXPECT_EQ(valid, 50);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(check_pattern((unsigned char *)p + i * PAGE, 11, i * PAGE, PAGE));
	xrelease(NtCurrentProcess(), p, 0);
}

#define STRESS_THREADS	4
#define STRESS_PAGES	64

static volatile int stress_stop;

struct stress_arg {
	char *base;
	unsigned int seed;
	unsigned long rounds;
	int bad;
};

/* Each thread owns its region: writes a round's pattern, checks it back. */
static void *stress_writer(void *a)
{
	struct stress_arg *s = a;
	unsigned int i, r = 0;

	while (!stress_stop) {
		unsigned char v = (unsigned char)(s->seed * 31 + r);

		for (i = 0; i < STRESS_PAGES; i++)
			memset(s->base + i * PAGE, v, 64);
		for (i = 0; i < STRESS_PAGES; i++)
			if (!is_filled((unsigned char *)s->base + i * PAGE, v, 64))
				s->bad++;
		r++;
		s->rounds++;
	}
	return NULL;
}

/* Commits, touches, protects and decommits a region of its own. */
static void *stress_churn(void *a)
{
	struct stress_arg *s = a;
	void *base;
	SIZE_T size;

	while (!stress_stop) {
		base = s->base;
		size = STRESS_PAGES * PAGE;
		if (NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_COMMIT,
					    PAGE_READWRITE))
			s->bad++;
		memset(s->base, 1, STRESS_PAGES * PAGE);
		vm_protect(NtCurrentProcess(), s->base, STRESS_PAGES * PAGE / 2, PAGE_READONLY,
			   &(ULONG){ 0 });
		if (s->base[0] != 1)
			s->bad++;
		base = s->base;
		size = STRESS_PAGES * PAGE;
		if (NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_DECOMMIT))
			s->bad++;
		s->rounds++;
	}
	return NULL;
}

/* NtWriteVirtualMemory into its region, NtReadVirtualMemory back. */
static void *stress_copier(void *a)
{
	struct stress_arg *s = a;
	unsigned char out[4 * PAGE], in[4 * PAGE];
	unsigned int r = 0, i;
	SIZE_T done;

	while (!stress_stop) {
		memset(out, (int)(r & 0xff), sizeof(out));
		for (i = 0; i < STRESS_PAGES; i += 4) {
			if (NtWriteVirtualMemory(NtCurrentProcess(), s->base + i * PAGE, out,
						 sizeof(out), &done) || done != sizeof(out))
				s->bad++;
			if (NtReadVirtualMemory(NtCurrentProcess(), s->base + i * PAGE, in,
						sizeof(in), &done) || memcmp(in, out, sizeof(in)))
				s->bad++;
		}
		r++;
		s->rounds++;
	}
	return NULL;
}

/*
 * Locks part of its region, writes and checks it, unlocks it; and turns a
 * hard maximum below everyone's pages on and off, so that faults trim.
 */
static void *stress_locker(void *a)
{
	struct stress_arg *s = a;
	unsigned int r = 0, i;
	SIZE_T size;
	void *base;

	while (!stress_stop) {
		unsigned char v = (unsigned char)(r + 7);

		base = s->base;
		size = 16 * PAGE;
		if (NtLockVirtualMemory(NtCurrentProcess(), &base, &size, MAP_PROCESS))
			s->bad++;
		for (i = 0; i < STRESS_PAGES; i++)
			memset(s->base + i * PAGE, v, 64);
		for (i = 0; i < STRESS_PAGES; i++)
			if (!is_filled((unsigned char *)s->base + i * PAGE, v, 64))
				s->bad++;
		if (set_limits_ex(NtCurrentProcess(), 20 * PAGE, 200 * PAGE,
				  r & 1 ? QUOTA_LIMITS_HARDWS_MAX_DISABLE :
					  QUOTA_LIMITS_HARDWS_MAX_ENABLE))
			s->bad++;
		base = s->base;
		size = 16 * PAGE;
		if (NtUnlockVirtualMemory(NtCurrentProcess(), &base, &size, MAP_PROCESS))
			s->bad++;
		r++;
		s->rounds++;
	}
	set_limits_ex(NtCurrentProcess(), 20 * PAGE, 345 * PAGE, QUOTA_LIMITS_HARDWS_MAX_DISABLE);
	return NULL;
}

static void *stress_trimmer(void *a)
{
	struct stress_arg *s = a;

	while (!stress_stop) {
		if (empty_ws(NtCurrentProcess()))
			s->bad++;
		s->rounds++;
	}
	return NULL;
}

/*
 * Trimming the whole working set in a loop while threads write and check
 * their pages, another commits, protects and decommits, another locks and
 * unlocks pages and turns a hard maximum on and off (the balance set
 * manager ages the working set meanwhile): nothing is
 * lost, nothing is refused, and the debug kernel stays quiet.
 */
TEST_TIMEOUT(stress_trim_while_faulting, 120)
{
	struct stress_arg args[STRESS_THREADS + 4];
	pthread_t th[STRESS_THREADS + 4];
	unsigned int i;
	char *p;

	nt_setup();
	p = xalloc(NtCurrentProcess(), NULL, (STRESS_THREADS + 3) * STRESS_PAGES * PAGE,
		   MEM_RESERVE, PAGE_READWRITE);
	xcommit(NtCurrentProcess(), p, STRESS_THREADS * STRESS_PAGES * PAGE, PAGE_READWRITE);
	xcommit(NtCurrentProcess(), p + (STRESS_THREADS + 1) * STRESS_PAGES * PAGE,
		2 * STRESS_PAGES * PAGE, PAGE_READWRITE);
	memset(args, 0, sizeof(args));
	for (i = 0; i < STRESS_THREADS + 4; i++) {
		args[i].base = p + i * STRESS_PAGES * PAGE;
		args[i].seed = i + 1;
	}
	for (i = 0; i < STRESS_THREADS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, stress_writer, &args[i]), 0);
	ASSERT_EQ(pthread_create(&th[i], NULL, stress_churn, &args[i]), 0);
	i++;
	ASSERT_EQ(pthread_create(&th[i], NULL, stress_trimmer, &args[i]), 0);
	i++;
	args[i].base = p + (STRESS_THREADS + 1) * STRESS_PAGES * PAGE;
	ASSERT_EQ(pthread_create(&th[i], NULL, stress_copier, &args[i]), 0);
	i++;
	args[i].base = p + (STRESS_THREADS + 2) * STRESS_PAGES * PAGE;
	ASSERT_EQ(pthread_create(&th[i], NULL, stress_locker, &args[i]), 0);
	/*
	 * Five seconds, and on until every thread has made a round (a slow
	 * guest may starve one for a while; a stuck one fails at 60 s).
	 */
	sleep(5);
	for (i = 0; i < 550; i++) {
		unsigned int k, idle = 0;

		for (k = 0; k < STRESS_THREADS + 4; k++)
			idle += !__atomic_load_n(&args[k].rounds, __ATOMIC_RELAXED);
		if (!idle)
			break;
		usleep(100000);
	}
	stress_stop = 1;
	for (i = 0; i < STRESS_THREADS + 4; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(args[i].bad, 0);
		EXPECT_GT(args[i].rounds, 0);
	}
	fprintf(stderr, "# trims %lu, writer rounds %lu, churn rounds %lu, copier rounds %lu, "
		"locker rounds %lu\n", args[STRESS_THREADS + 1].rounds, args[0].rounds,
		args[STRESS_THREADS].rounds, args[STRESS_THREADS + 2].rounds,
		args[STRESS_THREADS + 3].rounds);
	xrelease(NtCurrentProcess(), p, 0);
}

