// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual memory of the calling process through <ntexec/nt.h>:
 * NtAllocateVirtualMemory, NtFreeVirtualMemory, NtProtectVirtualMemory,
 * NtQueryVirtualMemory, NtRead/WriteVirtualMemory and NtxGetLastException,
 * checked against Windows' statuses and against the page tables themselves
 * (faults caught with a SIGSEGV handler), demand-zero paging (the working
 * set), and what Linux's own munmap/mprotect/mremap/fork may and may not do
 * to the module's memory.
 *
 * Where an expected status is not obvious, a comment names its source:
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
 * Everything here works unprivileged.
 */
#include <limits.h>
#include <semaphore.h>
#include <setjmp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "nt_util.h"
#include "uapi/ntexec.h"

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

static uintptr_t text_address(void)
{
	return (uintptr_t)&text_marker;
}

/* mov eax, 42; ret */
static const unsigned char code_ret42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

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

static void on_fault(int sig, siginfo_t *si, void *uc)
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

static void catch_faults(void)
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
static __attribute__((noinline)) int probe(enum probe_kind kind, volatile char *p, long *value)
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

static void expect_fault(int line, enum probe_kind kind, void *p, NTSTATUS code, ULONG access,
			 int check_record)
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
static long expect_no_fault(int line, enum probe_kind kind, void *p, long value)
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

static void vm_setup(void)
{
	nt_setup();
	ASSERT_EQ(sysconf(_SC_PAGESIZE), (long)PAGE);
	catch_faults();
}

static NTSTATUS vm_alloc(PVOID *base, SIZE_T *size, ULONG type, ULONG protect)
{
	return NtAllocateVirtualMemory(NtCurrentProcess(), base, 0, size, type, protect);
}

static NTSTATUS vm_free(PVOID *base, SIZE_T *size, ULONG type)
{
	return NtFreeVirtualMemory(NtCurrentProcess(), base, size, type);
}

static NTSTATUS vm_protect(PVOID *base, SIZE_T *size, ULONG protect, ULONG *old)
{
	return NtProtectVirtualMemory(NtCurrentProcess(), base, size, protect, old);
}

/* Allocate anywhere (bottom-up); dies on failure. */
static char *xalloc_type(SIZE_T size, ULONG type, ULONG protect)
{
	PVOID base = NULL;
	SIZE_T sz = size;

	ASSERT_STATUS(vm_alloc(&base, &sz, type, protect), STATUS_SUCCESS);
	ASSERT_NE(pv(base), 0);
	ASSERT_EQ(pv(base) % GRANULE, 0);
	ASSERT_EQ(sz, round_up(size, PAGE));
	return base;
}

static char *xreserve(SIZE_T size, ULONG protect)
{
	return xalloc_type(size, MEM_RESERVE, protect);
}

static char *xalloc(SIZE_T size, ULONG protect)
{
	return xalloc_type(size, MEM_RESERVE | MEM_COMMIT, protect);
}

/* Reserve (type may add MEM_COMMIT) at a 64 KiB-aligned address. */
static char *xalloc_at(uintptr_t addr, SIZE_T size, ULONG type, ULONG protect)
{
	PVOID base = cp(addr);
	SIZE_T sz = size;

	ASSERT_EQ(addr % GRANULE, 0);
	ASSERT_STATUS(vm_alloc(&base, &sz, MEM_RESERVE | type, protect), STATUS_SUCCESS);
	ASSERT_EQ(pv(base), addr);
	ASSERT_EQ(sz, round_up(size, PAGE));
	return base;
}

static void xcommit(void *addr, SIZE_T size, ULONG protect)
{
	PVOID base = addr;
	SIZE_T sz = size;

	ASSERT_STATUS(vm_alloc(&base, &sz, MEM_COMMIT, protect), STATUS_SUCCESS);
	ASSERT_EQ(pv(base), pv(addr));
	ASSERT_EQ(sz, size);
}

static void xrelease(void *addr)
{
	PVOID base = addr;
	SIZE_T sz = 0;

	ASSERT_STATUS(vm_free(&base, &sz, MEM_RELEASE), STATUS_SUCCESS);
	ASSERT_EQ(pv(base), pv(addr));
}

static ULONG xprotect(void *addr, SIZE_T size, ULONG protect)
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
static char *free_range(SIZE_T size)
{
	char *p = xreserve(size, PAGE_NOACCESS);

	xrelease(p);
	return p;
}

static MEMORY_BASIC_INFORMATION xquery(const void *addr)
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

static void expect_region(int line, const void *addr, uintptr_t base, SIZE_T size, ULONG state,
			  ULONG protect, uintptr_t abase, ULONG aprotect, ULONG type)
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
static uintptr_t lowest_usable(void)
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
static int free_gap(uintptr_t lo, uintptr_t hi, SIZE_T size, uintptr_t *where)
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
static uint64_t working_set(void)
{
	VM_COUNTERS vm;
	ULONG len = NTT_POISON32;

	memset(&vm, NTT_POISON, sizeof(vm));
	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, &vm,
						sizeof(vm), &len), STATUS_SUCCESS);
	ASSERT_EQ(len, sizeof(vm));
	return vm.WorkingSetSize;
}

/* ------------------------------------------------------------------------ */
/* NtAllocateVirtualMemory: reservations                                    */
/* ------------------------------------------------------------------------ */

/*
 * Windows, as its conformance tests see it: every AllocationType bit set is
 * STATUS_INVALID_PARAMETER_5 (before the placeholder rules), and freeing at
 * a NULL base is STATUS_MEMORY_NOT_ALLOCATED.
 */
TEST(allocate_every_type_bit_and_free_null)
{
	SIZE_T size = 0x1000;
	PVOID p = NULL;

	nt_setup();
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &p, 0, &size, 0xffffffff,
					      PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
	EXPECT_EQ(p, NULL);
	size = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &p, &size, MEM_RELEASE),
		      STATUS_MEMORY_NOT_ALLOCATED);
	size = 0x1000;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &p, &size, MEM_DECOMMIT),
		      STATUS_MEMORY_NOT_ALLOCATED);
}

TEST(reserve_anywhere_is_bottom_up_and_64k_aligned)
{
	PVOID base = NULL, base2 = NULL;
	SIZE_T size = 0xfffc, size2 = 0x1001;
	uintptr_t gap = 0;

	vm_setup();
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS), STATUS_SUCCESS);
	/* test_VirtualAlloc: 0xfffc bytes reserve one 64 KiB region. */
	EXPECT_EQ(size, 0x10000);
	ASSERT_EQ(pv(base) % GRANULE, 0);
	EXPECT_GE(pv(base), lowest_usable());
	EXPECT_REGION(base, pv(base), 0x10000, MEM_RESERVE, 0, pv(base), PAGE_NOACCESS,
		      MEM_PRIVATE);
	/* Bottom-up: no free, aligned hole below it could have held it. */
	if (free_gap(0, pv(base), 0x10000, &gap)) {
		fprintf(stderr, "# %#lx was free below %p\n", (unsigned long)gap, base);
		ntt_fail();
	}

	/* Without a base the size is rounded up to pages, the base to 64 KiB. */
	ASSERT_STATUS(vm_alloc(&base2, &size2, MEM_RESERVE, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(size2, 0x2000);
	EXPECT_EQ(pv(base2) % GRANULE, 0);
	EXPECT_NE(pv(base2), pv(base));
	EXPECT_REGION(base2, pv(base2), 0x2000, MEM_RESERVE, 0, pv(base2), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(base2);
	xrelease(base);
}

TEST(reserve_top_down_is_above_bottom_up)
{
	PVOID top = NULL, top2 = NULL;
	SIZE_T size = 0x10000, size2 = 0x3000;
	uintptr_t gap = 0;
	char *bottom;

	vm_setup();
	bottom = xreserve(0x10000, PAGE_READWRITE);
	ASSERT_STATUS(vm_alloc(&top, &size, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x10000);
	EXPECT_EQ(pv(top) % GRANULE, 0);
	EXPECT_GT(pv(top), pv(bottom));
	/* Top-down starts from the top of the address space, above the program. */
	EXPECT_GT(pv(top), text_address());
	EXPECT_LE(pv(top) + size, HIGHEST_VAD_END);
	if (free_gap(pv(top) + size, HIGHEST_VAD_END, 0x10000, &gap)) {
		fprintf(stderr, "# %#lx was free above %p\n", (unsigned long)gap, top);
		ntt_fail();
	}
	EXPECT_REGION(top, pv(top), 0x10000, MEM_RESERVE, 0, pv(top), PAGE_READWRITE,
		      MEM_PRIVATE);

	/* With MEM_COMMIT the memory is usable at once. */
	ASSERT_STATUS(vm_alloc(&top2, &size2, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
			       PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(size2, 0x3000);
	EXPECT_GT(pv(top2), pv(bottom));
	EXPECT_NO_FAULT(PROBE_WRITE, cp(pv(top2) + 0x2fff), 7);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, cp(pv(top2) + 0x2fff), 0), 7);
	xrelease(top2);
	xrelease(top);
	xrelease(bottom);
}

TEST(reserve_at_base_rounds_base_down_and_size_up)
{
	/* ReactOS NtAllocateVirtualMemory apitest, CheckAlignment (run on Windows). */
	static const struct {
		uintptr_t offset;
		SIZE_T size, expect;
	} cases[] = {
		{ 0x0000, 0x0001, 0x1000 },
		{ 0x8000, 0x0001, 0x9000 },
		{ 0x0010, 0x1000, 0x2000 },
		{ 0x10000, 0x2000, 0x2000 },
		{ 0xffff, 0x3000, 0x13000 },
		{ 0x1010, 0x7000, 0x9000 },
		{ 0x1010, 0xc000, 0xe000 },
	};
	uintptr_t x;
	unsigned int i;

	vm_setup();
	x = pv(free_range(0x40000));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uintptr_t want = round_down(x + cases[i].offset, GRANULE);
		PVOID base = cp(x + cases[i].offset);
		SIZE_T size = cases[i].size;

		ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS), STATUS_SUCCESS);
		EXPECT_EQ(pv(base), want);
		EXPECT_EQ(size, cases[i].expect);
		EXPECT_REGION(cp(want), want, cases[i].expect, MEM_RESERVE, 0, want,
			      PAGE_NOACCESS, MEM_PRIVATE);
		size = 0;
		ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
		EXPECT_EQ(pv(base), want);
		EXPECT_EQ(size, cases[i].expect);
	}

	/* Reserve and commit at once, unaligned: every byte asked for is usable. */
	{
		PVOID base = cp(x + 0x4080);
		SIZE_T size = 0x1000;

		ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
			      STATUS_SUCCESS);
		EXPECT_EQ(pv(base), x);
		EXPECT_EQ(size, 0x6000);
		EXPECT_REGION(cp(x), x, 0x6000, MEM_COMMIT, PAGE_READWRITE, x, PAGE_READWRITE,
			      MEM_PRIVATE);
		EXPECT_NO_FAULT(PROBE_WRITE, cp(x), 1);
		EXPECT_NO_FAULT(PROBE_WRITE, cp(x + 0x5080), 1);
		xrelease(base);
	}
}

TEST(zero_bits_limit_the_address)
{
	ULONG_PTR zero_bits;
	PVOID base;
	SIZE_T size;
	NTSTATUS s;

	vm_setup();
	/*
	 * test_NtAllocateVirtualMemory: ZeroBits 1..20 keep the address below
	 * 2^(32 - ZeroBits), or fail with STATUS_NO_MEMORY when nothing fits.
	 */
	for (zero_bits = 1; zero_bits <= 20; zero_bits++) {
		base = NULL;
		size = 0x1000;
		s = NtAllocateVirtualMemory(NtCurrentProcess(), &base, zero_bits, &size,
					    MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE);
		if (zero_bits == 1)	/* below 2 GiB there is room on Linux */
			ASSERT_STATUS(s, STATUS_SUCCESS);
		if (s == STATUS_NO_MEMORY)
			continue;
		ASSERT_STATUS(s, STATUS_SUCCESS);
		EXPECT_EQ((pv(base) + size - 1) >> (32 - zero_bits), 0);
		EXPECT_NO_FAULT(PROBE_WRITE, base, 1);
		xrelease(base);
	}

	/* Bottom-up too. */
	base = NULL;
	size = 0x10000;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 1, &size, MEM_RESERVE,
					      PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_LT(pv(base) + size - 1, 0x80000000UL);
	xrelease(base);

	/* Above 31, ZeroBits is a mask whose leading zeros count: below 4 GiB. */
	base = NULL;
	size = 0x10000;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0xffffffffUL, &size,
					      MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_LE(pv(base) + size - 1, 0xffffffffUL);
	xrelease(base);

	/* "only the leading zeroes matter": 0x1aaaaaaa means below 512 MiB. */
	base = NULL;
	size = 0x1000;
	ASSERT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0x1aaaaaaaUL, &size,
					      MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
					      PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_LE(pv(base) + size - 1, 0x1fffffffUL);
	xrelease(base);

	/*
	 * 21 leaves 2 KiB, below the lowest usable address: "21 zero bits
	 * never succeeds" (test_NtAllocateVirtualMemory; the WRK's
	 * STATUS_NO_MEMORY, which the test accepts).
	 */
	base = NULL;
	size = 0x1000;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 21, &size,
					      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_NO_MEMORY);
	EXPECT_EQ(pv(base), 0);
	EXPECT_EQ(size, 0x1000);
}

TEST(zero_bits_invalid)
{
	/*
	 * 22 ("22 zero bits is invalid", test_NtAllocateVirtualMemory; also 24 in
	 * test_NtAllocateVirtualMemoryEx_address_requirements), 31, and a mask
	 * with more than 53 leading zeros: the WRK's STATUS_INVALID_PARAMETER_3.
	 */
	static const ULONG_PTR bad[] = { 22, 24, 31, 0x3ff };
	unsigned int i;

	vm_setup();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PVOID base = NULL;
		SIZE_T size = 0x1000;

		EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, bad[i], &size,
						      MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
			      STATUS_INVALID_PARAMETER_3);
		EXPECT_EQ(pv(base), 0);
		EXPECT_EQ(size, 0x1000);
		/* ZeroBits is the first argument checked (the WRK's order). */
		EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, bad[i], &size, 0,
						      0), STATUS_INVALID_PARAMETER_3);
	}
}

TEST(reserve_conflicts_with_existing_memory)
{
	uintptr_t a, text, m_aligned;
	unsigned int i;
	char *m;
	static const struct {
		uintptr_t offset;
		SIZE_T size;
	} cases[] = {
		{ 0x0000, 0x1000 },
		{ 0x1000, 0x1000 },	/* rounds down onto the reservation */
		{ 0x1f000, 0x2000 },	/* runs past its end */
		{ 0x10000, 0x10000 },
	};

	vm_setup();
	a = pv(xreserve(0x20000, PAGE_NOACCESS));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		PVOID base = cp(a + cases[i].offset);
		SIZE_T size = cases[i].size;

		EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
		EXPECT_EQ(pv(base), a + cases[i].offset);
		EXPECT_EQ(size, cases[i].size);
		/* "it should conflict, even when zero_bits is explicitly set" */
		EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 12, &size,
						      MEM_RESERVE, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
	}
	EXPECT_REGION(cp(a), a, 0x20000, MEM_RESERVE, 0, a, PAGE_NOACCESS, MEM_PRIVATE);

	/* Linux's own mappings are taken too: the program's text ... */
	text = round_down(text_address(), GRANULE);
	{
		PVOID base = cp(text);
		SIZE_T size = GRANULE;

		EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
		EXPECT_EQ(pv(base), text);
	}
	EXPECT_EQ(text_marker(2), 7);

	/* ... and anonymous memory, which keeps its contents. */
	m = mmap(NULL, 0x30000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	memset(m, 0x5a, 0x30000);
	m_aligned = round_up(pv(m), GRANULE);
	{
		PVOID base = cp(m_aligned);
		SIZE_T size = GRANULE;

		EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
	}
	for (i = 0; i < 0x30000; i += PAGE)
		EXPECT_EQ(m[i], 0x5a);
	munmap(m, 0x30000);

	/* Below 64 KiB nothing can be allocated (ReactOS apitest, on Windows). */
	{
		PVOID base = cp(0xf000);
		SIZE_T size = 0x1000;

		EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_READWRITE),
			      STATUS_INVALID_PARAMETER_2);
		EXPECT_EQ(pv(base), 0xf000);
	}
	xrelease(cp(a));
}

/* ------------------------------------------------------------------------ */
/* NtAllocateVirtualMemory: commit                                          */
/* ------------------------------------------------------------------------ */

TEST(commit_inside_reservation)
{
	PVOID base;
	SIZE_T size;
	uintptr_t r;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_NOACCESS));

	base = cp(r + 0x2000);
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), r + 0x2000);
	EXPECT_EQ(size, 0x1000);
	EXPECT_REGION(cp(r), r, 0x2000, MEM_RESERVE, 0, r, PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0x2000), r + 0x2000, 0x1000, MEM_COMMIT, PAGE_READWRITE, r,
		      PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0x3000), r + 0x3000, 0xd000, MEM_RESERVE, 0, r, PAGE_NOACCESS,
		      MEM_PRIVATE);
	memset(cp(r + 0x2000), 0x77, 0x1000);

	/*
	 * Committing committed pages again succeeds and sets the new protection
	 * (ReactOS CheckAlignment, "Commit the same address again with a
	 * different protection"; CheckAdjacentVADs); the data stays.
	 */
	base = cp(r + 0x2000);
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READONLY), STATUS_SUCCESS);
	EXPECT_REGION(cp(r + 0x2000), r + 0x2000, 0x1000, MEM_COMMIT, PAGE_READONLY, r,
		      PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_EQ(cp(r)[0x2fff], 0x77);
	EXPECT_FAULT(PROBE_WRITE, cp(r + 0x2010), STATUS_ACCESS_VIOLATION, 1);

	/* A range mixing committed and reserved pages commits the lot. */
	base = cp(r + 0x1000);
	size = 0x3000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_REGION(cp(r + 0x1000), r + 0x1000, 0x3000, MEM_COMMIT, PAGE_READWRITE, r,
		      PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_EQ(cp(r)[0x2000], 0x77);
	EXPECT_EQ(cp(r)[0x1000], 0);

	/* An unaligned range commits every page it touches. */
	base = cp(r + 0x6010);
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_EXECUTE_READ), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), r + 0x6000);
	EXPECT_EQ(size, 0x2000);
	EXPECT_REGION(cp(r + 0x6000), r + 0x6000, 0x2000, MEM_COMMIT, PAGE_EXECUTE_READ, r,
		      PAGE_NOACCESS, MEM_PRIVATE);
	xrelease(cp(r));

	/* MEM_COMMIT without a base reserves as well (VirtualAlloc's usual call). */
	base = NULL;
	size = 0x2001;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base) % GRANULE, 0);
	EXPECT_EQ(size, 0x3000);
	EXPECT_REGION(base, pv(base), 0x3000, MEM_COMMIT, PAGE_READWRITE, pv(base),
		      PAGE_READWRITE, MEM_PRIVATE);
	xrelease(base);
}

TEST(commit_outside_one_reservation_conflicts)
{
	static const struct {
		uintptr_t offset;
		SIZE_T size;
	} cases[] = {
		/* Across two reservations (ReactOS CheckAdjacentVADs). */
		{ 0x4000, 0x10000 },
		/* Past the end of the second one. */
		{ 0x1f000, 0x2000 },
		/* Where nothing is reserved (the WRK and ReactOS: no VAD). */
		{ 0x20000, 0x1000 },
	};
	PVOID base;
	SIZE_T size;
	uintptr_t x;
	unsigned int i;

	vm_setup();
	x = pv(free_range(0x30000));
	xalloc_at(x, 0x10000, 0, PAGE_NOACCESS);
	xalloc_at(x + 0x10000, 0x10000, 0, PAGE_NOACCESS);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		base = cp(x + cases[i].offset);
		size = cases[i].size;
		EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE),
			      STATUS_CONFLICTING_ADDRESSES);
		EXPECT_EQ(pv(base), x + cases[i].offset);
		EXPECT_EQ(size, cases[i].size);
	}
	/* Nothing was committed. */
	EXPECT_REGION(cp(x), x, 0x10000, MEM_RESERVE, 0, x, PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_REGION(cp(x + 0x10000), x + 0x10000, 0x10000, MEM_RESERVE, 0, x + 0x10000,
		      PAGE_NOACCESS, MEM_PRIVATE);
	EXPECT_EQ(xquery(cp(x + 0x20000)).State, MEM_FREE);
	xrelease(cp(x));
	xrelease(cp(x + 0x10000));

	/*
	 * A reservation smaller than 64 KiB ends where it ends, not at the
	 * granule: committing just past it fails (ReactOS CheckAlignment,
	 * "Commit memory at a too high address").
	 */
	xalloc_at(x, 0x3000, 0, PAGE_NOACCESS);
	base = cp(x + 0x3000);
	size = 0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_NOACCESS),
		      STATUS_CONFLICTING_ADDRESSES);
	xrelease(cp(x));
}

TEST(allocation_type_invalid)
{
	static const struct {
		ULONG type;
		NTSTATUS status;
	} cases[] = {
		/* No action at all: the WRK's STATUS_INVALID_PARAMETER_5. */
		{ 0, STATUS_INVALID_PARAMETER_5 },
		{ MEM_TOP_DOWN, STATUS_INVALID_PARAMETER_5 },
		{ MEM_WRITE_WATCH, STATUS_INVALID_PARAMETER_5 },
		/* Unknown bits: AT_ROUND_TO_PAGE (test_NtAllocateVirtualMemory). */
		{ MEM_RESERVE | MEM_COMMIT | 0x40000000, STATUS_INVALID_PARAMETER_5 },
		{ MEM_COMMIT | 0x10, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RELEASE, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RESERVE | MEM_FREE, STATUS_INVALID_PARAMETER_5 },
		/* MEM_WRITE_WATCH needs MEM_RESERVE (the WRK; VirtualAlloc's doc). */
		{ MEM_COMMIT | MEM_WRITE_WATCH, STATUS_INVALID_PARAMETER_5 },
		/* MEM_RESET and MEM_RESET_UNDO go alone (VirtualAlloc's doc). */
		{ MEM_RESET | MEM_COMMIT, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RESET | MEM_RESERVE, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RESET_UNDO | MEM_COMMIT, STATUS_INVALID_PARAMETER_5 },
		{ MEM_RESET | MEM_RESET_UNDO, STATUS_INVALID_PARAMETER_5 },
		/*
		 * MEM_DECOMMIT is 0x4000, MEM_REPLACE_PLACEHOLDER, and
		 * MEM_RESERVE_PLACEHOLDER is 0x40000: placeholder flags, which
		 * NtAllocateVirtualMemory refuses with STATUS_INVALID_PARAMETER
		 * (test_NtAllocateVirtualMemoryEx, "Placeholder functionality").
		 */
		{ MEM_DECOMMIT, STATUS_INVALID_PARAMETER },
		{ MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, STATUS_INVALID_PARAMETER },
	};
	uintptr_t r;
	unsigned int i;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_NOACCESS));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		PVOID base = NULL;
		SIZE_T size = 0x1000;
		NTSTATUS s;

		s = vm_alloc(&base, &size, cases[i].type, PAGE_READWRITE);
		if (s != cases[i].status)
			fprintf(stderr, "# AllocationType %#x\n", cases[i].type);
		EXPECT_STATUS(s, cases[i].status);
		EXPECT_EQ(pv(base), 0);
		EXPECT_EQ(size, 0x1000);

		/* The same inside a reservation. */
		base = cp(r);
		s = vm_alloc(&base, &size, cases[i].type, PAGE_READWRITE);
		if (s != cases[i].status)
			fprintf(stderr, "# AllocationType %#x at a reservation\n", cases[i].type);
		EXPECT_STATUS(s, cases[i].status);
		EXPECT_EQ(pv(base), r);
		EXPECT_EQ(size, 0x1000);
	}
	EXPECT_REGION(cp(r), r, 0x10000, MEM_RESERVE, 0, r, PAGE_NOACCESS, MEM_PRIVATE);
	xrelease(cp(r));
}

TEST(allocation_protection_invalid)
{
	/*
	 * Exactly one base protection, no PAGE_GUARD/PAGE_NOCACHE/
	 * PAGE_WRITECOMBINE with PAGE_NOACCESS or each other, and no write-copy
	 * for private memory (test_VirtualAlloc, test_VirtualAlloc_protection;
	 * "Memory Protection Constants"; STATUS_INVALID_PAGE_PROTECTION as in
	 * the WRK and ReactOS).
	 */
	static const ULONG bad[] = {
		0,
		PAGE_READONLY | PAGE_EXECUTE,
		PAGE_READONLY | PAGE_NOACCESS,
		PAGE_READWRITE | PAGE_EXECUTE_READWRITE,
		PAGE_WRITECOPY,
		PAGE_EXECUTE_WRITECOPY,
		PAGE_GUARD,
		PAGE_NOCACHE,
		PAGE_NOACCESS | PAGE_GUARD,
		PAGE_NOACCESS | PAGE_NOCACHE,
		PAGE_NOACCESS | PAGE_WRITECOMBINE,
		PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
		PAGE_READWRITE | PAGE_GUARD | PAGE_WRITECOMBINE,
		PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE,
		PAGE_READWRITE | 0x800,
	};
	static const ULONG types[] = { MEM_RESERVE, MEM_RESERVE | MEM_COMMIT, MEM_COMMIT };
	uintptr_t r;
	unsigned int i, t;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_NOACCESS));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			PVOID base = NULL;
			SIZE_T size = 0x1000;
			NTSTATUS s = vm_alloc(&base, &size, types[t], bad[i]);

			if (s != STATUS_INVALID_PAGE_PROTECTION)
				fprintf(stderr, "# Protect %#x, AllocationType %#x\n", bad[i],
					types[t]);
			EXPECT_STATUS(s, STATUS_INVALID_PAGE_PROTECTION);
			EXPECT_EQ(pv(base), 0);
		}
		/* Committing inside a reservation checks the same way. */
		{
			PVOID base = cp(r);
			SIZE_T size = 0x1000;

			EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, bad[i]),
				      STATUS_INVALID_PAGE_PROTECTION);
		}
	}
	EXPECT_REGION(cp(r), r, 0x10000, MEM_RESERVE, 0, r, PAGE_NOACCESS, MEM_PRIVATE);
	xrelease(cp(r));

	/* The modifiers alone on a base protection are fine. */
	{
		static const ULONG good[] = {
			PAGE_READWRITE | PAGE_GUARD,
			PAGE_READWRITE | PAGE_NOCACHE,	/* test_VirtualAlloc */
			PAGE_EXECUTE_READWRITE | PAGE_WRITECOMBINE,
		};

		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			char *p = xalloc(0x2000, good[i]);

			EXPECT_REGION(p, pv(p), 0x2000, MEM_COMMIT, good[i], pv(p), good[i],
				      MEM_PRIVATE);
			xrelease(p);
		}
	}
}

TEST(allocation_size_and_base_out_of_range)
{
	PVOID base;
	SIZE_T size;
	uintptr_t r;

	vm_setup();
	/* A zero size fails (test_VirtualAlloc; the WRK's STATUS_INVALID_PARAMETER_4). */
	base = NULL;
	size = 0;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_4);
	EXPECT_EQ(pv(base), 0);
	EXPECT_EQ(size, 0);
	r = pv(xreserve(0x10000, PAGE_NOACCESS));
	base = cp(r);
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_4);
	EXPECT_EQ(pv(base), r);
	EXPECT_EQ(xquery(cp(r)).State, MEM_RESERVE);

	/* More than the user address space. */
	base = NULL;
	size = 0x800000000000UL;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_4);
	EXPECT_EQ(size, 0x800000000000UL);
	size = (SIZE_T)-0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_4);
	base = cp(r);
	size = 0x800000000000UL - r;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_4);

	/* A base above MM_HIGHEST_VAD_ADDRESS: the WRK's STATUS_INVALID_PARAMETER_2. */
	base = cp(HIGHEST_VAD_END);
	size = 0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_2);
	EXPECT_EQ(pv(base), HIGHEST_VAD_END);
	base = cp(0x800000000000UL);
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE, PAGE_NOACCESS),
		      STATUS_INVALID_PARAMETER_2);
	base = cp(0xffff800000000000UL);
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_2);
	xrelease(cp(r));
}

TEST(null_pointer_arguments)
{
	PVOID base, got;
	SIZE_T size;
	ULONG old = NTT_POISON32;
	IO_STATUS_BLOCK iosb;
	MEMORY_BASIC_INFORMATION mbi;
	ULONG_PTR count = 4;
	ULONG granularity = NTT_POISON32;
	NTSTATUS code = (NTSTATUS)NTT_POISON32;
	char *p;

	vm_setup();
	/* The pointers the services write through are probed: an access violation. */
	size = 0x1000;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), NULL, 0, &size, MEM_RESERVE,
					      PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(size, 0x1000);
	base = NULL;
	EXPECT_STATUS(NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, NULL, MEM_RESERVE,
					      PAGE_READWRITE), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(pv(base), 0);

	p = xalloc(0x1000, PAGE_READWRITE);
	base = p;
	size = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), NULL, &size, MEM_RELEASE),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtFreeVirtualMemory(NtCurrentProcess(), &base, NULL, MEM_RELEASE),
		      STATUS_ACCESS_VIOLATION);

	/* OldProtect is not optional (the WRK probes it with the others). */
	size = 0x1000;
	EXPECT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, &size, PAGE_READONLY,
					     NULL), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), NULL, &size, PAGE_READONLY,
					     &old), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtProtectVirtualMemory(NtCurrentProcess(), &base, NULL, PAGE_READONLY,
					     &old), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(old, NTT_POISON32);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x1000);

	EXPECT_STATUS(NtLockVirtualMemory(NtCurrentProcess(), NULL, &size, MAP_PROCESS),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtUnlockVirtualMemory(NtCurrentProcess(), &base, NULL, MAP_PROCESS),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, NULL),
		      STATUS_ACCESS_VIOLATION);
	memset(&iosb, NTT_POISON, sizeof(iosb));
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), NULL, &size, &iosb),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_EQ((uint32_t)iosb.Status, NTT_POISON32);
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, p, 0x1000, &got, NULL,
				      &granularity), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, p, 0x1000, &got, &count, NULL),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(count, 4);
	EXPECT_EQ(granularity, NTT_POISON32);

	/* The buffer is probed before anything else (WRK queryvm.c). */
	size = NTT_POISON64;
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, MemoryBasicInformation, NULL,
					   sizeof(mbi), &size), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(size, NTT_POISON64);

	EXPECT_STATUS(NtxGetLastException(NULL, NULL, NULL), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtxGetLastException(&code, NULL, NULL), STATUS_SUCCESS);
	EXPECT_EQ(code, 0);

	/* Nothing happened to the memory. */
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* NtFreeVirtualMemory                                                      */
/* ------------------------------------------------------------------------ */

TEST(decommit_then_recommit_reads_zero)
{
	PVOID base;
	SIZE_T size;
	char *p;
	unsigned int i;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	memset(p, 0xa5, 0x10000);

	base = p + 0x2000;
	size = 0x3000;
	ASSERT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p) + 0x2000);
	EXPECT_EQ(size, 0x3000);
	EXPECT_REGION(p + 0x2000, pv(p) + 0x2000, 0x3000, MEM_RESERVE, 0, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(p + 0x5000, pv(p) + 0x5000, 0xb000, MEM_COMMIT, PAGE_READWRITE, pv(p),
		      PAGE_READWRITE, MEM_PRIVATE);
	/* Decommitted pages are gone from the page tables. */
	EXPECT_FAULT(PROBE_READ, p + 0x2000, STATUS_ACCESS_VIOLATION, 0);
	EXPECT_FAULT(PROBE_WRITE, p + 0x4ffc, STATUS_ACCESS_VIOLATION, 1);
	/* Their neighbours keep their data. */
	EXPECT_EQ((unsigned char)p[0x1fff], 0xa5);
	EXPECT_EQ((unsigned char)p[0x5000], 0xa5);

	xcommit(p + 0x2000, 0x3000, PAGE_READWRITE);
	for (i = 0x2000; i < 0x5000; i += 8)
		if (*(uint64_t *)(p + i)) {
			fprintf(stderr, "# %p is not zero after a recommit\n", p + i);
			ntt_fail();
			break;
		}

	/*
	 * Two bytes straddling a page boundary decommit both pages, and the
	 * rounded range is reported (test_NtAllocateVirtualMemory).
	 */
	base = p + 0x1fff;
	size = 2;
	ASSERT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p) + 0x1000);
	EXPECT_EQ(size, 0x2000);
	EXPECT_EQ(xquery(p + 0x1000).State, MEM_RESERVE);
	EXPECT_EQ(xquery(p + 0x2000).State, MEM_RESERVE);

	/*
	 * Size 0 decommits the whole allocation from its base (any address in
	 * its first page), reporting 0 bytes: test_NtAllocateVirtualMemory
	 * accepts 0x10000 only as broken, from Windows 10 1709 and older.
	 */
	base = p + 0xffe;
	size = 0;
	ASSERT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0);
	EXPECT_REGION(p, pv(p), 0x10000, MEM_RESERVE, 0, pv(p), PAGE_READWRITE, MEM_PRIVATE);
	xrelease(p);
}

TEST(decommit_reserved_pages_is_allowed)
{
	PVOID base;
	SIZE_T size;
	char *p;

	vm_setup();
	/* ReactOS CheckAlignment: "Decommit the memory, even those pages that were not committed". */
	p = xreserve(0x10000, PAGE_NOACCESS);
	xcommit(p + 0x1000, 0x1000, PAGE_READWRITE);
	base = p;
	size = 0x3000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x3000);
	EXPECT_REGION(p, pv(p), 0x10000, MEM_RESERVE, 0, pv(p), PAGE_NOACCESS, MEM_PRIVATE);
	/* Reserved-only pages, none committed at all (ReactOS NtFreeVirtualMemory). */
	base = p + 0x8000;
	size = 0x1000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_SUCCESS);
	xrelease(p);
}

TEST(release_whole_allocation)
{
	PVOID base;
	SIZE_T size;
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	xprotect(p + 0x3000, 0x1000, PAGE_READONLY);
	p[0] = 1;

	/* Any address in the first page with size 0 is the base (test_NtAllocateVirtualMemory). */
	base = p + 0xfff;
	size = 0;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x10000);
	EXPECT_REGION(p, pv(p), xquery(p).RegionSize, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	EXPECT_GE(xquery(p).RegionSize, 0x10000);
	EXPECT_ANY_FAULT(PROBE_READ, p);
	EXPECT_ANY_FAULT(PROBE_WRITE, p + 0xffff);

	/* The address is free again, even for a reservation at that base. */
	xrelease(xalloc_at(pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE));
}

TEST(release_needs_the_base_or_a_size)
{
	PVOID base;
	SIZE_T size;
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);

	/* test_NtAllocateVirtualMemory and test_NtFreeVirtualMemory. */
	base = p + 0x1001;
	size = 0;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_FREE_VM_NOT_AT_BASE);
	EXPECT_EQ(pv(base), pv(p) + 0x1001);
	EXPECT_EQ(size, 0);
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_FREE_VM_NOT_AT_BASE);
	EXPECT_EQ(pv(base), pv(p) + 0x1001);
	EXPECT_EQ(size, 0);

	/* A range running past the allocation: STATUS_UNABLE_TO_FREE_VM. */
	base = p;
	size = 0x11000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	EXPECT_EQ(size, 0x11000);
	base = p + 0x1001;
	size = 0xffff;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	EXPECT_EQ(pv(base), pv(p) + 0x1001);
	EXPECT_EQ(size, 0xffff);
	base = p;
	size = 0x10001;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_UNABLE_TO_FREE_VM);

	/* Still all there. */
	EXPECT_REGION(p, pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x1001, 1);
	xrelease(p);
}

TEST(release_part_of_an_allocation)
{
	PVOID base;
	SIZE_T size;
	uintptr_t a;

	vm_setup();
	/* The sequence of test_NtFreeVirtualMemory. */
	a = pv(xalloc(0x10000, PAGE_READWRITE));

	/* Page 1, from an unaligned address and size. */
	base = cp(a + 0x1001);
	size = 0xfff;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), a + 0x1000);
	EXPECT_EQ(size, 0x1000);
	EXPECT_NO_FAULT(PROBE_WRITE, cp(a), 1);
	EXPECT_NO_FAULT(PROBE_WRITE, cp(a + 0x2000), 1);
	EXPECT_ANY_FAULT(PROBE_READ, cp(a + 0x1000));
	/* Page 0 and pages 2..15 are now allocations of their own. */
	EXPECT_REGION(cp(a), a, 0x1000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(cp(a + 0x1000), a + 0x1000, 0x1000, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	EXPECT_REGION(cp(a + 0x2000), a + 0x2000, 0xe000, MEM_COMMIT, PAGE_READWRITE, a + 0x2000,
		      PAGE_READWRITE, MEM_PRIVATE);

	/* Page 0. */
	base = cp(a + 1);
	size = 0xfff;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), a);
	EXPECT_EQ(size, 0x1000);
	EXPECT_NO_FAULT(PROBE_WRITE, cp(a + 0x2000), 1);

	/* Page 0 can be allocated again. */
	base = cp(a);
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_SUCCESS);
	EXPECT_EQ(pv(base), a);
	EXPECT_EQ(size, 0x1000);

	/* The ranges are per allocation now. */
	base = cp(a);
	size = 0x10000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_UNABLE_TO_FREE_VM);
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	base = cp(a + 0x1000);
	size = 0;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
	size = 0x1000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_MEMORY_NOT_ALLOCATED);

	/* Pages 2..15 go with size 0 from their own base. */
	base = cp(a + 0x2000);
	size = 0;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(size, 0xe000);
	base = cp(a);
	size = 0x1000;
	ASSERT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(xquery(cp(a)).State, MEM_FREE);
	EXPECT_GE(xquery(cp(a)).RegionSize, 0x10000);
}

TEST(free_unallocated_memory)
{
	PVOID base;
	SIZE_T size;
	uintptr_t x;

	vm_setup();
	x = pv(free_range(0x10000));
	base = cp(x);
	size = 0;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
	EXPECT_EQ(pv(base), x);
	EXPECT_EQ(size, 0);
	size = 0x1000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_DECOMMIT), STATUS_MEMORY_NOT_ALLOCATED);
	EXPECT_EQ(size, 0x1000);

	/*
	 * In the same 64 KiB granule as a smaller allocation, past its end
	 * (ReactOS CheckAlignment, "Release the memory in the same 64k region
	 * at a different address").
	 */
	xalloc_at(x, 0x3000, 0, PAGE_NOACCESS);
	base = cp(x + 0x8000);
	size = 0x1000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);
	/* And with the right base but the wrong size. */
	base = cp(x);
	size = 0x4000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_UNABLE_TO_FREE_VM);
	size = 0x3000;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_SUCCESS);

	/*
	 * Linux's own memory is not the module's to free. Which error depends
	 * on how it is filed: no allocation (STATUS_MEMORY_NOT_ALLOCATED) or,
	 * as the text is reported MEM_MAPPED, a view (the WRK's
	 * STATUS_UNABLE_TO_DELETE_SECTION); either way it fails.
	 */
	{
		NTSTATUS s;

		base = cp(round_down(text_address(), PAGE));
		size = 0;
		s = vm_free(&base, &size, MEM_RELEASE);
		EXPECT_TRUE(NT_ERROR(s));
		EXPECT_EQ(pv(base), round_down(text_address(), PAGE));
		if (!NT_ERROR(s))
			fprintf(stderr, "# releasing the text gave %s\n", NtxStatusName(s));
		EXPECT_EQ(text_marker(1), 4);
	}
}

TEST(free_type_invalid)
{
	/*
	 * FreeType is exactly MEM_DECOMMIT or MEM_RELEASE (the WRK's
	 * STATUS_INVALID_PARAMETER_4; test_VirtualAlloc refuses 0 and MEM_FREE).
	 */
	static const ULONG bad[] = {
		0, MEM_DECOMMIT | MEM_RELEASE, MEM_RELEASE | 0x10, MEM_DECOMMIT | 0x100000,
		MEM_FREE, MEM_RESERVE, MEM_COMMIT, MEM_RESET, 0x80000000,
	};
	unsigned int i;
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PVOID base = p;
		SIZE_T size = 0;
		NTSTATUS s = vm_free(&base, &size, bad[i]);

		if (s != STATUS_INVALID_PARAMETER_4)
			fprintf(stderr, "# FreeType %#x\n", bad[i]);
		EXPECT_STATUS(s, STATUS_INVALID_PARAMETER_4);
		EXPECT_EQ(pv(base), pv(p));
		EXPECT_EQ(size, 0);
	}
	EXPECT_REGION(p, pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* NtProtectVirtualMemory                                                   */
/* ------------------------------------------------------------------------ */

static const ULONG base_protections[] = {
	PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE,
	PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
};

TEST(protect_every_protection_and_modifier)
{
	static const ULONG modifiers[] = { 0, PAGE_GUARD, PAGE_NOCACHE, PAGE_WRITECOMBINE };
	ULONG prev = PAGE_READWRITE;
	unsigned int i, m;
	char *p;

	vm_setup();
	p = xalloc(0x2000, PAGE_READWRITE);
	for (i = 0; i < sizeof(base_protections) / sizeof(base_protections[0]); i++) {
		for (m = 0; m < sizeof(modifiers) / sizeof(modifiers[0]); m++) {
			ULONG want = base_protections[i] | modifiers[m];
			ULONG old = NTT_POISON32, shown;
			PVOID base = p;
			SIZE_T size = 0x1000;
			NTSTATUS s = vm_protect(&base, &size, want, &old);

			if (base_protections[i] == PAGE_NOACCESS && modifiers[m]) {
				/* "cannot be used with PAGE_NOACCESS" */
				if (s != STATUS_INVALID_PAGE_PROTECTION)
					fprintf(stderr, "# protection %#x\n", want);
				EXPECT_STATUS(s, STATUS_INVALID_PAGE_PROTECTION);
				EXPECT_EQ(old, NTT_POISON32);
				continue;
			}
			if (s != STATUS_SUCCESS)
				fprintf(stderr, "# protection %#x\n", want);
			EXPECT_STATUS(s, STATUS_SUCCESS);
			EXPECT_EQ(pv(base), pv(p));
			EXPECT_EQ(size, 0x1000);
			/* OldProtect is what the page had, modifiers included. */
			EXPECT_EQ(old, prev);
			/*
			 * The cache attribute belongs to the allocation in
			 * recent Windows: asking PAGE_NOCACHE on a cached
			 * allocation reports the base protection alone
			 * (test_VirtualAlloc, "PAGE_NOCACHE cannot be set per
			 * page"); PAGE_WRITECOMBINE likewise.
			 */
			shown = modifiers[m] == PAGE_GUARD ? want : base_protections[i];
			EXPECT_REGION(p, pv(p), shown == PAGE_READWRITE ? 0x2000 : 0x1000,
				      MEM_COMMIT, shown, pv(p), PAGE_READWRITE, MEM_PRIVATE);
			prev = shown;
		}
	}
	xrelease(p);
}

TEST(protect_writecopy_on_private_memory)
{
	static const ULONG writecopy[] = {
		PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY, PAGE_WRITECOPY | PAGE_GUARD,
	};
	unsigned int i;
	char *p;

	vm_setup();
	/*
	 * Write-copy is for views of sections only (test_VirtualProtect expects
	 * failure on private memory). The status is ReactOS'
	 * MiProtectVirtualMemory's, "Invalid protection flags for private
	 * memory": STATUS_INVALID_PARAMETER_4, the value being valid as such.
	 */
	p = xalloc(0x1000, PAGE_READWRITE);
	for (i = 0; i < sizeof(writecopy) / sizeof(writecopy[0]); i++) {
		PVOID base = p;
		SIZE_T size = 0x1000;
		ULONG old = NTT_POISON32;

		EXPECT_STATUS(vm_protect(&base, &size, writecopy[i], &old),
			      STATUS_INVALID_PARAMETER_4);
		EXPECT_EQ(old, NTT_POISON32);
	}
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(p);
}

TEST(protect_invalid_values)
{
	/* MiMakeProtectionMask's refusals: STATUS_INVALID_PAGE_PROTECTION. */
	static const ULONG bad[] = {
		0,
		PAGE_READONLY | PAGE_EXECUTE,
		PAGE_READWRITE | PAGE_EXECUTE_WRITECOPY,	/* test_VirtualAlloc */
		PAGE_GUARD,
		PAGE_NOCACHE,
		PAGE_NOACCESS | PAGE_GUARD,
		PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE,
		PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
		PAGE_READWRITE | 0x800,
	};
	unsigned int i;
	char *p;

	vm_setup();
	p = xalloc(0x1000, PAGE_READWRITE);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PVOID base = p;
		SIZE_T size = 0x1000;
		ULONG old = NTT_POISON32;
		NTSTATUS s = vm_protect(&base, &size, bad[i], &old);

		if (s != STATUS_INVALID_PAGE_PROTECTION)
			fprintf(stderr, "# protection %#x\n", bad[i]);
		EXPECT_STATUS(s, STATUS_INVALID_PAGE_PROTECTION);
		EXPECT_EQ(old, NTT_POISON32);
		EXPECT_EQ(pv(base), pv(p));
		EXPECT_EQ(size, 0x1000);
	}
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(p);
}

TEST(protect_nocache_allocation)
{
	char *p;

	vm_setup();
	/* test_VirtualAlloc, "PAGE_NOCACHE cannot be set per page in recent Windows". */
	p = xalloc(0x2000, PAGE_READWRITE | PAGE_NOCACHE);
	EXPECT_REGION(p, pv(p), 0x2000, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE, pv(p),
		      PAGE_READWRITE | PAGE_NOCACHE, MEM_PRIVATE);
	EXPECT_EQ(xprotect(p, 0x1000, PAGE_READWRITE), PAGE_READWRITE | PAGE_NOCACHE);
	EXPECT_REGION(p, pv(p), 0x2000, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE, pv(p),
		      PAGE_READWRITE | PAGE_NOCACHE, MEM_PRIVATE);
	EXPECT_EQ(xprotect(p, 0x1000, PAGE_READONLY), PAGE_READWRITE | PAGE_NOCACHE);
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_READONLY | PAGE_NOCACHE, pv(p),
		      PAGE_READWRITE | PAGE_NOCACHE, MEM_PRIVATE);
	/* Uncached memory still works as memory. */
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x1800, 9);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0x1800, 0), 9);
	EXPECT_FAULT(PROBE_WRITE, p + 0x800, STATUS_ACCESS_VIOLATION, 1);
	xrelease(p);
}

TEST(protect_reports_first_page_and_rounds)
{
	PVOID base;
	SIZE_T size;
	ULONG old;
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	xprotect(p + 0x1000, 0x1000, PAGE_READONLY);

	/* [p + 0x10, p + 0x1010) touches pages 0 and 1. */
	base = p + 0x10;
	size = 0x1000;
	old = NTT_POISON32;
	ASSERT_STATUS(vm_protect(&base, &size, PAGE_EXECUTE_READ, &old), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x2000);
	/* The old protection of the first page only (ReactOS: "Save protection of the first page"). */
	EXPECT_EQ(old, PAGE_READWRITE);
	EXPECT_REGION(p, pv(p), 0x2000, MEM_COMMIT, PAGE_EXECUTE_READ, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);

	base = p + 0x1fff;
	size = 2;
	old = NTT_POISON32;
	ASSERT_STATUS(vm_protect(&base, &size, PAGE_NOACCESS, &old), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p) + 0x1000);
	EXPECT_EQ(size, 0x2000);
	EXPECT_EQ(old, PAGE_EXECUTE_READ);
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_EXECUTE_READ, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(p + 0x1000, pv(p) + 0x1000, 0x2000, MEM_COMMIT, PAGE_NOACCESS, pv(p),
		      PAGE_READWRITE, MEM_PRIVATE);
	EXPECT_REGION(p + 0x3000, pv(p) + 0x3000, 0xd000, MEM_COMMIT, PAGE_READWRITE, pv(p),
		      PAGE_READWRITE, MEM_PRIVATE);
	xrelease(p);
}

TEST(protect_uncommitted_pages_fails)
{
	PVOID base;
	SIZE_T size;
	ULONG old;
	char *p;

	vm_setup();
	/*
	 * test_VirtualAlloc: "VirtualProtect should fail on a not committed
	 * memory", also when only part of the range is committed
	 * (ERROR_INVALID_ADDRESS; the status is STATUS_NOT_COMMITTED in the WRK
	 * and ReactOS, "The entire range is not committed").
	 */
	p = xreserve(0x10000, PAGE_NOACCESS);
	base = p;
	size = 0xfffc;
	old = NTT_POISON32;
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READONLY, &old), STATUS_NOT_COMMITTED);
	EXPECT_EQ(old, NTT_POISON32);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0xfffc);

	xcommit(p, 0x1000, PAGE_NOACCESS);
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READONLY, &old), STATUS_NOT_COMMITTED);
	EXPECT_EQ(old, NTT_POISON32);
	base = p + 0x1000;
	size = 0x1000;
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READONLY, &old), STATUS_NOT_COMMITTED);
	/* Nothing changed, not even the committed page. */
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_NOACCESS, pv(p), PAGE_NOACCESS,
		      MEM_PRIVATE);
	EXPECT_EQ(xprotect(p, 0x1000, PAGE_READONLY), PAGE_NOACCESS);
	EXPECT_EQ(xprotect(p, 0x1000, PAGE_READWRITE), PAGE_READONLY);
	xrelease(p);
}

TEST(protect_outside_one_allocation_conflicts)
{
	PVOID base;
	SIZE_T size;
	ULONG old;
	uintptr_t x;

	vm_setup();
	/* ReactOS' MiProtectVirtualMemory: no VAD, or not within one VAD. */
	x = pv(free_range(0x30000));
	xalloc_at(x, 0x10000, MEM_COMMIT, PAGE_READWRITE);
	xalloc_at(x + 0x10000, 0x10000, MEM_COMMIT, PAGE_READWRITE);
	base = cp(x + 0xf000);
	size = 0x2000;
	old = NTT_POISON32;
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READONLY, &old), STATUS_CONFLICTING_ADDRESSES);
	EXPECT_EQ(old, NTT_POISON32);
	EXPECT_EQ(pv(base), x + 0xf000);
	EXPECT_EQ(size, 0x2000);
	base = cp(x + 0x1f000);
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READONLY, &old), STATUS_CONFLICTING_ADDRESSES);
	base = cp(x + 0x20000);
	size = 0x1000;
	EXPECT_STATUS(vm_protect(&base, &size, PAGE_READONLY, &old), STATUS_CONFLICTING_ADDRESSES);
	EXPECT_EQ(old, NTT_POISON32);
	/* Neither allocation changed. */
	EXPECT_REGION(cp(x), x, 0x10000, MEM_COMMIT, PAGE_READWRITE, x, PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(cp(x + 0x10000), x + 0x10000, 0x10000, MEM_COMMIT, PAGE_READWRITE,
		      x + 0x10000, PAGE_READWRITE, MEM_PRIVATE);
	xrelease(cp(x));
	xrelease(cp(x + 0x10000));
}

/* ------------------------------------------------------------------------ */
/* The page tables                                                          */
/* ------------------------------------------------------------------------ */

TEST(exception_record_is_empty_then_cleared_by_reading)
{
	NTSTATUS code = (NTSTATUS)NTT_POISON32;
	ULONG access = NTT_POISON32;
	PVOID address = POISON_PTR;
	char *p;

	vm_setup();
	ASSERT_STATUS(NtxGetLastException(&code, &access, &address), STATUS_SUCCESS);
	EXPECT_EQ(code, 0);

	p = xalloc(0x1000, PAGE_NOACCESS);
	probe_no_query = 1;
	EXPECT_ANY_FAULT(PROBE_READ, p + 0x10);
	probe_no_query = 0;
	code = (NTSTATUS)NTT_POISON32;
	ASSERT_STATUS(NtxGetLastException(&code, &access, &address), STATUS_SUCCESS);
	EXPECT_STATUS(code, STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(access, 0);
	EXPECT_EQ(pv(address), pv(p) + 0x10);
	/* Read once. */
	code = (NTSTATUS)NTT_POISON32;
	ASSERT_STATUS(NtxGetLastException(&code, &access, &address), STATUS_SUCCESS);
	EXPECT_EQ(code, 0);
	/* Only the last one is kept, and Access and Address are optional. */
	probe_no_query = 1;
	EXPECT_ANY_FAULT(PROBE_READ, p + 0x20);
	EXPECT_ANY_FAULT(PROBE_WRITE, p + 0x30);
	probe_no_query = 0;
	ASSERT_STATUS(NtxGetLastException(&code, NULL, &address), STATUS_SUCCESS);
	EXPECT_STATUS(code, STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(pv(address), pv(p) + 0x30);
	xrelease(p);
}

struct fault_thread {
	char *page;
	sem_t faulted, checked;
	int did_fault;
	NTSTATUS status, code;
	ULONG access;
	PVOID address;
};

static void *fault_thread_fn(void *arg)
{
	struct fault_thread *t = arg;
	long v = 1;

	probe_no_query = 1;
	t->did_fault = probe(PROBE_WRITE, t->page + 0x20, &v);
	sem_post(&t->faulted);
	while (sem_wait(&t->checked))
		;
	t->status = NtxGetLastException(&t->code, &t->access, &t->address);
	return NULL;
}

TEST(exception_record_is_per_thread)
{
	struct fault_thread t;
	NTSTATUS code = (NTSTATUS)NTT_POISON32;
	pthread_t th;

	vm_setup();
	memset(&t, 0, sizeof(t));
	t.page = xalloc(0x1000, PAGE_READONLY);
	t.code = (NTSTATUS)NTT_POISON32;
	ASSERT_EQ(sem_init(&t.faulted, 0, 0), 0);
	ASSERT_EQ(sem_init(&t.checked, 0, 0), 0);
	ASSERT_EQ(pthread_create(&th, NULL, fault_thread_fn, &t), 0);
	while (sem_wait(&t.faulted))
		;
	/* The other thread's exception is not this thread's. */
	EXPECT_STATUS(NtxGetLastException(&code, NULL, NULL), STATUS_SUCCESS);
	EXPECT_EQ(code, 0);
	sem_post(&t.checked);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_TRUE(t.did_fault);
	EXPECT_STATUS(t.status, STATUS_SUCCESS);
	EXPECT_STATUS(t.code, STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(t.access, 1);
	EXPECT_EQ(pv(t.address), pv(t.page) + 0x20);
	xrelease(t.page);
}

TEST(readonly_and_noaccess_pages_fault)
{
	char *p;

	vm_setup();
	p = xalloc(0x3000, PAGE_READWRITE);
	memset(p, 0x42, 0x3000);
	xprotect(p, 0x1000, PAGE_READONLY);
	xprotect(p + 0x1000, 0x1000, PAGE_NOACCESS);

	/* PAGE_READONLY: reads work, a write is STATUS_ACCESS_VIOLATION, access 1. */
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0x123, 0), 0x42);
	EXPECT_FAULT(PROBE_WRITE, p + 0x123, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_EQ(p[0x123], 0x42);
	/* PAGE_NOACCESS: both fault; reads report access 0. */
	EXPECT_FAULT(PROBE_READ, p + 0x1ff8, STATUS_ACCESS_VIOLATION, 0);
	EXPECT_FAULT(PROBE_WRITE, p + 0x1000, STATUS_ACCESS_VIOLATION, 1);
	/* The page after is untouched by either. */
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x2000, 0x43);
	EXPECT_EQ(p[0x2000], 0x43);

	/* Back to PAGE_READWRITE: the data was kept all along. */
	xprotect(p, 0x2000, PAGE_READWRITE);
	EXPECT_EQ(p[0x1ff8], 0x42);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x123, 1);
	xrelease(p);
}

TEST(reserved_pages_fault)
{
	char *p;

	vm_setup();
	p = xreserve(0x10000, PAGE_READWRITE);
	xcommit(p + 0x1000, 0x1000, PAGE_READWRITE);
	EXPECT_FAULT(PROBE_READ, p, STATUS_ACCESS_VIOLATION, 0);
	EXPECT_FAULT(PROBE_WRITE, p + 0xfff, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_FAULT(PROBE_READ, p + 0x2000, STATUS_ACCESS_VIOLATION, 0);
	EXPECT_FAULT(PROBE_WRITE, p + 0xffff, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x1000, 1);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x1fff, 1);
	xrelease(p);
}

TEST(execute_needs_an_execute_protection)
{
	char *p;

	vm_setup();
	p = xalloc(0x4000, PAGE_READWRITE);
	memcpy(p, code_ret42, sizeof(code_ret42));
	memcpy(p + 0x1000, code_ret42, sizeof(code_ret42));
	memcpy(p + 0x2000, code_ret42, sizeof(code_ret42));
	memcpy(p + 0x3000, code_ret42, sizeof(code_ret42));

	/*
	 * PAGE_READWRITE is not executable (DEP). The page is mapped (it was
	 * just written), so on x86 the CPU refuses the fetch from the present
	 * NX PTE before the module sees a fault: the SIGSEGV comes, but the
	 * exception record cannot say more than the signal does.
	 */
	EXPECT_ANY_FAULT(PROBE_EXEC, p);
	{
		NTSTATUS code;
		ULONG access;
		PVOID addr;

		NtxGetLastException(&code, &access, &addr);
	}
	/* The same on a page not mapped at the time (the downgrade unmapped it). */
	EXPECT_EQ(xprotect(p + 0x1000, 0x1000, PAGE_READONLY), PAGE_READWRITE);
	EXPECT_EQ(xprotect(p + 0x1000, 0x1000, PAGE_READWRITE), PAGE_READONLY);
	EXPECT_FAULT(PROBE_EXEC, p + 0x1000, STATUS_ACCESS_VIOLATION, 8);

	/* PAGE_EXECUTE_READ runs it, and can be read but not written. */
	EXPECT_EQ(xprotect(p + 0x1000, 0x1000, PAGE_EXECUTE_READ), PAGE_READWRITE);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, p + 0x1000, 0), 42);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0x1000, 0), (char)0xb8);
	EXPECT_FAULT(PROBE_WRITE, p + 0x1001, STATUS_ACCESS_VIOLATION, 1);

	/* PAGE_EXECUTE runs it and cannot be written. */
	xprotect(p + 0x2000, 0x1000, PAGE_EXECUTE);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, p + 0x2000, 0), 42);
	EXPECT_FAULT(PROBE_WRITE, p + 0x2001, STATUS_ACCESS_VIOLATION, 1);

	/* PAGE_EXECUTE_READWRITE runs it and takes writes, code included. */
	xprotect(p + 0x3000, 0x1000, PAGE_EXECUTE_READWRITE);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, p + 0x3000, 0), 42);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x3001, 43);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, p + 0x3000, 0), 43);

	/* Taking execute away takes effect at once. */
	EXPECT_EQ(xprotect(p + 0x1000, 0x1000, PAGE_READONLY), PAGE_EXECUTE_READ);
	EXPECT_FAULT(PROBE_EXEC, p + 0x1000, STATUS_ACCESS_VIOLATION, 8);
	EXPECT_EQ(xprotect(p + 0x3000, 0x1000, PAGE_READWRITE), PAGE_EXECUTE_READWRITE);
	EXPECT_FAULT(PROBE_EXEC, p + 0x3000, STATUS_ACCESS_VIOLATION, 8);

	/* Committing with an execute protection works the same. */
	{
		char *q = xalloc(0x1000, PAGE_EXECUTE_READWRITE);

		memcpy(q, code_ret42, sizeof(code_ret42));
		EXPECT_EQ(EXPECT_NO_FAULT(PROBE_EXEC, q, 0), 42);
		xrelease(q);
	}
	xrelease(p);
}

TEST(protect_downgrade_reaches_the_page_tables)
{
	char *p;
	unsigned int i;

	vm_setup();
	/* ReactOS NtProtectVirtualMemory apitest, TestReadWrite. */
	p = xalloc(0x4000, PAGE_READWRITE);
	for (i = 0; i < 0x4000; i += PAGE)
		p[i] = (char)(0x10 + i / PAGE);	/* every page now has a writable PTE */
	EXPECT_EQ(xprotect(p, 0x4000, PAGE_READONLY), PAGE_READWRITE);
	for (i = 0; i < 0x4000; i += PAGE) {
		EXPECT_FAULT(PROBE_WRITE, p + i + 8, STATUS_ACCESS_VIOLATION, 1);
		EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + i, 0), (long)(0x10 + i / PAGE));
	}
	EXPECT_EQ(xprotect(p + 0x1000, 0x1000, PAGE_NOACCESS), PAGE_READONLY);
	EXPECT_FAULT(PROBE_READ, p + 0x1000, STATUS_ACCESS_VIOLATION, 0);
	EXPECT_EQ(xprotect(p + 0x1000, 0x1000, PAGE_READONLY), PAGE_NOACCESS);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0x1000, 0), 0x11);
	EXPECT_FAULT(PROBE_WRITE, p + 0x1000, STATUS_ACCESS_VIOLATION, 1);
	/* And upgrading works too. */
	EXPECT_EQ(xprotect(p, 0x4000, PAGE_READWRITE), PAGE_READONLY);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x3000, 0x7f);
	EXPECT_EQ(p[0x3000], 0x7f);
	xrelease(p);
}

TEST(guard_page_fires_once)
{
	char *p;

	vm_setup();
	p = xalloc(0x4000, PAGE_READWRITE);
	p[0x1234] = 0x21;
	xprotect(p, 0x2000, PAGE_READWRITE | PAGE_GUARD);
	EXPECT_REGION(p, pv(p), 0x2000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, pv(p),
		      PAGE_READWRITE, MEM_PRIVATE);

	/* The first access raises STATUS_GUARD_PAGE_VIOLATION ... */
	EXPECT_FAULT(PROBE_READ, p + 0x1234, STATUS_GUARD_PAGE_VIOLATION, 0);
	/* ... and takes the guard off that page only ... */
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, pv(p),
		      PAGE_READWRITE, MEM_PRIVATE);
	EXPECT_REGION(p + 0x1000, pv(p) + 0x1000, 0x3000, MEM_COMMIT, PAGE_READWRITE, pv(p),
		      PAGE_READWRITE, MEM_PRIVATE);
	/* ... so the retried access goes through. */
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0x1234, 0), 0x21);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x1234, 0x22);

	/* A write fires it too, with access 1, and the retried write lands. */
	EXPECT_FAULT(PROBE_WRITE, p + 0x10, STATUS_GUARD_PAGE_VIOLATION, 1);
	EXPECT_EQ(xquery(p).Protect, PAGE_READWRITE);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x10, 0x23);
	EXPECT_EQ(p[0x10], 0x23);

	/* Once the guard is gone the base protection applies. */
	xprotect(p + 0x2000, 0x1000, PAGE_READONLY | PAGE_GUARD);
	EXPECT_FAULT(PROBE_READ, p + 0x2000, STATUS_GUARD_PAGE_VIOLATION, 0);
	EXPECT_EQ(xquery(p + 0x2000).Protect, PAGE_READONLY);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0x2000, 0), 0);
	EXPECT_FAULT(PROBE_WRITE, p + 0x2000, STATUS_ACCESS_VIOLATION, 1);

	/* Committed as a guard page from the start (a thread stack's guard). */
	{
		char *g = xalloc(0x1000, PAGE_READWRITE | PAGE_GUARD);

		EXPECT_FAULT(PROBE_WRITE, g + 0xff0, STATUS_GUARD_PAGE_VIOLATION, 1);
		EXPECT_NO_FAULT(PROBE_WRITE, g + 0xff0, 1);
		EXPECT_REGION(g, pv(g), 0x1000, MEM_COMMIT, PAGE_READWRITE, pv(g),
			      PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE);
		xrelease(g);
	}
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* Demand-zero paging                                                       */
/* ------------------------------------------------------------------------ */

TEST(committed_pages_read_zero)
{
	const SIZE_T size = 4 * MIB;
	uint64_t acc = 0;
	uint64_t *q;
	SIZE_T i;

	vm_setup();
	q = (uint64_t *)xalloc(size, PAGE_READONLY);
	for (i = 0; i < size / sizeof(*q); i++)
		acc |= q[i];
	EXPECT_EQ(acc, 0);
	xrelease(q);
}

TEST_TIMEOUT(working_set_grows_only_when_pages_are_touched, 240)
{
	const SIZE_T size = 64 * MIB;
	uint64_t before, committed, touched, released;
	SIZE_T i;
	char *p;

	vm_setup();
	before = working_set();
	p = xalloc(size, PAGE_READWRITE);
	/* Committing takes no pages: they come on first touch. */
	committed = working_set();
	EXPECT_LT(committed, before + MIB);
	for (i = 0; i < size; i += PAGE)
		p[i] = 1;
	touched = working_set();
	EXPECT_GE(touched, committed + 60 * MIB);
	xrelease(p);
	released = working_set();
	EXPECT_LT(released, before + 4 * MIB);
	fprintf(stderr, "# working set: %" PRIu64 " KiB, committed %" PRIu64 ", touched %"
		PRIu64 ", released %" PRIu64 "\n", before / 1024, committed / 1024,
		touched / 1024, released / 1024);
}

/* ------------------------------------------------------------------------ */
/* NtQueryVirtualMemory                                                     */
/* ------------------------------------------------------------------------ */

TEST(query_mixed_reservation)
{
	static const struct {
		uintptr_t offset;
		SIZE_T size;
		ULONG state, protect;
	} regions[] = {
		{ 0x0000, 0x2000, MEM_RESERVE, 0 },
		{ 0x2000, 0x2000, MEM_COMMIT, PAGE_READWRITE },
		{ 0x4000, 0x1000, MEM_COMMIT, PAGE_READONLY },
		{ 0x5000, 0x1000, MEM_RESERVE, 0 },
		{ 0x6000, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD },
		{ 0x7000, 0x1000, MEM_COMMIT, PAGE_READWRITE },
		{ 0x8000, 0x8000, MEM_RESERVE, 0 },
	};
	MEMORY_BASIC_INFORMATION mbi;
	uintptr_t r, a;
	unsigned int i;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_EXECUTE_READWRITE));
	xcommit(cp(r + 0x2000), 0x2000, PAGE_READWRITE);
	xcommit(cp(r + 0x4000), 0x1000, PAGE_READONLY);
	xcommit(cp(r + 0x6000), 0x1000, PAGE_READWRITE | PAGE_GUARD);
	xcommit(cp(r + 0x7000), 0x1000, PAGE_READWRITE);

	/*
	 * Each region is the run of pages with one state and protection, inside
	 * the allocation; AllocationProtect is the reservation's; reserved pages
	 * report Protect 0 (test_VirtualAlloc: "NT reports Protect == 0 for a
	 * not committed memory block").
	 */
	for (a = r, i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		EXPECT_EQ(a, r + regions[i].offset);
		EXPECT_REGION(cp(a), r + regions[i].offset, regions[i].size, regions[i].state,
			      regions[i].protect, r, PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
		a += xquery(cp(a)).RegionSize;
	}
	EXPECT_EQ(a, r + 0x10000);

	/*
	 * In the middle of a run: BaseAddress is the queried address rounded
	 * down to its page and the size runs from there (the WRK's
	 * NtQueryVirtualMemory; ReactOS CheckAdjacentVADs).
	 */
	EXPECT_REGION(cp(r + 0x2abc), r + 0x2000, 0x2000, MEM_COMMIT, PAGE_READWRITE, r,
		      PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0x3010), r + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE, r,
		      PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0x1fff), r + 0x1000, 0x1000, MEM_RESERVE, 0, r,
		      PAGE_EXECUTE_READWRITE, MEM_PRIVATE);
	EXPECT_REGION(cp(r + 0xc000), r + 0xc000, 0x4000, MEM_RESERVE, 0, r,
		      PAGE_EXECUTE_READWRITE, MEM_PRIVATE);

	/* A bigger buffer is fine; only the structure is written. */
	{
		unsigned char buf[sizeof(mbi) + 16];
		SIZE_T len = NTT_POISON64;

		memset(buf, NTT_POISON, sizeof(buf));
		ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), cp(r + 0x4000),
						   MemoryBasicInformation, buf, sizeof(buf), &len),
			      STATUS_SUCCESS);
		EXPECT_EQ(len, sizeof(mbi));
		memcpy(&mbi, buf, sizeof(mbi));
		EXPECT_EQ(pv(mbi.BaseAddress), r + 0x4000);
		EXPECT_EQ(mbi.Protect, PAGE_READONLY);
		for (i = sizeof(mbi); i < sizeof(buf); i++)
			EXPECT_EQ(buf[i], NTT_POISON);
	}
	/* ReturnLength is optional. */
	memset(&mbi, NTT_POISON, sizeof(mbi));
	ASSERT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), cp(r), MemoryBasicInformation,
					   &mbi, sizeof(mbi), NULL), STATUS_SUCCESS);
	EXPECT_EQ(mbi.State, MEM_RESERVE);
	xrelease(cp(r));
}

TEST(query_free_hole)
{
	uintptr_t x;

	vm_setup();
	x = pv(free_range(0x30000));
	xalloc_at(x, 0x10000, 0, PAGE_READWRITE);
	xalloc_at(x + 0x10000, 0x10000, MEM_COMMIT, PAGE_READWRITE);
	xalloc_at(x + 0x20000, 0x10000, 0, PAGE_READWRITE);
	xrelease(cp(x + 0x10000));
	/*
	 * Free memory: MEM_FREE, PAGE_NOACCESS, no allocation, type 0, from the
	 * queried page to the next allocation (the WRK's "size of the hole
	 * starting at the base address").
	 */
	EXPECT_REGION(cp(x + 0x10000), x + 0x10000, 0x10000, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	EXPECT_REGION(cp(x + 0x11234), x + 0x11000, 0xf000, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	EXPECT_REGION(cp(x + 0x1ffff), x + 0x1f000, 0x1000, MEM_FREE, PAGE_NOACCESS, 0, 0, 0);
	/* The neighbours are not merged into it. */
	EXPECT_REGION(cp(x + 0xffff), x + 0xf000, 0x1000, MEM_RESERVE, 0, x, PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(cp(x + 0x20000), x + 0x20000, 0x10000, MEM_RESERVE, 0, x + 0x20000,
		      PAGE_READWRITE, MEM_PRIVATE);
	xrelease(cp(x));
	xrelease(cp(x + 0x20000));
}

TEST(query_walks_the_whole_address_space)
{
	MEMORY_BASIC_INFORMATION mbi;
	uintptr_t a = 0, r, stack = pv(__builtin_frame_address(0)), text = text_address();
	int found_r = 0, found_stack = 0, found_text = 0, regions = 0;
	NTSTATUS s = STATUS_SUCCESS;

	vm_setup();
	r = pv(xreserve(0x10000, PAGE_READWRITE));
	xcommit(cp(r + 0x1000), 0x1000, PAGE_READONLY);

	for (;;) {
		SIZE_T len = NTT_POISON64;

		memset(&mbi, NTT_POISON, sizeof(mbi));
		s = NtQueryVirtualMemory(NtCurrentProcess(), cp(a), MemoryBasicInformation, &mbi,
					 sizeof(mbi), &len);
		if (s != STATUS_SUCCESS)
			break;
		ASSERT_LT(++regions, 1000000);
		ASSERT_EQ(len, sizeof(mbi));
		/* The regions tile the address space. */
		ASSERT_EQ(pv(mbi.BaseAddress), a);
		ASSERT_GT(mbi.RegionSize, 0);
		ASSERT_EQ(mbi.RegionSize % PAGE, 0);
		ASSERT_LE(mbi.RegionSize, 0x800000000000UL - a);
		if (mbi.State == MEM_FREE) {
			EXPECT_EQ(mbi.Protect, PAGE_NOACCESS);
			EXPECT_EQ(pv(mbi.AllocationBase), 0);
			EXPECT_EQ(mbi.AllocationProtect, 0);
			EXPECT_EQ(mbi.Type, 0);
		} else {
			EXPECT_TRUE(mbi.State == MEM_COMMIT || mbi.State == MEM_RESERVE);
			EXPECT_TRUE(mbi.Type == MEM_PRIVATE || mbi.Type == MEM_MAPPED ||
				    mbi.Type == MEM_IMAGE);
			EXPECT_LE(pv(mbi.AllocationBase), a);
			if (mbi.State == MEM_RESERVE)
				EXPECT_EQ(mbi.Protect, 0);
		}
		if (pv(mbi.AllocationBase) == r && mbi.State != MEM_FREE) {
			found_r++;
			EXPECT_EQ(mbi.Type, MEM_PRIVATE);
			EXPECT_EQ(mbi.AllocationProtect, PAGE_READWRITE);
		}
		if (stack >= a && stack - a < mbi.RegionSize) {
			/* This thread's stack: Linux's, private, committed, read-write. */
			found_stack = 1;
			EXPECT_EQ(mbi.State, MEM_COMMIT);
			EXPECT_EQ(mbi.Type, MEM_PRIVATE);
			EXPECT_EQ(mbi.Protect, PAGE_READWRITE);
		}
		if (text >= a && text - a < mbi.RegionSize) {
			/* The program's text: a file mapped read-execute. */
			found_text = 1;
			EXPECT_EQ(mbi.State, MEM_COMMIT);
			EXPECT_EQ(mbi.Type, MEM_MAPPED);
			EXPECT_EQ(mbi.Protect, PAGE_EXECUTE_READ);
		}
		a += mbi.RegionSize;
	}
	/* The walk ends at the top of the user address space, nowhere else. */
	EXPECT_STATUS(s, STATUS_INVALID_PARAMETER);
	EXPECT_GT(a, stack);
	EXPECT_GE(a, HIGHEST_VAD_END);
	EXPECT_EQ(found_r, 3);	/* reserved, committed, reserved */
	EXPECT_TRUE(found_stack);
	EXPECT_TRUE(found_text);
	fprintf(stderr, "# %d regions up to %#lx\n", regions, (unsigned long)a);
	xrelease(cp(r));
}

TEST(query_bad_arguments)
{
	unsigned char buf[sizeof(MEMORY_BASIC_INFORMATION)];
	SIZE_T len;
	unsigned int i;
	char *p;
	static const SIZE_T short_lengths[] = { 0, 1, 24, sizeof(MEMORY_BASIC_INFORMATION) - 1 };
	static const uintptr_t above[] = {
		0x800000000000UL, 0xffff800000000000UL, ~(uintptr_t)0,
	};

	vm_setup();
	p = xalloc(0x1000, PAGE_READWRITE);

	/*
	 * Short buffers: STATUS_INFO_LENGTH_MISMATCH, and the WRK returns
	 * before touching anything, ReturnLength included.
	 */
	for (i = 0; i < sizeof(short_lengths) / sizeof(short_lengths[0]); i++) {
		memset(buf, NTT_POISON, sizeof(buf));
		len = NTT_POISON64;
		EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, MemoryBasicInformation,
						   buf, short_lengths[i], &len),
			      STATUS_INFO_LENGTH_MISMATCH);
		EXPECT_EQ(len, NTT_POISON64);
		EXPECT_EQ(buf[0], NTT_POISON);
		EXPECT_EQ(buf[sizeof(buf) - 1], NTT_POISON);
	}

	/* An unknown class: STATUS_INVALID_INFO_CLASS, checked before the length. */
	len = NTT_POISON64;
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, (MEMORY_INFORMATION_CLASS)100,
					   buf, sizeof(buf), &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, (MEMORY_INFORMATION_CLASS)100,
					   buf, 0, &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), p, (MEMORY_INFORMATION_CLASS)-1,
					   buf, sizeof(buf), &len), STATUS_INVALID_INFO_CLASS);
	EXPECT_EQ(len, NTT_POISON64);

	/* Above the user address space: STATUS_INVALID_PARAMETER (WRK queryvm.c). */
	for (i = 0; i < sizeof(above) / sizeof(above[0]); i++) {
		memset(buf, NTT_POISON, sizeof(buf));
		len = NTT_POISON64;
		EXPECT_STATUS(NtQueryVirtualMemory(NtCurrentProcess(), cp(above[i]),
						   MemoryBasicInformation, buf, sizeof(buf), &len),
			      STATUS_INVALID_PARAMETER);
		EXPECT_EQ(len, NTT_POISON64);
		EXPECT_EQ(buf[0], NTT_POISON);
	}

	/* A bad handle. */
	EXPECT_STATUS(NtQueryVirtualMemory(NULL, p, MemoryBasicInformation, buf, sizeof(buf),
					   NULL), STATUS_INVALID_HANDLE);
	EXPECT_STATUS(NtQueryVirtualMemory((HANDLE)(uintptr_t)0x3fffffc, p,
					   MemoryBasicInformation, buf, sizeof(buf), NULL),
		      STATUS_INVALID_HANDLE);
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* MEM_RESET, MEM_RESET_UNDO                                                */
/* ------------------------------------------------------------------------ */

TEST(mem_reset_keeps_pages_committed)
{
	PVOID base;
	SIZE_T size;
	uint32_t v;
	char *p;

	vm_setup();
	/* The sequence of test_VirtualAlloc. */
	p = xreserve(0x10000, PAGE_NOACCESS);
	xcommit(p, 0x1000, PAGE_READWRITE);
	memset(p, 0x55, 20);

	/* The protection is ignored but must be valid (VirtualAlloc's doc). */
	base = p;
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESET, PAGE_NOACCESS), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x1000);
	/* The contents may or may not survive; the page stays what it was. */
	memcpy(&v, p, sizeof(v));
	EXPECT_TRUE(v == 0x55555555 || v == 0);
	EXPECT_REGION(p, pv(p), 0x1000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_NOACCESS,
		      MEM_PRIVATE);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x10, 0x66);
	EXPECT_EQ(p[0x10], 0x66);

	/* Reserved pages may be reset; they stay reserved. */
	base = p + 0x1000;
	size = 0x1000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESET, PAGE_NOACCESS), STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(p) + 0x1000);
	EXPECT_REGION(p + 0x1000, pv(p) + 0x1000, 0xf000, MEM_RESERVE, 0, pv(p), PAGE_NOACCESS,
		      MEM_PRIVATE);

	/*
	 * Past the allocation: fails (test_VirtualAlloc, ERROR_INVALID_ADDRESS;
	 * the commit path's "does not fit into the VAD" in ReactOS).
	 */
	base = p + 0xf000;
	size = 0x2000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESET, PAGE_NOACCESS),
		      STATUS_CONFLICTING_ADDRESSES);
	EXPECT_EQ(pv(base), pv(p) + 0xf000);
	EXPECT_EQ(size, 0x2000);

	/* An invalid protection is still refused. */
	base = p;
	size = 0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESET, 0), STATUS_INVALID_PAGE_PROTECTION);
	xrelease(p);
}

TEST(mem_reset_undo)
{
	PVOID base;
	SIZE_T size;
	NTSTATUS s;
	unsigned int i, intact = 1;
	char *p;

	vm_setup();
	p = xalloc(0x8000, PAGE_READWRITE);
	for (i = 0; i < 0x8000; i++)
		p[i] = (char)(i * 7 + 1);
	base = p;
	size = 0x8000;
	ASSERT_STATUS(vm_alloc(&base, &size, MEM_RESET, PAGE_READWRITE), STATUS_SUCCESS);
	base = p;
	size = 0x8000;
	s = vm_alloc(&base, &size, MEM_RESET_UNDO, PAGE_READWRITE);
	for (i = 0; i < 0x8000; i++)
		if (p[i] != (char)(i * 7 + 1)) {
			intact = 0;
			break;
		}
	/*
	 * VirtualAlloc's doc: success means every byte of the range is intact;
	 * failure means some of it was replaced with zeros.
	 */
	if (s == STATUS_SUCCESS) {
		EXPECT_TRUE(intact);
		EXPECT_EQ(pv(base), pv(p));
		EXPECT_EQ(size, 0x8000);
	} else {
		EXPECT_TRUE(NT_ERROR(s));
		EXPECT_FALSE(intact);
		fprintf(stderr, "# MEM_RESET_UNDO: %s\n", NtxStatusName(s));
	}
	/* Either way the pages are committed and usable. */
	EXPECT_REGION(p, pv(p), 0x8000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x7fff, 3);
	EXPECT_EQ(p[0x7fff], 3);
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* NtReadVirtualMemory, NtWriteVirtualMemory on oneself                     */
/* ------------------------------------------------------------------------ */

TEST(read_write_own_memory)
{
	static char src[0x2000], dst[0x2000], before[0x1000];
	SIZE_T n;
	unsigned int i;
	char *p, *r;

	vm_setup();
	for (i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 13 + i / 251 + 1);
	p = xalloc(0x3000, PAGE_READWRITE);

	n = NTT_POISON64;
	ASSERT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), p + 0x800, src, sizeof(src), &n),
		      STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(src));
	EXPECT_EQ(memcmp(p + 0x800, src, sizeof(src)), 0);
	n = NTT_POISON64;
	ASSERT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), p + 0x800, dst, sizeof(dst), &n),
		      STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(dst));
	EXPECT_EQ(memcmp(dst, src, sizeof(dst)), 0);
	/* The count is optional. */
	EXPECT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), p, dst, 16, NULL), STATUS_SUCCESS);

	/* Zero bytes: success, 0 copied (test_VirtualAllocEx). */
	n = NTT_POISON64;
	EXPECT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), p, src, 0, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, 0);
	n = NTT_POISON64;
	EXPECT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), p, dst, 0, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, 0);

	/*
	 * A read-only target is not written through: STATUS_PARTIAL_COPY with
	 * nothing written (test_VirtualAllocEx, NtWriteVirtualMemory after
	 * VirtualProtectEx(PAGE_READONLY)).
	 */
	xprotect(p, 0x3000, PAGE_READONLY);
	memcpy(before, p + 0x400, sizeof(before));
	n = NTT_POISON64;
	EXPECT_STATUS(NtWriteVirtualMemory(NtCurrentProcess(), p + 0x400, src + 0x123, 0x1000,
					   &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(memcmp(p + 0x400, before, sizeof(before)), 0);

	/* Reserved memory cannot be read: STATUS_PARTIAL_COPY, nothing copied. */
	r = xreserve(0x10000, PAGE_READWRITE);
	n = NTT_POISON64;
	memset(dst, 0x11, sizeof(dst));
	EXPECT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), r, dst, 0x100, &n),
		      STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	/*
	 * Nor can a range running into it, and the source of a copy is read
	 * whole or not at all, a 64 KiB chunk at a time (MmCopyVirtualMemory
	 * copies through a buffer): nothing, as Windows answers.
	 */
	xcommit(r, 0x1000, PAGE_READWRITE);
	n = NTT_POISON64;
	EXPECT_STATUS(NtReadVirtualMemory(NtCurrentProcess(), r + 0x800, dst, 0x1000, &n),
		      STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	xrelease(r);
	xrelease(p);
}

/* ------------------------------------------------------------------------ */
/* What Linux may not do to the module's memory                             */
/* ------------------------------------------------------------------------ */

TEST(munmap_of_part_of_a_reservation_fails)
{
	char *p, *r;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	memset(p, 0x31, 0x10000);
	errno = 0;
	EXPECT_EQ(munmap(p + 0x4000, 0x1000), -1);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_EQ(munmap(p, 0x8000), -1);
	EXPECT_EQ(errno, EINVAL);
	/* Still there, all of it. */
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0x4000, 0), 0x31);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x4000, 0x32);
	EXPECT_EQ(p[0x7fff], 0x31);
	EXPECT_REGION(p, pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);

	/* Reserved-only memory too. */
	r = xreserve(0x10000, PAGE_NOACCESS);
	errno = 0;
	EXPECT_EQ(munmap(r + 0x1000, 0x1000), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_REGION(r, pv(r), 0x10000, MEM_RESERVE, 0, pv(r), PAGE_NOACCESS, MEM_PRIVATE);
	xcommit(r + 0x1000, 0x1000, PAGE_READWRITE);
	EXPECT_NO_FAULT(PROBE_WRITE, r + 0x1000, 1);
	xrelease(r);
	xrelease(p);
}

TEST(mprotect_on_module_memory_fails)
{
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	memcpy(p + 0x1000, code_ret42, sizeof(code_ret42));
	xprotect(p + 0x2000, 0x1000, PAGE_READONLY);

	EXPECT_EQ(mprotect(p, 0x10000, PROT_READ), -1);
	EXPECT_EQ(mprotect(p + 0x1000, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC), -1);
	EXPECT_EQ(mprotect(p + 0x2000, 0x1000, PROT_READ | PROT_WRITE), -1);
	EXPECT_EQ(mprotect(p + 0x3000, 0x1000, PROT_NONE), -1);
	/* The NT protections rule, unchanged. */
	EXPECT_NO_FAULT(PROBE_WRITE, p, 1);
	EXPECT_NO_FAULT(PROBE_READ, p + 0x3000, 0);
	EXPECT_ANY_FAULT(PROBE_EXEC, p + 0x1000);
	EXPECT_FAULT(PROBE_WRITE, p + 0x2000, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_REGION(p, pv(p), 0x2000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_REGION(p + 0x2000, pv(p) + 0x2000, 0x1000, MEM_COMMIT, PAGE_READONLY, pv(p),
		      PAGE_READWRITE, MEM_PRIVATE);
	xrelease(p);
}

TEST(mremap_of_module_memory_fails)
{
	uintptr_t target;
	char *p;

	vm_setup();
	/* p first: placement is bottom-up and would reuse a hole found before. */
	p = xalloc(0x10000, PAGE_READWRITE);
	target = pv(free_range(0x20000));
	memset(p, 0x44, 0x10000);

	EXPECT_TRUE(mremap(p, 0x10000, 0x20000, MREMAP_MAYMOVE) == MAP_FAILED);
	EXPECT_TRUE(mremap(p, 0x10000, 0x1000, 0) == MAP_FAILED);
	EXPECT_TRUE(mremap(p, 0x10000, 0x10000, MREMAP_MAYMOVE | MREMAP_FIXED,
			   cp(target)) == MAP_FAILED);
	EXPECT_TRUE(mremap(p + 0x1000, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED,
			   cp(target)) == MAP_FAILED);
	/* The memory stayed where it was, and nothing appeared at the target. */
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0xffff, 0), 0x44);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 0x1000, 0), 0x44);
	EXPECT_REGION(p, pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	EXPECT_EQ(xquery(cp(target)).State, MEM_FREE);
	EXPECT_ANY_FAULT(PROBE_READ, cp(target));
	xrelease(p);
}

TEST(fork_child_does_not_get_module_memory)
{
	int st = -1;
	pid_t pid;
	char *p;
	unsigned int i;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	memset(p, 0x3c, 0x10000);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		long v = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		probe_no_query = 1;
		if (!probe(PROBE_READ, p, &v))
			_exit(10);	/* readable in the child */
		v = 0x55;
		if (!probe(PROBE_WRITE, p + 0x8000, &v))
			_exit(11);	/* writable in the child */
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
	/* The parent's memory is untouched and still its own. */
	for (i = 0; i < 0x10000; i += 0x800)
		EXPECT_EQ(p[i], 0x3c);
	EXPECT_NO_FAULT(PROBE_WRITE, p + 0x8000, 0x3d);
	EXPECT_REGION(p, pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE, pv(p), PAGE_READWRITE,
		      MEM_PRIVATE);
	xrelease(p);
}

TEST(munmap_of_a_whole_reservation_is_forgotten)
{
	PVOID base;
	SIZE_T size;
	char *p, *r;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	memset(p, 0x12, 0x10000);
	ASSERT_EQ(munmap(p, 0x10000), 0);
	EXPECT_EQ(xquery(p).State, MEM_FREE);
	EXPECT_ANY_FAULT(PROBE_READ, p);
	base = p;
	size = 0;
	EXPECT_STATUS(vm_free(&base, &size, MEM_RELEASE), STATUS_MEMORY_NOT_ALLOCATED);

	/* A reservation of mixed pages goes the same way. */
	r = xreserve(0x20000, PAGE_NOACCESS);
	xcommit(r + 0x11000, 0x1000, PAGE_READONLY);
	xcommit(r + 0x3000, 0x2000, PAGE_READWRITE);
	ASSERT_EQ(munmap(r, 0x20000), 0);
	EXPECT_EQ(xquery(r).State, MEM_FREE);
	EXPECT_EQ(xquery(r + 0x11000).State, MEM_FREE);
	EXPECT_GE(xquery(r).RegionSize, 0x20000);

	/* The process goes on, and the addresses can be allocated again. */
	xrelease(xalloc_at(pv(p), 0x10000, MEM_COMMIT, PAGE_READWRITE));
	p = xalloc_at(pv(r), 0x20000, MEM_COMMIT, PAGE_READWRITE);
	EXPECT_EQ(p[0x11000], 0);
	xrelease(p);
}

/*
 * The system commit limit (module parameter commit_limit, in pages): a
 * commit that would pass it fails with STATUS_COMMITMENT_LIMIT and changes
 * nothing; reserving costs no commit. Needs root to set the parameter.
 */
TEST(commit_limit_gives_commitment_limit)
{
	static const char param[] = "/sys/module/ntexec/parameters/commit_limit";
	PVOID base = NULL;
	SIZE_T size = 0x100000;
	char *r;
	FILE *f;

	vm_setup();
	f = fopen(param, "w");
	if (!f)
		SKIP("cannot set %s (not root)", param);
	r = xreserve(0x200000, PAGE_READWRITE);
	xcommit(r, 0x1000, PAGE_READWRITE);
	/* 1 page: nothing more can be committed by anyone. */
	fprintf(f, "1\n");
	fclose(f);

	EXPECT_STATUS(vm_alloc(&base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(base, NULL);
	EXPECT_EQ(size, 0x100000);
	base = r + 0x10000;
	size = 0x1000;
	EXPECT_STATUS(vm_alloc(&base, &size, MEM_COMMIT, PAGE_READWRITE),
		      STATUS_COMMITMENT_LIMIT);
	EXPECT_EQ(xquery(r + 0x10000).State, MEM_RESERVE);
	/* Re-committing committed pages costs nothing, reserving neither. */
	xcommit(r, 0x1000, PAGE_READONLY);
	xrelease(xreserve(0x10000, PAGE_READWRITE));

	f = fopen(param, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "0\n");
	fclose(f);
	xcommit(r + 0x10000, 0x1000, PAGE_READWRITE);
	xrelease(r);
}

/*
 * NtFlushVirtualMemory: private memory has nothing to flush
 * (STATUS_NOT_MAPPED_VIEW, as the WRK's MmFlushVirtualMemory says for a
 * private VAD); a shared file mapping is written back, the range rounded
 * to pages and clipped to the mapping, and IoStatus filled.
 */
TEST(flush_virtual_memory)
{
	char path[] = "/tmp/ntexec-flush-XXXXXX";
	IO_STATUS_BLOCK iosb;
	SIZE_T size;
	PVOID base;
	char *p, *m;
	int fd;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	base = p;
	size = 0x1000;
	memset(&iosb, NTT_POISON, sizeof(iosb));
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_NOT_MAPPED_VIEW);
	EXPECT_EQ(pv(base), pv(p));
	EXPECT_EQ(size, 0x1000);
	xrelease(p);

	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	unlink(path);
	ASSERT_EQ(ftruncate(fd, 0x4000), 0);
	m = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_TRUE(m != MAP_FAILED);
	memset(m, 0x5a, 0x4000);
	base = m + 0x1010;
	size = 0x10;
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_SUCCESS);
	EXPECT_EQ(pv(base), pv(m + 0x1000));
	EXPECT_EQ(size, 0x1000);
	EXPECT_EQ((uint32_t)iosb.Status, STATUS_SUCCESS);
	/* Size 0: to the end of the mapping. */
	base = m + 0x1000;
	size = 0;
	EXPECT_STATUS(NtFlushVirtualMemory(NtCurrentProcess(), &base, &size, &iosb),
		      STATUS_SUCCESS);
	EXPECT_EQ(size, 0x3000);
	munmap(m, 0x4000);
	close(fd);
}

static ULONG fault_count(void)
{
	VM_COUNTERS_EX vm;

	ASSERT_STATUS(NtQueryInformationProcess(NtCurrentProcess(), ProcessVmCounters, &vm,
						sizeof(vm), NULL), STATUS_SUCCESS);
	return vm.PageFaultCount;
}

/*
 * A refault (a resident page whose PTE a protection change zapped) maps
 * the resident neighbours of its 64 KiB window too, each with its own
 * protection: writes to the writable ones then cost no fault, and the
 * others still fault as they must.
 */
TEST(refault_maps_neighbours_with_their_own_protection)
{
	ULONG before;
	unsigned int i;
	char *p;

	vm_setup();
	p = xalloc(0x10000, PAGE_READWRITE);
	for (i = 0; i < 16; i++)
		p[i * PAGE] = (char)i;
	/* All 16 pages are resident now. */
	xprotect(p + 5 * PAGE, PAGE, PAGE_NOACCESS);
	xprotect(p + 6 * PAGE, PAGE, PAGE_READONLY);
	xprotect(p + 7 * PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD);
	/* Every PTE of the window goes, and comes back with the first write. */
	EXPECT_EQ(xprotect(p, 5 * PAGE, PAGE_READONLY), PAGE_READWRITE);
	EXPECT_EQ(xprotect(p, 5 * PAGE, PAGE_READWRITE), PAGE_READONLY);
	EXPECT_EQ(xprotect(p + 8 * PAGE, 8 * PAGE, PAGE_READONLY), PAGE_READWRITE);
	EXPECT_EQ(xprotect(p + 8 * PAGE, 8 * PAGE, PAGE_READWRITE), PAGE_READONLY);

	EXPECT_NO_FAULT(PROBE_WRITE, p, 0x40);
	before = fault_count();
	for (i = 1; i < 16; i++)
		if (i < 5 || i > 7)
			((volatile char *)p)[i * PAGE + 1] = 1;
	/* The neighbours were mapped writable by the first fault. */
	EXPECT_EQ(fault_count() - before, 0);
	/* And the others kept their protection. */
	EXPECT_FAULT(PROBE_READ, p + 5 * PAGE, STATUS_ACCESS_VIOLATION, 0);
	EXPECT_FAULT(PROBE_WRITE, p + 6 * PAGE, STATUS_ACCESS_VIOLATION, 1);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 6 * PAGE, 0), 6);
	EXPECT_FAULT(PROBE_READ, p + 7 * PAGE, STATUS_GUARD_PAGE_VIOLATION, 0);
	EXPECT_EQ(EXPECT_NO_FAULT(PROBE_READ, p + 7 * PAGE, 0), 7);
	for (i = 0; i < 16; i++)
		if (i < 5 || i > 7)
			EXPECT_EQ(p[i * PAGE], i ? (char)i : 0x40);
	xrelease(p);
}

/* One raw ioctl: the transport's answer (-errno) or the NTSTATUS. */
static long raw_ioctl(unsigned long cmd, void *arg)
{
	int ret = ioctl(NtxDeviceFd(), cmd, arg);

	/* An NTSTATUS comes back as an int: only -1 is the transport's. */
	return ret == -1 ? -errno : (long)(NTSTATUS)ret;
}

/*
 * The transport refuses fields a call does not take, non-zero padding and
 * bad pointers with -EINVAL / -EFAULT, before anything happens.
 */
TEST(vm_ioctls_refuse_bad_fields)
{
	struct ntexec_vm_range r;
	struct ntexec_vm_query q;
	struct ntexec_write_watch w;
	char *p;

	vm_setup();
	p = xalloc_type(0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	p[0] = 1;

	memset(&r, 0, sizeof(r));
	r.process = (uint64_t)-1;
	r.base = pv(p);
	r.type = MEM_RELEASE;
	r.zero_bits = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_FREE_VM, &r), -EINVAL);
	r.zero_bits = 0;
	r.protect = PAGE_READWRITE;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_FREE_VM, &r), -EINVAL);
	EXPECT_EQ(xquery(p).State, MEM_COMMIT);

	memset(&r, 0, sizeof(r));
	r.process = (uint64_t)-1;
	r.base = pv(p);
	r.size = PAGE;
	r.protect = PAGE_READONLY;
	r.type = MEM_COMMIT;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_PROTECT_VM, &r), -EINVAL);
	r.type = 0;
	r.zero_bits = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_PROTECT_VM, &r), -EINVAL);
	EXPECT_EQ(xquery(p).Protect, PAGE_READWRITE);
	r.zero_bits = 0;
	r.protect = 0;
	r.type = 0;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_FLUSH_VM, &r), STATUS_NOT_MAPPED_VIEW);
	r.type = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_FLUSH_VM, &r), -EINVAL);
	r.type = MAP_PROCESS;
	r.protect = PAGE_READWRITE;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_LOCK_VM, &r), -EINVAL);
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_UNLOCK_VM, &r), -EINVAL);

	memset(&q, 0, sizeof(q));
	q.process = (uint64_t)-1;
	q.address = pv(p);
	q.buffer = pv(&q);
	q.length = 0;
	q.pad = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_QUERY_VM, &q), -EINVAL);

	memset(&w, 0, sizeof(w));
	w.process = (uint64_t)-1;
	w.base = pv(p);
	w.size = 0x10000;
	w.granularity = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_GET_WRITE_WATCH, &w), -EINVAL);
	w.granularity = 0;
	w.flags = WRITE_WATCH_FLAG_RESET;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_RESET_WRITE_WATCH, &w), -EINVAL);
	w.flags = 0;
	w.count = 1;
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_RESET_WRITE_WATCH, &w), -EINVAL);
	/* Nothing was reset by the refused calls. */
	{
		PVOID got[4];
		ULONG_PTR n = 4;
		ULONG g;

		EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, p, 0x10000, got, &n, &g),
			      STATUS_SUCCESS);
		EXPECT_EQ(n, 1);
	}

	/* Unreadable argument structs. */
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_ALLOCATE_VM, NULL), -EFAULT);
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_QUERY_VM, (void *)-4096L), -EFAULT);
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_READ_VM, (void *)8), -EFAULT);
	EXPECT_EQ(raw_ioctl(NTEXEC_IOC_GET_EXCEPTION, NULL), -EFAULT);
	xrelease(p);
}
