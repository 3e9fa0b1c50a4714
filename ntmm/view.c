// SPDX-License-Identifier: GPL-2.0
/*
 * Views of sections: NtMapViewOfSection, NtUnmapViewOfSection, and what the
 * rest of the memory manager needs to know about a page of a view.
 *
 * A view is an allocation of type MEM_MAPPED: one VAD and one VMA, like a
 * private allocation, whose VAD points at its section (referenced) and at
 * an offset in it. Its page states hold the view's protection of each page
 * (NtProtectVirtualMemory works per page within the section's limits) and
 * MM_PAGE_PRIVATE for a page a write-copy view has copied; MM_PAGE_COMMITTED
 * is set on every page of a view, and whether a page is committed is the
 * segment's business (mm_page_state()), so that a SEC_RESERVE page
 * committed through one view is committed in all.
 *
 * Write-copy: a PAGE_WRITECOPY (PAGE_EXECUTE_WRITECOPY) page of a view is
 * mapped read-only from the segment. The first write copies it into a page
 * of the process's own (charged to its commit, as Windows charges a
 * private page) and the page then reports PAGE_READWRITE
 * (PAGE_EXECUTE_READWRITE); the section and other views keep the original.
 */
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "mi.h"
#include "pe.h"
#include "../ntob/event.h"

/**
 * mm_page_state() - the NT state of a page, views included
 * @vad: the VAD holding @addr, its space's lock held
 * @addr: a page-aligned address
 *
 * For a view, the page is committed if its segment says so (or the view
 * has its own copy of it).
 *
 * Return: the page's state.
 */
u16 mm_page_state(struct mm_vad *vad, unsigned long addr)
{
	u16 state = mm_vad_page_state(vad, addr);

	if (vad->section && !(state & MM_PAGE_PRIVATE) &&
	    !mm_segment_committed(vad->section->segment, mm_view_index(vad, addr)))
		state &= ~MM_PAGE_COMMITTED;
	return state;
}

/**
 * mm_page_lookup() - the physical page behind a committed page
 * @space: the space, its lock held
 * @vad: the VAD holding @addr
 * @addr: a page-aligned address
 * @state: the page's state (mm_page_state())
 * @create: make the page (zeroed) if it was never touched
 *
 * The space's own page for private memory and a view's copied pages, the
 * segment's for the other pages of a view.
 *
 * Return: the page, or NULL (none yet, or no memory).
 */
struct page *mm_page_lookup(struct mm_space *space, struct mm_vad *vad,
			    unsigned long addr, u16 state, bool create)
{
	if (!vad->section || (state & MM_PAGE_PRIVATE))
		return mm_get_page(space, vad, addr, create);
	return mm_segment_page(vad->section->segment, mm_view_index(vad, addr), create);
}

/**
 * mm_range_committed() - whether every page of a range is committed
 * @vad: the VAD holding the range, its space's lock held
 * @start: first byte, page-aligned
 * @end: end, exclusive, page-aligned
 *
 * For a view, in its section (a page a view copied was committed before).
 * Costs the state chunks, not the pages.
 *
 * Return: true if all are.
 */
bool mm_range_committed(struct mm_vad *vad, unsigned long start, unsigned long end)
{
	unsigned long first, last;
	bool committed;

	if (!mm_vad_pages_match(vad, start, end, MM_PAGE_COMMITTED, MM_PAGE_COMMITTED))
		return false;
	if (!vad->section)
		return true;
	first = mm_view_index(vad, start);
	last = first + ((end - start) >> PAGE_SHIFT);
	return mm_segment_committed_run(vad->section->segment, first, last,
					&committed) >= last && committed;
}

/* Whether a write to the page must first copy it (a write-copy view's). */
bool mm_page_needs_copy(struct mm_vad *vad, u16 state)
{
	return vad->section && !(state & MM_PAGE_PRIVATE) &&
	       mm_protect_is_writecopy(state & MM_PAGE_PROT_MASK);
}

/**
 * mm_page_copy_on_write() - give a write-copy page of a view its own copy
 * @space: the space, its lock held
 * @vad: the view
 * @addr: the page
 * @state: in: its state; out: the new one (private, PAGE_READWRITE or
 *	PAGE_EXECUTE_READWRITE)
 *
 * The caller zaps the page's PTE (it mapped the section's page) before
 * the new one is mapped.
 *
 * Return: STATUS_SUCCESS, STATUS_COMMITMENT_LIMIT, STATUS_NO_MEMORY,
 * STATUS_IN_PAGE_ERROR (a file's page past its end or unreadable).
 */
ntstatus_t mm_page_copy_on_write(struct mm_space *space, struct mm_vad *vad,
				 unsigned long addr, u16 *state)
{
	u16 prot = *state & MM_PAGE_PROT_MASK, rw;
	struct page *shared, *copy;
	ntstatus_t status;

	lockdep_assert_held(&space->lock);
	rw = (prot & NT_PAGE_EXECUTE_WRITECOPY) ? NT_PAGE_EXECUTE_READWRITE :
						  NT_PAGE_READWRITE;
	rw |= prot & ~NT_PAGE_BASE_MASK;
	status = mm_space_charge(space, 1);
	if (status)
		return status;
	/* A file's page is read first: the copy starts from its content. */
	shared = mm_segment_page(vad->section->segment, mm_view_index(vad, addr),
				 vad->section->segment->file);
	if (!shared && vad->section->segment->file) {
		mm_space_decommit(space, 1, 0);
		return STATUS_IN_PAGE_ERROR;
	}
	copy = mm_get_page(space, vad, addr, true);
	if (!copy || mm_vad_update_pages(vad, addr, addr + PAGE_SIZE, MM_PAGE_PROT_MASK,
					 MM_PAGE_PRIVATE | rw)) {
		mm_space_decommit(space, 1, 0);
		return STATUS_NO_MEMORY;
	}
	if (shared)
		copy_highpage(copy, shared);
	*state = (*state & ~MM_PAGE_PROT_MASK) | MM_PAGE_PRIVATE | rw;
	return STATUS_SUCCESS;
}

/**
 * mm_vad_charged() - the pages of a VAD's range its process was charged for
 * @vad: the VAD, its space's lock held
 * @start: first byte
 * @end: end, exclusive
 *
 * Committed pages of private memory; a view's own copies.
 *
 * Return: the number of pages.
 */
unsigned long mm_vad_charged(struct mm_vad *vad, unsigned long start,
			     unsigned long end)
{
	if (vad->section)
		return mm_vad_count_pages(vad, start, end, MM_PAGE_PRIVATE, MM_PAGE_PRIVATE);
	return mm_vad_count_pages(vad, start, end, MM_PAGE_COMMITTED, MM_PAGE_COMMITTED);
}

/* Access a protection grants, as Windows compares a view's protections. */
#define MM_ACC_READ	1u
#define MM_ACC_WRITE	2u
#define MM_ACC_COPY	4u
#define MM_ACC_EXEC	8u

static u32 mm_protect_access(u32 protect)
{
	switch (protect & NT_PAGE_BASE_MASK) {
	case NT_PAGE_READONLY:
	case NT_PAGE_WRITECOPY:
		return MM_ACC_READ;
	case NT_PAGE_READWRITE:
		return MM_ACC_READ | MM_ACC_WRITE;
	case NT_PAGE_EXECUTE:
	case NT_PAGE_EXECUTE_READ:
		return MM_ACC_READ | MM_ACC_EXEC;
	case NT_PAGE_EXECUTE_READWRITE:
		return MM_ACC_READ | MM_ACC_WRITE | MM_ACC_COPY | MM_ACC_EXEC;
	case NT_PAGE_EXECUTE_WRITECOPY:
		return MM_ACC_READ | MM_ACC_COPY | MM_ACC_EXEC;
	default:
		return 0;
	}
}

/*
 * The access a view may ever grant (mm_vad.view_access): what the
 * section's protection allows, less what the mapping handle's rights do
 * not (a write-copy view writes only the process's own copies).
 */
static u32 mm_view_max_access(struct mm_section *section, u32 handle_access)
{
	u32 max = mm_protect_access(section->protect);

	if (!(handle_access & SECTION_MAP_WRITE))
		max &= ~MM_ACC_WRITE;
	if (!(handle_access & SECTION_MAP_EXECUTE))
		max &= ~MM_ACC_EXEC;
	return max;
}

/**
 * mm_view_protect() - whether NtProtectVirtualMemory may set a protection
 *	on a view
 * @vad: the view
 * @protect: the protection asked
 *
 * Windows' rule (kernel32's test_CreateFileMapping_protection): what the
 * new protection grants must be granted both by the view's protection and
 * by the section (here: the view's access, which also bounds it by the
 * mapping handle's rights), unless it is exactly the view's.
 *
 * Return: STATUS_SUCCESS or STATUS_SECTION_PROTECTION.
 */
ntstatus_t mm_view_protect(struct mm_vad *vad, u32 protect)
{
	u32 view = mm_protect_access(vad->allocation_protect);
	u32 want = mm_protect_access(protect);

	if (want == view)
		return STATUS_SUCCESS;
	if (!view || (view & want) != want || (vad->view_access & want) != want)
		return STATUS_SECTION_PROTECTION;
	return STATUS_SUCCESS;
}

/**
 * mm_view_commit() - NtAllocateVirtualMemory(MEM_COMMIT) inside a view
 * @space: the space, its lock held
 * @vad: the view
 * @protect: the protection asked (canonical)
 * @start: first byte, page-aligned, in @vad
 * @end: end, exclusive
 *
 * Pages of a SEC_RESERVE section are committed in the section (charged
 * once, visible in every view); in a SEC_COMMIT section they are already.
 * Either way this view's pages take @protect, which may be any the view's
 * access allows (Windows lets MEM_COMMIT raise a PAGE_NOACCESS view's
 * pages, where NtProtectVirtualMemory may not), but not write-copy.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PAGE_PROTECTION,
 * STATUS_SECTION_PROTECTION, STATUS_COMMITMENT_LIMIT, STATUS_NO_MEMORY.
 */
ntstatus_t mm_view_commit(struct mm_space *space, struct mm_vad *vad, u32 protect,
			  unsigned long start, unsigned long end)
{
	u32 want = mm_protect_access(protect);
	ntstatus_t status;

	lockdep_assert_held(&space->lock);
	if (mm_protect_is_writecopy(protect))
		return STATUS_INVALID_PAGE_PROTECTION;
	if ((vad->view_access & want) != want)
		return STATUS_SECTION_PROTECTION;
	if (vad->section->attributes & NT_SEC_RESERVE) {
		status = mm_segment_commit(vad->section->segment, mm_view_index(vad, start),
					   (end - start) >> PAGE_SHIFT);
		if (status)
			return status;
	}
	if (mm_vad_update_pages(vad, start, end, MM_PAGE_PROT_MASK, protect))
		return STATUS_NO_MEMORY;
	mm_zap(space, start, end);
	return STATUS_SUCCESS;
}

/**
 * mm_view_region() - NtQueryVirtualMemory's region of a view
 * @vad: the view, its space's lock held
 * @addr: a page-aligned address in it
 * @r: in: the region mm_vad_region() found by the view's page states;
 *	out: cut where the segment's commit state changes, and reserved
 *	pages reported as such
 */
void mm_view_region(struct mm_vad *vad, unsigned long addr, struct mm_vad_region *r)
{
	unsigned long first = mm_view_index(vad, addr), end;
	u16 state = mm_vad_page_state(vad, addr);
	bool committed;

	r->type = vad->section->segment->image ? NT_MEM_IMAGE : NT_MEM_MAPPED;
	if (state & MM_PAGE_PRIVATE)
		return;
	end = mm_segment_committed_run(vad->section->segment, first,
				       first + (r->size >> PAGE_SHIFT), &committed);
	r->size = (end - first) << PAGE_SHIFT;
	if (!committed) {
		r->state = NT_MEM_RESERVE;
		r->protect = 0;
	}
}

/* The section rights a view protection needs of the handle. */
static u32 mm_view_needs(u32 protect)
{
	u32 base = protect & NT_PAGE_BASE_MASK, need = SECTION_MAP_READ;

	if (base & (NT_PAGE_READWRITE | NT_PAGE_EXECUTE_READWRITE))
		need |= SECTION_MAP_WRITE;
	if (base & (NT_PAGE_EXECUTE | NT_PAGE_EXECUTE_READ | NT_PAGE_EXECUTE_READWRITE |
		    NT_PAGE_EXECUTE_WRITECOPY))
		need |= SECTION_MAP_EXECUTE;
	return need;
}

/*
 * Whether the section allows a view protection: writing into the section
 * needs a writable section, executing an executable one (write-copy
 * writes only the process's own copies).
 */
static bool mm_view_allowed(struct mm_section *section, u32 protect)
{
	u32 sec = mm_protect_access(section->protect), want = mm_protect_access(protect);

	if ((want & MM_ACC_WRITE) && !(sec & MM_ACC_WRITE))
		return false;
	return !(want & MM_ACC_EXEC) || (sec & MM_ACC_EXEC);
}

/*
 * A view of an image: the whole image, at its ImageBase when the caller
 * names no base and that range is free, else where the caller says or
 * anywhere (STATUS_IMAGE_NOT_AT_BASE, a success: relocating is the
 * loader's business). The protection argument, the offset and the view
 * size are ignored, as Windows ignores them for images; the pages take the
 * image's protections (mm_image_layout()) and the view reports
 * AllocationProtect PAGE_EXECUTE_WRITECOPY. Mapping needs SECTION_MAP_READ
 * and SECTION_MAP_EXECUTE: an image is code.
 */
/*
 * Report an image view mapped in (or, @size 0, unmapped from) @mp
 * (NTEXEC_GROUP_IMAGE), on behalf of @subject, a task of the process, or
 * of any of its tasks when NULL.
 */
static void mm_event_image(struct mm_process *mp, struct task_struct *subject,
			   struct file *file, unsigned long base, unsigned long size)
{
	struct ntx_event_info info = {
		.cmd = size ? NTEXEC_CMD_IMAGE_MAP : NTEXEC_CMD_IMAGE_UNMAP,
		.group = NTEXEC_GROUP_IMAGE, .process = mp->tgid,
		.base = base, .size = size,
	};
	char *buf = NULL;

	if (!ntx_event_wanted(NTEXEC_GROUP_IMAGE))
		return;
	info.subject = subject ?: get_pid_task(mp->tgid, PIDTYPE_TGID);
	if (!info.subject)
		return;
	if (file) {
		buf = kmalloc(PATH_MAX, GFP_KERNEL);
		if (buf) {
			info.name = d_path(&file->f_path, buf, PATH_MAX);
			if (IS_ERR(info.name))
				info.name = NULL;
		}
	}
	ntx_event_send(&info);
	kfree(buf);
	if (!subject)
		put_task_struct(info.subject);
}

static ntstatus_t mm_map_image_view(struct mm_process *mp, struct mm_struct *mm,
				    struct mm_section *section, u32 access,
				    struct mm_view_args *args)
{
	const struct mm_image *img = section->segment->image;
	const u32 need = SECTION_MAP_READ | SECTION_MAP_EXECUTE;
	struct mm_reserve req = {};
	unsigned long highest;
	struct mm_space *space;
	ntstatus_t status;
	bool at_base;

	if (args->inherit != NT_VIEW_SHARE && args->inherit != NT_VIEW_UNMAP)
		return STATUS_INVALID_PARAMETER_8;
	if (args->type & ~NT_MEM_TOP_DOWN)
		return STATUS_INVALID_PARAMETER_9;
	if ((access & need) != need)
		return STATUS_ACCESS_DENIED;
	if (mm_zero_bits_limit(args->zero_bits, &highest))
		return STATUS_INVALID_PARAMETER_4;
	if (args->base & (NT_ALLOCATION_GRANULARITY - 1))
		return STATUS_MAPPED_ALIGNMENT;
	highest = min(highest, NT_HIGHEST_VAD_ADDRESS);
	if (args->base > highest || section->size > highest + 1 - args->base)
		return STATUS_INVALID_PARAMETER_3;

	space = mm_space_get(mp, mm, true);
	if (IS_ERR(space))
		return STATUS_PROCESS_IS_TERMINATING;
	if (!space)
		return STATUS_NO_MEMORY;
	/* No base asked: ImageBase if the image fits there. */
	at_base = !args->base && img->image_base >= NT_LOWEST_USER_ADDRESS &&
		  img->image_base <= highest &&
		  section->size <= highest + 1 - img->image_base;
	req.plan.start = args->base ?: (at_base ? img->image_base : 0);
	req.plan.fixed = req.plan.start;
	req.plan.size = section->size;
	req.plan.min = NT_LOWEST_USER_ADDRESS;
	req.plan.max = highest + 1;
	req.plan.zero_bits = args->zero_bits;
	req.plan.top_down = args->type & NT_MEM_TOP_DOWN;
	req.plan.protect = NT_PAGE_EXECUTE_WRITECOPY;
	req.section = section;
	req.view_access = MM_ACC_READ | MM_ACC_COPY | MM_ACC_EXEC;
	req.image = img;
	req.inherit = args->inherit;
	status = mm_run_in(mp, space, mm_do_reserve, &req);
	if (at_base && status == STATUS_CONFLICTING_ADDRESSES) {
		req.plan.fixed = false;
		req.plan.start = 0;
		status = mm_run_in(mp, space, mm_do_reserve, &req);
	}
	mm_space_put(space);
	if (status)
		return status;
	mm_event_image(mp, NULL, section->segment->file, req.base, req.size);
	args->base = req.base;
	args->size = req.size;
	args->offset = 0;
	return req.base == img->image_base ? STATUS_SUCCESS : STATUS_IMAGE_NOT_AT_BASE;
}

/**
 * mm_map_view() - NtMapViewOfSection
 * @mp: the process (PROCESS_VM_OPERATION)
 * @mm: its address space
 * @section: the section (referenced by the caller)
 * @access: the rights of the caller's section handle
 * @args: the arguments; BaseAddress and ViewSize written on success
 *
 * Checks, in Windows' order: InheritDisposition (STATUS_INVALID_PARAMETER_8),
 * AllocationType (STATUS_INVALID_PARAMETER_9: only MEM_TOP_DOWN, and
 * MEM_RESERVE for a SEC_RESERVE section with no CommitSize), Win32Protect
 * (STATUS_INVALID_PAGE_PROTECTION), the handle's rights for it
 * (STATUS_ACCESS_DENIED), the section's protection
 * (STATUS_SECTION_PROTECTION), ZeroBits (STATUS_INVALID_PARAMETER_4), the
 * 64 KiB alignment of the offset and of a given base
 * (STATUS_MAPPED_ALIGNMENT), the base and a view size larger than the
 * address space above it (STATUS_INVALID_PARAMETER_3), the
 * view within the section (STATUS_INVALID_VIEW_SIZE; a ViewSize of 0 maps
 * to the end), CommitSize within it (STATUS_INVALID_PARAMETER_5). For a
 * SEC_RESERVE section, CommitSize bytes from the offset are committed
 * (unless MEM_RESERVE), in the section.
 *
 * Return: an NTSTATUS, or NTX_STATUS_RESTART.
 */
ntstatus_t mm_map_view(struct mm_process *mp, struct mm_struct *mm,
		       struct mm_section *section, u32 access,
		       struct mm_view_args *args)
{
	unsigned long highest, size;
	struct mm_reserve req = {};
	u64 section_size;
	struct mm_space *space;
	ntstatus_t status;
	u32 protect;

	if (section->segment->image)
		return mm_map_image_view(mp, mm, section, access, args);
	if (args->inherit != NT_VIEW_SHARE && args->inherit != NT_VIEW_UNMAP)
		return STATUS_INVALID_PARAMETER_8;
	/* MEM_RESERVE: a SEC_RESERVE section's view that commits nothing. */
	if ((args->type & ~(NT_MEM_TOP_DOWN | NT_MEM_RESERVE)) ||
	    ((args->type & NT_MEM_RESERVE) &&
	     (!(section->attributes & NT_SEC_RESERVE) || args->commit_size)))
		return STATUS_INVALID_PARAMETER_9;
	status = mm_check_protect(args->protect, MM_PROTECT_MAPPED, &protect);
	if (status)
		return status;
	if ((access & mm_view_needs(protect)) != mm_view_needs(protect))
		return STATUS_ACCESS_DENIED;
	if (!mm_view_allowed(section, protect))
		return STATUS_SECTION_PROTECTION;
	status = mm_zero_bits_limit(args->zero_bits, &highest);
	if (status)
		return STATUS_INVALID_PARAMETER_4;
	if ((args->offset | args->base) & (NT_ALLOCATION_GRANULARITY - 1))
		return STATUS_MAPPED_ALIGNMENT;
	highest = min(highest, NT_HIGHEST_VAD_ADDRESS);
	/* A view larger than the address space: the base is bad (Win64). */
	if (args->base > highest || args->size > highest + 1 - args->base)
		return STATUS_INVALID_PARAMETER_3;
	section_size = READ_ONCE(section->size);
	if (args->offset >= section_size)
		return STATUS_INVALID_VIEW_SIZE;
	size = args->size ?: section_size - args->offset;
	if (size > section_size - args->offset)
		return STATUS_INVALID_VIEW_SIZE;
	size = PAGE_ALIGN(size);
	if (size > highest + 1 - args->base)
		return STATUS_INVALID_PARAMETER_3;
	if (args->commit_size > size)
		return STATUS_INVALID_PARAMETER_5;

	space = mm_space_get(mp, mm, true);
	if (IS_ERR(space))
		return STATUS_PROCESS_IS_TERMINATING;
	if (!space)
		return STATUS_NO_MEMORY;
	/* Committed in the section, so before the view exists: visible in all. */
	if ((section->attributes & NT_SEC_RESERVE) && args->commit_size &&
	    !(args->type & NT_MEM_RESERVE)) {
		status = mm_segment_commit(section->segment, args->offset >> PAGE_SHIFT,
					   PAGE_ALIGN(args->commit_size) >> PAGE_SHIFT);
		if (status)
			goto put;
	}
	req.plan.fixed = args->base;
	req.plan.start = args->base;
	req.plan.size = size;
	req.plan.min = NT_LOWEST_USER_ADDRESS;
	req.plan.max = highest + 1;
	req.plan.zero_bits = args->zero_bits;
	req.plan.top_down = args->type & NT_MEM_TOP_DOWN;
	req.plan.protect = protect;
	req.section = section;
	req.offset = args->offset;
	req.view_access = mm_view_max_access(section, access);
	req.inherit = args->inherit;
	status = mm_run_in(mp, space, mm_do_reserve, &req);
	if (!status) {
		args->base = req.base;
		args->size = req.size;
	}
put:
	mm_space_put(space);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_map_view);

struct mm_unmap_req {
	unsigned long addr;
	unsigned long start;	/* out: the view that went */
	bool image;		/* out: it was an image's */
	struct file *file;	/* out: its file (referenced) when @image */
};

/* NtUnmapViewOfSection: runs in the process, which loses the VMA. */
static ntstatus_t mm_do_unmap(struct mm_space *space, void *args, bool remote)
{
	struct mm_unmap_req *req = args;
	unsigned long start = 0, end = 0;
	struct mm_vad *vad;
	ntstatus_t status;
	bool image = false;

	status = mm_lock_addr(space, remote);
	if (status)
		return status;
	mutex_lock(&space->lock);
	vad = mm_vad_find(&space->vads, req->addr);
	if (!vad || !vad->section || vad->pending) {
		status = STATUS_NOT_MAPPED_VIEW;
	} else {
		start = vad->start;
		end = vad->end;
		image = vad->section->segment->image;
		if (image && vad->section->segment->file)
			req->file = get_file(vad->section->segment->file);
	}
	mutex_unlock(&space->lock);
	/* mm_vm_close() forgets the VAD, its copies and its section. */
	if (!status && mm_unmap_range(space, start, end - start))
		status = STATUS_NO_MEMORY;
	mutex_unlock(&space->addr_lock);
	req->start = start;
	req->image = image && !status;
	return status;
}

/**
 * mm_unmap_view() - NtUnmapViewOfSection
 * @mp: the process (PROCESS_VM_OPERATION)
 * @mm: its address space
 * @base: any address in the view
 *
 * Return: STATUS_SUCCESS, STATUS_NOT_MAPPED_VIEW when no view holds @base,
 * STATUS_PROCESS_IS_TERMINATING, NTX_STATUS_RESTART.
 */
ntstatus_t mm_unmap_view(struct mm_process *mp, struct mm_struct *mm, u64 base)
{
	struct mm_unmap_req req = { .addr = base & PAGE_MASK };
	struct mm_space *space;
	ntstatus_t status;

	if (base > NT_HIGHEST_USER_ADDRESS)
		return STATUS_NOT_MAPPED_VIEW;
	space = mm_space_get(mp, mm, false);
	if (IS_ERR(space))
		return STATUS_PROCESS_IS_TERMINATING;
	if (!space)
		return STATUS_NOT_MAPPED_VIEW;
	status = mm_run_in(mp, space, mm_do_unmap, &req);
	mm_space_put(space);
	if (req.image)
		mm_event_image(mp, NULL, req.file, req.start, 0);
	if (req.file)
		fput(req.file);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_unmap_view);
