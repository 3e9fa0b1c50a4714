// SPDX-License-Identifier: GPL-2.0
/*
 * kill -9 in the middle of long operations (issue 15): a caller process
 * works on a target process (remote reserve and commit of large ranges,
 * large remote copies, suspend and resume, waits, remote thread creation)
 * and SIGKILL hits the caller, the target or both at random points. Each
 * killed process must die at once (no call holds it), a surviving caller
 * must get a status for every call on a dead target, and once all are
 * gone the module's objects, committed and resident pages are back where
 * they were.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "nt_util.h"

#define ROUNDS		40
#define COPY		(1 << 20)

static NTSTATUS NTAPI remote_routine(PVOID arg)
{
	return (NTSTATUS)(uintptr_t)arg;
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The caller: long operations on @target until killed (or it dies). */
static void __attribute__((noreturn)) caller(pid_t target, uint64_t seed, int ready)
{
	static char buf[COPY];
	HANDLE t;

	nt_setup();
	if (open_process(&t, PROCESS_ALL_ACCESS, target))
		_exit(10);
	memset(buf, 0x5c, sizeof(buf));
	if (write(ready, "r", 1) != 1)
		_exit(11);
	close(ready);
	for (;;) {
		PVOID base = NULL;
		SIZE_T size = 0;
		HANDLE th = NULL;
		NTSTATUS s = STATUS_SUCCESS;

		switch (next(&seed) % 6) {
		case 0:	/* a large reservation, committed, released */
			size = 64 << 20;
			s = NtAllocateVirtualMemory(t, &base, 0, &size, MEM_RESERVE,
						    PAGE_READWRITE);
			if (!s) {
				size = 16 << 20;
				NtAllocateVirtualMemory(t, &base, 0, &size, MEM_COMMIT,
							PAGE_READWRITE);
				size = 0;
				NtFreeVirtualMemory(t, &base, &size, MEM_RELEASE);
			}
			break;
		case 1:	/* a large copy each way */
			size = COPY;
			s = NtAllocateVirtualMemory(t, &base, 0, &size, MEM_RESERVE | MEM_COMMIT,
						    PAGE_READWRITE);
			if (!s) {
				NtWriteVirtualMemory(t, base, buf, COPY, NULL);
				NtReadVirtualMemory(t, base, buf, COPY, NULL);
				size = 0;
				NtFreeVirtualMemory(t, &base, &size, MEM_RELEASE);
			}
			break;
		case 2:
			s = NtSuspendProcess(t);
			NtResumeProcess(t);
			break;
		case 3:
			s = NtWaitForSingleObject(t, FALSE, &(LARGE_INTEGER){ .QuadPart = -10000 });
			if (s == STATUS_WAIT_0)
				_exit(0);	/* the target is gone */
			break;
		case 4:
			s = NtCreateThreadEx(&th, THREAD_ALL_ACCESS, NULL, t, remote_routine,
					     (PVOID)7, 0, 0, 0, 0, NULL);
			if (!s) {
				NtWaitForSingleObject(th, FALSE, NULL);
				NtClose(th);
			}
			break;
		default:
			s = NtSuspendProcess(t);
			break;	/* left suspended: the target parks for good */
		}
		/* A dead target: every call has answered; stop. */
		if (s == STATUS_PROCESS_IS_TERMINATING)
			_exit(0);
	}
}

static int reap_within(pid_t pid, int ms)
{
	int st;

	for (int i = 0; i < ms; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r < 0)
			return -2;
		sleep_ms(1);
	}
	return -1;
}

TEST_TIMEOUT(kill9_mid_operation, 240)
{
	long objects0, committed0, resident0;
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
	unsigned int slow = 0;

	nt_setup();
	objects0 = objects_now();
	committed0 = steady_param("committed_pages");
	resident0 = module_param("resident_pages");
	printf("# seed %llu\n", (unsigned long long)seed);
	for (int r = 0; r < ROUNDS; r++) {
		struct kid target = kid_spawn(KID_SLEEP, 0);
		unsigned int how = (unsigned int)(next(&seed) % 3);
		pid_t c;
		int st;

		int p[2];
		char ch;

		kid_go(&target);
		ASSERT_EQ(pipe(p), 0);
		fflush(stdout);
		c = fork();
		ASSERT_GE(c, 0);
		if (!c) {
			close(p[0]);
			caller(target.pid, next(&seed), p[1]);
		}
		close(p[1]);
		/* The caller has its handle: from here on, anything goes. */
		ASSERT_EQ(read(p[0], &ch, 1), 1);
		close(p[0]);
		sleep_ms((int64_t)(next(&seed) % 60));
		/* 0: the caller first; 1: the target first; 2: both at once. */
		if (how != 1)
			kill(c, SIGKILL);
		if (how != 0)
			kill(target.pid, SIGKILL);
		if (how == 1) {
			/* The caller must notice the dead target by itself. */
			st = reap_within(c, 10000);
			EXPECT_NE(st, -1);
			if (st == -1) {
				slow++;
				kill(c, SIGKILL);
				waitpid(c, &st, 0);
			} else {
				EXPECT_TRUE(WIFEXITED(st));
				EXPECT_EQ(WEXITSTATUS(st), 0);
			}
		} else {
			st = reap_within(c, 5000);
			EXPECT_NE(st, -1);	/* SIGKILL is not held up */
			if (st == -1) {
				slow++;
				waitpid(c, &st, 0);
			}
		}
		if (how == 0)
			kill(target.pid, SIGKILL);
		st = reap_within(target.pid, 5000);
		EXPECT_NE(st, -1);
		if (st == -1)
			waitpid(target.pid, &st, 0);
		target.reaped = 1;
		close(target.go);
	}
	EXPECT_EQ(slow, 0u);
	EXPECT_EQ(objects_now(), objects0);
	EXPECT_EQ(steady_param("committed_pages"), committed0);
	EXPECT_EQ(settle_param("resident_pages", resident0), resident0);
}
