// SPDX-License-Identifier: GPL-2.0
/*
 * The event stream (<ntexec/events.h>): process and thread create and exit
 * with their fields, as a subscriber and (root) as a multicast listener;
 * who sees what (an unprivileged subscriber gets no event about a root
 * process, and does get its own user's); the subscription's limits and its
 * end when the socket closes; job messages as events (the same as the
 * job's port gets, in order; with no port; only to those who may see the
 * job's creator); working-set trims, one per pass (only to those who may
 * see the process).
 */
#include <grp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include <ntexec/events.h>
#include "nt_util.h"
#include "pe_util.h"

#define EVENT_MS	20000
#define EXIT_STATUS	0xC0000123u

static int gettid_(void)
{
	return (int)syscall(SYS_gettid);
}

/* The events seen until the exit of process @pid (or the timeout). */
struct seen {
	NTX_EVENT pc, pe, tc, te, tc2, te2;
	int n_pc, n_pe, n_tc, n_te, n_tc2, n_te2;
	int other;		/* events about other processes */
	int foreign_pid;	/* events about this pid (must stay 0 where forbidden) */
	int n_foreign;
};

static ULONG event_pid(const NTX_EVENT *e)
{
	switch (e->Type) {
	case NtxEventProcessCreate: return e->u.ProcessCreate.ProcessId;
	case NtxEventProcessExit: return e->u.ProcessExit.ProcessId;
	case NtxEventThreadCreate: return e->u.ThreadCreate.ProcessId;
	case NtxEventThreadExit: return e->u.ThreadExit.ProcessId;
	default: return 0;
	}
}

/* Read until the process exit of @pid, and its main thread's exit. */
static void collect(NTX_EVENT_HANDLE *h, pid_t pid, struct seen *s)
{
	NTX_EVENT *e = malloc(sizeof(*e));

	ASSERT_TRUE(e != NULL);
	while (!s->n_pe || (s->n_tc && s->n_te < s->n_tc) || (s->n_tc2 && s->n_te2 < s->n_tc2)) {
		NTSTATUS st = NtxEventNext(h, e, EVENT_MS);

		if (st == STATUS_TIMEOUT)
			break;
		ASSERT_STATUS(st, STATUS_SUCCESS);
		if (s->foreign_pid && event_pid(e) == (ULONG)s->foreign_pid)
			s->n_foreign++;
		if (event_pid(e) != (ULONG)pid) {
			s->other++;
			continue;
		}
		switch (e->Type) {
		case NtxEventProcessCreate:
			s->pc = *e, s->n_pc++;
			break;
		case NtxEventProcessExit:
			s->pe = *e, s->n_pe++;
			break;
		case NtxEventThreadCreate:
			if (e->u.ThreadCreate.ThreadId == (ULONG)pid)
				s->tc = *e, s->n_tc++;
			else
				s->tc2 = *e, s->n_tc2++;
			break;
		case NtxEventThreadExit:
			if (e->u.ThreadExit.ThreadId == (ULONG)pid)
				s->te = *e, s->n_te++;
			else
				s->te2 = *e, s->n_te2++;
			break;
		default:
			break;
		}
	}
	free(e);
}

static HANDLE adopted;

/* Adopt this thread; a handle to it in @adopted, for its exit. */
static void *adopt_thread(void *arg)
{
	*(int *)arg = gettid_();
	NtDuplicateObject(NtCurrentProcess(), NtCurrentThread(), NtCurrentProcess(), &adopted,
			  0, 0, DUPLICATE_SAME_ACCESS);
	return NULL;
}

/*
 * A child that becomes an NT process by its own call, adopts its main thread
 * and a second one, and ends with NtTerminateProcess(EXIT_STATUS). It
 * writes the second thread's id to @fd.
 */
static pid_t spawn_nt_child(int fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		THREAD_BASIC_INFORMATION tbi;
		pthread_t t;
		int tid = 0;

		if (NtxInitialize())
			_exit(90);
		NtQueryInformationThread(NtCurrentThread(), ThreadBasicInformation, &tbi,
					 sizeof(tbi), NULL);
		if (pthread_create(&t, NULL, adopt_thread, &tid) || pthread_join(t, NULL))
			_exit(91);
		/*
		 * pthread_join() returns at the thread's exit_mm(), before the
		 * module records its exit: wait for that, so that the thread
		 * ends with its own status and its event comes before the
		 * process's.
		 */
		if (NtWaitForSingleObject(adopted, FALSE, NULL) != STATUS_WAIT_0)
			_exit(94);
		if (fd >= 0 && write(fd, &tid, sizeof(tid)) != sizeof(tid))
			_exit(92);
		NtTerminateProcess(NtCurrentProcess(), (NTSTATUS)EXIT_STATUS);
		_exit(93);
	}
	return pid;
}

static void check_fields(const struct seen *s, pid_t pid, int tid2, pid_t parent)
{
	ASSERT_EQ(s->n_pc, 1);
	EXPECT_EQ(s->pc.u.ProcessCreate.ParentProcessId, (ULONG)parent);
	/* It adopted itself: it is its own creator. */
	EXPECT_EQ(s->pc.u.ProcessCreate.CreatorProcessId, (ULONG)pid);
	EXPECT_EQ(s->pc.u.ProcessCreate.CreatorThreadId, (ULONG)pid);
	EXPECT_GT(s->pc.u.ProcessCreate.CreateTime, NTT_UNIX_EPOCH);
	EXPECT_TRUE(strstr(s->pc.u.ProcessCreate.ImageName, "test_events") != NULL);

	ASSERT_EQ(s->n_tc, 1);
	EXPECT_EQ(s->tc.u.ThreadCreate.CreatorThreadId, (ULONG)pid);
	/*
	 * The same task's start, converted to NT time at two moments: equal
	 * up to the conversion's drift (a few 100 ns units), not exactly.
	 */
	EXPECT_GE(s->tc.u.ThreadCreate.CreateTime + 10000, s->pc.u.ProcessCreate.CreateTime);
	EXPECT_LE(s->tc.u.ThreadCreate.CreateTime, s->pc.u.ProcessCreate.CreateTime + 10000);
	ASSERT_EQ(s->n_tc2, 1);
	EXPECT_EQ(s->tc2.u.ThreadCreate.ThreadId, (ULONG)tid2);
	EXPECT_EQ(s->tc2.u.ThreadCreate.CreatorThreadId, (ULONG)tid2);
	ASSERT_EQ(s->n_te2, 1);
	EXPECT_EQ(s->te2.u.ThreadExit.ThreadId, (ULONG)tid2);
	EXPECT_EQ((uint32_t)s->te2.u.ThreadExit.ExitStatus, 0u);

	ASSERT_EQ(s->n_te, 1);
	EXPECT_EQ((uint32_t)s->te.u.ThreadExit.ExitStatus, EXIT_STATUS);
	EXPECT_GE(s->te.u.ThreadExit.ExitTime, s->tc.u.ThreadCreate.CreateTime);
	ASSERT_EQ(s->n_pe, 1);
	EXPECT_EQ((uint32_t)s->pe.u.ProcessExit.ExitStatus, EXIT_STATUS);
	EXPECT_GE(s->pe.u.ProcessExit.ExitTime, s->pc.u.ProcessCreate.CreateTime);
	EXPECT_EQ(s->pe.Dropped, 0u);
}

static void run_child_and_check(NTX_EVENT_HANDLE *h)
{
	struct seen s = {};
	int p[2], tid2 = 0, st;
	pid_t pid;

	ASSERT_EQ(pipe(p), 0);
	pid = spawn_nt_child(p[1]);
	ASSERT_GT(pid, 0);
	close(p[1]);
	collect(h, pid, &s);
	ASSERT_EQ(read(p[0], &tid2, sizeof(tid2)), (ssize_t)sizeof(tid2));
	close(p[0]);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	check_fields(&s, pid, tid2, getpid());
}

TEST(subscriber_gets_process_and_thread_events)
{
	NTX_EVENT_HANDLE *h;

	nt_setup();
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_PROCESS | NTX_EVENT_GROUP_THREAD, 0, &h),
		      STATUS_SUCCESS);
	run_child_and_check(h);
	NtxEventClose(h);
}

TEST(multicast_needs_cap_net_admin)
{
	NTX_EVENT_HANDLE *h = (NTX_EVENT_HANDLE *)1;
	NTSTATUS s;

	nt_setup();
	s = NtxEventOpen(NTX_EVENT_GROUP_ALL, NTX_EVENT_OPEN_MULTICAST, &h);
	if (ntt_unprivileged()) {
		EXPECT_STATUS(s, STATUS_PRIVILEGE_NOT_HELD);
		EXPECT_TRUE(h == NULL);
		return;
	}
	ASSERT_STATUS(s, STATUS_SUCCESS);
	run_child_and_check(h);
	NtxEventClose(h);
}

/* Only the groups asked for. */
TEST(groups_filter)
{
	NTX_EVENT_HANDLE *h;
	struct seen s = {};
	pid_t pid;
	int st;

	nt_setup();
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_PROCESS, 0, &h), STATUS_SUCCESS);
	pid = spawn_nt_child(-1);
	collect(h, pid, &s);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_EQ(s.n_pc, 1);
	EXPECT_EQ(s.n_pe, 1);
	EXPECT_EQ(s.n_tc + s.n_tc2 + s.n_te + s.n_te2, 0);
	NtxEventClose(h);
}

/* Opening another process by CLIENT_ID makes the opener its creator. */
TEST(creator_is_the_opener)
{
	NTX_EVENT_HANDLE *h;
	struct seen s = {};
	int p[2], st;
	HANDLE ph;
	pid_t pid;
	char c;

	nt_setup();
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_PROCESS, 0, &h), STATUS_SUCCESS);
	ASSERT_EQ(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		/* No ntexec call here: the parent adopts it. */
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		_exit(5);
	}
	close(p[0]);
	ASSERT_STATUS(open_process(&ph, PROCESS_QUERY_LIMITED_INFORMATION, pid), STATUS_SUCCESS);
	ASSERT_EQ(write(p[1], "x", 1), 1);
	close(p[1]);
	collect(h, pid, &s);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_EQ(s.n_pc, 1);
	EXPECT_EQ(s.pc.u.ProcessCreate.CreatorProcessId, (ULONG)getpid());
	EXPECT_EQ(s.pc.u.ProcessCreate.CreatorThreadId, (ULONG)gettid_());
	EXPECT_EQ(s.pc.u.ProcessCreate.ParentProcessId, (ULONG)getpid());
	ASSERT_EQ(s.n_pe, 1);
	EXPECT_EQ((uint32_t)s.pe.u.ProcessExit.ExitStatus, 5u);
	NtClose(ph);
	NtxEventClose(h);
}

/*
 * As root: a subscriber that dropped to nobody gets no event about a root
 * process, then does get those of a nobody process made after it (events
 * come in order, so the first ones were filtered, not late).
 */
TEST(nobody_sees_no_root_process)
{
	int ready[2], go[2], st;
	pid_t listener, kids[2];
	char c;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("needs root to make a root process and a nobody listener");
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(go), 0);
	listener = fork();
	if (listener == 0) {
		NTX_EVENT_HANDLE *h;
		struct seen s = {};
		pid_t k[2];

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(80);
		if (NtxEventOpen(NTX_EVENT_GROUP_PROCESS | NTX_EVENT_GROUP_THREAD, 0, &h))
			_exit(81);
		if (write(ready[1], "r", 1) != 1 || read(go[0], k, sizeof(k)) != sizeof(k))
			_exit(82);
		s.foreign_pid = k[0];
		collect(h, k[1], &s);
		if (s.n_foreign)
			_exit(83);
		if (s.n_pc != 1 || s.n_pe != 1 || s.n_tc != 1 || s.n_te != 1)
			_exit(84);
		if ((uint32_t)s.pe.u.ProcessExit.ExitStatus != 3)
			_exit(85);
		_exit(0);
	}
	ASSERT_GT(listener, 0);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	/* A root NT process, its threads, its exit. */
	kids[0] = spawn_nt_child(-1);
	ASSERT_EQ(waitpid(kids[0], &st, 0), kids[0]);
	/* Then a nobody one. */
	kids[1] = fork();
	if (kids[1] == 0) {
		THREAD_BASIC_INFORMATION tbi;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) || NtxInitialize())
			_exit(70);
		NtQueryInformationThread(NtCurrentThread(), ThreadBasicInformation, &tbi,
					 sizeof(tbi), NULL);
		_exit(3);
	}
	ASSERT_EQ(waitpid(kids[1], &st, 0), kids[1]);
	EXPECT_EQ(WEXITSTATUS(st), 3);
	ASSERT_EQ(write(go[1], kids, sizeof(kids)), (ssize_t)sizeof(kids));
	ASSERT_EQ(waitpid(listener, &st, 0), listener);
	ASSERT_TRUE(WIFEXITED(st));
	/* 83: it saw the root process; 84/85: it missed its own user's. */
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST(bad_arguments)
{
	NTX_EVENT_HANDLE *h = (NTX_EVENT_HANDLE *)1;
	NTX_EVENT e;

	nt_setup();
	EXPECT_STATUS(NtxEventOpen(0, 0, &h), STATUS_INVALID_PARAMETER);
	EXPECT_TRUE(h == NULL);
	EXPECT_STATUS(NtxEventOpen(0x20, 0, &h), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_ALL, 2, &h), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_ALL, 0, NULL), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtxEventNext(NULL, &e, 0), STATUS_INVALID_PARAMETER);
	NtxEventClose(NULL);
}

/*
 * At most 32 subscriptions per user; closing the sockets ends them (the
 * module forgets a released socket), so the next ones succeed.
 */
TEST(subscriptions_are_limited_and_end_with_the_socket)
{
	NTX_EVENT_HANDLE *h[40];
	int n, i, round;

	nt_setup();
	for (round = 0; round < 2; round++) {
		NTSTATUS s = STATUS_SUCCESS;

		for (n = 0; n < 40; n++) {
			s = NtxEventOpen(NTX_EVENT_GROUP_JOB, 0, &h[n]);
			if (s)
				break;
		}
		EXPECT_STATUS(s, STATUS_QUOTA_EXCEEDED);
		EXPECT_EQ(n, 32);
		for (i = 0; i < n; i++)
			NtxEventClose(h[i]);
	}
}

/* Nothing to read: a zero timeout returns at once. */
TEST(timeout)
{
	NTX_EVENT_HANDLE *h;
	NTX_EVENT *e = malloc(sizeof(*e));

	nt_setup();
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_MEMORY, 0, &h), STATUS_SUCCESS);
	EXPECT_STATUS(NtxEventNext(h, e, 0), STATUS_TIMEOUT);
	EXPECT_STATUS(NtxEventNext(h, e, 50), STATUS_TIMEOUT);
	EXPECT_GE(NtxEventFd(h), 0);
	NtxEventClose(h);
	free(e);
}

/* An image view mapped into this process and unmapped. */
TEST(image_map_and_unmap)
{
	char path[] = "/tmp/ntexec-evimg-XXXXXX";
	NTX_EVENT_HANDLE *h;
	NTX_EVENT *e = malloc(sizeof(*e));
	const struct pe_options opt = { 0 };
	int fd, ro, seen_map = 0, seen_unmap = 0;
	HANDLE f, sec;
	PVOID base = NULL;
	SIZE_T size = 0;
	NTSTATUS st;

	nt_setup();
	ASSERT_TRUE(e != NULL);
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(pe_write_fd(fd, &opt), 0);
	ro = open(path, O_RDONLY);
	ASSERT_GE(ro, 0);
	close(fd);
	ASSERT_STATUS(NtxHandleFromFd(ro, FILE_GENERIC_READ | FILE_EXECUTE, &f), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateSection(&sec, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ,
				      SEC_IMAGE, f), STATUS_SUCCESS);
	NtClose(f);
	close(ro);

	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_IMAGE, 0, &h), STATUS_SUCCESS);
	st = NtMapViewOfSection(sec, NtCurrentProcess(), &base, 0, 0, NULL, &size, ViewUnmap,
				0, PAGE_READONLY);
	ASSERT_TRUE(st == STATUS_SUCCESS || st == STATUS_IMAGE_NOT_AT_BASE);
	ASSERT_STATUS(NtUnmapViewOfSection(NtCurrentProcess(), base), STATUS_SUCCESS);
	while (!seen_unmap && NtxEventNext(h, e, EVENT_MS) == STATUS_SUCCESS) {
		if (e->Type == NtxEventImageMap && e->u.Image.Base == (ULONGLONG)(uintptr_t)base) {
			seen_map++;
			EXPECT_EQ(e->u.Image.ProcessId, (ULONG)getpid());
			EXPECT_EQ(e->u.Image.Size, (ULONGLONG)size);
			EXPECT_TRUE(strstr(e->u.Image.ImageName, path) != NULL);
		}
		if (e->Type == NtxEventImageUnmap && e->u.Image.Base == (ULONGLONG)(uintptr_t)base) {
			EXPECT_EQ(seen_map, 1);
			EXPECT_EQ(e->u.Image.ProcessId, (ULONG)getpid());
			EXPECT_TRUE(strstr(e->u.Image.ImageName, path) != NULL);
			seen_unmap++;
		}
	}
	EXPECT_EQ(seen_map, 1);
	EXPECT_EQ(seen_unmap, 1);
	unlink(path);
	NtClose(sec);
	NtxEventClose(h);
	free(e);
}

/* A commit past the system commit limit (root lowers the limit to get one). */
TEST(commit_limit_hit)
{
	const char *param = "/sys/module/ntexec/parameters/commit_limit";
	NTX_EVENT_HANDLE *h;
	NTX_EVENT *e = malloc(sizeof(*e));
	char old[64] = "0", now[64];
	SIZE_T size = 1 << 20;
	PVOID base = NULL;
	ssize_t n;
	int fd, seen = 0;
	NTSTATUS st;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("lowering the commit limit needs root");
	ASSERT_TRUE(e != NULL);
	fd = open(param, O_RDWR);
	ASSERT_GE(fd, 0);
	n = read(fd, old, sizeof(old) - 1);
	ASSERT_GT(n, 0);
	old[n] = '\0';
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_MEMORY, 0, &h), STATUS_SUCCESS);
	/* One page: anything else committed already exceeds it. */
	snprintf(now, sizeof(now), "1\n");
	ASSERT_EQ(pwrite(fd, now, strlen(now), 0), (ssize_t)strlen(now));
	st = NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
				     MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	ASSERT_EQ(pwrite(fd, old, strlen(old), 0), (ssize_t)strlen(old));
	close(fd);
	EXPECT_STATUS(st, STATUS_COMMITMENT_LIMIT);
	while (!seen && NtxEventNext(h, e, EVENT_MS) == STATUS_SUCCESS) {
		if (e->Type != NtxEventCommitLimit || e->u.CommitLimit.ProcessId != (ULONG)getpid())
			continue;
		seen = 1;
		EXPECT_EQ(e->u.CommitLimit.Size, (ULONGLONG)size);
	}
	EXPECT_EQ(seen, 1);
	NtxEventClose(h);
	free(e);
}

/* Touch @pages pages of a fresh allocation, then empty this working set. */
static PVOID touch_and_empty(SIZE_T pages)
{
	SIZE_T size = pages * 4096;
	QUOTA_LIMITS q;
	PVOID base = NULL;

	if (NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
				    MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
		return NULL;
	memset(base, 1, size);
	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = (SIZE_T)-1;
	q.MaximumWorkingSetSize = (SIZE_T)-1;
	if (NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q, sizeof(q)))
		return NULL;
	return base;
}

/*
 * This process's working-set trim events up to the one that left its working
 * set empty (a balance set manager trim may come first): the bytes they
 * trimmed, or 0 when none came.
 */
static unsigned long long trims_to_empty(NTX_EVENT_HANDLE *h, NTX_EVENT *e)
{
	unsigned long long sum = 0;

	while (NtxEventNext(h, e, EVENT_MS) == STATUS_SUCCESS) {
		if (e->Type != NtxEventWorkingSetTrim ||
		    e->u.WorkingSetTrim.ProcessId != (ULONG)getpid())
			continue;
		EXPECT_GT(e->u.WorkingSetTrim.TrimmedSize, 0ull);
		EXPECT_EQ(e->u.WorkingSetTrim.TrimmedSize % 4096, 0ull);
		sum += e->u.WorkingSetTrim.TrimmedSize;
		if (!e->u.WorkingSetTrim.WorkingSetSize)
			return sum;
	}
	return 0;
}

/*
 * Emptying its own working set: one event per trim pass, with the bytes
 * trimmed and what is left (nothing: the process touches no NT memory
 * meanwhile). As root and as nobody.
 */
TEST(working_set_trim)
{
	NTX_EVENT *e = malloc(sizeof(*e));
	NTX_EVENT_HANDLE *h;
	unsigned long long n;
	char *base;

	nt_setup();
	ASSERT_TRUE(e != NULL);
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_MEMORY, 0, &h), STATUS_SUCCESS);
	base = touch_and_empty(16);
	ASSERT_TRUE(base != NULL);
	n = trims_to_empty(h, e);
	EXPECT_GE(n, 16 * 4096ull);

	/* Four pages back in, then out again: one more event, of those four. */
	memset(base, 2, 4 * 4096);
	{
		QUOTA_LIMITS q;

		memset(&q, 0, sizeof(q));
		q.MinimumWorkingSetSize = (SIZE_T)-1;
		q.MaximumWorkingSetSize = (SIZE_T)-1;
		ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
						      sizeof(q)), STATUS_SUCCESS);
	}
	n = trims_to_empty(h, e);
	EXPECT_GE(n, 4 * 4096ull);
	EXPECT_LT(n, 16 * 4096ull);
	NtxEventClose(h);
	free(e);
}

/*
 * A hard maximum trims one page at each fault past it: those trims are
 * summed, not sent one by one (an aging pass sends them, once a second).
 */
TEST(hard_maximum_trims_are_summed)
{
	const unsigned int n = 256, max = 64;
	NTX_EVENT *e = malloc(sizeof(*e));
	unsigned long long sum = 0;
	NTX_EVENT_HANDLE *h;
	SIZE_T size = n * 4096;
	PVOID base = NULL;
	QUOTA_LIMITS_EX q;
	int events = 0;

	nt_setup();
	ASSERT_TRUE(e != NULL);
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_MEMORY, 0, &h), STATUS_SUCCESS);
	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = 20 * 4096;
	q.MaximumWorkingSetSize = max * 4096;
	q.Flags = QUOTA_LIMITS_HARDWS_MAX_ENABLE;
	ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
					      sizeof(q)), STATUS_SUCCESS);
	/* What setting the maximum trimmed (if anything) comes first. */
	while (NtxEventNext(h, e, 1500) == STATUS_SUCCESS)
		;
	/* At least n - max single-page trims, one per fault. */
	memset(base, 1, size);
	while (sum < (n - max) * 4096ull && NtxEventNext(h, e, EVENT_MS) == STATUS_SUCCESS) {
		if (e->Type != NtxEventWorkingSetTrim ||
		    e->u.WorkingSetTrim.ProcessId != (ULONG)getpid())
			continue;
		events++;
		sum += e->u.WorkingSetTrim.TrimmedSize;
		EXPECT_LE(e->u.WorkingSetTrim.WorkingSetSize, max * 4096ull);
	}
	EXPECT_GE(sum, (n - max) * 4096ull);
	EXPECT_GE(events, 1);
	EXPECT_LE(events, 10);
	q.Flags = QUOTA_LIMITS_HARDWS_MAX_DISABLE;
	ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
					      sizeof(q)), STATUS_SUCCESS);
	size = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
	NtxEventClose(h);
	free(e);
}

/* An unprivileged subscriber sees its own user's trims, not root's. */
TEST(nobody_sees_no_root_trim)
{
	int ready[2], go[2], st;
	pid_t listener, kids[2];
	char c;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("needs root to trim a root process for a nobody listener");
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(go), 0);
	listener = fork();
	if (listener == 0) {
		NTX_EVENT *e = malloc(sizeof(*e));
		NTX_EVENT_HANDLE *h;
		pid_t k[2];

		if (!e || setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(80);
		if (NtxEventOpen(NTX_EVENT_GROUP_MEMORY, 0, &h))
			_exit(81);
		if (write(ready[1], "r", 1) != 1 || read(go[0], k, sizeof(k)) != sizeof(k))
			_exit(82);
		while (NtxEventNext(h, e, EVENT_MS) == STATUS_SUCCESS) {
			if (e->Type != NtxEventWorkingSetTrim)
				continue;
			if (e->u.WorkingSetTrim.ProcessId == (ULONG)k[0])
				_exit(83);
			if (e->u.WorkingSetTrim.ProcessId == (ULONG)k[1])
				_exit(e->u.WorkingSetTrim.TrimmedSize >= 8 * 4096 ? 0 : 85);
		}
		_exit(84);
	}
	ASSERT_GT(listener, 0);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	/* This root process empties its working set, then a nobody one does. */
	kids[0] = getpid();
	ASSERT_TRUE(touch_and_empty(8) != NULL);
	kids[1] = fork();
	if (kids[1] == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) || NtxInitialize())
			_exit(70);
		_exit(touch_and_empty(8) ? 5 : 71);
	}
	ASSERT_GT(kids[1], 0);
	ASSERT_EQ(waitpid(kids[1], &st, 0), kids[1]);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 5);
	ASSERT_EQ(write(go[1], kids, sizeof(kids)), (ssize_t)sizeof(kids));
	ASSERT_EQ(waitpid(listener, &st, 0), listener);
	ASSERT_TRUE(WIFEXITED(st));
	/* 83: it saw root's trim; 84/85: it missed (or got wrong) its own user's. */
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

/*
 * As root: a subscriber in a pid namespace of its own gets the events of its
 * namespace's processes, with ids as it sees them, and none about a process
 * outside it made just before.
 */
TEST(pid_namespace_filter_and_translation)
{
	int ready[2], go[2], st;
	pid_t outer, mid, outside;
	char c;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("a pid namespace needs CAP_SYS_ADMIN");
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(go), 0);
	mid = fork();
	if (mid == 0) {
		pid_t init;

		if (unshare(CLONE_NEWPID))
			_exit(60);
		init = fork();
		if (init == 0) {
			NTX_EVENT_HANDLE *h;
			struct seen s = {};
			pid_t kid;

			/* pid 1 of the new namespace. */
			if (getpid() != 1 || NtxEventOpen(NTX_EVENT_GROUP_PROCESS, 0, &h))
				_exit(61);
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(62);
			kid = spawn_nt_child(-1);
			if (kid != 2)
				_exit(63);
			collect(h, kid, &s);
			waitpid(kid, NULL, 0);
			if (s.other)
				_exit(64);	/* an event about a process outside */
			if (s.n_pc != 1 || s.n_pe != 1)
				_exit(65);
			if (s.pc.u.ProcessCreate.ParentProcessId != 1 ||
			    s.pc.u.ProcessCreate.CreatorProcessId != 2)
				_exit(66);
			_exit(0);
		}
		if (init < 0 || waitpid(init, &st, 0) != init)
			_exit(67);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 68);
	}
	ASSERT_GT(mid, 0);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	/* An NT process outside the namespace, gone before the inside one starts. */
	outside = spawn_nt_child(-1);
	ASSERT_EQ(waitpid(outside, &st, 0), outside);
	/* Let its events reach the socket (or not) before the inside ones. */
	outer = fork();
	if (outer == 0)
		_exit(0);
	waitpid(outer, NULL, 0);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	ASSERT_EQ(waitpid(mid, &st, 0), mid);
	ASSERT_TRUE(WIFEXITED(st));
	/* 64: it saw an outside process; 65/66: it missed or mistranslated its own. */
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

/* ---- job messages (ntps/job.c's ps_job_post()) ---- */

struct job_msg {
	ULONG msg;
	ULONG pid;
};

static HANDLE make_job(HANDLE port, uintptr_t key, ULONG active_limit)
{
	HANDLE job;

	ASSERT_STATUS(NtCreateJobObject(&job, JOB_OBJECT_ALL_ACCESS, NULL), STATUS_SUCCESS);
	if (port) {
		JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = { (PVOID)key, port };

		ASSERT_STATUS(NtSetInformationJobObject(job,
							JobObjectAssociateCompletionPortInformation,
							&a, sizeof(a)), STATUS_SUCCESS);
	}
	if (active_limit) {
		JOBOBJECT_BASIC_LIMIT_INFORMATION l = {
			.LimitFlags = JOB_OBJECT_LIMIT_ACTIVE_PROCESS,
			.ActiveProcessLimit = active_limit,
		};

		ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
							sizeof(l)), STATUS_SUCCESS);
	}
	return job;
}

/* The job events with @key until ACTIVE_PROCESS_ZERO (at most @max). */
static int job_events(NTX_EVENT_HANDLE *h, uint64_t key, struct job_msg *out, int max)
{
	NTX_EVENT *e = malloc(sizeof(*e));
	int n = 0;

	ASSERT_TRUE(e != NULL);
	while (n < max && NtxEventNext(h, e, EVENT_MS) == STATUS_SUCCESS) {
		if (e->Type != NtxEventJob || e->u.Job.CompletionKey != key)
			continue;
		out[n].msg = e->u.Job.Message;
		out[n].pid = e->u.Job.ProcessId;
		if (out[n++].msg == JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO)
			break;
	}
	free(e);
	return n;
}

/*
 * The job group carries what the job's port gets, in the same order, with
 * the same process ids: a member's arrival, a child the active-process limit
 * killed in its fork, the member's exit, the job's last exit.
 */
TEST(job_messages_mirror_the_port)
{
	uintptr_t key = 0x4a0b0000u | ((uintptr_t)getpid() & 0xffff);
	struct job_msg port_msgs[8], ev[8];
	int go[2], back[2], st, np = 0, ne, i;
	NTX_EVENT_HANDLE *h;
	HANDLE port, job, p;
	pid_t kid, grandkid = 0;
	char c;

	nt_setup();
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_JOB, 0, &h), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateIoCompletion(&port, IO_COMPLETION_ALL_ACCESS, NULL, 0),
		      STATUS_SUCCESS);
	job = make_job(port, key, 1);
	ASSERT_EQ(pipe(go), 0);
	ASSERT_EQ(pipe(back), 0);
	kid = fork();
	if (kid == 0) {
		pid_t g;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &c, 1) != 1)
			_exit(70);
		/* The second active process: killed before it runs. */
		g = fork();
		if (g == 0)
			_exit(0);
		if (g < 0 || waitpid(g, NULL, 0) != g)
			_exit(71);
		if (write(back[1], &g, sizeof(g)) != sizeof(g))
			_exit(72);
		_exit(3);
	}
	ASSERT_GT(kid, 0);
	ASSERT_STATUS(open_process(&p, PROCESS_ALL_ACCESS, kid), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	ASSERT_EQ(read(back[0], &grandkid, sizeof(grandkid)), (ssize_t)sizeof(grandkid));
	ASSERT_EQ(waitpid(kid, &st, 0), kid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3);

	while (np < 8) {
		LARGE_INTEGER t = rel_ms(EVENT_MS);
		IO_STATUS_BLOCK iosb;
		PVOID k, ctx;

		if (NtRemoveIoCompletion(port, &k, &ctx, &iosb, &t) != STATUS_SUCCESS)
			break;
		EXPECT_EQ((uintptr_t)k, key);
		port_msgs[np].msg = (ULONG)iosb.Information;
		port_msgs[np].pid = (ULONG)(uintptr_t)ctx;
		if (port_msgs[np++].msg == JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO)
			break;
	}
	ne = job_events(h, key, ev, 8);

	ASSERT_EQ(np, 4);
	EXPECT_EQ(port_msgs[0].msg, (ULONG)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ(port_msgs[0].pid, (ULONG)kid);
	EXPECT_EQ(port_msgs[1].msg, (ULONG)JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT);
	EXPECT_EQ(port_msgs[1].pid, (ULONG)grandkid);
	EXPECT_EQ(port_msgs[2].msg, (ULONG)JOB_OBJECT_MSG_EXIT_PROCESS);
	EXPECT_EQ(port_msgs[2].pid, (ULONG)kid);
	EXPECT_EQ(port_msgs[3].pid, 0u);
	ASSERT_EQ(ne, np);
	for (i = 0; i < np; i++) {
		EXPECT_EQ(ev[i].msg, port_msgs[i].msg);
		EXPECT_EQ(ev[i].pid, port_msgs[i].pid);
	}
	NtClose(p);
	NtClose(job);
	NtClose(port);
	NtxEventClose(h);
}

/*
 * A job without a port still reports, with completion key 0. A port
 * associated later gets NEW_PROCESS for the member already there; the
 * events do not say it again. What follows carries the port's key.
 */
TEST(job_events_without_a_port_and_a_late_port)
{
	uintptr_t key = 0x1a7e0000u | ((uintptr_t)getpid() & 0xffff);
	NTX_EVENT *e = malloc(sizeof(*e));
	struct job_msg ev[8];
	JOBOBJECT_ASSOCIATE_COMPLETION_PORT a;
	LARGE_INTEGER t = rel_ms(EVENT_MS);
	IO_STATUS_BLOCK iosb;
	NTX_EVENT_HANDLE *h;
	HANDLE job, port, p;
	uint64_t keys[8];
	int go[2], st, n = 0;
	PVOID k, ctx;
	pid_t kid;
	char c;

	nt_setup();
	ASSERT_TRUE(e != NULL);
	ASSERT_STATUS(NtxEventOpen(NTX_EVENT_GROUP_JOB, 0, &h), STATUS_SUCCESS);
	job = make_job(NULL, 0, 0);
	ASSERT_EQ(pipe(go), 0);
	kid = fork();
	if (kid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &c, 1) != 1)
			_exit(70);
		*(volatile int *)0 = 1;	/* STATUS_ACCESS_VIOLATION: abnormal */
		_exit(71);
	}
	ASSERT_GT(kid, 0);
	ASSERT_STATUS(open_process(&p, PROCESS_ALL_ACCESS, kid), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateIoCompletion(&port, IO_COMPLETION_ALL_ACCESS, NULL, 0),
		      STATUS_SUCCESS);
	a.CompletionKey = (PVOID)key;
	a.CompletionPort = port;
	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectAssociateCompletionPortInformation,
						&a, sizeof(a)), STATUS_SUCCESS);
	ASSERT_STATUS(NtRemoveIoCompletion(port, &k, &ctx, &iosb, &t), STATUS_SUCCESS);
	EXPECT_EQ(iosb.Information, (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ((uintptr_t)ctx, (uintptr_t)kid);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	ASSERT_EQ(waitpid(kid, &st, 0), kid);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);

	while (n < 8 && NtxEventNext(h, e, EVENT_MS) == STATUS_SUCCESS) {
		if (e->Type != NtxEventJob ||
		    (e->u.Job.CompletionKey != 0 && e->u.Job.CompletionKey != key))
			continue;
		ev[n].msg = e->u.Job.Message;
		ev[n].pid = e->u.Job.ProcessId;
		keys[n] = e->u.Job.CompletionKey;
		if (ev[n++].msg == JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO)
			break;
	}
	ASSERT_EQ(n, 3);
	EXPECT_EQ(ev[0].msg, (ULONG)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ(ev[0].pid, (ULONG)kid);
	EXPECT_EQ(keys[0], 0ull);
	EXPECT_EQ(ev[1].msg, (ULONG)JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS);
	EXPECT_EQ(ev[1].pid, (ULONG)kid);
	EXPECT_EQ(keys[1], (uint64_t)key);
	EXPECT_EQ(ev[2].msg, (ULONG)JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO);
	EXPECT_EQ(ev[2].pid, 0u);
	EXPECT_EQ(keys[2], (uint64_t)key);
	NtClose(p);
	NtClose(job);
	NtClose(port);
	NtxEventClose(h);
	free(e);
}

/*
 * As root: a job's events go to the subscribers that may see its creator.
 * A subscriber that dropped to nobody gets nothing of a root job (not even
 * about a nobody member), then does get the messages of a job a nobody
 * process made after it.
 */
TEST(nobody_sees_no_root_job)
{
	uintptr_t root_key = 0x600d0000u | ((uintptr_t)getpid() & 0xffff);
	uintptr_t own_key = root_key + 0x10000;
	int ready[2], go[2], st;
	pid_t listener, kid;
	HANDLE job, p;
	char c;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("needs root to make a root job and a nobody listener");
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(go), 0);
	listener = fork();
	if (listener == 0) {
		NTX_EVENT *e = malloc(sizeof(*e));
		NTX_EVENT_HANDLE *h;
		int own = 0;

		if (!e || setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(80);
		if (NtxEventOpen(NTX_EVENT_GROUP_JOB, 0, &h))
			_exit(81);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(82);
		while (NtxEventNext(h, e, EVENT_MS) == STATUS_SUCCESS) {
			if (e->Type != NtxEventJob)
				continue;
			if (e->u.Job.CompletionKey == root_key)
				_exit(83);
			if (e->u.Job.CompletionKey == own_key) {
				own++;
				if (e->u.Job.Message == JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO)
					break;
			}
		}
		/* NEW_PROCESS, EXIT_PROCESS, ACTIVE_PROCESS_ZERO of its user's job */
		_exit(own == 3 ? 0 : 84);
	}
	ASSERT_GT(listener, 0);
	ASSERT_EQ(read(ready[0], &c, 1), 1);

	/* A root job with a port, and a nobody member. */
	{
		HANDLE port;

		ASSERT_STATUS(NtCreateIoCompletion(&port, IO_COMPLETION_ALL_ACCESS, NULL, 0),
			      STATUS_SUCCESS);
		job = make_job(port, root_key, 0);
		kid = fork();
		if (kid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
			    setresuid(65534, 65534, 65534))
				_exit(70);
			for (;;)
				pause();
		}
		ASSERT_GT(kid, 0);
		ASSERT_STATUS(open_process(&p, PROCESS_ALL_ACCESS, kid), STATUS_SUCCESS);
		ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
		kill(kid, SIGKILL);
		ASSERT_EQ(waitpid(kid, &st, 0), kid);
		EXPECT_STATUS(wait_ms(p, 10000), STATUS_WAIT_0);
		NtClose(p);
		NtClose(job);
		NtClose(port);
	}
	/* Then a nobody process that puts itself in a job of its own. */
	kid = fork();
	if (kid == 0) {
		JOBOBJECT_ASSOCIATE_COMPLETION_PORT a;
		HANDLE port2, job2;

		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) || NtxInitialize())
			_exit(60);
		if (NtCreateIoCompletion(&port2, IO_COMPLETION_ALL_ACCESS, NULL, 0) ||
		    NtCreateJobObject(&job2, JOB_OBJECT_ALL_ACCESS, NULL))
			_exit(61);
		a.CompletionKey = (PVOID)own_key;
		a.CompletionPort = port2;
		if (NtSetInformationJobObject(job2, JobObjectAssociateCompletionPortInformation,
					      &a, sizeof(a)) ||
		    NtAssignProcessToJobObject(job2, NtCurrentProcess()))
			_exit(62);
		_exit(4);
	}
	ASSERT_GT(kid, 0);
	ASSERT_EQ(waitpid(kid, &st, 0), kid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 4);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	ASSERT_EQ(waitpid(listener, &st, 0), listener);
	ASSERT_TRUE(WIFEXITED(st));
	/* 83: it saw the root job's messages; 84: it missed its own user's. */
	EXPECT_EQ(WEXITSTATUS(st), 0);
}
