// SPDX-License-Identifier: GPL-2.0
/*
 * Working sets: what a soft fault costs (a trimmed page, on the modified
 * list, mapped back) against Linux's minor fault on a page-cache page (a
 * MAP_SHARED file page whose PTE MADV_DONTNEED dropped), and how fast the
 * working set is trimmed ((SIZE_T)-1 for both limits) against Linux
 * dropping the same number of PTEs with MADV_DONTNEED.
 *
 * Linux maps up to 16 pages around a file fault (fault-around); the module
 * maps only the trimmed page back. So the soft fault is compared twice:
 * per fault (Linux touching one page in 16, every fault a fresh window)
 * and per page (touching every page: Linux's figure is then a sixteenth
 * of a fault per page).
 *
 * Then what aging costs (the balance set manager's pass over the
 * Accessed bits, from the module's own counters: pages per second of its
 * time), and what a fault costs under a hard working-set maximum when
 * most of the working set is locked, against the same with nothing
 * locked: each fault trims one page, and locked pages must not make that
 * a scan (their ratio should stay near 1). Last, as root, hard faults from
 * a paging file (bench_hard_fault()).
 *
 *   bench_wset [-n SCALE] [-q]
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench_util.h"

static NTSTATUS empty_ws(void)
{
	QUOTA_LIMITS q;

	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = (SIZE_T)-1;
	q.MaximumWorkingSetSize = (SIZE_T)-1;
	return NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q, sizeof(q));
}

static double touch_stride(char *p, size_t size, size_t stride)
{
	double t0 = now_ns();
	size_t i;

	for (i = 0; i < size; i += stride)
		(void)((volatile char *)p)[i];
	return now_ns() - t0;
}

/* A page-cache file of @size bytes, mapped shared, every page cached. */
static char *map_cached_file(size_t size)
{
	char path[] = "/tmp/bench_wset.XXXXXX";
	int fd = mkstemp(path);
	char *p;

	if (fd < 0)
		return NULL;
	unlink(path);
	if (ftruncate(fd, size)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 1, size);
	return p;
}

static void bench_soft_fault(void)
{
	const size_t size = (quick ? 16 : 64) * MIB, pages = size / PAGE;
	const unsigned long reps = quick ? 2 : 5 * scale;
	double nt_page = 0, nt_fault = 0, lin_page = 0, lin_fault = 0, trim = 0, zap = 0, t;
	PVOID base = NULL;
	SIZE_T s = size;
	unsigned long r;
	NTSTATUS st;
	char *p;

	st = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &s, MEM_RESERVE | MEM_COMMIT,
				     PAGE_READWRITE);
	if (st) {
		failed("soft_fault", "NtAllocateVirtualMemory", st);
		return;
	}
	p = base;
	memset(p, 1, size);
	for (r = 0; r < reps; r++) {
		double t0 = now_ns();

		st = empty_ws();
		t = (now_ns() - t0) / pages;
		if (st) {
			failed("soft_fault", "ProcessQuotaLimits", st);
			return;
		}
		if (!r || t < trim)
			trim = t;
		t = touch_stride(p, size, PAGE) / pages;
		if (!r || t < nt_page)
			nt_page = t;
		empty_ws();
		t = touch_stride(p, size, 16 * PAGE) / (pages / 16);
		if (!r || t < nt_fault)
			nt_fault = t;
	}
	s = 0;
	NtFreeVirtualMemory(NtCurrentProcess(), &base, &s, MEM_RELEASE);

	p = map_cached_file(size);
	if (!p) {
		report_na("soft_fault_per_page", nt_page, "no page-cache file");
		return;
	}
	for (r = 0; r < reps; r++) {
		double t0 = now_ns();

		madvise(p, size, MADV_DONTNEED);
		t = (now_ns() - t0) / pages;
		if (!r || t < zap)
			zap = t;
		t = touch_stride(p, size, PAGE) / pages;
		if (!r || t < lin_page)
			lin_page = t;
		madvise(p, size, MADV_DONTNEED);
		t = touch_stride(p, size, 16 * PAGE) / (pages / 16);
		if (!r || t < lin_fault)
			lin_fault = t;
	}
	munmap(p, size);
	printf("# %zu MiB, best of %lu\n", size / MIB, reps);
	report("soft_fault_per_fault_vs_pagecache_minor_fault", nt_fault, lin_fault);
	report("soft_fault_per_page_vs_pagecache_minor_fault", nt_page, lin_page);
	report("trim_per_page_vs_madv_dontneed", trim, zap);
	printf("trim_throughput: %.0f pages/s\n", 1e9 / trim);
}

static NTSTATUS list_command(ULONG command)
{
	return NtSetSystemInformation(SystemMemoryListInformation, &command, sizeof(command));
}

/*
 * Hard faults (root: a paging file, on /tmp, the guest's tmpfs): the
 * working set emptied, the modified list written to the paging file, the
 * standby list repurposed, then every page touched: each touch reads its
 * page back. Linux's figure is the page-cache minor fault per fault (one
 * page in 16), the nearest thing this VM has (no swap device): a hard
 * fault here costs that plus a page allocation and a 4 KiB read.
 */
static void bench_hard_fault(void)
{
	const size_t size = (quick ? 8 : 32) * MIB, pages = size / PAGE;
	const unsigned long reps = quick ? 2 : 3 * scale;
	double hard = 0, write = 0, purge = 0, lin = 0, t, t0;
	LARGE_INTEGER lo = { .QuadPart = (LONGLONG)(size + 4 * MIB) }, hi = lo;
	WCHAR name[64];
	char path[64];
	UNICODE_STRING u;
	PVOID base = NULL;
	SIZE_T s = size;
	unsigned long r;
	NTSTATUS st;
	size_t i;
	char *p;

	snprintf(path, sizeof(path), "/tmp/bench_wset_pf.%d", (int)getpid());
	for (i = 0; path[i]; i++)
		name[i] = (WCHAR)path[i];
	u.Buffer = name;
	u.Length = u.MaximumLength = (USHORT)(i * sizeof(WCHAR));
	st = NtCreatePagingFile(&u, &lo, &hi, 0);
	if (st == STATUS_PRIVILEGE_NOT_HELD) {
		printf("hard_fault: n/a (NtCreatePagingFile needs CAP_SYS_ADMIN)\n");
		return;
	}
	if (st) {
		failed("hard_fault", "NtCreatePagingFile", st);
		return;
	}
	unlink(path);
	st = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &s, MEM_RESERVE | MEM_COMMIT,
				     PAGE_READWRITE);
	if (st) {
		failed("hard_fault", "NtAllocateVirtualMemory", st);
		return;
	}
	p = base;
	memset(p, 1, size);
	for (r = 0; r < reps; r++) {
		empty_ws();
		t0 = now_ns();
		st = list_command(MemoryFlushModifiedList);
		t = (now_ns() - t0) / pages;
		if (!r || t < write)
			write = t;
		t0 = now_ns();
		st |= list_command(MemoryPurgeStandbyList);
		t = (now_ns() - t0) / pages;
		if (!r || t < purge)
			purge = t;
		if (st) {
			failed("hard_fault", "MemoryFlushModifiedList/MemoryPurgeStandbyList", st);
			return;
		}
		t = touch_stride(p, size, PAGE) / pages;
		if (!r || t < hard)
			hard = t;
	}
	s = 0;
	NtFreeVirtualMemory(NtCurrentProcess(), &base, &s, MEM_RELEASE);
	p = map_cached_file(size);
	if (!p) {
		report_na("hard_fault_vs_pagecache_minor_fault", hard, "no page-cache file");
		return;
	}
	for (r = 0; r < reps; r++) {
		madvise(p, size, MADV_DONTNEED);
		t = touch_stride(p, size, 16 * PAGE) / (pages / 16);
		if (!r || t < lin)
			lin = t;
	}
	munmap(p, size);
	printf("# %zu MiB, paging file on tmpfs, best of %lu\n", size / MIB, reps);
	report("hard_fault_vs_pagecache_minor_fault", hard, lin);
	printf("pagefile_write_per_page: %.0f ns, repurpose_per_page: %.0f ns\n", write, purge);
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

static void bench_aging(void)
{
	const size_t size = (quick ? 16 : 64) * MIB;
	long long pass0, aged0, ns0, aged, ns;
	PVOID base = NULL;
	SIZE_T s = size;
	NTSTATUS st;
	int i;

	st = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &s, MEM_RESERVE | MEM_COMMIT,
				     PAGE_READWRITE);
	if (st) {
		failed("aging", "NtAllocateVirtualMemory", st);
		return;
	}
	memset(base, 1, size);
	pass0 = param("aging_passes");
	aged0 = param("aged_pages");
	ns0 = param("aging_ns");
	if (pass0 < 0) {
		printf("aging: no aging_passes parameter\n");
		goto out;
	}
	for (i = 0; i < 100 && param("aging_passes") < pass0 + 3; i++)
		usleep(100000);
	aged = param("aged_pages") - aged0;
	ns = param("aging_ns") - ns0;
	if (aged > 0 && ns > 0)
		printf("aging_throughput: %.0f pages/s (%lld pages in %lld passes, %.1f ns per page)\n",
		       aged * 1e9 / ns, aged, param("aging_passes") - pass0, (double)ns / aged);
out:
	s = 0;
	NtFreeVirtualMemory(NtCurrentProcess(), &base, &s, MEM_RELEASE);
}

static NTSTATUS set_ws(SIZE_T min, SIZE_T max, ULONG flags)
{
	QUOTA_LIMITS_EX q;

	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = min;
	q.MaximumWorkingSetSize = max;
	q.Flags = flags;
	return NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q, sizeof(q));
}

/* ns per fault cycling through @cycle pages under a hard maximum. */
static double hard_max_fault(size_t locked, size_t cycle)
{
	const unsigned long reps = quick ? 2 : 5 * scale;
	size_t pages = locked + cycle, i;
	PVOID base = NULL, lb;
	SIZE_T s = pages * PAGE, ls;
	double best = 0, t, t0;
	unsigned long r;
	NTSTATUS st;
	char *p;

	st = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &s, MEM_RESERVE | MEM_COMMIT,
				     PAGE_READWRITE);
	if (st) {
		failed("hard_max", "NtAllocateVirtualMemory", st);
		return -1;
	}
	p = base;
	if (locked) {
		lb = base;
		ls = locked * PAGE;
		st = NtLockVirtualMemory(NtCurrentProcess(), &lb, &ls, MAP_PROCESS);
		if (st) {
			failed("hard_max", "NtLockVirtualMemory", st);
			best = -1;
			goto out;
		}
	}
	st = set_ws(20 * PAGE, (locked + 64) * PAGE, QUOTA_LIMITS_HARDWS_MAX_ENABLE);
	if (st) {
		failed("hard_max", "ProcessQuotaLimits", st);
		best = -1;
		goto out;
	}
	for (r = 0; r < reps; r++) {
		t0 = now_ns();
		for (i = locked; i < pages; i++)
			((volatile char *)p)[i * PAGE]++;
		t = (now_ns() - t0) / cycle;
		if (!r || t < best)
			best = t;
	}
out:
	set_ws(20 * PAGE, 345 * PAGE, QUOTA_LIMITS_HARDWS_MAX_DISABLE);
	s = 0;
	NtFreeVirtualMemory(NtCurrentProcess(), &base, &s, MEM_RELEASE);
	return best;
}

static void bench_hard_max(void)
{
	const size_t locked = quick ? 2048 : 16384;
	double with = hard_max_fault(locked, 1024), without = hard_max_fault(0, 1024);

	if (with < 0 || without < 0)
		return;
	printf("# hard maximum: %zu locked pages vs none, 1024 pages cycled\n", locked);
	report("hard_max_fault_locked_vs_unlocked", with, without);
}

int main(int argc, char **argv)
{
	int err = bench_start(argc, argv, "bench_wset");

	if (err)
		return err;
	printf("working sets, scale %lu%s (ns per operation unless stated)\n", scale,
	       quick ? ", quick" : "");
	bench_soft_fault();
	bench_aging();
	bench_hard_max();
	bench_hard_fault();
	return 0;
}
