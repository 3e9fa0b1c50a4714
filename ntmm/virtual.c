// SPDX-License-Identifier: GPL-2.0
/*
 * NtAllocateVirtualMemory, NtFreeVirtualMemory, NtProtectVirtualMemory,
 * NtQueryVirtualMemory, NtLockVirtualMemory, NtUnlockVirtualMemory and
 * NtFlushVirtualMemory on the space of any process.
 *
 * Creating and removing an allocation changes the process's VMAs and runs
 * in the process (mm_run_in()); commit, decommit, protect, lock and query
 * change or read the module's state and zap PTEs, from any context. The
 * argument rules are in protect.c, the tree in vad.c.
 */
#include <kunit/visibility.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mi.h"
#include "../ntob/trace.h"


/* The end of the user address space NtQueryVirtualMemory walks. */
#define MM_QUERY_LIMIT		(NT_HIGHEST_USER_ADDRESS + 1)


static struct mm_space *mm_get(struct mm_process *mp, struct mm_struct *mm,
			       bool create, ntstatus_t *status)
{
	struct mm_space *space = mm_space_get(mp, mm, create);

	if (IS_ERR(space)) {
		*status = STATUS_PROCESS_IS_TERMINATING;
		return NULL;
	}
	if (!space)
		*status = create ? STATUS_NO_MEMORY : STATUS_MEMORY_NOT_ALLOCATED;
	return space;
}

/* Linux VMAs in the way of a new allocation; the stack keeps a gap below. */
#define MM_STACK_GAP	(256UL << PAGE_SHIFT)

static bool mm_linux_range_free(void *ctx, unsigned long start,
				unsigned long end, unsigned long *busy_start,
				unsigned long *busy_end)
{
	struct vm_area_struct *vma = find_vma(ctx, start);
	unsigned long vstart;

	if (end > TASK_SIZE) {
		*busy_start = TASK_SIZE;
		*busy_end = ULONG_MAX;
		return false;
	}
	if (!vma)
		return true;
	vstart = vma->vm_start;
	if (vma->vm_flags & VM_GROWSDOWN)
		vstart = vstart > MM_STACK_GAP ? vstart - MM_STACK_GAP : 0;
	if (vstart >= end)
		return true;
	*busy_start = vstart;
	*busy_end = vma->vm_end;
	return false;
}



/**
 * mm_place_vad() - insert a new VAD and make its VMA, all or nothing
 * @space: the space, its addr_lock held; current->mm is its mm
 * @vad: the VAD, allocated at its range and pending (no page may be put
 *	in it until its VMA exists, mm_copy_page())
 * @charge: pages of commit it needs (mm_space_charge(), with the VAD's
 *	insertion, under the space's lock)
 *
 * The VAD, its charge and its section reference go with the call: on
 * failure they are given back, by the VMA's .close when a failed mmap
 * closed it, or here.
 *
 * Return: 0, -EEXIST (something is there), -ENOSPC (the commit limit, the
 * system's or a job's), -ENOMEM, or another errno of vm_mmap().
 */
int mm_place_vad(struct mm_space *space, struct mm_vad *vad, unsigned long charge)
{
	unsigned long start = vad->start, end = vad->end;
	struct mm_vad *other;
	LIST_HEAD(freed);
	int err;

	vad->pending = true;
	mutex_lock(&space->lock);
	other = mm_vad_find_next(&space->vads, start);
	if (other && other->start < end)
		err = -EEXIST;
	else if (mm_space_charge(space, charge))
		err = -ENOSPC;
	else if (mm_vad_insert(&space->vads, vad)) {
		mm_space_decommit(space, charge, 0);
		err = -ENOMEM;
	}
	mutex_unlock(&space->lock);
	if (err) {
		if (vad->section)
			ob_dereference(&vad->section->ob);
		mm_vad_free(vad);
		return err;
	}

	err = mm_map_range(space, start, end - start);
	/*
	 * The VMA's .close may have released the VAD already: a failed mmap
	 * closes the new VMA, and a racing munmap() or mremap() of the
	 * process may remove it. No VAD can be allocated meanwhile
	 * (addr_lock), so a VAD found at @start with @vad's address is ours.
	 */
	mutex_lock(&space->lock);
	if (mm_vad_find(&space->vads, start) == vad) {
		if (!err)
			vad->pending = false;
		else
			mm_release_vads(space, start, end, &freed);
	}
	mutex_unlock(&space->lock);
	mm_put_pages(&freed);
	return err;
}

/* One try at an allocation or a view at @start: see mm_place_vad(). */
static int mm_reserve_at(struct mm_space *space, const struct mm_reserve *req,
			 unsigned long start)
{
	const struct mm_alloc_plan *plan = &req->plan;
	unsigned long pages = plan->size >> PAGE_SHIFT;
	unsigned long charge = plan->commit && !req->section ? pages : 0;
	struct mm_vad *vad;

	if (req->section)
		vad = mm_vad_alloc(start, start + plan->size, NT_MEM_MAPPED, plan->protect,
				   0, MM_PAGE_COMMITTED | plan->protect);
	else
		vad = mm_vad_alloc(start, start + plan->size, NT_MEM_PRIVATE, plan->protect,
				   plan->write_watch ? NT_MEM_WRITE_WATCH : 0,
				   plan->commit ? MM_PAGE_COMMITTED | plan->protect : 0);
	if (IS_ERR(vad))
		return -ENOMEM;
	if (req->image && mm_image_layout(vad, req->image)) {
		mm_vad_free(vad);
		return -ENOMEM;
	}
	if (req->section) {
		vad->section = req->section;
		vad->offset = req->offset;
		vad->view_access = req->view_access;
		vad->inherit = req->inherit;
		ob_reference(&req->section->ob);
	}
	return mm_place_vad(space, vad, charge);
}

/* Create an allocation or a view: runs in the process that gets it. */
ntstatus_t mm_do_reserve(struct mm_space *space, void *args, bool remote)
{
	struct mm_reserve *req = args;
	struct mm_alloc_plan *plan = &req->plan;
	unsigned long start;
	ntstatus_t status;
	int tries, err = -ENOMEM;

	status = mm_lock_addr(space, remote);
	if (status)
		return status;
	for (tries = 0; tries < 8; tries++) {
		if (plan->fixed) {
			start = plan->start;
		} else {
			struct mm_vad_free_req fr = {
				.size = plan->size,
				.min = plan->min,
				.max = plan->max,
				.align = NT_ALLOCATION_GRANULARITY,
				.zero_bits = plan->zero_bits,
				.top_down = plan->top_down,
				.range_free = mm_linux_range_free,
				.ctx = current->mm,
			};

			mmap_read_lock(current->mm);
			mutex_lock(&space->lock);
			status = mm_vad_find_free(&space->vads, &fr, &start);
			mutex_unlock(&space->lock);
			mmap_read_unlock(current->mm);
			if (status)
				goto out;
		}
		err = mm_reserve_at(space, req, start);
		if (!err) {
			req->base = start;
			req->size = plan->size;
			goto out;
		}
		/* Something was mapped there meanwhile: look again. */
		if (err != -EEXIST || plan->fixed)
			break;
	}
	status = err == -ENOSPC ? STATUS_COMMITMENT_LIMIT :
		 err == -ENOMEM || tries == 8 ? STATUS_NO_MEMORY :
		 STATUS_CONFLICTING_ADDRESSES;
out:
	mutex_unlock(&space->addr_lock);
	return status;
}

/*
 * Whether every access some page of [start, end) permits is still
 * permitted under @protect: if so no PTE needs to go.
 */
static bool mm_protect_is_upgrade(struct mm_vad *vad, unsigned long start,
				  unsigned long end, u32 protect)
{
	u16 first = mm_vad_page_state(vad, start) & MM_PAGE_PROT_MASK;
	unsigned long old_flags, new_flags;

	if (!mm_vad_pages_match(vad, start, end, MM_PAGE_PROT_MASK, first))
		return false;
	if ((first ^ protect) & (NT_PAGE_GUARD | NT_PAGE_CACHE_MASK) ||
	    (protect & NT_PAGE_GUARD))
		return false;
	old_flags = mm_protect_to_vm_flags(first);
	new_flags = mm_protect_to_vm_flags(protect);
	/*
	 * Only write can be added to a present PTE later (.pfn_mkwrite);
	 * execute needs the PTE rebuilt without NX.
	 */
	return !(old_flags & ~new_flags) && !((new_flags & ~old_flags) & VM_EXEC);
}

/* MEM_COMMIT, MEM_RESET, MEM_RESET_UNDO inside an allocation: any context. */
static ntstatus_t mm_do_commit(struct mm_space *space, struct mm_reserve *req)
{
	struct mm_alloc_plan *plan = &req->plan;
	unsigned long start = plan->start, end = plan->end, newly;
	struct mm_vad *vad;
	ntstatus_t status;
	LIST_HEAD(freed);
	bool lost;
	u32 prot;

	status = mm_lock_addr(space, false);
	if (status)
		return status;
	mutex_lock(&space->lock);
	vad = mm_vad_find(&space->vads, start);
	if (!vad || end > vad->end) {
		/* The WRK: no single allocation holds the range. */
		status = STATUS_CONFLICTING_ADDRESSES;
		goto out;
	}

	/* In a view, MEM_COMMIT commits in the section; MEM_RESET does nothing. */
	if (vad->section) {
		if (plan->op == MM_ALLOC_COMMIT)
			status = mm_view_commit(space, vad, plan->protect, start, end);
		if (status)
			goto out;
		goto done;
	}
	switch (plan->op) {
	case MM_ALLOC_COMMIT:
		/* test_VirtualAlloc_protection: no write-copy private pages. */
		if (mm_protect_is_writecopy(plan->protect)) {
			status = STATUS_INVALID_PAGE_PROTECTION;
			goto out;
		}
		prot = mm_protect_for_allocation(vad->allocation_protect,
						 plan->protect);
		newly = mm_vad_count_pages(vad, start, end, MM_PAGE_COMMITTED, 0);
		status = mm_space_charge(space, newly);
		if (status)
			goto out;
		if (mm_vad_update_pages(vad, start, end, MM_PAGE_PROT_MASK |
					MM_PAGE_RESET, MM_PAGE_COMMITTED | prot)) {
			mm_space_decommit(space, newly, 0);
			status = STATUS_NO_MEMORY;
			goto out;
		}
		/* Re-committed pages take the new protection. */
		if (newly != (end - start) >> PAGE_SHIFT)
			mm_zap(space, start, end);
		break;
	case MM_ALLOC_RESET:
	case MM_ALLOC_RESET_UNDO:
		/*
		 * Pages keep their contents until something needs the
		 * memory: MM_PAGE_RESET tells the trimmer to free them
		 * instead of keeping them on the modified list (wsle.c), and
		 * pages already trimmed go now. MEM_RESET_UNDO takes that
		 * back, and fails with STATUS_CONFLICTING_ADDRESSES, as
		 * Windows does, when some page was discarded meanwhile (its
		 * contents are zeros now); the pages are no longer reset
		 * either way. Reserved pages stay reserved (test_VirtualAlloc:
		 * MEM_RESET on them succeeds) and unmarked: they have no
		 * contents, and marking them would cost state memory for
		 * pages nobody was charged for.
		 */
		if (mm_vad_update_pages_if(vad, start, end, MM_PAGE_COMMITTED,
					   MM_PAGE_COMMITTED, MM_PAGE_RESET,
					   plan->op == MM_ALLOC_RESET ?
					   MM_PAGE_RESET : 0)) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
		if (plan->op == MM_ALLOC_RESET) {
			/* Mapped read-only from now: a write un-resets (mi.h). */
			mm_zap(space, start, end);
			mm_ws_reset(space, vad, start, end, &freed);
		} else {
			lost = mm_ws_reset_undo(space, start, end);
			if (lost) {
				status = STATUS_CONFLICTING_ADDRESSES;
				goto out;
			}
		}
		break;
	default:
		status = STATUS_INVALID_PARAMETER;
		goto out;
	}
done:
	req->base = start;
	req->size = end - start;
out:
	mutex_unlock(&space->lock);
	mutex_unlock(&space->addr_lock);
	mm_put_pages(&freed);
	return status;
}

/**
 * mm_allocate_virtual() - NtAllocateVirtualMemory
 * @mp: the process (the handle was checked for PROCESS_VM_OPERATION)
 * @mm: its address space, which the check was about
 * @base: in/out: *BaseAddress
 * @size: in/out: *RegionSize
 * @zero_bits: ZeroBits
 * @type: AllocationType
 * @protect: Protect
 *
 * Return: an NTSTATUS, or NTX_STATUS_RESTART. @base and @size are written
 * only on success.
 */
ntstatus_t mm_allocate_virtual(struct mm_process *mp, struct mm_struct *mm,
			 u64 *base, u64 *size, u64 zero_bits, u32 type,
			 u32 protect)
{
	struct mm_alloc_args args = {
		.base = *base,
		.size = *size,
		.zero_bits = zero_bits,
		.type = type,
		.protect = protect,
	};
	struct mm_reserve req = {};
	struct mm_space *space;
	ntstatus_t status;

	bool grown = false;

	status = mm_check_allocate(&args, &req.plan);
	if (status)
		return status;
	space = mm_get(mp, mm, true, &status);
	if (!space)
		return status;
again:
	if (req.plan.op == MM_ALLOC_RESERVE)
		status = mm_run_in(mp, space, mm_do_reserve, &req);
	else
		status = mm_do_commit(space, &req);
	/* Past the commit limit: the paging files grow, then once more. */
	if (status == STATUS_COMMITMENT_LIMIT && !grown &&
	    mm_commit_grow(PAGE_ALIGN(args.size) >> PAGE_SHIFT)) {
		grown = true;
		memset(&req, 0, sizeof(req));
		status = mm_check_allocate(&args, &req.plan);
		if (!status)
			goto again;
	}
	mm_space_put(space);
	if (status == STATUS_SUCCESS) {
		*base = req.base;
		*size = req.size;
	}
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_allocate_virtual);

struct mm_release {
	struct mm_free_plan plan;
	unsigned long base;
	unsigned long size;
};

/* Split the VAD holding @addr so that a VAD starts there. */
static int mm_split_at(struct mm_space *space, unsigned long addr)
{
	struct mm_vad *vad = mm_vad_find(&space->vads, addr), *upper;

	if (!vad || vad->start == addr)
		return 0;
	return mm_vad_split(&space->vads, vad, addr, &upper);
}

/* MEM_RELEASE: runs in the process, which loses the VMA. */
static ntstatus_t mm_do_release(struct mm_space *space, void *args, bool remote)
{
	struct mm_release *req = args;
	struct mm_vad_free_range range;
	ntstatus_t status;
	int err;

	status = mm_lock_addr(space, remote);
	if (status)
		return status;
	mutex_lock(&space->lock);
	status = mm_vad_resolve_free(&space->vads, &req->plan, &range);
	/* A view goes with NtUnmapViewOfSection only. */
	if (!status && range.vad->section)
		status = STATUS_UNABLE_TO_DELETE_SECTION;
	if (!status && (mm_split_at(space, range.start) ||
			mm_split_at(space, range.end)))
		status = STATUS_NO_MEMORY;
	mutex_unlock(&space->lock);
	if (status)
		goto out;

	/* mm_vm_close() forgets the VADs and frees their pages. */
	err = mm_unmap_range(space, range.start, range.end - range.start);
	if (err) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	req->base = range.start;
	req->size = range.size;
out:
	mutex_unlock(&space->addr_lock);
	return status;
}

/* MEM_DECOMMIT: any context. */
static ntstatus_t mm_do_decommit(struct mm_space *space, struct mm_release *req)
{
	struct mm_vad_free_range range;
	unsigned long committed, locked;
	LIST_HEAD(freed);
	ntstatus_t status;

	status = mm_lock_addr(space, false);
	if (status)
		return status;
	mutex_lock(&space->lock);
	status = mm_vad_resolve_free(&space->vads, &req->plan, &range);
	if (!status && range.vad->section)
		status = STATUS_UNABLE_TO_DELETE_SECTION;
	if (status)
		goto out;
	committed = mm_vad_count_pages(range.vad, range.start, range.end,
				 MM_PAGE_COMMITTED, MM_PAGE_COMMITTED);
	locked = mm_vad_count_pages(range.vad, range.start, range.end,
			      MM_PAGE_LOCKED, MM_PAGE_LOCKED);
	if (mm_vad_update_pages(range.vad, range.start, range.end,
				MM_PAGE_COMMITTED | MM_PAGE_PROT_MASK |
				MM_PAGE_LOCKED | MM_PAGE_WRITTEN |
				MM_PAGE_RESET, 0)) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	mm_space_decommit(space, committed, locked);
	/* PTEs first, then the pages they mapped. */
	mm_zap(space, range.start, range.end);
	mm_free_pages(space, range.start, range.end, &freed);
	req->base = range.start;
	req->size = range.size;
out:
	mutex_unlock(&space->lock);
	mutex_unlock(&space->addr_lock);
	mm_put_pages(&freed);
	return status;
}

/**
 * mm_free_virtual() - NtFreeVirtualMemory
 * @mp: the process (PROCESS_VM_OPERATION)
 * @mm: its address space
 * @base: in/out: *BaseAddress
 * @size: in/out: *RegionSize
 * @type: FreeType
 *
 * Return: an NTSTATUS, or NTX_STATUS_RESTART.
 */
ntstatus_t mm_free_virtual(struct mm_process *mp, struct mm_struct *mm,
		     u64 *base, u64 *size, u32 type)
{
	struct mm_release req = {};
	struct mm_space *space;
	ntstatus_t status;

	status = mm_check_free(*base, *size, type, 0, &req.plan);
	if (status)
		return status;
	space = mm_get(mp, mm, false, &status);
	if (!space)
		return status;
	if (req.plan.release)
		status = mm_run_in(mp, space, mm_do_release, &req);
	else
		status = mm_do_decommit(space, &req);
	mm_space_put(space);
	if (status == STATUS_SUCCESS) {
		*base = req.base;
		*size = req.size;
	}
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_free_virtual);

/*
 * The pages [*base, *base + *size) cover, for the services that take a
 * range of pages. A zero size covers the page of *base, as the WRK's
 * rounding does.
 */
static ntstatus_t mm_page_range(u64 base, u64 size, unsigned long *start,
			  unsigned long *end)
{
	if (base > NT_HIGHEST_USER_ADDRESS)
		return STATUS_INVALID_PARAMETER_2;
	if (size > NT_HIGHEST_USER_ADDRESS + 1 - base)
		return STATUS_INVALID_PARAMETER_3;
	*start = base & PAGE_MASK;
	*end = PAGE_ALIGN(base + (size ?: 1));
	return STATUS_SUCCESS;
}

/**
 * mm_protect_virtual() - NtProtectVirtualMemory
 * @mp: the process (PROCESS_VM_OPERATION)
 * @mm: its address space
 * @base: in/out: *BaseAddress
 * @size: in/out: *RegionSize
 * @protect: NewProtect
 * @old_protect: out: the old protection of the first page
 *
 * Return: an NTSTATUS.
 */
ntstatus_t mm_protect_virtual(struct mm_process *mp, struct mm_struct *mm,
			u64 *base, u64 *size, u32 protect, u32 *old_protect)
{
	unsigned long start, end;
	struct mm_space *space;
	struct mm_vad *vad;
	ntstatus_t status;
	u32 canon, prot;

	status = mm_page_range(*base, *size, &start, &end);
	if (status)
		return status;
	status = mm_check_protect(protect, MM_PROTECT_MAPPED, &canon);
	if (status)
		return status;
	space = mm_get(mp, mm, false, &status);
	if (!space)
		return status == STATUS_PROCESS_IS_TERMINATING ? status :
		       STATUS_CONFLICTING_ADDRESSES;
	status = mm_lock_addr(space, false);
	if (status)
		goto put;
	mutex_lock(&space->lock);
	vad = mm_vad_find(&space->vads, start);
	if (!vad || end > vad->end) {
		status = STATUS_CONFLICTING_ADDRESSES;
		goto out;
	}
	/* A view: within what the view and its section allow (checked first). */
	if (vad->section) {
		if (vad->section->segment->image)
			canon = mm_image_protect(canon);
		status = mm_view_protect(vad, canon);
		if (status)
			goto out;
	}
	if (!mm_range_committed(vad, start, end)) {
		status = STATUS_NOT_COMMITTED;
		goto out;
	}
	/* ReactOS' MiProtectVirtualMemory: no write-copy on private memory. */
	if (vad->type == NT_MEM_PRIVATE && mm_protect_is_writecopy(canon)) {
		status = STATUS_INVALID_PARAMETER_4;
		goto out;
	}
	prot = mm_protect_for_allocation(vad->allocation_protect, canon);
	*old_protect = mm_vad_page_state(vad, start) & MM_PAGE_PROT_MASK;
	/* Write-copy maps the section's pages read-only: no PTE may stay writable. */
	if (!mm_protect_is_upgrade(vad, start, end, prot) ||
	    (vad->section && mm_protect_is_writecopy(prot)))
		mm_zap(space, start, end);
	if (mm_vad_update_pages(vad, start, end, MM_PAGE_PROT_MASK, prot)) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	trace_ntexec_protect(start, end, *old_protect, prot);
	*base = start;
	*size = end - start;
out:
	mutex_unlock(&space->lock);
	mutex_unlock(&space->addr_lock);
put:
	mm_space_put(space);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_protect_virtual);

/* The NT protection of a Linux VMA. */
static u32 mm_linux_protect(struct vm_area_struct *vma)
{
	static const u32 prot[8] = {
		[0] = NT_PAGE_NOACCESS,
		[VM_READ] = NT_PAGE_READONLY,
		[VM_WRITE] = NT_PAGE_READWRITE,
		[VM_READ | VM_WRITE] = NT_PAGE_READWRITE,
		[VM_EXEC] = NT_PAGE_EXECUTE,
		[VM_EXEC | VM_READ] = NT_PAGE_EXECUTE_READ,
		[VM_EXEC | VM_WRITE] = NT_PAGE_EXECUTE_READWRITE,
		[VM_EXEC | VM_READ | VM_WRITE] = NT_PAGE_EXECUTE_READWRITE,
	};
	u32 p = prot[vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)];

	/* A private file mapping that may be written is copy-on-write. */
	if (vma->vm_file && !(vma->vm_flags & VM_SHARED) &&
	    (vma->vm_flags & VM_WRITE))
		p = (vma->vm_flags & VM_EXEC) ? NT_PAGE_EXECUTE_WRITECOPY :
						NT_PAGE_WRITECOPY;
	return p;
}

/* The first Linux VMA ending above @addr that is not one of ours. */
static struct vm_area_struct *mm_next_linux_vma(struct mm_struct *mm,
						unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	while (vma && mm_vma_is_ntexec(vma))
		vma = find_vma(mm, vma->vm_end);
	return vma;
}

/*
 * MemoryBasicInformation: the module's allocations from the VAD tree, the
 * rest of the address space from the Linux VMAs: a mapping shows as
 * committed MEM_MAPPED (file) or MEM_PRIVATE memory, a PROT_NONE
 * anonymous mapping (a reservation made with mmap) as reserved, a hole as
 * free.
 */
static ntstatus_t mm_basic_info(struct mm_process *mp, struct mm_struct *mm,
			  unsigned long addr, struct mm_vad_region *r)
{
	struct vm_area_struct *vma;
	struct mm_space *space;
	ntstatus_t status;

	space = mm_space_get(mp, mm, false);
	if (IS_ERR(space))
		return STATUS_PROCESS_IS_TERMINATING;

	mmap_read_lock(mm);
	if (space && space->mm == mm) {
		mutex_lock(&space->lock);
		status = mm_vad_query(&space->vads, addr, MM_QUERY_LIMIT, r);
		/* A view's pages are committed or not in its section. */
		if (!status && r->type == NT_MEM_MAPPED)
			mm_view_region(mm_vad_find(&space->vads, addr), r->base, r);
		mutex_unlock(&space->lock);
	} else {
		memset(r, 0, sizeof(*r));
		r->base = addr & PAGE_MASK;
		r->size = MM_QUERY_LIMIT - r->base;
		r->state = NT_MEM_FREE;
		r->protect = NT_PAGE_NOACCESS;
		status = STATUS_SUCCESS;
	}
	if (!status && r->state == NT_MEM_FREE) {
		vma = mm_next_linux_vma(mm, r->base);
		if (vma && vma->vm_start <= r->base) {
			r->size = min(vma->vm_end, MM_QUERY_LIMIT) - r->base;
			r->allocation_base = vma->vm_start;
			r->protect = mm_linux_protect(vma);
			r->allocation_protect = r->protect;
			r->type = vma->vm_file ? NT_MEM_MAPPED : NT_MEM_PRIVATE;
			r->state = NT_MEM_COMMIT;
			if (r->protect == NT_PAGE_NOACCESS && !vma->vm_file) {
				r->state = NT_MEM_RESERVE;
				r->protect = 0;
			}
		} else if (vma && vma->vm_start < r->base + r->size) {
			r->size = vma->vm_start - r->base;
		}
	}
	mmap_read_unlock(mm);
	if (space)
		mm_space_put(space);
	return status;
}

/**
 * mm_query_mapped_file() - the file of MemoryMappedFilenameInformation
 * @mp: the process (PROCESS_QUERY_INFORMATION)
 * @mm: its address space
 * @address: BaseAddress
 * @file: out: the file mapped at @address, referenced (fput() it)
 *
 * A view of a file or image section names its file; so does an ordinary
 * Linux file mapping.
 *
 * Return: STATUS_SUCCESS; STATUS_FILE_INVALID for a view of a pagefile
 * section; STATUS_INVALID_ADDRESS for private memory, a hole or an
 * anonymous mapping (as Windows answers); STATUS_INVALID_PARAMETER past
 * the user address space; STATUS_PROCESS_IS_TERMINATING.
 */
ntstatus_t mm_query_mapped_file(struct mm_process *mp, struct mm_struct *mm,
				u64 address, struct file **file)
{
	ntstatus_t status = STATUS_INVALID_ADDRESS;
	struct vm_area_struct *vma;
	struct mm_space *space;
	struct mm_vad *vad = NULL;

	*file = NULL;
	if (address >= MM_QUERY_LIMIT)
		return STATUS_INVALID_PARAMETER;
	space = mm_space_get(mp, mm, false);
	if (IS_ERR(space))
		return STATUS_PROCESS_IS_TERMINATING;
	mmap_read_lock(mm);
	if (space && space->mm == mm) {
		mutex_lock(&space->lock);
		vad = mm_vad_find(&space->vads, address);
		if (vad && vad->section && vad->section->segment->file) {
			*file = get_file(vad->section->segment->file);
			status = STATUS_SUCCESS;
		} else if (vad && vad->section) {
			status = STATUS_FILE_INVALID;
		}
		mutex_unlock(&space->lock);
	}
	if (!vad) {
		vma = mm_next_linux_vma(mm, address);
		if (vma && vma->vm_start <= address && vma->vm_file) {
			*file = get_file(vma->vm_file);
			status = STATUS_SUCCESS;
		}
	}
	mmap_read_unlock(mm);
	if (space)
		mm_space_put(space);
	return status;
}

/**
 * mm_query_virtual() - NtQueryVirtualMemory
 * @mp: the process (PROCESS_QUERY_INFORMATION)
 * @mm: its address space
 * @address: BaseAddress
 * @info_class: MemoryInformationClass
 * @length: MemoryInformationLength
 * @mbi: out: the answer, for the caller to copy out
 * @return_length: out: its size
 *
 * Return: an NTSTATUS.
 */
ntstatus_t mm_query_virtual(struct mm_process *mp, struct mm_struct *mm,
			    u64 address, u32 info_class, u64 length,
			    struct nt_memory_basic_information *mbi,
			    u64 *return_length)
{
	struct mm_vad_region r;
	ntstatus_t status;

	if (info_class != NT_MEMORY_BASIC_INFORMATION)
		return STATUS_INVALID_INFO_CLASS;
	if (length < sizeof(*mbi))
		return STATUS_INFO_LENGTH_MISMATCH;
	if (address >= MM_QUERY_LIMIT)
		return STATUS_INVALID_PARAMETER;
	status = mm_basic_info(mp, mm, address, &r);
	if (status)
		return status;
	memset(mbi, 0, sizeof(*mbi));
	mbi->base_address = r.base;
	mbi->allocation_base = r.allocation_base;
	mbi->allocation_protect = r.allocation_protect;
	mbi->region_size = r.size;
	mbi->state = r.state;
	mbi->protect = r.protect;
	mbi->type = r.type;
	*return_length = sizeof(*mbi);
	return STATUS_SUCCESS;
}

/*
 * CommitSize of a view (Windows' documentation of
 * WIN32_MEMORY_REGION_INFORMATION): its pages that are write-copy or were
 * made private by a write-copy, the pages charged to the process rather
 * than the section.
 */
static unsigned long mm_view_commit_pages(struct mm_vad *vad)
{
	return mm_vad_count_pages(vad, vad->start, vad->end, MM_PAGE_PRIVATE,
				  MM_PAGE_PRIVATE) +
	       mm_vad_count_pages(vad, vad->start, vad->end,
				  MM_PAGE_PRIVATE | NT_PAGE_WRITECOPY,
				  NT_PAGE_WRITECOPY) +
	       mm_vad_count_pages(vad, vad->start, vad->end,
				  MM_PAGE_PRIVATE | NT_PAGE_EXECUTE_WRITECOPY,
				  NT_PAGE_EXECUTE_WRITECOPY);
}

/* MEMORY_REGION_INFORMATION of one of the module's VADs. */
static void mm_vad_region_info(struct mm_vad *vad,
			       struct nt_memory_region_information *info)
{
	struct mm_segment *seg = vad->section ? vad->section->segment : NULL;
	unsigned long pages;

	info->allocation_base = vad->start;
	info->allocation_protect = vad->allocation_protect;
	info->region_size = vad->end - vad->start;
	if (!seg) {
		info->region_type = NT_REGION_PRIVATE;
		pages = mm_vad_count_pages(vad, vad->start, vad->end,
					   MM_PAGE_COMMITTED, MM_PAGE_COMMITTED);
	} else {
		info->region_type = seg->image ? NT_REGION_MAPPED_IMAGE :
				    seg->file ? NT_REGION_MAPPED_DATA_FILE :
				    NT_REGION_MAPPED_PAGE_FILE;
		pages = mm_view_commit_pages(vad);
	}
	if (vad->flags & NT_MEM_WRITE_WATCH)
		info->region_type |= NT_REGION_MAPPED_WRITE_WATCH;
	info->commit_size = (u64)pages << PAGE_SHIFT;
}

/*
 * MEMORY_REGION_INFORMATION of a Linux mapping, as MemoryBasicInformation
 * presents it: a file mapping is a data-file view whose private writable
 * pages are write-copy, an anonymous mapping private memory, committed
 * unless PROT_NONE (a reservation made with mmap).
 */
static void mm_vma_region_info(struct vm_area_struct *vma,
			       struct nt_memory_region_information *info)
{
	u32 prot = mm_linux_protect(vma);
	bool charged;

	info->allocation_base = vma->vm_start;
	info->allocation_protect = prot;
	info->region_size = min(vma->vm_end, MM_QUERY_LIMIT) - vma->vm_start;
	if (vma->vm_file) {
		info->region_type = NT_REGION_MAPPED_DATA_FILE;
		charged = prot & (NT_PAGE_WRITECOPY | NT_PAGE_EXECUTE_WRITECOPY);
	} else {
		info->region_type = NT_REGION_PRIVATE;
		charged = prot != NT_PAGE_NOACCESS;
	}
	info->commit_size = charged ? info->region_size : 0;
}

/**
 * mm_query_region() - NtQueryVirtualMemory(MemoryRegionInformation[Ex])
 * @mp: the process (PROCESS_QUERY_INFORMATION)
 * @mm: its address space
 * @address: BaseAddress: any address inside the allocation
 * @info: out: the whole allocation containing @address (the caller copies
 *	as much of it as the buffer holds and decides what RegionType shows)
 *
 * The allocation is the module's VAD containing @address or else the
 * Linux mapping containing it. RegionSize is the whole allocation from
 * AllocationBase; CommitSize the private allocation's committed pages or a
 * view's write-copy and copied pages. PartitionId is the system
 * partition's (0) and NodePreference 0: ntexec keeps no NUMA preference.
 * Costs the VAD's page-state chunks, not its pages.
 *
 * Return: STATUS_SUCCESS; STATUS_INVALID_ADDRESS where nothing is
 * allocated (Windows: no VAD); STATUS_INVALID_PARAMETER past the user
 * address space; STATUS_PROCESS_IS_TERMINATING.
 */
ntstatus_t mm_query_region(struct mm_process *mp, struct mm_struct *mm,
			   u64 address, struct nt_memory_region_information *info)
{
	ntstatus_t status = STATUS_INVALID_ADDRESS;
	struct vm_area_struct *vma;
	struct mm_space *space;
	struct mm_vad *vad = NULL;

	memset(info, 0, sizeof(*info));
	if (address >= MM_QUERY_LIMIT)
		return STATUS_INVALID_PARAMETER;
	space = mm_space_get(mp, mm, false);
	if (IS_ERR(space))
		return STATUS_PROCESS_IS_TERMINATING;
	mmap_read_lock(mm);
	if (space && space->mm == mm) {
		mutex_lock(&space->lock);
		vad = mm_vad_find(&space->vads, address);
		if (vad) {
			mm_vad_region_info(vad, info);
			status = STATUS_SUCCESS;
		}
		mutex_unlock(&space->lock);
	}
	if (!vad) {
		vma = mm_next_linux_vma(mm, address);
		if (vma && vma->vm_start <= address) {
			mm_vma_region_info(vma, info);
			status = STATUS_SUCCESS;
		}
	}
	mmap_read_unlock(mm);
	if (space)
		mm_space_put(space);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_query_region);

/*
 * The first page of [start, end) that locking (which touches every page,
 * in order) cannot pass: uncommitted, a guard page, or not readable
 * (PAGE_NOACCESS, PAGE_EXECUTE). @end if every page can be locked. Each
 * search costs the VAD's chunks, not the range's pages.
 */
static unsigned long mm_lock_barrier(struct mm_vad *vad, unsigned long start,
				     unsigned long end)
{
	unsigned long first;

	first = mm_vad_find_page(vad, start, end, MM_PAGE_COMMITTED, 0);
	if (vad->section) {
		/* A view's pages are committed in its section. */
		unsigned long idx = (vad->offset + (start - vad->start)) >> PAGE_SHIFT;
		unsigned long run;
		bool committed;

		run = mm_segment_committed_run(vad->section->segment, idx,
					       idx + ((first - start) >> PAGE_SHIFT),
					       &committed);
		first = committed ? start + ((run - idx) << PAGE_SHIFT) : start;
	}
	first = mm_vad_find_page(vad, start, first, NT_PAGE_GUARD, NT_PAGE_GUARD);
	first = mm_vad_find_page(vad, start, first, NT_PAGE_NOACCESS,
				 NT_PAGE_NOACCESS);
	return mm_vad_find_page(vad, start, first, NT_PAGE_EXECUTE,
				NT_PAGE_EXECUTE);
}

/**
 * mm_lock_virtual() - NtLockVirtualMemory, NtUnlockVirtualMemory
 * @mp: the process (PROCESS_VM_OPERATION)
 * @mm: its address space
 * @base: in/out: *BaseAddress
 * @size: in/out: *RegionSize
 * @map_type: MAP_PROCESS, MAP_SYSTEM or both
 * @lock: lock, else unlock
 *
 * Locked pages are made resident now and stay so until unlocked,
 * decommitted or released. Locking counts against the process's
 * RLIMIT_MEMLOCK unless the caller has CAP_IPC_LOCK (Windows: the working
 * set minimum, STATUS_WORKING_SET_QUOTA); MAP_SYSTEM needs CAP_IPC_LOCK
 * (SeLockMemoryPrivilege). Only the module's memory can be locked.
 *
 * Locking probes the pages in order, as an access would: the first page
 * that is not committed or not readable makes it STATUS_ACCESS_VIOLATION;
 * a guard page met first loses its guard (the access consumed it), and the
 * call locks nothing and returns STATUS_GUARD_PAGE_VIOLATION, so that a
 * second call succeeds, as on Windows. That probe marks no page written.
 *
 * Return: an NTSTATUS, or NTX_STATUS_RESTART when the caller was killed
 * meanwhile.
 */
ntstatus_t mm_lock_virtual(struct mm_process *mp, struct mm_struct *mm,
		     u64 *base, u64 *size, u32 map_type, bool lock)
{
	unsigned long start, end, addr, newly, limit, hard;
	struct task_struct *task;
	struct mm_space *space;
	struct mm_vad *vad;
	ntstatus_t status;

	if (!map_type || (map_type & ~(NT_MAP_PROCESS | NT_MAP_SYSTEM)))
		return STATUS_INVALID_PARAMETER;
	if ((map_type & NT_MAP_SYSTEM) && !capable(CAP_IPC_LOCK))
		return STATUS_PRIVILEGE_NOT_HELD;
	status = mm_page_range(*base, *size, &start, &end);
	if (status)
		return status;
	task = mm_live_thread(mp);
	if (!task)
		return STATUS_PROCESS_IS_TERMINATING;
	limit = task_rlimit(task, RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	put_task_struct(task);

	space = mm_get(mp, mm, false, &status);
	if (!space && status == STATUS_PROCESS_IS_TERMINATING)
		return status;
	if (!space)
		return lock ? STATUS_ACCESS_VIOLATION : STATUS_NOT_LOCKED;
	status = mm_lock_addr(space, false);
	if (status)
		goto put;
	mutex_lock(&space->lock);
	vad = mm_vad_find(&space->vads, start);
	if (!vad || end > vad->end) {
		status = lock ? STATUS_ACCESS_VIOLATION : STATUS_NOT_LOCKED;
		goto out;
	}
	if (!lock) {
		if (!mm_vad_pages_match(vad, start, end, MM_PAGE_LOCKED,
					MM_PAGE_LOCKED)) {
			status = STATUS_NOT_LOCKED;
			goto out;
		}
		mm_vad_update_pages(vad, start, end, MM_PAGE_LOCKED, 0);
		space->locked -= (end - start) >> PAGE_SHIFT;
		mm_ws_unlock(space, start, end);
		goto done;
	}

	addr = mm_lock_barrier(vad, start, end);
	if (addr < end) {
		u16 state = mm_page_state(vad, addr);

		status = STATUS_ACCESS_VIOLATION;
		if ((state & MM_PAGE_COMMITTED) && (state & NT_PAGE_GUARD)) {
			/* Clearing a bit of an existing state needs no memory. */
			if (mm_vad_update_pages(vad, addr, addr + PAGE_SIZE,
						NT_PAGE_GUARD, 0))
				status = STATUS_NO_MEMORY;
			else
				status = STATUS_GUARD_PAGE_VIOLATION;
		}
		goto out;
	}
	newly = mm_vad_count_pages(vad, start, end, MM_PAGE_LOCKED, 0);
	/*
	 * A locked page stays in the working set, so under a hard maximum
	 * no more than the maximum can be locked, privileged or not.
	 */
	hard = mm_ws_hard_max_of(space);
	if ((!capable(CAP_IPC_LOCK) && space->locked + newly > limit) ||
	    (hard && space->locked + newly > hard)) {
		status = STATUS_WORKING_SET_QUOTA;
		goto out;
	}
	/* Every page is committed, so there are at most commit-limit many. */
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		if (!mm_page_lookup(space, vad, addr, mm_page_state(vad, addr), true)) {
			status = STATUS_NO_MEMORY;
			goto out;
		}
		if (fatal_signal_pending(current)) {
			status = NTX_STATUS_RESTART;
			goto out;
		}
		cond_resched();
	}
	if (mm_vad_update_pages(vad, start, end, 0, MM_PAGE_LOCKED)) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	space->locked += newly;
	/* The WRK (and ReactOS): some page was locked already. */
	if (newly != (end - start) >> PAGE_SHIFT)
		status = STATUS_WAS_LOCKED;
done:
	*base = start;
	*size = end - start;
out:
	mutex_unlock(&space->lock);
	mutex_unlock(&space->addr_lock);
put:
	mm_space_put(space);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_lock_virtual);

/**
 * mm_flush_virtual() - NtFlushVirtualMemory
 * @mp: the process (PROCESS_VM_OPERATION)
 * @mm: its address space
 * @base: in/out: *BaseAddress
 * @size: in/out: *RegionSize
 *
 * Only views of files have anything to flush. The module's private memory
 * is STATUS_NOT_MAPPED_VIEW, as in the WRK, a view of a pagefile-backed
 * section has nothing to write; a view of a file has its pages handed to
 * the file system and written back (filemap.c), and a Linux shared file
 * mapping of the process is written back with vfs_fsync_range().
 *
 * Return: an NTSTATUS.
 */
ntstatus_t mm_flush_virtual(struct mm_process *mp, struct mm_struct *mm,
			    u64 *base, u64 *size)
{
	struct mm_section *section = NULL;
	unsigned long start, end, first = 0;
	struct vm_area_struct *vma;
	struct file *file = NULL;
	loff_t from = 0, to = 0;
	struct mm_space *space;
	struct mm_vad *vad;
	ntstatus_t status;

	status = mm_page_range(*base, *size, &start, &end);
	if (status)
		return status;
	if (mmap_read_lock_killable(mm))
		return NTX_STATUS_RESTART;
	vma = find_vma(mm, start);
	status = STATUS_NOT_MAPPED_VIEW;
	if (vma && vma->vm_start <= start && mm_vma_is_ntexec(vma)) {
		space = vma->vm_file->private_data;
		mutex_lock(&space->lock);
		vad = mm_vad_find(&space->vads, start);
		if (vad && vad->section && !vad->pending) {
			if (!*size)
				end = vad->end;
			end = min(end, vad->end);
			first = mm_view_index(vad, start);
			section = vad->section;
			ob_reference(&section->ob);
			status = STATUS_SUCCESS;
		}
		mutex_unlock(&space->lock);
	} else if (vma && vma->vm_start <= start && vma->vm_file &&
		   (vma->vm_flags & VM_SHARED)) {
		if (!*size)
			end = vma->vm_end;
		end = min(end, vma->vm_end);
		file = get_file(vma->vm_file);
		from = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) + start - vma->vm_start;
		to = from + (end - start) - 1;
	}
	mmap_read_unlock(mm);
	if (section) {
		if (section->segment->file)
			status = mm_file_flush(section->segment, first,
					       first + ((end - start) >> PAGE_SHIFT));
		ob_dereference(&section->ob);
	} else if (file) {
		status = vfs_fsync_range(file, from, to, 1) ? STATUS_UNSUCCESSFUL :
							      STATUS_SUCCESS;
		fput(file);
	}
	if (!status) {
		*base = start;
		*size = end - start;
	}
	return status;
}
