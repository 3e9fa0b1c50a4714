// SPDX-License-Identifier: GPL-2.0
/*
 * NtQuerySystemInformation and NtSetSystemInformation: SystemBasicInformation
 * against what Linux says of the machine, SystemPerformanceInformation's
 * sizes and its counts following this process's faults, the argument rules (alignment, then
 * class, then length, with the length needed), SystemMemoryUsageInformation
 * following commit (private memory, and sections as shared commit), and the
 * set side's rules, and the ioctl's own fields. The page lists and
 * MemoryEmptyWorkingSets are in test_wset.c. Runs as root and as an
 * unprivileged user.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include "section_util.h"
#include "uapi/ntexec.h"

static SYSTEM_MEMORY_USAGE_INFORMATION usage(void)
{
	SYSTEM_MEMORY_USAGE_INFORMATION u;
	ULONG len = NTT_POISON32;

	memset(&u, NTT_POISON, sizeof(u));
	ASSERT_STATUS(NtQuerySystemInformation(SystemMemoryUsageInformation, &u, sizeof(u),
					       &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(u));
	return u;
}

/* The commit in pages, read when the module's own counter agrees around it. */
static long committed_pages(long *shared)
{
	for (int i = 0; i < 100; i++) {
		long before = steady_param("committed_pages");
		SYSTEM_MEMORY_USAGE_INFORMATION u = usage();

		if (module_param("committed_pages") == before &&
		    (long)(u.CommittedBytes / PAGE) == before) {
			if (shared)
				*shared = (long)(u.SharedCommittedBytes / PAGE);
			return before;
		}
	}
	ntt_fail();
	return -1;
}

TEST(basic_information)
{
	SYSTEM_BASIC_INFORMATION b;
	ULONG len = NTT_POISON32;
	struct sysinfo si;
	unsigned int cpus;

	nt_setup();
	memset(&b, NTT_POISON, sizeof(b));
	ASSERT_STATUS(NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(b));
	ASSERT_EQ(sysinfo(&si), 0);
	EXPECT_EQ(b.Reserved, 0);
	EXPECT_EQ(b.PageSize, (ULONG)sysconf(_SC_PAGESIZE));
	EXPECT_EQ(b.AllocationGranularity, 0x10000);
	EXPECT_EQ(b.MinimumUserModeAddress, 0x10000ull);
	EXPECT_EQ(b.MaximumUserModeAddress, 0x7ffffffeffffull);
	EXPECT_EQ((uint64_t)b.NumberOfPhysicalPages * b.PageSize,
		  (uint64_t)si.totalram * si.mem_unit);
	EXPECT_TRUE(b.LowestPhysicalPageNumber < b.HighestPhysicalPageNumber);
	EXPECT_TRUE(b.HighestPhysicalPageNumber + 1ull - b.LowestPhysicalPageNumber >=
		    b.NumberOfPhysicalPages);
	/* One scheduler tick: HZ is 100 to 1000. */
	EXPECT_TRUE(b.TimerResolution >= 10000 && b.TimerResolution <= 100000);
	cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	EXPECT_EQ((unsigned int)b.NumberOfProcessors, cpus < 64 ? cpus : 64);
	EXPECT_EQ((unsigned int)__builtin_popcountll(b.ActiveProcessorsAffinityMask),
		  (unsigned int)b.NumberOfProcessors);
	/* The process's own affinity is a subset of the system's. */
	{
		PROCESS_BASIC_INFORMATION pbi = basic_info(NtCurrentProcess());

		EXPECT_EQ(pbi.AffinityMask & ~b.ActiveProcessorsAffinityMask, 0ull);
	}
	/* ReturnLength is optional. */
	EXPECT_STATUS(NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b), NULL),
		      STATUS_SUCCESS);
}

TEST(argument_rules)
{
	union {
		SYSTEM_MEMORY_LIST_INFORMATION l;
		unsigned char raw[256];
	} buf __attribute__((aligned(16)));
	ULONG len;
	char *ro;

	nt_setup();
	/* Basic: the exact size only, and the size needed comes back. */
	len = NTT_POISON32;
	EXPECT_STATUS(NtQuerySystemInformation(SystemBasicInformation, buf.raw, 63, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, sizeof(SYSTEM_BASIC_INFORMATION));
	len = NTT_POISON32;
	EXPECT_STATUS(NtQuerySystemInformation(SystemBasicInformation, buf.raw, 65, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, sizeof(SYSTEM_BASIC_INFORMATION));
	EXPECT_STATUS(NtQuerySystemInformation(SystemBasicInformation, NULL, 0, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	/* The lists: at least the size; a bigger buffer gets the size. */
	len = NTT_POISON32;
	EXPECT_STATUS(NtQuerySystemInformation(SystemMemoryListInformation, buf.raw, 175, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, sizeof(SYSTEM_MEMORY_LIST_INFORMATION));
	memset(buf.raw, NTT_POISON, sizeof(buf.raw));
	len = NTT_POISON32;
	EXPECT_STATUS(NtQuerySystemInformation(SystemMemoryListInformation, buf.raw,
					       sizeof(buf.raw), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(SYSTEM_MEMORY_LIST_INFORMATION));
	EXPECT_EQ(buf.raw[sizeof(SYSTEM_MEMORY_LIST_INFORMATION)], NTT_POISON);
	/* Alignment comes first, then the class, then the length. */
	len = NTT_POISON32;
	EXPECT_STATUS(NtQuerySystemInformation(SystemBasicInformation, buf.raw + 2,
					       sizeof(SYSTEM_BASIC_INFORMATION), &len),
		      STATUS_DATATYPE_MISALIGNMENT);
	EXPECT_STATUS(NtQuerySystemInformation((SYSTEM_INFORMATION_CLASS)9999, buf.raw + 1, 8,
					       &len), STATUS_DATATYPE_MISALIGNMENT);
	EXPECT_STATUS(NtQuerySystemInformation((SYSTEM_INFORMATION_CLASS)9999, buf.raw, 8, &len),
		      STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQuerySystemInformation(SystemProcessInformation, buf.raw, 8, &len),
		      STATUS_INVALID_INFO_CLASS);
	EXPECT_EQ(len, NTT_POISON32);	/* not written on those */
	/* Buffers the caller cannot write. */
	EXPECT_STATUS(NtQuerySystemInformation(SystemBasicInformation, NULL,
					       sizeof(SYSTEM_BASIC_INFORMATION), &len),
		      STATUS_ACCESS_VIOLATION);
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(ro, MAP_FAILED);
	EXPECT_STATUS(NtQuerySystemInformation(SystemMemoryUsageInformation, ro,
					       sizeof(SYSTEM_MEMORY_USAGE_INFORMATION), &len),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(ro[0], 0);
	munmap(ro, PAGE);
}

TEST(set_rules)
{
	ULONG cmd = MemoryEmptyWorkingSets, big[2] = { MemoryEmptyWorkingSets, 0 };
	ULONG bad = MemoryCommandMax;

	nt_setup();
	EXPECT_STATUS(NtSetSystemInformation(SystemBasicInformation, &cmd, sizeof(cmd)),
		      STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtSetSystemInformation((SYSTEM_INFORMATION_CLASS)9999, &cmd, sizeof(cmd)),
		      STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, big, sizeof(big)),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, (char *)big + 2,
					     sizeof(cmd)), STATUS_DATATYPE_MISALIGNMENT);
	EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, NULL, sizeof(cmd)),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, &bad, sizeof(bad)),
		      STATUS_INVALID_PARAMETER);
	if (ntt_unprivileged()) {
		/* SeProfileSingleProcessPrivilege: CAP_SYS_ADMIN. */
		EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, &cmd,
						     sizeof(cmd)), STATUS_PRIVILEGE_NOT_HELD);
	} else {
		ULONG purge = MemoryPurgeStandbyList, capture = MemoryCaptureAccessedBits;

		EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, &cmd,
						     sizeof(cmd)), STATUS_SUCCESS);
		EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, &purge,
						     sizeof(purge)), STATUS_SUCCESS);
		EXPECT_STATUS(NtSetSystemInformation(SystemMemoryListInformation, &capture,
						     sizeof(capture)), STATUS_NOT_IMPLEMENTED);
	}
}

TEST(memory_usage_follows_commit)
{
	const SIZE_T private_size = 1 << 20, section_size = 4 << 20;
	SYSTEM_MEMORY_USAGE_INFORMATION u;
	long base, shared0, now, shared;
	struct sysinfo si;
	HANDLE s;
	char *p;

	nt_setup();
	ASSERT_EQ(sysinfo(&si), 0);
	u = usage();
	EXPECT_EQ(u.TotalPhysicalBytes, (uint64_t)si.totalram * si.mem_unit);
	EXPECT_TRUE(u.AvailableBytes > 0 && u.AvailableBytes <= u.TotalPhysicalBytes);
	EXPECT_TRUE(u.CommitLimitBytes >= u.CommittedBytes);
	EXPECT_TRUE(u.PeakCommitmentBytes >= u.CommittedBytes);
	EXPECT_TRUE(u.SharedCommittedBytes <= u.CommittedBytes);
	if (module_param("commit_limit") > 0)
		EXPECT_EQ(u.CommitLimitBytes, (uint64_t)module_param("commit_limit") * PAGE);

	base = committed_pages(&shared0);
	/* Private commit: the total grows, the shared part does not. */
	p = xalloc(private_size, PAGE_READWRITE);
	now = committed_pages(&shared);
	EXPECT_EQ(now - base, (long)(private_size / PAGE));
	EXPECT_EQ(shared, shared0);
	/* A pagefile-backed SEC_COMMIT section is shared commit. */
	s = xsection(section_size, PAGE_READWRITE, SEC_COMMIT);
	now = committed_pages(&shared);
	EXPECT_EQ(now - base, (long)((private_size + section_size) / PAGE));
	EXPECT_EQ(shared - shared0, (long)(section_size / PAGE));
	u = usage();
	EXPECT_TRUE(u.PeakCommitmentBytes >= (uint64_t)now * PAGE);
	xclose(s);
	xrelease(p);
	now = committed_pages(&shared);
	EXPECT_EQ(now, base);
	EXPECT_EQ(shared, shared0);
}

static SYSTEM_PERFORMANCE_INFORMATION perf(void)
{
	SYSTEM_PERFORMANCE_INFORMATION p;
	ULONG len = NTT_POISON32;

	memset(&p, NTT_POISON, sizeof(p));
	ASSERT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, &p, sizeof(p),
					       &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(p));
	return p;
}

/* The three sizes Windows answers: the longest that fits the buffer. */
TEST(performance_information_sizes)
{
	static const struct { ULONG length, answer; } cases[] = {
		{ 0x138, 0x138 }, { 0x13a, 0x138 }, { 0x147, 0x138 }, { 0x148, 0x148 },
		{ 0x150, 0x148 }, { 0x158, 0x158 }, { 0x200, 0x158 },
	};
	unsigned char buf[0x208] __attribute__((aligned(8)));
	ULONG len;

	nt_setup();
	len = NTT_POISON32;
	EXPECT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, buf, 0, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, sizeof(SYSTEM_PERFORMANCE_INFORMATION));
	EXPECT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, buf, 0x137, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, NTT_POISON, sizeof(buf));
		len = NTT_POISON32;
		EXPECT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, buf,
						       cases[i].length, &len), STATUS_SUCCESS);
		EXPECT_EQ(len, cases[i].answer);
		EXPECT_EQ(buf[cases[i].answer], NTT_POISON);
		EXPECT_NE(buf[cases[i].answer - 1] == NTT_POISON &&
			  buf[cases[i].answer - 8] == NTT_POISON, 1);
	}
}

/*
 * The counts follow what this process does with NT memory: demand-zero
 * faults for new pages, transition faults for pages brought back after the
 * working set was emptied, a copy-on-write fault for a write-copy view;
 * commit as SystemMemoryUsageInformation says.
 */
TEST(performance_information_counts)
{
	const unsigned int n = 32;
	SYSTEM_PERFORMANCE_INFORMATION a, b, c, d;
	SYSTEM_MEMORY_USAGE_INFORMATION u;
	QUOTA_LIMITS q;
	struct sysinfo si;
	char *p, *v;
	HANDLE s;

	nt_setup();
	ASSERT_EQ(sysinfo(&si), 0);
	a = perf();
	u = usage();
	EXPECT_TRUE(a.IdleProcessTime.QuadPart > 0);
	EXPECT_TRUE(a.AvailablePages > 0 &&
		    (uint64_t)a.AvailablePages * PAGE <= (uint64_t)si.totalram * si.mem_unit);
	EXPECT_TRUE(a.CommitLimit >= a.CommittedPages);
	EXPECT_TRUE(a.PeakCommitment >= a.CommittedPages);
	EXPECT_EQ((uint64_t)a.CommitLimit, u.CommitLimitBytes / PAGE);
	EXPECT_TRUE(a.PageFaultCount >= a.DemandZeroCount + a.TransitionCount +
		    a.CopyOnWriteCount + a.CacheTransitionCount);

	p = xalloc(n * PAGE, PAGE_READWRITE);
	for (unsigned int i = 0; i < n; i++)
		p[i * PAGE] = 1;
	b = perf();
	EXPECT_TRUE(b.DemandZeroCount - a.DemandZeroCount >= n);
	EXPECT_TRUE(b.PageFaultCount - a.PageFaultCount >= n);
	EXPECT_TRUE(b.CommittedPages - a.CommittedPages >= n);
	EXPECT_TRUE(b.IdleProcessTime.QuadPart >= a.IdleProcessTime.QuadPart);

	/* Emptied, then touched again: the same pages come back, no new ones. */
	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = (SIZE_T)-1;
	q.MaximumWorkingSetSize = (SIZE_T)-1;
	ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
					      sizeof(q)), STATUS_SUCCESS);
	for (unsigned int i = 0; i < n; i++)
		EXPECT_EQ(p[i * PAGE], 1);
	c = perf();
	EXPECT_TRUE(c.TransitionCount - b.TransitionCount >= n);
	EXPECT_TRUE(c.PageFaultCount - b.PageFaultCount >= n);

	/* A write-copy view: the first write copies. */
	s = xsection(PAGE, PAGE_READWRITE, SEC_COMMIT);
	v = xmap(s, NULL, 0, PAGE, PAGE_WRITECOPY);
	v[0] = 2;
	d = perf();
	EXPECT_TRUE(d.CopyOnWriteCount - c.CopyOnWriteCount >= 1);
	xunmap(v);
	xclose(s);
	xrelease(p);
}

/* One raw ioctl: the transport's answer (-errno) or the NTSTATUS. */
static long raw_system_info(void *arg)
{
	int ret = ioctl(NtxDeviceFd(), NTEXEC_IOC_SYSTEM_INFO, arg);

	return ret == -1 ? -errno : (long)(NTSTATUS)ret;
}

/* The transport: unknown flag bits, a set with a return length, a bad struct. */
TEST(ioctl_fields)
{
	SYSTEM_BASIC_INFORMATION b;
	struct ntexec_system_info q = {
		.buffer = (uint64_t)(uintptr_t)&b,
		.info_class = SystemBasicInformation,
		.length = sizeof(b),
	};
	ULONG cmd = MemoryCommandMax;

	nt_setup();
	ASSERT_EQ(raw_system_info(&q), 0);
	EXPECT_EQ(q.return_length, sizeof(b));
	q.return_length = 0;
	q.flags = 2;
	EXPECT_EQ(raw_system_info(&q), -EINVAL);
	q.flags = 1u << 31;
	EXPECT_EQ(raw_system_info(&q), -EINVAL);
	/* A set takes no return length. */
	q.buffer = (uint64_t)(uintptr_t)&cmd;
	q.info_class = SystemMemoryListInformation;
	q.length = sizeof(cmd);
	q.flags = NTEXEC_SYSTEM_INFO_SET;
	q.return_length = 4;
	EXPECT_EQ(raw_system_info(&q), -EINVAL);
	q.return_length = 0;
	EXPECT_EQ(raw_system_info(&q), (long)(NTSTATUS)STATUS_INVALID_PARAMETER);
	EXPECT_EQ(raw_system_info((void *)8), -EFAULT);
}
