// SPDX-License-Identifier: GPL-2.0
/*
 * Write watch: NtGetWriteWatch and NtResetWriteWatch on allocations made
 * with MEM_WRITE_WATCH, in this or another process.
 *
 * A page of such an allocation is mapped writable only once it is marked
 * written: a read fault maps it read-only, and the first write comes back
 * to the module (.fault or .pfn_mkwrite in space.c), which marks it. A
 * reset clears the marks and zaps the pages' PTEs, so the next write is
 * seen again. Hardware dirty bits are never cleared (there is no exported
 * user TLB flush): the zap is the flush.
 */
#include <kunit/visibility.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "mi.h"


/* The write-watched allocation holding [start, end), or NULL. */
static struct mm_vad *mm_watch_vad(struct mm_space *space, unsigned long start,
				   unsigned long end)
{
	struct mm_vad *vad = mm_vad_find(&space->vads, start);

	if (!vad || end > vad->end || !(vad->flags & NT_MEM_WRITE_WATCH))
		return NULL;
	return vad;
}

static ntstatus_t mm_watch_range(u64 base, u64 size, unsigned long *start,
			   unsigned long *end)
{
	if (!size || base > NT_HIGHEST_USER_ADDRESS ||
	    size > NT_HIGHEST_USER_ADDRESS + 1 - base)
		return STATUS_INVALID_PARAMETER;
	*start = base & PAGE_MASK;
	*end = PAGE_ALIGN(base + size);
	return STATUS_SUCCESS;
}

/* Addresses found and copied out per step; the kernel buffer is one page. */
#define MM_WATCH_BATCH		(PAGE_SIZE / sizeof(u64))

/**
 * mm_get_write_watch() - NtGetWriteWatch
 * @mp: the process (PROCESS_VM_OPERATION)
 * @mm: its address space
 * @flags: 0 or WRITE_WATCH_FLAG_RESET
 * @base: BaseAddress
 * @size: RegionSize
 * @capacity: the entries of UserAddressArray
 * @store: stores found addresses in UserAddressArray (the caller's)
 * @ctx: for @store
 * @count: out: the addresses stored
 *
 * The written pages of the range in address order, at most @capacity of
 * them; with WRITE_WATCH_FLAG_RESET exactly the pages returned are reset.
 * The addresses go out in batches of MM_WATCH_BATCH through one kernel
 * page, whatever @capacity says; a batch is reset only once it is stored, so
 * a write the caller has not been told of is never lost. An array that
 * cannot be stored fails the call at its first such batch, with the pages
 * of the batches before it stored and reset (a bad array from the start
 * changes nothing).
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER for bad flags, a zero
 * size or capacity, or a range that is not inside one write-watched
 * allocation, STATUS_ACCESS_VIOLATION for a bad array, NTX_STATUS_RESTART.
 */
ntstatus_t mm_get_write_watch(struct mm_process *mp, struct mm_struct *mm,
			      u32 flags, u64 base, u64 size, u64 capacity,
			      mm_watch_store_t store, void *ctx, u64 *count)
{
	unsigned long start, end, addr, i, n, run, run_end;
	bool reset = flags & NT_WRITE_WATCH_FLAG_RESET;
	struct mm_space *space;
	struct mm_vad *vad;
	u64 *found, stored = 0;
	ntstatus_t status;

	if (flags & ~NT_WRITE_WATCH_FLAG_RESET)
		return STATUS_INVALID_PARAMETER;
	status = mm_watch_range(base, size, &start, &end);
	if (status)
		return status;
	if (!capacity)
		return STATUS_INVALID_PARAMETER;
	space = mm_space_get(mp, mm, false);
	if (IS_ERR_OR_NULL(space))
		return STATUS_INVALID_PARAMETER;
	found = (u64 *)__get_free_page(GFP_KERNEL);
	if (!found) {
		status = STATUS_NO_MEMORY;
		goto put;
	}
	status = mm_lock_addr(space, false);
	if (status)
		goto free;

	addr = start;
	while (stored < capacity && addr < end) {
		mutex_lock(&space->lock);
		/* A munmap() may take the allocation between batches. */
		vad = mm_watch_vad(space, start, end);
		if (!vad) {
			mutex_unlock(&space->lock);
			status = stored ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
			break;
		}
		n = 0;
		while (n < min_t(u64, capacity - stored, MM_WATCH_BATCH) &&
		       (addr = mm_vad_find_page(vad, addr, end, MM_PAGE_WRITTEN,
						MM_PAGE_WRITTEN)) < end) {
			found[n++] = addr;
			addr += PAGE_SIZE;
		}
		mutex_unlock(&space->lock);
		if (!n)
			break;

		/* Stored first: a batch that cannot be stored is not reset. */
		if (store(ctx, stored, found, n)) {
			status = STATUS_ACCESS_VIOLATION;
			break;
		}
		stored += n;
		if (reset) {
			mutex_lock(&space->lock);
			vad = mm_watch_vad(space, start, end);
			run = run_end = 0;
			for (i = 0; vad && i < n; i++) {
				/* Runs of adjacent pages, one zap each. */
				if (found[i] != run_end) {
					if (run_end)
						mm_zap(space, run, run_end);
					run = found[i];
				}
				run_end = found[i] + PAGE_SIZE;
				/* Clearing a bit never needs memory: the chunks exist. */
				mm_vad_update_pages(vad, found[i], found[i] + PAGE_SIZE,
						    MM_PAGE_WRITTEN, 0);
			}
			if (vad && run_end)
				mm_zap(space, run, run_end);
			mutex_unlock(&space->lock);
		}
		if (fatal_signal_pending(current)) {
			status = NTX_STATUS_RESTART;
			break;
		}
		cond_resched();
	}
	if (status == STATUS_SUCCESS)
		*count = stored;
	mutex_unlock(&space->addr_lock);
free:
	free_page((unsigned long)found);
put:
	mm_space_put(space);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_get_write_watch);

/**
 * mm_reset_write_watch() - NtResetWriteWatch
 * @mp: the process (PROCESS_VM_OPERATION)
 * @mm: its address space
 * @base: BaseAddress
 * @size: RegionSize
 *
 * Return: STATUS_SUCCESS or STATUS_INVALID_PARAMETER, as mm_get_write_watch().
 */
ntstatus_t mm_reset_write_watch(struct mm_process *mp, struct mm_struct *mm,
				u64 base, u64 size)
{
	unsigned long start, end;
	struct mm_space *space;
	struct mm_vad *vad;
	ntstatus_t status;

	status = mm_watch_range(base, size, &start, &end);
	if (status)
		return status;
	space = mm_space_get(mp, mm, false);
	if (IS_ERR_OR_NULL(space))
		return STATUS_INVALID_PARAMETER;
	status = mm_lock_addr(space, false);
	if (status) {
		mm_space_put(space);
		return status;
	}
	mutex_lock(&space->lock);
	vad = mm_watch_vad(space, start, end);
	if (!vad) {
		status = STATUS_INVALID_PARAMETER;
	} else {
		mm_zap(space, start, end);
		if (mm_vad_update_pages(vad, start, end, MM_PAGE_WRITTEN, 0))
			status = STATUS_NO_MEMORY;
	}
	mutex_unlock(&space->lock);
	mutex_unlock(&space->addr_lock);
	mm_space_put(space);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_reset_write_watch);
