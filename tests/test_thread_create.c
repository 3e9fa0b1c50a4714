// SPDX-License-Identifier: GPL-2.0
/*
 * NtCreateThreadEx, and NtTerminateThread/NtTerminateProcess(NULL) on other
 * threads: threads made in this process and in a forked (adopted) child,
 * their stacks and TEBs, CREATE_SUSPENDED, exit statuses, bad arguments,
 * access across users, and a create/exit stress with the module's object
 * count back to where it was.
 *
 * The routines of threads made here run without a Linux TLS (their fs base
 * is 0, their gs base is their TEB, as on Windows): they call nothing of the
 * C library and are built without the stack protector.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "nt_util.h"

#define NO_TLS __attribute__((no_stack_protector, noinline))

#define TEB_STACK_BASE		0x08
#define TEB_STACK_LIMIT		0x10
#define TEB_SELF		0x30
#define TEB_CLIENT_PROCESS	0x40
#define TEB_CLIENT_THREAD	0x48
#define TEB_DEALLOCATION_STACK	0x1478

static _Atomic uint64_t seen_arg, seen_rdi_rcx, seen_teb, seen_sp, ran;

static NO_TLS NTSTATUS NTAPI record(PVOID arg)
{
	uint64_t teb, rcx, rdi;

	__asm__ volatile("mov %%rcx, %0\n\tmov %%rdi, %1" : "=r"(rcx), "=r"(rdi));
	__asm__ volatile("mov %%gs:0x30, %0" : "=r"(teb));
	atomic_store(&seen_rdi_rcx, rcx == rdi);
	atomic_store(&seen_arg, (uint64_t)(uintptr_t)arg);
	atomic_store(&seen_teb, teb);
	atomic_store(&seen_sp, (uint64_t)(uintptr_t)__builtin_frame_address(0));
	atomic_fetch_add(&ran, 1);
	return (NTSTATUS)0xC0001234;
}

static _Atomic int spin_stop;
static _Atomic uint64_t spins;

static NO_TLS NTSTATUS NTAPI spin(PVOID arg)
{
	(void)arg;
	while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
		atomic_fetch_add_explicit(&spins, 1, memory_order_relaxed);
	return 5;
}

static NO_TLS NTSTATUS NTAPI end_self(PVOID arg)
{
	NtTerminateThread(NtCurrentThread(), (NTSTATUS)(uintptr_t)arg);
	return 1;	/* not reached */
}

static NTSTATUS create(PHANDLE h, HANDLE process, PUSER_THREAD_START_ROUTINE fn, PVOID arg,
		       ULONG flags, PCLIENT_ID cid, PTEB *teb)
{
	struct {
		SIZE_T total;
		PS_ATTRIBUTE a[2];
	} list = { sizeof(list), {
		{ PS_ATTRIBUTE_CLIENT_ID, sizeof(CLIENT_ID), { .ValuePtr = cid }, NULL },
		{ PS_ATTRIBUTE_TEB_ADDRESS, sizeof(PTEB), { .ValuePtr = teb }, NULL },
	} };
	CLIENT_ID c;
	PTEB t;

	if (!cid)
		list.a[0].ValuePtr = &c;
	if (!teb)
		list.a[1].ValuePtr = &t;
	return NtCreateThreadEx(h, THREAD_ALL_ACCESS, NULL, process, fn, arg, flags, 0, 0, 0,
				(PPS_ATTRIBUTE_LIST)&list);
}

static MEMORY_BASIC_INFORMATION query(HANDLE p, uint64_t addr)
{
	MEMORY_BASIC_INFORMATION mbi;

	memset(&mbi, NTT_POISON, sizeof(mbi));
	ASSERT_STATUS(NtQueryVirtualMemory(p, (PVOID)(uintptr_t)addr, MemoryBasicInformation,
					   &mbi, sizeof(mbi), NULL), STATUS_SUCCESS);
	return mbi;
}

TEST(create_in_self)
{
	MEMORY_BASIC_INFORMATION mbi;
	THREAD_BASIC_INFORMATION tbi;
	uint64_t *teb, base, limit;
	CLIENT_ID cid;
	PTEB tebp;
	HANDLE h;

	nt_setup();
	atomic_store(&ran, 0);
	ASSERT_STATUS(create(&h, NtCurrentProcess(), record, (PVOID)0x5151, 0, &cid, &tebp),
		      STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ(atomic_load(&ran), 1u);
	EXPECT_EQ(atomic_load(&seen_arg), 0x5151u);
	EXPECT_EQ(atomic_load(&seen_rdi_rcx), 1u);
	EXPECT_EQ(atomic_load(&seen_teb), (uint64_t)(uintptr_t)tebp);
	EXPECT_EQ((uint64_t)(uintptr_t)cid.UniqueProcess, (uint64_t)getpid());
	EXPECT_NE((uint64_t)(uintptr_t)cid.UniqueThread, (uint64_t)getpid());

	tbi = thread_info(h);
	EXPECT_EQ((uint32_t)tbi.ExitStatus, 0xC0001234u);
	EXPECT_EQ(tbi.TebBaseAddress, tebp);
	EXPECT_EQ(tbi.ClientId.UniqueThread, cid.UniqueThread);
	/* Its stack and TEB went with it. */
	mbi = query(NtCurrentProcess(), (uint64_t)(uintptr_t)tebp);
	EXPECT_EQ(mbi.State, (ULONG)MEM_FREE);
	xclose(h);

	/* Alive: the TEB names the thread, its stack holds the routine's frame. */
	atomic_store(&spin_stop, 0);
	atomic_store(&spins, 0);
	ASSERT_STATUS(create(&h, NtCurrentProcess(), spin, NULL, 0, &cid, &tebp),
		      STATUS_SUCCESS);
	while (!atomic_load(&spins))
		sched_yield();
	teb = (uint64_t *)tebp;
	base = teb[TEB_STACK_BASE / 8];
	limit = teb[TEB_STACK_LIMIT / 8];
	EXPECT_EQ(teb[TEB_SELF / 8], (uint64_t)(uintptr_t)tebp);
	EXPECT_EQ(teb[TEB_CLIENT_PROCESS / 8], (uint64_t)getpid());
	EXPECT_EQ(teb[TEB_CLIENT_THREAD / 8], (uint64_t)(uintptr_t)cid.UniqueThread);
	EXPECT_EQ(base - limit, 64u << 10);
	EXPECT_EQ(base - teb[TEB_DEALLOCATION_STACK / 8], 1u << 20);
	/* The committed top, a guard page below, the rest reserved. */
	mbi = query(NtCurrentProcess(), limit);
	EXPECT_EQ(mbi.State, (ULONG)MEM_COMMIT);
	EXPECT_EQ(mbi.Type, (ULONG)MEM_PRIVATE);
	EXPECT_EQ(mbi.Protect, (ULONG)PAGE_READWRITE);
	EXPECT_EQ((uint64_t)(uintptr_t)mbi.AllocationBase, teb[TEB_DEALLOCATION_STACK / 8]);
	mbi = query(NtCurrentProcess(), limit - 4096);
	EXPECT_EQ(mbi.Protect, (ULONG)(PAGE_READWRITE | PAGE_GUARD));
	mbi = query(NtCurrentProcess(), limit - 8192);
	EXPECT_EQ(mbi.State, (ULONG)MEM_RESERVE);
	atomic_store(&spin_stop, 1);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ(thread_info(h).ExitStatus, 5);
	xclose(h);

	/* The frame of the first routine was on its own NT stack. */
	ASSERT_STATUS(create(&h, NtCurrentProcess(), record, NULL, 0, &cid, &tebp),
		      STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	xclose(h);
}

TEST(create_suspended_then_resume)
{
	ULONG prev = NTT_POISON32, n = 0;
	HANDLE h;

	nt_setup();
	atomic_store(&ran, 0);
	ASSERT_STATUS(create(&h, NtCurrentProcess(), record, (PVOID)7,
			     THREAD_CREATE_FLAGS_CREATE_SUSPENDED, NULL, NULL), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(h, 300), STATUS_TIMEOUT);
	EXPECT_EQ(atomic_load(&ran), 0u);
	EXPECT_STATUS(NtQueryInformationThread(h, ThreadSuspendCount, &n, sizeof(n), NULL),
		      STATUS_SUCCESS);
	EXPECT_EQ(n, 1u);
	ASSERT_STATUS(NtResumeThread(h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 1u);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ(atomic_load(&ran), 1u);
	EXPECT_EQ(atomic_load(&seen_arg), 7u);
	xclose(h);
}

TEST(terminate_created_thread_itself)
{
	HANDLE h;

	nt_setup();
	ASSERT_STATUS(create(&h, NtCurrentProcess(), end_self, (PVOID)0xC0000321, 0, NULL, NULL),
		      STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ((uint32_t)thread_info(h).ExitStatus, 0xC0000321u);
	xclose(h);
}

/*
 * Touch @kib KiB of stack below this frame, page by page downwards; the TEB's
 * StackLimit (gs:0x10) must have followed down to the last page touched.
 */
static NO_TLS NTSTATUS NTAPI deep(PVOID arg)
{
	size_t kib = (size_t)(uintptr_t)arg, i;
	volatile char *sp = __builtin_alloca(kib << 10);
	uintptr_t limit;

	for (i = (kib << 10); i >= 4096; i -= 4096)
		sp[i - 4096] = 1;
	__asm__ volatile("mov %%gs:0x10, %0" : "=r"(limit));
	if (limit != ((uintptr_t)sp & ~(uintptr_t)4095))
		return 0xbad;
	return 0x600d;
}

TEST(stack_grows_through_its_guard_page)
{
	HANDLE h;
	pid_t pid;
	int st;

	nt_setup();
	/* 512 KiB of a 1 MiB reservation: the guard page moves down. */
	ASSERT_STATUS(create(&h, NtCurrentProcess(), deep, (PVOID)512, 0, NULL, NULL),
		      STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ(thread_info(h).ExitStatus, 0x600d);
	xclose(h);

	/* Past the reservation: a stack overflow ends the process. */
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		nt_setup();
		if (create(&h, NtCurrentProcess(), deep, (PVOID)2048, 0, NULL, NULL))
			_exit(90);
		wait_ms(h, 5000);
		_exit(91);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

/* x86_64: mov %rcx, 0x800(%rip-relative); mov $0xC0DE, %eax; ret */
static const uint8_t remote_code[] = {
	0x48, 0x89, 0x0d, 0xf9, 0x07, 0x00, 0x00,
	0xb8, 0xde, 0xc0, 0x00, 0x00,
	0xc3,
};

TEST(create_in_adopted_child)
{
	SIZE_T size = 4096, done = 0;
	struct kid k = kid_spawn(KID_EXIT, 33);
	uint64_t marker = 0;
	PVOID code = NULL;
	HANDLE p, h;
	CLIENT_ID cid;
	int st;

	nt_setup();
	p = xopen_process(PROCESS_ALL_ACCESS, k.pid);
	ASSERT_STATUS(NtAllocateVirtualMemory(p, &code, 0, &size, MEM_RESERVE | MEM_COMMIT,
					      PAGE_EXECUTE_READWRITE), STATUS_SUCCESS);
	ASSERT_STATUS(NtWriteVirtualMemory(p, code, (PVOID)remote_code, sizeof(remote_code),
					   &done), STATUS_SUCCESS);
	/* The child is blocked in read(2): its host thread comes back to it. */
	ASSERT_STATUS(create(&h, p, (PUSER_THREAD_START_ROUTINE)code, (PVOID)0xfeedf00dull, 0,
			     &cid, NULL), STATUS_SUCCESS);
	EXPECT_EQ((uint64_t)(uintptr_t)cid.UniqueProcess, (uint64_t)k.pid);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ(thread_info(h).ExitStatus, 0xC0DE);
	ASSERT_STATUS(NtReadVirtualMemory(p, (char *)code + 0x800, &marker, sizeof(marker),
					  &done), STATUS_SUCCESS);
	EXPECT_EQ(marker, 0xfeedf00dull);
	/* The child's read(2) restarted: it still takes the go-ahead. */
	kid_go(&k);
	st = kid_reap(&k);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 33);
	xclose(h);
	xclose(p);
}

TEST(create_in_suspended_child)
{
	SIZE_T size = 4096, done = 0;
	struct kid k = kid_spawn(KID_SLEEP, 0);
	HANDLE p, h;
	PVOID code = NULL;

	nt_setup();
	p = xopen_process(PROCESS_ALL_ACCESS, k.pid);
	ASSERT_STATUS(NtAllocateVirtualMemory(p, &code, 0, &size, MEM_RESERVE | MEM_COMMIT,
					      PAGE_EXECUTE_READWRITE), STATUS_SUCCESS);
	ASSERT_STATUS(NtWriteVirtualMemory(p, code, (PVOID)remote_code, sizeof(remote_code),
					   &done), STATUS_SUCCESS);
	/* Every thread suspended: a parked one hosts the clone and parks again. */
	ASSERT_STATUS(NtSuspendProcess(p), STATUS_SUCCESS);
	ASSERT_STATUS(create(&h, p, (PUSER_THREAD_START_ROUTINE)code, (PVOID)1, 0, NULL, NULL),
		      STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ(thread_info(h).ExitStatus, 0xC0DE);
	ASSERT_STATUS(NtResumeProcess(p), STATUS_SUCCESS);
	xclose(h);
	kid_kill(&k);
	xclose(p);
}

static _Atomic pid_t victim_tid;
static _Atomic uint64_t victim_spins;

static void *victim(void *arg)
{
	(void)arg;
	atomic_store(&victim_tid, (pid_t)syscall(SYS_gettid));
	for (;;)
		atomic_fetch_add_explicit(&victim_spins, 1, memory_order_relaxed);
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	atomic_store(&victim_tid, (pid_t)syscall(SYS_gettid));
	for (;;)
		pause();
	return NULL;
}

TEST(terminate_other_threads)
{
	pthread_t t;
	HANDLE h;
	ULONG prev;
	uint64_t before;

	nt_setup();
	/* A running thread. */
	atomic_store(&victim_tid, 0);
	ASSERT_EQ(pthread_create(&t, NULL, victim, NULL), 0);
	while (!atomic_load(&victim_tid) || !atomic_load(&victim_spins))
		sched_yield();
	h = xopen_thread(THREAD_ALL_ACCESS, getpid(), atomic_load(&victim_tid));
	ASSERT_STATUS(NtTerminateThread(h, (NTSTATUS)0xC0000042), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ((uint32_t)thread_info(h).ExitStatus, 0xC0000042u);
	before = atomic_load(&victim_spins);
	sleep_ms(50);
	EXPECT_EQ(atomic_load(&victim_spins), before);
	/* glibc's join sees the thread gone (CLONE_CHILD_CLEARTID). */
	EXPECT_EQ(pthread_join(t, NULL), 0);
	EXPECT_STATUS(NtTerminateThread(h, 1), STATUS_THREAD_IS_TERMINATING);
	xclose(h);

	/* A blocked thread, and a suspended one. */
	atomic_store(&victim_tid, 0);
	ASSERT_EQ(pthread_create(&t, NULL, sleeper, NULL), 0);
	while (!atomic_load(&victim_tid))
		sched_yield();
	h = xopen_thread(THREAD_ALL_ACCESS, getpid(), atomic_load(&victim_tid));
	ASSERT_STATUS(NtSuspendThread(h, &prev), STATUS_SUCCESS);
	ASSERT_STATUS(NtTerminateThread(h, 77), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 5000), STATUS_SUCCESS);
	EXPECT_EQ(thread_info(h).ExitStatus, 77);
	EXPECT_EQ(pthread_join(t, NULL), 0);
	xclose(h);
}

TEST(terminate_last_thread_of_child)
{
	struct kid k = kid_spawn(KID_SLEEP, 0);
	HANDLE p, t = NULL;
	int st;

	nt_setup();
	p = xopen_process(PROCESS_ALL_ACCESS, k.pid);
	ASSERT_STATUS(NtGetNextThread(p, NULL, THREAD_ALL_ACCESS, 0, 0, &t), STATUS_SUCCESS);
	ASSERT_STATUS(NtTerminateThread(t, (NTSTATUS)0xC0000055), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(p, 5000), STATUS_SUCCESS);
	EXPECT_EQ((uint32_t)exit_status(p), 0xC0000055u);
	EXPECT_EQ((uint32_t)thread_info(t).ExitStatus, 0xC0000055u);
	st = kid_reap(&k);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0x55);
	xclose(t);
	xclose(p);
}

TEST(terminate_process_null)
{
	pid_t pid;
	int st;

	nt_setup();
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		HANDLE h[3];
		pthread_t t[3];
		int i, bad = 0;

		for (i = 0; i < 3; i++) {
			atomic_store(&victim_tid, 0);
			if (pthread_create(&t[i], NULL, i ? victim : sleeper, NULL))
				_exit(90);
			while (!atomic_load(&victim_tid))
				sched_yield();
			if (open_thread(&h[i], SYNCHRONIZE | THREAD_QUERY_INFORMATION, getpid(),
					atomic_load(&victim_tid)))
				_exit(91);
		}
		if (NtTerminateProcess(NULL, 0x1d) != STATUS_SUCCESS)
			_exit(92);
		for (i = 0; i < 3; i++) {
			THREAD_BASIC_INFORMATION tbi;

			if (wait_ms(h[i], 5000) != STATUS_SUCCESS)
				bad |= 1;
			if (NtQueryInformationThread(h[i], ThreadBasicInformation, &tbi,
						     sizeof(tbi), NULL) || tbi.ExitStatus != 0x1d)
				bad |= 2;
		}
		_exit(bad ? 80 + bad : 0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST(create_bad_arguments)
{
	struct {
		SIZE_T total;
		PS_ATTRIBUTE a[1];
	} list = { sizeof(list), { { 0x12345, 8, { 0 }, NULL } } };
	HANDLE h = (HANDLE)0x1234, t, weak;
	PVOID fn = (PVOID)record;

	nt_setup();
	EXPECT_STATUS(NtCreateThreadEx(NULL, THREAD_ALL_ACCESS, NULL, NtCurrentProcess(), record,
				       NULL, 0, 0, 0, 0, NULL), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, NtCurrentProcess(), record,
				       NULL, 0x80, 0, 0, 0, NULL), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, NtCurrentProcess(), NULL,
				       NULL, 0, 0, 0, 0, NULL), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, NtCurrentProcess(),
				       (PUSER_THREAD_START_ROUTINE)0xffff800000001000ull,
				       NULL, 0, 0, 0, 0, NULL), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, NtCurrentProcess(), record,
				       NULL, 0, 0, 1ull << 50, 0, NULL), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, NtCurrentProcess(), record,
				       NULL, 0, 0, 0, 0, (PPS_ATTRIBUTE_LIST)&list),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, (HANDLE)0x7ffc, record,
				       NULL, 0, 0, 0, 0, NULL), STATUS_INVALID_HANDLE);
	/* A thread handle is not a process. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), NtCurrentThread(), NtCurrentProcess(),
					&t, 0, 0, DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	EXPECT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, t, record, NULL, 0, 0, 0, 0,
				       NULL), STATUS_OBJECT_TYPE_MISMATCH);
	xclose(t);
	/* Without PROCESS_CREATE_THREAD. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NtCurrentProcess(),
					&weak, PROCESS_ALL_ACCESS & ~PROCESS_CREATE_THREAD, 0, 0),
		      STATUS_SUCCESS);
	EXPECT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, weak, record, NULL, 0, 0, 0,
				       0, NULL), STATUS_ACCESS_DENIED);
	xclose(weak);
	EXPECT_EQ(h, (HANDLE)0x1234);
	(void)fn;
}

TEST(create_across_users)
{
	struct kid k;
	pid_t pid;
	int st;

	nt_setup();
	if (geteuid())
		SKIP("needs root to make a foreign process");
	k = kid_spawn(KID_SLEEP, 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		HANDLE p;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(90);
		/* No PROCESS_CREATE_THREAD on root's process. */
		_exit(open_process(&p, PROCESS_CREATE_THREAD, k.pid) == STATUS_ACCESS_DENIED ?
		      0 : 91);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	kid_kill(&k);
}

struct storm {
	HANDLE process;
	PVOID code;
	_Atomic int stop;
	_Atomic long created, suspended, apcs, terminated;
};

static void *storm_create(void *arg)
{
	struct storm *st = arg;
	HANDLE h;

	while (!atomic_load(&st->stop)) {
		if (create(&h, st->process, (PUSER_THREAD_START_ROUTINE)st->code, NULL, 0, NULL,
			   NULL) == STATUS_SUCCESS) {
			atomic_fetch_add(&st->created, 1);
			NtClose(h);
		}
	}
	return NULL;
}

static void *storm_suspend(void *arg)
{
	struct storm *st = arg;

	while (!atomic_load(&st->stop)) {
		if (NtSuspendProcess(st->process) == STATUS_SUCCESS)
			atomic_fetch_add(&st->suspended, 1);
		NtResumeProcess(st->process);
	}
	return NULL;
}

static void *storm_threads(void *arg)
{
	CONTEXT *ctx = aligned_alloc(16, sizeof(*ctx));
	THREAD_BASIC_INFORMATION tbi;
	struct storm *st = arg;
	HANDLE cur, next;
	int n = 0;

	while (!atomic_load(&st->stop)) {
		cur = NULL;
		while (NtGetNextThread(st->process, cur, THREAD_ALL_ACCESS, 0, 0, &next) ==
		       STATUS_SUCCESS) {
			if (cur)
				NtClose(cur);
			cur = next;
			if (NtQueueApcThread(cur, (PPS_APC_ROUTINE)st->code, NULL, NULL, NULL) ==
			    STATUS_SUCCESS)
				atomic_fetch_add(&st->apcs, 1);
			ctx->ContextFlags = CONTEXT_FULL;
			NtGetContextThread(cur, ctx);
			/* Every few rounds, end a thread the storm made (not the first). */
			if (++n % 7 == 0 &&
			    NtQueryInformationThread(cur, ThreadBasicInformation, &tbi,
						     sizeof(tbi), NULL) == STATUS_SUCCESS &&
			    tbi.TebBaseAddress && NtTerminateThread(cur, 9) == STATUS_SUCCESS)
				atomic_fetch_add(&st->terminated, 1);
		}
		if (cur)
			NtClose(cur);
	}
	free(ctx);
	return NULL;
}

TEST_TIMEOUT(storm_on_a_child, 300)
{
	long objects;
	struct kid k = kid_spawn(KID_EXIT, 0);
	SIZE_T size = 4096, done = 0;
	struct storm st = { 0 };
	pthread_t t[4];
	int i;

	nt_setup();
	objects = objects_now();
	st.process = xopen_process(PROCESS_ALL_ACCESS, k.pid);
	ASSERT_STATUS(NtAllocateVirtualMemory(st.process, &st.code, 0, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE),
		      STATUS_SUCCESS);
	ASSERT_STATUS(NtWriteVirtualMemory(st.process, st.code, (PVOID)remote_code,
					   sizeof(remote_code), &done), STATUS_SUCCESS);
	ASSERT_EQ(pthread_create(&t[0], NULL, storm_create, &st), 0);
	ASSERT_EQ(pthread_create(&t[1], NULL, storm_create, &st), 0);
	ASSERT_EQ(pthread_create(&t[2], NULL, storm_suspend, &st), 0);
	ASSERT_EQ(pthread_create(&t[3], NULL, storm_threads, &st), 0);
	sleep_ms(8000);
	atomic_store(&st.stop, 1);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("# created %ld, suspended %ld, apcs %ld, terminated %ld\n",
	       atomic_load(&st.created), atomic_load(&st.suspended), atomic_load(&st.apcs),
	       atomic_load(&st.terminated));
	EXPECT_GT(atomic_load(&st.created), 0);
	EXPECT_GT(atomic_load(&st.suspended), 0);
	EXPECT_GT(atomic_load(&st.apcs), 0);
	/* The child is whole: its read(2) restarted through all of it. */
	kid_go(&k);
	i = kid_reap(&k);
	EXPECT_TRUE(WIFEXITED(i) && WEXITSTATUS(i) == 0);
	xclose(st.process);
	EXPECT_EQ(settle_param("objects", objects), objects);
}

TEST_TIMEOUT(stress_create_exit, 300)
{
	long objects;
	SIZE_T size = 4096, done = 0;
	struct kid k = kid_spawn(KID_SLEEP, 0);
	HANDLE p, h[16];
	PVOID code = NULL;
	int round, i;

	nt_setup();
	objects = objects_now();
	p = xopen_process(PROCESS_ALL_ACCESS, k.pid);
	ASSERT_STATUS(NtAllocateVirtualMemory(p, &code, 0, &size, MEM_RESERVE | MEM_COMMIT,
					      PAGE_EXECUTE_READWRITE), STATUS_SUCCESS);
	ASSERT_STATUS(NtWriteVirtualMemory(p, code, (PVOID)remote_code, sizeof(remote_code),
					   &done), STATUS_SUCCESS);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 16; i++) {
			HANDLE target = (i & 1) ? p : NtCurrentProcess();
			PVOID fn = (i & 1) ? code : (PVOID)record;

			NTSTATUS st = create(&h[i], target, (PUSER_THREAD_START_ROUTINE)fn,
					     (PVOID)(uintptr_t)i, 0, NULL, NULL);

			if (st)
				printf("# round %d thread %d\n", round, i);
			ASSERT_STATUS(st, STATUS_SUCCESS);
		}
		for (i = 0; i < 16; i++) {
			ASSERT_STATUS(wait_ms(h[i], 10000), STATUS_SUCCESS);
			xclose(h[i]);
		}
	}
	kid_kill(&k);
	xclose(p);
	/* Every thread object went with its thread; the child's too. */
	EXPECT_EQ(settle_param("objects", objects), objects);
}
