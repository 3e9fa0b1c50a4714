// SPDX-License-Identifier: GPL-2.0
/*
 * Processes and threads as a Windows programmer sees them through
 * <ntexec/nt.h>: NtQueryInformationProcess (basic information, times, handle
 * count, image file name, VM counters), NtQueryInformationThread, exit
 * information after the reap, NtGetNextProcess/NtGetNextThread, access to
 * other users' processes, and a stress run of it all.
 */
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/resource.h>

#include "nt_util.h"

#define ONE_SECOND	(1000 * NTT_MS)

/* ------------------------------------------------------------------------ */
/* ProcessBasicInformation                                                  */
/* ------------------------------------------------------------------------ */

static uint64_t my_affinity(pid_t tid)
{
	cpu_set_t set;
	uint64_t mask = 0;
	int i;

	CPU_ZERO(&set);
	ASSERT_EQ(sched_getaffinity(tid, sizeof(set), &set), 0);
	for (i = 0; i < 64; i++)
		if (CPU_ISSET(i, &set))
			mask |= 1ull << i;
	return mask;
}

TEST(basic_information_of_self)
{
	PROCESS_BASIC_INFORMATION pbi;
	ULONG len = NTT_POISON32;

	nt_setup();
	memset(&pbi, NTT_POISON, sizeof(pbi));
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &pbi,
						sizeof(pbi), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(pbi));
	EXPECT_STATUS(pbi.ExitStatus, STATUS_PENDING);
	EXPECT_EQ((uintptr_t)pbi.UniqueProcessId, (uintptr_t)getpid());
	EXPECT_EQ((uintptr_t)pbi.InheritedFromUniqueProcessId, (uintptr_t)getppid());
	EXPECT_EQ((uint64_t)pbi.AffinityMask, my_affinity(getpid()));
	/* NORMAL_PRIORITY_CLASS at nice 0. */
	if (getpriority(PRIO_PROCESS, 0) == 0)
		EXPECT_EQ(pbi.BasePriority, 8);
	EXPECT_NE((uint64_t)(uintptr_t)pbi.PebBaseAddress, NTT_POISON64);

	/* ReturnLength is optional. */
	memset(&pbi, NTT_POISON, sizeof(pbi));
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, &pbi,
						sizeof(pbi), NULL), STATUS_SUCCESS);
	EXPECT_EQ((uintptr_t)pbi.UniqueProcessId, (uintptr_t)getpid());
}

TEST(basic_information_of_child)
{
	PROCESS_BASIC_INFORMATION pbi;
	struct kid k;
	HANDLE h;

	nt_setup();
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	pbi = basic_info(h);
	EXPECT_STATUS(pbi.ExitStatus, STATUS_PENDING);
	EXPECT_EQ((uintptr_t)pbi.UniqueProcessId, (uintptr_t)k.pid);
	EXPECT_EQ((uintptr_t)pbi.InheritedFromUniqueProcessId, (uintptr_t)getpid());
	xclose(h);
	kid_kill(&k);
}

TEST(query_process_length_class_and_handle_checks)
{
	PROCESS_BASIC_INFORMATION pbi[2];
	ULONG len;
	static const ULONG bad_lengths[] = { 0, 1, 4, 40, 47, 49, 56, 96 };
	unsigned int i;

	nt_setup();
	for (i = 0; i < sizeof(bad_lengths) / sizeof(bad_lengths[0]); i++) {
		memset(pbi, NTT_POISON, sizeof(pbi));
		len = NTT_POISON32;
		EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation,
							pbi, bad_lengths[i], &len),
			      STATUS_INFO_LENGTH_MISMATCH);
		/* The needed length is reported; nothing is written. */
		EXPECT_EQ(len, sizeof(pbi[0]));
		EXPECT_EQ((uint32_t)pbi[0].ExitStatus, NTT_POISON32);
	}
	/* The length is checked before the handle ... */
	EXPECT_STATUS(NtQueryInformationProcess(NULL, ProcessBasicInformation, pbi, 0, NULL),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtQueryInformationProcess((HANDLE)(uintptr_t)0x3fffffc,
						ProcessBasicInformation, pbi, sizeof(pbi), NULL),
		      STATUS_INFO_LENGTH_MISMATCH);
	/* ... and the class before both. */
	EXPECT_STATUS(NtQueryInformationProcess(NULL, (PROCESSINFOCLASS)200, pbi, 0, NULL),
		      STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), (PROCESSINFOCLASS)200, pbi,
						sizeof(pbi[0]), NULL),
		      STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), (PROCESSINFOCLASS)-1, pbi,
						sizeof(pbi[0]), NULL),
		      STATUS_INVALID_INFO_CLASS);
	/* A good length with a bad handle. */
	EXPECT_STATUS(NtQueryInformationProcess(NULL, ProcessBasicInformation, pbi,
						sizeof(pbi[0]), NULL), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtQueryInformationProcess((HANDLE)(uintptr_t)0x3fffffc,
						ProcessBasicInformation, pbi, sizeof(pbi[0]), NULL),
		      STATUS_INVALID_HANDLE);
	/* A bad buffer. */
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation,
						(void *)(uintptr_t)8, sizeof(pbi[0]), NULL),
		      STATUS_ACCESS_VIOLATION);
	/* Other fixed-size classes too. */
	len = NTT_POISON32;
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessTimes, pbi, 24, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessHandleCount, pbi, 2,
						&len), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtQueryInformationProcess(NULL, ProcessHandleCount, pbi, 2, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
}

/*
 * Windows, as its conformance tests see it: a misaligned buffer (address 1
 * or 2 past an aligned one) is STATUS_DATATYPE_MISALIGNMENT, checked after
 * the length and before the handle; ProcessTimes with a wrong length leaves
 * ReturnLength alone (only some classes report the size).
 */
TEST(query_misaligned_buffer_and_times_length)
{
	uint64_t buf[16];
	ULONG len;
	int off;

	nt_setup();
	for (off = 1; off <= 2; off++) {
		char *p = (char *)buf + off;

		EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(),
							ProcessBasicInformation, p,
							sizeof(PROCESS_BASIC_INFORMATION), NULL),
			      STATUS_DATATYPE_MISALIGNMENT);
		EXPECT_STATUS(NtQueryInformationProcess((HANDLE)(uintptr_t)0x3fffffc,
							ProcessBasicInformation, p,
							sizeof(PROCESS_BASIC_INFORMATION), NULL),
			      STATUS_DATATYPE_MISALIGNMENT);
		EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(),
							ProcessBasicInformation, p, 3, NULL),
			      STATUS_INFO_LENGTH_MISMATCH);
		EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessTimes, p,
							sizeof(KERNEL_USER_TIMES), NULL),
			      STATUS_DATATYPE_MISALIGNMENT);
		EXPECT_STATUS(NtQueryInformationThread(NtCurrentThread(), ThreadBasicInformation,
						       p, sizeof(THREAD_BASIC_INFORMATION), NULL),
			      STATUS_DATATYPE_MISALIGNMENT);
		EXPECT_STATUS(NtQueryInformationThread((HANDLE)(uintptr_t)0x3fffffc,
						       ThreadTimes, p, sizeof(KERNEL_USER_TIMES),
						       NULL), STATUS_DATATYPE_MISALIGNMENT);
	}
	len = NTT_POISON32;
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessTimes, buf,
						sizeof(KERNEL_USER_TIMES) + 8, &len),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, NTT_POISON32);
	len = NTT_POISON32;
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessBasicInformation, buf,
						8, &len), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, sizeof(PROCESS_BASIC_INFORMATION));
}

/* ------------------------------------------------------------------------ */
/* ProcessTimes                                                             */
/* ------------------------------------------------------------------------ */

TEST(process_times_of_fresh_child)
{
	KERNEL_USER_TIMES t;
	LONGLONG before, after, released, done;
	struct kid k;
	HANDLE h;

	nt_setup();
	before = nt_now();
	k = kid_spawn(KID_EXIT, 0);
	after = nt_now();
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	t = process_times(h);
	/* An NT system time: 100 ns units since 1601. */
	EXPECT_GE(t.CreateTime.QuadPart, before - 50 * NTT_MS);
	EXPECT_LE(t.CreateTime.QuadPart, after + 50 * NTT_MS);
	EXPECT_EQ(t.ExitTime.QuadPart, 0);
	EXPECT_GE(t.UserTime.QuadPart, 0);
	EXPECT_GE(t.KernelTime.QuadPart, 0);
	EXPECT_LT(t.UserTime.QuadPart + t.KernelTime.QuadPart, after - before + ONE_SECOND);

	released = nt_now();
	kid_go(&k);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	done = nt_now();
	t = process_times(h);
	EXPECT_GE(t.ExitTime.QuadPart, released - 50 * NTT_MS);
	EXPECT_LE(t.ExitTime.QuadPart, done + 50 * NTT_MS);
	EXPECT_GE(t.ExitTime.QuadPart, t.CreateTime.QuadPart);
	xclose(h);
	kid_reap(&k);
}

TEST(process_times_of_self_count_cpu)
{
	KERNEL_USER_TIMES t0, t1;
	LONGLONG now;

	nt_setup();
	t0 = process_times(NtCurrentProcess());
	burn_cpu_ms(150);
	t1 = process_times(NtCurrentProcess());
	now = nt_now();
	EXPECT_EQ(t1.CreateTime.QuadPart, t0.CreateTime.QuadPart);
	/* The test process was forked moments ago by the harness. */
	EXPECT_LE(t1.CreateTime.QuadPart, now);
	EXPECT_GE(t1.CreateTime.QuadPart, now - 60 * ONE_SECOND);
	EXPECT_EQ(t1.ExitTime.QuadPart, 0);
	EXPECT_GE(t1.UserTime.QuadPart + t1.KernelTime.QuadPart,
		  t0.UserTime.QuadPart + t0.KernelTime.QuadPart + 100 * NTT_MS);
	EXPECT_GE(t1.UserTime.QuadPart, t0.UserTime.QuadPart);
	EXPECT_GE(t1.KernelTime.QuadPart, t0.KernelTime.QuadPart);
	/* CPU time cannot exceed wall time times the CPUs. */
	EXPECT_LE(t1.UserTime.QuadPart + t1.KernelTime.QuadPart,
		  (now - t1.CreateTime.QuadPart + 50 * NTT_MS) * sysconf(_SC_NPROCESSORS_ONLN));
}

/* Exit status and times stay readable through a handle after the reap. */
TEST(exit_information_survives_the_reap)
{
	KERNEL_USER_TIMES t, t2;
	struct kid k;
	HANDLE h, h2;
	int st;

	nt_setup();
	k = kid_spawn(KID_BURN_EXIT, 42);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	kid_go(&k);
	st = kid_reap(&k);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 42);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_WAIT_0);
	EXPECT_STATUS(exit_status(h), 42);
	EXPECT_EQ((uintptr_t)basic_info(h).UniqueProcessId, (uintptr_t)k.pid);
	t = process_times(h);
	EXPECT_NE(t.ExitTime.QuadPart, 0);
	EXPECT_GE(t.ExitTime.QuadPart, t.CreateTime.QuadPart);
	/* The child burnt 200 ms of CPU. */
	EXPECT_GE(t.UserTime.QuadPart + t.KernelTime.QuadPart, 150 * NTT_MS);
	/* Frozen. */
	sleep_ms(50);
	t2 = process_times(h);
	EXPECT_EQ(t2.ExitTime.QuadPart, t.ExitTime.QuadPart);
	EXPECT_EQ(t2.UserTime.QuadPart, t.UserTime.QuadPart);
	EXPECT_EQ(t2.KernelTime.QuadPart, t.KernelTime.QuadPart);
	/* A duplicate of the handle works the same. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &h2, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	EXPECT_STATUS(exit_status(h2), 42);
	xclose(h2);
	/* The pid is gone: it cannot be opened again. */
	EXPECT_STATUS(open_process(&h2, SYNCHRONIZE, k.pid), STATUS_INVALID_CID);
	xclose(h);
}

static void *burn_200(void *arg)
{
	(void)arg;
	burn_cpu_ms(200);
	return NULL;
}

/*
 * A process opened only after it died (a zombie, not yet reaped) shows all
 * the CPU time of its threads. Its exit was not seen by ntexec (Linux keeps
 * no exit time), so ExitTime is the moment it was first opened: documented
 * in the README; Windows would give the exit itself.
 */
TEST(times_of_process_opened_after_death)
{
	KERNEL_USER_TIMES t;
	LONGLONG died, opened;
	struct kid k = { 0, -1, 0 };
	int go[2];
	HANDLE h;
	char c;

	nt_setup();
	ASSERT_EQ(pipe(go), 0);
	fflush(stdout);
	k.pid = fork();
	ASSERT_GE(k.pid, 0);
	if (!k.pid) {
		pthread_t th;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		/* The CPU time is a second thread's, which ends first. */
		if (pthread_create(&th, NULL, burn_200, NULL) || pthread_join(th, NULL))
			_exit(11);
		_exit(0);
	}
	k.go = go[1];
	kid_go(&k);
	kid_wait_dead(&k);
	died = nt_now();
	sleep_ms(500);
	opened = nt_now();
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_WAIT_0);
	EXPECT_STATUS(exit_status(h), 0);
	t = process_times(h);
	EXPECT_NE(t.ExitTime.QuadPart, 0);
	EXPECT_GE(t.ExitTime.QuadPart, opened);
	EXPECT_LE(t.ExitTime.QuadPart, nt_now());
	EXPECT_LT(t.CreateTime.QuadPart, died);
	EXPECT_GE(t.ExitTime.QuadPart, t.CreateTime.QuadPart);
	EXPECT_GE(t.UserTime.QuadPart + t.KernelTime.QuadPart, 150 * NTT_MS);
	xclose(h);
	kid_reap(&k);
}

/* ------------------------------------------------------------------------ */
/* ProcessHandleCount                                                       */
/* ------------------------------------------------------------------------ */

/*
 * When a waiter sees a process signaled, its handle table is gone: Windows
 * runs ObKillProcess before the last thread signals the process.
 */
TEST(exited_process_has_no_handles)
{
	int to_kid[2], from_kid[2];
	struct kid k = { 0, -1, 0 };
	HANDLE h;
	char c;

	nt_setup();
	ASSERT_EQ(pipe(to_kid), 0);
	ASSERT_EQ(pipe(from_kid), 0);
	fflush(stdout);
	k.pid = fork();
	ASSERT_GE(k.pid, 0);
	if (!k.pid) {
		HANDLE a, b, t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (open_process(&a, SYNCHRONIZE, getpid()) ||
		    open_process(&b, PROCESS_QUERY_LIMITED_INFORMATION, getpid()) ||
		    open_thread(&t, SYNCHRONIZE, getpid(), gettid()))
			_exit(10);
		if (write(from_kid[1], "r", 1) != 1 || read(to_kid[0], &c, 1) != 1)
			_exit(11);
		_exit(0);
	}
	k.go = to_kid[1];
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	ASSERT_EQ(read(from_kid[0], &c, 1), 1);
	EXPECT_EQ(handle_count(h), 3);
	kid_go(&k);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_EQ(handle_count(h), 0);
	kid_reap(&k);
	EXPECT_EQ(handle_count(h), 0);
	xclose(h);
}

/* ------------------------------------------------------------------------ */
/* ProcessImageFileName                                                     */
/* ------------------------------------------------------------------------ */

/* UTF-16 to UTF-8, enough for paths. */
static void utf16_to_utf8(const WCHAR *s, size_t n, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < size; i++) {
		uint32_t c = s[i];

		if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
			c = 0x10000 + ((c - 0xd800) << 10) + (s[i + 1] - 0xdc00);
			i++;
		}
		if (c < 0x80) {
			out[o++] = c;
		} else if (c < 0x800) {
			out[o++] = 0xc0 | (c >> 6);
			out[o++] = 0x80 | (c & 0x3f);
		} else if (c < 0x10000) {
			out[o++] = 0xe0 | (c >> 12);
			out[o++] = 0x80 | ((c >> 6) & 0x3f);
			out[o++] = 0x80 | (c & 0x3f);
		} else {
			out[o++] = 0xf0 | (c >> 18);
			out[o++] = 0x80 | ((c >> 12) & 0x3f);
			out[o++] = 0x80 | ((c >> 6) & 0x3f);
			out[o++] = 0x80 | (c & 0x3f);
		}
	}
	out[o] = 0;
}

static void exe_of(pid_t pid, char *out, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, out, size - 1);
	ASSERT_GT(n, 0);
	out[n] = 0;
}

/*
 * The image name of @process: the needed size first, then the query with
 * exactly that size. Checks the layout Windows uses: a UNICODE_STRING whose
 * Buffer points just past it, into the caller's buffer, NUL-terminated.
 */
static void image_name(HANDLE process, char *out, size_t size)
{
	UNICODE_STRING us;
	unsigned char *buf;
	ULONG need = NTT_POISON32, len = NTT_POISON32;

	memset(&us, NTT_POISON, sizeof(us));
	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessImageFileName, &us, sizeof(us),
						&need), STATUS_INFO_LENGTH_MISMATCH);
	ASSERT_NE(need, NTT_POISON32);
	ASSERT_GT(need, sizeof(us) + 2);
	EXPECT_EQ(need % 2, 0);
	/* Nothing written. */
	EXPECT_EQ(us.Length, 0xcccc);

	buf = malloc(need + 64);
	ASSERT_NE(buf, NULL);
	memset(buf, NTT_POISON, need + 64);
	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessImageFileName, buf, need, &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, need);
	memcpy(&us, buf, sizeof(us));
	EXPECT_EQ((uintptr_t)us.Buffer, (uintptr_t)(buf + sizeof(us)));
	EXPECT_EQ(us.Length % 2, 0);
	EXPECT_EQ(us.MaximumLength, us.Length + 2);
	EXPECT_EQ(sizeof(us) + us.MaximumLength, need);
	EXPECT_EQ(buf[sizeof(us) + us.Length], 0);
	EXPECT_EQ(buf[sizeof(us) + us.Length + 1], 0);
	/* Not a byte past what was asked for. */
	EXPECT_EQ(buf[need], NTT_POISON);
	utf16_to_utf8((WCHAR *)(buf + sizeof(us)), us.Length / 2, out, size);

	/* A larger buffer: the same answer and ReturnLength. */
	memset(buf, NTT_POISON, need + 64);
	len = NTT_POISON32;
	ASSERT_STATUS(NtQueryInformationProcess(process, ProcessImageFileName, buf, need + 64,
						&len), STATUS_SUCCESS);
	EXPECT_EQ(len, need);
	EXPECT_EQ(buf[need], NTT_POISON);
	free(buf);
}

TEST(image_file_name_of_self)
{
	char exe[PATH_MAX], nt[PATH_MAX];

	nt_setup();
	exe_of(getpid(), exe, sizeof(exe));
	image_name(NtCurrentProcess(), nt, sizeof(nt));
	EXPECT_EQ(strcmp(nt, exe), 0);
	if (strcmp(nt, exe))
		fprintf(stderr, "# image name '%s', /proc/self/exe '%s'\n", nt, exe);
}

TEST(image_file_name_too_small_reports_needed_size)
{
	unsigned char buf[64];
	ULONG need = NTT_POISON32, len;
	static const ULONG small[] = { 0, 2, 15, 16, 17 };
	unsigned int i;

	nt_setup();
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessImageFileName, buf, 16,
						&need), STATUS_INFO_LENGTH_MISMATCH);
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		memset(buf, NTT_POISON, sizeof(buf));
		len = NTT_POISON32;
		EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessImageFileName,
							buf, small[i], &len),
			      STATUS_INFO_LENGTH_MISMATCH);
		EXPECT_EQ(len, need);
		EXPECT_EQ(buf[0], NTT_POISON);
	}
	len = NTT_POISON32;
	EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessImageFileName, buf,
						need - 1, &len), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_EQ(len, need);
	/* A good size with a bad handle. */
	EXPECT_STATUS(NtQueryInformationProcess(NULL, ProcessImageFileName, buf, sizeof(buf), NULL),
		      STATUS_INVALID_HANDLE);
}

/*
 * GetProcessImageFileName and QueryFullProcessImageName document
 * PROCESS_QUERY_LIMITED_INFORMATION as enough.
 */
TEST(image_file_name_needs_only_query_limited)
{
	char exe[PATH_MAX], nt[PATH_MAX];
	HANDLE h;
	struct kid k;

	nt_setup();
	h = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());
	exe_of(getpid(), exe, sizeof(exe));
	image_name(h, nt, sizeof(nt));
	EXPECT_EQ(strcmp(nt, exe), 0);
	xclose(h);

	/* A child (same executable). */
	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	image_name(h, nt, sizeof(nt));
	EXPECT_EQ(strcmp(nt, exe), 0);
	xclose(h);
	kid_kill(&k);
}

/* A process that execve()s is running another image: the name follows. */
TEST(image_file_name_follows_execve)
{
	char before[PATH_MAX], exe[PATH_MAX], nt[PATH_MAX];
	struct kid k;
	HANDLE h;
	int i;

	nt_setup();
	exe_of(getpid(), before, sizeof(before));
	k = kid_spawn(KID_EXEC_SLEEP, 0);
	h = xopen_process(PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	kid_go(&k);
	for (i = 0; i < 400; i++) {
		exe_of(k.pid, exe, sizeof(exe));
		if (strcmp(exe, before))
			break;
		sleep_ms(25);
	}
	ASSERT_NE(strcmp(exe, before), 0);
	image_name(h, nt, sizeof(nt));
	EXPECT_EQ(strcmp(nt, exe), 0);
	if (strcmp(nt, exe))
		fprintf(stderr, "# after execve: image name '%s', exe '%s'\n", nt, exe);
	xclose(h);
	kid_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* ProcessVmCounters                                                        */
/* ------------------------------------------------------------------------ */

static VM_COUNTERS_EX vm_counters(HANDLE h)
{
	VM_COUNTERS_EX vm;
	ULONG len = NTT_POISON32;

	memset(&vm, NTT_POISON, sizeof(vm));
	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessVmCounters, &vm, sizeof(vm), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(vm));
	return vm;
}

TEST(vm_counters_both_sizes)
{
	unsigned char raw[sizeof(VM_COUNTERS_EX) + 16];
	VM_COUNTERS vm;
	VM_COUNTERS_EX ex;
	ULONG len;

	nt_setup();
	memset(raw, NTT_POISON, sizeof(raw));
	len = NTT_POISON32;
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, raw,
						sizeof(VM_COUNTERS), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(VM_COUNTERS));
	/* Only sizeof(VM_COUNTERS) bytes written. */
	EXPECT_EQ(raw[sizeof(VM_COUNTERS)], NTT_POISON);
	memcpy(&vm, raw, sizeof(vm));
	EXPECT_NE((uint64_t)vm.VirtualSize, NTT_POISON64);
	EXPECT_GT(vm.VirtualSize, 0);
	EXPECT_GT(vm.WorkingSetSize, 0);
	EXPECT_GE(vm.PeakVirtualSize, vm.VirtualSize);
	EXPECT_GE(vm.PeakWorkingSetSize, vm.WorkingSetSize);
	EXPECT_NE(vm.PageFaultCount, NTT_POISON32);
	EXPECT_GT(vm.PageFaultCount, 0);

	ex = vm_counters(NtCurrentProcess());
	EXPECT_GT(ex.VirtualSize, 0);
	EXPECT_GT(ex.WorkingSetSize, 0);
	EXPECT_NE((uint64_t)ex.PrivateUsage, NTT_POISON64);
	EXPECT_GT(ex.PrivateUsage, 0);
	EXPECT_GE(ex.PeakPagefileUsage, ex.PagefileUsage);
}

TEST(vm_counters_wrong_lengths)
{
	unsigned char raw[256];
	static const ULONG bad[] = { 0, 4, 24, 44, 48, 87, 89, 95, 97, 104, 256 };
	unsigned int i;
	ULONG len;

	nt_setup();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(raw, NTT_POISON, sizeof(raw));
		len = NTT_POISON32;
		EXPECT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, raw,
							bad[i], &len),
			      STATUS_INFO_LENGTH_MISMATCH);
		EXPECT_EQ(raw[0], NTT_POISON);
	}
	/* The length before the handle. */
	EXPECT_STATUS(NtQueryInformationProcess(NULL, ProcessVmCounters, raw, 24, NULL),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtQueryInformationProcess(NULL, ProcessVmCounters, raw, sizeof(VM_COUNTERS),
						NULL), STATUS_INVALID_HANDLE);
}

TEST(vm_counters_grow_with_touched_memory)
{
	VM_COUNTERS_EX a, b;
	const size_t size = 8 << 20;
	char *p;

	nt_setup();
	a = vm_counters(NtCurrentProcess());
	p = malloc(size);
	ASSERT_NE(p, NULL);
	memset(p, 1, size);
	b = vm_counters(NtCurrentProcess());
	EXPECT_GE(b.WorkingSetSize, a.WorkingSetSize + (7 << 20));
	EXPECT_GE(b.VirtualSize, a.VirtualSize + (7 << 20));
	EXPECT_GE(b.PeakWorkingSetSize, b.WorkingSetSize);
	EXPECT_GE(b.PeakVirtualSize, b.VirtualSize);
	EXPECT_GE(b.PrivateUsage, a.PrivateUsage + (7 << 20));
	EXPECT_GT(b.PageFaultCount, a.PageFaultCount);
	free(p);
}

/* ------------------------------------------------------------------------ */
/* NtQueryInformationThread                                                 */
/* ------------------------------------------------------------------------ */

struct parked {
	pid_t tid;
	sem_t ready, go;
	NTSTATUS exit_with;	/* 0: return normally */
	int burn_ms;
	NTSTATUS terminate_status;
};

static void *parked_fn(void *arg)
{
	struct parked *p = arg;

	p->tid = gettid();
	sem_post(&p->ready);
	sem_wait(&p->go);
	if (p->burn_ms)
		burn_cpu_ms(p->burn_ms);
	if (p->exit_with)
		p->terminate_status = NtTerminateThread(NtCurrentThread(), p->exit_with);
	return NULL;
}

static void start_parked(struct parked *p, pthread_t *th)
{
	sem_init(&p->ready, 0, 0);
	sem_init(&p->go, 0, 0);
	ASSERT_EQ(pthread_create(th, NULL, parked_fn, p), 0);
	sem_wait(&p->ready);
}

TEST(thread_basic_information)
{
	THREAD_BASIC_INFORMATION tbi;
	struct parked p = { 0 };
	pthread_t th;
	ULONG len;
	HANDLE h;

	nt_setup();
	tbi = thread_info(NtCurrentThread());
	EXPECT_STATUS(tbi.ExitStatus, STATUS_PENDING);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueProcess, (uintptr_t)getpid());
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)gettid());
	EXPECT_EQ((uint64_t)tbi.AffinityMask, my_affinity(gettid()));
	if (getpriority(PRIO_PROCESS, 0) == 0) {
		/* THREAD_PRIORITY_NORMAL in NORMAL_PRIORITY_CLASS. */
		EXPECT_GE(tbi.Priority, 8);
		EXPECT_LE(tbi.Priority, 15);
		EXPECT_EQ(tbi.BasePriority, 0);
	}

	start_parked(&p, &th);
	h = xopen_thread(THREAD_QUERY_LIMITED_INFORMATION, getpid(), p.tid);
	tbi = thread_info(h);
	EXPECT_STATUS(tbi.ExitStatus, STATUS_PENDING);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueProcess, (uintptr_t)getpid());
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)p.tid);

	/* Lengths, classes, handles. */
	len = NTT_POISON32;
	EXPECT_STATUS(NtQueryInformationThread(h, ThreadBasicInformation, &tbi, sizeof(tbi) - 1,
					       &len), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtQueryInformationThread(h, ThreadBasicInformation, &tbi, sizeof(tbi) + 8,
					       &len), STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtQueryInformationThread(NULL, ThreadBasicInformation, &tbi, 0, NULL),
		      STATUS_INFO_LENGTH_MISMATCH);
	EXPECT_STATUS(NtQueryInformationThread(NULL, ThreadBasicInformation, &tbi, sizeof(tbi),
					       NULL), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtQueryInformationThread(h, (THREADINFOCLASS)200, &tbi, sizeof(tbi), NULL),
		      STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryInformationThread(h, ThreadTimes, &tbi, 24, NULL),
		      STATUS_INFO_LENGTH_MISMATCH);
	xclose(h);
	h = xopen_thread(SYNCHRONIZE, getpid(), p.tid);
	EXPECT_STATUS(NtQueryInformationThread(h, ThreadBasicInformation, &tbi, sizeof(tbi), NULL),
		      STATUS_ACCESS_DENIED);
	xclose(h);
	sem_post(&p.go);
	pthread_join(th, NULL);
}

/* ThreadIsTerminated: a ULONG, TRUE once the thread has exited. */
static ULONG thread_terminated(HANDLE h)
{
	ULONG v = NTT_POISON32, len = 0;

	ASSERT_STATUS(NtQueryInformationThread(h, ThreadIsTerminated, &v, sizeof(v), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(v));
	return v;
}

TEST(terminate_thread_status_and_signal)
{
	THREAD_BASIC_INFORMATION tbi;
	KERNEL_USER_TIMES t;
	struct parked p = { 0 };
	LONGLONG released;
	pthread_t th;
	HANDLE h;

	nt_setup();
	p.exit_with = (NTSTATUS)0xBEEF0001;
	p.terminate_status = (NTSTATUS)NTT_POISON32;
	start_parked(&p, &th);
	h = xopen_thread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, getpid(), p.tid);
	EXPECT_STATUS(wait_ms(h, 0), STATUS_TIMEOUT);
	EXPECT_EQ(thread_terminated(h), 0);
	released = nt_now();
	sem_post(&p.go);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_EQ(thread_terminated(h), 1);
	tbi = thread_info(h);
	EXPECT_EQ((uint32_t)tbi.ExitStatus, 0xBEEF0001u);
	EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueThread, (uintptr_t)p.tid);
	t = thread_times(h);
	EXPECT_GE(t.ExitTime.QuadPart, released - 50 * NTT_MS);
	EXPECT_LE(t.ExitTime.QuadPart, nt_now() + 50 * NTT_MS);
	EXPECT_GE(t.ExitTime.QuadPart, t.CreateTime.QuadPart);
	pthread_join(th, NULL);
	/* NtTerminateThread did not return. */
	EXPECT_EQ((uint32_t)p.terminate_status, NTT_POISON32);
	/* The process lives on. */
	EXPECT_STATUS(basic_info(NtCurrentProcess()).ExitStatus, STATUS_PENDING);
	xclose(h);
}

TEST(thread_times)
{
	KERNEL_USER_TIMES t0, t1;
	struct parked p = { 0 };
	LONGLONG before, after;
	pthread_t th;
	HANDLE h;

	nt_setup();
	p.burn_ms = 150;
	before = nt_now();
	start_parked(&p, &th);
	after = nt_now();
	h = xopen_thread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, getpid(), p.tid);
	t0 = thread_times(h);
	EXPECT_GE(t0.CreateTime.QuadPart, before - 50 * NTT_MS);
	EXPECT_LE(t0.CreateTime.QuadPart, after + 50 * NTT_MS);
	EXPECT_EQ(t0.ExitTime.QuadPart, 0);
	sem_post(&p.go);
	ASSERT_STATUS(wait_ms(h, 20000), STATUS_WAIT_0);
	t1 = thread_times(h);
	EXPECT_EQ(t1.CreateTime.QuadPart, t0.CreateTime.QuadPart);
	EXPECT_NE(t1.ExitTime.QuadPart, 0);
	EXPECT_GE(t1.UserTime.QuadPart + t1.KernelTime.QuadPart,
		  t0.UserTime.QuadPart + t0.KernelTime.QuadPart + 100 * NTT_MS);
	pthread_join(th, NULL);
	xclose(h);
	/* The calling thread, through the pseudo-handle. */
	t0 = thread_times(NtCurrentThread());
	EXPECT_GT(t0.CreateTime.QuadPart, NTT_UNIX_EPOCH);
	EXPECT_EQ(t0.ExitTime.QuadPart, 0);
}

/* ------------------------------------------------------------------------ */
/* NtGetNextProcess / NtGetNextThread                                       */
/* ------------------------------------------------------------------------ */

TEST(get_next_process_finds_children)
{
	struct kid k[3];
	int found[3] = { 0 }, self = 0, n = 0, i;
	HANDLE prev = NULL, next = (HANDLE)(uintptr_t)NTT_POISON64;
	NTSTATUS s;
	ULONG c0;

	nt_setup();
	for (i = 0; i < 3; i++)
		k[i] = kid_spawn(KID_SLEEP, 0);
	c0 = handle_count(NtCurrentProcess());
	for (;;) {
		s = NtGetNextProcess(prev, PROCESS_QUERY_LIMITED_INFORMATION, 0, 0, &next);
		if (s != STATUS_SUCCESS)
			break;
		ASSERT_NE(hv(next), NTT_POISON64);
		pid_t pid = (pid_t)(uintptr_t)basic_info(next).UniqueProcessId;

		n++;
		if (pid == getpid())
			self++;
		for (i = 0; i < 3; i++)
			if (pid == k[i].pid)
				found[i]++;
		if (prev)
			xclose(prev);
		prev = next;
		next = (HANDLE)(uintptr_t)NTT_POISON64;
		ASSERT_LT(n, 100000);
	}
	EXPECT_STATUS(s, STATUS_NO_MORE_ENTRIES);
	/* Nothing is returned at the end. */
	EXPECT_EQ(hv(next), NTT_POISON64);
	if (prev)
		xclose(prev);
	EXPECT_EQ(self, 1);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(found[i], 1);
	EXPECT_GE(n, 5);	/* PID 1, the harness, us, three children */
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0);
	for (i = 0; i < 3; i++)
		kid_kill(&k[i]);
	/* The flags must be 0; a bad process handle is refused. */
	EXPECT_STATUS(NtGetNextProcess(NULL, SYNCHRONIZE, 0, 1, &next), STATUS_INVALID_PARAMETER_4);
	EXPECT_STATUS(NtGetNextProcess((HANDLE)(uintptr_t)0x3fffffc, SYNCHRONIZE, 0, 0, &next),
		      STATUS_INVALID_HANDLE);
}

/*
 * Enumeration goes on from a process that has exited and been reaped, as
 * long as the caller's handle keeps the process object: Windows walks its
 * process list from that object. The child spawned later comes after it.
 */
TEST(get_next_process_continues_after_reaped_process)
{
	struct kid a, b;
	HANDLE ha, prev, next;
	int found = 0, n = 0;
	NTSTATUS s;

	nt_setup();
	a = kid_spawn(KID_SLEEP, 0);
	b = kid_spawn(KID_SLEEP, 0);
	if (b.pid < a.pid) {
		kid_kill(&a);
		kid_kill(&b);
		SKIP("pids wrapped");
	}
	ha = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, a.pid);
	kid_kill(&a);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), ha, NtCurrentProcess(), &prev, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	for (;;) {
		s = NtGetNextProcess(prev, PROCESS_QUERY_LIMITED_INFORMATION, 0, 0, &next);
		if (s != STATUS_SUCCESS)
			break;
		if ((pid_t)(uintptr_t)basic_info(next).UniqueProcessId == b.pid)
			found++;
		xclose(prev);
		prev = next;
		ASSERT_LT(++n, 100000);
	}
	EXPECT_STATUS(s, STATUS_NO_MORE_ENTRIES);
	EXPECT_EQ(found, 1);
	xclose(prev);
	xclose(ha);
	kid_kill(&b);
}

struct pool_thread {
	pid_t tid;
	sem_t *ready, *go;
};

static void *pool_fn(void *arg)
{
	struct pool_thread *p = arg;

	p->tid = gettid();
	sem_post(p->ready);
	sem_wait(p->go);
	return NULL;
}

TEST(get_next_thread_counts_threads)
{
	enum { N = 4 };
	struct pool_thread pt[N];
	pthread_t th[N];
	sem_t ready, go;
	HANDLE prev = NULL, next;
	int n = 0, seen[N] = { 0 }, main_seen = 0, i;
	NTSTATUS s;
	ULONG c0;

	nt_setup();
	sem_init(&ready, 0, 0);
	sem_init(&go, 0, 0);
	for (i = 0; i < N; i++) {
		pt[i].ready = &ready;
		pt[i].go = &go;
		ASSERT_EQ(pthread_create(&th[i], NULL, pool_fn, &pt[i]), 0);
	}
	for (i = 0; i < N; i++)
		sem_wait(&ready);
	c0 = handle_count(NtCurrentProcess());
	for (;;) {
		THREAD_BASIC_INFORMATION tbi;

		s = NtGetNextThread(NtCurrentProcess(), prev, THREAD_QUERY_LIMITED_INFORMATION, 0,
				    0, &next);
		if (s != STATUS_SUCCESS)
			break;
		tbi = thread_info(next);
		EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueProcess, (uintptr_t)getpid());
		if ((pid_t)(uintptr_t)tbi.ClientId.UniqueThread == gettid())
			main_seen++;
		for (i = 0; i < N; i++)
			if ((pid_t)(uintptr_t)tbi.ClientId.UniqueThread == pt[i].tid)
				seen[i]++;
		if (prev)
			xclose(prev);
		prev = next;
		ASSERT_LT(++n, 1000);
	}
	EXPECT_STATUS(s, STATUS_NO_MORE_ENTRIES);
	if (prev)
		xclose(prev);
	EXPECT_EQ(n, N + 1);
	EXPECT_EQ(main_seen, 1);
	for (i = 0; i < N; i++)
		EXPECT_EQ(seen[i], 1);
	EXPECT_EQ(handle_count(NtCurrentProcess()), c0);
	for (i = 0; i < N; i++)
		sem_post(&go);
	for (i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	/* The process handle needs PROCESS_QUERY_INFORMATION; flags must be 0. */
	{
		HANDLE h = xopen_process(PROCESS_QUERY_LIMITED_INFORMATION, getpid());

		EXPECT_STATUS(NtGetNextThread(h, NULL, SYNCHRONIZE, 0, 0, &next),
			      STATUS_ACCESS_DENIED);
		xclose(h);
	}
	EXPECT_STATUS(NtGetNextThread(NtCurrentProcess(), NULL, SYNCHRONIZE, 0, 1, &next),
		      STATUS_INVALID_PARAMETER_5);
}

static void *sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

TEST(get_next_thread_of_child)
{
	int p[2], n = 0, main_seen = 0;
	HANDLE h, prev = NULL, next;
	pid_t pid, other = 0;
	NTSTATUS s;
	char c;

	nt_setup();
	ASSERT_EQ(pipe(p), 0);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		pthread_t th;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pthread_create(&th, NULL, sleep_forever, NULL))
			_exit(10);
		if (write(p[1], "r", 1) != 1)
			_exit(11);
		for (;;)
			pause();
	}
	ASSERT_EQ(read(p[0], &c, 1), 1);
	h = xopen_process(PROCESS_QUERY_INFORMATION | PROCESS_TERMINATE | SYNCHRONIZE, pid);
	for (;;) {
		THREAD_BASIC_INFORMATION tbi;

		s = NtGetNextThread(h, prev, THREAD_QUERY_LIMITED_INFORMATION, 0, 0, &next);
		if (s != STATUS_SUCCESS)
			break;
		tbi = thread_info(next);
		EXPECT_EQ((uintptr_t)tbi.ClientId.UniqueProcess, (uintptr_t)pid);
		if ((pid_t)(uintptr_t)tbi.ClientId.UniqueThread == pid)
			main_seen++;
		else
			other = (pid_t)(uintptr_t)tbi.ClientId.UniqueThread;
		if (prev)
			xclose(prev);
		prev = next;
		ASSERT_LT(++n, 1000);
	}
	EXPECT_STATUS(s, STATUS_NO_MORE_ENTRIES);
	if (prev)
		xclose(prev);
	EXPECT_EQ(n, 2);
	EXPECT_EQ(main_seen, 1);
	EXPECT_NE(other, 0);
	EXPECT_STATUS(NtTerminateProcess(h, 5), STATUS_SUCCESS);
	EXPECT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	xclose(h);
	waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------------------------ */
/* Other users' processes                                                   */
/* ------------------------------------------------------------------------ */

/* What an unprivileged caller may do to PID 1 (root's). */
static int pid1_as_nobody(void)
{
	HANDLE h = (HANDLE)(uintptr_t)NTT_POISON64;
	PROCESS_BASIC_INFORMATION pbi;
	int bad = 0;

	if (NtxInitialize() != STATUS_SUCCESS)
		return 100;
	if (open_process(&h, PROCESS_VM_READ, 1) != STATUS_ACCESS_DENIED)
		bad |= 1;
	if (open_process(&h, PROCESS_TERMINATE, 1) != STATUS_ACCESS_DENIED)
		bad |= 2;
	if (open_process(&h, PROCESS_ALL_ACCESS, 1) != STATUS_ACCESS_DENIED)
		bad |= 4;
	if (open_process(&h, PROCESS_QUERY_INFORMATION, 1) != STATUS_ACCESS_DENIED)
		bad |= 8;
	/* A failed open leaves NULL, as on Windows. */
	if (hv(h) != 0)
		bad |= 16;
	if (open_process(&h, SYNCHRONIZE, 1) != STATUS_SUCCESS)
		bad |= 32;
	else
		NtClose(h);
	if (open_process(&h, PROCESS_QUERY_LIMITED_INFORMATION, 1) != STATUS_SUCCESS) {
		bad |= 64;
	} else {
		if (NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi),
					      NULL) != STATUS_SUCCESS ||
		    (uintptr_t)pbi.UniqueProcessId != 1)
			bad |= 128;
		NtClose(h);
	}
	/* MAXIMUM_ALLOWED gets what is allowed, and no more. */
	if (open_process(&h, MAXIMUM_ALLOWED, 1) != STATUS_SUCCESS) {
		bad |= 256;
	} else {
		if (NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi),
					      NULL) != STATUS_SUCCESS)
			bad |= 512;
		if (NtTerminateProcess(h, 1) != STATUS_ACCESS_DENIED)
			bad |= 1024;
		NtClose(h);
	}
	/* Nor its threads. */
	if (open_thread(&h, THREAD_TERMINATE, 1, 1) != STATUS_ACCESS_DENIED)
		bad |= 2048;
	if (open_thread(&h, SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, 1, 1) !=
	    STATUS_SUCCESS)
		bad |= 4096;
	else
		NtClose(h);
	return bad;
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	       setresuid(65534, 65534, 65534);
}

TEST(unprivileged_open_of_pid1)
{
	int st, bad;
	pid_t pid;

	nt_setup();
	if (ntt_unprivileged()) {
		bad = pid1_as_nobody();
		if (bad)
			fprintf(stderr, "# pid1_as_nobody: failures 0x%x\n", bad);
		EXPECT_EQ(bad, 0);
		return;
	}
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (drop_to_nobody())
			_exit(200);
		bad = pid1_as_nobody();
		if (bad)
			fprintf(stderr, "# pid1_as_nobody: failures 0x%x\n", bad);
		_exit(bad ? 1 : 0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST(privileged_open_of_pid1)
{
	HANDLE h;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("needs root");
	h = xopen_process(PROCESS_VM_READ, 1);
	xclose(h);
	/* Opened, not used. */
	h = xopen_process(PROCESS_TERMINATE, 1);
	xclose(h);
	h = xopen_process(PROCESS_ALL_ACCESS, 1);
	EXPECT_STATUS(basic_info(h).ExitStatus, STATUS_PENDING);
	xclose(h);
}

/*
 * An exited process is still a process object while it is referenced (here:
 * by its Linux parent, which has not reaped it). Opening it is an access
 * check against the object, whatever its state: the parent gets any access,
 * and NtTerminateProcess then says the process is terminating.
 */
TEST(open_exited_child_with_any_access)
{
	PROCESS_BASIC_INFORMATION pbi;
	HANDLE h = NULL;
	struct kid k;
	NTSTATUS s;

	nt_setup();
	k = kid_spawn(KID_EXIT, 5);
	kid_go(&k);
	kid_wait_dead(&k);
	h = xopen_process(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	EXPECT_STATUS(exit_status(h), 5);
	xclose(h);
	s = open_process(&h, PROCESS_QUERY_INFORMATION, k.pid);
	EXPECT_STATUS(s, STATUS_SUCCESS);
	if (s == STATUS_SUCCESS) {
		EXPECT_STATUS(exit_status(h), 5);
		xclose(h);
	}
	s = open_process(&h, PROCESS_TERMINATE | SYNCHRONIZE, k.pid);
	EXPECT_STATUS(s, STATUS_SUCCESS);
	if (s == STATUS_SUCCESS) {
		EXPECT_STATUS(NtTerminateProcess(h, 9), STATUS_PROCESS_IS_TERMINATING);
		xclose(h);
	}
	s = open_process(&h, PROCESS_ALL_ACCESS, k.pid);
	EXPECT_STATUS(s, STATUS_SUCCESS);
	if (s == STATUS_SUCCESS)
		xclose(h);
	/* MAXIMUM_ALLOWED: everything, as for a live child. */
	h = xopen_process(MAXIMUM_ALLOWED, k.pid);
	EXPECT_STATUS(NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_SUCCESS);
	EXPECT_STATUS(NtTerminateProcess(h, 9), STATUS_PROCESS_IS_TERMINATING);
	xclose(h);
	kid_reap(&k);
}

/*
 * The image name belongs to the process, not to whoever opened it first:
 * a root-owned child first opened by an unprivileged process (which may not
 * read /proc/<pid>/exe) still has its name for root.
 */
TEST(image_file_name_does_not_depend_on_first_opener)
{
	char exe[PATH_MAX], nt[PATH_MAX];
	struct kid k;
	HANDLE h;
	pid_t helper;
	int st;

	nt_setup();
	if (ntt_unprivileged())
		SKIP("needs root to set up an unprivileged first opener");
	k = kid_spawn(KID_SLEEP, 0);
	fflush(stdout);
	helper = fork();
	ASSERT_GE(helper, 0);
	if (!helper) {
		HANDLE hh;

		if (drop_to_nobody())
			_exit(10);
		/* SYNCHRONIZE needs no ptrace access. */
		_exit(open_process(&hh, SYNCHRONIZE, k.pid) == STATUS_SUCCESS ? 0 : 11);
	}
	ASSERT_EQ(waitpid(helper, &st, 0), helper);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	exe_of(k.pid, exe, sizeof(exe));
	h = xopen_process(PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION, k.pid);
	image_name(h, nt, sizeof(nt));
	EXPECT_EQ(strcmp(nt, exe), 0);
	if (strcmp(nt, exe))
		fprintf(stderr, "# image name '%s', exe '%s'\n", nt, exe);
	xclose(h);
	kid_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* Stress                                                                   */
/* ------------------------------------------------------------------------ */

#define STRESS_THREADS	8
#define STRESS_ITERS	300
#define STRESS_KIDS	48
#define STRESS_POOL	16
#define STRESS_TERM	0xC0DE0000u

struct stress {
	pthread_mutex_t lock;
	pid_t pids[STRESS_KIDS];
	atomic_int nkids;
	_Atomic(HANDLE) pool[STRESS_POOL];
	atomic_int errors;
	atomic_int denied_after_exit;
	uint64_t seed;
};

static struct stress st_;

static uint32_t kid_code(int idx)
{
	return (idx * 7 + 1) & 0xff;
}

static int kid_index(pid_t pid)
{
	int i, n = atomic_load(&st_.nkids);

	for (i = 0; i < n; i++)
		if (st_.pids[i] == pid)
			return i;
	return -1;
}

#define SERR(fmt, ...) do {						\
		fprintf(stderr, "# stress: " fmt "\n", ##__VA_ARGS__);	\
		atomic_fetch_add(&st_.errors, 1);			\
	} while (0)

/* A process handle's status is one its life can give. */
static void stress_check(HANDLE h, pid_t pid)
{
	PROCESS_BASIC_INFORMATION pbi;
	NTSTATUS s;
	int idx;

	s = NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi), NULL);
	if (s != STATUS_SUCCESS) {
		SERR("query: 0x%08x", (uint32_t)s);
		return;
	}
	if (pid && (pid_t)(uintptr_t)pbi.UniqueProcessId != pid)
		SERR("pid %d, expected %d", (int)(uintptr_t)pbi.UniqueProcessId, pid);
	idx = kid_index((pid_t)(uintptr_t)pbi.UniqueProcessId);
	if (idx < 0)
		return;
	s = pbi.ExitStatus;
	/*
	 * 128 + SIGKILL is what a handle opened only after a terminated child
	 * died sees (see open_after_death_sees_same_process_object).
	 */
	if (s != STATUS_PENDING && (uint32_t)s != kid_code(idx) &&
	    (uint32_t)s != (STRESS_TERM | idx) && s != 128 + SIGKILL)
		SERR("kid %d: exit status 0x%08x", idx, (uint32_t)s);
}

/*
 * True when @pid is exiting, a zombie, or gone: its /proc/<pid>/stat shows
 * PF_EXITING (0x4) or state Z/X. Exiting is for good, so asking after a
 * refusal tells whether the process was exiting when it was refused.
 */
static int stress_exiting(pid_t pid)
{
	char path[64], buf[512], *p, state;
	unsigned long flags;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* state ppid pgrp session tty_nr tpgid flags */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
		return 0;
	return state == 'Z' || state == 'X' || (flags & 0x4);
}

static HANDLE pool_take(uint64_t *r)
{
	return atomic_exchange(&st_.pool[ntt_rand(r) % STRESS_POOL], NULL);
}

static void pool_put(HANDLE h, uint64_t *r)
{
	HANDLE old = atomic_exchange(&st_.pool[ntt_rand(r) % STRESS_POOL], h);

	if (old && NtClose(old) != STATUS_SUCCESS)
		SERR("close pooled");
}

static void *stress_worker(void *arg)
{
	uint64_t r = st_.seed ^ ((uintptr_t)arg * 0x9E3779B97F4A7C15ull);
	int i;

	ntt_rand(&r);
	for (i = 0; i < STRESS_ITERS; i++) {
		int n = atomic_load(&st_.nkids);
		pid_t pid = n ? st_.pids[ntt_rand(&r) % n] : getpid();
		HANDLE h, d, hs[4];
		LARGE_INTEGER zero = { .QuadPart = 0 };
		NTSTATUS s;
		int j, m;

		switch (ntt_rand(&r) % 10) {
		case 0:
		case 1:
		case 2:	/* open a child, check it, keep it or close it */
			s = open_process(&h, SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, pid);
			if (s == STATUS_INVALID_CID)
				break;
			if (s != STATUS_SUCCESS) {
				SERR("open %d: 0x%08x", pid, (uint32_t)s);
				break;
			}
			if (hv(h) % 4 || !h)
				SERR("handle value %#llx", (unsigned long long)hv(h));
			s = NtWaitForSingleObject(h, FALSE, &zero);
			if (s != STATUS_WAIT_0 && s != STATUS_TIMEOUT)
				SERR("wait: 0x%08x", (uint32_t)s);
			stress_check(h, pid);
			if (s == STATUS_WAIT_0) {
				PROCESS_BASIC_INFORMATION pbi;

				if (NtQueryInformationProcess(h, ProcessBasicInformation, &pbi,
							      sizeof(pbi), NULL) ||
				    pbi.ExitStatus == STATUS_PENDING)
					SERR("signaled but pending");
			}
			if (ntt_rand(&r) & 1)
				pool_put(h, &r);
			else if (NtClose(h) != STATUS_SUCCESS)
				SERR("close");
			break;
		case 3:	/* duplicate a pooled handle, use the copy */
			h = pool_take(&r);
			if (!h)
				break;
			s = NtDuplicateObject(NtCurrentProcess(), h, NtCurrentProcess(), &d, 0, 0,
					      DUPLICATE_SAME_ACCESS);
			if (s != STATUS_SUCCESS) {
				SERR("dup: 0x%08x", (uint32_t)s);
			} else {
				stress_check(d, 0);
				if (NtClose(d) != STATUS_SUCCESS)
					SERR("close dup");
			}
			pool_put(h, &r);
			break;
		case 4:	/* wait on several pooled handles */
			for (m = 0, j = 0; j < 4; j++) {
				h = pool_take(&r);
				if (h)
					hs[m++] = h;
			}
			if (m) {
				LARGE_INTEGER t = rel_ms(ntt_rand(&r) % 3);

				s = NtWaitForMultipleObjects(m, hs, (ntt_rand(&r) & 1) ? WaitAny :
							     WaitAll, FALSE, &t);
				if (s != STATUS_TIMEOUT && (s < STATUS_WAIT_0 || s >= m) &&
				    s != STATUS_INVALID_PARAMETER_MIX)	/* WaitAll, one object twice */
					SERR("wait multiple: 0x%08x", (uint32_t)s);
			}
			for (j = 0; j < m; j++)
				pool_put(hs[j], &r);
			break;
		case 5:	/* terminate a child with an NT status */
			s = open_process(&h, PROCESS_TERMINATE, pid);
			if (s == STATUS_INVALID_CID)
				break;
			if (s == STATUS_ACCESS_DENIED && kid_index(pid) >= 0 &&
			    stress_exiting(pid)) {
				/* See open_exited_child_with_any_access. */
				atomic_fetch_add(&st_.denied_after_exit, 1);
				break;
			}
			if (s != STATUS_SUCCESS) {
				SERR("open %d to terminate: 0x%08x", pid, (uint32_t)s);
				break;
			}
			if (pid != getpid() && kid_index(pid) >= 0 && !(ntt_rand(&r) % 4)) {
				s = NtTerminateProcess(h, (NTSTATUS)(STRESS_TERM | kid_index(pid)));
				if (s != STATUS_SUCCESS && s != STATUS_PROCESS_IS_TERMINATING)
					SERR("terminate: 0x%08x", (uint32_t)s);
			}
			NtClose(h);
			break;
		case 6:	/* own process and threads */
			h = xopen_process(PROCESS_ALL_ACCESS, getpid());
			s = NtDuplicateObject(NtCurrentProcess(), NtCurrentThread(),
					      NtCurrentProcess(), &d, 0, 0, DUPLICATE_SAME_ACCESS);
			if (s != STATUS_SUCCESS) {
				SERR("dup thread: 0x%08x", (uint32_t)s);
			} else {
				THREAD_BASIC_INFORMATION tbi;

				if (NtQueryInformationThread(d, ThreadBasicInformation, &tbi,
							     sizeof(tbi), NULL) ||
				    (pid_t)(uintptr_t)tbi.ClientId.UniqueThread != gettid())
					SERR("thread info");
				NtClose(d);
			}
			stress_check(h, getpid());
			NtClose(h);
			break;
		case 7:	/* close a pooled handle */
			h = pool_take(&r);
			if (h && NtClose(h) != STATUS_SUCCESS)
				SERR("close pooled");
			break;
		case 8:	/* alerts to oneself */
			NtAlertThread(NtCurrentThread());
			s = NtTestAlert();
			if (s != STATUS_ALERTED)
				SERR("test alert: 0x%08x", (uint32_t)s);
			break;
		case 9:	/* now and then, walk the process list a bit */
			if (ntt_rand(&r) % 8)
				break;
			h = NULL;
			for (j = 0; j < 8; j++) {
				s = NtGetNextProcess(h, PROCESS_QUERY_LIMITED_INFORMATION, 0, 0, &d);
				if (h)
					NtClose(h);
				h = NULL;
				if (s != STATUS_SUCCESS)
					break;
				h = d;
			}
			if (h)
				NtClose(h);
			break;
		}
	}
	return NULL;
}

TEST_TIMEOUT(stress_handles_waits_and_exits, 300)
{
	pthread_t th[STRESS_THREADS];
	ULONG c0, c1;
	int i, reaped = 0, n, errors;
	uint64_t r;

	nt_setup();
	memset(&st_, 0, sizeof(st_));
	st_.seed = ntt_seed();
	r = st_.seed;
	c0 = handle_count(NtCurrentProcess());
	for (i = 0; i < STRESS_THREADS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, stress_worker, (void *)(uintptr_t)(i + 1)),
			  0);
	/* Short-lived children, while the workers run; reap as they exit. */
	for (i = 0; i < STRESS_KIDS; i++) {
		int delay = ntt_rand(&r) % 30;
		pid_t pid;

		fflush(stdout);
		fflush(stderr);
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid) {
			sleep_ms(delay);
			_exit(kid_code(i));
		}
		st_.pids[i] = pid;
		atomic_store(&st_.nkids, i + 1);
		sleep_ms(ntt_rand(&r) % 10);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			reaped++;
	}
	n = STRESS_KIDS - reaped;
	while (n > 0 && waitpid(-1, NULL, 0) > 0)
		n--;
	for (i = 0; i < STRESS_THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < STRESS_POOL; i++) {
		HANDLE h = atomic_exchange(&st_.pool[i], NULL);

		if (h) {
			stress_check(h, 0);
			EXPECT_STATUS(NtClose(h), STATUS_SUCCESS);
		}
	}
	if (atomic_load(&st_.denied_after_exit))
		fprintf(stderr, "# stress: %d opens of exiting or exited children refused "
			"(known: see open_exited_child_with_any_access)\n", atomic_load(&st_.denied_after_exit));
	errors = atomic_load(&st_.errors);
	EXPECT_EQ(errors, 0);
	c1 = handle_count(NtCurrentProcess());
	EXPECT_EQ(c1, c0);
}
