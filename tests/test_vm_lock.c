// SPDX-License-Identifier: GPL-2.0
/*
 * NtLockVirtualMemory and NtUnlockVirtualMemory on the calling process and
 * on another one: committed, reserved and guard pages, and RLIMIT_MEMLOCK
 * without CAP_IPC_LOCK. The helpers and the sources of the expected
 * statuses are in vm_handle_util.h.
 */
#include <grp.h>

#include "vm_handle_util.h"

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
