// SPDX-License-Identifier: GPL-2.0
/*
 * Paging against Linux swap (issue 13's measures), in a small guest with a
 * swap device and a paging file on the same kind of disk
 * (scripts/bench.sh --paging sets that up; run as root):
 *
 *  - pressure: twice the guest's RAM (at least 1 GiB) written page by page
 *    and read back with a check, NT memory with a paging file vs anonymous
 *    memory with Linux swap; ns per page for each pass;
 *  - hard faults: 64 MiB written, pushed out (NT: the working set emptied,
 *    the modified list written, standby purged; Linux: MADV_PAGEOUT), then
 *    read back one byte per page, in address order (NT's page-in clusters
 *    vs Linux's swap readahead) and in a random order; ns per page.
 *
 * Usage: bench_paging [-n SCALE] [-q]; NTEXEC_BENCH_PAGEFILE names the
 * paging file to create when there is none yet.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include "bench_util.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void fill_page(uint64_t *w, uint64_t page)
{
	uint64_t x = mix(page);

	for (size_t i = 0; i < PAGE / 8; i++, x += 0x632be59bd9b4e019ull)
		w[i] = x;
}

static int page_ok(const uint64_t *w, uint64_t page)
{
	uint64_t x = mix(page);

	for (size_t i = 0; i < PAGE / 8; i++, x += 0x632be59bd9b4e019ull)
		if (w[i] != x)
			return 0;
	return 1;
}

/* ns per page to write @n pages, then to read them back; bad pages counted. */
static void write_read(char *p, size_t n, double *w, double *r, size_t *bad)
{
	double t0 = now_ns();

	for (size_t i = 0; i < n; i++)
		fill_page((uint64_t *)(p + i * PAGE), i);
	*w = (now_ns() - t0) / n;
	t0 = now_ns();
	*bad = 0;
	for (size_t i = 0; i < n; i++)
		*bad += !page_ok((const uint64_t *)(p + i * PAGE), i);
	*r = (now_ns() - t0) / n;
}

/* ns per page to touch @n pages in the order @order (NULL: address order). */
static double touch_pages(char *p, size_t n, const size_t *order)
{
	double t0 = now_ns();
	unsigned long sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += ((volatile char *)p)[(order ? order[i] : i) * PAGE];
	(void)sum;
	return (now_ns() - t0) / n;
}

static int nt_page_out(void)
{
	QUOTA_LIMITS q = { 0 };
	ULONG cmd;

	q.MinimumWorkingSetSize = (SIZE_T)-1;
	q.MaximumWorkingSetSize = (SIZE_T)-1;
	if (NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q, sizeof(q)))
		return -1;
	cmd = MemoryFlushModifiedList;
	if (NtSetSystemInformation(SystemMemoryListInformation, &cmd, sizeof(cmd)))
		return -1;
	cmd = MemoryPurgeStandbyList;
	return NtSetSystemInformation(SystemMemoryListInformation, &cmd, sizeof(cmd)) ? -1 : 0;
}

static NTSTATUS make_pagefile(const char *path, uint64_t size)
{
	LARGE_INTEGER lo = { .QuadPart = (LONGLONG)size }, hi = lo;
	WCHAR name[256];
	UNICODE_STRING u;
	size_t i, n = strlen(path);

	if (n >= 256)
		return STATUS_NAME_TOO_LONG;
	for (i = 0; i < n; i++)
		name[i] = (WCHAR)(unsigned char)path[i];
	u.Buffer = name;
	u.Length = (USHORT)(n * sizeof(WCHAR));
	u.MaximumLength = u.Length;
	return NtCreatePagingFile(&u, &lo, &hi, 0);
}

static int have_swap(void)
{
	struct sysinfo si;

	return !sysinfo(&si) && si.totalswap > 0;
}

int main(int argc, char **argv)
{
	size_t n, hf = iters(64 * MIB / PAGE), bad_nt, bad_lin, *order;
	double nw, nr, lw, lr, ns, nrand, ls, lrand;
	const char *pf = getenv("NTEXEC_BENCH_PAGEFILE");
	SIZE_T size;
	PVOID base;
	NTSTATUS st;
	struct sysinfo si;
	char *lin;
	int rc = bench_start(argc, argv, "bench_paging");

	if (rc)
		return rc;
	if (sysinfo(&si) || !have_swap() || !pf) {
		printf("paging: n/a (needs a swap device and NTEXEC_BENCH_PAGEFILE: "
		       "scripts/bench.sh --paging)\n");
		return 0;
	}
	n = 2 * (size_t)si.totalram * si.mem_unit / PAGE;
	if (n < (1ul << 30) / PAGE)
		n = (1ul << 30) / PAGE;
	if (quick)
		n /= 4;
	st = make_pagefile(pf, (uint64_t)(n + n / 2 + hf) * PAGE);
	if (st && st != STATUS_OBJECT_NAME_COLLISION) {
		failed("paging", "NtCreatePagingFile", st);
		return 1;
	}
	printf("# %zu MiB in %lu MiB of RAM; swap %lu MiB\n", n * PAGE / MIB,
	       (unsigned long)(si.totalram * si.mem_unit / MIB),
	       (unsigned long)(si.totalswap * si.mem_unit / MIB));

	/* Pressure: NT memory with a paging file. */
	base = NULL;
	size = n * PAGE;
	st = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
				     MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	if (st) {
		failed("paging", "NtAllocateVirtualMemory", st);
		return 1;
	}
	write_read(base, n, &nw, &nr, &bad_nt);
	size = 0;
	NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
	/* ... and anonymous memory with swap. */
	lin = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (lin == MAP_FAILED) {
		printf("paging: mmap failed: %s\n", strerror(errno));
		return 1;
	}
	madvise(lin, n * PAGE, MADV_NOHUGEPAGE);
	write_read(lin, n, &lw, &lr, &bad_lin);
	munmap(lin, n * PAGE);
	report("pressure_write_per_page", nw, lw);
	report("pressure_read_back_per_page", nr, lr);
	if (bad_nt || bad_lin) {
		printf("paging: bad pages read back: ntexec %zu, linux %zu\n", bad_nt, bad_lin);
		return 1;
	}

	/* Hard faults, in address order and at random. */
	order = malloc(hf * sizeof(*order));
	if (!order)
		return 1;
	for (size_t i = 0; i < hf; i++)
		order[i] = i;
	for (size_t i = hf - 1; i > 0; i--) {
		size_t j = mix(i) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	base = NULL;
	size = hf * PAGE;
	st = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
				     MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	if (st) {
		failed("paging", "NtAllocateVirtualMemory", st);
		return 1;
	}
	touch(base, hf * PAGE);
	if (nt_page_out())
		return 1;
	ns = touch_pages(base, hf, NULL);
	if (nt_page_out())
		return 1;
	nrand = touch_pages(base, hf, order);
	size = 0;
	NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);

	lin = mmap(NULL, hf * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lin == MAP_FAILED)
		return 1;
	madvise(lin, hf * PAGE, MADV_NOHUGEPAGE);
	touch(lin, hf * PAGE);
	if (madvise(lin, hf * PAGE, MADV_PAGEOUT)) {
		printf("paging: MADV_PAGEOUT: %s\n", strerror(errno));
		return 1;
	}
	ls = touch_pages(lin, hf, NULL);
	madvise(lin, hf * PAGE, MADV_PAGEOUT);
	lrand = touch_pages(lin, hf, order);
	munmap(lin, hf * PAGE);
	printf("# hard faults: %zu MiB paged out, then one byte per page\n", hf * PAGE / MIB);
	report("hard_fault_in_order_per_page", ns, ls);
	report("hard_fault_random_per_page", nrand, lrand);
	free(order);
	return 0;
}
