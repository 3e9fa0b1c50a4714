// SPDX-License-Identifier: GPL-2.0
/*
 * Waits as a Windows programmer sees them through <ntexec/nt.h>:
 * NtWaitForSingleObject and NtWaitForMultipleObjects on processes and
 * threads, exit statuses, timeouts (relative, zero, absolute), WaitAny and
 * WaitAll, parameter checks, alerts (NtAlertThread, NtTestAlert), signal
 * handlers during waits, and NtDelayExecution.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

#include "nt_util.h"

/* Generous upper bound for "returns at once" under TCG with a debug kernel. */
#define PROMPT_MS	2000

/* ------------------------------------------------------------------------ */
/* Exit statuses seen by waiters                                            */
/* ------------------------------------------------------------------------ */

TEST(exit_status_pending_while_alive)
{
	struct kid k;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_EXIT, 0);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	EXPECT_STATUS(exit_status(h), STATUS_PENDING);
	EXPECT_EQ((uint32_t)exit_status(h), 0x103u);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	kid_go(&k);
	EXPECT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_STATUS(exit_status(h), 0);
	xclose(h);
	kid_reap(&k);
}

TEST(exit_code_7_gives_7)
{
	struct kid k;
	HANDLE h;
	int st;

	nt_setup();
	k = kid_spawn(KID_EXIT, 7);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	kid_go(&k);
	ASSERT_STATUS(NtWaitForSingleObject(h, FALSE, NULL), STATUS_WAIT_0);
	EXPECT_STATUS(exit_status(h), 7);
	/* Signaled for good. */
	EXPECT_STATUS(wait_ms(h, 0), STATUS_WAIT_0);
	st = kid_reap(&k);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 7);
	xclose(h);
}

TEST(terminate_child_keeps_all_32_bits)
{
	struct kid k;
	HANDLE h, w;
	int st;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	w = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	ASSERT_STATUS(NtTerminateProcess(h, (NTSTATUS)0xC0DE1234), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(w, 10000), STATUS_WAIT_0);
	EXPECT_EQ((uint32_t)exit_status(w), 0xC0DE1234u);
	EXPECT_EQ((uint32_t)exit_status(h), 0xC0DE1234u);
	/* Linux sees SIGKILL. */
	st = kid_reap(&k);
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(WTERMSIG(st), SIGKILL);
	/* And NT still sees the full status after the reap. */
	EXPECT_EQ((uint32_t)exit_status(w), 0xC0DE1234u);
	xclose(w);
	xclose(h);
}

TEST(terminate_exited_process_is_process_is_terminating)
{
	struct kid k;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_EXIT, 7);
	h = xopen_process(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
			  k.pid);
	kid_go(&k);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_STATUS(NtTerminateProcess(h, (NTSTATUS)0xC0DE0001), STATUS_PROCESS_IS_TERMINATING);
	EXPECT_STATUS(exit_status(h), 7);
	kid_reap(&k);
	EXPECT_STATUS(NtTerminateProcess(h, (NTSTATUS)0xC0DE0002), STATUS_PROCESS_IS_TERMINATING);
	EXPECT_STATUS(exit_status(h), 7);
	xclose(h);
}

static void check_death(enum kid_action action, NTSTATUS expect, int sig)
{
	struct kid k;
	HANDLE h;
	int st;

	k = kid_spawn(action, 0);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	kid_go(&k);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_STATUS(exit_status(h), expect);
	st = kid_reap(&k);
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(WTERMSIG(st), sig);
	xclose(h);
}

TEST(sigsegv_gives_access_violation)
{
	nt_setup();
	check_death(KID_SEGV, STATUS_ACCESS_VIOLATION, SIGSEGV);
}

TEST(sigterm_gives_128_plus_15)
{
	nt_setup();
	check_death(KID_SIGTERM, 128 + 15, SIGTERM);
}

TEST(terminate_self_in_child)
{
	struct kid k;
	HANDLE h;
	int st;

	nt_setup();
	k = kid_spawn(KID_TERMINATE_SELF, 0xE0001234);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	kid_go(&k);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_EQ((uint32_t)exit_status(h), 0xE0001234u);
	/* NtTerminateProcess(NtCurrentProcess()) does not return. */
	st = kid_reap(&k);
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(WTERMSIG(st), SIGKILL);
	xclose(h);
}

/* The last thread's NtTerminateThread status is the process's exit status. */
TEST(terminate_last_thread_gives_process_status)
{
	struct kid k;
	HANDLE h, t;
	int st;

	nt_setup();
	k = kid_spawn(KID_TERMINATE_THREAD, 0xBEEF0002);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	t = xopen_thread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, k.pid, k.pid);
	kid_go(&k);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_STATUS(wait_ms(t, 0), STATUS_WAIT_0);
	EXPECT_EQ((uint32_t)thread_info(t).ExitStatus, 0xBEEF0002u);
	EXPECT_EQ((uint32_t)exit_status(h), 0xBEEF0002u);
	/* Linux keeps the low 8 bits. */
	st = kid_reap(&k);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0x02);
	xclose(t);
	xclose(h);
}

/*
 * NtTerminateProcess ends every thread of the process with its status:
 * the threads' ExitStatus is the process's.
 */
TEST(terminated_process_threads_get_its_status)
{
	struct kid k;
	HANDLE h, t;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
			  k.pid);
	t = xopen_thread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, k.pid, k.pid);
	EXPECT_STATUS(thread_info(t).ExitStatus, STATUS_PENDING);
	ASSERT_STATUS(NtTerminateProcess(h, (NTSTATUS)0xC0DE1234), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(t, 10000), STATUS_WAIT_0);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_EQ((uint32_t)exit_status(h), 0xC0DE1234u);
	EXPECT_EQ((uint32_t)thread_info(t).ExitStatus, 0xC0DE1234u);
	kid_reap(&k);
	xclose(t);
	xclose(h);
}

/*
 * A process is one object for as long as anyone holds a handle to it: a
 * handle opened after it died (before the reap) sees the same object, so the
 * same exit status, and WaitAll refuses the pair as one object named twice.
 */
TEST(open_after_death_sees_same_process_object)
{
	HANDLE h, h2, both[2];
	struct kid k;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
			  k.pid);
	ASSERT_STATUS(NtTerminateProcess(h, (NTSTATUS)0xC0DE5678), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	kid_wait_dead(&k);
	h2 = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	EXPECT_EQ((uint32_t)exit_status(h2), 0xC0DE5678u);
	both[0] = h;
	both[1] = h2;
	EXPECT_STATUS(NtWaitForMultipleObjects(2, both, WaitAll, FALSE, NULL),
		      STATUS_INVALID_PARAMETER_MIX);
	xclose(h2);
	xclose(h);
	kid_reap(&k);
}

/* ------------------------------------------------------------------------ */
/* Timeouts                                                                 */
/* ------------------------------------------------------------------------ */

TEST(relative_timeout_times_out_after_it)
{
	LARGE_INTEGER t;
	struct kid k;
	int64_t t0, ms;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(SYNCHRONIZE, k.pid);
	t = rel_ms(250);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForSingleObject(h, FALSE, &t), STATUS_TIMEOUT);
	ms = ms_since(t0);
	EXPECT_GE(ms, 249);
	EXPECT_LT(ms, 250 + PROMPT_MS);
	/* The timeout is read, not written. */
	EXPECT_EQ(t.QuadPart, -250 * NTT_MS);

	/* Waiting on oneself times out the same way. */
	t0 = mono_ns();
	EXPECT_STATUS(wait_ms(NtCurrentProcess(), 100), STATUS_TIMEOUT);
	EXPECT_GE(ms_since(t0), 99);
	t0 = mono_ns();
	EXPECT_STATUS(wait_ms(NtCurrentThread(), 100), STATUS_TIMEOUT);
	EXPECT_GE(ms_since(t0), 99);
	xclose(h);
	kid_kill(&k);
}

TEST(zero_timeout_polls)
{
	LARGE_INTEGER zero = { .QuadPart = 0 };
	HANDLE hs[2];
	struct kid k;
	int64_t t0;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_EXIT, 0);
	h = xopen_process(SYNCHRONIZE, k.pid);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForSingleObject(h, FALSE, &zero), STATUS_TIMEOUT);
	hs[0] = h;
	hs[1] = NtCurrentProcess();
	EXPECT_STATUS(NtWaitForMultipleObjects(2, hs, WaitAny, FALSE, &zero), STATUS_TIMEOUT);
	EXPECT_STATUS(NtWaitForMultipleObjects(2, hs, WaitAll, TRUE, &zero), STATUS_TIMEOUT);
	EXPECT_LT(ms_since(t0), PROMPT_MS);
	kid_go(&k);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForSingleObject(h, FALSE, &zero), STATUS_WAIT_0);
	EXPECT_STATUS(NtWaitForMultipleObjects(2, hs, WaitAny, FALSE, &zero), STATUS_WAIT_0);
	EXPECT_STATUS(NtWaitForMultipleObjects(2, hs, WaitAll, FALSE, &zero), STATUS_TIMEOUT);
	EXPECT_LT(ms_since(t0), PROMPT_MS);
	xclose(h);
	kid_reap(&k);
}

TEST(absolute_timeout_in_the_past_returns_at_once)
{
	LARGE_INTEGER t;
	struct kid k;
	int64_t t0;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(SYNCHRONIZE, k.pid);
	t0 = mono_ns();
	t.QuadPart = nt_now() - 10000 * NTT_MS;
	EXPECT_STATUS(NtWaitForSingleObject(h, FALSE, &t), STATUS_TIMEOUT);
	t.QuadPart = 1;		/* 1601 */
	EXPECT_STATUS(NtWaitForSingleObject(h, TRUE, &t), STATUS_TIMEOUT);
	t.QuadPart = NTT_UNIX_EPOCH;	/* 1970 */
	EXPECT_STATUS(NtWaitForMultipleObjects(1, &h, WaitAny, FALSE, &t), STATUS_TIMEOUT);
	t.QuadPart = nt_now() - 1000 * NTT_MS;
	EXPECT_STATUS(NtDelayExecution(FALSE, &t), STATUS_SUCCESS);
	EXPECT_LT(ms_since(t0), PROMPT_MS);
	xclose(h);
	kid_kill(&k);
}

TEST(absolute_timeout_in_the_future)
{
	LARGE_INTEGER t;
	struct kid k;
	int64_t t0, ms;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(SYNCHRONIZE, k.pid);
	t.QuadPart = nt_now() + 300 * NTT_MS;
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForSingleObject(h, FALSE, &t), STATUS_TIMEOUT);
	ms = ms_since(t0);
	EXPECT_GE(ms, 280);
	EXPECT_LT(ms, 300 + PROMPT_MS);
	xclose(h);
	kid_kill(&k);
}

TEST(delay_execution)
{
	LARGE_INTEGER t;
	int64_t t0, ms;

	nt_setup();
	t = rel_ms(150);
	t0 = mono_ns();
	EXPECT_STATUS(NtDelayExecution(FALSE, &t), STATUS_SUCCESS);
	ms = ms_since(t0);
	EXPECT_GE(ms, 149);
	EXPECT_LT(ms, 150 + PROMPT_MS);
	t.QuadPart = 0;
	t0 = mono_ns();
	EXPECT_STATUS(NtDelayExecution(FALSE, &t), STATUS_SUCCESS);
	EXPECT_STATUS(NtDelayExecution(TRUE, &t), STATUS_SUCCESS);
	EXPECT_LT(ms_since(t0), PROMPT_MS);
	t.QuadPart = nt_now() + 200 * NTT_MS;
	t0 = mono_ns();
	EXPECT_STATUS(NtDelayExecution(FALSE, &t), STATUS_SUCCESS);
	EXPECT_GE(ms_since(t0), 180);
}

/* ------------------------------------------------------------------------ */
/* WaitAny, WaitAll, parameters                                             */
/* ------------------------------------------------------------------------ */

TEST(wait_any_returns_index_of_signaled)
{
	struct kid k[3];
	HANDLE h[3];
	LARGE_INTEGER t;
	int i;

	nt_setup();
	for (i = 0; i < 3; i++) {
		k[i] = kid_spawn(KID_EXIT, 10 + i);
		h[i] = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k[i].pid);
	}
	t = rel_ms(0);
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAny, FALSE, &t), STATUS_TIMEOUT);
	kid_go(&k[2]);
	t = rel_ms(10000);
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAny, FALSE, &t), STATUS_WAIT_2);
	EXPECT_STATUS(exit_status(h[2]), 12);
	EXPECT_STATUS(exit_status(h[0]), STATUS_PENDING);
	/* Several signaled: the lowest index. */
	kid_go(&k[1]);
	ASSERT_STATUS(wait_ms(h[1], 10000), STATUS_WAIT_0);
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAny, FALSE, &t), STATUS_WAIT_1);
	kid_go(&k[0]);
	ASSERT_STATUS(wait_ms(h[0], 10000), STATUS_WAIT_0);
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAny, FALSE, &t), STATUS_WAIT_0);
	for (i = 0; i < 3; i++) {
		EXPECT_STATUS(exit_status(h[i]), 10 + i);
		xclose(h[i]);
		kid_reap(&k[i]);
	}
}

TEST(wait_all_waits_for_all)
{
	struct kid k[3];
	HANDLE h[3];
	LARGE_INTEGER t;
	int64_t t0;
	int i;

	nt_setup();
	for (i = 0; i < 3; i++) {
		k[i] = kid_spawn(KID_EXIT, 20 + i);
		h[i] = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k[i].pid);
	}
	kid_go(&k[0]);
	kid_go(&k[2]);
	ASSERT_STATUS(wait_ms(h[0], 10000), STATUS_WAIT_0);
	ASSERT_STATUS(wait_ms(h[2], 10000), STATUS_WAIT_0);
	t = rel_ms(300);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAll, FALSE, &t), STATUS_TIMEOUT);
	EXPECT_GE(ms_since(t0), 299);
	kid_go(&k[1]);
	t = rel_ms(10000);
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAll, FALSE, &t), STATUS_WAIT_0);
	for (i = 0; i < 3; i++) {
		EXPECT_STATUS(exit_status(h[i]), 20 + i);
		xclose(h[i]);
		kid_reap(&k[i]);
	}
}

TEST(wait_all_same_object_twice_is_parameter_mix)
{
	HANDLE h[3], d;
	struct kid k;
	LARGE_INTEGER t = rel_ms(0);

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h[0] = xopen_process(SYNCHRONIZE, k.pid);
	h[1] = NtCurrentProcess();
	h[2] = h[0];
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAll, FALSE, &t),
		      STATUS_INVALID_PARAMETER_MIX);
	/* Two handles to one object are the same object twice. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h[0], NtCurrentProcess(), &d, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	h[2] = d;
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAll, FALSE, &t),
		      STATUS_INVALID_PARAMETER_MIX);
	/* So are a pseudo-handle and a real handle to the same process. */
	h[2] = xopen_process(SYNCHRONIZE, getpid());
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAll, FALSE, &t),
		      STATUS_INVALID_PARAMETER_MIX);
	xclose(h[2]);
	/* WaitAny takes duplicates. */
	h[2] = d;
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAny, FALSE, &t), STATUS_TIMEOUT);
	kid_kill(&k);
	t = rel_ms(10000);
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAny, FALSE, &t), STATUS_WAIT_0);
	h[1] = d;
	t = rel_ms(0);
	EXPECT_STATUS(NtWaitForMultipleObjects(2, &h[1], WaitAny, FALSE, &t), STATUS_WAIT_0);
	xclose(d);
	xclose(h[0]);
}

TEST(wait_multiple_parameter_checks)
{
	HANDLE h[65];
	LARGE_INTEGER t = rel_ms(0);
	struct kid k;
	int i;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h[0] = xopen_process(SYNCHRONIZE, k.pid);
	for (i = 1; i < 65; i++)
		h[i] = h[0];
	EXPECT_STATUS(NtWaitForMultipleObjects(0, h, WaitAny, FALSE, &t),
		      STATUS_INVALID_PARAMETER_1);
	EXPECT_STATUS(NtWaitForMultipleObjects(65, h, WaitAny, FALSE, &t),
		      STATUS_INVALID_PARAMETER_1);
	EXPECT_STATUS(NtWaitForMultipleObjects(1, h, (WAIT_TYPE)2, FALSE, &t),
		      STATUS_INVALID_PARAMETER_3);
	EXPECT_STATUS(NtWaitForMultipleObjects(1, h, (WAIT_TYPE)-1, FALSE, &t),
		      STATUS_INVALID_PARAMETER_3);
	/* The count is checked first. */
	EXPECT_STATUS(NtWaitForMultipleObjects(0, h, (WAIT_TYPE)7, FALSE, &t),
		      STATUS_INVALID_PARAMETER_1);
	/* 64 is allowed. */
	EXPECT_STATUS(NtWaitForMultipleObjects(64, h, WaitAny, FALSE, &t), STATUS_TIMEOUT);
	kid_kill(&k);
	/*
	 * Reaped is not yet signaled: the process is signaled by its rundown
	 * work, after its handle table is closed (as NT does), so wait for it.
	 */
	t = rel_ms(5000);
	EXPECT_STATUS(NtWaitForMultipleObjects(64, h, WaitAny, FALSE, &t), STATUS_WAIT_0);
	xclose(h[0]);
}

TEST(wait_bad_handles)
{
	HANDLE h[3];
	struct kid k;
	HANDLE q, s;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	s = xopen_process(SYNCHRONIZE, k.pid);
	q = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	EXPECT_STATUS(wait_ms(NULL, 0), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(wait_ms((HANDLE)(uintptr_t)0x3fffffc, 0), STATUS_INVALID_HANDLE);
	/* No SYNCHRONIZE. */
	EXPECT_STATUS(wait_ms(q, 0), STATUS_ACCESS_DENIED);
	h[0] = s;
	h[1] = (HANDLE)(uintptr_t)0x3fffffc;
	h[2] = NtCurrentProcess();
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAny, FALSE, NULL), STATUS_INVALID_HANDLE);
	h[1] = q;
	EXPECT_STATUS(NtWaitForMultipleObjects(3, h, WaitAny, FALSE, NULL), STATUS_ACCESS_DENIED);
	xclose(q);
	xclose(s);
	kid_kill(&k);
}

struct short_lived {
	pid_t tid;
	sem_t ready, go;
};

static void *short_lived_fn(void *arg)
{
	struct short_lived *s = arg;

	s->tid = gettid();
	sem_post(&s->ready);
	sem_wait(&s->go);
	sleep_ms(100);
	return NULL;
}

TEST(wait_on_thread)
{
	struct short_lived s;
	HANDLE t, self;
	pthread_t th;
	int64_t t0;

	nt_setup();
	sem_init(&s.ready, 0, 0);
	sem_init(&s.go, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, short_lived_fn, &s), 0);
	sem_wait(&s.ready);
	t = xopen_thread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, getpid(), s.tid);
	EXPECT_STATUS(wait_ms(t, 0), STATUS_TIMEOUT);
	EXPECT_STATUS(thread_info(t).ExitStatus, STATUS_PENDING);
	sem_post(&s.go);
	t0 = mono_ns();
	EXPECT_STATUS(wait_ms(t, 10000), STATUS_WAIT_0);
	EXPECT_GE(ms_since(t0), 90);
	pthread_join(th, NULL);
	EXPECT_STATUS(wait_ms(t, 0), STATUS_WAIT_0);
	EXPECT_NE(thread_info(t).ExitStatus, STATUS_PENDING);
	/* The process is not signaled by one of its threads ending. */
	EXPECT_STATUS(wait_ms(NtCurrentProcess(), 0), STATUS_TIMEOUT);
	self = xopen_thread(SYNCHRONIZE, getpid(), gettid());
	EXPECT_STATUS(wait_ms(self, 50), STATUS_TIMEOUT);
	xclose(self);
	xclose(t);
}

/* ------------------------------------------------------------------------ */
/* Alerts                                                                   */
/* ------------------------------------------------------------------------ */

enum wait_kind {
	W_SINGLE,	/* NtWaitForSingleObject(NtCurrentProcess()) */
	W_MULTIPLE,	/* NtWaitForMultipleObjects(own process, own thread) */
	W_DELAY,	/* NtDelayExecution */
};

struct waiter {
	enum wait_kind kind;
	BOOLEAN alertable;
	int64_t timeout_ms;
	pid_t tid;
	sem_t ready;
	NTSTATUS status, test1, test2;
	int64_t elapsed_ms;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	LARGE_INTEGER t = rel_ms(w->timeout_ms);
	HANDLE hs[2] = { NtCurrentProcess(), NtCurrentThread() };
	int64_t t0;

	w->tid = gettid();
	sem_post(&w->ready);
	t0 = mono_ns();
	switch (w->kind) {
	case W_SINGLE:
		w->status = NtWaitForSingleObject(NtCurrentProcess(), w->alertable, &t);
		break;
	case W_MULTIPLE:
		w->status = NtWaitForMultipleObjects(2, hs, WaitAny, w->alertable, &t);
		break;
	case W_DELAY:
		w->status = NtDelayExecution(w->alertable, &t);
		break;
	}
	w->elapsed_ms = ms_since(t0);
	w->test1 = NtTestAlert();
	w->test2 = NtTestAlert();
	return NULL;
}

/* Start a waiter, alert it after @alert_after_ms, return when it is done. */
static void run_alert(struct waiter *w, enum wait_kind kind, BOOLEAN alertable,
		      int64_t timeout_ms, int64_t alert_after_ms)
{
	pthread_t th;
	HANDLE h;

	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->alertable = alertable;
	w->timeout_ms = timeout_ms;
	w->status = w->test1 = w->test2 = (NTSTATUS)NTT_POISON32;
	sem_init(&w->ready, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, waiter_fn, w), 0);
	sem_wait(&w->ready);
	h = xopen_thread(THREAD_ALERT, getpid(), w->tid);
	sleep_ms(alert_after_ms);
	EXPECT_STATUS(NtAlertThread(h), STATUS_SUCCESS);
	pthread_join(th, NULL);
	xclose(h);
}

TEST(alertable_wait_is_alerted)
{
	struct waiter w;

	nt_setup();
	run_alert(&w, W_SINGLE, TRUE, 20000, 150);
	EXPECT_STATUS(w.status, STATUS_ALERTED);
	EXPECT_LT(w.elapsed_ms, 10000);
	/* The wait consumed the alert. */
	EXPECT_STATUS(w.test1, STATUS_SUCCESS);
	EXPECT_STATUS(w.test2, STATUS_SUCCESS);
}

TEST(alertable_wait_multiple_is_alerted)
{
	struct waiter w;

	nt_setup();
	run_alert(&w, W_MULTIPLE, TRUE, 20000, 150);
	EXPECT_STATUS(w.status, STATUS_ALERTED);
	EXPECT_LT(w.elapsed_ms, 10000);
	EXPECT_STATUS(w.test1, STATUS_SUCCESS);
}

TEST(alertable_delay_is_alerted)
{
	struct waiter w;

	nt_setup();
	run_alert(&w, W_DELAY, TRUE, 20000, 150);
	EXPECT_STATUS(w.status, STATUS_ALERTED);
	EXPECT_LT(w.elapsed_ms, 10000);
	EXPECT_STATUS(w.test1, STATUS_SUCCESS);
}

TEST(non_alertable_wait_ignores_alert)
{
	struct waiter w;

	nt_setup();
	run_alert(&w, W_SINGLE, FALSE, 500, 100);
	EXPECT_STATUS(w.status, STATUS_TIMEOUT);
	EXPECT_GE(w.elapsed_ms, 499);
	/* The alert stays pending until NtTestAlert takes it. */
	EXPECT_STATUS(w.test1, STATUS_ALERTED);
	EXPECT_STATUS(w.test2, STATUS_SUCCESS);
}

TEST(non_alertable_delay_ignores_alert)
{
	struct waiter w;

	nt_setup();
	run_alert(&w, W_DELAY, FALSE, 500, 100);
	EXPECT_STATUS(w.status, STATUS_SUCCESS);
	EXPECT_GE(w.elapsed_ms, 499);
	EXPECT_STATUS(w.test1, STATUS_ALERTED);
	EXPECT_STATUS(w.test2, STATUS_SUCCESS);
}

TEST(test_alert_consumes_an_alert)
{
	nt_setup();
	EXPECT_STATUS(NtTestAlert(), STATUS_SUCCESS);
	EXPECT_STATUS(NtAlertThread(NtCurrentThread()), STATUS_SUCCESS);
	EXPECT_STATUS(NtTestAlert(), STATUS_ALERTED);
	EXPECT_STATUS(NtTestAlert(), STATUS_SUCCESS);
}

TEST(pending_alert_ends_next_alertable_wait_at_once)
{
	LARGE_INTEGER t;
	int64_t t0;
	HANDLE h;

	nt_setup();
	h = xopen_thread(THREAD_ALERT, getpid(), gettid());
	EXPECT_STATUS(NtAlertThread(h), STATUS_SUCCESS);
	/* Several alerts are one alert. */
	EXPECT_STATUS(NtAlertThread(h), STATUS_SUCCESS);
	t = rel_ms(10000);
	t0 = mono_ns();
	EXPECT_STATUS(NtDelayExecution(TRUE, &t), STATUS_ALERTED);
	EXPECT_LT(ms_since(t0), PROMPT_MS);
	t = rel_ms(50);
	EXPECT_STATUS(NtDelayExecution(TRUE, &t), STATUS_SUCCESS);
	EXPECT_STATUS(NtAlertThread(h), STATUS_SUCCESS);
	t = rel_ms(10000);
	EXPECT_STATUS(NtWaitForSingleObject(NtCurrentProcess(), TRUE, &t), STATUS_ALERTED);
	EXPECT_STATUS(NtTestAlert(), STATUS_SUCCESS);
	xclose(h);
}

TEST(signaled_object_wins_over_pending_alert)
{
	struct kid k;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_EXIT, 0);
	h = xopen_process(SYNCHRONIZE, k.pid);
	kid_go(&k);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_STATUS(NtAlertThread(NtCurrentThread()), STATUS_SUCCESS);
	{
		LARGE_INTEGER t = rel_ms(1000);

		EXPECT_STATUS(NtWaitForSingleObject(h, TRUE, &t), STATUS_WAIT_0);
	}
	EXPECT_STATUS(NtTestAlert(), STATUS_ALERTED);
	xclose(h);
	kid_reap(&k);
}

TEST(alert_needs_thread_alert_right)
{
	HANDLE h;

	nt_setup();
	h = xopen_thread(THREAD_ALL_ACCESS & ~THREAD_ALERT, getpid(), gettid());
	EXPECT_STATUS(NtAlertThread(h), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtTestAlert(), STATUS_SUCCESS);
	xclose(h);
	EXPECT_STATUS(NtAlertThread((HANDLE)(uintptr_t)0x3fffffc), STATUS_INVALID_HANDLE);
}

/* A parent alerts its child's thread; the child's alertable delay ends. */
TEST(alert_thread_of_other_process)
{
	HANDLE h, t;
	int st;
	int p[2];
	pid_t pid;

	nt_setup();
	ASSERT_EQ(pipe(p), 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		LARGE_INTEGER d = rel_ms(20000);
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (NtxInitialize() != STATUS_SUCCESS)
			_exit(10);
		if (read(p[0], &c, 1) != 1)
			_exit(11);
		_exit(NtDelayExecution(TRUE, &d) == STATUS_ALERTED ? 0 : 12);
	}
	h = xopen_process(SYNCHRONIZE, pid);
	t = xopen_thread(THREAD_ALERT, pid, pid);
	ASSERT_EQ(write(p[1], "g", 1), 1);
	sleep_ms(200);
	EXPECT_STATUS(NtAlertThread(t), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
	xclose(t);
	xclose(h);
}

/* ------------------------------------------------------------------------ */
/* Signals during waits                                                     */
/* ------------------------------------------------------------------------ */

static atomic_int sig_count;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&sig_count, 1);
}

struct pester {
	pthread_t target;
	int n, interval_ms;
	struct kid *release;	/* released after the signals, if set */
};

static void *pester_fn(void *arg)
{
	struct pester *p = arg;
	int i;

	for (i = 0; i < p->n; i++) {
		sleep_ms(p->interval_ms);
		pthread_kill(p->target, SIGUSR1);
	}
	if (p->release)
		kid_go(p->release);
	return NULL;
}

static void start_pester(struct pester *p, pthread_t *th, int restart, struct kid *release)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	atomic_store(&sig_count, 0);
	p->target = pthread_self();
	p->n = 8;
	p->interval_ms = 30;
	p->release = release;
	ASSERT_EQ(pthread_create(th, NULL, pester_fn, p), 0);
}

static void signals_do_not_end_wait(int restart)
{
	struct pester p;
	pthread_t th;
	struct kid k;
	LARGE_INTEGER t;
	int64_t t0, ms;
	HANDLE h;

	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(SYNCHRONIZE, k.pid);

	/* Non-alertable wait: runs to its deadline. */
	start_pester(&p, &th, restart, NULL);
	t = rel_ms(500);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForSingleObject(h, FALSE, &t), STATUS_TIMEOUT);
	ms = ms_since(t0);
	pthread_join(th, NULL);
	EXPECT_GE(ms, 499);
	EXPECT_LT(ms, 500 + PROMPT_MS);
	EXPECT_GE(atomic_load(&sig_count), 1);

	/* Alertable: a signal is not an alert (nor an APC). */
	start_pester(&p, &th, restart, NULL);
	t = rel_ms(500);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForMultipleObjects(1, &h, WaitAny, TRUE, &t), STATUS_TIMEOUT);
	ms = ms_since(t0);
	pthread_join(th, NULL);
	EXPECT_GE(ms, 499);
	EXPECT_GE(atomic_load(&sig_count), 1);

	/* A delay too. */
	start_pester(&p, &th, restart, NULL);
	t = rel_ms(500);
	t0 = mono_ns();
	EXPECT_STATUS(NtDelayExecution(TRUE, &t), STATUS_SUCCESS);
	ms = ms_since(t0);
	pthread_join(th, NULL);
	EXPECT_GE(ms, 499);
	EXPECT_GE(atomic_load(&sig_count), 1);
	xclose(h);
	kid_kill(&k);

	/* An infinite wait ends with its object, not with a signal. */
	k = kid_spawn(KID_EXIT, 9);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	start_pester(&p, &th, restart, &k);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForSingleObject(h, TRUE, NULL), STATUS_WAIT_0);
	ms = ms_since(t0);
	pthread_join(th, NULL);
	EXPECT_GE(ms, 8 * 30 - 1);
	EXPECT_GE(atomic_load(&sig_count), 2);
	EXPECT_STATUS(exit_status(h), 9);
	xclose(h);
	kid_reap(&k);
	signal(SIGUSR1, SIG_DFL);
}

TEST(signal_handler_does_not_end_wait)
{
	nt_setup();
	signals_do_not_end_wait(0);
}

TEST(signal_handler_with_sa_restart_does_not_end_wait)
{
	nt_setup();
	signals_do_not_end_wait(1);
}
