/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VAD tree: the allocations (reservations) of one NT process and the
 * NT state of each of their pages. See vad.c.
 */
#ifndef _NTEXEC_NTMM_VAD_H
#define _NTEXEC_NTMM_VAD_H

#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/xarray.h>

#include "protect.h"

/*
 * The state of one page, 16 bits. The low 11 bits are the page's NT
 * protection exactly as NtQueryVirtualMemory reports it (base protection,
 * PAGE_GUARD, PAGE_NOCACHE, PAGE_WRITECOMBINE); reserved pages keep 0 there.
 */
#define MM_PAGE_PROT_MASK	((u16)NT_PAGE_PROT_MASK)
#define MM_PAGE_COMMITTED	((u16)0x0800)	/* MEM_COMMIT, else MEM_RESERVE */
#define MM_PAGE_WRITTEN		((u16)0x1000)	/* written since the last write-watch reset */
#define MM_PAGE_LOCKED		((u16)0x2000)	/* NtLockVirtualMemory */
#define MM_PAGE_RESET		((u16)0x4000)	/* MEM_RESET: contents may be discarded */
#define MM_PAGE_PRIVATE		((u16)0x8000)	/* a view's page copied on write */

/**
 * struct mm_vad_tree - the VADs of one NT process
 * @root: the VADs by address, augmented for the free-range search
 * @lock: the caller's address-space lock; every function taking the tree
 *	asserts it is held
 * @count: the number of VADs
 *
 * The caller holds the address-space lock (@lock) for every call on the
 * tree and on the VADs in it, including the page-state functions.
 */
struct mm_section;

struct mm_vad_tree {
	struct rb_root root;
	struct mutex *lock;
	unsigned long count;
};

/**
 * struct mm_vad_span - what the free-range search knows of a subtree
 * @first: the start of its lowest VAD
 * @last_end: the end of its highest VAD
 * @gap: the largest free gap between two of its VADs
 */
struct mm_vad_span {
	unsigned long first;
	unsigned long last_end;
	unsigned long gap;
};

/**
 * struct mm_vad - one allocation: what NtAllocateVirtualMemory(MEM_RESERVE)
 * created, or a piece left by a partial MEM_RELEASE
 * @rb: in &mm_vad_tree.root
 * @span: @rb's subtree, for the free-range search
 * @start: first byte; 64 KiB-aligned when created by a reservation, only
 *	page-aligned for a piece left by a partial release
 * @end: end, page-aligned, exclusive
 * @type: NT_MEM_PRIVATE, or NT_MEM_MAPPED for a view
 * @allocation_protect: the protection given at reservation (AllocationProtect)
 * @flags: NT_MEM_WRITE_WATCH and the like, as given at reservation
 * @pending: inserted by a reservation whose VMA is not made yet: no page
 *	may be allocated in it (the reservation may still fail)
 * @section: for a view (type NT_MEM_MAPPED), the section it maps
 *	(referenced by the VAD; see ntmm/section.c), else NULL
 * @offset: for a view, the byte offset in the section of @start
 * @view_access: for a view, the MM_ACC_* access its pages may ever have:
 *	what the section's protection allows and the mapping handle's
 *	rights granted (ntmm/view.c)
 * @inherit: for a view, its InheritDisposition (NT_VIEW_SHARE or
 *	NT_VIEW_UNMAP), for the process creation to come
 * @default_state: the state of every page that has no entry in @chunks
 * @chunks: chunk index -> u16 state of MM_VAD_CHUNK_PAGES pages (the last
 *	chunk of a VAD may be shorter). A chunk exists only where some page
 *	differs from @default_state, so memory is 2 bytes per page of such
 *	chunks plus the xarray nodes (about 9 bytes per chunk), and a VAD whose
 *	pages all share one state (a plain reservation, a whole commit) costs
 *	nothing per page, however large it is.
 *
 * No struct page pointers: physical pages belong to the fault path.
 */
struct mm_vad {
	struct rb_node rb;
	struct mm_vad_span span;
	unsigned long start;
	unsigned long end;
	u32 type;
	u32 allocation_protect;
	u32 flags;
	bool pending;
	struct mm_section *section;
	u64 offset;
	u32 view_access;
	u8 inherit;
	u16 default_state;
	struct xarray chunks;
};

#define MM_VAD_CHUNK_SHIFT	9
#define MM_VAD_CHUNK_PAGES	(1UL << MM_VAD_CHUNK_SHIFT)

/**
 * struct mm_vad_region - what NtQueryVirtualMemory(MemoryBasicInformation)
 * reports, in kernel types
 * @base: BaseAddress: the queried address rounded down to a page
 * @size: RegionSize: the run of pages from @base with the same state and
 *	protection, within one allocation (or the free gap)
 * @state: NT_MEM_COMMIT, NT_MEM_RESERVE or NT_MEM_FREE
 * @protect: Protect: the pages' protection; 0 for reserved pages,
 *	NT_PAGE_NOACCESS for free ones
 * @allocation_base: AllocationBase (0 when free)
 * @allocation_protect: AllocationProtect (0 when free)
 * @type: Type: NT_MEM_PRIVATE etc. (0 when free)
 */
struct mm_vad_region {
	unsigned long base;
	unsigned long size;
	u32 state;
	u32 protect;
	unsigned long allocation_base;
	u32 allocation_protect;
	u32 type;
};

/**
 * typedef mm_vad_range_free_t - ask the caller whether a range is usable
 * @ctx: &mm_vad_free_req.ctx
 * @start: first byte of the candidate range
 * @end: its end, exclusive
 * @busy_start: if the range is not free, may be set to the start of the
 *	range that is in the way
 * @busy_end: and to its end, so the search can skip it; left alone (0),
 *	the search moves one alignment step
 *
 * Called with the tree's lock held, for ranges that are free in the tree;
 * ntexec checks the Linux VMAs of the process there.
 *
 * Return: true if [@start, @end) may be used.
 */
typedef bool (*mm_vad_range_free_t)(void *ctx, unsigned long start,
				    unsigned long end, unsigned long *busy_start,
				    unsigned long *busy_end);

/**
 * struct mm_vad_free_req - what mm_vad_find_free() looks for
 * @size: bytes, page-aligned, non-zero
 * @min: lowest address of the window
 * @max: end of the window, exclusive
 * @align: alignment of the start, a power of two, at least PAGE_SIZE
 *	(NT_ALLOCATION_GRANULARITY for NtAllocateVirtualMemory)
 * @zero_bits: NtAllocateVirtualMemory's ZeroBits (0: none)
 * @top_down: the highest fitting range instead of the lowest
 * @range_free: optional check of a candidate beyond the tree
 * @ctx: passed to @range_free
 */
struct mm_vad_free_req {
	unsigned long size;
	unsigned long min;
	unsigned long max;
	unsigned long align;
	unsigned long zero_bits;
	bool top_down;
	mm_vad_range_free_t range_free;
	void *ctx;
};

/**
 * struct mm_vad_free_range - an NtFreeVirtualMemory call resolved on the tree
 * @vad: the allocation
 * @start: first byte to decommit or release
 * @end: end, exclusive
 * @size: what the call reports back in *RegionSize
 */
struct mm_vad_free_range {
	struct mm_vad *vad;
	unsigned long start;
	unsigned long end;
	unsigned long size;
};

void mm_vad_tree_init(struct mm_vad_tree *tree, struct mutex *lock);
void mm_vad_tree_destroy(struct mm_vad_tree *tree);

struct mm_vad *mm_vad_alloc(unsigned long start, unsigned long end, u32 type,
			    u32 allocation_protect, u32 flags, u16 state);
void mm_vad_free(struct mm_vad *vad);

int mm_vad_insert(struct mm_vad_tree *tree, struct mm_vad *vad);
void mm_vad_remove(struct mm_vad_tree *tree, struct mm_vad *vad);
struct mm_vad *mm_vad_find(struct mm_vad_tree *tree, unsigned long addr);
struct mm_vad *mm_vad_find_next(struct mm_vad_tree *tree, unsigned long addr);
int mm_vad_split(struct mm_vad_tree *tree, struct mm_vad *vad,
		 unsigned long addr, struct mm_vad **upper);

ntstatus_t mm_vad_find_free(struct mm_vad_tree *tree,
			    const struct mm_vad_free_req *req,
			    unsigned long *addr);
ntstatus_t mm_vad_resolve_free(struct mm_vad_tree *tree,
			       const struct mm_free_plan *plan,
			       struct mm_vad_free_range *range);

u16 mm_vad_page_state(struct mm_vad *vad, unsigned long addr);
int mm_vad_update_pages(struct mm_vad *vad, unsigned long start,
			unsigned long end, u16 clear, u16 set);
int mm_vad_update_pages_if(struct mm_vad *vad, unsigned long start,
			   unsigned long end, u16 mask, u16 value, u16 clear,
			   u16 set);
unsigned long mm_vad_find_page(struct mm_vad *vad, unsigned long start,
			       unsigned long end, u16 mask, u16 value);
unsigned long mm_vad_count_pages(struct mm_vad *vad, unsigned long start,
				 unsigned long end, u16 mask, u16 value);
bool mm_vad_pages_match(struct mm_vad *vad, unsigned long start,
			unsigned long end, u16 mask, u16 value);

void mm_vad_region(struct mm_vad *vad, unsigned long addr,
		   struct mm_vad_region *region);
ntstatus_t mm_vad_query(struct mm_vad_tree *tree, unsigned long addr,
			unsigned long limit, struct mm_vad_region *region);

#endif /* _NTEXEC_NTMM_VAD_H */
