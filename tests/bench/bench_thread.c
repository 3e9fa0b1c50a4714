// SPDX-License-Identifier: GPL-2.0
/*
 * Thread control against its Linux counterparts, in the same run:
 * suspend + get context + resume of a running thread of another process vs
 * PTRACE_INTERRUPT + PTRACE_GETREGS + PTRACE_CONT; NtCreateThreadEx + wait
 * + close in this process vs pthread_create + pthread_join, and in another
 * process vs this one; a user APC round trip (queue + alertable wait) vs a
 * signal handler round trip (tgkill of self); an empty process
 * (NtCreateProcessEx) with code written into it, its first thread and the
 * wait for its end vs posix_spawn() + waitpid() of a static program.
 */
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define NO_TLS __attribute__((no_stack_protector, noinline))

/* A child with one spinning thread besides its main one; returns the tid. */
static pid_t spinner(pid_t *tid)
{
	_Atomic pid_t *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	*shared = 0;
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		*shared = (pid_t)syscall(SYS_gettid);
		for (;;)
			;
	}
	while (!*shared)
		sched_yield();
	*tid = *shared;
	munmap((void *)shared, PAGE);
	return pid;
}

static void bench_suspend_context(void)
{
	const char *name = "suspend+get context+resume of a running thread";
	unsigned long i, n = iters(2000);
	OBJECT_ATTRIBUTES oa = { .Length = sizeof(oa) };
	struct user_regs_struct regs;
	double t0, t_nt, t_lin;
	CONTEXT *ctx = aligned_alloc(16, sizeof(*ctx));
	CLIENT_ID cid;
	pid_t pid, tid;
	NTSTATUS s;
	HANDLE h;
	int st;

	pid = spinner(&tid);
	cid.UniqueProcess = (HANDLE)(uintptr_t)pid;
	cid.UniqueThread = (HANDLE)(uintptr_t)tid;
	s = NtOpenThread(&h, THREAD_ALL_ACCESS, &oa, &cid);
	if (s) {
		failed(name, "NtOpenThread", s);
		return;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		ctx->ContextFlags = CONTEXT_FULL;
		NtSuspendThread(h, NULL);
		s = NtGetContextThread(h, ctx);
		NtResumeThread(h, NULL);
		if (s) {
			failed(name, "NtGetContextThread", s);
			return;
		}
	}
	t_nt = (now_ns() - t0) / n;
	NtClose(h);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);

	pid = spinner(&tid);
	if (ptrace(PTRACE_SEIZE, pid, 0, 0)) {
		report_na(name, t_nt, "PTRACE_SEIZE refused");
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		ptrace(PTRACE_INTERRUPT, pid, 0, 0);
		waitpid(pid, &st, __WALL);
		ptrace(PTRACE_GETREGS, pid, 0, &regs);
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	t_lin = (now_ns() - t0) / n;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	report(name, t_nt, t_lin);
	free(ctx);
}

static NO_TLS NTSTATUS NTAPI nothing(PVOID arg)
{
	return (NTSTATUS)(uintptr_t)arg;
}

static void *pnothing(void *arg)
{
	return arg;
}

/* NtCreateThreadEx + wait + close; ns per thread, 0 on failure. */
static double create_join(HANDLE process, PUSER_THREAD_START_ROUTINE fn, unsigned long n)
{
	double t0 = now_ns();
	unsigned long i;
	NTSTATUS s;
	HANDLE h;

	for (i = 0; i < n; i++) {
		s = NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, process, fn, NULL, 0, 0, 0, 0,
				     NULL);
		if (s) {
			failed("create+join", "NtCreateThreadEx", s);
			return 0;
		}
		NtWaitForSingleObject(h, FALSE, NULL);
		NtClose(h);
	}
	return (now_ns() - t0) / n;
}

/* x86_64: xor %eax, %eax; ret */
static const unsigned char ret0[] = { 0x31, 0xc0, 0xc3 };

static void bench_create(void)
{
	unsigned long i, n = iters(1000);
	OBJECT_ATTRIBUTES oa = { .Length = sizeof(oa) };
	SIZE_T size = PAGE, done;
	double t0, t_nt, t_lin, t_remote;
	PVOID code = NULL;
	CLIENT_ID cid = { 0 };
	pthread_t t;
	pid_t pid, tid;
	HANDLE p;
	int st;

	t_nt = create_join(NtCurrentProcess(), nothing, n);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		pthread_create(&t, NULL, pnothing, NULL);
		pthread_join(t, NULL);
	}
	t_lin = (now_ns() - t0) / n;
	if (t_nt)
		report("create+join a thread in this process", t_nt, t_lin);

	pid = spinner(&tid);
	cid.UniqueProcess = (HANDLE)(uintptr_t)pid;
	if (NtOpenProcess(&p, PROCESS_ALL_ACCESS, &oa, &cid) ||
	    NtAllocateVirtualMemory(p, &code, 0, &size, MEM_RESERVE | MEM_COMMIT,
				    PAGE_EXECUTE_READWRITE) ||
	    NtWriteVirtualMemory(p, code, (PVOID)ret0, sizeof(ret0), &done)) {
		printf("create+join in another process: setup failed\n");
	} else {
		t_remote = create_join(p, (PUSER_THREAD_START_ROUTINE)code, n);
		if (t_remote && t_nt)
			printf("create+join a thread in another process: ntexec %.0f ns, "
			       "this process %.0f ns, ratio %.2f\n", t_remote, t_nt,
			       t_remote / t_nt);
		NtClose(p);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static _Atomic unsigned long hits;

static void NTAPI apc(PVOID a1, PVOID a2, PVOID a3)
{
	(void)a1;
	(void)a2;
	(void)a3;
	atomic_fetch_add_explicit(&hits, 1, memory_order_relaxed);
}

static void handler(int sig)
{
	(void)sig;
	atomic_fetch_add_explicit(&hits, 1, memory_order_relaxed);
}

static void bench_apc(void)
{
	const char *name = "user APC round trip (queue + alertable wait) vs signal to self";
	unsigned long i, n = iters(20000);
	LARGE_INTEGER zero = { .QuadPart = 0 };
	pid_t me = getpid(), tid = (pid_t)syscall(SYS_gettid);
	double t0, t_nt, t_lin;
	NTSTATUS s;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		NtQueueApcThread(NtCurrentThread(), apc, NULL, NULL, NULL);
		s = NtDelayExecution(TRUE, &zero);
		if (s != STATUS_USER_APC) {
			failed(name, "NtDelayExecution", s);
			return;
		}
	}
	t_nt = (now_ns() - t0) / n;
	signal(SIGUSR1, handler);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_tgkill, me, tid, SIGUSR1);
	t_lin = (now_ns() - t0) / n;
	signal(SIGUSR1, SIG_DFL);
	report(name, t_nt, t_lin);
}

/* x86_64: xor %eax, %eax; ret */
static const unsigned char ret_zero[] = { 0x31, 0xc0, 0xc3 };

static void bench_empty_process(const char *self)
{
	const char *name = "empty process + code + first thread + wait vs posix_spawn+waitpid";
	unsigned long i, n = iters(100);
	char path[PATH_MAX], dir[PATH_MAX];
	char *argv[] = { "static-true", NULL }, *envp[] = { NULL };
	double t0, t_nt, t_lin;
	SIZE_T size, done;
	HANDLE p, t;
	PVOID code;
	NTSTATUS s;
	pid_t pid;
	int st;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		s = NtCreateProcessEx(&p, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0, NULL,
				      NULL, NULL, 0);
		if (s) {
			failed(name, "NtCreateProcessEx", s);
			return;
		}
		code = NULL;
		size = PAGE;
		s = NtAllocateVirtualMemory(p, &code, 0, &size, MEM_RESERVE | MEM_COMMIT,
					    PAGE_EXECUTE_READWRITE);
		if (!s)
			s = NtWriteVirtualMemory(p, code, (PVOID)ret_zero, sizeof(ret_zero), &done);
		if (!s)
			s = NtCreateThreadEx(&t, THREAD_ALL_ACCESS, NULL, p,
					     (PUSER_THREAD_START_ROUTINE)code, NULL, 0, 0, 0, 0,
					     NULL);
		if (s) {
			failed(name, "filling it", s);
			NtTerminateProcess(p, 1);
			NtClose(p);
			return;
		}
		NtWaitForSingleObject(p, FALSE, NULL);
		NtClose(t);
		NtClose(p);
		while (waitpid(-1, &st, 0) > 0)
			;
	}
	t_nt = (now_ns() - t0) / n;

	snprintf(dir, sizeof(dir), "%s", self);
	snprintf(path, sizeof(path), "%s/../obj/static-true", dirname(dir));
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (posix_spawn(&pid, path, NULL, NULL, argv, envp)) {
			report_na(name, t_nt, "no static-true beside the benches");
			return;
		}
		waitpid(pid, &st, 0);
	}
	t_lin = (now_ns() - t0) / n;
	report(name, t_nt, t_lin);
}

int main(int argc, char **argv)
{
	int ret = bench_start(argc, argv, "bench_thread");

	if (ret)
		return ret;
	printf("threads, scale %lu%s (ns per operation)\n", scale, quick ? ", quick" : "");
	bench_suspend_context();
	bench_create();
	bench_apc();
	bench_empty_process(argv[0]);
	return 0;
}
