// SPDX-License-Identifier: GPL-2.0
/*
 * The ntps tool (tools/ntps.c): its --json line for this process against
 * what the ioctls say (parent, thread count, handle count, commit, image,
 * job membership), -t's thread list, --help and usage errors.
 */
#include "tool_util.h"

static char ntps[PATH_MAX];

static void *park(void *arg)
{
	int fd = *(int *)arg;
	char c;

	return (void *)(intptr_t)read(fd, &c, 1);
}

TEST(json_matches_the_ioctls)
{
	static char out[1 << 20];
	char pidarg[32], want[64], *obj, *end;
	int p[2], i;
	pthread_t t[2];
	VM_COUNTERS before, after;
	ULONG hc;
	HANDLE h[3];
	PVOID base = NULL;
	SIZE_T size = 1 << 20;

	nt_setup();
	find_tool("ntps", ntps);
	/* Three threads, three handles, 1 MiB of NT commit. */
	ASSERT_EQ(pipe(p), 0);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, park, &p[0]), 0);
	for (i = 0; i < 3; i++)
		ASSERT_STATUS(open_process(&h[i], SYNCHRONIZE, getpid()), STATUS_SUCCESS);
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, &before,
						sizeof(before), NULL), STATUS_SUCCESS);
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessHandleCount, &hc,
						sizeof(hc), NULL), STATUS_SUCCESS);
	snprintf(pidarg, sizeof(pidarg), "%d", getpid());
	{
		char *argv[] = { ntps, "-j", "-t", "-p", pidarg, NULL };

		ASSERT_EQ(run_tool(ntps, out, sizeof(out), argv), 0);
	}
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, &after,
						sizeof(after), NULL), STATUS_SUCCESS);
	snprintf(want, sizeof(want), "{\"pid\":%d,", getpid());
	obj = strstr(out, want);
	ASSERT_TRUE(obj != NULL);
	end = strchr(obj, '\n');
	if (end)
		*end = '\0';
	EXPECT_EQ(out[0], '[');
	EXPECT_EQ(json_num(obj, "parent"), getppid());
	EXPECT_EQ(json_num(obj, "threads"), 3);
	EXPECT_EQ(json_num(obj, "handles"), hc);
	EXPECT_EQ(hc, 3u);
	if (before.PagefileUsage == after.PagefileUsage)
		EXPECT_EQ(json_num(obj, "commit"), (long long)before.PagefileUsage);
	EXPECT_GE(json_num(obj, "commit"), 1 << 20);
	EXPECT_GE(json_num(obj, "peak_working_set"), json_num(obj, "working_set"));
	EXPECT_TRUE(strstr(obj, "\"image\":\"") != NULL && strstr(obj, "test_ntps\"") != NULL);
	EXPECT_TRUE(strstr(obj, "\"job\":false") != NULL);
	/* -t: three threads, this one among them, none suspended. */
	snprintf(want, sizeof(want), "{\"tid\":%d,", getpid());
	EXPECT_TRUE(strstr(obj, want) != NULL);
	EXPECT_TRUE(strstr(obj, "\"suspend_count\":0}") != NULL);
	EXPECT_TRUE(strstr(obj, "\"state\":\"running\"") != NULL);

	ASSERT_EQ(write(p[1], "xx", 2), 2);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 3; i++)
		NtClose(h[i]);
	size = 0;
	NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE);
}

/* "job" says whether NtIsProcessInJob finds the process in a job. */
TEST(json_job_membership)
{
	static char out[1 << 16];
	char pidarg[32], want[64], *obj;
	HANDLE job, kid_h;
	int go[2], st;
	pid_t kid;
	char c;

	nt_setup();
	find_tool("ntps", ntps);
	ASSERT_EQ(pipe(go), 0);
	kid = fork();
	if (kid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	ASSERT_GT(kid, 0);
	ASSERT_STATUS(NtCreateJobObject(&job, JOB_OBJECT_ALL_ACCESS, NULL), STATUS_SUCCESS);
	ASSERT_STATUS(open_process(&kid_h, PROCESS_ALL_ACCESS, kid), STATUS_SUCCESS);
	snprintf(pidarg, sizeof(pidarg), "%d", kid);
	snprintf(want, sizeof(want), "{\"pid\":%d,", kid);
	{
		char *argv[] = { ntps, "-j", "-p", pidarg, NULL };

		ASSERT_EQ(run_tool(ntps, out, sizeof(out), argv), 0);
		obj = strstr(out, want);
		ASSERT_TRUE(obj != NULL);
		EXPECT_TRUE(strstr(obj, "\"job\":false") != NULL);
		ASSERT_STATUS(NtAssignProcessToJobObject(job, kid_h), STATUS_SUCCESS);
		ASSERT_EQ(run_tool(ntps, out, sizeof(out), argv), 0);
		obj = strstr(out, want);
		ASSERT_TRUE(obj != NULL);
		EXPECT_TRUE(strstr(obj, "\"job\":true") != NULL);
	}
	ASSERT_EQ(write(go[1], "g", 1), 1);
	ASSERT_EQ(waitpid(kid, &st, 0), kid);
	NtClose(kid_h);
	NtClose(job);
}

/* Every process object in the list is a complete one. */
TEST(json_list_is_well_formed)
{
	static char out[1 << 20];
	char *argv[] = { ntps, "-j", NULL };
	char *line;
	int n = 0;

	nt_setup();
	find_tool("ntps", ntps);
	ASSERT_EQ(run_tool(ntps, out, sizeof(out), argv), 0);
	ASSERT_EQ(strncmp(out, "[\n", 2), 0);
	ASSERT_TRUE(strstr(out, "\n]\n") != NULL);
	for (line = strtok(out + 2, "\n"); line && strcmp(line, "]"); line = strtok(NULL, "\n")) {
		size_t len = strlen(line);

		n++;
		EXPECT_EQ(line[0], '{');
		EXPECT_TRUE(len >= 2 && (line[len - 1] == '}' ||
					 (line[len - 2] == '}' && line[len - 1] == ',')));
		EXPECT_TRUE(strstr(line, "\"pid\":") && strstr(line, "\"image\":"));
	}
	/* At least init and this process. */
	EXPECT_GE(n, 2);
}

TEST(help_and_usage_errors)
{
	char out[4096];

	find_tool("ntps", ntps);
	{
		char *argv[] = { ntps, "--help", NULL };

		EXPECT_EQ(run_tool(ntps, out, sizeof(out), argv), 0);
		EXPECT_TRUE(strstr(out, "usage:") != NULL);
	}
	{
		char *argv[] = { ntps, "-p", "0", NULL };

		EXPECT_EQ(run_tool(ntps, out, sizeof(out), argv), 2);
	}
	{
		char *argv[] = { ntps, "-x", NULL };

		EXPECT_EQ(run_tool(ntps, out, sizeof(out), argv), 2);
	}
	{
		char *argv[] = { ntps, "extra", NULL };

		EXPECT_EQ(run_tool(ntps, out, sizeof(out), argv), 2);
	}
}
