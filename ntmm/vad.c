// SPDX-License-Identifier: GPL-2.0
/*
 * The VAD tree: the allocations of one NT process, each with the NT state
 * of its pages.
 *
 * The tree is an rbtree keyed by address, augmented (as the mm's VMA tree
 * was before 6.1) so that each node knows the first start, the last end
 * and the largest free gap of its subtree (struct mm_vad_span). That gives
 * O(log n) lookup, insert and removal, and an O(log n) search for the
 * lowest or highest gap of a given size above or below an address. Why not
 * the maple tree, which tracks gaps by itself: every maple store
 * preallocates worst-case nodes and frees the spares, so inserting or
 * removing a VAD allocates memory and can fail. The rbtree node lives in
 * the VAD: insertion and removal never allocate and never fail, so a split
 * (partial release) is all-or-nothing once its VAD is allocated. Measured
 * in the KASAN/kmemleak test VM, 20k maple-tree stores took 50 s against
 * 35 ms for the rbtree. All rbtree functions used are exported on 6.1 and
 * 6.12 (rb_insert_augmented's __rb_insert_augmented, rb_erase_augmented's
 * __rb_erase_color, rb_next, rb_prev, rb_first, rb_last, the postorder
 * walk).
 *
 * Partial release. NtFreeVirtualMemory(MEM_RELEASE) with a non-zero size
 * frees [base, base + size) rounded out to pages, which must lie within one
 * allocation (STATUS_UNABLE_TO_FREE_VM otherwise), and the pieces left
 * below and above become allocations of their own: test_NtFreeVirtualMemory
 * (Wine's dlls/ntdll/tests/virtual.c) releases page 1 of a 16-page
 * allocation, then page 0, and then releases the remaining pages 2..15 with
 * size 0 at page 2, which only succeeds if page 2 is an allocation base.
 * ReactOS' NtFreeVirtualMemory splits the VAD the same way. So a partial
 * release is mm_vad_split() at its end and at its start, then
 * mm_vad_remove() of the middle; each piece keeps the type, the
 * AllocationProtect and the flags of the original and reports its own start
 * as AllocationBase. (kernelbase's VirtualFree refuses MEM_RELEASE with a
 * size, test_VirtualAlloc; NtFreeVirtualMemory does not.)
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rbtree_augmented.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "vad.h"
#include "../ntob/trace.h"

#define MM_VAD_CHUNK_MASK	(MM_VAD_CHUNK_PAGES - 1)

static unsigned long vad_pages(const struct mm_vad *vad)
{
	return (vad->end - vad->start) >> PAGE_SHIFT;
}

static unsigned long vad_chunk_len(const struct mm_vad *vad, unsigned long ci)
{
	return min(MM_VAD_CHUNK_PAGES,
		   vad_pages(vad) - (ci << MM_VAD_CHUNK_SHIFT));
}

static u16 vad_get(struct mm_vad *vad, unsigned long idx)
{
	u16 *chunk = xa_load(&vad->chunks, idx >> MM_VAD_CHUNK_SHIFT);

	return chunk ? chunk[idx & MM_VAD_CHUNK_MASK] : vad->default_state;
}

static u16 *vad_chunk_new(unsigned long len, u16 fill)
{
	u16 *chunk = kmalloc_array(len, sizeof(*chunk), GFP_KERNEL_ACCOUNT);

	if (chunk)
		memset16(chunk, fill, len);
	return chunk;
}

static bool vad_chunk_uniform(const u16 *chunk, unsigned long len, u16 value)
{
	unsigned long i;

	for (i = 0; i < len; i++)
		if (chunk[i] != value)
			return false;
	return true;
}

/* Install a chunk of default states; 0 or -ENOMEM. */
static int vad_chunk_install(struct mm_vad *vad, unsigned long ci)
{
	u16 *chunk = vad_chunk_new(vad_chunk_len(vad, ci), vad->default_state);
	int ret;

	if (!chunk)
		return -ENOMEM;
	ret = xa_err(xa_store(&vad->chunks, ci, chunk, GFP_KERNEL_ACCOUNT));
	if (ret)
		kfree(chunk);
	return ret;
}

/* Drop the chunks of [first, last] that hold nothing but the default. */
static void vad_chunks_compact(struct mm_vad *vad, unsigned long first,
			       unsigned long last)
{
	unsigned long ci;
	u16 *chunk;

	xa_for_each_range(&vad->chunks, ci, chunk, first, last)
		if (vad_chunk_uniform(chunk, vad_chunk_len(vad, ci),
				      vad->default_state))
			kfree(xa_erase(&vad->chunks, ci));
}

static struct mm_vad *vad_of(struct rb_node *rb)
{
	return rb ? rb_entry(rb, struct mm_vad, rb) : NULL;
}

/* Recompute @vad's span from its children; true if @exit and unchanged. */
static bool vad_span_compute(struct mm_vad *vad, bool exit)
{
	struct mm_vad *l = vad_of(vad->rb.rb_left), *r = vad_of(vad->rb.rb_right);
	struct mm_vad_span span = {
		.first = l ? l->span.first : vad->start,
		.last_end = r ? r->span.last_end : vad->end,
	};

	if (l)
		span.gap = max(l->span.gap, vad->start - l->span.last_end);
	if (r)
		span.gap = max3(span.gap, r->span.gap, r->span.first - vad->end);
	if (exit && !memcmp(&span, &vad->span, sizeof(span)))
		return true;
	vad->span = span;
	return false;
}

RB_DECLARE_CALLBACKS(static, vad_span_callbacks, struct mm_vad, rb, span,
		     vad_span_compute);

/**
 * mm_vad_tree_init() - initialise an empty VAD tree
 * @tree: the tree
 * @lock: the address-space lock that will protect it
 */
void mm_vad_tree_init(struct mm_vad_tree *tree, struct mutex *lock)
{
	tree->root = RB_ROOT;
	tree->lock = lock;
	tree->count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_tree_init);

/**
 * mm_vad_tree_destroy() - free every VAD
 * @tree: the tree; empty and reusable afterwards
 *
 * The caller holds the address-space lock and has already dropped every
 * mapping of the VADs' pages.
 */
void mm_vad_tree_destroy(struct mm_vad_tree *tree)
{
	struct mm_vad *vad, *next;

	lockdep_assert_held(tree->lock);
	rbtree_postorder_for_each_entry_safe(vad, next, &tree->root, rb)
		mm_vad_free(vad);
	tree->root = RB_ROOT;
	tree->count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_tree_destroy);

/**
 * mm_vad_alloc() - allocate a VAD, not yet in a tree
 * @start: first byte, page-aligned
 * @end: end, page-aligned, above @start
 * @type: NT_MEM_PRIVATE
 * @allocation_protect: the protection given at reservation
 * @flags: NT_MEM_WRITE_WATCH or 0
 * @state: the initial state of every page, e.g. 0 (reserved) or
 *	MM_PAGE_COMMITTED | protection
 *
 * Return: the VAD, ERR_PTR(-EINVAL) for a bad range, ERR_PTR(-ENOMEM).
 */
struct mm_vad *mm_vad_alloc(unsigned long start, unsigned long end, u32 type,
			    u32 allocation_protect, u32 flags, u16 state)
{
	struct mm_vad *vad;

	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || end <= start)
		return ERR_PTR(-EINVAL);
	vad = kzalloc(sizeof(*vad), GFP_KERNEL_ACCOUNT);
	if (!vad)
		return ERR_PTR(-ENOMEM);
	RB_CLEAR_NODE(&vad->rb);
	vad->start = start;
	vad->end = end;
	vad->type = type;
	vad->allocation_protect = allocation_protect;
	vad->flags = flags;
	vad->default_state = state;
	xa_init_flags(&vad->chunks, XA_FLAGS_ACCOUNT);
	return vad;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_alloc);

/**
 * mm_vad_free() - free a VAD that is not in a tree
 * @vad: the VAD, or NULL
 */
void mm_vad_free(struct mm_vad *vad)
{
	unsigned long ci;
	u16 *chunk;

	if (!vad)
		return;
	xa_for_each(&vad->chunks, ci, chunk)
		kfree(chunk);
	xa_destroy(&vad->chunks);
	kfree(vad);
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_free);

/* Link @vad below @parent at @link and rebalance; cannot fail. */
static void vad_link(struct mm_vad_tree *tree, struct mm_vad *vad,
		     struct rb_node *parent, struct rb_node **link)
{
	vad->span.first = vad->start;
	vad->span.last_end = vad->end;
	vad->span.gap = 0;
	rb_link_node(&vad->rb, parent, link);
	vad_span_callbacks_propagate(parent, NULL);
	rb_insert_augmented(&vad->rb, &tree->root, &vad_span_callbacks);
	tree->count++;
}

/**
 * mm_vad_insert() - add a VAD to the tree
 * @tree: the tree
 * @vad: a VAD from mm_vad_alloc(), in no tree
 *
 * Never allocates. The caller holds the address-space lock.
 *
 * Return: 0, or -EEXIST if any page of @vad is in another VAD (the caller
 * reports STATUS_CONFLICTING_ADDRESSES).
 */
int mm_vad_insert(struct mm_vad_tree *tree, struct mm_vad *vad)
{
	struct rb_node **link = &tree->root.rb_node, *parent = NULL;

	lockdep_assert_held(tree->lock);
	/*
	 * Any VAD @vad overlaps includes its in-order neighbour on one side,
	 * and both neighbours are on the path down to the insertion point.
	 */
	while (*link) {
		struct mm_vad *cur = vad_of(*link);

		parent = *link;
		if (vad->end <= cur->start)
			link = &parent->rb_left;
		else if (vad->start >= cur->end)
			link = &parent->rb_right;
		else
			return -EEXIST;
	}
	vad_link(tree, vad, parent, link);
	trace_ntexec_vad_insert(tree, vad->start, vad->end, vad->type);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_insert);

/**
 * mm_vad_remove() - take a VAD out of the tree
 * @tree: the tree
 * @vad: a VAD in @tree; the caller frees it (mm_vad_free())
 *
 * Never allocates. The caller holds the address-space lock.
 */
void mm_vad_remove(struct mm_vad_tree *tree, struct mm_vad *vad)
{
	lockdep_assert_held(tree->lock);
	if (WARN_ON_ONCE(RB_EMPTY_NODE(&vad->rb)))
		return;
	rb_erase_augmented(&vad->rb, &tree->root, &vad_span_callbacks);
	RB_CLEAR_NODE(&vad->rb);
	tree->count--;
	trace_ntexec_vad_remove(tree, vad->start, vad->end, vad->type);
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_remove);

/**
 * mm_vad_find() - the VAD containing an address
 * @tree: the tree
 * @addr: the address
 *
 * The caller holds the address-space lock.
 *
 * Return: the VAD, or NULL if @addr is in none.
 */
struct mm_vad *mm_vad_find(struct mm_vad_tree *tree, unsigned long addr)
{
	struct rb_node *rb = tree->root.rb_node;

	lockdep_assert_held(tree->lock);
	while (rb) {
		struct mm_vad *vad = vad_of(rb);

		if (addr < vad->start)
			rb = rb->rb_left;
		else if (addr >= vad->end)
			rb = rb->rb_right;
		else
			return vad;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_find);

/**
 * mm_vad_find_next() - the first VAD at or after an address
 * @tree: the tree
 * @addr: the address
 *
 * The caller holds the address-space lock.
 *
 * Return: the VAD containing @addr, else the lowest one above it, else NULL.
 */
struct mm_vad *mm_vad_find_next(struct mm_vad_tree *tree, unsigned long addr)
{
	struct rb_node *rb = tree->root.rb_node;
	struct mm_vad *found = NULL;

	lockdep_assert_held(tree->lock);
	while (rb) {
		struct mm_vad *vad = vad_of(rb);

		if (addr < vad->end) {
			found = vad;
			if (addr >= vad->start)
				break;
			rb = rb->rb_left;
		} else {
			rb = rb->rb_right;
		}
	}
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_find_next);

/*
 * Copy the page states of @vad from page @first on into @upper, chunk by
 * chunk, only where @vad has chunks.
 */
static int vad_copy_states(struct mm_vad *vad, unsigned long first,
			   struct mm_vad *upper)
{
	unsigned long sci, uci, idx, last, n = vad_pages(upper);
	u16 *src, *dst;
	int ret;

	xa_for_each_start(&vad->chunks, sci, src, first >> MM_VAD_CHUNK_SHIFT) {
		/* The pages of @upper this source chunk covers. */
		idx = max(sci << MM_VAD_CHUNK_SHIFT, first) - first;
		last = min(((sci + 1) << MM_VAD_CHUNK_SHIFT) - first, n) - 1;
		for (uci = idx >> MM_VAD_CHUNK_SHIFT;
		     uci <= last >> MM_VAD_CHUNK_SHIFT; uci++) {
			unsigned long j, len = vad_chunk_len(upper, uci);

			if (xa_load(&upper->chunks, uci))
				continue;
			ret = vad_chunk_install(upper, uci);
			if (ret)
				return ret;
			dst = xa_load(&upper->chunks, uci);
			for (j = 0; j < len; j++)
				dst[j] = vad_get(vad, first +
						 (uci << MM_VAD_CHUNK_SHIFT) + j);
		}
	}
	return 0;
}

/**
 * mm_vad_split() - cut a VAD in two at a page boundary
 * @tree: the tree holding @vad
 * @vad: the VAD; keeps [start, @addr)
 * @addr: page-aligned, strictly inside @vad
 * @upper: on success, the new VAD for [@addr, end), in @tree
 *
 * Both pieces keep the type, AllocationProtect, flags and page states of
 * the original; each is an allocation of its own afterwards (see the
 * comment at the top of this file). Only the new VAD is allocated, before
 * anything changes: on failure nothing has. The caller holds the
 * address-space lock.
 *
 * Return: 0, -EINVAL for a bad @addr, -ENOMEM.
 */
int mm_vad_split(struct mm_vad_tree *tree, struct mm_vad *vad,
		 unsigned long addr, struct mm_vad **upper)
{
	unsigned long first, ci;
	struct rb_node **link;
	struct mm_vad *up;
	u16 *chunk;
	int ret;

	lockdep_assert_held(tree->lock);
	if (!PAGE_ALIGNED(addr) || addr <= vad->start || addr >= vad->end)
		return -EINVAL;
	up = mm_vad_alloc(addr, vad->end, vad->type, vad->allocation_protect,
			  vad->flags, vad->default_state);
	if (IS_ERR(up))
		return PTR_ERR(up);
	first = (addr - vad->start) >> PAGE_SHIFT;
	ret = vad_copy_states(vad, first, up);
	if (ret) {
		mm_vad_free(up);
		return ret;
	}

	/* The lower piece drops the chunks wholly above @addr. */
	xa_for_each_start(&vad->chunks, ci, chunk,
			  DIV_ROUND_UP(first, MM_VAD_CHUNK_PAGES))
		kfree(xa_erase(&vad->chunks, ci));
	vad->end = addr;
	vad_span_callbacks_propagate(&vad->rb, NULL);

	/* @up goes right after @vad: leftmost in its right subtree. */
	link = &vad->rb.rb_right;
	if (*link) {
		struct rb_node *parent = *link;

		while (parent->rb_left)
			parent = parent->rb_left;
		vad_link(tree, up, parent, &parent->rb_left);
	} else {
		vad_link(tree, up, &vad->rb, link);
	}
	*upper = up;
	trace_ntexec_vad_split(tree, vad->start, addr, up->end);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_split);

/*
 * The lowest gap [*@a, *@b) between two VADs of @rb's subtree that ends at
 * or above @x and is at least @size long. Recursion depth is the height of
 * the tree.
 */
static bool vad_gap_up(struct rb_node *rb, unsigned long x, unsigned long size,
		       unsigned long *a, unsigned long *b)
{
	struct mm_vad *vad = vad_of(rb), *l, *r;

	if (!vad || vad->span.gap < size)
		return false;
	l = vad_of(rb->rb_left);
	r = vad_of(rb->rb_right);
	/* The gaps left of @vad end at or below its start. */
	if (l && vad->start >= x) {
		if (vad_gap_up(rb->rb_left, x, size, a, b))
			return true;
		if (vad->start - l->span.last_end >= size) {
			*a = l->span.last_end;
			*b = vad->start;
			return true;
		}
	}
	if (!r)
		return false;
	if (r->span.first >= x && r->span.first - vad->end >= size) {
		*a = vad->end;
		*b = r->span.first;
		return true;
	}
	return vad_gap_up(rb->rb_right, x, size, a, b);
}

/*
 * The highest gap [*@a, *@b) between two VADs of @rb's subtree that starts
 * at or below @y and is at least @size long.
 */
static bool vad_gap_down(struct rb_node *rb, unsigned long y, unsigned long size,
			 unsigned long *a, unsigned long *b)
{
	struct mm_vad *vad = vad_of(rb), *l, *r;

	if (!vad || vad->span.gap < size)
		return false;
	l = vad_of(rb->rb_left);
	r = vad_of(rb->rb_right);
	/* The gaps right of @vad start at or above its end. */
	if (r && vad->end <= y) {
		if (vad_gap_down(rb->rb_right, y, size, a, b))
			return true;
		if (r->span.first - vad->end >= size) {
			*a = vad->end;
			*b = r->span.first;
			return true;
		}
	}
	if (!l)
		return false;
	if (l->span.last_end <= y && vad->start - l->span.last_end >= size) {
		*a = l->span.last_end;
		*b = vad->start;
		return true;
	}
	return vad_gap_down(rb->rb_left, y, size, a, b);
}

/*
 * The lowest free range of @size bytes within [@lo, @hi], as the gap
 * [*@a, *@b) holding it, clipped to the window. The space below the first
 * VAD and above the last one are gaps too.
 */
static bool vad_free_up(struct mm_vad_tree *tree, unsigned long lo,
			unsigned long hi, unsigned long size, unsigned long *a,
			unsigned long *b)
{
	struct mm_vad *root = vad_of(tree->root.rb_node);

	if (lo > hi || hi - lo < size - 1)
		return false;
	if (!root || root->span.first >= lo + size) {
		*a = lo;
		*b = root ? root->span.first : hi + 1;
	} else if (!vad_gap_up(&root->rb, lo + size, size, a, b)) {
		*a = root->span.last_end;
		*b = hi + 1;
	}
	if (*a < lo)
		*a = lo;
	if (*b > hi + 1)
		*b = hi + 1;
	return *b > *a && *b - *a >= size;
}

/* The highest such range, likewise. */
static bool vad_free_down(struct mm_vad_tree *tree, unsigned long lo,
			  unsigned long hi, unsigned long size, unsigned long *a,
			  unsigned long *b)
{
	struct mm_vad *root = vad_of(tree->root.rb_node);

	if (lo > hi || hi - lo < size - 1)
		return false;
	if (!root || root->span.last_end <= hi + 1 - size) {
		*a = root ? root->span.last_end : lo;
		*b = hi + 1;
	} else if (!vad_gap_down(&root->rb, hi + 1 - size, size, a, b)) {
		*a = lo;
		*b = root->span.first;
	}
	if (*a < lo)
		*a = lo;
	if (*b > hi + 1)
		*b = hi + 1;
	return *b > *a && *b - *a >= size;
}

static ntstatus_t vad_find_free_up(struct mm_vad_tree *tree,
				   const struct mm_vad_free_req *req,
				   unsigned long lo, unsigned long hi,
				   unsigned long *addr)
{
	unsigned long size = req->size, align = req->align;
	unsigned long a, b, start, bs, be;

	for (;;) {
		if (lo > ULONG_MAX - (align - 1))
			break;
		lo = ALIGN(lo, align);
		if (!vad_free_up(tree, lo, hi, size, &a, &b))
			break;
		start = ALIGN(a, align);
		if (start < a || start > b || b - start < size) {
			/* No aligned fit: on to the gaps above this one. */
			if (b > hi)
				break;
			lo = b;
			continue;
		}
		bs = 0;
		be = 0;
		if (!req->range_free ||
		    req->range_free(req->ctx, start, start + size, &bs, &be)) {
			*addr = start;
			return STATUS_SUCCESS;
		}
		/* Anything above @start that overlaps [bs, be) starts at be. */
		if (check_add_overflow(start, align, &lo))
			break;
		if (be > lo && bs < start + size)
			lo = be;
	}
	return STATUS_NO_MEMORY;
}

static ntstatus_t vad_find_free_down(struct mm_vad_tree *tree,
				     const struct mm_vad_free_req *req,
				     unsigned long lo, unsigned long hi,
				     unsigned long *addr)
{
	unsigned long size = req->size, align = req->align;
	unsigned long a, b, start, bs, be;

	if (lo > ULONG_MAX - (align - 1))
		return STATUS_NO_MEMORY;
	lo = ALIGN(lo, align);
	while (vad_free_down(tree, lo, hi, size, &a, &b)) {
		start = ALIGN_DOWN(b - size, align);
		if (start < a) {
			/* No aligned fit: on to the gaps below this one. */
			if (a <= lo)
				break;
			hi = a - 1;
			continue;
		}
		bs = 0;
		be = 0;
		if (!req->range_free ||
		    req->range_free(req->ctx, start, start + size, &bs, &be)) {
			*addr = start;
			return STATUS_SUCCESS;
		}
		/* Anything below @start that overlaps [bs, be) ends at bs. */
		if (start < align)
			break;
		hi = start - align + (size - 1);
		if (be > start && bs < start + size) {
			if (!bs)
				break;
			hi = min(hi, bs - 1);
		}
	}
	return STATUS_NO_MEMORY;
}

/**
 * mm_vad_find_free() - find a free, aligned range for a new allocation
 * @tree: the tree
 * @req: the size, the window, the alignment, ZeroBits, the direction and an
 *	optional check of candidates beyond the tree
 * @addr: on success, the start of the range
 *
 * Finds the lowest (or with @req->top_down the highest) @req->align-aligned
 * range of @req->size bytes inside [@req->min, @req->max) that is in no VAD,
 * lies at or below the limit ZeroBits sets (mm_zero_bits_limit()), and that
 * @req->range_free accepts. Each step asks the tree for the next gap large
 * enough, in O(log n), so the cost grows with the gaps tried, not with the
 * VADs. The caller holds the address-space lock.
 *
 * Return: STATUS_SUCCESS; STATUS_NO_MEMORY when nothing fits;
 * STATUS_INVALID_PARAMETER_3 for an invalid ZeroBits.
 */
ntstatus_t mm_vad_find_free(struct mm_vad_tree *tree,
			    const struct mm_vad_free_req *req,
			    unsigned long *addr)
{
	unsigned long hi, limit;
	ntstatus_t status;

	lockdep_assert_held(tree->lock);
	status = mm_zero_bits_limit(req->zero_bits, &limit);
	if (status)
		return status;
	if (WARN_ON_ONCE(!req->size || !PAGE_ALIGNED(req->size) ||
			 !is_power_of_2(req->align) || req->align < PAGE_SIZE))
		return STATUS_INVALID_PARAMETER;
	if (req->max <= req->min)
		return STATUS_NO_MEMORY;
	hi = min(req->max - 1, limit);
	if (req->top_down)
		return vad_find_free_down(tree, req, req->min, hi, addr);
	return vad_find_free_up(tree, req, req->min, hi, addr);
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_find_free);

/**
 * mm_vad_resolve_free() - the allocation and pages an NtFreeVirtualMemory
 * call acts on
 * @tree: the tree
 * @plan: the call, checked and rounded by mm_check_free()
 * @range: on success, the VAD and the range to decommit or release
 *
 * As test_NtFreeVirtualMemory and test_NtAllocateVirtualMemory expect: a
 * first page in no allocation is STATUS_MEMORY_NOT_ALLOCATED; a zero size
 * whose rounded base is not the allocation's base is
 * STATUS_FREE_VM_NOT_AT_BASE, and otherwise means the whole allocation; a
 * range running past the allocation's end is STATUS_UNABLE_TO_FREE_VM.
 * Only private memory is freed here: a view is STATUS_UNABLE_TO_DELETE_SECTION
 * (the WRK; Wine answers STATUS_INVALID_PARAMETER). The size to report is
 * the range's, except that decommitting a whole allocation reports 0 (test
 * "size == 0 || broken(size == 0x10000) <= win10 1709"). To release a
 * sub-range, the caller splits the VAD at @range->end and @range->start
 * (mm_vad_split()) and removes the middle. The caller holds the
 * address-space lock.
 *
 * Return: STATUS_SUCCESS or the status above.
 */
ntstatus_t mm_vad_resolve_free(struct mm_vad_tree *tree,
			       const struct mm_free_plan *plan,
			       struct mm_vad_free_range *range)
{
	struct mm_vad *vad = mm_vad_find(tree, plan->start);

	if (!vad)
		return STATUS_MEMORY_NOT_ALLOCATED;
	if (vad->type != NT_MEM_PRIVATE)
		return STATUS_UNABLE_TO_DELETE_SECTION;
	if (plan->whole) {
		if (plan->start != vad->start)
			return STATUS_FREE_VM_NOT_AT_BASE;
		range->start = vad->start;
		range->end = vad->end;
		range->size = plan->release ? vad->end - vad->start : 0;
	} else {
		if (plan->end > vad->end)
			return STATUS_UNABLE_TO_FREE_VM;
		range->start = plan->start;
		range->end = plan->end;
		range->size = plan->end - plan->start;
	}
	range->vad = vad;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_resolve_free);

/**
 * mm_vad_page_state() - the state of one page
 * @vad: the VAD
 * @addr: an address inside @vad
 *
 * The caller holds the address-space lock.
 *
 * Return: the MM_PAGE_* state of the page holding @addr.
 */
u16 mm_vad_page_state(struct mm_vad *vad, unsigned long addr)
{
	return vad_get(vad, (addr - vad->start) >> PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_page_state);

/**
 * mm_vad_update_pages() - change the state of a range of pages
 * @vad: the VAD
 * @start: first byte, page-aligned, inside @vad
 * @end: end, page-aligned, exclusive, inside @vad
 * @clear: MM_PAGE_* bits to clear
 * @set: MM_PAGE_* bits to set afterwards
 *
 * Every page gets (state & ~@clear) | @set: a commit is
 * clear = MM_PAGE_PROT_MASK, set = MM_PAGE_COMMITTED | protection; a
 * decommit clears MM_PAGE_COMMITTED | MM_PAGE_PROT_MASK. Either every page
 * is updated or, on -ENOMEM, none is. The caller holds the address-space
 * lock.
 *
 * Return: 0, -EINVAL for a bad range, -ENOMEM.
 */
int mm_vad_update_pages(struct mm_vad *vad, unsigned long start,
			unsigned long end, u16 clear, u16 set)
{
	return mm_vad_update_pages_if(vad, start, end, 0, 0, clear, set);
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_update_pages);

/**
 * mm_vad_update_pages_if() - change the state of the pages in a state
 * @vad: the VAD, its tree's lock held
 * @start: first byte, page-aligned, inside @vad
 * @end: end, page-aligned, exclusive, inside @vad
 * @mask: the state bits the condition looks at (0: every page qualifies)
 * @value: their value on the pages to change
 * @clear: bits to clear on those pages
 * @set: bits to set on them, after @clear
 *
 * A chunk is installed only where some page changes: pages that do not
 * qualify cost nothing, however large the range. So the memory an update
 * may allocate is bounded by the pages it changes, and callers bound those
 * (by commit: only committed pages take states other than a VAD's default).
 *
 * Return: 0, -EINVAL for a range outside @vad, or -ENOMEM (nothing changed
 * in the chunks that could not be installed; earlier ones may have been).
 */
int mm_vad_update_pages_if(struct mm_vad *vad, unsigned long start,
			   unsigned long end, u16 mask, u16 value, u16 clear,
			   u16 set)
{
	unsigned long first, last, ci, cfirst, clast, j, a, b;
	bool dflt = (vad->default_state & mask) == value;
	u16 nd = (vad->default_state & ~clear) | set;
	u16 *chunk;
	int ret = 0;

	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || start >= end ||
	    start < vad->start || end > vad->end)
		return -EINVAL;
	first = (start - vad->start) >> PAGE_SHIFT;
	last = ((end - vad->start) >> PAGE_SHIFT) - 1;
	cfirst = first >> MM_VAD_CHUNK_SHIFT;
	clast = last >> MM_VAD_CHUNK_SHIFT;

	if (first == 0 && last == vad_pages(vad) - 1 && dflt) {
		/* Every page whose state is the default: the default changes. */
		xa_for_each(&vad->chunks, ci, chunk) {
			for (j = 0; j < vad_chunk_len(vad, ci); j++)
				if ((chunk[j] & mask) == value)
					chunk[j] = (chunk[j] & ~clear) | set;
			cond_resched();
		}
		vad->default_state = nd;
		vad_chunks_compact(vad, cfirst, clast);
		return 0;
	}

	/* Chunkless pages hold the default: only a change needs a chunk. */
	if (dflt && nd != vad->default_state) {
		for (ci = cfirst; ci <= clast; ci++) {
			if (xa_load(&vad->chunks, ci))
				continue;
			ret = vad_chunk_install(vad, ci);
			if (ret) {
				vad_chunks_compact(vad, cfirst, clast);
				return ret;
			}
			cond_resched();
		}
	}

	xa_for_each_range(&vad->chunks, ci, chunk, cfirst, clast) {
		a = max(first, ci << MM_VAD_CHUNK_SHIFT) & MM_VAD_CHUNK_MASK;
		b = min(last, ((ci + 1) << MM_VAD_CHUNK_SHIFT) - 1) &
		    MM_VAD_CHUNK_MASK;
		for (j = a; j <= b; j++)
			if ((chunk[j] & mask) == value)
				chunk[j] = (chunk[j] & ~clear) | set;
		if (a == 0 && b == vad_chunk_len(vad, ci) - 1 &&
		    vad_chunk_uniform(chunk, b + 1, vad->default_state))
			kfree(xa_erase(&vad->chunks, ci));
		cond_resched();
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_update_pages_if);

/*
 * The first page at or after @idx, below @n, whose state under @mask
 * differs from @value, or @n if there is none.
 */
static unsigned long vad_scan(struct mm_vad *vad, unsigned long idx,
			      unsigned long n, u16 mask, u16 value)
{
	unsigned long ci, end;
	u16 *chunk;

	while (idx < n) {
		ci = idx >> MM_VAD_CHUNK_SHIFT;
		chunk = xa_load(&vad->chunks, ci);
		if (!chunk) {
			if ((vad->default_state & mask) != value)
				return idx;
			/* Jump to the next chunk that exists. */
			ci++;
			if (!xa_find(&vad->chunks, &ci, ULONG_MAX, XA_PRESENT))
				return n;
			idx = ci << MM_VAD_CHUNK_SHIFT;
			continue;
		}
		end = min(n, (ci + 1) << MM_VAD_CHUNK_SHIFT);
		for (; idx < end; idx++)
			if ((chunk[idx & MM_VAD_CHUNK_MASK] & mask) != value)
				return idx;
		cond_resched();
	}
	return n;
}

/**
 * mm_vad_pages_match() - whether every page of a range has a given state
 * @vad: the VAD
 * @start: first byte, inside @vad
 * @end: end, exclusive, inside @vad
 * @mask: the MM_PAGE_* bits to compare
 * @value: what they must be
 *
 * For instance NtProtectVirtualMemory's "every page committed" is
 * mask = value = MM_PAGE_COMMITTED. The caller holds the address-space lock.
 *
 * Return: true if (state & @mask) == @value for every page.
 */
bool mm_vad_pages_match(struct mm_vad *vad, unsigned long start,
			unsigned long end, u16 mask, u16 value)
{
	unsigned long first = (start - vad->start) >> PAGE_SHIFT;
	unsigned long last = (PAGE_ALIGN(end) - vad->start) >> PAGE_SHIFT;

	return vad_scan(vad, first, last, mask, value) >= last;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_pages_match);

/**
 * mm_vad_find_page() - the first page of a range in a given state
 * @vad: the VAD
 * @start: first byte, page-aligned, inside @vad
 * @end: end, page-aligned, exclusive, inside @vad
 * @mask: the MM_PAGE_* bits to compare
 * @value: what they must be
 *
 * Chunkless stretches are skipped whole, so a scan of a large VAD costs
 * its chunks, not its pages (NtGetWriteWatch). The caller holds the
 * address-space lock.
 *
 * Return: the address of the first page with (state & @mask) == @value,
 * or @end if there is none.
 */
unsigned long mm_vad_find_page(struct mm_vad *vad, unsigned long start,
			       unsigned long end, u16 mask, u16 value)
{
	unsigned long idx = (start - vad->start) >> PAGE_SHIFT;
	unsigned long last = (end - vad->start) >> PAGE_SHIFT, ci, stop;
	u16 *chunk;

	while (idx < last) {
		ci = idx >> MM_VAD_CHUNK_SHIFT;
		chunk = xa_load(&vad->chunks, ci);
		if (!chunk) {
			if ((vad->default_state & mask) == value)
				break;
			ci++;
			if (!xa_find(&vad->chunks, &ci, ULONG_MAX, XA_PRESENT))
				return end;
			idx = ci << MM_VAD_CHUNK_SHIFT;
			continue;
		}
		stop = min(last, (ci + 1) << MM_VAD_CHUNK_SHIFT);
		for (; idx < stop; idx++)
			if ((chunk[idx & MM_VAD_CHUNK_MASK] & mask) == value)
				return vad->start + (idx << PAGE_SHIFT);
		cond_resched();
	}
	return idx < last ? vad->start + (idx << PAGE_SHIFT) : end;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_find_page);

/**
 * mm_vad_count_pages() - how many pages of a range are in a given state
 * @vad: the VAD
 * @start: first byte, page-aligned, inside @vad
 * @end: end, page-aligned, exclusive, inside @vad
 * @mask: the MM_PAGE_* bits to compare
 * @value: what they must be
 *
 * Chunkless stretches are counted whole, so the count costs the range's
 * chunks, never its pages (a 64 TiB reservation counts as fast as one
 * page). The caller holds the address-space lock.
 *
 * Return: the number of pages with (state & @mask) == @value.
 */
unsigned long mm_vad_count_pages(struct mm_vad *vad, unsigned long start,
				 unsigned long end, u16 mask, u16 value)
{
	unsigned long first = (start - vad->start) >> PAGE_SHIFT;
	unsigned long last = (end - vad->start) >> PAGE_SHIFT, ci, a, b, idx, n;
	bool dflt = (vad->default_state & mask) == value;
	u16 *chunk;

	if (first >= last)
		return 0;
	/* Chunkless stretches count whole; only chunks are looked into. */
	n = dflt ? last - first : 0;
	xa_for_each_range(&vad->chunks, ci, chunk, first >> MM_VAD_CHUNK_SHIFT,
			  (last - 1) >> MM_VAD_CHUNK_SHIFT) {
		a = max(first, ci << MM_VAD_CHUNK_SHIFT);
		b = min(last, (ci + 1) << MM_VAD_CHUNK_SHIFT);
		if (dflt)
			n -= b - a;
		for (idx = a; idx < b; idx++)
			if ((chunk[idx & MM_VAD_CHUNK_MASK] & mask) == value)
				n++;
		cond_resched();
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_count_pages);

/* NtQueryVirtualMemory tells pages apart by state and, if committed, protection. */
static u16 vad_region_key(u16 state)
{
	if (!(state & MM_PAGE_COMMITTED))
		return 0;
	return state & (MM_PAGE_COMMITTED | MM_PAGE_PROT_MASK);
}

/**
 * mm_vad_region() - the region NtQueryVirtualMemory reports for an address
 * @vad: the VAD containing @addr
 * @addr: the address
 * @region: filled in
 *
 * The region is the run of pages from @addr's page with the same state
 * (committed or reserved) and, for committed pages, the same protection,
 * clipped to @vad: an allocation's regions never merge with a neighbour's.
 * The write-watch and lock bits do not split regions. The caller holds the
 * address-space lock.
 */
void mm_vad_region(struct mm_vad *vad, unsigned long addr,
		   struct mm_vad_region *region)
{
	unsigned long idx = (addr - vad->start) >> PAGE_SHIFT, end;
	u16 state = vad_get(vad, idx), key = vad_region_key(state);

	if (key)
		end = vad_scan(vad, idx + 1, vad_pages(vad),
			       MM_PAGE_COMMITTED | MM_PAGE_PROT_MASK, key);
	else
		end = vad_scan(vad, idx + 1, vad_pages(vad), MM_PAGE_COMMITTED, 0);
	region->base = vad->start + (idx << PAGE_SHIFT);
	region->size = (end - idx) << PAGE_SHIFT;
	region->state = key ? NT_MEM_COMMIT : NT_MEM_RESERVE;
	region->protect = key & MM_PAGE_PROT_MASK;
	region->allocation_base = vad->start;
	region->allocation_protect = vad->allocation_protect;
	region->type = vad->type;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_region);

/**
 * mm_vad_query() - NtQueryVirtualMemory(MemoryBasicInformation) on the tree
 * @tree: the tree
 * @addr: the queried address
 * @limit: the end of the user address space the process sees
 * @region: filled in
 *
 * An address in a VAD gets mm_vad_region(). Any other address is free up
 * to the next VAD or @limit: MEM_FREE, Protect PAGE_NOACCESS, no
 * allocation (as Wine's fill_basic_memory_info reports it). The caller
 * further clips a free region at memory that is not the module's (Linux
 * mappings of the process). The caller holds the address-space lock.
 *
 * Return: STATUS_SUCCESS, or STATUS_INVALID_PARAMETER at or above @limit.
 */
ntstatus_t mm_vad_query(struct mm_vad_tree *tree, unsigned long addr,
			unsigned long limit, struct mm_vad_region *region)
{
	struct mm_vad *vad;

	if (addr >= limit)
		return STATUS_INVALID_PARAMETER;
	vad = mm_vad_find_next(tree, addr);
	if (vad && vad->start <= addr) {
		mm_vad_region(vad, addr, region);
		return STATUS_SUCCESS;
	}
	memset(region, 0, sizeof(*region));
	region->base = addr & PAGE_MASK;
	region->size = (vad ? min(vad->start, limit) : limit) - region->base;
	region->state = NT_MEM_FREE;
	region->protect = NT_PAGE_NOACCESS;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_vad_query);
