// SPDX-License-Identifier: GPL-2.0
/*
 * Section figures (pagefile-backed sections: NtCreateSection with no file)
 * against native Linux shared memory (memfd_create + mmap(MAP_SHARED)), in
 * the same run:
 *  (a) NtMapViewOfSection(ViewShare) of a 64 KiB SEC_COMMIT section + touch
 *      16 pages + NtUnmapViewOfSection vs mmap(MAP_SHARED) of a 64 KiB
 *      memfd + touch + munmap; the pages exist after the first round, so
 *      this is the map/unmap path and 16 minor faults. Then the same with
 *      the section (memfd) created and closed every time.
 *  (b) first-touch fault per page over a 64 MiB SEC_COMMIT view vs a 64 MiB
 *      MAP_SHARED memfd (4 KiB pages: MADV_NOHUGEPAGE); then the fault of a
 *      page that is resident already, through a new view (mapping)
 *  (c) NtMapViewOfSection + NtUnmapViewOfSection of a 64 KiB view into a
 *      fork()ed child through a process handle vs into this process
 *  (d) memory per touched section page beyond the page itself, and per
 *      untouched 64 KiB section object, from free memory (free_kb()) and Slab
 *      vs a memfd
 *  (e) 8 processes each mapping one shared 64 MiB section and writing all
 *      of it vs 8 processes with a MAP_SHARED memfd: free memory drop, the
 *      module's resident_pages, and the processes' summed Rss and Pss from
 *      /proc/PID/smaps_rollup
 * One line per figure: "name: ntexec X ns, linux Y ns, ratio Z" ((c) names
 * its two ntexec columns, (d) and (e) count bytes or KiB). A failed Nt call
 * prints its NTSTATUS and the run goes on with the next figure. Prints
 * figures; it is not a test. The memory figures read system-wide counters:
 * anything else running moves them.
 *
 * Usage: bench_section [-n SCALE] [-q]
 *   -n SCALE  multiply the iteration counts by SCALE (default 1)
 *   -q        quick: a tenth of the iterations, 16 MiB instead of 64 MiB
 *             in (b) and (e), 64 MiB instead of 256 MiB in (d)
 *
 * Free memory counts the per-CPU free lists (free_kb()), read once it has settled.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ntexec/nt.h>
#include "bench_util.h"

#define KIB64		(64 * 1024UL)
#define NPROC		8

static NTSTATUS nt_section(HANDLE *h, OBJECT_ATTRIBUTES *oa, SIZE_T size, ULONG attributes)
{
	LARGE_INTEGER max = { .QuadPart = (LONGLONG)size };

	*h = NULL;
	return NtCreateSection(h, SECTION_ALL_ACCESS, oa, &max, PAGE_READWRITE, attributes, NULL);
}

/* The whole section, anywhere, read-write. */
static NTSTATUS nt_map(HANDLE section, HANDLE process, char **base)
{
	PVOID b = NULL;
	SIZE_T size = 0;
	NTSTATUS s = NtMapViewOfSection(section, process, &b, 0, 0, NULL, &size, ViewShare, 0,
					PAGE_READWRITE);

	*base = b;
	return s;
}

static int memfd(size_t size)
{
	int fd = memfd_create("bench_section", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, size)) {
		close(fd);
		return -1;
	}
	return fd;
}

static char *map_shared(int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, size, MADV_NOHUGEPAGE);
	return p;
}

/* (a) ------------------------------------------------------------------- */

/* Minor faults of this process so far. */
static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void bench_map_touch_unmap(void)
{
	const char *name = "map_touch_unmap_64KiB";
	unsigned long n = iters(2000), i;
	double t0, t1, t2, t_nt, t_lin, nt_split[3] = { 0 }, lin_split[3] = { 0 };
	long f0, nt_faults = 0, lin_faults = 0;
	HANDLE h;
	NTSTATUS s;
	char *p;
	int fd;

	s = nt_section(&h, NULL, KIB64, SEC_COMMIT);
	if (s) {
		failed(name, "NtCreateSection", s);
		return;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = nt_map(h, NtCurrentProcess(), &p);
		if (s) {
			failed(name, "NtMapViewOfSection", s);
			NtClose(h);
			return;
		}
		touch(p, KIB64);
		s = NtUnmapViewOfSection(NtCurrentProcess(), p);
		if (s) {
			failed(name, "NtUnmapViewOfSection", s);
			NtClose(h);
			return;
		}
	}
	t_nt = (now_ns() - t0) / n;
	/* The same again, each step timed on its own. */
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		s = nt_map(h, NtCurrentProcess(), &p);
		t1 = now_ns();
		if (s)
			break;
		f0 = minflt();
		touch(p, KIB64);
		t2 = now_ns();
		nt_faults += minflt() - f0;
		NtUnmapViewOfSection(NtCurrentProcess(), p);
		nt_split[0] += t1 - t0;
		nt_split[1] += t2 - t1;
		nt_split[2] += now_ns() - t2;
	}
	NtClose(h);

	fd = memfd(KIB64);
	if (fd < 0) {
		report_na(name, t_nt, "memfd_create failed");
		return;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		p = map_shared(fd, KIB64);
		if (!p) {
			report_na(name, t_nt, "mmap failed");
			close(fd);
			return;
		}
		touch(p, KIB64);
		munmap(p, KIB64);
	}
	t_lin = (now_ns() - t0) / n;
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		p = map_shared(fd, KIB64);
		t1 = now_ns();
		if (!p)
			break;
		f0 = minflt();
		touch(p, KIB64);
		t2 = now_ns();
		lin_faults += minflt() - f0;
		munmap(p, KIB64);
		lin_split[0] += t1 - t0;
		lin_split[1] += t2 - t1;
		lin_split[2] += now_ns() - t2;
	}
	close(fd);
	report(name, t_nt, t_lin);
	printf("# %s split, map / touch 16 pages / unmap: ntexec %.0f / %.0f / %.0f ns, "
	       "linux %.0f / %.0f / %.0f ns\n", name, nt_split[0] / n, nt_split[1] / n,
	       nt_split[2] / n, lin_split[0] / n, lin_split[1] / n, lin_split[2] / n);
	printf("# %s faults per 16-page touch: ntexec %.1f, linux %.1f\n", name,
	       (double)nt_faults / n, (double)lin_faults / n);
}

static void bench_create_map_touch_close(void)
{
	const char *name = "create_map_touch_unmap_close_64KiB";
	unsigned long n = iters(2000), i;
	double t0, t_nt, t_lin;
	HANDLE h;
	NTSTATUS s;
	char *p;
	int fd;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = nt_section(&h, NULL, KIB64, SEC_COMMIT);
		if (s) {
			failed(name, "NtCreateSection", s);
			return;
		}
		s = nt_map(h, NtCurrentProcess(), &p);
		if (s) {
			failed(name, "NtMapViewOfSection", s);
			NtClose(h);
			return;
		}
		touch(p, KIB64);
		s = NtUnmapViewOfSection(NtCurrentProcess(), p);
		NtClose(h);
		if (s) {
			failed(name, "NtUnmapViewOfSection", s);
			return;
		}
	}
	t_nt = (now_ns() - t0) / n;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		fd = memfd(KIB64);
		p = fd < 0 ? NULL : map_shared(fd, KIB64);
		if (!p) {
			report_na(name, t_nt, "memfd_create or mmap failed");
			if (fd >= 0)
				close(fd);
			return;
		}
		touch(p, KIB64);
		munmap(p, KIB64);
		close(fd);
	}
	t_lin = (now_ns() - t0) / n;
	report(name, t_nt, t_lin);
}

/* (b) ------------------------------------------------------------------- */

struct fault_times {
	double first;	/* ns per page, first touch: the page is made */
	double again;	/* ns per page, a new view of resident pages */
	double faults_first, faults_again;	/* minor faults per page */
};

static int fault_ntexec(const char *name, SIZE_T size, struct fault_times *t)
{
	const unsigned long pages = size / PAGE;
	double t0;
	long f0;
	HANDLE h;
	NTSTATUS s;
	char *p;

	s = nt_section(&h, NULL, size, SEC_COMMIT);
	if (s) {
		failed(name, "NtCreateSection", s);
		return -1;
	}
	s = nt_map(h, NtCurrentProcess(), &p);
	if (s) {
		failed(name, "NtMapViewOfSection", s);
		goto fail;
	}
	f0 = minflt();
	t0 = now_ns();
	touch(p, size);
	t->first = (now_ns() - t0) / pages;
	t->faults_first = (double)(minflt() - f0) / pages;
	NtUnmapViewOfSection(NtCurrentProcess(), p);
	s = nt_map(h, NtCurrentProcess(), &p);
	if (s) {
		failed(name, "NtMapViewOfSection (again)", s);
		goto fail;
	}
	f0 = minflt();
	t0 = now_ns();
	touch(p, size);
	t->again = (now_ns() - t0) / pages;
	t->faults_again = (double)(minflt() - f0) / pages;
	NtUnmapViewOfSection(NtCurrentProcess(), p);
	NtClose(h);
	return 0;
fail:
	NtClose(h);
	return -1;
}

static const char *fault_linux(size_t size, struct fault_times *t)
{
	const unsigned long pages = size / PAGE;
	double t0;
	long f0;
	char *p;
	int fd = memfd(size);

	if (fd < 0)
		return "memfd_create failed";
	p = map_shared(fd, size);
	if (!p) {
		close(fd);
		return "mmap failed";
	}
	f0 = minflt();
	t0 = now_ns();
	touch(p, size);
	t->first = (now_ns() - t0) / pages;
	t->faults_first = (double)(minflt() - f0) / pages;
	munmap(p, size);
	p = map_shared(fd, size);
	if (!p) {
		close(fd);
		return "mmap failed";
	}
	f0 = minflt();
	t0 = now_ns();
	touch(p, size);
	t->again = (now_ns() - t0) / pages;
	t->faults_again = (double)(minflt() - f0) / pages;
	munmap(p, size);
	close(fd);
	return NULL;
}

static void bench_fault_rate(void)
{
	const SIZE_T size = (quick ? 16 : 64) * MIB;
	const unsigned long reps = quick ? 1 : 2 * scale;
	struct fault_times nt = { 0 }, lin = { 0 }, t;
	char name[64], name2[64];
	const char *why = NULL;
	unsigned long r;

	snprintf(name, sizeof(name), "view_first_touch_fault_%luMiB",
		 (unsigned long)(size / MIB));
	snprintf(name2, sizeof(name2), "view_resident_page_fault_%luMiB",
		 (unsigned long)(size / MIB));
	/* Best of @reps each. */
	for (r = 0; r < reps; r++) {
		if (fault_ntexec(name, size, &t))
			return;
		nt.faults_first = t.faults_first;
		nt.faults_again = t.faults_again;
		if (!r || t.first < nt.first)
			nt.first = t.first;
		if (!r || t.again < nt.again)
			nt.again = t.again;
	}
	for (r = 0; r < reps && !why; r++) {
		why = fault_linux(size, &t);
		if (why)
			break;
		lin.faults_first = t.faults_first;
		lin.faults_again = t.faults_again;
		if (!r || t.first < lin.first)
			lin.first = t.first;
		if (!r || t.again < lin.again)
			lin.again = t.again;
	}
	if (why) {
		report_na(name, nt.first, why);
		report_na(name2, nt.again, why);
		return;
	}
	report(name, nt.first, lin.first);
	report(name2, nt.again, lin.again);
	printf("# minor faults per page, first touch / resident: ntexec %.3f / %.3f, "
	       "linux %.3f / %.3f\n", nt.faults_first, nt.faults_again, lin.faults_first,
	       lin.faults_again);
}

/* (c) ------------------------------------------------------------------- */

static void bench_remote_map(void)
{
	const char *name = "remote_map_unmap_64KiB";
	unsigned long n = iters(2000), i;
	double t0, t_remote, t_local;
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid;
	HANDLE h = NULL, sec = NULL;
	int go[2], ready[2];
	NTSTATUS s;
	pid_t pid;
	char c, *p;

	s = nt_section(&sec, NULL, KIB64, SEC_COMMIT);
	if (s) {
		failed(name, "NtCreateSection", s);
		return;
	}
	if (pipe(go) || pipe(ready)) {
		printf("%s: pipe failed\n", name);
		NtClose(sec);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s: fork failed\n", name);
		NtClose(sec);
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
	s = NtOpenProcess(&h, PROCESS_VM_OPERATION | PROCESS_QUERY_INFORMATION, &oa, &cid);
	if (s) {
		failed(name, "NtOpenProcess", s);
		h = NULL;
		goto out;
	}

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = nt_map(sec, h, &p);
		if (!s)
			s = NtUnmapViewOfSection(h, p);
		if (s) {
			failed(name, "remote NtMap/UnmapViewOfSection", s);
			goto out;
		}
	}
	t_remote = (now_ns() - t0) / n;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = nt_map(sec, NtCurrentProcess(), &p);
		if (!s)
			s = NtUnmapViewOfSection(NtCurrentProcess(), p);
		if (s) {
			failed(name, "local NtMap/UnmapViewOfSection", s);
			goto out;
		}
	}
	t_local = (now_ns() - t0) / n;
	printf("%s: ntexec remote %.0f ns, ntexec local %.0f ns, ratio %.2f\n", name, t_remote,
	       t_local, t_remote / t_local);
out:
	if (h)
		NtClose(h);
	NtClose(sec);
	close(go[1]);
	close(ready[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* (d) ------------------------------------------------------------------- */

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

/* A counter of the module's (/sys/module/ntexec/parameters), or -1. */
static long module_param(const char *name)
{
	char path[128], buf[64];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/ntexec/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Free memory in KiB, the pages on the per-CPU free lists included: MemFree
 * leaves those out, and they grow and shrink by megabytes around the large
 * allocations and frees here (Linux 6.7+ tunes their size at run time).
 * From /proc/zoneinfo: each zone's "pages free" plus each CPU's "count:".
 */
static long long free_kb(void)
{
	char line[256], *p;
	long long pages = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return meminfo_kb("MemFree");
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (!strncmp(p, "pages free", 10))
			pages += strtoll(p + 10, NULL, 10);
		else if (!strncmp(p, "count:", 6))
			pages += strtoll(p + 6, NULL, 10);
	}
	fclose(f);
	return pages * (long long)(PAGE / 1024);
}

/*
 * free_kb() once it has stopped moving (two readings 50 ms apart within
 * 64 KiB, for at most 2 s): frees deferred from the step before would
 * otherwise land in the next step's figure.
 */
static long long free_settled(void)
{
	long long a = free_kb(), b;
	int i;

	for (i = 0; i < 40; i++) {
		usleep(50000);
		b = free_kb();
		if (b - a < 64 && a - b < 64)
			return b;
		a = b;
	}
	return a;
}

/* Wait (up to 10 s) until the module's resident_pages is back at @want or below. */
static void resident_settle(long want)
{
	int i;

	for (i = 0; want >= 0 && i < 200; i++) {
		if (module_param("resident_pages") <= want)
			return;
		usleep(50000);
	}
}

struct mem_cost {
	double total;	/* bytes per unit beyond the pages themselves (free_kb()) */
	double slab;	/* bytes per unit of Slab growth */
};

static void mem_delta(long long f0, long long s0, size_t data, double units, struct mem_cost *c)
{
	long long f1 = free_settled(), s1 = meminfo_kb("Slab");

	c->total = ((double)(f0 - f1) * 1024 - (double)data) / units;
	c->slab = (double)(s1 - s0) * 1024 / units;
}

static void print_cost(const char *name, const char *what, double nt, double lin)
{
	printf("%s: ntexec %.1f bytes, linux %.1f bytes, ratio ", name, nt, lin);
	if (lin >= 0.5)
		printf("%.2f", nt / lin);
	else
		printf("n/a");
	printf(" (%s)\n", what);
}

static void bench_memory_per_page(void)
{
	const SIZE_T size = (quick ? 64 : 256) * MIB;
	const double pages = (double)(size / PAGE);
	struct mem_cost nt, lin;
	long long f0, s0;
	char name[64];
	long r0;
	HANDLE h;
	NTSTATUS s;
	char *p;
	int fd;

	snprintf(name, sizeof(name), "section_memory_per_page_%luMiB",
		 (unsigned long)(size / MIB));
	if (meminfo_kb("MemFree") < 0 || meminfo_kb("Slab") < 0) {
		printf("%s: /proc/meminfo unreadable\n", name);
		return;
	}
	/* The section and its view exist before the first reading: only the pages count. */
	r0 = module_param("resident_pages");
	s = nt_section(&h, NULL, size, SEC_COMMIT);
	if (s) {
		failed(name, "NtCreateSection", s);
		return;
	}
	s = nt_map(h, NtCurrentProcess(), &p);
	if (s) {
		failed(name, "NtMapViewOfSection", s);
		NtClose(h);
		return;
	}
	f0 = free_settled();
	s0 = meminfo_kb("Slab");
	touch(p, size);
	mem_delta(f0, s0, size, pages, &nt);
	NtUnmapViewOfSection(NtCurrentProcess(), p);
	NtClose(h);
	resident_settle(r0);

	fd = memfd(size);
	p = fd < 0 ? NULL : map_shared(fd, size);
	if (!p) {
		printf("%s: ntexec %.1f bytes, linux n/a (memfd or mmap failed), ratio n/a\n",
		       name, nt.total);
		if (fd >= 0)
			close(fd);
		return;
	}
	f0 = free_settled();
	s0 = meminfo_kb("Slab");
	touch(p, size);
	mem_delta(f0, s0, size, pages, &lin);
	munmap(p, size);
	close(fd);

	/* Rough: free memory moves with everything else the system does meanwhile. */
	print_cost(name, "free memory drop per page beyond 4096", nt.total, lin.total);
	snprintf(name, sizeof(name), "section_slab_per_page_%luMiB", (unsigned long)(size / MIB));
	print_cost(name, "Slab growth per page", nt.slab, lin.slab);
}

static void bench_memory_per_section(void)
{
	const char *name = "memory_per_64KiB_section_untouched";
	const unsigned long n = 1000;
	struct mem_cost nt, lin;
	long long f0, s0;
	unsigned long i, made;
	HANDLE *hs;
	int *fds;
	NTSTATUS s = STATUS_SUCCESS;

	hs = calloc(n, sizeof(*hs));
	fds = calloc(n, sizeof(*fds));
	if (!hs || !fds) {
		printf("%s: out of memory\n", name);
		free(hs);
		free(fds);
		return;
	}
	f0 = free_settled();
	s0 = meminfo_kb("Slab");
	for (made = 0; made < n; made++) {
		s = nt_section(&hs[made], NULL, KIB64, SEC_COMMIT);
		if (s)
			break;
	}
	mem_delta(f0, s0, 0, (double)made, &nt);
	for (i = 0; i < made; i++)
		NtClose(hs[i]);
	if (made < n) {
		failed(name, "NtCreateSection", s);
		goto out;
	}

	f0 = free_settled();
	s0 = meminfo_kb("Slab");
	for (made = 0; made < n; made++) {
		fds[made] = memfd(KIB64);
		if (fds[made] < 0)
			break;
	}
	mem_delta(f0, s0, 0, (double)made, &lin);
	for (i = 0; i < made; i++)
		close(fds[i]);
	if (made < n) {
		printf("%s: %lu memfds only\n", name, made);
		goto out;
	}
	print_cost(name, "free memory drop per section (memfd, each with its handle)", nt.total,
		   lin.total);
	print_cost("slab_per_64KiB_section_untouched", "Slab growth per section", nt.slab,
		   lin.slab);
out:
	free(hs);
	free(fds);
}

/* (e) ------------------------------------------------------------------- */

/* Rss and Pss of @pid in KiB, from smaps_rollup; -1 each if unreadable. */
static void rss_pss(pid_t pid, long long *rss, long long *pss)
{
	char path[64], line[256];
	FILE *f;

	*rss = *pss = -1;
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Rss:", 4))
			*rss = strtoll(line + 4, NULL, 10);
		else if (!strncmp(line, "Pss:", 4))
			*pss = strtoll(line + 4, NULL, 10);
	}
	fclose(f);
}

struct shared_mem {
	long long free_kb;	/* free memory drop while all 8 hold it, KiB */
	long long rss_kb;	/* summed over the 8 */
	long long pss_kb;
	long resident;		/* the module's resident_pages growth */
};

/*
 * NPROC children each map @size of shared memory and write every page, then
 * wait; measured once all have written. @nt: a named section, else a memfd
 * the children inherit.
 */
static int shared_run(int nt, SIZE_T size, struct shared_mem *m)
{
	const char *name = "shared_8_processes";
	WCHAR wbuf[96];
	char path[96];
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	HANDLE h = NULL;
	long long f0, rss, pss;
	long r0 = 0;
	pid_t kids[NPROC];
	int sync[2], i, made = 0, ok = 0, fd = -1;
	NTSTATUS s;
	char c;

	memset(m, 0, sizeof(*m));
	if (pipe(sync)) {
		printf("%s: pipe failed\n", name);
		return -1;
	}
	snprintf(path, sizeof(path), "\\BaseNamedObjects\\ntexec-bench-8x-%d", (int)getpid());
	for (i = 0; path[i] && i < 95; i++)
		wbuf[i] = (WCHAR)(unsigned char)path[i];
	wbuf[i] = 0;
	RtlInitUnicodeString(&us, wbuf);
	InitializeObjectAttributes(&oa, &us, 0, NULL, NULL);

	f0 = free_settled();
	r0 = module_param("resident_pages");
	if (nt) {
		s = nt_section(&h, &oa, size, SEC_COMMIT);
		if (s) {
			failed(name, "NtCreateSection (named)", s);
			goto out;
		}
	} else {
		fd = memfd(size);
		if (fd < 0) {
			printf("%s: memfd_create failed\n", name);
			goto out;
		}
	}
	for (i = 0; i < NPROC; i++) {
		fflush(stdout);
		kids[i] = fork();
		if (kids[i] < 0)
			break;
		made++;
		if (!kids[i]) {
			char *p = NULL;
			HANDLE sec;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (nt) {
				if (NtxInitialize() ||
				    NtOpenSection(&sec, SECTION_MAP_READ | SECTION_MAP_WRITE, &oa) ||
				    nt_map(sec, NtCurrentProcess(), &p))
					_exit(1);
			} else {
				p = map_shared(fd, size);
				if (!p)
					_exit(1);
			}
			for (SIZE_T off = 0; off < size; off += PAGE)
				((volatile char *)p)[off + i] = (char)i;
			if (write(sync[1], "k", 1) != 1)
				_exit(2);
			pause();
			_exit(0);
		}
	}
	for (i = 0; i < made; i++)
		if (read(sync[0], &c, 1) != 1)
			break;
	if (i < NPROC) {
		printf("%s: %d of %d %s processes mapped and wrote\n", name, i, NPROC,
		       nt ? "ntexec" : "linux");
		goto kill;
	}
	m->free_kb = f0 - free_settled();
	if (nt && r0 >= 0)
		m->resident = module_param("resident_pages") - r0;
	for (i = 0; i < NPROC; i++) {
		rss_pss(kids[i], &rss, &pss);
		m->rss_kb += rss;
		m->pss_kb += pss;
	}
	ok = 1;
kill:
	for (i = 0; i < made; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
out:
	if (h)
		NtClose(h);
	/* The segment's pages go with the last view: not during the next run. */
	if (nt)
		resident_settle(r0);
	if (fd >= 0)
		close(fd);
	close(sync[0]);
	close(sync[1]);
	return ok ? 0 : -1;
}

static void bench_shared(void)
{
	const SIZE_T size = (quick ? 16 : 64) * MIB;
	struct shared_mem nt, lin;
	char name[64];

	snprintf(name, sizeof(name), "shared_%dx%luMiB", NPROC, (unsigned long)(size / MIB));
	if (shared_run(1, size, &nt) || shared_run(0, size, &lin))
		return;
	printf("%s_free_drop: ntexec %lld KiB, linux %lld KiB, ratio %.2f (one copy: %lu KiB)\n",
	       name, nt.free_kb, lin.free_kb,
	       lin.free_kb > 0 ? (double)nt.free_kb / lin.free_kb : 0.0,
	       (unsigned long)(size / 1024));
	printf("%s_rss_sum: ntexec %lld KiB, linux %lld KiB\n", name, nt.rss_kb, lin.rss_kb);
	printf("%s_pss_sum: ntexec %lld KiB, linux %lld KiB\n", name, nt.pss_kb, lin.pss_kb);
	if (nt.resident)
		printf("%s_module_resident_pages: ntexec +%ld (%ld KiB)\n", name, nt.resident,
		       nt.resident * (long)(PAGE / 1024));
}

int main(int argc, char **argv)
{
	int ret = bench_start(argc, argv, "bench_section");

	if (ret)
		return ret;
	printf("sections, scale %lu%s (ns per operation unless stated)\n", scale,
	       quick ? ", quick" : "");
	bench_map_touch_unmap();
	bench_create_map_touch_close();
	bench_fault_rate();
	bench_remote_map();
	bench_memory_per_page();
	bench_memory_per_section();
	bench_shared();
	return 0;
}
