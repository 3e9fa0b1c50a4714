// SPDX-License-Identifier: GPL-2.0
/*
 * NtReadVirtualMemory and NtWriteVirtualMemory: copies between the
 * caller's buffer and any process's memory, without the target's help.
 *
 * The module's own pages are copied directly from their struct page (GUP
 * refuses VM_PFNMAP); they must be committed and permit the access, as
 * Windows' MmCopyVirtualMemory probes them. Ordinary Linux memory of the
 * target goes through access_process_vm() without FOLL_FORCE, so Linux
 * protections hold too. A copy that stops early is STATUS_PARTIAL_COPY
 * with the count of bytes done.
 */
#include <kunit/visibility.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mm.h"
#include "../ntps/ps.h"

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
	unsigned long allowed;
	struct page *page;
	struct mm_vad *vad;
	u16 state;

	mutex_lock(&space->lock);
	vad = mm_vad_find(&space->vads, addr);
	if (!vad) {
		mutex_unlock(&space->lock);
		return NULL;
	}
	state = mm_vad_page_state(vad, addr);
	allowed = mm_protect_to_vm_flags(state & MM_PAGE_PROT_MASK);
	if (space->dead || !(state & MM_PAGE_COMMITTED) ||
	    (state & NT_PAGE_GUARD) || !(allowed & (write ? VM_WRITE : VM_READ))) {
		mutex_unlock(&space->lock);
		return ERR_PTR(-EFAULT);
	}
	page = mm_get_page(space, vad, addr & PAGE_MASK, write);
	if (!page && !write) {
		mutex_unlock(&space->lock);
		*zero = true;
		return NULL;
	}
	if (!page) {
		mutex_unlock(&space->lock);
		return ERR_PTR(-ENOMEM);
	}
	if (write && (vad->flags & NT_MEM_WRITE_WATCH) &&
	    !(state & MM_PAGE_WRITTEN) &&
	    mm_vad_update_pages(vad, addr & PAGE_MASK,
				(addr & PAGE_MASK) + PAGE_SIZE, 0,
				MM_PAGE_WRITTEN)) {
		mutex_unlock(&space->lock);
		return ERR_PTR(-ENOMEM);
	}
	get_page(page);
	mutex_unlock(&space->lock);
	return page;
}

/**
 * mm_copy_virtual() - NtReadVirtualMemory, NtWriteVirtualMemory
 * @process: the process (PROCESS_VM_READ or PROCESS_VM_WRITE)
 * @address: BaseAddress in @process
 * @buffer: the caller's buffer
 * @size: bytes
 * @write: write into @process, else read from it
 * @done: out: bytes copied
 *
 * Return: STATUS_SUCCESS, STATUS_PARTIAL_COPY (with *@done valid),
 * STATUS_ACCESS_VIOLATION for ranges outside user space or a bad caller
 * buffer with nothing copied, STATUS_PROCESS_IS_TERMINATING.
 */
long mm_copy_virtual(struct ps_process *process, u64 address,
		     void __user *buffer, u64 size, bool write, u64 *done)
{
	struct task_struct *task;
	struct mm_space *space;
	unsigned long n, left;
	struct page *page;
	long status = STATUS_SUCCESS;
	void *bounce, *kaddr;
	u64 copied = 0;
	bool zero;
	int ret;

	*done = 0;
	if (!size)
		return STATUS_SUCCESS;
	if (address + size < address || address + size > TASK_SIZE ||
	    !access_ok(buffer, size))
		return STATUS_ACCESS_VIOLATION;
	task = mm_live_thread(process);
	if (!task)
		return STATUS_PROCESS_IS_TERMINATING;
	space = mm_space_get(process, false);
	if (IS_ERR(space))
		space = NULL;
	bounce = (void *)__get_free_page(GFP_KERNEL);
	if (!bounce) {
		status = STATUS_NO_MEMORY;
		goto out;
	}

	while (copied < size) {
		unsigned long addr = address + copied;
		void __user *ubuf = buffer + copied;

		n = min_t(u64, size - copied, PAGE_SIZE - offset_in_page(addr));
		zero = false;
		page = space ? mm_copy_page(space, addr, write, &zero) : NULL;
		if (IS_ERR(page))
			break;
		if (zero) {
			left = clear_user(ubuf, n);
			copied += n - left;
			if (left) {
				status = STATUS_ACCESS_VIOLATION;
				break;
			}
			continue;
		}
		if (page) {
			kaddr = kmap_local_page(page);
			if (write)
				left = copy_from_user(kaddr + offset_in_page(addr),
						      ubuf, n);
			else
				left = copy_to_user(ubuf,
						    kaddr + offset_in_page(addr), n);
			kunmap_local(kaddr);
			put_page(page);
			copied += n - left;
			if (left) {
				status = STATUS_ACCESS_VIOLATION;
				break;
			}
			continue;
		}

		/* Ordinary Linux memory of the process. */
		if (write && copy_from_user(bounce, ubuf, n)) {
			status = STATUS_ACCESS_VIOLATION;
			break;
		}
		ret = access_process_vm(task, addr, bounce, n,
					write ? FOLL_WRITE : 0);
		if (ret <= 0)
			break;
		if (!write && copy_to_user(ubuf, bounce, ret)) {
			status = STATUS_ACCESS_VIOLATION;
			break;
		}
		copied += ret;
		if (ret < n)
			break;
	}
	free_page((unsigned long)bounce);
	if (copied < size && status == STATUS_SUCCESS)
		status = STATUS_PARTIAL_COPY;
	else if (status == STATUS_ACCESS_VIOLATION && copied)
		status = STATUS_PARTIAL_COPY;
out:
	if (space)
		mm_space_put(space);
	put_task_struct(task);
	*done = copied;
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_copy_virtual);
