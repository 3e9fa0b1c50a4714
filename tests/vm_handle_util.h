/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tests of virtual memory across processes and of the
 * services beyond plain allocation (test_vm_remote.c, test_vm_wwatch.c,
 * test_vm_lock.c, test_vm_counters.c, test_vm_stress.c). Every helper takes
 * the process handle it works through (NtCurrentProcess() or another
 * process's): xalloc(h, want, size, type, prot), xquery(h, addr), ... The
 * tests of the calling process alone use vm_util.h instead, whose helpers
 * of the same names take no handle: the two headers do not go together.
 *
 * The other process ("kid") is a plain fork()ed process that opens the
 * device and then serves commands read from a pipe (write, hash, touch its
 * memory, ...), reporting a SIGSEGV instead of dying of it: vmk_spawn(),
 * vmk_ok(), vmk_faults(), vmk_kill().
 *
 * The expected statuses are Windows': where one is not obvious, the comment
 * beside it names its source, mostly Wine's conformance tests
 * (dlls/kernel32/tests/virtual.c, dlls/ntdll/tests/virtual.c), which record
 * what Windows returns, and ReactOS' ntoskrnl/mm/ARM3/virtual.c, which
 * follows the Windows Research Kernel where the tests say nothing.
 *
 * Everything here is static inline (or marked unused) so that each test
 * binary takes only what it uses.
 */
#ifndef NTEXEC_TESTS_VM_HANDLE_UTIL_H
#define NTEXEC_TESTS_VM_HANDLE_UTIL_H

#include <setjmp.h>

#include "nt_util.h"

#define PAGE		4096UL
#define GRANULE		0x10000UL
#define MIB		(1UL << 20)

#define VM_RIGHTS	(PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE | \
			 PROCESS_QUERY_INFORMATION)

_Static_assert(sizeof(MEMORY_BASIC_INFORMATION) == 48, "MEMORY_BASIC_INFORMATION");

static inline uint64_t pv(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* ------------------------------------------------------------------------ */
/* Helpers: allocation, queries, patterns                                   */
/* ------------------------------------------------------------------------ */

static inline NTSTATUS vm_alloc(HANDLE h, void **base, SIZE_T *size, ULONG type, ULONG prot)
{
	return NtAllocateVirtualMemory(h, base, 0, size, type, prot);
}

/* Allocate or die; checks what comes back. */
static inline char *xalloc(HANDLE h, void *want, SIZE_T size, ULONG type, ULONG prot)
{
	void *base = want;
	SIZE_T s = size;

	ASSERT_STATUS(vm_alloc(h, &base, &s, type, prot), STATUS_SUCCESS);
	ASSERT_NE(base, NULL);
	if (type & MEM_RESERVE) {
		EXPECT_EQ(pv(base) % GRANULE, 0);
		EXPECT_EQ(s, (size + PAGE - 1) & ~(PAGE - 1));
	}
	return base;
}

static inline void xcommit(HANDLE h, void *addr, SIZE_T size, ULONG prot)
{
	void *base = addr;
	SIZE_T s = size;

	ASSERT_STATUS(vm_alloc(h, &base, &s, MEM_COMMIT, prot), STATUS_SUCCESS);
	EXPECT_EQ(base, addr);
	EXPECT_EQ(s, size);
}

static inline void xrelease(HANDLE h, void *addr, SIZE_T expect_size)
{
	void *base = addr;
	SIZE_T s = 0;

	ASSERT_STATUS(NtFreeVirtualMemory(h, &base, &s, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(base, addr);
	if (expect_size)
		EXPECT_EQ(s, expect_size);
}

static inline NTSTATUS vm_protect(HANDLE h, void *addr, SIZE_T size, ULONG prot, ULONG *old)
{
	void *base = addr;
	SIZE_T s = size;

	return NtProtectVirtualMemory(h, &base, &s, prot, old);
}

static inline ULONG xprotect(HANDLE h, void *addr, SIZE_T size, ULONG prot)
{
	ULONG old = NTT_POISON32;

	ASSERT_STATUS(vm_protect(h, addr, size, prot, &old), STATUS_SUCCESS);
	ASSERT_NE(old, NTT_POISON32);
	return old;
}

static inline MEMORY_BASIC_INFORMATION xquery(HANDLE h, const void *addr)
{
	MEMORY_BASIC_INFORMATION mbi;
	SIZE_T len = NTT_POISON64;

	memset(&mbi, NTT_POISON, sizeof(mbi));
	ASSERT_STATUS(NtQueryVirtualMemory(h, (PVOID)addr, MemoryBasicInformation, &mbi,
					   sizeof(mbi), &len), STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(mbi));
	return mbi;
}

/* One allocation's region as NtQueryVirtualMemory should describe it. */
static inline void expect_region(HANDLE h, const void *addr, const void *alloc_base,
				 ULONG alloc_prot, ULONG state, ULONG prot, SIZE_T size)
{
	MEMORY_BASIC_INFORMATION m = xquery(h, addr);

	EXPECT_EQ(pv(m.BaseAddress), pv(addr) & ~(PAGE - 1));
	EXPECT_EQ(pv(m.AllocationBase), pv(alloc_base));
	EXPECT_EQ(m.AllocationProtect, alloc_prot);
	EXPECT_EQ(m.State, state);
	EXPECT_EQ(m.Protect, prot);
	EXPECT_EQ(m.RegionSize, size);
	EXPECT_EQ(m.Type, MEM_PRIVATE);
}

/*
 * Free address space: ReactOS' MiQueryMemoryBasicInformation reports
 * AllocationBase NULL, AllocationProtect 0, Protect PAGE_NOACCESS and Type 0
 * for an address no VAD covers.
 */
static inline void expect_free(HANDLE h, const void *addr)
{
	MEMORY_BASIC_INFORMATION m = xquery(h, addr);

	EXPECT_EQ(m.State, MEM_FREE);
	EXPECT_EQ(pv(m.BaseAddress), pv(addr) & ~(PAGE - 1));
	EXPECT_EQ(pv(m.AllocationBase), 0);
	EXPECT_EQ(m.AllocationProtect, 0);
	EXPECT_EQ(m.Protect, PAGE_NOACCESS);
	EXPECT_EQ(m.Type, 0);
	EXPECT_GE(m.RegionSize, PAGE);
}

static inline uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static inline uint64_t fnv_fill(unsigned char v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= v;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* NtCreatePagingFile of a Linux path (ASCII), sizes in bytes. */
static inline NTSTATUS create_paging_file(const char *path, uint64_t min, uint64_t max)
{
	LARGE_INTEGER lo = { .QuadPart = (LONGLONG)min }, hi = { .QuadPart = (LONGLONG)max };
	WCHAR name[512];
	UNICODE_STRING u;
	size_t i, n = strlen(path);

	if (n >= 512)
		return STATUS_NAME_TOO_LONG;
	for (i = 0; i < n; i++)
		name[i] = (WCHAR)(unsigned char)path[i];
	u.Buffer = name;
	u.Length = (USHORT)(n * sizeof(WCHAR));
	u.MaximumLength = u.Length;
	return NtCreatePagingFile(&u, &lo, &hi, 0);
}

static inline unsigned char pattern(uint32_t seed, uint64_t off)
{
	return (unsigned char)((off * 131 + seed * 7 + (off >> 12)) ^ (off >> 9));
}

static inline void fill_pattern(unsigned char *buf, uint32_t seed, uint64_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = pattern(seed, off + i);
}

static inline int is_filled(const unsigned char *p, unsigned char v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static inline int read_full(int fd, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, (char *)buf + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static inline int write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

/* The module's count of resident NT pages, all processes. */
static inline int64_t resident_pages(void)
{
	return module_param("resident_pages");
}

static inline uint64_t meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	uint64_t v = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	ASSERT_NE(f, NULL);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoull(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* ------------------------------------------------------------------------ */
/* The kid: a fork()ed NT process serving memory commands over a pipe      */
/* ------------------------------------------------------------------------ */

enum vmk_op {
	VMK_FILL = 1,	/* memset(addr, arg, len) */
	VMK_PATTERN,	/* pattern(arg, offset from addr) over [addr, addr + len) */
	VMK_HASH,	/* fnv() of [addr, addr + len) */
	VMK_TOUCH,	/* write arg to the first byte of every page of [addr, addr + len) */
	VMK_ALLOC,	/* NtAllocateVirtualMemory(self, MEM_RESERVE | MEM_COMMIT, len, RW) */
	VMK_EXIT,	/* _exit(arg) */
};

struct vmk_cmd {
	uint32_t op;
	uint32_t arg;
	uint64_t addr;
	uint64_t len;
};

struct vmk_reply {
	uint32_t fault;		/* the access raised SIGSEGV or SIGBUS */
	uint32_t status;	/* VMK_ALLOC, and the initial handshake: an NTSTATUS */
	uint64_t value;		/* VMK_HASH: the hash; VMK_ALLOC: the base */
	uint64_t fault_addr;	/* si_addr of the fault */
};

struct vmk {
	pid_t pid;
	int cmd;	/* write end: commands */
	int rep;	/* read end: replies */
	int reaped;
};

/* Ordinary Linux memory of the test binary: after fork() the kid has it at the same address. */
static unsigned char vmk_static[2 * PAGE] __attribute__((aligned(4096), unused));

static sigjmp_buf vmk_jmp;
static volatile sig_atomic_t vmk_armed;
static volatile uint64_t vmk_fault_addr;

static inline void vmk_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!vmk_armed) {
		/* Not expected: die of it, as the default action would. */
		signal(sig, SIG_DFL);
		return;
	}
	vmk_armed = 0;
	vmk_fault_addr = pv(si->si_addr);
	siglongjmp(vmk_jmp, 1);
}

static inline uint64_t vmk_do(const struct vmk_cmd *c)
{
	volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)c->addr;
	uint64_t i, h = 0xcbf29ce484222325ull;

	switch (c->op) {
	case VMK_FILL:
		for (i = 0; i < c->len; i++)
			p[i] = (unsigned char)c->arg;
		return 0;
	case VMK_PATTERN:
		for (i = 0; i < c->len; i++)
			p[i] = pattern(c->arg, i);
		return 0;
	case VMK_HASH:
		for (i = 0; i < c->len; i++) {
			h ^= p[i];
			h *= 0x100000001b3ull;
		}
		return h;
	case VMK_TOUCH:
		for (i = 0; i < c->len; i += PAGE)
			p[i] = (unsigned char)c->arg;
		return 0;
	}
	return 0;
}

/* Runs the command; 1 when it faulted. */
static inline int vmk_guarded(const struct vmk_cmd *c, uint64_t *value)
{
	if (sigsetjmp(vmk_jmp, 1))
		return 1;
	vmk_armed = 1;
	*value = vmk_do(c);
	vmk_armed = 0;
	return 0;
}

static inline void __attribute__((noreturn)) vmk_serve(int in, int out)
{
	struct rlimit no_core = { 0, 0 };
	struct sigaction sa;
	struct vmk_reply r;
	struct vmk_cmd c;

	setrlimit(RLIMIT_CORE, &no_core);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = vmk_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/* Any Nt call adopts the process; NtxInitialize opens the device. */
	memset(&r, 0, sizeof(r));
	r.status = (uint32_t)NtxInitialize();
	if (write_full(out, &r, sizeof(r)))
		_exit(91);
	for (;;) {
		if (read_full(in, &c, sizeof(c)))
			_exit(0);	/* the parent is gone */
		memset(&r, 0, sizeof(r));
		switch (c.op) {
		case VMK_EXIT:
			_exit((int)c.arg);
		case VMK_ALLOC: {
			void *base = NULL;
			SIZE_T size = c.len;

			r.status = (uint32_t)NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0,
								     &size, MEM_RESERVE | MEM_COMMIT,
								     PAGE_READWRITE);
			r.value = pv(base);
			break;
		}
		default:
			r.fault = vmk_guarded(&c, &r.value);
			r.fault_addr = r.fault ? vmk_fault_addr : 0;
			break;
		}
		if (write_full(out, &r, sizeof(r)))
			_exit(92);
	}
}

static inline struct vmk vmk_spawn(void)
{
	struct vmk k = { 0, -1, -1, 0 };
	struct vmk_reply r;
	pid_t parent = getpid();
	int to[2], from[2];

	ASSERT_EQ(pipe2(to, O_CLOEXEC), 0);
	ASSERT_EQ(pipe2(from, O_CLOEXEC), 0);
	fflush(stdout);
	fflush(stderr);
	k.pid = fork();
	ASSERT_GE(k.pid, 0);
	if (!k.pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(90);
		close(to[1]);
		close(from[0]);
		vmk_serve(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	k.cmd = to[1];
	k.rep = from[0];
	ASSERT_EQ(read_full(k.rep, &r, sizeof(r)), 0);
	ASSERT_STATUS(r.status, STATUS_SUCCESS);
	return k;
}

static inline struct vmk_reply vmk_call(struct vmk *k, uint32_t op, uint32_t arg, const void *addr,
					uint64_t len)
{
	struct vmk_cmd c = { op, arg, pv(addr), len };
	struct vmk_reply r;

	ASSERT_EQ(write_full(k->cmd, &c, sizeof(c)), 0);
	ASSERT_EQ(read_full(k->rep, &r, sizeof(r)), 0);
	return r;
}

/* The kid's access must succeed. */
static inline uint64_t vmk_ok(struct vmk *k, uint32_t op, uint32_t arg, const void *addr,
			      uint64_t len)
{
	struct vmk_reply r = vmk_call(k, op, arg, addr, len);

	if (r.fault)
		fprintf(stderr, "# kid faulted at %#llx\n", (unsigned long long)r.fault_addr);
	EXPECT_EQ(r.fault, 0);
	return r.value;
}

/* The kid's access must fault at @at. */
static inline void vmk_faults(struct vmk *k, uint32_t op, uint32_t arg, const void *addr,
			      uint64_t len, const void *at)
{
	struct vmk_reply r = vmk_call(k, op, arg, addr, len);

	EXPECT_EQ(r.fault, 1);
	if (r.fault)
		EXPECT_EQ(r.fault_addr, pv(at));
}

static inline void vmk_wait_dead(struct vmk *k)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	ASSERT_EQ(waitid(P_PID, k->pid, &si, WEXITED | WNOWAIT), 0);
}

static inline void vmk_exit(struct vmk *k, uint32_t code)
{
	struct vmk_cmd c = { VMK_EXIT, code, 0, 0 };

	ASSERT_EQ(write_full(k->cmd, &c, sizeof(c)), 0);
	vmk_wait_dead(k);
}

static inline int vmk_reap(struct vmk *k)
{
	int st = -1;

	if (!k->reaped) {
		ASSERT_EQ(waitpid(k->pid, &st, 0), k->pid);
		k->reaped = 1;
		close(k->cmd);
		close(k->rep);
	}
	return st;
}

static inline void vmk_kill(struct vmk *k)
{
	if (!k->reaped) {
		kill(k->pid, SIGKILL);
		vmk_reap(k);
	}
}

static inline NTSTATUS rd(HANDLE h, const void *addr, void *buf, SIZE_T n, SIZE_T *done)
{
	*done = NTT_POISON64;
	return NtReadVirtualMemory(h, (PVOID)addr, buf, n, done);
}

static inline NTSTATUS wr(HANDLE h, void *addr, const void *buf, SIZE_T n, SIZE_T *done)
{
	*done = NTT_POISON64;
	return NtWriteVirtualMemory(h, addr, (PVOID)buf, n, done);
}

/* ------------------------------------------------------------------------ */
/* Write watch (also for the lock tests)                                    */
/* ------------------------------------------------------------------------ */

/* NtGetWriteWatch that must succeed; returns the count. */
static inline ULONG_PTR ww_get(HANDLE h, ULONG flags, void *base, SIZE_T size, void **out,
			       ULONG_PTR max)
{
	ULONG_PTR count = max, i;
	ULONG gran = NTT_POISON32;

	for (i = 0; i < max; i++)
		out[i] = (void *)(uintptr_t)NTT_POISON64;
	ASSERT_STATUS(NtGetWriteWatch(h, flags, base, size, out, &count, &gran), STATUS_SUCCESS);
	EXPECT_EQ(gran, PAGE);
	ASSERT_LE(count, max);
	/* Not an entry more than reported. */
	if (count < max)
		EXPECT_EQ(pv(out[count]), NTT_POISON64);
	return count;
}

static inline void poke(char *base, unsigned int page)
{
	((volatile char *)base)[page * PAGE + 7] = (char)(page + 1);
}

static inline char peek(char *base, unsigned int page)
{
	return ((volatile char *)base)[page * PAGE + 9];
}

#endif /* NTEXEC_TESTS_VM_HANDLE_UTIL_H */
