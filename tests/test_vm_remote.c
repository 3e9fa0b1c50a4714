// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual memory across processes, and the parts of the memory manager that
 * are not plain allocation: a parent operates on a fork()ed child's memory
 * through a process handle (NtAllocateVirtualMemory, NtReadVirtualMemory,
 * NtWriteVirtualMemory, NtProtectVirtualMemory, NtQueryVirtualMemory,
 * NtFreeVirtualMemory, the access each needs, a process that has exited);
 * write watch (NtGetWriteWatch, NtResetWriteWatch), locking
 * (NtLockVirtualMemory, NtUnlockVirtualMemory, RLIMIT_MEMLOCK), accounting
 * (ProcessVmCounters), /proc/<pid>/mem, memory given back at exit, and a
 * multi-threaded stress run. test_vm.c covers the current process's
 * allocation semantics.
 *
 * The expected statuses are Windows': where one is not obvious, the comment
 * beside it names its source, mostly Wine's conformance tests
 * (dlls/kernel32/tests/virtual.c, dlls/ntdll/tests/virtual.c), which record
 * what Windows returns, and ReactOS' ntoskrnl/mm/ARM3/virtual.c, which
 * follows the Windows Research Kernel where the tests say nothing.
 *
 * The child ("kid") is a plain fork()ed process that opens the device and
 * then serves commands read from a pipe (write, hash, touch its memory, ...),
 * reporting a SIGSEGV instead of dying of it.
 */
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "nt_util.h"

#define PAGE		4096UL
#define GRANULE		0x10000UL
#define MIB		(1UL << 20)

#define VM_RIGHTS	(PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE | \
			 PROCESS_QUERY_INFORMATION)

_Static_assert(sizeof(MEMORY_BASIC_INFORMATION) == 48, "MEMORY_BASIC_INFORMATION");

static uint64_t pv(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* ------------------------------------------------------------------------ */
/* Helpers: allocation, queries, patterns                                   */
/* ------------------------------------------------------------------------ */

static NTSTATUS vm_alloc(HANDLE h, void **base, SIZE_T *size, ULONG type, ULONG prot)
{
	return NtAllocateVirtualMemory(h, base, 0, size, type, prot);
}

/* Allocate or die; checks what comes back. */
static char *xalloc(HANDLE h, void *want, SIZE_T size, ULONG type, ULONG prot)
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

static void xcommit(HANDLE h, void *addr, SIZE_T size, ULONG prot)
{
	void *base = addr;
	SIZE_T s = size;

	ASSERT_STATUS(vm_alloc(h, &base, &s, MEM_COMMIT, prot), STATUS_SUCCESS);
	EXPECT_EQ(base, addr);
	EXPECT_EQ(s, size);
}

static void xrelease(HANDLE h, void *addr, SIZE_T expect_size)
{
	void *base = addr;
	SIZE_T s = 0;

	ASSERT_STATUS(NtFreeVirtualMemory(h, &base, &s, MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_EQ(base, addr);
	if (expect_size)
		EXPECT_EQ(s, expect_size);
}

static NTSTATUS vm_protect(HANDLE h, void *addr, SIZE_T size, ULONG prot, ULONG *old)
{
	void *base = addr;
	SIZE_T s = size;

	return NtProtectVirtualMemory(h, &base, &s, prot, old);
}

static ULONG xprotect(HANDLE h, void *addr, SIZE_T size, ULONG prot)
{
	ULONG old = NTT_POISON32;

	ASSERT_STATUS(vm_protect(h, addr, size, prot, &old), STATUS_SUCCESS);
	ASSERT_NE(old, NTT_POISON32);
	return old;
}

static MEMORY_BASIC_INFORMATION xquery(HANDLE h, const void *addr)
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
static void expect_region(HANDLE h, const void *addr, const void *alloc_base, ULONG alloc_prot,
			  ULONG state, ULONG prot, SIZE_T size)
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
static void expect_free(HANDLE h, const void *addr)
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

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv_fill(unsigned char v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= v;
		h *= 0x100000001b3ull;
	}
	return h;
}

static unsigned char pattern(uint32_t seed, uint64_t off)
{
	return (unsigned char)((off * 131 + seed * 7 + (off >> 12)) ^ (off >> 9));
}

static void fill_pattern(unsigned char *buf, uint32_t seed, uint64_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = pattern(seed, off + i);
}

static int is_filled(const unsigned char *p, unsigned char v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static int read_full(int fd, void *buf, size_t n)
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

static int write_full(int fd, const void *buf, size_t n)
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
static int64_t resident_pages(void)
{
	FILE *f = fopen("/sys/module/ntexec/parameters/resident_pages", "r");
	long long v = -1;

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static uint64_t meminfo_kb(const char *key)
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
static unsigned char vmk_static[2 * PAGE] __attribute__((aligned(4096)));

static sigjmp_buf vmk_jmp;
static volatile sig_atomic_t vmk_armed;
static volatile uint64_t vmk_fault_addr;

static void vmk_fault(int sig, siginfo_t *si, void *uc)
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

static uint64_t vmk_do(const struct vmk_cmd *c)
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
static int vmk_guarded(const struct vmk_cmd *c, uint64_t *value)
{
	if (sigsetjmp(vmk_jmp, 1))
		return 1;
	vmk_armed = 1;
	*value = vmk_do(c);
	vmk_armed = 0;
	return 0;
}

static void __attribute__((noreturn)) vmk_serve(int in, int out)
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

static struct vmk vmk_spawn(void)
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

static struct vmk_reply vmk_call(struct vmk *k, uint32_t op, uint32_t arg, const void *addr,
				 uint64_t len)
{
	struct vmk_cmd c = { op, arg, pv(addr), len };
	struct vmk_reply r;

	ASSERT_EQ(write_full(k->cmd, &c, sizeof(c)), 0);
	ASSERT_EQ(read_full(k->rep, &r, sizeof(r)), 0);
	return r;
}

/* The kid's access must succeed. */
static uint64_t vmk_ok(struct vmk *k, uint32_t op, uint32_t arg, const void *addr, uint64_t len)
{
	struct vmk_reply r = vmk_call(k, op, arg, addr, len);

	if (r.fault)
		fprintf(stderr, "# kid faulted at %#llx\n", (unsigned long long)r.fault_addr);
	EXPECT_EQ(r.fault, 0);
	return r.value;
}

/* The kid's access must fault at @at. */
static void vmk_faults(struct vmk *k, uint32_t op, uint32_t arg, const void *addr, uint64_t len,
		       const void *at)
{
	struct vmk_reply r = vmk_call(k, op, arg, addr, len);

	EXPECT_EQ(r.fault, 1);
	if (r.fault)
		EXPECT_EQ(r.fault_addr, pv(at));
}

static void vmk_wait_dead(struct vmk *k)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	ASSERT_EQ(waitid(P_PID, k->pid, &si, WEXITED | WNOWAIT), 0);
}

static void vmk_exit(struct vmk *k, uint32_t code)
{
	struct vmk_cmd c = { VMK_EXIT, code, 0, 0 };

	ASSERT_EQ(write_full(k->cmd, &c, sizeof(c)), 0);
	vmk_wait_dead(k);
}

static int vmk_reap(struct vmk *k)
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

static void vmk_kill(struct vmk *k)
{
	if (!k->reaped) {
		kill(k->pid, SIGKILL);
		vmk_reap(k);
	}
}

static NTSTATUS rd(HANDLE h, const void *addr, void *buf, SIZE_T n, SIZE_T *done)
{
	*done = NTT_POISON64;
	return NtReadVirtualMemory(h, (PVOID)addr, buf, n, done);
}

static NTSTATUS wr(HANDLE h, void *addr, const void *buf, SIZE_T n, SIZE_T *done)
{
	*done = NTT_POISON64;
	return NtWriteVirtualMemory(h, addr, (PVOID)buf, n, done);
}

/* ------------------------------------------------------------------------ */
/* Allocation, reading and writing in another process                       */
/* ------------------------------------------------------------------------ */

TEST(remote_allocate_commit_read_write)
{
	const SIZE_T size = 64 * 1024;
	unsigned char *expect, *buf, src[9000];
	struct vmk k;
	SIZE_T n;
	char *base;
	HANDLE h;
	size_t i;

	nt_setup();
	expect = malloc(size);
	buf = malloc(size);
	ASSERT_TRUE(expect && buf);
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	expect_region(h, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, size);
	/* The kid sees demand-zero pages at the address it was given. */
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv_fill(0, size));

	/* What the kid writes, the parent reads. */
	vmk_ok(&k, VMK_PATTERN, 5, base, size);
	fill_pattern(expect, 5, 0, size);
	memset(buf, 0, size);
	EXPECT_STATUS(rd(h, base, buf, size, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, size);
	EXPECT_EQ(memcmp(buf, expect, size), 0);

	/* What the parent writes, the kid sees. */
	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 13 + 1);
	EXPECT_STATUS(wr(h, base + 1000, src, sizeof(src), &n), STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(src));
	memcpy(expect + 1000, src, sizeof(src));
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv(expect, size));
	memset(buf, 0, size);
	EXPECT_STATUS(rd(h, base, buf, size, &n), STATUS_SUCCESS);
	EXPECT_EQ(memcmp(buf, expect, size), 0);

	/* The byte count is optional. */
	EXPECT_STATUS(NtReadVirtualMemory(h, base + 1000, buf, 16, NULL), STATUS_SUCCESS);
	EXPECT_EQ(memcmp(buf, src, 16), 0);
	EXPECT_STATUS(NtWriteVirtualMemory(h, base, src, 16, NULL), STATUS_SUCCESS);
	memcpy(expect, src, 16);

	/* Zero bytes: success, nothing copied (test_VirtualAllocEx, "test 0 length"). */
	EXPECT_STATUS(rd(h, base, buf, 0, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, 0);
	EXPECT_STATUS(wr(h, base, src, 0, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv(expect, size));

	/* Released through the handle: gone for the kid. */
	xrelease(h, base, size);
	vmk_faults(&k, VMK_FILL, 1, base, 1, base);
	expect_free(h, base);

	xclose(h);
	vmk_kill(&k);
	free(expect);
	free(buf);
}

/* NtReadVirtualMemory and NtWriteVirtualMemory reach memory ntexec did not allocate. */
TEST(remote_read_write_linux_memory)
{
	static const char msg[] = "written by the parent into the kid's .bss";
	unsigned char expect[sizeof(vmk_static)], buf[sizeof(vmk_static)];
	struct vmk k;
	SIZE_T n;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	memset(expect, 0, sizeof(expect));
	EXPECT_STATUS(wr(h, vmk_static + 100, msg, sizeof(msg), &n), STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(msg));
	memcpy(expect + 100, msg, sizeof(msg));
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, vmk_static, sizeof(vmk_static)),
		  fnv(expect, sizeof(expect)));
	/* The kid's copy changed, not the parent's. */
	EXPECT_TRUE(is_filled(vmk_static, 0, sizeof(vmk_static)));

	vmk_ok(&k, VMK_FILL, 0x5a, vmk_static, sizeof(vmk_static));
	EXPECT_STATUS(rd(h, vmk_static, buf, sizeof(buf), &n), STATUS_SUCCESS);
	EXPECT_EQ(n, sizeof(buf));
	EXPECT_TRUE(is_filled(buf, 0x5a, sizeof(buf)));
	EXPECT_TRUE(is_filled(vmk_static, 0, sizeof(vmk_static)));

	xclose(h);
	vmk_kill(&k);
}

/*
 * A copy that runs from committed into reserved memory stops at the
 * boundary: STATUS_PARTIAL_COPY. test_VirtualAllocEx: NtWriteVirtualMemory
 * over 0x2000 writable bytes followed by read-only ones reports
 * STATUS_PARTIAL_COPY and 0x2000 written: a fault in the destination keeps
 * the exact count. The source of a copy is read 64 KiB at a time into a
 * buffer (MmCopyVirtualMemory), whole or not at all, so a read that runs
 * into reserved memory within one chunk copies nothing.
 */
TEST(remote_partial_copy_at_commit_boundary)
{
	const SIZE_T size = 64 * 1024, committed = 4 * PAGE;
	unsigned char *expect, *buf, src[100];
	struct vmk k;
	SIZE_T n;
	char *base;
	HANDLE h;

	nt_setup();
	expect = malloc(size);
	buf = malloc(size);
	ASSERT_TRUE(expect && buf);
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	base = xalloc(h, NULL, size, MEM_RESERVE, PAGE_READWRITE);
	xcommit(h, base, committed, PAGE_READWRITE);
	vmk_ok(&k, VMK_PATTERN, 9, base, committed);
	fill_pattern(expect, 9, 0, committed);

	/* Small (one page each side): the source chunk fails whole. */
	memset(buf, 0, size);
	EXPECT_STATUS(rd(h, base + committed - 100, buf, 200, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);

	/* Large (the whole reservation, one chunk): nothing either. */
	memset(buf, 0, size);
	EXPECT_STATUS(rd(h, base, buf, size, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);

	/* The committed part alone reads whole. */
	EXPECT_STATUS(rd(h, base, buf, committed, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, committed);
	EXPECT_EQ(memcmp(buf, expect, committed), 0);

	/* Starting in reserved memory: nothing. */
	EXPECT_STATUS(rd(h, base + committed, buf, 100, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);

	/* Writes the same way; the committed part is written. */
	memset(src, 0xa7, sizeof(src));
	EXPECT_STATUS(wr(h, base + committed - 50, src, sizeof(src), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 50);
	memset(expect + committed - 50, 0xa7, 50);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, committed), fnv(expect, committed));
	EXPECT_STATUS(wr(h, base + committed, src, sizeof(src), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	EXPECT_STATUS(wr(h, base + 2 * committed - 1, src, sizeof(src), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	/* Still reserved: the failed write committed nothing. */
	expect_region(h, base + committed, base, PAGE_READWRITE, MEM_RESERVE, 0, size - committed);

	xrelease(h, base, size);
	xclose(h);
	vmk_kill(&k);
	free(expect);
	free(buf);
}

/*
 * Reading or writing where the target has nothing: ReadProcessMemory fails
 * with ERROR_PARTIAL_COPY (the copy faults on its first byte), so
 * NtReadVirtualMemory says STATUS_PARTIAL_COPY with 0 bytes; an exception
 * while copying from the target is always PARTIAL_COPY in MmCopyVirtualMemory
 * (ReactOS MiDoPoolCopy). STATUS_ACCESS_VIOLATION is for addresses that are
 * not user addresses at all: NtReadVirtualMemory checks that BaseAddress +
 * BufferSize neither wraps nor passes MM_HIGHEST_USER_ADDRESS before it
 * copies anything (ReactOS, as the WRK).
 */
TEST(remote_read_unallocated_is_partial_copy)
{
	unsigned char buf[PAGE];
	struct vmk k;
	SIZE_T n;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	/* An address known to be free in the kid: one that was just released. */
	base = xalloc(h, NULL, GRANULE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	xrelease(h, base, GRANULE);
	expect_free(h, base);
	EXPECT_STATUS(rd(h, base, buf, sizeof(buf), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	EXPECT_STATUS(rd(h, base + 10, buf, 1, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	memset(buf, 1, sizeof(buf));
	EXPECT_STATUS(wr(h, base, buf, sizeof(buf), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	/* The write did not allocate anything. */
	expect_free(h, base);

	/* Not user addresses. */
	EXPECT_STATUS(rd(h, (void *)(uintptr_t)0xffff800000000000ull, buf, 16, &n),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(rd(h, (void *)(uintptr_t)0xfffffffffffff000ull, buf, 0x2000, &n),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(wr(h, (void *)(uintptr_t)0xffff800000000000ull, buf, 16, &n),
		      STATUS_ACCESS_VIOLATION);

	xclose(h);
	vmk_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* Protection, query, decommit and release in another process               */
/* ------------------------------------------------------------------------ */

TEST(remote_protect_readonly_faults_the_kid)
{
	const SIZE_T size = 64 * 1024;
	unsigned char buf[PAGE], src[16];
	struct vmk k;
	ULONG old;
	void *p;
	SIZE_T s, n;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_FILL, 0x11, base, 2 * PAGE);

	/* The range is rounded out to the page and written back. */
	p = base + 10;
	s = 100;
	old = NTT_POISON32;
	ASSERT_STATUS(NtProtectVirtualMemory(h, &p, &s, PAGE_READONLY, &old), STATUS_SUCCESS);
	EXPECT_EQ(old, PAGE_READWRITE);
	EXPECT_EQ(p, (void *)base);
	EXPECT_EQ(s, PAGE);

	/* The kid's write to the read-only page faults; its neighbour is writable. */
	vmk_faults(&k, VMK_FILL, 0x22, base + 5, 1, base + 5);
	vmk_ok(&k, VMK_FILL, 0x22, base + PAGE, 1);
	/* Reading it is fine, and the failed write changed nothing. */
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, PAGE), fnv_fill(0x11, PAGE));

	expect_region(h, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READONLY, PAGE);
	expect_region(h, base + PAGE, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE,
		      size - PAGE);

	/* Read-only pages can be read remotely ... */
	EXPECT_STATUS(rd(h, base, buf, PAGE, &n), STATUS_SUCCESS);
	EXPECT_EQ(n, PAGE);
	EXPECT_TRUE(is_filled(buf, 0x11, PAGE));
	/*
	 * ... but not written: NtWriteVirtualMemory does not override the
	 * protection (test_VirtualAllocEx: STATUS_PARTIAL_COPY with 0 bytes
	 * on a PAGE_READONLY target; kernelbase's WriteProcessMemory is what
	 * makes pages writable first).
	 */
	memset(src, 0x33, sizeof(src));
	EXPECT_STATUS(wr(h, base + 8, src, sizeof(src), &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, PAGE), fnv_fill(0x11, PAGE));

	/* No access at all: neither the kid nor the parent can read it. */
	EXPECT_EQ(xprotect(h, base, PAGE, PAGE_NOACCESS), PAGE_READONLY);
	vmk_faults(&k, VMK_HASH, 0, base, PAGE, base);
	EXPECT_STATUS(rd(h, base, buf, 16, &n), STATUS_PARTIAL_COPY);
	EXPECT_EQ(n, 0);
	expect_region(h, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_NOACCESS, PAGE);

	/* Back to read-write: the data survived the protection changes. */
	EXPECT_EQ(xprotect(h, base, PAGE, PAGE_READWRITE), PAGE_NOACCESS);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, PAGE), fnv_fill(0x11, PAGE));
	vmk_ok(&k, VMK_FILL, 0x44, base, PAGE);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, PAGE), fnv_fill(0x44, PAGE));
	expect_region(h, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, size);

	/* Reserved pages have no protection to change (ERROR_INVALID_ADDRESS in test_VirtualAllocEx). */
	xrelease(h, base, size);
	base = xalloc(h, NULL, size, MEM_RESERVE, PAGE_READWRITE);
	old = NTT_POISON32;
	EXPECT_STATUS(vm_protect(h, base, PAGE, PAGE_READONLY, &old), STATUS_NOT_COMMITTED);
	xrelease(h, base, size);

	xclose(h);
	vmk_kill(&k);
}

TEST(remote_query)
{
	const SIZE_T size = 64 * 1024;
	MEMORY_BASIC_INFORMATION m;
	struct vmk k;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);

	/* Reserved, committed read-write, committed read-only, reserved. */
	base = xalloc(h, NULL, size, MEM_RESERVE, PAGE_EXECUTE_READWRITE);
	xcommit(h, base + PAGE, 3 * PAGE, PAGE_READWRITE);
	EXPECT_EQ(xprotect(h, base + 3 * PAGE, PAGE, PAGE_READONLY), PAGE_READWRITE);

	expect_region(h, base, base, PAGE_EXECUTE_READWRITE, MEM_RESERVE, 0, PAGE);
	expect_region(h, base + PAGE + 123, base, PAGE_EXECUTE_READWRITE, MEM_COMMIT,
		      PAGE_READWRITE, 2 * PAGE);
	expect_region(h, base + 3 * PAGE, base, PAGE_EXECUTE_READWRITE, MEM_COMMIT,
		      PAGE_READONLY, PAGE);
	expect_region(h, base + 4 * PAGE, base, PAGE_EXECUTE_READWRITE, MEM_RESERVE, 0,
		      size - 4 * PAGE);
	expect_region(h, base + size - 1, base, PAGE_EXECUTE_READWRITE, MEM_RESERVE, 0, PAGE);

	/* ReturnLength is optional. */
	memset(&m, NTT_POISON, sizeof(m));
	EXPECT_STATUS(NtQueryVirtualMemory(h, base + PAGE, MemoryBasicInformation, &m, sizeof(m),
					   NULL), STATUS_SUCCESS);
	EXPECT_EQ(m.State, MEM_COMMIT);

	/* The kid's view agrees: it can write where the parent says it may. */
	vmk_ok(&k, VMK_FILL, 1, base + PAGE, 2 * PAGE);
	vmk_faults(&k, VMK_FILL, 1, base + 3 * PAGE, 1, base + 3 * PAGE);
	vmk_faults(&k, VMK_FILL, 1, base, 1, base);

	xrelease(h, base, size);
	expect_free(h, base);
	xclose(h);
	vmk_kill(&k);
}

TEST(remote_decommit_and_release)
{
	const SIZE_T size = 64 * 1024;
	struct vmk k;
	void *p;
	SIZE_T s;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_FILL, 0x77, base, size);

	p = base + 3 * PAGE;
	s = PAGE;
	ASSERT_STATUS(NtFreeVirtualMemory(h, &p, &s, MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_EQ(p, (void *)(base + 3 * PAGE));
	EXPECT_EQ(s, PAGE);
	expect_region(h, base + 3 * PAGE, base, PAGE_READWRITE, MEM_RESERVE, 0, PAGE);
	vmk_faults(&k, VMK_FILL, 1, base + 3 * PAGE, 1, base + 3 * PAGE);
	/* Its neighbours kept their data. */
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, 3 * PAGE), fnv_fill(0x77, 3 * PAGE));
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base + 4 * PAGE, size - 4 * PAGE),
		  fnv_fill(0x77, size - 4 * PAGE));

	/* Committed again: the old contents are gone, the page is zero. */
	xcommit(h, base + 3 * PAGE, PAGE, PAGE_READWRITE);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base + 3 * PAGE, PAGE), fnv_fill(0, PAGE));

	/* Released: every page faults for the kid. */
	xrelease(h, base, size);
	vmk_faults(&k, VMK_HASH, 0, base, 1, base);
	vmk_faults(&k, VMK_TOUCH, 1, base + size - PAGE, 1, base + size - PAGE);
	expect_free(h, base + PAGE);

	xclose(h);
	vmk_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* Access rights                                                            */
/* ------------------------------------------------------------------------ */

/*
 * The rights each service asks of the handle: PROCESS_VM_OPERATION for
 * NtAllocateVirtualMemory, NtFreeVirtualMemory, NtProtectVirtualMemory and
 * NtLockVirtualMemory, PROCESS_VM_READ for NtReadVirtualMemory,
 * PROCESS_VM_WRITE for NtWriteVirtualMemory, PROCESS_QUERY_INFORMATION for
 * NtQueryVirtualMemory (VirtualAllocEx, ReadProcessMemory,
 * WriteProcessMemory and VirtualQueryEx documentation; ReactOS passes the
 * same rights to ObReferenceObjectByHandle). A refused call changes nothing.
 */
TEST(remote_access_checks)
{
	const SIZE_T size = 64 * 1024;
	unsigned char buf[64];
	struct vmk k;
	HANDLE full, h;
	void *p;
	SIZE_T s, n;
	ULONG old;
	MEMORY_BASIC_INFORMATION m;
	char *base;

	nt_setup();
	k = vmk_spawn();
	full = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(full, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_FILL, 0x33, base, size);

	/* Without PROCESS_VM_OPERATION. */
	h = xopen_process(PROCESS_VM_READ | PROCESS_VM_WRITE | PROCESS_QUERY_INFORMATION, k.pid);
	p = NULL;
	s = size;
	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_ACCESS_DENIED);
	EXPECT_EQ(p, NULL);
	EXPECT_EQ(s, size);
	p = base;
	s = PAGE;
	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_COMMIT, PAGE_READWRITE), STATUS_ACCESS_DENIED);
	old = NTT_POISON32;
	EXPECT_STATUS(vm_protect(h, base, PAGE, PAGE_READONLY, &old), STATUS_ACCESS_DENIED);
	p = base;
	s = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(h, &p, &s, MEM_RELEASE), STATUS_ACCESS_DENIED);
	p = base;
	s = PAGE;
	EXPECT_STATUS(NtFreeVirtualMemory(h, &p, &s, MEM_DECOMMIT), STATUS_ACCESS_DENIED);
	p = base;
	s = PAGE;
	EXPECT_STATUS(NtLockVirtualMemory(h, &p, &s, MAP_PROCESS), STATUS_ACCESS_DENIED);
	/* Reading, writing and querying are still allowed with this handle. */
	EXPECT_STATUS(rd(h, base, buf, sizeof(buf), &n), STATUS_SUCCESS);
	EXPECT_STATUS(wr(h, base, buf, sizeof(buf), &n), STATUS_SUCCESS);
	m = xquery(h, base);
	EXPECT_EQ(m.State, MEM_COMMIT);
	xclose(h);
	/* Nothing changed. */
	expect_region(full, base, base, PAGE_READWRITE, MEM_COMMIT, PAGE_READWRITE, size);

	/* Without PROCESS_VM_READ. */
	h = xopen_process(PROCESS_VM_OPERATION | PROCESS_VM_WRITE | PROCESS_QUERY_INFORMATION,
			  k.pid);
	EXPECT_STATUS(NtReadVirtualMemory(h, base, buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
	xclose(h);

	/* Without PROCESS_VM_WRITE. */
	h = xopen_process(PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,
			  k.pid);
	memset(buf, 0x99, sizeof(buf));
	EXPECT_STATUS(NtWriteVirtualMemory(h, base, buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv_fill(0x33, size));
	xclose(h);

	/* Without PROCESS_QUERY_INFORMATION. */
	h = xopen_process(PROCESS_VM_OPERATION | PROCESS_VM_READ | PROCESS_VM_WRITE, k.pid);
	memset(&m, NTT_POISON, sizeof(m));
	EXPECT_STATUS(NtQueryVirtualMemory(h, base, MemoryBasicInformation, &m, sizeof(m), NULL),
		      STATUS_ACCESS_DENIED);
	EXPECT_EQ(m.State, NTT_POISON32);
	xclose(h);

	/* SYNCHRONIZE alone: nothing. */
	h = xopen_process(SYNCHRONIZE, k.pid);
	p = NULL;
	s = size;
	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_RESERVE, PAGE_READWRITE), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtReadVirtualMemory(h, base, buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtWriteVirtualMemory(h, base, buf, sizeof(buf), NULL), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtQueryVirtualMemory(h, base, MemoryBasicInformation, &m, sizeof(m), NULL),
		      STATUS_ACCESS_DENIED);
	EXPECT_STATUS(vm_protect(h, base, PAGE, PAGE_READONLY, &old), STATUS_ACCESS_DENIED);
	xclose(h);

	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, size), fnv_fill(0x33, size));
	xrelease(full, base, size);
	xclose(full);
	vmk_kill(&k);
}

/*
 * A process whose address space is gone: NtAllocateVirtualMemory,
 * NtFreeVirtualMemory, NtProtectVirtualMemory, NtQueryVirtualMemory and
 * NtLockVirtualMemory check the process's VmDeleted flag under its address
 * space lock and return STATUS_PROCESS_IS_TERMINATING; NtRead/WriteVirtualMemory
 * fail to acquire its rundown protection, which ends with the last thread,
 * and return the same (ReactOS ARM3 virtual.c, after the WRK).
 */
static void expect_terminating(HANDLE h, char *base)
{
	unsigned char buf[16];
	MEMORY_BASIC_INFORMATION m;
	void *p = NULL;
	SIZE_T s = GRANULE;
	ULONG old;

	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE),
		      STATUS_PROCESS_IS_TERMINATING);
	EXPECT_EQ(p, NULL);
	p = base;
	s = PAGE;
	EXPECT_STATUS(vm_alloc(h, &p, &s, MEM_COMMIT, PAGE_READWRITE),
		      STATUS_PROCESS_IS_TERMINATING);
	EXPECT_STATUS(vm_protect(h, base, PAGE, PAGE_READONLY, &old),
		      STATUS_PROCESS_IS_TERMINATING);
	EXPECT_STATUS(NtQueryVirtualMemory(h, base, MemoryBasicInformation, &m, sizeof(m), NULL),
		      STATUS_PROCESS_IS_TERMINATING);
	EXPECT_STATUS(NtReadVirtualMemory(h, base, buf, sizeof(buf), NULL),
		      STATUS_PROCESS_IS_TERMINATING);
	memset(buf, 0, sizeof(buf));
	EXPECT_STATUS(NtWriteVirtualMemory(h, base, buf, sizeof(buf), NULL),
		      STATUS_PROCESS_IS_TERMINATING);
	p = base;
	s = PAGE;
	EXPECT_STATUS(NtLockVirtualMemory(h, &p, &s, MAP_PROCESS), STATUS_PROCESS_IS_TERMINATING);
	p = base;
	s = 0;
	EXPECT_STATUS(NtFreeVirtualMemory(h, &p, &s, MEM_RELEASE), STATUS_PROCESS_IS_TERMINATING);
}

TEST(remote_exited_process_is_terminating)
{
	struct vmk k;
	HANDLE h, late;
	char *base;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS | SYNCHRONIZE, k.pid);
	base = xalloc(h, NULL, GRANULE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_FILL, 1, base, PAGE);
	vmk_exit(&k, 0);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);

	/* A handle from before the exit. */
	expect_terminating(h, base);
	/* One opened after it (a zombie can be opened with any access: test_process.c). */
	late = xopen_process(VM_RIGHTS, k.pid);
	expect_terminating(late, base);
	xclose(late);
	/* And after the reap, through the handle that still names the process. */
	vmk_reap(&k);
	expect_terminating(h, base);
	xclose(h);
}

/* ------------------------------------------------------------------------ */
/* Write watch                                                              */
/* ------------------------------------------------------------------------ */

/* NtGetWriteWatch that must succeed; returns the count. */
static ULONG_PTR ww_get(HANDLE h, ULONG flags, void *base, SIZE_T size, void **out,
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

/* The watch of [base, base + size) reports exactly the pages listed (page numbers, ascending). */
#define EXPECT_WATCH(h, flags, base, size, ...)					\
	expect_watch(h, flags, base, size, (const unsigned int[]){ __VA_ARGS__ },	\
		     sizeof((const unsigned int[]){ __VA_ARGS__ }) / sizeof(unsigned int), \
		     __LINE__)
/* ... reports nothing. */
#define EXPECT_NO_WATCH(h, flags, base, size)					\
	expect_watch(h, flags, base, size, NULL, 0, __LINE__)

static void expect_watch(HANDLE h, ULONG flags, char *base, SIZE_T size,
			 const unsigned int *pages, size_t n, int line)
{
	void *out[64];
	ULONG_PTR count = ww_get(h, flags, base, size, out, 64), i;

	for (i = 0; i < count && i < n; i++)
		if (out[i] != base + pages[i] * PAGE)
			break;
	if (count != n || i < n) {
		fprintf(stderr, "# line %d: %lu pages reported, expected %zu:", line,
			(unsigned long)count, n);
		for (i = 0; i < count; i++)
			fprintf(stderr, " %lu", (unsigned long)(((char *)out[i] - base) / PAGE));
		fprintf(stderr, "\n");
	}
	EXPECT_EQ(count, n);
	for (i = 0; i < count && i < n; i++)
		EXPECT_EQ(pv(out[i]), pv(base + pages[i] * PAGE));
}

static void poke(char *base, unsigned int page)
{
	((volatile char *)base)[page * PAGE + 7] = (char)(page + 1);
}

static char peek(char *base, unsigned int page)
{
	return ((volatile char *)base)[page * PAGE + 9];
}

/*
 * test_write_watch (kernel32): a fresh MEM_WRITE_WATCH allocation reports
 * nothing; written pages are reported in address order with the page size
 * as granularity; WRITE_WATCH_FLAG_RESET reports and then forgets them;
 * changing protections does not affect the watch. Reads are not writes.
 */
TEST(write_watch_reports_written_pages)
{
	const SIZE_T size = 64 * 1024;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size,
		      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);

	poke(base, 5);
	poke(base, 1);
	poke(base, 3);
	(void)peek(base, 7);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 1, 3, 5);
	/* Without the reset flag, nothing is forgotten. */
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 1, 3, 5);
	EXPECT_WATCH(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, 1, 3, 5);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	EXPECT_NO_WATCH(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size);

	/* Written again after the reset: reported again. */
	poke(base, 3);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 3);
	/* A second write to a page already written counts once. */
	poke(base, 3);
	poke(base, 15);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 3, 15);

	/* Changing the protection forgets nothing and reports nothing. */
	EXPECT_EQ(xprotect(NtCurrentProcess(), base, 4 * PAGE, PAGE_READONLY), PAGE_READWRITE);
	EXPECT_EQ(xprotect(NtCurrentProcess(), base, 4 * PAGE, PAGE_READWRITE), PAGE_READONLY);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 3, 15);

	/* A sub-range reports only its own pages (numbered from its start). */
	EXPECT_WATCH(NtCurrentProcess(), 0, base + 2 * PAGE, 2 * PAGE, 1);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base + 4 * PAGE, 11 * PAGE);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * A short array gets the first entries; with WRITE_WATCH_FLAG_RESET only
 * those are reset, and the rest are reported next time (test_write_watch:
 * count = 1 with three pages written returns the first and leaves the
 * other two).
 */
TEST(write_watch_short_array_resets_only_what_it_returns)
{
	const SIZE_T size = 64 * 1024;
	void *out[4];
	ULONG_PTR count;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size,
		      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	poke(base, 1);
	poke(base, 3);
	poke(base, 5);

	/* Without reset: the first two, and nothing forgotten. */
	count = ww_get(NtCurrentProcess(), 0, base, size, out, 2);
	EXPECT_EQ(count, 2);
	EXPECT_EQ(pv(out[0]), pv(base + 1 * PAGE));
	EXPECT_EQ(pv(out[1]), pv(base + 3 * PAGE));
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 1, 3, 5);

	/* With reset: the first two, reset; the third is still there. */
	count = ww_get(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, out, 2);
	EXPECT_EQ(count, 2);
	EXPECT_EQ(pv(out[0]), pv(base + 1 * PAGE));
	EXPECT_EQ(pv(out[1]), pv(base + 3 * PAGE));
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 5);
	count = ww_get(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, out, 1);
	EXPECT_EQ(count, 1);
	EXPECT_EQ(pv(out[0]), pv(base + 5 * PAGE));
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	xrelease(NtCurrentProcess(), base, size);
}

/* test_write_watch: ResetWriteWatch(base, 3 pages) forgets pages 0-2 only. */
TEST(write_watch_reset)
{
	const SIZE_T size = 64 * 1024;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size,
		      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	poke(base, 1);
	poke(base, 3);
	poke(base, 5);
	EXPECT_STATUS(NtResetWriteWatch(NtCurrentProcess(), base, 3 * PAGE), STATUS_SUCCESS);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 3, 5);
	EXPECT_STATUS(NtResetWriteWatch(NtCurrentProcess(), base, size), STATUS_SUCCESS);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	poke(base, 0);
	EXPECT_WATCH(NtCurrentProcess(), 0, base, size, 0);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * test_write_watch: "initial protect doesn't matter": a MEM_RESERVE |
 * MEM_WRITE_WATCH reservation may be PAGE_NOACCESS; pages committed later
 * are watched from their first write.
 */
TEST(write_watch_pages_committed_later)
{
	const SIZE_T size = 64 * 1024;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_WRITE_WATCH,
		      PAGE_NOACCESS);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	xcommit(NtCurrentProcess(), base + 4 * PAGE, 4 * PAGE, PAGE_READWRITE);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	poke(base, 6);
	EXPECT_WATCH(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, 6);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * Write watch is a property of the allocation, chosen when it is reserved.
 * NtGetWriteWatch and NtResetWriteWatch on other memory fail: kernel32's
 * test_write_watch gets ERROR_INVALID_PARAMETER for the main module, which
 * Wine's NtGetWriteWatch returns as STATUS_INVALID_PARAMETER (the mapping
 * cannot tell which of the INVALID_PARAMETER statuses Windows uses).
 * MEM_WRITE_WATCH without MEM_RESERVE is STATUS_INVALID_PARAMETER_5 (the
 * WRK's AllocationType check; ERROR_INVALID_PARAMETER in test_write_watch).
 */
TEST(write_watch_needs_write_watch_memory)
{
	const SIZE_T size = 64 * 1024;
	void *out[16], *p;
	ULONG_PTR count;
	ULONG gran;
	SIZE_T s;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	poke(base, 1);
	count = 16;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, base, size, out, &count, &gran),
		      STATUS_INVALID_PARAMETER);
	count = 16;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, PAGE, out,
				      &count, &gran), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtResetWriteWatch(NtCurrentProcess(), base, size), STATUS_INVALID_PARAMETER);
	xrelease(NtCurrentProcess(), base, size);

	/* Ordinary Linux memory is not watched either. */
	count = 16;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, vmk_static, PAGE, out, &count, &gran),
		      STATUS_INVALID_PARAMETER);

	p = NULL;
	s = size;
	EXPECT_STATUS(vm_alloc(NtCurrentProcess(), &p, &s, MEM_COMMIT | MEM_WRITE_WATCH,
			       PAGE_READWRITE), STATUS_INVALID_PARAMETER_5);
	EXPECT_EQ(p, NULL);
	p = NULL;
	s = size;
	EXPECT_STATUS(vm_alloc(NtCurrentProcess(), &p, &s, MEM_WRITE_WATCH, PAGE_READWRITE),
		      STATUS_INVALID_PARAMETER_5);
	EXPECT_EQ(p, NULL);
}

/*
 * The parent watches the kid: pages the kid writes are reported to the
 * parent, and so are pages the parent writes with NtWriteVirtualMemory (a
 * write by the kernel on the target's behalf is a write: test_write_watch
 * sees ReadFile's writes).
 */
TEST(write_watch_remote)
{
	const SIZE_T size = 64 * 1024;
	unsigned char buf[32];
	struct vmk k;
	SIZE_T n;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	EXPECT_NO_WATCH(h, 0, base, size);

	vmk_ok(&k, VMK_TOUCH, 1, base + 1 * PAGE, 1);
	vmk_ok(&k, VMK_TOUCH, 1, base + 3 * PAGE, 1);
	vmk_ok(&k, VMK_TOUCH, 1, base + 5 * PAGE, 1);
	/* Reading is not writing, for the kid or the parent. */
	vmk_ok(&k, VMK_HASH, 0, base + 8 * PAGE, PAGE);
	EXPECT_STATUS(rd(h, base + 9 * PAGE, buf, sizeof(buf), &n), STATUS_SUCCESS);
	EXPECT_WATCH(h, 0, base, size, 1, 3, 5);
	EXPECT_WATCH(h, WRITE_WATCH_FLAG_RESET, base, size, 1, 3, 5);
	EXPECT_NO_WATCH(h, 0, base, size);

	memset(buf, 2, sizeof(buf));
	EXPECT_STATUS(wr(h, base + 10 * PAGE + 4090, buf, 10, &n), STATUS_SUCCESS);
	vmk_ok(&k, VMK_FILL, 3, base + 2 * PAGE, 1);
	EXPECT_WATCH(h, 0, base, size, 2, 10, 11);
	EXPECT_STATUS(NtResetWriteWatch(h, base, 3 * PAGE), STATUS_SUCCESS);
	EXPECT_WATCH(h, 0, base, size, 10, 11);
	EXPECT_STATUS(NtResetWriteWatch(h, base, size), STATUS_SUCCESS);
	EXPECT_NO_WATCH(h, 0, base, size);

	xrelease(h, base, size);
	xclose(h);
	vmk_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* Locking                                                                  */
/* ------------------------------------------------------------------------ */

static NTSTATUS vm_lock(HANDLE h, void *addr, SIZE_T size, ULONG type, void **out_base,
			SIZE_T *out_size)
{
	void *p = addr;
	SIZE_T s = size;
	NTSTATUS st = NtLockVirtualMemory(h, &p, &s, type);

	if (out_base)
		*out_base = p;
	if (out_size)
		*out_size = s;
	return st;
}

static NTSTATUS vm_unlock(HANDLE h, void *addr, SIZE_T size, ULONG type)
{
	void *p = addr;
	SIZE_T s = size;

	return NtUnlockVirtualMemory(h, &p, &s, type);
}

/*
 * Locking committed pages succeeds and reports the page-rounded range;
 * unlocking pages that are not locked is STATUS_NOT_LOCKED (ReactOS
 * MiUnlockVirtualMemory, ERROR_NOT_LOCKED from VirtualUnlock). A lock is a
 * flag, not a count: locking again says STATUS_WAS_LOCKED (a success) and
 * one unlock undoes both (ReactOS MiLockVirtualMemory, after the WRK).
 */
TEST(lock_and_unlock_committed_pages)
{
	const SIZE_T size = 64 * 1024;
	void *p;
	SIZE_T s;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);

	ASSERT_STATUS(vm_lock(NtCurrentProcess(), base + 100, 5000, MAP_PROCESS, &p, &s),
		      STATUS_SUCCESS);
	EXPECT_EQ(p, (void *)base);
	EXPECT_EQ(s, 2 * PAGE);
	/* Locked pages are resident and usable. */
	poke(base, 0);
	poke(base, 1);

	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, 2 * PAGE, MAP_PROCESS, NULL, NULL),
		      STATUS_WAS_LOCKED);
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base, 2 * PAGE, MAP_PROCESS), STATUS_SUCCESS);
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base, 2 * PAGE, MAP_PROCESS),
		      STATUS_NOT_LOCKED);

	/* Never locked. */
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base + 8 * PAGE, PAGE, MAP_PROCESS),
		      STATUS_NOT_LOCKED);

	/* Partly locked: the unlock fails and leaves the locked part locked. */
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base + 4 * PAGE, PAGE, MAP_PROCESS, NULL, NULL),
		      STATUS_SUCCESS);
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base + 4 * PAGE, 2 * PAGE, MAP_PROCESS),
		      STATUS_NOT_LOCKED);
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base + 4 * PAGE, PAGE, MAP_PROCESS),
		      STATUS_SUCCESS);

	/* MapType must name MAP_PROCESS and/or MAP_SYSTEM, nothing else (ReactOS). */
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, PAGE, 0, NULL, NULL),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, PAGE, MAP_PROCESS | 4, NULL, NULL),
		      STATUS_INVALID_PARAMETER);

	/* Releasing locked memory is allowed. */
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, size, MAP_PROCESS, NULL, NULL),
		      STATUS_SUCCESS);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * Only committed, accessible pages can be locked. NtLockVirtualMemory probes
 * every page before locking any (ReactOS MiLockVirtualMemory, after the
 * WRK), so a reserved page fails the call with the probe's exception,
 * STATUS_ACCESS_VIOLATION (VirtualLock's ERROR_NOACCESS), and nothing is
 * left locked.
 */
TEST(lock_reserved_pages_fails)
{
	const SIZE_T size = 64 * 1024;
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE, PAGE_READWRITE);
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, PAGE, MAP_PROCESS, NULL, NULL),
		      STATUS_ACCESS_VIOLATION);
	xcommit(NtCurrentProcess(), base, PAGE, PAGE_READWRITE);
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, 2 * PAGE, MAP_PROCESS, NULL, NULL),
		      STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base, PAGE, MAP_PROCESS), STATUS_NOT_LOCKED);
	/* PAGE_NOACCESS pages cannot be probed either. */
	EXPECT_EQ(xprotect(NtCurrentProcess(), base, PAGE, PAGE_NOACCESS), PAGE_READWRITE);
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, PAGE, MAP_PROCESS, NULL, NULL),
		      STATUS_ACCESS_VIOLATION);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * Locking a guard page (Windows, as its conformance tests see it): the
 * probe consumes the guard, the call locks nothing, marks nothing written
 * and returns STATUS_GUARD_PAGE_VIOLATION; the next call succeeds.
 */
TEST(lock_guard_page_once)
{
	const SIZE_T size = 64 * 1024;
	void *out[16];
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_WRITE_WATCH,
		      PAGE_READWRITE);
	xcommit(NtCurrentProcess(), base, 2 * PAGE, PAGE_READWRITE);
	EXPECT_EQ(xprotect(NtCurrentProcess(), base + PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD),
		  PAGE_READWRITE);
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, 2 * PAGE, MAP_PROCESS, NULL, NULL),
		      STATUS_GUARD_PAGE_VIOLATION);
	EXPECT_EQ(xquery(NtCurrentProcess(), base + PAGE).Protect, PAGE_READWRITE);
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base, PAGE, MAP_PROCESS), STATUS_NOT_LOCKED);
	EXPECT_EQ(ww_get(NtCurrentProcess(), 0, base, size, out, 16), 0);
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, 2 * PAGE, MAP_PROCESS, NULL, NULL),
		      STATUS_SUCCESS);
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base, 2 * PAGE, MAP_PROCESS), STATUS_SUCCESS);
	xrelease(NtCurrentProcess(), base, size);
}

/* NtGetWriteWatch with room for no address: STATUS_INVALID_PARAMETER. */
TEST(write_watch_zero_capacity)
{
	const SIZE_T size = 64 * 1024;
	ULONG_PTR count = 0;
	ULONG gran;
	void *out[1];
	char *base;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
		      PAGE_READWRITE);
	poke(base, 1);
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), 0, base, size, out, &count, &gran),
		      STATUS_INVALID_PARAMETER);
	count = 0;
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, out,
				      &count, &gran), STATUS_INVALID_PARAMETER);
	/* Nothing was reset: the write is still there. */
	EXPECT_EQ(ww_get(NtCurrentProcess(), 0, base, size, out, 1), 1);
	xrelease(NtCurrentProcess(), base, size);
}

TEST(lock_remote)
{
	const SIZE_T size = 64 * 1024;
	struct vmk k;
	void *p;
	SIZE_T s;
	char *base;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	ASSERT_STATUS(vm_lock(h, base + 1, 3 * PAGE, MAP_PROCESS, &p, &s), STATUS_SUCCESS);
	EXPECT_EQ(p, (void *)base);
	EXPECT_EQ(s, 4 * PAGE);
	vmk_ok(&k, VMK_FILL, 9, base, 4 * PAGE);
	EXPECT_EQ(vmk_ok(&k, VMK_HASH, 0, base, 4 * PAGE), fnv_fill(9, 4 * PAGE));
	EXPECT_STATUS(vm_unlock(h, base, 4 * PAGE, MAP_PROCESS), STATUS_SUCCESS);
	EXPECT_STATUS(vm_unlock(h, base, 4 * PAGE, MAP_PROCESS), STATUS_NOT_LOCKED);
	xrelease(h, base, size);
	xclose(h);
	vmk_kill(&k);
}

#define MEMLOCK_LIMIT	(64 * 1024)

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	       setresuid(65534, 65534, 65534);
}

/*
 * Without CAP_IPC_LOCK, at most RLIMIT_MEMLOCK bytes can be locked; beyond
 * it the call fails as Windows fails a lock beyond the working-set minimum:
 * STATUS_WORKING_SET_QUOTA (VirtualLock's ERROR_WORKING_SET_QUOTA). Returns
 * a bitmask of failures (run in a child that dropped its privileges).
 */
static int lock_as_unprivileged(void)
{
	const SIZE_T size = 1 * MIB;
	struct rlimit rl;
	void *base = NULL;
	SIZE_T s = size, limit;
	int bad = 0;

	/* Lower the limit (an unprivileged process may not raise it). */
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return 1;
	limit = rl.rlim_max < MEMLOCK_LIMIT ? rl.rlim_max & ~(PAGE - 1) : MEMLOCK_LIMIT;
	if (limit < 2 * PAGE)
		return 1;
	rl.rlim_cur = rl.rlim_max = limit;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 1;
	if (NtxInitialize() != STATUS_SUCCESS)
		return 2;
	if (vm_alloc(NtCurrentProcess(), &base, &s, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
		return 4;
	if (vm_lock(NtCurrentProcess(), base, size, MAP_PROCESS, NULL, NULL) !=
	    STATUS_WORKING_SET_QUOTA)
		bad |= 8;
	/* Nothing was locked by the failed call ... */
	if (vm_unlock(NtCurrentProcess(), base, PAGE, MAP_PROCESS) != STATUS_NOT_LOCKED)
		bad |= 16;
	/* ... and what fits in the limit can be locked. */
	if (vm_lock(NtCurrentProcess(), base, PAGE, MAP_PROCESS, NULL, NULL) != STATUS_SUCCESS)
		bad |= 32;
	if (vm_unlock(NtCurrentProcess(), base, PAGE, MAP_PROCESS) != STATUS_SUCCESS)
		bad |= 64;
	return bad;
}

TEST(lock_beyond_rlimit_memlock)
{
	struct rlimit rl = { MEMLOCK_LIMIT, MEMLOCK_LIMIT };
	const SIZE_T size = 1 * MIB;
	int st, bad;
	pid_t pid;
	char *base;

	nt_setup();
	if (ntt_unprivileged()) {
		bad = lock_as_unprivileged();
		if (bad)
			fprintf(stderr, "# lock_as_unprivileged: failures 0x%x\n", bad);
		EXPECT_EQ(bad, 0);
		return;
	}

	/* Root has CAP_IPC_LOCK: the limit does not apply. */
	ASSERT_EQ(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	base = xalloc(NtCurrentProcess(), NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	EXPECT_STATUS(vm_lock(NtCurrentProcess(), base, size, MAP_PROCESS, NULL, NULL),
		      STATUS_SUCCESS);
	EXPECT_STATUS(vm_unlock(NtCurrentProcess(), base, size, MAP_PROCESS), STATUS_SUCCESS);
	xrelease(NtCurrentProcess(), base, size);

	/* The same as nobody. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (drop_to_nobody())
			_exit(200);
		bad = lock_as_unprivileged();
		if (bad)
			fprintf(stderr, "# lock_as_unprivileged: failures 0x%x\n", bad);
		_exit(bad ? 1 : 0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

/* ------------------------------------------------------------------------ */
/* Accounting: ProcessVmCounters                                            */
/* ------------------------------------------------------------------------ */

static VM_COUNTERS_EX vm_counters(HANDLE h)
{
	VM_COUNTERS_EX vm;
	ULONG len = NTT_POISON32;

	memset(&vm, NTT_POISON, sizeof(vm));
	ASSERT_STATUS(NtQueryInformationProcess(h, ProcessVmCounters, &vm, sizeof(vm), &len),
		      STATUS_SUCCESS);
	EXPECT_EQ(len, sizeof(vm));
	return vm;
}

static int64_t grew(SIZE_T after, SIZE_T before)
{
	return (int64_t)after - (int64_t)before;
}

static void dump_counters(const char *when, const VM_COUNTERS_EX *c)
{
	fprintf(stderr, "# %s: VirtualSize %zu WorkingSet %zu (peak %zu) Pagefile %zu (peak %zu) "
		"Private %zu Faults %u\n", when, (size_t)c->VirtualSize,
		(size_t)c->WorkingSetSize, (size_t)c->PeakWorkingSetSize,
		(size_t)c->PagefileUsage, (size_t)c->PeakPagefileUsage, (size_t)c->PrivateUsage,
		c->PageFaultCount);
}

/*
 * Windows' accounting of private memory: committing charges the commit
 * (PagefileUsage, PrivateUsage) at once, but adds nothing to the working
 * set until the pages are touched, each first touch a demand-zero fault;
 * releasing gives the charge back while the peaks stay. Allocates in the
 * process @h names, reads the counters through @counted, and @touch touches
 * [base, base + size) there.
 */
typedef void touch_fn(void *ctx, char *base, SIZE_T size);

static void check_accounting(HANDLE h, HANDLE counted, touch_fn *touch, void *ctx)
{
	const SIZE_T size = 64 * MIB;
	VM_COUNTERS_EX c0, c1, c2, c3;
	char *base;

	c0 = vm_counters(counted);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	c1 = vm_counters(counted);
	EXPECT_GE(grew(c1.PagefileUsage, c0.PagefileUsage), (int64_t)size);
	EXPECT_GE(grew(c1.PrivateUsage, c0.PrivateUsage), (int64_t)size);
	EXPECT_GE(grew(c1.VirtualSize, c0.VirtualSize), (int64_t)size);
	EXPECT_GE(c1.PeakVirtualSize, c1.VirtualSize);
	EXPECT_GE(c1.PeakPagefileUsage, c1.PagefileUsage);
	EXPECT_LT(grew(c1.WorkingSetSize, c0.WorkingSetSize), (int64_t)MIB);

	touch(ctx, base, size);
	c2 = vm_counters(counted);
	EXPECT_GE(grew(c2.WorkingSetSize, c0.WorkingSetSize), (int64_t)(60 * MIB));
	EXPECT_GE(c2.PeakWorkingSetSize, c2.WorkingSetSize);
	EXPECT_GE((uint32_t)(c2.PageFaultCount - c0.PageFaultCount), size / PAGE);
	/* Touching does not charge again. */
	EXPECT_LT(grew(c2.PagefileUsage, c1.PagefileUsage), (int64_t)MIB);

	xrelease(h, base, size);
	c3 = vm_counters(counted);
	EXPECT_LT(grew(c3.PagefileUsage, c0.PagefileUsage), (int64_t)MIB);
	EXPECT_LT(grew(c3.PrivateUsage, c0.PrivateUsage), (int64_t)MIB);
	EXPECT_GE(grew(c3.PeakPagefileUsage, c0.PagefileUsage), (int64_t)size);
	EXPECT_LT(grew(c3.WorkingSetSize, c0.WorkingSetSize), (int64_t)MIB);
	EXPECT_GE(c3.PeakWorkingSetSize, c2.WorkingSetSize);
	EXPECT_LT(grew(c3.VirtualSize, c0.VirtualSize), (int64_t)MIB);
	dump_counters("before", &c0);
	dump_counters("committed", &c1);
	dump_counters("touched", &c2);
	dump_counters("released", &c3);
}

static void touch_local(void *ctx, char *base, SIZE_T size)
{
	SIZE_T i;

	(void)ctx;
	for (i = 0; i < size; i += PAGE)
		((volatile char *)base)[i] = 1;
}

static void touch_kid(void *ctx, char *base, SIZE_T size)
{
	vmk_ok(ctx, VMK_TOUCH, 1, base, size);
}

TEST(vm_counters_follow_commit_touch_release)
{
	nt_setup();
	check_accounting(NtCurrentProcess(), NtCurrentProcess(), touch_local, NULL);
}

/* Memory allocated in the kid through a handle is the kid's, not the caller's. */
TEST(vm_counters_of_remote_allocation)
{
	VM_COUNTERS_EX self0, self1;
	struct vmk k;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	self0 = vm_counters(NtCurrentProcess());
	check_accounting(h, h, touch_kid, &k);
	self1 = vm_counters(NtCurrentProcess());
	EXPECT_LT(grew(self1.PeakPagefileUsage, self0.PeakPagefileUsage), (int64_t)(16 * MIB));
	EXPECT_LT(grew(self1.PeakWorkingSetSize, self0.PeakWorkingSetSize), (int64_t)(16 * MIB));
	xclose(h);
	vmk_kill(&k);
}

/* ------------------------------------------------------------------------ */
/* /proc/<pid>/mem and exit                                                 */
/* ------------------------------------------------------------------------ */

/* The module's pages implement vm_ops->access: ptrace and /proc/<pid>/mem see them. */
TEST(proc_pid_mem_reads_committed_pages)
{
	const SIZE_T size = 64 * 1024;
	unsigned char expect[2 * PAGE], buf[2 * PAGE];
	char path[64];
	struct vmk k;
	char *base;
	HANDLE h;
	int64_t resident;
	int fd;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS, k.pid);
	base = xalloc(h, NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_PATTERN, 3, base, 2 * PAGE);
	fill_pattern(expect, 3, 0, 2 * PAGE);

	snprintf(path, sizeof(path), "/proc/%d/mem", k.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "# open %s: %s\n", path, strerror(errno));
	ASSERT_GE(fd, 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(pread(fd, buf, sizeof(buf), (off_t)pv(base)), (ssize_t)sizeof(buf));
	EXPECT_EQ(memcmp(buf, expect, sizeof(buf)), 0);
	/* Across the page boundary, at an odd offset. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(pread(fd, buf, 100, (off_t)pv(base + PAGE - 50)), 100);
	EXPECT_EQ(memcmp(buf, expect + PAGE - 50, 100), 0);
	/* Committed, never touched: zeros, and reading does not make it resident. */
	memset(buf, 0xff, sizeof(buf));
	resident = resident_pages();
	EXPECT_EQ(pread(fd, buf, PAGE, (off_t)pv(base + 8 * PAGE)), (ssize_t)PAGE);
	EXPECT_TRUE(is_filled(buf, 0, PAGE));
	EXPECT_EQ(resident_pages(), resident);
	/* The same through NtReadVirtualMemory. */
	memset(buf, 0xff, sizeof(buf));
	EXPECT_STATUS(NtReadVirtualMemory(h, base + 10 * PAGE, buf, 2 * PAGE, NULL),
		      STATUS_SUCCESS);
	EXPECT_TRUE(is_filled(buf, 0, 2 * PAGE));
	EXPECT_EQ(resident_pages(), resident);
	/* After a write through the handle, the same. */
	memset(buf, 0x6b, 64);
	EXPECT_STATUS(NtWriteVirtualMemory(h, base + 8 * PAGE, buf, 64, NULL), STATUS_SUCCESS);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(pread(fd, buf, 64, (off_t)pv(base + 8 * PAGE)), 64);
	EXPECT_TRUE(is_filled(buf, 0x6b, 64));
	close(fd);

	/* ptrace's PEEKDATA and POKEDATA go the same way (access_process_vm). */
	ASSERT_EQ(ptrace(PTRACE_ATTACH, k.pid, NULL, NULL), 0);
	ASSERT_EQ(waitpid(k.pid, NULL, __WALL), k.pid);
	errno = 0;
	{
		long word = ptrace(PTRACE_PEEKDATA, k.pid, base + 8 * PAGE, NULL);

		EXPECT_EQ(errno, 0);
		EXPECT_EQ((unsigned long)word, 0x6b6b6b6b6b6b6b6bUL);
	}
	EXPECT_EQ(ptrace(PTRACE_POKEDATA, k.pid, base + 9 * PAGE, (void *)0x1122334455667788UL), 0);
	EXPECT_EQ(ptrace(PTRACE_DETACH, k.pid, NULL, NULL), 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_STATUS(NtReadVirtualMemory(h, base + 9 * PAGE, buf, 8, NULL), STATUS_SUCCESS);
	EXPECT_EQ(*(uint64_t *)buf, 0x1122334455667788UL);

	xrelease(h, base, size);
	xclose(h);
	vmk_kill(&k);
}

/*
 * MemFree once it stops moving: earlier tests' processes are still being
 * run down (their memory is freed by a work item after the exit).
 */
static uint64_t settled_memfree(void)
{
	uint64_t a = meminfo_kb("MemFree"), b;
	int i;

	for (i = 0; i < 30; i++) {
		sleep_ms(100);
		b = meminfo_kb("MemFree");
		if ((a > b ? a - b : b - a) < 1024)
			return b;
		a = b;
	}
	return a;
}

/*
 * A process that exits gives its memory back, whoever allocated it and even
 * while a handle to it is open: the kid allocates 32 MiB itself, the parent
 * 32 MiB more in it, the kid touches all of it and exits.
 */
TEST(exit_frees_memory)
{
	const SIZE_T half = 32 * MIB;
	int64_t r0, r1, r2, t0;
	uint64_t m0, m1, m2;
	struct vmk_reply r;
	struct vmk k;
	char *own, *given;
	HANDLE h;

	nt_setup();
	k = vmk_spawn();
	h = xopen_process(VM_RIGHTS | SYNCHRONIZE, k.pid);
	/* Earlier tests' processes may still be run down: let that finish. */
	m0 = settled_memfree();
	r0 = resident_pages();

	r = vmk_call(&k, VMK_ALLOC, 0, NULL, half);
	ASSERT_STATUS(r.status, STATUS_SUCCESS);
	own = (char *)(uintptr_t)r.value;
	given = xalloc(h, NULL, half, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	vmk_ok(&k, VMK_TOUCH, 1, own, half);
	vmk_ok(&k, VMK_TOUCH, 1, given, half);
	r1 = resident_pages();
	m1 = meminfo_kb("MemFree");
	/* The measure works: the pages are there. */
	EXPECT_GE(r1 - r0, (int64_t)(2 * half / PAGE));

	vmk_exit(&k, 0);
	ASSERT_STATUS(wait_ms(h, 10000), STATUS_WAIT_0);
	vmk_reap(&k);
	/* Exit unmaps the allocations, which frees their pages at once. */
	t0 = mono_ns();
	do {
		r2 = resident_pages();
		if (r2 <= r0)
			break;
		sleep_ms(50);
	} while (ms_since(t0) < 5000);
	m2 = meminfo_kb("MemFree");
	/* MemFree is only reported: the debug kernel's own caches make it noisy. */
	fprintf(stderr, "# resident pages %lld before, %lld touched, %lld after exit; "
		"MemFree %llu, %llu, %llu kB\n", (long long)r0, (long long)r1, (long long)r2,
		(unsigned long long)m0, (unsigned long long)m1, (unsigned long long)m2);
	EXPECT_LE(r2, r0);
	xclose(h);
}

/* ------------------------------------------------------------------------ */
/* Stress                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Four threads allocate, commit, protect, decommit, release, touch and query
 * regions of their own, each against a model of what every page should be;
 * a fifth does the same to a kid through a handle; a sixth reads and
 * queries everyone's regions (with the owner's lock: exact expectations;
 * without it: only plausible ones). Every status and every byte read back
 * is checked.
 */
#define ST_LOCAL	4
#define ST_OWNERS	(ST_LOCAL + 1)	/* the last one works on the kid */
#define ST_REGIONS	6
#define ST_PAGES	24
#define ST_SECONDS	5

struct st_region {
	pthread_mutex_t lock;
	char *_Atomic base;		/* NULL: no allocation */
	unsigned int npages;
	unsigned char committed[ST_PAGES];
	ULONG prot[ST_PAGES];
	unsigned char val[ST_PAGES];	/* every byte of the page */
};

struct st_owner {
	struct st_region r[ST_REGIONS];
	HANDLE process;
	struct vmk *kid;		/* the remote owner's kid */
	uint64_t rng;
	long ops;
};

static struct {
	struct st_owner own[ST_OWNERS];
	atomic_int errors;
	atomic_int stop;
	atomic_long reads, queries, faults;
} st_;

#define SERR(fmt, ...) do {						\
		if (atomic_fetch_add(&st_.errors, 1) < 20)		\
			fprintf(stderr, "# stress: " fmt "\n", ##__VA_ARGS__); \
	} while (0)

static __thread sigjmp_buf *st_jmp;
static __thread volatile sig_atomic_t st_armed;

static void st_fault(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!st_armed) {
		signal(sig, SIG_DFL);
		return;
	}
	st_armed = 0;
	siglongjmp(*st_jmp, 1);
}

/* Write or read a whole page; 1 when it faulted. *@mismatch counts bytes other than @v read. */
static int st_access(volatile unsigned char *p, int write, unsigned char v, int *mismatch)
{
	sigjmp_buf jb;
	size_t i;

	st_jmp = &jb;
	if (sigsetjmp(jb, 1))
		return 1;
	st_armed = 1;
	if (write) {
		for (i = 0; i < PAGE; i += 8)
			*(volatile uint64_t *)(p + i) = 0x0101010101010101ull * v;
	} else {
		for (i = 0; i < PAGE; i += 512)
			if (p[i] != v)
				(*mismatch)++;
		if (p[PAGE - 1] != v)
			(*mismatch)++;
	}
	st_armed = 0;
	return 0;
}

static int st_readable(const struct st_region *r, unsigned int pg)
{
	return r->committed[pg] && (r->prot[pg] == PAGE_READWRITE || r->prot[pg] == PAGE_READONLY);
}

static int st_writable(const struct st_region *r, unsigned int pg)
{
	return r->committed[pg] && r->prot[pg] == PAGE_READWRITE;
}

/* NtQueryVirtualMemory of page @pg against the model. */
static void st_check_query(HANDLE h, const struct st_region *r, unsigned int pg, unsigned int off,
			   const char *who)
{
	MEMORY_BASIC_INFORMATION m;
	unsigned int end = pg + 1;
	char *base = r->base;
	NTSTATUS s;

	while (end < r->npages && r->committed[end] == r->committed[pg] &&
	       (!r->committed[pg] || r->prot[end] == r->prot[pg]))
		end++;
	s = NtQueryVirtualMemory(h, base + pg * PAGE + off, MemoryBasicInformation, &m, sizeof(m),
				 NULL);
	atomic_fetch_add(&st_.queries, 1);
	if (s != STATUS_SUCCESS) {
		SERR("%s: query %p: 0x%08x", who, base + pg * PAGE, (uint32_t)s);
		return;
	}
	if (m.BaseAddress != base + pg * PAGE || m.AllocationBase != base ||
	    m.AllocationProtect != PAGE_READWRITE || m.Type != MEM_PRIVATE ||
	    m.State != (r->committed[pg] ? MEM_COMMIT : MEM_RESERVE) ||
	    m.Protect != (r->committed[pg] ? r->prot[pg] : 0) ||
	    m.RegionSize != (end - pg) * PAGE)
		SERR("%s: query page %u of %p: base %p alloc %p/%x state %x prot %x size %zx, "
		     "expected state %x prot %x size %zx", who, pg, base, m.BaseAddress,
		     m.AllocationBase, m.AllocationProtect, m.State, m.Protect,
		     (size_t)m.RegionSize, r->committed[pg] ? MEM_COMMIT : MEM_RESERVE,
		     r->committed[pg] ? r->prot[pg] : 0, (size_t)(end - pg) * PAGE);
}

/* NtReadVirtualMemory of @len bytes from page @pg + @off against the model. */
static void st_check_read(HANDLE h, const struct st_region *r, unsigned int pg, unsigned int off,
			  size_t len, const char *who)
{
	static __thread unsigned char buf[3 * PAGE];
	size_t expect = 0, i;
	unsigned int p;
	SIZE_T n = NTT_POISON64;
	NTSTATUS s;

	if (len > sizeof(buf))
		len = sizeof(buf);
	if (pg * PAGE + off + len > r->npages * PAGE)
		len = r->npages * PAGE - pg * PAGE - off;
	/*
	 * Readable bytes from the start, up to the first unreadable page; the
	 * source of a read (one 64 KiB chunk here) counts whole or not at all.
	 */
	for (p = pg; p < r->npages && expect < len && st_readable(r, p); p++)
		expect = (p + 1) * PAGE - (pg * PAGE + off);
	if (expect > len)
		expect = len;
	if (expect < len)
		expect = 0;
	s = NtReadVirtualMemory(h, r->base + pg * PAGE + off, buf, len, &n);
	atomic_fetch_add(&st_.reads, 1);
	if (s != (expect == len ? STATUS_SUCCESS : STATUS_PARTIAL_COPY) || n != expect) {
		SERR("%s: read %zu at page %u+%u of %p: 0x%08x, %zu bytes; expected %zu",
		     who, len, pg, off, r->base, (uint32_t)s, (size_t)n, expect);
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned int q = (pg * PAGE + off + i) / PAGE;

		if (buf[i] != r->val[q]) {
			SERR("%s: read byte %zu of page %u of %p: %02x, expected %02x", who, i, q,
			     r->base, buf[i], r->val[q]);
			return;
		}
	}
}

static unsigned int st_rand(struct st_owner *o, unsigned int n)
{
	return (unsigned int)(ntt_rand(&o->rng) % n);
}

/* One random operation on one of @o's regions; @r is locked. */
static void st_op(struct st_owner *o, struct st_region *r, const char *who)
{
	HANDLE h = o->process;
	unsigned int a, b, i, pg;
	NTSTATUS s;
	void *p;
	SIZE_T sz;
	ULONG old;

	if (!r->base) {
		int commit = ntt_rand(&o->rng) & 1;

		r->npages = 1 + st_rand(o, ST_PAGES);
		p = NULL;
		sz = r->npages * PAGE;
		s = vm_alloc(h, &p, &sz, MEM_RESERVE | (commit ? MEM_COMMIT : 0), PAGE_READWRITE);
		if (s != STATUS_SUCCESS || !p || pv(p) % GRANULE || sz != r->npages * PAGE) {
			SERR("%s: allocate %u pages: 0x%08x %p %zx", who, r->npages, (uint32_t)s,
			     p, (size_t)sz);
			return;
		}
		for (i = 0; i < r->npages; i++) {
			r->committed[i] = commit;
			r->prot[i] = commit ? PAGE_READWRITE : 0;
			r->val[i] = 0;
		}
		atomic_store(&r->base, (char *)p);
		return;
	}

	a = st_rand(o, r->npages);
	b = a + 1 + st_rand(o, r->npages - a);
	pg = a;
	switch (st_rand(o, 16)) {
	case 0:
	case 1:	/* commit [a, b) read-write, unless that would change a protection */
		for (i = a; i < b; i++)
			if (r->committed[i] && r->prot[i] != PAGE_READWRITE)
				return;
		p = r->base + a * PAGE;
		sz = (b - a) * PAGE;
		s = vm_alloc(h, &p, &sz, MEM_COMMIT, PAGE_READWRITE);
		if (s != STATUS_SUCCESS || p != r->base + a * PAGE || sz != (b - a) * PAGE) {
			SERR("%s: commit %u-%u of %p: 0x%08x", who, a, b, r->base, (uint32_t)s);
			return;
		}
		for (i = a; i < b; i++) {
			if (!r->committed[i])
				r->val[i] = 0;
			r->committed[i] = 1;
			r->prot[i] = PAGE_READWRITE;
		}
		break;
	case 2:	/* decommit [a, b); uncommitted pages in the range are fine */
		p = r->base + a * PAGE;
		sz = (b - a) * PAGE;
		s = NtFreeVirtualMemory(h, &p, &sz, MEM_DECOMMIT);
		if (s != STATUS_SUCCESS || p != r->base + a * PAGE || sz != (b - a) * PAGE) {
			SERR("%s: decommit %u-%u of %p: 0x%08x", who, a, b, r->base, (uint32_t)s);
			return;
		}
		for (i = a; i < b; i++) {
			r->committed[i] = 0;
			r->prot[i] = 0;
			r->val[i] = 0;
		}
		break;
	case 3:
	case 4: {	/* protect [a, b) */
		static const ULONG prots[] = { PAGE_READWRITE, PAGE_READONLY, PAGE_NOACCESS };
		ULONG np = prots[st_rand(o, 3)];
		int all = 1;

		for (i = a; i < b; i++)
			all &= r->committed[i];
		old = NTT_POISON32;
		s = vm_protect(h, r->base + a * PAGE, (b - a) * PAGE, np, &old);
		if (!all) {
			if (s != STATUS_NOT_COMMITTED)
				SERR("%s: protect %u-%u of %p (not all committed): 0x%08x", who,
				     a, b, r->base, (uint32_t)s);
			return;
		}
		if (s != STATUS_SUCCESS || old != r->prot[a]) {
			SERR("%s: protect %u-%u of %p: 0x%08x old %x expected %x", who, a, b,
			     r->base, (uint32_t)s, old, r->prot[a]);
			return;
		}
		for (i = a; i < b; i++)
			r->prot[i] = np;
		break;
	}
	case 5:
	case 6:
	case 7: {	/* write page pg */
		unsigned char v = (unsigned char)(1 + st_rand(o, 255));
		int faulted, mismatch = 0;

		if (o->kid) {
			SIZE_T n = NTT_POISON64;
			static __thread unsigned char page[PAGE];

			if (ntt_rand(&o->rng) & 1) {
				/* The kid writes it itself. */
				struct vmk_reply rep = vmk_call(o->kid, VMK_FILL, v,
								r->base + pg * PAGE, PAGE);

				if (rep.fault != !st_writable(r, pg) ||
				    (rep.fault && rep.fault_addr != pv(r->base + pg * PAGE)))
					SERR("%s: kid write page %u of %p: fault %u at %#llx", who,
					     pg, r->base, rep.fault,
					     (unsigned long long)rep.fault_addr);
				if (!rep.fault)
					r->val[pg] = v;
				break;
			}
			memset(page, v, PAGE);
			s = NtWriteVirtualMemory(h, r->base + pg * PAGE, page, PAGE, &n);
			if (st_writable(r, pg) ? (s != STATUS_SUCCESS || n != PAGE) :
			    (s != STATUS_PARTIAL_COPY || n != 0))
				SERR("%s: remote write page %u of %p: 0x%08x %zu", who, pg, r->base,
				     (uint32_t)s, (size_t)n);
			if (s == STATUS_SUCCESS)
				r->val[pg] = v;
			break;
		}
		faulted = st_access((volatile unsigned char *)r->base + pg * PAGE, 1, v, &mismatch);
		if (faulted)
			atomic_fetch_add(&st_.faults, 1);
		if (faulted != !st_writable(r, pg))
			SERR("%s: write page %u of %p: faulted %d, committed %u prot %x", who, pg,
			     r->base, faulted, r->committed[pg], r->prot[pg]);
		if (!faulted)
			r->val[pg] = v;
		break;
	}
	case 8:
	case 9: {	/* read page pg */
		int faulted, mismatch = 0;

		if (o->kid) {
			struct vmk_reply rep = vmk_call(o->kid, VMK_HASH, 0, r->base + pg * PAGE,
							PAGE);

			if (rep.fault != !st_readable(r, pg) ||
			    (!rep.fault && rep.value != fnv_fill(r->val[pg], PAGE)))
				SERR("%s: kid read page %u of %p: fault %u", who, pg, r->base,
				     rep.fault);
			break;
		}
		faulted = st_access((volatile unsigned char *)r->base + pg * PAGE, 0, r->val[pg],
				    &mismatch);
		if (faulted)
			atomic_fetch_add(&st_.faults, 1);
		if (faulted != !st_readable(r, pg) || mismatch)
			SERR("%s: read page %u of %p: faulted %d, %d bytes differ", who, pg,
			     r->base, faulted, mismatch);
		break;
	}
	case 10:
	case 11:
		st_check_query(h, r, pg, st_rand(o, PAGE), who);
		break;
	case 12:
	case 13:
		st_check_read(h, r, pg, st_rand(o, PAGE), 1 + st_rand(o, 2 * PAGE), who);
		break;
	default:	/* release */
		p = r->base;
		sz = 0;
		s = NtFreeVirtualMemory(h, &p, &sz, MEM_RELEASE);
		if (s != STATUS_SUCCESS || sz != r->npages * PAGE)
			SERR("%s: release %p: 0x%08x %zx", who, r->base, (uint32_t)s, (size_t)sz);
		atomic_store(&r->base, (char *)NULL);
		break;
	}
}

static void *st_owner_thread(void *arg)
{
	struct st_owner *o = arg;
	char who[32];

	snprintf(who, sizeof(who), "%s %d", o->kid ? "remote" : "local", (int)(o - st_.own));
	while (!atomic_load(&st_.stop)) {
		struct st_region *r = &o->r[st_rand(o, ST_REGIONS)];

		pthread_mutex_lock(&r->lock);
		st_op(o, r, who);
		pthread_mutex_unlock(&r->lock);
		o->ops++;
	}
	return NULL;
}

/* Reads and queries the owners' regions. */
static void *st_reader_thread(void *arg)
{
	uint64_t rng = (uint64_t)(uintptr_t)arg;

	ntt_rand(&rng);
	while (!atomic_load(&st_.stop)) {
		struct st_owner *o = &st_.own[ntt_rand(&rng) % ST_OWNERS];
		struct st_region *r = &o->r[ntt_rand(&rng) % ST_REGIONS];
		unsigned int pg, off = ntt_rand(&rng) % PAGE;

		if (ntt_rand(&rng) % 4) {
			/* Under the owner's lock: the model is exact. */
			pthread_mutex_lock(&r->lock);
			if (r->base) {
				pg = ntt_rand(&rng) % r->npages;
				if (ntt_rand(&rng) & 1)
					st_check_query(o->process, r, pg, off, "reader");
				else
					st_check_read(o->process, r, pg, off,
						      1 + ntt_rand(&rng) % (2 * PAGE), "reader");
			}
			pthread_mutex_unlock(&r->lock);
		} else {
			/* Racing the owner: the answer must only be plausible. */
			static __thread unsigned char buf[2 * PAGE];
			char *base = atomic_load(&r->base);
			MEMORY_BASIC_INFORMATION m;
			SIZE_T n = NTT_POISON64;
			NTSTATUS s;

			if (!base)
				continue;
			s = NtReadVirtualMemory(o->process, base + off, buf, sizeof(buf), &n);
			if ((s != STATUS_SUCCESS && s != STATUS_PARTIAL_COPY) || n > sizeof(buf) ||
			    (s == STATUS_SUCCESS && n != sizeof(buf)))
				SERR("racy read %p: 0x%08x %zu", base + off, (uint32_t)s, (size_t)n);
			s = NtQueryVirtualMemory(o->process, base + off, MemoryBasicInformation, &m,
						 sizeof(m), NULL);
			if (s != STATUS_SUCCESS ||
			    (m.State != MEM_FREE && m.State != MEM_RESERVE && m.State != MEM_COMMIT) ||
			    m.BaseAddress != base || !m.RegionSize || m.RegionSize % PAGE)
				SERR("racy query %p: 0x%08x state %x base %p size %zx", base + off,
				     (uint32_t)s, m.State, m.BaseAddress, (size_t)m.RegionSize);
		}
	}
	return NULL;
}

TEST_TIMEOUT(stress_vm, 120)
{
	pthread_t th[ST_OWNERS + 1];
	struct sigaction sa;
	struct vmk k;
	uint64_t seed;
	long ops = 0;
	int i, j;

	nt_setup();
	memset(&st_, 0, sizeof(st_));
	seed = ntt_seed();
	/* Forked by this (the main) thread, which outlives the others: PR_SET_PDEATHSIG. */
	k = vmk_spawn();

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = st_fault;
	sa.sa_flags = SA_SIGINFO;
	ASSERT_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
	ASSERT_EQ(sigaction(SIGBUS, &sa, NULL), 0);

	for (i = 0; i < ST_OWNERS; i++) {
		struct st_owner *o = &st_.own[i];

		for (j = 0; j < ST_REGIONS; j++)
			pthread_mutex_init(&o->r[j].lock, NULL);
		o->rng = seed ^ ((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull);
		ntt_rand(&o->rng);
		o->process = NtCurrentProcess();
		if (i == ST_LOCAL) {
			o->process = xopen_process(VM_RIGHTS, k.pid);
			o->kid = &k;
		}
	}
	for (i = 0; i < ST_OWNERS; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, st_owner_thread, &st_.own[i]), 0);
	ASSERT_EQ(pthread_create(&th[ST_OWNERS], NULL, st_reader_thread,
				 (void *)(uintptr_t)(seed | 1)), 0);
	sleep_ms(ST_SECONDS * 1000);
	atomic_store(&st_.stop, 1);
	for (i = 0; i <= ST_OWNERS; i++)
		pthread_join(th[i], NULL);

	/* Whatever is left is released, and then the address is free. */
	for (i = 0; i < ST_OWNERS; i++) {
		struct st_owner *o = &st_.own[i];

		for (j = 0; j < ST_REGIONS; j++) {
			char *base = o->r[j].base;

			if (!base)
				continue;
			st_check_query(o->process, &o->r[j], 0, 0, "final");
			xrelease(o->process, base, o->r[j].npages * PAGE);
			expect_free(o->process, base);
		}
		ops += o->ops;
	}
	fprintf(stderr, "# stress: %ld operations, %ld reads, %ld queries, %ld expected faults\n",
		ops, atomic_load(&st_.reads), atomic_load(&st_.queries), atomic_load(&st_.faults));
	EXPECT_EQ(atomic_load(&st_.errors), 0);
	EXPECT_GT(ops, 100);
	xclose(st_.own[ST_LOCAL].process);
	vmk_kill(&k);
}

/*
 * A NtGetWriteWatch whose array cannot be written fails with
 * STATUS_ACCESS_VIOLATION and resets nothing, even with
 * WRITE_WATCH_FLAG_RESET: the pages are reported by the next call.
 */
TEST(write_watch_bad_array_resets_nothing)
{
	const SIZE_T size = 64 * 1024;
	ULONG_PTR count = 8;
	ULONG gran;
	char *base;
	void *ro;

	nt_setup();
	base = xalloc(NtCurrentProcess(), NULL, size,
		      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	poke(base, 2);
	poke(base, 9);
	EXPECT_STATUS(NtGetWriteWatch(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size,
				      ro, &count, &gran), STATUS_ACCESS_VIOLATION);
	EXPECT_EQ(count, 8);
	EXPECT_WATCH(NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, size, 2, 9);
	EXPECT_NO_WATCH(NtCurrentProcess(), 0, base, size);
	munmap(ro, PAGE);
	xrelease(NtCurrentProcess(), base, size);
}

/*
 * execve() replaces the address space: the NT memory of the old one is
 * freed with it, while the process lives on.
 */
TEST(execve_frees_nt_memory)
{
	int64_t r0, r1, r2, t0;
	int ready[2];
	char c;
	pid_t pid;

	nt_setup();
	ASSERT_EQ(pipe(ready), 0);
	r0 = resident_pages();
	ASSERT_GE(r0, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		PVOID base = NULL;
		SIZE_T size = 64 * PAGE;

		close(ready[0]);
		if (NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
					    MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
			_exit(2);
		memset(base, 1, size);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		/* Hold the pipe open across execve so the parent can time it. */
		execl("/bin/sleep", "sleep", "3", (char *)NULL);
		_exit(4);
	}
	close(ready[1]);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	r1 = resident_pages();
	EXPECT_GE(r1 - r0, 64);
	t0 = mono_ns();
	do {
		r2 = resident_pages();
		if (r2 <= r0)
			break;
		sleep_ms(20);
	} while (ms_since(t0) < 2500);
	EXPECT_LE(r2, r0);
	/* Still the same, live process. */
	EXPECT_EQ(kill(pid, 0), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
}
