// SPDX-License-Identifier: GPL-2.0
/*
 * Priorities and affinity: NtSetInformationProcess (ProcessPriorityClass,
 * ProcessBasePriority, ProcessAffinityMask), NtSetInformationThread
 * (ThreadPriority, ThreadBasePriority, ThreadAffinityMask,
 * ThreadQuerySetWin32StartAddress), NtYieldExecution, and the queries that
 * report them. Every change is checked on what Linux applies: the nice
 * value, the scheduling policy, the CPU mask.
 *
 * The README's table: NT priority 1..15 is nice 19, 17, 15, 12, 9, 6, 3, 0,
 * -3, -6, -9, -12, -15, -17, -20; 16..31 is SCHED_RR 1..16 (CAP_SYS_NICE).
 * Unprivileged, Linux lets a nice value only rise (RLIMIT_NICE is 0): the
 * queries then report the priority actually applied.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "nt_util.h"
#include "uapi/ntexec.h"

static const int nice_of[16] = { 0, 19, 17, 15, 12, 9, 6, 3, 0, -3, -6, -9, -12, -15, -17,
				 -20 };

static int my_nice(void)
{
	errno = 0;
	return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
}

static int nice_of_tid(pid_t tid)
{
	errno = 0;
	return getpriority(PRIO_PROCESS, (id_t)tid);
}

static NTSTATUS set_class(HANDLE process, UCHAR cls)
{
	PROCESS_PRIORITY_CLASS pc = { .Foreground = FALSE, .PriorityClass = cls };

	return NtSetInformationProcess(process, ProcessPriorityClass, &pc, sizeof(pc));
}

static UCHAR query_class(HANDLE process)
{
	PROCESS_PRIORITY_CLASS pc = { .Foreground = 7, .PriorityClass = 0xff };
	ULONG len = 0;

	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessPriorityClass, &pc, sizeof(pc),
						&len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(pc));
	EXPECT_EQ(pc.Foreground, 0);
	return pc.PriorityClass;
}

static THREAD_BASIC_INFORMATION thread_basic(HANDLE thread)
{
	THREAD_BASIC_INFORMATION tbi;
	ULONG len;

	memset(&tbi, 0x5a, sizeof(tbi));
	ASSERT_STATUS(NtQueryInformationThread(thread, ThreadBasicInformation, &tbi, sizeof(tbi),
					       &len), STATUS_SUCCESS);
	return tbi;
}

static KPRIORITY process_base(HANDLE process)
{
	PROCESS_BASIC_INFORMATION pbi;
	ULONG len;

	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessBasicInformation, &pbi,
						sizeof(pbi), &len), STATUS_SUCCESS);
	return pbi.BasePriority;
}

/* The nice value Linux gives a priority for this caller. */
static int expected_nice(int priority, int before)
{
	int want = nice_of[priority];

	return ntt_unprivileged() && want < before ? before : want;
}

/* Classes move every thread's nice value; the queries follow. */
TEST(priority_classes)
{
	static const struct { UCHAR cls; int base; } classes[] = {
		{ PROCESS_PRIORITY_CLASS_BELOW_NORMAL, 6 },
		{ PROCESS_PRIORITY_CLASS_IDLE, 4 },
		{ PROCESS_PRIORITY_CLASS_ABOVE_NORMAL, 10 },
		{ PROCESS_PRIORITY_CLASS_HIGH, 13 },
		{ PROCESS_PRIORITY_CLASS_NORMAL, 8 },
	};

	nt_setup();
	EXPECT_EQ(query_class(NtCurrentProcess()), PROCESS_PRIORITY_CLASS_NORMAL);
	EXPECT_EQ(process_base(NtCurrentProcess()), 8);
	EXPECT_EQ(thread_basic(NtCurrentThread()).Priority, 8);
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		int before = my_nice(), now;

		ASSERT_STATUS(set_class(NtCurrentProcess(), classes[i].cls), STATUS_SUCCESS);
		EXPECT_EQ(query_class(NtCurrentProcess()), classes[i].cls);
		EXPECT_EQ(process_base(NtCurrentProcess()), classes[i].base);
		now = my_nice();
		EXPECT_EQ(now, expected_nice(classes[i].base, before));
		/* What Linux applies is what the thread reports. */
		if (now == nice_of[classes[i].base])
			EXPECT_EQ(thread_basic(NtCurrentThread()).Priority, classes[i].base);
	}
}

TEST(priority_class_arguments)
{
	PROCESS_PRIORITY_CLASS pc = { 0, PROCESS_PRIORITY_CLASS_NORMAL };
	KPRIORITY base;
	HANDLE weak;

	nt_setup();
	EXPECT_STATUS(set_class(NtCurrentProcess(), 0), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(set_class(NtCurrentProcess(), 7), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessPriorityClass, &pc, 1),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessPriorityClass, &pc, 3),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessPriorityClass,
					      (PVOID)8, sizeof(pc)), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), (PROCESSINFOCLASS)77, &pc,
					      sizeof(pc)), STATUS_INVALID_INFO_CLASS);
	base = 0;
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessBasePriority, &base,
					      sizeof(base)), STATUS_INVALID_PARAMETER);
	base = 32;
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessBasePriority, &base,
					      sizeof(base)), STATUS_INVALID_PARAMETER);
	base = 9;
	ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessBasePriority, &base,
					      sizeof(base)), STATUS_SUCCESS);
	EXPECT_EQ(process_base(NtCurrentProcess()), 9);
	/* PROCESS_SET_INFORMATION is needed. */
	weak = xopen_process(PROCESS_QUERY_INFORMATION, getpid());
	EXPECT_STATUS(set_class(weak, PROCESS_PRIORITY_CLASS_IDLE), STATUS_ACCESS_DENIED);
	xclose(weak);
	EXPECT_STATUS(NtYieldExecution(), STATUS_SUCCESS);
}

/* The real-time class: SCHED_RR with CAP_SYS_NICE, else refused. */
TEST(realtime_class)
{
	KPRIORITY prio = 20;

	nt_setup();
	if (ntt_unprivileged()) {
		EXPECT_STATUS(set_class(NtCurrentProcess(), PROCESS_PRIORITY_CLASS_REALTIME),
			      STATUS_PRIVILEGE_NOT_HELD);
		EXPECT_EQ(query_class(NtCurrentProcess()), PROCESS_PRIORITY_CLASS_NORMAL);
		EXPECT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadPriority, &prio,
						     sizeof(prio)), STATUS_PRIVILEGE_NOT_HELD);
		EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
		return;
	}
	ASSERT_STATUS(set_class(NtCurrentProcess(), PROCESS_PRIORITY_CLASS_REALTIME),
		      STATUS_SUCCESS);
	EXPECT_EQ(sched_getscheduler(0), SCHED_RR);
	EXPECT_EQ(thread_basic(NtCurrentThread()).Priority, 24);
	EXPECT_EQ(process_base(NtCurrentProcess()), 24);
	ASSERT_STATUS(set_class(NtCurrentProcess(), PROCESS_PRIORITY_CLASS_NORMAL),
		      STATUS_SUCCESS);
	EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
	EXPECT_EQ(my_nice(), 0);
	ASSERT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadPriority, &prio,
					     sizeof(prio)), STATUS_SUCCESS);
	EXPECT_EQ(sched_getscheduler(0), SCHED_RR);
	EXPECT_EQ(thread_basic(NtCurrentThread()).Priority, 20);
	prio = 8;
	ASSERT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadPriority, &prio,
					     sizeof(prio)), STATUS_SUCCESS);
	EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

/* A thread's base priority: the process's plus -2..2, or saturated. */
TEST(thread_base_priority)
{
	static const struct { LONG inc; int priority; } cases[] = {
		{ -2, 6 }, { -1, 7 }, { 1, 9 }, { 2, 10 },
		{ THREAD_BASE_PRIORITY_IDLE, 1 }, { THREAD_BASE_PRIORITY_LOWRT, 15 }, { 0, 8 },
	};
	LONG bad[] = { 3, -3, 14, -16, 100 };

	nt_setup();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int before = my_nice();
		LONG inc = cases[i].inc;

		ASSERT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadBasePriority, &inc,
						     sizeof(inc)), STATUS_SUCCESS);
		EXPECT_EQ(my_nice(), expected_nice(cases[i].priority, before));
		EXPECT_EQ(thread_basic(NtCurrentThread()).BasePriority, inc);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadBasePriority, &bad[i],
						     sizeof(bad[i])), STATUS_INVALID_PARAMETER);
	{
		KPRIORITY p = 0;

		EXPECT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadPriority, &p,
						     sizeof(p)), STATUS_INVALID_PARAMETER);
		p = 32;
		EXPECT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadPriority, &p,
						     sizeof(p)), STATUS_INVALID_PARAMETER);
		p = 14;
		EXPECT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadPriority, &p, 2),
			      STATUS_INFO_LENGTH_MISMATCH);
	}
}

static void *spin_wait(void *arg)
{
	volatile int *stop = arg;

	while (!*stop)
		usleep(1000);
	return NULL;
}

/* Affinity masks reach the CPU masks of the threads. */
TEST(affinity_masks)
{
	pthread_t th;
	volatile int stop = 0;
	cpu_set_t set;
	KAFFINITY mask;
	pid_t me = (pid_t)syscall(SYS_gettid);

	nt_setup();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	ASSERT_EQ(pthread_create(&th, NULL, spin_wait, (void *)&stop), 0);
	mask = 1;
	ASSERT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadAffinityMask, &mask,
					     sizeof(mask)), STATUS_SUCCESS);
	ASSERT_EQ(sched_getaffinity(me, sizeof(set), &set), 0);
	EXPECT_EQ(CPU_COUNT(&set), 1);
	EXPECT_TRUE(CPU_ISSET(0, &set));
	EXPECT_EQ(thread_basic(NtCurrentThread()).AffinityMask, 1);
	mask = 0;
	EXPECT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadAffinityMask, &mask,
					     sizeof(mask)), STATUS_INVALID_PARAMETER);
	mask = 1ull << 63;
	EXPECT_STATUS(NtSetInformationThread(NtCurrentThread(), ThreadAffinityMask, &mask,
					     sizeof(mask)), STATUS_INVALID_PARAMETER);
	/* The process's mask: every thread, the other one included. */
	mask = 2;
	ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessAffinityMask, &mask,
					      sizeof(mask)), STATUS_SUCCESS);
	ASSERT_EQ(pthread_getaffinity_np(th, sizeof(set), &set), 0);
	EXPECT_EQ(CPU_COUNT(&set), 1);
	EXPECT_TRUE(CPU_ISSET(1, &set));
	ASSERT_EQ(sched_getaffinity(me, sizeof(set), &set), 0);
	EXPECT_TRUE(CPU_ISSET(1, &set) && CPU_COUNT(&set) == 1);
	mask = 3;
	EXPECT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessAffinityMask, &mask,
					      sizeof(mask)), STATUS_SUCCESS);
	stop = 1;
	pthread_join(th, NULL);
}

/* Another process, through a handle: its threads move. */
TEST(priority_of_another_process)
{
	int go[2], st, before;
	HANDLE p, t;
	pid_t pid;
	char c;

	nt_setup();
	ASSERT_EQ(pipe(go), 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	close(go[0]);
	before = nice_of_tid(pid);
	p = xopen_process(PROCESS_SET_INFORMATION | PROCESS_QUERY_INFORMATION, pid);
	ASSERT_STATUS(set_class(p, PROCESS_PRIORITY_CLASS_IDLE), STATUS_SUCCESS);
	EXPECT_EQ(nice_of_tid(pid), expected_nice(4, before));
	EXPECT_EQ(query_class(p), PROCESS_PRIORITY_CLASS_IDLE);
	t = xopen_thread(THREAD_SET_INFORMATION | THREAD_QUERY_INFORMATION, pid, pid);
	{
		ULONG64 addr = 0x12345678, got = 0;
		ULONG len = 0;

		ASSERT_STATUS(NtSetInformationThread(t, ThreadQuerySetWin32StartAddress, &addr,
						     sizeof(addr)), STATUS_SUCCESS);
		ASSERT_STATUS(NtQueryInformationThread(t, ThreadQuerySetWin32StartAddress, &got,
						       sizeof(got), &len), STATUS_SUCCESS);
		EXPECT_EQ(got, addr);
		EXPECT_EQ(len, sizeof(got));
	}
	xclose(t);
	xclose(p);
	ASSERT_EQ(write(go[1], "x", 1), 1);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(go[1]);
}

/* The set ioctls' own fields: padding, the out-only length, oversized buffers. */
TEST(raw_set_ioctl_checks)
{
	PROCESS_PRIORITY_CLASS pc = { 0, PROCESS_PRIORITY_CLASS_NORMAL };
	struct ntexec_query_info q = {
		.handle = (uint64_t)(intptr_t)NtCurrentProcess(),
		.buffer = (uint64_t)(uintptr_t)&pc,
		.info_class = ProcessPriorityClass,
		.length = sizeof(pc),
	};
	int fd;

	nt_setup();
	fd = NtxDeviceFd();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ioctl(fd, NTEXEC_IOC_SET_PROCESS, &q), (int)STATUS_SUCCESS);
	q.pad = 1;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_SET_PROCESS, &q), -1);
	EXPECT_EQ(errno, EINVAL);
	q.pad = 0;
	q.return_length = 2;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_SET_THREAD, &q), -1);
	EXPECT_EQ(errno, EINVAL);
	q.return_length = 0;
	/* Longer than any class takes: the class's length check, the buffer unread. */
	q.length = 0x10000;
	q.buffer = 8;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_SET_PROCESS, &q), (int)STATUS_INFO_LENGTH_MISMATCH);
	q.info_class = 77;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_SET_PROCESS, &q), (int)STATUS_INVALID_INFO_CLASS);
	q.handle = (uint64_t)(intptr_t)NtCurrentThread();
	q.info_class = ThreadAffinityMask;
	EXPECT_EQ(ioctl(fd, NTEXEC_IOC_SET_THREAD, &q), (int)STATUS_INFO_LENGTH_MISMATCH);
}
