// SPDX-License-Identifier: GPL-2.0
/*
 * NtReadVirtualMemory and NtWriteVirtualMemory: copies between the
 * caller's buffer and any process's memory, without the target's help.
 *
 * The module's own pages are copied directly from their struct page (GUP
 * refuses VM_PFNMAP); they must be committed and permit the access, as
 * Windows' MmCopyVirtualMemory probes them. Ordinary Linux memory of the
 * target goes through get_user_pages_remote() without FOLL_FORCE, so Linux
 * protections hold too. Both act on the address space the caller's rights
 * were checked against, never on one the target execs into meanwhile. A
 * copy that stops early is STATUS_PARTIAL_COPY with the count of bytes
 * done.
 */
#include <kunit/visibility.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mi.h"
#include "../ntob/compat.h"

/* MmCopyVirtualMemory's unit: 64 KiB, read from the source all or nothing. */
#define MM_COPY_CHUNK		(64 * 1024UL)

/*
 * The page holding @addr if it is one of the space's and permits the
 * access (referenced), NULL if @addr is not the module's memory, or
 * ERR_PTR(-EFAULT) if it is but the access is refused. A read of a page
 * never touched sets *@zero instead: it reads as zeros and stays
 * untouched.
 */
static struct page *mm_copy_page(struct mm_space *space, unsigned long addr,
				 bool write, bool *zero)
{
	struct page *page;
	struct mm_vad *vad;
	u16 state;

	mutex_lock(&space->lock);
	vad = mm_vad_find(&space->vads, addr);
	if (!vad) {
		mutex_unlock(&space->lock);
		return NULL;
	}
	/* A reservation still being made: no page may appear in it yet. */
	if (vad->pending) {
		mutex_unlock(&space->lock);
		return ERR_PTR(-EFAULT);
	}
	state = mm_page_state(vad, addr & PAGE_MASK);
	if (space->dead || !mm_page_allows(state, write ? VM_WRITE : VM_READ)) {
		mutex_unlock(&space->lock);
		return ERR_PTR(-EFAULT);
	}
	/* A write into a write-copy page of a view writes the process's copy. */
	if (write && mm_page_needs_copy(vad, state)) {
		if (mm_page_copy_on_write(space, vad, addr & PAGE_MASK, &state)) {
			mutex_unlock(&space->lock);
			return ERR_PTR(-ENOMEM);
		}
		mm_zap(space, addr & PAGE_MASK, (addr & PAGE_MASK) + PAGE_SIZE);
	}
	page = mm_page_lookup(space, vad, addr & PAGE_MASK, state,
			      write || mm_page_file(vad, state));
	if (!page && !write && !mm_page_file(vad, state)) {
		mutex_unlock(&space->lock);
		*zero = true;
		return NULL;
	}
	if (!page) {
		mutex_unlock(&space->lock);
		return ERR_PTR(-ENOMEM);
	}
	if (write && mm_page_written(space, vad, addr & PAGE_MASK, state)) {
		mutex_unlock(&space->lock);
		return ERR_PTR(-ENOMEM);
	}
	get_page(page);
	mutex_unlock(&space->lock);
	return page;
}

/*
 * Ordinary Linux memory of @mm, as access_remote_vm() (not exported) does
 * it: get_user_pages_remote() without FOLL_FORCE, so Linux protections
 * hold. Return: bytes copied, stopping at the first page that fails.
 */
static unsigned long mm_copy_linux(struct mm_struct *mm, unsigned long addr,
				   void *buf, unsigned long len, bool write)
{
	unsigned long done = 0, n;
	struct page *page;
	long got;

	if (mmap_read_lock_killable(mm))
		return 0;
	while (done < len) {
		got = ntx_get_user_pages_remote(mm, addr, 1,
						write ? FOLL_WRITE : 0, &page);
		if (got <= 0)
			break;
		n = min(len - done, PAGE_SIZE - offset_in_page(addr));
		mm_page_copy(page, offset_in_page(addr), buf + done, n, write);
		if (write)
			set_page_dirty_lock(page);
		put_page(page);
		done += n;
		addr += n;
	}
	mmap_read_unlock(mm);
	return done;
}

/*
 * One chunk between the kernel buffer @buf and @mm at @addr: the module's
 * own pages directly, the rest through mm_copy_linux(). Return: bytes
 * copied, stopping where the target refuses the access; *@no_memory set
 * when it stopped because a page of the module's could not be had.
 */
static unsigned long mm_copy_chunk(struct mm_space *space, struct mm_struct *mm,
				   unsigned long addr, void *buf,
				   unsigned long len, bool write, bool *no_memory)
{
	unsigned long done = 0, n, run;
	struct page *page;
	bool zero;

	while (done < len) {
		n = min(len - done, PAGE_SIZE - offset_in_page(addr));
		zero = false;
		page = space ? mm_copy_page(space, addr, write, &zero) : NULL;
		if (IS_ERR(page)) {
			*no_memory = PTR_ERR(page) == -ENOMEM;
			break;
		}
		if (zero) {
			/* Never touched: reads as zeros, stays untouched. */
			memset(buf + done, 0, n);
		} else if (page) {
			mm_page_copy(page, offset_in_page(addr), buf + done, n, write);
			put_page(page);
		} else {
			/* Linux memory: as far as it goes, up to the next page. */
			run = mm_copy_linux(mm, addr, buf + done, n, write);
			done += run;
			addr += run;
			if (run < n)
				break;
			continue;
		}
		done += n;
		addr += n;
	}
	return done;
}

/**
 * mm_copy_virtual() - NtReadVirtualMemory, NtWriteVirtualMemory
 * @mp: the process (PROCESS_VM_READ or PROCESS_VM_WRITE)
 * @mm: its address space, which the rights hold for
 * @address: BaseAddress in the process
 * @buffer: the caller's buffer
 * @size: bytes
 * @write: write into the process, else read from it
 * @done: out: bytes copied
 *
 * The copy goes in chunks of MM_COPY_CHUNK bytes through a kernel buffer,
 * as MmCopyVirtualMemory does: each chunk of the source (the target's
 * memory for a read, the caller's buffer for a write) is read whole or not
 * at all, so a source that fails part-way counts nothing of that chunk;
 * the destination is written as far as it goes, so its faults keep exact
 * counts.
 *
 * Return: STATUS_SUCCESS, STATUS_PARTIAL_COPY (with *@done valid),
 * STATUS_NO_MEMORY when a page of the target could not be had (*@done
 * valid too), STATUS_ACCESS_VIOLATION for ranges outside user space or a
 * caller buffer that takes nothing, STATUS_PROCESS_IS_TERMINATING, or
 * NTX_STATUS_RESTART when the caller was killed (it never returns to see
 * the count).
 */
ntstatus_t mm_copy_virtual(struct mm_process *mp, struct mm_struct *mm,
			   u64 address, void __user *buffer, u64 size, bool write,
			   u64 *done)
{
	struct mm_space *space;
	unsigned long n, got;
	ntstatus_t status = STATUS_SUCCESS;
	bool no_memory = false;
	u64 copied = 0;
	void *bounce;

	*done = 0;
	if (!size)
		return STATUS_SUCCESS;
	if (address + size < address || address + size > TASK_SIZE ||
	    !access_ok(buffer, size))
		return STATUS_ACCESS_VIOLATION;
	space = mm_space_get(mp, mm, false);
	if (IS_ERR(space))
		return STATUS_PROCESS_IS_TERMINATING;
	bounce = kvmalloc(min_t(u64, size, MM_COPY_CHUNK), GFP_KERNEL);
	if (!bounce) {
		status = STATUS_NO_MEMORY;
		goto out;
	}

	while (copied < size) {
		unsigned long addr = address + copied;
		void __user *ubuf = buffer + copied;

		n = min_t(u64, size - copied, MM_COPY_CHUNK);
		if (write) {
			if (copy_from_user(bounce, ubuf, n))
				break;
			got = mm_copy_chunk(space, mm, addr, bounce, n, true, &no_memory);
			copied += got;
			if (got < n)
				break;
		} else {
			if (mm_copy_chunk(space, mm, addr, bounce, n, false, &no_memory) < n)
				break;
			got = n - copy_to_user(ubuf, bounce, n);
			copied += got;
			if (got < n) {
				status = STATUS_ACCESS_VIOLATION;
				break;
			}
		}
		if (fatal_signal_pending(current)) {
			status = NTX_STATUS_RESTART;
			break;
		}
		cond_resched();
	}
	kvfree(bounce);
	if (status == STATUS_SUCCESS && copied < size)
		status = no_memory ? STATUS_NO_MEMORY : STATUS_PARTIAL_COPY;
	else if (status == STATUS_ACCESS_VIOLATION && copied)
		status = STATUS_PARTIAL_COPY;
out:
	if (space)
		mm_space_put(space);
	*done = copied;
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_copy_virtual);
