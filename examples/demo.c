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

static void show_region(HANDLE process, PVOID addr)
{
	MEMORY_BASIC_INFORMATION mbi;
	SIZE_T len;

	CHECK(NtQueryVirtualMemory(process, addr, MemoryBasicInformation, &mbi, sizeof(mbi),
				   &len));
	printf("  region %p: size 0x%zx, State 0x%x, Protect 0x%x, AllocationBase %p, Type 0x%x\n",
	       mbi.BaseAddress, (size_t)mbi.RegionSize, (unsigned int)mbi.State,
	       (unsigned int)mbi.Protect, mbi.AllocationBase, (unsigned int)mbi.Type);
}

/*
 * A child that only reads an address from a pipe, prints the string it
 * finds there and then writes to it.
 */
static void memory_child(int in)
{
	volatile char *p;
	uintptr_t addr;

	NtxInitialize();
	if (read(in, &addr, sizeof(addr)) != sizeof(addr))
		exit(2);
	p = (volatile char *)addr;
	printf("  child reads its new memory: \"%s\"\n", (const char *)p);
	printf("  child writes to it...\n");
	p[0] = 'H';
	printf("  child: the write went through (it should not have)\n");
	exit(0);
}

static void memory_demo(void)
{
	static const char hello[] = "hello from the parent";
	ACCESS_MASK access = PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE |
			     PROCESS_QUERY_INFORMATION | SYNCHRONIZE;
	PROCESS_BASIC_INFORMATION pbi;
	SIZE_T size = 0x10000, done;
	PVOID base = NULL, written[4];
	ULONG_PTR n = 4;
	ULONG old, gran, len;
	uintptr_t addr;
	HANDLE child;
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		exit(1);
	pid = fork();
	if (!pid) {
		close(fds[1]);
		memory_child(fds[0]);
	}
	close(fds[0]);
	child = open_pid(pid, access);
	CHECK(NtAllocateVirtualMemory(child, &base, 0, &size,
				      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE));
	printf("  NtAllocateVirtualMemory(child, 64 KiB, write watch) -> %p\n", base);
	CHECK(NtWriteVirtualMemory(child, base, (PVOID)hello, sizeof(hello), &done));
	printf("  NtWriteVirtualMemory(child, \"%s\") -> %zu bytes\n", hello, (size_t)done);
	CHECK(NtGetWriteWatch(child, 0, base, size, written, &n, &gran));
	printf("  NtGetWriteWatch(child) -> %lu page(s) written, first %p\n", (unsigned long)n,
	       n ? written[0] : NULL);
	size = 0x1000;
	CHECK(NtProtectVirtualMemory(child, &base, &size, PAGE_READONLY, &old));
	printf("  NtProtectVirtualMemory(child, PAGE_READONLY) -> old protection 0x%x\n",
	       (unsigned int)old);
	show_region(child, base);
	addr = (uintptr_t)base;
	if (write(fds[1], &addr, sizeof(addr)) != sizeof(addr))
		exit(1);
	CHECK(NtWaitForSingleObject(child, FALSE, NULL));
	CHECK(NtQueryInformationProcess(child, ProcessBasicInformation, &pbi, sizeof(pbi), &len));
	printf("  child ended with 0x%08X (%s): the page table said read-only\n",
	       (unsigned int)pbi.ExitStatus, NtxStatusName(pbi.ExitStatus));
	waitpid(pid, NULL, 0);
	close(fds[1]);
	CHECK(NtClose(child));
}

/* A child that reads a view's address, prints what it shows, writes to it. */
static void section_child(int in)
{
	static const char mark[] = " (and the child was here)";
	char *p;
	uintptr_t addr;

	NtxInitialize();
	if (read(in, &addr, sizeof(addr)) != sizeof(addr))
		exit(2);
	p = (char *)addr;
	printf("  child reads its view: \"%s\"\n", p);
	memcpy(p + strlen(p), mark, sizeof(mark));
	exit(0);
}

static void section_demo(void)
{
	static const char text[] = "hello from the file";
	ACCESS_MASK access = PROCESS_VM_OPERATION | PROCESS_QUERY_INFORMATION | SYNCHRONIZE;
	char path[] = "/tmp/ntexec-demo-XXXXXX", back[64] = "";
	PVOID mine = NULL, theirs = NULL;
	SIZE_T size = 0;
	HANDLE file, section, child;
	uintptr_t addr;
	int fd, fds[2];
	pid_t pid;

	fd = mkstemp(path);
	if (fd < 0 || pwrite(fd, text, sizeof(text), 0) != sizeof(text) || ftruncate(fd, 4096))
		exit(1);
	unlink(path);
	CHECK(NtxHandleFromFd(fd, FILE_GENERIC_READ | FILE_GENERIC_WRITE, &file));
	CHECK(NtCreateSection(&section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE,
			      SEC_COMMIT, file));
	printf("  NtxHandleFromFd + NtCreateSection(file, PAGE_READWRITE) -> %p\n", section);
	CHECK(NtMapViewOfSection(section, NtCurrentProcess(), &mine, 0, 0, NULL, &size,
				 ViewShare, 0, PAGE_READWRITE));
	printf("  NtMapViewOfSection(self) -> %p: \"%s\"\n", mine, (char *)mine);
	show_region(NtCurrentProcess(), mine);
	if (pipe(fds))
		exit(1);
	pid = fork();
	if (!pid) {
		close(fds[1]);
		section_child(fds[0]);
	}
	close(fds[0]);
	child = open_pid(pid, access);
	size = 0;
	CHECK(NtMapViewOfSection(section, child, &theirs, 0, 0, NULL, &size, ViewShare, 0,
				 PAGE_READWRITE));
	printf("  NtMapViewOfSection(child) -> %p, mapped from here\n", theirs);
	addr = (uintptr_t)theirs;
	if (write(fds[1], &addr, sizeof(addr)) != sizeof(addr))
		exit(1);
	CHECK(NtWaitForSingleObject(child, FALSE, NULL));
	waitpid(pid, NULL, 0);
	printf("  my view now shows: \"%s\"\n", (char *)mine);
	if (pread(fd, back, sizeof(back) - 1, 0) < 0)
		exit(1);
	printf("  pread() of the file: \"%s\"\n", back);
	CHECK(NtUnmapViewOfSection(NtCurrentProcess(), mine));
	CHECK(NtClose(child));
	CHECK(NtClose(section));
	CHECK(NtClose(file));
	close(fds[1]);
	close(fd);
}

/* x86_64 code for the new process: rcx (the argument) + 0xC0DE0000, returned. */
static const unsigned char add_code[] = {
	0x48, 0x8d, 0x81, 0x00, 0x00, 0xde, 0xc0,	/* lea -0x3f220000(%rcx), %rax */
	0xc3,						/* ret */
};

/*
 * An empty process made from nothing: code written into it at an image's
 * base, a thread started there, its 32-bit return value the process's exit
 * status.
 */
static void create_demo(void)
{
	PROCESS_BASIC_INFORMATION pbi;
	THREAD_BASIC_INFORMATION tbi;
	PVOID code = (PVOID)0x140000000ull;
	SIZE_T size = 0x10000, done;
	HANDLE process, thread;
	ULONG len;
	int status;

	CHECK(NtCreateProcessEx(&process, PROCESS_ALL_ACCESS, NULL, NtCurrentProcess(), 0, NULL,
				NULL, NULL, 0));
	CHECK(NtQueryInformationProcess(process, ProcessBasicInformation, &pbi, sizeof(pbi),
					&len));
	printf("  NtCreateProcessEx -> pid %" PRIuPTR ", PEB at %p, parent %" PRIuPTR "\n",
	       (uintptr_t)pbi.UniqueProcessId, (void *)pbi.PebBaseAddress,
	       (uintptr_t)pbi.InheritedFromUniqueProcessId);
	CHECK(NtAllocateVirtualMemory(process, &code, 0, &size, MEM_RESERVE | MEM_COMMIT,
				      PAGE_EXECUTE_READWRITE));
	CHECK(NtWriteVirtualMemory(process, code, (PVOID)add_code, sizeof(add_code), &done));
	printf("  code written at %p in it\n", code);
	CHECK(NtCreateThreadEx(&thread, THREAD_ALL_ACCESS, NULL, process,
			       (PUSER_THREAD_START_ROUTINE)code, (PVOID)0x1234, 0, 0, 0, 0, NULL));
	CHECK(NtWaitForSingleObject(process, FALSE, NULL));
	CHECK(NtQueryInformationThread(thread, ThreadBasicInformation, &tbi, sizeof(tbi), &len));
	printf("  NtCreateThreadEx(StartRoutine %p, Argument 0x1234): TEB %p, "
	       "ExitStatus 0x%08X\n", code, (void *)tbi.TebBaseAddress,
	       (unsigned int)tbi.ExitStatus);
	show_process("created", process);
	waitpid((pid_t)(uintptr_t)pbi.UniqueProcessId, &status, 0);
	CHECK(NtClose(thread));
	CHECK(NtClose(process));
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

	printf("3. memory of another process, without its help\n");
	memory_demo();

	printf("4. a file shared through a section, a view mapped into a child\n");
	section_demo();

	printf("5. a process built from nothing, and a thread started in it\n");
	create_demo();

	CHECK(NtClose(self));
	s = NtClose(self);
	printf("  NtClose(closed handle) -> %s\n", NtxStatusName(s));
	printf("demo done\n");
	return 0;
}
