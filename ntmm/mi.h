/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory manager's internals, one file per concept as in NT's Mi*:
 *
 *   vad.c      the VAD tree and the NT state of each page
 *   protect.c  the argument and protection rules of the services
 *   space.c    the NT address space of a process: its VM file, its pages,
 *              its rundown (struct mm_space)
 *   fault.c    the page tables as a cache of that state: the VM file's
 *              vm_operations (faults, write upgrades, ptrace access, what
 *              Linux may not do to the VMAs)
 *   commit.c   commit charge and the system commit limit
 *   remote.c   running the VMA part of a service in another process
 *   virtual.c  NtAllocate/Free/Protect/Query/Lock/Unlock/FlushVirtualMemory
 *   copy.c     NtReadVirtualMemory, NtWriteVirtualMemory
 *   wwatch.c   NtGetWriteWatch, NtResetWriteWatch
 *   wsle.c     working sets: ages, trimming, soft faults, the page lists,
 *              the working-set queries and limits
 *   balance.c  the balance set manager: aging and trimming every second,
 *              and when Linux's shrinker reports memory pressure
 *
 * The rules that several of them apply live here, once.
 */
#ifndef _NTEXEC_NTMM_MI_H
#define _NTEXEC_NTMM_MI_H

#include <linux/highmem.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "mm.h"
#include "vad.h"

struct file;
struct address_space;
struct task_struct;

/*
 * Working-set ages (wsle.c): a page is 0 when it enters the working set or
 * the hardware saw it accessed since the last aging pass, and one older at
 * each pass that finds it not accessed, up to MM_WS_AGE_MAX.
 */
#define MM_WS_AGES		8u
#define MM_WS_AGE_MAX		(MM_WS_AGES - 1)

/**
 * struct mm_space - the NT address space of one program (one Linux mm)
 * @ref: references: the process (mm_process.space), the VM file
 *	(file->private_data), and callers of mm_space_get()
 * @mm: the Linux address space (grabbed); VMAs of @file exist only there
 * @file: the VM file, private to this space: every allocation is one
 *	MAP_SHARED VMA of it at file offset == user address, so that
 *	unmap_mapping_range() on its mapping zaps exactly a user range.
 *	Dropped at rundown.
 * @mapping: @file's address space, for unmap_mapping_range()
 * @addr_lock: NT's AddressCreationLock: serializes the services that
 *	change the VAD tree or page states; held across vm_mmap()/vm_munmap()
 * @lock: the VAD tree, the page states, @pages, @dead and the counters;
 *	taken by the fault path under the mmap lock (or a VMA lock)
 * @vads: the allocations
 * @pages: page index (user address >> PAGE_SHIFT) -> struct page of a
 *	committed page that has been touched; the page is freed only after
 *	its PTEs are zapped. Marked MM_WS_VALID while in the working set;
 *	without the mark it is a transition page, on a page list (wsle.c)
 * @paged: page index -> xa_mk_value(slot) for a page with a copy in a
 *	paging file (pagefile.c): a standby page, still in @pages, or a
 *	page whose memory was repurposed, only here (a hard fault reads it
 *	back); the slot is freed when the page is faulted back, freed or
 *	discarded
 * @discarded: page index -> xa_mk_value(1) for a page whose contents a
 *	trim discarded after MEM_RESET, until the next MEM_RESET,
 *	MEM_RESET_UNDO, decommit or release of it
 * @mapper: the task inside vm_mmap()/vm_munmap() for this space, the only
 *	one allowed to create or split VMAs of @file
 * @dead: run down: every page and VAD is gone, faults get SIGBUS
 * @quota: the process whose commit hooks (struct mm_ops) every change of
 *	@committed goes through (referenced with .quota_get), NULL for none;
 *	set once under @lock (mm_space_set_quota()), dropped at rundown
 * @quota_tag: the quota (its job) @committed is charged to (referenced
 *	with .quota_tag); changed under @lock only, with the commit moved
 *	(mm_space_set_quota())
 * @committed: committed pages (CommitCharge)
 * @peak_committed: the most @committed has been
 * @resident: pages in @pages: the working set and the transition pages
 * @peak_resident: the most @resident has been
 * @locked: pages locked with NtLockVirtualMemory
 * @faults: faults resolved by the module
 * @ws: pages in the working set (in @pages, marked MM_WS_VALID)
 * @peak_ws: the most @ws has been
 * @ws_min: the working set minimum, pages (ProcessQuotaLimits)
 * @ws_max: the working set maximum, pages
 * @ws_flags: MM_WS_HARD_MIN, MM_WS_HARD_MAX
 * @ws_job_min: the minimum the process's job imposes (its
 *	JOB_OBJECT_LIMIT_WORKINGSET), pages, in force instead of @ws_min
 *	while @ws_job_max is set (mm_ws_min_of())
 * @ws_job_max: the hard maximum the job imposes, pages, in force instead
 *	of @ws_max and @ws_flags' MM_WS_HARD_MAX; 0 for none. Both written
 *	under @lock (and, for a space not yet published, under the process's
 *	mm_process.lock), read under @lock or with READ_ONCE
 * @ws_age: the pages of the working set by age (wsle.c), oldest last
 *	in the array, each list oldest first, through page->lru; a page's
 *	age is in page->private and its index in page->index
 * @ws_age_count: how many pages each of @ws_age holds
 * @ws_parked: locked pages the trimmer met: off the age lists until
 *	unlocked (mm_ws_unlock()), so that no trim looks at them again
 * @ws_id: the space's number in the registry of spaces (wsle.c), which
 *	the balance set manager walks
 * @transition_faults: soft faults: a trimmed page mapped back
 * @demand_zero_faults: pages made (zeroed) on first touch
 * @trimmed: pages trimmed from the working set, ever
 * @trim_unreported: pages trimmed since the last NTEXEC_CMD_WS_TRIM event
 *	(mm_ws_report_trims())
 * @tgid: the thread group of the process the space was made for
 *	(referenced), whose events the trims are
 *
 * Locks: see LOCKING in ntob/ob.h. Nothing touches user memory with @lock
 * held: the access could fault on the space's own pages.
 */
struct mm_space {
	struct kref ref;
	struct mm_struct *mm;
	struct file *file;
	struct address_space *mapping;
	struct mutex addr_lock;
	struct mutex lock;
	struct mm_vad_tree vads;
	struct xarray pages;
	struct xarray discarded;
	struct xarray paged;
	struct task_struct *mapper;
	bool dead;
	struct mm_process *quota;
	void *quota_tag;
	unsigned long committed;
	unsigned long peak_committed;
	unsigned long resident;
	unsigned long peak_resident;
	unsigned long locked;
	unsigned long faults;
	unsigned long ws;
	unsigned long peak_ws;
	unsigned long ws_min;
	unsigned long ws_max;
	unsigned int ws_flags;
	unsigned long ws_job_min;
	unsigned long ws_job_max;
	struct list_head ws_age[MM_WS_AGES];
	unsigned long ws_age_count[MM_WS_AGES];
	struct list_head ws_parked;
	u32 ws_id;
	unsigned long transition_faults;
	unsigned long demand_zero_faults;
	unsigned long trimmed;
	unsigned long trim_unreported;
	struct pid *tgid;
};

/* Counters of the working sets and the balance set manager (mm_ws_stat()). */
enum {
	MM_STAT_TRIMMED,	/* pages trimmed, ever */
	MM_STAT_TRANSITION,	/* soft faults */
	MM_STAT_DISCARDED,	/* MEM_RESET pages a trim freed */
	MM_STAT_WS,		/* pages in working sets now */
	MM_STAT_SCANNED,	/* pages trims looked at */
	MM_STAT_BREAKS,		/* long trims letting go of a space's lock */
	MM_STAT_AGING_PASSES,	/* aging passes over every space */
	MM_STAT_AGED,		/* pages aged */
	MM_STAT_YOUNG,		/* ... of which found accessed */
	MM_STAT_AGING_NS,	/* time aging */
	MM_STAT_BSM_PASSES,	/* balance set manager passes */
	MM_STAT_BSM_TRIMMED,	/* pages it trimmed */
	MM_STAT_BSM_NEED,	/* pages it was asked to find, ever */
	MM_STAT_SHRINKER_SCANS,	/* Linux's shrinker calls */
	MM_STAT_SHRINKER_PAGES,	/* pages Linux asked the shrinker for */
	MM_STAT_PAGEFILE_WRITES,	/* pages written to a paging file */
	MM_STAT_PAGEFILE_ERRORS,	/* writes and reads that failed */
	MM_STAT_PAGE_READS,	/* pages read back from a paging file */
	MM_STAT_PAGE_READ_IOS,	/* hard faults: reads (of a page and its cluster) */
	MM_STAT_REPURPOSED,	/* standby pages freed */
	MM_STAT_THROTTLED,	/* faults that waited for available memory */
	MM_WS_STATS
};

/* The page lists (wsle.c). */
#define MM_LIST_STANDBY		0u
#define MM_LIST_MODIFIED	1u
#define MM_LISTS		2u

/* A page of mm_space.pages in the working set (else: on a page list). */
#define MM_WS_VALID		XA_MARK_0
/* A page of mm_space.pages on the modified list (for the page writer). */
#define MM_WS_MODIFIED		XA_MARK_1
/* mm_space.ws_flags: QUOTA_LIMITS_HARDWS_MIN/MAX_ENABLE in force. */
#define MM_WS_HARD_MIN		0x1u
#define MM_WS_HARD_MAX		0x2u
/* Windows' defaults (MmMinimumWorkingSetSize etc.), in pages. */
#define MM_WS_DEFAULT_MIN	50UL
#define MM_WS_DEFAULT_MAX	345UL
#define MM_WS_SMALLEST_MIN	20UL
/* MM_FLUID_WORKING_SET: what a maximum keeps above the locked pages. */
#define MM_WS_FLUID		8UL

/* The working-set minimum in force: the job's while it imposes one. */
static inline unsigned long mm_ws_min_of(const struct mm_space *space)
{
	return READ_ONCE(space->ws_job_max) ? READ_ONCE(space->ws_job_min) :
					      READ_ONCE(space->ws_min);
}

/* The hard maximum in force (the job's, or the process's own), 0 for none. */
static inline unsigned long mm_ws_hard_max_of(const struct mm_space *space)
{
	unsigned long job = READ_ONCE(space->ws_job_max);

	if (job)
		return job;
	return READ_ONCE(space->ws_flags) & MM_WS_HARD_MAX ? READ_ONCE(space->ws_max) : 0;
}

/**
 * struct mm_segment - a section's pages, shared by its views (NT's
 *	segment and prototype PTEs)
 * @lock: @pages' stores, @state and @committed; taken inside
 *	mm_space.lock
 * @pages: page index in the section -> struct page: for the paging file,
 *	made zeroed on first touch and freed with the segment; for a file,
 *	the file's page-cache page, referenced (filemap.c). Marks of a file's
 *	pages: MM_SEG_WRITTEN (written through a view, sticky) and
 *	MM_SEG_TO_SYNC (not yet handed to the file system)
 * @state: the commit state of each page (MM_PAGE_COMMITTED), kept in a VAD
 *	that is in no tree; NULL for a file, whose pages are all committed
 * @memcg: the memory cgroup the pages are charged to (the creator's)
 * @size: pages
 * @committed: pages charged to the commit limit
 * @file: the file of a file-backed section (referenced), or NULL
 * @writable: views may write the file (mm_file_check())
 * @dying: the section is gone; @work frees the segment (set, with the
 *	work queued, and read under the @pages lock)
 * @sync_lock: serializes handing pages to the file system; outside the
 *	inode's i_rwsem, never under mmap_lock or a space's lock
 * @work: hands written pages to the file system, and frees the segment
 * @image: for an image (image.c), its layout; @pages then holds the image
 *	as laid out in memory, page i at RVA i * PAGE_SIZE, and the segment
 *	is shared by every section of the file
 * @image_file_size: the image file's size when it was read
 * @ref: an image segment's sections
 * @hash: an image segment's place in the cache of images, by inode
 */
struct mm_segment {
	struct mutex lock;
	struct xarray pages;
	struct mm_vad *state;
	struct mem_cgroup *memcg;
	unsigned long size;
	unsigned long committed;
	struct file *file;
	bool writable;
	bool dying;
	struct mutex sync_lock;
	struct work_struct work;
	struct mm_image *image;
	u64 image_file_size;
	struct kref ref;
	struct hlist_node hash;
};

struct mm_image;

#define MM_SEG_WRITTEN	XA_MARK_1
#define MM_SEG_TO_SYNC	XA_MARK_2

/* filemap.c */
struct page *mm_file_read(struct mm_segment *seg, pgoff_t index);
struct page *mm_segment_hold(struct mm_segment *seg, unsigned long index,
			     struct page *page);
ntstatus_t mm_file_check(struct file *file, bool writable);
void mm_file_uncheck(struct file *file, bool writable);
struct page *mm_file_page(struct mm_segment *seg, unsigned long index, bool read);
void mm_file_written(struct mm_segment *seg, unsigned long index);
bool mm_file_page_written(struct mm_segment *seg, unsigned long index);
void mm_file_segment_init(struct mm_segment *seg, struct file *file, bool writable);
void mm_file_segment_free(struct mm_segment *seg);
ntstatus_t mm_file_flush(struct mm_segment *seg, unsigned long first,
			 unsigned long last);
ntstatus_t mm_file_extend(struct file *file, u64 size);
int mm_file_init(void);
/* image.c */
struct page *mm_image_page(struct mm_segment *seg, unsigned long index, bool create);
void mm_image_segment_put(struct mm_segment *seg);
int mm_image_layout(struct mm_vad *vad, const struct mm_image *img);
u32 mm_image_protect(u32 protect);
/* section.c */
bool mm_section_protect_valid(u32 protect);
void mm_segment_put_pages(struct mm_segment *seg);
void mm_file_exit(void);

/* section.c */
bool mm_segment_committed(struct mm_segment *seg, unsigned long index);
struct page *mm_segment_page(struct mm_segment *seg, unsigned long index,
			     bool create);
ntstatus_t mm_segment_commit(struct mm_segment *seg, unsigned long first,
			     unsigned long count);
unsigned long mm_segment_committed_run(struct mm_segment *seg,
				       unsigned long first, unsigned long last,
				       bool *committed);

/**
 * struct mm_reserve - a new allocation or view, for mm_do_reserve()
 * @plan: where and how large (and, for private memory, how)
 * @section: for a view, the section (the caller's reference); else NULL
 * @offset: for a view, the offset in the section
 * @view_access: for a view, &mm_vad.view_access
 * @image: for a view of an image, its layout (mm_image_layout())
 * @inherit: for a view, &mm_vad.inherit
 * @base: out: where it was made
 * @size: out: its size
 */
struct mm_reserve {
	struct mm_alloc_plan plan;
	struct mm_section *section;
	u64 offset;
	u32 view_access;
	const struct mm_image *image;
	u32 inherit;
	unsigned long base;
	unsigned long size;
};

/* virtual.c */
int mm_place_vad(struct mm_space *space, struct mm_vad *vad, unsigned long charge);
ntstatus_t mm_do_reserve(struct mm_space *space, void *args, bool remote);

/* view.c */
u16 mm_page_state(struct mm_vad *vad, unsigned long addr);
bool mm_range_committed(struct mm_vad *vad, unsigned long start, unsigned long end);
struct page *mm_page_lookup(struct mm_space *space, struct mm_vad *vad,
			    unsigned long addr, u16 state, bool create);
bool mm_page_needs_copy(struct mm_vad *vad, u16 state);
ntstatus_t mm_page_copy_on_write(struct mm_space *space, struct mm_vad *vad,
				 unsigned long addr, u16 *state);
unsigned long mm_vad_charged(struct mm_vad *vad, unsigned long start,
			     unsigned long end);
ntstatus_t mm_view_protect(struct mm_vad *vad, u32 protect);
ntstatus_t mm_view_commit(struct mm_space *space, struct mm_vad *vad, u32 protect,
			  unsigned long start, unsigned long end);
void mm_view_region(struct mm_vad *vad, unsigned long addr,
		    struct mm_vad_region *r);

/* space.c */
extern const struct mm_ops *mm_ops;
struct mm_space *mm_space_get(struct mm_process *mp, struct mm_struct *mm,
			      bool create);
void mm_space_put(struct mm_space *space);
ntstatus_t mm_lock_addr(struct mm_space *space, bool remote);
struct task_struct *mm_live_thread(struct mm_process *mp);
struct page *mm_get_page(struct mm_space *space, struct mm_vad *vad,
			 unsigned long addr, bool create);
void mm_zap(struct mm_space *space, unsigned long start, unsigned long end);
void mm_free_pages(struct mm_space *space, unsigned long start,
		   unsigned long end, struct list_head *freed);
void mm_put_pages(struct list_head *freed);
void mm_release_vads(struct mm_space *space, unsigned long start,
		     unsigned long end, struct list_head *freed);
int mm_map_range(struct mm_space *space, unsigned long addr,
		 unsigned long len);
int mm_unmap_range(struct mm_space *space, unsigned long addr,
		   unsigned long len);

/* fault.c */
extern const struct file_operations mm_vm_fops;
bool mm_vma_is_ntexec(struct vm_area_struct *vma);

/* wsle.c */
void mm_ws_space_init(struct mm_space *space);
int mm_ws_register(struct mm_space *space);
void mm_ws_unregister(struct mm_space *space);
void mm_ws_new_page(struct mm_space *space, unsigned long idx,
		    struct page *page);
void mm_ws_fault_back(struct mm_space *space, unsigned long idx,
		      struct page *page);
bool mm_ws_transition(struct mm_space *space, unsigned long idx);
void mm_ws_forget(struct mm_space *space, unsigned long idx,
		  struct page *page);
unsigned long mm_ws_trim(struct mm_space *space, unsigned long target,
			 unsigned long skip, struct list_head *freed);
unsigned long mm_ws_trim_aged(struct mm_space *space, unsigned long target,
			      unsigned int min_age, unsigned long skip,
			      struct list_head *freed);
unsigned long mm_ws_trim_batched(struct mm_space *space, unsigned long target,
				 unsigned int min_age, unsigned long floor,
				 bool killable);
void mm_ws_unlock(struct mm_space *space, unsigned long start,
		  unsigned long end);
unsigned long mm_ws_age(struct mm_space *space);
void mm_ws_report_trims(struct mm_space *space);
unsigned int mm_ws_page_age(struct mm_space *space, unsigned long idx);
void mm_ws_replace(struct mm_space *space, unsigned long skip,
		   struct list_head *freed);
void mm_ws_reset(struct mm_space *space, struct mm_vad *vad,
		 unsigned long start, unsigned long end,
		 struct list_head *freed);
bool mm_ws_reset_undo(struct mm_space *space, unsigned long start,
		      unsigned long end);
long mm_ws_list_count(unsigned int list);
long mm_ws_stat(unsigned int which);
void mm_fault_counts(unsigned long *n);
void mm_ws_stat_add(unsigned int which, long n);
struct mm_space *mm_ws_next_space(unsigned long *id);
unsigned long mm_ws_write_modified(struct mm_space *space, unsigned long max,
				   bool killable);
unsigned long mm_ws_repurpose(unsigned long target, bool killable);
unsigned long mm_ws_repurpose_nowait(unsigned long target);
/* A hard fault reads up to this many pages (NT's page-in cluster). */
#define MM_PAGE_IN_CLUSTER	16u
unsigned int mm_ws_page_in_cluster(struct mm_space *space, unsigned long idx);
struct page *mm_ws_page_in(struct mm_space *space, unsigned long idx,
			   struct page **pages, unsigned int n);
void mm_ws_forget_paged(struct mm_space *space, unsigned long first,
			unsigned long last);
/* pagefile.c */
unsigned long mm_pagefile_pages(void);
unsigned long mm_pagefile_grow(unsigned long need);
/* The most slots one paging-file I/O covers (write batches, read clusters). */
#define MM_PAGEFILE_IO_MAX	32u
long mm_pagefile_slot_get(void);
long mm_pagefile_slots_get(unsigned int want, unsigned int *got);
bool mm_pagefile_slot_next(unsigned long slot, unsigned long next);
void mm_pagefile_slot_put(unsigned long slot);
int mm_pagefile_io(unsigned long slot, struct page *page, bool write);
int mm_pagefile_io_pages(unsigned long slot, struct page **pages, unsigned int n,
			 bool write);
void mm_pagefiles_exit(void);
int mm_pagefile_kunit_add(unsigned long pages);
int mm_pagefile_kunit_remove(void);
unsigned long mm_pagefile_used(void);
/* balance.c */
int mm_bsm_start(void);
void mm_bsm_stop(void);
unsigned long mm_bsm_trim(unsigned long need);
unsigned long mm_bsm_need(void);
unsigned long mm_bsm_shrink(unsigned long nr, unsigned long *count);
void mm_bsm_hold(void);
void mm_bsm_release(void);
bool mm_bsm_must_wait(void);
void mm_bsm_throttle(void);
int mm_ws_init(void);
void mm_ws_exit(void);

/* commit.c */
ntstatus_t mm_commit_charge(unsigned long pages);
void mm_commit_uncharge(unsigned long pages);
bool mm_commit_grow(unsigned long pages);
ntstatus_t mm_shared_commit_charge(unsigned long pages);
void mm_shared_commit_uncharge(unsigned long pages);
void mm_query_commit(struct mm_system_memory *m);
ntstatus_t mm_space_charge(struct mm_space *space, unsigned long pages);
void mm_space_set_quota(struct mm_space *space, struct mm_process *mp);
void mm_space_decommit(struct mm_space *space, unsigned long committed,
		       unsigned long locked);
void mm_resident_add(struct mm_space *space);
void mm_resident_sub(struct mm_space *space);
void mm_resident_count(void);
void mm_resident_uncount(void);
long mm_committed_pages(void);
long mm_resident_pages(void);

/* remote.c */
typedef ntstatus_t (*mm_remote_fn)(struct mm_space *space, void *args,
				   bool remote);
ntstatus_t mm_run_in(struct mm_process *mp, struct mm_space *space,
		     mm_remote_fn fn, void *args);

/* Committed and not a guard page: some access may be allowed. */
static inline bool mm_page_accessible(u16 state)
{
	return (state & MM_PAGE_COMMITTED) && !(state & NT_PAGE_GUARD);
}

/**
 * mm_page_allows() - whether a page's NT state permits an access now
 * @state: the page's state (mm_vad_page_state())
 * @access: VM_READ, VM_WRITE or VM_EXEC
 *
 * Committed, not a guard page, and its protection names the access: the
 * rule of the write upgrade, the copies and locking. (The fault path lets
 * an executable page be read too, as x86 has no execute-only PTE.)
 */
static inline bool mm_page_allows(u16 state, unsigned long access)
{
	if (!mm_page_accessible(state))
		return false;
	return (mm_protect_to_vm_flags(state & MM_PAGE_PROT_MASK) & access) == access;
}

/* The page of a view's section that @addr shows. */
static inline unsigned long mm_view_index(struct mm_vad *vad, unsigned long addr)
{
	return (vad->offset + (addr - vad->start)) >> PAGE_SHIFT;
}

/* The file-backed segment a page of a view shows, or NULL. */
static inline struct mm_segment *mm_page_file(struct mm_vad *vad, u16 state)
{
	struct mm_segment *seg;

	if (!vad->section || (state & MM_PAGE_PRIVATE))
		return NULL;
	seg = vad->section->segment;
	return seg->file && !seg->image ? seg : NULL;
}

void mm_ws_dirtied(struct mm_space *space, unsigned long idx);

/**
 * mm_page_written() - record a write to a page, for write watch, files
 *	and paging
 * @space: the space, its lock held
 * @vad: the VAD holding @addr
 * @addr: the page, page-aligned
 * @state: its state
 *
 * Every way a page gets written (a write fault, a write upgrade, ptrace,
 * NtWriteVirtualMemory) goes through here before the write can happen. A
 * page of a file-backed view, which the segment holds by then, is handed
 * to the file system (filemap.c). A page written after MEM_RESET is no
 * longer discardable, as on Windows, where the write dirties it again. A
 * page whose copy in a paging file was still good loses it (wsle.c).
 *
 * Return: 0, or -ENOMEM when the page's state chunk cannot be made.
 */
static inline int mm_page_written(struct mm_space *space, struct mm_vad *vad,
				  unsigned long addr, u16 state)
{
	struct mm_segment *seg = mm_page_file(vad, state);

	if (unlikely(!xa_empty(&space->paged)))
		mm_ws_dirtied(space, addr >> PAGE_SHIFT);

	if (seg)
		mm_file_written(seg, mm_view_index(vad, addr));
	if ((state & MM_PAGE_RESET) &&
	    mm_vad_update_pages(vad, addr, addr + PAGE_SIZE, MM_PAGE_RESET, 0))
		return -ENOMEM;
	if (!(vad->flags & NT_MEM_WRITE_WATCH) || (state & MM_PAGE_WRITTEN))
		return 0;
	return mm_vad_update_pages(vad, addr, addr + PAGE_SIZE, 0,
				   MM_PAGE_WRITTEN);
}

/**
 * mm_page_copy() - copy between a kernel buffer and part of a page
 * @page: the page
 * @offset: where in it
 * @buf: the kernel buffer
 * @n: bytes, within the page
 * @write: into the page, else out of it
 */
static inline void mm_page_copy(struct page *page, unsigned long offset,
				void *buf, unsigned long n, bool write)
{
	void *kaddr = kmap_local_page(page);

	if (write)
		memcpy(kaddr + offset, buf, n);
	else
		memcpy(buf, kaddr + offset, n);
	kunmap_local(kaddr);
}

#endif /* _NTEXEC_NTMM_MI_H */
