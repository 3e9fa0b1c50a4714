/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the object-manager tests (test_handles.c, test_wait.c,
 * test_process.c, test_attack.c): opening by CLIENT_ID, NT time, poisoned
 * queries, and forked children that wait for a go-ahead before they exit in
 * a chosen way. The memory-manager tests' own helpers (vm_util.h,
 * vm_handle_util.h) build on these.
 *
 * Everything here is static inline so that each test binary takes only what
 * it uses.
 */
#ifndef NTEXEC_TESTS_NT_UTIL_H
#define NTEXEC_TESTS_NT_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ntexec/nt.h>
#include "harness.h"

/* 1970-01-01 as an NT system time (100 ns units since 1601-01-01). */
#define NTT_UNIX_EPOCH		116444736000000000LL
/* 100 ns units */
#define NTT_MS			10000LL
#define NTT_POISON		0xcc
#define NTT_POISON32		0xccccccccu
#define NTT_POISON64		0xccccccccccccccccull

_Static_assert(sizeof(PROCESS_BASIC_INFORMATION) == 48, "PROCESS_BASIC_INFORMATION");
_Static_assert(sizeof(THREAD_BASIC_INFORMATION) == 48, "THREAD_BASIC_INFORMATION");
_Static_assert(sizeof(KERNEL_USER_TIMES) == 32, "KERNEL_USER_TIMES");
_Static_assert(sizeof(VM_COUNTERS) == 88, "VM_COUNTERS");
_Static_assert(sizeof(VM_COUNTERS_EX) == 96, "VM_COUNTERS_EX");
_Static_assert(sizeof(UNICODE_STRING) == 16, "UNICODE_STRING");

/* Every test starts here: skip when the module is not loaded. */
static inline void nt_setup(void)
{
	NTSTATUS s = NtxInitialize();

	if (s == STATUS_NO_SUCH_DEVICE)
		SKIP("/dev/ntexec is absent: the module is not loaded");
	ASSERT_STATUS(s, STATUS_SUCCESS);
}

static inline HANDLE nt_id(pid_t id)
{
	return (HANDLE)(uintptr_t)id;
}

static inline uint64_t hv(HANDLE h)
{
	return (uint64_t)(uintptr_t)h;
}

static inline NTSTATUS open_process_attr(PHANDLE h, ACCESS_MASK access, pid_t pid, ULONG attr)
{
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid = { nt_id(pid), NULL };

	InitializeObjectAttributes(&oa, NULL, attr, NULL, NULL);
	return NtOpenProcess(h, access, &oa, &cid);
}

static inline NTSTATUS open_process(PHANDLE h, ACCESS_MASK access, pid_t pid)
{
	return open_process_attr(h, access, pid, 0);
}

static inline NTSTATUS open_thread(PHANDLE h, ACCESS_MASK access, pid_t pid, pid_t tid)
{
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid = { nt_id(pid), nt_id(tid) };

	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	return NtOpenThread(h, access, &oa, &cid);
}

/* Open or die. */
static inline HANDLE xopen_process(ACCESS_MASK access, pid_t pid)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	ASSERT_STATUS(open_process(&h, access, pid), STATUS_SUCCESS);
	ASSERT_NE(hv(h), NTT_POISON64);
	return h;
}

static inline HANDLE xopen_thread(ACCESS_MASK access, pid_t pid, pid_t tid)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	ASSERT_STATUS(open_thread(&h, access, pid, tid), STATUS_SUCCESS);
	ASSERT_NE(hv(h), NTT_POISON64);
	return h;
}

static inline void xclose(HANDLE h)
{
	ASSERT_STATUS(NtClose(h), STATUS_SUCCESS);
}

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t ms_since(int64_t t0_ns)
{
	return (mono_ns() - t0_ns) / 1000000;
}

/* The current time as an NT system time, from CLOCK_REALTIME. */
static inline LONGLONG nt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return NTT_UNIX_EPOCH + (LONGLONG)ts.tv_sec * 10000000 + ts.tv_nsec / 100;
}

/* A relative NT timeout: negative, in 100 ns units. */
static inline LARGE_INTEGER rel_ms(int64_t ms)
{
	LARGE_INTEGER t;

	t.QuadPart = -ms * NTT_MS;
	return t;
}

static inline NTSTATUS wait_ms(HANDLE h, int64_t ms)
{
	LARGE_INTEGER t = rel_ms(ms);

	return NtWaitForSingleObject(h, FALSE, &t);
}

static inline void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A counter of the module's (/sys/module/ntexec/parameters/@name), or -1. */
static inline long module_param(const char *name)
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

/* Wait (up to 10 s) until a module counter is back at @want. */
static inline long settle_param(const char *name, long want)
{
	long v = module_param(name);

	for (int i = 0; i < 1000 && v != want; i++) {
		sleep_ms(10);
		v = module_param(name);
	}
	return v;
}

/*
 * A module counter once it has stopped moving (the same for 300 ms, waiting
 * up to 10 s): what earlier tests' exited processes left is freed a grace
 * period after their reaping, so a baseline read at once may still count it.
 */
static inline long steady_param(const char *name)
{
	long v = module_param(name), last = v;
	int same = 0;

	for (int i = 0; i < 1000 && same < 30; i++) {
		sleep_ms(10);
		v = module_param(name);
		same = v == last ? same + 1 : 0;
		last = v;
	}
	return v;
}

/* Queries that must succeed; the buffers are poisoned first. */
static inline PROCESS_BASIC_INFORMATION basic_info(HANDLE process)
{
	PROCESS_BASIC_INFORMATION pbi;
	ULONG len = NTT_POISON32;

	memset(&pbi, NTT_POISON, sizeof(pbi));
	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessBasicInformation, &pbi,
						sizeof(pbi), &len), STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(pbi));
	return pbi;
}

static inline NTSTATUS exit_status(HANDLE process)
{
	return basic_info(process).ExitStatus;
}

static inline THREAD_BASIC_INFORMATION thread_info(HANDLE thread)
{
	THREAD_BASIC_INFORMATION tbi;
	ULONG len = NTT_POISON32;

	memset(&tbi, NTT_POISON, sizeof(tbi));
	ASSERT_STATUS(NtQueryInformationThread(thread, ThreadBasicInformation, &tbi,
					       sizeof(tbi), &len), STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(tbi));
	return tbi;
}

static inline KERNEL_USER_TIMES process_times(HANDLE process)
{
	KERNEL_USER_TIMES t;
	ULONG len = NTT_POISON32;

	memset(&t, NTT_POISON, sizeof(t));
	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessTimes, &t, sizeof(t), &len),
		      STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(t));
	return t;
}

static inline KERNEL_USER_TIMES thread_times(HANDLE thread)
{
	KERNEL_USER_TIMES t;
	ULONG len = NTT_POISON32;

	memset(&t, NTT_POISON, sizeof(t));
	ASSERT_STATUS(NtQueryInformationThread(thread, ThreadTimes, &t, sizeof(t), &len),
		      STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(t));
	return t;
}

/* The module's process and thread objects, steady, once this thread has its own. */
static inline long objects_now(void)
{
	thread_times(NtCurrentThread());
	return steady_param("objects");
}

static inline ULONG handle_count(HANDLE process)
{
	ULONG count = NTT_POISON32, len = NTT_POISON32;

	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessHandleCount, &count,
						sizeof(count), &len), STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(count));
	ASSERT_NE(count, NTT_POISON32);
	return count;
}

/* Burn about @ms of user CPU time of the calling thread. */
static inline void burn_cpu_ms(int64_t ms)
{
	struct timespec ts;
	volatile uint64_t x = 0;
	int64_t end;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	end = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ms;
	for (;;) {
		for (int i = 0; i < 100000; i++)
			x += i;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		if ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 >= end)
			break;
	}
}

/*
 * Children. kid_spawn() forks a child that waits on a pipe; kid_go() lets it
 * do its action. The child dies with its parent (PR_SET_PDEATHSIG), so a
 * failed test leaves nothing behind.
 */
enum kid_action {
	KID_EXIT,		/* _exit(code) */
	KID_SEGV,		/* write to an unmapped page */
	KID_SIGTERM,		/* raise(SIGTERM) with the default action */
	KID_SLEEP,		/* pause until killed */
	KID_TERMINATE_SELF,	/* NtTerminateProcess(NtCurrentProcess(), code) */
	KID_TERMINATE_THREAD,	/* NtTerminateThread(NtCurrentThread(), code) */
	KID_BURN_EXIT,		/* 200 ms of CPU, then _exit(code) */
	KID_EXEC_SLEEP,		/* execve /bin/sleep */
};

struct kid {
	pid_t pid;
	int go;		/* write end of the go-ahead pipe */
	int reaped;
};

static inline void __attribute__((noreturn)) kid_act(enum kid_action action, uint32_t code)
{
	struct rlimit no_core = { 0, 0 };
	volatile uintptr_t bad = 8;

	switch (action) {
	case KID_EXIT:
		_exit((int)code);
	case KID_SEGV:
		setrlimit(RLIMIT_CORE, &no_core);
		signal(SIGSEGV, SIG_DFL);
		*(volatile int *)bad = 1;
		break;
	case KID_SIGTERM:
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
		break;
	case KID_SLEEP:
		for (;;)
			pause();
	case KID_TERMINATE_SELF:
		NtTerminateProcess(NtCurrentProcess(), (NTSTATUS)code);
		_exit(98);	/* must not get here */
	case KID_TERMINATE_THREAD:
		NtTerminateThread(NtCurrentThread(), (NTSTATUS)code);
		_exit(97);	/* must not get here */
	case KID_BURN_EXIT:
		burn_cpu_ms(200);
		_exit((int)code);
	case KID_EXEC_SLEEP:
		execl("/bin/sleep", "sleep", "1000", (char *)NULL);
		_exit(96);
	}
	_exit(95);
}

static inline struct kid kid_spawn(enum kid_action action, uint32_t code)
{
	struct kid k = { 0, -1, 0 };
	pid_t parent = getpid();
	int p[2];

	ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
	fflush(stdout);
	fflush(stderr);
	k.pid = fork();
	ASSERT_GE(k.pid, 0);
	if (!k.pid) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(94);
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(99);
		close(p[0]);
		kid_act(action, code);
	}
	close(p[0]);
	k.go = p[1];
	return k;
}

static inline void kid_go(struct kid *k)
{
	ASSERT_EQ(write(k->go, "g", 1), 1);
}

/* waitpid() the child; returns its wait status. */
static inline int kid_reap(struct kid *k)
{
	int st = -1;

	if (!k->reaped) {
		ASSERT_EQ(waitpid(k->pid, &st, 0), k->pid);
		k->reaped = 1;
		close(k->go);
	}
	return st;
}

static inline void kid_kill(struct kid *k)
{
	if (!k->reaped) {
		kill(k->pid, SIGKILL);
		kid_reap(k);
	}
}

/* Wait (without reaping) until the child is a zombie. */
static inline void kid_wait_dead(struct kid *k)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	ASSERT_EQ(waitid(P_PID, k->pid, &si, WEXITED | WNOWAIT), 0);
	ASSERT_EQ(si.si_pid, k->pid);
}

#endif /* NTEXEC_TESTS_NT_UTIL_H */
