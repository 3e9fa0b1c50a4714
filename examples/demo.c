// SPDX-License-Identifier: GPL-2.0
/*
 * ntexec demo: what the module does today, through the ntdll API.
 *
 * Run it where the module is loaded (make demo does that in a VM).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ntexec/nt.h>
#include "uapi/ntexec.h"

#define CHECK(call) do {						\
		NTSTATUS _s = (call);					\
		if (!NT_SUCCESS(_s)) {					\
			printf("  %s failed: %s\n", #call, NtxStatusName(_s)); \
			exit(1);					\
		}							\
	} while (0)

static HANDLE open_pid(pid_t pid, ACCESS_MASK access)
{
	OBJECT_ATTRIBUTES oa;
	CLIENT_ID cid = { (HANDLE)(uintptr_t)pid, NULL };
	HANDLE h;

	InitializeObjectAttributes(&oa, NULL, 0, NULL, NULL);
	CHECK(NtOpenProcess(&h, access, &oa, &cid));
	return h;
}

static void show_process(const char *what, HANDLE h)
{
	PROCESS_BASIC_INFORMATION pbi;
	KERNEL_USER_TIMES times;
	ULONG len;

	CHECK(NtQueryInformationProcess(h, ProcessBasicInformation, &pbi, sizeof(pbi), &len));
	CHECK(NtQueryInformationProcess(h, ProcessTimes, &times, sizeof(times), &len));
	printf("  %-8s pid %-6" PRIuPTR " parent %-6" PRIuPTR " ExitStatus 0x%08X (%s)%s\n",
	       what, (uintptr_t)pbi.UniqueProcessId,
	       (uintptr_t)pbi.InheritedFromUniqueProcessId, (unsigned int)pbi.ExitStatus,
	       NtxStatusName(pbi.ExitStatus), times.ExitTime.QuadPart ? " exited" : "");
}

int main(void)
{
	struct ntexec_version ver = { .api = NTEXEC_API_VERSION };
	LARGE_INTEGER timeout;
	HANDLE self, child1, child2, handles[2];
	UNICODE_STRING *name;
	char buf[512];
	ULONG count, len;
	pid_t p1, p2;
	NTSTATUS s;
	int status;

	/* Line-buffered: fork() must not duplicate pending output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ntexec demo\n");
	s = NtxInitialize();
	if (!NT_SUCCESS(s)) {
		printf("  /dev/ntexec: %s (is the module loaded?)\n", NtxStatusName(s));
		return 1;
	}
	if (ioctl(NtxDeviceFd(), NTEXEC_IOC_VERSION, &ver) == 0)
		printf("  module API %u, features 0x%" PRIx64 ", ioctls 0x%" PRIx64
		       ", page %u, granularity %u\n", ver.api, (uint64_t)ver.features,
		       (uint64_t)ver.ioctls, ver.page_size, ver.allocation_granularity);

	printf("1. this process, as NT sees it\n");
	self = open_pid(getpid(), PROCESS_QUERY_INFORMATION);
	printf("  NtOpenProcess(own pid) -> handle %p\n", self);
	show_process("self", self);
	CHECK(NtQueryInformationProcess(self, ProcessImageFileName, buf, sizeof(buf), &len));
	name = (UNICODE_STRING *)buf;
	printf("  ProcessImageFileName: ");
	for (len = 0; len < name->Length / 2u; len++)
		putchar((char)name->Buffer[len]);
	putchar('\n');
	CHECK(NtQueryInformationProcess(NtCurrentProcess(), ProcessHandleCount, &count,
					sizeof(count), &len));
	printf("  ProcessHandleCount: %u\n", count);

	printf("2. children: exit(7), and NtTerminateProcess with a 32-bit status\n");
	p1 = fork();
	if (!p1) {
		usleep(200000);
		exit(7);
	}
	p2 = fork();
	if (!p2) {
		pause();
		exit(0);
	}
	child1 = open_pid(p1, SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION);
	child2 = open_pid(p2, SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION |
			  PROCESS_TERMINATE);
	show_process("child1", child1);
	timeout.QuadPart = -10 * 1000 * 10;	/* 10 ms, relative */
	s = NtWaitForSingleObject(child1, FALSE, &timeout);
	printf("  NtWaitForSingleObject(child1, 10 ms) -> %s\n", NtxStatusName(s));
	handles[0] = child1;
	handles[1] = child2;
	s = NtWaitForMultipleObjects(2, handles, WaitAny, FALSE, NULL);
	printf("  NtWaitForMultipleObjects(WaitAny) -> STATUS_WAIT_%u\n",
	       (unsigned int)(s - STATUS_WAIT_0));
	show_process("child1", child1);
	CHECK(NtTerminateProcess(child2, (NTSTATUS)0xC0DE1234));
	s = NtWaitForSingleObject(child2, FALSE, NULL);
	printf("  NtTerminateProcess(child2, 0xC0DE1234); wait -> %s\n", NtxStatusName(s));
	waitpid(p1, &status, 0);
	waitpid(p2, &status, 0);
	printf("  waitpid(child2): %s %d (Linux keeps 8 bits; NT keeps all 32)\n",
	       WIFSIGNALED(status) ? "killed by signal" : "exit", WIFSIGNALED(status) ?
	       WTERMSIG(status) : WEXITSTATUS(status));
	show_process("child2", child2);

	CHECK(NtClose(child1));
	CHECK(NtClose(child2));
	CHECK(NtClose(self));
	s = NtClose(self);
	printf("  NtClose(closed handle) -> %s\n", NtxStatusName(s));
	printf("demo done\n");
	return 0;
}
