// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs with real processes: assignment and its rights, NtIsProcessInJob,
 * inheritance by fork() children from their first instruction, the active
 * process limit (a child past it never runs, the port is told), the
 * process id list, accounting, NtTerminateJobObject with a 32-bit status
 * and the job signaled, KILL_ON_JOB_CLOSE, the port's messages, names, a
 * per-process time limit, a fork storm while the job is terminated, bad
 * input, the scheduling class (each member thread's slice), and nested
 * jobs' limits (a child job is never less strict than its parent).
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nt_util.h"
#include "uapi/ntexec.h"

static HANDLE xjob(void)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;

	ASSERT_STATUS(NtCreateJobObject(&h, JOB_OBJECT_ALL_ACCESS, NULL), STATUS_SUCCESS);
	ASSERT_NE(hv(h), NTT_POISON64);
	return h;
}

static HANDLE xport(void)
{
	HANDLE h;

	ASSERT_STATUS(NtCreateIoCompletion(&h, IO_COMPLETION_ALL_ACCESS, NULL, 0),
		      STATUS_SUCCESS);
	return h;
}

static void associate(HANDLE job, HANDLE port, uintptr_t key)
{
	JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = { (PVOID)key, port };

	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectAssociateCompletionPortInformation,
						&a, sizeof(a)), STATUS_SUCCESS);
}

/* The next message within @ms: its id, its process id in *pid; 0 for none. */
static ULONG_PTR next_msg(HANDLE port, uintptr_t key, uintptr_t *pid, int64_t ms)
{
	LARGE_INTEGER t = rel_ms(ms);
	IO_STATUS_BLOCK iosb;
	PVOID k, ctx;

	if (NtRemoveIoCompletion(port, &k, &ctx, &iosb, &t) != STATUS_SUCCESS)
		return 0;
	EXPECT_EQ((uintptr_t)k, key);
	if (pid)
		*pid = (uintptr_t)ctx;
	return iosb.Information;
}

static void set_limits(HANDLE job, ULONG flags, ULONG active)
{
	JOBOBJECT_BASIC_LIMIT_INFORMATION l = { .LimitFlags = flags, .ActiveProcessLimit = active };

	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						sizeof(l)), STATUS_SUCCESS);
}

/* A child that waits until killed. */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		/* A failed test must not leave it behind (it holds the device). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static JOBOBJECT_BASIC_ACCOUNTING_INFORMATION accounting(HANDLE job)
{
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION a;
	ULONG len = 0;

	memset(&a, 0xcc, sizeof(a));
	ASSERT_STATUS(NtQueryInformationJobObject(job, JobObjectBasicAccountingInformation, &a,
						  sizeof(a), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(a));
	return a;
}

static NTSTATUS exit_status_of(HANDLE process)
{
	PROCESS_BASIC_INFORMATION pbi;

	EXPECT_STATUS(wait_ms(process, 10000), STATUS_WAIT_0);
	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessBasicInformation, &pbi,
						sizeof(pbi), NULL), STATUS_SUCCESS);
	return pbi.ExitStatus;
}

TEST(assign_and_membership)
{
	HANDLE job = xjob(), other = xjob(), p;
	pid_t pid;

	nt_setup();
	pid = spawn_sleeper();
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_NOT_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(NtCurrentProcess(), NULL), STATUS_PROCESS_NOT_IN_JOB);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(p, job), STATUS_PROCESS_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(p, other), STATUS_PROCESS_NOT_IN_JOB);
	/* Again: nothing changes. An empty job: it nests (Windows 8). */
	EXPECT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	EXPECT_STATUS(NtAssignProcessToJobObject(other, p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, other), STATUS_PROCESS_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(p, job), STATUS_PROCESS_IN_JOB);
	EXPECT_EQ(accounting(job).ActiveProcesses, 1u);
	EXPECT_EQ(accounting(other).ActiveProcesses, 1u);
	EXPECT_EQ(accounting(job).TotalProcesses, 1u);
	kill(pid, SIGKILL);
	EXPECT_STATUS(wait_ms(p, 10000), STATUS_WAIT_0);
	/* Membership stays visible after the exit. */
	EXPECT_STATUS(NtIsProcessInJob(p, job), STATUS_PROCESS_IN_JOB);
	EXPECT_EQ(accounting(job).ActiveProcesses, 0u);
	EXPECT_EQ(accounting(job).TotalProcesses, 1u);
	/* An exited process cannot be assigned. */
	EXPECT_STATUS(NtAssignProcessToJobObject(other, p), STATUS_PROCESS_IS_TERMINATING);
	waitpid(pid, NULL, 0);
	xclose(p);
	xclose(other);
	xclose(job);
}

TEST(assignment_needs_rights)
{
	HANDLE job = xjob(), q, p;
	pid_t pid;

	nt_setup();
	pid = spawn_sleeper();
	p = xopen_process(PROCESS_SET_QUOTA | PROCESS_QUERY_LIMITED_INFORMATION, pid);
	EXPECT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_ACCESS_DENIED);
	xclose(p);
	p = xopen_process(PROCESS_SET_QUOTA | PROCESS_TERMINATE, pid);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), job, NtCurrentProcess(), &q,
					JOB_OBJECT_QUERY, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(NtAssignProcessToJobObject(q, p), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtTerminateJobObject(q, 1), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtAssignProcessToJobObject(p, p), STATUS_OBJECT_TYPE_MISMATCH);
	EXPECT_STATUS(NtAssignProcessToJobObject(job, job), STATUS_OBJECT_TYPE_MISMATCH);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	xclose(q);
	xclose(p);
	xclose(job);
}

TEST(fork_children_inherit_the_job)
{
	HANDLE job = xjob(), c;
	int pfd[2];
	pid_t pid, kid;

	nt_setup();
	/* The test process itself joins; each test runs in its own process. */
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(NtCurrentProcess(), job), STATUS_PROCESS_IN_JOB);
	/* Looked at at once, before the child could run. */
	pid = spawn_sleeper();
	c = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, pid);
	EXPECT_STATUS(NtIsProcessInJob(c, job), STATUS_PROCESS_IN_JOB);
	xclose(c);
	/* A grandchild made by the child, which never calls libntexec itself. */
	ASSERT_EQ(pipe(pfd), 0);
	kid = fork();
	if (!kid) {
		pid_t g;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		g = fork();
		if (!g) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		if (write(pfd[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(read(pfd[0], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
	c = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, pid);
	EXPECT_STATUS(NtIsProcessInJob(c, job), STATUS_PROCESS_IN_JOB);
	xclose(c);
	EXPECT_EQ(accounting(job).ActiveProcesses, 4u);
	kill(pid, SIGKILL);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	xclose(job);
}

TEST(process_id_list)
{
	HANDLE job = xjob(), p;
	struct {
		JOBOBJECT_BASIC_PROCESS_ID_LIST l;
		ULONG_PTR more[7];
	} buf;
	pid_t pids[3];
	ULONG len;
	int i, j, found;

	nt_setup();
	for (i = 0; i < 3; i++) {
		pids[i] = spawn_sleeper();
		p = xopen_process(PROCESS_SET_QUOTA | PROCESS_TERMINATE, pids[i]);
		ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
		xclose(p);
	}
	memset(&buf, 0xcc, sizeof(buf));
	ASSERT_STATUS(NtQueryInformationJobObject(job, JobObjectBasicProcessIdList, &buf,
						  sizeof(buf), &len), STATUS_SUCCESS);
	EXPECT_EQ(buf.l.NumberOfAssignedProcesses, 3u);
	EXPECT_EQ(buf.l.NumberOfProcessIdsInList, 3u);
	EXPECT_EQ(len, 8u + 3 * 8);
	for (i = 0, found = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			found += ((ULONG_PTR *)((char *)&buf + 8))[j] == (ULONG_PTR)pids[i];
	EXPECT_EQ(found, 3);
	/* Room for one: what fits, and the count. */
	memset(&buf, 0xcc, sizeof(buf));
	EXPECT_STATUS(NtQueryInformationJobObject(job, JobObjectBasicProcessIdList, &buf,
						  16, &len), STATUS_BUFFER_OVERFLOW);
	EXPECT_EQ(buf.l.NumberOfAssignedProcesses, 3u);
	EXPECT_EQ(buf.l.NumberOfProcessIdsInList, 1u);
	EXPECT_EQ(buf.more[0], (ULONG_PTR)NTT_POISON64);
	EXPECT_STATUS(NtQueryInformationJobObject(job, JobObjectBasicProcessIdList, &buf,
						  15, &len), STATUS_INFO_LENGTH_MISMATCH);
	for (i = 0; i < 3; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	xclose(job);
}

TEST(terminate_ends_every_member_with_the_status)
{
	HANDLE job = xjob(), p[2];
	pid_t pid[2];
	int i, st;

	nt_setup();
	EXPECT_STATUS(wait_ms(job, 0), STATUS_TIMEOUT);
	for (i = 0; i < 2; i++) {
		pid[i] = spawn_sleeper();
		p[i] = xopen_process(PROCESS_ALL_ACCESS, pid[i]);
		ASSERT_STATUS(NtAssignProcessToJobObject(job, p[i]), STATUS_SUCCESS);
	}
	ASSERT_STATUS(NtTerminateJobObject(job, (NTSTATUS)0xC0DE1234), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(job, 5000), STATUS_WAIT_0);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ((uint32_t)exit_status_of(p[i]), 0xC0DE1234u);
		ASSERT_EQ(waitpid(pid[i], &st, 0), pid[i]);
		EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		xclose(p[i]);
	}
	EXPECT_EQ(accounting(job).ActiveProcesses, 0u);
	xclose(job);
}

TEST(kill_on_job_close)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
	HANDLE job = xjob(), p;
	pid_t pid;

	nt_setup();
	memset(&x, 0, sizeof(x));
	/* An extended flag: the basic class refuses it. */
	x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation,
						&x.BasicLimitInformation,
						sizeof(x.BasicLimitInformation)),
		      STATUS_INVALID_PARAMETER);
	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectExtendedLimitInformation, &x,
						sizeof(x)), STATUS_SUCCESS);
	pid = spawn_sleeper();
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(p, 100), STATUS_TIMEOUT);
	xclose(job);
	EXPECT_STATUS(wait_ms(p, 10000), STATUS_WAIT_0);
	waitpid(pid, NULL, 0);
	xclose(p);
}

TEST(port_messages)
{
	HANDLE job = xjob(), port = xport(), p;
	uintptr_t id = 0;
	pid_t pid;

	nt_setup();
	associate(job, port, 0x5150);
	pid = spawn_sleeper();
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	EXPECT_EQ(next_msg(port, 0x5150, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ(id, (uintptr_t)pid);
	kill(pid, SIGSEGV);	/* STATUS_ACCESS_VIOLATION: abnormal */
	EXPECT_EQ(next_msg(port, 0x5150, &id, 5000),
		  (ULONG_PTR)JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS);
	EXPECT_EQ(id, (uintptr_t)pid);
	EXPECT_EQ(next_msg(port, 0x5150, NULL, 5000), (ULONG_PTR)JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO);
	waitpid(pid, NULL, 0);
	xclose(p);

	/* A normal exit; and a second port is refused. */
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		usleep(200000);
		_exit(3);
	}
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	EXPECT_EQ(next_msg(port, 0x5150, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ(next_msg(port, 0x5150, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_EXIT_PROCESS);
	EXPECT_EQ(id, (uintptr_t)pid);
	EXPECT_EQ(exit_status_of(p), 3);
	waitpid(pid, NULL, 0);
	{
		JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = { NULL, port };

		EXPECT_STATUS(NtSetInformationJobObject(job,
							JobObjectAssociateCompletionPortInformation,
							&a, sizeof(a)), STATUS_INVALID_PARAMETER);
	}
	xclose(p);
	xclose(port);
	xclose(job);
}

TEST(active_process_limit)
{
	HANDLE job = xjob(), job2 = xjob(), port = xport(), p1, p2;
	uintptr_t id;
	pid_t s1, s2, kid;
	int st, pfd[2];

	nt_setup();
	/* An assignment past the limit: refused, and the process ends. */
	s1 = spawn_sleeper();
	s2 = spawn_sleeper();
	set_limits(job2, JOB_OBJECT_LIMIT_ACTIVE_PROCESS, 1);
	p1 = xopen_process(PROCESS_ALL_ACCESS, s1);
	p2 = xopen_process(PROCESS_ALL_ACCESS, s2);
	ASSERT_STATUS(NtAssignProcessToJobObject(job2, p1), STATUS_SUCCESS);
	EXPECT_STATUS(NtAssignProcessToJobObject(job2, p2), STATUS_QUOTA_EXCEEDED);
	EXPECT_EQ((uint32_t)exit_status_of(p2), 1816u);	/* ERROR_NOT_ENOUGH_QUOTA */
	EXPECT_STATUS(NtIsProcessInJob(p2, job2), STATUS_PROCESS_NOT_IN_JOB);
	EXPECT_EQ(accounting(job2).TotalTerminatedProcesses, 1u);
	kill(s1, SIGKILL);
	waitpid(s1, NULL, 0);
	waitpid(s2, NULL, 0);
	xclose(p1);
	xclose(p2);

	associate(job, port, 1);
	set_limits(job, JOB_OBJECT_LIMIT_ACTIVE_PROCESS, 1);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_EQ(next_msg(port, 1, NULL, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	/* The child would be the second: it never runs a line of its own. */
	ASSERT_EQ(pipe(pfd), 0);
	kid = fork();
	if (!kid) {
		if (write(pfd[1], "x", 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(waitpid(kid, &st, 0), kid);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	{
		char c;

		EXPECT_EQ(read(pfd[0], &c, 1), 0);	/* it wrote nothing */
	}
	EXPECT_EQ(next_msg(port, 1, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT);
	EXPECT_EQ(id, (uintptr_t)kid);
	EXPECT_EQ(accounting(job).TotalTerminatedProcesses, 1u);
	EXPECT_EQ(accounting(job).ActiveProcesses, 1u);
	xclose(port);
	xclose(job2);
	xclose(job);
}

TEST(named_job)
{
	UNICODE_STRING name = RTL_CONSTANT_STRING(u"\\BaseNamedObjects\\ntx_test_job");
	OBJECT_ATTRIBUTES oa;
	HANDLE a, b, p;
	pid_t pid;

	nt_setup();
	InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
	ASSERT_STATUS(NtCreateJobObject(&a, JOB_OBJECT_ALL_ACCESS, &oa), STATUS_SUCCESS);
	EXPECT_STATUS(NtCreateJobObject(&b, JOB_OBJECT_ALL_ACCESS, &oa),
		      STATUS_OBJECT_NAME_COLLISION);
	ASSERT_STATUS(NtOpenJobObject(&b, JOB_OBJECT_ASSIGN_PROCESS | JOB_OBJECT_QUERY, &oa),
		      STATUS_SUCCESS);
	pid = spawn_sleeper();
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(b, p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, a), STATUS_PROCESS_IN_JOB);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	xclose(p);
	xclose(b);
	xclose(a);
	EXPECT_STATUS(NtOpenJobObject(&b, JOB_OBJECT_QUERY, &oa), STATUS_OBJECT_NAME_NOT_FOUND);
}

TEST(limits_priority_class_and_bad_input)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;
	JOBOBJECT_BASIC_LIMIT_INFORMATION l;
	PROCESS_PRIORITY_CLASS pc;
	HANDLE job = xjob(), p;
	ULONG len;
	pid_t pid;

	nt_setup();
	memset(&l, 0, sizeof(l));
	l.LimitFlags = JOB_OBJECT_LIMIT_PRIORITY_CLASS;
	l.PriorityClass = PROCESS_PRIORITY_CLASS_BELOW_NORMAL;
	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						sizeof(l)), STATUS_SUCCESS);
	pid = spawn_sleeper();
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	ASSERT_STATUS(NtQueryInformationProcess(p, ProcessPriorityClass, &pc, sizeof(pc), NULL),
		      STATUS_SUCCESS);
	EXPECT_EQ(pc.PriorityClass, PROCESS_PRIORITY_CLASS_BELOW_NORMAL);
	memset(&ext, 0xcc, sizeof(ext));
	ASSERT_STATUS(NtQueryInformationJobObject(job, JobObjectExtendedLimitInformation, &ext,
						  sizeof(ext), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(ext));
	EXPECT_EQ(ext.BasicLimitInformation.LimitFlags, JOB_OBJECT_LIMIT_PRIORITY_CLASS);
	EXPECT_EQ(ext.BasicLimitInformation.PriorityClass, PROCESS_PRIORITY_CLASS_BELOW_NORMAL);
	EXPECT_EQ(ext.PeakJobMemoryUsed, 0u);

	/* Bad input. */
	EXPECT_STATUS(NtQueryInformationJobObject(job, (JOBOBJECTINFOCLASS)0, &l, sizeof(l),
						  &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryInformationJobObject(job, (JOBOBJECTINFOCLASS)100, &l, sizeof(l),
						  &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						  sizeof(l) - 1, &len), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, sizeof(l));
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						sizeof(l) + 8), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectBasicAccountingInformation, &l,
						sizeof(l)), STATUS_INVALID_INFO_CLASS);
	l.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;	/* extended only */
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						sizeof(l)), STATUS_INVALID_PARAMETER);
	l.LimitFlags = 0x80000000u;
	memset(&ext, 0, sizeof(ext));
	ext.BasicLimitInformation = l;
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectExtendedLimitInformation, &ext,
						sizeof(ext)), STATUS_INVALID_PARAMETER);
	l.LimitFlags = JOB_OBJECT_LIMIT_PRIORITY_CLASS;
	l.PriorityClass = 9;
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						sizeof(l)), STATUS_INVALID_PARAMETER);
	l.LimitFlags = JOB_OBJECT_LIMIT_AFFINITY;
	l.Affinity = 0;
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						sizeof(l)), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtQueryInformationJobObject(p, JobObjectBasicLimitInformation, &l,
						  sizeof(l), &len), STATUS_OBJECT_TYPE_MISMATCH);
	/* No handle: the caller's own job, and this test process is in none. */
	EXPECT_STATUS(NtQueryInformationJobObject(NULL, JobObjectBasicLimitInformation, &l,
						  sizeof(l), &len), STATUS_ACCESS_DENIED);
	{
		int fd = NtxDeviceFd();
		struct ntexec_create_object c = { .access = JOB_OBJECT_ALL_ACCESS, .count = 1 };
		struct ntexec_terminate t = { .handle = hv(job), .pad = 1 };

		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_CREATE_JOB, &c), -1);
		EXPECT_EQ(ioctl(fd, NTEXEC_IOC_TERMINATE_JOB, &t), -1);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	xclose(p);
	xclose(job);
}

TEST(process_time_limit_ends_a_spinner)
{
	HANDLE job = xjob(), port = xport(), p;
	JOBOBJECT_BASIC_LIMIT_INFORMATION l;
	uintptr_t id;
	pid_t pid;
	int64_t t0;

	nt_setup();
	associate(job, port, 9);
	memset(&l, 0, sizeof(l));
	l.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_TIME;
	l.PerProcessUserTimeLimit.QuadPart = 100 * NTT_MS;
	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						sizeof(l)), STATUS_SUCCESS);
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	t0 = mono_ns();
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	EXPECT_EQ((uint32_t)exit_status_of(p), 1816u);	/* ERROR_NOT_ENOUGH_QUOTA */
	printf("# ended %lld ms after assignment (limit 100 ms of user time)\n",
	       (long long)ms_since(t0));
	EXPECT_EQ(next_msg(port, 9, NULL, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ(next_msg(port, 9, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_END_OF_PROCESS_TIME);
	EXPECT_EQ(id, (uintptr_t)pid);
	EXPECT_EQ(accounting(job).TotalTerminatedProcesses, 1u);
	EXPECT_TRUE(accounting(job).TotalUserTime.QuadPart >= 100 * NTT_MS);
	waitpid(pid, NULL, 0);
	xclose(p);
	xclose(port);
	xclose(job);
}

TEST_TIMEOUT(fork_storm_while_terminated, 120)
{
	HANDLE job = xjob(), p;
	pid_t pid;
	int st;

	nt_setup();
	set_limits(job, JOB_OBJECT_LIMIT_ACTIVE_PROCESS, 4);
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Forks as fast as it can; children exit at once. */
		for (;;) {
			pid_t k = fork();

			if (!k)
				_exit(0);
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
	}
	p = xopen_process(PROCESS_ALL_ACCESS, pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	sleep_ms(500);
	EXPECT_TRUE(accounting(job).TotalProcesses > 1);
	ASSERT_STATUS(NtTerminateJobObject(job, 77), STATUS_SUCCESS);
	EXPECT_EQ(exit_status_of(p), 77);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	/* Every member ends: the zombies of the storm were reaped by init. */
	{
		int i;

		for (i = 0; i < 200 && accounting(job).ActiveProcesses; i++)
			sleep_ms(50);
	}
	EXPECT_EQ(accounting(job).ActiveProcesses, 0u);
	printf("# %u processes went through the job\n", accounting(job).TotalProcesses);
	xclose(p);
	xclose(job);
}

TEST(nt_create_process_child_is_in_the_job)
{
	PROCESS_BASIC_INFORMATION pbi;
	HANDLE job = xjob(), p = NULL;

	nt_setup();
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateProcessEx(&p, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0,
					NULL, NULL, NULL, 0), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, job), STATUS_PROCESS_IN_JOB);
	EXPECT_EQ(accounting(job).ActiveProcesses, 2u);
	ASSERT_STATUS(NtQueryInformationProcess(p, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_SUCCESS);
	ASSERT_STATUS(NtTerminateProcess(p, 0x1234), STATUS_SUCCESS);
	EXPECT_EQ(exit_status_of(p), 0x1234);
	waitpid((pid_t)(uintptr_t)pbi.UniqueProcessId, NULL, 0);
	EXPECT_EQ(accounting(job).ActiveProcesses, 1u);
	xclose(p);
	xclose(job);
}

static NTSTATUS commit_new(SIZE_T size, PVOID *base)
{
	*base = NULL;
	return NtAllocateVirtualMemory(NtCurrentProcess(), base, 0, &size,
				       MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

static void release(PVOID base)
{
	SIZE_T size = 0;

	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
}

static JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext_limits(HANDLE job)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;
	ULONG len = 0;

	memset(&ext, 0xcc, sizeof(ext));
	ASSERT_STATUS(NtQueryInformationJobObject(job, JobObjectExtendedLimitInformation, &ext,
						  sizeof(ext), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(ext));
	return ext;
}

static void set_memory(HANDLE job, ULONG flags, SIZE_T process, SIZE_T total)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;

	memset(&ext, 0, sizeof(ext));
	ext.BasicLimitInformation.LimitFlags = flags;
	ext.ProcessMemoryLimit = process;
	ext.JobMemoryLimit = total;
	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectExtendedLimitInformation, &ext,
						sizeof(ext)), STATUS_SUCCESS);
}

#define KIB(n) ((SIZE_T)(n) << 10)
#define MIB(n) ((SIZE_T)(n) << 20)
#define PG 4096

TEST(process_memory_limit_bounds_commit)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;
	HANDLE job = xjob(), port = xport();
	PVOID a, b, r;
	SIZE_T base, size;
	uintptr_t id;

	nt_setup();
	associate(job, port, 5);
	/* Values below a page are refused; others are kept in whole pages. */
	memset(&ext, 0, sizeof(ext));
	ext.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_MEMORY;
	ext.ProcessMemoryLimit = PG - 1;
	EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectExtendedLimitInformation, &ext,
						sizeof(ext)), STATUS_INVALID_PARAMETER);
	set_memory(job, JOB_OBJECT_LIMIT_PROCESS_MEMORY, MIB(1) + 100, 0);
	ext = ext_limits(job);
	EXPECT_EQ(ext.BasicLimitInformation.LimitFlags, JOB_OBJECT_LIMIT_PROCESS_MEMORY);
	EXPECT_EQ(ext.ProcessMemoryLimit, MIB(1));
	EXPECT_EQ(ext.JobMemoryLimit, 0u);
	EXPECT_EQ(ext.PeakProcessMemoryUsed, 0u);

	/* What this process committed before it joins comes with it. */
	ASSERT_STATUS(commit_new(KIB(256), &a), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_EQ(next_msg(port, 5, NULL, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	/*
	 * The limits bound NT commit, not Linux's own private memory (which
	 * ProcessVmCounters adds): the peak after the join is that commit.
	 */
	base = ext_limits(job).PeakProcessMemoryUsed;
	ASSERT_TRUE(base >= KIB(256) && base < MIB(1));
	EXPECT_EQ(ext_limits(job).PeakJobMemoryUsed, base);

	/* Up to the limit, exactly; a page more fails and the port is told. */
	ASSERT_STATUS(commit_new(MIB(1) - base, &b), STATUS_SUCCESS);
	EXPECT_EQ(ext_limits(job).PeakProcessMemoryUsed, MIB(1));
	r = NULL;
	size = MIB(1);
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &r, 0, &size, MEM_RESERVE,
					      PAGE_READWRITE), STATUS_SUCCESS);
	size = PG;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &r, 0, &size, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_COMMITMENT_LIMIT);
	EXPECT_STATUS(commit_new(PG, &a), STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(next_msg(port, 5, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT);
	EXPECT_EQ(id, (uintptr_t)getpid());
	/* NT reports a process once. */
	EXPECT_EQ(next_msg(port, 5, NULL, 100), 0u);
	ext = ext_limits(job);
	EXPECT_EQ(ext.PeakProcessMemoryUsed, MIB(1));
	EXPECT_EQ(ext.PeakJobMemoryUsed, MIB(1));

	/* A decommit gives room back. */
	size = PG;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &b, &size, MEM_DECOMMIT),
		      STATUS_SUCCESS);
	size = PG;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &r, 0, &size, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_SUCCESS);
	((volatile char *)r)[0] = 1;
	size = PG;
	b = (char *)r + PG;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &b, 0, &size, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_COMMITMENT_LIMIT);

	/* A lower limit catches the next commit; a cleared one lets all pass. */
	set_memory(job, JOB_OBJECT_LIMIT_PROCESS_MEMORY, KIB(512), 0);
	b = (char *)r + PG;
	size = PG;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &b, 0, &size, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_COMMITMENT_LIMIT);
	set_memory(job, 0, 0, 0);
	EXPECT_EQ(ext_limits(job).ProcessMemoryLimit, 0u);
	b = (char *)r + PG;
	size = MIB(1) - PG;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &b, 0, &size, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_SUCCESS);
	/* The peaks stay what they were (the job's own count went on). */
	EXPECT_EQ(ext_limits(job).PeakProcessMemoryUsed, MIB(2) - PG);
	release(r);
	xclose(port);
	xclose(job);
}

/* A child in the job commits @size: 0 on success, 1 at the limit, 2 otherwise. */
static pid_t child_commits(SIZE_T size, int *pfd)
{
	pid_t pid = fork();

	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		PVOID a;
		char c;
		NTSTATUS st;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		st = commit_new(size, &a);
		c = st == STATUS_SUCCESS ? 0 : st == STATUS_COMMITMENT_LIMIT ? 1 : 2;
		if (write(pfd[1], &c, 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	return pid;
}

TEST(job_memory_limit_counts_every_member)
{
	HANDLE job = xjob(), port = xport();
	pid_t k1, k2, k3;
	SIZE_T base;
	uintptr_t id;
	PVOID a;
	int pfd[2];
	char c;

	nt_setup();
	associate(job, port, 6);
	ASSERT_EQ(pipe(pfd), 0);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_EQ(next_msg(port, 6, NULL, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	base = ext_limits(job).PeakJobMemoryUsed;
	set_memory(job, JOB_OBJECT_LIMIT_JOB_MEMORY | JOB_OBJECT_LIMIT_PROCESS_MEMORY,
		   MIB(1), base + MIB(1) + KIB(512));
	EXPECT_EQ(ext_limits(job).JobMemoryLimit, base + MIB(1) + KIB(512));
	/* Two children (fork: members from their first instruction). */
	k1 = child_commits(MIB(1), pfd);
	ASSERT_EQ(read(pfd[0], &c, 1), 1);
	EXPECT_EQ(c, 0);
	EXPECT_EQ(next_msg(port, 6, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	/* Its own limit would let it, the job's does not. */
	k2 = child_commits(KIB(512) + PG, pfd);
	ASSERT_EQ(read(pfd[0], &c, 1), 1);
	EXPECT_EQ(c, 1);
	EXPECT_EQ(next_msg(port, 6, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ(next_msg(port, 6, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_JOB_MEMORY_LIMIT);
	EXPECT_EQ(id, (uintptr_t)k2);
	/* What is left fits exactly. */
	EXPECT_STATUS(commit_new(KIB(512), &a), STATUS_SUCCESS);
	EXPECT_STATUS(commit_new(PG, &a), STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(next_msg(port, 6, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_JOB_MEMORY_LIMIT);
	EXPECT_EQ(id, (uintptr_t)getpid());
	EXPECT_EQ(ext_limits(job).PeakJobMemoryUsed, base + MIB(1) + KIB(512));
	EXPECT_EQ(ext_limits(job).PeakProcessMemoryUsed, MIB(1));
	/* A member's exit gives its commit back to the job. */
	kill(k1, SIGKILL);
	waitpid(k1, NULL, 0);
	for (int i = 0; i < 500 && accounting(job).ActiveProcesses > 2; i++)
		sleep_ms(10);
	EXPECT_EQ(accounting(job).ActiveProcesses, 2u);
	k3 = child_commits(MIB(1), pfd);
	ASSERT_EQ(read(pfd[0], &c, 1), 1);
	EXPECT_EQ(c, 0);
	kill(k2, SIGKILL);
	kill(k3, SIGKILL);
	waitpid(k2, NULL, 0);
	waitpid(k3, NULL, 0);
	xclose(port);
	xclose(job);
}

TEST(a_process_over_the_limit_joins_and_is_caught_later)
{
	HANDLE job = xjob();
	PVOID a, b;

	nt_setup();
	set_memory(job, JOB_OBJECT_LIMIT_PROCESS_MEMORY | JOB_OBJECT_LIMIT_JOB_MEMORY,
		   KIB(256), KIB(256));
	ASSERT_STATUS(commit_new(KIB(512), &a), STATUS_SUCCESS);
	/* NT: the join is unconditional; the next commit is refused. */
	EXPECT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(NtCurrentProcess(), job), STATUS_PROCESS_IN_JOB);
	EXPECT_TRUE(ext_limits(job).PeakJobMemoryUsed >= KIB(512));
	EXPECT_STATUS(commit_new(PG, &b), STATUS_COMMITMENT_LIMIT);
	/* Freed below the limits, it commits again. */
	release(a);
	EXPECT_STATUS(commit_new(PG, &b), STATUS_SUCCESS);
	xclose(job);
}

/* NtCreateProcessEx of an empty process (a host), @flags; its handle. */
static NTSTATUS create_process(ULONG flags, HANDLE *p)
{
	*p = NULL;
	return NtCreateProcessEx(p, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), flags, NULL,
				 NULL, NULL, 0);
}

static void end_process(HANDLE p)
{
	PROCESS_BASIC_INFORMATION pbi;

	ASSERT_STATUS(NtQueryInformationProcess(p, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_SUCCESS);
	ASSERT_STATUS(NtTerminateProcess(p, 0), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(p, 10000), STATUS_WAIT_0);
	waitpid((pid_t)(uintptr_t)pbi.UniqueProcessId, NULL, 0);
	xclose(p);
}

static void set_ext_flags(HANDLE job, ULONG flags)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;

	memset(&ext, 0, sizeof(ext));
	ext.BasicLimitInformation.LimitFlags = flags;
	ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectExtendedLimitInformation, &ext,
						sizeof(ext)), STATUS_SUCCESS);
}

TEST(breakaway_for_nt_create_process)
{
	HANDLE job = xjob(), p;
	pid_t pid;
	int st;

	nt_setup();
	/* In no job the flag does nothing. */
	ASSERT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_NOT_IN_JOB);
	end_process(p);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	/* A job without BREAKAWAY_OK refuses it, and nothing is made. */
	EXPECT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_ACCESS_DENIED);
	EXPECT_EQ(accounting(job).TotalProcesses, 1u);
	/* With it: the child asking is outside, one not asking inside. */
	set_ext_flags(job, JOB_OBJECT_LIMIT_BREAKAWAY_OK);
	ASSERT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_NOT_IN_JOB);
	end_process(p);
	EXPECT_EQ(accounting(job).TotalProcesses, 1u);
	ASSERT_STATUS(create_process(0, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, job), STATUS_PROCESS_IN_JOB);
	end_process(p);
	/* Linux's fork asks for nothing: its child stays in. */
	pid = spawn_sleeper();
	p = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, pid);
	EXPECT_STATUS(NtIsProcessInJob(p, job), STATUS_PROCESS_IN_JOB);
	xclose(p);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	/* SILENT_BREAKAWAY_OK: every child is outside, forked or created. */
	set_ext_flags(job, JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK);
	ASSERT_STATUS(create_process(0, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_NOT_IN_JOB);
	end_process(p);
	ASSERT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_NOT_IN_JOB);
	end_process(p);
	pid = spawn_sleeper();
	p = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, pid);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_NOT_IN_JOB);
	xclose(p);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	xclose(job);
}

TEST(a_member_keeps_the_class_its_job_imposes)
{
	PROCESS_PRIORITY_CLASS pc = { .Foreground = FALSE };
	HANDLE job = xjob();

	nt_setup();
	set_limits(job, 0, 0);
	{
		JOBOBJECT_BASIC_LIMIT_INFORMATION l = {
			.LimitFlags = JOB_OBJECT_LIMIT_PRIORITY_CLASS,
			.PriorityClass = PROCESS_PRIORITY_CLASS_BELOW_NORMAL,
		};

		ASSERT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
							sizeof(l)), STATUS_SUCCESS);
	}
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	/* NT: the call succeeds, and the job's class stays. */
	pc.PriorityClass = PROCESS_PRIORITY_CLASS_NORMAL;
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessPriorityClass, &pc,
					      sizeof(pc)), STATUS_SUCCESS);
	memset(&pc, 0xcc, sizeof(pc));
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessPriorityClass, &pc,
						sizeof(pc), NULL), STATUS_SUCCESS);
	EXPECT_EQ(pc.PriorityClass, PROCESS_PRIORITY_CLASS_BELOW_NORMAL);
	/* Without the limit the member chooses again. */
	set_limits(job, 0, 0);
	pc.Foreground = FALSE;
	pc.PriorityClass = PROCESS_PRIORITY_CLASS_IDLE;
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessPriorityClass, &pc,
					      sizeof(pc)), STATUS_SUCCESS);
	memset(&pc, 0xcc, sizeof(pc));
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessPriorityClass, &pc,
						sizeof(pc), NULL), STATUS_SUCCESS);
	EXPECT_EQ(pc.PriorityClass, PROCESS_PRIORITY_CLASS_IDLE);
	xclose(job);
}

static ULONG id_list_count(HANDLE job)
{
	struct {
		JOBOBJECT_BASIC_PROCESS_ID_LIST h;
		ULONG_PTR more[7];
	} l;
	ULONG len;

	memset(&l, 0xcc, sizeof(l));
	ASSERT_STATUS(NtQueryInformationJobObject(job, JobObjectBasicProcessIdList, &l, sizeof(l),
						  &len), STATUS_SUCCESS);
	EXPECT_EQ(l.h.NumberOfAssignedProcesses, l.h.NumberOfProcessIdsInList);
	return l.h.NumberOfProcessIdsInList;
}

TEST(nested_jobs_assignment_accounting_termination)
{
	HANDLE a = xjob(), b = xjob(), d = xjob(), port = xport(), hp, hq, hr;
	pid_t p, q, r;

	nt_setup();
	associate(a, port, 1);
	p = spawn_sleeper();
	q = spawn_sleeper();
	r = spawn_sleeper();
	hp = xopen_process(PROCESS_ALL_ACCESS, p);
	hq = xopen_process(PROCESS_ALL_ACCESS, q);
	hr = xopen_process(PROCESS_ALL_ACCESS, r);
	ASSERT_STATUS(NtAssignProcessToJobObject(a, hp), STATUS_SUCCESS);
	/* An empty job nests under the process's job (Windows 8). */
	ASSERT_STATUS(NtAssignProcessToJobObject(b, hp), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(hp, a), STATUS_PROCESS_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(hp, b), STATUS_PROCESS_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(hp, d), STATUS_PROCESS_NOT_IN_JOB);
	/* A job of its chain: nothing changes. */
	EXPECT_STATUS(NtAssignProcessToJobObject(a, hp), STATUS_SUCCESS);
	/* Another member of a moves down into b, b being a's child. */
	ASSERT_STATUS(NtAssignProcessToJobObject(a, hq), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(b, hq), STATUS_SUCCESS);
	EXPECT_EQ(accounting(a).ActiveProcesses, 2u);
	EXPECT_EQ(accounting(a).TotalProcesses, 2u);
	EXPECT_EQ(accounting(b).ActiveProcesses, 2u);
	EXPECT_EQ(id_list_count(a), 2u);
	EXPECT_EQ(id_list_count(b), 2u);
	/* A job with processes of its own cannot take a member of another. */
	ASSERT_STATUS(NtAssignProcessToJobObject(d, hr), STATUS_SUCCESS);
	EXPECT_STATUS(NtAssignProcessToJobObject(d, hp), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtAssignProcessToJobObject(a, hr), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtAssignProcessToJobObject(b, hr), STATUS_ACCESS_DENIED);
	EXPECT_EQ(next_msg(port, 1, NULL, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ(next_msg(port, 1, NULL, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	/* Terminating a ends the processes of its child jobs; d's stays. */
	ASSERT_STATUS(NtTerminateJobObject(a, 0x55), STATUS_SUCCESS);
	EXPECT_EQ(exit_status_of(hp), 0x55);
	EXPECT_EQ(exit_status_of(hq), 0x55);
	EXPECT_STATUS(wait_ms(hr, 100), STATUS_TIMEOUT);
	waitpid(p, NULL, 0);
	waitpid(q, NULL, 0);
	for (int i = 0; i < 200 && accounting(a).ActiveProcesses; i++)
		sleep_ms(10);
	EXPECT_EQ(accounting(a).ActiveProcesses, 0u);
	EXPECT_EQ(accounting(b).ActiveProcesses, 0u);
	EXPECT_EQ(accounting(a).TotalProcesses, 2u);
	kill(r, SIGKILL);
	waitpid(r, NULL, 0);
	xclose(hp);
	xclose(hq);
	xclose(hr);
	xclose(port);
	xclose(a);
	xclose(b);
	xclose(d);
}

TEST(nested_jobs_every_ancestor_limits)
{
	HANDLE a = xjob(), b = xjob(), port = xport(), c;
	uintptr_t id;
	pid_t k1, k2;
	PVOID m;
	int st;

	nt_setup();
	associate(a, port, 3);
	ASSERT_STATUS(NtAssignProcessToJobObject(a, NtCurrentProcess()), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(b, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_EQ(next_msg(port, 3, NULL, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	/* A child is in both jobs from its first instruction. */
	k1 = spawn_sleeper();
	c = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, k1);
	EXPECT_STATUS(NtIsProcessInJob(c, b), STATUS_PROCESS_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(c, a), STATUS_PROCESS_IN_JOB);
	xclose(c);
	EXPECT_EQ(next_msg(port, 3, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_NEW_PROCESS);
	EXPECT_EQ(id, (uintptr_t)k1);
	EXPECT_EQ(accounting(a).ActiveProcesses, 2u);
	/* a's active process limit bounds b's processes. */
	set_limits(a, JOB_OBJECT_LIMIT_ACTIVE_PROCESS, 2);
	k2 = fork();
	if (!k2) {
		for (;;)
			pause();
	}
	ASSERT_EQ(waitpid(k2, &st, 0), k2);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	EXPECT_EQ(next_msg(port, 3, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT);
	EXPECT_EQ(id, (uintptr_t)k2);
	/* a's job memory limit bounds b's members' commit. */
	set_memory(a, JOB_OBJECT_LIMIT_JOB_MEMORY, 0, PG);
	EXPECT_STATUS(commit_new(2 * PG, &m), STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(next_msg(port, 3, &id, 5000), (ULONG_PTR)JOB_OBJECT_MSG_JOB_MEMORY_LIMIT);
	EXPECT_EQ(id, (uintptr_t)getpid());
	set_memory(a, 0, 0, 0);
	ASSERT_STATUS(commit_new(2 * PG, &m), STATUS_SUCCESS);
	/* b counts what its member committed since it joined b, a all of it. */
	EXPECT_TRUE(ext_limits(a).PeakJobMemoryUsed >= ext_limits(b).PeakJobMemoryUsed);
	EXPECT_TRUE(ext_limits(b).PeakJobMemoryUsed >= 2 * PG);
	kill(k1, SIGKILL);
	waitpid(k1, NULL, 0);
	xclose(port);
	xclose(a);
	xclose(b);
}

/* ------------------------------------------------------------------------ */
/* JOB_OBJECT_LIMIT_WORKINGSET                                              */
/* ------------------------------------------------------------------------ */

static NTSTATUS set_ws(HANDLE job, ULONG flags, SIZE_T min, SIZE_T max)
{
	JOBOBJECT_BASIC_LIMIT_INFORMATION l = {
		.LimitFlags = flags,
		.MinimumWorkingSetSize = min,
		.MaximumWorkingSetSize = max,
	};

	return NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l, sizeof(l));
}

static QUOTA_LIMITS_EX quota_of(HANDLE h)
{
	QUOTA_LIMITS_EX q;
	ULONG len = 0;

	memset(&q, 0xcc, sizeof(q));
	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessQuotaLimits, &q, sizeof(q), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(q));
	return q;
}

static NTSTATUS set_own_ws(SIZE_T min, SIZE_T max, ULONG flags)
{
	QUOTA_LIMITS_EX q;

	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = min;
	q.MaximumWorkingSetSize = max;
	q.Flags = flags;
	return NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q, sizeof(q));
}

/* Pages of [base, base + n pages) in the working set (MemoryWorkingSetExInformation). */
static unsigned int valid_pages(const char *base, unsigned int n)
{
	MEMORY_WORKING_SET_EX_INFORMATION *e = calloc(n, sizeof(*e));
	unsigned int i, valid = 0;
	SIZE_T len = 0;

	ASSERT_NE(e, NULL);
	for (i = 0; i < n; i++)
		e[i].VirtualAddress = (PVOID)(base + (size_t)i * PG);
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), NULL,
					   MemoryWorkingSetExInformation, e, n * sizeof(*e), &len),
		      STATUS_SUCCESS);
	for (i = 0; i < n; i++)
		valid += e[i].VirtualAttributes.Flags & 1;
	free(e);
	return valid;
}

/* Write page i of @p with i + @seed, whole; check them back. */
static void fill_pages(char *p, unsigned int n, int seed)
{
	for (unsigned int i = 0; i < n; i++)
		memset(p + (size_t)i * PG, (int)(i + seed), PG);
}

static bool pages_hold(const char *p, unsigned int n, int seed)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < PG; j += 512)
			if (p[(size_t)i * PG + j] != (char)(i + seed))
				return false;
	return true;
}

#define WS_FLAGS_OWN (QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE)
#define WS_FLAGS_JOB (QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_ENABLE)

TEST(working_set_limit_bad_input_and_query)
{
	JOBOBJECT_BASIC_LIMIT_INFORMATION l;
	HANDLE job = xjob();
	ULONG len;

	nt_setup();
	/* Windows: both sizes or neither (here a limit needs both). */
	EXPECT_STATUS(set_ws(job, JOB_OBJECT_LIMIT_WORKINGSET, 0, 64 * PG),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_ws(job, JOB_OBJECT_LIMIT_WORKINGSET, 32 * PG, 0),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_ws(job, JOB_OBJECT_LIMIT_WORKINGSET, 0, 0), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_ws(job, JOB_OBJECT_LIMIT_WORKINGSET, 64 * PG, 32 * PG),
		      STATUS_BAD_WORKING_SET_LIMIT);
	/* A hard maximum must leave the minimum room. */
	EXPECT_STATUS(set_ws(job, JOB_OBJECT_LIMIT_WORKINGSET, 32 * PG, 33 * PG),
		      STATUS_BAD_WORKING_SET_LIMIT);
	memset(&l, 0xcc, sizeof(l));
	ASSERT_STATUS(NtQueryInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						  sizeof(l), &len), STATUS_SUCCESS);
	EXPECT_EQ(l.LimitFlags, 0u);
	EXPECT_EQ(l.MaximumWorkingSetSize, 0u);
	/* The sizes are ignored without the flag, read back as set with it. */
	EXPECT_STATUS(set_ws(job, 0, 5, 0), STATUS_SUCCESS);
	ASSERT_STATUS(set_ws(job, JOB_OBJECT_LIMIT_WORKINGSET, 32 * PG + 1, 64 * PG + 7),
		      STATUS_SUCCESS);
	memset(&l, 0xcc, sizeof(l));
	ASSERT_STATUS(NtQueryInformationJobObject(job, JobObjectBasicLimitInformation, &l,
						  sizeof(l), &len), STATUS_SUCCESS);
	EXPECT_EQ(l.LimitFlags, JOB_OBJECT_LIMIT_WORKINGSET);
	EXPECT_EQ(l.MinimumWorkingSetSize, 32 * PG + 1);
	EXPECT_EQ(l.MaximumWorkingSetSize, 64 * PG + 7);
	EXPECT_EQ(ext_limits(job).BasicLimitInformation.MaximumWorkingSetSize, 64 * PG + 7);
	xclose(job);
}

/*
 * A member's working set stays under the job's maximum (a hard one): pages
 * touched beyond it replace the oldest, whose contents come back by soft
 * faults. The member cannot change the limits (NT: its request succeeds
 * and the job's limits stay), only empty its working set. A process that
 * joined before the limit was set gets it too; clearing the limit gives
 * the process its own limits back.
 */
TEST(working_set_limit_holds_a_member)
{
	const unsigned int n = 256, max = 64, min = 32;
	HANDLE job = xjob();
	QUOTA_LIMITS_EX q;
	char *p;

	nt_setup();
	ASSERT_STATUS(commit_new((SIZE_T)n * PG, (PVOID *)&p), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	q = quota_of(NtCurrentProcess());
	EXPECT_EQ(q.Flags, (ULONG)WS_FLAGS_OWN);
	fill_pages(p, n, 1);
	EXPECT_EQ(valid_pages(p, n), n);

	/* Set while it is a member: the working set is trimmed at once. */
	ASSERT_STATUS(set_ws(job, JOB_OBJECT_LIMIT_WORKINGSET, min * PG, max * PG),
		      STATUS_SUCCESS);
	q = quota_of(NtCurrentProcess());
	EXPECT_EQ(q.MinimumWorkingSetSize, (SIZE_T)min * PG);
	EXPECT_EQ(q.MaximumWorkingSetSize, (SIZE_T)max * PG);
	EXPECT_EQ(q.Flags, (ULONG)WS_FLAGS_JOB);
	EXPECT_LE(valid_pages(p, n), max);
	/* Touching every page again: it holds, and the contents are intact. */
	EXPECT_TRUE(pages_hold(p, n, 1));
	EXPECT_LE(valid_pages(p, n), max);
	fill_pages(p, n, 7);
	EXPECT_LE(valid_pages(p, n), max);
	EXPECT_TRUE(pages_hold(p, n, 7));

	/* Its own requests change nothing; emptying still works. */
	EXPECT_STATUS(set_own_ws(20 * PG, 1000 * PG, QUOTA_LIMITS_HARDWS_MAX_DISABLE),
		      STATUS_SUCCESS);
	q = quota_of(NtCurrentProcess());
	EXPECT_EQ(q.MaximumWorkingSetSize, (SIZE_T)max * PG);
	EXPECT_EQ(q.Flags, (ULONG)WS_FLAGS_JOB);
	fill_pages(p, n, 3);
	EXPECT_LE(valid_pages(p, n), max);
	EXPECT_STATUS(set_own_ws((SIZE_T)-1, (SIZE_T)-1, 0), STATUS_SUCCESS);
	EXPECT_LE(valid_pages(p, n), 2u);
	EXPECT_TRUE(pages_hold(p, n, 3));

	/* Cleared: its own limits (the defaults here) and no hard maximum. */
	ASSERT_STATUS(set_ws(job, 0, 0, 0), STATUS_SUCCESS);
	q = quota_of(NtCurrentProcess());
	EXPECT_EQ(q.Flags, (ULONG)WS_FLAGS_OWN);
	EXPECT_EQ(q.MaximumWorkingSetSize, 345u * PG);
	fill_pages(p, n, 5);
	EXPECT_EQ(valid_pages(p, n), n);
	/* And it may set them again. */
	EXPECT_STATUS(set_own_ws(20 * PG, 100 * PG, 0), STATUS_SUCCESS);
	EXPECT_EQ(quota_of(NtCurrentProcess()).MaximumWorkingSetSize, 100u * PG);
	release(p);
	xclose(job);
}

/*
 * Set before the process joins, the limit holds from the join; a child
 * (fork) is limited from its start; in nested jobs the smallest maximum of
 * the chain is in force.
 */
TEST(working_set_limit_new_members_children_and_nesting)
{
	const unsigned int n = 256;
	HANDLE a = xjob(), b = xjob(), c;
	pid_t k;
	char *p;

	nt_setup();
	ASSERT_STATUS(set_ws(a, JOB_OBJECT_LIMIT_WORKINGSET, 40 * PG, 128 * PG), STATUS_SUCCESS);
	ASSERT_STATUS(commit_new((SIZE_T)n * PG, (PVOID *)&p), STATUS_SUCCESS);
	fill_pages(p, n, 2);
	EXPECT_EQ(valid_pages(p, n), n);
	ASSERT_STATUS(NtAssignProcessToJobObject(a, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_LE(valid_pages(p, n), 128u);
	EXPECT_EQ(quota_of(NtCurrentProcess()).MaximumWorkingSetSize, 128u * PG);
	/* A child has the limit from its start, NT memory or not. */
	k = spawn_sleeper();
	c = xopen_process(PROCESS_QUERY_INFORMATION, k);
	EXPECT_STATUS(NtIsProcessInJob(c, a), STATUS_PROCESS_IN_JOB);
	EXPECT_EQ(quota_of(c).MaximumWorkingSetSize, 128u * PG);
	EXPECT_EQ(quota_of(c).Flags, (ULONG)WS_FLAGS_JOB);

	/* Nested: b's smaller maximum is the one in force. */
	ASSERT_STATUS(set_ws(b, JOB_OBJECT_LIMIT_WORKINGSET, 30 * PG, 64 * PG), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(b, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_EQ(quota_of(NtCurrentProcess()).MaximumWorkingSetSize, 64u * PG);
	EXPECT_EQ(quota_of(NtCurrentProcess()).MinimumWorkingSetSize, 30u * PG);
	fill_pages(p, n, 4);
	EXPECT_LE(valid_pages(p, n), 64u);
	/* ... unless the parent's is smaller; the child, in a only, has a's. */
	ASSERT_STATUS(set_ws(a, JOB_OBJECT_LIMIT_WORKINGSET, 20 * PG, 48 * PG), STATUS_SUCCESS);
	EXPECT_EQ(quota_of(NtCurrentProcess()).MaximumWorkingSetSize, 48u * PG);
	EXPECT_EQ(quota_of(c).MaximumWorkingSetSize, 48u * PG);
	fill_pages(p, n, 6);
	EXPECT_LE(valid_pages(p, n), 48u);
	/* a cleared: b's; b cleared too: the process's own. */
	ASSERT_STATUS(set_ws(a, 0, 0, 0), STATUS_SUCCESS);
	EXPECT_EQ(quota_of(NtCurrentProcess()).MaximumWorkingSetSize, 64u * PG);
	EXPECT_EQ(quota_of(c).Flags, (ULONG)WS_FLAGS_OWN);
	ASSERT_STATUS(set_ws(b, 0, 0, 0), STATUS_SUCCESS);
	EXPECT_EQ(quota_of(NtCurrentProcess()).Flags, (ULONG)WS_FLAGS_OWN);
	EXPECT_TRUE(pages_hold(p, n, 6));
	kill(k, SIGKILL);
	waitpid(k, NULL, 0);
	xclose(c);
	release(p);
	xclose(a);
	xclose(b);
}

/* ------------------------------------------------------------------------ */
/* Breakaway                                                                */
/* ------------------------------------------------------------------------ */

struct arm_result {
	NTSTATUS status;
	long armed;
};

/* A thread arms a breakaway for its next process and ends without one. */
static void *arm_and_end(void *arg)
{
	struct ntexec_claim_host arm = { .flags = PROCESS_CREATE_FLAGS_BREAKAWAY };
	struct arm_result *r = arg;

	r->status = (NTSTATUS)ioctl(NtxDeviceFd(), NTEXEC_IOC_CLAIM_HOST, &arm);
	r->armed = module_param("breakaway_armed");
	return NULL;
}

TEST(a_thread_ending_armed_leaves_nothing_armed)
{
	struct arm_result r = { .status = -1 };
	long base;
	pthread_t t;

	nt_setup();
	base = steady_param("breakaway_armed");
	ASSERT_TRUE(base >= 0);
	for (int i = 0; i < 3; i++) {
		r.armed = -1;
		ASSERT_EQ(pthread_create(&t, NULL, arm_and_end, &r), 0);
		ASSERT_EQ(pthread_join(t, NULL), 0);
		EXPECT_STATUS(r.status, STATUS_SUCCESS);
		EXPECT_EQ(r.armed, base + 1);
		/* Its end withdrew it. */
		EXPECT_EQ(settle_param("breakaway_armed", base), base);
	}
}

/*
 * Breakaway from nested jobs (Windows 8, the "Nested Jobs" page): the
 * immediate job must allow it (else STATUS_ACCESS_DENIED, whatever the
 * jobs above allow); the child then leaves that job and every job above
 * that allows it too, up to the first that does not, in which it stays.
 */
TEST(breakaway_through_a_nested_chain)
{
	HANDLE a = xjob(), b = xjob(), p;
	long armed;
	pid_t k;
	int st;

	nt_setup();
	armed = steady_param("breakaway_armed");
	ASSERT_STATUS(NtAssignProcessToJobObject(a, NtCurrentProcess()), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(b, NtCurrentProcess()), STATUS_SUCCESS);
	/* The parent allows it, the immediate job does not: refused. */
	set_ext_flags(a, JOB_OBJECT_LIMIT_BREAKAWAY_OK);
	EXPECT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_ACCESS_DENIED);
	EXPECT_EQ(accounting(b).TotalProcesses, 1u);
	EXPECT_EQ(accounting(a).TotalProcesses, 1u);
	/* Both allow it: the child is in no job. */
	set_ext_flags(b, JOB_OBJECT_LIMIT_BREAKAWAY_OK);
	ASSERT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_NOT_IN_JOB);
	end_process(p);
	/* Only the immediate job allows it: the child stays in the parent. */
	set_ext_flags(a, 0);
	ASSERT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, b), STATUS_PROCESS_NOT_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(p, a), STATUS_PROCESS_IN_JOB);
	EXPECT_EQ(accounting(a).ActiveProcesses, 2u);
	EXPECT_EQ(accounting(b).ActiveProcesses, 1u);
	end_process(p);
	/* Without the flag the child is in both. */
	ASSERT_STATUS(create_process(0, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, b), STATUS_PROCESS_IN_JOB);
	end_process(p);
	/*
	 * Silent breakaway from b, a needing the request: a fork's child
	 * (no request) stays in a; a created child asking leaves a too only
	 * when a allows it.
	 */
	set_ext_flags(b, JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK);
	k = spawn_sleeper();
	p = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, k);
	EXPECT_STATUS(NtIsProcessInJob(p, b), STATUS_PROCESS_NOT_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(p, a), STATUS_PROCESS_IN_JOB);
	xclose(p);
	kill(k, SIGKILL);
	waitpid(k, &st, 0);
	ASSERT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, a), STATUS_PROCESS_IN_JOB);
	end_process(p);
	set_ext_flags(a, JOB_OBJECT_LIMIT_BREAKAWAY_OK);
	ASSERT_STATUS(create_process(PROCESS_CREATE_FLAGS_BREAKAWAY, &p), STATUS_SUCCESS);
	EXPECT_STATUS(NtIsProcessInJob(p, NULL), STATUS_PROCESS_NOT_IN_JOB);
	end_process(p);
	k = spawn_sleeper();
	p = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, k);
	EXPECT_STATUS(NtIsProcessInJob(p, a), STATUS_PROCESS_IN_JOB);
	xclose(p);
	kill(k, SIGKILL);
	waitpid(k, &st, 0);
	/* The nested chain's arming left nothing armed. */
	EXPECT_EQ(settle_param("breakaway_armed", armed), armed);
	xclose(a);
	xclose(b);
}

/* ------------------------------------------------------------------------ */
/* Affinity                                                                 */
/* ------------------------------------------------------------------------ */

static ULONG_PTR affinity_of(HANDLE h)
{
	PROCESS_BASIC_INFORMATION pbi;

	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_SUCCESS);
	return pbi.AffinityMask;
}

/* The extended class: SUBSET_AFFINITY is an extended flag (0x4000). */
static NTSTATUS set_affinity(HANDLE job, ULONG flags, ULONG_PTR mask)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;

	memset(&ext, 0, sizeof(ext));
	ext.BasicLimitInformation.LimitFlags = flags;
	ext.BasicLimitInformation.Affinity = mask;
	return NtSetInformationJobObject(job, JobObjectExtendedLimitInformation, &ext,
					 sizeof(ext));
}

static NTSTATUS set_own_affinity(ULONG_PTR mask)
{
	return NtSetInformationProcess(NtCurrentProcess(), ProcessAffinityMask, &mask,
				       sizeof(mask));
}

/*
 * JOB_OBJECT_LIMIT_AFFINITY: a member's own ProcessAffinityMask gets the
 * job's affinity and succeeds (NT). With JOB_OBJECT_LIMIT_SUBSET_AFFINITY
 * (Windows 7) it may choose a subset of the job's; anything else is
 * STATUS_INVALID_PARAMETER.
 */
TEST(affinity_limit_and_subset_affinity)
{
	HANDLE job = xjob();

	nt_setup();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	/* A subset of nothing; an extended flag the basic class refuses. */
	EXPECT_STATUS(set_affinity(job, JOB_OBJECT_LIMIT_SUBSET_AFFINITY, 3),
		      STATUS_INVALID_PARAMETER);
	{
		JOBOBJECT_BASIC_LIMIT_INFORMATION l = {
			.LimitFlags = JOB_OBJECT_LIMIT_AFFINITY | JOB_OBJECT_LIMIT_SUBSET_AFFINITY,
			.Affinity = 3,
		};

		EXPECT_STATUS(NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l,
							sizeof(l)), STATUS_INVALID_PARAMETER);
	}
	ASSERT_STATUS(set_affinity(job, JOB_OBJECT_LIMIT_AFFINITY, 3), STATUS_SUCCESS);
	ASSERT_STATUS(set_own_affinity(1), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, NtCurrentProcess()), STATUS_SUCCESS);
	EXPECT_EQ(affinity_of(NtCurrentProcess()), 3u);
	/* Its own choice: the job's affinity, and success. */
	EXPECT_STATUS(set_own_affinity(1), STATUS_SUCCESS);
	EXPECT_EQ(affinity_of(NtCurrentProcess()), 3u);

	/* A subset of the job's may be chosen, nothing else. */
	ASSERT_STATUS(set_affinity(job, JOB_OBJECT_LIMIT_AFFINITY |
				   JOB_OBJECT_LIMIT_SUBSET_AFFINITY, 3), STATUS_SUCCESS);
	EXPECT_EQ(ext_limits(job).BasicLimitInformation.LimitFlags,
		  JOB_OBJECT_LIMIT_AFFINITY | JOB_OBJECT_LIMIT_SUBSET_AFFINITY);
	EXPECT_STATUS(set_own_affinity(2), STATUS_SUCCESS);
	EXPECT_EQ(affinity_of(NtCurrentProcess()), 2u);
	EXPECT_STATUS(set_own_affinity(1), STATUS_SUCCESS);
	EXPECT_EQ(affinity_of(NtCurrentProcess()), 1u);
	ASSERT_STATUS(set_affinity(job, JOB_OBJECT_LIMIT_AFFINITY |
				   JOB_OBJECT_LIMIT_SUBSET_AFFINITY, 2), STATUS_SUCCESS);
	EXPECT_EQ(affinity_of(NtCurrentProcess()), 2u);
	EXPECT_STATUS(set_own_affinity(1), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_own_affinity(3), STATUS_INVALID_PARAMETER);
	EXPECT_EQ(affinity_of(NtCurrentProcess()), 2u);
	EXPECT_STATUS(set_own_affinity(2), STATUS_SUCCESS);
	/* Without the limit it chooses freely again. */
	ASSERT_STATUS(set_affinity(job, 0, 0), STATUS_SUCCESS);
	EXPECT_STATUS(set_own_affinity(1), STATUS_SUCCESS);
	EXPECT_EQ(affinity_of(NtCurrentProcess()), 1u);
	EXPECT_STATUS(set_own_affinity(3), STATUS_SUCCESS);
	xclose(job);
}

/* ------------------------------------------------------------------------ */
/* JOB_OBJECT_LIMIT_SCHEDULING_CLASS and nested jobs' limits                */
/* ------------------------------------------------------------------------ */

/* struct sched_attr (uapi/linux/sched/types.h), which glibc does not give. */
struct ntt_sched_attr {
	uint32_t size;
	uint32_t policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
	uint32_t util_min;
	uint32_t util_max;
};

/* A fair thread's slice, ns: sched_getattr(2)'s sched_runtime (6.12: se.slice). */
static uint64_t slice_of(pid_t tid)
{
	struct ntt_sched_attr a;

	memset(&a, 0xcc, sizeof(a));
	ASSERT_EQ(syscall(SYS_sched_getattr, tid, &a, sizeof(a), 0), 0);
	return a.runtime;
}

/* Linux 6.12 and later: fair tasks have slices of their own. */
static bool kernel_has_slices(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	ASSERT_EQ(uname(&u), 0);
	ASSERT_EQ(sscanf(u.release, "%d.%d", &major, &minor), 2);
	return major > 6 || (major == 6 && minor >= 12);
}

/* Every thread of @pid has the slice @ns; returns how many threads. */
static int expect_slices(pid_t pid, uint64_t ns)
{
	struct dirent *e;
	char path[64];
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	ASSERT_NE(d, NULL);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		EXPECT_EQ(slice_of(atoi(e->d_name)), ns);
		n++;
	}
	closedir(d);
	EXPECT_TRUE(n >= 1);
	return n;
}

static NTSTATUS set_sched_class(HANDLE job, ULONG flags, ULONG class)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;

	memset(&ext, 0, sizeof(ext));
	ext.BasicLimitInformation.LimitFlags = flags;
	ext.BasicLimitInformation.SchedulingClass = class;
	return NtSetInformationJobObject(job, JobObjectExtendedLimitInformation, &ext,
					 sizeof(ext));
}

static void *park(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/*
 * A child with two threads that, on command, starts another thread ('t')
 * or forks a sleeper ('f', whose pid it writes back).
 */
struct threaded {
	pid_t pid;
	int cmd, ack;
};

static struct threaded spawn_threaded(void)
{
	struct threaded t;
	int c[2], a[2];
	char b;

	ASSERT_EQ(pipe(c), 0);
	ASSERT_EQ(pipe(a), 0);
	t.pid = fork();
	ASSERT_TRUE(t.pid >= 0);
	if (!t.pid) {
		pthread_t th;
		pid_t g;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(c[1]);
		close(a[0]);
		pthread_create(&th, NULL, park, NULL);
		b = 1;
		if (write(a[1], &b, 1) != 1)
			_exit(1);
		while (read(c[0], &b, 1) == 1) {
			if (b == 't') {
				pthread_create(&th, NULL, park, NULL);
				if (write(a[1], &b, 1) != 1)
					_exit(1);
			} else if (b == 'f') {
				g = fork();
				if (!g) {
					prctl(PR_SET_PDEATHSIG, SIGKILL);
					park(NULL);
				}
				if (write(a[1], &g, sizeof(g)) != sizeof(g))
					_exit(1);
			}
		}
		_exit(0);
	}
	close(c[0]);
	close(a[1]);
	t.cmd = c[1];
	t.ack = a[0];
	ASSERT_EQ(read(t.ack, &b, 1), 1);
	return t;
}

static void threaded_new_thread(struct threaded *t)
{
	char b = 't';

	ASSERT_EQ(write(t->cmd, &b, 1), 1);
	ASSERT_EQ(read(t->ack, &b, 1), 1);
}

static pid_t threaded_fork(struct threaded *t)
{
	pid_t g;
	char b = 'f';

	ASSERT_EQ(write(t->cmd, &b, 1), 1);
	ASSERT_EQ(read(t->ack, &g, sizeof(g)), (ssize_t)sizeof(g));
	ASSERT_TRUE(g > 0);
	return g;
}

static void threaded_end(struct threaded *t)
{
	close(t->cmd);
	close(t->ack);
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
}

/*
 * JOB_OBJECT_LIMIT_SCHEDULING_CLASS: NT sets the quantum of every member's
 * threads; here each thread's slice (6.12's per-task slice; class 5 is the
 * kernel's default, 0 is 0.1 ms, 9 100 ms). Now, for threads and processes
 * that come later, and the default back when the limit goes. Classes above
 * 5 need the privilege (CAP_SYS_NICE); 10 and more are no class. Kernels
 * before 6.12 refuse the flag (STATUS_NOT_SUPPORTED).
 */
TEST(scheduling_class_sets_every_members_slice)
{
	HANDLE job = xjob(), p, p2, pg;
	uint64_t def = slice_of(0);
	struct threaded t;
	pid_t g, k;

	nt_setup();
	if (!kernel_has_slices()) {
		EXPECT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 3),
			      STATUS_NOT_SUPPORTED);
		/* That flag only. */
		EXPECT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, 0),
			      STATUS_SUCCESS);
		xclose(job);
		return;
	}
	ASSERT_TRUE(def > 0);
	/* Bad values: no class past 9; past 5 needs the privilege. */
	EXPECT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 10),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 0xffffffffu),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 6),
		      ntt_unprivileged() ? STATUS_PRIVILEGE_NOT_HELD : STATUS_SUCCESS);
	ASSERT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 2), STATUS_SUCCESS);
	EXPECT_EQ(ext_limits(job).BasicLimitInformation.LimitFlags,
		  JOB_OBJECT_LIMIT_SCHEDULING_CLASS);
	EXPECT_EQ(ext_limits(job).BasicLimitInformation.SchedulingClass, 2u);

	/* A member's threads, and those it starts later. */
	t = spawn_threaded();
	EXPECT_EQ(expect_slices(t.pid, def), 2);
	p = xopen_process(PROCESS_ALL_ACCESS, t.pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	EXPECT_EQ(expect_slices(t.pid, 300000), 2);
	threaded_new_thread(&t);
	EXPECT_EQ(expect_slices(t.pid, 300000), 3);
	/* Its child, in the job from its first instruction. */
	g = threaded_fork(&t);
	pg = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, g);
	EXPECT_STATUS(NtIsProcessInJob(pg, job), STATUS_PROCESS_IN_JOB);
	expect_slices(g, 300000);
	/* A later member. */
	k = spawn_sleeper();
	expect_slices(k, def);
	p2 = xopen_process(PROCESS_ALL_ACCESS, k);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p2), STATUS_SUCCESS);
	expect_slices(k, 300000);

	/* A new class reaches every member. */
	ASSERT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 0), STATUS_SUCCESS);
	expect_slices(t.pid, 100000);
	expect_slices(g, 100000);
	expect_slices(k, 100000);
	if (!ntt_unprivileged()) {
		ASSERT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 9),
			      STATUS_SUCCESS);
		expect_slices(t.pid, 100000000);
		ASSERT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 6),
			      STATUS_SUCCESS);
		expect_slices(k, 3000000);
	}
	/* Class 5 is the kernel's default slice. */
	ASSERT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 5), STATUS_SUCCESS);
	expect_slices(t.pid, def);
	expect_slices(k, def);
	/* The limit gone: the default again; the class reads 5 (NT's default). */
	ASSERT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 1), STATUS_SUCCESS);
	expect_slices(g, 200000);
	ASSERT_STATUS(set_sched_class(job, 0, 0), STATUS_SUCCESS);
	EXPECT_EQ(ext_limits(job).BasicLimitInformation.SchedulingClass, 5u);
	expect_slices(t.pid, def);
	expect_slices(g, def);
	expect_slices(k, def);

	kill(g, SIGKILL);
	threaded_end(&t);
	kill(k, SIGKILL);
	waitpid(k, NULL, 0);
	xclose(pg);
	xclose(p);
	xclose(p2);
	xclose(job);
}

/* A child that breaks away from every job has the default slice, not the job's. */
TEST(a_child_breaking_away_gets_the_default_slice)
{
	HANDLE job = xjob(), outer = xjob(), p, pg;
	uint64_t def = slice_of(0);
	struct threaded t;
	pid_t g;

	nt_setup();
	if (!kernel_has_slices())
		SKIP("no per-task slices before Linux 6.12");
	ASSERT_STATUS(set_sched_class(job, JOB_OBJECT_LIMIT_SCHEDULING_CLASS |
				      JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK, 3), STATUS_SUCCESS);
	t = spawn_threaded();
	p = xopen_process(PROCESS_ALL_ACCESS, t.pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	expect_slices(t.pid, 400000);
	g = threaded_fork(&t);
	pg = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, g);
	EXPECT_STATUS(NtIsProcessInJob(pg, NULL), STATUS_PROCESS_NOT_IN_JOB);
	/* Its reset runs before its first instruction, in the child: wait for it. */
	for (int i = 0; i < 200 && slice_of(g) != def; i++)
		sleep_ms(10);
	expect_slices(g, def);
	kill(g, SIGKILL);
	xclose(pg);

	/*
	 * Nested: breaking away from the inner job only, it lands in the outer
	 * one, without a class: the default there too.
	 */
	threaded_end(&t);
	xclose(p);
	t = spawn_threaded();
	p = xopen_process(PROCESS_ALL_ACCESS, t.pid);
	ASSERT_STATUS(NtAssignProcessToJobObject(outer, p), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(job, p), STATUS_SUCCESS);
	expect_slices(t.pid, 400000);
	g = threaded_fork(&t);
	pg = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, g);
	EXPECT_STATUS(NtIsProcessInJob(pg, outer), STATUS_PROCESS_IN_JOB);
	EXPECT_STATUS(NtIsProcessInJob(pg, job), STATUS_PROCESS_NOT_IN_JOB);
	expect_slices(g, def);
	kill(g, SIGKILL);
	xclose(pg);
	threaded_end(&t);
	xclose(p);
	xclose(job);
	xclose(outer);
}

static UCHAR class_of(HANDLE h)
{
	PROCESS_PRIORITY_CLASS pc;

	memset(&pc, 0xcc, sizeof(pc));
	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessPriorityClass, &pc, sizeof(pc), NULL),
		      STATUS_SUCCESS);
	return pc.PriorityClass;
}

static NTSTATUS set_class(HANDLE job, ULONG class)
{
	JOBOBJECT_BASIC_LIMIT_INFORMATION l = {
		.LimitFlags = class ? JOB_OBJECT_LIMIT_PRIORITY_CLASS : 0,
		.PriorityClass = class,
	};

	return NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l, sizeof(l));
}

/*
 * Nested jobs (Windows 8 and later; the "Nested Jobs" page and
 * PspSetEffectiveJobLimits): a child job's limit is checked against its
 * parent's: it may be stricter, never less strict. Windows refuses
 * nothing and changes nothing (a query reads back what was set); the
 * stricter is in force: the lowest priority class and scheduling class of
 * the chain, and a child's affinity only when it is a subset of its
 * parent's (a superset, or any other mask, is ignored).
 */
TEST(nested_jobs_a_child_job_is_never_less_strict)
{
	HANDLE a = xjob(), b = xjob(), p;
	bool slices = kernel_has_slices();
	uint64_t def = slice_of(0);
	pid_t k;

	nt_setup();
	k = spawn_sleeper();
	p = xopen_process(PROCESS_ALL_ACCESS, k);
	ASSERT_STATUS(NtAssignProcessToJobObject(a, p), STATUS_SUCCESS);
	ASSERT_STATUS(NtAssignProcessToJobObject(b, p), STATUS_SUCCESS);

	/* Priority class: the lowest of the chain. */
	ASSERT_STATUS(set_class(a, PROCESS_PRIORITY_CLASS_BELOW_NORMAL), STATUS_SUCCESS);
	EXPECT_EQ(class_of(p), PROCESS_PRIORITY_CLASS_BELOW_NORMAL);
	ASSERT_STATUS(set_class(b, PROCESS_PRIORITY_CLASS_NORMAL), STATUS_SUCCESS);
	EXPECT_EQ(class_of(p), PROCESS_PRIORITY_CLASS_BELOW_NORMAL);
	/* Accepted and kept as set, though not in force. */
	EXPECT_EQ(ext_limits(b).BasicLimitInformation.PriorityClass,
		  (ULONG)PROCESS_PRIORITY_CLASS_NORMAL);
	ASSERT_STATUS(set_class(b, PROCESS_PRIORITY_CLASS_IDLE), STATUS_SUCCESS);
	EXPECT_EQ(class_of(p), PROCESS_PRIORITY_CLASS_IDLE);
	/* The parent's cleared: the child's own (a parent's set later wins too). */
	ASSERT_STATUS(set_class(b, PROCESS_PRIORITY_CLASS_NORMAL), STATUS_SUCCESS);
	EXPECT_EQ(class_of(p), PROCESS_PRIORITY_CLASS_BELOW_NORMAL);
	ASSERT_STATUS(set_class(a, 0), STATUS_SUCCESS);
	EXPECT_EQ(class_of(p), PROCESS_PRIORITY_CLASS_NORMAL);
	ASSERT_STATUS(set_class(a, PROCESS_PRIORITY_CLASS_IDLE), STATUS_SUCCESS);
	EXPECT_EQ(class_of(p), PROCESS_PRIORITY_CLASS_IDLE);
	ASSERT_STATUS(set_class(a, 0), STATUS_SUCCESS);
	ASSERT_STATUS(set_class(b, 0), STATUS_SUCCESS);

	/* Affinity: a subset of the parent's, or the parent's. */
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		ASSERT_STATUS(set_affinity(a, JOB_OBJECT_LIMIT_AFFINITY, 1), STATUS_SUCCESS);
		EXPECT_EQ(affinity_of(p), 1u);
		ASSERT_STATUS(set_affinity(b, JOB_OBJECT_LIMIT_AFFINITY, 3), STATUS_SUCCESS);
		EXPECT_EQ(affinity_of(p), 1u);	/* a superset: ignored */
		EXPECT_EQ(ext_limits(b).BasicLimitInformation.Affinity, 3u);
		ASSERT_STATUS(set_affinity(b, JOB_OBJECT_LIMIT_AFFINITY, 2), STATUS_SUCCESS);
		EXPECT_EQ(affinity_of(p), 1u);	/* not a subset: ignored */
		ASSERT_STATUS(set_affinity(a, JOB_OBJECT_LIMIT_AFFINITY, 3), STATUS_SUCCESS);
		EXPECT_EQ(affinity_of(p), 2u);	/* now a subset: in force */
		ASSERT_STATUS(set_affinity(a, 0, 0), STATUS_SUCCESS);
		ASSERT_STATUS(set_affinity(b, 0, 0), STATUS_SUCCESS);
	}

	/* Scheduling class: the lowest of the chain. */
	if (slices) {
		ASSERT_STATUS(set_sched_class(a, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 2),
			      STATUS_SUCCESS);
		expect_slices(k, 300000);
		ASSERT_STATUS(set_sched_class(b, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 4),
			      STATUS_SUCCESS);
		expect_slices(k, 300000);
		EXPECT_EQ(ext_limits(b).BasicLimitInformation.SchedulingClass, 4u);
		ASSERT_STATUS(set_sched_class(b, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 1),
			      STATUS_SUCCESS);
		expect_slices(k, 200000);
		ASSERT_STATUS(set_sched_class(b, JOB_OBJECT_LIMIT_SCHEDULING_CLASS, 4),
			      STATUS_SUCCESS);
		ASSERT_STATUS(set_sched_class(a, 0, 0), STATUS_SUCCESS);
		expect_slices(k, 500000);
		ASSERT_STATUS(set_sched_class(b, 0, 0), STATUS_SUCCESS);
		expect_slices(k, def);
	}
	kill(k, SIGKILL);
	waitpid(k, NULL, 0);
	xclose(p);
	xclose(a);
	xclose(b);
}
