// SPDX-License-Identifier: GPL-2.0
/*
 * Memory-manager figures against native Linux, in the same run:
 *  (a) NtAllocateVirtualMemory(MEM_RESERVE | MEM_COMMIT, 64 KiB) + touch 16
 *      pages + NtFreeVirtualMemory(MEM_RELEASE) vs mmap + touch + munmap
 *  (b) demand-zero faults over 256 MiB, per fault, vs anonymous mmap (4 KiB
 *      pages: MADV_NOHUGEPAGE); then the same 256 MiB faulted by 1, 2 and 4
 *      threads at once, each its own quarter, half or whole (wall time per
 *      page: lower with more threads is scaling)
 *  (c) NtProtectVirtualMemory READWRITE -> READONLY -> READWRITE on 16 pages,
 *      with a write to each page after each READWRITE, vs mprotect
 *  (d) NtQueryVirtualMemory with 100 and with 100,000 reservations present
 *      vs the PROCMAP_QUERY ioctl (Linux 6.11+) with as many VMAs
 *  (e) NtGetWriteWatch(WRITE_WATCH_FLAG_RESET) over 256 MiB with 1% of the
 *      pages written, vs PAGEMAP_SCAN (PM_SCAN_WP_MATCHING |
 *      PM_SCAN_CHECK_WPASYNC) on a userfaultfd-WP-async region (Linux 6.7+)
 *      and vs mprotect + SIGSEGV tracking
 *  (f) reserve + commit + release of 64 KiB in a fork()ed child through a
 *      process handle vs the same in the current process
 *  (g) memory per committed and touched page beyond the page itself, from
 *      /proc/meminfo (MemFree, Slab) around 256 MiB, vs anonymous mmap
 * One line per figure: "name: ntexec X ns, linux Y ns, ratio Z" ((f) names
 * its two ntexec columns, (g) counts bytes). A failed Nt call prints its
 * NTSTATUS and the run goes on with the next figure. Prints figures; it is
 * not a test.
 *
 * Usage: bench_vm [-n SCALE] [-q] [-o FIGURES]
 *   -n SCALE    multiply the iteration counts by SCALE (default 1)
 *   -q          quick: a tenth of the iterations, 64 MiB instead of 256 MiB,
 *               10,000 reservations instead of 100,000
 *   -o FIGURES  only these figures, letters as above (e.g. -o ab); default all
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ntexec/nt.h>
#include "bench_util.h"

/* Kernel interfaces newer than the build host's headers; the kernel decides at run time. */
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY	1
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC	(1 << 15)
#endif
#ifndef PAGEMAP_SCAN
#define PAGEMAP_SCAN		_IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WRITTEN		(1 << 1)
#define PM_SCAN_WP_MATCHING	(1 << 0)
#define PM_SCAN_CHECK_WPASYNC	(1 << 1)
struct page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};
struct pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};
#endif
#ifndef PROCMAP_QUERY
#define PROCMAP_QUERY		_IOWR('f', 17, struct procmap_query)
struct procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};
#endif



static NTSTATUS nt_alloc(HANDLE h, char **base, SIZE_T size, ULONG type, ULONG prot)
{
	void *b = NULL;
	SIZE_T s = size;
	NTSTATUS st = NtAllocateVirtualMemory(h, &b, 0, &s, type, prot);

	*base = b;
	return st;
}

static NTSTATUS nt_release(HANDLE h, char *base)
{
	void *b = base;
	SIZE_T s = 0;

	return NtFreeVirtualMemory(h, &b, &s, MEM_RELEASE);
}

static NTSTATUS nt_protect(char *base, SIZE_T size, ULONG prot)
{
	void *b = base;
	SIZE_T s = size;
	ULONG old;

	return NtProtectVirtualMemory(NtCurrentProcess(), &b, &s, prot, &old);
}

static char *map_anon(size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

/* (a) ------------------------------------------------------------------- */

static void bench_alloc_touch_free(void)
{
	const char *name = "alloc_touch_free_64KiB";
	const SIZE_T size = 64 * 1024;
	unsigned long n = iters(2000), i;
	double t0, t_nt, t_lin;
	NTSTATUS s;
	char *p;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = nt_alloc(NtCurrentProcess(), &p, size, MEM_RESERVE | MEM_COMMIT,
			     PAGE_READWRITE);
		if (s) {
			failed(name, "NtAllocateVirtualMemory", s);
			return;
		}
		touch(p, size);
		s = nt_release(NtCurrentProcess(), p);
		if (s) {
			failed(name, "NtFreeVirtualMemory", s);
			return;
		}
	}
	t_nt = (now_ns() - t0) / n;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			report_na(name, t_nt, "mmap failed");
			return;
		}
		touch(p, size);
		munmap(p, size);
	}
	t_lin = (now_ns() - t0) / n;
	report(name, t_nt, t_lin);
}

/* (b) ------------------------------------------------------------------- */

static void bench_fault_rate(void)
{
	const SIZE_T size = (quick ? 64 : 256) * MIB;
	const unsigned long pages = size / PAGE, reps = quick ? 1 : 2 * scale;
	double best_nt = 0, best_lin = 0, t0, t;
	char name[64];
	unsigned long r;
	NTSTATUS s;
	char *p;

	snprintf(name, sizeof(name), "demand_zero_fault_%luMiB", (unsigned long)(size / MIB));
	for (r = 0; r < reps; r++) {
		s = nt_alloc(NtCurrentProcess(), &p, size, MEM_RESERVE | MEM_COMMIT,
			     PAGE_READWRITE);
		if (s) {
			failed(name, "NtAllocateVirtualMemory", s);
			return;
		}
		t0 = now_ns();
		touch(p, size);
		t = (now_ns() - t0) / pages;
		s = nt_release(NtCurrentProcess(), p);
		if (s) {
			failed(name, "NtFreeVirtualMemory", s);
			return;
		}
		if (!r || t < best_nt)
			best_nt = t;
	}
	for (r = 0; r < reps; r++) {
		p = map_anon(size, PROT_READ | PROT_WRITE);
		if (!p) {
			report_na(name, best_nt, "mmap failed");
			return;
		}
		t0 = now_ns();
		touch(p, size);
		t = (now_ns() - t0) / pages;
		munmap(p, size);
		if (!r || t < best_lin)
			best_lin = t;
	}
	report(name, best_nt, best_lin);
}

/* Faulting threads: each touches its own slice once all have started. */
struct fault_slice {
	pthread_t tid;
	char *p;
	size_t size;
	pthread_barrier_t *go;
};

static void *fault_thread(void *arg)
{
	struct fault_slice *f = arg;

	pthread_barrier_wait(f->go);
	touch(f->p, f->size);
	return NULL;
}

/* Wall time per page for @nthreads threads faulting all of @p's @size; -1 on failure. */
static double fault_threads(char *p, size_t size, int nthreads)
{
	struct fault_slice f[4];
	pthread_barrier_t go;
	double t0;
	int i;

	pthread_barrier_init(&go, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		f[i].p = p + size / nthreads * i;
		f[i].size = size / nthreads;
		f[i].go = &go;
		if (pthread_create(&f[i].tid, NULL, fault_thread, &f[i])) {
			/* The barrier cannot be left: nothing sensible remains. */
			fprintf(stderr, "bench_vm: pthread_create failed\n");
			exit(1);
		}
	}
	pthread_barrier_wait(&go);
	t0 = now_ns();
	for (i = 0; i < nthreads; i++)
		pthread_join(f[i].tid, NULL);
	t0 = (now_ns() - t0) / (size / PAGE);
	pthread_barrier_destroy(&go);
	return t0;
}

static void bench_fault_threads(void)
{
	const SIZE_T size = (quick ? 64 : 256) * MIB;
	const unsigned long reps = quick ? 1 : 2 * scale;
	static const int counts[] = { 1, 2, 4 };
	double best_nt, best_lin, t;
	unsigned long r;
	char name[64];
	unsigned int c;
	NTSTATUS s;
	char *p;

	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		snprintf(name, sizeof(name), "demand_zero_fault_%luMiB_threads_%d",
			 (unsigned long)(size / MIB), counts[c]);
		best_nt = best_lin = 0;
		for (r = 0; r < reps; r++) {
			s = nt_alloc(NtCurrentProcess(), &p, size, MEM_RESERVE | MEM_COMMIT,
				     PAGE_READWRITE);
			if (s) {
				failed(name, "NtAllocateVirtualMemory", s);
				return;
			}
			t = fault_threads(p, size, counts[c]);
			s = nt_release(NtCurrentProcess(), p);
			if (s) {
				failed(name, "NtFreeVirtualMemory", s);
				return;
			}
			if (!r || t < best_nt)
				best_nt = t;
		}
		for (r = 0; r < reps; r++) {
			p = map_anon(size, PROT_READ | PROT_WRITE);
			if (!p) {
				report_na(name, best_nt, "mmap failed");
				return;
			}
			t = fault_threads(p, size, counts[c]);
			munmap(p, size);
			if (!r || t < best_lin)
				best_lin = t;
		}
		report(name, best_nt, best_lin);
	}
}

/* (c) ------------------------------------------------------------------- */

static void bench_protect(void)
{
	const char *name = "protect_rw_ro_cycle_16_pages";
	const SIZE_T size = 16 * PAGE;
	unsigned long n = iters(2000), i;
	double t0, t_nt, t_lin;
	NTSTATUS s;
	char *p;

	s = nt_alloc(NtCurrentProcess(), &p, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	if (s) {
		failed(name, "NtAllocateVirtualMemory", s);
		return;
	}
	touch(p, size);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = nt_protect(p, size, PAGE_READONLY);
		if (!s)
			s = nt_protect(p, size, PAGE_READWRITE);
		if (s) {
			failed(name, "NtProtectVirtualMemory", s);
			nt_release(NtCurrentProcess(), p);
			return;
		}
		touch(p, size);
	}
	t_nt = (now_ns() - t0) / n;
	nt_release(NtCurrentProcess(), p);

	p = map_anon(size, PROT_READ | PROT_WRITE);
	if (!p) {
		report_na(name, t_nt, "mmap failed");
		return;
	}
	touch(p, size);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		mprotect(p, size, PROT_READ);
		mprotect(p, size, PROT_READ | PROT_WRITE);
		touch(p, size);
	}
	t_lin = (now_ns() - t0) / n;
	munmap(p, size);
	report(name, t_nt, t_lin);
}

/* (d) ------------------------------------------------------------------- */

/* ns per PROCMAP_QUERY with about @want VMAs present; 0 when unavailable (*@why says why). */
static double linux_query(unsigned long want, unsigned long queries, unsigned long *got,
			  const char **why)
{
	const size_t size = (want + 2) * PAGE;
	struct procmap_query q;
	unsigned long i, made = 0;
	double t0, t = 0;
	char *p;
	int fd;

	*got = 0;
	p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		*why = "mmap failed";
		return 0;
	}
	/* Every other page readable: about one VMA per page; stop at vm.max_map_count. */
	for (i = 1; i + 1 < want + 2 && made < want; i += 2) {
		if (mprotect(p + i * PAGE, PAGE, PROT_READ))
			break;
		made += 2;
	}
	*got = made;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = "no /proc/self/maps";
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_addr = (uint64_t)(uintptr_t)(p + (made / 2 | 1) * PAGE);
	if (ioctl(fd, PROCMAP_QUERY, &q)) {
		*why = "PROCMAP_QUERY unavailable (Linux 6.11+)";
		close(fd);
		goto out;
	}
	t0 = now_ns();
	for (i = 0; i < queries; i++) {
		q.size = sizeof(q);
		q.query_flags = 0;
		ioctl(fd, PROCMAP_QUERY, &q);
	}
	t = (now_ns() - t0) / queries;
	close(fd);
out:
	munmap(p, size);
	return t;
}

static void bench_query(unsigned long want)
{
	unsigned long queries = iters(20000), made = 0, i, got;
	MEMORY_BASIC_INFORMATION mbi;
	const char *why = "";
	char name[64], **bases;
	double t0, t_nt = 0, t_lin;
	NTSTATUS s = STATUS_SUCCESS;

	snprintf(name, sizeof(name), "query_%lu_reservations", want);
	bases = calloc(want, sizeof(*bases));
	if (!bases) {
		printf("%s: out of memory\n", name);
		return;
	}
	for (made = 0; made < want; made++) {
		s = nt_alloc(NtCurrentProcess(), &bases[made], 64 * 1024, MEM_RESERVE,
			     PAGE_NOACCESS);
		if (s)
			break;
	}
	if (!made) {
		failed(name, "NtAllocateVirtualMemory", s);
		free(bases);
		return;
	}
	if (made < want)
		printf("# %s: only %lu reservations (%s)\n", name, made, NtxStatusName(s));

	s = NtQueryVirtualMemory(NtCurrentProcess(), bases[made / 2], MemoryBasicInformation,
				 &mbi, sizeof(mbi), NULL);
	if (s) {
		failed(name, "NtQueryVirtualMemory", s);
		goto out;
	}
	t0 = now_ns();
	for (i = 0; i < queries; i++)
		NtQueryVirtualMemory(NtCurrentProcess(), bases[made / 2], MemoryBasicInformation,
				     &mbi, sizeof(mbi), NULL);
	t_nt = (now_ns() - t0) / queries;
out:
	for (i = 0; i < made; i++)
		nt_release(NtCurrentProcess(), bases[i]);
	free(bases);
	if (s)
		return;

	/* The reservations are gone: the VMAs are Linux's alone now. */
	t_lin = linux_query(made, queries, &got, &why);
	if (!t_lin) {
		report_na(name, t_nt, why);
		return;
	}
	if (got < made)
		printf("# %s: linux figure with %lu VMAs\n", name, got);
	report(name, t_nt, t_lin);
}

/* (e) ------------------------------------------------------------------- */

/* The pages written each cycle: one in every hundred, at a pseudo-random place. */
static unsigned long *written_pages(unsigned long pages, unsigned long *count)
{
	unsigned long n = pages / 100, i, *w = malloc((n ? n : 1) * sizeof(*w));
	uint64_t x = 0x9E3779B97F4A7C15ull;

	for (i = 0; w && i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[i] = i * 100 + x % 100;
	}
	*count = n;
	return w;
}

static void write_pages(char *base, const unsigned long *w, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		((volatile char *)base)[w[i] * PAGE + 8] = (char)i;
}

struct ww_result {
	double cycle;	/* ns per cycle: the writes and the get-and-reset */
	double scan;	/* ns per get-and-reset alone */
};

static int ww_ntexec(const char *name, SIZE_T size, const unsigned long *w, unsigned long nw,
		     unsigned long cycles, struct ww_result *res)
{
	const unsigned long pages = size / PAGE;
	double t0, t1, scan = 0;
	void **addrs = malloc(pages * sizeof(*addrs));
	ULONG_PTR count;
	unsigned long c;
	ULONG gran;
	NTSTATUS s;
	char *p;

	if (!addrs)
		return -1;
	s = nt_alloc(NtCurrentProcess(), &p, size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
		     PAGE_READWRITE);
	if (s) {
		failed(name, "NtAllocateVirtualMemory(MEM_WRITE_WATCH)", s);
		free(addrs);
		return -1;
	}
	touch(p, size);
	s = NtResetWriteWatch(NtCurrentProcess(), p, size);
	if (s) {
		failed(name, "NtResetWriteWatch", s);
		goto fail;
	}
	t0 = now_ns();
	for (c = 0; c < cycles; c++) {
		write_pages(p, w, nw);
		t1 = now_ns();
		count = pages;
		s = NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, p, size, addrs,
				    &count, &gran);
		scan += now_ns() - t1;
		if (s) {
			failed(name, "NtGetWriteWatch", s);
			goto fail;
		}
		if (count != nw)
			printf("# %s: NtGetWriteWatch reported %lu pages, %lu were written\n",
			       name, (unsigned long)count, nw);
	}
	res->cycle = (now_ns() - t0) / cycles;
	res->scan = scan / cycles;
	nt_release(NtCurrentProcess(), p);
	free(addrs);
	return 0;
fail:
	nt_release(NtCurrentProcess(), p);
	free(addrs);
	return -1;
}

/* Pages reported written (and write-protected again) by one full PAGEMAP_SCAN. */
static long pm_scan(int fd, char *p, size_t size, struct page_region *vec, unsigned long vlen)
{
	struct pm_scan_arg a;
	uint64_t start = (uint64_t)(uintptr_t)p, end = start + size;
	long pages = 0;
	int i, n;

	while (start < end) {
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
		a.start = start;
		a.end = end;
		a.vec = (uint64_t)(uintptr_t)vec;
		a.vec_len = vlen;
		a.category_mask = PAGE_IS_WRITTEN;
		a.return_mask = PAGE_IS_WRITTEN;
		n = ioctl(fd, PAGEMAP_SCAN, &a);
		if (n < 0)
			return -1;
		for (i = 0; i < n; i++)
			pages += (vec[i].end - vec[i].start) / PAGE;
		if (a.walk_end <= start)
			return -1;
		start = a.walk_end;
	}
	return pages;
}

static const char *ww_pagemap(size_t size, const unsigned long *w, unsigned long nw,
			      unsigned long cycles, struct ww_result *res)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC };
	struct uffdio_register reg;
	const char *why = NULL;
	unsigned long vlen = nw + 64, c;
	struct page_region *vec = calloc(vlen, sizeof(*vec));
	double t0, t1, scan = 0;
	int uffd, fd = -1;
	long got;
	char *p;

	if (!vec)
		return "out of memory";
	p = map_anon(size, PROT_READ | PROT_WRITE);
	if (!p) {
		free(vec);
		return "mmap failed";
	}
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (uffd < 0) {
		why = "userfaultfd unavailable";
		goto out;
	}
	if (ioctl(uffd, UFFDIO_API, &api)) {
		why = "UFFD_FEATURE_WP_ASYNC unavailable (Linux 6.7+)";
		goto out;
	}
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uint64_t)(uintptr_t)p;
	reg.range.len = size;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		why = "UFFDIO_REGISTER_MODE_WP failed";
		goto out;
	}
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		why = "no /proc/self/pagemap";
		goto out;
	}
	touch(p, size);
	if (pm_scan(fd, p, size, vec, vlen) < 0) {
		why = "PAGEMAP_SCAN unavailable (Linux 6.7+)";
		goto out;
	}
	t0 = now_ns();
	for (c = 0; c < cycles; c++) {
		write_pages(p, w, nw);
		t1 = now_ns();
		got = pm_scan(fd, p, size, vec, vlen);
		scan += now_ns() - t1;
		if (got < 0) {
			why = "PAGEMAP_SCAN failed";
			goto out;
		}
		if ((unsigned long)got != nw)
			printf("# PAGEMAP_SCAN reported %ld pages, %lu were written\n", got, nw);
	}
	res->cycle = (now_ns() - t0) / cycles;
	res->scan = scan / cycles;
out:
	if (fd >= 0)
		close(fd);
	if (uffd >= 0)
		close(uffd);
	munmap(p, size);
	free(vec);
	return why;
}

/* mprotect + SIGSEGV: the handler records the page and makes it writable. */
static char *mp_base;
static size_t mp_size;
static unsigned long *mp_hits, mp_maxhits;
static volatile unsigned long mp_nhits;

static void mp_fault(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr & ~(PAGE - 1);

	(void)uc;
	if (a < (uintptr_t)mp_base || a >= (uintptr_t)mp_base + mp_size ||
	    mp_nhits >= mp_maxhits) {
		signal(sig, SIG_DFL);
		return;
	}
	mp_hits[mp_nhits++] = a;
	mprotect((void *)a, PAGE, PROT_READ | PROT_WRITE);
}

static const char *ww_mprotect(size_t size, const unsigned long *w, unsigned long nw,
			       unsigned long cycles, struct ww_result *res)
{
	struct sigaction sa, old;
	double t0, t1, scan = 0;
	unsigned long c;

	mp_maxhits = nw + 16;
	mp_hits = malloc(mp_maxhits * sizeof(*mp_hits));
	mp_base = map_anon(size, PROT_READ | PROT_WRITE);
	if (!mp_hits || !mp_base) {
		free(mp_hits);
		if (mp_base)
			munmap(mp_base, size);
		return "out of memory";
	}
	mp_size = size;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = mp_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old);
	touch(mp_base, size);
	mprotect(mp_base, size, PROT_READ);
	t0 = now_ns();
	for (c = 0; c < cycles; c++) {
		mp_nhits = 0;
		write_pages(mp_base, w, nw);
		/* "Get and reset": take the list, write-protect everything again. */
		t1 = now_ns();
		if (mp_nhits != nw)
			printf("# mprotect tracking saw %lu pages, %lu were written\n", mp_nhits, nw);
		mprotect(mp_base, size, PROT_READ);
		scan += now_ns() - t1;
	}
	res->cycle = (now_ns() - t0) / cycles;
	res->scan = scan / cycles;
	sigaction(SIGSEGV, &old, NULL);
	munmap(mp_base, size);
	free(mp_hits);
	return NULL;
}

static void bench_write_watch(void)
{
	const SIZE_T size = (quick ? 64 : 256) * MIB;
	unsigned long nw, cycles = iters(20);
	struct ww_result nt, pm, mp;
	unsigned long *w = written_pages(size / PAGE, &nw);
	char name[96];
	const char *why;

	if (!w) {
		printf("write_watch: out of memory\n");
		return;
	}
	if (ww_ntexec("write_watch", size, w, nw, cycles, &nt)) {
		free(w);
		return;
	}
	snprintf(name, sizeof(name), "write_watch_%luMiB_1pct_cycle_vs_pagemap_scan",
		 (unsigned long)(size / MIB));
	why = ww_pagemap(size, w, nw, cycles, &pm);
	if (why) {
		report_na(name, nt.cycle, why);
	} else {
		report(name, nt.cycle, pm.cycle);
		snprintf(name, sizeof(name), "write_watch_%luMiB_1pct_scan_only_vs_pagemap_scan",
			 (unsigned long)(size / MIB));
		report(name, nt.scan, pm.scan);
	}
	snprintf(name, sizeof(name), "write_watch_%luMiB_1pct_cycle_vs_mprotect_sigsegv",
		 (unsigned long)(size / MIB));
	why = ww_mprotect(size, w, nw, cycles, &mp);
	if (why)
		report_na(name, nt.cycle, why);
	else
		report(name, nt.cycle, mp.cycle);
	free(w);
}

/* (f) ------------------------------------------------------------------- */

static void bench_remote_alloc(void)
{
	const char *name = "remote_alloc_release_64KiB";
	unsigned long n = iters(2000), i;
	double t0, t_remote, t_local;
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid;
	HANDLE h = NULL;
	int go[2], ready[2];
	NTSTATUS s;
	pid_t pid;
	char c, *p;

	if (pipe(go) || pipe(ready)) {
		printf("%s: pipe failed\n", name);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s: fork failed\n", name);
		return;
	}
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		c = NtxInitialize() == STATUS_SUCCESS ? 'r' : 'x';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1 || c != 'r') {
		printf("%s: the child could not open the device\n", name);
		goto out;
	}
	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	cid.UniqueProcess = (HANDLE)(uintptr_t)pid;
	cid.UniqueThread = NULL;
	s = NtOpenProcess(&h, PROCESS_VM_OPERATION, &oa, &cid);
	if (s) {
		failed(name, "NtOpenProcess", s);
		h = NULL;
		goto out;
	}

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = nt_alloc(h, &p, 64 * 1024, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
		if (!s)
			s = nt_release(h, p);
		if (s) {
			failed(name, "remote NtAllocate/FreeVirtualMemory", s);
			goto out;
		}
	}
	t_remote = (now_ns() - t0) / n;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = nt_alloc(NtCurrentProcess(), &p, 64 * 1024, MEM_RESERVE | MEM_COMMIT,
			     PAGE_READWRITE);
		if (!s)
			s = nt_release(NtCurrentProcess(), p);
		if (s) {
			failed(name, "local NtAllocate/FreeVirtualMemory", s);
			goto out;
		}
	}
	t_local = (now_ns() - t0) / n;
	printf("%s: ntexec remote %.0f ns, ntexec local %.0f ns, ratio %.2f\n", name, t_remote,
	       t_local, t_remote / t_local);
out:
	if (h)
		NtClose(h);
	close(go[1]);
	close(ready[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* (g) ------------------------------------------------------------------- */

static long long meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

struct mem_cost {
	double total;	/* bytes per page beyond the page itself (MemFree) */
	double slab;	/* bytes per page of Slab growth */
};

static void mem_delta(long long f0, long long s0, size_t size, struct mem_cost *c)
{
	long long f1 = meminfo_kb("MemFree"), s1 = meminfo_kb("Slab");
	double pages = (double)(size / PAGE);

	c->total = ((double)(f0 - f1) * 1024 - (double)size) / pages;
	c->slab = (double)(s1 - s0) * 1024 / pages;
}

static void bench_memory_per_page(void)
{
	const SIZE_T size = (quick ? 64 : 256) * MIB;
	struct mem_cost nt, lin;
	long long f0, s0;
	char name[64];
	NTSTATUS s;
	char *p;

	snprintf(name, sizeof(name), "memory_per_page_%luMiB", (unsigned long)(size / MIB));
	if (meminfo_kb("MemFree") < 0 || meminfo_kb("Slab") < 0) {
		printf("%s: /proc/meminfo unreadable\n", name);
		return;
	}
	f0 = meminfo_kb("MemFree");
	s0 = meminfo_kb("Slab");
	s = nt_alloc(NtCurrentProcess(), &p, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	if (s) {
		failed(name, "NtAllocateVirtualMemory", s);
		return;
	}
	touch(p, size);
	mem_delta(f0, s0, size, &nt);
	nt_release(NtCurrentProcess(), p);

	f0 = meminfo_kb("MemFree");
	s0 = meminfo_kb("Slab");
	p = map_anon(size, PROT_READ | PROT_WRITE);
	if (!p) {
		printf("%s: ntexec %.0f bytes, linux n/a (mmap failed), ratio n/a\n", name,
		       nt.total);
		return;
	}
	touch(p, size);
	mem_delta(f0, s0, size, &lin);
	munmap(p, size);

	/* Rough: MemFree moves with everything else the system does meanwhile. */
	printf("%s: ntexec %.1f bytes, linux %.1f bytes, ratio ", name, nt.total, lin.total);
	if (lin.total >= 0.5)
		printf("%.2f\n", nt.total / lin.total);
	else
		printf("n/a\n");
	printf("slab_per_page_%luMiB: ntexec %.1f bytes, linux %.1f bytes, ratio ",
	       (unsigned long)(size / MIB), nt.slab, lin.slab);
	if (lin.slab >= 0.5)
		printf("%.2f\n", nt.slab / lin.slab);
	else
		printf("n/a\n");
}

int main(int argc, char **argv)
{
	const char *only = "abcdefg";
	int opt;

	while ((opt = getopt(argc, argv, "n:qo:")) != -1) {
		switch (opt) {
		case 'n':
			scale = strtoul(optarg, NULL, 0);
			if (!scale)
				scale = 1;
			break;
		case 'q':
			quick = 1;
			break;
		case 'o':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n SCALE] [-q] [-o FIGURES]\n", argv[0]);
			return 2;
		}
	}
	if (!NT_SUCCESS(NtxInitialize())) {
		fprintf(stderr, "bench_vm: /dev/ntexec is not available\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("memory manager, scale %lu%s (ns per operation unless stated)\n", scale,
	       quick ? ", quick" : "");
	if (strchr(only, 'a'))
		bench_alloc_touch_free();
	if (strchr(only, 'b')) {
		bench_fault_rate();
		bench_fault_threads();
	}
	if (strchr(only, 'c'))
		bench_protect();
	if (strchr(only, 'd')) {
		bench_query(100);
		bench_query(quick ? 10000 : 100000);
	}
	if (strchr(only, 'e'))
		bench_write_watch();
	if (strchr(only, 'f'))
		bench_remote_alloc();
	if (strchr(only, 'g'))
		bench_memory_per_page();
	return 0;
}
