// SPDX-License-Identifier: GPL-2.0
/*
 * NtCreateProcessEx without a section: an empty process built from nothing
 * (a PEB, no memory of ours at the addresses PE images want, code written
 * into it, a thread started in it, its exit status), handle inheritance,
 * termination, bad arguments, and the claim's rules.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "nt_util.h"
#include "uapi/ntexec.h"

#define PEB_OS_MAJOR_VERSION	0x118
#define PEB_OS_BUILD_NUMBER	0x120

/* x86_64: mov $0xC0DE1234, %eax; ret */
static const uint8_t ret_status[] = { 0xb8, 0x34, 0x12, 0xde, 0xc0, 0xc3 };

static HANDLE create_empty(ULONG flags)
{
	HANDLE p = NULL;

	ASSERT_STATUS(NtCreateProcessEx(&p, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), flags,
					NULL, NULL, NULL, 0), STATUS_SUCCESS);
	return p;
}

static void reap(HANDLE p, int code)
{
	PROCESS_BASIC_INFORMATION pbi = basic_info(p);
	pid_t pid = (pid_t)(uintptr_t)pbi.UniqueProcessId;
	int st;

	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), code);
}

TEST(empty_process_built_from_nothing)
{
	static const uint64_t wanted[] = { 0x140000000ull, 0x400000ull, 0x10000000ull };
	PROCESS_BASIC_INFORMATION pbi;
	MEMORY_BASIC_INFORMATION mbi;
	PVOID code = (PVOID)0x140000000ull;
	SIZE_T size = 65536, done = 0;
	uint32_t major = 0;
	uint16_t build = 0;
	HANDLE p, t;
	unsigned int i;

	nt_setup();
	p = create_empty(0);
	pbi = basic_info(p);
	EXPECT_EQ(pbi.ExitStatus, STATUS_PENDING);
	EXPECT_NE(pbi.PebBaseAddress, NULL);
	EXPECT_EQ((uint64_t)(uintptr_t)pbi.InheritedFromUniqueProcessId, (uint64_t)getpid());
	ASSERT_STATUS(NtReadVirtualMemory(p, (char *)pbi.PebBaseAddress + PEB_OS_MAJOR_VERSION,
					  &major, sizeof(major), &done), STATUS_SUCCESS);
	EXPECT_EQ(major, 10u);
	ASSERT_STATUS(NtReadVirtualMemory(p, (char *)pbi.PebBaseAddress + PEB_OS_BUILD_NUMBER,
					  &build, sizeof(build), &done), STATUS_SUCCESS);
	EXPECT_EQ(build, 19045);
	/* Nothing of the host is where images go. */
	for (i = 0; i < 3; i++) {
		memset(&mbi, NTT_POISON, sizeof(mbi));
		ASSERT_STATUS(NtQueryVirtualMemory(p, (PVOID)(uintptr_t)wanted[i],
						   MemoryBasicInformation, &mbi, sizeof(mbi),
						   NULL), STATUS_SUCCESS);
		EXPECT_EQ(mbi.State, (ULONG)MEM_FREE);
	}
	/* Code at an image's base, a thread to run it, its status the process's. */
	ASSERT_STATUS(NtAllocateVirtualMemory(p, &code, 0, &size, MEM_RESERVE | MEM_COMMIT,
					      PAGE_EXECUTE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ((uint64_t)(uintptr_t)code, 0x140000000ull);
	ASSERT_STATUS(NtWriteVirtualMemory(p, code, (PVOID)ret_status, sizeof(ret_status), &done),
		      STATUS_SUCCESS);
	ASSERT_STATUS(NtCreateThreadEx(&t, THREAD_ALL_ACCESS, NULL, p,
				       (PUSER_THREAD_START_ROUTINE)code, NULL, 0, 0, 0, 0, NULL),
		      STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(t, 5000), STATUS_SUCCESS);
	EXPECT_EQ((uint32_t)thread_info(t).ExitStatus, 0xC0DE1234u);
	ASSERT_STATUS(wait_ms(p, 5000), STATUS_SUCCESS);
	EXPECT_EQ((uint32_t)exit_status(p), 0xC0DE1234u);
	reap(p, 0x34);
	xclose(t);
	xclose(p);
}

TEST(inherit_handles)
{
	HANDLE keep, skip, p, got;

	nt_setup();
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NtCurrentProcess(),
					&keep, PROCESS_QUERY_LIMITED_INFORMATION, OBJ_INHERIT, 0),
		      STATUS_SUCCESS);
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), NtCurrentProcess(), NtCurrentProcess(),
					&skip, PROCESS_QUERY_LIMITED_INFORMATION, 0, 0),
		      STATUS_SUCCESS);
	p = create_empty(PROCESS_CREATE_FLAGS_INHERIT_HANDLES);
	EXPECT_EQ(handle_count(p), 1u);
	/* The inheritable one is there, at the same value, with its access. */
	ASSERT_STATUS(NtDuplicateObject(p, keep, NtCurrentProcess(), &got, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	EXPECT_EQ(basic_info(got).UniqueProcessId, (HANDLE)(uintptr_t)getpid());
	xclose(got);
	EXPECT_STATUS(NtDuplicateObject(p, skip, NtCurrentProcess(), &got, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_INVALID_HANDLE);
	ASSERT_STATUS(NtTerminateProcess(p, 0x77), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(p, 5000), STATUS_SUCCESS);
	EXPECT_EQ(exit_status(p), 0x77);
	xclose(p);

	/* Without the flag, nothing. */
	p = create_empty(0);
	EXPECT_EQ(handle_count(p), 0u);
	ASSERT_STATUS(NtTerminateProcess(p, 1), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(p, 5000), STATUS_SUCCESS);
	xclose(p);
	xclose(keep);
	xclose(skip);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

TEST(create_process_bad_arguments)
{
	struct ntexec_claim_host claim = { .pid = 1, .access = PROCESS_ALL_ACCESS };
	HANDLE p = (HANDLE)0x1234, section = (HANDLE)0x18;

	nt_setup();
	EXPECT_STATUS(NtCreateProcessEx(NULL, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0, NULL,
					NULL, NULL, 0), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtCreateProcessEx(&p, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0x100,
					NULL, NULL, NULL, 0), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtCreateProcessEx(&p, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0,
					section, NULL, NULL, 0), STATUS_NOT_SUPPORTED);
	EXPECT_EQ(p, (HANDLE)0x1234);
	/* Only a child of the caller's can be claimed. */
	EXPECT_EQ(ioctl(NtxDeviceFd(), NTEXEC_IOC_CLAIM_HOST, &claim), (int)STATUS_INVALID_CID);
	claim.pid = getpid();
	EXPECT_EQ(ioctl(NtxDeviceFd(), NTEXEC_IOC_CLAIM_HOST, &claim), (int)STATUS_INVALID_CID);
	claim.pad = 1;
	EXPECT_EQ(ioctl(NtxDeviceFd(), NTEXEC_IOC_CLAIM_HOST, &claim), -1);
	EXPECT_EQ(errno, EINVAL);
}

TEST(claimed_once)
{
	struct ntexec_claim_host claim = { .access = PROCESS_ALL_ACCESS };
	HANDLE p;

	nt_setup();
	p = create_empty(0);
	claim.pid = (uint64_t)(uintptr_t)basic_info(p).UniqueProcessId;
	EXPECT_EQ(ioctl(NtxDeviceFd(), NTEXEC_IOC_CLAIM_HOST, &claim), (int)STATUS_ACCESS_DENIED);
	ASSERT_STATUS(NtTerminateProcess(p, 3), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(p, 5000), STATUS_SUCCESS);
	xclose(p);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

TEST_TIMEOUT(many_empty_processes, 240)
{
	long objects;
	SIZE_T size = 4096, done;
	PVOID code;
	HANDLE p, t;
	int i;

	nt_setup();
	objects = objects_now();
	for (i = 0; i < 20; i++) {
		p = create_empty(0);
		code = NULL;
		size = 4096;
		ASSERT_STATUS(NtAllocateVirtualMemory(p, &code, 0, &size, MEM_RESERVE | MEM_COMMIT,
						      PAGE_EXECUTE_READWRITE), STATUS_SUCCESS);
		ASSERT_STATUS(NtWriteVirtualMemory(p, code, (PVOID)ret_status, sizeof(ret_status),
						   &done), STATUS_SUCCESS);
		ASSERT_STATUS(NtCreateThreadEx(&t, THREAD_ALL_ACCESS, NULL, p,
					       (PUSER_THREAD_START_ROUTINE)code, NULL, 0, 0, 0, 0,
					       NULL), STATUS_SUCCESS);
		ASSERT_STATUS(wait_ms(p, 10000), STATUS_SUCCESS);
		reap(p, 0x34);
		xclose(t);
		xclose(p);
	}
	EXPECT_EQ(settle_param("objects", objects), objects);
}
