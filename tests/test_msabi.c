// SPDX-License-Identifier: GPL-2.0
/*
 * The Microsoft x64 entry points: this file includes <ntexec/nt.h> with
 * NTEXEC_MS_ABI, so every Nt* call here (and in nt_util.h's helpers) goes
 * through libntexec's NtxMs_* wrapper with the ms_abi convention, as PE code
 * would call ntdll. Each of the 26 entry points is called with arguments
 * whose effect is checked, the fifth and later ones (which ms_abi passes on
 * the stack) included, directly and through a table of ms_abi function
 * pointers as a PE loader would fill an import table.
 */
#define NTEXEC_MS_ABI
#include <ntexec/nt.h>

#include <semaphore.h>
#include <sys/mman.h>

#include "nt_util.h"

#define MS __attribute__((ms_abi))

/* The declarations are ms_abi; a System V NtClose is a different type. */
_Static_assert(__builtin_types_compatible_p(__typeof__(&NtClose), NTSTATUS (MS *)(HANDLE)),
	       "NTEXEC_MS_ABI: NtClose is an ms_abi function");
_Static_assert(!__builtin_types_compatible_p(__typeof__(&NtClose), NTSTATUS (*)(HANDLE)),
	       "ms_abi and System V function types differ");
_Static_assert(__builtin_types_compatible_p(__typeof__(&NtxGetLastException),
					    NTSTATUS (*)(NTSTATUS *, ULONG *, PVOID *)),
	       "the Ntx* extensions stay System V");

/* The System V function, to tell it from the entry point. */
extern NTSTATUS ntt_sysv_close(HANDLE Handle) __asm__("NtClose");

TEST(entry_points_are_the_ms_wrappers)
{
	NTSTATUS (MS *close_fn)(HANDLE) = NtClose;

	nt_setup();
	/* &NtClose names NtxMs_NtClose, not the System V NtClose. */
	EXPECT_NE((uintptr_t)close_fn, (uintptr_t)&ntt_sysv_close);
	EXPECT_STATUS(close_fn((HANDLE)(uintptr_t)0x7ffc), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(ZwClose((HANDLE)(uintptr_t)0x7ffc), STATUS_INVALID_HANDLE);
}

/* NtOpenProcess, NtOpenThread, NtQueryInformation*, NtDuplicateObject, NtClose */
TEST(handles_and_queries)
{
	struct {
		NTSTATUS (MS *query)(HANDLE, PROCESSINFOCLASS, PVOID, ULONG, PULONG);
		NTSTATUS (MS *dup)(HANDLE, HANDLE, HANDLE, PHANDLE, ACCESS_MASK, ULONG, ULONG);
	} iat = { NtQueryInformationProcess, NtDuplicateObject };
	PROCESS_BASIC_INFORMATION pbi;
	THREAD_BASIC_INFORMATION tbi;
	HANDLE p, t, d = NULL;
	ULONG len = NTT_POISON32;

	nt_setup();
	p = xopen_process(PROCESS_QUERY_INFORMATION | PROCESS_DUP_HANDLE, getpid());
	memset(&pbi, NTT_POISON, sizeof(pbi));
	ASSERT_STATUS(iat.query(p, ProcessBasicInformation, &pbi, sizeof(pbi), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(pbi));
	EXPECT_EQ(hv(pbi.UniqueProcessId), (uint64_t)getpid());
	EXPECT_EQ(hv(pbi.InheritedFromUniqueProcessId), (uint64_t)getppid());

	/*
	 * Seven arguments: DesiredAccess, HandleAttributes and Options travel
	 * on the stack. SYNCHRONIZE alone gives no query right...
	 */
	ASSERT_STATUS(iat.dup(NtCurrentProcess(), p, NtCurrentProcess(), &d, SYNCHRONIZE, 0, 0),
		      STATUS_SUCCESS);
	ASSERT_NE(hv(d), 0);
	EXPECT_STATUS(NtQueryInformationProcess(d, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_ACCESS_DENIED);
	xclose(d);
	/* ...DUPLICATE_SAME_ACCESS keeps the source's... */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), p, NtCurrentProcess(), &d, 0, 0,
					DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	EXPECT_STATUS(NtQueryInformationProcess(d, ProcessBasicInformation, &pbi, sizeof(pbi),
						NULL), STATUS_SUCCESS);
	/* ...an attribute outside OBJ_VALID_ATTRIBUTES is refused... */
	EXPECT_NE(NtDuplicateObject(NtCurrentProcess(), p, NtCurrentProcess(), &d, 0,
				    0x80000000u, DUPLICATE_SAME_ACCESS), STATUS_SUCCESS);
	/* ...and DUPLICATE_CLOSE_SOURCE without a target closes the source. */
	ASSERT_STATUS(NtDuplicateObject(NtCurrentProcess(), p, NULL, NULL, 0, 0,
					DUPLICATE_CLOSE_SOURCE), STATUS_SUCCESS);
	EXPECT_STATUS(NtClose(p), STATUS_INVALID_HANDLE);
	xclose(d);

	t = xopen_thread(THREAD_QUERY_INFORMATION, getpid(), gettid());
	len = NTT_POISON32;
	ASSERT_STATUS(NtQueryInformationThread(t, ThreadBasicInformation, &tbi, sizeof(tbi),
					       &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(tbi));
	EXPECT_EQ(hv(tbi.ClientId.UniqueProcess), (uint64_t)getpid());
	EXPECT_EQ(hv(tbi.ClientId.UniqueThread), (uint64_t)gettid());
	EXPECT_STATUS(tbi.ExitStatus, STATUS_PENDING);
	xclose(t);
}

/* NtGetNextProcess and NtGetNextThread (five and six arguments). */
TEST(get_next)
{
	THREAD_BASIC_INFORMATION tbi;
	HANDLE p = NULL, t = NULL;

	nt_setup();
	ASSERT_STATUS(NtGetNextThread(NtCurrentProcess(), NULL, THREAD_QUERY_LIMITED_INFORMATION,
				      0, 0, &t), STATUS_SUCCESS);
	ASSERT_NE(hv(t), 0);
	ASSERT_STATUS(NtQueryInformationThread(t, ThreadBasicInformation, &tbi, sizeof(tbi),
					       NULL), STATUS_SUCCESS);
	EXPECT_EQ(hv(tbi.ClientId.UniqueProcess), (uint64_t)getpid());
	xclose(t);
	/* Flags must be 0: the fifth argument arrives. */
	EXPECT_STATUS(NtGetNextThread(NtCurrentProcess(), NULL, THREAD_QUERY_LIMITED_INFORMATION,
				      0, 1, &t), STATUS_INVALID_PARAMETER_5);

	ASSERT_STATUS(NtGetNextProcess(NULL, PROCESS_QUERY_LIMITED_INFORMATION, 0, 0, &p),
		      STATUS_SUCCESS);
	ASSERT_NE(hv(p), 0);
	xclose(p);
	EXPECT_STATUS(NtGetNextProcess(NULL, PROCESS_QUERY_LIMITED_INFORMATION, 0, 1, &p),
		      STATUS_INVALID_PARAMETER_4);
}

/* NtWaitForSingleObject, NtWaitForMultipleObjects, NtDelayExecution, alerts */
TEST(waits_and_alerts)
{
	LARGE_INTEGER t = rel_ms(50);
	HANDLE self, me, hs[2];
	int64_t t0;

	nt_setup();
	hs[0] = self = xopen_process(SYNCHRONIZE, getpid());
	hs[1] = me = xopen_thread(THREAD_ALERT | SYNCHRONIZE, getpid(), gettid());
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForSingleObject(self, FALSE, &t), STATUS_TIMEOUT);
	EXPECT_GE(ms_since(t0), 49);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForMultipleObjects(2, hs, WaitAny, FALSE, &t), STATUS_TIMEOUT);
	EXPECT_GE(ms_since(t0), 49);
	EXPECT_STATUS(NtWaitForMultipleObjects(2, hs, WaitNotification, FALSE, &t),
		      STATUS_INVALID_PARAMETER_3);
	EXPECT_STATUS(NtWaitForMultipleObjects(0, hs, WaitAll, FALSE, &t),
		      STATUS_INVALID_PARAMETER_1);
	t0 = mono_ns();
	EXPECT_STATUS(NtDelayExecution(FALSE, &t), STATUS_SUCCESS);
	EXPECT_GE(ms_since(t0), 49);
	EXPECT_STATUS(NtDelayExecution(FALSE, NULL), STATUS_ACCESS_VIOLATION);

	/* An alert ends an alertable wait (Alertable, the second argument)... */
	ASSERT_STATUS(NtAlertThread(me), STATUS_SUCCESS);
	t = rel_ms(20000);
	t0 = mono_ns();
	EXPECT_STATUS(NtWaitForSingleObject(self, TRUE, &t), STATUS_ALERTED);
	EXPECT_LT(ms_since(t0), 10000);
	/* ...and stays pending through a non-alertable one, for NtTestAlert. */
	ASSERT_STATUS(NtAlertThread(me), STATUS_SUCCESS);
	t = rel_ms(20);
	EXPECT_STATUS(NtWaitForMultipleObjects(1, hs, WaitAll, FALSE, &t), STATUS_TIMEOUT);
	EXPECT_STATUS(NtTestAlert(), STATUS_ALERTED);
	EXPECT_STATUS(NtTestAlert(), STATUS_SUCCESS);
	xclose(me);
	xclose(self);
}

/*
 * NtAllocate/Free/Protect/Query/Read/Write/Lock/UnlockVirtualMemory and
 * write watch: six- and seven-argument calls whose last ones are written.
 */
TEST(virtual_memory)
{
	MEMORY_BASIC_INFORMATION mbi;
	char buf[8] = "ms_abi!", back[8];
	PVOID base = NULL, b, addrs[4];
	SIZE_T size = 0x30000, s, done, ret;
	ULONG_PTR count;
	ULONG old, gran;
	char *p;

	nt_setup();
	/* AllocationType and Protect are the fifth and sixth arguments. */
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					      MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x30000);
	p = base;
	b = p + 0x10000;
	s = 0x2000;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &b, 0, &s, MEM_COMMIT,
					      PAGE_READWRITE), STATUS_SUCCESS);

	ret = NTT_POISON64;
	memset(&mbi, NTT_POISON, sizeof(mbi));
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p + 0x10000,
					   MemoryBasicInformation, &mbi, sizeof(mbi), &ret),
		      STATUS_SUCCESS);
	EXPECT_EQ(ret, sizeof(mbi));
	EXPECT_EQ((uintptr_t)mbi.BaseAddress, (uintptr_t)(p + 0x10000));
	EXPECT_EQ((uintptr_t)mbi.AllocationBase, (uintptr_t)p);
	EXPECT_EQ(mbi.RegionSize, 0x2000);
	EXPECT_EQ(mbi.State, MEM_COMMIT);
	EXPECT_EQ(mbi.Protect, PAGE_READWRITE);
	EXPECT_EQ(mbi.Type, MEM_PRIVATE);

	done = NTT_POISON64;
	ASSERT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), p + 0x10010, buf, sizeof(buf),
					   &done), STATUS_SUCCESS);
	EXPECT_EQ(done, sizeof(buf));
	EXPECT_EQ(memcmp(p + 0x10010, "ms_abi!", 8), 0);
	p[0x11000] = 1;
	done = NTT_POISON64;
	ASSERT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), p + 0x10010, back, sizeof(back),
					  &done), STATUS_SUCCESS);
	EXPECT_EQ(done, sizeof(back));
	EXPECT_EQ(memcmp(back, "ms_abi!", 8), 0);

	/* Both committed pages were written: seven arguments, three written. */
	count = 4;
	gran = NTT_POISON32;
	ASSERT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, p, 0x30000,
				      addrs, &count, &gran), STATUS_SUCCESS);
	EXPECT_EQ(count, 2);
	EXPECT_EQ(gran, 0x1000);
	EXPECT_EQ((uintptr_t)addrs[0], (uintptr_t)(p + 0x10000));
	EXPECT_EQ((uintptr_t)addrs[1], (uintptr_t)(p + 0x11000));
	p[0x10000] = 2;
	ASSERT_STATUS(NtResetWriteWatch(NtCurrentProcess(), p, 0x30000), STATUS_SUCCESS);
	count = 4;
	ASSERT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, p, 0x30000, addrs, &count, &gran),
		      STATUS_SUCCESS);
	EXPECT_EQ(count, 0);

	b = p + 0x10000;
	s = 0x1000;
	ASSERT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS),
		      STATUS_SUCCESS);
	EXPECT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS),
		      STATUS_WAS_LOCKED);
	EXPECT_STATUS(NtUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS),
		      STATUS_SUCCESS);
	EXPECT_STATUS(NtUnlockVirtualMemory(NtCurrentProcess(), &b, &s, MAP_PROCESS),
		      STATUS_NOT_LOCKED);

	/* OldProtect is the fifth argument. */
	b = p + 0x10000;
	s = 0x2000;
	old = NTT_POISON32;
	ASSERT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &b, &s, PAGE_READONLY, &old),
		      STATUS_SUCCESS);
	EXPECT_EQ(old, PAGE_READWRITE);
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p + 0x10000,
					   MemoryBasicInformation, &mbi, sizeof(mbi), NULL),
		      STATUS_SUCCESS);
	EXPECT_EQ(mbi.Protect, PAGE_READONLY);

	s = 0;
	ASSERT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, &s, MEM_RELEASE),
		      STATUS_SUCCESS);
	EXPECT_EQ(s, 0x30000);
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, MemoryBasicInformation, &mbi,
					   sizeof(mbi), NULL), STATUS_SUCCESS);
	EXPECT_EQ(mbi.State, MEM_FREE);
}

/* NtFlushVirtualMemory writes its fourth argument, the IO_STATUS_BLOCK. */
TEST(flush)
{
	char path[] = "/tmp/ntexec-msabi-XXXXXX";
	IO_STATUS_BLOCK iosb;
	SIZE_T size = 0x10;
	PVOID base;
	char *m;
	int fd;

	nt_setup();
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	ASSERT_EQ(ftruncate(fd, 0x2000), 0);
	m = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	m[0x1010] = 1;
	base = m + 0x1010;
	memset(&iosb, NTT_POISON, sizeof(iosb));
	ASSERT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_SUCCESS);
	EXPECT_EQ((uintptr_t)base, (uintptr_t)(m + 0x1000));
	EXPECT_EQ(size, 0x1000);
	EXPECT_STATUS(iosb.Status, STATUS_SUCCESS);
	EXPECT_EQ(iosb.Information, 0);
	munmap(m, 0x2000);
	close(fd);
}

struct parked {
	pid_t tid;
	sem_t ready, go;
	NTSTATUS terminate_status;
};

static void *parked_fn(void *arg)
{
	struct parked *p = arg;

	p->tid = gettid();
	sem_post(&p->ready);
	sem_wait(&p->go);
	p->terminate_status = NtTerminateThread(NtCurrentThread(), (NTSTATUS)0xC0DE0002);
	return NULL;
}

/* NtTerminateThread and NtTerminateProcess: the ExitStatus arrives whole. */
TEST(terminate)
{
	struct parked p = { .terminate_status = (NTSTATUS)NTT_POISON32 };
	pthread_t th;
	struct kid k;
	HANDLE h;

	nt_setup();
	sem_init(&p.ready, 0, 0);
	sem_init(&p.go, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, parked_fn, &p), 0);
	sem_wait(&p.ready);
	h = xopen_thread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, getpid(), p.tid);
	sem_post(&p.go);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_EQ((uint32_t)thread_info(h).ExitStatus, 0xC0DE0002u);
	pthread_join(th, NULL);
	/* NtTerminateThread did not return. */
	EXPECT_EQ((uint32_t)p.terminate_status, NTT_POISON32);
	xclose(h);

	k = kid_spawn(KID_SLEEP, 0);
	h = xopen_process(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
			  k.pid);
	ASSERT_STATUS(NtTerminateProcess(h, (NTSTATUS)0xC0DE0003), STATUS_SUCCESS);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	EXPECT_EQ((uint32_t)exit_status(h), 0xC0DE0003u);
	kid_reap(&k);
	xclose(h);
}
