// SPDX-License-Identifier: GPL-2.0
/*
 * What events cost: NT process create + exit (a fork()ed child that becomes
 * an NT process and exits, reaped) and demand-zero faults on NT memory,
 * with nobody listening, with a subscriber draining the event stream (a
 * process of its own), and (as root) with the ntexec tracepoints enabled
 * in a tracefs instance.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ntexec/events.h>
#include "bench_util.h"

static double process_cycle(unsigned long n)
{
	double t = now_ns();
	unsigned long i;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			THREAD_BASIC_INFORMATION tbi;

			NtxInitialize();
			NtQueryInformationThread(NtCurrentThread(), ThreadBasicInformation,
						 &tbi, sizeof(tbi), NULL);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			return -1;
	}
	return (now_ns() - t) / n;
}

/* Demand-zero faults: ns per page. */
static double fault_cycle(unsigned long rounds)
{
	SIZE_T size = 16 * MIB;
	double total = 0;
	unsigned long r;

	for (r = 0; r < rounds; r++) {
		PVOID base = NULL;
		SIZE_T sz = size;
		double t;

		if (NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &sz,
					    MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
			return -1;
		t = now_ns();
		touch(base, size);
		total += now_ns() - t;
		sz = 0;
		NtFreeVirtualMemory(NtCurrentProcess(), &base, &sz, MEM_RELEASE);
	}
	return total / (rounds * (size / PAGE));
}

/* A process that drains the event stream until killed; its count on exit. */
static pid_t start_listener(int *ready)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		NTX_EVENT_HANDLE *h;
		NTX_EVENT *e = malloc(sizeof(*e));

		close(p[0]);
		if (!e || NtxEventOpen(NTX_EVENT_GROUP_ALL, 0, &h))
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			NtxEventNext(h, e, -1);
	}
	close(p[1]);
	*ready = read(p[0], &c, 1) == 1;
	close(p[0]);
	return pid;
}

static void stop_listener(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* A tracefs instance with every ntexec event on; "" when not possible. */
static const char *trace_on(char *inst, size_t len)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char p[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(inst, len, "%s/instances/ntexec_bench_%d", roots[i], getpid());
		if (mkdir(inst, 0700))
			continue;
		snprintf(p, sizeof(p), "%s/events/ntexec/enable", inst);
		if (!write_file(p, "1"))
			return inst;
		rmdir(inst);
	}
	return "";
}

static void trace_off(const char *inst)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/events/ntexec/enable", inst);
	write_file(p, "0");
	rmdir(inst);
}

static void line(const char *name, const char *unit, double none, double with)
{
	printf("%s: no listener %.0f ns%s, listener %.0f ns%s, ratio %.3f\n", name, none,
	       unit, with, unit, with / none);
}

int main(int argc, char **argv)
{
	unsigned long np = iters(200), nf = iters(4);
	double p0, p1, p2, f0, f1, ft;
	NTX_EVENT_HANDLE *idle;
	char inst[256];
	const char *tr;
	pid_t l;
	int ok;

	if (bench_start(argc, argv, "bench_events"))
		return 1;
	/* Warm up, then alternate so that drift hits both sides alike. */
	process_cycle(np / 10 + 1);
	fault_cycle(1);
	p0 = process_cycle(np);
	f0 = fault_cycle(nf);
	l = start_listener(&ok);
	if (l < 0 || !ok) {
		printf("bench_events: no listener (NtxEventOpen failed)\n");
		return 1;
	}
	p1 = process_cycle(np);
	f1 = fault_cycle(nf);
	stop_listener(l);
	p0 = (p0 + process_cycle(np)) / 2;
	f0 = (f0 + fault_cycle(nf)) / 2;
	/*
	 * The module's side alone: a subscription nobody reads (its socket
	 * queues the messages), so no listener competes for the CPUs.
	 */
	if (NtxEventOpen(NTX_EVENT_GROUP_ALL, 0, &idle)) {
		printf("bench_events: NtxEventOpen failed\n");
		return 1;
	}
	p2 = process_cycle(np);
	NtxEventClose(idle);
	line("process create+exit", "", p0, p1);
	printf("process create+exit: no listener %.0f ns, subscribed but not reading %.0f ns, "
	       "ratio %.3f\n", p0, p2, p2 / p0);
	line("demand-zero fault", "/page", f0, f1);

	tr = trace_on(inst, sizeof(inst));
	if (*tr) {
		ft = fault_cycle(nf);
		trace_off(tr);
		printf("demand-zero fault: tracepoints off %.0f ns/page, on %.0f ns/page, "
		       "ratio %.3f\n", f0, ft, ft / f0);
	} else {
		printf("demand-zero fault with tracepoints: n/a (needs root and tracefs)\n");
	}
	return 0;
}
