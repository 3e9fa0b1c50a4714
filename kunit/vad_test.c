// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the VAD tree (ntmm/vad.c). The tree functions assert the caller's
 * lock, so each test takes it around the calls, never across an assertion.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>

#include "../ntmm/vad.h"

#define P(n)		((unsigned long)(n) << PAGE_SHIFT)
#define K64		0x10000UL
#define USER_END	(NT_HIGHEST_VAD_ADDRESS + 1)
#define COMMIT_RW	(MM_PAGE_COMMITTED | NT_PAGE_READWRITE)
#define MANY_BASE	0x10000000UL
#define MANY_STRIDE	(2 * K64)

struct vad_ctx {
	struct mutex lock;
	struct mm_vad_tree tree;
};

static void vad_ctx_destroy(void *data)
{
	struct vad_ctx *c = data;

	mutex_lock(&c->lock);
	mm_vad_tree_destroy(&c->tree);
	mutex_unlock(&c->lock);
	mutex_destroy(&c->lock);
}

static struct vad_ctx *vad_ctx_new(struct kunit *test)
{
	struct vad_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	mutex_init(&c->lock);
	mm_vad_tree_init(&c->tree, &c->lock);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vad_ctx_destroy, c), 0);
	return c;
}

static int t_insert(struct vad_ctx *c, unsigned long start, unsigned long end,
		    u16 state, struct mm_vad **out)
{
	struct mm_vad *vad = mm_vad_alloc(start, end, NT_MEM_PRIVATE,
					  NT_PAGE_READWRITE, 0, state);
	int ret;

	if (IS_ERR(vad))
		return PTR_ERR(vad);
	mutex_lock(&c->lock);
	ret = mm_vad_insert(&c->tree, vad);
	mutex_unlock(&c->lock);
	if (ret)
		mm_vad_free(vad);
	else if (out)
		*out = vad;
	return ret;
}

static struct mm_vad *add(struct kunit *test, struct vad_ctx *c,
			  unsigned long start, unsigned long end, u16 state)
{
	struct mm_vad *vad = NULL;

	KUNIT_ASSERT_EQ(test, t_insert(c, start, end, state, &vad), 0);
	return vad;
}

static struct mm_vad *t_find(struct vad_ctx *c, unsigned long addr)
{
	struct mm_vad *vad;

	mutex_lock(&c->lock);
	vad = mm_vad_find(&c->tree, addr);
	mutex_unlock(&c->lock);
	return vad;
}

static struct mm_vad *t_find_next(struct vad_ctx *c, unsigned long addr)
{
	struct mm_vad *vad;

	mutex_lock(&c->lock);
	vad = mm_vad_find_next(&c->tree, addr);
	mutex_unlock(&c->lock);
	return vad;
}

static void t_release(struct vad_ctx *c, struct mm_vad *vad)
{
	mutex_lock(&c->lock);
	mm_vad_remove(&c->tree, vad);
	mutex_unlock(&c->lock);
	mm_vad_free(vad);
}

static int t_split(struct vad_ctx *c, struct mm_vad *vad, unsigned long addr,
		   struct mm_vad **upper)
{
	int ret;

	mutex_lock(&c->lock);
	ret = mm_vad_split(&c->tree, vad, addr, upper);
	mutex_unlock(&c->lock);
	return ret;
}

static int t_update(struct vad_ctx *c, struct mm_vad *vad, unsigned long start,
		    unsigned long end, u16 clear, u16 set)
{
	int ret;

	mutex_lock(&c->lock);
	ret = mm_vad_update_pages(vad, start, end, clear, set);
	mutex_unlock(&c->lock);
	return ret;
}

static u16 t_state(struct vad_ctx *c, struct mm_vad *vad, unsigned long addr)
{
	u16 state;

	mutex_lock(&c->lock);
	state = mm_vad_page_state(vad, addr);
	mutex_unlock(&c->lock);
	return state;
}

static ntstatus_t t_query(struct vad_ctx *c, unsigned long addr,
			  struct mm_vad_region *r)
{
	ntstatus_t status;

	memset(r, 0xcc, sizeof(*r));
	mutex_lock(&c->lock);
	status = mm_vad_query(&c->tree, addr, USER_END, r);
	mutex_unlock(&c->lock);
	return status;
}

static unsigned long tree_count(struct vad_ctx *c)
{
	unsigned long n;

	mutex_lock(&c->lock);
	n = c->tree.count;
	mutex_unlock(&c->lock);
	return n;
}

static void vad_insert_find(struct kunit *test)
{
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad *a = add(test, c, 0x100000, 0x110000, 0);
	struct mm_vad *b = add(test, c, 0x200000, 0x220000, COMMIT_RW);

	KUNIT_EXPECT_EQ(test, tree_count(c), 2ul);
	KUNIT_EXPECT_PTR_EQ(test, t_find(c, 0x100000), a);
	KUNIT_EXPECT_PTR_EQ(test, t_find(c, 0x10ffff), a);
	KUNIT_EXPECT_PTR_EQ(test, t_find(c, 0x108123), a);
	KUNIT_EXPECT_NULL(test, t_find(c, 0x110000));
	KUNIT_EXPECT_NULL(test, t_find(c, 0xfffff));
	KUNIT_EXPECT_NULL(test, t_find(c, 0));
	KUNIT_EXPECT_PTR_EQ(test, t_find(c, 0x21ffff), b);
	KUNIT_EXPECT_NULL(test, t_find(c, 0x220000));
	KUNIT_EXPECT_NULL(test, t_find(c, ULONG_MAX));

	KUNIT_EXPECT_PTR_EQ(test, t_find_next(c, 0), a);
	KUNIT_EXPECT_PTR_EQ(test, t_find_next(c, 0x10ffff), a);
	KUNIT_EXPECT_PTR_EQ(test, t_find_next(c, 0x110000), b);
	KUNIT_EXPECT_PTR_EQ(test, t_find_next(c, 0x210000), b);
	KUNIT_EXPECT_NULL(test, t_find_next(c, 0x220000));

	KUNIT_EXPECT_EQ(test, t_state(c, a, 0x100000), (u16)0);
	KUNIT_EXPECT_EQ(test, t_state(c, b, 0x21f000), COMMIT_RW);
	KUNIT_EXPECT_EQ(test, b->allocation_protect, NT_PAGE_READWRITE);
	KUNIT_EXPECT_EQ(test, b->type, NT_MEM_PRIVATE);
}

static void vad_overlap_refused(struct kunit *test)
{
	struct vad_ctx *c = vad_ctx_new(test);

	add(test, c, 0x100000, 0x120000, 0);
	KUNIT_EXPECT_EQ(test, t_insert(c, 0x100000, 0x120000, 0, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, t_insert(c, 0xf0000, 0x101000, 0, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, t_insert(c, 0x11f000, 0x130000, 0, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, t_insert(c, 0xf0000, 0x130000, 0, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, t_insert(c, 0x110000, 0x111000, 0, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, tree_count(c), 1ul);
	/* Adjacent on either side is fine. */
	KUNIT_EXPECT_EQ(test, t_insert(c, 0x120000, 0x121000, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, t_insert(c, 0xff000, 0x100000, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, tree_count(c), 3ul);
	/* A bad range never makes a VAD. */
	KUNIT_EXPECT_EQ(test, t_insert(c, 0x300001, 0x310000, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_insert(c, 0x300000, 0x300000, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_insert(c, 0x310000, 0x300000, 0, NULL), -EINVAL);
}

static void vad_remove(struct kunit *test)
{
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad *a = add(test, c, 0x100000, 0x110000, 0);
	struct mm_vad *b = add(test, c, 0x110000, 0x120000, 0);
	struct mm_vad *d = add(test, c, 0x120000, 0x130000, 0);

	t_release(c, b);
	KUNIT_EXPECT_EQ(test, tree_count(c), 2ul);
	KUNIT_EXPECT_NULL(test, t_find(c, 0x118000));
	KUNIT_EXPECT_PTR_EQ(test, t_find(c, 0x10f000), a);
	KUNIT_EXPECT_PTR_EQ(test, t_find(c, 0x120000), d);
	KUNIT_EXPECT_PTR_EQ(test, t_find_next(c, 0x110000), d);
	/* The hole can be reserved again. */
	add(test, c, 0x110000, 0x120000, 0);
	KUNIT_EXPECT_EQ(test, tree_count(c), 3ul);
}

/* A pattern of states that no two neighbours share too often. */
static u16 pattern(unsigned long i)
{
	static const u16 states[] = {
		0,
		MM_PAGE_COMMITTED | NT_PAGE_READWRITE,
		MM_PAGE_COMMITTED | NT_PAGE_READONLY | MM_PAGE_WRITTEN,
		MM_PAGE_COMMITTED | NT_PAGE_EXECUTE_READ | NT_PAGE_GUARD,
		MM_PAGE_COMMITTED | NT_PAGE_NOACCESS | MM_PAGE_LOCKED,
	};

	return states[(i * 7 + i / 3) % ARRAY_SIZE(states)];
}

static void vad_split(struct kunit *test)
{
	const unsigned long n = 1500, base = 0x40000000, cut = 700;
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad *v = add(test, c, base, base + P(n), 0), *up = NULL;
	struct mm_vad_region r;
	unsigned long i, bad = 0;

	/* Sparse states over three chunks; pages 1000..1099 left alone. */
	for (i = 0; i < n; i++) {
		if (i >= 1000 && i < 1100)
			continue;
		KUNIT_ASSERT_EQ(test, t_update(c, v, base + P(i), base + P(i + 1),
					       0xffff, pattern(i)), 0);
	}
	KUNIT_EXPECT_EQ(test, t_split(c, v, base, &up), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_split(c, v, base + P(n), &up), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_split(c, v, base + P(cut) + 1, &up), -EINVAL);
	KUNIT_EXPECT_EQ(test, tree_count(c), 1ul);

	KUNIT_ASSERT_EQ(test, t_split(c, v, base + P(cut), &up), 0);
	KUNIT_ASSERT_NOT_NULL(test, up);
	KUNIT_EXPECT_EQ(test, tree_count(c), 2ul);
	KUNIT_EXPECT_EQ(test, v->start, base);
	KUNIT_EXPECT_EQ(test, v->end, base + P(cut));
	KUNIT_EXPECT_EQ(test, up->start, base + P(cut));
	KUNIT_EXPECT_EQ(test, up->end, base + P(n));
	KUNIT_EXPECT_EQ(test, up->allocation_protect, v->allocation_protect);
	KUNIT_EXPECT_EQ(test, up->type, v->type);
	KUNIT_EXPECT_PTR_EQ(test, t_find(c, base + P(cut) - 1), v);
	KUNIT_EXPECT_PTR_EQ(test, t_find(c, base + P(cut)), up);

	for (i = 0; i < n; i++) {
		u16 want = (i >= 1000 && i < 1100) ? 0 : pattern(i);
		struct mm_vad *in = i < cut ? v : up;

		if (t_state(c, in, base + P(i)) != want)
			bad++;
	}
	KUNIT_EXPECT_EQ(test, bad, 0ul);

	/* The upper piece is an allocation of its own. */
	KUNIT_EXPECT_EQ(test, t_query(c, base + P(cut), &r), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.allocation_base, base + P(cut));
	KUNIT_EXPECT_EQ(test, r.allocation_protect, NT_PAGE_READWRITE);

	/* Split the lower piece again, on a chunk boundary this time. */
	KUNIT_ASSERT_EQ(test, t_split(c, v, base + P(512), &up), 0);
	for (i = 0, bad = 0; i < cut; i++)
		if (t_state(c, i < 512 ? v : up, base + P(i)) != pattern(i))
			bad++;
	KUNIT_EXPECT_EQ(test, bad, 0ul);
	KUNIT_EXPECT_EQ(test, tree_count(c), 3ul);
}

static ntstatus_t t_free(struct vad_ctx *c, unsigned long base, unsigned long size,
			 u32 type, struct mm_vad_free_range *range)
{
	struct mm_free_plan plan;
	ntstatus_t status;

	status = mm_check_free(base, size, type, 0, &plan);
	if (status)
		return status;
	mutex_lock(&c->lock);
	status = mm_vad_resolve_free(&c->tree, &plan, range);
	mutex_unlock(&c->lock);
	return status;
}

/* What NtFreeVirtualMemory(MEM_RELEASE) does with a resolved range. */
static int t_release_range(struct vad_ctx *c, struct mm_vad_free_range *range)
{
	struct mm_vad *vad = range->vad, *upper = NULL;
	int ret = 0;

	mutex_lock(&c->lock);
	if (range->end < vad->end)
		ret = mm_vad_split(&c->tree, vad, range->end, &upper);
	if (!ret && range->start > vad->start) {
		ret = mm_vad_split(&c->tree, vad, range->start, &upper);
		vad = upper;
	}
	if (!ret)
		mm_vad_remove(&c->tree, vad);
	mutex_unlock(&c->lock);
	if (!ret)
		mm_vad_free(vad);
	return ret;
}

/* Wine's test_NtFreeVirtualMemory and test_NtAllocateVirtualMemory, on the tree. */
static void vad_partial_release(struct kunit *test)
{
	const unsigned long x = 0x7f0000000000UL;
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad_free_range range;
	struct mm_vad_region r;

	add(test, c, x, x + 0x10000, COMMIT_RW);

	KUNIT_EXPECT_EQ(test, t_free(c, x + 0x1000, 0, NT_MEM_RELEASE, &range),
			STATUS_FREE_VM_NOT_AT_BASE);
	KUNIT_EXPECT_EQ(test, t_free(c, x + 0x1001, 0, NT_MEM_DECOMMIT, &range),
			STATUS_FREE_VM_NOT_AT_BASE);
	KUNIT_EXPECT_EQ(test, t_free(c, x, 0x11000, NT_MEM_RELEASE, &range),
			STATUS_UNABLE_TO_FREE_VM);
	KUNIT_EXPECT_EQ(test, t_free(c, x + 0x1001, 0xffff, NT_MEM_RELEASE, &range),
			STATUS_UNABLE_TO_FREE_VM);

	/* Decommit with size 0 inside the first page: all of it, reports 0. */
	KUNIT_ASSERT_EQ(test, t_free(c, x + 0xffe, 0, NT_MEM_DECOMMIT, &range), 0);
	KUNIT_EXPECT_EQ(test, range.start, x);
	KUNIT_EXPECT_EQ(test, range.end, x + 0x10000);
	KUNIT_EXPECT_EQ(test, range.size, 0ul);
	/* Release with size 0 reports the allocation's size. */
	KUNIT_ASSERT_EQ(test, t_free(c, x + 0xfff, 0, NT_MEM_RELEASE, &range), 0);
	KUNIT_EXPECT_EQ(test, range.size, 0x10000ul);

	/* Release page 1, then page 0. */
	KUNIT_ASSERT_EQ(test, t_free(c, x + 0x1001, 0xfff, NT_MEM_RELEASE, &range), 0);
	KUNIT_EXPECT_EQ(test, range.start, x + 0x1000);
	KUNIT_EXPECT_EQ(test, range.size, 0x1000ul);
	KUNIT_ASSERT_EQ(test, t_release_range(c, &range), 0);
	KUNIT_ASSERT_EQ(test, t_free(c, x + 1, 0xfff, NT_MEM_RELEASE, &range), 0);
	KUNIT_EXPECT_EQ(test, range.start, x);
	KUNIT_ASSERT_EQ(test, t_release_range(c, &range), 0);
	KUNIT_EXPECT_EQ(test, tree_count(c), 1ul);

	/* Pages 2..15 are an allocation of their own now. */
	KUNIT_EXPECT_EQ(test, t_query(c, x + 0x2000, &r), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.allocation_base, x + 0x2000);
	KUNIT_EXPECT_EQ(test, r.size, 0xe000ul);
	KUNIT_EXPECT_EQ(test, r.state, NT_MEM_COMMIT);
	KUNIT_EXPECT_EQ(test, t_query(c, x, &r), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.state, NT_MEM_FREE);
	KUNIT_EXPECT_EQ(test, r.size, 0x2000ul);

	/* Page 0 is reserved again, on its own. */
	add(test, c, x, x + 0x1000, COMMIT_RW);
	KUNIT_EXPECT_EQ(test, t_free(c, x, 0x10000, NT_MEM_DECOMMIT, &range),
			STATUS_UNABLE_TO_FREE_VM);
	KUNIT_EXPECT_EQ(test, t_free(c, x, 0x10000, NT_MEM_RELEASE, &range),
			STATUS_UNABLE_TO_FREE_VM);
	KUNIT_EXPECT_EQ(test, t_free(c, x + 0x1000, 0, NT_MEM_RELEASE, &range),
			STATUS_MEMORY_NOT_ALLOCATED);
	KUNIT_EXPECT_EQ(test, t_free(c, x + 0x1000, 0x1000, NT_MEM_DECOMMIT, &range),
			STATUS_MEMORY_NOT_ALLOCATED);
	KUNIT_ASSERT_EQ(test, t_free(c, x + 0x2000, 0, NT_MEM_RELEASE, &range), 0);
	KUNIT_EXPECT_EQ(test, range.size, 0xe000ul);
	KUNIT_ASSERT_EQ(test, t_release_range(c, &range), 0);
	KUNIT_ASSERT_EQ(test, t_free(c, x, 0x1000, NT_MEM_RELEASE, &range), 0);
	KUNIT_ASSERT_EQ(test, t_release_range(c, &range), 0);
	KUNIT_EXPECT_EQ(test, tree_count(c), 0ul);
}

static void expect_region(struct kunit *test, struct vad_ctx *c, unsigned long addr,
			  unsigned long base, unsigned long size, u32 state, u32 protect)
{
	struct mm_vad_region r;

	KUNIT_ASSERT_EQ(test, t_query(c, addr, &r), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ_MSG(test, r.base, base, "at %#lx", addr);
	KUNIT_EXPECT_EQ_MSG(test, r.size, size, "at %#lx", addr);
	KUNIT_EXPECT_EQ_MSG(test, r.state, state, "at %#lx", addr);
	KUNIT_EXPECT_EQ_MSG(test, r.protect, protect, "at %#lx", addr);
}

static void vad_region_runs(struct kunit *test)
{
	const unsigned long x = 0x10000000;
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad *v = add(test, c, x, x + P(16), 0);
	struct mm_vad_region r;

	/* Reserved 16 pages, like VirtualAlloc(MEM_RESERVE) of 0xFFFC. */
	expect_region(test, c, x + 0x123, x, P(16), NT_MEM_RESERVE, 0);

	KUNIT_ASSERT_EQ(test, t_update(c, v, x, x + P(4), MM_PAGE_PROT_MASK, COMMIT_RW), 0);
	KUNIT_ASSERT_EQ(test, t_update(c, v, x + P(4), x + P(6), MM_PAGE_PROT_MASK,
				       MM_PAGE_COMMITTED | NT_PAGE_READONLY), 0);
	KUNIT_ASSERT_EQ(test, t_update(c, v, x + P(6), x + P(7), MM_PAGE_PROT_MASK,
				       COMMIT_RW | NT_PAGE_GUARD), 0);
	/* The write-watch bit does not split a region. */
	KUNIT_ASSERT_EQ(test, t_update(c, v, x + P(1), x + P(2), 0, MM_PAGE_WRITTEN), 0);
	/* Nor does a protection left behind on a reserved page. */
	KUNIT_ASSERT_EQ(test, t_update(c, v, x + P(9), x + P(10), 0, NT_PAGE_EXECUTE), 0);

	expect_region(test, c, x, x, P(4), NT_MEM_COMMIT, NT_PAGE_READWRITE);
	expect_region(test, c, x + P(2) + 5, x + P(2), P(2), NT_MEM_COMMIT, NT_PAGE_READWRITE);
	expect_region(test, c, x + P(4), x + P(4), P(2), NT_MEM_COMMIT, NT_PAGE_READONLY);
	expect_region(test, c, x + P(6), x + P(6), P(1), NT_MEM_COMMIT,
		      NT_PAGE_READWRITE | NT_PAGE_GUARD);
	expect_region(test, c, x + P(7), x + P(7), P(9), NT_MEM_RESERVE, 0);
	expect_region(test, c, x + P(16) - 1, x + P(15), P(1), NT_MEM_RESERVE, 0);

	KUNIT_ASSERT_EQ(test, t_query(c, x + P(5), &r), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.allocation_base, x);
	KUNIT_EXPECT_EQ(test, r.allocation_protect, NT_PAGE_READWRITE);
	KUNIT_EXPECT_EQ(test, r.type, NT_MEM_PRIVATE);

	/* Decommit pages 0..1: the first region is reserved again. */
	KUNIT_ASSERT_EQ(test, t_update(c, v, x, x + P(2),
				       MM_PAGE_COMMITTED | MM_PAGE_PROT_MASK, 0), 0);
	expect_region(test, c, x, x, P(2), NT_MEM_RESERVE, 0);
	KUNIT_EXPECT_EQ(test, t_state(c, v, x + P(1)), MM_PAGE_WRITTEN);

	/* Regions stop at the allocation, even next to an identical one. */
	add(test, c, x + P(16), x + P(32), 0);
	expect_region(test, c, x + P(8), x + P(8), P(8), NT_MEM_RESERVE, 0);

	/* Free space: up to the next VAD, or the end of the address space. */
	expect_region(test, c, x - 0x1234, x - 0x2000, 0x2000, NT_MEM_FREE, NT_PAGE_NOACCESS);
	KUNIT_ASSERT_EQ(test, t_query(c, 0, &r), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.size, x);
	KUNIT_EXPECT_EQ(test, r.allocation_base, 0ul);
	KUNIT_EXPECT_EQ(test, r.allocation_protect, 0u);
	KUNIT_EXPECT_EQ(test, r.type, 0u);
	expect_region(test, c, x + P(32), x + P(32), USER_END - x - P(32), NT_MEM_FREE,
		      NT_PAGE_NOACCESS);
	KUNIT_EXPECT_EQ(test, t_query(c, USER_END, &r), STATUS_INVALID_PARAMETER);
}

static void vad_page_updates(struct kunit *test)
{
	const unsigned long x = 0x20000000, n = 2048;
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad *v = add(test, c, x, x + P(n), COMMIT_RW);
	bool match;

	KUNIT_EXPECT_TRUE(test, xa_empty(&v->chunks));
	KUNIT_EXPECT_EQ(test, t_update(c, v, x + 1, x + P(1), 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_update(c, v, x, x, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_update(c, v, x - P(1), x + P(1), 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, t_update(c, v, x, x + P(n + 1), 0, 0), -EINVAL);

	/* A change that leaves default pages alone allocates nothing. */
	KUNIT_EXPECT_EQ(test, t_update(c, v, x + P(3), x + P(700), 0, MM_PAGE_COMMITTED), 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&v->chunks));

	KUNIT_EXPECT_EQ(test, t_update(c, v, x + P(600), x + P(601), 0, MM_PAGE_WRITTEN), 0);
	KUNIT_EXPECT_FALSE(test, xa_empty(&v->chunks));
	KUNIT_EXPECT_EQ(test, t_state(c, v, x + P(600)), COMMIT_RW | MM_PAGE_WRITTEN);
	KUNIT_EXPECT_EQ(test, t_state(c, v, x + P(601)), COMMIT_RW);

	mutex_lock(&c->lock);
	match = mm_vad_pages_match(v, x, x + P(n), MM_PAGE_COMMITTED, MM_PAGE_COMMITTED);
	mutex_unlock(&c->lock);
	KUNIT_EXPECT_TRUE(test, match);
	mutex_lock(&c->lock);
	match = mm_vad_pages_match(v, x, x + P(n), MM_PAGE_WRITTEN, 0);
	mutex_unlock(&c->lock);
	KUNIT_EXPECT_FALSE(test, match);

	/* Decommit the whole VAD: the default changes and the chunks go. */
	KUNIT_EXPECT_EQ(test, t_update(c, v, x, x + P(n),
				       MM_PAGE_COMMITTED | MM_PAGE_PROT_MASK | MM_PAGE_WRITTEN, 0),
			0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&v->chunks));
	KUNIT_EXPECT_EQ(test, v->default_state, (u16)0);
	mutex_lock(&c->lock);
	match = mm_vad_pages_match(v, x, x + P(n), MM_PAGE_COMMITTED, 0);
	mutex_unlock(&c->lock);
	KUNIT_EXPECT_TRUE(test, match);

	/* Commit one whole chunk, then uncommit it: it goes away again. */
	KUNIT_EXPECT_EQ(test, t_update(c, v, x + P(512), x + P(1024), 0, COMMIT_RW), 0);
	KUNIT_EXPECT_EQ(test, t_state(c, v, x + P(1023)), COMMIT_RW);
	KUNIT_EXPECT_EQ(test, t_state(c, v, x + P(1024)), (u16)0);
	KUNIT_EXPECT_EQ(test, t_update(c, v, x + P(512), x + P(1024), COMMIT_RW, 0), 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&v->chunks));
}

static unsigned long t_find_page(struct vad_ctx *c, struct mm_vad *v, unsigned long start,
			    unsigned long end, u16 mask, u16 value)
{
	unsigned long addr;

	mutex_lock(&c->lock);
	addr = mm_vad_find_page(v, start, end, mask, value);
	mutex_unlock(&c->lock);
	return addr;
}

/*
 * mm_vad_find_page(): the first page in a state, across chunks and the
 * chunkless stretches between them, never outside [start, end).
 */
static void vad_find_page(struct kunit *test)
{
	const unsigned long x = 0x30000000, n = 4 * 512 + 100;
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad *v = add(test, c, x, x + P(n), COMMIT_RW);
	const u16 W = MM_PAGE_WRITTEN;

	/* Nothing written: the end, whatever the range. */
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x, x + P(n), W, W), x + P(n));
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x + P(7), x + P(9), W, W), x + P(9));
	/* A chunkless stretch in the state asked for: its first page. */
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x + P(5), x + P(n), W, 0), x + P(5));

	/* Written pages in the second and the last (short) chunk. */
	KUNIT_EXPECT_EQ(test, t_update(c, v, x + P(600), x + P(601), 0, W), 0);
	KUNIT_EXPECT_EQ(test, t_update(c, v, x + P(2050), x + P(2051), 0, W), 0);
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x, x + P(n), W, W), x + P(600));
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x + P(600), x + P(n), W, W), x + P(600));
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x + P(601), x + P(n), W, W), x + P(2050));
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x + P(2051), x + P(n), W, W), x + P(n));
	/* The range's end bounds the search, inside a chunk too. */
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x, x + P(600), W, W), x + P(600));
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x + P(601), x + P(2050), W, W), x + P(2050));
	/* Inside a chunk, the first page not written. */
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x + P(600), x + P(n), W, 0), x + P(601));

	/* Decommit all: the default is no longer committed, the chunks go. */
	KUNIT_EXPECT_EQ(test, t_update(c, v, x, x + P(n), MM_PAGE_COMMITTED |
				       MM_PAGE_PROT_MASK | W, 0), 0);
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x, x + P(n), MM_PAGE_COMMITTED,
				     MM_PAGE_COMMITTED), x + P(n));
	KUNIT_EXPECT_EQ(test, t_update(c, v, x + P(1500), x + P(1502), 0, COMMIT_RW), 0);
	KUNIT_EXPECT_EQ(test, t_find_page(c, v, x, x + P(n), MM_PAGE_COMMITTED,
				     MM_PAGE_COMMITTED), x + P(1500));
}

/*
 * A 1 TiB reservation costs nothing per page, and the region walk skips
 * the chunkless stretches.
 */
static void vad_huge_reservation(struct kunit *test)
{
	const unsigned long x = 0x100000000000UL, size = 1UL << 40;
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad *v = add(test, c, x, x + size, 0);
	ktime_t t0 = ktime_get();
	s64 us;

	KUNIT_ASSERT_EQ(test, t_update(c, v, x + size / 2, x + size / 2 + P(3), MM_PAGE_PROT_MASK,
				       COMMIT_RW), 0);
	expect_region(test, c, x, x, size / 2, NT_MEM_RESERVE, 0);
	expect_region(test, c, x + size / 2 + P(1), x + size / 2 + P(1), P(2), NT_MEM_COMMIT,
		      NT_PAGE_READWRITE);
	expect_region(test, c, x + size / 2 + P(3), x + size / 2 + P(3), size / 2 - P(3),
		      NT_MEM_RESERVE, 0);
	us = ktime_us_delta(ktime_get(), t0);
	kunit_info(test, "1 TiB reservation: commit and three queries in %lld us\n", us);
	KUNIT_EXPECT_LT(test, us, 5 * USEC_PER_SEC);
}

/*
 * Counting the pages of a 64 TiB reservation costs its chunks, not its
 * pages, and an update that no chunkless page qualifies for installs no
 * chunk: the state memory an update may take is bounded by the pages it
 * changes (MEM_RESET marks committed pages only).
 */
static void vad_huge_counts(struct kunit *test)
{
	const unsigned long x = 0x100000000000UL, size = 64UL << 40;
	const unsigned long mid = x + size / 2;
	struct vad_ctx *c = vad_ctx_new(test);
	struct mm_vad *v = add(test, c, x, x + size, 0);
	unsigned long reserved, committed, reset;
	bool empty;
	int r1, r2, r3;
	ktime_t t0 = ktime_get();
	s64 us;

	mutex_lock(&c->lock);
	reserved = mm_vad_count_pages(v, x, x + size, MM_PAGE_COMMITTED, 0);
	r1 = mm_vad_update_pages_if(v, x + P(1), x + size - P(1), MM_PAGE_COMMITTED,
				    MM_PAGE_COMMITTED, MM_PAGE_RESET, MM_PAGE_RESET);
	empty = xa_empty(&v->chunks);
	r2 = mm_vad_update_pages(v, mid, mid + P(3), MM_PAGE_PROT_MASK, COMMIT_RW);
	r3 = mm_vad_update_pages_if(v, x + P(1), x + size - P(1), MM_PAGE_COMMITTED,
				    MM_PAGE_COMMITTED, MM_PAGE_RESET, MM_PAGE_RESET);
	committed = mm_vad_count_pages(v, x, x + size, MM_PAGE_COMMITTED, MM_PAGE_COMMITTED);
	reset = mm_vad_count_pages(v, x, x + size, MM_PAGE_RESET, MM_PAGE_RESET);
	mutex_unlock(&c->lock);
	us = ktime_us_delta(ktime_get(), t0);

	KUNIT_EXPECT_EQ(test, reserved, size >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, r1, 0);
	KUNIT_EXPECT_TRUE(test, empty);
	KUNIT_EXPECT_EQ(test, r2, 0);
	KUNIT_EXPECT_EQ(test, r3, 0);
	KUNIT_EXPECT_EQ(test, committed, 3ul);
	KUNIT_EXPECT_EQ(test, reset, 3ul);
	kunit_info(test, "64 TiB reservation: counts and updates in %lld us\n", us);
	KUNIT_EXPECT_LT(test, us, 5 * USEC_PER_SEC);
}

struct busy_stub {
	unsigned long start, end;	/* a "Linux mapping" */
	bool report;			/* tell the finder where it is */
	unsigned int calls;
};

static bool busy_stub_free(void *ctx, unsigned long start, unsigned long end,
			   unsigned long *busy_start, unsigned long *busy_end)
{
	struct busy_stub *s = ctx;

	s->calls++;
	if (end <= s->start || start >= s->end)
		return true;
	if (s->report) {
		*busy_start = s->start;
		*busy_end = s->end;
	}
	return false;
}

static ntstatus_t t_find_free(struct vad_ctx *c, unsigned long size, unsigned long min,
			      unsigned long max, unsigned long zero_bits, bool top_down,
			      struct busy_stub *stub, unsigned long *addr)
{
	struct mm_vad_free_req req = {
		.size = size, .min = min, .max = max, .align = K64,
		.zero_bits = zero_bits, .top_down = top_down,
		.range_free = stub ? busy_stub_free : NULL, .ctx = stub,
	};
	ntstatus_t status;

	*addr = 0xdead0000;
	mutex_lock(&c->lock);
	status = mm_vad_find_free(&c->tree, &req, addr);
	mutex_unlock(&c->lock);
	return status;
}

static void vad_free_bottom_up(struct kunit *test)
{
	struct vad_ctx *c = vad_ctx_new(test);
	struct busy_stub stub = { 0x10000, 0x50000 };
	unsigned long a;

	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x10000ul);

	add(test, c, 0x10000, 0x20000, 0);
	add(test, c, 0x20000, 0x21000, 0);	/* ends off the 64 KiB grid */
	add(test, c, 0x40000, 0x50000, 0);
	/* The next 64 KiB boundary after 0x21000 ... */
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x30000ul);
	KUNIT_EXPECT_EQ(test, t_find_free(c, K64, K64, USER_END, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x30000ul);
	/* ... unless the gap is too small once aligned. */
	KUNIT_EXPECT_EQ(test, t_find_free(c, 2 * K64, K64, USER_END, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x50000ul);
	KUNIT_EXPECT_EQ(test, t_find_free(c, 0x1e000, K64, USER_END, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x50000ul);
	/* The window is honoured. */
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), 0x38000, USER_END, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x50000ul);
	KUNIT_EXPECT_EQ(test, t_find_free(c, K64, K64, 0x40000, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x30000ul);
	KUNIT_EXPECT_EQ(test, t_find_free(c, 2 * K64, K64, 0x60000, 0, false, NULL, &a),
			STATUS_NO_MEMORY);
	KUNIT_EXPECT_EQ(test, t_find_free(c, K64, 0x60000, 0x60000, 0, false, NULL, &a),
			STATUS_NO_MEMORY);

	/* The caller's check: a busy range it reports is skipped at once. */
	stub.start = 0x30000;
	stub.end = 0x200000;
	stub.report = true;
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, false, &stub, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x200000ul);
	KUNIT_EXPECT_EQ(test, stub.calls, 2u);
	/* One it does not report is stepped over, one granule at a time. */
	stub.report = false;
	stub.calls = 0;
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, false, &stub, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x200000ul);
	KUNIT_EXPECT_EQ(test, stub.calls, 29u);

	/* ZeroBits: nothing fits below 2 GiB once that is taken. */
	add(test, c, 0x21000, 0x40000, 0);
	add(test, c, 0x50000, 0x80000000, 0);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 1, false, NULL, &a),
			STATUS_NO_MEMORY);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x80000000ul);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0xffffffff, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x80000000ul);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 22, false, NULL, &a),
			STATUS_INVALID_PARAMETER_3);
}

static void vad_free_top_down(struct kunit *test)
{
	const unsigned long top = USER_END - K64;	/* 0x7ffffffd0000 */
	struct vad_ctx *c = vad_ctx_new(test);
	struct busy_stub stub = { top - 0x100000, USER_END, true };
	unsigned long a;
	unsigned int z;

	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, true, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, top);
	KUNIT_EXPECT_EQ(test, t_find_free(c, 3 * K64, K64, USER_END, 0, true, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, USER_END - 3 * K64);

	add(test, c, top, top + P(1), 0);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, true, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, top - K64);
	/* A range ending off the grid just below the top VAD. */
	KUNIT_EXPECT_EQ(test, t_find_free(c, 0x18000, K64, USER_END, 0, true, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, top - 2 * K64);
	add(test, c, top - 0x8000, top, 0);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, true, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, top - K64);
	KUNIT_EXPECT_EQ(test, t_find_free(c, 0x9000, K64, USER_END, 0, true, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, top - 2 * K64);

	/* The caller's busy range is skipped downwards. */
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, true, &stub, &a), 0);
	KUNIT_EXPECT_EQ(test, a, top - 0x100000 - K64);
	KUNIT_EXPECT_EQ(test, stub.calls, 2u);

	/* test_NtAllocateVirtualMemory: address >> (32 - zero_bits) == 0. */
	for (z = 1; z <= 15; z++) {
		KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, z, true, NULL, &a), 0);
		KUNIT_EXPECT_EQ_MSG(test, a >> (32 - z), 0ul, "zero_bits %u", z);
		KUNIT_EXPECT_EQ_MSG(test, a, ((1UL << (32 - z)) - K64) & ~(K64 - 1),
				    "zero_bits %u", z);
	}
	for (z = 16; z <= 21; z++)
		KUNIT_EXPECT_EQ_MSG(test, t_find_free(c, P(1), K64, USER_END, z, true, NULL, &a),
				    STATUS_NO_MEMORY, "zero_bits %u", z);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 22, true, NULL, &a),
			STATUS_INVALID_PARAMETER_3);
	/* "only the leading zeroes matter" */
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0x1aaaaaaa, true, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x1fff0000ul);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0x7fffffff, true, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, 0x7fff0000ul);

	/* Nothing at all fits. */
	KUNIT_EXPECT_EQ(test, t_find_free(c, USER_END, K64, USER_END, 0, true, NULL, &a),
			STATUS_NO_MEMORY);
	add(test, c, K64, top - 0x8000, 0);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, true, NULL, &a),
			STATUS_NO_MEMORY);
	KUNIT_EXPECT_EQ(test, t_find_free(c, P(1), K64, USER_END, 0, false, NULL, &a),
			STATUS_NO_MEMORY);
}

/* The free-range search by brute force: every gap, in address order. */
static ntstatus_t ref_find_free(struct vad_ctx *c, unsigned long size, unsigned long min,
				unsigned long max, bool top_down, unsigned long *addr)
{
	unsigned long prev_end = 0, lo, hi, s;
	ntstatus_t status = STATUS_NO_MEMORY;
	struct mm_vad *v;

	mutex_lock(&c->lock);
	do {
		v = mm_vad_find_next(&c->tree, prev_end);
		lo = max(prev_end, min);
		hi = min(v ? v->start : ULONG_MAX, max);
		if (hi > lo && hi - lo >= size) {
			if (top_down) {
				s = ALIGN_DOWN(hi - size, K64);
				if (s >= lo) {
					*addr = s;
					status = STATUS_SUCCESS;
				}
			} else {
				s = ALIGN(lo, K64);
				if (s + size <= hi) {
					*addr = s;
					status = STATUS_SUCCESS;
					break;
				}
			}
		}
		if (v)
			prev_end = v->end;
	} while (v);
	mutex_unlock(&c->lock);
	return status;
}

/* Random VADs, splits and removals; the search must agree with brute force. */
static void vad_free_random(struct kunit *test)
{
	const unsigned long w = 0x10000000, wsize = 1UL << 30;
	struct vad_ctx *c = vad_ctx_new(test);
	unsigned long round, i, bad = 0, found = 0;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 20260101);
	for (round = 0; round < 8; round++) {
		/* More VADs, of mixed sizes, some on the 64 KiB grid. */
		for (i = 0; i < 150; i++) {
			unsigned long start = w + P(prandom_u32_state(&rnd) % (wsize >> PAGE_SHIFT));
			unsigned long pages = 1 + prandom_u32_state(&rnd) % (i % 7 ? 64 : 4096);

			if (i % 3)
				start &= ~(K64 - 1);
			if (t_insert(c, start, min(start + P(pages), w + wsize), 0, NULL) == -EINVAL)
				bad++;
		}
		/* Split some, release the middle of others, remove a few. */
		for (i = 0; i < 60; i++) {
			unsigned long at = w + P(prandom_u32_state(&rnd) % (wsize >> PAGE_SHIFT));
			struct mm_vad *v, *up;

			mutex_lock(&c->lock);
			v = mm_vad_find_next(&c->tree, at);
			if (v && v->end - v->start > P(2)) {
				unsigned long cut = v->start + P(1 + prandom_u32_state(&rnd) %
							     ((v->end - v->start) / PAGE_SIZE - 1));

				if (mm_vad_split(&c->tree, v, cut, &up))
					bad++;
				else if (i % 2) {
					mm_vad_remove(&c->tree, up);
					mm_vad_free(up);
				}
			} else if (v) {
				mm_vad_remove(&c->tree, v);
				mm_vad_free(v);
			}
			mutex_unlock(&c->lock);
		}
		for (i = 0; i < 250; i++) {
			unsigned long size = P(1 + prandom_u32_state(&rnd) % (i % 5 ? 32 : 2048));
			unsigned long min = w + P(prandom_u32_state(&rnd) % (wsize >> PAGE_SHIFT));
			unsigned long max = min + P(prandom_u32_state(&rnd) % (wsize >> PAGE_SHIFT));
			bool down = i % 2;
			unsigned long got = 0, want = 0;
			ntstatus_t sg, sw;

			if (i % 10 == 0)
				min = K64;
			if (i % 10 == 1)
				max = USER_END;
			sg = t_find_free(c, size, min, max, 0, down, NULL, &got);
			sw = ref_find_free(c, size, min, max, down, &want);
			if (sg != sw || (!sg && got != want)) {
				if (bad++ < 5)
					kunit_err(test, "size %#lx [%#lx, %#lx) %s: %#x %#lx, want %#x %#lx\n",
						  size, min, max, down ? "down" : "up", sg, got, sw, want);
			}
			if (!sg)
				found++;
		}
	}
	kunit_info(test, "%lu VADs, %lu of 2000 searches found a range\n", tree_count(c), found);
	KUNIT_EXPECT_EQ(test, bad, 0ul);
	KUNIT_EXPECT_GT(test, found, 500ul);
	KUNIT_EXPECT_LT(test, found, 2000ul);
}

/* Insert VADs [from, to) of the pattern vad_many() uses; returns failures. */
static unsigned long many_insert(struct vad_ctx *c, unsigned long from, unsigned long to)
{
	unsigned long i, failed = 0;

	mutex_lock(&c->lock);
	for (i = from; i < to; i++) {
		unsigned long start = MANY_BASE + i * MANY_STRIDE;
		struct mm_vad *vad = mm_vad_alloc(start, start + K64, NT_MEM_PRIVATE,
						  NT_PAGE_READWRITE, 0, COMMIT_RW);

		if (IS_ERR(vad) || mm_vad_insert(&c->tree, vad)) {
			if (!IS_ERR(vad))
				mm_vad_free(vad);
			failed++;
		}
		if (!(i % 1024))
			cond_resched();
	}
	mutex_unlock(&c->lock);
	return failed;
}

/* @rounds random lookups among the first @n VADs; returns failures. */
static unsigned long many_lookup(struct vad_ctx *c, unsigned long n, unsigned long rounds)
{
	unsigned long i, failed = 0;

	mutex_lock(&c->lock);
	for (i = 0; i < rounds; i++) {
		unsigned long j = get_random_u32_below(n);
		unsigned long at = MANY_BASE + j * MANY_STRIDE;
		unsigned long in = at + get_random_u32_below(K64);
		struct mm_vad *vad = mm_vad_find(&c->tree, in);

		if (!vad || vad->start != at)
			failed++;
		/* The hole above it, and the VAD after the hole. */
		if (mm_vad_find(&c->tree, in + K64))
			failed++;
		vad = mm_vad_find_next(&c->tree, in + K64);
		if (j + 1 < n ? !vad || vad->start != at + MANY_STRIDE : !!vad)
			failed++;
		if (!(i % 1024))
			cond_resched();
	}
	mutex_unlock(&c->lock);
	return failed;
}

/*
 * 100k VADs. The times under TCG with KASAN and lockdep say little by
 * themselves (one kzalloc/kfree pair costs over 100 us there), so the test
 * asserts how they grow: lookups among 100k VADs against lookups among 1k,
 * the last 10k inserts against the first 10k. A structure linear in the
 * number of VADs would grow 100 and 10 times; the rbtree only by its
 * tree height.
 */
static void vad_many(struct kunit *test)
{
	const unsigned long n = 100000, small = 1000, rounds = 30000;
	struct vad_ctx *c = vad_ctx_new(test);
	s64 t_first, t_last, t_all, t_small, t_big, t_gap;
	unsigned long failed, a = 0, b = 0;
	ktime_t t0, t1;

	t0 = ktime_get();
	failed = many_insert(c, 0, small);
	t_first = ktime_ms_delta(ktime_get(), t0);

	t1 = ktime_get();
	failed += many_lookup(c, small, rounds);
	t_small = ktime_ms_delta(ktime_get(), t1);

	t0 = ktime_get();
	failed += many_insert(c, small, 10000);
	t_first += ktime_ms_delta(ktime_get(), t0);
	t_all = t_first;
	t0 = ktime_get();
	failed += many_insert(c, 10000, n - 10000);
	t1 = ktime_get();
	failed += many_insert(c, n - 10000, n);
	t_last = ktime_ms_delta(ktime_get(), t1);
	t_all += ktime_ms_delta(ktime_get(), t0);
	KUNIT_ASSERT_EQ(test, failed, 0ul);
	KUNIT_ASSERT_EQ(test, tree_count(c), n);

	t1 = ktime_get();
	failed = many_lookup(c, n, rounds);
	t_big = ktime_ms_delta(ktime_get(), t1);
	KUNIT_EXPECT_EQ(test, failed, 0ul);

	/* The first hole; a size no hole fits (past all of them); top-down. */
	t1 = ktime_get();
	KUNIT_EXPECT_EQ(test, t_find_free(c, K64, MANY_BASE, USER_END, 0, false, NULL, &a), 0);
	KUNIT_EXPECT_EQ(test, a, MANY_BASE + K64);
	KUNIT_EXPECT_EQ(test, t_find_free(c, 2 * K64, MANY_BASE, USER_END, 0, false, NULL, &b), 0);
	KUNIT_EXPECT_EQ(test, b, MANY_BASE + n * MANY_STRIDE - K64);
	KUNIT_EXPECT_EQ(test, t_find_free(c, 2 * K64, MANY_BASE, MANY_BASE + n * MANY_STRIDE, 0,
					  true, NULL, &b), STATUS_NO_MEMORY);
	KUNIT_EXPECT_EQ(test, t_find_free(c, K64, MANY_BASE, MANY_BASE + n * MANY_STRIDE, 0,
					  true, NULL, &b), 0);
	KUNIT_EXPECT_EQ(test, b, MANY_BASE + n * MANY_STRIDE - K64);
	t_gap = ktime_ms_delta(ktime_get(), t1);

	kunit_info(test, "%lu VADs inserted in %lld ms (first 10k %lld ms, last 10k %lld ms)\n",
		   n, t_all, t_first, t_last);
	kunit_info(test, "%lu x 3 lookups: %lld ms among %lu VADs, %lld ms among %lu\n",
		   rounds, t_small, small, t_big, n);
	kunit_info(test, "4 free-range searches among %lu VADs: %lld ms\n", n, t_gap);
	KUNIT_EXPECT_LT(test, t_last, 5 * max(t_first, 1LL));
	KUNIT_EXPECT_LT(test, t_big, 8 * max(t_small, 1LL));
	KUNIT_EXPECT_LT(test, t_gap, 1000LL);
	/* It completes: five minutes is far beyond anything seen under TCG. */
	KUNIT_EXPECT_LT(test, t_all + t_big, 300LL * MSEC_PER_SEC);
}

static struct kunit_case vad_test_cases[] = {
	KUNIT_CASE(vad_insert_find),
	KUNIT_CASE(vad_overlap_refused),
	KUNIT_CASE(vad_remove),
	KUNIT_CASE(vad_split),
	KUNIT_CASE(vad_partial_release),
	KUNIT_CASE(vad_region_runs),
	KUNIT_CASE(vad_page_updates),
	KUNIT_CASE(vad_find_page),
	KUNIT_CASE(vad_huge_reservation),
	KUNIT_CASE(vad_huge_counts),
	KUNIT_CASE(vad_free_bottom_up),
	KUNIT_CASE(vad_free_top_down),
	KUNIT_CASE_SLOW(vad_free_random),
	KUNIT_CASE_SLOW(vad_many),
	{}
};

static struct kunit_suite vad_test_suite = {
	.name = "ntexec_vad",
	.test_cases = vad_test_cases,
};
kunit_test_suite(vad_test_suite);
