// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: working sets and the page lists (ntmm/wsle.c), with real faults:
 * a page's way from the working set to the modified list and back (a soft
 * fault, same contents), the clock hand, locked and referenced pages that
 * stay, MEM_RESET pages that are discarded instead, a hard maximum,
 * pages on the lists freed by decommit and release, and the pager (a
 * paging file on an internal shmem file): written, repurposed, read back. See mm_test.c for how
 * a case gets a user address space.
 */
#include "mm_ctx.h"

#ifdef NTX_HAVE_KUNIT_VM_MMAP

struct ws_counts {
	unsigned long ws;
	unsigned long resident;
	unsigned long transition;
	long modified;
};

static struct mm_space *ws_space(struct mm_ctx *c)
{
	struct mm_space *space = mm_space_get(&c->process->vm, c->mm, false);

	KUNIT_ASSERT_FALSE(c->test, IS_ERR_OR_NULL(space));
	return space;
}

static struct ws_counts ws_counts(struct mm_ctx *c)
{
	struct mm_space *space = ws_space(c);
	struct ws_counts n;

	mutex_lock(&space->lock);
	n.ws = space->ws;
	n.resident = space->resident;
	n.transition = space->transition_faults;
	mutex_unlock(&space->lock);
	n.modified = mm_ws_list_count(MM_LIST_MODIFIED);
	mm_space_put(space);
	return n;
}

/* Trim up to @target pages (ULONG_MAX: all); returns how many went. */
static unsigned long trim(struct mm_ctx *c, unsigned long target)
{
	struct mm_space *space = ws_space(c);
	unsigned long n;
	LIST_HEAD(freed);

	mutex_lock(&space->lock);
	n = mm_ws_trim(space, target, ULONG_MAX, &freed);
	mutex_unlock(&space->lock);
	mm_put_pages(&freed);
	mm_space_put(space);
	return n;
}

/* Whether the page of @addr is in the working set (-1: not the space's). */
static int page_valid(struct mm_ctx *c, unsigned long addr)
{
	struct mm_space *space = ws_space(c);
	int valid = -1;

	mutex_lock(&space->lock);
	if (xa_load(&space->pages, addr >> PAGE_SHIFT))
		valid = xa_get_mark(&space->pages, addr >> PAGE_SHIFT, MM_WS_VALID);
	mutex_unlock(&space->lock);
	mm_space_put(space);
	return valid;
}

/* The modified list and back: the same page, the same contents. */
static void trim_and_soft_fault(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct ws_counts n0, n1, n2;
	u64 base;
	int i;

	base = nt_alloc(c, 0, P(8), RESERVE | COMMIT, RW);
	for (i = 0; i < 8; i++) {
		fill(c->kbuf, i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, PAGE_SIZE), 0ul);
	}
	n0 = ws_counts(c);
	KUNIT_EXPECT_EQ(test, n0.ws, 8ul);
	KUNIT_EXPECT_EQ(test, n0.resident, 8ul);

	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 8ul);
	n1 = ws_counts(c);
	KUNIT_EXPECT_EQ(test, n1.ws, 0ul);
	KUNIT_EXPECT_EQ(test, n1.resident, 8ul);	/* still the module's */
	KUNIT_EXPECT_EQ(test, n1.modified - n0.modified, 8l);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, page_valid(c, base + P(i)), 0);
	/* Nothing more to take. */
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 0ul);

	/* A read of page 3 is a soft fault: that page only comes back. */
	KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(3), PAGE_SIZE), 0ul);
	fill(c->kbuf, 3);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	n2 = ws_counts(c);
	KUNIT_EXPECT_EQ(test, n2.ws, 1ul);
	KUNIT_EXPECT_EQ(test, n2.transition - n1.transition, 1ul);
	KUNIT_EXPECT_EQ(test, n1.modified - n2.modified, 1l);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(3)), 1);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(2)), 0);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(4)), 0);

	/* A write to another brings it back with its old contents under it. */
	KUNIT_ASSERT_EQ(test, uwrite(base + P(5), "x", 1), 0ul);
	KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(5), PAGE_SIZE), 0ul);
	fill(c->kbuf, 5);
	c->kbuf[0] = 'x';
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);

	/* Decommit frees pages on the list and in the working set alike. */
	KUNIT_EXPECT_EQ(test, nt_free(c, base, P(8), NT_MEM_DECOMMIT), STATUS_SUCCESS);
	n2 = ws_counts(c);
	KUNIT_EXPECT_EQ(test, n2.ws, 0ul);
	KUNIT_EXPECT_EQ(test, n2.resident, 0ul);
	KUNIT_EXPECT_EQ(test, n2.modified, n0.modified);
}

/*
 * With no aging pass in between, pages are as old as each other: a partial
 * trim takes them in the order they entered the working set.
 */
static void trim_oldest_first(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u64 base;
	int i;

	base = nt_alloc(c, 0, P(8), RESERVE | COMMIT, RW);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), "a", 1), 0ul);
	KUNIT_EXPECT_EQ(test, trim(c, 3), 3ul);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, page_valid(c, base + P(i)), i < 3 ? 0 : 1);
	KUNIT_EXPECT_EQ(test, trim(c, 3), 3ul);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, page_valid(c, base + P(i)), i < 6 ? 0 : 1);
	/* Page 0 is touched again: it comes in last, after 6 and 7. */
	KUNIT_ASSERT_EQ(test, uwrite(base, "b", 1), 0ul);
	KUNIT_EXPECT_EQ(test, trim(c, 2), 2ul);
	KUNIT_EXPECT_EQ(test, page_valid(c, base), 1);
	KUNIT_EXPECT_EQ(test, trim(c, 1), 1ul);
	KUNIT_EXPECT_EQ(test, page_valid(c, base), 0);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 0ul);
}

/* Locked pages and pages a copy holds stay in the working set. */
static void trim_skips_locked_and_held(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct mm_space *space;
	u64 base, lb, ls = P(2);
	struct page *held;
	int i;

	base = nt_alloc(c, 0, P(6), RESERVE | COMMIT, RW);
	for (i = 0; i < 6; i++)
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), "a", 1), 0ul);
	lb = base + P(1);
	KUNIT_ASSERT_EQ(test, mm_lock_virtual(&c->process->vm, c->mm, &lb, &ls,
					      NT_MAP_PROCESS, true), STATUS_SUCCESS);
	/* As NtReadVirtualMemory holds a page while it copies (copy.c). */
	space = ws_space(c);
	mutex_lock(&space->lock);
	held = xa_load(&space->pages, (base + P(4)) >> PAGE_SHIFT);
	get_page(held);
	mutex_unlock(&space->lock);

	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 3ul);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_EQ(test, page_valid(c, base + P(i)),
				i == 1 || i == 2 || i == 4 ? 1 : 0);
	put_page(held);
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 1ul);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(4)), 0);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 2ul);
	mm_space_put(space);
}

/* MEM_RESET pages leave as free pages; MEM_RESET_UNDO then fails. */
static void trim_discards_reset_pages(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct ws_counts n0, n1;
	u64 base, b, s;

	base = nt_alloc(c, 0, P(4), RESERVE | COMMIT, RW);
	fill(c->kbuf, 9);
	KUNIT_ASSERT_EQ(test, uwrite(base, c->kbuf, PAGE_SIZE), 0ul);
	KUNIT_ASSERT_EQ(test, uwrite(base + P(1), c->kbuf, PAGE_SIZE), 0ul);
	b = base;
	s = P(2);
	KUNIT_ASSERT_EQ(test, mm_allocate_virtual(&c->process->vm, c->mm, &b, &s, 0,
						  NT_MEM_RESET, RW), STATUS_SUCCESS);
	/* Page 1 is written after the reset: no longer discardable. */
	KUNIT_ASSERT_EQ(test, uwrite(base + P(1), "z", 1), 0ul);
	n0 = ws_counts(c);
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 2ul);
	n1 = ws_counts(c);
	KUNIT_EXPECT_EQ(test, n0.resident - n1.resident, 1ul);
	KUNIT_EXPECT_EQ(test, n1.modified - n0.modified, 1l);
	KUNIT_EXPECT_EQ(test, page_valid(c, base), -1);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(1)), 0);
	/* The discarded page reads as zeros, the other as written. */
	KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base, PAGE_SIZE), 0ul);
	KUNIT_EXPECT_TRUE(test, is_zero(c->kbuf2, PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(1), PAGE_SIZE), 0ul);
	c->kbuf[0] = 'z';
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	b = base;
	s = P(2);
	KUNIT_EXPECT_EQ(test, mm_allocate_virtual(&c->process->vm, c->mm, &b, &s, 0,
						  NT_MEM_RESET_UNDO, RW),
			STATUS_CONFLICTING_ADDRESSES);
	b = base + P(1);
	s = P(1);
	KUNIT_EXPECT_EQ(test, mm_allocate_virtual(&c->process->vm, c->mm, &b, &s, 0,
						  NT_MEM_RESET_UNDO, RW), STATUS_SUCCESS);
}

/* A hard maximum: the working set never passes it; contents survive. */
static void hard_maximum(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u64 base;
	int i;

	KUNIT_ASSERT_EQ(test, mm_set_working_set(&c->process->vm, c->mm, P(20), P(32),
						 QUOTA_LIMITS_HARDWS_MAX_ENABLE, false),
			STATUS_SUCCESS);
	base = nt_alloc(c, 0, P(64), RESERVE | COMMIT, RW);
	for (i = 0; i < 64; i++) {
		fill(c->kbuf, i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, PAGE_SIZE), 0ul);
		KUNIT_EXPECT_LE(test, ws_counts(c).ws, 32ul);
	}
	for (i = 0; i < 64; i++) {
		fill(c->kbuf, i);
		KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(i), PAGE_SIZE), 0ul);
		KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	}
	KUNIT_EXPECT_LE(test, ws_counts(c).ws, 32ul);
	/* Hard limits must leave room to move; then, the privilege. */
	KUNIT_EXPECT_EQ(test, mm_set_working_set(&c->process->vm, c->mm, P(25), P(32), 0,
						 false), STATUS_BAD_WORKING_SET_LIMIT);
	KUNIT_EXPECT_EQ(test, mm_set_working_set(&c->process->vm, c->mm, P(25), P(40), 0,
						 false), STATUS_PRIVILEGE_NOT_HELD);
	/* A lower maximum trims at once. */
	KUNIT_EXPECT_EQ(test, mm_set_working_set(&c->process->vm, c->mm, P(20), P(29), 0,
						 false), STATUS_SUCCESS);
	KUNIT_EXPECT_LE(test, ws_counts(c).ws, 29ul);
}

/* Release and rundown take pages off the lists (rmmod finds them empty). */
static void release_frees_listed_pages(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct ws_counts n0;
	u64 base, b, s = 0;
	int i;

	base = nt_alloc(c, 0, P(16), RESERVE | COMMIT, RW);
	n0 = ws_counts(c);
	for (i = 0; i < 16; i++)
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), "a", 1), 0ul);
	KUNIT_EXPECT_EQ(test, trim(c, 10), 10ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).modified - n0.modified, 10l);
	b = base;
	KUNIT_EXPECT_EQ(test, nt_free(c, b, s, NT_MEM_RELEASE), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ws_counts(c).modified, n0.modified);
	KUNIT_EXPECT_EQ(test, ws_counts(c).resident, n0.resident);
	/* Left on the list at the case's end: the rundown frees it. */
	base = nt_alloc(c, 0, P(4), RESERVE | COMMIT, RW);
	KUNIT_ASSERT_EQ(test, uwrite(base, "a", 1), 0ul);
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 1ul);
}


/* The age of the page of @addr (U32_MAX: not in the working set). */
static unsigned int page_age(struct mm_ctx *c, unsigned long addr)
{
	struct mm_space *space = ws_space(c);
	unsigned int age;

	mutex_lock(&space->lock);
	age = mm_ws_page_age(space, addr >> PAGE_SHIFT);
	mutex_unlock(&space->lock);
	mm_space_put(space);
	return age;
}

static unsigned long age_pass(struct mm_ctx *c)
{
	struct mm_space *space = ws_space(c);
	unsigned long n = mm_ws_age(space);

	mm_space_put(space);
	return n;
}

/*
 * Touch a page so that the hardware sets its Accessed bit: drop its PTE
 * first (as a protection change does; the page stays in the working set),
 * so that no TLB entry from before the last aging pass can serve the access.
 */
static void touch(struct mm_ctx *c, unsigned long addr)
{
	struct mm_space *space = ws_space(c);

	mutex_lock(&space->lock);
	mm_zap(space, addr, addr + PAGE_SIZE);
	mutex_unlock(&space->lock);
	mm_space_put(space);
	KUNIT_ASSERT_EQ(c->test, uread(c->kbuf2, addr, 1), 0ul);
}

/* Aging: the Accessed bit sends a page back to age 0, else it gets older. */
static void aging_state(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	long young0;
	u64 base;
	int i;

	base = nt_alloc(c, 0, P(8), RESERVE | COMMIT, RW);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), "a", 1), 0ul);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, page_age(c, base + P(i)), 0u);
	/* Every page was written: young, its bit cleared. */
	young0 = mm_ws_stat(MM_STAT_YOUNG);
	KUNIT_EXPECT_EQ(test, age_pass(c), 8ul);
	KUNIT_EXPECT_EQ(test, mm_ws_stat(MM_STAT_YOUNG) - young0, 8l);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, page_age(c, base + P(i)), 0u);
	/* Nothing touched: one older each pass. */
	age_pass(c);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, page_age(c, base + P(i)), 1u);
	touch(c, base + P(3));
	touch(c, base + P(6));
	age_pass(c);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, page_age(c, base + P(i)),
				i == 3 || i == 6 ? 0u : 2u);
	/* Ages stop at the oldest. */
	for (i = 0; i < (int)MM_WS_AGES + 2; i++)
		age_pass(c);
	KUNIT_EXPECT_EQ(test, page_age(c, base + P(0)), MM_WS_AGE_MAX);
	/* A soft fault brings a page back young. */
	KUNIT_EXPECT_EQ(test, trim(c, 1), 1ul);
	KUNIT_EXPECT_EQ(test, page_age(c, base), U32_MAX);
	KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base, 1), 0ul);
	KUNIT_EXPECT_EQ(test, page_age(c, base), 0u);
}

/* Trimming takes the least recently accessed pages first. */
static void trim_by_age(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	struct mm_space *space;
	LIST_HEAD(freed);
	unsigned long n;
	u64 base;
	int i;

	base = nt_alloc(c, 0, P(8), RESERVE | COMMIT, RW);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), "a", 1), 0ul);
	age_pass(c);
	age_pass(c);
	/* Pages 0 and 1, the first in, are the ones in use. */
	touch(c, base);
	touch(c, base + P(1));
	age_pass(c);
	KUNIT_EXPECT_EQ(test, trim(c, 6), 6ul);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, page_valid(c, base + P(i)), i < 2 ? 1 : 0);
	/* A trim of pages of some age leaves younger ones. */
	space = ws_space(c);
	mutex_lock(&space->lock);
	n = mm_ws_trim_aged(space, ULONG_MAX, 1, ULONG_MAX, &freed);
	mutex_unlock(&space->lock);
	mm_put_pages(&freed);
	mm_space_put(space);
	KUNIT_EXPECT_EQ(test, n, 0ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 2ul);
}

/* Emptying a big working set lets go of the space's lock between batches. */
static void empty_in_batches(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	const int pages = 3 * 512 + 100;
	long breaks;
	u64 base;
	int i;

	base = nt_alloc(c, 0, P(pages), RESERVE | COMMIT, RW);
	for (i = 0; i < pages; i++) {
		fill(c->kbuf, i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, 8), 0ul);
	}
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, (unsigned long)pages);
	breaks = mm_ws_stat(MM_STAT_BREAKS);
	KUNIT_EXPECT_EQ(test, mm_set_working_set(&c->process->vm, c->mm, U64_MAX, U64_MAX,
						 0, false), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 0ul);
	KUNIT_EXPECT_GE(test, mm_ws_stat(MM_STAT_BREAKS) - breaks, 3l);
	for (i = 0; i < pages; i += 97) {
		fill(c->kbuf, i);
		KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(i), 8), 0ul);
		KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, 8), 0);
	}
	/* A big shrink too, down to the new maximum exactly. */
	for (i = 0; i < pages; i++)
		KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(i), 1), 0ul);
	breaks = mm_ws_stat(MM_STAT_BREAKS);
	KUNIT_EXPECT_EQ(test, mm_set_working_set(&c->process->vm, c->mm, P(20), P(100),
						 0, false), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 100ul);
	KUNIT_EXPECT_GE(test, mm_ws_stat(MM_STAT_BREAKS) - breaks, 2l);
}

/*
 * A hard maximum over mostly locked pages: each fault's trim looks at a
 * few pages, not at every locked one (they are parked once); unlocked,
 * they can be trimmed again.
 */
static void hard_maximum_locked(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	const int locked = 560, pages = 640;
	u64 base, lb, ls = P(locked);
	long scanned;
	int i;

	base = nt_alloc(c, 0, P(pages), RESERVE | COMMIT, RW);
	lb = base;
	KUNIT_ASSERT_EQ(test, mm_lock_virtual(&c->process->vm, c->mm, &lb, &ls,
					      NT_MAP_PROCESS, true), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, mm_set_working_set(&c->process->vm, c->mm, P(20), P(580),
						 QUOTA_LIMITS_HARDWS_MAX_ENABLE, false),
			STATUS_SUCCESS);
	scanned = mm_ws_stat(MM_STAT_SCANNED);
	for (i = locked; i < pages; i++) {
		fill(c->kbuf, i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, PAGE_SIZE), 0ul);
		KUNIT_EXPECT_LE(test, ws_counts(c).ws, 580ul);
	}
	/* 60 trims: the locked pages once, then a page or two each. */
	KUNIT_EXPECT_LE(test, mm_ws_stat(MM_STAT_SCANNED) - scanned, (long)locked + 4 * 80);
	for (i = locked; i < pages; i++) {
		fill(c->kbuf, i);
		KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(i), PAGE_SIZE), 0ul);
		KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	}
	for (i = 0; i < locked; i += 50)
		KUNIT_EXPECT_EQ(test, page_age(c, base + P(i)), MM_WS_AGES);
	lb = base;
	ls = P(locked);
	KUNIT_ASSERT_EQ(test, mm_lock_virtual(&c->process->vm, c->mm, &lb, &ls,
					      NT_MAP_PROCESS, false), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, page_age(c, base), 0u);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 580ul);
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 580ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 0ul);
}

/*
 * The balance set manager's trim: working sets above their minimum, the
 * oldest pages first, never a page used since the last pass, never below
 * the minimum.
 */
static void bsm_trims_oldest_to_minimum(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	u64 base;
	int i;

	KUNIT_ASSERT_EQ(test, mm_set_working_set(&c->process->vm, c->mm, P(30), P(345), 0,
						 false), STATUS_SUCCESS);
	base = nt_alloc(c, 0, P(100), RESERVE | COMMIT, RW);
	for (i = 0; i < 100; i++)
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), "a", 1), 0ul);
	/* Nothing is old yet: nothing goes. */
	age_pass(c);
	KUNIT_EXPECT_EQ(test, mm_bsm_trim(1000), 0ul);
	age_pass(c);
	age_pass(c);
	for (i = 0; i < 10; i++)
		touch(c, base + P(i));
	for (i = 50; i < 100; i++)
		touch(c, base + P(i));
	age_pass(c);
	/* Pages 10-49 are of age 3 now, the others of 0. */
	KUNIT_EXPECT_EQ(test, mm_bsm_trim(30), 30ul);
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_EQ(test, page_valid(c, base + P(i)), i < 10 || i >= 40 ? 1 : 0);
	/* Pages used since the last pass stay, however much is asked. */
	KUNIT_EXPECT_EQ(test, mm_bsm_trim(1000), 10ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 60ul);
	/* A second later, unused: down to the minimum, not below. */
	age_pass(c);
	KUNIT_EXPECT_EQ(test, mm_bsm_trim(1000), 30ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 30ul);
	KUNIT_EXPECT_EQ(test, mm_bsm_trim(1000), 0ul);
}

/*
 * The shrinker: it offers every working-set page and, with no standby
 * pages, frees nothing itself; what reclaim asked for becomes the next
 * pass's target (capped at what there is), once.
 */
static void shrinker_hands_pressure_on(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	long scans = mm_ws_stat(MM_STAT_SHRINKER_SCANS);
	unsigned long count, need;
	u64 base;
	int i;

	base = nt_alloc(c, 0, P(64), RESERVE | COMMIT, RW);
	for (i = 0; i < 64; i++)
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), "a", 1), 0ul);
	mm_bsm_need();		/* what was pending */
	KUNIT_EXPECT_EQ(test, mm_bsm_shrink(32, &count), 0ul);
	KUNIT_EXPECT_GE(test, count, 64ul);
	KUNIT_EXPECT_EQ(test, (unsigned long)(mm_ws_stat(MM_STAT_WS) +
					      mm_ws_list_count(MM_LIST_STANDBY)), count);
	KUNIT_EXPECT_EQ(test, mm_ws_stat(MM_STAT_SHRINKER_SCANS) - scans, 1l);
	/* Plenty of memory in the test VM: the request alone. */
	KUNIT_EXPECT_EQ(test, mm_bsm_need(), 32ul);
	KUNIT_EXPECT_EQ(test, mm_bsm_need(), 0ul);
	mm_bsm_shrink(1ul << 40, &count);
	need = mm_bsm_need();
	KUNIT_EXPECT_GE(test, need, 64ul);
	KUNIT_EXPECT_LE(test, need, count);
	/* No page left the working set. */
	KUNIT_EXPECT_EQ(test, ws_counts(c).ws, 64ul);
}

/* The slots of paged-out pages of the space of @c. */
static unsigned long paged_count(struct mm_ctx *c)
{
	struct mm_space *space = ws_space(c);
	unsigned long idx, n = 0;
	void *entry;

	mutex_lock(&space->lock);
	xa_for_each(&space->paged, idx, entry)
		n++;
	mutex_unlock(&space->lock);
	mm_space_put(space);
	return n;
}

static unsigned long write_modified(struct mm_ctx *c, unsigned long max)
{
	struct mm_space *space = ws_space(c);
	unsigned long n = mm_ws_write_modified(space, max, false);

	mm_space_put(space);
	return n;
}

static void pagefile_remove(void *unused)
{
	WARN_ON(mm_pagefile_kunit_remove());
}

/* A paging file of @pages slots for the case, gone at its end. */
static void pagefile_add(struct kunit *test, unsigned long pages)
{
	KUNIT_ASSERT_EQ(test, mm_pagefile_kunit_add(pages), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pagefile_remove, NULL), 0);
}

/*
 * The pager's state machine: modified -> (written) standby -> (repurposed)
 * only in the paging file -> (hard fault) working set, the same contents;
 * a soft fault from standby drops the copy; decommit frees the slots.
 */
static void pager_states(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	long standby0 = mm_ws_list_count(MM_LIST_STANDBY);
	long reads0 = mm_ws_stat(MM_STAT_PAGE_READS);
	long ios0 = mm_ws_stat(MM_STAT_PAGE_READ_IOS);
	struct ws_counts n0, n1;
	u64 base;
	int i;

	pagefile_add(test, 64);
	base = nt_alloc(c, 0, P(8), RESERVE | COMMIT, RW);
	for (i = 0; i < 8; i++) {
		fill(c->kbuf, 40 + i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, PAGE_SIZE), 0ul);
	}
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 8ul);
	n0 = ws_counts(c);
	/* Written: standby, each with a slot, still resident. */
	KUNIT_EXPECT_EQ(test, write_modified(c, ULONG_MAX), 8ul);
	n1 = ws_counts(c);
	KUNIT_EXPECT_EQ(test, n0.modified - n1.modified, 8l);
	KUNIT_EXPECT_EQ(test, mm_ws_list_count(MM_LIST_STANDBY) - standby0, 8l);
	KUNIT_EXPECT_EQ(test, paged_count(c), 8ul);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 8ul);
	KUNIT_EXPECT_EQ(test, n1.resident, 8ul);
	/* Nothing left to write. */
	KUNIT_EXPECT_EQ(test, write_modified(c, ULONG_MAX), 0ul);

	/* A soft fault from standby: back in the working set, copy kept. */
	KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(0), PAGE_SIZE), 0ul);
	fill(c->kbuf, 40);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, page_valid(c, base), 1);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 8ul);
	/* Written: the copy goes. */
	KUNIT_ASSERT_EQ(test, uwrite(base + P(0), "w", 1), 0ul);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 7ul);
	KUNIT_EXPECT_EQ(test, paged_count(c), 7ul);

	/* Repurposed: the memory goes, the slot stays. */
	KUNIT_EXPECT_EQ(test, mm_ws_repurpose(ULONG_MAX, false), 7ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).resident, 1ul);
	KUNIT_EXPECT_EQ(test, mm_ws_list_count(MM_LIST_STANDBY), standby0);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(3)), -1);
	KUNIT_EXPECT_EQ(test, paged_count(c), 7ul);

	/*
	 * A hard fault: the same contents, the slot kept (the page is
	 * clean); one read brought the four pages after it too (their slots
	 * follow), onto standby.
	 */
	KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(3), PAGE_SIZE), 0ul);
	fill(c->kbuf, 43);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, mm_ws_stat(MM_STAT_PAGE_READ_IOS) - ios0, 1l);
	KUNIT_EXPECT_EQ(test, mm_ws_stat(MM_STAT_PAGE_READS) - reads0, 5l);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(3)), 1);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(4)), 0);
	KUNIT_EXPECT_EQ(test, mm_ws_list_count(MM_LIST_STANDBY) - standby0, 4l);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 7ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).resident, 6ul);
	/* A cluster page touched: a soft fault, no read. */
	KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(6), PAGE_SIZE), 0ul);
	fill(c->kbuf, 46);
	KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, mm_ws_stat(MM_STAT_PAGE_READ_IOS) - ios0, 1l);
	KUNIT_EXPECT_EQ(test, page_valid(c, base + P(6)), 1);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 7ul);

	/*
	 * Trimmed again: the written page to the modified list, the clean
	 * ones straight to standby: only one page to write.
	 */
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 3ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).modified - n1.modified, 1l);
	KUNIT_EXPECT_EQ(test, mm_ws_list_count(MM_LIST_STANDBY) - standby0, 5l);
	KUNIT_EXPECT_EQ(test, write_modified(c, ULONG_MAX), 1ul);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 8ul);

	/* Decommit frees the slots of pages only in the paging file. */
	KUNIT_EXPECT_EQ(test, nt_free(c, base, P(8), NT_MEM_DECOMMIT), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, paged_count(c), 0ul);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 0ul);
	KUNIT_EXPECT_EQ(test, ws_counts(c).resident, 0ul);
}

/*
 * Reclaim frees standby pages at once (their copies are in the paging
 * file), as Linux frees clean page cache; they come back by hard faults.
 */
static void shrinker_frees_standby(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	long standby0 = mm_ws_list_count(MM_LIST_STANDBY);
	unsigned long count;
	u64 base;
	int i;

	pagefile_add(test, 64);
	base = nt_alloc(c, 0, P(8), RESERVE | COMMIT, RW);
	for (i = 0; i < 8; i++) {
		fill(c->kbuf, 60 + i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, PAGE_SIZE), 0ul);
	}
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 8ul);
	KUNIT_EXPECT_EQ(test, write_modified(c, ULONG_MAX), 8ul);
	KUNIT_ASSERT_EQ(test, mm_ws_list_count(MM_LIST_STANDBY) - standby0, 8l);
	mm_bsm_need();		/* what was pending */
	KUNIT_EXPECT_EQ(test, mm_bsm_shrink(8 + standby0, &count), 8ul + standby0);
	KUNIT_EXPECT_GE(test, count, 8ul);
	KUNIT_EXPECT_EQ(test, mm_ws_list_count(MM_LIST_STANDBY), 0l);
	KUNIT_EXPECT_EQ(test, ws_counts(c).resident, 0ul);
	KUNIT_EXPECT_EQ(test, paged_count(c), 8ul);
	/* Everything freed: nothing left for the thread. */
	KUNIT_EXPECT_EQ(test, mm_bsm_need(), 0ul);
	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(i), PAGE_SIZE), 0ul);
		fill(c->kbuf, 60 + i);
		KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	}
	KUNIT_EXPECT_EQ(test, nt_free(c, base, P(8), NT_MEM_DECOMMIT), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, paged_count(c), 0ul);
}

/* A full paging file leaves the rest modified; nothing is lost. */
static void pager_full_file(struct kunit *test)
{
	struct mm_ctx *c = mm_ctx_new(test);
	long modified0 = mm_ws_list_count(MM_LIST_MODIFIED);
	u64 base;
	int i;

	pagefile_add(test, 3);
	base = nt_alloc(c, 0, P(5), RESERVE | COMMIT, RW);
	for (i = 0; i < 5; i++) {
		fill(c->kbuf, 50 + i);
		KUNIT_ASSERT_EQ(test, uwrite(base + P(i), c->kbuf, PAGE_SIZE), 0ul);
	}
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 5ul);
	KUNIT_EXPECT_EQ(test, write_modified(c, ULONG_MAX), 3ul);
	KUNIT_EXPECT_EQ(test, mm_ws_list_count(MM_LIST_MODIFIED) - modified0, 2l);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 3ul);
	KUNIT_EXPECT_EQ(test, mm_ws_repurpose(ULONG_MAX, false), 3ul);
	for (i = 0; i < 5; i++) {
		KUNIT_ASSERT_EQ(test, uread(c->kbuf2, base + P(i), PAGE_SIZE), 0ul);
		fill(c->kbuf, 50 + i);
		KUNIT_EXPECT_EQ(test, memcmp(c->kbuf, c->kbuf2, PAGE_SIZE), 0);
	}
	/* Read back, not written: the three copies stay good. */
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 3ul);
	/*
	 * Trimmed again: the clean pages go to standby with no write; the
	 * file is still full for the other two.
	 */
	KUNIT_EXPECT_EQ(test, trim(c, ULONG_MAX), 5ul);
	KUNIT_EXPECT_EQ(test, mm_ws_list_count(MM_LIST_MODIFIED) - modified0, 2l);
	KUNIT_EXPECT_EQ(test, write_modified(c, 2), 0ul);
	/* Released: no slot is left. */
	KUNIT_EXPECT_EQ(test, nt_free(c, base, 0, NT_MEM_RELEASE), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mm_pagefile_used(), 0ul);
}

static struct kunit_case wset_test_cases[] = {
	KUNIT_CASE(trim_and_soft_fault),
	KUNIT_CASE(trim_oldest_first),
	KUNIT_CASE(trim_skips_locked_and_held),
	KUNIT_CASE(trim_discards_reset_pages),
	KUNIT_CASE(hard_maximum),
	KUNIT_CASE(release_frees_listed_pages),
	KUNIT_CASE(aging_state),
	KUNIT_CASE(trim_by_age),
	KUNIT_CASE(empty_in_batches),
	KUNIT_CASE(hard_maximum_locked),
	KUNIT_CASE(bsm_trims_oldest_to_minimum),
	KUNIT_CASE(shrinker_hands_pressure_on),
	KUNIT_CASE(pager_states),
	KUNIT_CASE(shrinker_frees_standby),
	KUNIT_CASE(pager_full_file),
	{}
};

/* The balance set manager stays away: the cases count pages exactly. */
static int wset_suite_init(struct kunit_suite *suite)
{
	mm_bsm_hold();
	return 0;
}

static void wset_suite_exit(struct kunit_suite *suite)
{
	mm_bsm_release();
}

#else /* no kunit_vm_mmap() */

static void wset_needs_user_mm(struct kunit *test)
{
	kunit_skip(test, "kunit_vm_mmap() is missing before Linux 6.12");
}

static struct kunit_case wset_test_cases[] = {
	KUNIT_CASE(wset_needs_user_mm),
	{}
};

#endif

static struct kunit_suite wset_test_suite = {
	.name = "ntexec_wset",
	.test_cases = wset_test_cases,
#ifdef NTX_HAVE_KUNIT_VM_MMAP
	.suite_init = wset_suite_init,
	.suite_exit = wset_suite_exit,
#endif
};
kunit_test_suite(wset_test_suite);
