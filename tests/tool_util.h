/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests of the tools (tools/) share: finding a tool next to the
 * tests, running it, reading a number from its JSON.
 */
#ifndef NTEXEC_TEST_TOOL_UTIL_H
#define NTEXEC_TEST_TOOL_UTIL_H

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nt_util.h"

/* build/tools/@name, next to build/tests/, into @path; skip without it. */
static inline void find_tool(const char *name, char path[PATH_MAX])
{
	char self[PATH_MAX];
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", self, PATH_MAX - 1);

	ASSERT_GT(n, 0);
	self[n] = '\0';
	snprintf(path, PATH_MAX, "%s/../tools/%s", dirname(self), name);
	/* Not access(): it checks the real ids, which may not search a build under /root. */
	if (stat(path, &st) || !(st.st_mode & S_IXOTH))
		SKIP("no build/tools/%s (make tools)", name);
}

/* Run @tool with @argv; its stdout in @out (stderr dropped); its exit status. */
static inline int run_tool(const char *tool, char *out, size_t cap, char *const argv[])
{
	int o[2], st;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(pipe(o), 0);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(o[1], 1);
		dup2(null, 2);	/* usage errors: only the status counts */
		close(o[0]);
		execv(tool, argv);
		_exit(127);
	}
	close(o[1]);
	while (len < cap - 1 && (n = read(o[0], out + len, cap - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(o[0]);
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The number after "@key": in @obj, or -2. */
static inline long long json_num(const char *obj, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(obj, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -2;
}

#endif /* NTEXEC_TEST_TOOL_UTIL_H */
