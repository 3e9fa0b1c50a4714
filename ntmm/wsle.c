// SPDX-License-Identifier: GPL-2.0
/*
 * Working sets and the page lists (NT's wslist.c, wsmanage.c and
 * pfnlist.c, in part).
 *
 * The working set of a space is the set of its own pages (mm_space.pages:
 * private memory and the pages a write-copy view copied) that it may map
 * now: each is marked MM_WS_VALID. A new page enters it; a protection
 * change or a write-watch reset zaps a PTE but leaves the page in it, as
 * Windows keeps a re-protected page valid. Trimming takes a page out for
 * real: its PTE is zapped (unmap_mapping_range() on the space's private
 * mapping), the page keeps its contents and stays the module's, and it goes
 * on a page list:
 *
 *   modified  written, or never written to backing store: every private
 *             page, as Windows marks a demand-zero page modified. With no
 *             paging file a modified page stays there until the
 *             process touches it again or frees it: Windows without a
 *             paging file keeps modified private pages resident too.
 *   standby   clean pages: a copy is in a paging file (mm_space.paged
 *             holds its slot). A page read back by a hard fault, or
 *             faulted back from standby, keeps its slot until it is
 *             written (mm_ws_dirtied(), through mm_page_written(); it is
 *             mapped read-only until then): trimmed unwritten, it goes
 *             straight back to standby, with no write. The modified page writer
 *             (mm_ws_write_modified()) moves pages here once written;
 *             repurposing (mm_ws_repurpose()), oldest first, frees them
 *             and leaves only the slot: the next access is a hard fault
 *             that reads the page back (mm_ws_page_in()).
 *   (free)    a page whose contents MEM_RESET declared discardable is not
 *             kept: trimming frees it (back to Linux), and the space
 *             remembers the discard for MEM_RESET_UNDO (mm_space.discarded).
 *
 * A later access of a listed page is a soft fault (a transition fault):
 * the same page comes off its list, back into the working set, and is
 * mapped again: no zeroing, no I/O. Every path that reaches a space's page
 * (the fault path, ptrace access, NtRead/WriteVirtualMemory, locking) goes
 * through mm_get_page(), which does that.
 *
 * Ages. Each page of a working set has an age (0 to MM_WS_AGE_MAX, in
 * page->private) and sits on its space's list of that age
 * (mm_space.ws_age, through page->lru; page->index holds its index). A
 * page enters at age 0. An aging pass (mm_ws_age(), the balance set
 * manager's, once a second) reads and clears the hardware Accessed bit of
 * each page's PTE: accessed pages go back to age 0, the others one older.
 * Trimming takes the oldest pages first: from the oldest list down, each
 * list in the order its pages got there. The Accessed bit is cleared
 * without a TLB flush, as x86's own ptep_clear_flush_young() does: a CPU
 * that still caches the translation may touch the page without setting
 * the bit again, which only makes the page look older than it is (a soft
 * fault later), never loses data; the next flush of that mm (any zap,
 * context switch without PCID) ends it.
 *
 * What trimming never takes: a locked page (NtLockVirtualMemory), and a
 * page someone else holds a reference to (NtRead/WriteVirtualMemory copy
 * outside the space's lock, with a page reference), so that no copy writes
 * into a page that has left the working set. A locked page the trimmer
 * meets is parked (mm_space.ws_parked) until it is unlocked, so that a
 * working set of mostly locked pages costs each trim O(1), not a scan.
 *
 * Long trims (emptying a working set, a big shrink, the balance set
 * manager) go in batches of MM_WS_TRIM_BATCH pages and drop the space's
 * lock between them (mm_ws_trim_batched()): faults and services of the
 * process go on meanwhile, and each batch starts again from the lists as
 * they are then.
 *
 * Events. Trims are reported to the "memory" netlink group
 * (NTEXEC_CMD_WS_TRIM: the process, bytes trimmed, bytes left) one per
 * trim pass per process, not per page: a pass of mm_ws_trim_batched()
 * (emptying, a shrink, the balance set manager's trim of that process)
 * sends one at its end. Single-page trims that keep a hard maximum at each
 * fault (mm_ws_replace()) are summed and sent by the next aging pass, so
 * at most once a second, or with the process's next trim pass
 * (mm_ws_report_trims()).
 *
 * Locks: everything here runs under mm_space.lock; the lists' own lock,
 * mm_pfn_lock (a spinlock), nests inside it and takes nothing else. A
 * page on a list is reached only through its space, under that space's
 * lock; the lists hold it through page->lru and page->private (which list,
 * with MM_PFN_LISTED), which nothing else uses on the module's own pages.
 * An aging pass takes the space's mm's mmap_lock (read) outside the space's
 * lock, as the fault path does, and the page table locks inside it
 * (apply_to_existing_page_range()), as a zap does.
 */
#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mi.h"
#include "../ntob/compat.h"
#include "../ntob/event.h"
#include "../ntob/trace.h"

/**
 * struct mm_page_list - one of the system's page lists
 * @head: its pages, oldest first, through page->lru
 * @count: how many (written under mm_pfn_lock)
 */
struct mm_page_list {
	struct list_head head;
	atomic_long_t count;
};

/*
 * page->private of a page on a list: the list, with MM_PFN_LISTED, its
 * space's number (ws_id) above MM_PFN_ID_SHIFT, and MM_PFN_WRITING while
 * the modified page writer writes it (a page that leaves the list loses it,
 * so a page faulted back and trimmed again meanwhile is not taken as clean).
 */
#define MM_PFN_LIST_MASK	0xfffful
#define MM_PFN_LISTED		0x10000ul
#define MM_PFN_WRITING		0x20000ul
/*
 * A standby page a hard fault's cluster brought and nobody has touched yet:
 * repurposing passes it over once (a second chance), so that the pages a
 * sequential reader is about to use are not freed before it gets there.
 */
#define MM_PFN_FRESH		0x40000ul
#define MM_PFN_ID_SHIFT		32
/* page->private of a page of a working set: its age, and this bit if parked. */
#define MM_WS_AGE_MASK		0xfful
#define MM_WS_PARKED		0x100ul
/* Pages a long trim takes per hold of the space's lock. */
#define MM_WS_TRIM_BATCH	512ul
/* Pages an aging pass covers per hold: one page table. */
#define MM_WS_AGE_CHUNK		512ul

static DEFINE_SPINLOCK(mm_pfn_lock);
static struct mm_page_list mm_lists[MM_LISTS];
static atomic_long_t mm_stats[MM_WS_STATS];
static DEFINE_XARRAY_ALLOC(mm_spaces);

static int mm_ws_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops mm_ws_param_ops = {
	.get = mm_ws_param_get,
};

#define MM_WS_PARAM(name, stat, desc)					\
	module_param_cb(name, &mm_ws_param_ops, &mm_stats[stat], 0444);	\
	MODULE_PARM_DESC(name, desc)

module_param_cb(standby_pages, &mm_ws_param_ops,
		&mm_lists[MM_LIST_STANDBY].count, 0444);
MODULE_PARM_DESC(standby_pages, "NT pages on the standby list (clean, trimmed)");
module_param_cb(modified_pages, &mm_ws_param_ops,
		&mm_lists[MM_LIST_MODIFIED].count, 0444);
MODULE_PARM_DESC(modified_pages, "NT pages on the modified list (dirty, trimmed)");
MM_WS_PARAM(trimmed_pages, MM_STAT_TRIMMED, "NT pages trimmed from working sets, ever");
MM_WS_PARAM(transition_faults, MM_STAT_TRANSITION,
	    "Soft faults: trimmed NT pages brought back into a working set, ever");
MM_WS_PARAM(discarded_pages, MM_STAT_DISCARDED,
	    "MEM_RESET pages whose contents a trim discarded (freed), ever");
MM_WS_PARAM(working_set_pages, MM_STAT_WS, "NT pages in working sets, now");
MM_WS_PARAM(trim_scanned_pages, MM_STAT_SCANNED,
	    "Working-set pages trims looked at, ever (taken, parked or passed over)");
MM_WS_PARAM(trim_lock_breaks, MM_STAT_BREAKS,
	    "Times a long trim let go of a space's lock between batches, ever");
MM_WS_PARAM(aging_passes, MM_STAT_AGING_PASSES,
	    "Working-set aging passes over all NT processes, ever");
MM_WS_PARAM(aged_pages, MM_STAT_AGED, "Working-set pages aged (Accessed bit read), ever");
MM_WS_PARAM(aged_young_pages, MM_STAT_YOUNG,
	    "Aged pages found accessed (back to age 0), ever");
MM_WS_PARAM(aging_ns, MM_STAT_AGING_NS, "Time spent aging working sets, ns, ever");
MM_WS_PARAM(bsm_passes, MM_STAT_BSM_PASSES, "Balance set manager passes, ever");
MM_WS_PARAM(bsm_trimmed_pages, MM_STAT_BSM_TRIMMED,
	    "Pages the balance set manager trimmed, ever");
MM_WS_PARAM(bsm_need_pages, MM_STAT_BSM_NEED,
	    "Pages the balance set manager was to find (memory short), ever");
MM_WS_PARAM(shrinker_scans, MM_STAT_SHRINKER_SCANS,
	    "Calls of the NT working-set shrinker by Linux's reclaim, ever");
MM_WS_PARAM(shrinker_pages, MM_STAT_SHRINKER_PAGES,
	    "Pages Linux's reclaim asked the NT working-set shrinker for, ever");
MM_WS_PARAM(pagefile_writes, MM_STAT_PAGEFILE_WRITES,
	    "NT pages the modified page writer wrote to a paging file, ever");
MM_WS_PARAM(pagefile_errors, MM_STAT_PAGEFILE_ERRORS,
	    "Paging file writes and reads that failed, ever");
MM_WS_PARAM(page_reads, MM_STAT_PAGE_READS,
	    "NT pages read back from a paging file (hard faults and their clusters), ever");
MM_WS_PARAM(page_read_ios, MM_STAT_PAGE_READ_IOS,
	    "Hard faults: paging-file reads (a page and its cluster each), ever");
MM_WS_PARAM(repurposed_pages, MM_STAT_REPURPOSED,
	    "Standby pages repurposed (freed; their copy stays in the paging file), ever");
MM_WS_PARAM(throttled_faults, MM_STAT_THROTTLED,
	    "Faults that waited for the balance set manager to give memory back, ever");

/**
 * mm_ws_list_count() - the pages on one page list
 * @list: MM_LIST_STANDBY or MM_LIST_MODIFIED
 *
 * Return: the count.
 */
long mm_ws_list_count(unsigned int list)
{
	return list < MM_LISTS ? atomic_long_read(&mm_lists[list].count) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_list_count);

/**
 * mm_query_system_memory() - the system's NT memory, for system information
 * @m: out: every field
 */
void mm_query_system_memory(struct mm_system_memory *m)
{
	unsigned long n[NTX_FAULT_KINDS];
	unsigned int k;

	m->standby = max(mm_ws_list_count(MM_LIST_STANDBY), 0L);
	m->modified = max(mm_ws_list_count(MM_LIST_MODIFIED), 0L);
	mm_query_commit(m);
	mm_fault_counts(n);
	m->faults = 0;
	for (k = 0; k < NTX_FAULT_KINDS; k++)
		m->faults += n[k];
	m->demand_zero_faults = n[NTX_FAULT_DEMAND_ZERO];
	m->file_faults = n[NTX_FAULT_FILE];
	m->copy_on_write_faults = n[NTX_FAULT_COPY_ON_WRITE];
	m->transition_faults = max(mm_ws_stat(MM_STAT_TRANSITION), 0L);
	m->page_reads = max(mm_ws_stat(MM_STAT_PAGE_READS), 0L);
	m->page_read_ios = max(mm_ws_stat(MM_STAT_PAGE_READ_IOS), 0L);
	m->pagefile_writes = max(mm_ws_stat(MM_STAT_PAGEFILE_WRITES), 0L);
	m->repurposed = max(mm_ws_stat(MM_STAT_REPURPOSED), 0L);
	m->pagefile_pages = mm_pagefile_pages();
}
EXPORT_SYMBOL_IF_KUNIT(mm_query_system_memory);

/**
 * mm_ws_stat() - one of the working-set counters
 * @which: MM_STAT_*
 *
 * Return: its value.
 */
long mm_ws_stat(unsigned int which)
{
	return which < MM_WS_STATS ? atomic_long_read(&mm_stats[which]) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_stat);

/**
 * mm_ws_stat_add() - count an event of the memory manager's
 * @which: MM_STAT_*
 * @n: how many
 */
void mm_ws_stat_add(unsigned int which, long n)
{
	if (which < MM_WS_STATS)
		atomic_long_add(n, &mm_stats[which]);
}

static void mm_pfn_insert(struct page *page, unsigned int list, u32 id)
{
	spin_lock(&mm_pfn_lock);
	list_add_tail(&page->lru, &mm_lists[list].head);
	set_page_private(page, ((unsigned long)id << MM_PFN_ID_SHIFT) | MM_PFN_LISTED | list);
	atomic_long_inc(&mm_lists[list].count);
	spin_unlock(&mm_pfn_lock);
}

/* The list a listed page is on, as ntexec_page_list names it. */
static unsigned int mm_pfn_list_of(struct page *page)
{
	return (page_private(page) & MM_PFN_LIST_MASK) == MM_LIST_STANDBY ?
	       NTX_PAGE_LIST_STANDBY : NTX_PAGE_LIST_MODIFIED;
}

static void mm_pfn_remove(struct page *page)
{
	unsigned long list = page_private(page);

	if (WARN_ON_ONCE(!(list & MM_PFN_LISTED) ||
			 (list & MM_PFN_LIST_MASK) >= MM_LISTS))
		return;
	spin_lock(&mm_pfn_lock);
	list_del_init(&page->lru);
	set_page_private(page, 0);
	atomic_long_dec(&mm_lists[list & MM_PFN_LIST_MASK].count);
	spin_unlock(&mm_pfn_lock);
}

/**
 * mm_ws_space_init() - a new space's working set: empty, Windows' limits
 * @space: the space, not yet shared
 */
void mm_ws_space_init(struct mm_space *space)
{
	unsigned int i;

	xa_init(&space->discarded);
	xa_init(&space->paged);
	for (i = 0; i < MM_WS_AGES; i++)
		INIT_LIST_HEAD(&space->ws_age[i]);
	INIT_LIST_HEAD(&space->ws_parked);
	space->ws_min = MM_WS_DEFAULT_MIN;
	space->ws_max = MM_WS_DEFAULT_MAX;
}

/**
 * mm_ws_register() - make a new space known to the balance set manager
 * @space: the space, complete
 *
 * Return: 0 or -ENOMEM.
 */
int mm_ws_register(struct mm_space *space)
{
	return xa_alloc(&mm_spaces, &space->ws_id, space, xa_limit_32b,
			GFP_KERNEL_ACCOUNT);
}

/**
 * mm_ws_unregister() - forget a space whose last reference went
 * @space: the space (registered or not)
 */
void mm_ws_unregister(struct mm_space *space)
{
	xa_cmpxchg(&mm_spaces, space->ws_id, space, NULL, 0);
}

/**
 * mm_ws_next_space() - the next registered space, referenced
 * @id: in/out: where to look from; the space's number + 1 afterwards
 *
 * Return: a referenced space (mm_space_put() it), or NULL at the end.
 */
struct mm_space *mm_ws_next_space(unsigned long *id)
{
	struct mm_space *space;

	xa_lock(&mm_spaces);
	for (;;) {
		space = xa_find(&mm_spaces, id, U32_MAX, XA_PRESENT);
		if (!space)
			break;
		(*id)++;
		/* A space whose last reference is going is being erased. */
		if (kref_get_unless_zero(&space->ref))
			break;
	}
	xa_unlock(&mm_spaces);
	return space;
}

static unsigned int mm_ws_age_of(struct page *page)
{
	return page_private(page) & MM_WS_AGE_MASK;
}

/* Put a page of the working set on the list of @age, last. */
static void mm_ws_link(struct mm_space *space, struct page *page,
		       unsigned int age)
{
	list_add_tail(&page->lru, &space->ws_age[age]);
	space->ws_age_count[age]++;
	set_page_private(page, age);
}

/* Take a page of the working set off its age list (or the parked list). */
static void mm_ws_unlink(struct mm_space *space, struct page *page)
{
	list_del_init(&page->lru);
	if (!(page_private(page) & MM_WS_PARKED))
		space->ws_age_count[mm_ws_age_of(page)]--;
	set_page_private(page, 0);
}

static void mm_ws_add(struct mm_space *space, unsigned long idx,
		      struct page *page)
{
	xa_set_mark(&space->pages, idx, MM_WS_VALID);
	page->index = idx;
	mm_ws_link(space, page, 0);
	space->ws++;
	space->peak_ws = max(space->peak_ws, space->ws);
	atomic_long_inc(&mm_stats[MM_STAT_WS]);
}

/**
 * mm_ws_new_page() - a page just made (zeroed) enters the working set
 * @space: the space, its lock held
 * @idx: the page's index in @space->pages, where it is stored
 * @page: the page
 */
void mm_ws_new_page(struct mm_space *space, unsigned long idx,
		    struct page *page)
{
	lockdep_assert_held(&space->lock);
	mm_ws_add(space, idx, page);
	space->demand_zero_faults++;
}

/**
 * mm_ws_fault_back() - make sure a page of the space is in its working set
 * @space: the space, its lock held
 * @idx: the page's index in @space->pages
 * @page: the page there
 *
 * A page on a list comes off it: a soft (transition) fault. It enters the
 * working set as a new page does, at age 0.
 */
void mm_ws_fault_back(struct mm_space *space, unsigned long idx,
		      struct page *page)
{
	lockdep_assert_held(&space->lock);
	if (xa_get_mark(&space->pages, idx, MM_WS_VALID))
		return;
	trace_ntexec_page_list(&space->vads, idx << PAGE_SHIFT, mm_pfn_list_of(page),
			       NTX_PAGE_LIST_ACTIVE);
	mm_pfn_remove(page);
	xa_clear_mark(&space->pages, idx, MM_WS_MODIFIED);
	/* A standby page keeps its copy until it is written (mm_ws_dirtied()). */
	mm_ws_add(space, idx, page);
	space->transition_faults++;
	atomic_long_inc(&mm_stats[MM_STAT_TRANSITION]);
}

/**
 * mm_ws_transition() - whether a page of the space is trimmed (on a list)
 * @space: the space, its lock held
 * @idx: the page's index
 *
 * Return: true if the space holds the page and it is not in the working set.
 */
bool mm_ws_transition(struct mm_space *space, unsigned long idx)
{
	lockdep_assert_held(&space->lock);
	return xa_load(&space->pages, idx) &&
	       !xa_get_mark(&space->pages, idx, MM_WS_VALID);
}

/**
 * mm_ws_forget() - a page leaves the space (decommit, release, rundown)
 * @space: the space, its lock held
 * @idx: its index, still stored in @space->pages
 * @page: the page, which the caller frees once no PTE maps it
 */
void mm_ws_forget(struct mm_space *space, unsigned long idx, struct page *page)
{
	lockdep_assert_held(&space->lock);
	if (xa_get_mark(&space->pages, idx, MM_WS_VALID)) {
		mm_ws_unlink(space, page);
		space->ws--;
		atomic_long_dec(&mm_stats[MM_STAT_WS]);
	} else {
		trace_ntexec_page_list(&space->vads, idx << PAGE_SHIFT,
				       mm_pfn_list_of(page), NTX_PAGE_LIST_FREE);
		mm_pfn_remove(page);
	}
	page->index = 0;
}

/**
 * mm_ws_page_age() - the age of a page of the working set
 * @space: the space, its lock held
 * @idx: the page's index
 *
 * Return: its age, MM_WS_AGES for a parked (locked) page, or U32_MAX when
 * the page is not in the working set.
 */
unsigned int mm_ws_page_age(struct mm_space *space, unsigned long idx)
{
	struct page *page = xa_load(&space->pages, idx);

	lockdep_assert_held(&space->lock);
	if (!page || !xa_get_mark(&space->pages, idx, MM_WS_VALID))
		return U32_MAX;
	if (page_private(page) & MM_WS_PARKED)
		return MM_WS_AGES;
	return mm_ws_age_of(page);
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_page_age);

/*
 * Take one page out of the working set (its PTE is zapped by the caller
 * before the space's lock is dropped): onto the modified list, onto
 * standby if its paging-file copy is still good, or freed when MEM_RESET
 * said its contents may go and the discard can be remembered. Return: the
 * page went to @freed.
 */
static bool mm_ws_remove(struct mm_space *space, unsigned long idx,
			 struct page *page, u16 state, struct list_head *freed)
{
	void *slot;

	xa_clear_mark(&space->pages, idx, MM_WS_VALID);
	mm_ws_unlink(space, page);
	space->ws--;
	space->trimmed++;
	atomic_long_dec(&mm_stats[MM_STAT_WS]);
	atomic_long_inc(&mm_stats[MM_STAT_TRIMMED]);
	if ((state & MM_PAGE_RESET) &&
	    !xa_err(xa_store(&space->discarded, idx, xa_mk_value(1), GFP_KERNEL))) {
		slot = xa_erase(&space->paged, idx);
		if (slot)
			mm_pagefile_slot_put(xa_to_value(slot));
		xa_erase(&space->pages, idx);
		mm_resident_sub(space);
		page->index = 0;
		list_add_tail(&page->lru, freed);
		atomic_long_inc(&mm_stats[MM_STAT_DISCARDED]);
		trace_ntexec_page_list(&space->vads, idx << PAGE_SHIFT,
				       NTX_PAGE_LIST_ACTIVE, NTX_PAGE_LIST_FREE);
		return true;
	}
	/* Unwritten since its copy was read back: clean, onto standby. */
	if (xa_load(&space->paged, idx)) {
		mm_pfn_insert(page, MM_LIST_STANDBY, space->ws_id);
		trace_ntexec_page_list(&space->vads, idx << PAGE_SHIFT, NTX_PAGE_LIST_ACTIVE,
				       NTX_PAGE_LIST_STANDBY);
		return false;
	}
	mm_pfn_insert(page, MM_LIST_MODIFIED, space->ws_id);
	xa_set_mark(&space->pages, idx, MM_WS_MODIFIED);
	trace_ntexec_page_list(&space->vads, idx << PAGE_SHIFT, NTX_PAGE_LIST_ACTIVE,
			       NTX_PAGE_LIST_MODIFIED);
	return false;
}

/**
 * mm_ws_dirtied() - a page of the space is about to be written
 * @space: the space, its lock held
 * @idx: the page's index
 *
 * A page that still has its copy in a paging file (read back, or faulted
 * back from standby, and not written since) loses it: it is modified from
 * now on. Called through mm_page_written(), which every write passes.
 */
void mm_ws_dirtied(struct mm_space *space, unsigned long idx)
{
	void *slot;

	lockdep_assert_held(&space->lock);
	slot = xa_erase(&space->paged, idx);
	if (slot)
		mm_pagefile_slot_put(xa_to_value(slot));
}

/*
 * Whether the trimmer may take the page of @idx now: 1 yes, 0 not now (a
 * copy holds it, its VAD is being made), -1 it is locked.
 */
static int mm_ws_trimmable(struct mm_space *space, struct mm_vad **vadp,
			   unsigned long idx, struct page *page, u16 *state)
{
	unsigned long addr = idx << PAGE_SHIFT;
	struct mm_vad *vad = *vadp;

	if (!vad || addr < vad->start || addr >= vad->end) {
		vad = mm_vad_find(&space->vads, addr);
		*vadp = vad;
	}
	if (WARN_ON_ONCE(!vad) || vad->pending)
		return 0;
	*state = mm_vad_page_state(vad, addr);
	if (*state & MM_PAGE_LOCKED)
		return -1;
	/* Pages a copy holds stay (copy.c). */
	return page_ref_count(page) == 1;
}

/**
 * mm_ws_trim_aged() - trim the oldest pages of a space's working set
 * @space: the space, its lock held
 * @target: how many to take at most
 * @min_age: take no page younger than this
 * @skip: a page index not to take (the one a fault is mapping), or
 *	ULONG_MAX
 * @freed: discarded pages go here, for mm_put_pages() after the lock
 *
 * From the oldest age list down to @min_age, each list from its head.
 * Each page is looked at once: locked pages are parked, pages that cannot
 * go now move to the end of their list. Runs of trimmed pages are zapped
 * together, before this returns. It holds the lock throughout: long trims
 * go through mm_ws_trim_batched().
 *
 * Return: the number of pages trimmed.
 */
unsigned long mm_ws_trim_aged(struct mm_space *space, unsigned long target,
			      unsigned int min_age, unsigned long skip,
			      struct list_head *freed)
{
	unsigned long idx, run_start = 0, run_end = 0, done = 0, seen = 0, left;
	struct mm_vad *vad = NULL;
	struct list_head *head;
	struct page *page;
	int age, ok;
	u16 state;

	lockdep_assert_held(&space->lock);
	if (space->dead || !space->mapping || !target)
		return 0;
	for (age = MM_WS_AGE_MAX; age >= (int)min_age && done < target; age--) {
		head = &space->ws_age[age];
		for (left = space->ws_age_count[age]; left && done < target; left--) {
			if (WARN_ON_ONCE(list_empty(head)))
				break;
			page = list_first_entry(head, struct page, lru);
			idx = page->index;
			seen++;
			ok = idx == skip ? 0 :
			     mm_ws_trimmable(space, &vad, idx, page, &state);
			if (ok < 0) {
				/* Locked: set aside until unlocked. */
				space->ws_age_count[age]--;
				list_move_tail(&page->lru, &space->ws_parked);
				set_page_private(page, age | MM_WS_PARKED);
				continue;
			}
			if (!ok) {
				list_move_tail(&page->lru, head);
				continue;
			}
			if (run_end != idx) {
				if (run_end > run_start)
					mm_zap(space, run_start << PAGE_SHIFT,
					       run_end << PAGE_SHIFT);
				run_start = idx;
			}
			run_end = idx + 1;
			mm_ws_remove(space, idx, page, state, freed);
			done++;
		}
	}
	if (run_end > run_start)
		mm_zap(space, run_start << PAGE_SHIFT, run_end << PAGE_SHIFT);
	atomic_long_add(seen, &mm_stats[MM_STAT_SCANNED]);
	if (done) {
		trace_ntexec_ws_trim(&space->vads, done, space->ws, min_age);
		/* Read without the lock by mm_ws_report_trims(). */
		WRITE_ONCE(space->trim_unreported, space->trim_unreported + done);
	}
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_trim_aged);

/**
 * mm_ws_trim() - trim pages from a space's working set, oldest first
 * @space: the space, its lock held
 * @target: how many to take at most (ULONG_MAX: every one it may)
 * @skip: a page index not to take, or ULONG_MAX
 * @freed: discarded pages go here, for mm_put_pages() after the lock
 *
 * Return: the number of pages trimmed.
 */
unsigned long mm_ws_trim(struct mm_space *space, unsigned long target,
			 unsigned long skip, struct list_head *freed)
{
	return mm_ws_trim_aged(space, target, 0, skip, freed);
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_trim);

/**
 * mm_ws_report_trims() - send the trims of a space not reported yet
 * @space: the space (referenced), its lock not held
 *
 * One NTEXEC_CMD_WS_TRIM event with the pages trimmed since the last one
 * and what the working set holds now, about the space's process (whose
 * credentials decide which unprivileged subscriber sees it). Nothing is
 * sent when there is nothing new, nobody listens or the process is gone;
 * the count starts again from zero either way. Costs one read when there
 * is nothing to report.
 */
void mm_ws_report_trims(struct mm_space *space)
{
	struct ntx_event_info info = {
		.cmd = NTEXEC_CMD_WS_TRIM, .group = NTEXEC_GROUP_MEMORY,
	};
	unsigned long pages;

	if (!READ_ONCE(space->trim_unreported))
		return;
	mutex_lock(&space->lock);
	pages = space->trim_unreported;
	WRITE_ONCE(space->trim_unreported, 0);
	info.ws_size = (u64)space->ws << PAGE_SHIFT;
	mutex_unlock(&space->lock);
	if (!pages || !space->tgid || !ntx_event_wanted(NTEXEC_GROUP_MEMORY))
		return;
	info.subject = get_pid_task(space->tgid, PIDTYPE_TGID);
	if (!info.subject)
		return;
	info.process = space->tgid;
	info.size = (u64)pages << PAGE_SHIFT;
	ntx_event_send(&info);
	put_task_struct(info.subject);
}

/**
 * mm_ws_trim_batched() - a long trim that lets go of the space's lock
 * @space: the space (referenced), its lock not held
 * @target: how many pages to take at most
 * @min_age: take no page younger than this
 * @floor: leave at least this many pages in the working set
 * @killable: the caller waits for it: stop for a fatal signal
 *
 * MM_WS_TRIM_BATCH pages per hold of the lock; between batches faults,
 * frees and other services of the process go on, and the next batch takes
 * the working set as it finds it. It stops when a batch finds nothing
 * more it may take, so pages faulted in meanwhile cannot keep it going
 * beyond @target.
 *
 * Return: the number of pages trimmed.
 */
unsigned long mm_ws_trim_batched(struct mm_space *space, unsigned long target,
				 unsigned int min_age, unsigned long floor,
				 bool killable)
{
	unsigned long done = 0, want, n;

	while (done < target) {
		LIST_HEAD(freed);

		mutex_lock(&space->lock);
		want = 0;
		if (space->ws > floor)
			want = min3(MM_WS_TRIM_BATCH, target - done, space->ws - floor);
		n = mm_ws_trim_aged(space, want, min_age, ULONG_MAX, &freed);
		mutex_unlock(&space->lock);
		mm_put_pages(&freed);
		done += n;
		if (!want || n < want || done >= target)
			break;
		atomic_long_inc(&mm_stats[MM_STAT_BREAKS]);
		if (killable && fatal_signal_pending(current))
			break;
		cond_resched();
	}
	mm_ws_report_trims(space);
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_trim_batched);

/**
 * mm_ws_replace() - keep a hard working-set maximum after a page came in
 * @space: the space, its lock held
 * @skip: the page index just brought in (it stays)
 * @freed: as for mm_ws_trim()
 *
 * With QUOTA_LIMITS_HARDWS_MAX_ENABLE, or a job's working-set limit, the
 * working set never passes its maximum: the oldest pages make room. This
 * costs O(1) per fault however many pages are locked: a locked page is
 * parked the first time a trim meets it. A soft maximum is left to the
 * balance set manager.
 */
void mm_ws_replace(struct mm_space *space, unsigned long skip,
		   struct list_head *freed)
{
	unsigned long max = mm_ws_hard_max_of(space);

	lockdep_assert_held(&space->lock);
	if (max && space->ws > max)
		mm_ws_trim(space, space->ws - max, skip, freed);
}

/**
 * mm_ws_unlock() - pages of a range were unlocked: trimmable again
 * @space: the space, its lock held
 * @start: first byte
 * @end: end, exclusive
 *
 * Parked pages go back on the age list they left.
 */
void mm_ws_unlock(struct mm_space *space, unsigned long start,
		  unsigned long end)
{
	unsigned long idx;
	struct page *page;

	lockdep_assert_held(&space->lock);
	xa_for_each_range(&space->pages, idx, page, start >> PAGE_SHIFT,
			  (end >> PAGE_SHIFT) - 1) {
		if (!(page_private(page) & MM_WS_PARKED) ||
		    !xa_get_mark(&space->pages, idx, MM_WS_VALID))
			continue;
		list_del(&page->lru);
		mm_ws_link(space, page, mm_ws_age_of(page));
		cond_resched();
	}
}

/* An aging pass over one page table's worth of a space. */
struct mm_age_walk {
	struct mm_space *space;
	unsigned long first;
	DECLARE_BITMAP(young, MM_WS_AGE_CHUNK);
};

/*
 * Under the page table lock: note and clear the Accessed bit of a PTE that
 * maps a page of the working set there (not one of a view's section, nor
 * Linux's own memory sharing the page table).
 */
static int mm_ws_young_pte(pte_t *ptep, unsigned long addr, void *data)
{
	struct mm_age_walk *w = data;
	unsigned long idx = addr >> PAGE_SHIFT;
	pte_t pte = ptep_get(ptep);
	struct page *page;

	if (!pte_present(pte) || !pte_young(pte))
		return 0;
	page = xa_load(&w->space->pages, idx);
	if (!page || pte_pfn(pte) != page_to_pfn(page))
		return 0;
	if (ntx_pte_test_and_clear_young(ptep))
		__set_bit(idx - w->first, w->young);
	return 0;
}

/* Age the working-set pages of one chunk; the space's lock held. */
static unsigned long mm_ws_age_chunk(struct mm_space *space, struct mm_age_walk *w)
{
	unsigned long idx = w->first, last = w->first + MM_WS_AGE_CHUNK - 1, n = 0;
	unsigned int age;
	struct page *page;

	bitmap_zero(w->young, MM_WS_AGE_CHUNK);
	apply_to_existing_page_range(space->mm, w->first << PAGE_SHIFT,
				     MM_WS_AGE_CHUNK << PAGE_SHIFT, mm_ws_young_pte, w);
	for (page = xa_find(&space->pages, &idx, last, MM_WS_VALID); page;
	     page = xa_find_after(&space->pages, &idx, last, MM_WS_VALID)) {
		n++;
		if (page_private(page) & MM_WS_PARKED)
			continue;
		if (test_bit(idx - w->first, w->young)) {
			age = 0;
			atomic_long_inc(&mm_stats[MM_STAT_YOUNG]);
		} else {
			age = min(mm_ws_age_of(page) + 1, MM_WS_AGE_MAX);
		}
		space->ws_age_count[mm_ws_age_of(page)]--;
		list_del(&page->lru);
		mm_ws_link(space, page, age);
	}
	return n;
}

/**
 * mm_ws_age() - an aging pass over a space's working set
 * @space: the space (referenced), no lock held
 *
 * One page table at a time, each under the mm's mmap_lock (read) and the
 * space's lock, so that page tables stay and no page leaves the working
 * set meanwhile. Needs the mm alive (mmget_not_zero()); a space whose mm
 * is exiting is not aged.
 *
 * Return: the number of pages aged.
 */
unsigned long mm_ws_age(struct mm_space *space)
{
	struct mm_struct *mm = space->mm;
	unsigned long idx = 0, n = 0;
	struct mm_age_walk *w;
	bool more = true;
	u64 t0 = ktime_get_ns();

	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return 0;
	w->space = space;
	while (more) {
		if (!mmget_not_zero(mm))
			break;
		mmap_read_lock(mm);
		mutex_lock(&space->lock);
		more = !space->dead && xa_find(&space->pages, &idx, ULONG_MAX, MM_WS_VALID);
		if (more) {
			w->first = ALIGN_DOWN(idx, MM_WS_AGE_CHUNK);
			n += mm_ws_age_chunk(space, w);
			idx = w->first + MM_WS_AGE_CHUNK;
			more = idx != 0 && idx <= (NT_HIGHEST_USER_ADDRESS >> PAGE_SHIFT);
		}
		mutex_unlock(&space->lock);
		mmap_read_unlock(mm);
		mmput(mm);
		cond_resched();
	}
	kfree(w);
	atomic_long_add(n, &mm_stats[MM_STAT_AGED]);
	atomic_long_add(ktime_get_ns() - t0, &mm_stats[MM_STAT_AGING_NS]);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_age);
/**
 * mm_ws_reset() - MEM_RESET on private pages: their contents may go
 * @space: the space, its lock held
 * @vad: the allocation holding the range
 * @start: first byte
 * @end: end, exclusive
 * @freed: pages discarded now go here
 *
 * A new MEM_RESET starts a new record of discards. Pages already trimmed
 * are discarded now (Windows moves them off the modified list without
 * writing them); pages in the working set are discarded when trimmed.
 */
void mm_ws_reset(struct mm_space *space, struct mm_vad *vad,
		 unsigned long start, unsigned long end,
		 struct list_head *freed)
{
	unsigned long idx, first = start >> PAGE_SHIFT, last = (end >> PAGE_SHIFT) - 1;
	struct page *page;
	void *entry;

	lockdep_assert_held(&space->lock);
	xa_for_each_range(&space->discarded, idx, entry, first, last)
		xa_erase(&space->discarded, idx);
	xa_for_each_range(&space->pages, idx, page, first, last) {
		if (xa_get_mark(&space->pages, idx, MM_WS_VALID) ||
		    page_ref_count(page) != 1 ||
		    !(mm_vad_page_state(vad, idx << PAGE_SHIFT) & MM_PAGE_RESET))
			continue;
		if (xa_err(xa_store(&space->discarded, idx, xa_mk_value(1), GFP_KERNEL)))
			continue;
		trace_ntexec_page_list(&space->vads, idx << PAGE_SHIFT,
				       mm_pfn_list_of(page), NTX_PAGE_LIST_FREE);
		mm_pfn_remove(page);
		xa_erase(&space->pages, idx);
		entry = xa_erase(&space->paged, idx);
		if (entry)
			mm_pagefile_slot_put(xa_to_value(entry));
		mm_resident_sub(space);
		page->index = 0;
		list_add_tail(&page->lru, freed);
		atomic_long_inc(&mm_stats[MM_STAT_DISCARDED]);
		cond_resched();
	}
	/* Pages only in a paging file: their copy goes as well. */
	xa_for_each_range(&space->paged, idx, entry, first, last) {
		if (xa_load(&space->pages, idx) ||
		    !(mm_vad_page_state(vad, idx << PAGE_SHIFT) & MM_PAGE_RESET) ||
		    xa_err(xa_store(&space->discarded, idx, xa_mk_value(1), GFP_KERNEL)))
			continue;
		xa_erase(&space->paged, idx);
		mm_pagefile_slot_put(xa_to_value(entry));
		atomic_long_inc(&mm_stats[MM_STAT_DISCARDED]);
		cond_resched();
	}
}

/**
 * mm_ws_reset_undo() - MEM_RESET_UNDO: were the contents kept?
 * @space: the space, its lock held
 * @start: first byte
 * @end: end, exclusive
 *
 * The record of discards in the range goes either way.
 *
 * Return: true if some page of the range was discarded since its MEM_RESET.
 */
bool mm_ws_reset_undo(struct mm_space *space, unsigned long start,
		      unsigned long end)
{
	unsigned long idx;
	bool lost = false;
	void *entry;

	lockdep_assert_held(&space->lock);
	xa_for_each_range(&space->discarded, idx, entry, start >> PAGE_SHIFT,
			  (end >> PAGE_SHIFT) - 1) {
		xa_erase(&space->discarded, idx);
		lost = true;
	}
	return lost;
}

static struct mm_space *mm_ws_get(struct mm_process *mp, struct mm_struct *mm,
				  bool create, ntstatus_t *status)
{
	struct mm_space *space = mm_space_get(mp, mm, create);

	*status = STATUS_SUCCESS;
	if (IS_ERR(space)) {
		*status = STATUS_PROCESS_IS_TERMINATING;
		return NULL;
	}
	if (!space && create)
		*status = STATUS_NO_MEMORY;
	return space;
}

/**
 * mm_set_working_set() - NtSetInformationProcess(ProcessQuotaLimits)'s
 *	working-set part (MmAdjustWorkingSetSizeEx)
 * @mp: the process (PROCESS_SET_QUOTA)
 * @mm: its address space
 * @min_bytes: MinimumWorkingSetSize; 0 keeps the current one
 * @max_bytes: MaximumWorkingSetSize; 0 keeps the current one
 * @flags: QUOTA_LIMITS_HARDWS_* (checked by the caller)
 * @increase_ok: the caller may raise the minimum (CAP_IPC_LOCK, Linux's
 *	SeIncreaseWorkingSetPrivilege)
 *
 * (SIZE_T)-1 for both empties the working set and changes nothing else. A
 * maximum below the working set trims it, oldest pages first. Both trims
 * let go of the space's lock every MM_WS_TRIM_BATCH pages and stop for a
 * fatal signal (the limits are set by then). Limits outside what the system
 * allows are clamped, with STATUS_WORKING_SET_LIMIT_RANGE. While the
 * process's job limits its working set (mm_process_set_job_ws()) only the
 * emptying does anything: other requests succeed and change nothing, as
 * in NT, where the job's limits replace the request.
 *
 * Return: STATUS_SUCCESS, STATUS_WORKING_SET_LIMIT_RANGE,
 * STATUS_BAD_WORKING_SET_LIMIT, STATUS_PRIVILEGE_NOT_HELD,
 * STATUS_NO_MEMORY or STATUS_PROCESS_IS_TERMINATING.
 */
ntstatus_t mm_set_working_set(struct mm_process *mp, struct mm_struct *mm,
			      u64 min_bytes, u64 max_bytes, u32 flags,
			      bool increase_ok)
{
	unsigned long min, max, limit = totalram_pages(), excess = 0;
	struct mm_space *space;
	unsigned int hard;
	ntstatus_t status;

	if (min_bytes == U64_MAX && max_bytes == U64_MAX) {
		space = mm_ws_get(mp, mm, false, &status);
		if (!space)
			return status;
		/* What is there now: pages faulted in meanwhile may stay. */
		mm_ws_trim_batched(space, READ_ONCE(space->ws), 0, 0, true);
		mm_space_put(space);
		return STATUS_SUCCESS;
	}
	space = mm_ws_get(mp, mm, true, &status);
	if (!space)
		return status;
	mutex_lock(&space->lock);
	/*
	 * A job's limits are the process's (NT's PspSetQuotaLimits puts the
	 * job's in place of the request): nothing changes, and it succeeds.
	 */
	if (space->ws_job_max)
		goto out;
	min = min_bytes ? min_t(u64, min_bytes >> PAGE_SHIFT, ULONG_MAX) : space->ws_min;
	max = max_bytes ? min_t(u64, max_bytes >> PAGE_SHIFT, ULONG_MAX) : space->ws_max;
	if (min > max) {
		status = STATUS_BAD_WORKING_SET_LIMIT;
		goto out;
	}
	if (max > limit) {
		max = limit;
		status = STATUS_WORKING_SET_LIMIT_RANGE;
	}
	if (min > limit) {
		min = limit;
		status = STATUS_WORKING_SET_LIMIT_RANGE;
	}
	if (min < MM_WS_SMALLEST_MIN) {
		min = MM_WS_SMALLEST_MIN;
		status = STATUS_WORKING_SET_LIMIT_RANGE;
	}
	/* The locked pages must leave the working set room to move. */
	if (space->locked + MM_WS_FLUID >= max) {
		status = STATUS_BAD_WORKING_SET_LIMIT;
		goto out;
	}
	hard = space->ws_flags;
	if (flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE)
		hard |= MM_WS_HARD_MIN;
	if (flags & QUOTA_LIMITS_HARDWS_MIN_DISABLE)
		hard &= ~MM_WS_HARD_MIN;
	if (flags & QUOTA_LIMITS_HARDWS_MAX_ENABLE)
		hard |= MM_WS_HARD_MAX;
	if (flags & QUOTA_LIMITS_HARDWS_MAX_DISABLE)
		hard &= ~MM_WS_HARD_MAX;
	/* Hard limits must not starve the process. */
	if (hard && min + MM_WS_FLUID >= max) {
		status = STATUS_BAD_WORKING_SET_LIMIT;
		goto out;
	}
	if (min > space->ws_min && !increase_ok) {
		status = STATUS_PRIVILEGE_NOT_HELD;
		goto out;
	}
	space->ws_min = min;
	space->ws_max = max;
	space->ws_flags = hard;
	excess = space->ws > max ? space->ws - max : 0;
out:
	mutex_unlock(&space->lock);
	/* The new maximum is in force: trim down to it, in batches. */
	if (excess)
		mm_ws_trim_batched(space, excess, 0, max, true);
	mm_space_put(space);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_set_working_set);

/**
 * mm_query_working_set_limits() - ProcessQuotaLimits' working-set part
 * @mp: the process
 * @min: out: MinimumWorkingSetSize, bytes
 * @max: out: MaximumWorkingSetSize, bytes
 * @flags: out: QUOTA_LIMITS_HARDWS_MIN/MAX_ENABLE or _DISABLE
 *
 * Windows' defaults while the process has no NT memory; its job's limits,
 * with QUOTA_LIMITS_HARDWS_MAX_ENABLE, while the job imposes them.
 */
void mm_query_working_set_limits(struct mm_process *mp, u64 *min, u64 *max,
				 u32 *flags)
{
	unsigned long lo = MM_WS_DEFAULT_MIN, hi = MM_WS_DEFAULT_MAX;
	unsigned long job_min, job_max;
	struct mm_space *space;
	unsigned int hard = 0;

	spin_lock(&mp->lock);
	job_min = mp->ws_job_min;
	job_max = mp->ws_job_max;
	space = mp->space;
	if (space)
		kref_get(&space->ref);
	spin_unlock(&mp->lock);
	if (space) {
		mutex_lock(&space->lock);
		lo = space->ws_min;
		hi = space->ws_max;
		hard = space->ws_flags;
		job_min = space->ws_job_min;
		job_max = space->ws_job_max;
		mutex_unlock(&space->lock);
		mm_space_put(space);
	}
	if (job_max) {
		lo = job_min;
		hi = job_max;
		hard |= MM_WS_HARD_MAX;
	}
	*min = (u64)lo << PAGE_SHIFT;
	*max = (u64)hi << PAGE_SHIFT;
	*flags = (hard & MM_WS_HARD_MIN ? QUOTA_LIMITS_HARDWS_MIN_ENABLE :
					  QUOTA_LIMITS_HARDWS_MIN_DISABLE) |
		 (hard & MM_WS_HARD_MAX ? QUOTA_LIMITS_HARDWS_MAX_ENABLE :
					  QUOTA_LIMITS_HARDWS_MAX_DISABLE);
}

/**
 * mm_job_ws_pages() - check a job's working-set limit (JOB_OBJECT_LIMIT_WORKINGSET)
 * @min_bytes: MinimumWorkingSetSize
 * @max_bytes: MaximumWorkingSetSize
 * @min: out: the minimum in pages, at least MM_WS_SMALLEST_MIN
 * @max: out: the maximum in pages, at most the RAM
 *
 * Both are needed; clamped as ProcessQuotaLimits clamps them, the maximum
 * must leave the minimum room to move (the job's maximum is hard).
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER (one of them zero),
 * STATUS_BAD_WORKING_SET_LIMIT.
 */
ntstatus_t mm_job_ws_pages(u64 min_bytes, u64 max_bytes, unsigned long *min,
			   unsigned long *max)
{
	unsigned long limit = totalram_pages();
	u64 lo = min_bytes >> PAGE_SHIFT, hi = max_bytes >> PAGE_SHIFT;

	if (!min_bytes || !max_bytes)
		return STATUS_INVALID_PARAMETER;
	if (lo > hi)
		return STATUS_BAD_WORKING_SET_LIMIT;
	hi = min_t(u64, hi, limit);
	lo = clamp_t(u64, lo, MM_WS_SMALLEST_MIN, limit);
	if (lo + MM_WS_FLUID >= hi)
		return STATUS_BAD_WORKING_SET_LIMIT;
	*min = lo;
	*max = hi;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_job_ws_pages);

/**
 * mm_process_set_job_ws() - the working-set limits a process's job imposes
 * @mp: the process
 * @min: the minimum, pages (mm_job_ws_pages())
 * @max: the hard maximum, pages; 0 (with @min 0) gives the process its own
 *	limits back
 *
 * In force for its space now (a working set above @max is trimmed to it,
 * in batches) and for any space it gets later. The process's own limits
 * stay recorded underneath. Callers serialize the calls for a process
 * (ntps/job.c: ps_job_apply_lock); no lock held.
 */
void mm_process_set_job_ws(struct mm_process *mp, unsigned long min, unsigned long max)
{
	unsigned long excess = 0;
	struct mm_space *space;

	spin_lock(&mp->lock);
	mp->ws_job_min = min;
	mp->ws_job_max = max;
	space = mp->space;
	if (space)
		kref_get(&space->ref);
	spin_unlock(&mp->lock);
	if (!space)
		return;
	mutex_lock(&space->lock);
	WRITE_ONCE(space->ws_job_min, min);
	WRITE_ONCE(space->ws_job_max, max);
	if (max && space->ws > max)
		excess = space->ws - max;
	mutex_unlock(&space->lock);
	if (excess)
		mm_ws_trim_batched(space, excess, 0, max, true);
	mm_space_put(space);
}
EXPORT_SYMBOL_IF_KUNIT(mm_process_set_job_ws);

/* MEMORY_WORKING_SET_EX_BLOCK's fields (x64). */
#define WSX_VALID		BIT_ULL(0)
#define WSX_SHARE_COUNT(n)	((u64)(n) << 1)
#define WSX_PROTECTION(p)	((u64)(p) << 4)
#define WSX_SHARED		BIT_ULL(15)
#define WSX_LOCKED		BIT_ULL(22)
#define WSX_PRIORITY(p)		((u64)(p) << 24)
/* ... when the page is not valid */
#define WSX_LOCATION_RESIDENT	(1ULL << 22)
#define WSX_MODIFIED_LIST	BIT_ULL(27)
/* Windows' normal page priority. */
#define MM_PAGE_PRIORITY_NORMAL	5

/* The MEMORY_WORKING_SET_EX_BLOCK of one page, the space's lock held. */
static u64 mm_ws_ex_block(struct mm_space *space, unsigned long addr)
{
	unsigned long idx = addr >> PAGE_SHIFT;
	struct mm_vad *vad = mm_vad_find(&space->vads, addr);
	struct page *page;
	u64 block;
	u16 state;

	if (!vad || vad->pending)
		return 0;
	state = mm_page_state(vad, addr);
	if (!(state & MM_PAGE_COMMITTED))
		return 0;
	if (vad->section && !(state & MM_PAGE_PRIVATE)) {
		/*
		 * A view's page is the section's: resident while the segment
		 * holds it, and not trimmed from views yet. How many
		 * processes map it is not tracked: 1.
		 */
		page = mm_segment_page(vad->section->segment,
				       mm_view_index(vad, addr), false);
		if (!page)
			return WSX_SHARED;
		block = WSX_VALID | WSX_SHARE_COUNT(1) | WSX_SHARED;
	} else {
		page = xa_load(&space->pages, idx);
		if (!page)
			return 0;	/* demand zero: not resident */
		if (!xa_get_mark(&space->pages, idx, MM_WS_VALID))
			return WSX_LOCATION_RESIDENT | WSX_MODIFIED_LIST |
			       WSX_PRIORITY(MM_PAGE_PRIORITY_NORMAL);
		block = WSX_VALID;
	}
	block |= WSX_PROTECTION(state & MM_PAGE_PROT_MASK) |
		 WSX_PRIORITY(MM_PAGE_PRIORITY_NORMAL);
	if (state & MM_PAGE_LOCKED)
		block |= WSX_LOCKED;
	return block;
}

/**
 * mm_query_working_set_ex() - NtQueryVirtualMemory(MemoryWorkingSetExInformation)
 * @mp: the process (PROCESS_QUERY_INFORMATION)
 * @mm: its address space
 * @entries: MEMORY_WORKING_SET_EX_INFORMATION entries: the addresses in,
 *	their attributes out
 * @n: how many
 *
 * An address that is not the module's memory, or not resident, reads as
 * 0 (not valid), as Windows answers for a page that is not in the working
 * set.
 *
 * Return: STATUS_SUCCESS or STATUS_PROCESS_IS_TERMINATING.
 */
ntstatus_t mm_query_working_set_ex(struct mm_process *mp, struct mm_struct *mm,
				   struct nt_ws_ex_entry *entries, unsigned long n)
{
	struct mm_space *space;
	ntstatus_t status;
	unsigned long i;

	space = mm_ws_get(mp, mm, false, &status);
	if (status)
		return status;
	if (space)
		mutex_lock(&space->lock);
	for (i = 0; i < n; i++) {
		entries[i].attributes = 0;
		if (space && !space->dead && entries[i].address <= NT_HIGHEST_USER_ADDRESS)
			entries[i].attributes =
				mm_ws_ex_block(space, entries[i].address & PAGE_MASK);
	}
	if (space) {
		mutex_unlock(&space->lock);
		mm_space_put(space);
	}
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_query_working_set_ex);

/* MEMORY_WORKING_SET_BLOCK's 5-bit protection, Windows' MM_* encoding. */
static u64 mm_ws_protection(u16 state)
{
	/* By the bit of the base protection: PAGE_NOACCESS (1) ... */
	static const u8 code[] = {
		[0] = 0, [1] = 24 /* NOACCESS */, [2] = 1 /* READONLY */,
		[3] = 4 /* READWRITE */, [4] = 5 /* WRITECOPY */,
		[5] = 2 /* EXECUTE */, [6] = 3 /* EXECUTE_READ */,
		[7] = 6 /* EXECUTE_READWRITE */, [8] = 7 /* EXECUTE_WRITECOPY */,
	};
	u16 prot = state & NT_PAGE_BASE_MASK;
	u8 mmp = code[min_t(unsigned int, ffs(prot), ARRAY_SIZE(code) - 1)];

	if (state & NT_PAGE_GUARD)
		mmp |= 0x10;
	if (state & NT_PAGE_NOCACHE)
		mmp |= 0x08;
	if (state & NT_PAGE_WRITECOMBINE)
		mmp |= 0x18;
	return mmp & 0x1f;
}

#define MM_WS_BATCH	256

/**
 * mm_query_working_set() - NtQueryVirtualMemory(MemoryWorkingSetInformation)
 * @mp: the process (PROCESS_QUERY_INFORMATION)
 * @mm: its address space
 * @capacity: how many MEMORY_WORKING_SET_BLOCKs the caller's buffer holds
 * @store: stores blocks at an index of the caller's array
 * @ctx: for @store
 * @count: out: NumberOfEntries: the pages in the working set
 *
 * The module's pages of the working set, by address, in batches: the
 * space's lock is dropped between batches (@store touches user memory), so
 * a working set that changes meanwhile is seen partly before, partly
 * after. Linux's own pages of the process are not listed.
 *
 * Return: STATUS_SUCCESS; STATUS_INFO_LENGTH_MISMATCH when more than
 * @capacity pages are in it (@count says how many); STATUS_ACCESS_VIOLATION
 * when @store fails; STATUS_PROCESS_IS_TERMINATING.
 */
ntstatus_t mm_query_working_set(struct mm_process *mp, struct mm_struct *mm,
				u64 capacity, mm_watch_store_t store, void *ctx,
				u64 *count)
{
	unsigned long idx = 0, n, i;
	struct mm_space *space;
	struct mm_vad *vad;
	struct page *page;
	ntstatus_t status;
	u64 *blocks, found = 0;

	space = mm_ws_get(mp, mm, false, &status);
	if (status)
		return status;
	*count = 0;
	if (!space)
		return STATUS_SUCCESS;
	blocks = kmalloc_array(MM_WS_BATCH, sizeof(*blocks), GFP_KERNEL);
	if (!blocks) {
		mm_space_put(space);
		return STATUS_NO_MEMORY;
	}
	for (;;) {
		n = 0;
		mutex_lock(&space->lock);
		vad = NULL;
		for (page = xa_find(&space->pages, &idx, ULONG_MAX, MM_WS_VALID);
		     page && n < MM_WS_BATCH;
		     page = xa_find_after(&space->pages, &idx, ULONG_MAX, MM_WS_VALID)) {
			unsigned long addr = idx << PAGE_SHIFT;

			if (!vad || addr < vad->start || addr >= vad->end)
				vad = mm_vad_find(&space->vads, addr);
			blocks[n++] = addr |
				(vad ? mm_ws_protection(mm_vad_page_state(vad, addr)) : 0);
		}
		mutex_unlock(&space->lock);
		if (!n)
			break;
		if (found < capacity) {
			i = min_t(u64, n, capacity - found);
			if (store(ctx, found, blocks, i)) {
				status = STATUS_ACCESS_VIOLATION;
				break;
			}
		}
		found += n;
		idx = (blocks[n - 1] >> PAGE_SHIFT) + 1;
		if (!idx || fatal_signal_pending(current))
			break;
		cond_resched();
	}
	kfree(blocks);
	mm_space_put(space);
	*count = found;
	if (!status && found > capacity)
		status = STATUS_INFO_LENGTH_MISMATCH;
	return status;
}

/**
 * mm_ws_init() - the page lists, empty
 *
 * Return: 0.
 */
int mm_ws_init(void)
{
	unsigned int i;

	for (i = 0; i < MM_LISTS; i++)
		INIT_LIST_HEAD(&mm_lists[i].head);
	return 0;
}

/* Every space is run down by now: its pages left the lists with it. */
void mm_ws_exit(void)
{
	unsigned int i;

	for (i = 0; i < MM_LISTS; i++)
		WARN_ON_ONCE(!list_empty(&mm_lists[i].head));
	WARN_ON_ONCE(!xa_empty(&mm_spaces));
	xa_destroy(&mm_spaces);
}

/**
 * mm_ws_forget_paged() - a range leaves the space: free its paging-file copies
 * @space: the space, its lock held
 * @first: first page index
 * @last: last page index, inclusive
 */
void mm_ws_forget_paged(struct mm_space *space, unsigned long first,
			unsigned long last)
{
	unsigned long idx;
	void *entry;

	lockdep_assert_held(&space->lock);
	xa_for_each_range(&space->paged, idx, entry, first, last) {
		xa_erase(&space->paged, idx);
		mm_pagefile_slot_put(xa_to_value(entry));
		cond_resched();
	}
}

/**
 * mm_ws_page_in_cluster() - the pages a hard fault may read with its own
 * @space: the space, its lock held
 * @idx: the faulting page's index: only in a paging file
 *
 * The pages that follow @idx, each only in a paging file, in the slot that
 * follows the one before (the modified page writer gives neighbouring pages
 * neighbouring slots), up to MM_PAGE_IN_CLUSTER pages in all.
 *
 * Return: how many (0 to MM_PAGE_IN_CLUSTER - 1).
 */
unsigned int mm_ws_page_in_cluster(struct mm_space *space, unsigned long idx)
{
	unsigned long slot = xa_to_value(xa_load(&space->paged, idx));
	unsigned int j;
	void *entry;

	lockdep_assert_held(&space->lock);
	for (j = 1; j < MM_PAGE_IN_CLUSTER && idx + j > idx; j++) {
		entry = xa_load(&space->paged, idx + j);
		if (!entry || xa_load(&space->pages, idx + j) ||
		    !mm_pagefile_slot_next(slot + j - 1, xa_to_value(entry)))
			break;
	}
	return j - 1;
}

/**
 * mm_ws_page_in() - a hard fault: read a page back from its paging file
 * @space: the space, its lock held
 * @idx: the page's index: not in @space->pages, a slot in @space->paged
 * @pages: new pages, charged as mm_get_page() charges them: the page's and
 *	those of the @n - 1 pages after it (mm_ws_page_in_cluster())
 * @n: how many
 *
 * One read for all of them. The page takes the index in @space->pages and
 * enters the working set, and keeps its slot until it is written
 * (mm_ws_dirtied()): trimmed unwritten, it goes to standby with no write.
 * The cluster's other pages go
 * to the standby list, as NT puts the pages a page-in cluster brought:
 * resident, their copies kept, mapped by a soft fault if touched, freed
 * first if not. On failure the caller frees every page; on success the
 * pages are the space's (one that could not be indexed is freed here).
 *
 * Return: @pages[0], or NULL (the read failed: STATUS_IN_PAGE_ERROR for
 * the access; or no memory for the index).
 */
struct page *mm_ws_page_in(struct mm_space *space, unsigned long idx,
			   struct page **pages, unsigned int n)
{
	void *entry = xa_load(&space->paged, idx);
	struct page *page = pages[0];
	unsigned int j;

	lockdep_assert_held(&space->lock);
	if (WARN_ON_ONCE(!entry))
		return NULL;
	if (mm_pagefile_io_pages(xa_to_value(entry), pages, n, false)) {
		atomic_long_inc(&mm_stats[MM_STAT_PAGEFILE_ERRORS]);
		return NULL;
	}
	if (xa_err(xa_store(&space->pages, idx, page, GFP_KERNEL_ACCOUNT)))
		return NULL;
	mm_resident_add(space);
	mm_ws_add(space, idx, page);
	for (j = 1; j < n; j++) {
		if (xa_err(xa_store(&space->pages, idx + j, pages[j], GFP_KERNEL_ACCOUNT))) {
			__free_page(pages[j]);
			continue;
		}
		pages[j]->index = idx + j;
		mm_resident_add(space);
		mm_pfn_insert(pages[j], MM_LIST_STANDBY, space->ws_id);
		spin_lock(&mm_pfn_lock);
		set_page_private(pages[j], page_private(pages[j]) | MM_PFN_FRESH);
		spin_unlock(&mm_pfn_lock);
		trace_ntexec_page_list(&space->vads, (idx + j) << PAGE_SHIFT,
				       NTX_PAGE_LIST_FREE, NTX_PAGE_LIST_STANDBY);
	}
	atomic_long_add(n, &mm_stats[MM_STAT_PAGE_READS]);
	atomic_long_inc(&mm_stats[MM_STAT_PAGE_READ_IOS]);
	return page;
}

/*
 * Pages the modified page writer takes per hold of a space's lock, in
 * index order, written with one I/O per run of neighbouring slots.
 */
#define MM_WRITE_BATCH		MM_PAGEFILE_IO_MAX

struct mm_write_item {
	unsigned long idx;
	struct page *page;
	long slot;
};

/*
 * Under the space's lock: after the write, a page still on the modified
 * list with MM_PFN_WRITING was not touched meanwhile: it goes to standby
 * with its slot. Anything else keeps no slot.
 */
static bool mm_ws_written(struct mm_space *space, struct mm_write_item *w)
{
	unsigned long want = ((unsigned long)space->ws_id << MM_PFN_ID_SHIFT) |
			     MM_PFN_LISTED | MM_PFN_WRITING | MM_LIST_MODIFIED;
	struct page *page = w->page;

	if (xa_load(&space->pages, w->idx) != page || page_private(page) != want) {
		if (w->slot >= 0)
			mm_pagefile_slot_put(w->slot);
		return false;
	}
	set_page_private(page, want & ~MM_PFN_WRITING);
	if (w->slot < 0 ||
	    xa_err(xa_store(&space->paged, w->idx, xa_mk_value(w->slot), GFP_KERNEL_ACCOUNT))) {
		if (w->slot >= 0)
			mm_pagefile_slot_put(w->slot);
		return false;
	}
	trace_ntexec_page_list(&space->vads, w->idx << PAGE_SHIFT, NTX_PAGE_LIST_MODIFIED,
			       NTX_PAGE_LIST_STANDBY);
	mm_pfn_remove(page);
	xa_clear_mark(&space->pages, w->idx, MM_WS_MODIFIED);
	mm_pfn_insert(page, MM_LIST_STANDBY, space->ws_id);
	return true;
}

/**
 * mm_ws_write_modified() - the modified page writer, for one space
 * @space: the space (referenced), its lock not held
 * @max: how many pages to write at most
 * @killable: the caller waits for it: stop for a fatal signal
 *
 * Takes MM_WRITE_BATCH modified pages at a time under the space's lock
 * (with a page reference each, and MM_PFN_WRITING), writes them to paging
 * file slots without the lock (a run of neighbouring slots per I/O, so that
 * neighbouring pages lie together for the hard faults' clusters), and moves
 * those nobody touched meanwhile to the standby list. A page faulted back during its write just loses the
 * slot. Stops when every paging file is full or nothing is left.
 *
 * Return: the pages moved to standby.
 */
unsigned long mm_ws_write_modified(struct mm_space *space, unsigned long max,
				   bool killable)
{
	struct mm_write_item w[MM_WRITE_BATCH];
	struct page *run_pages[MM_WRITE_BATCH];
	unsigned int n, i, j, run, written;
	unsigned long done = 0, idx;
	struct page *page;
	long slot;

	while (done < max) {
		n = 0;
		idx = 0;
		mutex_lock(&space->lock);
		if (space->dead) {
			mutex_unlock(&space->lock);
			break;
		}
		xa_for_each_marked(&space->pages, idx, page, MM_WS_MODIFIED) {
			if ((page_private(page) & MM_PFN_WRITING) || page_ref_count(page) != 1)
				continue;
			get_page(page);
			set_page_private(page, page_private(page) | MM_PFN_WRITING);
			w[n].idx = idx;
			w[n].page = page;
			if (++n == MM_WRITE_BATCH || done + n >= max)
				break;
		}
		mutex_unlock(&space->lock);
		if (!n)
			break;
		written = 0;
		for (i = 0; i < n; i += run) {
			slot = mm_pagefile_slots_get(n - i, &run);
			if (slot < 0) {
				for (; i < n; i++)
					w[i].slot = -1;
				break;
			}
			for (j = 0; j < run; j++) {
				w[i + j].slot = slot + j;
				run_pages[j] = w[i + j].page;
			}
			if (mm_pagefile_io_pages(slot, run_pages, run, true)) {
				atomic_long_inc(&mm_stats[MM_STAT_PAGEFILE_ERRORS]);
				for (j = 0; j < run; j++) {
					mm_pagefile_slot_put(w[i + j].slot);
					w[i + j].slot = -1;
				}
				continue;
			}
			written += run;
		}
		mutex_lock(&space->lock);
		for (i = 0; i < n; i++) {
			page = w[i].page;
			if (mm_ws_written(space, &w[i]))
				done++;
			else if ((page_private(page) & MM_PFN_WRITING))
				set_page_private(page, page_private(page) & ~MM_PFN_WRITING);
		}
		mutex_unlock(&space->lock);
		for (i = 0; i < n; i++)
			put_page(w[i].page);
		atomic_long_add(written, &mm_stats[MM_STAT_PAGEFILE_WRITES]);
		if (!written)
			break;
		if (killable && fatal_signal_pending(current))
			break;
		cond_resched();
	}
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_write_modified);

/* The registered space of number @id, referenced, or NULL. */
static struct mm_space *mm_ws_space_get(u32 id)
{
	struct mm_space *space;

	xa_lock(&mm_spaces);
	space = xa_load(&mm_spaces, id);
	if (space && !kref_get_unless_zero(&space->ref))
		space = NULL;
	xa_unlock(&mm_spaces);
	return space;
}

/**
 * mm_ws_repurpose() - free standby pages, oldest first
 * @target: how many at most
 * @killable: the caller waits for it: stop for a fatal signal
 *
 * Each page's contents stay in its paging-file slot; its space keeps only
 * the slot, and the next access reads it back. The balance set manager and
 * reclaim pass over a page a cluster brought once (MM_PFN_FRESH); a purge
 * the caller waits for (@killable) takes every page. One page per hold of its
 * space's lock; each page at the head of the list is looked at once (one
 * that cannot go now moves to the tail).
 *
 * Return: the pages freed.
 */
static unsigned long mm_ws_do_repurpose(unsigned long target, bool killable, bool nowait)
{
	struct mm_page_list *l = &mm_lists[MM_LIST_STANDBY];
	long tries = atomic_long_read(&l->count);
	unsigned long done = 0, priv, idx;
	struct mm_space *space;
	struct page *page;

	/* Reclaim looks at a bounded part of the list, not all of it. */
	if (nowait)
		tries = min_t(long, tries, 2 * target);
	while (done < target && tries-- > 0) {
		LIST_HEAD(freed);

		spin_lock(&mm_pfn_lock);
		if (list_empty(&l->head)) {
			spin_unlock(&mm_pfn_lock);
			break;
		}
		page = list_first_entry(&l->head, struct page, lru);
		priv = page_private(page);
		idx = page->index;
		list_move_tail(&page->lru, &l->head);
		spin_unlock(&mm_pfn_lock);

		space = mm_ws_space_get(priv >> MM_PFN_ID_SHIFT);
		if (!space)
			continue;
		if (!nowait) {
			mutex_lock(&space->lock);
		} else if (!mutex_trylock(&space->lock)) {
			mm_space_put(space);
			continue;
		}
		if (xa_load(&space->pages, idx) == page && page_private(page) == priv &&
		    (priv & MM_PFN_FRESH) && !killable) {
			/* Brought by a cluster, untouched: its second chance. */
			spin_lock(&mm_pfn_lock);
			set_page_private(page, priv & ~MM_PFN_FRESH);
			spin_unlock(&mm_pfn_lock);
		} else if (xa_load(&space->pages, idx) == page && page_private(page) == priv &&
		    (priv & MM_PFN_LIST_MASK) == MM_LIST_STANDBY &&
		    page_ref_count(page) == 1 && xa_load(&space->paged, idx)) {
			trace_ntexec_page_list(&space->vads, idx << PAGE_SHIFT,
					       NTX_PAGE_LIST_STANDBY, NTX_PAGE_LIST_FREE);
			mm_pfn_remove(page);
			xa_erase(&space->pages, idx);
			mm_resident_sub(space);
			page->index = 0;
			list_add_tail(&page->lru, &freed);
			done++;
		}
		mutex_unlock(&space->lock);
		mm_space_put(space);
		mm_put_pages(&freed);
		if (killable && fatal_signal_pending(current))
			break;
		if (!nowait)
			cond_resched();
	}
	atomic_long_add(done, &mm_stats[MM_STAT_REPURPOSED]);
	return done;
}

unsigned long mm_ws_repurpose(unsigned long target, bool killable)
{
	return mm_ws_do_repurpose(target, killable, false);
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_repurpose);

/**
 * mm_ws_repurpose_nowait() - mm_ws_repurpose() for Linux's reclaim
 * @target: how many pages at most
 *
 * Reclaim may run in an allocation made under a space's lock (the fault
 * path's): a page whose space's lock is taken is passed over, never waited
 * for.
 *
 * Return: the pages freed.
 */
unsigned long mm_ws_repurpose_nowait(unsigned long target)
{
	return mm_ws_do_repurpose(target, false, true);
}
