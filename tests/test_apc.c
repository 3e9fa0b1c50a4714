// SPDX-License-Identifier: GPL-2.0
/*
 * User APCs: NtQueueApcThread, alertable waits that return STATUS_USER_APC
 * after running them (NtWaitForSingleObject, NtDelayExecution), NtTestAlert,
 * FIFO order, alerts first, non-alertable waits untouched, the queue's
 * limit, rights, threads that exit with APCs queued, both calling
 * conventions, and APCs in a thread NtCreateThreadEx made.
 */
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "nt_util.h"
#include "uapi/ntexec.h"

NTSTATUS __attribute__((ms_abi)) NtxMs_NtQueueApcThread(HANDLE, PPS_APC_ROUTINE, PVOID, PVOID,
							PVOID);

static _Atomic int order[16];
static _Atomic int calls;
static _Atomic pid_t apc_tid;
static _Atomic uint64_t sum;

#define NO_TLS __attribute__((no_stack_protector, noinline))

/* Also runs in a thread NtCreateThreadEx made: no Linux TLS there. */
static NO_TLS void NTAPI apc(PVOID a1, PVOID a2, PVOID a3)
{
	int n = atomic_fetch_add(&calls, 1);

	if (n < 16)
		atomic_store(&order[n], (int)(uintptr_t)a1);
	atomic_store(&apc_tid, (pid_t)syscall(SYS_gettid));
	atomic_fetch_add(&sum, (uint64_t)(uintptr_t)a2 + (uint64_t)(uintptr_t)a3);
}

static void __attribute__((ms_abi)) ms_apc(PVOID a1, PVOID a2, PVOID a3)
{
	atomic_fetch_add(&calls, 1);
	atomic_store(&sum, (uint64_t)(uintptr_t)a1 * 100 + (uint64_t)(uintptr_t)a2 * 10 +
			   (uint64_t)(uintptr_t)a3);
}

static void reset(void)
{
	atomic_store(&calls, 0);
	atomic_store(&sum, 0);
	atomic_store(&apc_tid, 0);
}

static NTSTATUS delay(BOOLEAN alertable, int64_t ms)
{
	LARGE_INTEGER t = rel_ms(ms);

	return NtDelayExecution(alertable, &t);
}

TEST(apc_to_self_runs_in_alertable_waits_only)
{
	int i;

	nt_setup();
	reset();
	for (i = 0; i < 3; i++)
		ASSERT_STATUS(NtQueueApcThread(NtCurrentThread(), apc, (PVOID)(uintptr_t)(i + 1),
					       (PVOID)10, (PVOID)1), STATUS_SUCCESS);
	/* Not alertable: the wait runs its course, nothing runs. */
	EXPECT_STATUS(delay(FALSE, 50), STATUS_SUCCESS);
	EXPECT_STATUS(NtWaitForSingleObject(NtCurrentThread(), FALSE, &(LARGE_INTEGER){
						    .QuadPart = -100000 }), STATUS_TIMEOUT);
	EXPECT_EQ(atomic_load(&calls), 0);
	/* Alertable: returns at once, after all three, in order. */
	EXPECT_STATUS(delay(TRUE, 10000), STATUS_USER_APC);
	EXPECT_EQ(atomic_load(&calls), 3);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(atomic_load(&order[i]), i + 1);
	EXPECT_EQ(atomic_load(&sum), 33u);
	EXPECT_EQ(atomic_load(&apc_tid), (pid_t)syscall(SYS_gettid));
	/* The queue is empty now: an alertable wait times out. */
	EXPECT_STATUS(delay(TRUE, 20), STATUS_SUCCESS);
	EXPECT_EQ(atomic_load(&calls), 3);
}

TEST(test_alert_runs_apcs_and_alerts_come_first)
{
	nt_setup();
	reset();
	ASSERT_STATUS(NtQueueApcThread(NtCurrentThread(), apc, (PVOID)1, NULL, NULL),
		      STATUS_SUCCESS);
	EXPECT_STATUS(NtTestAlert(), STATUS_SUCCESS);
	EXPECT_EQ(atomic_load(&calls), 1);

	ASSERT_STATUS(NtQueueApcThread(NtCurrentThread(), apc, (PVOID)2, NULL, NULL),
		      STATUS_SUCCESS);
	ASSERT_STATUS(NtAlertThread(NtCurrentThread()), STATUS_SUCCESS);
	EXPECT_STATUS(delay(TRUE, 1000), STATUS_ALERTED);
	EXPECT_EQ(atomic_load(&calls), 1);
	EXPECT_STATUS(delay(TRUE, 1000), STATUS_USER_APC);
	EXPECT_EQ(atomic_load(&calls), 2);
}

static _Atomic pid_t waiter_tid;
static _Atomic NTSTATUS waiter_status;
static _Atomic int waiter_done;

static void *waiter(void *arg)
{
	HANDLE never = arg;

	atomic_store(&waiter_tid, (pid_t)syscall(SYS_gettid));
	atomic_store(&waiter_status, NtWaitForSingleObject(never, TRUE, NULL));
	atomic_store(&waiter_done, 1);
	return NULL;
}

TEST(apc_to_another_thread_ends_its_alertable_wait)
{
	pthread_t t;
	HANDLE h;
	int i;

	nt_setup();
	reset();
	atomic_store(&waiter_tid, 0);
	atomic_store(&waiter_done, 0);
	/* It waits on this (main) thread, which does not end first. */
	ASSERT_EQ(pthread_create(&t, NULL, waiter, NtCurrentThread()), 0);
	while (!atomic_load(&waiter_tid))
		sched_yield();
	h = xopen_thread(THREAD_ALL_ACCESS, getpid(), atomic_load(&waiter_tid));
	sleep_ms(50);
	EXPECT_EQ(atomic_load(&waiter_done), 0);
	ASSERT_STATUS(NtQueueApcThread(h, apc, (PVOID)9, (PVOID)5, (PVOID)6), STATUS_SUCCESS);
	for (i = 0; i < 500 && !atomic_load(&waiter_done); i++)
		sleep_ms(10);
	EXPECT_EQ(atomic_load(&waiter_done), 1);
	EXPECT_EQ(atomic_load(&waiter_status), STATUS_USER_APC);
	EXPECT_EQ(atomic_load(&calls), 1);
	EXPECT_EQ(atomic_load(&apc_tid), atomic_load(&waiter_tid));
	EXPECT_EQ(atomic_load(&sum), 11u);
	EXPECT_EQ(pthread_join(t, NULL), 0);
	/* Queued to a thread that has ended: refused, as NT does. */
	EXPECT_STATUS(NtQueueApcThread(h, apc, NULL, NULL, NULL), STATUS_UNSUCCESSFUL);
	xclose(h);
}

TEST(ms_abi_apc)
{
	nt_setup();
	reset();
	ASSERT_STATUS(NtxMs_NtQueueApcThread(NtCurrentThread(), (PPS_APC_ROUTINE)ms_apc, (PVOID)1,
					     (PVOID)2, (PVOID)3), STATUS_SUCCESS);
	EXPECT_STATUS(delay(TRUE, 1000), STATUS_USER_APC);
	EXPECT_EQ(atomic_load(&calls), 1);
	EXPECT_EQ(atomic_load(&sum), 123u);
}

static void *short_waiter(void *arg)
{
	(void)arg;
	atomic_store(&waiter_tid, (pid_t)syscall(SYS_gettid));
	while (!atomic_load(&waiter_done))
		sched_yield();
	return NULL;
}

TEST(limit_rights_and_exit_with_queue)
{
	long objects;
	HANDLE h, weak;
	pthread_t t;
	NTSTATUS st = STATUS_SUCCESS;
	int i;

	nt_setup();
	objects = objects_now();
	reset();
	atomic_store(&waiter_tid, 0);
	atomic_store(&waiter_done, 0);
	ASSERT_EQ(pthread_create(&t, NULL, short_waiter, NULL), 0);
	while (!atomic_load(&waiter_tid))
		sched_yield();
	h = xopen_thread(THREAD_ALL_ACCESS, getpid(), atomic_load(&waiter_tid));
	ASSERT_STATUS(open_thread(&weak, THREAD_ALL_ACCESS & ~THREAD_SET_CONTEXT, getpid(),
				  atomic_load(&waiter_tid)), STATUS_SUCCESS);
	EXPECT_STATUS(NtQueueApcThread(weak, apc, NULL, NULL, NULL), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtQueueApcThread((HANDLE)0x7ffc, apc, NULL, NULL, NULL),
		      STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtQueueApcThread(NtCurrentProcess(), apc, NULL, NULL, NULL),
		      STATUS_OBJECT_TYPE_MISMATCH);
	/* The queue is bounded. */
	for (i = 0; i < 5000 && st == STATUS_SUCCESS; i++)
		st = NtQueueApcThread(h, apc, NULL, NULL, NULL);
	EXPECT_STATUS(st, STATUS_QUOTA_EXCEEDED);
	EXPECT_EQ(i, 4097);
	/* The thread ends with its queue full: nothing runs, nothing leaks. */
	atomic_store(&waiter_done, 1);
	EXPECT_EQ(pthread_join(t, NULL), 0);
	EXPECT_EQ(atomic_load(&calls), 0);
	xclose(weak);
	xclose(h);
	EXPECT_EQ(settle_param("objects", objects), objects);
}

static NO_TLS NTSTATUS NTAPI alertable_routine(PVOID arg)
{
	LARGE_INTEGER t = { .QuadPart = -50000000 };	/* 5 s */

	(void)arg;
	return NtDelayExecution(TRUE, &t);
}

TEST(apc_in_created_thread)
{
	HANDLE h;

	nt_setup();
	reset();
	ASSERT_STATUS(NtCreateThreadEx(&h, THREAD_ALL_ACCESS, NULL, NtCurrentProcess(),
				       alertable_routine, NULL, THREAD_CREATE_FLAGS_CREATE_SUSPENDED,
				       0, 0, 0, NULL), STATUS_SUCCESS);
	ASSERT_STATUS(NtQueueApcThread(h, apc, (PVOID)4, (PVOID)1, (PVOID)2), STATUS_SUCCESS);
	ASSERT_STATUS(NtResumeThread(h, NULL), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 4000), STATUS_SUCCESS);
	EXPECT_EQ(thread_info(h).ExitStatus, STATUS_USER_APC);
	EXPECT_EQ(atomic_load(&calls), 1);
	EXPECT_EQ(atomic_load(&sum), 3u);
	xclose(h);
}

/* The new ioctls' fields as a hostile caller sends them, below libntexec. */
TEST(raw_ioctl_checks)
{
	struct ntexec_apc buf[2];
	struct ntexec_queue_apc q = { .thread = (uint64_t)(uintptr_t)NtCurrentThread() };
	struct ntexec_take_apcs t = { .buffer = (uint64_t)(uintptr_t)buf, .capacity = 2 };
	struct ntexec_create_thread c = {
		.process = (uint64_t)(uintptr_t)NtCurrentProcess(),
		.start_routine = 0x10000,
	};
	struct ntexec_host h = { .pad = 1 };
	int fd;

	nt_setup();
	fd = NtxDeviceFd();
	q.apc.routine = (uint64_t)(uintptr_t)apc;
	q.apc.pad = 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_QUEUE_APC, &q), -1);
	EXPECT_EQ(errno, EINVAL);
	q.apc.pad = 0;
	q.apc.flags = 2;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_QUEUE_APC, &q), (int)STATUS_INVALID_PARAMETER);
	t.capacity = 0;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_TAKE_APCS, &t), -1);
	EXPECT_EQ(errno, EINVAL);
	t.capacity = NTEXEC_TAKE_APCS_MAX + 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_TAKE_APCS, &t), -1);
	EXPECT_EQ(errno, EINVAL);
	t.capacity = 2;
	t.count = 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_TAKE_APCS, &t), -1);
	EXPECT_EQ(errno, EINVAL);
	/* A queued APC taken into an unwritable buffer: an access violation. */
	q.apc.flags = 0;
	ASSERT_EQ(ioctl(fd, NTEXEC_IOC_QUEUE_APC, &q), 0);
	t.count = 0;
	t.buffer = 0xffff800000000000ull;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_TAKE_APCS, &t), (int)STATUS_ACCESS_VIOLATION);
	c.pad = 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_CREATE_THREAD, &c), (int)STATUS_INVALID_PARAMETER);
	c.pad = 0;
	c.stack_size = ~0ull;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_CREATE_THREAD, &c), (int)STATUS_INVALID_PARAMETER);
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_HOST, &h), -1);
	EXPECT_EQ(errno, EINVAL);
	h.pad = 0;
	h.exit_code = 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_HOST, &h), -1);
	EXPECT_EQ(errno, EINVAL);
}
