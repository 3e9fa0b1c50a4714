/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory manager: NT private memory of a process, kept as a VAD tree
 * and per-page state (vad.c), backed by pages the module owns and mapped
 * into the process by the real page tables, which are only a cache of that
 * state (space.c). The Nt*VirtualMemory services are in virtual.c, the
 * copies between processes in copy.c, write watch in wwatch.c.
 */
#ifndef _NTEXEC_NTMM_MM_H
#define _NTEXEC_NTMM_MM_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include "vad.h"
#include "../uapi/ntexec.h"

struct ps_process;
struct file;
struct address_space;
struct mm_struct;
struct vm_area_struct;
struct task_struct;

/**
 * struct mm_space - the NT address space of one process (one Linux mm)
 * @ref: references: the process (ps_process.vm), the VM file
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
 *	its PTEs are zapped
 * @mapper: the task inside vm_mmap()/vm_munmap() for this space, the only
 *	one allowed to create or split VMAs of @file
 * @dead: run down: every page and VAD is gone, faults get SIGBUS
 * @committed: committed pages (CommitCharge)
 * @peak_committed: the most @committed has been
 * @resident: pages in @pages (the module's part of the working set)
 * @peak_resident: the most @resident has been
 * @locked: pages locked with NtLockVirtualMemory
 * @faults: faults resolved by the module
 *
 * Lock order, outermost first:
 *	@addr_lock -> mmap_lock -> @lock -> i_mmap_rwsem -> page-table locks
 * The fault path and the VMA callbacks enter with mmap_lock (or the VMA's
 * lock) held and take only @lock. Nothing touches user memory with @lock
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
	struct task_struct *mapper;
	bool dead;
	unsigned long committed;
	unsigned long peak_committed;
	unsigned long resident;
	unsigned long peak_resident;
	unsigned long locked;
	unsigned long faults;
};

/**
 * struct mm_counters - the module's share of a process's ProcessVmCounters
 * @committed: bytes committed
 * @peak_committed: the peak of @committed
 * @resident: bytes resident
 * @peak_resident: the peak of @resident
 * @faults: page faults the module resolved
 */
struct mm_counters {
	unsigned long committed;
	unsigned long peak_committed;
	unsigned long resident;
	unsigned long peak_resident;
	unsigned long faults;
};

int mm_init(void);
void mm_exit(void);

void mm_space_put(struct mm_space *space);
struct mm_space *mm_space_get(struct ps_process *process, struct mm_struct *mm,
			      bool create);
void mm_process_rundown(struct ps_process *process);
void mm_process_counters(struct ps_process *process, struct mm_counters *c);

/*
 * The services: a NTSTATUS (>= 0) or a transport error (< 0). Each acts on
 * @mm, the address space of @process the caller's rights hold for
 * (ps_reference_process_mm()), and on nothing else.
 */
long mm_allocate_virtual(struct ps_process *process, struct mm_struct *mm,
			 u64 *base, u64 *size, u64 zero_bits, u32 type,
			 u32 protect);
long mm_free_virtual(struct ps_process *process, struct mm_struct *mm,
		     u64 *base, u64 *size, u32 type);
long mm_protect_virtual(struct ps_process *process, struct mm_struct *mm,
			u64 *base, u64 *size, u32 protect, u32 *old_protect);
long mm_query_virtual(struct ps_process *process, struct mm_struct *mm,
		      u64 address, u32 info_class, void __user *buffer,
		      u64 length, u64 *return_length);
long mm_lock_virtual(struct ps_process *process, struct mm_struct *mm,
		     u64 *base, u64 *size, u32 map_type, bool lock);
long mm_flush_virtual(struct ps_process *process, struct mm_struct *mm,
		      u64 *base, u64 *size);
long mm_copy_virtual(struct ps_process *process, struct mm_struct *mm,
		     u64 address, void __user *buffer, u64 size, bool write,
		     u64 *done);
long mm_get_write_watch(struct ps_process *process, struct mm_struct *mm,
			u32 flags, u64 base, u64 size, u64 __user *addresses,
			u64 *count);
long mm_reset_write_watch(struct ps_process *process, struct mm_struct *mm,
			  u64 base, u64 size);
long mm_get_exception(struct ntexec_exception *exception);

/* Internal to ntmm/. */
long mm_lock_addr(struct mm_space *space, bool remote);
typedef long (*mm_remote_fn)(struct mm_space *space, void *args, bool remote);
bool mm_vma_is_ntexec(struct vm_area_struct *vma);
struct task_struct *mm_live_thread(struct ps_process *process);
long mm_run_in(struct ps_process *process, struct mm_space *space,
	       mm_remote_fn fn, void *args);
void mm_zap(struct mm_space *space, unsigned long start, unsigned long end);
void mm_free_pages(struct mm_space *space, unsigned long start,
		   unsigned long end, struct list_head *freed);
void mm_put_pages(struct list_head *freed);
struct page *mm_get_page(struct mm_space *space, struct mm_vad *vad,
			 unsigned long addr, bool create);
int mm_map_range(struct mm_space *space, unsigned long addr,
		 unsigned long len);
int mm_unmap_range(struct mm_space *space, unsigned long addr,
		   unsigned long len);
unsigned long mm_commit_charge(unsigned long pages);
void mm_commit_uncharge(unsigned long pages);

#endif /* _NTEXEC_NTMM_MM_H */
