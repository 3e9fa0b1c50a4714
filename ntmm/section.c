// SPDX-License-Identifier: GPL-2.0
/*
 * Section objects and their segments.
 *
 * A section is what NtCreateSection makes: an object with a size, a page
 * protection and SEC_* attributes. Its pages live in a segment, NT's
 * prototype PTEs: one record per page of the section (here, the struct
 * page itself, in an xarray), shared by every view in every process, so
 * that a write through one view is read through another at once and eight
 * processes mapping 64 MiB use 64 MiB. A view (view.c) is an allocation of
 * type MEM_MAPPED whose VAD points at the section: the fault path takes the
 * segment's page for it, except where a write-copy view has made a page
 * private (MM_PAGE_PRIVATE), whose copy belongs to the process's space.
 *
 * Pagefile-backed sections (FileHandle NULL) are charged to the commit
 * limit once per section, not per view: SEC_COMMIT at creation, SEC_RESERVE
 * page by page as views commit them (and then visibly in every view). The
 * pages are allocated zeroed on first touch and charged to the memory
 * cgroup of the section's creator.
 *
 * Lifetimes: the section object lives while a handle or a view names it
 * (every view's VAD holds a reference), the segment with the section. Its
 * pages are freed with the segment, once the last view's VMA has gone, so
 * no PTE can map them any more.
 */
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "mi.h"

static void mm_section_destroy(struct ob_object *obj);

const struct ob_type mm_section_type = {
	.name = "Section",
	.valid_access = SECTION_ALL_ACCESS,
	.generic = {
		STANDARD_RIGHTS_READ | SECTION_QUERY | SECTION_MAP_READ,
		STANDARD_RIGHTS_WRITE | SECTION_MAP_WRITE,
		STANDARD_RIGHTS_EXECUTE | SECTION_MAP_EXECUTE,
		SECTION_ALL_ACCESS,
	},
	.destroy = mm_section_destroy,
};
EXPORT_SYMBOL_IF_KUNIT(mm_section_type);

/* The section protections NtCreateSection accepts, as Windows does. */
bool mm_section_protect_valid(u32 protect)
{
	switch (protect & ~(NT_PAGE_NOCACHE | NT_PAGE_WRITECOMBINE)) {
	case NT_PAGE_READONLY:
	case NT_PAGE_READWRITE:
	case NT_PAGE_WRITECOPY:
	case NT_PAGE_EXECUTE_READ:
	case NT_PAGE_EXECUTE_READWRITE:
	case NT_PAGE_EXECUTE_WRITECOPY:
		return hweight32(protect & NT_PAGE_CACHE_MASK) <= 1;
	default:
		return false;
	}
}

static struct mm_segment *mm_segment_alloc(unsigned long pages, bool committed,
					   struct file *file, bool writable)
{
	struct mm_segment *seg;

	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg)
		return NULL;
	/* Page states in a VAD of its own, which is in no tree. */
	if (!file) {
		seg->state = mm_vad_alloc(0, pages << PAGE_SHIFT, NT_MEM_MAPPED, 0, 0,
					  committed ? MM_PAGE_COMMITTED : 0);
		if (IS_ERR(seg->state)) {
			kfree(seg);
			return NULL;
		}
	}
	mutex_init(&seg->lock);
	xa_init_flags(&seg->pages, XA_FLAGS_ACCOUNT);
	seg->size = pages;
	seg->memcg = get_mem_cgroup_from_mm(current->mm);
	if (file)
		mm_file_segment_init(seg, file, writable);
	return seg;
}

/**
 * mm_segment_put_pages() - let go of what a segment holds
 * @seg: a segment no view maps any more
 *
 * Its pages (freed, or a file's folio references dropped) and their
 * commit charge.
 */
void mm_segment_put_pages(struct mm_segment *seg)
{
	unsigned long idx;
	struct page *page;

	xa_for_each(&seg->pages, idx, page) {
		put_page(page);
		mm_resident_uncount();
		cond_resched();
	}
	xa_destroy(&seg->pages);
	mm_shared_commit_uncharge(seg->committed);
}

static void mm_segment_free(struct mm_segment *seg)
{
	if (seg->image) {
		mm_image_segment_put(seg);
		return;
	}
	if (seg->file) {
		mm_file_segment_free(seg);
		return;
	}
	mm_segment_put_pages(seg);
	mm_vad_free(seg->state);
	mem_cgroup_put(seg->memcg);
	kfree(seg);
}

/**
 * mm_segment_committed() - whether a page of a segment is committed
 * @seg: the segment
 * @index: the page, in the section
 *
 * Return: true if committed.
 */
bool mm_segment_committed(struct mm_segment *seg, unsigned long index)
{
	bool ret;

	if (seg->file)
		return true;
	mutex_lock(&seg->lock);
	ret = mm_vad_page_state(seg->state, index << PAGE_SHIFT) & MM_PAGE_COMMITTED;
	mutex_unlock(&seg->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mm_segment_committed);

/**
 * mm_segment_page() - the page of a section, made on first touch
 * @seg: the segment
 * @index: the page, in the section; committed
 * @create: make it (zeroed, or read from the file) if the segment does not
 *	hold it yet
 *
 * Return: the page (owned by the segment; it lives as long as it does), or
 * NULL (never touched, no memory; for a file: past its end, an I/O error).
 */
struct page *mm_segment_page(struct mm_segment *seg, unsigned long index, bool create)
{
	struct mem_cgroup *old;
	struct page *page;

	if (seg->image)
		return mm_image_page(seg, index, create);
	if (seg->file)
		return mm_file_page(seg, index, create);
	mutex_lock(&seg->lock);
	page = xa_load(&seg->pages, index);
	if (page || !create)
		goto out;
	old = set_active_memcg(seg->memcg);
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
	set_active_memcg(old);
	if (page && xa_err(xa_store(&seg->pages, index, page, GFP_KERNEL_ACCOUNT))) {
		__free_page(page);
		page = NULL;
	}
	if (page)
		mm_resident_count();
out:
	mutex_unlock(&seg->lock);
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(mm_segment_page);

/**
 * mm_segment_commit() - commit pages of a SEC_RESERVE section
 * @seg: the segment
 * @first: the first page, in the section
 * @count: how many
 *
 * The section is charged for the pages that were not committed yet; every
 * view sees them committed from now on.
 *
 * Return: STATUS_SUCCESS, STATUS_COMMITMENT_LIMIT, STATUS_NO_MEMORY.
 */
ntstatus_t mm_segment_commit(struct mm_segment *seg, unsigned long first,
			     unsigned long count)
{
	unsigned long start = first << PAGE_SHIFT, end = (first + count) << PAGE_SHIFT;
	unsigned long newly;
	ntstatus_t status;

	mutex_lock(&seg->lock);
	newly = mm_vad_count_pages(seg->state, start, end, MM_PAGE_COMMITTED, 0);
	status = mm_shared_commit_charge(newly);
	if (!status && mm_vad_update_pages(seg->state, start, end, 0, MM_PAGE_COMMITTED)) {
		mm_shared_commit_uncharge(newly);
		status = STATUS_NO_MEMORY;
	}
	if (!status)
		seg->committed += newly;
	mutex_unlock(&seg->lock);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_segment_commit);

/**
 * mm_segment_committed_run() - how far a run of equal commit state goes
 * @seg: the segment
 * @first: the first page, in the section
 * @last: the end of the pages to look at, exclusive
 * @committed: out: the state of @first
 *
 * Return: the first page at or after @first, below @last, whose commit
 * state differs from @first's, or @last.
 */
unsigned long mm_segment_committed_run(struct mm_segment *seg, unsigned long first,
				       unsigned long last, bool *committed)
{
	unsigned long end;
	u16 state;

	if (seg->file) {
		*committed = true;
		return last;
	}
	mutex_lock(&seg->lock);
	state = mm_vad_page_state(seg->state, first << PAGE_SHIFT) & MM_PAGE_COMMITTED;
	end = mm_vad_find_page(seg->state, first << PAGE_SHIFT, last << PAGE_SHIFT,
			       MM_PAGE_COMMITTED, state ^ MM_PAGE_COMMITTED);
	mutex_unlock(&seg->lock);
	*committed = state;
	return end >> PAGE_SHIFT;
}
EXPORT_SYMBOL_IF_KUNIT(mm_segment_committed_run);

static void mm_section_destroy(struct ob_object *obj)
{
	struct mm_section *section = container_of(obj, struct mm_section, ob);

	/* Handles are closed and views gone, all in process context. */
	might_sleep();
	WARN_ON_ONCE(obj->name);
	mm_segment_free(section->segment);
	kfree_rcu(section, ob.rcu);
}

/**
 * mm_create_section() - NtCreateSection of a pagefile-backed section
 * @size: MaximumSize in bytes (rounded up to pages); non-zero
 * @protect: SectionPageProtection
 * @attributes: AllocationAttributes: SEC_COMMIT or SEC_RESERVE, and
 *	optionally SEC_NOCACHE or SEC_WRITECOMBINE
 * @out: out: the new section (one reference, the caller's)
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_6 (not exactly one of
 * SEC_COMMIT and SEC_RESERVE, or unknown attributes),
 * STATUS_INVALID_PAGE_PROTECTION, STATUS_INVALID_PARAMETER_4 (no size),
 * STATUS_SECTION_TOO_BIG, STATUS_COMMITMENT_LIMIT, STATUS_NO_MEMORY.
 */
ntstatus_t mm_create_section(u64 size, u32 protect, u32 attributes,
			     struct mm_section **out)
{
	const u32 kinds = NT_SEC_COMMIT | NT_SEC_RESERVE;
	struct mm_section *section;
	unsigned long pages;
	ntstatus_t status;

	if (attributes & ~(kinds | NT_SEC_NOCACHE | NT_SEC_WRITECOMBINE) ||
	    hweight32(attributes & kinds) != 1)
		return STATUS_INVALID_PARAMETER_6;
	if (!mm_section_protect_valid(protect))
		return STATUS_INVALID_PAGE_PROTECTION;
	if (!size)
		return STATUS_INVALID_PARAMETER_4;
	if (size > NT_HIGHEST_USER_ADDRESS + 1)
		return STATUS_SECTION_TOO_BIG;
	pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	if (attributes & NT_SEC_COMMIT) {
		status = mm_shared_commit_charge(pages);
		/* Past the commit limit: the paging files grow, then once more. */
		if (status == STATUS_COMMITMENT_LIMIT && mm_commit_grow(pages))
			status = mm_shared_commit_charge(pages);
		if (status)
			return status;
	}
	section = kzalloc(sizeof(*section), GFP_KERNEL_ACCOUNT);
	if (section)
		section->segment = mm_segment_alloc(pages, attributes & NT_SEC_COMMIT,
						    NULL, false);
	if (!section || !section->segment) {
		kfree(section);
		if (attributes & NT_SEC_COMMIT)
			mm_shared_commit_uncharge(pages);
		return STATUS_NO_MEMORY;
	}
	if (attributes & NT_SEC_COMMIT)
		section->segment->committed = pages;
	ob_init_object(&section->ob, &mm_section_type);
	section->size = PAGE_ALIGN(size);
	section->protect = protect;
	section->attributes = attributes;
	*out = section;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_create_section);

/* The file rights a section protection needs of the file's handle. */
static u32 mm_file_needs(u32 protect)
{
	u32 need = FILE_READ_DATA;

	switch (protect & NT_PAGE_BASE_MASK) {
	case NT_PAGE_READWRITE:
		return need | FILE_WRITE_DATA;
	case NT_PAGE_EXECUTE_READ:
	case NT_PAGE_EXECUTE_WRITECOPY:
		return need | FILE_EXECUTE;
	case NT_PAGE_EXECUTE_READWRITE:
		return need | FILE_WRITE_DATA | FILE_EXECUTE;
	default:
		return need;
	}
}

/* Views of it may write the file. */
static bool mm_protect_writes_file(u32 protect)
{
	return protect & (NT_PAGE_READWRITE | NT_PAGE_EXECUTE_READWRITE);
}

/**
 * mm_create_file_section() - NtCreateSection of a data file's section
 * @file: the file (its handle's object holds it)
 * @file_access: the rights of the file's handle
 * @size: MaximumSize in bytes, or 0 for the file's size
 * @protect: SectionPageProtection
 * @attributes: AllocationAttributes: SEC_COMMIT
 * @out: out: the new section (one reference, the caller's)
 *
 * The section's pages are the file's (filemap.c). A section larger than
 * the file grows it, which needs a writable section (and so write access
 * to the file); its size is the size asked, not rounded.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_6 (attributes other than
 * SEC_COMMIT), STATUS_INVALID_PAGE_PROTECTION, STATUS_ACCESS_DENIED (the
 * handle's rights or the file's state do not allow the protection),
 * STATUS_INVALID_FILE_FOR_SECTION, STATUS_MAPPED_FILE_SIZE_ZERO,
 * STATUS_SECTION_TOO_BIG, STATUS_DISK_FULL, STATUS_NO_MEMORY.
 */
ntstatus_t mm_create_file_section(struct file *file, u32 file_access, u64 size,
				  u32 protect, u32 attributes,
				  struct mm_section **out)
{
	bool writable = mm_protect_writes_file(protect);
	struct mm_section *section;
	ntstatus_t status;
	u64 fsize;

	if (attributes != NT_SEC_COMMIT)
		return STATUS_INVALID_PARAMETER_6;
	if (!mm_section_protect_valid(protect) || (protect & NT_PAGE_CACHE_MASK))
		return STATUS_INVALID_PAGE_PROTECTION;
	if ((file_access & mm_file_needs(protect)) != mm_file_needs(protect))
		return STATUS_ACCESS_DENIED;
	status = mm_file_check(file, false);
	if (status)
		return status;
	fsize = i_size_read(file_inode(file));
	if (!size && !fsize)
		return STATUS_MAPPED_FILE_SIZE_ZERO;
	size = size ?: fsize;
	if (size > NT_HIGHEST_USER_ADDRESS + 1 || (size > fsize && !writable))
		return STATUS_SECTION_TOO_BIG;
	/* What a writable section needs of the file, once it will exist. */
	if (writable) {
		status = mm_file_check(file, true);
		if (status)
			return status;
	}
	status = mm_file_extend(file, size);
	if (status)
		goto uncheck;
	status = STATUS_NO_MEMORY;
	section = kzalloc(sizeof(*section), GFP_KERNEL_ACCOUNT);
	if (!section)
		goto uncheck;
	section->segment = mm_segment_alloc(PAGE_ALIGN(size) >> PAGE_SHIFT, true,
					    file, writable);
	if (!section->segment) {
		kfree(section);
		goto uncheck;
	}
	ob_init_object(&section->ob, &mm_section_type);
	section->size = size;
	section->protect = protect;
	section->attributes = NT_SEC_FILE | NT_SEC_COMMIT;
	*out = section;
	return STATUS_SUCCESS;

uncheck:
	mm_file_uncheck(file, writable);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_create_file_section);

/**
 * mm_extend_section() - NtExtendSection
 * @section: the section (the handle had SECTION_EXTEND_SIZE)
 * @size: in: *NewSectionSize; out: the section's size afterwards
 *
 * Only a writable file-backed section grows, and its file with it; a size
 * not above the current one changes nothing. Views keep their size; new
 * ones may map the new part.
 *
 * Return: STATUS_SUCCESS, STATUS_SECTION_NOT_EXTENDED (a pagefile-backed
 * or not writable section), STATUS_SECTION_TOO_BIG, STATUS_DISK_FULL.
 */
ntstatus_t mm_extend_section(struct mm_section *section, u64 *size)
{
	struct mm_segment *seg = section->segment;
	ntstatus_t status = STATUS_SUCCESS;

	if (!seg->file || !seg->writable)
		return STATUS_SECTION_NOT_EXTENDED;
	if (*size > NT_HIGHEST_USER_ADDRESS + 1)
		return STATUS_SECTION_TOO_BIG;
	mutex_lock(&seg->sync_lock);
	if (*size > section->size) {
		status = mm_file_extend(seg->file, *size);
		if (!status) {
			mutex_lock(&seg->lock);
			seg->size = PAGE_ALIGN(*size) >> PAGE_SHIFT;
			mutex_unlock(&seg->lock);
			WRITE_ONCE(section->size, *size);
		}
	}
	*size = section->size;
	mutex_unlock(&seg->sync_lock);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_extend_section);

/**
 * mm_query_section() - NtQuerySection(SectionBasicInformation)
 * @section: the section (the handle had SECTION_QUERY)
 * @info: out: the answer
 */
void mm_query_section(struct mm_section *section,
		      struct nt_section_basic_information *info)
{
	memset(info, 0, sizeof(*info));
	info->allocation_attributes = section->attributes;
	info->maximum_size = section->size;
}
EXPORT_SYMBOL_IF_KUNIT(mm_query_section);
