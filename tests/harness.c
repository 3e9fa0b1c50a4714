// SPDX-License-Identifier: GPL-2.0
/*
 * The runner behind tests/harness.h: forks one child per test, applies the
 * timeout, prints TAP and the closing counts.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
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
