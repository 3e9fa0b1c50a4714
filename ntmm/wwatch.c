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
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mm.h"
#include "../ntps/ps.h"

#define NT_WRITE_WATCH_FLAG_RESET	1u

/* The write-watched allocation holding [start, end), or NULL. */
static struct mm_vad *mm_watch_vad(struct mm_space *space, unsigned long start,
				   unsigned long end)
{
	struct mm_vad *vad = mm_vad_find(&space->vads, start);

	if (!vad || end > vad->end || !(vad->flags & NT_MEM_WRITE_WATCH))
		return NULL;
	return vad;
}

static long mm_watch_range(u64 base, u64 size, unsigned long *start,
			   unsigned long *end)
{
	if (!size || base > NT_HIGHEST_USER_ADDRESS ||
	    size > NT_HIGHEST_USER_ADDRESS + 1 - base)
		return STATUS_INVALID_PARAMETER;
	*start = base & PAGE_MASK;
	*end = PAGE_ALIGN(base + size);
	return STATUS_SUCCESS;
}

/**
 * mm_get_write_watch() - NtGetWriteWatch
 * @process: the process (PROCESS_VM_OPERATION)
 * @flags: 0 or WRITE_WATCH_FLAG_RESET
 * @base: BaseAddress
 * @size: RegionSize
 * @addresses: UserAddressArray
 * @count: in: its entries; out: the addresses stored
 *
 * The written pages of the range in address order, at most *@count of
 * them; with WRITE_WATCH_FLAG_RESET exactly the pages returned are reset.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER for bad flags, a zero
 * size or a range that is not inside one write-watched allocation,
 * STATUS_ACCESS_VIOLATION for a bad array.
 */
long mm_get_write_watch(struct ps_process *process, u32 flags, u64 base,
			u64 size, u64 __user *addresses, u64 *count)
{
	unsigned long start, end, addr, max, i, n = 0, run = 0, run_end = 0;
	struct mm_space *space;
	struct mm_vad *vad;
	u64 *found = NULL;
	long status;

	if (flags & ~NT_WRITE_WATCH_FLAG_RESET)
		return STATUS_INVALID_PARAMETER;
	status = mm_watch_range(base, size, &start, &end);
	if (status)
		return status;
	max = min_t(u64, *count, (end - start) >> PAGE_SHIFT);
	if (max) {
		found = kvmalloc_array(max, sizeof(*found), GFP_KERNEL);
		if (!found)
			return STATUS_NO_MEMORY;
	}
	space = mm_space_get(process, false);
	if (IS_ERR_OR_NULL(space)) {
		status = STATUS_INVALID_PARAMETER;
		goto free;
	}
	status = mm_lock_addr(space);
	if (status)
		goto put;
	mutex_lock(&space->lock);
	vad = mm_watch_vad(space, start, end);
	if (!vad) {
		status = STATUS_INVALID_PARAMETER;
		goto out;
	}
	addr = start;
	while (n < max &&
	       (addr = mm_vad_find_page(vad, addr, end, MM_PAGE_WRITTEN,
					MM_PAGE_WRITTEN)) < end) {
		found[n++] = addr;
		addr += PAGE_SIZE;
	}
	mutex_unlock(&space->lock);

	/* The array first: a call that fails changes nothing. */
	if (n && copy_to_user(addresses, found, n * sizeof(*found))) {
		status = STATUS_ACCESS_VIOLATION;
		goto unlock_addr;
	}
	*count = n;
	if (!(flags & NT_WRITE_WATCH_FLAG_RESET) || !n)
		goto unlock_addr;

	/* A munmap() may have taken the allocation meanwhile. */
	mutex_lock(&space->lock);
	vad = mm_watch_vad(space, start, end);
	for (i = 0; vad && i < n; i++) {
		/* Reset runs of adjacent pages with one zap each. */
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
out:
	mutex_unlock(&space->lock);
unlock_addr:
	mutex_unlock(&space->addr_lock);
put:
	mm_space_put(space);
free:
	kvfree(found);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_get_write_watch);

/**
 * mm_reset_write_watch() - NtResetWriteWatch
 * @process: the process (PROCESS_VM_OPERATION)
 * @base: BaseAddress
 * @size: RegionSize
 *
 * Return: STATUS_SUCCESS or STATUS_INVALID_PARAMETER, as mm_get_write_watch().
 */
long mm_reset_write_watch(struct ps_process *process, u64 base, u64 size)
{
	unsigned long start, end;
	struct mm_space *space;
	struct mm_vad *vad;
	long status;

	status = mm_watch_range(base, size, &start, &end);
	if (status)
		return status;
	space = mm_space_get(process, false);
	if (IS_ERR_OR_NULL(space))
		return STATUS_INVALID_PARAMETER;
	status = mm_lock_addr(space);
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
