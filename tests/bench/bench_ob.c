// SPDX-License-Identifier: GPL-2.0
/*
 * Object-manager figures against native Linux, in the same run:
 *  - NtClose(NtCurrentProcess()), the ioctl floor (a copy-in and nothing
 *    else), vs getppid()
 *  - NtClose of a fresh duplicate (a trivial ioctl round trip) vs getppid()
 *  - NtDuplicateObject(NtCurrentProcess()) + NtClose of the duplicate vs two
 *    getppid()
 *  - NtWaitForSingleObject on an exited process vs waitid() on its pidfd
 *  - NtOpenProcess + NtClose vs pidfd_open() + close()
 * Prints figures; it is not a test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ntexec/nt.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void report(const char *what, double nt, const char *native, double lin)
{
	printf("%-44s %9.0f ns   %-28s %9.0f ns   ratio %.2f\n", what, nt, native, lin,
	       nt / lin);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000, i;
	HANDLE *dups, child;
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid;
	double t0, t_nt, t_lin;
	LARGE_INTEGER zero = { .QuadPart = 0 };
	siginfo_t si;
	pid_t pid;
	int pidfd;

	if (!NT_SUCCESS(NtxInitialize())) {
		fprintf(stderr, "bench_ob: /dev/ntexec is not available\n");
		return 1;
	}
	dups = calloc(n, sizeof(*dups));
	if (!dups)
		return 1;
	printf("object manager, %d iterations each (ns per operation)\n", n);

	t0 = now_ns();
	for (i = 0; i < n; i++)
		NtClose(NtCurrentProcess());
	t_nt = (now_ns() - t0) / n;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	t_lin = (now_ns() - t0) / n;
	report("NtClose(NtCurrentProcess())", t_nt, "getppid()", t_lin);

	for (i = 0; i < n; i++)
		if (NtDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NtCurrentProcess(),
				      &dups[i], 0, 0, DUPLICATE_SAME_ACCESS))
			return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		NtClose(dups[i]);
	t_nt = (now_ns() - t0) / n;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	t_lin = (now_ns() - t0) / n;
	report("NtClose (fresh duplicate)", t_nt, "getppid()", t_lin);

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (NtDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NtCurrentProcess(),
				      &dups[0], 0, 0, DUPLICATE_SAME_ACCESS))
			return 1;
		NtClose(dups[0]);
	}
	t_nt = (now_ns() - t0) / n;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		syscall(SYS_getppid);
		syscall(SYS_getppid);
	}
	t_lin = (now_ns() - t0) / n;
	report("NtDuplicateObject + NtClose", t_nt, "2 x getppid()", t_lin);

	pid = fork();
	if (!pid)
		_exit(3);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	cid.UniqueProcess = (HANDLE)(uintptr_t)pid;
	cid.UniqueThread = NULL;
	if (pidfd < 0 || NtOpenProcess(&child, SYNCHRONIZE, &oa, &cid))
		return 1;
	waitid(P_PIDFD, pidfd, &si, WEXITED | WNOWAIT);
	NtWaitForSingleObject(child, FALSE, NULL);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		NtWaitForSingleObject(child, FALSE, &zero);
	t_nt = (now_ns() - t0) / n;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		waitid(P_PIDFD, pidfd, &si, WEXITED | WNOWAIT | WNOHANG);
	t_lin = (now_ns() - t0) / n;
	report("NtWaitForSingleObject (exited process)", t_nt, "waitid(P_PIDFD, WNOHANG)", t_lin);

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		HANDLE h;

		NtOpenProcess(&h, SYNCHRONIZE, &oa, &cid);
		NtClose(h);
	}
	t_nt = (now_ns() - t0) / n;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		close(syscall(SYS_pidfd_open, pid, 0));
	t_lin = (now_ns() - t0) / n;
	report("NtOpenProcess(SYNCHRONIZE) + NtClose", t_nt, "pidfd_open() + close()", t_lin);

	NtClose(child);
	waitpid(pid, NULL, 0);
	free(dups);
	return 0;
}
