/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tests of the calling process's virtual memory
 * (test_vm_alloc.c, test_vm_protect.c, test_vm_query.c, test_vm_copy.c,
 * test_vm_flush.c, test_vm_linux.c, test_vm_args.c): every helper works on
 * NtCurrentProcess(). Faults are caught with a SIGSEGV handler that asks
 * NtxGetLastException which NT exception it was (probe(), EXPECT_FAULT);
 * allocations are made or die (xalloc, xreserve, xcommit, xrelease, ...)
 * and regions checked whole (EXPECT_REGION). The tests that use
 * vm_handle_util.h (other processes, write watch, lock, accounting, stress)
 * have helpers of the same names that take a process handle: the two
 * headers do not go together.
 *
 * Where an expected status is not obvious, a comment in the test names its
 * source:
 *  - Wine's conformance tests, which record what Windows returns:
 *    dlls/ntdll/tests/virtual.c (test_NtAllocateVirtualMemory,
 *    test_NtFreeVirtualMemory, test_NtAllocateVirtualMemoryEx) and
 *    dlls/kernel32/tests/virtual.c (test_VirtualAlloc, test_VirtualAllocEx,
 *    test_VirtualAlloc_protection);
 *  - ReactOS' API tests, run against Windows: modules/rostests/apitests/
 *    ntdll/NtAllocateVirtualMemory.c (CheckAlignment, CheckAdjacentVADs),
 *    NtFreeVirtualMemory.c, NtProtectVirtualMemory.c;
 *  - the Windows Research Kernel (queryvm.c) and ReactOS' ARM3 memory
 *    manager (MiProtectVirtualMemory) where no test settles a case.
 *
 * A test starts with vm_setup() (the module, the page size, the fault
 * handler). Everything here is static inline (or marked unused) so that
 * each test binary takes only what it uses.
 */
#ifndef NTEXEC_TESTS_VM_UTIL_H
#define NTEXEC_TESTS_VM_UTIL_H

#include <setjmp.h>

#include "nt_util.h"

#define PAGE		0x1000UL
#define GRANULE		0x10000UL	/* allocation granularity */
#define MIB		(1024UL * 1024)
/*
 * The end of the highest range an allocation may cover on x64: the highest
 * user address is 0x7FFFFFFEFFFF and MM_HIGHEST_VAD_ADDRESS is 64 KiB below.
 */
#define HIGHEST_VAD_END	0x7ffffffe0000UL
#define POISON_PTR	((PVOID)(uintptr_t)NTT_POISON64)

static inline uintptr_t pv(const void *p)
{
	return (uintptr_t)p;
}

static inline char *cp(uintptr_t v)
{
	return (char *)v;
}

static inline uintptr_t round_up(uintptr_t v, uintptr_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uintptr_t round_down(uintptr_t v, uintptr_t a)
{
	return v & ~(a - 1);
}

/* Something in the test binary's text (a file-backed mapping). */
static __attribute__((noinline, used)) int text_marker(int x)
{
	return x * 3 + 1;
}

static inline uintptr_t text_address(void)
{
	return (uintptr_t)&text_marker;
}

/* mov eax, 42; ret */
static const unsigned char code_ret42[] __attribute__((unused)) = {
	0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3
};

/* ------------------------------------------------------------------------ */
/* Faults                                                                   */
/* ------------------------------------------------------------------------ */

enum probe_kind { PROBE_READ, PROBE_WRITE, PROBE_EXEC };

static const char *const probe_names[] = { "read", "write", "execute" };

/* What the SIGSEGV handler saw, and what NtxGetLastException told it. */
struct fault {
	int faulted;
	int signo;
	uintptr_t sig_addr;
	NTSTATUS query;		/* NtxGetLastException's own status */
	NTSTATUS code;
	ULONG access;
	uintptr_t address;
};

/* Per thread: each thread probes with its own jump buffer. */
static __thread sigjmp_buf probe_env;
static __thread volatile sig_atomic_t probe_armed;
static __thread int probe_no_query;	/* the handler leaves the record alone */
static __thread struct fault probe_fault;

static inline void on_fault(int sig, siginfo_t *si, void *uc)
{
	NTSTATUS code = (NTSTATUS)NTT_POISON32;
	ULONG access = NTT_POISON32;
	PVOID address = POISON_PTR;

	(void)uc;
	if (!probe_armed) {
		/* Not a probe: die of it, as the default action would. */
		signal(sig, SIG_DFL);
		return;
	}
	probe_armed = 0;
	probe_fault.faulted = 1;
	probe_fault.signo = sig;
	probe_fault.sig_addr = pv(si->si_addr);
	if (!probe_no_query) {
		/* What a Windows-compatibility runtime does to pick the exception. */
		probe_fault.query = NtxGetLastException(&code, &access, &address);
		probe_fault.code = code;
		probe_fault.access = access;
		probe_fault.address = pv(address);
	}
	siglongjmp(probe_env, 1);
}

static inline void catch_faults(void)
{
	struct rlimit no_core = { 0, 0 };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
	ASSERT_EQ(sigaction(SIGBUS, &sa, NULL), 0);
	setrlimit(RLIMIT_CORE, &no_core);
}

/*
 * Read, write or call @p. Returns 1 when it faulted (probe_fault says how),
 * 0 when it did not (*value holds what was read or returned).
 */
static __attribute__((noinline, unused)) int probe(enum probe_kind kind, volatile char *p,
						   long *value)
{
	memset(&probe_fault, 0, sizeof(probe_fault));
	if (sigsetjmp(probe_env, 1))
		return 1;
	probe_armed = 1;
	switch (kind) {
	case PROBE_READ:
		*value = *p;
		break;
	case PROBE_WRITE:
		*p = (char)*value;
		break;
	case PROBE_EXEC:
		*value = ((int (*)(void))(uintptr_t)p)();
		break;
	}
	probe_armed = 0;
	return 0;
}

/* The access must fault with @code (0: any record) and @access at @p. */
#define EXPECT_FAULT(kind, p, code, access) expect_fault(__LINE__, kind, p, code, access, 1)
/* The access must fault; the address is not the module's any more. */
#define EXPECT_ANY_FAULT(kind, p) expect_fault(__LINE__, kind, p, 0, 0, 0)

static inline void expect_fault(int line, enum probe_kind kind, void *p, NTSTATUS code,
				ULONG access, int check_record)
{
	long v = 0x5a;

	if (!probe(kind, p, &v)) {
		fprintf(stderr, "# line %d: %s of %p did not fault\n", line, probe_names[kind], p);
		ntt_fail();
		return;
	}
	if (probe_fault.signo != SIGSEGV) {
		fprintf(stderr, "# line %d: %s of %p raised signal %d, not SIGSEGV\n", line,
			probe_names[kind], p, probe_fault.signo);
		ntt_fail();
	}
	if (!check_record)
		return;
	if (probe_fault.query != STATUS_SUCCESS || probe_fault.code != code ||
	    probe_fault.access != access || probe_fault.address != pv(p)) {
		fprintf(stderr, "# line %d: %s of %p: NtxGetLastException gave %s, code %s, "
			"access %u, address %#lx; expected code %s, access %u, address %p\n",
			line, probe_names[kind], p, NtxStatusName(probe_fault.query),
			NtxStatusName(probe_fault.code), (unsigned int)probe_fault.access,
			(unsigned long)probe_fault.address, NtxStatusName(code),
			(unsigned int)access, p);
		ntt_fail();
	}
}

#define EXPECT_NO_FAULT(kind, p, value) expect_no_fault(__LINE__, kind, p, value)

/* Returns what was read (or what the code returned). */
static inline long expect_no_fault(int line, enum probe_kind kind, void *p, long value)
{
	long v = value;

	if (probe(kind, p, &v)) {
		fprintf(stderr, "# line %d: %s of %p faulted (signal %d, %s)\n", line,
			probe_names[kind], p, probe_fault.signo, NtxStatusName(probe_fault.code));
		ntt_fail();
		return -1;
	}
	return v;
}

/* ------------------------------------------------------------------------ */
/* Allocation helpers                                                       */
/* ------------------------------------------------------------------------ */

static inline void vm_setup(void)
{
	nt_setup();
	ASSERT_EQ(sysconf(_SC_PAGESIZE), (long)PAGE);
	catch_faults();
}

static inline NTSTATUS vm_alloc(PVOID *base, SIZE_T *size, ULONG type, ULONG protect)
{
	return NtAllocateVirtualMemory(NtCurrentProcess(), base, 0, size, type, protect);
}

static inline NTSTATUS vm_free(PVOID *base, SIZE_T *size, ULONG type)
{
	return NtFreeVirtualMemory(NtCurrentProcess(), base, size, type);
}

static inline NTSTATUS vm_protect(PVOID *base, SIZE_T *size, ULONG protect, ULONG *old)
{
	return NtProtectVirtualMemory(NtCurrentProcess(), base, size, protect, old);
}

/* Allocate anywhere (bottom-up); dies on failure. */
static inline char *xalloc_type(SIZE_T size, ULONG type, ULONG protect)
{
	PVOID base = NULL;
	SIZE_T sz = size;

	ASSERT_STATUS(vm_alloc(&base, &sz, type, protect), STATUS_SUCCESS);
	ASSERT_NE(pv(base), 0);
	ASSERT_EQ(pv(base) % GRANULE, 0);
	ASSERT_EQ(sz, round_up(size, PAGE));
	return base;
}

static inline char *xreserve(SIZE_T size, ULONG protect)
{
	return xalloc_type(size, MEM_RESERVE, protect);
}

static inline char *xalloc(SIZE_T size, ULONG protect)
{
	return xalloc_type(size, MEM_RESERVE | MEM_COMMIT, protect);
}

/* Reserve (type may add MEM_COMMIT) at a 64 KiB-aligned address. */
static inline char *xalloc_at(uintptr_t addr, SIZE_T size, ULONG type, ULONG protect)
{
	PVOID base = cp(addr);
	SIZE_T sz = size;

	ASSERT_EQ(addr % GRANULE, 0);
	ASSERT_STATUS(vm_alloc(&base, &sz, MEM_RESERVE | type, protect), STATUS_SUCCESS);
	ASSERT_EQ(pv(base), addr);
	ASSERT_EQ(sz, round_up(size, PAGE));
	return base;
}

static inline void xcommit(void *addr, SIZE_T size, ULONG protect)
{
	PVOID base = addr;
	SIZE_T sz = size;

	ASSERT_STATUS(vm_alloc(&base, &sz, MEM_COMMIT, protect), STATUS_SUCCESS);
	ASSERT_EQ(pv(base), pv(addr));
	ASSERT_EQ(sz, size);
}

static inline void xrelease(void *addr)
{
	PVOID base = addr;
	SIZE_T sz = 0;

	ASSERT_STATUS(vm_free(&base, &sz, MEM_RELEASE), STATUS_SUCCESS);
	ASSERT_EQ(pv(base), pv(addr));
}

static inline ULONG xprotect(void *addr, SIZE_T size, ULONG protect)
{
	PVOID base = addr;
	SIZE_T sz = size;
	ULONG old = NTT_POISON32;

	ASSERT_STATUS(vm_protect(&base, &sz, protect, &old), STATUS_SUCCESS);
	ASSERT_EQ(pv(base), pv(addr));
	ASSERT_EQ(sz, size);
	ASSERT_NE(old, NTT_POISON32);
	return old;
}

/* A free, 64 KiB-aligned range of @size bytes: reserved, then released. */
static inline char *free_range(SIZE_T size)
{
	char *p = xreserve(size, PAGE_NOACCESS);

	xrelease(p);
	return p;
}

static inline MEMORY_BASIC_INFORMATION xquery(const void *addr)
{
	MEMORY_BASIC_INFORMATION mbi;
	SIZE_T len = NTT_POISON64;

	memset(&mbi, NTT_POISON, sizeof(mbi));
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), (PVOID)addr, MemoryBasicInformation,
					   &mbi, sizeof(mbi), &len), STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(mbi));
	return mbi;
}

/* The whole MEMORY_BASIC_INFORMATION of the region at @addr. */
#define EXPECT_REGION(addr, base, size, state, protect, abase, aprotect, type) \
	expect_region(__LINE__, addr, base, size, state, protect, abase, aprotect, type)

static inline void expect_region(int line, const void *addr, uintptr_t base, SIZE_T size,
				 ULONG state, ULONG protect, uintptr_t abase, ULONG aprotect,
				 ULONG type)
{
	MEMORY_BASIC_INFORMATION m = xquery(addr);

	if (pv(m.BaseAddress) == base && m.RegionSize == size && m.State == state &&
	    m.Protect == protect && pv(m.AllocationBase) == abase &&
	    m.AllocationProtect == aprotect && m.Type == type && m.PartitionId == 0)
		return;
	fprintf(stderr, "# line %d: region at %p is {base %#lx size %#lx state %#x protect %#x "
		"allocation %#lx/%#x type %#x partition %u}, expected {base %#lx size %#lx "
		"state %#x protect %#x allocation %#lx/%#x type %#x partition 0}\n", line, addr,
		(unsigned long)pv(m.BaseAddress), (unsigned long)m.RegionSize, m.State, m.Protect,
		(unsigned long)pv(m.AllocationBase), m.AllocationProtect, m.Type,
		(unsigned int)m.PartitionId, (unsigned long)base, (unsigned long)size, state,
		protect, (unsigned long)abase, aprotect, type);
	ntt_fail();
}

/* The lowest address Linux lets a process map: vm.mmap_min_addr, at least 64 KiB. */
static inline uintptr_t lowest_usable(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	v = round_up(v, GRANULE);
	return v < GRANULE ? GRANULE : v;
}

/*
 * Whether the free regions of [lo, hi) hold a 64 KiB-aligned range of
 * @size bytes that an allocation could have used; *where is its start.
 */
static inline int free_gap(uintptr_t lo, uintptr_t hi, SIZE_T size, uintptr_t *where)
{
	uintptr_t a = round_down(lo, PAGE), lowest = lowest_usable();

	while (a < hi) {
		MEMORY_BASIC_INFORMATION m = xquery(cp(a));
		uintptr_t end = a + m.RegionSize, s;

		ASSERT_EQ(pv(m.BaseAddress), a);
		ASSERT_GT(m.RegionSize, 0);
		if (end > hi)
			end = hi;
		if (m.State == MEM_FREE) {
			s = round_up(a > lowest ? a : lowest, GRANULE);
			if (s < end && end - s >= size) {
				*where = s;
				return 1;
			}
		}
		a += m.RegionSize;
	}
	return 0;
}

/*
 * The working set. Not /proc/self/statm: the module's pages are mapped
 * VM_PFNMAP, which Linux's RSS counters do not see; ProcessVmCounters adds
 * them to Linux's RSS.
 */
static inline uint64_t working_set(void)
{
	VM_COUNTERS vm;
	ULONG len = NTT_POISON32;

	memset(&vm, NTT_POISON, sizeof(vm));
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, &vm,
						sizeof(vm), &len), STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(vm));
	return vm.WorkingSetSize;
}

#endif /* NTEXEC_TESTS_VM_UTIL_H */
