// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the memory manager (ntmm/space.c, virtual.c, wwatch.c, copy.c)
 * through its services, with real faults.
 *
 * Each case runs in a kthread of its own, which kunit_vm_mmap() gives a user
 * address space (kthread_use_mm()); the case adopts itself as an NT process,
 * so the services create their VMAs in that address space, and
 * copy_to_user()/copy_from_user() on the addresses they return fault through
 * the module's .fault and .pfn_mkwrite. A refused access is a short copy.
 * The case's address space, VMAs and NT memory go when its kthread exits.
 *
 * The copy routines retry a faulting multi-byte access byte by byte, so
 * where one fault must be exactly one access (guard pages) the case uses
 * get_user()/put_user(), which touch memory once.
 *
 * Nothing here holds the space's lock across a user access: the access
 * could fault on the space's own pages.
 */
#include "mm_ctx.h"

#ifdef NTX_HAVE_KUNIT_VM_MMAP

/* The space's counters, in pages. */
static void space_counts(struct mm_ctx *c, unsigned long *committed,
			 unsigned long *resident)
{
	struct mm_space *space = mm_space_get(&c->process->vm, c->mm, false);

	KUNIT_ASSERT_FALSE(c->test, IS_ERR_OR_NULL(space));
	mutex_lock(&space->lock);
	*committed = space->committed;
	*resident = space->resident;
	mutex_unlock(&space->lock);
	mm_space_put(space);
}

#define EXPECT_COUNTS(c, com, res) do {					\
	unsigned long __com, __res;					\
									\
	space_counts(c, &__com, &__res);				\
	KUNIT_EXPECT_EQ_MSG((c)->test, __com, (unsigned long)(com),	\
			    "committed pages");				\
	KUNIT_EXPECT_EQ_MSG((c)->test, __res, (unsigned long)(res),	\
			    "resident pages");				\
} while (0)

/* The MM_PAGE_* state of the page holding @addr, or NO_VAD. */
static u32 page_state(struct mm_ctx *c, unsigned long addr)
{
	struct mm_space *space = mm_space_get(&c->process->vm, c->mm, false);
	struct mm_vad *vad;
	u32 state = NO_VAD;

	KUNIT_ASSERT_FALSE(c->test, IS_ERR_OR_NULL(space));
	mutex_lock(&space->lock);
	vad = mm_vad_find(&space->vads, addr);
	if (vad)
		state = mm_vad_page_state(vad, addr);
	mutex_unlock(&space->lock);
	mm_space_put(space);
	return state;
}

/* The allocation holding @addr: false if there is none. */
static bool vad_bounds(struct mm_ctx *c, unsigned long addr,
		       unsigned long *start, unsigned long *end)
{
	struct mm_space *space = mm_space_get(&c->process->vm, c->mm, false);
	struct mm_vad *vad;
	bool found = false;

	KUNIT_ASSERT_FALSE(c->test, IS_ERR_OR_NULL(space));
	mutex_lock(&space->lock);
	vad = mm_vad_find(&space->vads, addr);
	if (vad) {
		*start = vad->start;
		*end = vad->end;
		found = true;
	}
	mutex_unlock(&space->lock);
	mm_space_put(space);
	return found;
}

/* The Linux VMA holding @addr: false if there is none. */
static bool vma_bounds(unsigned long addr, unsigned long *start,
		       unsigned long *end)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	bool found = false;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma) {
		*start = vma->vm_start;
		*end = vma->vm_end;
		found = true;
	}
	mmap_read_unlock(mm);
	return found;
}

/* Read and clear the thread's last exception record. */
static u32 take_exception(struct mm_ctx *c, u32 *access, u64 *address)
{
	struct ntexec_exception e;

	KUNIT_EXPECT_EQ(c->test, ps_get_exception(&e), STATUS_SUCCESS);
	if (access)
		*access = e.access;
	if (address)
		*address = e.address;
	return e.code;
}

/* A reservation refuses every access until it is committed. */
static void reserve_refuses_access(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u64 base, size = P(16);
	u32 access;
	u64 where;

	base = nt_alloc(c, 0, P(16), RESERVE, RW);
	KUNIT_EXPECT_EQ(test, base & (NT_ALLOCATION_GRANULARITY - 1), 0ull);
	EXPECT_COUNTS(c, 0, 0);
	KUNIT_EXPECT_EQ(test, page_state(c, base), 0u);

	take_exception(c, NULL, NULL);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf, base, 64), 64ul);
	KUNIT_EXPECT_EQ(test, take_exception(c, &access, &where),
			(u32)STATUS_ACCESS_VIOLATION);
	KUNIT_EXPECT_EQ(test, access, 0u);
	KUNIT_EXPECT_EQ(test, where, base);
	KUNIT_EXPECT_EQ(test, uwrite(base + P(3) + 8, c->kbuf, 8), 8ul);
	KUNIT_EXPECT_EQ(test, take_exception(c, &access, &where),
			(u32)STATUS_ACCESS_VIOLATION);
	KUNIT_EXPECT_EQ(test, access, 1u);
	KUNIT_EXPECT_EQ(test, where, base + P(3) + 8);
	/* Faults on reserved pages allocate nothing. */
	EXPECT_COUNTS(c, 0, 0);

	/* The range is taken: a fixed reservation over it conflicts. */
	KUNIT_EXPECT_EQ(test, mm_allocate_virtual(&c->process->vm, c->mm, &base, &size, 0,
						  RESERVE, RW),
			STATUS_CONFLICTING_ADDRESSES);

	/* Committing one page makes only that page accessible. */
	KUNIT_ASSERT_EQ(test, nt_commit(c, base + P(2), P(1), RW), STATUS_SUCCESS);
	EXPECT_COUNTS(c, 1, 0);
	KUNIT_EXPECT_EQ(test, page_state(c, base + P(2)), (u32)(MM_PAGE_COMMITTED | RW));
	memset(c->kbuf, 0xff, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf, base + P(2), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_TRUE(test, is_zero(c->kbuf, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, uread(c->kbuf, base + P(1), 16), 16ul);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf, base + P(3), 16), 16ul);
	EXPECT_COUNTS(c, 1, 1);
}

/* Committed pages read as zeros, take writes, and become resident on touch. */
static void commit_read_write(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u64 base;
	int i;

	base = nt_alloc(c, 0, P(4), RESERVE | COMMIT, RW);
	EXPECT_COUNTS(c, 4, 0);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, page_state(c, base + P(i)),
				(u32)(MM_PAGE_COMMITTED | RW));

	memset(c->kbuf, 0xff, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf, base, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_TRUE(test, is_zero(c->kbuf, PAGE_SIZE));
	EXPECT_COUNTS(c, 4, 1);

	fill(c->kbuf, 1);
	KUNIT_EXPECT_EQ(test, uwrite(base + P(1), c->kbuf, PAGE_SIZE), 0ul);
	EXPECT_COUNTS(c, 4, 2);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(1), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);

	/* A write straddling two pages, one of them new. */
	KUNIT_EXPECT_EQ(test, uwrite(base + P(2) - 100, c->kbuf, 200), 0ul);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(2) - 100, 200), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, 200), 0);
	EXPECT_COUNTS(c, 4, 3);

	/* Page 0 was only read, and is still zero; page 3 is untouched. */
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_TRUE(test, is_zero(c->kbuf2, PAGE_SIZE));
	EXPECT_COUNTS(c, 4, 3);
	/* Past the end of the allocation there is nothing. */
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(4), 16), 16ul);
}

/* PAGE_READONLY refuses writes and keeps the data readable. */
static void protect_readonly(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u32 old = 0, access;
	u64 base;

	base = nt_alloc(c, 0, P(2), RESERVE | COMMIT, RW);
	fill(c->kbuf, 3);
	KUNIT_ASSERT_EQ(test, uwrite(base, c->kbuf, PAGE_SIZE), 0ul);

	KUNIT_ASSERT_EQ(test, nt_protect(c, base, P(1), RO, &old), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, old, RW);
	KUNIT_EXPECT_EQ(test, page_state(c, base), (u32)(MM_PAGE_COMMITTED | RO));
	KUNIT_EXPECT_EQ(test, page_state(c, base + P(1)), (u32)(MM_PAGE_COMMITTED | RW));

	/* The writable PTE went: the write faults and is refused. */
	take_exception(c, NULL, NULL);
	KUNIT_EXPECT_EQ(test, uwrite(base, c->kbuf2, 64), 64ul);
	KUNIT_EXPECT_EQ(test, take_exception(c, &access, NULL),
			(u32)STATUS_ACCESS_VIOLATION);
	KUNIT_EXPECT_EQ(test, access, 1u);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	/* Now mapped read-only: a write reaches .pfn_mkwrite, which refuses. */
	KUNIT_EXPECT_EQ(test, uwrite(base + 8, c->kbuf2, 8), 8ul);
	KUNIT_EXPECT_EQ(test, take_exception(c, &access, NULL),
			(u32)STATUS_ACCESS_VIOLATION);
	KUNIT_EXPECT_EQ(test, access, 1u);
	/* The neighbour keeps its protection. */
	KUNIT_EXPECT_EQ(test, uwrite(base + P(1), c->kbuf, 64), 0ul);

	/*
	 * Back to PAGE_READWRITE: an upgrade zaps nothing, so the read-only
	 * PTE stays and the write is allowed by .pfn_mkwrite.
	 */
	KUNIT_ASSERT_EQ(test, nt_protect(c, base, P(1), RW, &old), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, old, RO);
	fill(c->kbuf, 4);
	KUNIT_EXPECT_EQ(test, uwrite(base, c->kbuf, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	EXPECT_COUNTS(c, 2, 2);
}

/* PAGE_NOACCESS refuses reads and writes and keeps the data. */
static void protect_noaccess(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u32 old = 0, access;
	u64 base;

	base = nt_alloc(c, 0, P(1), RESERVE | COMMIT, RW);
	fill(c->kbuf, 5);
	KUNIT_ASSERT_EQ(test, uwrite(base, c->kbuf, PAGE_SIZE), 0ul);

	KUNIT_ASSERT_EQ(test, nt_protect(c, base, P(1), NOACCESS, &old),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, old, RW);
	take_exception(c, NULL, NULL);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base, 64), 64ul);
	KUNIT_EXPECT_EQ(test, take_exception(c, &access, NULL),
			(u32)STATUS_ACCESS_VIOLATION);
	KUNIT_EXPECT_EQ(test, access, 0u);
	KUNIT_EXPECT_EQ(test, uwrite(base, c->kbuf2, 64), 64ul);
	KUNIT_EXPECT_EQ(test, take_exception(c, &access, NULL),
			(u32)STATUS_ACCESS_VIOLATION);
	KUNIT_EXPECT_EQ(test, access, 1u);
	/* Still committed and resident. */
	EXPECT_COUNTS(c, 1, 1);

	KUNIT_ASSERT_EQ(test, nt_protect(c, base, P(1), RO, &old), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, old, NOACCESS);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, uwrite(base, c->kbuf2, 64), 64ul);
}

/* A guard page refuses the first access, records it, and is then normal. */
static void guard_page_once(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct ps_thread *thread;
	u32 old = 0, value = 0, code, access;
	u64 base, where;

	base = nt_alloc(c, 0, P(2), RESERVE | COMMIT, RW);
	KUNIT_ASSERT_EQ(test, put_user(0x12345678u, (u32 __user *)base), 0);
	KUNIT_ASSERT_EQ(test, nt_protect(c, base, P(2), RW | GUARD, &old),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, old, RW);
	KUNIT_EXPECT_EQ(test, page_state(c, base),
			(u32)(MM_PAGE_COMMITTED | RW | GUARD));

	/* A read: refused once. */
	take_exception(c, NULL, NULL);
	KUNIT_EXPECT_EQ(test, get_user(value, (u32 __user *)(base + 4)), -EFAULT);
	thread = ps_current_thread();
	KUNIT_ASSERT_NOT_NULL(test, thread);
	spin_lock(&thread->lock);
	code = thread->exception_code;
	access = thread->exception_access;
	where = thread->exception_address;
	spin_unlock(&thread->lock);
	ps_dereference_thread(thread);
	KUNIT_EXPECT_EQ(test, code, (u32)STATUS_GUARD_PAGE_VIOLATION);
	KUNIT_EXPECT_EQ(test, access, 0u);
	KUNIT_EXPECT_EQ(test, where, base + 4);
	take_exception(c, NULL, NULL);
	/* The guard is gone and the page is plain PAGE_READWRITE. */
	KUNIT_EXPECT_EQ(test, page_state(c, base), (u32)(MM_PAGE_COMMITTED | RW));
	KUNIT_EXPECT_EQ(test, get_user(value, (u32 __user *)base), 0);
	KUNIT_EXPECT_EQ(test, value, 0x12345678u);
	KUNIT_EXPECT_EQ(test, take_exception(c, NULL, NULL), 0u);
	KUNIT_EXPECT_EQ(test, put_user(1u, (u32 __user *)base), 0);

	/* A write to the other page: refused once, then done. */
	KUNIT_EXPECT_EQ(test, put_user(0xabcdu, (u32 __user *)(base + P(1))), -EFAULT);
	KUNIT_EXPECT_EQ(test, take_exception(c, &access, &where),
			(u32)STATUS_GUARD_PAGE_VIOLATION);
	KUNIT_EXPECT_EQ(test, access, 1u);
	KUNIT_EXPECT_EQ(test, where, base + P(1));
	KUNIT_EXPECT_EQ(test, put_user(0xabcdu, (u32 __user *)(base + P(1))), 0);
	KUNIT_EXPECT_EQ(test, get_user(value, (u32 __user *)(base + P(1))), 0);
	KUNIT_EXPECT_EQ(test, value, 0xabcdu);
	KUNIT_EXPECT_EQ(test, take_exception(c, NULL, NULL), 0u);
}

/* Decommitted pages lose their contents; recommitted ones read as zeros. */
static void decommit_recommit(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u64 base, b, s;
	int i;

	base = nt_alloc(c, 0, P(4), RESERVE | COMMIT, RW);
	for (i = 0; i < 4; i++) {
		fill(c->kbuf, 10 + i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, PAGE_SIZE), 0ul);
	}
	EXPECT_COUNTS(c, 4, 4);

	b = base + P(1);
	s = P(2);
	KUNIT_ASSERT_EQ(test, mm_free_virtual(&c->process->vm, c->mm, &b, &s, NT_MEM_DECOMMIT),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, b, base + P(1));
	KUNIT_EXPECT_EQ(test, s, P(2));
	EXPECT_COUNTS(c, 2, 2);
	KUNIT_EXPECT_EQ(test, page_state(c, base + P(1)), 0u);
	KUNIT_EXPECT_EQ(test, page_state(c, base + P(2)), 0u);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(1), 64), 64ul);
	KUNIT_EXPECT_EQ(test, uwrite(base + P(2), c->kbuf2, 64), 64ul);
	/* The pages around keep their data. */
	fill(c->kbuf, 10);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	fill(c->kbuf, 13);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(3), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	/* Decommitting a decommitted page is no error, and changes nothing. */
	KUNIT_EXPECT_EQ(test, nt_free(c, base + P(1), P(1), NT_MEM_DECOMMIT),
			STATUS_SUCCESS);
	EXPECT_COUNTS(c, 2, 2);

	/* Recommit over a mix of committed and decommitted pages. */
	KUNIT_ASSERT_EQ(test, nt_commit(c, base, P(3), RW), STATUS_SUCCESS);
	EXPECT_COUNTS(c, 4, 2);
	for (i = 1; i < 3; i++) {
		memset(c->kbuf2, 0xff, PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(i), PAGE_SIZE), 0ul);
		KUNIT_EXPECT_TRUE(test, is_zero(c->kbuf2, PAGE_SIZE));
	}
	EXPECT_COUNTS(c, 4, 4);
	/* Committing committed pages keeps their data. */
	fill(c->kbuf, 10);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);

	/* Decommitting the whole allocation (size 0) leaves the reservation. */
	KUNIT_EXPECT_EQ(test, nt_free(c, base, 0, NT_MEM_DECOMMIT), STATUS_SUCCESS);
	EXPECT_COUNTS(c, 0, 0);
	KUNIT_EXPECT_EQ(test, page_state(c, base + P(3)), 0u);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(3), 16), 16ul);
}

/* NtGetWriteWatch's store, into the context's second kernel page. */
static int store_addrs(void *ctx, u64 index, const u64 *addrs, unsigned long n)
{
	u64 *out = ctx;

	if (index + n > PAGE_SIZE / sizeof(u64))
		return -EFAULT;
	memcpy(out + index, addrs, n * sizeof(*addrs));
	return 0;
}

static ntstatus_t watch(struct mm_ctx *c, u32 flags, u64 base, u64 size, u64 *count)
{
	return mm_get_write_watch(&c->process->vm, c->mm, flags, base, size, *count,
				  store_addrs, c->kbuf2, count);
}

/* Write watch: writes mark pages, a reset clears the marks and re-arms. */
static void write_watch(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u64 *addrs = (u64 *)c->kbuf2;
	u64 base, count, other, done;

	base = nt_alloc(c, 0, P(4), RESERVE | COMMIT | WATCH, RW);
	count = 4;
	KUNIT_EXPECT_EQ(test, watch(c, 0, base, P(4), &count),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, 0ull);

	/* A read maps the page without marking it. */
	KUNIT_EXPECT_EQ(test, uread(c->kbuf, base, 64), 0ul);
	KUNIT_EXPECT_FALSE(test, page_state(c, base) & MM_PAGE_WRITTEN);
	/* A first write to an unmapped page marks it in .fault. */
	fill(c->kbuf, 20);
	KUNIT_EXPECT_EQ(test, uwrite(base + P(1), c->kbuf, 64), 0ul);
	KUNIT_EXPECT_TRUE(test, page_state(c, base + P(1)) & MM_PAGE_WRITTEN);
	/* A write to the read-only mapped page marks it in .pfn_mkwrite. */
	KUNIT_EXPECT_EQ(test, uwrite(base + 64, c->kbuf, 64), 0ul);
	KUNIT_EXPECT_TRUE(test, page_state(c, base) & MM_PAGE_WRITTEN);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + 64, 64), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, 64), 0);
	KUNIT_EXPECT_FALSE(test, page_state(c, base + P(2)) & MM_PAGE_WRITTEN);
	EXPECT_COUNTS(c, 4, 2);

	/* At most *count addresses, in order. */
	count = 1;
	KUNIT_EXPECT_EQ(test, watch(c, 0, base, P(4), &count),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, 1ull);
	KUNIT_EXPECT_EQ(test, addrs[0], base);

	/* Get and reset. */
	count = 4;
	KUNIT_EXPECT_EQ(test, watch(c, WRITE_WATCH_FLAG_RESET, base, P(4), &count),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, 2ull);
	KUNIT_EXPECT_EQ(test, addrs[0], base);
	KUNIT_EXPECT_EQ(test, addrs[1], base + P(1));
	KUNIT_EXPECT_FALSE(test, page_state(c, base) & MM_PAGE_WRITTEN);
	KUNIT_EXPECT_FALSE(test, page_state(c, base + P(1)) & MM_PAGE_WRITTEN);
	count = 4;
	KUNIT_EXPECT_EQ(test, watch(c, 0, base, P(4), &count),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, 0ull);

	/* The reset zapped the writable PTE: the next write is seen. */
	KUNIT_EXPECT_EQ(test, uwrite(base + P(1) + 8, c->kbuf, 8), 0ul);
	KUNIT_EXPECT_TRUE(test, page_state(c, base + P(1)) & MM_PAGE_WRITTEN);
	/* The data survived the reset. */
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(1), 8), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, 8), 0);

	/* NtResetWriteWatch does the same. */
	KUNIT_EXPECT_EQ(test, mm_reset_write_watch(&c->process->vm, c->mm, base, P(4)),
			STATUS_SUCCESS);
	KUNIT_EXPECT_FALSE(test, page_state(c, base + P(1)) & MM_PAGE_WRITTEN);
	KUNIT_EXPECT_EQ(test, uwrite(base + P(1), c->kbuf, 8), 0ul);
	KUNIT_EXPECT_TRUE(test, page_state(c, base + P(1)) & MM_PAGE_WRITTEN);
	KUNIT_EXPECT_FALSE(test, page_state(c, base) & MM_PAGE_WRITTEN);

	/* A write by NtWriteVirtualMemory counts too. */
	KUNIT_ASSERT_EQ(test, uwrite(c->ubuf, c->kbuf, 16), 0ul);
	KUNIT_EXPECT_EQ(test, mm_copy_virtual(&c->process->vm, c->mm, base + P(3),
					      (void __user *)c->ubuf, 16, true, &done),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, done, 16ull);
	KUNIT_EXPECT_TRUE(test, page_state(c, base + P(3)) & MM_PAGE_WRITTEN);
	count = 4;
	KUNIT_EXPECT_EQ(test, watch(c, 0, base, P(4), &count),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, count, 2ull);
	KUNIT_EXPECT_EQ(test, addrs[0], base + P(1));
	KUNIT_EXPECT_EQ(test, addrs[1], base + P(3));
	EXPECT_COUNTS(c, 4, 3);

	/* Without MEM_WRITE_WATCH there is nothing to ask. */
	other = nt_alloc(c, 0, P(1), RESERVE | COMMIT, RW);
	count = 4;
	KUNIT_EXPECT_EQ(test, watch(c, 0, other, P(1), &count),
			STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, mm_reset_write_watch(&c->process->vm, c->mm, other, P(1)),
			STATUS_INVALID_PARAMETER);
}

/* NtReadVirtualMemory / NtWriteVirtualMemory on the module's pages. */
static void copy_virtual(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	void __user *ubuf = (void __user *)c->ubuf;
	u64 base, done;

	base = nt_alloc(c, 0, P(2), RESERVE | COMMIT, RW);
	KUNIT_ASSERT_EQ(test, nt_protect(c, base + P(1), P(1), RO, NULL),
			STATUS_SUCCESS);

	fill(c->kbuf, 30);
	KUNIT_ASSERT_EQ(test, uwrite(c->ubuf, c->kbuf, 128), 0ul);
	/* A write into a page never touched: it becomes resident. */
	KUNIT_EXPECT_EQ(test, mm_copy_virtual(&c->process->vm, c->mm, base + 16, ubuf, 128, true,
					      &done), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, done, 128ull);
	EXPECT_COUNTS(c, 2, 1);
	/* The mapping sees what the copy wrote. */
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + 16, 128), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, 128), 0);

	/* And the copy sees what is written through the mapping. */
	fill(c->kbuf, 31);
	KUNIT_ASSERT_EQ(test, uwrite(base + 256, c->kbuf, 64), 0ul);
	KUNIT_EXPECT_EQ(test, mm_copy_virtual(&c->process->vm, c->mm, base + 256, ubuf, 64, false,
					      &done), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, done, 64ull);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, c->ubuf, 64), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, 64), 0);

	/* A write running into the read-only page stops there. */
	KUNIT_EXPECT_EQ(test, mm_copy_virtual(&c->process->vm, c->mm, base + P(1) - 32, ubuf, 64,
					      true, &done), STATUS_PARTIAL_COPY);
	KUNIT_EXPECT_EQ(test, done, 32ull);
	/* A read across both is fine. */
	KUNIT_EXPECT_EQ(test, mm_copy_virtual(&c->process->vm, c->mm, base + P(1) - 32, ubuf, 64,
					      false, &done), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, done, 64ull);
	/*
	 * Not through a no-access page, and the source of a copy is read
	 * whole or not at all (MmCopyVirtualMemory's chunk): nothing.
	 */
	KUNIT_ASSERT_EQ(test, nt_protect(c, base + P(1), P(1), NOACCESS, NULL),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mm_copy_virtual(&c->process->vm, c->mm, base + P(1) - 32, ubuf, 64,
					      false, &done), STATUS_PARTIAL_COPY);
	KUNIT_EXPECT_EQ(test, done, 0ull);
	KUNIT_EXPECT_EQ(test, mm_copy_virtual(&c->process->vm, c->mm, base + P(1), ubuf, 8,
					      false, &done), STATUS_PARTIAL_COPY);
	KUNIT_EXPECT_EQ(test, done, 0ull);
}

/* Releasing the middle of an allocation splits it, VAD and VMA. */
/* MemoryRegionInformation: the whole allocation, from any address in it. */
static void region_info(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct nt_memory_region_information r;
	u64 base, b, s;

	base = nt_alloc(c, 0, P(16), RESERVE | WATCH, RW);
	KUNIT_ASSERT_EQ(test, nt_commit(c, base + P(2), P(3), RW), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, mm_query_region(&c->process->vm, c->mm, base + P(15) + 7, &r),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.allocation_base, base);
	KUNIT_EXPECT_EQ(test, r.allocation_protect, RW);
	KUNIT_EXPECT_EQ(test, r.region_size, P(16));
	KUNIT_EXPECT_EQ(test, r.commit_size, P(3));
	KUNIT_EXPECT_EQ(test, r.region_type,
			NT_REGION_PRIVATE | NT_REGION_MAPPED_WRITE_WATCH);
	KUNIT_EXPECT_EQ(test, r.partition_id, 0ull);
	KUNIT_EXPECT_EQ(test, r.node_preference, 0ull);

	/* Released in the middle: two allocations, a hole with none. */
	b = base + P(4);
	s = P(4);
	KUNIT_ASSERT_EQ(test, mm_free_virtual(&c->process->vm, c->mm, &b, &s, NT_MEM_RELEASE),
			STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, mm_query_region(&c->process->vm, c->mm, base, &r),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.region_size, P(4));
	KUNIT_EXPECT_EQ(test, r.commit_size, P(2));
	KUNIT_ASSERT_EQ(test, mm_query_region(&c->process->vm, c->mm, base + P(9), &r),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.allocation_base, base + P(8));
	KUNIT_EXPECT_EQ(test, r.region_size, P(8));
	KUNIT_EXPECT_EQ(test, r.commit_size, 0ull);
	KUNIT_EXPECT_EQ(test, mm_query_region(&c->process->vm, c->mm, base + P(5), &r),
			STATUS_INVALID_ADDRESS);
	KUNIT_EXPECT_EQ(test, r.region_size, 0ull);
	KUNIT_EXPECT_EQ(test, mm_query_region(&c->process->vm, c->mm,
					      NT_HIGHEST_USER_ADDRESS + 1, &r),
			STATUS_INVALID_PARAMETER);
}

static void partial_release(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	unsigned long start, end;
	u64 base, b, s;
	int i;

	base = nt_alloc(c, 0, P(16), RESERVE, RW);
	KUNIT_ASSERT_EQ(test, nt_commit(c, base, P(12), RW), STATUS_SUCCESS);
	for (i = 0; i < 12; i++) {
		fill(c->kbuf, 40 + i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, PAGE_SIZE), 0ul);
	}
	EXPECT_COUNTS(c, 12, 12);

	b = base + P(4);
	s = P(4);
	KUNIT_ASSERT_EQ(test, mm_free_virtual(&c->process->vm, c->mm, &b, &s, NT_MEM_RELEASE),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, b, base + P(4));
	KUNIT_EXPECT_EQ(test, s, P(4));
	EXPECT_COUNTS(c, 8, 8);

	/* Two VADs and two VMAs around a hole. */
	KUNIT_EXPECT_TRUE(test, vad_bounds(c, base, &start, &end));
	KUNIT_EXPECT_EQ(test, start, base);
	KUNIT_EXPECT_EQ(test, end, base + P(4));
	KUNIT_EXPECT_FALSE(test, vad_bounds(c, base + P(4), &start, &end));
	KUNIT_EXPECT_FALSE(test, vad_bounds(c, base + P(7), &start, &end));
	KUNIT_EXPECT_TRUE(test, vad_bounds(c, base + P(8), &start, &end));
	KUNIT_EXPECT_EQ(test, start, base + P(8));
	KUNIT_EXPECT_EQ(test, end, base + P(16));
	KUNIT_EXPECT_TRUE(test, vma_bounds(base, &start, &end));
	KUNIT_EXPECT_EQ(test, start, base);
	KUNIT_EXPECT_EQ(test, end, base + P(4));
	KUNIT_EXPECT_FALSE(test, vma_bounds(base + P(5), &start, &end));
	KUNIT_EXPECT_TRUE(test, vma_bounds(base + P(15), &start, &end));
	KUNIT_EXPECT_EQ(test, start, base + P(8));
	KUNIT_EXPECT_EQ(test, end, base + P(16));

	/* The hole refuses access; both pieces keep data and state. */
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(5), 16), 16ul);
	KUNIT_EXPECT_EQ(test, uwrite(base + P(6), c->kbuf2, 16), 16ul);
	fill(c->kbuf, 43);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(3), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	fill(c->kbuf, 48);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(8), PAGE_SIZE), 0ul);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, page_state(c, base + P(11)), (u32)(MM_PAGE_COMMITTED | RW));
	KUNIT_EXPECT_EQ(test, page_state(c, base + P(12)), 0u);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base + P(12), 16), 16ul);

	/* Each piece is released whole from its own base. */
	KUNIT_EXPECT_EQ(test, nt_free(c, base + P(8), 0, NT_MEM_RELEASE),
			STATUS_SUCCESS);
	EXPECT_COUNTS(c, 4, 4);
	b = base;
	s = 0;
	KUNIT_EXPECT_EQ(test, mm_free_virtual(&c->process->vm, c->mm, &b, &s, NT_MEM_RELEASE),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, b, base);
	KUNIT_EXPECT_EQ(test, s, P(4));
	EXPECT_COUNTS(c, 0, 0);
	KUNIT_EXPECT_EQ(test, page_state(c, base), NO_VAD);
	KUNIT_EXPECT_FALSE(test, vma_bounds(base, &start, &end));
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, base, 16), 16ul);
	KUNIT_EXPECT_EQ(test, nt_free(c, base, 0, NT_MEM_RELEASE),
			STATUS_MEMORY_NOT_ALLOCATED);
}

/* Releasing whole allocations gives every page back. */
static void release_frees_pages(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u64 a, b, s;
	int i;

	a = nt_alloc(c, 0, P(8), RESERVE | COMMIT, RW);
	b = nt_alloc(c, 0, P(8), RESERVE | COMMIT | WATCH, RW);
	KUNIT_EXPECT_NE(test, a, b);
	EXPECT_COUNTS(c, 16, 0);
	for (i = 0; i < 8; i += 2) {
		KUNIT_ASSERT_EQ(test, uwrite(a + P(i), c->kbuf, 8), 0ul);
		KUNIT_ASSERT_EQ(test, uread(c->kbuf2, b + P(i), 8), 0ul);
	}
	EXPECT_COUNTS(c, 16, 8);

	/* Only the allocation's base releases it whole. */
	KUNIT_EXPECT_EQ(test, nt_free(c, a + P(1), 0, NT_MEM_RELEASE),
			STATUS_FREE_VM_NOT_AT_BASE);
	s = 0;
	KUNIT_EXPECT_EQ(test, mm_free_virtual(&c->process->vm, c->mm, &a, &s, NT_MEM_RELEASE),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, s, P(8));
	EXPECT_COUNTS(c, 8, 4);
	KUNIT_EXPECT_EQ(test, nt_free(c, b, 0, NT_MEM_RELEASE), STATUS_SUCCESS);
	EXPECT_COUNTS(c, 0, 0);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, a, 8), 8ul);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, b, 8), 8ul);

	/* The space is reusable: the same place is free again. */
	s = P(1);
	KUNIT_EXPECT_EQ(test, mm_allocate_virtual(&c->process->vm, c->mm, &a, &s, 0,
						  RESERVE | COMMIT, RW),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, uread(c->kbuf2, a, 8), 0ul);
	EXPECT_COUNTS(c, 1, 1);
}

static struct kunit_case mm_test_cases[] = {
	KUNIT_CASE(reserve_refuses_access),
	KUNIT_CASE(commit_read_write),
	KUNIT_CASE(protect_readonly),
	KUNIT_CASE(protect_noaccess),
	KUNIT_CASE(guard_page_once),
	KUNIT_CASE(decommit_recommit),
	KUNIT_CASE(write_watch),
	KUNIT_CASE(copy_virtual),
	KUNIT_CASE(region_info),
	KUNIT_CASE(partial_release),
	KUNIT_CASE(release_frees_pages),
	{}
};

#else /* no kunit_vm_mmap() */

static void mm_needs_user_mm(struct kunit *test)
{
	kunit_skip(test, "kunit_vm_mmap() is missing before Linux 6.12");
}

static struct kunit_case mm_test_cases[] = {
	KUNIT_CASE(mm_needs_user_mm),
	{}
};

#endif

static struct kunit_suite mm_test_suite = {
	.name = "ntexec_mm",
	.test_cases = mm_test_cases,
};
kunit_test_suite(mm_test_suite);
