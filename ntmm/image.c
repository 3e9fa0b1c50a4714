// SPDX-License-Identifier: GPL-2.0
/*
 * Image sections: NtCreateSection(SEC_IMAGE) of a PE32+ file, its views
 * laid out as the loader expects them, SectionImageInformation and
 * NtAreMappedFilesTheSame.
 *
 * An image segment holds the image as it lies in memory, not as it lies in
 * the file: page i is the image's RVA i * PAGE_SIZE, made on first touch
 * from the file's page cache (the headers' bytes, or the raw data of the
 * section the page lies in, zeros past SizeOfRawData and between), and
 * then shared by every view of every section of that file: the segment is
 * cached by inode, so two processes that each create a section of one
 * image share its pages, as NT's image control area is found through the
 * file's SectionObjectPointers. Views never write a segment page: every
 * writable image page is write-copy (IMAGE_SCN_MEM_SHARED included; see
 * "Not yet" in the README), so a write makes the process's own copy.
 *
 * The file is kept from changing under its images as exec() keeps a
 * running program's: while the segment lives, the file cannot be opened
 * for writing (deny_write_access(), ETXTBSY), and creating an image of a
 * file open for writing fails (STATUS_SHARING_VIOLATION).
 *
 * Headers (ntmm/pe.c) are read with kernel_read() before anything is
 * made, and pages are filled from page-cache folios (no file system lock
 * under mmap_lock, as for data files, filemap.c).
 *
 * Locking: mm_image_lock (a mutex) protects the cache; it is a leaf, taken
 * where a section's last reference goes (possibly under mmap_lock and a
 * space's lock), and nothing is allocated or read under it.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/highmem.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "mi.h"
#include "pe.h"

static DEFINE_MUTEX(mm_image_lock);
static DEFINE_HASHTABLE(mm_images, 8);

/* Copy @len bytes of the file at @pos to @dst, from its page cache. */
static int mm_image_copy(struct mm_segment *seg, u8 *dst, u64 pos, u32 len)
{
	struct page *page;
	u32 n;

	while (len) {
		page = mm_file_read(seg, pos >> PAGE_SHIFT);
		if (!page)
			return -EIO;
		n = min_t(u64, len, PAGE_SIZE - offset_in_page(pos));
		memcpy_from_page(dst, page, offset_in_page(pos), n);
		put_page(page);
		dst += n;
		pos += n;
		len -= n;
	}
	return 0;
}

/* Copy into @dst (a page at @rva) what of [@va, @va + @len) it overlaps. */
static int mm_image_piece(struct mm_segment *seg, u8 *dst, u64 rva, u64 va,
			  u64 len, u64 file_offset)
{
	u64 from = max(rva, va), to = min(rva + PAGE_SIZE, va + len);

	if (from >= to)
		return 0;
	return mm_image_copy(seg, dst + (from - rva), file_offset + (from - va),
			     to - from);
}

/* Fill a zeroed page with the image at @index. */
static int mm_image_fill(struct mm_segment *seg, struct page *page, unsigned long index)
{
	const struct mm_image *img = seg->image;
	u64 rva = (u64)index << PAGE_SHIFT;
	u8 *dst = kmap_local_page(page);
	int err;
	u32 i;

	err = mm_image_piece(seg, dst, rva, 0, min(img->size_of_headers,
						   img->sections[0].va), 0);
	for (i = 0; i < img->nsections && !err; i++) {
		const struct mm_image_section *s = &img->sections[i];

		if (s->va >= rva + PAGE_SIZE)
			break;
		if (s->raw_size)
			err = mm_image_piece(seg, dst, rva, s->va,
					     min(s->raw_size, s->vsize), s->raw_offset);
	}
	kunmap_local(dst);
	return err;
}

/**
 * mm_image_page() - the page of an image section at an RVA
 * @seg: the image segment
 * @index: the page (its RVA >> PAGE_SHIFT), in the image
 * @create: make it if the segment does not hold it yet
 *
 * Return: the page (held by the segment), or NULL: not held and not
 * @create, the commit limit, no memory, an I/O error.
 */
struct page *mm_image_page(struct mm_segment *seg, unsigned long index, bool create)
{
	struct mem_cgroup *old;
	struct page *page;

	page = xa_load(&seg->pages, index);
	if (page || !create || index >= seg->size)
		return page;
	if (mm_shared_commit_charge(1))
		return NULL;
	old = set_active_memcg(seg->memcg);
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
	set_active_memcg(old);
	if (page && mm_image_fill(seg, page, index)) {
		__free_page(page);
		page = NULL;
	}
	return mm_segment_hold(seg, index, page);
}

/* Free a segment no view maps; @denied: it holds the file's write denial. */
static void mm_image_segment_free(struct mm_segment *seg, bool denied)
{
	mm_segment_put_pages(seg);
	if (denied)
		allow_write_access(seg->file);
	fput(seg->file);
	mm_pe_free(seg->image);
	kfree(seg->image);
	mem_cgroup_put(seg->memcg);
	kfree(seg);
}

static void mm_image_release(struct kref *ref)
	__releases(&mm_image_lock)
{
	struct mm_segment *seg = container_of(ref, struct mm_segment, ref);

	hash_del(&seg->hash);
	mutex_unlock(&mm_image_lock);
	mm_image_segment_free(seg, true);
}

/**
 * mm_image_segment_put() - drop a section's reference to an image segment
 * @seg: the segment
 */
void mm_image_segment_put(struct mm_segment *seg)
{
	kref_put_mutex(&seg->ref, mm_image_release, &mm_image_lock);
}

/* The cached segment of @inode, referenced, or NULL. */
static struct mm_segment *mm_image_lookup(struct inode *inode)
{
	struct mm_segment *seg;

	hash_for_each_possible(mm_images, seg, hash, (unsigned long)inode)
		if (file_inode(seg->file) == inode && kref_get_unless_zero(&seg->ref))
			return seg;
	return NULL;
}

/* Read and check the headers and make a segment of them (not cached yet). */
static ntstatus_t mm_image_segment_new(struct file *file, u64 fsize,
				       struct mm_segment **out)
{
	size_t len = min_t(u64, fsize, MM_PE_HEADERS_MAX);
	struct mm_segment *seg = NULL;
	struct mm_image *img;
	ntstatus_t status;
	loff_t pos = 0;
	void *buf;

	buf = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	img = kzalloc(sizeof(*img), GFP_KERNEL_ACCOUNT);
	status = STATUS_NO_MEMORY;
	if (!buf || !img)
		goto out;
	status = STATUS_INVALID_IMAGE_NOT_MZ;
	if (kernel_read(file, buf, len, &pos) != len)
		goto out;
	status = mm_pe_parse(buf, len, fsize, img);
	if (status)
		goto out;
	status = STATUS_NO_MEMORY;
	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg) {
		mm_pe_free(img);
		goto out;
	}
	mutex_init(&seg->lock);
	xa_init_flags(&seg->pages, XA_FLAGS_ACCOUNT);
	kref_init(&seg->ref);
	seg->size = PAGE_ALIGN(img->size_of_image) >> PAGE_SHIFT;
	seg->memcg = get_mem_cgroup_from_mm(current->mm);
	seg->file = get_file(file);
	seg->image = img;
	seg->image_file_size = fsize;
	img = NULL;
	*out = seg;
	status = STATUS_SUCCESS;
out:
	kfree(img);
	kvfree(buf);
	return status;
}

/**
 * mm_create_image_section() - NtCreateSection(SEC_IMAGE)
 * @file: the file (its handle's object holds it)
 * @file_access: the rights of the file's handle
 * @protect: SectionPageProtection (checked, then only reported: the image
 *	decides its pages' protections)
 * @attributes: AllocationAttributes: SEC_IMAGE
 * @out: out: the new section (one reference, the caller's)
 *
 * FILE_READ_DATA is enough (a loader opens images read-only); the file's
 * mount must allow execution, as for mmap(PROT_EXEC).
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER_6,
 * STATUS_INVALID_PAGE_PROTECTION, STATUS_ACCESS_DENIED,
 * STATUS_INVALID_FILE_FOR_SECTION, STATUS_MAPPED_FILE_SIZE_ZERO,
 * STATUS_INVALID_IMAGE_NOT_MZ, STATUS_INVALID_IMAGE_FORMAT,
 * STATUS_SHARING_VIOLATION (the file is open for writing),
 * STATUS_NO_MEMORY.
 */
ntstatus_t mm_create_image_section(struct file *file, u32 file_access, u32 protect,
				   u32 attributes, struct mm_section **out)
{
	struct inode *inode = file_inode(file);
	struct mm_segment *seg, *found;
	struct mm_section *section;
	ntstatus_t status;
	u64 fsize;

	if (attributes != NT_SEC_IMAGE)
		return STATUS_INVALID_PARAMETER_6;
	if (!mm_section_protect_valid(protect))
		return STATUS_INVALID_PAGE_PROTECTION;
	if (!(file_access & FILE_READ_DATA) ||
	    !(ob_file_max_access(file) & FILE_EXECUTE))
		return STATUS_ACCESS_DENIED;
	status = mm_file_check(file, false);
	if (status)
		return status;
	fsize = i_size_read(inode);
	if (!fsize)
		return STATUS_MAPPED_FILE_SIZE_ZERO;
	section = kzalloc(sizeof(*section), GFP_KERNEL_ACCOUNT);
	if (!section)
		return STATUS_NO_MEMORY;

	mutex_lock(&mm_image_lock);
	seg = mm_image_lookup(inode);
	mutex_unlock(&mm_image_lock);
	if (!seg) {
		status = mm_image_segment_new(file, fsize, &seg);
		if (status)
			goto free;
		if (deny_write_access(file)) {
			mm_image_segment_free(seg, false);
			status = STATUS_SHARING_VIOLATION;
			goto free;
		}
		/* Another thread may have made one meanwhile: use the first. */
		mutex_lock(&mm_image_lock);
		found = mm_image_lookup(inode);
		if (!found)
			hash_add(mm_images, &seg->hash, (unsigned long)inode);
		mutex_unlock(&mm_image_lock);
		if (found) {
			kref_put_mutex(&seg->ref, mm_image_release, &mm_image_lock);
			seg = found;
		}
	}
	ob_init_object(&section->ob, &mm_section_type);
	section->segment = seg;
	section->size = (u64)seg->size << PAGE_SHIFT;
	section->protect = protect;
	section->attributes = NT_SEC_FILE | NT_SEC_IMAGE;
	*out = section;
	return STATUS_SUCCESS;
free:
	kfree(section);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_create_image_section);

/**
 * mm_image_layout() - give a new view of an image its pages' protections
 * @vad: the view's VAD, in no tree yet
 * @img: the image
 *
 * Headers PAGE_READONLY, each section its characteristics' protection to
 * the next section's start, what lies past the last section no access.
 *
 * Return: 0 or -ENOMEM.
 */
int mm_image_layout(struct mm_vad *vad, const struct mm_image *img)
{
	unsigned long start = vad->start, end = vad->end, from, to = start;
	u32 i;

	if (mm_vad_update_pages(vad, start, start + img->sections[0].va,
				MM_PAGE_PROT_MASK, MM_PE_HEADERS_PROTECT))
		return -ENOMEM;
	for (i = 0; i < img->nsections; i++) {
		from = start + img->sections[i].va;
		to = i + 1 < img->nsections ? start + img->sections[i + 1].va :
		     min(end, start + round_up((u64)img->sections[i].va +
					       img->sections[i].vsize,
					       img->section_alignment));
		to = max(to, from);
		if (mm_vad_update_pages(vad, from, PAGE_ALIGN(to), MM_PAGE_PROT_MASK,
					img->sections[i].protect))
			return -ENOMEM;
	}
	from = PAGE_ALIGN(to);
	if (from < end && mm_vad_update_pages(vad, from, end, MM_PAGE_PROT_MASK,
					      NT_PAGE_NOACCESS))
		return -ENOMEM;
	return 0;
}

/**
 * mm_image_protect() - the protection NtProtectVirtualMemory gives an
 *	image page
 * @protect: the protection asked (canonical)
 *
 * Image pages are never written in place: a writable protection is its
 * write-copy form, as Windows makes it (a loader's relocations write
 * copies).
 *
 * Return: the protection to set.
 */
u32 mm_image_protect(u32 protect)
{
	u32 extra = protect & ~NT_PAGE_BASE_MASK;

	switch (protect & NT_PAGE_BASE_MASK) {
	case NT_PAGE_READWRITE:
		return NT_PAGE_WRITECOPY | extra;
	case NT_PAGE_EXECUTE_READWRITE:
		return NT_PAGE_EXECUTE_WRITECOPY | extra;
	default:
		return protect;
	}
}

/**
 * mm_query_image() - NtQuerySection(SectionImageInformation)
 * @section: the section
 * @info: out: the answer
 *
 * Return: STATUS_SUCCESS, or STATUS_SECTION_NOT_IMAGE.
 */
ntstatus_t mm_query_image(struct mm_section *section,
			  struct nt_section_image_information *info)
{
	struct mm_segment *seg = section->segment;

	if (!seg->image)
		return STATUS_SECTION_NOT_IMAGE;
	mm_pe_image_information(seg->image, seg->image_file_size, info);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(mm_query_image);

/* The VAD holding @addr and what it maps: 0, or the status Wine gives. */
static ntstatus_t mm_view_at(struct mm_space *space, u64 addr, struct mm_vad **vad)
{
	*vad = addr <= NT_HIGHEST_USER_ADDRESS ?
	       mm_vad_find(&space->vads, addr & PAGE_MASK) : NULL;
	if (!*vad || (*vad)->pending)
		return STATUS_INVALID_ADDRESS;
	if (!(*vad)->section)
		return STATUS_CONFLICTING_ADDRESSES;
	return STATUS_SUCCESS;
}

/**
 * mm_same_file() - NtAreMappedFilesTheSame
 * @mp: the calling process
 * @mm: its address space
 * @image: File1MappedAsAnImage: an address in a view of an image
 * @other: File2MappedAsFile: an address in any view
 *
 * Wine's rules (dlls/ntdll/tests/virtual.c): an address in no view of the
 * module's is STATUS_INVALID_ADDRESS, one in private memory
 * STATUS_CONFLICTING_ADDRESSES; the same view is the same file; otherwise
 * the first must be an image and both views must map one file, else
 * STATUS_NOT_SAME_DEVICE (two data views of one file included).
 *
 * Return: an NTSTATUS.
 */
ntstatus_t mm_same_file(struct mm_process *mp, struct mm_struct *mm, u64 image,
			u64 other)
{
	struct mm_segment *a, *b;
	struct mm_vad *va, *vb;
	struct mm_space *space;
	ntstatus_t status;

	space = mm_space_get(mp, mm, false);
	if (IS_ERR_OR_NULL(space))
		return STATUS_INVALID_ADDRESS;
	mutex_lock(&space->lock);
	status = mm_view_at(space, image, &va);
	if (!status)
		status = mm_view_at(space, other, &vb);
	if (!status && va != vb) {
		a = va->section->segment;
		b = vb->section->segment;
		if (!a->image || !b->file ||
		    file_inode(a->file) != file_inode(b->file))
			status = STATUS_NOT_SAME_DEVICE;
	}
	mutex_unlock(&space->lock);
	mm_space_put(space);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(mm_same_file);
