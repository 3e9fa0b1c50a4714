// SPDX-License-Identifier: GPL-2.0
/*
 * Handles as a Windows programmer sees them through <ntexec/nt.h>:
 * NtOpenProcess/NtOpenThread by CLIENT_ID, NtClose, NtDuplicateObject within
 * and across processes, pseudo-handles, handle values, ProcessHandleCount,
 * access masks and object types.
 */
#include <grp.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/types.h>

#include "nt_util.h"

/* ------------------------------------------------------------------------ */
/* Handle values and NtClose                                                */
/* ------------------------------------------------------------------------ */

TEST(handle_values_are_multiples_of_four_never_zero)
{
	HANDLE h[64];
	int i, j;

	nt_setup();
	for (i = 0; i < 64; i++) {
		h[i] = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
		EXPECT_NE(hv(h[i]), 0);
		EXPECT_EQ(hv(h[i]) % 4, 0);
		EXPECT_NE(h[i], NtCurrentProcess());
		EXPECT_NE(h[i], NtCurrentThread());
		/* Table handles are small positive numbers, not pointers. */
		EXPECT_LT(hv(h[i]), 1ull << 26);
		for (j = 0; j < i; j++)
			EXPECT_NE(hv(h[i]), hv(h[j]));
	}
	for (i = 0; i < 64; i++)
		EXPECT_STATUS(NtClose(h[i]), STATUS_SUCCESS);
	for (i = 0; i < 64; i++)
		EXPECT_STATUS(NtClose(h[i]), STATUS_INVALID_HANDLE);
}

TEST(handle_low_two_bits_are_ignored)
{
	HANDLE h;
	int i;

	nt_setup();
	h = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
	for (i = 1; i < 4; i++) {
		PROCESS_BASIC_INFORMATION pbi = basic_info((HANDLE)(uintptr_t)(hv(h) | i));

		EXPECT_EQ((uintptr_t)pbi.UniqueProcessId, (uintptr_t)getpid());
	}
	/* Closing h|3 closes h. */
	EXPECT_STATUS(NtClose((HANDLE)(uintptr_t)(hv(h) | 3)), STATUS_SUCCESS);
	EXPECT_STATUS(NtClose(h), STATUS_INVALID_HANDLE);
}

TEST(close_bogus_handles_is_invalid_handle)
{
	static const uint64_t bogus[] = {
		0, 0x7ff8, 0x3fffffc, 0x4000000, 0x40000000, 0xdeadbeef0ull,
		0x7ffffffffffffff0ull,
	};
	ULONG before;
	unsigned int i;

	nt_setup();
	before = handle_count(NtCurrentProcess());
	for (i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		EXPECT_STATUS(NtClose((HANDLE)(uintptr_t)bogus[i]), STATUS_INVALID_HANDLE);
	}
	EXPECT_EQ(handle_count(NtCurrentProcess()), before);
}

TEST(close_twice_is_invalid_handle)
{
	HANDLE h;

	nt_setup();
	h = xopen_process(SYNCHRONIZE, getpid());
	EXPECT_STATUS(NtClose(h), STATUS_SUCCESS);
	EXPECT_STATUS(NtClose(h), STATUS_INVALID_HANDLE);
	/* A closed handle is invalid for every service, not just NtClose. */
	EXPECT_STATUS(wait_ms(h, 0), STATUS_INVALID_HANDLE);
}

TEST(handle_count_changes_by_exactly_one)
{
	HANDLE p, t, d, bad = (HANDLE)(uintptr_t)NTT_POISON64;
	ULONG c0;

	nt_setup();
	c0 = handle_count(NtCurrentProcess());
	p = xopen_process(PROCESS_ALL_ACCESS, getpid());
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 + 1);
	t = xopen_thread(THREAD_ALL_ACCESS, getpid(), gettid());
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 + 2);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), p, NtCurrentProcess(), &d, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 + 3);
	/* Failures create nothing. */
	EXPECT_STATUS(open_process(&bad, SYNCHRONIZE, 0x7ffffff0), STATUS_INVALID_CID);
	/* Windows writes NULL to the handle of a failed open. */
	EXPECT_EQ(hv(bad), 0);
	EXPECT_STATUS(NtClose((HANDLE)(uintptr_t)0x3fffffc), STATUS_INVALID_HANDLE);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 + 3);
	xclose(d);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 + 2);
	xclose(t);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 + 1);
	xclose(p);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0);
}

/* ------------------------------------------------------------------------ */
/* Pseudo-handles                                                           */
/* ------------------------------------------------------------------------ */

struct tid_box {
	pid_t tid;
	sem_t ready, done;
	THREAD_BASIC_INFORMATION tbi;
};

static void *report_tid(void *arg)
{
	struct tid_box *b = arg;

	b->tid = gettid();
	b->tbi = thread_info(NtCurrentThread());
	sem_post(&b->ready);
	sem_wait(&b->done);
	return NULL;
}

TEST(pseudo_handles_name_the_caller)
{
	PROCESS_BASIC_INFORMATION pbi;
	THREAD_BASIC_INFORMATION tbi;
	struct tid_box b;
	pthread_t th;
	ULONG c0;

	nt_setup();
	c0 = handle_count(NtCurrentProcess());
	pbi = basic_info(NtCurrentProcess());
	EXPECT_EQ((uintptr_t)pbi.UniqueProcessId, (uintptr_t)getpid());
	tbi = thread_info(NtCurrentThread());
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueProcess, (uintptr_t)getpid());
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)gettid());

	/* In another thread NtCurrentThread() is that thread. */
	memset(&b, 0, sizeof(b));
	sem_init(&b.ready, 0, 0);
	sem_init(&b.done, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, report_tid, &b), 0);
	sem_wait(&b.ready);
	EXPECT_EQ((uintptr_t)b.tbi.ClientId.UniqueThread, (uintptr_t)b.tid);
	EXPECT_EQ((uintptr_t)b.tbi.ClientId.UniqueProcess, (uintptr_t)getpid());
	EXPECT_NE(b.tid, gettid());
	sem_post(&b.done);
	pthread_join(th, NULL);

	/* Pseudo-handles are not table entries. */
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0);
}

TEST(pseudo_handles_have_their_types)
{
	PROCESS_BASIC_INFORMATION pbi;
	THREAD_BASIC_INFORMATION tbi;

	nt_setup();
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentThread(), ProcessBasicInformation,
						&pbi, sizeof(pbi), NULL),
		      STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtQueryInformationThread(NtCurrentProcess(), ThreadBasicInformation,
					       &tbi, sizeof(tbi), NULL),
		      STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtAlertThread(NtCurrentProcess()), STATUS_OBJECT_TYPE_MISMATCH);
}

/* ------------------------------------------------------------------------ */
/* NtOpenProcess / NtOpenThread by CLIENT_ID                                */
/* ------------------------------------------------------------------------ */

static void *park(void *arg)
{
	struct tid_box *b = arg;

	b->tid = gettid();
	sem_post(&b->ready);
	sem_wait(&b->done);
	return NULL;
}

TEST(open_process_by_client_id)
{
	PROCESS_BASIC_INFORMATION pbi;
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid;
	HANDLE h, h2;

	nt_setup();
	h = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
	pbi = basic_info(h);
	EXPECT_EQ((uintptr_t)pbi.UniqueProcessId, (uintptr_t)getpid());
	xclose(h);

	/* With UniqueThread too: the thread's process. */
	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	cid.UniqueProcess = nt_id(getpid());
	cid.UniqueThread = nt_id(gettid());
	ASSERT_STATUS(NtOpenProcess(&h, PROCESS_QUERY_LIMITED_INFORMATION, &oa, &cid),
		      STATUS_SUCCESS);
	EXPECT_EQ((uintptr_t)basic_info(h).UniqueProcessId, (uintptr_t)getpid());

	/* OBJ_INHERIT is a valid handle attribute. */
	ASSERT_STATUS(open_process_attr(&h2, PROCESS_QUERY_LIMITED_INFORMATION, getpid(),
					OBJ_INHERIT), STATUS_SUCCESS);
	EXPECT_NE(hv(h2), hv(h));
	xclose(h2);
	xclose(h);
}

TEST(open_process_bad_client_ids)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;
	OBJECT_ATTRIBUTES oa;
	struct tid_box b;
	struct kid k;
	pthread_t th;
	CLIENT_ID cid;

	nt_setup();
	/* A pid nobody has. */
	EXPECT_STATUS(open_process(&h, SYNCHRONIZE, 0x7ffffff0), STATUS_INVALID_CID);
	/* A failed open leaves NULL, as on Windows. */
	EXPECT_EQ(hv(h), 0);

	/* A reaped child's pid. */
	k = kid_spawn(KID_EXIT, 0);
	kid_go(&k);
	kid_reap(&k);
	EXPECT_STATUS(open_process(&h, SYNCHRONIZE, k.pid), STATUS_INVALID_CID);

	/* A thread id is not a process id. */
	memset(&b, 0, sizeof(b));
	sem_init(&b.ready, 0, 0);
	sem_init(&b.done, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, park, &b), 0);
	sem_wait(&b.ready);
	EXPECT_STATUS(open_process(&h, SYNCHRONIZE, b.tid), STATUS_INVALID_CID);

	/* A thread of another process. */
	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	cid.UniqueProcess = nt_id(getppid());
	cid.UniqueThread = nt_id(b.tid);
	EXPECT_STATUS(NtOpenProcess(&h, SYNCHRONIZE, &oa, &cid), STATUS_INVALID_CID);
	sem_post(&b.done);
	pthread_join(th, NULL);
	EXPECT_EQ(hv(h), 0);
}

TEST(open_process_name_and_client_id_is_parameter_mix)
{
	static WCHAR name_buf[] = u"\\BaseNamedObjects\\x";
	UNICODE_STRING name = { sizeof(name_buf) - 2, sizeof(name_buf), name_buf };
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid = { nt_id(getpid()), NULL };

	nt_setup();
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	EXPECT_STATUS(NtOpenProcess(&h, SYNCHRONIZE, &oa, &cid), STATUS_INVALID_PARAMETER_MIX);
	EXPECT_STATUS(NtOpenThread(&h, SYNCHRONIZE, &oa, &cid), STATUS_INVALID_PARAMETER_MIX);
	/* Neither a name nor a CLIENT_ID. */
	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	EXPECT_STATUS(NtOpenProcess(&h, SYNCHRONIZE, &oa, NULL), STATUS_INVALID_PARAMETER_MIX);
	EXPECT_EQ(hv(h), 0);
}

TEST(open_thread_by_client_id)
{
	THREAD_BASIC_INFORMATION tbi;
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;
	struct tid_box b;
	pthread_t th;

	nt_setup();
	/* UniqueProcess may be 0. */
	h = xopen_thread(THREAD_QUERY_LIMITED_INFORMATION, 0, gettid());
	tbi = thread_info(h);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)gettid());
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueProcess, (uintptr_t)getpid());
	xclose(h);

	memset(&b, 0, sizeof(b));
	sem_init(&b.ready, 0, 0);
	sem_init(&b.done, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, park, &b), 0);
	sem_wait(&b.ready);
	h = xopen_thread(THREAD_QUERY_LIMITED_INFORMATION, getpid(), b.tid);
	tbi = thread_info(h);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)b.tid);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueProcess, (uintptr_t)getpid());
	EXPECT_STATUS(tbi.ExitStatus, STATUS_PENDING);
	xclose(h);

	/* The thread is not in that process. */
	h = (HANDLE)(uintptr_t)NTT_POISON64;
	EXPECT_STATUS(open_thread(&h, SYNCHRONIZE, getppid(), b.tid), STATUS_INVALID_CID);
	/* No thread id. */
	EXPECT_STATUS(open_thread(&h, SYNCHRONIZE, getpid(), 0), STATUS_INVALID_CID);
	/* A thread nobody has. */
	EXPECT_STATUS(open_thread(&h, SYNCHRONIZE, 0, 0x7ffffff0), STATUS_INVALID_CID);
	EXPECT_EQ(hv(h), 0);
	sem_post(&b.done);
	pthread_join(th, NULL);
}

/* ------------------------------------------------------------------------ */
/* Object types and access masks                                            */
/* ------------------------------------------------------------------------ */

struct term_try {
	HANDLE h;
	NTSTATUS status;
	int returned;
};

static void *try_terminate_thread(void *arg)
{
	struct term_try *t = arg;

	t->status = NtTerminateThread(t->h, (NTSTATUS)0xBAD);
	t->returned = 1;
	return NULL;
}

TEST(wrong_object_type_is_type_mismatch)
{
	PROCESS_BASIC_INFORMATION pbi;
	THREAD_BASIC_INFORMATION tbi;
	struct term_try tt;
	HANDLE p, t, n = NULL;
	pthread_t th;

	nt_setup();
	p = xopen_process(PROCESS_ALL_ACCESS, getpid());
	t = xopen_thread(THREAD_ALL_ACCESS, getpid(), gettid());
	EXPECT_STATUS(NtQueryInformationThread(p, ThreadBasicInformation, &tbi, sizeof(tbi),
					       NULL), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtQueryInformationProcess(t, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtAlertThread(p), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtTerminateProcess(t, (NTSTATUS)0xBAD), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtGetNextThread(t, NULL, SYNCHRONIZE, 0, 0, &n), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtDuplicateObject(t, p, NtCurrentProcess(), &n, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), p, t, &n, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_OBJECT_TYPE_MISMATCH);

	/* In a thread of its own: a wrong success would end the thread. */
	tt.h = p;
	tt.status = 0;
	tt.returned = 0;
	ASSERT_EQ(pthread_create(&th, NULL, try_terminate_thread, &tt), 0);
	pthread_join(th, NULL);
	EXPECT_TRUE(tt.returned);
	EXPECT_STATUS(tt.status, STATUS_OBJECT_TYPE_MISMATCH);
	xclose(t);
	xclose(p);
}

TEST(synchronize_only_handle_cannot_query)
{
	PROCESS_BASIC_INFORMATION pbi;
	KERNEL_USER_TIMES times;
	struct kid k;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(SYNCHRONIZE, k.pid);
	memset(&pbi, NTT_POISON, sizeof(pbi));
	EXPECT_STATUS(NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_ACCESS_DENIED);
	EXPECT_EQ((uint32_t)pbi.ExitStatus, NTT_POISON32);
	EXPECT_STATUS(NtQueryInformationProcess(h, ProcessTimes, &times, sizeof(times), NULL),
		      STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtTerminateProcess(h, 1), STATUS_ACCESS_DENIED);
	/* But it can wait. */
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	xclose(h);
	kid_kill(&k);
}

TEST(query_limited_handle_queries_but_cannot_wait_or_terminate)
{
	PROCESS_BASIC_INFORMATION pbi;
	VM_COUNTERS vm;
	struct kid k;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	pbi = basic_info(h);
	EXPECT_EQ((uintptr_t)pbi.UniqueProcessId, (uintptr_t)k.pid);
	EXPECT_STATUS(pbi.ExitStatus, STATUS_PENDING);
	process_times(h);
	handle_count(h);
	EXPECT_STATUS(NtQueryInformationProcess(h, ProcessVmCounters, &vm, sizeof(vm), NULL),
		      STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtTerminateProcess(h, 1), STATUS_ACCESS_DENIED);
	/* The child is unharmed. */
	EXPECT_EQ(waitpid(k.pid, NULL, WNOHANG), 0);
	xclose(h);
	kid_kill(&k);
}

TEST(query_information_implies_query_limited)
{
	HANDLE p, t;

	nt_setup();
	/* Windows grants the limited right with the full one. */
	p = xopen_process(PROCESS_QUERY_INFORMATION, getpid());
	EXPECT_EQ((uintptr_t)basic_info(p).UniqueProcessId, (uintptr_t)getpid());
	t = xopen_thread(THREAD_QUERY_INFORMATION, getpid(), gettid());
	EXPECT_EQ((uintptr_t)thread_info(t).ClientId.UniqueThread, (uintptr_t)gettid());
	xclose(t);
	xclose(p);
}

TEST(generic_rights_map_to_process_rights)
{
	struct kid k;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	/* GENERIC_READ: query (PROCESS_QUERY_INFORMATION | PROCESS_VM_READ), no SYNCHRONIZE. */
	h = xopen_process(GENERIC_READ, k.pid);
	EXPECT_STATUS(basic_info(h).ExitStatus, STATUS_PENDING);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtTerminateProcess(h, 1), STATUS_ACCESS_DENIED);
	xclose(h);
	/* GENERIC_EXECUTE: SYNCHRONIZE, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_TERMINATE. */
	h = xopen_process(GENERIC_EXECUTE, k.pid);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	EXPECT_STATUS(basic_info(h).ExitStatus, STATUS_PENDING);
	xclose(h);
	/* MAXIMUM_ALLOWED on one's own child: everything. */
	h = xopen_process(MAXIMUM_ALLOWED, k.pid);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	EXPECT_STATUS(basic_info(h).ExitStatus, STATUS_PENDING);
	xclose(h);
	/* GENERIC_ALL: everything, terminate included. */
	h = xopen_process(GENERIC_ALL, k.pid);
	EXPECT_STATUS(NtTerminateProcess(h, 0x77), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_STATUS(exit_status(h), 0x77);
	xclose(h);
	kid_reap(&k);
}

/* ------------------------------------------------------------------------ */
/* NtDuplicateObject in one process                                         */
/* ------------------------------------------------------------------------ */

TEST(duplicate_same_access)
{
	HANDLE h, d = (HANDLE)(uintptr_t)NTT_POISON64;
	struct kid k;
	ULONG c0;

	nt_setup();
	k = kid_spawn(KID_EXIT, 3);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	c0 = handle_count(NtCurrentProcess());
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	EXPECT_NE(hv(d), NTT_POISON64);
	EXPECT_NE(hv(d), hv(h));
	EXPECT_EQ(hv(d) % 4, 0);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 + 1);
	/* Both name the same process with the same access. */
	EXPECT_EQ((uintptr_t)basic_info(d).UniqueProcessId, (uintptr_t)k.pid);
	EXPECT_STATUS(wait_ms(d, 0), STATUS_TIMEOUT);
	/* Closing one leaves the other working. */
	xclose(h);
	kid_go(&k);
	EXPECT_STATUS(wait_ms(d, 10000), STATUS_WAIT_0);
	EXPECT_STATUS(exit_status(d), 3);
	xclose(d);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 - 1);
	kid_reap(&k);
}

TEST(duplicate_with_reduced_access)
{
	PROCESS_BASIC_INFORMATION pbi;
	HANDLE h, d;
	struct kid k;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(PROCESS_ALL_ACCESS, k.pid);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d,
					SYNCHRONIZE, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(d, 0), STATUS_TIMEOUT);
	EXPECT_STATUS(NtQueryInformationProcess(d, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtTerminateProcess(d, 1), STATUS_ACCESS_DENIED);
	xclose(d);

	/* No access at all is a valid request, and gives a handle that can do nothing. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d, 0, 0, 0),
		      STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(d, 0), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtQueryInformationProcess(d, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_ACCESS_DENIED);
	xclose(d);

	/* Generic rights are mapped. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d,
					GENERIC_EXECUTE, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(d, 0), STATUS_TIMEOUT);
	xclose(d);
	/* The source keeps its own access. */
	EXPECT_STATUS(basic_info(h).ExitStatus, STATUS_PENDING);
	xclose(h);
	kid_kill(&k);
}

TEST(duplicate_close_source)
{
	HANDLE h, d;
	ULONG c0;

	nt_setup();
	h = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
	c0 = handle_count(NtCurrentProcess());
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d, 0, 0,
					DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE),
		      STATUS_SUCCESS);
	/* One handle closed, one created. */
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0);
	EXPECT_EQ((uintptr_t)basic_info(d).UniqueProcessId, (uintptr_t)getpid());
	/* The freed slot may be reused at once, as NT reuses freed entries. */
	if (d != h)
		EXPECT_STATUS(NtClose(h), STATUS_INVALID_HANDLE);

	/* No target process: only close the source. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), d, NULL, NULL, 0, 0,
					DUPLICATE_CLOSE_SOURCE), STATUS_SUCCESS);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 - 1);
	EXPECT_STATUS(NtClose(d), STATUS_INVALID_HANDLE);
}

TEST(duplicate_close_source_closes_even_on_failure)
{
	HANDLE h, no_dup, d = (HANDLE)(uintptr_t)NTT_POISON64;
	ULONG c0;

	nt_setup();
	/* A target process handle without PROCESS_DUP_HANDLE. */
	no_dup = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
	h = xopen_process(SYNCHRONIZE, getpid());
	c0 = handle_count(NtCurrentProcess());
	EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, no_dup, &d, 0, 0,
					DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE),
		      STATUS_ACCESS_DENIED);
	EXPECT_EQ(hv(d), NTT_POISON64);
	/* "Closes the source handle. This occurs regardless of any error status returned." */
	EXPECT_STATUS(NtClose(h), STATUS_INVALID_HANDLE);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0 - 1);
	xclose(no_dup);
}

TEST(duplicate_needs_dup_handle_right_and_valid_handles)
{
	HANDLE h, no_dup, d = (HANDLE)(uintptr_t)NTT_POISON64;
	ULONG c0;

	nt_setup();
	no_dup = xopen_process(PROCESS_ALL_ACCESS & ~PROCESS_DUP_HANDLE, getpid());
	h = xopen_process(SYNCHRONIZE, getpid());
	c0 = handle_count(NtCurrentProcess());
	/* The source process handle needs PROCESS_DUP_HANDLE ... */
	EXPECT_STATUS(NtDuplicateObject(no_dup, h, NtCurrentProcess(), &d, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_ACCESS_DENIED);
	/* ... and so does the target's. */
	EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, no_dup, &d, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_ACCESS_DENIED);
	/* Invalid handles anywhere. */
	EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), (HANDLE)(uintptr_t)0x3fffffc,
					NtCurrentProcess(), &d, 0, 0, DUPLICATE_SAME_ACCESS),
		      STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtDuplicateObject((HANDLE)(uintptr_t)0x3fffffc, h, NtCurrentProcess(), &d,
					0, 0, DUPLICATE_SAME_ACCESS), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, (HANDLE)(uintptr_t)0x3fffffc, &d,
					0, 0, DUPLICATE_SAME_ACCESS), STATUS_INVALID_HANDLE);
	EXPECT_EQ(hv(d), NTT_POISON64);
	/* None of that created or closed anything. */
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0);
	xclose(h);
	xclose(no_dup);
}

TEST(duplicate_pseudo_handles_gives_real_handles)
{
	THREAD_BASIC_INFORMATION tbi;
	struct tid_box b;
	HANDLE p, t;
	pthread_t th;

	nt_setup();
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), NtCurrentProcess(),
					NtCurrentProcess(), &p, 0, 0, DUPLICATE_SAME_ACCESS),
		      STATUS_SUCCESS);
	EXPECT_NE(p, NtCurrentProcess());
	EXPECT_EQ(hv(p) % 4, 0);
	EXPECT_EQ((uintptr_t)basic_info(p).UniqueProcessId, (uintptr_t)getpid());
	/* DUPLICATE_SAME_ACCESS of NtCurrentProcess() is PROCESS_ALL_ACCESS. */
	EXPECT_STATUS(wait_ms(p, 0), STATUS_TIMEOUT);

	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), NtCurrentThread(),
					NtCurrentProcess(), &t, 0, 0, DUPLICATE_SAME_ACCESS),
		      STATUS_SUCCESS);
	EXPECT_NE(t, NtCurrentThread());
	tbi = thread_info(t);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)gettid());

	/* The real handle keeps naming this thread when another thread uses it. */
	memset(&b, 0, sizeof(b));
	sem_init(&b.ready, 0, 0);
	sem_init(&b.done, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, report_tid, &b), 0);
	sem_wait(&b.ready);
	tbi = thread_info(t);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)gettid());
	EXPECT_NE((uintptr_t)b.tbi.ClientId.UniqueThread, (uintptr_t)gettid());
	sem_post(&b.done);
	pthread_join(th, NULL);
	xclose(t);
	xclose(p);
}

TEST(duplicate_same_attributes)
{
	HANDLE h, d;

	nt_setup();
	ASSERT_STATUS(open_process_attr(&h, PROCESS_QUERY_LIMITED_INFORMATION, getpid(),
					OBJ_INHERIT), STATUS_SUCCESS);
	/* The inherit flag comes from the source; HandleAttributes is ignored. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d, 0, 0,
					DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES),
		      STATUS_SUCCESS);
	EXPECT_EQ((uintptr_t)basic_info(d).UniqueProcessId, (uintptr_t)getpid());
	xclose(d);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d, 0,
					OBJ_INHERIT, DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	xclose(d);
	xclose(h);
}

/*
 * Windows does not confine a duplicate to its source's access: when the
 * requested access exceeds the source's, ObDuplicateObject runs an access
 * check against the object's security descriptor, as an open would
 * ("In some cases, the new handle can have more access rights than the
 * original handle" - DuplicateHandle). A caller that may open its own child
 * with PROCESS_QUERY_LIMITED_INFORMATION gets it through a duplicate too.
 */
TEST(duplicate_may_widen_access_like_an_open)
{
	HANDLE h, d = NULL;
	struct kid k;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(SYNCHRONIZE, k.pid);
	EXPECT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d,
					SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, 0, 0),
		      STATUS_SUCCESS);
	if (d) {
		EXPECT_EQ((uintptr_t)basic_info(d).UniqueProcessId, (uintptr_t)k.pid);
		xclose(d);
	}
	xclose(h);
	kid_kill(&k);
}

/*
 * ... but never beyond what the caller could get by opening the object:
 * an unprivileged caller with a SYNCHRONIZE handle to PID 1 (root's) cannot
 * duplicate it into one that reads its memory or terminates it.
 */
static int dup_beyond_open_as_nobody(void)
{
	HANDLE h, d = (HANDLE)(uintptr_t)NTT_POISON64;
	int bad = 0;

	if (NtxInitialize() != STATUS_SUCCESS)
		return 10;
	if (open_process(&h, SYNCHRONIZE, 1) != STATUS_SUCCESS)
		return 11;
	if (NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d,
			      PROCESS_TERMINATE, 0, 0) != STATUS_ACCESS_DENIED)
		bad |= 1;
	if (NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d,
			      SYNCHRONIZE | PROCESS_VM_READ, 0, 0) != STATUS_ACCESS_DENIED)
		bad |= 2;
	if (NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d,
			      PROCESS_ALL_ACCESS, 0, 0) != STATUS_ACCESS_DENIED)
		bad |= 4;
	if (hv(d) != NTT_POISON64)
		bad |= 8;
	NtClose(h);
	return bad;
}

TEST(duplicate_cannot_exceed_what_an_open_would_grant)
{
	int st;
	pid_t pid;

	nt_setup();
	if (ntt_unprivileged()) {
		EXPECT_EQ(dup_beyond_open_as_nobody(), 0);
		return;
	}
	/* As root: check it as nobody, in a child. */
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(20);
		_exit(dup_beyond_open_as_nobody());
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

/* ------------------------------------------------------------------------ */
/* NtDuplicateObject across processes                                       */
/* ------------------------------------------------------------------------ */

/*
 * The parent duplicates a handle to itself into its child; the child uses
 * it (by value, received over a pipe) and reports what it saw.
 */
TEST(duplicate_into_child)
{
	int to_kid[2], from_kid[2], st;
	HANDLE hk, v = NULL;
	uint64_t value;
	ULONG kc0;
	pid_t pid;

	nt_setup();
	ASSERT_EQ(pipe(to_kid), 0);
	ASSERT_EQ(pipe(from_kid), 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		PROCESS_BASIC_INFORMATION pbi;
		HANDLE mine;
		char ok = 1;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (NtxInitialize() != STATUS_SUCCESS)
			_exit(10);
		if (read(to_kid[0], &value, sizeof(value)) != sizeof(value))
			_exit(11);
		mine = (HANDLE)(uintptr_t)value;
		memset(&pbi, NTT_POISON, sizeof(pbi));
		if (NtQueryInformationProcess(mine, ProcessBasicInformation, &pbi, sizeof(pbi),
					      NULL) != STATUS_SUCCESS)
			_exit(12);
		if ((uintptr_t)pbi.UniqueProcessId != (uintptr_t)getppid())
			_exit(13);
		if (pbi.ExitStatus != STATUS_PENDING)
			_exit(14);
		/* The access given was SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION. */
		if (NtTerminateProcess(mine, 1) != STATUS_ACCESS_DENIED)
			_exit(15);
		if (NtClose(mine) != STATUS_SUCCESS)
			_exit(16);
		if (NtClose(mine) != STATUS_INVALID_HANDLE)
			_exit(17);
		if (write(from_kid[1], &ok, 1) != 1)
			_exit(18);
		_exit(0);
	}
	hk = xopen_process(PROCESS_DUP_HANDLE | PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE,
			   pid);
	kc0 = handle_count(hk);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), hk, &v,
					SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, 0, 0),
		      STATUS_SUCCESS);
	EXPECT_NE(hv(v), 0);
	EXPECT_EQ(hv(v) % 4, 0);
	/* The handle is in the child's table, not ours. */
	EXPECT_EQ(handle_count(hk), kc0 + 1);
	value = hv(v);
	ASSERT_EQ(write(to_kid[1], &value, sizeof(value)), sizeof(value));
	{
		char ok = 0;

		EXPECT_EQ(read(from_kid[0], &ok, 1), 1);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
	xclose(hk);
}

/*
 * The child opens its own thread and tells the parent the handle value;
 * the parent takes a copy out of the child's table, then closes the child's
 * handle remotely with DUPLICATE_CLOSE_SOURCE and no target.
 */
TEST(duplicate_out_of_child_and_close_remotely)
{
	int to_kid[2], from_kid[2], st;
	THREAD_BASIC_INFORMATION tbi;
	uint64_t value;
	HANDLE hk, t;
	ULONG kc;
	pid_t pid;

	nt_setup();
	ASSERT_EQ(pipe(to_kid), 0);
	ASSERT_EQ(pipe(from_kid), 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		HANDLE mine;
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (open_thread(&mine, THREAD_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, getpid(),
				gettid()) != STATUS_SUCCESS)
			_exit(10);
		value = hv(mine);
		if (write(from_kid[1], &value, sizeof(value)) != sizeof(value))
			_exit(11);
		if (read(to_kid[0], &c, 1) != 1)
			_exit(12);
		/* The parent closed it. */
		_exit(NtClose(mine) == STATUS_INVALID_HANDLE ? 0 : 13);
	}
	hk = xopen_process(PROCESS_DUP_HANDLE | PROCESS_QUERY_LIMITED_INFORMATION, pid);
	ASSERT_EQ(read(from_kid[0], &value, sizeof(value)), sizeof(value));
	kc = handle_count(hk);
	EXPECT_GE(kc, 1);

	ASSERT_STATUS(NtDuplicateObject(hk, (HANDLE)(uintptr_t)value, NtCurrentProcess(), &t, 0,
					0, DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	tbi = thread_info(t);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueProcess, (uintptr_t)pid);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)pid);
	EXPECT_STATUS(tbi.ExitStatus, STATUS_PENDING);
	EXPECT_EQ(handle_count(hk), kc);

	ASSERT_STATUS(NtDuplicateObject(hk, (HANDLE)(uintptr_t)value, NULL, NULL, 0, 0,
					DUPLICATE_CLOSE_SOURCE), STATUS_SUCCESS);
	EXPECT_EQ(handle_count(hk), kc - 1);
	ASSERT_EQ(write(to_kid[1], "g", 1), 1);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
	/* Our copy still names the (now exited) thread. */
	EXPECT_STATUS(wait_ms(t, 10000), STATUS_WAIT_0);
	EXPECT_EQ((uintptr_t)thread_info(t).ClientId.UniqueThread, (uintptr_t)pid);
	xclose(t);
	xclose(hk);
}

/* NtCurrentProcess() as SourceHandle means the source process itself. */
TEST(duplicate_source_pseudo_handle_of_other_process)
{
	struct kid k;
	HANDLE hk, h;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	hk = xopen_process(PROCESS_DUP_HANDLE, k.pid);
	ASSERT_STATUS(NtDuplicateObject(hk, NtCurrentProcess(), NtCurrentProcess(), &h,
					SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, 0, 0),
		      STATUS_SUCCESS);
	EXPECT_EQ((uintptr_t)basic_info(h).UniqueProcessId, (uintptr_t)k.pid);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	xclose(h);
	xclose(hk);
	kid_kill(&k);
}

/*
 * A handle with PROCESS_QUERY_INFORMATION (THREAD_QUERY_INFORMATION) holds
 * the limited right too, on a duplicate with reduced access as on an open:
 * the limited queries work through it.
 */
TEST(duplicate_to_query_keeps_limited_right)
{
	HANDLE p, t, d;

	nt_setup();
	p = xopen_process(PROCESS_ALL_ACCESS, getpid());
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), p, NtCurrentProcess(), &d,
					PROCESS_QUERY_INFORMATION, 0, 0), STATUS_SUCCESS);
	EXPECT_EQ(hv(basic_info(d).UniqueProcessId), (uint64_t)getpid());
	xclose(d);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), p, NtCurrentProcess(), &d,
					GENERIC_READ, 0, 0), STATUS_SUCCESS);
	EXPECT_EQ(hv(basic_info(d).UniqueProcessId), (uint64_t)getpid());
	xclose(d);
	xclose(p);
	t = xopen_thread(THREAD_ALL_ACCESS, getpid(), gettid());
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), t, NtCurrentProcess(), &d,
					THREAD_QUERY_INFORMATION, 0, 0), STATUS_SUCCESS);
	EXPECT_EQ((uintptr_t)thread_info(d).ClientId.UniqueThread, (uintptr_t)gettid());
	xclose(d);
	xclose(t);
}
