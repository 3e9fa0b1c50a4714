// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs, measured: fork + exit + waitpid of a child inside a job (so the
 * fork probe puts it in the job and its exit takes it out, with a port
 * that gets its messages) against the same outside any job; the cost of
 * NtAssignProcessToJobObject; NtAllocateVirtualMemory + free (commit and
 * release of 64 KiB) in a job with process and job memory limits, where
 * every commit is checked against them, and in a job without limits,
 * against outside any job (rounds interleaved, each in a fresh forked
 * process, best round of each kept); how long after passing a
 * per-process user-time limit a spinning member ends; and, as root, the
 * assignment to a job backed by a cgroup v2 directory against writing the
 * same pids to that cgroup's cgroup.procs.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ntexec/nt.h>
#include "bench_util.h"

static double fork_wait(unsigned long n)
{
	double t0 = now_ns();
	unsigned long i;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (!pid)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	return (now_ns() - t0) / n;
}

static double alloc_free(unsigned long n)
{
	double t0 = now_ns();
	unsigned long i;

	for (i = 0; i < n; i++) {
		PVOID base = NULL;
		SIZE_T size = 65536;

		NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
		size = 0;
		NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
	}
	return (now_ns() - t0) / n;
}

/*
 * alloc_free() in a forked child: in @job when given (this process assigns
 * it: a child has none of its parent's handles), or in no job.
 * Return: ns per pair, or -1.
 */
static double alloc_free_in(HANDLE job, unsigned long n)
{
	double r = -1;
	int pfd[2], go[2];
	pid_t pid;
	char c = 0;

	if (pipe(pfd) || pipe(go))
		return -1;
	pid = fork();
	if (!pid) {
		double t;

		if (read(go[0], &c, 1) != 1 || c)
			_exit(1);
		alloc_free(n / 10);	/* warm: the space, the caches */
		t = alloc_free(n);
		if (write(pfd[1], &t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	close(go[0]);
	if (job) {
		OBJECT_ATTRIBUTES oa;
		CLIENT_ID cid = { (HANDLE)(uintptr_t)pid, 0 };
		HANDLE h;

		InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
		c = NtOpenProcess(&h, PROCESS_ALL_ACCESS, &oa, &cid) ||
		    NtAssignProcessToJobObject(job, h);
		if (!c)
			NtClose(h);
	}
	if (write(go[1], &c, 1) != 1 || read(pfd[0], &r, sizeof(r)) != sizeof(r))
		r = -1;
	close(go[1]);
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	return r;
}

static double best(double a, double b)
{
	return a < 0 ? b : b < 0 || a < b ? a : b;
}

/*
 * n sleepers forked and opened first, then all assigned in one timed
 * stretch: the VM's clock may be too coarse for one call.
 */
static double assign_cost(HANDLE job, unsigned long n)
{
	pid_t *pids = calloc(n, sizeof(*pids));
	HANDLE *hs = calloc(n, sizeof(*hs));
	unsigned long i, opened = 0;
	double t0, t;

	if (!pids || !hs)
		return -1;
	for (i = 0; i < n; i++) {
		OBJECT_ATTRIBUTES oa;
		CLIENT_ID cid = { 0 };

		pids[i] = fork();
		if (!pids[i]) {
			pause();
			_exit(0);
		}
		InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
		cid.UniqueProcess = (HANDLE)(uintptr_t)pids[i];
		if (!NtOpenProcess(&hs[opened], PROCESS_ALL_ACCESS, &oa, &cid))
			opened++;
	}
	t0 = now_ns();
	for (i = 0; i < opened; i++)
		NtAssignProcessToJobObject(job, hs[i]);
	t = now_ns() - t0;
	for (i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	for (i = 0; i < opened; i++)
		NtClose(hs[i]);
	free(pids);
	free(hs);
	return opened ? t / opened : -1;
}

/* n sleepers, forked; kill_all() ends them. */
static pid_t *sleepers(unsigned long n)
{
	pid_t *pids = calloc(n, sizeof(*pids));
	unsigned long i;

	for (i = 0; pids && i < n; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			pause();
			_exit(0);
		}
	}
	return pids;
}

static void kill_all(pid_t *pids, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	free(pids);
}

/* Linux alone: n pids written to @dir's cgroup.procs, one write each. */
static double cgroup_write_cost(const char *dir, unsigned long n)
{
	pid_t *pids = sleepers(n);
	char path[256], buf[16];
	unsigned long i, done = 0;
	double t0, t;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY);
	if (!pids || fd < 0) {
		if (pids)
			kill_all(pids, n);
		return -1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof(buf), "%d\n", pids[i]);

		done += write(fd, buf, len) == len;
	}
	t = now_ns() - t0;
	close(fd);
	kill_all(pids, n);
	return done == n ? t / n : -1;
}

/* The same moves through NtAssignProcessToJobObject of a backed job. */
static double cgroup_assign_cost(const char *dir, unsigned long n)
{
	JOBOBJECT_NTX_CGROUP_INFORMATION c = { .CgroupFd = open(dir, O_RDONLY | O_DIRECTORY) };
	double cost = -1;
	HANDLE job;

	if (c.CgroupFd < 0)
		return -1;
	if (!NtCreateJobObject(&job, JOB_OBJECT_ALL_ACCESS, NULL)) {
		if (!NtSetInformationJobObject(job, JobObjectNtxCgroupInformation, &c, sizeof(c)))
			cost = assign_cost(job, n);
		NtClose(job);
	}
	close((int)c.CgroupFd);
	return cost;
}

/* User time a spinning member ran past a 50 ms user-time limit. */
static double time_limit_delay(void)
{
	JOBOBJECT_BASIC_LIMIT_INFORMATION l = { 0 };
	struct rusage ru;
	HANDLE job;
	pid_t pid;
	int st;

	if (NtCreateJobObject(&job, JOB_OBJECT_ALL_ACCESS, NULL))
		return -1;
	l.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_TIME;
	l.PerProcessUserTimeLimit.QuadPart = 50 * 10000LL;
	NtSetInformationJobObject(job, JobObjectBasicLimitInformation, &l, sizeof(l));
	pid = fork();
	if (!pid) {
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	{
		OBJECT_ATTRIBUTES oa;
		CLIENT_ID cid = { (HANDLE)(uintptr_t)pid, 0 };
		HANDLE p;

		InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
		NtOpenProcess(&p, PROCESS_ALL_ACCESS, &oa, &cid);
		NtAssignProcessToJobObject(job, p);
		NtClose(p);
	}
	wait4(pid, &st, 0, &ru);
	NtClose(job);
	return ru.ru_utime.tv_sec * 1e9 + ru.ru_utime.tv_usec * 1e3 - 50e6;
}

int main(int argc, char **argv)
{
	unsigned long n = iters(200), m = iters(2000);
	double out_fork, in_fork, out_alloc = -1, in_alloc = -1, lim_alloc = -1, assign, delay;
	double cg_write = -1, cg_assign = -1;
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext = { 0 };
	HANDLE job, port, plain, limited;
	int r;
	int ret = bench_start(argc, argv, "bench_job");

	if (ret)
		return ret;
	if (NtCreateJobObject(&job, JOB_OBJECT_ALL_ACCESS, NULL) ||
	    NtCreateIoCompletion(&port, IO_COMPLETION_ALL_ACCESS, NULL, 0))
		return 1;
	{
		JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = { NULL, port };

		NtSetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a,
					  sizeof(a));
	}
	if (NtCreateJobObject(&plain, JOB_OBJECT_ALL_ACCESS, NULL) ||
	    NtCreateJobObject(&limited, JOB_OBJECT_ALL_ACCESS, NULL))
		return 1;
	ext.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_MEMORY |
					       JOB_OBJECT_LIMIT_JOB_MEMORY;
	ext.ProcessMemoryLimit = 1ull << 30;
	ext.JobMemoryLimit = 1ull << 30;
	if (NtSetInformationJobObject(limited, JobObjectExtendedLimitInformation, &ext,
				      sizeof(ext)))
		return 1;
	assign = assign_cost(job, iters(200));
	delay = time_limit_delay();
	for (r = 0; r < 5; r++) {
		out_alloc = best(out_alloc, alloc_free_in(NULL, m));
		lim_alloc = best(lim_alloc, alloc_free_in(limited, m));
		in_alloc = best(in_alloc, alloc_free_in(plain, m));
	}
	if (!geteuid()) {
		char dir[64];

		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/ntx-bench-%d", getpid());
		if (!mkdir(dir, 0755)) {
			for (r = 0; r < 3; r++) {
				cg_write = best(cg_write, cgroup_write_cost(dir, iters(200)));
				cg_assign = best(cg_assign, cgroup_assign_cost(dir, iters(200)));
			}
			rmdir(dir);
		}
	}
	out_fork = fork_wait(n);
	if (NtAssignProcessToJobObject(job, NtCurrentProcess()))
		return 1;
	in_fork = fork_wait(n);

	report("fork+exit+waitpid in a job (with a port) vs outside", in_fork, out_fork);
	report("NtAllocateVirtualMemory+free 64 KiB, job with memory limits vs no job",
	       lim_alloc, out_alloc);
	report("NtAllocateVirtualMemory+free 64 KiB, job without limits vs no job",
	       in_alloc, out_alloc);
	report_na("NtAssignProcessToJobObject", assign, "no Linux call does this");
	if (cg_write > 0 && cg_assign > 0)
		report("NtAssignProcessToJobObject, job backed by a cgroup vs write(cgroup.procs)",
		       cg_assign, cg_write);
	else
		printf("cgroup-backed assignment: not measured (needs root and cgroup v2)\n");
	printf("per-process time limit 50 ms: the spinner ran %.1f ms of user time past it "
	       "(the job samples every 10 ms)\n", delay / 1e6);
	return 0;
}
