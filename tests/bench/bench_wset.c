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
 *   bench_wset [-n SCALE] [-q]
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

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

int main(int argc, char **argv)
{
	int err = bench_start(argc, argv, "bench_wset");

	if (err)
		return err;
	printf("working sets, scale %lu%s (ns per operation unless stated)\n", scale,
	       quick ? ", quick" : "");
	bench_soft_fault();
	return 0;
}
