// SPDX-License-Identifier: GPL-2.0
/*
 * What Linux's own munmap, mprotect, mremap and fork may and may not do to
 * the module's memory in the calling process. (exec and exit, which free
 * it, are in test_vm_remote.c.)
 *
 * Everything here works unprivileged.
 */
#include <sys/mman.h>

#include "vm_util.h"

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
