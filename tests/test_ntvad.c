// SPDX-License-Identifier: GPL-2.0
/*
 * The ntvad tool (tools/ntvad.c): its --json VADs for this process against
 * the allocations the test made and what NtQueryVirtualMemory says of them
 * (size, type, commit, reservation, working set, locked pages, regions,
 * the write-watch flag, the file of a view),
 * --help and usage errors.
 */
#include "tool_util.h"

static char ntvad[PATH_MAX];

/* The line of the VAD at @base, cut out of @out (which it modifies). */
static char *vad_at(char *out, PVOID base)
{
	char want[64], *obj, *end;

	snprintf(want, sizeof(want), "{\"base\":\"%#lx\"", (unsigned long)(uintptr_t)base);
	obj = strstr(out, want);
	if (!obj)
		return NULL;
	end = strchr(obj, '}');
	if (end)
		end[1] = '\0';
	return obj;
}

/* Pages of [base, base + size) valid in the working set, by the query itself. */
static long long ws_bytes(PVOID base, SIZE_T size)
{
	MEMORY_WORKING_SET_EX_INFORMATION ex[64];
	long long n = 0;

	ASSERT_LE(size / 4096, 64u);
	for (SIZE_T i = 0; i < size / 4096; i++)
		ex[i].VirtualAddress = (char *)base + i * 4096;
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), NULL,
					   MemoryWorkingSetExInformation, ex,
					   size / 4096 * sizeof(ex[0]), NULL), STATUS_SUCCESS);
	for (SIZE_T i = 0; i < size / 4096; i++)
		n += ex[i].VirtualAttributes.Valid;
	return n * 4096;
}

TEST(json_matches_the_allocations)
{
	static char out[1 << 20], copy[1 << 20];
	LARGE_INTEGER max = { .QuadPart = 65536 };
	SIZE_T size = 1 << 20, commit = 65536, vsize = 0, lsize = 8192, wsize = 65536;
	PVOID base = NULL, view = NULL, fview = NULL, lbase, wbase = NULL;
	char pidarg[32], *obj, path[] = "/tmp/ntexec-vad-XXXXXX", want[128];
	long long ws0, ws1, vws0, vws1;
	HANDLE section, fsection, file;
	SIZE_T fsize = 0;
	int fd;

	nt_setup();
	find_tool("ntvad", ntvad);
	/* 1 MiB reserved, 64 KiB committed, 4 pages touched, 2 of them locked. */
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size, MEM_RESERVE,
					      PAGE_READWRITE), STATUS_SUCCESS);
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &commit, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_SUCCESS);
	for (int i = 0; i < 4; i++)
		((volatile char *)base)[i * 4096] = 1;
	lbase = base;
	ASSERT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &lbase, &lsize, MAP_PROCESS),
		      STATUS_SUCCESS);
	/* 64 KiB watched for writes. */
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &wbase, 0, &wsize,
					      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
					      PAGE_READWRITE), STATUS_SUCCESS);
	/* A 64 KiB pagefile view with one page touched. */
	ASSERT_STATUS(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, &max, PAGE_READWRITE,
				      SEC_COMMIT, NULL), STATUS_SUCCESS);
	ASSERT_STATUS(NtMapViewOfSection(section, NtCurrentProcess(), &view, 0, 0, NULL, &vsize,
					 ViewUnmap, 0, PAGE_READWRITE), STATUS_SUCCESS);
	((volatile char *)view)[0] = 1;
	/* A view of a file in /tmp. */
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 8192), 0);
	ASSERT_STATUS(NtxHandleFromFd(fd, MAXIMUM_ALLOWED, &file), STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateSection(&fsection, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE,
				      SEC_COMMIT, file), STATUS_SUCCESS);
	ASSERT_STATUS(NtMapViewOfSection(fsection, NtCurrentProcess(), &fview, 0, 0, NULL,
					 &fsize, ViewUnmap, 0, PAGE_READWRITE), STATUS_SUCCESS);

	snprintf(pidarg, sizeof(pidarg), "%d", getpid());
	ws0 = ws_bytes(base, commit);
	vws0 = ws_bytes(view, 65536);
	{
		char *argv[] = { ntvad, "-j", pidarg, NULL };

		ASSERT_EQ(run_tool(ntvad, out, sizeof(out), argv), 0);
	}
	ws1 = ws_bytes(base, commit);
	vws1 = ws_bytes(view, 65536);
	memcpy(copy, out, sizeof(out));
	ASSERT_EQ(json_num(out, "pid"), getpid());

	obj = vad_at(out, base);
	ASSERT_TRUE(obj != NULL);
	EXPECT_EQ(json_num(obj, "size"), 1 << 20);
	EXPECT_TRUE(strstr(obj, "\"type\":\"private\"") != NULL);
	EXPECT_TRUE(strstr(obj, "\"allocation_protection\":\"PAGE_READWRITE\"") != NULL);
	EXPECT_EQ(json_num(obj, "committed"), 65536);
	EXPECT_EQ(json_num(obj, "reserved"), (1 << 20) - 65536);
	EXPECT_EQ(json_num(obj, "regions"), 2);
	EXPECT_EQ(json_num(obj, "locked"), 8192);
	EXPECT_TRUE(strstr(obj, "\"write_watch\":false") != NULL);
	EXPECT_GE(ws0, 4 * 4096);
	if (ws0 == ws1)	/* nothing trimmed or faulted meanwhile */
		EXPECT_EQ(json_num(obj, "working_set"), ws0);

	memcpy(out, copy, sizeof(out));
	obj = vad_at(out, view);
	ASSERT_TRUE(obj != NULL);
	EXPECT_EQ(json_num(obj, "size"), 65536);
	EXPECT_TRUE(strstr(obj, "\"type\":\"mapped\"") != NULL);
	EXPECT_EQ(json_num(obj, "committed"), 65536);
	EXPECT_EQ(json_num(obj, "reserved"), 0);
	EXPECT_TRUE(strstr(obj, "\"file\":null") != NULL);
	EXPECT_TRUE(strstr(obj, "\"write_watch\":false") != NULL);
	EXPECT_GE(vws0, 4096);
	if (vws0 == vws1)
		EXPECT_EQ(json_num(obj, "working_set"), vws0);

	/* The write-watch allocation says so, as the query does. */
	memcpy(out, copy, sizeof(out));
	obj = vad_at(out, wbase);
	ASSERT_TRUE(obj != NULL);
	EXPECT_TRUE(strstr(obj, "\"write_watch\":true") != NULL);
	EXPECT_TRUE(strstr(obj, "\"type\":\"private\"") != NULL);
	EXPECT_EQ(json_num(obj, "committed"), 65536);
	{
		MEMORY_REGION_INFORMATION mri;

		ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), wbase,
						   MemoryRegionInformationEx, &mri, sizeof(mri),
						   NULL), STATUS_SUCCESS);
		EXPECT_EQ((ULONG)mri.MappedWriteWatch, 1);
	}

	/* A view of a file names the file. */
	memcpy(out, copy, sizeof(out));
	obj = vad_at(out, fview);
	ASSERT_TRUE(obj != NULL);
	snprintf(want, sizeof(want), "\"file\":\"%s\"", path);
	EXPECT_TRUE(strstr(obj, want) != NULL);
	EXPECT_TRUE(strstr(obj, "\"type\":\"mapped\"") != NULL);

	/* The totals count both. */
	memcpy(out, copy, sizeof(out));
	obj = strstr(out, "\"totals\":{\"private\":{");
	ASSERT_TRUE(obj != NULL);
	EXPECT_GE(json_num(obj, "vads"), 1);
	EXPECT_GE(json_num(obj, "committed"), 65536);
	EXPECT_GE(json_num(obj, "reserved"), (1 << 20) - 65536);
	obj = strstr(obj, "\"mapped\":{");
	ASSERT_TRUE(obj != NULL);
	EXPECT_GE(json_num(obj, "committed"), 65536);

	/* Released and unmapped, they are gone from the list. */
	ASSERT_STATUS(NtUnmapViewOfSection(NtCurrentProcess(), view), STATUS_SUCCESS);
	size = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
	{
		char *argv[] = { ntvad, "-j", pidarg, NULL };

		ASSERT_EQ(run_tool(ntvad, out, sizeof(out), argv), 0);
	}
	EXPECT_TRUE(vad_at(out, base) == NULL);
	EXPECT_TRUE(vad_at(out, view) == NULL);
	size = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &wbase, &size, MEM_RELEASE),
		      STATUS_SUCCESS);
	NtClose(section);
	ASSERT_STATUS(NtUnmapViewOfSection(NtCurrentProcess(), fview), STATUS_SUCCESS);
	NtClose(fsection);
	NtClose(file);
	close(fd);
	unlink(path);
}

TEST(text_help_and_usage_errors)
{
	static char out[1 << 20];
	char pidarg[32];

	nt_setup();
	find_tool("ntvad", ntvad);
	snprintf(pidarg, sizeof(pidarg), "%d", getpid());
	{
		char *argv[] = { ntvad, pidarg, NULL };

		ASSERT_EQ(run_tool(ntvad, out, sizeof(out), argv), 0);
		EXPECT_TRUE(strncmp(out, "RANGE", 5) == 0);
		EXPECT_TRUE(strstr(out, " WW ") != NULL);
		EXPECT_TRUE(strstr(out, "\nTOTAL") != NULL);
		EXPECT_TRUE(strstr(out, "\nprivate") != NULL);
	}
	{
		char *argv[] = { ntvad, "--help", NULL };

		EXPECT_EQ(run_tool(ntvad, out, sizeof(out), argv), 0);
		EXPECT_TRUE(strstr(out, "usage:") != NULL);
	}
	{
		char *argv[] = { ntvad, NULL };

		EXPECT_EQ(run_tool(ntvad, out, sizeof(out), argv), 2);
	}
	{
		char *argv[] = { ntvad, "12x", NULL };

		EXPECT_EQ(run_tool(ntvad, out, sizeof(out), argv), 2);
	}
	{
		char *argv[] = { ntvad, "--bogus", pidarg, NULL };

		EXPECT_EQ(run_tool(ntvad, out, sizeof(out), argv), 2);
	}
	{
		/* No such process: pid_max is at most 4194304. */
		char *argv[] = { ntvad, "4194305", NULL };

		EXPECT_EQ(run_tool(ntvad, out, sizeof(out), argv), 1);
	}
}
