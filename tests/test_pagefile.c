// SPDX-License-Identifier: GPL-2.0
/*
 * Paging files and hard faults: NtCreatePagingFile's rules (the privilege,
 * sizes, names, files it refuses), and, as root, the whole path of a page:
 * trimmed to the modified list, written to the paging file by
 * MemoryFlushModifiedList (now on standby), repurposed by
 * MemoryPurgeStandbyList (its memory freed), read back by a hard fault with
 * its contents, as SystemPerformanceInformation's PageReadCount counts;
 * NtReadVirtualMemory of a paged-out page, MEM_RESET discarding paged-out
 * pages, and freed memory giving its slots back. The paging file stays
 * until the module is unloaded (as NT keeps one until shutdown). Runs as
 * root and as an unprivileged user (who gets STATUS_PRIVILEGE_NOT_HELD).
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "uapi/ntexec.h"

#include "vm_handle_util.h"

#define PF_SIZE		(16ull << 20)

static NTSTATUS create_pf(const char *path, uint64_t min, uint64_t max)
{
	ASSERT_TRUE(strlen(path) < 300);
	return create_paging_file(path, min, max);
}

static NTSTATUS list_command(ULONG command)
{
	return NtSetSystemInformation(SystemMemoryListInformation, &command, sizeof(command));
}

static int check_pattern(const unsigned char *buf, uint32_t seed, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != pattern(seed, off + i))
			return 0;
	return 1;
}

static void empty_working_set(void)
{
	QUOTA_LIMITS q;

	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = (SIZE_T)-1;
	q.MaximumWorkingSetSize = (SIZE_T)-1;
	ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
					      sizeof(q)), STATUS_SUCCESS);
}

static char pf_path[64];

/* As root: one paging file for this process's tests, made once. */
static void need_paging_file(void)
{
	static int made;
	char *path = pf_path;

	if (made)
		return;
	snprintf(path, sizeof(pf_path), "/tmp/ntexec-pagefile-%d", (int)getpid());
	ASSERT_STATUS(create_pf(path, PF_SIZE, 2 * PF_SIZE), STATUS_SUCCESS);
	/* The module keeps the file open: the name can go. */
	ASSERT_EQ(unlink(path), 0);
	made = 1;
}

TEST(create_rules)
{
	char path[64];
	int fd;

	nt_setup();
	snprintf(path, sizeof(path), "/tmp/ntexec-pf-rules-%d", (int)getpid());
	if (ntt_unprivileged()) {
		/* SeCreatePagefilePrivilege: CAP_SYS_ADMIN, checked first. */
		EXPECT_STATUS(create_pf(path, PF_SIZE, PF_SIZE), STATUS_PRIVILEGE_NOT_HELD);
		EXPECT_STATUS(create_pf("", 0, 0), STATUS_PRIVILEGE_NOT_HELD);
		EXPECT_STATUS(list_command(MemoryFlushModifiedList), STATUS_PRIVILEGE_NOT_HELD);
		EXPECT_STATUS(list_command(MemoryPurgeStandbyList), STATUS_PRIVILEGE_NOT_HELD);
		EXPECT_EQ(access(path, F_OK), -1);
		return;
	}
	/* Sizes before names, as NT. */
	EXPECT_STATUS(create_pf(path, 4096, PF_SIZE), STATUS_INVALID_PARAMETER_2);
	EXPECT_STATUS(create_pf(path, (uint64_t)-4096, (uint64_t)-4096),
		      STATUS_INVALID_PARAMETER_2);
	EXPECT_STATUS(create_pf(path, PF_SIZE, PF_SIZE - 4096), STATUS_INVALID_PARAMETER_MIX);
	EXPECT_STATUS(create_pf("", PF_SIZE, PF_SIZE), STATUS_OBJECT_NAME_INVALID);
	EXPECT_STATUS(create_pf("relative-pagefile", PF_SIZE, PF_SIZE),
		      STATUS_OBJECT_NAME_INVALID);
	EXPECT_STATUS(create_pf("\\??\\C:\\pagefile.sys", PF_SIZE, PF_SIZE),
		      STATUS_OBJECT_NAME_INVALID);
	EXPECT_STATUS(NtCreatePagingFile(NULL, NULL, NULL, 0), STATUS_ACCESS_VIOLATION);
	/* Files it refuses: a directory, a missing directory, a readable file. */
	EXPECT_STATUS(create_pf("/tmp", PF_SIZE, PF_SIZE), STATUS_FILE_IS_A_DIRECTORY);
	EXPECT_STATUS(create_pf("/nonexistent-dir/pagefile", PF_SIZE, PF_SIZE),
		      STATUS_OBJECT_PATH_NOT_FOUND);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(fchmod(fd, 0644), 0);
	close(fd);
	EXPECT_STATUS(create_pf(path, PF_SIZE, PF_SIZE), STATUS_ACCESS_DENIED);
	EXPECT_EQ(unlink(path), 0);
}

/*
 * A page's whole path: modified, written (standby), repurposed (freed),
 * hard-faulted back with its contents.
 */
TEST(page_out_and_back)
{
	const unsigned int n = 256;
	long limit0, writes0, reads0, ios0, used0, used1, resident0, repurposed0;
	SYSTEM_MEMORY_LIST_INFORMATION l;
	SYSTEM_MEMORY_USAGE_INFORMATION u0, u1;
	SYSTEM_PERFORMANCE_INFORMATION p0, p1;
	unsigned char *p;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("NtCreatePagingFile needs CAP_SYS_ADMIN");
	ASSERT_STATUS(NtQuerySystemInformation(SystemMemoryUsageInformation, &u0, sizeof(u0),
					       NULL), STATUS_SUCCESS);
	limit0 = module_param("pagefile_pages");
	need_paging_file();
	/* The commit limit grows by the file (unless commit_limit is set). */
	ASSERT_STATUS(NtQuerySystemInformation(SystemMemoryUsageInformation, &u1, sizeof(u1),
					       NULL), STATUS_SUCCESS);
	if (limit0 == 0 && module_param("commit_limit") == 0)
		EXPECT_TRUE(u1.CommitLimitBytes >= u0.CommitLimitBytes + PF_SIZE - (64 << 20));
	EXPECT_TRUE(module_param("pagefile_pages") >= (long)(PF_SIZE / PAGE));

	p = (unsigned char *)xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT,
				    PAGE_READWRITE);
	fill_pattern(p, 21, 0, n * PAGE);
	writes0 = module_param("pagefile_writes");
	used0 = module_param("pagefile_used_pages");
	empty_working_set();
	ASSERT_STATUS(list_command(MemoryFlushModifiedList), STATUS_SUCCESS);
	EXPECT_TRUE(module_param("pagefile_writes") - writes0 >= n);
	EXPECT_TRUE(module_param("pagefile_used_pages") - used0 >= n);
	ASSERT_STATUS(NtQuerySystemInformation(SystemMemoryListInformation, &l, sizeof(l), NULL),
		      STATUS_SUCCESS);
	EXPECT_TRUE(l.PageCountByPriority[5] >= n);

	/* Repurposed: the memory goes back to Linux. */
	resident0 = module_param("resident_pages");
	repurposed0 = module_param("repurposed_pages");
	ASSERT_STATUS(list_command(MemoryPurgeStandbyList), STATUS_SUCCESS);
	EXPECT_TRUE(module_param("repurposed_pages") - repurposed0 >= n);
	EXPECT_TRUE(resident0 - module_param("resident_pages") >= n);
	ASSERT_STATUS(NtQuerySystemInformation(SystemMemoryListInformation, &l, sizeof(l), NULL),
		      STATUS_SUCCESS);
	EXPECT_TRUE(l.RepurposedPagesByPriority[5] >= n);

	/* Hard faults bring every byte back and give the slots back. */
	ASSERT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, &p0, sizeof(p0),
					       NULL), STATUS_SUCCESS);
	reads0 = module_param("page_reads");
	ios0 = module_param("page_read_ios");
	for (unsigned int i = 0; i < n; i++)
		ASSERT_TRUE(check_pattern(p + i * PAGE, 21, i * PAGE, PAGE));
	EXPECT_TRUE(module_param("page_reads") - reads0 >= n);
	/* Pages written together come back in clusters: fewer reads than pages. */
	EXPECT_TRUE(module_param("page_read_ios") - ios0 < n);
	ASSERT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, &p1, sizeof(p1),
					       NULL), STATUS_SUCCESS);
	EXPECT_TRUE(p1.PageReadCount - p0.PageReadCount >= n);
	EXPECT_TRUE(p1.PageReadIoCount - p0.PageReadIoCount < n);
	EXPECT_TRUE(p1.DirtyPagesWriteCount >= n);
	/* Read, not written: the copies stay good (trimmed again, no write). */
	used1 = module_param("pagefile_used_pages");
	EXPECT_TRUE(used1 - used0 >= n);
	writes0 = module_param("pagefile_writes");
	empty_working_set();
	ASSERT_STATUS(list_command(MemoryFlushModifiedList), STATUS_SUCCESS);
	EXPECT_EQ(module_param("pagefile_writes"), writes0);
	/* Written: its copy goes, and the page is written out again. */
	p[0] ^= 1;
	EXPECT_EQ(module_param("pagefile_used_pages"), used1 - 1);
	empty_working_set();
	ASSERT_STATUS(list_command(MemoryFlushModifiedList), STATUS_SUCCESS);
	EXPECT_EQ(module_param("pagefile_writes") - writes0, 1);
	EXPECT_EQ(module_param("pagefile_used_pages"), used1);
	EXPECT_TRUE(check_pattern(p + PAGE, 21, PAGE, (n - 1) * PAGE));
	xrelease(NtCurrentProcess(), p, 0);
	EXPECT_EQ(module_param("pagefile_used_pages"), used1 - n);
}

/* Page out @n pages of @p (empty, write, repurpose). */
static void page_out(void)
{
	empty_working_set();
	ASSERT_STATUS(list_command(MemoryFlushModifiedList), STATUS_SUCCESS);
	ASSERT_STATUS(list_command(MemoryPurgeStandbyList), STATUS_SUCCESS);
}

/* Decommit and release give the slots of paged-out pages back; a copy reads them. */
TEST(slots_follow_the_memory)
{
	const unsigned int n = 64;
	unsigned char buf[PAGE];
	long used0, reads0;
	SIZE_T size, done;
	unsigned char *p;
	PVOID base;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("NtCreatePagingFile needs CAP_SYS_ADMIN");
	need_paging_file();
	used0 = steady_param("pagefile_used_pages");
	p = (unsigned char *)xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT,
				    PAGE_READWRITE);
	fill_pattern(p, 22, 0, n * PAGE);
	page_out();
	EXPECT_EQ(module_param("pagefile_used_pages") - used0, n);

	/* NtReadVirtualMemory of a paged-out page: read back, contents intact. */
	reads0 = module_param("page_read_ios");
	ASSERT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), p + 5 * PAGE, buf, PAGE, &done),
		      STATUS_SUCCESS);
	EXPECT_EQ(done, PAGE);
	EXPECT_TRUE(check_pattern(buf, 22, 5 * PAGE, PAGE));
	EXPECT_EQ(module_param("page_read_ios") - reads0, 1);
	/* Read back, not written: its copy stays good. */
	EXPECT_EQ(module_param("pagefile_used_pages") - used0, n);

	/* Decommit the first half without touching it: its slots go. */
	base = p;
	size = n / 2 * PAGE;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_DECOMMIT),
		      STATUS_SUCCESS);
	EXPECT_EQ(module_param("pagefile_used_pages") - used0, n / 2);
	/* Release the rest: every slot is back. */
	xrelease(NtCurrentProcess(), p, 0);
	EXPECT_EQ(module_param("pagefile_used_pages"), used0);
	EXPECT_EQ(module_param("page_read_ios") - reads0, 1);
}

/* MEM_RESET discards paged-out pages too: MEM_RESET_UNDO says so. */
TEST(reset_discards_paged_out_pages)
{
	const unsigned int n = 16;
	long used0;
	unsigned char *p;
	PVOID base;
	SIZE_T size;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("NtCreatePagingFile needs CAP_SYS_ADMIN");
	need_paging_file();
	used0 = steady_param("pagefile_used_pages");
	p = (unsigned char *)xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT,
				    PAGE_READWRITE);
	fill_pattern(p, 23, 0, n * PAGE);
	page_out();
	EXPECT_EQ(module_param("pagefile_used_pages") - used0, n);
	base = p;
	size = n * PAGE;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESET,
					      PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(module_param("pagefile_used_pages"), used0);
	base = p;
	size = n * PAGE;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESET_UNDO,
					      PAGE_READWRITE), STATUS_CONFLICTING_ADDRESSES);
	/* What was discarded reads as zeros, and the memory still works. */
	EXPECT_TRUE(is_filled(p, 0, PAGE));
	p[0] = 7;
	EXPECT_EQ(p[0], 7);
	xrelease(NtCurrentProcess(), p, 0);
}

/*
 * Pages faulted back while the writer writes them, and written again:
 * every byte survives repeated rounds of paging out and in.
 */
TEST(rounds_keep_every_byte)
{
	const unsigned int n = 128;
	unsigned char *p;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("NtCreatePagingFile needs CAP_SYS_ADMIN");
	need_paging_file();
	p = (unsigned char *)xalloc(NtCurrentProcess(), NULL, n * PAGE, MEM_RESERVE | MEM_COMMIT,
				    PAGE_READWRITE);
	for (unsigned int r = 0; r < 8; r++) {
		/* Half the pages rewritten each round, all checked. */
		for (unsigned int i = r % 2; i < n; i += 2)
			fill_pattern(p + i * PAGE, 30 + r, i * PAGE, PAGE);
		page_out();
		for (unsigned int i = 0; i < n; i++) {
			unsigned int last = (i % 2 == r % 2) ? r : r - 1;

			if (r == 0 && i % 2)
				ASSERT_TRUE(is_filled(p + i * PAGE, 0, PAGE));
			else
				ASSERT_TRUE(check_pattern(p + i * PAGE, 30 + last, i * PAGE, PAGE));
		}
	}
	xrelease(NtCurrentProcess(), p, 0);
}

/*
 * SystemPageFileInformation: every paging file, chained; ours among them
 * with its name, its size and what it holds (in pages).
 */
TEST(pagefile_information)
{
	union {
		SYSTEM_PAGEFILE_INFORMATION e;
		unsigned char raw[16 * 320];
	} buf;
	SYSTEM_PAGEFILE_INFORMATION *e;
	ULONG len = NTT_POISON32, off = 0;
	int found = 0, entries = 0;

	nt_setup();
	if (ntt_unprivileged()) {
		/* Anyone may look: with no paging file, nothing comes back. */
		EXPECT_STATUS(NtQuerySystemInformation(SystemPageFileInformation, buf.raw,
						       sizeof(buf.raw), &len), STATUS_SUCCESS);
		EXPECT_EQ(len % 8, 0);
		return;
	}
	need_paging_file();
	EXPECT_STATUS(NtQuerySystemInformation(SystemPageFileInformation, buf.raw, 8, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_TRUE(len >= sizeof(SYSTEM_PAGEFILE_INFORMATION) && len <= sizeof(buf.raw));
	EXPECT_STATUS(NtQuerySystemInformation(SystemPageFileInformation, buf.raw + 2,
					       sizeof(buf.raw) - 8, &len),
		      STATUS_DATATYPE_MISALIGNMENT);
	memset(buf.raw, NTT_POISON, sizeof(buf.raw));
	ASSERT_STATUS(NtQuerySystemInformation(SystemPageFileInformation, buf.raw,
					       sizeof(buf.raw), &len), STATUS_SUCCESS);
	for (;;) {
		char name[200];
		size_t i, n;

		ASSERT_TRUE(off + sizeof(*e) <= len);
		e = (SYSTEM_PAGEFILE_INFORMATION *)(buf.raw + off);
		entries++;
		n = e->PageFileName.Length / 2;
		ASSERT_TRUE(n < sizeof(name));
		ASSERT_EQ((uintptr_t)e->PageFileName.Buffer, (uintptr_t)(e + 1));
		EXPECT_EQ(e->PageFileName.MaximumLength, e->PageFileName.Length + 2);
		EXPECT_EQ(e->PageFileName.Buffer[n], 0);
		for (i = 0; i < n; i++)
			name[i] = (char)e->PageFileName.Buffer[i];
		name[n] = 0;
		EXPECT_TRUE(e->TotalInUse <= e->TotalSize && e->PeakUsage >= e->TotalInUse);
		if (!strcmp(name, pf_path)) {
			found = 1;
			EXPECT_EQ(e->TotalSize, PF_SIZE / PAGE);
		}
		if (!e->NextEntryOffset)
			break;
		EXPECT_EQ(e->NextEntryOffset % 8, 0);
		off += e->NextEntryOffset;
	}
	EXPECT_TRUE(found);
	EXPECT_TRUE(entries >= 1 && entries <= 16);
}

/* One raw ioctl: the transport's answer (-errno) or the NTSTATUS. */
static long raw_create(void *arg)
{
	int ret = ioctl(NtxDeviceFd(), NTEXEC_IOC_CREATE_PAGING_FILE, arg);

	return ret == -1 ? -errno : (long)(NTSTATUS)ret;
}

/* The transport's own fields: flags and pad must be 0, the struct readable. */
/*
 * A commit past the limit first extends the paging files toward their
 * maximum size, as NT does; one past every maximum is refused and grows
 * nothing; grown files stay grown (NT keeps them until restart).
 */
TEST(grows_toward_maximum)
{
	SYSTEM_MEMORY_USAGE_INFORMATION u0, u1;
	PVOID base = NULL, more = NULL;
	SIZE_T size, size2 = 1ul << 30;
	long pf0, pf1;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("NtCreatePagingFile needs CAP_SYS_ADMIN");
	if (module_param("commit_limit") != 0)
		SKIP("commit_limit is set: paging files do not count");
	need_paging_file();
	pf0 = module_param("pagefile_pages");
	ASSERT_STATUS(NtQuerySystemInformation(SystemMemoryUsageInformation, &u0, sizeof(u0),
					       NULL), STATUS_SUCCESS);
	ASSERT_TRUE(u0.CommitLimitBytes > u0.CommittedBytes);
	/* 4 MiB past the limit: the paging file grows, the commit succeeds. */
	size = (SIZE_T)(u0.CommitLimitBytes - u0.CommittedBytes) + 4 * MIB;
	ASSERT_STATUS(vm_alloc(NtCurrentProcess(), &base, &size, MEM_RESERVE | MEM_COMMIT,
			       PAGE_READWRITE), STATUS_SUCCESS);
	pf1 = module_param("pagefile_pages");
	EXPECT_TRUE(pf1 - pf0 >= (long)(4 * MIB / PAGE));
	ASSERT_STATUS(NtQuerySystemInformation(SystemMemoryUsageInformation, &u1, sizeof(u1),
					       NULL), STATUS_SUCCESS);
	EXPECT_TRUE(u1.CommitLimitBytes >= u0.CommitLimitBytes + 4 * MIB);
	EXPECT_TRUE(u1.CommittedBytes <= u1.CommitLimitBytes);
	/* Past every maximum: refused, nothing grows. */
	EXPECT_STATUS(vm_alloc(NtCurrentProcess(), &more, &size2, MEM_RESERVE | MEM_COMMIT,
			       PAGE_READWRITE), STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(module_param("pagefile_pages"), pf1);
	xrelease(NtCurrentProcess(), base, size);
	EXPECT_EQ(module_param("pagefile_pages"), pf1);
}

TEST(ioctl_fields)
{
	WCHAR name[] = { 'r', 'e', 'l' };
	struct ntexec_create_paging_file q = {
		.name = (uint64_t)(uintptr_t)name,
		.name_length = sizeof(name),
		.minimum_size = PF_SIZE,
		.maximum_size = PF_SIZE,
	};

	nt_setup();
	q.flags = 1;
	EXPECT_EQ(raw_create(&q), -EINVAL);
	q.flags = 0;
	q.pad = 1;
	EXPECT_EQ(raw_create(&q), -EINVAL);
	q.pad = 0;
	EXPECT_EQ(raw_create((void *)8), -EFAULT);
	/* The fields right: the service's own answer (a relative name). */
	EXPECT_EQ(raw_create(&q), (long)(NTSTATUS)(ntt_unprivileged() ?
						    STATUS_PRIVILEGE_NOT_HELD :
						    STATUS_OBJECT_NAME_INVALID));
}
