// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure injection (issue 15): the debug kernel's failslab and
 * fail_page_alloc, limited to this test's calling thread (task-filter and
 * /proc/thread-self/make-it-fail), fail a share of the kernel allocations
 * its NT calls make, the module's and Linux's on its behalf (VMAs, page
 * tables, tasks). Every call must then succeed or fail with a resource
 * status, and change nothing when it fails; once injection stops, every
 * object, committed and resident page is back at its baseline.
 *
 * The thread does nothing but NT calls while failures are on: its memory is
 * faulted in and locked first, and nothing here allocates on the way. Root
 * only (debugfs); skipped where the kernel has no fault injection (the
 * stock kernels).
 */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "nt_util.h"

#define FI_SLAB		"/sys/kernel/debug/failslab/"
#define FI_PAGE		"/sys/kernel/debug/fail_page_alloc/"
#ifndef ROUNDS
#define ROUNDS		400
#endif

static int fi_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* Both injectors, at @percent, for tasks that ask (task-filter). */
static int fi_configure(const char *percent)
{
	static const char *const dirs[] = { FI_SLAB, FI_PAGE };
	char path[128];

	for (unsigned int i = 0; i < 2; i++) {
		static const char *const files[][2] = {
			{ "task-filter", "Y" }, { "interval", "1" }, { "times", "-1" },
			{ "space", "0" }, { "verbose", "0" }, { "ignore-gfp-wait", "N" },
		};

		for (unsigned int j = 0; j < sizeof(files) / sizeof(files[0]); j++) {
			snprintf(path, sizeof(path), "%s%s", dirs[i], files[j][0]);
			if (fi_write(path, files[j][1]))
				return -1;
		}
		snprintf(path, sizeof(path), "%sprobability", dirs[i]);
		if (fi_write(path, percent))
			return -1;
	}
	snprintf(path, sizeof(path), "%signore-gfp-highmem", FI_PAGE);
	return fi_write(path, "N");
}

/*
 * Injection on or off for the calling thread. Turning it off is itself a
 * write that may fail under injection (its buffer is allocated): retried.
 */
static int fi_self(int on)
{
	for (int i = 0; i < 1000; i++)
		if (!fi_write("/proc/thread-self/make-it-fail", on ? "1" : "0"))
			return 0;
	return -1;
}

/* The statuses a call may fail with when the kernel is out of memory. */
static int resource_status(NTSTATUS s)
{
	return s == STATUS_NO_MEMORY || s == STATUS_INSUFFICIENT_RESOURCES ||
	       s == STATUS_COMMITMENT_LIMIT;
}

struct tally {
	unsigned int ok, failed, bad;
	NTSTATUS first_bad;
	const char *first_bad_step;
};

/* Count a call's outcome; return whether it succeeded. */
static int took(struct tally *t, const char *step, NTSTATUS s)
{
	if (NT_SUCCESS(s)) {
		t->ok++;
		return 1;
	}
	if (resource_status(s)) {
		t->failed++;
	} else {
		if (!t->bad++) {
			t->first_bad = s;
			t->first_bad_step = step;
		}
	}
	return 0;
}

/* Count a check that found a wrong value (a thread's exit status, a word read back). */
static void wrong(struct tally *t, const char *what, uint64_t value)
{
	if (!t->bad++) {
		t->first_bad = (NTSTATUS)value;
		t->first_bad_step = what;
	}
}

static NTSTATUS NTAPI thread_routine(PVOID arg)
{
	return (NTSTATUS)(uintptr_t)arg;
}

/* One round of NT calls; what it made is undone (and retried later if that failed). */
static void one_round(struct tally *t, HANDLE kid, unsigned int r, HANDLE *left, int *nleft,
		      int threads)
{
	SIZE_T size = 65536, zero = 0;
	PVOID base = NULL, view = NULL, remote = NULL;
	LARGE_INTEGER max = { .QuadPart = 65536 };
	HANDLE section = NULL, dup = NULL, thread = NULL;
	ULONG old;
	uint64_t word = 0x5a5a0000ull | r, back = 0;

	/* Private memory: reserve, commit, touch, protect, query, free. */
	if (took(t, "allocate", NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
						       MEM_RESERVE | MEM_COMMIT,
						       PAGE_READWRITE))) {
		MEMORY_BASIC_INFORMATION mbi;

		((volatile uint64_t *)base)[r % 8192] = word;
		if (((volatile uint64_t *)base)[r % 8192] != word)
			wrong(t, "word written", ((volatile uint64_t *)base)[r % 8192]);
		took(t, "protect", NtProtectVirtualMemory(NtCurrentProcess(), &base, &size,
							  PAGE_READONLY, &old));
		took(t, "query", NtQueryVirtualMemory(NtCurrentProcess(), base,
						      MemoryBasicInformation, &mbi,
						      sizeof(mbi), NULL));
		size = 0;
		if (!took(t, "free", NtFreeVirtualMemory(NtCurrentProcess(), &base, &size,
							 MEM_RELEASE)))
			left[(*nleft)++] = base;	/* released later */
	}

	/* A pagefile section and a view of it. */
	if (took(t, "section", NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, &max,
					       PAGE_READWRITE, SEC_COMMIT, NULL))) {
		size = 0;
		if (took(t, "map", NtMapViewOfSection(section, NtCurrentProcess(), &view, 0, 0,
						      NULL, &size, ViewUnmap, 0,
						      PAGE_READWRITE))) {
			((volatile uint64_t *)view)[r % 8192] = word;
			if (!took(t, "unmap", NtUnmapViewOfSection(NtCurrentProcess(), view)))
				left[(*nleft)++] = (HANDLE)((uintptr_t)view | 1);
		}
		took(t, "close", NtClose(section));
	}

	/* Handles: a duplicate of the child's, a wait on it, a close. */
	if (took(t, "duplicate", NtDuplicateObject(NtCurrentProcess(), kid, NtCurrentProcess(),
						   &dup, 0, 0, DUPLICATE_SAME_ACCESS))) {
		took(t, "wait", NtWaitForSingleObject(dup, FALSE, &(LARGE_INTEGER){ 0 }));
		took(t, "close", NtClose(dup));
	}

	/* Another process's memory: reserve there, write, read back, release. */
	size = 4096;
	if (took(t, "remote allocate", NtAllocateVirtualMemory(kid, &remote, 0, &size,
							       MEM_RESERVE | MEM_COMMIT,
							       PAGE_READWRITE))) {
		if (took(t, "remote write", NtWriteVirtualMemory(kid, remote, &word,
								 sizeof(word), NULL)) &&
		    took(t, "remote read", NtReadVirtualMemory(kid, remote, &back,
							       sizeof(back), NULL)) &&
		    back != word)
			wrong(t, "remote word read back", back);
		size = 0;
		if (!took(t, "remote free", NtFreeVirtualMemory(kid, &remote, &size,
								MEM_RELEASE)))
			left[(*nleft)++] = (HANDLE)((uintptr_t)remote | 2);
	}

	/* A thread of this process (a clone each): only in the threads run. */
	if (threads && r % 2 == 0 &&
	    took(t, "create thread", NtCreateThreadEx(&thread, THREAD_ALL_ACCESS, NULL,
						      NtCurrentProcess(), thread_routine,
						      (PVOID)(uintptr_t)r, 0, zero, 0, 0, NULL))) {
		THREAD_BASIC_INFORMATION tbi;

		if (took(t, "wait thread", NtWaitForSingleObject(thread, FALSE, NULL)) &&
		    took(t, "query thread", NtQueryInformationThread(thread, ThreadBasicInformation,
								     &tbi, sizeof(tbi), NULL)) &&
		    tbi.ExitStatus != (NTSTATUS)r)
			wrong(t, "thread exit status", tbi.ExitStatus);
		took(t, "close", NtClose(thread));
	}
}

/*
 * The injected rounds, in a process of their own, which reports its tally
 * and what it still held once every call was undone, and exits.
 */
struct report {
	struct tally t;
	long objects, committed;	/* this process's own, after its cleanup */
};

static void __attribute__((noreturn)) injected(pid_t target, int out, int threads)
{
	static HANDLE left[ROUNDS * 3];
	struct report rep = { 0 };
	long objects0, committed0;
	int nleft = 0;
	HANDLE kid;

	nt_setup();
	kid = xopen_process(PROCESS_ALL_ACCESS, target);
	objects0 = objects_now();
	committed0 = steady_param("committed_pages");
	/* A first round without failures: every path warm, this thread's memory in. */
	one_round(&rep.t, kid, 4, left, &nleft, threads);
	if (rep.t.bad || rep.t.failed || mlockall(MCL_CURRENT))
		_exit(20);
	if (fi_self(1))
		_exit(21);
	for (unsigned int r = 0; r < ROUNDS && nleft < ROUNDS * 3 - 3; r++)
		one_round(&rep.t, kid, r, left, &nleft, threads);
	if (fi_self(0))
		_exit(23);
	munlockall();
	/* What a failed release left is released now. */
	for (int i = 0; i < nleft; i++) {
		uintptr_t v = (uintptr_t)left[i];
		PVOID base = (PVOID)(v & ~(uintptr_t)3);
		SIZE_T size = 0;

		NTSTATUS s = v & 1 ? NtUnmapViewOfSection(NtCurrentProcess(), base) :
			     NtFreeVirtualMemory(v & 2 ? kid : NtCurrentProcess(), &base,
						 &size, MEM_RELEASE);

		if (s)
			wrong(&rep.t, "late release", (uint32_t)s);
	}
	NtClose(kid);
	rep.objects = objects_now() - objects0;
	rep.committed = steady_param("committed_pages") - committed0;
	if (write(out, &rep, sizeof(rep)) != sizeof(rep))
		_exit(22);
	_exit(0);
}

static void under_failures(int threads)
{
	long objects0, committed0, resident0;
	struct report rep;
	struct kid k;
	int p[2], st;
	pid_t c;

	if (ntt_unprivileged())
		SKIP("fault injection is configured in debugfs: root only");
	if (access(FI_SLAB "probability", W_OK) || access(FI_PAGE "probability", W_OK))
		SKIP("this kernel has no failslab/fail_page_alloc in debugfs");
	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	kid_go(&k);
	objects0 = objects_now();
	committed0 = steady_param("committed_pages");
	resident0 = module_param("resident_pages");
	ASSERT_EQ(fi_configure("10"), 0);
	ASSERT_EQ(pipe(p), 0);
	fflush(stdout);
	c = fork();
	ASSERT_GE(c, 0);
	if (!c) {
		close(p[0]);
		injected(k.pid, p[1], threads);
	}
	close(p[1]);
	memset(&rep, 0, sizeof(rep));
	EXPECT_EQ(read(p[0], &rep, sizeof(rep)), (ssize_t)sizeof(rep));
	close(p[0]);
	ASSERT_EQ(waitpid(c, &st, 0), c);
	fi_configure("0");
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);

	printf("# %u calls succeeded, %u failed with a resource status, %u otherwise\n",
	       rep.t.ok, rep.t.failed, rep.t.bad);
	if (rep.t.bad)
		printf("# first unexpected: %s -> 0x%08x\n", rep.t.first_bad_step ?: "(a check)",
		       (unsigned int)rep.t.first_bad);
	EXPECT_EQ(rep.t.bad, 0u);
	EXPECT_GT(rep.t.failed, 0u);	/* the injection did reach the calls */
	EXPECT_GT(rep.t.ok, rep.t.failed);
	/* Nothing left in the process once the calls were undone... */
	EXPECT_EQ(rep.objects, 0);
	EXPECT_EQ(rep.committed, 0);
	/* ... nor in the module once it and its target are gone. */
	kid_kill(&k);
	EXPECT_EQ(objects_now(), objects0);
	EXPECT_EQ(steady_param("committed_pages"), committed0);
	EXPECT_EQ(settle_param("resident_pages", resident0), resident0);
}

TEST_TIMEOUT(memory_calls_under_allocation_failures, 300)
{
	under_failures(0);
}

TEST_TIMEOUT(thread_creation_under_allocation_failures, 300)
{
	under_failures(1);
}
