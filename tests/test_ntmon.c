// SPDX-License-Identifier: GPL-2.0
/*
 * The ntmon tool (tools/ntmon.c): its --json output about a child against
 * what the ioctls say of the same process (ProcessTimes, the exit status),
 * a working-set trim of this process, its --help and its usage errors.
 */
#include "tool_util.h"

static char ntmon[PATH_MAX];

/* Run ntmon with @argv; its stdout and stderr as pipes. */
static pid_t spawn(char *const argv[], int *out, int *err)
{
	int o[2], e[2];
	pid_t pid;

	ASSERT_EQ(pipe(o), 0);
	ASSERT_EQ(pipe(e), 0);
	pid = fork();
	if (pid == 0) {
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		execv(ntmon, argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	*out = o[0];
	*err = e[0];
	return pid;
}

/* Read @fd to its end into @buf. */
static size_t slurp(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return len;
}

TEST(json_matches_the_ioctls)
{
	char out[8192], err[256], pidarg[32], *line2;
	int go[2], fo, fe, st;
	KERNEL_USER_TIMES times;
	pid_t kid, mon;
	HANDLE h;
	char c;

	nt_setup();
	find_tool("ntmon", ntmon);
	ASSERT_EQ(pipe(go), 0);
	kid = fork();
	if (kid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(7);
	}
	close(go[0]);
	snprintf(pidarg, sizeof(pidarg), "%d", kid);
	{
		char *argv[] = { ntmon, "-j", "-v", "-t", "process", "-n", "2", "-T", "30000",
				 "-p", pidarg, NULL };

		mon = spawn(argv, &fo, &fe);
	}
	/* "ntmon: listening" once it has subscribed. */
	{
		size_t n = 0;

		while (n < sizeof(err) - 1 && read(fe, err + n, 1) == 1 && err[n] != '\n')
			n++;
		err[n] = '\0';
		ASSERT_TRUE(strstr(err, "listening") != NULL);
	}
	/* The parent adopts the child: it is the creator. */
	ASSERT_STATUS(open_process(&h, SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, kid),
		      STATUS_SUCCESS);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	ASSERT_STATUS(NtWaitForSingleObject(h, FALSE, NULL), STATUS_WAIT_0);
	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessTimes, &times, sizeof(times), NULL),
		      STATUS_SUCCESS);
	slurp(fo, out, sizeof(out));
	close(fe);
	ASSERT_EQ(waitpid(mon, &st, 0), mon);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_EQ(waitpid(kid, &st, 0), kid);

	line2 = strchr(out, '\n');
	ASSERT_TRUE(line2 != NULL);
	*line2++ = '\0';
	EXPECT_TRUE(strstr(out, "\"type\":\"process_create\"") != NULL);
	EXPECT_EQ(json_num(out, "pid"), kid);
	EXPECT_EQ(json_num(out, "parent"), getpid());
	EXPECT_EQ(json_num(out, "creator_pid"), getpid());
	EXPECT_EQ(json_num(out, "time"), times.CreateTime.QuadPart);
	EXPECT_TRUE(strstr(out, "test_ntmon") != NULL);
	EXPECT_TRUE(strstr(line2, "\"type\":\"process_exit\"") != NULL);
	EXPECT_EQ(json_num(line2, "pid"), kid);
	EXPECT_EQ(json_num(line2, "status"), 7);
	EXPECT_EQ(json_num(line2, "time"), times.ExitTime.QuadPart);
	EXPECT_EQ(json_num(line2, "dropped"), 0);
	NtClose(h);
}

/* Emptying this process's working set shows as one ws_trim line. */
TEST(json_shows_working_set_trims)
{
	char out[4096], err[256], pidarg[32];
	SIZE_T size = 8 * 4096;
	PVOID base = NULL;
	int fo, fe, st;
	QUOTA_LIMITS q;
	pid_t mon;

	nt_setup();
	find_tool("ntmon", ntmon);
	snprintf(pidarg, sizeof(pidarg), "%d", getpid());
	{
		char *argv[] = { ntmon, "-j", "-v", "-t", "memory", "-n", "1", "-T", "30000",
				 "-p", pidarg, NULL };

		mon = spawn(argv, &fo, &fe);
	}
	{
		size_t n = 0;

		while (n < sizeof(err) - 1 && read(fe, err + n, 1) == 1 && err[n] != '\n')
			n++;
		err[n] = '\0';
		ASSERT_TRUE(strstr(err, "listening") != NULL);
	}
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	memset(base, 1, size);
	memset(&q, 0, sizeof(q));
	q.MinimumWorkingSetSize = (SIZE_T)-1;
	q.MaximumWorkingSetSize = (SIZE_T)-1;
	ASSERT_STATUS(NtSetInformationProcess(NtCurrentProcess(), ProcessQuotaLimits, &q,
					      sizeof(q)), STATUS_SUCCESS);
	slurp(fo, out, sizeof(out));
	close(fe);
	ASSERT_EQ(waitpid(mon, &st, 0), mon);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_TRUE(strstr(out, "\"type\":\"ws_trim\"") != NULL);
	EXPECT_EQ(json_num(out, "pid"), getpid());
	EXPECT_GE(json_num(out, "trimmed"), 4096);
	EXPECT_EQ(json_num(out, "trimmed") % 4096, 0);
	EXPECT_GE(json_num(out, "working_set"), 0);
	size = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
}

TEST(help_and_usage_errors)
{
	static const char *const bad[][3] = {
		{ "-t", "bogus", NULL }, { "-p", "0", NULL }, { "-p", "x1", NULL },
		{ "-n", "-1", NULL }, { "extra", NULL, NULL },
	};
	char out[4096];
	int fo, fe, st;
	size_t i;
	pid_t p;

	find_tool("ntmon", ntmon);
	{
		char *argv[] = { ntmon, "--help", NULL };

		p = spawn(argv, &fo, &fe);
	}
	slurp(fo, out, sizeof(out));
	close(fe);
	ASSERT_EQ(waitpid(p, &st, 0), p);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_TRUE(strstr(out, "usage:") != NULL && strstr(out, "--json") != NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { ntmon, (char *)bad[i][0], (char *)bad[i][1], NULL };

		p = spawn(argv, &fo, &fe);
		slurp(fo, out, sizeof(out));
		slurp(fe, out, sizeof(out));	/* not closed early: no SIGPIPE */
		ASSERT_EQ(waitpid(p, &st, 0), p);
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	}
}
