// SPDX-License-Identifier: GPL-2.0
/*
 * Working sets and the page lists (NT's wslist.c and pfnlist.c, in part).
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
 *             paging file (not yet) a modified page stays there until the
 *             process touches it again or frees it: Windows without a
 *             paging file keeps modified private pages resident too.
 *   standby   clean pages (a copy is in backing store); empty until the
 *             modified page writer exists.
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
 * What trimming never takes: a locked page (NtLockVirtualMemory), and a
 * page someone else holds a reference to (NtRead/WriteVirtualMemory copy
 * outside the space's lock, with a page reference), so that no copy writes
 * into a page that has left the working set. Trimming goes round the space
 * from a clock hand (mm_space.ws_hand), so repeated trims take the pages
 * mapped longest ago first.
 *
 * Locks: everything here runs under mm_space.lock; the lists' own lock,
 * mm_pfn_lock (a spinlock), nests inside it and takes nothing else. A
 * page on a list is reached only through its space, under that space's
 * lock; the lists hold it through page->lru and page->private (which list,
 * plus one), which nothing else uses on the module's own pages.
 */
#include <kunit/visibility.h>
#include <linux/capability.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mi.h"

/**
 * struct mm_page_list - one of the system's page lists
 * @head: its pages, oldest first, through page->lru
 * @count: how many (written under mm_pfn_lock)
 */
struct mm_page_list {
	struct list_head head;
	atomic_long_t count;
};

static DEFINE_SPINLOCK(mm_pfn_lock);
static struct mm_page_list mm_lists[MM_LISTS];
static atomic_long_t mm_trimmed_total = ATOMIC_LONG_INIT(0);
static atomic_long_t mm_transition_total = ATOMIC_LONG_INIT(0);
static atomic_long_t mm_discarded_total = ATOMIC_LONG_INIT(0);

static int mm_ws_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops mm_ws_param_ops = {
	.get = mm_ws_param_get,
};

module_param_cb(standby_pages, &mm_ws_param_ops,
		&mm_lists[MM_LIST_STANDBY].count, 0444);
MODULE_PARM_DESC(standby_pages, "NT pages on the standby list (clean, trimmed)");
module_param_cb(modified_pages, &mm_ws_param_ops,
		&mm_lists[MM_LIST_MODIFIED].count, 0444);
MODULE_PARM_DESC(modified_pages, "NT pages on the modified list (dirty, trimmed)");
module_param_cb(trimmed_pages, &mm_ws_param_ops, &mm_trimmed_total, 0444);
MODULE_PARM_DESC(trimmed_pages, "NT pages trimmed from working sets, ever");
module_param_cb(transition_faults, &mm_ws_param_ops, &mm_transition_total, 0444);
MODULE_PARM_DESC(transition_faults,
		 "Soft faults: trimmed NT pages brought back into a working set, ever");
module_param_cb(discarded_pages, &mm_ws_param_ops, &mm_discarded_total, 0444);
MODULE_PARM_DESC(discarded_pages,
		 "MEM_RESET pages whose contents a trim discarded (freed), ever");

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

static void mm_pfn_insert(struct page *page, unsigned int list)
{
	spin_lock(&mm_pfn_lock);
	list_add_tail(&page->lru, &mm_lists[list].head);
	set_page_private(page, list + 1);
	atomic_long_inc(&mm_lists[list].count);
	spin_unlock(&mm_pfn_lock);
}

static void mm_pfn_remove(struct page *page)
{
	unsigned long list = page_private(page);

	if (WARN_ON_ONCE(!list || list > MM_LISTS))
		return;
	spin_lock(&mm_pfn_lock);
	list_del_init(&page->lru);
	set_page_private(page, 0);
	atomic_long_dec(&mm_lists[list - 1].count);
	spin_unlock(&mm_pfn_lock);
}

/**
 * mm_ws_space_init() - a new space's working set: empty, Windows' limits
 * @space: the space, not yet shared
 */
void mm_ws_space_init(struct mm_space *space)
{
	xa_init(&space->discarded);
	space->ws_min = MM_WS_DEFAULT_MIN;
	space->ws_max = MM_WS_DEFAULT_MAX;
}

static void mm_ws_add(struct mm_space *space, unsigned long idx)
{
	xa_set_mark(&space->pages, idx, MM_WS_VALID);
	space->ws++;
	space->peak_ws = max(space->peak_ws, space->ws);
}

/**
 * mm_ws_new_page() - a page just made (zeroed) enters the working set
 * @space: the space, its lock held
 * @idx: the page's index in @space->pages, where it is stored
 */
void mm_ws_new_page(struct mm_space *space, unsigned long idx)
{
	lockdep_assert_held(&space->lock);
	mm_ws_add(space, idx);
	space->demand_zero_faults++;
}

/**
 * mm_ws_fault_back() - make sure a page of the space is in its working set
 * @space: the space, its lock held
 * @idx: the page's index in @space->pages
 * @page: the page there
 *
 * A page on a list comes off it: a soft (transition) fault.
 */
void mm_ws_fault_back(struct mm_space *space, unsigned long idx,
		      struct page *page)
{
	lockdep_assert_held(&space->lock);
	if (xa_get_mark(&space->pages, idx, MM_WS_VALID))
		return;
	mm_pfn_remove(page);
	mm_ws_add(space, idx);
	space->transition_faults++;
	atomic_long_inc(&mm_transition_total);
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
	if (xa_get_mark(&space->pages, idx, MM_WS_VALID))
		space->ws--;
	else
		mm_pfn_remove(page);
}

/*
 * Take one page out of the working set (its PTE is zapped by the caller
 * before the space's lock is dropped): onto the modified list, or freed
 * when MEM_RESET said its contents may go and the discard can be
 * remembered. Return: the page went to @freed.
 */
static bool mm_ws_remove(struct mm_space *space, unsigned long idx,
			 struct page *page, u16 state, struct list_head *freed)
{
	xa_clear_mark(&space->pages, idx, MM_WS_VALID);
	space->ws--;
	space->trimmed++;
	atomic_long_inc(&mm_trimmed_total);
	if ((state & MM_PAGE_RESET) &&
	    !xa_err(xa_store(&space->discarded, idx, xa_mk_value(1), GFP_KERNEL))) {
		xa_erase(&space->pages, idx);
		mm_resident_sub(space);
		list_add_tail(&page->lru, freed);
		atomic_long_inc(&mm_discarded_total);
		return true;
	}
	mm_pfn_insert(page, MM_LIST_MODIFIED);
	return false;
}

/* Whether the trimmer may take the page of @idx now. */
static bool mm_ws_trimmable(struct mm_space *space, struct mm_vad **vadp,
			    unsigned long idx, struct page *page, u16 *state)
{
	unsigned long addr = idx << PAGE_SHIFT;
	struct mm_vad *vad = *vadp;

	if (!vad || addr < vad->start || addr >= vad->end) {
		vad = mm_vad_find(&space->vads, addr);
		*vadp = vad;
	}
	if (WARN_ON_ONCE(!vad) || vad->pending)
		return false;
	*state = mm_vad_page_state(vad, addr);
	/* Locked pages stay; so do pages a copy holds (copy.c). */
	return !(*state & MM_PAGE_LOCKED) && page_ref_count(page) == 1;
}

/**
 * mm_ws_trim() - trim pages from a space's working set
 * @space: the space, its lock held
 * @target: how many to take at most (ULONG_MAX: every one it may)
 * @skip: a page index not to take (the one a fault is mapping), or
 *	ULONG_MAX
 * @freed: discarded pages go here, for mm_put_pages() after the lock
 *
 * Goes round the space from its clock hand; runs of trimmed pages are
 * zapped together, before this returns.
 *
 * Return: the number of pages trimmed.
 */
unsigned long mm_ws_trim(struct mm_space *space, unsigned long target,
			 unsigned long skip, struct list_head *freed)
{
	unsigned long idx, start, run_start = 0, run_end = 0, done = 0;
	struct mm_vad *vad = NULL;
	struct page *page;
	bool wrapped = false;
	u16 state;

	lockdep_assert_held(&space->lock);
	if (space->dead || !space->mapping || !target)
		return 0;
	idx = start = space->ws_hand;
	while (done < target) {
		page = xa_find(&space->pages, &idx, wrapped ? start - 1 : ULONG_MAX,
			       MM_WS_VALID);
		if (!page) {
			if (wrapped || !start)
				break;
			wrapped = true;
			idx = 0;
			continue;
		}
		if (idx != skip && mm_ws_trimmable(space, &vad, idx, page, &state)) {
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
		if (idx == ULONG_MAX)
			break;
		idx++;
		if (!(done & 255))
			cond_resched();
	}
	if (run_end > run_start)
		mm_zap(space, run_start << PAGE_SHIFT, run_end << PAGE_SHIFT);
	space->ws_hand = idx;
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(mm_ws_trim);

/**
 * mm_ws_replace() - keep a hard working-set maximum after a page came in
 * @space: the space, its lock held
 * @skip: the page index just brought in (it stays)
 * @freed: as for mm_ws_trim()
 *
 * With QUOTA_LIMITS_HARDWS_MAX_ENABLE the working set never passes its
 * maximum: the oldest pages make room. A soft maximum is left to the
 * trimmer (not yet: no balance set manager).
 */
void mm_ws_replace(struct mm_space *space, unsigned long skip,
		   struct list_head *freed)
{
	lockdep_assert_held(&space->lock);
	if ((space->ws_flags & MM_WS_HARD_MAX) && space->ws > space->ws_max)
		mm_ws_trim(space, space->ws - space->ws_max, skip, freed);
}

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
		mm_pfn_remove(page);
		xa_erase(&space->pages, idx);
		mm_resident_sub(space);
		list_add_tail(&page->lru, freed);
		atomic_long_inc(&mm_discarded_total);
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
 * maximum below the working set trims it. Limits outside what the system
 * allows are clamped, with STATUS_WORKING_SET_LIMIT_RANGE.
 *
 * Return: STATUS_SUCCESS, STATUS_WORKING_SET_LIMIT_RANGE,
 * STATUS_BAD_WORKING_SET_LIMIT, STATUS_PRIVILEGE_NOT_HELD,
 * STATUS_NO_MEMORY or STATUS_PROCESS_IS_TERMINATING.
 */
ntstatus_t mm_set_working_set(struct mm_process *mp, struct mm_struct *mm,
			      u64 min_bytes, u64 max_bytes, u32 flags,
			      bool increase_ok)
{
	unsigned long min, max, limit = totalram_pages();
	struct mm_space *space;
	unsigned int hard;
	ntstatus_t status;
	LIST_HEAD(freed);

	if (min_bytes == U64_MAX && max_bytes == U64_MAX) {
		space = mm_ws_get(mp, mm, false, &status);
		if (!space)
			return status;
		mutex_lock(&space->lock);
		mm_ws_trim(space, ULONG_MAX, ULONG_MAX, &freed);
		mutex_unlock(&space->lock);
		mm_space_put(space);
		mm_put_pages(&freed);
		return STATUS_SUCCESS;
	}
	space = mm_ws_get(mp, mm, true, &status);
	if (!space)
		return status;
	mutex_lock(&space->lock);
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
	if (space->ws > max)
		mm_ws_trim(space, space->ws - max, ULONG_MAX, &freed);
	space->ws_min = min;
	space->ws_max = max;
	space->ws_flags = hard;
out:
	mutex_unlock(&space->lock);
	mm_space_put(space);
	mm_put_pages(&freed);
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
 * Windows' defaults while the process has no NT memory.
 */
void mm_query_working_set_limits(struct mm_process *mp, u64 *min, u64 *max,
				 u32 *flags)
{
	unsigned long lo = MM_WS_DEFAULT_MIN, hi = MM_WS_DEFAULT_MAX;
	struct mm_space *space;
	unsigned int hard = 0;

	spin_lock(&mp->lock);
	space = mp->space;
	if (space)
		kref_get(&space->ref);
	spin_unlock(&mp->lock);
	if (space) {
		mutex_lock(&space->lock);
		lo = space->ws_min;
		hi = space->ws_max;
		hard = space->ws_flags;
		mutex_unlock(&space->lock);
		mm_space_put(space);
	}
	*min = (u64)lo << PAGE_SHIFT;
	*max = (u64)hi << PAGE_SHIFT;
	*flags = (hard & MM_WS_HARD_MIN ? QUOTA_LIMITS_HARDWS_MIN_ENABLE :
					  QUOTA_LIMITS_HARDWS_MIN_DISABLE) |
		 (hard & MM_WS_HARD_MAX ? QUOTA_LIMITS_HARDWS_MAX_ENABLE :
					  QUOTA_LIMITS_HARDWS_MAX_DISABLE);
}

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
}
