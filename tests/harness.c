// SPDX-License-Identifier: GPL-2.0
/*
 * The runner behind tests/harness.h: forks one child per test, applies the
 * timeout, prints TAP and the closing counts.
 *
 * Coverage (`make coverage`, scripts/coverage.sh): with NTEXEC_TEST_KCOV=FILE
 * each test's process collects the kernel PCs its main thread reaches with
 * kcov; a helper process (not the test's child: a grandchild of the test,
 * reparented, so no wait() of the test sees it) empties the kcov buffer as
 * it fills, and appends the distinct PCs to FILE once the test's process is
 * gone. Threads and child processes of the test are not followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcov.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ntexec/nt.h>
#include "harness.h"

#define NTT_SKIP_EXIT 4

static struct ntt_test *tests, **tail = &tests;
static int failed_in_child;

void ntt_register(struct ntt_test *t)
{
	*tail = t;
	tail = &t->next;
}

void ntt_fail(void)
{
	failed_in_child = 1;
}

void ntt_skip(const char *why)
{
	printf("# SKIP %s\n", why);
	fflush(stdout);
	_exit(NTT_SKIP_EXIT);
}

uint64_t ntt_seed(void)
{
	const char *s = getenv("NTEXEC_TEST_SEED");

	return s ? strtoull(s, NULL, 0) | 1 : 0x9E3779B97F4A7C15ull;
}

int ntt_unprivileged(void)
{
	return geteuid() != 0;
}

int ntt_long(void)
{
	const char *s = getenv("NTEXEC_LONG");

	return s && !strcmp(s, "1");
}

static int wanted(struct ntt_test *t, int argc, char **argv)
{
	int i, any = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			any = 1;
			if (!strcmp(argv[++i], t->name))
				return 1;
		}
	}
	return !any;
}

#define KCOV_WORDS	(1u << 20)
#define KCOV_SET	(1u << 17)

/* The helper: drain the buffer of the test's process until it is gone. */
static void kcov_drain(_Atomic uint64_t *area, pid_t test, const char *file)
{
	uint64_t *set = calloc(KCOV_SET, sizeof(*set)), n, pc, h;
	int pfd = (int)syscall(SYS_pidfd_open, test, 0), done = 0, out;
	FILE *f;

	if (!set || pfd < 0)
		_exit(1);
	while (!done) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };

		done = poll(&p, 1, 5) > 0;
		n = atomic_load(&area[0]);
		if (n > KCOV_WORDS - 1)
			n = KCOV_WORDS - 1;
		for (uint64_t i = 1; i <= n; i++) {
			pc = atomic_load_explicit(&area[i], memory_order_relaxed);
			for (h = (pc * 0x9e3779b97f4a7c15ull >> 40) % KCOV_SET;
			     pc && set[h] && set[h] != pc; h = (h + 1) % KCOV_SET)
				;
			if (pc)
				set[h] = pc;
		}
		/*
		 * Empty the buffer unless the kernel added to it meanwhile (then
		 * read it again): at most a PC being written as it is read is
		 * missed.
		 */
		atomic_compare_exchange_strong(&area[0], &n, 0);
	}
	out = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (out < 0 || flock(out, LOCK_EX) || !(f = fdopen(out, "a")))
		_exit(1);
	for (h = 0; h < KCOV_SET; h++)
		if (set[h])
			fprintf(f, "0x%llx\n", (unsigned long long)set[h]);
	fclose(f);
	_exit(0);
}

/* In the test's process, before the test: its main thread's coverage. */
static void kcov_start(const char *file)
{
	pid_t test = getpid(), pid;
	void *area;
	int fd, st;

	fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KCOV_INIT_TRACE, KCOV_WORDS)) {
		perror("# NTEXEC_TEST_KCOV: kcov");
		return;
	}
	area = mmap(NULL, KCOV_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (area == MAP_FAILED) {
		perror("# NTEXEC_TEST_KCOV: mmap");
		return;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			int null = open("/dev/null", O_RDWR);

			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			/* Nothing of the test's but the buffer (the mapping). */
			syscall(SYS_close_range, 3, ~0u, 0);
			kcov_drain(area, test, file);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		perror("# NTEXEC_TEST_KCOV: KCOV_ENABLE");
}

static void at_exit_status(void)
{
	/* An EXPECT_* failure without a later ASSERT_* still fails the test. */
	if (failed_in_child)
		_exit(1);
}

int main(int argc, char **argv)
{
	int n = 0, passed = 0, failed = 0, skipped = 0, i;
	struct ntt_test *t;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l")) {
			for (t = tests; t; t = t->next)
				printf("%s\n", t->name);
			return 0;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	for (t = tests; t; t = t->next) {
		int status;
		pid_t pid;

		if (!wanted(t, argc, argv))
			continue;
		n++;
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (!pid) {
			const char *kcov = getenv("NTEXEC_TEST_KCOV");

			if (kcov && *kcov)
				kcov_start(kcov);
			atexit(at_exit_status);
			alarm(t->timeout);
			t->fn();
			exit(failed_in_child);
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			printf("ok %d %s\n", n, t->name);
			passed++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == NTT_SKIP_EXIT) {
			printf("ok %d %s # SKIP\n", n, t->name);
			skipped++;
		} else {
			if (WIFSIGNALED(status))
				printf("# %s: killed by signal %d%s\n", t->name,
				       WTERMSIG(status),
				       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
			printf("not ok %d %s\n", n, t->name);
			failed++;
		}
	}
	printf("1..%d\n", n);
	printf("# %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
