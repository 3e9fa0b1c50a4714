// SPDX-License-Identifier: GPL-2.0
/*
 * NtProtectVirtualMemory on the calling process, and the page tables under
 * every protection: what faults (caught with a SIGSEGV handler) and what
 * NtxGetLastException says of it, execute, guard pages, downgrades that
 * must reach PTEs already mapped, the neighbours a refault maps, and
 * demand-zero paging (the working set). The sources of the expected
 * statuses are listed in vm_util.h.
 *
 * Everything here works unprivileged.
 */
#include <semaphore.h>

#include "vm_util.h"

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
