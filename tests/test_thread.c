// SPDX-License-Identifier: GPL-2.0
/*
 * Thread control: NtSuspendThread, NtResumeThread, NtAlertResumeThread,
 * NtSuspendProcess, NtResumeProcess, NtGetContextThread,
 * NtSetContextThread, ThreadSuspendCount; on threads of this process and
 * of a forked (adopted) child, across users, and under a stress of
 * exiting threads.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "nt_util.h"

static CONTEXT *new_context(ULONG flags)
{
	CONTEXT *ctx = aligned_alloc(16, sizeof(*ctx));

	ASSERT_TRUE(ctx);
	memset(ctx, NTT_POISON, sizeof(*ctx));
	ctx->ContextFlags = flags;
	return ctx;
}

static ULONG suspend_count(HANDLE t)
{
	ULONG n = NTT_POISON32, len = 0;

	EXPECT_STATUS(NtQueryInformationThread(t, ThreadSuspendCount, &n, sizeof(n), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(n));
	return n;
}

/* ---- a busy thread of this process ------------------------------------ */

struct busy {
	pthread_t thread;
	_Atomic pid_t tid;
	_Atomic uint64_t counter;
	_Atomic int stop;
	HANDLE h;
	void *stack;
	size_t stack_size;
};

static __attribute__((noinline, aligned(64))) void busy_loop(struct busy *b)
{
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed))
		atomic_fetch_add_explicit(&b->counter, 1, memory_order_relaxed);
}

static void *busy_main(void *arg)
{
	struct busy *b = arg;

	atomic_store(&b->tid, (pid_t)syscall(SYS_gettid));
	busy_loop(b);
	return NULL;
}

static void busy_start(struct busy *b, void *(*fn)(void *))
{
	pthread_attr_t attr;

	memset(b, 0, sizeof(*b));
	b->stack_size = 1 << 20;
	b->stack = mmap(NULL, b->stack_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(b->stack, MAP_FAILED);
	ASSERT_EQ(pthread_attr_init(&attr), 0);
	ASSERT_EQ(pthread_attr_setstack(&attr, b->stack, b->stack_size), 0);
	ASSERT_EQ(pthread_create(&b->thread, &attr, fn ? fn : busy_main, b), 0);
	pthread_attr_destroy(&attr);
	while (!atomic_load(&b->tid) || !atomic_load(&b->counter))
		sched_yield();
	b->h = xopen_thread(THREAD_ALL_ACCESS, getpid(), atomic_load(&b->tid));
}

static void busy_stop(struct busy *b)
{
	ULONG prev;

	do
		ASSERT_STATUS(NtResumeThread(b->h, &prev), STATUS_SUCCESS);
	while (prev > 1);
	atomic_store(&b->stop, 1);
	ASSERT_EQ(pthread_join(b->thread, NULL), 0);
	xclose(b->h);
	munmap(b->stack, b->stack_size);
}

/* Wait until the thread is stopped: a context read waits for its park. */
static void sync_parked(HANDLE t)
{
	CONTEXT *ctx = new_context(CONTEXT_CONTROL);

	ASSERT_STATUS(NtGetContextThread(t, ctx), STATUS_SUCCESS);
	free(ctx);
}

static int advances(_Atomic uint64_t *counter, int64_t ms)
{
	uint64_t before = atomic_load(counter);

	sleep_ms(ms);
	return atomic_load(counter) != before;
}

TEST(suspend_busy_thread)
{
	struct busy b;
	ULONG prev = NTT_POISON32;

	nt_setup();
	busy_start(&b, NULL);
	EXPECT_EQ(suspend_count(b.h), 0u);
	ASSERT_STATUS(NtSuspendThread(b.h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 0u);
	sync_parked(b.h);
	EXPECT_FALSE(advances(&b.counter, 100));
	EXPECT_EQ(suspend_count(b.h), 1u);
	ASSERT_STATUS(NtResumeThread(b.h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 1u);
	EXPECT_TRUE(advances(&b.counter, 100));
	EXPECT_EQ(suspend_count(b.h), 0u);
	/* Resume at zero: success, previous count 0; the out pointer is optional. */
	prev = NTT_POISON32;
	EXPECT_STATUS(NtResumeThread(b.h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 0u);
	EXPECT_STATUS(NtSuspendThread(b.h, NULL), STATUS_SUCCESS);
	EXPECT_STATUS(NtAlertResumeThread(b.h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 1u);
	EXPECT_TRUE(advances(&b.counter, 100));
	busy_stop(&b);
}

TEST(suspend_counts_and_limit)
{
	struct busy b;
	ULONG prev, i;

	nt_setup();
	busy_start(&b, NULL);
	for (i = 0; i < MAXIMUM_SUSPEND_COUNT; i++) {
		ASSERT_STATUS(NtSuspendThread(b.h, &prev), STATUS_SUCCESS);
		ASSERT_EQ(prev, i);
	}
	prev = NTT_POISON32;
	EXPECT_STATUS(NtSuspendThread(b.h, &prev), STATUS_SUSPEND_COUNT_EXCEEDED);
	EXPECT_EQ(prev, NTT_POISON32);
	EXPECT_EQ(suspend_count(b.h), 127u);
	for (i = MAXIMUM_SUSPEND_COUNT; i > 1; i--) {
		ASSERT_STATUS(NtResumeThread(b.h, &prev), STATUS_SUCCESS);
		ASSERT_EQ(prev, i);
	}
	EXPECT_FALSE(advances(&b.counter, 50));
	ASSERT_STATUS(NtResumeThread(b.h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 1u);
	EXPECT_TRUE(advances(&b.counter, 100));
	busy_stop(&b);
}

TEST(suspend_bad_handles)
{
	HANDLE limited;
	struct busy b;
	ULONG prev;

	nt_setup();
	busy_start(&b, NULL);
	EXPECT_STATUS(NtSuspendThread(NtCurrentProcess(), &prev), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtSuspendThread(NULL, &prev), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtSuspendProcess(NtCurrentThread()), STATUS_OBJECT_TYPE_MISMATCH);
	limited = xopen_thread(THREAD_QUERY_LIMITED_INFORMATION, getpid(), b.tid);
	EXPECT_STATUS(NtSuspendThread(limited, &prev), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtResumeThread(limited, &prev), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtGetContextThread(limited, new_context(CONTEXT_FULL)),
		      STATUS_ACCESS_DENIED);
	xclose(limited);
	busy_stop(&b);
}

/* ---- a thread blocked in a system call ------------------------------- */

struct reader {
	struct busy b;
	int fd[2];
	_Atomic int got;
	char c;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	atomic_store(&r->b.tid, (pid_t)syscall(SYS_gettid));
	atomic_store(&r->b.counter, 1);
	if (read(r->fd[0], &r->c, 1) == 1)
		atomic_store(&r->got, 1);
	else
		atomic_store(&r->got, -1);
	return NULL;
}

TEST(suspend_during_blocking_syscall)
{
	struct reader r;
	CONTEXT *ctx;
	ULONG prev;

	nt_setup();
	memset(&r, 0, sizeof(r));
	ASSERT_EQ(pipe(r.fd), 0);
	/* busy_start() clears r.b only: the pipe must outlive it. */
	{
		int fd0 = r.fd[0], fd1 = r.fd[1];

		busy_start(&r.b, reader_main);
		r.fd[0] = fd0;
		r.fd[1] = fd1;
	}
	sleep_ms(50);	/* in read() now */
	ASSERT_STATUS(NtSuspendThread(r.b.h, &prev), STATUS_SUCCESS);
	ctx = new_context(CONTEXT_FULL);
	ASSERT_STATUS(NtGetContextThread(r.b.h, ctx), STATUS_SUCCESS);
	/* Parked out of read(), which restarts on resume: at the syscall, rax = read. */
	EXPECT_EQ(ctx->Rax, (DWORD64)SYS_read);
	EXPECT_EQ(*(uint16_t *)(uintptr_t)ctx->Rip, 0x050f);	/* syscall */
	ASSERT_EQ(write(r.fd[1], "x", 1), 1);
	sleep_ms(100);
	EXPECT_EQ(atomic_load(&r.got), 0);
	ASSERT_STATUS(NtResumeThread(r.b.h, &prev), STATUS_SUCCESS);
	ASSERT_EQ(pthread_join(r.b.thread, NULL), 0);
	EXPECT_EQ(atomic_load(&r.got), 1);
	EXPECT_EQ(r.c, 'x');
	xclose(r.b.h);
	munmap(r.b.stack, r.b.stack_size);
	close(r.fd[0]);
	close(r.fd[1]);
	free(ctx);
}

/* ---- contexts ---------------------------------------------------------- */

TEST(context_of_suspended_thread)
{
	struct busy b;
	CONTEXT *ctx;
	uintptr_t rip, rsp, lo, hi;

	nt_setup();
	busy_start(&b, NULL);
	ASSERT_STATUS(NtSuspendThread(b.h, NULL), STATUS_SUCCESS);
	ctx = new_context(CONTEXT_ALL);
	ASSERT_STATUS(NtGetContextThread(b.h, ctx), STATUS_SUCCESS);
	rip = ctx->Rip;
	rsp = ctx->Rsp;
	lo = (uintptr_t)b.stack;
	hi = lo + b.stack_size;
	EXPECT_GE(rip, (uintptr_t)busy_loop);
	EXPECT_LT(rip, (uintptr_t)busy_loop + 256);
	EXPECT_GT(rsp, lo);
	EXPECT_LT(rsp, hi);
	EXPECT_EQ(ctx->ContextFlags, (ULONG)CONTEXT_ALL);
	EXPECT_EQ(ctx->SegCs, 0x33);
	EXPECT_EQ(ctx->SegSs, 0x2b);
	EXPECT_EQ(ctx->EFlags & 0x200, 0x200u);		/* IF */
	EXPECT_EQ(ctx->Dr7, 0u);
	EXPECT_EQ(ctx->MxCsr, ctx->FltSave.MxCsr);
	EXPECT_EQ(ctx->MxCsr & 0xffff0000u, 0u);
	/* The busy loop holds b in a register: one of them is &b. */
	EXPECT_TRUE(ctx->Rdi == (uintptr_t)&b || ctx->Rbx == (uintptr_t)&b ||
		    ctx->Rax == (uintptr_t)&b || ctx->Rdx == (uintptr_t)&b);
	/* Only the parts asked for are written. */
	memset(ctx, NTT_POISON, sizeof(*ctx));
	ctx->ContextFlags = CONTEXT_INTEGER;
	ASSERT_STATUS(NtGetContextThread(b.h, ctx), STATUS_SUCCESS);
	EXPECT_EQ(ctx->Rip, NTT_POISON64);
	EXPECT_EQ(ctx->MxCsr, NTT_POISON32);
	free(ctx);
	busy_stop(&b);
}

TEST(context_bad_arguments)
{
	char raw[sizeof(CONTEXT) + 32] __attribute__((aligned(16)));
	CONTEXT *mis = (CONTEXT *)(raw + 8);
	struct busy b;
	CONTEXT *ctx;

	nt_setup();
	busy_start(&b, NULL);
	ASSERT_STATUS(NtSuspendThread(b.h, NULL), STATUS_SUCCESS);
	ctx = new_context(CONTEXT_FULL);
	mis->ContextFlags = CONTEXT_FULL;
	EXPECT_STATUS(NtGetContextThread(b.h, mis), STATUS_DATATYPE_MISALIGNMENT);
	EXPECT_STATUS(NtSetContextThread(b.h, mis), STATUS_DATATYPE_MISALIGNMENT);
	EXPECT_STATUS(NtGetContextThread(b.h, NULL), STATUS_ACCESS_VIOLATION);
	ctx->ContextFlags = 0;
	EXPECT_STATUS(NtGetContextThread(b.h, ctx), STATUS_INVALID_PARAMETER);
	ctx->ContextFlags = 0x1f;	/* no CONTEXT_AMD64 */
	EXPECT_STATUS(NtGetContextThread(b.h, ctx), STATUS_INVALID_PARAMETER);
	ctx->ContextFlags = CONTEXT_FULL;
	ASSERT_STATUS(NtGetContextThread(b.h, ctx), STATUS_SUCCESS);
	ctx->Rip = 0xffffffff81000000ull;
	EXPECT_STATUS(NtSetContextThread(b.h, ctx), STATUS_INVALID_PARAMETER);
	ctx->Rip = 0x800000000000ull;
	EXPECT_STATUS(NtSetContextThread(b.h, ctx), STATUS_INVALID_PARAMETER);
	ASSERT_STATUS(NtGetContextThread(b.h, ctx), STATUS_SUCCESS);
	ctx->ContextFlags = CONTEXT_DEBUG_REGISTERS;
	ctx->Dr0 = (uintptr_t)&b;
	ctx->Dr7 = 1;
	EXPECT_STATUS(NtSetContextThread(b.h, ctx), STATUS_NOT_SUPPORTED);
	/* The thread was not moved by any of it. */
	EXPECT_TRUE(advances(&b.counter, 50) == 0);
	free(ctx);
	busy_stop(&b);
}

TEST(context_of_self)
{
	CONTEXT *ctx = new_context(CONTEXT_FULL);
	int local;

	nt_setup();
	ASSERT_STATUS(NtGetContextThread(NtCurrentThread(), ctx), STATUS_SUCCESS);
	EXPECT_NE(ctx->Rip, 0u);
	EXPECT_LT(ctx->Rip, 0x800000000000ull);
	EXPECT_LT(ctx->Rsp, (uintptr_t)&local);
	EXPECT_GT(ctx->Rsp, (uintptr_t)&local - 65536);
	EXPECT_EQ(ctx->SegCs, 0x33);
	free(ctx);
}

static void __attribute__((noreturn, used)) land_and_exit(uint64_t a, uint64_t b)
{
	_exit(a == 0x77 && b == 0x5a ? 0 : 1);
}

TEST(set_context_of_self)
{
	CONTEXT *ctx = new_context(CONTEXT_FULL);
	pid_t pid;
	int st;

	nt_setup();
	/* A kernel Rip is refused at once, and the call returns. */
	ASSERT_STATUS(NtGetContextThread(NtCurrentThread(), ctx), STATUS_SUCCESS);
	ctx->ContextFlags = CONTEXT_CONTROL;
	ctx->Rip = 0xffffffff81000000ull;
	EXPECT_STATUS(NtSetContextThread(NtCurrentThread(), ctx), STATUS_INVALID_PARAMETER);

	/* The call does not return: the thread goes on at the new Rip. */
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		static char stack[65536] __attribute__((aligned(16)));

		nt_setup();
		ctx->ContextFlags = CONTEXT_FULL;
		if (NtGetContextThread(NtCurrentThread(), ctx))
			_exit(2);
		ctx->ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
		ctx->Rip = (uintptr_t)land_and_exit;
		ctx->Rsp = (uintptr_t)(stack + sizeof(stack) - 8);
		ctx->Rdi = 0x77;
		ctx->Rsi = 0x5a;
		NtSetContextThread(NtCurrentThread(), ctx);
		_exit(3);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
	free(ctx);
}

static _Atomic uint64_t marker;

static void __attribute__((noreturn, used)) set_marker(uint64_t value)
{
	atomic_store(&marker, value);
	for (;;)
		pthread_exit(NULL);
}

TEST(set_context_redirects)
{
	struct busy b;
	CONTEXT *ctx;
	ULONG prev;

	nt_setup();
	atomic_store(&marker, 0);
	busy_start(&b, NULL);
	ASSERT_STATUS(NtSuspendThread(b.h, NULL), STATUS_SUCCESS);
	ctx = new_context(CONTEXT_FULL);
	ASSERT_STATUS(NtGetContextThread(b.h, ctx), STATUS_SUCCESS);
	ctx->Rip = (uintptr_t)set_marker;
	ctx->Rdi = 0x5a5a1234;
	ctx->Rcx = 0x5a5a1234;
	/* As after a call: 16-byte aligned minus the return address. */
	ctx->Rsp = ((ctx->Rsp - 4096) & ~15ull) - 8;
	ASSERT_STATUS(NtSetContextThread(b.h, ctx), STATUS_SUCCESS);
	sleep_ms(50);
	EXPECT_EQ(atomic_load(&marker), 0u);	/* still suspended */
	ASSERT_STATUS(NtResumeThread(b.h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 1u);
	ASSERT_EQ(pthread_join(b.thread, NULL), 0);
	EXPECT_EQ(atomic_load(&marker), 0x5a5a1234u);
	xclose(b.h);
	munmap(b.stack, b.stack_size);
	free(ctx);
}

/* A loop that shows what xmm15 holds. */
extern void xmm_loop(void);
static _Atomic uint64_t xmm_seen;
static _Atomic int xmm_stop;
__asm__(".text\n"
	".globl xmm_loop\n"
	".type xmm_loop, @function\n"
	"xmm_loop:\n"
	"1:	movq %xmm15, xmm_seen(%rip)\n"
	"	cmpl $0, xmm_stop(%rip)\n"
	"	je 1b\n"
	"	ret\n"
	".size xmm_loop, .-xmm_loop\n");

static void *xmm_main(void *arg)
{
	struct busy *b = arg;

	atomic_store(&b->tid, (pid_t)syscall(SYS_gettid));
	atomic_store(&b->counter, 1);
	xmm_loop();
	return NULL;
}

TEST(set_context_sse)
{
	struct busy b;
	CONTEXT *ctx;
	int i;

	nt_setup();
	busy_start(&b, xmm_main);
	ASSERT_STATUS(NtSuspendThread(b.h, NULL), STATUS_SUCCESS);
	ctx = new_context(CONTEXT_FLOATING_POINT);
	ASSERT_STATUS(NtGetContextThread(b.h, ctx), STATUS_SUCCESS);
	ctx->Xmm15.Low = 0x1122334455667788ull;
	ctx->MxCsr = 0x1f80 | 0x6000;	/* round toward zero */
	ASSERT_STATUS(NtSetContextThread(b.h, ctx), STATUS_SUCCESS);
	memset(ctx, 0, sizeof(*ctx));
	ctx->ContextFlags = CONTEXT_FLOATING_POINT;
	ASSERT_STATUS(NtGetContextThread(b.h, ctx), STATUS_SUCCESS);
	EXPECT_EQ(ctx->Xmm15.Low, 0x1122334455667788ull);
	EXPECT_EQ(ctx->MxCsr, 0x7f80u);
	EXPECT_EQ(ctx->FltSave.MxCsr, 0x7f80u);
	ASSERT_STATUS(NtResumeThread(b.h, NULL), STATUS_SUCCESS);
	for (i = 0; i < 200 && atomic_load(&xmm_seen) != 0x1122334455667788ull; i++)
		sleep_ms(5);
	EXPECT_EQ(atomic_load(&xmm_seen), 0x1122334455667788ull);
	atomic_store(&xmm_stop, 1);
	ASSERT_EQ(pthread_join(b.thread, NULL), 0);
	xclose(b.h);
	munmap(b.stack, b.stack_size);
	free(ctx);
}

/* ---- another process --------------------------------------------------- */

struct shared {
	_Atomic uint64_t counter[4];
	_Atomic int ready;
};

static void *child_spin(void *arg)
{
	_Atomic uint64_t *c = arg;

	for (;;)
		atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
	return NULL;
}

/* A child with 3 spinning threads besides its main one, which spins too. */
static pid_t spawn_spinner(struct shared *sh)
{
	pid_t parent = getpid(), pid;

	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		pthread_t t;
		int i;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(94);
		for (i = 1; i < 4; i++)
			pthread_create(&t, NULL, child_spin, (void *)&sh->counter[i]);
		atomic_store(&sh->ready, 1);
		child_spin((void *)&sh->counter[0]);
	}
	while (!atomic_load(&sh->ready))
		sched_yield();
	return pid;
}

static int any_advances(struct shared *sh, int64_t ms)
{
	uint64_t before[4];
	int i, n = 0;

	for (i = 0; i < 4; i++)
		before[i] = atomic_load(&sh->counter[i]);
	sleep_ms(ms);
	for (i = 0; i < 4; i++)
		n += atomic_load(&sh->counter[i]) != before[i];
	return n;
}

static int child_threads(HANDLE p, HANDLE *t, int max)
{
	HANDLE cur = NULL, next;
	int n = 0;

	while (n < max && NtGetNextThread(p, cur, THREAD_ALL_ACCESS, 0, 0, &next) ==
	       STATUS_SUCCESS) {
		t[n++] = next;
		cur = next;
	}
	return n;
}

TEST(suspend_process_of_child)
{
	struct shared *sh;
	HANDLE p, t[8];
	ULONG prev;
	int i, n, st;
	pid_t pid;

	nt_setup();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(sh, MAP_FAILED);
	pid = spawn_spinner(sh);
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	n = child_threads(p, t, 8);
	ASSERT_EQ(n, 4);

	/* One thread alone. */
	ASSERT_STATUS(NtSuspendThread(t[1], &prev), STATUS_SUCCESS);
	sync_parked(t[1]);
	EXPECT_EQ(any_advances(sh, 400), 3);

	/* The whole process; then undo exactly that. */
	ASSERT_STATUS(NtSuspendProcess(p), STATUS_SUCCESS);
	for (i = 0; i < n; i++)
		sync_parked(t[i]);
	EXPECT_EQ(any_advances(sh, 100), 0);
	EXPECT_EQ(suspend_count(t[0]), 1u);
	EXPECT_EQ(suspend_count(t[1]), 2u);
	ASSERT_STATUS(NtResumeProcess(p), STATUS_SUCCESS);
	EXPECT_EQ(suspend_count(t[0]), 0u);
	EXPECT_EQ(suspend_count(t[1]), 1u);
	EXPECT_EQ(any_advances(sh, 400), 3);
	/* A second resume of the process takes nothing that was not its own. */
	ASSERT_STATUS(NtResumeProcess(p), STATUS_SUCCESS);
	EXPECT_EQ(suspend_count(t[1]), 1u);
	ASSERT_STATUS(NtResumeThread(t[1], &prev), STATUS_SUCCESS);
	EXPECT_EQ(any_advances(sh, 400), 4);

	/* SIGKILL of a suspended process works. */
	ASSERT_STATUS(NtSuspendProcess(p), STATUS_SUCCESS);
	sync_parked(t[0]);
	ASSERT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	EXPECT_STATUS(wait_ms(p, 5000), STATUS_SUCCESS);
	EXPECT_STATUS(NtSuspendThread(t[0], &prev), STATUS_THREAD_IS_TERMINATING);
	EXPECT_STATUS(NtGetContextThread(t[0], new_context(CONTEXT_FULL)),
		      STATUS_THREAD_IS_TERMINATING);
	for (i = 0; i < n; i++)
		xclose(t[i]);
	xclose(p);
	munmap(sh, sizeof(*sh));
}

/*
 * A suspended process's memory is still the creator's to fill, as a debugger
 * or a loader does on Windows (CREATE_SUSPENDED, then VirtualAllocEx,
 * WriteProcessMemory, a view): every call completes while it stays parked.
 */
TEST_TIMEOUT(memory_of_suspended_process, 120)
{
	LARGE_INTEGER max = { .QuadPart = 65536 };
	uint64_t word = 0x1122334455667788ull, back = 0;
	MEMORY_BASIC_INFORMATION mbi;
	HANDLE p, t[8], section;
	PVOID base = NULL, view = NULL;
	SIZE_T size = 8192, vsize = 0;
	struct shared *sh;
	ULONG old;
	int i, n, st;
	pid_t pid;

	nt_setup();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(sh, MAP_FAILED);
	pid = spawn_spinner(sh);
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	n = child_threads(p, t, 8);
	ASSERT_EQ(n, 4);
	ASSERT_STATUS(NtSuspendProcess(p), STATUS_SUCCESS);
	for (i = 0; i < n; i++)
		sync_parked(t[i]);

	EXPECT_STATUS(NtAllocateVirtualMemory(p, &base, 0, &size, MEM_RESERVE | MEM_COMMIT,
					      PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_STATUS(NtWriteVirtualMemory(p, base, &word, sizeof(word), NULL), STATUS_SUCCESS);
	EXPECT_STATUS(NtReadVirtualMemory(p, base, &back, sizeof(back), NULL), STATUS_SUCCESS);
	EXPECT_EQ(back, word);
	EXPECT_STATUS(NtProtectVirtualMemory(p, &base, &size, PAGE_READONLY, &old),
		      STATUS_SUCCESS);
	EXPECT_STATUS(NtQueryVirtualMemory(p, base, MemoryBasicInformation, &mbi, sizeof(mbi),
					   NULL), STATUS_SUCCESS);
	EXPECT_EQ(mbi.Protect, (ULONG)PAGE_READONLY);
	size = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(p, &base, &size, MEM_RELEASE), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_SUCCESS);
	EXPECT_STATUS(NtMapViewOfSection(section, p, &view, 0, 0, NULL, &vsize, ViewUnmap, 0,
					 PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_STATUS(NtWriteVirtualMemory(p, view, &word, sizeof(word), NULL), STATUS_SUCCESS);
	EXPECT_STATUS(NtUnmapViewOfSection(p, view), STATUS_SUCCESS);
	xclose(section);
	/* It stayed suspended throughout, and runs again once resumed. */
	EXPECT_EQ(any_advances(sh, 100), 0);
	ASSERT_STATUS(NtResumeProcess(p), STATUS_SUCCESS);
	EXPECT_EQ(any_advances(sh, 400), 4);

	ASSERT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	for (i = 0; i < n; i++)
		xclose(t[i]);
	xclose(p);
	munmap(sh, sizeof(*sh));
}

TEST(terminate_suspended_process)
{
	struct shared *sh;
	HANDLE p;
	pid_t pid;
	int st;

	nt_setup();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(sh, MAP_FAILED);
	pid = spawn_spinner(sh);
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	ASSERT_STATUS(NtSuspendProcess(p), STATUS_SUCCESS);
	ASSERT_STATUS(NtTerminateProcess(p, 0x1234), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(p, 5000), STATUS_SUCCESS);
	EXPECT_STATUS(exit_status(p), 0x1234);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	xclose(p);
	munmap(sh, sizeof(*sh));
}

/* ---- access across users ---------------------------------------------- */

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	       setresuid(65534, 65534, 65534);
}

/* What another user (nobody) may do to @pid's main thread: bits of failures. */
static int foreign_thread_as_nobody(pid_t pid)
{
	CONTEXT *ctx = new_context(CONTEXT_FULL);
	HANDLE h;
	ULONG prev;
	int bad = 0;

	if (open_thread(&h, THREAD_SUSPEND_RESUME, pid, pid) != STATUS_ACCESS_DENIED)
		bad |= 1;
	if (open_thread(&h, THREAD_GET_CONTEXT, pid, pid) != STATUS_ACCESS_DENIED)
		bad |= 2;
	if (open_process(&h, PROCESS_SUSPEND_RESUME, pid) != STATUS_ACCESS_DENIED)
		bad |= 4;
	if (open_thread(&h, THREAD_QUERY_LIMITED_INFORMATION, pid, pid) != STATUS_SUCCESS) {
		bad |= 8;
	} else {
		if (NtSuspendThread(h, &prev) != STATUS_ACCESS_DENIED)
			bad |= 16;
		if (NtGetContextThread(h, ctx) != STATUS_ACCESS_DENIED)
			bad |= 32;
		NtClose(h);
	}
	free(ctx);
	return bad;
}

TEST(access_denied_across_users)
{
	struct kid k;
	int st, bad;
	pid_t pid;

	nt_setup();
	if (ntt_unprivileged()) {
		bad = foreign_thread_as_nobody(1);
		if (bad)
			fprintf(stderr, "# failures 0x%x\n", bad);
		EXPECT_EQ(bad, 0);
		return;
	}
	k = kid_spawn(KID_SLEEP, 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (drop_to_nobody())
			_exit(200);
		bad = foreign_thread_as_nobody(k.pid);
		if (bad)
			fprintf(stderr, "# failures 0x%x\n", bad);
		_exit(bad ? 1 : 0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
	kill(k.pid, SIGKILL);
	kid_reap(&k);
}

/* ---- stress ----------------------------------------------------------- */

static void *short_lived(void *arg)
{
	volatile int i;

	for (i = 0; i < (int)(uintptr_t)arg; i++)
		;
	return NULL;
}

static void *spawner(void *arg)
{
	pthread_t t;

	(void)arg;
	for (;;) {
		if (!pthread_create(&t, NULL, short_lived, (void *)(uintptr_t)(1000 + rand() % 100000)))
			pthread_join(t, NULL);
	}
	return NULL;
}

TEST_TIMEOUT(stress_exiting_threads, 120)
{
	CONTEXT *ctx = new_context(CONTEXT_FULL);
	uint64_t seed = ntt_seed();
	pid_t parent = getpid(), pid;
	int64_t t0;
	HANDLE p, t[64];
	int i, n, st, rounds = 0;

	nt_setup();
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		pthread_t th;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(94);
		for (i = 0; i < 6; i++)
			pthread_create(&th, NULL, spawner, NULL);
		for (;;)
			pause();
	}
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	t0 = mono_ns();
	while (ms_since(t0) < 3000) {
		n = child_threads(p, t, 64);
		for (i = 0; i < n; i++) {
			NTSTATUS s = NtSuspendThread(t[i], NULL);

			if (ntt_rand(&seed) & 1) {
				ctx->ContextFlags = CONTEXT_FULL;
				NtGetContextThread(t[i], ctx);
			}
			if (s == STATUS_SUCCESS)
				NtResumeThread(t[i], NULL);
		}
		if (ntt_rand(&seed) % 4 == 0) {
			EXPECT_STATUS(NtSuspendProcess(p), STATUS_SUCCESS);
			EXPECT_STATUS(NtResumeProcess(p), STATUS_SUCCESS);
		}
		for (i = 0; i < n; i++)
			NtClose(t[i]);
		rounds++;
	}
	fprintf(stderr, "# %d rounds\n", rounds);
	/* Nothing is left suspended: the child still makes threads. */
	ASSERT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFSIGNALED(st));
	xclose(p);
	free(ctx);
}

/* ---- a thread that suspends itself ------------------------------------ */

static void *self_suspender(void *arg)
{
	struct busy *b = arg;
	ULONG prev = NTT_POISON32;

	atomic_store(&b->tid, (pid_t)syscall(SYS_gettid));
	atomic_store(&b->counter, 1);
	while (!atomic_load(&b->stop))
		sched_yield();
	/* Returns only once another thread resumes it. */
	if (NtSuspendThread(NtCurrentThread(), &prev) == STATUS_SUCCESS && prev == 0)
		atomic_store(&b->counter, 2);
	return NULL;
}

TEST(suspend_self)
{
	struct busy b;
	ULONG prev;
	int i;

	nt_setup();
	busy_start(&b, self_suspender);
	atomic_store(&b.stop, 1);
	for (i = 0; i < 400 && suspend_count(b.h) != 1; i++)
		sleep_ms(5);
	ASSERT_EQ(suspend_count(b.h), 1u);
	sync_parked(b.h);
	sleep_ms(50);
	EXPECT_EQ(atomic_load(&b.counter), 1u);
	ASSERT_STATUS(NtResumeThread(b.h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 1u);
	ASSERT_EQ(pthread_join(b.thread, NULL), 0);
	EXPECT_EQ(atomic_load(&b.counter), 2u);
	xclose(b.h);
	munmap(b.stack, b.stack_size);
}
