// SPDX-License-Identifier: GPL-2.0
/*
 * The ntmem tool (tools/ntmem.c): its --json figures against
 * NtQuerySystemInformation and the module's counters (commit as this test
 * changes it, the modified list as this test's pages are trimmed), -e
 * (emptying every working set: root only, refused otherwise), --help and
 * usage errors.
 */
#include "tool_util.h"

static char ntmem[PATH_MAX];

static int ntmem_json(char *out, size_t cap, int empty)
{
	char *argv[] = { ntmem, "--json", empty ? "-e" : NULL, NULL };

	return run_tool(ntmem, out, cap, argv);
}

/* The JSON object after "@key": cut out of @out (which it modifies). */
static char *object(char *out, const char *key)
{
	char pat[64], *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\":{", key);
	p = strstr(out, pat);
	ASSERT_NE(p, NULL);
	end = strchr(p, '}');
	ASSERT_NE(end, NULL);
	end[1] = '\0';
	return p;
}

TEST(json_matches_the_system)
{
	static char out[8192], copy[8192];
	const SIZE_T size = 1 << 20;
	SYSTEM_BASIC_INFORMATION b;
	long long committed;
	long base;
	PVOID p = NULL;
	SIZE_T sz = size;
	int tries;

	nt_setup();
	find_tool("ntmem", ntmem);
	ASSERT_STATUS(NtQuerySystemInformation(SystemBasicInformation, &b, sizeof(b), NULL),
		      STATUS_SUCCESS);
	ASSERT_EQ(ntmem_json(out, sizeof(out), 0), 0);
	EXPECT_EQ(json_num(out, "page_size"), (long long)b.PageSize);
	EXPECT_EQ(json_num(out, "physical_pages"), (long long)b.NumberOfPhysicalPages);
	EXPECT_TRUE(json_num(out, "available_bytes") > 0);
	EXPECT_TRUE(strstr(out, "\"standby_by_priority\":[") != NULL);
	strcpy(copy, out);
	EXPECT_EQ(json_num(object(copy, "lists"), "zeroed"), 0);
	EXPECT_TRUE(json_num(object(strcpy(copy, out), "lists"), "free") > 0);

	/* Commit: 1 MiB more while this allocation lives, as the module counts it. */
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &p, 0, &sz,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	for (tries = 0; tries < 50; tries++) {
		base = steady_param("committed_pages");
		ASSERT_EQ(ntmem_json(out, sizeof(out), 0), 0);
		committed = json_num(object(strcpy(copy, out), "commit"), "committed");
		if (module_param("committed_pages") == base)
			break;
	}
	EXPECT_EQ(committed, base * 4096);
	EXPECT_TRUE(json_num(object(strcpy(copy, out), "commit"), "limit") >= committed);
	EXPECT_TRUE(json_num(object(strcpy(copy, out), "commit"), "peak") >= committed);
	/* Faults: this allocation's 256 demand-zero faults are among them. */
	memset(p, 1, size);
	ASSERT_EQ(ntmem_json(out, sizeof(out), 0), 0);
	EXPECT_TRUE(json_num(object(strcpy(copy, out), "faults"), "demand_zero") >=
		    (long long)(size / 4096));
	EXPECT_TRUE(json_num(object(strcpy(copy, out), "faults"), "total") >=
		    json_num(object(strcpy(copy, out), "faults"), "demand_zero"));
	EXPECT_TRUE(strstr(out, "\"pagefiles\":[") != NULL);
	sz = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &p, &sz, MEM_RELEASE),
		      STATUS_SUCCESS);
	EXPECT_EQ(steady_param("committed_pages"), base - (long)(size / 4096));
}

/*
 * -e: as root every working set is emptied and this test's touched pages
 * show on the modified list; otherwise the tool fails (status 1) and
 * changes nothing.
 */
TEST(empty_working_sets)
{
	static char out[8192];
	const unsigned int n = 64;
	SIZE_T sz = n * 4096;
	volatile char *p = NULL;
	MEMORY_WORKING_SET_EX_INFORMATION ex;
	long long before, after;
	unsigned int i;

	nt_setup();
	find_tool("ntmem", ntmem);
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), (PVOID *)&p, 0, &sz,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	for (i = 0; i < n; i++)
		p[i * 4096] = 1;
	ASSERT_EQ(ntmem_json(out, sizeof(out), 0), 0);
	before = json_num(object(out, "lists"), "modified");
	ex.VirtualAddress = (PVOID)(p + 4096);
	if (ntt_unprivileged()) {
		EXPECT_EQ(ntmem_json(out, sizeof(out), 1), 1);
		ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), NULL,
						   MemoryWorkingSetExInformation, &ex, sizeof(ex),
						   NULL), STATUS_SUCCESS);
		EXPECT_EQ(ex.VirtualAttributes.Flags & 1, 1ull);
	} else {
		ASSERT_EQ(ntmem_json(out, sizeof(out), 1), 0);
		after = json_num(object(out, "lists"), "modified");
		EXPECT_TRUE(after >= before + n);
		ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), NULL,
						   MemoryWorkingSetExInformation, &ex, sizeof(ex),
						   NULL), STATUS_SUCCESS);
		EXPECT_EQ(ex.VirtualAttributes.Flags & 1, 0ull);
	}
	EXPECT_EQ(p[4096], 1);
	sz = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), (PVOID *)&p, &sz, MEM_RELEASE),
		      STATUS_SUCCESS);
}

TEST(text_help_and_usage_errors)
{
	static char out[8192];

	nt_setup();
	find_tool("ntmem", ntmem);
	{
		char *argv[] = { ntmem, NULL };

		ASSERT_EQ(run_tool(ntmem, out, sizeof(out), argv), 0);
		EXPECT_TRUE(strstr(out, "Physical memory") != NULL);
		EXPECT_TRUE(strstr(out, "Modified") != NULL);
		EXPECT_TRUE(strstr(out, "Committed") != NULL);
	}
	{
		char *argv[] = { ntmem, "--help", NULL };

		EXPECT_EQ(run_tool(ntmem, out, sizeof(out), argv), 0);
		EXPECT_TRUE(strstr(out, "--empty-working-sets") != NULL);
	}
	{
		char *argv[] = { ntmem, "--bogus", NULL };

		EXPECT_EQ(run_tool(ntmem, out, sizeof(out), argv), 2);
	}
	{
		char *argv[] = { ntmem, "extra", NULL };

		EXPECT_EQ(run_tool(ntmem, out, sizeof(out), argv), 2);
	}
}
